//! Cache jobs.

use std::sync::atomic::{AtomicU64, Ordering};

/// The source file of this module, as `file!()` spells it.
pub const FILE: &str = file!();

static REFRESHES: AtomicU64 = AtomicU64::new(0);

/// The line of the `#[every]` attribute of [`alpha_refresh`].
pub const ALPHA_REFRESH_LINE: u32 = line!() + 1;
#[periodic::every(10s, mode = "fixed_rate")]
/// An async job returning the number of calls so far.
pub async fn alpha_refresh() -> u64 {
    REFRESHES.fetch_add(1, Ordering::SeqCst) + 1
}

/// The line of the `#[every]` attribute of [`golf_sync`].
pub const GOLF_SYNC_LINE: u32 = line!() + 1;
#[periodic::every(1m)]
/// A sync fallible job.
pub fn golf_sync() -> Result<String, std::io::Error> {
    Ok("golf".to_owned())
}
