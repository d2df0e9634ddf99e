//! Multi-process tests of coordinated jobs: several replicas of one service — separate
//! processes of the `replica` binary — run one coordinated job against the real PostgreSQL or
//! Redis, and the tests in `tests/` check from their output that each slot ran at most once
//! (exactly once while the store answered), with replicas killed, connections cut and clocks
//! skewed. Not published.
//!
//! This library is the line protocol between them: the replica prints one [`Line`] per event on
//! its stdout, and the tests parse them back. The events come from a [`Coordinator`] that wraps
//! the real one, so the slot a replica ran is the slot whose claim it won — read from the
//! claim, not estimated from the clock (a run started late, or on a replica whose clock is
//! skewed, would make an estimate wrong by one slot).
//!
//! [`Coordinator`]: periodic::Coordinator
//!
//! # Examples
//!
//! ```
//! use periodic_fleet_tests::Line;
//!
//! let line = Line::Ran { replica: "r1".into(), slot: 42, own_lag_us: 1_200, real_lag_us: 1_250 };
//! assert_eq!(line.to_string(), "RAN r1 42 1200 1250");
//! assert_eq!("RAN r1 42 1200 1250".parse::<Line>(), Ok(line));
//! ```

use std::fmt;
use std::str::FromStr;

/// The first line a replica reads on its stdin to learn its last slot: `LAST <slot>`.
///
/// # Examples
///
/// ```
/// assert_eq!(periodic_fleet_tests::last_command(17), "LAST 17\n");
/// ```
pub fn last_command(slot: u64) -> String {
    format!("LAST {slot}\n")
}

/// Parses a `LAST <slot>` command (see [`last_command`]).
///
/// # Examples
///
/// ```
/// use periodic_fleet_tests::parse_last_command;
///
/// assert_eq!(parse_last_command("LAST 17"), Some(17));
/// assert_eq!(parse_last_command("STOP"), None);
/// ```
pub fn parse_last_command(line: &str) -> Option<u64> {
    line.trim().strip_prefix("LAST ")?.trim().parse().ok()
}

/// One event of a replica, as printed on its stdout (one line each, space-separated).
///
/// # Examples
///
/// ```
/// use periodic_fleet_tests::Line;
///
/// let failed: Line = "FAILED r3 17 periodic-redis: claim failed".parse().unwrap();
/// assert_eq!(failed.replica(), "r3");
/// assert_eq!(failed.slot(), Some(17));
/// assert_eq!(failed.to_string(), "FAILED r3 17 periodic-redis: claim failed");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// `READY <replica>`: connected to its store, its coordinated timer started.
    Ready {
        /// The replica's id (also its owner name in the store).
        replica: String,
    },
    /// `ASK <replica> <slot>`: the timer asks the store to claim the slot.
    Ask {
        /// The replica's id.
        replica: String,
        /// The slot's index.
        slot: u64,
    },
    /// `WON <replica> <slot>`: the claim succeeded, this replica runs the slot.
    Won {
        /// The replica's id.
        replica: String,
        /// The slot's index.
        slot: u64,
    },
    /// `LOST <replica> <slot>`: another replica holds the claim.
    Lost {
        /// The replica's id.
        replica: String,
        /// The slot's index.
        slot: u64,
    },
    /// `FAILED <replica> <slot> <error>`: the store could not be asked (the claim returned
    /// `Err`).
    Failed {
        /// The replica's id.
        replica: String,
        /// The slot's index.
        slot: u64,
        /// The store's error message.
        error: String,
    },
    /// `ABANDONED <replica> <slot>`: the timer stopped waiting for the claim's answer (its
    /// bounded time ran out): it counts the store as unreachable for this slot.
    Abandoned {
        /// The replica's id.
        replica: String,
        /// The slot's index.
        slot: u64,
    },
    /// `RAN <replica> <slot> <own_lag_us> <real_lag_us>`: the target ran for the slot it won,
    /// this late after the slot was due by the replica's own (possibly skewed) clock and by the
    /// real one. Negative means early.
    Ran {
        /// The replica's id.
        replica: String,
        /// The slot's index (the one its claim won).
        slot: u64,
        /// Microseconds since the slot was due, by the replica's clock.
        own_lag_us: i64,
        /// Microseconds since the slot was due, by the real clock.
        real_lag_us: i64,
    },
    /// `LEAVE <replica> <slot>`: the first slot after the last one it was told to run: it
    /// claims no more and shuts down.
    Leave {
        /// The replica's id.
        replica: String,
        /// The slot's index.
        slot: u64,
    },
    /// `DONE <replica>`: its timer stopped and its runs were recorded; it exits.
    Done {
        /// The replica's id.
        replica: String,
    },
}

impl Line {
    /// The replica that printed the line.
    ///
    /// # Examples
    ///
    /// ```
    /// use periodic_fleet_tests::Line;
    ///
    /// assert_eq!(Line::Done { replica: "r2".into() }.replica(), "r2");
    /// ```
    pub fn replica(&self) -> &str {
        match self {
            Line::Ready { replica }
            | Line::Ask { replica, .. }
            | Line::Won { replica, .. }
            | Line::Lost { replica, .. }
            | Line::Failed { replica, .. }
            | Line::Abandoned { replica, .. }
            | Line::Ran { replica, .. }
            | Line::Leave { replica, .. }
            | Line::Done { replica } => replica,
        }
    }

