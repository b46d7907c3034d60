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
            // Repository findings name the clusters of the object they are about.
            finding(
                "HUB015",
                "clusters/hub/flux-system/gotk-sync.yaml:19:9",
                &["hub"],
                &[]
            ),
            finding(
                "HUB017",
                "clusters/hub/flux-system/gotk-sync.yaml:19:9",
                &["hub"],
                &[]
            ),
            finding(
                "HUB015",
                "clusters/production/cluster-config.yaml:6:1",
                &["production"],
                &[]
            ),
            finding(
                "HUB015",
                "clusters/staging/cluster-config.yaml:6:1",
                &["staging"],
                &[]
            ),
            finding("HUB007", "hub/spokes/production.yaml:13:13", &["hub"], &[]),
            finding("HUB007", "hub/spokes/staging.yaml:13:13", &["hub"], &[]),
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
    let expected = [
        ("BP006", serde_json::json!(["staging"])),
        ("PSS001", serde_json::json!(["production"])),
        ("HUB015", serde_json::json!(["hub"])),
        ("HUB017", serde_json::json!(["hub"])),
        ("HUB015", serde_json::json!(["production"])),
        ("HUB015", serde_json::json!(["staging"])),
        ("HUB007", serde_json::json!(["hub"])),
        ("HUB007", serde_json::json!(["hub"])),
    ];
    let expected: Vec<(&str, &Value)> = expected.iter().map(|(r, c)| (*r, c)).collect();
    assert_eq!(clusters, expected);
    assert!(
        human.contains(
            "cluster \"production\" does not declare the label(s) \"cluster-type\", \"cost-center\", \"team\"\n  │ [cluster: production]"
        ),
        "{human}"
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

/// A copy of `fixture` in a temporary directory, with `extra` files added.
fn fixture_with(fixture: &str, extra: &[(&str, &str)]) -> tempfile::TempDir {
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("read_dir") {
            let entry = entry.expect("entry");
            let target = to.join(entry.file_name());
            if entry.file_type().expect("file type").is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).expect("copy");
            }
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    copy(&crate::support::root().join(fixture), dir.path());
    for (name, text) in extra {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

/// Three Kyverno rules on Deployments; the file is in no kustomization, so the policy
/// applies to every cluster.
const RENDER_POLICY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: render-checks
spec:
  validationFailureAction: Enforce
  rules:
    - name: no-privileged
      match:
        any:
          - resources:
              kinds: [Deployment]
      validate:
        message: Privileged containers are not allowed.
        pattern:
          spec:
            template:
              spec:
                containers:
                  - =(securityContext):
                      =(privileged): \"false\"
    - name: trusted-registry
      match:
        any:
          - resources:
              kinds: [Deployment]
      validate:
        message: Images come from the production registry.
        pattern:
          spec:
            template:
              spec:
                containers:
                  - image: \"registry-production.example.com/*\"
    - name: team-label
      match:
        any:
          - resources:
              kinds: [Deployment]
      validate:
        message: Deployments name their team.
        pattern:
          metadata:
            labels:
              team: \"?*\"
";

/// A Deployment no cluster renders (privileged on line 14).
const STRAY: &str = "# No cluster renders this file: it is judged as written.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: stray
  labels:
    team: platform
spec:
  template:
    spec:
      containers:
        - name: stray
          image: registry-production.example.com/stray:1
          securityContext:
            privileged: true
";

/// The repository's Kyverno policies judge what each cluster receives, as the bundled
/// rules do: the production-only privileged patch at the patch line for production,
/// the staging registry at its `${cluster_env}` placeholder with the definition
/// related, the base's missing label once for both clusters that share it; a file no
/// cluster renders is judged as written, without clusters.
#[test]
fn kyverno_policies_judge_what_each_cluster_receives() {
    let dir = fixture_with(
        FIXTURE,
        &[
            ("policies/render-checks.yaml", RENDER_POLICY),
            ("unrendered/stray.yaml", STRAY),
        ],
    );
    let output = run(Some(dir.path()), &[".", "--format", "json"]);
    let report = json(&output);
    let kyverno: Vec<Located> = located(&report)
        .into_iter()
        .filter(|f| f.rule.starts_with("kyverno/"))
        .collect();
    let at = |rule: &str, at: &str, clusters: &[&str], related: &[&str]| Located {
        rule: format!("kyverno/render-checks/{rule}"),
        at: at.to_owned(),
        clusters: clusters.iter().map(|c| (*c).to_owned()).collect(),
        related: related.iter().map(|r| (*r).to_owned()).collect(),
    };
    let rule_site = |line: u32, rule: &str| {
        format!(
            "policies/render-checks.yaml:{line}:7 rule `{rule}` of Kyverno policy `render-checks`"
        )
    };
    assert_eq!(
        kyverno,
        vec![
            at(
                "team-label",
                "apps/podinfo/base/deployment.yaml:6:3",
                &["production", "staging"],
                &[&rule_site(35, "team-label")],
            ),
            at(
                "trusted-registry",
                "apps/podinfo/base/deployment.yaml:27:27",
                &["staging"],
                &[
                    &rule_site(22, "trusted-registry"),
                    "hub/spokes/staging.yaml:16:7 `cluster_env` is defined here",
                ],
            ),
            at(
                "no-privileged",
                "apps/podinfo/overlays/production/privileged-patch.yaml:12:25",
                &["production"],
                &[&rule_site(8, "no-privileged")],
            ),
            at(
                "no-privileged",
                "unrendered/stray.yaml:15:25",
                &[],
                &[&rule_site(8, "no-privileged")],
            ),
        ]
    );
    let message = |file: &str| {
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| {
                f["rule"] == "kyverno/render-checks/trusted-registry"
                    && f["file"].as_str().is_some_and(|p| p.ends_with(file))
            })
            .map(|f| f["message"].as_str().expect("message").to_owned())
            .unwrap_or_default()
    };
    assert_eq!(
        message("base/deployment.yaml"),
        "Images come from the production registry: value \"registry-staging.example.com/podinfo:6.7.1\" does not match \"registry-production.example.com/*\""
    );
    assert_eq!(code(&output), 1);
    // Judged as written (`--no-render`), the placeholder and the base are what fail,
    // and the production patch is never seen.
    let output = run(Some(dir.path()), &[".", "--format", "json", "--no-render"]);
    let written: Vec<(String, String)> = located(&json(&output))
        .into_iter()
        .filter(|f| f.rule.starts_with("kyverno/"))
        .map(|f| (f.rule, f.at))
        .collect();
    assert!(
        !written
            .iter()
            .any(|(_, at)| at.contains("privileged-patch.yaml")),
        "{written:#?}"
    );
}

/// `render` reports what could not be rendered on standard error, as `lint` shows it
/// (each problem at its line, the clusters named), prints every object that did render,
/// and exits as `lint` does: 1 for errors, 0 with `--fail-on never` (same output).
#[test]
fn render_reports_problems_on_stderr_and_exits_like_lint() {
    let output = run(None, &["render", BROKEN, "--color", "never"]);
    assert_eq!(code(&output), 1);
    let problems = String::from_utf8_lossy(&output.stderr).into_owned();
    insta::assert_snapshot!("render_broken_problems", problems);
    let objects = stdout(&output);
    let headers: Vec<&str> = objects
        .lines()
        .filter(|l| l.starts_with("# cluster:"))
        .collect();
    assert_eq!(
        headers,
        [
            vec!["# cluster: hub, applied by Kustomization flux-system/flux-system"; 3],
            vec!["# cluster: hub, applied by Kustomization flux-system/web"; 2],
        ]
        .concat(),
        "{objects}"
    );
    assert!(objects.contains("  name: web-app\n"), "{objects}");
    assert!(objects.contains("privileged: true"), "{objects}");

    let never = run(
        None,
        &["render", BROKEN, "--color", "never", "--fail-on", "never"],
    );
    assert_eq!(code(&never), 0);
    assert_eq!(String::from_utf8_lossy(&never.stderr), problems);
    assert_eq!(stdout(&never), objects);
}

/// A repository that renders cleanly: nothing on standard error, exit 0.
#[test]
fn render_of_a_clean_repository_is_silent_on_stderr() {
    let output = run(None, &["render", FIXTURE]);
    assert_eq!(code(&output), 0);
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

/// The configuration's rule settings hold for `render` as for `lint`: a render rule
/// turned off is not reported, one lowered to a warning does not fail the run, and
/// `--fail-on warning` makes it fail again.
#[test]
fn render_follows_the_configuration_of_render_rules() {
    let config = "rules:
  render/kustomize-cycle: {enabled: false}
  render/flux-substitute-undefined: {severity: warning}
  render/kustomize-missing-file: {severity: warning}
  render/kustomize-invalid-json-patch: {severity: warning}
  render/kustomize-id-conflict: {severity: warning}
";
    let dir = fixture_with(BROKEN, &[(".hubspoke-lint.yaml", config)]);
    let output = run(Some(dir.path()), &["render", ".", "--color", "never"]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("render/kustomize-cycle"), "{stderr}");
    assert!(
        stderr.ends_with("Rendered 1 cluster (5 objects): 0 errors, 5 warnings, 0 notes.\n"),
        "{stderr}"
    );
    assert_eq!(code(&output), 0, "{stderr}");
    let output = run(
        Some(dir.path()),
        &["render", ".", "--color", "never", "--fail-on", "warning"],
    );
    assert_eq!(code(&output), 1);
}

/// What cannot be rendered offline is a note on standard error naming the clusters, and
/// never fails the run.
#[test]
fn render_notes_what_it_cannot_render_offline_without_failing() {
    let kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - namespace.yaml
  - service.yaml
  - https://github.com/example/redis//deploy?ref=v1.0.0
";
    let dir = fixture_with(
        FIXTURE,
        &[("apps/redis/base/kustomization.yaml", kustomization)],
    );
    let output = run(Some(dir.path()), &["render", ".", "--color", "never"]);
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "Not checked:
  note: apps/redis/base/kustomization.yaml:6:5: remote resource `https://github.com/example/redis//deploy?ref=v1.0.0` is not fetched (no network) (on production, staging)

Rendered 3 clusters (18 objects): 0 errors, 0 warnings, 1 note.
"
    );
    assert_eq!(code(&output), 0);
}

/// A policy selecting namespaces by label sees the Namespaces the clusters receive: the
/// base's `Namespace/_` (labelled `tier: apps`) becomes `podinfo-production` and
/// `podinfo-staging` through each overlay's `namespace:`, so the Deployment landing
/// there is checked; judged as written, no namespace of that name has the label.
#[test]
fn kyverno_namespace_selectors_see_the_rendered_namespaces() {
    let namespace = "# Renamed by each overlay's `namespace:`.
apiVersion: v1
kind: Namespace
metadata:
  name: _
  labels:
    tier: apps
";
    let policy = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: apps-tier
spec:
  validationFailureAction: Enforce
  rules:
    - name: owner-label
      match:
        any:
          - resources:
              kinds: [Deployment]
              namespaceSelector:
                matchLabels:
                  tier: apps
      validate:
        message: Deployments of the apps tier name their owner.
        pattern:
          metadata:
            labels:
              owner: \"?*\"
";
    let dir = fixture_with(
        FIXTURE,
        &[
            ("apps/podinfo/base/namespace.yaml", namespace),
            ("policies/apps-tier.yaml", policy),
        ],
    );
    let kyverno = |extra: &[&str]| -> Vec<Located> {
        let mut args = vec![".", "--format", "json"];
        args.extend_from_slice(extra);
        located(&json(&run(Some(dir.path()), &args)))
            .into_iter()
            .filter(|f| f.rule.starts_with("kyverno/"))
            .collect()
    };
    assert_eq!(
        kyverno(&[]),
        vec![Located {
            rule: "kyverno/apps-tier/owner-label".to_owned(),
            at: "apps/podinfo/base/deployment.yaml:6:3".to_owned(),
            clusters: vec!["production".to_owned(), "staging".to_owned()],
            related: vec![
                "policies/apps-tier.yaml:8:7 rule `owner-label` of Kyverno policy `apps-tier`"
                    .to_owned()
            ],
        }]
    );
    assert_eq!(kyverno(&["--no-render"]), vec![]);
}

/// `render --kustomization` prints one Kustomization's objects and reports the problems
/// and notes of rendering that Kustomization only (not its children's, as for the
/// objects), on every cluster it applies to; the exit code follows those problems.
#[test]
fn render_of_one_kustomization_reports_that_kustomizations_problems_only() {
    let render = |dir: Option<&std::path::Path>, path: &str, extra: &[&str]| {
        let mut args = vec!["render", path, "--color", "never"];
        args.extend_from_slice(extra);
        let output = run(dir, &args);
        (
            String::from_utf8_lossy(&output.stderr).into_owned(),
            code(&output),
        )
    };
    // Every problem of the broken fixture comes from rendering `flux-system/web`.
    let (all, all_code) = render(None, BROKEN, &[]);
    assert!(
        all.ends_with("Rendered 1 cluster (5 objects): 5 errors, 1 warning, 0 notes.\n"),
        "{all}"
    );
    assert_eq!(all_code, 1);
    let (web, web_code) = render(None, BROKEN, &["--kustomization", "flux-system/web"]);
    assert_eq!(
        web,
        all.replace(
            "Rendered 1 cluster (5 objects)",
            "Rendered 1 cluster (2 objects)"
        )
    );
    assert_eq!(web_code, 1);
    // Its parent applies the Kustomization object, not what it renders.
    assert_eq!(
        render(
            None,
            BROKEN,
            &["--kustomization", "flux-system/flux-system"]
        ),
        (String::new(), 0)
    );

    // A note of one spoke's Kustomization, not the other's nor the hub's.
    let kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - namespace.yaml
  - service.yaml
  - https://github.com/example/redis//deploy?ref=v1.0.0
";
    let dir = fixture_with(
        FIXTURE,
        &[("apps/redis/base/kustomization.yaml", kustomization)],
    );
    assert_eq!(
        render(Some(dir.path()), ".", &["--kustomization", "flux-system/production"]),
        (
            "Not checked:
  note: apps/redis/base/kustomization.yaml:6:5: remote resource `https://github.com/example/redis//deploy?ref=v1.0.0` is not fetched (no network) (on production)

Rendered 1 cluster (6 objects): 0 errors, 0 warnings, 1 note.
"
            .to_owned(),
            0
        )
    );
    assert_eq!(
        render(
            Some(dir.path()),
            ".",
            &["--kustomization", "flux-system/spokes"]
        ),
        (String::new(), 0)
    );
}

/// Staging's variables in a SOPS-encrypted Secret (`postBuild.substituteFrom`).
const SOPS_STAGING: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: staging
  namespace: flux-system
spec:
  path: ./clusters/staging
  sourceRef:
    kind: GitRepository
    name: flux-system
  kubeConfig:
    secretRef:
      name: staging-kubeconfig
  decryption:
    provider: sops
    secretRef:
      name: sops-age
  postBuild:
    substituteFrom:
      - kind: Secret
        name: staging-vars
";

const SOPS_SECRET: &str =
    "# The staging variables, encrypted with SOPS: their values are unknown offline.
apiVersion: v1
kind: Secret
metadata:
  name: staging-vars
  namespace: flux-system
type: Opaque
stringData:
  cluster_env: ENC[AES256_GCM,data:c3RhZ2luZw==,iv:a=,tag:b==,type:str]
  cluster_region: ENC[AES256_GCM,data:ZXUtY2VudHJhbC0x,iv:c=,tag:d==,type:str]
sops:
  lastmodified: \"2026-12-01T00:00:00Z\"
  mac: ENC[AES256_GCM,data:e=,iv:f=,tag:g==,type:str]
  version: 3.8.1
";

/// Values from a SOPS-encrypted Secret are unknown: each `${VAR}` they would fill is a
/// note naming the cluster and why, and no rule reports on them (staging's registry,
/// `registry-${cluster_env}`, is no longer judged untrusted); `render` exits 0 on notes.
#[test]
fn sops_encrypted_substitution_values_are_unknown_notes_never_findings() {
    let clear = json(&run(None, &[FIXTURE, "--format", "json"]));
    let untrusted: Vec<Located> = located(&clear)
        .into_iter()
        .filter(|f| f.rule == "BP006")
        .collect();
    assert_eq!(
        untrusted,
        vec![finding(
            "BP006",
            "apps/podinfo/base/deployment.yaml:27:27",
            &["staging"],
            &["hub/spokes/staging.yaml:16:7 `cluster_env` is defined here"]
        )]
    );

    let dir = fixture_with(
        FIXTURE,
        &[
            ("hub/spokes/staging.yaml", SOPS_STAGING),
            ("clusters/hub/staging-vars.yaml", SOPS_SECRET),
        ],
    );
    let unknown = |at: &str, variable: &str| {
        format!("  note: {at}: variable \"{variable}\" may come from a substituteFrom object whose values are not known offline (SOPS-encrypted, or not in the repository) (on staging)\n")
    };
    let notes = [
        unknown("apps/podinfo/base/deployment.yaml:8:10", "cluster_env"),
        unknown("apps/podinfo/base/deployment.yaml:27:27", "cluster_env"),
        "  note: clusters/hub/staging-vars.yaml:2:1: a SOPS-encrypted object, and the Kustomization has no spec.decryption: Flux applies it encrypted (on hub)\n".to_owned(),
        unknown("clusters/staging/cluster-config.yaml:7:16", "cluster_env"),
        unknown("clusters/staging/cluster-config.yaml:8:11", "cluster_region"),
    ]
    .concat();
    let rendered = run(Some(dir.path()), &["render", ".", "--color", "never"]);
    assert_eq!(
        String::from_utf8_lossy(&rendered.stderr),
        format!(
            "Not checked:\n{notes}\nRendered 3 clusters (19 objects): 0 errors, 0 warnings, 5 notes.\n"
        )
    );
    assert_eq!(code(&rendered), 0);

    let linted = run(Some(dir.path()), &[".", "--format", "json"]);
    let report = json(&linted);
    let rows: Vec<(String, String, Vec<String>)> = located(&report)
        .into_iter()
        .map(|f| (f.rule, f.at, f.clusters))
        .collect();
    let row = |rule: &str, at: &str, clusters: &[&str]| {
        (
            rule.to_owned(),
            at.to_owned(),
            clusters.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>(),
        )
    };
    // The fixture's findings but staging's untrusted registry.
    assert_eq!(
        rows,
        vec![
            row(
                "PSS001",
                "apps/podinfo/overlays/production/privileged-patch.yaml:12:25",
                &["production"]
            ),
            row(
                "HUB015",
                "clusters/hub/flux-system/gotk-sync.yaml:19:9",
                &["hub"]
            ),
            row(
                "HUB017",
                "clusters/hub/flux-system/gotk-sync.yaml:19:9",
                &["hub"]
            ),
            row(
                "HUB015",
                "clusters/production/cluster-config.yaml:6:1",
                &["production"]
            ),
            row(
                "HUB015",
                "clusters/staging/cluster-config.yaml:6:1",
                &["staging"]
            ),
            row("HUB007", "hub/spokes/production.yaml:13:13", &["hub"]),
            row("HUB007", "hub/spokes/staging.yaml:13:13", &["hub"]),
        ]
    );
    let note_places: Vec<String> = report["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .map(at)
        .collect();
    assert_eq!(
        note_places,
        [
            "apps/podinfo/base/deployment.yaml:8:10",
            "apps/podinfo/base/deployment.yaml:27:27",
            "clusters/hub/staging-vars.yaml:2:1",
            "clusters/staging/cluster-config.yaml:7:16",
            "clusters/staging/cluster-config.yaml:8:11",
        ]
    );
    assert_eq!(code(&linted), 1);
}
