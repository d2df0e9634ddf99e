//! [`TimerGroup`]: timers of different value types with one lifecycle.

use std::fmt;
use std::future::poll_fn;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::join_all;
use futures_util::stream::FuturesUnordered;

use crate::{Error, Timer};

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a group needs of a member, whatever its value type.
trait Member: Send + Sync {
    fn name(&self) -> &str;
    fn start(&self) -> Result<(), Error>;
    fn check_start(&self) -> Result<bool, Error>;
    fn is_running(&self) -> bool;
    fn cancel(&self) -> BoxFuture<'_, ()>;
    fn shutdown(&self, grace: Duration) -> BoxFuture<'_, ()>;
    fn wait(
        &self,
        condition: Condition,
        timeout: Option<Duration>,
    ) -> BoxFuture<'_, Result<(), Error>>;
    fn trigger(&self) -> BoxFuture<'_, Result<(), Error>>;
    fn cancel_blocking(&self, timeout: Duration) -> Result<(), Error>;
    fn stop_now(&self);
}

impl<T: Clone + Send + Sync + 'static> Member for Timer<T> {
    fn name(&self) -> &str {
        Timer::name(self)
    }
    fn start(&self) -> Result<(), Error> {
        Timer::start(self)
    }
    fn check_start(&self) -> Result<bool, Error> {
        check_start(self, StartCheck::AS_IS)
    }
    fn is_running(&self) -> bool {
        Timer::is_running(self)
    }
    fn cancel(&self) -> BoxFuture<'_, ()> {
        Box::pin(Timer::cancel(self))
    }
    fn shutdown(&self, grace: Duration) -> BoxFuture<'_, ()> {
        Box::pin(Timer::shutdown(self, grace))
    }
    fn wait(
        &self,
        condition: Condition,
        timeout: Option<Duration>,
    ) -> BoxFuture<'_, Result<(), Error>> {
        let mut wait = Timer::wait(self);
        if let Some(t) = timeout {
            wait = wait.timeout(t);
        }
        let wait = match condition {
            Condition::Idle => wait,
            Condition::Hits(n) => wait.hits(n),
            Condition::HitCount(n) => wait.hit_count(n),
        };
        Box::pin(async move { wait.await.map(drop) })
    }
    fn trigger(&self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move { Timer::trigger(self).await.map(drop) })
    }
    fn cancel_blocking(&self, timeout: Duration) -> Result<(), Error> {
        Timer::cancel_blocking(self, timeout)
    }
    fn stop_now(&self) {
        Timer::request_cancel(self);
    }
}

#[derive(Debug, Clone, Copy)]
enum Condition {
    Idle,
    Hits(u64),
    HitCount(u64),
}

/// One member's outcome of a group operation, in the group's insertion order.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::{Timer, TimerGroup};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), periodic::Error> {
/// let group = TimerGroup::new("g");
/// group.add(Timer::builder(Duration::from_secs(1), || 1).name("ok").build()?)?;
/// group.add(
///     Timer::builder(Duration::from_secs(1), || Err::<u8, _>(std::io::Error::other("down")))
///         .name("down")
///         .build()?,
/// )?;
/// group.start()?;
/// let each = group.trigger_each().await;
/// assert_eq!((&*each[0].name, each[0].result.is_ok()), ("ok", true));
/// assert_eq!((&*each[1].name, each[1].result.is_err()), ("down", true));
/// group.cancel_all().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MemberOutcome {
    /// The member's name.
    pub name: Arc<str>,
    /// What the operation gave for this member. Read typed values through the member's own
    /// [`Timer`] handle (`last_result`).
    pub result: Result<(), Error>,
}

