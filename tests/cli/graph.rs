//! `hubspoke-lint graph`: the resolved Flux references, the directory → cluster
//! map and object positions of the JSON model, and the DOT picture.

use serde_json::{json, Value};

use crate::support::{code, json, run, stdout};

fn graph(fixture: &str) -> Value {
    let output = run(None, &["graph", fixture, "--format", "json"]);
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    json(&output)
}

/// The id of the object `kind` `name` written in `file`.
fn id_of(model: &Value, file: &str, kind: &str, name: &str) -> u64 {
    let matches: Vec<u64> = model["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter(|o| o["file"] == file && o["kind"] == kind && o["name"] == name)
        .map(|o| o["id"].as_u64().expect("id"))
        .collect();
    assert_eq!(matches.len(), 1, "{kind} {name} in {file}");
    matches[0]
}

/// The `flux_kustomizations` or `helm_releases` entry of object `id`.
fn reconciler<'m>(model: &'m Value, list: &str, id: u64) -> &'m Value {
    model[list]
        .as_array()
        .expect("reconcilers")
        .iter()
        .find(|r| r["object"] == id)
        .expect("reconciler of the object")
}

#[test]
fn json_resolves_flux_references_to_the_defining_objects() {
    let model = graph("fixtures/hub-spoke");
    let staging_infrastructure = id_of(
        &model,
        "clusters/staging/infrastructure.yaml",
        "Kustomization",
        "infrastructure",
    );
    let staging_source = id_of(
        &model,
        "clusters/staging/infrastructure.yaml",
        "GitRepository",
        "fleet-infra",
    );
    let infrastructure = reconciler(&model, "flux_kustomizations", staging_infrastructure);
    // No namespace written: Flux looks in the Kustomization's own, flux-system.
    assert_eq!(
        infrastructure["source"],
        json!({
            "kind": "GitRepository",
            "name": "fleet-infra",
            "namespace": "flux-system",
            "object": staging_source,
            "path": ["spec", "sourceRef"],
        })
    );
    assert_eq!(
        infrastructure["substitute_from"],
        json!([{
            "kind": "ConfigMap",
            "name": "cluster-labels",
            "namespace": "flux-system",
            "object": id_of(&model, "clusters/staging/cluster-labels.yaml", "ConfigMap", "cluster-labels"),
            "path": ["spec", "postBuild", "substituteFrom", 0],
        }])
    );
    // production defines a Kustomization of the same namespace and name; the one
    // on staging, where the dependent runs, is the one it waits for.
    let tenant = id_of(
        &model,
        "clusters/staging/tenants.yaml",
        "Kustomization",
        "tenant-team-a",
    );
    assert_eq!(
        reconciler(&model, "flux_kustomizations", tenant)["depends_on"],
        json!([{
            "kind": "Kustomization",
            "name": "infrastructure",
            "namespace": "flux-system",
            "object": staging_infrastructure,
            "path": ["spec", "dependsOn", 0],
        }])
    );
    let release = id_of(
        &model,
        "infrastructure/spoke/ingress-nginx.yaml",
        "HelmRelease",
        "ingress-nginx",
    );
    let repository = id_of(
        &model,
        "infrastructure/spoke/ingress-nginx.yaml",
        "HelmRepository",
        "ingress-nginx",
    );
    let release = reconciler(&model, "helm_releases", release);
    assert_eq!(
        release["chart_source"],
        json!({
            "kind": "HelmRepository",
            "name": "ingress-nginx",
            "namespace": "ingress-nginx",
            "object": repository,
            "path": ["spec", "chart", "spec", "sourceRef"],
        })
    );
    // Empty reference lists are left out of the JSON the rules read.
    assert_eq!(release.get("depends_on"), None);
    assert_eq!(release.get("values_from"), None);
}

#[test]
fn json_keeps_dangling_references_with_a_null_object() {
    let model = graph("fixtures/hub-spoke-broken");
    let release = id_of(
        &model,
        "infrastructure/hub/monitoring/kube-prometheus-stack.yaml",
        "HelmRelease",
        "kube-prometheus-stack",
    );
    assert_eq!(
        reconciler(&model, "helm_releases", release)["chart_source"],
        json!({
            "kind": "HelmRepository",
            "name": "prometheus-comunity",
            "namespace": "monitoring",
            "object": null,
            "path": ["spec", "chart", "spec", "sourceRef"],
        })
    );
    let tenant = id_of(
        &model,
        "clusters/staging/tenants.yaml",
        "Kustomization",
        "tenant-team-b",
    );
    let depends_on = &reconciler(&model, "flux_kustomizations", tenant)["depends_on"];
    assert_eq!(depends_on[0]["name"], "infrastructure-controllers");
    assert_eq!(depends_on[0]["object"], Value::Null);
}

#[test]
fn json_maps_directories_to_the_clusters_their_files_land_on() {
    let model = graph("fixtures/hub-spoke");
    let directories = &model["directory_clusters"];
    assert_eq!(directories["clusters/staging"], json!(["staging"]));
    assert_eq!(directories["clusters/hub/spoke-clusters"], json!(["hub"]));
    // The central policy library is applied by the hub to itself and to both spokes.
    assert_eq!(
        directories["infrastructure/hub/policies"],
        json!(["hub", "production", "staging"])
    );
    assert_eq!(
        directories["apps/podinfo/overlays/staging"],
        json!(["staging"])
    );
    // A directory holding only sub-directories has no files of its own to place.
    assert_eq!(directories.get("tenants"), None);
    // The set of directories the rules read is unchanged.
    assert!(model["directories"]
        .as_array()
        .expect("directories")
        .contains(&json!("tenants")));
}

