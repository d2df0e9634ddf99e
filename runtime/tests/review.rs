//! Review of the run-loop rewrite (signal flag, one `Sleep`, hand-written wait) and of
//! coordinated timers, under tokio's paused clock. The tests under "Findings" each failed when
//! written and describe a defect since fixed; the others check a suspicion that turned out
//! fine.

mod common;

use std::cell::Cell;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use common::{Calls, Failing, Replica, coordinated, ms, secs, wall_secs, within};
use periodic::{
    BoxError, BoxFuture, Coordinator, Error, InMemoryCoordinator, Mode, RunRecord, Slot,
    StopReason, Timer, Unreachable,
};
use tokio::time::{Instant, sleep};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

thread_local! {
    /// How far this test thread's wall clock is set back. A paused-clock test runs its timers'
    /// tasks on its own thread (a current-thread runtime), so other tests are not affected.
    static SET_BACK: Cell<Duration> = const { Cell::new(Duration::ZERO) };
    /// How far this test thread's wall clock is set forward.
    static SET_AHEAD: Cell<Duration> = const { Cell::new(Duration::ZERO) };
}

/// Sets this thread's wall clock back by `by` until dropped.
struct WallShift;

impl WallShift {
    fn by(by: Duration) -> Self {
        SET_BACK.with(|b| b.set(by));
        WallShift
    }

    /// Sets this thread's wall clock forward by `by` until dropped.
    fn ahead(by: Duration) -> Self {
        SET_AHEAD.with(|b| b.set(by));
        WallShift
    }
}

impl Drop for WallShift {
    fn drop(&mut self) {
        SET_BACK.with(|b| b.set(Duration::ZERO));
        SET_AHEAD.with(|b| b.set(Duration::ZERO));
    }
}

fn shifted_wall_clock() -> SystemTime {
    SystemTime::now() - SET_BACK.with(Cell::get) + SET_AHEAD.with(Cell::get)
}

/// Installs the shifted wall clock (once per process; every test of this file installs the
/// same function, and it reads the system clock unchanged unless a test sets it back).
fn install_wall_clock() {
    let _ = periodic::__private::set_wall_clock(shifted_wall_clock);
}

/// Sleeps until `after` past the next wall-clock multiple of `period` (whole seconds), and
/// returns the index of the slot after that one: the next slot a timer started now would claim.
async fn align(period: u64, after: Duration) -> u64 {
    let w = wall_secs(shifted_wall_clock);
    let to_next = period as f64 - (w % period as f64);
    sleep(Duration::from_secs_f64(to_next) + after).await;
    (wall_secs(shifted_wall_clock) / period as f64).floor() as u64 + 1
}

// ---------------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------------

/// `set_period` and `trigger` before the run wakes: both are read through one signal, and
/// `poll_control` reports only the trigger (it has priority); `period_changed` stays set but
/// nothing reads it again until some later signal. The old loop read the control state before
/// every wait. SPEC §3: `set_period` takes effect at once; the trigger re-anchors, so the next
/// tick is due one *new* period after the triggered one.
#[tokio::test(start_paused = true)]
async fn set_period_then_trigger_keeps_the_new_period() {
    let mut next_tick = Vec::new();
    for mode in [Mode::FixedRate, Mode::FixedDelay] {
        let calls = Calls::default();
        let c = calls.clone();
        let timer = Timer::builder(secs(100), move || c.record())
            .mode(mode)
            .initial_delay(secs(50))
            .build()
            .unwrap();
        timer.start().unwrap();
        sleep(secs(10)).await; // the run waits for its first tick, due at 50 s
        let t0 = Instant::now();
        timer.set_period(secs(1)).unwrap();
        assert_eq!(within(timer.trigger()).await.unwrap(), 1);
        within(timer.join()).await.unwrap();
        let next = Instant::now() - t0;
        timer.cancel().await;
        assert_eq!(timer.period(), secs(1));
        next_tick.push((mode, next));
    }
    assert_eq!(
        next_tick,
        [(Mode::FixedRate, secs(1)), (Mode::FixedDelay, secs(1))],
        "the tick after the trigger came one old period (100 s) later"
    );
}

