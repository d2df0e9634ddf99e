//! A PostgreSQL [`Coordinator`] for `periodic`: each slot of a coordinated job runs on exactly
//! one replica, and every run is recorded in a table you can query.
//!
//! [`PostgresCoordinator`] works on the service's own [`sqlx::PgPool`]. Slot `k` of a job is
//! claimed by inserting the row `(job, k)` into a runs table — one
//! `INSERT … ON CONFLICT DO NOTHING`, so of all the replicas that try, the one whose insert
//! creates the row runs the slot. That replica then records when the run started and finished
//! and how it ended, in the same row.
//!
//! ```no_run
//! use periodic_postgres::PostgresCoordinator;
//! use sqlx::postgres::PgPoolOptions;
//! use std::time::Duration;
//!
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! let pool = PgPoolOptions::new()
//!     // How long a claim may wait for a connection: keep it well below the jobs' periods.
//!     .acquire_timeout(Duration::from_secs(3))
//!     .connect_lazy("postgres://app@db.internal/app")?;
//! // Creates the table `periodic_runs` if it is missing; fails (does not hang) if the
//! // database cannot be reached.
//! let coordinator = PostgresCoordinator::new(pool.clone()).await?;
//! # let _ = coordinator;
//! // periodic::configure().state(pool).coordinator(coordinator).run_all().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # The runs table
//!
//! Created on first use (by [`PostgresCoordinator::new`], [`PostgresCoordinator::with_table`]
//! and [`prepare`](Coordinator::prepare)), named `periodic_runs` unless you choose another name:
//!
//! ```sql
//! CREATE TABLE IF NOT EXISTS periodic_runs (
//!     job         text        NOT NULL,  -- the job's (timer's) name
//!     slot        bigint      NOT NULL,  -- whole periods since the UNIX epoch (plus the offset)
//!     owner       text        NOT NULL,  -- the replica that claimed the slot and ran it
//!     due         timestamptz NOT NULL,  -- when the slot was due
//!     started_at  timestamptz,           -- the claim, then when the target was called
//!     finished_at timestamptz,           -- NULL while running (or if the replica died)
//!     outcome     text,                  -- 'ok', 'failed', or NULL while running
//!     error       text,                  -- the error's message when 'failed'
//!     PRIMARY KEY (job, slot)
//! );
//! CREATE INDEX IF NOT EXISTS periodic_runs_due_idx ON periodic_runs (due);
//! ```
//!
//! It is a run history: for instance the last day's failures, and the runs that never
//! finished (their replica died or lost the database mid-run):
//!
//! ```sql
//! SELECT job, slot, owner, due, finished_at - started_at AS took, error
//!   FROM periodic_runs
//!  WHERE due > now() - interval '1 day'
//!    AND (outcome = 'failed' OR (finished_at IS NULL AND due < now() - interval '1 hour'))
//!  ORDER BY due DESC;
//! ```
//!
//! Rows whose slot was due longer ago than the [retention](PostgresCoordinator::retention)
//! (7 days by default) are deleted, at most once a minute per coordinator, after a run is
//! recorded — never as part of a claim.
//!
//! # What it guarantees, and what not
//!
//! - **At most once per slot while the database is reachable**: the primary key makes the claim
//!   atomic, across any number of replicas and pools. A row outlives its slot by the retention
//!   (at least two periods of every job the coordinator has claimed for), so a late replica
//!   cannot claim a slot again.
//! - **Skipped slots while it is not**: a claim that cannot reach the database returns `Err`,
//!   never `Ok(false)`, and the timer skips the slot (or runs it anyway if the job says so).
//!   A claim whose insert reached the database but whose answer was lost also returns `Err`:
//!   that slot is then skipped everywhere. When the database comes back, claims succeed again
//!   through the same pool, with no new coordinator.
//! - **No call hangs**: every call is bounded by the coordinator's
//!   [`timeout`](PostgresCoordinator::timeout) (5 s by default) as well as by the pool's
//!   `acquire_timeout` (sqlx's default is 30 s), whichever is shorter.
//! - Not a guarantee that a slot runs at all: a replica that claims a slot and then dies
//!   leaves it claimed and unrun (its row has no `finished_at`).
//! - Not a lock for the length of a run: a run that lasts longer than a period overlaps the next
//!   slot's run, possibly on another replica.
//!
//! [`Coordinator`]: periodic::Coordinator

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use periodic::{BoxError, BoxFuture, Coordinator, RunRecord, Slot};
use sqlx::PgPool;

