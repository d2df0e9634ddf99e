//! The scheduling arithmetic of one run of a timer, free of I/O so that it is easy to test.

use std::time::Duration;

use tokio::time::Instant;

use crate::Mode;

/// Where the next tick of a run is due, and how it got there.
///
/// Fixed-rate slots lie on a grid of whole periods from the run's first tick (or its last
/// trigger or period change): each next slot is the previous one plus a period, which is exact
/// in integer nanoseconds, so the grid never drifts.
#[derive(Debug)]
pub(crate) struct Schedule {
    mode: Mode,
    /// The timer's jitter fraction, kept here for the run rather than read from the timer's
    /// configuration (at the cold end of its shared state) on every tick. An `f32` fits beside
    /// `mode` (an `f64` would add 8 bytes to every run's future, whose budget the test at the
    /// end of `driver.rs` keeps), rounded toward zero so that an offset never exceeds
    /// `jitter·period`.
    jitter: f32,
    /// Nominal due instant of the next tick, before jitter.
    due: Instant,
    /// The last tick's reference instant, if a tick ran in this run (its start in fixed-rate,
    /// its finish in fixed-delay), as nanoseconds before `due` — never after it (see
    /// [`set`](Self::set)) — or [`NO_TICK`](Self::NO_TICK): half the bytes of an
    /// `Option<Instant>`, in the future of every timer's task.
    last: u64,
}

impl Schedule {
    /// A new run whose first tick is due at `first`, jittered by `jitter` (a fraction of the
    /// period) from the second tick on.
    pub(crate) fn new(mode: Mode, first: Instant, jitter: f64) -> Self {
        Schedule {
            mode,
            jitter: toward_zero(jitter),
            due: first,
            last: Self::NO_TICK,
        }
    }

    /// No tick ran in this run yet.
    const NO_TICK: u64 = u64::MAX;

    /// The last tick's reference instant.
    fn last(&self) -> Option<Instant> {
        (self.last != Self::NO_TICK).then(|| {
            self.due
                .checked_sub(Duration::from_nanos(self.last))
                .unwrap_or(self.due)
        })
    }

    /// Moves the next tick to `due`, keeping the last tick's reference instant `last`. Every
    /// caller keeps `last ≤ due`: a tick is never due before the last one started or finished.
    fn set(&mut self, due: Instant, last: Option<Instant>) {
        self.due = due;
        // A gap of 584 years or more (a period of `Duration::MAX`) is kept as just under it,
        // 1 ns short at most: `NO_TICK` would forget that a tick ran.
        self.last = last.map_or(Self::NO_TICK, |last| {
            let gap = due.saturating_duration_since(last).as_nanos();
            u64::try_from(gap).map_or(Self::NO_TICK - 1, |gap| gap.min(Self::NO_TICK - 1))
        });
    }

    /// The jitter fraction.
    pub(crate) fn jitter(&self) -> f64 {
        f64::from(self.jitter)
    }

    /// The nominal due instant of the next tick (before jitter).
    pub(crate) fn due(&self) -> Instant {
        self.due
    }

    /// A tick fires now, ahead of the schedule (a trigger). In fixed-rate the grid is re-anchored
    /// at `now`, so that the following tick is due one period after it.
    pub(crate) fn fire_now(&mut self, now: Instant) {
        self.set(now, self.last());
    }