/// The same loss when both arrive during an async tick: the tick loop takes the signal and sets
/// `recheck`, and after the tick `poll_control` again reports only the trigger.
#[tokio::test(start_paused = true)]
async fn set_period_and_trigger_during_a_tick_keep_the_new_period() {
    let calls = Calls::default();
    let c = calls.clone();
    let timer = Timer::builder(secs(100), move || {
        let n = c.record();
        async move {
            if n == 1 {
                sleep(secs(5)).await;
            }
            n
        }
    })
    .mode(Mode::FixedRate)
    .build()
    .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    sleep(secs(1)).await; // call 1 is in flight until 5 s
    timer.set_period(secs(2)).unwrap();
    let trigger = tokio::spawn({
        let timer = timer.clone();
        async move { timer.trigger().await }
    });
    assert_eq!(within(trigger).await.unwrap().unwrap(), 2); // call 2 starts at 5 s
    within(timer.join()).await.unwrap(); // call 3: one new period after call 2
    timer.cancel().await;
    assert_eq!(calls.offsets(t0), [secs(0), secs(5), secs(7)]);
}

/// A coordinated timer keeps its slot across a trigger (`if !triggered` after the tick). When
/// the triggered call outlasts that slot's due instant, the slot is then claimed and run late,
/// right after the trigger, where SPEC §3 fixed-rate (and the comment at the end of the loop)
/// says a slot already in the past when the previous tick finishes is missed, not run late.
#[tokio::test(start_paused = true)]
async fn a_slot_due_during_a_triggered_tick_is_not_run_late() {
    install_wall_clock();
    let k = align(10, ms(500)).await; // 0.5 s past a boundary: slot k is due in 9.5 s
    let probe = Replica::alone();
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    let timer = coordinated("trigger-overrun", secs(10), probe.clone(), move || {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                sleep(secs(3)).await; // the triggered call: 1 s before slot k to 2 s after it
            }
        }
    });
    timer.start().unwrap();
    sleep(ms(8500)).await;
    within(timer.trigger()).await.unwrap();
    let trigger_ended = Instant::now();
    within(timer.join()).await.unwrap();
    timer.cancel().await;
    let asked: Vec<(u64, Duration)> = probe
        .log()
        .asked
        .iter()
        .map(|&(_, i, at)| (i, at.saturating_duration_since(trigger_ended)))
        .collect();
    assert_eq!(
        asked.first().map(|a| a.0),
        Some(k + 1),
        "slot {k} fell due during the triggered call (which ended 2 s after it) and was then \
         claimed and run late; claims asked (slot, time after the trigger ended): {asked:?}"
    );
    assert_eq!(timer.stats().skipped, 1, "slot {k} counts as missed");
}

/// `Control::Period` of a coordinated run recomputes the slot from the wall clock alone: before
/// the first tick it drops `initial_delay` (a plain timer keeps its first tick's due instant;
/// the coordinated start honours the delay).
#[tokio::test(start_paused = true)]
async fn coordinated_set_period_before_the_first_tick_keeps_the_initial_delay() {
    install_wall_clock();
    let probe = Replica::alone();
    let timer = Timer::builder(secs(10), || ())
        .name("delayed")
        .mode(Mode::FixedRate)
        .initial_delay(secs(100))
        .coordinator(probe.clone())
        .build()
        .unwrap();
    let t0 = Instant::now();
    timer.start().unwrap();
    sleep(secs(1)).await; // the run waits for its first slot, at least 100 s away
    timer.set_period(secs(5)).unwrap();
    within(timer.join()).await.unwrap();
    let first = t0.elapsed();
    timer.cancel().await;
    assert!(
        first >= secs(100),
        "the first slot ran {first:?} after start, inside the 100 s initial delay"
    );
}

