//! Recurring async work on tokio, correct to the tick.
//!
//! `periodic` runs a function on a schedule — refresh a cache, poll an upstream, sample metrics,
//! send a heartbeat — with the lifecycle, observability and control that the hand-written
//! `loop { work().await; sleep(p).await }` lacks: no drift in fixed-rate mode, deterministic
//! stop, trigger-now, the latest value without blocking, waiting for ticks, and errors and
//! panics that never take down anything else.
//!
//! ```
//! use std::time::Duration;
//! use periodic::{Mode, Timer};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), periodic::Error> {
//! let cache = Timer::builder(Duration::from_secs(5), || async { 42u64 /* fetch */ })
//!     .mode(Mode::FixedRate)
//!     .name("db_refresh")
//!     .build()?;
//! cache.start()?;
//! cache.wait().hit_count(1).await?;       // gate startup on the first refresh
//! assert_eq!(cache.last_result(), Some(42)); // the latest value, no waiting
//! let fresh = cache.trigger().await?;      // refresh now; the schedule resumes from here
//! assert_eq!(fresh, 42);
//! cache.shutdown(Duration::from_secs(5)).await; // an in-flight tick may finish within 5 s
//! # Ok(())
//! # }
//! ```
//!
//! # The engine
//!
//! [`Timer<T>`] calls a target — a sync or async function returning `T` or `Result<T, E>`, or
//! a stream or iterator (see [`IntoTarget`]) — on a schedule chosen by [`Mode`]:
//! [`Mode::FixedDelay`] (the next tick `period` after the previous one finishes) or
//! [`Mode::FixedRate`] (tick `n` at `anchor + n·period`, overrun slots skipped). Ticks of one
//! timer never overlap.
//!
//! # Reading results
//!
//! - [`Timer::last_result`], [`Timer::hit_count`], [`Timer::stats`]: without waiting;
//! - [`Timer::join`]: the next tick's outcome; [`Timer::wait`]: a number of ticks, or the end;
//! - [`Timer::stream`]: a `Stream` of latest outcomes (a slow consumer skips ticks);
//! - [`Timer::trigger`]: a fresh outcome now.
//!
//! # Testing under paused time
//!
//! All timing uses `tokio::time`, so `#[tokio::test(start_paused = true)]` runs any schedule in
//! virtual time — exactly and instantly. The examples in these docs run that way.
//!
//! # Observability
//!
//! Every tick runs inside an `INFO` `tracing` span named `tick` with the fields `timer` (the
//! name) and `tick` (the tick number within the run); skipped fixed-rate slots are a `warn!`,
//! tick failures an `error!`, and starts and stops `debug!` events. The crate never prints.
//!
//! # Errors
//!
//! Every fallible operation returns [`Error`], one `#[non_exhaustive]` enum that is `Clone`,
//! `Send` and `Sync`. Invalid configuration is an error, never a panic.

#![warn(missing_docs, unreachable_pub)]
#![forbid(unsafe_code)]

mod clock;
mod config;
mod core;
mod driver;
mod error;
mod group;
mod registry;
mod schedule;
mod state;
pub mod target;
mod timer;

pub use config::{Mode, OnError};
pub use error::{BoxError, Error};
pub use group::{GroupWait, MemberOutcome, TimerGroup};
pub use periodic_macros::every;
pub use registry::{Configure, JobInfo, JobOverride, Overrides, configure, registry, run_all};
pub use state::State;
pub use target::IntoTarget;
pub use timer::{CancelOn, Latest, Stats, StopReason, Timer, TimerBuilder, Wait, cancel_marker};

/// Not public API. Used by generated code.
#[doc(hidden)]
pub mod __private {
    pub use crate::registry::{ErasedJob, ErasedTimer, Job, JobSpec, Registration, StateKey};
    pub use crate::{Mode, OnError, State, Timer};
    pub use core::time::Duration;
    pub use inventory;

    /// Checks a job's value type where `#[every]` points it: the function's return type.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be the value of a periodic job",
        label = "the job's return type (its `Ok` type, for a `Result`) must be `Clone + Send + Sync + 'static`",
        note = "a job's value is shared with every waiter and subscriber, across threads"
    )]
    pub trait JobValue: Clone + Send + Sync + 'static {}
    impl<T: Clone + Send + Sync + 'static> JobValue for T {}

    /// Fails to compile, at the caller's span, unless `T` can be a job's value.
    pub const fn assert_job_value<T: JobValue>() {}

    /// The state of type `S` for a job's tick. `start` checked that it was provided, and state
    /// is never removed, so this cannot fail for a started job.
    pub fn state<S: Send + Sync + 'static>() -> State<S> {
        crate::state::get::<S>().unwrap_or_else(|| {
            unreachable!(
                "state `{}` vanished after the start-time check",
                std::any::type_name::<S>()
            )
        })
    }
}
