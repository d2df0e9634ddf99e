//! The trybuild UI suite of `#[every]`: one compile-fail case per rule in `tests/ui/*.rs`, each
//! with the expected compiler output beside it (`.stderr`), and the accepted forms of the
//! attribute in `tests/ui/pass/*.rs`.
//!
//! Paths are relative to this package's directory (trybuild resolves them against
//! `CARGO_MANIFEST_DIR`). The snapshots depend on the compiler version; after a deliberate
//! change, regenerate them with
//! `TRYBUILD=overwrite cargo test -p periodic-tests --test compiletest` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
    t.pass("ui/pass/*.rs");
}