/// After slot k ran, a wall clock set back by less than a period plus a `set_period` (even to
/// the same period) makes `Control::Period` compute `next_index(wall_now)` = k again: the
/// replica claims slot k a second time. The after-tick path guards with `.max(slot + 1)`, the
/// period path does not. With a store that refuses and `Unreachable::RunAnyway`, one replica
/// runs slot k twice; with a working store it asks for a slot it already ran.
#[tokio::test(start_paused = true)]
async fn set_period_after_the_clock_went_back_does_not_rerun_the_slot() {
    install_wall_clock();
    let k = align(10, ms(500)).await;
    let probe = Replica::alone().failing(0..u64::MAX, Failing::Refuse);
    let timer = Timer::builder(secs(10), || ())
        .name("set-back")
        .mode(Mode::FixedRate)
        .coordinator(probe.clone())
        .when_unreachable(Unreachable::RunAnyway)
        .build()
        .unwrap();
    timer.start().unwrap();
    within(timer.join()).await.unwrap(); // slot k ran (run anyway)
    assert_eq!(probe.asked(), [k]);
    let set_back = WallShift::by(secs(3));
    timer.set_period(secs(10)).unwrap();
    sleep(secs(5)).await; // slot k + 1 is still 5 s (wall) away
    let (asked, hits) = (probe.asked(), timer.hit_count());
    timer.cancel().await;
    drop(set_back);
    assert_eq!(asked, [k], "slot {k} was claimed again");
    assert_eq!(hits, 1, "slot {k} ran twice on one replica");
}

