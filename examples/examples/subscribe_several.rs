//! async-timer's "Multiple subscribers each get an independent copy" recipe: every subscriber
//! has its own queue, so a slow one neither loses values nor slows the others or the timer.
//!
//! `cargo run --example subscribe_several` — about 1 second.

use std::time::Duration;

use periodic::{Subscription, Timer};

/// Receives every value of `feed`, taking `work` for each, and returns them.
async fn consume(name: &str, mut feed: Subscription<u32>, work: Duration) -> Vec<u32> {
    let mut seen = Vec::new();
    while let Some(value) = feed.recv().await {
        match value {
            Ok(v) => seen.push(v),
            Err(err) => println!("{name}: tick failed: {err}"),
        }
        tokio::time::sleep(work).await;
    }
    println!("{name} got {seen:?}");
    seen
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let timer = Timer::new(Duration::from_millis(50), 1..=8u32);
    // The seed's `async with timer.subscribe() as a, timer.subscribe() as b`.
    let a = timer.subscribe();
    let b = timer.subscribe();
    timer.start()?;

    let fast = tokio::spawn(consume("a (fast)", a, Duration::ZERO));
    let slow = tokio::spawn(consume("b (slow)", b, Duration::from_millis(120)));
    let (fast, slow) = (fast.await?, slow.await?);
    println!("same values, each its own copy: {}", fast == slow);
    Ok(())
}
