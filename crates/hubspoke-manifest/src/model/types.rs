//! The model's data types: what repository rules receive as `input` (serialised
//! with serde) and what the builder fills in.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::PathSegment;

pub use super::producers::{builtin_producers, ObjectProducer};
pub use super::profile::Profile;

/// Flux API groups.
pub const FLUX_KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";
/// Flux helm-controller group.
pub const FLUX_HELM_GROUP: &str = "helm.toolkit.fluxcd.io";
/// Flux source-controller group.
pub const FLUX_SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";
/// Flux source-watcher group (ArtifactGenerator).
pub const FLUX_SOURCE_EXTENSIONS_GROUP: &str = "source.extensions.fluxcd.io";
/// The Flux Operator's group (FluxInstance, ResourceSet...).
pub const FLUX_OPERATOR_GROUP: &str = "fluxcd.controlplane.io";

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
    /// Secrets the configuration declares as created outside the repository
    /// (`model.external-secrets`): references to them are satisfied.
    pub external_secrets: Vec<DeclaredExternalSecret>,
    /// The profile the configuration sets (`profile:`); detected from the model when `None`.
    pub profile: Option<Profile>,
    /// Kinds whose objects make Secrets or ConfigMaps (`producers`): the built-in table,
    /// plus those the configuration adds (`model.producers`).
    pub producers: Vec<ObjectProducer>,
}

