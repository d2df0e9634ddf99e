//! `run_all` refuses a job that is already running and a coordinated job without a
//! coordinator, naming the job and where it is defined, and starts nothing.
//!
//! Each test selects its own jobs with a filter, so the tests are independent. The refused job
//! sorts last, so a `run_all` that started jobs one by one before checking would be caught.

use periodic::{Error, State, every};
use periodic_tests::{job_error, only, within};

const FILE: &str = file!();

// ---------------------------------------------------------------------------------------------

#[every(1h)]
fn a_ok1() {}

const BUSY_LINE: u32 = line!() + 1;
#[every(1h)]
fn z_busy() {}

#[tokio::test(start_paused = true)]
async fn a_job_already_running_is_refused() {
    z_busy.start().unwrap();
    let err = within(
        periodic::configure()
            .filter(only(&["a_ok1", "z_busy"]))
            .run_all(),
    )
    .await
    .unwrap_err();
    let (defined_at, source) = job_error(&err, "z_busy");
    assert_eq!(defined_at, format!("{FILE}:{BUSY_LINE}"));
    assert!(
        matches!(source, Error::AlreadyRunning { name } if &**name == "z_busy"),
        "{source:?}"
    );
    let message = err.to_string();
    assert!(message.contains("z_busy"), "{message}");
    assert!(
        message.contains(&format!("{FILE}:{BUSY_LINE}")),
        "{message}"
    );
    assert!(!a_ok1.is_running(), "nothing else was started");
    z_busy.cancel().await;

    // Once it stopped, the same call succeeds.
    let jobs = within(
        periodic::configure()
            .filter(only(&["a_ok1", "z_busy"]))
            .run_all(),
    )
    .await
    .unwrap();
    assert_eq!(jobs.names(), ["a_ok1", "z_busy"]);
    jobs.cancel_all().await;
}

// ---------------------------------------------------------------------------------------------

#[every(1h)]
fn b_ok3() {}

const COORD_LINE: u32 = line!() + 1;
#[every(1h, mode = "fixed_rate", coordinated = true)]
fn z_coord() {}

#[tokio::test(start_paused = true)]
async fn a_coordinated_job_without_a_coordinator_is_refused() {
    let err = within(
        periodic::configure()
            .filter(only(&["b_ok3", "z_coord"]))
            .run_all(),
    )
    .await
    .unwrap_err();
    let (defined_at, source) = job_error(&err, "z_coord");
    assert_eq!(defined_at, format!("{FILE}:{COORD_LINE}"));
    match source {
        Error::InvalidConfig(msg) => assert!(msg.contains("coordinat"), "{msg}"),
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
    assert!(!b_ok3.is_running());
    assert!(!z_coord.is_running());
    // Left out by the filter, it does not block the others.
    let jobs = within(periodic::configure().filter(only(&["b_ok3"])).run_all())
        .await
        .unwrap();
    assert_eq!(jobs.names(), ["b_ok3"]);
    jobs.cancel_all().await;
    // Nor can it start through its handle: it would run on every replica.
    match z_coord.start() {
        Err(Error::InvalidConfig(msg)) => assert!(msg.contains("coordinat"), "{msg}"),
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
    assert!(!z_coord.is_running());
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Setting(u32);

#[every(1h)]
fn s_reads(setting: State<Setting>) -> u32 {
    setting.0
}

#[every(1h)]
fn s_other() {}

#[tokio::test(start_paused = true)]
async fn a_refused_run_all_changes_nothing() {
    let jobs = within(
        periodic::configure()
            .state(Setting(1))
            .filter(only(&["s_reads"]))
            .run_all(),
    )
    .await
    .unwrap();
    assert_eq!(within(s_reads.trigger()).await.unwrap(), 1);
    // Refused: s_reads is running.
    let err = within(
        periodic::configure()
            .state(Setting(2))
            .filter(only(&["s_other", "s_reads"]))
            .run_all(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Job { .. }), "{err:?}");
    assert!(!s_other.is_running());
    // The running job still sees the state it was started with.
    assert_eq!(within(s_reads.trigger()).await.unwrap(), 1);
    jobs.cancel_all().await;
}
