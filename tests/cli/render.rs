//! The render stage end to end: what each cluster receives (kustomize and Flux,
//! rendered in-process) is what the rules judge, each finding on the line that made
//! the offending value and naming its clusters; `hubspoke-lint render` prints it.

use serde_json::Value;

use crate::support::{code, findings, json, run, stdout};

const FIXTURE: &str = "fixtures/hub-spoke-render";
const BROKEN: &str = "fixtures/hub-spoke-render-broken";

/// A finding as these tests compare it: rule, `file:line:col`, clusters and related
/// locations (`file:line:col message`).
#[derive(Debug, PartialEq, Eq)]
struct Located {
    rule: String,
    at: String,
    clusters: Vec<String>,
    related: Vec<String>,
}

fn at(value: &Value) -> String {
    format!(
        "{}:{}:{}",
        value["file"].as_str().expect("file"),
        value["line"].as_u64().unwrap_or(0),
        value["column"].as_u64().unwrap_or(0)
    )
}

fn located(report: &Value) -> Vec<Located> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| Located {
            rule: f["rule"].as_str().expect("rule").to_owned(),
            at: at(f),
            clusters: f["clusters"].as_array().map_or_else(Vec::new, |c| {
                c.iter()
                    .map(|c| c.as_str().expect("cluster").to_owned())
                    .collect()
            }),
            related: f["related"]
                .as_array()
                .expect("related")
                .iter()
                .map(|r| format!("{} {}", at(r), r["message"].as_str().expect("message")))
                .collect(),
        })
        .collect()
}

fn finding(rule: &str, at: &str, clusters: &[&str], related: &[&str]) -> Located {
    Located {
        rule: rule.to_owned(),
        at: format!("{FIXTURE}/{at}"),
        clusters: clusters.iter().map(|c| (*c).to_owned()).collect(),
        related: related.iter().map(|r| format!("{FIXTURE}/{r}")).collect(),
    }
}

fn rules(report: &Value) -> Vec<String> {
    findings(report)
        .into_iter()
        .map(|(rule, _, _)| rule)
        .collect()
}

/// The proof: the production-only privileged container is found at the patch
/// line for production only; the `${cluster_env}` registry is found at its placeholder
/// with the definition related; and none of the findings the files as written draw
/// (resources the overlays add, `Namespace/_` renamed by `namespace:`, `prune` and
/// `interval` a parent patches in) is reported.
#[test]
fn each_finding_lands_where_the_value_the_cluster_receives_was_written() {
    let output = run(None, &[FIXTURE, "--format", "json"]);
    let report = json(&output);
    assert_eq!(
        located(&report),
        vec![
            finding(
                "BP006",
                "apps/podinfo/base/deployment.yaml:27:27",
                &["staging"],
                &["hub/spokes/staging.yaml:16:7 `cluster_env` is defined here"],
            ),
            finding(
                "PSS001",
                "apps/podinfo/overlays/production/privileged-patch.yaml:12:25",
                &["production"],
                &[],
            ),
            finding(
                "HUB015",
                "clusters/hub/flux-system/gotk-sync.yaml:19:9",
                &[],
                &[]
            ),
            finding(
                "HUB017",
                "clusters/hub/flux-system/gotk-sync.yaml:19:9",
                &[],
                &[]
            ),
            finding(
                "HUB015",
                "clusters/production/cluster-config.yaml:6:1",
                &[],
                &[]
            ),
            finding(
                "HUB015",
                "clusters/staging/cluster-config.yaml:6:1",
                &[],
                &[]
            ),
            finding("HUB007", "hub/spokes/production.yaml:13:13", &[], &[]),
            finding("HUB007", "hub/spokes/staging.yaml:13:13", &[], &[]),
        ]
    );
    let bp006 = &report["findings"][0];
    assert_eq!(bp006["end_column"], 41, "the whole `${{cluster_env}}`");
    assert_eq!(
        bp006["message"],
        "container \"podinfod\" of Deployment \"podinfo\" uses image \
         \"registry-staging.example.com/podinfo:6.7.1\" from a registry outside the allowed \
         list (registry-production.example.com)"
    );
    assert_eq!(
        report["summary"]["render"],
        serde_json::json!({
            "clusters": 3,
            "objects": 18,
            "evaluated": 18,
            "rendered_files": 15,
            "unrendered_files": 0,
        })
    );
    assert_eq!(code(&output), 1);
}

