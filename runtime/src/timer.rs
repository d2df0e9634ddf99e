//! [`Timer`], its builder, and what it reports.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use futures_util::StreamExt;
use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::coordinator::Coordination;
use crate::core::{CancelFuture, Config, Core, Extras, Rare, State, StopRequest, Tally, Waiter};
use crate::driver::Run;
use crate::group::StartCheck;
use crate::subscription::Subscription;
use crate::target::{BoxTarget, IntoTarget};
use crate::{Coordinator, Error, Mode, OnError, Unreachable};

/// A recurring call of a target on a tokio runtime.
///
/// `Timer<T>` is a cheap handle: clones share one timer, and every method takes `&self`, so it
/// can be stored in a `static`, passed to other tasks and threads, and controlled from anywhere.
/// `T` is the type of a tick's value (the `Ok` type for a fallible target).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::Timer;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), periodic::Error> {
/// let timer = Timer::new(Duration::from_secs(5), || async { 42u64 });
/// timer.start()?;
/// assert_eq!(timer.join().await?, 42); // the first tick fires at once
/// assert_eq!(timer.last_result(), Some(42));
/// assert_eq!(timer.trigger().await?, 42); // fire now, then resume the schedule
/// assert_eq!(timer.hit_count(), 2);
/// timer.cancel().await;
/// # Ok(())
/// # }
/// ```
///
/// # Lifecycle
///
/// A timer is created stopped. [`start`](Self::start) spawns its task on the current runtime;
/// [`cancel`](Self::cancel) and [`shutdown`](Self::shutdown) stop it and wait until the task is
/// gone. It can be started again with a fresh schedule; counters and the last result carry over.
///
/// **When every handle is dropped**, the timer stops as if [`cancel`](Self::cancel)led: an
/// in-flight tick is dropped at its next `.await`, the [`on_stop`](TimerBuilder::on_stop) hook
/// runs with [`StopReason::Dropped`], and waiters, streams and subscribers see the end. A
/// `Timer` never outlives every handle to it, so a forgotten timer cannot run forever. (The
/// handles produced by `#[every]` are `static`s, so their timers run until stopped.)
///
/// When the runtime that runs a timer shuts down, the timer stops with
/// [`StopReason::RuntimeShutdown`].
pub struct Timer<T> {
    /// Shared with the run's task; `Core` counts the `Timer` handles separately, so that
    /// dropping the last one stops the run.
    core: Arc<Core<T>>,
}

impl<T> Clone for Timer<T> {
    fn clone(&self) -> Self {
        self.core.add_handle();
        Timer {
            core: self.core.clone(),
        }
    }
}

impl<T> Drop for Timer<T> {
    fn drop(&mut self) {
        self.core.drop_handle();
    }
}

/// Counters and timings of a timer, read with [`Timer::stats`].
///
/// Counters carry over restarts.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::Timer;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), periodic::Error> {
/// let timer = Timer::new(Duration::from_secs(1), || 1u8);
/// timer.start()?;
/// timer.wait().hit_count(3).await?;
/// let stats = timer.stats();
/// assert_eq!((stats.ticks, stats.hits, stats.errors, stats.skipped), (3, 3, 0, 0));
/// // A sync target returns at once (under a paused clock, in no time at all).
/// assert_eq!(stats.total_duration, Duration::ZERO);
/// assert!(stats.last_error.is_none());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
// `repr(C)`: the counters every tick updates stay together, ahead of the rarely written error.
#[repr(C)]
pub struct Stats {
    /// Ticks that completed, successfully or not.
    pub ticks: u64,
    /// Ticks that produced a value (the same as [`Timer::hit_count`]).
    pub hits: u64,
    /// Ticks that failed: the target returned `Err`, panicked or timed out.
    pub errors: u64,
    /// Fixed-rate slots skipped because an earlier tick overran them; for a
    /// [coordinated](TimerBuilder::coordinated) timer also the slots this replica missed
    /// because it woke too late or could not reach its coordinator (not those another
    /// replica ran).
    pub skipped: u64,
    /// How long the last completed tick ran.
    pub last_duration: Option<Duration>,
    /// The longest any tick ran.
    pub max_duration: Duration,
    /// How long all completed ticks ran together: with [`ticks`](Self::ticks), their mean
    /// duration (the sum and count of a summary metric).
    pub total_duration: Duration,
    /// How late the last tick started against the instant it was scheduled for (zero for a
    /// triggered tick).
    pub last_lateness: Option<Duration>,
    /// The most recent tick failure. After an [`OnError::Stop`] failure this is the error that
    /// stopped the timer.
    pub last_error: Option<Error>,
}

/// Why a run of a timer ended, passed to the [`on_stop`](TimerBuilder::on_stop) hook and
/// available from [`Timer::last_stop`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::{StopReason, Timer};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), periodic::Error> {
/// let iter = Timer::new(Duration::from_secs(1), [1, 2].into_iter());
/// iter.start()?;
/// iter.wait().await?; // an idle wait ends when the run ends
/// assert!(matches!(iter.last_stop(), Some(StopReason::Exhausted)));
///
/// let ticker = Timer::new(Duration::from_secs(1), || ());
/// ticker.start()?;
/// ticker.cancel().await;
/// assert!(matches!(ticker.last_stop(), Some(StopReason::Cancelled)));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum StopReason {
    /// [`Timer::cancel`] (or `cancel_blocking`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{StopReason, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(1), || ());
    /// timer.start()?;
    /// timer.cancel().await;
    /// assert!(matches!(timer.last_stop(), Some(StopReason::Cancelled)));
    /// # Ok(())
    /// # }
    /// ```
    Cancelled,
    /// [`Timer::shutdown`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{StopReason, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(1), || ());
    /// timer.start()?;
    /// timer.shutdown(Duration::from_secs(5)).await;
    /// assert!(matches!(timer.last_stop(), Some(StopReason::Shutdown)));
    /// # Ok(())
    /// # }
    /// ```
    Shutdown,
    /// The [`cancel_on`](TimerBuilder::cancel_on) future or token completed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{StopReason, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::builder(Duration::from_secs(1), || ())
    ///     .cancel_on(tokio::time::sleep(Duration::from_secs(3)))
    ///     .build()?;
    /// timer.start()?;
    /// timer.wait().await?;
    /// assert!(matches!(timer.last_stop(), Some(StopReason::CancelOn)));
    /// # Ok(())
    /// # }
    /// ```
    CancelOn,
    /// Every handle to the timer was dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use periodic::{StopReason, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let reason = Arc::new(Mutex::new(None));
    /// let seen = reason.clone();
    /// let timer = Timer::builder(Duration::from_secs(1), || ())
    ///     .on_stop(move |r| *seen.lock().unwrap() = Some(r.clone()))
    ///     .build()?;
    /// timer.start()?;
    /// drop(timer); // the last handle
    /// tokio::time::sleep(Duration::from_millis(1)).await; // let the timer's task end
    /// assert!(matches!(*reason.lock().unwrap(), Some(StopReason::Dropped)));
    /// # Ok(())
    /// # }
    /// ```
    Dropped,
    /// A tick failed under [`OnError::Stop`]; the tick's error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, OnError, StopReason, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::builder(Duration::from_secs(1), || -> Result<(), std::io::Error> {
    ///     Err(std::io::Error::other("bad credentials"))
    /// })
    /// .on_error(OnError::Stop)
    /// .build()?;
    /// timer.start()?;
    /// assert!(timer.wait().await.is_err()); // the failure ends the wait, too
    /// timer.cancel().await; // returns once the run is over
    /// assert!(matches!(timer.last_stop(), Some(StopReason::Failed(Error::Target { .. }))));
    /// # Ok(())
    /// # }
    /// ```
    Failed(Error),
    /// A stream or iterator target ended.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{StopReason, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(1), tokio_stream::iter(["only"]));
    /// timer.start()?;
    /// timer.wait().await?;
    /// assert!(matches!(timer.last_stop(), Some(StopReason::Exhausted)));
    /// assert_eq!(timer.last_result(), Some("only"));
    /// # Ok(())
    /// # }
    /// ```
    Exhausted,
    /// The runtime running the timer shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{StopReason, Timer};
    ///
    /// let timer = Timer::new(Duration::from_secs(1), || ());
    /// let runtime = tokio::runtime::Runtime::new().unwrap();
    /// runtime.block_on(async { timer.start() }).unwrap();
    /// drop(runtime); // drops the timer's task
    /// assert!(!timer.is_running());
    /// assert!(matches!(timer.last_stop(), Some(StopReason::RuntimeShutdown)));
    /// ```
    RuntimeShutdown,
}

