//! Runnable examples of `periodic`: see `examples/` and run one with
//! `cargo run --example NAME` from the workspace root. `README.md` beside this crate maps each
//! example to the seed example or recipe it reproduces.
