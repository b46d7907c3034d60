//! Every output format on the broken example, snapshotted and validated.

use crate::support::{code, hubspoke, json, root, run, stdout};

const BROKEN: &str = "fixtures/hub-spoke-broken";

#[test]
fn human_output() {
    let output = run(None, &[BROKEN, "--color", "never"]);
    insta::assert_snapshot!("human_broken", stdout(&output));
}

#[test]
fn json_output() {
    let output = run(None, &[BROKEN, "--format", "json"]);
    insta::assert_snapshot!("json_broken", stdout(&output));
}

#[test]
fn sarif_output() {
    let output = run(None, &[BROKEN, "--format", "sarif"]);
    insta::assert_snapshot!("sarif_broken", stdout(&output));
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/sarif-schema-2.1.0.json"))
            .expect("schema"),
    )
    .expect("schema JSON");
    let validator = jsonschema::options()
        .build(&schema)
        .expect("schema compiles");
    let output = run(
        None,
        &[
            BROKEN,
            "--format",
            "sarif",
            "--sarif-category",
            "hubspoke/fleet",
        ],
    );
    assert_eq!(code(&output), 1);
    let log = json(&output);
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The schema does not require what GitHub needs; check that too.
    let run = &log["runs"][0];
    assert_eq!(run["automationDetails"]["id"], "hubspoke/fleet");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    for rule in rules {
        assert!(
            rule["fullDescription"]["text"].is_string() && rule["help"]["text"].is_string(),
            "{rule}"
        );
    }
    let results = run["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for result in results {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(
            uri.starts_with("fixtures/hub-spoke-broken/"),
            "relative URI expected: {uri}"
        );
        assert!(
            location["region"]["startLine"]
                .as_u64()
                .is_some_and(|l| l > 0),
            "{result}"
        );
        assert!(
            location["region"]["startColumn"]
                .as_u64()
                .is_some_and(|c| c > 0),
            "{result}"
        );
        assert!(result["partialFingerprints"]["hubspokeFindingHash/v1"].is_string());
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    }
    assert!(run["originalUriBaseIds"]["%SRCROOT%"]["description"]["text"].is_string());
    assert!(
        run["originalUriBaseIds"]["%SRCROOT%"].get("uri").is_none(),
        "no absolute path of this machine"
    );
    for rule in rules {
        let id = rule["id"].as_str().expect("id");
        // The repository's own Kyverno rules are documented by their policies, not here.
        if id.starts_with("kyverno/") {
            assert!(rule.get("helpUri").is_none(), "{rule}");
            continue;
        }
        let title = rule["name"].as_str().map_or(id.to_owned(), str::to_owned);
        let help_uri = rule["helpUri"]
            .as_str()
            .expect("every shipped rule has a page");
        let anchor = help_uri
            .strip_prefix("https://github.com/hubspoke-lint/hubspoke-lint/blob/main/docs/rules.md#")
            .unwrap_or_else(|| panic!("{help_uri}"));
        // The anchor is the one GitHub gives the rule's heading in docs/rules.md.
        let docs = std::fs::read_to_string(root().join("docs/rules.md")).expect("docs");
        assert!(
            docs.contains(&format!("](#{anchor})")),
            "{id} ({title}): #{anchor} is not linked from docs/rules.md"
        );
    }
    let with_security = rules
        .iter()
        .filter(|r| r["properties"]["security-severity"].is_string())
        .count();
    assert!(with_security >= 10);
}

#[test]
fn sarif_stops_below_githubs_result_limit_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 25,002 copies of one key: 25,001 duplicate-key errors.
    std::fs::write(dir.path().join("keys.yaml"), "k: 1\n".repeat(25_002)).expect("write");
    let output = run(
        Some(dir.path()),
        &[".", "--parse-only", "--format", "sarif=out.sarif"],
    );
    assert_eq!(code(&output), 1);
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "warning: SARIF output holds the 24999 most severe of 25001 findings (GitHub code scanning accepts 25000 per run); 2 were left out\n"
    );
    let log: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("out.sarif")).expect("SARIF written"),
    )
    .expect("SARIF is JSON");
    let run = &log["runs"][0];
    assert_eq!(run["results"].as_array().map(Vec::len), Some(24_999));
    assert_eq!(
        run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"],
        "25001 results exceed GitHub's limit of 25000 per run; the 24999 most severe are included, 2 omitted"
    );
}

#[test]
fn several_formats_in_one_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sarif = dir.path().join("out.sarif");
    let json_path = dir.path().join("out.json");
    let output = hubspoke(None)
        .args([BROKEN, "--format", "human", "--color", "never"])
        .arg("--format")
        .arg(format!("sarif={}", sarif.display()))
        .arg("--format")
        .arg(format!("json={}", json_path.display()))
        .output()
        .expect("runs");
    assert_eq!(code(&output), 1);
    assert!(stdout(&output).contains(" findings ("));
    let from_file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_path).expect("json written")).expect("json");
    let direct = json(&run(None, &[BROKEN, "--format", "json"]));
    assert_eq!(from_file, direct);
    assert!(std::fs::read_to_string(&sarif)
        .expect("sarif written")
        .contains("\"version\": \"2.1.0\""));
}

#[test]
fn rules_catalogue_has_the_documented_shape() {
    let rules = json(&run(None, &["rules", "--format", "json"]));
    let rules = rules.as_array().expect("array");
    let ids: Vec<&str> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "rules are sorted by id");
    for rule in rules {
        for field in [
            "id",
            "title",
            "severity",
            "scope",
            "kinds",
            "tags",
            "kyverno",
            "description",
            "help",
        ] {
            assert!(!rule[field].is_null(), "{field} missing in {rule}");
        }
    }
    let privileged = rules.iter().find(|r| r["id"] == "PSS001").expect("PSS001");
    assert_eq!(
        privileged["kyverno"],
        serde_json::json!([{"policy": "disallow-privileged-containers", "rule": "privileged-containers"}])
    );
    let text = stdout(&run(None, &["rules"]));
    assert!(text.contains("PSS001") && text.contains("privileged-container"));
}

#[test]
fn explain_prints_the_rule_documentation() {
    let output = run(None, &["explain", "PSS001"]);
    assert_eq!(code(&output), 0);
    insta::assert_snapshot!("explain_pss001", stdout(&output));
    let by_title = run(None, &["explain", "privileged-container"]);
    assert_eq!(by_title.stdout, output.stdout);
    let unknown = run(None, &["explain", "NOPE42"]);
    assert_eq!(code(&unknown), 2);
}
