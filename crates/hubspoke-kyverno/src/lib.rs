//! A native evaluator of Kyverno `validate` rules: the organisation's own
//! `ClusterPolicy`/`Policy` objects run offline, in-process, with Kyverno's
//! pass/fail/skip semantics and the path of every failing field.
//!
//! The crate knows nothing of Rego, of output formats or of the repository
//! model: it takes policies and resources as JSON values (Kubernetes' view of
//! the YAML) plus what the repository knows (namespace labels, ConfigMaps), and
//! returns per-(rule, resource) results carrying field paths. The pipeline turns
//! those into located findings.
#![warn(missing_docs)]
#![deny(clippy::unwrap_used)]

pub mod autogen;
pub mod duration;
pub mod evaluate;
pub mod kyverno_test;
pub mod matching;
pub mod pattern;
pub mod policy;
pub mod quantity;

pub mod conditions;
pub mod context;
mod gofmt;
pub mod image;
pub mod jmespath;
pub mod variables;
