//! A Redis [`Coordinator`] for `periodic`: each slot of a coordinated job runs on exactly one
//! replica, claimed with one `SET key owner NX PX ttl`.
//!
//! [`RedisCoordinator`] works on the service's own [`redis::aio::ConnectionManager`] (or makes
//! one with [`RedisCoordinator::connect`]). Slot `k` of job `j` is claimed by setting the key
//! `{prefix}:{j}:{k}` to this replica's owner name only if it does not exist; of all the
//! replicas that try, the one whose `SET` succeeds runs the slot. It then records the run's
//! outcome under the same key, keeping the key's expiry.
//!
//! ```no_run
//! use periodic_redis::RedisCoordinator;
//!
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! let client = redis::Client::open("redis://cache.internal:6379")?;
//! let manager = redis::aio::ConnectionManager::new(client).await?;
//! let coordinator = RedisCoordinator::new(manager).address("cache.internal:6379");
//! # let _ = coordinator;
//! // periodic::configure().coordinator(coordinator).run_all().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Keys
//!
//! - `{prefix}:{job}:{slot}` (prefix `periodic` by default), e.g. `periodic:prune:29000000`.
//! - While the slot runs, the value is the owner's name, e.g. `web-1-4242-k3x9q`.
//! - After [`record`](Coordinator::record), a JSON document with the owner first:
//!   `{"owner":"web-1-4242-k3x9q","due_ms":1740000000000,"started_ms":1740000000002,
//!   "finished_ms":1740000000950,"outcome":"ok","error":null}` (`outcome` is `ok` or
//!   `failed`, `error` the failure's message). The expiry is kept (`KEEPTTL`).
//!
//! # Expiry
//!
//! A claim must outlive the window in which another replica may still ask for the same slot:
//! replicas ask at the slot's due time by their own clocks, which may differ by up to half a
//! period, and a claim may be retried or delayed. The contract of [`Coordinator`] is two
//! periods, so each key expires after
//!
//! - `max(2 × period, 10 s)` by default — the 10 s floor covers short periods, whose
//!   replicas' skew and network delays are not proportionally smaller — and at most
//!   [`MAX_TTL`] (30 days), so that nothing stays for ever whatever the period (a job with a
//!   period over 15 days keeps its claim for 30 days, still far longer than any replica asks
//!   for it late);
//! - or exactly the [`ttl`](RedisCoordinator::ttl) you set, which must then be at least two
//!   periods of every coordinated job.
//!
//! So there are at most a few keys per job at any time, and the run history lasts as long as
//! the keys: use `periodic-postgres` for a history you can query later.
//!
//! # What it guarantees, and what not
//!
//! - **At most once per slot while Redis is reachable and keeps its keys**: `SET … NX` is
//!   atomic. A Redis that loses keys (a failover to a replica that had not received the claim,
//!   a restart without persistence, eviction under `maxmemory` with an `allkeys-*` policy) can
//!   let a slot be claimed twice.
//! - **Skipped slots while it is not reachable**: a claim that cannot reach Redis returns
//!   `Err`, never `Ok(false)`, and the timer skips the slot (or runs it anyway if the job says
//!   so). A `SET` that reached Redis but whose answer was lost also returns `Err`: that slot is
//!   then skipped everywhere. When Redis comes back, the connection manager reconnects and
//!   claims succeed again, with no new coordinator.
//! - **No call hangs**: each is bounded by the coordinator's
//!   [`timeout`](RedisCoordinator::timeout) (5 s by default) — needed because the connection
//!   manager makes a command wait for its reconnection attempts while Redis is unreachable.
//! - Not a guarantee that a slot runs at all: a replica that claims and then dies leaves the
//!   slot claimed and unrun (its key still holds the bare owner name).
//!
//! [`Coordinator`]: periodic::Coordinator

use std::fmt;
use std::time::{Duration, SystemTime};

use periodic::{BoxError, BoxFuture, Coordinator, RunRecord, Slot};
use redis::aio::ConnectionManager;

/// The key prefix unless [`RedisCoordinator::prefix`] says otherwise.
///
/// # Examples
///
/// ```
/// assert_eq!(periodic_redis::DEFAULT_PREFIX, "periodic");
/// ```
pub const DEFAULT_PREFIX: &str = "periodic";

/// The shortest default expiry of a claim: 10 s.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// assert_eq!(periodic_redis::MIN_TTL, Duration::from_secs(10));
/// ```
pub const MIN_TTL: Duration = Duration::from_secs(10);

