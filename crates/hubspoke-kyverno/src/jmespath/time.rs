//! Kyverno's time functions (`pkg/engine/jmespath/time.go`). "Now" comes from
//! the search's [`super::Clock`].

use ::jmespath::functions::ArgumentType as T;
use ::jmespath::{Context, JmespathError, Rcvar};
use chrono::{DateTime, Datelike, FixedOffset, TimeDelta, Timelike, Utc};

use super::go_time::{self, format_rfc3339, RFC3339};
use super::{bool_result, function_error, now, signature, string_result, Handler};
use crate::duration::{format_duration, parse_duration};

pub(super) fn functions() -> Vec<(&'static str, ::jmespath::functions::Signature, Handler)> {
    vec![
        (
            "time_since",
            signature(vec![T::String, T::String, T::String]),
            Box::new(time_since),
        ),
        // Go formats `time.Now()` in the process's zone; a linter run must not
        // depend on the machine's zone, so both report UTC.
        (
            "time_now",
            signature(vec![]),
            Box::new(|_, _| Ok(string_result(format_rfc3339(&utc_now())))),
        ),
        (
            "time_now_utc",
            signature(vec![]),
            Box::new(|_, _| Ok(string_result(format_rfc3339(&utc_now())))),
        ),
        (
            "time_to_cron",
            signature(vec![T::String]),
            Box::new(time_to_cron),
        ),
        (
            "time_add",
            signature(vec![T::String, T::String]),
            Box::new(time_add),
        ),
        (
            "time_parse",
            signature(vec![T::String, T::String]),
            Box::new(time_parse),
        ),
        ("time_utc", signature(vec![T::String]), Box::new(time_utc)),
        (
            "time_diff",
            signature(vec![T::String, T::String]),
            Box::new(time_diff),
        ),
        (
            "time_before",
            signature(vec![T::String, T::String]),
            Box::new(|a, c| Ok(bool_result(time_arg(c, a, 0)? < time_arg(c, a, 1)?))),
        ),
        (
            "time_after",
            signature(vec![T::String, T::String]),
            Box::new(|a, c| Ok(bool_result(time_arg(c, a, 0)? > time_arg(c, a, 1)?))),
        ),
        (
            "time_between",
            signature(vec![T::String, T::String, T::String]),
            Box::new(time_between),
        ),
        (
            "time_truncate",
            signature(vec![T::String, T::String]),
            Box::new(time_truncate),
        ),
    ]
}

fn utc_now() -> DateTime<FixedOffset> {
    now().with_timezone(&FixedOffset::east_opt(0).expect("zero is a valid offset"))
}

fn s(v: &Rcvar) -> &str {
    v.as_string().map(String::as_str).unwrap_or_default()
}

fn time_arg(
    c: &Context<'_>,
    a: &[Rcvar],
    i: usize,
) -> Result<DateTime<FixedOffset>, JmespathError> {
    go_time::parse(RFC3339, s(&a[i])).map_err(|e| function_error(c, e))
}

fn duration_arg(c: &Context<'_>, a: &[Rcvar], i: usize) -> Result<i64, JmespathError> {
    parse_duration(s(&a[i])).map_err(|e| function_error(c, e.to_string()))
}

/// `t2.Sub(t1)`, saturating like Go's.
fn sub(t2: &DateTime<FixedOffset>, t1: &DateTime<FixedOffset>) -> i64 {
    let delta = t2.signed_duration_since(*t1);
    delta
        .num_nanoseconds()
        .unwrap_or(if delta > TimeDelta::zero() {
            i64::MAX
        } else {
            i64::MIN
        })
}

fn time_since(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let layout = if s(&a[0]).is_empty() {
        RFC3339
    } else {
        s(&a[0])
    };
    let t1 = go_time::parse(layout, s(&a[1])).map_err(|e| function_error(c, e))?;
    let t2 = if s(&a[2]).is_empty() {
        utc_now()
    } else {
        go_time::parse(layout, s(&a[2])).map_err(|e| function_error(c, e))?
    };
    Ok(string_result(format_duration(sub(&t2, &t1))))
}

fn time_to_cron(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let t = time_arg(c, a, 0)?;
    Ok(string_result(format!(
        "{} {} {} {} {}",
        t.minute(),
        t.hour(),
        t.day(),
        t.month(),
        t.weekday().num_days_from_sunday()
    )))
}

fn time_add(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let t = time_arg(c, a, 0)?;
    let d = duration_arg(c, a, 1)?;
    let sum = t
        .checked_add_signed(TimeDelta::nanoseconds(d))
        .ok_or_else(|| function_error(c, "JMESPath function 'time_add': time out of range"))?;
    Ok(string_result(format_rfc3339(&sum)))
}

fn time_parse(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let (layout, value) = (s(&a[0]), s(&a[1]));
    // A numeric layout means the value is a Unix epoch in seconds.
    if layout.parse::<i64>().is_ok() {
        let epoch: i64 = value.parse().map_err(|_| {
            function_error(
                c,
                format!("strconv.ParseInt: parsing {value:?}: invalid syntax"),
            )
        })?;
        let t = DateTime::<Utc>::from_timestamp(epoch, 0).ok_or_else(|| {
            function_error(c, "JMESPath function 'time_parse': time out of range")
        })?;
        return Ok(string_result(format_rfc3339(&t.fixed_offset())));
    }
    let t = go_time::parse(layout, value).map_err(|e| function_error(c, e))?;
    Ok(string_result(format_rfc3339(&t)))
}

fn time_utc(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let t = time_arg(c, a, 0)?;
    Ok(string_result(format_rfc3339(
        &t.with_timezone(&Utc).fixed_offset(),
    )))
}

fn time_diff(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let (t1, t2) = (time_arg(c, a, 0)?, time_arg(c, a, 1)?);
    Ok(string_result(format_duration(sub(&t2, &t1))))
}

fn time_between(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let (t, start, end) = (time_arg(c, a, 0)?, time_arg(c, a, 1)?, time_arg(c, a, 2)?);
    Ok(bool_result(t > start && t < end))
}

/// `t.Truncate(d)`: round down to a multiple of `d` counted from Go's zero
/// time (January 1 of year 1, UTC), keeping `t`'s zone.
fn time_truncate(a: &[Rcvar], c: &mut Context<'_>) -> Result<Rcvar, JmespathError> {
    let t = time_arg(c, a, 0)?;
    let d = duration_arg(c, a, 1)?;
    if d <= 0 {
        return Ok(string_result(format_rfc3339(&t)));
    }
    const ZERO_TIME_UNIX: i128 = -62_135_596_800;
    let since_zero = (i128::from(t.timestamp()) - ZERO_TIME_UNIX) * 1_000_000_000
        + i128::from(t.timestamp_subsec_nanos());
    let remainder = since_zero.rem_euclid(i128::from(d));
    let truncated = t - TimeDelta::nanoseconds(remainder as i64);
    Ok(string_result(format_rfc3339(&truncated)))
}
