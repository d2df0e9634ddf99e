//! The knobs of a timer.

use std::fmt;

/// How a timer places its ticks in time.
///
/// A *tick* is one call of the target. The two modes differ in what the period is measured
/// from, and so in what happens when a tick takes long.
///
/// # `FixedDelay` (the default)
///
/// The next tick fires one `period` after the previous tick **finishes**. The spacing between
/// calls is always at least `period`; a slow target stretches the cycle. With a period of 10 and
/// a target that takes 3:
///
/// ```text
/// time:     0    3         13   16        26   29
/// tick:     |-1--|         |-2--|         |-3--|
///                <---10---->    <---10---->
/// ```
///
/// Use it for polling, retries, cooldowns and maintenance: work that must not crowd itself.
///
/// # `FixedRate`
///
/// Tick `n` is due at `anchor + n·period`, whatever the ticks before it took: no drift, ever.
/// When a tick overruns, the slots whose due instant is already past when it finishes are
/// **skipped** — never run late in a burst — counted in [`Stats::skipped`](crate::Stats) and
/// reported by one `warn!` per batch. With a period of 10 and a second tick that takes 25:
///
/// ```text
/// time:     0    10                   40   50
/// slots:    |1   |2    (3)  (4)       |5   |6
/// tick:     |1|  |-------2-------|    |5|  |6|
///                               35
/// ```
///
/// Slots 3 (due 20) and 4 (due 30) are before 35 and are skipped; slot 5 runs on time at 40.
/// A slot is missed only when its due instant is *strictly* before the finish: a target that
/// takes exactly one period keeps the full rate. (The seed, async-timer, skips that slot; we
/// deliberately do not.)
///
/// Use it for heartbeats, sampling and clock-aligned work.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::{Mode, Timer};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), periodic::Error> {
/// let timer = Timer::builder(Duration::from_secs(10), || async {
///     tokio::time::sleep(Duration::from_secs(3)).await; // a slow target
/// })
/// .mode(Mode::FixedRate)
/// .build()?;
/// timer.start()?;
/// timer.wait().hits(3).await?;
/// // Ticks started at 0, 10 and 20 s despite taking 3 s each.
/// assert_eq!(timer.stats().skipped, 0);
/// timer.cancel().await;
/// # Ok(())
/// # }
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The next tick fires `period` after the previous tick finishes.
    #[default]
    FixedDelay,
    /// Tick `n` is due at `anchor + n·period`; missed slots are skipped.
    FixedRate,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::FixedDelay => "fixed_delay",
            Mode::FixedRate => "fixed_rate",
        })
    }
}

/// What a timer does after a tick fails (the target returned `Err`, panicked, or exceeded its
/// tick timeout).
///
/// In both cases the failure is logged with `error!`, passed to the
/// [`on_failure`](crate::TimerBuilder::on_failure) hook, and delivered as `Err` to the waiters of
/// that tick.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::{OnError, Timer};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), periodic::Error> {
/// let timer = Timer::builder(Duration::from_secs(1), || -> std::io::Result<u32> {
///     Err(std::io::Error::other("upstream down"))
/// })
///     .on_error(OnError::Stop)
///     .build()?;
/// timer.start()?;
/// assert!(timer.join().await.is_err());
/// tokio::task::yield_now().await;
/// assert!(!timer.is_running());
/// // The error stays readable.
/// assert!(timer.stats().last_error.is_some());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OnError {
    /// Keep the schedule going.
    #[default]
    Continue,
    /// Stop the timer (the seed's behavior).
    Stop,
}

impl fmt::Display for OnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OnError::Continue => "continue",
            OnError::Stop => "stop",
        })
    }
}
