//! `hubspoke-lint test DIR`: rules load, Rego unit tests, fixtures.

use std::path::Path;

use crate::support::{code, run, stdout};

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
        "Rego tests: 0 passed, 0 failed, 0 skipped (0 files)\nfixtures:   2 passed, 0 failed\nok\n"
    );
    assert_eq!(code(&output), 0);
}
