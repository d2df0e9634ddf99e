//! The handle `#[every]` makes of a function: it derefs to `periodic::Timer<T>` (the `Ok` type
//! for a fallible function), and `NAME.func(...)` is the original function with exactly its
//! original signature. Visibility and attributes are kept.
//!
//! The signature checks are compile-time: each `let x: Type = job.func(...)` and each
//! `is_future(...)` below fails to compile if the shape changed. The tests also run the calls.
//! Jobs are started through their handles only (no `run_all`), one job per test.

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::time::Duration;

use periodic::{State, Timer, every};
use periodic_tests::within;

/// Compiles only for a future with this output, which is `Send`.
fn is_future<O, F: Future<Output = O> + Send>(f: F) -> F {
    f
}

/// The timer a handle derefs to, with its value type spelled out at the call site.
fn timer<T>(t: &Timer<T>) -> &Timer<T> {
    t
}

#[derive(Debug, PartialEq)]
struct Alpha(u64);
#[derive(Debug, PartialEq)]
struct Beta(&'static str);

#[every(1h)]
fn sync_value() -> u32 {
    7
}

#[every(1h)]
fn sync_result() -> Result<u32, io::Error> {
    Err(io::Error::other("sync failure"))
}

#[every(1h)]
async fn async_value() -> String {
    tokio::task::yield_now().await;
    "async".to_owned()
}

#[every(1h)]
async fn async_result() -> Result<Vec<u8>, Box<dyn StdError + Send + Sync>> {
    Ok(vec![1, 2, 3])
}

#[every(1h)]
fn unit() {}

#[every(1h)]
async fn async_unit() {}

#[every(1h)]
fn io_result_alias() -> io::Result<u16> {
    Ok(16)
}

#[every(1h)]
fn with_states(a: State<Alpha>, b: periodic::State<Beta>) -> String {
    format!("{}-{}", a.0, b.0)
}

#[every(1h)]
async fn async_with_states(
    b: State<Beta>,
    _: State<Alpha>,
    again: State<Beta>,
) -> Result<usize, io::Error> {
    Ok(b.0.len() + again.0.len())
}

#[test]
fn sync_func_stays_sync_and_needs_no_runtime() {
    // Outside any tokio runtime: a sync `func` is a plain call.
    let v: u32 = sync_value.func();
    assert_eq!(v, 7);
    let r: Result<u32, io::Error> = sync_result.func();
    assert_eq!(r.unwrap_err().to_string(), "sync failure");
    let (): () = unit.func();
    let r: io::Result<u16> = io_result_alias.func();
    assert_eq!(r.unwrap(), 16);
    let s: String = with_states.func(State::new(Alpha(4)), State::new(Beta("b")));
    assert_eq!(s, "4-b");
}

#[tokio::test]
async fn async_func_stays_async() {
    let fut = is_future::<String, _>(async_value.func());
    assert_eq!(fut.await, "async");
    let fut = is_future::<Result<Vec<u8>, Box<dyn StdError + Send + Sync>>, _>(async_result.func());
    assert_eq!(fut.await.unwrap(), [1, 2, 3]);
    is_future::<(), _>(async_unit.func()).await;
    let fut = is_future::<Result<usize, io::Error>, _>(async_with_states.func(
        State::new(Beta("four")),
        State::new(Alpha(0)),
        State::new(Beta("xy")),
    ));
    assert_eq!(fut.await.unwrap(), 6);
}

#[test]
fn handles_deref_to_timers_of_the_value_type() {
    let t: &Timer<u32> = &sync_value;
    assert_eq!(t.name(), "sync_value");
    // Fallible: the Ok type.
    let t: &Timer<u32> = &sync_result;
    assert_eq!(t.name(), "sync_result");
    let t: &Timer<String> = &async_value;
    assert_eq!(t.period(), Duration::from_secs(3600));
    let _: &Timer<Vec<u8>> = &async_result;
    let _: &Timer<()> = &unit;
    let _: &Timer<()> = &async_unit;
    let _: &Timer<u16> = &io_result_alias;
    let _: &Timer<String> = &with_states;
    let _: &Timer<usize> = &async_with_states;
    // Through a generic function: deref coercion to `&Timer<T>` infers `T`.
    assert_eq!(timer(&sync_value).name(), "sync_value");
    // A clone of the deref'd timer is the same timer.
    let clone: Timer<u32> = (*sync_value).clone();
    assert_eq!(clone.name(), "sync_value");
}

#[tokio::test(start_paused = true)]
async fn the_timer_calls_the_original_function() {
    assert_eq!(async_result.last_result(), None);
    async_result.start().unwrap();
    assert_eq!(
        within(async_result.wait().hit_count(1)).await.unwrap(),
        Some(vec![1, 2, 3])
    );
    assert_eq!(within(async_result.trigger()).await.unwrap(), [1, 2, 3]);
    assert_eq!(async_result.hit_count(), 2);
    async_result.cancel().await;
    // A clone taken from the handle controls the same timer.
    let clone = (*async_result).clone();
    clone.start().unwrap();
    assert!(async_result.is_running());
    clone.cancel().await;
    assert!(!async_result.is_running());
}

#[tokio::test(start_paused = true)]
async fn a_failing_sync_job_delivers_its_error() {
    sync_result.start().unwrap();
    let err = within(sync_result.join()).await.unwrap_err();
    let source = err.source().expect("the user's error is the source");
    assert_eq!(source.to_string(), "sync failure");
    assert!(source.downcast_ref::<io::Error>().is_some());
    sync_result.cancel().await;
}

#[tokio::test]
async fn func_and_the_timer_are_independent() {
    // Calling `func` does not start, tick or count the timer.
    assert_eq!(sync_value.func(), 7);
    assert_eq!(async_value.func().await, "async");
    assert!(!sync_value.is_running());
    assert_eq!(sync_value.hit_count(), 0);
    assert_eq!(async_value.last_result(), None);
}

// ---------------------------------------------------------------------------------------------
// Visibility: handles are usable wherever the function would be.

mod outer {
    pub mod jobs {
        use periodic::every;

        #[every(1h)]
        pub fn public_job() -> u8 {
            1
        }

        #[every(1h)]
        pub(crate) async fn crate_job() -> u8 {
            2
        }

        #[every(1h)]
        pub(super) fn super_job() -> u8 {
            3
        }

        #[every(1h)]
        fn private_job() -> u8 {
            4
        }

        pub fn call_private() -> u8 {
            private_job.func() + u8::from(private_job.name() == "private_job")
        }
    }

    pub fn call_super() -> u8 {
        jobs::super_job.func()
    }
}

mod elsewhere {
    use super::outer::jobs::{crate_job, public_job};

    pub async fn call_both() -> u8 {
        public_job.func() + crate_job.func().await
    }
}

#[tokio::test]
async fn visibility_is_kept() {
    assert_eq!(elsewhere::call_both().await, 3);
    assert_eq!(outer::call_super(), 3);
    assert_eq!(outer::jobs::call_private(), 5);
    assert_eq!(outer::jobs::public_job.name(), "public_job");
    let names: Vec<_> = periodic::registry().into_iter().map(|j| j.name).collect();
    for job in ["public_job", "crate_job", "super_job", "private_job"] {
        assert!(names.contains(&job), "{job} not in {names:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Attributes: kept on the function.

#[deny(unused_variables, unused_mut)]
mod attributes {
    use periodic::every;

    /// Doc comments, a lint attribute and `#[inline]` on a job. Without the `allow`, the
    /// module's `deny` would make this an error: so it compiles only if the attribute is kept
    /// on the function's body.
    #[every(1h)]
    #[allow(unused_variables, unused_mut)]
    #[inline]
    pub fn allowed() -> u8 {
        let mut unused = 0;
        9
    }

    #[every(1h)]
    #[cfg(test)]
    pub fn cfg_on() -> u8 {
        10
    }

    #[every(1h)]
    #[cfg(not(test))]
    pub fn cfg_off() -> u8 {
        11
    }

    #[cfg(not(test))]
    #[every(1h)]
    pub fn cfg_off_before() -> u8 {
        12
    }

    #[cfg_attr(test, allow(unused_variables))]
    #[every(1h)]
    pub fn cfg_attr_allowed() -> u8 {
        let unused = 0;
        13
    }
}

#[test]
fn attributes_are_kept() {
    assert_eq!(attributes::allowed.func(), 9);
    assert_eq!(attributes::cfg_on.func(), 10);
    assert_eq!(attributes::cfg_attr_allowed.func(), 13);
    let names: Vec<_> = periodic::registry().into_iter().map(|j| j.name).collect();
    assert!(names.contains(&"allowed"));
    assert!(names.contains(&"cfg_on"));
    assert!(
        !names.contains(&"cfg_off") && !names.contains(&"cfg_off_before"),
        "a job compiled out by #[cfg] is not registered: {names:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// A job defined inside a function body.

#[tokio::test(start_paused = true)]
async fn a_job_inside_a_function_body() {
    #[every(1s, name = "local_job")]
    fn local() -> &'static str {
        "local"
    }
    assert_eq!(local.func(), "local");
    assert!(periodic::registry().iter().any(|j| j.name == "local_job"));
    local.start().unwrap();
    assert_eq!(
        within(local.wait().hit_count(2)).await.unwrap(),
        Some("local")
    );
    local.cancel().await;
}
