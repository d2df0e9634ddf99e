//! The side-by-side benchmark harness of `periodic` (SPEC §9).
//!
//! `cargo run --release -p periodic-bench -- all` runs every implemented scenario; `-- NAME`
//! runs one; `--quick` shortens every scenario (for CI, which checks that the harness works,
//! not its numbers); `--repeats N` changes how often each side is measured (7, or 3 with
//! `--quick`), for a quicker look while working on the engine. Each scenario measures `periodic` and a raw-tokio baseline in the same
//! process, repeats, and prints one JSON line (inputs, both sides' medians and spreads, the
//! ratio) and a table row.

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use periodic::{Mode, RateLimiter, Timer};
use tokio::time::MissedTickBehavior;

mod jobs;
mod sys;

/// How long and how often to measure.
#[derive(Clone, Copy)]
struct Plan {
    quick: bool,
    repeats: usize,
}

/// One side's repeated measurements of one figure.
struct Figure {
    samples: Vec<f64>,
}

impl Figure {
    fn median(&self) -> f64 {
        let mut v = self.samples.clone();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }

    /// (max - min) / median: how much the repeats disagree.
    fn spread(&self) -> f64 {
        let min = self.samples.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self
            .samples
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        (max - min) / self.median()
    }

    fn json(&self) -> String {
        format!(
            "{{\"median\":{:.3},\"spread\":{:.3},\"samples\":[{}]}}",
            self.median(),
            self.spread(),
            self.samples
                .iter()
                .map(|s| format!("{s:.3}"))
                .collect::<Vec<_>>()
                .join(",")
        )
    }
}

