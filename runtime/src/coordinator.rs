//! Running a job once across a fleet of replicas.
//!
//! A service deployed as several replicas runs every timer in each of them. A *coordinated*
//! timer runs each of its slots on exactly one replica: slot `k` of a job with period `p` and
//! offset `o` is due at `UNIX_EPOCH + k·p + o`, so every replica computes the same slot ids from
//! its own clock; at each slot every replica asks the [`Coordinator`] to [`claim`] `(job, k)`, and
//! only the replica whose claim succeeds runs the target.
//!
//! The crates `periodic-postgres` and `periodic-redis` implement [`Coordinator`] on the stores
//! a service usually has; other stores can implement it outside this repository.
//!
//! [`claim`]: Coordinator::claim
//!
//! # What a coordinator must guarantee
//!
//! - [`claim`](Coordinator::claim) of one `(job, index)` succeeds for at most one caller, across
//!   every replica, for as long as any replica could still ask for that slot (at least two periods
//!   after the slot is due).
//! - A claim that fails because the store is unreachable returns `Err`, never `Ok(false)`: the
//!   timer logs the skipped slot as an error (or, with
//!   [`Unreachable::RunAnyway`](crate::Unreachable::RunAnyway), runs it).
//! - No method hangs for ever: the timer bounds each call by a timeout, but a store that holds a
//!   connection through a cut should fail fast on its own as well.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::BoxError;

/// A boxed, sendable future, as returned by [`Coordinator`]'s methods.
///
/// # Examples
///
/// ```
/// use periodic::{BoxError, BoxFuture};
///
/// fn ping() -> BoxFuture<'static, Result<(), BoxError>> {
///     Box::pin(async { Ok(()) })
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert!(ping().await.is_ok());
/// # }
/// ```
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One slot of a coordinated job: the `index`-th period since the UNIX epoch (shifted by the
/// job's offset).
///
/// # Examples
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use periodic::Slot;
///
/// let slot = Slot::new("prune", 1_000, Duration::from_secs(60), Duration::ZERO);
/// assert_eq!(slot.due, UNIX_EPOCH + Duration::from_secs(60_000));
/// assert_eq!(&*slot.job, "prune");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Slot {
    /// The job's (timer's) name: slots of different jobs never collide.
    pub job: Arc<str>,
    /// The slot's number: whole periods since the UNIX epoch (plus the offset).
    pub index: u64,
    /// The wall-clock instant the slot is due.
    pub due: SystemTime,
    /// The job's period: a store may derive how long to remember the claim from it.
    pub period: Duration,
}

impl Slot {
    /// The slot `index` of a job with `period` and `offset`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Slot;
    ///
    /// let slot = Slot::new("report", 3, Duration::from_secs(10), Duration::from_secs(2));
    /// assert_eq!(slot.due.duration_since(std::time::UNIX_EPOCH).unwrap(), Duration::from_secs(32));
    /// ```
    pub fn new(job: impl Into<Arc<str>>, index: u64, period: Duration, offset: Duration) -> Self {
        let nanos = period.as_nanos().saturating_mul(u128::from(index));
        let since_epoch = Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX)) + offset;
        Slot {
            job: job.into(),
            index,
            due: SystemTime::UNIX_EPOCH + since_epoch,
            period,
        }
    }
}

/// How a run of a claimed slot ended, as recorded by [`Coordinator::record`].
///
/// # Examples
///
/// ```
/// use periodic::RunOutcome;
///
/// let outcome = RunOutcome::Failed("connection refused".into());
/// assert!(!outcome.is_ok());
/// assert_eq!(RunOutcome::Ok.to_string(), "ok");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunOutcome {
    /// The target returned a value.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(periodic::RunOutcome::Ok.to_string(), "ok");
    /// ```
    Ok,
    /// The target failed (an error, a panic or a tick timeout); the error's message.
    ///
    /// # Examples
    ///
    /// ```
    /// let failed = periodic::RunOutcome::Failed("tick timed out".into());
    /// assert_eq!(failed.to_string(), "failed: tick timed out");
    /// ```
    Failed(String),
}

impl RunOutcome {
    /// Whether the run succeeded.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(periodic::RunOutcome::Ok.is_ok());
    /// ```
    pub fn is_ok(&self) -> bool {
        matches!(self, RunOutcome::Ok)
    }

