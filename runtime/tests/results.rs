//! Reading a timer's results: `last_result`, `last_tick_at`, `hit_count`, `stats`, `join`,
//! `wait`, `stream`, and the values each shape of target produces.
//!
//! Every timing test runs under paused time and asserts exact virtual instants.

use std::future::IntoFuture;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use periodic::{Error, Mode, Timer};
use tokio::time::{Instant, advance, sleep};

mod common;
use common::{secs, within};

/// A sync target returning 1, 2, 3, …
fn counter() -> impl FnMut() -> u32 + Send + 'static {
    let n = Arc::new(AtomicU32::new(0));
    move || n.fetch_add(1, Ordering::SeqCst) + 1
}

/// A sync target returning 1, 2, 3, … that fails (an `io::Error` "boom N") on the calls in
/// `fail`.
fn failing_on(fail: &'static [u32]) -> impl FnMut() -> io::Result<u32> + Send + 'static {
    let n = Arc::new(AtomicU32::new(0));
    move || {
        let n = n.fetch_add(1, Ordering::SeqCst) + 1;
        if fail.contains(&n) {
            Err(io::Error::other(format!("boom {n}")))
        } else {
            Ok(n)
        }
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

// ---------------------------------------------------------------------------------------------
// last_result, last_tick_at, hit_count

// Each call takes 2 s; call 2 fails.
//
// time:   0  2       12 14       24 26
// tick:   |-1-|      |-2-|       |-3-|
// result:    Ok(1)      Err         Ok(3)
#[tokio::test(start_paused = true)]
async fn last_result_last_tick_at_and_hit_count() {
    let n = Arc::new(AtomicU32::new(0));
    let timer = Timer::new(secs(10), move || {
        let n = n.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            sleep(secs(2)).await;
            if n == 2 {
                Err(io::Error::other("second"))
            } else {
                Ok(n)
            }
        }
    });
    assert_eq!(timer.last_result(), None);
    assert_eq!(timer.last_tick_at(), None);
    assert_eq!(timer.hit_count(), 0);

    let t0 = Instant::now();
    timer.start().unwrap();
    sleep(secs(1)).await;
    // In flight: nothing recorded yet.
    assert_eq!(timer.last_result(), None);
    assert_eq!(timer.hit_count(), 0);

    sleep(secs(4)).await; // 5
    assert_eq!(timer.last_result(), Some(1));
    assert_eq!(timer.last_tick_at(), Some(t0 + secs(2)));
    assert_eq!(timer.hit_count(), 1);

    sleep(secs(10)).await; // 15: the failed tick replaced nothing
    assert_eq!(timer.stats().ticks, 2);
    assert_eq!(timer.stats().errors, 1);
    assert_eq!(timer.last_result(), Some(1));
    assert_eq!(timer.last_tick_at(), Some(t0 + secs(2)));
    assert_eq!(timer.hit_count(), 1);

    sleep(secs(12)).await; // 27
    assert_eq!(timer.last_result(), Some(3));
    assert_eq!(timer.last_tick_at(), Some(t0 + secs(26)));
    assert_eq!(timer.hit_count(), 2);
    timer.cancel().await;
}

// ---------------------------------------------------------------------------------------------
// stats

// Fixed rate, period 10. Call 1 takes 3, call 2 takes 25 (slots 20 and 30 skipped), call 3
// fails after 1, call 4 wakes 3 s late (the test jumps the clock from 45 to 53).
//
// slots:  0    10   20   30   40   50
// tick:   |-1-|
//              |-------2-------|35
//                                  |3|41 (Err)
//                                          |4| at 53 (late by 3)
#[tokio::test(start_paused = true)]
async fn stats_count_ticks_errors_skips_durations_and_lateness() {
    let n = Arc::new(AtomicU32::new(0));
    let timer = Timer::builder(secs(10), move || {
        let n = n.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            let took = match n {
                1 => 3,
                2 => 25,
                3 => 1,
                _ => 0,
            };
            sleep(secs(took)).await;
            if n == 3 {
                Err(io::Error::other("third"))
            } else {
                Ok(n)
            }
        }
    })
    .mode(Mode::FixedRate)
    .build()
    .unwrap();
    let s = timer.stats();
    assert_eq!((s.ticks, s.hits, s.errors, s.skipped), (0, 0, 0, 0));
    assert_eq!(s.last_duration, None);
    assert_eq!(s.max_duration, Duration::ZERO);
    assert_eq!(s.total_duration, Duration::ZERO);
    assert_eq!(s.last_lateness, None);
    assert!(s.last_error.is_none());

    let t0 = Instant::now();
    timer.start().unwrap();
    sleep(secs(5)).await;
    let s = timer.stats();
    assert_eq!((s.ticks, s.hits, s.errors, s.skipped), (1, 1, 0, 0));
    assert_eq!(s.last_duration, Some(secs(3)));
    assert_eq!(s.max_duration, secs(3));
    assert_eq!(s.total_duration, secs(3));
    assert_eq!(s.last_lateness, Some(Duration::ZERO));

    sleep(secs(40)).await; // 45
    let s = timer.stats();
    assert_eq!((s.ticks, s.hits, s.errors, s.skipped), (3, 2, 1, 2));
    assert_eq!(s.last_duration, Some(secs(1)));
    assert_eq!(s.max_duration, secs(25));
    assert_eq!(s.total_duration, secs(3 + 25 + 1));
    assert_eq!(s.last_lateness, Some(Duration::ZERO));
    assert_eq!(io_message(s.last_error.as_ref().unwrap()), "third");
    assert_eq!(timer.hit_count(), s.hits);

    // Jump the clock past slot 50 without letting the timer run at 50.
    advance(secs(8)).await;
    within(timer.wait().hit_count(3)).await.unwrap();
    assert_eq!(Instant::now(), t0 + secs(53));
    let s = timer.stats();
    assert_eq!((s.ticks, s.hits, s.errors, s.skipped), (4, 3, 1, 2));
    assert_eq!(s.last_lateness, Some(secs(3)));
    assert_eq!(s.last_duration, Some(Duration::ZERO));
    assert_eq!(s.max_duration, secs(25));
    assert_eq!(s.total_duration, secs(29));
    // The last error stays readable after later successes.
    assert_eq!(io_message(s.last_error.as_ref().unwrap()), "third");
    timer.cancel().await;
}

// ---------------------------------------------------------------------------------------------
// join

// time:  0    10   20
// tick:  |1|  |2|  |3|
#[tokio::test(start_paused = true)]
async fn join_returns_the_next_ticks_outcome() {
    let timer = Timer::new(secs(10), counter());
    let t0 = Instant::now();
    timer.start().unwrap();
    assert_eq!(within(timer.join()).await.unwrap(), 1);
    assert_eq!(Instant::now(), t0);
    assert_eq!(within(timer.join()).await.unwrap(), 2);
    assert_eq!(Instant::now(), t0 + secs(10));
    sleep(secs(3)).await;
    // Two concurrent joins see the same tick.
    let (a, b) = within(async { tokio::join!(timer.join(), timer.join()) }).await;
    assert_eq!((a.unwrap(), b.unwrap()), (3, 3));
    assert_eq!(Instant::now(), t0 + secs(20));
    timer.cancel().await;
}

#[tokio::test(start_paused = true)]
async fn join_on_a_stopped_timer_is_not_running() {
    let timer = Timer::builder(secs(10), counter())
        .name("idle")
        .build()
        .unwrap();
    match within(timer.join()).await {
        Err(Error::NotRunning { name }) => assert_eq!(&*name, "idle"),
        other => panic!("expected NotRunning, got {other:?}"),
    }
    timer.start().unwrap();
    within(timer.join()).await.unwrap();
    timer.cancel().await;
    assert!(matches!(
        within(timer.join()).await,
        Err(Error::NotRunning { .. })
    ));
}

// time:  0    5                10 (would tick)
// tick:  |1|  join…  cancel → Stopped
#[tokio::test(start_paused = true)]
async fn join_pending_when_cancelled_is_stopped() {
    let timer = Timer::new(secs(10), counter());
    let t0 = Instant::now();
    timer.start().unwrap();
    within(timer.wait().hit_count(1)).await.unwrap();
    let pending = {
        let timer = timer.clone();
        tokio::spawn(async move { timer.join().await })
    };
    sleep(secs(5)).await;
    timer.cancel().await;
    match within(pending).await.unwrap() {
        Err(Error::Stopped { name }) => assert_eq!(&*name, timer.name()),
        other => panic!("expected Stopped, got {other:?}"),
    }
    assert_eq!(Instant::now(), t0 + secs(5));
}

// time:  0     10
// tick:  |1|   |2 Err("boom 2")|
#[tokio::test(start_paused = true)]
async fn join_pending_when_a_tick_fails_gets_its_error() {
    let timer = Timer::new(secs(10), failing_on(&[2]));
    let t0 = Instant::now();
    timer.start().unwrap();
    assert_eq!(within(timer.join()).await.unwrap(), 1);
    let err = within(timer.join()).await.unwrap_err();
    assert_eq!(io_message(&err), "boom 2");
    assert_eq!(Instant::now(), t0 + secs(10));
    // The schedule goes on (OnError::Continue).
    assert_eq!(within(timer.join()).await.unwrap(), 3);
    assert_eq!(Instant::now(), t0 + secs(20));
    timer.cancel().await;
}

// join from inside the timer's own target would wait for itself: it is refused.
#[tokio::test(start_paused = true)]
async fn join_from_inside_the_target_is_reentrant() {
    let slot: Arc<Mutex<Option<Timer<bool>>>> = Arc::default();
    let timer = Timer::new(secs(10), {
        let slot = slot.clone();
        move || {
            let me = slot.lock().unwrap().clone().unwrap();
            async move { matches!(me.join().await, Err(Error::Reentrant { .. })) }
        }
    });
    *slot.lock().unwrap() = Some(timer.clone());
    timer.start().unwrap();
    assert!(within(timer.join()).await.unwrap());
    timer.cancel().await;
    slot.lock().unwrap().take();
}

// A wait from inside the timer's own target — for a count or for the run's end — would wait
// for itself too: refused at once, and the timer goes on ticking.
#[tokio::test(start_paused = true)]
async fn wait_from_inside_the_target_is_reentrant() {
    let slot: Arc<Mutex<Option<Timer<bool>>>> = Arc::default();
    let timer = Timer::new(secs(10), {
        let slot = slot.clone();
        move || {
            let me = slot.lock().unwrap().clone().unwrap();
            async move {
                let reentrant =
                    |r: Result<Option<bool>, Error>| matches!(r, Err(Error::Reentrant { .. }));
                reentrant(me.wait().hits(1).await) && reentrant(me.wait().timeout(secs(1)).await)
            }
        }
    });
    *slot.lock().unwrap() = Some(timer.clone());
    let t0 = Instant::now();
    timer.start().unwrap();
    assert_eq!(within(timer.wait().hit_count(2)).await.unwrap(), Some(true));
    assert_eq!(Instant::now(), t0 + secs(10));
    timer.cancel().await;
    slot.lock().unwrap().take();
}

// ---------------------------------------------------------------------------------------------
// wait

// Row 1: a count condition reached in time returns the latest result.
//
// time:  0    10   20   30   40
// tick:  |1|  |2|  |3|  |4|  |5|
//        hits(3) ──→20  hit_count(5) ──→40
#[tokio::test(start_paused = true)]
async fn wait_count_reached_returns_the_last_value() {
    let timer = Timer::new(secs(10), counter());
    let t0 = Instant::now();
    timer.start().unwrap();
    assert_eq!(within(timer.wait().hits(3)).await.unwrap(), Some(3));
    assert_eq!(Instant::now(), t0 + secs(20));
    assert_eq!(within(timer.wait().hit_count(5)).await.unwrap(), Some(5));
    assert_eq!(Instant::now(), t0 + secs(40));
    // With a timeout that is not exceeded.
    assert_eq!(
        within(timer.wait().hits(1).timeout(secs(15)))
            .await
            .unwrap(),
        Some(6)
    );
    assert_eq!(Instant::now(), t0 + secs(50));
    timer.cancel().await;
}

// Row 2: a count condition that times out is Error::Timeout.
//
// time:  0    10   15
// tick:  |1|  |2|  timeout (3 hits not reached)
#[tokio::test(start_paused = true)]
async fn wait_count_with_timeout_exceeded_is_timeout() {
    let timer = Timer::new(secs(10), counter());
    let t0 = Instant::now();
    timer.start().unwrap();
    match within(timer.wait().hits(3).timeout(secs(15))).await {
        Err(Error::Timeout(d)) => assert_eq!(d, secs(15)),
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert_eq!(Instant::now(), t0 + secs(15));
    assert_eq!(timer.hit_count(), 2);
    assert!(matches!(
        within(timer.wait().hit_count(10).timeout(secs(1))).await,
        Err(Error::Timeout(_))
    ));
    // The timer is unaffected.
    assert!(timer.is_running());
    assert_eq!(within(timer.join()).await.unwrap(), 3);
    assert_eq!(Instant::now(), t0 + secs(20));
    timer.cancel().await;
}

// Row 3: an idle wait with no timeout ends when the timer stops.
//
// time:  0    10   20   25
// tick:  |1|  |2|  |3|  cancel → wait returns Some(3)
#[tokio::test(start_paused = true)]
async fn wait_idle_without_timeout_ends_when_the_timer_stops() {
    let timer = Timer::new(secs(10), counter());
    let t0 = Instant::now();
    timer.start().unwrap();
    let stopper = {
        let timer = timer.clone();
        tokio::spawn(async move {
            sleep(secs(25)).await;
            timer.cancel().await;
        })
    };
    assert_eq!(within(timer.wait()).await.unwrap(), Some(3));
    assert_eq!(Instant::now(), t0 + secs(25));
    assert!(!timer.is_running());
    stopper.await.unwrap();
    // An idle wait on a stopped timer returns at once.
    assert_eq!(within(timer.wait()).await.unwrap(), Some(3));
    assert_eq!(Instant::now(), t0 + secs(25));
}

// Row 4: an idle wait with a timeout returns the latest result, no error.
//
// time:  0    10   20   25
// tick:  |1|  |2|  |3|  timeout → Ok(Some(3)); the timer runs on
#[tokio::test(start_paused = true)]
async fn wait_idle_with_timeout_returns_last_result() {
    let timer = Timer::new(secs(10), counter());
    let t0 = Instant::now();
    timer.start().unwrap();
    assert_eq!(
        within(timer.wait().timeout(secs(25))).await.unwrap(),
        Some(3)
    );
    assert_eq!(Instant::now(), t0 + secs(25));
    assert!(timer.is_running());
    timer.cancel().await;
}

#[tokio::test(start_paused = true)]
async fn wait_on_a_stopped_timer() {
    let timer = Timer::new(secs(10), counter());
    // Never started: a zero goal is already met; any other count cannot be.
    assert_eq!(within(timer.wait().hits(0)).await.unwrap(), None);
    assert_eq!(within(timer.wait().hit_count(0)).await.unwrap(), None);
    assert_eq!(within(timer.wait()).await.unwrap(), None);
    assert!(matches!(
        within(timer.wait().hit_count(1)).await,
        Err(Error::NotRunning { .. })
    ));
    assert!(matches!(
        within(timer.wait().hits(1)).await,
        Err(Error::NotRunning { .. })
    ));

    timer.start().unwrap();
    within(timer.wait().hit_count(2)).await.unwrap();
    timer.cancel().await;
    let t = Instant::now();
    // Met already: Ok(last). Not met: NotRunning.
    assert_eq!(within(timer.wait().hit_count(2)).await.unwrap(), Some(2));
    assert_eq!(within(timer.wait().hit_count(1)).await.unwrap(), Some(2));
    assert_eq!(within(timer.wait().hits(0)).await.unwrap(), Some(2));
    assert!(matches!(
        within(timer.wait().hit_count(3)).await,
        Err(Error::NotRunning { .. })
    ));
    assert!(matches!(
        within(timer.wait().hits(1).timeout(secs(5))).await,
        Err(Error::NotRunning { .. })
    ));
    assert_eq!(Instant::now(), t);
}

// time:  0    10   20   25
// tick:  |1|  |2|  |3|  cancel → hits(10) is Stopped
#[tokio::test(start_paused = true)]
async fn wait_count_when_the_timer_stops_first_is_stopped() {
    let timer = Timer::new(secs(10), counter());
    let t0 = Instant::now();
    timer.start().unwrap();
    let stopper = {
        let timer = timer.clone();
        tokio::spawn(async move {
            sleep(secs(25)).await;
            timer.cancel().await;
        })
    };
    match within(timer.wait().hits(10)).await {
        Err(Error::Stopped { name }) => assert_eq!(&*name, timer.name()),
        other => panic!("expected Stopped, got {other:?}"),
    }
    assert_eq!(Instant::now(), t0 + secs(25));
    stopper.await.unwrap();
}

// time:  0    10   20
// tick:  |1|  |2|  |3 Err| → the pending waits end with that error
#[tokio::test(start_paused = true)]
async fn wait_ends_with_the_error_of_a_failing_tick() {
    let timer = Timer::new(secs(10), failing_on(&[3]));
    let t0 = Instant::now();
    timer.start().unwrap();
    let idle = tokio::spawn(timer.wait().into_future());
    let err = within(timer.wait().hits(5)).await.unwrap_err();
    assert_eq!(io_message(&err), "boom 3");
    assert_eq!(Instant::now(), t0 + secs(20));
    let idle_err = within(idle).await.unwrap().unwrap_err();
    assert_eq!(io_message(&idle_err), "boom 3");
    // The failure is not a hit, and the timer runs on.
    assert_eq!(timer.hit_count(), 2);
    assert!(timer.is_running());
    assert_eq!(within(timer.wait().hits(1)).await.unwrap(), Some(4));
    assert_eq!(Instant::now(), t0 + secs(30));
    timer.cancel().await;
}

// hits(n) is relative to the current count, hit_count(n) absolute.
//
// time:  0    10   20   30   40
// tick:  |1|  |2|  |3|  |4|  |5|
#[tokio::test(start_paused = true)]
async fn wait_hits_is_relative_and_hit_count_absolute() {
    let timer = Timer::new(secs(10), counter());
    let t0 = Instant::now();
    timer.start().unwrap();
    within(timer.wait().hit_count(3)).await.unwrap();
    assert_eq!(Instant::now(), t0 + secs(20));
    // Already reached: returns at once.
    assert_eq!(within(timer.wait().hit_count(3)).await.unwrap(), Some(3));
    assert_eq!(within(timer.wait().hit_count(2)).await.unwrap(), Some(3));
    assert_eq!(Instant::now(), t0 + secs(20));
    // One more than now.
    assert_eq!(within(timer.wait().hits(1)).await.unwrap(), Some(4));
    assert_eq!(Instant::now(), t0 + secs(30));
    // The later call wins: hits(100) is replaced by hit_count(5).
    assert_eq!(
        within(timer.wait().hits(100).hit_count(5)).await.unwrap(),
        Some(5)
    );
    assert_eq!(Instant::now(), t0 + secs(40));
    timer.cancel().await;
}

// ---------------------------------------------------------------------------------------------
// stream

// time:  0    10   20   30   35      40
// tick:  |1|  |2|  |3|  |4|  next→4  |5|
// taken:  1              (slow)  4    5
#[tokio::test(start_paused = true)]
async fn stream_yields_latest_and_a_slow_consumer_skips() {
    let timer = Timer::new(secs(10), counter());
    let mut latest = timer.stream();
    let t0 = Instant::now();
    timer.start().unwrap();
    assert_eq!(within(latest.next()).await.unwrap().unwrap(), 1);
    assert_eq!(Instant::now(), t0);
    sleep(secs(35)).await;
    // Ticks 2 and 3 were never buffered: the next item is the latest.
    assert_eq!(within(latest.next()).await.unwrap().unwrap(), 4);
    assert_eq!(Instant::now(), t0 + secs(35));
    assert_eq!(within(latest.next()).await.unwrap().unwrap(), 5);
    assert_eq!(Instant::now(), t0 + secs(40));
    timer.cancel().await;
    assert!(within(latest.next()).await.is_none());
}

// SPEC §3 "Decided": a finished subscription yields `None` forever. `stream()` is the seed's
// `async for`; polling it again after its end must not panic, even across a restart.
//
// run 1:  0    5 cancel → None
// run 2:            6    7 → still None
#[tokio::test(start_paused = true)]

async fn finished_stream_yields_none_forever() {
    let timer = Timer::new(secs(10), counter());
    let mut latest = timer.stream();
    timer.start().unwrap();
    assert_eq!(within(latest.next()).await.unwrap().unwrap(), 1);
    sleep(secs(5)).await;
    timer.cancel().await;
    assert!(within(latest.next()).await.is_none());
    assert!(within(latest.next()).await.is_none());
    sleep(secs(1)).await;
    timer.start().unwrap();
    sleep(secs(1)).await;
    assert!(within(latest.next()).await.is_none());
    timer.cancel().await;
}

// time:  0    10   15
// tick:  |1|  |2|  cancel → the stream ends
#[tokio::test(start_paused = true)]
async fn stream_ends_when_the_timer_stops() {
    let timer = Timer::new(secs(10), failing_on(&[2]));
    let t0 = Instant::now();
    timer.start().unwrap();
    let collected = tokio::spawn(timer.stream().collect::<Vec<_>>());
    sleep(secs(15)).await;
    timer.cancel().await;
    let items = within(collected).await.unwrap();
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(*items[0].as_ref().unwrap(), 1);
    assert_eq!(io_message(items[1].as_ref().unwrap_err()), "boom 2");
    assert_eq!(Instant::now(), t0 + secs(15));
}

// A stream made while the timer is stopped belongs to the next run.
//
// run 1:  0    10   15 cancel
// run 2:                  20   30   35 cancel
// stream (made at 17):    |3|  |4|  end
#[tokio::test(start_paused = true)]
async fn stream_made_while_stopped_follows_the_next_run() {
    let timer = Timer::new(secs(10), counter());
    timer.start().unwrap();
    sleep(secs(15)).await;
    timer.cancel().await;
    sleep(secs(2)).await;
    let latest = timer.stream();
    let collected = tokio::spawn(latest.map(Result::unwrap).collect::<Vec<_>>());
    sleep(secs(3)).await;
    timer.start().unwrap();
    sleep(secs(15)).await;
    timer.cancel().await;
    assert_eq!(within(collected).await.unwrap(), [3, 4]);
}

// ---------------------------------------------------------------------------------------------
// target shapes, each without a type annotation

/// The outcomes of a finite target: ticks at 0, 10, 20, … until it ends.
async fn outcomes<T: Clone + Send + Sync + 'static>(timer: Timer<T>) -> Vec<Result<T, Error>> {
    let latest = timer.stream();
    timer.start().unwrap();
    within(latest.collect::<Vec<_>>()).await
}

/// The outcomes of the first `n` ticks of an endless target.
async fn first<T: Clone + Send + Sync + 'static>(
    timer: Timer<T>,
    n: usize,
) -> Vec<Result<T, Error>> {
    let latest = timer.stream();
    timer.start().unwrap();
    let got = within(latest.take(n).collect::<Vec<_>>()).await;
    timer.cancel().await;
    got
}

