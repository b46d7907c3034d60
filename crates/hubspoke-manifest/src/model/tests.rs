//! The model built from small repositories: placement, patches, clusters,
//! namespaces, references and cycles, end to end through [`RepoModel::build`].

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::*;
use crate::parse::ParsedFile;

mod bootstrap;
mod profile;

/// The model of a repository given as `(path, text)` pairs.
pub(super) fn model_of(files: &[(&str, &str)]) -> RepoModel {
    model_with(files, &ModelOptions::default())
}

/// [`model_of`] with `options`.
pub(super) fn model_with(files: &[(&str, &str)], options: &ModelOptions) -> RepoModel {
    let parsed: Vec<ParsedFile> = files
        .iter()
        .map(|(path, text)| {
            crate::parse::parse_text(path, path, *text, crate::yaml::ParseLimits::default())
        })
        .collect();
    let refs: Vec<&ParsedFile> = parsed.iter().collect();
    RepoModel::build(&refs, Path::new("/nonexistent-root"), options)
}

/// The object `name` of `file`.
pub(super) fn object<'m>(model: &'m RepoModel, file: &str, name: &str) -> &'m ModelObject {
    model
        .objects
        .iter()
        .find(|o| o.file == file && o.name == name)
        .expect("object in model")
}

/// The cluster `name`.
pub(super) fn cluster<'m>(model: &'m RepoModel, name: &str) -> &'m Cluster {
    model
        .clusters
        .iter()
        .find(|c| c.name == name)
        .expect("cluster in model")
}

const HUB_SPOKE_EXAMPLE: &[(&str, &str)] = &[
        ("hub/flux-system/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [gotk-sync.yaml]\n"),
        ("hub/flux-system/gotk-sync.yaml", "# generated at bootstrap\n"),
        ("hub/edge.yaml", r#"
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: addons, namespace: edge}
spec:
  targetNamespace: edge
  path: ./clusters/edge/addons
  sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
  patches:
    - target:
        kind: HelmRelease
        name: "(cert|metrics)-.*"
        labelSelector: "tier=addon"
      patch: |
        - op: add
          path: /spec/kubeConfig
          value:
            secretRef:
              name: cluster-kubeconfig
    - patch: |
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: nested
        spec:
          kubeConfig:
            secretRef:
              name: cluster-kubeconfig
"#),
        ("clusters/edge/addons/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [releases.yaml, nested.yaml]\n"),
        ("clusters/edge/addons/releases.yaml", r#"
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: cert-manager, labels: {tier: addon}}
spec: {chart: {spec: {chart: cert-manager}}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: metrics-server, labels: {tier: debug}}
spec: {chart: {spec: {chart: metrics-server}}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, labels: {tier: addon}}
spec: {chart: {spec: {chart: podinfo}}}
"#),
        ("clusters/edge/addons/nested.yaml", r#"
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: nested}
spec:
  path: ./clusters/edge/nested
  sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
"#),
        ("clusters/edge/nested/config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nested, namespace: default}\n"),
    ];

