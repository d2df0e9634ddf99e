//! The task that runs a timer: sleeps, calls the target, records the outcome.

use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tracing::Instrument;

use crate::core::{CancelFuture, Core, StopRequest, Waiter};
use crate::schedule::{Schedule, jitter_offset};
use crate::target::{BoxTarget, Failure, Outcome};
use crate::{Error, OnError, StopReason, clock};

/// Owns what one run needs and, when the run ends for any reason — including its task being
/// dropped by a runtime that shuts down — hands the target back and wakes everyone waiting.
pub(crate) struct Run<T: Clone + Send + Sync + 'static> {
    pub(crate) core: Arc<Core<T>>,
    pub(crate) run_id: u64,
    /// When `start` was called: the origin of the run's schedule.
    pub(crate) started_at: Instant,
    pub(crate) target: Option<BoxTarget<T>>,
    pub(crate) cancel_on: Option<CancelFuture>,
    pub(crate) reason: Option<StopReason>,
}

impl<T: Clone + Send + Sync + 'static> Run<T> {
    pub(crate) async fn run(mut self) {
        let mut target = self.target.take().expect("a run owns its target");
        let reason = drive(
            &self.core,
            self.run_id,
            self.started_at,
            &mut target,
            &mut self.cancel_on,
        )
        .await;
        self.target = Some(target);
        self.reason = Some(reason);
    }
}

impl<T: Clone + Send + Sync + 'static> Drop for Run<T> {
    fn drop(&mut self) {
        // Dropped without a reason: the runtime dropped the task (it shut down).
        let reason = self.reason.take().unwrap_or(StopReason::RuntimeShutdown);
        let name = &self.core.config.name;
        tracing::debug!(timer = %name, reason = ?reason, "timer stopped");
        if let Some(hook) = &self.core.config.on_stop {
            call_hook(name, "on_stop", || hook(&reason));
        }
        let mut s = self.core.lock();
        // A target dropped mid-tick (task dropped) is lost; the timer cannot restart then.
        s.target = self.target.take();
        s.running = false;
        s.stop = None;
        s.trigger = false;
        s.task_id = None;
        s.last_stop = Some(reason);
        let waiters = (mem::take(&mut s.triggers), mem::take(&mut s.joins));
        // This run's subscribers see their buffered items, then the end; those made while
        // the timer was stopped belong to the next run and stay.
        let run_id = self.run_id;
        let (ended, next): (Vec<_>, Vec<_>) = mem::take(&mut s.subscribers)
            .into_iter()
            .partition(|f| f.run_id == run_id);
        s.subscribers = next;
        drop(s);
        for feed in ended {
            feed.end();
        }
        // Dropping the senders tells their receivers that the timer stopped.
        drop(waiters);
        self.core.events.notify_waiters();
        self.core.ended.notify_all();
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
    if let Some(stop) = s.stop {
        Control::Stop(stop)
    } else if s.trigger {
        Control::Trigger
    } else if mem::take(&mut s.period_changed) {
        Control::Period(s.period)
    } else {
        Control::Nothing
    }
}

/// Completes when `cancel_on` does; never, without one.
async fn cancelled(cancel_on: &mut Option<CancelFuture>) {
    match cancel_on {
        Some(fut) => fut.await,
        None => std::future::pending().await,
    }
}

