//! Substitution of whole objects, ported from Flux's own tests: fluxcd/pkg
//! `kustomize/kustomize_varsub_test.go` (e2cfd1a2d1815a81b3e77ef750e6528282ccccd6)
//! and kustomize-controller `internal/controller/kustomization_varsub_test.go`
//! (186fb3b29138ce82ff61ba1a9370b96a3dd598fe), then origins and unknowns.

use hubspoke_manifest::yaml::{Node, NodeValue};
use hubspoke_manifest::{parse_text, ParseLimits, ParsedFile, PathSegment, SourceFile};

use super::*;
use crate::{ProblemCode, UnknownKind};

/// Parsed files, and every document of them as a rendered tree.
struct Repo {
    files: Vec<ParsedFile>,
}

impl Repo {
    fn new(files: &[(&str, &str)]) -> Repo {
        Repo {
            files: files
                .iter()
                .map(|(path, text)| parse_text(path, path, *text, ParseLimits::default()))
                .collect(),
        }
    }

    /// Document `index` of file `path` with origins.
    fn doc(&self, path: &str, index: usize) -> Node<Origin> {
        let (id, file) = self
            .files
            .iter()
            .enumerate()
            .find(|(_, f)| f.source.repo_path == path)
            .expect("file");
        file.documents[index]
            .root
            .map_positions(&mut |span| Origin {
                file: FileId(id as u32),
                span: *span,
            })
    }

    fn source(&self, origin: Origin) -> &SourceFile {
        &self.files[origin.file.0 as usize].source
    }

    /// `path:line:col` of an origin (1-based, characters).
    fn at(&self, origin: Origin) -> String {
        let source = self.source(origin);
        let region = source.region(origin.span);
        format!(
            "{}:{}:{}",
            source.repo_path, region.start.line, region.start.column
        )
    }

    /// The text an origin covers.
    fn text(&self, origin: Origin) -> &str {
        let source = self.source(origin);
        let region = source.region(origin.span);
        &source.text[region.start.offset..region.end.offset]
    }

    /// Read the variables of `kustomization`, resolving `substituteFrom` by
    /// kind and name among the documents of every file.
    fn variables(&self, kustomization: &Node<Origin>) -> (Option<Variables>, Vec<RenderProblem>) {
        let objects: Vec<Node<Origin>> = self
            .files
            .iter()
            .flat_map(|f| {
                let path = f.source.repo_path.clone();
                (0..f.documents.len()).map(move |i| (path.clone(), i))
            })
            .map(|(path, i)| self.doc(&path, i))
            .collect();
        let mut problems = Vec::new();
        let variables = Variables::from_kustomization(
            kustomization,
            &mut |reference| {
                objects
                    .iter()
                    .find(|o| {
                        o.get("kind").and_then(Node::as_str) == Some(reference.kind.as_str())
                            && o.get("metadata")
                                .and_then(|m| m.get("name"))
                                .and_then(Node::as_str)
                                == Some(reference.name.as_str())
                    })
                    .map_or(Referent::Missing, Referent::Found)
            },
            &mut problems,
        );
        (variables, problems)
    }

    fn substitute(
        &self,
        object: &mut Node<Origin>,
        kustomization: &Node<Origin>,
        strict: bool,
    ) -> ObjectSubstitution {
        let (variables, problems) = self.variables(kustomization);
        assert_eq!(problems, vec![], "problems reading the variables");
        let variables = variables.expect("postBuild");
        substitute_object(
            object,
            &variables,
            SubstituteOptions { strict },
            self.files.as_slice(),
        )
    }
}

fn at<'n>(node: &'n Node<Origin>, path: &str) -> &'n Node<Origin> {
    let mut node = node;
    for key in path.split('.') {
        node = match key.parse::<usize>() {
            Ok(i) => match &node.value {
                NodeValue::Seq(items) => &items[i],
                _ => panic!("{path}: not a list at {key}"),
            },
            Err(_) => node.get(key).unwrap_or_else(|| panic!("{path}: no {key}")),
        };
    }
    node
}

fn string(s: &str) -> NodeValue<Origin> {
    NodeValue::Str(s.to_owned())
}

const PKG_KUSTOMIZATION: &str = r#"---
apiVersion: kustomize.toolkit.fluxcd.io/v1beta2
kind: Kustomization
metadata:
  name: app
  namespace: apps
