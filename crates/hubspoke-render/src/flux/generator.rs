//! The kustomization Flux builds for a Flux Kustomization (fluxcd/pkg
//! `kustomize/kustomize_generator.go`, `GenerateManifest`): the directory's
//! own kustomization file, or one generated listing its manifests, then the
//! Kustomization's spec written into it — `targetNamespace` as `namespace`,
//! `namePrefix`, `nameSuffix` (replacing the file's), `patches`,
//! `components`, `patchesStrategicMerge` and `patchesJson6902` (appended),
//! `images` (merged by name) and `buildMetadata`.
//!
//! The result is a tree whose entries keep their origins: the file's entries
//! their lines in it, what Flux adds the spec field it comes from.

use hubspoke_manifest::yaml::{Node, NodeValue};

use super::scan::generated_resources;
use crate::{Origin, ProblemCode, RenderProblem};

/// What Flux starts from in the Kustomization's directory.
#[derive(Debug, Clone, Copy)]
pub enum Base<'n> {
    /// The directory's kustomization file (its root node).
    File(&'n Node<Origin>),
    /// None: Flux generates one listing these files of the repository.
    Generate {
        /// Every file of the repository (repository-relative paths).
        files: &'n [String],
    },
}

/// The kustomization Flux builds `dir` with for the Flux Kustomization `flux`.
/// `exists` answers whether a path relative to `dir` exists (for
/// `ignoreMissingComponents`).
pub fn flux_kustomization(
    flux: &Node<Origin>,
    dir: &str,
    base: Base<'_>,
    exists: &dyn Fn(&str) -> bool,
    problems: &mut Vec<RenderProblem>,
) -> Node<Origin> {
    let spec = flux.get("spec");
    let field = |name: &str| spec.and_then(|s| s.get(name));
    // What Flux generates is located at `spec.path` (else the object).
    let anchor = field("path").map_or(flux.span, |p| p.span);
    let mut kustomization = match base {
        Base::File(root) => {
            let mut root = root.clone();
            if !matches!(root.value, NodeValue::Map(_)) {
                // The core reports the malformed file; Flux fails to read it too.
                root = map(Vec::new(), root.span);
            }
            if !has_items(&root, "resources") {
                // Flux's guard against kustomize's "kustomization.yaml is empty".
                set(
                    &mut root,
                    "buildMetadata",
                    seq(vec![text("originAnnotations", anchor)], anchor),
                    anchor,
                );
            }
            root
        }
        Base::Generate { files } => generated(dir, files, anchor),
    };
    let mut writer = Writer {
        kustomization: &mut kustomization,
        problems,
    };
    writer.replace_string(
        "namespace",
        field("targetNamespace"),
        "spec.targetNamespace",
    );
    writer.replace_string("namePrefix", field("namePrefix"), "spec.namePrefix");
    writer.replace_string("nameSuffix", field("nameSuffix"), "spec.nameSuffix");
    writer.patches(field("patches"));
    writer.components(
        field("components"),
        field("ignoreMissingComponents"),
        exists,
    );
    writer.append_items(
        "patchesStrategicMerge",
        field("patchesStrategicMerge"),
        "spec.patchesStrategicMerge",
    );
    writer.json6902(field("patchesJson6902"));
    writer.images(field("images"));
    if let Some(metadata) = field("buildMetadata") {
        if matches!(&metadata.value, NodeValue::Seq(items) if !items.is_empty()) {
            set(
                writer.kustomization,
                "buildMetadata",
                metadata.clone(),
                metadata.span,
            );
        }
    }
    kustomization
}

/// The kustomization Flux writes for a directory without one.
fn generated(dir: &str, files: &[String], anchor: Origin) -> Node<Origin> {
    let resources = generated_resources(dir, files.iter().map(String::as_str));
    let mut entries = vec![
        (
            text("apiVersion", anchor),
            text("kustomize.config.k8s.io/v1beta1", anchor),
        ),
        (text("kind", anchor), text("Kustomization", anchor)),
    ];
    if resources.is_empty() {
        // Flux's placeholder against "kustomization.yaml is empty".
        entries.push((text("namespace", anchor), text("_placeholder", anchor)));
    } else {
        let items = resources.into_iter().map(|r| text(&r, anchor)).collect();
        entries.push((text("resources", anchor), seq(items, anchor)));
    }
    map(entries, anchor)
}

struct Writer<'k, 'p> {
    kustomization: &'k mut Node<Origin>,
    problems: &'p mut Vec<RenderProblem>,
}

