//! `periodic::configure()`: per-job overrides of period, mode and enabled from code and from
//! serde sources (TOML, JSON) with humantime durations, a filter to start a subset,
//! `autostart = false` jobs, and bad override values.
//!
//! Tests run in parallel in one process with one registry. Each test therefore has its own
//! jobs (a name prefix per test), selects only them with `.filter(...)`, and overrides only
//! them: overrides apply to every registered job that is not running, selected or not.

use std::sync::Mutex;
use std::time::Duration;

use periodic::{Error, JobInfo, JobOverride, Mode, Overrides, every};
use periodic_tests::{ms, secs, within};
use tokio::time::Instant;

fn prefixed(prefix: &'static str) -> impl Fn(&JobInfo) -> bool + Send + Sync {
    move |j| j.name.starts_with(prefix)
}

struct Calls(Mutex<Vec<Instant>>);

impl Calls {
    const fn new() -> Self {
        Calls(Mutex::new(Vec::new()))
    }
    fn record(&self) {
        self.0.lock().unwrap().push(Instant::now());
    }
    fn get(&self) -> Vec<Instant> {
        self.0.lock().unwrap().clone()
    }
}

fn at(t0: Instant, offsets: &[Duration]) -> Vec<Instant> {
    offsets.iter().map(|d| t0 + *d).collect()
}

// ---------------------------------------------------------------------------------------------
// Overrides from code.

static CODE_A_CALLS: Calls = Calls::new();

#[every(5s)]
async fn code_a() {
    CODE_A_CALLS.record();
    tokio::time::sleep(secs(1)).await; // shows the mode: fixed-delay would drift by 1 s a tick
}

#[every(1s)]
fn code_b() {}

#[every(1s)]
fn code_c() {}

#[tokio::test(start_paused = true)]
async fn overrides_from_code() {
    let t0 = Instant::now();
    let jobs = within(
        periodic::configure()
            .period("code_a", secs(30))
            .mode("code_a", Mode::FixedRate)
            .enabled("code_c", false)
            .filter(prefixed("code_"))
            .run_all(),
    )
    .await
    .unwrap();
    assert_eq!(jobs.names(), ["code_a", "code_b"]);
    assert_eq!(code_a.period(), secs(30));
    assert_eq!(code_a.mode(), Mode::FixedRate);
    assert_eq!(code_b.period(), secs(1), "not overridden");
    assert_eq!(code_b.mode(), Mode::FixedDelay);
    assert!(!code_c.is_running(), "disabled");
    within(code_a.wait().hit_count(3)).await.unwrap();
    assert_eq!(CODE_A_CALLS.get(), at(t0, &[secs(0), secs(30), secs(60)]));
    // The registry keeps the declared values.
    let declared = periodic::registry()
        .into_iter()
        .find(|j| j.name == "code_a")
        .unwrap();
    assert_eq!(
        (declared.period, declared.mode),
        (secs(5), Mode::FixedDelay)
    );
    jobs.cancel_all().await;
}

// ---------------------------------------------------------------------------------------------
// Overrides from TOML.

static TOML_C_CALLS: Calls = Calls::new();

#[every(10s)]
fn toml_a() {}

#[every(10s)]
fn toml_b() {}

#[every(10s, mode = "fixed_rate")]
fn toml_c() {
    TOML_C_CALLS.record();
}

const TOML: &str = r#"
[toml_a]
period = "1h 30m"
mode = "fixed_rate"

[toml_b]
enabled = false

[toml_c]
period = "250ms"
mode = "fixed_delay"
"#;

#[test]
fn toml_document_deserializes_to_overrides() {
    let overrides: Overrides = toml::from_str(TOML).unwrap();
    let map = &overrides.0;
    assert_eq!(map.len(), 3);
    assert_eq!(map["toml_a"].period, Some(secs(5400)));
    assert_eq!(map["toml_a"].mode, Some(Mode::FixedRate));
    assert_eq!(map["toml_a"].enabled, None);
    assert_eq!(map["toml_b"].enabled, Some(false));
    assert_eq!(map["toml_b"].period, None);
    assert_eq!(map["toml_c"].period, Some(ms(250)));
    assert_eq!(map["toml_c"].mode, Some(Mode::FixedDelay));
}

