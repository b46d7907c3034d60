//! What a document rule may know beyond its object: the effective namespace
//! (from an enclosing kustomization.yaml or the reconciling Flux Kustomization)
//! the clusters the object lands on, whether the document is a kustomize
//! patch (a partial object) or a reconciler of a remote cluster, and for a Flux
//! Kustomization or HelmRelease the service account its controller impersonates
//! when it names none (`default_service_account`), from the repository model;
//! and which files are not manifests at all (generator input).
//!
//! Rules read it with the builtin `hubspoke.context(key)`; the value is set per
//! document on the evaluating thread, so one compiled engine serves every
//! document without re-adding data (which regorus would re-prepare).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use hubspoke_manifest::{ObjectMeta, ParsedFile, PathSegment, RepoModel};
use regorus::Value;

thread_local! {
    static CURRENT: RefCell<Value> = RefCell::new(Value::new_object());
}

/// The builtin's name in Rego.
pub const CONTEXT_BUILTIN: &str = "hubspoke.context";

/// What the models say of one document, as stored for the rules.
#[derive(Debug, Clone)]
pub(crate) struct StoredContext {
    /// What `hubspoke.context(key)` answers.
    pub(crate) value: Value,
    /// The document is a kustomize patch (a partial object): bundled document rules,
    /// which judge whole objects, do not run on it.
    pub(crate) patch: bool,
}

/// Context per (display path, document index).
#[derive(Debug, Clone, Default)]
pub struct ContextIndex {
    /// By display path, then document index (looked up once per document, without allocating).
    entries: BTreeMap<String, BTreeMap<usize, StoredContext>>,
    /// Display paths of the files kustomize reads only as generator input or Helm values:
    /// data, not manifests, so nothing is reported in them.
    data_files: BTreeSet<String>,
    /// Effective namespace by display path and object identity, for findings (which name
    /// their object, not its document).
    namespaces: BTreeMap<String, BTreeMap<ObjectMeta, String>>,
    /// Display paths of the files of single-tenant repositories (their profile), whose
    /// tenancy-lockdown findings the linter drops.
    single_tenant: std::collections::BTreeSet<String>,
    /// By display path and object identity, the fields a parent Flux Kustomization's
    /// `spec.patches` may set ([`RepoModel::parent_patched_fields`]).
    parent_patched: BTreeMap<String, BTreeMap<ObjectMeta, Vec<Vec<PathSegment>>>>,
}

impl ContextIndex {
    /// Index the effective namespace and clusters of every object of a model built from `files`.
    pub fn add_model(&mut self, model: &RepoModel, files: &[&ParsedFile]) {
        if model.profile == hubspoke_manifest::Profile::SingleTenant {
            self.single_tenant
                .extend(files.iter().map(|f| f.source.path.clone()));
        }
        // Reconcilers that reach another cluster through a kubeconfig (their own
        // or patched in) act with that kubeconfig's identity, not the local controller's.
        let remote: BTreeSet<usize> = model
            .flux_kustomizations
            .iter()
            // ... or patch a kubeconfig into what they apply (the flux2-hub-spoke-example pattern).
            .filter(|k| k.kubeconfig_secret.is_some() || !k.kubeconfig_patches.is_empty())
            .map(|k| k.object)
            .chain(
                model
                    .helm_releases
                    .iter()
                    .filter(|h| h.kubeconfig_secret.is_some())
                    .map(|h| h.object),
            )
            .collect();
        if !model.data_files.is_empty() {
            self.data_files.extend(
                files
                    .iter()
                    .filter(|file| model.data_files.contains(&file.source.repo_path))
                    .map(|file| file.source.path.clone()),
            );
        }
        // The account the controller reconciling a Flux Kustomization or HelmRelease
        // impersonates when it names none (`--default-service-account`): only when every
        // cluster it runs on sets one, and the same.
        let clusters: BTreeMap<&str, &hubspoke_manifest::Cluster> = model
            .clusters
            .iter()
            .map(|c| (c.name.as_str(), c))
            .collect();
        let default_account = |object: &hubspoke_manifest::ModelObject| -> Option<String> {
            let controller = match (object.group.as_str(), object.kind.as_str()) {
                (hubspoke_manifest::FLUX_KUSTOMIZE_GROUP, "Kustomization") => {
                    "kustomize-controller"
                }
                (hubspoke_manifest::FLUX_HELM_GROUP, "HelmRelease") => "helm-controller",
                _ => return None,
            };
            let mut accounts = object.clusters.iter().map(|name| {
                clusters
                    .get(name.as_str())
                    .and_then(|c| c.default_service_account(controller))
            });
            let first = accounts.next()??;
            accounts
                .all(|account| account == Some(first))
                .then(|| first.to_owned())
        };
        for (object, location) in model.objects.iter().zip(&model.locations) {
            let Some(file) = files.get(location.file) else {
                continue;
            };
            // Documents are in index order: a multi-document file is not scanned per object.
            let meta = file
                .documents
                .binary_search_by_key(&location.document, |d| d.index)
                .ok()
                .and_then(|i| file.documents[i].object.as_ref());
            if let (Some(namespace), Some(meta)) = (&object.effective_namespace, meta) {
                // The first object of an identity wins, as it does for the model.
                self.namespaces
                    .entry(file.source.path.clone())
                    .or_default()
                    .entry(meta.clone())
                    .or_insert_with(|| namespace.clone());
            }
            if let (Some(fields), Some(meta)) = (model.parent_patched_fields.get(&object.id), meta)
            {
                // Findings name their object, not its document: fields of objects of one
                // identity in one file are pooled.
                let pooled = self
                    .parent_patched
                    .entry(file.source.path.clone())
                    .or_default()
                    .entry(meta.clone())
                    .or_default();
                pooled.extend(fields.iter().cloned());
                pooled.sort();
                pooled.dedup();
            }
            let mut json = serde_json::json!({
                "namespace": object.effective_namespace,
                "clusters": object.clusters,
                "file": object.file,
                "patch": object.patch,
                "remote": remote.contains(&object.id),
            });
            if let Some(account) = default_account(object) {
                json["default_service_account"] = serde_json::Value::from(account);
            }
            self.entries
                .entry(file.source.path.clone())
                .or_default()
                .insert(
                    location.document,
                    StoredContext {
                        value: Value::from(json),
                        patch: object.patch,
                    },
                );
        }
    }

