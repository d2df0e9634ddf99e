//! async-timer's `async for` example: iterate over a timer's values as they come.
//!
//! `cargo run --example stream` — about 2 seconds.
//!
//! `Timer::stream` is the seed's `async for t in timer`: a stream of the *latest* values. A
//! consumer slower than the timer skips the ticks it missed instead of falling behind; when
//! every tick matters, use a subscription (`subscribe.rs`).

use std::time::Duration;

use futures_util::StreamExt;
use periodic::Timer;
use tokio::time::Instant;

#[tokio::main]
async fn main() -> Result<(), periodic::Error> {
    let t0 = Instant::now();
    // The seed's target is `time.time`; here, the seconds since the program started.
    let timer = Timer::new(Duration::from_millis(200), move || {
        t0.elapsed().as_secs_f64()
    });
    timer.start()?;

    // Each item is a `Result`: a failed tick would arrive as an `Err`.
    let mut values = timer.stream();
    println!("a consumer that keeps up sees every tick:");
    for _ in 0..4 {
        if let Some(value) = values.next().await {
            println!("  tick at {:.2}s", value?);
        }
    }

    println!("a consumer 3x slower than the timer sees the latest value each time:");
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(600)).await; // slow work per item
        if let Some(value) = values.next().await {
            println!(
                "  tick at {:.2}s ({} ticks so far)",
                value?,
                timer.hit_count()
            );
        }
    }

    // The stream ends when the timer stops.
    timer.cancel().await;
    assert!(values.next().await.is_none());
    println!("stopped: the stream has ended");
    Ok(())
}
