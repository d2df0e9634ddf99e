//! Durations written in the attribute: unit-suffixed literals (`5s`, `1.5s`, `1e3ms`, `1m30s`)
//! and humantime strings (`"1h 30m"`), both turned into nanoseconds at compile time.

/// Nanoseconds per unit, for the units a suffixed literal accepts.
const LITERAL_UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
    ("d", 86_400_000_000_000),
];

pub(crate) const UNIT_HELP: &str = "units: `ns`, `us`, `ms`, `s`, `m`, `h`, `d`";

/// The longest duration: `Duration::MAX`, in nanoseconds.
pub(crate) const MAX_NANOS: u128 = u64::MAX as u128 * 1_000_000_000 + 999_999_999;

pub(crate) const TOO_LARGE: &str =
    "duration too large: a `Duration` holds at most u64::MAX seconds (about 584 billion years)";

/// Parses a decimal number (digits, optionally one `.` and a fraction, optionally an exponent
/// `e3`/`e-3`) into a value scaled by `unit` nanoseconds, exactly (integer arithmetic on the
/// digits, no floating point). Fractions below a nanosecond are an error, not silently dropped;
/// so is a value beyond `Duration::MAX`.
fn scale(number: &str, unit: u128) -> Result<u128, String> {
    let number = number.replace('_', "");
    let (mantissa, exponent) = match number.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (number.as_str(), None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() {
        return Err("expected a number".into());
    }
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    if !digits(int) || !digits(frac) || !exponent_ok {
        return Err(format!("`{number}` is not a decimal number"));
    }
    let too_large = || TOO_LARGE.to_string();
    let too_precise = || format!("`{number}` has more decimal places than nanoseconds allow");
    // The value is `significant · 10^power` (in `unit`s), `significant` without trailing zeros.
    let mut significant = format!("{int}{frac}");
    let mut trailing_zeros = 0i64;
    while significant.ends_with('0') {
        significant.pop();
        trailing_zeros += 1;
    }
    let significant = significant.trim_start_matches('0');
    if significant.is_empty() {
        return Ok(0);
    }
    let power = match exponent.map(str::parse::<i64>) {
        None => 0,
        Some(Ok(e)) => e,
        // An exponent beyond i64: astronomically large or small.
        Some(Err(_)) if exponent.is_some_and(|e| e.starts_with('-')) => return Err(too_precise()),
        Some(Err(_)) => return Err(too_large()),
    };
    let power = power
        .saturating_sub(i64::try_from(frac.len()).unwrap_or(i64::MAX))
        .saturating_add(trailing_zeros);
    let pow10 = |p: u64| u32::try_from(p).ok().and_then(|p| 10u128.checked_pow(p));
    if power >= 0 {
        return significant
            .parse::<u128>()
            .ok()
            .zip(pow10(power.unsigned_abs()))
            .and_then(|(n, p)| n.checked_mul(p)?.checked_mul(unit))
            .filter(|n| *n <= MAX_NANOS)
            .ok_or_else(too_large);
    }
    // A fraction: the integer part alone decides whether the value is too large, then the
    // whole value must be a whole number of nanoseconds.
    let places = power.unsigned_abs();
    let int_len = usize::try_from(places)
        .ok()
        .and_then(|p| significant.len().checked_sub(p))
        .unwrap_or(0);
    let int_part = match &significant[..int_len] {
        "" => 0,
        int => int.parse::<u128>().map_err(|_| too_large())?,
    };
    if int_part.checked_mul(unit).is_none_or(|n| n > MAX_NANOS) {
        return Err(too_large());
    }
    let scaled = significant
        .parse::<u128>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(too_precise)?;
    let divisor = pow10(places).ok_or_else(too_precise)?;
    if !scaled.is_multiple_of(divisor) {
        return Err(too_precise());
    }
    Some(scaled / divisor)
        .filter(|n| *n <= MAX_NANOS)
        .ok_or_else(too_large)
}

fn literal_unit(unit: &str) -> Result<u128, String> {
    LITERAL_UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|(_, n)| *n)
        .ok_or_else(|| {
            // A unit that only strings accept (`min`, `secs`, `w`): name the way to write it.
            let string_unit = string_unit(unit);
            let short = string_unit.and_then(|n| LITERAL_UNITS.iter().find(|(_, m)| *m == n));
            let hint = match (string_unit, short) {
                (_, Some((short, _))) => format!(" (did you mean `{short}`?)"),
                (Some(_), None) => format!(" (a string accepts it: write `\"1{unit}\"`)"),
                (None, None) => String::new(),
            };
            format!("unknown unit `{unit}`{hint}; {UNIT_HELP}")
        })
}

