//! Lifecycle of a `Timer`: start, cancel, shutdown, restart, `cancel_on`, dropping the handles,
//! the `on_stop` hook, `is_running`, `Debug`, and the end of stream/iterator targets.
//!
//! Every timing test runs under paused time and asserts exact virtual instants.

use std::future::IntoFuture;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use periodic::{Error, Mode, StopReason, Timer};
use tokio::time::{Instant, advance, sleep};
use tokio_util::sync::CancellationToken;

mod common;
use common::{Calls, at, secs, within};

impl Calls {
    /// A sync target that records each call.
    fn target(&self) -> impl FnMut() -> u32 + Send + 'static {
        let calls = self.clone();
        move || calls.record()
    }
}

/// Collects the reasons passed to `on_stop`.
#[derive(Clone, Default)]
struct Stops(Arc<Mutex<Vec<StopReason>>>);

impl Stops {
    fn hook(&self) -> impl Fn(&StopReason) + Send + Sync + 'static {
        let stops = self.clone();
        move |r| stops.0.lock().unwrap().push(r.clone())
    }

    fn get(&self) -> Vec<StopReason> {
        self.0.lock().unwrap().clone()
    }
}

// ---------------------------------------------------------------------------------------------
// start

#[tokio::test(start_paused = true)]
async fn start_twice_is_already_running() {
    let calls = Calls::default();
    let timer = Timer::builder(secs(10), calls.target())
        .name("twice")
        .build()
        .unwrap();
    timer.start().unwrap();
    match timer.start() {
        Err(Error::AlreadyRunning { name }) => assert_eq!(&*name, "twice"),
        other => panic!("expected AlreadyRunning, got {other:?}"),
    }
    assert!(timer.is_running());
    // The refused start spawned nothing: one run, one first tick.
    sleep(secs(5)).await;
    assert_eq!(calls.count(), 1);
    timer.cancel().await;
}

#[test]
fn start_outside_runtime_is_no_runtime() {
    let calls = Calls::default();
    let timer = Timer::builder(secs(10), calls.target())
        .name("no_rt")
        .build()
        .unwrap();
    match timer.start() {
        Err(Error::NoRuntime { name }) => assert_eq!(&*name, "no_rt"),
        other => panic!("expected NoRuntime, got {other:?}"),
    }
    assert!(!timer.is_running());
    assert!(timer.last_stop().is_none());
    assert_eq!(calls.count(), 0);

    // The refused start lost nothing: the same timer starts inside a runtime.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        timer.start().unwrap();
        assert_eq!(within(timer.join()).await.unwrap(), 1);
        timer.cancel().await;
    });
}

// ---------------------------------------------------------------------------------------------
// cancel

// time:  0    10   20   25            1025       2025
// tick:  |1|  |2|  |3|  cancel() ... nothing ... nothing
#[tokio::test(start_paused = true)]
async fn cancel_is_deterministic() {
    let calls = Calls::default();
    let timer = Timer::new(secs(10), calls.target());
    let t0 = Instant::now();
    timer.start().unwrap();
    assert_eq!(within(timer.wait().hit_count(3)).await.unwrap(), Some(3));
    assert_eq!(Instant::now(), t0 + secs(20));
    sleep(secs(5)).await;

    timer.cancel().await;
    // cancel returns at once (nothing in flight) and the task is gone.
    assert_eq!(Instant::now(), t0 + secs(25));
    assert!(!timer.is_running());
    assert!(matches!(timer.last_stop(), Some(StopReason::Cancelled)));
    assert_eq!(calls.count(), 3);

    sleep(secs(1000)).await;
    assert_eq!(calls.count(), 3);
    advance(secs(1000)).await;
    tokio::task::yield_now().await;
    assert_eq!(calls.count(), 3);
    assert_eq!(calls.instants(), at(t0, &[0, 10, 20]));
    assert_eq!(timer.hit_count(), 3);
    // A second cancel is a no-op.
    timer.cancel().await;
    assert!(matches!(timer.last_stop(), Some(StopReason::Cancelled)));
}

