//! Kyverno's condition operators (`pkg/engine/variables/operator/*.go`), with
//! their type coercions: a Go `int64` (an integer from the resource) and a
//! `float64` (a policy literal, a function result) are told apart by the JSON
//! number's representation, strings may be durations (`1h`), quantities
//! (`512Mi`) or numbers, and the `In` family compares `fmt.Sprint` texts with
//! wildcards both ways.

use serde_json::Value;

use crate::duration::parse_duration;
use crate::gofmt::sprint;
use crate::jmespath::semver::Version;
use crate::pattern::wildcard;
use crate::quantity::Quantity;

/// A condition operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `Equal`, `Equals`.
    Equals,
    /// `NotEqual`, `NotEquals`.
    NotEquals,
    /// Deprecated `In`.
    In,
    /// `AnyIn`.
    AnyIn,
    /// `AllIn`.
    AllIn,
    /// Deprecated `NotIn`.
    NotIn,
    /// `AnyNotIn`.
    AnyNotIn,
    /// `AllNotIn`.
    AllNotIn,
    /// `GreaterThan`.
    GreaterThan,
    /// `GreaterThanOrEquals`.
    GreaterThanOrEquals,
    /// `LessThan`.
    LessThan,
    /// `LessThanOrEquals`.
    LessThanOrEquals,
    /// Deprecated `DurationGreaterThan`.
    DurationGreaterThan,
    /// Deprecated `DurationGreaterThanOrEquals`.
    DurationGreaterThanOrEquals,
    /// Deprecated `DurationLessThan`.
    DurationLessThan,
    /// Deprecated `DurationLessThanOrEquals`.
    DurationLessThanOrEquals,
}

const NAMES: &[(&str, Operator)] = &[
    ("Equal", Operator::Equals),
    ("Equals", Operator::Equals),
    ("NotEqual", Operator::NotEquals),
    ("NotEquals", Operator::NotEquals),
    ("In", Operator::In),
    ("AnyIn", Operator::AnyIn),
    ("AllIn", Operator::AllIn),
    ("NotIn", Operator::NotIn),
    ("AnyNotIn", Operator::AnyNotIn),
    ("AllNotIn", Operator::AllNotIn),
    ("GreaterThanOrEquals", Operator::GreaterThanOrEquals),
    ("GreaterThan", Operator::GreaterThan),
    ("LessThanOrEquals", Operator::LessThanOrEquals),
    ("LessThan", Operator::LessThan),
    (
        "DurationGreaterThanOrEquals",
        Operator::DurationGreaterThanOrEquals,
    ),
    ("DurationGreaterThan", Operator::DurationGreaterThan),
    (
        "DurationLessThanOrEquals",
        Operator::DurationLessThanOrEquals,
    ),
    ("DurationLessThan", Operator::DurationLessThan),
];

impl Operator {
    /// An operator exactly as Kyverno's schema spells it.
    pub fn parse(name: &str) -> Option<Operator> {
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, op)| *op)
    }

    /// An operator as the engine accepts it at run time (any case).
    pub fn parse_lenient(name: &str) -> Option<Operator> {
        NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, op)| *op)
    }

    /// Whether Kyverno marks the operator deprecated.
    pub fn is_deprecated(self) -> bool {
        matches!(
            self,
            Operator::In
                | Operator::NotIn
                | Operator::DurationGreaterThan
                | Operator::DurationGreaterThanOrEquals
                | Operator::DurationLessThan
                | Operator::DurationLessThanOrEquals
        )
    }

    /// Compare a substituted key with a substituted value.
    pub fn evaluate(self, key: &Value, value: &Value) -> bool {
        match self {
            Operator::Equals => equals(key, value),
            Operator::NotEquals => not_equals(key, value),
            Operator::In => in_deprecated(key, value, false),
            Operator::NotIn => in_deprecated(key, value, true),
            Operator::AnyIn => any_in(key, value, false),
            Operator::AnyNotIn => any_in(key, value, true),
            Operator::AllIn => all_in(key, value, false),
            Operator::AllNotIn => all_in(key, value, true),
            Operator::GreaterThan
            | Operator::GreaterThanOrEquals
            | Operator::LessThan
            | Operator::LessThanOrEquals => numeric(self, key, value),
            Operator::DurationGreaterThan
            | Operator::DurationGreaterThanOrEquals
            | Operator::DurationLessThan
            | Operator::DurationLessThanOrEquals => duration_operator(self, key, value),
        }
    }
}