/// Timers of different value types with one lifecycle: start them together, wait for all of
/// them, trigger all of them, stop all of them.
///
/// A cheap `Clone` handle; `periodic::run_all` returns one holding every started job.
///
/// # Differences from async-timer
///
/// - No `async with`: call [`start`](Self::start), then [`cancel_all`](Self::cancel_all) or
///   [`shutdown`](Self::shutdown). `start` is sync, and checks every member before it starts
///   any, so a member that cannot start leaves the whole group stopped (the seed starts members
///   one by one and cancels those started; see [`start`](Self::start) for the rare failure
///   after the check).
/// - Members have different value types, so the group is not iterable and has no `in`:
///   [`len`](Self::len) and [`names`](Self::names) describe it, and the caller keeps its own
///   clone of each [`Timer`] (`add` takes the handle and returns a `Result`, not the timer).
///   Outcomes are [`MemberOutcome`]s holding `Result<(), Error>`; typed values are read through
///   each member's handle.
/// - As in the seed, [`add`](Self::add) of a timer that already runs adds it and leaves it
///   running, and a second [`start`](Self::start) changes nothing: `start` starts the members
///   that are not running.
/// - [`Timer::cancel`] cannot fail, so there is no member cancel failure to log (the seed logs
///   one on `async_timer.group.<name>`); a panicking `on_stop` hook is caught and logged with
///   `error!` naming the member, and the other members still stop.
/// - [`trigger`](Self::trigger) takes no `timeout`: wrap it in `tokio::time::timeout`. The
///   triggers are registered at its first poll, so the ticks still run if the timeout expires.
/// - The seed's `cancel_threadsafe` is [`cancel_blocking`](Self::cancel_blocking), with a
///   required timeout; its "own event loop", "not been started" and "event loop is closed"
///   errors are [`Error::Blocking`] (see [`Timer::cancel_blocking`]). An empty group that never
///   started returns `Ok(())`, where the seed raises "not been started".
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::{Timer, TimerGroup};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), periodic::Error> {
/// let group = TimerGroup::new("caches");
/// group.add(Timer::new(Duration::from_secs(5), || 1u8))?;
/// group.add(Timer::new(Duration::from_secs(60), || "pruned"))?;
/// group.start()?;
/// group.wait().hit_count(1).await?; // every member has ticked once
/// assert!(group.is_running());
/// group.cancel_all().await;
/// assert!(!group.is_running());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TimerGroup {
    inner: Arc<Inner>,
}

struct Inner {
    name: Arc<str>,
    members: Mutex<Vec<Arc<dyn Member>>>,
    running: Mutex<bool>,
}

impl fmt::Debug for TimerGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerGroup")
            .field("name", &self.inner.name)
            .field("members", &self.names())
            .field("running", &self.is_running())
            .finish()
    }
}