#[test]
fn json_objects_carry_the_line_and_column_of_their_name() {
    let model = graph("fixtures/hub-spoke");
    let position = |file: &str, kind: &str, name: &str| {
        let object = &model["objects"][id_of(&model, file, kind, name) as usize];
        (object["line"].clone(), object["column"].clone())
    };
    // `  name: hub-monitoring` on line 23, the second document of the file.
    assert_eq!(
        position(
            "clusters/hub/infrastructure.yaml",
            "Kustomization",
            "hub-monitoring"
        ),
        (json!(23), json!(9))
    );
    assert_eq!(
        position(
            "infrastructure/spoke/ingress-nginx.yaml",
            "ClusterRoleBinding",
            "ingress-nginx-helm-reconciler"
        ),
        (json!(24), json!(9))
    );
}

#[test]
fn dot_draws_clusters_reconcilers_sources_and_references() {
    let output = run(None, &["graph", "fixtures/hub-spoke", "--format", "dot"]);
    assert_eq!(code(&output), 0);
    insta::assert_snapshot!("graph_dot_hub_spoke", stdout(&output));
}

#[test]
fn dot_marks_dangling_references_missing_in_red() {
    let output = run(
        None,
        &["graph", "fixtures/hub-spoke-broken", "--format", "dot"],
    );
    let dot = stdout(&output);
    assert!(dot.contains(
        "\"missing:HelmRepository/monitoring/prometheus-comunity\" [label=\"missing: HelmRepository monitoring/prometheus-comunity\", color=red, fontcolor=red];\n"
    ), "{dot}");
    assert!(dot.contains(
        "-> \"missing:HelmRepository/monitoring/prometheus-comunity\" [label=\"chart\", style=dashed, color=red, fontcolor=red];\n"
    ), "{dot}");
}

#[test]
fn dot_shows_kubeconfigs_patched_into_helm_releases_and_escapes_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(
        "hub/flux-system/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [gotk-components.yaml, gotk-sync.yaml, ../edge.yaml]\n",
    );
    write(
        "hub/edge.yaml",
        r#"apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: addons, namespace: edge}
spec:
  path: ./clusters/edge/addons
  sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
  patches:
    - target: {kind: HelmRelease}
      patch: |
        - op: add
          path: /spec/kubeConfig
          value: {secretRef: {name: cluster-kubeconfig}}
"#,
    );
    write(
        "clusters/edge/addons/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [release.yaml]\n",
    );
    write(
        "clusters/edge/addons/release.yaml",
        r#"apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: "we\"ird\\name", namespace: edge}
spec:
  chart: {spec: {chart: podinfo, sourceRef: {kind: HelmRepository, name: podinfo}}}
  valuesFrom:
    - {kind: ConfigMap, name: "${CLUSTER_NAME}-values"}
"#,
    );
    let output = run(Some(dir.path()), &["graph", ".", "--format", "dot"]);
    assert_eq!(code(&output), 0);
    let dot = stdout(&output);
    for line in [
        "  \"hr:0\" [label=\"HelmRelease edge/we\\\"ird\\\\name\\nchart podinfo\", shape=box3d];\n",
        "  \"cluster:hub\" -> \"hr:0\" [label=\"runs\", style=dotted];\n",
        "  \"hr:0\" -> \"cluster:edge\" [label=\"kubeconfig (patch)\"];\n",
        "  \"hr:0\" -> \"missing:HelmRepository/edge/podinfo\" [label=\"chart\", style=dashed, color=red, fontcolor=red];\n",
        "  \"hr:0\" -> \"unresolved:ConfigMap/edge/${CLUSTER_NAME}-values\" [label=\"valuesFrom\", style=dotted, color=gray];\n",
        "  \"ks:0\" -> \"missing:GitRepository/flux-system/flux-system\" [label=\"sourceRef\", style=dashed, color=gray];\n",
    ] {
        assert!(dot.contains(line), "{line} not in\n{dot}");
    }
}

/// The model reads Secrets whole (a Secret holding only secret-manager references counts
/// as provided), but `graph` prints into terminals and CI logs: Secret values are
/// redacted, their keys and everything else kept.
#[test]
fn graph_json_redacts_the_values_of_secrets() {
    let model = graph("fixtures/regression/out-of-band-references");
    let file = "apps/web/db-secret.yaml";
    let id = id_of(&model, file, "Secret", "db-password");
    let secret = &model["objects"][id as usize];
    assert_eq!(
        secret["body"],
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "db-password"},
            "stringData": {"DB_PASSWORD": "<redacted>"},
        })
    );
    let output = run(
        None,
        &[
            "graph",
            "fixtures/regression/out-of-band-references",
            "--format",
            "json",
        ],
    );
    let text = stdout(&output);
    for value in [
        "hunter2-but-longer",
        "op://kubernetes/bootstrap/TOKEN",
        "Z2l0aHViLmNvbSBl",
    ] {
        assert!(!text.contains(value), "{value} printed");
    }
    assert!(text.contains("\"known_hosts\": \"<redacted>\""), "{text}");
}