/// `Ok` values as `Some`, errors as `None`.
fn oks<T>(outcomes: Vec<Result<T, Error>>) -> Vec<Option<T>> {
    outcomes.into_iter().map(Result::ok).collect()
}

#[tokio::test(start_paused = true)]
async fn sync_value_target() {
    let timer = Timer::new(secs(10), || 5u8);
    assert_eq!(oks(first(timer, 2).await), [Some(5), Some(5)]);
    let timer = Timer::new(secs(10), || String::from("s"));
    assert_eq!(oks(first(timer, 1).await), [Some(String::from("s"))]);
}

#[tokio::test(start_paused = true)]
async fn sync_result_target() {
    let timer = Timer::new(secs(10), failing_on(&[2]));
    let got = first(timer, 3).await;
    assert_eq!(*got[0].as_ref().unwrap(), 1);
    assert_eq!(io_message(got[1].as_ref().unwrap_err()), "boom 2");
    assert_eq!(*got[2].as_ref().unwrap(), 3);

    // A plain closure, the error type inferred from its body.
    let mut n = 0;
    let timer = Timer::new(secs(10), move || {
        n += 1;
        if n % 2 == 0 {
            Err(io::Error::other("even"))
        } else {
            Ok(n)
        }
    });
    assert_eq!(oks(first(timer, 3).await), [Some(1), None, Some(3)]);
}