/// `InMemoryCoordinator` forgets claims more than 1,024 indexes below the highest one, and
/// grants every claim of a forgotten index: `fresh` is computed before the window is cut, so
/// an index below the window is inserted, dropped, and reported fresh each time. After a
/// period increase every index is far below the window (index ≈ wall / period), so every
/// timer sharing the store wins every slot — for as long as the old highest index stays the
/// maximum (decades). SPEC §11: exactly one claim succeeds.
#[tokio::test(start_paused = true)]
async fn after_a_period_increase_each_slot_still_runs_once() {
    install_wall_clock();
    let store = InMemoryCoordinator::new("shared");
    let runs = Arc::new(AtomicU32::new(0));
    let timers: Vec<Timer<()>> = (0..2)
        .map(|_| {
            let runs = runs.clone();
            coordinated("grow", secs(1), store.clone(), move || {
                runs.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    for t in &timers {
        t.start().unwrap();
    }
    sleep(ms(5500)).await;
    for t in &timers {
        t.set_period(secs(2)).unwrap();
    }
    let before = runs.load(Ordering::SeqCst);
    sleep(secs(20)).await;
    let ran = runs.load(Ordering::SeqCst) - before;
    for t in &timers {
        t.cancel().await;
    }
    // Ten slots of 2 s in 20 s (nine at least, eleven at most, depending on where the grid
    // falls): every slot ran, once.
    assert!(
        ran <= 11,
        "{ran} runs of 2 s slots in 20 s: both replicas ran each slot"
    );
    assert!(ran >= 9, "{ran} runs of 2 s slots in 20 s: slots were lost");
}

/// The store alone: a claim of an index below the window is granted again and again.
#[tokio::test]
async fn in_memory_store_grants_an_old_slot_once() {
    let store = InMemoryCoordinator::new("a");
    assert!(
        store
            .claim(&Slot::new("j", 5_000, secs(1), Duration::ZERO))
            .await
            .unwrap()
    );
    let old = Slot::new("j", 10, secs(2), Duration::ZERO);
    assert!(store.claim(&old).await.unwrap());
    assert!(!store.claim(&old).await.unwrap(), "slot 10 granted twice");
}

/// Not from this session (the old loop computed `started + timeout` too), but the rewrite
/// guards every other deadline against overflow (`schedule::later`): a tick timeout of
/// `Duration::MAX` ("never") overflows `Instant + Duration` and panics the run's task, which
/// then reports `RuntimeShutdown`. `initial_delay(Duration::MAX)` panics the same way.
#[tokio::test(start_paused = true)]
async fn a_tick_timeout_of_duration_max_means_no_timeout() {
    let timer = Timer::builder(secs(1), || async { 7u8 })
        .timeout(Duration::MAX)
        .build()
        .unwrap();
    timer.start().unwrap();
    let got = within(timer.join()).await;
    let stop = timer.last_stop();
    timer.cancel().await;
    assert_eq!(got.ok(), Some(7), "run stopped: {stop:?}");
}

// ---------------------------------------------------------------------------------------------
// Suspicions checked, fine
// ---------------------------------------------------------------------------------------------

/// One `Sleep` serves the tick timeout and the grace deadline: the grace ends first here, so
/// the tick is dropped at the grace end and the stop is a shutdown, not a tick timeout.
#[tokio::test(start_paused = true)]
async fn grace_shorter_than_the_tick_timeout_drops_the_tick_at_the_grace_end() {
    let timer = Timer::builder(secs(100), || async {
        sleep(secs(60)).await;
    })
    .timeout(secs(10))
    .build()
    .unwrap();
    timer.start().unwrap();
    sleep(secs(1)).await; // the first call is in flight
    let t0 = Instant::now();
    within(timer.shutdown(secs(3))).await;
    assert_eq!(t0.elapsed(), secs(3));
    assert_eq!(timer.stats().errors, 0, "no tick timeout was reported");
    assert!(matches!(timer.last_stop(), Some(StopReason::Shutdown)));
}

/// The tick timeout ends first: the tick fails with `TickTimeout` at its timeout and the
/// shutdown completes right then, without waiting for the rest of the grace.
#[tokio::test(start_paused = true)]
async fn tick_timeout_inside_the_grace_fails_the_tick_and_ends_the_shutdown() {
    let timer = Timer::builder(secs(100), || async {
        sleep(secs(60)).await;
    })
    .timeout(secs(4))
    .build()
    .unwrap();
    timer.start().unwrap();
    sleep(secs(1)).await;
    let joined = tokio::spawn({
        let timer = timer.clone();
        async move { timer.join().await }
    });
    tokio::task::yield_now().await;
    let t0 = Instant::now();
    within(timer.shutdown(secs(30))).await;
    assert_eq!(
        t0.elapsed(),
        secs(3),
        "the tick timed out 4 s after it started"
    );
    assert!(matches!(
        within(joined).await.unwrap(),
        Err(Error::TickTimeout { .. })
    ));
    assert_eq!(timer.stats().errors, 1);
}

/// A graceful stop, then a cancel, during an async tick of a timer with a tick timeout: the
/// cancel is seen at once (the signal after the grace was armed is not lost).
#[tokio::test(start_paused = true)]
async fn cancel_after_shutdown_during_an_async_tick_with_a_timeout_is_immediate() {
    let timer = Timer::builder(secs(100), || async {
        sleep(secs(60)).await;
    })
    .timeout(secs(20))
    .build()
    .unwrap();
    timer.start().unwrap();
    sleep(secs(1)).await;
    let shutdown = tokio::spawn({
        let timer = timer.clone();
        async move { timer.shutdown(secs(10)).await }
    });
    sleep(secs(2)).await;
    let t0 = Instant::now();
    within(timer.cancel()).await;
    assert_eq!(t0.elapsed(), Duration::ZERO);
    within(shutdown).await.unwrap();
    assert!(!timer.is_running());
}

/// A trigger during a coordinated claim that the store answers slowly: the claimed slot runs,
/// then exactly one more call for the trigger, and no slot is claimed twice.
#[tokio::test(start_paused = true)]
async fn a_trigger_during_a_coordinated_claim_causes_exactly_one_more_call() {
    install_wall_clock();

    #[derive(Clone)]
    struct Slow(Replica);
    impl Coordinator for Slow {
        fn owner(&self) -> &str {
            self.0.owner()
        }
        fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
            self.0.prepare()
        }
        fn claim<'a>(&'a self, slot: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
            Box::pin(async move {
                sleep(secs(2)).await;
                self.0.claim(slot).await
            })
        }
        fn record<'a>(
            &'a self,
            slot: &'a Slot,
            run: &'a RunRecord,
        ) -> BoxFuture<'a, Result<(), BoxError>> {
            self.0.record(slot, run)
        }
    }

    let k = align(10, ms(500)).await;
    let probe = Replica::alone();
    let calls = Calls::default();
    let c = calls.clone();
    let timer = coordinated("slow-claim", secs(10), Slow(probe.clone()), move || {
        c.record()
    });
    timer.start().unwrap();
    sleep(ms(10_500)).await; // 1 s into the claim of slot k
    let t0 = Instant::now();
    let n = within(timer.trigger()).await.unwrap();
    assert_eq!(n, 2, "call 1 ran the slot, call 2 the trigger");
    assert!(t0.elapsed() <= ms(1100), "served once the claim ended");
    sleep(secs(5)).await;
    timer.cancel().await;
    assert_eq!(probe.asked(), [k]);
    assert_eq!(calls.count(), 2);
}

