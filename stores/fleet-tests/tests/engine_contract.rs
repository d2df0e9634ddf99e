//! The engine's contract with a store, as the fleet tests rely on it and first found it broken:
//! `Coordinator::prepare` is called before a timer's first claim — also for a `Timer` started
//! on its own, not only by `run_all` — and no slot is claimed from a store that is not ready.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use periodic::{BoxError, BoxFuture, Coordinator, Mode, RunRecord, Slot, Timer};
use periodic_store_testkit::within;
use tokio::sync::Notify;

/// A store that is not ready (its `prepare` fails) until told otherwise. Counts the calls.
#[derive(Default)]
struct Store {
    ready: AtomicBool,
    prepared: AtomicUsize,
    claimed: AtomicUsize,
    called: Notify,
}

impl Coordinator for Store {
    fn owner(&self) -> &str {
        "replica-1"
    }
    fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        self.prepared.fetch_add(1, Ordering::SeqCst);
        self.called.notify_one();
        let ready = self.ready.load(Ordering::SeqCst);
        Box::pin(async move {
            if ready {
                Ok(())
            } else {
                Err("the runs table cannot be created".into())
            }
        })
    }
    fn claim<'a>(&'a self, _: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
        self.claimed.fetch_add(1, Ordering::SeqCst);
        self.called.notify_one();
        Box::pin(async { Ok(true) })
    }
    fn record<'a>(&'a self, _: &'a Slot, _: &'a RunRecord) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async { Ok(()) })
    }
}

/// Waits (bounded) until `done` holds, woken by each call to the store.
async fn until(store: &Store, what: &str, done: impl Fn(&Store) -> bool) {
    within(Duration::from_secs(10), what, async {
        loop {
            let called = store.called.notified();
            if done(store) {
                return;
            }
            called.await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_timer_prepares_its_store_before_its_first_claim_and_claims_nothing_until_it_is_ready() {
    let store = Arc::new(Store::default());
    let timer = Timer::builder(Duration::from_millis(100), || ())
        .mode(Mode::FixedRate)
        .coordinator(store.clone())
        .build()
        .unwrap();
    timer.start().unwrap();

    // Not ready: asked again at each slot, and nothing claimed meanwhile.
    until(&store, "a second prepare", |s| {
        s.prepared.load(Ordering::SeqCst) >= 2
    })
    .await;
    assert_eq!(
        store.claimed.load(Ordering::SeqCst),
        0,
        "claimed from a store not ready"
    );
    assert!(timer.is_running());

    // Ready: claims follow, and the store is not prepared again.
    store.ready.store(true, Ordering::SeqCst);
    until(&store, "two claims", |s| {
        s.claimed.load(Ordering::SeqCst) >= 2
    })
    .await;
    let prepared = store.prepared.load(Ordering::SeqCst);
    until(&store, "a third claim", |s| {
        s.claimed.load(Ordering::SeqCst) >= 3
    })
    .await;
    assert_eq!(
        store.prepared.load(Ordering::SeqCst),
        prepared,
        "prepared once it was ready"
    );
    timer.cancel().await;
}
