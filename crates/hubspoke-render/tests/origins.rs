//! Every rendered value points at the text that made it: the base file, a
//! patch file, the exact line and column inside an inline patch's block
//! scalar, the `images:` entry, the `namespace:` value, a generator entry.

use hubspoke_manifest::{parse_dotted_path, parse_text, ParseLimits, ParsedFile};
use hubspoke_render::{build, locate, KustomizeOutput, Origin, RNode, RenderFs};

fn file(path: &str, text: &str) -> ParsedFile {
    parse_text(path, path, text.to_owned(), ParseLimits::default())
}

const BASE_KUSTOMIZATION: &str = "resources:\n  - deployment.yaml\n";

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.25
          ports:
            - containerPort: 80
";

const OVERLAY: &str = "\
namespace: prod
resources:
  - ../base
images:
  - name: nginx
    newTag: \"1.27\"
configMapGenerator:
  - name: settings
    literals:
      - MODE=fast
    envs:
      - app.env
patches:
  - path: limits.yaml
  - target:
      kind: Deployment
    patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
      spec:
        template:
          spec:
            containers:
              - name: web
                securityContext:
                  privileged: true
";

const LIMITS: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          resources:
            limits:
              memory: 128Mi
";

fn files() -> Vec<ParsedFile> {
    vec![
        file("base/kustomization.yaml", BASE_KUSTOMIZATION),
        file("base/deployment.yaml", DEPLOYMENT),
        file("overlay/kustomization.yaml", OVERLAY),
        file("overlay/limits.yaml", LIMITS),
    ]
}

fn render(files: &[ParsedFile]) -> KustomizeOutput {
    let fs = RenderFs::new(files, |path| match path {
        "overlay/app.env" => Ok(b"COLOR=blue\n".to_vec()),
        other => Err(format!("no {other}")),
    });
    let out = build(&fs, "overlay");
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    out
}

fn object<'o>(out: &'o KustomizeOutput, kind: &str) -> &'o RNode {
    &out.objects
        .iter()
        .find(|o| o.root.get("kind").and_then(RNode::as_str) == Some(kind))
        .unwrap_or_else(|| panic!("no {kind}"))
        .root
}

/// (file path, 1-based line, 1-based column) of the value at a dotted path.
fn at(files: &[ParsedFile], root: &RNode, path: &str) -> (String, u32, u32) {
    let located = locate(root, &parse_dotted_path(path));
    where_is(files, located.span)
}

fn where_is(files: &[ParsedFile], origin: Origin) -> (String, u32, u32) {
    let file = &files[origin.file.0 as usize];
    let region = file.source.region(origin.span);
    (
        file.source.repo_path.clone(),
        region.start.line,
        region.start.column,
    )
}

fn spot(path: &str, line: u32, column: u32) -> (String, u32, u32) {
    (path.to_owned(), line, column)
}

#[test]
fn a_base_value_points_at_the_base_file() {
    let files = files();
    let out = render(&files);
    let deployment = object(&out, "Deployment");
    assert_eq!(
        at(
            &files,
            deployment,
            "spec.template.spec.containers[0].ports[0].containerPort"
        ),
        spot("base/deployment.yaml", 12, 30)
    );
    let source = out
        .objects
        .iter()
        .find(|o| o.root.get("kind").and_then(RNode::as_str) == Some("Deployment"));
    assert_eq!(
        where_is(&files, source.expect("deployment").source),
        spot("base/deployment.yaml", 1, 1)
    );
}

#[test]
fn a_value_from_a_patch_file_points_at_the_patch() {
    let files = files();
    let out = render(&files);
    let deployment = object(&out, "Deployment");
    assert_eq!(
        at(
            &files,
            deployment,
            "spec.template.spec.containers[0].resources.limits.memory"
        ),
        spot("overlay/limits.yaml", 12, 23)
    );
}

#[test]
fn a_value_from_an_inline_patch_points_inside_its_block_scalar() {
    let files = files();
    let out = render(&files);
    let deployment = object(&out, "Deployment");
    // `privileged: true` is on line 28 of the overlay, the value at column 31.
    assert_eq!(
        at(
            &files,
            deployment,
            "spec.template.spec.containers[0].securityContext.privileged"
        ),
        spot("overlay/kustomization.yaml", 28, 31)
    );
    assert_eq!(&OVERLAY.lines().nth(27).expect("line 28")[30..], "true");
}

#[test]
fn inline_patch_lines_map_with_keep_and_strip_chomping_and_deeper_indentation() {
    for (header, indent) in [("|", 6), ("|+", 6), ("|-", 6), ("|-", 10)] {
        let pad = " ".repeat(indent);
        let overlay = format!(
            "resources:\n  - ../base\npatches:\n  - patch: {header}\n{pad}apiVersion: apps/v1\n{pad}kind: Deployment\n{pad}metadata:\n{pad}  name: web\n{pad}  labels:\n{pad}    patched: \"yes\"\n\n"
        );
        let files = vec![
            file("base/kustomization.yaml", BASE_KUSTOMIZATION),
            file("base/deployment.yaml", DEPLOYMENT),
            file("overlay/kustomization.yaml", &overlay),
        ];
        let out = render(&files);
        let deployment = object(&out, "Deployment");
        assert_eq!(
            at(&files, deployment, "metadata.labels.patched"),
            spot("overlay/kustomization.yaml", 10, indent as u32 + 14),
            "{header} with {indent} spaces"
        );
    }
}

#[test]
fn an_image_tag_points_at_the_images_entry() {
    let files = files();
    let out = render(&files);
    let deployment = object(&out, "Deployment");
    let image = deployment
        .get("spec")
        .and_then(|s| s.get("template"))
        .and_then(|t| t.get("spec"))
        .and_then(|s| s.get("containers"));
    assert!(format!("{:?}", image.map(RNode::to_json)).contains("nginx:1.27"));
    assert_eq!(
        at(&files, deployment, "spec.template.spec.containers[0].image"),
        spot("overlay/kustomization.yaml", 6, 13)
    );
}

#[test]
fn a_namespace_points_at_the_namespace_value() {
    let files = files();
    let out = render(&files);
    for kind in ["Deployment", "ConfigMap"] {
        assert_eq!(
            at(&files, object(&out, kind), "metadata.namespace"),
            spot("overlay/kustomization.yaml", 1, 12),
            "{kind}"
        );
    }
}

#[test]
fn generated_data_points_at_the_generator_entry() {
    let files = files();
    let out = render(&files);
    let config_map = object(&out, "ConfigMap");
    assert_eq!(
        at(&files, config_map, "data.MODE"),
        spot("overlay/kustomization.yaml", 10, 9)
    );
    assert_eq!(
        at(&files, config_map, "data.COLOR"),
        spot("overlay/kustomization.yaml", 12, 9)
    );
    assert_eq!(
        at(&files, config_map, "metadata.name"),
        spot("overlay/kustomization.yaml", 8, 13 - 2)
    );
    let name = config_map
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(RNode::as_str)
        .expect("name");
    assert!(
        name.starts_with("settings-") && name.len() == "settings-".len() + 10,
        "{name}"
    );
}

#[test]
fn a_missing_field_is_located_at_its_parent_key() {
    let files = files();
    let out = render(&files);
    let deployment = object(&out, "Deployment");
    let located = locate(
        deployment,
        &parse_dotted_path("spec.template.spec.containers[0].securityContext.runAsNonRoot"),
    );
    assert_eq!(located.depth, 6);
    assert_eq!(
        where_is(&files, located.span),
        spot("overlay/kustomization.yaml", 27, 17)
    );
}
