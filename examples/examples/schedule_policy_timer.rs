//! py_asyncio_utils' SchedulePolicyTimerExample: the two schedule policies side by side, and
//! what happens on an overrun.
//!
//! `cargo run --example schedule_policy_timer` — about 3 seconds.
//!
//! | py_asyncio_utils | periodic | next tick |
//! | --- | --- | --- |
//! | `SchedulePolicy.FIXED` | `Mode::FixedRate` | `start + N × period`: no drift |
//! | `SchedulePolicy.DELAY` | `Mode::FixedDelay` (the default) | `previous tick's end + period` |

use std::sync::{Arc, Mutex};
use std::time::Duration;

use periodic::{Mode, Timer};
use tokio::time::Instant;

/// Runs a timer for `run_for` with a callback that takes `work`, and returns the instants (ms
/// after start) at which each call began.
async fn starts(
    mode: Mode,
    period: Duration,
    work: Duration,
    run_for: Duration,
) -> Result<(Vec<u128>, u64), periodic::Error> {
    let t0 = Instant::now();
    let log = Arc::new(Mutex::new(Vec::new()));
    let callback = {
        let log = log.clone();
        move || {
            let log = log.clone();
            async move {
                if let Ok(mut log) = log.lock() {
                    log.push(t0.elapsed().as_millis());
                }
                tokio::time::sleep(work).await; // the callback's own work
            }
        }
    };
    let timer = Timer::builder(period, callback).mode(mode).build()?;
    timer.start()?;
    tokio::time::sleep(run_for).await;
    timer.cancel().await;
    let started = log.lock().map(|log| log.clone()).unwrap_or_default();
    Ok((started, timer.stats().skipped))
}

/// Rounds to 10 ms, to hide the scheduler's jitter of a millisecond or two.
fn rounded(ms: &[u128]) -> Vec<u128> {
    ms.iter().map(|m| (m + 5) / 10 * 10).collect()
}

#[tokio::main]
async fn main() -> Result<(), periodic::Error> {
    let period = Duration::from_millis(200);
    let work = Duration::from_millis(60);
    let run_for = Duration::from_millis(900);
    println!("period 200 ms, a callback that takes 60 ms; call start times (ms):");

    // FIXED: anchored to the first start; the callback's duration does not shift the grid.
    let (fixed, _) = starts(Mode::FixedRate, period, work, run_for).await?;
    println!("  FIXED (fixed rate):  {:?}", rounded(&fixed));

    // DELAY: 200 ms of rest after each call ends, so the calls drift by 60 ms each.
    let (delay, _) = starts(Mode::FixedDelay, period, work, run_for).await?;
    println!("  DELAY (fixed delay): {:?}", rounded(&delay));

    // Overrun: a callback that takes 250 ms on a 200 ms grid. Missed slots are skipped, not
    // run late in a burst (and logged as a warning); calls never overlap.
    let overrun = Duration::from_millis(250);
    let (fixed, skipped) = starts(Mode::FixedRate, period, overrun, run_for).await?;
    println!("a callback that takes 250 ms:");
    println!(
        "  FIXED (fixed rate):  {:?}, {skipped} slots skipped",
        rounded(&fixed)
    );
    let (delay, _) = starts(Mode::FixedDelay, period, overrun, run_for).await?;
    println!("  DELAY (fixed delay): {:?}", rounded(&delay));
    Ok(())
}