/// What a scenario reports.
struct Report {
    scenario: &'static str,
    /// Which configuration of the scenario, for the table (`1000` timers, …).
    variant: String,
    inputs: String,
    measure: &'static str,
    periodic: Figure,
    baseline: Option<(&'static str, Figure)>,
    /// The SPEC §9 target, in words, and whether the median meets it (`None`: reported only).
    target: &'static str,
    met: Option<bool>,
}

impl Report {
    fn print(&self) {
        let (baseline_json, ratio) = match &self.baseline {
            Some((name, f)) => (
                format!(
                    ",\"baseline\":{{\"name\":\"{name}\",\"figure\":{}}}",
                    f.json()
                ),
                Some(self.periodic.median() / f.median()),
            ),
            None => (String::new(), None),
        };
        println!(
            "{{\"scenario\":\"{}\",\"inputs\":{},\"measure\":\"{}\",\"periodic\":{}{}{},\"target\":\"{}\",\"met\":{}}}",
            self.scenario,
            self.inputs,
            self.measure,
            self.periodic.json(),
            baseline_json,
            ratio.map_or(String::new(), |r| format!(",\"ratio\":{r:.3}")),
            self.target,
            self.met.map_or("null".to_owned(), |m| m.to_string())
        );
        let baseline = self.baseline.as_ref().map_or("-".to_owned(), |(name, f)| {
            format!("{:.1} ({name})", f.median())
        });
        let name = if self.variant.is_empty() {
            self.scenario.to_owned()
        } else {
            format!("{} {}", self.scenario, self.variant)
        };
        eprintln!(
            "| {:<15} | {:<34} | {:>14.1} | {:>28} | {:>6} | {:<22} | {:<4} |",
            name,
            self.measure,
            self.periodic.median(),
            baseline,
            ratio.map_or("-".to_owned(), |r| format!("{r:.2}")),
            self.target,
            match self.met {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "-",
            }
        );
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// `fanout`: one timer, 10,000 subscribers; deliveries per second. Each trigger makes one tick,
/// delivered into every subscriber's queue (the timed part: the tick and its deliveries, not
/// the consumers). Baseline: a `tokio::sync::broadcast` channel with as many receivers, timing
/// the sends and every receiver's receipt of every value.
fn fanout(plan: Plan) -> Report {
    const SUBSCRIBERS: usize = 10_000;
    let ticks: usize = if plan.quick { 20 } else { 200 };
    let rt = runtime();
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..plan.repeats {
        ours.push(rt.block_on(async {
            let timer = Timer::new(Duration::from_secs(3600), || 7u64);
            let feeds: Vec<_> = (0..SUBSCRIBERS).map(|_| timer.subscribe()).collect();
            timer.start().expect("start");
            timer.wait().hit_count(1).await.expect("first tick");
            let started = Instant::now();
            for _ in 0..ticks {
                timer.trigger().await.expect("trigger");
            }
            let elapsed = started.elapsed();
            timer.cancel().await;
            assert!(
                feeds.iter().all(|f| f.len() == ticks + 2),
                "every tick delivered"
            );
            (ticks * SUBSCRIBERS) as f64 / elapsed.as_secs_f64()
        }));
        theirs.push(rt.block_on(async {
            // A broadcast send stores the value once; each receiver clones it on receipt, so
            // a delivery is a send plus every receiver's `recv`.
            let (tx, _) = tokio::sync::broadcast::channel::<u64>(ticks + 1);
            let mut receivers: Vec<_> = (0..SUBSCRIBERS).map(|_| tx.subscribe()).collect();
            let started = Instant::now();
            for i in 0..ticks {
                tx.send(black_box(i as u64)).expect("receivers alive");
            }
            let mut received = 0usize;
            for r in &mut receivers {
                while let Ok(v) = r.try_recv() {
                    black_box(v);
                    received += 1;
                }
            }
            let elapsed = started.elapsed();
            assert_eq!(received, ticks * SUBSCRIBERS);
            (ticks * SUBSCRIBERS) as f64 / elapsed.as_secs_f64()
        }));
    }
    let periodic = Figure { samples: ours };
    let met = periodic.median() >= 5_000_000.0;
    Report {
        scenario: "fanout",
        variant: String::new(),
        inputs: format!("{{\"subscribers\":{SUBSCRIBERS},\"ticks\":{ticks}}}"),
        measure: "deliveries per second",
        periodic,
        baseline: Some(("tokio broadcast", Figure { samples: theirs })),
        target: ">= 5,000,000/s",
        met: Some(met),
    }
}

/// `ratelimit`: an uncontended `RateLimiter::run` whose window is never full, against calling
/// the task directly; the figure is ns per call, and the target is on the difference.
fn ratelimit(plan: Plan) -> Report {
    let calls: u64 = if plan.quick { 100_000 } else { 2_000_000 };
    let rt = runtime();
    let mut ours = Vec::new();
    let mut direct = Vec::new();
    for _ in 0..plan.repeats {
        ours.push(rt.block_on(async {
            // One completion per nanosecond: every call comes later than that, so the window
            // is never full and no call waits.
            let limiter = RateLimiter::new(1, Duration::from_nanos(1)).expect("limiter");
            let started = Instant::now();
            for i in 0..calls {
                black_box(limiter.run(|| black_box(i)).await.expect("run"));
            }
            started.elapsed().as_nanos() as f64 / calls as f64
        }));
        direct.push(rt.block_on(async {
            let started = Instant::now();
            for i in 0..calls {
                let task = || black_box(i);
                black_box(async { task() }.await);
            }
            started.elapsed().as_nanos() as f64 / calls as f64
        }));
    }
    let periodic = Figure { samples: ours };
    let baseline = Figure { samples: direct };
    let met = periodic.median() - baseline.median() <= 1_000.0;
    Report {
        scenario: "ratelimit",
        variant: String::new(),
        inputs: format!("{{\"calls\":{calls},\"rate\":1,\"per_ns\":1}}"),
        measure: "ns per call",
        periodic,
        baseline: Some(("direct call", baseline)),
        target: "<= direct + 1,000 ns",
        met: Some(met),
    }
}

fn multi_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Percentile `q` (0..=1) of sorted samples.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// Lateness of every tick (µs past the latest slot due at or before it) and end drift for the
/// ticks recorded by one timer anchored at `anchor`.
///
/// End drift is how much the schedule itself moved between the start and the end of the run:
/// the median count-based lateness (tick `k` against `anchor + k·period`) of the last ten ticks
/// minus that of the first ten. Wakeup lateness that does not accumulate cancels out; a lost
/// slot or a schedule that creeps shows as drift.
fn lateness(anchor: Instant, period: Duration, ticks: &[Instant]) -> (Vec<f64>, f64) {
    let p = period.as_nanos();
    let late: Vec<f64> = ticks
        .iter()
        .map(|t| {
            let since = t.saturating_duration_since(anchor).as_nanos();
            (since % p) as f64 / 1_000.0
        })
        .collect();
    let counted: Vec<f64> = ticks
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let since = t.saturating_duration_since(anchor).as_nanos() as f64;
            (since - (p * k as u128) as f64) / 1_000.0
        })
        .collect();
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        percentile(&v, 0.5)
    };
    let n = counted.len().min(10);
    let drift = if n == 0 {
        0.0
    } else {
        median(&counted[counted.len() - n..]) - median(&counted[..n])
    };
    (late, drift)
}