    /// The tick due at [`due`](Self::due) ran from `started` to `finished`. Plans the next tick
    /// and returns the number of fixed-rate slots skipped because they were already in the past.
    ///
    /// A slot is missed only when its due instant is strictly before `finished`: a target that
    /// takes exactly one period keeps the full rate.
    pub(crate) fn finished(
        &mut self,
        period: Duration,
        started: Instant,
        finished: Instant,
    ) -> u64 {
        match self.mode {
            Mode::FixedDelay => {
                self.set(later(finished, period), Some(finished));
                0
            }
            Mode::FixedRate => {
                let next = later(self.due, period);
                if next >= finished {
                    // The common case: the tick finished within its period.
                    self.set(next, Some(started));
                    return 0;
                }
                // Smallest k ≥ 1 whose slot `due + k·period` is not before `finished`.
                let behind = finished.saturating_duration_since(self.due).as_nanos();
                let k = behind.div_ceil(period.as_nanos());
                let k = u64::try_from(k).unwrap_or(u64::MAX);
                let nanos = period.as_nanos().saturating_mul(u128::from(k));
                let due = later(
                    self.due,
                    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX)),
                );
                self.set(due, Some(started));
                k - 1
            }
        }
    }

    /// The period changed at `now` to `period`. The next tick becomes due one new period after
    /// the last tick's reference instant (its start in fixed-rate, its finish in fixed-delay), or
    /// at `now` if that instant has passed; fixed-rate re-anchors its grid at the new due instant.
    /// Before the first tick of a run, the first tick keeps its due instant. Returns whether
    /// the next tick moved (whether a tick ran in this run).
    pub(crate) fn period_changed(&mut self, period: Duration, now: Instant) -> bool {
        let Some(reference) = self.last() else {
            return false;
        };
        self.set(later(reference, period).max(now), Some(reference));
        true
    }

    /// The instant to sleep until for the next tick: [`due`](Self::due) moved by `offset`
    /// (jitter, in `[-j·period, +j·period)`), never before `now`. In fixed-rate a tick never
    /// moves past its own slot's due instant (jitter can only make it earlier there), so that
    /// jitter never makes a fixed-rate tick late and never shifts the grid.
    pub(crate) fn fire_at(&self, offset: f64, now: Instant) -> Instant {
        if offset == 0.0 {
            return self.due.max(now);
        }
        // Below `period`, but an `f64` of a period near `Duration::MAX` may round above it.
        let magnitude = Duration::try_from_secs_f64(offset.abs()).unwrap_or(Duration::MAX);
        let mut at = if offset >= 0.0 {
            later(self.due, magnitude)
        } else {
            self.due.checked_sub(magnitude).unwrap_or(self.due)
        };
        if self.mode == Mode::FixedRate {
            at = at.min(self.due);
        }
        at.max(now)
    }
}

/// The nearest `f32` not above `fraction` (a jitter fraction, in `[0, 1]`).
fn toward_zero(fraction: f64) -> f32 {
    let narrow = fraction as f32;
    if f64::from(narrow) > fraction {
        narrow.next_down()
    } else {
        narrow
    }
}

/// `at + d`, or an instant decades away when that overflows (a period of `Duration::MAX`).
pub(crate) fn later(at: Instant, d: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(60 * 60 * 24 * 365 * 30);
    at.checked_add(d)
        .or_else(|| at.checked_add(FAR))
        .unwrap_or(at)
}

