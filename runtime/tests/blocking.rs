//! Cross-thread control (SPEC §3 "Lifecycle"): `cancel_blocking`, `trigger_blocking` and
//! `set_period` called from plain `std::thread`s while the timer runs on a real (not paused)
//! runtime driven by other threads.
//!
//! No test depends on timing. Periods are either 3600 s (only the first tick and triggered
//! ticks ever happen while a test runs) or tiny where "it keeps ticking" is the point; every
//! wait is a channel receive or blocking call bounded by `LIMIT`, which is an upper bound that
//! only a broken library reaches. Targets that must stay in flight block on a channel or a
//! semaphore that the test releases, never on a sleep.

use std::future::IntoFuture;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

use periodic::{Error, StopReason, Timer};
use tokio::runtime::Builder;

mod common;
use common::{Background, multi_thread_runtime};

/// Upper bound for anything the test waits for; reached only on failure.
const LIMIT: Duration = Duration::from_secs(10);
/// A timeout that a blocking call is meant to exceed.
const SHORT: Duration = Duration::from_millis(50);
/// A period long enough that no scheduled tick after the first happens during a test.
const HOUR: Duration = Duration::from_secs(3600);

/// Asserts `result` is `Error::Blocking` for `name` and returns its reason.
fn blocking_reason<T: std::fmt::Debug>(result: Result<T, Error>, name: &str) -> &'static str {
    match result {
        Err(Error::Blocking { name: n, reason }) => {
            assert_eq!(&*n, name);
            assert!(!reason.is_empty());
            reason
        }
        other => panic!("expected Error::Blocking, got {other:?}"),
    }
}

fn counting_stop_hook(
    builder: periodic::TimerBuilder<u64>,
) -> (periodic::TimerBuilder<u64>, Arc<Mutex<Vec<String>>>) {
    let stops = Arc::new(Mutex::new(Vec::new()));
    let seen = stops.clone();
    let builder = builder.on_stop(move |reason| seen.lock().unwrap().push(format!("{reason:?}")));
    (builder, stops)
}

// ---------------------------------------------------------------------------------------------
// cancel_blocking
// ---------------------------------------------------------------------------------------------

/// `cancel_blocking` from a plain thread stops a timer that ticks every millisecond on a
/// runtime driven by another thread, and the target never runs again.
///
/// Why this proves "never runs again" without sleeping:
/// 1. `on_stop` runs when the run's task is torn down (the target is owned by that task and is
///    only ever called from it); it must already have run, exactly once, when
///    `cancel_blocking` returns. That is the deterministic part.
/// 2. Belt and braces: the call count read right after `cancel_blocking` returned must equal
///    the count after the runtime thread has exited — after that, nothing can call the target.
///    With a 1 ms period a timer that was still alive would almost surely tick in between; a
///    correct library can never make this fail.
#[test]
fn cancel_blocking_from_plain_thread_stops_the_timer_for_good() {
    let bg = Background::new();
    let calls = Arc::new(AtomicU64::new(0));
    let (tick_tx, tick_rx) = mpsc::channel();
    let counter = calls.clone();
    let (builder, stops) = counting_stop_hook(
        Timer::builder(Duration::from_millis(1), move || {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            let _ = tick_tx.send(n);
            n
        })
        .name("cancel-me"),
    );
    let timer = builder.build().unwrap();
    bg.start(&timer);

    // It really ticks repeatedly before we cancel.
    for expected in 1..=3 {
        assert_eq!(tick_rx.recv_timeout(LIMIT).unwrap(), expected);
    }
    assert!(timer.is_running());

    timer.cancel_blocking(LIMIT).expect("cancel_blocking");
    let at_return = calls.load(Ordering::SeqCst);
    assert!(!timer.is_running());
    assert_eq!(*stops.lock().unwrap(), ["Cancelled"]);
    assert!(matches!(timer.last_stop(), Some(StopReason::Cancelled)));

    bg.shut_down();
    assert_eq!(calls.load(Ordering::SeqCst), at_return);
    assert!(at_return >= 3);
    // The on_stop hook did not run a second time when the runtime went away.
    assert_eq!(*stops.lock().unwrap(), ["Cancelled"]);
}