/// The table used unless [`PostgresCoordinator::with_table`] names another.
///
/// # Examples
///
/// ```
/// assert_eq!(periodic_postgres::DEFAULT_TABLE, "periodic_runs");
/// ```
pub const DEFAULT_TABLE: &str = "periodic_runs";

/// How long rows are kept unless [`PostgresCoordinator::retention`] says otherwise: 7 days.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// assert_eq!(periodic_postgres::DEFAULT_RETENTION, Duration::from_secs(7 * 24 * 3600));
/// ```
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The bound on each call unless [`PostgresCoordinator::timeout`] says otherwise: 5 s.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// assert_eq!(periodic_postgres::DEFAULT_TIMEOUT, Duration::from_secs(5));
/// ```
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How often, at most, a coordinator deletes old rows.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// A [`Coordinator`] on a PostgreSQL runs table; see the [crate docs](crate) for the table and
/// the guarantees.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use periodic_postgres::PostgresCoordinator;
///
/// # async fn f(pool: sqlx::PgPool) -> Result<(), periodic_postgres::Error> {
/// let coordinator = PostgresCoordinator::with_table(pool, "billing_runs")
///     .await?
///     .owner("billing-7")
///     .retention(Duration::from_secs(30 * 24 * 60 * 60));
/// # let _ = coordinator;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct PostgresCoordinator {
    pool: PgPool,
    table: Table,
    owner: String,
    retention: Duration,
    timeout: Duration,
    store: String,
    /// When this coordinator last deleted old rows.
    last_prune: Mutex<Option<Instant>>,
    /// The longest period among the slots claimed here, in milliseconds: rows are kept for at
    /// least two of them whatever the retention says.
    longest_period_ms: AtomicU64,
}

