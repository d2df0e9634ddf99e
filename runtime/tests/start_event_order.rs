//! The "timer started" event comes before anything of the run it announces, also when the run
//! goes to another thread at once. Its own test binary: it installs a global subscriber.
//!
//! Found in review (94e1fc8 logged the event after spawning the run): the subscriber here takes
//! 200 ms over "timer started", which, with the event logged after the spawn, let the worker tick
//! and stop the run first. With the event logged before the spawn the order holds however long
//! the subscriber takes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use periodic::{OnError, Timer};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

#[derive(Clone, Default)]
struct Order(Arc<Mutex<Vec<String>>>);

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
            // A subscriber that takes a while (I/O, a lock): the worker runs meanwhile.
            if m.0 == "timer started" {
                std::thread::sleep(Duration::from_millis(200));
            }
            self.0.lock().unwrap().push(m.0);
        }
    }
}

#[test]
fn started_is_logged_before_the_run_ticks_or_stops() {
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
        // The first tick fails and stops the timer; `cancel` returns once the run is gone.
        let _ = timer.join().await;
        timer.cancel().await;
    });
    let got = order.0.lock().unwrap().clone();
    assert_eq!(got, ["timer started", "timer stopped"]);
}
