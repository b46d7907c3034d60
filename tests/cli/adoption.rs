//! Adopting the linter in an existing repository: suppressions, baselines,
//! user policies (conftest style), CI formats, --changed-since, the action
//! (`test` and the rule scaffold: policy_tests.rs).

use std::path::Path;

use crate::support::{code, f, findings, hubspoke, json, root, run, stdout};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: team-a\nspec:\n  hostNetwork: true\n  containers:\n    - name: app\n      image: nginx:latest\n";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

fn lint(dir: &Path, extra: &[&str]) -> (Vec<(String, String, u64)>, i32) {
    let mut args = vec![
        ".", "--format", "json", "--rule", "BP002", "--rule", "PSS003",
    ];
    args.extend_from_slice(extra);
    let output = run(Some(dir), &args);
    (findings(&json(&output)), code(&output))
}

#[test]
fn comment_suppressions_apply_to_their_line_or_the_next() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = POD
        .replace("  hostNetwork: true\n", "  # hubspoke-lint: ignore[PSS003] node exporter needs the host network\n  hostNetwork: true\n")
        .replace("image: nginx:latest\n", "image: nginx:latest # hubspoke-lint: ignore[BP002] pinned by the image policy controller\n");
    write(dir.path(), "pod.yaml", &text);
    assert_eq!(lint(dir.path(), &[]), (vec![], 0));
    let (all, exit) = lint(dir.path(), &["--no-suppress"]);
    assert_eq!(
        all,
        vec![f("PSS003", "pod.yaml", 8), f("BP002", "pod.yaml", 11)]
    );
    assert_eq!(exit, 1);
}

#[test]
fn suppressions_without_reason_unknown_rules_and_unused_ones_are_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "# hubspoke-lint: ignore-file[BP002]\n# hubspoke-lint: ignore[NOPE9] typo\n{}",
        POD.replace(
            "  hostNetwork: true\n",
            "  hostNetwork: true # hubspoke-lint: ignore[BP002] wrong rule on this line\n"
        )
    );
    write(dir.path(), "pod.yaml", &text);
    let (got, _) = lint(dir.path(), &[]);
    assert_eq!(
        got,
        vec![
            f("suppression-without-reason", "pod.yaml", 1),
            f("suppression-unknown-rule", "pod.yaml", 2),
            f("PSS003", "pod.yaml", 9),
            f("suppression-unused", "pod.yaml", 9),
            f("BP002", "pod.yaml", 12),
        ]
    );
}

#[test]
fn annotations_and_config_entries_suppress_and_expire() {
    let dir = tempfile::tempdir().expect("tempdir");
    let annotated = POD.replace(
        "  namespace: team-a\n",
        "  namespace: team-a\n  annotations:\n    hubspoke-lint.io/ignore: \"PSS003: CNI agent; BP002: mirrored tag\"\n",
    );
    write(dir.path(), "annotated.yaml", &annotated);
    write(dir.path(), "legacy/pod.yaml", POD);
    write(
        dir.path(),
        ".hubspoke-lint.yaml",
        "suppressions:\n  - {rule: PSS003, path: \"legacy/**\", reason: migrating in Q1}\n  - {rule: BP002, path: \"legacy/**\", reason: old, until: \"2020-01-01\"}\n",
    );
    let (got, _) = lint(dir.path(), &[]);
    assert_eq!(
        got,
        vec![
            f("suppression-expired", ".hubspoke-lint.yaml", 3),
            f("BP002", "legacy/pod.yaml", 10)
        ]
    );
}

#[test]
fn unsuppressible_rules_cannot_be_silenced() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "pod.yaml",
        &POD.replace(
            "  hostNetwork: true\n",
            "  hostNetwork: true # hubspoke-lint: ignore[PSS003] please\n",
        ),
    );
    write(
        dir.path(),
        ".hubspoke-lint.yaml",
        "rules:\n  PSS003: {suppressible: false}\n",
    );
    let (got, exit) = lint(dir.path(), &[]);
    assert_eq!(
        got,
        vec![
            f("PSS003", "pod.yaml", 7),
            f("suppression-not-allowed", "pod.yaml", 7),
            f("BP002", "pod.yaml", 10)
        ]
    );
    assert_eq!(exit, 1);
}