spec:
  interval: 4m0s
  path: ./kustomize
  prune: true
  sourceRef:
    kind: GitRepository
    name: app
  validation: client
  postBuild:
    substitute:
      cluster_env: "prod"
      cluster_region: "eu-central-1"
    substituteFrom:
      - kind: ConfigMap
        name: app-vars
"#;

const PKG_CONFIGMAP: &str = r#"---
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-vars
  namespace: apps
data:
  prometheus_scrape: '"true"'
  prometheus_port: '"9797"'
  image: "nginx:1.21.4"
"#;

const PKG_DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: apps
  labels:
    environment: ${cluster_env:=dev}
    region: ${cluster_region}
spec:
  selector:
    matchLabels:
      app: app
  template:
    metadata:
      annotations:
        prometheus.io/scrape: ${prometheus_scrape:=false}
        prometheus.io/port: ${prometheus_port}
      labels:
        app: app
    spec:
      containers:
      - name: nginx
        image: ${image}
        imagePullPolicy: IfNotPresent
"#;

const PKG_DISABLED_CONFIG: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    kustomize.toolkit.fluxcd.io/substitute: disabled
    environment: ${cluster_env:=dev}
    region: ${cluster_region}
  name: app-vars
  namespace: apps
data:
  prometheus_scrape: ${prometheus_scrape:=false}
  prometheus_port: ${prometheus_port}
  image: ${image}
"#;

/// pkg `TestKustomization_Varsub`: inline and ConfigMap variables, quoted
/// values staying strings, and the disabled label.
#[test]
fn pkg_varsub() {
    let repo = Repo::new(&[
        ("ks.yaml", PKG_KUSTOMIZATION),
        ("vars.yaml", PKG_CONFIGMAP),
        ("deployment.yaml", PKG_DEPLOYMENT),
        ("config.yaml", PKG_DISABLED_CONFIG),
    ]);
    let ks = repo.doc("ks.yaml", 0);
    let mut deployment = repo.doc("deployment.yaml", 0);
    let result = repo.substitute(&mut deployment, &ks, false);
    assert_eq!(result.problems, vec![]);
    assert_eq!(
        at(&deployment, "metadata.labels.environment").value,
        string("prod")
    );
    assert_eq!(
        at(&deployment, "metadata.labels.region").value,
        string("eu-central-1")
    );
    let annotations = at(&deployment, "spec.template.metadata.annotations");
    let annotation = |key: &str| annotations.get(key).map(|n| n.value.clone());
    assert_eq!(annotation("prometheus.io/scrape"), Some(string("true")));
    assert_eq!(annotation("prometheus.io/port"), Some(string("9797")));
    assert_eq!(
        at(&deployment, "spec.template.spec.containers.0.image").value,
        string("nginx:1.21.4")
    );

    let mut config = repo.doc("config.yaml", 0);
    let before = config.clone();
    let result = repo.substitute(&mut config, &ks, true);
    assert_eq!(result, ObjectSubstitution::default());
    assert_eq!(config, before);
}

/// pkg `TestKustomization_Varsub`, strict part: `${missing}` fails in strict
/// mode only.
#[test]
fn pkg_varsub_strict() {
    let config = r#"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    environment: ${cluster_env:=dev}
    region: ${cluster_region}
  name: app-vars-strict
  namespace: apps
data:
  missing: ${missing}
"#;
    let repo = Repo::new(&[
        ("ks.yaml", PKG_KUSTOMIZATION),
        ("vars.yaml", PKG_CONFIGMAP),
        ("config.yaml", config),
    ]);
    let ks = repo.doc("ks.yaml", 0);
    let mut strict = repo.doc("config.yaml", 0);
    let result = repo.substitute(&mut strict, &ks, true);
    let problems: Vec<(String, &str)> = result
        .problems
        .iter()
        .map(|p| (repo.at(p.origin), p.message.as_str()))
        .collect();
    assert_eq!(
        problems,
        vec![(
            "config.yaml:10:12".to_owned(),
            "variable \"missing\" is not defined and has no default: Flux fails the reconcile with strict post-build substitution (the default from kustomize-controller v1.9), else substitutes an empty string"
        )]
    );
    assert_eq!(
        result.unknown_fields,
        vec![vec![
            PathSegment::Key("data".into()),
            PathSegment::Key("missing".into())
        ]]
    );
    assert_eq!(result.problems[0].code, ProblemCode::SubstituteUndefined);
    // The field keeps its text; the rest is substituted.
    assert_eq!(at(&strict, "data.missing").value, string("${missing}"));
    assert_eq!(
        at(&strict, "metadata.labels.region").value,
        string("eu-central-1")
    );

    let mut lenient = repo.doc("config.yaml", 0);
    let result = repo.substitute(&mut lenient, &ks, false);
    assert_eq!(result.problems, vec![]);
    // Empty, written plain: null, as Flux's YAMLToJSON reads it.
    assert_eq!(at(&lenient, "data.missing").value, NodeValue::Null);
}

