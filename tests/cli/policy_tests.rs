//! `hubspoke-lint test DIR` (rules load, Rego unit tests, fixtures) and
//! `scripts/new-rule`, the scaffold whose rules pass those tests as generated.

use std::path::Path;
use std::process::Command;

use crate::support::{code, json, root, run, stdout};

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

const RULE: &str = "package hubspoke.team.replicas\n\nmetadata := {\"id\": \"TEAM001\", \"title\": \"replicas\", \"severity\": \"warning\", \"description\": \"One replica has no redundancy.\", \"help\": \"Run two.\", \"scope\": \"document\", \"kinds\": [\"apps/Deployment\"], \"tags\": [\"team\"]}\n\nviolations contains v if {\n  input.spec.replicas < 2\n  v := {\"msg\": \"one replica\", \"path\": [\"spec\", \"replicas\"]}\n}\n";

const DEPLOYMENT: &str =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  replicas: ";

/// A policy directory with one rule, its unit tests and its fixtures.
fn team_policies(dir: &Path) {
    write(dir, "policies/team/replicas.rego", RULE);
    write(
        dir,
        "policies/team/replicas_test.rego",
        "package hubspoke.team.replicas_test\n\nimport data.hubspoke.team.replicas\n\ntest_one_replica_is_flagged if {\n  count(replicas.violations) == 1 with input as {\"spec\": {\"replicas\": 1}}\n}\n\ntest_two_replicas_pass if {\n  count(replicas.violations) == 0 with input as {\"spec\": {\"replicas\": 2}}\n}\n\ntodo_test_three_replicas if false\n",
    );
    write(
        dir,
        "policies/team/fixtures/replicas/fail/one.yaml",
        &format!("# one replica\n{DEPLOYMENT}1 # expect: TEAM001\n"),
    );
    write(
        dir,
        "policies/team/fixtures/replicas/pass/two.yaml",
        &format!("# two replicas\n{DEPLOYMENT}2\n"),
    );
}

#[test]
fn test_passes_with_counts_and_lists_passes_when_verbose() {
    let dir = tempfile::tempdir().expect("tempdir");
    team_policies(dir.path());
    let output = run(Some(dir.path()), &["test", "policies"]);
    assert_eq!(
        stdout(&output),
        "Rego tests: 2 passed, 0 failed, 1 skipped (1 file)\nfixtures:   2 passed, 0 failed\nok\n"
    );
    assert_eq!(code(&output), 0);
    let verbose = run(Some(dir.path()), &["test", "policies", "--verbose"]);
    insta::assert_snapshot!("test_verbose_passing", stdout(&verbose));
    assert_eq!(code(&verbose), 0);
}

#[test]
fn test_failures_name_the_test_or_fixture_and_where() {
    let dir = tempfile::tempdir().expect("tempdir");
    team_policies(dir.path());
    write(
        dir.path(),
        "policies/team/more_test.rego",
        "package hubspoke.team.more_test\n\nimport data.hubspoke.team.replicas\n\ntest_wrong_expectation if {\n  count(replicas.violations) == 0 with input as {\"spec\": {\"replicas\": 1}}\n}\n\ntest_prints_what_it_saw if {\n  found := replicas.violations with input as {\"spec\": {\"replicas\": 1}}\n  print(\"found\", found)\n  count(found) == 2\n}\n\ntest_value := \"yes\"\n\ntest_twice if true\n\ntest_twice if false\n",
    );
    write(
        dir.path(),
        "policies/team/broken_test.rego",
        "package hubspoke.team.broken_test\n\ntest_x if {\n",
    );
    write(
        dir.path(),
        "policies/team/fixtures/replicas/pass/also-one.yaml",
        &format!("# one replica, wrongly in pass/\n{DEPLOYMENT}1\n"),
    );
    let output = run(Some(dir.path()), &["test", "policies"]);
    insta::assert_snapshot!("test_failures", stdout(&output));
    assert_eq!(code(&output), 1);
}

#[test]
fn a_rule_that_does_not_load_fails_the_test_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    team_policies(dir.path());
    write(
        dir.path(),
        "policies/team/replicas.rego",
        &RULE.replace("\"severity\": \"warning\", ", ""),
    );
    let output = run(Some(dir.path()), &["test", "policies"]);
    let text = stdout(&output);
    assert!(
        text.starts_with("FAIL policies/team/replicas.rego"),
        "{text}"
    );
    assert!(text.contains("severity"), "{text}");
    assert!(text.ends_with("FAILED: 2 failures\n"), "{text}");
    assert_eq!(code(&output), 1);
}

