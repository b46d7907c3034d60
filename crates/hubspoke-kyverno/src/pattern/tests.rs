//! Our own cases: every failing field with its exact path, and compile problems.

use hubspoke_manifest::PathSegment;
use serde_json::json;

use super::*;

fn key(k: &str) -> PathSegment {
    PathSegment::Key(k.to_owned())
}

fn idx(i: usize) -> PathSegment {
    PathSegment::Index(i)
}

fn run(pattern: serde_json::Value, resource: serde_json::Value) -> PatternOutcome {
    let compiled = Pattern::compile(&pattern).expect("pattern compiles");
    match_pattern(&resource, &compiled)
}

fn violations(outcome: PatternOutcome) -> Vec<(Vec<PathSegment>, Option<String>)> {
    match outcome {
        PatternOutcome::Fail { violations, .. } => violations
            .into_iter()
            .map(|v| (v.path, v.missing))
            .collect(),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn every_failing_container_is_reported() {
    let outcome = run(
        json!({"spec": {"containers": [{"=(securityContext)": {"=(privileged)": false}}]}}),
        json!({"spec": {"containers": [
            {"name": "a", "securityContext": {"privileged": true}},
            {"name": "b"},
            {"name": "c", "securityContext": {"privileged": true}}
        ]}}),
    );
    let PatternOutcome::Fail { kyverno_path, .. } = &outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(
        kyverno_path,
        "/spec/containers/0/securityContext/privileged/"
    );
    let base = [key("spec"), key("containers")];
    let at = |i: usize| {
        let mut p = base.to_vec();
        p.extend([idx(i), key("securityContext"), key("privileged")]);
        (p, None)
    };
    assert_eq!(violations(outcome), vec![at(0), at(2)]);
}

#[test]
fn missing_fields_point_at_their_parent() {
    let outcome = run(
        json!({"metadata": {"labels": {"app": "?*", "team": "?*"}}, "spec": {"replicas": ">1"}}),
        json!({"metadata": {"labels": {"other": "x"}}, "spec": {}}),
    );
    let labels = vec![key("metadata"), key("labels")];
    assert_eq!(
        violations(outcome),
        vec![
            (labels.clone(), Some("app".to_owned())),
            (labels, Some("team".to_owned())),
            (vec![key("spec")], Some("replicas".to_owned())),
        ]
    );
    let outcome = run(
        json!({"metadata": {"labels": {"app": "?*"}}}),
        json!({"metadata": {}}),
    );
    assert_eq!(
        violations(outcome),
        vec![(vec![key("metadata")], Some("labels".to_owned()))]
    );
}

#[test]
fn star_requires_a_value() {
    let outcome = run(json!({"spec": {"x": "*"}}), json!({"spec": {"y": 1}}));
    let PatternOutcome::Fail {
        kyverno_path,
        ref violations,
        ..
    } = outcome
    else {
        panic!("{outcome:?}");
    };
    assert_eq!(kyverno_path, "/spec/");
    assert_eq!(violations[0].path, vec![key("spec")]);
    assert_eq!(violations[0].missing.as_deref(), Some("x"));
    assert_eq!(
        run(json!({"spec": {"x": "*"}}), json!({"spec": {"x": 0}})),
        PatternOutcome::Pass
    );
}

#[test]
fn negation_names_the_present_field() {
    let outcome = run(
        json!({"spec": {"volumes": [{"X(hostPath)": "null"}]}}),
        json!({"spec": {"volumes": [{"name": "a"}, {"name": "b", "hostPath": {"path": "/"}}]}}),
    );
    assert_eq!(
        violations(outcome),
        vec![(
            vec![key("spec"), key("volumes"), idx(1), key("hostPath")],
            None
        )]
    );
}

#[test]
fn scalar_against_a_list_names_each_item() {
    let outcome = run(
        json!({"spec": {"args": "!--privileged"}}),
        json!({"spec": {"args": ["--a", "--privileged", "--privileged"]}}),
    );
    let args = |i| (vec![key("spec"), key("args"), idx(i)], None);
    assert_eq!(violations(outcome), vec![args(1), args(2)]);
}

#[test]
fn conditions_skip_and_collecting_never_changes_the_verdict() {
    // The condition holds for no container: the rule is skipped.
    let pattern =
        json!({"spec": {"containers": [{"(image)": "*:latest", "imagePullPolicy": "Always"}]}});
    let outcome = run(
        pattern.clone(),
        json!({"spec": {"containers": [{"image": "a:1"}]}}),
    );
    assert!(
        matches!(outcome, PatternOutcome::Skip { .. }),
        "{outcome:?}"
    );
    // One container applies and fails; the skipped one adds nothing.
    let outcome = run(
        pattern,
        json!({"spec": {"containers": [{"image": "a:1"}, {"image": "b:latest", "imagePullPolicy": "Never"}]}}),
    );
    assert_eq!(
        violations(outcome),
        vec![(
            vec![
                key("spec"),
                key("containers"),
                idx(1),
                key("imagePullPolicy")
            ],
            None
        )]
    );
}

#[test]
fn an_anchor_key_absent_everywhere_makes_a_failure_an_error() {
    // Kyverno: MatchPattern returns a PatternError without a path when an
    // anchored key of the pattern was never found (`KeysAreMissing`).
    let pattern = json!({"spec": {"^(containers)": [{"name": "x"}], "replicas": 3}});
    let outcome = run(pattern.clone(), json!({"spec": {"replicas": 2}}));
    assert!(
        matches!(outcome, PatternOutcome::Error { .. }),
        "{outcome:?}"
    );
    let outcome = run(
        pattern,
        json!({"spec": {"replicas": 2, "containers": [{"name": "x"}]}}),
    );
    assert!(
        matches!(outcome, PatternOutcome::Fail { .. }),
        "{outcome:?}"
    );
}

#[test]
fn positional_lists_shorter_than_the_pattern_are_errors() {
    let outcome = run(json!({"a": [["x"], ["y"]]}), json!({"a": [["x"]]}));
    assert!(
        matches!(outcome, PatternOutcome::Error { .. }),
        "{outcome:?}"
    );
    assert_eq!(
        run(
            json!({"a": [["x"], ["y"]]}),
            json!({"a": [["x"], ["y"], ["z"]]})
        ),
        PatternOutcome::Pass
    );
}

#[test]
fn existence_anchor() {
    let pattern = json!({"spec": {"^(containers)": [{"image": "nginx:*"}]}});
    assert_eq!(
        run(
            pattern.clone(),
            json!({"spec": {"containers": [{"image": "a"}, {"image": "nginx:1"}]}})
        ),
        PatternOutcome::Pass
    );
    assert_eq!(
        violations(run(
            pattern,
            json!({"spec": {"containers": [{"image": "a"}]}})
        )),
        vec![(vec![key("spec"), key("containers")], None)]
    );
}

#[test]
fn wildcard_label_keys_drop_non_string_entries_like_kyverno() {
    // `X(forbidden): null` vanishes when the resource has labels: Kyverno
    // rebuilds the labels pattern from its string entries only.
    let pattern =
        json!({"metadata": {"labels": {"app.kubernetes.io/*": "?*", "X(forbidden)": null}}});
    assert_eq!(
        run(
            pattern,
            json!({"metadata": {"labels": {"app.kubernetes.io/name": "x", "forbidden": "y"}}})
        ),
        PatternOutcome::Pass
    );
}

#[test]
fn compile_problems_carry_their_path() {
    let problems = Pattern::compile(&json!({
        "spec": {"(name": "x", "containers": [{"+(image)": "a", "^(ports)": {}}]}
    }))
    .expect_err("three problems");
    let paths: Vec<Vec<PathSegment>> = problems.iter().map(|p| p.path.clone()).collect();
    assert_eq!(
        paths,
        vec![
            vec![key("spec"), key("(name")],
            vec![key("spec"), key("containers"), idx(0), key("+(image)")],
            vec![key("spec"), key("containers"), idx(0), key("^(ports)")],
        ]
    );
    assert!(
        problems[0].message.contains("malformed anchor"),
        "{}",
        problems[0].message
    );
}

#[test]
fn deep_patterns_are_refused() {
    let mut pattern = json!("x");
    for _ in 0..(MAX_PATTERN_DEPTH + 5) {
        pattern = json!({ "a": pattern });
    }
    let problems = Pattern::compile(&pattern).expect_err("too deep");
    assert_eq!(problems.len(), 1);
}
