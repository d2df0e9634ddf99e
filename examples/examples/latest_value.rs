//! async-timer's "Latest value, no blocking" recipe: read the last refresh's value from
//! anywhere — sync code included — without waiting.
//!
//! `cargo run --example latest_value` — about 1 second.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use periodic::every;

#[derive(Debug, Clone)]
struct Rows {
    version: u32,
}

/// The seed's `@async_timer.every(5)`; here every 300 ms, starting 200 ms after `run_all`.
#[every(300ms, initial_delay = 200ms)]
async fn refresh_db() -> Rows {
    static VERSION: AtomicU32 = AtomicU32::new(0);
    Rows {
        version: VERSION.fetch_add(1, Ordering::SeqCst) + 1,
    }
}

/// The seed's `get_cached()`: a plain function, callable from sync code. `None` until the
/// first tick.
fn get_cached() -> Option<Rows> {
    refresh_db.last_result()
}

/// What a request handler would send: the cached version, or a placeholder.
fn describe() -> String {
    match get_cached() {
        Some(rows) => format!("rows of version {}", rows.version),
        None => "nothing cached yet".into(),
    }
}

#[tokio::main]
async fn main() -> Result<(), periodic::Error> {
    println!("before start:         {}", describe());
    let jobs = periodic::run_all().await?;
    println!(
        "right after start:    {} (the first tick is 200 ms away)",
        describe()
    );

    // To *wait* for a value instead, gate on the first tick.
    jobs.wait().hit_count(1).await?;
    println!("after the first tick: {}", describe());

    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        // `last_tick_at` says when the cached value was made.
        let age = refresh_db.last_tick_at().map(|at| at.elapsed().as_millis());
        println!(
            "serving:              {}, {} ms old",
            describe(),
            age.unwrap_or_default()
        );
    }

    jobs.shutdown(Duration::from_secs(1)).await;
    // The last value stays readable after the timer stopped.
    println!("after shutdown:       {}", describe());
    Ok(())
}
