//! A string period is read by `humantime::parse_duration`, exactly as the runtime reads the
//! period overrides: every humantime unit, with humantime's value (a month is 30.44 days, a year
//! 365.25 days).

#![deny(warnings)]

use std::time::Duration;

use periodic::{JobOverride, every};

#[every("1 month")]
fn monthly() {}

#[every("2wk")]
fn fortnightly() {}

#[every("1y")]
fn yearly() {}

#[every("1.5 weeks 2 hrs 3µs")]
fn mixed() {}

/// The period an override written as `s` sets: `humantime::parse_duration(s)`.
fn override_period(s: &str) -> Duration {
    let json = format!(r#"{{ "period": "{s}" }}"#);
    let o: JobOverride = serde_json::from_str(&json).unwrap();
    o.period.unwrap()
}

fn main() {
    let mut got: Vec<_> = periodic::registry()
        .into_iter()
        .map(|j| (j.name, j.period))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("fortnightly", override_period("2wk")),
            ("mixed", override_period("1.5 weeks 2 hrs 3µs")),
            ("monthly", override_period("1 month")),
            ("yearly", override_period("1y")),
        ]
    );
    assert_eq!(override_period("1 month"), Duration::from_secs(2_630_016));
    assert_eq!(override_period("2wk"), Duration::from_secs(14 * 86_400));
    assert_eq!(override_period("1y"), Duration::from_secs(31_557_600));
    monthly.func();
    fortnightly.func();
    yearly.func();
    mixed.func();
}
