//! The repository's Kyverno policies as each cluster receives them: a kustomize overlay
//! patching a policy's failure action, a rule's `exclude` or a `PolicyException`, and a
//! `${VAR}` from `postBuild.substitute`, change what a spoke enforces; the findings follow
//! the rendered policies, each at the object's line, naming its cluster.

use crate::support::{code, copy_tree, json, root, run, stdout};

const FIXTURE: &str = "fixtures/hub-spoke-kyverno-overlays";

/// `(rule, severity, file:line:col, clusters, message)` of every finding.
fn rows(report: &serde_json::Value) -> Vec<(String, String, String, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let clusters: Vec<&str> = f["clusters"]
                .as_array()
                .map(|c| c.iter().filter_map(|c| c.as_str()).collect())
                .unwrap_or_default();
            (
                f["rule"].as_str().unwrap_or("").to_owned(),
                f["severity"].as_str().unwrap_or("").to_owned(),
                format!(
                    "{}:{}:{}",
                    f["file"].as_str().unwrap_or(""),
                    f["line"],
                    f["column"]
                ),
                clusters.join(","),
                f["message"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn row(
    rule: &str,
    severity: &str,
    at: &str,
    clusters: &str,
    message: &str,
) -> (String, String, String, String, String) {
    (
        rule.to_owned(),
        severity.to_owned(),
        at.to_owned(),
        clusters.to_owned(),
        message.to_owned(),
    )
}

const TEAM: &str = "kyverno/require-team-label/team-label";
const HOST: &str = "kyverno/disallow-host-network/no-host-network";
const REQUESTS: &str = "kyverno/require-requests/memory-requests";
const NO_TEAM: &str =
    "Every Deployment names its owning team: field \"labels\" is missing; the pattern requires an object";
const HOST_NETWORK: &str = "Pods do not share the node's network: value true does not match false";

#[test]
fn each_spoke_is_judged_by_the_policies_its_overlay_renders() {
    let output = run(Some(&root().join(FIXTURE)), &[".", "--format", "json"]);
    let report = json(&output);
    assert_eq!(
        rows(&report),
        vec![
            // Audit in the base: a warning on staging; production's overlay patches
            // Enforce: an error there.
            row(TEAM, "warning", "apps/base/batch.yaml:3:1", "staging", NO_TEAM),
            row(TEAM, "error", "apps/base/batch.yaml:3:1", "production", NO_TEAM),
            // The exception holds in `legacy` everywhere and, patched, in `batch` on
            // production only.
            row(HOST, "warning", "apps/base/batch.yaml:15:20", "staging", HOST_NETWORK),
            // Production's version of the rule has a malformed precondition: it runs on
            // staging only.
            row(
                REQUESTS,
                "warning",
                "apps/base/batch.yaml:17:11",
                "staging",
                "Containers request memory: field \"resources\" is missing; the pattern requires an object"
            ),
            // Staging's overlay excludes the sandbox namespace from the team label.
            row(TEAM, "error", "apps/base/sandbox.yaml:3:1", "production", NO_TEAM),
            // `${policy_action}`: Audit on staging, Enforce on production.
            row(HOST, "warning", "apps/base/sandbox.yaml:15:20", "staging", HOST_NETWORK),
            row(HOST, "error", "apps/base/sandbox.yaml:15:20", "production", HOST_NETWORK),
            row(TEAM, "warning", "apps/base/web.yaml:3:1", "staging", NO_TEAM),
            row(TEAM, "error", "apps/base/web.yaml:3:1", "production", NO_TEAM),
            row(HOST, "warning", "apps/base/web.yaml:15:20", "staging", HOST_NETWORK),
            row(HOST, "error", "apps/base/web.yaml:15:20", "production", HOST_NETWORK),
            // The patch that broke the rule, at its line, for the cluster receiving it.
            row(
                "policy-error",
                "error",
                "policies/overlays/production/kustomization.yaml:31:20",
                "production",
                "Kyverno policy `require-requests`, rule `memory-requests`: unknown JMESPath \
                 function no_such_function() in \"no_such_function(request.object.metadata.name)\"; \
                 the rule is not run"
            ),
        ]
    );
    assert_eq!(code(&output), 1);
    // Rule ids stay those of the policies as written; the related locations are the rule
    // in the base and where the cluster's failure action comes from.
    insta::assert_snapshot!("kyverno_rendered_fixture", crate::kyverno::compact(&report));
}

#[test]
fn judged_as_written_the_base_policies_hold_everywhere_and_the_placeholder_is_an_error() {
    let output = run(
        Some(&root().join(FIXTURE)),
        &[".", "--no-render", "--format", "json"],
    );
    let report = json(&output);
    let rows = rows(&report);
    assert!(rows.contains(&row(
        "policy-error",
        "error",
        "policies/base/disallow-host-network.yaml:7:28",
        "",
        "Kyverno policy `disallow-host-network`: validationFailureAction must be Enforce or \
         Audit, not \"${policy_action}\" (Kyverno refuses this policy)"
    )));
    assert!(
        rows.iter().all(|r| r.1 != "error" || r.0 == "policy-error"),
        "{rows:#?}"
    );
}

#[test]
fn stats_count_the_distinct_versions_of_the_policies() {
    let output = run(None, &[FIXTURE, "--stats"]);
    let text = String::from_utf8_lossy(&output.stderr).into_owned() + &stdout(&output);
    // Three policies, each rendered differently for staging and production.
    assert!(
        text.contains("kyverno policies              6  (3 rules;"),
        "{text}"
    );
    let output = run(None, &[FIXTURE, "--no-render", "--stats"]);
    let text = String::from_utf8_lossy(&output.stderr).into_owned() + &stdout(&output);
    assert!(
        text.contains("kyverno policies              3  (3 rules;"),
        "{text}"
    );
}

#[test]
fn render_shows_the_policies_production_receives() {
    let output = run(None, &["render", FIXTURE, "--cluster", "production"]);
    assert_eq!(code(&output), 0);
    let text = stdout(&output);
    let policy = text
        .split("\n---")
        .find(|doc| doc.contains("name: require-team-label"))
        .expect("require-team-label rendered");
    assert!(
        policy.contains("validationFailureAction: Enforce"),
        "{policy}"
    );
    let exception = text
        .split("\n---")
        .find(|doc| doc.contains("name: legacy-host-network"))
        .expect("exception rendered");
    assert!(
        exception.contains("- legacy\n") && exception.contains("- batch"),
        "{exception}"
    );
}

#[test]
fn a_policy_value_unknown_offline_skips_its_rule_there_with_one_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&root().join(FIXTURE), dir.path());
    // Staging no longer defines `policy_action`.
    let spokes = dir.path().join("clusters/hub/spokes.yaml");
    let text = std::fs::read_to_string(&spokes).expect("read");
    let text = text.replacen("      policy_action: Audit\n", "      unrelated: x\n", 1);
    std::fs::write(&spokes, text).expect("write");
    let output = run(Some(dir.path()), &[".", "--format", "json"]);
    let report = json(&output);
    let rows = rows(&report);
    // No host-network finding on staging: its failure action is unknown there.
    assert!(
        !rows
            .iter()
            .any(|r| r.0 == HOST && r.1 != "note" && r.3.contains("staging")),
        "{rows:#?}"
    );
    assert!(rows.contains(&row(
        HOST,
        "note",
        "policies/base/disallow-host-network.yaml:7:28",
        "staging",
        "rule `no-host-network` of Kyverno policy `disallow-host-network` is not run on these \
         clusters: it reads `spec.validationFailureAction`, whose value is not known offline"
    )));
    assert!(rows.contains(&row(
        HOST,
        "error",
        "apps/base/web.yaml:15:20",
        "production",
        HOST_NETWORK
    )));
    // Never a policy-error about the unknown value.
    assert!(
        !rows
            .iter()
            .any(|r| r.0 == "policy-error" && r.2.starts_with("policies/base")),
        "{rows:#?}"
    );
}

#[test]
fn a_rule_only_an_overlay_adds_is_a_note_not_a_silent_skip() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&root().join(FIXTURE), dir.path());
    // Production's overlay appends a second rule to require-team-label: the rule catalog
    // comes from the policy as written, so the rule cannot report there; it says so.
    let overlay = dir
        .path()
        .join("policies/overlays/production/kustomization.yaml");
    let text = std::fs::read_to_string(&overlay).expect("read");
    let added = "  - target:
      kind: ClusterPolicy
      name: require-team-label
    patch: |
      - op: add
        path: /spec/rules/-
        value:
          name: cost-center-label
          match:
            any:
              - resources:
                  kinds:
                    - Deployment
          validate:
            message: Every Deployment names its cost center.
            pattern:
              metadata:
                labels:
                  cost-center: \"?*\"
";
    std::fs::write(&overlay, format!("{text}{added}")).expect("write");
    let output = run(Some(dir.path()), &[".", "--format", "json"]);
    let report = json(&output);
    let rows = rows(&report);
    let notes: Vec<_> = rows
        .iter()
        .filter(|r| r.4.contains("cost-center-label"))
        .collect();
    assert_eq!(
        notes,
        [&row(
            "policy-error",
            "note",
            "policies/overlays/production/kustomization.yaml:41:11",
            "production",
            "rule `cost-center-label` of Kyverno policy `require-team-label` is not run: only \
             the version these clusters receive has it (an overlay adds it), and rules are \
             taken from the policy as written; write the rule in the policy itself (disabled \
             where it must not apply) to have it checked"
        )],
        "{rows:#?}"
    );
    // The policy's own rule still runs on production, as an error there (Enforce).
    assert!(
        rows.iter()
            .any(|r| r.0 == TEAM && r.1 == "error" && r.3 == "production"),
        "{rows:#?}"
    );
    assert_eq!(code(&output), 1);
}
