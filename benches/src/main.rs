//! The side-by-side benchmark harness of `periodic` (SPEC §9).
//!
//! No scenario is implemented yet (issue 6): the binary says so and exits with an error rather
//! than print numbers it did not measure.

fn main() {
    eprintln!(
        "periodic-bench: no scenarios are implemented yet (see issue 6); nothing was measured"
    );
    std::process::exit(2);
}
