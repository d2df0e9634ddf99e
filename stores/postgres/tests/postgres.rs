//! `PostgresCoordinator` against the real PostgreSQL named by `PERIODIC_TEST_POSTGRES_URL`
//! (each test prints a notice and passes without it), except the tests of an unreachable
//! database, which need none. Every test uses tables and jobs of its own (random names), so
//! they run in parallel and leave nothing behind but what a failure left.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use periodic::{Coordinator, RunOutcome, RunRecord, Slot};
use periodic_postgres::{Operation, PostgresCoordinator};
use periodic_store_testkit::contract::{self, CALL_BOUND as BOUND};
use periodic_store_testkit::{POSTGRES_URL_VAR, Proxy, env_url, unique, within};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Executor, Row};
use tokio::sync::Barrier;

const MINUTE: Duration = Duration::from_secs(60);

async fn pool(url: &str, max_connections: u32) -> PgPool {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(3))
        .connect(url)
        .await
        .expect("connect to the test database")
}

/// A coordinator on `table` with a connection of its own, as a replica has.
async fn replica(url: &str, table: &str) -> PostgresCoordinator {
    PostgresCoordinator::with_table(pool(url, 1).await, table)
        .await
        .unwrap()
}

/// The `n`-th slot of a job that runs every minute, counted from the minute the tests
/// started: recent, so that no prune deletes it, and the same slot whenever it is asked for.
fn slot(job: &str, n: u64) -> Slot {
    static BASE: OnceLock<u64> = OnceLock::new();
    let base = *BASE.get_or_init(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            / 60
    });
    Slot::new(job, base + n, MINUTE, Duration::ZERO)
}

/// The slot of a job with `period` that is due now or was last due.
fn current_slot(job: &str, period: Duration) -> Slot {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    Slot::new(
        job,
        (now.as_secs() / period.as_secs()).max(1),
        period,
        Duration::ZERO,
    )
}

fn micros(t: SystemTime) -> i64 {
    i64::try_from(t.duration_since(UNIX_EPOCH).unwrap().as_micros()).unwrap()
}

async fn table_exists(pool: &PgPool, table: &str) -> bool {
    sqlx::query("SELECT to_regclass($1) IS NOT NULL")
        .bind(format!("\"{table}\""))
        .fetch_one(pool)
        .await
        .unwrap()
        .get(0)
}

async fn drop_table(pool: &PgPool, table: &str) {
    pool.execute(format!("DROP TABLE IF EXISTS \"{table}\"").as_str())
        .await
        .unwrap();
}

/// `(owner, outcome, error, started µs, finished µs, due µs)` of a row, if there is one.
type Row6 = (
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    i64,
);

async fn row(pool: &PgPool, table: &str, slot: &Slot) -> Option<Row6> {
    let sql = format!(
        "SELECT owner, outcome, error,
                (extract(epoch FROM started_at) * 1000000)::bigint,
                (extract(epoch FROM finished_at) * 1000000)::bigint,
                (extract(epoch FROM due) * 1000000)::bigint
           FROM \"{table}\" WHERE job = $1 AND slot = $2"
    );
    sqlx::query(&sql)
        .bind(&*slot.job)
        .bind(i64::try_from(slot.index).unwrap())
        .fetch_optional(pool)
        .await
        .unwrap()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
}