impl PostgresCoordinator {
    /// A coordinator on `pool` with the table [`periodic_runs`](DEFAULT_TABLE), which it
    /// creates if it is missing.
    ///
    /// # Errors
    ///
    /// If no connection can be had ([`Operation::Connect`]) or the table cannot be created
    /// ([`Operation::CreateTable`]). An unreachable database fails within the pool's
    /// `acquire_timeout` or [`DEFAULT_TIMEOUT`], whichever is shorter: it does not hang.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = sqlx::PgPool::connect_lazy("postgres://postgres@127.0.0.1:5432/test")?;
    /// let coordinator = periodic_postgres::PostgresCoordinator::new(pool).await?;
    /// assert_eq!(coordinator.table(), "periodic_runs");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn new(pool: PgPool) -> Result<Self, Error> {
        Self::with_table(pool, DEFAULT_TABLE).await
    }

    /// A coordinator on `pool` with the runs table `table` (`name` or `schema.name`, each an
    /// identifier of letters, digits and `_` not starting with a digit, used as written:
    /// quoted, so case-sensitive), which it creates if it is missing.
    ///
    /// # Errors
    ///
    /// An invalid name ([`Operation::Configure`]), and as for [`new`](Self::new).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn f(pool: sqlx::PgPool) -> Result<(), periodic_postgres::Error> {
    /// use periodic_postgres::PostgresCoordinator;
    ///
    /// let coordinator = PostgresCoordinator::with_table(pool.clone(), "ops.job_runs").await?;
    /// assert_eq!(coordinator.table(), "ops.job_runs");
    /// assert!(PostgresCoordinator::with_table(pool, "runs; DROP TABLE x").await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn with_table(pool: PgPool, table: &str) -> Result<Self, Error> {
        let store = describe_store(&pool);
        let table = Table::parse(table).map_err(|reason| Error {
            operation: Operation::Configure,
            subject: format!("table name {table:?}"),
            store: store.clone(),
            kind: Kind::InvalidTable(reason),
        })?;
        let coordinator = PostgresCoordinator {
            pool,
            table,
            owner: periodic::default_owner(),
            retention: DEFAULT_RETENTION,
            timeout: DEFAULT_TIMEOUT,
            store,
            last_prune: Mutex::new(None),
            longest_period_ms: AtomicU64::new(0),
        };
        coordinator.create_table().await?;
        Ok(coordinator)
    }

    /// Names this replica in the rows it claims (the default: the host name, or `replica`,
    /// then the process id and a random suffix, e.g. `web-1-4242-k3x9q`). Each replica must
    /// have its own: a replica [records](Coordinator::record) runs only in rows it owns. Read it back
    /// with [`Coordinator::owner`] (this method, taking a name, hides it in method-call syntax).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn f(pool: sqlx::PgPool) -> Result<(), periodic_postgres::Error> {
    /// use periodic::Coordinator;
    ///
    /// let coordinator = periodic_postgres::PostgresCoordinator::new(pool).await?.owner("web-1");
    /// assert_eq!(Coordinator::owner(&coordinator), "web-1");
    /// # Ok(())
    /// # }
    /// ```
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = owner.into();
        self
    }

    /// Keeps rows for `retention` after their slot was due (7 days by default), and at least
    /// two periods of the longest job this coordinator has claimed for, so that no slot that a
    /// replica may still ask for is forgotten.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn f(pool: sqlx::PgPool) -> Result<(), periodic_postgres::Error> {
    /// use std::time::Duration;
    ///
    /// let coordinator = periodic_postgres::PostgresCoordinator::new(pool)
    ///     .await?
    ///     .retention(Duration::from_secs(90 * 24 * 60 * 60));
    /// # let _ = coordinator;
    /// # Ok(())
    /// # }
    /// ```
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// Bounds every call to the database (5 s by default); the pool's `acquire_timeout`
    /// bounds waiting for a connection as well. A call that times out returns an error whose
    /// [`is_timeout`](Error::is_timeout) is true.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn f(pool: sqlx::PgPool) -> Result<(), periodic_postgres::Error> {
    /// use std::time::Duration;
    ///
    /// let coordinator = periodic_postgres::PostgresCoordinator::new(pool)
    ///     .await?
    ///     .timeout(Duration::from_secs(2));
    /// # let _ = coordinator;
    /// # Ok(())
    /// # }
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The runs table, as given (`name` or `schema.name`).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn f(pool: sqlx::PgPool) -> Result<(), periodic_postgres::Error> {
    /// let coordinator = periodic_postgres::PostgresCoordinator::new(pool).await?;
    /// let sql = format!("SELECT count(*) FROM {}", coordinator.table());
    /// # let _ = sql;
    /// # Ok(())
    /// # }
    /// ```
    pub fn table(&self) -> &str {
        &self.table.name
    }

    /// Deletes the rows whose slot was due longer ago than the retention (or two periods of
    /// the longest job claimed for, if that is longer) and returns how many it deleted.
    /// [`record`](Coordinator::record) calls this at most once a minute; call it yourself to
    /// prune at other times.
    ///
    /// # Errors
    ///
    /// If the database cannot be reached ([`Operation::Prune`]).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn f(pool: sqlx::PgPool) -> Result<(), periodic_postgres::Error> {
    /// let coordinator = periodic_postgres::PostgresCoordinator::new(pool).await?;
    /// let deleted = coordinator.prune().await?;
    /// println!("{deleted} old runs deleted");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn prune(&self) -> Result<u64, Error> {
        let longest = Duration::from_millis(self.longest_period_ms.load(Ordering::Relaxed));
        let keep = self.retention.max(longest.saturating_mul(2));
        let keep_us = i64::try_from(keep.as_micros()).unwrap_or(i64::MAX);
        let done = self
            .bounded(
                Operation::Prune,
                || format!("rows due before now - {keep:?}"),
                sqlx::query(&self.table.prune_sql)
                    .bind(keep_us)
                    .execute(&self.pool),
            )
            .await?;
        Ok(done.rows_affected())
    }

    /// Creates the table and its index if they are missing. Safe when several replicas do it
    /// at once: `CREATE TABLE IF NOT EXISTS` is not (two sessions may both find the table
    /// missing and one then fails on a unique violation in `pg_type`), so the creation holds a
    /// transaction-scoped advisory lock keyed by the table's name, and an error saying the
    /// table already exists counts as success.
    async fn create_table(&self) -> Result<(), Error> {
        let subject = || format!("table {}", self.table.name);
        let mut tx = self
            .bounded(Operation::Connect, subject, self.pool.begin())
            .await?;
        let create = async {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(self.table.lock_key)
                .execute(&mut *tx)
                .await?;
            sqlx::query(&format!(
                "CREATE TABLE IF NOT EXISTS {} (
                    job text NOT NULL,
                    slot bigint NOT NULL,
                    owner text NOT NULL,
                    due timestamptz NOT NULL,
                    started_at timestamptz,
                    finished_at timestamptz,
                    outcome text,
                    error text,
                    PRIMARY KEY (job, slot)
                )",
                self.table.quoted
            ))
            .execute(&mut *tx)
            .await?;
            sqlx::query(&format!(
                "CREATE INDEX IF NOT EXISTS {} ON {} (due)",
                self.table.index, self.table.quoted
            ))
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        };
        match self.bounded(Operation::CreateTable, subject, create).await {
            Err(Error {
                kind: Kind::Sqlx(sqlx::Error::Database(e)),
                ..
            }) if matches!(
                e.code().as_deref(),
                Some(UNIQUE_VIOLATION | DUPLICATE_TABLE)
            ) =>
            {
                Ok(())
            }
            other => other,
        }
    }

    async fn claim_slot(&self, slot: &Slot) -> Result<bool, Error> {
        let subject = || slot_name(slot);
        let index = self.slot_index(Operation::Claim, slot)?;
        self.longest_period_ms.fetch_max(
            u64::try_from(slot.period.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        let (due_s, due_us) = split_time(slot.due);
        let query = sqlx::query(&self.table.claim_sql)
            .bind(&*slot.job)
            .bind(index)
            .bind(&self.owner)
            .bind(due_s)
            .bind(due_us)
            .execute(&self.pool);
        let done = self.bounded(Operation::Claim, subject, query).await?;
        Ok(done.rows_affected() == 1)
    }

    async fn record_run(&self, slot: &Slot, run: &RunRecord) -> Result<(), Error> {
        let subject = || slot_name(slot);
        let index = self.slot_index(Operation::Record, slot)?;
        let (started_s, started_us) = split_time(run.started);
        let (finished_s, finished_us) = split_time(run.finished);
        let (outcome, error) = (run.outcome.kind(), run.outcome.message());
        let query = sqlx::query(&self.table.record_sql)
            .bind(&*slot.job)
            .bind(index)
            .bind(&self.owner)
            .bind(started_s)
            .bind(started_us)
            .bind(finished_s)
            .bind(finished_us)
            .bind(outcome)
            .bind(error)
            .execute(&self.pool);
        let done = self.bounded(Operation::Record, subject, query).await?;
        if done.rows_affected() == 0 {
            return Err(self.error(
                Operation::Record,
                subject(),
                Kind::NotOwner(self.owner.clone()),
            ));
        }
        if self.prune_due() {
            match self.prune().await {
                Ok(deleted) => {
                    tracing::debug!(table = %self.table.name, deleted, "pruned old runs")
                }
                Err(error) => tracing::warn!(%error, "could not prune old runs"),
            }
        }
        Ok(())
    }

    /// Whether it is time to prune, and if so notes that it is being done now.
    fn prune_due(&self) -> bool {
        let mut last = self.last_prune.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        match *last {
            Some(at) if now.duration_since(at) < PRUNE_EVERY => false,
            _ => {
                *last = Some(now);
                true
            }
        }
    }

    fn slot_index(&self, operation: Operation, slot: &Slot) -> Result<i64, Error> {
        i64::try_from(slot.index)
            .map_err(|_| self.error(operation, slot_name(slot), Kind::SlotOutOfRange(slot.index)))
    }

    fn error(&self, operation: Operation, subject: String, kind: Kind) -> Error {
        Error {
            operation,
            subject,
            store: self.store.clone(),
            kind,
        }
    }

    /// Runs `future` within the coordinator's timeout, naming `operation` on `subject` in the
    /// error.
    async fn bounded<T>(
        &self,
        operation: Operation,
        subject: impl FnOnce() -> String,
        future: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, Error> {
        match tokio::time::timeout(self.timeout, future).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.error(operation, subject(), Kind::Sqlx(e))),
            Err(_) => Err(self.error(operation, subject(), Kind::Timeout(self.timeout))),
        }
    }
}

