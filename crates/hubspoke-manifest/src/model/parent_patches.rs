//! The fields a parent Flux Kustomization's `spec.patches` may set on an object.
//!
//! Flux applies a Kustomization's `spec.patches` to every object of its build that a
//! patch's target selects; repositories commonly give their child Kustomizations
//! `interval` and `prune` that way. Where a cluster is rendered the render applies
//! them. An object no cluster renders is judged as written, and there the fields such a
//! patch sets are unknown rather than missing or wrong: the parent may apply the object
//! wherever it is reconciled (issue 18: unknowns are never findings).
//!
//! A parent may apply an object when the model knows it applies the object's file, or
//! when what it applies is unknown offline: its source is not this repository (an OCI
//! artifact pushed by CI, another repository), so its `spec.path` names a directory of
//! an artifact the model cannot see. A parent in a file nothing applies is never
//! reconciled, and patches nothing.

use std::collections::BTreeMap;

use serde_json::Value;

use super::kustomize::parse_patch_text;
use super::selector::Selector;
use super::types::{RepoModel, FLUX_KUSTOMIZE_GROUP};
use super::Builder;
use crate::PathSegment;

/// One entry of a parent's `spec.patches`: what it selects and the fields it sets.
struct ParentPatch {
    /// Index in [`RepoModel::flux_kustomizations`] of the parent.
    parent: usize,
    selector: Selector,
    fields: Vec<Vec<PathSegment>>,
}

impl Builder<'_> {
    /// [`RepoModel::parent_patched_fields`]: for every object a live Flux Kustomization's
    /// `spec.patches` may change, the fields they set.
    pub(super) fn collect_parent_patched_fields(&self, model: &mut RepoModel) {
        let patches = parent_patches(model);
        let mut out = kustomize_selector_fields(model);
        if patches.is_empty() && out.is_empty() {
            return;
        }
        for object in model.objects.iter().filter(|o| !o.patch) {
            for patch in &patches {
                let fk = &model.flux_kustomizations[patch.parent];
                let may_apply = !fk.local_source || fk.files.contains(&object.file);
                if fk.object != object.id && may_apply && patch.selector.matches(object) {
                    out.entry(object.id)
                        .or_default()
                        .extend(patch.fields.iter().cloned());
                }
            }
        }
        for fields in out.values_mut() {
            fields.sort();
            fields.dedup();
        }
        model.parent_patched_fields = out;
    }
}

/// The workload kinds whose `spec.selector.matchLabels` kustomize creates from
/// `commonLabels` (its built-in field specs with `create: true`).
const SELECTOR_KINDS: [&str; 4] = ["Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"];

/// Objects whose `spec.selector` the kustomization listing them sets: a kustomization
/// with `commonLabels` (or `labels` with `includeSelectors: true`) creates the selector of
/// the Deployments, ReplicaSets, DaemonSets and StatefulSets of its build, so a workload
/// written without one is complete once built. Where a cluster renders the build the render
/// does this; where none does (a directory nothing reaches), the object is judged as
/// written and its selector is set, not missing. Objects of the files and directories its
/// `resources` name.
fn kustomize_selector_fields(model: &RepoModel) -> BTreeMap<usize, Vec<Vec<PathSegment>>> {
    let mut out: BTreeMap<usize, Vec<Vec<PathSegment>>> = BTreeMap::new();
    let selector = vec![PathSegment::key("spec"), PathSegment::key("selector")];
    // The workloads once, not every object for every such kustomization.
    let workloads: Vec<_> = model
        .objects
        .iter()
        .filter(|o| {
            !o.patch
                && matches!(o.group.as_str(), "apps" | "extensions")
                && SELECTOR_KINDS.contains(&o.kind.as_str())
        })
        .collect();
    if workloads.is_empty() {
        return out;
    }
    for kf in &model.kustomize_files {
        if kf.source_ignored || !sets_selectors(&kf.body) {
            continue;
        }
        let listed: Vec<&str> = kf
            .references
            .iter()
            .filter(|r| r.exists && r.path.first().and_then(Value::as_str) == Some("resources"))
            .map(|r| r.target.as_str())
            .collect();
        for object in &workloads {
            if listed.iter().any(|target| {
                object.file == *target
                    || *target == "."
                    || object
                        .file
                        .strip_prefix(target)
                        .is_some_and(|rest| rest.starts_with('/'))
            }) {
                out.entry(object.id).or_default().push(selector.clone());
            }
        }
    }
    out
}

/// `commonLabels` with a label, or a `labels` entry with `includeSelectors: true` and a pair.
fn sets_selectors(body: &Value) -> bool {
    let non_empty = |v: Option<&Value>| v.and_then(Value::as_object).is_some_and(|m| !m.is_empty());
    non_empty(body.get("commonLabels"))
        || body
            .get("labels")
            .and_then(Value::as_array)
            .is_some_and(|entries| {
                entries.iter().any(|e| {
                    e.get("includeSelectors").and_then(Value::as_bool) == Some(true)
                        && non_empty(e.get("pairs"))
                })
            })
}

