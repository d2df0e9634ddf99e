//! The registry of `#[every]` jobs, [`registry`], [`configure`] and [`run_all`].
//!
//! Every `#[every]` function submits a [`Registration`] to [`inventory`], which collects them
//! before `main` through linker sections: no central list exists in user code. This works on
//! the platforms inventory supports — Linux, macOS, Windows, iOS, FreeBSD, Android, and
//! WebAssembly with a caveat (the host must call the module's constructors) — see inventory's
//! documentation.

use std::any::{Any, TypeId};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use serde::Deserialize;

use crate::{Error, Mode, OnError, Timer, TimerBuilder, TimerGroup, state};

/// A type a job takes as `State<S>`, for the start-time check. Not public API.
#[doc(hidden)]
#[derive(Debug)]
pub struct StateKey {
    pub type_id: fn() -> TypeId,
    pub type_name: fn() -> &'static str,
}

/// Everything `#[every]` knows about a job at compile time. Not public API.
#[doc(hidden)]
#[derive(Debug)]
pub struct JobSpec {
    pub name: &'static str,
    pub module_path: &'static str,
    pub file: &'static str,
    pub line: u32,
    pub period: fn() -> Duration,
    pub mode: Mode,
    pub initial_delay: fn() -> Duration,
    pub jitter: f64,
    pub on_error: OnError,
    pub timeout: Option<fn() -> Duration>,
    pub autostart: bool,
    pub coordinated: bool,
    /// Shifts a coordinated job's slots from the UNIX epoch.
    pub offset: fn() -> Duration,
    pub states: &'static [StateKey],
}

impl JobSpec {
    fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    fn info(&self) -> JobInfo {
        JobInfo {
            name: self.name,
            period: (self.period)(),
            mode: self.mode,
            module_path: self.module_path,
            file: self.file,
            line: self.line,
            autostart: self.autostart,
            coordinated: self.coordinated,
        }
    }

    /// Checks that every state the job takes was provided.
    fn check_states(&'static self) -> Result<(), Error> {
        self.check_states_with(&[])
    }

    /// Checks the job's states against the store and `extra`, states about to be stored.
    fn check_states_with(&self, extra: &[TypeId]) -> Result<(), Error> {
        let present = |id: TypeId| extra.contains(&id) || state::contains(id);
        match self.states.iter().find(|k| !present((k.type_id)())) {
            Some(missing) => Err(Error::MissingState {
                job: self.name.into(),
                type_name: (missing.type_name)(),
            }),
            None => Ok(()),
        }
    }
}

/// A job's timer, built on first use. The `static` that `#[every]` generates wraps one. Not
/// public API.
///
/// The timer is stored type-erased so that the `static`'s type holds no bounds on `T`: a bad
/// return type is reported once, at the single place that builds the timer, instead of at every
/// use of the job.
#[doc(hidden)]
pub struct Job<T: 'static> {
    spec: &'static JobSpec,
    slot: LazyLock<Box<dyn ErasedTimer>>,
    _value: PhantomData<fn() -> T>,
}

impl<T: 'static> Job<T> {
    pub const fn new(spec: &'static JobSpec, init: fn() -> Box<dyn ErasedTimer>) -> Self {
        Job {
            spec,
            slot: LazyLock::new(init),
            _value: PhantomData,
        }
    }

    pub fn spec(&self) -> &'static JobSpec {
        self.spec
    }

    pub fn timer(&self) -> &Timer<T> {
        self.slot
            .as_any()
            .downcast_ref::<Timer<T>>()
            .expect("a job's timer is built by `Job::<T>::build` with the job's own `T`")
    }
}

impl<T: Clone + Send + Sync + 'static> Job<T> {
    /// Builds a job's timer from its spec. A period that evaluates to zero (from a `Duration`
    /// expression) makes `start` fail with [`Error::InvalidConfig`] instead of panicking.
    pub fn build<M>(
        spec: &'static JobSpec,
        target: impl crate::IntoTarget<T, M>,
    ) -> Box<dyn ErasedTimer> {
        let mut builder: TimerBuilder<T> = Timer::builder((spec.period)(), target)
            .name(spec.name)
            .mode(spec.mode)
            .initial_delay((spec.initial_delay)())
            .jitter(spec.jitter)
            .on_error(spec.on_error)
            .coordinated(spec.coordinated)
            .__precheck(move || spec.check_states());
        if spec.coordinated {
            builder = builder.slot_offset((spec.offset)());
        }
        if let Some(timeout) = spec.timeout {
            builder = builder.timeout(timeout());
        }
        Box::new(builder.build_or_defer())
    }
}

impl<T> fmt::Debug for Job<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("name", &self.spec.name)
            .finish_non_exhaustive()
    }
}

