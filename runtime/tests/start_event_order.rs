//! The "timer started" event comes before anything of the run it announces, also when the run
//! goes to another thread at once. Its own test binary: it installs a global subscriber.
//!
//! Found in review (94e1fc8 logged the event after spawning the run, so on a multi-threaded
//! runtime a worker could tick and stop the run before a subscriber saw the start): when the
//! event is seen, the run's task must not exist yet. The subscriber counts the runtime's live
//! tasks at that moment: 0 before the spawn, 1 after it — or 0 again if a worker already ran
//! the run to its end, and then "timer stopped" came first, which the order check catches.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use periodic::{OnError, Timer};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// The "timer …" events in order, each with the runtime's live tasks when it was seen.
#[derive(Clone, Default)]
struct Order(Arc<Mutex<Vec<(String, usize)>>>);

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for Order {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut m = Message(String::new());
        event.record(&mut m);
        if m.0.starts_with("timer ") {
            let tasks = tokio::runtime::Handle::current()
                .metrics()
                .num_alive_tasks();
            self.0.lock().unwrap().push((m.0, tasks));
        }
    }
}

#[test]
fn started_is_logged_before_the_run_is_spawned() {
    let order = Order::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(order.clone()))
        .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_time()
        .build()
        .unwrap();
    let timer = Timer::builder(Duration::from_secs(1), || -> Result<(), std::io::Error> {
        Err(std::io::Error::other("fatal"))
    })
    .on_error(OnError::Stop)
    .build()
    .unwrap();
    // Started from this thread, not a worker: the run goes to the worker at once.
    let _enter = rt.enter();
    timer.start().unwrap();
    rt.block_on(async {
        // The first tick fails and stops the timer; `cancel` returns once the run is gone. The
        // bound only turns a hang into a failure.
        let ended = tokio::time::timeout(Duration::from_secs(10), async {
            let _ = timer.join().await;
            timer.cancel().await;
        })
        .await;
        assert!(ended.is_ok(), "the run never ended");
    });
    let got = order.0.lock().unwrap().clone();
    let names: Vec<&str> = got.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["timer started", "timer stopped"]);
    assert_eq!(
        got[0].1, 0,
        "the run was spawned before its start was logged"
    );
}
