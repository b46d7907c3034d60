//! kustomize's content hash of generated ConfigMaps and Secrets (its `hasher`
//! package): SHA-256 of a JSON encoding made the way Go's `encoding/json`
//! writes it (sorted keys, `<`, `>`, `&` escaped), first ten hex digits with
//! some letters swapped so the suffix never spells words.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::origin::RNode;
use crate::tree;

/// The name suffix of an object (ConfigMap, Secret, or any other kind).
pub fn name_hash(root: &RNode) -> String {
    let kind = tree::str_at(root, &["kind"]).unwrap_or("");
    let encoded = match kind {
        "ConfigMap" => encode_object(
            root,
            "ConfigMap",
            &[("data", true), ("binaryData", false)],
            None,
        ),
        "Secret" => encode_object(
            root,
            "Secret",
            &[("data", true), ("stringData", false)],
            Some("type"),
        ),
        _ => go_json(&root.to_json()),
    };
    encode(&hex_sha256(&encoded))
}

/// `{"kind", "name", fields...}`: a field marked `true` is always present (as
/// `""` when missing), the others only when they are mappings.
///
/// `name` is always empty: kustomize looks the name up as one field called
/// `metadata/name`, which never exists, so its hash ignores the name.
/// Mirrored so that suffixes match.
fn encode_object(
    root: &RNode,
    kind: &str,
    fields: &[(&str, bool)],
    type_field: Option<&str>,
) -> String {
    let mut map = serde_json::Map::new();
    map.insert("kind".to_owned(), Value::String(kind.to_owned()));
    map.insert("name".to_owned(), Value::String(String::new()));
    for (field, always) in fields {
        let node = root.get(field);
        match node.map(RNode::to_json) {
            Some(Value::Object(o)) => {
                map.insert((*field).to_owned(), Value::Object(o));
            }
            _ if *always => {
                map.insert((*field).to_owned(), value_or_empty(node));
            }
            _ => {}
        }
    }
    if let Some(field) = type_field {
        map.insert(field.to_owned(), value_or_empty(root.get(field)));
    }
    go_json(&Value::Object(map))
}

/// A scalar's text, a structure as JSON, or `""` when missing (as kustomize reads them).
fn value_or_empty(node: Option<&RNode>) -> Value {
    match node {
        None => Value::String(String::new()),
        Some(n) => match tree::scalar_text(n) {
            Some(text) => Value::String(text),
            None => match n.to_json() {
                Value::Null => Value::String(String::new()),
                other => other,
            },
        },
    }
}

fn hex_sha256(data: &str) -> String {
    let digest = Sha256::digest(data.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn encode(hex: &str) -> String {
    hex.chars()
        .take(10)
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            other => other,
        })
        .collect()
}

/// `json.Marshal(value)` as Go writes it (keys sorted, HTML escaped): what kustomize
/// hashes.
pub fn go_json(value: &Value) -> String {
    hubspoke_manifest::go_text::marshal(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_json_sorts_and_escapes() {
        let v = serde_json::json!({"b": "<a&b>", "a": [1, "x\ny"]});
        assert_eq!(
            go_json(&v),
            r#"{"a":[1,"x\ny"],"b":"\u003ca\u0026b\u003e"}"#
        );
    }

    #[test]
    fn hex_is_encoded_like_kustomize() {
        assert_eq!(encode("0123456789abcdef"), "gh2k456789");
        assert_eq!(encode("a1e3b"), "mhtkb");
    }
}
