//! The repository model: what a hub-and-spoke repository declares across files
//! and clusters, computed once per run in linear time and handed to repository
//! rules as JSON.
//!
//! Rust resolves the facts (paths, references, effective namespaces, which
//! cluster each file lands on); Rego rules only judge them. Every object keeps
//! its `(file, document)` so that findings land on the exact field.

use std::cell::Cell;
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
    /// Give objects the model does not read (all but Flux objects and ConfigMaps) a
    /// `body` of only `apiVersion`, `kind` and `metadata`. The linter sets it and hands
    /// repository rules the bodies from the parsed documents instead: on the generated
    /// 10,000-file repository the full bodies were ~90 MB and a fifth of the model's
    /// build time (benches/README.md).
    pub slim_bodies: bool,
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
            slim_bodies: false,
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
    /// 1-based line of the object's `metadata.name` value (else of its `kind` key, else of
    /// the document start): where a finding on the object as a whole lands.
    pub line: u32,
    /// 1-based column (in characters) on that line.
    pub column: u32,
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
    /// Own namespace, else the enclosing kustomization.yaml's, else the reconciling Flux
    /// Kustomization's targetNamespace; always null for cluster-scoped kinds.
    pub effective_namespace: Option<String>,
    /// Clusters the object is applied to.
    pub clusters: Vec<String>,
    /// Whether the file is SOPS-encrypted (top-level `sops:`).
    pub sops: bool,
    /// The document is a kustomize patch (its file is named only by `patches`,
    /// `patchesStrategicMerge` or `patchesJson6902`), not a resource: it defines nothing.
    pub patch: bool,
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
    /// `../` climbs above the repository root, or the path is absolute (never read).
    pub escapes: bool,
    /// An absolute path (`/etc/passwd`): outside the repository whatever it names.
    pub absolute: bool,
    /// A remote URL or a `${VAR}` template: not checkable.
    pub unresolved: bool,
    /// Field path of the reference in its document.
    pub path: Vec<Value>,
}

impl PathRef {
    /// Whether the reference names a patch (`patches`, `patchesStrategicMerge`,
    /// `patchesJson6902`) rather than a resource.
    pub fn is_patch(&self) -> bool {
        matches!(
            self.path.first().and_then(Value::as_str),
            Some("patches" | "patchesStrategicMerge" | "patchesJson6902")
        )
    }

    /// Whether the reference names what kustomize builds into objects (`resources`,
    /// `components`, `bases`), as opposed to patches and the input files of generators,
    /// transformers and CRD definitions, which are read but never applied as they are.
    pub fn is_resource(&self) -> bool {
        matches!(
            self.path.first().and_then(Value::as_str),
            Some("resources" | "components" | "bases")
        )
    }
}

/// A reference from a Flux object to another object by kind and name
/// (`sourceRef`, `chartRef`, `dependsOn`, `valuesFrom`, `substituteFrom`),
/// resolved through [`RepoModel::index`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectRef {
    /// Kind referred to (for `dependsOn`, the referrer's own).
    pub kind: String,
    /// Name as written.
    pub name: String,
    /// Namespace looked in: as written, else the referrer's effective namespace (Flux's
    /// default); absent when neither is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Id of the object defining it; null when the repository defines none. Among
    /// several definitions, the first that shares a cluster with the referrer.
    pub object: Option<usize>,
    /// The name or namespace is a `${VAR}` substitution: not resolvable, never dangling.
    #[serde(skip_serializing_if = "is_false")]
    pub unresolved: bool,
    /// Marked `optional: true` (`valuesFrom`, `substituteFrom`): Flux goes on without it.
    #[serde(skip_serializing_if = "is_false")]
    pub optional: bool,
    /// Field path of the reference in the referrer.
    pub path: Vec<Value>,
}

impl ObjectRef {
    /// Whether the reference names something the repository does not define.
    pub fn is_dangling(&self) -> bool {
        self.object.is_none() && !self.unresolved
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// Where a kubeconfig reference was written: a Flux object's own
/// `spec.kubeConfig`, or a patch (of a Flux Kustomization or of a
/// kustomization.yaml) that adds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Origin {
    /// Object id, when written in an object.
    pub object: Option<usize>,
    /// Kustomize file index, when written in a kustomization.yaml.
    pub kustomize_file: Option<usize>,
    /// Field path to it.
    pub path: Vec<Value>,
}

/// A patch that adds `spec.kubeConfig` to the Flux objects it targets.
#[derive(Debug, Clone, Serialize)]
pub struct KubeconfigPatch {
    /// Secret the patch names.
    pub secret: String,
    /// Field path of the patch (its list item) in its document.
    pub path: Vec<Value>,
    /// Ids of the HelmReleases and Flux Kustomizations it patches.
    pub objects: Vec<usize>,
    /// Clusters the patched objects then reconcile.
    pub clusters: Vec<String>,
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
    /// Every file it names: `resources`, `components`, `bases`, `patches[].path`,
    /// `patchesStrategicMerge`, `patchesJson6902[].path`, `replacements[].path`, `crds`,
    /// `configurations`, `generators`, `transformers`, `validators`, and the `files`
    /// (without a `key=` prefix), `envs` and `env` of `configMapGenerator`/`secretGenerator`.
    pub references: Vec<PathRef>,
    /// Patches of this file that add a kubeConfig to Flux objects.
    pub kubeconfig_patches: Vec<KubeconfigPatch>,
    /// The file itself (generators, patches, images).
    pub body: Value,
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
    /// Secret named by `spec.kubeConfig.secretRef`, or added to it by a patch.
    pub kubeconfig_secret: Option<String>,
    /// Where that kubeConfig was written.
    pub kubeconfig_from: Option<Origin>,
    /// Patches of `spec.patches` that add a kubeConfig to the HelmReleases or
    /// Kustomizations it applies (they then reconcile another cluster).
    pub kubeconfig_patches: Vec<KubeconfigPatch>,
    /// Files it applies.
    pub files: Vec<String>,
    /// `spec.sourceRef`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<ObjectRef>,
    /// `spec.dependsOn` entries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<ObjectRef>,
    /// `spec.postBuild.substituteFrom` entries (ConfigMaps and Secrets).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub substitute_from: Vec<ObjectRef>,
    /// Clusters its kubeconfig(s) lead to.
    #[serde(skip)]
    remote: Vec<String>,
}

/// A Flux HelmRelease.
#[derive(Debug, Clone, Serialize)]
pub struct HelmRelease {
    /// Object id.
    pub object: usize,
    /// Secret named by `spec.kubeConfig.secretRef`, or added to it by a patch.
    pub kubeconfig_secret: Option<String>,
    /// Where that kubeConfig was written.
    pub kubeconfig_from: Option<Origin>,
    /// Clusters whose helm-controller runs it.
    pub source_clusters: Vec<String>,
    /// Clusters the release is installed into (the kubeconfig's cluster, else where it runs).
    pub target_clusters: Vec<String>,
    /// Where the chart comes from: `spec.chart.spec.sourceRef`, else `spec.chartRef`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chart_source: Option<ObjectRef>,
    /// `spec.dependsOn` entries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<ObjectRef>,
    /// `spec.valuesFrom` entries (ConfigMaps and Secrets).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values_from: Vec<ObjectRef>,
    #[serde(skip)]
    remote: Vec<String>,
}

/// A cluster of the fleet.
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    /// Name (`hub`, `production`, ...).
    pub name: String,
    /// `hub` (reconciles other clusters), `spoke` (reconciled through a kubeconfig) or `standalone`.
    pub role: String,
    /// Its directory (under the clusters directory, or a bootstrap directory holding `flux-system/`), if any.
    pub directory: Option<String>,
    /// Flux Kustomization ids (of another cluster) that reconcile it through a kubeconfig,
    /// their own or one their patches add to the HelmReleases/Kustomizations they apply.
    pub reconciled_by: Vec<usize>,
    /// Flux Kustomization ids that apply to it.
    pub kustomizations: Vec<usize>,
    /// HelmRelease ids (into [`RepoModel::helm_releases`]) installed into it.
    pub helm_releases: Vec<usize>,
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
    /// `group/kind/namespace/name` (effective namespace; empty segments allowed) → object ids
    /// (patches excluded: they define nothing).
    pub index: BTreeMap<String, Vec<usize>>,
    /// `group/Kind` (`/Namespace` for the core group) → object ids, patches excluded:
    /// rules iterate the kinds they judge instead of every object.
    pub kinds: BTreeMap<String, Vec<usize>>,
    /// Kustomize configuration files.
    pub kustomize_files: Vec<KustomizeFile>,
    /// Flux Kustomizations.
    pub flux_kustomizations: Vec<FluxKustomization>,
    /// Flux HelmReleases.
    pub helm_releases: Vec<HelmRelease>,
    /// Clusters.
    pub clusters: Vec<Cluster>,
    /// Cycles of `dependsOn` (Flux Kustomizations, HelmReleases), each once: its
    /// members' object ids, sorted by namespace/name. Dependencies are followed
    /// within a cluster (between objects sharing one, or on none).
    pub dependency_cycles: Vec<Vec<usize>>,
    /// Every linted file (repository-relative).
    pub files: BTreeSet<String>,
    /// Every directory holding a linted file, with its ancestors (`.` is the root).
    pub directories: BTreeSet<String>,
    /// Directory → the clusters its files are applied to (the union over the files
    /// directly in it, as in [`ModelObject::clusters`]); directories whose files land
    /// on no known cluster are left out.
    pub directory_clusters: BTreeMap<String, Vec<String>>,
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

/// Kinds that live outside namespaces: a kustomize or Flux namespace never applies to them.
const CLUSTER_SCOPED_KINDS: &[&str] = &[
    "APIService",
    "CSIDriver",
    "CSINode",
    "CertificateSigningRequest",
    "ClusterExternalSecret",
    "ClusterIssuer",
    "ClusterPolicy",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterSecretStore",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

/// Whether objects of `kind` are cluster-scoped (a fixed list of well-known kinds).
pub fn is_cluster_scoped(kind: &str) -> bool {
    CLUSTER_SCOPED_KINDS.binary_search(&kind).is_ok()
}

fn parent_dir(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, _)) => dir.to_owned(),
        None => ".".to_owned(),
    }
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
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