    /// The outcome's kind as a store keeps it: `"ok"` or `"failed"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use periodic::RunOutcome;
    ///
    /// assert_eq!(RunOutcome::Ok.kind(), "ok");
    /// assert_eq!(RunOutcome::Failed("boom".into()).kind(), "failed");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            RunOutcome::Ok => "ok",
            RunOutcome::Failed(_) => "failed",
        }
    }

    /// The error's message of a failed run.
    ///
    /// # Examples
    ///
    /// ```
    /// use periodic::RunOutcome;
    ///
    /// assert_eq!(RunOutcome::Ok.message(), None);
    /// assert_eq!(RunOutcome::Failed("boom".into()).message(), Some("boom"));
    /// ```
    pub fn message(&self) -> Option<&str> {
        match self {
            RunOutcome::Ok => None,
            RunOutcome::Failed(message) => Some(message),
        }
    }
}

impl std::fmt::Display for RunOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.message() {
            None => f.write_str(self.kind()),
            Some(message) => write!(f, "{}: {message}", self.kind()),
        }
    }
}

/// The record of one run of a claimed slot, passed to [`Coordinator::record`].
///
/// # Examples
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use periodic::{RunOutcome, RunRecord};
///
/// let started = SystemTime::now();
/// let run = RunRecord::new(started, started + Duration::from_millis(5), RunOutcome::Ok);
/// assert!(run.outcome.is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunRecord {
    /// When the target was called (wall clock).
    pub started: SystemTime,
    /// When it finished.
    pub finished: SystemTime,
    /// How it ended.
    pub outcome: RunOutcome,
}

impl RunRecord {
    /// A record of a run.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use periodic::{RunOutcome, RunRecord};
    ///
    /// let now = SystemTime::now();
    /// let run = RunRecord::new(now, now, RunOutcome::Failed("boom".into()));
    /// assert_eq!(run.outcome.to_string(), "failed: boom");
    /// ```
    pub fn new(started: SystemTime, finished: SystemTime, outcome: RunOutcome) -> Self {
        RunRecord {
            started,
            finished,
            outcome,
        }
    }
}

