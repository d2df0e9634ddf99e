//! Subscriptions (SPEC §4): every tick from subscribe time, per-subscriber queues, bounded
//! feeds, load shedding, the end of the stream, close and drop. Paused time throughout.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use periodic::{Error, OnError, Subscription, Timer};
use tokio::time::{advance, sleep};

mod common;
use common::{clone_counting, ms, secs, within};

/// A sync target returning 1, 2, 3, …
fn counter() -> impl FnMut() -> u32 + Send + 'static {
    let mut n = 0;
    move || {
        n += 1;
        n
    }
}

/// Receives everything left in a finished feed.
async fn drain<T>(feed: &mut Subscription<T>) -> Vec<Result<T, Error>> {
    within(feed.collect::<Vec<_>>()).await
}

fn values<T: Clone>(items: &[Result<T, Error>]) -> Vec<T> {
    items.iter().map(|r| r.clone().unwrap()).collect()
}

// Subscribing after tick 2 gives ticks 3, 4, 5, … in order, to a consumer of any speed.
//
// time:   0    1    2    3    4    5
// tick:   |1   |2 s |3   |4   |5   |6
//                 ^ subscribe
#[tokio::test(start_paused = true)]
async fn every_tick_from_subscribe_time_in_order_for_a_slow_consumer() {
    let timer = Timer::new(secs(1), counter());
    timer.start().unwrap();
    within(timer.wait().hit_count(2)).await.unwrap();
    let mut feed = timer.subscribe();
    let mut got = Vec::new();
    for _ in 0..5 {
        // Much slower than the timer: four ticks pass between receives.
        sleep(secs(4)).await;
        got.push(within(feed.recv()).await.unwrap().unwrap());
    }
    assert_eq!(got, [3, 4, 5, 6, 7]);
    timer.cancel().await;
}

#[tokio::test(start_paused = true)]
async fn several_subscribers_each_get_their_own_copy() {
    let timer = Timer::new(secs(1), 1..=4);
    let mut a = timer.subscribe();
    let mut b = timer.subscribe();
    let mut c = timer.subscribe_bounded(10);
    timer.start().unwrap();
    // `a` reads as the ticks come, `b` and `c` only at the end: all see everything.
    let mut first = Vec::new();
    while let Some(v) = within(a.recv()).await {
        first.push(v.unwrap());
    }
    assert_eq!(first, [1, 2, 3, 4]);
    assert_eq!(values(&drain(&mut b).await), [1, 2, 3, 4]);
    assert_eq!(values(&drain(&mut c).await), [1, 2, 3, 4]);
}

// A subscription made before start belongs to the first run, and to no tick before it.
#[tokio::test(start_paused = true)]
async fn subscribing_before_start_belongs_to_the_next_run() {
    let timer = Timer::new(secs(1), 1..=3);
    let mut feed = timer.subscribe();
    advance(secs(10)).await;
    assert!(feed.is_empty());
    timer.start().unwrap();
    assert_eq!(values(&drain(&mut feed).await), [1, 2, 3]);
}

// A subscription made while stopped between runs sees the second run only, and the first
// run's end does not end it.
#[tokio::test(start_paused = true)]
async fn subscribing_between_runs_skips_the_first_runs_end() {
    let timer = Timer::new(secs(1), counter());
    let mut first = timer.subscribe();
    timer.start().unwrap();
    within(timer.wait().hit_count(2)).await.unwrap();
    timer.cancel().await;
    let mut second = timer.subscribe();
    timer.start().unwrap();
    within(timer.wait().hit_count(4)).await.unwrap();
    timer.cancel().await;
    assert_eq!(values(&drain(&mut first).await), [1, 2]);
    assert_eq!(values(&drain(&mut second).await), [3, 4]);
}

