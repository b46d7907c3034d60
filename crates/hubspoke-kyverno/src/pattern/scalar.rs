//! Leaf patterns: a resource value against a boolean, number, null or string
//! pattern (Kyverno `pkg/engine/pattern`), string patterns with their
//! operators (`!`, `>`, `>=`, `<`, `<=`, ranges `a-b` and `a!-b`), `|` and `&`,
//! and the duration, quantity and wildcard comparisons they fall back on.
//!
//! String patterns are split and their operators parsed once, when the policy
//! is compiled; only the resource side is parsed per evaluation.

use serde_json::Value;

use crate::duration::parse_duration;
use crate::pattern::wildcard;
use crate::quantity::Quantity;

/// A compiled leaf pattern.
#[derive(Debug, Clone)]
pub enum ScalarPattern {
    /// `true` / `false`: the value must be that boolean.
    Bool(bool),
    /// A number: Kyverno reads every pattern number as a float64.
    Number(f64),
    /// `null` / `~`: the value must be absent or empty (`0`, `""`, `false`).
    Null,
    /// A string with operators.
    Text(TextPattern),
}

/// A string pattern: alternatives (`|`) of conjunctions (`&`) of conditions.
#[derive(Debug, Clone)]
pub struct TextPattern {
    /// The pattern as written.
    pub raw: String,
    alternatives: Vec<Vec<Condition>>,
}

/// One operator and its operand.
#[derive(Debug, Clone)]
enum Condition {
    Compare(Comparison),
    /// `a-b`: `>= a` and `<= b`.
    InRange(Comparison, Comparison),
    /// `a!-b`: `< a` or `> b`.
    NotInRange(Comparison, Comparison),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Equal,
    NotEqual,
    More,
    MoreEqual,
    Less,
    LessEqual,
}

/// An operator with its operand, parsed as a duration and as a quantity once.
#[derive(Debug, Clone)]
struct Comparison {
    operator: Operator,
    operand: String,
    duration: Option<i64>,
    quantity: Option<Quantity>,
}

impl Comparison {
    fn new(operator: Operator, operand: &str) -> Comparison {
        Comparison {
            operator,
            operand: operand.to_owned(),
            duration: parse_duration(operand).ok(),
            quantity: Quantity::parse(operand).ok(),
        }
    }
}

impl ScalarPattern {
    /// Compile a JSON leaf; `None` for maps and arrays.
    pub fn compile(value: &Value) -> Option<ScalarPattern> {
        Some(match value {
            Value::Bool(b) => ScalarPattern::Bool(*b),
            Value::Number(n) => ScalarPattern::Number(n.as_f64().unwrap_or(f64::NAN)),
            Value::Null => ScalarPattern::Null,
            Value::String(s) => ScalarPattern::Text(TextPattern::compile(s)),
            Value::Array(_) | Value::Object(_) => return None,
        })
    }

    /// Whether `value` (a resource value, `None` when absent) matches.
    pub fn matches(&self, value: Option<&Value>) -> bool {
        match self {
            ScalarPattern::Bool(b) => matches!(value, Some(Value::Bool(v)) if v == b),
            ScalarPattern::Number(pattern) => number_matches(value, *pattern),
            ScalarPattern::Null => null_matches(value),
            ScalarPattern::Text(text) => text.matches(value),
        }
    }

    /// The pattern as Kyverno prints it in messages (`%v`).
    pub fn display(&self) -> String {
        match self {
            ScalarPattern::Bool(b) => b.to_string(),
            ScalarPattern::Number(n) => go_float_v(*n),
            ScalarPattern::Null => "<nil>".to_owned(),
            ScalarPattern::Text(text) => text.raw.clone(),
        }
    }

    /// Whether this is the string `"*"` (any non-null value), which a map key
    /// handles before looking at the value.
    pub fn is_star(&self) -> bool {
        matches!(self, ScalarPattern::Text(text) if text.raw == "*")
    }
}

fn number_matches(value: Option<&Value>, pattern: f64) -> bool {
    match value {
        Some(Value::Number(n)) => {
            if let Some(int) = n.as_i64() {
                pattern.fract() == 0.0 && go_float_to_int(pattern) == Some(int)
            } else if let Some(uint) = n.as_u64() {
                #[allow(clippy::cast_precision_loss)]
                let as_float = uint as f64;
                pattern.fract() == 0.0 && as_float == pattern
            } else {
                n.as_f64() == Some(pattern)
            }
        }
        Some(Value::String(s)) => go_parse_float(s) == Some(pattern),
        _ => false,
    }
}