/// A JSON value seen as the Go type Kyverno would hold.
enum Go<'a> {
    Int(i64),
    Float(f64),
    Str(&'a str),
    Bool(bool),
    Other,
}

fn go(value: &Value) -> Go<'_> {
    match value {
        Value::Number(n) => match (n.as_i64(), n.is_f64()) {
            (Some(i), false) => Go::Int(i),
            _ => Go::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Go::Str(s),
        Value::Bool(b) => Go::Bool(*b),
        _ => Go::Other,
    }
}

/// `strconv.ParseInt(s, 10, 64)`.
fn parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `strconv.ParseFloat(s, 64)` (decimal forms, `inf`, `nan`).
fn parse_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if matches!(body, "inf" | "infinity" | "nan") {
        return s.parse().ok();
    }
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    s.parse().ok()
}

/// A Go duration in nanoseconds; `"0"` does not count (Kyverno's `parseDuration`).
fn duration_string(s: &str) -> Option<i64> {
    if s == "0" {
        return None;
    }
    parse_duration(s).ok()
}

/// Kyverno's `parseDuration(key, value)`: at least one side is a duration
/// string, the other a duration string or a number of seconds.
fn durations(key: &Value, value: &Value) -> Option<(f64, f64)> {
    let key_duration = key.as_str().and_then(duration_string);
    let value_duration = value.as_str().and_then(duration_string);
    if key_duration.is_none() && value_duration.is_none() {
        return None;
    }
    let seconds = |side: &Value, parsed: Option<i64>| -> Option<f64> {
        match parsed {
            Some(nanos) => Some(nanos as f64 / 1e9),
            None => match go(side) {
                Go::Int(i) => Some(i.saturating_mul(1_000_000_000) as f64 / 1e9),
                // `time.Duration(f) * time.Second` truncates the float first.
                Go::Float(f) => Some(((f as i64).saturating_mul(1_000_000_000)) as f64 / 1e9),
                _ => None,
            },
        }
    };
    Some((seconds(key, key_duration)?, seconds(value, value_duration)?))
}

fn equals(key: &Value, value: &Value) -> bool {
    match (key, go(key)) {
        (_, Go::Bool(k)) => value.as_bool() == Some(k),
        (_, Go::Int(k)) => match go(value) {
            Go::Int(v) => v == k,
            Go::Float(v) => v.trunc() == v && v as i64 == k,
            Go::Str(v) => parse_int(v) == Some(k),
            _ => false,
        },
        (_, Go::Float(k)) => match go(value) {
            Go::Int(v) => k.trunc() == k && k as i64 == v,
            Go::Float(v) => v == k,
            Go::Str(v) => parse_float(v) == Some(k),
            _ => false,
        },
        (_, Go::Str(k)) => {
            if let Some((a, b)) = durations(key, value) {
                return a == b;
            }
            if let Ok(kq) = Quantity::parse(k) {
                if let Some(v) = value.as_str() {
                    return Quantity::parse(v).is_ok_and(|vq| vq == kq);
                }
            }
            value.as_str().is_some_and(|v| wildcard::matches(v, k))
        }
        (Value::Object(_), _) => value.is_object() && key == value,
        (Value::Array(_), _) => value.is_array() && key == value,
        _ => false,
    }
}