impl Coordinator for PostgresCoordinator {
    fn owner(&self) -> &str {
        &self.owner
    }

    fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        Box::pin(async move { self.create_table().await.map_err(BoxError::from) })
    }

    fn claim<'a>(&'a self, slot: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
        Box::pin(async move { self.claim_slot(slot).await.map_err(BoxError::from) })
    }

    fn record<'a>(
        &'a self,
        slot: &'a Slot,
        run: &'a RunRecord,
    ) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move { self.record_run(slot, run).await.map_err(BoxError::from) })
    }
}

const UNIQUE_VIOLATION: &str = "23505";
const DUPLICATE_TABLE: &str = "42P07";

/// A validated table name and the SQL made from it, once per coordinator rather than per call.
#[derive(Debug, Clone)]
struct Table {
    /// As given.
    name: String,
    /// Quoted, each part: `"schema"."name"`.
    quoted: String,
    /// The due index's name, quoted (an index lives in its table's schema).
    index: String,
    /// The advisory lock taken while creating the table.
    lock_key: i64,
    /// Claims a slot: `$1` job, `$2` slot, `$3` owner, `$4`/`$5` due (see [`timestamp`]).
    claim_sql: String,
    /// Records a run in the owner's row: `$1` job, `$2` slot, `$3` owner, `$4`/`$5` started,
    /// `$6`/`$7` finished, `$8` outcome, `$9` error.
    record_sql: String,
    /// Deletes the rows due more than `$1` microseconds ago.
    prune_sql: String,
}