/// A wall clock set back (by less than a period) after slot k ran: the next slot is still
/// k + 1, claimed once the wall clock reaches it; nothing is claimed twice.
#[tokio::test(start_paused = true)]
async fn a_wall_clock_set_back_does_not_rerun_a_slot() {
    install_wall_clock();
    let k = align(10, ms(500)).await;
    let probe = Replica::alone();
    let timer = coordinated("back", secs(10), probe.clone(), || ());
    timer.start().unwrap();
    within(timer.join()).await.unwrap();
    let ran_k = Instant::now();
    let set_back = WallShift::by(secs(3));
    within(timer.join()).await.unwrap();
    let gap = Instant::now() - ran_k;
    timer.cancel().await;
    drop(set_back);
    assert_eq!(probe.asked(), [k, k + 1]);
    assert!(
        (secs(13)..=secs(13) + ms(2)).contains(&gap),
        "slot k + 1 waited for the wall clock: {gap:?}"
    );
}

/// Many concurrent waiters (the `listeners` count) and a tick that lands while they register:
/// each one is woken by the tick that reaches its goal.
#[tokio::test(start_paused = true)]
async fn every_waiter_is_woken_by_the_tick_that_reaches_its_goal() {
    let timer = Timer::new(secs(1), || ());
    timer.start().unwrap();
    let waiters: Vec<_> = (1..=50u64)
        .map(|n| {
            let timer = timer.clone();
            tokio::spawn(async move { timer.wait().hit_count(n % 5 + 1).await })
        })
        .collect();
    for w in waiters {
        within(w).await.unwrap().unwrap();
    }
    assert!(timer.hit_count() >= 5);
    timer.cancel().await;
}

/// The runtime shuts down while a claim is in flight (real time, a runtime on its own thread):
/// the run ends as `RuntimeShutdown`, `on_stop` is called once, and the timer is stopped.
#[test]
fn a_runtime_shut_down_during_a_claim_ends_the_run() {
    install_wall_clock();

    struct Hang(Mutex<std::sync::mpsc::SyncSender<u64>>);
    impl Coordinator for Hang {
        fn owner(&self) -> &str {
            "hang"
        }
        fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
            Box::pin(async { Ok(()) })
        }
        fn claim<'a>(&'a self, slot: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
            let _ = self.0.lock().unwrap().try_send(slot.index);
            Box::pin(std::future::pending())
        }
        fn record<'a>(
            &'a self,
            _slot: &'a Slot,
            _run: &'a RunRecord,
        ) -> BoxFuture<'a, Result<(), BoxError>> {
            Box::pin(async { Ok(()) })
        }
    }

    let (tx, rx) = std::sync::mpsc::sync_channel(8);
    let stops = Arc::new(Mutex::new(Vec::new()));
    let seen = stops.clone();
    let timer = Timer::builder(secs(1), || ())
        .name("shutdown-mid-claim")
        .mode(Mode::FixedRate)
        .coordinator(Hang(Mutex::new(tx)))
        .on_stop(move |reason| seen.lock().unwrap().push(format!("{reason:?}")))
        .build()
        .unwrap();
    let background = common::Background::new();
    background.start(&timer);
    rx.recv_timeout(secs(5)).expect("the run asked for a slot");
    background.shut_down();
    assert!(!timer.is_running());
    assert!(matches!(
        timer.last_stop(),
        Some(StopReason::RuntimeShutdown)
    ));
    assert_eq!(stops.lock().unwrap().len(), 1);
}

/// A replica that wakes late (here: the wall clock jumped 25 s ahead while it slept for slot
/// k + 1): the slots that passed are counted as missed and it claims the current slot, once.
#[tokio::test(start_paused = true)]
async fn a_replica_that_wakes_late_claims_only_the_current_slot() {
    install_wall_clock();
    let k = align(10, ms(500)).await;
    let probe = Replica::alone();
    let timer = coordinated("late", secs(10), probe.clone(), || ());
    timer.start().unwrap();
    within(timer.join()).await.unwrap();
    let ran_k = Instant::now();
    let ahead = WallShift::ahead(secs(25));
    within(timer.join()).await.unwrap();
    let gap = Instant::now() - ran_k;
    let skipped = timer.stats().skipped;
    timer.cancel().await;
    drop(ahead);
    assert_eq!(probe.asked(), [k, k + 3]);
    assert_eq!(skipped, 2, "slots k + 1 and k + 2 were missed");
    assert!(gap <= secs(10) + ms(2), "woke at the old instant: {gap:?}");
}
