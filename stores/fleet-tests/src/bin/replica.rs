//! One replica of a service: a process that runs one coordinated fixed-rate job against
//! PostgreSQL or Redis and prints what happens to each slot, for the fleet tests.
//!
//! ```text
//! replica --store postgres|redis --url URL --space TABLE|PREFIX --job NAME --period-ms 200
//!         --id r1 [--skew-ms -90]
//! ```
//!
//! - `--space`: the runs table (PostgreSQL) or the key prefix (Redis).
//! - `--id`: the replica's name in its output, and its owner name in the store.
//! - `--skew-ms`: this replica's clock runs that far ahead (or behind, if negative) of the real
//!   one: the engine's wall clock is replaced with it.
//!
//! It prints the lines of `periodic_fleet_tests::Line` on stdout (one per event), and the
//! engine's logs (warnings and errors, or what `RUST_LOG` says) on stderr. It reads
//! `LAST <slot>` on stdin: it runs no slot after that one, and exits once its timer reaches the
//! next. It also exits when its stdin closes (the test is gone).

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use periodic::{BoxError, BoxFuture, Coordinator, Mode, RunRecord, Slot, Timer};
use periodic_fleet_tests::{Line, parse_last_command};
use periodic_postgres::PostgresCoordinator;
use periodic_redis::RedisCoordinator;
use sqlx::postgres::PgPoolOptions;
use tokio::sync::watch;

/// How far this replica's clock is off, in milliseconds.
static SKEW_MS: AtomicI64 = AtomicI64::new(0);

/// The replica's clock: the real one, moved by the skew.
fn own_clock() -> SystemTime {
    let skew = SKEW_MS.load(Ordering::Relaxed);
    let now = SystemTime::now();
    let by = Duration::from_millis(skew.unsigned_abs());
    if skew >= 0 { now + by } else { now - by }
}

/// Prints one line and flushes it at once (stdout is a pipe to the test).
fn emit(line: Line) {
    let mut out = std::io::stdout().lock();
    // The test may be gone: then so is the point of printing.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Microseconds from `due` to `now`, negative if `now` is earlier.
fn lag_us(now: SystemTime, due: SystemTime) -> i64 {
    match now.duration_since(due) {
        Ok(late) => i64::try_from(late.as_micros()).unwrap_or(i64::MAX),
        Err(early) => -i64::try_from(early.duration().as_micros()).unwrap_or(i64::MAX),
    }
}

/// The real coordinator, with every claim's question and answer printed, the slot it won
/// remembered for the target, and no claim past the last slot.
struct Reporting {
    inner: Arc<dyn Coordinator>,
    id: String,
    /// The last slot this replica may run; `u64::MAX` until the test says.
    last: Arc<AtomicU64>,
    /// The slot whose claim this replica won last: the one its target runs for.
    won: Arc<AtomicU64>,
    /// Set once the timer asks for a slot after the last.
    leaving: watch::Sender<bool>,
    /// How many records are in flight, so that the replica exits after they are written.
    records: Arc<watch::Sender<usize>>,
}

/// Prints `ABANDONED` if the claim is dropped before its answer: the engine's bound on the
/// call ran out.
struct Pending<'a> {
    id: &'a str,
    slot: u64,
    answered: bool,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if !self.answered {
            emit(Line::Abandoned {
                replica: self.id.to_owned(),
                slot: self.slot,
            });
        }
    }
}

/// Counts a record in flight until it ends, however it ends.
struct InFlight(Arc<watch::Sender<usize>>);

impl InFlight {
    fn new(records: &Arc<watch::Sender<usize>>) -> InFlight {
        records.send_modify(|n| *n += 1);
        InFlight(records.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
}

impl Coordinator for Reporting {
    fn owner(&self) -> &str {
        self.inner.owner()
    }

    fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        self.inner.prepare()
    }

    fn claim<'a>(&'a self, slot: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
        Box::pin(async move {
            let replica = || self.id.clone();
            if slot.index > self.last.load(Ordering::SeqCst) {
                if !*self.leaving.borrow() {
                    emit(Line::Leave {
                        replica: replica(),
                        slot: slot.index,
                    });
                    self.leaving.send_replace(true);
                }
                return Ok(false);
            }
            emit(Line::Ask {
                replica: replica(),
                slot: slot.index,
            });
            let mut pending = Pending {
                id: &self.id,
                slot: slot.index,
                answered: false,
            };
            let answer = self.inner.claim(slot).await;
            pending.answered = true;
            match &answer {
                Ok(true) => {
                    self.won.store(slot.index, Ordering::SeqCst);
                    emit(Line::Won {
                        replica: replica(),
                        slot: slot.index,
                    });
                }
                Ok(false) => emit(Line::Lost {
                    replica: replica(),
                    slot: slot.index,
                }),
                Err(error) => emit(Line::Failed {
                    replica: replica(),
                    slot: slot.index,
                    error: error.to_string(),
                }),
            }
            answer
        })
    }

