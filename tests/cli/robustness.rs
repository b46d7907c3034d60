//! The bad-input corpus (`fixtures/bad-input`) plus what git cannot hold
//! (symlinks, a 50 MB file, an unreadable file): exact diagnostics, the rest
//! still linted, no panic.

use std::path::Path;

use crate::support::{code, findings, json, root, run};

fn f(rule: &str, file: &str, line: u64) -> (String, String, u64) {
    (rule.to_owned(), file.to_owned(), line)
}

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
        f("duplicate-key", "duplicate-key.yaml", 8),
        f("empty-file", "empty.yaml", 0),
        f("helm-template", "helm-template.yaml", 7),
        f("file-too-large", "huge.yaml", 0),
        f("encoding", "latin1.yaml", 5),
        f("symlink-loop", "loop/again", 0),
        f("symlink-outside-root", "outside.yaml", 0),
        f("parse-error", "tab-indentation.yaml", 5),
        f("parse-error", "unclosed-quote.yaml", 5),
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
    std::fs::create_dir(dir.path().join("policies")).expect("mkdir");
    std::fs::write(
        dir.path().join("policies/exfiltrate.rego"),
        "package user.exfiltrate\n\nmetadata := {\"id\": \"X1\", \"title\": \"exfiltrate\", \"severity\": \"error\", \"description\": \"x.\", \"help\": \"y\", \"scope\": \"document\", \"kinds\": [\"*\"]}\n\nviolations contains v if {\n  r := http.send({\"method\": \"GET\", \"url\": \"http://example.com\"})\n  v := {\"msg\": r.body}\n}\n",
    )
    .expect("write");
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
    std::fs::create_dir(dir.path().join("policies")).expect("mkdir");
    std::fs::write(
        dir.path().join("policies/huge.rego"),
        "package user.huge\n\nmetadata := {\"id\": \"HUGE1\", \"title\": \"huge\", \"severity\": \"error\", \"description\": \"x.\", \"help\": \"y\", \"scope\": \"document\", \"kinds\": [\"*\"]}\n\nviolations contains v if {\n  r := numbers.range(1, 100000000000)\n  v := {\"msg\": sprintf(\"%d\", [count(r)])}\n}\n",
    )
    .expect("write");
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
    std::fs::create_dir(dir.path().join("policies")).expect("mkdir");
    std::fs::write(
        dir.path().join("policies/slow.rego"),
        "package user.slow\n\nmetadata := {\"id\": \"SLOW1\", \"title\": \"slow\", \"severity\": \"error\", \"description\": \"x.\", \"help\": \"y\", \"scope\": \"document\", \"kinds\": [\"*\"]}\n\nviolations contains v if {\n  r := numbers.range(1, 50000)\n  c := count([1 | some i in r; some j in r; i == j + 7])\n  v := {\"msg\": sprintf(\"%d\", [c])}\n}\n",
    )
    .expect("write");
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
