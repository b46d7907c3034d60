//! What the linter finds on the bundled example repositories.

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::{code, findings, json, root, run};

/// `# expect: ID` markers of every file below `dir`, as (rule, file, line).
pub(crate) fn markers(dir: &Path) -> BTreeSet<(String, String, u64)> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)
            .expect("readable fixture dir")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let rel = path
                    .strip_prefix(root())
                    .expect("under root")
                    .to_string_lossy()
                    .replace('\\', "/");
                for (i, line) in text.lines().enumerate() {
                    if let Some(at) = line.find("# expect:") {
                        for id in line[at + 9..].split(',') {
                            out.insert((id.trim().to_owned(), rel.clone(), i as u64 + 1));
                        }
                    }
                }
            }
        }
    }
    out
}

#[test]
fn clean_example_repository_has_no_findings() {
    let output = run(None, &["fixtures/hub-spoke", "--format", "json"]);
    let report = json(&output);
    assert_eq!(
        findings(&report),
        vec![],
        "the clean example must stay clean"
    );
    assert_eq!(code(&output), 0);
    assert!(report["summary"]["files"].as_u64().expect("files") >= 40);
}

#[test]
fn broken_example_repository_yields_exactly_the_marked_findings() {
    let output = run(None, &["fixtures/hub-spoke-broken", "--format", "json"]);
    let report = json(&output);
    let actual: BTreeSet<_> = findings(&report).into_iter().collect();
    let mut expected = markers(&root().join("fixtures/hub-spoke-broken"));
    // A syntax error cannot carry its own marker reliably: the parser stops at the quote.
    expected.insert((
        "parse-error".to_owned(),
        "fixtures/hub-spoke-broken/apps/broken-syntax.yaml".to_owned(),
        9,
    ));
    let missing: Vec<_> = expected.difference(&actual).collect();
    let unexpected: Vec<_> = actual.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "missing: {missing:#?}\nunexpected: {unexpected:#?}"
    );
    assert_eq!(code(&output), 1);
}

#[test]
fn every_bundled_rule_fires_on_the_broken_repository() {
    let rules = json(&run(None, &["rules", "--format", "json"]));
    let bundled: Vec<&serde_json::Value> = rules
        .as_array()
        .expect("rules array")
        .iter()
        .filter(|r| {
            r["source"]
                .as_str()
                .is_some_and(|s| s.starts_with("policies/"))
        })
        .collect();
    let fired_with = |extra: &[&str]| -> BTreeSet<String> {
        let mut args = vec!["fixtures/hub-spoke-broken", "--format", "json"];
        args.extend_from_slice(extra);
        findings(&json(&run(None, &args)))
            .into_iter()
            .map(|(rule, _, _)| rule)
            .collect()
    };
    let fired = fired_with(&[]);
    let mut not_fired: Vec<String> = bundled
        .iter()
        .filter(|r| r["default_enabled"] != false)
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .filter(|id| !fired.contains(id))
        .collect();
    // Rules off by default (the whole-profile PSS021/PSS022) duplicate per-control findings, so
    // the fixture's `# expect:` markers leave them out; naming one with --rule runs it.
    for rule in bundled.iter().filter(|r| r["default_enabled"] == false) {
        let id = rule["id"].as_str().expect("id");
        if !fired_with(&["--rule", id]).contains(id) {
            not_fired.push(id.to_owned());
        }
    }
    assert_eq!(
        not_fired,
        Vec::<String>::new(),
        "bundled rules with no violation in fixtures/hub-spoke-broken"
    );
}

#[test]
fn findings_point_at_the_offending_field() {
    let report = json(&run(
        None,
        &["fixtures/hub-spoke-broken", "--format", "json"],
    ));
    let privileged = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "PSS001")
        .expect("a PSS001 finding");
    assert_eq!(
        privileged["path"],
        "spec.template.spec.containers[0].securityContext.privileged"
    );
    assert_eq!(
        (privileged["line"].as_u64(), privileged["column"].as_u64()),
        (Some(84), Some(25))
    );
    assert_eq!(privileged["end_column"].as_u64(), Some(29));
    assert_eq!(
        privileged["object"],
        serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "team-a", "name": "podinfo"})
    );
}

