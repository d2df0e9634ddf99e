//! Coordinated timers in one process, under tokio's paused clock: several timers of the same
//! name stand for the replicas of a service, sharing a store (SPEC §11). The tests across real
//! processes and real stores live in `stores/fleet-tests`.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use common::{Failing, Replica, StoreLog, coordinated, secs, wall_secs, within};
use periodic::{
    BoxError, BoxFuture, Coordinator, Error, InMemoryCoordinator, Mode, RunOutcome, RunRecord,
    Slot, Timer, Unreachable,
};
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn three_replicas_run_every_slot_exactly_once() {
    let store = InMemoryCoordinator::new("shared");
    let log = Arc::new(Mutex::new(StoreLog::default()));
    let runs: Vec<Arc<AtomicU32>> = (0..3).map(|_| Arc::default()).collect();
    let timers: Vec<_> = (0..3u32)
        .map(|id| {
            let runs = runs[id as usize].clone();
            let replica = Replica::new(id, &store, &log);
            coordinated("prune", secs(1), replica, move || {
                runs.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    for t in &timers {
        t.start().unwrap();
    }
    tokio::time::sleep(secs(150)).await;
    for t in &timers {
        t.cancel().await;
    }

    let log = log.lock().unwrap();
    let mut per_slot: BTreeMap<u64, u32> = BTreeMap::new();
    for (_, slot, _) in &log.won {
        *per_slot.entry(*slot).or_default() += 1;
    }
    assert!(per_slot.len() >= 149, "only {} slots ran", per_slot.len());
    assert!(per_slot.values().all(|&n| n == 1), "a slot ran twice");
    let (first, last) = (
        *per_slot.keys().next().unwrap(),
        *per_slot.keys().last().unwrap(),
    );
    assert_eq!(
        per_slot.len() as u64,
        last - first + 1,
        "no slot between the first and the last was left out"
    );
    // Each slot was asked by all three replicas, and only the winner ran the target.
    assert_eq!(log.lost.len(), 2 * log.won.len());
    let total: u32 = runs.iter().map(|r| r.load(Ordering::SeqCst)).sum();
    assert_eq!(total as usize, log.won.len());
    // Every claimed run was recorded, as a success.
    let recorded: Vec<u64> = log.records.iter().map(|(k, _)| *k).collect();
    assert_eq!(recorded.len(), log.won.len());
    assert!(log.records.iter().all(|(_, o)| o.is_ok()));
}

#[tokio::test(start_paused = true)]
async fn slots_lie_on_the_epoch_grid_shifted_by_the_offset() {
    let store = InMemoryCoordinator::new("a");
    let log = Arc::new(Mutex::new(StoreLog::default()));
    let timer = Timer::builder(secs(10), || ())
        .name("report")
        .mode(Mode::FixedRate)
        .coordinator(Replica::new(0, &store, &log))
        .slot_offset(secs(3))
        .build()
        .unwrap();
    timer.start().unwrap();
    within(timer.wait().hits(5)).await.unwrap();
    timer.cancel().await;

    let log = log.lock().unwrap();
    let won: Vec<_> = log.won.iter().map(|(_, k, at)| (*k, *at)).collect();
    assert_eq!(won.len(), 5);
    for pair in won.windows(2) {
        assert_eq!(pair[1].0, pair[0].0 + 1, "consecutive slots");
        assert_eq!(pair[1].1 - pair[0].1, secs(10), "one period apart");
    }
    // The claims happened when the wall clock read `k·10 s + 3 s`, to the millisecond that
    // tokio's timer rounds to.
    let (k, at) = won[4];
    let wall_at_claim = wall_secs(SystemTime::now) - (Instant::now() - at).as_secs_f64();
    let due = (k * 10 + 3) as f64;
    assert!(
        (wall_at_claim - due).abs() < 0.005,
        "slot {k} claimed at {wall_at_claim}, due at {due}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_store_skips_its_slots_and_the_timer_resumes() {
    let store = InMemoryCoordinator::new("a");
    let log = Arc::new(Mutex::new(StoreLog::default()));
    let now = wall_secs(SystemTime::now) as u64;
    // The store refuses the slots due in 5..8 s from now.
    let refused = now + 5..now + 8;
    let replica = Replica::new(0, &store, &log).failing(refused.clone(), Failing::Refuse);
    let runs = Arc::new(AtomicU32::new(0));
    let counter = runs.clone();
    let timer = coordinated("sync", secs(1), replica, move || {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    timer.start().unwrap();
    tokio::time::sleep(secs(12)).await;
    timer.cancel().await;

    let won: Vec<u64> = log.lock().unwrap().won.iter().map(|w| w.1).collect();
    assert!(won.iter().all(|k| !refused.contains(k)), "{won:?}");
    assert!(won.contains(&(refused.start - 1)) && won.contains(&refused.end));
    assert_eq!(
        timer.stats().skipped,
        3,
        "each refused slot counts as skipped"
    );
    assert_eq!(runs.load(Ordering::SeqCst) as usize, won.len());
}

#[tokio::test(start_paused = true)]
async fn run_anyway_runs_the_slots_the_store_cannot_be_asked_about() {
    let store = InMemoryCoordinator::new("a");
    let log = Arc::new(Mutex::new(StoreLog::default()));
    let now = wall_secs(SystemTime::now) as u64;
    let refused = now + 3..now + 5;
    let replica = Replica::new(0, &store, &log).failing(refused, Failing::Refuse);
    let timer = Timer::builder(secs(1), || ())
        .name("anyway")
        .mode(Mode::FixedRate)
        .coordinator(replica)
        .when_unreachable(Unreachable::RunAnyway)
        .build()
        .unwrap();
    timer.start().unwrap();
    tokio::time::sleep(secs(8) + Duration::from_millis(500)).await;
    timer.cancel().await;
    let won = log.lock().unwrap().won.len() as u64;
    assert_eq!(timer.hit_count(), won + 2, "the two refused slots ran too");
    assert_eq!(timer.stats().skipped, 0);
    // Runs without a claim are not recorded: the store was not reachable.
    assert_eq!(log.lock().unwrap().records.len() as u64, won);
}

#[tokio::test(start_paused = true)]
async fn a_claim_that_never_answers_times_out_and_the_slot_is_skipped() {
    let store = InMemoryCoordinator::new("a");
    let log = Arc::new(Mutex::new(StoreLog::default()));
    let period = secs(4);
    // Slot indexes count periods of 4 s since the epoch: the third slot from now hangs.
    let next = wall_secs(SystemTime::now) as u64 / 4 + 1;
    let hanging = next + 2..next + 3;
    let replica = Replica::new(0, &store, &log).failing(hanging.clone(), Failing::Hang);
    let timer = coordinated("hang", period, replica, || ());
    timer.start().unwrap();
    tokio::time::sleep(secs(30)).await;
    timer.cancel().await;
    let won: Vec<u64> = log.lock().unwrap().won.iter().map(|w| w.1).collect();
    assert_eq!(timer.stats().skipped, 1);
    assert!(!won.contains(&hanging.start), "{won:?}");
    let after = won.iter().filter(|&&k| k >= hanging.end).count();
    assert!(
        after >= 4,
        "the timer went on after the hung claim: {won:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn cancel_during_a_hung_claim_returns_at_once() {
    let store = InMemoryCoordinator::new("a");
    let log = Arc::new(Mutex::new(StoreLog::default()));
    let replica = Replica::new(0, &store, &log).failing(0..u64::MAX, Failing::Hang);
    let timer = coordinated("stuck", secs(60), replica, || ());
    timer.start().unwrap();
    // One second into the first claim, due at the next whole minute (its time bound is 10 s).
    let to_slot = 60.0 - wall_secs(SystemTime::now) % 60.0;
    tokio::time::sleep(Duration::from_secs_f64(to_slot) + secs(1)).await;
    assert_eq!(
        log.lock().unwrap().asked.len(),
        1,
        "the first claim was asked"
    );
    assert_eq!(timer.stats().skipped, 0, "and has not timed out");
    let before = Instant::now();
    within(timer.cancel()).await;
    assert_eq!(before.elapsed(), Duration::ZERO);
    assert!(!timer.is_running());
    assert_eq!(timer.hit_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn failed_runs_are_recorded_as_failed() {
    let store = InMemoryCoordinator::new("a");
    let log = Arc::new(Mutex::new(StoreLog::default()));
    let timer: Timer<u8> = coordinated(
        "fails",
        secs(1),
        Replica::new(0, &store, &log),
        || -> Result<u8, String> { Err("disk full".to_owned()) },
    );
    timer.start().unwrap();
    let _ = within(timer.join()).await;
    let _ = within(timer.join()).await;
    timer.cancel().await;
    tokio::task::yield_now().await; // let the record tasks run
    let records = log.lock().unwrap().records.clone();
    assert!(records.len() >= 2);
    for (_, outcome) in records {
        assert!(matches!(outcome, RunOutcome::Failed(ref m) if m.contains("disk full")));
    }
}

#[tokio::test(start_paused = true)]
async fn a_trigger_runs_at_once_without_a_claim() {
    let store = InMemoryCoordinator::new("a");
    let log = Arc::new(Mutex::new(StoreLog::default()));
    let timer = coordinated("manual", secs(3600), Replica::new(0, &store, &log), || 7);
    timer.start().unwrap();
    let before = Instant::now();
    assert_eq!(within(timer.trigger()).await.unwrap(), 7);
    assert_eq!(before.elapsed(), Duration::ZERO);
    assert!(log.lock().unwrap().won.is_empty(), "no slot was claimed");
    // The slots go on as before: the next one is claimed and runs within the hour.
    within(timer.join()).await.unwrap();
    assert_eq!(log.lock().unwrap().won.len(), 1);
    timer.cancel().await;
}

#[tokio::test(start_paused = true)]
async fn a_replica_that_falls_behind_skips_the_passed_slots() {
    let store = InMemoryCoordinator::new("a");
    let log = Arc::new(Mutex::new(StoreLog::default()));
    let slow = Arc::new(AtomicU32::new(0));
    let calls = slow.clone();
    // The first run takes 3.5 periods: the slots that passed meanwhile are not run late.
    let timer = coordinated("slow", secs(2), Replica::new(0, &store, &log), move || {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                tokio::time::sleep(secs(7)).await;
            }
        }
    });
    timer.start().unwrap();
    within(timer.wait().hits(3)).await.unwrap();
    timer.cancel().await;
    let won: Vec<u64> = log.lock().unwrap().won.iter().map(|w| w.1).collect();
    assert_eq!(
        won[1] - won[0],
        4,
        "slots passed during the slow run: {won:?}"
    );
    assert_eq!(won[2] - won[1], 1);
    assert_eq!(timer.stats().skipped, 3);
}

#[test]
fn a_coordinated_timer_needs_fixed_rate_no_jitter_and_a_coordinator() {
    let store = InMemoryCoordinator::new("a");
    let fixed_delay = Timer::builder(secs(1), || ())
        .coordinator(store.clone())
        .build();
    assert!(matches!(fixed_delay, Err(Error::InvalidConfig(m)) if m.contains("FixedRate")));
    let jitter = Timer::builder(secs(1), || ())
        .mode(Mode::FixedRate)
        .jitter(0.1)
        .coordinator(store.clone())
        .build();
    assert!(matches!(jitter, Err(Error::InvalidConfig(m)) if m.contains("jitter")));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let _guard = runtime.enter();
    let bare = Timer::builder(secs(1), || ())
        .name("bare")
        .mode(Mode::FixedRate)
        .coordinated(true)
        .build()
        .unwrap();
    let refused = bare.start().unwrap_err();
    assert!(
        matches!(&refused, Error::InvalidConfig(m) if m.contains("`bare`") && m.contains("no coordinator")),
        "{refused}"
    );
    assert!(!bare.is_running());

    let timer = Timer::builder(secs(1), || ())
        .mode(Mode::FixedRate)
        .coordinator(store)
        .build()
        .unwrap();
    assert!(matches!(
        timer.set_mode(Mode::FixedDelay),
        Err(Error::InvalidConfig(_))
    ));
    assert_eq!(timer.mode(), Mode::FixedRate);
    // `coordinated(false)` drops the coordination again.
    let plain = Timer::builder(secs(1), || ())
        .coordinator(InMemoryCoordinator::new("b"))
        .coordinated(false)
        .build()
        .unwrap();
    assert!(!plain.is_coordinated());
}

/// A store that is not ready for its first `n` calls of `prepare`.
struct NotReadyYet {
    store: InMemoryCoordinator,
    refusals: AtomicU32,
    prepared: AtomicU32,
}

impl Coordinator for NotReadyYet {
    fn owner(&self) -> &str {
        "late"
    }
    fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        self.prepared.fetch_add(1, Ordering::SeqCst);
        let refuse = self
            .refusals
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        Box::pin(async move {
            if refuse {
                Err("the runs table cannot be created".into())
            } else {
                Ok(())
            }
        })
    }
    fn claim<'a>(&'a self, slot: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
        self.store.claim(slot)
    }
    fn record<'a>(&'a self, s: &'a Slot, r: &'a RunRecord) -> BoxFuture<'a, Result<(), BoxError>> {
        self.store.record(s, r)
    }
}

#[tokio::test(start_paused = true)]
async fn a_timer_prepares_its_store_before_its_first_claim_and_until_it_is_ready() {
    let store = Arc::new(NotReadyYet {
        store: InMemoryCoordinator::new("late"),
        refusals: AtomicU32::new(2),
        prepared: AtomicU32::new(0),
    });
    let timer = Timer::builder(secs(1), || ())
        .name("late")
        .mode(Mode::FixedRate)
        .coordinator(store.clone())
        .build()
        .unwrap();
    timer.start().unwrap();
    within(timer.wait().hits(3)).await.unwrap();
    timer.cancel().await;
    // Two slots found the store not ready (skipped, nothing claimed); the third prepared it,
    // and no later slot prepared again.
    assert_eq!(timer.stats().skipped, 2);
    assert_eq!(store.prepared.load(Ordering::SeqCst), 3);
    assert_eq!(store.store.claimed("late").len(), 3);
}
