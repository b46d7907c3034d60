//! Go's `time.Parse` with reference-time layouts (`2006-01-02T15:04:05Z07:00`)
//! and `time.RFC3339` output, for Kyverno's `time_*` functions.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Timelike};

/// Go's `time.RFC3339` layout.
pub const RFC3339: &str = "2006-01-02T15:04:05Z07:00";

/// `t.Format(time.RFC3339)`: whole seconds, `Z` for UTC, else `±hh:mm`.
pub fn format_rfc3339(t: &DateTime<FixedOffset>) -> String {
    let offset = t.offset().local_minus_utc();
    let zone = if offset == 0 {
        "Z".to_owned()
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        let abs = offset.abs();
        format!("{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60)
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{zone}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The pieces a layout can name.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Chunk {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    TzName,
    /// Numeric zone: (allows `Z`, has colons, has seconds, hours only).
    Zone {
        iso: bool,
        colon: bool,
        seconds: bool,
        hours_only: bool,
    },
    /// `.000` or `.999` (digits fixed, or optional).
    Fraction,
}

/// Go's `nextStdChunk`: the literal before the next chunk, the chunk, and the rest.
fn next_chunk(layout: &str) -> (&str, Option<(Chunk, usize)>) {
    let b = layout.as_bytes();
    let starts = |i: usize, s: &str| layout[i..].starts_with(s);
    for i in 0..b.len() {
        if !layout.is_char_boundary(i) {
            continue;
        }
        let found: Option<(Chunk, usize)> = match b[i] {
            b'J' if starts(i, "January") => Some((Chunk::LongMonth, 7)),
            b'J' if starts(i, "Jan") => Some((Chunk::Month, 3)),
            b'M' if starts(i, "Monday") => Some((Chunk::LongWeekDay, 6)),
            b'M' if starts(i, "Mon") => Some((Chunk::WeekDay, 3)),
            b'M' if starts(i, "MST") => Some((Chunk::TzName, 3)),
            b'0' if starts(i, "002") => Some((Chunk::ZeroYearDay, 3)),
            b'0' if b.get(i + 1).is_some_and(|c| (b'1'..=b'6').contains(c)) => Some((
                match b[i + 1] {
                    b'1' => Chunk::ZeroMonth,
                    b'2' => Chunk::ZeroDay,
                    b'3' => Chunk::ZeroHour12,
                    b'4' => Chunk::ZeroMinute,
                    b'5' => Chunk::ZeroSecond,
                    _ => Chunk::Year,
                },
                2,
            )),
            b'1' if starts(i, "15") => Some((Chunk::Hour, 2)),
            b'1' => Some((Chunk::NumMonth, 1)),
            b'2' if starts(i, "2006") => Some((Chunk::LongYear, 4)),
            b'2' => Some((Chunk::Day, 1)),
            b'_' if starts(i, "__2") => Some((Chunk::UnderYearDay, 3)),
            b'_' if starts(i, "_2") && !starts(i, "_2006") => Some((Chunk::UnderDay, 2)),
            b'3' => Some((Chunk::Hour12, 1)),
            b'4' => Some((Chunk::Minute, 1)),
            b'5' => Some((Chunk::Second, 1)),
            b'P' if starts(i, "PM") => Some((Chunk::PM, 2)),
            b'p' if starts(i, "pm") => Some((Chunk::Pm, 2)),
            b'-' | b'Z' => {
                let iso = b[i] == b'Z';
                let rest = &layout[i + 1..];
                [
                    ("07:00:00", true, true, false),
                    ("070000", false, true, false),
                    ("07:00", true, false, false),
                    ("0700", false, false, false),
                    ("07", false, false, true),
                ]
                .into_iter()
                .find(|(p, ..)| rest.starts_with(p))
                .map(|(p, colon, seconds, hours_only)| {
                    (
                        Chunk::Zone {
                            iso,
                            colon,
                            seconds,
                            hours_only,
                        },
                        p.len() + 1,
                    )
                })
            }
            b'.' | b',' if b.get(i + 1).is_some_and(|c| *c == b'0' || *c == b'9') => {
                let digit = b[i + 1];
                let mut j = i + 1;
                while b.get(j) == Some(&digit) {
                    j += 1;
                }
                // Only a fraction when not followed by another digit.
                if b.get(j).is_some_and(u8::is_ascii_digit) {
                    None
                } else {
                    Some((Chunk::Fraction, j - i))
                }
            }
            _ => None,
        };
        if let Some(found) = found {
            return (&layout[..i], Some((found.0, i + found.1)));
        }
    }
    (layout, None)
}

const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

fn lookup(value: &str, names: &[&str], short: bool) -> Option<(usize, usize)> {
    names.iter().enumerate().find_map(|(i, name)| {
        let name = if short { &name[..3] } else { name };
        let n = name.len();
        (value.len() >= n && value.is_char_boundary(n) && value[..n].eq_ignore_ascii_case(name))
            .then_some((i, n))
    })
}

/// Up to `max` digits (at least `min`), as Go's `getnum`/`atoi` read them.
fn digits(value: &str, min: usize, max: usize) -> Option<(i64, usize)> {
    let n = value
        .bytes()
        .take(max)
        .take_while(u8::is_ascii_digit)
        .count();
    if n < min {
        return None;
    }
    value[..n].parse().ok().map(|v| (v, n))
}

/// `time.Parse(layout, value)`.
pub fn parse(layout: &str, value: &str) -> Result<DateTime<FixedOffset>, String> {
    let bad = || format!("parsing time {value:?} as {layout:?}: cannot parse");
    let (mut layout, mut value) = (layout, value);
    let (mut year, mut month, mut day, mut hour, mut minute, mut second) =
        (1i64, 1i64, 1i64, 0i64, 0i64, 0i64);
    let mut nanos = 0i64;
    let mut year_day: Option<i64> = None;
    let mut pm: Option<bool> = None;
    let mut offset: Option<i32> = None;
    loop {
        let (prefix, chunk) = next_chunk(layout);
        value = value.strip_prefix(prefix).ok_or_else(bad)?;
        let Some((chunk, end)) = chunk else {
            if !value.is_empty() {
                return Err(format!("parsing time {value:?}: extra text"));
            }
            break;
        };
        layout = &layout[end..];
        let consumed = match chunk {
            Chunk::LongYear => {
                let (v, n) = digits(value, 4, 4).ok_or_else(bad)?;
                year = v;
                n
            }
            Chunk::Year => {
                let (v, n) = digits(value, 2, 2).ok_or_else(bad)?;
                year = if v >= 69 { v + 1900 } else { v + 2000 };
                n
            }
            Chunk::LongMonth | Chunk::Month => {
                let (i, n) = lookup(value, &LONG_MONTHS, chunk == Chunk::Month).ok_or_else(bad)?;
                month = i as i64 + 1;
                n
            }
            Chunk::NumMonth | Chunk::ZeroMonth => {
                let (v, n) = digits(value, if chunk == Chunk::ZeroMonth { 2 } else { 1 }, 2)
                    .ok_or_else(bad)?;
                month = v;
                n
            }
            Chunk::LongWeekDay | Chunk::WeekDay => {
                lookup(value, &LONG_DAYS, chunk == Chunk::WeekDay)
                    .ok_or_else(bad)?
                    .1
            }
            Chunk::Day | Chunk::UnderDay | Chunk::ZeroDay => {
                let skip = usize::from(chunk == Chunk::UnderDay && value.starts_with(' '));
                let min = if chunk == Chunk::ZeroDay { 2 } else { 1 };
                let (v, n) = digits(&value[skip..], min, 2).ok_or_else(bad)?;
                day = v;
                skip + n
            }
            Chunk::UnderYearDay | Chunk::ZeroYearDay => {
                let skip = value.len() - value.trim_start_matches(' ').len();
                let skip = if chunk == Chunk::UnderYearDay {
                    skip.min(2)
                } else {
                    0
                };
                let (v, n) = digits(
                    &value[skip..],
                    if chunk == Chunk::ZeroYearDay { 3 } else { 1 },
                    3,
                )
                .ok_or_else(bad)?;
                year_day = Some(v);
                skip + n
            }
            Chunk::Hour => {
                let (v, n) = digits(value, 1, 2).ok_or_else(bad)?;
                hour = v;
                n
            }
            Chunk::Hour12 | Chunk::ZeroHour12 => {
                let (v, n) = digits(value, if chunk == Chunk::ZeroHour12 { 2 } else { 1 }, 2)
                    .ok_or_else(bad)?;
                if v > 12 {
                    return Err(bad());
                }
                hour = v;
                n
            }
            Chunk::Minute | Chunk::ZeroMinute => {
                let (v, n) = digits(value, if chunk == Chunk::ZeroMinute { 2 } else { 1 }, 2)
                    .ok_or_else(bad)?;
                minute = v;
                n
            }
            Chunk::Second | Chunk::ZeroSecond => {
                let (v, n) = digits(value, if chunk == Chunk::ZeroSecond { 2 } else { 1 }, 2)
                    .ok_or_else(bad)?;
                second = v;
                // Go accepts a fractional second after the seconds even when
                // the layout does not ask for one.
                let rest = &value[n..];
                let next_is_fraction = matches!(next_chunk(layout).1, Some((Chunk::Fraction, _)))
                    && next_chunk(layout).0.is_empty();
                if !next_is_fraction && (rest.starts_with('.') || rest.starts_with(',')) {
                    let frac = rest[1..].bytes().take_while(u8::is_ascii_digit).count();
                    if frac > 0 {
                        nanos = fraction_nanos(&rest[1..1 + frac]);
                        n + 1 + frac
                    } else {
                        n
                    }
                } else {
                    n
                }
            }
            Chunk::Fraction => {
                if !(value.starts_with('.') || value.starts_with(',')) {
                    return Err(bad());
                }
                let frac = value[1..].bytes().take_while(u8::is_ascii_digit).count();
                nanos = fraction_nanos(&value[1..1 + frac]);
                1 + frac
            }
            Chunk::PM | Chunk::Pm => {
                let word = value.get(..2).ok_or_else(bad)?;
                pm = Some(match word.to_ascii_uppercase().as_str() {
                    "PM" => true,
                    "AM" => false,
                    _ => return Err(bad()),
                });
                2
            }
            Chunk::TzName => {
                if value.starts_with("UTC") {
                    offset = Some(0);
                    3
                } else {
                    let n = value.bytes().take_while(u8::is_ascii_uppercase).count();
                    if n < 3 {
                        return Err(bad());
                    }
                    // Go records an unknown abbreviation with a zero offset.
                    offset.get_or_insert(0);
                    n
                }
            }
            Chunk::Zone {
                iso,
                colon,
                seconds,
                hours_only,
            } => {
                if iso && value.starts_with('Z') {
                    offset = Some(0);
                    1
                } else {
                    let sign = match value.as_bytes().first() {
                        Some(b'+') => 1,
                        Some(b'-') => -1,
                        _ => return Err(bad()),
                    };
                    let mut at = 1;
                    let part = |at: &mut usize, with_colon: bool| -> Result<i32, String> {
                        if with_colon {
                            if value.as_bytes().get(*at) != Some(&b':') {
                                return Err(bad());
                            }
                            *at += 1;
                        }
                        let v = value
                            .get(*at..*at + 2)
                            .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))
                            .ok_or_else(bad)?;
                        *at += 2;
                        v.parse::<i32>().map_err(|_| bad())
                    };
                    let h = part(&mut at, false)?;
                    let m = if hours_only { 0 } else { part(&mut at, colon)? };
                    let s = if seconds { part(&mut at, colon)? } else { 0 };
                    offset = Some(sign * (h * 3600 + m * 60 + s));
                    at
                }
            }
        };
        value = &value[consumed..];
    }
    if let Some(pm) = pm {
        if pm && hour < 12 {
            hour += 12;
        } else if !pm && hour == 12 {
            hour = 0;
        }
    }
    let date = match year_day {
        Some(yd) => NaiveDate::from_yo_opt(year as i32, yd as u32),
        None => NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32),
    }
    .ok_or_else(|| format!("parsing time {value:?}: day out of range"))?;
    let naive = date
        .and_hms_nano_opt(hour as u32, minute as u32, second as u32, nanos as u32)
        .ok_or_else(|| "parsing time: value out of range".to_owned())?;
    let zone = FixedOffset::east_opt(offset.unwrap_or(0))
        .ok_or_else(|| "parsing time: bad zone offset".to_owned())?;
    zone.from_local_datetime(&naive)
        .single()
        .ok_or_else(|| "parsing time: ambiguous".to_owned())
}