/// A job's timer with its value type erased. Not public API.
#[doc(hidden)]
pub trait ErasedTimer: Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn is_running(&self) -> bool;
    fn apply(&self, o: &JobOverride) -> Result<(), Error>;
    /// Whether [`apply`](Self::apply) of `o` would succeed on the stopped timer, changing
    /// nothing.
    fn check_override(&self, o: &JobOverride) -> Result<(), Error>;
    /// Whether a start would succeed, changing nothing (see `group::check_start`).
    fn check_start(&self, period_fixed: bool, coordinator_given: bool) -> Result<bool, Error>;
    fn add_to(&self, group: &TimerGroup) -> Result<(), Error>;
    fn provide_coordinator(
        &self,
        coordinator: &Arc<dyn crate::Coordinator>,
        unreachable: Option<crate::Unreachable>,
    ) -> bool;
    fn has_coordinator(&self) -> bool;
}

impl<T: Clone + Send + Sync + 'static> ErasedTimer for Timer<T> {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn is_running(&self) -> bool {
        Timer::is_running(self)
    }
    fn apply(&self, o: &JobOverride) -> Result<(), Error> {
        if let Some(period) = o.period {
            self.set_period(period)?;
        }
        if let Some(mode) = o.mode {
            self.set_mode(mode)?;
        }
        Ok(())
    }
    fn check_override(&self, o: &JobOverride) -> Result<(), Error> {
        // What `set_period` and `set_mode` would refuse, asked without changing anything.
        if let Some(period) = o.period {
            crate::timer::validate_period(period)?;
        }
        if let Some(mode) = o.mode {
            self.check_mode(&self.core().lock(), mode)?;
        }
        Ok(())
    }
    fn check_start(&self, period_fixed: bool, coordinator_given: bool) -> Result<bool, Error> {
        crate::group::check_start(
            self,
            crate::group::StartCheck {
                states: false,
                period_fixed,
                coordinator_given,
            },
        )
    }
    fn add_to(&self, group: &TimerGroup) -> Result<(), Error> {
        group.add(self.clone())
    }
    fn provide_coordinator(
        &self,
        coordinator: &Arc<dyn crate::Coordinator>,
        unreachable: Option<crate::Unreachable>,
    ) -> bool {
        Timer::provide_coordinator(self, coordinator, unreachable)
    }
    fn has_coordinator(&self) -> bool {
        Timer::has_coordinator(self)
    }
}

/// The type-erased view of a job that the registry works with. Not public API.
#[doc(hidden)]
pub trait ErasedJob: Sync {
    fn spec(&self) -> &'static JobSpec;
    fn timer(&self) -> &dyn ErasedTimer;
}

impl<T: 'static> ErasedJob for Job<T> {
    fn spec(&self) -> &'static JobSpec {
        self.spec
    }
    fn timer(&self) -> &dyn ErasedTimer {
        &**self.slot
    }
}

/// One `#[every]` job, as submitted to the registry. Not public API.
#[doc(hidden)]
pub struct Registration {
    pub job: &'static dyn ErasedJob,
}

inventory::collect!(Registration);

/// What the registry knows about one `#[every]` job; listed by [`registry`].
///
/// # Examples
///
/// ```rust,standalone_crate
/// use std::time::Duration;
/// use periodic::{Mode, every};
///
/// #[every(30s, mode = "fixed_rate", name = "heartbeat")]
/// fn beat() {}
///
/// let info = periodic::registry().into_iter().find(|j| j.name == "heartbeat").unwrap();
/// assert_eq!((info.period, info.mode), (Duration::from_secs(30), Mode::FixedRate));
/// assert!(info.autostart && !info.coordinated);
/// assert!(info.line > 0 && info.file.ends_with(".rs"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct JobInfo {
    /// The job's name: the `name` argument, or the function's name.
    pub name: &'static str,
    /// The period it was declared with (before overrides).
    pub period: Duration,
    /// The mode it was declared with (before overrides).
    pub mode: Mode,
    /// The module that defines it.
    pub module_path: &'static str,
    /// The source file that defines it.
    pub file: &'static str,
    /// The line of the `#[every]` attribute.
    pub line: u32,
    /// Whether [`run_all`] starts it.
    pub autostart: bool,
    /// Whether it runs once per slot across a fleet.
    pub coordinated: bool,
}

fn registrations() -> Vec<&'static dyn ErasedJob> {
    let mut jobs: Vec<_> = inventory::iter::<Registration>
        .into_iter()
        .map(|r| r.job)
        .collect();
    jobs.sort_by(|a, b| {
        (a.spec().name, a.spec().file, a.spec().line).cmp(&(
            b.spec().name,
            b.spec().file,
            b.spec().line,
        ))
    });
    jobs
}

