//! How Flux is bootstrapped, which decides what a cluster is and which sources
//! are this repository: the FluxInstances of the Flux Operator (their
//! `spec.sync` is a cluster's bootstrap), the `<dir>/flux-system/` directories
//! that hold a bootstrap (generated `gotk-*.yaml` files, a FluxInstance, the
//! `flux-system` Kustomization), and the directories they sync.
//!
//! A `flux-system/` folder alone is not a bootstrap: home labs keep the
//! manifests of the `flux-system` namespace in `apps/flux-system/`, which is
//! not a cluster.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::flux::flux_path_base;
use super::paths::{base_name, is_remote, is_templated, normalize, normalize_git_url, parent_dir};
use super::types::{
    FluxInstance, FluxSync, ModelObject, PathRef, RepoModel, SourceRoot, FLUX_KUSTOMIZE_GROUP,
    FLUX_OPERATOR_GROUP, FLUX_SOURCE_GROUP,
};
use super::{str_at, value_at, Builder};

/// The name of the directory, source and Kustomization `flux bootstrap` writes.
pub(super) const FLUX_SYSTEM: &str = "flux-system";

/// Files `flux bootstrap` generates in `<dir>/flux-system/`.
fn is_generated_bootstrap_file(name: &str) -> bool {
    matches!(name, "gotk-components.yaml" | "gotk-sync.yaml")
}

/// A FluxInstance object.
pub(super) fn is_flux_instance(o: &ModelObject) -> bool {
    !o.patch && o.group == FLUX_OPERATOR_GROUP && o.kind == "FluxInstance"
}

/// A Flux Kustomization named `flux-system`: the sync object of a bootstrap.
fn is_flux_system_kustomization(o: &ModelObject) -> bool {
    !o.patch
        && o.group == FLUX_KUSTOMIZE_GROUP
        && o.kind == "Kustomization"
        && o.name == FLUX_SYSTEM
}

/// The branch a Git reference follows: `refs/heads/<branch>` (a FluxInstance's
/// `spec.sync.ref`); tags, commits and semver ranges follow none.
fn branch_of_ref(reference: &str) -> Option<&str> {
    reference.strip_prefix("refs/heads/")
}

/// The sources that are this repository, to decide whether a Flux Kustomization
/// reconciles a path of this tree.
#[derive(Debug, Default)]
pub(super) struct LocalSources {
    /// `(normalised URL, branch)` of the bootstrap sources; a GitRepository with the
    /// URL that follows no other branch is this repository too.
    urls: Vec<(String, Option<String>)>,
    /// `(namespace, name)` of the GitRepositories known to be this repository: those the
    /// bootstrap Kustomizations use, and the one a FluxInstance's sync creates.
    repositories: BTreeSet<(String, String)>,
}

impl LocalSources {
    /// Whether a GitRepository with this URL and branch is this repository: the URL of a
    /// bootstrap source, and not another branch (tags and commits are versions of this tree).
    fn url_is_local(&self, url: &str, branch: Option<&str>) -> bool {
        let url = normalize_git_url(url);
        self.urls.iter().any(|(u, b)| {
            *u == url
                && match (b.as_deref(), branch) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                }
        })
    }

    /// Whether `sourceRef` `kind ns/name` is this repository.
    pub(super) fn contains(&self, kind: &str, namespace: &str, name: &str) -> bool {
        kind == "GitRepository"
            && (name == FLUX_SYSTEM
                || self
                    .repositories
                    .contains(&(namespace.to_owned(), name.to_owned())))
    }
}