// A full bounded feed drops its oldest value, counts it, and logs it with its name.
#[tokio::test(start_paused = true)]
async fn bounded_feed_drops_the_oldest_value_counts_and_logs_it() {
    let logs = Arc::new(Mutex::new(Vec::<u8>::new()));
    let writer = {
        let logs = logs.clone();
        move || LogWriter(logs.clone())
    };
    let subscriber = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let timer = Timer::new(secs(1), counter());
    let mut feed = timer.subscribe_bounded(3).named("metrics-sink");
    assert_eq!(feed.name(), "metrics-sink");
    timer.start().unwrap();
    within(timer.wait().hit_count(5)).await.unwrap();
    assert_eq!(feed.len(), 3);
    assert_eq!(feed.dropped_count(), 2);
    assert_eq!(within(feed.recv()).await.unwrap().unwrap(), 3);
    timer.cancel().await;

    let text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    let warnings: Vec<_> = text
        .lines()
        .filter(|l| l.contains("subscription full"))
        .collect();
    assert_eq!(warnings.len(), 2, "{text}");
    assert!(
        warnings.iter().all(|l| l.contains("metrics-sink")),
        "{text}"
    );
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Values 1, 2, … with an error on the calls listed in `fail`.
fn failing_on(fail: &'static [u32]) -> impl FnMut() -> io::Result<u32> + Send + 'static {
    let mut n = 0;
    move || {
        n += 1;
        if fail.contains(&n) {
            Err(io::Error::other(format!("boom {n}")))
        } else {
            Ok(n)
        }
    }
}

fn describe(items: &[Result<u32, Error>]) -> Vec<String> {
    items
        .iter()
        .map(|r| match r {
            Ok(v) => v.to_string(),
            Err(Error::Target { source, .. }) => source.to_string(),
            Err(other) => format!("{other:?}"),
        })
        .collect()
}

// drop_oldest sheds values only, oldest first, keeps the order of the rest, and never drops an
// error or the end marker; `len` counts the markers.
#[tokio::test(start_paused = true)]
async fn drop_oldest_never_drops_errors_or_the_end() {
    let timer = Timer::new(secs(1), failing_on(&[2, 4]));
    let mut feed = timer.subscribe();
    timer.start().unwrap();
    // A wait would end at the first failing tick: sleep past the calls at 0, 1, 2, 3 and 4 s.
    sleep(ms(4500)).await; // 1 E2 3 E4 5
    timer.cancel().await; // the end marker
    assert_eq!(feed.len(), 6);
    assert_eq!(feed.drop_oldest(2), 2); // values 1 and 3
    assert_eq!(feed.len(), 4);
    assert_eq!(feed.drop_oldest(100), 1); // value 5; both errors and the end stay
    assert_eq!(feed.dropped_count(), 3);
    assert_eq!(describe(&drain(&mut feed).await), ["boom 2", "boom 4"]);
}

// An error or the end arriving at a full bounded feed evicts the oldest value instead of being
// lost; the evicted value is counted like any other.
#[tokio::test(start_paused = true)]
async fn an_error_or_the_end_evicts_a_value_from_a_full_feed() {
    let timer = Timer::new(secs(1), failing_on(&[3]));
    let mut feed = timer.subscribe_bounded(2);
    timer.start().unwrap();
    sleep(ms(1500)).await; // calls at 0 and 1 s: [1, 2] — full
    assert_eq!((feed.len(), feed.dropped_count()), (2, 0));
    sleep(secs(1)).await; // call 3 at 2 s fails: evicts 1 → [2, E3]
    assert_eq!((feed.len(), feed.dropped_count()), (2, 1));
    timer.cancel().await; // the end evicts 2 → [E3, end]
    assert_eq!(feed.dropped_count(), 2);
    assert_eq!(describe(&drain(&mut feed).await), ["boom 3"]);
}

// Errors are kept before values: a value arriving at a full feed of errors is the one dropped,
// and the end, which no value makes room for, goes in over the capacity.
//
// time:   0    1    2
// call:   E1   2    3    then the stop
#[tokio::test(start_paused = true)]
async fn a_full_feed_of_errors_drops_arriving_values_and_keeps_the_end() {
    let timer = Timer::new(secs(1), failing_on(&[1]));
    let mut feed = timer.subscribe_bounded(1);
    timer.start().unwrap();
    sleep(ms(2500)).await; // [E1]; values 2 and 3 arrive at a full feed and are dropped
    assert_eq!((feed.len(), feed.dropped_count()), (1, 2));
    timer.cancel().await; // [E1, end]: one over the capacity
    assert_eq!(feed.len(), 2);
    assert_eq!(describe(&drain(&mut feed).await), ["boom 1"]);
    assert_eq!(feed.dropped_count(), 2);
}

// The error that stops a timer reaches a bounded subscriber before the end of its stream.
#[tokio::test(start_paused = true)]
async fn the_error_that_stops_the_timer_reaches_a_bounded_feed() {
    let timer = Timer::builder(secs(1), failing_on(&[1]))
        .on_error(OnError::Stop)
        .build()
        .unwrap();
    let mut feed = timer.subscribe_bounded(1);
    timer.start().unwrap();
    assert!(within(timer.wait()).await.is_err());
    assert!(!timer.is_running());
    assert_eq!(describe(&drain(&mut feed).await), ["boom 1"]);
    assert_eq!(feed.dropped_count(), 0);
}

// Only a feed of nothing but errors drops an error: its oldest, for the new one, counted. It
// stays bounded however long the timer fails and the consumer does not read.
#[tokio::test(start_paused = true)]
async fn a_full_feed_of_errors_drops_its_oldest_error_for_a_new_one() {
    let timer = Timer::new(secs(1), failing_on(&[1, 2, 3, 4, 5])); // `OnError::Continue`
    let mut feed = timer.subscribe_bounded(2);
    timer.start().unwrap();
    sleep(ms(4500)).await; // E1 … E5 into a queue of 2
    assert_eq!((feed.len(), feed.dropped_count()), (2, 3));
    timer.cancel().await;
    assert_eq!(describe(&drain(&mut feed).await), ["boom 4", "boom 5"]);
}

// When the timer stops, a subscriber gets its buffered values, then the end, then None
// forever.
#[tokio::test(start_paused = true)]
async fn end_of_stream_comes_after_the_buffered_values() {
    let timer = Timer::new(secs(1), counter());
    let mut feed = timer.subscribe();
    timer.start().unwrap();
    within(timer.wait().hit_count(3)).await.unwrap();
    timer.cancel().await;
    assert_eq!(values(&drain(&mut feed).await), [1, 2, 3]);
    assert!(within(feed.recv()).await.is_none());
    assert!(within(feed.next()).await.is_none());
}

// OnError::Stop: the subscriber gets the values, the error, then the end.
#[tokio::test(start_paused = true)]
async fn on_error_stop_delivers_the_error_then_the_end() {
    let timer = Timer::builder(secs(1), failing_on(&[3]))
        .on_error(OnError::Stop)
        .build()
        .unwrap();
    let mut feed = timer.subscribe();
    timer.start().unwrap();
    assert_eq!(describe(&drain(&mut feed).await), ["1", "2", "boom 3"]);
    assert!(!timer.is_running());
}

// OnError::Continue: the error is one item and the feed goes on.
#[tokio::test(start_paused = true)]
async fn on_error_continue_makes_the_error_one_item() {
    let timer = Timer::new(secs(1), failing_on(&[2]));
    let mut feed = timer.subscribe();
    timer.start().unwrap();
    sleep(ms(3500)).await; // calls at 0, 1, 2 and 3 s
    timer.cancel().await;
    assert_eq!(describe(&drain(&mut feed).await), ["1", "boom 2", "3", "4"]);
}

// close() from a plain thread: idempotent; no new values; the buffered ones still come, then
// the end.
#[tokio::test(start_paused = true)]
async fn close_from_a_plain_thread_is_idempotent() {
    let timer = Timer::new(secs(1), counter());
    let mut feed = timer.subscribe();
    timer.start().unwrap();
    within(timer.wait().hit_count(2)).await.unwrap();
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                feed.close();
                feed.close();
            })
            .join()
            .unwrap();
    });
    within(timer.wait().hits(3)).await.unwrap();
    assert_eq!(values(&drain(&mut feed).await), [1, 2]);
    feed.close();
    assert!(within(feed.recv()).await.is_none());
    timer.cancel().await;
}