#[tokio::test(start_paused = true)]
async fn async_value_target() {
    let timer = Timer::new(secs(10), || async {
        sleep(secs(1)).await;
        9u16
    });
    let t0 = Instant::now();
    assert_eq!(oks(first(timer, 2).await), [Some(9), Some(9)]);
    // Fixed delay: 0..1, 11..12.
    assert_eq!(Instant::now(), t0 + secs(12));
}

#[tokio::test(start_paused = true)]
async fn async_result_target() {
    let n = Arc::new(AtomicU32::new(0));
    let timer = Timer::new(secs(10), move || {
        let n = n.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            if n == 1 {
                Err(io::Error::other("first"))
            } else {
                Ok(n * 10)
            }
        }
    });
    let got = first(timer, 2).await;
    assert_eq!(io_message(got[0].as_ref().unwrap_err()), "first");
    assert_eq!(*got[1].as_ref().unwrap(), 20);
}

// time:  0    10   20   30
// items: 1    2    3    end
#[tokio::test(start_paused = true)]
async fn stream_of_values_target() {
    let t0 = Instant::now();
    let timer = Timer::new(secs(10), tokio_stream::iter(vec![1i64, 2, 3]));
    assert_eq!(oks(outcomes(timer).await), [Some(1), Some(2), Some(3)]);
    assert_eq!(Instant::now(), t0 + secs(30));
}

