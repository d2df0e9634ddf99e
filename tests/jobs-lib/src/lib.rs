//! `#[every]` jobs defined in a library crate, in several modules, for the cross-crate tests of
//! `periodic-tests` (`tests/tests/registry.rs`).
//!
//! `missing_docs` is denied: every job below is `pub` and documented, so this crate compiles
//! only if `#[every]` keeps the doc comments on the handle it generates.

#![deny(missing_docs)]

pub mod cache;
pub mod reports;

/// The source file of this module, as `file!()` spells it (for the registry's `file`).
pub const LIB_FILE: &str = file!();

/// The line of the `#[every]` attribute of [`root_job`] (job name `bravo_root`).
pub const BRAVO_ROOT_LINE: u32 = line!() + 1;
#[periodic::every(1h, name = "bravo_root")]
/// A job at the crate root, named with `name = ...`.
pub fn root_job() -> &'static str {
    "root"
}

/// The names of the jobs this crate defines, sorted.
pub const JOB_NAMES: [&str; 4] = ["alpha_refresh", "bravo_root", "echo_report", "golf_sync"];
