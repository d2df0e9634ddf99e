//! The shared state behind every handle of one timer.

use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::Waker;
use std::time::Duration;

use tokio::sync::{Notify, oneshot};
use tokio::time::Instant;

use crate::coordinator::Coordination;
use crate::subscription::Feed;
use crate::target::BoxTarget;
use crate::{Error, Mode, OnError, StopReason};

/// A future that stops the timer when it completes (`cancel_on`).
pub(crate) type CancelFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
pub(crate) type FailureHook = Arc<dyn Fn(&Error) + Send + Sync>;
pub(crate) type StopHook = Arc<dyn Fn(&StopReason) + Send + Sync>;
pub(crate) type Precheck = Arc<dyn Fn() -> Result<(), Error> + Send + Sync>;

/// Settings fixed at build time.
pub(crate) struct Config {
    /// Given by the builder, or `timer-{id}` made on first use: most unnamed timers never log,
    /// fail or get asked for their name, and a million of them should not each format and
    /// allocate one.
    name: OnceLock<Arc<str>>,
    /// The number of an unnamed timer.
    id: u64,
    pub(crate) initial_delay: Duration,
    pub(crate) on_error: OnError,
    /// The settings most timers leave alone, allocated only when one of them is set: a
    /// million timers should not each carry six empty options.
    extras: Option<Box<Extras>>,
}

/// The rarely set part of a [`Config`].
#[derive(Default)]
pub(crate) struct Extras {
    pub(crate) jitter: f64,
    pub(crate) timeout: Option<Duration>,
    pub(crate) seed: Option<u64>,
    pub(crate) on_failure: Option<FailureHook>,
    pub(crate) on_stop: Option<StopHook>,
    /// Checked by `start` before anything else (a job's required state, for instance).
    pub(crate) precheck: Option<Precheck>,
}

impl Extras {
    fn is_default(&self) -> bool {
        self.jitter == 0.0
            && self.timeout.is_none()
            && self.seed.is_none()
            && self.on_failure.is_none()
            && self.on_stop.is_none()
            && self.precheck.is_none()
    }
}

/// Numbers the unnamed timers, in the order they are built.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Config {
    /// A timer named `name`, or for an unnamed one the next number: its name `timer-{id}` is
    /// made when first needed.
    pub(crate) fn new(
        name: Option<Arc<str>>,
        initial_delay: Duration,
        on_error: OnError,
        extras: Extras,
    ) -> Self {
        let (name, id) = match name {
            Some(name) => (OnceLock::from(name), 0),
            None => (OnceLock::new(), NEXT_ID.fetch_add(1, Ordering::Relaxed)),
        };
        Config {
            name,
            id,
            initial_delay,
            on_error,
            extras: (!extras.is_default()).then(|| Box::new(extras)),
        }
    }

    /// The timer's name.
    pub(crate) fn name(&self) -> &Arc<str> {
        self.name
            .get_or_init(|| Arc::from(format!("timer-{}", self.id)))
    }

    pub(crate) fn jitter(&self) -> f64 {
        self.extras.as_ref().map_or(0.0, |e| e.jitter)
    }

    pub(crate) fn timeout(&self) -> Option<Duration> {
        self.extras.as_ref().and_then(|e| e.timeout)
    }

    pub(crate) fn seed(&self) -> Option<u64> {
        self.extras.as_ref().and_then(|e| e.seed)
    }

    pub(crate) fn on_failure(&self) -> Option<&FailureHook> {
        self.extras.as_ref().and_then(|e| e.on_failure.as_ref())
    }

    pub(crate) fn on_stop(&self) -> Option<&StopHook> {
        self.extras.as_ref().and_then(|e| e.on_stop.as_ref())
    }

    pub(crate) fn precheck(&self) -> Option<&Precheck> {
        self.extras.as_ref().and_then(|e| e.precheck.as_ref())
    }
}

