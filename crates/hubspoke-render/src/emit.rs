//! Rendered objects as YAML text (`hubspoke-lint render`): block style, keys in
//! their rendered order, and every string that a YAML 1.1 or 1.2 reader could take
//! for something else (`yes`, `0644`, `1e3`, `~`, `: `…) double-quoted, so that
//! the text reads back as the same values under Kubernetes' rules.

use std::fmt::Write as _;

use hubspoke_manifest::yaml::{Node, NodeValue};

/// One object as a YAML document body (no `---`), ending with a newline.
pub fn to_yaml<S>(node: &Node<S>) -> String {
    let mut out = String::new();
    match &node.value {
        NodeValue::Map(entries) if !entries.is_empty() => map(&mut out, entries, 0),
        NodeValue::Seq(items) if !items.is_empty() => seq(&mut out, items, 0),
        _ => {
            out.push_str(&scalar(node));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn map<S>(out: &mut String, entries: &[(Node<S>, Node<S>)], level: usize) {
    for (key, value) in entries {
        indent(out, level);
        out.push_str(&string(&key.key_text()));
        out.push(':');
        value_after(out, value, level, true);
    }
}

fn seq<S>(out: &mut String, items: &[Node<S>], level: usize) {
    for item in items {
        indent(out, level);
        out.push('-');
        value_after(out, item, level, false);
    }
}

/// A value after `key:` or `-`: inline when a scalar or empty, else on the next lines.
fn value_after<S>(out: &mut String, value: &Node<S>, level: usize, in_map: bool) {
    match &value.value {
        NodeValue::Map(entries) if !entries.is_empty() => {
            if in_map {
                out.push('\n');
                map(out, entries, level + 1);
            } else {
                // `- key: value` with the other keys aligned under the first.
                out.push(' ');
                let mut nested = String::new();
                map(&mut nested, entries, level + 1);
                let prefix = "  ".repeat(level + 1);
                out.push_str(nested.strip_prefix(&prefix).unwrap_or(&nested));
            }
        }
        NodeValue::Seq(items) if !items.is_empty() => {
            out.push('\n');
            // Kubernetes style: a list under a key is not indented further.
            seq(out, items, if in_map { level } else { level + 1 });
        }
        _ => {
            out.push(' ');
            out.push_str(&scalar(value));
            out.push('\n');
        }
    }
}

fn scalar<S>(node: &Node<S>) -> String {
    match &node.value {
        NodeValue::Null => "null".to_owned(),
        NodeValue::Bool(b) => b.to_string(),
        NodeValue::Int(i) => i.to_string(),
        NodeValue::Float(f) if f.is_nan() => ".nan".to_owned(),
        NodeValue::Float(f) if f.is_infinite() => {
            if *f > 0.0 { ".inf" } else { "-.inf" }.to_owned()
        }
        NodeValue::Float(f) => {
            let text = f.to_string();
            if text.contains(['.', 'e', 'E']) {
                text
            } else {
                format!("{text}.0")
            }
        }
        NodeValue::Str(s) => string(s),
        NodeValue::Map(_) => "{}".to_owned(),
        NodeValue::Seq(_) => "[]".to_owned(),
    }
}

/// A string plain when no YAML reader could take it for anything else, else quoted.
fn string(text: &str) -> String {
    if is_plain_safe(text) {
        text.to_owned()
    } else {
        quoted(text)
    }
}

fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if text.trim() != text || text.contains(['\n', '\r', '\t']) {
        return false;
    }
    // Indicators that start something other than a plain scalar.
    if "-?:,[]{}#&*!|>'\"%@`~".contains(first) {
        return false;
    }
    if text.contains(": ") || text.contains(" #") || text.ends_with(':') {
        return false;
    }
    if text.chars().any(|c| (c as u32) < 0x20 || c == '\u{7f}') {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    const RESERVED: [&str; 12] = [
        "null", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", ".nan", "-.inf",
    ];
    if RESERVED.contains(&lower.as_str()) {
        return false;
    }
    // Anything that starts like a number (ints, octals, floats, sexagesimals, dates).
    !(first.is_ascii_digit() || first == '.' || first == '+')
}

#[cfg(test)]
mod tests {
    use super::*;
    use hubspoke_manifest::{parse_text, ParseLimits};

    #[test]
    fn objects_read_back_as_the_same_values() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: b}\ndata:\n  yes: \"yes\"\n  mode: \"0644\"\n  multi: \"a\\nb\"\n  colon: \"a: b\"\n  empty: \"\"\n  list: [1, 2.5, true, null, {k: v, w: [x]}]\n  hash: \"a #b\"\n";
        let parsed = parse_text("a.yaml", "a.yaml", text, ParseLimits::default());
        let root = &parsed.documents[0].root;
        let emitted = to_yaml(root);
        let again = parse_text("b.yaml", "b.yaml", emitted.as_str(), ParseLimits::default());
        assert!(again.problems.is_empty(), "{emitted}");
        assert_eq!(
            again.documents[0].root.to_json(),
            root.to_json(),
            "{emitted}"
        );
        insta::assert_snapshot!(emitted, @r#"
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: x
          labels:
            a: b
        data:
          "true": "yes"
          mode: "0644"
          multi: "a\nb"
          colon: "a: b"
          empty: ""
          list:
          - 1
          - 2.5
          - true
          - null
          - k: v
            w:
            - x
          hash: "a #b"
        "#);
    }
}
