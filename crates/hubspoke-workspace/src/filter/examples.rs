//! "Avoid" and "Prefer" examples of the suppression rules, for `explain` and docs/rules.md.

use hubspoke_diagnostics::RuleExamples;

/// The examples of a suppression rule.
pub(crate) fn examples(id: &str) -> RuleExamples {
    match id {
        "suppression-without-reason" => RuleExamples::pair(
            ("node-agent.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: node-agent\nspec:\n  hostPID: true # hubspoke-lint: ignore[PSS003]\n  containers:\n    - name: agent\n      image: ghcr.io/example/agent:1.4.2\n"),
            ("node-agent.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: node-agent\nspec:\n  hostPID: true # hubspoke-lint: ignore[PSS003] the agent reads host processes\n  containers:\n    - name: agent\n      image: ghcr.io/example/agent:1.4.2\n"),
        ),
        "suppression-expired" => RuleExamples::pair(
            (".hubspoke-lint.yaml", "suppressions:\n  - rule: PSS003\n    path: infrastructure/node-agent/*.yaml\n    reason: the agent reads host processes until the eBPF rewrite\n    until: 2024-06-30\n"),
            (".hubspoke-lint.yaml", "# The finding is fixed and the entry removed, or renewed with a new date and reason:\nsuppressions:\n  - rule: PSS003\n    path: infrastructure/node-agent/*.yaml\n    reason: the eBPF rewrite slipped to Q3 (INFRA-2291)\n    until: 2099-09-30\n"),
        ),
        "suppression-unused" => RuleExamples::pair(
            ("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      # hubspoke-lint: ignore[BP002] pinned after the migration\n      image: nginx:1.27.2\n"),
            ("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27.2\n"),
        ),
        "suppression-unknown-rule" => RuleExamples::pair(
            ("node-agent.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: node-agent\nspec:\n  hostPID: true # hubspoke-lint: ignore[PSS03] the agent reads host processes\n  containers:\n    - name: agent\n      image: ghcr.io/example/agent:1.4.2\n"),
            ("node-agent.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: node-agent\nspec:\n  hostPID: true # hubspoke-lint: ignore[PSS003] the agent reads host processes\n  containers:\n    - name: agent\n      image: ghcr.io/example/agent:1.4.2\n"),
        ),
        "suppression-not-allowed" => RuleExamples::pair(
            ("debug.yaml", "# .hubspoke-lint.yaml has `rules: {PSS001: {suppressible: false}}`.\napiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  containers:\n    - name: shell\n      image: busybox:1.36\n      securityContext:\n        privileged: true # hubspoke-lint: ignore[PSS001] debugging the node\n"),
            ("debug.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  containers:\n    - name: shell\n      image: busybox:1.36\n      securityContext:\n        privileged: false\n"),
        ),
        _ => RuleExamples::default(),
    }
}
