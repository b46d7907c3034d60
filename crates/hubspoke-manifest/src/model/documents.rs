//! The first passes over the parsed files: every kustomization.yaml, then every
//! Kubernetes object, becomes a model entry, except the documents of files that
//! kustomization.yaml files name only as generator input (data, not manifests); then
//! the files they name only as patches are marked (they define nothing).

use std::collections::BTreeSet;

use rayon::prelude::*;

use super::paths::base_name;
use super::slim::model_body;
use super::types::{DocRef, KustomizeFile, ModelObject, RepoModel};
use super::Builder;
use crate::document::Document;
use crate::ParsedFile;

impl Builder<'_> {
    /// Every kustomization.yaml, then every Kubernetes object of the parsed files that
    /// are not generator data, in file and document order (an object's id is its index).
    pub(super) fn collect_documents(&self, model: &mut RepoModel) {
        // kustomization.yaml files first: they say which files are only data.
        for (file_idx, file) in self.files.iter().enumerate() {
            let repo_path = &file.source.repo_path;
            if !is_kustomize_file_name(repo_path) {
                continue;
            }
            for document in file.documents.iter().filter(|d| is_kustomize_config(d)) {
                model.kustomize_files.push(self.kustomize_file(
                    repo_path,
                    document.index,
                    &document.root,
                ));
                model.kustomize_locations.push(DocRef {
                    file: file_idx,
                    document: document.index,
                });
            }
        }
        model.data_files = data_files(&model.kustomize_files);
        // Each file's objects (their slim bodies are most of the model's time) are made
        // on the pool's threads, then numbered in file and document order.
        let data_files = &model.data_files;
        let per_file: Vec<Vec<(ModelObject, DocRef)>> = self
            .files
            .par_iter()
            .enumerate()
            .map(|(file_idx, file)| {
                if data_files.contains(&file.source.repo_path) {
                    return Vec::new();
                }
                self.file_objects(file_idx, file)
            })
            .collect();
        for (mut object, location) in per_file.into_iter().flatten() {
            object.id = model.objects.len();
            model.objects.push(object);
            model.locations.push(location);
        }
    }

    /// The model objects of one file that is not generator data (ids still unset).
    fn file_objects(&self, file_idx: usize, file: &ParsedFile) -> Vec<(ModelObject, DocRef)> {
        let repo_path = &file.source.repo_path;
        let is_kustomize_file = is_kustomize_file_name(repo_path);
        let mut objects = Vec::new();
        for document in &file.documents {
            if is_kustomize_file && is_kustomize_config(document) {
                continue;
            }
            let Some(meta) = &document.object else {
                continue;
            };
            let sops = document.root.get("sops").is_some();
            let body = model_body(&document.root, meta, self.options);
            let identity = document.locate(&[]).span.start;
            objects.push((
                ModelObject {
                    id: 0,
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
                },
                DocRef {
                    file: file_idx,
                    document: document.index,
                },
            ));
        }
        objects
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

/// `kustomization.yaml`, `kustomization.yml` or `Kustomization`: the names kustomize reads.
fn is_kustomize_file_name(repo_path: &str) -> bool {
    matches!(
        base_name(repo_path),
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}

/// A document of a kustomization.yaml that configures kustomize: a `kustomize.config.k8s.io`
/// object, or one without `apiVersion` and `kind` (both are optional there).
fn is_kustomize_config(document: &Document) -> bool {
    document
        .object
        .as_ref()
        .is_none_or(|o| o.group() == "kustomize.config.k8s.io")
}

/// Files kustomization.yaml files name only as data (generator inputs, Helm values):
/// a file also named as anything else (a resource, a patch) is a manifest.
fn data_files(kustomize_files: &[KustomizeFile]) -> BTreeSet<String> {
    let mut data = BTreeSet::new();
    let mut other = BTreeSet::new();
    for r in kustomize_files
        .iter()
        .flat_map(|kf| &kf.references)
        .filter(|r| r.exists && !r.target.is_empty())
    {
        if r.is_data() {
            data.insert(r.target.as_str());
        } else {
            other.insert(r.target.as_str());
        }
    }
    data.difference(&other).map(|s| (*s).to_owned()).collect()
}