/// Configures a [`Timer`]. Made by [`Timer::builder`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::{Mode, OnError, Timer};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), periodic::Error> {
/// let timer = Timer::builder(Duration::from_secs(30), || async { Ok::<_, std::io::Error>(7) })
///     .name("db_refresh")
///     .mode(Mode::FixedRate)
///     .initial_delay(Duration::from_secs(2))
///     .jitter(0.1)
///     .on_error(OnError::Continue)
///     .timeout(Duration::from_secs(10))
///     .build()?;
/// assert_eq!(timer.name(), "db_refresh");
/// # Ok(())
/// # }
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct TimerBuilder<T> {
    period: Duration,
    target: BoxTarget<T>,
    name: Option<Arc<str>>,
    mode: Mode,
    initial_delay: Duration,
    jitter: f64,
    on_error: OnError,
    timeout: Option<Duration>,
    seed: Option<u64>,
    cancel_on: Option<CancelFuture>,
    on_failure: Option<crate::core::FailureHook>,
    on_stop: Option<crate::core::StopHook>,
    precheck: Option<crate::core::Precheck>,
    coordination: Option<Coordination>,
}

impl<T> fmt::Debug for TimerBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerBuilder")
            .field("period", &self.period)
            .field("name", &self.name)
            .field("mode", &self.mode)
            .field("initial_delay", &self.initial_delay)
            .field("jitter", &self.jitter)
            .field("on_error", &self.on_error)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Things a timer can be told to stop on: any future, or a
/// [`CancellationToken`](tokio_util::sync::CancellationToken). See
/// [`TimerBuilder::cancel_on`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::{StopReason, Timer};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), periodic::Error> {
/// // Any future: here, a shutdown signal sent over a channel.
/// let (shutdown, signal) = tokio::sync::oneshot::channel::<()>();
/// let timer = Timer::builder(Duration::from_secs(1), || ()).cancel_on(signal).build()?;
/// timer.start()?;
/// shutdown.send(()).unwrap();
/// timer.wait().await?; // an idle wait ends with the run
/// assert!(matches!(timer.last_stop(), Some(StopReason::CancelOn)));
/// # Ok(())
/// # }
/// ```
pub trait CancelOn<M> {
    /// Turns the signal into a future. Not public API.
    #[doc(hidden)]
    fn into_cancel_future(self) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// Marker types for [`CancelOn`]; inference picks one.
///
/// You never need to name them; they only keep the two implementations of [`CancelOn`] apart.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::{Timer, cancel_marker};
///
/// // Named explicitly, the marker says which kind of signal this is.
/// let timer = Timer::builder(Duration::from_secs(1), || ())
///     .cancel_on::<cancel_marker::AnyFuture>(std::future::pending::<()>())
///     .build()?;
/// assert!(!timer.is_running());
/// # Ok::<(), periodic::Error>(())
/// ```
pub mod cancel_marker {
    /// Any future: its completion stops the timer, its output is ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{StopReason, Timer, cancel_marker};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// // Stops itself after 10 s.
    /// let deadline = tokio::time::sleep(Duration::from_secs(10));
    /// let timer = Timer::builder(Duration::from_secs(1), || ())
    ///     .cancel_on::<cancel_marker::AnyFuture>(deadline)
    ///     .build()?;
    /// timer.start()?;
    /// timer.wait().await?;
    /// assert!(matches!(timer.last_stop(), Some(StopReason::CancelOn)));
    /// assert_eq!(timer.hit_count(), 10); // ticks at 0, 1, …, 9 s
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct AnyFuture;
    /// A [`CancellationToken`](tokio_util::sync::CancellationToken): cancelling it, or a parent
    /// token, stops the timer.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{StopReason, Timer, cancel_marker};
    /// use tokio_util::sync::CancellationToken;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let app = CancellationToken::new();
    /// let timer = Timer::builder(Duration::from_secs(1), || ())
    ///     .cancel_on::<cancel_marker::Token>(app.child_token())
    ///     .build()?;
    /// timer.start()?;
    /// app.cancel(); // the parent: every child token is cancelled too
    /// timer.wait().await?;
    /// assert!(matches!(timer.last_stop(), Some(StopReason::CancelOn)));
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct Token;
}

impl<F> CancelOn<cancel_marker::AnyFuture> for F
where
    F: Future + Send + 'static,
{
    fn into_cancel_future(self) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move {
            self.await;
        })
    }
}

impl CancelOn<cancel_marker::Token> for CancellationToken {
    fn into_cancel_future(self) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(self.cancelled_owned())
    }
}

