//! The `#[every]` attribute of [`periodic`](https://docs.rs/periodic).
//!
//! Not yet implemented: the attribute arrives with the registry and `run_all` (issue 3).
//! Until then this crate exports nothing, and `periodic` does not re-export it.
