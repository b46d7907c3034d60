//! The hubspoke-lint pipeline, shared by the command line and the language
//! server (the role `ruff_workspace` plays for ruff): reading
//! `.hubspoke-lint.yaml`, resolving it with the flags into [`Settings`], and
//! running the stages — discover → parse → model → (document rules ∥
//! repository rules ∥ schema) → filter — into findings, a summary and stage
//! times. Front ends hold no pipeline or filtering code of their own.
//!
//! It prints nothing and exits nothing; the binary reports and chooses the exit code.
#![warn(missing_docs)]
#![deny(clippy::unwrap_used)]

pub mod config;
pub mod dynamic;
mod error;
pub mod filter;
pub mod fixtures;
pub mod kyverno_tests;
mod pipeline;
mod render_run;
mod resolve;
mod settings;
pub mod stages;
mod stats;
mod suggest;
mod trusted_sources;

pub use config::{Config, ConfigSource, CONFIG_FILE_NAME};
pub use error::WorkspaceError;
pub use pipeline::{
    analyze, lint, repository_roots, Analysis, AnalyzeOptions, BaselineUse, LintRequest, LintRun,
    Outcome, RepositoryRoot, SchemaFindings, StageTimings, StdinInput, STDIN_NAME,
};
pub use render_run::{read_repository, RenderProblems, RenderRun};
pub use resolve::{require_existing, today};
pub use settings::{catalog, load_rules, Configuration, Flags, Settings};
pub use stages::kyverno::{KyvernoOptions, KyvernoStage, KyvernoStats};
pub use stages::render::duplicates::drop_reported_twice;
pub use stages::rules::{evaluate_files, evaluate_roots, lint_document, RuleFindings};
pub use stats::{peak_rss, RunStats};
pub use suggest::{closest, did_you_mean_rule};
pub use trusted_sources::TrustedSources;
