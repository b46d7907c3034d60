//! The walk over small repositories: bootstraps, kubeconfigs, cycles,
//! sources, substitution per cluster.

use std::path::Path;

use hubspoke_manifest::yaml::Node;
use hubspoke_manifest::{parse_text, ModelOptions, ParseLimits, ParsedFile, RepoModel};

use super::walk::secure_join;
use crate::render::{render, Render, RenderOptions};
use crate::{Origin, RenderFs};

struct Repo {
    files: Vec<ParsedFile>,
}

impl Repo {
    fn new(files: &[(&str, &str)]) -> Repo {
        let mut files: Vec<ParsedFile> = files
            .iter()
            .map(|(p, t)| parse_text(p, p, *t, ParseLimits::default()))
            .collect();
        files.sort_by(|a, b| a.source.repo_path.cmp(&b.source.repo_path));
        Repo { files }
    }

    fn render(&self) -> Render {
        let refs: Vec<&ParsedFile> = self.files.iter().collect();
        let model = RepoModel::build(&refs, Path::new("/nonexistent"), &ModelOptions::default());
        render(
            &RenderFs::parsed_only(&self.files),
            &model,
            &RenderOptions::default(),
        )
    }

    fn at(&self, origin: Origin) -> String {
        let source = &self.files[origin.file.0 as usize].source;
        let region = source.region(origin.span);
        format!(
            "{}:{}:{}",
            source.repo_path, region.start.line, region.start.column
        )
    }
}

const SYNC: &str = r#"apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  url: ssh://git@example.com/fleet
  ref:
    branch: main
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
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
"#;

fn kustomization(name: &str, path: &str, extra: &str) -> String {
    format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  interval: 10m\n  prune: true\n  path: {path}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n{extra}"
    )
}

fn fleet() -> Repo {
    let apps = kustomization(
        "apps",
        "./apps",
        "  postBuild:\n    substitute:\n      env: hub\n",
    );
    let spoke = kustomization(
        "spoke",
        "./clusters/spoke",
        "  kubeConfig:\n    secretRef:\n      name: spoke-kubeconfig\n  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: spoke-vars\n",
    );
    let remote = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: remote\n  namespace: flux-system\nspec:\n  interval: 10m\n  prune: true\n  path: ./\n  sourceRef:\n    kind: OCIRepository\n    name: podinfo\n";
    let missing = kustomization("missing", "./nope", "");
    let a = kustomization("a", "./cycle/a", "");
    let b = kustomization("b", "./cycle/b", "");
    // Applied again by its child, but not as written above: the two fight.
    let a_again = kustomization("a", "./cycle/a", "  suspend: true\n");
    let vars = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: spoke-vars\n  namespace: flux-system\ndata:\n  region: west\n";
    let files: Vec<(&str, String)> = vec![
        ("clusters/hub/flux-system/gotk-sync.yaml", SYNC.to_owned()),
        ("clusters/hub/flux-system/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [gotk-sync.yaml]\n".to_owned()),
        ("clusters/hub/apps.yaml", apps),
        ("clusters/hub/spoke.yaml", spoke),
        ("clusters/hub/spoke-vars.yaml", vars.to_owned()),
        ("clusters/hub/remote.yaml", remote.to_owned()),
        ("clusters/hub/missing.yaml", missing),
        ("clusters/hub/a.yaml", a.clone()),
        ("cycle/a/b.yaml", b),
        ("cycle/b/a.yaml", a_again),
        ("apps/config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  env: ${env}\n".to_owned()),
        ("clusters/spoke/config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: spoke-config\n  namespace: default\ndata:\n  region: ${region}\n".to_owned()),
        ("other/lonely.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lonely\n".to_owned()),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    Repo::new(&files)
}

fn names(render: &Render, cluster: &str) -> Vec<String> {
    let cluster = render
        .clusters
        .iter()
        .find(|c| c.cluster == cluster)
        .expect("cluster");
    cluster
        .objects
        .iter()
        .map(|o| {
            let root = &o.object.root;
            let kind = root.get("kind").and_then(Node::as_str).unwrap_or("?");
            let name = root
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Node::as_str)
                .unwrap_or("?");
            format!("{kind}/{name} by {}", o.kustomization)
        })
        .collect()
}

