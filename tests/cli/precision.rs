//! False positives found by measuring precision on real repositories (issue 17,
//! benches/precision/REPORT.md), each on a small fixture of the layout that caused it:
//! exact findings, lines and columns, before and after.

use serde_json::Value;

use crate::support::{code, json, run};

/// `(rule, file, line, column, message)` of every finding of a JSON report, the file
/// relative to `dir`.
fn located(report: &Value, dir: &str) -> Vec<(String, String, u64, u64, String)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            let file = f["file"].as_str().expect("file");
            (
                f["rule"].as_str().expect("rule").to_owned(),
                file.strip_prefix(&format!("{dir}/"))
                    .unwrap_or(file)
                    .to_owned(),
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
                f["message"].as_str().expect("message").to_owned(),
            )
        })
        .collect()
}

fn at(
    rule: &str,
    file: &str,
    line: u64,
    column: u64,
    message: &str,
) -> (String, String, u64, u64, String) {
    (
        rule.to_owned(),
        file.to_owned(),
        line,
        column,
        message.to_owned(),
    )
}

/// The JSON report of `dir` (which must exit with `exit`), rules other than `rules` left out.
fn lint(dir: &str, extra: &[&str], exit: i32) -> Value {
    let mut args = vec![dir, "--format", "json"];
    args.extend_from_slice(extra);
    let output = run(None, &args);
    assert_eq!(
        code(&output),
        exit,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    json(&output)
}

const CHART: &str = "fixtures/regression/flux-instance-chart";

/// Before: no cluster was found (the HelmReleases of the flux-instance chart were not read
/// as FluxInstances), so the duplicate GrafanaDashboard went unreported and the source
/// `home-ops` the chart's sync creates was "not defined" (HUB003).
#[test]
fn a_flux_instance_chart_release_bootstraps_the_cluster_it_syncs() {
    let report = lint(CHART, &["--rule", "HUB003", "--rule", "HUB016"], 1);
    assert_eq!(
        located(&report, CHART),
        [at(
            "HUB016",
            "kubernetes/apps/b/dashboard.yaml",
            4,
            9,
            "GrafanaDashboard observability/ups is defined twice on clusters \"edge\", \"main\": first in kubernetes/apps/a/dashboard.yaml"
        )]
    );
    let output = run(None, &["graph", CHART, "--format", "json"]);
    assert_eq!(code(&output), 0);
    let graph = json(&output);
    let clusters: Vec<(&str, &str)> = graph["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or(""),
                c["directory"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        clusters,
        [
            ("edge", "kubernetes/clusters/edge"),
            ("main", "kubernetes/clusters/main")
        ]
    );
}

const PRODUCERS: &str = "fixtures/regression/secret-producers";

/// Before: HUB006 on every Secret a controller makes (OnePasswordItem, Certificate,
/// VaultStaticSecret) and on the one a configured producer makes; the missing one stays,
/// an error: a producer makes a Secret of that name in another namespace.
#[test]
fn secrets_made_by_producers_are_provided() {
    let report = lint(PRODUCERS, &["--rule", "HUB006"], 1);
    assert_eq!(
        located(&report, PRODUCERS),
        [at(
            "HUB006",
            "apps/web/helmrelease.yaml",
            36,
            13,
            "HelmRelease web/web reads Secret web/web-missing, which is not defined there: the repository defines it in namespace \"other\""
        )]
    );
    // Without the configuration's `model.producers`, the operator's Secret is unknown.
    let report = lint(PRODUCERS, &["--rule", "HUB006", "--config", "/dev/null"], 1);
    let lines: Vec<u64> = located(&report, PRODUCERS).iter().map(|f| f.2).collect();
    assert_eq!(lines, [34, 36]);
}

const SOURCE_IGNORE: &str = "fixtures/regression/sourceignore";

/// Before: HUB003 also on the retired Kustomization in `.archive/`, which the root
/// `.sourceignore` keeps out of every artifact Flux builds from the repository. Its copy in
/// `apps/`, which the artifact holds but no cluster applies (the repository's one
/// bootstrap reaches only `clusters/home`), never reconciles either: no finding since
/// reconciliation rules skip objects no cluster applies.
#[test]
fn files_the_sourceignore_excludes_are_not_applied() {
    let report = lint(SOURCE_IGNORE, &["--rule", "HUB003"], 0);
    assert_eq!(located(&report, SOURCE_IGNORE), []);
    let output = run(None, &["graph", SOURCE_IGNORE, "--format", "json"]);
    let model = json(&output);
    let unapplied: Vec<(&Value, &Value)> = model["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .map(|o| (&o["file"], &o["unapplied"]))
        .collect();
    assert_eq!(
        unapplied,
        [
            (&Value::from(".archive/apps/ks.yaml"), &Value::from(true)),
            (&Value::from("apps/ks.yaml"), &Value::Null),
            (
                &Value::from("clusters/home/flux-system/gotk-sync.yaml"),
                &Value::Null
            ),
        ]
    );
}

/// Before: HUB002 also on the retired kustomization.yaml in `.archive/`, which the root
/// `.sourceignore` keeps out of every artifact Flux builds, so no Flux Kustomization
/// ever builds it. `apps/live/kustomization.yaml` no cluster builds either (its directory
/// lands on none): not judged since HUB002 skips kustomization files no cluster builds;
/// without the bootstrap (no known topology) it is.
#[test]
fn kustomization_files_the_sourceignore_excludes_are_not_judged() {
    let report = lint(SOURCE_IGNORE, &["--rule", "HUB002"], 0);
    assert_eq!(located(&report, SOURCE_IGNORE), []);
    let report = lint(
        SOURCE_IGNORE,
        &["--rule", "HUB002", "--exclude", "clusters/**"],
        1,
    );
    assert_eq!(
        located(&report, SOURCE_IGNORE),
        [at(
            "HUB002",
            "apps/live/kustomization.yaml",
            5,
            5,
            "components of apps/live/kustomization.yaml names \"../../components/common\", but components/common does not exist"
        )]
    );
}

const PARENT_PATCHES: &str = "fixtures/regression/parent-patches";

/// Before: `spec.interval` and `spec.prune` "required" on the child `web` too, which no
/// cluster renders (the parent's source is an OCI artifact the repository does not hold):
/// the parent's `spec.patches` set them, so there they are unknown, not missing. The child
/// its patch target does not select (`defaults: disabled`) is still reported.
#[test]
fn fields_an_unknown_parents_patches_set_are_unknown() {
    let dir = format!("{PARENT_PATCHES}/unknown-source");
    let report = lint(&dir, &[], 1);
    let opt_out = "kubernetes/apps/base/opt-out/ks.yaml";
    assert_eq!(
        located(&report, &dir),
        [
            at(
                "schema/invalid",
                opt_out,
                9,
                1,
                "Kustomization `opt-out`: `spec.interval` is required"
            ),
            at(
                "schema/invalid",
                opt_out,
                9,
                1,
                "Kustomization `opt-out`: `spec.prune` is required"
            ),
        ]
    );
}

/// A parent whose source is this repository patches only what its path reaches: `web`
/// (before: reported too) gets its JSON 6902 patch's fields, `other`, outside its path, is
/// still reported.
#[test]
fn a_local_parents_patches_reach_only_its_path() {
    let dir = format!("{PARENT_PATCHES}/known-reach");
    let report = lint(&dir, &["--rule", "schema/invalid"], 1);
    assert_eq!(
        located(&report, &dir),
        [
            at(
                "schema/invalid",
                "other/ks.yaml",
                8,
                1,
                "Kustomization `other`: `spec.interval` is required"
            ),
            at(
                "schema/invalid",
                "other/ks.yaml",
                8,
                1,
                "Kustomization `other`: `spec.prune` is required"
            ),
        ]
    );
}

const SUB_REPOSITORY: &str = "fixtures/regression/sub-repository-roots";

/// Before: HUB001 on every Kustomization of the tree's sub-repository
/// `repos/gitops-system/` (the bootstrap included): their `spec.path` was read from the
/// linted root. The bootstrap's path, read from `repos/gitops-system/`, is the directory
/// holding its own `flux-system/` folder: that is its source's root. The path missing
/// from there too stays, reported once (HUB001; the render stage's
/// `render/flux-path-not-found` at the same place is the same finding).
#[test]
fn paths_of_a_sub_repository_are_read_from_its_root() {
    let report = lint(SUB_REPOSITORY, &[], 1);
    assert_eq!(
        located(&report, SUB_REPOSITORY),
        [at(
            "HUB001",
            "repos/gitops-system/clusters/mgmt/app.yaml",
            22,
            9,
            "Kustomization flux-system/missing reconciles \"./tools/missing\", but repos/gitops-system/tools/missing does not exist in this repository"
        )]
    );
    // The render stage reads the same root: the bootstrap is the sync Kustomization
    // written in the cluster's directory (not one guessed), and it applies the ConfigMap
    // of `tools/app` through the Kustomization `app`.
    let output = run(None, &["render", SUB_REPOSITORY]);
    assert_eq!(code(&output), 1);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains(
            "# cluster: mgmt, applied by Kustomization flux-system/app\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-settings\n"
        ),
        "{text}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.matches("render/flux-path-not-found").count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("sub-repository-roots/repos/gitops-system/clusters/mgmt/app.yaml:22:9"),
        "{stderr}"
    );
}

const CHART_VALUES: &str = "fixtures/regression/chart-values-source";

/// Before: HUB003 on the Kustomization of GitRepository `infra`, which the flux-instance
/// chart creates from the values file `clusters/dev/bootstrap/flux-values.yaml` that
/// Terraform installs (no HelmRelease of the repository reads it). The source no values
/// file names stays undefined.
#[test]
fn a_source_named_by_flux_instance_chart_values_is_defined() {
    let report = lint(CHART_VALUES, &["--rule", "HUB003"], 1);
    assert_eq!(
        located(&report, CHART_VALUES),
        [at(
            "HUB003",
            "clusters/dev/flux-system/apps.yaml",
            26,
            11,
            "Kustomization flux-system/other takes its source from GitRepository flux-system/other, which is not defined in this repository"
        )]
    );
    // The values file defines no cluster and no source of this repository: only the
    // name is known to exist.
    let output = run(None, &["graph", CHART_VALUES, "--format", "json"]);
    assert_eq!(code(&output), 0);
    let model = json(&output);
    assert_eq!(
        model["chart_values_sources"],
        serde_json::json!([{
            "file": "clusters/dev/bootstrap/flux-values.yaml",
            "line": 9,
            "kind": "GitRepository",
            "name": "infra",
            "url": "ssh://git@github.com/example/infra"
        }])
    );
    assert_eq!(model["flux_instances"], serde_json::json!([]));
    assert_eq!(model["flux_kustomizations"][0]["local_source"], false);
}

const SUBSTITUTE_PRODUCER: &str = "fixtures/regression/substitute-from-producer";

/// Before: `render/flux-substitute-from-missing` on `web-settings`, the Secret the
/// ExternalSecret beside the Kustomization makes (its `target.name` a YAML alias): the
/// render stage looked for the Secret among the objects only, not among what the
/// repository's producers make. The Secret nothing makes stays (HUB006, the same finding
/// as the render stage's).
#[test]
fn a_substitute_from_secret_made_by_an_external_secret_is_provided() {
    // A warning (the Secret may be made outside the repository): exit 0.
    let report = lint(SUBSTITUTE_PRODUCER, &["--rule", "HUB006"], 0);
    assert_eq!(
        located(&report, SUBSTITUTE_PRODUCER),
        [at(
            "HUB006",
            "apps/web/ks.yaml",
            18,
            15,
            "Kustomization web/web reads Secret web/web-missing, which is not defined in this repository; if it is created outside it, declare it under model.external-secrets"
        )]
    );
    let output = run(None, &["render", SUBSTITUTE_PRODUCER]);
    assert_eq!(code(&output), 0);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr
            .matches("render/flux-substitute-from-missing")
            .count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("\"web-missing\""), "{stderr}");
    assert!(!stderr.contains("\"web-settings\""), "{stderr}");
}

const OUT_OF_BAND: &str = "fixtures/regression/out-of-band-references";

/// `(rule, severity, file, line, column, message)` of every finding, the file relative
/// to `dir`.
fn graded(report: &Value, dir: &str) -> Vec<(String, String, String, u64, u64, String)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .zip(located(report, dir))
        .map(|(f, (rule, file, line, column, message))| {
            let severity = f["severity"].as_str().expect("severity").to_owned();
            (rule, severity, file, line, column, message)
        })
        .collect()
}

