//! The task that runs a timer: sleeps, calls the target, records the outcome.

use std::future::{Future, poll_fn};
use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use crate::coordinator::{self, Coordination};
use crate::core::{CancelFuture, Core, State, StopRequest};
use crate::schedule::{Schedule, jitter_offset, later};
use crate::subscription::Feed;
use crate::target::{BoxTarget, Failure, Outcome, Tick};
use crate::{Error, OnError, RunOutcome, RunRecord, StopReason, Unreachable, clock};

/// Owns what one run needs and, when the run ends for any reason — including its task being
/// dropped by a runtime that shuts down — hands the target back and wakes everyone waiting.
///
/// The run's future is most of a timer's memory, and its first bytes are what a tick touches:
/// everything the run keeps between ticks is here, in one place, rather than in locals of the
/// `async` block scattered over the future (see the budget test at the end of this file).
pub(crate) struct Run<T: Clone + Send + Sync + 'static> {
    /// Always present until [`end`](Self::end) hands it back to the state. Apart from the rest:
    /// an async tick's future borrows it while the run waits on `state`.
    target: Option<BoxTarget<T>>,
    state: RunState<T>,
}

/// What a run keeps between its ticks.
struct RunState<T> {
    core: Arc<Core<T>>,
    /// The one sleep of the run, made by its first poll and reset to each next deadline, never
    /// re-created.
    sleep: Option<Pin<Box<Sleep>>>,
    schedule: Schedule,
    /// The run's copy of the period, in nanoseconds (a change comes as a signal).
    period: u64,
    /// What few runs use, boxed.
    cold: Option<Box<Cold>>,
}

/// The parts of a run that most timers do without.
struct Cold {
    cancel_on: Option<CancelFuture>,
    /// Draws the jitter offsets; only a jittered timer has one.
    rng: Option<fastrand::Rng>,
    coord: Option<Coord>,
}

/// A claim of a slot in flight: whether this replica won it, or why the store could not say.
type Claim = Pin<Box<dyn Future<Output = Result<bool, String>> + Send>>;

/// A coordinated run's progress through its slots.
struct Coord {
    c: Arc<Coordination>,
    /// The next slot to claim.
    slot: u64,
    /// Whether the coordinator's `prepare` succeeded in this run.
    prepared: bool,
    /// The claim in flight.
    claim: Option<Claim>,
}

