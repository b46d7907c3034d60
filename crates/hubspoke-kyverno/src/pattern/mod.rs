//! `validate.pattern` and `validate.anyPattern`: a pattern compiled once, then
//! matched against resources with Kyverno's semantics (`pkg/engine/validate`,
//! `pkg/engine/anchor`, `pkg/engine/pattern`, `pkg/engine/wildcards`).
//!
//! The verdict (pass, fail, skip, error) is exactly Kyverno's, which stops at
//! the first mismatch in a fixed key order. On a failure the matcher goes on
//! past that first mismatch to name *every* failing field, each with its path
//! into the resource; the extra fields never change the verdict.

mod anchor;
mod matcher;
mod metadata;
mod scalar;
pub(crate) mod wildcard;

pub(crate) use wildcard::has_wildcard;

#[cfg(test)]
mod tests;

pub use anchor::{parse as parse_anchor, Anchor, AnchorKind};
pub use matcher::{match_pattern, PatternOutcome, Violation};

use hubspoke_manifest::PathSegment;
use serde_json::Value;

use scalar::ScalarPattern;

/// Patterns nested deeper than this are refused when compiled: matching
/// recurses along the pattern, so its depth bounds the work per field.
pub const MAX_PATTERN_DEPTH: usize = 64;

/// A compiled `pattern` (or one `anyPattern` entry).
#[derive(Debug, Clone)]
pub struct Pattern {
    root: Node,
}

/// Something wrong with a pattern, at a path inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternProblem {
    /// Keys and indices from the pattern's root to the offending entry.
    pub path: Vec<PathSegment>,
    /// What is wrong.
    pub message: String,
    /// Whether Kyverno refuses the policy for it (else Kyverno reads the
    /// pattern anyway, e.g. a malformed anchor as a literal key).
    pub kyverno_rejects: bool,
}

#[derive(Debug, Clone)]
enum Node {
    Map(MapNode),
    Array(Vec<Node>),
    Scalar(ScalarPattern),
}

#[derive(Debug, Clone)]
struct MapNode {
    entries: Vec<Entry>,
    /// Condition, existence, equality and negation anchors, by raw key: the
    /// first phase of Kyverno's `validateMap`.
    anchor_phase: Vec<usize>,
    /// The other keys in Kyverno's order: keys holding anchors deeper down and
    /// global anchors first (in reverse key order, as `PushFront` leaves them),
    /// then the rest by key.
    resource_phase: Vec<usize>,
    /// The `metadata` entry whose `labels`/`annotations` keys hold wildcards
    /// (or non-string values, which Kyverno's expansion drops).
    expandable_metadata: Option<usize>,
}

#[derive(Debug, Clone)]
struct Entry {
    raw_key: String,
    anchor: Option<Anchor>,
    value: Node,
}

impl Pattern {
    /// Compile a pattern. Problems (a malformed anchor, an anchor validation
    /// does not support, an existence anchor without a list, a pattern too
    /// deep) are all reported, each at its path inside the pattern.
    pub fn compile(pattern: &Value) -> Result<Pattern, Vec<PatternProblem>> {
        let (compiled, problems) = Pattern::compile_lenient(pattern);
        if problems.is_empty() {
            Ok(compiled)
        } else {
            Err(problems)
        }
    }

    /// Compile a pattern as Kyverno reads it whatever its problems (a
    /// malformed anchor is a literal key), and report the problems too.
    pub fn compile_lenient(pattern: &Value) -> (Pattern, Vec<PatternProblem>) {
        let mut problems = Vec::new();
        let mut path = Vec::new();
        let root = compile_node(pattern, &mut path, &mut problems);
        (Pattern { root }, problems)
    }
}