/// The longest default expiry of a claim: 30 days.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// assert_eq!(periodic_redis::MAX_TTL, Duration::from_secs(30 * 24 * 3600));
/// ```
pub const MAX_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The bound on each call unless [`RedisCoordinator::timeout`] says otherwise: 5 s.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// assert_eq!(periodic_redis::DEFAULT_TIMEOUT, Duration::from_secs(5));
/// ```
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Writes the outcome only if the key still holds this owner's claim: its bare name, or a
/// record that starts with it (a second record of the same run). `KEYS[1]` the slot's key,
/// `ARGV[1]` the owner, `ARGV[2]` the record, `ARGV[3]` the record's opening up to the owner.
const RECORD_SCRIPT: &str = r"
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] or (current and string.sub(current, 1, string.len(ARGV[3])) == ARGV[3]) then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
  return 1
end
return 0
";

/// A [`Coordinator`] on Redis keys; see the [crate docs](crate) for the keys, their expiry and
/// the guarantees.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use periodic_redis::RedisCoordinator;
///
/// # async fn f(manager: redis::aio::ConnectionManager) {
/// let coordinator = RedisCoordinator::new(manager)
///     .owner("billing-7")
///     .prefix("billing:jobs")
///     .timeout(Duration::from_secs(2));
/// # let _ = coordinator;
/// # }
/// ```
#[derive(Clone)]
pub struct RedisCoordinator {
    manager: ConnectionManager,
    owner: String,
    prefix: String,
    ttl: Option<Duration>,
    timeout: Duration,
    store: String,
}