// The first tick starts at 0 and would sleep until 5; cancel at 3 drops it.
//
// time:  0            3          5
// tick:  |--1 (asleep)X          (never finishes)
#[tokio::test(start_paused = true)]
async fn cancel_drops_in_flight_tick() {
    let started = Arc::new(AtomicU32::new(0));
    let finished = Arc::new(AtomicBool::new(false));
    let timer = Timer::new(secs(10), {
        let (started, finished) = (started.clone(), finished.clone());
        move || {
            let (started, finished) = (started.clone(), finished.clone());
            async move {
                started.fetch_add(1, Ordering::SeqCst);
                sleep(secs(5)).await;
                finished.store(true, Ordering::SeqCst);
                7u32
            }
        }
    });
    let t0 = Instant::now();
    timer.start().unwrap();
    sleep(secs(3)).await;
    assert_eq!(started.load(Ordering::SeqCst), 1);

    within(timer.cancel()).await;
    assert_eq!(Instant::now(), t0 + secs(3));
    assert!(!timer.is_running());

    sleep(secs(100)).await;
    assert!(!finished.load(Ordering::SeqCst));
    assert_eq!(started.load(Ordering::SeqCst), 1);
    assert_eq!(timer.hit_count(), 0);
    assert_eq!(timer.last_result(), None);
    assert_eq!(timer.last_tick_at(), None);
    assert_eq!(timer.stats().ticks, 0);
}

// Call 2 cancels its own timer and returns without awaiting again: its value is recorded and
// no call follows.
//
// time:  0    10                   110
// tick:  |1|  |2: cancel().await → 2|   (nothing)
#[tokio::test(start_paused = true)]
async fn cancel_from_inside_the_target_does_not_deadlock() {
    let slot: Arc<Mutex<Option<Timer<u32>>>> = Arc::default();
    let calls = Arc::new(AtomicU32::new(0));
    let timer = Timer::new(secs(10), {
        let (slot, calls) = (slot.clone(), calls.clone());
        move || {
            let (slot, calls) = (slot.clone(), calls.clone());
            async move {
                let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                if n == 2 {
                    let me = slot.lock().unwrap().clone().unwrap();
                    me.cancel().await;
                }
                n
            }
        }
    });
    *slot.lock().unwrap() = Some(timer.clone());
    let t0 = Instant::now();
    timer.start().unwrap();

    // An idle wait ends when the timer stops.
    assert_eq!(within(timer.wait()).await.unwrap(), Some(2));
    assert_eq!(Instant::now(), t0 + secs(10));
    assert!(!timer.is_running());
    assert!(matches!(timer.last_stop(), Some(StopReason::Cancelled)));
    assert_eq!(timer.hit_count(), 2);
    assert_eq!(timer.last_result(), Some(2));
    assert_eq!(timer.last_tick_at(), Some(t0 + secs(10)));

    sleep(secs(100)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // Break the handle cycle (target → timer).
    slot.lock().unwrap().take();
}

// Call 2 cancels itself and then awaits again: it is dropped at that `.await`.
//
// time:  0    10 (cancel, then sleep 1 → dropped)
// tick:  |1|  |2 X
#[tokio::test(start_paused = true)]
async fn cancel_from_inside_then_await_drops_the_call() {
    let slot: Arc<Mutex<Option<Timer<u32>>>> = Arc::default();
    let calls = Arc::new(AtomicU32::new(0));
    let after = Arc::new(AtomicBool::new(false));
    let timer = Timer::new(secs(10), {
        let (slot, calls, after) = (slot.clone(), calls.clone(), after.clone());
        move || {
            let (slot, calls, after) = (slot.clone(), calls.clone(), after.clone());
            async move {
                let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                if n == 2 {
                    let me = slot.lock().unwrap().clone().unwrap();
                    me.cancel().await;
                    sleep(secs(1)).await;
                    after.store(true, Ordering::SeqCst);
                }
                n
            }
        }
    });
    *slot.lock().unwrap() = Some(timer.clone());
    let t0 = Instant::now();
    timer.start().unwrap();

    assert_eq!(within(timer.wait()).await.unwrap(), Some(1));
    assert_eq!(Instant::now(), t0 + secs(10));
    sleep(secs(100)).await;
    assert!(!after.load(Ordering::SeqCst));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(timer.hit_count(), 1);
    assert_eq!(timer.last_result(), Some(1));
    slot.lock().unwrap().take();
}

// ---------------------------------------------------------------------------------------------
// shutdown

/// An async target whose call takes `took` and returns its 1-based number; `done` counts
/// calls that ran to the end.
fn slow(
    took: Duration,
    done: &Arc<AtomicU32>,
) -> impl FnMut() -> std::pin::Pin<Box<dyn Future<Output = u32> + Send>> + Send + 'static {
    let calls = Arc::new(AtomicU32::new(0));
    let done = done.clone();
    move || {
        let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
        let done = done.clone();
        Box::pin(async move {
            sleep(took).await;
            done.fetch_add(1, Ordering::SeqCst);
            n
        })
    }
}

