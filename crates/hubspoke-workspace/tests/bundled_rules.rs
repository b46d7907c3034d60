//! The bundled library: it loads cleanly, its metadata follows the naming
//! conventions, and every rule passes its own fixtures.

use std::path::PathBuf;

use hubspoke_engine::{bundled_sources, EvalOptions, Evaluator, RuleSet, Scope};
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

/// BP006 compares images in canonical form (Docker Hub spelled out); the rule's
/// fixtures use registries with a host, so the implicit forms are checked here.
#[test]
fn registry_helpers_spell_out_docker_hub() {
    let mut engine = hubspoke_engine::new_engine().expect("a fresh engine");
    for source in bundled_sources() {
        source.add_to(&mut engine).expect("bundled policy");
    }
    let mut query = |q: &str| -> String {
        let results = engine.eval_query(q.to_owned(), false).expect("query");
        let value = results
            .result
            .first()
            .and_then(|r| r.expressions.first())
            .map(|e| e.value.clone());
        value.map_or_else(|| "undefined".to_owned(), |v| v.to_string())
    };
    for (image, canonical) in [
        ("nginx", "docker.io/library/nginx"),
        ("nginx:1.27", "docker.io/library/nginx:1.27"),
        ("bitnami/redis:7", "docker.io/bitnami/redis:7"),
        (
            "ghcr.io/fluxcd/flux-cli:v2.4.0",
            "ghcr.io/fluxcd/flux-cli:v2.4.0",
        ),
        ("localhost/app:1", "localhost/app:1"),
        ("registry:5000/app:1", "registry:5000/app:1"),
        ("team/app@sha256:00", "docker.io/team/app@sha256:00"),
    ] {
        assert_eq!(
            query(&format!(
                "data.hubspoke.lib.registries.canonical(\"{image}\")"
            )),
            format!("\"{canonical}\""),
            "{image}"
        );
    }
    for (image, registries, allowed) in [
        ("nginx:1.27", r#"["docker.io"]"#, true),
        ("nginx:1.27", r#"["docker.io/library"]"#, true),
        ("nginx:1.27", r#"["docker.io/bitnami"]"#, false),
        ("bitnami/redis", r#"["docker.io/bitnami/"]"#, true),
        ("ghcr.io/fluxcd/x", r#"["ghcr.io/flux"]"#, false),
        ("ghcr.io/fluxcd/x", r#"["quay.io", "ghcr.io/fluxcd"]"#, true),
    ] {
        let answer = query(&format!(
            "data.hubspoke.lib.registries.from_any(\"{image}\", data.hubspoke.lib.registries.prefixes({registries}))"
        ));
        assert_eq!(
            answer == "true",
            allowed,
            "{image} in {registries}: {answer}"
        );
    }
}