/// Sleeps until `at`; never, without a deadline.
async fn sleep_opt(at: Option<Instant>) {
    match at {
        Some(at) => clock::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn stop_reason(request: StopRequest) -> StopReason {
    match request {
        StopRequest::Now { dropped: true } => StopReason::Dropped,
        StopRequest::Now { dropped: false } => StopReason::Cancelled,
        StopRequest::Graceful(_) => StopReason::Shutdown,
    }
}

async fn drive<T: Clone + Send + Sync + 'static>(
    core: &Core<T>,
    run_id: u64,
    started_at: Instant,
    target: &mut BoxTarget<T>,
    cancel_on: &mut Option<CancelFuture>,
) -> StopReason {
    let cfg = &core.config;
    let mut rng = cfg
        .seed
        .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
    let (mut period, mode) = {
        let mut s = core.lock();
        s.task_id = Some(tokio::task::id());
        s.period_changed = false;
        (s.period, s.mode)
    };
    tracing::debug!(timer = %cfg.name, run = run_id, period = ?period, mode = %mode, "timer started");
    let mut schedule = Schedule::new(mode, started_at + cfg.initial_delay);
    // The first tick is not jittered: `initial_delay` places it exactly.
    let mut fire_at = schedule.due();
    let mut tick_no: u64 = 0;

    loop {
        // Wait for the due instant, a trigger, or a stop.
        let triggered = loop {
            match poll_control(core) {
                Control::Stop(request) => return stop_reason(request),
                Control::Trigger => break true,
                Control::Period(p) => {
                    period = p;
                    let now = Instant::now();
                    schedule.period_changed(period, now);
                    fire_at = schedule.fire_at(jitter_offset(&mut rng, cfg.jitter, period), now);
                    continue;
                }
                Control::Nothing => {}
            }
            tokio::select! {
                biased;
                () = core.control.notified() => {}
                () = cancelled(cancel_on) => return StopReason::CancelOn,
                () = clock::sleep_until(fire_at) => break false,
            }
        };

        let started = Instant::now();
        if triggered {
            schedule.fire_now(started);
        }
        let lateness = started.saturating_duration_since(if triggered { started } else { fire_at });
        tick_no += 1;
        let served = {
            let mut s = core.lock();
            s.trigger = false;
            mem::take(&mut s.triggers)
        };

        let span = tracing::info_span!("tick", timer = %cfg.name, tick = tick_no, triggered);
        let tick = span.in_scope(|| target.0.tick());
        let mut tick = pin!(tick.instrument(span));
        let timeout_at = cfg.timeout.map(|d| started + d);
        let mut grace: Option<Instant> = None;
        let outcome = loop {
            match core.lock().stop {
                Some(StopRequest::Graceful(deadline)) => grace = Some(deadline),
                Some(request) => return stop_reason(request),
                None => {}
            }
            tokio::select! {
                biased;
                () = core.control.notified() => {}
                () = cancelled(cancel_on) => return StopReason::CancelOn,
                out = &mut tick => break out,
                () = sleep_opt(timeout_at) => break Outcome::Failed(Failure::Timeout),
                () = sleep_opt(grace) => {
                    tracing::warn!(timer = %cfg.name, tick = tick_no, "in-flight tick dropped at the end of the shutdown grace period");
                    return StopReason::Shutdown;
                }
            }
        };
        let finished = Instant::now();
        let duration = finished - started;

        let stop_after = match outcome {
            Outcome::Value(value) => {
                complete(core, served, finished, duration, lateness, Ok(value));
                None
            }
            Outcome::Failed(failure) => {
                let err = to_error(&cfg.name, cfg.timeout, failure);
                tracing::error!(timer = %cfg.name, tick = tick_no, error = %err, "tick failed");
                complete(core, served, finished, duration, lateness, Err(err.clone()));
                if let Some(hook) = &cfg.on_failure {
                    call_hook(&cfg.name, "on_failure", || hook(&err));
                }
                (cfg.on_error == OnError::Stop).then_some(StopReason::Failed(err))
            }
            Outcome::End => {
                tracing::debug!(timer = %cfg.name, "target exhausted");
                Some(StopReason::Exhausted)
            }
        };
        if let Some(reason) = stop_after {
            return reason;
        }

        let skipped = schedule.finished(period, started, finished);
        if skipped > 0 {
            core.lock().stats.skipped += skipped;
            tracing::warn!(timer = %cfg.name, skipped, "tick overran its period: skipped {skipped} slot(s)");
        }
        let now = Instant::now();
        fire_at = schedule.fire_at(jitter_offset(&mut rng, cfg.jitter, period), now);
    }
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
    served: Vec<Waiter<T>>,
    finished: Instant,
    duration: Duration,
    lateness: Duration,
    outcome: Result<T, Error>,
) {
    let mut s = core.lock();
    let joins = mem::take(&mut s.joins);
    // Delivered outside the lock, so that 10,000 subscribers do not hold up readers.
    let feeds = mem::take(&mut s.subscribers);
    let run_id = s.run_id;
    let st = &mut s.stats;
    st.ticks += 1;
    st.last_duration = Some(duration);
    st.max_duration = st.max_duration.max(duration);
    st.last_lateness = Some(lateness);
    match &outcome {
        Ok(value) => {
            s.stats.hits += 1;
            s.last_result = Some(value.clone());
            s.last_tick_at = Some(finished);
            s.last_failed = false;
        }
        Err(err) => {
            s.stats.errors += 1;
            s.stats.last_error = Some(err.clone());
            s.last_failed = true;
        }
    }
    drop(s);
    for waiter in served.into_iter().chain(joins) {
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
        let added = mem::replace(&mut s.subscribers, feeds);
        s.subscribers.extend(added);
        s.subscribers.retain(|f| !f.is_closed());
    }
    core.events.notify_waiters();
}