fn graded_at(
    rule: &str,
    severity: &str,
    file: &str,
    line: u64,
    column: u64,
    message: &str,
) -> (String, String, String, u64, u64, String) {
    let (rule, file, line, column, message) = at(rule, file, line, column, message);
    (rule, severity.to_owned(), file, line, column, message)
}

/// Before (aws-samples/eks-multi-cluster-gitops, onedr0p/home-ops): every substituteFrom
/// object the repository does not define was an error, although bootstrap scripts create
/// them (HUB006 ×18 false errors); a Secret holding only an `op://` reference was "only
/// defined unencrypted". Now HUB006 is an error only where the repository shows the
/// reference is wrong (the ConfigMap is in another namespace, the Secret is committed in
/// plain text) and a warning, naming how to declare the object, where it may be made
/// outside the repository; a reference-only Secret a cluster applies is provided, one in a
/// directory no cluster applies is made outside the clusters; declared objects are quiet.
#[test]
fn values_from_objects_made_outside_the_repository_are_warnings() {
    let report = lint(OUT_OF_BAND, &["--rule", "HUB006"], 1);
    assert_eq!(
        graded(&report, OUT_OF_BAND),
        [
            graded_at(
                "HUB006",
                "warning",
                "apps/web/ks.yaml",
                18,
                15,
                "Kustomization web/web reads Secret web/bootstrap-token, which is only defined in a file no cluster applies; if it is created outside the repository, declare it under model.external-secrets"
            ),
            graded_at(
                "HUB006",
                "warning",
                "apps/web/ks.yaml",
                20,
                15,
                "Kustomization web/web reads ConfigMap web/cluster-info, which is not defined in this repository; if it is created outside it, declare it in HUB006's assume_defined"
            ),
            graded_at(
                "HUB006",
                "error",
                "apps/web/ks.yaml",
                22,
                15,
                "Kustomization web/web reads ConfigMap web/shared-settings, which is not defined there: the repository defines it in namespace \"platform\""
            ),
            graded_at(
                "HUB006",
                "error",
                "apps/web/ks.yaml",
                24,
                15,
                "Kustomization web/web reads Secret web/db-password, which is only defined unencrypted"
            ),
            // `region-info` is in HUB006's assume_defined: the render's own substituteFrom
            // check reads that parameter too (it reported the ConfigMap missing before).
        ]
    );
    assert_eq!(
        (
            &report["summary"]["findings"]["error"],
            &report["summary"]["findings"]["warning"]
        ),
        (&2.into(), &2.into())
    );
    // A severity configured for the rule grades every finding of it.
    let dir = tempfile::tempdir().expect("tempdir");
    crate::support::copy_tree(&crate::support::root().join(OUT_OF_BAND), dir.path());
    let config = dir.path().join(".hubspoke-lint.yaml");
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(
        &config,
        text.replace("  HUB006:\n", "  HUB006:\n    severity: note\n"),
    )
    .expect("write config");
    let output = run(
        Some(dir.path()),
        &[".", "--rule", "HUB006", "--format", "json"],
    );
    assert_eq!(code(&output), 0);
    let notes = json(&output);
    let severities: Vec<&str> = notes["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["severity"].as_str().expect("severity"))
        .collect();
    assert_eq!(severities, ["note", "note", "note", "note"]);
}

/// Before: HUB006's `assume_defined` quieted HUB006 only; the render's own substituteFrom
/// check (`render/flux-substitute-from-missing`, in `lint` and in `render`) still reported
/// the declared ConfigMap `region-info` missing. Now the render reads the parameter too;
/// without it the render's warning is back, at the entry.
#[test]
fn assume_defined_also_satisfies_the_render_substitute_from_check() {
    let render_findings = |report: &Value, dir: &str| -> Vec<(String, String, u64, u64, String)> {
        located(report, dir)
            .into_iter()
            .filter(|(rule, ..)| rule.starts_with("render/"))
            .collect()
    };
    let report = lint(OUT_OF_BAND, &[], 1);
    let found = render_findings(&report, OUT_OF_BAND);
    assert!(found.is_empty(), "{found:?}");
    let output = run(None, &["render", OUT_OF_BAND]);
    assert_eq!(code(&output), 0);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("region-info"), "{stderr}");

    let dir = tempfile::tempdir().expect("tempdir");
    crate::support::copy_tree(&crate::support::root().join(OUT_OF_BAND), dir.path());
    let config = dir.path().join(".hubspoke-lint.yaml");
    let text = std::fs::read_to_string(&config).expect("config");
    let without = text.replace("      assume_defined: [ConfigMap/web/region-info]\n", "");
    assert_ne!(without, text);
    std::fs::write(&config, without).expect("write config");
    // Without it the render reports the ConfigMap again (`render` shows its problems; `lint`
    // merges that warning into HUB006's at the same entry).
    let output = run(Some(dir.path()), &["render", "."]);
    assert_eq!(code(&output), 0);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("substituteFrom names ConfigMap \"region-info\""),
        "{stderr}"
    );
    let output = run(
        Some(dir.path()),
        &[".", "--format", "json", "--rule", "HUB006"],
    );
    assert_eq!(code(&output), 1);
    let region: Vec<_> = graded(&json(&output), ".")
        .into_iter()
        .filter(|f| f.5.contains("region-info"))
        .collect();
    assert_eq!(
        region,
        [graded_at(
            "HUB006",
            "warning",
            "apps/web/ks.yaml",
            28,
            15,
            "Kustomization web/web reads ConfigMap web/region-info, which is not defined in this repository; if it is created outside it, declare it in HUB006's assume_defined"
        )]
    );
}