/// One side's accuracy run: `timers` fixed-rate timers at `period` for `length`; returns the
/// lateness samples of all ticks (sorted) and the largest end drift.
fn accuracy_side(ours: bool, timers: usize, period: Duration, length: Duration) -> (Vec<f64>, f64) {
    let rt = multi_thread_runtime();
    rt.block_on(async move {
        let mut recorders = Vec::with_capacity(timers);
        let mut keep = Vec::new();
        let mut tasks = Vec::new();
        for _ in 0..timers {
            let ticks = Arc::new(Mutex::new(Vec::with_capacity(
                (length.as_millis() / period.as_millis().max(1)) as usize + 2,
            )));
            let anchor = Instant::now();
            if ours {
                let record = ticks.clone();
                let timer = Timer::builder(period, move || {
                    record.lock().unwrap().push(Instant::now());
                })
                .mode(Mode::FixedRate)
                .build()
                .expect("timer");
                timer.start().expect("start");
                keep.push(timer);
            } else {
                let record = ticks.clone();
                tasks.push(tokio::spawn(async move {
                    let mut iv = tokio::time::interval_at(anchor.into(), period);
                    iv.set_missed_tick_behavior(MissedTickBehavior::Skip);
                    loop {
                        iv.tick().await;
                        record.lock().unwrap().push(Instant::now());
                    }
                }));
            }
            recorders.push((anchor, ticks));
        }
        tokio::time::sleep(length).await;
        for t in &keep {
            t.cancel().await;
        }
        for t in &tasks {
            t.abort();
        }
        let mut all = Vec::new();
        let mut worst_drift = 0.0f64;
        for (anchor, ticks) in recorders {
            let ticks = ticks.lock().unwrap();
            let (late, drift) = lateness(anchor, period, &ticks);
            all.extend(late);
            worst_drift = worst_drift.max(drift.abs());
        }
        all.sort_by(f64::total_cmp);
        (all, worst_drift)
    })
}

/// `accuracy`: 1 and 1,000 fixed-rate timers at 10 ms; lateness p50/p99/max against the ideal
/// schedule and end drift, against one tokio `interval` (Skip) task per timer.
fn accuracy(plan: Plan) -> Vec<Report> {
    let period = Duration::from_millis(10);
    let length = if plan.quick {
        Duration::from_millis(500)
    } else {
        Duration::from_secs(10)
    };
    let mut reports = Vec::new();
    for timers in [1usize, 1_000] {
        let mut ours = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
        let mut theirs = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
        for _ in 0..plan.repeats {
            for (side, out) in [(true, &mut ours), (false, &mut theirs)] {
                let (late, drift) = accuracy_side(side, timers, period, length);
                out[0].push(percentile(&late, 0.5));
                out[1].push(percentile(&late, 0.99));
                out[2].push(percentile(&late, 1.0));
                out[3].push(drift);
            }
        }
        let fig = |v: &Vec<f64>| Figure { samples: v.clone() };
        let p99 = fig(&ours[1]);
        let drift = fig(&ours[3]);
        let inputs = format!(
            "{{\"timers\":{timers},\"period_ms\":10,\"seconds\":{}}}",
            length.as_secs_f64()
        );
        for (i, measure) in [
            "lateness p50 (µs)",
            "lateness p99 (µs)",
            "lateness max (µs)",
            "end drift (µs)",
        ]
        .into_iter()
        .enumerate()
        {
            reports.push(Report {
                scenario: "accuracy",
                variant: format!("{timers}"),
                inputs: inputs.clone(),
                measure,
                periodic: fig(&ours[i]),
                baseline: Some(("tokio interval", fig(&theirs[i]))),
                target: match i {
                    1 => "p99 <= 1.1x raw",
                    3 => "drift <= 1,000 µs",
                    _ => "(reported)",
                },
                met: match i {
                    1 => Some(p99.median() <= 1.1 * fig(&theirs[1]).median()),
                    3 => Some(drift.median() <= 1_000.0),
                    _ => None,
                },
            });
        }
    }
    reports
}

