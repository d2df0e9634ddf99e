//! The one error type of the crate.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A user's error, shared so that [`Error`] stays `Clone` and can be handed to every waiter
/// and subscriber of a failed tick.
///
/// Any `std::error::Error + Send + Sync + 'static`, and `String` or `&str`, convert into it with
/// `?` or `.into()`; so do `anyhow::Error` and other error types that convert into it.
///
/// # Examples
///
/// ```
/// use periodic::BoxError;
///
/// fn parse(s: &str) -> Result<u32, BoxError> {
///     if s.is_empty() {
///         return Err("empty input".into()); // from a &str
///     }
///     Ok(s.parse()?) // from a ParseIntError
/// }
/// assert_eq!(parse("42").unwrap(), 42);
/// assert_eq!(parse("").unwrap_err().to_string(), "empty input");
/// assert!(parse("x").unwrap_err().is::<std::num::ParseIntError>());
/// ```
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Everything that can go wrong in `periodic`.
///
/// The enum is `#[non_exhaustive]`: match the variants you care about and keep a wildcard arm.
/// It is `Clone` (a target's error is kept behind an [`Arc`]), so one failed tick can be
/// delivered to every waiter, subscriber and hook.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::{Error, Timer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let timer = Timer::new(Duration::from_secs(1), || 1u8);
/// // Not started yet: there is no next tick to wait for.
/// match timer.join().await {
///     Err(Error::NotRunning { name }) => assert_eq!(&*name, timer.name()),
///     other => panic!("unexpected {other:?}"),
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// `start()` was called on a timer that is already running.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Error> {
    /// let timer = Timer::new(Duration::from_secs(1), || ());
    /// timer.start()?;
    /// assert!(matches!(timer.start(), Err(Error::AlreadyRunning { .. })));
    /// # Ok(())
    /// # }
    /// ```
    AlreadyRunning {
        /// The timer's name.
        name: Arc<str>,
    },

    /// The operation needs a running timer (`join`, `trigger`, …) and this one is stopped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Error> {
    /// let timer = Timer::new(Duration::from_secs(1), || ());
    /// assert!(matches!(timer.trigger().await, Err(Error::NotRunning { .. })));
    /// # Ok(())
    /// # }
    /// ```
    NotRunning {
        /// The timer's name.
        name: Arc<str>,
    },

    /// `start()` after the end of a run of a timer built with
    /// [`cancel_on`](crate::TimerBuilder::cancel_on): such timers are single-shot.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Error> {
    /// let timer = Timer::builder(Duration::from_secs(1), || ())
    ///     .cancel_on(std::future::pending::<()>())
    ///     .build()?;
    /// timer.start()?;
    /// timer.cancel().await;
    /// assert!(matches!(timer.start(), Err(Error::Restart { .. })));
    /// # Ok(())
    /// # }
    /// ```
    Restart {
        /// The timer's name.
        name: Arc<str>,
    },

    /// The timer stopped while the caller was waiting for a tick.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Error> {
    /// let timer = Timer::new(Duration::from_secs(3600), || ());
    /// timer.start()?;
    /// let (next, ()) = tokio::join!(timer.join(), timer.cancel());
    /// assert!(matches!(next, Err(Error::Stopped { .. })));
    /// # Ok(())
    /// # }
    /// ```
    Stopped {
        /// The timer's name.
        name: Arc<str>,
    },

    /// A wait, or a blocking call, did not finish within its timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Error> {
    /// let timer = Timer::new(Duration::from_secs(3600), || ());
    /// timer.start()?;
    /// let outcome = timer.wait().hit_count(2).timeout(Duration::from_secs(60)).await;
    /// assert!(matches!(outcome, Err(Error::Timeout(d)) if d == Duration::from_secs(60)));
    /// # Ok(())
    /// # }
    /// ```
    Timeout(Duration),

    /// One tick ran longer than the timer's [`timeout`](crate::TimerBuilder::timeout) and was
    /// dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Error> {
    /// let hangs = || async { std::future::pending::<()>().await };
    /// let timer = Timer::builder(Duration::from_secs(60), hangs)
    ///     .timeout(Duration::from_secs(3))
    ///     .build()?;
    /// timer.start()?;
    /// match timer.join().await {
    ///     Err(Error::TickTimeout { timeout, .. }) => assert_eq!(timeout, Duration::from_secs(3)),
    ///     other => panic!("unexpected {other:?}"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    TickTimeout {
        /// The timer's name.
        name: Arc<str>,
        /// The configured tick timeout.
        timeout: Duration,
    },

    /// The target returned an `Err`. The user's error is the [`source`](StdError::source).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Error> {
    /// use std::error::Error as _;
    ///
    /// let timer = Timer::new(Duration::from_secs(1), || -> std::io::Result<()> {
    ///     Err(std::io::Error::new(std::io::ErrorKind::PermissionDenied, "no access"))
    /// });
    /// timer.start()?;
    /// let err = timer.join().await.unwrap_err();
    /// assert!(matches!(err, Error::Target { .. }));
    /// // The user's own error, typed:
    /// let io = err.source().unwrap().downcast_ref::<std::io::Error>().unwrap();
    /// assert_eq!(io.kind(), std::io::ErrorKind::PermissionDenied);
    /// # Ok(())
    /// # }
    /// ```
    Target {
        /// The timer's name.
        name: Arc<str>,
        /// The error the target returned.
        source: Arc<dyn StdError + Send + Sync + 'static>,
    },

    /// The target panicked. The process and the other timers are unaffected.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Error> {
    /// let timer = Timer::new(Duration::from_secs(1), || -> u32 { panic!("index out of range") });
    /// timer.start()?;
    /// match timer.join().await {
    ///     Err(Error::Panicked { message, .. }) => assert_eq!(&*message, "index out of range"),
    ///     other => panic!("unexpected {other:?}"),
    /// }
    /// assert!(timer.is_running()); // under `OnError::Continue`, the schedule goes on
    /// # Ok(())
    /// # }
    /// ```
    Panicked {
        /// The timer's name.
        name: Arc<str>,
        /// The panic payload, when it was a string; a placeholder otherwise.
        message: Arc<str>,
    },

    /// A `*_blocking` method was called where blocking is impossible or pointless: on a thread
    /// that runs a tokio runtime, before the timer was started, or after its runtime shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// let timer = Timer::new(Duration::from_secs(1), || ());
    /// // Never started: there is nothing to block on.
    /// let refused = timer.cancel_blocking(Duration::from_secs(1));
    /// match refused {
    ///     Err(Error::Blocking { reason, .. }) => assert!(reason.contains("not been started")),
    ///     other => panic!("unexpected {other:?}"),
    /// }
    /// ```
    Blocking {
        /// The timer's name.
        name: Arc<str>,
        /// Why the call was refused, and what to use instead.
        reason: &'static str,
    },

    /// `join`, `trigger` or `wait` was awaited from inside the timer's own target, where it
    /// would wait for the very tick that is waiting on it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::OnceLock;
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Error> {
    /// static TIMER: OnceLock<Timer<bool>> = OnceLock::new();
    /// // A target that triggers its own timer: refused instead of waiting for ever.
    /// let timer = TIMER.get_or_init(|| {
    ///     Timer::new(Duration::from_secs(60), || async {
    ///         let me = TIMER.get().unwrap();
    ///         matches!(me.trigger().await, Err(Error::Reentrant { .. }))
    ///     })
    /// });
    /// timer.start()?;
    /// assert!(timer.join().await?);
    /// # Ok(())
    /// # }
    /// ```
    Reentrant {
        /// The timer's name.
        name: Arc<str>,
    },

    /// The [`RateLimiter`](crate::RateLimiter) was closed (or its last handle dropped) before
    /// the task could run.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, RateLimiter};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Error> {
    /// let limiter = RateLimiter::new(1, Duration::from_secs(1))?.named("api");
    /// limiter.close();
    /// let refused = limiter.run(|| "never runs").await;
    /// assert!(matches!(refused, Err(Error::Closed { name }) if &*name == "api"));
    /// # Ok(())
    /// # }
    /// ```
    Closed {
        /// The limiter's name.
        name: Arc<str>,
    },

    /// `start()` was called outside a tokio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// let timer = Timer::new(Duration::from_secs(1), || ());
    /// assert!(matches!(timer.start(), Err(Error::NoRuntime { .. }))); // plain `fn main`
    /// ```
    NoRuntime {
        /// The timer's name.
        name: Arc<str>,
    },

    /// Two registered jobs share a name. Returned by [`run_all`](crate::run_all), which then
    /// starts nothing.
    ///
    /// # Examples
    ///
    /// ```rust,standalone_crate
    /// use periodic::{Error, every};
    ///
    /// mod billing {
    ///     #[periodic::every(1h, name = "report")]
    ///     pub fn report() {}
    /// }
    /// mod usage {
    ///     #[periodic::every(1h, name = "report")]
    ///     pub fn report() {}
    /// }
    ///
    /// #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() {
    ///     match periodic::run_all().await {
    ///         Err(Error::DuplicateName { name, first, second }) => {
    ///             assert_eq!(&*name, "report");
    ///             assert_ne!(first, second); // both places, as `file:line`
    ///         }
    ///         other => panic!("unexpected {other:?}"),
    ///     }
    ///     assert!(!billing::report.is_running() && !usage::report.is_running());
    /// }
    /// ```
    DuplicateName {
        /// The shared name.
        name: Arc<str>,
        /// Where the first definition is (`file:line`).
        first: Arc<str>,
        /// Where the second definition is (`file:line`).
        second: Arc<str>,
    },

    /// A job takes a `State<S>` that was not provided. Returned by the job's
    /// [`start`](crate::Timer::start); [`run_all`](crate::run_all) wraps it in [`Error::Job`].
    ///
    /// # Examples
    ///
    /// ```rust,standalone_crate
    /// use periodic::{Error, State, every};
    ///
    /// struct Db;
    ///
    /// #[every(1m)]
    /// fn vacuum(_db: State<Db>) {}
    ///
    /// #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() {
    ///     // No `configure().state(Db)` was given:
    ///     match vacuum.start() {
    ///         Err(Error::MissingState { job, type_name }) => {
    ///             assert_eq!(&*job, "vacuum");
    ///             assert!(type_name.ends_with("Db"));
    ///         }
    ///         other => panic!("unexpected {other:?}"),
    ///     }
    /// }
    /// ```
    MissingState {
        /// The job's name.
        job: Arc<str>,
        /// The missing type.
        type_name: &'static str,
    },

    /// A job of the registry cannot start: names the job and where it is defined, around the
    /// cause (missing state, already running, no coordinator, …). Returned by `run_all`.
    ///
    /// # Examples
    ///
    /// ```rust,standalone_crate
    /// use periodic::{Error, State, every};
    ///
    /// struct Db;
    ///
    /// #[every(1m)]
    /// fn vacuum(_db: State<Db>) {}
    ///
    /// #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// async fn main() {
    ///     let err = periodic::run_all().await.unwrap_err(); // forgot `.state(Db)`
    ///     match &err {
    ///         Error::Job { job, defined_at, source } => {
    ///             assert_eq!(&**job, "vacuum");
    ///             assert!(defined_at.contains(".rs:"));
    ///             assert!(matches!(**source, Error::MissingState { .. }));
    ///         }
    ///         other => panic!("unexpected {other:?}"),
    ///     }
    ///     // The message names the job, where it is, and the cause.
    ///     assert!(err.to_string().starts_with("job `vacuum` (defined at "));
    /// }
    /// ```
    Job {
        /// The job's name.
        job: Arc<str>,
        /// Where the job is defined (`file:line`).
        defined_at: Arc<str>,
        /// Why it cannot start.
        source: Box<Error>,
    },

    /// The [`Coordinator`](crate::Coordinator) given to
    /// [`Configure::coordinator`](crate::Configure::coordinator) could not be reached or
    /// prepared when `run_all` started the coordinated jobs (within ten seconds).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::error::Error as _;
    ///
    /// let err = periodic::Error::Coordinator {
    ///     source: std::sync::Arc::new(std::io::Error::other("connection refused")),
    /// };
    /// assert_eq!(err.to_string(), "the coordinator could not be reached: connection refused");
    /// assert!(err.source().is_some());
    /// ```
    Coordinator {
        /// What the coordinator reported (or a timeout).
        source: Arc<dyn StdError + Send + Sync + 'static>,
    },

    /// A configuration value is out of range (zero period, jitter outside `[0, 1]`, …).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// let err = Timer::builder(Duration::ZERO, || ()).build().unwrap_err();
    /// assert!(matches!(&err, Error::InvalidConfig(why) if why.contains("period")));
    /// ```
    InvalidConfig(Arc<str>),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::AlreadyRunning { name } => write!(f, "timer `{name}` is already running"),
            Error::NotRunning { name } => write!(f, "timer `{name}` is not running"),
            Error::Restart { name } => write!(
                f,
                "timer `{name}` was built with `cancel_on` and cannot be restarted"
            ),
            Error::Stopped { name } => write!(f, "timer `{name}` stopped while waiting"),
            Error::Timeout(d) => write!(f, "timed out after {d:?}"),
            Error::TickTimeout { name, timeout } => write!(
                f,
                "a tick of timer `{name}` exceeded its timeout of {timeout:?} and was dropped"
            ),
            Error::Coordinator { source } => {
                write!(f, "the coordinator could not be reached: {source}")
            }
            Error::Target { name, source } => {
                write!(f, "a tick of timer `{name}` failed: {source}")
            }
            Error::Panicked { name, message } => {
                write!(f, "a tick of timer `{name}` panicked: {message}")
            }
            Error::Blocking { name, reason } => {
                write!(f, "blocking call on timer `{name}` refused: {reason}")
            }
            Error::Reentrant { name } => write!(
                f,
                "timer `{name}`: `join`/`trigger`/`wait` called from inside its own target would wait for itself"
            ),
            Error::Closed { name } => write!(
                f,
                "rate limiter `{name}` was closed before the task could run"
            ),
            Error::NoRuntime { name } => write!(
                f,
                "timer `{name}` must be started from within a tokio runtime"
            ),
            Error::DuplicateName {
                name,
                first,
                second,
            } => write!(
                f,
                "duplicate job name `{name}`: defined at {first} and at {second}"
            ),
            Error::MissingState { job, type_name } => write!(
                f,
                "job `{job}` needs state of type `{type_name}`, which was not provided"
            ),
            Error::Job {
                job,
                defined_at,
                source,
            } => write!(f, "job `{job}` (defined at {defined_at}): {source}"),
            Error::InvalidConfig(msg) => write!(f, "invalid configuration: {msg}"),
        }
    }
}

impl StdError for Error {
    /// For [`Error::Target`], the user's error itself (so `downcast_ref::<YourError>()` works);
    /// for [`Error::Job`], the cause; `None` for the other variants.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::error::Error as _;
    /// use std::time::Duration;
    /// use periodic::{Error, Timer};
    ///
    /// #[derive(Debug)]
    /// struct Quota;
    /// impl std::fmt::Display for Quota {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         f.write_str("quota exceeded")
    ///     }
    /// }
    /// impl std::error::Error for Quota {}
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Error> {
    /// let timer = Timer::new(Duration::from_secs(1), || Err::<u8, _>(Quota));
    /// timer.start()?;
    /// let err = timer.join().await.unwrap_err();
    /// assert!(err.source().unwrap().is::<Quota>());
    /// assert!(Error::Timeout(Duration::from_secs(1)).source().is_none());
    /// # Ok(())
    /// # }
    /// ```
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Target { source, .. } => Some(&**source),
            Error::Coordinator { source } => Some(&**source),
            Error::Job { source, .. } => Some(&**source),
            _ => None,
        }
    }
}

impl Error {
    pub(crate) fn invalid(msg: impl fmt::Display) -> Self {
        Error::InvalidConfig(msg.to_string().into())
    }
}
