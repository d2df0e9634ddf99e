//! Helpers shared by the integration tests of `periodic`. Each test binary uses a subset.
#![allow(dead_code)]

use std::future::IntoFuture;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::{Instant, timeout};

pub(crate) const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

pub(crate) const fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

/// Awaits `f`, failing the test instead of hanging if the library never completes it. Under
/// paused time the limit costs nothing.
pub(crate) async fn within<F: IntoFuture>(f: F) -> F::Output {
    timeout(secs(24 * 3600), f.into_future())
        .await
        .expect("the future never completed: the library hung")
}

/// `t0 + s` for each `s`.
pub(crate) fn at(t0: Instant, s: &[u64]) -> Vec<Instant> {
    s.iter().map(|&s| t0 + secs(s)).collect()
}

/// Records the instant of each call of a target.
#[derive(Clone, Default)]
pub(crate) struct Calls(Arc<Mutex<Vec<Instant>>>);

impl Calls {
    /// Records a call and returns its 1-based number.
    pub(crate) fn record(&self) -> u32 {
        let mut v = self.0.lock().unwrap();
        v.push(Instant::now());
        u32::try_from(v.len()).unwrap()
    }

    pub(crate) fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    pub(crate) fn instants(&self) -> Vec<Instant> {
        self.0.lock().unwrap().clone()
    }

    /// Call instants as offsets from `t0`.
    pub(crate) fn offsets(&self, t0: Instant) -> Vec<Duration> {
        self.instants().iter().map(|i| *i - t0).collect()
    }
}
