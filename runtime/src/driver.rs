//! The task that runs a timer: sleeps, calls the target, records the outcome.

use std::future::{Future, poll_fn};
use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use crate::coordinator::{self, Coordination};
use crate::core::{CancelFuture, Core, StopRequest};
use crate::schedule::{Schedule, jitter_offset, later};
use crate::target::{BoxTarget, Failure, Outcome, Tick};
use crate::{Error, OnError, RunOutcome, RunRecord, StopReason, Unreachable, clock};

/// Owns what one run needs and, when the run ends for any reason — including its task being
/// dropped by a runtime that shuts down — hands the target back and wakes everyone waiting.
pub(crate) struct Run<T: Clone + Send + Sync + 'static> {
    pub(crate) core: Arc<Core<T>>,
    /// Always present until [`end`](Self::end) hands it back to the state.
    pub(crate) target: Option<BoxTarget<T>>,
    pub(crate) cancel_on: Option<CancelFuture>,
}

impl<T: Clone + Send + Sync + 'static> Run<T> {
    /// Runs the timer until it stops.
    pub(crate) fn run(self) -> impl Future<Output = ()> + Send + 'static {
        // An async block that captures the run, rather than an `async fn` taking it: an
        // `async fn` would keep a second copy of its argument in its future.
        let mut run = self;
        async move {
            let reason = drive(&mut run).await;
            run.end(reason);
        }
    }

    fn end(&mut self, reason: StopReason) {
        // Taken first: a run without its target has ended (see `drop`).
        let target = self.target.take();
        let name = &self.core.config.name();
        tracing::debug!(timer = %name, reason = ?reason, "timer stopped");
        if let Some(hook) = self.core.config.on_stop() {
            call_hook(name, "on_stop", || hook(&reason));
        }
        let mut s = self.core.lock();
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
        self.core.notify_events();
        self.core.notify_ended();
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
    /// The tick in flight completed.
    Done(O),
}

/// Waits for a signal, `cancel_on`, the tick in flight (if any) or the sleep's deadline (if
/// `sleep` is given), whichever comes first, in that order of priority.
///
/// One hand-written poll instead of a `select!` of several futures: the run registers its
/// waker once per poll and keeps a single `Sleep` for every deadline of its life.
fn wait<'a, 'f: 'a, T, O>(
    core: &'a Core<T>,
    waker: &'a mut Waker,
    cancel_on: &'a mut Option<CancelFuture>,
    mut tick: Option<Pin<&'a mut (dyn Future<Output = O> + Send + 'f)>>,
    mut sleep: Option<Pin<&'a mut Sleep>>,
) -> impl Future<Output = Wake<O>> + 'a {
    poll_fn(move |cx| {
        core.register_run(waker, cx.waker());
        if core.signalled() {
            return Poll::Ready(Wake::Signal);
        }
        if let Some(fut) = cancel_on
            && fut.as_mut().poll(cx).is_ready()
        {
            return Poll::Ready(Wake::CancelOn);
        }
        if let Some(tick) = &mut tick
            && let Poll::Ready(out) = tick.as_mut().poll(cx)
        {
            return Poll::Ready(Wake::Done(out));
        }
        if let Some(sleep) = &mut sleep
            && sleep.as_mut().poll(cx).is_ready()
        {
            return Poll::Ready(Wake::Deadline);
        }
        Poll::Pending
    })
}

fn stop_reason(request: StopRequest) -> StopReason {
    match request {
        StopRequest::Now { dropped: true } => StopReason::Dropped,
        StopRequest::Now { dropped: false } => StopReason::Cancelled,
        StopRequest::Graceful(_) => StopReason::Shutdown,
    }
}

