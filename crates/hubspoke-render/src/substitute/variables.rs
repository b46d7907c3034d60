//! The variables of a Flux Kustomization's `spec.postBuild`, as
//! kustomize-controller gathers them (fluxcd/pkg `kustomize_varsub.go`):
//! `substituteFrom` ConfigMaps and Secrets in order, a later one overriding an
//! earlier one, then the inline `substitute` map over all of them; newlines
//! are removed from every value; every name must match
//! `^[_[:alpha:]][_[:alpha:][:digit:]]*$` or the whole substitution fails.
//!
//! A Secret that is SOPS-encrypted, or a ConfigMap or Secret the repository
//! does not define (it may exist in the cluster), makes the variables it could
//! define **unknown**: no value is invented for them.

use std::collections::BTreeMap;

use base64::Engine;
use hubspoke_manifest::yaml::{Node, NodeValue};

use super::envsubst::Lookup;
use crate::{Origin, ProblemCode, RenderProblem};

/// Where a variable's value was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// The value, newlines removed.
    pub value: String,
    /// The key that defines it: the `substitute:` entry, or the data key of a
    /// `substituteFrom` ConfigMap or Secret.
    pub at: Origin,
}

/// What a `substituteFrom` entry contributes.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    /// The object's data, known.
    Known(BTreeMap<String, Definition>),
    /// Any variable may come from it; values unknown.
    Unknown,
}

/// The object a `substituteFrom` entry names, as the renderer found it.
#[derive(Debug, Clone, Copy)]
pub enum Referent<'n> {
    /// Defined in the repository (and delivered to the Kustomization's cluster).
    Found(&'n Node<Origin>),
    /// Made in the cluster by an object of the repository (the Secret of an
    /// ExternalSecret, a SealedSecret...): it exists, but what it holds is unknown offline.
    Produced,
    /// The repository does not define it.
    Missing,
}

/// The variables one Flux Kustomization substitutes.
#[derive(Debug, Clone, PartialEq)]
pub struct Variables {
    inline: BTreeMap<String, Definition>,
    sources: Vec<Source>,
    /// `substituteStrategy: Always`: substitute even without variables.
    pub always: bool,
}

/// A `substituteFrom` entry: kind, name, optional, and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRef {
    /// `ConfigMap` or `Secret`.
    pub kind: String,
    /// The object's name (in the Kustomization's namespace).
    pub name: String,
    /// `optional: true`: Flux goes on without it.
    pub optional: bool,
}

/// Flux's rule for variable names.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

impl Variables {
    /// Read `spec.postBuild` of a Flux Kustomization. `None` when it has none
    /// (Flux then substitutes nothing). `resolve` finds the object a
    /// `substituteFrom` entry names. Problems land at the offending field.
    pub fn from_kustomization<'n>(
        kustomization: &'n Node<Origin>,
        resolve: &mut dyn FnMut(&SourceRef) -> Referent<'n>,
        problems: &mut Vec<RenderProblem>,
    ) -> Option<Variables> {
        let post_build = kustomization.get("spec")?.get("postBuild")?;
        let mut variables = Variables {
            inline: BTreeMap::new(),
            sources: Vec::new(),
            always: false,
        };
        match &post_build.value {
            NodeValue::Null => return None,
            NodeValue::Map(_) => {}
            _ => {
                problems.push(problem(post_build, "spec.postBuild must be a mapping"));
                return None;
            }
        }
        if let Some(strategy) = post_build.get("substituteStrategy") {
            match strategy.as_str() {
                Some("Always") => variables.always = true,
                Some("WithVariables") => {}
                _ => problems.push(problem(
                    strategy,
                    "spec.postBuild.substituteStrategy must be WithVariables or Always",
                )),
            }
        }
        if let Some(list) = post_build.get("substituteFrom") {
            variables.read_sources(list, resolve, problems);
        }
        if let Some(map) = post_build.get("substitute") {
            match &map.value {
                NodeValue::Map(entries) => {
                    for (key, value) in entries {
                        if let Some(definition) = definition(key, value, "substitute", problems) {
                            variables.inline.insert(key.key_text(), definition);
                        }
                    }
                }
                NodeValue::Null => {}
                _ => problems.push(problem(
                    map,
                    "spec.postBuild.substitute must map variable names to strings",
                )),
            }
        }
        Some(variables)
    }

    fn read_sources<'n>(
        &mut self,
        list: &'n Node<Origin>,
        resolve: &mut dyn FnMut(&SourceRef) -> Referent<'n>,
        problems: &mut Vec<RenderProblem>,
    ) {
        let items = match &list.value {
            NodeValue::Seq(items) => items,
            NodeValue::Null => return,
            _ => {
                problems.push(problem(
                    list,
                    "spec.postBuild.substituteFrom must be a list",
                ));
                return;
            }
        };
        for item in items {
            let kind = item.get("kind").and_then(Node::as_str);
            let name = item.get("name").and_then(Node::as_str);
            let (Some(kind @ ("ConfigMap" | "Secret")), Some(name)) = (kind, name) else {
                problems.push(problem(
                    item,
                    "a substituteFrom entry needs `kind: ConfigMap` or `kind: Secret` and a `name`",
                ));
                // Flux fails the reconcile; what it would read is unknown.
                self.sources.push(Source::Unknown);
                continue;
            };
            let optional = matches!(
                item.get("optional").map(|n| &n.value),
                Some(NodeValue::Bool(true))
            );
            let reference = SourceRef {
                kind: kind.to_owned(),
                name: name.to_owned(),
                optional,
            };
            let source = match resolve(&reference) {
                Referent::Found(object) => read_object(kind, object, problems),
                Referent::Produced => Source::Unknown,
                Referent::Missing => {
                    if !optional {
                        problems.push(RenderProblem::tolerated(
                            item.span,
                            ProblemCode::SubstituteFromMissing,
                            format!(
                                "substituteFrom names {kind} {name:?}, which the repository does not define \
                                 (Flux fails unless it exists in the cluster; mark it `optional: true` if it may be absent)"
                            ),
                        ));
                    }
                    Source::Unknown
                }
            };
            self.sources.push(source);
        }
    }

    /// Whether Flux runs the substitution (`len(vars) > 0 || Always`); an
    /// unknown source counts as defining variables.
    pub fn substitutes(&self) -> bool {
        self.always
            || !self.inline.is_empty()
            || self.sources.iter().any(|s| match s {
                Source::Known(map) => !map.is_empty(),
                Source::Unknown => true,
            })
    }

    /// What `name` holds: the inline value, else the last source defining it;
    /// unknown as soon as an unknown source could override.
    pub fn lookup(&self, name: &str) -> Lookup<'_> {
        if let Some(d) = self.inline.get(name) {
            return Lookup::Value(&d.value);
        }
        for source in self.sources.iter().rev() {
            match source {
                Source::Unknown => return Lookup::Unknown,
                Source::Known(map) => {
                    if let Some(d) = map.get(name) {
                        return Lookup::Value(&d.value);
                    }
                }
            }
        }
        Lookup::Undefined
    }

    /// Where `name`'s value was written, when the repository shows it.
    pub fn definition(&self, name: &str) -> Option<&Definition> {
        if let Some(d) = self.inline.get(name) {
            return Some(d);
        }
        for source in self.sources.iter().rev() {
            match source {
                Source::Unknown => return None,
                Source::Known(map) => {
                    if let Some(d) = map.get(name) {
                        return Some(d);
                    }
                }
            }
        }
        None
    }

    /// Every known variable whose name Flux rejects, with where it is defined
    /// (Flux then fails every object's substitution).
    pub fn invalid_names(&self) -> Vec<(&str, &Definition)> {
        let mut merged: BTreeMap<&str, &Definition> = BTreeMap::new();
        for source in &self.sources {
            if let Source::Known(map) = source {
                merged.extend(map.iter().map(|(k, d)| (k.as_str(), d)));
            }
        }
        merged.extend(self.inline.iter().map(|(k, d)| (k.as_str(), d)));
        merged
            .into_iter()
            .filter(|(name, _)| !is_valid_name(name))
            .collect()
    }
}

