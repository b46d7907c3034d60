//! A native evaluator of Kyverno `validate` rules: the organisation's own
//! `ClusterPolicy`/`Policy` objects run offline, in-process, with Kyverno's
//! pass/fail/skip semantics and the path of every failing field.
//!
//! The crate knows nothing of Rego, of output formats or of the repository
//! model: it takes policies and resources as JSON values (Kubernetes' view of
//! the YAML) plus what the repository knows (namespace labels, ConfigMaps), and
//! returns per-(rule, resource) results carrying field paths. The pipeline turns
//! those into located findings.
//!
//! - [`policy::Policy::compile`] reads a policy document once (auto-generated
//!   pod-controller rules included, problems reported at their JSON path);
//! - [`evaluate::evaluate_policy`] runs it on one resource;
//! - [`kyverno_test::run_test_with`] runs a Kyverno CLI test directory,
//!   `podSecurity` rules decided by the Pod Security checks the caller hands in
//!   ([`pod_security::PodSecurityStandards`]: the linter's bundled rules).
//!
//! ```
//! use std::collections::BTreeMap;
//! use hubspoke_kyverno::context::NoRepositoryData;
//! use hubspoke_kyverno::evaluate::{evaluate_policy, Options, Outcome, ResourceInput};
//! use hubspoke_kyverno::policy::Policy;
//! use serde_json::json;
//!
//! let policy = Policy::compile(&json!({
//!     "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
//!     "metadata": {"name": "require-team"},
//!     "spec": {"rules": [{
//!         "name": "team-label",
//!         "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
//!         "validate": {"message": "{{ request.object.metadata.name }} needs a team",
//!                      "pattern": {"metadata": {"labels": {"team": "?*"}}}}
//!     }]}
//! }))
//! .expect("a Kyverno policy");
//! let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {}}});
//! let labels = BTreeMap::new();
//! let input = ResourceInput { resource: &pod, namespace: None, namespace_labels: &labels,
//!                             subresource: "", values: None };
//! let results = evaluate_policy(&policy, &input, &Options::default(), &NoRepositoryData);
//! let Outcome::Fail { violations } = &results[0].outcome else { panic!() };
//! assert_eq!(violations[0].missing.as_deref(), Some("team"));
//! assert_eq!(
//!     results[0].message.as_deref(),
//!     Some("validation error: web needs a team. rule team-label failed at path /metadata/labels/team/")
//! );
//! ```
#![warn(missing_docs)]
#![deny(clippy::unwrap_used)]

pub mod autogen;
pub mod duration;
pub mod evaluate;
pub mod exception;
pub mod kyverno_test;
pub mod matching;
pub mod pattern;
pub mod pod_security;
pub mod policy;
pub mod quantity;

pub mod conditions;
pub mod context;
use hubspoke_manifest::go_text as gofmt;
pub mod image;
pub mod jmespath;
mod memo;
pub mod variables;