impl<T: Clone + Send + Sync + 'static> Run<T> {
    /// A new run of the timer whose state `s` is, with `target`, started at `started` (the
    /// origin of its schedule); called by `start` under the state's lock.
    pub(crate) fn new(
        core: Arc<Core<T>>,
        target: BoxTarget<T>,
        s: &mut State<T>,
        started: Instant,
    ) -> Self {
        let cfg = &core.config;
        let schedule = Schedule::new(s.mode, later(started, cfg.initial_delay), cfg.jitter());
        let cancel_on = s.take_cancel_on();
        let coord = s.coordination().cloned();
        let jittered = schedule.jitter() != 0.0;
        let cold = (cancel_on.is_some() || coord.is_some() || jittered).then(|| {
            Box::new(Cold {
                cancel_on,
                rng: jittered.then(|| {
                    cfg.seed()
                        .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed)
                }),
                coord: coord.map(|c| Coord {
                    c,
                    slot: 0,
                    prepared: false,
                    claim: None,
                }),
            })
        });
        let period = nanos(s.period);
        Run {
            target: Some(target),
            state: RunState {
                core,
                sleep: None,
                schedule,
                period,
                cold,
            },
        }
    }

    /// Runs the timer until it stops.
    ///
    /// One `async` block for the whole run, owning the run: a helper future borrowing it would
    /// add its own bytes to every timer's task.
    pub(crate) fn run(self) -> impl Future<Output = ()> + Send + 'static {
        let mut run = self;
        async move {
            let reason = 'run: {
                // The first poll: the task's id (a target that stops its own timer is told
                // apart by it) and its waker, which `signal` wakes. A tokio task's waker is the
                // same at every poll, so it is registered once, before the first tick.
                let waker = poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
                {
                    let mut s = run.state.core.lock();
                    s.task_id = Some(tokio::task::id());
                    s.run_waker = Some(waker);
                }
                // The first tick is not jittered: `initial_delay` places it exactly.
                let st = &mut run.state;
                st.sleep = Some(Box::pin(clock::sleep_until(st.schedule.due())));
                // A coordinated run: the next slot to claim, the first one due after the initial
                // delay.
                let period = st.period();
                if let Some(co) = st.cold.as_mut().and_then(|c| c.coord.as_mut()) {
                    let first = st.schedule.due().saturating_duration_since(Instant::now());
                    co.slot = co.c.next_index(coordinator::wall_now() + first, period);
                    st.sleep_to_slot();
                }
                // Whether the control state must be read before the next wait: a signal taken
                // mid-tick.
                let mut recheck = false;

                loop {
                    // Wait for the due instant, a trigger, or a stop.
                    let triggered = loop {
                        if mem::take(&mut recheck) | run.state.core.take_signal() {
                            let st = &mut run.state;
                            match poll_control(&st.core) {
                                Control::Stop(request) => break 'run stop_reason(request),
                                Control::Trigger => break true,
                                Control::Period(p) if st.coord().is_some() => {
                                    // The next slot on the new grid: not before the first slot
                                    // the initial delay allows, and after the last slot this run
                                    // has passed, so that no slot runs twice however the wall
                                    // clock moved.
                                    let now = coordinator::wall_now();
                                    let first = now
                                        + st.schedule
                                            .due()
                                            .saturating_duration_since(Instant::now());
                                    let old = st.period();
                                    st.period = nanos(p);
                                    let co = st.coord_mut().expect("a coordinated run");
                                    let passed =
                                        co.c.due(co.slot, old)
                                            .checked_sub(old)
                                            .map(|d| d + Duration::from_nanos(1));
                                    let from = first.max(passed.unwrap_or(first));
                                    co.slot = co.c.next_index(from, p);
                                    st.sleep_to_slot();
                                    recheck = true;
                                    continue;
                                }
                                Control::Period(p) => {
                                    st.period = nanos(p);
                                    let now = Instant::now();
                                    // Before the first tick nothing moves: the first tick stays
                                    // where the initial delay put it, not jittered.
                                    if st.schedule.period_changed(p, now) {
                                        let offset = st.jitter_offset();
                                        let at = st.schedule.fire_at(offset, now);
                                        clock::reset(st.sleep(), at);
                                    }
                                    recheck = true;
                                    continue;
                                }
                                Control::Nothing => {}
                            }
                        }
                        match wait(&mut run.state, |st, cx| {
                            st.sleep().poll(cx).map(|()| Wake::Deadline)
                        })
                        .await
                        {
                            Wake::Signal => {}
                            Wake::CancelOn => break 'run StopReason::CancelOn,
                            Wake::Deadline | Wake::Done(()) => {
                                // A coordinated timer wakes by tokio's clock but its slot is due
                                // by the wall clock: if that says "not yet" (it was set back),
                                // sleep on.
                                let st = &mut run.state;
                                let period = st.period();
                                if let Some(co) = st.coord()
                                    && coordinator::wall_now() < co.c.due(co.slot, period)
                                {
                                    st.sleep_to_slot();
                                    continue;
                                }
                                break false;
                            }
                        }
                    };

                    // A coordinated slot runs only on the replica whose claim succeeds.
                    let mut claimed = false;
                    if !triggered && run.state.coord().is_some() {
                        {
                            // In a block: nothing here is kept in the run's future during the claim.
                            let st = &mut run.state;
                            let period = st.period();
                            let name = st.core.config.name().clone();
                            let co = st.coord_mut().expect("a coordinated run");
                            let current = co.c.current_index(coordinator::wall_now(), period);
                            if current > co.slot {
                                let missed = current - co.slot;
                                co.slot = current;
                                st.core.lock().stats.skipped += missed;
                                tracing::warn!(timer = %name, missed, "woke late: {missed} slot(s) passed unclaimed on this replica");
                            }
                            let co = st.coord_mut().expect("a coordinated run");
                            co.claim = Some(claim(co, &name, period));
                        }
                        let verdict = loop {
                            if run.state.core.take_signal() {
                                recheck = true;
                                if let Some(request) = run.state.core.lock().stop {
                                    break 'run stop_reason(request);
                                }
                            }
                            match wait(&mut run.state, |st, cx| {
                                let co = st.coord_mut().expect("a coordinated run");
                                let claim = co.claim.as_mut().expect("a claim in flight");
                                claim.as_mut().poll(cx).map(Wake::Done)
                            })
                            .await
                            {
                                Wake::Signal | Wake::Deadline => {}
                                Wake::CancelOn => break 'run StopReason::CancelOn,
                                Wake::Done(verdict) => break verdict,
                            }
                        };
                        let st = &mut run.state;
                        let name = st.core.config.name().clone();
                        let co = st.coord_mut().expect("a coordinated run");
                        co.claim = None;
                        let error = match verdict {
                            Ok(true) => {
                                co.prepared = true;
                                None
                            }
                            Ok(false) => {
                                co.prepared = true;
                                tracing::debug!(timer = %name, slot = co.slot, "slot claimed by another replica");
                                co.slot += 1;
                                st.sleep_to_slot();
                                continue;
                            }
                            Err(error) => Some(error),
                        };
                        if let Some(error) = error {
                            let slot = co.slot;
                            if co.c.unreachable == Unreachable::Skip {
                                co.slot += 1;
                                st.core.lock().stats.skipped += 1;
                                tracing::error!(timer = %name, slot, %error, "slot skipped: the coordinator could not be reached");
                                st.sleep_to_slot();
                                continue;
                            }
                            tracing::warn!(timer = %name, slot, %error, "the coordinator could not be reached: running the slot anyway");
                        } else {
                            claimed = true;
                        }
                    }

                    let started = Instant::now();
                    // In nanoseconds: kept across the tick's `.await`s, where every byte counts.
                    let lateness = if triggered {
                        run.state.schedule.fire_now(started);
                        0
                    } else {
                        nanos(started.saturating_duration_since(run.state.sleep().deadline()))
                    };
                    // Triggers wait in the state only while a signal is pending: skip the lock
                    // otherwise.
                    if triggered || run.state.core.signalled() {
                        let mut s = run.state.core.lock();
                        s.trigger = false;
                        s.serve_triggers();
                    }

                    // The tick's future, if it did not finish inside `tick` (a sync target does).
                    // Only this is kept across the `.await`s below, not the whole `Tick`, nor the
                    // span (in a block of its own).
                    let mut in_flight = None;
                    let ready = {
                        let span = tracing::info_span!("tick", timer = %run.state.core.config.name(), tick = tracing::field::Empty, triggered);
                        // The tick's number is in the state, read only for a span someone
                        // records (the lock released before the subscriber sees the value).
                        if !span.is_disabled() {
                            let tick = run.state.core.lock().tick_in_run();
                            span.record("tick", tick);
                        }
                        match run
                            .target
                            .as_mut()
                            .expect("a run owns its target")
                            .0
                            .tick(&span)
                        {
                            Tick::Ready(outcome) => outcome,
                            Tick::Pending(fut) => {
                                in_flight = Some(fut);
                                None
                            }
                        }
                    };
                    // `{ ready }` moves the outcome out before the `.await`s of the other branch.
                    let outcome = if let Some(outcome) = { ready } {
                        // A sync target finished inside `tick`.
                        outcome
                    } else {
                        // An async target runs here, until it ends, times out, or the run must
                        // stop. A graceful stop lets it finish until the stop's deadline.
                        // Whether a graceful stop came; its deadline is read from the state
                        // when needed.
                        let mut graceful = false;
                        // Whether the sleep is set to the tick's deadline (its timeout or the
                        // grace end).
                        let mut armed = false;
                        loop {
                            let st = &mut run.state;
                            if st.core.take_signal() {
                                // Taken here: the wait after the tick must read the control
                                // state.
                                recheck = true;
                                match st.core.lock().stop {
                                    Some(StopRequest::Graceful(_)) => graceful = true,
                                    Some(request) => break 'run stop_reason(request),
                                    None => {}
                                }
                            }
                            let grace = match graceful.then(|| st.core.lock().stop).flatten() {
                                Some(StopRequest::Graceful(deadline)) => Some(deadline),
                                _ => None,
                            };
                            let timeout = st.tick_deadline(started);
                            let deadline = match (timeout, grace) {
                                (Some(a), Some(b)) => Some(a.min(b)),
                                (a, b) => a.or(b),
                            };
                            if let Some(at) = deadline
                                && (!armed || st.sleep().deadline() != at)
                            {
                                clock::reset(st.sleep(), at);
                                armed = true;
                            }
                            let woke = if armed {
                                wait(st, |st, cx| match poll_tick(&mut in_flight, cx) {
                                    Poll::Ready(outcome) => Poll::Ready(Wake::Done(outcome)),
                                    Poll::Pending => st.sleep().poll(cx).map(|()| Wake::Deadline),
                                })
                                .await
                            } else {
                                wait(st, |_, cx| poll_tick(&mut in_flight, cx).map(Wake::Done))
                                    .await
                            };
                            match woke {
                                Wake::Signal => {}
                                Wake::CancelOn => break 'run StopReason::CancelOn,
                                Wake::Done(outcome) => break outcome,
                                Wake::Deadline
                                    if run.state.tick_deadline(started)
                                        == Some(run.state.sleep().deadline()) =>
                                {
                                    break Outcome::Failed(Failure::Timeout);
                                }
                                Wake::Deadline => {
                                    let tick = run.state.core.lock().tick_in_run();
                                    tracing::warn!(timer = %run.state.core.config.name(), tick, "in-flight tick dropped at the end of the shutdown grace period");
                                    break 'run StopReason::Shutdown;
                                }
                            }
                        }
                    };
                    let finished = Instant::now();
                    let duration = finished - started;
                    let st = &mut run.state;
                    let period = st.period();
                    let core = &*st.core;

                    if claimed && let Some(co) = st.coord() {
                        record(
                            &co.c,
                            core.config.name(),
                            co.slot,
                            period,
                            duration,
                            &outcome,
                        );
                    }
                    let stop_after = match outcome {
                        Outcome::Value(value) => {
                            complete(core, finished, duration, lateness, Ok(value));
                            None
                        }
                        Outcome::Failed(failure) => {
                            let err = to_error(core.config.name(), core.config.timeout(), failure);
                            let tick = core.lock().tick_in_run();
                            tracing::error!(timer = %core.config.name(), tick, error = %err, "tick failed");
                            complete(core, finished, duration, lateness, Err(err.clone()));
                            if let Some(hook) = core.config.on_failure() {
                                call_hook(core.config.name(), "on_failure", || hook(&err));
                            }
                            (core.config.on_error == OnError::Stop)
                                .then_some(StopReason::Failed(err))
                        }
                        Outcome::End => {
                            tracing::debug!(timer = %core.config.name(), "target exhausted");
                            Some(StopReason::Exhausted)
                        }
                    };
                    if let Some(reason) = stop_after {
                        break 'run reason;
                    }
                    if let Some(co) = st.cold.as_mut().and_then(|c| c.coord.as_mut()) {
                        // A slot, claimed or run anyway, is done (a trigger ran outside the
                        // slots), and as in fixed-rate the slots that fell due while it ran are
                        // missed, not run late.
                        let done = if triggered { co.slot } else { co.slot + 1 };
                        let next = co.c.next_index(coordinator::wall_now(), period).max(done);
                        let missed = next - done;
                        co.slot = next;
                        if missed > 0 {
                            st.core.lock().stats.skipped += missed;
                            tracing::warn!(timer = %st.core.config.name(), missed, "{missed} slot(s) fell due while this replica claimed or ran the last one: missed here");
                        }
                        st.sleep_to_slot();
                        continue;
                    }
                    let skipped = st.schedule.finished(period, started, finished);
                    // Slots of the old grid do not count when the period changed during the
                    // tick: the change, applied before the next wait, places the next tick
                    // from this one on the new grid.
                    if skipped > 0
                        && !((recheck || st.core.signalled()) && st.core.lock().period_changed)
                    {
                        st.core.lock().stats.skipped += skipped;
                        tracing::warn!(timer = %st.core.config.name(), skipped, "tick overran its period: skipped {skipped} slot(s)");
                    }
                    let offset = st.jitter_offset();
                    let at = st.schedule.fire_at(offset, finished);
                    clock::reset(st.sleep(), at);
                }
            };
            run.end(reason);
        }
    }

    fn end(&mut self, reason: StopReason) {
        // Taken first: a run without its target has ended (see `drop`).
        let target = self.target.take();
        // A claim in flight is dropped before anyone learns that the run ended.
        if let Some(co) = self.state.coord_mut() {
            co.claim = None;
        }
        let core = &self.state.core;
        // The name only when it is used: a timer without one formats its default name on
        // first use, which a million timers stopping should not pay for.
        tracing::debug!(timer = %core.config.name(), reason = ?reason, "timer stopped");
        if let Some(hook) = core.config.on_stop() {
            call_hook(core.config.name(), "on_stop", || hook(&reason));
        }
        let mut s = core.lock();
        s.target = target;
        s.running = false;
        s.stop = None;
        s.trigger = false;
        s.task_id = None;
        s.run_waker = None;
        s.last_stop = Some(Box::new(reason));
        let waiters = (s.take_triggers(), s.take_completion_waiters());
        // This run's subscribers see their buffered items, then the end; those made while
        // the timer was stopped belong to the next run and stay.
        // No other run starts before this one is marked as stopped (above): the state's run
        // id is this run's.
        let run_id = s.run_id;
        let (ended, next): (Vec<_>, Vec<_>) = s
            .take_subscribers()
            .into_iter()
            .partition(|f| f.run_id == run_id);
        if !next.is_empty() {
            s.waiting().subscribers = next;
        }
        drop(s);
        for feed in ended {
            feed.end();
        }
        // Dropping the senders tells their receivers that the timer stopped.
        drop(waiters);
        core.notify_events();
        core.notify_ended();
    }
}

