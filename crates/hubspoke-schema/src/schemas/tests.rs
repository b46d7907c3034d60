//! Validation end to end: findings, their places and messages, for Kubernetes
//! objects, repository CRDs, the embedded Flux CRDs and kustomize patches.

use hubspoke_manifest::{parse_text, ObjectMeta, ParseLimits, ParsedFile};

use super::field_path::dotted;
use super::flux::parsed_group_kind;
use super::*;
use crate::bundle;
use crate::rules;

fn parse(name: &str, text: &str) -> ParsedFile {
    parse_text(name, name, text.to_owned(), ParseLimits::default())
}

fn run_files(files: &[ParsedFile], options: SchemaOptions) -> Vec<Finding> {
    let schemas = Schemas::new(options, files).expect("schemas load");
    let mut out = schemas.validate_files(files);
    hubspoke_diagnostics::sort_findings(&mut out);
    out
}

fn run(text: &str, options: SchemaOptions) -> Vec<Finding> {
    run_files(&[parse("t.yaml", text)], options)
}

fn strict() -> SchemaOptions {
    SchemaOptions {
        strict: true,
        ..SchemaOptions::default()
    }
}

/// (rule, line, column) of every finding.
fn places(findings: &[Finding]) -> Vec<(String, u32, u32)> {
    findings
        .iter()
        .map(|f| {
            let r = f.region.expect("located");
            (f.rule.clone(), r.start.line, r.start.column)
        })
        .collect()
}

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: team-a
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: nginx:1.27
          imagePullPolicy: IfNotPresent
          ports:
            - containerPort: 8080
";

#[test]
fn a_valid_deployment_has_no_findings_even_when_strict() {
    assert_eq!(run(DEPLOYMENT, strict()), vec![]);
}

#[test]
fn a_typo_is_an_unknown_field_at_its_key_in_strict_mode_only() {
    let text = DEPLOYMENT.replace("imagePullPolicy:", "imagePullPolicyy:");
    let found = run(&text, strict());
    assert_eq!(places(&found), vec![(UNKNOWN_FIELD_ID.to_owned(), 17, 11)]);
    let f = &found[0];
    assert_eq!(
            f.message,
            "Deployment `web`: unknown field `spec.template.spec.containers[0].imagePullPolicyy` (did you mean `imagePullPolicy`?): the Kubernetes 1.37.0 apps/v1 Deployment schema does not define it"
        );
    let region = f.region.expect("region");
    assert_eq!((region.end.line, region.end.column), (17, 27));
    assert_eq!(run(&text, SchemaOptions::default()), vec![]);
}

#[test]
fn a_wrong_type_points_at_the_value() {
    let text = DEPLOYMENT.replace("replicas: 2", "replicas: three");
    let found = run(&text, SchemaOptions::default());
    assert_eq!(places(&found), vec![(INVALID_ID.to_owned(), 7, 13)]);
    assert_eq!(
        found[0].message,
        "Deployment `web`: `spec.replicas`: expected an integer, found the string \"three\""
    );
    let text = DEPLOYMENT.replace("containerPort: 8080", "containerPort: \"8080\"");
    let found = run(&text, SchemaOptions::default());
    assert_eq!(places(&found), vec![(INVALID_ID.to_owned(), 19, 30)]);
}

#[test]
fn a_missing_required_field_points_at_its_parent_key() {
    let text = DEPLOYMENT.replace("  selector:\n    matchLabels: {app: web}\n", "");
    let found = run(&text, SchemaOptions::default());
    assert_eq!(places(&found), vec![(INVALID_ID.to_owned(), 6, 1)]);
    assert_eq!(
        found[0].message,
        "Deployment `web`: `spec.selector` is required"
    );
}

#[test]
fn placeholders_match_any_scalar_type() {
    let text = DEPLOYMENT
        .replace("replicas: 2", "replicas: ${replicas:=2}")
        .replace(
            "imagePullPolicy: IfNotPresent",
            "imagePullPolicy: \"{{ .Values.pullPolicy }}\"",
        )
        .replace("containerPort: 8080", "containerPort: \"${port}\"");
    assert_eq!(run(&text, strict()), vec![]);
    // A placeholder inside a larger string is a scalar: it cannot stand for a mapping.
    let text = DEPLOYMENT.replace(
        "          ports:\n            - containerPort: 8080\n",
        "          resources: \"limits-${size}\"\n",
    );
    let found = run(&text, SchemaOptions::default());
    assert_eq!(places(&found), vec![(INVALID_ID.to_owned(), 18, 22)]);
}

