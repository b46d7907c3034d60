//! `<<` merge keys, applied as Kubernetes' decoder applies them.

use std::collections::HashMap;

use super::node::{Node, NodeValue};

/// What a `<<` may merge: a mapping, or a sequence of mappings.
pub(super) fn is_mergeable(node: &Node) -> bool {
    match &node.value {
        NodeValue::Map(_) => true,
        NodeValue::Seq(items) => items.iter().all(|i| matches!(i.value, NodeValue::Map(_))),
        _ => false,
    }
}

/// Apply `<<` merge keys as Kubernetes' decoder (go-yaml v2) does: entries in order, each
/// one setting its keys over those before it. So a key written after a merge overrides it,
/// a merge overrides a key written before it, and in a sequence of mappings the earlier
/// mapping wins.
pub(super) fn apply_merge_keys(
    entries: Vec<(Node, Node)>,
    merge_entries: &[usize],
) -> Vec<(Node, Node)> {
    let mut out: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
    let mut positions: HashMap<String, usize> = HashMap::with_capacity(entries.len());
    let mut set = |key: Node, value: Node| match positions.entry(key.key_text()) {
        std::collections::hash_map::Entry::Occupied(at) => out[*at.get()] = (key, value),
        std::collections::hash_map::Entry::Vacant(slot) => {
            slot.insert(out.len());
            out.push((key, value));
        }
    };
    let mut merges = merge_entries.iter().copied().peekable();
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if merges.next_if_eq(&i).is_none() {
            set(key, value);
            continue;
        }
        match value.value {
            NodeValue::Map(source) => source.into_iter().for_each(|(k, v)| set(k, v)),
            NodeValue::Seq(items) => {
                for item in items.into_iter().rev() {
                    if let NodeValue::Map(source) = item.value {
                        source.into_iter().for_each(|(k, v)| set(k, v));
                    }
                }
            }
            // Kubernetes rejects it (reported when attached); keep it visible as an entry.
            _ => set(key, value),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::yaml::{parse_stream, NodeValue, ParseLimits};

    /// Each expectation is kubectl 1.37's output for the same mapping (go-yaml v2 applies
    /// entries in order, so a merge overrides the keys written before it).
    #[test]
    fn merge_keys_apply_in_order_as_kubernetes_applies_them() {
        for (yaml, expected) in [
            (
                "{a: 1, <<: {a: 2, b: 3}}",
                serde_json::json!({"a": 2, "b": 3}),
            ),
            ("{<<: {a: 2}, a: 1}", serde_json::json!({"a": 1})),
            (
                "{a: 1, <<: [{a: 2, b: 2}, {b: 3, c: 3}]}",
                serde_json::json!({"a": 2, "b": 2, "c": 3}),
            ),
            ("{<<: {a: 1}, <<: {a: 2}}", serde_json::json!({"a": 2})),
            (
                "{<<: {a: 1}, b: 2, <<: {b: 3}}",
                serde_json::json!({"a": 1, "b": 3}),
            ),
            ("{<<: []}", serde_json::json!({})),
            ("{!!merge <<: {a: 2}}", serde_json::json!({"a": 2})),
            (
                "{!<tag:yaml.org,2002:merge> <<: {a: 2}}",
                serde_json::json!({"a": 2}),
            ),
            ("{! <<: {a: 2}}", serde_json::json!({"a": 2})),
            // Only an implicit or `!!merge` key merges.
            ("{!!str <<: {a: 2}}", serde_json::json!({"<<": {"a": 2}})),
            ("{\"<<\": {a: 2}}", serde_json::json!({"<<": {"a": 2}})),
            ("{!!merge x: 1}", serde_json::json!({"x": 1})),
        ] {
            let s = parse_stream(yaml, ParseLimits::default());
            assert_eq!(s.documents[0].root.to_json(), expected, "{yaml}");
            assert!(s.problems.is_empty(), "{yaml}: {:?}", s.problems);
        }
    }

    #[test]
    fn a_setting_inherited_through_a_tagged_merge_keeps_its_place() {
        let s = parse_stream(
            concat!(
                "sc: &sc\n",
                "  privileged: true\n",
                "container:\n",
                "  securityContext:\n",
                "    !!merge <<: *sc\n",
                "    runAsNonRoot: true\n",
            ),
            ParseLimits::default(),
        );
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        let context = s.documents[0]
            .root
            .get("container")
            .and_then(|c| c.get("securityContext"))
            .expect("securityContext");
        let (key, value) = context.get_entry("privileged").expect("merged");
        assert_eq!(value.value, NodeValue::Bool(true));
        // The merged entry points where it is written: the anchor's line.
        assert_eq!((key.span.start.line, value.span.start.line), (2, 2));
    }
}
