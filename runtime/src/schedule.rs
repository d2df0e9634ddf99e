//! The scheduling arithmetic of one run of a timer, free of I/O so that it is easy to test.

use std::time::Duration;

use tokio::time::Instant;

use crate::Mode;

/// Where the next tick of a run is due, and how it got there.
#[derive(Debug)]
pub(crate) struct Schedule {
    mode: Mode,
    /// Origin of the fixed-rate grid: slot `n` is due at `anchor + n·period`.
    anchor: Instant,
    /// Index of the next slot on the grid (fixed-rate only).
    slot: u64,
    /// Nominal due instant of the next tick, before jitter.
    due: Instant,
    /// Instant of the last tick's start and finish, if any tick ran in this run.
    last: Option<(Instant, Instant)>,
}

impl Schedule {
    /// A new run whose first tick is due at `first`.
    pub(crate) fn new(mode: Mode, first: Instant) -> Self {
        Schedule {
            mode,
            anchor: first,
            slot: 0,
            due: first,
            last: None,
        }
    }

    /// The nominal due instant of the next tick (before jitter).
    pub(crate) fn due(&self) -> Instant {
        self.due
    }

    /// A tick fires now, ahead of the schedule (a trigger). In fixed-rate the grid is re-anchored
    /// at `now`, so that the following tick is due one period after it.
    pub(crate) fn fire_now(&mut self, now: Instant) {
        self.anchor = now;
        self.slot = 0;
        self.due = now;
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
        self.last = Some((started, finished));
        match self.mode {
            Mode::FixedDelay => {
                self.due = finished + period;
                0
            }
            Mode::FixedRate => {
                let mut next = self.slot + 1;
                let elapsed = finished.saturating_duration_since(self.anchor);
                let p = period.as_nanos();
                // Smallest slot whose due instant is not before `finished`.
                let first_ok = u64::try_from(elapsed.as_nanos().div_ceil(p)).unwrap_or(u64::MAX);
                let skipped = first_ok.saturating_sub(next);
                next = next.max(first_ok);
                self.slot = next;
                self.due = grid(self.anchor, period, next);
                skipped
            }
        }
    }

    /// The period changed at `now` to `period`. The next tick becomes due one new period after
    /// the last tick's reference instant (its start in fixed-rate, its finish in fixed-delay), or
    /// at `now` if that instant has passed; fixed-rate re-anchors its grid at the new due instant.
    /// Before the first tick of a run, the first tick keeps its due instant.
    pub(crate) fn period_changed(&mut self, period: Duration, now: Instant) {
        let Some((started, finished)) = self.last else {
            return;
        };
        let reference = match self.mode {
            Mode::FixedDelay => finished,
            Mode::FixedRate => started,
        };
        self.due = (reference + period).max(now);
        self.anchor = self.due;
        self.slot = 0;
    }

    /// The instant to sleep until for the next tick: [`due`](Self::due) moved by `offset`
    /// (jitter, in `[-j·period, +j·period)`), never before `now`. In fixed-rate a tick never
    /// moves past its own slot's due instant (jitter can only make it earlier there), so that
    /// jitter never makes a fixed-rate tick late and never shifts the grid.
    pub(crate) fn fire_at(&self, offset: f64, now: Instant) -> Instant {
        let magnitude = Duration::from_secs_f64(offset.abs());
        let mut at = if offset >= 0.0 {
            self.due + magnitude
        } else {
            self.due.checked_sub(magnitude).unwrap_or(self.due)
        };
        if self.mode == Mode::FixedRate {
            at = at.min(self.due);
        }
        at.max(now)
    }
}

fn grid(anchor: Instant, period: Duration, slot: u64) -> Instant {
    let nanos = period.as_nanos().saturating_mul(u128::from(slot));
    let nanos = u64::try_from(nanos).unwrap_or(u64::MAX);
    anchor + Duration::from_nanos(nanos)
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
        let mut s = Schedule::new(Mode::FixedRate, t0);
        // Tick 0 runs for exactly 10 ms: slot 1 is due at the finish, not before it.
        assert_eq!(s.finished(10 * MS, t0, t0 + 10 * MS), 0);
        assert_eq!(s.due(), t0 + 10 * MS);
    }

    #[test]
    fn fixed_rate_skips_slots_strictly_in_the_past() {
        let t0 = Instant::now();
        let mut s = Schedule::new(Mode::FixedRate, t0);
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
        let mut s = Schedule::new(Mode::FixedDelay, t0);
        assert_eq!(s.finished(10 * MS, t0, t0 + 25 * MS), 0);
        assert_eq!(s.due(), t0 + 35 * MS);
    }

    #[test]
    fn jitter_offset_stays_in_its_half_open_range() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..10_000 {
            let o = jitter_offset(&mut rng, 1.0, 10 * MS);
            assert!((-0.010..0.010).contains(&o), "{o}");
        }
    }
}
