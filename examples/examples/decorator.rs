//! async-timer's decorator example, `@async_timer.every(5, mode="fixed_rate",
//! name="db_refresh")`: the attribute `#[periodic::every]` turns a function into a timer.
//!
//! `cargo run --example decorator` — finishes at once.

use periodic::every;

/// Runs every 5 s on a fixed-rate grid. The name `refresh_db` is now a handle: a `static` that
/// derefs to `periodic::Timer<u64>`, registered with `periodic::registry()`.
#[every(5s, mode = "fixed_rate", name = "db_refresh")]
async fn refresh_db() -> u64 {
    42 // query the database
}

// A current-thread runtime, as in asyncio: the `join` below is registered before the first
// tick runs (see `join.rs` for why that matters).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), periodic::Error> {
    // The seed's `await refresh_db.func()`: the undecorated function, with its own signature —
    // handy in tests. No timer is involved.
    println!("refresh_db.func() = {}", refresh_db.func().await);

    // Every `#[every]` function in the program, without a central list.
    for job in periodic::registry() {
        println!(
            "registered: {} every {:?} ({}) at {}:{}",
            job.name, job.period, job.mode, job.file, job.line
        );
    }

    // The handle is a `Timer`: start, join and cancel it like any other. (To start every job
    // at once, use `periodic::run_all()`; see `quickstart.rs`.)
    refresh_db.start()?;
    println!("first tick: {}", refresh_db.join().await?);
    refresh_db.cancel().await;
    println!(
        "`{}` cancelled after {} tick(s)",
        refresh_db.name(),
        refresh_db.hit_count()
    );
    Ok(())
}
