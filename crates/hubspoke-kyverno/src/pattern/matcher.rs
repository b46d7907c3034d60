//! The pattern walk: Kyverno's `validateResourceElement`, `validateMap`,
//! `validateArray`, the anchor handlers and `MatchPattern`'s verdict, step for
//! step, so that pass/fail/skip/error agree with Kyverno's on every input.
//!
//! Kyverno returns at the first mismatch. Here the first mismatch decides the
//! verdict exactly as there, and the walk then continues through the siblings
//! Kyverno would not have visited, adding their failing fields to that first
//! mismatch. That continuation is "collecting": it never changes a verdict (a
//! skip found while collecting is ignored) and never touches the anchor
//! bookkeeping that decides between fail and error.

use std::collections::BTreeMap;

use hubspoke_manifest::PathSegment;
use serde_json::{Map, Value};

use super::anchor::AnchorKind;
use super::metadata;
use super::scalar::ScalarPattern;
use super::{MapNode, Node, Pattern};

/// One failing field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Keys and indices into the resource: the failing field when it exists;
    /// for a missing field, its parent (the object that should hold it).
    pub path: Vec<PathSegment>,
    /// The key that should exist under `path` but does not.
    pub missing: Option<String>,
    /// What is wrong with the field.
    pub message: String,
}

/// The verdict of one pattern on one resource.
#[derive(Debug, Clone, PartialEq)]
pub enum PatternOutcome {
    /// The resource matches.
    Pass,
    /// A conditional or global anchor did not hold: the rule does not apply.
    Skip {
        /// Kyverno's explanation.
        reason: String,
    },
    /// The resource does not match.
    Fail {
        /// The path Kyverno reports (`/spec/containers/0/image/`).
        kyverno_path: String,
        /// Kyverno's error text for the first mismatch.
        message: String,
        /// Every failing field, the one Kyverno reports first.
        violations: Vec<Violation>,
    },
    /// Kyverno reports an error rather than a failure: a mismatch without a
    /// path (an array shorter than a positional pattern) or one where an
    /// anchored key of the pattern was absent everywhere.
    Error {
        /// Kyverno's error text.
        message: String,
    },
}

/// Match a resource (or any JSON value: a `foreach` element) against a
/// compiled pattern.
pub fn match_pattern(resource: &Value, pattern: &Pattern) -> PatternOutcome {
    let mut walk = Walk::default();
    let mut path = Vec::new();
    let Err(mismatch) = walk.element(Some(resource), &pattern.root, &mut path) else {
        return PatternOutcome::Pass;
    };
    if mismatch.kind.is_skip() {
        return PatternOutcome::Skip {
            reason: mismatch.message,
        };
    }
    let keys_missing = mismatch.kind != Kind::Negation && walk.anchor_keys_missing();
    match mismatch.kyverno_path {
        Some(path) if !keys_missing => PatternOutcome::Fail {
            kyverno_path: path_text(&path),
            message: mismatch.message,
            violations: mismatch.violations,
        },
        _ => PatternOutcome::Error {
            message: mismatch.message,
        },
    }
}

/// The kinds of error Kyverno tells apart (`pkg/engine/anchor/error.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A `(key)` anchor did not hold.
    Conditional,
    /// A `<(key)` anchor did not hold.
    Global,
    /// An `X(key)` key was present.
    Negation,
    /// Kyverno's `PatternError{Skip: true}`: every item or anchor below was skipped.
    SkipGroup,
    /// Any other mismatch.
    Plain,
}

impl Kind {
    fn is_skip(self) -> bool {
        matches!(self, Kind::Conditional | Kind::Global | Kind::SkipGroup)
    }

    /// A skip raised by an anchor itself rather than grouped from below
    /// (Kyverno: a skip error that is not a `*PatternError`).
    fn is_direct_skip(self) -> bool {
        matches!(self, Kind::Conditional | Kind::Global)
    }
}

