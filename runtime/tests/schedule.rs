//! Scheduling semantics, under paused time: every instant asserted exactly.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use periodic::{Mode, Timer};
use tokio::time::{Instant, advance, sleep};

mod common;
use common::{Calls, ms, secs};

/// A target that records its start and then takes `took(n)` for call `n` (1-based).
fn slow_target(
    starts: &Calls,
    took: impl Fn(usize) -> Duration + Send + Sync + 'static,
) -> impl FnMut() -> std::pin::Pin<Box<dyn Future<Output = usize> + Send>> + Send + 'static {
    let starts = starts.clone();
    let took = Arc::new(took);
    move || {
        let n = starts.record() as usize;
        let d = took(n);
        Box::pin(async move {
            sleep(d).await;
            n
        })
    }
}

// period 10, every call takes 3: the next call starts 10 after the previous one finishes.
//
// time:  0    3          13   16         26   29         39
// tick:  |-1--|          |-2--|          |-3--|          |-4
#[tokio::test(start_paused = true)]
async fn fixed_delay_counts_the_period_from_the_finish() {
    let starts = Calls::default();
    let timer = Timer::new(secs(10), slow_target(&starts, |_| secs(3)));
    let t0 = Instant::now();
    timer.start().unwrap();
    timer.wait().hit_count(4).await.unwrap();
    assert_eq!(starts.offsets(t0), [secs(0), secs(13), secs(26), secs(39)]);
    assert_eq!(timer.stats().skipped, 0);
}

// Fixed-rate over 10,000 ticks of varying duration (0..=9 ms of a 10 ms period): tick n starts at
// exactly t0 + n·10 ms. No drift, ever.
#[tokio::test(start_paused = true)]
async fn fixed_rate_has_zero_drift_over_ten_thousand_ticks() {
    let starts = Calls::default();
    let timer = Timer::builder(ms(10), slow_target(&starts, |n| ms(n as u64 % 10)))
        .mode(Mode::FixedRate)
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    timer.wait().hit_count(10_000).await.unwrap();
    timer.cancel().await;
    let offsets = starts.offsets(t0);
    assert_eq!(offsets.len(), 10_000);
    for (n, at) in offsets.iter().enumerate() {
        assert_eq!(*at, ms(10) * n as u32, "tick {n} drifted");
    }
    assert_eq!(timer.stats().skipped, 0);
}

// period 10; call 2 takes 25 and finishes at 35. Slots 3 (20) and 4 (30) are already past:
// they are skipped (never run late in a burst) and slot 5 runs on time at 40.
//
// time:   0    10                   35 40   50
// slots:  |1   |2    (3)  (4)          |5   |6
// tick:   |1|  |---------2---------|   |5|  |6|
#[tokio::test(start_paused = true)]
async fn fixed_rate_overrun_skips_missed_slots_without_a_burst() {
    let starts = Calls::default();
    let timer = Timer::builder(
        secs(10),
        slow_target(&starts, |n| if n == 2 { secs(25) } else { Duration::ZERO }),
    )
    .mode(Mode::FixedRate)
    .build()
    .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    timer.wait().hit_count(4).await.unwrap();
    timer.cancel().await;
    assert_eq!(starts.offsets(t0), [secs(0), secs(10), secs(40), secs(50)]);
    assert_eq!(timer.stats().skipped, 2);
}

// A call that takes exactly one period keeps the full rate: slot n+1 is due at the instant call
// n finishes, which is not "strictly before" it. (The seed skips that slot; we deliberately do
// not.)
//
// time:  0         10        20        30
// tick:  |----1----|----2----|----3----|----4
#[tokio::test(start_paused = true)]
async fn fixed_rate_target_taking_exactly_one_period_keeps_the_rate() {
    let starts = Calls::default();
    let timer = Timer::builder(secs(10), slow_target(&starts, |_| secs(10)))
        .mode(Mode::FixedRate)
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    timer.wait().hit_count(3).await.unwrap();
    assert_eq!(starts.offsets(t0), [secs(0), secs(10), secs(20), secs(30)]);
    assert_eq!(timer.stats().skipped, 0);
    timer.cancel().await;
}