#[test]
fn every_cluster_gets_what_its_kustomizations_apply() {
    let repo = fleet();
    let render = repo.render();
    let clusters: Vec<&str> = render.clusters.iter().map(|c| c.cluster.as_str()).collect();
    assert_eq!(clusters, vec!["hub", "spoke"]);
    assert_eq!(
        names(&render, "hub"),
        // kustomize's (legacy) output order within each Kustomization, then
        // the children breadth first.
        vec![
            "ConfigMap/spoke-vars by flux-system/flux-system",
            "Kustomization/a by flux-system/flux-system",
            "Kustomization/apps by flux-system/flux-system",
            "Kustomization/flux-system by flux-system/flux-system",
            "Kustomization/missing by flux-system/flux-system",
            "Kustomization/remote by flux-system/flux-system",
            "Kustomization/spoke by flux-system/flux-system",
            "GitRepository/flux-system by flux-system/flux-system",
            "Kustomization/b by flux-system/a",
            "ConfigMap/app-config by flux-system/apps",
            "Kustomization/a by flux-system/b",
        ]
    );
    assert_eq!(
        names(&render, "spoke"),
        vec!["ConfigMap/spoke-config by flux-system/spoke"]
    );
}

#[test]
fn substitution_uses_each_kustomizations_variables() {
    let repo = fleet();
    let render = repo.render();
    let value = |cluster: &str, name: &str, key: &str| -> (String, String) {
        let cluster = render
            .clusters
            .iter()
            .find(|c| c.cluster == cluster)
            .expect("cluster");
        let object = cluster
            .objects
            .iter()
            .find(|o| {
                o.object
                    .root
                    .get("metadata")
                    .and_then(|m| m.get("name"))
                    .and_then(Node::as_str)
                    == Some(name)
            })
            .expect("object");
        let node = object
            .object
            .root
            .get("data")
            .and_then(|d| d.get(key))
            .expect("key");
        let defined = object.substitutions[0].defined_at.expect("defined");
        (
            node.as_str().unwrap_or_default().to_owned(),
            repo.at(defined),
        )
    };
    assert_eq!(
        value("hub", "app-config", "env"),
        ("hub".to_owned(), "clusters/hub/apps.yaml:15:7".to_owned())
    );
    // The spoke's Kustomization lives on the hub and reads the hub's ConfigMap.
    assert_eq!(
        value("spoke", "spoke-config", "region"),
        (
            "west".to_owned(),
            "clusters/hub/spoke-vars.yaml:7:3".to_owned()
        )
    );
}

#[test]
fn problems_and_unknowns_at_their_place() {
    let repo = fleet();
    let render = repo.render();
    let hub = render
        .clusters
        .iter()
        .find(|c| c.cluster == "hub")
        .expect("hub");
    let problems: Vec<String> = hub
        .problems
        .iter()
        .map(|p| format!("{} {}", repo.at(p.origin), p.message))
        .collect();
    assert_eq!(
        problems,
        vec![
            "clusters/hub/missing.yaml:9:9 kustomization path not found: \"./nope\" holds no file of the repository (Flux fails the reconcile)",
            "cycle/b/a.yaml:1:1 Kustomization flux-system/a is applied by its own descendant (flux-system/flux-system → flux-system/a → flux-system/b → flux-system/a) with another spec: the two definitions overwrite each other; it is rendered once, as first applied",
        ]
    );
    let unknowns: Vec<String> = hub
        .unknowns
        .iter()
        .map(|u| format!("{} {}", repo.at(u.origin), u.reason))
        .collect();
    assert_eq!(
        unknowns,
        vec!["clusters/hub/remote.yaml:11:5 Kustomization flux-system/remote builds OCIRepository flux-system/podinfo, a source outside this repository: not rendered"]
    );
    let walked: Vec<String> = hub
        .kustomizations
        .iter()
        .map(|k| {
            format!(
                "{} on {} → {} {:?} {}",
                k.kustomization, k.reconciled_on, k.applies_to, k.path, k.rendered
            )
        })
        .collect();
    assert_eq!(
        walked,
        vec![
            "flux-system/flux-system on hub → hub Some(\"clusters/hub\") true",
            "flux-system/a on hub → hub Some(\"cycle/a\") true",
            "flux-system/apps on hub → hub Some(\"apps\") true",
            "flux-system/missing on hub → hub Some(\"nope\") false",
            "flux-system/remote on hub → hub None false",
            "flux-system/b on hub → hub Some(\"cycle/b\") true",
        ]
    );
}

