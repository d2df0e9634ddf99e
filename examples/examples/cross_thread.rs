//! async-timer's "Thread safety" section: control a timer from a plain thread — a signal
//! handler, a sync REST handler, a worker thread — that runs no tokio runtime.
//!
//! `cargo run --example cross_thread` — under a second.
//!
//! The seed's `trigger_threadsafe`, `cancel_threadsafe` and `TimerGroup.cancel_threadsafe` are
//! `trigger_blocking`, `cancel_blocking` and `TimerGroup::cancel_blocking`: they block the
//! calling thread until done, or until their timeout. `Timer` and `TimerGroup` are `Send +
//! Sync` handles, so reads (`last_result`, `hit_count`, …), `set_period` and
//! `Subscription::close` work from any thread, as they are.

use std::error::Error;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use periodic::{Subscription, Timer, TimerGroup};

/// What a plain thread — here, an admin console — does with the timer, its group and a feed.
fn admin(
    sampler: &Timer<u32>,
    group: &TimerGroup,
    audit: Subscription<u32>,
) -> Result<(), periodic::Error> {
    // Reads work from anywhere.
    let (last, count) = (sampler.last_result(), sampler.hit_count());
    println!("thread: last sample {last:?}, {count} so far");

    sampler.set_period(Duration::from_millis(50))?; // takes effect at once
    std::thread::sleep(Duration::from_millis(300)); // the thread's own work meanwhile

    // The seed's `trigger_threadsafe`: a fresh sample, from a call started now.
    let fresh = sampler.trigger_blocking(Duration::from_secs(5))?;
    println!("thread: trigger_blocking -> sample {fresh}");

    // The seed's `feed.close_threadsafe()`: no more values are queued for this feed.
    println!(
        "thread: closing the audit feed, {} samples buffered",
        audit.len()
    );
    audit.close();

    // The seed's `group.cancel_threadsafe(timeout=5.0)`: returns once every task is gone.
    group.cancel_blocking(Duration::from_secs(5))?;
    println!(
        "thread: group cancelled; sampler running: {}",
        sampler.is_running()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    static SAMPLES: AtomicU32 = AtomicU32::new(0);
    let sampler = Timer::builder(Duration::from_millis(100), || {
        SAMPLES.fetch_add(1, Ordering::SeqCst) + 1
    })
    .name("sampler")
    .build()?;
    let group = TimerGroup::new("background");
    group.add(sampler.clone())?;
    group.start()?;
    sampler.wait().hit_count(1).await?;

    // The blocking calls refuse to run on a runtime thread, where they could deadlock; the
    // error says what to use instead (`trigger().await`).
    if let Err(err) = sampler.trigger_blocking(Duration::from_secs(1)) {
        println!("on the runtime thread: {err}");
    }

    // A consumer task on the runtime, reading every sample until the timer stops.
    let mut feed = sampler.subscribe();
    let consumer = tokio::spawn(async move {
        let mut received = 0;
        while let Some(Ok(_)) = feed.recv().await {
            received += 1;
        }
        received
    });
    // A second feed, handed to the plain thread, which closes it.
    let audit = sampler.subscribe();

    // The plain thread. It reports back over a channel, so the runtime is never blocked.
    let (report, reported) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = report.send(admin(&sampler, &group, audit));
    });

    reported.await??;
    // The timer stopped, so the consumer's feed ended after its buffered samples.
    println!("consumer received {} samples", consumer.await?);
    Ok(())
}
