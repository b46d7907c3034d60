//! Go's `time.ParseDuration` and `Duration.String`, which Kyverno uses for
//! pattern comparisons (`"<= 1h"`), the `Duration*` condition operators and
//! duration arithmetic.
//!
//! A duration is a signed count of nanoseconds in an `i64`, as in Go. The
//! grammar is `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+` with the units `ns`, `us`,
//! `µs` (U+00B5), `μs` (U+03BC), `ms`, `s`, `m`, `h`, plus the special case
//! `"0"` (with an optional sign). Fractions are added through an `f64`
//! product exactly as Go does, so `1.0000000001h` rounds the way Kyverno's
//! does.

/// Why a string is not a Go duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Malformed, or out of the `i64` nanosecond range.
    #[error("time: invalid duration {0:?}")]
    Invalid(String),
    /// A number without a unit (`"10"`).
    #[error("time: missing unit in duration {0:?}")]
    MissingUnit(String),
    /// A unit Go does not know (`"1d"`).
    #[error("time: unknown unit {unit:?} in duration {text:?}")]
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The whole text.
        text: String,
    },
}

const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1_000 * NANOSECOND;
const MILLISECOND: u64 = 1_000 * MICROSECOND;
const SECOND: u64 = 1_000 * MILLISECOND;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;

/// 2^63, the bound Go checks its unsigned accumulator against.
const LIMIT: u64 = 1 << 63;

/// Parse a duration into nanoseconds, as `time.ParseDuration` does.
pub fn parse_duration(text: &str) -> Result<i64, DurationError> {
    let invalid = || DurationError::Invalid(text.to_owned());
    let mut rest = text;
    let mut negative = false;
    if let Some(first) = rest.as_bytes().first() {
        if *first == b'-' || *first == b'+' {
            negative = *first == b'-';
            rest = &rest[1..];
        }
    }
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let first = rest.as_bytes()[0];
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(invalid());
        }
        let before = rest.len();
        let (mut value, after_int) = leading_int(rest).ok_or_else(invalid)?;
        rest = after_int;
        let had_integer = before != rest.len();
        let mut fraction: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut had_fraction = false;
        if let Some(after_point) = rest.strip_prefix('.') {
            let before = after_point.len();
            let (f, s, after) = leading_fraction(after_point);
            fraction = f;
            scale = s;
            rest = after;
            had_fraction = before != rest.len();
        }
        if !had_integer && !had_fraction {
            return Err(invalid());
        }
        let unit_len = rest
            .bytes()
            .position(|b| b == b'.' || b.is_ascii_digit())
            .unwrap_or(rest.len());
        if unit_len == 0 {
            return Err(DurationError::MissingUnit(text.to_owned()));
        }
        let (unit_text, after_unit) = rest.split_at(unit_len);
        rest = after_unit;
        let unit = unit_nanoseconds(unit_text).ok_or_else(|| DurationError::UnknownUnit {
            unit: unit_text.to_owned(),
            text: text.to_owned(),
        })?;
        if value > LIMIT / unit {
            return Err(invalid());
        }
        value *= unit;
        if fraction > 0 {
            // Go: float64 is needed to be nanosecond accurate for fractions of hours.
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let fractional = (fraction as f64 * (unit as f64 / scale)) as u64;
            value = value.checked_add(fractional).ok_or_else(invalid)?;
            if value > LIMIT {
                return Err(invalid());
            }
        }
        total = total.checked_add(value).ok_or_else(invalid)?;
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if negative {
        // total <= 2^63, so the negation fits (i64::MIN at most).
        return Ok(0i64.wrapping_sub_unsigned(total));
    }
    i64::try_from(total).map_err(|_| invalid())
}

fn unit_nanoseconds(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => NANOSECOND,
        "us" | "\u{b5}s" | "\u{3bc}s" => MICROSECOND,
        "ms" => MILLISECOND,
        "s" => SECOND,
        "m" => MINUTE,
        "h" => HOUR,
        _ => return None,
    })
}

