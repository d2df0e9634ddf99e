//! A `run_all` that fails because a job cannot start (SPEC §2: "fails with a clear error, and
//! starts nothing"): the error names the job, nothing runs when it returns, no override was
//! applied, and a retry works at once.

use std::time::Duration;

use periodic::{Error, every};
use periodic_tests::{job_error, within};

// A period given as an expression is only checked at start: this job cannot start.
#[every(Duration::ZERO)]
fn b_zero() {}

#[every(5s)]
fn a_fine() {}

#[tokio::test(start_paused = true)]
async fn a_failed_run_all_leaves_nothing_running_names_the_job_and_allows_a_retry() {
    let err = within(
        periodic::configure()
            .period("a_fine", Duration::from_secs(60))
            .run_all(),
    )
    .await
    .unwrap_err();
    let (defined_at, source) = job_error(&err, "b_zero");
    assert!(defined_at.contains("run_all_failure.rs"), "{defined_at}");
    assert!(matches!(source, Error::InvalidConfig(_)), "{source:?}");
    // Nothing was started, and nothing changed.
    assert!(!a_fine.is_running() && !b_zero.is_running());
    assert_eq!(a_fine.period(), Duration::from_secs(5));
    assert_eq!(a_fine.hit_count(), 0);

    // The same call fails the same way (not `AlreadyRunning`).
    let again = within(periodic::run_all()).await.unwrap_err();
    job_error(&again, "b_zero");

    // Fixed at once by an override: nothing is left over from the failures.
    let jobs = within(
        periodic::configure()
            .period("b_zero", Duration::from_secs(1))
            .run_all(),
    )
    .await
    .unwrap();
    assert_eq!(jobs.names(), ["a_fine", "b_zero"]);
    within(jobs.wait().hit_count(1)).await.unwrap();
    jobs.cancel_all().await;
}