/// The same files judged as written (`--no-render`): the false positives rendering
/// removes are there, so the test above cannot pass by finding nothing.
#[test]
fn judged_as_written_the_fixture_draws_the_findings_rendering_removes() {
    let output = run(None, &[FIXTURE, "--format", "json", "--no-render"]);
    let report = json(&output);
    let all = findings(&report);
    let has = |rule: &str, file: &str, line: u64| {
        all.contains(&(rule.to_owned(), format!("{FIXTURE}/{file}"), line))
    };
    // Resources the overlays add (BP003), Namespace/_ twice (HUB016), prune and
    // interval the parent patches in (schema), the placeholder read as a registry.
    assert!(
        has("BP003", "apps/podinfo/base/deployment.yaml", 26),
        "{all:#?}"
    );
    assert!(
        has("HUB016", "apps/redis/base/namespace.yaml", 5),
        "{all:#?}"
    );
    assert!(
        has("schema/invalid", "hub/spokes/staging.yaml", 6),
        "{all:#?}"
    );
    assert!(
        has("schema/invalid", "hub/spokes/production.yaml", 6),
        "{all:#?}"
    );
    assert!(report["summary"].get("render").is_none());
    assert!(report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .all(|f| f.get("clusters").is_none()));
    let rendered = json(&run(None, &[FIXTURE, "--format", "json"]));
    for rule in ["BP003", "HUB016", "schema/invalid"] {
        assert!(!rules(&rendered).contains(&rule.to_owned()), "{rule}");
    }
}

/// The clusters are named in the human header, SARIF's result properties and JSON;
/// the summary says what was rendered and how many files were judged as written.
#[test]
fn every_format_names_the_clusters() {
    let human = stdout(&run(
        None,
        &[FIXTURE, "--format", "human", "--color", "never"],
    ));
    assert!(
        human.contains("container \"podinfod\" of Deployment \"podinfo\" runs privileged [cluster: production]"),
        "{human}"
    );
    assert!(
        human.contains("hub/spokes/staging.yaml:16:7: `cluster_env` is defined here"),
        "{human}"
    );
    assert!(
        human.contains(
            "Rendered 3 clusters (18 objects, 18 evaluated); 0 files no cluster renders judged as written."
        ),
        "{human}"
    );
    let sarif = json(&run(None, &[FIXTURE, "--format", "sarif"]));
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let clusters: Vec<(&str, &Value)> = results
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().expect("ruleId"),
                &r["properties"]["clusters"],
            )
        })
        .collect();
    assert_eq!(clusters[0], ("BP006", &serde_json::json!(["staging"])));
    assert_eq!(clusters[1], ("PSS001", &serde_json::json!(["production"])));
    assert!(
        clusters[2..].iter().all(|(_, c)| c.is_null()),
        "{clusters:?}"
    );
    let related = &results[0]["relatedLocations"][0];
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uri"],
        format!("{FIXTURE}/hub/spokes/staging.yaml")
    );
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 16);
}