impl fmt::Debug for RedisCoordinator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCoordinator")
            .field("owner", &self.owner)
            .field("prefix", &self.prefix)
            .field("ttl", &self.ttl)
            .field("timeout", &self.timeout)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl RedisCoordinator {
    /// A coordinator on `manager`. Nothing is sent until [`prepare`](Coordinator::prepare)
    /// (a `PING`) or the first claim. Errors name the store `redis` unless you give its
    /// [`address`](Self::address).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn f() -> redis::RedisResult<()> {
    /// let client = redis::Client::open("redis://127.0.0.1:6379")?;
    /// let manager = redis::aio::ConnectionManager::new(client).await?;
    /// let coordinator = periodic_redis::RedisCoordinator::new(manager);
    /// # let _ = coordinator;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(manager: ConnectionManager) -> Self {
        RedisCoordinator {
            manager,
            owner: periodic::default_owner(),
            prefix: DEFAULT_PREFIX.to_owned(),
            ttl: None,
            timeout: DEFAULT_TIMEOUT,
            store: "redis".to_owned(),
        }
    }

    /// Connects to the Redis at `url` (`redis://[user:password@]host:port[/db]`) with a
    /// connection manager of its own — connection attempts bounded to 2 s each and 3
    /// reconnection retries, each command's answer to 2 s — and checks it with a `PING`.
    ///
    /// # Errors
    ///
    /// An invalid URL, or a Redis that cannot be reached or does not answer
    /// ([`Operation::Connect`]), within [`DEFAULT_TIMEOUT`]: it does not hang.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use periodic_redis::{Operation, RedisCoordinator};
    ///
    /// // Nothing listens on port 1.
    /// let error = RedisCoordinator::connect("redis://127.0.0.1:1").await.unwrap_err();
    /// assert_eq!(error.operation(), Operation::Connect);
    /// assert_eq!(error.store(), "127.0.0.1:1");
    /// # }
    /// ```
    pub async fn connect(url: &str) -> Result<Self, Error> {
        let client = redis::Client::open(url).map_err(|e| Error {
            operation: Operation::Connect,
            subject: "the URL".to_owned(),
            store: "redis".to_owned(),
            kind: Kind::Redis(e),
        })?;
        let store = client.get_connection_info().addr().to_string();
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(3);
        let connect = redis::aio::ConnectionManager::new_with_config(client, config);
        let error = |kind| Error {
            operation: Operation::Connect,
            subject: store.clone(),
            store: store.clone(),
            kind,
        };
        let manager = match tokio::time::timeout(DEFAULT_TIMEOUT, connect).await {
            Ok(Ok(manager)) => manager,
            Ok(Err(e)) => return Err(error(Kind::Redis(e))),
            Err(_) => return Err(error(Kind::Timeout(DEFAULT_TIMEOUT))),
        };
        let coordinator = RedisCoordinator::new(manager).address(store.clone());
        coordinator.ping(Operation::Connect).await?;
        Ok(coordinator)
    }

    /// Names this replica in the keys it claims (the default: the host name, or `replica`,
    /// then the process id and a random suffix, e.g. `web-1-4242-k3x9q`). Each replica must
    /// have its own: a replica [records](Coordinator::record) outcomes only under keys it
    /// owns. Read it back with [`Coordinator::owner`] (this method, taking a name, hides it in
    /// method-call syntax).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> redis::RedisResult<()> {
    /// # let client = redis::Client::open("redis://127.0.0.1:6379")?;
    /// # let config = redis::aio::ConnectionManagerConfig::new();
    /// # let manager = redis::aio::ConnectionManager::new_lazy_with_config(client, config)?;
    /// use periodic::Coordinator;
    ///
    /// let coordinator = periodic_redis::RedisCoordinator::new(manager).owner("web-1");
    /// assert_eq!(Coordinator::owner(&coordinator), "web-1");
    /// # Ok(())
    /// # }
    /// ```
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = owner.into();
        self
    }

    /// The keys' prefix (`periodic` by default): keys are `{prefix}:{job}:{slot}`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> redis::RedisResult<()> {
    /// # let client = redis::Client::open("redis://127.0.0.1:6379")?;
    /// # let config = redis::aio::ConnectionManagerConfig::new();
    /// # let manager = redis::aio::ConnectionManager::new_lazy_with_config(client, config)?;
    /// use std::time::Duration;
    /// use periodic::Slot;
    ///
    /// let coordinator = periodic_redis::RedisCoordinator::new(manager).prefix("billing");
    /// let slot = Slot::new("invoice", 42, Duration::from_secs(60), Duration::ZERO);
    /// assert_eq!(coordinator.key(&slot), "billing:invoice:42");
    /// # Ok(())
    /// # }
    /// ```
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Every claim expires after `ttl` (at least 1 ms) instead of the default
    /// `max(2 × period, 10 s)` capped at 30 days. It must outlive two periods of every
    /// coordinated job: a claim that expires while another replica may still ask for the slot
    /// lets that replica run it again.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> redis::RedisResult<()> {
    /// # let client = redis::Client::open("redis://127.0.0.1:6379")?;
    /// # let config = redis::aio::ConnectionManagerConfig::new();
    /// # let manager = redis::aio::ConnectionManager::new_lazy_with_config(client, config)?;
    /// use std::time::Duration;
    /// use periodic::Slot;
    ///
    /// let coordinator = periodic_redis::RedisCoordinator::new(manager.clone())
    ///     .ttl(Duration::from_secs(3600));
    /// let slot = Slot::new("report", 1, Duration::from_secs(60), Duration::ZERO);
    /// assert_eq!(coordinator.ttl_for(&slot), Duration::from_secs(3600));
    /// // Redis refuses an expiry of zero: the shortest TTL is 1 ms.
    /// let shortest = periodic_redis::RedisCoordinator::new(manager).ttl(Duration::ZERO);
    /// assert_eq!(shortest.ttl_for(&slot), Duration::from_millis(1));
    /// # Ok(())
    /// # }
    /// ```
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl.max(Duration::from_millis(1)));
        self
    }

    /// Bounds every call to Redis (5 s by default). A call that times out returns an error
    /// whose [`is_timeout`](Error::is_timeout) is true.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> redis::RedisResult<()> {
    /// # let client = redis::Client::open("redis://127.0.0.1:6379")?;
    /// # let config = redis::aio::ConnectionManagerConfig::new();
    /// # let manager = redis::aio::ConnectionManager::new_lazy_with_config(client, config)?;
    /// use std::time::Duration;
    ///
    /// let coordinator =
    ///     periodic_redis::RedisCoordinator::new(manager).timeout(Duration::from_secs(1));
    /// # let _ = coordinator;
    /// # Ok(())
    /// # }
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How errors name the store, e.g. `cache.internal:6379` (a connection manager does not
    /// tell its address). [`connect`](Self::connect) sets it from the URL.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> redis::RedisResult<()> {
    /// # let client = redis::Client::open("redis://127.0.0.1:6379")?;
    /// # let config = redis::aio::ConnectionManagerConfig::new();
    /// # let manager = redis::aio::ConnectionManager::new_lazy_with_config(client, config)?;
    /// let coordinator = periodic_redis::RedisCoordinator::new(manager).address("10.0.0.7:6379");
    /// # let _ = coordinator;
    /// # Ok(())
    /// # }
    /// ```
    pub fn address(mut self, address: impl Into<String>) -> Self {
        self.store = address.into();
        self
    }

    /// The key that holds `slot`'s claim: `{prefix}:{job}:{index}`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> redis::RedisResult<()> {
    /// # let client = redis::Client::open("redis://127.0.0.1:6379")?;
    /// # let config = redis::aio::ConnectionManagerConfig::new();
    /// # let manager = redis::aio::ConnectionManager::new_lazy_with_config(client, config)?;
    /// use std::time::Duration;
    /// use periodic::Slot;
    ///
    /// let coordinator = periodic_redis::RedisCoordinator::new(manager);
    /// let slot = Slot::new("prune", 7, Duration::from_secs(60), Duration::ZERO);
    /// assert_eq!(coordinator.key(&slot), "periodic:prune:7");
    /// # Ok(())
    /// # }
    /// ```
    pub fn key(&self, slot: &Slot) -> String {
        format!("{}:{}:{}", self.prefix, slot.job, slot.index)
    }

    /// How long `slot`'s claim lives: the [`ttl`](Self::ttl) set, or `max(2 × period, 10 s)`
    /// capped at 30 days.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> redis::RedisResult<()> {
    /// # let client = redis::Client::open("redis://127.0.0.1:6379")?;
    /// # let config = redis::aio::ConnectionManagerConfig::new();
    /// # let manager = redis::aio::ConnectionManager::new_lazy_with_config(client, config)?;
    /// use std::time::Duration;
    /// use periodic::Slot;
    ///
    /// let coordinator = periodic_redis::RedisCoordinator::new(manager);
    /// let every = |secs| Slot::new("j", 1, Duration::from_secs(secs), Duration::ZERO);
    /// assert_eq!(coordinator.ttl_for(&every(1)), Duration::from_secs(10));
    /// assert_eq!(coordinator.ttl_for(&every(60)), Duration::from_secs(120));
    /// assert_eq!(coordinator.ttl_for(&every(100 * 24 * 3600)), periodic_redis::MAX_TTL);
    /// # Ok(())
    /// # }
    /// ```
    pub fn ttl_for(&self, slot: &Slot) -> Duration {
        self.ttl
            .unwrap_or_else(|| slot.period.saturating_mul(2).clamp(MIN_TTL, MAX_TTL))
    }

    async fn ping(&self, operation: Operation) -> Result<(), Error> {
        let mut manager = self.manager.clone();
        let cmd = redis::cmd("PING");
        let ping = cmd.query_async::<String>(&mut manager);
        self.bounded(operation, || self.store.clone(), ping)
            .await
            .map(drop)
    }

    async fn claim_slot(&self, slot: &Slot) -> Result<bool, Error> {
        let key = self.key(slot);
        // At least 1 ms: `ttl` keeps a set expiry there, and the default is at least `MIN_TTL`.
        let ttl_ms = u64::try_from(self.ttl_for(slot).as_millis()).unwrap_or(u64::MAX);
        let mut manager = self.manager.clone();
        let mut cmd = redis::cmd("SET");
        cmd.arg(&key)
            .arg(&self.owner)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms);
        let set = cmd.query_async::<Option<String>>(&mut manager);
        let reply = self.bounded(Operation::Claim, || key.clone(), set).await?;
        Ok(reply.is_some())
    }

    async fn record_run(&self, slot: &Slot, run: &RunRecord) -> Result<(), Error> {
        let key = self.key(slot);
        let (outcome, error) = (run.outcome.kind(), run.outcome.message());
        let record = Record {
            owner: &self.owner,
            due_ms: millis(slot.due),
            started_ms: millis(run.started),
            finished_ms: millis(run.finished),
            outcome,
            error,
        };
        let json = serde_json::to_string(&record)
            .map_err(|e| self.error(Operation::Record, key.clone(), Kind::Encode(e.to_string())))?;
        let opening = owner_opening(&self.owner);
        let mut manager = self.manager.clone();
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(RECORD_SCRIPT)
            .arg(1)
            .arg(&key)
            .arg(&self.owner)
            .arg(&json)
            .arg(&opening);
        let script = cmd.query_async::<i64>(&mut manager);
        let written = self
            .bounded(Operation::Record, || key.clone(), script)
            .await?;
        if written == 1 {
            Ok(())
        } else {
            Err(self.error(Operation::Record, key, Kind::NotOwner(self.owner.clone())))
        }
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
        future: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, Error> {
        match tokio::time::timeout(self.timeout, future).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.error(operation, subject(), Kind::Redis(e))),
            Err(_) => Err(self.error(operation, subject(), Kind::Timeout(self.timeout))),
        }
    }
}

