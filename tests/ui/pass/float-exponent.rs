//! A float literal with an exponent, computed exactly (no floating point).

#![deny(warnings)]

use std::time::Duration;

use periodic::every;

#[every(1e3ms)]
fn exponent() {}

#[every(2.5e-1s, initial_delay = 1E2ms, timeout = 1e+1s)]
fn negative_exponent() {}

#[every(1e1m30s)]
fn compound() {}

fn main() {
    let mut got: Vec<_> = periodic::registry()
        .into_iter()
        .map(|j| (j.name, j.period))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("compound", Duration::from_secs(630)),
            ("exponent", Duration::from_secs(1)),
            ("negative_exponent", Duration::from_millis(250)),
        ]
    );
    exponent.func();
    negative_exponent.func();
    compound.func();
}
