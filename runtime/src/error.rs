//! The one error type of the crate.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A user's error, shared so that [`Error`] stays `Clone` and can be handed to every waiter
/// and subscriber of a failed tick.
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
    AlreadyRunning {
        /// The timer's name.
        name: Arc<str>,
    },

    /// The operation needs a running timer (`join`, `trigger`, …) and this one is stopped.
    NotRunning {
        /// The timer's name.
        name: Arc<str>,
    },

    /// `start()` after the end of a run of a timer built with
    /// [`cancel_on`](crate::TimerBuilder::cancel_on): such timers are single-shot.
    Restart {
        /// The timer's name.
        name: Arc<str>,
    },

    /// The timer stopped while the caller was waiting for a tick.
    Stopped {
        /// The timer's name.
        name: Arc<str>,
    },

    /// A wait, or a blocking call, did not finish within its timeout.
    Timeout(Duration),

    /// One tick ran longer than the timer's [`timeout`](crate::TimerBuilder::timeout) and was
    /// dropped.
    TickTimeout {
        /// The timer's name.
        name: Arc<str>,
        /// The configured tick timeout.
        timeout: Duration,
    },

    /// The target returned an `Err`. The user's error is the [`source`](StdError::source).
    Target {
        /// The timer's name.
        name: Arc<str>,
        /// The error the target returned.
        source: Arc<dyn StdError + Send + Sync + 'static>,
    },

    /// The target panicked. The process and the other timers are unaffected.
    Panicked {
        /// The timer's name.
        name: Arc<str>,
        /// The panic payload, when it was a string; a placeholder otherwise.
        message: Arc<str>,
    },

    /// A `*_blocking` method was called where blocking is impossible or pointless: on a thread
    /// that runs a tokio runtime, before the timer was started, or after its runtime shut down.
    Blocking {
        /// The timer's name.
        name: Arc<str>,
        /// Why the call was refused, and what to use instead.
        reason: &'static str,
    },

    /// `join` or `trigger` was awaited from inside the timer's own target, where it would wait
    /// for the very tick that is waiting on it.
    Reentrant {
        /// The timer's name.
        name: Arc<str>,
    },

    /// The [`RateLimiter`](crate::RateLimiter) was closed (or its last handle dropped) before
    /// the task could run.
    Closed {
        /// The limiter's name.
        name: Arc<str>,
    },

    /// `start()` was called outside a tokio runtime.
    NoRuntime {
        /// The timer's name.
        name: Arc<str>,
    },

    /// Two registered jobs share a name.
    DuplicateName {
        /// The shared name.
        name: Arc<str>,
        /// Where the first definition is (`file:line`).
        first: Arc<str>,
        /// Where the second definition is (`file:line`).
        second: Arc<str>,
    },

    /// A job takes a `State<S>` that was not provided.
    MissingState {
        /// The job's name.
        job: Arc<str>,
        /// The missing type.
        type_name: &'static str,
    },

    /// A job of the registry cannot start: names the job and where it is defined, around the
    /// cause (missing state, already running, no coordinator, …). Returned by `run_all`.
    Job {
        /// The job's name.
        job: Arc<str>,
        /// Where the job is defined (`file:line`).
        defined_at: Arc<str>,
        /// Why it cannot start.
        source: Box<Error>,
    },

    /// A configuration value is out of range (zero period, jitter outside `[0, 1]`, …).
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
                "timer `{name}`: `join`/`trigger` called from inside its own target would wait for itself"
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
    /// For [`Error::Target`], the user's error itself (so `downcast_ref::<YourError>()` works).
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Target { source, .. } => Some(&**source),
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
