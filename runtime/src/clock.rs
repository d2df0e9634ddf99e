//! The one place where the engine waits for an instant.
//!
//! Every scheduled tick sleeps through [`sleep_until`] and [`reset`]. Keeping them in one place
//! lets a later precise mode (a shared high-resolution thread for the last millisecond) or
//! deadline coalescing replace them without touching the scheduling logic.

use std::pin::Pin;

use tokio::time::{Instant, Sleep};

/// Sleeps until `deadline` on tokio's timer (paused-clock aware).
pub(crate) fn sleep_until(deadline: Instant) -> Sleep {
    tokio::time::sleep_until(deadline)
}

/// Moves a sleep made by [`sleep_until`] to a new deadline, reusing its timer entry: a run keeps
/// one sleep for every deadline of its life.
pub(crate) fn reset(sleep: Pin<&mut Sleep>, deadline: Instant) {
    sleep.reset(deadline);
}
