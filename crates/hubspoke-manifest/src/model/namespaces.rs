//! Effective namespaces: the targetNamespace of the Flux Kustomization applying the
//! object (it overrides every namespace, as kustomize-controller sets it on top of the
//! build), else the object's own, else the enclosing kustomization.yaml's; none for
//! cluster-scoped kinds.

use std::collections::BTreeMap;

use super::paths::parent_dir;
use super::types::{KustomizeFile, ModelObject, RepoModel};
use super::{str_at, Builder};

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

impl Builder<'_> {
    /// The `namespace:` of the nearest kustomization.yaml at or above `file`'s directory.
    fn kustomize_namespace(
        file: &str,
        kustomize_files: &[KustomizeFile],
        kustomize_by_dir: &BTreeMap<String, usize>,
    ) -> Option<String> {
        let mut dir = parent_dir(file);
        loop {
            if let Some(ns) = kustomize_by_dir
                .get(&dir)
                .and_then(|&k| kustomize_files.get(k)?.namespace.clone())
            {
                return Some(ns);
            }
            if dir == "." {
                return None;
            }
            dir = parent_dir(&dir);
        }
    }

    /// An object's namespace before Flux Kustomizations are known: its own, else its
    /// kustomization.yaml's.
    pub(super) fn kustomize_or_own_namespace(
        &self,
        object: &ModelObject,
        model: &RepoModel,
        kustomize_by_dir: &BTreeMap<String, usize>,
    ) -> Option<String> {
        object.namespace.clone().or_else(|| {
            Self::kustomize_namespace(&object.file, &model.kustomize_files, kustomize_by_dir)
        })
    }

    /// [`Self::kustomize_or_own_namespace`], else `default` (where the API server puts
    /// an object without one).
    pub(super) fn early_namespace(
        &self,
        object: &ModelObject,
        model: &RepoModel,
        kustomize_by_dir: &BTreeMap<String, usize>,
    ) -> String {
        self.kustomize_or_own_namespace(object, model, kustomize_by_dir)
            .unwrap_or_else(|| "default".to_owned())
    }

    /// Every object's effective namespace (see the module documentation).
    pub(super) fn resolve_namespaces(
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
        let RepoModel {
            objects,
            kustomize_files,
            ..
        } = model;
        for object in objects {
            if is_cluster_scoped(&object.kind) {
                object.effective_namespace = None;
                continue;
            }
            if let Some(target) = target_ns.get(&object.file) {
                object.effective_namespace = Some(target.clone());
                continue;
            }
            if object.namespace.is_some() {
                continue;
            }
            let found = Self::kustomize_namespace(&object.file, kustomize_files, kustomize_by_dir);
            object.effective_namespace = found;
        }
    }
}