impl<T: Clone + Send + Sync + 'static> TimerBuilder<T> {
    /// The scheduling mode. Default: [`Mode::FixedDelay`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Mode, Timer};
    ///
    /// let timer = Timer::builder(Duration::from_secs(10), || ())
    ///     .mode(Mode::FixedRate)
    ///     .build()?;
    /// assert_eq!(timer.mode(), Mode::FixedRate);
    /// # Ok::<(), periodic::Error>(())
    /// ```
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The name shown in logs, spans, errors and `Debug`. Default: `timer-N`, `N` unique in the
    /// process.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// let named = Timer::builder(Duration::from_secs(5), || 1).name("db_refresh").build()?;
    /// assert_eq!(named.name(), "db_refresh");
    /// assert!(format!("{named:?}").contains("db_refresh"));
    ///
    /// let unnamed = Timer::new(Duration::from_secs(5), || 1);
    /// assert!(unnamed.name().starts_with("timer-"));
    /// # Ok::<(), periodic::Error>(())
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into().into());
        self
    }

    /// Delay between [`start`](Timer::start) and the first tick. Default: zero (the first tick
    /// fires at start). Jitter does not apply to it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    /// use tokio::time::Instant;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::builder(Duration::from_secs(60), || ())
    ///     .initial_delay(Duration::from_secs(10))
    ///     .build()?;
    /// let start = Instant::now();
    /// timer.start()?;
    /// timer.wait().hit_count(1).await?;
    /// assert_eq!(start.elapsed(), Duration::from_secs(10)); // then every 60 s
    /// # Ok(())
    /// # }
    /// ```
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// Moves each scheduled tick by a uniformly random amount in `[-j·period, +j·period)`, to
    /// spread load when many processes run the same schedule. `j` must lie in `[0, 1]`.
    ///
    /// In fixed-delay mode the offset is added to the sleep after each tick (a negative sleep
    /// fires at once). In fixed-rate mode a tick never moves past its own slot's due instant —
    /// a positive offset fires it on time, a negative one early — and the grid itself never
    /// moves: jitter causes no drift and never makes a fixed-rate tick late (the seed caps it
    /// the same way). Triggered ticks and the first tick are not jittered.
    ///
    /// ```text
    /// fixed_delay, j = 0.1, period 10:  finish ... [9, 11) ... next tick
    /// fixed_rate,  j = 0.1, period 10:  slot due at 20 → fires in [19, 20]
    /// ```
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::builder(Duration::from_secs(10), || ()).jitter(0.1).build()?;
    /// timer.start()?;
    /// timer.wait().hit_count(1).await?; // the first tick is not jittered
    /// let first = timer.last_tick_at().unwrap();
    /// timer.wait().hit_count(2).await?;
    /// let gap = timer.last_tick_at().unwrap() - first;
    /// assert!(gap >= Duration::from_secs(9) && gap <= Duration::from_secs(11), "{gap:?}");
    ///
    /// // Out of range is an error.
    /// let wild = Timer::builder(Duration::from_secs(10), || ()).jitter(1.5).build();
    /// assert!(matches!(wild, Err(periodic::Error::InvalidConfig(_))));
    /// # Ok(())
    /// # }
    /// ```
    pub fn jitter(mut self, jitter: f64) -> Self {
        self.jitter = jitter;
        self
    }

    /// Seeds the jitter's random source, so that a test sees the same offsets every run.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    /// use tokio::time::Instant;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// // How long three ticks take with jitter seeded by `seed`.
    /// async fn three_ticks(seed: u64) -> Result<Duration, periodic::Error> {
    ///     let timer = Timer::builder(Duration::from_secs(10), || ())
    ///         .jitter(0.5)
    ///         .jitter_seed(seed)
    ///         .build()?;
    ///     let start = Instant::now();
    ///     timer.start()?;
    ///     timer.wait().hit_count(3).await?;
    ///     Ok(start.elapsed())
    /// }
    /// assert_eq!(three_ticks(7).await?, three_ticks(7).await?); // the same offsets
    /// # Ok(())
    /// # }
    /// ```
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// What to do after a failed tick. Default: [`OnError::Continue`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::time::Duration;
    /// use periodic::{OnError, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// static CALLS: AtomicU32 = AtomicU32::new(0);
    /// // Fails on its first call only.
    /// let flaky = || -> std::io::Result<u32> {
    ///     match CALLS.fetch_add(1, Ordering::SeqCst) {
    ///         0 => Err(std::io::Error::other("cold start")),
    ///         n => Ok(n),
    ///     }
    /// };
    /// let timer = Timer::builder(Duration::from_secs(1), flaky)
    ///     .on_error(OnError::Continue)
    ///     .build()?;
    /// timer.start()?;
    /// assert!(timer.join().await.is_err()); // the failure is delivered...
    /// assert_eq!(timer.join().await?, 1);   // ...and the schedule goes on
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_error(mut self, on_error: OnError) -> Self {
        self.on_error = on_error;
        self
    }

    /// The longest one tick may run. A tick over it is dropped and reported as
    /// [`Error::TickTimeout`], a failure like any other. Applies to async targets and streams:
    /// a sync call cannot be interrupted. Default: none.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::builder(Duration::from_secs(60), || async {
    ///     tokio::time::sleep(Duration::from_secs(30)).await; // a hung upstream
    ///     "never"
    /// })
    /// .timeout(Duration::from_secs(5))
    /// .build()?;
    /// timer.start()?;
    /// let outcome = timer.join().await;
    /// assert!(matches!(outcome, Err(Error::TickTimeout { .. })));
    /// assert_eq!(timer.stats().errors, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Stops the timer when `signal` completes: any future (its output is ignored) or a
    /// [`CancellationToken`]. An in-flight tick is dropped, as with [`Timer::cancel`].
    ///
    /// A timer built with `cancel_on` is single-shot: once its run has ended, `start` returns
    /// [`Error::Restart`] (the signal cannot be waited for twice).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{StopReason, Timer};
    /// use tokio_util::sync::CancellationToken;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let token = CancellationToken::new();
    /// let timer = Timer::builder(Duration::from_secs(1), || ())
    ///     .cancel_on(token.clone())
    ///     .build()?;
    /// timer.start()?;
    /// token.cancel();
    /// timer.wait().await?; // an idle wait ends when the timer stops
    /// assert!(matches!(timer.last_stop(), Some(StopReason::CancelOn)));
    /// assert!(matches!(timer.start(), Err(periodic::Error::Restart { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn cancel_on<M>(mut self, signal: impl CancelOn<M>) -> Self {
        self.cancel_on = Some(signal.into_cancel_future());
        self
    }

    /// Calls `hook` with the error of every failed tick, on the timer's task. The seed's
    /// `exc_cb`. A panic in the hook is logged and otherwise ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = seen.clone();
    /// let timer = Timer::builder(Duration::from_secs(1), || -> Result<(), std::io::Error> {
    ///     Err(std::io::Error::other("disk full"))
    /// })
    /// .on_failure(move |err| log.lock().unwrap().push(err.to_string()))
    /// .build()?;
    /// timer.start()?;
    /// assert!(timer.join().await.is_err());
    /// timer.cancel().await; // the hook has run once the timer's task is gone
    /// let seen = seen.lock().unwrap();
    /// assert_eq!(seen.len(), 1);
    /// assert!(seen[0].contains("disk full"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_failure(mut self, hook: impl Fn(&Error) + Send + Sync + 'static) -> Self {
        self.on_failure = Some(Arc::new(hook));
        self
    }

    /// Calls `hook` exactly once per successful [`start`](Timer::start), when that run ends for
    /// any reason, with the reason. The seed's `cancel_cb`. It runs on the timer's task (or
    /// where the task is dropped), before [`cancel`](Timer::cancel) returns. A panic in the hook
    /// is logged and otherwise ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use periodic::{StopReason, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let stops = Arc::new(Mutex::new(Vec::new()));
    /// let log = stops.clone();
    /// let timer = Timer::builder(Duration::from_secs(1), || ())
    ///     .on_stop(move |reason| log.lock().unwrap().push(reason.clone()))
    ///     .build()?;
    /// timer.start()?;
    /// timer.cancel().await; // the hook has run when `cancel` returns
    /// timer.start()?;
    /// timer.shutdown(Duration::from_secs(1)).await;
    /// let stops = stops.lock().unwrap();
    /// assert!(matches!(stops[..], [StopReason::Cancelled, StopReason::Shutdown]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_stop(mut self, hook: impl Fn(&StopReason) + Send + Sync + 'static) -> Self {
        self.on_stop = Some(Arc::new(hook));
        self
    }

    /// Makes the timer *coordinated*: across every replica of a service that runs the same
    /// timer (same name) with the same store, each slot runs on exactly one replica. Slot `k`
    /// is due at `UNIX_EPOCH + k·period + offset` (see [`slot_offset`](Self::slot_offset)); at
    /// each slot the timer claims `(name, k)` from its [`coordinator`](Self::coordinator) and
    /// runs the target only if the claim succeeds. See [`Coordinator`](crate::Coordinator).
    ///
    /// A coordinated timer needs [`Mode::FixedRate`] and no jitter ([`build`](Self::build)
    /// fails otherwise), and a coordinator before it starts ([`Timer::start`] fails without
    /// one). Its `initial_delay` delays the first slot it may claim. A
    /// [`trigger`](Timer::trigger) runs the target on this replica at once, outside the slots
    /// and without a claim.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, InMemoryCoordinator, Mode, Timer};
    ///
    /// let refused = Timer::builder(Duration::from_secs(60), || ()).coordinated(true).build();
    /// assert!(matches!(refused, Err(Error::InvalidConfig(_)))); // fixed-delay has no grid
    ///
    /// let timer = Timer::builder(Duration::from_secs(60), || ())
    ///     .mode(Mode::FixedRate)
    ///     .coordinated(true)
    ///     .coordinator(InMemoryCoordinator::new("replica-1"))
    ///     .build()?;
    /// assert!(timer.is_coordinated());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn coordinated(mut self, coordinated: bool) -> Self {
        if coordinated {
            self.coordination();
        } else {
            self.coordination = None;
        }
        self
    }

    fn coordination(&mut self) -> &mut Coordination {
        self.coordination.get_or_insert_with(Coordination::default)
    }

    /// The store through which replicas claim slots; implies
    /// [`coordinated(true)`](Self::coordinated).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{InMemoryCoordinator, Mode, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let store = InMemoryCoordinator::new("replica-1");
    /// let timer = Timer::builder(Duration::from_secs(1), || "ran")
    ///     .name("report")
    ///     .mode(Mode::FixedRate)
    ///     .coordinator(store.clone())
    ///     .build()?;
    /// timer.start()?;
    /// assert_eq!(timer.join().await?, "ran");
    /// assert_eq!(store.claimed("report").len(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn coordinator(mut self, coordinator: impl Coordinator) -> Self {
        self.coordination().coordinator = Some(Arc::new(coordinator));
        self
    }

    /// Shifts a coordinated timer's slots from the UNIX epoch: with a period of one hour and
    /// an offset of five minutes, slots are due at five past every hour. Implies
    /// [`coordinated(true)`](Self::coordinated). Default: zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{InMemoryCoordinator, Mode, Timer};
    ///
    /// let timer = Timer::builder(Duration::from_secs(3600), || ())
    ///     .mode(Mode::FixedRate)
    ///     .coordinator(InMemoryCoordinator::new("a"))
    ///     .slot_offset(Duration::from_secs(300))
    ///     .build()?;
    /// # let _ = timer;
    /// # Ok::<(), periodic::Error>(())
    /// ```
    pub fn slot_offset(mut self, offset: Duration) -> Self {
        self.coordination().offset = offset;
        self
    }

    /// What a coordinated timer does with a slot when its coordinator cannot be reached:
    /// [`Unreachable::Skip`] (the default: at most once per slot) or
    /// [`Unreachable::RunAnyway`] (at least once). Implies
    /// [`coordinated(true)`](Self::coordinated).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{InMemoryCoordinator, Mode, Timer, Unreachable};
    ///
    /// let timer = Timer::builder(Duration::from_secs(60), || ())
    ///     .mode(Mode::FixedRate)
    ///     .coordinator(InMemoryCoordinator::new("a"))
    ///     .when_unreachable(Unreachable::RunAnyway)
    ///     .build()?;
    /// # let _ = timer;
    /// # Ok::<(), periodic::Error>(())
    /// ```
    pub fn when_unreachable(mut self, unreachable: Unreachable) -> Self {
        self.coordination().unreachable = unreachable;
        self
    }

    /// A check that `start` runs first; its error is returned from `start`. Not public API:
    /// used by `#[every]` jobs to require their state.
    #[doc(hidden)]
    pub fn __precheck(
        mut self,
        check: impl Fn() -> Result<(), Error> + Send + Sync + 'static,
    ) -> Self {
        self.precheck = Some(Arc::new(check));
        self
    }

    /// Builds the timer, stopped.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] for a zero period, a jitter outside `[0, 1]` or a zero tick
    /// timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// let timer = Timer::builder(Duration::from_secs(1), || 1).build()?;
    /// assert!(!timer.is_running()); // built stopped
    ///
    /// let zero = Timer::builder(Duration::ZERO, || 1).build();
    /// assert!(matches!(zero, Err(Error::InvalidConfig(_))));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn build(self) -> Result<Timer<T>, Error> {
        self.validate()?;
        Ok(self.assemble(None))
    }

    /// Builds the timer; an invalid configuration makes `start` fail instead.
    pub(crate) fn build_or_defer(self) -> Timer<T> {
        let error = self.validate().err();
        self.assemble(error)
    }

    fn validate(&self) -> Result<(), Error> {
        validate_period(self.period)?;
        if self.coordination.is_some() {
            if self.mode != Mode::FixedRate {
                return Err(Error::invalid(
                    "a coordinated timer needs `Mode::FixedRate`: its slots lie on a fixed grid",
                ));
            }
            if self.jitter != 0.0 {
                return Err(Error::invalid(
                    "a coordinated timer cannot have jitter: every replica must agree on the slots",
                ));
            }
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            return Err(Error::invalid(format_args!(
                "jitter must lie in [0, 1], got {}",
                self.jitter
            )));
        }
        if self.timeout == Some(Duration::ZERO) {
            return Err(Error::invalid("the tick timeout must be greater than zero"));
        }
        Ok(())
    }

    fn assemble(self, config_error: Option<Error>) -> Timer<T> {
        let extras = Extras {
            jitter: self.jitter,
            timeout: self.timeout,
            seed: self.seed,
            on_failure: self.on_failure,
            on_stop: self.on_stop,
            precheck: self.precheck,
        };
        let config = Config::new(self.name, self.initial_delay, self.on_error, extras);
        let single_shot = self.cancel_on.is_some();
        let state = State {
            period: self.period,
            mode: self.mode,
            period_changed: false,
            target: Some(self.target),
            rare: Rare::new(
                config_error,
                self.cancel_on,
                self.coordination.map(Arc::new),
            ),
            single_shot,
            run_id: 0,
            ticks_before_run: 0,
            running: false,
            stop: None,
            trigger: false,
            task_id: None,
            last_stop: None,
            waiting: None,
            last_result: None,
            last_tick_at: None,
            last_failed: false,
            stats: Tally::default(),
            run_waker: None,
        };
        Timer {
            core: Arc::new(Core::new(config, state)),
        }
    }
}

