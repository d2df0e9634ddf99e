//! `crate = "…"` for users who reach `periodic` through a re-export, and generated code that
//! does not depend on the names in the user's scope.

#![deny(warnings)]
#![allow(dead_code, unused_imports)]

mod support {
    pub use periodic as timers;
}

// Names that generated code must not pick up from the user's scope.
use std as core;
use std::io as periodic;
struct Box;
struct Option;
struct Duration;
struct Job;
trait IntoTarget {}

// Value and error types named like the macro's helper traits.
#[derive(Clone)]
struct JobValue(u8);

#[derive(Debug)]
struct JobError;

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("job error")
    }
}

impl std::error::Error for JobError {}

#[support::timers::every(5s, crate = "support::timers")]
fn through_reexport() -> JobValue {
    JobValue(1)
}

#[support::timers::every(5s, crate = "::periodic")]
async fn absolute_path() -> Result<JobValue, JobError> {
    Ok(JobValue(2))
}

fn main() {
    assert_eq!(through_reexport.func().0, 1);
    let _ = absolute_path.func();
    assert_eq!(::periodic::registry().len(), 2);
}
