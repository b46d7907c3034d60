//! Regressions, named after their issue.

use crate::support::{code, f, findings, json, run};

const ISSUE_17_YAML: &str = "fixtures/regression/issue-17-yaml";

/// `0-0` and `0-1` were read as the integers 0 and -1, so a valid ConfigMap failed
/// schema validation; Kubernetes reads them (and `10-20`, `1:30`) as strings.
#[test]
fn issue_17_plain_scalars_kubernetes_reads_as_strings_pass_schema_validation() {
    let output = run(
        None,
        &[
            &format!("{ISSUE_17_YAML}/configmap.yaml"),
            "--format",
            "json",
        ],
    );
    assert_eq!(findings(&json(&output)), vec![]);
    assert_eq!(code(&output), 0);
}

/// `!!merge <<: *anchor` was an unknown tag and no merge, so the sidecar's inherited
/// `privileged: true` was missed. Both containers are found, at the line that sets it.
#[test]
fn issue_17_a_privileged_flag_inherited_through_a_tagged_merge_key_is_found() {
    let output = run(
        None,
        &[
            &format!("{ISSUE_17_YAML}/pod.yaml"),
            "--format",
            "json",
            "--rule",
            "PSS001",
        ],
    );
    let report = json(&output);
    let file = format!("{ISSUE_17_YAML}/pod.yaml");
    assert_eq!(
        findings(&report),
        vec![f("PSS001", &file, 12), f("PSS001", &file, 12)]
    );
    let located: Vec<(u64, u64, &str)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|x| {
            (
                x["column"].as_u64().expect("column"),
                x["end_column"].as_u64().expect("end column"),
                x["message"].as_str().expect("message"),
            )
        })
        .collect();
    assert_eq!(
        located,
        vec![
            (
                21,
                25,
                "container \"app\" of Pod \"merged\" runs privileged"
            ),
            (
                21,
                25,
                "container \"sidecar\" of Pod \"merged\" runs privileged"
            ),
        ]
    );
    assert_eq!(code(&output), 1);
}

const ISSUE_17_NOT_MANIFESTS: &str = "fixtures/regression/issue-17-not-manifests";

/// Generator inputs and Helm values (an application's configuration with its own tags, a
/// duplicate key, a scheduler configuration shaped like an object), and YAML that is no
/// Kubernetes object (Ansible, authentik), were linted as manifests; a kustomize patch was
/// judged as a whole Deployment. Only the custom tag in a real resource is left.
#[test]
fn issue_17_generator_inputs_foreign_yaml_and_patches_are_not_judged_as_manifests() {
    let output = run(None, &[ISSUE_17_NOT_MANIFESTS, "--format", "json"]);
    let report = json(&output);
    assert_eq!(
        findings(&report),
        vec![f(
            "unknown-tag",
            &format!("{ISSUE_17_NOT_MANIFESTS}/apps/home-assistant/tagged-configmap.yaml"),
            7
        )]
    );
    assert_eq!(report["findings"][0]["column"], 11);
    assert_eq!(code(&output), 0);
}

/// The rules of the user's policy directories still run on a kustomize patch, and can tell
/// it from a whole object.
#[test]
fn issue_17_user_rules_see_whether_a_document_is_a_patch() {
    let dir = tempfile::tempdir().expect("tempdir");
    crate::support::user_policy(
        dir.path(),
        "patch_context",
        "USR001",
        "violations contains sprintf(\"patch: %v\", [hubspoke.context(\"patch\")]) if input.kind == \"Deployment\"\n",
    );
    let policies = dir.path().join("policies");
    let output = run(
        None,
        &[
            ISSUE_17_NOT_MANIFESTS,
            "--policy",
            policies.to_str().expect("UTF-8 path"),
            "--rule",
            "USR001",
            "--format",
            "json",
        ],
    );
    let report = json(&output);
    let seen: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|x| x["rule"] == "USR001")
        .map(|x| {
            (
                x["file"].as_str().expect("file"),
                x["message"].as_str().expect("message"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "fixtures/regression/issue-17-not-manifests/apps/home-assistant/deployment.yaml",
                "patch: false"
            ),
            (
                "fixtures/regression/issue-17-not-manifests/apps/home-assistant/patches/replicas.yaml",
                "patch: true"
            ),
        ]
    );
}
