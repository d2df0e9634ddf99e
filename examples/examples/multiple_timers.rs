//! py_asyncio_utils' MultipleTimersExample: several independent timers, with their own
//! intervals and policies, running at once on one runtime.
//!
//! `cargo run --example multiple_timers` — about 1.5 seconds.

use std::time::Duration;

use periodic::{Mode, Timer};
use tokio::time::Instant;

#[tokio::main]
async fn main() -> Result<(), periodic::Error> {
    let t0 = Instant::now();
    let at = move || format!("{:>4}ms", t0.elapsed().as_millis());

    let fast = Timer::builder(Duration::from_millis(150), move || {
        println!("{} fast", at())
    })
    .name("fast")
    .mode(Mode::FixedRate)
    .build()?;
    let slow = Timer::builder(Duration::from_millis(400), move || async move {
        tokio::time::sleep(Duration::from_millis(100)).await; // its work does not delay `fast`
        println!("{}   slow (after 100 ms of work)", at());
    })
    .name("slow")
    .mode(Mode::FixedDelay)
    .build()?;
    let late = Timer::builder(Duration::from_millis(300), move || {
        println!("{}     late", at())
    })
    .name("late")
    .initial_delay(Duration::from_millis(500))
    .build()?;

    for timer in [&fast, &late] {
        timer.start()?;
    }
    slow.start()?;
    tokio::time::sleep(Duration::from_millis(1200)).await;

    // Stop them all, concurrently; each `cancel` returns once its timer's task is gone.
    tokio::join!(fast.cancel(), slow.cancel(), late.cancel());
    println!(
        "stopped: fast {} ticks, slow {}, late {}",
        fast.hit_count(),
        slow.hit_count(),
        late.hit_count()
    );
    Ok(())
}