/// The `spec.patches` of every Flux Kustomization that is reconciled somewhere (its own
/// file is applied), each with its selector and fields.
fn parent_patches(model: &RepoModel) -> Vec<ParentPatch> {
    let mut out = Vec::new();
    for (parent, fk) in model.flux_kustomizations.iter().enumerate() {
        let object = &model.objects[fk.object];
        if object.unapplied || object.group != FLUX_KUSTOMIZE_GROUP {
            continue;
        }
        let Some(items) = object
            .body
            .pointer("/spec/patches")
            .and_then(Value::as_array)
        else {
            continue;
        };
        for item in items {
            let Some(text) = item.get("patch").and_then(Value::as_str) else {
                continue;
            };
            for document in parse_patch_text(text) {
                // Without a target, a strategic-merge patch selects its own kind and name.
                let selector = match item.get("target") {
                    Some(target) => Selector::from_target(target),
                    None => match Selector::from_patch_object(&document) {
                        Some(selector) => selector,
                        None => continue,
                    },
                };
                let fields = patched_fields(&document);
                if !fields.is_empty() {
                    out.push(ParentPatch {
                        parent,
                        selector,
                        fields,
                    });
                }
            }
        }
    }
    out
}

/// The fields one patch document sets, removes or moves: the paths of a JSON 6902
/// list's operations, or the leaves of a strategic-merge object (its identity aside).
/// A list is unknown whole (an index or a `-` ends the path); a directive (`$patch`,
/// `$setElementOrder/…`) makes its whole mapping unknown.
fn patched_fields(document: &Value) -> Vec<Vec<PathSegment>> {
    let mut fields = Vec::new();
    match document {
        Value::Array(operations) => {
            for operation in operations {
                for key in ["path", "from"] {
                    if let Some(pointer) = operation.get(key).and_then(Value::as_str) {
                        fields.push(pointer_field(pointer));
                    }
                }
            }
        }
        Value::Object(map) => {
            for (key, value) in map {
                match key.as_str() {
                    "apiVersion" | "kind" => {}
                    "metadata" => {
                        if let Value::Object(metadata) = value {
                            for (key, value) in metadata {
                                if key != "name" && key != "namespace" {
                                    let path =
                                        vec![PathSegment::key("metadata"), PathSegment::key(key)];
                                    leaves(value, path, &mut fields);
                                }
                            }
                        }
                    }
                    _ => leaves(value, vec![PathSegment::key(key)], &mut fields),
                }
            }
        }
        _ => {}
    }
    fields
}

/// The field a JSON pointer names, cut before its first list index (`0`, `-`): which
/// item of a list an operation reaches depends on the list as the cluster receives it.
fn pointer_field(pointer: &str) -> Vec<PathSegment> {
    pointer
        .split('/')
        .skip(1)
        .map(|token| token.replace("~1", "/").replace("~0", "~"))
        .take_while(|token| token != "-" && token.parse::<usize>().is_err())
        .map(PathSegment::Key)
        .collect()
}

/// The leaves of a strategic-merge value at `path` into `out`.
fn leaves(value: &Value, path: Vec<PathSegment>, out: &mut Vec<Vec<PathSegment>>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            if map.keys().any(|key| key.starts_with('$')) {
                out.push(path);
                return;
            }
            for (key, value) in map {
                let mut child = path.clone();
                child.push(PathSegment::key(key));
                leaves(value, child, out);
            }
        }
        _ => out.push(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(fields: &[Vec<PathSegment>]) -> Vec<String> {
        fields
            .iter()
            .map(|f| {
                f.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(".")
            })
            .collect()
    }

    #[test]
    fn strategic_merge_leaves_without_identity() {
        let fields = patched_fields(&json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": "_", "namespace": "x", "labels": {"a": "b"}},
            "spec": {"interval": "30m", "prune": true, "patches": [{"patch": "x"}],
                     "decryption": {"provider": "sops"}, "postBuild": {"$patch": "replace", "substitute": {}}}
        }));
        let mut found = keys(&fields);
        found.sort();
        assert_eq!(
            found,
            [
                "metadata.labels.a",
                "spec.decryption.provider",
                "spec.interval",
                "spec.patches",
                "spec.postBuild",
                "spec.prune"
            ]
        );
    }

    #[test]
    fn json_patch_paths_stop_at_list_indices() {
        let fields = patched_fields(&json!([
            {"op": "add", "path": "/spec/template/spec/containers/0/args/-", "value": "--x"},
            {"op": "replace", "path": "/metadata/annotations/a~1b", "value": "y"},
            {"op": "move", "from": "/spec/a", "path": "/spec/b"},
            {"op": "remove", "path": ""},
            "not an operation"
        ]));
        assert_eq!(
            keys(&fields),
            [
                "spec.template.spec.containers",
                "metadata.annotations.a/b",
                "spec.b",
                "spec.a",
                ""
            ]
        );
    }
}
