//! Property tests: random and mutated YAML never panics the parser or the
//! pipeline, generated repositories never panic discovery, the model or the
//! repository rules, and the findings do not depend on the thread count.

use std::path::Path;

use hubspoke_diagnostics::{sort_findings, Finding};
use hubspoke_engine::{bundled_sources, EvalOptions, Evaluator, RuleSet};
use hubspoke_manifest::{
    discover, parse_text, read_and_parse, DiscoverOptions, ModelOptions, ParseLimits, ParsedFile,
    DEFAULT_MAX_FILE_SIZE,
};
use hubspoke_workspace::{evaluate_files, evaluate_roots, RepositoryRoot};
use proptest::prelude::*;

const SEEDS: &[&str] = &[
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  hostNetwork: true\n  containers:\n    - name: app\n      image: nginx:latest\n      securityContext: {privileged: true}\n",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: team-a}\nspec:\n  template:\n    spec:\n      volumes: [{name: h, hostPath: {path: /}}]\n      initContainers: [{name: i, image: busybox}]\n",
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: k, namespace: t}\nspec:\n  sourceRef: {kind: GitRepository, name: s, namespace: other}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: b}\n",
    "a: &x [1, 2, {b: *x}]\n",
];

fn mutate(seed: &str, at: usize, insert: &str, delete: usize) -> String {
    let mut chars: Vec<char> = seed.chars().collect();
    let at = at % (chars.len() + 1);
    let end = (at + delete).min(chars.len());
    chars.splice(at..end, insert.chars());
    chars.into_iter().collect()
}

fn lint_with_threads(files: &[ParsedFile], rules: &RuleSet, threads: usize) -> Vec<Finding> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    pool.install(|| {
        let evaluator = Evaluator::new(rules, EvalOptions::default());
        let files: Vec<&ParsedFile> = files.iter().collect();
        let mut findings = evaluate_files(&evaluator, &files, &[], None);
        sort_findings(&mut findings);
        findings
    })
}

fn yaml_fragment() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just(": ".to_owned()),
            Just("\n".to_owned()),
            Just("\n  ".to_owned()),
            Just("- ".to_owned()),
            Just("---\n".to_owned()),
            Just("&a ".to_owned()),
            Just("*a".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("\"".to_owned()),
            Just("'".to_owned()),
            Just("!!str ".to_owned()),
            Just("<<: ".to_owned()),
            Just("\t".to_owned()),
            Just("# c\n".to_owned()),
            "[a-zA-Z0-9ü😀:/ .-]{0,8}",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_yaml_never_panics_the_parser(text in yaml_fragment()) {
        let parsed = parse_text("r.yaml", "r.yaml", text.as_str(), ParseLimits::default());
        for problem in &parsed.problems {
            if let Some(region) = problem.region {
                prop_assert!(region.start.offset <= text.len());
                prop_assert!(text.is_char_boundary(region.start.offset));
            }
        }
    }

    #[test]
    fn mutated_manifests_give_the_same_findings_with_1_and_3_threads(
        seed in 0..SEEDS.len(),
        at in 0usize..400,
        insert in yaml_fragment(),
        delete in 0usize..6,
        copies in 1usize..6,
    ) {
        let rules = RuleSet::load(bundled_sources());
        let text = mutate(SEEDS[seed], at, &insert, delete);
        let files: Vec<ParsedFile> = (0..copies)
            .map(|i| {
                let name = format!("f{i}.yaml");
                parse_text(&name, &name, text.as_str(), ParseLimits::default())
            })
            .collect();
        let one = lint_with_threads(&files, &rules, 1);
        let three = lint_with_threads(&files, &rules, 3);
        prop_assert_eq!(&one, &three);
        prop_assert!(one.iter().all(|f| f.rule != hubspoke_manifest::INTERNAL_ERROR));
        for finding in &one {
            if let Some(region) = finding.region {
                prop_assert!(region.start.offset <= region.end.offset);
                prop_assert!(region.end.offset <= text.len());
            }
        }
    }
}

/// Paths a kustomization or a Flux Kustomization may name: present, missing,
/// escaping the root, absolute, templated and remote.
const REFERENCES: &[&str] = &[
    "./apps",
    "apps",
    "./apps/base",
    "./missing",
    "../../..",
    "/etc",
    "/etc/passwd",
    "deploy.yaml",
    "base",
    "../base",
    "missing.yaml",
    "key=settings.env",
    "settings.env",
    "${CLUSTER}",
    "https://github.com/example/repo//base?ref=v1",
    "",
];