/// The life of a run: waits, ticks, records, until something stops it.
///
/// Written with the size of its future in mind (it is most of a timer's memory): one `Sleep`
/// for every deadline, one borrowed `Run` instead of several arguments, and the tick's span
/// kept in the tick's own allocation.
///
/// A function returning an `async` block rather than an `async fn`: an `async fn` keeps a copy of
/// its argument beside the argument itself.
#[allow(
    clippy::manual_async_fn,
    reason = "an async fn would store its argument twice in its future"
)]
fn drive<T: Clone + Send + Sync + 'static>(
    run: &mut Run<T>,
) -> impl Future<Output = StopReason> + Send + '_ {
    async move {
        // The run's parts are reached through `run` wherever they are used, rather than bound to
        // locals: a local reference used after an `.await` would be stored in the future.
        let mut rng = run
            .core
            .config
            .seed()
            .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
        let (mut period, coord, mut schedule) = {
            let (period, coord, schedule, run_id) = {
                let mut s = run.core.lock();
                s.task_id = Some(tokio::task::id());
                s.period_changed = false;
                let cfg = &run.core.config;
                let schedule =
                    Schedule::new(s.mode, later(s.started_at, cfg.initial_delay), cfg.jitter());
                (s.period, s.coordination().cloned(), schedule, s.run_id)
            };
            // Logged after the lock is released (a tracing layer may read the timer), in a
            // block of its own: the values it borrows are not kept in the run's future.
            tracing::debug!(timer = %run.core.config.name(), run = run_id, period = ?period, mode = %schedule.mode(), "timer started");
            (period, coord, schedule)
        };
        // The first tick is not jittered: `initial_delay` places it exactly. The one sleep of the
        // run: reset to each next deadline, never re-created.
        let mut sleep = Box::pin(clock::sleep_until(schedule.due()));
        // A coordinated run: the next slot to claim, the first one due after the initial delay.
        let mut slot: u64 = 0;
        // Whether the coordinator's `prepare` succeeded in this run.
        let mut prepared = false;
        if let Some(c) = &coord {
            let first = schedule.due().saturating_duration_since(Instant::now());
            slot = c.next_index(coordinator::wall_now() + first, period);
            sleep_to_slot(sleep.as_mut(), c, slot, period);
        }
        // The waker registered for signals; a no-op one until the first wait registers the task's.
        let mut waker = Waker::noop().clone();
        let mut tick_no: u64 = 0;
        // Whether the control state must be read before the next wait: a signal taken mid-tick.
        let mut recheck = false;

        loop {
            // Wait for the due instant, a trigger, or a stop.
            let triggered = loop {
                if mem::take(&mut recheck) | run.core.take_signal() {
                    match poll_control(&run.core) {
                        Control::Stop(request) => return stop_reason(request),
                        Control::Trigger => break true,
                        Control::Period(p) if let Some(c) = &coord => {
                            // The next slot on the new grid: not before the first slot the
                            // initial delay allows, and after the last slot this run has passed,
                            // so that no slot runs twice however the wall clock moved.
                            let now = coordinator::wall_now();
                            let first =
                                now + schedule.due().saturating_duration_since(Instant::now());
                            let passed = c
                                .due(slot, period)
                                .checked_sub(period)
                                .map(|d| d + Duration::from_nanos(1));
                            let from = first.max(passed.unwrap_or(first));
                            period = p;
                            slot = c.next_index(from, period);
                            sleep_to_slot(sleep.as_mut(), c, slot, period);
                            recheck = true;
                            continue;
                        }
                        Control::Period(p) => {
                            period = p;
                            let now = Instant::now();
                            schedule.period_changed(period, now);
                            let at = schedule
                                .fire_at(jitter_offset(&mut rng, schedule.jitter(), period), now);
                            clock::reset(sleep.as_mut(), at);
                            recheck = true;
                            continue;
                        }
                        Control::Nothing => {}
                    }
                }
                match wait::<T, ()>(
                    &run.core,
                    &mut waker,
                    &mut run.cancel_on,
                    None,
                    Some(sleep.as_mut()),
                )
                .await
                {
                    Wake::Signal => {}
                    Wake::CancelOn => return StopReason::CancelOn,
                    Wake::Deadline | Wake::Done(()) => {
                        // A coordinated timer wakes by tokio's clock but its slot is due by the
                        // wall clock: if that says "not yet" (it was set back), sleep on.
                        if let Some(c) = &coord
                            && coordinator::wall_now() < c.due(slot, period)
                        {
                            sleep_to_slot(sleep.as_mut(), c, slot, period);
                            continue;
                        }
                        break false;
                    }
                }
            };

            // A coordinated slot runs only on the replica whose claim succeeds.
            let mut claimed = false;
            if !triggered && let Some(c) = &coord {
                let current = c.current_index(coordinator::wall_now(), period);
                if current > slot {
                    let missed = current - slot;
                    run.core.lock().stats.skipped += missed;
                    tracing::warn!(timer = %run.core.config.name(), missed, "woke late: {missed} slot(s) passed unclaimed on this replica");
                    slot = current;
                }
                let coordinator = c
                    .coordinator
                    .clone()
                    .expect("start refuses a coordinated timer without a coordinator");
                let ask = c.slot(run.core.config.name(), slot, period);
                let first = !prepared;
                // Boxed: only coordinated runs pay for the claim's state.
                let mut claim = Box::pin(async move {
                    let limit = coordinator::call_timeout(ask.period);
                    // One bound for the whole step, prepare included.
                    let step = async {
                        if first {
                            // The store is prepared before the run's first claim, and again
                            // before each slot until that succeeds.
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
                });
                let verdict = loop {
                    if run.core.take_signal() {
                        recheck = true;
                        if let Some(request) = run.core.lock().stop {
                            return stop_reason(request);
                        }
                    }
                    match wait::<T, _>(
                        &run.core,
                        &mut waker,
                        &mut run.cancel_on,
                        Some(claim.as_mut()),
                        None,
                    )
                    .await
                    {
                        Wake::Signal | Wake::Deadline => {}
                        Wake::CancelOn => return StopReason::CancelOn,
                        Wake::Done(verdict) => break verdict,
                    }
                };
                let error = match verdict {
                    Ok(true) => {
                        prepared = true;
                        None
                    }
                    Ok(false) => {
                        prepared = true;
                        tracing::debug!(timer = %run.core.config.name(), slot, "slot claimed by another replica");
                        slot += 1;
                        sleep_to_slot(sleep.as_mut(), c, slot, period);
                        continue;
                    }
                    Err(error) => Some(error),
                };
                if let Some(error) = error {
                    if c.unreachable == Unreachable::Skip {
                        run.core.lock().stats.skipped += 1;
                        tracing::error!(timer = %run.core.config.name(), slot, %error, "slot skipped: the coordinator could not be reached");
                        slot += 1;
                        sleep_to_slot(sleep.as_mut(), c, slot, period);
                        continue;
                    }
                    tracing::warn!(timer = %run.core.config.name(), slot, %error, "the coordinator could not be reached: running the slot anyway");
                } else {
                    claimed = true;
                }
            }

            let started = Instant::now();
            // In nanoseconds: kept across the tick's `.await`s, where every byte counts.
            let lateness = if triggered {
                schedule.fire_now(started);
                0
            } else {
                nanos(started.saturating_duration_since(sleep.deadline()))
            };
            tick_no += 1;
            // Triggers wait in the state only while a signal is pending: skip the lock otherwise.
            if triggered || run.core.signalled() {
                let mut s = run.core.lock();
                s.trigger = false;
                s.serve_triggers();
            }

            // The tick's future, if it did not finish inside `tick` (a sync target does). Only this
            // is kept across the `.await`s below, not the whole `Tick`.
            let mut in_flight = None;
            let ready = {
                let span = tracing::info_span!("tick", timer = %run.core.config.name(), tick = tick_no, triggered);
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
                // An async target runs here, until it ends, times out, or the run must stop. A
                // graceful stop lets it finish until the stop's deadline.
                // Whether a graceful stop came; its deadline is read from the state when needed.
                let mut graceful = false;
                // Whether the sleep is set to the tick's deadline (its timeout or the grace end).
                let mut armed = false;
                loop {
                    if run.core.take_signal() {
                        // Taken here: the wait after the tick must read the control state.
                        recheck = true;
                        match run.core.lock().stop {
                            Some(StopRequest::Graceful(_)) => graceful = true,
                            Some(request) => return stop_reason(request),
                            None => {}
                        }
                    }
                    let grace = match graceful.then(|| run.core.lock().stop).flatten() {
                        Some(StopRequest::Graceful(deadline)) => Some(deadline),
                        _ => None,
                    };
                    let deadline = match (
                        run.core
                            .config
                            .timeout()
                            .and_then(|d| started.checked_add(d)),
                        grace,
                    ) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    if let Some(at) = deadline
                        && (!armed || sleep.deadline() != at)
                    {
                        clock::reset(sleep.as_mut(), at);
                        armed = true;
                    }
                    let deadline_sleep = armed.then_some(sleep.as_mut());
                    match wait(
                        &run.core,
                        &mut waker,
                        &mut run.cancel_on,
                        in_flight.as_mut().map(Pin::as_mut),
                        deadline_sleep,
                    )
                    .await
                    {
                        Wake::Signal => {}
                        Wake::CancelOn => return StopReason::CancelOn,
                        Wake::Done(outcome) => break outcome,
                        Wake::Deadline
                            if run
                                .core
                                .config
                                .timeout()
                                .and_then(|d| started.checked_add(d))
                                == Some(sleep.deadline()) =>
                        {
                            break Outcome::Failed(Failure::Timeout);
                        }
                        Wake::Deadline => {
                            tracing::warn!(timer = %run.core.config.name(), tick = tick_no, "in-flight tick dropped at the end of the shutdown grace period");
                            return StopReason::Shutdown;
                        }
                    }
                }
            };
            let finished = Instant::now();
            let duration = finished - started;

            if claimed && let Some(c) = &coord {
                record(c, run.core.config.name(), slot, period, duration, &outcome);
            }
            let stop_after = match outcome {
                Outcome::Value(value) => {
                    complete(&run.core, finished, duration, lateness, Ok(value));
                    None
                }
                Outcome::Failed(failure) => {
                    let err = to_error(run.core.config.name(), run.core.config.timeout(), failure);
                    tracing::error!(timer = %run.core.config.name(), tick = tick_no, error = %err, "tick failed");
                    complete(&run.core, finished, duration, lateness, Err(err.clone()));
                    if let Some(hook) = run.core.config.on_failure() {
                        call_hook(run.core.config.name(), "on_failure", || hook(&err));
                    }
                    (run.core.config.on_error == OnError::Stop).then_some(StopReason::Failed(err))
                }
                Outcome::End => {
                    tracing::debug!(timer = %run.core.config.name(), "target exhausted");
                    Some(StopReason::Exhausted)
                }
            };
            if let Some(reason) = stop_after {
                return reason;
            }
            if let Some(c) = &coord {
                // A slot, claimed or run anyway, is done (a trigger ran outside the slots), and as
                // in fixed-rate the slots that fell due while it ran are missed, not run late.
                let done = if triggered { slot } else { slot + 1 };
                let next = c.next_index(coordinator::wall_now(), period).max(done);
                let missed = next - done;
                if missed > 0 {
                    run.core.lock().stats.skipped += missed;
                    tracing::warn!(timer = %run.core.config.name(), missed, "{missed} slot(s) fell due while this replica claimed or ran the last one: missed here");
                }
                slot = next;
                sleep_to_slot(sleep.as_mut(), c, slot, period);
                continue;
            }
            let skipped = schedule.finished(period, started, finished);
            if skipped > 0 {
                run.core.lock().stats.skipped += skipped;
                tracing::warn!(timer = %run.core.config.name(), skipped, "tick overran its period: skipped {skipped} slot(s)");
            }
            let at = schedule.fire_at(jitter_offset(&mut rng, schedule.jitter(), period), finished);
            clock::reset(sleep.as_mut(), at);
        }
    }
}

/// Sleeps until slot `slot` of a coordinated run is due by the wall clock.
fn sleep_to_slot(sleep: Pin<&mut Sleep>, c: &Coordination, slot: u64, period: Duration) {
    clock::reset(sleep, coordinator::instant_of(c.due(slot, period)));
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
    let waiters = s.take_completion_waiters();
    // Delivered outside the lock, so that 10,000 subscribers do not hold up readers.
    let feeds = s.take_subscribers();
    let run_id = s.run_id;
    s.stats.record(nanos(duration), lateness);
    match &outcome {
        Ok(value) => {
            s.stats.hits += 1;
            s.last_result = Some(value.clone());
            s.last_tick_at = Some(finished);
            s.last_failed = false;
        }
        Err(err) => {
            s.stats.errors += 1;
            s.stats.last_error = Some(Box::new(err.clone()));
            s.last_failed = true;
        }
    }
    drop(s);
    for waiter in waiters {
        waiter.send(outcome.clone());
    }
    for feed in &feeds {
        if feed.run_id == run_id && !feed.is_closed() {
            feed.deliver(&outcome);
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

#[cfg(test)]
mod tests {
    use std::mem::size_of_val;
    use std::time::Duration;

    /// A timer's memory is mostly its run's task and its `Core`; at a million timers every
    /// byte counts (SPEC §9, the `scale` benchmark). These budgets catch an accidental
    /// regression, such as a large value kept across an `.await`. tokio allocates a task in
    /// 128-byte steps: a future of up to 280 bytes takes 384, one of 288 takes 512.
    ///
    /// With glibc's allocator the bytes a timer costs also depend on how `Core`'s allocation
    /// fits among the fragments that tokio's 128-byte-aligned task allocations leave behind:
    /// measured on 100,000 timers, an `Arc<Core>` of 328 or 360 bytes costs about 784 bytes
    /// with the task, one of 312, 344 or 376 bytes 911–975. Check the `scale` benchmark
    /// after changing `Core`'s size.
    #[test]
    fn a_run_stays_within_its_memory_budget() {
        let timer = crate::Timer::new(Duration::from_secs(1), || ());
        let core = timer.core().clone();
        assert!(
            size_of_val(&*core) <= 312,
            "Core<()> is {} bytes",
            size_of_val(&*core)
        );
        let target = core.lock().target.take();
        let run = super::Run {
            core,
            target,
            cancel_on: None,
        };
        let fut = run.run();
        assert!(
            size_of_val(&fut) <= 272,
            "a run's future is {} bytes",
            size_of_val(&fut)
        );
    }
}
