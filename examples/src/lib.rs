//! Runnable examples of `periodic`: see `examples/` and run one with
//! `cargo run --example NAME` from the workspace root.