/// Go's `int64(f)` for an integral float inside the i64 range.
fn go_float_to_int(f: f64) -> Option<i64> {
    #[allow(clippy::cast_precision_loss)]
    let in_range = f >= i64::MIN as f64 && f < i64::MAX as f64;
    #[allow(clippy::cast_possible_truncation)]
    in_range.then_some(f as i64)
}

fn null_matches(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::Number(n)) => n.as_f64() == Some(0.0),
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Bool(b)) => !b,
        Some(Value::Array(_) | Value::Object(_)) => false,
    }
}

impl TextPattern {
    /// Split a string pattern into alternatives and conditions.
    pub fn compile(raw: &str) -> TextPattern {
        let alternatives = raw
            .split('|')
            .map(|alternative| {
                alternative
                    .trim_matches(' ')
                    .split('&')
                    .map(|condition| parse_condition(condition.trim_matches(' ')))
                    .collect()
            })
            .collect();
        TextPattern {
            raw: raw.to_owned(),
            alternatives,
        }
    }

    /// `validateStringPatterns`: an exact string match, else any alternative
    /// whose conditions all hold.
    pub fn matches(&self, value: Option<&Value>) -> bool {
        if let Some(Value::String(s)) = value {
            if *s == self.raw {
                return true;
            }
        }
        self.alternatives
            .iter()
            .any(|conditions| conditions.iter().all(|c| condition_holds(c, value)))
    }
}

/// `operator.GetOperatorFromStringPattern` and the operand after it.
fn parse_condition(text: &str) -> Condition {
    let compare = |operator, prefix_len: usize| {
        Condition::Compare(Comparison::new(operator, text[prefix_len..].trim()))
    };
    if text.len() < 2 {
        return compare(Operator::Equal, 0);
    }
    if text.starts_with(">=") {
        return compare(Operator::MoreEqual, 2);
    }
    if text.starts_with("<=") {
        return compare(Operator::LessEqual, 2);
    }
    if text.starts_with('>') {
        return compare(Operator::More, 1);
    }
    if text.starts_with('<') {
        return compare(Operator::Less, 1);
    }
    if text.starts_with('!') {
        return compare(Operator::NotEqual, 1);
    }
    if let Some((low, high)) = split_range(text, "!-") {
        return Condition::NotInRange(
            Comparison::new(Operator::Less, low),
            Comparison::new(Operator::More, high),
        );
    }
    if let Some((low, high)) = split_range(text, "-") {
        return Condition::InRange(
            Comparison::new(Operator::MoreEqual, low),
            Comparison::new(Operator::LessEqual, high),
        );
    }
    compare(Operator::Equal, 0)
}

/// Kyverno's range regexes, `^(E)-(E)$` and `^(E)!-(E)$` with
/// `E = [-|+]?\d+(\.\d+)?[A-Za-z]*`: the endpoints hold no `-` past their sign,
/// so trying each separator position is exact.
fn split_range<'a>(text: &'a str, separator: &str) -> Option<(&'a str, &'a str)> {
    text.match_indices(separator)
        .filter(|(at, _)| *at > 0)
        .map(|(at, _)| (&text[..at], &text[at + separator.len()..]))
        .find(|(low, high)| is_range_endpoint(low) && is_range_endpoint(high))
}

fn is_range_endpoint(text: &str) -> bool {
    let body = text
        .strip_prefix(['-', '|', '+'])
        .unwrap_or(text)
        .as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < body.len() && body[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return false;
    }
    if i < body.len() && body[i] == b'.' {
        let mut j = i + 1;
        if digits(&mut j) {
            i = j;
        }
    }
    body[i..].iter().all(u8::is_ascii_alphabetic)
}

fn condition_holds(condition: &Condition, value: Option<&Value>) -> bool {
    match condition {
        Condition::Compare(c) => compare(c, value),
        Condition::InRange(low, high) => compare(low, value) && compare(high, value),
        Condition::NotInRange(low, high) => compare(low, value) || compare(high, value),
    }
}

