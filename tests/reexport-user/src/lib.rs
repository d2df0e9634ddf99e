//! Jobs declared through `periodic-reexport`, in a crate that has no `periodic` dependency.
//!
//! `::periodic` does not resolve here, so each job compiles only because the code that
//! `#[every]` generates goes through the path given as `crate = "..."`. The tests that run
//! these jobs are in `periodic-tests` (`tests/tests/reexport.rs`).

use std::sync::atomic::{AtomicU32, Ordering};

/// Counts the calls of [`through_reexport`].
pub static REEXPORT_CALLS: AtomicU32 = AtomicU32::new(0);

/// The line of the `#[every]` attribute of [`through_reexport`].
pub const THROUGH_REEXPORT_LINE: u32 = line!() + 1;
#[periodic_reexport::periodic::every(1s, name = "user_through_reexport", crate = "periodic_reexport::periodic")]
/// A sync job declared through the re-export, with a relative `crate` path.
pub fn through_reexport() -> u32 {
    REEXPORT_CALLS.fetch_add(1, Ordering::SeqCst) + 1
}

/// Shared state for [`absolute::through_absolute`].
#[derive(Debug)]
pub struct Factor(pub u32);

/// Jobs whose module shadows `periodic` with `std`, declared with absolute `crate` paths.
pub mod absolute {
    #[allow(unused_imports)]
    use std as periodic;

    use super::Factor;

    /// An async fallible job taking state, through `::periodic_reexport::periodic`.
    #[::periodic_reexport::periodic::every(
        250ms,
        mode = "fixed_rate",
        name = "user_through_absolute",
        crate = "::periodic_reexport::periodic"
    )]
    pub async fn through_absolute(
        factor: ::periodic_reexport::periodic::State<Factor>,
    ) -> Result<u32, std::io::Error> {
        Ok(factor.0 * 3)
    }

    /// A job through the re-export renamed one module down.
    #[periodic_reexport::nested::engine::every(
        2s,
        name = "user_through_renamed",
        crate = "periodic_reexport::nested::engine"
    )]
    pub async fn through_renamed() -> &'static str {
        "renamed"
    }
}
