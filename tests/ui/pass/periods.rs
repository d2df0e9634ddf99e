//! Every accepted form of the period.

#![deny(warnings)]

use std::time::Duration;

use periodic::every;

const REFRESH: Duration = Duration::from_millis(1500);

#[every(5s)]
fn seconds() {}

#[every(250ms)]
fn millis() {}

#[every(1.5s)]
fn fractional() {}

#[every(1m30s)]
fn compound() {}

#[every(1h30m15s)]
fn compound_three() {}

#[every(1_000ms)]
fn underscores() {}

#[every(7ns)]
fn unit_ns() {}

#[every(7us)]
fn unit_us() {}

#[every(7ms)]
fn unit_ms() {}

#[every(7s)]
fn unit_s() {}

#[every(7m)]
fn unit_m() {}

#[every(7h)]
fn unit_h() {}

#[every(7d)]
fn unit_d() {}

#[every("1h 30m")]
fn humantime() {}

#[every("90 seconds")]
fn humantime_long_unit() {}

#[every(REFRESH)]
fn const_path() {}

#[every(Duration::from_secs(5))]
fn expression() {}

#[every(std::time::Duration::from_millis(20) * 3)]
fn arithmetic() {}

fn main() {
    let expected = [
        ("arithmetic", Duration::from_millis(60)),
        ("compound", Duration::from_secs(90)),
        ("compound_three", Duration::from_secs(5415)),
        ("const_path", REFRESH),
        ("expression", Duration::from_secs(5)),
        ("fractional", Duration::from_millis(1500)),
        ("humantime", Duration::from_secs(5400)),
        ("humantime_long_unit", Duration::from_secs(90)),
        ("millis", Duration::from_millis(250)),
        ("seconds", Duration::from_secs(5)),
        ("underscores", Duration::from_secs(1)),
        ("unit_d", Duration::from_secs(7 * 86_400)),
        ("unit_h", Duration::from_secs(7 * 3_600)),
        ("unit_m", Duration::from_secs(7 * 60)),
        ("unit_ms", Duration::from_millis(7)),
        ("unit_ns", Duration::from_nanos(7)),
        ("unit_s", Duration::from_secs(7)),
        ("unit_us", Duration::from_micros(7)),
    ];
    let jobs = periodic::registry();
    let actual: Vec<_> = jobs.iter().map(|j| (j.name, j.period)).collect();
    assert_eq!(actual, expected);

    seconds.func();
    millis.func();
    fractional.func();
    compound.func();
    compound_three.func();
    underscores.func();
    unit_ns.func();
    unit_us.func();
    unit_ms.func();
    unit_s.func();
    unit_m.func();
    unit_h.func();
    unit_d.func();
    humantime.func();
    humantime_long_unit.func();
    const_path.func();
    expression.func();
    arithmetic.func();
}