/// Before (aws-samples/eks-multi-cluster-gitops `clusters-config/template/`): a Flux
/// Kustomization template that setup scripts copy, which a kustomization.yaml lists but
/// no cluster applies, got HUB001 (its `cluster-name` path), HUB011 and HUB015 (the spoke
/// of its kubeconfig), HUB007 and HUB006; its kustomization.yaml HUB002. Objects no
/// cluster applies never reconcile: in a repository with a bootstrap these rules skip
/// them. The template Secret's `XXXX` placeholders and public known_hosts are not
/// plaintext secrets (SEC001); the plain-text Secret stays one.
#[test]
fn flux_objects_no_cluster_applies_cannot_fail_to_reconcile() {
    let report = lint(OUT_OF_BAND, &[], 1);
    let rules: Vec<(String, String, u64)> = located(&report, OUT_OF_BAND)
        .into_iter()
        .filter(|(rule, ..)| !rule.starts_with("FLUX"))
        .map(|(rule, file, line, ..)| (rule, file, line))
        .collect();
    let expected: Vec<(String, String, u64)> = [
        ("SEC001", "apps/web/db-secret.yaml", 5),
        ("HUB015", "apps/web/ks.yaml", 4),
        ("HUB006", "apps/web/ks.yaml", 18),
        ("HUB006", "apps/web/ks.yaml", 20),
        ("HUB006", "apps/web/ks.yaml", 22),
        ("HUB006", "apps/web/ks.yaml", 24),
    ]
    .into_iter()
    .map(|(rule, file, line)| (rule.to_owned(), file.to_owned(), line))
    .collect();
    assert_eq!(rules, expected);
}

