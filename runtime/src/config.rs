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
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use periodic::{Mode, Timer};
    /// use tokio::time::Instant;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let origin = Instant::now();
    /// let starts = Arc::new(Mutex::new(Vec::new()));
    /// let log = starts.clone();
    /// let timer = Timer::builder(Duration::from_secs(10), move || {
    ///     log.lock().unwrap().push(origin.elapsed().as_secs());
    ///     tokio::time::sleep(Duration::from_secs(3)) // each tick takes 3 s
    /// })
    /// .mode(Mode::FixedDelay)
    /// .build()?;
    /// timer.start()?;
    /// timer.wait().hit_count(3).await?;
    /// assert_eq!(*starts.lock().unwrap(), [0, 13, 26]); // 10 s after each finish
    /// # Ok(())
    /// # }
    /// ```
    #[default]
    FixedDelay,
    /// Tick `n` is due at `anchor + n·period`; missed slots are skipped.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use periodic::{Mode, Timer};
    /// use tokio::time::Instant;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let origin = Instant::now();
    /// let starts = Arc::new(Mutex::new(Vec::new()));
    /// let log = starts.clone();
    /// let timer = Timer::builder(Duration::from_secs(10), move || {
    ///     let mut starts = log.lock().unwrap();
    ///     starts.push(origin.elapsed().as_secs());
    ///     // The second tick takes 25 s, the others 1 s.
    ///     let work = if starts.len() == 2 { 25 } else { 1 };
    ///     tokio::time::sleep(Duration::from_secs(work))
    /// })
    /// .mode(Mode::FixedRate)
    /// .build()?;
    /// timer.start()?;
    /// timer.wait().hit_count(4).await?;
    /// // The slots at 20 and 30 s were missed (the second tick ended at 35 s): skipped, not
    /// // run late; the grid is kept.
    /// assert_eq!(*starts.lock().unwrap(), [0, 10, 40, 50]);
    /// assert_eq!(timer.stats().skipped, 2);
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{OnError, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::builder(Duration::from_secs(1), || -> Result<(), std::io::Error> {
    ///     Err(std::io::Error::other("still down"))
    /// })
    /// .on_error(OnError::Continue)
    /// .build()?;
    /// timer.start()?;
    /// assert!(timer.join().await.is_err());
    /// assert!(timer.join().await.is_err()); // it tried again a second later
    /// assert_eq!(timer.stats().errors, 2);
    /// assert!(timer.is_running());
    /// # Ok(())
    /// # }
    /// ```
    #[default]
    Continue,
    /// Stop the timer (the seed's behavior). The run ends with
    /// [`StopReason::Failed`](crate::StopReason::Failed).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{OnError, StopReason, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::builder(Duration::from_secs(1), || -> Result<(), std::io::Error> {
    ///     Err(std::io::Error::other("corrupt input"))
    /// })
    /// .on_error(OnError::Stop)
    /// .build()?;
    /// timer.start()?;
    /// assert!(timer.join().await.is_err());
    /// timer.cancel().await; // returns once the run is over
    /// assert!(matches!(timer.last_stop(), Some(StopReason::Failed(_))));
    /// assert_eq!(timer.stats().ticks, 1); // no second call
    /// # Ok(())
    /// # }
    /// ```
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