impl Builder<'_> {
    /// Every FluxInstance with its sync and tenancy settings: the FluxInstance objects,
    /// and the HelmReleases of the `flux-instance` chart, read as the FluxInstance they
    /// render (`instance_chart`). Malformed fields (a `spec.sync` that is not a mapping, a
    /// `multitenant` that is not a boolean) are read as absent: schema validation reports
    /// them at their line.
    pub(super) fn collect_flux_instances(
        &self,
        model: &mut RepoModel,
        kustomize_by_dir: &BTreeMap<String, usize>,
    ) {
        let mut instances = Vec::new();
        for object in &model.objects {
            // The Flux Operator runs in flux-system and reads FluxInstances there; a
            // chart's FluxInstance lands in its release namespace.
            let own_namespace = || self.kustomize_or_own_namespace(object, model, kustomize_by_dir);
            let (spec, spec_path, namespace) = if is_flux_instance(object) {
                let spec = value_at(&object.body, &["spec"])
                    .cloned()
                    .unwrap_or(Value::Null);
                (spec, vec!["spec"], own_namespace())
            } else if self.installs_flux_instance_chart(object, model) {
                let namespace = str_at(&object.body, &["spec", "targetNamespace"])
                    .map(str::to_owned)
                    .or_else(own_namespace);
                let spec = self.chart_instance_spec(object, model);
                (spec, vec!["spec", "values", "instance"], namespace)
            } else {
                continue;
            };
            let namespace = namespace.unwrap_or_else(|| FLUX_SYSTEM.to_owned());
            instances.push(self.flux_instance(object.id, &spec, &spec_path, namespace));
        }
        model.flux_instances = instances;
    }

    /// A FluxInstance from its `spec`, whose fields are at `spec_path` in object `id`.
    fn flux_instance(
        &self,
        id: usize,
        spec: &Value,
        spec_path: &[&str],
        namespace: String,
    ) -> FluxInstance {
        let sync = spec
            .get("sync")
            .filter(|sync| sync.is_object())
            .and_then(|sync| {
                let text = |key: &str| sync.get(key).and_then(Value::as_str);
                let field_path = spec_path
                    .iter()
                    .chain(&["sync", "path"])
                    .map(|k| Value::from(*k))
                    .collect();
                Some(FluxSync {
                    kind: text("kind")?.to_owned(),
                    name: text("name")
                        .filter(|name| !name.is_empty())
                        .map_or_else(|| namespace.clone(), str::to_owned),
                    namespace: namespace.clone(),
                    url: text("url").map(str::to_owned),
                    reference: text("ref").map(str::to_owned),
                    path: text("path").map(|raw| self.path_ref(".", raw, field_path)),
                    pull_secret: text("pullSecret").map(str::to_owned),
                })
            });
        let cluster = spec.get("cluster");
        let multitenant = cluster
            .and_then(|c| c.get("multitenant"))
            .and_then(Value::as_bool)
            == Some(true);
        let default_service_account = multitenant.then(|| {
            cluster
                .and_then(|c| c.get("tenantDefaultServiceAccount"))
                .and_then(Value::as_str)
                .filter(|sa| !sa.is_empty())
                .unwrap_or("default")
                .to_owned()
        });
        let kustomize_patches = spec
            .get("kustomize")
            .and_then(|k| k.get("patches"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        FluxInstance {
            object: id,
            sync,
            multitenant,
            default_service_account,
            cluster: None,
            files: Vec::new(),
            kustomize_patches,
        }
    }

    /// The directory a FluxInstance syncs, when it is a directory of this tree.
    pub(super) fn synced_directory(path: Option<&PathRef>) -> Option<&str> {
        path.filter(|p| p.exists && !p.escapes && !p.unresolved)
            .map(|p| p.target.as_str())
    }

    /// The files each FluxInstance's sync applies (its directory's kustomization.yaml
    /// closure, or what Flux generates for a directory without one).
    pub(super) fn collect_flux_instance_files(
        &self,
        model: &mut RepoModel,
        kustomize_by_dir: &BTreeMap<String, usize>,
    ) {
        let files: Vec<Vec<String>> = model
            .flux_instances
            .iter()
            .map(|instance| {
                let path = instance.sync.as_ref().and_then(|s| s.path.as_ref());
                Self::synced_directory(path)
                    .map(|dir| self.applied_files(dir, kustomize_by_dir, model))
                    .unwrap_or_default()
            })
            .collect();
        for (instance, files) in model.flux_instances.iter_mut().zip(files) {
            instance.files = files;
        }
    }

    /// The `<dir>/flux-system` directories that hold a bootstrap: the files `flux
    /// bootstrap` generates (`gotk-components.yaml`, `gotk-sync.yaml`), a kustomization.yaml
    /// naming them (they may be generated and not committed), a FluxInstance, or the
    /// `flux-system` Kustomization.
    pub(super) fn bootstrap_directories(&self, model: &RepoModel) -> BTreeSet<String> {
        let in_flux_system = |file: &str| {
            let dir = parent_dir(file);
            (base_name(&dir) == FLUX_SYSTEM).then_some(dir)
        };
        let mut out = BTreeSet::new();
        for file in self.file_index.keys() {
            if is_generated_bootstrap_file(base_name(file)) {
                out.extend(in_flux_system(file));
            }
        }
        for kf in &model.kustomize_files {
            if kf
                .references
                .iter()
                .any(|r| r.is_resource() && is_generated_bootstrap_file(base_name(&r.raw)))
            {
                out.extend(in_flux_system(&kf.file));
            }
        }
        for object in &model.objects {
            if is_flux_system_kustomization(object) {
                out.extend(in_flux_system(&object.file));
            }
        }
        for instance in &model.flux_instances {
            out.extend(in_flux_system(&model.objects[instance.object].file));
        }
        out
    }

    /// Whether `object` is the sync Kustomization of a bootstrap directory.
    pub(super) fn is_bootstrap_kustomization(&self, object: &ModelObject) -> bool {
        is_flux_system_kustomization(object)
            && self.bootstrap_dirs.contains(&parent_dir(&object.file))
    }

    /// The source roots below the linted root: for each bootstrap Kustomization whose
    /// `spec.path`, read from the linted root, is not the directory holding its own
    /// `flux-system/` folder, the ancestor of its file from which that path is (Flux
    /// resolves `spec.path` from the artifact root, and `flux bootstrap` writes the sync
    /// manifests into the directory they sync). `namespace_of` gives an object's namespace.
    pub(super) fn source_roots(
        &self,
        model: &RepoModel,
        namespace_of: impl Fn(&ModelObject) -> String,
    ) -> Vec<SourceRoot> {
        let mut roots = BTreeSet::new();
        for object in model
            .objects
            .iter()
            .filter(|o| self.is_bootstrap_kustomization(o))
        {
            if str_at(&object.body, &["spec", "sourceRef", "kind"]) != Some("GitRepository") {
                continue;
            }
            let (Some(raw), Some(name)) = (
                str_at(&object.body, &["spec", "path"]),
                str_at(&object.body, &["spec", "sourceRef", "name"]),
            ) else {
                continue;
            };
            if is_remote(raw) || is_templated(raw) {
                continue;
            }
            // The directory the bootstrap syncs holds its `flux-system/` folder.
            let synced = parent_dir(&parent_dir(&object.file));
            let Some(directory) = root_syncing(&synced, raw) else {
                continue;
            };
            if directory == "." {
                continue;
            }
            let namespace = str_at(&object.body, &["spec", "sourceRef", "namespace"])
                .map_or_else(|| namespace_of(object), str::to_owned);
            roots.insert(SourceRoot {
                directory,
                namespace,
                name: name.to_owned(),
            });
        }
        roots.into_iter().collect()
    }

    /// Cluster directories, named after their last component: each child of the
    /// clusters directory; each directory holding a bootstrap in `flux-system/`
    /// (`hub/flux-system/` makes the cluster `hub`); and each directory a bootstrap
    /// syncs (a FluxInstance's `spec.sync.path`, the `flux-system` Kustomization's
    /// `spec.path`). The first directory of a name wins.
    pub(super) fn cluster_directories(
        &self,
        model: &RepoModel,
        kustomize_by_dir: &BTreeMap<String, usize>,
    ) -> BTreeMap<String, String> {
        let clusters_dir = self.options.clusters_dir.as_str();
        let prefix = format!("{clusters_dir}/");
        let mut out = BTreeMap::new();
        let mut names = BTreeSet::new();
        for dir in &self.directories {
            if dir != "." && parent_dir(dir) == clusters_dir {
                out.insert(dir.clone(), base_name(dir).to_owned());
                names.insert(base_name(dir).to_owned());
            }
        }
        let synced = model
            .flux_instances
            .iter()
            .filter_map(|i| Self::synced_directory(i.sync.as_ref()?.path.as_ref()))
            .map(str::to_owned)
            .chain(
                model
                    .objects
                    .iter()
                    .filter(|o| self.is_bootstrap_kustomization(o))
                    .filter_map(|o| {
                        let raw = str_at(&o.body, &["spec", "path"])?;
                        let namespace = self.early_namespace(o, model, kustomize_by_dir);
                        let base = flux_path_base(o, &namespace, model);
                        let path = self.path_ref(base, raw, Vec::new());
                        Self::synced_directory(Some(&path)).map(str::to_owned)
                    }),
            );
        let candidates: Vec<String> = self
            .bootstrap_dirs
            .iter()
            .map(|flux_dir| parent_dir(flux_dir))
            .chain(synced)
            .collect();
        for dir in candidates {
            if dir == "." || dir == clusters_dir || dir.starts_with(&prefix) {
                continue;
            }
            if !self.directories.contains(&dir) || out.contains_key(&dir) {
                continue;
            }
            let name = base_name(&dir).to_owned();
            if names.insert(name.clone()) {
                out.insert(dir, name);
            }
        }
        out
    }

    /// The sources that are this repository. `namespace_of` gives an object's namespace
    /// (as far as it is known at this stage).
    pub(super) fn local_sources(
        &self,
        model: &RepoModel,
        namespace_of: impl Fn(&ModelObject) -> String,
    ) -> LocalSources {
        let mut local = LocalSources::default();
        let is_git_repository =
            |o: &ModelObject| !o.patch && o.group == FLUX_SOURCE_GROUP && o.kind == "GitRepository";
        let url_and_branch = |o: &ModelObject| {
            let url = str_at(&o.body, &["spec", "url"])?;
            Some((
                normalize_git_url(url),
                str_at(&o.body, &["spec", "ref", "branch"]).map(str::to_owned),
            ))
        };
        // The sources the bootstrap Kustomizations follow.
        let mut bootstrap_refs: BTreeSet<(String, String)> = BTreeSet::new();
        for o in model
            .objects
            .iter()
            .filter(|o| self.is_bootstrap_kustomization(o))
        {
            if str_at(&o.body, &["spec", "sourceRef", "kind"]) == Some("GitRepository") {
                if let Some(name) = str_at(&o.body, &["spec", "sourceRef", "name"]) {
                    let namespace = str_at(&o.body, &["spec", "sourceRef", "namespace"])
                        .map_or_else(|| namespace_of(o), str::to_owned);
                    bootstrap_refs.insert((namespace, name.to_owned()));
                }
            }
        }
        for o in model.objects.iter().filter(|o| is_git_repository(o)) {
            let key = (namespace_of(o), o.name.clone());
            if o.name == FLUX_SYSTEM || bootstrap_refs.contains(&key) {
                local.urls.extend(url_and_branch(o));
            }
        }
        for instance in &model.flux_instances {
            let Some(sync) = &instance.sync else { continue };
            if sync.kind == "GitRepository" {
                local
                    .repositories
                    .insert((sync.namespace.clone(), sync.name.clone()));
                if let Some(url) = &sync.url {
                    local.urls.push((
                        normalize_git_url(url),
                        sync.reference
                            .as_deref()
                            .and_then(branch_of_ref)
                            .map(str::to_owned),
                    ));
                }
            }
        }
        local.repositories.extend(bootstrap_refs);
        for o in model.objects.iter().filter(|o| is_git_repository(o)) {
            let Some(url) = str_at(&o.body, &["spec", "url"]) else {
                continue;
            };
            if local.url_is_local(url, str_at(&o.body, &["spec", "ref", "branch"])) {
                local.repositories.insert((namespace_of(o), o.name.clone()));
            }
        }
        local
    }
}

/// The directory from which `raw` (a `spec.path`) is `synced`: `synced` with `raw`'s
/// components taken off its end (`.` when `raw` read from the root is `synced`); `None`
/// when `synced` does not end with them or `raw` climbs with `..`.
fn root_syncing(synced: &str, raw: &str) -> Option<String> {
    let wanted = normalize(".", raw)?;
    if wanted == synced {
        return Some(".".to_owned());
    }
    if wanted == "." || raw.split('/').any(|part| part == "..") {
        return None;
    }
    synced
        .strip_suffix(wanted.as_str())?
        .strip_suffix('/')
        .filter(|root| !root.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bootstrap_path_names_the_root_it_is_read_from() {
        assert_eq!(
            root_syncing("repos/system/clusters/mgmt", "./clusters/mgmt").as_deref(),
            Some("repos/system")
        );
        assert_eq!(
            root_syncing("clusters/mgmt", "./clusters/mgmt").as_deref(),
            Some(".")
        );
        // A path that is not the end of the directory, or climbs, names no root.
        assert_eq!(
            root_syncing("repos/system/clusters/template", "./clusters/x"),
            None
        );
        assert_eq!(root_syncing("repos/xclusters/mgmt", "clusters/mgmt"), None);
        assert_eq!(root_syncing("a/b/c", "../b/c"), None);
        assert_eq!(root_syncing("a/b", "./"), None);
    }

    #[test]
    fn only_branch_refs_name_a_branch() {
        assert_eq!(branch_of_ref("refs/heads/main"), Some("main"));
        assert_eq!(branch_of_ref("refs/tags/v1.0.0"), None);
        assert_eq!(branch_of_ref("main"), None);
    }
}
