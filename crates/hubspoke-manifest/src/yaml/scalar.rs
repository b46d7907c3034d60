//! Scalars read exactly as Kubernetes' API machinery reads them.
//!
//! kubectl and the API server decode YAML with sigs.k8s.io/yaml over go-yaml v2
//! (go.yaml.in/yaml/v2; kubectl 1.37 embeds sigs.k8s.io/yaml 1.6.0 and go.yaml.in/yaml/v2 2.4.4):
//! go-yaml resolves each scalar (YAML 1.1 booleans such as `y` and `off`, Go's integer
//! syntax such as `0o17`, `1_000` or `017`), sigs.k8s.io/yaml turns the result into JSON
//! (mapping keys become strings, floats keys through a 32-bit format), and the API machinery
//! decodes that JSON again (integers as int64, other numbers as float64). Whatever that chain
//! rejects (`.inf` as a value, a null key, `!!int abc`) is an [`Undecodable`].
//!
//! `tests/data/scalars.json`, generated with kubectl by `scripts/update-scalar-table.sh`, is
//! the reference; `tests/scalar_table.rs` checks every row of it.
//!
//! Scalars are the bulk of every manifest, so the common cases (words, small integers) take
//! no allocation beyond the resulting string and no regular expression.

use std::borrow::Cow;
use std::sync::OnceLock;

use super::node::NodeValue;

/// How a scalar is to be decoded, from its style and tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decode {
    /// An untagged plain scalar (or one tagged `!`): resolved by its text.
    Implicit,
    /// A string whatever it looks like: quoted and untagged, `!!str`, and every tag the
    /// decoder does not resolve (`!!merge`, `!!map`, custom tags such as `!Ref`).
    Text,
    /// `!!binary`: base64 data, decoded to a string.
    Binary,
    /// A tag the decoder checks the text against.
    Typed(CoreType),
}

/// The core types a tag can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoreType {
    /// `!!bool`
    Bool,
    /// `!!int`
    Int,
    /// `!!float`
    Float,
    /// `!!null`
    Null,
    /// `!!timestamp` (the value stays its text, as go-yaml v2 keeps it for compatibility).
    Timestamp,
}

impl Decode {
    /// How a scalar with the standard tag `!!suffix` is decoded.
    pub fn for_standard_tag(suffix: &str) -> Decode {
        match suffix {
            "bool" => Decode::Typed(CoreType::Bool),
            "int" => Decode::Typed(CoreType::Int),
            "float" => Decode::Typed(CoreType::Float),
            "null" => Decode::Typed(CoreType::Null),
            "timestamp" => Decode::Typed(CoreType::Timestamp),
            "binary" => Decode::Binary,
            _ => Decode::Text,
        }
    }
}

impl CoreType {
    fn tag(self) -> &'static str {
        match self {
            CoreType::Bool => "!!bool",
            CoreType::Int => "!!int",
            CoreType::Float => "!!float",
            CoreType::Null => "!!null",
            CoreType::Timestamp => "!!timestamp",
        }
    }
}

/// Why Kubernetes cannot decode a scalar: it rejects the whole file with this reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecodable(pub String);

/// A scalar as go-yaml v2 resolves it, before the conversion to JSON.
#[derive(Debug, Clone, PartialEq)]
enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    /// Only above `i64::MAX`: go-yaml falls back to an unsigned integer.
    Uint(u64),
    Float(f64),
    /// The scalar's own text.
    Text,
    /// Decoded `!!binary` data.
    Decoded(String),
}

impl Resolved {
    fn tag(&self) -> &'static str {
        match self {
            Resolved::Null => "!!null",
            Resolved::Bool(_) => "!!bool",
            Resolved::Int(_) | Resolved::Uint(_) => "!!int",
            Resolved::Float(_) => "!!float",
            Resolved::Text | Resolved::Decoded(_) => "!!str",
        }
    }
}

