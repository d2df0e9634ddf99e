//! A `run_all` that fails changes no job: its overrides are applied only once every check has
//! passed (a refused override of a later job, or a store that is down).

use std::time::Duration;

use periodic::{BoxError, BoxFuture, Coordinator, Error, Mode, RunRecord, Slot, every};
use periodic_tests::within;

#[every(5s)]
fn a_plain() {}

#[every(1h, mode = "fixed_rate", coordinated = true)]
fn z_coordinated() {}

/// A store whose `prepare` fails.
struct Down;

impl Coordinator for Down {
    fn owner(&self) -> &str {
        "down"
    }
    fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        Box::pin(async { Err("connection refused".into()) })
    }
    fn claim<'a>(&'a self, _: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
        Box::pin(async { Err("down".into()) })
    }
    fn record<'a>(&'a self, _: &'a Slot, _: &'a RunRecord) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async { Err("down".into()) })
    }
}

#[tokio::test(start_paused = true)]
async fn a_refused_override_of_a_later_job_leaves_the_earlier_ones_unapplied() {
    let err = within(
        periodic::configure()
            .period("a_plain", Duration::from_secs(60))
            .mode("z_coordinated", Mode::FixedDelay) // refused: coordinated needs fixed-rate
            .enabled("z_coordinated", false)
            .run_all(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Job { job, .. } if &**job == "z_coordinated"),
        "{err:?}"
    );
    assert!(!a_plain.is_running());
    assert_eq!(a_plain.period(), Duration::from_secs(5));
    assert_eq!(z_coordinated.mode(), Mode::FixedRate);
}

#[tokio::test(start_paused = true)]
async fn a_store_that_is_down_leaves_the_overrides_unapplied() {
    let err = within(
        periodic::configure()
            .period("a_plain", Duration::from_secs(60))
            .period("z_coordinated", Duration::from_secs(120))
            .coordinator(Down)
            .run_all(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Coordinator { .. }), "{err:?}");
    assert!(!a_plain.is_running() && !z_coordinated.is_running());
    assert_eq!(a_plain.period(), Duration::from_secs(5));
    assert_eq!(z_coordinated.period(), Duration::from_secs(3600));
}