/// A store through which replicas agree on who runs each slot of a coordinated job.
///
/// Implemented by `periodic_postgres::PostgresCoordinator` and
/// `periodic_redis::RedisCoordinator`. The methods return boxed futures so that a coordinator
/// can be shared as `Arc<dyn Coordinator>`.
///
/// # Examples
///
/// An in-memory coordinator — useful in tests of a single process, where every "replica" is a
/// timer of the same process:
///
/// ```
/// use std::collections::HashSet;
/// use std::sync::Mutex;
/// use periodic::{BoxError, BoxFuture, Coordinator, RunRecord, Slot};
///
/// #[derive(Default)]
/// struct InMemory(Mutex<HashSet<(String, u64)>>);
///
/// impl Coordinator for InMemory {
///     fn owner(&self) -> &str {
///         "in-memory"
///     }
///     fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
///         Box::pin(async { Ok(()) })
///     }
///     fn claim<'a>(&'a self, slot: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
///         let fresh = self.0.lock().unwrap().insert((slot.job.to_string(), slot.index));
///         Box::pin(async move { Ok(fresh) })
///     }
///     fn record<'a>(&'a self, _: &'a Slot, _: &'a RunRecord) -> BoxFuture<'a, Result<(), BoxError>> {
///         Box::pin(async { Ok(()) })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = InMemory::default();
/// let slot = Slot::new("prune", 7, std::time::Duration::from_secs(60), std::time::Duration::ZERO);
/// assert!(store.claim(&slot).await.unwrap());
/// assert!(!store.claim(&slot).await.unwrap(), "a slot is claimed once");
/// # }
/// ```
pub trait Coordinator: Send + Sync + 'static {
    /// This replica's identity, as recorded with the slots it claims.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use std::sync::Mutex;
    /// # use periodic::{BoxError, BoxFuture, Coordinator, RunOutcome, RunRecord, Slot};
    /// # /// Claims and run records in memory: every "replica" is in this process.
    /// # #[derive(Default)]
    /// # struct InMemory { claims: Mutex<Vec<(String, u64)>>, runs: Mutex<Vec<(u64, RunOutcome)>> }
    /// # impl Coordinator for InMemory {
    /// #     fn owner(&self) -> &str { "replica-a" }
    /// #     fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> { Box::pin(async { Ok(()) }) }
    /// #     fn claim<'a>(&'a self, slot: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
    /// #         let mut claims = self.claims.lock().unwrap();
    /// #         let key = (slot.job.to_string(), slot.index);
    /// #         let fresh = !claims.contains(&key);
    /// #         if fresh { claims.push(key); }
    /// #         Box::pin(async move { Ok(fresh) })
    /// #     }
    /// #     fn record<'a>(&'a self, slot: &'a Slot, run: &'a RunRecord) -> BoxFuture<'a, Result<(), BoxError>> {
    /// #         self.runs.lock().unwrap().push((slot.index, run.outcome.clone()));
    /// #         Box::pin(async { Ok(()) })
    /// #     }
    /// # }
    /// let store = InMemory::default();
    /// assert_eq!(store.owner(), "replica-a");
    /// // An `Arc` of a coordinator, even of a `dyn Coordinator`, is a coordinator too.
    /// let shared: Arc<dyn Coordinator> = Arc::new(store);
    /// assert_eq!(shared.owner(), "replica-a");
    /// ```
    fn owner(&self) -> &str;

    /// Checks that the store is reachable and ready (creating a table, for instance); must be
    /// idempotent. [`Configure::run_all`](crate::Configure::run_all) calls it once, within ten
    /// seconds, before it starts coordinated jobs, and fails with
    /// [`Error::Coordinator`](crate::Error::Coordinator) if it fails. A coordinated timer also
    /// calls it before its run's first claim (`Timer::start` cannot wait for a store): while it
    /// fails, each slot is treated as unreachable (skipped and logged, or run anyway) and
    /// `prepare` is tried again before the next slot, until a claim gets an answer.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Mutex;
    /// # use periodic::{BoxError, BoxFuture, Coordinator, RunOutcome, RunRecord, Slot};
    /// # /// Claims and run records in memory: every "replica" is in this process.
    /// # #[derive(Default)]
    /// # struct InMemory { claims: Mutex<Vec<(String, u64)>>, runs: Mutex<Vec<(u64, RunOutcome)>> }
    /// # impl Coordinator for InMemory {
    /// #     fn owner(&self) -> &str { "replica-a" }
    /// #     fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> { Box::pin(async { Ok(()) }) }
    /// #     fn claim<'a>(&'a self, slot: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
    /// #         let mut claims = self.claims.lock().unwrap();
    /// #         let key = (slot.job.to_string(), slot.index);
    /// #         let fresh = !claims.contains(&key);
    /// #         if fresh { claims.push(key); }
    /// #         Box::pin(async move { Ok(fresh) })
    /// #     }
    /// #     fn record<'a>(&'a self, slot: &'a Slot, run: &'a RunRecord) -> BoxFuture<'a, Result<(), BoxError>> {
    /// #         self.runs.lock().unwrap().push((slot.index, run.outcome.clone()));
    /// #         Box::pin(async { Ok(()) })
    /// #     }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let store = InMemory::default();
    /// assert!(store.prepare().await.is_ok()); // nothing to create in memory
    /// # }
    /// ```
    fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>>;

    /// Tries to claim `slot` for this replica: `Ok(true)` if this replica now owns it and must
    /// run it, `Ok(false)` if another replica claimed it first, `Err` if the store could not
    /// be asked.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use std::sync::Mutex;
    /// # use periodic::{BoxError, BoxFuture, Coordinator, RunOutcome, RunRecord, Slot};
    /// # /// Claims and run records in memory: every "replica" is in this process.
    /// # #[derive(Default)]
    /// # struct InMemory { claims: Mutex<Vec<(String, u64)>>, runs: Mutex<Vec<(u64, RunOutcome)>> }
    /// # impl Coordinator for InMemory {
    /// #     fn owner(&self) -> &str { "replica-a" }
    /// #     fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> { Box::pin(async { Ok(()) }) }
    /// #     fn claim<'a>(&'a self, slot: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
    /// #         let mut claims = self.claims.lock().unwrap();
    /// #         let key = (slot.job.to_string(), slot.index);
    /// #         let fresh = !claims.contains(&key);
    /// #         if fresh { claims.push(key); }
    /// #         Box::pin(async move { Ok(fresh) })
    /// #     }
    /// #     fn record<'a>(&'a self, slot: &'a Slot, run: &'a RunRecord) -> BoxFuture<'a, Result<(), BoxError>> {
    /// #         self.runs.lock().unwrap().push((slot.index, run.outcome.clone()));
    /// #         Box::pin(async { Ok(()) })
    /// #     }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let store = InMemory::default();
    /// let slot = Slot::new("prune", 42, Duration::from_secs(3600), Duration::ZERO);
    /// assert!(store.claim(&slot).await.unwrap()); // this replica runs slot 42
    /// assert!(!store.claim(&slot).await.unwrap()); // any later claim of it fails
    /// let next = Slot::new("prune", 43, Duration::from_secs(3600), Duration::ZERO);
    /// assert!(store.claim(&next).await.unwrap());
    /// # }
    /// ```
    fn claim<'a>(&'a self, slot: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>>;

    /// Records how the run of a slot this replica claimed ended. A failure here is logged and
    /// otherwise ignored: the slot has run.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use std::sync::Mutex;
    /// # use periodic::{BoxError, BoxFuture, Coordinator, RunOutcome, RunRecord, Slot};
    /// # /// Claims and run records in memory: every "replica" is in this process.
    /// # #[derive(Default)]
    /// # struct InMemory { claims: Mutex<Vec<(String, u64)>>, runs: Mutex<Vec<(u64, RunOutcome)>> }
    /// # impl Coordinator for InMemory {
    /// #     fn owner(&self) -> &str { "replica-a" }
    /// #     fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> { Box::pin(async { Ok(()) }) }
    /// #     fn claim<'a>(&'a self, slot: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
    /// #         let mut claims = self.claims.lock().unwrap();
    /// #         let key = (slot.job.to_string(), slot.index);
    /// #         let fresh = !claims.contains(&key);
    /// #         if fresh { claims.push(key); }
    /// #         Box::pin(async move { Ok(fresh) })
    /// #     }
    /// #     fn record<'a>(&'a self, slot: &'a Slot, run: &'a RunRecord) -> BoxFuture<'a, Result<(), BoxError>> {
    /// #         self.runs.lock().unwrap().push((slot.index, run.outcome.clone()));
    /// #         Box::pin(async { Ok(()) })
    /// #     }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let store = InMemory::default();
    /// let slot = Slot::new("report", 7, Duration::from_secs(60), Duration::ZERO);
    /// assert!(store.claim(&slot).await.unwrap());
    /// let now = SystemTime::now();
    /// let run = RunRecord::new(now, now + Duration::from_millis(40), RunOutcome::Ok);
    /// store.record(&slot, &run).await.unwrap();
    /// assert_eq!(*store.runs.lock().unwrap(), [(7, RunOutcome::Ok)]);
    /// # }
    /// ```
    fn record<'a>(
        &'a self,
        slot: &'a Slot,
        run: &'a RunRecord,
    ) -> BoxFuture<'a, Result<(), BoxError>>;
}

