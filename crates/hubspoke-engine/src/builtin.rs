//! The engine's built-in rule: a policy that fails to compile or to evaluate.

use hubspoke_diagnostics::{RuleMeta, Severity};

/// Rule id for a policy that fails to compile or to evaluate.
pub const POLICY_ERROR: &str = "policy-error";

fn meta(id: &str, severity: Severity, description: &str, help: &str) -> RuleMeta {
    let mut meta = RuleMeta::built_in(id, id, "input", severity, description, help);
    meta.examples = crate::builtin_examples::examples(id);
    meta
}

/// Metadata of the `policy-error` rule.
pub fn policy_error_rule() -> RuleMeta {
    meta(
        POLICY_ERROR,
        Severity::Error,
        "A policy failed to compile or to evaluate. Its findings are missing from this run.",
        "Fix the policy at the marked position; other policies still ran.",
    )
}