/// The value a scalar in value position becomes, and why Kubernetes rejects it if it does.
/// A rejected scalar keeps its text as a string, so that the rest of the file is linted.
pub fn value_of(text: Cow<'_, str>, decode: Decode) -> (NodeValue, Option<Undecodable>) {
    let resolved = match resolve(&text, decode) {
        Ok(resolved) => resolved,
        Err(error) => return (NodeValue::Str(text.into_owned()), Some(error)),
    };
    let value = match resolved {
        Resolved::Null => NodeValue::Null,
        Resolved::Bool(b) => NodeValue::Bool(b),
        Resolved::Int(i) => NodeValue::Int(i),
        // JSON carries the exact digits; the API machinery reads what does not fit an
        // int64 as a float64 (rounded to the nearest).
        Resolved::Uint(u) => NodeValue::Float(u as f64),
        Resolved::Float(f) if !f.is_finite() => {
            let name = if f.is_nan() {
                "NaN"
            } else if f > 0.0 {
                "+Inf"
            } else {
                "-Inf"
            };
            let error = Undecodable(format!(
                "`{text}` is {name}, which JSON cannot hold (json: unsupported value: {name})"
            ));
            return (NodeValue::Str(text.into_owned()), Some(error));
        }
        Resolved::Float(f) => float_as_json(f),
        Resolved::Text => NodeValue::Str(text.into_owned()),
        Resolved::Decoded(s) => NodeValue::Str(s),
    };
    (value, None)
}

/// The string a scalar in key position becomes (Kubernetes' JSON has only string keys), and
/// why Kubernetes rejects it if it does. A rejected key keeps its text.
pub fn key_of(text: Cow<'_, str>, decode: Decode) -> (String, Option<Undecodable>) {
    let resolved = match resolve(&text, decode) {
        Ok(resolved) => resolved,
        Err(error) => return (text.into_owned(), Some(error)),
    };
    let key = match resolved {
        Resolved::Text => text.into_owned(),
        Resolved::Decoded(s) => s,
        Resolved::Bool(b) => b.to_string(),
        Resolved::Int(i) => i.to_string(),
        Resolved::Float(f) => float_key(f),
        Resolved::Null => {
            let error = Undecodable(format!(
                "`{text}` as a key is null, which a JSON object cannot have as a key (unsupported map key of type <nil>)"
            ));
            return (text.into_owned(), Some(error));
        }
        Resolved::Uint(_) => {
            let error = Undecodable(format!(
                "the key `{text}` is an integer above 2^63-1, which Kubernetes' YAML decoder cannot turn into a key (unsupported map key of type uint64)"
            ));
            return (text.into_owned(), Some(error));
        }
    };
    (key, None)
}

/// Whether an untagged plain scalar that resolved to a string is a JSON number too large
/// for a float64 (`1e400`): go-yaml keeps it as a string, but in a file that starts with
/// `{` Kubernetes decodes JSON, which rejects it.
pub fn is_overflowing_json_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let int_digits = digits_at(b, i);
    if int_digits == 0 || (int_digits > 1 && b[i] == b'0') {
        return false;
    }
    i += int_digits;
    if b.get(i) == Some(&b'.') {
        let n = digits_at(b, i + 1);
        if n == 0 {
            return false;
        }
        i += 1 + n;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = digits_at(b, i);
        if n == 0 {
            return false;
        }
        i += n;
    }
    i == b.len() && text.parse::<f64>().is_ok_and(f64::is_infinite)
}

fn resolve(text: &str, decode: Decode) -> Result<Resolved, Undecodable> {
    match decode {
        Decode::Implicit => Ok(resolve_plain(text)),
        Decode::Text => Ok(Resolved::Text),
        Decode::Binary => decode_binary(text).map(Resolved::Decoded),
        Decode::Typed(wanted) => {
            if wanted == CoreType::Timestamp && is_timestamp(text) {
                return Ok(Resolved::Text);
            }
            let found = resolve_plain(text);
            match (wanted, found) {
                (CoreType::Bool, found @ Resolved::Bool(_))
                | (CoreType::Int, found @ (Resolved::Int(_) | Resolved::Uint(_)))
                | (CoreType::Float, found @ Resolved::Float(_))
                | (CoreType::Null, found @ Resolved::Null) => Ok(found),
                // go-yaml converts a signed integer, but not an unsigned one, to a float.
                (CoreType::Float, Resolved::Int(i)) => Ok(Resolved::Float(i as f64)),
                (wanted, found) => Err(Undecodable(format!(
                    "cannot decode {} `{text}` as a {}",
                    found.tag(),
                    wanted.tag()
                ))),
            }
        }
    }
}