#[test]
fn patches_that_add_a_kubeconfig_send_their_targets_to_the_spoke() {
    let model = model_of(HUB_SPOKE_EXAMPLE);
    // hub/flux-system/ makes "hub" a cluster; its Kustomizations run there.
    assert_eq!(cluster(&model, "hub").directory.as_deref(), Some("hub"));
    assert_eq!(cluster(&model, "hub").role, "hub");
    assert_eq!(cluster(&model, "edge").role, "spoke");
    let release = |name: &str| {
        let id = object(&model, "clusters/edge/addons/releases.yaml", name).id;
        model
            .helm_releases
            .iter()
            .find(|h| h.object == id)
            .expect("helm release")
    };
    // Kind, name pattern and label selector all match: installed into edge.
    let cert_manager = release("cert-manager");
    assert_eq!(
        cert_manager.kubeconfig_secret.as_deref(),
        Some("cluster-kubeconfig")
    );
    assert_eq!(cert_manager.source_clusters, ["hub"]);
    assert_eq!(cert_manager.target_clusters, ["edge"]);
    let origin = cert_manager.kubeconfig_from.as_ref().expect("origin");
    assert_eq!(
        origin.path,
        [Value::from("spec"), Value::from("patches"), Value::from(0)]
    );
    // The label selector excludes metrics-server, the name pattern podinfo.
    assert_eq!(release("metrics-server").kubeconfig_secret, None);
    assert_eq!(release("metrics-server").target_clusters, ["hub"]);
    assert_eq!(release("podinfo").kubeconfig_secret, None);
    // A strategic-merge patch targets the Kustomization of its own kind and name.
    let nested = object(&model, "clusters/edge/addons/nested.yaml", "nested").id;
    let fk = model
        .flux_kustomizations
        .iter()
        .find(|f| f.object == nested)
        .expect("nested kustomization");
    assert_eq!(fk.kubeconfig_secret.as_deref(), Some("cluster-kubeconfig"));
    assert_eq!(fk.source_clusters, ["hub"]);
    assert_eq!(fk.target_clusters, ["edge"]);
    assert_eq!(
        object(&model, "clusters/edge/nested/config.yaml", "nested").clusters,
        ["edge"]
    );
    // The patching Kustomization reconciles edge through its patches.
    let addons = model
        .flux_kustomizations
        .iter()
        .position(|f| model.objects[f.object].name == "addons")
        .expect("addons");
    assert!(cluster(&model, "edge").reconciled_by.contains(&addons));
    assert_eq!(
        model.flux_kustomizations[addons].kubeconfig_patches.len(),
        2
    );
}

#[test]
fn a_patch_target_that_does_not_compile_patches_nothing() {
    // kustomize fails the build on such a target: no release is sent to the spoke.
    let broken: Vec<(&str, String)> = HUB_SPOKE_EXAMPLE
        .iter()
        .map(|(path, text)| (*path, text.replace("(cert|metrics)-.*", "(cert|metrics-.*")))
        .collect();
    assert_ne!(
        broken[2].1, HUB_SPOKE_EXAMPLE[2].1,
        "the target was rewritten"
    );
    let files: Vec<(&str, &str)> = broken.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let model = model_of(&files);
    let id = object(&model, "clusters/edge/addons/releases.yaml", "cert-manager").id;
    let cert_manager = model
        .helm_releases
        .iter()
        .find(|h| h.object == id)
        .expect("helm release");
    assert_eq!(cert_manager.kubeconfig_secret, None);
    assert_eq!(cert_manager.target_clusters, ["hub"]);
    let addons = flux_kustomization(&model, "addons");
    let patch = &addons.kubeconfig_patches[0];
    assert_eq!(
        patch.path,
        [Value::from("spec"), Value::from("patches"), Value::from(0)]
    );
    assert_eq!((patch.objects.len(), patch.clusters.len()), (0, 0));
    // The other patch of the same Kustomization still applies.
    assert_eq!(addons.kubeconfig_patches[1].clusters, ["edge"]);
}

