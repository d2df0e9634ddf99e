//! Re-exports `periodic`, as a framework crate would, for the `crate = "..."` tests.

pub use periodic;

/// The same crate under another name, one module down.
pub mod nested {
    pub use periodic as engine;
}