    fn record<'a>(
        &'a self,
        slot: &'a Slot,
        run: &'a RunRecord,
    ) -> BoxFuture<'a, Result<(), BoxError>> {
        let in_flight = InFlight::new(&self.records);
        Box::pin(async move {
            let _in_flight = in_flight;
            self.inner.record(slot, run).await
        })
    }
}

/// The command line, as `--name value` pairs.
struct Args(HashMap<String, String>);

impl Args {
    fn parse() -> Result<Args, String> {
        let mut args = std::env::args().skip(1);
        let mut map = HashMap::new();
        while let Some(name) = args.next() {
            let key = name
                .strip_prefix("--")
                .ok_or_else(|| format!("expected --name, got {name:?}"))?;
            let value = args.next().ok_or_else(|| format!("{name} needs a value"))?;
            map.insert(key.to_owned(), value);
        }
        Ok(Args(map))
    }

    fn get(&self, name: &str) -> Result<&str, String> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| format!("--{name} is required"))
    }

    fn number<N: std::str::FromStr>(&self, name: &str, default: Option<N>) -> Result<N, String> {
        match (self.0.get(name), default) {
            (Some(v), _) => v
                .parse()
                .map_err(|_| format!("--{name}: not a number: {v}")),
            (None, Some(d)) => Ok(d),
            (None, None) => Err(format!("--{name} is required")),
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("replica: {error}");
        std::process::exit(2);
    }
}

async fn run() -> Result<(), BoxError> {
    let args = Args::parse()?;
    let store = args.get("store")?.to_owned();
    let url = args.get("url")?.to_owned();
    let space = args.get("space")?.to_owned();
    let job = args.get("job")?.to_owned();
    let id = args.get("id")?.to_owned();
    let period = Duration::from_millis(args.number("period-ms", None)?);
    let skew: i64 = args.number("skew-ms", Some(0))?;

    if skew != 0 {
        SKEW_MS.store(skew, Ordering::Relaxed);
        periodic::__private::set_wall_clock(own_clock);
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();

    let inner: Arc<dyn Coordinator> = match store.as_str() {
        "postgres" => {
            let pool = PgPoolOptions::new()
                .max_connections(2)
                .acquire_timeout(Duration::from_secs(2))
                .connect_lazy(&url)?;
            Arc::new(
                PostgresCoordinator::with_table(pool, &space)
                    .await?
                    .owner(id.clone())
                    .timeout(Duration::from_secs(3)),
            )
        }
        "redis" => Arc::new(
            RedisCoordinator::connect(&url)
                .await?
                .owner(id.clone())
                .prefix(space.clone()),
        ),
        other => return Err(format!("--store: postgres or redis, not {other:?}").into()),
    };

    let last = Arc::new(AtomicU64::new(u64::MAX));
    let won = Arc::new(AtomicU64::new(0));
    let (leaving, mut left) = watch::channel(false);
    let records = Arc::new(watch::channel(0_usize).0);
    let coordinator = Reporting {
        inner,
        id: id.clone(),
        last: last.clone(),
        won: won.clone(),
        leaving,
        records: records.clone(),
    };

    // The test's commands, on a thread of its own: tokio's stdin would hold the runtime open
    // at exit while it waits for a line that never comes.
    let (stdin_closed, mut stdin_gone) = watch::channel(false);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if let Some(slot) = parse_last_command(&line) {
                last.store(slot, Ordering::SeqCst);
            }
        }
        stdin_closed.send_replace(true);
    });

    let target_id = id.clone();
    let offset = Duration::ZERO;
    let target_job = job.clone();
    let timer = Timer::builder(period, move || {
        let slot = won.load(Ordering::SeqCst);
        let due = Slot::new(target_job.as_str(), slot, period, offset).due;
        emit(Line::Ran {
            replica: target_id.clone(),
            slot,
            own_lag_us: lag_us(own_clock(), due),
            real_lag_us: lag_us(SystemTime::now(), due),
        });
    })
    .name(job.as_str())
    .mode(Mode::FixedRate)
    .coordinator(coordinator)
    .slot_offset(offset)
    .build()?;
    timer.start()?;
    emit(Line::Ready {
        replica: id.clone(),
    });

    tokio::select! {
        _ = left.wait_for(|left| *left) => {}
        _ = stdin_gone.wait_for(|gone| *gone) => {}
    }
    timer.cancel().await;
    // The last runs' records are written on tasks of their own: let them finish (the engine
    // bounds each one; this bound is only a guard).
    let mut in_flight = records.subscribe();
    let _ = tokio::time::timeout(Duration::from_secs(15), in_flight.wait_for(|n| *n == 0)).await;
    emit(Line::Done { replica: id });
    Ok(())
}