impl<T: Clone + Send + Sync + 'static> Drop for Run<T> {
    fn drop(&mut self) {
        if self.target.is_some() {
            // Dropped before its end: the runtime dropped the task (it shut down).
            self.end(StopReason::RuntimeShutdown);
        }
    }
}

impl<T> RunState<T> {
    /// The run's sleep.
    fn sleep(&mut self) -> Pin<&mut Sleep> {
        self.sleep
            .as_mut()
            .expect("the run made its sleep in its first poll")
            .as_mut()
    }

    fn period(&self) -> Duration {
        Duration::from_nanos(self.period)
    }

    fn coord(&self) -> Option<&Coord> {
        self.cold.as_ref()?.coord.as_ref()
    }

    fn coord_mut(&mut self) -> Option<&mut Coord> {
        self.cold.as_mut()?.coord.as_mut()
    }

    /// The jitter offset for the next tick (none without jitter).
    fn jitter_offset(&mut self) -> f64 {
        let (jitter, period) = (self.schedule.jitter(), self.period());
        match self.cold.as_mut().and_then(|c| c.rng.as_mut()) {
            Some(rng) => jitter_offset(rng, jitter, period),
            None => 0.0,
        }
    }

    /// Sleeps until the coordinated run's next slot is due by the wall clock.
    fn sleep_to_slot(&mut self) {
        let period = self.period();
        if let Some(co) = self.coord() {
            let at = coordinator::instant_of(co.c.due(co.slot, period));
            clock::reset(self.sleep(), at);
        }
    }