// The tick in flight (0..3) finishes within the grace (1 + 5 = 6); shutdown returns at 3.
//
// time:  0   1          3        6
// tick:  |---1----------|
//            shutdown(5)^ returns
#[tokio::test(start_paused = true)]
async fn shutdown_lets_in_flight_tick_finish_within_grace() {
    let done = Arc::new(AtomicU32::new(0));
    let stops = Stops::default();
    let timer = Timer::builder(secs(10), slow(secs(3), &done))
        .on_stop(stops.hook())
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    sleep(secs(1)).await;

    within(timer.shutdown(secs(5))).await;
    assert_eq!(Instant::now(), t0 + secs(3));
    assert!(!timer.is_running());
    assert_eq!(timer.last_result(), Some(1));
    assert_eq!(timer.hit_count(), 1);
    assert_eq!(timer.last_tick_at(), Some(t0 + secs(3)));
    assert!(matches!(timer.last_stop(), Some(StopReason::Shutdown)));
    assert!(matches!(stops.get()[..], [StopReason::Shutdown]));

    // No new tick starts after the graceful stop.
    sleep(secs(100)).await;
    assert_eq!(done.load(Ordering::SeqCst), 1);
    assert_eq!(timer.stats().ticks, 1);
}

// The tick in flight would take until 30; the grace ends at 1 + 5 = 6 and drops it.
//
// time:  0   1         6                  30
// tick:  |---1---------X (dropped)        (would have finished)
//            shutdown(5) returns at 6
#[tokio::test(start_paused = true)]
async fn shutdown_drops_tick_that_outlasts_grace() {
    let done = Arc::new(AtomicU32::new(0));
    let timer = Timer::new(secs(10), slow(secs(30), &done));
    let t0 = Instant::now();
    timer.start().unwrap();
    sleep(secs(1)).await;

    let called = Instant::now();
    within(timer.shutdown(secs(5))).await;
    assert_eq!(Instant::now(), called + secs(5));
    assert_eq!(Instant::now(), t0 + secs(6));
    assert!(!timer.is_running());
    assert_eq!(timer.last_result(), None);
    assert_eq!(timer.hit_count(), 0);
    assert!(matches!(timer.last_stop(), Some(StopReason::Shutdown)));

    sleep(secs(100)).await;
    assert_eq!(done.load(Ordering::SeqCst), 0);
    assert_eq!(timer.stats().ticks, 0);
}

// A grace of `Duration::MAX` ("as long as it takes") does not overflow: the tick in flight
// finishes at 30 and shutdown returns then.
#[tokio::test(start_paused = true)]
async fn shutdown_with_an_unbounded_grace_lets_the_tick_finish() {
    let done = Arc::new(AtomicU32::new(0));
    let timer = Timer::new(secs(10), slow(secs(30), &done));
    let t0 = Instant::now();
    timer.start().unwrap();
    sleep(secs(1)).await;
    timer.shutdown(Duration::MAX).await;
    assert_eq!(Instant::now(), t0 + secs(30));
    assert_eq!(done.load(Ordering::SeqCst), 1);
    assert!(!timer.is_running());
}

// Between ticks there is nothing to wait for: shutdown returns at once.
//
// time:  0    10  13           1013
// tick:  |1|  |2|  shutdown    (nothing)
#[tokio::test(start_paused = true)]
async fn shutdown_between_ticks_returns_at_once() {
    let calls = Calls::default();
    let timer = Timer::new(secs(10), calls.target());
    let t0 = Instant::now();
    timer.start().unwrap();
    sleep(secs(13)).await;
    within(timer.shutdown(secs(60))).await;
    assert_eq!(Instant::now(), t0 + secs(13));
    assert!(!timer.is_running());
    sleep(secs(1000)).await;
    assert_eq!(calls.instants(), at(t0, &[0, 10]));
}