/// Whether the model reads more of an object than its metadata: Flux objects
/// (sources, reconcilers, `dependsOn`, patches) and the ConfigMaps that carry a
/// cluster's labels. Other ConfigMaps only need to exist (`valuesFrom`,
/// `substituteFrom`): keeping their data made a 50 MB file of ConfigMaps spend
/// most of its run copying data no rule reads.
fn reads_body(meta: &crate::ObjectMeta, options: &ModelOptions) -> bool {
    meta.group().ends_with(".fluxcd.io") || is_cluster_label_configmap(meta, options)
}

/// A ConfigMap named in [`ModelOptions::cluster_label_configmaps`].
fn is_cluster_label_configmap(meta: &crate::ObjectMeta, options: &ModelOptions) -> bool {
    meta.group().is_empty()
        && meta.kind == "ConfigMap"
        && meta
            .name
            .as_deref()
            .is_some_and(|name| options.cluster_label_configmaps.iter().any(|n| n == name))
}

/// Whether repository rules see only the metadata of an object: ConfigMaps and
/// Secrets other than cluster label ConfigMaps, whose payload (often megabytes of
/// generated data) no repository rule reads; they only need to exist.
pub fn repository_rules_skip_data(meta: &crate::ObjectMeta, options: &ModelOptions) -> bool {
    meta.group().is_empty()
        && matches!(meta.kind.as_str(), "ConfigMap" | "Secret")
        && !is_cluster_label_configmap(meta, options)
}

/// The fields of a body cut down to what identifies the object (`ModelOptions::slim_bodies`,
/// and objects whose payload repository rules never read).
pub const IDENTITY_FIELDS: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// The [`IDENTITY_FIELDS`] of a document.
fn slim_body(root: &Node) -> Value {
    let mut body = serde_json::Map::new();
    for key in IDENTITY_FIELDS {
        if let Some(value) = root.get(key) {
            body.insert(key.to_owned(), value.to_json());
        }
    }
    Value::Object(body)
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = value;
    for key in path {
        v = v.get(*key)?;
    }
    v.as_str()
}

/// The secret a kustomize patch gives as `spec.kubeConfig.secretRef.name`:
/// a JSON 6902 list (`add`/`replace` of `/spec/kubeConfig`, its `secretRef` or
/// the name) or a strategic-merge object.
fn kubeconfig_secret_of_patch(patch: &Value) -> Option<String> {
    match patch {
        Value::Array(ops) => ops.iter().find_map(|op| {
            if !matches!(str_at(op, &["op"]), Some("add" | "replace")) {
                return None;
            }
            let value = op.get("value")?;
            let name = match str_at(op, &["path"])? {
                "/spec/kubeConfig" => str_at(value, &["secretRef", "name"]),
                "/spec/kubeConfig/secretRef" => str_at(value, &["name"]),
                "/spec/kubeConfig/secretRef/name" => value.as_str(),
                _ => None,
            }?;
            Some(name.to_owned())
        }),
        Value::Object(_) => {
            str_at(patch, &["spec", "kubeConfig", "secretRef", "name"]).map(str::to_owned)
        }
        _ => None,
    }
}

/// Which objects a kustomize patch applies to: its `target` (every field a
/// regular expression, as in kustomize), else the kind and name of a
/// strategic-merge patch itself.
#[derive(Debug, Clone, Default)]
struct Selector {
    group: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    namespace: Option<String>,
    label_selector: Option<String>,
    annotation_selector: Option<String>,
}

impl Selector {
    fn from_target(target: &Value) -> Selector {
        let text = |key: &str| target.get(key).and_then(Value::as_str).map(str::to_owned);
        Selector {
            group: text("group"),
            version: text("version"),
            kind: text("kind"),
            name: text("name"),
            namespace: text("namespace"),
            label_selector: text("labelSelector"),
            annotation_selector: text("annotationSelector"),
        }
    }

    /// The implicit target of a strategic-merge patch: its own kind, name and namespace (literally).
    fn from_patch_object(patch: &Value) -> Option<Selector> {
        let kind = str_at(patch, &["kind"])?;
        let literal = |s: &str| {
            let mut out = String::new();
            for c in s.chars() {
                if "\\.+*?()|[]{}^$".contains(c) {
                    out.push('\\');
                }
                out.push(c);
            }
            out
        };
        Some(Selector {
            kind: Some(literal(kind)),
            name: str_at(patch, &["metadata", "name"]).map(literal),
            namespace: str_at(patch, &["metadata", "namespace"]).map(literal),
            ..Selector::default()
        })
    }

    fn matches(&self, object: &ModelObject) -> bool {
        let version = object
            .api_version
            .rsplit_once('/')
            .map_or(object.api_version.as_str(), |(_, v)| v);
        let field = |pattern: &Option<String>, value: &str| {
            pattern
                .as_deref()
                .is_none_or(|p| regex_full_match(p, value))
        };
        field(&self.group, &object.group)
            && field(&self.version, version)
            && field(&self.kind, &object.kind)
            && field(&self.name, &object.name)
            && field(
                &self.namespace,
                object.effective_namespace.as_deref().unwrap_or(""),
            )
            && self
                .label_selector
                .as_deref()
                .is_none_or(|s| selector_matches(s, object.body.pointer("/metadata/labels")))
            && self
                .annotation_selector
                .as_deref()
                .is_none_or(|s| selector_matches(s, object.body.pointer("/metadata/annotations")))
    }
}

/// A Kubernetes label selector (`a=b,c!=d,e,!f,g in (x,y),h notin (z)`) against a map.
fn selector_matches(selector: &str, labels: Option<&Value>) -> bool {
    let get = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
    let mut requirements = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in selector.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                requirements.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    requirements.push(current);
    requirements.iter().all(|req| {
        let req = req.trim();
        if req.is_empty() {
            return true;
        }
        let set = |rest: &str| -> Vec<String> {
            rest.trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .split(',')
                .map(|v| v.trim().to_owned())
                .collect()
        };
        if let Some((key, rest)) = req.split_once(" notin ") {
            return get(key.trim()).is_none_or(|v| !set(rest).iter().any(|s| s == v));
        }
        if let Some((key, rest)) = req.split_once(" in ") {
            return get(key.trim()).is_some_and(|v| set(rest).iter().any(|s| s == v));
        }
        if let Some((key, value)) = req.split_once("!=") {
            return get(key.trim()) != Some(value.trim());
        }
        if let Some((key, value)) = req.split_once("==").or_else(|| req.split_once('=')) {
            return get(key.trim()) == Some(value.trim());
        }
        if let Some(key) = req.strip_prefix('!') {
            return get(key.trim()).is_none();
        }
        get(req).is_some()
    })
}

