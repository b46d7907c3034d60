//! docs/rules.md is generated from metadata; it must not go stale.

use crate::support::{code, root, run, stdout};

#[test]
fn rules_markdown_is_in_sync() {
    let output = run(None, &["rules", "--format", "markdown"]);
    assert_eq!(code(&output), 0);
    let generated = stdout(&output);
    let path = root().join("docs/rules.md");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).expect("write docs/rules.md");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/rules.md is stale: run `UPDATE_DOCS=1 cargo test --test cli docs`"
    );
}

/// The Avoid and Prefer examples of a rule in docs/rules.md: `(file name, text)` each.
fn documented_examples(docs: &str, id: &str) -> [(String, String); 2] {
    let section = docs
        .split("\n## ")
        .find(|s| s.starts_with(&format!("{id} — ")))
        .unwrap_or_else(|| panic!("no section for {id}"));
    ["Avoid", "Prefer"].map(|heading| {
        let after = &section[section
            .find(&format!("### {heading}\n"))
            .unwrap_or_else(|| panic!("{id} has no {heading} example"))..];
        let start = after.find("```yaml\n").expect("a YAML block") + "```yaml\n".len();
        let block = &after[start..start + after[start..].find("```").expect("closed block")];
        let (first, text) = block.split_once('\n').expect("file line");
        let name = first
            .trim_start_matches("# ")
            .rsplit('/')
            .next()
            .expect("name");
        (name.to_owned(), text.to_owned())
    })
}

/// Every built-in rule whose example is a manifest: "Avoid" gets the finding,
/// "Prefer" does not (encodings are applied to the bytes as the comments say).
#[test]
fn built_in_examples_show_what_they_claim() {
    let docs = std::fs::read_to_string(root().join("docs/rules.md")).expect("docs");
    let cases: [(&str, &[&str], Option<&str>); 16] = [
        ("parse-error", &[], None),
        ("duplicate-key", &[], None),
        ("unknown-tag", &[], None),
        ("yaml-limit", &[], None),
        ("encoding", &[], None),
        ("utf16-file", &[], None),
        ("empty-file", &[], None),
        ("helm-template", &[], None),
        ("suppression-without-reason", &[], None),
        ("suppression-unused", &[], None),
        ("suppression-unknown-rule", &[], None),
        (
            "suppression-not-allowed",
            &[],
            Some("rules: {PSS001: {suppressible: false}}\n"),
        ),
        ("schema/invalid", &[], None),
        ("schema/invalid-crd", &[], None),
        ("schema/unknown-field", &["--strict"], None),
        ("schema/unknown-kind", &[], None),
    ];
    for (id, flags, config) in cases {
        for (verdict, (name, text)) in documented_examples(&docs, id).into_iter().enumerate() {
            let avoid = verdict == 0;
            let bytes: Vec<u8> = match id {
                "encoding" if avoid => text.chars().map(|c| c as u32 as u8).collect(),
                "utf16-file" if avoid => [0xFF, 0xFE]
                    .into_iter()
                    .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                    .collect(),
                _ => text.into_bytes(),
            };
            let dir = tempfile::tempdir().expect("tempdir");
            std::fs::write(dir.path().join(&name), bytes).expect("write");
            if let Some(config) = config {
                std::fs::write(dir.path().join(".hubspoke-lint.yaml"), config).expect("write");
            }
            let mut args = vec![".", "--format", "json"];
            args.extend_from_slice(flags);
            let report = crate::support::json(&run(Some(dir.path()), &args));
            let reported = crate::support::findings(&report)
                .iter()
                .any(|(rule, _, _)| rule == id);
            assert_eq!(
                reported,
                avoid,
                "{id}: the {} example {}",
                if avoid { "Avoid" } else { "Prefer" },
                if avoid {
                    "is not reported"
                } else {
                    "is reported"
                }
            );
        }
    }
}

/// Users mapping trivy and checkov findings find the ids in `rules --format json` and `explain`.
#[test]
fn trivy_and_checkov_equivalents_are_shown() {
    let rules = crate::support::json(&run(None, &["rules", "--format", "json"]));
    let rules = rules.as_array().expect("rules array");
    assert!(rules
        .iter()
        .all(|r| r["trivy"].is_array() && r["checkov"].is_array()));
    let rule = rules
        .iter()
        .find(|r| r["id"] == "RBAC010")
        .expect("RBAC010 listed");
    assert_eq!(rule["trivy"], serde_json::json!(["KSV041"]));
    assert_eq!(rule["checkov"], serde_json::json!(["CKV2_K8S_5"]));
    let page = stdout(&run(None, &["explain", "RBAC010"]));
    assert!(
        page.ends_with("## Other tools\n\nChecks that flag the same problem (similar, not proven equal):\n- Trivy: `KSV041`\n- Checkov: `CKV2_K8S_5`\n"),
        "{page}"
    );
}

/// Examples are fixtures; their `# expect: ID` markers are for the harness, not readers.
#[test]
fn explain_and_the_rule_docs_show_no_test_markers() {
    for id in ["PSS001", "BP002", "HUB001", "FLUX001"] {
        let page = stdout(&run(None, &["explain", id]));
        assert!(page.contains("## Avoid"), "{id}: {page}");
        assert!(!page.contains("# expect:"), "{id}: {page}");
    }
    let docs = std::fs::read_to_string(root().join("docs/rules.md")).expect("docs");
    assert!(!docs.contains("# expect:"));
}

/// The README opens with the two commands a newcomer runs, and warns that the first one's
/// long output is on purpose.
#[test]
fn the_readme_starts_with_the_example_and_says_it_is_broken_on_purpose() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a first sh block");
    let lines: Vec<&str> = block.lines().collect();
    assert_eq!(lines.len(), 2, "{block}");
    assert!(
        lines[0].starts_with("cargo run -p hubspoke-lint -- fixtures/hub-spoke-broken   # "),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("broken on purpose"), "{}", lines[0]);
    assert!(
        lines[1].starts_with("cargo test --workspace "),
        "{}",
        lines[1]
    );
}