#[test]
fn a_baseline_hides_recorded_findings_and_survives_reformatting() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", POD);
    let wrote = run(
        Some(dir.path()),
        &[
            "baseline", "write", ".", "--rule", "BP002", "--rule", "PSS003",
        ],
    );
    assert_eq!(code(&wrote), 0, "{}", stdout(&wrote));
    assert!(stdout(&wrote).contains("2 findings in 2 entries"));
    let check = run(
        Some(dir.path()),
        &[
            "baseline", "check", ".", "--rule", "BP002", "--rule", "PSS003", "--color", "never",
        ],
    );
    assert_eq!(code(&check), 0);
    assert!(
        stdout(&check).contains("Not shown: 2 in the baseline."),
        "{}",
        stdout(&check)
    );
    // Reformat (blank lines, moved keys) and add a new violation.
    let moved = format!(
        "# reformatted\n\n{}",
        POD.replace("  hostNetwork: true\n", "")
            .replace("spec:\n", "spec:\n  hostNetwork: true\n  hostPID: true\n")
    );
    write(dir.path(), "pod.yaml", &moved);
    let check = run(
        Some(dir.path()),
        &[
            "baseline", "check", ".", "--rule", "BP002", "--rule", "PSS003", "--format", "json",
        ],
    );
    assert_eq!(findings(&json(&check)), vec![f("PSS003", "pod.yaml", 10)]);
    assert_eq!(code(&check), 1);
    // Fixing everything counts as fixed.
    write(dir.path(), "pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: team-a}\nspec: {containers: [{name: app, image: \"nginx:1.27\"}]}\n");
    let report = json(&run(
        Some(dir.path()),
        &[
            ".", "--format", "json", "--rule", "BP002", "--rule", "PSS003",
        ],
    ));
    assert_eq!(report["summary"]["baseline_fixed"], 2);
}

#[test]
fn a_malformed_baseline_is_a_config_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", POD);
    write(
        dir.path(),
        ".hubspoke-lint-baseline.json",
        "{\"version\": 1, \"entries\": [{\"rule\": 3}]}",
    );
    let output = run(Some(dir.path()), &["."]);
    assert_eq!(code(&output), 2);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(".hubspoke-lint-baseline.json:1:"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn conftest_policies_work_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", POD);
    write(
        dir.path(),
        "policy/pods.rego",
        "package main\n\ndeny contains msg if {\n  input.kind == \"Pod\"\n  input.spec.hostNetwork\n  msg := sprintf(\"%s uses the host network\", [input.metadata.name])\n}\n\nwarn contains {\"msg\": \"no team label\", \"path\": [\"metadata\"]} if {\n  not input.metadata.labels.team\n}\n",
    );
    let output = run(
        Some(dir.path()),
        &[
            "pod.yaml",
            "--policy",
            "policy",
            "--rule",
            "main.deny",
            "--rule",
            "main.warn",
            "--format",
            "json",
        ],
    );
    let report = json(&output);
    assert_eq!(
        findings(&report),
        vec![f("main.warn", "pod.yaml", 3), f("main.deny", "pod.yaml", 4)]
    );
    assert_eq!(
        report["findings"][1]["message"],
        "web uses the host network"
    );
    assert_eq!(report["findings"][0]["severity"], "warning");
}

/// BP006 compares images as Docker normalises them: `docker.io/nginx` and
/// `index.docker.io/nginx` are `docker.io/library/nginx` (they were flagged
/// when only `docker.io/library` was allowed).
#[test]
fn allowed_registries_admit_every_spelling_of_docker_hub() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        ".hubspoke-lint.yaml",
        "rules:\n  BP006:\n    enabled: true\n    params:\n      allowed_registries: [docker.io/library]\n",
    );
    write(
        dir.path(),
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: team-a\nspec:\n  containers:\n    - {name: a, image: nginx:1.27}\n    - {name: b, image: docker.io/nginx:1.27}\n    - {name: c, image: index.docker.io/library/nginx:1.27}\n    - {name: d, image: docker.io/bitnami/redis:7}\n    - {name: e, image: ghcr.io/acme/nginx:1.27}\n",
    );
    let output = run(
        Some(dir.path()),
        &[".", "--rule", "BP006", "--format", "json"],
    );
    assert_eq!(
        findings(&json(&output)),
        vec![f("BP006", "pod.yaml", 11), f("BP006", "pod.yaml", 12)]
    );
}

