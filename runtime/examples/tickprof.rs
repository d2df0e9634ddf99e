//! A deterministic per-tick cost probe, for profilers: `N` fixed-rate no-op timers run for `TICKS`
//! ticks each on a single-threaded runtime with tokio's clock paused (the runtime jumps from one
//! deadline to the next, so there is no idle time and no dependence on the machine's speed).
//!
//! `cargo build --release -p periodic --example tickprof`, then for each side
//! `valgrind --tool=callgrind target/release/examples/tickprof periodic 1000 100` and
//! `… tickprof raw 1000 100`: the instruction totals divided by the tick count compare the
//! engine's per-tick cost with a raw `tokio::time::interval` loop.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use periodic::{Mode, Timer};
use tokio::time::MissedTickBehavior;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let side = args.get(1).map_or("periodic", String::as_str);
    let timers: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let rounds: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(100);
    let ours = match side {
        "periodic" => true,
        "raw" => false,
        other => {
            eprintln!("usage: tickprof periodic|raw [TIMERS] [TICKS]; got {other:?}");
            std::process::exit(2);
        }
    };
    // `TICKPROF_REAL=1`: the benchmark's setting instead (a multi-threaded runtime in real
    // time), for a sampling profiler such as `perf record -e cpu-clock`.
    let real = std::env::var_os("TICKPROF_REAL").is_some();
    let rt = if real {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
    }
    .expect("a tokio runtime");
    let period = Duration::from_millis(50);
    let wall = Instant::now();
    let ticks = rt.block_on(async move {
        let ticks = Arc::new(AtomicU64::new(0));
        let mut keep = Vec::new();
        for _ in 0..timers {
            let ticks = ticks.clone();
            if ours {
                let timer = Timer::builder(period, move || {
                    ticks.fetch_add(1, Ordering::Relaxed);
                })
                .mode(Mode::FixedRate)
                .build()
                .expect("timer");
                timer.start().expect("start");
                keep.push(Box::new(timer) as Box<dyn Send>);
            } else {
                keep.push(Box::new(tokio::spawn(async move {
                    let mut iv = tokio::time::interval(period);
                    iv.set_missed_tick_behavior(MissedTickBehavior::Skip);
                    loop {
                        iv.tick().await;
                        ticks.fetch_add(1, Ordering::Relaxed);
                    }
                })));
            }
        }
        // Ticks at 0, p, 2p, …: stop just before tick number `rounds + 1`.
        tokio::time::sleep(period * u32::try_from(rounds).expect("rounds") - period / 2).await;
        let n = ticks.load(Ordering::Relaxed);
        drop(keep);
        n
    });
    let ns = wall.elapsed().as_nanos() as f64 / ticks.max(1) as f64;
    println!("{side}: {timers} timers, {ticks} ticks, {ns:.0} wall ns/tick");
}
