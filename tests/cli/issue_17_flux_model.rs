//! Issue 17, items 8–10 and profiles: Flux objects the model did not know (FluxInstance,
//! ArtifactGenerator, the Flux Operator's CRDs), the repository's own source under another
//! name, phantom clusters and unapplied files; the profile a repository opted into.

use serde_json::Value;

use crate::support::{code, f, findings, json, run, stdout};

const FLEET: &str = "fixtures/regression/issue-17-flux-model";

/// The JSON report of the fleet, with `extra` arguments, which must exit with `exit`.
fn lint_json(extra: &[&str], exit: i32) -> Value {
    let mut args = vec![FLEET, "--format", "json"];
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

fn file(rel: &str) -> String {
    format!("{FLEET}/{rel}")
}

/// A configuration file in a temporary directory (the fixture stays read-only).
fn config(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hubspoke.yaml");
    std::fs::write(&path, text).expect("write config");
    let path = path.to_string_lossy().into_owned();
    (dir, path)
}

/// Every finding on the fleet, exactly. Before: FLUX001/FLUX002 on the reconcilers of the
/// FluxInstance's multitenant cluster and of the cluster whose controllers are patched with
/// `--default-service-account`; a schema error on the Alert watching the FluxInstance; the
/// FluxInstance unknown to schema validation; HUB016 between a file and the copy no
/// kustomization.yaml lists; `apps/` taken for a cluster because it holds `flux-system/`.
#[test]
fn only_the_unlocked_cluster_has_reconcilers_with_cluster_admin() {
    let report = lint_json(&[], 1);
    assert_eq!(
        findings(&report),
        vec![
            // The plain bootstrap: cluster-admin for the tenant (true positive, kept).
            f("FLUX001", &file("clusters/open/apps.yaml"), 6),
            // Cross-namespace sources, refused under the lockdown the other two clusters run.
            f("FLUX003", &file("clusters/open/apps.yaml"), 13),
            f("FLUX003", &file("clusters/operator/tenants.yaml"), 13),
            // The placeholder allow-list (another item of issue 17).
            f("FLUX003", &file("clusters/patched/apps.yaml"), 13),
            f(
                "empty-file",
                &file("clusters/patched/flux-system/gotk-components.yaml"),
                0
            ),
            // The empty stand-in for the controllers: the lockdown patch selects nothing
            // (kustomize accepts it silently; the render warns).
            f(
                "render/kustomize-patch-target-not-found",
                &file("clusters/patched/flux-system/kustomization.yaml"),
                8
            ),
        ]
    );
    assert_eq!(report["summary"]["profile"], "multi-tenant");
    assert_eq!(
        report["summary"]["profile_reason"],
        "a FluxInstance is multitenant"
    );
}

#[test]
fn clusters_are_what_bootstraps_reconcile_and_the_renamed_source_is_local() {
    let output = run(None, &["graph", FLEET, "--format", "json"]);
    assert_eq!(code(&output), 0);
    let model = json(&output);
    let clusters: Vec<&str> = model["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    // Not `apps` (it holds the flux-system namespace's manifests).
    assert_eq!(clusters, ["open", "operator", "patched"]);
    let object = |rel: &str| -> &Value {
        model["objects"]
            .as_array()
            .expect("objects")
            .iter()
            .find(|o| o["file"] == rel)
            .unwrap_or_else(|| panic!("an object in {rel}"))
    };
    // Reached through `home-ops`, the bootstrap source of `patched` (namespace from
    // apps/team-b/kustomization.yaml).
    assert_eq!(
        object("apps/team-b/config.yaml")["clusters"],
        serde_json::json!(["patched"])
    );
    assert_eq!(
        object("apps/team-b/config.yaml")["effective_namespace"],
        "team-b"
    );
    // Reached through `fleet`, the source the FluxInstance's sync creates.
    assert_eq!(
        object("apps/team-a/config.yaml")["clusters"],
        serde_json::json!(["operator"])
    );
    // Listed only in a comment: applied by nothing, on no cluster.
    let copy = object("apps/team-b/config-copy.yaml");
    assert_eq!(copy["unapplied"], true);
    assert_eq!(copy["clusters"], serde_json::json!([]));
    assert_eq!(model["profile"], "multi-tenant");
    let instance = &model["flux_instances"][0];
    assert_eq!(instance["cluster"], "operator");
    assert_eq!(instance["default_service_account"], "flux");
}

#[test]
fn a_single_tenant_profile_drops_the_lockdown_rules_unless_named() {
    let (_dir, path) = config("profile: single-tenant\n");
    // A warning and a note remain (FLUX007 checks nothing until its list is set): exit 0.
    let report = lint_json(&["--config", &path], 0);
    assert_eq!(
        findings(&report),
        vec![
            f(
                "empty-file",
                &file("clusters/patched/flux-system/gotk-components.yaml"),
                0
            ),
            // The empty stand-in for the controllers: the lockdown patch selects nothing
            // (kustomize accepts it silently; the render warns).
            f(
                "render/kustomize-patch-target-not-found",
                &file("clusters/patched/flux-system/kustomization.yaml"),
                8
            ),
        ]
    );
    assert_eq!(report["summary"]["profile"], "single-tenant");
    assert_eq!(report["summary"]["profile_reason"], "configured");
    // A rule switched on by name still reports.
    let (_dir, path) = config("profile: single-tenant\nrules:\n  FLUX001: {enabled: true}\n");
    let report = lint_json(&["--config", &path, "--rule", "FLUX001"], 1);
    assert_eq!(
        findings(&report),
        vec![
            f("FLUX001", &file("clusters/open/apps.yaml"), 6),
            f(
                "empty-file",
                &file("clusters/patched/flux-system/gotk-components.yaml"),
                0
            ),
            // The empty stand-in for the controllers: the lockdown patch selects nothing
            // (kustomize accepts it silently; the render warns).
            f(
                "render/kustomize-patch-target-not-found",
                &file("clusters/patched/flux-system/kustomization.yaml"),
                8
            ),
        ]
    );
}

#[test]
fn the_summary_line_names_the_profile() {
    let output = run(None, &[FLEET, "--rule", "FLUX001"]);
    assert_eq!(code(&output), 1);
    let text = stdout(&output);
    let summary: Vec<&str> = text.lines().rev().take(5).collect();
    assert_eq!(
        summary,
        [
            "  1  render/kustomize-patch-target-not-found  kustomize-patch-target-not-found",
            "  1  empty-file                               empty-file",
            "  1  FLUX001                                  kustomization-without-service-account",
            "Findings by rule:",
            "3 findings (1 error, 1 warning, 1 note) in 15 files (20 documents, 20 Kubernetes objects, 0 not Kubernetes), 50 rules enabled. Rendered 3 clusters (15 objects, 15 evaluated); 2 files no cluster renders judged as written. Profile: multi-tenant (detected: a FluxInstance is multitenant).",
        ]
    );
}

#[test]
fn an_unknown_profile_is_a_configuration_error_at_its_line() {
    let (_dir, path) = config("fail-on: error\nprofile: home-lab\n");
    let output = run(None, &[FLEET, "--config", &path]);
    assert_eq!(code(&output), 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = format!(
        "error: {path}:2:1: profile: `home-lab` is not hub-spoke, multi-tenant, single-tenant"
    );
    assert_eq!(stderr.lines().last(), Some(expected.as_str()), "{stderr}");
}
