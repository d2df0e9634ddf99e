//! Failures: target errors under `OnError::Continue` and `OnError::Stop`, the `on_failure`
//! hook, panics, tick timeouts, panicking hooks, and invalid configuration.
//!
//! Every timing test runs under paused time and asserts exact virtual instants.

use std::future::IntoFuture;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use periodic::{Error, Mode, OnError, StopReason, Timer};
use tokio::time::{Instant, sleep};

mod common;
use common::{Calls, at, secs, within};

impl Calls {
    /// A sync target returning the call number, or an `io::Error` "boom N" on the calls in
    /// `fail`.
    fn failing_on(&self, fail: &'static [u32]) -> impl FnMut() -> io::Result<u32> + Send + 'static {
        let calls = self.clone();
        move || {
            let n = calls.record();
            if fail.contains(&n) {
                Err(io::Error::other(format!("boom {n}")))
            } else {
                Ok(n)
            }
        }
    }
}

/// Collects what a hook receives.
#[derive(Clone)]
struct Log<T>(Arc<Mutex<Vec<T>>>);

impl<T> Default for Log<T> {
    fn default() -> Self {
        Log(Arc::default())
    }
}

impl<T: Clone> Log<T> {
    fn push(&self, t: T) {
        self.0.lock().unwrap().push(t);
    }

