//! Replicas of one service — separate processes of the `replica` binary — run one coordinated
//! job against the real PostgreSQL and Redis (`PERIODIC_TEST_POSTGRES_URL`,
//! `PERIODIC_TEST_REDIS_URL`; each store's part prints a skip notice and passes without its
//! variable). Each test runs its scenario for both stores at once.
//!
//! What a replica ran is read from its claims (see `periodic_fleet_tests`), not guessed from
//! the clock, and every wait is for a line the replicas print, bounded only as a failure guard.

mod support;

use std::time::Duration;

use periodic_fleet_tests::Line;
use periodic_store_testkit::Proxy;
use support::{
    Answer, EVENT_BOUND, Fleet, PERIOD, ReplicaSpec, STALL, START_BOUND, Store, check_store_agrees,
    clean_up, current_slot, for_each_store,
};

/// The failure bound for replicas to reach their last slot and exit: the slots left, plus
/// slack for a loaded machine.
fn until_slot(last: u64) -> Duration {
    PERIOD * u32::try_from(last.saturating_sub(current_slot())).unwrap() + Duration::from_secs(30)
}

/// The lines about failed claims (an error, or no answer in time) of `id`.
fn failures_of<'a>(events: &'a [Line], id: &'a str) -> impl Iterator<Item = u64> + 'a {
    events.iter().filter_map(move |e| match e {
        Line::Failed { replica, slot, .. } | Line::Abandoned { replica, slot } if replica == id => {
            Some(*slot)
        }
        _ => None,
    })
}

/// Whether `id` got an answer from its store (won or lost) after its last failed claim in
/// `events`, and after at least one failure: it has recovered.
fn recovered(events: &[Line], id: &str) -> bool {
    let Some(last_failure) = failures_of(events, id).max() else {
        return false;
    };
    events.iter().any(|e| match e {
        Line::Won { replica, slot } | Line::Lost { replica, slot } => {
            replica == id && *slot > last_failure
        }
        _ => false,
    })
}

/// Three replicas, the same clock, nothing goes wrong: at least 100 slots while all three are
/// up, every slot from the first that any replica asked for to the last runs exactly once.
/// Before all three are up the ones that are up run every slot, so the checked range starts at
/// the first ask of any replica; it ends at the last slot, which all three are told, so none
/// has left before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_run_every_slot_exactly_once() {
    for_each_store(three_replicas).await;
}

async fn three_replicas(store: Store) {
    let specs = ["r1", "r2", "r3"].map(|id| ReplicaSpec::new(id, store.url()));
    let mut fleet = Fleet::start(&store, &specs).await;
    let ids = fleet.ids();
    let all_up = fleet.wait_all_asked().await;
    let last = all_up + 100;
    fleet.set_last(last).await;
    fleet.wait_exit(until_slot(last)).await;

    let history = fleet.history();
    history.check_common();
    let from = history.some_up().unwrap();
    // Panics on any slot that did not run exactly once, unless every replica passed over it
    // in a host stall (and said so).
    let gaps =
        history.check_exactly_once(from..=last, |slot| history.missed_by_every_replica(slot));
    history.check_few_stalls(&gaps);
    check_store_agrees(&fleet, &history, &[]).await;
    println!(
        "{}: slots {from}..={last} ({} with all three up) ran once each, but for {:?} (host stalls); runs per replica {:?}; failed claims {:?}",
        store.kind(),
        last - all_up + 1,
        gaps.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        history.runs_per_replica(),
        ids.iter()
            .map(|id| (id.as_str(), history.failures(id).len()))
            .collect::<Vec<_>>(),
    );
    clean_up(&fleet).await;
}

/// A replica SIGKILLed right after one of its runs: the two others go on, no slot runs twice,
/// and every slot runs — except, at most, one slot the killed replica claimed in the instant
/// it died (claimed and not run: the documented limit), which the store must show it holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_replica_leaves_the_others_running_every_slot_once() {
    for_each_store(kill_a_replica).await;
}

