//! `TimerGroup` (SPEC §5): members of different `T`, one lifecycle. Paused time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use periodic::{Error, OnError, Timer, TimerGroup};
use tokio::time::{Instant, sleep};

mod common;
use common::{ms, secs, within};

fn counter() -> impl FnMut() -> u32 + Send + 'static {
    let mut n = 0;
    move || {
        n += 1;
        n
    }
}

#[tokio::test(start_paused = true)]
async fn members_of_different_types_start_wait_and_cancel_together() {
    let numbers = Timer::new(secs(1), counter());
    let words = Timer::builder(secs(2), || "tick")
        .name("words")
        .build()
        .unwrap();
    let group = TimerGroup::new("caches");
    group.add(numbers.clone()).unwrap();
    group.add(words.clone()).unwrap();
    assert_eq!(group.len(), 2);
    assert!(!group.is_running());
    group.start().unwrap();
    assert!(group.is_running());
    // hit_count is absolute: both members reach 3 (numbers at 2 s, words at 4 s).
    let t0 = Instant::now();
    let outcomes = within(group.wait().hit_count(3)).await.unwrap();
    assert_eq!(t0.elapsed(), secs(4));
    assert_eq!(outcomes.len(), 2);
    assert_eq!(&*outcomes[1].name, "words");
    assert!(numbers.hit_count() >= 3 && words.hit_count() == 3);
    within(group.cancel_all()).await;
    assert!(!group.is_running());
    assert!(!numbers.is_running() && !words.is_running());
}

// hits is relative to each member's own count at the call.
#[tokio::test(start_paused = true)]
async fn wait_hits_counts_more_ticks_of_every_member() {
    let fast = Timer::new(secs(1), counter());
    let slow = Timer::new(secs(5), counter());
    let group = TimerGroup::new("g");
    group.add(fast.clone()).unwrap();
    group.add(slow.clone()).unwrap();
    group.start().unwrap();
    within(group.wait().hit_count(1)).await.unwrap();
    let t0 = Instant::now();
    within(group.wait().hits(2)).await.unwrap();
    // slow needs two more ticks: at 5 and 10 s.
    assert_eq!(t0.elapsed(), secs(10));
    assert_eq!(slow.hit_count(), 3);
    group.cancel_all().await;
}

// One timeout for the whole group: a condition not met in time is Error::Timeout; an idle wait
// returns Ok at the deadline.
#[tokio::test(start_paused = true)]
async fn one_timeout_for_the_whole_group() {
    let group = TimerGroup::new("g");
    group.add(Timer::new(secs(1), counter())).unwrap();
    group.add(Timer::new(secs(100), counter())).unwrap();
    group.start().unwrap();
    let t0 = Instant::now();
    let late = within(group.wait().hits(2).timeout(secs(10))).await;
    assert!(
        matches!(late, Err(Error::Timeout(d)) if d == secs(10)),
        "{late:?}"
    );
    assert_eq!(t0.elapsed(), secs(10));
    let idle = within(group.wait().timeout(secs(3))).await.unwrap();
    assert_eq!(idle.len(), 2);
    assert!(idle.iter().all(|o| o.result.is_ok()));
    group.cancel_all().await;
}

// An idle group wait ends when every member has stopped.
#[tokio::test(start_paused = true)]
async fn idle_wait_ends_when_every_member_stops() {
    let group = TimerGroup::new("g");
    group.add(Timer::new(secs(1), [1, 2].into_iter())).unwrap();
    group
        .add(Timer::new(secs(1), [1, 2, 3, 4].into_iter()))
        .unwrap();
    group.start().unwrap();
    let t0 = Instant::now();
    within(group.wait()).await.unwrap();
    // The longer iterator ends on its fifth call, at 4 s.
    assert_eq!(t0.elapsed(), secs(4));
    assert!(!group.is_running());
}

// add() while running starts the timer; add() of a timer that cannot start (a used
// single-shot timer) fails and does not add it.
#[tokio::test(start_paused = true)]
async fn add_while_running_starts_the_member() {
    let group = TimerGroup::new("g");
    group.start().unwrap();
    let late = Timer::new(secs(1), counter());
    group.add(late.clone()).unwrap();
    assert!(late.is_running());
    let single_shot = Timer::builder(secs(1), counter())
        .cancel_on(std::future::ready(()))
        .build()
        .unwrap();
    single_shot.start().unwrap();
    within(single_shot.wait()).await.unwrap(); // its run ended: it cannot start again
    assert!(matches!(group.add(single_shot), Err(Error::Restart { .. })));
    assert_eq!(group.len(), 1);
    group.cancel_all().await;
}