#[test]
fn ci_formats_on_the_broken_example() {
    // Two files of the broken example: stable while the example grows.
    let files = [
        "fixtures/hub-spoke-broken/apps/podinfo/base/deployment.yaml",
        "fixtures/hub-spoke-broken/apps/broken-syntax.yaml",
    ];
    let lint = |format: &str| {
        stdout(&run(
            None,
            &[files[0], files[1], "--format", format, "--rule", "PSS001"],
        ))
    };
    let github = lint("github");
    insta::assert_snapshot!("github_pss001", github);
    let junit = lint("junit");
    insta::assert_snapshot!("junit_pss001", junit);
    let markdown = lint("markdown");
    insta::assert_snapshot!("markdown_pss001", markdown);
}

#[test]
fn changed_since_reports_only_changed_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("git runs");
        assert!(
            status.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "root",
    ]);
    write(dir.path(), "old.yaml", POD);
    git(&["add", "."]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-q",
        "-m",
        "old",
    ]);
    write(dir.path(), "new.yaml", POD);
    let (got, _) = lint(dir.path(), &["--changed-since", "HEAD"]);
    assert_eq!(
        got,
        vec![f("PSS003", "new.yaml", 7), f("BP002", "new.yaml", 10)]
    );
    let (all, _) = lint(dir.path(), &["--changed-since", "HEAD~1"]);
    assert_eq!(all.len(), 4);
    let bad = run(Some(dir.path()), &[".", "--changed-since", "no-such-ref"]);
    assert_eq!(code(&bad), 2);
}

#[test]
fn the_action_script_lints_writes_sarif_and_a_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sarif = dir.path().join("out.sarif");
    let output_file = dir.path().join("github_output");
    let summary = dir.path().join("summary.md");
    let output = std::process::Command::new("bash")
        .arg(root().join("scripts/action-run.sh"))
        .current_dir(root())
        .env("HUBSPOKE_LINT_BIN", env!("CARGO_BIN_EXE_hubspoke-lint"))
        .env("INPUT_PATH", "fixtures/hub-spoke-broken")
        .env("INPUT_SARIF_FILE", &sarif)
        .env("INPUT_CATEGORY", "fleet")
        .env("GITHUB_OUTPUT", &output_file)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("bash runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "the step always succeeds so the upload runs"
    );
    assert_eq!(
        std::fs::read_to_string(&output_file).expect("outputs"),
        "exit-code=1\n"
    );
    let annotations = String::from_utf8_lossy(&output.stdout);
    assert!(
        annotations
            .lines()
            .any(|l| l.starts_with("::error file=fixtures/hub-spoke-broken/")),
        "{annotations}"
    );
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sarif).expect("sarif")).expect("json");
    assert_eq!(log["runs"][0]["automationDetails"]["id"], "fleet");
    assert!(std::fs::read_to_string(&summary)
        .expect("summary")
        .starts_with("## hubspoke-lint"));
    // action.yml runs exactly this script.
    let action = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
    assert!(action.contains("run: bash \"$GITHUB_ACTION_PATH/scripts/action-run.sh\""));
    let _ = hubspoke;
}

/// (rule, file, line, severity) of every finding of a JSON report.
fn with_severity(report: &serde_json::Value) -> Vec<(String, String, u64, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().expect("rule").to_owned(),
                f["file"].as_str().expect("file").to_owned(),
                f["line"].as_u64().unwrap_or(0),
                f["severity"].as_str().expect("severity").to_owned(),
            )
        })
        .collect()
}

fn fs(rule: &str, file: &str, line: u64, severity: &str) -> (String, String, u64, String) {
    (rule.to_owned(), file.to_owned(), line, severity.to_owned())
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn rules_are_configured_by_id_or_tag_and_ids_win() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", POD);
    // BP002 is tagged best-practices, PSS003 pod-security.
    write(
        dir.path(),
        ".hubspoke-lint.yaml",
        "rules:\n  best-practices: {enabled: false}\n",
    );
    let (got, _) = lint(dir.path(), &[]);
    assert_eq!(got, vec![f("PSS003", "pod.yaml", 7)]);
    write(
        dir.path(),
        ".hubspoke-lint.yaml",
        "rules:\n  pod-security: {severity: note}\n  PSS003: {severity: warning}\n  supply-chain: {severity: note}\n",
    );
    let output = run(
        Some(dir.path()),
        &[
            ".", "--format", "json", "--rule", "BP002", "--rule", "PSS003",
        ],
    );
    assert_eq!(
        with_severity(&json(&output)),
        vec![
            fs("PSS003", "pod.yaml", 7, "warning"),
            fs("BP002", "pod.yaml", 10, "note")
        ]
    );
    write(
        dir.path(),
        ".hubspoke-lint.yaml",
        "rules:\n  PSS003: {enabled: true}\n  best-practises: {enabled: false}\n",
    );
    let output = run(Some(dir.path()), &["."]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output).lines().last(),
        Some("error: .hubspoke-lint.yaml:3:3: rules.best-practises: no rule has this id or tag (did you mean `best-practices`?); `hubspoke-lint rules` lists them")
    );
}

