//! py_asyncio_utils' BasicRateLimiterExample: 50 tasks through a limiter of 10 per second.
//!
//! `cargo run --example basic_rate_limiter` — about 4 seconds: 10 tasks complete at once, then
//! 10 more each second. Tasks run one at a time, in the order they were queued.

use std::time::{Duration, Instant};

use periodic::RateLimiter;

async fn work(i: u32, started: Instant) -> u32 {
    println!(
        "did work {i:>2} at {:>4.2}s",
        started.elapsed().as_secs_f64()
    );
    i
}

#[tokio::main]
async fn main() -> Result<(), periodic::Error> {
    let limiter = RateLimiter::new(10, Duration::from_secs(1))?;
    let started = Instant::now();
    for i in 0..50 {
        limiter.run(move || work(i, started)).await?;
    }
    println!("50 tasks in {:.2}s", started.elapsed().as_secs_f64());
    Ok(())
}
