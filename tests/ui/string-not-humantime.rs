// A string period is parsed by `humantime::parse_duration`, as the runtime's overrides are; its
// message is part of the error.
use periodic::every;

#[every("5 fortnights")]
fn unknown_unit() {}

#[every("soon")]
fn not_a_duration() {}

fn main() {
    unknown_unit.func();
    not_a_duration.func();
}
