//! The registry across modules and crates: jobs defined in several modules of this test and in
//! several modules of the library crate `periodic-test-jobs` are all listed by
//! `periodic::registry()` (sorted by name, with module, file and line) and started by
//! `periodic::run_all()`, whose group waits for, triggers and shuts down all of them.
//!
//! Only one test of this file calls `run_all`; the others read the registry or call `func`.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use periodic::{Error, JobInfo, Mode, Timer, every};
use periodic_test_jobs::reports::ReportConfig;
use periodic_test_jobs::{cache, reports};
use periodic_tests::{job_error, within};
use tokio::time::Instant;

const FILE: &str = file!();

static DELTA_CALLS: AtomicU32 = AtomicU32::new(0);

const CHARLIE_LINE: u32 = line!() + 1;
#[every(30s)]
fn charlie_local() -> u32 {
    3
}

mod first {
    use super::{DELTA_CALLS, Ordering};

    pub(crate) const DELTA_LINE: u32 = line!() + 1;
    #[periodic::every(20s, mode = "fixed_rate")]
    pub(crate) async fn delta_first() -> u32 {
        DELTA_CALLS.fetch_add(1, Ordering::SeqCst) + 1
    }

    pub(crate) mod deeper {
        pub(crate) const FOXTROT_LINE: u32 = line!() + 1;
        #[periodic::every(1m, name = "foxtrot_deeper")]
        pub(crate) fn deeper_job() -> Result<&'static str, std::io::Error> {
            Ok("deep")
        }
    }
}

mod second {
    pub(crate) const AARDVARK_LINE: u32 = line!() + 1;
    #[periodic::every(45s)]
    pub(crate) async fn aardvark_second() -> u8 {
        1
    }
}

fn expected_names() -> Vec<&'static str> {
    let mut names = vec![
        "aardvark_second",
        "charlie_local",
        "delta_first",
        "foxtrot_deeper",
    ];
    names.extend(periodic_test_jobs::JOB_NAMES);
    names.sort_unstable();
    names
}

fn info(name: &str) -> JobInfo {
    periodic::registry()
        .into_iter()
        .find(|j| j.name == name)
        .unwrap_or_else(|| panic!("no job {name} in the registry"))
}

#[test]
fn registry_lists_every_job_of_every_module_and_crate_sorted_by_name() {
    let names: Vec<_> = periodic::registry().into_iter().map(|j| j.name).collect();
    assert_eq!(
        names,
        [
            "aardvark_second",
            "alpha_refresh",
            "bravo_root",
            "charlie_local",
            "delta_first",
            "echo_report",
            "foxtrot_deeper",
            "golf_sync",
        ]
    );
    assert_eq!(names, expected_names());
}

#[test]
fn registry_gives_source_file_line_and_module() {
    let cases: [(&str, &str, u32, &str); 8] = [
        (
            "aardvark_second",
            FILE,
            second::AARDVARK_LINE,
            "registry::second",
        ),
        ("charlie_local", FILE, CHARLIE_LINE, "registry"),
        ("delta_first", FILE, first::DELTA_LINE, "registry::first"),
        (
            "foxtrot_deeper",
            FILE,
            first::deeper::FOXTROT_LINE,
            "registry::first::deeper",
        ),
        (
            "alpha_refresh",
            cache::FILE,
            cache::ALPHA_REFRESH_LINE,
            "periodic_test_jobs::cache",
        ),
        (
            "golf_sync",
            cache::FILE,
            cache::GOLF_SYNC_LINE,
            "periodic_test_jobs::cache",
        ),
        (
            "echo_report",
            reports::FILE,
            reports::ECHO_REPORT_LINE,
            "periodic_test_jobs::reports",
        ),
        (
            "bravo_root",
            periodic_test_jobs::LIB_FILE,
            periodic_test_jobs::BRAVO_ROOT_LINE,
            "periodic_test_jobs",
        ),
    ];
    for (name, file, line, module) in cases {
        let job = info(name);
        assert_eq!(job.file, file, "{name}: file");
        assert_eq!(job.line, line, "{name}: line of the #[every] attribute");
        assert_eq!(job.module_path, module, "{name}: module");
    }
    assert!(FILE.ends_with("registry.rs"), "{FILE}");
    assert!(cache::FILE.ends_with("cache.rs"), "{}", cache::FILE);
}

