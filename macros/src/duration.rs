//! Durations written in the attribute: unit-suffixed literals (`5s`, `1.5s`, `1m30s`) and
//! humantime-style strings (`"1h 30m"`), both turned into nanoseconds at compile time.

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

/// The units a string accepts: the literal ones plus humantime's long forms.
const STRING_UNITS: &[(&[&str], u128)] = &[
    (&["ns", "nsec", "nanos"], 1),
    (&["us", "usec", "µs", "micros"], 1_000),
    (&["ms", "msec", "millis"], 1_000_000),
    (&["s", "sec", "secs", "second", "seconds"], 1_000_000_000),
    (&["m", "min", "mins", "minute", "minutes"], 60_000_000_000),
    (&["h", "hr", "hrs", "hour", "hours"], 3_600_000_000_000),
    (&["d", "day", "days"], 86_400_000_000_000),
    (&["w", "week", "weeks"], 604_800_000_000_000),
];

pub(crate) const UNIT_HELP: &str = "units: `ns`, `us`, `ms`, `s`, `m`, `h`, `d`";

/// Parses a number (digits, optionally with one `.` and a fraction) into a value scaled by
/// `unit` nanoseconds. Fractions below a nanosecond are an error, not silently dropped.
fn scale(number: &str, unit: u128) -> Result<u128, String> {
    let number = number.replace('_', "");
    let (int, frac) = number.split_once('.').unwrap_or((&number, ""));
    if int.is_empty() && frac.is_empty() {
        return Err("expected a number".into());
    }
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(int) || !digits(frac) {
        return Err(format!("`{number}` is not a decimal number"));
    }
    let int: u128 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| "number too large".to_string())?
    };
    let mut total = int
        .checked_mul(unit)
        .ok_or_else(|| "duration too large".to_string())?;
    let mut place = unit;
    for c in frac.chars() {
        if !place.is_multiple_of(10) {
            return Err(format!(
                "`{number}` has more decimal places than nanoseconds allow"
            ));
        }
        place /= 10;
        total += u128::from(c.to_digit(10).unwrap_or(0)) * place;
    }
    Ok(total)
}

fn literal_unit(unit: &str) -> Result<u128, String> {
    LITERAL_UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|(_, n)| *n)
        .ok_or_else(|| {
            // A long form that only strings accept (`min`, `secs`): name its short form.
            let short = STRING_UNITS
                .iter()
                .find(|(names, _)| names.contains(&unit))
                .and_then(|(_, n)| LITERAL_UNITS.iter().find(|(_, m)| m == n))
                .map(|(name, _)| format!(" (did you mean `{name}`?)"))
                .unwrap_or_default();
            format!("unknown unit `{unit}`{short}; {UNIT_HELP}")
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
            .ok_or("duration too large")?;
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

/// A humantime-style string: number-unit pairs separated by optional spaces, e.g. `"1h 30m"`,
/// `"90 seconds"`, `"1.5s"`.
pub(crate) fn parse_string(s: &str) -> Result<u128, String> {
    let mut total = 0u128;
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err("empty duration string".into());
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(format!(
                "expected a number at `{rest}`; write durations like \"1h 30m\" or \"250ms\""
            ));
        }
        let number = &rest[..num_len];
        rest = rest[num_len..].trim_start();
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c.is_whitespace())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        if unit.is_empty() {
            return Err(format!(
                "`{number}` needs a unit; {UNIT_HELP} (or their long forms: `min`, `hours`, …)"
            ));
        }
        let unit_ns = STRING_UNITS
            .iter()
            .find(|(names, _)| names.contains(&unit))
            .map(|(_, n)| *n)
            .ok_or_else(|| format!("unknown unit `{unit}`; {UNIT_HELP}"))?;
        total = total
            .checked_add(scale(number, unit_ns)?)
            .ok_or("duration too large")?;
        rest = rest[unit_len..].trim_start();
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
    }

    #[test]
    fn strings() {
        assert_eq!(parse_string("1h 30m"), Ok(5400 * S));
        assert_eq!(parse_string("90 seconds"), Ok(90 * S));
        assert_eq!(parse_string("1.5s"), Ok(3 * S / 2));
        assert_eq!(parse_string("2min 5s"), Ok(125 * S));
        assert_eq!(parse_string("1w"), Ok(604_800 * S));
        assert!(parse_string("").is_err());
        assert!(parse_string("5").is_err());
        assert!(parse_string("5 fortnights").is_err());
        assert!(parse_string("soon").is_err());
    }
}
