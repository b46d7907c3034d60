//! The rule engine of hubspoke-lint: loads Rego policies (the bundled library
//! and users' own), reads each rule's metadata, dispatches rules by the kinds
//! they name, evaluates them in parallel with regorus, and turns violations
//! into located [`Finding`]s. It formats nothing; reporters do that.
#![warn(missing_docs)]
#![deny(clippy::unwrap_used)]

mod baseline;
mod bounded;
mod builtin;
mod builtin_examples;
mod context;
mod convert;
mod error;
mod evaluate;
mod finding;
pub mod fixtures;
mod lint;
mod metadata;
mod network;
mod overrides;
mod parameters;
mod policy;
pub mod rego_tests;
mod repository_input;
mod ruleset;
mod rvm;
mod serialize;
mod suppress;

pub use baseline::{
    Baseline, BaselineEntry, BaselineOutcome, BASELINE_FILE_NAME, BASELINE_VERSION,
};
pub use builtin::{
    builtin_rules, file_problem_finding, internal_error_finding, path_problem_finding,
    problem_meta, INTERNAL_ERROR, POLICY_ERROR,
};
pub use context::{ContextIndex, CONTEXT_BUILTIN};
pub use convert::to_rego_value;
pub use error::EngineError;
pub use evaluate::{EvalOptions, EvalStats, Evaluator, RuleTiming, VmProgram};
pub use finding::{sort_findings, Finding, RelatedLocation, Severity};
pub use lint::{
    count_by_severity, lint_files, lint_files_in_context, lint_repositories, lint_roots,
    LintOutcome, RepositoryRoot, StageTimings, Summary,
};
pub use metadata::{kind_matches, KyvernoRef, RuleMeta, Scope};
pub use overrides::{apply_overrides, PathOverride, RuleOverride};
pub use parameters::{rule_parameters, ParameterKind};
pub use policy::{
    bundled_sources, is_bundled_source, load_policy_dir, load_policy_tests, rule_examples,
    PolicySource, RuleExamples,
};
pub use ruleset::{new_engine, policy_error, Rule, RuleSet};
pub use suppress::{
    apply_suppressions, ids as suppression_ids, ConfigSuppression, SuppressOptions,
    SuppressOutcome, IGNORE_ANNOTATION,
};