#[test]
fn overrides_change_rules_for_matching_files_and_later_entries_win() {
    let dir = tempfile::tempdir().expect("tempdir");
    for file in [
        "fleet/apps/pod.yaml",
        "fleet/legacy/pod.yaml",
        "fleet/legacy/keep/pod.yaml",
    ] {
        write(dir.path(), file, POD);
    }
    // Globs are relative to the config file, which sits in fleet/.
    write(
        dir.path(),
        "fleet/.hubspoke-lint.yaml",
        "rules:\n  PSS003: {enabled: false}\noverrides:\n  - files: [\"legacy/**\"]\n    rules:\n      best-practices: {enabled: false}\n      PSS003: {enabled: true, severity: note}\n  - files: [\"legacy/keep/**\"]\n    rules:\n      BP002: {enabled: true, severity: warning}\n",
    );
    let output = run(
        Some(dir.path()),
        &[
            "fleet", "--format", "json", "--rule", "BP002", "--rule", "PSS003",
        ],
    );
    assert_eq!(
        with_severity(&json(&output)),
        vec![
            fs("BP002", "fleet/apps/pod.yaml", 10, "error"),
            fs("PSS003", "fleet/legacy/keep/pod.yaml", 7, "note"),
            fs("BP002", "fleet/legacy/keep/pod.yaml", 10, "warning"),
            fs("PSS003", "fleet/legacy/pod.yaml", 7, "note"),
        ]
    );
    assert_eq!(code(&output), 1);
    write(
        dir.path(),
        "fleet/.hubspoke-lint.yaml",
        "overrides:\n  - files: [\"legacy/**\"]\n    rules:\n      BP002: {enabled: false}\n      NOPE1: {enabled: false}\n",
    );
    let output = run(Some(dir.path()), &["fleet"]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output).lines().last(),
        Some("error: fleet/.hubspoke-lint.yaml:5:7: overrides[0].rules.NOPE1: no rule has this id or tag; `hubspoke-lint rules` lists them")
    );
}

