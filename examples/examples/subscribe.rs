//! async-timer's "Every-tick delivery via `subscribe()`" recipe: a subscriber gets every tick
//! from the moment it subscribed, in order, even when it is slower than the timer.
//!
//! `cargo run --example subscribe` — about 2 seconds.
//!
//! The other subscription recipes: `subscribe_bounded.rs` (bounded queue), `subscribe_several.rs`
//! (independent subscribers) and `subscribe_load_shedding.rs` (consumer-side shedding).

use std::time::Duration;

use periodic::Timer;

/// A stand-in for the seed's `log_it(value)`: slow work per value.
async fn log_it(value: u32, buffered: usize) {
    println!("logged {value:>2} ({buffered} more waiting)");
    tokio::time::sleep(Duration::from_millis(150)).await; // 3x slower than the timer
}

#[tokio::main]
async fn main() -> Result<(), periodic::Error> {
    // Ten readings, one every 50 ms; the fifth fails. An iterator target yields one item per
    // tick, and its end stops the timer.
    let readings = (1..=10).map(|n| match n {
        5 => Err(std::io::Error::other("sensor glitch")),
        n => Ok(n),
    });
    let timer = Timer::builder(Duration::from_millis(50), readings)
        .name("sensor")
        .build()?;

    // Subscribe, then start: this subscriber will see every tick of the run.
    let mut feed = timer.subscribe();
    timer.start()?;

    // `recv` (or the `Stream` impl) yields each tick's outcome; a failed tick is an `Err` item,
    // and the feed goes on. `None` means the timer stopped and everything was received.
    while let Some(outcome) = feed.recv().await {
        match outcome {
            Ok(value) => log_it(value, feed.len()).await,
            Err(err) => println!("tick failed: {err}"),
        }
    }
    println!(
        "feed ended: nothing was missed, nothing was dropped ({})",
        feed.dropped_count()
    );
    Ok(())
}
