//! `crate = "..."`: jobs declared through a crate that re-exports `periodic`.
//!
//! The jobs of `periodic-reexport-user` are declared in a crate that does not depend on
//! `periodic` (so `::periodic` does not resolve there): it compiling at all proves the expansion
//! goes through the `crate` path only. Here they are registered, called and run; this file also
//! declares one job through the re-export itself.

use std::sync::atomic::Ordering;
use std::time::Duration;

use periodic_reexport::periodic::{State, Timer};
use periodic_reexport_user::absolute::{through_absolute, through_renamed};
use periodic_reexport_user::{Factor, REEXPORT_CALLS, THROUGH_REEXPORT_LINE, through_reexport};
use periodic_tests::within;
use tokio::time::Instant;

#[periodic_reexport::periodic::every(5s, name = "local_through_reexport", crate = "periodic_reexport::periodic")]
fn local_job() -> &'static str {
    "local"
}

#[test]
fn jobs_declared_through_a_reexport_are_registered() {
    let jobs: Vec<_> = periodic_reexport::periodic::registry()
        .into_iter()
        .map(|j| (j.name, j.module_path, j.period))
        .collect();
    assert_eq!(
        jobs,
        [
            ("local_through_reexport", "reexport", Duration::from_secs(5)),
            (
                "user_through_absolute",
                "periodic_reexport_user::absolute",
                Duration::from_millis(250)
            ),
            (
                "user_through_reexport",
                "periodic_reexport_user",
                Duration::from_secs(1)
            ),
            (
                "user_through_renamed",
                "periodic_reexport_user::absolute",
                Duration::from_secs(2)
            ),
        ]
    );
    // The same registry as `periodic`'s own.
    assert_eq!(periodic::registry().len(), 4);
    let info = periodic::registry()
        .into_iter()
        .find(|j| j.name == "user_through_reexport")
        .unwrap();
    assert_eq!(info.line, THROUGH_REEXPORT_LINE);
    assert!(info.file.ends_with("lib.rs"), "{}", info.file);
}

#[tokio::test]
async fn handles_keep_their_signatures_and_timer_types() {
    let before = REEXPORT_CALLS.load(Ordering::SeqCst);
    let n: u32 = through_reexport.func();
    assert!(n > before, "{n} after {before}");
    let r: Result<u32, std::io::Error> = through_absolute.func(State::new(Factor(5))).await;
    assert_eq!(r.unwrap(), 15);
    let s: &'static str = through_renamed.func().await;
    assert_eq!(s, "renamed");
    assert_eq!(local_job.func(), "local");
    // `periodic_reexport::periodic::Timer` is `periodic::Timer`.
    let _: &Timer<u32> = &through_reexport;
    let _: &periodic::Timer<u32> = &through_absolute;
    let _: &periodic::Timer<&'static str> = &through_renamed;
    assert_eq!(through_absolute.mode(), periodic::Mode::FixedRate);
}

#[tokio::test(start_paused = true)]
async fn run_all_through_the_reexport() {
    let t0 = Instant::now();
    let jobs = within(
        periodic_reexport::periodic::configure()
            .state(Factor(7))
            .run_all(),
    )
    .await
    .unwrap();
    assert_eq!(
        jobs.names(),
        [
            "local_through_reexport",
            "user_through_absolute",
            "user_through_reexport",
            "user_through_renamed",
        ]
    );
    // Fixed rate at 250 ms: the fifth tick is due at 1 s.
    within(through_absolute.wait().hit_count(5)).await.unwrap();
    assert_eq!(Instant::now() - t0, Duration::from_secs(1));
    assert_eq!(through_absolute.last_result(), Some(21));
    assert_eq!(through_renamed.last_result(), Some("renamed"));
    assert_eq!(local_job.last_result(), Some("local"));
    assert!(through_reexport.hit_count() >= 1);
    jobs.shutdown(Duration::from_secs(1)).await;
    assert!(!through_reexport.is_running());
}
