//! async-timer's "Tests with `MockTimer`" recipe, the tokio way: no mock is needed. Every
//! timer runs on `tokio::time`, so under a paused clock a schedule of hours runs in virtual
//! time — exactly, and instantly.
//!
//! `cargo run --example testing_paused_time` runs the checks below as a program, under
//! `#[tokio::main(flavor = "current_thread", start_paused = true)]`; `cargo test -p
//! periodic-examples --example testing_paused_time` runs them as `#[tokio::test(start_paused =
//! true)]` tests, which is how a crate tests its own periodic code. Both need tokio's
//! `test-util` feature (a dev-dependency in a real project).
//!
//! With a paused clock, whenever every task is waiting the runtime jumps the clock to the next
//! timer's deadline, so `sleep`s and ticks cost no real time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use periodic::{Mode, Timer};
use tokio::time::Instant;

/// The seed's test: a timer every 0.1 s; after three hits, the target ran three times.
async fn periodic_refresh_runs_three_times() -> Result<(), periodic::Error> {
    let calls = Arc::new(AtomicU32::new(0));
    let tick = {
        let calls = calls.clone();
        move || calls.fetch_add(1, Ordering::SeqCst)
    };
    let timer = Timer::new(Duration::from_millis(100), tick);
    timer.start()?;
    timer.wait().hits(3).await?;
    timer.cancel().await;
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    Ok(())
}

/// An hourly fixed-rate job over a virtual day: 25 ticks (at 0 h, 1 h, …, 24 h), and the
/// 25th lands exactly 24 h after the start.
async fn hourly_job_runs_25_times_in_a_day() -> Result<(), periodic::Error> {
    let hourly = Timer::builder(Duration::from_secs(3600), || "report sent")
        .mode(Mode::FixedRate)
        .build()?;
    let start = Instant::now();
    hourly.start()?;
    hourly.wait().hit_count(25).await?;
    assert_eq!(start.elapsed(), Duration::from_secs(24 * 3600));
    hourly.cancel().await;
    Ok(())
}

/// Fixed-delay counts the period from the end of each tick: with a 60 s period and a target
/// that takes 10 s, ticks complete 70 s apart.
async fn fixed_delay_waits_after_each_tick() -> Result<(), periodic::Error> {
    let slow = Timer::new(Duration::from_secs(60), || async {
        tokio::time::sleep(Duration::from_secs(10)).await; // a slow upstream
    });
    slow.start()?;
    slow.wait().hit_count(1).await?;
    let first = slow.last_tick_at();
    slow.wait().hit_count(2).await?;
    let second = slow.last_tick_at();
    slow.cancel().await;
    let gap = second.zip(first).map(|(b, a)| b - a);
    assert_eq!(gap, Some(Duration::from_secs(70)));
    Ok(())
}

/// A bounded wait that cannot be met fails with a timeout — in virtual time too.
async fn a_wait_times_out_exactly() -> Result<(), periodic::Error> {
    let timer = Timer::new(Duration::from_secs(10), || ());
    timer.start()?;
    let start = Instant::now();
    let waited = timer.wait().hits(5).timeout(Duration::from_secs(30)).await;
    assert!(matches!(waited, Err(periodic::Error::Timeout(_))));
    assert_eq!(start.elapsed(), Duration::from_secs(30));
    timer.cancel().await;
    Ok(())
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> Result<(), periodic::Error> {
    let wall = std::time::Instant::now();
    let virtual_start = Instant::now();

    periodic_refresh_runs_three_times().await?;
    println!("ok: three hits, three calls");
    hourly_job_runs_25_times_in_a_day().await?;
    println!("ok: an hourly job ran 25 times in a day");
    fixed_delay_waits_after_each_tick().await?;
    println!("ok: fixed-delay ticks 70 s apart");
    a_wait_times_out_exactly().await?;
    println!("ok: a 30 s wait timed out at 30 s");

    println!(
        "virtual time: {:.1} hours; real time: {:?}",
        virtual_start.elapsed().as_secs_f64() / 3600.0,
        wall.elapsed()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    // Each test gets its own runtime with a paused clock.

    #[tokio::test(start_paused = true)]
    async fn periodic_refresh() -> Result<(), periodic::Error> {
        super::periodic_refresh_runs_three_times().await
    }

    #[tokio::test(start_paused = true)]
    async fn hourly_job() -> Result<(), periodic::Error> {
        super::hourly_job_runs_25_times_in_a_day().await
    }

    #[tokio::test(start_paused = true)]
    async fn fixed_delay() -> Result<(), periodic::Error> {
        super::fixed_delay_waits_after_each_tick().await
    }

    #[tokio::test(start_paused = true)]
    async fn wait_timeout() -> Result<(), periodic::Error> {
        super::a_wait_times_out_exactly().await
    }
}