    /// The instant a tick started at `started` times out, if the timer has a tick timeout.
    fn tick_deadline(&self, started: Instant) -> Option<Instant> {
        self.core
            .config
            .timeout()
            .and_then(|d| started.checked_add(d))
    }
}

/// The claim of a coordinated run's next slot, with the coordinator's `prepare` first until
/// that succeeded once. Boxed: only coordinated runs pay for the claim's state.
fn claim(co: &Coord, name: &Arc<str>, period: Duration) -> Claim {
    let coordinator =
        co.c.coordinator
            .clone()
            .expect("start refuses a coordinated timer without a coordinator");
    let ask = co.c.slot(name, co.slot, period);
    let first = !co.prepared;
    Box::pin(async move {
        let limit = coordinator::call_timeout(ask.period);
        // One bound for the whole step, prepare included.
        let step = async {
            if first {
                // The store is prepared before the run's first claim, and again before each
                // slot until that succeeds.
                coordinator
                    .prepare()
                    .await
                    .map_err(|err| format!("the store is not ready: {err}"))?;
            }
            coordinator.claim(&ask).await.map_err(|err| err.to_string())
        };
        match tokio::time::timeout(limit, step).await {
            Ok(verdict) => verdict,
            Err(_) => Err(format!("no answer within {limit:?}")),
        }
    })
}

