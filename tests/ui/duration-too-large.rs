// A duration beyond `Duration::MAX` (u64::MAX seconds) is an error at the literal, in every form
// and for every duration argument: never a silently wrapped period, never a panicking macro.
use periodic::every;

#[every(213503982334602d)]
fn literal() {}

#[every("213503982334602d")]
fn string() {}

#[every(340282366920938463463374607431768211.999us)]
fn beyond_u128() {}

// Each part fits; the sum is u64::MAX + 1 seconds.
#[every(307445734561825860m16s)]
fn compound() {}

#[every(1e20s)]
fn exponent() {}

#[every(5s, initial_delay = 213503982334602d, timeout = "213503982334602d")]
fn other_arguments() {}

#[every(5s, coordinated = true, mode = "fixed_rate", offset = 1e30s)]
fn offset() {}

fn main() {
    literal.func();
    string.func();
    beyond_u128.func();
    compound.func();
    exponent.func();
    other_arguments.func();
    offset.func();
}