#[tokio::test]
async fn the_table_is_created_on_first_use_with_the_documented_columns() {
    let Some(url) = env_url(POSTGRES_URL_VAR) else {
        return;
    };
    let pool = pool(&url, 2).await;
    let table = unique("runs");
    assert!(!table_exists(&pool, &table).await);

    let coordinator = PostgresCoordinator::with_table(pool.clone(), &table)
        .await
        .unwrap();
    assert_eq!(coordinator.table(), table);
    assert!(table_exists(&pool, &table).await, "created by with_table");

    let columns: Vec<(String, String, String)> = sqlx::query(
        "SELECT column_name::text, data_type::text, is_nullable::text
           FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
    )
    .bind(&table)
    .fetch_all(&pool)
    .await
    .unwrap()
    .into_iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect();
    let expected = [
        ("job", "text", "NO"),
        ("slot", "bigint", "NO"),
        ("owner", "text", "NO"),
        ("due", "timestamp with time zone", "NO"),
        ("started_at", "timestamp with time zone", "YES"),
        ("finished_at", "timestamp with time zone", "YES"),
        ("outcome", "text", "YES"),
        ("error", "text", "YES"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(columns, expected);

    let key: Vec<String> = sqlx::query(
        "SELECT a.attname::text FROM pg_index i
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
          WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY a.attnum",
    )
    .bind(format!("\"{table}\""))
    .fetch_all(&pool)
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.get(0))
    .collect();
    assert_eq!(key, ["job", "slot"], "the primary key");

    // Again, on an existing table: nothing to do, no error; and prepare does the same.
    let again = PostgresCoordinator::with_table(pool.clone(), &table)
        .await
        .unwrap();
    within(BOUND, "prepare", again.prepare()).await.unwrap();
    drop_table(&pool, &table).await;
}

#[tokio::test]
async fn new_uses_the_default_table() {
    let Some(url) = env_url(POSTGRES_URL_VAR) else {
        return;
    };
    let pool = pool(&url, 2).await;
    let coordinator = PostgresCoordinator::new(pool.clone()).await.unwrap();
    assert_eq!(coordinator.table(), "periodic_runs");
    assert!(table_exists(&pool, "periodic_runs").await);
    let job = unique("job");
    let slot = slot(&job, 1);
    assert!(coordinator.claim(&slot).await.unwrap());
    assert!(row(&pool, "periodic_runs", &slot).await.is_some());
    sqlx::query("DELETE FROM periodic_runs WHERE job = $1")
        .bind(&job)
        .execute(&pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn replicas_creating_the_table_at_once_all_succeed() {
    let Some(url) = env_url(POSTGRES_URL_VAR) else {
        return;
    };
    const REPLICAS: usize = 8;
    let pools: Vec<PgPool> = separate_pools(&url, REPLICAS).await;
    for round in 0..3 {
        let table = unique("runs");
        let barrier = Arc::new(Barrier::new(REPLICAS));
        let tasks: Vec<_> = pools
            .iter()
            .map(|pool| {
                let (pool, table, barrier) = (pool.clone(), table.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    PostgresCoordinator::with_table(pool, &table).await
                })
            })
            .collect();
        for task in tasks {
            let created = within(BOUND, "a creation", task).await.unwrap();
            assert!(created.is_ok(), "round {round}: {}", created.unwrap_err());
        }
        drop_table(&pools[0], &table).await;
    }
}

/// `n` pools of one connection each, all connected: separate sessions, as separate replicas
/// have.
async fn separate_pools(url: &str, n: usize) -> Vec<PgPool> {
    let mut pools = Vec::with_capacity(n);
    for _ in 0..n {
        pools.push(pool(url, 1).await);
    }
    pools
}

#[tokio::test]
async fn exactly_one_of_many_concurrent_claims_of_a_slot_wins() {
    let Some(url) = env_url(POSTGRES_URL_VAR) else {
        return;
    };
    const REPLICAS: usize = 24;
    let check = pool(&url, 1).await;
    let table = unique("runs");
    let mut replicas = Vec::with_capacity(REPLICAS);
    for _ in 0..REPLICAS {
        replicas.push(Arc::new(replica(&url, &table).await));
    }
    // The default owners.
    contract::assert_distinct_owners(&replicas);

    let job = unique("job");
    for index in 1..=5 {
        let slot = slot(&job, index);
        let winner = contract::exactly_one_claim_wins(&replicas, &slot).await;
        let (owner, ..) = row(&check, &table, &slot).await.unwrap();
        assert_eq!(owner, winner, "the row names the winner");
    }
    drop_table(&check, &table).await;
}

#[tokio::test]
async fn different_slots_and_jobs_do_not_collide() {
    let Some(url) = env_url(POSTGRES_URL_VAR) else {
        return;
    };
    let table = unique("runs");
    let a = replica(&url, &table).await;
    let b = replica(&url, &table).await;
    let (job1, job2) = (unique("job"), unique("job"));
    let slots = [slot(&job1, 1), slot(&job1, 2), slot(&job2, 1)];
    for s in &slots {
        assert!(a.claim(s).await.unwrap(), "{s:?} is free");
    }
    for s in &slots {
        assert!(
            !a.claim(s).await.unwrap(),
            "{s:?} is claimed once, even by its owner"
        );
        assert!(!b.claim(s).await.unwrap(), "{s:?} is taken");
    }
    assert!(
        b.claim(&slot(&job2, 2)).await.unwrap(),
        "the next slot is free"
    );
    drop_table(&pool(&url, 1).await, &table).await;
}

#[tokio::test]
async fn record_writes_owner_start_finish_and_outcome() {
    let Some(url) = env_url(POSTGRES_URL_VAR) else {
        return;
    };
    let check = pool(&url, 1).await;
    let table = unique("runs");
    let replica = replica(&url, &table).await.owner("replica-a");
    let job = unique("job");

    let ok = slot(&job, 1);
    assert!(replica.claim(&ok).await.unwrap());
    let (owner, outcome, error, started, finished, due) = row(&check, &table, &ok).await.unwrap();
    assert_eq!(owner, "replica-a");
    assert_eq!((outcome, error, finished), (None, None, None), "running");
    assert!(started.is_some(), "the claim's time");
    assert_eq!(due, micros(ok.due));

    let started = ok.due + Duration::from_micros(1_500);
    let finished = started + Duration::from_micros(250_123);
    let run = RunRecord::new(started, finished, RunOutcome::Ok);
    replica.record(&ok, &run).await.unwrap();
    let recorded = row(&check, &table, &ok).await.unwrap();
    assert_eq!(
        recorded,
        (
            "replica-a".to_owned(),
            Some("ok".to_owned()),
            None,
            Some(micros(started)),
            Some(micros(finished)),
            micros(ok.due),
        ),
        "to the microsecond"
    );

    let failed = slot(&job, 2);
    assert!(replica.claim(&failed).await.unwrap());
    let run = RunRecord::new(
        failed.due,
        failed.due + Duration::from_secs(1),
        RunOutcome::Failed("connection refused".into()),
    );
    replica.record(&failed, &run).await.unwrap();
    let (_, outcome, error, ..) = row(&check, &table, &failed).await.unwrap();
    assert_eq!(outcome.as_deref(), Some("failed"));
    assert_eq!(error.as_deref(), Some("connection refused"));
    drop_table(&check, &table).await;
}

#[tokio::test]
async fn record_does_not_overwrite_another_owners_row() {
    let Some(url) = env_url(POSTGRES_URL_VAR) else {
        return;
    };
    let check = pool(&url, 1).await;
    let table = unique("runs");
    let a = replica(&url, &table).await.owner("replica-a");
    let b = replica(&url, &table).await.owner("replica-b");
    let job = unique("job");
    let s = slot(&job, 1);
    assert!(a.claim(&s).await.unwrap());
    assert!(!b.claim(&s).await.unwrap());
    let before = row(&check, &table, &s).await.unwrap();

    let run = RunRecord::new(s.due, s.due, RunOutcome::Failed("not mine".into()));
    let error = b.record(&s, &run).await.unwrap_err();
    let error = error.downcast::<periodic_postgres::Error>().unwrap();
    assert_eq!(error.operation(), Operation::Record);
    assert!(error.to_string().contains("replica-b"), "{error}");
    assert_eq!(row(&check, &table, &s).await.unwrap(), before, "untouched");

    // Nor a slot nobody claimed: no row appears.
    let unclaimed = slot(&job, 2);
    assert!(b.record(&unclaimed, &run).await.is_err());
    assert_eq!(row(&check, &table, &unclaimed).await, None);

    a.record(&s, &RunRecord::new(s.due, s.due, RunOutcome::Ok))
        .await
        .unwrap();
    let (owner, outcome, ..) = row(&check, &table, &s).await.unwrap();
    assert_eq!(
        (owner.as_str(), outcome.as_deref()),
        ("replica-a", Some("ok"))
    );
    drop_table(&check, &table).await;
}

#[tokio::test]
async fn retention_prunes_old_rows_after_a_record_at_most_once_a_minute() {
    let Some(url) = env_url(POSTGRES_URL_VAR) else {
        return;
    };
    let check = pool(&url, 1).await;
    let table = unique("runs");
    let replica = replica(&url, &table)
        .await
        .retention(Duration::from_secs(1));
    let second = Duration::from_secs(1);
    let hour = Duration::from_secs(3600);
    let job = unique("job");
    let slow = unique("slow");

    // Slots due in 1970, a slot due now, and the previous slot of an hourly job: due an hour
    // or two ago, older than the retention but within two of its periods.
    let old: Vec<Slot> = (10..15)
        .map(|i| Slot::new(&*job, i, second, Duration::ZERO))
        .collect();
    for s in &old {
        assert!(replica.claim(s).await.unwrap());
    }
    let now = current_slot(&job, second);
    assert!(replica.claim(&now).await.unwrap());
    let mut hourly = current_slot(&slow, hour);
    hourly = Slot::new(&*slow, hourly.index - 1, hour, Duration::ZERO);
    assert!(replica.claim(&hourly).await.unwrap());

    // The first record prunes.
    let run = RunRecord::new(SystemTime::now(), SystemTime::now(), RunOutcome::Ok);
    replica.record(&now, &run).await.unwrap();
    for s in &old {
        assert_eq!(row(&check, &table, s).await, None, "{s:?} pruned");
    }
    assert!(
        row(&check, &table, &now).await.is_some(),
        "the current slot stays"
    );
    assert!(
        row(&check, &table, &hourly).await.is_some(),
        "kept for two periods of its job"
    );

    // Not on every record: an old row claimed now survives the next record…
    let older = Slot::new(&*job, 20, second, Duration::ZERO);
    assert!(replica.claim(&older).await.unwrap());
    replica.record(&now, &run).await.unwrap();
    assert!(
        row(&check, &table, &older).await.is_some(),
        "no second prune within a minute"
    );

    // …until the next prune.
    assert_eq!(replica.prune().await.unwrap(), 1);
    assert_eq!(row(&check, &table, &older).await, None);
    drop_table(&check, &table).await;
}

#[tokio::test]
async fn an_invalid_table_name_is_refused_before_any_sql() {
    // A pool that could not connect: validation comes first.
    let pool = PgPoolOptions::new()
        .connect_lazy("postgres://postgres@127.0.0.1:1/test")
        .unwrap();
    for name in [
        "",
        "1runs",
        "runs; DROP TABLE x",
        "a.b.c",
        "runs\"",
        "ru ns",
        &"x".repeat(60),
    ] {
        let error = PostgresCoordinator::with_table(pool.clone(), name)
            .await
            .unwrap_err();
        assert_eq!(error.operation(), Operation::Configure, "{name:?}: {error}");
    }
}

#[tokio::test]
async fn an_unreachable_database_fails_new_within_a_bound() {
    // Nothing listens on port 1: connections are refused, and sqlx retries until the pool's
    // acquire timeout.
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(500))
        .connect_lazy("postgres://postgres@127.0.0.1:1/test")
        .unwrap();
    let start = Instant::now();
    let error = within(BOUND, "new", PostgresCoordinator::new(pool))
        .await
        .unwrap_err();
    assert!(
        start.elapsed() < periodic_postgres::DEFAULT_TIMEOUT,
        "the pool's 500 ms bound applies, not the coordinator's 5 s: {:?}",
        start.elapsed()
    );
    assert_eq!(error.operation(), Operation::Connect);
    assert_eq!(error.store(), "postgres://127.0.0.1:1/test");
    let message = error.to_string();
    assert!(
        message.contains("connect") && message.contains("127.0.0.1:1"),
        "{message}"
    );

    // With sqlx's default acquire timeout (30 s) the coordinator's own bound (5 s) applies.
    let pool = PgPoolOptions::new()
        .connect_lazy("postgres://postgres@127.0.0.1:1/test")
        .unwrap();
    let error = within(BOUND, "new", PostgresCoordinator::new(pool))
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert!(error.to_string().contains("timed out after 5s"), "{error}");
}

/// A replica whose connection to the database goes through a proxy the test controls, and a
/// second replica connected directly.
struct CutSetup {
    proxy: Proxy,
    through_proxy: PostgresCoordinator,
    direct: PostgresCoordinator,
    check: PgPool,
    table: String,
    job: String,
}

async fn cut_setup(url: &str) -> CutSetup {
    let (proxy, proxied_url) = Proxy::in_front_of(url).await.unwrap();
    let proxied_pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(2))
        .connect(&proxied_url)
        .await
        .unwrap();
    let table = unique("runs");
    let through_proxy = PostgresCoordinator::with_table(proxied_pool, &table)
        .await
        .unwrap()
        .timeout(Duration::from_secs(3));
    let direct = replica(url, &table).await;
    CutSetup {
        proxy,
        through_proxy,
        direct,
        check: pool(url, 1).await,
        table,
        job: unique("job"),
    }
}