impl TimerGroup {
    /// An empty, stopped group. The name appears in its `Debug` output and errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use periodic::TimerGroup;
    ///
    /// let group = TimerGroup::new("caches");
    /// assert!(group.is_empty());
    /// assert!(!group.is_running());
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        TimerGroup {
            inner: Arc::new(Inner {
                name: name.into().into(),
                members: Mutex::new(Vec::new()),
                running: Mutex::new(false),
            }),
        }
    }

    fn members(&self) -> Vec<Arc<dyn Member>> {
        self.inner
            .members
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The group's name.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = periodic::TimerGroup::new("caches");
    /// assert_eq!(group.name(), "caches");
    /// ```
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The members' names, in insertion order.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, TimerGroup};
    ///
    /// let group = TimerGroup::new("caches");
    /// group.add(Timer::builder(Duration::from_secs(60), || ()).name("prune").build()?)?;
    /// group.add(Timer::builder(Duration::from_secs(5), || 1).name("refresh").build()?)?;
    /// assert_eq!(group.names(), ["prune", "refresh"]);
    /// # Ok::<(), periodic::Error>(())
    /// ```
    pub fn names(&self) -> Vec<String> {
        self.members().iter().map(|m| m.name().to_owned()).collect()
    }

    /// How many members the group has.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, TimerGroup};
    ///
    /// let group = TimerGroup::new("g");
    /// group.add(Timer::new(Duration::from_secs(1), || 1u8))?;
    /// group.add(Timer::new(Duration::from_secs(1), || "two"))?;
    /// assert_eq!(group.len(), 2);
    /// # Ok::<(), periodic::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.inner
            .members
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether the group has no members.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, TimerGroup};
    ///
    /// let group = TimerGroup::new("g");
    /// assert!(group.is_empty());
    /// group.add(Timer::new(Duration::from_secs(1), || ()))?;
    /// assert!(!group.is_empty());
    /// # Ok::<(), periodic::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a timer. If the group is running, the timer is started now (a timer that already
    /// runs is simply added).
    ///
    /// # Errors
    ///
    /// The error of the timer's [`start`](Timer::start) if the group runs and the timer cannot
    /// start; the timer is then not added.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, TimerGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let group = TimerGroup::new("g");
    /// group.start()?;
    /// let late = Timer::new(Duration::from_secs(1), || "late");
    /// group.add(late.clone())?; // keep a clone to read its values
    /// assert!(late.is_running()); // the group runs, so it was started
    /// assert_eq!(late.wait().hit_count(1).await?, Some("late"));
    ///
    /// // A member that cannot start is refused.
    /// let broken = Timer::new(Duration::ZERO, || ());
    /// assert!(group.add(broken).is_err());
    /// assert_eq!(group.len(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn add<T: Clone + Send + Sync + 'static>(&self, timer: Timer<T>) -> Result<(), Error> {
        let running = self
            .inner
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if *running {
            start_unless_running(&timer)?;
        }
        self.inner
            .members
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Arc::new(timer));
        Ok(())
    }

    /// Starts every member that is not running (a second `start` changes nothing).
    ///
    /// Every member is checked before any is started: if one cannot start (a zero period, a
    /// used single-shot timer, a missing `State`, no tokio runtime, …), its error is returned
    /// and **nothing was started** — the group is exactly as before the call.
    ///
    /// A member can still fail between that check and its own start, if another thread
    /// changes it meanwhile (starts it and it stops again, for instance). The members this call
    /// started are then told to stop at once before the error is returned. `start` is sync, so
    /// it cannot wait for them: when it returns, none of them will *begin* a tick, but each one
    /// reports [`is_running`](Timer::is_running) until its task has seen the stop, and on a
    /// multi-threaded runtime a first tick that a worker had already begun is dropped at its
    /// next `.await` (a sync target's call completes). On a current-thread runtime their tasks
    /// have not run yet, so no target is called at all.
    ///
    /// # Errors
    ///
    /// The first failing member's start error, in insertion order.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, TimerGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let ok = Timer::new(Duration::from_secs(1), || ());
    /// let broken = Timer::new(Duration::ZERO, || ()); // a zero period fails at start
    /// let group = TimerGroup::new("g");
    /// group.add(ok.clone())?;
    /// group.add(broken.clone())?;
    /// assert!(group.start().is_err());
    /// assert!(!ok.is_running()); // nothing was started
    /// broken.set_period(Duration::from_secs(1))?;
    /// group.start()?; // a retry works at once
    /// assert!(group.is_running());
    /// # Ok(())
    /// # }
    /// ```
    pub fn start(&self) -> Result<(), Error> {
        self.start_members().map_err(|failure| {
            for member in &failure.started {
                member.stop_now();
            }
            failure.error
        })
    }

    /// [`start`](Self::start) that, after a member fails to start, waits until the members it
    /// started are stopped (their tasks gone) before it returns the failure.
    pub(crate) async fn start_or_undo(&self) -> Result<(), StartFailure> {
        let failure = match self.start_members() {
            Ok(()) => return Ok(()),
            Err(failure) => failure,
        };
        join_all(failure.started.iter().map(|m| m.cancel())).await;
        Err(StartFailure {
            index: failure.index,
            error: failure.error,
        })
    }

    /// Checks every member, then starts those not running. On a failure, returns the failing
    /// member's index and error, and the members this call started (still running).
    fn start_members(&self) -> Result<(), Started> {
        let mut running = self
            .inner
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let members = self.members();
        for (index, member) in members.iter().enumerate() {
            if let Err(error) = member.check_start() {
                return Err(Started {
                    index,
                    error,
                    started: Vec::new(),
                });
            }
        }
        let mut started = Vec::new();
        for (index, member) in members.iter().enumerate() {
            match start_unless_running(&**member) {
                Ok(true) => started.push(member.clone()),
                Ok(false) => {}
                Err(error) => {
                    return Err(Started {
                        index,
                        error,
                        started,
                    });
                }
            }
        }
        *running = true;
        Ok(())
    }

    /// Whether the group was started and every member is running.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, TimerGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let member = Timer::new(Duration::from_secs(1), || ());
    /// let group = TimerGroup::new("g");
    /// group.add(member.clone())?;
    /// assert!(!group.is_running());
    /// group.start()?;
    /// assert!(group.is_running());
    /// member.cancel().await; // one member stopped on its own
    /// assert!(!group.is_running());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_running(&self) -> bool {
        *self
            .inner
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            && self.members().iter().all(|m| m.is_running())
    }

    /// Cancels every member concurrently and returns once all their tasks are gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, TimerGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let a = Timer::new(Duration::from_secs(1), || 1);
    /// let b = Timer::new(Duration::from_secs(1), || 2);
    /// let group = TimerGroup::new("g");
    /// group.add(a.clone())?;
    /// group.add(b.clone())?;
    /// group.start()?;
    /// group.cancel_all().await;
    /// assert!(!a.is_running() && !b.is_running());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn cancel_all(&self) {
        *self
            .inner
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = false;
        let members = self.members();
        join_all(members.iter().map(|m| m.cancel())).await;
    }

    /// Shuts every member down concurrently: in-flight ticks may finish within `grace` (see
    /// [`Timer::shutdown`]). Returns once every member's task is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, TimerGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let export = Timer::new(Duration::from_secs(60), || async {
    ///     tokio::time::sleep(Duration::from_secs(2)).await; // a slow export
    ///     "exported"
    /// });
    /// let group = TimerGroup::new("g");
    /// group.add(export.clone())?;
    /// group.start()?;
    /// tokio::task::yield_now().await; // the first export is now in flight
    /// group.shutdown(Duration::from_secs(5)).await;
    /// assert_eq!(export.last_result(), Some("exported")); // it was allowed to finish
    /// assert!(!group.is_running());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn shutdown(&self, grace: Duration) {
        *self
            .inner
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = false;
        let members = self.members();
        join_all(members.iter().map(|m| m.shutdown(grace))).await;
    }

    /// Waits for a condition on every member (AND); configure and `.await` the [`GroupWait`].
    /// Without a condition, it waits until every member has stopped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, TimerGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let fast = Timer::new(Duration::from_secs(1), || ());
    /// let slow = Timer::new(Duration::from_secs(10), || ());
    /// let group = TimerGroup::new("g");
    /// group.add(fast.clone())?;
    /// group.add(slow.clone())?;
    /// group.start()?;
    /// group.wait().hit_count(2).await?; // the slow member's second tick is at 10 s
    /// assert!(fast.hit_count() >= 2 && slow.hit_count() == 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait(&self) -> GroupWait {
        GroupWait {
            group: self.clone(),
            condition: Condition::Idle,
            timeout: None,
            collect_errors: false,
        }
    }

    /// Triggers every member concurrently; see [`Timer::trigger`]. Fails fast: returns the
    /// first member error as soon as it occurs (the other triggered ticks still run); use
    /// [`trigger_each`](Self::trigger_each) to collect each member's outcome instead.
    ///
    /// # Errors
    ///
    /// The first member error to occur.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, TimerGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let a = Timer::new(Duration::from_secs(3600), || 1);
    /// let b = Timer::new(Duration::from_secs(3600), || 2);
    /// let group = TimerGroup::new("caches");
    /// group.add(a.clone())?;
    /// group.add(b.clone())?;
    /// group.start()?;
    /// group.wait().hit_count(1).await?;
    /// group.trigger().await?; // invalidate every cache now
    /// assert_eq!((a.hit_count(), b.hit_count()), (2, 2));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn trigger(&self) -> Result<(), Error> {
        let members = self.members();
        gather(members.iter().map(|m| m.trigger()), true)
            .await
            .map(drop)
    }

    /// Triggers every member concurrently and returns each member's outcome, in insertion
    /// order.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, TimerGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let stopped = Timer::builder(Duration::from_secs(1), || ()).name("stopped").build()?;
    /// let group = TimerGroup::new("g");
    /// group.add(Timer::builder(Duration::from_secs(1), || ()).name("live").build()?)?;
    /// group.add(stopped.clone())?;
    /// group.start()?;
    /// stopped.cancel().await;
    /// let outcomes = group.trigger_each().await;
    /// assert!(outcomes[0].result.is_ok());
    /// assert!(matches!(outcomes[1].result, Err(periodic::Error::NotRunning { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn trigger_each(&self) -> Vec<MemberOutcome> {
        let members = self.members();
        let results = join_all(members.iter().map(|m| m.trigger())).await;
        outcomes(&members, results)
    }

    /// Cancels every member from a thread outside any tokio runtime, within one `timeout` for
    /// the whole group: every member is asked to stop at once, then each is waited for. See
    /// [`Timer::cancel_blocking`].
    ///
    /// # Errors
    ///
    /// [`Error::Blocking`] on a thread inside a tokio runtime context (nothing changes then);
    /// otherwise the first member's error, after every member was asked to stop —
    /// [`Error::Timeout`] if they are not all stopped in time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, TimerGroup};
    ///
    /// let runtime = tokio::runtime::Runtime::new().unwrap();
    /// let group = TimerGroup::new("g");
    /// group.add(Timer::new(Duration::from_millis(10), || 1)).unwrap();
    /// group.add(Timer::new(Duration::from_millis(10), || "two")).unwrap();
    /// runtime.block_on(async { group.start() }).unwrap();
    /// // Here, on a plain thread (a signal handler, a sync request handler):
    /// group.cancel_blocking(Duration::from_secs(5)).unwrap();
    /// assert!(!group.is_running());
    /// ```
    pub fn cancel_blocking(&self, timeout: Duration) -> Result<(), Error> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::Blocking {
                name: self.inner.name.clone(),
                reason: "called on a thread inside a tokio runtime context, where blocking could \
                         deadlock; use `cancel_all().await`",
            });
        }
        *self
            .inner
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = false;
        let members = self.members();
        for member in &members {
            member.stop_now();
        }
        // A timeout too long to add (`Duration::MAX`) has no deadline.
        let deadline = std::time::Instant::now().checked_add(timeout);
        let mut first_error = None;
        for member in &members {
            let left = deadline.map_or(timeout, |d| {
                d.saturating_duration_since(std::time::Instant::now())
            });
            if let Err(err) = member.cancel_blocking(left) {
                first_error.get_or_insert(match err {
                    Error::Timeout(_) => Error::Timeout(timeout),
                    other => other,
                });
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// A member's failure to start, from [`TimerGroup::start_or_undo`].
#[derive(Debug)]
pub(crate) struct StartFailure {
    /// The failing member's position in the group.
    pub(crate) index: usize,
    pub(crate) error: Error,
}

/// A member's failure to start, with the members started before it (still running).
struct Started {
    index: usize,
    error: Error,
    started: Vec<Arc<dyn Member>>,
}

/// What [`check_start`] may take for granted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StartCheck {
    /// Run the timer's own precheck (its `State`s are present); `run_all` checks them itself,
    /// against the states it is about to provide.
    pub(crate) states: bool,
    /// A valid period will be set before the start, so a bad period given at build time no
    /// longer matters.
    pub(crate) period_fixed: bool,
    /// A coordinator will be provided before the start.
    pub(crate) coordinator_given: bool,
}

impl StartCheck {
    /// Nothing is set before the start: the checks of [`Timer::start`] itself.
    pub(crate) const AS_IS: StartCheck = StartCheck {
        states: true,
        period_fixed: false,
        coordinator_given: false,
    };
}

/// Whether [`Timer::start`] would succeed now, changing nothing: `Ok(true)` if it would start
/// the timer, `Ok(false)` if the timer runs already, otherwise the error `start` would give. The
/// same checks as `start`, in the same order.
pub(crate) fn check_start<T: Clone + Send + Sync + 'static>(
    timer: &Timer<T>,
    check: StartCheck,
) -> Result<bool, Error> {
    let core = timer.core();
    let name = || core.config.name().clone();
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(Error::NoRuntime { name: name() });
    }
    if check.states
        && let Some(precheck) = core.config.precheck()
    {
        precheck()?;
    }
    timer.check_state(&core.lock(), check)
}