/// A regular expression of the subset kustomize targets use: literals and
/// escapes, `.`, classes `[a-z]`/`[^...]`, groups `(...)`/`(?:...)` with `|`,
/// and the quantifiers `*`, `+`, `?`. Matched against the whole text, as
/// kustomize anchors target patterns. A pattern outside the subset matches literally.
fn regex_full_match(pattern: &str, text: &str) -> bool {
    let pattern = pattern.strip_prefix('^').unwrap_or(pattern);
    let pattern = if pattern.ends_with('$') && !pattern.ends_with("\\$") {
        &pattern[..pattern.len() - 1]
    } else {
        pattern
    };
    let chars: Vec<char> = pattern.chars().collect();
    let mut pos = 0;
    let Some(alternatives) = parse_alternatives(&chars, &mut pos) else {
        return pattern == text;
    };
    if pos != chars.len() {
        return pattern == text;
    }
    let text: Vec<char> = text.chars().collect();
    let node = Re::Group(alternatives);
    let budget = Cell::new(100_000usize);
    match_seq(std::slice::from_ref(&node), &text, 0, &budget, &mut |end| {
        end == text.len()
    })
}

#[derive(Debug, Clone)]
enum Re {
    Char(char),
    Any,
    Class(Vec<(char, char)>, bool),
    Group(Vec<Vec<Re>>),
    Repeat(Box<Re>, usize, bool),
}

fn parse_alternatives(chars: &[char], pos: &mut usize) -> Option<Vec<Vec<Re>>> {
    let mut alternatives = vec![Vec::new()];
    while *pos < chars.len() {
        let c = chars[*pos];
        let atom = match c {
            '|' => {
                *pos += 1;
                alternatives.push(Vec::new());
                continue;
            }
            ')' => break,
            '(' => {
                *pos += 1;
                if chars.get(*pos) == Some(&'?') && chars.get(*pos + 1) == Some(&':') {
                    *pos += 2;
                }
                let inner = parse_alternatives(chars, pos)?;
                if chars.get(*pos) != Some(&')') {
                    return None;
                }
                *pos += 1;
                Re::Group(inner)
            }
            '[' => {
                *pos += 1;
                let negated = chars.get(*pos) == Some(&'^');
                if negated {
                    *pos += 1;
                }
                let mut ranges = Vec::new();
                let mut first = true;
                loop {
                    let c = *chars.get(*pos)?;
                    if c == ']' && !first {
                        *pos += 1;
                        break;
                    }
                    first = false;
                    let c = if c == '\\' {
                        *pos += 1;
                        *chars.get(*pos)?
                    } else {
                        c
                    };
                    *pos += 1;
                    if chars.get(*pos) == Some(&'-')
                        && chars.get(*pos + 1).is_some_and(|n| *n != ']')
                    {
                        let end = chars[*pos + 1];
                        *pos += 2;
                        ranges.push((c, end));
                    } else {
                        ranges.push((c, c));
                    }
                }
                Re::Class(ranges, negated)
            }
            '.' => {
                *pos += 1;
                Re::Any
            }
            '\\' => {
                *pos += 1;
                let escaped = *chars.get(*pos)?;
                *pos += 1;
                match escaped {
                    'd' => Re::Class(vec![('0', '9')], false),
                    'w' => Re::Class(vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')], false),
                    's' => Re::Class(
                        vec![(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')],
                        false,
                    ),
                    other => Re::Char(other),
                }
            }
            '*' | '+' | '?' | '{' => return None,
            other => {
                *pos += 1;
                Re::Char(other)
            }
        };
        let atom = match chars.get(*pos) {
            Some('*') => {
                *pos += 1;
                Re::Repeat(Box::new(atom), 0, true)
            }
            Some('+') => {
                *pos += 1;
                Re::Repeat(Box::new(atom), 1, true)
            }
            Some('?') => {
                *pos += 1;
                Re::Repeat(Box::new(atom), 0, false)
            }
            _ => atom,
        };
        if let Some(last) = alternatives.last_mut() {
            last.push(atom);
        }
    }
    Some(alternatives)
}

/// Backtracking match of `seq` at `pos`, calling `k` with every end position
/// until it accepts; `budget` bounds the work on pathological patterns.
fn match_seq(
    seq: &[Re],
    text: &[char],
    pos: usize,
    budget: &Cell<usize>,
    k: &mut dyn FnMut(usize) -> bool,
) -> bool {
    if budget.get() == 0 {
        return false;
    }
    budget.set(budget.get() - 1);
    let Some((first, rest)) = seq.split_first() else {
        return k(pos);
    };
    match first {
        Re::Char(_) | Re::Any | Re::Class(..) => {
            let ok = text.get(pos).is_some_and(|c| match first {
                Re::Char(x) => x == c,
                Re::Class(ranges, negated) => {
                    ranges.iter().any(|(a, b)| a <= c && c <= b) != *negated
                }
                _ => true,
            });
            ok && match_seq(rest, text, pos + 1, budget, k)
        }
        Re::Group(alternatives) => alternatives.iter().any(|alt| {
            match_seq(alt, text, pos, budget, &mut |p| {
                match_seq(rest, text, p, budget, k)
            })
        }),
        Re::Repeat(inner, min, many) => {
            let repeat = Repeat {
                inner,
                min: *min,
                many: *many,
                rest,
                text,
                budget,
            };
            repeat.run(0, pos, k)
        }
    }
}

struct Repeat<'a> {
    inner: &'a Re,
    min: usize,
    many: bool,
    rest: &'a [Re],
    text: &'a [char],
    budget: &'a Cell<usize>,
}

impl Repeat<'_> {
    /// Greedy: one more repetition first (never an empty one), then the rest.
    fn run(&self, count: usize, pos: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
        if (self.many || count == 0)
            && match_seq(
                std::slice::from_ref(self.inner),
                self.text,
                pos,
                self.budget,
                &mut |p| p != pos && self.run(count + 1, p, k),
            )
        {
            return true;
        }
        count >= self.min && match_seq(self.rest, self.text, pos, self.budget, k)
    }
}

struct Builder<'a> {
    files: &'a [&'a ParsedFile],
    root: &'a Path,
    options: &'a ModelOptions,
    file_index: BTreeMap<String, usize>,
    directories: BTreeSet<String>,
    /// Cluster directory → cluster name.
    cluster_dirs: BTreeMap<String, String>,
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