/// The figures of [`Stats`](crate::Stats), kept compact (the error boxed): every tick writes
/// them, and a million timers each carry them. `repr(C)`, those every tick writes first.
#[repr(C)]
pub(crate) struct Tally {
    /// Completed ticks that produced a value (with `errors`, all completed ticks: see
    /// [`ticks`](Self::ticks)).
    pub(crate) hits: u64,
    /// In nanoseconds, [`NONE`](Self::NONE) before the first tick (and below for lateness).
    pub(crate) last_duration: u64,
    pub(crate) max_duration: u64,
    pub(crate) last_lateness: u64,
    /// In nanoseconds, saturating.
    pub(crate) total_duration: u64,
    pub(crate) errors: u64,
    pub(crate) skipped: u64,
    pub(crate) last_error: Option<Box<Error>>,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            hits: 0,
            last_duration: Self::NONE,
            max_duration: 0,
            last_lateness: Self::NONE,
            total_duration: 0,
            errors: 0,
            skipped: 0,
            last_error: None,
        }
    }
}

impl Tally {
    /// No figure yet.
    pub(crate) const NONE: u64 = u64::MAX;

    /// Completed ticks: those that produced a value and those that failed (not kept apart, one
    /// counter less for every tick to write).
    pub(crate) fn ticks(&self) -> u64 {
        self.hits.saturating_add(self.errors)
    }

    /// Records a completed tick, failed or not, its duration and lateness in nanoseconds
    /// (saturating below [`NONE`](Self::NONE)).
    pub(crate) fn record(&mut self, failed: bool, duration: u64, lateness: u64) {
        if failed {
            self.errors += 1;
        } else {
            self.hits += 1;
        }
        self.last_duration = duration.min(Self::NONE - 1);
        self.max_duration = self.max_duration.max(self.last_duration);
        self.last_lateness = lateness.min(Self::NONE - 1);
        self.total_duration = self.total_duration.saturating_add(duration);
    }

    pub(crate) fn to_stats(&self) -> crate::Stats {
        let figure = |ns: u64| (ns != Self::NONE).then(|| Duration::from_nanos(ns));
        crate::Stats {
            ticks: self.ticks(),
            hits: self.hits,
            errors: self.errors,
            skipped: self.skipped,
            last_duration: figure(self.last_duration),
            max_duration: Duration::from_nanos(self.max_duration),
            total_duration: Duration::from_nanos(self.total_duration),
            last_lateness: figure(self.last_lateness),
            last_error: self.last_error.as_deref().cloned(),
        }
    }
}

/// Someone waiting for the outcome of one tick.
pub(crate) enum Waiter<T> {
    Async(oneshot::Sender<Result<T, Error>>),
    Blocking(std::sync::mpsc::SyncSender<Result<T, Error>>),
}

impl<T> Waiter<T> {
    pub(crate) fn send(self, outcome: Result<T, Error>) {
        // A waiter that went away no longer cares.
        match self {
            Waiter::Async(tx) => drop(tx.send(outcome)),
            Waiter::Blocking(tx) => drop(tx.try_send(outcome)),
        }
    }
}

/// How a running timer was asked to stop.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StopRequest {
    /// Drop any in-flight tick (`cancel`, the last handle dropped).
    Now { dropped: bool },
    /// Let an in-flight tick finish until the deadline (`shutdown`).
    Graceful(Instant),
}

/// The part of a timer that changes while it runs. Behind one `std::sync::Mutex`, never held
/// across an `.await`.
///
/// `repr(C)`, with what every tick reads or writes first (see [`Core`]): at 10,000 timers a
/// tick's cost is mostly cache misses, so the fields a tick touches share as few cache lines
/// as possible.
#[repr(C)]
pub(crate) struct State<T> {
    // Touched by every tick (`driver::complete`).
    /// Callers waiting for ticks and subscriptions, allocated by the first of them.
    pub(crate) waiting: Option<Box<Waiting<T>>>,
    pub(crate) last_result: Option<T>,
    /// Whether the most recently completed tick failed.
    pub(crate) last_failed: bool,

    // Touched by control: start, stop, trigger, period changes (the flags next to
    // `last_failed`, where `repr(C)` leaves no padding between them).
    pub(crate) mode: Mode,
    pub(crate) period_changed: bool,
    pub(crate) running: bool,
    pub(crate) trigger: bool,
    pub(crate) single_shot: bool,

    // Touched by every tick.
    pub(crate) last_tick_at: Option<Instant>,
    pub(crate) stats: Tally,

