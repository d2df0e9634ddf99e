//! `run_all` with a coordinator: the store is asked once before anything starts, an
//! unreachable or silent store is an error rather than a hang, and the coordinated jobs then
//! claim their slots through it.

use std::time::Duration;

use periodic::{
    BoxError, BoxFuture, Coordinator, Error, InMemoryCoordinator, RunRecord, Slot, every,
};
use periodic_tests::{only, within};

#[every(1m, mode = "fixed_rate", coordinated = true)]
async fn prune() -> u32 {
    7
}

#[every(1h)]
fn local() {}

#[every(1m, mode = "fixed_rate", coordinated = true, offset = 15s)]
fn quarter_past() -> std::time::SystemTime {
    // The engine's wall clock follows tokio's paused clock: the system clock plus how far
    // tokio's clock has run ahead of the real one.
    let ahead = tokio::time::Instant::now().into_std() - std::time::Instant::now();
    std::time::SystemTime::now() + ahead
}

/// A store that is down (`prepare` fails) or silent (`prepare` never answers).
struct Down {
    silent: bool,
}

impl Coordinator for Down {
    fn owner(&self) -> &str {
        "down"
    }
    fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        if self.silent {
            Box::pin(std::future::pending())
        } else {
            Box::pin(async { Err("connection refused (127.0.0.1:5432)".into()) })
        }
    }
    fn claim<'a>(&'a self, _: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
        Box::pin(async { Err("down".into()) })
    }
    fn record<'a>(&'a self, _: &'a Slot, _: &'a RunRecord) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async { Err("down".into()) })
    }
}

#[tokio::test(start_paused = true)]
async fn the_store_is_asked_once_before_anything_starts() {
    // Down: a clear error naming the cause; nothing started.
    let err = within(
        periodic::configure()
            .coordinator(Down { silent: false })
            .filter(only(&["prune", "local"]))
            .run_all(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Coordinator { .. }), "{err:?}");
    assert!(err.to_string().contains("connection refused"), "{err}");
    assert!(!prune.is_running() && !local.is_running());

    // Silent: the same error after ten seconds, not a hang.
    let before = tokio::time::Instant::now();
    let err = within(
        periodic::configure()
            .coordinator(Down { silent: true })
            .filter(only(&["prune", "local"]))
            .run_all(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Coordinator { .. }), "{err:?}");
    assert_eq!(before.elapsed(), Duration::from_secs(10));
    assert!(!prune.is_running() && !local.is_running());

    // Without coordinated jobs the store is not asked at all.
    let jobs = within(
        periodic::configure()
            .coordinator(Down { silent: true })
            .filter(only(&["local"]))
            .run_all(),
    )
    .await
    .unwrap();
    jobs.cancel_all().await;

    // Reachable: the coordinated job claims its slots and runs them.
    let store = InMemoryCoordinator::new("replica-1");
    let jobs = within(
        periodic::configure()
            .coordinator(store.clone())
            .filter(only(&["prune", "local"]))
            .run_all(),
    )
    .await
    .unwrap();
    assert_eq!(within(prune.join()).await.unwrap(), 7);
    assert_eq!(within(prune.join()).await.unwrap(), 7);
    let claimed = store.claimed("prune");
    assert_eq!(claimed.len(), 2);
    assert_eq!(claimed[1], claimed[0] + 1, "consecutive minutes");
    jobs.cancel_all().await;
}

#[tokio::test(start_paused = true)]
async fn the_offset_shifts_the_slots_from_the_whole_minute() {
    let store = InMemoryCoordinator::new("replica-1");
    let jobs = within(
        periodic::configure()
            .coordinator(store)
            .filter(only(&["quarter_past"]))
            .run_all(),
    )
    .await
    .unwrap();
    for _ in 0..3 {
        let ran_at = within(quarter_past.join()).await.unwrap();
        let ms = ran_at
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            % 60_000;
        // Tokio's timer rounds a deadline up to its millisecond.
        assert!(
            (15_000..15_002).contains(&ms),
            "ran {ms} ms into the minute"
        );
    }
    jobs.cancel_all().await;
}