impl Writer<'_, '_> {
    fn problem(&mut self, node: &Node<Origin>, message: String) {
        self.problems.push(RenderProblem::new(
            node.span,
            ProblemCode::FluxInvalidSpec,
            message,
        ));
    }

    /// A string field Flux copies over the file's (an empty one removes it:
    /// Go's `omitempty`).
    fn replace_string(&mut self, key: &str, value: Option<&Node<Origin>>, what: &str) {
        let Some(value) = value else { return };
        match &value.value {
            NodeValue::Str(s) if s.is_empty() => remove(self.kustomization, key),
            NodeValue::Str(_) => set(self.kustomization, key, value.clone(), value.span),
            NodeValue::Null => {}
            _ => self.problem(value, format!("{what} must be a string")),
        }
    }

    /// Items of a list field, appended to the kustomization's list.
    fn list<'v>(&mut self, value: Option<&'v Node<Origin>>, what: &str) -> &'v [Node<Origin>] {
        match value.map(|v| &v.value) {
            Some(NodeValue::Seq(items)) => items,
            None | Some(NodeValue::Null) => &[],
            Some(_) => {
                let node = value.expect("matched Some");
                self.problem(node, format!("{what} must be a list"));
                &[]
            }
        }
    }

    fn append_items(&mut self, key: &str, value: Option<&Node<Origin>>, what: &str) {
        let items: Vec<Node<Origin>> = self.list(value, what).to_vec();
        for item in items {
            append(self.kustomization, key, item);
        }
    }

    /// `spec.patches`: `patch` and `target` (Flux's selector fields) of each.
    fn patches(&mut self, value: Option<&Node<Origin>>) {
        for item in self.list(value, "spec.patches").to_vec() {
            let Some(patch) = item.get_entry("patch") else {
                self.problem(&item, "a patch of spec.patches needs `patch`".to_owned());
                continue;
            };
            let mut entries = vec![(patch.0.clone(), patch.1.clone())];
            if let Some((key, target)) = item.get_entry("target") {
                entries.push((key.clone(), selector(target)));
            }
            append(self.kustomization, "patches", map(entries, item.span));
        }
    }

    /// `spec.components`: local relative paths, skipped when missing and
    /// `ignoreMissingComponents` is set.
    fn components(
        &mut self,
        value: Option<&Node<Origin>>,
        ignore_missing: Option<&Node<Origin>>,
        exists: &dyn Fn(&str) -> bool,
    ) {
        let ignore_missing = matches!(
            ignore_missing.map(|n| &n.value),
            Some(NodeValue::Bool(true))
        );
        for item in self.list(value, "spec.components").to_vec() {
            let Some(path) = item.as_str() else {
                self.problem(&item, "spec.components entries must be strings".to_owned());
                continue;
            };
            if !is_local_relative_path(path) {
                self.problem(
                    &item,
                    format!("component path '{path}' must be local and relative"),
                );
                continue;
            }
            if ignore_missing && !exists(path) {
                continue;
            }
            append(self.kustomization, "components", item.clone());
        }
    }

    /// `spec.patchesJson6902` (v1beta2): the operations become the patch's text.
    fn json6902(&mut self, value: Option<&Node<Origin>>) {
        for item in self.list(value, "spec.patchesJson6902").to_vec() {
            let (Some(patch), Some((target_key, target))) =
                (item.get("patch"), item.get_entry("target"))
            else {
                self.problem(
                    &item,
                    "a patchesJson6902 entry needs `patch` and `target`".to_owned(),
                );
                continue;
            };
            let ops = serde_json::to_string(&patch.to_json()).unwrap_or_default();
            let entries = vec![
                (text("patch", patch.span), text(&ops, patch.span)),
                (target_key.clone(), selector(target)),
            ];
            append(
                self.kustomization,
                "patchesJson6902",
                map(entries, item.span),
            );
        }
    }

    /// `spec.images`, merged into the file's entries by name.
    fn images(&mut self, value: Option<&Node<Origin>>) {
        const FIELDS: [&str; 4] = ["name", "newName", "newTag", "digest"];
        for image in self.list(value, "spec.images").to_vec() {
            let Some(name) = image.get("name").and_then(Node::as_str) else {
                self.problem(&image, "an image of spec.images needs a `name`".to_owned());
                continue;
            };
            let field = |key: &str| {
                image
                    .get_entry(key)
                    .filter(|(_, v)| v.as_str().is_some_and(|s| !s.is_empty()))
            };
            let existing = items_mut(self.kustomization, "images").and_then(|items| {
                items
                    .iter_mut()
                    .find(|entry| entry.get("name").and_then(Node::as_str) == Some(name))
            });
            match existing {
                Some(entry) => {
                    if let Some((k, v)) = field("newName") {
                        set(entry, "newName", v.clone(), k.span);
                    }
                    // newTag and digest select the version together: setting
                    // one clears the other, as kustomize's image transformer.
                    if field("newTag").is_some() || field("digest").is_some() {
                        for key in ["newTag", "digest"] {
                            match field(key) {
                                Some((k, v)) => set(entry, key, v.clone(), k.span),
                                None => remove(entry, key),
                            }
                        }
                    }
                }
                None => {
                    let entries = FIELDS
                        .iter()
                        .filter_map(|key| field(key).map(|(k, v)| (k.clone(), v.clone())))
                        .collect();
                    append(self.kustomization, "images", map(entries, image.span));
                }
            }
        }
    }
}