    /// The slot the line is about, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use periodic_fleet_tests::Line;
    ///
    /// assert_eq!(Line::Ask { replica: "r1".into(), slot: 9 }.slot(), Some(9));
    /// assert_eq!(Line::Ready { replica: "r1".into() }.slot(), None);
    /// ```
    pub fn slot(&self) -> Option<u64> {
        match self {
            Line::Ready { .. } | Line::Done { .. } => None,
            Line::Ask { slot, .. }
            | Line::Won { slot, .. }
            | Line::Lost { slot, .. }
            | Line::Failed { slot, .. }
            | Line::Abandoned { slot, .. }
            | Line::Ran { slot, .. }
            | Line::Leave { slot, .. } => Some(*slot),
        }
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Line::Ready { replica } => write!(f, "READY {replica}"),
            Line::Ask { replica, slot } => write!(f, "ASK {replica} {slot}"),
            Line::Won { replica, slot } => write!(f, "WON {replica} {slot}"),
            Line::Lost { replica, slot } => write!(f, "LOST {replica} {slot}"),
            Line::Failed {
                replica,
                slot,
                error,
            } => {
                // One line, whatever the message holds.
                let error = error.replace(['\n', '\r'], " ");
                write!(f, "FAILED {replica} {slot} {error}")
            }
            Line::Abandoned { replica, slot } => write!(f, "ABANDONED {replica} {slot}"),
            Line::Ran {
                replica,
                slot,
                own_lag_us,
                real_lag_us,
            } => write!(f, "RAN {replica} {slot} {own_lag_us} {real_lag_us}"),
            Line::Leave { replica, slot } => write!(f, "LEAVE {replica} {slot}"),
            Line::Done { replica } => write!(f, "DONE {replica}"),
        }
    }
}

/// Why a line is not a [`Line`]: the line itself.
///
/// # Examples
///
/// ```
/// use periodic_fleet_tests::{Line, ParseLineError};
///
/// let error = "HELLO r1".parse::<Line>().unwrap_err();
/// assert_eq!(error, ParseLineError("HELLO r1".into()));
/// assert_eq!(error.to_string(), r#"not a replica line: "HELLO r1""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseLineError(pub String);

impl fmt::Display for ParseLineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a replica line: {:?}", self.0)
    }
}

impl std::error::Error for ParseLineError {}

impl FromStr for Line {
    type Err = ParseLineError;

    fn from_str(s: &str) -> Result<Line, ParseLineError> {
        let bad = || ParseLineError(s.to_owned());
        let mut words = s.trim_end().splitn(4, ' ');
        let kind = words.next().ok_or_else(bad)?;
        let replica = words.next().ok_or_else(bad)?.to_owned();
        let mut slot = || -> Result<u64, ParseLineError> {
            words.next().and_then(|w| w.parse().ok()).ok_or_else(bad)
        };
        let line = match kind {
            "READY" => Line::Ready { replica },
            "DONE" => Line::Done { replica },
            "ASK" => Line::Ask {
                replica,
                slot: slot()?,
            },
            "WON" => Line::Won {
                replica,
                slot: slot()?,
            },
            "LOST" => Line::Lost {
                replica,
                slot: slot()?,
            },
            "ABANDONED" => Line::Abandoned {
                replica,
                slot: slot()?,
            },
            "LEAVE" => Line::Leave {
                replica,
                slot: slot()?,
            },
            "FAILED" => {
                let slot = slot()?;
                let error = words.next().unwrap_or("").to_owned();
                Line::Failed {
                    replica,
                    slot,
                    error,
                }
            }
            "RAN" => {
                let slot = slot()?;
                let lags = words.next().ok_or_else(bad)?;
                let (own, real) = lags.split_once(' ').ok_or_else(bad)?;
                Line::Ran {
                    replica,
                    slot,
                    own_lag_us: own.parse().map_err(|_| bad())?,
                    real_lag_us: real.parse().map_err(|_| bad())?,
                }
            }
            _ => return Err(bad()),
        };
        Ok(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_reads_back_as_printed() {
        let r = || "r1".to_owned();
        let lines = [
            Line::Ready { replica: r() },
            Line::Ask {
                replica: r(),
                slot: 1,
            },
            Line::Won {
                replica: r(),
                slot: 2,
            },
            Line::Lost {
                replica: r(),
                slot: 3,
            },
            Line::Failed {
                replica: r(),
                slot: 4,
                error: "periodic-postgres: claim (j#4) failed: timed out".into(),
            },
            Line::Abandoned {
                replica: r(),
                slot: 5,
            },
            Line::Ran {
                replica: r(),
                slot: 6,
                own_lag_us: -90_000,
                real_lag_us: 3,
            },
            Line::Leave {
                replica: r(),
                slot: 7,
            },
            Line::Done { replica: r() },
        ];
        for line in lines {
            assert_eq!(line.to_string().parse::<Line>(), Ok(line.clone()));
        }
        assert!("RAN r1 6".parse::<Line>().is_err());
        assert!("HELLO r1".parse::<Line>().is_err());
        assert!("ASK r1 x".parse::<Line>().is_err());
    }
}
