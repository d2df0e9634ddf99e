//! Two jobs with the same name, in different modules: `run_all` refuses them, naming the job
//! and both places it is defined, and starts nothing — not even with a filter that leaves the
//! duplicates out.

use std::time::Duration;

use periodic::{Error, every};
use periodic_tests::within;

const FILE: &str = file!();

mod one {
    pub(crate) const LINE: u32 = line!() + 1;
    #[periodic::every(1s, name = "dup")]
    pub(crate) fn first() -> u8 {
        1
    }
}

mod two {
    pub(crate) const LINE: u32 = line!() + 1;
    #[periodic::every(2s, name = "dup")]
    pub(crate) async fn second() -> u8 {
        2
    }
}

#[every(1s)]
fn a_unique() {}

#[every(1s)]
fn z_unique() {}

fn nothing_runs() {
    assert!(!one::first.is_running());
    assert!(!two::second.is_running());
    assert!(!a_unique.is_running());
    assert!(!z_unique.is_running());
}

#[tokio::test(start_paused = true)]
async fn run_all_refuses_a_duplicate_name_and_starts_nothing() {
    // Both are registered, sorted by name then location.
    let dups: Vec<_> = periodic::registry()
        .into_iter()
        .filter(|j| j.name == "dup")
        .map(|j| (j.line, j.module_path, j.period))
        .collect();
    assert_eq!(
        dups,
        [
            (one::LINE, "duplicate::one", Duration::from_secs(1)),
            (two::LINE, "duplicate::two", Duration::from_secs(2)),
        ]
    );

    let err = within(periodic::run_all()).await.unwrap_err();
    let (first, second) = (
        format!("{FILE}:{}", one::LINE),
        format!("{FILE}:{}", two::LINE),
    );
    match &err {
        Error::DuplicateName {
            name,
            first: f,
            second: s,
        } => {
            assert_eq!(&**name, "dup");
            assert_eq!(**f, *first);
            assert_eq!(**s, *second);
        }
        other => panic!("expected DuplicateName, got {other:?}"),
    }
    let message = err.to_string();
    for part in ["dup", first.as_str(), second.as_str()] {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
    nothing_runs();

    // A filter that selects only unique jobs does not make the duplicate acceptable.
    let err = within(periodic::configure().filter(|j| j.name != "dup").run_all())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::DuplicateName { .. }), "{err:?}");
    nothing_runs();

    // Each duplicate still works through its own handle.
    assert_eq!(one::first.func(), 1);
    assert_eq!(two::second.func().await, 2);
    assert_eq!(one::first.name(), two::second.name());
}
