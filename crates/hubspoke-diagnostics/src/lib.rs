//! The vocabulary every hubspoke-lint crate shares, and nothing else: a
//! [`Finding`] with its [`Severity`], [`Region`] and [`FieldPath`], the
//! [`RuleMeta`] that describes the rule behind it, a run's [`Summary`], and the
//! [`Note`]s saying what it could not check.
//!
//! It depends on no parser and no rule engine, so reporters, schema
//! validation and editors can speak about findings without compiling Rego.
//! (The role `ruff_diagnostics` plays for ruff.)
#![warn(missing_docs)]
#![deny(clippy::unwrap_used)]

mod field_path;
mod finding;
mod note;
mod object;
mod position;
mod rule;
mod severity;
mod summary;

pub use field_path::{FieldPath, PathSegment};
pub use finding::{canonical_order, sort_findings, Finding, RelatedLocation};
pub use note::{sort_notes, Note};
pub use object::ObjectMeta;
pub use position::{Place, Position, Region};
pub use rule::{
    kind_matches, KyvernoRef, ParameterDecl, ParameterType, QuickFix, RuleExamples, RuleMeta,
    Scope, PROFILES,
};
pub use severity::Severity;
pub use summary::{count_by_severity, RenderSummary, Summary};