/// A jitter offset in `[-j·period, +j·period)`, in seconds.
pub(crate) fn jitter_offset(rng: &mut fastrand::Rng, jitter: f64, period: Duration) -> f64 {
    if jitter == 0.0 {
        return 0.0;
    }
    (rng.f64() * 2.0 - 1.0) * jitter * period.as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn fixed_rate_keeps_rate_when_target_takes_exactly_one_period() {
        let t0 = Instant::now();
        let mut s = Schedule::new(Mode::FixedRate, t0, 0.0);
        // Tick 0 runs for exactly 10 ms: slot 1 is due at the finish, not before it.
        assert_eq!(s.finished(10 * MS, t0, t0 + 10 * MS), 0);
        assert_eq!(s.due(), t0 + 10 * MS);
    }

    #[test]
    fn fixed_rate_skips_slots_strictly_in_the_past() {
        let t0 = Instant::now();
        let mut s = Schedule::new(Mode::FixedRate, t0, 0.0);
        // Finishes at 25 ms: slots 1 (10 ms) and 2 (20 ms) are missed, slot 3 (30 ms) is next.
        assert_eq!(s.finished(10 * MS, t0, t0 + 25 * MS), 2);
        assert_eq!(s.due(), t0 + 30 * MS);
        // Finishes at 30 ms + 1 ns past slot 3's start: 40 ms is next, nothing skipped.
        assert_eq!(s.finished(10 * MS, t0 + 30 * MS, t0 + 31 * MS), 0);
        assert_eq!(s.due(), t0 + 40 * MS);
    }

    #[test]
    fn fixed_delay_counts_from_the_finish() {
        let t0 = Instant::now();
        let mut s = Schedule::new(Mode::FixedDelay, t0, 0.0);
        assert_eq!(s.finished(10 * MS, t0, t0 + 25 * MS), 0);
        assert_eq!(s.due(), t0 + 35 * MS);
    }

    #[test]
    fn a_period_change_counts_from_the_last_ticks_reference_instant() {
        let t0 = Instant::now();
        let mut s = Schedule::new(Mode::FixedRate, t0, 0.0);
        // Before any tick, the first tick keeps its due instant.
        assert!(!s.period_changed(20 * MS, t0));
        assert_eq!(s.due(), t0);
        // A fixed-rate tick started at 1 ms; a trigger at 4 ms moves the grid but not the
        // reference instant; the new period counts from the start of the last tick.
        s.finished(10 * MS, t0 + MS, t0 + 3 * MS);
        s.fire_now(t0 + 4 * MS);
        s.period_changed(20 * MS, t0 + 5 * MS);
        assert_eq!(s.due(), t0 + 21 * MS);
        // Fixed-delay: from the finish; a reference already a period ago gives `now`.
        let mut s = Schedule::new(Mode::FixedDelay, t0, 0.0);
        s.finished(10 * MS, t0, t0 + 2 * MS);
        s.period_changed(20 * MS, t0 + 5 * MS);
        assert_eq!(s.due(), t0 + 22 * MS);
        s.period_changed(MS, t0 + 5 * MS);
        assert_eq!(s.due(), t0 + 5 * MS);
    }

    #[test]
    fn a_tick_is_remembered_however_long_the_period() {
        let t0 = Instant::now();
        for mode in [Mode::FixedDelay, Mode::FixedRate] {
            // The run's period in nanoseconds saturates at u64::MAX for `Duration::MAX`.
            let mut s = Schedule::new(mode, t0, 0.0);
            s.finished(Duration::from_nanos(u64::MAX), t0, t0);
            assert!(s.period_changed(MS, t0 + MS), "{mode:?}");
            // The gap is kept 1 ns short: the reference instant reads 1 ns late.
            let due = s.due() - (t0 + MS);
            assert!(due <= Duration::from_nanos(1), "{mode:?}: {due:?}");
        }
    }

    #[test]
    fn the_kept_jitter_fraction_never_exceeds_the_given_one() {
        for j in [0.0, 0.1, 0.3, 0.5, 1.0 / 3.0, 0.999_999_999, 1.0] {
            let kept = Schedule::new(Mode::FixedRate, Instant::now(), j).jitter();
            assert!(kept <= j && j - kept < 1e-7, "{j} kept as {kept}");
        }
    }

    #[test]
    fn jitter_offset_stays_in_its_half_open_range() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..10_000 {
            let o = jitter_offset(&mut rng, 1.0, 10 * MS);
            assert!((-0.010..0.010).contains(&o), "{o}");
        }
    }

    #[test]
    fn an_offset_as_long_as_the_longest_period_does_not_overflow() {
        // A full jitter of `Duration::MAX` draws offsets near ±1.8e19 s: as an `f64` the
        // largest round above `Duration::MAX`.
        let t0 = Instant::now();
        let s = Schedule::new(Mode::FixedDelay, t0, 1.0);
        let longest = Duration::MAX.as_secs_f64();
        assert!(Duration::try_from_secs_f64(longest).is_err());
        assert!(s.fire_at(longest, t0) >= t0);
        assert_eq!(s.fire_at(-longest, t0), t0);
    }
}