/// A literal's digits and suffix, e.g. (`"1"`, `"m30s"`) for `1m30s` or (`"1.5"`, `"s"`).
pub(crate) fn parse_literal(digits: &str, suffix: &str) -> Result<u128, String> {
    const NUMERIC_SUFFIXES: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64",
    ];
    if suffix.is_empty() || NUMERIC_SUFFIXES.contains(&suffix) {
        return Err(format!(
            "a duration needs a unit, e.g. `{digits}s`; {UNIT_HELP}"
        ));
    }
    // The suffix is a unit, optionally followed by more number-unit pairs (`m30s`).
    let mut total = 0u128;
    let mut number = digits.to_string();
    let mut rest = suffix;
    let mut previous_unit = u128::MAX;
    loop {
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (unit, tail) = rest.split_at(unit_len);
        let unit_ns = literal_unit(unit)?;
        if unit_ns >= previous_unit {
            return Err(format!(
                "in a compound duration the units must go from largest to smallest, e.g. `1m30s`; {UNIT_HELP}"
            ));
        }
        previous_unit = unit_ns;
        total = total
            .checked_add(scale(&number, unit_ns)?)
            .filter(|n| *n <= MAX_NANOS)
            .ok_or(TOO_LARGE)?;
        if tail.is_empty() {
            return Ok(total);
        }
        let num_len = tail
            .find(|c: char| !c.is_ascii_digit() && c != '_')
            .unwrap_or(tail.len());
        if num_len == tail.len() {
            return Err(format!("`{tail}` needs a unit after it; {UNIT_HELP}"));
        }
        number = tail[..num_len].to_string();
        rest = &tail[num_len..];
    }
}

/// The units a string accepts: humantime's, with its values (a month is 30.44 days, a year
/// 365.25 days), so that the attribute reads a string as the runtime's overrides do.
const STRING_UNITS: &[(&[&str], u128)] = &[
    (&["nanos", "nsec", "ns"], 1),
    (&["usec", "us", "µs"], 1_000),
    (&["millis", "msec", "ms"], 1_000_000),
    (&["seconds", "second", "secs", "sec", "s"], 1_000_000_000),
    (&["minutes", "minute", "min", "mins", "m"], 60_000_000_000),
    (&["hours", "hour", "hr", "hrs", "h"], 3_600_000_000_000),
    (&["days", "day", "d"], 86_400_000_000_000),
    (&["weeks", "week", "wk", "wks", "w"], 604_800_000_000_000),
    (&["months", "month", "M"], 2_630_016_000_000_000),
    (&["years", "year", "yr", "yrs", "y"], 31_557_600_000_000_000),
];

/// Nanoseconds per `unit` of a string.
fn string_unit(unit: &str) -> Option<u128> {
    STRING_UNITS
        .iter()
        .find(|(names, _)| names.contains(&unit))
        .map(|(_, nanos)| *nanos)
}