/// Every `#[every]` job linked into the program, sorted by name.
///
/// # Examples
///
/// ```rust,standalone_crate
/// #[periodic::every(10s)]
/// fn sample() {}
///
/// #[periodic::every(1h, autostart = false)]
/// fn audit() {}
///
/// for job in periodic::registry() {
///     println!("{} every {:?} ({}) at {}:{}", job.name, job.period, job.mode, job.file, job.line);
/// }
/// let names: Vec<_> = periodic::registry().into_iter().map(|job| job.name).collect();
/// assert_eq!(names, ["audit", "sample"]); // sorted by name, `autostart = false` included
/// ```
pub fn registry() -> Vec<JobInfo> {
    registrations().iter().map(|j| j.spec().info()).collect()
}

/// Starts every registered job with `autostart` on the current tokio runtime and returns them
/// as one [`TimerGroup`]. The same as `configure().run_all()`: see [`Configure::run_all`] for
/// the checks it makes before starting anything.
///
/// # Errors
///
/// See [`Configure::run_all`].
///
/// # Examples
///
/// ```rust,standalone_crate
/// use std::time::Duration;
/// use periodic::every;
///
/// #[every(30s)]
/// async fn heartbeat() -> &'static str {
///     "alive"
/// }
///
/// #[every(1h, autostart = false)]
/// fn rebuild_index() {}
///
/// #[tokio::main(flavor = "current_thread", start_paused = true)]
/// async fn main() -> Result<(), periodic::Error> {
///     let jobs = periodic::run_all().await?;
///     assert_eq!(jobs.names(), ["heartbeat"]); // `autostart = false` stays stopped
///     assert_eq!(heartbeat.wait().hit_count(1).await?, Some("alive"));
///     assert!(!rebuild_index.is_running());
///     jobs.shutdown(Duration::from_secs(5)).await;
///     Ok(())
/// }
/// ```
pub async fn run_all() -> Result<TimerGroup, Error> {
    configure().run_all().await
}

/// A builder for [`run_all`]: state for the jobs, per-job overrides, a filter.
///
/// # Examples
///
/// ```rust,standalone_crate
/// use std::time::Duration;
/// use periodic::{Mode, State, every};
///
/// struct Db { url: &'static str }
///
/// #[every(5s)]
/// async fn db_refresh(db: State<Db>) -> usize { db.url.len() }
///
/// #[every(1h)]
/// async fn prune() {}
///
/// #[tokio::main(flavor = "current_thread", start_paused = true)]
/// async fn main() -> Result<(), periodic::Error> {
///     let jobs = periodic::configure()
///         .state(Db { url: "postgres://localhost/test" }) // for jobs taking State<Db>
///         .period("db_refresh", Duration::from_secs(30))
///         .mode("db_refresh", Mode::FixedRate)
///         .enabled("prune", false)
///         .run_all()
///         .await?;
///     assert_eq!(jobs.names(), ["db_refresh"]);
///     assert_eq!(db_refresh.period(), Duration::from_secs(30));
///     jobs.shutdown(Duration::from_secs(5)).await;
///     Ok(())
/// }
/// ```
pub fn configure() -> Configure {
    Configure::default()
}

/// Overrides of one job's declared settings.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::{JobOverride, Mode};
///
/// let o: JobOverride = serde_json::from_str(r#"{ "period": "1m 30s", "mode": "fixed_rate" }"#)
///     .unwrap();
/// assert_eq!(o.period, Some(Duration::from_secs(90)));
/// assert_eq!((o.mode, o.enabled), (Some(Mode::FixedRate), None));
/// let bad = serde_json::from_str::<JobOverride>(r#"{ "period": "soon" }"#).unwrap_err();
/// assert!(bad.to_string().contains("`period`"));
/// ```
///
/// Deserializable, with the period as a humantime string (`"30s"`, `"1h 30m"`) and the mode as
/// `"fixed_delay"` or `"fixed_rate"`. A bad value is an error that names the key (and, within
/// [`Overrides`], the job).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct JobOverride {
    /// A new period.
    #[serde(default, deserialize_with = "de_period")]
    pub period: Option<Duration>,
    /// A new mode.
    #[serde(default, deserialize_with = "de_mode")]
    pub mode: Option<Mode>,
    /// `false` keeps the job stopped in [`run_all`].
    #[serde(default, deserialize_with = "de_enabled")]
    pub enabled: Option<bool>,
}

/// Deserializes a field, prefixing any error with the field's name.
fn keyed<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(
    key: &str,
    d: D,
) -> Result<T, D::Error> {
    T::deserialize(d).map_err(|e| serde::de::Error::custom(format_args!("`{key}`: {e}")))
}

fn de_period<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let s: String = keyed("period", d)?;
    humantime::parse_duration(&s).map(Some).map_err(|e| {
        serde::de::Error::custom(format_args!("`period`: invalid duration \"{s}\": {e}"))
    })
}

fn de_mode<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Mode>, D::Error> {
    keyed("mode", d).map(Some)
}

