//! async-timer's "Consumer-side load shedding" recipe: when the consumer falls too far
//! behind, it drops the backlog itself and keeps only the newest value.
//!
//! `cargo run --example subscribe_load_shedding` — about 1.5 seconds.

use std::time::Duration;

use periodic::Timer;

/// A stand-in for the seed's `slow_export(value)`.
async fn slow_export(value: u32) {
    println!("exported {value}");
    tokio::time::sleep(Duration::from_millis(100)).await; // 10x slower than the timer
}

#[tokio::main]
async fn main() -> Result<(), periodic::Error> {
    let timer = Timer::new(Duration::from_millis(10), 1..=80u32);
    let mut feed = timer.subscribe(); // unbounded: the consumer decides what to drop
    timer.start()?;

    while let Some(value) = feed.recv().await {
        // `len()` counts what is buffered. Too much? Drop all but the newest. `drop_oldest`
        // drops values only: an error or the end of the stream is never shed.
        if feed.len() > 10 {
            let shed = feed.drop_oldest(feed.len() - 1);
            println!("shed {shed} ticks ({} in all)", feed.dropped_count());
        }
        slow_export(value?).await;
    }
    println!(
        "done: {} ticks shed, the rest exported",
        feed.dropped_count()
    );
    Ok(())
}