/// `overhead`: 10,000 no-op timers at 50 ms (about 200,000 ticks per second) for 5 s; process
/// CPU time per tick, against one tokio `interval` (Skip) task per timer.
fn overhead(plan: Plan) -> Vec<Report> {
    const TIMERS: usize = 10_000;
    let period = Duration::from_millis(50);
    let length = if plan.quick {
        Duration::from_millis(500)
    } else {
        Duration::from_secs(5)
    };
    let side = |ours: bool| {
        let rt = multi_thread_runtime();
        rt.block_on(async move {
            let ticks = Arc::new(AtomicU64::new(0));
            let mut keep = Vec::new();
            let mut tasks = Vec::new();
            for _ in 0..TIMERS {
                let ticks = ticks.clone();
                if ours {
                    let timer = Timer::builder(period, move || {
                        ticks.fetch_add(1, Ordering::Relaxed);
                    })
                    .mode(Mode::FixedRate)
                    .build()
                    .expect("timer");
                    timer.start().expect("start");
                    keep.push(timer);
                } else {
                    tasks.push(tokio::spawn(async move {
                        let mut iv = tokio::time::interval(period);
                        iv.set_missed_tick_behavior(MissedTickBehavior::Skip);
                        loop {
                            iv.tick().await;
                            ticks.fetch_add(1, Ordering::Relaxed);
                        }
                    }));
                }
            }
            // Settle past the start, then measure a steady window.
            tokio::time::sleep(period * 2).await;
            let (cpu0, n0) = (sys::cpu_time(), ticks.load(Ordering::Relaxed));
            tokio::time::sleep(length).await;
            let (cpu1, n1) = (sys::cpu_time(), ticks.load(Ordering::Relaxed));
            for t in &keep {
                t.cancel().await;
            }
            for t in &tasks {
                t.abort();
            }
            (cpu1 - cpu0).as_nanos() as f64 / (n1 - n0).max(1) as f64
        })
    };
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..plan.repeats {
        ours.push(side(true));
        theirs.push(side(false));
    }
    let periodic = Figure { samples: ours };
    let baseline = Figure { samples: theirs };
    let met = periodic.median() <= 1.3 * baseline.median();
    vec![Report {
        scenario: "overhead",
        variant: String::new(),
        inputs: format!(
            "{{\"timers\":{TIMERS},\"period_ms\":50,\"seconds\":{}}}",
            length.as_secs_f64()
        ),
        measure: "CPU ns per tick",
        periodic,
        baseline: Some(("tokio interval", baseline)),
        target: "<= 1.3x raw",
        met: Some(met),
    }]
}

/// `periodic`'s shared state per timer in words of a `Mutex<[u64; N]>` (304 bytes, the size of
/// its `Core`, which the budget test in `runtime/src/driver.rs` keeps), for the `tokio-shared`
/// side of `scale`.
const SHARED_STATE_WORDS: usize = 37;
const _: () = assert!(std::mem::size_of::<Mutex<[u64; SHARED_STATE_WORDS]>>() == 304);