#[test]
fn registry_gives_the_declared_period_and_mode() {
    let alpha = info("alpha_refresh");
    assert_eq!(
        (alpha.period, alpha.mode),
        (Duration::from_secs(10), Mode::FixedRate)
    );
    let echo = info("echo_report");
    assert_eq!(
        (echo.period, echo.mode),
        (Duration::from_secs(5400), Mode::FixedDelay)
    );
    let delta = info("delta_first");
    assert_eq!(
        (delta.period, delta.mode),
        (Duration::from_secs(20), Mode::FixedRate)
    );
    assert!(periodic::registry().iter().all(|j| j.autostart));
}

#[tokio::test]
async fn pub_jobs_of_another_crate_are_usable_through_their_handles() {
    // `func` with the original signatures, across the crate boundary.
    let n: u64 = cache::alpha_refresh.func().await;
    assert!(n >= 1);
    let s: Result<String, std::io::Error> = cache::golf_sync.func();
    assert_eq!(s.unwrap(), "golf");
    let r: Result<u32, std::io::Error> = reports::echo_report
        .func(periodic::State::new(ReportConfig { base: 4 }))
        .await;
    assert_eq!(r.unwrap(), 8);
    assert_eq!(periodic_test_jobs::root_job.func(), "root");
    // And their timers, with the Ok type as value type.
    let t: &Timer<String> = &cache::golf_sync;
    assert_eq!(t.name(), "golf_sync");
    let t: &Timer<u32> = &reports::echo_report;
    assert_eq!(t.period(), Duration::from_secs(5400));
    let t: &Timer<&'static str> = &periodic_test_jobs::root_job;
    assert_eq!(t.name(), "bravo_root");
}

#[tokio::test(start_paused = true)]
async fn run_all_starts_every_job_and_returns_a_working_group() {
    let t0 = Instant::now();
    let jobs = within(
        periodic::configure()
            .state(ReportConfig { base: 21 })
            .run_all(),
    )
    .await
    .unwrap();
    // The group holds every job, in the registry's order.
    assert_eq!(jobs.names(), expected_names());
    assert!(jobs.is_running());
    assert!(cache::alpha_refresh.is_running());
    assert!(first::delta_first.is_running());

    // wait: every member's first tick (echo_report has a 1 s initial delay).
    let outcomes = within(jobs.wait().hit_count(1).timeout(Duration::from_secs(10)))
        .await
        .unwrap();
    let names: Vec<_> = outcomes.iter().map(|o| o.name.to_string()).collect();
    assert_eq!(names, expected_names());
    assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:?}");
    assert_eq!(Instant::now() - t0, Duration::from_secs(1));
    assert_eq!(reports::echo_report.last_result(), Some(42));
    assert_eq!(charlie_local.last_result(), Some(3));
    assert_eq!(first::deeper::deeper_job.last_result(), Some("deep"));
    assert_eq!(cache::golf_sync.last_result().as_deref(), Some("golf"));
    assert_eq!(periodic_test_jobs::root_job.last_result(), Some("root"));
    assert_eq!(second::aardvark_second.hit_count(), 1);

    // trigger: one more tick of every member, now.
    let before_trigger = Instant::now();
    within(jobs.trigger()).await.unwrap();
    assert_eq!(
        Instant::now(),
        before_trigger,
        "triggered ticks run at once"
    );
    assert_eq!(charlie_local.hit_count(), 2);
    assert_eq!(reports::echo_report.hit_count(), 2);
    assert_eq!(periodic_test_jobs::root_job.hit_count(), 2);
    assert_eq!(first::delta_first.hit_count(), 2);

    // A second run_all while they run is refused, naming a running job and where it is.
    let err = within(
        periodic::configure()
            .state(ReportConfig { base: 21 })
            .run_all(),
    )
    .await
    .unwrap_err();
    let (defined_at, source) = job_error(&err, "aardvark_second");
    assert_eq!(defined_at, format!("{FILE}:{}", second::AARDVARK_LINE));
    assert!(
        matches!(source, Error::AlreadyRunning { name } if &**name == "aardvark_second"),
        "{source:?}"
    );

    // shutdown: every member stops.
    within(jobs.shutdown(Duration::from_secs(5))).await;
    assert!(!jobs.is_running());
    for job in [
        cache::alpha_refresh.is_running(),
        cache::golf_sync.is_running(),
        reports::echo_report.is_running(),
        periodic_test_jobs::root_job.is_running(),
        charlie_local.is_running(),
        first::delta_first.is_running(),
        first::deeper::deeper_job.is_running(),
        second::aardvark_second.is_running(),
    ] {
        assert!(!job);
    }
    let calls = DELTA_CALLS.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(
        DELTA_CALLS.load(Ordering::SeqCst),
        calls,
        "nothing ticks after shutdown"
    );
}
