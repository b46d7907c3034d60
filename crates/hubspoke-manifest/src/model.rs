//! The repository model: what a hub-and-spoke repository declares across files
//! and clusters, computed once per run in linear time and handed to repository
//! rules as JSON.
//!
//! Rust resolves the facts (paths, references, effective namespaces, which
//! cluster each file lands on); Rego rules only judge them. Every object keeps
//! its `(file, document)` so that findings land on the exact field.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::parse::ParsedFile;
use crate::yaml::Node;

/// Flux API groups.
pub const FLUX_KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";
/// Flux helm-controller group.
pub const FLUX_HELM_GROUP: &str = "helm.toolkit.fluxcd.io";
/// Flux source-controller group.
pub const FLUX_SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";

/// Choices that shape the model.
#[derive(Debug, Clone)]
pub struct ModelOptions {
    /// Directory whose sub-directories are clusters (default `clusters`).
    pub clusters_dir: String,
    /// Names of ConfigMaps that carry a cluster's labels.
    pub cluster_label_configmaps: Vec<String>,
}

impl Default for ModelOptions {
    fn default() -> Self {
        ModelOptions {
            clusters_dir: "clusters".to_owned(),
            cluster_label_configmaps: vec![
                "cluster-labels".to_owned(),
                "cluster-config".to_owned(),
                "cluster-info".to_owned(),
            ],
        }
    }
}

/// Where a model entry was written: file index into the parsed files, document index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DocRef {
    /// Index into the parsed files.
    pub file: usize,
    /// Index of the document in that file.
    pub document: usize,
}

/// One Kubernetes object.
#[derive(Debug, Clone, Serialize)]
pub struct ModelObject {
    /// Index in [`RepoModel::objects`].
    pub id: usize,
    /// Repository-relative path of its file.
    pub file: String,
    /// Document index in the file.
    pub document: usize,
    /// `apiVersion`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// API group (empty for core).
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Name (empty when missing).
    pub name: String,
    /// Namespace as written (null when missing).
    pub namespace: Option<String>,
    /// Own namespace, else the enclosing kustomization.yaml's, else the reconciling Flux Kustomization's targetNamespace.
    pub effective_namespace: Option<String>,
    /// Clusters the object is applied to.
    pub clusters: Vec<String>,
    /// Whether the file is SOPS-encrypted (top-level `sops:`).
    pub sops: bool,
    /// The object itself.
    pub body: Value,
}

/// A resolved repository path reference.
#[derive(Debug, Clone, Serialize)]
pub struct PathRef {
    /// As written.
    pub raw: String,
    /// Normalised, repository-relative (`.` for the root); empty when it escapes or is remote/templated.
    pub target: String,
    /// Whether the target exists in the repository.
    pub exists: bool,
    /// `../` climbs above the repository root (never read).
    pub escapes: bool,
    /// A remote URL or a `${VAR}` template: not checkable.
    pub unresolved: bool,
    /// Field path of the reference in its document.
    pub path: Vec<Value>,
}

/// A kustomize configuration file (`kustomization.yaml`).
#[derive(Debug, Clone, Serialize)]
pub struct KustomizeFile {
    /// Repository-relative path.
    pub file: String,
    /// Document index (0).
    pub document: usize,
    /// Its directory.
    pub dir: String,
    /// `namespace:`, if set.
    pub namespace: Option<String>,
    /// `resources`, `components`, `bases`, `patches[].path`, `patchesStrategicMerge`.
    pub references: Vec<PathRef>,
}

/// A Flux Kustomization.
#[derive(Debug, Clone, Serialize)]
pub struct FluxKustomization {
    /// Object id.
    pub object: usize,
    /// `spec.path`, resolved when the source is this repository.
    pub path: Option<PathRef>,
    /// Whether `spec.sourceRef` is this repository (so `spec.path` can be checked).
    pub local_source: bool,
    /// Clusters it runs on (whose controller applies it).
    pub source_clusters: Vec<String>,
    /// Clusters it applies to (a spoke when it has a kubeConfig).
    pub target_clusters: Vec<String>,
    /// Secret named by `spec.kubeConfig.secretRef`.
    pub kubeconfig_secret: Option<String>,
    /// Files it applies.
    pub files: Vec<String>,
}