/// go-yaml v2's `resolve` for an untagged plain scalar. Its first byte says what it may be;
/// a fixed table holds the words, then come Go's integer syntax and YAML's float syntax.
fn resolve_plain(text: &str) -> Resolved {
    let Some(&first) = text.as_bytes().first() else {
        return Resolved::Null;
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => {
            word(text).unwrap_or(Resolved::Text)
        }
        b'.' => word(text)
            .or_else(|| go_parse_float_after_dot(text).map(Resolved::Float))
            .unwrap_or(Resolved::Text),
        b'+' | b'-' | b'0'..=b'9' => word(text).unwrap_or_else(|| resolve_number(text)),
        _ => Resolved::Text,
    }
}

/// The words of go-yaml v2's resolution table (YAML 1.1, in these three spellings only).
fn word(text: &str) -> Option<Resolved> {
    Some(match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Resolved::Bool(false)
        }
        "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        _ => return None,
    })
}

/// A scalar starting with a sign or a digit: go-yaml drops every `_`, then tries Go's
/// `ParseInt(s, 0, 64)`, `ParseUint(s, 0, 64)`, and a float when the text matches
/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` and fits a float64.
/// Dates (`2001-12-14`) and times (`1:30`) stay strings.
fn resolve_number(text: &str) -> Resolved {
    let plain: Cow<'_, str> = if text.contains('_') {
        Cow::Owned(text.replace('_', ""))
    } else {
        Cow::Borrowed(text)
    };
    let b = plain.as_bytes();
    if let Some(i) = go_parse_int(b) {
        return Resolved::Int(i);
    }
    if let Some(u) = go_parse_uint(b) {
        return Resolved::Uint(u);
    }
    if is_yaml_float(b) {
        // Rust's parser accepts every text of that pattern; Go's fails (and go-yaml keeps
        // the string) only when the number overflows, where Rust gives an infinity.
        if let Ok(f) = plain.parse::<f64>() {
            if f.is_finite() {
                return Resolved::Float(f);
            }
        }
    }
    Resolved::Text
}

/// Go's `strconv.ParseInt(s, 0, 64)` on text without underscores.
fn go_parse_int(b: &[u8]) -> Option<i64> {
    let (negative, magnitude) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    let n = go_parse_uint(magnitude)?;
    if negative {
        0i64.checked_sub_unsigned(n)
    } else {
        i64::try_from(n).ok()
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)` on text without underscores: `0x`, `0o` and `0b`
/// prefixes (either case), a leading `0` for octal, no sign.
fn go_parse_uint(b: &[u8]) -> Option<u64> {
    let (radix, digits) = match b {
        [] => return None,
        [b'0', b'x' | b'X', _, ..] => (16, &b[2..]),
        [b'0', b'o' | b'O', _, ..] => (8, &b[2..]),
        [b'0', b'b' | b'B', _, ..] => (2, &b[2..]),
        [b'0', rest @ ..] => (8, rest),
        _ => (10, b),
    };
    let mut n: u64 = 0;
    for &c in digits {
        let d = char::from(c).to_digit(radix)?;
        n = n.checked_mul(u64::from(radix))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// go-yaml's float pattern, `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(b: &[u8]) -> bool {
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_digits = digits_at(b, i);
    i += int_digits;
    if b.get(i) == Some(&b'.') {
        let fraction = digits_at(b, i + 1);
        if int_digits == 0 && fraction == 0 {
            return false;
        }
        i += 1 + fraction;
    } else if int_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exponent = digits_at(b, i);
        if exponent == 0 {
            return false;
        }
        i += exponent;
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` for a text starting with `.` (go-yaml's path for
/// those, underscores and all): digits, each `_` between two digits, an optional exponent.
fn go_parse_float_after_dot(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let mut i = 1;
    let fraction = digit_groups_at(b, i)?;
    i += fraction;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i += digit_groups_at(b, i)?;
    }
    if i != b.len() {
        return None;
    }
    let f = if text.contains('_') {
        text.replace('_', "").parse::<f64>().ok()?
    } else {
        text.parse::<f64>().ok()?
    };
    f.is_finite().then_some(f)
}

fn digits_at(b: &[u8], from: usize) -> usize {
    b.get(from..).map_or(0, |rest| {
        rest.iter().take_while(|c| c.is_ascii_digit()).count()
    })
}

/// Length of `D+ ('_' D+)*` at `from`, or `None` when there is no digit there or an `_`
/// is not between two digits (Go's rule for underscores in numbers).
fn digit_groups_at(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        let n = digits_at(b, i);
        if n == 0 {
            return None;
        }
        i += n;
        if b.get(i) == Some(&b'_') {
            i += 1;
        } else {
            return Some(i - from);
        }
    }
}

/// A finite float as the API machinery holds it after the trip through JSON: Go's
/// `encoding/json` writes |f| in [1e-6, 1e21) without exponent (shortest digits, padded with
/// zeros), and a number written without `.` or exponent is read back as an int64 if it fits.
fn float_as_json(f: f64) -> NodeValue {
    if f.fract() != 0.0 || f.abs() >= 1e21 {
        return NodeValue::Float(f);
    }
    // Below 2^53 every integer is a float, so the shortest digits are the integer itself.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if f.abs() < EXACT {
        return NodeValue::Int(f as i64);
    }
    // Above, the shortest digits padded with zeros may name a neighbouring integer:
    // 4611686018427388905.0 is written 4611686018427389000.
    let (negative, digits, exponent) = shortest_digits(&format!("{f:e}"));
    let zeros = usize::try_from(exponent + 1)
        .unwrap_or(0)
        .saturating_sub(digits.len());
    let mut text = String::with_capacity(1 + digits.len() + zeros);
    if negative {
        text.push('-');
    }
    text.push_str(&digits);
    text.extend(std::iter::repeat_n('0', zeros));
    match text.parse::<i64>() {
        Ok(i) => NodeValue::Int(i),
        Err(_) => NodeValue::Float(f),
    }
}

/// A float key as sigs.k8s.io/yaml writes it: Go's `FormatFloat(f, 'g', -1, 32)`, that is
/// the shortest digits of the nearest float32, with an exponent below 1e-4 or from 1e6
/// (`1e+06`, `1.2345679e+08`), and `.inf`, `-.inf`, `.nan` for the special values.
fn float_key(f: f64) -> String {
    let narrow = f as f32;
    if narrow.is_nan() {
        return ".nan".to_owned();
    }
    if narrow.is_infinite() {
        return if narrow > 0.0 { ".inf" } else { "-.inf" }.to_owned();
    }
    if narrow == 0.0 {
        return if narrow.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    let (negative, digits, exponent) = shortest_digits(&format!("{narrow:e}"));
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    if !(-4..6).contains(&exponent) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exponent < 0 { '-' } else { '+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push('0');
        }
        out.push_str(&magnitude.to_string());
    } else if exponent >= 0 {
        // Digits before the point, then the rest (if any) after it.
        let point = usize::try_from(exponent + 1).unwrap_or(0);
        if digits.len() <= point {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', point - digits.len()));
        } else {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    } else {
        out.push_str("0.");
        let zeros = usize::try_from(-exponent - 1).unwrap_or(0);
        out.extend(std::iter::repeat_n('0', zeros));
        out.push_str(&digits);
    }
    out
}

/// Sign, digits and decimal exponent of Rust's shortest `{:e}` form (`-1.25e-7` →
/// `(true, "125", -7)`); like Go's, it is the shortest text that reads back as the same float.
fn shortest_digits(formatted: &str) -> (bool, String, i32) {
    let (negative, unsigned) = match formatted.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, formatted),
    };
    let (mantissa, exponent) = unsigned.split_once('e').unwrap_or((unsigned, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (negative, digits, exponent.parse().unwrap_or(0))
}

/// `!!binary`: Go's `base64.StdEncoding` (padding required, line breaks ignored, trailing
/// bits not checked), then Go's conversion to a JSON string, which turns each byte that is
/// not part of valid UTF-8 into U+FFFD.
fn decode_binary(text: &str) -> Result<String, Undecodable> {
    static BASE64: OnceLock<Option<data_encoding::Encoding>> = OnceLock::new();
    let encoding = BASE64.get_or_init(|| {
        let mut spec = data_encoding::Specification::new();
        spec.symbols
            .push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
        spec.padding = Some('=');
        spec.ignore.push_str("\r\n");
        spec.check_trailing_bits = false;
        spec.encoding().ok()
    });
    let bytes = encoding
        .as_ref()
        .and_then(|e| e.decode(text.as_bytes()).ok())
        .ok_or_else(|| Undecodable("!!binary value contains invalid base64 data".to_owned()))?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(error) => {
            let bytes = error.into_bytes();
            let mut s = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                s.push_str(chunk.valid());
                s.extend(std::iter::repeat_n('\u{FFFD}', chunk.invalid().len()));
            }
            s
        }
    })
}

/// go-yaml v2's timestamp check: Go's `time.Parse` with the layouts
/// `2006-1-2T15:4:5.999999999Z07:00` (also with `t`), `2006-1-2 15:4:5.999999999` and
/// `2006-1-2`: a four-digit year, one- or two-digit fields, a date that exists.
fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let year = b[..4]
        .iter()
        .fold(0u32, |n, c| n * 10 + u32::from(c - b'0'));
    let mut rest = &b[5..];
    let Some(month) = take_field(&mut rest) else {
        return false;
    };
    if !take_byte(&mut rest, b'-') {
        return false;
    }
    let Some(day) = take_field(&mut rest) else {
        return false;
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(month, year) {
        return false;
    }
    let zoned = match rest.first() {
        None => return true,
        Some(b'T' | b't') => true,
        Some(b' ') => false,
        Some(_) => return false,
    };
    rest = if zoned {
        &rest[1..]
    } else {
        let spaces = rest.iter().take_while(|c| **c == b' ').count();
        &rest[spaces..]
    };
    let time_ok = take_field(&mut rest).is_some_and(|hour| hour < 24)
        && take_byte(&mut rest, b':')
        && take_field(&mut rest).is_some_and(|minute| minute < 60)
        && take_byte(&mut rest, b':')
        && take_field(&mut rest).is_some_and(|second| second < 60);
    if !time_ok {
        return false;
    }
    // Fractional seconds: `.` or `,` and any number of digits.
    if rest.len() >= 2 && matches!(rest[0], b'.' | b',') && rest[1].is_ascii_digit() {
        let n = 1 + digits_at(rest, 1);
        rest = &rest[n..];
    }
    if !zoned {
        return rest.is_empty();
    }
    match rest {
        [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            let two = |a: u8, b: u8| {
                (a.is_ascii_digit() && b.is_ascii_digit())
                    .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
            };
            matches!((two(*h1, *h2), two(*m1, *m2)), (Some(h), Some(m)) if h <= 24 && m <= 60)
        }
        _ => false,
    }
}

/// One or two digits (Go's `getnum` for a non-padded layout field).
fn take_field(rest: &mut &[u8]) -> Option<u32> {
    let n = digits_at(rest, 0).min(2);
    if n == 0 {
        return None;
    }
    let value = rest[..n]
        .iter()
        .fold(0u32, |v, c| v * 10 + u32::from(c - b'0'));
    *rest = &rest[n..];
    Some(value)
}

fn take_byte(rest: &mut &[u8], byte: u8) -> bool {
    match rest.split_first() {
        Some((first, tail)) if *first == byte => {
            *rest = tail;
            true
        }
        _ => false,
    }
}

fn days_in_month(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> NodeValue {
        let (value, error) = value_of(Cow::Borrowed(text), Decode::Implicit);
        assert_eq!(error, None, "{text}");
        value
    }

    fn key(text: &str) -> String {
        let (key, error) = key_of(Cow::Borrowed(text), Decode::Implicit);
        assert_eq!(error, None, "{text}");
        key
    }

    #[test]
    fn yaml_1_1_words_and_go_integers() {
        assert_eq!(value("yes"), NodeValue::Bool(true));
        assert_eq!(value("off"), NodeValue::Bool(false));
        assert_eq!(value("0644"), NodeValue::Int(420));
        assert_eq!(value("0x1F"), NodeValue::Int(31));
        assert_eq!(value("0o17"), NodeValue::Int(15));
        assert_eq!(value("-12"), NodeValue::Int(-12));
        assert_eq!(value("1_000"), NodeValue::Int(1000));
        assert_eq!(value("1.5"), NodeValue::Float(1.5));
        assert_eq!(value("~"), NodeValue::Null);
        // 09 is not octal, but it is a float.
        assert_eq!(value("09"), NodeValue::Int(9));
    }

    #[test]
    fn integral_floats_come_back_from_json_as_integers() {
        assert_eq!(value("1e3"), NodeValue::Int(1000));
        assert_eq!(value("1.0"), NodeValue::Int(1));
        assert_eq!(value("-0.0"), NodeValue::Int(0));
        assert_eq!(value("1e20"), NodeValue::Float(1e20));
        assert_eq!(
            value("4611686018427388905.0"),
            NodeValue::Int(4_611_686_018_427_389_000)
        );
        assert_eq!(
            value("9223372036854775808"),
            NodeValue::Float(9_223_372_036_854_775_808.0)
        );
    }

    #[test]
    fn strings_stay_strings() {
        for s in [
            "nginx:1.25",
            "1.2.3",
            "e3",
            "0.0.0.0/0",
            "v1",
            "-",
            "08:30",
            "1e",
            "._",
            "0-0",
            "1e400",
            "2001-12-14",
        ] {
            assert_eq!(value(s), NodeValue::Str(s.to_owned()), "{s}");
        }
    }

    #[test]
    fn keys_are_strings_as_kubernetes_writes_them() {
        assert_eq!(key("n"), "false");
        assert_eq!(key("0x1F"), "31");
        assert_eq!(key("1e6"), "1e+06");
        assert_eq!(key("123456.5"), "123456.5");
        assert_eq!(key("0.0001"), "0.0001");
        assert_eq!(key("0.00001"), "1e-05");
        assert_eq!(key("3.14159265358979"), "3.1415927");
        assert_eq!(key("-.inf"), "-.inf");
        assert_eq!(
            key_of(Cow::Borrowed("~"), Decode::Implicit).1.map(|e| e.0),
            Some("`~` as a key is null, which a JSON object cannot have as a key (unsupported map key of type <nil>)".to_owned())
        );
    }

    #[test]
    fn tags_decide_the_type_or_reject_the_text() {
        let typed = |text: &str, suffix: &str| {
            value_of(Cow::Borrowed(text), Decode::for_standard_tag(suffix))
        };
        assert_eq!(typed("123", "str"), (NodeValue::Str("123".into()), None));
        assert_eq!(typed("12", "int"), (NodeValue::Int(12), None));
        assert_eq!(typed("1", "float"), (NodeValue::Int(1), None));
        assert_eq!(
            typed("aGVsbG8=", "binary"),
            (NodeValue::Str("hello".into()), None)
        );
        assert_eq!(
            typed("x", "int"),
            (
                NodeValue::Str("x".into()),
                Some(Undecodable("cannot decode !!str `x` as a !!int".into()))
            )
        );
    }

    #[test]
    fn timestamps_follow_go_layouts() {
        for ok in [
            "2001-12-14",
            "2001-1-2",
            "2000-02-29",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14T21:59:43Z",
            "2001-12-14 21:59:43.10",
            "2001-12-14   1:2:3",
            "2001-12-14T21:59:43,5+24:00",
        ] {
            assert!(is_timestamp(ok), "{ok}");
        }
        for bad in [
            "2001-02-29",
            "2001-13-01",
            "2001-12-14T21:59:43",
            "2001-12-14T24:00:00Z",
            "2001-12-14 21:59:43 ",
            "2001-12-14T21:59:43+1:00",
            "2001-12-14T21:59:43+25:00",
            "2001-012-14",
            "20011-12-14",
            "12",
        ] {
            assert!(!is_timestamp(bad), "{bad}");
        }
    }

    #[test]
    fn only_overflowing_json_numbers_are_flagged() {
        assert!(is_overflowing_json_number("1e400"));
        assert!(is_overflowing_json_number("-1.5E+999"));
        assert!(!is_overflowing_json_number("1e300"));
        assert!(!is_overflowing_json_number(".5e400"));
        assert!(!is_overflowing_json_number("01e400"));
        assert!(!is_overflowing_json_number("abc"));
    }
}