fn fraction_nanos(digits: &str) -> i64 {
    let mut padded: String = digits.chars().take(9).collect();
    while padded.len() < 9 {
        padded.push('0');
    }
    padded.parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let t = parse(RFC3339, "2021-01-02T15:04:05+02:00").unwrap();
        assert_eq!(format_rfc3339(&t), "2021-01-02T15:04:05+02:00");
        let t = parse(RFC3339, "2021-01-02T15:04:05.123Z").unwrap();
        assert_eq!(format_rfc3339(&t), "2021-01-02T15:04:05Z");
        assert!(parse(RFC3339, "2021-01-02 15:04:05Z").is_err());
        assert!(parse(RFC3339, "2021-13-02T15:04:05Z").is_err());
    }

    #[test]
    fn custom_layouts() {
        let t = parse(
            "Mon Jan _2 15:04:05 MST 2006",
            "Tue Feb  4 10:00:00 UTC 2020",
        )
        .unwrap();
        assert_eq!(format_rfc3339(&t), "2020-02-04T10:00:00Z");
        let t = parse("2006-01-02", "2021-11-05").unwrap();
        assert_eq!(format_rfc3339(&t), "2021-11-05T00:00:00Z");
        let t = parse("02 Jan 06 15:04 -0700", "05 Nov 21 09:30 -0130").unwrap();
        assert_eq!(format_rfc3339(&t), "2021-11-05T09:30:00-01:30");
        let t = parse("3:04PM", "3:04PM").unwrap();
        assert_eq!(
            format_rfc3339(&t),
            "0000-01-01T15:04:00Z".replace("0000", "0001")
        );
    }
}