pub(crate) fn validate_period(period: Duration) -> Result<(), Error> {
    if period.is_zero() {
        Err(Error::invalid("the period must be greater than zero"))
    } else {
        Ok(())
    }
}

impl<T: Clone + Send + Sync + 'static> Timer<T> {
    /// A timer with default settings: fixed-delay, no initial delay, no jitter,
    /// [`OnError::Continue`], no tick timeout. See [`IntoTarget`] for the accepted targets.
    ///
    /// This never panics: with a zero period, [`start`](Self::start) returns
    /// [`Error::InvalidConfig`]. Use [`builder`](Self::builder) to get that error at
    /// construction.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// // Sync and async functions, infallible or fallible, need no annotations.
    /// let sync = Timer::new(Duration::from_secs(1), || 1u8);
    /// let fallible = Timer::new(Duration::from_secs(1), || -> std::io::Result<u8> { Ok(2) });
    /// let asynchronous = Timer::new(Duration::from_secs(1), || async { 3u8 });
    /// let async_fallible = Timer::new(Duration::from_secs(1), || async {
    ///     Ok::<u8, std::io::Error>(4)
    /// });
    /// // An iterator or stream yields one item per tick; its end stops the timer.
    /// let iter = Timer::new(Duration::from_secs(1), [5u8, 6].into_iter());
    /// let stream = Timer::new(Duration::from_secs(1), tokio_stream::iter([7u8]));
    /// sync.start()?;
    /// fallible.start()?;
    /// asynchronous.start()?;
    /// async_fallible.start()?;
    /// iter.start()?;
    /// stream.start()?;
    /// // Each first tick fires at start.
    /// assert_eq!(sync.wait().hit_count(1).await?, Some(1));
    /// assert_eq!(fallible.wait().hit_count(1).await?, Some(2));
    /// assert_eq!(asynchronous.wait().hit_count(1).await?, Some(3));
    /// assert_eq!(async_fallible.wait().hit_count(1).await?, Some(4));
    /// assert_eq!(iter.wait().hit_count(1).await?, Some(5));
    /// assert_eq!(stream.wait().hit_count(1).await?, Some(7));
    /// # Ok(())
    /// # }
    /// ```
    pub fn new<M>(period: Duration, target: impl IntoTarget<T, M>) -> Self {
        Self::builder(period, target).build_or_defer()
    }

    /// A builder for a timer with every option (see [`TimerBuilder`]). Unlike
    /// [`new`](Self::new), an invalid configuration is reported by
    /// [`build`](TimerBuilder::build).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Mode, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::builder(Duration::from_secs(5), || async { "fresh" })
    ///     .name("cache")
    ///     .mode(Mode::FixedRate)
    ///     .build()?;
    /// timer.start()?;
    /// assert_eq!(timer.join().await?, "fresh");
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder<M>(period: Duration, target: impl IntoTarget<T, M>) -> TimerBuilder<T> {
        TimerBuilder {
            period,
            target: target.into_target(),
            name: None,
            mode: Mode::default(),
            initial_delay: Duration::ZERO,
            jitter: 0.0,
            on_error: OnError::default(),
            timeout: None,
            seed: None,
            cancel_on: None,
            on_failure: None,
            on_stop: None,
            precheck: None,
            coordination: None,
        }
    }

    pub(crate) fn core(&self) -> &Arc<Core<T>> {
        &self.core
    }

    /// Starts the timer on the current tokio runtime. The first tick fires at once, or after the
    /// initial delay; a restarted timer begins a fresh schedule.
    ///
    /// # Errors
    ///
    /// - [`Error::AlreadyRunning`] if it runs;
    /// - [`Error::Restart`] if it was built with `cancel_on` and has run before;
    /// - [`Error::NoRuntime`] outside a tokio runtime;
    /// - [`Error::InvalidConfig`] for a [`Timer::new`] with a zero period;
    /// - [`Error::NotRunning`] if a stream target was lost because its runtime shut down
    ///   mid-tick.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Error> {
    /// let timer = Timer::new(Duration::from_secs(1), || ());
    /// timer.start()?;
    /// assert!(matches!(timer.start(), Err(Error::AlreadyRunning { .. })));
    /// timer.cancel().await;
    /// timer.start()?; // restart
    /// # Ok(())
    /// # }
    /// ```
    pub fn start(&self) -> Result<(), Error> {
        let core = self.core();
        let name = || core.config.name().clone();
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime { name: name() })?;
        if let Some(check) = core.config.precheck() {
            check()?;
        }
        let mut s = core.lock();
        if !self.check_state(&s, StartCheck::AS_IS)? {
            return Err(Error::AlreadyRunning { name: name() });
        }
        // Checked above, under the same lock.
        let Some(target) = s.target.take() else {
            return Err(Error::NotRunning { name: name() });
        };
        s.run_id += 1;
        s.ticks_before_run = s.stats.ticks();
        s.running = true;
        s.stop = None;
        s.trigger = false;
        s.period_changed = false;
        s.task_id = None;
        let run = Run::new(core.clone(), target, &mut s, Instant::now());
        let (run_id, period, mode) = (s.run_id, s.period, s.mode);
        drop(s);
        // Before the spawn: on a multi-threaded runtime the run may tick, and even stop,
        // before `spawn` returns.
        tracing::debug!(timer = %core.config.name(), run = run_id, period = ?period, mode = %mode, "timer started");
        drop(runtime.spawn(run.run()));
        Ok(())
    }

    /// The checks `start` makes of the state, in its order, changing nothing: `Ok(true)` if it
    /// may start, `Ok(false)` if it runs already, otherwise the error `start` gives. `check`
    /// says what a caller will have set before it starts (see `group::check_start`).
    pub(crate) fn check_state(&self, s: &State<T>, check: StartCheck) -> Result<bool, Error> {
        let core = self.core();
        let name = || core.config.name().clone();
        if !check.period_fixed
            && let Some(err) = s.config_error()
        {
            return Err(err.clone());
        }
        if s.running {
            return Ok(false);
        }
        if s.single_shot && s.run_id > 0 {
            return Err(Error::Restart { name: name() });
        }
        if !check.coordinator_given
            && let Some(c) = s.coordination()
            && c.coordinator.is_none()
        {
            return Err(Error::invalid(format_args!(
                "timer `{}` is coordinated but no coordinator is configured: give one with \
                 `TimerBuilder::coordinator` or `periodic::configure().coordinator(…)`",
                core.config.name()
            )));
        }
        if s.target.is_none() {
            return Err(Error::NotRunning { name: name() });
        }
        Ok(true)
    }

    /// Stops the timer and returns once its task is gone: afterwards the target is never called
    /// again (deterministic stop). An in-flight tick is dropped at its current `.await`. Does
    /// nothing on a stopped timer.
    ///
    /// Safe to call from inside the target: there it cannot wait for its own task, so it
    /// returns at once, and the current call is dropped at its next `.await` (or, for a sync
    /// target, completes and is recorded); no further call follows.
    ///
    /// # Cancel safety
    ///
    /// The stop is requested before the first `.await`: dropping the returned future still
    /// stops the timer, only without waiting for it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(1), || ());
    /// timer.start()?;
    /// timer.cancel().await;
    /// assert!(!timer.is_running());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn cancel(&self) {
        self.core()
            .stop_and_wait(StopRequest::Now { dropped: false })
            .await;
    }

    /// Requests an immediate stop without waiting for it.
    pub(crate) fn request_cancel(&self) {
        self.core()
            .request_stop(StopRequest::Now { dropped: false });
    }

    /// Stops the timer gracefully: no new tick starts; an in-flight tick may finish within
    /// `grace` (its result is delivered as usual) and is dropped after that. Returns once the
    /// task is gone. Does nothing on a stopped timer. A `grace` of [`Duration::MAX`] lets the
    /// tick finish however long it takes.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(60), || async {
    ///     tokio::time::sleep(Duration::from_secs(1)).await;
    ///     "done"
    /// });
    /// timer.start()?;
    /// tokio::task::yield_now().await; // the first tick is now in flight
    /// timer.shutdown(Duration::from_secs(5)).await;
    /// assert_eq!(timer.last_result(), Some("done"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn shutdown(&self, grace: Duration) {
        // A grace too long to add (`Duration::MAX`: wait as long as the tick takes) ends decades
        // away.
        let deadline = crate::schedule::later(Instant::now(), grace);
        self.core()
            .stop_and_wait(StopRequest::Graceful(deadline))
            .await;
    }

    /// Fires a tick now and returns its outcome; the schedule then resumes from this tick
    /// (fixed-rate re-anchors its grid at the trigger).
    ///
    /// The value always comes from a target call that **started after** `trigger` was called —
    /// never a stale or in-flight result (a deliberate improvement on the seed). Triggers that
    /// arrive before that call starts share it; a trigger while a tick is in flight causes
    /// exactly one more call, right after the in-flight one. Ticks never overlap.
    ///
    /// # Errors
    ///
    /// [`Error::NotRunning`] on a stopped (or stopping) timer; [`Error::Stopped`] if the timer
    /// stops before the call completes; the tick's own error if it fails;
    /// [`Error::Reentrant`] when called from inside the timer's own target, which would wait
    /// for itself.
    ///
    /// # Cancel safety
    ///
    /// The trigger is registered before the first `.await`: dropping the future still fires
    /// the tick, only its outcome is not received.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// static CALLS: AtomicU32 = AtomicU32::new(0);
    /// let timer = Timer::new(Duration::from_secs(3600), || CALLS.fetch_add(1, Ordering::SeqCst) + 1);
    /// timer.start()?;
    /// timer.join().await?; // the first tick
    /// // Two concurrent triggers share one call.
    /// let (a, b) = tokio::join!(timer.trigger(), timer.trigger());
    /// assert_eq!((a?, b?), (2, 2));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn trigger(&self) -> Result<T, Error> {
        let rx = {
            let core = self.core();
            let mut s = core.lock();
            self.check_can_wait(&s)?;
            let (tx, rx) = oneshot::channel();
            let triggers = &mut s.waiting().triggers;
            triggers.retain(waiter_alive);
            triggers.push(Waiter::Async(tx));
            s.trigger = true;
            core.signal(s);
            rx
        };
        self.received(rx.await)
    }

    /// Waits for the next tick to complete and returns its outcome (the tick in flight, if
    /// there is one).
    ///
    /// `join` sees only ticks that complete after it is called: on a multi-threaded runtime the
    /// first tick may complete between [`start`](Self::start) and `join`. To gate on the first
    /// tick, use [`wait().hit_count(1)`](Self::wait), which counts ticks instead.
    ///
    /// # Errors
    ///
    /// [`Error::NotRunning`] on a stopped timer; [`Error::Stopped`] if the timer stops first;
    /// the tick's own error if it fails; [`Error::Reentrant`] from inside the timer's own
    /// target.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(12), || 42);
    /// timer.start()?;
    /// assert_eq!(timer.join().await?, 42);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn join(&self) -> Result<T, Error> {
        let rx = {
            let mut s = self.core().lock();
            self.check_can_wait(&s)?;
            let (tx, rx) = oneshot::channel();
            let joins = &mut s.waiting().joins;
            joins.retain(waiter_alive);
            joins.push(Waiter::Async(tx));
            rx
        };
        self.received(rx.await)
    }

    fn check_can_wait(&self, s: &State<T>) -> Result<(), Error> {
        let core = self.core();
        if !s.running || s.stop.is_some() {
            return Err(Error::NotRunning {
                name: core.config.name().clone(),
            });
        }
        if core.on_own_task(s) {
            return Err(Error::Reentrant {
                name: core.config.name().clone(),
            });
        }
        Ok(())
    }

    fn received(&self, r: Result<Result<T, Error>, oneshot::error::RecvError>) -> Result<T, Error> {
        r.unwrap_or_else(|_| {
            Err(Error::Stopped {
                name: self.core().config.name().clone(),
            })
        })
    }

    /// Waits for a number of ticks, or for the timer to stop. Configure the returned [`Wait`]
    /// and `.await` it.
    ///
    /// | condition | timeout | outcome |
    /// | --- | --- | --- |
    /// | [`hits`](Wait::hits) or [`hit_count`](Wait::hit_count) | not reached | `Ok(last_result)` once the count is reached |
    /// | `hits` or `hit_count` | exceeded | [`Error::Timeout`] |
    /// | none (idle wait) | none | `Ok(last_result)` once the timer stops |
    /// | none (idle wait) | exceeded | `Ok(last_result)`, no error |
    ///
    /// A tick that fails while the wait is pending ends it with that tick's error. A count
    /// condition on a stopped timer is `Ok` if already met and [`Error::NotRunning`] otherwise;
    /// if the timer stops before the count is reached, [`Error::Stopped`]. An idle wait on a
    /// stopped timer returns at once. Called from inside the timer's own target, which it
    /// would wait for, any wait fails at once with [`Error::Reentrant`].
    ///
    /// Unlike the seed, which returns `None` when no tick happened during the wait, the value
    /// is always the timer's latest result.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Error> {
    /// let timer = Timer::new(Duration::from_secs(5), || "fresh");
    /// timer.start()?;
    /// // Gate startup on the first tick.
    /// assert_eq!(timer.wait().hit_count(1).await?, Some("fresh"));
    /// // Three more ticks take 15 s; a 10 s bound fails.
    /// let late = timer.wait().hits(3).timeout(Duration::from_secs(10)).await;
    /// assert!(matches!(late, Err(Error::Timeout(_))));
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait(&self) -> Wait<T> {
        Wait {
            core: self.core().clone(),
            condition: None,
            timeout: None,
        }
    }

    /// A stream of the latest tick outcomes: each item is the outcome of a tick that completed
    /// since the previous item. A slow consumer skips ticks rather than buffering them (use a
    /// subscription for every tick). The stream ends when the run it belongs to ends — the
    /// current run, or the next one if the timer is stopped when the stream is made — and then
    /// yields `None` forever.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use futures_util::StreamExt;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(14), [1, 2, 3].into_iter());
    /// let stream = timer.stream(); // made before start: it follows the next run
    /// timer.start()?;
    /// let values: Vec<i32> = stream.map(|r| r.unwrap()).collect().await;
    /// assert_eq!(values, [1, 2, 3]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn stream(&self) -> Latest<T> {
        let core = self.core().clone();
        let (attach, seen) = {
            let s = core.lock();
            let attach = if s.running { s.run_id } else { s.run_id + 1 };
            (attach, s.stats.ticks())
        };
        let inner = futures_util::stream::unfold((core, seen), move |(core, seen)| async move {
            let (item, seen) = core
                .until(|s| {
                    if s.stats.ticks() > seen && s.run_id == attach {
                        Some((s.latest(), s.stats.ticks()))
                    } else if s.run_id > attach || (s.run_id == attach && !s.running) {
                        Some((None, seen))
                    } else {
                        None
                    }
                })
                .await;
            item.map(|item| (item, (core, seen)))
        })
        .fuse();
        Latest {
            inner: Box::pin(inner),
        }
    }

    /// A buffered feed of every tick from now on, each subscriber with its own unbounded
    /// queue; see [`Subscription`]. Made while the timer is stopped, it belongs to the next run.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(1), ["a", "b", "c"].into_iter());
    /// let mut first = timer.subscribe();
    /// let mut second = timer.subscribe(); // its own copy of every tick
    /// timer.start()?;
    /// let mut got = Vec::new();
    /// while let Some(value) = first.recv().await {
    ///     got.push(value?);
    /// }
    /// assert_eq!(got, ["a", "b", "c"]);
    /// assert_eq!(second.recv().await.transpose()?, Some("a"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn subscribe(&self) -> Subscription<T> {
        self.subscribe_inner(None)
    }

    /// Like [`subscribe`](Self::subscribe), with a queue of at most `maxsize` items: when it is
    /// full, the oldest value is dropped (logged with `warn!`, counted in
    /// [`Subscription::dropped_count`]), also to make room for an error or the end. Errors are
    /// kept before values: a value arriving at a queue of nothing but errors is the one
    /// dropped, and only such a queue drops its oldest error for a new one (counted too). The
    /// end of the stream is never dropped; it may be one item over `maxsize`. A `maxsize` of 0
    /// is taken as 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(1), (1..=5).into_iter());
    /// let mut feed = timer.subscribe_bounded(2).named("metrics-sink");
    /// timer.start()?;
    /// timer.wait().await?;
    /// // 5 values into a queue of 2: the oldest were dropped; the end evicted value 4.
    /// assert_eq!(feed.recv().await.transpose()?, Some(5));
    /// assert!(feed.recv().await.is_none());
    /// assert_eq!(feed.dropped_count(), 4);
    /// # Ok(())
    /// # }
    /// ```
    pub fn subscribe_bounded(&self, maxsize: usize) -> Subscription<T> {
        self.subscribe_inner(Some(maxsize.max(1)))
    }

    fn subscribe_inner(&self, capacity: Option<usize>) -> Subscription<T> {
        let core = self.core();
        let mut s = core.lock();
        let run_id = if s.running { s.run_id } else { s.run_id + 1 };
        let (subscription, feed) = Subscription::new(core.clone(), capacity, run_id);
        s.waiting().subscribers.push(feed);
        subscription
    }

    /// Changes the period, from any thread. It takes effect at once: the next tick becomes due
    /// one new period after the previous tick's reference instant — its start in fixed-rate,
    /// its finish in fixed-delay — or immediately if that instant has passed; fixed-rate
    /// re-anchors its grid at that instant. Before the first tick of a run, the first tick keeps
    /// its instant. A tick in flight is not disturbed.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] for a zero period.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(3600), || ());
    /// timer.start()?;
    /// timer.join().await?;
    /// let before = tokio::time::Instant::now();
    /// timer.set_period(Duration::from_secs(1))?;
    /// timer.join().await?;
    /// assert_eq!(before.elapsed(), Duration::from_secs(1));
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_period(&self, period: Duration) -> Result<(), Error> {
        validate_period(period)?;
        let core = self.core();
        let mut s = core.lock();
        s.period = period;
        s.clear_config_error();
        s.period_changed = true;
        core.signal(s);
        Ok(())
    }

    /// Changes the scheduling mode of a stopped timer; it applies from the next
    /// [`start`](Self::start).
    ///
    /// # Errors
    ///
    /// [`Error::AlreadyRunning`] while the timer runs: a schedule does not change mode midway.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Mode, Timer};
    ///
    /// let timer = Timer::new(Duration::from_secs(1), || ());
    /// timer.set_mode(Mode::FixedRate)?;
    /// assert_eq!(timer.mode(), Mode::FixedRate);
    /// # Ok::<(), periodic::Error>(())
    /// ```
    pub fn set_mode(&self, mode: Mode) -> Result<(), Error> {
        let mut s = self.core().lock();
        if s.running {
            return Err(Error::AlreadyRunning {
                name: self.core().config.name().clone(),
            });
        }
        self.check_mode(&s, mode)?;
        s.mode = mode;
        Ok(())
    }

    /// Whether `mode` suits the timer whose state `s` is: a coordinated timer needs
    /// fixed-rate.
    pub(crate) fn check_mode(&self, s: &State<T>, mode: Mode) -> Result<(), Error> {
        if s.coordination().is_some() && mode != Mode::FixedRate {
            return Err(Error::invalid(format_args!(
                "timer `{}` is coordinated and needs `Mode::FixedRate`: its slots lie on a fixed grid",
                self.core().config.name()
            )));
        }
        Ok(())
    }

    /// Stops the timer from a thread outside any tokio runtime, blocking until its task is gone
    /// or `timeout` passes. The counterpart of [`cancel`](Self::cancel) for signal handlers,
    /// sync request handlers and worker threads.
    ///
    /// # Errors
    ///
    /// [`Error::Blocking`] when called on a thread inside a tokio runtime context (blocking there
    /// could deadlock: use `cancel().await`), before the timer was ever started, or after its
    /// runtime shut down; [`Error::Timeout`] if the task is still running after `timeout`.
    ///
    /// A runtime context includes `spawn_blocking` threads and `Runtime::enter` guards: tokio
    /// offers no public way to tell them from the threads that drive the runtime, so the call
    /// refuses there too. From `spawn_blocking`, use
    /// `tokio::runtime::Handle::current().block_on(timer.cancel())`.
    /// On a timer that was started and stopped again it returns `Ok(())`.
    ///
    /// # Differences from async-timer
    ///
    /// This is the seed's `cancel_threadsafe(timeout=None)`. The timeout is required: there is
    /// no wait-for-ever default. The seed's dispatch errors ("called from its own event loop
    /// thread", "has not been started yet", "target event loop is closed") are
    /// [`Error::Blocking`] with a `reason`. The call is refused in any runtime context, not only
    /// on the loop's own thread. The seed's builtin `TimeoutError` is [`Error::Timeout`]. The
    /// reads (`last_result`, `hit_count`, …) and [`set_period`](Self::set_period) are safe from
    /// any thread because `Timer` is `Send + Sync`, not because of a GIL.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// let runtime = tokio::runtime::Runtime::new().unwrap();
    /// let timer = Timer::new(Duration::from_millis(10), || ());
    /// runtime.block_on(async { timer.start() }).unwrap();
    /// // Here, on a plain thread:
    /// timer.cancel_blocking(Duration::from_secs(5)).unwrap();
    /// assert!(!timer.is_running());
    /// ```
    pub fn cancel_blocking(&self, timeout: Duration) -> Result<(), Error> {
        let core = self.core();
        let s = core.lock();
        self.refuse_blocking(&s)?;
        drop(s);
        let Some(id) = core.request_stop(StopRequest::Now { dropped: false }) else {
            return Ok(());
        };
        core.wait_ended(core.lock(), id, timeout).map(drop)
    }

    /// Fires a tick from a thread outside any tokio runtime and blocks for its outcome, for at
    /// most `timeout`. The counterpart of [`trigger`](Self::trigger), with the same guarantees.
    ///
    /// # Errors
    ///
    /// [`Error::Blocking`] as for [`cancel_blocking`](Self::cancel_blocking);
    /// [`Error::NotRunning`] on a stopped timer; [`Error::Timeout`] if no outcome arrives in
    /// time (the triggered tick still runs); [`Error::Stopped`] if the timer stops first; the
    /// tick's own error if it fails.
    ///
    /// # Differences from async-timer
    ///
    /// This is the seed's `trigger_threadsafe(timeout=None)`, with the differences listed under
    /// [`cancel_blocking`](Self::cancel_blocking). Also, the value always comes from a call that
    /// started after the trigger; the seed may return the value of a tick already in flight.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// let runtime = tokio::runtime::Runtime::new().unwrap();
    /// let timer = Timer::new(Duration::from_secs(3600), || 7);
    /// runtime.block_on(async { timer.start() }).unwrap();
    /// assert_eq!(timer.trigger_blocking(Duration::from_secs(5)).unwrap(), 7);
    /// ```
    pub fn trigger_blocking(&self, timeout: Duration) -> Result<T, Error> {
        let core = self.core();
        let mut s = core.lock();
        self.refuse_blocking(&s)?;
        self.check_can_wait(&s)?;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        s.waiting().triggers.push(Waiter::Blocking(tx));
        s.trigger = true;
        core.signal(s);
        match rx.recv_timeout(timeout) {
            Ok(outcome) => outcome,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(Error::Timeout(timeout)),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(Error::Stopped {
                name: core.config.name().clone(),
            }),
        }
    }

    fn refuse_blocking(&self, s: &State<T>) -> Result<(), Error> {
        let reason = if tokio::runtime::Handle::try_current().is_ok() {
            "called on a thread inside a tokio runtime context (a worker, `block_on`, \
             `spawn_blocking` or `Runtime::enter`), where blocking could deadlock; use the async \
             method, or `Handle::current().block_on(…)` from `spawn_blocking`"
        } else if s.run_id == 0 {
            "the timer has not been started"
        } else if !s.running && matches!(s.last_stop.as_deref(), Some(StopReason::RuntimeShutdown))
        {
            "the runtime that ran the timer has shut down"
        } else {
            return Ok(());
        };
        Err(Error::Blocking {
            name: self.core().config.name().clone(),
            reason,
        })
    }

    /// The timer's name: the one given to [`TimerBuilder::name`], the `#[every]` job's name,
    /// or `timer-N`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// let timer = Timer::builder(Duration::from_secs(1), || ()).name("heartbeat").build()?;
    /// assert_eq!(timer.name(), "heartbeat");
    /// # Ok::<(), periodic::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        self.core().config.name()
    }

    /// The current period (as last set by [`set_period`](Self::set_period)).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// let timer = Timer::new(Duration::from_secs(30), || ());
    /// assert_eq!(timer.period(), Duration::from_secs(30));
    /// timer.set_period(Duration::from_secs(5))?;
    /// assert_eq!(timer.period(), Duration::from_secs(5));
    /// # Ok::<(), periodic::Error>(())
    /// ```
    pub fn period(&self) -> Duration {
        self.core().lock().period
    }

    /// The scheduling mode.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Mode, Timer};
    ///
    /// let timer = Timer::new(Duration::from_secs(1), || ());
    /// assert_eq!(timer.mode(), Mode::FixedDelay); // the default
    /// ```
    pub fn mode(&self) -> Mode {
        self.core().lock().mode
    }

    /// Whether a run is in progress (started, and its task not yet gone).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(1), || ());
    /// assert!(!timer.is_running());
    /// timer.start()?;
    /// assert!(timer.is_running());
    /// timer.cancel().await;
    /// assert!(!timer.is_running());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_running(&self) -> bool {
        self.core().lock().running
    }

    /// How many ticks produced a value, over all runs. Failed ticks are not counted (see
    /// [`Stats::errors`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(1), || ());
    /// assert_eq!(timer.hit_count(), 0);
    /// timer.start()?;
    /// tokio::time::sleep(Duration::from_millis(2500)).await; // ticks at 0, 1 and 2 s
    /// assert_eq!(timer.hit_count(), 3);
    /// timer.cancel().await;
    /// timer.start()?; // a restart keeps the count
    /// timer.join().await?;
    /// assert_eq!(timer.hit_count(), 4);
    /// # Ok(())
    /// # }
    /// ```
    pub fn hit_count(&self) -> u64 {
        self.core().lock().stats.hits
    }

    /// The value of the latest successful tick, over all runs; `None` before the first. A failed
    /// tick does not replace it. Never waits: this is the read for a request handler.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// static CALLS: AtomicU32 = AtomicU32::new(0);
    /// // Returns 1, then fails.
    /// let timer = Timer::new(Duration::from_secs(1), || -> Result<u32, std::io::Error> {
    ///     match CALLS.fetch_add(1, Ordering::SeqCst) {
    ///         0 => Ok(1),
    ///         _ => Err(std::io::Error::other("upstream down")),
    ///     }
    /// });
    /// assert_eq!(timer.last_result(), None); // before the first tick
    /// timer.start()?;
    /// timer.join().await?;
    /// assert_eq!(timer.last_result(), Some(1));
    /// assert!(timer.join().await.is_err());
    /// assert_eq!(timer.last_result(), Some(1)); // the failure kept the last good value
    /// # Ok(())
    /// # }
    /// ```
    pub fn last_result(&self) -> Option<T> {
        self.core().lock().last_result.clone()
    }

    /// When the latest successful tick completed (`tokio::time::Instant`, so it follows a paused
    /// clock in tests).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    /// use tokio::time::Instant;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(10), || async {
    ///     tokio::time::sleep(Duration::from_secs(2)).await; // the tick takes 2 s
    /// });
    /// assert_eq!(timer.last_tick_at(), None);
    /// let start = Instant::now();
    /// timer.start()?;
    /// timer.join().await?;
    /// assert_eq!(timer.last_tick_at(), Some(start + Duration::from_secs(2)));
    /// # Ok(())
    /// # }
    /// ```
    pub fn last_tick_at(&self) -> Option<Instant> {
        self.core().lock().last_tick_at
    }

    /// Counters and timings; see [`Stats`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Mode, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// // A fixed-rate timer whose first tick overruns two slots.
    /// let timer = Timer::builder(Duration::from_secs(10), || async {
    ///     tokio::time::sleep(Duration::from_secs(25)).await;
    /// })
    /// .mode(Mode::FixedRate)
    /// .build()?;
    /// timer.start()?;
    /// timer.join().await?;
    /// let stats = timer.stats();
    /// assert_eq!((stats.ticks, stats.hits), (1, 1));
    /// assert_eq!(stats.skipped, 2); // the slots due at 10 s and 20 s
    /// assert_eq!(stats.last_duration, Some(Duration::from_secs(25)));
    /// # Ok(())
    /// # }
    /// ```
    pub fn stats(&self) -> Stats {
        self.core().lock().stats.to_stats()
    }

    /// Why the latest run ended; `None` while the first run is in progress or before it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{StopReason, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(1), || ());
    /// timer.start()?;
    /// assert!(timer.last_stop().is_none());
    /// timer.shutdown(Duration::from_secs(1)).await;
    /// assert!(matches!(timer.last_stop(), Some(StopReason::Shutdown)));
    /// # Ok(())
    /// # }
    /// ```
    pub fn last_stop(&self) -> Option<StopReason> {
        self.core().lock().last_stop.as_deref().cloned()
    }
}

