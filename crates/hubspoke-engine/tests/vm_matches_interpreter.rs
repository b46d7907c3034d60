//! Bundled rules run on regorus' bytecode VM (document rules in one dispatch
//! execution per document, repository rules once per model; interpreter
//! fallback); this proves the findings are exactly the interpreter's on every
//! YAML file the repository ships: the example repositories, the bad-input
//! corpus, the Kyverno conformance cases and every rule's pass/fail fixtures,
//! with every rule on (off-by-default ones included).

use std::path::{Path, PathBuf};

use hubspoke_engine::{
    bundled_sources, lint_roots, EvalOptions, Evaluator, RepositoryRoot, RuleSet,
};
use hubspoke_manifest::{discover, read_and_parse, DiscoverOptions, ModelOptions, ParseLimits};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn lint(
    root: &Path,
    rules: &RuleSet,
    interpreter_only: bool,
    timings: bool,
) -> (Vec<String>, hubspoke_engine::EvalStats) {
    let options = DiscoverOptions::new(&[], &[], u64::MAX, None).expect("default globs");
    let discovery = discover(&[root.to_path_buf()], &options);
    let parsed = read_and_parse(&discovery.files, ParseLimits::default());
    let mut evaluator = Evaluator::new(
        rules,
        EvalOptions {
            config: serde_json::json!({"params": {}}),
            enabled: rules.rules.iter().map(|r| r.meta.id.clone()).collect(),
            interpreter_only,
            collect_timings: timings,
            ..EvalOptions::default()
        },
    );
    let roots = [RepositoryRoot {
        path: root,
        files: parsed.iter().collect(),
    }];
    let outcome = lint_roots(
        &parsed,
        &discovery.problems,
        &roots,
        &evaluator,
        &ModelOptions::default(),
    );
    let findings = outcome.findings.iter().map(|f| format!("{f:?}")).collect();
    (findings, evaluator.take_stats())
}

/// Panics naming the findings only one side reports.
fn assert_same(expected: &[String], actual: &[String], what: &str) {
    let missing: Vec<&String> = expected.iter().filter(|f| !actual.contains(f)).collect();
    let extra: Vec<&String> = actual.iter().filter(|f| !expected.contains(f)).collect();
    assert!(
        expected == actual,
        "{what}: findings differ\nonly the interpreter: {missing:#?}\nonly the VM: {extra:#?}"
    );
}

#[test]
fn vm_and_interpreter_report_the_same_findings() {
    let rules = RuleSet::load(bundled_sources());
    let mut roots: Vec<PathBuf> = Vec::new();
    for dir in ["fixtures", "policies"] {
        roots.extend(sorted_dirs(&workspace().join(dir)));
    }
    // Each repository rule's fixture cases are separate repositories: one model of
    // them all would mix their clusters.
    let repository_fixtures = workspace().join("policies/hub-spoke/fixtures");
    for rule in sorted_dirs(&repository_fixtures) {
        for outcome in ["pass", "fail"] {
            roots.extend(sorted_dirs(&rule.join(outcome)));
        }
    }
    let (mut total, mut dispatched, mut on_vm) = (0, 0, 0);
    for root in &roots {
        let (interpreter, _) = lint(root, &rules, true, false);
        let (vm, stats) = lint(root, &rules, false, false);
        assert_same(
            &interpreter,
            &vm,
            &format!("{} (VM, dispatch)", root.display()),
        );
        let (vm_per_rule, per_rule) = lint(root, &rules, false, true);
        assert_same(
            &interpreter,
            &vm_per_rule,
            &format!("{} (VM, per rule)", root.display()),
        );
        total += interpreter.len();
        dispatched += stats.dispatched;
        on_vm += per_rule.evaluations - per_rule.interpreted;
    }
    assert!(
        total > 100,
        "expected findings in the fixtures, got {total}"
    );
    assert!(
        dispatched > 100,
        "the VM dispatched only {dispatched} documents"
    );
    assert!(on_vm > 1000, "the VM ran only {on_vm} rule evaluations");
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}
