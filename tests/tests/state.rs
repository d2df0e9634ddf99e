//! `State<S>`: any number of state types given to `configure().state(value)`, jobs taking
//! several `State` parameters, one shared instance per type, cheap clones.
//!
//! One test calls `run_all`; the others use `State` directly.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use periodic::{State, every};
use periodic_tests::within;

/// A counter shared by the test and the jobs: proves they see one instance.
#[derive(Debug, Clone)]
struct Counter(Arc<AtomicU64>);
#[derive(Debug)]
struct Prefix(String);
#[derive(Debug)]
struct Scale(u64);
/// A state type that is neither `Clone` nor `Debug`.
struct Opaque {
    secret: u64,
}

#[every(1h)]
async fn count(counter: State<Counter>) -> u64 {
    counter.0.fetch_add(1, Ordering::SeqCst) + 1
}

#[every(1h)]
fn label(prefix: State<Prefix>, scale: State<Scale>, counter: State<Counter>) -> String {
    format!(
        "{}{}",
        prefix.0,
        scale.0 * counter.0.fetch_add(1, Ordering::SeqCst)
    )
}

#[every(1h)]
async fn opaque(o: State<Opaque>, scale: State<Scale>) -> Result<u64, std::io::Error> {
    Ok(o.secret + scale.0)
}

#[tokio::test(start_paused = true)]
async fn several_state_types_are_injected_into_jobs() {
    let counter = Counter(Arc::new(AtomicU64::new(100)));
    let jobs = within(
        periodic::configure()
            .state(counter.clone())
            .state(Prefix("n=".into()))
            .state(Scale(2))
            .state(Opaque { secret: 40 })
            .run_all(),
    )
    .await
    .unwrap();
    assert_eq!(jobs.names(), ["count", "label", "opaque"]);
    within(jobs.wait().hit_count(1)).await.unwrap();
    assert_eq!(opaque.last_result(), Some(42));
    // `count` and `label` share the test's counter: two ticks, two increments of one value.
    assert_eq!(counter.0.load(Ordering::SeqCst), 102);
    let (c, l) = (count.last_result().unwrap(), label.last_result().unwrap());
    assert!(
        (c, l.as_str()) == (101, "n=202") || (c, l.as_str()) == (102, "n=200"),
        "count = {c}, label = {l}"
    );
    // Later ticks see the same instance.
    counter.0.store(500, Ordering::SeqCst);
    assert_eq!(within(count.trigger()).await.unwrap(), 501);
    assert_eq!(within(label.trigger()).await.unwrap(), "n=1002");
    jobs.cancel_all().await;

    // A second value of a type replaces the first.
    let jobs = within(
        periodic::configure()
            .state(Scale(10))
            .filter(|j| j.name == "opaque")
            .run_all(),
    )
    .await
    .unwrap();
    assert_eq!(within(opaque.wait().hits(1)).await.unwrap(), Some(50));
    jobs.cancel_all().await;
}

#[test]
fn cloning_a_state_shares_the_value() {
    let state = State::new(Prefix("shared".into()));
    let clone = state.clone();
    assert_eq!(clone.0, "shared");
    let (a, b) = (state.into_arc(), clone.into_arc());
    assert!(Arc::ptr_eq(&a, &b), "a clone points at the same value");
    assert_eq!(Arc::strong_count(&a), 2, "a clone is one reference count");
    // From an existing Arc, without copying.
    let arc = Arc::new(Scale(3));
    let state: State<Scale> = State::from(arc.clone());
    assert!(Arc::ptr_eq(&state.clone().into_arc(), &arc));
    assert_eq!(state.0, 3);
}

#[test]
fn state_of_a_type_without_clone_or_debug() {
    let state = State::new(Opaque { secret: 7 });
    let clone = state.clone();
    assert_eq!(clone.secret, 7);
    assert_eq!(
        format!("{:?}", State::new(Scale(5))),
        "State(Scale(5))",
        "Debug shows the value"
    );
}

#[tokio::test]
async fn func_takes_the_states_as_parameters() {
    let counter = Counter(Arc::new(AtomicU64::new(0)));
    let s = label.func(
        State::new(Prefix("x".into())),
        State::new(Scale(3)),
        State::new(counter.clone()),
    );
    assert_eq!(s, "x0");
    assert_eq!(count.func(State::new(counter.clone())).await, 2);
    assert_eq!(counter.0.load(Ordering::SeqCst), 2);
}
