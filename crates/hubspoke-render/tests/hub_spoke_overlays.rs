//! `fixtures/render/hub-spoke-overlays`, rendered per cluster as Flux would:
//! what each cluster receives, and the exact place each value came from.

use std::path::{Path, PathBuf};

use hubspoke_manifest::yaml::{Node, NodeValue};
use hubspoke_manifest::{
    discover, read_and_parse, DiscoverOptions, ModelOptions, ParseLimits, ParsedFile, RepoModel,
};
use hubspoke_render::{
    render, ClusterObject, ClusterRender, Origin, Render, RenderFs, RenderOptions,
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/render/hub-spoke-overlays")
}

struct Fixture {
    files: Vec<ParsedFile>,
}

impl Fixture {
    fn load() -> Fixture {
        let include = ["**/*.yaml".to_owned(), "**/*.yml".to_owned()];
        let options = DiscoverOptions::new(&include, &[], 1 << 20, None).expect("globs");
        let found = discover(&[root()], &options);
        Fixture {
            files: read_and_parse(&found.files, ParseLimits::default()),
        }
    }

    fn render(&self) -> Render {
        let refs: Vec<&ParsedFile> = self.files.iter().collect();
        let model = RepoModel::build(&refs, &root(), &ModelOptions::default());
        render(
            &RenderFs::with_root(&self.files, &root()),
            &model,
            &RenderOptions::default(),
        )
    }

    /// `path:line:column` of an origin.
    fn at(&self, origin: Origin) -> String {
        let source = &self.files[origin.file.0 as usize].source;
        let region = source.region(origin.span);
        format!(
            "{}:{}:{}",
            source.repo_path, region.start.line, region.start.column
        )
    }
}

fn cluster<'r>(render: &'r Render, name: &str) -> &'r ClusterRender {
    render
        .clusters
        .iter()
        .find(|c| c.cluster == name)
        .unwrap_or_else(|| panic!("no cluster {name}"))
}

fn text<'n>(node: &'n Node<Origin>, key: &str) -> Option<&'n str> {
    node.get(key).and_then(Node::as_str)
}

/// `Kind namespace/name by kustomization` of every object.
fn inventory(cluster: &ClusterRender) -> Vec<String> {
    cluster
        .objects
        .iter()
        .map(|o| {
            let root = &o.object.root;
            let meta = root.get("metadata").expect("metadata");
            format!(
                "{} {}/{} by {}",
                text(root, "kind").unwrap_or("?"),
                text(meta, "namespace").unwrap_or(""),
                text(meta, "name").unwrap_or("?"),
                o.kustomization
            )
        })
        .collect()
}

fn object<'c>(cluster: &'c ClusterRender, kind: &str, name: &str) -> &'c ClusterObject {
    cluster
        .objects
        .iter()
        .find(|o| {
            let root = &o.object.root;
            text(root, "kind") == Some(kind)
                && root.get("metadata").and_then(|m| text(m, "name")) == Some(name)
        })
        .unwrap_or_else(|| panic!("no {kind} {name} on {}", cluster.cluster))
}

/// The node at a dotted path; numbers index lists.
fn at<'n>(node: &'n Node<Origin>, path: &str) -> Option<&'n Node<Origin>> {
    let mut node = node;
    for key in path.split('.') {
        node = match (key.parse::<usize>(), &node.value) {
            (Ok(i), NodeValue::Seq(items)) => items.get(i)?,
            _ => node.get(key)?,
        };
    }
    Some(node)
}

#[test]
fn each_cluster_receives_its_objects() {
    let fixture = Fixture::load();
    let render = fixture.render();
    let names: Vec<&str> = render.clusters.iter().map(|c| c.cluster.as_str()).collect();
    assert_eq!(names, vec!["hub", "production", "staging"]);
    for c in &render.clusters {
        assert!(c.problems.is_empty(), "{}: {:?}", c.cluster, c.problems);
        assert!(c.unknowns.is_empty(), "{}: {:?}", c.cluster, c.unknowns);
    }
    assert_eq!(
        inventory(cluster(&render, "hub")),
        vec![
            "ConfigMap flux-system/production-vars by flux-system/flux-system",
            "Kustomization flux-system/flux-system by flux-system/flux-system",
            "Kustomization flux-system/spokes by flux-system/flux-system",
            "GitRepository flux-system/flux-system by flux-system/flux-system",
            "Kustomization flux-system/production by flux-system/spokes",
            "Kustomization flux-system/staging by flux-system/spokes",
        ]
    );
    for env in ["staging", "production"] {
        assert_eq!(
            inventory(cluster(&render, env)),
            vec![
                format!("Namespace /podinfo-{env} by flux-system/{env}"),
                format!("ConfigMap flux-system/cluster-config by flux-system/{env}"),
                format!("Service podinfo-{env}/podinfo by flux-system/{env}"),
                format!("Deployment podinfo-{env}/podinfo by flux-system/{env}"),
            ]
        );
        // The spoke's Kustomization lives on the hub and applies to the spoke.
        let walked: Vec<String> = cluster(&render, env)
            .kustomizations
            .iter()
            .map(|k| {
                format!(
                    "{} on {} → {}",
                    k.kustomization, k.reconciled_on, k.applies_to
                )
            })
            .collect();
        assert_eq!(walked, vec![format!("flux-system/{env} on hub → {env}")]);
    }
    // Every file declaring objects is rendered by some cluster.
    assert!(
        render.unrendered_files.is_empty(),
        "{:?}",
        render.unrendered_files
    );
}