#[test]
fn patch_files_define_nothing_and_are_not_applied() {
    let model = model_of(&[
            ("clusters/dev/sync.yaml", r#"
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: tenants, namespace: flux-system}
spec:
  path: ./tenants/dev
  sourceRef: {kind: GitRepository, name: flux-system}
"#),
            ("tenants/base/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: apps\nresources: [sync.yaml, rbac.yaml]\n"),
            ("tenants/base/sync.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: dev-team}\nspec: {serviceAccountName: dev-team}\n"),
            ("tenants/base/rbac.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: dev-team}\n"),
            ("tenants/dev/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../base]\npatches:\n  - path: patch.yaml\n"),
            ("tenants/dev/patch.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: dev-team, namespace: apps}\nspec: {path: ./dev}\n"),
        ]);
    let patch = object(&model, "tenants/dev/patch.yaml", "dev-team");
    assert!(patch.patch);
    assert!(!object(&model, "tenants/base/sync.yaml", "dev-team").patch);
    let tenants = model
        .flux_kustomizations
        .iter()
        .find(|f| model.objects[f.object].name == "tenants")
        .expect("tenants");
    assert!(!tenants.files.iter().any(|f| f == "tenants/dev/patch.yaml"));
    assert!(tenants.files.iter().any(|f| f == "tenants/base/sync.yaml"));
    // The patch is neither indexed nor a Flux Kustomization of its own.
    assert_eq!(
        model.index["kustomize.toolkit.fluxcd.io/Kustomization/apps/dev-team"].len(),
        1
    );
    assert!(!model
        .flux_kustomizations
        .iter()
        .any(|f| f.object == patch.id));
    // kustomize's namespace never applies to cluster-scoped kinds.
    assert_eq!(
        object(&model, "tenants/base/rbac.yaml", "dev-team").effective_namespace,
        None
    );
    assert_eq!(
        object(&model, "tenants/base/sync.yaml", "dev-team")
            .effective_namespace
            .as_deref(),
        Some("apps")
    );
    // Without a committed flux-system sync, a cluster directory still runs its Kustomizations.
    assert_eq!(tenants.source_clusters, ["dev"]);
    assert_eq!(
        object(&model, "tenants/base/sync.yaml", "dev-team").clusters,
        ["dev"]
    );
}

#[test]
fn a_target_namespace_overrides_every_other_namespace() {
    let model = model_of(&[
            ("clusters/home/apps.yaml", r#"
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: media, namespace: flux-system}
spec:
  path: ./apps/media
  targetNamespace: media
  sourceRef: {kind: GitRepository, name: flux-system}
"#),
            // Above the applied directory, including only the Flux Kustomization's file.
            ("apps/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: default\nresources: [other.yaml]\n"),
            ("apps/other.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n"),
            ("apps/media/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: video\nresources: [release.yaml]\n"),
            ("apps/media/release.yaml", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: jellyfin}\n---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: sonarr, namespace: default}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\n"),
        ]);
    let namespace = |file: &str, name: &str| object(&model, file, name).effective_namespace.clone();
    // kustomize-controller sets targetNamespace over the build: over an enclosing
    // kustomization.yaml's namespace and over the object's own.
    assert_eq!(
        namespace("apps/media/release.yaml", "jellyfin").as_deref(),
        Some("media")
    );
    assert_eq!(
        namespace("apps/media/release.yaml", "sonarr").as_deref(),
        Some("media")
    );
    // Never on cluster-scoped kinds.
    assert_eq!(namespace("apps/media/release.yaml", "reader"), None);
    // Not applied by that Kustomization: its enclosing kustomization.yaml's.
    assert_eq!(
        namespace("apps/other.yaml", "other").as_deref(),
        Some("default")
    );
    assert_eq!(
        model.index["helm.toolkit.fluxcd.io/HelmRelease/media/sonarr"].len(),
        1
    );
}

#[test]
fn components_of_a_flux_kustomization_are_applied_with_its_target_namespace() {
    let model = model_of(&[
            ("apps/atuin/ks.yaml", r#"
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: atuin, namespace: flux-system}
spec:
  path: ./apps/atuin/app
  targetNamespace: development
  components: [../../../components/cnpg/, ../../../components/missing, "https://example.com/c"]
  sourceRef: {kind: GitRepository, name: flux-system}
"#),
            ("apps/atuin/app/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [release.yaml]\n"),
            ("apps/atuin/app/release.yaml", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: atuin}\n"),
            ("components/cnpg/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [seed.job.yaml]\n"),
            ("components/cnpg/seed.job.yaml", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: seed}\n"),
        ]);
    let atuin = &model.flux_kustomizations[0];
    assert_eq!(
        atuin.files,
        [
            "apps/atuin/app/kustomization.yaml",
            "apps/atuin/app/release.yaml",
            "components/cnpg/kustomization.yaml",
            "components/cnpg/seed.job.yaml"
        ]
    );
    assert_eq!(
        object(&model, "components/cnpg/seed.job.yaml", "seed")
            .effective_namespace
            .as_deref(),
        Some("development")
    );
}

