// `#[must_use]` on the function (with its message) also marks `NAME.func()`, the way to call it.
#![deny(unused_must_use)]

use periodic::every;

#[every(5s)]
#[must_use]
fn plain() -> u8 {
    1
}

#[every(5s)]
#[must_use = "the count says how many rows were pruned"]
fn with_message() -> u8 {
    1
}

#[every(5s)]
#[must_use]
async fn asynchronous() -> u8 {
    1
}

async fn calls() {
    asynchronous.func().await;
}

fn main() {
    plain.func();
    with_message.func();
    let _ = calls();
}
