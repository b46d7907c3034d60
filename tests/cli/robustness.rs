//! The bad-input corpus (`fixtures/bad-input`) plus what git cannot hold
//! (symlinks, a 50 MB file, an unreadable file): exact diagnostics, the rest
//! still linted, no panic.

use std::path::Path;

use crate::support::{code, f, findings, json, root, run, user_policy};

fn copy_corpus(to: &Path) {
    for entry in std::fs::read_dir(root().join("fixtures/bad-input"))
        .expect("corpus")
        .flatten()
    {
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

#[test]
fn every_bad_input_gets_its_exact_diagnostic() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_corpus(dir.path());
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        outside.path().join("secret.yaml"),
        "apiVersion: v1\nkind: Secret\n",
    )
    .expect("write");
    #[cfg(unix)]
    {
        std::fs::create_dir(dir.path().join("loop")).expect("mkdir");
        std::os::unix::fs::symlink(dir.path().join("loop"), dir.path().join("loop/again"))
            .expect("symlink");
        std::os::unix::fs::symlink(
            outside.path().join("secret.yaml"),
            dir.path().join("outside.yaml"),
        )
        .expect("symlink");
        std::os::unix::fs::symlink(
            dir.path().join("missing.yaml"),
            dir.path().join("dangling.yaml"),
        )
        .expect("symlink");
    }
    // 50 MB of valid YAML: over the default 10 MiB limit.
    let big = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n".to_owned()
        + &"  key: value-value-value-value-value-value-value\n".repeat(1_100_000);
    std::fs::write(dir.path().join("huge.yaml"), &big).expect("write");
    let output = run(
        Some(dir.path()),
        &[".", "--format", "json", "--rule", "BP002"],
    );
    let got = findings(&json(&output));
    let expected = vec![
        f("yaml-limit", "alias-bomb.yaml", 7),
        f("parse-error", "bad-indentation.yaml", 6),
        f("binary-file", "binary.yaml", 0),
        f("empty-file", "comments-only.yaml", 0),
        f("BP002", "crlf.yaml", 9),
        f("unreadable-file", "dangling.yaml", 0),
        f("yaml-limit", "deep-nesting.yaml", 130),
        f("duplicate-anchor", "duplicate-anchor.yaml", 8),
        f("duplicate-key", "duplicate-key.yaml", 8),
        f("empty-file", "empty.yaml", 0),
        f("helm-template", "helm-template.yaml", 7),
        f("file-too-large", "huge.yaml", 0),
        f("encoding", "latin1.yaml", 5),
        f("symlink-loop", "loop/again", 0),
        f("symlink-outside-root", "outside.yaml", 0),
        f("parse-error", "tab-indentation.yaml", 5),
        f("parse-error", "unclosed-quote.yaml", 5),
        f("parse-error", "undecodable-value.yaml", 7),
        f("unknown-tag", "unknown-tag.yaml", 7),
        f("utf16-file", "utf16-bom.yaml", 0),
        f("BP002", "utf16-bom.yaml", 8),
        f("BP002", "utf8-bom.yaml", 8),
        f("BP002", "valid.yaml", 9),
    ];
    assert_eq!(got, expected);
    assert_eq!(code(&output), 1);
    let report = json(&output);
    let crlf = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|x| x["file"] == "crlf.yaml")
        .expect("crlf finding");
    assert_eq!(
        (crlf["column"].as_u64(), crlf["end_column"].as_u64()),
        (Some(14), Some(26))
    );
    let latin1 = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|x| x["file"] == "latin1.yaml")
        .expect("latin1 finding");
    // `  name: caf` then the byte 0xE9.
    assert_eq!(
        (latin1["column"].as_u64(), latin1["end_column"].as_u64()),
        (Some(12), Some(13))
    );
    let anchor = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|x| x["rule"] == "duplicate-anchor")
        .expect("duplicate-anchor finding");
    assert_eq!(
        (
            anchor["severity"].as_str(),
            anchor["column"].as_u64(),
            anchor["end_column"].as_u64()
        ),
        (Some("note"), Some(11), Some(13))
    );
    assert_eq!(
        (
            anchor["related"][0]["line"].as_u64(),
            anchor["related"][0]["column"].as_u64(),
            anchor["related"][0]["message"].as_str()
        ),
        (Some(7), Some(10), Some("`&v` first defined here"))
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        !text.contains(&outside.path().display().to_string()),
        "no absolute path leaks"
    );
}