fn not_equals(key: &Value, value: &Value) -> bool {
    match (key, go(key)) {
        (_, Go::Bool(k)) => value.as_bool() != Some(k),
        (_, Go::Int(k)) => match go(value) {
            Go::Int(v) => v != k,
            Go::Float(v) => v.trunc() != v || v as i64 != k,
            Go::Str(v) => parse_int(v) != Some(k),
            _ => true,
        },
        (_, Go::Float(k)) => match go(value) {
            // A fractional key against an integer is "not equal" in Go only
            // by falling through: it returns true.
            Go::Int(v) => k.trunc() != k || k as i64 != v,
            Go::Float(v) => v != k,
            Go::Str(v) => parse_float(v) != Some(k),
            _ => true,
        },
        (_, Go::Str(k)) => {
            if let Some((a, b)) = durations(key, value) {
                return a != b;
            }
            if let Ok(kq) = Quantity::parse(k) {
                if let Some(v) = value.as_str() {
                    if v.is_empty() {
                        return !wildcard::matches(v, k);
                    }
                    return Quantity::parse(v).map_or(true, |vq| vq != kq);
                }
            }
            value.as_str().is_none_or(|v| !wildcard::matches(v, k))
        }
        (Value::Object(_), _) | (Value::Array(_), _) => key != value,
        // Kyverno's NotEqual of an unsupported key type is false.
        _ => false,
    }
}

fn compare(op: Operator, key: f64, value: f64) -> bool {
    match op {
        Operator::GreaterThan | Operator::DurationGreaterThan => key > value,
        Operator::GreaterThanOrEquals | Operator::DurationGreaterThanOrEquals => key >= value,
        Operator::LessThan | Operator::DurationLessThan => key < value,
        Operator::LessThanOrEquals | Operator::DurationLessThanOrEquals => key <= value,
        _ => false,
    }
}

fn numeric(op: Operator, key: &Value, value: &Value) -> bool {
    match go(key) {
        Go::Int(k) => numeric_number(op, k as f64, key, value),
        Go::Float(k) => numeric_number(op, k, key, value),
        Go::Str(k) => {
            if let Some((a, b)) = durations(key, value) {
                return compare(op, a, b);
            }
            if let (Ok(kq), Some(Ok(vq))) =
                (Quantity::parse(k), value.as_str().map(Quantity::parse))
            {
                let order = match kq.cmp(&vq) {
                    std::cmp::Ordering::Less => -1.0,
                    std::cmp::Ordering::Equal => 0.0,
                    std::cmp::Ordering::Greater => 1.0,
                };
                return compare(op, order, 0.0);
            }
            if let Some(k) = parse_float(k) {
                return numeric_number(op, k, key, value);
            }
            if let Ok(version) = Version::parse(k) {
                return match value.as_str().map(Version::parse) {
                    Some(Ok(other)) => {
                        let order = version.cmp(&other);
                        compare(op, order as i8 as f64, 0.0)
                    }
                    _ => false,
                };
            }
            false
        }
        _ => false,
    }
}

fn numeric_number(op: Operator, k: f64, key: &Value, value: &Value) -> bool {
    match go(value) {
        Go::Int(v) => compare(op, k, v as f64),
        Go::Float(v) => compare(op, k, v),
        Go::Str(v) => {
            if let Some((a, b)) = durations(key, value) {
                return compare(op, a, b);
            }
            parse_float(v)
                .or_else(|| parse_int(v).map(|i| i as f64))
                .is_some_and(|v| compare(op, k, v))
        }
        _ => false,
    }
}

fn duration_operator(op: Operator, key: &Value, value: &Value) -> bool {
    let seconds_of_number = |v: &Value| -> Option<i64> {
        match go(v) {
            Go::Int(i) => Some(i.saturating_mul(1_000_000_000)),
            Go::Float(f) => Some((f as i64).saturating_mul(1_000_000_000)),
            _ => None,
        }
    };
    let key_nanos = match go(key) {
        Go::Int(_) | Go::Float(_) => seconds_of_number(key),
        Go::Str(k) => parse_duration(k).ok(),
        _ => None,
    };
    let Some(key_nanos) = key_nanos else {
        return false;
    };
    let value_nanos = match go(value) {
        Go::Int(_) | Go::Float(_) => seconds_of_number(value),
        Go::Str(v) => parse_duration(v).ok(),
        _ => None,
    };
    value_nanos.is_some_and(|v| compare(op, key_nanos as f64, v as f64))
}