/// Starts `timer` unless it runs already; `Ok(true)` if this call started it.
fn start_unless_running(timer: &(impl Member + ?Sized)) -> Result<bool, Error> {
    match timer.start() {
        Ok(()) => Ok(true),
        Err(Error::AlreadyRunning { .. }) => Ok(false),
        Err(err) => Err(err),
    }
}

/// Runs the futures concurrently and returns their results in order; with `fail_fast`, returns
/// the first error as soon as it occurs.
///
/// Every future is polled once before any error returns, so each one has begun (a trigger is
/// registered at its first poll) even when another fails at once: failing fast drops the
/// others' futures, never their effect.
async fn gather<'a>(
    futures: impl Iterator<Item = BoxFuture<'a, Result<(), Error>>>,
    fail_fast: bool,
) -> Result<Vec<Result<(), Error>>, Error> {
    let mut futures: Vec<_> = futures.collect();
    let mut results: Vec<Option<Result<(), Error>>> = (0..futures.len()).map(|_| None).collect();
    poll_fn(|cx| {
        for (future, result) in futures.iter_mut().zip(&mut results) {
            if let Poll::Ready(r) = future.as_mut().poll(cx) {
                *result = Some(r);
            }
        }
        Poll::Ready(())
    })
    .await;
    if fail_fast && let Some(Err(err)) = results.iter().flatten().find(|r| r.is_err()) {
        return Err(err.clone());
    }
    let mut pending: FuturesUnordered<_> = futures
        .into_iter()
        .enumerate()
        .filter(|(i, _)| results[*i].is_none())
        .map(|(i, f)| async move { (i, f.await) })
        .collect();
    while let Some((i, result)) = pending.next().await {
        if fail_fast && let Err(err) = &result {
            return Err(err.clone());
        }
        results[i] = Some(result);
    }
    Ok(results
        .into_iter()
        .map(|r| r.expect("every future completed"))
        .collect())
}