// Dropping a subscription unsubscribes it: the timer no longer clones values for it.
#[tokio::test(start_paused = true)]
async fn dropping_a_subscription_unsubscribes_it() {
    let (timer, clones) = clone_counting(secs(1));
    timer.start().unwrap();
    within(timer.wait().hit_count(1)).await.unwrap();

    // Clones made while the timer goes from `from` hits to `from + 1`.
    let per_tick = async |from: u64| {
        let before = clones.load(Ordering::SeqCst);
        within(timer.wait().hit_count(from + 1)).await.unwrap();
        clones.load(Ordering::SeqCst) - before
    };
    let alone = per_tick(1).await;
    let feed = timer.subscribe();
    let with_one = per_tick(2).await;
    drop(feed);
    let after_drop = per_tick(3).await;
    assert_eq!(with_one, alone + 1, "one clone per tick for the subscriber");
    assert_eq!(after_drop, alone, "no work for a dropped subscription");
    timer.cancel().await;
}

// A tick clones its value only for those who receive it: without waiters or subscribers the
// value moves into the timer's state, and reading it is the first clone.
#[tokio::test(start_paused = true)]
async fn a_value_nobody_receives_is_not_cloned() {
    let (timer, clones) = clone_counting(secs(1));
    timer.start().unwrap();
    sleep(ms(2500)).await; // ticks at 0, 1 and 2 s
    assert_eq!(timer.stats().ticks, 3);
    assert_eq!(
        clones.load(Ordering::SeqCst),
        0,
        "no clone without a recipient"
    );
    assert!(timer.last_result().is_some());
    assert_eq!(
        clones.load(Ordering::SeqCst),
        1,
        "reading the value clones it"
    );
    timer.cancel().await;
}

// A consumer waiting in recv() is woken by the next tick (no busy polling, no lost wakeup).
#[tokio::test(start_paused = true)]
async fn a_waiting_consumer_is_woken_by_the_next_tick() {
    let timer = Timer::new(secs(10), counter());
    let mut feed = timer.subscribe();
    let woke = Arc::new(AtomicU32::new(0));
    let reader = tokio::spawn({
        let woke = woke.clone();
        async move {
            while let Some(v) = feed.recv().await {
                woke.store(v.unwrap(), Ordering::SeqCst);
            }
        }
    });
    timer.start().unwrap();
    within(timer.wait().hit_count(1)).await.unwrap();
    tokio::task::yield_now().await;
    assert_eq!(woke.load(Ordering::SeqCst), 1);
    sleep(secs(10)).await;
    tokio::task::yield_now().await;
    assert_eq!(woke.load(Ordering::SeqCst), 2);
    timer.cancel().await;
    within(reader).await.unwrap();
}
