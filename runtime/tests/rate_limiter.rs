//! `RateLimiter` (SPEC §6): serialized, FIFO, at most `rate` completions in any window of
//! length `per`. Paused time: every instant is exact.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use periodic::{Error, RateLimiter};
use tokio::time::{Instant, sleep};

mod common;
use common::{ms, secs, within};

/// Completion instants, checked against the sliding window: any `rate + 1` consecutive
/// completions must span at least `per`, which is exactly "at most `rate` in every half-open
/// window of length `per`".
fn audit(completions: &[Instant], rate: usize, per: Duration) {
    let mut sorted = completions.to_vec();
    sorted.sort();
    for (i, pair) in sorted.iter().zip(sorted.iter().skip(rate)).enumerate() {
        assert!(
            *pair.1 - *pair.0 >= per,
            "completions {i}..={} fit in {:?} < {per:?}",
            i + rate,
            *pair.1 - *pair.0
        );
    }
}

// 10,000 tasks of random durations from 40 concurrent callers: one at a time, in call order,
// and never more than `rate` completions in any window.
#[tokio::test(start_paused = true)]
async fn ten_thousand_random_tasks_respect_every_guarantee() {
    const TASKS: usize = 10_000;
    let (rate, per) = (7, ms(100));
    let limiter = RateLimiter::new(rate, per).unwrap();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let completions = Arc::new(Mutex::new(Vec::with_capacity(TASKS)));
    let order = Arc::new(Mutex::new(Vec::with_capacity(TASKS)));
    let mut rng = fastrand::Rng::with_seed(2026);
    let mut pending = Vec::with_capacity(TASKS);
    for i in 0..TASKS {
        let took = ms(rng.u64(0..=40));
        let (in_flight, completions, order) =
            (in_flight.clone(), completions.clone(), order.clone());
        // The place in the queue is taken by the call, here, in order.
        pending.push(tokio::spawn(limiter.run(move || async move {
            assert_eq!(
                in_flight.fetch_add(1, Ordering::SeqCst),
                0,
                "two tasks at once"
            );
            order.lock().unwrap().push(i);
            sleep(took).await;
            completions.lock().unwrap().push(Instant::now());
            in_flight.fetch_sub(1, Ordering::SeqCst);
            i
        })));
    }
    for (i, task) in pending.into_iter().enumerate() {
        assert_eq!(within(task).await.unwrap().unwrap(), i);
    }
    let order = order.lock().unwrap().clone();
    assert_eq!(
        order,
        (0..TASKS).collect::<Vec<_>>(),
        "FIFO order of the calls"
    );
    let completions = completions.lock().unwrap().clone();
    assert_eq!(completions.len(), TASKS);
    audit(&completions, rate, per);
}

// Instant tasks, rate 5 per second: 5 complete at 0 s, 5 at 1 s, … — exactly rate/per.
//
// time:       0     1     2 …   9
// completed:  5     5     5 …   5
#[tokio::test(start_paused = true)]
async fn instant_tasks_converge_to_exactly_rate_per_window() {
    let limiter = RateLimiter::new(5, secs(1)).unwrap();
    let t0 = Instant::now();
    let mut at = Vec::new();
    for _ in 0..50 {
        within(limiter.run(|| ())).await.unwrap();
        at.push(Instant::now() - t0);
    }
    for (i, d) in at.iter().enumerate() {
        assert_eq!(*d, secs(i as u64 / 5), "task {i}");
    }
    audit(&at.iter().map(|d| t0 + *d).collect::<Vec<_>>(), 5, secs(1));
}

// Completion-based: a task that takes long counts at its completion, so the next window starts
// from there.
//
// rate 2 per 10 s; task 1 takes 0, task 2 takes 8, task 3 must wait until 0 + 10.
#[tokio::test(start_paused = true)]
async fn the_window_counts_completions() {
    let limiter = RateLimiter::new(2, secs(10)).unwrap();
    let t0 = Instant::now();
    within(limiter.run(|| ())).await.unwrap();
    within(limiter.run(|| sleep(secs(8)))).await.unwrap();
    assert_eq!(t0.elapsed(), secs(8));
    within(limiter.run(|| ())).await.unwrap();
    assert_eq!(t0.elapsed(), secs(10));
    // Now the two latest completions are at 8 and 10: the next may complete at 18.
    within(limiter.run(|| ())).await.unwrap();
    assert_eq!(t0.elapsed(), secs(18));
}

async fn double(x: u32) -> u32 {
    x * 2
}