fn reference() -> impl Strategy<Value = &'static str> {
    prop::sample::select(REFERENCES)
}

/// One generated repository: cluster sync files, an overlay and a base, and a file of random bytes.
#[derive(Debug, Clone)]
struct GeneratedRepo {
    flux_paths: Vec<&'static str>,
    resources: Vec<&'static str>,
    generator_files: Vec<&'static str>,
    base_resources: Vec<&'static str>,
    junk: Vec<u8>,
}

fn generated_repo() -> impl Strategy<Value = GeneratedRepo> {
    (
        prop::collection::vec(reference(), 1..4),
        prop::collection::vec(reference(), 0..5),
        prop::collection::vec(reference(), 0..3),
        prop::collection::vec(reference(), 0..3),
        prop::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(
            |(flux_paths, resources, generator_files, base_resources, junk)| GeneratedRepo {
                flux_paths,
                resources,
                generator_files,
                base_resources,
                junk,
            },
        )
}

fn yaml_list(items: &[&str]) -> String {
    items.iter().map(|i| format!("  - {i:?}\n")).collect()
}

fn write_repo(root: &Path, repo: &GeneratedRepo) {
    let write = |path: &str, text: &[u8]| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    for (i, path) in repo.flux_paths.iter().enumerate() {
        write(
            &format!("clusters/c{i}/sync.yaml"),
            format!("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: apps-{i}, namespace: flux-system}}\nspec:\n  interval: 10m\n  path: {path:?}\n  prune: true\n  sourceRef: {{kind: GitRepository, name: flux-system}}\n  dependsOn: [{{name: apps-{}}}]\n", (i + 1) % repo.flux_paths.len()).as_bytes(),
        );
    }
    write(
        "apps/kustomization.yaml",
        format!("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: apps\nresources:\n{}configMapGenerator:\n  - name: settings\n    files:\n{}", yaml_list(&repo.resources), yaml_list(&repo.generator_files)).as_bytes(),
    );
    write(
        "apps/deploy.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: nginx:latest}]\n",
    );
    write("apps/settings.env", b"MODE=production\n");
    write(
        "apps/base/kustomization.yaml",
        format!("resources:\n{}", yaml_list(&repo.base_resources)).as_bytes(),
    );
    write("apps/junk.yaml", &repo.junk);
}

/// Discover, parse, model and evaluate one root (document and repository rules) on a pool of `threads`.
fn lint_repository_with_threads(root: &Path, rules: &RuleSet, threads: usize) -> Vec<Finding> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    pool.install(|| {
        let options = DiscoverOptions::new(&[], &[], DEFAULT_MAX_FILE_SIZE, None).expect("globs");
        let discovery = discover(&[root.to_path_buf()], &options);
        let parsed = read_and_parse(&discovery.files, ParseLimits::default());
        let roots = [RepositoryRoot {
            path: root,
            files: parsed.iter().collect(),
        }];
        let evaluator = Evaluator::new(rules, EvalOptions::default());
        let files: Vec<&ParsedFile> = parsed.iter().collect();
        let mut findings = evaluate_roots(
            &evaluator,
            &files,
            &discovery.problems,
            &roots,
            &ModelOptions::default(),
            true,
        )
        .findings;
        sort_findings(&mut findings);
        findings
    })
}

proptest! {
    // Each case runs the whole bundled library twice on a small repository: few cases
    // keep the test near ten seconds in a debug build.
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn generated_repositories_give_the_same_findings_with_1_and_2_threads(repo in generated_repo()) {
        let dir = tempfile::tempdir().expect("tempdir");
        write_repo(dir.path(), &repo);
        let rules = RuleSet::load(bundled_sources());
        let one = lint_repository_with_threads(dir.path(), &rules, 1);
        let two = lint_repository_with_threads(dir.path(), &rules, 2);
        prop_assert_eq!(&one, &two);
        prop_assert!(one.iter().all(|f| f.rule != hubspoke_manifest::INTERNAL_ERROR), "{:?}", one);
        // The Deployment's `image: nginx:latest` is always found: the run went through.
        prop_assert!(one.iter().any(|f| f.file.ends_with("apps/deploy.yaml")));
    }
}