/// The layout of fixtures/real/Apocrathia-homelab: the bootstrap applies a
/// Kustomization of the whole tree, which applies the bootstrap again as written.
/// Flux tolerates it (both own one identical object): no problem, each rendered once.
#[test]
fn a_bootstrap_reapplied_as_written_by_its_child_is_no_cycle() {
    let sync = SYNC.replace("./clusters/hub", "./flux/manifests/bootstrap");
    let everything = kustomization("manifests", "./flux/manifests", "");
    let repo = Repo::new(&[
        ("flux/manifests/bootstrap/flux-system/gotk-sync.yaml", sync.as_str()),
        ("flux/manifests/bootstrap/flux-system/manifests.yaml", everything.as_str()),
        ("flux/manifests/services/config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: default\n"),
    ]);
    let render = repo.render();
    let problems: Vec<String> = render
        .clusters
        .iter()
        .flat_map(|c| {
            c.problems
                .iter()
                .map(|p| format!("{} {}", repo.at(p.origin), p.message))
        })
        .collect();
    assert_eq!(problems, Vec::<String>::new());
    let walked: Vec<String> = render
        .clusters
        .iter()
        .flat_map(|c| {
            c.kustomizations
                .iter()
                .map(|k| format!("{} on {}", k.kustomization, c.cluster))
        })
        .collect();
    assert_eq!(
        walked,
        vec![
            "flux-system/flux-system on bootstrap",
            "flux-system/manifests on bootstrap",
        ]
    );
}

#[test]
fn files_no_cluster_renders() {
    let repo = fleet();
    let render = repo.render();
    let unrendered: Vec<&str> = render
        .unrendered_files
        .iter()
        .map(|id| repo.files[id.0 as usize].source.repo_path.as_str())
        .collect();
    assert_eq!(unrendered, vec!["other/lonely.yaml"]);
}

#[test]
fn a_cluster_directory_without_bootstrap_is_applied_as_flux_bootstrap_would() {
    let repo = Repo::new(&[
        ("clusters/solo/config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: solo\n"),
        ("clusters/solo/apps/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: apps\nresources: [cm.yaml]\n"),
        ("clusters/solo/apps/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: in-apps\n"),
    ]);
    let render = repo.render();
    assert_eq!(
        names(&render, "solo"),
        vec![
            "ConfigMap/in-apps by flux-system/flux-system",
            "ConfigMap/solo by flux-system/flux-system"
        ]
    );
    let solo = &render.clusters[0];
    assert_eq!(solo.kustomizations[0].kustomization.origin, None);
}