fn de_enabled<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    keyed("enabled", d).map(Some)
}

/// Per-job overrides keyed by job name, from any `serde` source.
///
/// # Examples
///
/// ```
/// let overrides: periodic::Overrides = serde_json::from_str(r#"{
///     "db_refresh": { "period": "1m 30s", "mode": "fixed_rate" },
///     "prune": { "enabled": false }
/// }"#).unwrap();
/// assert_eq!(overrides.0["db_refresh"].period, Some(std::time::Duration::from_secs(90)));
/// assert_eq!(overrides.0["prune"].enabled, Some(false));
/// let builder = periodic::configure().overrides(overrides);
/// # drop(builder);
///
/// // A bad value names the job and the key.
/// let bad = serde_json::from_str::<periodic::Overrides>(r#"{ "prune": { "mode": "hourly" } }"#);
/// let message = bad.unwrap_err().to_string();
/// assert!(message.contains("job `prune`") && message.contains("`mode`"), "{message}");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides(pub BTreeMap<String, JobOverride>);

impl<'de> Deserialize<'de> for Overrides {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Jobs;
        impl<'de> serde::de::Visitor<'de> for Jobs {
            type Value = Overrides;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from job names to overrides")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Overrides, A::Error> {
                let mut jobs = BTreeMap::new();
                while let Some(job) = map.next_key::<String>()? {
                    let o = map
                        .next_value::<JobOverride>()
                        .map_err(|e| serde::de::Error::custom(format_args!("job `{job}`: {e}")))?;
                    jobs.insert(job, o);
                }
                Ok(Overrides(jobs))
            }
        }
        d.deserialize_map(Jobs)
    }
}

type Filter = Box<dyn Fn(&JobInfo) -> bool + Send + Sync>;

/// The builder returned by [`configure`], which shows it in use.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let builder = periodic::configure()
///     .state(42u32)
///     .period("db_refresh", Duration::from_secs(30))
///     .env_prefix("MYAPP");
/// assert!(format!("{builder:?}").contains("db_refresh"));
/// ```
#[must_use = "nothing starts until `run_all` is awaited"]
#[derive(Default)]
pub struct Configure {
    states: Vec<(TypeId, Arc<dyn Any + Send + Sync>)>,
    coordinator: Option<Arc<dyn crate::Coordinator>>,
    when_unreachable: Option<crate::Unreachable>,
    overrides: BTreeMap<String, JobOverride>,
    env_prefix: Option<String>,
    filter: Option<Filter>,
}

impl fmt::Debug for Configure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Configure")
            .field("states", &self.states.len())
            .field(
                "coordinator",
                &self.coordinator.as_ref().map(|c| c.owner().to_owned()),
            )
            .field("overrides", &self.overrides)
            .field("env_prefix", &self.env_prefix)
            .field("filter", &self.filter.is_some())
            .finish()
    }
}