/// The same on a multi-thread runtime, whose workers run the timer; after `cancel_blocking`
/// the timer can be started again and is controlled from the plain thread as before.
#[test]
fn cancel_blocking_on_a_multi_thread_runtime_then_restart() {
    let runtime = multi_thread_runtime();
    let calls = Arc::new(AtomicU64::new(0));
    let (tick_tx, tick_rx) = mpsc::channel();
    let counter = calls.clone();
    let (builder, stops) = counting_stop_hook(
        Timer::builder(HOUR, move || {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            let _ = tick_tx.send(n);
            n
        })
        .name("restartable"),
    );
    let timer = builder.build().unwrap();
    runtime.block_on(async { timer.start() }).unwrap();
    assert_eq!(tick_rx.recv_timeout(LIMIT).unwrap(), 1);
    // Recorded, not only called (see `Background::wait_hits`).
    let first = runtime.block_on(timer.wait().hit_count(1).into_future());
    assert_eq!(first.unwrap(), Some(1));

    timer.cancel_blocking(LIMIT).expect("cancel_blocking");
    assert!(!timer.is_running());
    assert_eq!(*stops.lock().unwrap(), ["Cancelled"]);

    // Restart: a fresh schedule, whose first tick fires at once.
    runtime.block_on(async { timer.start() }).unwrap();
    assert_eq!(tick_rx.recv_timeout(LIMIT).unwrap(), 2);
    assert_eq!(timer.trigger_blocking(LIMIT).unwrap(), 3);
    assert_eq!(timer.hit_count(), 3);
    timer
        .cancel_blocking(LIMIT)
        .expect("second cancel_blocking");
    assert_eq!(*stops.lock().unwrap(), ["Cancelled", "Cancelled"]);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

/// Several threads cancelling at once: every call returns `Ok` only once the task is gone, and
/// the run ends exactly once.
#[test]
fn concurrent_cancel_blocking_from_many_threads() {
    const THREADS: usize = 4;
    let bg = Background::new();
    let (tick_tx, tick_rx) = mpsc::channel();
    let (builder, stops) = counting_stop_hook(
        Timer::builder(Duration::from_millis(1), move || {
            let _ = tick_tx.send(());
            0
        })
        .name("many-cancellers"),
    );
    let timer = builder.build().unwrap();
    bg.start(&timer);
    tick_rx.recv_timeout(LIMIT).unwrap();

    let barrier = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let timer = timer.clone();
            let barrier = barrier.clone();
            let stops = stops.clone();
            thread::spawn(move || {
                barrier.wait();
                let result = timer.cancel_blocking(LIMIT);
                // Observed at the moment this caller returns.
                (result, timer.is_running(), stops.lock().unwrap().len())
            })
        })
        .collect();
    for handle in threads {
        let (result, running, stops_seen) = handle.join().unwrap();
        result.expect("cancel_blocking");
        assert!(!running);
        assert_eq!(stops_seen, 1);
    }
    assert_eq!(*stops.lock().unwrap(), ["Cancelled"]);
}

/// A sync target that does not return (it blocks on a channel the test holds) keeps the task
/// alive: `cancel_blocking` gives up after its timeout with `Error::Timeout`, and the stop it
/// requested still happens once the target returns.
#[test]
fn cancel_blocking_times_out_while_a_sync_tick_is_stuck() {
    let bg = Background::new();
    let (started_tx, started_rx) = mpsc::channel();
    // Declared after `bg`, so dropped before it even when the test panics: the target's
    // `recv` then fails and the runtime thread can exit.
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let (builder, stops) = counting_stop_hook(
        Timer::builder(HOUR, move || {
            let _ = started_tx.send(());
            let _ = release_rx.recv();
            1
        })
        .name("stuck-sync"),
    );
    let timer = builder.build().unwrap();
    bg.start(&timer);
    started_rx.recv_timeout(LIMIT).unwrap(); // the first call is now blocked

    match timer.cancel_blocking(SHORT) {
        Err(Error::Timeout(d)) => assert_eq!(d, SHORT),
        other => panic!("expected Error::Timeout, got {other:?}"),
    }
    assert!(
        timer.is_running(),
        "the task is still alive after a timed-out cancel"
    );
    assert!(stops.lock().unwrap().is_empty());

    release_tx.send(()).unwrap();
    timer
        .cancel_blocking(LIMIT)
        .expect("cancel_blocking after release");
    assert!(!timer.is_running());
    assert_eq!(*stops.lock().unwrap(), ["Cancelled"]);
    // The pending stop was honoured: there was no second call.
    assert!(started_rx.try_recv().is_err());
}

