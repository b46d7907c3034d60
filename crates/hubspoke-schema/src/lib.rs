//! Offline schema validation for hubspoke-lint.
//!
//! - Kubernetes JSON Schemas for every version from 1.25 to 1.37 are embedded
//!   (gzip, from PyPI `kubernetes-validate`; `scripts/update-k8s-schemas.py`);
//! - the Flux CRDs are embedded and converted to JSON Schema on first use;
//! - CustomResourceDefinitions found in the linted files are converted at run
//!   time and take precedence over both;
//! - every schema is compiled once per run, lazily, and shared by all threads;
//! - errors become [`hubspoke_diagnostics::Finding`]s with rule ids `schema/...`,
//!   located at the offending field by [`hubspoke_manifest::Document::locate`].
#![warn(missing_docs)]
#![deny(clippy::unwrap_used)]

mod bundle;
pub mod crd;
mod rules;
mod schemas;

pub use bundle::{default_kubernetes_version, kubernetes_versions, resolve_kubernetes_version};
pub use rules::{rules, ALL as RULE_IDS, INVALID, INVALID_CRD, UNKNOWN_FIELD, UNKNOWN_KIND};
pub use schemas::{FieldLocator, SchemaError, SchemaOptions, Schemas, UnknownSchema};