#[tokio::test(start_paused = true)]
async fn overrides_from_toml() {
    let overrides: Overrides = toml::from_str(TOML).unwrap();
    let t0 = Instant::now();
    let jobs = within(
        periodic::configure()
            .overrides(overrides)
            .filter(prefixed("toml_"))
            .run_all(),
    )
    .await
    .unwrap();
    assert_eq!(jobs.names(), ["toml_a", "toml_c"]);
    assert_eq!(
        (toml_a.period(), toml_a.mode()),
        (secs(5400), Mode::FixedRate)
    );
    assert_eq!(
        (toml_c.period(), toml_c.mode()),
        (ms(250), Mode::FixedDelay)
    );
    assert!(!toml_b.is_running());
    within(toml_c.wait().hit_count(3)).await.unwrap();
    assert_eq!(TOML_C_CALLS.get(), at(t0, &[ms(0), ms(250), ms(500)]));
    jobs.cancel_all().await;
}

// ---------------------------------------------------------------------------------------------
// Overrides from JSON, merged with code.

static JSON_A_CALLS: Calls = Calls::new();

#[every(10s, name = "json.a")]
fn json_a() {
    JSON_A_CALLS.record();
}

#[every(10s, name = "json.b")]
fn json_b() {}

#[every(10s, name = "json.c", autostart = false)]
fn json_c() {}

const JSON: &str = r#"{
    "json.a": { "period": "1m 30s" },
    "json.b": { "mode": "fixed_rate", "enabled": false },
    "json.c": { "enabled": true, "period": "2days" }
}"#;

