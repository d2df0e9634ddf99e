//! Helpers shared by the cross-crate integration tests in `tests/`.

use std::future::IntoFuture;
use std::time::Duration;

/// `s` seconds.
pub const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// `m` milliseconds.
pub const fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

/// Awaits `f`, failing the test instead of hanging if the library never completes it. Under
/// paused time the week-long limit costs nothing; it exceeds every period the tests use.
pub async fn within<F: IntoFuture>(f: F) -> F::Output {
    tokio::time::timeout(secs(7 * 24 * 3600), f.into_future())
        .await
        .expect("the future never completed: the library hung")
}

/// A `run_all` filter that selects the jobs named in `names`, so that each test starts only its
/// own jobs.
pub fn only(names: &'static [&'static str]) -> impl Fn(&periodic::JobInfo) -> bool + Send + Sync {
    move |j| names.contains(&j.name)
}

/// Unwraps `err`, which must be an [`Error::Job`](periodic::Error::Job) naming `job`: where the
/// job is defined, and the cause.
pub fn job_error<'e>(err: &'e periodic::Error, job: &str) -> (&'e str, &'e periodic::Error) {
    match err {
        periodic::Error::Job {
            job: named,
            defined_at,
            source,
        } => {
            assert_eq!(&**named, job, "{err:?}");
            (defined_at, source)
        }
        other => panic!("expected Error::Job of `{job}`, got {other:?}"),
    }
}
