//! Every accepted shape of function: sync and async, plain and fallible values, `State`
//! parameters, visibility, documentation and other attributes, `#[cfg]`.

#![deny(warnings)]

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use periodic::{State, every};

struct Pool {
    calls: AtomicU64,
}

struct Config {
    label: &'static str,
}

#[every(5s)]
fn sync_unit() {}

#[every(5s)]
fn sync_value() -> u64 {
    1
}

#[every(5s)]
async fn async_unit() {}

#[every(5s)]
async fn async_value() -> Arc<str> {
    Arc::from("shared")
}

#[every(5s)]
fn sync_io_result() -> std::io::Result<String> {
    Ok("io".into())
}

#[every(5s)]
async fn async_io_result() -> Result<u8, std::io::Error> {
    Ok(2)
}

#[every(5s)]
fn boxed_error() -> Result<Vec<u8>, Box<dyn Error + Send + Sync>> {
    Ok(vec![3])
}

#[every(5s)]
async fn string_error() -> Result<u8, String> {
    Ok(9)
}

#[every(5s)]
fn one_state(pool: State<Pool>) -> u64 {
    pool.calls.fetch_add(1, Ordering::SeqCst) + 1
}

#[every(5s)]
async fn several_states(pool: State<Pool>, config: periodic::State<Config>) -> String {
    let calls = pool.calls.load(Ordering::SeqCst);
    tokio::task::yield_now().await;
    format!("{} after {calls}", config.label)
}

/// Public, documented.
///
/// With several paragraphs.
#[every(5s)]
pub fn public_documented() -> u8 {
    4
}

pub(crate) mod nested {
    use periodic::every;

    #[every(5s)]
    pub(crate) async fn crate_visible() -> u8 {
        5
    }
}

#[every(5s)]
#[allow(unused_variables, clippy::let_and_return)]
fn other_attributes() -> u8 {
    let unused = 1;
    let value = 6;
    value
}

#[every(5s)]
#[must_use]
fn must_use() -> u8 {
    7
}

#[every(5s)]
#[cfg(any())]
fn compiled_out() -> u8 {
    this_does_not_exist()
}

#[cfg(any())]
#[every(5s)]
fn compiled_out_before() -> u8 {
    this_does_not_exist()
}

#[every(5s)]
#[cfg(not(any()))]
fn compiled_in() -> u8 {
    8
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    sync_unit.func();
    assert_eq!(sync_value.func(), 1);
    async_unit.func().await;
    assert_eq!(&*async_value.func().await, "shared");
    assert_eq!(sync_io_result.func().unwrap(), "io");
    assert_eq!(async_io_result.func().await.unwrap(), 2);
    assert_eq!(boxed_error.func().unwrap(), [3]);
    assert_eq!(string_error.func().await, Ok(9));
    let pool = State::new(Pool {
        calls: AtomicU64::new(0),
    });
    assert_eq!(one_state.func(pool.clone()), 1);
    let config = State::new(Config { label: "direct" });
    assert_eq!(several_states.func(pool, config).await, "direct after 1");
    assert_eq!(public_documented.func(), 4);
    assert_eq!(nested::crate_visible.func().await, 5);
    assert_eq!(other_attributes.func(), 6);
    assert_eq!(must_use.func(), 7);
    assert_eq!(compiled_in.func(), 8);

    // Run every job once through the registry, with its state.
    let jobs = periodic::configure()
        .state(Pool {
            calls: AtomicU64::new(10),
        })
        .state(Config { label: "job" })
        .run_all()
        .await
        .unwrap();
    assert_eq!(periodic::registry().len(), 15);
    jobs.wait().hit_count(1).await.unwrap();
    assert_eq!(sync_value.last_result(), Some(1));
    assert_eq!(async_value.last_result().as_deref(), Some("shared"));
    assert_eq!(sync_io_result.last_result().as_deref(), Some("io"));
    assert_eq!(async_io_result.last_result(), Some(2));
    assert_eq!(boxed_error.last_result(), Some(vec![3]));
    assert_eq!(string_error.last_result(), Some(9));
    assert_eq!(one_state.last_result(), Some(11));
    assert!(
        several_states
            .last_result()
            .unwrap()
            .starts_with("job after")
    );
    assert_eq!(nested::crate_visible.last_result(), Some(5));
    assert_eq!(compiled_in.last_result(), Some(8));
    jobs.cancel_all().await;
}