// initial_delay places the first tick; the schedule follows from there.
//
// time:  0 ... 5         15        25
// tick:        |1        |2        |3
#[tokio::test(start_paused = true)]
async fn initial_delay_shifts_the_first_tick() {
    for mode in [Mode::FixedDelay, Mode::FixedRate] {
        let starts = Calls::default();
        let timer = Timer::builder(secs(10), slow_target(&starts, |_| Duration::ZERO))
            .mode(mode)
            .initial_delay(secs(5))
            .build()
            .unwrap();
        let t0 = Instant::now();
        timer.start().unwrap();
        timer.wait().hit_count(3).await.unwrap();
        timer.cancel().await;
        assert_eq!(starts.offsets(t0), [secs(5), secs(15), secs(25)], "{mode}");
    }
}

// Fixed-delay with jitter j: each sleep after a tick lies in [p - j·p, p + j·p).
//
// finish ........ [p - jp, p + jp) ........ next start
#[tokio::test(start_paused = true)]
async fn fixed_delay_jitter_stays_within_bounds() {
    let starts = Calls::default();
    let timer = Timer::builder(secs(10), slow_target(&starts, |_| secs(1)))
        .jitter(0.3)
        .jitter_seed(42)
        .build()
        .unwrap();
    timer.start().unwrap();
    timer.wait().hit_count(1_000).await.unwrap();
    timer.cancel().await;
    let v = starts.instants();
    let mut distinct = std::collections::BTreeSet::new();
    for pair in v.windows(2) {
        // Each call takes 1 s, so the sleep is the gap minus 1 s.
        let sleep = pair[1] - pair[0] - secs(1);
        assert!(
            sleep >= secs(7) && sleep < secs(13),
            "sleep {sleep:?} outside [7 s, 13 s)"
        );
        distinct.insert(sleep);
    }
    // The offsets really vary (a jitter of zero would pass the bounds above).
    assert!(
        distinct.len() > 900,
        "only {} distinct sleeps",
        distinct.len()
    );
    let below = v.windows(2).filter(|p| p[1] - p[0] < secs(11)).count();
    assert!(
        (300..700).contains(&below),
        "{below} of 999 sleeps were short"
    );
}

// Fixed-rate with jitter j: slot n is due at n·p; its tick fires in [n·p - j·p, n·p] — never
// past its own slot, and the grid never moves.
//
// slots:     0          10          20
// fires in:  [0]     [7, 10]     [17, 20]
#[tokio::test(start_paused = true)]
async fn fixed_rate_jitter_never_passes_the_slot_and_never_drifts() {
    let starts = Calls::default();
    let timer = Timer::builder(secs(10), slow_target(&starts, |_| Duration::ZERO))
        .mode(Mode::FixedRate)
        .jitter(0.3)
        .jitter_seed(7)
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    timer.wait().hit_count(1_000).await.unwrap();
    timer.cancel().await;
    let offsets = starts.offsets(t0);
    let mut early = 0;
    for (n, at) in offsets.iter().enumerate() {
        let due = secs(10) * n as u32;
        assert!(*at <= due, "tick {n} at {at:?} is past its slot {due:?}");
        assert!(
            *at + secs(3) >= due,
            "tick {n} at {at:?} is more than j·p early"
        );
        if *at < due {
            early += 1;
        }
    }
    // The first tick is not jittered; about half of the rest fire early.
    assert_eq!(offsets[0], Duration::ZERO);
    assert!(
        (350..650).contains(&early),
        "{early} of 999 ticks fired early"
    );
}

#[tokio::test(start_paused = true)]
async fn the_same_jitter_seed_gives_the_same_schedule() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let starts = Calls::default();
        let timer = Timer::builder(secs(10), slow_target(&starts, |_| Duration::ZERO))
            .jitter(1.0)
            .jitter_seed(99)
            .build()
            .unwrap();
        let t0 = Instant::now();
        timer.start().unwrap();
        timer.wait().hit_count(50).await.unwrap();
        timer.cancel().await;
        runs.push(starts.offsets(t0));
    }
    assert_eq!(runs[0], runs[1]);
}