#[test]
fn sops_documents_are_validated_without_sops_and_with_encrypted_values() {
    let text = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ENC[AES256_GCM,data:Mw==,iv:abc=,tag:def==,type:int]
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx}]
sops:
  mac: ENC[AES256_GCM,data:xyz,type:str]
  version: 3.8.1
";
    assert_eq!(run(text, strict()), vec![]);
    // Outside a SOPS document, ENC[...] is just a string.
    let plain = text.split("sops:").next().expect("head").to_owned();
    assert_eq!(
        places(&run(&plain, strict())),
        vec![(INVALID_ID.to_owned(), 5, 13)]
    );
}

const WIDGET_CRD: &str = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: {type: integer, minimum: 1}
                port: {x-kubernetes-int-or-string: true}
                note: {type: string, nullable: true}
                extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
";

#[test]
fn repository_crds_become_schemas() {
    let widget = "\
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec:
  size: 0
  port: http
  note: null
  extra: {anything: [1, 2]}
  colour: blue
";
    let files = [parse("crd.yaml", WIDGET_CRD), parse("w.yaml", widget)];
    let found = run_files(&files, strict());
    assert_eq!(
        places(&found),
        vec![
            (INVALID_ID.to_owned(), 5, 9),
            (UNKNOWN_FIELD_ID.to_owned(), 9, 3)
        ]
    );
    assert_eq!(found[0].file, "w.yaml");
    assert!(
        found[1]
            .message
            .contains("CustomResourceDefinition in the repository"),
        "{}",
        found[1].message
    );
    // Not strict: colour is fine.
    assert_eq!(
        places(&run_files(&files, SchemaOptions::default())).len(),
        1
    );
}

#[test]
fn repository_crds_take_precedence_over_embedded_ones() {
    let crd = WIDGET_CRD
        .replace("group: example.com", "group: kustomize.toolkit.fluxcd.io")
        .replace(
            "kind: Widget, plural: widgets",
            "kind: Kustomization, plural: kustomizations",
        );
    let ks = "\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  size: 3
";
    let files = [parse("crd.yaml", &crd), parse("ks.yaml", ks)];
    assert_eq!(run_files(&files, strict()), vec![]);
    // Without the CRD, the embedded Flux schema says `size` is unknown and more is required.
    let alone = run_files(&files[1..], strict());
    assert!(
        alone
            .iter()
            .any(|f| f.rule == UNKNOWN_FIELD_ID && f.message.contains("`spec.size`")),
        "{alone:#?}"
    );
    assert!(
        alone
            .iter()
            .any(|f| f.rule == INVALID_ID && f.message.contains("`spec.sourceRef` is required")),
        "{alone:#?}"
    );
}

