//! Only a return type spelled with angle-bracketed arguments (`Result<T, E>`, `io::Result<T>`)
//! is fallible: `std::fmt::Result`, an alias without them, is a value, so the handle is a
//! `Timer<std::fmt::Result>`.

#![deny(warnings)]

use periodic::every;

#[every(5s)]
fn render() -> std::fmt::Result {
    Ok(())
}

#[every(5s)]
fn fallible() -> std::io::Result<u8> {
    Ok(1)
}

fn main() {
    let _value: &periodic::Timer<std::fmt::Result> = &render;
    let _ok_type: &periodic::Timer<u8> = &fallible;
    assert_eq!(render.func(), Ok(()));
    assert_eq!(fallible.func().unwrap(), 1);
}