// trigger() fires every member concurrently; outcomes are in insertion order; fail fast or
// collect each member's error.
#[tokio::test(start_paused = true)]
async fn trigger_every_member_concurrently() {
    let calls = Arc::new(AtomicU32::new(0));
    let slow = {
        let calls = calls.clone();
        Timer::builder(secs(3600), move || {
            let calls = calls.clone();
            async move {
                sleep(secs(2)).await;
                calls.fetch_add(1, Ordering::SeqCst)
            }
        })
        .name("slow")
        .build()
        .unwrap()
    };
    let failing = Timer::builder(secs(3600), {
        let mut n = 0;
        move || {
            n += 1;
            if n > 1 {
                Err(std::io::Error::other("down"))
            } else {
                Ok(n)
            }
        }
    })
    .name("failing")
    .on_error(OnError::Continue)
    .build()
    .unwrap();
    let other = Timer::builder(secs(3600), counter())
        .name("other")
        .build()
        .unwrap();
    let group = TimerGroup::new("g");
    for_each_add(&group, &slow, &failing, &other);
    group.start().unwrap();
    within(group.wait().hit_count(1)).await.unwrap();

    // Concurrently: the two-second member does not delay the others' calls.
    let t0 = Instant::now();
    let each = within(group.trigger_each()).await;
    assert_eq!(t0.elapsed(), secs(2));
    let names: Vec<_> = each.iter().map(|o| o.name.to_string()).collect();
    assert_eq!(names, ["slow", "failing", "other"]);
    assert!(each[0].result.is_ok() && each[2].result.is_ok());
    assert!(matches!(each[1].result, Err(Error::Target { .. })));
    assert_eq!(other.last_result(), Some(2));

    // Fail fast: the first error in insertion order.
    let err = within(group.trigger()).await.unwrap_err();
    assert!(
        matches!(err, Error::Target { ref name, .. } if &**name == "failing"),
        "{err:?}"
    );
    group.cancel_all().await;
}

fn for_each_add(group: &TimerGroup, a: &Timer<u32>, b: &Timer<u32>, c: &Timer<u32>) {
    for t in [a, b, c] {
        group.add(t.clone()).unwrap();
    }
}

// Waiting can collect each member's error instead of failing fast.
#[tokio::test(start_paused = true)]
async fn wait_can_collect_errors() {
    let ok = Timer::builder(secs(1), counter())
        .name("ok")
        .build()
        .unwrap();
    let bad = Timer::builder(secs(1), || Err::<u32, _>(std::io::Error::other("no")))
        .name("bad")
        .on_error(OnError::Stop)
        .build()
        .unwrap();
    let group = TimerGroup::new("g");
    group.add(ok).unwrap();
    group.add(bad).unwrap();
    group.start().unwrap();
    let outcomes = within(group.wait().hit_count(2).collect_errors())
        .await
        .unwrap();
    assert!(outcomes[0].result.is_ok());
    assert!(outcomes[1].result.is_err());
    group.cancel_all().await;
}

// A used single-shot member cannot start again: the check refuses it before the members
// added before it are started, so none of them runs, even for a moment.
#[tokio::test(start_paused = true)]
async fn a_used_single_shot_member_keeps_the_others_from_starting() {
    let first = Timer::builder(secs(1), counter())
        .name("first")
        .build()
        .unwrap();
    let broken = Timer::builder(secs(1), counter())
        .name("broken")
        .cancel_on(std::future::ready(()))
        .build()
        .unwrap();
    broken.start().unwrap();
    within(broken.wait()).await.unwrap(); // single-shot and used: it cannot start again
    let group = TimerGroup::new("g");
    group.add(first.clone()).unwrap();
    group.add(broken.clone()).unwrap();
    let err = group.start().unwrap_err();
    assert!(matches!(err, Error::Restart { ref name } if &**name == "broken"));
    assert!(!first.is_running() && !group.is_running()); // at once: it never started
    sleep(secs(10)).await;
    assert_eq!(first.stats().ticks, 0);
    assert!(first.last_stop().is_none(), "`first` ran and was stopped");
}

// Every member is checked before any starts: a member that cannot start leaves the group as it
// was, at once (no member waits for a stop), and a retry works as soon as it is fixed.
#[tokio::test(start_paused = true)]
async fn a_member_that_cannot_start_starts_nothing() {
    let first = Timer::builder(secs(1), counter())
        .name("first")
        .build()
        .unwrap();
    let zero = Timer::builder(secs(1), counter())
        .name("zero")
        .build()
        .unwrap();
    let broken = Timer::new(Duration::ZERO, counter()); // a zero period fails at start
    let group = TimerGroup::new("g");
    group.add(first.clone()).unwrap();
    group.add(zero.clone()).unwrap();
    group.add(broken.clone()).unwrap();
    let err = group.start().unwrap_err();
    assert!(matches!(err, Error::InvalidConfig(_)), "{err:?}");
    assert!(!first.is_running() && !zero.is_running());
    broken.set_period(secs(1)).unwrap();
    group.start().unwrap();
    assert!(group.is_running());
    within(group.wait().hit_count(1)).await.unwrap();
    group.cancel_all().await;
}