#[test]
fn generator_inputs_and_helm_values_are_data_not_objects() {
    let model = model_of(&[
            ("clusters/home/apps.yaml", r#"
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  path: ./apps
  sourceRef: {kind: GitRepository, name: flux-system}
"#),
            ("apps/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deployment.yaml, shared.yaml]\nconfigMapGenerator:\n  - name: config\n    files: [app.yaml, shared.yaml, 'kube=scheduler.yaml']\nsecretGenerator:\n  - name: env\n    envs: [secret.yaml]\nhelmCharts:\n  - name: mosquitto\n    valuesFile: values.yaml\n    additionalValuesFiles: [values-home.yaml, missing.yaml]\n"),
            ("apps/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"),
            // Shaped like objects, named only as generator input or Helm values.
            ("apps/app.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"),
            ("apps/scheduler.yaml", "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"),
            ("apps/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"),
            ("apps/values.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: v}\n"),
            ("apps/values-home.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: w}\n"),
            // Also a resource: a manifest, whatever else reads it.
            ("apps/shared.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\n"),
        ]);
    assert_eq!(
        model
            .data_files
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        [
            "apps/app.yaml",
            "apps/scheduler.yaml",
            "apps/secret.yaml",
            "apps/values-home.yaml",
            "apps/values.yaml"
        ]
    );
    let objects: Vec<(&str, &str)> = model
        .objects
        .iter()
        .map(|o| (o.file.as_str(), o.name.as_str()))
        .collect();
    assert_eq!(
        objects,
        [
            ("clusters/home/apps.yaml", "apps"),
            ("apps/deployment.yaml", "web"),
            ("apps/shared.yaml", "shared")
        ]
    );
    // Ids stay indices after the data files are left out.
    assert!(model.objects.iter().enumerate().all(|(i, o)| o.id == i));
    assert_eq!(model.index["apps/Deployment//web"], [1]);
    // Helm values are references like any path of a kustomization.yaml (a missing one
    // breaks `kustomize build`).
    let values: Vec<(&str, bool)> = model.kustomize_files[0]
        .references
        .iter()
        .filter(|r| r.path.first() == Some(&Value::from("helmCharts")))
        .map(|r| (r.target.as_str(), r.exists))
        .collect();
    assert_eq!(
        values,
        [
            ("apps/values.yaml", true),
            ("apps/values-home.yaml", true),
            ("apps/missing.yaml", false)
        ]
    );
}

#[test]
fn a_source_on_another_branch_is_not_this_repository() {
    let model = model_of(&[
        (
            "clusters/dev/flux-system/gotk-sync.yaml",
            r#"
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system, namespace: flux-system}
spec: {url: "https://github.com/org/fleet", ref: {branch: main}}
"#,
        ),
        (
            "clusters/dev/sources.yaml",
            r#"
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: same, namespace: flux-system}
spec: {url: "ssh://git@github.com/org/fleet.git", ref: {branch: main}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: tenant-branch, namespace: flux-system}
spec: {url: "https://github.com/org/fleet", ref: {branch: dev-team}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: a, namespace: flux-system}
spec: {path: ./missing, sourceRef: {kind: GitRepository, name: same}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: b, namespace: flux-system}
spec: {sourceRef: {kind: GitRepository, name: tenant-branch}}
"#,
        ),
    ]);
    let local = |name: &str| {
        model
            .flux_kustomizations
            .iter()
            .find(|f| model.objects[f.object].name == name)
            .expect("kustomization")
            .local_source
    };
    assert!(local("a"));
    // Same URL, other branch: another tree, so its (default) path is not this root.
    assert!(!local("b"));
}