/// Calls a user hook; its panic is logged, never propagated.
pub(crate) fn call_hook(name: &str, which: &str, f: impl FnOnce()) {
    if catch_unwind(AssertUnwindSafe(f)).is_err() {
        tracing::error!(timer = %name, hook = which, "hook panicked");
    }
}

/// What the control state asks of the run.
enum Control {
    Stop(StopRequest),
    Trigger,
    Period(Duration),
    Nothing,
}

fn poll_control<T>(core: &Core<T>) -> Control {
    let mut s = core.lock();
    // A period change is reported before a trigger that came with it, and the run polls again
    // after applying it, so neither hides the other.
    if let Some(stop) = s.stop {
        Control::Stop(stop)
    } else if mem::take(&mut s.period_changed) {
        Control::Period(s.period)
    } else if s.trigger {
        Control::Trigger
    } else {
        Control::Nothing
    }
}

/// What ended a wait of the run.
enum Wake<O> {
    /// The control state changed (see [`Core::signal`]).
    Signal,
    /// `cancel_on` completed.
    CancelOn,
    /// The sleep reached its deadline.
    Deadline,
    /// The work waited for (a tick in flight, a claim) completed.
    Done(O),
}

/// Waits for a signal, `cancel_on`, or what `work` polls (the sleep, a tick in flight, a
/// claim), whichever comes first, in that order of priority.
///
/// One hand-written poll instead of a `select!` of several futures, holding only a reference
/// to the run's state (and what `work` captures): it is part of the run's future while it waits.
fn wait<'a, T, O>(
    state: &'a mut RunState<T>,
    mut work: impl FnMut(&mut RunState<T>, &mut Context<'_>) -> Poll<Wake<O>> + 'a,
) -> impl Future<Output = Wake<O>> + 'a {
    poll_fn(move |cx| {
        // The waker registered by the run's first poll is the one to wake (see `Run::run`).
        #[cfg(debug_assertions)]
        {
            let s = state.core.lock();
            let registered = s.run_waker.as_ref();
            debug_assert!(
                registered.is_some_and(|w| w.will_wake(cx.waker())),
                "a run's task was polled with another waker than its first"
            );
        }
        if state.core.signalled() {
            return Poll::Ready(Wake::Signal);
        }
        if let Some(fut) = state.cold.as_mut().and_then(|c| c.cancel_on.as_mut())
            && fut.as_mut().poll(cx).is_ready()
        {
            return Poll::Ready(Wake::CancelOn);
        }
        work(state, cx)
    })
}

