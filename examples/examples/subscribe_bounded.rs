//! async-timer's bounded-subscription recipe, `timer.subscribe(maxsize=10, name="metrics-sink")`:
//! a queue of at most `maxsize` values that drops the oldest (with a logged warning) when a
//! slow consumer lets it fill up.
//!
//! `cargo run --example subscribe_bounded` — about 1.5 seconds.

use std::time::Duration;

use periodic::Timer;

/// A stand-in for the seed's `slow_export(value)`.
async fn slow_export(value: u64) {
    println!("exported sample {value}");
    tokio::time::sleep(Duration::from_millis(200)).await; // 5x slower than the timer
}

#[tokio::main]
async fn main() -> Result<(), periodic::Error> {
    // Dropped values are logged with `warn!`, naming the subscription.
    tracing_subscriber::fmt()
        .with_env_filter("periodic=warn")
        .with_target(false)
        .without_time()
        .init();

    // Twelve samples, one every 40 ms.
    let timer = Timer::builder(Duration::from_millis(40), 1..=12u64)
        .name("metrics")
        .build()?;
    // At most 3 buffered values; the name appears in the drop warnings.
    let mut feed = timer.subscribe_bounded(3).named("metrics-sink");
    timer.start()?;

    while let Some(sample) = feed.recv().await {
        slow_export(sample?).await;
    }
    // The newest samples survived; the oldest were dropped while the exporter was busy.
    println!(
        "done: {} samples dropped by `{}`",
        feed.dropped_count(),
        feed.name()
    );
    Ok(())
}
