//! A first look at `periodic`, in about five seconds: three `#[every]` jobs of both modes
//! started by `periodic::run_all()`, startup gated on their first tick, the latest value read
//! without waiting, a subscription that sees every heartbeat, a trigger, and a clean shutdown —
//! also on Ctrl-C.
//!
//! Run it with `cargo run --example quickstart`.
//!
//! It reproduces the idea of async-timer's "30-second example" (warm a cache before serving
//! traffic) without the web server; `web_service.rs` is the full version with axum.

use std::error::Error;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use periodic::every;
use tokio::time::Instant;

static CONFIG_VERSION: AtomicU64 = AtomicU64::new(0);

/// Fixed-delay (the default mode): the next refresh starts 2 s after the previous one
/// *finishes*, so a slow upstream is never called twice at once.
///
/// `#[every]` turns the name `refresh_config` into a handle: a `static` that derefs to
/// `periodic::Timer<u64>`, registered so that `run_all()` finds it.
#[every(2s)]
async fn refresh_config() -> u64 {
    tokio::time::sleep(Duration::from_millis(300)).await; // pretend to call an upstream service
    CONFIG_VERSION.fetch_add(1, Ordering::SeqCst) + 1
}

/// Fixed-rate: a beat on a 1 s grid (0 s, 1 s, 2 s, … after start), however long each beat
/// takes — no drift. A plain `fn` works as well as an `async fn`.
#[every(1s, mode = "fixed_rate", name = "heartbeat")]
fn heartbeat() -> u64 {
    static BEATS: AtomicU64 = AtomicU64::new(0);
    BEATS.fetch_add(1, Ordering::SeqCst) + 1
}

/// A job may fail: it returns a `Result`, and its handle is a `Timer<usize>` (the `Ok` type).
/// A failed tick is logged, `last_result` keeps the last good value, and the schedule goes on;
/// nothing else is affected. This one fails on its second tick, to show the `ERROR` log line.
#[every(1500ms, initial_delay = 100ms)]
fn count_sessions() -> Result<usize, std::io::Error> {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    match CALLS.fetch_add(1, Ordering::SeqCst) {
        1 => Err(std::io::Error::other(
            "session store unreachable (a deliberate failure: the job goes on)",
        )),
        n => Ok(3 + n as usize),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // The crate logs through `tracing` (errors, skipped slots); show its warnings and errors.
    tracing_subscriber::fmt()
        .with_env_filter("periodic=warn")
        .with_target(false)
        .without_time()
        .init();
    let t0 = Instant::now();
    let at = move || format!("[{:>5.2}s]", t0.elapsed().as_secs_f64());

    // Subscribe before the jobs start: a subscription sees every tick, buffered, in order.
    let mut beats = heartbeat.subscribe();
    let printer = tokio::spawn(async move {
        while let Some(beat) = beats.recv().await {
            match beat {
                Ok(n) => println!("{} heartbeat #{n}", at()),
                Err(err) => println!("{} heartbeat failed: {err}", at()),
            }
        }
        // `recv` returns `None` once the job has stopped and the buffer is empty.
    });

    // Start every `#[every]` function of the program, as one group.
    let jobs = periodic::run_all().await?;
    println!("{} started {:?}", at(), jobs.names());

    let demo = async {
        // Gate "startup" on every job's first tick, as a service would before serving.
        jobs.wait()
            .hit_count(1)
            .timeout(Duration::from_secs(5))
            .await?;
        println!("{} ready: every job has ticked once", at());

        // Serve for a while: request handlers read the latest value, without waiting.
        for _ in 0..4 {
            println!(
                "{} serving: refresh_config.last_result() = {:?}, count_sessions.last_result() = {:?}",
                at(),
                refresh_config.last_result(),
                count_sessions.last_result()
            );
            tokio::time::sleep(Duration::from_millis(800)).await;
        }

        // Need a fresh value now? `trigger` runs the job at once and returns that very run's
        // value; the schedule then resumes from it.
        let fresh = refresh_config.trigger().await?;
        println!("{} triggered a refresh: config version {fresh}", at());
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok::<_, periodic::Error>(())
    };

    // Run the demo to its end, or until Ctrl-C, whichever comes first.
    tokio::select! {
        outcome = demo => outcome?,
        Ok(()) = tokio::signal::ctrl_c() => println!("{} Ctrl-C: shutting down", at()),
    }

    // Stop every job: no new ticks; a tick in flight may finish within 1 s. When this returns,
    // no job runs any more, and the subscription ends after its buffered beats.
    jobs.shutdown(Duration::from_secs(1)).await;
    printer.await?;
    let config = refresh_config.stats();
    println!(
        "{} stopped: {} config refreshes (longest {:.0?}), {} heartbeats, last config version {:?}",
        at(),
        config.hits,
        config.max_duration,
        heartbeat.hit_count(),
        refresh_config.last_result(),
    );
    Ok(())
}