impl<C: Coordinator + ?Sized> Coordinator for Arc<C> {
    fn owner(&self) -> &str {
        (**self).owner()
    }
    fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        (**self).prepare()
    }
    fn claim<'a>(&'a self, slot: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
        (**self).claim(slot)
    }
    fn record<'a>(
        &'a self,
        slot: &'a Slot,
        run: &'a RunRecord,
    ) -> BoxFuture<'a, Result<(), BoxError>> {
        (**self).record(slot, run)
    }
}

/// What a coordinated timer does with a slot when its [`Coordinator`] cannot be reached.
///
/// # Examples
///
/// ```
/// assert_eq!(periodic::Unreachable::default(), periodic::Unreachable::Skip);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Unreachable {
    /// Skip the slot and log an `error!`: each slot runs at most once (the default).
    ///
    /// # Examples
    ///
    /// ```
    /// use periodic::Unreachable;
    /// assert_eq!(Unreachable::default(), Unreachable::Skip);
    /// ```
    #[default]
    Skip,
    /// Run the slot anyway: each slot runs at least once, maybe on several replicas.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{InMemoryCoordinator, Mode, Timer, Unreachable};
    ///
    /// let timer = Timer::builder(Duration::from_secs(60), || ())
    ///     .mode(Mode::FixedRate)
    ///     .coordinator(InMemoryCoordinator::new("a"))
    ///     .when_unreachable(Unreachable::RunAnyway)
    ///     .build()?;
    /// # let _ = timer;
    /// # Ok::<(), periodic::Error>(())
    /// ```
    RunAnyway,
}

