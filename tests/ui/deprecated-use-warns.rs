#![deny(deprecated)]

use periodic::every;

#[every(5s)]
#[deprecated(note = "use `fresh` instead")]
fn old() -> u8 {
    1
}

fn main() {
    let _ = old.func();
}