impl Coordinator for RedisCoordinator {
    fn owner(&self) -> &str {
        &self.owner
    }

    fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        Box::pin(async move { self.ping(Operation::Ping).await.map_err(BoxError::from) })
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

/// The value of a slot's key once its run is recorded. `owner` comes first: the record script
/// recognizes this owner's records by their opening.
#[derive(serde::Serialize)]
struct Record<'a> {
    owner: &'a str,
    due_ms: u64,
    started_ms: u64,
    finished_ms: u64,
    outcome: &'static str,
    error: Option<&'a str>,
}

/// `{"owner":"<owner>",`: how a record of this owner starts.
fn owner_opening(owner: &str) -> String {
    let quoted = serde_json::to_string(owner).unwrap_or_default();
    format!("{{\"owner\":{quoted},")
}

/// Milliseconds since the UNIX epoch (0 before it).
fn millis(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// What a [`RedisCoordinator`] was doing when it failed.
///
/// # Examples
///
/// ```no_run
/// # async fn f() {
/// use periodic_redis::{Operation, RedisCoordinator};
///
/// match RedisCoordinator::connect("redis://cache.internal:6379").await {
///     Err(e) if e.operation() == Operation::Connect => eprintln!("Redis unreachable: {e}"),
///     Err(e) => eprintln!("{e}"),
///     Ok(_) => {}
/// }
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// Connecting ([`RedisCoordinator::connect`]).
    Connect,
    /// Checking the connection ([`prepare`](Coordinator::prepare)'s `PING`).
    Ping,
    /// Claiming a slot.
    Claim,
    /// Recording a run.
    Record,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::Connect => "connect",
            Operation::Ping => "ping",
            Operation::Claim => "claim",
            Operation::Record => "record",
        })
    }
}

