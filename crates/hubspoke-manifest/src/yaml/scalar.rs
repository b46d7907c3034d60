//! Plain-scalar resolution with the YAML 1.1 rules Kubernetes applies
//! (sigs.k8s.io/yaml on go-yaml v2): `yes`/`on` are booleans, `0644` is octal.

use super::node::NodeValue;

/// Resolve an untagged plain scalar.
pub fn resolve_plain(text: &str) -> NodeValue {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return NodeValue::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return NodeValue::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return NodeValue::Bool(false)
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return NodeValue::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return NodeValue::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return NodeValue::Float(f64::NAN),
        _ => {}
    }
    if let Some(int) = resolve_int(text) {
        return NodeValue::Int(int);
    }
    if looks_like_float(text) {
        if let Ok(f) = text.replace('_', "").parse::<f64>() {
            return NodeValue::Float(f);
        }
    }
    NodeValue::Str(text.to_owned())
}

/// Resolve a scalar carrying a core-schema tag (`!!str`, `!!int`, ...).
pub fn resolve_tagged(text: &str, suffix: &str) -> Option<NodeValue> {
    match suffix {
        "str" => Some(NodeValue::Str(text.to_owned())),
        "null" => Some(NodeValue::Null),
        "bool" => match resolve_plain(text) {
            v @ NodeValue::Bool(_) => Some(v),
            _ => None,
        },
        "int" => resolve_int(text).map(NodeValue::Int),
        "float" => match resolve_plain(text) {
            NodeValue::Int(i) => Some(NodeValue::Float(i as f64)),
            v @ NodeValue::Float(_) => Some(v),
            _ => None,
        },
        _ => None,
    }
}

fn resolve_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || digits.starts_with('_') {
        return None;
    }
    let cleaned = digits.replace('_', "");
    let value = if let Some(hex) = cleaned.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(bin) = cleaned.strip_prefix("0b") {
        i64::from_str_radix(bin, 2).ok()?
    } else if let Some(oct) = cleaned.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if cleaned.len() > 1 && cleaned.starts_with('0') {
        i64::from_str_radix(&cleaned[1..], 8).ok()?
    } else if cleaned.bytes().all(|b| b.is_ascii_digit()) {
        cleaned.parse::<i64>().ok()?
    } else {
        return None;
    };
    Some(if negative { -value } else { value })
}

fn looks_like_float(text: &str) -> bool {
    let body = text.trim_start_matches(['-', '+']);
    let mut digits = false;
    let mut dot_or_exp = false;
    for (i, b) in body.bytes().enumerate() {
        match b {
            b'0'..=b'9' => digits = true,
            b'.' => dot_or_exp = true,
            b'_' => {}
            b'e' | b'E' if digits && i + 1 < body.len() => dot_or_exp = true,
            b'-' | b'+' if i > 0 && matches!(body.as_bytes()[i - 1], b'e' | b'E') => {}
            _ => return false,
        }
    }
    digits && dot_or_exp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_booleans_and_octal() {
        assert_eq!(resolve_plain("yes"), NodeValue::Bool(true));
        assert_eq!(resolve_plain("off"), NodeValue::Bool(false));
        assert_eq!(resolve_plain("0644"), NodeValue::Int(420));
        assert_eq!(resolve_plain("0x1F"), NodeValue::Int(31));
        assert_eq!(resolve_plain("-12"), NodeValue::Int(-12));
        assert_eq!(resolve_plain("1_000"), NodeValue::Int(1000));
        assert_eq!(resolve_plain("1.5"), NodeValue::Float(1.5));
        assert_eq!(resolve_plain("1e3"), NodeValue::Float(1000.0));
        assert_eq!(resolve_plain("~"), NodeValue::Null);
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
        ] {
            assert_eq!(resolve_plain(s), NodeValue::Str(s.to_owned()), "{s}");
        }
        // 09 is not valid octal, so it stays a string, like go-yaml v2.
        assert_eq!(resolve_plain("09"), NodeValue::Str("09".to_owned()));
    }

    #[test]
    fn tags_override_plain_resolution() {
        assert_eq!(
            resolve_tagged("123", "str"),
            Some(NodeValue::Str("123".into()))
        );
        assert_eq!(resolve_tagged("12", "int"), Some(NodeValue::Int(12)));
        assert_eq!(resolve_tagged("x", "int"), None);
    }
}