#[test]
fn config_errors_exit_2_with_a_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", POD);
    for (config, expected) in [
        (
            "fail-on: 3\n",
            ".hubspoke-lint.yaml:1:1: invalid configuration: fail-on: invalid type: integer `3`, expected a string",
        ),
        (
            "rules:\n  BP001: {severity: note}\n  BP002: {enabled: maybe}\n",
            ".hubspoke-lint.yaml:3:11: invalid configuration: rules.BP002.enabled: invalid type: string \"maybe\", expected a boolean",
        ),
        (
            "exclude: ['[']\n",
            ".hubspoke-lint.yaml:1:11: exclude[0]: `[` is not a valid glob: unclosed character class; missing ']'",
        ),
        (
            "suppressions:\n  - {rule: BP002, path: a, reason: r, until: 2099-13-45}\n",
            ".hubspoke-lint.yaml:2:39: suppression of BP002: until `2099-13-45` is not a YYYY-MM-DD date",
        ),
        (
            "rules:\n  BP006:\n    params:\n      allowed_registry: [docker.io]\n",
            ".hubspoke-lint.yaml:4:7: rules.BP006.params.allowed_registry: BP006 has no parameter `allowed_registry` (it has allowed_registries)",
        ),
        (
            "rules:\n  BP006:\n    params: {allowed_registries: {docker.io: true}}\n",
            ".hubspoke-lint.yaml:3:14: rules.BP006.params.allowed_registries: must be a list of strings",
        ),
        (
            "rules:\n  HUB008:\n    params: {tenant_label: [a]}\n",
            ".hubspoke-lint.yaml:3:14: rules.HUB008.params.tenant_label: must be a string",
        ),
        (
            "rules:\n  pod-security:\n    params: {allowed_registries: [docker.io]}\n",
            ".hubspoke-lint.yaml:3:14: rules.pod-security.params.allowed_registries: pod-security has no parameter `allowed_registries` (it has exclude, max, min)",
        ),
        (
            "rules:\n  PSS007:\n    params: {min: \"80\"}\n",
            ".hubspoke-lint.yaml:3:14: rules.PSS007.params.min: must be an integer",
        ),
        (
            "rules:\n  PSS021:\n    params:\n      exclude:\n        - controlName: Capabilities\n        - controlNam: Host Ports\n",
            ".hubspoke-lint.yaml:6:11: rules.PSS021.params.exclude[1].controlNam: unknown key `controlNam` (an item has controlName, images, restrictedField, values)",
        ),
        (
            "rules:\n  PSS022:\n    params:\n      exclude: [{controlName: Seccomp, images: 3}]\n",
            ".hubspoke-lint.yaml:4:40: rules.PSS022.params.exclude[0].images: must be a list of strings",
        ),
        (
            "rules:\n  HUB006:\n    params:\n      assume_defined: [ConfigMap/web/region-info, ConfigMap/region-info]\n",
            ".hubspoke-lint.yaml:4:51: rules.HUB006.params.assume_defined[1]: `ConfigMap/region-info` is not `ConfigMap/namespace/name` or `Secret/namespace/name`",
        ),
        (
            "rules:\n  HUB006:\n    params: {assume_defined: Deployment/web/api}\n",
            ".hubspoke-lint.yaml:3:14: rules.HUB006.params.assume_defined: `Deployment/web/api` is not `ConfigMap/namespace/name` or `Secret/namespace/name`",
        ),
        (
            "suppressions:\n  - {rule: BP002, path: a, reason: r}\n  - {rule: BP02, path: a, reason: r}\n",
            ".hubspoke-lint.yaml:3:6: suppressions[1].rule: `BP02` is not a rule id; `hubspoke-lint rules` lists them",
        ),
    ] {
        write(dir.path(), ".hubspoke-lint.yaml", config);
        let output = run(Some(dir.path()), &["."]);
        assert_eq!(code(&output), 2, "{config}");
        assert_eq!(
            stderr(&output).lines().last(),
            Some(format!("error: {expected}").as_str()),
            "{config}"
        );
    }
}

#[test]
fn findings_about_config_suppressions_point_at_the_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "legacy/pod.yaml", POD);
    write(
        dir.path(),
        ".hubspoke-lint.yaml",
        "suppressions:\n  - rule: PSS003\n    path: \"legacy/**\"\n  - {rule: BP002, path: \"legacy/**\", reason: old, until: \"2020-01-01\"}\n  - {rule: BP002, path: \"apps/**\", reason: nothing there}\n",
    );
    let output = run(
        Some(dir.path()),
        &[
            ".", "--format", "json", "--rule", "BP002", "--rule", "PSS003",
        ],
    );
    let report = json(&output);
    let located: Vec<(String, u64, u64)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["file"] == ".hubspoke-lint.yaml")
        .map(|f| {
            (
                f["rule"].as_str().expect("rule").to_owned(),
                f["line"].as_u64().expect("line"),
                f["column"].as_u64().expect("column"),
            )
        })
        .collect();
    assert_eq!(
        located,
        vec![
            ("suppression-without-reason".to_owned(), 2, 5),
            ("suppression-expired".to_owned(), 4, 5),
            ("suppression-unused".to_owned(), 5, 5),
        ]
    );
}