const ALWAYS_CONFIG: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    environment: ${cluster_env:=dev}
  name: app-vars-always
  namespace: apps
data:
  region: ${cluster_region:=eu-central-1}
"#;

/// pkg `TestKustomization_Varsub_Always`: without variables nothing is
/// substituted unless `substituteStrategy: Always`.
#[test]
fn pkg_varsub_always() {
    let no_vars = r#"apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app
  namespace: apps
spec:
  postBuild: {}
"#;
    let always = r#"apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app
  namespace: apps
spec:
  postBuild:
    substituteStrategy: Always
"#;
    let repo = Repo::new(&[
        ("novars.yaml", no_vars),
        ("always.yaml", always),
        ("config.yaml", ALWAYS_CONFIG),
    ]);
    let mut config = repo.doc("config.yaml", 0);
    let result = repo.substitute(&mut config, &repo.doc("novars.yaml", 0), true);
    assert_eq!(result, ObjectSubstitution::default());
    assert_eq!(
        at(&config, "metadata.labels.environment").value,
        string("${cluster_env:=dev}")
    );

    let result = repo.substitute(&mut config, &repo.doc("always.yaml", 0), true);
    assert_eq!(result.problems, vec![]);
    assert_eq!(
        at(&config, "metadata.labels.environment").value,
        string("dev")
    );
    assert_eq!(at(&config, "data.region").value, string("eu-central-1"));
}

/// pkg `TestKustomization_Varsub_StrictEmptyValues`: a variable set to the
/// empty string is defined (strict mode passes) and renders as null.
#[test]
fn pkg_varsub_strict_empty_values() {
    let ks = r#"apiVersion: kustomize.toolkit.fluxcd.io/v1beta2
kind: Kustomization
metadata:
  name: app
  namespace: apps
spec:
  postBuild:
    substitute:
      empty_inline: ""
    substituteFrom:
      - kind: ConfigMap
        name: app-vars-empty
      - kind: Secret
        name: app-vars-empty
"#;
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-vars-empty\n  namespace: apps\ndata:\n  empty_cm: \"\"\n";
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-vars-empty\n  namespace: apps\nstringData:\n  empty_secret: \"\"\n";
    let config = r#"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    from-inline: "${empty_inline}"
    from-configmap: "${empty_cm}"
    from-secret: "${empty_secret}"
  name: app-vars-strict-empty
  namespace: apps
"#;
    let repo = Repo::new(&[
        ("ks.yaml", ks),
        ("cm.yaml", cm),
        ("secret.yaml", secret),
        ("config.yaml", config),
    ]);
    let mut object = repo.doc("config.yaml", 0);
    let result = repo.substitute(&mut object, &repo.doc("ks.yaml", 0), true);
    assert_eq!(result.problems, vec![]);
    for label in ["from-inline", "from-configmap", "from-secret"] {
        assert_eq!(
            at(&object, &format!("metadata.labels.{label}")).value,
            NodeValue::Null,
            "{label}"
        );
    }
}