/// A Secret created outside the repository (by a bootstrap script, by hand), declared in
/// the configuration's `model.external-secrets`. Not to be confused with an external-secrets.io
/// `ExternalSecret` object, which the model reads from the repository like any other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeclaredExternalSecret {
    /// The Secret's name.
    pub name: String,
    /// Its namespace; `None`: a Secret of that name in any namespace.
    pub namespace: Option<String>,
    /// Why it is not in the repository (for reviewers of the configuration).
    pub reason: String,
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
            external_secrets: Vec::new(),
            profile: None,
            producers: builtin_producers(),
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
    /// Nothing applies the file: no Flux Kustomization reaches it, and the nearest
    /// kustomization.yaml at or above its directory does not list it (Flux and kustomize
    /// then leave it out), or the root `.sourceignore` keeps it out of Flux's artifacts. Such an object lands on no cluster, and `kinds` leaves it out.
    #[serde(skip_serializing_if = "is_false")]
    pub unapplied: bool,
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

    /// Whether the reference names a file kustomize reads only as data: an input of a
    /// `configMapGenerator`/`secretGenerator` (`files`, `envs`, `env`) or the values of a
    /// `helmCharts` entry (`valuesFile`, `additionalValuesFiles`). Such a file is an
    /// application's configuration, not a manifest, whatever it looks like.
    pub fn is_data(&self) -> bool {
        matches!(
            self.path.first().and_then(Value::as_str),
            Some("configMapGenerator" | "secretGenerator" | "helmCharts")
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
    /// Id of the object defining it (or, for an object only generated, of its generator:
    /// an ArtifactGenerator, a FluxInstance); null when the repository defines none.
    /// Among several definitions, the first that shares a cluster with the referrer.
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
    /// `configurations`, `generators`, `transformers`, `validators`, the `files`
    /// (without a `key=` prefix), `envs` and `env` of `configMapGenerator`/`secretGenerator`,
    /// and the `valuesFile` and `additionalValuesFiles` of `helmCharts`.
    pub references: Vec<PathRef>,
    /// Patches of this file that add a kubeConfig to Flux objects.
    pub kubeconfig_patches: Vec<KubeconfigPatch>,
    /// The root `.sourceignore` keeps it out of every artifact Flux builds from the
    /// repository: no Flux Kustomization builds it, so what it names is never read.
    #[serde(skip_serializing_if = "is_false")]
    pub source_ignored: bool,
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
    pub(super) remote: Vec<String>,
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
    pub(super) remote: Vec<String>,
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
    /// How Flux is bootstrapped on it: the objects that sync its directory (the
    /// `flux-system` Kustomization of its `flux-system/` directory, or a FluxInstance
    /// whose `spec.sync.path` it is).
    pub bootstrap: Vec<usize>,
    /// Command-line arguments its bootstrap gives each Flux controller (by Deployment
    /// name): patches of `<directory>/flux-system/kustomization.yaml` and a FluxInstance's
    /// `spec.kustomize.patches` that add container args, args of the controllers'
    /// Deployments in `<directory>/flux-system/`, and the flags a FluxInstance's
    /// `spec.cluster.multitenant` sets.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub controller_args: BTreeMap<String, Vec<String>>,
    /// Its committed bootstrap syncs a path of this repository that does not exist (a
    /// template directory whose placeholder setup scripts replace): nothing reaches the
    /// rest of its directory, which is then applied by no cluster (not even as a bootstrap
    /// generated and left uncommitted would apply it).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bootstrap_path_missing: bool,
}

impl Cluster {
    /// The service account a controller impersonates for objects that name none
    /// (`--default-service-account=<name>`, the last one set), if its bootstrap sets one.
    pub fn default_service_account(&self, controller: &str) -> Option<&str> {
        self.controller_args
            .get(controller)?
            .iter()
            .rev()
            .find_map(|arg| arg.strip_prefix("--default-service-account="))
            .filter(|name| !name.is_empty())
    }
}

/// The sync of a FluxInstance (`spec.sync`): the source and Kustomization the Flux
/// Operator creates, named `spec.sync.name` (else the FluxInstance's namespace) in the
/// FluxInstance's namespace.
#[derive(Debug, Clone, Serialize)]
pub struct FluxSync {
    /// `spec.sync.kind`: GitRepository, OCIRepository or Bucket.
    pub kind: String,
    /// Name of the generated source and Kustomization.
    pub name: String,
    /// Their namespace.
    pub namespace: String,
    /// `spec.sync.url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `spec.sync.ref` (`refs/heads/main`, a tag, a semver range...).
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// `spec.sync.path`, resolved from the repository root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathRef>,
    /// `spec.sync.pullSecret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_secret: Option<String>,
}

/// A FluxInstance of the Flux Operator: a cluster's Flux installation and bootstrap.
#[derive(Debug, Clone, Serialize)]
pub struct FluxInstance {
    /// Object id.
    pub object: usize,
    /// Its `spec.sync`, when it is a mapping with a `kind`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<FluxSync>,
    /// `spec.cluster.multitenant: true`: the controllers run with the multi-tenancy lockdown.
    pub multitenant: bool,
    /// The service account reconcilers without their own impersonate when multitenant
    /// (`spec.cluster.tenantDefaultServiceAccount`, default `default`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_service_account: Option<String>,
    /// The cluster it bootstraps: the one whose directory `spec.sync.path` is, else the
    /// one its own file lands on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Files its sync applies (when `spec.sync.path` is a directory of this repository).
    pub files: Vec<String>,
    /// Its `spec.kustomize.patches` (which may set the controllers' flags).
    #[serde(skip)]
    pub kustomize_patches: Vec<Value>,
}

/// The whole repository as repository rules see it.
#[derive(Debug, Clone, Serialize)]
pub struct RepoModel {
    /// Every Kubernetes object.
    pub objects: Vec<ModelObject>,
    /// `group/kind/namespace/name` (effective namespace; empty segments allowed) → object ids
    /// (patches excluded: they define nothing).
    pub index: BTreeMap<String, Vec<usize>>,
    /// `group/Kind` (`/Namespace` for the core group) → object ids, patches and unapplied
    /// objects excluded: rules iterate the kinds they judge instead of every object.
    pub kinds: BTreeMap<String, Vec<usize>>,
    /// Kustomize configuration files.
    pub kustomize_files: Vec<KustomizeFile>,
    /// Flux Kustomizations.
    pub flux_kustomizations: Vec<FluxKustomization>,
    /// Flux HelmReleases.
    pub helm_releases: Vec<HelmRelease>,
    /// Clusters.
    pub clusters: Vec<Cluster>,
    /// FluxInstances (Flux Operator).
    pub flux_instances: Vec<FluxInstance>,
    /// The repository's profile: configured, else detected (see `profile_reason`).
    pub profile: Profile,
    /// Why: `configured`, or what the detection saw ("a hub reconciles spokes"...).
    pub profile_reason: String,
    /// `group/kind/namespace/name` → ids of the objects that generate it: the
    /// ExternalArtifacts of an ArtifactGenerator (`spec.artifacts[].name`), the source
    /// and Kustomization of a FluxInstance's `spec.sync`. Kept apart from `index`: a
    /// generated object is not a second definition of one the repository also holds.
    pub generated: BTreeMap<String, Vec<usize>>,
    /// Cycles of `dependsOn` (Flux Kustomizations, HelmReleases), each once: its
    /// members' object ids, sorted by namespace/name. Dependencies are followed
    /// within a cluster (between objects sharing one, or on none).
    pub dependency_cycles: Vec<Vec<usize>>,
    /// Every linted file (repository-relative).
    pub files: BTreeSet<String>,
    /// Linted files that kustomization.yaml files name only as generator input or Helm
    /// values ([`PathRef::is_data`]): data, not manifests. Their documents are not objects
    /// of the model, and the linter reports nothing in them.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub data_files: BTreeSet<String>,
    /// Secrets the configuration declares as created outside the repository
    /// ([`ModelOptions::external_secrets`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_secrets: Vec<DeclaredExternalSecret>,
    /// Every directory holding a linted file, with its ancestors (`.` is the root).
    pub directories: BTreeSet<String>,
    /// Directory → the clusters its files are applied to (the union over the files
    /// directly in it, as in [`ModelObject::clusters`]); directories whose files land
    /// on no known cluster are left out.
    pub directory_clusters: BTreeMap<String, Vec<String>>,
    /// Object id → the fields the `spec.patches` of a Flux Kustomization that may apply
    /// it set, and the `spec.selector` a kustomization listing it creates from
    /// `commonLabels` (sorted): where no cluster renders the object, their values are
    /// unknown (or set), not as written.
    #[serde(skip)]
    pub parent_patched_fields: BTreeMap<usize, Vec<Vec<PathSegment>>>,
    /// Sources whose artifact root is a directory below the linted root (a tree holding
    /// several Git repositories under `repos/<name>/`): the `spec.path` of a
    /// Kustomization of that source, written under that directory, is resolved from it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub source_roots: Vec<SourceRoot>,
    /// Sources named by values files of the flux-instance chart that no HelmRelease of
    /// the repository reads (see [`ChartValuesSource`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chart_values_sources: Vec<ChartValuesSource>,
    #[serde(skip)]
    /// Where each object and kustomize file was written (for locating findings).
    pub locations: Vec<DocRef>,
    #[serde(skip)]
    /// Where each kustomize file was written.
    pub kustomize_locations: Vec<DocRef>,
}

/// The source a values file of the Flux Operator's `flux-instance` chart names in
/// `instance.sync`: installed from outside the tree (Terraform's `helm_release`, a
/// script's `helm install -f`), the chart's FluxInstance creates it in the release
/// namespace, which the file does not say. It is not read as a FluxInstance (no cluster
/// and no local source come from it): only its name is known to exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChartValuesSource {
    /// The values file.
    pub file: String,
    /// Line of `instance.sync.name` (1-based).
    pub line: u32,
    /// `instance.sync.kind` (default `GitRepository`).
    pub kind: String,
    /// `instance.sync.name`.
    pub name: String,
    /// `instance.sync.url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A directory that is the root of a GitRepository's artifact, found from a bootstrap
/// Kustomization written under it: Flux resolves `spec.path` from the artifact root, and
/// `flux bootstrap` writes the sync manifests into the directory they sync, so the
/// directory from which the bootstrap's `spec.path` contains its own file is the root.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SourceRoot {
    /// The root directory (a repository path, never `.`).
    pub directory: String,
    /// Namespace of the GitRepository the bootstrap syncs.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

impl RepoModel {
    /// The directory a Flux Kustomization's `spec.path` is relative to: the deepest
    /// source root holding `file` (where the Kustomization is written) found for the
    /// GitRepository `namespace/name` it builds, else the linted root `.`.
    pub fn path_base(&self, file: &str, kind: &str, namespace: &str, name: &str) -> &str {
        if kind != "GitRepository" {
            return ".";
        }
        self.source_roots
            .iter()
            .filter(|root| root.namespace == namespace && root.name == name)
            .filter(|root| {
                file.strip_prefix(root.directory.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
            })
            .max_by_key(|root| root.directory.len())
            .map_or(".", |root| root.directory.as_str())
    }
}

/// The index key of an object.
pub fn index_key(group: &str, kind: &str, namespace: &str, name: &str) -> String {
    format!("{group}/{kind}/{namespace}/{name}")
}
