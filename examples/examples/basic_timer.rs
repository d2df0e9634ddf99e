//! py_asyncio_utils' BasicTimerExample: a repeating timer calls an async callback at a fixed
//! interval until it is stopped.
//!
//! `cargo run --example basic_timer` — about 1.5 seconds. The seed ticks every 2 s for 10 s;
//! here every 200 ms for 1 s.

use std::time::Duration;

use periodic::{Mode, Timer};
use tokio::time::Instant;

async fn my_async_callback(t0: Instant) {
    println!("tick at {:.2}s", t0.elapsed().as_secs_f64());
}

#[tokio::main]
async fn main() -> Result<(), periodic::Error> {
    let t0 = Instant::now();
    // The seed's default policy is FIXED, a drift-free grid: `Mode::FixedRate`.
    let timer = Timer::builder(Duration::from_millis(200), move || my_async_callback(t0))
        .mode(Mode::FixedRate)
        .build()?;
    timer.start()?; // the first tick fires at once
    tokio::time::sleep(Duration::from_secs(1)).await;
    timer.cancel().await; // the seed's `await timer.stop()`

    // Stop is deterministic: once `cancel` returns, the callback never runs again.
    let ticks = timer.hit_count();
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!(
        "stopped after {ticks} ticks; {} ticks after stopping",
        timer.hit_count() - ticks
    );
    Ok(())
}
