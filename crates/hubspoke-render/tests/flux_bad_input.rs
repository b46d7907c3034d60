//! Bad input in the Flux layer: each problem at its line, in the render of the
//! cluster it affects; the rest of the cluster still renders; nothing panics.

use std::path::Path;

use hubspoke_manifest::yaml::Node;
use hubspoke_manifest::{parse_text, ModelOptions, ParseLimits, ParsedFile, RepoModel};
use hubspoke_render::{render, ClusterRender, Origin, Render, RenderFs, RenderOptions};

fn files(list: &[(&str, &str)]) -> Vec<ParsedFile> {
    let mut files: Vec<ParsedFile> = list
        .iter()
        .map(|(p, t)| parse_text(p, p, *t, ParseLimits::default()))
        .collect();
    files.sort_by(|a, b| a.source.repo_path.cmp(&b.source.repo_path));
    files
}

fn run(files: &[ParsedFile]) -> Render {
    let refs: Vec<&ParsedFile> = files.iter().collect();
    let model = RepoModel::build(&refs, Path::new("/nonexistent"), &ModelOptions::default());
    render(
        &RenderFs::parsed_only(files),
        &model,
        &RenderOptions::default(),
    )
}

fn at(files: &[ParsedFile], origin: Origin) -> String {
    let source = &files[origin.file.0 as usize].source;
    let region = source.region(origin.span);
    format!(
        "{}:{}:{}",
        source.repo_path, region.start.line, region.start.column
    )
}

fn problems(files: &[ParsedFile], cluster: &ClusterRender) -> Vec<String> {
    cluster
        .problems
        .iter()
        .map(|p| format!("{} {}", at(files, p.origin), p.code.id()))
        .collect()
}

fn names(cluster: &ClusterRender) -> Vec<String> {
    cluster
        .objects
        .iter()
        .map(|o| {
            let root = &o.object.root;
            format!(
                "{}/{}",
                root.get("kind").and_then(Node::as_str).unwrap_or("?"),
                root.get("metadata")
                    .and_then(|m| m.get("name"))
                    .and_then(Node::as_str)
                    .unwrap_or("?")
            )
        })
        .collect()
}

const SYNC: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m
  path: ./clusters/hub
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
";

const APPS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  patches:
    - target:
        kind: StatefulSet
      patch: |
        - op: add
          path: /spec/replicas
          value: 2
  postBuild:
    substitute:
      replicas: 3
      region: west
    substituteFrom:
      - kind: ConfigMap
        name: not-in-the-repository
";

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    region: ${region}
    owner: ${owner}
spec:
  replicas: ${replicas}
";

const SCRIPT: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: script
data:
  run.sh: echo ${HOME:-/root} ${
";

#[test]
fn flux_problems_land_at_their_line_and_the_rest_renders() {
    let files = files(&[
        ("clusters/hub/flux-system/gotk-sync.yaml", SYNC),
        ("clusters/hub/apps.yaml", APPS),
        ("apps/deployment.yaml", DEPLOYMENT),
        ("apps/script.yaml", SCRIPT),
        ("apps/fine.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\ndata:\n  region: ${region}\n"),
    ]);
    let render = run(&files);
    let hub = render
        .clusters
        .iter()
        .find(|c| c.cluster == "hub")
        .expect("hub");
    assert_eq!(
        problems(&files, hub),
        vec![
            // The ConfigMap is not in the repository (it may be in the cluster).
            "clusters/hub/apps.yaml:25:9 flux-substitute-from-missing",
            // `replicas: 3` under substitute is not a string.
            "clusters/hub/apps.yaml:22:17 flux-invalid-spec",
            // The patch of spec.patches targets no StatefulSet: at its target.
            "clusters/hub/apps.yaml:15:9 kustomize-patch-target-not-found",
            // `${` in a script.
            "apps/script.yaml:6:31 flux-substitute-syntax",
        ]
    );
    // Everything still renders; the values that could be computed are.
    assert_eq!(
        names(hub),
        vec![
            "Kustomization/apps",
            "Kustomization/flux-system",
            "ConfigMap/fine",
            "ConfigMap/script",
            "Deployment/web"
        ]
    );
    let fine = hub
        .objects
        .iter()
        .find(|o| names_of(&o.object.root) == "fine")
        .expect("fine");
    assert_eq!(
        fine.object
            .root
            .get("data")
            .and_then(|d| d.get("region"))
            .and_then(Node::as_str),
        Some("west")
    );
    // `${owner}` may come from the missing ConfigMap: unknown, not a problem.
    let unknowns: Vec<String> = hub
        .unknowns
        .iter()
        .map(|u| format!("{} {:?}", at(&files, u.origin), u.kind))
        .collect();
    assert_eq!(unknowns, vec!["apps/deployment.yaml:7:12 UnknownVariable"]);
}

fn names_of(root: &Node<Origin>) -> &str {
    root.get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str)
        .unwrap_or("?")
}

#[test]
fn an_undefined_variable_fails_strict_substitution_at_its_placeholder_on_its_cluster() {
    let spoke = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: edge
  namespace: flux-system
spec:
  interval: 10m
  path: ./clusters/edge
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  kubeConfig:
    secretRef:
      name: edge-kubeconfig
  postBuild:
    substitute:
      cluster: edge
";
    let files = files(&[
        ("clusters/hub/flux-system/gotk-sync.yaml", SYNC),
        ("clusters/hub/edge.yaml", spoke),
        ("clusters/edge/config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\ndata:\n  cluster: ${cluster}\n  zone: ${zone}\n"),
    ]);
    let render = run(&files);
    let edge = render
        .clusters
        .iter()
        .find(|c| c.cluster == "edge")
        .expect("edge");
    assert_eq!(
        problems(&files, edge),
        vec!["clusters/edge/config.yaml:7:9 flux-substitute-undefined"]
    );
    let hub = render
        .clusters
        .iter()
        .find(|c| c.cluster == "hub")
        .expect("hub");
    assert!(hub.problems.is_empty(), "{:?}", hub.problems);
    let config = &edge.objects[0];
    assert_eq!(
        config
            .object
            .root
            .get("data")
            .and_then(|d| d.get("cluster"))
            .and_then(Node::as_str),
        Some("edge")
    );
    assert_eq!(config.unknown_fields.len(), 1);
}

#[test]
fn a_malformed_post_build_is_reported_and_nothing_is_substituted() {
    let apps = APPS.replace(
        "  postBuild:\n    substitute:\n      replicas: 3\n      region: west\n    substituteFrom:\n      - kind: ConfigMap\n        name: not-in-the-repository\n",
        "  postBuild: [oops]\n",
    );
    let files = files(&[
        ("clusters/hub/flux-system/gotk-sync.yaml", SYNC),
        ("clusters/hub/apps.yaml", &apps),
        ("apps/fine.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\ndata:\n  region: ${region}\n"),
    ]);
    let render = run(&files);
    let hub = &render.clusters[0];
    assert_eq!(
        problems(&files, hub),
        vec![
            "clusters/hub/apps.yaml:20:14 flux-invalid-spec",
            "clusters/hub/apps.yaml:15:9 kustomize-patch-target-not-found"
        ]
    );
    let fine = hub
        .objects
        .iter()
        .find(|o| names_of(&o.object.root) == "fine")
        .expect("fine");
    assert_eq!(
        fine.object
            .root
            .get("data")
            .and_then(|d| d.get("region"))
            .and_then(Node::as_str),
        Some("${region}")
    );
}