#[test]
fn a_malformed_crd_is_reported_on_the_crd_and_its_kind_falls_back() {
    let crd = WIDGET_CRD.replace("size: {type: integer, minimum: 1}", "size: {type: int}");
    let widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 2}\n";
    let files = [parse("crd.yaml", &crd), parse("w.yaml", widget)];
    let found = run_files(&files, SchemaOptions::default());
    assert_eq!(
        places(&found),
        vec![
            (INVALID_CRD_ID.to_owned(), 21, 30),
            (UNKNOWN_KIND_ID.to_owned(), 2, 7),
        ]
    );
    assert!(found[0].message.starts_with("CustomResourceDefinition `widgets.example.com`: Widget example.com/v1: invalid openAPIV3Schema: `type` must be one of"), "{}", found[0].message);
    // The object is told that its kind has a CRD, an invalid one, and where.
    assert_eq!(
            found[1].message,
            "Widget `w`: no schema for example.com/v1 Widget: the repository's CustomResourceDefinition for it (crd.yaml:21:30) is invalid (see schema/invalid-crd there), and neither Kubernetes 1.37.0 nor Flux has one; not validated"
        );
    let related: Vec<(&str, u32, u32)> = found[1]
        .related
        .iter()
        .map(|r| {
            let at = r.region.expect("region").start;
            (r.file.as_str(), at.line, at.column)
        })
        .collect();
    assert_eq!(related, vec![("crd.yaml", 21, 30)]);

    // A schema that converts but does not compile (a bad regex) is found when first used,
    // and reported at the offending value, not at `openAPIV3Schema`.
    let crd = WIDGET_CRD.replace("minimum: 1}", "pattern: \"([\"}");
    let files = [parse("crd.yaml", &crd), parse("w.yaml", widget)];
    let found = run_files(&files, SchemaOptions::default());
    assert_eq!(
        places(&found),
        vec![
            (INVALID_CRD_ID.to_owned(), 21, 48),
            (UNKNOWN_KIND_ID.to_owned(), 2, 7),
        ]
    );
    assert_eq!(
            found[0].message,
            "CustomResourceDefinition `widgets.example.com`: its schema cannot be compiled: \"([\" is not a \"regex\""
        );
    assert_eq!(
        dotted(&found[0].path),
        "spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.size.pattern"
    );
    assert_eq!(found[1].message, "Widget `w`: no schema for example.com/v1 Widget: the repository's CustomResourceDefinition for it (crd.yaml:14:9) is invalid (see schema/invalid-crd there), and neither Kubernetes 1.37.0 nor Flux has one; not validated");

    // A Flux kind whose repository CRD does not compile falls back to the embedded schema.
    let crd = WIDGET_CRD
        .replace("group: example.com", "group: kustomize.toolkit.fluxcd.io")
        .replace(
            "kind: Widget, plural: widgets",
            "kind: Kustomization, plural: kustomizations",
        )
        .replace("minimum: 1}", "pattern: \"([\"}");
    let ks = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec:\n  interval: 10m\n  prune: yes-please\n  sourceRef: {kind: GitRepository, name: flux-system}\n";
    let files = [parse("crd.yaml", &crd), parse("ks.yaml", ks)];
    let found = run_files(&files, SchemaOptions::default());
    assert_eq!(
        places(&found),
        vec![
            (INVALID_CRD_ID.to_owned(), 21, 48),
            (INVALID_ID.to_owned(), 6, 10),
        ]
    );
    assert_eq!(
        found[1].message,
        "Kustomization `apps`: `spec.prune`: expected a boolean, found the string \"yes-please\""
    );
}

#[test]
fn unknown_kinds_are_configurable_and_name_the_known_versions() {
    let text = DEPLOYMENT.replace("apps/v1", "apps/v1beta1");
    let found = run(&text, SchemaOptions::default());
    assert_eq!(places(&found), vec![(UNKNOWN_KIND_ID.to_owned(), 1, 13)]);
    assert_eq!(found[0].severity, Severity::Note);
    assert!(found[0].message.ends_with("no schema for apps/v1beta1 Deployment (Kubernetes 1.37.0, Flux, repository CRDs); Deployment has a schema in v1 only — a removed or misspelt API version?; not validated"), "{}", found[0].message);
    let warning = run(
        &text,
        SchemaOptions {
            unknown_schema: UnknownSchema::Warning,
            ..SchemaOptions::default()
        },
    );
    assert_eq!(warning[0].severity, Severity::Warning);
    let off = run(
        &text,
        SchemaOptions {
            unknown_schema: UnknownSchema::Off,
            ..SchemaOptions::default()
        },
    );
    assert_eq!(off, vec![]);
    let widget = run(
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n",
        SchemaOptions::default(),
    );
    assert_eq!(places(&widget), vec![(UNKNOWN_KIND_ID.to_owned(), 2, 7)]);
}

#[test]
fn the_kubernetes_version_selects_the_schemas() {
    let text = "apiVersion: flowcontrol.apiserver.k8s.io/v1\nkind: PriorityLevelConfiguration\nmetadata: {name: p}\nspec: {type: Exempt}\n";
    assert_eq!(run(text, SchemaOptions::default()), vec![]);
    let old = SchemaOptions {
        kubernetes_version: Some("1.25".to_owned()),
        ..SchemaOptions::default()
    };
    let found = run(text, old.clone());
    assert_eq!(places(&found), vec![(UNKNOWN_KIND_ID.to_owned(), 1, 13)]);
    assert!(
        found[0].message.contains("Kubernetes 1.25.0"),
        "{}",
        found[0].message
    );
    let bad = SchemaOptions {
        kubernetes_version: Some("1.99".to_owned()),
        ..SchemaOptions::default()
    };
    match Schemas::new(bad, &[]) {
        Err(SchemaError::UnknownVersion(message)) => {
            assert!(message.contains("1.37.0"), "{message}")
        }
        _ => panic!("1.99 accepted"),
    }
}

