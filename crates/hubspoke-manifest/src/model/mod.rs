//! The repository model: what a hub-and-spoke repository declares across files
//! and clusters, computed once per run in linear time and handed to repository
//! rules as JSON.
//!
//! Rust resolves the facts (paths, references, effective namespaces, which
//! cluster each file lands on); Rego rules only judge them. Every object keeps
//! its `(file, document)` so that findings land on the exact field.
//!
//! [`RepoModel::build`] runs the stages of `Builder::build` in order. The modules,
//! in dependency order: each uses only the ones listed before it, and this module's
//! `Builder` and its JSON readers `value_at` and `str_at`.
//!
//! 1. `types`: the model's data types (what repository rules receive);
//! 2. `paths`: repository path arithmetic, and path references resolved in the tree;
//! 3. `slim`: how much of an object's body the model and the repository rules keep;
//! 4. `selector`: kustomize patch targets (anchored regular expressions, label selectors);
//! 5. `kustomize`: kustomization.yaml files and the files they name, patches' documents;
//! 6. `documents`: kustomization.yaml files, then objects from the parsed documents (not
//!    from generator inputs, which are data); patch files;
//! 7. `namespaces`: cluster-scoped kinds and effective namespaces;
//! 8. `instance_chart`, `bootstrap`: FluxInstances (and the HelmReleases of the
//!    `flux-instance` chart that render one), `flux-system/` bootstrap directories, cluster
//!    directories, the sources that are this repository;
//! 9. `generated`, `producers`: objects other objects generate (ArtifactGenerator outputs, a
//!    FluxInstance's sync, the Secrets of ExternalSecrets, OnePasswordItems, Certificates...);
//! 10. `clusters`: where a path or kubeconfig leads, cluster assignment, unapplied files, labels;
//! 11. `flux`: Flux Kustomizations (local source, applied files) and HelmReleases;
//! 12. `kubeconfig`: patches that add a kubeConfig and send their targets to another cluster;
//! 13. `parent_patches`: the fields a parent Flux Kustomization's `spec.patches` may set;
//!     `controllers`: the Flux controllers' flags each cluster's bootstrap sets;
//!     then `profile`: the profile configured, or detected from clusters and flags;
//! 14. `references`: `sourceRef`, `dependsOn`, `valuesFrom`... looked up in the index;
//! 15. `cycles`: `dependsOn` cycles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::parse::ParsedFile;

mod bootstrap;
mod clusters;
mod controllers;
mod cycles;
mod documents;
mod flux;
mod generated;
mod instance_chart;
mod kubeconfig;
mod kustomize;
mod namespaces;
mod parent_patches;
mod paths;
mod producers;
mod profile;
mod references;
mod selector;
mod slim;
mod types;

pub use namespaces::is_cluster_scoped;
pub use paths::{normalize, normalize_git_url};
pub use slim::{model_body, repository_rules_skip_data, IDENTITY_FIELDS};
pub use types::{
    builtin_producers, index_key, ChartValuesSource, Cluster, DeclaredExternalSecret, DocRef,
    FluxInstance, FluxKustomization, FluxSync, HelmRelease, KustomizeFile, ModelObject,
    ModelOptions, ObjectProducer, ObjectRef, Origin, PathRef, Profile, RepoModel, SourceRoot,
    FLUX_HELM_GROUP, FLUX_KUSTOMIZE_GROUP, FLUX_OPERATOR_GROUP, FLUX_SOURCE_EXTENSIONS_GROUP,
    FLUX_SOURCE_GROUP,
};

use cycles::dependency_cycles;
use paths::directories_of;
use references::resolve_references;

/// What every stage of the build reads: the parsed files and where they are.
struct Builder<'a> {
    files: &'a [&'a ParsedFile],
    root: &'a Path,
    options: &'a ModelOptions,
    file_index: BTreeMap<String, usize>,
    directories: BTreeSet<String>,
    /// Cluster directory → cluster name (known once the documents are read).
    cluster_dirs: BTreeMap<String, String>,
    /// `<dir>/flux-system` directories holding a Flux bootstrap.
    bootstrap_dirs: BTreeSet<String>,
}

