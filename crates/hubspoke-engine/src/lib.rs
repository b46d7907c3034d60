//! The Rego rule engine of hubspoke-lint: loads Rego policies (the bundled
//! library and users' own), reads each rule's metadata, dispatches rules by the
//! kinds they name, evaluates them with regorus (its bytecode VM where the rules
//! compile, its interpreter otherwise), and turns violations into located
//! [`Finding`]s. It orchestrates nothing (the pipeline in `hubspoke-workspace`
//! runs stages and filters findings) and formats nothing (reporters do).
//!
//! Three entry points evaluate: [`Evaluator::evaluate_file`] (document rules on one
//! file's objects, with what the repository model knows of each as an argument),
//! [`Evaluator::evaluate_object`] (document rules on one object whose values come
//! from several files, such as what a cluster receives after rendering, with a
//! callback placing each field) and [`Evaluator::evaluate_repository`] (repository
//! rules on one model).
#![warn(missing_docs)]
#![deny(clippy::unwrap_used)]

mod bounded;
mod builtin;
mod builtin_examples;
mod context;
mod convert;
mod error;
mod evaluate;
mod finding;
mod metadata;
mod network;
mod policy;
pub mod rego_tests;
mod rego_text;
mod repository_input;
mod ruleset;
mod rvm;
mod serialize;

pub use builtin::{policy_error_rule, POLICY_ERROR};
pub use context::{ContextIndex, DocumentContext, CONTEXT_BUILTIN};
pub use convert::to_rego_value;
pub use error::EngineError;
pub use evaluate::{
    rule_data, EvalOptions, EvalStats, Evaluator, ObjectContext, RenderedBodies, RuleTiming,
    VmProgram,
};
pub use finding::{sort_findings, Finding, RelatedLocation, Severity};
pub use metadata::{kind_matches, KyvernoRef, RuleMeta, Scope};
pub use policy::{
    bundled_sources, is_bundled_source, load_policy_dir, load_policy_tests, rule_examples,
    PolicySource,
};
pub use rego_text::rule_heads;
pub use ruleset::{new_engine, policy_error, Rule, RuleSet};