/// Polls the tick in flight (the run waits on it only while there is one).
fn poll_tick<F: Future + Unpin>(
    in_flight: &mut Option<F>,
    cx: &mut Context<'_>,
) -> Poll<F::Output> {
    match in_flight {
        Some(fut) => Pin::new(fut).poll(cx),
        None => Poll::Pending,
    }
}

fn stop_reason(request: StopRequest) -> StopReason {
    match request {
        StopRequest::Now { dropped: true } => StopReason::Dropped,
        StopRequest::Now { dropped: false } => StopReason::Cancelled,
        StopRequest::Graceful(_) => StopReason::Shutdown,
    }
}

/// Records the run of a claimed slot in the coordinator's store, on a task of its own so that a
/// slow store never delays the timer. A failure is logged: the slot has run either way.
fn record<T>(
    c: &Coordination,
    name: &Arc<str>,
    slot: u64,
    period: Duration,
    duration: Duration,
    outcome: &Outcome<T>,
) {
    let Some(coordinator) = c.coordinator.clone() else {
        return;
    };
    let outcome = match outcome {
        Outcome::Value(_) | Outcome::End => RunOutcome::Ok,
        Outcome::Failed(Failure::Error(err)) => RunOutcome::Failed(err.to_string()),
        Outcome::Failed(Failure::Panic(message)) => {
            RunOutcome::Failed(format!("panicked: {message}"))
        }
        Outcome::Failed(Failure::Timeout) => RunOutcome::Failed("tick timed out".to_owned()),
    };
    let finished = coordinator::wall_now();
    let run = RunRecord::new(
        finished.checked_sub(duration).unwrap_or(finished),
        finished,
        outcome,
    );
    let slot = c.slot(name, slot, period);
    let name = name.clone();
    tokio::spawn(async move {
        let limit = coordinator::call_timeout(slot.period);
        let error = match tokio::time::timeout(limit, coordinator.record(&slot, &run)).await {
            Ok(Ok(())) => return,
            Ok(Err(err)) => err.to_string(),
            Err(_) => format!("no answer within {limit:?}"),
        };
        tracing::warn!(timer = %name, slot = slot.index, %error, "could not record the run of a slot");
    });
}