fn triple(x: u32) -> u32 {
    x * 3
}

#[tokio::test(start_paused = true)]
async fn sync_and_async_tasks_closures_and_functions() {
    let limiter = RateLimiter::new(100, secs(1)).unwrap();
    assert_eq!(within(limiter.run(|| 1)).await.unwrap(), 1);
    assert_eq!(within(limiter.run(|| async { 2 })).await.unwrap(), 2);
    assert_eq!(within(limiter.run(|| double(2))).await.unwrap(), 4);
    assert_eq!(within(limiter.run(|| triple(3))).await.unwrap(), 9);
    let owned = String::from("one-shot");
    assert_eq!(
        within(limiter.run(move || async move { owned }))
            .await
            .unwrap(),
        "one-shot"
    );
    let fallible: Result<u8, std::io::Error> = within(limiter.run(|| Ok(5))).await.unwrap();
    assert_eq!(fallible.unwrap(), 5);
}

// A panicking task hands the turn on, then its panic resumes in the caller (SPEC §6: `run` is
// an `Err` only when the limiter was closed): here the caller is a spawned task, whose handle
// reports the panic. The panics count as completions and the limiter goes on.
#[tokio::test(start_paused = true)]
async fn a_panicking_task_does_not_wedge_the_limiter() {
    let limiter = RateLimiter::new(1, secs(1)).unwrap().named("api");
    let t0 = Instant::now();
    let sync = tokio::spawn(limiter.run(|| -> u8 { panic!("downstream exploded") }));
    let err = within(sync).await.unwrap_err();
    let payload = err.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"downstream exploded"));
    let spawned = limiter.spawn(|| async { panic!("async too") }).unwrap();
    assert!(within(spawned).await.unwrap_err().is_panic());
    // The panics counted as completions at 0 and 1 s; the next runs at 2 s.
    assert_eq!(within(limiter.run(|| 7)).await.unwrap(), 7);
    assert_eq!(t0.elapsed(), secs(2));
}

// A caller that drops its future while queued leaves the queue: its task never runs, and the
// callers behind it move up.
#[tokio::test(start_paused = true)]
async fn dropping_a_queued_call_cancels_its_task() {
    let limiter = RateLimiter::new(10, secs(1)).unwrap();
    let ran = Arc::new(AtomicBool::new(false));
    let first = tokio::spawn(limiter.run(|| sleep(secs(5))));
    let dropped = limiter.run({
        let ran = ran.clone();
        move || ran.store(true, Ordering::SeqCst)
    });
    let third = tokio::spawn(limiter.run(|| "third"));
    assert_eq!(limiter.queued(), 2);
    drop(dropped);
    assert_eq!(limiter.queued(), 1);
    within(first).await.unwrap().unwrap();
    assert_eq!(within(third).await.unwrap().unwrap(), "third");
    assert!(!ran.load(Ordering::SeqCst));
}

// A call made while the limiter is idle takes the turn at once; dropping it before it was ever
// polled gives the turn back.
#[tokio::test(start_paused = true)]
async fn dropping_an_unpolled_call_gives_its_turn_back() {
    let limiter = RateLimiter::new(10, secs(1)).unwrap();
    let ran = Arc::new(AtomicBool::new(false));
    let call = limiter.run({
        let ran = ran.clone();
        move || ran.store(true, Ordering::SeqCst)
    });
    drop(call);
    assert_eq!(within(limiter.run(|| "next")).await.unwrap(), "next");
    assert!(!ran.load(Ordering::SeqCst));
}

// A caller that drops its future while its task runs does not wedge the limiter; that instant
// counts as a completion.
#[tokio::test(start_paused = true)]
async fn dropping_a_running_call_does_not_wedge_the_limiter() {
    let limiter = RateLimiter::new(1, secs(10)).unwrap();
    let finished = Arc::new(AtomicBool::new(false));
    let t0 = Instant::now();
    let running = tokio::spawn(limiter.run({
        let finished = finished.clone();
        move || async move {
            sleep(secs(100)).await;
            finished.store(true, Ordering::SeqCst);
        }
    }));
    sleep(secs(2)).await;
    running.abort();
    assert!(within(running).await.unwrap_err().is_cancelled());
    // Dropped at 2 s, counted then: the next may complete at 12 s.
    assert_eq!(within(limiter.run(|| "next")).await.unwrap(), "next");
    assert_eq!(t0.elapsed(), secs(12));
    assert!(!finished.load(Ordering::SeqCst));
}