#[derive(Debug)]
struct Mismatch {
    kind: Kind,
    /// The path Kyverno returns with the error; `None` is its empty path.
    kyverno_path: Option<Vec<PathSegment>>,
    message: String,
    violations: Vec<Violation>,
}

impl Mismatch {
    fn skip_group(path: &[PathSegment], skips: &[Mismatch]) -> Mismatch {
        Mismatch {
            kind: Kind::SkipGroup,
            kyverno_path: Some(path.to_vec()),
            message: skips
                .iter()
                .map(|s| s.message.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            violations: Vec::new(),
        }
    }

    fn plain(
        kyverno_path: Option<&[PathSegment]>,
        message: String,
        violation: Violation,
    ) -> Mismatch {
        Mismatch {
            kind: Kind::Plain,
            kyverno_path: kyverno_path.map(<[PathSegment]>::to_vec),
            message,
            violations: vec![violation],
        }
    }

    /// Wrap a mismatch below a `(key)` or `<(key)` anchor.
    fn wrapped(kind: Kind, prefix: &str, inner: Mismatch) -> Mismatch {
        Mismatch {
            kind,
            kyverno_path: inner.kyverno_path,
            message: format!("{prefix}: {}", inner.message),
            violations: Vec::new(),
        }
    }
}

/// The first mismatch of a map or list and the failing fields found after it.
#[derive(Default)]
struct Outcome {
    first: Option<Mismatch>,
}

impl Outcome {
    /// Record a mismatch met while collecting (after the first one).
    fn collect(&mut self, later: Mismatch) {
        if let Some(first) = &mut self.first {
            if !later.kind.is_skip() {
                first.violations.extend(later.violations);
            }
        }
    }

    fn into_result(self) -> Result<(), Mismatch> {
        self.first.map_or(Ok(()), Err)
    }
}

#[derive(Default)]
struct Walk {
    /// Kyverno's `AnchorMap`: for each condition, existence and negation
    /// anchor key of the pattern, whether some resource map visited held it.
    anchor_keys: BTreeMap<String, bool>,
    /// Set while collecting, so the bookkeeping stays what Kyverno's walk,
    /// which stopped earlier, leaves behind.
    collecting: bool,
}

impl Walk {
    fn anchor_keys_missing(&self) -> bool {
        self.anchor_keys.iter().any(|(raw, present)| {
            !present && super::anchor::parse(raw).is_none_or(|a| a.kind != AnchorKind::Negation)
        })
    }

    /// Run `f` as collecting: its bookkeeping is dropped.
    fn collecting<T>(&mut self, f: impl FnOnce(&mut Walk) -> T) -> T {
        let was = self.collecting;
        self.collecting = true;
        let result = f(self);
        self.collecting = was;
        result
    }

    /// `validateResourceElement`. `resource` is `None` when the key is absent.
    fn element(
        &mut self,
        resource: Option<&Value>,
        pattern: &Node,
        path: &mut Vec<PathSegment>,
    ) -> Result<(), Mismatch> {
        match pattern {
            Node::Map(map) => match resource {
                Some(Value::Object(object)) => {
                    self.note_anchor_keys(map, object);
                    self.map(object, map, path)
                }
                other => Err(structure_mismatch(other, "an object", path, format!(
                    "pattern and resource have different structures. Path: {}. Expected map[string]interface {{}}, found {}",
                    path_text(path),
                    go_type(other)
                ))),
            },
            Node::Array(items) => match resource {
                Some(array @ Value::Array(elements)) => self.array(array, elements, items, path),
                other => Err(structure_mismatch(other, "a list", path, format!(
                    "validation rule failed at path {}, resource does not satisfy the expected overlay pattern",
                    path_text(path)
                ))),
            },
            Node::Scalar(scalar) => scalar_element(resource, scalar, path),
        }
    }