#[test]
fn flux_kinds_use_the_embedded_crds() {
    let text = "\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, namespace: apps}
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      sourceRef: {kind: HelmRepository, name: podinfo}
  values:
    anything: {goes: [here]}
  upgrade:
    remediation: {retries: three}
  installl: {}
";
    let found = run(text, strict());
    assert_eq!(
        places(&found),
        vec![
            (INVALID_ID.to_owned(), 13, 28),
            (UNKNOWN_FIELD_ID.to_owned(), 14, 3)
        ]
    );
    assert!(
        found[1].message.contains("did you mean `install`?"),
        "{}",
        found[1].message
    );
}

#[test]
fn flux_operator_kinds_use_the_embedded_crds() {
    // A FluxInstance as the operator's examples write it: valid, strictly.
    let valid = "\
apiVersion: fluxcd.controlplane.io/v1
kind: FluxInstance
metadata: {name: flux, namespace: flux-system}
spec:
  distribution: {version: 2.7.x, registry: ghcr.io/fluxcd}
  cluster: {type: kubernetes, multitenant: true, tenantDefaultServiceAccount: flux}
  sync: {kind: GitRepository, url: 'https://github.com/x/y.git', ref: refs/heads/main, path: clusters/a}
---
apiVersion: fluxcd.controlplane.io/v1
kind: ResourceSet
metadata: {name: apps, namespace: flux-system}
spec:
  inputs: [{tenant: a, replicas: 2}]
  resources: [{apiVersion: v1, kind: Namespace, metadata: {name: a}}]
";
    assert_eq!(places(&run(valid, strict())), vec![]);
    // Malformed content is reported at its line: a string where a boolean goes, an
    // unknown sync kind, a sync without its required url, ref and path, a misspelt field.
    let invalid = "\
apiVersion: fluxcd.controlplane.io/v1
kind: FluxInstance
metadata: {name: flux, namespace: flux-system}
spec:
  distribution: {version: 2.7.x, registry: ghcr.io/fluxcd}
  cluster:
    multitenant: \"yes\"
  sync:
    kind: HelmRepository
  wiat: true
";
    let found = run(invalid, strict());
    assert_eq!(
        places(&found),
        vec![
            (INVALID_ID.to_owned(), 7, 18),
            // One finding per missing field: url, ref, path.
            (INVALID_ID.to_owned(), 8, 3),
            (INVALID_ID.to_owned(), 8, 3),
            (INVALID_ID.to_owned(), 8, 3),
            (INVALID_ID.to_owned(), 9, 11),
            (UNKNOWN_FIELD_ID.to_owned(), 10, 3)
        ],
        "{found:#?}"
    );
    assert!(found[1].message.contains("path"), "{}", found[1].message);
}

#[test]
fn a_malformed_artifact_generator_is_reported_at_its_line() {
    // The model reads what it can of it (outputs without a name generate nothing); schema
    // validation says what is wrong, where.
    let text = "\
apiVersion: source.extensions.fluxcd.io/v1beta1
kind: ArtifactGenerator
metadata: {name: podinfo, namespace: apps}
spec:
  sources:
    - {alias: repo, kind: GitRepository, name: podinfo}
  artifacts: not-a-list
";
    let found = run(text, strict());
    assert_eq!(
        places(&found),
        vec![(INVALID_ID.to_owned(), 7, 14)],
        "{found:#?}"
    );
}

#[test]
fn alerts_and_receivers_accept_the_flux_operator_kinds() {
    // The Flux Operator patches notification-controller's CRDs to accept its kinds.
    let text = "\
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: flux, namespace: flux-system}
spec:
  providerRef: {name: slack}
  eventSources:
    - {kind: FluxInstance, name: flux}
    - {kind: ResourceSet, name: '*'}
    - {kind: Deployment, name: web}
---
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {name: github, namespace: flux-system}
spec:
  type: github
  secretRef: {name: token}
  resources:
    - {kind: ResourceSetInputProvider, name: prs}
";
    let found = run(text, strict());
    // Only the kind neither Flux nor the operator knows.
    assert_eq!(
        places(&found),
        vec![(INVALID_ID.to_owned(), 9, 14)],
        "{found:#?}"
    );
}

