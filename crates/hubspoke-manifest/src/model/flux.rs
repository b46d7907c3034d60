//! Flux Kustomizations and HelmReleases: whether a Kustomization's source is
//! this repository, the files it applies, and the kubeconfig each one names itself.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::Value;

use super::paths::normalize_git_url;
use super::types::{
    FluxKustomization, HelmRelease, ModelObject, Origin, RepoModel, FLUX_HELM_GROUP,
    FLUX_KUSTOMIZE_GROUP, FLUX_SOURCE_GROUP,
};
use super::{str_at, value_at, Builder};

impl Builder<'_> {
    /// `(url, branch)` of the GitRepositories named `flux-system`: the repository being linted.
    fn local_sources(&self, model: &RepoModel) -> Vec<(String, Option<String>)> {
        model
            .objects
            .iter()
            .filter(|o| {
                !o.patch
                    && o.group == FLUX_SOURCE_GROUP
                    && o.kind == "GitRepository"
                    && o.name == "flux-system"
            })
            .filter_map(|o| {
                let url = str_at(&o.body, &["spec", "url"])?;
                Some((
                    normalize_git_url(url),
                    str_at(&o.body, &["spec", "ref", "branch"]).map(str::to_owned),
                ))
            })
            .collect()
    }

    /// The Flux Kustomizations: whether their source is this repository, their
    /// resolved `spec.path`, the files they apply and the kubeconfig they name.
    pub(super) fn collect_flux_kustomizations(
        &self,
        model: &mut RepoModel,
        kustomize_by_dir: &BTreeMap<String, usize>,
    ) {
        let local = self.local_sources(model);
        // A GitRepository is this repository when its URL is, and it does not
        // follow another branch (tags and commits are versions of this tree).
        let is_local = |o: &ModelObject| {
            str_at(&o.body, &["spec", "url"]).is_some_and(|url| {
                let url = normalize_git_url(url);
                let branch = str_at(&o.body, &["spec", "ref", "branch"]);
                local.iter().any(|(u, b)| {
                    *u == url
                        && match (b.as_deref(), branch) {
                            (Some(a), Some(b)) => a == b,
                            _ => true,
                        }
                })
            })
        };
        let mut local_repositories: BTreeSet<(String, String)> = BTreeSet::new();
        for o in &model.objects {
            if !o.patch && o.group == FLUX_SOURCE_GROUP && o.kind == "GitRepository" && is_local(o)
            {
                local_repositories.insert((
                    o.namespace.clone().unwrap_or_else(|| "default".to_owned()),
                    o.name.clone(),
                ));
            }
        }
        let mut flux = Vec::new();
        for object in &model.objects {
            if object.patch
                || object.group != FLUX_KUSTOMIZE_GROUP
                || object.kind != "Kustomization"
            {
                continue;
            }
            let ns = object
                .namespace
                .clone()
                .unwrap_or_else(|| "default".to_owned());
            let source_kind = str_at(&object.body, &["spec", "sourceRef", "kind"]).unwrap_or("");
            let source_name = str_at(&object.body, &["spec", "sourceRef", "name"]).unwrap_or("");
            let source_ns =
                str_at(&object.body, &["spec", "sourceRef", "namespace"]).unwrap_or(&ns);
            let local_source = source_kind == "GitRepository"
                && (source_name == "flux-system"
                    || local_repositories
                        .contains(&(source_ns.to_owned(), source_name.to_owned())));
            let path = str_at(&object.body, &["spec", "path"])
                .map(|raw| self.path_ref(".", raw, vec![Value::from("spec"), Value::from("path")]));
            let files = match (&path, local_source) {
                (Some(p), true) if !p.unresolved && !p.escapes && p.exists => {
                    let mut files = self.applied_files(&p.target, kustomize_by_dir, model);
                    files.extend(self.component_files(object, &p.target, kustomize_by_dir, model));
                    files.sort();
                    files.dedup();
                    files
                }
                (None, true) => self.applied_files(".", kustomize_by_dir, model),
                _ => Vec::new(),
            };
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
    /// includes (transitively, patches excluded), or every YAML file below the directory without one.
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
                    out.extend(
                        self.file_index
                            .range(prefix.clone()..)
                            .map(|(f, _)| f)
                            .take_while(|f| f.starts_with(&prefix))
                            .cloned(),
                    );
                }
            }
        }
        out.into_iter().collect()
    }
}