/// Calls `set_period` from a plain thread (not a runtime thread), as a control thread would.
fn set_period_from_thread<T: Clone + Send + Sync + 'static>(timer: &Timer<T>, period: Duration) {
    let timer = timer.clone();
    std::thread::spawn(move || timer.set_period(period).unwrap())
        .join()
        .unwrap();
}

// Fixed-rate, period 10 → 3 at time 5 (another thread): the next tick is due 3 after the
// previous tick's start (0 + 3 = 3), which has passed, so it fires at once (5) and the grid is
// re-anchored there.
//
// time:   0    5  8  11 14
// tick:   |1   |2 |3 |4 |5
#[tokio::test(start_paused = true)]
async fn set_period_fixed_rate_passed_reference_fires_at_once_and_reanchors() {
    let starts = Calls::default();
    let timer = Timer::builder(secs(10), slow_target(&starts, |_| Duration::ZERO))
        .mode(Mode::FixedRate)
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    timer.wait().hit_count(1).await.unwrap();
    advance(secs(5)).await;
    set_period_from_thread(&timer, secs(3));
    timer.wait().hit_count(5).await.unwrap();
    timer.cancel().await;
    assert_eq!(
        starts.offsets(t0),
        [secs(0), secs(5), secs(8), secs(11), secs(14)]
    );
    assert_eq!(timer.period(), secs(3));
}

// Fixed-rate, period 10 → 8 at time 5: the next tick is due at 0 + 8 = 8, then every 8.
//
// time:   0     5   8       16      24
// tick:   |1        |2      |3      |4
#[tokio::test(start_paused = true)]
async fn set_period_fixed_rate_counts_from_the_previous_start() {
    let starts = Calls::default();
    let timer = Timer::builder(secs(10), slow_target(&starts, |_| secs(1)))
        .mode(Mode::FixedRate)
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    timer.wait().hit_count(1).await.unwrap();
    advance(secs(4)).await; // the first tick finished at 1; now at 5
    set_period_from_thread(&timer, secs(8));
    timer.wait().hit_count(4).await.unwrap();
    timer.cancel().await;
    assert_eq!(starts.offsets(t0), [secs(0), secs(8), secs(16), secs(24)]);
}

// Fixed-delay, period 10 → 6 at time 4; tick 1 took 1 and finished at 1: the next tick is due
// at 1 + 6 = 7, then 6 after each finish.
//
// time:   0 1   4  7 8      14 15     21
// tick:   |1|      |2|      |3|       |4
#[tokio::test(start_paused = true)]
async fn set_period_fixed_delay_counts_from_the_previous_finish() {
    let starts = Calls::default();
    let timer = Timer::new(secs(10), slow_target(&starts, |_| secs(1)));
    let t0 = Instant::now();
    timer.start().unwrap();
    timer.wait().hit_count(1).await.unwrap();
    advance(secs(3)).await; // now at 4
    set_period_from_thread(&timer, secs(6));
    timer.wait().hit_count(4).await.unwrap();
    timer.cancel().await;
    assert_eq!(starts.offsets(t0), [secs(0), secs(7), secs(14), secs(21)]);
}

// A period change during a tick applies when it finishes: fixed-delay, period 10 → 2 while
// call 1 (0..5) runs: the next call is at 5 + 2 = 7.
#[tokio::test(start_paused = true)]
async fn set_period_during_a_tick_applies_after_it() {
    let starts = Calls::default();
    let timer = Timer::new(secs(10), slow_target(&starts, |_| secs(5)));
    let t0 = Instant::now();
    timer.start().unwrap();
    tokio::task::yield_now().await; // let the timer's task start call 1
    advance(secs(1)).await; // call 1 is in flight
    timer.set_period(secs(2)).unwrap();
    timer.wait().hit_count(2).await.unwrap();
    timer.cancel().await;
    assert_eq!(starts.offsets(t0), [secs(0), secs(7)]);
}