fn outcomes(members: &[Arc<dyn Member>], results: Vec<Result<(), Error>>) -> Vec<MemberOutcome> {
    members
        .iter()
        .zip(results)
        .map(|(m, result)| MemberOutcome {
            name: m.name().into(),
            result,
        })
        .collect()
}

/// A wait on every member of a group, made by [`TimerGroup::wait`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::{Timer, TimerGroup};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), periodic::Error> {
/// let group = TimerGroup::new("g");
/// group.add(Timer::new(Duration::from_secs(1), || 1u8))?;
/// group.add(Timer::new(Duration::from_secs(5), || "slow"))?;
/// group.start()?;
/// // Both members reach 2 hits (the slow one at 5 s) within the group's one timeout.
/// let outcomes = group.wait().hit_count(2).timeout(Duration::from_secs(6)).await?;
/// assert_eq!(outcomes.len(), 2);
/// group.cancel_all().await;
/// # Ok(())
/// # }
/// ```
///
/// The conditions are those of [`Timer::wait`], applied to each member; the timeout bounds the
/// whole group. Awaiting it gives each member's outcome in insertion order, or fails fast with
/// the first error unless [`collect_errors`](Self::collect_errors) was set.
#[must_use = "a wait does nothing until it is awaited"]
#[derive(Debug)]
pub struct GroupWait {
    group: TimerGroup,
    condition: Condition,
    timeout: Option<Duration>,
    collect_errors: bool,
}