/// The texts `AnyIn` and friends compare: a scalar key is one text, a list
/// key one per element; other keys make the condition false.
fn key_texts(key: &Value) -> Option<KeyTexts> {
    match key {
        Value::String(s) => Some(KeyTexts::One(s.clone())),
        Value::Number(_) | Value::Bool(_) => Some(KeyTexts::One(sprint(key))),
        Value::Array(items) => Some(KeyTexts::Many(items.iter().map(sprint).collect())),
        _ => None,
    }
}

enum KeyTexts {
    One(String),
    Many(Vec<String>),
}

fn either_matches(a: &str, b: &str) -> bool {
    wildcard::matches(a, b) || wildcard::matches(b, a)
}

/// Kyverno's range values (`pkg/engine/operator`): `a-b` and `a!-b` with
/// numeric ends that may carry a unit suffix.
static IN_RANGE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$")
        .expect("valid range pattern")
});
static NOT_IN_RANGE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)!-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$")
        .expect("valid range pattern")
});

/// `GetOperatorFromStringPattern(value) == InRange`: an `a-b` that does not
/// start with a comparison operator and is not an `a!-b`.
fn is_in_range(value: &str) -> bool {
    value.len() >= 2
        && !value.starts_with(['>', '<', '!'])
        && !NOT_IN_RANGE.is_match(value)
        && IN_RANGE.is_match(value)
}

/// `pattern.Validate(key, range)` for a string key: `left <= key <= right`
/// for `a-b`, `key < left || key > right` for `a!-b`, comparing as
/// quantities (plain numbers are quantities too) or as durations.
fn in_range(key: &str, range: &str) -> bool {
    if let Some(c) = NOT_IN_RANGE.captures(range) {
        return compare_text(key, &c[1]).is_some_and(|o| o.is_lt())
            || compare_text(key, &c[2]).is_some_and(|o| o.is_gt());
    }
    if let Some(c) = IN_RANGE.captures(range) {
        return compare_text(key, &c[1]).is_some_and(|o| o.is_ge())
            && compare_text(key, &c[2]).is_some_and(|o| o.is_le());
    }
    false
}

fn compare_text(value: &str, bound: &str) -> Option<std::cmp::Ordering> {
    if let (Ok(v), Ok(b)) = (Quantity::parse(value), Quantity::parse(bound)) {
        return Some(v.cmp(&b));
    }
    match (duration_string(value), duration_string(bound)) {
        (Some(v), Some(b)) => Some(v.cmp(&b)),
        _ => None,
    }
}

/// A string value read as Kyverno does: a JSON list of strings, else the
/// string itself; `None` when it is JSON but not a list of strings.
fn string_list(value: &str) -> Option<Vec<String>> {
    match serde_json::from_str::<Value>(value) {
        Ok(json) => match json {
            Value::Null => Some(Vec::new()),
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect(),
            _ => None,
        },
        Err(_) => Some(vec![value.to_owned()]),
    }
}

/// `anyKeyExistsInArray`/`allKeyExistsInArray` (identical in Kyverno):
/// `None` for a value of the wrong type.
fn key_exists(key: &str, value: &Value) -> Option<bool> {
    match value {
        Value::Array(items) => Some(items.iter().any(|v| either_matches(&sprint(v), key))),
        Value::String(v) => {
            if wildcard::matches(v, key) {
                return Some(true);
            }
            if is_in_range(v) {
                return Some(in_range(key, v));
            }
            let list = string_list(v)?;
            Some(list.iter().any(|item| item == key))
        }
        _ => None,
    }
}

fn any_in(key: &Value, value: &Value, negate: bool) -> bool {
    match key_texts(key) {
        None => false,
        Some(KeyTexts::One(k)) => match key_exists(&k, value) {
            None => false,
            Some(found) => found != negate,
        },
        Some(KeyTexts::Many(keys)) => any_set(&keys, value, negate).unwrap_or(false),
    }
}

fn is_any_in(keys: &[String], values: &[String]) -> bool {
    keys.iter()
        .any(|k| values.iter().any(|v| either_matches(k, v)))
}