/// A duration in whole nanoseconds, saturating (at 584 years).
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn to_error(name: &Arc<str>, timeout: Option<Duration>, failure: Failure) -> Error {
    match failure {
        Failure::Error(source) => Error::Target {
            name: name.clone(),
            source: Arc::from(source),
        },
        Failure::Panic(message) => Error::Panicked {
            name: name.clone(),
            message: message.into(),
        },
        Failure::Timeout => Error::TickTimeout {
            name: name.clone(),
            timeout: timeout.unwrap_or_default(),
        },
    }
}

/// Records a completed tick and delivers it to its waiters.
fn complete<T: Clone>(
    core: &Core<T>,
    finished: Instant,
    duration: Duration,
    lateness: u64,
    outcome: Result<T, Error>,
) {
    let mut s = core.lock();
    s.stats.record(outcome.is_err(), nanos(duration), lateness);
    if s.waiting.is_none() {
        // Nobody ever waited for a tick or subscribed (most timers): the outcome moves into
        // the state.
        keep(&mut s, finished, outcome);
        drop(s);
        core.notify_events();
        return;
    }
    let waiters = s.take_completion_waiters();
    // Delivered outside the lock, so that 10,000 subscribers do not hold up readers.
    let feeds = s.take_subscribers();
    // Read only when there are subscribers: it is not among the fields every tick touches.
    let run_id = if feeds.is_empty() { 0 } else { s.run_id };
    let live = |f: &Feed<T>| f.run_id == run_id && !f.is_closed();
    // The state keeps a copy when others receive the outcome, and the outcome itself when
    // nobody does (most timers): a tick clones its value once per recipient, never more.
    let mut share = Share {
        left: waiters.len() + feeds.iter().filter(|f| live(f)).count(),
        value: Some(outcome),
    };
    if let Some(kept) = share.copy() {
        keep(&mut s, finished, kept);
    }
    drop(s);
    for waiter in waiters {
        if let Some(outcome) = share.next() {
            waiter.send(outcome);
        }
    }
    for feed in &feeds {
        // A feed closed since it was counted gets nothing; the copy meant for it is dropped.
        if live(feed)
            && let Some(outcome) = share.next()
        {
            feed.deliver(outcome);
        }
    }
    if !feeds.is_empty() {
        // Put the list back, with any subscription made meanwhile, minus the closed ones.
        let mut s = core.lock();
        let subscribers = &mut s.waiting().subscribers;
        let added = mem::replace(subscribers, feeds);
        subscribers.extend(added);
        subscribers.retain(|f| !f.is_closed());
    }
    core.notify_events();
}