/// A string in humantime form (`"1h 30m"`, `"90 seconds"`, `"2wk"`, `"1 month"`): numbers,
/// each with an optional fraction and one of humantime's units, spaces between them optional.
/// The same units and values as `humantime::parse_duration`, which the runtime's overrides use
/// (a test holds the two together; this crate depends on syn, quote and proc-macro2 only). A
/// fraction is read exactly: one finer than a nanosecond is an error.
pub(crate) fn parse_string(s: &str) -> Result<u128, String> {
    let invalid = |why: &str| {
        format!(
            "\"{s}\" is not a humantime duration ({why}); write e.g. \"1h 30m\", \"250ms\", \"2 weeks\""
        )
    };
    if s.trim() == "0" {
        return Ok(0);
    }
    let mut rest = s.trim_start();
    if rest.is_empty() {
        return Err(invalid("it is empty"));
    }
    let mut total = 0u128;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(number_len);
        if number.is_empty() {
            return Err(invalid("expected a number"));
        }
        let tail = tail.trim_start();
        let unit_len = tail
            .find(|c: char| !(c.is_alphabetic()))
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        if unit.is_empty() {
            return Err(invalid(&format!(
                "`{number}` needs a unit, e.g. `{number}s`"
            )));
        }
        let Some(nanos) = string_unit(unit) else {
            return Err(invalid(&format!(
                "unknown unit `{unit}`: ns, us/µs, ms, s/sec, m/min, h/hours, d/days, w/weeks, M/months, y/years"
            )));
        };
        if number.starts_with('.') || number.ends_with('.') {
            return Err(invalid(&format!("`{number}` is not a number")));
        }
        total = total
            .checked_add(scale(number, nanos)?)
            .filter(|n| *n <= MAX_NANOS)
            .ok_or(TOO_LARGE)?;
        rest = tail.trim_start();
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u128 = 1_000_000_000;

    #[test]
    fn literals() {
        assert_eq!(parse_literal("5", "s"), Ok(5 * S));
        assert_eq!(parse_literal("250", "ms"), Ok(S / 4));
        assert_eq!(parse_literal("1.5", "s"), Ok(3 * S / 2));
        assert_eq!(parse_literal("1", "m30s"), Ok(90 * S));
        assert_eq!(parse_literal("1", "h30m15s"), Ok(5415 * S));
        assert_eq!(parse_literal("2", "d"), Ok(2 * 86_400 * S));
        assert_eq!(parse_literal("7", "ns"), Ok(7));
        assert_eq!(parse_literal("7", "us"), Ok(7_000));
        assert!(parse_literal("5", "").is_err());
        assert_eq!(
            parse_literal("5", "u32"),
            Err(format!("a duration needs a unit, e.g. `5s`; {UNIT_HELP}"))
        );
        assert_eq!(
            parse_literal("5", "min"),
            Err(format!(
                "unknown unit `min` (did you mean `m`?); {UNIT_HELP}"
            ))
        );
        assert_eq!(
            parse_literal("5", "x"),
            Err(format!("unknown unit `x`; {UNIT_HELP}"))
        );
        assert!(parse_literal("1", "s30m").is_err());
        assert!(parse_literal("1", "m30").is_err());
        assert!(parse_literal("1.5", "ns").is_err());
        assert_eq!(
            parse_literal("5", "w"),
            Err(format!(
                "unknown unit `w` (a string accepts it: write `\"1w\"`); {UNIT_HELP}"
            ))
        );
    }

    #[test]
    fn exponents() {
        assert_eq!(parse_literal("1e3", "ms"), Ok(S));
        assert_eq!(parse_literal("1E3", "ms"), Ok(S));
        assert_eq!(parse_literal("1.5e3", "ms"), Ok(3 * S / 2));
        assert_eq!(parse_literal("2.5e-1", "s"), Ok(S / 4));
        assert_eq!(parse_literal("1e+2", "s"), Ok(100 * S));
        assert_eq!(parse_literal("1_0e1_0", "ns"), Ok(100_000_000_000));
        assert_eq!(parse_literal("1e-9", "s"), Ok(1));
        assert_eq!(parse_literal("0e99999999999999999999", "s"), Ok(0));
        assert_eq!(parse_literal("1e1", "m30s"), Ok(630 * S));
        assert_eq!(
            parse_literal("1e-10", "s"),
            Err("`1e-10` has more decimal places than nanoseconds allow".into())
        );
        assert_eq!(
            parse_literal("1e-99999999999999999999", "s"),
            Err("`1e-99999999999999999999` has more decimal places than nanoseconds allow".into())
        );
        assert_eq!(parse_literal("1e30", "s"), Err(TOO_LARGE.into()));
        assert_eq!(
            parse_literal("1e99999999999999999999", "s"),
            Err(TOO_LARGE.into())
        );
        assert!(parse_literal("1e", "s").is_err());
    }

    #[test]
    fn too_large() {
        let max_secs = u128::from(u64::MAX);
        assert_eq!(parse_literal(&max_secs.to_string(), "s"), Ok(max_secs * S));
        assert_eq!(
            parse_literal(&format!("{max_secs}.999999999"), "s"),
            Ok(MAX_NANOS)
        );
        assert_eq!(
            parse_literal(&format!("{}", max_secs + 1), "s"),
            Err(TOO_LARGE.into())
        );
        assert_eq!(parse_literal("213503982334602", "d"), Err(TOO_LARGE.into()));
        // Overflows u128 in the fraction's digits: an error, not a panic.
        assert_eq!(
            parse_literal("340282366920938463463374607431768211.999", "us"),
            Err(TOO_LARGE.into())
        );
        assert_eq!(
            parse_literal("3402823669209384634633746074317682119999999999", "ns"),
            Err(TOO_LARGE.into())
        );
        assert_eq!(
            parse_literal("0.0000000000000000000000000000000000000000001", "d"),
            Err(
                "`0.0000000000000000000000000000000000000000001` has more decimal places than nanoseconds allow"
                    .into()
            )
        );
        // Each part fits; their sum does not.
        assert_eq!(
            parse_literal(&max_secs.to_string(), "s1ns"),
            Ok(max_secs * S + 1)
        );
        assert_eq!(
            parse_literal(&format!("{}", max_secs / 60 + 1), "m0s"),
            Err(TOO_LARGE.into())
        );
        assert!(parse_string("213503982334602d").is_err());
    }

    #[test]
    fn strings() {
        assert_eq!(parse_string("1h 30m"), Ok(5400 * S));
        assert_eq!(parse_string("90 seconds"), Ok(90 * S));
        assert_eq!(parse_string("1.5s"), Ok(3 * S / 2));
        assert_eq!(parse_string("2min 5s"), Ok(125 * S));
        assert_eq!(parse_string("1w"), Ok(604_800 * S));
        assert_eq!(parse_string("2wk"), Ok(14 * 86_400 * S));
        assert_eq!(parse_string("1 month"), Ok(2_630_016 * S));
        assert_eq!(parse_string("1y"), Ok(31_557_600 * S));
        assert!(parse_string("").is_err());
        assert!(parse_string("5").is_err());
        assert!(parse_string("5 fortnights").is_err());
        assert!(parse_string("soon").is_err());
    }

    /// The attribute and the runtime's overrides (`humantime::parse_duration`) read a string
    /// the same way: the same units, the same values. Two differences, both on input humantime
    /// reads oddly or refuses: humantime takes spaces inside a number (`"1 2s"` is 12 s; the
    /// attribute refuses it), and it refuses a fraction of an hour or longer that is not a
    /// whole number of seconds (`"0.0001h"`; the attribute reads it exactly, 360 ms).
    #[test]
    fn strings_are_humantime() {
        for s in [
            "1h 30m",
            "2wk",
            "3 wks",
            "1 month",
            "2 months",
            "1M",
            "1y",
            "1 year",
            "1.5h",
            "0.5 days",
            "250ms",
            "7 nanos",
            "3µs",
            "1us",
            "10 msec",
            "1h30m15s",
            "0s",
            "0",
            "2 yrs",
            "3hrs 4mins",
            "1.25 weeks",
        ] {
            assert_eq!(
                parse_string(s),
                Ok(humantime::parse_duration(s).unwrap().as_nanos()),
                "{s}"
            );
        }
        for s in [
            "",
            "5",
            "5 fortnights",
            "1.s",
            "-1s",
            "0.5ns",
            "213503982334602d",
            "1m x",
            "s",
            ".5s",
        ] {
            assert!(humantime::parse_duration(s).is_err(), "{s}");
            assert!(parse_string(s).is_err(), "{s}");
        }
        // The two differences.
        assert_eq!(humantime::parse_duration("1 2s").unwrap().as_secs(), 12);
        assert!(parse_string("1 2s").is_err());
        assert!(humantime::parse_duration("0.0001h").is_err());
        assert_eq!(parse_string("0.0001h"), Ok(360_000_000));
    }
}
