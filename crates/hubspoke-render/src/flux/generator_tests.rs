//! Flux's generated kustomization, ported from fluxcd/pkg
//! `kustomize/kustomize_generator_test.go` (e2cfd1a2d1815a81b3e77ef750e6528282ccccd6):
//! what Flux writes into the kustomization, compared as JSON, and where each
//! entry it adds comes from.

use hubspoke_manifest::yaml::Node;
use hubspoke_manifest::{parse_text, ParseLimits, ParsedFile};
use serde_json::{json, Value};

use super::generator::{flux_kustomization, is_local_relative_path, Base};
use crate::{FileId, Origin, RenderProblem};

struct Files(Vec<ParsedFile>);

impl Files {
    fn new(files: &[(&str, &str)]) -> Files {
        Files(
            files
                .iter()
                .map(|(p, t)| parse_text(p, p, *t, ParseLimits::default()))
                .collect(),
        )
    }

    fn root(&self, path: &str) -> Node<Origin> {
        let (id, file) = self
            .0
            .iter()
            .enumerate()
            .find(|(_, f)| f.source.repo_path == path)
            .expect("file");
        file.documents[0].root.map_positions(&mut |span| Origin {
            file: FileId(id as u32),
            span: *span,
        })
    }

    fn at(&self, origin: Origin) -> String {
        let source = &self.0[origin.file.0 as usize].source;
        let region = source.region(origin.span);
        format!(
            "{}:{}:{}",
            source.repo_path, region.start.line, region.start.column
        )
    }
}

/// Flux's kustomization for `flux` (the `ks.yaml` file) over the file
/// `kustomization.yaml` when given, else generated from `listing`.
fn generate(files: &Files, listing: &[String], dir: &str) -> (Node<Origin>, Vec<RenderProblem>) {
    let flux = files.root("ks.yaml");
    let existing = files
        .0
        .iter()
        .any(|f| f.source.repo_path == "kustomization.yaml")
        .then(|| files.root("kustomization.yaml"));
    let base = match &existing {
        Some(root) => Base::File(root),
        None => Base::Generate { files: listing },
    };
    let mut problems = Vec::new();
    let out = flux_kustomization(
        &flux,
        dir,
        base,
        &|path| path == "componentB",
        &mut problems,
    );
    (out, problems)
}

fn json_of(files: &[(&str, &str)]) -> Value {
    let files = Files::new(files);
    let (out, problems) = generate(&files, &[], ".");
    assert_eq!(problems, vec![]);
    out.to_json()
}

const KUSTOMIZE: &str = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";

