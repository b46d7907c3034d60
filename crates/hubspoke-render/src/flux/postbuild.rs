//! What kustomize-controller does to each built object before applying it:
//! refuse objects without identity, leave SOPS-encrypted ones to decryption
//! (unknown offline), substitute variables, then set `spec.commonMetadata`.

use std::sync::Arc;

use hubspoke_manifest::yaml::{Node, NodeValue};
use hubspoke_manifest::{ParsedFile, PathSegment};

use crate::substitute::{self, SubstituteOptions, Substitution, Variables};
use crate::{Origin, ProblemCode, RenderProblem, RenderedObject, Unknown, UnknownKind};

/// The post-build settings of one Flux Kustomization.
pub(crate) struct PostBuild<'a> {
    /// Its variables, when it has `spec.postBuild`.
    pub variables: Option<&'a Variables>,
    /// Strict mode.
    pub options: SubstituteOptions,
    /// It has `spec.decryption`.
    pub decrypts: bool,
    /// `spec.commonMetadata`.
    pub common_metadata: Option<&'a Node<Origin>>,
}

/// What the post-build did to one object.
#[derive(Default)]
pub(crate) struct Applied {
    pub substitutions: Vec<Substitution>,
    pub unknown_fields: Vec<Vec<PathSegment>>,
    pub problems: Vec<RenderProblem>,
    pub unknowns: Vec<Unknown>,
}

impl PostBuild<'_> {
    /// Post-build `object`, a copy of a built object sharing its tree: the tree is
    /// copied (`Arc::make_mut`) only when something writes to it. `substitutable`
    /// says whether some string of it holds a `$` (else substitution changes nothing).
    pub(crate) fn apply(
        &self,
        object: &mut RenderedObject,
        substitutable: bool,
        files: &[&ParsedFile],
    ) -> Applied {
        let mut applied = Applied::default();
        if let Some(problem) = missing_identity(object) {
            applied.problems.push(problem);
        }
        if object.root.get("sops").is_some() {
            applied.unknowns.push(Unknown {
                origin: object.source,
                kind: UnknownKind::Encrypted,
                reason: if self.decrypts {
                    "a SOPS-encrypted object: Flux decrypts it with keys the repository does not hold"
                        .to_owned()
                } else {
                    "a SOPS-encrypted object, and the Kustomization has no spec.decryption: Flux \
                     applies it encrypted"
                        .to_owned()
                },
            });
            // The whole object.
            applied.unknown_fields.push(Vec::new());
        } else if let Some(variables) = self.variables.filter(|v| {
            // What `substitute_object` would return at once, with nothing done.
            substitutable && v.substitutes() && !substitute::is_disabled(&object.root)
        }) {
            let root = Arc::make_mut(&mut object.root);
            let done = substitute::substitute_object(root, variables, self.options, files);
            applied.problems.extend(done.problems);
            applied.unknowns.extend(done.unknowns);
            applied.substitutions = done.substitutions;
            applied.unknown_fields = done.unknown_fields;
        }
        if let Some(common) = self.common_metadata {
            apply_common_metadata(Arc::make_mut(&mut object.root), common);
        }
        applied
    }
}

/// Flux refuses objects without apiVersion, kind or name.
fn missing_identity(object: &RenderedObject) -> Option<RenderProblem> {
    let root = &object.root;
    let present =
        |node: Option<&Node<Origin>>| node.and_then(Node::as_str).is_some_and(|s| !s.is_empty());
    let ok = present(root.get("apiVersion"))
        && present(root.get("kind"))
        && present(root.get("metadata").and_then(|m| m.get("name")));
    (!ok).then(|| {
        RenderProblem::new(
            object.source,
            ProblemCode::FluxInvalidObject,
            "Flux fails: the object lacks apiVersion, kind or metadata.name",
        )
    })
}

/// `spec.commonMetadata`: labels and annotations set on every object at
/// apply time (after substitution), over the object's own.
fn apply_common_metadata(root: &mut Node<Origin>, common: &Node<Origin>) {
    for field in ["labels", "annotations"] {
        let Some(NodeValue::Map(pairs)) = common.get(field).map(|n| &n.value) else {
            continue;
        };
        let Some(metadata) = entry_map(root, "metadata", common.span) else {
            return;
        };
        let Some(target) = entry_map(metadata, field, common.span) else {
            continue;
        };
        let NodeValue::Map(entries) = &mut target.value else {
            continue;
        };
        for (key, value) in pairs {
            match entries.iter_mut().find(|(k, _)| k.as_str() == key.as_str()) {
                Some(entry) => entry.1 = value.clone(),
                None => entries.push((key.clone(), value.clone())),
            }
        }
    }
}

/// The mapping under `key`, created when absent (or null).
fn entry_map<'n>(
    node: &'n mut Node<Origin>,
    key: &str,
    origin: Origin,
) -> Option<&'n mut Node<Origin>> {
    let NodeValue::Map(entries) = &mut node.value else {
        return None;
    };
    let index = match entries.iter().position(|(k, _)| k.as_str() == Some(key)) {
        Some(i) => i,
        None => {
            entries.push((
                Node {
                    span: origin,
                    value: NodeValue::Str(key.to_owned()),
                },
                Node {
                    span: origin,
                    value: NodeValue::Map(Vec::new()),
                },
            ));
            entries.len() - 1
        }
    };
    let value = &mut entries[index].1;
    if matches!(value.value, NodeValue::Null) {
        value.value = NodeValue::Map(Vec::new());
    }
    matches!(value.value, NodeValue::Map(_)).then_some(value)
}
