//! Issue 18, false positives on real repositories: JSON manifests a kustomization lists,
//! Talos machine configs that borrow `apiVersion` and `kind`.

use crate::support::{code, f, findings, json, run};

const FIXTURE: &str = "fixtures/regression/issue-18-json-talos";

/// Before: HUB006 (the ConfigMap `cluster-topology` "not defined": it is written as
/// JSON), render/kustomize-missing-file on `topology.json`, and two schema/unknown-kind
/// notes on the Talos documents. Now the JSON files the kustomization lists are linted
/// (the Secret's plain-text key is found at its exact place in the JSON), the JSON file
/// nothing lists is not, and the Talos documents are not Kubernetes objects.
#[test]
fn listed_json_is_linted_in_place_and_talos_configs_are_not_objects() {
    let output = run(None, &[FIXTURE, "--format", "json"]);
    assert_eq!(code(&output), 1);
    let report = json(&output);
    let credentials = format!("{FIXTURE}/clusters/home/config/credentials.json");
    assert_eq!(findings(&report), vec![f("SEC001", &credentials, 5)]);
    let finding = &report["findings"][0];
    assert_eq!(
        (
            &finding["column"],
            &finding["end_line"],
            &finding["end_column"]
        ),
        (&3.into(), &5.into(), &15.into())
    );
    assert_eq!(report["summary"]["files"], 8);
    assert_eq!(report["summary"]["non_kubernetes_documents"], 3);
}