#[tokio::test(start_paused = true)]
async fn stream_of_results_target() {
    let timer = Timer::new(
        secs(10),
        tokio_stream::iter(vec![Ok(1u32), Err(io::Error::other("bad")), Ok(3)]),
    );
    let got = outcomes(timer).await;
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(*got[0].as_ref().unwrap(), 1);
    assert_eq!(io_message(got[1].as_ref().unwrap_err()), "bad");
    assert_eq!(*got[2].as_ref().unwrap(), 3);
}

#[tokio::test(start_paused = true)]
async fn iterator_of_values_target() {
    let timer = Timer::new(secs(10), ["a", "b"].into_iter());
    assert_eq!(oks(outcomes(timer).await), [Some("a"), Some("b")]);
    // An endless iterator never ends the timer.
    let timer = Timer::new(secs(10), (100u32..).step_by(5));
    assert_eq!(
        oks(first(timer, 3).await),
        [Some(100), Some(105), Some(110)]
    );
}

#[tokio::test(start_paused = true)]
async fn iterator_of_results_target() {
    let timer = Timer::new(
        secs(10),
        vec![Err(io::Error::other("x")), Ok(2u8)].into_iter(),
    );
    let got = outcomes(timer).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(io_message(got[0].as_ref().unwrap_err()), "x");
    assert_eq!(*got[1].as_ref().unwrap(), 2);
}

