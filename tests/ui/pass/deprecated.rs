//! A `#[deprecated]` job: its own expansion is silent, its uses warn.

#![deny(warnings)]

use periodic::every;

/// Replaced by something better.
#[every(5s)]
#[deprecated(note = "use something else")]
fn old() -> u8 {
    1
}

fn main() {
    #[allow(deprecated)]
    let value = old.func();
    assert_eq!(value, 1);
    assert_eq!(periodic::registry()[0].name, "old");
}
