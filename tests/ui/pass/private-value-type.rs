//! Any visibility: a `pub(crate) fn` may return a module-private type, as in plain Rust (which
//! only warns, `private_interfaces`, allowed here). The handle's `Deref` never names the value
//! type, so this is no E0446; and the handles of other jobs still work from other modules.

#![deny(warnings)]
#![allow(private_interfaces)]

mod jobs {
    use periodic::every;

    #[derive(Clone, Debug, PartialEq)]
    struct Snapshot(u8);

    #[every(5s)]
    pub(crate) fn sample() -> Snapshot {
        Snapshot(1)
    }

    #[every(5s)]
    pub(crate) fn count() -> u8 {
        2
    }

    pub(crate) fn check() {
        assert_eq!(sample.func(), Snapshot(1));
        let _timer: &periodic::Timer<Snapshot> = &sample;
        assert_eq!(sample.last_result(), None);
    }
}

fn main() {
    let mut names: Vec<_> = periodic::registry().into_iter().map(|j| j.name).collect();
    names.sort();
    assert_eq!(names, ["count", "sample"]);
    jobs::check();
    assert_eq!(jobs::count.func(), 2);
    assert_eq!(jobs::count.name(), "count");
    let _timer: &periodic::Timer<u8> = &jobs::count;
}