    /// `AnchorMap.CheckAnchorInResource`.
    fn note_anchor_keys(&mut self, pattern: &MapNode, resource: &Map<String, Value>) {
        if self.collecting {
            return;
        }
        for entry in &pattern.entries {
            let Some(anchor) = &entry.anchor else {
                continue;
            };
            if !matches!(
                anchor.kind,
                AnchorKind::Condition | AnchorKind::Existence | AnchorKind::Negation
            ) {
                continue;
            }
            let present = self
                .anchor_keys
                .entry(entry.raw_key.clone())
                .or_insert(false);
            if !*present && resource.contains_key(&anchor.key) {
                *present = true;
            }
        }
    }

    /// `validateMap`: anchors first, then the other keys.
    fn map(
        &mut self,
        resource: &Map<String, Value>,
        pattern: &MapNode,
        path: &mut Vec<PathSegment>,
    ) -> Result<(), Mismatch> {
        let expanded = pattern.expandable_metadata.and_then(|i| {
            let metadata = resource.get("metadata").filter(|m| !m.is_null())?;
            metadata::expand(&pattern.entries[i].value, metadata).map(|node| (i, node))
        });
        let value_of = |i: usize| match &expanded {
            Some((at, node)) if *at == i => node,
            _ => &pattern.entries[i].value,
        };

        let mut outcome = Outcome::default();
        let mut skips: Vec<Mismatch> = Vec::new();
        let mut applied = 0usize;
        for &i in &pattern.anchor_phase {
            if outcome.first.is_some() {
                let later = self.collecting(|w| w.entry(pattern, i, value_of(i), resource, path));
                if let Err(later) = later {
                    outcome.collect(later);
                }
                continue;
            }
            match self.entry(pattern, i, value_of(i), resource, path) {
                Ok(()) => applied += 1,
                Err(e) if e.kind.is_skip() => skips.push(e),
                // Kyverno ignores a failing anchor once a sibling anchor skipped.
                Err(_) if skips.iter().any(|s| s.kind.is_direct_skip()) => {}
                Err(e) => outcome.first = Some(e),
            }
        }
        if outcome.first.is_none()
            && !skips.is_empty()
            && (applied == 0 || skips.iter().any(|s| s.kind.is_direct_skip()))
        {
            return Err(Mismatch::skip_group(path, &skips));
        }
        for &i in &pattern.resource_phase {
            if outcome.first.is_some() {
                let later = self.collecting(|w| w.entry(pattern, i, value_of(i), resource, path));
                if let Err(later) = later {
                    outcome.collect(later);
                }
                continue;
            }
            match self.entry(pattern, i, value_of(i), resource, path) {
                Ok(()) => {}
                Err(e) if e.kind.is_skip() => return Err(e),
                Err(e) => outcome.first = Some(e),
            }
        }
        outcome.into_result()
    }

    /// One key of a map pattern, through its anchor's handler
    /// (`anchor.CreateElementHandler`).
    fn entry(
        &mut self,
        pattern: &MapNode,
        index: usize,
        value: &Node,
        resource: &Map<String, Value>,
        path: &mut Vec<PathSegment>,
    ) -> Result<(), Mismatch> {
        let entry = &pattern.entries[index];
        let anchor = entry
            .anchor
            .as_ref()
            .filter(|a| a.kind != AnchorKind::AddIfNotPresent);
        let Some(anchor) = anchor else {
            return self.plain_key(&entry.raw_key, value, resource, path);
        };
        let key = anchor.key.as_str();
        let Some(found) = resource.get(key) else {
            return match anchor.kind {
                AnchorKind::Condition => {
                    let mut at = path.clone();
                    at.push(PathSegment::Key(key.to_owned()));
                    Err(Mismatch {
                        kind: Kind::Conditional,
                        kyverno_path: Some(at),
                        message: "conditional anchor mismatch: conditional anchor key doesn't exist in the resource".to_owned(),
                        violations: Vec::new(),
                    })
                }
                _ => Ok(()),
            };
        };
        path.push(PathSegment::Key(key.to_owned()));
        let result = match anchor.kind {
            AnchorKind::Condition => self.element(Some(found), value, path).map_err(|e| {
                Mismatch::wrapped(Kind::Conditional, "conditional anchor mismatch", e)
            }),
            AnchorKind::Global => self
                .element(Some(found), value, path)
                .map_err(|e| Mismatch::wrapped(Kind::Global, "global anchor mismatch", e)),
            AnchorKind::Equality => self.element(Some(found), value, path),
            AnchorKind::Negation => Err(Mismatch {
                kind: Kind::Negation,
                kyverno_path: Some(path.clone()),
                message: format!(
                    "negation anchor matched in resource: {} is not allowed",
                    path_text(path)
                ),
                violations: vec![Violation {
                    path: path.clone(),
                    missing: None,
                    message: format!("field {} is not allowed", quoted(key)),
                }],
            }),
            AnchorKind::Existence => self.existence(found, value, path),
            AnchorKind::AddIfNotPresent => Ok(()),
        };
        path.pop();
        result
    }