#[test]
fn output_is_identical_with_one_and_eight_threads() {
    for format in ["json", "sarif", "human"] {
        let one = run(
            None,
            &[
                "fixtures/hub-spoke-broken",
                "--format",
                format,
                "--threads",
                "1",
                "--color",
                "never",
            ],
        );
        let eight = run(
            None,
            &[
                "fixtures/hub-spoke-broken",
                "--format",
                format,
                "--threads",
                "8",
                "--color",
                "never",
            ],
        );
        assert_eq!(
            one.stdout, eight.stdout,
            "{format} output differs between 1 and 8 threads"
        );
        assert!(!one.stdout.is_empty());
    }
}

#[test]
fn non_ascii_columns_are_counted_in_characters() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations: {note: \"Équipe — ü\"}\nspec:\n  containers:\n    - {name: \"ünï\", image: \"nginx:latest\"}\n",
    )
    .expect("write");
    let report = json(&run(
        Some(dir.path()),
        &[".", "--format", "json", "--rule", "BP002"],
    ));
    let f = &report["findings"][0];
    assert_eq!(f["rule"], "BP002");
    // `    - {name: "ünï", image: ` is 28 characters (32 bytes); the value starts at column 29.
    assert_eq!(
        (
            f["line"].as_u64(),
            f["column"].as_u64(),
            f["end_column"].as_u64()
        ),
        (Some(8), Some(28), Some(42))
    );
    let sarif = json(&run(
        Some(dir.path()),
        &[".", "--format", "sarif", "--rule", "BP002"],
    ));
    let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startColumn"].as_u64(), Some(28));
    assert_eq!(region["snippet"]["text"], "\"nginx:latest\"");
}

#[test]
fn a_single_file_can_be_linted() {
    let output = run(
        None,
        &[
            "fixtures/hub-spoke-broken/apps/podinfo/base/deployment.yaml",
            "--format",
            "json",
        ],
    );
    let report = json(&output);
    assert_eq!(
        findings(&report),
        vec![(
            "PSS001".to_owned(),
            "fixtures/hub-spoke-broken/apps/podinfo/base/deployment.yaml".to_owned(),
            84
        )]
    );
    assert_eq!(code(&output), 1);
}

#[test]
fn include_and_exclude_globs_select_files() {
    let output = run(
        None,
        &[
            "fixtures/hub-spoke-broken",
            "--format",
            "json",
            "--exclude",
            "apps/**",
            "--exclude",
            "tenants",
        ],
    );
    let report = json(&output);
    let files: BTreeSet<String> = findings(&report).into_iter().map(|(_, f, _)| f).collect();
    assert!(
        files
            .iter()
            .all(|f| !f.contains("/apps/") && !f.contains("/tenants/")),
        "{files:?}"
    );
    assert!(!files.is_empty());
    let only = json(&run(
        None,
        &[
            "fixtures/hub-spoke-broken",
            "--format",
            "json",
            "--include",
            "**/statefulset.yaml",
        ],
    ));
    assert_eq!(only["summary"]["files"].as_u64(), Some(1));
}

#[test]
fn document_rules_see_the_namespace_an_enclosing_kustomization_gives() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("app")).expect("mkdir");
    std::fs::write(
        dir.path().join("app/kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: team-a\nresources: [deploy.yaml]\n",
    )
    .expect("write");
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: \"nginx:1.2\"}]\n";
    std::fs::write(dir.path().join("app/deploy.yaml"), deployment).expect("write");
    std::fs::write(dir.path().join("loose.yaml"), deployment).expect("write");
    let report = json(&run(
        Some(dir.path()),
        &[".", "--format", "json", "--rule", "BP008"],
    ));
    assert_eq!(
        findings(&report),
        vec![("BP008".to_owned(), "loose.yaml".to_owned(), 3)]
    );
}

#[test]
fn real_layouts_yield_no_hub_spoke_findings() {
    for fixture in [
        "fixtures/flux2-multi-tenancy-like",
        "fixtures/flux2-hub-spoke-example-like",
    ] {
        let report = json(&run(None, &[fixture, "--format", "json"]));
        let hub: Vec<_> = findings(&report)
            .into_iter()
            .filter(|(rule, _, _)| {
                rule.starts_with("HUB")
                    || ["FLUX001", "FLUX002", "FLUX003", "FLUX004"].contains(&rule.as_str())
            })
            .collect();
        // Rendered, `${CLUSTER_NAME}` of the hub's impersonation namespace is the spoke's
        // name, labelled `toolkit.fluxcd.io/tenant: sre-team`: the platform team's own
        // namespace (no RoleBinding gives a tenant access in it), so neither HUB008 nor
        // HUB009 (they were reported there before the label alone stopped making a tenant).
        let expected: Vec<(String, String, u64)> = vec![];
        assert_eq!(hub, expected, "{fixture}");
    }
}