#[test]
fn test_usage_errors_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = run(Some(dir.path()), &["test", "no-such-dir"]);
    assert_eq!(code(&missing), 2);
    assert!(String::from_utf8_lossy(&missing.stderr)
        .contains("no-such-dir is not a directory of policies"));
    write(dir.path(), "empty/README.md", "no policies here\n");
    let empty = run(Some(dir.path()), &["test", "empty"]);
    assert_eq!(code(&empty), 2);
    assert!(
        String::from_utf8_lossy(&empty.stderr).contains("empty holds no Rego files"),
        "{}",
        String::from_utf8_lossy(&empty.stderr)
    );
    assert_eq!(stdout(&empty), "");
}

/// A family folder alone is tested too: its fixtures are found and the bundled
/// copies of its rules give way to the working ones.
#[test]
fn test_runs_on_one_family_folder() {
    let output = run(None, &["test", "policies/secrets"]);
    assert_eq!(
        stdout(&output),
        "Rego tests: 0 passed, 0 failed, 0 skipped (0 files)\nfixtures:   18 passed, 0 failed\nok\n"
    );
    assert_eq!(code(&output), 0);
}

// --- scripts/new-rule -----------------------------------------------------------

fn new_rule(policies: &Path, args: &[&str]) -> std::process::Output {
    Command::new(root().join("scripts/new-rule"))
        .args(args)
        .arg("--policies")
        .arg(policies)
        .output()
        .expect("python3 runs scripts/new-rule")
}

/// The next free id of a prefix, from the bundled rules.
fn next_id(prefix: &str) -> String {
    let rules = json(&run(None, &["rules", "--format", "json"]));
    let highest = rules
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["id"].as_str()?.strip_prefix(prefix)?.parse::<u32>().ok())
        .max()
        .expect("rules of that prefix");
    format!("{prefix}{:03}", highest + 1)
}

/// The generated rule's metadata as `rules --format json` shows it, checked against the
/// conventions bundled rules are held to (crates/hubspoke-engine/tests/bundled_rules.rs).
fn assert_follows_conventions(rule_file: &Path, id: &str, family: &str, scope: &str) {
    let alone = tempfile::tempdir().expect("tempdir");
    let name = rule_file.file_name().expect("file name");
    std::fs::copy(rule_file, alone.path().join(name)).expect("copy");
    let rules = json(&run(
        None,
        &[
            "rules",
            "--format",
            "json",
            "--policy",
            alone.path().to_str().expect("UTF-8 path"),
        ],
    ));
    let rule = rules
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("{id} not loaded: {rules}"));
    let slug = name.to_string_lossy().trim_end_matches(".rego").to_owned();
    assert_eq!(rule["title"], slug.replace('_', "-"));
    assert_eq!(
        rule["package"],
        format!("data.hubspoke.{}.{slug}", family.replace('-', "_"))
    );
    assert_eq!(rule["scope"], scope);
    assert!(rule["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .any(|t| t == family));
    assert!(rule["security_severity"].is_number(), "{rule}");
    // The first sentence stands alone (SARIF shortDescription, the rules table).
    let description = rule["description"].as_str().expect("description");
    assert!(
        description.contains(". ") || description.ends_with('.'),
        "{description}"
    );
    if scope == "document" {
        assert!(!rule["kinds"].as_array().expect("kinds").is_empty());
    }
}

#[test]
fn new_rule_scaffolds_rules_that_pass_their_tests() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policies = dir.path().join("policies");
    let copied = Command::new("cp")
        .arg("-r")
        .arg(root().join("policies"))
        .arg(&policies)
        .status()
        .expect("cp");
    assert!(copied.success());

    let pss = next_id("PSS");
    let document = new_rule(&policies, &["pod-security", "privileged-init"]);
    assert_eq!(
        code(&document),
        0,
        "{}",
        String::from_utf8_lossy(&document.stderr)
    );
    let text = stdout(&document);
    assert!(
        text.starts_with(&format!("{pss} privileged-init (document rule)\n")),
        "{text}"
    );
    assert!(
        text.contains("UPDATE_DOCS=1 cargo test --test cli docs"),
        "{text}"
    );
    let fail = policies.join("pod-security/fixtures/privileged_init/fail/stdin-open.yaml");
    assert!(std::fs::read_to_string(&fail)
        .expect("fail fixture")
        .contains(&format!("# expect: {pss}")));

    let hub = next_id("HUB");
    let repository = new_rule(&policies, &["hub-spoke", "suspended-kustomization"]);
    assert_eq!(code(&repository), 0);
    assert!(stdout(&repository).starts_with(&format!(
        "{hub} suspended-kustomization (repository rule)\n"
    )));

    // Both load, pass their fixtures and leave every other test passing.
    let tested = run(Some(dir.path()), &["test", "policies", "--verbose"]);
    let report = stdout(&tested);
    assert_eq!(code(&tested), 0, "{report}");
    for case in [
        format!("PASS policies/pod-security/fixtures/privileged_init/fail/stdin-open.yaml ({pss})"),
        format!(
            "PASS policies/pod-security/fixtures/privileged_init/pass/stdin-closed.yaml ({pss})"
        ),
        format!("PASS policies/hub-spoke/fixtures/suspended_kustomization/fail/suspended ({hub})"),
        format!("PASS policies/hub-spoke/fixtures/suspended_kustomization/pass/reconciled ({hub})"),
    ] {
        assert!(report.contains(&case), "{case} missing from\n{report}");
    }
    assert_follows_conventions(
        &policies.join("pod-security/privileged_init.rego"),
        &pss,
        "pod-security",
        "document",
    );
    assert_follows_conventions(
        &policies.join("hub-spoke/suspended_kustomization.rego"),
        &hub,
        "hub-spoke",
        "repository",
    );
}

