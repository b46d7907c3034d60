//! The YAML tree: every node keeps its position, mapping keys included.
//!
//! The tree is generic over what a position is. A parsed file's tree is
//! `Node<Span>` (the default: no extra memory on 10,000-file repositories); a
//! rendered tree (hubspoke-render) carries the file each value came from too.

use crate::position::Span;

/// One YAML node with its position (by default, its span in the file).
#[derive(Debug, Clone, PartialEq)]
pub struct Node<S = Span> {
    /// Where the node's text starts and ends (quotes included for quoted scalars).
    pub span: S,
    /// The resolved value.
    pub value: NodeValue<S>,
}

/// The value of a node after Kubernetes' YAML 1.1 scalar resolution.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue<S = Span> {
    /// `~`, `null`, or an empty plain scalar.
    Null,
    /// A boolean (YAML 1.1: also `yes`/`no`/`on`/`off`).
    Bool(bool),
    /// An integer (YAML 1.1: `0644` is octal).
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node<S>>),
    /// A mapping, in source order; keys are nodes so they keep their spans.
    Map(Vec<(Node<S>, Node<S>)>),
}

/// Hashes what `PartialEq` compares (positions and values), so equal trees hash
/// alike: the renderer keys builds by their inputs and groups identical rendered
/// objects with it.
impl<S: std::hash::Hash> std::hash::Hash for Node<S> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.span.hash(state);
        match &self.value {
            NodeValue::Null => 0u8.hash(state),
            NodeValue::Bool(b) => (1u8, b).hash(state),
            NodeValue::Int(i) => (2u8, i).hash(state),
            // `0.0 == -0.0`: equal values must hash alike.
            NodeValue::Float(f) => (3u8, if *f == 0.0 { 0 } else { f.to_bits() }).hash(state),
            NodeValue::Str(s) => (4u8, s).hash(state),
            NodeValue::Seq(items) => (5u8, items).hash(state),
            NodeValue::Map(entries) => (6u8, entries).hash(state),
        }
    }
}

impl<S> Node<S> {
    /// The node as a string when it is a scalar string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The text a mapping key stands for in JSON (Kubernetes stringifies keys).
    pub fn key_text(&self) -> String {
        match &self.value {
            NodeValue::Str(s) => s.clone(),
            NodeValue::Null => "null".to_owned(),
            NodeValue::Bool(b) => b.to_string(),
            NodeValue::Int(i) => i.to_string(),
            NodeValue::Float(f) => f.to_string(),
            NodeValue::Seq(_) | NodeValue::Map(_) => "<complex key>".to_owned(),
        }
    }

    /// The value of `key` in a mapping node (last one wins, as in Kubernetes).
    pub fn get(&self, key: &str) -> Option<&Node<S>> {
        self.get_entry(key).map(|(_, v)| v)
    }

    /// The key node and value node of `key` in a mapping node.
    pub fn get_entry(&self, key: &str) -> Option<(&Node<S>, &Node<S>)> {
        match &self.value {
            NodeValue::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Convert to a JSON value (Kubernetes' YAML→JSON view).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::from(*i),
            NodeValue::Float(f) => serde_json::Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(f.to_string())),
            NodeValue::Str(s) => Value::String(s.clone()),
            NodeValue::Seq(items) => Value::Array(items.iter().map(Node::<S>::to_json).collect()),
            NodeValue::Map(entries) => {
                let mut map = serde_json::Map::with_capacity(entries.len());
                for (k, v) in entries {
                    map.insert(k.key_text(), v.to_json());
                }
                Value::Object(map)
            }
        }
    }

    /// The same tree with every position converted by `position`.
    pub fn map_positions<T>(&self, position: &mut impl FnMut(&S) -> T) -> Node<T> {
        let value = match &self.value {
            NodeValue::Null => NodeValue::Null,
            NodeValue::Bool(b) => NodeValue::Bool(*b),
            NodeValue::Int(i) => NodeValue::Int(*i),
            NodeValue::Float(f) => NodeValue::Float(*f),
            NodeValue::Str(s) => NodeValue::Str(s.clone()),
            NodeValue::Seq(items) => {
                NodeValue::Seq(items.iter().map(|n| n.map_positions(position)).collect())
            }
            NodeValue::Map(entries) => NodeValue::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.map_positions(position), v.map_positions(position)))
                    .collect(),
            ),
        };
        Node {
            span: position(&self.span),
            value,
        }
    }

    /// Number of nodes in this subtree, itself included.
    pub fn size(&self) -> usize {
        match &self.value {
            NodeValue::Seq(items) => 1 + items.iter().map(Node::<S>::size).sum::<usize>(),
            NodeValue::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
            _ => 1,
        }
    }
}