async fn kill_a_replica(store: Store) {
    let specs = ["r1", "r2", "r3"].map(|id| ReplicaSpec::new(id, store.url()));
    let mut fleet = Fleet::start(&store, &specs).await;
    let all_up = fleet.wait_all_asked().await;
    // Ten slots with all three up, then the victim's next run.
    let victim = "r2";
    fleet
        .wait_for(
            START_BOUND,
            "r2 to run a slot, ten slots after all are up",
            0,
            |events| {
                events.iter().any(|e| {
                    matches!(e, Line::Ran { replica, slot, .. }
                        if replica == victim && *slot >= all_up + 10)
                })
            },
        )
        .await;
    fleet.kill(victim).await;
    let killed_after = fleet.history().answers[victim]
        .keys()
        .next_back()
        .copied()
        .unwrap();
    let last = current_slot() + 40;
    fleet.set_last(last).await;
    fleet.wait_exit(until_slot(last)).await;

    let history = fleet.history();
    history.check_common();
    let victim_answers = &history.answers[victim];
    let from = history.some_up().unwrap();
    let gaps = history.check_exactly_once(from..=last, |slot| {
        // Its last ask, won or unanswered when it died, may be held by it and never run.
        let (&final_ask, answer) = victim_answers.last_key_value()?;
        if slot == final_ask && matches!(answer, Answer::Won | Answer::Pending) {
            return Some(format!("{victim} claimed it as it was killed ({answer:?})"));
        }
        history.missed_by_every_replica(slot)
    });
    // Beside stalls, only the victim's final ask can be excused: at most one slot.
    history.check_few_stalls(&gaps);
    // The others went on: every slot after the kill ran on them.
    let after: Vec<u64> = (killed_after + 1..=last).collect();
    for slot in &after {
        let runners = history.runners(*slot);
        assert!(
            runners.iter().all(|r| *r != victim),
            "{}: slot {slot} ran on the killed replica",
            store.kind()
        );
    }
    let ran_after = after
        .iter()
        .filter(|s| history.runs.contains_key(s))
        .count();
    assert!(
        ran_after >= 39,
        "{}: only {ran_after} slots ran after the kill",
        store.kind()
    );
    check_store_agrees(&fleet, &history, &[victim]).await;
    println!(
        "{}: {victim} killed after slot {killed_after}; slots {from}..={last} ran once each (excused: {gaps:?}); runs per replica {:?}",
        store.kind(),
        history.runs_per_replica()
    );
    clean_up(&fleet).await;
}

/// Every replica reaches the store through a proxy the test controls. First one replica's
/// connection is cut: the two others run every slot (a slot is missing only if the cut
/// replica's claim reached the store and its answer was lost — the store then shows that it
/// holds it, and the others were told so). Then every connection is cut: the replicas skip
/// slots, each logged as an error naming it. After the restore the job resumes on its own: from
/// the first slot after every replica's last failure, every slot runs exactly once. No slot
/// runs twice, ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_connection_skips_slots_logged_and_resumes_on_its_own() {
    for_each_store(cut_and_restore).await;
}