#[test]
fn a_null_field_is_pruned_as_the_api_server_does_unless_required() {
    // `postBuild:` left empty is null: the API server drops it before validating (it is
    // neither nullable nor required); `prune:` left empty is dropped too, and then missing.
    let text = "\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: dns, namespace: flux-system}
spec:
  interval: 30m
  path: ./apps/dns
  prune:
  sourceRef: {kind: GitRepository, name: flux-system}
  postBuild:
";
    let found = run(text, strict());
    assert_eq!(places(&found), vec![(INVALID_ID.to_owned(), 7, 8)]);
    assert!(
        found[0].message.contains("`spec.prune`"),
        "{}",
        found[0].message
    );
}

#[test]
fn kustomize_patches_are_partial_objects() {
    let kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../base]\npatches:\n  - path: replicas.yaml\npatchesStrategicMerge:\n  - ./sub/../image.yaml\n";
    let replicas = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: many\n  $patch: merge\n";
    let image = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.27\n";
    let files = [
        parse("overlay/kustomization.yaml", kustomization),
        parse("overlay/replicas.yaml", replicas),
        parse("overlay/image.yaml", image),
    ];
    // Missing required fields are fine in a patch; wrong types and unknown fields are not.
    assert_eq!(
        places(&run_files(&files, strict())),
        vec![(INVALID_ID.to_owned(), 5, 13)]
    );
    // The same object as a resource is incomplete.
    let alone = run_files(&files[2..], SchemaOptions::default());
    assert!(
        alone
            .iter()
            .any(|f| f.message.contains("`spec.selector` is required")),
        "{alone:#?}"
    );
}

#[test]
fn kustomize_build_files_and_non_kubernetes_yaml_are_skipped() {
    let text = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\nbogus: 1\n---\nfoo: bar\n";
    assert_eq!(run(text, strict()), vec![]);
}

#[test]
fn disabled_rules_and_severities_are_honoured() {
    let text = DEPLOYMENT
        .replace("replicas: 2", "replicas: three")
        .replace("imagePullPolicy:", "imagePullPolicyy:");
    let mut options = strict();
    options.disabled.insert(INVALID_ID.to_owned());
    options
        .severity
        .insert(UNKNOWN_FIELD_ID.to_owned(), Severity::Warning);
    let found = run(&text, options);
    assert_eq!(places(&found), vec![(UNKNOWN_FIELD_ID.to_owned(), 17, 11)]);
    assert_eq!(found[0].severity, Severity::Warning);
}

