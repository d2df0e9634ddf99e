//! Generated code uses absolute paths only: jobs declared where `periodic` names `std`, and
//! where local items shadow the names an expansion could lean on, still compile, register and
//! run. (`no_prelude.rs` goes further, with `#[no_implicit_prelude]`.)

use std::time::Duration;

use periodic_tests::within;

/// `periodic` is `std` here: a relative `periodic::…` in the expansion would not resolve.
mod shadowed {
    #[allow(unused_imports)]
    use std as periodic;

    #[::periodic::every(1s, name = "paths_shadowed")]
    pub(crate) fn shadowed_job() -> u8 {
        1
    }

    #[::periodic::every(2s, name = "paths_shadowed_async", mode = "fixed_rate")]
    pub(crate) async fn shadowed_async(
        s: ::periodic::State<u8>,
    ) -> Result<u16, Box<dyn std::error::Error + Send + Sync>> {
        Ok(u16::from(*s) * 2)
    }
}

/// Local items named like everything an expansion might lean on, and `periodic`, `core` and
/// `inventory` renamed to `std`: a relative path in the expansion resolves to one of these.
mod hostile {
    #[allow(unused_imports)]
    use std as periodic;
    #[allow(unused_imports)]
    use std as core;
    #[allow(unused_imports)]
    use std as inventory;

    #[allow(dead_code)]
    pub(crate) struct Duration;
    #[allow(dead_code)]
    pub(crate) struct Timer;
    #[allow(dead_code)]
    pub(crate) struct Job;
    #[allow(dead_code)]
    pub(crate) struct JobSpec;
    #[allow(dead_code)]
    pub(crate) struct State;
    #[allow(dead_code)]
    pub(crate) struct Option;
    #[allow(dead_code)]
    pub(crate) struct Some;
    #[allow(dead_code)]
    pub(crate) struct None;
    #[allow(dead_code)]
    pub(crate) struct Box;
    #[allow(dead_code)]
    pub(crate) struct Pin;
    #[allow(dead_code)]
    pub(crate) struct Deref;
    #[allow(dead_code)]
    pub(crate) struct Send;
    #[allow(dead_code)]
    pub(crate) struct Sync;
    #[allow(dead_code)]
    pub(crate) struct Clone;
    #[allow(dead_code)]
    pub(crate) struct Future;
    #[allow(dead_code)]
    pub(crate) struct Into;
    #[allow(dead_code)]
    pub(crate) mod __private {}
    #[allow(dead_code)]
    pub(crate) mod __periodic {}

    #[::periodic::every(1s, name = "paths_hostile", timeout = 500ms, initial_delay = 1s)]
    pub(crate) fn hostile_job() -> u32 {
        7
    }

    #[::periodic::every(
        ::std::time::Duration::from_secs(3),
        name = "paths_hostile_async",
        on_error = "stop",
        jitter = 0.1,
        crate = "::periodic"
    )]
    pub(crate) async fn hostile_async(
        a: ::periodic::State<u8>,
        b: ::periodic::State<::std::string::String>,
    ) -> ::std::result::Result<::std::string::String, ::std::io::Error> {
        ::std::result::Result::Ok(::std::format!("{}{}", &**b, *a))
    }

    #[::periodic::every("1h 30m", name = "paths_hostile_unit", autostart = false)]
    pub(crate) fn hostile_unit() {}
}

#[tokio::test(start_paused = true)]
async fn jobs_compile_register_and_run_without_relative_paths() {
    // func, with the original signatures.
    assert_eq!(shadowed::shadowed_job.func(), 1);
    assert_eq!(
        shadowed::shadowed_async
            .func(periodic::State::new(4))
            .await
            .unwrap(),
        8
    );
    assert_eq!(hostile::hostile_job.func(), 7);
    assert_eq!(
        hostile::hostile_async
            .func(periodic::State::new(1), periodic::State::new("v".into()))
            .await
            .unwrap(),
        "v1"
    );
    hostile::hostile_unit.func();

    // The handles' settings.
    assert_eq!(hostile::hostile_job.period(), Duration::from_secs(1));
    assert_eq!(hostile::hostile_async.period(), Duration::from_secs(3));
    assert_eq!(hostile::hostile_unit.period(), Duration::from_secs(5400));
    assert_eq!(shadowed::shadowed_async.mode(), periodic::Mode::FixedRate);

    // Registered, with their modules.
    let jobs: Vec<_> = periodic::registry()
        .into_iter()
        .map(|j| (j.name, j.module_path))
        .collect();
    assert_eq!(
        jobs,
        [
            ("paths_hostile", "paths::hostile"),
            ("paths_hostile_async", "paths::hostile"),
            ("paths_hostile_unit", "paths::hostile"),
            ("paths_shadowed", "paths::shadowed"),
            ("paths_shadowed_async", "paths::shadowed"),
        ]
    );

    // And run.
    let group = within(
        periodic::configure()
            .state(3u8)
            .state(String::from("x"))
            .run_all(),
    )
    .await
    .unwrap();
    assert_eq!(group.names().len(), 4, "all but the autostart = false job");
    within(group.wait().hit_count(1)).await.unwrap();
    assert_eq!(hostile::hostile_job.last_result(), Some(7));
    assert_eq!(hostile::hostile_async.last_result().as_deref(), Some("x3"));
    assert_eq!(shadowed::shadowed_async.last_result(), Some(6));
    assert!(!hostile::hostile_unit.is_running());
    group.cancel_all().await;
}