// ---------------------------------------------------------------------------------------------
// trigger_blocking
// ---------------------------------------------------------------------------------------------

/// `trigger_blocking` returns the value of a call that started after it was called: the first
/// tick returned 1, so a trigger must return 2 (never the stale 1).
#[test]
fn trigger_blocking_returns_a_fresh_value() {
    let bg = Background::new();
    let calls = Arc::new(AtomicU64::new(0));
    let (tick_tx, tick_rx) = mpsc::channel();
    let counter = calls.clone();
    let timer = Timer::builder(HOUR, move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = tick_tx.send(n);
        n
    })
    .name("fresh")
    .build()
    .unwrap();
    bg.start(&timer);
    assert_eq!(tick_rx.recv_timeout(LIMIT).unwrap(), 1);

    assert_eq!(timer.trigger_blocking(LIMIT).unwrap(), 2);
    assert_eq!(timer.last_result(), Some(2));
    assert_eq!(timer.hit_count(), 2);
    // From another plain thread as well.
    let other = timer.clone();
    let value = thread::spawn(move || other.trigger_blocking(LIMIT))
        .join()
        .unwrap()
        .unwrap();
    assert_eq!(value, 3);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    timer.cancel_blocking(LIMIT).unwrap();
}

/// A trigger that arrives while a tick is in flight is served by the call after it: the
/// in-flight call (1) started before the trigger, so the trigger's value is 2. Whichever way
/// the release and the trigger interleave, 2 is the only correct answer.
#[test]
fn trigger_blocking_during_an_in_flight_tick_returns_the_next_call() {
    let bg = Background::new();
    let calls = Arc::new(AtomicU64::new(0));
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let (started_tx, started_rx) = mpsc::channel();
    let (counter, tick_gate) = (calls.clone(), gate.clone());
    let timer = Timer::builder(HOUR, move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = started_tx.send(n);
        let gate = tick_gate.clone();
        async move {
            if n == 1 {
                let _permit = gate.acquire().await;
            }
            n
        }
    })
    .name("in-flight")
    .build()
    .unwrap();
    bg.start(&timer);
    assert_eq!(started_rx.recv_timeout(LIMIT).unwrap(), 1); // tick 1 is held in flight

    let (calling_tx, calling_rx) = mpsc::channel();
    let other = timer.clone();
    let trigger = thread::spawn(move || {
        calling_tx.send(()).unwrap();
        other.trigger_blocking(LIMIT)
    });
    calling_rx.recv_timeout(LIMIT).unwrap();
    gate.add_permits(1); // let tick 1 finish
    assert_eq!(trigger.join().unwrap().unwrap(), 2);
    assert_eq!(started_rx.recv_timeout(LIMIT).unwrap(), 2);
    assert_eq!(timer.hit_count(), 2);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    gate.close();
    timer.cancel_blocking(LIMIT).unwrap();
}

/// A triggered tick that takes longer than the caller is willing to wait: `Error::Timeout`,
/// and (as documented) the triggered tick still runs and is recorded.
#[test]
fn trigger_blocking_times_out_but_the_tick_still_runs() {
    let runtime = multi_thread_runtime();
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let calls = Arc::new(AtomicU64::new(0));
    let (done_tx, done_rx) = mpsc::channel();
    let (counter, tick_gate) = (calls.clone(), gate.clone());
    let timer = Timer::builder(HOUR, move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let (gate, done) = (tick_gate.clone(), done_tx.clone());
        async move {
            if n >= 2 {
                // Held until the test closes the semaphore.
                let _ = gate.acquire().await;
            }
            let _ = done.send(n);
            n
        }
    })
    .name("slow-trigger")
    .build()
    .unwrap();
    runtime.block_on(async { timer.start() }).unwrap();
    assert_eq!(done_rx.recv_timeout(LIMIT).unwrap(), 1);
    let first = runtime.block_on(timer.wait().hit_count(1).into_future());
    assert_eq!(first.unwrap(), Some(1));

    match timer.trigger_blocking(SHORT) {
        Err(Error::Timeout(d)) => assert_eq!(d, SHORT),
        other => panic!("expected Error::Timeout, got {other:?}"),
    }
    assert!(timer.is_running());
    assert_eq!(timer.hit_count(), 1);

    gate.close();
    assert_eq!(done_rx.recv_timeout(LIMIT).unwrap(), 2);
    let waited = runtime.block_on(timer.wait().hit_count(2).timeout(LIMIT).into_future());
    assert_eq!(waited.unwrap(), Some(2));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    timer.cancel_blocking(LIMIT).unwrap();
}