impl Table {
    /// PostgreSQL truncates identifiers to 63 bytes; the index name adds `_due_idx`.
    const MAX_LEN: usize = 63 - "_due_idx".len();

    fn parse(name: &str) -> Result<Table, String> {
        let parts: Vec<&str> = name.split('.').collect();
        if parts.len() > 2 {
            return Err("at most one `.`, between a schema and a table".into());
        }
        for part in &parts {
            let mut chars = part.chars();
            let valid_start = chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
            if !valid_start || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!(
                    "{part:?} is not an identifier (letters, digits and `_`, not starting with a digit)"
                ));
            }
            if part.len() > Self::MAX_LEN {
                return Err(format!("{part:?} is longer than {} bytes", Self::MAX_LEN));
            }
        }
        let table = parts[parts.len() - 1];
        let quoted = parts
            .iter()
            .map(|p| format!("\"{p}\""))
            .collect::<Vec<_>>()
            .join(".");
        Ok(Table {
            name: name.to_owned(),
            index: format!("\"{table}_due_idx\""),
            lock_key: lock_key(name),
            claim_sql: format!(
                "INSERT INTO {quoted} (job, slot, owner, due, started_at)
                 VALUES ($1, $2, $3, {}, now())
                 ON CONFLICT (job, slot) DO NOTHING",
                timestamp(4, 5),
            ),
            record_sql: format!(
                "UPDATE {quoted} SET started_at = {}, finished_at = {}, outcome = $8, error = $9
                 WHERE job = $1 AND slot = $2 AND owner = $3",
                timestamp(4, 5),
                timestamp(6, 7),
            ),
            prune_sql: format!(
                "DELETE FROM {quoted} WHERE due < now() - $1::float8 * interval '1 microsecond'"
            ),
            quoted,
        })
    }
}