/// Keeps a completed tick's outcome in the state, for `last_result` and `stats`.
fn keep<T>(s: &mut State<T>, finished: Instant, outcome: Result<T, Error>) {
    match outcome {
        Ok(value) => {
            s.last_result = Some(value);
            s.last_tick_at = Some(finished);
            s.last_failed = false;
        }
        Err(err) => {
            s.stats.last_error = Some(Box::new(err));
            s.last_failed = true;
        }
    }
}

/// One value handed to `left` recipients: a clone for each but the last, which gets the value.
struct Share<T> {
    value: Option<T>,
    left: usize,
}

impl<T: Clone> Share<T> {
    /// The value for a keeper that is not among the recipients: a clone if any are left.
    fn copy(&mut self) -> Option<T> {
        if self.left == 0 {
            self.value.take()
        } else {
            self.value.clone()
        }
    }

    /// The value for the next recipient.
    fn next(&mut self) -> Option<T> {
        self.left = self.left.saturating_sub(1);
        self.copy()
    }
}

#[cfg(test)]
mod tests {
    use std::mem::size_of_val;
    use std::time::Duration;

    use tokio::time::Instant;

    /// A timer's memory is mostly its run's task and its `Core`; at a million timers every
    /// byte counts (SPEC §9, the `scale` benchmark). These budgets catch an accidental
    /// regression, such as a large value kept across an `.await`. tokio allocates a task in
    /// 128-byte steps: a future of up to 152 bytes takes 256 (the same as a raw
    /// `tokio::time::interval` loop), one of up to 280 takes 384.
    ///
    /// The bytes also decide how many cache lines a tick touches. The future starts 56 bytes
    /// into tokio's cell (after its header, scheduler, task id and stage tag); up to 144
    /// bytes, the state byte and the awaitee of the wait for the next tick (the last bytes a
    /// tick reads) stay within the cell's third 64-byte line. At 152 the awaitee moved to the
    /// fourth: cachegrind (`--cache-sim=yes --LL=2097152,16,64`, `tickprof periodic 10000
    /// 20`) counted 1.2 more last-level misses per tick, of about 12.
    ///
    /// With glibc's allocator the bytes a timer costs also depend on how `Core`'s allocation
    /// fits among the fragments that tokio's 128-byte-aligned task allocations leave behind.
    /// Replaying the main thread's allocations 100,000 times (an `Arc<Core>`, then 256 bytes
    /// aligned to 128), the heap grew by 656 bytes per timer for an `Arc<Core>` of 320, 328
    /// or 360 bytes, 732–783 for 288–312, 815 for 336; with the sleep each task allocates on
    /// a worker, the `scale` benchmark measures 780 bytes per timer for a `Core` of 304 bytes
    /// and 908 for one of 296. Check `scale` after changing `Core`'s size.
    #[test]
    fn a_run_stays_within_its_memory_budget() {
        let timer = crate::Timer::new(Duration::from_secs(1), || ());
        let core = timer.core().clone();
        assert!(
            size_of_val(&*core) <= 304,
            "Core<()> is {} bytes",
            size_of_val(&*core)
        );
        let target = core
            .lock()
            .target
            .take()
            .expect("a stopped timer holds its target");
        let run = super::Run::new(core.clone(), target, &mut core.lock(), Instant::now());
        let fut = run.run();
        assert!(
            size_of_val(&fut) <= 144,
            "a run's future is {} bytes",
            size_of_val(&fut)
        );
    }
}
