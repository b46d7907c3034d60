//! Conformance with Kyverno's own tests: every `kyverno-test.yaml` of the
//! vendored policy library categories and of the Kyverno CLI's engine
//! scenarios (`fixtures/conformance/`), run through our `kyverno test`
//! runner, each expected result compared with ours.
//!
//! `podSecurity` rules are decided as `hubspoke-lint test` decides them, by the
//! bundled Pod Security profile rules (which is why this test lives here and not
//! in `hubspoke-kyverno`, which knows nothing of Rego). Results of rules that
//! cannot be decided offline (mutate, generate, verifyImages, CEL, other policy
//! kinds…) are counted apart as out of scope. Every in-scope disagreement must be
//! listed, with its reason, in `fixtures/conformance/kyverno-allow-list.yaml`; an
//! entry that no longer matches a disagreement fails the test too.
//!
//! `cargo test -p hubspoke-workspace --test kyverno_conformance -- --nocapture`
//! prints the agreement table.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use hubspoke_engine::{bundled_sources, EvalOptions, RuleSet};
use hubspoke_kyverno::kyverno_test::{find_tests, run_test_with, Actual, Check};
use hubspoke_manifest::{parse_text, ParseLimits};
use hubspoke_workspace::kyverno_tests::BundledPodSecurity;
use serde_json::Value;

const DIRECTORIES: [&str; 11] = [
    "kyverno-policies/other",
    "kyverno-policies/psp-migration",
    "kyverno-policies/cert-manager",
    "kyverno-policies/istio",
    "kyverno-policies/nginx-ingress",
    "kyverno-policies/external-secret-operator",
    "kyverno-policies/best-practices",
    "kyverno-policies/pod-security",
    "kyverno-policies/flux",
    "kyverno-engine",
    "../kyverno-exceptions",
];

/// The agreement the suite must keep over in-scope results.
const MINIMUM_AGREEMENT: f64 = 0.98;

fn conformance_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/conformance")
}

/// One disagreement: where, and both verdicts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Disagreement {
    test: String,
    policy: String,
    rule: String,
    resource: String,
    expected: String,
    ours: String,
}

fn ours(check: &Check) -> String {
    match &check.actual {
        Actual::Status(s) => s.clone(),
        Actual::Excluded => "excluded".to_owned(),
        Actual::PolicyRejected(_) => "policy-rejected".to_owned(),
        Actual::OutOfScope(_) => "out-of-scope".to_owned(),
    }
}