/// FNV-1a of the table's name, tagged: the advisory lock that serializes creating it.
fn lock_key(table: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in b"periodic-postgres:create:".iter().chain(table.as_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// The SQL for a timestamp bound as whole seconds (`$secs`) and microseconds (`$micros`) since
/// the UNIX epoch: exact to the microsecond, and needs none of sqlx's date-time features.
fn timestamp(secs: u8, micros: u8) -> String {
    format!("(to_timestamp(${secs}::float8) + ${micros}::float8 * interval '1 microsecond')")
}

/// Whole seconds and the microseconds after them since the UNIX epoch (negative seconds before
/// it).
fn split_time(t: SystemTime) -> (i64, i64) {
    let micros: i128 = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i128::try_from(d.as_micros()).unwrap_or(i128::MAX),
        Err(e) => -i128::try_from(e.duration().as_micros()).unwrap_or(i128::MAX),
    };
    let secs = micros.div_euclid(1_000_000);
    let rest = micros.rem_euclid(1_000_000);
    (
        i64::try_from(secs).unwrap_or(if secs < 0 { i64::MIN } else { i64::MAX }),
        i64::try_from(rest).unwrap_or(0),
    )
}

fn slot_name(slot: &Slot) -> String {
    format!("{}#{}", slot.job, slot.index)
}

/// `postgres://host:port/database` (no user or password), or the socket path.
fn describe_store(pool: &PgPool) -> String {
    let options = pool.connect_options();
    let database = options.get_database().unwrap_or("");
    match options.get_socket() {
        Some(socket) => format!("postgres socket {}/{database}", socket.display()),
        None => format!(
            "postgres://{}:{}/{database}",
            options.get_host(),
            options.get_port()
        ),
    }
}

/// What a [`PostgresCoordinator`] was doing when it failed.
///
/// # Examples
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool) {
/// use periodic_postgres::{Operation, PostgresCoordinator};
///
/// match PostgresCoordinator::new(pool).await {
///     Err(e) if e.operation() == Operation::Connect => eprintln!("database unreachable: {e}"),
///     Err(e) => eprintln!("{e}"),
///     Ok(_) => {}
/// }
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// Validating a setting (the table's name).
    Configure,
    /// Getting a connection from the pool to create the table.
    Connect,
    /// Creating the runs table.
    CreateTable,
    /// Claiming a slot.
    Claim,
    /// Recording a run.
    Record,
    /// Deleting old rows.
    Prune,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::Configure => "configure",
            Operation::Connect => "connect",
            Operation::CreateTable => "create table",
            Operation::Claim => "claim",
            Operation::Record => "record",
            Operation::Prune => "prune",
        })
    }
}

/// An error of a [`PostgresCoordinator`]: what failed, on what, at which database, and why.
///
/// Its message reads like
/// `periodic-postgres: claim (prune#29000000) failed at postgres://127.0.0.1:5432/test: timed
/// out after 5s`.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::Duration;
/// use periodic_postgres::{Operation, PostgresCoordinator};
/// use sqlx::postgres::PgPoolOptions;
///
/// // Nothing listens on port 1: the connection is refused until the acquire timeout.
/// let pool = PgPoolOptions::new()
///     .acquire_timeout(Duration::from_millis(300))
///     .connect_lazy("postgres://postgres@127.0.0.1:1/test")
///     .unwrap();
/// let error = PostgresCoordinator::new(pool).await.unwrap_err();
/// assert_eq!(error.operation(), Operation::Connect);
/// assert_eq!(error.store(), "postgres://127.0.0.1:1/test");
/// assert!(error.to_string().contains("connect"), "{error}");
/// # }
/// ```
#[derive(Debug)]
pub struct Error {
    operation: Operation,
    subject: String,
    store: String,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Sqlx(sqlx::Error),
    Timeout(Duration),
    NotOwner(String),
    InvalidTable(String),
    SlotOutOfRange(u64),
}

impl Error {
    /// What the coordinator was doing.
    ///
    /// # Examples
    ///
    /// See [`Error`].
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// The database, as `postgres://host:port/database` (no user or password).
    ///
    /// # Examples
    ///
    /// See [`Error`].
    pub fn store(&self) -> &str {
        &self.store
    }

    /// Whether the call ran out of time: the coordinator's own
    /// [`timeout`](PostgresCoordinator::timeout), or the pool's `acquire_timeout`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn f(pool: sqlx::PgPool) {
    /// if let Err(e) = periodic_postgres::PostgresCoordinator::new(pool).await {
    ///     if e.is_timeout() {
    ///         eprintln!("the database did not answer in time: {e}");
    ///     }
    /// }
    /// # }
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.kind,
            Kind::Timeout(_) | Kind::Sqlx(sqlx::Error::PoolTimedOut)
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Error {
            operation,
            subject,
            store,
            kind,
        } = self;
        write!(
            f,
            "periodic-postgres: {operation} ({subject}) failed at {store}: "
        )?;
        match kind {
            Kind::Sqlx(e) => write!(f, "{e}"),
            Kind::Timeout(t) => write!(f, "timed out after {t:?}"),
            Kind::NotOwner(owner) => write!(
                f,
                "no row of that slot is owned by {owner:?} (another replica claimed it, or it was pruned)"
            ),
            Kind::InvalidTable(reason) => f.write_str(reason),
            Kind::SlotOutOfRange(index) => {
                write!(f, "slot index {index} does not fit in a bigint")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            Kind::Sqlx(e) => Some(e),
            _ => None,
        }
    }
}