/// kustomize-controller `TestKustomizationReconciler_Varsub`: a later
/// `substituteFrom` (the Secret) overrides an earlier one (the ConfigMap),
/// newlines are stripped, inline values apply, defaults fill the rest.
#[test]
fn controller_varsub_precedence() {
    let ks = r#"apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: vars
  namespace: vars
spec:
  postBuild:
    substitute:
      _Region: eu-central-1
    substituteFrom:
      - kind: ConfigMap
        name: zone-config
      - kind: Secret
        name: zone-secret
"#;
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: zone-config\ndata:\n  zone: \"\\naz-1a\\n\"\n";
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: zone-secret\nstringData:\n  zone: \"\\naz-1b\\n\"\n";
    let manifests = r#"---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: vars
  namespace: vars
  labels:
    environment: ${env:=dev}
    region: "${_Region}" 
    zone: "${zone}"
---
apiVersion: v1
kind: Secret
metadata:
  name: vars
  namespace: vars
stringData:
  zone: ${zone}
"#;
    let repo = Repo::new(&[
        ("ks.yaml", ks),
        ("cm.yaml", cm),
        ("secret.yaml", secret),
        ("manifests.yaml", manifests),
    ]);
    let ks = repo.doc("ks.yaml", 0);
    let mut account = repo.doc("manifests.yaml", 0);
    let mut secret = repo.doc("manifests.yaml", 1);
    assert_eq!(repo.substitute(&mut account, &ks, true).problems, vec![]);
    assert_eq!(repo.substitute(&mut secret, &ks, true).problems, vec![]);
    assert_eq!(
        at(&account, "metadata.labels.environment").value,
        string("dev")
    );
    assert_eq!(
        at(&account, "metadata.labels.region").value,
        string("eu-central-1")
    );
    assert_eq!(at(&account, "metadata.labels.zone").value, string("az-1b"));
    assert_eq!(at(&secret, "stringData.zone").value, string("az-1b"));
}

/// kustomize-controller `TestKustomizationReconciler_VarsubNumberBool`:
/// values parse back with their YAML type, `!!str` tags and quotes included,
/// and `$${var}` escapes inside a block scalar.
#[test]
fn controller_varsub_number_bool() {
    let ks = r#"apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: vars
  namespace: vars
spec:
  postBuild:
    substitute:
      q: '"'
      numberStr: "!!str 123"
      number: "123"
      booleanStr: "!!str true"
      boolean: "true"
"#;
    let manifests = r#"---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: vars
  namespace: vars
  labels:
    id: ${numberStr}
    enabled: ${booleanStr}
  annotations:
    id: ${q}${number}${q}
    enabled: ${q}${boolean}${q}
spec:
  interval: ${number}m
  url: https://host/repo
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: vars
  namespace: vars
data:
  id: ${q}${number}${q}
  text: |
    This variable is escaped $${var}

    Lorem ipsum dolor sit amet.

    \?
"#;
    let repo = Repo::new(&[("ks.yaml", ks), ("manifests.yaml", manifests)]);
    let ks = repo.doc("ks.yaml", 0);
    let mut source = repo.doc("manifests.yaml", 0);
    let mut config = repo.doc("manifests.yaml", 1);
    assert_eq!(repo.substitute(&mut source, &ks, true).problems, vec![]);
    assert_eq!(repo.substitute(&mut config, &ks, true).problems, vec![]);
    assert_eq!(at(&source, "metadata.labels.id").value, string("123"));
    assert_eq!(at(&source, "metadata.labels.enabled").value, string("true"));
    assert_eq!(at(&source, "metadata.annotations.id").value, string("123"));
    assert_eq!(
        at(&source, "metadata.annotations.enabled").value,
        string("true")
    );
    assert_eq!(at(&source, "spec.interval").value, string("123m"));
    assert_eq!(at(&config, "data.id").value, string("123"));
    assert_eq!(
        at(&config, "data.text").value,
        string("This variable is escaped ${var}\n\nLorem ipsum dolor sit amet.\n\n\\?\n")
    );
}

/// Without quotes the same values are an integer and a boolean.
#[test]
fn unquoted_values_take_their_yaml_type() {
    let ks = "kind: Kustomization\nspec:\n  postBuild:\n    substitute:\n      replicas: \"3\"\n      enabled: \"true\"\n";
    let object = "kind: Deployment\nspec:\n  replicas: ${replicas}\n  paused: ${enabled}\n";
    let repo = Repo::new(&[("ks.yaml", ks), ("object.yaml", object)]);
    let mut deployment = repo.doc("object.yaml", 0);
    repo.substitute(&mut deployment, &repo.doc("ks.yaml", 0), true);
    assert_eq!(at(&deployment, "spec.replicas").value, NodeValue::Int(3));
    assert_eq!(at(&deployment, "spec.paused").value, NodeValue::Bool(true));
}

