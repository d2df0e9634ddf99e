//! async-timer's `join()` example: start a timer, wait for the outcome of its next tick, and
//! cancel it.
//!
//! `cargo run --example join` — finishes at once: the first tick fires when the timer starts.

use std::time::Duration;

use periodic::{Error, Timer};

// A current-thread runtime, as in asyncio: `start` only schedules the timer's task, so the
// `join` below is registered before the first tick runs. On a multi-threaded runtime the first
// tick may complete before `join` is called, and `join` would wait for the *next* tick (12 s);
// to gate on the first tick there, use `timer.wait().hit_count(1)` (see `latest_value.rs`).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // Every 12 s, call a target that returns 42. Sync and async targets both work.
    let timer = Timer::builder(Duration::from_secs(12), || 42)
        .name("answer")
        .build()?;
    timer.start()?;

    // `join` waits for the next tick to complete and returns its outcome.
    let val = timer.join().await?;
    println!("join() returned {val}");

    // `cancel` returns once the timer's task is gone: the target never runs again.
    timer.cancel().await;
    println!("cancelled; running: {}", timer.is_running());

    // Joining a stopped timer is an error, not a wait for ever.
    match timer.join().await {
        Err(Error::NotRunning { name }) => {
            println!("join() on a stopped timer: `{name}` is not running")
        }
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}
