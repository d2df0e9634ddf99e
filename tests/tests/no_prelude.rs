//! `#[every]` in a `#[no_implicit_prelude]` module: with no prelude at all (no `Option`, `Box`,
//! `Send`, no extern prelude and no tool attribute namespace), the expansion compiles only if
//! every name it uses is an absolute path.

use periodic_tests::within;

#[no_implicit_prelude]
mod bare {
    #[allow(unused_imports)]
    use ::std as periodic;

    #[::periodic::every(1s, name = "bare_sync")]
    pub(crate) fn bare_sync() -> u32 {
        7
    }

    #[::periodic::every(2s, name = "bare_async", mode = "fixed_rate", timeout = 1s)]
    pub(crate) async fn bare_async(
        a: ::periodic::State<u8>,
    ) -> ::std::result::Result<u16, ::std::io::Error> {
        ::std::result::Result::Ok(::std::convert::From::from(*a))
    }

    #[::periodic::every("1h", name = "bare_unit", crate = "::periodic")]
    pub(crate) fn bare_unit() {}
}

#[tokio::test(start_paused = true)]
async fn jobs_in_a_module_without_prelude() {
    assert_eq!(bare::bare_sync.func(), 7);
    assert_eq!(
        bare::bare_async
            .func(periodic::State::new(3))
            .await
            .unwrap(),
        3
    );
    bare::bare_unit.func();
    let names: Vec<_> = periodic::registry().into_iter().map(|j| j.name).collect();
    assert_eq!(names, ["bare_async", "bare_sync", "bare_unit"]);
    let group = within(periodic::configure().state(5u8).run_all())
        .await
        .unwrap();
    within(group.wait().hit_count(1)).await.unwrap();
    assert_eq!(bare::bare_sync.last_result(), Some(7));
    assert_eq!(bare::bare_async.last_result(), Some(5));
    group.cancel_all().await;
}