/// The substituted value's origin is its placeholder; its record names the
/// variable and where it is defined.
#[test]
fn origins_are_the_placeholder_and_the_definition() {
    let ks = r#"kind: Kustomization
spec:
  postBuild:
    substitute:
      tag: "6.7.1"
    substituteFrom:
      - kind: ConfigMap
        name: registry
"#;
    let cm = "kind: ConfigMap\nmetadata:\n  name: registry\ndata:\n  registry: ghcr.io\n";
    let object = r#"kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: app
          image: "${registry}/app:${tag}"
"#;
    let repo = Repo::new(&[("ks.yaml", ks), ("cm.yaml", cm), ("object.yaml", object)]);
    let mut deployment = repo.doc("object.yaml", 0);
    let result = repo.substitute(&mut deployment, &repo.doc("ks.yaml", 0), true);
    let image = at(&deployment, "spec.template.spec.containers.0.image");
    assert_eq!(image.value, string("ghcr.io/app:6.7.1"));
    assert_eq!(repo.at(image.span), "object.yaml:7:19");
    assert_eq!(repo.text(image.span), "${registry}/app:${tag}");
    let records: Vec<(String, String, &str, String)> = result
        .substitutions
        .iter()
        .map(|s| {
            (
                s.path
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("."),
                repo.at(s.placeholder),
                s.variable.as_str(),
                repo.at(s.defined_at.expect("defined")),
            )
        })
        .collect();
    let path = "spec.template.spec.containers.0.image".to_owned();
    assert_eq!(
        records,
        vec![
            (
                path.clone(),
                "object.yaml:7:19".to_owned(),
                "registry",
                "cm.yaml:5:3".to_owned()
            ),
            (
                path,
                "object.yaml:7:35".to_owned(),
                "tag",
                "ks.yaml:5:7".to_owned()
            ),
        ]
    );
}

/// A SOPS-encrypted Secret's variables are unknown: the fields reading them
/// keep their text, are listed as unknown, and nothing is reported.
#[test]
fn sops_secrets_make_their_variables_unknown() {
    let ks = r#"kind: Kustomization
spec:
  postBuild:
    substitute:
      known: "yes-known"
    substituteFrom:
      - kind: Secret
        name: cluster-secrets
"#;
    let secret = "kind: Secret\nmetadata:\n  name: cluster-secrets\ndata:\n  token: ENC[AES256_GCM,data:abc]\nsops:\n  version: 3.8.1\n";
    let object = "kind: ConfigMap\ndata:\n  token: ${token}\n  other: ${known}\n";
    let repo = Repo::new(&[
        ("ks.yaml", ks),
        ("secret.yaml", secret),
        ("object.yaml", object),
    ]);
    let mut config = repo.doc("object.yaml", 0);
    let result = repo.substitute(&mut config, &repo.doc("ks.yaml", 0), true);
    assert_eq!(result.problems, vec![]);
    assert_eq!(
        result.unknown_fields,
        vec![vec![
            PathSegment::Key("data".into()),
            PathSegment::Key("token".into())
        ]]
    );
    assert_eq!(at(&config, "data.token").value, string("${token}"));
    let unknowns: Vec<(String, UnknownKind)> = result
        .unknowns
        .iter()
        .map(|u| (repo.at(u.origin), u.kind))
        .collect();
    assert_eq!(
        unknowns,
        vec![("object.yaml:3:10".to_owned(), UnknownKind::UnknownVariable)]
    );
    // An inline variable still wins over the unknown Secret.
    assert_eq!(at(&config, "data.other").value, string("yes-known"));
}

/// A ConfigMap the repository does not define: a problem at the entry unless
/// optional, and its variables are unknown either way.
#[test]
fn missing_substitute_from_objects() {
    let ks = r#"kind: Kustomization
spec:
  postBuild:
    substituteFrom:
      - kind: ConfigMap
        name: cluster-vars
      - kind: ConfigMap
        name: optional-vars
        optional: true
"#;
    let repo = Repo::new(&[("ks.yaml", ks)]);
    let (variables, problems) = repo.variables(&repo.doc("ks.yaml", 0));
    let placed: Vec<String> = problems.iter().map(|p| repo.at(p.origin)).collect();
    assert_eq!(placed, vec!["ks.yaml:5:9"]);
    assert!(
        problems[0].message.contains("ConfigMap \"cluster-vars\""),
        "{}",
        problems[0].message
    );
    assert_eq!(problems[0].code, ProblemCode::SubstituteFromMissing);
    // It may exist in the cluster: Flux does not necessarily fail.
    assert!(!problems[0].kustomize_fails);
    let variables = variables.expect("postBuild");
    assert_eq!(variables.lookup("anything"), envsubst::Lookup::Unknown);
}