/// Go's `leadingInt`: the leading digits, `None` on overflow past 2^63.
fn leading_int(text: &str) -> Option<(u64, &str)> {
    let mut value: u64 = 0;
    let mut end = 0;
    for b in text.bytes() {
        if !b.is_ascii_digit() {
            break;
        }
        if value > LIMIT / 10 {
            return None;
        }
        value = value * 10 + u64::from(b - b'0');
        if value > LIMIT {
            return None;
        }
        end += 1;
    }
    Some((value, &text[end..]))
}

/// Go's `leadingFraction`: digits after the point; past 2^63 it stops
/// gaining precision instead of failing.
fn leading_fraction(text: &str) -> (u64, f64, &str) {
    let mut value: u64 = 0;
    let mut scale = 1.0;
    let mut overflow = false;
    let mut end = 0;
    for b in text.bytes() {
        if !b.is_ascii_digit() {
            break;
        }
        end += 1;
        if overflow {
            continue;
        }
        if value > (LIMIT - 1) / 10 {
            overflow = true;
            continue;
        }
        let next = value * 10 + u64::from(b - b'0');
        if next > LIMIT {
            overflow = true;
            continue;
        }
        value = next;
        scale *= 10.0;
    }
    (value, scale, &text[end..])
}

/// Go's `Duration.String`: `1h30m0s`, `1.5s`, `2ms`, `0s`.
pub fn format_duration(nanoseconds: i64) -> String {
    let negative = nanoseconds < 0;
    let mut u = nanoseconds.unsigned_abs();
    let mut out = String::new();
    if u < SECOND {
        if u == 0 {
            return "0s".to_owned();
        }
        let (precision, unit) = if u < MICROSECOND {
            (0, "ns")
        } else if u < MILLISECOND {
            (3, "\u{b5}s")
        } else {
            (6, "ms")
        };
        let (fraction, whole) = format_fraction(u, precision);
        out.push_str(&whole.to_string());
        out.push_str(&fraction);
        out.push_str(unit);
    } else {
        let (fraction, seconds) = format_fraction(u, 9);
        u = seconds;
        let mut text = format!("{}{fraction}s", u % 60);
        u /= 60;
        if u > 0 {
            text = format!("{}m{text}", u % 60);
            u /= 60;
            if u > 0 {
                text = format!("{u}h{text}");
            }
        }
        out.push_str(&text);
    }
    if negative {
        out.insert(0, '-');
    }
    out
}