/// The production patch makes the container privileged, found at the patch's
/// line; staging's container is not privileged.
#[test]
fn privileged_comes_from_the_production_patch() {
    let fixture = Fixture::load();
    let render = fixture.render();
    let container = "spec.template.spec.containers.0";
    let production = &object(cluster(&render, "production"), "Deployment", "podinfo")
        .object
        .root;
    let privileged = at(
        production,
        &format!("{container}.securityContext.privileged"),
    )
    .expect("privileged");
    assert_eq!(privileged.value, NodeValue::Bool(true));
    assert_eq!(
        fixture.at(privileged.span),
        "apps/podinfo/overlays/production/privileged-patch.yaml:12:25"
    );
    let staging = &object(cluster(&render, "staging"), "Deployment", "podinfo")
        .object
        .root;
    assert!(at(staging, &format!("{container}.securityContext.privileged")).is_none());
    // The base's own setting stays located in the base.
    let escalation = at(
        staging,
        &format!("{container}.securityContext.allowPrivilegeEscalation"),
    )
    .expect("set");
    assert_eq!(
        fixture.at(escalation.span),
        "apps/podinfo/base/deployment.yaml:26:39"
    );
}

/// The base has no resources; every overlay adds them.
#[test]
fn resources_come_from_each_overlay() {
    let fixture = Fixture::load();
    let render = fixture.render();
    for env in ["staging", "production"] {
        let deployment = &object(cluster(&render, env), "Deployment", "podinfo")
            .object
            .root;
        let cpu = at(
            deployment,
            "spec.template.spec.containers.0.resources.requests.cpu",
        )
        .expect("cpu");
        assert_eq!(cpu.as_str(), Some("100m"));
        assert_eq!(
            fixture.at(cpu.span),
            format!("apps/podinfo/overlays/{env}/resources-patch.yaml:12:20")
        );
    }
}

/// `${cluster_env}` takes each spoke's value; the value is located at the
/// placeholder and its definition in the spoke's Kustomization.
#[test]
fn substituted_values_point_at_placeholder_and_definition() {
    let fixture = Fixture::load();
    let render = fixture.render();
    for env in ["staging", "production"] {
        let deployment = object(cluster(&render, env), "Deployment", "podinfo");
        let label = at(&deployment.object.root, "metadata.labels.env").expect("label");
        assert_eq!(label.as_str(), Some(env));
        assert_eq!(
            fixture.at(label.span),
            "apps/podinfo/base/deployment.yaml:8:10"
        );
        let records: Vec<String> = deployment
            .substitutions
            .iter()
            .map(|s| {
                let path: Vec<String> = s.path.iter().map(ToString::to_string).collect();
                format!(
                    "{} {} {} {}",
                    path.join("."),
                    fixture.at(s.placeholder),
                    s.variable,
                    s.defined_at.map(|d| fixture.at(d)).unwrap_or_default()
                )
            })
            .collect();
        assert_eq!(
            records,
            vec![format!(
                "metadata.labels.env apps/podinfo/base/deployment.yaml:8:10 cluster_env hub/spokes/{env}.yaml:16:7"
            )]
        );
    }
    // Production's region comes from the hub's ConfigMap through substituteFrom.
    let config = object(
        cluster(&render, "production"),
        "ConfigMap",
        "cluster-config",
    );
    let region = at(&config.object.root, "data.region").expect("region");
    assert_eq!(region.as_str(), Some("eu-west-1"));
    assert_eq!(
        fixture.at(region.span),
        "clusters/production/cluster-config.yaml:8:11"
    );
    let defined = config
        .substitutions
        .iter()
        .find(|s| s.variable == "cluster_region")
        .and_then(|s| s.defined_at)
        .expect("defined");
    assert_eq!(fixture.at(defined), "clusters/hub/production-vars.yaml:7:3");
}

/// `Namespace/_` of the base becomes each overlay's namespace.
#[test]
fn the_placeholder_namespace_is_renamed_per_overlay() {
    let fixture = Fixture::load();
    let render = fixture.render();
    for env in ["staging", "production"] {
        let namespace = object(
            cluster(&render, env),
            "Namespace",
            &format!("podinfo-{env}"),
        );
        let name = at(&namespace.object.root, "metadata.name").expect("name");
        assert_eq!(
            fixture.at(name.span),
            format!("apps/podinfo/overlays/{env}/kustomization.yaml:3:12")
        );
        assert_eq!(
            fixture.at(namespace.object.source),
            "apps/podinfo/base/namespace.yaml:2:1"
        );
    }
}

/// The hub's `spokes` Kustomization patches `prune` and `interval` into the
/// spokes' Kustomizations, which write neither.
#[test]
fn the_parent_patches_prune_and_interval_into_its_children() {
    let fixture = Fixture::load();
    let render = fixture.render();
    let hub = cluster(&render, "hub");
    for env in ["staging", "production"] {
        let child = &object(hub, "Kustomization", env).object.root;
        let prune = at(child, "spec.prune").expect("prune");
        assert_eq!(prune.value, NodeValue::Bool(true));
        assert_eq!(fixture.at(prune.span), "clusters/hub/spokes.yaml:20:18");
        let interval = at(child, "spec.interval").expect("interval");
        assert_eq!(interval.as_str(), Some("30m"));
        assert_eq!(fixture.at(interval.span), "clusters/hub/spokes.yaml:23:18");
    }
}