#[test]
fn conftest_prefixed_rules_and_rego_v0_policies_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pod.yaml", POD);
    // Rego v1 with conftest's name prefixes.
    write(
        dir.path(),
        "policy/v1.rego",
        "package main\n\ndeny_host_network contains msg if {\n  input.spec.hostNetwork\n  msg := \"host network\"\n}\n\nwarn_latest contains msg if {\n  some c in input.spec.containers\n  endswith(c.image, \":latest\")\n  msg := sprintf(\"%s uses latest\", [c.name])\n}\n\ndenylist := [\"x\"]\n",
    );
    // Rego v0, as conftest policies were written before OPA 1.0.
    write(
        dir.path(),
        "policy/legacy/v0.rego",
        "package legacy\n\ndeny[msg] {\n  input.kind == \"Pod\"\n  not input.metadata.labels.team\n  msg := \"no team label\"\n}\n\nviolation_namespace[msg] {\n  input.metadata.namespace == \"team-a\"\n  msg = \"team-a is frozen\"\n}\n",
    );
    let output = run(
        Some(dir.path()),
        &[
            "pod.yaml",
            "--policy",
            "policy",
            "--format",
            "json",
            "--no-schema",
        ],
    );
    let report = json(&output);
    let user: Vec<(String, String, u64, String)> = with_severity(&report)
        .into_iter()
        .filter(|(rule, ..)| rule.starts_with("main.") || rule.starts_with("legacy."))
        .collect();
    assert_eq!(
        user,
        vec![
            fs("legacy.deny", "pod.yaml", 4, "error"),
            fs("legacy.violation_namespace", "pod.yaml", 4, "error"),
            fs("main.deny_host_network", "pod.yaml", 4, "error"),
            fs("main.warn_latest", "pod.yaml", 4, "warning"),
        ],
        "{}",
        stdout(&output)
    );
    assert!(
        !report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["rule"] == "policy-error"),
        "{}",
        stdout(&output)
    );
    // A policy that is neither valid v1 nor v0 reports the v1 error.
    write(
        dir.path(),
        "policy/broken.rego",
        "package broken\n\ndeny contains msg if {\n  msg := \n}\n",
    );
    let output = run(
        Some(dir.path()),
        &[
            "pod.yaml",
            "--policy",
            "policy",
            "--format",
            "json",
            "--rule",
            "main.deny_host_network",
        ],
    );
    let errors: Vec<(String, String, u64)> = findings(&json(&output))
        .into_iter()
        .filter(|(rule, ..)| rule == "policy-error")
        .collect();
    assert_eq!(errors, vec![f("policy-error", "policy/broken.rego", 4)]);
}

/// A kustomization that puts `pod.yaml` (which declares no namespace) in `namespace`.
fn tenant(dir: &Path, name: &str, namespace: &str) {
    write(
        dir,
        &format!("{name}/kustomization.yaml"),
        &format!("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: {namespace}\nresources: [pod.yaml]\n"),
    );
    write(
        dir,
        &format!("{name}/pod.yaml"),
        &POD.replace("  namespace: team-a\n", ""),
    );
}

#[test]
fn the_baseline_keys_objects_by_effective_namespace() {
    let dir = tempfile::tempdir().expect("tempdir");
    tenant(dir.path(), "team-a", "team-a");
    let wrote = run(
        Some(dir.path()),
        &["baseline", "write", ".", "--rule", "BP002"],
    );
    assert_eq!(code(&wrote), 0, "{}", stderr(&wrote));
    let baseline: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join(".hubspoke-lint-baseline.json")).expect("baseline"),
    )
    .expect("json");
    assert_eq!(
        baseline,
        serde_json::json!({
            "version": 2,
            "entries": [{"rule": "BP002", "kind": "Pod", "namespace": "team-a", "name": "web", "field": "spec.containers[0].image", "count": 1}]
        })
    );
    // The same manifest deployed to another namespace is a new finding.
    tenant(dir.path(), "team-b", "team-b");
    let check = run(
        Some(dir.path()),
        &[
            "baseline", "check", ".", "--rule", "BP002", "--format", "json",
        ],
    );
    assert_eq!(
        findings(&json(&check)),
        vec![f("BP002", "team-b/pod.yaml", 9)]
    );
    assert_eq!(code(&check), 1);
}

#[test]
fn a_version_1_baseline_is_still_read_and_an_unknown_version_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    tenant(dir.path(), "team-a", "team-a");
    // Version 1 keyed by the declared namespace (none here).
    write(
        dir.path(),
        ".hubspoke-lint-baseline.json",
        "{\"version\": 1, \"entries\": [{\"rule\": \"BP002\", \"kind\": \"Pod\", \"namespace\": \"\", \"name\": \"web\", \"field\": \"spec.containers[0].image\", \"count\": 1}]}",
    );
    let (got, exit) = (
        findings(&json(&run(
            Some(dir.path()),
            &[".", "--rule", "BP002", "--format", "json"],
        ))),
        0,
    );
    assert_eq!((got, exit), (vec![], 0));
    write(
        dir.path(),
        ".hubspoke-lint-baseline.json",
        "{\"version\": 7, \"entries\": []}",
    );
    let output = run(Some(dir.path()), &[".", "--rule", "BP002"]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output).lines().last(),
        Some("error: ./.hubspoke-lint-baseline.json: baseline version 7 is not supported (this hubspoke-lint reads 1 and 2); write it again with `hubspoke-lint baseline write`")
    );
}