    /// Incremented by every successful `start`.
    pub(crate) run_id: u64,
    /// `stats.ticks()` when the current run started: the run's tick numbers count from it (kept
    /// here rather than in the run's task, whose bytes a tick touches; see `driver::Run`).
    pub(crate) ticks_before_run: u64,
    pub(crate) period: Duration,
    pub(crate) stop: Option<StopRequest>,
    /// The task running the current run, once it has started.
    pub(crate) task_id: Option<tokio::task::Id>,
    pub(crate) last_stop: Option<Box<StopReason>>,
    /// The target, while no run owns it.
    pub(crate) target: Option<BoxTarget<T>>,
    /// What few timers have, allocated only for those (see [`Rare::new`]).
    pub(crate) rare: Option<Box<Rare>>,
    /// The current run's task, woken by [`Core::signal`]. Kept for the whole run (a task's
    /// wakers all wake the same task), so that the run does not register on every poll.
    pub(crate) run_waker: Option<Waker>,
}

/// The parts of a timer's state that few timers use: out of line in [`State`].
#[derive(Default)]
pub(crate) struct Rare {
    /// Why `start` must fail (a `Timer::new` with a zero period).
    config_error: Option<Error>,
    /// `cancel_on`: present until the first start takes it.
    cancel_on: Option<CancelFuture>,
    /// Present for a coordinated timer: its runs claim each slot before running it.
    coordination: Option<Arc<Coordination>>,
}

impl Rare {
    /// The box for a new timer's state, or `None` when it needs none of these.
    pub(crate) fn new(
        config_error: Option<Error>,
        cancel_on: Option<CancelFuture>,
        coordination: Option<Arc<Coordination>>,
    ) -> Option<Box<Rare>> {
        (config_error.is_some() || cancel_on.is_some() || coordination.is_some()).then(|| {
            Box::new(Rare {
                config_error,
                cancel_on,
                coordination,
            })
        })
    }
}

/// Who waits on a timer's ticks: out of line in [`State`], since most timers have nobody.
pub(crate) struct Waiting<T> {
    /// Served by the next tick to *start* (triggers).
    pub(crate) triggers: Vec<Waiter<T>>,
    /// Triggers whose tick has started: served when it completes.
    pub(crate) serving: Vec<Waiter<T>>,
    /// Served by the next tick to *complete* (`join`).
    pub(crate) joins: Vec<Waiter<T>>,
    /// Buffered feeds, of the current run or (made while stopped) of the next.
    pub(crate) subscribers: Vec<Arc<Feed<T>>>,
}

impl<T> State<T> {
    /// The number of the current run's tick in progress (or of its next tick), from 1: every
    /// tick a run starts either completes, counted in `stats.ticks()`, or ends the run.
    pub(crate) fn tick_in_run(&self) -> u64 {
        self.stats.ticks().saturating_sub(self.ticks_before_run) + 1
    }

    /// Why `start` must fail, if it must.
    pub(crate) fn config_error(&self) -> Option<&Error> {
        self.rare.as_ref()?.config_error.as_ref()
    }

    /// A valid period was set: `start` no longer fails for the old one.
    pub(crate) fn clear_config_error(&mut self) {
        if let Some(rare) = &mut self.rare {
            rare.config_error = None;
        }
    }

    /// Takes `cancel_on` for the first run.
    pub(crate) fn take_cancel_on(&mut self) -> Option<CancelFuture> {
        self.rare.as_mut()?.cancel_on.take()
    }

    /// The coordination of a coordinated timer.
    pub(crate) fn coordination(&self) -> Option<&Arc<Coordination>> {
        self.rare.as_ref()?.coordination.as_ref()
    }

    /// Replaces the coordination of a coordinated timer.
    pub(crate) fn set_coordination(&mut self, coordination: Arc<Coordination>) {
        self.rare.get_or_insert_with(Box::default).coordination = Some(coordination);
    }

    /// The waiters, allocated on first use.
    pub(crate) fn waiting(&mut self) -> &mut Waiting<T> {
        self.waiting.get_or_insert_with(|| {
            Box::new(Waiting {
                triggers: Vec::new(),
                serving: Vec::new(),
                joins: Vec::new(),
                subscribers: Vec::new(),
            })
        })
    }

    /// Takes the waiters of the next tick to start, without allocating when there are none.
    pub(crate) fn take_triggers(&mut self) -> Vec<Waiter<T>> {
        self.waiting
            .as_mut()
            .map(|w| mem::take(&mut w.triggers))
            .unwrap_or_default()
    }

