//! Bad input is a finding with a place, never a crash, and never hides the rest.

use crate::support::{code, findings, json, run};

fn lint_dir(files: &[(&str, &[u8])]) -> (serde_json::Value, i32) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, bytes).expect("write");
    }
    let output = run(
        Some(dir.path()),
        &[
            ".", "--format", "json", "--rule", "BP002", "--rule", "PSS003",
        ],
    );
    (json(&output), code(&output))
}

const GOOD_POD: &[u8] = b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: \"nginx:latest\"}]\n";

#[test]
fn unparsable_non_utf8_binary_and_empty_files_are_findings_and_the_rest_is_linted() {
    let (report, exit) = lint_dir(&[
        ("a-unclosed.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"oops\n"),
        ("b-latin1.yaml", b"a: caf\xe9\n"),
        ("c-binary.yaml", b"\x00\x01\x02\x03"),
        ("d-empty.yaml", b""),
        ("e-comments.yaml", b"# only a comment\n"),
        ("f-pod.yaml", GOOD_POD),
        ("g-bom.yaml", b"\xEF\xBB\xBFapiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  containers: [{name: c, image: \"nginx:latest\"}]\n"),
    ]);
    assert_eq!(
        findings(&report),
        vec![
            ("parse-error".to_owned(), "a-unclosed.yaml".to_owned(), 4),
            ("encoding".to_owned(), "b-latin1.yaml".to_owned(), 1),
            ("binary-file".to_owned(), "c-binary.yaml".to_owned(), 0),
            ("empty-file".to_owned(), "d-empty.yaml".to_owned(), 0),
            ("empty-file".to_owned(), "e-comments.yaml".to_owned(), 0),
            ("BP002".to_owned(), "f-pod.yaml".to_owned(), 5),
            ("BP002".to_owned(), "g-bom.yaml".to_owned(), 5),
        ]
    );
    let encoding = &report["findings"][1];
    assert_eq!(
        encoding["message"],
        "file is not valid UTF-8: invalid byte 0xE9"
    );
    let place: Vec<Option<u64>> = ["line", "column", "end_line", "end_column"]
        .iter()
        .map(|key| encoding[key].as_u64())
        .collect();
    assert_eq!(place, [Some(1), Some(7), Some(1), Some(8)]);
    assert_eq!(exit, 1);
}

#[test]
fn crlf_files_keep_columns_right() {
    let (report, _) = lint_dir(&[("pod.yaml", b"apiVersion: v1\r\nkind: Pod\r\nmetadata: {name: p}\r\nspec:\r\n  containers: [{name: c, image: \"nginx:latest\"}]\r\n")]);
    let f = &report["findings"][0];
    assert_eq!(
        (
            f["line"].as_u64(),
            f["column"].as_u64(),
            f["end_column"].as_u64()
        ),
        (Some(5), Some(33), Some(47))
    );
}

#[test]
fn documents_before_a_syntax_error_are_still_linted() {
    let (report, exit) = lint_dir(&[("multi.yaml", b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n---\nkey: [unclosed\n")]);
    let rules: Vec<String> = findings(&report).into_iter().map(|(r, _, _)| r).collect();
    assert_eq!(rules, ["PSS003", "parse-error"]);
    assert_eq!(exit, 1);
}

#[test]
fn a_directory_without_yaml_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("notes.txt"), "hello").expect("write");
    let output = run(Some(dir.path()), &[".", "--format", "json"]);
    assert_eq!(
        findings(&json(&output)),
        vec![("no-files".to_owned(), ".".to_owned(), 0)]
    );
    assert_eq!(
        code(&output),
        2,
        "nothing was linted: the run must not pass"
    );
}

#[test]
fn a_directory_without_yaml_outside_the_working_directory_is_named_as_given() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("work")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("empty")).expect("mkdir");
    let output = run(
        Some(&dir.path().join("work")),
        &["../empty", "--format", "json"],
    );
    assert_eq!(
        findings(&json(&output)),
        vec![("no-files".to_owned(), "../empty".to_owned(), 0)]
    );
    assert_eq!(code(&output), 2);
}

#[test]
fn a_gitignore_above_the_root_is_not_applied_but_one_inside_is() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inner = dir.path().join("outer/inner");
    std::fs::create_dir_all(inner.join("apps")).expect("mkdir");
    std::fs::write(dir.path().join("outer/.gitignore"), "*.yaml\n").expect("write");
    std::fs::write(inner.join(".gitignore"), "ignored.yaml\n").expect("write");
    std::fs::write(inner.join("apps/pod.yaml"), GOOD_POD).expect("write");
    std::fs::write(inner.join("apps/ignored.yaml"), GOOD_POD).expect("write");
    let output = run(
        Some(dir.path()),
        &["outer/inner", "--format", "json", "--rule", "BP002"],
    );
    assert_eq!(
        findings(&json(&output)),
        vec![(
            "BP002".to_owned(),
            "outer/inner/apps/pod.yaml".to_owned(),
            5
        )]
    );
    assert_eq!(code(&output), 1);
}