/// A name for this replica, for a [`Coordinator`]'s [`owner`](Coordinator::owner): the host
/// name (`replica` if it cannot be read), the process id and five random characters, such as
/// `web-3-4121-k2x9q`. Unique enough that two processes never share it, readable enough to
/// find the replica in a run history. The stores use it when no owner is given.
///
/// # Examples
///
/// ```
/// let owner = periodic::default_owner();
/// assert!(owner.contains(&format!("-{}-", std::process::id())), "{owner}");
/// assert_ne!(owner, periodic::default_owner(), "a new suffix each call");
/// ```
pub fn default_owner() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "replica".to_owned());
    let suffix: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(5)
        .collect();
    format!(
        "{host}-{}-{}",
        std::process::id(),
        suffix.to_ascii_lowercase()
    )
}

/// A coordinated timer's settings: where its slots lie and whom it asks.
#[derive(Default)]
pub(crate) struct Coordination {
    /// `None` until one is given (`TimerBuilder::coordinator`, `Configure::coordinator`):
    /// starting without one is refused.
    pub(crate) coordinator: Option<Arc<dyn Coordinator>>,
    /// Shifts the slot grid from the UNIX epoch.
    pub(crate) offset: Duration,
    pub(crate) unreachable: Unreachable,
}

impl Coordination {
    /// The slot with `index` of a job named `job` with `period`.
    pub(crate) fn slot(&self, job: &Arc<str>, index: u64, period: Duration) -> Slot {
        Slot::new(job.clone(), index, period, self.offset)
    }

    /// When slot `index` is due, by the wall clock.
    pub(crate) fn due(&self, index: u64, period: Duration) -> SystemTime {
        let nanos = period.as_nanos().saturating_mul(u128::from(index));
        SystemTime::UNIX_EPOCH
            + self.offset
            + Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// The index of the first slot due at or after `wall`.
    pub(crate) fn next_index(&self, wall: SystemTime, period: Duration) -> u64 {
        let since = self.since_origin(wall);
        let p = period.as_nanos();
        u64::try_from(since.div_ceil(p)).unwrap_or(u64::MAX)
    }

    /// The index of the latest slot due at or before `wall` (0 before the first).
    pub(crate) fn current_index(&self, wall: SystemTime, period: Duration) -> u64 {
        let since = self.since_origin(wall);
        u64::try_from(since / period.as_nanos()).unwrap_or(u64::MAX)
    }

    fn since_origin(&self, wall: SystemTime) -> u128 {
        wall.duration_since(SystemTime::UNIX_EPOCH + self.offset)
            .unwrap_or_default()
            .as_nanos()
    }
}

/// How long a claim or a record may take before the slot counts as unreachable: half a
/// period, at least one second (a healthy store under load) and at most ten.
pub(crate) fn call_timeout(period: Duration) -> Duration {
    (period / 2).clamp(Duration::from_secs(1), Duration::from_secs(10))
}

/// The wall clock coordinated timers compute slots from; tests replace it (see
/// [`set_wall_clock`]).
static WALL_CLOCK: std::sync::OnceLock<fn() -> SystemTime> = std::sync::OnceLock::new();

/// The current wall-clock time, as coordinated timers see it: the system's clock moved by as
/// much as tokio's clock is ahead of (or behind) the real one. Outside tests the two agree and
/// this is the system's clock; under tokio's paused clock (`start_paused`, `advance`), the
/// wall clock advances with the paused one, so that coordinated timers can be tested in
/// virtual time like any other.
pub(crate) fn wall_now() -> SystemTime {
    let system = WALL_CLOCK
        .get()
        .map_or_else(SystemTime::now, |clock| clock());
    let tokio_now = tokio::time::Instant::now().into_std();
    let real_now = std::time::Instant::now();
    match tokio_now.checked_duration_since(real_now) {
        Some(ahead) => system + ahead,
        None => system - real_now.duration_since(tokio_now),
    }
}

/// Replaces, once per process, the system clock that coordinated timers read: a test
/// simulates a skewed replica with `|| SystemTime::now() + skew`. Returns `false` if a clock
/// was already set. Not public API.
#[doc(hidden)]
pub fn set_wall_clock(clock: fn() -> SystemTime) -> bool {
    WALL_CLOCK.set(clock).is_ok()
}

/// The tokio instant at which the wall clock will read `due` (now, if it already does).
pub(crate) fn instant_of(due: SystemTime) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    match due.duration_since(wall_now()) {
        Ok(ahead) => now + ahead,
        Err(_) => now,
    }
}

