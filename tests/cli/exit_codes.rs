//! The exit-code contract: 0 clean, 1 findings at or above --fail-on, 2 errors.

use crate::support::{code, hubspoke, json, run};

#[test]
fn clean_repository_exits_zero() {
    assert_eq!(code(&run(None, &["fixtures/hub-spoke"])), 0);
}

#[test]
fn findings_exit_one_unless_below_the_threshold() {
    assert_eq!(code(&run(None, &["fixtures/hub-spoke-broken"])), 1);
    assert_eq!(
        code(&run(
            None,
            &["fixtures/hub-spoke-broken", "--fail-on", "never"]
        )),
        0
    );
    assert_eq!(
        code(&run(
            None,
            &["fixtures/hub-spoke-broken", "--fail-on", "note"]
        )),
        1
    );
}

#[test]
fn warnings_fail_only_with_fail_on_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A custom tag in a Kubernetes object: a warning (in other YAML, nothing).
    std::fs::write(
        dir.path().join("a.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: apps\ndata:\n  a: !Custom x\n",
    )
    .expect("write");
    assert_eq!(code(&run(Some(dir.path()), &["."])), 0);
    assert_eq!(
        code(&run(Some(dir.path()), &[".", "--fail-on", "warning"])),
        1
    );
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(
        code(&run(None, &["--format", "xml", "fixtures/hub-spoke"])),
        2
    );
    assert_eq!(code(&run(None, &["--no-such-flag"])), 2);
    assert_eq!(
        code(&run(None, &["--threads", "0", "fixtures/hub-spoke"])),
        2
    );
    assert_eq!(
        code(&run(
            None,
            &[
                "--format",
                "json",
                "--format",
                "sarif",
                "fixtures/hub-spoke"
            ]
        )),
        2
    );
    assert_eq!(
        code(&run(None, &["--include", "[", "fixtures/hub-spoke"])),
        2
    );
}

#[test]
fn config_errors_exit_two_with_a_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a.yaml"), "a: 1\n").expect("write");
    std::fs::write(
        dir.path().join(".hubspoke-lint.yaml"),
        "exclude: []\nfail-onn: warning\n",
    )
    .expect("write");
    let output = run(Some(dir.path()), &["."]);
    assert_eq!(code(&output), 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            ".hubspoke-lint.yaml:2:1: invalid configuration: fail-onn: unknown field `fail-onn`"
        ),
        "{stderr}"
    );
}

#[test]
fn config_turns_rules_off_and_changes_severity() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: \"nginx:latest\"}]\n").expect("write");
    std::fs::write(
        dir.path().join(".hubspoke-lint.yaml"),
        "rules:\n  PSS003: {enabled: false}\n  BP002: {severity: warning}\n",
    )
    .expect("write");
    let output = hubspoke(Some(dir.path()))
        .args([
            ".", "--format", "json", "--rule", "BP002", "--rule", "PSS003",
        ])
        .output()
        .expect("runs");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let rules: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().expect("rule"),
                f["severity"].as_str().expect("severity"),
            )
        })
        .collect();
    assert_eq!(rules, vec![("BP002", "warning")]);
    assert_eq!(code(&output), 0);
    std::fs::write(
        dir.path().join(".hubspoke-lint.yaml"),
        "rules:\n  NOPE1: {enabled: false}\n",
    )
    .expect("write");
    assert_eq!(code(&run(Some(dir.path()), &["."])), 2);
}

#[test]
fn the_model_reads_clusters_from_the_configured_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("fleet/edge-1")).expect("mkdir");
    std::fs::write(dir.path().join("fleet/edge-1/labels.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fleet-labels, namespace: flux-system}\ndata: {environment: prod}\n").expect("write");
    std::fs::write(
        dir.path().join(".hubspoke-lint.yaml"),
        "model:\n  clusters-dir: fleet\n  cluster-label-configmaps: [fleet-labels]\n",
    )
    .expect("write");
    let graph = json(&run(Some(dir.path()), &["graph", "."]));
    let clusters = graph["clusters"].as_array().expect("clusters");
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0]["name"], "edge-1");
    assert_eq!(clusters[0]["labels"]["environment"], "prod");
}

#[test]
fn a_path_that_does_not_exist_is_a_usage_error_naming_it() {
    for args in [
        &["/nonexistent-hubspoke-root"][..],
        &["graph", "/nonexistent-hubspoke-root"][..],
    ] {
        let output = run(None, args);
        assert_eq!(code(&output), 2, "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            "error: /nonexistent-hubspoke-root: no such file or directory\n",
            "{args:?}"
        );
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    let output = run(
        None,
        &["fixtures/hub-spoke", "does-not-exist", "--format", "json"],
    );
    assert_eq!(code(&output), 2);
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: does-not-exist: no such file or directory\n"
    );
}

#[test]
fn graph_discovers_files_with_the_configured_excludes_and_limits() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("apps")).expect("mkdir");
    let config_map =
        |name: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\n");
    std::fs::write(dir.path().join("apps/kept.yaml"), config_map("kept")).expect("write");
    std::fs::write(
        dir.path().join("apps/excluded.yaml"),
        config_map("excluded"),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("apps/two-documents.yaml"),
        config_map("first") + "---\n" + &config_map("second"),
    )
    .expect("write");
    let padding = format!("data: {{padding: {}}}\n", "x".repeat(300));
    std::fs::write(
        dir.path().join("apps/too-large.yaml"),
        config_map("too-large") + &padding,
    )
    .expect("write");
    std::fs::write(dir.path().join("other.yaml"), config_map("not-included")).expect("write");
    std::fs::write(
        dir.path().join(".hubspoke-lint.yaml"),
        "include: ['apps/**']\nexclude: [apps/excluded.yaml]\nmax-file-size: 200\nlimits:\n  max-documents: 1\n",
    )
    .expect("write");
    let output = run(Some(dir.path()), &["graph", "."]);
    assert_eq!(code(&output), 0);
    let graph = json(&output);
    let mut names: Vec<&str> = graph["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .map(|o| o["name"].as_str().expect("name"))
        .collect();
    names.sort_unstable();
    // The document past the limit is not in the model, as it is not linted.
    assert_eq!(names, ["first", "kept"]);
}