/// Malformed postBuild fields are problems at their line; the valid parts still apply.
#[test]
fn malformed_post_build() {
    let ks = r#"kind: Kustomization
spec:
  postBuild:
    substituteStrategy: Sometimes
    substitute:
      replicas: 3
      cluster-name: hub
      nested: {a: b}
    substituteFrom:
      - kind: Deployment
        name: x
"#;
    let repo = Repo::new(&[("ks.yaml", ks)]);
    let (variables, problems) = repo.variables(&repo.doc("ks.yaml", 0));
    let placed: Vec<String> = problems
        .iter()
        .map(|p| format!("{} {}", repo.at(p.origin), p.message))
        .collect();
    assert_eq!(
        placed,
        vec![
            "ks.yaml:4:25 spec.postBuild.substituteStrategy must be WithVariables or Always",
            "ks.yaml:10:9 a substituteFrom entry needs `kind: ConfigMap` or `kind: Secret` and a `name`",
            "ks.yaml:6:17 substitute values must be strings: quote this value",
            "ks.yaml:8:15 substitute values must be strings, not a list or mapping",
        ]
    );
    let variables = variables.expect("postBuild");
    assert_eq!(variables.lookup("replicas"), envsubst::Lookup::Value("3"));
    let invalid: Vec<(&str, String)> = variables
        .invalid_names()
        .into_iter()
        .map(|(name, d)| (name, repo.at(d.at)))
        .collect();
    assert_eq!(invalid, vec![("cluster-name", "ks.yaml:7:7".to_owned())]);
}

/// Text Flux cannot parse, and values that break the YAML, fail at their place.
#[test]
fn unparsable_expressions_and_broken_yaml() {
    let ks = "kind: Kustomization\nspec:\n  postBuild:\n    substitute:\n      v: \"a: b\"\n";
    let object = "kind: ConfigMap\ndata:\n  script: echo ${HOME:-/root} ${\n  broken: ${v}\n";
    let repo = Repo::new(&[("ks.yaml", ks), ("object.yaml", object)]);
    let mut config = repo.doc("object.yaml", 0);
    let result = repo.substitute(&mut config, &repo.doc("ks.yaml", 0), true);
    let placed: Vec<String> = result
        .problems
        .iter()
        .map(|p| format!("{} {}", repo.at(p.origin), repo.text(p.origin)))
        .collect();
    assert_eq!(placed, vec!["object.yaml:3:31 ${", "object.yaml:4:11 ${v}"]);
    let codes: Vec<ProblemCode> = result.problems.iter().map(|p| p.code).collect();
    assert_eq!(
        codes,
        vec![
            ProblemCode::SubstituteSyntax,
            ProblemCode::SubstituteInvalidYaml
        ]
    );
    assert_eq!(result.unknown_fields.len(), 2);
}

/// A Secret's `data` is base64 (line breaks skipped, as the API server's
/// decoder does); `stringData` wins over it.
#[test]
fn secret_data_is_decoded_and_string_data_wins() {
    let ks = "kind: Kustomization\nspec:\n  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: vars\n";
    let secret = "kind: Secret\nmetadata:\n  name: vars\ndata:\n  zone: |\n    YXot\n    MWM=\n  region: ZXU=\nstringData:\n  region: us\n";
    let object = "kind: ConfigMap\ndata:\n  zone: ${zone}\n  region: ${region}\n";
    let repo = Repo::new(&[
        ("ks.yaml", ks),
        ("secret.yaml", secret),
        ("object.yaml", object),
    ]);
    let mut config = repo.doc("object.yaml", 0);
    let result = repo.substitute(&mut config, &repo.doc("ks.yaml", 0), true);
    assert_eq!(result.problems, vec![]);
    assert_eq!(at(&config, "data.zone").value, string("az-1c"));
    assert_eq!(at(&config, "data.region").value, string("us"));
    let zone = result
        .substitutions
        .iter()
        .find(|s| s.variable == "zone")
        .expect("zone");
    assert_eq!(
        repo.at(zone.defined_at.expect("defined")),
        "secret.yaml:5:3"
    );
}