/// Bad kustomize and Flux input: each problem a finding at its line naming the cluster,
/// the rest of the cluster rendered and judged (the privileged container is found),
/// the object dropped by the name collision judged as written; no panic. The collision
/// lands on the `namePrefix` that made it.
#[test]
fn bad_input_is_a_finding_at_its_line_and_the_rest_still_renders() {
    let output = run(None, &[BROKEN, "--format", "json"]);
    let report = json(&output);
    let render: Vec<(String, String, Vec<String>)> = located(&report)
        .into_iter()
        .filter(|f| f.rule.starts_with("render/") || f.rule == "PSS001" || f.rule == "HUB002")
        .map(|f| {
            (
                f.rule,
                f.at.replacen(&format!("{BROKEN}/"), "", 1),
                f.clusters,
            )
        })
        .collect();
    let hub = || vec!["hub".to_owned()];
    assert_eq!(
        render,
        vec![
            (
                "render/kustomize-cycle".into(),
                "apps/loop-b/kustomization.yaml:4:5".into(),
                hub()
            ),
            (
                "render/flux-substitute-undefined".into(),
                "apps/web/deployment.yaml:7:12".into(),
                hub()
            ),
            (
                "PSS001".into(),
                "apps/web/deployment.yaml:21:25".into(),
                hub()
            ),
            (
                // Also a render problem, reported once under the established rule.
                "HUB002".into(),
                "apps/web/kustomization.yaml:7:5".into(),
                hub()
            ),
            (
                "render/kustomize-patch-target-not-found".into(),
                "apps/web/kustomization.yaml:12:7".into(),
                hub()
            ),
            (
                "render/kustomize-invalid-json-patch".into(),
                "apps/web/kustomization.yaml:22:9".into(),
                hub()
            ),
            (
                "render/kustomize-id-conflict".into(),
                "apps/web/prefixed/kustomization.yaml:3:13".into(),
                hub()
            ),
        ]
    );
    let message = |rule: &str| {
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule"] == rule)
            .map(|f| f["message"].as_str().expect("message").to_owned())
            .unwrap_or_default()
    };
    assert_eq!(
        message("render/kustomize-cycle"),
        "kustomization cycle: apps/web → apps/loop-a → apps/loop-b → apps/loop-a"
    );
    assert_eq!(
        message("render/flux-substitute-undefined"),
        "variable \"owner\" is not defined and has no default: Flux fails the reconcile with strict post-build substitution (the default from kustomize-controller v1.9), else substitutes an empty string"
    );
    assert_eq!(
        message("render/kustomize-id-conflict"),
        "ConfigMap/x-settings is defined more than once (kustomize refuses duplicate ids); the first definition is kept"
    );
    assert_eq!(
        message("PSS001"),
        "container \"app\" of Deployment \"web-app\" runs privileged"
    );
    assert_eq!(report["summary"]["render"]["unrendered_files"], 1);
    assert_eq!(code(&output), 1);
}

/// `render`: what one cluster receives from one Kustomization, canonically ordered,
/// with where each object starts.
#[test]
fn render_prints_what_a_cluster_receives_with_origins() {
    let output = run(
        None,
        &[
            "render",
            FIXTURE,
            "--cluster",
            "production",
            "--kustomization",
            "flux-system/production",
            "--origins",
        ],
    );
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    insta::assert_snapshot!("render_production_origins", stdout(&output));
}

#[test]
fn render_json_lists_every_cluster_object_and_its_kustomization() {
    let output = run(None, &["render", FIXTURE, "--format", "json"]);
    assert_eq!(code(&output), 0);
    let items = json(&output);
    let items = items.as_array().expect("array");
    let mut per_cluster: Vec<(String, usize)> = Vec::new();
    for item in items {
        let cluster = item["cluster"].as_str().expect("cluster").to_owned();
        match per_cluster.last_mut() {
            Some((last, n)) if *last == cluster => *n += 1,
            _ => per_cluster.push((cluster, 1)),
        }
        assert!(item["object"]["kind"].is_string(), "{item}");
        assert!(item.get("origin").is_none());
    }
    assert_eq!(
        per_cluster,
        vec![
            ("hub".to_owned(), 6),
            ("production".to_owned(), 6),
            ("staging".to_owned(), 6)
        ]
    );
    let privileged = items
        .iter()
        .find(|i| i["cluster"] == "production" && i["object"]["kind"] == "Deployment")
        .expect("production's Deployment");
    assert_eq!(privileged["kustomization"], "flux-system/production");
    assert_eq!(
        privileged["object"]["metadata"]["namespace"],
        "podinfo-production"
    );
    assert_eq!(
        privileged["object"]["spec"]["template"]["spec"]["containers"][0]["securityContext"]
            ["privileged"],
        true
    );
    assert_eq!(
        privileged["object"]["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry-production.example.com/podinfo:6.7.1"
    );
}

#[test]
fn render_refuses_an_unknown_cluster_or_kustomization_and_names_the_known_ones() {
    let output = run(None, &["render", FIXTURE, "--cluster", "nope"]);
    assert_eq!(code(&output), 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--cluster nope: no such cluster; the clusters of fixtures/hub-spoke-render are: hub, production, staging"),
        "{stderr}"
    );
    let output = run(
        None,
        &[
            "render",
            FIXTURE,
            "--cluster",
            "staging",
            "--kustomization",
            "x/y",
        ],
    );
    assert_eq!(code(&output), 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--kustomization x/y: no Flux Kustomization of that NAMESPACE/NAME applies objects to cluster staging; known: flux-system/staging"),
        "{stderr}"
    );
}
