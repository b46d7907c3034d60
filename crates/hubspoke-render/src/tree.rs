//! Reading and editing rendered trees in place, keeping the origin of every
//! node that is not replaced.

use std::collections::BTreeMap;

use hubspoke_manifest::yaml::NodeValue;

use crate::origin::{Origin, RNode};

/// A string scalar node.
pub fn string_node(text: impl Into<String>, origin: Origin) -> RNode {
    RNode {
        span: origin,
        value: NodeValue::Str(text.into()),
    }
}

/// An empty mapping node.
pub fn map_node(origin: Origin) -> RNode {
    RNode {
        span: origin,
        value: NodeValue::Map(Vec::new()),
    }
}

/// The text of a scalar as kustomize reads it (`Value` of a YAML scalar).
pub fn scalar_text(node: &RNode) -> Option<String> {
    match &node.value {
        NodeValue::Str(s) => Some(s.clone()),
        NodeValue::Int(i) => Some(i.to_string()),
        NodeValue::Bool(b) => Some(b.to_string()),
        NodeValue::Float(f) => Some(f.to_string()),
        NodeValue::Null | NodeValue::Seq(_) | NodeValue::Map(_) => None,
    }
}

/// Whether a node is a mapping.
pub fn is_map(node: &RNode) -> bool {
    matches!(node.value, NodeValue::Map(_))
}

/// The value of `key` in a mapping, mutably (the last entry, as in Kubernetes).
pub fn get_mut<'n>(node: &'n mut RNode, key: &str) -> Option<&'n mut RNode> {
    match &mut node.value {
        NodeValue::Map(entries) => entries
            .iter_mut()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// Walk mapping keys.
pub fn get_path<'n>(node: &'n RNode, path: &[&str]) -> Option<&'n RNode> {
    path.iter().try_fold(node, |n, key| n.get(key))
}

/// The string at a path of mapping keys.
pub fn str_at<'n>(node: &'n RNode, path: &[&str]) -> Option<&'n str> {
    get_path(node, path).and_then(|n| n.as_str())
}

/// Set `key` of a mapping: the existing entry's value is replaced in place
/// (its key keeps its origin), else a new entry is appended whose key has the
/// value's origin. Does nothing on a node that is not a mapping.
pub fn set_field(node: &mut RNode, key: &str, value: RNode) {
    if let NodeValue::Map(entries) = &mut node.value {
        if let Some((_, v)) = entries
            .iter_mut()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
        {
            *v = value;
            return;
        }
        let key_node = string_node(key, value.span);
        entries.push((key_node, value));
    }
}

/// Remove every entry of `key` from a mapping; whether one was there.
pub fn remove_field(node: &mut RNode, key: &str) -> bool {
    if let NodeValue::Map(entries) = &mut node.value {
        let before = entries.len();
        entries.retain(|(k, _)| k.as_str() != Some(key));
        return entries.len() != before;
    }
    false
}

/// The value of `key`, created as an empty mapping (with `origin`) when missing
/// or null. `None` when `node` is not a mapping.
pub fn ensure_map<'n>(node: &'n mut RNode, key: &str, origin: Origin) -> Option<&'n mut RNode> {
    let NodeValue::Map(entries) = &mut node.value else {
        return None;
    };
    let index = match entries.iter().rposition(|(k, _)| k.as_str() == Some(key)) {
        Some(i) => {
            if matches!(entries[i].1.value, NodeValue::Null) {
                entries[i].1 = map_node(origin);
            }
            i
        }
        None => {
            entries.push((string_node(key, origin), map_node(origin)));
            entries.len() - 1
        }
    };
    entries.get_mut(index).map(|(_, v)| v)
}

/// A mapping of strings to strings (labels, annotations); non-string values
/// are read as their scalar text.
pub fn string_map(node: Option<&RNode>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(RNode {
        value: NodeValue::Map(entries),
        ..
    }) = node
    {
        for (k, v) in entries {
            if let Some(value) = scalar_text(v) {
                out.insert(k.key_text(), value);
            }
        }
    }
    out
}

/// A resource's `metadata.labels`.
pub fn labels(root: &RNode) -> BTreeMap<String, String> {
    string_map(get_path(root, &["metadata", "labels"]))
}

/// A resource's `metadata.annotations`.
pub fn annotations(root: &RNode) -> BTreeMap<String, String> {
    string_map(get_path(root, &["metadata", "annotations"]))
}