#[tokio::test(start_paused = true)]
async fn overrides_from_json_replace_those_given_before() {
    let overrides: Overrides = serde_json::from_str(JSON).unwrap();
    assert_eq!(
        overrides.0["json.c"],
        serde_json::from_str::<JobOverride>(r#"{"enabled": true, "period": "48h"}"#).unwrap()
    );
    let t0 = Instant::now();
    let jobs = within(
        periodic::configure()
            .period("json.a", secs(1)) // replaced by the JSON
            .mode("json.a", Mode::FixedRate) // kept: the JSON has no mode for json.a
            .enabled("json.b", true) // replaced by the JSON
            .overrides(overrides)
            .filter(prefixed("json."))
            .run_all(),
    )
    .await
    .unwrap();
    // json.c has autostart = false, but `enabled = true` starts it.
    assert_eq!(jobs.names(), ["json.a", "json.c"]);
    assert_eq!(
        (json_a.period(), json_a.mode()),
        (secs(90), Mode::FixedRate)
    );
    assert_eq!(json_c.period(), secs(2 * 24 * 3600));
    assert!(json_c.is_running());
    assert!(!json_b.is_running());
    assert_eq!(
        json_b.mode(),
        Mode::FixedRate,
        "overrides apply to disabled jobs too"
    );
    within(json_a.wait().hit_count(2)).await.unwrap();
    assert_eq!(JSON_A_CALLS.get(), at(t0, &[secs(0), secs(90)]));
    jobs.cancel_all().await;
}

// ---------------------------------------------------------------------------------------------
// A filter.

mod subset {
    #[periodic::every(1s)]
    pub(crate) fn filter_one() {}

    #[periodic::every(7s)]
    pub(crate) fn filter_two() {}
}

#[every(1s)]
fn filter_outside() {}

#[tokio::test(start_paused = true)]
async fn a_filter_starts_a_subset() {
    let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let jobs = within(
        periodic::configure()
            .filter(move |j| {
                if j.name.starts_with("filter_") {
                    record.lock().unwrap().push((j.name, j.period));
                }
                j.module_path == "configure::subset"
            })
            .run_all(),
    )
    .await
    .unwrap();
    assert_eq!(jobs.names(), ["filter_one", "filter_two"]);
    assert!(subset::filter_one.is_running());
    assert!(subset::filter_two.is_running());
    assert!(!filter_outside.is_running());
    // The filter saw each job's declared information.
    let mut seen = seen.lock().unwrap().clone();
    seen.sort_unstable();
    assert_eq!(
        seen,
        [
            ("filter_one", secs(1)),
            ("filter_outside", secs(1)),
            ("filter_two", secs(7)),
        ]
    );
    within(jobs.wait().hit_count(1)).await.unwrap();
    jobs.cancel_all().await;
    assert!(!subset::filter_one.is_running());
}

// ---------------------------------------------------------------------------------------------
// autostart = false.

static MANUAL_X_CALLS: Calls = Calls::new();

#[every(10s, autostart = false)]
fn manual_x() {
    MANUAL_X_CALLS.record();
}

#[every(10s, autostart = false)]
fn manual_y() -> u8 {
    5
}

#[every(10s)]
fn manual_auto() {}

#[tokio::test(start_paused = true)]
async fn autostart_false_jobs_stay_stopped_until_started_through_their_handle() {
    let jobs = within(
        periodic::configure()
            .period("manual_x", secs(3))
            .filter(prefixed("manual_"))
            .run_all(),
    )
    .await
    .unwrap();
    assert_eq!(jobs.names(), ["manual_auto"]);
    assert!(!manual_x.is_running());
    assert!(!manual_y.is_running());
    tokio::time::sleep(secs(60)).await;
    assert!(MANUAL_X_CALLS.get().is_empty(), "never ticked");
    // The override applies to the stopped job, which then starts through its handle.
    assert_eq!(manual_x.period(), secs(3));
    let t0 = Instant::now();
    manual_x.start().unwrap();
    within(manual_x.wait().hit_count(3)).await.unwrap();
    assert_eq!(MANUAL_X_CALLS.get(), at(t0, &[secs(0), secs(3), secs(6)]));
    manual_x.cancel().await;
    jobs.cancel_all().await;

    // `enabled = true` selects an autostart = false job.
    let jobs = within(
        periodic::configure()
            .enabled("manual_y", true)
            .filter(|j| j.name == "manual_y")
            .run_all(),
    )
    .await
    .unwrap();
    assert_eq!(jobs.names(), ["manual_y"]);
    assert_eq!(within(manual_y.wait().hit_count(1)).await.unwrap(), Some(5));
    jobs.cancel_all().await;
}

// ---------------------------------------------------------------------------------------------
// Bad overrides.

#[every(1s)]
fn bad_a() {}

#[every(1s)]
fn bad_b() {}

fn nothing_runs() {
    assert!(!bad_a.is_running());
    assert!(!bad_b.is_running());
}

fn assert_invalid(err: &Error, parts: &[&str]) {
    assert!(matches!(err, Error::InvalidConfig(_)), "{err:?}");
    let message = err.to_string();
    for part in parts {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn bad_overrides_from_code_are_refused_naming_the_job_and_the_key() {
    let err = within(
        periodic::configure()
            .period("bad_a", Duration::ZERO)
            .filter(prefixed("bad_"))
            .run_all(),
    )
    .await
    .unwrap_err();
    assert_invalid(&err, &["bad_a", "period"]);
    nothing_runs();

    let err = within(
        periodic::configure()
            .period("no_such_job", secs(1))
            .filter(prefixed("bad_"))
            .run_all(),
    )
    .await
    .unwrap_err();
    assert_invalid(&err, &["no_such_job", "not a registered job"]);
    nothing_runs();

    // A zero period from a serde source is refused by run_all the same way.
    let overrides: Overrides = serde_json::from_str(r#"{"bad_b": {"period": "0s"}}"#).unwrap();
    let err = within(
        periodic::configure()
            .overrides(overrides)
            .filter(prefixed("bad_"))
            .run_all(),
    )
    .await
    .unwrap_err();
    assert_invalid(&err, &["bad_b", "period"]);
    nothing_runs();
}

#[test]
fn serde_sources_refuse_bad_values() {
    for src in [
        r#"{"bad_a": {"period": "soon"}}"#,
        r#"{"bad_a": {"period": 5}}"#,
        r#"{"bad_a": {"mode": "fast"}}"#,
        r#"{"bad_a": {"enabled": "yes"}}"#,
        r#"{"bad_a": {"perod": "1s"}}"#,
    ] {
        assert!(
            serde_json::from_str::<Overrides>(src).is_err(),
            "{src} was accepted"
        );
    }
    let err = serde_json::from_str::<Overrides>(r#"{"bad_a": {"perod": "1s"}}"#).unwrap_err();
    assert!(err.to_string().contains("perod"), "{err}");
    let err = toml::from_str::<Overrides>("[bad_a]\nmode = \"fast\"\n").unwrap_err();
    assert!(err.to_string().contains("fast"), "{err}");
}

#[test]
fn serde_errors_name_the_job_and_the_key() {
    for (src, key) in [
        (r#"{"x": {}, "bad_a": {"period": "soon"}}"#, "period"),
        (r#"{"bad_a": {"mode": "fast"}}"#, "mode"),
        (r#"{"bad_a": {"enabled": "yes"}}"#, "enabled"),
    ] {
        let message = serde_json::from_str::<Overrides>(src)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("bad_a") && message.contains(key),
            "JSON {src}: {message:?} should name `bad_a` and `{key}`"
        );
    }
    let message = toml::from_str::<Overrides>("[bad_a]\nperiod = \"soon\"\n")
        .unwrap_err()
        .to_string();
    assert!(message.contains("bad_a"), "TOML: {message:?}");
}
