//! Secrets and ConfigMaps that controllers create from other objects of the repository:
//! an ExternalSecret's target, a SealedSecret's Secret, a OnePasswordItem's Secret of the
//! same name, a cert-manager Certificate's `spec.secretName`... A reference to such a
//! Secret (`valuesFrom`, `substituteFrom`, a kubeconfig) is satisfied by its producer.
//!
//! The well-known producers are a table ([`builtin_producers`]); the configuration adds
//! more (`model.producers`), so an operator the linter does not know needs no new release.

use serde::Serialize;
use serde_json::Value;

use super::types::{index_key, ModelObject, RepoModel};
use super::value_at;

/// An object kind whose objects make a Secret or a ConfigMap, in their own namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectProducer {
    /// API group of the producing kind (empty for core).
    pub group: String,
    /// The producing kind.
    pub kind: String,
    /// What it makes: `Secret` or `ConfigMap`.
    pub produces: String,
    /// Key path in the producer's body to the made object's name; empty, or a field the
    /// producer leaves out: the producer's own name.
    pub name_field: Vec<String>,
}

impl ObjectProducer {
    fn new(group: &str, kind: &str, produces: &str, name_field: &[&str]) -> Self {
        ObjectProducer {
            group: group.to_owned(),
            kind: kind.to_owned(),
            produces: produces.to_owned(),
            name_field: name_field.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    /// Whether `group/kind` is this producer's kind.
    pub fn matches(&self, group: &str, kind: &str) -> bool {
        self.group == group && self.kind == kind
    }

    /// The name of what `object` makes: the string at `name_field`, else its own name.
    fn made_name<'o>(&self, object: &'o ModelObject) -> &'o str {
        let field: Vec<&str> = self.name_field.iter().map(String::as_str).collect();
        if field.is_empty() {
            return &object.name;
        }
        value_at(&object.body, &field)
            .and_then(Value::as_str)
            .filter(|name| !name.is_empty())
            .unwrap_or(&object.name)
    }
}

/// The producers every repository gets, each as its operator documents it:
/// - external-secrets `ExternalSecret`: `spec.target.name`, default its own name;
/// - Bitnami `SealedSecret`: `spec.template.metadata.name`, default its own name;
/// - 1Password Connect `OnePasswordItem`: a Secret of its own name;
/// - cert-manager `Certificate`: `spec.secretName` (required by cert-manager);
/// - HashiCorp Vault Secrets Operator `VaultStaticSecret`, `VaultDynamicSecret`,
///   `VaultPKISecret`, `HCPVaultSecretsApp`: `spec.destination.name`;
/// - Doppler `DopplerSecret`: a managed Secret named by `spec.managedSecret.name`;
/// - Infisical `InfisicalSecret`: `spec.managedSecretReference.secretName`.
pub fn builtin_producers() -> Vec<ObjectProducer> {
    vec![
        ObjectProducer::new(
            "external-secrets.io",
            "ExternalSecret",
            "Secret",
            &["spec", "target", "name"],
        ),
        ObjectProducer::new(
            "bitnami.com",
            "SealedSecret",
            "Secret",
            &["spec", "template", "metadata", "name"],
        ),
        ObjectProducer::new("onepassword.com", "OnePasswordItem", "Secret", &[]),
        ObjectProducer::new(
            "cert-manager.io",
            "Certificate",
            "Secret",
            &["spec", "secretName"],
        ),
        ObjectProducer::new(
            "secrets.hashicorp.com",
            "VaultStaticSecret",
            "Secret",
            &["spec", "destination", "name"],
        ),
        ObjectProducer::new(
            "secrets.hashicorp.com",
            "VaultDynamicSecret",
            "Secret",
            &["spec", "destination", "name"],
        ),
        ObjectProducer::new(
            "secrets.hashicorp.com",
            "VaultPKISecret",
            "Secret",
            &["spec", "destination", "name"],
        ),
        ObjectProducer::new(
            "secrets.hashicorp.com",
            "HCPVaultSecretsApp",
            "Secret",
            &["spec", "destination", "name"],
        ),
        ObjectProducer::new(
            "secrets.doppler.com",
            "DopplerSecret",
            "Secret",
            &["spec", "managedSecret", "name"],
        ),
        ObjectProducer::new(
            "secrets.infisical.com",
            "InfisicalSecret",
            "Secret",
            &["spec", "managedSecretReference", "secretName"],
        ),
    ]
}

/// `(index key, producer id)` of every Secret and ConfigMap the producers of `model`
/// make, in the producer's effective namespace. Patches and unapplied objects make nothing.
pub(super) fn produced_objects(
    model: &RepoModel,
    producers: &[ObjectProducer],
) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for object in model.objects.iter().filter(|o| !o.patch && !o.unapplied) {
        for producer in producers
            .iter()
            .filter(|p| p.matches(&object.group, &object.kind))
        {
            let namespace = object.effective_namespace.as_deref().unwrap_or("");
            out.push((
                index_key(
                    "",
                    &producer.produces,
                    namespace,
                    producer.made_name(object),
                ),
                object.id,
            ));
        }
    }
    out
}
