//! What the linted files contribute: their CustomResourceDefinitions (converted,
//! or reported as `schema/invalid-crd`) and the files their kustomization.yaml
//! files name as patches (partial objects).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use hubspoke_manifest::yaml::NodeValue;
use hubspoke_manifest::{Document, SourceFile};

use super::compile::{CrdEntry, Origin};
use super::{gvk_key, label, Finding, RelatedLocation, Schemas};
use crate::crd::{self, CrdProblem};
use crate::rules;

impl Schemas {
    pub(super) fn read_crd(&mut self, source: &SourceFile, document: &Document) {
        let Some(meta) = &document.object else {
            return;
        };
        if meta.kind != "CustomResourceDefinition"
            || !meta.api_version.starts_with("apiextensions.k8s.io/")
        {
            return;
        }
        let value = document.root.to_json();
        let (versions, problems) = crd::crd_versions(&value, self.options.strict);
        if self.enabled(rules::INVALID_CRD) {
            for CrdProblem {
                path,
                message,
                version,
            } in problems
            {
                let located = document.locate(&path);
                if let Some((api_version, kind)) = version {
                    self.invalid_repository
                        .entry(gvk_key(&api_version, &kind))
                        .or_insert_with(|| RelatedLocation {
                            file: source.path.clone(),
                            region: Some(source.region(located.span)),
                            message: format!(
                                "the invalid schema of {api_version} {kind} in {}",
                                label(meta)
                            ),
                        });
                }
                let finding = Finding {
                    rule: rules::INVALID_CRD.to_owned(),
                    severity: self.severity(rules::INVALID_CRD),
                    message: format!("{}: {message}", label(meta)),
                    file: source.path.clone(),
                    region: Some(source.region(located.span)),
                    object: Some(meta.clone()),
                    path: path.into(),
                    related: Vec::new(),
                    effective_namespace: None,
                    clusters: Vec::new(),
                };
                self.crd_findings
                    .entry(source.path.clone())
                    .or_default()
                    .push(finding);
            }
        }
        for version in versions {
            let key = gvk_key(&version.api_version, &version.kind);
            let region = Some(source.region(document.locate(&version.path).span));
            self.repository.entry(key).or_insert_with(|| CrdEntry {
                schema: version.schema,
                origin: Some(Origin {
                    source: source.clone(),
                    document: document.index,
                    path: version.path.clone(),
                    region,
                    object: Some(meta.clone()),
                }),
                embedded: None,
                validator: OnceLock::new(),
            });
        }
    }
}

/// File names kustomize reads as its configuration.
const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Record the files a kustomization.yaml names in `patches[].path`, `patchesStrategicMerge`
/// and `patchesJson6902[].path`, as repository paths.
pub(super) fn read_patches(source: &SourceFile, document: &Document, out: &mut BTreeSet<String>) {
    let (dir, name) = match source.repo_path.rsplit_once('/') {
        Some((dir, name)) => (dir, name),
        None => ("", source.repo_path.as_str()),
    };
    if !KUSTOMIZATION_FILES.contains(&name)
        || document
            .object
            .as_ref()
            .is_some_and(|m| m.group() != "kustomize.config.k8s.io")
    {
        return;
    }
    let root = &document.root;
    let mut add = |raw: &str| {
        if raw.contains("://") || raw.contains("${") {
            return;
        }
        if let Some(path) = hubspoke_manifest::normalize(dir, raw) {
            out.insert(path);
        }
    };
    if let Some(NodeValue::Seq(items)) = root.get("patchesStrategicMerge").map(|n| &n.value) {
        items.iter().filter_map(|n| n.as_str()).for_each(&mut add);
    }
    for key in ["patches", "patchesJson6902"] {
        if let Some(NodeValue::Seq(items)) = root.get(key).map(|n| &n.value) {
            items
                .iter()
                .filter_map(|n| n.get("path").and_then(|p| p.as_str()))
                .for_each(&mut add);
        }
    }
}
