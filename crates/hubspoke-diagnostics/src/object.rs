//! The identity of a Kubernetes object, as findings name it.

use serde::Serialize;

/// The identity of a Kubernetes object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectMeta {
    /// `apiVersion` as written, e.g. `apps/v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace`, if set.
    pub namespace: Option<String>,
    /// `metadata.name` (or `generateName`), if set.
    pub name: Option<String>,
}

impl ObjectMeta {
    /// The API group: `apps` for `apps/v1`, empty for the core group `v1`.
    pub fn group(&self) -> &str {
        match self.api_version.rsplit_once('/') {
            Some((group, _)) => group,
            None => "",
        }
    }
}