impl Configure {
    /// Provides state of type `S` to every job taking a `State<S>` parameter. Any number of
    /// types; a second value of the same type replaces the first.
    ///
    /// [`run_all`](Self::run_all) stores the values once its checks have passed, and they stay
    /// for the life of the process (state is never removed): a job started later through its
    /// handle finds them too.
    ///
    /// # Examples
    ///
    /// ```rust,standalone_crate
    /// use periodic::{State, every};
    ///
    /// struct Config { region: &'static str }
    /// struct Counter(std::sync::atomic::AtomicU32);
    ///
    /// #[every(10s)]
    /// fn report(config: State<Config>, counter: State<Counter>) -> String {
    ///     let n = counter.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    ///     format!("{}#{n}", config.region)
    /// }
    ///
    /// #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() -> Result<(), periodic::Error> {
    ///     let jobs = periodic::configure()
    ///         .state(Config { region: "eu-west" })
    ///         .state(Counter(0.into()))
    ///         .run_all()
    ///         .await?;
    ///     assert_eq!(report.wait().hit_count(2).await?, Some("eu-west#1".to_owned()));
    ///     jobs.cancel_all().await;
    ///     Ok(())
    /// }
    /// ```
    pub fn state<S: Send + Sync + 'static>(mut self, value: S) -> Self {
        self.states.push((TypeId::of::<S>(), Arc::new(value)));
        self
    }

    /// The store through which the jobs declared `coordinated = true` claim their slots, so
    /// that each slot runs on one replica of the service only (see
    /// [`Coordinator`](crate::Coordinator)). Jobs that are not coordinated ignore it.
    ///
    /// [`run_all`](Self::run_all) asks the store once ([`Coordinator::prepare`], within ten
    /// seconds) before starting anything: an unreachable store is an [`Error::Coordinator`]
    /// there. Without a coordinator, a coordinated job makes `run_all` fail with
    /// [`Error::Job`] naming it.
    ///
    /// [`Coordinator::prepare`]: crate::Coordinator::prepare
    ///
    /// # Examples
    ///
    /// ```rust,standalone_crate
    /// use periodic::{InMemoryCoordinator, every};
    ///
    /// #[every(1h, mode = "fixed_rate", coordinated = true)]
    /// async fn prune() -> u32 { 3 }
    ///
    /// #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() -> Result<(), periodic::Error> {
    ///     // Without a coordinator the job is refused, by name.
    ///     let refused = periodic::run_all().await.unwrap_err();
    ///     assert!(matches!(&refused, periodic::Error::Job { job, .. } if &**job == "prune"));
    ///
    ///     // A service would give `periodic_postgres::PostgresCoordinator` here.
    ///     let store = InMemoryCoordinator::new("replica-1");
    ///     let jobs = periodic::configure().coordinator(store.clone()).run_all().await?;
    ///     // The next whole hour (bounded, so that a slot that never runs fails the example).
    ///     let hour = std::time::Duration::from_secs(3600);
    ///     let ran = tokio::time::timeout(hour, prune.join()).await.expect("ran within the hour");
    ///     assert_eq!(ran?, 3);
    ///     assert_eq!(store.claimed("prune").len(), 1);
    ///     jobs.cancel_all().await;
    ///     Ok(())
    /// }
    /// ```
    pub fn coordinator(mut self, coordinator: impl crate::Coordinator) -> Self {
        self.coordinator = Some(Arc::new(coordinator));
        self
    }

    /// What the coordinated jobs of this `run_all` do with a slot when the
    /// [`coordinator`](Self::coordinator) cannot be reached: [`Unreachable::Skip`] (the
    /// default: each slot at most once) or [`Unreachable::RunAnyway`] (at least once, maybe on
    /// several replicas). The builder's counterpart is
    /// [`TimerBuilder::when_unreachable`](crate::TimerBuilder::when_unreachable).
    ///
    /// [`Unreachable::Skip`]: crate::Unreachable::Skip
    /// [`Unreachable::RunAnyway`]: crate::Unreachable::RunAnyway
    ///
    /// # Examples
    ///
    /// ```rust,standalone_crate
    /// use periodic::{BoxError, BoxFuture, Coordinator, RunRecord, Slot, Unreachable, every};
    ///
    /// /// A store that answers `prepare` but never grants a claim: always unreachable.
    /// struct Down;
    /// impl Coordinator for Down {
    ///     fn owner(&self) -> &str { "down" }
    ///     fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> { Box::pin(async { Ok(()) }) }
    ///     fn claim<'a>(&'a self, _: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
    ///         Box::pin(async { Err("connection refused".into()) })
    ///     }
    ///     fn record<'a>(&'a self, _: &'a Slot, _: &'a RunRecord) -> BoxFuture<'a, Result<(), BoxError>> {
    ///         Box::pin(async { Ok(()) })
    ///     }
    /// }
    ///
    /// #[every(1m, mode = "fixed_rate", coordinated = true)]
    /// fn send_report() -> &'static str { "sent" }
    ///
    /// #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() -> Result<(), periodic::Error> {
    ///     let jobs = periodic::configure()
    ///         .coordinator(Down)
    ///         .when_unreachable(Unreachable::RunAnyway)
    ///         .run_all()
    ///         .await?;
    ///     // Ran although no claim succeeded (bounded: a skipped slot fails the example).
    ///     let minute = std::time::Duration::from_secs(60);
    ///     let ran = tokio::time::timeout(minute, send_report.join()).await.expect("ran");
    ///     assert_eq!(ran?, "sent");
    ///     jobs.cancel_all().await;
    ///     Ok(())
    /// }
    /// ```
    pub fn when_unreachable(mut self, unreachable: crate::Unreachable) -> Self {
        self.when_unreachable = Some(unreachable);
        self
    }

    fn job(&mut self, job: &str) -> &mut JobOverride {
        self.overrides.entry(job.to_owned()).or_default()
    }

    /// Overrides the period of the job named `job`. A name that is no registered job makes
    /// [`run_all`](Self::run_all) fail with [`Error::InvalidConfig`].
    ///
    /// # Examples
    ///
    /// ```rust,standalone_crate
    /// use std::time::Duration;
    ///
    /// #[periodic::every(5s)]
    /// fn refresh() {}
    ///
    /// #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() -> Result<(), periodic::Error> {
    ///     let minute = Duration::from_secs(60);
    ///     let typo = periodic::configure().period("refesh", minute).run_all().await;
    ///     assert!(matches!(typo, Err(periodic::Error::InvalidConfig(_))));
    ///
    ///     let jobs = periodic::configure().period("refresh", minute).run_all().await?;
    ///     assert_eq!(refresh.period(), minute);
    ///     jobs.cancel_all().await;
    ///     Ok(())
    /// }
    /// ```
    pub fn period(mut self, job: &str, period: Duration) -> Self {
        self.job(job).period = Some(period);
        self
    }

    /// Overrides the mode of the job named `job`.
    ///
    /// # Examples
    ///
    /// ```rust,standalone_crate
    /// use periodic::Mode;
    ///
    /// #[periodic::every(1m)]
    /// fn sample() {}
    ///
    /// #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() -> Result<(), periodic::Error> {
    ///     assert_eq!(sample.mode(), Mode::FixedDelay); // as declared
    ///     let jobs = periodic::configure().mode("sample", Mode::FixedRate).run_all().await?;
    ///     assert_eq!(sample.mode(), Mode::FixedRate);
    ///     jobs.cancel_all().await;
    ///     Ok(())
    /// }
    /// ```
    pub fn mode(mut self, job: &str, mode: Mode) -> Self {
        self.job(job).mode = Some(mode);
        self
    }

    /// Enables or disables the job named `job` for [`run_all`](Self::run_all). Enabling a job
    /// declared with `autostart = false` starts it.
    ///
    /// # Examples
    ///
    /// ```rust,standalone_crate
    /// #[periodic::every(1m)]
    /// fn noisy() {}
    ///
    /// #[periodic::every(1h, autostart = false)]
    /// fn backfill() {}
    ///
    /// #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() -> Result<(), periodic::Error> {
    ///     let jobs = periodic::configure()
    ///         .enabled("noisy", false)
    ///         .enabled("backfill", true)
    ///         .run_all()
    ///         .await?;
    ///     assert_eq!(jobs.names(), ["backfill"]);
    ///     assert!(!noisy.is_running());
    ///     jobs.cancel_all().await;
    ///     Ok(())
    /// }
    /// ```
    pub fn enabled(mut self, job: &str, enabled: bool) -> Self {
        self.job(job).enabled = Some(enabled);
        self
    }

    /// Merges overrides from any `serde` source (see [`Overrides`]); a key given here replaces
    /// one given before.
    ///
    /// # Examples
    ///
    /// ```rust,standalone_crate
    /// use std::time::Duration;
    /// use periodic::Mode;
    ///
    /// #[periodic::every(5s)]
    /// fn refresh() {}
    ///
    /// #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() -> Result<(), periodic::Error> {
    ///     // From a config file; any serde format works (JSON here).
    ///     let file = r#"{ "refresh": { "period": "2m", "mode": "fixed_rate" } }"#;
    ///     let overrides: periodic::Overrides = serde_json::from_str(file).unwrap();
    ///     let jobs = periodic::configure()
    ///         .period("refresh", Duration::from_secs(10)) // replaced by the file's value
    ///         .overrides(overrides)
    ///         .run_all()
    ///         .await?;
    ///     assert_eq!(refresh.period(), Duration::from_secs(120));
    ///     assert_eq!(refresh.mode(), Mode::FixedRate);
    ///     jobs.cancel_all().await;
    ///     Ok(())
    /// }
    /// ```
    pub fn overrides(mut self, overrides: Overrides) -> Self {
        for (job, o) in overrides.0 {
            let entry = self.job(&job);
            entry.period = o.period.or(entry.period);
            entry.mode = o.mode.or(entry.mode);
            entry.enabled = o.enabled.or(entry.enabled);
        }
        self
    }

    /// Opts in to overrides from environment variables, read by [`run_all`](Self::run_all):
    /// `{PREFIX}_{JOB}_PERIOD` (humantime, e.g. `30s`), `{PREFIX}_{JOB}_MODE` (`fixed_delay` or
    /// `fixed_rate`) and `{PREFIX}_{JOB}_ENABLED` (`true`/`false`/`1`/`0`), where `JOB` is the
    /// job's name in upper case with every other character than letters and digits as `_`.
    /// They override what was set in code. A variable that does not parse makes
    /// [`run_all`](Self::run_all) fail with [`Error::InvalidConfig`], naming it.
    ///
    /// # Examples
    ///
    /// ```rust,standalone_crate
    /// use std::time::Duration;
    ///
    /// #[periodic::every(5s, name = "db-refresh")]
    /// fn db_refresh() {}
    ///
    /// #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() -> Result<(), periodic::Error> {
    ///     // As if started with `MYAPP_DB_REFRESH_PERIOD=1m` (the `-` of the name becomes `_`).
    ///     // SAFETY: no other thread reads the environment in this example.
    ///     unsafe { std::env::set_var("MYAPP_DB_REFRESH_PERIOD", "1m") };
    ///     let jobs = periodic::configure().env_prefix("MYAPP").run_all().await?;
    ///     assert_eq!(db_refresh.period(), Duration::from_secs(60));
    ///     jobs.cancel_all().await;
    ///     Ok(())
    /// }
    /// ```
    pub fn env_prefix(mut self, prefix: &str) -> Self {
        self.env_prefix = Some(prefix.to_owned());
        self
    }

    /// Starts only the jobs for which `filter` returns `true` (among those with `autostart`
    /// and not disabled).
    ///
    /// # Examples
    ///
    /// ```rust,standalone_crate
    /// use std::time::Duration;
    ///
    /// #[periodic::every(1s)]
    /// fn fast() {}
    ///
    /// #[periodic::every(1h)]
    /// fn slow() {}
    ///
    /// #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() -> Result<(), periodic::Error> {
    ///     let jobs = periodic::configure()
    ///         .filter(|job| job.period < Duration::from_secs(60))
    ///         .run_all()
    ///         .await?;
    ///     assert_eq!(jobs.names(), ["fast"]);
    ///     assert!(!slow.is_running());
    ///     jobs.cancel_all().await;
    ///     Ok(())
    /// }
    /// ```
    pub fn filter(mut self, filter: impl Fn(&JobInfo) -> bool + Send + Sync + 'static) -> Self {
        self.filter = Some(Box::new(filter));
        self
    }

    /// Checks every registered job, then starts the selected ones on the current runtime and
    /// returns them as a running [`TimerGroup`].
    ///
    /// Nothing is started, and an error is returned, when: two jobs share a name
    /// ([`Error::DuplicateName`], with both locations); an override names no registered job or
    /// has a bad value ([`Error::InvalidConfig`], naming the job and the key); or a selected
    /// job cannot start — it needs a `State<S>` that was not provided, it is already running,
    /// it is coordinated and no coordinator is configured, or its own
    /// [`start`](crate::Timer::start) refuses (a period given as an expression that is zero,
    /// no runtime) ([`Error::Job`], naming the job and where it is defined, around the cause).
    ///
    /// A failed `run_all` changes nothing: every check runs first (the coordinator's `prepare`
    /// last), and only then are the overrides applied, the states provided and the jobs
    /// started. The one exception is a job changed by another thread while `run_all` runs, so
    /// that its start fails after the checks: then the jobs this call started are stopped, and
    /// their tasks gone, before the error (naming the job) is returned, so a retry can start
    /// them at once; the overrides and states already applied stay.
    ///
    /// Overrides apply to every registered job that is not running, so a job with
    /// `autostart = false` started later through its handle uses them too.
    ///
    /// # Errors
    ///
    /// As above; and [`Error::NoRuntime`] (wrapped in [`Error::Job`]) outside a runtime.
    ///
    /// # Examples
    ///
    /// ```rust,standalone_crate
    /// use std::time::Duration;
    /// use periodic::Error;
    ///
    /// #[periodic::every(5s)]
    /// fn refresh() -> u32 {
    ///     7
    /// }
    ///
    /// #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() -> Result<(), Error> {
    ///     let jobs = periodic::configure().run_all().await?;
    ///     jobs.wait().hit_count(1).await?; // gate startup on every first tick
    ///     assert_eq!(refresh.last_result(), Some(7));
    ///
    ///     // The jobs run: a second `run_all` refuses, naming the job.
    ///     let again = periodic::configure().run_all().await.unwrap_err();
    ///     match again {
    ///         Error::Job { job, source, .. } => {
    ///             assert_eq!(&*job, "refresh");
    ///             assert!(matches!(*source, Error::AlreadyRunning { .. }));
    ///         }
    ///         other => panic!("unexpected {other:?}"),
    ///     }
    ///     jobs.shutdown(Duration::from_secs(5)).await;
    ///     Ok(())
    /// }
    /// ```
    pub async fn run_all(mut self) -> Result<TimerGroup, Error> {
        let jobs = registrations();
        for pair in jobs.windows(2) {
            let (a, b) = (pair[0].spec(), pair[1].spec());
            if a.name == b.name {
                return Err(Error::DuplicateName {
                    name: a.name.into(),
                    first: a.location().into(),
                    second: b.location().into(),
                });
            }
        }
        if let Some(prefix) = self.env_prefix.take() {
            for job in &jobs {
                self.read_env(&prefix, job.spec().name)?;
            }
        }
        if let Some(unknown) = self
            .overrides
            .keys()
            .find(|name| !jobs.iter().any(|j| j.spec().name == name.as_str()))
        {
            let known: Vec<_> = jobs.iter().map(|j| j.spec().name).collect();
            return Err(Error::invalid(format_args!(
                "an override names `{unknown}`, which is not a registered job; registered: {}",
                known.join(", ")
            )));
        }
        for (job, o) in &self.overrides {
            if o.period == Some(Duration::ZERO) {
                return Err(Error::invalid(format_args!(
                    "job `{job}`: the override of `period` must be greater than zero"
                )));
            }
        }
        let selected: Vec<_> = jobs
            .iter()
            .filter(|job| {
                let spec = job.spec();
                let enabled = self.overrides.get(spec.name).and_then(|o| o.enabled);
                enabled.unwrap_or(spec.autostart)
                    && self.filter.as_ref().is_none_or(|f| f(&spec.info()))
            })
            .collect();
        let job_error = |spec: &JobSpec, source: Error| Error::Job {
            job: spec.name.into(),
            defined_at: spec.location().into(),
            source: Box::new(source),
        };
        for job in &selected {
            let spec = job.spec();
            if job.timer().is_running() {
                return Err(job_error(
                    spec,
                    Error::AlreadyRunning {
                        name: spec.name.into(),
                    },
                ));
            }
            if spec.coordinated && self.coordinator.is_none() && !job.timer().has_coordinator() {
                return Err(job_error(
                    spec,
                    Error::invalid(
                        "the job is coordinated (`coordinated = true`) but no coordinator is \
                         configured: give one with `periodic::configure().coordinator(…)`",
                    ),
                ));
            }
            let given: Vec<TypeId> = self.states.iter().map(|(id, _)| *id).collect();
            spec.check_states_with(&given)
                .map_err(|e| job_error(spec, e))?;
            // Whatever else its start would refuse (no runtime, a zero period, …), asked
            // without starting it.
            let period_fixed = self
                .overrides
                .get(spec.name)
                .is_some_and(|o| o.period.is_some());
            job.timer()
                .check_start(period_fixed, self.coordinator.is_some())
                .map_err(|e| job_error(spec, e))?;
        }
        for job in &jobs {
            if let Some(o) = self.overrides.get(job.spec().name)
                && !job.timer().is_running()
            {
                job.timer()
                    .check_override(o)
                    .map_err(|e| job_error(job.spec(), e))?;
            }
        }
        // Ask the store once, bounded, before anything changes: an unreachable store is an
        // error here, not a hang and not a stream of skipped slots.
        if let Some(coordinator) = &self.coordinator
            && selected.iter().any(|job| job.spec().coordinated)
        {
            let limit = Duration::from_secs(10);
            let ready = match tokio::time::timeout(limit, coordinator.prepare()).await {
                Ok(ready) => ready.map_err(Arc::from),
                Err(_) => Err(Arc::new(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no answer within {limit:?}"),
                ))
                    as Arc<dyn std::error::Error + Send + Sync>),
            };
            ready.map_err(|source| Error::Coordinator { source })?;
        }
        // Every check passed: only now does anything change.
        for job in &jobs {
            if let Some(o) = self.overrides.get(job.spec().name)
                && !job.timer().is_running()
            {
                job.timer().apply(o).map_err(|e| job_error(job.spec(), e))?;
            }
        }
        for (type_id, value) in self.states.drain(..) {
            state::insert(type_id, value);
        }
        if let Some(coordinator) = &self.coordinator {
            for job in &selected {
                job.timer()
                    .provide_coordinator(coordinator, self.when_unreachable);
            }
        }
        let group = TimerGroup::new("periodic::run_all");
        for job in &selected {
            job.timer().add_to(&group)?;
        }
        // Only a change made meanwhile by another thread can make a start fail now. Then what
        // this call started is stopped, and gone, before the error returns: a retry can start
        // it again at once.
        group
            .start_or_undo()
            .await
            .map_err(|failure| match selected.get(failure.index) {
                Some(job) => job_error(job.spec(), failure.error),
                None => failure.error,
            })?;
        tracing::debug!(jobs = ?group.names(), "run_all started the jobs");
        Ok(group)
    }

    fn read_env(&mut self, prefix: &str, job: &str) -> Result<(), Error> {
        let key: String = job
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        let var = |suffix: &str| {
            let name = format!("{prefix}_{key}_{suffix}");
            std::env::var(&name).ok().map(|v| (name, v))
        };
        let bad = |name: &str, value: &str, expected: &str| {
            Error::invalid(format_args!(
                "job `{job}`: environment variable {name}={value:?} is not {expected}"
            ))
        };
        if let Some((name, v)) = var("PERIOD") {
            let period = humantime::parse_duration(v.trim())
                .map_err(|_| bad(&name, &v, "a duration such as `30s` or `1h 30m`"))?;
            self.job(job).period = Some(period);
        }
        if let Some((name, v)) = var("MODE") {
            let mode = match v.trim() {
                "fixed_delay" => Mode::FixedDelay,
                "fixed_rate" => Mode::FixedRate,
                _ => return Err(bad(&name, &v, "`fixed_delay` or `fixed_rate`")),
            };
            self.job(job).mode = Some(mode);
        }
        if let Some((name, v)) = var("ENABLED") {
            let enabled = match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => true,
                "false" | "0" | "no" | "off" => false,
                _ => return Err(bad(&name, &v, "`true` or `false`")),
            };
            self.job(job).enabled = Some(enabled);
        }
        Ok(())
    }
}