/// Cluster directories: each child of the clusters directory, and each
/// directory elsewhere that holds a Flux bootstrap (`<dir>/flux-system/` with
/// `gotk-components.yaml`, `gotk-sync.yaml` or `kustomization.yaml`), named
/// after its last component (`hub/flux-system/` makes the cluster `hub`).
fn cluster_directories<'a>(
    clusters_dir: &str,
    directories: &BTreeSet<String>,
    files: impl Iterator<Item = &'a String>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut names = BTreeSet::new();
    for dir in directories {
        if dir != "." && parent_dir(dir) == clusters_dir {
            out.insert(dir.clone(), base_name(dir).to_owned());
            names.insert(base_name(dir).to_owned());
        }
    }
    let prefix = format!("{clusters_dir}/");
    for file in files {
        if !matches!(
            base_name(file),
            "gotk-components.yaml" | "gotk-sync.yaml" | "kustomization.yaml" | "kustomization.yml"
        ) {
            continue;
        }
        let flux_dir = parent_dir(file);
        if base_name(&flux_dir) != "flux-system" {
            continue;
        }
        let dir = parent_dir(&flux_dir);
        if dir == "." || dir == clusters_dir || dir.starts_with(&prefix) {
            continue;
        }
        let name = base_name(&dir).to_owned();
        if names.insert(name.clone()) {
            out.insert(dir, name);
        }
    }
    out
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
        let cluster_dirs =
            cluster_directories(&options.clusters_dir, &directories, file_index.keys());
        let builder = Builder {
            files,
            root,
            options,
            file_index,
            directories,
            cluster_dirs,
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
            kinds: BTreeMap::new(),
            kustomize_files: Vec::new(),
            flux_kustomizations: Vec::new(),
            helm_releases: Vec::new(),
            clusters: Vec::new(),
            dependency_cycles: Vec::new(),
            files: self.file_index.keys().cloned().collect(),
            directories: self.directories.clone(),
            directory_clusters: BTreeMap::new(),
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
        self.mark_patches(&mut model);
        self.collect_flux_kustomizations(&mut model, &kustomize_by_dir);
        self.collect_helm_releases(&mut model);
        self.resolve_namespaces(&mut model, &kustomize_by_dir);
        self.apply_kubeconfig_patches(&mut model, &kustomize_by_dir);
        self.assign_clusters(&mut model);
        for object in model.objects.iter().filter(|o| !o.patch) {
            let ns = object.effective_namespace.as_deref().unwrap_or("");
            model
                .index
                .entry(index_key(&object.group, &object.kind, ns, &object.name))
                .or_default()
                .push(object.id);
            model
                .kinds
                .entry(format!("{}/{}", object.group, object.kind))
                .or_default()
                .push(object.id);
        }
        self.collect_cluster_labels(&mut model);
        resolve_references(&mut model);
        model.dependency_cycles = dependency_cycles(&model);
        model
    }

    fn collect_documents(&self, model: &mut RepoModel) {
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
                    body,
                });
                model.locations.push(doc_ref);
            }
        }
    }

    /// Objects of files that kustomization.yaml files name only as patches are patches.
    fn mark_patches(&self, model: &mut RepoModel) {
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

    fn path_ref(&self, base_dir: &str, raw: &str, path: Vec<Value>) -> PathRef {
        if is_remote(raw) || is_templated(raw) {
            return PathRef {
                raw: raw.to_owned(),
                target: String::new(),
                exists: false,
                escapes: false,
                absolute: false,
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
                absolute: false,
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
                    absolute: false,
                    unresolved: false,
                    path,
                }
            }
        }
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

    fn kustomize_file(&self, repo_path: &str, document: usize, root: &Node) -> KustomizeFile {
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
            body: root.to_json(),
        }
    }

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

    fn collect_flux_kustomizations(
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
                    self.applied_files(&p.target, kustomize_by_dir, model)
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

    fn collect_helm_releases(&self, model: &mut RepoModel) {
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

    /// The cluster a kubeconfig secret leads to: the secret's name without its
    /// `-kubeconfig` suffix when that is a known cluster; else the cluster
    /// directory the reconciled path lies in; else a `cluster_name` post-build
    /// substitution; else the object's namespace (the layout of
    /// fluxcd/flux2-hub-spoke-example: one namespace per spoke on the hub);
    /// else the secret's name without its suffix.
    fn remote_cluster(&self, object: &ModelObject, secret: &str, path: Option<&str>) -> String {
        let from_secret = {
            let name = secret.strip_suffix("-kubeconfig-secret").unwrap_or(secret);
            name.strip_suffix("-kubeconfig").unwrap_or(name).to_owned()
        };
        if self.cluster_dirs.values().any(|c| *c == from_secret) {
            return from_secret;
        }
        if let Some(cluster) = path
            .filter(|p| !p.is_empty())
            .and_then(|p| self.cluster_of(p))
        {
            return cluster;
        }
        if let Some(map) = object
            .body
            .pointer("/spec/postBuild/substitute")
            .and_then(Value::as_object)
        {
            for (key, value) in map {
                let key = key.to_ascii_lowercase().replace('-', "_");
                if matches!(key.as_str(), "cluster_name" | "cluster") {
                    if let Some(v) = value.as_str().filter(|v| !v.is_empty() && !is_templated(v)) {
                        return v.to_owned();
                    }
                }
            }
        }
        let ns = object
            .effective_namespace
            .as_deref()
            .or(object.namespace.as_deref());
        if let Some(ns) =
            ns.filter(|ns| !matches!(*ns, "flux-system" | "default") && !is_templated(ns))
        {
            return ns.to_owned();
        }
        from_secret
    }

    /// Files a Flux Kustomization applies: what its directory's kustomization.yaml
    /// includes (transitively, patches excluded), or every YAML file below the directory without one.
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

    /// The cluster whose directory holds `path` (a file or a directory).
    fn cluster_of(&self, path: &str) -> Option<String> {
        let mut p = path.to_owned();
        loop {
            if let Some(name) = self.cluster_dirs.get(&p) {
                return Some(name.clone());
            }
            if p == "." || p.is_empty() {
                return None;
            }
            p = parent_dir(&p);
        }
    }

    /// The patches that add a kubeConfig, of Flux Kustomizations (`spec.patches`)
    /// and of kustomization.yaml files: the HelmReleases and Kustomizations they
    /// target then reconcile the cluster of that kubeconfig.
    fn apply_kubeconfig_patches(
        &self,
        model: &mut RepoModel,
        kustomize_by_dir: &BTreeMap<String, usize>,
    ) {
        struct Found {
            origin: Origin,
            secret: String,
            selector: Selector,
            files: Vec<String>,
            reconciled_path: Option<String>,
        }
        let mut found: Vec<Found> = Vec::new();
        for fk in &model.flux_kustomizations {
            let object = &model.objects[fk.object];
            let Some(patches) = object
                .body
                .pointer("/spec/patches")
                .and_then(Value::as_array)
            else {
                continue;
            };
            for (i, p) in patches.iter().enumerate() {
                let Some(text) = p.get("patch").and_then(Value::as_str) else {
                    continue;
                };
                for value in parse_patch_text(text) {
                    if let Some(secret) = kubeconfig_secret_of_patch(&value) {
                        let selector = match p.get("target") {
                            Some(target) => Selector::from_target(target),
                            None => match Selector::from_patch_object(&value) {
                                Some(s) => s,
                                None => continue,
                            },
                        };
                        found.push(Found {
                            origin: Origin {
                                object: Some(fk.object),
                                kustomize_file: None,
                                path: vec![
                                    Value::from("spec"),
                                    Value::from("patches"),
                                    Value::from(i),
                                ],
                            },
                            secret,
                            selector,
                            files: fk.files.clone(),
                            reconciled_path: fk.path.as_ref().map(|p| p.target.clone()),
                        });
                    }
                }
            }
        }
        for (k, kf) in model.kustomize_files.iter().enumerate() {
            let mut patches: Vec<(Vec<Value>, Option<&Value>, Vec<Value>)> = Vec::new();
            for field in ["patches", "patchesJson6902"] {
                let Some(items) = kf.body.get(field).and_then(Value::as_array) else {
                    continue;
                };
                for (i, p) in items.iter().enumerate() {
                    if let Some(text) = p.get("patch").and_then(Value::as_str) {
                        patches.push((
                            vec![Value::from(field), Value::from(i)],
                            p.get("target"),
                            parse_patch_text(text),
                        ));
                    } else if let Some(raw) = p.get("path").and_then(Value::as_str) {
                        let values = normalize(&kf.dir, raw)
                            .and_then(|target| self.file_index.get(&target))
                            .map(|&f| {
                                self.files[f]
                                    .documents
                                    .iter()
                                    .map(|d| d.root.to_json())
                                    .collect()
                            })
                            .unwrap_or_default();
                        patches.push((
                            vec![Value::from(field), Value::from(i)],
                            p.get("target"),
                            values,
                        ));
                    }
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
                        normalize(&kf.dir, text)
                            .and_then(|target| self.file_index.get(&target))
                            .map(|&f| {
                                self.files[f]
                                    .documents
                                    .iter()
                                    .map(|d| d.root.to_json())
                                    .collect()
                            })
                            .unwrap_or_default()
                    };
                    patches.push((
                        vec![Value::from("patchesStrategicMerge"), Value::from(i)],
                        None,
                        values,
                    ));
                }
            }
            let mut files: Option<Vec<String>> = None;
            for (path, target, values) in patches {
                for value in values {
                    let Some(secret) = kubeconfig_secret_of_patch(&value) else {
                        continue;
                    };
                    let selector = match target {
                        Some(t) => Selector::from_target(t),
                        None => match Selector::from_patch_object(&value) {
                            Some(s) => s,
                            None => continue,
                        },
                    };
                    let files = files
                        .get_or_insert_with(|| self.applied_files(&kf.dir, kustomize_by_dir, model))
                        .clone();
                    found.push(Found {
                        origin: Origin {
                            object: None,
                            kustomize_file: Some(k),
                            path: path.clone(),
                        },
                        secret,
                        selector,
                        files,
                        reconciled_path: Some(kf.dir.clone()),
                    });
                }
            }
        }
        if found.is_empty() {
            return;
        }
        let mut objects_by_file: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for o in model.objects.iter().filter(|o| !o.patch) {
            objects_by_file
                .entry(o.file.as_str())
                .or_default()
                .push(o.id);
        }
        let fk_of: BTreeMap<usize, usize> = model
            .flux_kustomizations
            .iter()
            .enumerate()
            .map(|(i, fk)| (fk.object, i))
            .collect();
        let hr_of: BTreeMap<usize, usize> = model
            .helm_releases
            .iter()
            .enumerate()
            .map(|(i, hr)| (hr.object, i))
            .collect();
        let mut records = Vec::new();
        for f in found {
            let mut objects = Vec::new();
            let mut clusters = BTreeSet::new();
            for file in &f.files {
                for &id in objects_by_file.get(file.as_str()).into_iter().flatten() {
                    let object = &model.objects[id];
                    let is_flux = (object.group == FLUX_HELM_GROUP && object.kind == "HelmRelease")
                        || (object.group == FLUX_KUSTOMIZE_GROUP && object.kind == "Kustomization");
                    if !is_flux || !f.selector.matches(object) {
                        continue;
                    }
                    let cluster =
                        self.remote_cluster(object, &f.secret, f.reconciled_path.as_deref());
                    clusters.insert(cluster.clone());
                    objects.push(id);
                    let (secret, from, remote) = if let Some(&h) = hr_of.get(&id) {
                        let hr = &mut model.helm_releases[h];
                        (
                            &mut hr.kubeconfig_secret,
                            &mut hr.kubeconfig_from,
                            &mut hr.remote,
                        )
                    } else if let Some(&k) = fk_of.get(&id) {
                        let fk = &mut model.flux_kustomizations[k];
                        (
                            &mut fk.kubeconfig_secret,
                            &mut fk.kubeconfig_from,
                            &mut fk.remote,
                        )
                    } else {
                        continue;
                    };
                    if secret.is_none() {
                        *secret = Some(f.secret.clone());
                        *from = Some(f.origin.clone());
                    }
                    if !remote.contains(&cluster) {
                        remote.push(cluster);
                    }
                }
            }
            records.push((
                f.origin,
                KubeconfigPatch {
                    secret: f.secret,
                    path: Default::default(),
                    objects,
                    clusters: clusters.into_iter().collect(),
                },
            ));
        }
        for (origin, mut record) in records {
            record.path = origin.path;
            if let Some(id) = origin.object {
                if let Some(&k) = fk_of.get(&id) {
                    model.flux_kustomizations[k].kubeconfig_patches.push(record);
                }
            } else if let Some(k) = origin.kustomize_file {
                model.kustomize_files[k].kubeconfig_patches.push(record);
            }
        }
    }

    fn assign_clusters(&self, model: &mut RepoModel) {
        let mut file_clusters: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut objects_in_file: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, fk) in model.flux_kustomizations.iter().enumerate() {
            objects_in_file
                .entry(model.objects[fk.object].file.clone())
                .or_default()
                .push(i);
        }
        let flux = &mut model.flux_kustomizations;
        let mut seen: BTreeSet<(usize, String)> = BTreeSet::new();
        let mut propagate =
            |queue: &mut VecDeque<(usize, String)>,
             flux: &mut Vec<FluxKustomization>,
             file_clusters: &mut BTreeMap<String, BTreeSet<String>>| {
                while let Some((fk_index, source_cluster)) = queue.pop_front() {
                    if !seen.insert((fk_index, source_cluster.clone())) {
                        continue;
                    }
                    let fk = &mut flux[fk_index];
                    let targets = if fk.remote.is_empty() {
                        vec![source_cluster.clone()]
                    } else {
                        fk.remote.clone()
                    };
                    push_unique(&mut fk.source_clusters, &source_cluster);
                    for target in &targets {
                        push_unique(&mut fk.target_clusters, target);
                    }
                    for file in &fk.files {
                        file_clusters
                            .entry(file.clone())
                            .or_default()
                            .extend(targets.iter().cloned());
                        for next in objects_in_file.get(file).into_iter().flatten() {
                            for target in &targets {
                                queue.push_back((*next, target.clone()));
                            }
                        }
                    }
                }
            };
        // Seed: a cluster directory's flux-system is applied by that cluster's own Flux.
        let mut queue: VecDeque<(usize, String)> = VecDeque::new();
        for (i, fk) in flux.iter().enumerate() {
            let file = &model.objects[fk.object].file;
            if let Some(cluster) = self.cluster_of(file) {
                if parent_dir(file).ends_with("/flux-system") {
                    queue.push_back((i, cluster));
                }
            }
        }
        propagate(&mut queue, flux, &mut file_clusters);
        // Then the Flux Kustomizations of cluster directories that nothing reached
        // (a bootstrap whose gotk-sync.yaml is generated and not committed): first
        // those no Kustomization applies (the roots), then any left in a loop.
        let applied: BTreeSet<String> = flux
            .iter()
            .flat_map(|fk| fk.files.iter().cloned())
            .collect();
        for roots_only in [true, false] {
            for (i, fk) in flux.iter().enumerate() {
                let file = &model.objects[fk.object].file;
                if fk.source_clusters.is_empty() && !(roots_only && applied.contains(file)) {
                    if let Some(cluster) = self.cluster_of(file) {
                        queue.push_back((i, cluster));
                    }
                }
            }
            propagate(&mut queue, flux, &mut file_clusters);
        }
        // Files no Flux Kustomization reaches still belong to their cluster directory.
        for file in &model.files {
            if !file_clusters.contains_key(file) {
                if let Some(cluster) = self.cluster_of(file) {
                    file_clusters
                        .entry(file.clone())
                        .or_default()
                        .insert(cluster);
                }
            }
        }
        for fk in flux.iter_mut() {
            if fk.source_clusters.is_empty() {
                let own: Vec<String> = file_clusters
                    .get(&model.objects[fk.object].file)
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect();
                fk.source_clusters = own.clone();
                fk.target_clusters = if fk.remote.is_empty() {
                    own
                } else {
                    fk.remote.clone()
                };
            }
            fk.source_clusters.sort();
            fk.target_clusters.sort();
        }
        let mut directory_clusters: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (file, clusters) in &file_clusters {
            if !clusters.is_empty() {
                directory_clusters
                    .entry(parent_dir(file))
                    .or_default()
                    .extend(clusters.iter().cloned());
            }
        }
        model.directory_clusters = directory_clusters
            .into_iter()
            .map(|(dir, clusters)| (dir, clusters.into_iter().collect()))
            .collect();
        for object in &mut model.objects {
            object.clusters = file_clusters
                .get(&object.file)
                .into_iter()
                .flatten()
                .cloned()
                .collect();
        }
        for hr in &mut model.helm_releases {
            hr.source_clusters = model.objects[hr.object].clusters.clone();
            hr.target_clusters = if hr.remote.is_empty() {
                hr.source_clusters.clone()
            } else {
                let mut remote = hr.remote.clone();
                remote.sort();
                remote
            };
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
                helm_releases: Vec::new(),
                labels: BTreeMap::new(),
                label_sources: Vec::new(),
            });
        };
        for (dir, name) in &self.cluster_dirs {
            ensure(name, &mut clusters);
            if let Some(c) = clusters.get_mut(name) {
                c.directory.get_or_insert_with(|| dir.clone());
            }
        }
        let mut hubs: BTreeSet<String> = BTreeSet::new();
        for (i, fk) in model.flux_kustomizations.iter().enumerate() {
            for target in &fk.target_clusters {
                ensure(target, &mut clusters);
                if let Some(c) = clusters.get_mut(target) {
                    c.kustomizations.push(i);
                    if !fk.remote.is_empty() {
                        c.reconciled_by.push(i);
                    }
                }
            }
            if !fk.remote.is_empty() {
                hubs.extend(fk.source_clusters.iter().cloned());
            }
            for patch in &fk.kubeconfig_patches {
                for target in &patch.clusters {
                    ensure(target, &mut clusters);
                    if let Some(c) = clusters.get_mut(target) {
                        if !c.reconciled_by.contains(&i) {
                            c.reconciled_by.push(i);
                        }
                    }
                }
            }
        }
        for (i, hr) in model.helm_releases.iter().enumerate() {
            for target in &hr.target_clusters {
                ensure(target, &mut clusters);
                if let Some(c) = clusters.get_mut(target) {
                    c.helm_releases.push(i);
                }
            }
            if !hr.remote.is_empty() {
                hubs.extend(hr.source_clusters.iter().cloned());
            }
        }
        for cluster in clusters.values_mut() {
            cluster.reconciled_by.sort_unstable();
            cluster.role = if hubs.contains(&cluster.name) {
                "hub"
            } else if !cluster.reconciled_by.is_empty()
                || cluster
                    .helm_releases
                    .iter()
                    .any(|&h| !model.helm_releases[h].remote.is_empty())
            {
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
            if is_cluster_scoped(&object.kind) {
                object.effective_namespace = None;
                continue;
            }
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
        // One pass over the label ConfigMaps, grouped by the clusters they land on.
        let mut from_configmaps: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for object in &model.objects {
            if object.kind == "ConfigMap"
                && object.group.is_empty()
                && !object.patch
                && self.options.cluster_label_configmaps.contains(&object.name)
            {
                for cluster in &object.clusters {
                    from_configmaps.entry(cluster).or_default().push(object.id);
                }
            }
        }
        let mut per_cluster: Vec<(BTreeMap<String, String>, Vec<usize>)> = Vec::new();
        for cluster in &model.clusters {
            let mut labels = BTreeMap::new();
            let mut sources = Vec::new();
            for &id in from_configmaps
                .get(cluster.name.as_str())
                .into_iter()
                .flatten()
            {
                let object = &model.objects[id];
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
            per_cluster.push((labels, sources));
        }
        for (cluster, (labels, sources)) in model.clusters.iter_mut().zip(per_cluster) {
            cluster.labels = labels;
            cluster.label_sources = sources;
        }
    }
}

/// What a reference field names, which decides where its target is looked up.
#[derive(Clone, Copy)]
enum RefField {
    /// `sourceRef`, `chartRef`: a source of the kind written, in the namespace written.
    Source,
    /// `dependsOn`: an object of the referrer's own group and kind, in the namespace written.
    DependsOn,
    /// `valuesFrom`, `substituteFrom`: a ConfigMap or Secret, always in the referrer's
    /// namespace (the entries have no namespace field).
    Data,
}

/// The `sourceRef`, `chartRef`, `dependsOn`, `valuesFrom` and `substituteFrom`
/// of Flux Kustomizations and HelmReleases, each looked up once in the index
/// (after it is complete), so the graph shows the objects the rules judge.
fn resolve_references(model: &mut RepoModel) {
    let resolved = &*model;
    let kustomizations: Vec<_> = resolved
        .flux_kustomizations
        .iter()
        .map(|fk| {
            let referrer = &resolved.objects[fk.object];
            (
                field_ref(resolved, referrer, RefField::Source, &["spec", "sourceRef"]),
                list_refs(
                    resolved,
                    referrer,
                    RefField::DependsOn,
                    &["spec", "dependsOn"],
                ),
                list_refs(
                    resolved,
                    referrer,
                    RefField::Data,
                    &["spec", "postBuild", "substituteFrom"],
                ),
            )
        })
        .collect();
    let releases: Vec<_> = resolved
        .helm_releases
        .iter()
        .map(|hr| {
            let referrer = &resolved.objects[hr.object];
            (
                field_ref(
                    resolved,
                    referrer,
                    RefField::Source,
                    &["spec", "chart", "spec", "sourceRef"],
                )
                .or_else(|| field_ref(resolved, referrer, RefField::Source, &["spec", "chartRef"])),
                list_refs(
                    resolved,
                    referrer,
                    RefField::DependsOn,
                    &["spec", "dependsOn"],
                ),
                list_refs(resolved, referrer, RefField::Data, &["spec", "valuesFrom"]),
            )
        })
        .collect();
    for (fk, (source, depends_on, substitute_from)) in
        model.flux_kustomizations.iter_mut().zip(kustomizations)
    {
        fk.source = source;
        fk.depends_on = depends_on;
        fk.substitute_from = substitute_from;
    }
    for (hr, (chart_source, depends_on, values_from)) in
        model.helm_releases.iter_mut().zip(releases)
    {
        hr.chart_source = chart_source;
        hr.depends_on = depends_on;
        hr.values_from = values_from;
    }
}

fn value_at<'v>(body: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(body, |v, key| v.get(*key))
}