/// A cluster of the fleet.
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    /// Name (`hub`, `production`, ...).
    pub name: String,
    /// `hub` (reconciles other clusters), `spoke` (reconciled through a kubeconfig) or `standalone`.
    pub role: String,
    /// Its directory under the clusters directory, if any.
    pub directory: Option<String>,
    /// Flux Kustomization ids (of another cluster) that reconcile it through a kubeconfig.
    pub reconciled_by: Vec<usize>,
    /// Flux Kustomization ids that apply to it.
    pub kustomizations: Vec<usize>,
    /// Labels declared for the cluster (ConfigMap data/labels or postBuild substitutions), keys normalised to kebab-case.
    pub labels: BTreeMap<String, String>,
    /// Object ids the labels came from.
    pub label_sources: Vec<usize>,
}

/// The whole repository as repository rules see it.
#[derive(Debug, Clone, Serialize)]
pub struct RepoModel {
    /// Every Kubernetes object.
    pub objects: Vec<ModelObject>,
    /// `group/kind/namespace/name` (effective namespace; empty segments allowed) → object ids.
    pub index: BTreeMap<String, Vec<usize>>,
    /// Kustomize configuration files.
    pub kustomize_files: Vec<KustomizeFile>,
    /// Flux Kustomizations.
    pub flux_kustomizations: Vec<FluxKustomization>,
    /// Clusters.
    pub clusters: Vec<Cluster>,
    /// Every linted file (repository-relative).
    pub files: BTreeSet<String>,
    /// Every directory holding a linted file, with its ancestors (`.` is the root).
    pub directories: BTreeSet<String>,
    #[serde(skip)]
    /// Where each object and kustomize file was written (for locating findings).
    pub locations: Vec<DocRef>,
    #[serde(skip)]
    /// Where each kustomize file was written.
    pub kustomize_locations: Vec<DocRef>,
}

/// The index key of an object.
pub fn index_key(group: &str, kind: &str, namespace: &str, name: &str) -> String {
    format!("{group}/{kind}/{namespace}/{name}")
}

fn parent_dir(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, _)) => dir.to_owned(),
        None => ".".to_owned(),
    }
}

/// Normalise `base/rel` lexically; `None` when `..` climbs above the root.
pub fn normalize(base: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let start = if rel.starts_with('/') { "" } else { base };
    for part in start.split('/').chain(rel.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    })
}

fn is_remote(reference: &str) -> bool {
    reference.contains("://")
        || reference.starts_with("github.com/")
        || reference.starts_with("git@")
        || reference.contains("?ref=")
}

fn is_templated(reference: &str) -> bool {
    reference.contains("${")
}

/// Canonical form of a Git URL for comparing sources: host/path without scheme, user or `.git`.
pub fn normalize_git_url(url: &str) -> String {
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let without_user = without_scheme
        .split_once('@')
        .map_or(without_scheme, |(_, rest)| rest);
    without_user
        .replacen(':', "/", usize::from(!url.contains("://")))
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .to_ascii_lowercase()
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = value;
    for key in path {
        v = v.get(*key)?;
    }
    v.as_str()
}

struct Builder<'a> {
    files: &'a [&'a ParsedFile],
    root: &'a Path,
    options: &'a ModelOptions,
    file_index: BTreeMap<String, usize>,
    directories: BTreeSet<String>,
}

