//! async-timer's "Trigger now" recipe: `await timer.trigger()` fires the target now, returns
//! its value, and resumes the schedule.
//!
//! `cargo run --example trigger_now` — under a second.

use std::error::Error;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use periodic::Timer;
use tokio::time::Instant;

/// The seed's `force_refresh(timer)`.
async fn force_refresh(timer: &Timer<u64>) -> Result<u64, periodic::Error> {
    timer.trigger().await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    static VERSION: AtomicU64 = AtomicU64::new(0);
    let t0 = Instant::now();
    // A slow refresh, every hour: without a trigger, the value would be an hour old.
    let timer = Timer::new(Duration::from_secs(3600), move || async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let version = VERSION.fetch_add(1, Ordering::SeqCst) + 1;
        println!(
            "[{:.2}s] refresh #{version} done",
            t0.elapsed().as_secs_f64()
        );
        version
    });
    timer.start()?;
    timer.wait().hit_count(1).await?; // the first tick fires at start

    // The value always comes from a call that *started after* the trigger: never a stale one.
    println!("forced refresh: version {}", force_refresh(&timer).await?);

    // Triggers that arrive together share one call: three callers, one refresh.
    let (a, b, c) = tokio::join!(timer.trigger(), timer.trigger(), timer.trigger());
    println!("three concurrent triggers got {}, {}, {}", a?, b?, c?);

    // A trigger while a tick is in flight gets the call right after it: ticks never overlap.
    let in_flight = tokio::spawn({
        let timer = timer.clone();
        async move { timer.trigger().await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await; // that trigger's refresh is running now
    let after = timer.trigger().await?;
    let during = in_flight.await??; // the task's outcome, then the trigger's
    println!("a trigger during refresh #{during} got refresh #{after}");

    // The hourly schedule resumes from the last trigger.
    println!(
        "{} refreshes; next scheduled one in about an hour",
        timer.hit_count()
    );
    timer.cancel().await;
    Ok(())
}
