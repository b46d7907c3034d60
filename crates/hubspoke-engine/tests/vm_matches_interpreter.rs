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

/// Lint a root with only the rules `active` accepts (off-by-default ones included).
fn lint(
    root: &Path,
    rules: &RuleSet,
    active: &dyn Fn(&hubspoke_engine::RuleMeta) -> bool,
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
            disabled: rules
                .rules
                .iter()
                .filter(|r| !active(&r.meta))
                .map(|r| r.meta.id.clone())
                .collect(),
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

/// Counts over the compared roots: findings, documents dispatched in one VM
/// execution, rule evaluations on the VM.
struct Compared {
    findings: usize,
    dispatched: u64,
    on_vm: u64,
}

/// Lint each root on the interpreter, on the VM with dispatch and on the VM rule
/// by rule, and require the same findings.
fn compare(roots: &[PathBuf], active: &dyn Fn(&hubspoke_engine::RuleMeta) -> bool) -> Compared {
    let rules = RuleSet::load(bundled_sources());
    let mut compared = Compared {
        findings: 0,
        dispatched: 0,
        on_vm: 0,
    };
    for root in roots {
        let (interpreter, _) = lint(root, &rules, active, true, false);
        let (vm, stats) = lint(root, &rules, active, false, false);
        assert_same(
            &interpreter,
            &vm,
            &format!("{} (VM, dispatch)", root.display()),
        );
        let (vm_per_rule, per_rule) = lint(root, &rules, active, false, true);
        assert_same(
            &interpreter,
            &vm_per_rule,
            &format!("{} (VM, per rule)", root.display()),
        );
        compared.findings += interpreter.len();
        compared.dispatched += stats.dispatched;
        compared.on_vm += per_rule.evaluations - per_rule.interpreted;
    }
    compared
}

// Four tests rather than one so that the test harness runs them in parallel.

#[test]
fn vm_and_interpreter_agree_on_the_conformance_cases() {
    // The categories our bundled rules are equivalent to; the rest of the vendored policy
    // library (other/, istio/, …) tests a repository's own Kyverno policies, not these rules.
    let categories: Vec<PathBuf> = ["pod-security", "best-practices", "flux"]
        .iter()
        .map(|c| {
            workspace()
                .join("fixtures/conformance/kyverno-policies")
                .join(c)
        })
        .collect();
    let compared = compare(&categories, &every_rule);
    assert!(compared.findings > 100, "{} findings", compared.findings);
    assert!(
        compared.dispatched > 100,
        "{} dispatched",
        compared.dispatched
    );
    assert!(compared.on_vm > 1000, "{} on the VM", compared.on_vm);
}

#[test]
fn vm_and_interpreter_agree_on_the_example_repositories() {
    let roots: Vec<PathBuf> = sorted_dirs(&workspace().join("fixtures"))
        .into_iter()
        .filter(|dir| !dir.ends_with("conformance"))
        .collect();
    let compared = compare(&roots, &every_rule);
    assert!(compared.findings > 100, "{} findings", compared.findings);
    assert!(
        compared.dispatched > 50,
        "{} dispatched",
        compared.dispatched
    );
}

#[test]
fn vm_and_interpreter_agree_on_the_rule_fixtures() {
    let compared = compare(&sorted_dirs(&workspace().join("policies")), &every_rule);
    assert!(compared.findings > 100, "{} findings", compared.findings);
}

/// Each repository rule's fixture cases are separate repositories: one model of
/// them all would mix their clusters. Only repository rules: the documents are
/// already compared in `policies/` as a whole.
#[test]
fn vm_and_interpreter_agree_on_each_repository_rule_case() {
    let mut roots = Vec::new();
    for rule in sorted_dirs(&workspace().join("policies/hub-spoke/fixtures")) {
        for outcome in ["pass", "fail"] {
            roots.extend(sorted_dirs(&rule.join(outcome)));
        }
    }
    let repository_rules =
        |meta: &hubspoke_engine::RuleMeta| meta.scope == hubspoke_engine::Scope::Repository;
    let compared = compare(&roots, &repository_rules);
    assert!(compared.findings > 30, "{} findings", compared.findings);
    assert!(compared.on_vm > 500, "{} on the VM", compared.on_vm);
}

fn every_rule(_: &hubspoke_engine::RuleMeta) -> bool {
    true
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