fn problem(node: &Node<Origin>, message: &str) -> RenderProblem {
    RenderProblem::new(node.span, ProblemCode::FluxInvalidSpec, message)
}

/// A variable from a `key: value` entry; values should be strings.
fn definition(
    key: &Node<Origin>,
    value: &Node<Origin>,
    what: &str,
    problems: &mut Vec<RenderProblem>,
) -> Option<Definition> {
    let text = match &value.value {
        NodeValue::Str(s) => s.clone(),
        NodeValue::Int(i) => i.to_string(),
        NodeValue::Bool(b) => b.to_string(),
        NodeValue::Float(f) => f.to_string(),
        NodeValue::Null => String::new(),
        NodeValue::Seq(_) | NodeValue::Map(_) => {
            problems.push(problem(
                value,
                &format!("{what} values must be strings, not a list or mapping"),
            ));
            return None;
        }
    };
    if !matches!(value.value, NodeValue::Str(_)) {
        problems.push(problem(
            value,
            &format!("{what} values must be strings: quote this value"),
        ));
    }
    Some(Definition {
        value: text.replace('\n', ""),
        at: key.span,
    })
}

/// The variables of a ConfigMap (`data`) or Secret (`data` decoded, then
/// `stringData`, as the API server merges them).
fn read_object(kind: &str, object: &Node<Origin>, problems: &mut Vec<RenderProblem>) -> Source {
    if kind == "Secret" && object.get("sops").is_some() {
        return Source::Unknown;
    }
    let mut map = BTreeMap::new();
    let entries = |field: &str| match object.get(field).map(|n| &n.value) {
        Some(NodeValue::Map(entries)) => entries.as_slice(),
        _ => &[],
    };
    for (key, value) in entries("data") {
        let definition = if kind == "Secret" {
            let decoded = value.as_str().and_then(|encoded| {
                // Go's decoder, which the API server uses, skips line breaks.
                let compact: String = encoded
                    .chars()
                    .filter(|c| !matches!(c, '\r' | '\n'))
                    .collect();
                base64::engine::general_purpose::STANDARD
                    .decode(compact.trim())
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
            });
            match decoded {
                Some(text) => Definition {
                    value: text.replace('\n', ""),
                    at: key.span,
                },
                // Not base64 or not text: the value cannot be known.
                None => return Source::Unknown,
            }
        } else {
            match definition(key, value, "ConfigMap data", problems) {
                Some(d) => d,
                None => continue,
            }
        };
        map.insert(key.key_text(), definition);
    }
    if kind == "Secret" {
        for (key, value) in entries("stringData") {
            if let Some(definition) = definition(key, value, "Secret stringData", problems) {
                map.insert(key.key_text(), definition);
            }
        }
    }
    Source::Known(map)
}