/// An error of a [`RedisCoordinator`]: what failed, on what, at which Redis, and why.
///
/// Its message reads like
/// `periodic-redis: claim (periodic:prune:29000000) failed at 127.0.0.1:6379: timed out after
/// 5s`.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let error = periodic_redis::RedisCoordinator::connect("redis://127.0.0.1:1")
///     .await
///     .unwrap_err();
/// assert!(error.to_string().starts_with("periodic-redis: connect"), "{error}");
/// assert!(error.to_string().contains("127.0.0.1:1"), "{error}");
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
    Redis(redis::RedisError),
    Timeout(Duration),
    NotOwner(String),
    Encode(String),
}

impl Error {
    /// What the coordinator was doing.
    ///
    /// # Examples
    ///
    /// See [`RedisCoordinator::connect`].
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// The Redis, as `host:port` (or what [`RedisCoordinator::address`] says; `redis` if
    /// unknown).
    ///
    /// # Examples
    ///
    /// See [`RedisCoordinator::connect`].
    pub fn store(&self) -> &str {
        &self.store
    }

    /// Whether the call ran out of time: the coordinator's own
    /// [`timeout`](RedisCoordinator::timeout), or the connection's response timeout.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn f() {
    /// if let Err(e) = periodic_redis::RedisCoordinator::connect("redis://10.0.0.7").await {
    ///     if e.is_timeout() {
    ///         eprintln!("Redis did not answer in time: {e}");
    ///     }
    /// }
    /// # }
    /// ```
    pub fn is_timeout(&self) -> bool {
        match &self.kind {
            Kind::Timeout(_) => true,
            Kind::Redis(e) => e.is_timeout(),
            _ => false,
        }
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
            "periodic-redis: {operation} ({subject}) failed at {store}: "
        )?;
        match kind {
            Kind::Redis(e) => write!(f, "{e}"),
            Kind::Timeout(t) => write!(f, "timed out after {t:?}"),
            Kind::NotOwner(owner) => write!(
                f,
                "the key is not held by {owner:?} (another replica claimed it, or it expired)"
            ),
            Kind::Encode(e) => write!(f, "could not encode the record: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            Kind::Redis(e) => Some(e),
            _ => None,
        }
    }
}