#[test]
fn new_rule_refuses_what_exists_or_is_malformed_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policies = dir.path().join("policies");
    write(dir.path(), "policies/team/replicas.rego", RULE);
    let ops = RULE
        .replace("team.replicas", "ops.deploys")
        .replace("TEAM001", "OPS001")
        .replace("\"title\": \"replicas\"", "\"title\": \"deploys\"");
    write(dir.path(), "policies/ops/deploys.rego", &ops);
    for (args, message) in [
        (
            &["team", "replicas"][..],
            "policies/team/replicas.rego exists already",
        ),
        (&["ops", "replicas"][..], "the title 'replicas' is taken"),
        (&["team", "Bad_Name"][..], "invalid slug 'Bad_Name'"),
        (
            &["team", "replicas-test"][..],
            "invalid slug 'replicas-test'",
        ),
        (&["Team", "x"][..], "invalid family 'Team'"),
        (&["lib", "x"][..], "invalid family 'lib'"),
        (&["network", "x"][..], "no family 'network'"),
        (
            &["network", "x", "--prefix", "TEAM"][..],
            "prefix TEAM is taken by team",
        ),
        (
            &["team", "x", "--prefix", "NET"][..],
            "family 'team' uses the prefix TEAM",
        ),
    ] {
        let output = new_rule(&policies, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(code(&output), 2, "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let files: Vec<_> = walk(&policies);
    assert_eq!(
        files,
        vec!["ops/deploys.rego", "team/replicas.rego"],
        "nothing written"
    );
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(
                    path.strip_prefix(dir)
                        .expect("below")
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    out.sort();
    out
}

/// conftest policies written before OPA 1.0 come with tests in the same Rego v0.
#[test]
fn rego_v0_test_files_run_as_v0_policies_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "policies/legacy.rego",
        "package main\n\ndeny[msg] {\n  input.kind == \"Pod\"\n  msg := \"pods are frozen\"\n}\n",
    );
    write(
        dir.path(),
        "policies/legacy_test.rego",
        "package main\n\ntest_pods_are_denied {\n  deny[\"pods are frozen\"] with input as {\"kind\": \"Pod\"}\n}\n\ntest_others_pass {\n  count(deny) == 0 with input as {\"kind\": \"Service\"}\n}\n",
    );
    let output = run(Some(dir.path()), &["test", "policies", "-v"]);
    assert_eq!(
        stdout(&output),
        "PASS policies/legacy_test.rego:3: data.main.test_pods_are_denied\nPASS policies/legacy_test.rego:7: data.main.test_others_pass\nRego tests: 2 passed, 0 failed, 0 skipped (1 file)\nfixtures:   0 passed, 0 failed\nok\n"
    );
    assert_eq!(code(&output), 0);
}

/// A v0 file with a typo fails to parse both ways; the error shown is the v0 one, in the
/// rule with the typo (regorus points at the `{` of the body it cannot close), not v1's
/// complaint about the first `deny[msg] {` on line 3.
#[test]
fn a_syntax_error_in_a_rego_v0_file_is_reported_where_it_is() {
    let dir = tempfile::tempdir().expect("tempdir");
    let v0_with_typo =
        "package legacy\n\ndeny[msg] {\n  input.kind == \"Pod\"\n  msg := \"frozen\"\n}\n\nwarn[msg] {\n  msg := \n}\n";
    write(dir.path(), "policies/legacy.rego", v0_with_typo);
    write(
        dir.path(),
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
    );
    let output = run(
        Some(dir.path()),
        &["pod.yaml", "--policy", "policies", "--format", "json"],
    );
    let report = json(&output);
    let error = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "policy-error")
        .expect("a policy-error");
    assert_eq!(
        (&error["file"], &error["line"], &error["column"]),
        (
            &serde_json::json!("policies/legacy.rego"),
            &serde_json::json!(8),
            &serde_json::json!(11)
        ),
        "{error}"
    );
    assert_eq!(error["message"], "policy failed to load: expecting }");

    // The same in a v0 test file.
    let tests = tempfile::tempdir().expect("tempdir");
    write(
        tests.path(),
        "policies/legacy_test.rego",
        "package legacy_test\n\ntest_a {\n  true\n}\n\ntest_b {\n  x := \n}\n",
    );
    let output = run(Some(tests.path()), &["test", "policies"]);
    assert_eq!(code(&output), 1);
    let first = stdout(&output)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(
        first.starts_with("FAIL policies/legacy_test.rego:7:8: "),
        "{}",
        stdout(&output)
    );
}