/// Flux's selector: the fields kustomize reads, others dropped.
fn selector(target: &Node<Origin>) -> Node<Origin> {
    const FIELDS: [&str; 7] = [
        "group",
        "version",
        "kind",
        "name",
        "namespace",
        "labelSelector",
        "annotationSelector",
    ];
    let entries = FIELDS
        .iter()
        .filter_map(|key| target.get_entry(key))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    map(entries, target.span)
}

/// kustomize's test for a local path (fluxcd/pkg `IsLocalRelativePath`).
pub fn is_local_relative_path(path: &str) -> bool {
    const REMOTE: [&str; 8] = [
        "git::",
        "gh:",
        "ssh://",
        "https://",
        "http://",
        "git@",
        "github.com:",
        "github.com/",
    ];
    let lower = path.to_ascii_lowercase();
    if REMOTE
        .iter()
        .any(|p| p.len() < path.len() && lower.starts_with(p))
    {
        return false;
    }
    !path.starts_with('/') && !lower.trim_start_matches("file://").starts_with('/')
}

fn has_items(root: &Node<Origin>, key: &str) -> bool {
    matches!(root.get(key).map(|n| &n.value), Some(NodeValue::Seq(items)) if !items.is_empty())
}

fn text(value: &str, origin: Origin) -> Node<Origin> {
    Node {
        span: origin,
        value: NodeValue::Str(value.to_owned()),
    }
}

fn seq(items: Vec<Node<Origin>>, origin: Origin) -> Node<Origin> {
    Node {
        span: origin,
        value: NodeValue::Seq(items),
    }
}

fn map(entries: Vec<(Node<Origin>, Node<Origin>)>, origin: Origin) -> Node<Origin> {
    Node {
        span: origin,
        value: NodeValue::Map(entries),
    }
}

fn entries_mut(node: &mut Node<Origin>) -> Option<&mut Vec<(Node<Origin>, Node<Origin>)>> {
    match &mut node.value {
        NodeValue::Map(entries) => Some(entries),
        _ => None,
    }
}

/// Set `key` (the last entry of that name, as Kubernetes reads duplicates).
fn set(node: &mut Node<Origin>, key: &str, value: Node<Origin>, key_origin: Origin) {
    let Some(entries) = entries_mut(node) else {
        return;
    };
    match entries
        .iter_mut()
        .rev()
        .find(|(k, _)| k.as_str() == Some(key))
    {
        Some(entry) => entry.1 = value,
        None => entries.push((text(key, key_origin), value)),
    }
}

fn remove(node: &mut Node<Origin>, key: &str) {
    if let Some(entries) = entries_mut(node) {
        entries.retain(|(k, _)| k.as_str() != Some(key));
    }
}

fn items_mut<'n>(node: &'n mut Node<Origin>, key: &str) -> Option<&'n mut Vec<Node<Origin>>> {
    let entries = entries_mut(node)?;
    let (_, value) = entries
        .iter_mut()
        .rev()
        .find(|(k, _)| k.as_str() == Some(key))?;
    match &mut value.value {
        NodeValue::Seq(items) => Some(items),
        _ => None,
    }
}

/// Append to the list `key`, creating it (or replacing a null) as needed. A
/// key holding something else is left alone: the core reports it.
fn append(node: &mut Node<Origin>, key: &str, item: Node<Origin>) {
    let origin = item.span;
    let Some(entries) = entries_mut(node) else {
        return;
    };
    match entries
        .iter_mut()
        .rev()
        .find(|(k, _)| k.as_str() == Some(key))
    {
        Some((_, value)) => match &mut value.value {
            NodeValue::Seq(items) => items.push(item),
            NodeValue::Null => *value = seq(vec![item], origin),
            _ => {}
        },
        None => entries.push((text(key, origin), seq(vec![item], origin))),
    }
}