fn compile_node(
    value: &Value,
    path: &mut Vec<PathSegment>,
    problems: &mut Vec<PatternProblem>,
) -> Node {
    if path.len() > MAX_PATTERN_DEPTH {
        if path.len() == MAX_PATTERN_DEPTH + 1 {
            problems.push(PatternProblem {
                path: path.clone(),
                message: format!("pattern nested deeper than {MAX_PATTERN_DEPTH} levels"),
                kyverno_rejects: true,
            });
        }
        return Node::Scalar(ScalarPattern::Null);
    }
    match value {
        Value::Object(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (key, child) in map {
                path.push(PathSegment::Key(key.clone()));
                let parsed = anchor::parse(key);
                check_key(key, parsed.as_ref(), child, path, problems);
                let value = compile_node(child, path, problems);
                path.pop();
                entries.push(Entry {
                    raw_key: key.clone(),
                    anchor: parsed,
                    value,
                });
            }
            Node::Map(MapNode::new(entries))
        }
        Value::Array(items) => Node::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    path.push(PathSegment::Index(i));
                    let node = compile_node(item, path, problems);
                    path.pop();
                    node
                })
                .collect(),
        ),
        leaf => Node::Scalar(ScalarPattern::compile(leaf).unwrap_or(ScalarPattern::Null)),
    }
}

/// Kyverno's policy validation (`pkg/policy/common/validate_pattern.go`) plus
/// the malformed anchors it lets through as literal keys.
fn check_key(
    key: &str,
    parsed: Option<&Anchor>,
    value: &Value,
    path: &[PathSegment],
    problems: &mut Vec<PatternProblem>,
) {
    let mut problem = |message: String, kyverno_rejects: bool| {
        problems.push(PatternProblem {
            path: path.to_vec(),
            message,
            kyverno_rejects,
        });
    };
    match parsed {
        None if anchor::looks_malformed(key) => problem(
            format!("malformed anchor `{key}`: an anchor is `(key)`, `=(key)`, `^(key)`, `X(key)` or `<(key)`"),
            false,
        ),
        Some(a) if a.kind == AnchorKind::AddIfNotPresent => problem(
            format!("unsupported anchor `{key}`: `+()` adds a field in mutate rules and cannot be used in a validate pattern"),
            true,
        ),
        Some(a) if a.kind == AnchorKind::Existence => match value {
            Value::Array(items) if items.is_empty() => {
                problem(format!("existence anchor `{key}` should have at least one value"), true);
            }
            Value::Array(_) => {}
            _ => problem(format!("existence anchor `{key}` should have a value of type list"), true),
        },
        _ => {}
    }
}

impl MapNode {
    fn new(entries: Vec<Entry>) -> MapNode {
        let mut anchor_phase: Vec<usize> = Vec::new();
        let mut front: Vec<usize> = Vec::new();
        let mut back: Vec<usize> = Vec::new();
        let mut by_key: Vec<usize> = (0..entries.len()).collect();
        by_key.sort_by(|&a, &b| entries[a].raw_key.cmp(&entries[b].raw_key));
        for i in by_key {
            let entry = &entries[i];
            match entry.anchor.as_ref().map(|a| a.kind) {
                Some(
                    AnchorKind::Condition
                    | AnchorKind::Existence
                    | AnchorKind::Equality
                    | AnchorKind::Negation,
                ) => anchor_phase.push(i),
                Some(AnchorKind::Global) => front.push(i),
                _ if entry.value.has_nested_anchors() => front.push(i),
                _ => back.push(i),
            }
        }
        front.reverse();
        front.extend(back);
        let expandable_metadata = entries
            .iter()
            .position(|e| e.names("metadata"))
            .filter(|&i| metadata::needs_expansion(&entries[i].value));
        MapNode {
            entries,
            anchor_phase,
            resource_phase: front,
            expandable_metadata,
        }
    }
}

impl Entry {
    /// Whether this key is `name`, plain or inside any anchor.
    fn names(&self, name: &str) -> bool {
        self.raw_key == name || self.anchor.as_ref().is_some_and(|a| a.key == name)
    }
}

impl Node {
    /// Kyverno's `hasNestedAnchors`: an anchor key (other than `+()`) at any
    /// depth inside this value.
    fn has_nested_anchors(&self) -> bool {
        match self {
            Node::Map(map) => map.entries.iter().any(|e| {
                e.anchor
                    .as_ref()
                    .is_some_and(|a| a.kind != AnchorKind::AddIfNotPresent)
                    || e.value.has_nested_anchors()
            }),
            Node::Array(items) => items.iter().any(Node::has_nested_anchors),
            Node::Scalar(_) => false,
        }
    }
}