// `ParseIntError` is `Clone`: naming `T` picks the fallible reading (the documented case).
#[tokio::test(start_paused = true)]
async fn clone_error_needs_the_value_type_named() {
    let timer = Timer::<u8>::new(secs(10), || "7".parse::<u8>());
    assert_eq!(oks(first(timer, 1).await), [Some(7)]);

    let timer = Timer::<u8>::new(secs(10), || "x".parse::<u8>());
    let got = first(timer, 1).await;
    match &got[0] {
        Err(Error::Target { source, .. }) => {
            assert!(source.downcast_ref::<std::num::ParseIntError>().is_some());
        }
        other => panic!("expected Error::Target, got {other:?}"),
    }

    // Naming the whole `Result` keeps it as the value.
    let timer = Timer::<Result<u8, std::num::ParseIntError>>::new(secs(10), || "x".parse::<u8>());
    let got = first(timer, 1).await;
    assert!(got[0].as_ref().unwrap().is_err());
}

// A boxed async target (the shape of the schedule tests' helpers) also needs no annotation.
#[tokio::test(start_paused = true)]
async fn boxed_future_target() {
    let timer = Timer::new(secs(10), || -> Pin<Box<dyn Future<Output = u32> + Send>> {
        Box::pin(async { 11 })
    });
    assert_eq!(oks(first(timer, 1).await), [Some(11)]);
}
