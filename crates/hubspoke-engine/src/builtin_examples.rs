//! "Avoid" and "Prefer" examples of the `policy-error` rule, for `explain` and docs/rules.md.

use hubspoke_diagnostics::RuleExamples;

/// The examples of the engine's built-in rule.
pub(crate) fn examples(id: &str) -> RuleExamples {
    match id {
        "policy-error" => RuleExamples::pair(
            ("policies/org/min_replicas.rego", "package org.min_replicas\n\nviolations contains v if {\n\tinput.spec.replicas < 2\n\tv := {\"msg\": \"fewer than 2 replicas\", \"path\": [\"spec\", \"replicas\"]}\n# The closing brace is missing: the policy does not compile.\n"),
            ("policies/org/min_replicas.rego", "package org.min_replicas\n\nviolations contains v if {\n\tinput.spec.replicas < 2\n\tv := {\"msg\": \"fewer than 2 replicas\", \"path\": [\"spec\", \"replicas\"]}\n}\n"),
        ),
        _ => RuleExamples::default(),
    }
}