#[test]
fn a_50_mb_file_parses_within_a_raised_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut big = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n");
    for i in 0..1_000_000 {
        big.push_str(&format!(
            "  k{i}: value-value-value-value-value-value-value\n"
        ));
    }
    assert!(big.len() > 50_000_000);
    std::fs::write(dir.path().join("huge.yaml"), big).expect("write");
    let output = run(
        Some(dir.path()),
        &[
            ".",
            "--format",
            "json",
            "--max-file-size",
            "100000000",
            "--rule",
            "BP002",
        ],
    );
    assert_eq!(findings(&json(&output)), vec![]);
    assert_eq!(json(&output)["summary"]["objects"], 1);
    assert_eq!(code(&output), 0);
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_reported_when_permissions_apply() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("locked.yaml");
    std::fs::write(&path, "a: 1\n").expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::read(&path).is_ok() {
        // Running as root: permissions do not apply; the dangling symlink case covers unreadable files.
        return;
    }
    let output = run(Some(dir.path()), &[".", "--format", "json"]);
    assert_eq!(
        findings(&json(&output)),
        vec![f("unreadable-file", "locked.yaml", 0)]
    );
}

#[test]
fn network_builtins_are_unavailable_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    user_policy(
        dir.path(),
        "exfiltrate",
        "X1",
        "violations contains v if {\n  r := http.send({\"method\": \"GET\", \"url\": \"http://example.com\"})\n  v := {\"msg\": r.body}\n}\n",
    );
    std::fs::write(
        dir.path().join("a.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    )
    .expect("write");
    let output = run(
        Some(dir.path()),
        &["a.yaml", "--policy", "policies", "--format", "json"],
    );
    let report = json(&output);
    assert_eq!(
        findings(&report),
        vec![f("policy-error", "policies/exfiltrate.rego", 6)]
    );
    let error = &report["findings"][0];
    assert_eq!(error["column"].as_u64(), Some(8));
    assert_eq!(
        error["message"],
        "policy failed to load: `http.send` is unavailable: hubspoke-lint never reaches the network, so builtins that do are not provided"
    );
    assert_eq!(code(&output), 1);
}

#[test]
fn a_policy_asking_for_a_huge_range_fails_alone_instead_of_exhausting_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    user_policy(
        dir.path(),
        "huge",
        "HUGE1",
        "violations contains v if {\n  r := numbers.range(1, 100000000000)\n  v := {\"msg\": sprintf(\"%d\", [count(r)])}\n}\n",
    );
    std::fs::write(
        dir.path().join("a.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\nspec:\n  containers:\n    - {name: c, image: nginx, securityContext: {privileged: true}}\n",
    )
    .expect("write");
    let output = run(
        Some(dir.path()),
        &[
            "a.yaml", "--policy", "policies", "--format", "json", "--rule", "HUGE1", "--rule",
            "PSS001",
        ],
    );
    let report = json(&output);
    assert_eq!(
        findings(&report),
        vec![f("policy-error", "a.yaml", 3), f("PSS001", "a.yaml", 6)]
    );
    assert_eq!(
        report["findings"][0]["message"],
        "rule HUGE1 (policies/huge.rego) failed on this object: numbers.range would make 100000000000 numbers; hubspoke-lint allows at most 1000000 per call"
    );
    assert_eq!(code(&output), 1);
}

#[test]
fn an_endless_policy_is_stopped_by_the_rule_time_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    user_policy(
        dir.path(),
        "slow",
        "SLOW1",
        "violations contains v if {\n  r := numbers.range(1, 50000)\n  c := count([1 | some i in r; some j in r; i == j + 7])\n  v := {\"msg\": sprintf(\"%d\", [c])}\n}\n",
    );
    std::fs::write(
        dir.path().join("a.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    )
    .expect("write");
    let started = std::time::Instant::now();
    let output = run(
        Some(dir.path()),
        &[
            "a.yaml",
            "--policy",
            "policies",
            "--format",
            "json",
            "--rule",
            "SLOW1",
            "--rule-timeout-ms",
            "200",
        ],
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "the run must not hang"
    );
    let report = json(&output);
    assert_eq!(findings(&report), vec![f("policy-error", "a.yaml", 3)]);
    assert_eq!(
        report["findings"][0]["message"],
        "rule SLOW1 (policies/slow.rego) failed on this object: stopped after 200 ms (the per-rule time limit, --rule-timeout-ms)"
    );
}

/// A repository where every stage has work: a Pod with a BP002 finding, a ConfigMap, and a
/// Flux Kustomization whose path does not exist (HUB001, a repository rule).
fn panic_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: apps}\nspec:\n  containers: [{name: c, image: \"nginx:latest\"}]\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("config.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: apps}\ndata: {a: b}\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("sync.yaml"),
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec:\n  interval: 10m\n  path: ./missing\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n",
    )
    .expect("write");
    dir
}

/// Lint [`panic_repository`] with the test-only panic trigger set to `trigger`. The binary
/// reads it because `cargo test` builds it with hubspoke-manifest's `test-panic` feature
/// (a dev-dependency of hubspoke-lint); a normal build ignores the variable.
fn lint_with_panic(trigger: &str, rules: &[&str]) -> (serde_json::Value, i32, String) {
    let dir = panic_repository();
    let mut args = vec![".", "--format", "json"];
    for rule in rules {
        args.extend(["--rule", rule]);
    }
    let output = crate::support::hubspoke(Some(dir.path()))
        .env("HUBSPOKE_LINT_TEST_PANIC", trigger)
        .args(&args)
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (json(&output), code(&output), stderr)
}

