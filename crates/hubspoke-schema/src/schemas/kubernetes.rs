//! The embedded Kubernetes definitions of one version, indexed for `$ref`
//! resolution; in the non-strict flavour without `additionalProperties: false`.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use jsonschema::Registry;
use serde_json::{json, Value};

use super::Compiled;
use crate::bundle;
use crate::crd::K8S_DEFINITIONS_URI;

/// The Kubernetes definitions of one version, and the kinds they define.
pub(super) struct Kubernetes {
    pub(super) version: &'static str,
    pub(super) registry: Registry<'static>,
    pub(super) definitions: Arc<Value>,
    /// `apiVersion/Kind` → (definition name, validator).
    pub(super) kinds: BTreeMap<String, (String, Compiled)>,
}

pub(super) fn load_kubernetes(version: &'static str, strict: bool) -> Result<Kubernetes, String> {
    let text = bundle::kubernetes_bundle(version)?;
    let mut bundle: Value =
        serde_json::from_str(&text).map_err(|e| format!("bundle {version} is not JSON: {e}"))?;
    let mut defs = bundle
        .get_mut("$defs")
        .map(Value::take)
        .ok_or_else(|| format!("bundle {version} has no $defs"))?;
    if !strict {
        strip_additional_false(&mut defs);
    }
    let kinds = bundle
        .get("kinds")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("bundle {version} has no kinds"))?
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), (v.as_str()?.to_owned(), OnceLock::new()))))
        .collect();
    let definitions = Arc::new(json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": K8S_DEFINITIONS_URI,
        "$defs": defs,
    }));
    let registry = Registry::new()
        .add(K8S_DEFINITIONS_URI, Arc::clone(&definitions))
        .and_then(|r| r.prepare())
        .map_err(|e| format!("cannot index the Kubernetes {version} definitions: {e}"))?;
    Ok(Kubernetes {
        version,
        registry,
        definitions,
        kinds,
    })
}

/// The non-strict flavour of the Kubernetes schemas: no `additionalProperties: false`.
fn strip_additional_false(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("additionalProperties") == Some(&Value::Bool(false)) {
                map.shift_remove("additionalProperties");
            }
            for (_, v) in map.iter_mut() {
                strip_additional_false(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_additional_false),
        _ => {}
    }
}
