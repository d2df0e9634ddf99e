//! async-timer's `TimerGroup` recipe: start several timers together, gate startup on every
//! member's first tick, trigger them all, and cancel them together.
//!
//! `cargo run --example timer_group` — about 1 second.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use periodic::{Timer, TimerGroup};

async fn refresh_db() -> Vec<&'static str> {
    tokio::time::sleep(Duration::from_millis(100)).await; // query the database
    vec!["alice", "bob"]
}

fn prune_cache() -> usize {
    3 // entries removed
}

/// A member that fails when triggered, to show per-member outcomes.
fn warm_search_index() -> Result<u32, std::io::Error> {
    static CALLS: AtomicU32 = AtomicU32::new(0);
    match CALLS.fetch_add(1, Ordering::SeqCst) {
        0 => Ok(1),
        _ => Err(std::io::Error::other("search service unavailable")),
    }
}

#[tokio::main]
async fn main() -> Result<(), periodic::Error> {
    // Keep a handle to each member: the group is for the lifecycle, each timer for its value.
    let users = Timer::builder(Duration::from_millis(200), refresh_db)
        .name("users")
        .build()?;
    let prune = Timer::builder(Duration::from_secs(60), prune_cache)
        .name("prune")
        .build()?;
    let search = Timer::builder(Duration::from_secs(60), warm_search_index)
        .name("search")
        .build()?;

    let group = TimerGroup::new("caches");
    group.add(users.clone())?;
    group.add(prune.clone())?;
    group.start()?;
    // Adding to a running group starts the timer.
    group.add(search.clone())?;
    println!(
        "group `{}` running: {} with {:?}",
        group.name(),
        group.is_running(),
        group.names()
    );

    // Block until every cache has been populated at least once (one bound for the whole group),
    // then serve traffic.
    group
        .wait()
        .hit_count(1)
        .timeout(Duration::from_secs(5))
        .await?;
    println!(
        "all caches warm: users {:?}, pruned {:?}",
        users.last_result(),
        prune.last_result()
    );

    // Wait for two more ticks of every member, collecting each member's outcome instead of
    // failing fast (the seed's `return_exceptions=True`). `users` makes it in time; `prune` and
    // `search` tick every 60 s, so for them the one-second bound ends in a timeout.
    let outcomes = group
        .wait()
        .hits(2)
        .timeout(Duration::from_secs(1))
        .collect_errors()
        .await?;
    for outcome in &outcomes {
        println!(
            "  wait: {} -> {:?}",
            outcome.name,
            outcome.result.as_ref().map_err(|e| e.to_string())
        );
    }

    // Invalidate everything: fire every member now, concurrently. `trigger` fails fast on the
    // first error; `trigger_each` reports every member's outcome, in insertion order.
    for outcome in group.trigger_each().await {
        match outcome.result {
            Ok(()) => println!("  trigger: {} refreshed", outcome.name),
            Err(err) => println!("  trigger: {} failed: {err}", outcome.name),
        }
    }

    // Cancel every member; returns once all their tasks are gone.
    group.cancel_all().await;
    println!(
        "cancelled: running {}, users refreshed {} times",
        group.is_running(),
        users.hit_count()
    );
    Ok(())
}