#[test]
fn dependency_cycles_are_found_once_within_a_cluster() {
    let ks = |name: &str, deps: &[&str]| {
        let deps: String = deps.iter().map(|d| format!("    - name: {d}\n")).collect();
        format!(
                "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  dependsOn:\n{deps}  path: ./none\n  sourceRef: {{kind: GitRepository, name: flux-system}}\n"
            )
    };
    let production = [
        ks("c", &["a"]),
        ks("a", &["b"]),
        ks("b", &["c"]),
        ks("d", &["d"]),
    ]
    .concat();
    // On staging the edges run the other way: no cycle with production's objects.
    let staging = [ks("apps", &["infra"]), ks("infra", &[])].concat();
    let production_apps = [ks("infra", &["apps"]), ks("apps", &[])].concat();
    let model = model_of(&[
        ("clusters/production/order.yaml", production.as_str()),
        ("clusters/production/apps.yaml", production_apps.as_str()),
        ("clusters/staging/order.yaml", staging.as_str()),
    ]);
    let names: Vec<Vec<&str>> = model
        .dependency_cycles
        .iter()
        .map(|c| {
            c.iter()
                .map(|&id| model.objects[id].name.as_str())
                .collect()
        })
        .collect();
    assert_eq!(names, [vec!["a", "b", "c"], vec!["d"]]);
}

const REFERENCES: &[(&str, &str)] = &[
        (
            "clusters/dev/sources.yaml",
            r#"
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: platform, namespace: flux-system}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts}
"#,
        ),
        (
            "clusters/dev/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: apps\nresources: [sources.yaml, apps.yaml]\n",
        ),
        (
            "clusters/dev/apps.yaml",
            r#"
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: web}
spec:
  sourceRef: {kind: GitRepository, name: platform, namespace: flux-system}
  dependsOn:
    - name: base
    - name: ${CLUSTER_NAME}-infra
  postBuild:
    substituteFrom:
      - {kind: ConfigMap, name: settings, namespace: elsewhere, optional: true}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web}
spec:
  chart: {spec: {chart: web, sourceRef: {kind: HelmRepository, name: charts}}}
  valuesFrom:
    - {kind: Secret, name: web-values}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: api, namespace: apps}
spec:
  chartRef: {kind: OCIRepository, name: api-chart}
"#,
        ),
    ];

/// The Flux Kustomization `name`.
pub(super) fn flux_kustomization<'m>(model: &'m RepoModel, name: &str) -> &'m FluxKustomization {
    model
        .flux_kustomizations
        .iter()
        .find(|f| model.objects[f.object].name == name)
        .expect("flux kustomization")
}

fn helm_release<'m>(model: &'m RepoModel, name: &str) -> &'m HelmRelease {
    model
        .helm_releases
        .iter()
        .find(|h| model.objects[h.object].name == name)
        .expect("helm release")
}

