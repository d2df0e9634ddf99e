//! What the fleet tests found the engine doing differently from its documentation. Each test
//! states the documented behaviour and is ignored until the engine (or its documentation)
//! changes: `cargo test -p periodic-fleet-tests --test engine_contract -- --ignored` shows it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use periodic::{BoxError, BoxFuture, Coordinator, Mode, RunRecord, Slot, Timer};
use tokio::sync::Notify;

/// A store that is not ready: `prepare` fails. Counts the calls.
#[derive(Default)]
struct NotReady {
    prepared: AtomicUsize,
    claimed: AtomicUsize,
    claim: Notify,
}

impl Coordinator for NotReady {
    fn owner(&self) -> &str {
        "not-ready"
    }
    fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        self.prepared.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Err("the runs table cannot be created".into()) })
    }
    fn claim<'a>(&'a self, _: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
        self.claimed.fetch_add(1, Ordering::SeqCst);
        self.claim.notify_one();
        Box::pin(async { Ok(true) })
    }
    fn record<'a>(&'a self, _: &'a Slot, _: &'a RunRecord) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async { Ok(()) })
    }
}

/// `Coordinator::prepare` says: "Called once when a coordinated timer starts; an error there
/// fails the start." Only `configure().run_all()` calls it: a `Timer` built with
/// `TimerBuilder::coordinator` and started with `Timer::start` never prepares its store, and
/// claims from a store whose `prepare` fails.
#[tokio::test]
#[ignore = "BUG: Timer::start never calls Coordinator::prepare, which its docs say fails the start (only run_all calls it)"]
async fn a_timer_prepares_its_store_before_claiming() {
    let store = Arc::new(NotReady::default());
    let timer = Timer::builder(Duration::from_millis(100), || ())
        .mode(Mode::FixedRate)
        .coordinator(store.clone())
        .build()
        .unwrap();
    let started = timer.start();
    if started.is_ok() {
        // Started anyway: then it must not claim from a store that is not ready.
        let claimed = tokio::time::timeout(Duration::from_secs(2), store.claim.notified()).await;
        timer.cancel().await;
        assert!(
            claimed.is_err(),
            "the timer claimed a slot (prepare called {} times, which failed)",
            store.prepared.load(Ordering::SeqCst)
        );
    }
    assert_eq!(
        store.prepared.load(Ordering::SeqCst),
        1,
        "prepare is called once"
    );
}
