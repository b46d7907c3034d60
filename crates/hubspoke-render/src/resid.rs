//! Resource identities as kustomize compares them: group, version, kind, name
//! and namespace, with "effective" namespaces (`default` for none, a
//! placeholder for cluster-scoped kinds).

/// Group, version and kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Gvk {
    /// API group (`""` for the core group).
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
}

impl Gvk {
    /// Split an `apiVersion` as kustomize does: everything before the first `/` is the group.
    pub fn from_api_version(api_version: &str, kind: &str) -> Self {
        let (group, version) = split_api_version(api_version);
        Gvk {
            group: group.to_owned(),
            version: version.to_owned(),
            kind: kind.to_owned(),
        }
    }

    /// Whether a field-spec or back-reference selector (empty parts match anything) selects this.
    pub fn is_selected_by(&self, selector: &Gvk) -> bool {
        (selector.group.is_empty() || selector.group == self.group)
            && (selector.version.is_empty() || selector.version == self.version)
            && (selector.kind.is_empty() || selector.kind == self.kind)
    }

    /// Whether the built-in schema kustomize embeds says the kind is cluster-scoped.
    /// Kinds it does not know (CRDs) are treated as namespaced, as kustomize does.
    pub fn is_cluster_scoped(&self) -> bool {
        // Called for every current id a build computes: compared in place rather
        // than by formatting the `apiVersion`, which allocates.
        CLUSTER_SCOPED
            .iter()
            .any(|(v, k)| *k == self.kind && self.has_api_version(v))
    }

    /// Whether this group and version make `api_version` (`group/version`, or
    /// `version` for the core group), without building it.
    fn has_api_version(&self, api_version: &str) -> bool {
        if self.group.is_empty() {
            return api_version == self.version;
        }
        api_version
            .strip_prefix(self.group.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            == Some(self.version.as_str())
    }

    /// kustomize's string form `Kind.version.group`, with placeholders for empty parts.
    pub fn id_string(&self) -> String {
        let or = |s: &str, placeholder: &'static str| {
            if s.is_empty() {
                placeholder.to_owned()
            } else {
                s.to_owned()
            }
        };
        format!(
            "{}.{}.{}",
            or(&self.kind, "[noKind]"),
            or(&self.version, "[noVer]"),
            or(&self.group, "[noGrp]")
        )
    }
}

/// The cluster-scoped types of kustomize's built-in schema (Kubernetes 1.21),
/// by `apiVersion` and kind.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    (
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicy",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicyBinding",
    ),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"),
    ("apiregistration.k8s.io/v1", "APIService"),
    ("apiregistration.k8s.io/v1beta1", "APIService"),
    ("certificates.k8s.io/v1", "CertificateSigningRequest"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
    ),
    ("networking.k8s.io/v1", "IngressClass"),
    ("networking.k8s.io/v1beta1", "IngressClass"),
    ("node.k8s.io/v1", "RuntimeClass"),
    ("node.k8s.io/v1beta1", "RuntimeClass"),
    ("policy/v1beta1", "PodSecurityPolicy"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"),
    ("storage.k8s.io/v1", "CSIDriver"),
    ("storage.k8s.io/v1", "CSINode"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("storage.k8s.io/v1", "VolumeAttachment"),
    ("storage.k8s.io/v1beta1", "CSIDriver"),
    ("storage.k8s.io/v1beta1", "CSINode"),
    ("storage.k8s.io/v1beta1", "StorageClass"),
    ("storage.k8s.io/v1beta1", "VolumeAttachment"),
    ("v1", "ComponentStatus"),
    ("v1", "Namespace"),
    ("v1", "Node"),
    ("v1", "NodeProxyOptions"),
    ("v1", "PersistentVolume"),
];

/// The namespace kustomize gives cluster-scoped ids when comparing them.
pub const NOT_A_NAMESPACE: &str = "_non_namespaceable_";

/// kustomize's split of an `apiVersion`: everything before the first `/` is the
/// group (`""` for the core group), the rest the version.
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.split_once('/').unwrap_or(("", api_version))
}

/// The namespace ids compare: a placeholder for cluster-scoped kinds, `default`
/// for none.
pub fn effective_namespace(cluster_scoped: bool, namespace: &str) -> &str {
    if cluster_scoped {
        NOT_A_NAMESPACE
    } else if namespace.is_empty() || namespace == "default" {
        "default"
    } else {
        namespace
    }
}

/// A resource identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ResId {
    /// Group, version, kind.
    pub gvk: Gvk,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` as written (possibly empty).
    pub namespace: String,
    /// Whether the kind is cluster-scoped. kustomize computes this for current
    /// ids only; ids recorded before a rename never are.
    pub cluster_scoped: bool,
}

impl ResId {
    /// A current id: its scope from the built-in schema.
    pub fn new(gvk: Gvk, name: &str, namespace: &str) -> Self {
        let cluster_scoped = gvk.is_cluster_scoped();
        ResId {
            gvk,
            name: name.to_owned(),
            namespace: namespace.to_owned(),
            cluster_scoped,
        }
    }

    /// The namespace used for comparisons.
    pub fn effective_namespace(&self) -> &str {
        effective_namespace(self.cluster_scoped, &self.namespace)
    }

    /// Same effective namespace.
    pub fn ns_equals(&self, other: &ResId) -> bool {
        self.effective_namespace() == other.effective_namespace()
    }

    /// Same group, version, kind and name (namespace ignored).
    pub fn gvkn_equals(&self, other: &ResId) -> bool {
        self.name == other.name && self.gvk == other.gvk
    }

    /// kustomize's id equality: same gvk, name and effective namespace.
    pub fn equals(&self, other: &ResId) -> bool {
        self.ns_equals(other) && self.gvkn_equals(other)
    }

    /// A short form for users: `Kind/namespace/name` or `Kind/name`.
    pub fn display(&self) -> String {
        if self.namespace.is_empty() {
            format!("{}/{}", self.gvk.kind, self.name)
        } else {
            format!("{}/{}/{}", self.gvk.kind, self.namespace, self.name)
        }
    }
}