impl RepoModel {
    /// Build the model of parsed files found under `root`.
    pub fn build(files: &[&ParsedFile], root: &Path, options: &ModelOptions) -> RepoModel {
        let file_index: BTreeMap<String, usize> = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.source.repo_path.clone(), i))
            .collect();
        let directories = directories_of(file_index.keys());
        let builder = Builder {
            files,
            root,
            options,
            file_index,
            directories,
            cluster_dirs: BTreeMap::new(),
            bootstrap_dirs: BTreeSet::new(),
        };
        builder.build()
    }

    /// The model as the JSON repository rules see as `input`.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Derive again what depends on the objects' identities and bodies after they were
    /// changed or added (the pipeline's render stage gives each object what its
    /// clusters receive): the index, the kinds, the resolved references of Flux
    /// Kustomizations and HelmReleases, and the `dependsOn` cycles. Cluster membership,
    /// labels and the Flux graph's paths stay as the build computed them.
    pub fn reindex(&mut self) {
        self.index.clear();
        self.kinds.clear();
        self.index_objects();
        resolve_references(self);
        self.dependency_cycles = dependency_cycles(self);
    }

    /// `index` and `kinds` from the objects (patches define nothing).
    fn index_objects(&mut self) {
        for object in self.objects.iter().filter(|o| !o.patch) {
            let ns = object.effective_namespace.as_deref().unwrap_or("");
            self.index
                .entry(index_key(&object.group, &object.kind, ns, &object.name))
                .or_default()
                .push(object.id);
            // An unapplied object (in a file no kustomization or Flux Kustomization
            // applies) is findable by its identity but reaches no cluster, so it is not
            // one of the kinds the repository rules enumerate.
            if !object.unapplied {
                self.kinds
                    .entry(format!("{}/{}", object.group, object.kind))
                    .or_default()
                    .push(object.id);
            }
        }
    }
}

impl Builder<'_> {
    /// The stages, in the order their inputs need: bootstraps (which read the
    /// documents) before anything asks which cluster a path is in; namespaces before
    /// kubeconfig patches (targets match on them); clusters before the index is used by
    /// references and cycles (a reference prefers a definition on its own cluster).
    fn build(mut self) -> RepoModel {
        let mut model = RepoModel {
            objects: Vec::new(),
            index: BTreeMap::new(),
            kinds: BTreeMap::new(),
            kustomize_files: Vec::new(),
            flux_kustomizations: Vec::new(),
            helm_releases: Vec::new(),
            clusters: Vec::new(),
            flux_instances: Vec::new(),
            profile: Profile::SingleTenant,
            profile_reason: String::new(),
            generated: BTreeMap::new(),
            dependency_cycles: Vec::new(),
            files: self.file_index.keys().cloned().collect(),
            data_files: BTreeSet::new(),
            external_secrets: self.options.external_secrets.clone(),
            directories: self.directories.clone(),
            directory_clusters: BTreeMap::new(),
            parent_patched_fields: BTreeMap::new(),
            source_roots: Vec::new(),
            chart_values_sources: Vec::new(),
            locations: Vec::new(),
            kustomize_locations: Vec::new(),
        };
        self.collect_documents(&mut model);
        self.mark_source_ignored(&mut model);
        let kustomize_by_dir: BTreeMap<String, usize> = model
            .kustomize_files
            .iter()
            .enumerate()
            .map(|(i, k)| (k.dir.clone(), i))
            .collect();
        self.mark_patches(&mut model);
        self.collect_flux_instances(&mut model, &kustomize_by_dir);
        self.collect_chart_values_sources(&mut model);
        self.bootstrap_dirs = self.bootstrap_directories(&model);
        model.source_roots = self.source_roots(&model, |o| {
            self.early_namespace(o, &model, &kustomize_by_dir)
        });
        self.cluster_dirs = self.cluster_directories(&model, &kustomize_by_dir);
        let local = self.local_sources(&model, |o| {
            self.early_namespace(o, &model, &kustomize_by_dir)
        });
        self.collect_flux_kustomizations(&mut model, &kustomize_by_dir, &local);
        self.collect_helm_releases(&mut model);
        self.resolve_namespaces(&mut model, &kustomize_by_dir);
        // A source and its Kustomization may share a namespace only through a
        // targetNamespace, known now: look again at the sources not found local.
        if self.find_more_local_sources(&mut model, &kustomize_by_dir) {
            self.resolve_namespaces(&mut model, &kustomize_by_dir);
        }
        self.collect_flux_instance_files(&mut model, &kustomize_by_dir);
        self.apply_kubeconfig_patches(&mut model, &kustomize_by_dir);
        self.assign_clusters(&mut model, &kustomize_by_dir);
        self.collect_parent_patched_fields(&mut model);
        model.index_objects();
        self.collect_generated(&mut model);
        self.collect_controller_args(&mut model);
        // The profile reads the clusters' roles and the controllers' flags.
        let (profile, reason) = match self.options.profile {
            Some(profile) => (profile, "configured"),
            None => profile::detect_profile(&model),
        };
        model.profile = profile;
        model.profile_reason = reason.to_owned();
        self.collect_cluster_labels(&mut model);
        resolve_references(&mut model);
        model.dependency_cycles = dependency_cycles(&model);
        model
    }
}

/// The value at a key path of a JSON body (`["spec", "sourceRef"]`).
fn value_at<'v>(body: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(body, |v, key| v.get(*key))
}

/// The string at a key path of a JSON body (`["spec", "sourceRef", "name"]`).
fn str_at<'v>(body: &'v Value, path: &[&str]) -> Option<&'v str> {
    value_at(body, path)?.as_str()
}

#[cfg(test)]
mod tests;
