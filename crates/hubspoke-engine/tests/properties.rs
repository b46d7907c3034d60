//! Property tests: random and mutated YAML never panics the parser or the
//! pipeline, and the findings do not depend on the thread count.

use hubspoke_engine::{bundled_sources, lint_files, EvalOptions, Evaluator, Finding, RuleSet};
use hubspoke_manifest::{parse_text, ParseLimits, ParsedFile};
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
        lint_files(files, &[], &evaluator).findings
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
        prop_assert!(one.iter().all(|f| f.rule != hubspoke_engine::INTERNAL_ERROR));
        for finding in &one {
            if let Some(region) = finding.region {
                prop_assert!(region.start.offset <= region.end.offset);
                prop_assert!(region.end.offset <= text.len());
            }
        }
    }
}
