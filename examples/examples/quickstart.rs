//! A first look at `periodic`: two timers of both modes, a gate on their first tick, a trigger,
//! the latest value without waiting, a stream of results, and a clean shutdown — also on Ctrl-C.
//!
//! Run it with `cargo run --example quickstart`; it finishes in about six seconds.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use periodic::{Mode, Timer};

static VERSION: AtomicU64 = AtomicU64::new(0);

/// Pretends to fetch a configuration version from an upstream service.
async fn refresh_config() -> u64 {
    tokio::time::sleep(Duration::from_millis(150)).await;
    VERSION.fetch_add(1, Ordering::SeqCst) + 1
}

#[tokio::main]
async fn main() -> Result<(), periodic::Error> {
    tracing_subscriber::fmt()
        .with_env_filter("periodic=warn")
        .with_target(false)
        .init();
    let t0 = Instant::now();
    let elapsed = move || format!("{:>5.2}s", t0.elapsed().as_secs_f64());

    // Fixed-delay: the next refresh starts 2 s after the previous one finishes.
    let config = Timer::builder(Duration::from_secs(2), refresh_config)
        .name("config_refresh")
        .build()?;
    // Fixed-rate: a heartbeat at 0, 1, 2, … s, whatever each beat takes — no drift.
    let heartbeat = Timer::builder(Duration::from_secs(1), elapsed)
        .name("heartbeat")
        .mode(Mode::FixedRate)
        .build()?;

    config.start()?;
    heartbeat.start()?;

    // Gate "startup" on the first refresh, as a service would before serving traffic.
    config.wait().hit_count(1).await?;
    println!("config ready: version {:?}", config.last_result());

    let printer = tokio::spawn({
        let heartbeat = heartbeat.clone();
        async move {
            use futures_util::StreamExt;
            let mut beats = heartbeat.stream();
            while let Some(beat) = beats.next().await {
                println!("heartbeat at {}", beat.expect("the heartbeat never fails"));
            }
        }
    });

    let demo = async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        // Refresh now; the value comes from a call that started after this line.
        let fresh = config.trigger().await?;
        println!("triggered refresh: version {fresh}");
        tokio::time::sleep(Duration::from_secs(2)).await;
        Ok::<_, periodic::Error>(())
    };
    tokio::select! {
        done = demo => done?,
        _ = tokio::signal::ctrl_c() => println!("Ctrl-C: shutting down"),
    }

    // Let an in-flight refresh finish (up to 1 s), then stop; the stream ends with the timer.
    config.shutdown(Duration::from_secs(1)).await;
    heartbeat.cancel().await;
    printer.await.expect("printer task");
    println!(
        "stopped: {} refreshes, {} heartbeats, last config version {:?}",
        config.hit_count(),
        heartbeat.hit_count(),
        config.last_result()
    );
    Ok(())
}