/// A triggered tick that fails is reported to the blocking caller as the tick's own error, and
/// (with the default `OnError::Continue`) the timer keeps running.
#[test]
fn trigger_blocking_returns_the_tick_error() {
    let bg = Background::new();
    let calls = Arc::new(AtomicU64::new(0));
    let (tick_tx, tick_rx) = mpsc::channel();
    let counter = calls.clone();
    let timer = Timer::builder(HOUR, move || -> Result<u64, std::io::Error> {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = tick_tx.send(n);
        if n == 2 {
            Err(std::io::Error::other(format!("call {n} failed")))
        } else {
            Ok(n)
        }
    })
    .name("failing-trigger")
    .build()
    .unwrap();
    bg.start(&timer);
    assert_eq!(tick_rx.recv_timeout(LIMIT).unwrap(), 1);

    match timer.trigger_blocking(LIMIT) {
        Err(Error::Target { name, source }) => {
            assert_eq!(&*name, "failing-trigger");
            assert_eq!(source.to_string(), "call 2 failed");
        }
        other => panic!("expected Error::Target, got {other:?}"),
    }
    assert!(timer.is_running());
    assert_eq!(timer.last_result(), Some(1));
    assert_eq!(timer.trigger_blocking(LIMIT).unwrap(), 3);
    timer.cancel_blocking(LIMIT).unwrap();
}