/// Issue 16: a rule declares its parameters; a malformed declaration fails `test` at the
/// declaration's file and line, and the directory's other rules still load.
#[test]
fn issue_16_a_malformed_parameter_declaration_fails_at_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    team_policies(dir.path());
    write(
        dir.path(),
        "policies/team/max_replicas.rego",
        "package hubspoke.team.max_replicas\n\nimport data.hubspoke.lib.params\n\nmetadata := {\n\t\"id\": \"TEAM002\", \"title\": \"max-replicas\", \"severity\": \"warning\",\n\t\"description\": \"Too many replicas.\", \"help\": \"Run fewer.\",\n\t\"scope\": \"document\", \"kinds\": [\"apps/Deployment\"], \"tags\": [\"team\"],\n\t\"parameters\": [\n\t\t{\"name\": \"limit\", \"type\": \"integer\", \"default\": \"ten\", \"description\": \"The most replicas allowed.\"},\n\t],\n}\n\nviolations contains v if {\n  input.spec.replicas > params.value(metadata.id, \"limit\")\n  v := {\"msg\": \"too many replicas\", \"path\": [\"spec\", \"replicas\"]}\n}\n",
    );
    let output = run(Some(dir.path()), &["test", "policies"]);
    let text = stdout(&output);
    assert!(
        text.starts_with("FAIL policies/team/max_replicas.rego:10:12: policy failed to load: invalid metadata: parameter `limit`: its default must be an integer\n"),
        "{text}"
    );
    // TEAM001 still loads and passes its fixtures.
    assert!(text.contains("fixtures:   2 passed, 0 failed"), "{text}");
    assert_eq!(code(&output), 1);
}

/// A repository rule's violation may set its own severity; anything but error, warning or
/// note is a policy-error naming the rule (exit 1), and the valid ones keep theirs.
#[test]
fn a_repository_violation_severity_must_be_a_severity() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("policies")).expect("mkdir");
    std::fs::write(
        dir.path().join("policies/graded.rego"),
        "package user.graded\n\nmetadata := {\"id\": \"USR900\", \"title\": \"graded\", \"severity\": \"error\", \"description\": \"x.\", \"help\": \"y\", \"scope\": \"repository\", \"kinds\": []}\n\nviolations contains {\"msg\": \"graded\", \"object\": 0, \"path\": [\"metadata\", \"name\"], \"severity\": \"warning\"}\n\nviolations contains {\"msg\": \"bad\", \"object\": 0, \"path\": [\"metadata\", \"name\"], \"severity\": \"fatal\"}\n",
    )
    .expect("write policy");
    std::fs::write(
        dir.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: b\n",
    )
    .expect("write manifest");
    let output = run(
        Some(dir.path()),
        &[
            ".", "--policy", "policies", "--rule", "USR900", "--format", "json",
        ],
    );
    assert_eq!(code(&output), 1);
    let report = json(&output);
    let graded: Vec<(&str, &str, &str)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().expect("rule"),
                f["severity"].as_str().expect("severity"),
                f["message"].as_str().expect("message"),
            )
        })
        .collect();
    assert_eq!(
        graded,
        [
            ("USR900", "warning", "graded"),
            (
                "policy-error",
                "error",
                "repository rule USR900 failed: violation severity must be \"error\", \"warning\" or \"note\": bad"
            ),
        ]
    );
}
