//! The default name of `fn r#type` is `type`, without `r#`: the name the overrides and the
//! environment variables use.

#![deny(warnings)]

use periodic::every;

#[every(5s)]
fn r#type() {}

#[every(5s)]
fn r#plain() {}

fn main() {
    let mut names: Vec<_> = periodic::registry().into_iter().map(|j| j.name).collect();
    names.sort();
    assert_eq!(names, ["plain", "type"]);
    r#type.func();
    plain.func();
    assert_eq!(r#type.name(), "type");
}