/// `validateString`: as durations when both sides are durations, else as
/// quantities when both are quantities, else as wildcard strings.
fn compare(c: &Comparison, value: Option<&Value>) -> bool {
    let value_text = number_text(value);
    if let (Some(pattern), Some(text)) = (c.duration, value_text.as_deref()) {
        if let Ok(actual) = parse_duration(text) {
            return ordered(c.operator, actual.cmp(&pattern));
        }
    }
    if let (Some(pattern), Some(text)) = (&c.quantity, value_text.as_deref()) {
        if let Ok(actual) = Quantity::parse(text) {
            return ordered(c.operator, actual.cmp(pattern));
        }
    }
    compare_string(c, value)
}

fn ordered(operator: Operator, ordering: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match operator {
        Operator::Equal => ordering == Equal,
        Operator::NotEqual => ordering != Equal,
        Operator::More => ordering == Greater,
        Operator::Less => ordering == Less,
        Operator::MoreEqual => ordering != Less,
        Operator::LessEqual => ordering != Greater,
    }
}

/// `convertNumberToString`: absent is `"0"`, floats print with `%f`.
fn number_text(value: Option<&Value>) -> Option<String> {
    match value {
        None | Some(Value::Null) => Some("0".to_owned()),
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(if n.is_f64() {
            format!("{:.6}", n.as_f64().unwrap_or(0.0))
        } else {
            n.to_string()
        }),
        Some(Value::Bool(_) | Value::Array(_) | Value::Object(_)) => None,
    }
}

/// `compareString`: only `=` and `!` apply to strings, through wildcards.
fn compare_string(c: &Comparison, value: Option<&Value>) -> bool {
    if !matches!(c.operator, Operator::Equal | Operator::NotEqual) {
        return false;
    }
    let text = match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) if n.is_f64() => go_float_e(n.as_f64().unwrap_or(0.0)),
        Some(Value::Number(n)) => n.to_string(),
        _ => return false,
    };
    let matched = wildcard::matches(&c.operand, &text);
    if c.operator == Operator::NotEqual {
        !matched
    } else {
        matched
    }
}