/// A hub applying a spoke's subdirectories through a kubeconfig reconciles that spoke:
/// its directory gets no implicit bootstrap, so nothing lands on it twice.
#[test]
fn a_cluster_directory_a_hub_reconciles_from_inside_gets_no_implicit_bootstrap() {
    let spoke_apps = kustomization(
        "spoke-apps",
        "./clusters/spoke/apps",
        "  kubeConfig:\n    secretRef:\n      name: spoke-kubeconfig\n",
    );
    let repo = Repo::new(&[
        ("clusters/hub/flux-system/gotk-sync.yaml", SYNC),
        ("clusters/hub/flux-system/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [gotk-sync.yaml]\n"),
        ("clusters/hub/spoke-apps.yaml", &spoke_apps),
        ("clusters/spoke/apps/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [cm.yaml]\n"),
        ("clusters/spoke/apps/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: in-apps\n"),
    ]);
    let render = repo.render();
    assert_eq!(
        names(&render, "spoke"),
        vec!["ConfigMap/in-apps by flux-system/spoke-apps"]
    );
}

#[test]
fn secure_join_stays_in_the_root() {
    assert_eq!(secure_join("./apps/../base"), "base");
    assert_eq!(secure_join("../../etc"), "etc");
    assert_eq!(secure_join("/abs/x"), "abs/x");
    assert_eq!(secure_join(""), "");
    assert_eq!(secure_join("./"), "");
}

#[test]
fn common_metadata_sops_objects_and_unresolved_paths() {
    let sync = SYNC.replace(
        "  prune: true\n",
        "  prune: true\n  commonMetadata:\n    labels:\n      team: platform\n    annotations:\n      owner: sre\n",
    );
    let later = kustomization("later", "./apps/${missing_var}", "");
    let repo = Repo::new(&[
        ("clusters/hub/flux-system/gotk-sync.yaml", &sync),
        ("clusters/hub/flux-system/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [gotk-sync.yaml]\n"),
        ("clusters/hub/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n  labels:\n    team: old\n"),
        ("clusters/hub/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  token: ENC[AES256_GCM,data:x]\nsops:\n  version: 3.8.1\n"),
        ("clusters/hub/later.yaml", &later),
    ]);
    let render = repo.render();
    let hub = &render.clusters[0];
    let plain = hub
        .objects
        .iter()
        .find(|o| o.object.root.get("kind").and_then(Node::as_str) == Some("ConfigMap"))
        .expect("configmap");
    let metadata = plain.object.root.get("metadata").expect("metadata");
    let label = metadata
        .get("labels")
        .and_then(|l| l.get("team"))
        .expect("label");
    assert_eq!(label.as_str(), Some("platform"));
    assert_eq!(
        repo.at(label.span),
        "clusters/hub/flux-system/gotk-sync.yaml:22:13"
    );
    let annotation = metadata
        .get("annotations")
        .and_then(|a| a.get("owner"))
        .expect("annotation");
    assert_eq!(annotation.as_str(), Some("sre"));

    let secret = hub
        .objects
        .iter()
        .find(|o| o.object.root.get("kind").and_then(Node::as_str) == Some("Secret"))
        .expect("secret");
    assert_eq!(
        secret.unknown_fields,
        vec![Vec::new()],
        "the whole object is unknown"
    );
    let unknowns: Vec<String> = hub
        .unknowns
        .iter()
        .map(|u| format!("{} {:?}", repo.at(u.origin), u.kind))
        .collect();
    assert_eq!(
        unknowns,
        vec![
            "clusters/hub/secret.yaml:1:1 Encrypted",
            "clusters/hub/later.yaml:9:9 UnknownVariable",
        ]
    );
    assert!(hub.problems.is_empty(), "{:?}", hub.problems);
}

#[test]
fn invalid_variable_names_fail_the_kustomization_once() {
    let apps = kustomization(
        "apps",
        "./apps",
        "  postBuild:\n    substitute:\n      good: x\n    substituteFrom:\n      - kind: ConfigMap\n        name: vars\n",
    );
    let repo = Repo::new(&[
        ("clusters/hub/flux-system/gotk-sync.yaml", SYNC),
        ("clusters/hub/flux-system/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [gotk-sync.yaml]\n"),
        ("clusters/hub/apps.yaml", &apps),
        ("clusters/hub/vars.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vars\n  namespace: flux-system\ndata:\n  cluster-name: hub\n"),
        ("apps/a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: ${good}\n"),
        ("apps/b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  x: ${good}\n"),
    ]);
    let render = repo.render();
    let hub = &render.clusters[0];
    let problems: Vec<String> = hub
        .problems
        .iter()
        .map(|p| format!("{} {}", repo.at(p.origin), p.code.id()))
        .collect();
    assert_eq!(
        problems,
        vec!["clusters/hub/vars.yaml:7:3 flux-substitute-invalid-name"]
    );
}

