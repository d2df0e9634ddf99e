//! The one place where the engine waits for an instant.
//!
//! Every scheduled tick sleeps through [`sleep_until`]. Keeping it in one place lets a later
//! precise mode (a shared high-resolution thread for the last millisecond) or deadline
//! coalescing replace it without touching the scheduling logic.

use tokio::time::{Instant, Sleep};

/// Sleeps until `deadline` on tokio's timer (paused-clock aware).
pub(crate) fn sleep_until(deadline: Instant) -> Sleep {
    tokio::time::sleep_until(deadline)
}
