//! Bad input is a problem at its line, never a panic, and the rest renders.

use hubspoke_manifest::{parse_text, ParseLimits, ParsedFile};
use hubspoke_render::{build, KustomizeOutput, ProblemCode, RNode, RenderFs, UnknownKind};

fn file(path: &str, text: &str) -> ParsedFile {
    parse_text(path, path, text.to_owned(), ParseLimits::default())
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n";

fn render(files: &[ParsedFile], dir: &str) -> KustomizeOutput {
    build(&RenderFs::parsed_only(files), dir)
}

/// (code, line, kustomize fails) of every problem, sorted.
fn problems(out: &KustomizeOutput, files: &[ParsedFile]) -> Vec<(ProblemCode, u32, bool)> {
    let mut list: Vec<_> = out
        .problems
        .iter()
        .map(|p| {
            let line = files
                .get(p.origin.file.0 as usize)
                .map_or(0, |f| f.source.region(p.origin.span).start.line);
            (p.code, line, p.kustomize_fails)
        })
        .collect();
    list.sort();
    list
}

fn names(out: &KustomizeOutput) -> Vec<String> {
    out.objects
        .iter()
        .filter_map(|o| {
            o.root
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(RNode::as_str)
                .map(str::to_owned)
        })
        .collect()
}

#[test]
fn a_cycle_is_reported_where_it_closes_and_the_rest_renders() {
    let files = vec![
        file(
            "a/kustomization.yaml",
            "resources:\n  - cm.yaml\n  - ../b\n",
        ),
        file("a/cm.yaml", CM),
        file("b/kustomization.yaml", "resources:\n  - ../a\n"),
    ];
    let out = render(&files, "a");
    assert_eq!(problems(&out, &files), vec![(ProblemCode::Cycle, 2, true)]);
    assert_eq!(names(&out), vec!["kept"]);
    assert!(
        out.problems[0].message.contains("a → b → a"),
        "{}",
        out.problems[0].message
    );
}

#[test]
fn missing_files_and_bases_are_reported_at_their_entries() {
    let files = vec![
        file("app/kustomization.yaml", "resources:\n  - cm.yaml\n  - gone.yaml\n  - ../nowhere\ncomponents:\n  - ../no-component\n"),
        file("app/cm.yaml", CM),
        file("lonely/readme.yaml", "a: 1\n"),
    ];
    let out = render(&files, "app");
    assert_eq!(
        problems(&out, &files),
        vec![
            (ProblemCode::MissingFile, 3, true),
            (ProblemCode::MissingFile, 4, true),
            (ProblemCode::MissingFile, 6, true)
        ]
    );
    assert_eq!(names(&out), vec!["kept"]);
}

#[test]
fn patch_targets_matching_nothing_follow_kustomize() {
    let files = vec![
        file(
            "app/kustomization.yaml",
            "resources: [cm.yaml]\npatches:\n  - patch: |-\n      apiVersion: v1\n      kind: ConfigMap\n      metadata:\n        name: absent\n  - target:\n      kind: Secret\n    patch: |-\n      - op: add\n        path: /data\n        value: {}\n",
        ),
        file("app/cm.yaml", CM),
    ];
    let out = render(&files, "app");
    // kustomize fails on the strategic-merge patch naming no object, and
    // accepts a target that selects nothing (still worth a warning).
    assert_eq!(
        problems(&out, &files),
        vec![
            (ProblemCode::PatchTargetNotFound, 4, true),
            (ProblemCode::PatchTargetNotFound, 9, false)
        ]
    );
    assert_eq!(names(&out), vec!["kept"]);
}

#[test]
fn invalid_json_patches_are_reported_at_the_operation() {
    let files = vec![
        file(
            "app/kustomization.yaml",
            "resources: [cm.yaml]\npatches:\n  - target: {kind: ConfigMap}\n    patch: |-\n      - op: remove\n        path: /data/missing\n  - target: {kind: ConfigMap}\n    patch: |-\n      - op: frobnicate\n        path: /data\n  - target: {kind: ConfigMap}\n    patch: |-\n      - op: add\n        path: data\n        value: 1\n",
        ),
        file("app/cm.yaml", CM),
    ];
    let out = render(&files, "app");
    assert_eq!(
        problems(&out, &files),
        vec![
            (ProblemCode::InvalidJsonPatch, 5, true),
            (ProblemCode::InvalidJsonPatch, 9, true),
            (ProblemCode::InvalidJsonPatch, 14, true),
        ]
    );
    assert_eq!(names(&out), vec!["kept"]);
}

#[test]
fn a_name_collision_is_reported_at_the_second_objects_name() {
    let files = vec![
        file(
            "app/kustomization.yaml",
            "namePrefix: x-\nresources:\n  - a\n  - b\n",
        ),
        file("app/a/kustomization.yaml", "resources: [cm.yaml]\n"),
        file("app/a/cm.yaml", CM),
        file("app/b/kustomization.yaml", "resources: [cm.yaml]\n"),
        file("app/b/cm.yaml", CM),
    ];
    let out = render(&files, "app");
    let found = problems(&out, &files);
    assert_eq!(found, vec![(ProblemCode::IdConflict, 4, true)]);
    assert_eq!(out.problems[0].origin.file, hubspoke_render::FileId(4));
    assert_eq!(names(&out), vec!["x-kept"]);
}

#[test]
fn malformed_fields_are_reported_and_ignored() {
    let files = vec![
        file(
            "app/kustomization.yaml",
            "namespace: 42\ncommonLabels:\n  version: 1.0\n  team: web\nresources: cm.yaml\nimages:\n  - name: nginx\n    newTag: 1.27\nfrobnicate: true\nresources: [cm.yaml]\n",
        ),
        file("app/cm.yaml", CM),
    ];
    let out = render(&files, "app");
    let codes: Vec<(ProblemCode, u32, bool)> = problems(&out, &files);
    assert_eq!(
        codes,
        vec![
            (ProblemCode::InvalidKustomization, 1, true),
            (ProblemCode::InvalidKustomization, 3, true),
            (ProblemCode::InvalidKustomization, 5, true),
            (ProblemCode::InvalidKustomization, 8, true),
            (ProblemCode::InvalidKustomization, 9, true),
            (ProblemCode::InvalidKustomization, 10, true),
        ]
    );
    let labels = out.objects[0]
        .root
        .get("metadata")
        .and_then(|m| m.get("labels"))
        .map(RNode::to_json);
    assert_eq!(labels, Some(serde_json::json!({"team": "web"})));
}

#[test]
fn remote_bases_are_unknown_not_errors() {
    let files = vec![
        file(
            "app/kustomization.yaml",
            "resources:\n  - cm.yaml\n  - github.com/example/repo//deploy?ref=v1\n  - https://example.com/manifest.yaml\nhelmCharts:\n  - name: x\n",
        ),
        file("app/cm.yaml", CM),
    ];
    let out = render(&files, "app");
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let kinds: Vec<UnknownKind> = out.unknowns.iter().map(|u| u.kind).collect();
    assert_eq!(
        kinds,
        vec![
            UnknownKind::HelmChart,
            UnknownKind::RemoteResource,
            UnknownKind::RemoteResource
        ]
    );
    assert_eq!(names(&out), vec!["kept"]);
}

#[test]
fn paths_outside_the_root_are_refused() {
    let files = vec![file(
        "app/kustomization.yaml",
        "resources:\n  - ../../etc\n  - /etc/passwd\n",
    )];
    let out = render(&files, "app");
    assert_eq!(
        problems(&out, &files),
        vec![
            (ProblemCode::OutsideRoot, 2, true),
            (ProblemCode::OutsideRoot, 3, true)
        ]
    );
}

#[test]
fn a_directory_without_kustomization_is_reported() {
    let files = vec![file("app/deploy.yaml", CM)];
    let out = render(&files, "app");
    assert_eq!(out.problems.len(), 1);
    assert_eq!(out.problems[0].code, ProblemCode::MissingKustomization);
    assert!(out.objects.is_empty());
}

/// A kustomization with a remote resource (or a Helm chart) holds objects this render cannot
/// see: a patch selecting none of the others may select one of those, an unknown at the
/// patch, not a problem. Without them the same patch is reported.
#[test]
fn a_patch_target_not_found_beside_unseen_resources_is_unknown() {
    let patches = "patches:\n  - target: {kind: CustomResourceDefinition, name: fluentbits.fluentbit.fluent.io}\n    patch: |-\n      - op: add\n        path: /metadata/labels\n        value: {a: b}\n  - patch: |-\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: controller\n";
    let files = vec![
        file(
            "remote/kustomization.yaml",
            &format!("resources:\n  - cm.yaml\n  - https://example.com/crds.yaml\n{patches}"),
        ),
        file("remote/cm.yaml", CM),
        // The remote resource is in a base: the overlay's patches are unknowns too.
        file(
            "overlay/kustomization.yaml",
            &format!("resources:\n  - ../remote\n{patches}"),
        ),
        file(
            "chart/kustomization.yaml",
            &format!("helmCharts:\n  - name: fluent-operator\n{patches}"),
        ),
        file(
            "local/kustomization.yaml",
            &format!("resources:\n  - cm.yaml\n{patches}"),
        ),
        file("local/cm.yaml", CM),
    ];
    for dir in ["remote", "overlay", "chart"] {
        let out = render(&files, dir);
        assert_eq!(problems(&out, &files), vec![], "{dir}");
        let unknowns: Vec<(UnknownKind, String, &str)> = out
            .unknowns
            .iter()
            .map(|u| {
                let source = &files[u.origin.file.0 as usize].source;
                let at = format!(
                    "{}:{}",
                    source.path,
                    source.region(u.origin.span).start.line
                );
                (u.kind, at, u.reason.as_str())
            })
            .filter(|(_, _, reason)| reason.starts_with("the patch selects"))
            .collect();
        let why = match dir {
            "chart" => "Helm charts are not inflated offline",
            _ => "remote resource `https://example.com/crds.yaml` is not fetched (no network)",
        };
        let reason = format!(
            "the patch selects none of the rendered resources; it may select one of the resources this build cannot see ({why})"
        );
        let places: &[&str] = match dir {
            "remote" => &[
                "remote/kustomization.yaml:5",
                "remote/kustomization.yaml:11",
            ],
            "overlay" => &[
                "remote/kustomization.yaml:5",
                "remote/kustomization.yaml:11",
                "overlay/kustomization.yaml:4",
                "overlay/kustomization.yaml:10",
            ],
            _ => &["chart/kustomization.yaml:4", "chart/kustomization.yaml:10"],
        };
        let expected: Vec<(UnknownKind, String, &str)> = places
            .iter()
            .map(|at| {
                (
                    UnknownKind::RemoteResource,
                    (*at).to_owned(),
                    reason.as_str(),
                )
            })
            .collect();
        assert_eq!(unknowns, expected, "{dir}");
    }
    let out = render(&files, "local");
    assert_eq!(
        problems(&out, &files),
        vec![
            (ProblemCode::PatchTargetNotFound, 4, false),
            (ProblemCode::PatchTargetNotFound, 10, true),
        ]
    );
}

/// kustomize reads a bracketed name without `=` as a field name that may hold dots
/// (Apocrathia/homelab `fieldPath: data.[config.toml]`); `kubectl kustomize` of this
/// kustomization gives `dst` the data `{out.key: hello, plain: hello}`.
#[test]
fn a_bracketed_field_name_in_a_replacement_path_names_a_key_with_dots() {
    let files = vec![
        file(
            "app/kustomization.yaml",
            "resources: [cm.yaml]\nreplacements:\n- source: {kind: ConfigMap, name: src, fieldPath: \"data.[config.toml]\"}\n  targets:\n  - select: {kind: ConfigMap, name: dst}\n    fieldPaths: [\"data.[out.key]\", data.plain]\n    options: {create: true}\n",
        ),
        file(
            "app/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: src}\ndata: {config.toml: hello}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: dst}\ndata: {plain: x}\n",
        ),
    ];
    let out = render(&files, "app");
    assert_eq!(problems(&out, &files), vec![]);
    let dst = out
        .objects
        .iter()
        .find(|o| {
            o.root
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(RNode::as_str)
                == Some("dst")
        })
        .expect("dst");
    assert_eq!(
        dst.root.get("data").map(RNode::to_json),
        Some(serde_json::json!({"plain": "hello", "out.key": "hello"}))
    );
}