async fn cut_and_restore(store: Store) {
    let kind = store.kind();
    let mut proxies = Vec::new();
    let mut specs = Vec::new();
    for id in ["r1", "r2", "r3"] {
        let (proxy, url) = Proxy::in_front_of(store.url()).await.unwrap();
        proxies.push(proxy);
        specs.push(ReplicaSpec::new(id, &url));
    }
    let mut fleet = Fleet::start(&store, &specs).await;
    let ids = fleet.ids();
    let all_up = fleet.wait_all_asked().await;
    fleet
        .wait_for(EVENT_BOUND, "ten slots run with all up", 0, |events| {
            events
                .iter()
                .any(|e| matches!(e, Line::Ran { slot, .. } if *slot >= all_up + 10))
        })
        .await;

    // One replica cut off: it fails twice, then it is restored and recovers.
    let mark = fleet.mark();
    proxies[0].cut().await;
    fleet
        .wait_for(EVENT_BOUND, "r1's claims to fail twice", mark, |events| {
            failures_of(events, "r1").count() >= 2
        })
        .await;
    proxies[0].resume().await;
    fleet
        .wait_for(EVENT_BOUND, "r1 to recover", mark, |events| {
            recovered(events, "r1")
        })
        .await;
    let one_cut = {
        let history = fleet.history();
        let failed = history.failures("r1");
        (*failed.first().unwrap(), *failed.last().unwrap())
    };

    // Every replica cut off: each fails twice, then all are restored and recover.
    let mark = fleet.mark();
    for proxy in &proxies {
        proxy.cut().await;
    }
    fleet
        .wait_for(
            EVENT_BOUND,
            "every replica's claims to fail twice",
            mark,
            |events| ids.iter().all(|id| failures_of(events, id).count() >= 2),
        )
        .await;
    let events = fleet.events_since(mark);
    let all_cut_from = ids
        .iter()
        .filter_map(|id| failures_of(&events, id).min())
        .min()
        .unwrap();
    for proxy in &proxies {
        proxy.resume().await;
    }
    fleet
        .wait_for(EVENT_BOUND, "every replica to recover", mark, |events| {
            ids.iter().all(|id| recovered(events, id))
        })
        .await;
    let last = current_slot() + 30;
    fleet.set_last(last).await;
    fleet.wait_exit(until_slot(last)).await;

    let history = fleet.history();
    history.check_common();
    // Recovered: the first slot every replica asked for after its last failed claim (the
    // slots in between passed while it waited for that claim's answer).
    let back = ids
        .iter()
        .map(|id| {
            let last_failure = *history.failures(id).last().unwrap();
            let asked = history.answers[id].range(last_failure + 1..).next();
            *asked.map(|(slot, _)| slot).unwrap()
        })
        .max()
        .unwrap();
    let from = history.some_up().unwrap();
    let gaps = history.check_exactly_once(from..=last, |slot| {
        let claims = history.claims_of(slot);
        let failed: Vec<&str> = claims
            .iter()
            .filter(|(_, a)| a.failed())
            .map(|(id, _)| id.as_str())
            .collect();
        if slot >= back {
            // After the recovery it had to run, but for a host stall.
            return history.missed_by_every_replica(slot);
        }
        if slot >= all_cut_from && claims.is_empty() {
            // While every connection was cut, each replica waited for a claim's answer and
            // then passed over the slots that fell due meanwhile (counted in its warnings).
            return Some("nobody asked: all were waiting on a cut connection".to_owned());
        }
        if failed.is_empty() {
            // Nobody's claim failed: it had to run, but for a host stall.
            return history.missed_by_every_replica(slot);
        }
        if (one_cut.0..=one_cut.1).contains(&slot) {
            // Only r1 was cut: the others reached the store, which had r1's claim.
            let others_told = claims
                .iter()
                .any(|(id, a)| id != "r1" && *a == Answer::Lost);
            return (failed == ["r1"] && others_told)
                .then(|| "r1's claim landed, its answer was lost in the cut".to_owned());
        }
        Some(format!("claims failed on {failed:?}"))
    });
    history.check_few_stalls(&gaps);
    // The whole-fleet cut skipped slots; the one-replica cut may have lost one at most.
    let lost_in_one_cut = gaps
        .iter()
        .filter(|(s, why)| (one_cut.0..=one_cut.1).contains(s) && why != STALL)
        .count();
    assert!(lost_in_one_cut <= 1, "{kind}: {gaps:?}");
    assert!(
        last - back >= 20,
        "{kind}: only {} slots after the recovery",
        last - back
    );
    for id in &ids {
        assert!(
            history.failures(id).len() >= 2,
            "{kind}: {id} logged no skipped slot"
        );
        assert!(
            history.answers[id]
                .range(back..)
                .all(|(_, a)| matches!(a, Answer::Won | Answer::Lost)),
            "{kind}: {id} did not resume cleanly\n{}",
            history.dump()
        );
    }
    check_store_agrees(
        &fleet,
        &history,
        &ids.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await;
    println!(
        "{kind}: r1 alone cut over slots {one_cut:?}; all cut, back from slot {back}; gaps {:?}; failures {:?}; runs per replica {:?}",
        gaps.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        ids.iter()
            .map(|id| (id.as_str(), history.failures(id).len()))
            .collect::<Vec<_>>(),
        history.runs_per_replica()
    );
    clean_up(&fleet).await;
}

/// Three replicas whose clocks are 90 ms ahead, right, and 90 ms behind (less than half the
/// 200 ms period): each slot still runs exactly once. The replica ahead asks first and wins
/// nearly every slot, before the real due time; the one behind asks 180 ms later and is told
/// the slot is taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_with_skewed_clocks_never_run_a_slot_twice() {
    for_each_store(skewed_clocks).await;
}

async fn skewed_clocks(store: Store) {
    let kind = store.kind();
    let specs = [
        ReplicaSpec::new("ahead", store.url()).skew_ms(90),
        ReplicaSpec::new("exact", store.url()),
        ReplicaSpec::new("behind", store.url()).skew_ms(-90),
    ];
    let mut fleet = Fleet::start(&store, &specs).await;
    let all_up = fleet.wait_all_asked().await;
    let last = all_up + 50;
    fleet.set_last(last).await;
    fleet.wait_exit(until_slot(last)).await;

    let history = fleet.history();
    history.check_common();
    let from = history.some_up().unwrap();
    // Panics on any slot that did not run exactly once, unless every replica passed over it
    // in a host stall (and said so).
    let gaps =
        history.check_exactly_once(from..=last, |slot| history.missed_by_every_replica(slot));
    history.check_few_stalls(&gaps);
    // The skew took effect: the replica ahead ran slots before they were really due.
    let early = history
        .runs
        .values()
        .flatten()
        .filter(|r| r.replica == "ahead" && r.real_lag_us < -50_000)
        .count();
    assert!(
        early > 0,
        "{kind}: the replica ahead never ran early\n{}",
        history.dump()
    );
    // The one behind asked for the slots after the others had claimed them, and was refused.
    let refused = history.answers["behind"]
        .values()
        .filter(|a| **a == Answer::Lost)
        .count();
    assert!(
        refused >= 25,
        "{kind}: the replica behind was refused {refused} slots only\n{}",
        history.dump()
    );
    check_store_agrees(&fleet, &history, &[]).await;
    println!(
        "{kind}: slots {from}..={last} ran once each, but for {:?} (host stalls); {early} early runs by the replica ahead; {refused} slots refused to the one behind; runs per replica {:?}",
        gaps.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        history.runs_per_replica()
    );
    clean_up(&fleet).await;
}