/// Go's `strconv.FormatFloat(f, 'E', -1, 64)`: `8.08E+03`, `1E+00`, `5E-01`.
fn go_float_e(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    let rust = format!("{f:e}");
    let (mantissa, exponent) = rust.split_once('e').unwrap_or((rust.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}E{sign}{:02}", exponent.unsigned_abs())
}

/// Go's `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)` with Go's
/// exponent threshold of 21 digits).
fn go_float_v(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e21 {
        #[allow(clippy::cast_possible_truncation)]
        return (f as i64).to_string();
    }
    let plain = f.to_string();
    if f.abs() >= 1e21 || (f != 0.0 && f.abs() < 1e-4) {
        let rust = format!("{f:e}");
        let (mantissa, exponent) = rust.split_once('e').unwrap_or((rust.as_str(), "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs());
    }
    plain
}

/// Go's `strconv.ParseFloat(s, 64)` for the decimal forms resources use.
fn go_parse_float(text: &str) -> Option<f64> {
    let lower = text.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if matches!(body, "inf" | "infinity" | "nan") {
        return text.parse().ok();
    }
    if text.is_empty()
        || !text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(pattern: &str, value: &Value) -> bool {
        TextPattern::compile(pattern).matches(Some(value))
    }

    fn op(operator: Operator, value: &Value, operand: &str) -> bool {
        compare(&Comparison::new(operator, operand), Some(value))
    }

    // Kyverno pkg/engine/pattern/pattern_test.go: validateFloatPattern cases.
    #[test]
    fn float_patterns() {
        let p = |n: f64| ScalarPattern::Number(n);
        assert!(p(7.9914).matches(Some(&json!(7.9914))));
        assert!(!p(7.99141).matches(Some(&json!(7.9914))));
        assert!(p(7.0).matches(Some(&json!(7))));
        assert!(p(7.0).matches(Some(&json!(7.0))));
        assert!(!p(7.0).matches(Some(&json!(7.000001))));
        assert!(!p(7.0).matches(Some(&json!(8))));
    }

    // TestValidateValueWithStringPattern_WithSpace and _Ranges.
    #[test]
    fn ranges() {
        let cases: &[(Value, &str, bool)] = &[
            (json!(4), ">= 3", true),
            (json!(0), "0-2", true),
            (json!(1), "0-2", true),
            (json!(2), "0-2", true),
            (json!(3), "0-2", false),
            (json!(0), "10!-20", true),
            (json!(15), "10!-20", false),
            (json!(25), "10!-20", true),
            (json!(0), "0.00001-2.00001", false),
            (json!(1), "0.00001-2.00001", true),
            (json!(2), "0.00001-2.00001", true),
            (json!(2.0001), "0.00001-2.00001", false),
            (json!(0), "0.00001!-2.00001", true),
            (json!(1), "0.00001!-2.00001", false),
            (json!(2), "0.00001!-2.00001", false),
            (json!(2.0001), "0.00001!-2.00001", true),
            (json!(2), "2-2", true),
            (json!(2), "2!-2", false),
            (json!(2.99999), "2.99998-3", true),
            (json!(2.99997), "2.99998!-3", true),
            (json!(3.00001), "2.99998!-3", true),
            (json!("256Mi"), "128Mi-512Mi", true),
            (json!("1024Mi"), "128Mi-512Mi", false),
            (json!("64Mi"), "128Mi-512Mi", false),
            (json!("256Mi"), "128Mi!-512Mi", false),
            (json!("1024Mi"), "128Mi!-512Mi", true),
            (json!("64Mi"), "128Mi!-512Mi", true),
            (json!(-9), "-10-8", true),
            (json!(9), "-10--8", false),
            (json!(9), "-10!--8", true),
            (json!("9Mi"), "-10Mi!--8Mi", true),
            (json!(-9), "-10!--8", false),
            (json!("-9Mi"), "-10Mi-8Mi", true),
            (json!("9Mi"), "-10Mi!-8Mi", true),
            (json!(0), "-10-+8", true),
            (json!("7Mi"), "-10Mi-+8Mi", true),
            (json!(10), "-10!-+8", true),
            (json!("10Mi"), "-10Mi!-+8Mi", true),
            (json!(0), "+0-+1", true),
            (json!("10Mi"), "+0Mi-+1024Mi", true),
            (json!(10), "+0!-+1", true),
            (json!("1025Mi"), "+0Mi!-+1024Mi", true),
        ];
        for (value, pattern, want) in cases {
            assert_eq!(text(pattern, value), *want, "{value} against {pattern:?}");
        }
    }

    // TestValidateNumberWithStr_LessFloatAndInt, TestValidateQuantity_*,
    // TestValidateDuration.
    #[test]
    fn operators() {
        use Operator::*;
        let cases: &[(Value, &str, Operator, bool)] = &[
            (json!(7.00001), "7.000001", More, true),
            (json!(7.00001), "7", NotEqual, true),
            (json!(7.0), "7", Equal, true),
            (json!(6.000000001), "6", Less, false),
            (json!("1024Gi"), "", Equal, false),
            (json!("gii"), "1024Gi", Equal, false),
            (json!("12s"), "12s", Equal, true),
            (json!("12s"), "15s", NotEqual, true),
            (json!("12s"), "15s", Less, true),
            (json!("12s"), "15s", LessEqual, true),
            (json!("12s"), "12s", LessEqual, true),
            (json!("15s"), "12s", Less, false),
            (json!("15s"), "12s", LessEqual, false),
            (json!("15s"), "12s", More, true),
            (json!("15s"), "12s", MoreEqual, true),
            (json!("12s"), "12s", MoreEqual, true),
            (json!("12s"), "15s", More, false),
            (json!("12s"), "15s", MoreEqual, false),
            (json!("1024Gi"), "1024Gi", Equal, true),
            (json!("1024Mi"), "1Gi", Equal, true),
            (json!("0.2"), "200m", Equal, true),
            (json!("500"), "500", Equal, true),
            (json!("2048"), "1024", Equal, false),
            (json!(1024), "1024", Equal, true),
            (json!("1Gi"), "1000Mi", More, true),
            (json!("1G"), "1Gi", Less, true),
            (json!("500m"), "0.5", MoreEqual, true),
            (json!("1"), "500m", MoreEqual, true),
            (json!("0.5"), ".5", LessEqual, true),
            (json!("0.2"), ".5", LessEqual, true),
            (json!("0.2"), ".5", NotEqual, true),
            (json!("500m"), "0.6", MoreEqual, false),
        ];
        for (value, operand, operator, want) in cases {
            assert_eq!(
                op(*operator, value, operand),
                *want,
                "{value} {operator:?} {operand:?}"
            );
        }
    }

    // TestValidate: the table of (value, pattern) pairs through Validate.
    #[test]
    fn validate_table() {
        let cases: &[(Option<Value>, Value, bool)] = &[
            (Some(json!(true)), json!(true), true),
            (Some(json!(true)), json!(false), false),
            (Some(json!(false)), json!(true), false),
            (Some(json!(false)), json!(false), true),
            (Some(json!("value")), Value::Null, false),
            (Some(json!("")), Value::Null, true),
            (Some(json!(0.0)), Value::Null, true),
            (Some(json!(0)), Value::Null, true),
            (Some(json!(false)), Value::Null, true),
            (
                Some(json!("10.100.11.54")),
                json!("192.168.88.1 | 10.100.11.*"),
                true,
            ),
            (Some(json!("10")), json!(">1 & <20"), true),
            (Some(json!("10")), json!(">1 & <20 | >31 & <33"), true),
            (Some(json!("32")), json!(">1 & <20 | >31 & <33"), true),
            (Some(json!("21")), json!(">1 & <20 | >31 & <33"), false),
            (Some(json!(7.0)), json!(7.000), true),
            (Some(json!(10)), json!(10), true),
            (Some(json!(8)), json!(10), false),
            (None, json!(false), false),
            (Some(json!(8.0)), json!(8), true),
            (Some(json!(8.1)), json!(8), false),
            (Some(json!("8")), json!(8), true),
            (Some(json!("8.1")), json!(8), false),
            (Some(json!(false)), json!(8), false),
            (Some(json!(8)), json!(8.0), true),
            (Some(json!(8)), json!(8.1), false),
            (Some(json!("8")), json!(8.0), true),
            (Some(json!("8.1")), json!(8.1), true),
        ];
        for (value, pattern, want) in cases {
            let compiled = ScalarPattern::compile(pattern).unwrap_or(ScalarPattern::Null);
            assert_eq!(
                compiled.matches(value.as_ref()),
                *want,
                "{value:?} against {pattern}"
            );
        }
    }

    #[test]
    fn absent_values_compare_as_zero() {
        // convertNumberToString(nil) is "0": a missing field is a zero
        // duration or quantity, and no string.
        let p = |s: &str| TextPattern::compile(s);
        assert!(p("<= 1h").matches(None));
        assert!(p("0").matches(None));
        assert!(!p(">0").matches(None));
        assert!(!p("?*").matches(None));
        assert!(!p("*").matches(None));
    }

    #[test]
    fn strings_numbers_and_booleans() {
        assert!(text("true", &json!(true)));
        assert!(!text("false", &json!(true)));
        // A float64 resource number prints as Go's %E for wildcard strings.
        assert!(text("8.08E+03", &json!(8080.0)));
        assert!(text("80*", &json!(8080)));
        assert!(!text("80*", &json!(8080.0)));
        assert!(text("!*:latest", &json!("nginx:1.2")));
        assert!(!text("!*:latest", &json!("nginx:latest")));
        assert!(text("*:latest | !*:*", &json!("nginx")));
        assert_eq!(go_float_e(1.0), "1E+00");
        assert_eq!(go_float_e(0.5), "5E-01");
        assert_eq!(go_float_e(-1234.5), "-1.2345E+03");
        assert_eq!(go_float_v(7.0), "7");
        assert_eq!(go_float_v(0.5), "0.5");
    }

    #[test]
    fn range_endpoints() {
        assert!(is_range_endpoint("10"));
        assert!(is_range_endpoint("-10Mi"));
        assert!(is_range_endpoint("+1.5Gi"));
        assert!(!is_range_endpoint("1."));
        assert!(!is_range_endpoint(""));
        assert!(!is_range_endpoint("a1"));
        assert!(split_range("1-2-3", "-").is_none());
        assert_eq!(split_range("-10--8", "-"), Some(("-10", "-8")));
    }
}
