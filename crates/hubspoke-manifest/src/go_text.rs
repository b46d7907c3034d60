//! Go's text forms of JSON values, byte for byte: what Go tools that this linter
//! imitates print and hash. kustomize hashes generated ConfigMaps and Secrets over
//! `encoding/json`'s output; Kyverno turns values into text in two ways and both leak
//! into verdicts:
//! `encoding/json`'s `Marshal` when a variable's value is embedded in a longer
//! string (`"x-{{ request.object.spec.replicas }}"`, object keys sorted, `<`
//! escaped as `\u003c`, `1e+21`), and `fmt.Sprint` when the `AnyIn` family
//! compares values as strings (`1e+06` for a float of a million, `map[a:1]`,
//! `<nil>`). Numbers that Go holds as `float64` (policy literals, function
//! results) and as `int64` (integers read from the resource) print differently
//! under `fmt.Sprint`, so the caller keeps that distinction in the
//! `serde_json::Number` representation: `f64` for Go's floats, integers for
//! Go's `int64`.

use serde_json::{Number, Value};

/// `json.Marshal(value)` as Go's standard library (and jsoniter in its
/// compatible mode) writes it.
pub fn marshal(value: &Value) -> String {
    let mut out = String::new();
    write_json(value, &mut out);
    out
}

fn write_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&json_number(n)),
        Value::String(s) => write_json_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Go sorts map keys when it marshals a map.
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(key, out);
                out.push(':');
                if let Some(item) = map.get(key) {
                    write_json(item, out);
                }
            }
            out.push('}');
        }
    }
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // HTML-safe escaping is on by default in Go.
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number as `encoding/json` writes a `float64` or an `int64`.
fn json_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    json_float(f)
}

/// `encoding/json`'s float encoder: `'f'` format, or `'e'` below 1e-6 and from
/// 1e21 on, with `e-09` shortened to `e-9`.
pub fn json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let mut s = go_exponent(f);
        // Go's clean-up: a two-digit negative exponent starting with 0 loses it.
        if let Some(pos) = s.find("e-0") {
            if s.len() - pos == 4 {
                s.remove(pos + 2);
            }
        }
        s
    } else {
        shortest_positional(f)
    }
}

/// `fmt.Sprint(value)` for the values JSON can hold.
pub fn sprint(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => sprint_number(n),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(sprint).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{k}:{}", map.get(k).map(sprint).unwrap_or_default()))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

fn sprint_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    go_float_g(n.as_f64().unwrap_or(0.0))
}

/// `%v` of a `float64`: `strconv.FormatFloat(f, 'g', -1, 64)`. For the
/// shortest digits Go decides on the exponent form with a precision of 6, so a
/// float of a million prints as `1e+06` and 123456 as `123456`.
pub fn go_float_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    let exp = decimal_exponent(f);
    if !(-4..6).contains(&exp) {
        return go_exponent(f);
    }
    shortest_positional(f)
}

/// The decimal exponent of the shortest representation (`1234.5` → 3).
fn decimal_exponent(f: f64) -> i32 {
    let e = format!("{f:e}");
    e.rsplit_once('e')
        .and_then(|(_, exp)| exp.parse::<i32>().ok())
        .unwrap_or(0)
}

/// Go's `%e` with the shortest digits: `1e+06`, `1.5e-07`, `-2.25e+21`.
fn go_exponent(f: f64) -> String {
    let e = format!("{f:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((e.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

/// The shortest round-tripping digits without an exponent.
fn shortest_positional(f: f64) -> String {
    // Rust's Display for f64 is the shortest round-trip form, never exponential.
    let s = format!("{f}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn marshal_sorts_keys_and_escapes_html() {
        let v = json!({"b": 1, "a": "<x&y>", "c": [true, null, 1.5]});
        assert_eq!(
            marshal(&v),
            r#"{"a":"\u003cx\u0026y\u003e","b":1,"c":[true,null,1.5]}"#
        );
    }

    #[test]
    fn marshal_floats_like_encoding_json() {
        assert_eq!(json_float(3.0), "3");
        assert_eq!(json_float(0.5), "0.5");
        assert_eq!(json_float(1e21), "1e+21");
        assert_eq!(json_float(1e-7), "1e-7");
        assert_eq!(json_float(123456789.0), "123456789");
        assert_eq!(json_float(-0.000001), "-0.000001");
    }

    #[test]
    fn sprint_matches_fmt() {
        assert_eq!(sprint(&json!(1_000_000)), "1000000");
        assert_eq!(
            sprint(&Value::Number(Number::from_f64(1e6).unwrap())),
            "1e+06"
        );
        assert_eq!(
            sprint(&Value::Number(Number::from_f64(100000.0).unwrap())),
            "100000"
        );
        assert_eq!(
            sprint(&Value::Number(Number::from_f64(1.5).unwrap())),
            "1.5"
        );
        assert_eq!(
            sprint(&Value::Number(Number::from_f64(0.00001).unwrap())),
            "1e-05"
        );
        assert_eq!(
            sprint(&Value::Number(Number::from_f64(0.0001).unwrap())),
            "0.0001"
        );
        assert_eq!(sprint(&json!({"b": 1, "a": "x"})), "map[a:x b:1]");
        assert_eq!(sprint(&json!(["a", 1, null])), "[a 1 <nil>]");
        assert_eq!(sprint(&json!(true)), "true");
    }
}
