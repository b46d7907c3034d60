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