// An immediate stop wins over a graceful one: cancel during a shutdown's grace drops the tick
// at once, and both calls return then.
//
// time:  0   1             2         10
// tick:  |---1-------------X         (would have finished)
//            shutdown(30)  cancel → both return at 2
#[tokio::test(start_paused = true)]
async fn cancel_during_shutdown_grace_drops_the_tick_at_once() {
    let done = Arc::new(AtomicU32::new(0));
    let timer = Timer::new(secs(60), slow(secs(10), &done));
    let t0 = Instant::now();
    timer.start().unwrap();
    sleep(secs(1)).await;
    let graceful = {
        let timer = timer.clone();
        tokio::spawn(async move {
            timer.shutdown(secs(30)).await;
            Instant::now()
        })
    };
    sleep(secs(1)).await;
    within(timer.cancel()).await;
    assert_eq!(Instant::now(), t0 + secs(2));
    assert_eq!(within(graceful).await.unwrap(), t0 + secs(2));
    assert!(!timer.is_running());
    assert!(matches!(timer.last_stop(), Some(StopReason::Cancelled)));
    sleep(secs(100)).await;
    assert_eq!(done.load(Ordering::SeqCst), 0);
    assert_eq!(timer.last_result(), None);
}

// shutdown from inside the target returns at once; the current call may still finish within
// the grace, and is recorded; no call follows.
//
// time:  0    10 (shutdown(5), then sleep 1)  11           111
// tick:  |1|  |-----------2--------------------|  stop     (nothing)
#[tokio::test(start_paused = true)]
async fn shutdown_from_inside_the_target_lets_the_call_finish() {
    let slot: Arc<Mutex<Option<Timer<u32>>>> = Arc::default();
    let calls = Arc::new(AtomicU32::new(0));
    let timer = Timer::new(secs(10), {
        let (slot, calls) = (slot.clone(), calls.clone());
        move || {
            let (slot, calls) = (slot.clone(), calls.clone());
            async move {
                let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                if n == 2 {
                    let me = slot.lock().unwrap().clone().unwrap();
                    me.shutdown(secs(5)).await;
                    sleep(secs(1)).await;
                }
                n
            }
        }
    });
    *slot.lock().unwrap() = Some(timer.clone());
    let t0 = Instant::now();
    timer.start().unwrap();

    assert_eq!(within(timer.wait()).await.unwrap(), Some(2));
    assert_eq!(Instant::now(), t0 + secs(11));
    assert!(!timer.is_running());
    assert!(matches!(timer.last_stop(), Some(StopReason::Shutdown)));
    assert_eq!(timer.last_tick_at(), Some(t0 + secs(11)));
    sleep(secs(100)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    slot.lock().unwrap().take();
}

// ---------------------------------------------------------------------------------------------
// restart

// The second run begins a fresh schedule at the restart instant, not on the old grid
// (which would have been 20, 30, 40).
//
// time:   0    10   15       23    33
// run 1:  |1|  |2|  cancel
// run 2:                     |3|   |4|
#[tokio::test(start_paused = true)]
async fn restart_after_cancel_starts_fresh_schedule() {
    for mode in [Mode::FixedRate, Mode::FixedDelay] {
        let calls = Calls::default();
        let stops = Stops::default();
        let timer = Timer::builder(secs(10), calls.target())
            .mode(mode)
            .on_stop(stops.hook())
            .build()
            .unwrap();
        let t0 = Instant::now();
        timer.start().unwrap();
        within(timer.wait().hit_count(2)).await.unwrap();
        sleep(secs(5)).await;
        timer.cancel().await;
        sleep(secs(8)).await;

        timer.start().unwrap();
        // Counters and the last result carry over the restart.
        assert!(timer.is_running());
        assert_eq!(timer.hit_count(), 2, "{mode:?}");
        assert_eq!(timer.last_result(), Some(2), "{mode:?}");
        assert_eq!(timer.last_tick_at(), Some(t0 + secs(10)), "{mode:?}");

        assert_eq!(within(timer.wait().hit_count(4)).await.unwrap(), Some(4));
        assert_eq!(Instant::now(), t0 + secs(33), "{mode:?}");
        assert_eq!(calls.instants(), at(t0, &[0, 10, 23, 33]), "{mode:?}");
        assert_eq!(timer.last_tick_at(), Some(t0 + secs(33)));
        assert_eq!(timer.stats().ticks, 4);
        timer.cancel().await;
        assert_eq!(stops.get().len(), 2);
    }
}

// ---------------------------------------------------------------------------------------------
// cancel_on

// time:  0    10   20   25 (the future resolves)
// tick:  |1|  |2|  |3|  stop
#[tokio::test(start_paused = true)]
async fn cancel_on_future_stops_the_timer_and_forbids_restart() {
    let calls = Calls::default();
    let stops = Stops::default();
    let timer = Timer::builder(secs(10), calls.target())
        .name("single_shot")
        .cancel_on(sleep(secs(25)))
        .on_stop(stops.hook())
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();

    assert_eq!(within(timer.wait()).await.unwrap(), Some(3));
    assert_eq!(Instant::now(), t0 + secs(25));
    assert!(!timer.is_running());
    assert!(matches!(timer.last_stop(), Some(StopReason::CancelOn)));
    assert!(matches!(stops.get()[..], [StopReason::CancelOn]));
    match timer.start() {
        Err(Error::Restart { name }) => assert_eq!(&*name, "single_shot"),
        other => panic!("expected Restart, got {other:?}"),
    }
    sleep(secs(100)).await;
    assert_eq!(calls.instants(), at(t0, &[0, 10, 20]));
    assert_eq!(stops.get().len(), 1);
}

// time:  0    10   15 (token.cancel())
// tick:  |1|  |2|  stop
#[tokio::test(start_paused = true)]
async fn cancel_on_token_stops_the_timer_and_forbids_restart() {
    let calls = Calls::default();
    let token = CancellationToken::new();
    let timer = Timer::builder(secs(10), calls.target())
        .cancel_on(token.clone())
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    sleep(secs(15)).await;
    assert!(timer.is_running());
    token.cancel();

    assert_eq!(within(timer.wait()).await.unwrap(), Some(2));
    assert_eq!(Instant::now(), t0 + secs(15));
    assert!(!timer.is_running());
    assert!(matches!(timer.last_stop(), Some(StopReason::CancelOn)));
    assert!(matches!(timer.start(), Err(Error::Restart { .. })));
    assert!(!timer.is_running());
    sleep(secs(100)).await;
    assert_eq!(calls.instants(), at(t0, &[0, 10]));
}

// The signal drops an in-flight tick, like cancel.
//
// time:  0            4 (token)     5
// tick:  |--1 (asleep)X             (never finishes)
#[tokio::test(start_paused = true)]
async fn cancel_on_drops_in_flight_tick() {
    let done = Arc::new(AtomicU32::new(0));
    let token = CancellationToken::new();
    let timer = Timer::builder(secs(10), slow(secs(5), &done))
        .cancel_on(token.clone())
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    sleep(secs(4)).await;
    token.cancel();
    assert_eq!(within(timer.wait()).await.unwrap(), None);
    assert_eq!(Instant::now(), t0 + secs(4));
    assert!(matches!(timer.last_stop(), Some(StopReason::CancelOn)));
    sleep(secs(100)).await;
    assert_eq!(done.load(Ordering::SeqCst), 0);
    assert_eq!(timer.hit_count(), 0);
}

// A cancel_on timer is single-shot even when its run ended by `cancel`.
#[tokio::test(start_paused = true)]
async fn cancel_on_timer_stopped_by_cancel_cannot_restart() {
    let calls = Calls::default();
    let token = CancellationToken::new();
    let timer = Timer::builder(secs(10), calls.target())
        .cancel_on(token)
        .build()
        .unwrap();
    timer.start().unwrap();
    within(timer.wait().hit_count(1)).await.unwrap();
    timer.cancel().await;
    assert!(matches!(timer.last_stop(), Some(StopReason::Cancelled)));
    assert!(matches!(timer.start(), Err(Error::Restart { .. })));
    sleep(secs(100)).await;
    assert_eq!(calls.count(), 1);
}

// ---------------------------------------------------------------------------------------------
// dropping the handles

// Dropping a clone does not stop the timer; dropping the last handle does.
//
// time:  0    10   15          20   25               1025
// tick:  |1|  |2|  drop(a)     |3|  drop(b) → stop   (nothing)
#[tokio::test(start_paused = true)]
async fn dropping_every_handle_stops_the_timer() {
    let count = Arc::new(AtomicU32::new(0));
    let stops = Stops::default();
    let a = Timer::builder(secs(10), {
        let count = count.clone();
        move || count.fetch_add(1, Ordering::SeqCst) + 1
    })
    .on_stop(stops.hook())
    .build()
    .unwrap();
    let t0 = Instant::now();
    a.start().unwrap();
    let b = a.clone();
    sleep(secs(15)).await;
    drop(a);
    assert!(b.is_running());

    // An idle wait (it holds no handle) sees the end of the run.
    let idle = tokio::spawn(b.wait().into_future());
    sleep(secs(10)).await;
    assert_eq!(count.load(Ordering::SeqCst), 3);
    assert!(stops.get().is_empty());
    drop(b);

    assert_eq!(within(idle).await.unwrap().unwrap(), Some(3));
    assert_eq!(Instant::now(), t0 + secs(25));
    assert!(matches!(stops.get()[..], [StopReason::Dropped]));
    sleep(secs(1000)).await;
    advance(secs(1000)).await;
    tokio::task::yield_now().await;
    assert_eq!(count.load(Ordering::SeqCst), 3);
    assert_eq!(stops.get().len(), 1);
}

// Dropping the only handle mid-tick drops the tick at its `.await`.
//
// time:  0          2 (drop)     5
// tick:  |--1 (asleep)X          (never finishes)
#[tokio::test(start_paused = true)]
async fn dropping_the_handle_drops_in_flight_tick() {
    let done = Arc::new(AtomicU32::new(0));
    let stops = Stops::default();
    let timer = Timer::builder(secs(10), slow(secs(5), &done))
        .on_stop(stops.hook())
        .build()
        .unwrap();
    timer.start().unwrap();
    sleep(secs(2)).await;
    drop(timer);
    sleep(secs(100)).await;
    assert_eq!(done.load(Ordering::SeqCst), 0);
    assert!(matches!(stops.get()[..], [StopReason::Dropped]));
}

// ---------------------------------------------------------------------------------------------
// on_stop

#[tokio::test(start_paused = true)]
async fn on_stop_is_called_once_per_successful_start() {
    let calls = Calls::default();
    let stops = Stops::default();
    let timer = Timer::builder(secs(10), calls.target())
        .on_stop(stops.hook())
        .build()
        .unwrap();
    for run in 1..=3 {
        timer.start().unwrap();
        // A refused start is not a run: no extra on_stop.
        assert!(matches!(timer.start(), Err(Error::AlreadyRunning { .. })));
        sleep(secs(15)).await;
        assert_eq!(stops.get().len(), run - 1);
        timer.cancel().await;
        // The hook has run by the time cancel returns.
        assert_eq!(stops.get().len(), run);
        // cancel on a stopped timer is a no-op.
        timer.cancel().await;
        timer.shutdown(secs(1)).await;
        assert_eq!(stops.get().len(), run);
    }
    assert!(
        stops
            .get()
            .iter()
            .all(|r| matches!(r, StopReason::Cancelled))
    );
    sleep(secs(100)).await;
    assert_eq!(stops.get().len(), 3);
    // Two ticks (at 0 and 10) per 15 s run.
    assert_eq!(calls.count(), 6);
}

#[tokio::test(start_paused = true)]
async fn never_started_timer_cancel_is_a_noop() {
    let calls = Calls::default();
    let stops = Stops::default();
    let timer = Timer::builder(secs(10), calls.target())
        .on_stop(stops.hook())
        .build()
        .unwrap();
    let t0 = Instant::now();
    within(timer.cancel()).await;
    within(timer.shutdown(secs(5))).await;
    assert_eq!(Instant::now(), t0);
    assert!(!timer.is_running());
    assert!(timer.last_stop().is_none());
    sleep(secs(100)).await;
    assert!(stops.get().is_empty());
    assert_eq!(calls.count(), 0);
}

// ---------------------------------------------------------------------------------------------
// is_running, Debug

// time:  0    10   10+
// tick:  |1|  |2|  shutdown
#[tokio::test(start_paused = true)]
async fn is_running_transitions_and_debug() {
    let calls = Calls::default();
    let timer = Timer::builder(secs(10), calls.target())
        .name("dbg")
        .mode(Mode::FixedRate)
        .build()
        .unwrap();
    let before = format!("{timer:?}");
    for part in [
        "name: \"dbg\"",
        "period: 10s",
        "mode: FixedRate",
        "hit_count: 0",
        "running: false",
    ] {
        assert!(before.contains(part), "{before:?} lacks {part:?}");
    }
    assert!(!timer.is_running());
    assert_eq!(timer.name(), "dbg");
    assert_eq!(timer.period(), secs(10));
    assert_eq!(timer.mode(), Mode::FixedRate);

    timer.start().unwrap();
    assert!(timer.is_running());
    within(timer.wait().hit_count(2)).await.unwrap();
    assert!(timer.is_running());
    let during = format!("{timer:?}");
    for part in [
        "name: \"dbg\"",
        "period: 10s",
        "mode: FixedRate",
        "hit_count: 2",
        "running: true",
    ] {
        assert!(during.contains(part), "{during:?} lacks {part:?}");
    }

    timer.shutdown(secs(1)).await;
    assert!(!timer.is_running());
    let after = format!("{timer:?}");
    assert!(after.contains("running: false"), "{after:?}");
    assert!(after.contains("hit_count: 2"), "{after:?}");

    timer.start().unwrap();
    assert!(timer.is_running());
    timer.cancel().await;
    assert!(!timer.is_running());
}

// ---------------------------------------------------------------------------------------------
// the end of a stream or iterator target

// time:  0    10   20   30
// tick:  |1|  |2|  |3|  next() = None → the timer stops
#[tokio::test(start_paused = true)]
async fn iterator_end_ends_the_timer() {
    let stops = Stops::default();
    let timer = Timer::builder(secs(10), vec![1u32, 2, 3].into_iter())
        .on_stop(stops.hook())
        .build()
        .unwrap();
    let latest = timer.stream();
    let t0 = Instant::now();
    timer.start().unwrap();
    let values = tokio::spawn(latest.map(Result::unwrap).collect::<Vec<_>>());

    within(timer.wait().hit_count(3)).await.unwrap();
    assert_eq!(Instant::now(), t0 + secs(20));
    // A join pending when the iterator ends sees the end.
    let joined = {
        let timer = timer.clone();
        tokio::spawn(async move { timer.join().await })
    };

    assert_eq!(within(timer.wait()).await.unwrap(), Some(3));
    assert_eq!(Instant::now(), t0 + secs(30));
    assert!(!timer.is_running());
    assert!(matches!(timer.last_stop(), Some(StopReason::Exhausted)));
    assert!(matches!(stops.get()[..], [StopReason::Exhausted]));
    assert!(matches!(
        within(joined).await.unwrap(),
        Err(Error::Stopped { .. })
    ));
    assert_eq!(within(values).await.unwrap(), [1, 2, 3]);
    let stats = timer.stats();
    assert_eq!((stats.ticks, stats.hits, stats.errors), (3, 3, 0));
    assert!(matches!(timer.join().await, Err(Error::NotRunning { .. })));
}

// Each item of the stream takes 2 s.
//
// time:  0  2        12 14       24 26       36 38
// tick:  |-1-|       |-2-|       |-3-|       |--end → stop
#[tokio::test(start_paused = true)]
async fn stream_end_ends_the_timer() {
    let items = futures_util::stream::unfold(0u32, |n| async move {
        sleep(secs(2)).await;
        (n < 3).then_some((n + 1, n + 1))
    });
    let timer = Timer::new(secs(10), items);
    let t0 = Instant::now();
    timer.start().unwrap();
    within(timer.wait().hit_count(3)).await.unwrap();
    assert_eq!(Instant::now(), t0 + secs(26));
    assert_eq!(timer.last_tick_at(), Some(t0 + secs(26)));

    // A stream of outcomes taken now ends with the run.
    let rest: Vec<_> = within(timer.stream().collect::<Vec<_>>()).await;
    assert!(rest.is_empty(), "{rest:?}");
    assert_eq!(Instant::now(), t0 + secs(38));
    assert!(!timer.is_running());
    assert!(matches!(timer.last_stop(), Some(StopReason::Exhausted)));
    assert_eq!(timer.hit_count(), 3);
    assert_eq!(timer.last_result(), Some(3));
    assert_eq!(timer.stats().ticks, 3);
}