#[tokio::test]
async fn claims_fail_during_a_cut_and_succeed_after_it_on_their_own() {
    let Some(url) = env_url(POSTGRES_URL_VAR) else {
        return;
    };
    let setup = cut_setup(&url).await;
    contract::claims_fail_during_a_cut_and_recover(
        &setup.proxy,
        &setup.through_proxy,
        &setup.direct,
        |n| slot(&setup.job, n),
        |slot, error| {
            let error = error.downcast::<periodic_postgres::Error>().unwrap();
            assert_eq!(error.operation(), Operation::Claim);
            let name = format!("{}#{}", slot.job, slot.index);
            assert!(error.to_string().contains(&name), "{error}");
        },
    )
    .await;
    drop_table(&setup.check, &setup.table).await;
}

#[tokio::test]
async fn claims_time_out_on_a_stalled_connection_and_recover() {
    let Some(url) = env_url(POSTGRES_URL_VAR) else {
        return;
    };
    let setup = cut_setup(&url).await;
    contract::claims_time_out_during_a_stall_and_recover(
        &setup.proxy,
        &setup.through_proxy,
        |n| slot(&setup.job, n),
        |error| {
            let error = error.downcast::<periodic_postgres::Error>().unwrap();
            assert!(error.is_timeout(), "{error}");
        },
    )
    .await;
    drop_table(&setup.check, &setup.table).await;
}