/// The child side of `scale`: starts `n` idle timers (`periodic`), or interval tasks (`tokio`),
/// or interval tasks each sharing a state of a timer's size with a handle (`tokio-shared`), and
/// prints the resident bytes per timer and the milliseconds it took to start them all.
fn scale_child(side: &str, n: usize) {
    let ours = side == "periodic";
    let shared = side == "tokio-shared";
    let rt = multi_thread_runtime();
    let hour = Duration::from_secs(3600);
    rt.block_on(async move {
        let rss0 = sys::rss_bytes();
        let started = Instant::now();
        let mut timers = Vec::new();
        let mut tasks = Vec::new();
        let mut states = Vec::new();
        if ours {
            timers.reserve(n);
            for _ in 0..n {
                let timer = Timer::builder(hour, || ())
                    .initial_delay(hour)
                    .build()
                    .expect("timer");
                timer.start().expect("start");
                timers.push(timer);
            }
        } else {
            tasks.reserve(n);
            if shared {
                states.reserve(n);
            }
            for _ in 0..n {
                // `tokio-shared`: a handle's state, shared with the task as a timer's is.
                let state = shared.then(|| {
                    let state = Arc::new(Mutex::new([0_u64; SHARED_STATE_WORDS]));
                    states.push(state.clone());
                    state
                });
                tasks.push(tokio::spawn(async move {
                    let _state = state;
                    let mut iv = tokio::time::interval_at(tokio::time::Instant::now() + hour, hour);
                    iv.set_missed_tick_behavior(MissedTickBehavior::Skip);
                    loop {
                        iv.tick().await;
                    }
                }));
            }
        }
        let elapsed = started.elapsed();
        // Let every task run once, so that each has armed its timer.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let rss1 = sys::rss_bytes();
        println!(
            "{} {}",
            (rss1.saturating_sub(rss0)) as f64 / n as f64,
            elapsed.as_secs_f64() * 1_000.0
        );
        // The teardown is not measured: leave without it (a million tasks take a while to drop).
        std::io::Write::flush(&mut std::io::stdout()).expect("stdout");
        std::process::exit(0);
    });
}

/// `scale`: 100,000 and 1,000,000 idle timers; resident bytes per timer and time to start all,
/// each side in a fresh child process. A third side, raw tokio with a shared state of a timer's
/// size per task, is reported beside ours: the part of the start time any handle-based timer
/// pays.
fn scale(plan: Plan) -> Vec<Report> {
    let sizes: &[usize] = if plan.quick {
        &[100_000]
    } else {
        &[100_000, 1_000_000]
    };
    let mut reports = Vec::new();
    for &n in sizes {
        let mut mem = (Vec::new(), Vec::new());
        let mut time = (Vec::new(), Vec::new());
        let mut shared_time = Vec::new();
        for _ in 0..plan.repeats {
            for (side, m, t) in [
                ("periodic", &mut mem.0, &mut time.0),
                ("tokio", &mut mem.1, &mut time.1),
            ] {
                let out = sys::child(&["scale".into(), side.into(), n.to_string()]);
                m.push(out[0]);
                t.push(out[1]);
            }
            let out = sys::child(&["scale".into(), "tokio-shared".into(), n.to_string()]);
            shared_time.push(out[1]);
        }
        let time_of_ours = time.0.clone();
        for (measure, (ours, theirs)) in [("bytes per timer", mem), ("ms to start all", time)] {
            let periodic = Figure { samples: ours };
            let baseline = Figure { samples: theirs };
            let met = periodic.median() <= 1.5 * baseline.median();
            reports.push(Report {
                scenario: "scale",
                variant: format!("{n}"),
                inputs: format!("{{\"timers\":{n}}}"),
                measure,
                periodic,
                baseline: Some(("tokio interval", baseline)),
                target: "<= 1.5x raw",
                met: Some(met),
            });
        }
        // What sharing state with a handle costs raw tokio: the same spawns, each with one
        // more allocation of our shared state's size, referenced by the task and a handle.
        reports.push(Report {
            scenario: "scale",
            variant: format!("{n}"),
            inputs: format!("{{\"timers\":{n}}}"),
            measure: "ms to start all",
            periodic: Figure {
                samples: time_of_ours,
            },
            baseline: Some((
                "tokio + shared state",
                Figure {
                    samples: shared_time,
                },
            )),
            target: "(reported)",
            met: None,
        });
    }
    reports
}