fn allow_list(root: &Path) -> Vec<(Disagreement, String)> {
    let path = root.join("kyverno-allow-list.yaml");
    let text = std::fs::read_to_string(&path).expect("the allow-list exists");
    let parsed = parse_text("allow-list", "allow-list", text, ParseLimits::default());
    let document = parsed
        .documents
        .first()
        .map(|d| d.root.to_json())
        .unwrap_or(Value::Null);
    let entries = document.as_array().cloned().unwrap_or_default();
    entries
        .iter()
        .map(|e| {
            let text = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            let reason = text("reason");
            assert!(!reason.is_empty(), "allow-list entry without a reason: {e}");
            (
                Disagreement {
                    test: text("test"),
                    policy: text("policy"),
                    rule: text("rule"),
                    resource: text("resource"),
                    expected: text("expected"),
                    ours: text("ours"),
                },
                reason,
            )
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    agree: usize,
    agree_by_exclusion: usize,
    disagree: usize,
    allowed: usize,
    out_of_scope: usize,
    test_errors: usize,
}

#[test]
fn kyverno_conformance() {
    let root = conformance_root();
    let allowed = allow_list(&root);
    let rules = RuleSet::load(bundled_sources());
    let pod_security = BundledPodSecurity::new(&rules, EvalOptions::default().rule_timeout);
    let mut unexpected: Vec<Disagreement> = Vec::new();
    let mut matched_allowances: BTreeSet<Disagreement> = BTreeSet::new();
    let mut total = Tally::default();
    let mut out_of_scope_reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut excluded: Vec<String> = Vec::new();
    println!(
        "{:<44} {:>7} {:>9} {:>9} {:>8} {:>12} {:>7}",
        "directory", "agree", "excluded", "disagree", "allowed", "out-of-scope", "errors"
    );
    for directory in DIRECTORIES {
        let mut tally = Tally::default();
        for test in find_tests(&root.join(directory)) {
            let test_name = test
                .strip_prefix(&root)
                .unwrap_or(&test)
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let report = match run_test_with(&test, Some(&pod_security)) {
                Ok(report) => report,
                Err(error) => {
                    tally.test_errors += 1;
                    let d = Disagreement {
                        test: test_name.clone(),
                        policy: String::new(),
                        rule: String::new(),
                        resource: String::new(),
                        expected: String::new(),
                        ours: format!("test-error: {error}"),
                    };
                    classify(
                        d,
                        &allowed,
                        &mut matched_allowances,
                        &mut unexpected,
                        &mut tally,
                    );
                    continue;
                }
            };
            for check in &report.checks {
                if let Actual::OutOfScope(reason) = &check.actual {
                    tally.out_of_scope += 1;
                    *out_of_scope_reasons.entry(reason_kind(reason)).or_default() += 1;
                    continue;
                }
                if check.kyverno_test_passes() {
                    tally.agree += 1;
                    if matches!(check.actual, Actual::Excluded) {
                        tally.agree_by_exclusion += 1;
                        excluded.push(format!(
                            "{test_name} {} {} {} expected {}",
                            check.policy, check.rule, check.resource_key, check.expected
                        ));
                    }
                    continue;
                }
                if let Some(message) = &check.message {
                    println!(
                        "MESSAGE {} {} {}: {message}",
                        check.policy, check.rule, check.resource_key
                    );
                }
                let d = Disagreement {
                    test: test_name.clone(),
                    policy: check.policy.clone(),
                    rule: check.rule.clone(),
                    resource: check.resource_key.clone(),
                    expected: check.expected.clone(),
                    ours: ours(check),
                };
                classify(
                    d,
                    &allowed,
                    &mut matched_allowances,
                    &mut unexpected,
                    &mut tally,
                );
            }
        }
        println!(
            "{:<44} {:>7} {:>9} {:>9} {:>8} {:>12} {:>7}",
            directory,
            tally.agree,
            tally.agree_by_exclusion,
            tally.disagree,
            tally.allowed,
            tally.out_of_scope,
            tally.test_errors
        );
        total.agree += tally.agree;
        total.agree_by_exclusion += tally.agree_by_exclusion;
        total.disagree += tally.disagree;
        total.allowed += tally.allowed;
        total.out_of_scope += tally.out_of_scope;
        total.test_errors += tally.test_errors;
    }
    let in_scope = total.agree + total.disagree + total.allowed;
    #[allow(clippy::cast_precision_loss)]
    let agreement = if in_scope == 0 {
        0.0
    } else {
        total.agree as f64 / in_scope as f64
    };
    println!(
        "{:<44} {:>7} {:>9} {:>9} {:>8} {:>12} {:>7}",
        "total",
        total.agree,
        total.agree_by_exclusion,
        total.disagree,
        total.allowed,
        total.out_of_scope,
        total.test_errors
    );
    println!(
        "agreement over in-scope results: {:.2} % ({} of {})",
        agreement * 100.0,
        total.agree,
        in_scope
    );
    println!("out of scope, by what they need:");
    for (reason, count) in &out_of_scope_reasons {
        println!("  {count:>4}  {reason}");
    }
    println!(
        "agreeing only because the rule did not answer (kyverno test counts these as passing):"
    );
    for line in &excluded {
        println!("  {line}");
    }
    for d in &unexpected {
        println!("DISAGREE {d:?}");
    }
    let stale: Vec<&Disagreement> = allowed
        .iter()
        .map(|(d, _)| d)
        .filter(|d| !matched_allowances.contains(*d))
        .collect();
    for d in &stale {
        println!("STALE ALLOW-LIST ENTRY {d:?}");
    }
    assert!(
        unexpected.is_empty(),
        "{} disagreements not in the allow-list",
        unexpected.len()
    );
    assert!(
        stale.is_empty(),
        "{} allow-list entries match no disagreement",
        stale.len()
    );
    assert!(
        agreement >= MINIMUM_AGREEMENT,
        "agreement {agreement:.4} below {MINIMUM_AGREEMENT}"
    );
}

fn classify(
    d: Disagreement,
    allowed: &[(Disagreement, String)],
    matched: &mut BTreeSet<Disagreement>,
    unexpected: &mut Vec<Disagreement>,
    tally: &mut Tally,
) {
    if allowed.iter().any(|(a, _)| *a == d) {
        tally.allowed += 1;
        matched.insert(d);
    } else {
        tally.disagree += 1;
        unexpected.push(d);
    }
}

/// A reason without the names in it, to count reasons by kind.
fn reason_kind(reason: &str) -> String {
    match reason.split_once('`') {
        Some((before, rest)) => {
            let after = rest.split_once('`').map_or("", |(_, a)| a);
            format!("{before}…{after}")
        }
        None => reason.to_owned(),
    }
}
