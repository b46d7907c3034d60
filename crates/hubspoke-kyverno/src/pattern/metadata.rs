//! Wildcards in label and annotation keys (`metadata.labels: {"app.kubernetes.io/*": "?*"}`),
//! Kyverno's `wildcards.ExpandInMetadata`.
//!
//! Before a map pattern holding `metadata` is matched, each wildcard key of
//! its `labels` and `annotations` is replaced by the first resource key it
//! matches (anchors kept: `=(team/*)` becomes `=(team/backend)`); a key that
//! matches none stays as written and so finds nothing. Kyverno rebuilds these
//! two maps from their *string* entries only, so other entries (`X(key): null`)
//! vanish whenever the resource has the map: reproduced, because verdicts
//! depend on it.
//!
//! Kyverno picks among several matching resource keys in Go's random map
//! order; we take the first in sorted order, so runs are deterministic.

use serde_json::Value;

use super::anchor;
use super::scalar::{ScalarPattern, TextPattern};
use super::{has_wildcard, wildcard};
use super::{Entry, MapNode, Node};

const TAGS: [&str; 2] = ["labels", "annotations"];

/// Whether expanding this `metadata` pattern can change it.
pub(super) fn needs_expansion(metadata: &Node) -> bool {
    let Node::Map(metadata) = metadata else {
        return false;
    };
    TAGS.iter().any(|tag| {
        tag_entry(metadata, tag).is_some_and(|entry| match &entry.value {
            Node::Map(map) => map.entries.iter().any(|e| {
                has_wildcard(&e.raw_key) || !matches!(e.value, Node::Scalar(ScalarPattern::Text(_)))
            }),
            _ => false,
        })
    })
}

/// The expanded `metadata` pattern for this resource's `metadata`, or `None`
/// when nothing changes.
pub(super) fn expand(metadata: &Node, resource_metadata: &Value) -> Option<Node> {
    let Node::Map(pattern) = metadata else {
        return None;
    };
    let mut entries = pattern.entries.clone();
    let mut changed = false;
    for tag in TAGS {
        let Some(index) = entries.iter().position(|e| e.names(tag)) else {
            continue;
        };
        let Node::Map(tag_pattern) = &entries[index].value else {
            continue;
        };
        let Some(resource_values) = resource_string_map(resource_metadata, tag) else {
            continue;
        };
        let mut expanded: Vec<Entry> = Vec::new();
        for entry in &tag_pattern.entries {
            let Node::Scalar(ScalarPattern::Text(text)) = &entry.value else {
                continue;
            };
            let key = expand_key(&entry.raw_key, &resource_values);
            if expanded.iter().any(|e| e.raw_key == key) {
                continue;
            }
            expanded.push(Entry {
                anchor: anchor::parse(&key),
                raw_key: key,
                value: Node::Scalar(ScalarPattern::Text(TextPattern::compile(&text.raw))),
            });
        }
        entries[index].value = Node::Map(MapNode::new(expanded));
        changed = true;
    }
    changed.then(|| Node::Map(MapNode::new(entries)))
}

fn tag_entry<'a>(metadata: &'a MapNode, tag: &str) -> Option<&'a Entry> {
    metadata.entries.iter().find(|e| e.names(tag))
}

/// The string entries of the resource's `metadata.<tag>` map, sorted by key.
fn resource_string_map<'a>(metadata: &'a Value, tag: &str) -> Option<Vec<&'a str>> {
    let metadata = metadata.as_object()?;
    let value = metadata.get(tag).or_else(|| {
        metadata
            .iter()
            .find(|(k, _)| anchor::parse(k).is_some_and(|a| a.key == tag))
            .map(|(_, v)| v)
    })?;
    let map = value.as_object()?;
    let mut keys: Vec<&str> = map
        .iter()
        .filter(|(_, v)| v.is_string())
        .map(|(k, _)| k.as_str())
        .collect();
    keys.sort_unstable();
    Some(keys)
}

fn expand_key(raw: &str, resource_keys: &[&str]) -> String {
    if !has_wildcard(raw) {
        return raw.to_owned();
    }
    let first_match = |pattern: &str| {
        resource_keys
            .iter()
            .find(|k| wildcard::matches(pattern, k))
            .map(|k| (*k).to_owned())
    };
    match anchor::parse(raw) {
        Some(a) => {
            let key = first_match(&a.key).unwrap_or(a.key);
            format!("{}({key})", anchor_prefix(a.kind))
        }
        None => first_match(raw).unwrap_or_else(|| raw.to_owned()),
    }
}

fn anchor_prefix(kind: anchor::AnchorKind) -> &'static str {
    use anchor::AnchorKind::*;
    match kind {
        Condition => "",
        Global => "<",
        Negation => "X",
        AddIfNotPresent => "+",
        Equality => "=",
        Existence => "^",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Kyverno pkg/engine/wildcards/wildcards_test.go TestExpandInMetadata.
    #[test]
    fn expands_keys_keeping_anchors() {
        assert_eq!(expand_key("test/*", &["test/test"]), "test/test");
        assert_eq!(expand_key("=(test/*)", &["test/test"]), "=(test/test)");
        assert_eq!(expand_key("test/*", &["test/test1"]), "test/test1");
        assert_eq!(expand_key("test/*", &[]), "test/*");
        assert_eq!(expand_key("plain", &["plain"]), "plain");
        assert_eq!(expand_key("X(a/?)", &["a/b", "a/c"]), "X(a/b)");
    }
}