fn git_repo(dir: &Path) -> impl Fn(&[&str]) + '_ {
    move |args: &[&str]| {
        let output = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@t"])
            .args(args)
            .current_dir(dir)
            .output()
            .expect("git runs");
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn changed_since_works_from_a_subdirectory_and_with_an_absolute_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("sub")).expect("mkdir");
    let git = git_repo(&repo);
    git(&["init", "-q"]);
    write(&repo, "apps/old.yaml", POD);
    write(&repo, "sub/old.yaml", POD);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "old"]);
    write(&repo, "apps/new.yaml", POD);
    write(&repo, "sub/new.yaml", POD);
    write(
        &repo,
        "apps/old.yaml",
        &POD.replace("name: web", "name: web-2"),
    );
    let args = [
        "--changed-since",
        "HEAD",
        "--format",
        "json",
        "--rule",
        "BP002",
    ];
    // From a subdirectory, linting the repository above it.
    let mut from_sub = vec![".."];
    from_sub.extend_from_slice(&args);
    let output = run(Some(&repo.join("sub")), &from_sub);
    assert_eq!(
        findings(&json(&output)),
        vec![
            f("BP002", "apps/new.yaml", 10),
            f("BP002", "apps/old.yaml", 10),
            f("BP002", "sub/new.yaml", 10),
        ],
        "{}",
        stderr(&output)
    );
    // From outside the repository, with an absolute path.
    let absolute = repo.join("apps").to_string_lossy().into_owned();
    let mut from_outside = vec![absolute.as_str()];
    from_outside.extend_from_slice(&args);
    let output = run(Some(dir.path()), &from_outside);
    // Shown relative to the working directory, as the repository lies below it.
    assert_eq!(
        findings(&json(&output)),
        vec![
            f("BP002", "repo/apps/new.yaml", 10),
            f("BP002", "repo/apps/old.yaml", 10),
        ],
        "{}",
        stderr(&output)
    );
}

/// Issue 16: parameters are declared by the rules, so the ones `explain` documents are
/// accepted: PSS007's port range and Kyverno's podSecurity `exclude` form for PSS021.
#[test]
fn issue_16_declared_parameters_are_accepted_and_change_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: team-a\nspec:\n  containers:\n    - name: app\n      image: nginx:1.27\n      ports:\n        - containerPort: 80\n          hostPort: 80\n";
    write(dir.path(), "pod.yaml", pod);
    let lint = |config: &str| {
        write(dir.path(), ".hubspoke-lint.yaml", config);
        let output = run(
            Some(dir.path()),
            &[
                ".", "--format", "json", "--rule", "PSS007", "--rule", "PSS021",
            ],
        );
        (findings(&json(&output)), code(&output))
    };
    // By default the range is 5000-6000: port 80 is out of it, for both rules.
    assert_eq!(
        lint("rules: {}\n"),
        (
            vec![f("PSS007", "pod.yaml", 12), f("PSS021", "pod.yaml", 12)],
            1
        )
    );
    // The range and the profile's exemption, as `explain PSS007` and `explain PSS021` say.
    assert_eq!(
        lint("rules:\n  PSS007:\n    params: {min: 1, max: 1024}\n  PSS021:\n    params:\n      exclude:\n        - {controlName: Host Ports, images: [nginx:*], restrictedField: \"spec.containers[*].ports[*].hostPort\", values: [\"80\"]}\n"),
        (vec![], 0)
    );
}

/// A repository using several registries and sources, for the trusted-source rules.
fn write_sources(dir: &Path) {
    write(
        dir,
        "apps/web.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  template:\n    spec:\n      initContainers:\n        - name: init\n          image: registry.k8s.io/busybox:1.36\n      containers:\n        - name: web\n          image: ghcr.io/acme/web:1.0.0\n        - name: cache\n          image: redis:7.2\n",
    );
    write(
        dir,
        "apps/sources.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: apps\n  namespace: apps\nspec:\n  url: https://github.com/acme/apps\n---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: jetstack\n  namespace: apps\nspec:\n  url: https://charts.jetstack.io\n---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: Bucket\nmetadata:\n  name: exports\n  namespace: apps\nspec:\n  endpoint: minio.acme.internal\n  bucketName: exports\n---\napiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImageRepository\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  image: ghcr.io/acme/web\n",
    );
}