#[test]
fn every_embedded_flux_kind_compiles_and_crds_validate_as_kubernetes_objects() {
    let schemas = Schemas::new(strict(), &[]).expect("schemas");
    let flux = schemas.flux().expect("flux CRDs load");
    let mut keys: Vec<String> = Vec::new();
    for (group_kind, entry) in &flux.kinds {
        let (group, kind) = group_kind.split_once('/').expect("group/Kind");
        assert!(
            super::flux::is_flux_group(group),
            "{group_kind}: only Flux groups are looked up"
        );
        // The text scan that indexes the bundle agrees with the parsed CRDs.
        for document in &entry.documents {
            assert_eq!(
                parsed_group_kind(&document.source, &flux.text[document.range.clone()]),
                Some((group.to_owned(), kind.to_owned())),
                "{}",
                document.source
            );
            let converted = document.versions(&flux.text, group, kind, true);
            assert_eq!(converted.err(), None, "{}", document.source);
        }
        for (api_version, entry) in schemas.flux_versions(group, kind) {
            keys.push(gvk_key(api_version, kind));
            assert!(
                schemas.crd_validator(entry).is_some(),
                "{api_version} {kind} does not compile: {:?}",
                entry.validator.get()
            );
        }
    }
    assert!(keys.len() >= 55, "{keys:?}");
    let from = |api_version: &str, kind: &str| {
        let meta = ObjectMeta {
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
            namespace: None,
            name: None,
        };
        schemas.flux_entry(&meta).and_then(|e| e.embedded.clone())
    };
    for (api_version, kind, source) in [
            ("helm.toolkit.fluxcd.io/v2", "HelmRelease", "helm.toolkit.fluxcd.io_helmreleases.yaml"),
            ("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "kustomize.toolkit.fluxcd.io_kustomizations.yaml"),
            ("notification.toolkit.fluxcd.io/v1beta3", "Alert", "notification.toolkit.fluxcd.io_alerts.yaml"),
            // Older releases also carry v1, v1beta2...: the newest file that has a version wins.
            ("source.toolkit.fluxcd.io/v1", "GitRepository", "source.toolkit.fluxcd.io_gitrepositories.yaml"),
            ("source.toolkit.fluxcd.io/v1beta2", "GitRepository", "source-controller-v1.7.4/source.toolkit.fluxcd.io_gitrepositories.yaml"),
            ("source.toolkit.fluxcd.io/v1beta1", "GitRepository", "source-controller-v1.6.2/source.toolkit.fluxcd.io_gitrepositories.yaml"),
            ("source.toolkit.fluxcd.io/v1alpha1", "GitRepository", "source-controller-v0.0.18/source.toolkit.fluxcd.io_gitrepositories.yaml"),
            ("source.toolkit.fluxcd.io/v1beta2", "OCIRepository", "source-controller-v1.7.4/source.toolkit.fluxcd.io_ocirepositories.yaml"),
            ("helm.toolkit.fluxcd.io/v2beta2", "HelmRelease", "helm-controller-v1.4.5/helm.toolkit.fluxcd.io_helmreleases.yaml"),
            ("helm.toolkit.fluxcd.io/v2beta1", "HelmRelease", "helm-controller-v1.3.0/helm.toolkit.fluxcd.io_helmreleases.yaml"),
            ("kustomize.toolkit.fluxcd.io/v1beta2", "Kustomization", "kustomize-controller-v1.7.3/kustomize.toolkit.fluxcd.io_kustomizations.yaml"),
            ("kustomize.toolkit.fluxcd.io/v1beta1", "Kustomization", "kustomize-controller-v1.6.1/kustomize.toolkit.fluxcd.io_kustomizations.yaml"),
            ("notification.toolkit.fluxcd.io/v1beta2", "Provider", "notification-controller-v1.8.4/notification.toolkit.fluxcd.io_providers.yaml"),
            ("notification.toolkit.fluxcd.io/v1beta1", "Alert", "notification-controller-v1.6.0/notification.toolkit.fluxcd.io_alerts.yaml"),
            ("notification.toolkit.fluxcd.io/v1beta2", "Receiver", "notification-controller-v1.8.4/notification.toolkit.fluxcd.io_receivers.yaml"),
            ("image.toolkit.fluxcd.io/v1beta2", "ImagePolicy", "image-reflector-controller-v1.1.2/image.toolkit.fluxcd.io_imagepolicies.yaml"),
            ("image.toolkit.fluxcd.io/v1beta1", "ImageRepository", "image-reflector-controller-v0.35.2/image.toolkit.fluxcd.io_imagerepositories.yaml"),
            ("image.toolkit.fluxcd.io/v1alpha2", "ImagePolicy", "image-reflector-controller-v0.22.1/image.toolkit.fluxcd.io_imagepolicies.yaml"),
            ("image.toolkit.fluxcd.io/v1beta2", "ImageUpdateAutomation", "image-automation-controller-v1.1.4/image.toolkit.fluxcd.io_imageupdateautomations.yaml"),
            ("image.toolkit.fluxcd.io/v1beta1", "ImageUpdateAutomation", "image-automation-controller-v0.41.2/image.toolkit.fluxcd.io_imageupdateautomations.yaml"),
        ] {
            assert_eq!(from(api_version, kind).as_deref(), Some(source), "{api_version} {kind}");
        }
    assert_eq!(from("source.toolkit.fluxcd.io/v9", "GitRepository"), None);
    // The Flux CRDs themselves are valid CustomResourceDefinitions, strictly.
    let text = bundle::flux_crds().expect("flux");
    let file = parse("flux.yaml", &text);
    assert_eq!(places(&schemas.validate_file(&file)), vec![]);
}

const INVALID_ID: &str = rules::INVALID;
const UNKNOWN_FIELD_ID: &str = rules::UNKNOWN_FIELD;
const UNKNOWN_KIND_ID: &str = rules::UNKNOWN_KIND;
const INVALID_CRD_ID: &str = rules::INVALID_CRD;
