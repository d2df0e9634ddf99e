//! Every `key = value` argument, in every accepted form.

#![deny(warnings)]

use std::time::Duration;

use periodic::{Mode, every};

const GRACE: Duration = Duration::from_secs(2);

#[every(5s, mode = "fixed_delay")]
fn delay_mode() {}

#[every(5s, mode = "fixed_rate")]
fn rate_mode() {}

#[every(5s, name = "custom name")]
fn named() {}

#[every(5s, initial_delay = 2s)]
fn initial_delay_literal() {}

#[every(5s, initial_delay = "1m 30s")]
fn initial_delay_string() {}

#[every(5s, initial_delay = GRACE)]
fn initial_delay_expression() {}

#[every(5s, jitter = 0)]
fn jitter_zero() {}

#[every(5s, jitter = 0.5)]
fn jitter_half() {}

#[every(5s, jitter = 1)]
fn jitter_one() {}

#[every(5s, jitter = 1.0)]
fn jitter_one_float() {}

#[every(5s, on_error = "continue")]
fn keep_going() -> Result<(), std::io::Error> {
    Ok(())
}

#[every(5s, on_error = "stop")]
fn stop_on_error() -> Result<(), std::io::Error> {
    Ok(())
}

#[every(5s, timeout = 1s)]
fn timeout_literal() {}

#[every(5s, timeout = Duration::from_millis(500))]
fn timeout_expression() {}

#[every(5s, autostart = false)]
fn manual() {}

#[every(5s, autostart = true)]
fn automatic() {}

#[every(1h, mode = "fixed_rate", coordinated = true)]
fn fleet_wide() {}

#[every(1h, coordinated = false)]
fn local() {}

#[every(
    250ms,
    timeout = 100ms,
    on_error = "stop",
    jitter = 0.1,
    initial_delay = 1s,
    name = "everything",
    mode = "fixed_rate",
    autostart = false,
    coordinated = true,
    crate = "periodic",
)]
async fn all_at_once() -> Result<u64, std::io::Error> {
    Ok(1)
}

fn main() {
    let jobs = periodic::registry();
    let job = |name: &str| jobs.iter().find(|j| j.name == name).unwrap();

    assert_eq!(job("delay_mode").mode, Mode::FixedDelay);
    assert_eq!(job("rate_mode").mode, Mode::FixedRate);
    assert_eq!(job("local").mode, Mode::FixedDelay);
    assert!(jobs.iter().all(|j| j.name != "named"));
    assert_eq!(job("custom name").period, Duration::from_secs(5));
    assert!(!job("manual").autostart);
    assert!(job("automatic").autostart);
    assert!(job("delay_mode").autostart);
    assert!(job("fleet_wide").coordinated);
    assert!(!job("local").coordinated);
    let all = job("everything");
    assert_eq!(
        (all.period, all.mode, all.autostart, all.coordinated),
        (Duration::from_millis(250), Mode::FixedRate, false, true)
    );
    assert_eq!(jobs.len(), 19);

    delay_mode.func();
    rate_mode.func();
    named.func();
    initial_delay_literal.func();
    initial_delay_string.func();
    initial_delay_expression.func();
    jitter_zero.func();
    jitter_half.func();
    jitter_one.func();
    jitter_one_float.func();
    keep_going.func().unwrap();
    stop_on_error.func().unwrap();
    timeout_literal.func();
    timeout_expression.func();
    manual.func();
    automatic.func();
    fleet_wide.func();
    local.func();
    let _ = all_at_once.func();
}