#[cfg(unix)]
#[test]
fn sarif_of_a_dangling_symlink_holds_no_absolute_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("apps")).expect("mkdir");
    std::fs::write(dir.path().join("apps/pod.yaml"), GOOD_POD).expect("write");
    std::os::unix::fs::symlink(
        dir.path().join("apps/removed.yaml"),
        dir.path().join("apps/dangling.yaml"),
    )
    .expect("symlink");
    let absolute = dir.path().canonicalize().expect("canonical");
    let output = run(
        Some(dir.path()),
        &[absolute.to_str().expect("UTF-8 path"), "--format", "sarif"],
    );
    assert_eq!(code(&output), 1);
    let text = String::from_utf8_lossy(&output.stdout);
    for leak in [dir.path(), absolute.as_path()] {
        assert!(
            !text.contains(leak.to_str().expect("UTF-8 path")),
            "{} leaks into {text}",
            leak.display()
        );
    }
    let log = json(&output);
    let dangling = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "unreadable-file")
        .expect("the dangling symlink is reported");
    assert_eq!(
        dangling["message"]["text"],
        "cannot read: No such file or directory (os error 2)"
    );
    let location = &dangling["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "apps/dangling.yaml");
    assert_eq!(
        (
            &location["region"]["startLine"],
            &location["region"]["startColumn"]
        ),
        (&serde_json::json!(1), &serde_json::json!(1))
    );
}

#[test]
fn yaml_bombs_and_deep_nesting_stop_at_the_limits() {
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (prev, next) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        bomb.push_str(&format!(
            "{next}: &{next} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
    }
    let deep: String = (0..300)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    let (report, exit) = lint_dir(&[
        ("bomb.yaml", bomb.as_bytes()),
        ("deep.yaml", deep.as_bytes()),
        ("pod.yaml", GOOD_POD),
    ]);
    assert_eq!(
        findings(&report),
        vec![
            ("yaml-limit".to_owned(), "bomb.yaml".to_owned(), 6),
            ("yaml-limit".to_owned(), "deep.yaml".to_owned(), 129),
            ("BP002".to_owned(), "pod.yaml".to_owned(), 5),
        ]
    );
    assert_eq!(exit, 1);
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_and_loops_are_not_followed() {
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("secret.yaml"), GOOD_POD).expect("write");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("d")).expect("mkdir");
    std::fs::write(dir.path().join("d/pod.yaml"), GOOD_POD).expect("write");
    std::os::unix::fs::symlink(outside.path(), dir.path().join("escape")).expect("symlink");
    std::os::unix::fs::symlink(dir.path().join("d"), dir.path().join("d/loop")).expect("symlink");
    let output = run(
        Some(dir.path()),
        &[".", "--format", "json", "--rule", "BP002"],
    );
    let report = json(&output);
    assert_eq!(
        findings(&report),
        vec![
            ("symlink-loop".to_owned(), "d/loop".to_owned(), 0),
            ("BP002".to_owned(), "d/pod.yaml".to_owned(), 5),
            ("symlink-outside-root".to_owned(), "escape".to_owned(), 0),
        ]
    );
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains(&outside.path().display().to_string())
    );
}

#[test]
fn oversize_files_are_skipped_with_a_finding() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("big.yaml"), "a: 1\n".repeat(100)).expect("write");
    std::fs::write(dir.path().join("pod.yaml"), GOOD_POD).expect("write");
    let output = run(
        Some(dir.path()),
        &[
            ".",
            "--format",
            "json",
            "--max-file-size",
            "200",
            "--rule",
            "BP002",
        ],
    );
    let report = json(&output);
    assert_eq!(
        findings(&report),
        vec![
            ("file-too-large".to_owned(), "big.yaml".to_owned(), 0),
            ("BP002".to_owned(), "pod.yaml".to_owned(), 5)
        ]
    );
}

#[test]
fn a_broken_user_policy_is_a_finding_and_other_rules_still_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("policies")).expect("mkdir");
    std::fs::write(
        dir.path().join("policies/broken.rego"),
        "package user.broken\n\nviolations contains v if {\n  v := \n}\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("pod.yaml"), GOOD_POD).expect("write");
    let output = run(
        Some(dir.path()),
        &[
            "pod.yaml", "--policy", "policies", "--format", "json", "--rule", "BP002",
        ],
    );
    let report = json(&output);
    let got = findings(&report);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0], ("BP002".to_owned(), "pod.yaml".to_owned(), 5));
    assert_eq!(
        (got[1].0.as_str(), got[1].1.as_str()),
        ("policy-error", "policies/broken.rego")
    );
    assert_eq!(got[1].2, 4, "the compile error names its line");
    assert_eq!(report["findings"][1]["column"], 5);
    assert_eq!(
        report["findings"][1]["message"],
        "policy failed to load: expecting `}` while parsing set"
    );
    assert_eq!(code(&output), 1);
}

#[test]
fn a_policy_that_only_fails_when_compiled_costs_only_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("policies")).expect("mkdir");
    // Parses, but regorus rejects it when compiling all modules together.
    std::fs::write(
        dir.path().join("policies/unsafe.rego"),
        "package user.unsafe\n\nmetadata := {\"id\": \"U1\", \"title\": \"unsafe\", \"severity\": \"error\", \"description\": \"x.\", \"help\": \"y\", \"scope\": \"document\", \"kinds\": [\"*\"]}\n\nviolations contains v if {\n  v := {\"msg\": x}\n  x := y\n}\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("pod.yaml"), GOOD_POD).expect("write");
    let output = run(
        Some(dir.path()),
        &[
            "pod.yaml", "--policy", "policies", "--format", "json", "--rule", "BP002",
        ],
    );
    let got = findings(&json(&output));
    assert_eq!(
        got[0],
        ("BP002".to_owned(), "pod.yaml".to_owned(), 5),
        "bundled rules still run: {got:?}"
    );
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        (got[1].0.as_str(), got[1].1.as_str()),
        ("policy-error", "policies/unsafe.rego")
    );
    assert_eq!(code(&output), 1);
}