    /// Kyverno's default handler: a key without (supported) anchor.
    fn plain_key(
        &mut self,
        key: &str,
        value: &Node,
        resource: &Map<String, Value>,
        path: &mut Vec<PathSegment>,
    ) -> Result<(), Mismatch> {
        let found = resource.get(key);
        if let Node::Scalar(scalar) = value {
            if scalar.is_star() {
                if found.is_some_and(|v| !v.is_null()) {
                    return Ok(());
                }
                let violation = missing_or_null(found, key, path, "any value".to_owned());
                return Err(Mismatch::plain(
                    Some(path),
                    format!("{}/{key} not found", path_text(path)),
                    violation,
                ));
            }
        }
        path.push(PathSegment::Key(key.to_owned()));
        let result = self.element(found, value, path);
        path.pop();
        result
    }

    /// `^(key)`: every pattern item must match at least one list item.
    fn existence(
        &mut self,
        found: &Value,
        pattern: &Node,
        path: &mut Vec<PathSegment>,
    ) -> Result<(), Mismatch> {
        let Value::Array(items) = found else {
            return Err(Mismatch::plain(
                Some(path),
                format!(
                    "invalid resource type {}: Existence ^ () anchor can be used only on list/array type resource",
                    go_type(Some(found))
                ),
                Violation {
                    path: path.clone(),
                    missing: None,
                    message: "expected a list".to_owned(),
                },
            ));
        };
        let Node::Array(patterns) = pattern else {
            return Err(Mismatch::plain(
                Some(path),
                "invalid pattern type: Pattern has to be of list to compare against resource"
                    .to_owned(),
                Violation {
                    path: path.clone(),
                    missing: None,
                    message: "the existence anchor's pattern is not a list".to_owned(),
                },
            ));
        };
        for item_pattern in patterns {
            if !matches!(item_pattern, Node::Map(_)) {
                return Err(Mismatch::plain(
                    Some(path),
                    "invalid pattern type: Pattern has to be of type map to compare against items in resource".to_owned(),
                    Violation {
                        path: path.clone(),
                        missing: None,
                        message: "the existence anchor's items are not objects".to_owned(),
                    },
                ));
            }
            let mut found_one = false;
            for (i, item) in items.iter().enumerate() {
                path.push(PathSegment::Index(i));
                let result = self.element(Some(item), item_pattern, path);
                path.pop();
                if result.is_ok() {
                    found_one = true;
                    break;
                }
            }
            if !found_one {
                return Err(Mismatch::plain(
                    Some(path),
                    format!(
                        "existence anchor validation failed at path {}",
                        path_text(path)
                    ),
                    Violation {
                        path: path.clone(),
                        missing: None,
                        message: "no item of the list matches the pattern".to_owned(),
                    },
                ));
            }
        }
        Ok(())
    }