// Fixed-rate, period 1 → 20 while call 1 (0..10) runs: the slots of the old grid that fell
// due during the call (1 … 9) are not skipped slots — the grid is the new one, anchored at
// call 1's start, and the next call is at 0 + 20. Nothing is counted or logged as skipped.
#[tokio::test(start_paused = true)]
async fn set_period_during_a_tick_skips_no_slot_of_the_old_grid() {
    let starts = Calls::default();
    let timer = Timer::builder(secs(1), slow_target(&starts, |_| secs(10)))
        .mode(Mode::FixedRate)
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    tokio::task::yield_now().await; // call 1 is in flight
    advance(ms(500)).await;
    timer.set_period(secs(20)).unwrap();
    timer.wait().hit_count(2).await.unwrap();
    timer.cancel().await;
    assert_eq!(starts.offsets(t0), [secs(0), secs(20)]);
    assert_eq!(timer.stats().skipped, 0);
}

/// Counts calls in flight and remembers the maximum.
#[derive(Clone, Default)]
struct Overlap {
    now: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
    calls: Arc<AtomicU64>,
}

impl Overlap {
    fn target(
        &self,
        took: Duration,
    ) -> impl FnMut() -> std::pin::Pin<Box<dyn Future<Output = u64> + Send>> + Send + 'static {
        let o = self.clone();
        move || {
            let o = o.clone();
            Box::pin(async move {
                let n = o.calls.fetch_add(1, Ordering::SeqCst) + 1;
                let inflight = o.now.fetch_add(1, Ordering::SeqCst) + 1;
                o.max.fetch_max(inflight, Ordering::SeqCst);
                sleep(took).await;
                o.now.fetch_sub(1, Ordering::SeqCst);
                n
            })
        }
    }
}