const STRANDED: &str = "fixtures/regression/stranded-bootstrap";

/// Before (aws-samples/eks-multi-cluster-gitops `clusters/template/`): a cluster
/// directory whose committed bootstrap syncs `./clusters/cluster-name`, which does not
/// exist, was rendered as if its bootstrap were generated, so every Kustomization beside
/// it landed on cluster "template" and failed there (HUB001, HUB006). Now nothing reaches
/// them: the bootstrap's missing path is reported once, on the bootstrap.
#[test]
fn a_bootstrap_whose_path_does_not_exist_reaches_nothing() {
    let report = lint(STRANDED, &["--rule", "HUB001", "--rule", "HUB006"], 1);
    assert_eq!(
        located(&report, STRANDED),
        [at(
            "HUB001",
            "clusters/template/flux-system/gotk-sync.yaml",
            21,
            9,
            "Kustomization flux-system/flux-system reconciles \"./clusters/cluster-name\", but clusters/cluster-name does not exist in this repository"
        )]
    );
    let output = run(None, &["graph", STRANDED, "--format", "json"]);
    assert_eq!(code(&output), 0);
    let model = json(&output);
    let template = &model["clusters"][0];
    assert_eq!(template["name"], "template");
    assert_eq!(template["bootstrap_path_missing"], true);
    let apps = model["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .find(|o| o["name"] == "apps")
        .expect("apps");
    assert_eq!(apps["clusters"], serde_json::json!([]));
}

const TEMPLATE: &str = "fixtures/regression/template-placeholders";

/// Before (aws-samples/eks-multi-cluster-gitops): `url: REPO_PREFIX/gitops-system`, a
/// template repository's placeholder that its setup scripts replace, was a schema error
/// like any broken URL, and HUB015 required the hub-spoke profile's five labels at error
/// severity although no cluster of the repository declares any of them. Now a pattern
/// error about an upper-snake placeholder is a warning that says so (a URL without a
/// scheme stays an error), and HUB015 is an error only where the repository adopted the
/// label set: some cluster declares one of the labels, or the configuration sets them.
#[test]
fn template_placeholders_and_unadopted_labels_are_warnings() {
    let args = ["--rule", "HUB015", "--rule", "schema/invalid"];
    let report = lint(TEMPLATE, &args, 1);
    assert_eq!(
        graded(&report, TEMPLATE),
        [
            graded_at(
                "schema/invalid",
                "warning",
                "clusters/mgmt/flux-system/gotk-sync.yaml",
                14,
                8,
                PLACEHOLDER_URL
            ),
            graded_at(
                "HUB015",
                "warning",
                "clusters/mgmt/flux-system/gotk-sync.yaml",
                19,
                9,
                UNADOPTED_LABELS
            ),
            graded_at(
                "schema/invalid",
                "error",
                "clusters/mgmt/sources.yaml",
                23,
                8,
                NO_SCHEME_URL
            ),
        ]
    );

    // Adopted: a cluster declares one of the labels; the missing ones are an error.
    let dir = tempfile::tempdir().expect("tempdir");
    crate::support::copy_tree(&crate::support::root().join(TEMPLATE), dir.path());
    std::fs::write(
        dir.path().join("clusters/mgmt/cluster-labels.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-labels\n  namespace: flux-system\n  labels:\n    environment: production\n",
    )
    .expect("write labels");
    let mut args_json = vec![".", "--format", "json"];
    args_json.extend_from_slice(&args);
    let output = run(Some(dir.path()), &args_json);
    assert_eq!(code(&output), 1);
    let hub015: Vec<_> = graded(&json(&output), ".")
        .into_iter()
        .filter(|f| f.0 == "HUB015")
        .collect();
    assert_eq!(
        hub015,
        [graded_at(
            "HUB015",
            "error",
            "clusters/mgmt/cluster-labels.yaml",
            6,
            3,
            "cluster \"mgmt\" does not declare the label(s) \"cluster-type\", \"cost-center\", \"region\", \"team\""
        )]
    );

    // Configured: the labels the configuration names are an error even if no cluster has one.
    let dir = tempfile::tempdir().expect("tempdir");
    crate::support::copy_tree(&crate::support::root().join(TEMPLATE), dir.path());
    std::fs::write(
        dir.path().join(".hubspoke-lint.yaml"),
        "profile: hub-spoke\nrules:\n  HUB015:\n    params: {required_labels: [tier]}\n",
    )
    .expect("write config");
    let output = run(Some(dir.path()), &args_json);
    assert_eq!(code(&output), 1);
    let hub015: Vec<_> = graded(&json(&output), ".")
        .into_iter()
        .filter(|f| f.0 == "HUB015")
        .collect();
    assert_eq!(
        hub015,
        [graded_at(
            "HUB015",
            "error",
            "clusters/mgmt/flux-system/gotk-sync.yaml",
            19,
            9,
            "cluster \"mgmt\" does not declare the label(s) \"tier\""
        )]
    );

    // A severity configured for schema/invalid grades the placeholder too.
    let dir = tempfile::tempdir().expect("tempdir");
    crate::support::copy_tree(&crate::support::root().join(TEMPLATE), dir.path());
    std::fs::write(
        dir.path().join(".hubspoke-lint.yaml"),
        "profile: hub-spoke\nrules:\n  schema/invalid: {severity: error}\n",
    )
    .expect("write config");
    let output = run(Some(dir.path()), &args_json);
    assert_eq!(code(&output), 1);
    let severities: Vec<(String, String)> = graded(&json(&output), ".")
        .into_iter()
        .filter(|f| f.0 == "schema/invalid")
        .map(|f| (f.2, f.1))
        .collect();
    assert_eq!(
        severities,
        [
            (
                "clusters/mgmt/flux-system/gotk-sync.yaml".to_owned(),
                "error".to_owned()
            ),
            ("clusters/mgmt/sources.yaml".to_owned(), "error".to_owned()),
        ]
    );
}

const UNADOPTED_LABELS: &str = "cluster \"mgmt\" does not declare the label(s) \"cluster-type\", \"cost-center\", \"environment\", \"region\", \"team\" (the profile's default label set, of which no cluster declares any: if the fleet selects clusters by other labels, or none, set HUB015's required_labels)";
const PLACEHOLDER_URL: &str = "GitRepository `flux-system`: `spec.url`: \"REPO_PREFIX/gitops-system\" does not match \"^(http|https|ssh)://.*$\" (`REPO_PREFIX` looks like a placeholder that a script replaces before the file is applied; until it is, the value is rejected)";
const NO_SCHEME_URL: &str = "GitRepository `apps`: `spec.url`: \"github.com/example/apps\" does not match \"^(http|https|ssh)://.*$\"";

const COMMON_LABELS: &str = "fixtures/regression/kustomize-common-labels";

/// Before (jonpulsifer/infra `clusters/folly/monitoring/unpoller/deployment.yaml:6`): a
/// Deployment without `spec.selector` in a directory no cluster reaches was "`spec.selector`
/// is required", although its kustomization.yaml's `commonLabels` create the selector
/// (`kubectl kustomize` builds a valid Deployment). Judged as written, a field the listing
/// kustomization sets is not missing; `labels` without `includeSelectors` set no selector.
#[test]
fn a_selector_kustomize_common_labels_create_is_not_missing() {
    let report = lint(COMMON_LABELS, &["--rule", "schema/invalid"], 1);
    assert_eq!(
        graded(&report, COMMON_LABELS),
        [graded_at(
            "schema/invalid",
            "error",
            "apps/bare/deployment.yaml",
            6,
            1,
            "Deployment `bare`: `spec.selector` is required"
        )]
    );
}