    /// `validateArray`: the first pattern item decides how the list is read.
    fn array(
        &mut self,
        array: &Value,
        elements: &[Value],
        items: &[Node],
        path: &mut Vec<PathSegment>,
    ) -> Result<(), Mismatch> {
        let Some(first) = items.first() else {
            return Err(Mismatch::plain(
                Some(path),
                "pattern Array empty".to_owned(),
                Violation {
                    path: path.clone(),
                    missing: None,
                    message: "the pattern's list is empty".to_owned(),
                },
            ));
        };
        match first {
            // Every item against the first pattern item.
            Node::Map(_) => self.each_item(elements, |_| first, path),
            // Every item against a scalar: `validateResourceElement` on the list.
            Node::Scalar(scalar) => scalar_element(Some(array), scalar, path),
            // Lists of lists: position by position.
            Node::Array(_) => {
                if elements.len() < items.len() {
                    return Err(Mismatch::plain(
                        None,
                        format!(
                            "validate Array failed, array length mismatch, resource Array len is {} and pattern Array len is {}",
                            elements.len(),
                            items.len()
                        ),
                        Violation {
                            path: path.clone(),
                            missing: None,
                            message: format!(
                                "expected at least {} items, found {}",
                                items.len(),
                                elements.len()
                            ),
                        },
                    ));
                }
                self.each_item(&elements[..items.len()], |i| &items[i], path)
            }
        }
    }

    /// `validateArrayOfMaps` (and the positional loop, which has the same
    /// skip rule): a skipped item is left out; all items skipped skips the list.
    fn each_item<'p>(
        &mut self,
        elements: &[Value],
        pattern_for: impl Fn(usize) -> &'p Node,
        path: &mut Vec<PathSegment>,
    ) -> Result<(), Mismatch> {
        let mut outcome = Outcome::default();
        let mut skips = Vec::new();
        let mut applied = 0usize;
        for (i, element) in elements.iter().enumerate() {
            path.push(PathSegment::Index(i));
            if outcome.first.is_some() {
                let later = self.collecting(|w| w.element(Some(element), pattern_for(i), path));
                if let Err(later) = later {
                    outcome.collect(later);
                }
            } else {
                match self.element(Some(element), pattern_for(i), path) {
                    Ok(()) => applied += 1,
                    Err(e) if e.kind.is_skip() => skips.push(e),
                    Err(e) => outcome.first = Some(e),
                }
            }
            path.pop();
        }
        if outcome.first.is_none() && applied == 0 && !skips.is_empty() {
            return Err(Mismatch::skip_group(path, &skips));
        }
        outcome.into_result()
    }
}

/// A scalar pattern against a value, or against every item of a list.
fn scalar_element(
    resource: Option<&Value>,
    scalar: &ScalarPattern,
    path: &[PathSegment],
) -> Result<(), Mismatch> {
    let mismatch_text = |value: Option<&Value>| {
        format!(
            "resource value '{}' does not match '{}' at path {}",
            go_value(value),
            scalar.display(),
            path_text(path)
        )
    };
    if let Some(Value::Array(items)) = resource {
        let violations: Vec<Violation> = items
            .iter()
            .enumerate()
            .filter(|(_, item)| !scalar.matches(Some(item)))
            .map(|(i, item)| {
                let mut at = path.to_vec();
                at.push(PathSegment::Index(i));
                Violation {
                    path: at,
                    missing: None,
                    message: format!(
                        "value {} does not match {}",
                        json_text(item),
                        pattern_text(scalar)
                    ),
                }
            })
            .collect();
        if violations.is_empty() {
            return Ok(());
        }
        return Err(Mismatch {
            kind: Kind::Plain,
            kyverno_path: Some(path.to_vec()),
            message: mismatch_text(resource),
            violations,
        });
    }
    if scalar.matches(resource) {
        return Ok(());
    }
    let violation = match resource {
        None => {
            let (parent, key) = split_last_key(path);
            Violation {
                path: parent,
                missing: key.clone(),
                message: format!(
                    "field {} is missing; the pattern requires {}",
                    quoted(key.as_deref().unwrap_or("")),
                    pattern_text(scalar)
                ),
            }
        }
        Some(value) => Violation {
            path: path.to_vec(),
            missing: None,
            message: format!(
                "value {} does not match {}",
                json_text(value),
                pattern_text(scalar)
            ),
        },
    };
    Err(Mismatch::plain(
        Some(path),
        mismatch_text(resource),
        violation,
    ))
}