    /// Whether `file` (a display path) belongs to a single-tenant repository.
    pub fn is_single_tenant(&self, file: &str) -> bool {
        self.single_tenant.contains(file)
    }

    /// Set [`Finding::effective_namespace`](crate::Finding) of every finding about an object
    /// the models know.
    pub fn fill_namespaces(&self, findings: &mut [crate::Finding]) {
        for finding in findings {
            let Some(object) = &finding.object else {
                continue;
            };
            if let Some(namespace) = self
                .namespaces
                .get(&finding.file)
                .and_then(|objects| objects.get(object))
            {
                finding.effective_namespace = Some(namespace.clone());
            }
        }
    }

    /// Drop the findings on fields a parent Flux Kustomization's `spec.patches` may set
    /// ([`RepoModel::parent_patched_fields`]): for a file judged as written because no
    /// cluster renders it, those values are unknown, not as written. Only for findings
    /// on objects judged as written (the render applies the patches it knows).
    pub fn drop_parent_patched(&self, findings: &mut Vec<crate::Finding>) {
        if self.parent_patched.is_empty() {
            return;
        }
        findings.retain(|finding| {
            let Some(object) = &finding.object else {
                return true;
            };
            let Some(fields) = self
                .parent_patched
                .get(&finding.file)
                .and_then(|objects| objects.get(object))
            else {
                return true;
            };
            !finding.path.is_within_any(fields)
        });
    }

    /// Whether the file at display path `path` is only data to kustomize (a generator's
    /// input, a Helm chart's values): not linted as manifests.
    pub fn is_data_file(&self, path: &str) -> bool {
        self.data_files.contains(path)
    }

    /// Drop the findings about data files ([`ContextIndex::is_data_file`]): input problems,
    /// rule and schema findings. Internal errors stay: they say the run itself failed.
    pub fn drop_data_file_findings(&self, findings: &mut Vec<crate::Finding>) {
        if self.data_files.is_empty() {
            return;
        }
        findings.retain(|finding| {
            finding.rule == hubspoke_manifest::INTERNAL_ERROR || !self.is_data_file(&finding.file)
        });
    }

    pub(crate) fn get(&self, path: &str, document: usize) -> Option<&StoredContext> {
        self.entries.get(path)?.get(&document)
    }

    /// Whether the models say document `document` of the file shown as `path` reconciles
    /// another cluster through a kubeconfig (its own, or one it patches into what it applies).
    pub fn is_remote(&self, path: &str, document: usize) -> bool {
        self.get(path, document)
            .is_some_and(|context| context.value[&Value::from("remote")] == Value::from(true))
    }

    /// The account the controller reconciling document `document` of the file shown as
    /// `path` impersonates when it names none (`--default-service-account` on every
    /// cluster it lands on), as the models say.
    pub fn default_service_account(&self, path: &str, document: usize) -> Option<String> {
        self.get(path, document).and_then(|context| {
            context.value[&Value::from("default_service_account")]
                .as_string()
                .ok()
                .map(|s| s.to_string())
        })
    }

    /// What the models say of document `document` of the file shown as `path`: its
    /// effective namespace and the clusters it lands on. `None` when no model holds it.
    pub fn document(&self, path: &str, document: usize) -> Option<DocumentContext> {
        let stored = self.get(path, document)?;
        let value = &stored.value;
        let namespace = value["namespace"].as_string().ok().map(|s| s.to_string());
        let clusters = value["clusters"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|c| c.as_string().ok().map(|s| s.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        Some(DocumentContext {
            namespace,
            clusters,
            patch: stored.patch,
        })
    }
}

/// What the repository models say of one document (see [`ContextIndex::document`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentContext {
    /// Its effective namespace, when known.
    pub namespace: Option<String>,
    /// The clusters it lands on (empty when the model cannot tell).
    pub clusters: Vec<String>,
    /// Whether it is a kustomize patch (a partial object merged into another).
    pub patch: bool,
}

/// Make `value` what `hubspoke.context` answers on this thread.
pub(crate) fn set_current(value: Option<&Value>) {
    CURRENT.with(|c| *c.borrow_mut() = value.cloned().unwrap_or_else(Value::new_object));
}

/// What `hubspoke.context(key)` answers on this thread right now (for the bytecode VM).
pub(crate) fn current(key: &str) -> Value {
    current_at(&Value::from(key))
}

/// [`current`] for a key already made a value.
pub(crate) fn current_at(key: &Value) -> Value {
    CURRENT.with(|c| c.borrow()[key].clone())
}

/// Register the builtin on an engine (before policies that call it are added).
pub(crate) fn register(engine: &mut regorus::Engine) -> anyhow::Result<()> {
    engine.add_extension(
        CONTEXT_BUILTIN.to_owned(),
        1,
        Box::new(|args: Vec<Value>| {
            let key = args.into_iter().next().unwrap_or(Value::Undefined);
            Ok(CURRENT.with(|c| c.borrow()[&key].clone()))
        }),
    )
}