    /// A tick starts: the triggers waiting for it are served when it completes.
    pub(crate) fn serve_triggers(&mut self) {
        if let Some(w) = self.waiting.as_deref_mut() {
            w.serving.append(&mut w.triggers);
        }
    }

    /// Takes the waiters of the tick that completes now (its triggers and the joins), without
    /// allocating when there are none.
    pub(crate) fn take_completion_waiters(&mut self) -> Vec<Waiter<T>> {
        self.waiting
            .as_deref_mut()
            .map(|w| {
                let mut waiters = mem::take(&mut w.serving);
                waiters.append(&mut w.joins);
                waiters
            })
            .unwrap_or_default()
    }

    /// Takes the subscriptions, without allocating when there are none.
    pub(crate) fn take_subscribers(&mut self) -> Vec<Arc<Feed<T>>> {
        self.waiting
            .as_mut()
            .map(|w| mem::take(&mut w.subscribers))
            .unwrap_or_default()
    }

    /// The outcome of the latest completed tick, if any.
    pub(crate) fn latest(&self) -> Option<Result<T, Error>>
    where
        T: Clone,
    {
        if self.last_failed {
            self.stats.last_error.as_deref().cloned().map(Err)
        } else {
            self.last_result.clone().map(Ok)
        }
    }
}

/// How waiters of a timer are woken.
struct Events {
    /// Async waiters: a tick completed, a run ended.
    changed: Notify,
    /// Blocking callers waiting for a run to end.
    ended: Condvar,
}

/// `repr(C)`: the fields a tick touches come first — the signal flag the run checks on every
/// poll, then the state's lock and the state's hot fields (see [`State`]) — and the
/// configuration and the waiters' machinery after them.
#[repr(C)]
pub(crate) struct Core<T> {
    /// Set (after the state changed under the lock) when the run must look at its control
    /// state: a stop, a trigger, a period change. Lets the run skip the lock on every tick.
    pending: AtomicBool,
    /// How many async waiters are in [`until`](Self::until): a tick notifies only when some are.
    listeners: AtomicU32,
    state: Mutex<State<T>>,
    /// Wakes waiters; made by the first of them, since most timers have none.
    events: OnceLock<Box<Events>>,
    /// How many [`Timer`](crate::Timer) handles exist: the last one dropped stops the run
    /// (whose task holds the `Core` too, but not a handle).
    handles: AtomicUsize,
    pub(crate) config: Config,
}

impl<T> Core<T> {
    pub(crate) fn new(config: Config, state: State<T>) -> Self {
        Core {
            config,
            state: Mutex::new(state),
            pending: AtomicBool::new(false),
            events: OnceLock::new(),
            listeners: AtomicU32::new(0),
            handles: AtomicUsize::new(1),
        }
    }

    /// A new handle to the timer (a `Timer` clone).
    pub(crate) fn add_handle(&self) {
        self.handles.fetch_add(1, Ordering::Relaxed);
    }

    /// A handle is dropped; the last one stops the run.
    pub(crate) fn drop_handle(&self) {
        if self.handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.request_stop(StopRequest::Now { dropped: true });
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State<T>> {
        // No code panics while holding the lock; recover the state if a user hook ever does.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn wait_ended<'a>(
        &self,
        guard: MutexGuard<'a, State<T>>,
        run_id: u64,
        timeout: Duration,
    ) -> Result<MutexGuard<'a, State<T>>, Error> {
        let (guard, res) = self
            .events()
            .ended
            .wait_timeout_while(guard, timeout, |s| s.running && s.run_id == run_id)
            .unwrap_or_else(PoisonError::into_inner);
        if res.timed_out() {
            Err(Error::Timeout(timeout))
        } else {
            Ok(guard)
        }
    }

    /// Waits until `check` returns `Some`, re-checking after every tick and every end of a run.
    pub(crate) async fn until<R>(&self, mut check: impl FnMut(&State<T>) -> Option<R>) -> R {
        // Counted before the first check: a tick that changes the state after that check sees
        // the count (its change and this check are ordered by the state lock) and notifies.
        // Made before counting: a tick that sees the count finds the events.
        let events = self.events();
        self.listeners.fetch_add(1, Ordering::SeqCst);
        let _listening = Listening(&self.listeners);
        let notified = events.changed.notified();
        tokio::pin!(notified);
        loop {
            notified.as_mut().enable();
            if let Some(r) = check(&self.lock()) {
                return r;
            }
            notified.as_mut().await;
            notified.set(events.changed.notified());
        }
    }