// close(): queued tasks get Error::Closed and never run; nothing queued later runs; a task
// that runs finishes.
#[tokio::test(start_paused = true)]
async fn close_fails_queued_tasks_and_runs_nothing_afterwards() {
    let limiter = RateLimiter::new(1, secs(1)).unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let counted = |ran: &Arc<AtomicUsize>| {
        let ran = ran.clone();
        move || {
            ran.fetch_add(1, Ordering::SeqCst);
        }
    };
    let running = tokio::spawn(limiter.run(|| sleep(secs(3))));
    let queued: Vec<_> = (0..3)
        .map(|_| tokio::spawn(limiter.run(counted(&ran))))
        .collect();
    tokio::task::yield_now().await;
    limiter.close();
    limiter.close(); // idempotent
    assert!(limiter.is_closed());
    for q in queued {
        assert!(matches!(
            within(q).await.unwrap(),
            Err(Error::Closed { .. })
        ));
    }
    within(running).await.unwrap().unwrap();
    assert!(matches!(
        within(limiter.run(counted(&ran))).await,
        Err(Error::Closed { .. })
    ));
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

// A caller waiting for the window when the limiter closes gets Error::Closed at once.
#[tokio::test(start_paused = true)]
async fn close_wakes_a_caller_waiting_for_the_window() {
    let limiter = RateLimiter::new(1, secs(60)).unwrap();
    within(limiter.run(|| ())).await.unwrap();
    let t0 = Instant::now();
    let waiting = tokio::spawn(limiter.run(|| "too late"));
    sleep(secs(1)).await;
    limiter.close();
    assert!(matches!(
        within(waiting).await.unwrap(),
        Err(Error::Closed { .. })
    ));
    assert_eq!(t0.elapsed(), secs(1));
}

// Dropping the last handle closes the limiter: queued calls get Error::Closed.
#[tokio::test(start_paused = true)]
async fn dropping_the_last_handle_closes_it() {
    let limiter = RateLimiter::new(1, secs(1)).unwrap();
    let clone = limiter.clone();
    let running = tokio::spawn(limiter.run(|| sleep(secs(1))));
    let queued = tokio::spawn(limiter.run(|| "never"));
    tokio::task::yield_now().await; // the first task is running
    drop(limiter);
    assert!(!clone.is_closed(), "a clone keeps it open");
    drop(clone);
    assert!(matches!(
        within(queued).await.unwrap(),
        Err(Error::Closed { .. })
    ));
    within(running).await.unwrap().unwrap();
}

#[test]
fn invalid_configuration_is_an_error() {
    assert!(matches!(
        RateLimiter::new(0, secs(1)),
        Err(Error::InvalidConfig(_))
    ));
    assert!(matches!(
        RateLimiter::new(1, Duration::ZERO),
        Err(Error::InvalidConfig(_))
    ));
    let limiter = RateLimiter::new(3, secs(2)).unwrap();
    assert_eq!((limiter.rate(), limiter.per()), (3, secs(2)));
}

// spawn() takes its place at the call, from many tasks and threads alike.
#[tokio::test(start_paused = true)]
async fn spawn_enqueues_at_the_call() {
    let limiter = RateLimiter::new(2, secs(1)).unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..6)
        .map(|i| {
            let order = order.clone();
            limiter
                .spawn(move || order.lock().unwrap().push(i))
                .unwrap()
        })
        .collect();
    for h in handles.into_iter().rev() {
        within(h).await.unwrap().unwrap();
    }
    assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3, 4, 5]);
}

#[test]
fn spawn_outside_a_runtime_is_an_error() {
    let limiter = RateLimiter::new(1, secs(1)).unwrap();
    assert!(matches!(limiter.spawn(|| ()), Err(Error::NoRuntime { .. })));
}

// Usable from many tasks on a multi-thread runtime: `Clone + Send + Sync`. Real time (paused
// time needs a current-thread runtime), with a window so short that the 300 tasks take about
// 3 ms; the assertions do not depend on timing.
#[test]
fn shared_across_threads() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<RateLimiter>();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let limiter = RateLimiter::new(100, ms(1)).unwrap();
        let in_flight = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..300)
            .map(|_| {
                let (limiter, in_flight) = (limiter.clone(), in_flight.clone());
                tokio::spawn(async move {
                    limiter
                        .run(move || async move {
                            assert_eq!(in_flight.fetch_add(1, Ordering::SeqCst), 0);
                            tokio::task::yield_now().await;
                            in_flight.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await
                })
            })
            .collect();
        for t in tasks {
            within(t).await.unwrap().unwrap();
        }
    });
}
