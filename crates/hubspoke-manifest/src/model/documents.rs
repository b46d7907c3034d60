//! The first pass over the parsed files: every Kubernetes object and every
//! kustomization.yaml becomes a model entry; then the files that kustomization.yaml
//! files name only as patches are marked (they define nothing).

use std::collections::BTreeSet;

use super::paths::base_name;
use super::slim::{reads_body, repository_rules_skip_data, slim_body};
use super::types::{DocRef, ModelObject, RepoModel};
use super::Builder;

impl Builder<'_> {
    /// Every Kubernetes object and kustomization.yaml of the parsed files, in file
    /// and document order (an object's id is its index).
    pub(super) fn collect_documents(&self, model: &mut RepoModel) {
        for (file_idx, file) in self.files.iter().enumerate() {
            let repo_path = &file.source.repo_path;
            let file_name = base_name(repo_path);
            let is_kustomize_file = matches!(
                file_name,
                "kustomization.yaml" | "kustomization.yml" | "Kustomization"
            );
            for document in &file.documents {
                let doc_ref = DocRef {
                    file: file_idx,
                    document: document.index,
                };
                let is_kustomize_config = document.object.as_ref().map_or(is_kustomize_file, |o| {
                    o.group() == "kustomize.config.k8s.io"
                });
                if is_kustomize_config && is_kustomize_file {
                    model.kustomize_files.push(self.kustomize_file(
                        repo_path,
                        document.index,
                        &document.root,
                    ));
                    model.kustomize_locations.push(doc_ref);
                    continue;
                }
                let Some(meta) = &document.object else {
                    continue;
                };
                let sops = document.root.get("sops").is_some();
                let body = if self.options.slim_bodies && !reads_body(meta, self.options)
                    || repository_rules_skip_data(meta, self.options)
                {
                    slim_body(&document.root)
                } else {
                    document.root.to_json()
                };
                let identity = document.locate(&[]).span.start;
                model.objects.push(ModelObject {
                    id: model.objects.len(),
                    file: repo_path.clone(),
                    document: document.index,
                    line: identity.line,
                    column: identity.col + 1,
                    api_version: meta.api_version.clone(),
                    group: meta.group().to_owned(),
                    kind: meta.kind.clone(),
                    name: meta.name.clone().unwrap_or_default(),
                    namespace: meta.namespace.clone(),
                    effective_namespace: meta.namespace.clone(),
                    clusters: Vec::new(),
                    sops,
                    patch: false,
                    unapplied: false,
                    body,
                });
                model.locations.push(doc_ref);
            }
        }
    }

    /// Objects of files that kustomization.yaml files name only as patches are patches.
    pub(super) fn mark_patches(&self, model: &mut RepoModel) {
        let mut patches = BTreeSet::new();
        let mut resources = BTreeSet::new();
        for kf in &model.kustomize_files {
            for r in kf
                .references
                .iter()
                .filter(|r| r.exists && !r.target.is_empty())
            {
                if r.is_patch() {
                    patches.insert(r.target.as_str());
                } else if r.is_resource() {
                    resources.insert(r.target.as_str());
                }
            }
        }
        let patch_files: BTreeSet<String> = patches
            .difference(&resources)
            .map(|s| (*s).to_owned())
            .collect();
        for object in &mut model.objects {
            object.patch = patch_files.contains(&object.file);
        }
    }
}