fn directories_of<'a>(files: impl Iterator<Item = &'a String>) -> BTreeSet<String> {
    let mut directories = BTreeSet::from([".".to_owned()]);
    for file in files {
        let mut dir = parent_dir(file);
        while directories.insert(dir.clone()) {
            dir = parent_dir(&dir);
        }
    }
    directories
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
        };
        builder.build()
    }

    /// The model as the JSON repository rules see as `input`.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl Builder<'_> {
    fn build(&self) -> RepoModel {
        let mut model = RepoModel {
            objects: Vec::new(),
            index: BTreeMap::new(),
            kustomize_files: Vec::new(),
            flux_kustomizations: Vec::new(),
            clusters: Vec::new(),
            files: self.file_index.keys().cloned().collect(),
            directories: self.directories.clone(),
            locations: Vec::new(),
            kustomize_locations: Vec::new(),
        };
        self.collect_documents(&mut model);
        let kustomize_by_dir: BTreeMap<String, usize> = model
            .kustomize_files
            .iter()
            .enumerate()
            .map(|(i, k)| (k.dir.clone(), i))
            .collect();
        self.collect_flux_kustomizations(&mut model, &kustomize_by_dir);
        self.assign_clusters(&mut model);
        self.resolve_namespaces(&mut model, &kustomize_by_dir);
        for object in &model.objects {
            let ns = object.effective_namespace.as_deref().unwrap_or("");
            model
                .index
                .entry(index_key(&object.group, &object.kind, ns, &object.name))
                .or_default()
                .push(object.id);
        }
        self.collect_cluster_labels(&mut model);
        model
    }

    fn collect_documents(&self, model: &mut RepoModel) {
        for (file_idx, file) in self.files.iter().enumerate() {
            let repo_path = &file.source.repo_path;
            let file_name = repo_path.rsplit('/').next().unwrap_or(repo_path);
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
                let body = document.root.to_json();
                let sops = body.get("sops").is_some();
                model.objects.push(ModelObject {
                    id: model.objects.len(),
                    file: repo_path.clone(),
                    document: document.index,
                    api_version: meta.api_version.clone(),
                    group: meta.group().to_owned(),
                    kind: meta.kind.clone(),
                    name: meta.name.clone().unwrap_or_default(),
                    namespace: meta.namespace.clone(),
                    effective_namespace: meta.namespace.clone(),
                    clusters: Vec::new(),
                    sops,
                    body,
                });
                model.locations.push(doc_ref);
            }
        }
    }

    fn path_ref(&self, base_dir: &str, raw: &str, path: Vec<Value>) -> PathRef {
        if is_remote(raw) || is_templated(raw) {
            return PathRef {
                raw: raw.to_owned(),
                target: String::new(),
                exists: false,
                escapes: false,
                unresolved: true,
                path,
            };
        }
        match normalize(base_dir, raw) {
            None => PathRef {
                raw: raw.to_owned(),
                target: String::new(),
                exists: false,
                escapes: true,
                unresolved: false,
                path,
            },
            Some(target) => {
                let exists = self.file_index.contains_key(&target)
                    || self.directories.contains(&target)
                    // Non-YAML files (env files, JSON patches) are not discovered; their
                    // existence is checked on disk, inside the root only: never read.
                    || self.root.join(&target).exists();
                PathRef {
                    raw: raw.to_owned(),
                    target,
                    exists,
                    escapes: false,
                    unresolved: false,
                    path,
                }
            }
        }
    }

    fn kustomize_file(&self, repo_path: &str, document: usize, root: &Node) -> KustomizeFile {
        let dir = parent_dir(repo_path);
        let mut references = Vec::new();
        for field in ["resources", "components", "bases", "patchesStrategicMerge"] {
            if let Some(crate::yaml::NodeValue::Seq(items)) = root.get(field).map(|n| &n.value) {
                for (i, item) in items.iter().enumerate() {
                    if let Some(raw) = item.as_str() {
                        references.push(self.path_ref(
                            &dir,
                            raw,
                            vec![Value::from(field), Value::from(i)],
                        ));
                    }
                }
            }
        }
        if let Some(crate::yaml::NodeValue::Seq(items)) = root.get("patches").map(|n| &n.value) {
            for (i, item) in items.iter().enumerate() {
                if let Some(raw) = item.get("path").and_then(Node::as_str) {
                    references.push(self.path_ref(
                        &dir,
                        raw,
                        vec![Value::from("patches"), Value::from(i), Value::from("path")],
                    ));
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
        }
    }

    fn local_source_urls(&self, model: &RepoModel) -> BTreeSet<String> {
        model
            .objects
            .iter()
            .filter(|o| {
                o.group == FLUX_SOURCE_GROUP && o.kind == "GitRepository" && o.name == "flux-system"
            })
            .filter_map(|o| str_at(&o.body, &["spec", "url"]))
            .map(normalize_git_url)
            .collect()
    }

    fn collect_flux_kustomizations(
        &self,
        model: &mut RepoModel,
        kustomize_by_dir: &BTreeMap<String, usize>,
    ) {
        let local_urls = self.local_source_urls(model);
        let mut flux = Vec::new();
        for object in &model.objects {
            if object.group != FLUX_KUSTOMIZE_GROUP || object.kind != "Kustomization" {
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
                    || model
                        .objects
                        .iter()
                        .filter(|o| {
                            o.kind == "GitRepository"
                                && o.name == source_name
                                && o.namespace.as_deref().unwrap_or("default") == source_ns
                        })
                        .filter_map(|o| str_at(&o.body, &["spec", "url"]))
                        .any(|url| local_urls.contains(&normalize_git_url(url))));
            let path = str_at(&object.body, &["spec", "path"])
                .map(|raw| self.path_ref(".", raw, vec![Value::from("spec"), Value::from("path")]));
            let files = match (&path, local_source) {
                (Some(p), true) if !p.unresolved && !p.escapes && p.exists => {
                    self.applied_files(&p.target, kustomize_by_dir, model)
                }
                (None, true) => self.applied_files(".", kustomize_by_dir, model),
                _ => Vec::new(),
            };
            flux.push(FluxKustomization {
                object: object.id,
                path,
                local_source,
                source_clusters: Vec::new(),
                target_clusters: Vec::new(),
                kubeconfig_secret: str_at(
                    &object.body,
                    &["spec", "kubeConfig", "secretRef", "name"],
                )
                .map(str::to_owned),
                files,
            });
        }
        model.flux_kustomizations = flux;
    }

    /// Files a Flux Kustomization applies: what its directory's kustomization.yaml
    /// includes (transitively), or every YAML file below the directory without one.
    fn applied_files(
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
                        if r.exists && !r.target.is_empty() {
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

    fn cluster_of_dir(&self, file: &str) -> Option<String> {
        let rest = file.strip_prefix(&format!("{}/", self.options.clusters_dir))?;
        let (name, _) = rest.split_once('/')?;
        Some(name.to_owned())
    }

    fn assign_clusters(&self, model: &mut RepoModel) {
        let mut file_clusters: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut objects_in_file: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, fk) in model.flux_kustomizations.iter().enumerate() {
            objects_in_file
                .entry(model.objects[fk.object].file.as_str())
                .or_default()
                .push(i);
        }
        // Seed: a cluster directory's flux-system is applied by that cluster's own Flux.
        let mut queue: VecDeque<(usize, String)> = VecDeque::new();
        for (i, fk) in model.flux_kustomizations.iter().enumerate() {
            let file = &model.objects[fk.object].file;
            if let Some(cluster) = self.cluster_of_dir(file) {
                if file.contains("/flux-system/") {
                    queue.push_back((i, cluster));
                }
            }
        }
        let spoke_name = |secret: &str| {
            let name = secret.strip_suffix("-kubeconfig-secret").unwrap_or(secret);
            name.strip_suffix("-kubeconfig").unwrap_or(name).to_owned()
        };
        let mut seen: BTreeSet<(usize, String)> = BTreeSet::new();
        while let Some((fk_index, source_cluster)) = queue.pop_front() {
            if !seen.insert((fk_index, source_cluster.clone())) {
                continue;
            }
            let target = match &model.flux_kustomizations[fk_index].kubeconfig_secret {
                Some(secret) => spoke_name(secret),
                None => source_cluster.clone(),
            };
            let fk = &mut model.flux_kustomizations[fk_index];
            push_unique(&mut fk.source_clusters, &source_cluster);
            push_unique(&mut fk.target_clusters, &target);
            for file in fk.files.clone() {
                file_clusters
                    .entry(file.clone())
                    .or_default()
                    .insert(target.clone());
                for next in objects_in_file.get(file.as_str()).into_iter().flatten() {
                    queue.push_back((*next, target.clone()));
                }
            }
        }
        // Files no Flux Kustomization reaches still belong to their cluster directory.
        for file in &model.files {
            if !file_clusters.contains_key(file) {
                if let Some(cluster) = self.cluster_of_dir(file) {
                    file_clusters
                        .entry(file.clone())
                        .or_default()
                        .insert(cluster);
                }
            }
        }
        for fk in model.flux_kustomizations.iter_mut() {
            if fk.source_clusters.is_empty() {
                let own: Vec<String> = file_clusters
                    .get(&model.objects[fk.object].file)
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect();
                fk.source_clusters = own.clone();
                fk.target_clusters = match &fk.kubeconfig_secret {
                    Some(secret) => vec![spoke_name(secret)],
                    None => own,
                };
            }
            fk.source_clusters.sort();
            fk.target_clusters.sort();
        }
        for object in &mut model.objects {
            object.clusters = file_clusters
                .get(&object.file)
                .into_iter()
                .flatten()
                .cloned()
                .collect();
        }
        // Clusters: every cluster directory and every kubeconfig target.
        let mut clusters: BTreeMap<String, Cluster> = BTreeMap::new();
        let ensure = |name: &str, clusters: &mut BTreeMap<String, Cluster>| {
            clusters.entry(name.to_owned()).or_insert_with(|| Cluster {
                name: name.to_owned(),
                role: "standalone".to_owned(),
                directory: None,
                reconciled_by: Vec::new(),
                kustomizations: Vec::new(),
                labels: BTreeMap::new(),
                label_sources: Vec::new(),
            });
        };
        for dir in &model.directories {
            if let Some(name) = dir.strip_prefix(&format!("{}/", self.options.clusters_dir)) {
                if !name.contains('/') {
                    ensure(name, &mut clusters);
                    if let Some(c) = clusters.get_mut(name) {
                        c.directory = Some(dir.clone());
                    }
                }
            }
        }
        for (i, fk) in model.flux_kustomizations.iter().enumerate() {
            for target in &fk.target_clusters {
                ensure(target, &mut clusters);
                if let Some(c) = clusters.get_mut(target) {
                    c.kustomizations.push(i);
                    if fk.kubeconfig_secret.is_some() {
                        c.reconciled_by.push(i);
                    }
                }
            }
        }
        let hubs: BTreeSet<String> = model
            .flux_kustomizations
            .iter()
            .filter(|fk| fk.kubeconfig_secret.is_some())
            .flat_map(|fk| fk.source_clusters.iter().cloned())
            .collect();
        for cluster in clusters.values_mut() {
            cluster.role = if hubs.contains(&cluster.name) {
                "hub"
            } else if !cluster.reconciled_by.is_empty() {
                "spoke"
            } else {
                "standalone"
            }
            .to_owned();
        }
        model.clusters = clusters.into_values().collect();
    }

    fn resolve_namespaces(
        &self,
        model: &mut RepoModel,
        kustomize_by_dir: &BTreeMap<String, usize>,
    ) {
        // targetNamespace of the Flux Kustomization that applies a file, per file.
        let mut target_ns: BTreeMap<&str, String> = BTreeMap::new();
        for fk in &model.flux_kustomizations {
            if let Some(ns) = str_at(&model.objects[fk.object].body, &["spec", "targetNamespace"]) {
                for file in &fk.files {
                    target_ns
                        .entry(file.as_str())
                        .or_insert_with(|| ns.to_owned());
                }
            }
        }
        let target_ns: BTreeMap<String, String> = target_ns
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        for object in &mut model.objects {
            if object.namespace.is_some() {
                continue;
            }
            let mut dir = parent_dir(&object.file);
            let mut found = None;
            loop {
                if let Some(ns) = kustomize_by_dir
                    .get(&dir)
                    .and_then(|&k| model.kustomize_files[k].namespace.clone())
                {
                    found = Some(ns);
                    break;
                }
                if dir == "." {
                    break;
                }
                dir = parent_dir(&dir);
            }
            object.effective_namespace = found.or_else(|| target_ns.get(&object.file).cloned());
        }
    }

    fn collect_cluster_labels(&self, model: &mut RepoModel) {
        let normalize_key = |k: &str| k.to_ascii_lowercase().replace('_', "-");
        for cluster in &mut model.clusters {
            let mut labels = BTreeMap::new();
            let mut sources = Vec::new();
            for object in &model.objects {
                if object.kind == "ConfigMap"
                    && self.options.cluster_label_configmaps.contains(&object.name)
                    && object.clusters.contains(&cluster.name)
                {
                    for field in [&["metadata", "labels"][..], &["data"][..]] {
                        let mut v = &object.body;
                        for key in field {
                            v = v.get(*key).unwrap_or(&Value::Null);
                        }
                        if let Some(map) = v.as_object() {
                            for (k, val) in map {
                                if let Some(s) = val.as_str() {
                                    labels.insert(normalize_key(k), s.to_owned());
                                }
                            }
                        }
                    }
                    sources.push(object.id);
                }
            }
            for &k in &cluster.kustomizations {
                let object = &model.objects[model.flux_kustomizations[k].object];
                if let Some(map) = object
                    .body
                    .pointer("/spec/postBuild/substitute")
                    .and_then(Value::as_object)
                {
                    for (key, val) in map {
                        if let Some(s) = val.as_str() {
                            labels.insert(normalize_key(key), s.to_owned());
                        }
                    }
                    sources.push(object.id);
                }
            }
            sources.sort_unstable();
            sources.dedup();
            cluster.labels = labels;
            cluster.label_sources = sources;
        }
    }
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise_and_escapes_are_caught() {
        assert_eq!(
            normalize(".", "./clusters/production").as_deref(),
            Some("clusters/production")
        );
        assert_eq!(
            normalize("apps/base", "../overlays/dev").as_deref(),
            Some("apps/overlays/dev")
        );
        assert_eq!(normalize("apps", "../../../etc"), None);
        assert_eq!(normalize(".", "./").as_deref(), Some("."));
    }

    #[test]
    fn git_urls_compare_by_host_and_path() {
        assert_eq!(
            normalize_git_url("ssh://git@github.com/myorg/fleet-infra"),
            "github.com/myorg/fleet-infra"
        );
        assert_eq!(
            normalize_git_url("https://github.com/myorg/fleet-infra.git"),
            "github.com/myorg/fleet-infra"
        );
        assert_eq!(
            normalize_git_url("git@github.com:myorg/fleet-infra.git"),
            "github.com/myorg/fleet-infra"
        );
    }
}