/// A map or list pattern met a value of another type, or nothing.
fn structure_mismatch(
    found: Option<&Value>,
    expected: &str,
    path: &[PathSegment],
    message: String,
) -> Mismatch {
    let violation = match found {
        None => {
            let (parent, key) = split_last_key(path);
            Violation {
                path: parent,
                missing: key.clone(),
                message: format!(
                    "field {} is missing; the pattern requires {expected}",
                    quoted(key.as_deref().unwrap_or(""))
                ),
            }
        }
        Some(value) => Violation {
            path: path.to_vec(),
            missing: None,
            message: format!("expected {expected}, found {}", json_kind(value)),
        },
    };
    Mismatch::plain(Some(path), message, violation)
}

/// For `"*"` (any value): a missing key, or a key holding null.
fn missing_or_null(
    found: Option<&Value>,
    key: &str,
    path: &[PathSegment],
    wanted: String,
) -> Violation {
    match found {
        None => Violation {
            path: path.to_vec(),
            missing: Some(key.to_owned()),
            message: format!(
                "field {} is missing; the pattern requires {wanted}",
                quoted(key)
            ),
        },
        Some(_) => {
            let mut at = path.to_vec();
            at.push(PathSegment::Key(key.to_owned()));
            Violation {
                path: at,
                missing: None,
                message: format!(
                    "field {} is null; the pattern requires {wanted}",
                    quoted(key)
                ),
            }
        }
    }
}

/// `(parent, Some(key))` when the path ends with a key.
fn split_last_key(path: &[PathSegment]) -> (Vec<PathSegment>, Option<String>) {
    match path.split_last() {
        Some((PathSegment::Key(key), parent)) => (parent.to_vec(), Some(key.clone())),
        _ => (path.to_vec(), None),
    }
}

/// Kyverno's path text: `/`, `/spec/containers/0/image/`.
pub(crate) fn path_text(path: &[PathSegment]) -> String {
    let mut text = String::from("/");
    for segment in path {
        text.push_str(&segment.to_string());
        text.push('/');
    }
    text
}

fn quoted(key: &str) -> String {
    serde_json::to_string(key).unwrap_or_else(|_| key.to_owned())
}

fn json_text(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}...")
    } else {
        text
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn pattern_text(scalar: &ScalarPattern) -> String {
    match scalar {
        ScalarPattern::Text(text) => quoted(&text.raw),
        ScalarPattern::Null => "null (or an empty value)".to_owned(),
        other => other.display(),
    }
}

/// Go's `%T` of a decoded JSON value.
fn go_type(value: Option<&Value>) -> &'static str {
    match value {
        None | Some(Value::Null) => "<nil>",
        Some(Value::Bool(_)) => "bool",
        Some(Value::Number(n)) if n.is_f64() => "float64",
        Some(Value::Number(_)) => "int64",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "[]interface {}",
        Some(Value::Object(_)) => "map[string]interface {}",
    }
}

/// Go's `%v` of a decoded JSON value, as Kyverno's messages print it.
fn go_value(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "<nil>".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => format!(
            "[{}]",
            items
                .iter()
                .map(|v| go_value(Some(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Some(Value::Object(map)) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            format!(
                "map[{}]",
                keys.iter()
                    .map(|k| format!("{k}:{}", go_value(map.get(*k))))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        }
        Some(other) => other.to_string(),
    }
}