fn waiter_alive<T>(w: &Waiter<T>) -> bool {
    match w {
        Waiter::Async(tx) => !tx.is_closed(),
        Waiter::Blocking(_) => true,
    }
}

impl<T> fmt::Debug for Timer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let core = &self.core;
        let s = core.lock();
        f.debug_struct("Timer")
            .field("name", core.config.name())
            .field("period", &s.period)
            .field("mode", &s.mode)
            .field("hit_count", &s.stats.hits)
            .field("running", &s.running)
            .finish()
    }
}

/// What to wait for; made by [`Timer::wait`], completed by `.await`.
///
/// The output is the timer's latest result; see [`Timer::wait`] for the table of outcomes.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::Timer;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), periodic::Error> {
/// let timer = Timer::new(Duration::from_secs(2), || "v");
/// timer.start()?;
/// let value = timer.wait().hits(2).timeout(Duration::from_secs(10)).await?;
/// assert_eq!((value, timer.hit_count()), (Some("v"), 2));
/// # Ok(())
/// # }
/// ```
#[must_use = "a wait does nothing until it is awaited"]
pub struct Wait<T> {
    core: Arc<Core<T>>,
    condition: Option<Condition>,
    timeout: Option<Duration>,
}

#[derive(Debug, Clone, Copy)]
enum Condition {
    Hits(u64),
    HitCount(u64),
}

