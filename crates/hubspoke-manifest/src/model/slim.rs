//! How much of an object's body is kept: the model reads Flux objects, Secrets, the cluster
//! label ConfigMaps and the producers of Secrets and ConfigMaps whole; of the others it
//! (optionally) keeps only the identity, and repository rules never see the payload of
//! ConfigMaps.

use serde_json::Value;

use super::types::ModelOptions;
use crate::yaml::Node;

/// Whether the model reads more of an object than its metadata: Flux and Flux Operator
/// objects (sources, reconcilers, `dependsOn`, patches, FluxInstances) and the ConfigMaps that carry a
/// cluster's labels, and Secrets (small; whether their values hold anything secret or only
/// a secret manager's references decides whether they count as provided). Other
/// ConfigMaps only need to exist (`valuesFrom`, `substituteFrom`): keeping their data
/// made a 50 MB file of ConfigMaps spend most of its run copying data no rule reads.
pub(super) fn reads_body(meta: &crate::ObjectMeta, options: &ModelOptions) -> bool {
    meta.group().ends_with(".fluxcd.io")
        || meta.group() == super::types::FLUX_OPERATOR_GROUP
        || is_secret(meta)
        || is_cluster_label_configmap(meta, options)
        || options
            .producers
            .iter()
            .any(|p| p.matches(meta.group(), &meta.kind))
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

/// A core Secret.
fn is_secret(meta: &crate::ObjectMeta) -> bool {
    meta.group().is_empty() && meta.kind == "Secret"
}

/// Whether repository rules see only the metadata of an object: ConfigMaps other than
/// cluster label ConfigMaps, whose payload (often megabytes of generated data) no
/// repository rule reads; they only need to exist. Secrets are read whole: a Secret whose
/// values are only a secret manager's references is provided (`repo.secret_provided`).
pub fn repository_rules_skip_data(meta: &crate::ObjectMeta, options: &ModelOptions) -> bool {
    meta.group().is_empty()
        && meta.kind == "ConfigMap"
        && !is_cluster_label_configmap(meta, options)
}

/// The fields of a body cut down to what identifies the object (`ModelOptions::slim_bodies`,
/// and objects whose payload repository rules never read).
pub const IDENTITY_FIELDS: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// The body the model keeps of an object whose tree is `root`: the whole of it, or only
/// its [`IDENTITY_FIELDS`] when the model does not read it and `slim_bodies` is set, or
/// when repository rules never read its payload.
pub fn model_body<S>(root: &Node<S>, meta: &crate::ObjectMeta, options: &ModelOptions) -> Value {
    if options.slim_bodies && !reads_body(meta, options)
        || repository_rules_skip_data(meta, options)
    {
        slim_body(root)
    } else {
        root.to_json()
    }
}

/// The [`IDENTITY_FIELDS`] of a document.
pub(super) fn slim_body<S>(root: &Node<S>) -> Value {
    let mut body = serde_json::Map::new();
    for key in IDENTITY_FIELDS {
        if let Some(value) = root.get(key) {
            body.insert(key.to_owned(), value.to_json());
        }
    }
    Value::Object(body)
}