fn internal_error_message(report: &serde_json::Value) -> String {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "internal-error")
        .and_then(|f| f["message"].as_str())
        .expect("an internal-error finding")
        .to_owned()
}

#[test]
fn a_parser_panic_is_an_internal_error_on_that_file_and_exits_2() {
    let (report, exit, stderr) = lint_with_panic("parse:config.yaml", &["BP002", "HUB001"]);
    assert_eq!(
        findings(&report),
        vec![
            f("internal-error", "config.yaml", 0),
            f("BP002", "pod.yaml", 5),
            f("HUB001", "sync.yaml", 6),
        ]
    );
    assert_eq!(
        internal_error_message(&report),
        "internal error while parsing this file (panic: HUBSPOKE_LINT_TEST_PANIC asked for a panic while parse config.yaml); the other results are reported; please report this bug"
    );
    assert_eq!(exit, 2);
    assert!(!stderr.contains("crashed"), "{stderr}");
}

#[test]
fn a_model_panic_is_an_internal_error_on_the_root_and_document_rules_still_run() {
    let (report, exit, stderr) = lint_with_panic("model", &["BP002", "HUB001"]);
    assert_eq!(
        findings(&report),
        vec![f("internal-error", ".", 0), f("BP002", "pod.yaml", 5),]
    );
    assert_eq!(
        internal_error_message(&report),
        "internal error while building the repository model of this root (its repository rules did not run) (panic: HUBSPOKE_LINT_TEST_PANIC asked for a panic while model .); the other results are reported; please report this bug"
    );
    assert_eq!(exit, 2);
    assert!(!stderr.contains("crashed"), "{stderr}");
}

#[test]
fn a_repository_rule_panic_is_an_internal_error_on_the_root() {
    let (report, exit, _) = lint_with_panic("repository", &["BP002", "HUB001"]);
    assert_eq!(
        findings(&report),
        vec![f("internal-error", ".", 0), f("BP002", "pod.yaml", 5),]
    );
    assert_eq!(exit, 2);
}

#[test]
fn a_schema_validation_panic_is_an_internal_error_on_that_file() {
    let (report, exit, _) = lint_with_panic("schema:pod.yaml", &["BP002", "schema/invalid"]);
    assert_eq!(
        findings(&report),
        vec![
            f("internal-error", "pod.yaml", 0),
            f("BP002", "pod.yaml", 5),
        ]
    );
    assert_eq!(exit, 2);
}

#[test]
fn a_parser_panic_under_parse_only_still_exits_2() {
    let dir = panic_repository();
    let output = crate::support::hubspoke(Some(dir.path()))
        .env("HUBSPOKE_LINT_TEST_PANIC", "parse:pod.yaml")
        .args([".", "--format", "json", "--parse-only"])
        .output()
        .expect("binary runs");
    assert_eq!(
        findings(&json(&output)),
        vec![f("internal-error", "pod.yaml", 0)]
    );
    assert_eq!(code(&output), 2);
}

#[test]
fn kustomize_generator_inputs_outside_the_root_are_reported_and_never_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("app")).expect("mkdir");
    // A readable file just outside the root: a read would show its content somewhere.
    std::fs::write(dir.path().join("outside.env"), "LEAKED_TOKEN=hunter2\n").expect("write");
    std::fs::write(repo.join("app/present.env"), "MODE=production\n").expect("write");
    std::fs::write(
        repo.join("app/kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - /etc/passwd\nconfigMapGenerator:\n  - name: settings\n    envs:\n      - present.env\n      - ../../outside.env\n    files:\n      - token=../../outside.env\n      - missing.txt\nsecretGenerator:\n  - name: legacy\n    env: ../../outside.env\n",
    )
    .expect("write");
    let output = run(Some(&repo), &[".", "--format", "json", "--rule", "HUB002"]);
    let report = json(&output);
    let got: Vec<(u64, u64, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
                f["message"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected = [
        (4, 5, "resources of app/kustomization.yaml names \"/etc/passwd\", an absolute path outside the repository; it is not read"),
        (9, 9, "configMapGenerator of app/kustomization.yaml names \"../../outside.env\", which climbs above the repository root; it is not read"),
        (11, 9, "configMapGenerator of app/kustomization.yaml names \"token=../../outside.env\", which climbs above the repository root; it is not read"),
        (12, 9, "configMapGenerator of app/kustomization.yaml names \"missing.txt\", but app/missing.txt does not exist"),
        (15, 10, "secretGenerator of app/kustomization.yaml names \"../../outside.env\", which climbs above the repository root; it is not read"),
    ];
    assert_eq!(
        got,
        expected
            .iter()
            .map(|(l, c, m)| (*l, *c, (*m).to_owned()))
            .collect::<Vec<_>>()
    );
    assert_eq!(code(&output), 1);
    assert!(!String::from_utf8_lossy(&output.stdout).contains("hunter2"));
}