/// The child side of `registry`: the time for `run_all` to start this binary's 200 `#[every]`
/// jobs (or to spawn 200 interval tasks), in microseconds.
fn registry_child(ours: bool) {
    let rt = multi_thread_runtime();
    rt.block_on(async move {
        let hour = Duration::from_secs(3600);
        let started = Instant::now();
        if ours {
            let jobs = periodic::run_all().await.expect("run_all");
            let elapsed = started.elapsed();
            assert_eq!(jobs.len(), 200);
            println!("{}", elapsed.as_secs_f64() * 1e6);
            jobs.cancel_all().await;
        } else {
            let tasks: Vec<_> = (0..200)
                .map(|_| {
                    tokio::spawn(async move {
                        let mut iv =
                            tokio::time::interval_at(tokio::time::Instant::now() + hour, hour);
                        loop {
                            iv.tick().await;
                        }
                    })
                })
                .collect();
            println!("{}", started.elapsed().as_secs_f64() * 1e6);
            drop(tasks);
        }
    });
}

/// `registry`: a binary with 200 `#[every]` jobs; the time for `run_all` to start them all
/// (first use: each job's timer is built then), against spawning 200 interval tasks.
fn registry(plan: Plan) -> Vec<Report> {
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..plan.repeats {
        ours.push(sys::child(&["registry".into(), "periodic".into()])[0]);
        theirs.push(sys::child(&["registry".into(), "tokio".into()])[0]);
    }
    vec![Report {
        scenario: "registry",
        variant: String::new(),
        inputs: "{\"jobs\":200}".into(),
        measure: "µs for run_all",
        periodic: Figure { samples: ours },
        baseline: Some(("spawn 200 intervals", Figure { samples: theirs })),
        target: "(reported)",
        met: None,
    }]
}

type Scenario = fn(Plan) -> Vec<Report>;

const SCENARIOS: &[(&str, Scenario)] = &[
    ("accuracy", accuracy),
    ("overhead", overhead),
    ("scale", scale),
    ("fanout", |plan| vec![fanout(plan)]),
    ("ratelimit", |plan| vec![ratelimit(plan)]),
    ("registry", registry),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        let ours = args.get(2).map(String::as_str) == Some("periodic");
        match args.get(1).map(String::as_str) {
            Some("scale") => scale_child(&args[2], args[3].parse().expect("a timer count")),
            Some("registry") => registry_child(ours),
            other => panic!("unknown child scenario {other:?}"),
        }
        return ExitCode::SUCCESS;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let mut repeats = if quick { 3 } else { 7 };
    let mut names: Vec<&str> = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--repeats" {
            match rest.next().and_then(|n| n.parse().ok()).filter(|&n| n > 0) {
                Some(n) => repeats = n,
                None => {
                    eprintln!("periodic-bench: --repeats takes a count of at least 1");
                    return ExitCode::from(2);
                }
            }
        } else if !arg.starts_with("--") {
            names.push(arg);
        }
    }
    let plan = Plan { quick, repeats };
    let selected: Vec<&(&str, Scenario)> = if names.is_empty() || names.contains(&"all") {
        SCENARIOS.iter().collect()
    } else {
        let mut chosen = Vec::new();
        for name in &names {
            match SCENARIOS.iter().find(|(n, _)| n == name) {
                Some(s) => chosen.push(s),
                None => {
                    let known: Vec<_> = SCENARIOS.iter().map(|(n, _)| *n).collect();
                    eprintln!(
                        "periodic-bench: unknown scenario `{name}`; implemented: {}; usage: periodic-bench [--quick] [--repeats N] [all | NAME…]",
                        known.join(", ")
                    );
                    return ExitCode::from(2);
                }
            }
        }
        chosen
    };
    if cfg!(debug_assertions) {
        eprintln!("periodic-bench: a debug build measures nothing useful; use --release");
    }
    eprintln!(
        "| scenario        | measure                            |       periodic |                     baseline |  ratio | target                 | met  |"
    );
    eprintln!(
        "|-----------------|------------------------------------|----------------|------------------------------|--------|------------------------|------|"
    );
    for (_, scenario) in selected {
        for report in scenario(plan) {
            report.print();
        }
    }
    ExitCode::SUCCESS
}
