//! Review of the run's state in one struct (5b5ca1a, 94e1fc8: the run's future 272 → 152
//! bytes, the last tick's instant kept as a gap before the next, the run set up by `start`).
//! Each test failed on the reviewed code; the last one also on the code before it.

mod common;

use std::time::Duration;

use common::{secs, within};
use periodic::{Mode, Timer};
use tokio::time::{Instant, sleep, timeout};

/// A trigger-only timer (period `Duration::MAX`) switched to a real period after its first
/// tick ticks again: the run's period saturates at `u64::MAX` nanoseconds, and the gap between
/// the last tick and the next must not read as "no tick yet".
#[tokio::test(start_paused = true)]
async fn a_duration_max_period_changed_after_a_tick_ticks_again() {
    for mode in [Mode::FixedDelay, Mode::FixedRate] {
        let timer = Timer::builder(Duration::MAX, || ())
            .mode(mode)
            .build()
            .unwrap();
        timer.start().unwrap();
        within(timer.wait().hit_count(1)).await.unwrap();
        sleep(secs(1)).await;
        timer.set_period(secs(1)).unwrap();
        let second = timeout(secs(3600), timer.wait().hit_count(2)).await;
        timer.cancel().await;
        assert!(
            second.is_ok(),
            "{mode:?}: no tick within an hour of set_period(1 s)"
        );
    }
}

/// The first tick is never jittered: a period change before it, whether the run's task was
/// polled yet or not, leaves it where the initial delay put it.
#[tokio::test(start_paused = true)]
async fn a_period_change_before_the_first_tick_does_not_jitter_it() {
    for polled in [false, true] {
        for seed in 0..8 {
            let timer = Timer::builder(secs(10), || ())
                .initial_delay(secs(5))
                .jitter(0.5)
                .jitter_seed(seed)
                .build()
                .unwrap();
            let t0 = Instant::now();
            timer.start().unwrap();
            if polled {
                tokio::task::yield_now().await;
            }
            timer.set_period(secs(20)).unwrap();
            within(timer.wait().hit_count(1)).await.unwrap();
            let first = timer.last_tick_at().unwrap() - t0;
            timer.cancel().await;
            assert_eq!(first, secs(5), "seed {seed}, polled {polled}: jittered");
        }
    }
}