fn is_any_not_in(keys: &[String], values: &[String]) -> bool {
    keys.iter()
        .any(|k| !values.iter().any(|v| either_matches(k, v)))
}

/// `anySetExistsInArray`.
fn any_set(keys: &[String], value: &Value, any_not_in: bool) -> Option<bool> {
    let decide = |values: &[String]| {
        if any_not_in {
            is_any_not_in(keys, values)
        } else {
            is_any_in(keys, values)
        }
    };
    match value {
        Value::Array(items) => Some(decide(&items.iter().map(sprint).collect::<Vec<_>>())),
        Value::Number(_) | Value::Bool(_) => Some(decide(&[sprint(value)])),
        Value::String(v) => {
            if keys.len() == 1 && keys[0] == *v {
                return Some(!any_not_in);
            }
            if is_in_range(v) {
                return Some(if any_not_in {
                    let not_in = v.replacen('-', "!-", 1);
                    keys.iter().any(|k| in_range(k, &not_in))
                } else {
                    keys.iter().any(|k| in_range(k, v))
                });
            }
            Some(decide(&string_list(v)?))
        }
        _ => None,
    }
}

fn all_in(key: &Value, value: &Value, negate: bool) -> bool {
    match key_texts(key) {
        None => false,
        Some(KeyTexts::One(k)) => match key_exists(&k, value) {
            None => false,
            Some(found) => found != negate,
        },
        Some(KeyTexts::Many(keys)) => all_set(&keys, value, negate).unwrap_or(false),
    }
}

/// `allSetExistsInArray`.
fn all_set(keys: &[String], value: &Value, all_not_in: bool) -> Option<bool> {
    let decide = |values: &[String]| {
        if all_not_in {
            keys.iter()
                .all(|k| !values.iter().any(|v| either_matches(k, v)))
        } else {
            keys.iter()
                .all(|k| values.iter().any(|v| either_matches(k, v)))
        }
    };
    match value {
        Value::Array(items) => Some(decide(&items.iter().map(sprint).collect::<Vec<_>>())),
        Value::String(v) => {
            if keys.len() == 1 && keys[0] == *v {
                return Some(!all_not_in);
            }
            if is_in_range(v) {
                return Some(if all_not_in {
                    !keys.iter().any(|k| in_range(k, v))
                } else {
                    keys.iter().all(|k| in_range(k, v))
                });
            }
            Some(decide(&string_list(v)?))
        }
        _ => None,
    }
}

/// The deprecated `In`/`NotIn`: exact set membership, a string value must be
/// a JSON list, and list keys must be strings.
fn in_deprecated(key: &Value, value: &Value, not_in: bool) -> bool {
    match key {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => {
            let k = sprint(key);
            let exists = match value {
                Value::Array(items) => Some(items.iter().any(|v| either_matches(&sprint(v), &k))),
                Value::String(v) => {
                    if wildcard::matches(v, &k) {
                        Some(true)
                    } else {
                        json_strings(v).map(|list| list.contains(&k))
                    }
                }
                _ => None,
            };
            match exists {
                None => false,
                Some(found) => found != not_in,
            }
        }
        Value::Array(items) => {
            // Go asserts every key element is a string (and panics otherwise).
            let Some(keys) = items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
            else {
                return false;
            };
            let values = match value {
                Value::Array(items) => match items
                    .iter()
                    .map(|i| i.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                {
                    Some(values) => values,
                    None => return false,
                },
                Value::String(v) => {
                    if keys.len() == 1 && keys[0] == *v {
                        // Kyverno answers "found" here for `NotIn` too.
                        return true;
                    }
                    match json_strings(v) {
                        Some(values) => values,
                        None => return false,
                    }
                }
                _ => return false,
            };
            let all_present = keys.iter().all(|k| values.contains(k));
            if not_in {
                !all_present
            } else {
                all_present
            }
        }
        _ => false,
    }
}

/// `json.Unmarshal(value, &[]string)`: `None` when it is not a JSON list of
/// strings (or `null`).
fn json_strings(value: &str) -> Option<Vec<String>> {
    match serde_json::from_str::<Value>(value).ok()? {
        Value::Null => Some(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}
