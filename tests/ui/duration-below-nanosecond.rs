// A duration is a whole number of nanoseconds: finer digits are an error, not silently dropped
// (the exponent form is computed exactly, without floating point).
use periodic::every;

#[every(1e-10s)]
fn exponent() {}

#[every(1.5ns)]
fn fraction() {}

#[every("0.5ns")]
fn string() {}

fn main() {
    exponent.func();
    fraction.func();
    string.func();
}