/// The reference written as the object at `path`.
fn field_ref(
    model: &RepoModel,
    referrer: &ModelObject,
    field: RefField,
    path: &[&str],
) -> Option<ObjectRef> {
    let entry = value_at(&referrer.body, path)?;
    let path = path.iter().map(|key| Value::from(*key)).collect();
    object_ref(model, referrer, field, entry, path)
}

/// The references written as the items of the list at `path`.
fn list_refs(
    model: &RepoModel,
    referrer: &ModelObject,
    field: RefField,
    path: &[&str],
) -> Vec<ObjectRef> {
    value_at(&referrer.body, path)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, entry)| {
            let mut at: Vec<Value> = path.iter().map(|key| Value::from(*key)).collect();
            at.push(Value::from(i));
            object_ref(model, referrer, field, entry, at)
        })
        .collect()
}

/// Resolve one `{kind, name, namespace}` entry; `None` when it has no name.
fn object_ref(
    model: &RepoModel,
    referrer: &ModelObject,
    field: RefField,
    entry: &Value,
    path: Vec<Value>,
) -> Option<ObjectRef> {
    let text = |key: &str| entry.get(key).and_then(Value::as_str);
    let name = text("name")?;
    let (group, kind, written_namespace) = match field {
        RefField::Source => (FLUX_SOURCE_GROUP, text("kind"), text("namespace")),
        RefField::DependsOn => (
            referrer.group.as_str(),
            Some(referrer.kind.as_str()),
            text("namespace"),
        ),
        RefField::Data => ("", text("kind"), None),
    };
    let kind = kind.unwrap_or_default();
    let namespace = written_namespace.or(referrer.effective_namespace.as_deref());
    let unresolved = is_templated(name) || namespace.is_some_and(is_templated);
    let object = if unresolved {
        None
    } else {
        let key = index_key(group, kind, namespace.unwrap_or(""), name);
        let candidates = model.index.get(&key).map_or(&[][..], Vec::as_slice);
        candidates
            .iter()
            .copied()
            .find(|&id| shares_cluster(referrer, &model.objects[id]))
            .or_else(|| candidates.first().copied())
    };
    Some(ObjectRef {
        kind: kind.to_owned(),
        name: name.to_owned(),
        namespace: namespace.map(str::to_owned),
        object,
        unresolved,
        optional: entry.get("optional").and_then(Value::as_bool) == Some(true),
        path,
    })
}