#[test]
fn references_resolve_in_the_written_namespace_else_the_referrers() {
    let model = model_of(REFERENCES);
    let platform = object(&model, "clusters/dev/sources.yaml", "platform").id;
    let charts = object(&model, "clusters/dev/sources.yaml", "charts").id;
    let path = |p: &[&str]| p.iter().map(|s| Value::from(*s)).collect::<Vec<_>>();
    let web = flux_kustomization(&model, "web");
    // Across namespaces: the Kustomization is in apps, its source in flux-system.
    assert_eq!(
        web.source,
        Some(ObjectRef {
            kind: "GitRepository".to_owned(),
            name: "platform".to_owned(),
            namespace: Some("flux-system".to_owned()),
            object: Some(platform),
            unresolved: false,
            optional: false,
            path: path(&["spec", "sourceRef"]),
        })
    );
    // No namespace written: the HelmRelease's own, apps from the enclosing
    // kustomization.yaml, where the HelmRepository also lands.
    let chart = helm_release(&model, "web")
        .chart_source
        .as_ref()
        .expect("chart source");
    assert_eq!(chart.namespace.as_deref(), Some("apps"));
    assert_eq!(chart.object, Some(charts));
    assert_eq!(chart.path, path(&["spec", "chart", "spec", "sourceRef"]));
    // Missing targets stay, with no object.
    let base = &web.depends_on[0];
    assert_eq!(
        (
            base.kind.as_str(),
            base.name.as_str(),
            base.namespace.as_deref()
        ),
        ("Kustomization", "base", Some("apps"))
    );
    assert!(base.is_dangling());
    assert_eq!(
        base.path,
        [
            Value::from("spec"),
            Value::from("dependsOn"),
            Value::from(0)
        ]
    );
    let values = &helm_release(&model, "web").values_from[0];
    assert_eq!((values.kind.as_str(), values.object), ("Secret", None));
    let api = helm_release(&model, "api")
        .chart_source
        .as_ref()
        .expect("chartRef");
    assert_eq!(
        (api.kind.as_str(), api.object, api.path.clone()),
        ("OCIRepository", None, path(&["spec", "chartRef"]))
    );
    // A substituted name is not dangling: only the cluster knows it.
    let templated = &web.depends_on[1];
    assert!(templated.unresolved && !templated.is_dangling());
    // substituteFrom has no namespace field: Flux reads the Kustomization's own.
    let settings = &web.substitute_from[0];
    assert_eq!(settings.namespace.as_deref(), Some("apps"));
    assert!(settings.optional);
}

#[test]
fn a_reference_prefers_the_definition_on_the_referrers_cluster() {
    let ks = |name: &str, deps: &str| {
        format!(
                "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: {name}, namespace: flux-system}}\nspec: {{dependsOn: [{deps}], path: ./none, sourceRef: {{kind: GitRepository, name: flux-system}}}}\n"
            )
    };
    let production = [ks("infra", ""), ks("apps", "{name: infra}")].concat();
    let staging = [ks("infra", ""), ks("apps", "{name: infra}")].concat();
    let model = model_of(&[
        ("clusters/production/sync.yaml", production.as_str()),
        ("clusters/staging/sync.yaml", staging.as_str()),
    ]);
    for cluster in ["production", "staging"] {
        let file = format!("clusters/{cluster}/sync.yaml");
        let apps = object(&model, &file, "apps").id;
        let infra = object(&model, &file, "infra").id;
        let fk = model
            .flux_kustomizations
            .iter()
            .find(|f| f.object == apps)
            .expect("apps");
        assert_eq!(fk.depends_on[0].object, Some(infra), "{cluster}");
    }
    assert_eq!(
        model.directory_clusters,
        BTreeMap::from([
            (
                "clusters/production".to_owned(),
                vec!["production".to_owned()]
            ),
            ("clusters/staging".to_owned(), vec!["staging".to_owned()]),
        ])
    );
}

#[test]
fn objects_are_placed_at_their_name() {
    let model = model_of(REFERENCES);
    let position = |file: &str, name: &str| {
        let o = object(&model, file, name);
        (o.line, o.column)
    };
    // Flow mappings: `metadata: {name: platform, ...}` on line 4 of the file.
    assert_eq!(position("clusters/dev/sources.yaml", "platform"), (4, 18));
    assert_eq!(position("clusters/dev/sources.yaml", "charts"), (8, 18));
    let nameless = model_of(&[("x.yaml", "apiVersion: v1\nkind: ConfigMap\n")]);
    // Without a name, the kind.
    assert_eq!(
        (nameless.objects[0].line, nameless.objects[0].column),
        (2, 1)
    );
}