impl<T> fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("timer", &self.core.config.name())
            .field("condition", &self.condition)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl<T: Clone + Send + Sync + 'static> Wait<T> {
    /// Wait for `n` more successful ticks. Replaces an earlier `hit_count`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(1), || ());
    /// timer.start()?;
    /// timer.wait().hit_count(2).await?;
    /// timer.wait().hits(3).await?; // three more, counted from now
    /// assert_eq!(timer.hit_count(), 5);
    /// # Ok(())
    /// # }
    /// ```
    pub fn hits(mut self, n: u64) -> Self {
        self.condition = Some(Condition::Hits(n));
        self
    }

    /// Wait until [`hit_count`](Timer::hit_count) reaches `n`. Replaces an earlier `hits`.
    /// Already reached, it completes at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(1), || "warm");
    /// timer.start()?;
    /// assert_eq!(timer.wait().hit_count(3).await?, Some("warm"));
    /// assert_eq!(timer.hit_count(), 3);
    /// timer.wait().hit_count(1).await?; // already reached: no waiting
    /// assert_eq!(timer.hit_count(), 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn hit_count(mut self, n: u64) -> Self {
        self.condition = Some(Condition::HitCount(n));
        self
    }

    /// Bound the wait: with a condition, exceeding it is [`Error::Timeout`]; an idle wait
    /// returns the latest result instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(60), || 5);
    /// timer.start()?;
    /// timer.wait().hit_count(1).await?;
    /// // The next tick is a minute away.
    /// let counted = timer.wait().hits(1).timeout(Duration::from_secs(1)).await;
    /// assert!(matches!(counted, Err(Error::Timeout(_))));
    /// // An idle wait (for the end of the run) gives the latest value instead.
    /// let idle = timer.wait().timeout(Duration::from_secs(1)).await?;
    /// assert_eq!(idle, Some(5));
    /// # Ok(())
    /// # }
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    async fn run(self) -> Result<Option<T>, Error> {
        let Wait {
            core,
            condition,
            timeout,
        } = self;
        let name = || core.config.name().clone();
        let (goal, errors, run, running) = {
            let s = core.lock();
            // From inside the target, the wait would wait for its own tick (or its own run's
            // end): refused, as `join` and `trigger` are.
            if s.running && core.on_own_task(&s) {
                return Err(Error::Reentrant { name: name() });
            }
            let goal = condition.map(|c| match c {
                Condition::Hits(n) => s.stats.hits.saturating_add(n),
                Condition::HitCount(n) => n,
            });
            // A timer that is stopping still counts as running: an idle wait ends when its
            // task is gone.
            (goal, s.stats.errors, s.run_id, s.running)
        };
        let waiting = core.until(|s| {
            if goal.is_some_and(|goal| s.stats.hits >= goal) {
                return Some(Ok(s.last_result.clone()));
            }
            if s.stats.errors > errors {
                return s.stats.last_error.as_deref().cloned().map(Err);
            }
            let ended = !running || !s.running || s.run_id != run;
            match (ended, goal) {
                (false, _) => None,
                (true, None) => Some(Ok(s.last_result.clone())),
                (true, Some(_)) if running => Some(Err(Error::Stopped { name: name() })),
                (true, Some(_)) => Some(Err(Error::NotRunning { name: name() })),
            }
        });
        let Some(limit) = timeout else {
            return waiting.await;
        };
        match tokio::time::timeout(limit, waiting).await {
            Ok(outcome) => outcome,
            Err(_) if goal.is_some() => Err(Error::Timeout(limit)),
            Err(_) => Ok(core.lock().last_result.clone()),
        }
    }
}

