//! Recurring async work on tokio, correct to the tick.
//!
//! `periodic` runs a function on a schedule — refresh a cache, poll an upstream, sample metrics,
//! prune a table, send a heartbeat — with the lifecycle, observability and control that the
//! hand-written `loop { work().await; sleep(p).await }` lacks: no drift in fixed-rate mode,
//! deterministic stop, trigger-now, the latest value without blocking, waiting for ticks, a feed
//! of every tick, and errors and panics that never take down anything else.
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
//! # Why not a loop, or `tokio::time::interval`?
//!
//! The loop with `sleep` drifts (the period is measured from the end of the work), cannot be
//! stopped without cancelling its task mid-work, cannot be asked for its latest value or
//! triggered, and ten of them need bookkeeping to start and stop together.
//! [`tokio::time::interval`](https://docs.rs/tokio/latest/tokio/time/fn.interval.html) fixes the
//! drift, but it is a clock, not a job: it does not call your function or keep its result,
//! stopping it means aborting the task that owns it, and with `MissedTickBehavior::Skip` an
//! overrun still yields one late tick at once before the schedule resumes. `periodic` is built
//! on the same `tokio::time` primitives and adds the job around them. It is for in-process
//! recurring work; calendar schedules ("every Monday at 9"), durable job queues and one-off
//! delays are better served by a cron crate, a queue and `tokio::time::sleep`.
//!
//! # The macro: `#[every]`
//!
//! [`#[every(period, …)]`](every) on a `fn` or `async fn` turns the function's name into a
//! `static` handle that derefs to a [`Timer<T>`]; `NAME.func(…)` still calls the function itself.
//! Each handle is registered with [`inventory`](https://docs.rs/inventory), so [`run_all`] finds
//! every job in the program without a central list and starts them as one [`TimerGroup`].
//! [`configure`] is the builder behind `run_all`: [`State<S>`] for jobs that take it,
//! overrides of period, mode and enabled from code, from any `serde` source or from environment
//! variables, and a filter. `run_all` checks every job first — duplicate names, missing state,
//! unknown overrides — and starts nothing if one fails. Arguments are checked at compile time.
//!
//! ## Equivalent code without the macro
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
//! reach it; it is registered, so [`run_all`] finds every job; the timer is built on first use;
//! and `State<S>` parameters are filled in from [`configure`].
//!
//! # The engine: `Timer`
//!
//! [`Timer<T>`] calls a *target* on a schedule. A target is a sync or async function returning
//! `T` or `Result<T, E>`, or a stream or iterator that yields one item per tick (its end stops
//! the timer); see [`IntoTarget`]. `Timer` is a cheap `Clone + Send + Sync` handle: store it in
//! a `static`, hand it to request handlers, control it from any thread.
//!
//! - **Schedule.** [`Mode::FixedDelay`] (the default) fires the next tick `period` after the
//!   previous one *finishes*; [`Mode::FixedRate`] fires tick `n` at `first + n·period` and skips
//!   — never runs late — the slots an overrunning tick missed, so it never drifts. Options on
//!   [`TimerBuilder`]: [`initial_delay`](TimerBuilder::initial_delay),
//!   [`jitter`](TimerBuilder::jitter), a per-tick [`timeout`](TimerBuilder::timeout),
//!   [`on_error`](TimerBuilder::on_error), hooks. [`Timer::set_period`] works at any time.
//! - **One call at a time.** Ticks of one timer never overlap.
//! - **Lifecycle.** [`start`](Timer::start); [`cancel`](Timer::cancel) returns once the task is
//!   gone, after which the target is never called again; [`shutdown`](Timer::shutdown) lets an
//!   in-flight tick finish within a grace period; a stopped timer can be started again;
//!   [`cancel_on`](TimerBuilder::cancel_on) ties it to a future or a `CancellationToken`; a timer
//!   whose handles are all dropped stops. From plain threads:
//!   [`cancel_blocking`](Timer::cancel_blocking) and [`trigger_blocking`](Timer::trigger_blocking).
//!
//! ```
//! use std::time::Duration;
//! use periodic::{Mode, OnError, Timer};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), periodic::Error> {
//! let heartbeat = Timer::builder(Duration::from_secs(10), || async { "ok" })
//!     .name("heartbeat")
//!     .mode(Mode::FixedRate)
//!     .initial_delay(Duration::from_secs(1))
//!     .on_error(OnError::Continue)
//!     .build()?;
//! heartbeat.start()?;
//! heartbeat.wait().hit_count(3).await?; // ticks at 1, 11 and 21 s
//! heartbeat.cancel().await; // deterministic: no call after this line
//! assert_eq!((heartbeat.hit_count(), heartbeat.is_running()), (3, false));
//! heartbeat.start()?; // a fresh schedule; counters carry over
//! # Ok(())
//! # }
//! ```
//!
//! # Delivery models
//!
//! A timer's values reach the rest of the program in several ways; pick by what the reader
//! needs:
//!
//! | you want | use | waits? | sees every tick? |
//! | --- | --- | --- | --- |
//! | the latest value, for a request handler | [`last_result`](Timer::last_result) | no | — |
//! | the next tick's outcome | [`join`](Timer::join) | until the next tick | — |
//! | a number of ticks, or the end of the run | [`wait`](Timer::wait) | yes, with an optional timeout | — |
//! | a value from a call started now | [`trigger`](Timer::trigger) | until that call ends | — |
//! | a stream of the latest values | [`stream`](Timer::stream) | per item | no: a slow consumer skips ticks |
//! | every tick, buffered per consumer | [`subscribe`](Timer::subscribe), [`subscribe_bounded`](Timer::subscribe_bounded) | per item | yes (bounded: the oldest are dropped when full) |
//!
//! `join`, `wait` and `stream` are what async-timer calls single-shot fan-out: every reader sees
//! the latest value, and a slow reader misses the ticks in between. A [`Subscription`] is the
//! other model: each subscriber has its own queue, gets every tick from the moment it
//! subscribed, and sees failed ticks as `Err` items and the end of the run as the end of the
//! stream.
//!
//! ```
//! use std::time::Duration;
//! use futures_util::StreamExt;
//! use periodic::Timer;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), periodic::Error> {
//! let timer = Timer::new(Duration::from_secs(1), 1..); // yields 1, 2, 3, … one per tick
//! let mut feed = timer.subscribe(); // every tick, buffered
//! let mut latest = timer.stream(); // the latest value when polled
//! timer.start()?;
//! assert_eq!(timer.join().await?, 1); // the next tick
//! assert_eq!(timer.wait().hit_count(3).await?, Some(3)); // three ticks in all
//! assert_eq!(timer.last_result(), Some(3)); // no waiting
//! assert_eq!(timer.trigger().await?, 4); // a call started now
//! for expected in 1..=4 {
//!     assert_eq!(feed.recv().await.transpose()?, Some(expected)); // nothing missed
//! }
//! assert_eq!(latest.next().await.transpose()?, Some(4)); // 1 to 3 were skipped
//! # Ok(())
//! # }
//! ```
//!
//! # Groups and rate limiting
//!
//! A [`TimerGroup`] gives timers of different value types one lifecycle: start, wait for all
//! (for instance for every first tick before serving traffic), trigger all, stop all; `run_all`
//! returns one. A [`RateLimiter`] runs tasks one at a time, in call order, with at most `rate`
//! completions in any window `per` — py_asyncio_utils' limiter, for APIs and databases that must
//! not see bursts.
//!
//! # Testing under paused time
//!
//! All timing uses `tokio::time`, so a test under a paused clock runs any schedule in virtual
//! time — exactly and instantly: with nothing else to do, tokio jumps the clock to the next
//! timer. This replaces async-timer's `MockTimer`; the crate's semantic tests and the examples in
//! these docs run this way. It needs tokio's `test-util` feature (in `dev-dependencies`) and the
//! test attribute `#[tokio::test(start_paused = true)]`, written as `#[tokio::main]` below so
//! that the doctest runs:
//!
//! ```
//! use std::time::Duration;
//! use periodic::{Mode, Timer};
//! use tokio::time::{self, Instant};
//!
//! // In a test: #[tokio::test(start_paused = true)]
//! #[tokio::main(flavor = "current_thread", start_paused = true)]
//! async fn main() -> Result<(), periodic::Error> {
//!     let start = Instant::now();
//!     let report = Timer::builder(Duration::from_secs(3600), || "sent")
//!         .mode(Mode::FixedRate)
//!         .build()?;
//!     report.start()?;
//!     report.wait().hit_count(24).await?; // a day of hourly ticks…
//!     assert_eq!(start.elapsed(), Duration::from_secs(23 * 3600)); // …to the nanosecond
//!     // A sleep in the test moves the clock too, running every tick due meanwhile:
//!     time::sleep(Duration::from_secs(2 * 3600 + 1)).await;
//!     assert_eq!(report.hit_count(), 26);
//!     Ok(())
//! }
//! ```
//!
//! Wall-clock accuracy (how late a real tick fires) is a property of the machine and of
//! tokio's timer wheel; the benchmark harness measures it, tests do not.
//!
//! # Errors
//!
//! Every fallible operation returns [`Error`], one `#[non_exhaustive]` enum that is `Clone`,
//! `Send` and `Sync`, so one failed tick can be handed to every waiter and subscriber. Invalid
//! configuration is an error, never a panic.
//!
//! A target's `Err`, panic or overrun of its tick timeout is a failed tick
//! ([`Error::Target`], with the user's error as its [`source`](std::error::Error::source);
//! [`Error::Panicked`]; [`Error::TickTimeout`]). It is logged, passed to the
//! [`on_failure`](TimerBuilder::on_failure) hook and to whoever waits for that tick, and never
//! affects the process or other timers. Then [`OnError::Continue`] (the default) keeps the
//! schedule and [`OnError::Stop`] ends the run. A failed tick does not replace `last_result`.
//!
//! ```
//! use std::time::Duration;
//! use periodic::{Error, Timer};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Error> {
//! let buggy = Timer::new(Duration::from_secs(1), || -> u32 { panic!("bug") });
//! let healthy = Timer::new(Duration::from_secs(1), || 7u32);
//! buggy.start()?;
//! healthy.start()?;
//! assert!(matches!(buggy.join().await, Err(Error::Panicked { .. })));
//! assert_eq!(healthy.wait().hit_count(3).await?, Some(7)); // unaffected
//! assert!(buggy.is_running()); // `OnError::Continue`: it tries again each period
//! assert_eq!(buggy.stats().errors, buggy.stats().ticks);
//! # Ok(())
//! # }
//! ```
//!
//! # Observability
//!
//! Every tick runs inside an `INFO` `tracing` span named `tick` with the fields `timer` (the
//! name), `tick` (the tick number within the run) and `triggered`; skipped fixed-rate slots are a
//! `warn!`, tick failures an `error!`, and starts and stops `debug!` events. The crate never
//! prints. [`Timer::stats`] has counters and timings.
//!
//! # The registry
//!
//! [`registry`] lists every `#[every]` job linked into the program; [`run_all`] and
//! [`configure`] start them. Registration happens before `main` through linker sections
//! (inventory), on the platforms inventory supports: Linux, macOS, Windows, iOS, FreeBSD,
//! Android, and WebAssembly with a caveat.

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
pub use coordinator::{
    BoxFuture, Coordinator, InMemoryCoordinator, RunOutcome, RunRecord, Slot, Unreachable,
    default_owner,
};
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
/// | period (first, required) | `5s`, `250ms`, `1.5s`, `1e3ms`, `1m30s` (units `ns us ms s m h d`), a string in humantime form (`"1h 30m"`, `"2 weeks"`, `"1 month"`: humantime's units and values, as the overrides read them), or an expression of type `Duration` | — |
/// | `mode` | `"fixed_delay"` or `"fixed_rate"` (see [`Mode`]) | `"fixed_delay"` |
/// | `name` | a string | the function's name (`type` for `fn r#type`) |
/// | `initial_delay` | a duration, as the period | `0s` |
/// | `jitter` | a number in `[0, 1]` (see [`TimerBuilder::jitter`]) | `0.0` |
/// | `on_error` | `"continue"` or `"stop"` (see [`OnError`]) | `"continue"` |
/// | `timeout` | a duration: the longest one tick may run | none |
/// | `autostart` | `false` registers the job, but [`run_all`] leaves it stopped | `true` |
/// | `coordinated` | run each period on one replica of a fleet (needs `mode = "fixed_rate"`) | `false` |
/// | `offset` | a coordinated job's slots fall due at `k·period + offset` after the UNIX epoch (needs `coordinated = true`) | `0s` |
/// | `crate` | the path of this crate, for code that re-exports it | `"::periodic"` |
///
/// Literals are checked at compile time, with the error on the offending token. A `Duration`
/// expression is evaluated when the job's timer is first used; a zero value there makes
/// `start` fail with [`Error::InvalidConfig`].
///
/// # The function
///
/// `fn` or `async fn`, any visibility, with its attributes and doc comments (a `#[must_use]`
/// also marks `NAME.func()`); no generics, no `self`, not `unsafe`, `extern` or `const`.
/// Parameters: none, or any number of [`State<S>`], provided by
/// [`configure().state(value)`](Configure::state). The return type must be
/// `Clone + Send + Sync + 'static` (for `Result<T, E>`: `T` must, and `E` must convert into
/// `Box<dyn Error + Send + Sync>`). The macro sees only how the return type is spelled: it is
/// fallible when its last path segment is `Result` *with* angle-bracketed type arguments
/// (`Result<T, E>`, `io::Result<T>`, `anyhow::Result<T>`; the first argument is `T`). An alias
/// written without arguments, such as `std::fmt::Result`, is a value like any other: the handle
/// of `fn render() -> std::fmt::Result` is a `Timer<std::fmt::Result>`, and its `Err` is a tick
/// value, not a failed tick. The future of an `async fn` must be `Send`.
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
    pub use crate::coordinator::set_wall_clock;
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
