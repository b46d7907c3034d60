//! kustomization.yaml files: the files they name (resources, patches, generator
//! inputs, Helm values...) as path references, relative to their directory.

use serde_json::Value;

use super::paths::{normalize, parent_dir};
use super::types::{KustomizeFile, PathRef};
use super::Builder;
use crate::yaml::Node;

/// The documents of a patch written inline (`patch: |`).
pub(super) fn parse_patch_text(text: &str) -> Vec<Value> {
    crate::yaml::parse_stream(text, crate::yaml::ParseLimits::default())
        .documents
        .iter()
        .map(|d| d.root.to_json())
        .filter(|v| !v.is_null())
        .collect()
}

/// One patch of a kustomization.yaml: where it is written, its `target` (if any) and
/// its documents (inline, or read from the file it names).
pub(super) struct KustomizePatch<'k> {
    /// Field path of the patch's list item (`patches`, 0).
    pub(super) path: Vec<Value>,
    /// Its `target`; a strategic-merge patch without one selects its own kind and name.
    pub(super) target: Option<&'k Value>,
    /// Its documents (a JSON 6902 list of operations, or strategic-merge objects).
    pub(super) values: Vec<Value>,
}

impl Builder<'_> {
    /// The documents of the linted file at `raw`, relative to `dir`.
    fn documents_at(&self, dir: &str, raw: &str) -> Vec<Value> {
        normalize(dir, raw)
            .and_then(|target| self.file_index.get(&target))
            .map(|&f| {
                self.files[f]
                    .documents
                    .iter()
                    .map(|d| d.root.to_json())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every patch of a kustomization.yaml: `patches` and `patchesJson6902` (inline or
    /// from a file), and `patchesStrategicMerge` (inline or a file name).
    pub(super) fn kustomize_patches<'k>(&self, kf: &'k KustomizeFile) -> Vec<KustomizePatch<'k>> {
        let mut patches = Vec::new();
        for field in ["patches", "patchesJson6902"] {
            let Some(items) = kf.body.get(field).and_then(Value::as_array) else {
                continue;
            };
            for (i, p) in items.iter().enumerate() {
                let values = if let Some(text) = p.get("patch").and_then(Value::as_str) {
                    parse_patch_text(text)
                } else if let Some(raw) = p.get("path").and_then(Value::as_str) {
                    self.documents_at(&kf.dir, raw)
                } else {
                    continue;
                };
                patches.push(KustomizePatch {
                    path: vec![Value::from(field), Value::from(i)],
                    target: p.get("target"),
                    values,
                });
            }
        }
        if let Some(items) = kf
            .body
            .get("patchesStrategicMerge")
            .and_then(Value::as_array)
        {
            for (i, item) in items.iter().enumerate() {
                let Some(text) = item.as_str() else { continue };
                let values = if text.contains('\n') {
                    parse_patch_text(text)
                } else {
                    self.documents_at(&kf.dir, text)
                };
                patches.push(KustomizePatch {
                    path: vec![Value::from("patchesStrategicMerge"), Value::from(i)],
                    target: None,
                    values,
                });
            }
        }
        patches
    }

    /// A path written in a kustomization.yaml. Unlike Flux's `spec.path` (relative to the
    /// source root even with a leading `/`), kustomize reads an absolute path from the
    /// machine's file system: it is outside the repository and never looked at.
    fn kustomize_ref(&self, dir: &str, raw: &str, path: Vec<Value>) -> PathRef {
        if raw.starts_with('/') {
            return PathRef {
                raw: raw.to_owned(),
                target: String::new(),
                exists: false,
                escapes: true,
                absolute: true,
                unresolved: false,
                path,
            };
        }
        self.path_ref(dir, raw, path)
    }

    /// A kustomization.yaml and every file it names, resolved against its directory.
    pub(super) fn kustomize_file(
        &self,
        repo_path: &str,
        document: usize,
        root: &Node,
    ) -> KustomizeFile {
        use crate::yaml::NodeValue;
        let dir = parent_dir(repo_path);
        let mut references = Vec::new();
        fn seq(node: Option<&Node>) -> &[Node] {
            match node.map(|n| &n.value) {
                Some(NodeValue::Seq(items)) => items,
                _ => &[],
            }
        }
        // Lists of paths; an item with a line break is inline YAML (a strategic-merge
        // patch, a transformer or generator configuration), not a path.
        for field in [
            "resources",
            "components",
            "bases",
            "patchesStrategicMerge",
            "crds",
            "configurations",
            "generators",
            "transformers",
            "validators",
        ] {
            for (i, item) in seq(root.get(field)).iter().enumerate() {
                if let Some(raw) = item.as_str().filter(|raw| !raw.contains('\n')) {
                    references.push(self.kustomize_ref(
                        &dir,
                        raw,
                        vec![Value::from(field), Value::from(i)],
                    ));
                }
            }
        }
        for field in ["patches", "patchesJson6902", "replacements"] {
            for (i, item) in seq(root.get(field)).iter().enumerate() {
                if let Some(raw) = item.get("path").and_then(Node::as_str) {
                    references.push(self.kustomize_ref(
                        &dir,
                        raw,
                        vec![Value::from(field), Value::from(i), Value::from("path")],
                    ));
                }
            }
        }
        for field in ["configMapGenerator", "secretGenerator"] {
            for (i, generator) in seq(root.get(field)).iter().enumerate() {
                let at = |list: &str, j: Option<usize>| {
                    let mut path = vec![Value::from(field), Value::from(i), Value::from(list)];
                    path.extend(j.map(Value::from));
                    path
                };
                // `files` entries are `path` or `key=path`.
                for (j, item) in seq(generator.get("files")).iter().enumerate() {
                    if let Some(raw) = item.as_str() {
                        let file = raw.split_once('=').map_or(raw, |(_, file)| file);
                        let mut reference = self.kustomize_ref(&dir, file, at("files", Some(j)));
                        reference.raw = raw.to_owned();
                        references.push(reference);
                    }
                }
                for (j, item) in seq(generator.get("envs")).iter().enumerate() {
                    if let Some(raw) = item.as_str() {
                        references.push(self.kustomize_ref(&dir, raw, at("envs", Some(j))));
                    }
                }
                // The single `env:` of kustomize before v4.
                if let Some(raw) = generator.get("env").and_then(Node::as_str) {
                    references.push(self.kustomize_ref(&dir, raw, at("env", None)));
                }
            }
        }
        // Helm charts inflated by kustomize read their values from files (relative to
        // the kustomization.yaml, like every other path in it).
        for (i, chart) in seq(root.get("helmCharts")).iter().enumerate() {
            let at = |field: &str| {
                vec![
                    Value::from("helmCharts"),
                    Value::from(i),
                    Value::from(field),
                ]
            };
            if let Some(raw) = chart.get("valuesFile").and_then(Node::as_str) {
                references.push(self.kustomize_ref(&dir, raw, at("valuesFile")));
            }
            for (j, item) in seq(chart.get("additionalValuesFiles")).iter().enumerate() {
                if let Some(raw) = item.as_str() {
                    let mut path = at("additionalValuesFiles");
                    path.push(Value::from(j));
                    references.push(self.kustomize_ref(&dir, raw, path));
                }
            }
        }
        KustomizeFile {
            file: repo_path.to_owned(),
            document,
            dir,
            namespace: root
                .get("namespace")
                .and_then(Node::as_str)
                .map(str::to_owned),
            references,
            kubeconfig_patches: Vec::new(),
            source_ignored: false,
            body: root.to_json(),
        }
    }
}
