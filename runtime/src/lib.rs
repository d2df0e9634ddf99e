//! Recurring async work on tokio, correct to the tick.
//!
//! `periodic` runs a function on a schedule — refresh a cache, poll an upstream, sample metrics,
//! send a heartbeat — with the lifecycle, observability and control that the hand-written
//! `loop { work().await; sleep(p).await }` lacks: no drift in fixed-rate mode, deterministic
//! stop, trigger-now, the latest value without blocking, waiting for ticks, and errors and
//! panics that never take down anything else.
//!
//! ```rust,standalone_crate
//! use std::time::Duration;
//! use periodic::every;
//!
//! #[every(5s, mode = "fixed_rate", name = "db_refresh")]
//! async fn refresh_db() -> u64 {
//!     42 // fetch from the database
//! }
//!
//! #[tokio::main(flavor = "current_thread", start_paused = true)]
//! async fn main() -> Result<(), periodic::Error> {
//!     let jobs = periodic::run_all().await?;     // every #[every] fn, started as a group
//!     jobs.wait().hit_count(1).await?;            // gate startup on every job's first tick
//!     let latest: Option<u64> = refresh_db.last_result(); // no waiting
//!     let fresh: u64 = refresh_db.trigger().await?;       // a new value, now
//!     let direct: u64 = refresh_db.func().await;          // the undecorated function
//!     assert_eq!((latest, fresh, direct), (Some(42), 42, 42));
//!     jobs.shutdown(Duration::from_secs(5)).await;  // in-flight ticks may finish within 5 s
//!     Ok(())
//! }
//! ```
//!
//! # Equivalent code without the macro
//!
//! `#[every]` is a convenience over [`Timer`]: the example above amounts to
//!
//! ```
//! use std::time::Duration;
//! use periodic::{Mode, Timer};
//!
//! async fn refresh_db() -> u64 {
//!     42
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), periodic::Error> {
//! let refresh = Timer::builder(Duration::from_secs(5), refresh_db)
//!     .mode(Mode::FixedRate)
//!     .name("db_refresh")
//!     .build()?;
//! refresh.start()?;
//! refresh.wait().hit_count(1).await?;
//! let fresh = refresh.trigger().await?;
//! assert_eq!(fresh, 42);
//! refresh.shutdown(Duration::from_secs(5)).await;
//! # Ok(())
//! # }
//! ```
//!
//! What the macro adds: the handle is a `static` named after the function, so any module can
//! reach it; it is registered with [`inventory`](https://docs.rs/inventory), so [`run_all`]
//! finds every job without a central list; the timer is built on first use; and `State<S>`
//! parameters are filled in from [`configure`].
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
//! # The registry
//!
//! [`registry`] lists every `#[every]` job linked into the program; [`run_all`] and
//! [`configure`] start them. Registration happens before `main` through linker sections
//! (inventory), on the platforms inventory supports: Linux, macOS, Windows, iOS, FreeBSD,
//! Android, and WebAssembly with a caveat.
//!
//! # Errors
//!
//! Every fallible operation returns [`Error`], one `#[non_exhaustive]` enum that is `Clone`,
//! `Send` and `Sync`. Invalid configuration is an error, never a panic.

#![warn(missing_docs, unreachable_pub)]
#![forbid(unsafe_code)]

mod clock;
mod config;
mod coordinator;
mod core;
mod driver;
mod error;
mod group;
mod rate_limiter;
mod registry;
mod schedule;
mod state;
mod subscription;
pub mod target;
mod timer;

pub use config::{Mode, OnError};
pub use coordinator::{BoxFuture, Coordinator, RunOutcome, RunRecord, Slot, Unreachable};
pub use error::{BoxError, Error};
pub use group::{GroupWait, MemberOutcome, TimerGroup};
/// Runs a function periodically: `#[every(5s)] async fn refresh() -> u64 { … }`.
///
/// The function's name becomes a `static` handle that derefs to [`Timer<T>`] (`T` is the return
/// type, or its `Ok` type for a function returning `Result`), registered so that [`run_all`]
/// finds and starts it. `NAME.func(…)` calls the original function with its original signature.
///
/// # Arguments
///
/// First the period, then `key = value` pairs in any order:
///
/// | argument | accepted | default |
/// | --- | --- | --- |
/// | period (first, required) | `5s`, `250ms`, `1.5s`, `1m30s` (units `ns us ms s m h d`), a string `"1h 30m"`, or an expression of type `Duration` | — |
/// | `mode` | `"fixed_delay"` or `"fixed_rate"` (see [`Mode`]) | `"fixed_delay"` |
/// | `name` | a string | the function's name |
/// | `initial_delay` | a duration, as the period | `0s` |
/// | `jitter` | a number in `[0, 1]` (see [`TimerBuilder::jitter`]) | `0.0` |
/// | `on_error` | `"continue"` or `"stop"` (see [`OnError`]) | `"continue"` |
/// | `timeout` | a duration: the longest one tick may run | none |
/// | `autostart` | `false` registers the job, but [`run_all`] leaves it stopped | `true` |
/// | `coordinated` | run each period on one replica of a fleet (needs `mode = "fixed_rate"`) | `false` |
/// | `crate` | the path of this crate, for code that re-exports it | `"::periodic"` |
///
/// Literals are checked at compile time, with the error on the offending token. A `Duration`
/// expression is evaluated when the job's timer is first used; a zero value there makes
/// `start` fail with [`Error::InvalidConfig`].
///
/// # The function
///
/// `fn` or `async fn`, any visibility, with its attributes and doc comments; no generics, no
/// `self`, not `unsafe`, `extern` or `const`. Parameters: none, or any number of
/// [`State<S>`], provided by [`configure().state(value)`](Configure::state). The return type
/// must be `Clone + Send + Sync + 'static` (for `Result<T, E>`: `T` must, and `E` must convert
/// into `Box<dyn Error + Send + Sync>`); a function whose return type's last path segment is
/// `Result` is fallible. The future of an `async fn` must be `Send`.
///
/// # Examples
///
/// ```rust,standalone_crate
/// use std::time::Duration;
/// use periodic::{State, every};
///
/// struct Upstream { base: u64 }
///
/// /// Polls the upstream for a version number.
/// #[every(5s, mode = "fixed_rate", name = "version_poll")]
/// async fn poll_version(upstream: State<Upstream>) -> u64 {
///     upstream.base + 1
/// }
///
/// #[every(1m, initial_delay = 10s, jitter = 0.1)]
/// fn prune() -> Result<usize, std::io::Error> {
///     Ok(0)
/// }
///
/// #[tokio::main(flavor = "current_thread", start_paused = true)]
/// async fn main() -> Result<(), periodic::Error> {
///     // Call the function itself, with its own signature:
///     assert_eq!(poll_version.func(State::new(Upstream { base: 1 })).await, 2);
///     assert_eq!(prune.func().unwrap(), 0);
///
///     let jobs = periodic::configure().state(Upstream { base: 41 }).run_all().await?;
///     jobs.wait().hit_count(1).await?;             // every job has ticked once
///     assert_eq!(poll_version.last_result(), Some(42)); // the handle is a Timer<u64>
///     assert_eq!(poll_version.trigger().await?, 42);
///     jobs.shutdown(Duration::from_secs(5)).await;
///     Ok(())
/// }
/// ```
pub use periodic_macros::every;
pub use rate_limiter::{IntoTask, RateLimiter, task_marker};
pub use registry::{Configure, JobInfo, JobOverride, Overrides, configure, registry, run_all};
pub use state::State;
pub use subscription::Subscription;
pub use target::IntoTarget;
pub use timer::{CancelOn, Latest, Stats, StopReason, Timer, TimerBuilder, Wait, cancel_marker};

/// Not public API. Used by generated code.
#[doc(hidden)]
pub mod __private {
    pub use crate::registry::{ErasedJob, ErasedTimer, Job, JobSpec, Registration, StateKey};
    pub use crate::{Mode, OnError, State, Timer};
    pub use core::time::Duration;
    pub use inventory;

    /// An async job's future, boxed so that a future that is not `Send` is reported at the
    /// job's name (and named, so that lints on type complexity do not fire in user code).
    pub type SendFuture<T> =
        core::pin::Pin<Box<dyn core::future::Future<Output = T> + Send + 'static>>;

    /// A job's value type: checked where `#[every]` points it, the function's return type.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be the value of a periodic job",
        label = "the job's return type (its `Ok` type, for a `Result`) must be `Clone + Send + Sync + 'static`",
        note = "a job's value is shared with every waiter and subscriber, across threads: `Rc` and `RefCell` are not allowed, `Arc` and `Mutex` are"
    )]
    pub trait JobValue: Clone + Send + Sync + 'static {}
    // Reports the missing bounds as one error about `JobValue`.
    #[diagnostic::do_not_recommend]
    impl<T> JobValue for T where T: Clone + Send + Sync + 'static {}

    /// Fails to compile, at the caller's span, unless `T` can be a job's value.
    pub fn assert_job_value<T: JobValue>() {}

    /// A job's error type: checked at the `E` of its `Result<T, E>`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be the error type of a periodic job",
        label = "the job's error type must be `std::error::Error + Send + Sync + 'static`, or convert into `Box<dyn Error + Send + Sync>` (like `anyhow::Error` or `String`)",
        note = "a failed tick's error is logged and handed to every waiter and subscriber, across threads"
    )]
    pub trait JobError: Into<crate::BoxError> + 'static {}
    #[diagnostic::do_not_recommend]
    impl<E> JobError for E where E: Into<crate::BoxError> + 'static {}

    /// Fails to compile, at the caller's span, unless `E` can be a job's error type.
    pub fn assert_job_error<E: JobError>() {}

    /// The `S` of a job's `State<S>` parameter: checked at `S`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be the shared state of a periodic job",
        label = "the `S` of a `State<S>` parameter must be `Send + Sync + 'static`",
        note = "one value of `S` is shared by every job that takes it, across threads: `Rc` and `RefCell` are not allowed, `Arc` and `Mutex` are"
    )]
    pub trait JobState: Send + Sync + 'static {}
    #[diagnostic::do_not_recommend]
    impl<S> JobState for S where S: Send + Sync + 'static {}

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