/// A [`Coordinator`] inside one process: claims live in a set in memory.
///
/// It coordinates the timers of one process only — what a test needs to check a coordinated
/// job under tokio's paused clock, or several "replicas" simulated as timers of one program.
/// It is no use across processes: use `periodic-postgres` or `periodic-redis` there. It
/// remembers the latest 1,024 claims of each job, so the memory stays bounded (a timer only
/// ever claims slots after the ones it claimed before).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::{Coordinator, InMemoryCoordinator, Slot};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = InMemoryCoordinator::new("replica-a");
/// let slot = Slot::new("prune", 42, Duration::from_secs(60), Duration::ZERO);
/// assert!(store.claim(&slot).await.unwrap());
/// assert!(!store.claim(&slot).await.unwrap()); // once per slot
/// assert_eq!(store.owner(), "replica-a");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct InMemoryCoordinator {
    owner: Arc<str>,
    claims: Arc<std::sync::Mutex<std::collections::HashMap<Arc<str>, ClaimLog>>>,
}

/// The latest claims of one job, at most [`InMemoryCoordinator::REMEMBERED`].
#[derive(Debug, Default)]
struct ClaimLog {
    claimed: std::collections::BTreeSet<u64>,
    order: std::collections::VecDeque<u64>,
}

impl InMemoryCoordinator {
    /// How many claims per job the store remembers.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(periodic::InMemoryCoordinator::REMEMBERED, 1024);
    /// ```
    pub const REMEMBERED: usize = 1024;

    /// An empty store whose claims are recorded as `owner`'s. Clones share the store: give one
    /// clone to each timer that should take turns with the others.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = periodic::InMemoryCoordinator::new("test");
    /// let same_store = store.clone();
    /// # let _ = same_store;
    /// ```
    pub fn new(owner: impl Into<Arc<str>>) -> Self {
        InMemoryCoordinator {
            owner: owner.into(),
            claims: Arc::default(),
        }
    }

    /// The indexes of the slots claimed for `job` that the store remembers (the latest
    /// [`REMEMBERED`](Self::REMEMBERED)), in increasing order.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Coordinator, InMemoryCoordinator, Slot};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let store = InMemoryCoordinator::new("a");
    /// for k in [3, 1, 2] {
    ///     store.claim(&Slot::new("job", k, Duration::from_secs(1), Duration::ZERO)).await.unwrap();
    /// }
    /// assert_eq!(store.claimed("job"), [1, 2, 3]);
    /// # }
    /// ```
    pub fn claimed(&self, job: &str) -> Vec<u64> {
        let claims = self.claims.lock().unwrap_or_else(|e| e.into_inner());
        claims
            .get(job)
            .map(|log| log.claimed.iter().copied().collect())
            .unwrap_or_default()
    }
}

impl Coordinator for InMemoryCoordinator {
    fn owner(&self) -> &str {
        &self.owner
    }

    fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        Box::pin(async { Ok(()) })
    }

    fn claim<'a>(&'a self, slot: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
        let mut claims = self.claims.lock().unwrap_or_else(|e| e.into_inner());
        let log = claims.entry(slot.job.clone()).or_default();
        let fresh = log.claimed.insert(slot.index);
        if fresh {
            log.order.push_back(slot.index);
            if log.order.len() > Self::REMEMBERED
                && let Some(oldest) = log.order.pop_front()
            {
                log.claimed.remove(&oldest);
            }
        }
        Box::pin(async move { Ok(fresh) })
    }

    fn record<'a>(
        &'a self,
        _slot: &'a Slot,
        _run: &'a RunRecord,
    ) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async { Ok(()) })
    }
}