/// `TestGenerator_EmptyDir`: nothing to list, a placeholder namespace.
#[test]
fn empty_directory() {
    let files = Files::new(&[("ks.yaml", "kind: Kustomization\nspec:\n  path: ./empty\n")]);
    let listing = vec!["other/a.yaml".to_owned()];
    let (out, _) = generate(&files, &listing, "empty");
    assert_eq!(
        out.to_json(),
        json!({"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "namespace": "_placeholder"})
    );
}

/// `TestGenerator_NoResources` and `TestGenerator_BuildMetadata_EmptySpec`:
/// a file without resources gets `buildMetadata: [originAnnotations]`.
#[test]
fn no_resources() {
    let out = json_of(&[
        ("ks.yaml", "kind: Kustomization\nspec:\n  path: ./\n"),
        ("kustomization.yaml", &format!("{KUSTOMIZE}resources: []\n")),
    ]);
    assert_eq!(out["buildMetadata"], json!(["originAnnotations"]));
    let out = json_of(&[
        ("ks.yaml", "kind: Kustomization\nspec:\n  buildMetadata: [originAnnotations, transformerAnnotations]\n"),
        ("kustomization.yaml", &format!("{KUSTOMIZE}configMapGenerator:\n  - name: x\n    literals: [a=b]\n")),
    ]);
    assert_eq!(
        out["buildMetadata"],
        json!(["originAnnotations", "transformerAnnotations"])
    );
}

/// `TestGenerator_NameTransformer`.
#[test]
fn name_transformer() {
    let ks = "kind: Kustomization\nspec:\n  targetNamespace: test-namespace\n  namePrefix: prefix-\n  nameSuffix: -suffix\n  path: ./\n";
    let out = json_of(&[
        ("ks.yaml", ks),
        ("kustomization.yaml", &format!("{KUSTOMIZE}namePrefix: old-\nconfigMapGenerator:\n  - name: test-configmap\n    literals: [foo=bar, baz=qux]\n")),
    ]);
    assert_eq!(out["namespace"], json!("test-namespace"));
    assert_eq!(out["namePrefix"], json!("prefix-"));
    assert_eq!(out["nameSuffix"], json!("-suffix"));
}

/// `TestKustomizationGenerator`: `spec.patches` join the file's, with their
/// target; their origin is the Flux Kustomization's patch.
#[test]
fn patches_are_appended_with_their_origin() {
    let ks = r#"kind: Kustomization
spec:
  targetNamespace: apps
  patches:
    - patch: |-
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: app
      target:
        name: app
        kind: Deployment
        unknownField: dropped
"#;
    let files = Files::new(&[
        ("ks.yaml", ks),
        ("kustomization.yaml", &format!("{KUSTOMIZE}namespace: other\nresources: [deployment.yaml]\npatches:\n  - path: own.yaml\n")),
    ]);
    let (out, problems) = generate(&files, &[], ".");
    assert_eq!(problems, vec![]);
    let json = out.to_json();
    assert_eq!(json["namespace"], json!("apps"));
    assert_eq!(
        json["patches"],
        json!([
            {"path": "own.yaml"},
            {"patch": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app", "target": {"kind": "Deployment", "name": "app"}}
        ])
    );
    let patches = out.get("patches").expect("patches");
    let hubspoke_manifest::yaml::NodeValue::Seq(items) = &patches.value else {
        panic!("list")
    };
    assert_eq!(files.at(items[0].span), "kustomization.yaml:6:5");
    assert_eq!(
        files.at(items[1].get("patch").expect("patch").span),
        "ks.yaml:6:9"
    );
    assert_eq!(
        files.at(out.get("namespace").expect("ns").span),
        "ks.yaml:3:20"
    );
}

/// `Test_Components`: Flux's components follow the file's.
#[test]
fn components() {
    let with = format!("{KUSTOMIZE}resources: [configmap.yaml]\ncomponents: [componentA]\n");
    let cases: [(&str, Option<&str>, Value); 3] = [
        (
            "kind: Kustomization\nspec:\n  components: []\n",
            Some(&with),
            json!(["componentA"]),
        ),
        (
            "kind: Kustomization\nspec:\n  components: [componentB, componentC]\n",
            None,
            json!(["componentB", "componentC"]),
        ),
        (
            "kind: Kustomization\nspec:\n  components: [componentB, componentC]\n",
            Some(&with),
            json!(["componentA", "componentB", "componentC"]),
        ),
    ];
    for (ks, file, expected) in cases {
        let mut list = vec![("ks.yaml", ks)];
        if let Some(file) = file {
            list.push(("kustomization.yaml", file));
        }
        let files = Files::new(&list);
        let listing = vec!["componentB/kustomization.yaml".to_owned()];
        let (out, problems) = generate(&files, &listing, ".");
        assert_eq!(problems, vec![]);
        assert_eq!(out.to_json()["components"], expected, "{ks}");
    }
    // A missing component is left out only with ignoreMissingComponents.
    let ks = "kind: Kustomization\nspec:\n  ignoreMissingComponents: true\n  components: [componentB, componentC]\n";
    let out = json_of(&[("ks.yaml", ks), ("kustomization.yaml", &with)]);
    assert_eq!(out["components"], json!(["componentA", "componentB"]));
    // Remote or absolute components fail.
    let ks = "kind: Kustomization\nspec:\n  components: [\"https://github.com/x/y\", /abs]\n";
    let files = Files::new(&[("ks.yaml", ks), ("kustomization.yaml", &with)]);
    let (_, problems) = generate(&files, &[], ".");
    let messages: Vec<String> = problems
        .iter()
        .map(|p| format!("{} {}", files.at(p.origin), p.message))
        .collect();
    assert_eq!(
        messages,
        vec![
            "ks.yaml:3:16 component path 'https://github.com/x/y' must be local and relative",
            "ks.yaml:3:42 component path '/abs' must be local and relative",
        ]
    );
}

/// `Test_Images`: Flux's images merge into the file's by name.
#[test]
fn images() {
    const IMAGE: &str = "ghcr.io/example/app";
    const DIGEST: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let image = |fields: &[(&str, &str)]| -> Value {
        let mut map = serde_json::Map::new();
        map.insert("name".into(), json!(IMAGE));
        for (k, v) in fields {
            map.insert((*k).into(), json!(v));
        }
        Value::Object(map)
    };
    let registry = "registry.example.com/app";
    let cases: Vec<(&str, Option<Value>, Value, Value)> = vec![
        (
            "newTag kept when only newName is set",
            Some(image(&[("newTag", "v1.2.3")])),
            image(&[("newName", registry)]),
            image(&[("newTag", "v1.2.3"), ("newName", registry)]),
        ),
        (
            "newName kept when only newTag is set",
            Some(image(&[("newName", registry)])),
            image(&[("newTag", "v2.0.0")]),
            image(&[("newName", registry), ("newTag", "v2.0.0")]),
        ),
        (
            "digest kept when only newName is set",
            Some(image(&[("digest", DIGEST)])),
            image(&[("newName", registry)]),
            image(&[("digest", DIGEST), ("newName", registry)]),
        ),
        (
            "digest cleared when only newTag is set",
            Some(image(&[("digest", DIGEST)])),
            image(&[("newTag", "v2.0.0")]),
            image(&[("newTag", "v2.0.0")]),
        ),
        (
            "newTag cleared when only digest is set",
            Some(image(&[("newTag", "v1.2.3")])),
            image(&[("digest", DIGEST)]),
            image(&[("digest", DIGEST)]),
        ),
        (
            "newName kept when newTag replaces digest",
            Some(image(&[("newName", registry), ("digest", DIGEST)])),
            image(&[("newTag", "v2.0.0")]),
            image(&[("newName", registry), ("newTag", "v2.0.0")]),
        ),
        (
            "newTag and digest together",
            Some(image(&[("newTag", "v1.2.3")])),
            image(&[("newTag", "v2.0.0"), ("digest", DIGEST)]),
            image(&[("newTag", "v2.0.0"), ("digest", DIGEST)]),
        ),
        (
            "a name alone changes nothing",
            Some(image(&[("newName", registry), ("newTag", "v1.2.3")])),
            image(&[]),
            image(&[("newName", registry), ("newTag", "v1.2.3")]),
        ),
        (
            "fields are overridden when set",
            Some(image(&[
                ("newName", "old.example.com/app"),
                ("newTag", "v1.2.3"),
            ])),
            image(&[("newName", registry), ("newTag", "v2.0.0")]),
            image(&[("newName", registry), ("newTag", "v2.0.0")]),
        ),
        (
            "appended without an entry",
            None,
            image(&[("newName", registry), ("newTag", "v2.0.0")]),
            image(&[("newName", registry), ("newTag", "v2.0.0")]),
        ),
    ];
    for (name, existing, flux, expected) in cases {
        let mut file = format!("{KUSTOMIZE}resources: [deployment.yaml]\n");
        if let Some(existing) = existing {
            file.push_str(&format!("images: [{existing}]\n"));
        }
        let ks = format!("kind: Kustomization\nspec:\n  images: [{flux}]\n");
        let out = json_of(&[("ks.yaml", &ks), ("kustomization.yaml", &file)]);
        let images = out["images"].as_array().expect("images");
        assert_eq!(images.len(), 1, "{name}");
        // Compare as sets of fields: the order of keys is not Flux's concern.
        assert_eq!(images[0].as_object(), expected.as_object(), "{name}");
    }
}

/// A directory without a kustomization file lists its manifests.
#[test]
fn generated_listing() {
    let files = Files::new(&[(
        "ks.yaml",
        "kind: Kustomization\nspec:\n  path: ./apps\n  namePrefix: p-\n",
    )]);
    let listing: Vec<String> = [
        "apps/b.yaml",
        "apps/a/kustomization.yaml",
        "apps/a/x.yaml",
        "apps/c/d.yml",
    ]
    .map(str::to_owned)
    .to_vec();
    let (out, _) = generate(&files, &listing, "apps");
    assert_eq!(
        out.to_json(),
        json!({
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": ["./a", "./b.yaml", "./c/d.yml"],
            "namePrefix": "p-"
        })
    );
    // Generated entries are located at spec.path.
    assert_eq!(
        files.at(out.get("resources").expect("resources").span),
        "ks.yaml:3:9"
    );
}

/// An empty targetNamespace removes the file's namespace (Go's omitempty);
/// a non-string one is a problem.
#[test]
fn empty_and_malformed_strings() {
    let out = json_of(&[
        (
            "ks.yaml",
            "kind: Kustomization\nspec:\n  targetNamespace: \"\"\n",
        ),
        (
            "kustomization.yaml",
            &format!("{KUSTOMIZE}namespace: x\nresources: [a.yaml]\n"),
        ),
    ]);
    assert_eq!(out.get("namespace"), None);
    let files = Files::new(&[
        (
            "ks.yaml",
            "kind: Kustomization\nspec:\n  namePrefix: [a]\n  patches: {}\n",
        ),
        (
            "kustomization.yaml",
            &format!("{KUSTOMIZE}resources: [a.yaml]\n"),
        ),
    ]);
    let (_, problems) = generate(&files, &[], ".");
    let messages: Vec<String> = problems
        .iter()
        .map(|p| format!("{} {}", files.at(p.origin), p.message))
        .collect();
    assert_eq!(
        messages,
        vec![
            "ks.yaml:3:15 spec.namePrefix must be a string",
            "ks.yaml:4:12 spec.patches must be a list"
        ]
    );
}

#[test]
fn local_relative_paths() {
    for path in ["../components/x", "./a", "a", "file.yaml", "gh"] {
        assert!(is_local_relative_path(path), "{path}");
    }
    for path in [
        "/abs",
        "git::https://x",
        "GH:org/repo",
        "github.com/org/repo",
        "file:///abs",
        "git@github.com:x",
    ] {
        assert!(!is_local_relative_path(path), "{path}");
    }
}
