//! A job whose `State<S>` was not provided: `run_all` refuses, naming the job, where it is
//! defined and the missing type, and starts nothing. Starting the job through its handle is
//! refused the same way.
//!
//! State is process-wide and never removed, so the steps run in order, in one test.

use periodic::{Error, State, every};
use periodic_tests::{job_error, within};

const FILE: &str = file!();

#[derive(Debug)]
struct Alpha(u32);
#[derive(Debug)]
struct Beta(u32);

#[every(1h)]
fn a_plain() -> u8 {
    1
}

const NEEDS_TWO_LINE: u32 = line!() + 1;
#[every(1h)]
async fn m_needs_two(a: State<Alpha>, b: State<Beta>) -> u32 {
    a.0 * 10 + b.0
}

#[every(1h)]
fn z_needs_beta(b: State<Beta>) -> u32 {
    b.0
}

fn nothing_runs() {
    assert!(!a_plain.is_running());
    assert!(!m_needs_two.is_running());
    assert!(!z_needs_beta.is_running());
}

/// Checks that `err` is a missing-state refusal of `m_needs_two` naming `type_name`.
fn assert_missing(err: &Error, type_name: &str) {
    let defined_at = format!("{FILE}:{NEEDS_TWO_LINE}");
    let (at, source) = job_error(err, "m_needs_two");
    assert_eq!(at, defined_at);
    match source {
        Error::MissingState { job, type_name: t } => {
            assert_eq!(&**job, "m_needs_two");
            assert_eq!(*t, type_name);
        }
        other => panic!("expected MissingState, got {other:?}"),
    }
    let message = err.to_string();
    for part in ["m_needs_two", defined_at.as_str(), type_name] {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn missing_state_is_refused_naming_the_job_and_the_type() {
    // Through the handle, before any state exists.
    match z_needs_beta.start() {
        Err(Error::MissingState { job, type_name }) => {
            assert_eq!(&*job, "z_needs_beta");
            assert_eq!(type_name, std::any::type_name::<Beta>());
            assert_eq!(type_name, "refuse_state::Beta");
        }
        other => panic!("expected MissingState, got {other:?}"),
    }

    // No state at all: the first selected job missing state is named, with its first type.
    let err = within(periodic::run_all()).await.unwrap_err();
    assert_missing(&err, "refuse_state::Alpha");
    nothing_runs();

    // The wrong type does not count; the job still lacks Alpha.
    let err = within(periodic::configure().state(Beta(1)).run_all())
        .await
        .unwrap_err();
    assert_missing(&err, "refuse_state::Alpha");
    nothing_runs();

    // A filter that leaves the job out lets the others start.
    let jobs = within(
        periodic::configure()
            .state(Beta(1))
            .filter(|j| j.name != "m_needs_two")
            .run_all(),
    )
    .await
    .unwrap();
    assert_eq!(jobs.names(), ["a_plain", "z_needs_beta"]);
    jobs.cancel_all().await;

    // Every state provided: all start, and each job gets its values.
    let jobs = within(
        periodic::configure()
            .state(Alpha(4))
            .state(Beta(2))
            .run_all(),
    )
    .await
    .unwrap();
    assert_eq!(jobs.names(), ["a_plain", "m_needs_two", "z_needs_beta"]);
    within(jobs.wait().hits(1)).await.unwrap();
    assert_eq!(m_needs_two.last_result(), Some(42));
    assert_eq!(z_needs_beta.last_result(), Some(2));
    jobs.cancel_all().await;
    nothing_runs();
}