/// Every problem of every cluster, at its place.
fn all_problems(repo: &Repo, render: &Render) -> Vec<String> {
    render
        .clusters
        .iter()
        .flat_map(|c| {
            c.problems
                .iter()
                .map(|p| format!("{} {}", repo.at(p.origin), p.message))
        })
        .collect()
}

/// The pattern of onedr0p/home-ops `kubernetes/flux/cluster/ks.yaml`: a parent's
/// `spec.patches` give every child Kustomization a patch for its HelmReleases. A child
/// without one builds nothing it selects, as Flux accepts; the patch is a mistake only
/// when it selects nothing in every child.
#[test]
fn a_patch_given_to_every_child_is_reported_only_when_no_child_uses_it() {
    let nested = |kind: &str| {
        format!(
            "  patches:\n    - patch: |-\n        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n        metadata:\n          name: _\n        spec:\n          patches:\n            - patch: |-\n                - op: add\n                  path: /metadata/labels\n                  value: {{defaults: \"true\"}}\n              target:\n                kind: {kind}\n      target:\n        kind: Kustomization\n"
        )
    };
    let child = |name: &str| kustomization(name, &format!("./apps/{name}"), "");
    let children = format!("{}---\n{}", child("web"), child("db"));
    let release = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\n  namespace: default\n";
    let config = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db\n  namespace: default\n";
    for (kind, expected) in [
        ("HelmRelease", vec![]),
        // Once per child (the pipeline makes one finding of the two).
        (
            "Secret",
            vec![
                "clusters/hub/apps.yaml:26:17 the patch's target selects no resource; the patch changes nothing",
                "clusters/hub/apps.yaml:26:17 the patch's target selects no resource; the patch changes nothing",
            ],
        ),
    ] {
        let apps = kustomization("apps", "./flux/apps", &nested(kind));
        let repo = Repo::new(&[
            ("clusters/hub/flux-system/gotk-sync.yaml", SYNC),
            ("clusters/hub/apps.yaml", apps.as_str()),
            ("flux/apps/children.yaml", children.as_str()),
            ("apps/web/release.yaml", release),
            ("apps/db/config.yaml", config),
        ]);
        let render = repo.render();
        assert_eq!(all_problems(&repo, &render), expected, "{kind}");
        assert_eq!(
            names(&render, "hub"),
            vec![
                "Kustomization/apps by flux-system/flux-system",
                "Kustomization/flux-system by flux-system/flux-system",
                "GitRepository/flux-system by flux-system/flux-system",
                "Kustomization/db by flux-system/apps",
                "Kustomization/web by flux-system/apps",
                "ConfigMap/db by flux-system/db",
                "HelmRelease/web by flux-system/web",
            ],
            "{kind}"
        );
    }
}