/// Whether two objects can see each other: they land on a common cluster, or
/// the repository does not say where one of them lands.
fn shares_cluster(a: &ModelObject, b: &ModelObject) -> bool {
    a.clusters.is_empty()
        || b.clusters.is_empty()
        || a.clusters.iter().any(|c| b.clusters.contains(c))
}

/// Strongly connected components of the `dependsOn` graph that are cycles
/// (Tarjan's algorithm, iterative, linear in objects and edges).
fn dependency_cycles(model: &RepoModel) -> Vec<Vec<usize>> {
    let nodes: Vec<usize> = model
        .flux_kustomizations
        .iter()
        .map(|f| f.object)
        .chain(model.helm_releases.iter().map(|h| h.object))
        .collect();
    let mut edges: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &id in &nodes {
        let object = &model.objects[id];
        let own_ns = object.effective_namespace.as_deref().unwrap_or("");
        let Some(entries) = object
            .body
            .pointer("/spec/dependsOn")
            .and_then(Value::as_array)
        else {
            continue;
        };
        for entry in entries {
            let Some(name) = entry.get("name").and_then(Value::as_str) else {
                continue;
            };
            let ns = entry
                .get("namespace")
                .and_then(Value::as_str)
                .unwrap_or(own_ns);
            let key = index_key(&object.group, &object.kind, ns, name);
            for &target in model.index.get(&key).into_iter().flatten() {
                if shares_cluster(object, &model.objects[target]) {
                    edges.entry(id).or_default().push(target);
                }
            }
        }
    }
    // Iterative Tarjan.
    let mut index_of: BTreeMap<usize, usize> = BTreeMap::new();
    let mut low: BTreeMap<usize, usize> = BTreeMap::new();
    let mut on_stack: BTreeSet<usize> = BTreeSet::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut next = 0usize;
    let mut cycles = Vec::new();
    let empty = Vec::new();
    for &root in &nodes {
        if index_of.contains_key(&root) {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        index_of.insert(root, next);
        low.insert(root, next);
        next += 1;
        stack.push(root);
        on_stack.insert(root);
        while let Some(&mut (node, ref mut child)) = work.last_mut() {
            let successors = edges.get(&node).unwrap_or(&empty);
            if *child < successors.len() {
                let succ = successors[*child];
                *child += 1;
                if let Some(&i) = index_of.get(&succ) {
                    if on_stack.contains(&succ) {
                        let l = low[&node].min(i);
                        low.insert(node, l);
                    }
                } else {
                    index_of.insert(succ, next);
                    low.insert(succ, next);
                    next += 1;
                    stack.push(succ);
                    on_stack.insert(succ);
                    work.push((succ, 0));
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                let l = low[&parent].min(low[&node]);
                low.insert(parent, l);
            }
            if low[&node] == index_of[&node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack.remove(&member);
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                let self_loop = edges.get(&node).is_some_and(|s| s.contains(&node));
                if component.len() > 1 || self_loop {
                    let key = |id: &usize| {
                        let o = &model.objects[*id];
                        (
                            o.effective_namespace.clone().unwrap_or_default(),
                            o.name.clone(),
                            o.kind.clone(),
                            *id,
                        )
                    };
                    component.sort_by_key(key);
                    cycles.push(component);
                }
            }
        }
    }
    cycles.sort();
    cycles
}

/// The documents of a patch written inline (`patch: |`).
fn parse_patch_text(text: &str) -> Vec<Value> {
    crate::yaml::parse_stream(text, crate::yaml::ParseLimits::default())
        .documents
        .iter()
        .map(|d| d.root.to_json())
        .filter(|v| !v.is_null())
        .collect()
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

    fn model_of(files: &[(&str, &str)]) -> RepoModel {
        let parsed: Vec<ParsedFile> = files
            .iter()
            .map(|(path, text)| {
                crate::parse::parse_text(path, path, *text, crate::yaml::ParseLimits::default())
            })
            .collect();
        let refs: Vec<&ParsedFile> = parsed.iter().collect();
        RepoModel::build(
            &refs,
            Path::new("/nonexistent-root"),
            &ModelOptions::default(),
        )
    }

    fn object<'m>(model: &'m RepoModel, file: &str, name: &str) -> &'m ModelObject {
        model
            .objects
            .iter()
            .find(|o| o.file == file && o.name == name)
            .expect("object in model")
    }

    fn cluster<'m>(model: &'m RepoModel, name: &str) -> &'m Cluster {
        model
            .clusters
            .iter()
            .find(|c| c.name == name)
            .expect("cluster in model")
    }

    #[test]
    fn kustomize_target_patterns_are_anchored_regular_expressions() {
        assert!(regex_full_match(
            "kustomize-controller",
            "kustomize-controller"
        ));
        assert!(!regex_full_match("kustomize", "kustomize-controller"));
        let flux = "(kustomize-controller|helm-controller|notification-controller)";
        assert!(regex_full_match(flux, "helm-controller"));
        assert!(!regex_full_match(flux, "source-controller"));
        assert!(regex_full_match("^(?:cert|metrics)-.*$", "metrics-server"));
        assert!(regex_full_match("Helm[A-Z][a-z]+", "HelmRelease"));
        assert!(regex_full_match("v1(beta[0-9]+)?", "v1beta2"));
        assert!(regex_full_match("v1(beta[0-9]+)?", "v1"));
        assert!(!regex_full_match("[^h].*", "helm"));
        assert!(regex_full_match("a\\.b", "a.b"));
        assert!(!regex_full_match("a\\.b", "axb"));
        // Outside the subset: compared literally, never a panic.
        assert!(regex_full_match("a{2}", "a{2}"));
        assert!(!regex_full_match("(unclosed", "unclosed"));
        // Pathological patterns stop at the budget instead of hanging.
        assert!(!regex_full_match("(a*)*b", &"a".repeat(40)));
    }

    #[test]
    fn label_selectors_follow_kubernetes() {
        let labels = serde_json::json!({"app": "web", "tier": "front"});
        assert!(selector_matches("app=web", Some(&labels)));
        assert!(selector_matches("app==web,tier", Some(&labels)));
        assert!(!selector_matches("app!=web", Some(&labels)));
        assert!(selector_matches(
            "tier in (front, back),!debug",
            Some(&labels)
        ));
        assert!(!selector_matches("tier notin (front)", Some(&labels)));
        assert!(!selector_matches("app=web", None));
    }

    const HUB_SPOKE_EXAMPLE: &[(&str, &str)] = &[
        ("hub/flux-system/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [gotk-sync.yaml]\n"),
        ("hub/flux-system/gotk-sync.yaml", "# generated at bootstrap\n"),
        ("hub/edge.yaml", r#"
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: addons, namespace: edge}
spec:
  targetNamespace: edge
  path: ./clusters/edge/addons
  sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
  patches:
    - target:
        kind: HelmRelease
        name: "(cert|metrics)-.*"
        labelSelector: "tier=addon"
      patch: |
        - op: add
          path: /spec/kubeConfig
          value:
            secretRef:
              name: cluster-kubeconfig
    - patch: |
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: nested
        spec:
          kubeConfig:
            secretRef:
              name: cluster-kubeconfig
"#),
        ("clusters/edge/addons/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [releases.yaml, nested.yaml]\n"),
        ("clusters/edge/addons/releases.yaml", r#"
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: cert-manager, labels: {tier: addon}}
spec: {chart: {spec: {chart: cert-manager}}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: metrics-server, labels: {tier: debug}}
spec: {chart: {spec: {chart: metrics-server}}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, labels: {tier: addon}}
spec: {chart: {spec: {chart: podinfo}}}
"#),
        ("clusters/edge/addons/nested.yaml", r#"
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: nested}
spec:
  path: ./clusters/edge/nested
  sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
"#),
        ("clusters/edge/nested/config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nested, namespace: default}\n"),
    ];

    #[test]
    fn patches_that_add_a_kubeconfig_send_their_targets_to_the_spoke() {
        let model = model_of(HUB_SPOKE_EXAMPLE);
        // hub/flux-system/ makes "hub" a cluster; its Kustomizations run there.
        assert_eq!(cluster(&model, "hub").directory.as_deref(), Some("hub"));
        assert_eq!(cluster(&model, "hub").role, "hub");
        assert_eq!(cluster(&model, "edge").role, "spoke");
        let release = |name: &str| {
            let id = object(&model, "clusters/edge/addons/releases.yaml", name).id;
            model
                .helm_releases
                .iter()
                .find(|h| h.object == id)
                .expect("helm release")
        };
        // Kind, name pattern and label selector all match: installed into edge.
        let cert_manager = release("cert-manager");
        assert_eq!(
            cert_manager.kubeconfig_secret.as_deref(),
            Some("cluster-kubeconfig")
        );
        assert_eq!(cert_manager.source_clusters, ["hub"]);
        assert_eq!(cert_manager.target_clusters, ["edge"]);
        let origin = cert_manager.kubeconfig_from.as_ref().expect("origin");
        assert_eq!(
            origin.path,
            [Value::from("spec"), Value::from("patches"), Value::from(0)]
        );
        // The label selector excludes metrics-server, the name pattern podinfo.
        assert_eq!(release("metrics-server").kubeconfig_secret, None);
        assert_eq!(release("metrics-server").target_clusters, ["hub"]);
        assert_eq!(release("podinfo").kubeconfig_secret, None);
        // A strategic-merge patch targets the Kustomization of its own kind and name.
        let nested = object(&model, "clusters/edge/addons/nested.yaml", "nested").id;
        let fk = model
            .flux_kustomizations
            .iter()
            .find(|f| f.object == nested)
            .expect("nested kustomization");
        assert_eq!(fk.kubeconfig_secret.as_deref(), Some("cluster-kubeconfig"));
        assert_eq!(fk.source_clusters, ["hub"]);
        assert_eq!(fk.target_clusters, ["edge"]);
        assert_eq!(
            object(&model, "clusters/edge/nested/config.yaml", "nested").clusters,
            ["edge"]
        );
        // The patching Kustomization reconciles edge through its patches.
        let addons = model
            .flux_kustomizations
            .iter()
            .position(|f| model.objects[f.object].name == "addons")
            .expect("addons");
        assert!(cluster(&model, "edge").reconciled_by.contains(&addons));
        assert_eq!(
            model.flux_kustomizations[addons].kubeconfig_patches.len(),
            2
        );
    }

    #[test]
    fn patch_files_define_nothing_and_are_not_applied() {
        let model = model_of(&[
            ("clusters/dev/sync.yaml", r#"
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: tenants, namespace: flux-system}
spec:
  path: ./tenants/dev
  sourceRef: {kind: GitRepository, name: flux-system}
"#),
            ("tenants/base/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: apps\nresources: [sync.yaml, rbac.yaml]\n"),
            ("tenants/base/sync.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: dev-team}\nspec: {serviceAccountName: dev-team}\n"),
            ("tenants/base/rbac.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: dev-team}\n"),
            ("tenants/dev/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../base]\npatches:\n  - path: patch.yaml\n"),
            ("tenants/dev/patch.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: dev-team, namespace: apps}\nspec: {path: ./dev}\n"),
        ]);
        let patch = object(&model, "tenants/dev/patch.yaml", "dev-team");
        assert!(patch.patch);
        assert!(!object(&model, "tenants/base/sync.yaml", "dev-team").patch);
        let tenants = model
            .flux_kustomizations
            .iter()
            .find(|f| model.objects[f.object].name == "tenants")
            .expect("tenants");
        assert!(!tenants.files.iter().any(|f| f == "tenants/dev/patch.yaml"));
        assert!(tenants.files.iter().any(|f| f == "tenants/base/sync.yaml"));
        // The patch is neither indexed nor a Flux Kustomization of its own.
        assert_eq!(
            model.index["kustomize.toolkit.fluxcd.io/Kustomization/apps/dev-team"].len(),
            1
        );
        assert!(!model
            .flux_kustomizations
            .iter()
            .any(|f| f.object == patch.id));
        // kustomize's namespace never applies to cluster-scoped kinds.
        assert_eq!(
            object(&model, "tenants/base/rbac.yaml", "dev-team").effective_namespace,
            None
        );
        assert_eq!(
            object(&model, "tenants/base/sync.yaml", "dev-team")
                .effective_namespace
                .as_deref(),
            Some("apps")
        );
        // Without a committed flux-system sync, a cluster directory still runs its Kustomizations.
        assert_eq!(tenants.source_clusters, ["dev"]);
        assert_eq!(
            object(&model, "tenants/base/sync.yaml", "dev-team").clusters,
            ["dev"]
        );
    }

    #[test]
    fn a_source_on_another_branch_is_not_this_repository() {
        let model = model_of(&[
            (
                "clusters/dev/flux-system/gotk-sync.yaml",
                r#"
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system, namespace: flux-system}
spec: {url: "https://github.com/org/fleet", ref: {branch: main}}
"#,
            ),
            (
                "clusters/dev/sources.yaml",
                r#"
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: same, namespace: flux-system}
spec: {url: "ssh://git@github.com/org/fleet.git", ref: {branch: main}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: tenant-branch, namespace: flux-system}
spec: {url: "https://github.com/org/fleet", ref: {branch: dev-team}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: a, namespace: flux-system}
spec: {path: ./missing, sourceRef: {kind: GitRepository, name: same}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: b, namespace: flux-system}
spec: {sourceRef: {kind: GitRepository, name: tenant-branch}}
"#,
            ),
        ]);
        let local = |name: &str| {
            model
                .flux_kustomizations
                .iter()
                .find(|f| model.objects[f.object].name == name)
                .expect("kustomization")
                .local_source
        };
        assert!(local("a"));
        // Same URL, other branch: another tree, so its (default) path is not this root.
        assert!(!local("b"));
    }

    #[test]
    fn dependency_cycles_are_found_once_within_a_cluster() {
        let ks = |name: &str, deps: &[&str]| {
            let deps: String = deps.iter().map(|d| format!("    - name: {d}\n")).collect();
            format!(
                "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  dependsOn:\n{deps}  path: ./none\n  sourceRef: {{kind: GitRepository, name: flux-system}}\n"
            )
        };
        let production = [
            ks("c", &["a"]),
            ks("a", &["b"]),
            ks("b", &["c"]),
            ks("d", &["d"]),
        ]
        .concat();
        // On staging the edges run the other way: no cycle with production's objects.
        let staging = [ks("apps", &["infra"]), ks("infra", &[])].concat();
        let production_apps = [ks("infra", &["apps"]), ks("apps", &[])].concat();
        let model = model_of(&[
            ("clusters/production/order.yaml", production.as_str()),
            ("clusters/production/apps.yaml", production_apps.as_str()),
            ("clusters/staging/order.yaml", staging.as_str()),
        ]);
        let names: Vec<Vec<&str>> = model
            .dependency_cycles
            .iter()
            .map(|c| {
                c.iter()
                    .map(|&id| model.objects[id].name.as_str())
                    .collect()
            })
            .collect();
        assert_eq!(names, [vec!["a", "b", "c"], vec!["d"]]);
    }

    const REFERENCES: &[(&str, &str)] = &[
        (
            "clusters/dev/sources.yaml",
            r#"
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: platform, namespace: flux-system}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts}
"#,
        ),
        (
            "clusters/dev/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: apps\nresources: [sources.yaml, apps.yaml]\n",
        ),
        (
            "clusters/dev/apps.yaml",
            r#"
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: web}
spec:
  sourceRef: {kind: GitRepository, name: platform, namespace: flux-system}
  dependsOn:
    - name: base
    - name: ${CLUSTER_NAME}-infra
  postBuild:
    substituteFrom:
      - {kind: ConfigMap, name: settings, namespace: elsewhere, optional: true}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web}
