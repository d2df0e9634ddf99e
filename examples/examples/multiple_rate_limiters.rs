//! py_asyncio_utils' MultipleRateLimitersExample: two limiters protecting two downstream
//! systems, fed concurrently. Each enforces its own rate; neither slows the other.
//!
//! `cargo run --example multiple_rate_limiters` — about 2 seconds.

use std::error::Error;
use std::time::{Duration, Instant};

use periodic::RateLimiter;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let api = RateLimiter::new(5, Duration::from_secs(1))?.named("api");
    let db = RateLimiter::new(20, Duration::from_secs(1))?.named("db");
    let started = Instant::now();
    let elapsed = move || started.elapsed().as_secs_f64();

    // Queue everything at once, without awaiting at the call site: the place in each queue is
    // taken by the call, so each limiter runs its tasks in this order.
    let mut handles = Vec::new();
    for i in 0..15 {
        handles.push(api.spawn(move || println!("api call {i:>2} at {:>4.2}s", elapsed()))?);
    }
    for i in 0..60 {
        handles.push(db.spawn(move || {
            if i % 10 == 9 {
                println!("db write {i:>2} at {:>4.2}s", elapsed());
            }
        })?);
    }
    for handle in handles {
        // The first `?` for the spawned task (a panic), the second for the limiter.
        handle.await??;
    }
    println!(
        "15 api calls (5/s) and 60 db writes (20/s) in {:.2}s",
        elapsed()
    );
    Ok(())
}