/// jonpulsifer/infra: no sync path found, so `clusters/folly` is built whole as a guess;
/// the Terraform inputs beside the manifests are not known to be applied by Flux.
#[test]
fn a_guessed_bootstrap_reports_no_file_that_is_not_a_kubernetes_object() {
    let repo = Repo::new(&[
        (
            "clusters/solo/config.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: solo\n",
        ),
        (
            "clusters/solo/bootstrap/flux-values.yaml",
            "instance:\n  sync:\n    path: clusters/solo/flux-system\n",
        ),
    ]);
    let render = repo.render();
    assert_eq!(all_problems(&repo, &render), Vec::<String>::new());
    assert_eq!(
        names(&render, "solo"),
        vec!["ConfigMap/solo by flux-system/flux-system"]
    );
    // A bootstrap written in the repository still reports them: Flux fails on them.
    let sync = SYNC.replace("./clusters/hub", "./clusters/solo");
    let repo = Repo::new(&[
        (
            "clusters/solo/config.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: solo\n",
        ),
        ("clusters/solo/flux-system/gotk-sync.yaml", sync.as_str()),
        ("clusters/solo/values.yaml", "instance:\n  sync: {}\n"),
    ]);
    let render = repo.render();
    assert_eq!(
        all_problems(&repo, &render),
        vec!["clusters/solo/values.yaml:1:1 not a Kubernetes object (`apiVersion` and `kind` are required)"]
    );
}

/// Counts the kustomize builds a render asks for.
struct CountingInput<'a> {
    fs: RenderFs<'a>,
    built: std::sync::Mutex<Vec<String>>,
}

impl crate::render::RenderInput for CountingInput<'_> {
    fn files(&self) -> &[&ParsedFile] {
        self.fs.files()
    }

    fn build_with(&self, dir: &str, kustomization: &Node<Origin>) -> crate::KustomizeOutput {
        if let Ok(mut built) = self.built.lock() {
            built.push(dir.to_owned());
        }
        crate::build_with(&self.fs, dir, kustomization)
    }
}

#[test]
fn a_directory_built_alike_twice_is_built_once_and_post_built_for_each() {
    let one = kustomization(
        "one",
        "./shared",
        "  postBuild:\n    substitute:\n      env: one\n",
    );
    let two = kustomization(
        "two",
        "./shared",
        "  postBuild:\n    substitute:\n      env: two\n",
    );
    // Flux writes targetNamespace into the kustomization: another build.
    let three = kustomization("three", "./shared", "  targetNamespace: three\n");
    let repo = Repo::new(&[
        ("clusters/hub/flux-system/gotk-sync.yaml", SYNC),
        ("clusters/hub/flux-system/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [gotk-sync.yaml]\n"),
        ("clusters/hub/one.yaml", &one),
        ("clusters/hub/two.yaml", &two),
        ("clusters/hub/three.yaml", &three),
        ("shared/config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  env: ${env}\n"),
        // Its own kustomization: the one Flux uses unchanged for `one` and `two` (a
        // generated one would carry each Kustomization's origins).
        ("shared/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [config.yaml]\n"),
    ]);
    let refs: Vec<&ParsedFile> = repo.files.iter().collect();
    let model = RepoModel::build(&refs, Path::new("/nonexistent"), &ModelOptions::default());
    let input = CountingInput {
        fs: RenderFs::parsed_only(&repo.files),
        built: std::sync::Mutex::new(Vec::new()),
    };
    let render = render(&input, &model, &RenderOptions::default());
    let mut built = input.built.into_inner().expect("not poisoned");
    built.sort();
    assert_eq!(built, vec!["clusters/hub", "shared", "shared"]);
    let hub = &render.clusters[0];
    let shared: Vec<String> = hub
        .objects
        .iter()
        .filter(|o| o.object.root.get("kind").and_then(Node::as_str) == Some("ConfigMap"))
        .map(|o| {
            let root = &o.object.root;
            let field = |parent: &str, key: &str| {
                root.get(parent)
                    .and_then(|p| p.get(key))
                    .and_then(Node::as_str)
                    .unwrap_or("-")
                    .to_owned()
            };
            format!(
                "{}: env={} namespace={}",
                o.kustomization,
                field("data", "env"),
                field("metadata", "namespace")
            )
        })
        .collect();
    assert_eq!(
        shared,
        vec![
            "flux-system/one: env=one namespace=-",
            "flux-system/three: env=${env} namespace=three",
            "flux-system/two: env=two namespace=-",
        ]
    );
}