// A member that passes the check but fails its own start (its state changed in between): the
// members this call started are told to stop, and none of them calls its target.
#[tokio::test(start_paused = true)]
async fn a_start_failure_after_the_check_stops_the_started_members_before_any_tick() {
    let checks = Arc::new(AtomicU32::new(0));
    let first = Timer::builder(secs(1), counter())
        .name("first")
        .build()
        .unwrap();
    let flaky = Timer::builder(secs(1), counter())
        .name("flaky")
        .__precheck({
            let checks = checks.clone();
            move || match checks.fetch_add(1, Ordering::SeqCst) {
                0 => Ok(()),
                _ => Err(Error::InvalidConfig("gone".into())),
            }
        })
        .build()
        .unwrap();
    let group = TimerGroup::new("g");
    group.add(first.clone()).unwrap();
    group.add(flaky.clone()).unwrap();
    let err = group.start().unwrap_err();
    assert!(matches!(err, Error::InvalidConfig(_)), "{err:?}");
    assert_eq!(checks.load(Ordering::SeqCst), 2);
    within(first.wait()).await.unwrap(); // the idle wait ends when `first` has stopped
    assert!(!first.is_running() && !group.is_running());
    sleep(secs(10)).await;
    assert_eq!(first.stats().ticks, 0, "a member told to stop still ticked");
}

// Fail-fast trigger: a member that fails at once (stopped) does not keep the other members'
// triggers from being registered; their ticks run.
#[tokio::test(start_paused = true)]
async fn a_fail_fast_trigger_still_fires_the_other_members() {
    let stopped = Timer::builder(secs(1), || 0u8)
        .name("stopped")
        .build()
        .unwrap();
    let live = Timer::builder(secs(3600), || 1u8)
        .name("live")
        .build()
        .unwrap();
    let group = TimerGroup::new("g");
    group.add(stopped.clone()).unwrap();
    group.add(live.clone()).unwrap();
    live.start().unwrap();
    within(live.wait().hit_count(1)).await.unwrap();
    let outcome = group.trigger().await;
    assert!(
        matches!(outcome, Err(Error::NotRunning { .. })),
        "{outcome:?}"
    );
    sleep(secs(1)).await;
    assert_eq!(
        live.hit_count(),
        2,
        "the live member's triggered tick never ran"
    );
    live.cancel().await;
}

// shutdown(grace) lets in-flight ticks of every member finish within the grace period.
#[tokio::test(start_paused = true)]
async fn shutdown_lets_in_flight_ticks_finish() {
    let slow = Timer::new(secs(3600), || async {
        sleep(secs(1)).await;
        "done"
    });
    let group = TimerGroup::new("g");
    group.add(slow.clone()).unwrap();
    group.start().unwrap();
    tokio::task::yield_now().await; // the first tick is in flight
    let t0 = Instant::now();
    within(group.shutdown(secs(5))).await;
    assert_eq!(t0.elapsed(), secs(1));
    assert_eq!(slow.last_result(), Some("done"));
    assert!(!slow.is_running());
}

// cancel_blocking from a plain thread stops every member.
#[test]
fn cancel_blocking_from_a_plain_thread() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_time()
        .build()
        .unwrap();
    let group = TimerGroup::new("g");
    let a = Timer::new(ms(5), counter());
    let b = Timer::new(ms(7), || "b");
    group.add(a.clone()).unwrap();
    group.add(b.clone()).unwrap();
    runtime.block_on(async { group.start() }).unwrap();
    let handle = std::thread::spawn({
        let group = group.clone();
        move || group.cancel_blocking(Duration::from_secs(10))
    });
    handle.join().unwrap().unwrap();
    assert!(!a.is_running() && !b.is_running());
    assert!(!group.is_running());
}

// cancel_blocking with a timeout too long to add to the clock waits without a deadline.
#[test]
fn cancel_blocking_takes_duration_max() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_time()
        .build()
        .unwrap();
    let group = TimerGroup::new("g");
    let a = Timer::new(ms(5), counter());
    group.add(a.clone()).unwrap();
    runtime.block_on(async { group.start() }).unwrap();
    let handle = std::thread::spawn({
        let group = group.clone();
        move || group.cancel_blocking(Duration::MAX)
    });
    handle.join().unwrap().unwrap();
    assert!(!a.is_running() && !group.is_running());
}
