//! Flux Kustomizations and HelmReleases: whether a Kustomization's source is
//! this repository, the files it applies, and the kubeconfig each one names itself.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::Value;

use super::bootstrap::LocalSources;
use super::types::{
    FluxKustomization, HelmRelease, ModelObject, Origin, PathRef, RepoModel, FLUX_HELM_GROUP,
    FLUX_KUSTOMIZE_GROUP,
};
use super::{str_at, value_at, Builder};

/// The directory a Flux Kustomization's `spec.path` is read from (see
/// [`RepoModel::path_base`]); `namespace` is the Kustomization's.
pub(super) fn flux_path_base<'m>(
    object: &ModelObject,
    namespace: &str,
    model: &'m RepoModel,
) -> &'m str {
    let source = |key: &str| str_at(&object.body, &["spec", "sourceRef", key]);
    model.path_base(
        &object.file,
        source("kind").unwrap_or(""),
        source("namespace").unwrap_or(namespace),
        source("name").unwrap_or(""),
    )
}

impl Builder<'_> {
    /// Whether a Flux Kustomization's `spec.sourceRef` is this repository; `namespace` is
    /// the Kustomization's (a `sourceRef` without one names a source of its own namespace).
    fn takes_local_source(object: &ModelObject, namespace: &str, local: &LocalSources) -> bool {
        let source_kind = str_at(&object.body, &["spec", "sourceRef", "kind"]).unwrap_or("");
        let source_name = str_at(&object.body, &["spec", "sourceRef", "name"]).unwrap_or("");
        let source_ns =
            str_at(&object.body, &["spec", "sourceRef", "namespace"]).unwrap_or(namespace);
        local.contains(source_kind, source_ns, source_name)
    }

    /// The files a Flux Kustomization applies: those below its `spec.path` when its
    /// source is this repository (the root without a path), else none.
    /// Its own `spec.components` are applied with them.
    fn kustomization_files(
        &self,
        object: &ModelObject,
        path: Option<&PathRef>,
        local_source: bool,
        kustomize_by_dir: &BTreeMap<String, usize>,
        model: &RepoModel,
    ) -> Vec<String> {
        match (path, local_source) {
            (Some(p), true) if !p.unresolved && !p.escapes && p.exists => {
                let mut files = self.applied_files(&p.target, kustomize_by_dir, model);
                files.extend(self.component_files(object, &p.target, kustomize_by_dir, model));
                files.sort();
                files.dedup();
                files
            }
            (None, true) => self.applied_files(".", kustomize_by_dir, model),
            _ => Vec::new(),
        }
    }

    /// The Flux Kustomizations: whether their source is this repository, their
    /// resolved `spec.path`, the files they apply and the kubeconfig they name.
    pub(super) fn collect_flux_kustomizations(
        &self,
        model: &mut RepoModel,
        kustomize_by_dir: &BTreeMap<String, usize>,
        local: &LocalSources,
    ) {
        let mut flux = Vec::new();
        for object in &model.objects {
            if object.patch
                || object.group != FLUX_KUSTOMIZE_GROUP
                || object.kind != "Kustomization"
            {
                continue;
            }
            let ns = self.early_namespace(object, model, kustomize_by_dir);
            let local_source = Self::takes_local_source(object, &ns, local);
            let base = flux_path_base(object, &ns, model);
            let path = str_at(&object.body, &["spec", "path"]).map(|raw| {
                self.path_ref(base, raw, vec![Value::from("spec"), Value::from("path")])
            });
            let files = self.kustomization_files(
                object,
                path.as_ref(),
                local_source,
                kustomize_by_dir,
                model,
            );
            let kubeconfig_secret =
                str_at(&object.body, &["spec", "kubeConfig", "secretRef", "name"])
                    .map(str::to_owned);
            let remote = kubeconfig_secret
                .as_deref()
                .map(|secret| {
                    vec![self.remote_cluster(
                        object,
                        secret,
                        path.as_ref().map(|p| p.target.as_str()),
                    )]
                })
                .unwrap_or_default();
            flux.push(FluxKustomization {
                object: object.id,
                path,
                local_source,
                source_clusters: Vec::new(),
                target_clusters: Vec::new(),
                kubeconfig_from: kubeconfig_secret.as_ref().map(|_| Origin {
                    object: Some(object.id),
                    kustomize_file: None,
                    path: ["spec", "kubeConfig", "secretRef", "name"]
                        .map(Value::from)
                        .to_vec(),
                }),
                kubeconfig_secret,
                kubeconfig_patches: Vec::new(),
                files,
                source: None,
                depends_on: Vec::new(),
                substitute_from: Vec::new(),
                remote,
            });
        }
        model.flux_kustomizations = flux;
    }

    /// Look again, with the effective namespaces (targetNamespace included), at the
    /// Kustomizations whose source was not found to be this repository; `true` when one is.
    pub(super) fn find_more_local_sources(
        &self,
        model: &mut RepoModel,
        kustomize_by_dir: &BTreeMap<String, usize>,
    ) -> bool {
        let namespace_of = |o: &ModelObject| {
            o.effective_namespace
                .clone()
                .unwrap_or_else(|| "default".to_owned())
        };
        let local = self.local_sources(model, namespace_of);
        let found: Vec<(usize, Vec<String>)> = model
            .flux_kustomizations
            .iter()
            .enumerate()
            .filter(|(_, fk)| !fk.local_source)
            .filter(|(_, fk)| {
                let object = &model.objects[fk.object];
                Self::takes_local_source(object, &namespace_of(object), &local)
            })
            .map(|(i, fk)| {
                let files = self.kustomization_files(
                    &model.objects[fk.object],
                    fk.path.as_ref(),
                    true,
                    kustomize_by_dir,
                    model,
                );
                (i, files)
            })
            .collect();
        let any = !found.is_empty();
        for (i, files) in found {
            let fk = &mut model.flux_kustomizations[i];
            fk.local_source = true;
            fk.files = files;
        }
        any
    }

    /// The HelmReleases, with the kubeconfig they name.
    pub(super) fn collect_helm_releases(&self, model: &mut RepoModel) {
        model.helm_releases = model
            .objects
            .iter()
            .filter(|o| !o.patch && o.group == FLUX_HELM_GROUP && o.kind == "HelmRelease")
            .map(|object| {
                let kubeconfig_secret =
                    str_at(&object.body, &["spec", "kubeConfig", "secretRef", "name"])
                        .map(str::to_owned);
                HelmRelease {
                    object: object.id,
                    kubeconfig_from: kubeconfig_secret.as_ref().map(|_| Origin {
                        object: Some(object.id),
                        kustomize_file: None,
                        path: ["spec", "kubeConfig", "secretRef", "name"]
                            .map(Value::from)
                            .to_vec(),
                    }),
                    remote: kubeconfig_secret
                        .as_deref()
                        .map(|secret| vec![self.remote_cluster(object, secret, None)])
                        .unwrap_or_default(),
                    kubeconfig_secret,
                    source_clusters: Vec::new(),
                    target_clusters: Vec::new(),
                    chart_source: None,
                    depends_on: Vec::new(),
                    values_from: Vec::new(),
                }
            })
            .collect();
    }

    /// Files of the kustomize Components a Flux Kustomization adds to its build
    /// (`spec.components`, relative to `spec.path`): applied like its own, with its
    /// targetNamespace.
    fn component_files(
        &self,
        object: &ModelObject,
        dir: &str,
        kustomize_by_dir: &BTreeMap<String, usize>,
        model: &RepoModel,
    ) -> Vec<String> {
        let Some(Value::Array(components)) = value_at(&object.body, &["spec", "components"]) else {
            return Vec::new();
        };
        components
            .iter()
            .enumerate()
            .filter_map(|(i, raw)| {
                let at = vec![
                    Value::from("spec"),
                    Value::from("components"),
                    Value::from(i),
                ];
                let component = self.path_ref(dir, raw.as_str()?, at);
                (!component.unresolved && !component.escapes && component.exists)
                    .then(|| self.applied_files(&component.target, kustomize_by_dir, model))
            })
            .flatten()
            .collect()
    }

    /// Files a Flux Kustomization applies: what its directory's kustomization.yaml
    /// includes (transitively, patches excluded), or, for a directory without one, what
    /// Flux generates: every YAML file below it, except that a sub-directory holding a
    /// kustomization.yaml is included as that kustomization (its unlisted files are not).
    pub(super) fn applied_files(
        &self,
        dir: &str,
        kustomize_by_dir: &BTreeMap<String, usize>,
        model: &RepoModel,
    ) -> Vec<String> {
        let mut out = BTreeSet::new();
        let mut visited = BTreeSet::new();
        let mut queue = VecDeque::from([dir.to_owned()]);
        while let Some(target) = queue.pop_front() {
            if !visited.insert(target.clone()) {
                continue;
            }
            if self.file_index.contains_key(&target) {
                out.insert(target);
                continue;
            }
            match kustomize_by_dir.get(&target) {
                Some(&k) => {
                    let kf = &model.kustomize_files[k];
                    out.insert(kf.file.clone());
                    for r in &kf.references {
                        if r.exists && !r.target.is_empty() && r.is_resource() {
                            queue.push_back(r.target.clone());
                        }
                    }
                }
                None => {
                    let prefix = if target == "." {
                        String::new()
                    } else {
                        format!("{target}/")
                    };
                    for file in self
                        .file_index
                        .range(prefix.clone()..)
                        .map(|(f, _)| f)
                        .take_while(|f| f.starts_with(&prefix))
                    {
                        match kustomization_below(&prefix, file, kustomize_by_dir) {
                            Some(sub) => {
                                if !visited.contains(sub) {
                                    queue.push_back(sub.to_owned());
                                }
                            }
                            None => {
                                out.insert(file.clone());
                            }
                        }
                    }
                }
            }
        }
        out.into_iter().collect()
    }
}

/// The highest directory strictly between `prefix` (a directory with a trailing `/`, or
/// empty for the root) and `file` that holds a kustomization.yaml.
fn kustomization_below<'f>(
    prefix: &str,
    file: &'f str,
    kustomize_by_dir: &BTreeMap<String, usize>,
) -> Option<&'f str> {
    let relative = file.get(prefix.len()..)?;
    relative
        .match_indices('/')
        .map(|(i, _)| &file[..prefix.len() + i])
        .find(|dir| kustomize_by_dir.contains_key(*dir))
}