// A target slower than its period, hammered with triggers from many tasks: one call at a time.
#[tokio::test(start_paused = true)]
async fn ticks_never_overlap_even_with_triggers() {
    for mode in [Mode::FixedRate, Mode::FixedDelay] {
        let overlap = Overlap::default();
        let timer = Timer::builder(ms(10), overlap.target(ms(25)))
            .mode(mode)
            .build()
            .unwrap();
        timer.start().unwrap();
        let mut tasks = Vec::new();
        for i in 0..50u64 {
            let timer = timer.clone();
            tasks.push(tokio::spawn(async move {
                sleep(ms(i * 3)).await;
                timer.trigger().await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        timer.wait().hits(20).await.unwrap();
        timer.cancel().await;
        assert_eq!(overlap.max.load(Ordering::SeqCst), 1, "{mode}");
        assert!(overlap.calls.load(Ordering::SeqCst) > 20);
    }
}

/// A target returning its call number, taking `took` per call.
fn numbered(took: Duration) -> (Calls, Timer<usize>) {
    let starts = Calls::default();
    let timer = Timer::new(secs(100), slow_target(&starts, move |_| took));
    (starts, timer)
}

// trigger() while call 1 is in flight (0..10): it returns call 2, which starts right after call
// 1 finishes — never the in-flight call's value — and exactly one extra call happens.
//
// time:    0    3         10         20
// tick:    |----1---------|----2-----|
// trigger:      ^ returns 2 at 20
#[tokio::test(start_paused = true)]
async fn trigger_during_a_tick_returns_a_call_that_started_after_it() {
    let (starts, timer) = numbered(secs(10));
    let t0 = Instant::now();
    timer.start().unwrap();
    tokio::task::yield_now().await; // let the timer's task start call 1
    advance(secs(3)).await;
    assert_eq!(timer.trigger().await.unwrap(), 2);
    assert_eq!(Instant::now() - t0, secs(20));
    assert_eq!(starts.offsets(t0), [secs(0), secs(10)]);
    // Exactly one more call: the next is the scheduled one at 20 + 100.
    sleep(secs(99)).await;
    assert_eq!(starts.offsets(t0).len(), 2);
    timer.cancel().await;
}

// Concurrent triggers that arrive before the triggered call starts share it.
#[tokio::test(start_paused = true)]
async fn concurrent_triggers_share_one_call() {
    let (starts, timer) = numbered(secs(1));
    timer.start().unwrap();
    timer.wait().hit_count(1).await.unwrap();
    let (a, b, c) = tokio::join!(timer.trigger(), timer.trigger(), timer.trigger());
    assert_eq!((a.unwrap(), b.unwrap(), c.unwrap()), (2, 2, 2));
    assert_eq!(starts.offsets(Instant::now()).len(), 2);
    timer.cancel().await;
}

// Fixed-rate re-anchors at a trigger: period 10, trigger at 4 → ticks at 0, 4, 14, 24.
//
// time:   0   4         14        24
// tick:   |1  |2(trig)  |3        |4
#[tokio::test(start_paused = true)]
async fn trigger_reanchors_fixed_rate() {
    let starts = Calls::default();
    let timer = Timer::builder(secs(10), slow_target(&starts, |_| Duration::ZERO))
        .mode(Mode::FixedRate)
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    timer.wait().hit_count(1).await.unwrap();
    advance(secs(4)).await;
    timer.trigger().await.unwrap();
    timer.wait().hit_count(4).await.unwrap();
    timer.cancel().await;
    assert_eq!(starts.offsets(t0), [secs(0), secs(4), secs(14), secs(24)]);
}

// Fixed-delay resumes one period after the triggered tick finishes.
//
// time:   0 1   4 5        15
// tick:   |1|   |2|        |3
#[tokio::test(start_paused = true)]
async fn trigger_resumes_fixed_delay_after_the_triggered_tick() {
    let starts = Calls::default();
    let timer = Timer::new(secs(10), slow_target(&starts, |_| secs(1)));
    let t0 = Instant::now();
    timer.start().unwrap();
    timer.wait().hit_count(1).await.unwrap();
    advance(secs(3)).await; // now at 4
    timer.trigger().await.unwrap();
    timer.wait().hit_count(3).await.unwrap();
    timer.cancel().await;
    assert_eq!(starts.offsets(t0), [secs(0), secs(4), secs(15)]);
}

// A trigger during the initial delay fires at once; the schedule continues from it.
#[tokio::test(start_paused = true)]
async fn trigger_cuts_the_initial_delay_short() {
    let starts = Calls::default();
    let timer = Timer::builder(secs(10), slow_target(&starts, |_| Duration::ZERO))
        .initial_delay(secs(60))
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    tokio::task::yield_now().await; // the timer's task now sleeps through the initial delay
    advance(secs(2)).await;
    assert_eq!(timer.trigger().await.unwrap(), 1);
    timer.wait().hit_count(2).await.unwrap();
    timer.cancel().await;
    assert_eq!(starts.offsets(t0), [secs(2), secs(12)]);
}

#[tokio::test(start_paused = true)]
async fn trigger_on_a_stopped_timer_is_not_running() {
    let (_, timer) = numbered(Duration::ZERO);
    assert!(matches!(
        timer.trigger().await,
        Err(periodic::Error::NotRunning { .. })
    ));
    timer.start().unwrap();
    timer.cancel().await;
    assert!(matches!(
        timer.trigger().await,
        Err(periodic::Error::NotRunning { .. })
    ));
}

// A trigger pending when the timer is cancelled gets `Stopped`.
#[tokio::test(start_paused = true)]
async fn trigger_pending_at_cancel_is_stopped() {
    let (_, timer) = numbered(secs(10));
    timer.start().unwrap();
    tokio::task::yield_now().await;
    advance(secs(1)).await; // call 1 in flight
    let pending = tokio::spawn({
        let timer = timer.clone();
        async move { timer.trigger().await }
    });
    tokio::task::yield_now().await;
    timer.cancel().await;
    assert!(matches!(
        pending.await.unwrap(),
        Err(periodic::Error::Stopped { .. })
    ));
}