spec:
  chart: {spec: {chart: web, sourceRef: {kind: HelmRepository, name: charts}}}
  valuesFrom:
    - {kind: Secret, name: web-values}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: api, namespace: apps}
spec:
  chartRef: {kind: OCIRepository, name: api-chart}
"#,
        ),
    ];

    fn flux_kustomization<'m>(model: &'m RepoModel, name: &str) -> &'m FluxKustomization {
        model
            .flux_kustomizations
            .iter()
            .find(|f| model.objects[f.object].name == name)
            .expect("flux kustomization")
    }

    fn helm_release<'m>(model: &'m RepoModel, name: &str) -> &'m HelmRelease {
        model
            .helm_releases
            .iter()
            .find(|h| model.objects[h.object].name == name)
            .expect("helm release")
    }

    #[test]
    fn references_resolve_in_the_written_namespace_else_the_referrers() {
        let model = model_of(REFERENCES);
        let platform = object(&model, "clusters/dev/sources.yaml", "platform").id;
        let charts = object(&model, "clusters/dev/sources.yaml", "charts").id;
        let path = |p: &[&str]| p.iter().map(|s| Value::from(*s)).collect::<Vec<_>>();
        let web = flux_kustomization(&model, "web");
        // Across namespaces: the Kustomization is in apps, its source in flux-system.
        assert_eq!(
            web.source,
            Some(ObjectRef {
                kind: "GitRepository".to_owned(),
                name: "platform".to_owned(),
                namespace: Some("flux-system".to_owned()),
                object: Some(platform),
                unresolved: false,
                optional: false,
                path: path(&["spec", "sourceRef"]),
            })
        );
        // No namespace written: the HelmRelease's own, apps from the enclosing
        // kustomization.yaml, where the HelmRepository also lands.
        let chart = helm_release(&model, "web")
            .chart_source
            .as_ref()
            .expect("chart source");
        assert_eq!(chart.namespace.as_deref(), Some("apps"));
        assert_eq!(chart.object, Some(charts));
        assert_eq!(chart.path, path(&["spec", "chart", "spec", "sourceRef"]));
        // Missing targets stay, with no object.
        let base = &web.depends_on[0];
        assert_eq!(
            (
                base.kind.as_str(),
                base.name.as_str(),
                base.namespace.as_deref()
            ),
            ("Kustomization", "base", Some("apps"))
        );
        assert!(base.is_dangling());
        assert_eq!(
            base.path,
            [
                Value::from("spec"),
                Value::from("dependsOn"),
                Value::from(0)
            ]
        );
        let values = &helm_release(&model, "web").values_from[0];
        assert_eq!((values.kind.as_str(), values.object), ("Secret", None));
        let api = helm_release(&model, "api")
            .chart_source
            .as_ref()
            .expect("chartRef");
        assert_eq!(
            (api.kind.as_str(), api.object, api.path.clone()),
            ("OCIRepository", None, path(&["spec", "chartRef"]))
        );
        // A substituted name is not dangling: only the cluster knows it.
        let templated = &web.depends_on[1];
        assert!(templated.unresolved && !templated.is_dangling());
        // substituteFrom has no namespace field: Flux reads the Kustomization's own.
        let settings = &web.substitute_from[0];
        assert_eq!(settings.namespace.as_deref(), Some("apps"));
        assert!(settings.optional);
    }

    #[test]
    fn a_reference_prefers_the_definition_on_the_referrers_cluster() {
        let ks = |name: &str, deps: &str| {
            format!(
                "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: {name}, namespace: flux-system}}\nspec: {{dependsOn: [{deps}], path: ./none, sourceRef: {{kind: GitRepository, name: flux-system}}}}\n"
            )
        };
        let production = [ks("infra", ""), ks("apps", "{name: infra}")].concat();
        let staging = [ks("infra", ""), ks("apps", "{name: infra}")].concat();
        let model = model_of(&[
            ("clusters/production/sync.yaml", production.as_str()),
            ("clusters/staging/sync.yaml", staging.as_str()),
        ]);
        for cluster in ["production", "staging"] {
            let file = format!("clusters/{cluster}/sync.yaml");
            let apps = object(&model, &file, "apps").id;
            let infra = object(&model, &file, "infra").id;
            let fk = model
                .flux_kustomizations
                .iter()
                .find(|f| f.object == apps)
                .expect("apps");
            assert_eq!(fk.depends_on[0].object, Some(infra), "{cluster}");
        }
        assert_eq!(
            model.directory_clusters,
            BTreeMap::from([
                (
                    "clusters/production".to_owned(),
                    vec!["production".to_owned()]
                ),
                ("clusters/staging".to_owned(), vec!["staging".to_owned()]),
            ])
        );
    }

    #[test]
    fn objects_are_placed_at_their_name() {
        let model = model_of(REFERENCES);
        let position = |file: &str, name: &str| {
            let o = object(&model, file, name);
            (o.line, o.column)
        };
        // Flow mappings: `metadata: {name: platform, ...}` on line 4 of the file.
        assert_eq!(position("clusters/dev/sources.yaml", "platform"), (4, 18));
        assert_eq!(position("clusters/dev/sources.yaml", "charts"), (8, 18));
        let nameless = model_of(&[("x.yaml", "apiVersion: v1\nkind: ConfigMap\n")]);
        // Without a name, the kind.
        assert_eq!(
            (nameless.objects[0].line, nameless.objects[0].column),
            (2, 1)
        );
    }
}