impl GroupWait {
    /// Wait for `n` more ticks of every member.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, TimerGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let member = Timer::new(Duration::from_secs(1), || ());
    /// let group = TimerGroup::new("g");
    /// group.add(member.clone())?;
    /// group.start()?;
    /// group.wait().hit_count(1).await?;
    /// group.wait().hits(2).await?; // two more, counted from now
    /// assert_eq!(member.hit_count(), 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn hits(mut self, n: u64) -> Self {
        self.condition = Condition::Hits(n);
        self
    }

    /// Wait until every member's hit count reaches `n`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, TimerGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let group = TimerGroup::new("warm-up");
    /// group.add(Timer::new(Duration::from_secs(5), || "db"))?;
    /// group.add(Timer::new(Duration::from_secs(60), || "config"))?;
    /// group.start()?;
    /// let outcomes = group.wait().hit_count(1).await?; // gate startup on every first tick
    /// assert!(outcomes.iter().all(|o| o.result.is_ok()));
    /// # Ok(())
    /// # }
    /// ```
    pub fn hit_count(mut self, n: u64) -> Self {
        self.condition = Condition::HitCount(n);
        self
    }

    /// One bound for the whole group (every member shares the same deadline): exceeding it is
    /// [`Error::Timeout`] for a wait with a condition; an idle wait returns `Ok` instead, as
    /// [`Timer::wait`] does.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, Timer, TimerGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let group = TimerGroup::new("g");
    /// group.add(Timer::new(Duration::from_secs(1), || ()))?;
    /// group.add(Timer::new(Duration::from_secs(60), || ()))?;
    /// group.start()?;
    /// // The second member needs 60 s for its second tick.
    /// let late = group.wait().hit_count(2).timeout(Duration::from_secs(5)).await;
    /// assert!(matches!(late, Err(Error::Timeout(_))));
    /// assert!(group.is_running()); // a timed-out wait leaves the members running
    /// # Ok(())
    /// # }
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Collect each member's error in its [`MemberOutcome`] instead of failing fast.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, TimerGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let group = TimerGroup::new("g");
    /// group.add(Timer::builder(Duration::from_secs(1), || 1).name("ok").build()?)?;
    /// group.add(
    ///     Timer::builder(Duration::from_secs(1), || Err::<u8, _>(std::io::Error::other("down")))
    ///         .name("down")
    ///         .build()?,
    /// )?;
    /// group.start()?;
    /// // Without `collect_errors`, the wait would fail with the first error.
    /// let outcomes = group.wait().hits(1).collect_errors().await?;
    /// assert!(outcomes[0].result.is_ok());
    /// assert!(outcomes[1].result.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn collect_errors(mut self) -> Self {
        self.collect_errors = true;
        self
    }

    async fn run(self) -> Result<Vec<MemberOutcome>, Error> {
        let members = self.group.members();
        let (condition, timeout) = (self.condition, self.timeout);
        let waits = members.iter().map(|m| m.wait(condition, timeout));
        let results = gather(waits, !self.collect_errors).await?;
        Ok(outcomes(&members, results))
    }
}