/// A thread blocked in `trigger_blocking` whose tick is dropped by a cancel gets
/// `Error::Stopped`, not a hang and not a timeout.
#[test]
fn trigger_blocking_sees_stopped_when_the_timer_is_cancelled_meanwhile() {
    let bg = Background::new();
    let (started_tx, started_rx) = mpsc::channel();
    let calls = Arc::new(AtomicU64::new(0));
    let counter = calls.clone();
    let timer = Timer::builder(HOUR, move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = started_tx.send(n);
        async move {
            if n >= 2 {
                std::future::pending::<()>().await;
            }
            n
        }
    })
    .name("stopped-meanwhile")
    .build()
    .unwrap();
    bg.start(&timer);
    assert_eq!(started_rx.recv_timeout(LIMIT).unwrap(), 1);

    let other = timer.clone();
    let trigger = thread::spawn(move || other.trigger_blocking(LIMIT));
    // Call 2 started: the trigger is registered and its tick is in flight (and never ends).
    assert_eq!(started_rx.recv_timeout(LIMIT).unwrap(), 2);
    timer.cancel_blocking(LIMIT).unwrap();
    match trigger.join().unwrap() {
        Err(Error::Stopped { name }) => assert_eq!(&*name, "stopped-meanwhile"),
        other => panic!("expected Error::Stopped, got {other:?}"),
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

// ---------------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------------

/// On the thread of a `#[tokio::test]` runtime both calls refuse at once (blocking there would
/// deadlock a current-thread runtime) and have no effect on the timer.
#[tokio::test]
async fn refused_on_a_tokio_test_thread() {
    let timer = Timer::builder(HOUR, || 5u64)
        .name("on-runtime")
        .build()
        .unwrap();
    timer.start().unwrap();
    assert_eq!(timer.wait().hit_count(1).await.unwrap(), Some(5));

    let cancel_reason = blocking_reason(timer.cancel_blocking(LIMIT), "on-runtime");
    let trigger_reason = blocking_reason(timer.trigger_blocking(LIMIT), "on-runtime");
    assert!(cancel_reason.contains("runtime"), "{cancel_reason}");
    assert_eq!(cancel_reason, trigger_reason);

    // Nothing happened: still running, no extra tick, and the async methods work.
    assert!(timer.is_running());
    assert_eq!(timer.hit_count(), 1);
    assert_eq!(timer.trigger().await.unwrap(), 5);
    assert_eq!(timer.hit_count(), 2);
    timer.cancel().await;
    assert!(!timer.is_running());
}

/// Inside `block_on` and on a worker thread of a multi-thread runtime: refused as well.
#[test]
fn refused_inside_block_on_and_on_a_worker_thread() {
    let runtime = multi_thread_runtime();
    let timer = Timer::builder(HOUR, || 1u64)
        .name("in-block-on")
        .build()
        .unwrap();
    runtime.block_on(async { timer.start() }).unwrap();

    let (cancel, trigger) =
        runtime.block_on(async { (timer.cancel_blocking(LIMIT), timer.trigger_blocking(LIMIT)) });
    assert!(blocking_reason(cancel, "in-block-on").contains("runtime"));
    assert!(blocking_reason(trigger, "in-block-on").contains("runtime"));

    let on_worker = timer.clone();
    let (cancel, trigger) = runtime
        .block_on(runtime.spawn(async move {
            (
                on_worker.cancel_blocking(LIMIT),
                on_worker.trigger_blocking(LIMIT),
            )
        }))
        .unwrap();
    assert!(blocking_reason(cancel, "in-block-on").contains("runtime"));
    assert!(blocking_reason(trigger, "in-block-on").contains("runtime"));

    assert!(timer.is_running());
    // Back on the plain thread, the same calls work.
    assert_eq!(timer.trigger_blocking(LIMIT).unwrap(), 1);
    timer.cancel_blocking(LIMIT).unwrap();
    assert!(!timer.is_running());
}

/// Before the first `start` there is no runtime to dispatch to: refused with a reason that
/// says so (and differs from the runtime-thread reason).
#[test]
fn refused_before_start() {
    let timer = Timer::builder(HOUR, || 1u64)
        .name("never-started")
        .build()
        .unwrap();
    let cancel_reason = blocking_reason(timer.cancel_blocking(LIMIT), "never-started");
    let trigger_reason = blocking_reason(timer.trigger_blocking(LIMIT), "never-started");
    assert!(
        cancel_reason.contains("not been started"),
        "{cancel_reason}"
    );
    assert_eq!(cancel_reason, trigger_reason);
    assert!(!cancel_reason.contains("runtime"), "{cancel_reason}");
    assert!(!timer.is_running());
    assert_eq!(timer.hit_count(), 0);
}

/// After the runtime that ran the timer was dropped (here: before the task was ever polled),
/// both calls refuse with a reason naming the shut-down runtime.
#[test]
fn refused_after_the_runtime_is_gone_before_any_tick() {
    let runtime = Builder::new_current_thread().enable_all().build().unwrap();
    let timer = Timer::builder(HOUR, || 1u64)
        .name("orphan")
        .build()
        .unwrap();
    {
        let _context = runtime.enter();
        timer.start().unwrap();
    }
    assert!(timer.is_running());
    drop(runtime);

    assert!(!timer.is_running());
    assert!(matches!(
        timer.last_stop(),
        Some(StopReason::RuntimeShutdown)
    ));
    let cancel_reason = blocking_reason(timer.cancel_blocking(LIMIT), "orphan");
    let trigger_reason = blocking_reason(timer.trigger_blocking(LIMIT), "orphan");
    assert!(cancel_reason.contains("shut down"), "{cancel_reason}");
    assert_eq!(cancel_reason, trigger_reason);
    assert_eq!(timer.hit_count(), 0);
}

/// The same after a multi-thread runtime that had already ticked the timer is dropped.
#[test]
fn refused_after_a_multi_thread_runtime_is_dropped() {
    let runtime = multi_thread_runtime();
    let (tick_tx, tick_rx) = mpsc::channel();
    let timer = Timer::builder(HOUR, move || {
        let _ = tick_tx.send(());
        9u64
    })
    .name("orphan-mt")
    .build()
    .unwrap();
    runtime.block_on(async { timer.start() }).unwrap();
    tick_rx.recv_timeout(LIMIT).unwrap();
    let first = runtime.block_on(timer.wait().hit_count(1).into_future());
    assert_eq!(first.unwrap(), Some(9));
    drop(runtime);

    assert!(!timer.is_running());
    assert!(matches!(
        timer.last_stop(),
        Some(StopReason::RuntimeShutdown)
    ));
    assert!(blocking_reason(timer.cancel_blocking(LIMIT), "orphan-mt").contains("shut down"));
    assert!(blocking_reason(timer.trigger_blocking(LIMIT), "orphan-mt").contains("shut down"));
    assert_eq!(timer.last_result(), Some(9));
}

/// A timer that was started and then cancelled is not a misuse: `cancel_blocking` is `Ok(())`
/// (idempotent), `trigger_blocking` is `Error::NotRunning`.
#[test]
fn started_then_cancelled_timer() {
    let bg = Background::new();
    let (tick_tx, tick_rx) = mpsc::channel();
    let timer = Timer::builder(HOUR, move || {
        let _ = tick_tx.send(());
        1u64
    })
    .name("cancelled")
    .build()
    .unwrap();
    bg.start(&timer);
    tick_rx.recv_timeout(LIMIT).unwrap();
    bg.wait_hits(&timer, 1);

    timer.cancel_blocking(LIMIT).unwrap();
    timer.cancel_blocking(LIMIT).unwrap();
    let other = timer.clone();
    thread::spawn(move || other.cancel_blocking(LIMIT))
        .join()
        .unwrap()
        .unwrap();
    match timer.trigger_blocking(LIMIT) {
        Err(Error::NotRunning { name }) => assert_eq!(&*name, "cancelled"),
        other => panic!("expected Error::NotRunning, got {other:?}"),
    }
    assert_eq!(timer.hit_count(), 1);
    // Cancelled while the runtime was alive, then the runtime went away: still a plain
    // cancelled timer, not a refusal.
    bg.shut_down();
    timer.cancel_blocking(LIMIT).unwrap();
    assert!(matches!(
        timer.trigger_blocking(LIMIT),
        Err(Error::NotRunning { .. })
    ));
}

/// tokio offers no public way to tell a `spawn_blocking` thread (where blocking is fine) from a
/// worker or `block_on` thread (where it could deadlock): both have a runtime context and a
/// task id. The blocking methods therefore refuse in any runtime context, as documented, and
/// the documented alternative works there: `Handle::current().block_on(timer.trigger())`.
#[test]
fn refused_inside_spawn_blocking_where_handle_block_on_works() {
    let runtime = multi_thread_runtime();
    let timer = Timer::builder(HOUR, || 4u64)
        .name("from-blocking-pool")
        .build()
        .unwrap();
    runtime.block_on(async { timer.start() }).unwrap();
    let other = timer.clone();
    let (refused, triggered) = runtime
        .block_on(async move {
            tokio::task::spawn_blocking(move || {
                let refused = other.trigger_blocking(LIMIT);
                let handle = tokio::runtime::Handle::current();
                let triggered = handle.block_on(other.trigger());
                handle.block_on(other.cancel());
                (refused, triggered)
            })
            .await
        })
        .unwrap();
    assert!(
        blocking_reason(refused, "from-blocking-pool").contains("runtime"),
        "refused with the runtime reason"
    );
    assert_eq!(triggered.unwrap(), 4);
    assert!(!timer.is_running());
}

// ---------------------------------------------------------------------------------------------
// set_period from another thread
// ---------------------------------------------------------------------------------------------

/// `set_period` from a plain thread takes effect at once: the timer sleeps for an hour after
/// its first tick; after the period becomes 10 ms, ticks 2 and 3 arrive (the receive bound is
/// only a failure bound — without the change the next tick would be an hour away).
#[test]
fn set_period_from_another_thread_takes_effect() {
    let bg = Background::new();
    let (tick_tx, tick_rx) = mpsc::channel();
    let calls = Arc::new(AtomicU64::new(0));
    let counter = calls.clone();
    let timer = Timer::builder(HOUR, move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = tick_tx.send(n);
        n
    })
    .name("retuned")
    .build()
    .unwrap();
    bg.start(&timer);
    assert_eq!(tick_rx.recv_timeout(LIMIT).unwrap(), 1);

    let other = timer.clone();
    thread::spawn(move || {
        // A zero period is rejected and changes nothing.
        assert!(matches!(
            other.set_period(Duration::ZERO),
            Err(Error::InvalidConfig(_))
        ));
        assert_eq!(other.period(), HOUR);
        other.set_period(Duration::from_millis(10))
    })
    .join()
    .unwrap()
    .unwrap();
    assert_eq!(timer.period(), Duration::from_millis(10));

    assert_eq!(tick_rx.recv_timeout(LIMIT).unwrap(), 2);
    assert_eq!(tick_rx.recv_timeout(LIMIT).unwrap(), 3);
    timer.cancel_blocking(LIMIT).unwrap();
    let at_return = calls.load(Ordering::SeqCst);
    bg.shut_down();
    assert_eq!(calls.load(Ordering::SeqCst), at_return);
}
