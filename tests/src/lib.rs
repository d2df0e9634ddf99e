//! Cross-crate integration tests of `periodic` live in `tests/`; this library is empty.
