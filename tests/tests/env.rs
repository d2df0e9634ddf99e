//! Overrides from environment variables, opted into with `configure().env_prefix(...)`.
//!
//! `std::env::set_var` races with any other thread reading the environment, so this binary has
//! exactly one test, which sets every variable before anything else runs, and each step uses
//! its own prefix.

use periodic::{Error, Mode, every};
use periodic_tests::{secs, within};

#[every(10s)]
fn env_a() {}

#[every(10s)]
fn env_b() {}

/// Named with characters that are not letters or digits: its variables use `ENV_C_JOB`.
#[every(10s, name = "env.c-job")]
fn env_c() {}

#[every(10s, autostart = false)]
fn env_d() {}

fn nothing_runs() {
    assert!(!env_a.is_running());
    assert!(!env_b.is_running());
    assert!(!env_c.is_running());
    assert!(!env_d.is_running());
}

fn assert_invalid(err: &Error, parts: &[&str]) {
    assert!(matches!(err, Error::InvalidConfig(_)), "{err:?}");
    let message = err.to_string();
    for part in parts {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn overrides_from_environment_variables() {
    let vars = [
        ("PTEST_ENV_OK_ENV_A_PERIOD", "45s"),
        ("PTEST_ENV_OK_ENV_A_MODE", "fixed_rate"),
        ("PTEST_ENV_OK_ENV_B_ENABLED", "false"),
        ("PTEST_ENV_OK_ENV_C_JOB_PERIOD", " 1h 30m "),
        ("PTEST_ENV_OK_ENV_D_ENABLED", "1"),
        ("PTEST_ENV_BADPERIOD_ENV_A_PERIOD", "soon"),
        ("PTEST_ENV_BADMODE_ENV_B_MODE", "fast"),
        ("PTEST_ENV_BADENABLED_ENV_C_JOB_ENABLED", "maybe"),
        ("PTEST_ENV_ZERO_ENV_A_PERIOD", "0s"),
    ];
    for (key, value) in vars {
        // SAFETY: this binary has a single test, and this loop runs before the test starts any
        // task or thread, so no other thread reads or writes the environment concurrently.
        unsafe { std::env::set_var(key, value) };
    }

    // Not opted in: the variables are ignored.
    let jobs = within(periodic::run_all()).await.unwrap();
    assert_eq!(jobs.names(), ["env.c-job", "env_a", "env_b"]);
    assert_eq!((env_a.period(), env_a.mode()), (secs(10), Mode::FixedDelay));
    assert_eq!(env_c.period(), secs(10));
    jobs.cancel_all().await;
    nothing_runs();

    // Opted in: the variables override the declaration and what was set in code.
    let jobs = within(
        periodic::configure()
            .period("env_a", secs(20))
            .mode("env_a", Mode::FixedDelay)
            .enabled("env_b", true)
            .env_prefix("PTEST_ENV_OK")
            .run_all(),
    )
    .await
    .unwrap();
    assert_eq!(jobs.names(), ["env.c-job", "env_a", "env_d"]);
    assert_eq!((env_a.period(), env_a.mode()), (secs(45), Mode::FixedRate));
    assert_eq!(env_c.period(), secs(5400));
    assert!(!env_b.is_running());
    assert!(
        env_d.is_running(),
        "ENABLED=1 starts an autostart = false job"
    );
    within(jobs.wait().hit_count(1)).await.unwrap();
    jobs.cancel_all().await;
    nothing_runs();

    // Bad values: refused, naming the job and the variable (which names the key).
    let cases: [(&str, &[&str]); 4] = [
        (
            "PTEST_ENV_BADPERIOD",
            &["env_a", "PTEST_ENV_BADPERIOD_ENV_A_PERIOD", "soon"],
        ),
        (
            "PTEST_ENV_BADMODE",
            &["env_b", "PTEST_ENV_BADMODE_ENV_B_MODE", "fast"],
        ),
        (
            "PTEST_ENV_BADENABLED",
            &[
                "env.c-job",
                "PTEST_ENV_BADENABLED_ENV_C_JOB_ENABLED",
                "maybe",
            ],
        ),
        ("PTEST_ENV_ZERO", &["env_a", "period"]),
    ];
    for (prefix, parts) in cases {
        let err = within(periodic::configure().env_prefix(prefix).run_all())
            .await
            .unwrap_err();
        assert_invalid(&err, parts);
        nothing_runs();
    }
}