impl IntoFuture for GroupWait {
    type Output = Result<Vec<MemberOutcome>, Error>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    // The path `run_all` takes: a start failure after the check returns only once what this
    // call started is stopped, so a retry can start it at once.
    #[tokio::test(start_paused = true)]
    async fn start_or_undo_returns_once_the_started_members_are_stopped() {
        let checks = Arc::new(AtomicU32::new(0));
        let first = Timer::builder(Duration::from_secs(1), || 1u8)
            .name("first")
            .build()
            .unwrap();
        let flaky = Timer::builder(Duration::from_secs(1), || 2u8)
            .name("flaky")
            .__precheck({
                let checks = checks.clone();
                move || match checks.fetch_add(1, Ordering::SeqCst) {
                    0 => Ok(()),
                    _ => Err(Error::invalid("gone")),
                }
            })
            .build()
            .unwrap();
        let group = TimerGroup::new("g");
        group.add(first.clone()).unwrap();
        group.add(flaky.clone()).unwrap();
        let failure = group.start_or_undo().await.unwrap_err();
        assert_eq!(failure.index, 1);
        assert!(matches!(failure.error, Error::InvalidConfig(_)));
        assert!(!first.is_running() && !group.is_running());
        first.start().unwrap(); // nothing left running: a restart works at once
        first.cancel().await;
    }
}
