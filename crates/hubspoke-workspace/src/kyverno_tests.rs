//! Kyverno CLI tests (`kyverno-test.yaml`: policies, resources, `results[]`,
//! `variables`/`values`) run as `kyverno test` runs them, each expected result
//! located on its line of the test file, for `hubspoke-lint test`.

use std::path::Path;

use hubspoke_engine::{bundled_sources, EvalOptions, RuleSet};
use hubspoke_kyverno::kyverno_test::{find_tests, run_test_with, Actual, Check};
use hubspoke_manifest::{parse_text, ParseLimits, PathSegment};

pub use crate::stages::kyverno::BundledPodSecurity;

/// How one expected result came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KyvernoTestOutcome {
    /// `kyverno test` would pass it.
    Passed,
    /// It would fail it: why.
    Failed(String),
    /// Not checked: the rule cannot be decided offline (mutate, generate, CEL, a mocked
    /// API call…): what it needs.
    Skipped(String),
    /// Not checked: the policy is refused as Kyverno refuses it (`kyverno test` skips
    /// it and passes its results): why.
    Refused(String),
}

/// One expected result of one test file, on one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KyvernoTestCase {
    /// The test file, as found under the directory given.
    pub file: String,
    /// The line of its `results[]` entry (1 when unknown).
    pub line: u32,
    /// `policy/rule on resource: expected X`.
    pub name: String,
    /// The verdict.
    pub outcome: KyvernoTestOutcome,
}

/// Every Kyverno CLI test below a directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KyvernoTestRun {
    /// How many `kyverno-test.yaml` files were found.
    pub files: usize,
    /// Their expected results, in file order.
    pub cases: Vec<KyvernoTestCase>,
    /// Test files that could not be run: `(file, why)`.
    pub errors: Vec<(String, String)>,
}

/// Run every `kyverno-test.yaml` below `dir` (hidden directories such as
/// `.kyverno-test/` included). `podSecurity` rules are decided by the bundled Pod
/// Security profile rules, as a lint run decides them.
pub fn run_kyverno_tests(dir: &Path) -> KyvernoTestRun {
    let mut run = KyvernoTestRun::default();
    let tests = find_tests(dir);
    if tests.is_empty() {
        return run;
    }
    let rules = RuleSet::load(bundled_sources());
    let pod_security = BundledPodSecurity::new(&rules, EvalOptions::default().rule_timeout);
    for path in tests {
        run.files += 1;
        let file = path.display().to_string();
        let report = match run_test_with(&path, Some(&pod_security)) {
            Ok(report) => report,
            Err(error) => {
                run.errors.push((file, error.to_string()));
                continue;
            }
        };
        let lines = result_lines(&path);
        for check in &report.checks {
            run.cases.push(KyvernoTestCase {
                file: file.clone(),
                line: lines.get(check.result_index).copied().unwrap_or(1),
                name: format!(
                    "{}/{} on {}: expected {}",
                    check.policy,
                    check.rule,
                    resource_name(check),
                    check.expected
                ),
                outcome: outcome(check),
            });
        }
    }
    run
}

/// `kyverno test`'s verdict on one check.
fn outcome(check: &Check) -> KyvernoTestOutcome {
    match &check.actual {
        Actual::OutOfScope(why) => return KyvernoTestOutcome::Skipped(why.clone()),
        Actual::PolicyRejected(why) => return KyvernoTestOutcome::Refused(why.clone()),
        _ => {}
    }
    if check.kyverno_test_passes() {
        return KyvernoTestOutcome::Passed;
    }
    let got = match &check.actual {
        Actual::Status(status) => status.clone(),
        Actual::Excluded => "no result (the rule does not match)".to_owned(),
        Actual::PolicyRejected(why) => format!("the policy refused ({why})"),
        Actual::OutOfScope(why) => why.clone(),
    };
    let mut why = format!("got {got}");
    if let Some(message) = &check.message {
        why.push_str(&format!(": {message}"));
    }
    KyvernoTestOutcome::Failed(why)
}

/// The resource as the test names it, else as `kind/namespace/name`.
fn resource_name(check: &Check) -> String {
    if !check.resource.is_empty() {
        return check.resource.clone();
    }
    let parts: Vec<&str> = check.resource_key.split(',').collect();
    match parts.as_slice() {
        [_, kind, "", name] => format!("{kind}/{name}"),
        [_, kind, namespace, name] => format!("{kind}/{namespace}/{name}"),
        _ => check.resource_key.clone(),
    }
}

/// The line of each `results[]` entry of a test file.
fn result_lines(path: &Path) -> Vec<u32> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let display = path.display().to_string();
    let parsed = parse_text(&display, &display, text, ParseLimits::default());
    let Some(document) = parsed.documents.first() else {
        return Vec::new();
    };
    let count = document
        .root
        .get("results")
        .map(|r| r.to_json().as_array().map_or(0, Vec::len))
        .unwrap_or(0);
    (0..count)
        .map(|i| {
            let at = [
                PathSegment::Key("results".to_owned()),
                PathSegment::Index(i),
            ];
            parsed.source.region(document.locate(&at).span).start.line
        })
        .collect()
}