impl<T: Clone + Send + Sync + 'static> IntoFuture for Wait<T> {
    type Output = Result<Option<T>, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// The stream of latest tick outcomes made by [`Timer::stream`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use futures_util::StreamExt;
/// use periodic::Timer;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), periodic::Error> {
/// let timer = Timer::new(Duration::from_secs(1), [7, 8].into_iter());
/// let mut latest = timer.stream();
/// timer.start()?;
/// assert_eq!(latest.next().await.transpose()?, Some(7));
/// assert_eq!(latest.next().await.transpose()?, Some(8));
/// assert!(latest.next().await.is_none()); // the run ended
/// # Ok(())
/// # }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Latest<T> {
    inner: Pin<Box<dyn futures_core::FusedStream<Item = Result<T, Error>> + Send>>,
}

impl<T> fmt::Debug for Latest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Latest").finish_non_exhaustive()
    }
}

impl<T> Stream for Latest<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// A finished stream yields `None` forever.
impl<T> futures_core::FusedStream for Latest<T> {
    fn is_terminated(&self) -> bool {
        self.inner.is_terminated()
    }
}

impl<T: Clone + Send + Sync + 'static> Timer<T> {
    /// Whether the timer is coordinated across replicas (see
    /// [`TimerBuilder::coordinated`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// assert!(!Timer::new(Duration::from_secs(1), || ()).is_coordinated());
    /// ```
    pub fn is_coordinated(&self) -> bool {
        self.core().lock().coordination().is_some()
    }

    /// Whether the timer is coordinated and has its coordinator.
    pub(crate) fn has_coordinator(&self) -> bool {
        let s = self.core().lock();
        s.coordination().is_some_and(|c| c.coordinator.is_some())
    }

    /// Gives a coordinated timer the coordinator of the `run_all` that starts it
    /// (`Configure::coordinator`), replacing an earlier one. Returns whether the timer is
    /// coordinated. A running timer keeps the coordinator it started with until it restarts.
    pub(crate) fn provide_coordinator(
        &self,
        coordinator: &Arc<dyn Coordinator>,
        unreachable: Option<Unreachable>,
    ) -> bool {
        let mut s = self.core().lock();
        let Some(c) = s.coordination() else {
            return false;
        };
        let coordination = Arc::new(Coordination {
            coordinator: Some(coordinator.clone()),
            offset: c.offset,
            unreachable: unreachable.unwrap_or(c.unreachable),
        });
        s.set_coordination(coordination);
        true
    }
}