    fn get(&self) -> Vec<T> {
        self.0.lock().unwrap().clone()
    }
}

/// The message of the user's `io::Error` inside an `Error::Target`.
fn io_message(err: &Error) -> String {
    match err {
        Error::Target { source, .. } => source
            .downcast_ref::<io::Error>()
            .unwrap_or_else(|| panic!("source is not the io::Error: {source:?}"))
            .to_string(),
        other => panic!("expected Error::Target, got {other:?}"),
    }
}

/// The message of an `Error::Panicked`.
fn panic_message(err: &Error) -> String {
    match err {
        Error::Panicked { message, .. } => message.to_string(),
        other => panic!("expected Error::Panicked, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// OnError::Continue

// time:  0    10             20
// tick:  |1|  |2 Err "boom 2"|  |3|   (the schedule goes on)
#[tokio::test(start_paused = true)]
async fn continue_delivers_the_error_and_keeps_the_schedule() {
    let calls = Calls::default();
    let timer = Timer::builder(secs(10), calls.failing_on(&[2]))
        .name("flaky")
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    assert_eq!(within(timer.join()).await.unwrap(), 1);

    let err = within(timer.join()).await.unwrap_err();
    assert_eq!(Instant::now(), t0 + secs(10));
    match &err {
        Error::Target { name, .. } => assert_eq!(&**name, "flaky"),
        other => panic!("expected Error::Target, got {other:?}"),
    }
    assert_eq!(io_message(&err), "boom 2");
    let shown = err.to_string();
    assert!(
        shown.contains("flaky") && shown.contains("boom 2"),
        "{shown}"
    );
    assert!(timer.is_running());

    assert_eq!(within(timer.join()).await.unwrap(), 3);
    assert_eq!(Instant::now(), t0 + secs(20));
    assert_eq!(calls.instants(), at(t0, &[0, 10, 20]));
    let s = timer.stats();
    assert_eq!((s.ticks, s.hits, s.errors), (3, 2, 1));
    assert_eq!(io_message(s.last_error.as_ref().unwrap()), "boom 2");
    assert!(timer.last_stop().is_none());
    timer.cancel().await;
}

// `std::error::Error::source` of an `Error::Target` is the user's error, so that generic error
// reporters (anyhow chains, `downcast_ref` on the source) find it.
#[tokio::test(start_paused = true)]

async fn target_error_source_downcasts_to_the_users_error() {
    let calls = Calls::default();
    let timer = Timer::new(secs(10), calls.failing_on(&[1]));
    timer.start().unwrap();
    let err = within(timer.join()).await.unwrap_err();
    let source = std::error::Error::source(&err).expect("Error::Target has a source");
    let user = source
        .downcast_ref::<io::Error>()
        .unwrap_or_else(|| panic!("source() is not the io::Error: {source:?}"));
    assert_eq!(user.to_string(), "boom 1");
    timer.cancel().await;
}

// ---------------------------------------------------------------------------------------------
// OnError::Stop

// time:  0    10
// tick:  |1|  |2 Err| → delivered to the pending join, wait and stream; the timer stops
#[tokio::test(start_paused = true)]
async fn stop_delivers_the_error_and_stops_the_timer() {
    let calls = Calls::default();
    let stops = Log::<StopReason>::default();
    let timer = Timer::builder(secs(10), calls.failing_on(&[2]))
        .on_error(OnError::Stop)
        .on_stop({
            let stops = stops.clone();
            move |r| stops.push(r.clone())
        })
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    within(timer.wait().hit_count(1)).await.unwrap();

    let waiting = tokio::spawn(timer.wait().hits(5).into_future());
    let streamed = tokio::spawn(timer.stream().collect::<Vec<_>>());
    let err = within(timer.join()).await.unwrap_err();
    assert_eq!(io_message(&err), "boom 2");
    assert_eq!(Instant::now(), t0 + secs(10));
    assert_eq!(
        io_message(&within(waiting).await.unwrap().unwrap_err()),
        "boom 2"
    );
    let items = within(streamed).await.unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(io_message(items[0].as_ref().unwrap_err()), "boom 2");

    assert!(!timer.is_running());
    match timer.last_stop() {
        Some(StopReason::Failed(e)) => assert_eq!(io_message(&e), "boom 2"),
        other => panic!("expected Failed, got {other:?}"),
    }
    assert_eq!(
        io_message(timer.stats().last_error.as_ref().unwrap()),
        "boom 2"
    );
    assert!(matches!(stops.get()[..], [StopReason::Failed(_)]));
    assert_eq!(timer.hit_count(), 1);
    assert_eq!(timer.last_result(), Some(1));
    assert!(matches!(timer.join().await, Err(Error::NotRunning { .. })));

    sleep(secs(100)).await;
    assert_eq!(calls.instants(), at(t0, &[0, 10]));

    // A timer stopped by a failure can be restarted.
    timer.start().unwrap();
    assert_eq!(within(timer.join()).await.unwrap(), 3);
    assert_eq!(Instant::now(), t0 + secs(110));
    timer.cancel().await;
}

// ---------------------------------------------------------------------------------------------
// on_failure

// time:  0    10    20   30    40
// tick:  |1|  |2E|  |3|  |4E|  |5|   → on_failure("boom 2"), on_failure("boom 4")
#[tokio::test(start_paused = true)]
async fn on_failure_is_called_with_each_ticks_error() {
    let calls = Calls::default();
    let failures = Log::<(String, Instant)>::default();
    let timer = Timer::builder(secs(10), calls.failing_on(&[2, 4]))
        .on_failure({
            let failures = failures.clone();
            move |e| failures.push((io_message(e), Instant::now()))
        })
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    // (A wait would end on the first failure: sleep past tick 5 instead.)
    sleep(secs(45)).await;
    assert_eq!(timer.hit_count(), 3);
    assert_eq!(timer.last_tick_at(), Some(t0 + secs(40)));
    assert_eq!(
        failures.get(),
        [
            ("boom 2".to_owned(), t0 + secs(10)),
            ("boom 4".to_owned(), t0 + secs(30)),
        ]
    );
    timer.cancel().await;
    assert_eq!(failures.get().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// panics

// A sync target panics on call 2 (a `&str`), call 3 (a `String`) and call 4 (not a string).
// Another timer, period 3, runs on undisturbed.
//
// time:   0    10    20    30    40
// panic:  |1|  |P|   |P|   |P|   |5|
// other:  0 3 6 9 12 15 18 21 24 27 30 33 36 39
#[tokio::test(start_paused = true)]
async fn sync_panic_is_reported_and_isolated() {
    let calls = Calls::default();
    let failures = Log::<String>::default();
    let panicky = Timer::builder(secs(10), {
        let calls = calls.clone();
        move || {
            let n = calls.record();
            match n {
                2 => panic!("sync kaboom"),
                3 => panic!("sync kaboom {n}"),
                4 => std::panic::panic_any(42u8),
                _ => n,
            }
        }
    })
    .on_failure({
        let failures = failures.clone();
        move |e| failures.push(panic_message(e))
    })
    .build()
    .unwrap();
    let other_calls = Calls::default();
    let other = Timer::new(secs(3), {
        let c = other_calls.clone();
        move || c.record()
    });
    let t0 = Instant::now();
    other.start().unwrap();
    panicky.start().unwrap();

    assert_eq!(within(panicky.join()).await.unwrap(), 1);
    let e2 = within(panicky.join()).await.unwrap_err();
    assert!(panic_message(&e2).contains("sync kaboom"), "{e2:?}");
    assert!(matches!(&e2, Error::Panicked { name, .. } if **name == *panicky.name()));
    let e3 = within(panicky.join()).await.unwrap_err();
    assert!(panic_message(&e3).contains("sync kaboom 3"), "{e3:?}");
    let e4 = within(panicky.join()).await.unwrap_err();
    assert!(matches!(e4, Error::Panicked { .. }), "{e4:?}");
    assert_eq!(within(panicky.join()).await.unwrap(), 5);
    assert_eq!(Instant::now(), t0 + secs(40));

    assert_eq!(failures.get().len(), 3);
    assert_eq!(panicky.hit_count(), 2);
    assert_eq!(panicky.stats().errors, 3);
    assert!(panicky.is_running());
    assert!(other.is_running());
    let expected: Vec<u64> = (0..=13).map(|k| 3 * k).collect();
    assert_eq!(other_calls.instants(), at(t0, &expected));
    assert_eq!(other.stats().errors, 0);
    panicky.cancel().await;
    other.cancel().await;
}

// An async target panics after an `.await` (call 2) and while making its future (call 3).
// Another timer, period 4, runs on undisturbed.
//
// time:   0  1       11 12       22       32 33
// panic:  |-1-|      |-P-|       P        |-4-|
// other:  0 4 8 12 16 20 24 28 32
#[tokio::test(start_paused = true)]
async fn async_panic_is_reported_and_isolated() {
    let calls = Calls::default();
    let panicky = Timer::new(secs(10), {
        let calls = calls.clone();
        move || {
            let n = calls.record();
            if n == 3 {
                panic!("eager kaboom");
            }
            async move {
                sleep(secs(1)).await;
                if n == 2 {
                    panic!("async kaboom");
                }
                n
            }
        }
    });
    let other_calls = Calls::default();
    let other = Timer::new(secs(4), {
        let c = other_calls.clone();
        move || c.record()
    });
    let t0 = Instant::now();
    other.start().unwrap();
    panicky.start().unwrap();

    assert_eq!(within(panicky.join()).await.unwrap(), 1);
    let e2 = within(panicky.join()).await.unwrap_err();
    assert!(panic_message(&e2).contains("async kaboom"), "{e2:?}");
    assert_eq!(Instant::now(), t0 + secs(12));
    let e3 = within(panicky.join()).await.unwrap_err();
    assert!(panic_message(&e3).contains("eager kaboom"), "{e3:?}");
    assert_eq!(Instant::now(), t0 + secs(22));
    assert_eq!(within(panicky.join()).await.unwrap(), 4);
    assert_eq!(Instant::now(), t0 + secs(33));
    assert_eq!(calls.instants(), at(t0, &[0, 11, 22, 32]));

    assert!(other.is_running());
    let expected: Vec<u64> = (0..=8).map(|k| 4 * k).collect();
    assert_eq!(other_calls.instants(), at(t0, &expected));
    panicky.cancel().await;
    other.cancel().await;
}

// With OnError::Stop a panic stops the timer like an error.
#[tokio::test(start_paused = true)]
async fn panic_under_stop_stops_the_timer() {
    let timer = Timer::builder(secs(10), || -> u8 { panic!("fatal kaboom") })
        .on_error(OnError::Stop)
        .build()
        .unwrap();
    timer.start().unwrap();
    let err = within(timer.join()).await.unwrap_err();
    assert!(panic_message(&err).contains("fatal kaboom"));
    within(timer.wait()).await.unwrap();
    assert!(!timer.is_running());
    match timer.last_stop() {
        Some(StopReason::Failed(e)) => assert!(panic_message(&e).contains("fatal kaboom")),
        other => panic!("expected Failed, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// tick timeout

// Call 2 would take 5 s; the 3 s timeout drops it at 13. The schedule goes on from there.
//
// fixed delay:  0    10   13(TickTimeout)      23
//               |1|  |-2--X                     |3|
// fixed rate:   0    10   13(TickTimeout) 20
//               |1|  |-2--X               |3|
#[tokio::test(start_paused = true)]
async fn tick_over_timeout_is_dropped_and_reported() {
    for (mode, third) in [(Mode::FixedDelay, 23), (Mode::FixedRate, 20)] {
        let calls = Calls::default();
        let finished = Arc::new(AtomicBool::new(false));
        let failures = Log::<String>::default();
        let timer = Timer::builder(secs(10), {
            let (calls, finished) = (calls.clone(), finished.clone());
            move || {
                let n = calls.record();
                let finished = finished.clone();
                async move {
                    if n == 2 {
                        sleep(secs(5)).await;
                        finished.store(true, Ordering::SeqCst);
                    }
                    n
                }
            }
        })
        .name("slowpoke")
        .mode(mode)
        .timeout(secs(3))
        .on_failure({
            let failures = failures.clone();
            move |e| failures.push(e.to_string())
        })
        .build()
        .unwrap();
        let t0 = Instant::now();
        timer.start().unwrap();
        assert_eq!(within(timer.join()).await.unwrap(), 1);

        match within(timer.join()).await {
            Err(Error::TickTimeout { name, timeout }) => {
                assert_eq!(&*name, "slowpoke");
                assert_eq!(timeout, secs(3));
            }
            other => panic!("{mode:?}: expected TickTimeout, got {other:?}"),
        }
        assert_eq!(Instant::now(), t0 + secs(13), "{mode:?}");
        assert_eq!(failures.get().len(), 1);

        assert_eq!(within(timer.join()).await.unwrap(), 3);
        assert_eq!(calls.instants(), at(t0, &[0, 10, third]), "{mode:?}");
        let s = timer.stats();
        assert_eq!((s.ticks, s.hits, s.errors), (3, 2, 1), "{mode:?}");
        assert_eq!(s.max_duration, secs(3), "{mode:?}");
        assert!(matches!(s.last_error, Some(Error::TickTimeout { .. })));
        timer.cancel().await;
        sleep(secs(100)).await;
        assert!(!finished.load(Ordering::SeqCst), "{mode:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// panicking hooks

// time:  0    10          20   25       26 (restart)
// tick:  |1|  |2E hook!|  |3|  cancel   |4|
#[tokio::test(start_paused = true)]
async fn panicking_hooks_do_not_break_the_timer() {
    let calls = Calls::default();
    let hook_calls = Arc::new(AtomicU32::new(0));
    let timer = Timer::builder(secs(10), calls.failing_on(&[2]))
        .on_failure({
            let h = hook_calls.clone();
            move |_| {
                h.fetch_add(1, Ordering::SeqCst);
                panic!("on_failure kaboom")
            }
        })
        .on_stop({
            let h = hook_calls.clone();
            move |_| {
                h.fetch_add(100, Ordering::SeqCst);
                panic!("on_stop kaboom")
            }
        })
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    sleep(secs(25)).await;
    assert_eq!(timer.hit_count(), 2);
    assert_eq!(timer.last_result(), Some(3));
    assert_eq!(timer.last_tick_at(), Some(t0 + secs(20)));
    assert_eq!(hook_calls.load(Ordering::SeqCst), 1);
    assert!(timer.is_running());

    within(timer.cancel()).await;
    assert_eq!(hook_calls.load(Ordering::SeqCst), 101);
    assert!(!timer.is_running());
    assert!(matches!(timer.last_stop(), Some(StopReason::Cancelled)));

    sleep(secs(1)).await;
    timer.start().unwrap();
    assert_eq!(within(timer.join()).await.unwrap(), 4);
    assert_eq!(calls.instants(), at(t0, &[0, 10, 20, 26]));
    within(timer.cancel()).await;
    assert_eq!(hook_calls.load(Ordering::SeqCst), 201);
}

// A panicking on_failure hook does not prevent OnError::Stop from stopping the timer.
#[tokio::test(start_paused = true)]
async fn panicking_on_failure_hook_under_stop() {
    let calls = Calls::default();
    let timer = Timer::builder(secs(10), calls.failing_on(&[1]))
        .on_error(OnError::Stop)
        .on_failure(|_| panic!("on_failure kaboom"))
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    within(timer.wait()).await.unwrap_err();
    assert_eq!(Instant::now(), t0);
    // The wait ended on the failure; let the run finish stopping.
    sleep(secs(1)).await;
    assert!(!timer.is_running());
    assert!(matches!(timer.last_stop(), Some(StopReason::Failed(_))));
    sleep(secs(100)).await;
    assert_eq!(calls.instants(), at(t0, &[0]));
}

// ---------------------------------------------------------------------------------------------
// invalid configuration

fn invalid_message(r: Result<Timer<u8>, Error>) -> String {
    match r {
        Err(Error::InvalidConfig(msg)) => msg.to_string(),
        Err(other) => panic!("expected InvalidConfig, got {other:?}"),
        Ok(t) => panic!("expected InvalidConfig, got a timer {t:?}"),
    }
}

#[test]
fn builder_rejects_invalid_config() {
    for jitter in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
        let msg = invalid_message(Timer::builder(secs(1), || 1u8).jitter(jitter).build());
        assert!(msg.contains("jitter"), "jitter {jitter}: {msg}");
    }
    let msg = invalid_message(Timer::builder(Duration::ZERO, || 1u8).build());
    assert!(msg.contains("period"), "{msg}");
    let msg = invalid_message(
        Timer::builder(secs(1), || 1u8)
            .timeout(Duration::ZERO)
            .build(),
    );
    assert!(msg.contains("timeout"), "{msg}");

    // The bounds themselves are valid.
    for jitter in [0.0, 1.0] {
        let timer = Timer::builder(secs(1), || 1u8).jitter(jitter).build();
        assert!(timer.is_ok(), "jitter {jitter}: {timer:?}");
    }
    let timer = Timer::builder(Duration::from_nanos(1), || 1u8)
        .timeout(Duration::from_nanos(1))
        .build()
        .unwrap();
    assert_eq!(timer.period(), Duration::from_nanos(1));
}

#[tokio::test(start_paused = true)]
async fn new_with_zero_period_fails_at_start() {
    let calls = Calls::default();
    let timer = Timer::new(Duration::ZERO, calls.failing_on(&[]));
    match timer.start() {
        Err(Error::InvalidConfig(msg)) => assert!(msg.contains("period"), "{msg}"),
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
    assert!(!timer.is_running());
    assert!(timer.last_stop().is_none());
    sleep(secs(10)).await;
    assert!(calls.instants().is_empty());
    // Still refused on a second try.
    assert!(matches!(timer.start(), Err(Error::InvalidConfig(_))));
}

// A running timer keeps its period when set_period(0) is refused.
//
// time:  0    10   15 set_period(0) refused   20   30
// tick:  |1|  |2|                             |3|  |4|
#[tokio::test(start_paused = true)]
async fn set_period_zero_is_invalid_config() {
    let calls = Calls::default();
    let timer = Timer::new(secs(10), calls.failing_on(&[]));
    assert!(matches!(
        timer.set_period(Duration::ZERO),
        Err(Error::InvalidConfig(_))
    ));
    assert_eq!(timer.period(), secs(10));

    let t0 = Instant::now();
    timer.start().unwrap();
    sleep(secs(15)).await;
    match timer.set_period(Duration::ZERO) {
        Err(Error::InvalidConfig(msg)) => assert!(msg.contains("period"), "{msg}"),
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
    assert_eq!(timer.period(), secs(10));
    within(timer.wait().hit_count(4)).await.unwrap();
    assert_eq!(calls.instants(), at(t0, &[0, 10, 20, 30]));
    timer.cancel().await;
}