    /// Tells the run to look at its control state, which the caller has just changed under the
    /// lock it hands in, and wakes its task.
    pub(crate) fn signal(&self, state: MutexGuard<'_, State<T>>) {
        self.pending.store(true, Ordering::Release);
        if let Some(waker) = &state.run_waker {
            waker.wake_by_ref();
        }
    }

    /// Whether [`signal`](Self::signal) was called since the last `take_signal`.
    pub(crate) fn take_signal(&self) -> bool {
        self.pending.load(Ordering::Relaxed) && self.pending.swap(false, Ordering::Acquire)
    }

    /// Whether a signal is waiting, without taking it.
    pub(crate) fn signalled(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    /// Wakes the async waiters of [`until`](Self::until), if there are any. Call after
    /// releasing the lock under which the state changed.
    pub(crate) fn notify_events(&self) {
        if self.listeners.load(Ordering::SeqCst) > 0
            && let Some(events) = self.events.get()
        {
            events.changed.notify_waiters();
        }
    }

    /// Wakes the blocking callers waiting for the run to end (in
    /// [`wait_ended`](Self::wait_ended)). Call after releasing the lock under which the run
    /// was marked as stopped: a caller that waits made the events while holding that lock.
    pub(crate) fn notify_ended(&self) {
        if let Some(events) = self.events.get() {
            events.ended.notify_all();
        }
    }

    /// The waiters' machinery, made on first use.
    fn events(&self) -> &Events {
        self.events.get_or_init(|| {
            Box::new(Events {
                changed: Notify::new(),
                ended: Condvar::new(),
            })
        })
    }

    /// Forgets a closed or dropped subscription. If a tick is delivering at this moment, the
    /// feed is not in the list: the delivery skips it and drops it when it puts the list back.
    pub(crate) fn unsubscribe(&self, feed: &Arc<Feed<T>>) {
        if let Some(w) = self.lock().waiting.as_mut() {
            w.subscribers.retain(|f| !Arc::ptr_eq(f, feed));
        }
    }

    /// Whether the caller runs on the task of the current run (inside the target or a hook).
    pub(crate) fn on_own_task(&self, state: &State<T>) -> bool {
        state.task_id.is_some() && tokio::task::try_id() == state.task_id
    }

    /// Asks the current run to stop and wakes its task. Returns the run's id, or `None` when
    /// the timer is not running.
    pub(crate) fn request_stop(&self, request: StopRequest) -> Option<u64> {
        let mut s = self.lock();
        if !s.running {
            return None;
        }
        s.stop = Some(match (s.stop, request) {
            // An immediate stop wins over a graceful one, never the other way round.
            (Some(now @ StopRequest::Now { .. }), StopRequest::Graceful(_)) => now,
            (Some(StopRequest::Graceful(a)), StopRequest::Graceful(b)) => {
                StopRequest::Graceful(a.min(b))
            }
            (_, r) => r,
        });
        let id = s.run_id;
        self.signal(s);
        Some(id)
    }

    /// Stops the current run and waits until its task is gone (unless called from that very
    /// task, which cannot wait for itself).
    pub(crate) async fn stop_and_wait(&self, request: StopRequest) {
        let Some(id) = self.request_stop(request) else {
            return;
        };
        if self.on_own_task(&self.lock()) {
            return;
        }
        self.until(|s| (!s.running || s.run_id != id).then_some(()))
            .await;
    }
}

/// Uncounts a waiter of [`Core::until`] when it returns or is dropped.
struct Listening<'a>(&'a AtomicU32);

impl Drop for Listening<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unnamed_timers_are_numbered_in_build_order_and_named_on_first_use() {
        let config = |name: Option<&str>| {
            Config::new(
                name.map(Arc::from),
                Duration::ZERO,
                OnError::Continue,
                Extras::default(),
            )
        };
        let (a, named, b) = (config(None), config(Some("db")), config(None));
        assert!(a.name.get().is_none(), "made before it is needed");
        let number = |c: &Config| -> u64 { c.name()["timer-".len()..].parse().unwrap() };
        assert!(a.name().starts_with("timer-") && b.name().starts_with("timer-"));
        assert!(number(&b) > number(&a));
        assert_eq!(&**named.name(), "db");
    }
}