/// The fraction `v / 10^precision` as `.123` without trailing zeros (empty when
/// zero), and the integer part.
fn format_fraction(value: u64, precision: u32) -> (String, u64) {
    let divisor = 10u64.pow(precision);
    let fraction = value % divisor;
    let whole = value / divisor;
    if fraction == 0 {
        return (String::new(), whole);
    }
    let digits = format!("{fraction:0width$}", width = precision as usize);
    (format!(".{}", digits.trim_end_matches('0')), whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Cases from Go's src/time/time_test.go (parseDurationTests) and Kyverno's
    // pkg/engine/pattern TestValidateDuration.
    #[test]
    fn parses_like_go() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("5s", 5 * 1_000_000_000),
            ("30s", 30 * 1_000_000_000),
            ("1478s", 1478 * 1_000_000_000),
            ("-5s", -5 * 1_000_000_000),
            ("+5s", 5 * 1_000_000_000),
            ("-0", 0),
            ("+0", 0),
            ("5.0s", 5 * 1_000_000_000),
            ("5.6s", 5_600_000_000),
            ("5.s", 5 * 1_000_000_000),
            (".5s", 500_000_000),
            ("1.0s", 1_000_000_000),
            ("1.00s", 1_000_000_000),
            ("1.004s", 1_004_000_000),
            ("1.0040s", 1_004_000_000),
            ("100.00100s", 100_001_000_000),
            ("10ns", 10),
            ("11us", 11_000),
            ("12\u{b5}s", 12_000),
            ("12\u{3bc}s", 12_000),
            ("13ms", 13_000_000),
            ("14s", 14_000_000_000),
            ("15m", 15 * 60 * 1_000_000_000),
            ("16h", 16 * 3600 * 1_000_000_000),
            ("3h30m", (3 * 3600 + 30 * 60) * 1_000_000_000),
            ("10.5s4m", 4 * 60 * 1_000_000_000 + 10_500_000_000),
            ("-2m3.4s", -(2 * 60 * 1_000_000_000 + 3_400_000_000)),
            (
                "1h2m3s4ms5us6ns",
                3_600_000_000_000 + 120_000_000_000 + 3_000_000_000 + 4_000_000 + 5_000 + 6,
            ),
            (
                "39h9m14.425s",
                ((39 * 60 + 9) * 60) * 1_000_000_000 + 14_425_000_000,
            ),
            ("52763797000ns", 52_763_797_000),
            ("0.3333333333333333333h", 20 * 60 * 1_000_000_000),
            ("9007199254740993ns", 9_007_199_254_740_993),
            ("9223372036854775807ns", i64::MAX),
            ("9223372036854775.807us", i64::MAX),
            ("9223372036s854ms775us807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("-9223372036854775.808us", i64::MIN),
            ("-9223372036s854ms775us808ns", i64::MIN),
            ("0.100000000000000000000h", 6 * 60 * 1_000_000_000),
            (
                "0.830103483285477580700h",
                49 * 60 * 1_000_000_000 + 48_372_539_827,
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse_duration(text), Ok(*want), "{text}");
        }
    }

    #[test]
    fn rejects_like_go() {
        for text in [
            "",
            "3",
            "-",
            "s",
            ".",
            "-.",
            ".s",
            "+.s",
            "1d",
            "\u{b5}",
            "1 s",
            "1s ",
            " 1s",
            "9223372036854775808ns",
            "9223372036854775.808us",
            "9223372036854ms775us808ns",
            "-9223372036854775809ns",
        ] {
            assert!(parse_duration(text).is_err(), "{text:?} should not parse");
        }
        assert_eq!(
            parse_duration("3"),
            Err(DurationError::MissingUnit("3".to_owned()))
        );
        assert_eq!(
            parse_duration("1d"),
            Err(DurationError::UnknownUnit {
                unit: "d".to_owned(),
                text: "1d".to_owned()
            })
        );
    }

    #[test]
    fn kyverno_pattern_order() {
        let d = |t| parse_duration(t).unwrap_or_else(|e| panic!("{e}"));
        assert!(d("12s") < d("15s"));
        assert!(d("15s") > d("12s"));
        assert_eq!(d("12s"), d("12s"));
        assert_eq!(d("1h"), d("60m"));
    }

    #[test]
    fn formats_like_go() {
        // Go's durationTests in src/time/time_test.go.
        for (nanos, text) in [
            (0, "0s"),
            (1, "1ns"),
            (1_100, "1.1\u{b5}s"),
            (2_200_000, "2.2ms"),
            (3_300_000_000, "3.3s"),
            (4 * 60 * 1_000_000_000 + 5_000_000_000, "4m5s"),
            (4 * 60 * 1_000_000_000 + 5_001_000_000, "4m5.001s"),
            (
                5 * 3_600_000_000_000 + 6 * 60_000_000_000 + 7_001_000_000,
                "5h6m7.001s",
            ),
            (8 * 60 * 1_000_000_000 + 1, "8m0.000000001s"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
            (-1_500_000_000, "-1.5s"),
            (3_600_000_000_000, "1h0m0s"),
        ] {
            assert_eq!(format_duration(nanos), text, "{nanos}");
        }
    }
}
