//! Running once across a fleet: three replicas of a service — three processes — run the same
//! `#[every]` job, and PostgreSQL decides which of them runs each slot. Every second, one
//! replica sends the report and the other two stand by; then the runs table shows the history.
//!
//! Run it with a PostgreSQL it may create a table in (`periodic_example_runs`):
//!
//! ```sh
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo run --example coordinated
//! ```
//!
//! It reads `DATABASE_URL`, or else `PERIODIC_TEST_POSTGRES_URL` (which `.ci/run` sets for the
//! store tests); with neither, it says so and exits. It takes about twelve seconds: ten slots of
//! one second, after the replicas are up.
//!
//! The program is both the launcher and the replicas: it starts itself three times with
//! `COORDINATED_REPLICA` naming the replica, as a deployment would start three pods.

use std::error::Error;
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use periodic::{State, every};
use periodic_postgres::PostgresCoordinator;
use sqlx::postgres::{PgPool, PgPoolOptions};

/// The runs table of this example (created on first use; rows older than an hour are pruned).
const TABLE: &str = "periodic_example_runs";

/// The job's period: its slots are the whole seconds of the UNIX clock.
const PERIOD: Duration = Duration::from_secs(1);

/// How many slots the replicas run together.
const SLOTS: u64 = 10;

/// A row of the runs table: slot, owner, outcome, how late the run started after the slot was
/// due and how long it took (milliseconds; `None` while it runs, or if its replica died).
type Row = (i64, String, Option<String>, Option<f64>, Option<f64>);

/// Which replica this process is.
struct Replica(String);

/// The job every replica declares. `coordinated = true` makes each slot (here each whole second)
/// run on one replica only: the one whose claim in the runs table succeeds.
#[every(1s, mode = "fixed_rate", coordinated = true)]
fn send_report(replica: State<Replica>) -> u64 {
    // The slot due now (the run starts a millisecond or two after it is due). The runs table,
    // printed at the end, holds the exact slot each replica claimed.
    let slot = seconds_since_epoch(SystemTime::now()).round() as u64;
    println!("slot {slot}: report sent by {}", replica.0);
    slot
}

fn seconds_since_epoch(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

/// When slot `slot` is due.
fn due(slot: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(slot * PERIOD.as_secs())
}

/// Sleeps until the wall clock reads `t`.
async fn sleep_until(t: SystemTime) {
    if let Ok(wait) = t.duration_since(SystemTime::now()) {
        tokio::time::sleep(wait).await;
    }
}

async fn pool(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(2)
        // A claim must not wait long for a connection: well under the period's bound.
        .acquire_timeout(Duration::from_secs(3))
        .connect_lazy(url)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let Some(url) = ["DATABASE_URL", "PERIODIC_TEST_POSTGRES_URL"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
    else {
        println!("This example needs a PostgreSQL it may create a table in. Run it with");
        println!(
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo run --example coordinated"
        );
        println!("(or set PERIODIC_TEST_POSTGRES_URL, as .ci/run does).");
        return Ok(());
    };
    match std::env::var("COORDINATED_REPLICA") {
        Ok(name) => replica(&url, name).await,
        Err(_) => launcher(&url).await,
    }
}

/// One replica: the service's start-up code, with a coordinator on its own pool.
async fn replica(url: &str, name: String) -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter("periodic=warn")
        .with_target(false)
        .without_time()
        .init();
    let first: u64 = std::env::var("COORDINATED_FIRST_SLOT")?.parse()?;
    let last: u64 = std::env::var("COORDINATED_LAST_SLOT")?.parse()?;

    let coordinator = PostgresCoordinator::with_table(pool(url).await?, TABLE)
        .await?
        .owner(name.clone()) // each replica its own name: it is recorded with its runs
        .retention(Duration::from_secs(3600));

    // Up a little before the first slot (the launcher chose it so that all three are up by
    // then), and down a little after the last.
    sleep_until(due(first) - PERIOD / 2).await;
    let jobs = periodic::configure()
        .state(Replica(name))
        .coordinator(coordinator)
        .run_all()
        .await?;
    sleep_until(due(last) + PERIOD / 2).await;
    jobs.shutdown(Duration::from_secs(2)).await;
    Ok(())
}

/// Starts three replicas of this program, waits for them, and prints the runs table.
async fn launcher(url: &str) -> Result<(), Box<dyn Error>> {
    // Create the table once up front, and fail here, clearly, if the database is unreachable.
    let pool = pool(url).await?;
    PostgresCoordinator::with_table(pool.clone(), TABLE).await?;

    let now = seconds_since_epoch(SystemTime::now()) as u64;
    let (first, last) = (now + 2, now + 1 + SLOTS);
    println!("three replicas run `send_report` for slots {first}..={last}, one second each:");
    let exe = std::env::current_exe()?;
    let mut replicas = Vec::new();
    for n in 1..=3 {
        let child = tokio::process::Command::new(&exe)
            .env("COORDINATED_REPLICA", format!("replica-{n}"))
            .env("COORDINATED_FIRST_SLOT", first.to_string())
            .env("COORDINATED_LAST_SLOT", last.to_string())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        replicas.push(child);
    }
    let bound = Duration::from_secs(SLOTS + 15);
    for mut child in replicas {
        let status = tokio::time::timeout(bound, child.wait()).await??;
        if !status.success() {
            return Err(format!("a replica failed: {status}").into());
        }
    }

    // The history: one row per slot, whichever replica claimed it.
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT slot, owner, outcome,
                EXTRACT(EPOCH FROM started_at - due)::float8 * 1000,
                EXTRACT(EPOCH FROM finished_at - started_at)::float8 * 1000
           FROM {TABLE}
          WHERE job = 'send_report' AND slot BETWEEN $1 AND $2
          ORDER BY slot"
    ))
    .bind(i64::try_from(first)?)
    .bind(i64::try_from(last)?)
    .fetch_all(&pool)
    .await?;
    println!("\nthe runs table ({TABLE}):");
    println!(
        "{:>12}  {:<10}  {:<7}  {:>12}  took",
        "slot", "owner", "outcome", "started late"
    );
    let ms = |ms: Option<f64>| ms.map_or("-".to_owned(), |ms| format!("{ms:.2} ms"));
    for (slot, owner, outcome, late_ms, took_ms) in &rows {
        let outcome = outcome.as_deref().unwrap_or("-");
        let (late, took) = (ms(*late_ms), ms(*took_ms));
        println!("{slot:>12}  {owner:<10}  {outcome:<7}  {late:>12}  {took}");
    }
    let slots = usize::try_from(SLOTS)?;
    println!(
        "\n{} of {slots} slots ran, each on one replica (the table's key is (job, slot)).",
        rows.len()
    );
    Ok(())
}
