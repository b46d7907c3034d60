//! The bundled library: it loads cleanly, its metadata follows the naming
//! conventions, every rule passes its own fixtures and every helper its Rego
//! unit tests.

use std::path::PathBuf;

use hubspoke_engine::rego_tests::run_rego_tests;
use hubspoke_engine::{bundled_sources, load_policy_tests, EvalOptions, Evaluator, RuleSet, Scope};
use hubspoke_workspace::fixtures::run_fixtures;

fn policies_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies")
}

#[test]
fn bundled_library_loads_without_errors() {
    let rules = RuleSet::load(bundled_sources());
    assert!(rules.load_findings.is_empty(), "{:#?}", rules.load_findings);
    assert!(
        rules.rules.len() >= 10,
        "only {} rules loaded",
        rules.rules.len()
    );
}

#[test]
fn metadata_follows_the_conventions() {
    let rules = RuleSet::load(bundled_sources());
    for rule in &rules.rules {
        let meta = &rule.meta;
        // policies/<family>/<slug>.rego
        let rel = meta.source.strip_prefix("policies/").expect("bundled path");
        let (family, file) = rel.split_once('/').expect("family folder");
        let slug = file.strip_suffix(".rego").expect(".rego");
        assert_eq!(
            meta.title,
            slug.replace('_', "-"),
            "{}: title must be the kebab form of the file stem",
            meta.id
        );
        assert_eq!(
            meta.package,
            format!("data.hubspoke.{}.{}", family.replace('-', "_"), slug),
            "{}: package must follow the path",
            meta.id
        );
        assert!(
            meta.tags.iter().any(|t| t == family),
            "{}: tags must include the family `{family}`",
            meta.id
        );
        assert!(
            meta.security_severity.is_some(),
            "{}: security_severity is required for bundled rules",
            meta.id
        );
        let first_sentence = meta.summary();
        assert!(
            first_sentence.ends_with('.'),
            "{}: description must open with a full sentence",
            meta.id
        );
        if meta.scope == Scope::Document {
            assert!(!meta.kinds.is_empty());
        }
    }
}

#[test]
fn every_rule_passes_its_fixtures() {
    let rules = RuleSet::load(bundled_sources());
    // Fixtures exercise every rule, including those off by default.
    let all_rules = EvalOptions {
        enabled: rules.rules.iter().map(|r| r.meta.id.clone()).collect(),
        ..EvalOptions::default()
    };
    let evaluator = Evaluator::new(&rules, all_rules);
    let report = run_fixtures(&policies_dir(), &rules, &evaluator, true);
    assert!(report.ok(), "\n{}", report.failures());
    assert!(
        report.cases.len() >= 20,
        "only {} fixture cases ran",
        report.cases.len()
    );
}

/// Markers pin each expected finding's rule and line; this pins the rest of what users see
/// of every fixture finding: its column, its end and its message (reviewed snapshot).
#[test]
fn fixture_findings_have_exact_locations_and_messages() {
    let rules = RuleSet::load(bundled_sources());
    let all_rules = EvalOptions {
        enabled: rules.rules.iter().map(|r| r.meta.id.clone()).collect(),
        ..EvalOptions::default()
    };
    let evaluator = Evaluator::new(&rules, all_rules);
    let root = policies_dir();
    let report = run_fixtures(&root, &rules, &evaluator, true);
    let prefix = format!("{}/", root.to_string_lossy().replace('\\', "/"));
    let mut lines = Vec::new();
    for case in report.cases.iter().filter(|c| !c.located.is_empty()) {
        lines.push(format!(
            "{} {}",
            case.rule,
            case.file.trim_start_matches(prefix.as_str())
        ));
        for finding in &case.located {
            lines.push(format!("  {}", finding.trim_start_matches(prefix.as_str())));
        }
    }
    assert!(lines.len() >= 200, "only {} lines", lines.len());
    insta::assert_snapshot!(lines.join("\n"));
}

/// The Rego unit tests of the library (`policies/lib/*_test.rego`), as
/// `hubspoke-lint test policies` runs them.
#[test]
fn every_rego_unit_test_passes() {
    let rules = RuleSet::load(bundled_sources());
    let tests = load_policy_tests(&policies_dir()).expect("policies/ is readable");
    let report = run_rego_tests(&rules, &tests);
    assert!(report.ok(), "\n{}", report.failures());
    // Every helper file has its tests beside it.
    let lib = policies_dir().join("lib");
    let tested: std::collections::BTreeSet<String> =
        report.cases.iter().map(|c| c.file.clone()).collect();
    for entry in std::fs::read_dir(&lib).expect("policies/lib") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if let Some(stem) = name.strip_suffix(".rego").filter(|s| !s.ends_with("_test")) {
            let test = format!("/lib/{stem}_test.rego");
            assert!(
                tested.iter().any(|f| f.ends_with(&test)),
                "policies/lib/{name} has no test rules in policies{test}"
            );
        }
    }
    assert!(
        report.cases.len() >= 100,
        "only {} Rego tests ran",
        report.cases.len()
    );
}