const TRUSTED_SOURCE_RULES: [&str; 10] = [
    "--rule", "BP006", "--rule", "FLUX005", "--rule", "FLUX006", "--rule", "FLUX007", "--rule",
    "FLUX008",
];

/// Issue 17: the placeholder allow-lists (`eu.foo.io`, `*.myorg.com`) fired on every real
/// repository. Until a list is set, its rule reports nothing.
#[test]
fn issue_17_trusted_source_rules_report_nothing_until_their_list_is_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_sources(dir.path());
    let mut args = vec![".", "--format", "json"];
    args.extend_from_slice(&TRUSTED_SOURCE_RULES);
    let output = run(Some(dir.path()), &args);
    assert_eq!(findings(&json(&output)), vec![]);
    assert_eq!(code(&output), 0);

    write(
        dir.path(),
        ".hubspoke-lint.yaml",
        "rules:\n  BP006: {params: {allowed_registries: [ghcr.io/acme]}}\n  FLUX005: {params: {allowed_urls: [\"https://github.com/acme/*\"]}}\n  FLUX006: {params: {allowed_endpoints: [\"*.acme.com\"]}}\n  FLUX007: {params: {allowed_urls: [\"https://charts.acme.com/*\"]}}\n  FLUX008: {params: {allowed_images: [\"ghcr.io/other/*\"]}}\n",
    );
    let output = run(Some(dir.path()), &args);
    assert_eq!(
        findings(&json(&output)),
        vec![
            f("FLUX007", "apps/sources.yaml", 15),
            f("FLUX006", "apps/sources.yaml", 23),
            f("FLUX008", "apps/sources.yaml", 32),
            f("BP006", "apps/web.yaml", 11),
            f("BP006", "apps/web.yaml", 16),
        ]
    );
    // Warnings: the run still passes with the default --fail-on error.
    assert_eq!(code(&output), 0);
}

/// `init` proposes, commented out, what the repository pulls from, sorted; the rest of
/// the starter is the same whatever the repository.
#[test]
fn init_proposes_the_registries_and_sources_the_repository_uses() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_sources(dir.path());
    let output = run(Some(dir.path()), &["init", "--stdout"]);
    assert_eq!(code(&output), 0);
    let text = stdout(&output);
    let proposals: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("  # Trusted sources"))
        .take_while(|l| l.starts_with("  #"))
        .collect();
    assert_eq!(
        proposals,
        [
            "  # Trusted sources: BP006 and FLUX005-FLUX008 check nothing until their list is set.",
            "  # The lists below are what this repository uses today: keep what you trust, uncomment.",
            "  # BP006:",
            "  #   params:",
            "  #     allowed_registries: [\"docker.io\", \"ghcr.io\", \"registry.k8s.io\"]",
            "  # FLUX005:",
            "  #   params:",
            "  #     allowed_urls: [\"https://github.com/acme/apps\"]",
            "  # FLUX006:",
            "  #   params:",
            "  #     allowed_endpoints: [\"minio.acme.internal\"]",
            "  # FLUX007:",
            "  #   params:",
            "  #     allowed_urls: [\"https://charts.jetstack.io\"]",
            "  # FLUX008:",
            "  #   params:",
            "  #     allowed_images: [\"ghcr.io/acme/web\"]",
        ]
    );
    // Written to the directory, the same text; a second run refuses to overwrite it.
    let output = run(Some(dir.path()), &["init"]);
    assert_eq!(code(&output), 0);
    let written = std::fs::read_to_string(dir.path().join(".hubspoke-lint.yaml")).expect("written");
    assert_eq!(written, text);
    // The written configuration loads (its sections with everything commented out are
    // empty), and the proposals are off until uncommented.
    let mut args = vec![".", "--format", "json"];
    args.extend_from_slice(&TRUSTED_SOURCE_RULES);
    let lint = run(Some(dir.path()), &args);
    assert_eq!(findings(&json(&lint)), vec![]);
    assert_eq!(code(&lint), 0);
    let again = run(Some(dir.path()), &["init"]);
    assert_eq!(code(&again), 2);
    // An empty repository gets the same starter, saying what it did not find.
    let empty = tempfile::tempdir().expect("tempdir");
    let output = run(Some(empty.path()), &["init", "--stdout"]);
    insta::assert_snapshot!("init_empty_repository", stdout(&output));
}
