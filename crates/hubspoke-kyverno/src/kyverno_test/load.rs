//! Reading a `kyverno-test.yaml` directory: the test, its policies, resources,
//! values file and user info, as the Kyverno CLI prepares them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hubspoke_manifest::{parse_text, ParseLimits};
use serde_json::Value;

use super::TestError;
use crate::evaluate::Values;
use crate::matching::RequestInfo;

/// Every YAML document of a file, as JSON; an unreadable or unparsable file
/// is an error naming it.
pub(super) fn documents(path: &Path) -> Result<Vec<Value>, TestError> {
    let text = std::fs::read_to_string(path).map_err(|e| TestError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let display = path.display().to_string();
    let parsed = parse_text(&display, &display, text, ParseLimits::default());
    if let Some(problem) = parsed
        .problems
        .iter()
        .find(|p| p.code != hubspoke_manifest::ProblemCode::EmptyFile)
    {
        return Err(TestError::Read {
            path: path.to_path_buf(),
            message: problem.message.clone(),
        });
    }
    Ok(parsed
        .documents
        .iter()
        .map(|d| d.root.to_json())
        .filter(|v| !v.is_null())
        .collect())
}

/// Files named by a test (`policies`, `resources`): a file, or every YAML
/// file of a directory (sorted).
pub(super) fn expand(dir: &Path, entries: &[String]) -> Result<Vec<PathBuf>, TestError> {
    let mut out = Vec::new();
    for entry in entries {
        if entry.starts_with("http://") || entry.starts_with("https://") {
            return Err(TestError::Unsupported(format!("remote file {entry}")));
        }
        let path = dir.join(entry);
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
                .map_err(|e| TestError::Read {
                    path: path.clone(),
                    message: e.to_string(),
                })?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension()
                        .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
                })
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}

/// A values file (or the test's inline `values`), resolved.
#[derive(Debug, Default)]
pub(super) struct ValuesFile {
    pub values: Values,
    /// Labels by namespace (`namespaceSelector`, then `namespaces`).
    pub namespace_labels: BTreeMap<String, BTreeMap<String, String>>,
    /// `globalValues["request.operation"]`.
    pub operation: Option<String>,
    /// Subresource kinds: (group, version, kind) → (parent group, version, kind, subresource).
    pub subresources: Vec<Subresource>,
}

/// A subresource declared in a values file (`Scale` of `deployments/scale`).
#[derive(Debug, Clone)]
pub(super) struct Subresource {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub parent_group: String,
    pub parent_version: String,
    pub parent_kind: String,
    pub name: String,
}

pub(super) fn values(spec: &Value) -> ValuesFile {
    let mut out = ValuesFile::default();
    let pairs = |map: Option<&Value>| -> Vec<(String, Value)> {
        let mut list: Vec<(String, Value)> = map
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        list.sort_by(|a, b| a.0.cmp(&b.0));
        list
    };
    out.values.global = pairs(spec.get("globalValues"));
    out.operation = spec
        .pointer("/globalValues/request.operation")
        .and_then(Value::as_str)
        .map(str::to_owned);
    for policy in spec
        .get("policies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = text(policy, "name");
        for resource in policy
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.values.per_resource.insert(
                (name.clone(), text(resource, "name")),
                pairs(resource.get("values")),
            );
        }
        for rule in policy
            .get("rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.values.per_rule.insert(
                (name.clone(), text(rule, "name")),
                pairs(rule.get("values")),
            );
        }
    }
    let label_map = |labels: Option<&Value>| -> BTreeMap<String, String> {
        labels
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    };
    for selector in spec
        .get("namespaceSelector")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.namespace_labels
            .insert(text(selector, "name"), label_map(selector.get("labels")));
    }
    for namespace in spec
        .get("namespaces")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.namespace_labels.insert(
            namespace
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            label_map(namespace.pointer("/metadata/labels")),
        );
    }
    for entry in spec
        .get("subresources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let sub = entry.get("subresource").unwrap_or(&Value::Null);
        let parent = entry.get("parentResource").unwrap_or(&Value::Null);
        let name = text(sub, "name");
        out.subresources.push(Subresource {
            group: text(sub, "group"),
            version: text(sub, "version"),
            kind: text(sub, "kind"),
            parent_group: text(parent, "group"),
            parent_version: text(parent, "version"),
            parent_kind: text(parent, "kind"),
            name: name
                .split_once('/')
                .map(|(_, s)| s.to_owned())
                .unwrap_or_default(),
        });
    }
    out
}

/// A `UserInfo` file: `requestInfo` (roles, clusterRoles, userInfo).
pub(super) fn request_info(document: &Value) -> RequestInfo {
    let info = document.get("requestInfo").unwrap_or(document);
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let user = info.get("userInfo").unwrap_or(&Value::Null);
    RequestInfo {
        roles: strings(info.get("roles")),
        cluster_roles: strings(info.get("clusterRoles")),
        username: text(user, "username"),
        groups: strings(user.get("groups")),
    }
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// Kinds the Kyverno CLI knows to be cluster-scoped (it gives every other
/// resource without a namespace the `default` namespace).
const CLUSTER_SCOPED: [(&str, &str); 30] = [
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("networking.k8s.io", "IngressClass"),
    ("networking.k8s.io", "IPAddress"),
    ("networking.k8s.io", "ServiceCIDR"),
    ("policy", "PodSecurityPolicy"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicyBinding",
    ),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("authentication.k8s.io", "TokenReview"),
    ("authorization.k8s.io", "SubjectAccessReview"),
    ("authorization.k8s.io", "SelfSubjectAccessReview"),
];

/// What `YamlToUnstructured` and `ProcessResources` do to a test resource:
/// the `default` namespace for namespaced kinds without one, empty maps for
/// `labels: ~` and the like, and every number a float64.
pub(super) fn prepare_resource(mut resource: Value) -> Value {
    let api_version = resource
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let group = api_version
        .split_once('/')
        .map_or("", |(g, _)| g)
        .to_owned();
    let kind = resource
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let cluster_scoped = CLUSTER_SCOPED
        .iter()
        .any(|(g, k)| *g == group && *k == kind);
    let has_namespace = resource
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    if !cluster_scoped && !has_namespace {
        if let Some(Value::Object(metadata)) = resource.get_mut("metadata") {
            metadata.insert("namespace".to_owned(), Value::String("default".to_owned()));
        }
    }
    normalize_nil_maps(&mut resource);
    floats(&mut resource);
    resource
}

fn normalize_nil_maps(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if child.is_null()
                    && matches!(
                        key.as_str(),
                        "annotations"
                            | "labels"
                            | "matchLabels"
                            | "nodeSelector"
                            | "data"
                            | "stringData"
                    )
                {
                    *child = Value::Object(serde_json::Map::new());
                } else {
                    normalize_nil_maps(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_nil_maps),
        _ => {}
    }
}

fn floats(value: &mut Value) {
    match value {
        Value::Number(n) if !n.is_f64() => {
            if let Some(f) = n.as_f64().and_then(serde_json::Number::from_f64) {
                *value = Value::Number(f);
            }
        }
        Value::Object(map) => map.values_mut().for_each(floats),
        Value::Array(items) => items.iter_mut().for_each(floats),
        _ => {}
    }
}
