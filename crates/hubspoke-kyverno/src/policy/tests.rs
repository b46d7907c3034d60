//! Bad input: each problem at the JSON path of the offending field, the
//! policy's other rules still compiled.

use hubspoke_manifest::PathSegment;
use serde_json::json;

use super::*;

fn path(text: &str) -> Vec<PathSegment> {
    text.split('.')
        .map(|p| match p.parse::<usize>() {
            Ok(i) => PathSegment::Index(i),
            Err(_) => PathSegment::Key(p.to_owned()),
        })
        .collect()
}

fn policy(rules: serde_json::Value) -> serde_json::Value {
    json!({
        "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
        "metadata": {"name": "p", "annotations": {
            "policies.kyverno.io/title": "T", "policies.kyverno.io/severity": "high",
            "pod-policies.kyverno.io/autogen-controllers": "none"}},
        "spec": {"validationFailureAction": "Enforce", "rules": rules}
    })
}

fn good_rule(name: &str) -> serde_json::Value {
    json!({"name": name, "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
        "validate": {"message": "m", "pattern": {"metadata": {"labels": {"app": "?*"}}}}})
}

#[test]
fn problems_point_at_the_offending_field_and_other_rules_survive() {
    let doc = policy(json!([
        good_rule("first"),
        {"name": "bad-anchor", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
         "validate": {"pattern": {"spec": {"(name": "x"}}}},
        {"name": "bad-operator", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
         "validate": {"deny": {"conditions": {"any": [{"key": "{{ request.object.kind }}", "operator": "Bogus", "value": 1}]}}}},
        {"name": "bad-types", "match": {"any": [{"resources": {"kinds": "Pod"}}]},
         "validate": {"pattern": {"spec": {}}}},
        {"name": "bad-braces", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
         "validate": {"message": "{{ request.object.metadata.name", "pattern": {"spec": {}}}},
        {"name": "bad-function", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
         "validate": {"foreach": [{"list": "request.object.spec.containers[",
            "deny": {"conditions": [{"key": "{{ no_such_function(element.name) }}", "operator": "Equals", "value": "x"}]}}]}},
        good_rule("last"),
    ]));
    let compiled = Policy::compile(&doc).expect("a policy");
    let problems: Vec<(Vec<PathSegment>, Option<&str>, bool)> = compiled
        .problems
        .iter()
        .map(|p| (p.path.clone(), p.rule.as_deref(), p.kyverno_rejects))
        .collect();
    assert_eq!(
        problems,
        vec![
            (
                path("spec.rules.1.validate.pattern.spec.(name"),
                Some("bad-anchor"),
                false
            ),
            (
                path("spec.rules.2.validate.deny.conditions.any.0.operator"),
                Some("bad-operator"),
                true
            ),
            (
                path("spec.rules.3.match.any.0.resources.kinds"),
                Some("bad-types"),
                true
            ),
            (
                path("spec.rules.4.validate.message"),
                Some("bad-braces"),
                false
            ),
            (
                path("spec.rules.5.validate.foreach.0.list"),
                Some("bad-function"),
                false
            ),
            (
                path("spec.rules.5.validate.foreach.0.deny.conditions.0.key"),
                Some("bad-function"),
                false
            ),
        ]
    );
    let names: Vec<&str> = compiled.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "first",
            "bad-anchor",
            "bad-operator",
            "bad-types",
            "bad-braces",
            "bad-function",
            "last"
        ]
    );
    assert!(compiled.rules[0].problems.is_empty());
    assert!(compiled.rules[6].problems.is_empty());
    assert!(matches!(
        compiled.rules[6].body,
        RuleBody::Validate(Check::Pattern(_))
    ));
    assert!(
        compiled.problems[5].message.contains("no_such_function"),
        "{}",
        compiled.problems[5].message
    );
    assert_eq!(compiled.title(), Some("T"));
    assert_eq!(compiled.severity(), Some("high"));
    assert_eq!(compiled.failure_action, FailureAction::Enforce);
    assert!(compiled.kyverno_rejects());
}

#[test]
fn rule_kinds_and_actions() {
    let doc = policy(json!([
        {"name": "m", "match": {"resources": {"kinds": ["Pod"]}}, "mutate": {"patchStrategicMerge": {}}},
        {"name": "c", "match": {"resources": {"kinds": ["Pod"]}}, "validate": {"cel": {"expressions": []}}},
        {"name": "api", "match": {"resources": {"kinds": ["Pod"]}},
         "context": [{"name": "x", "apiCall": {"urlPath": "/api/v1/namespaces"}}],
         "validate": {"deny": {}}},
        {"name": "pss", "match": {"resources": {"kinds": ["Pod"]}},
         "validate": {"failureAction": "Audit", "podSecurity": {"level": "baseline", "version": "latest"}}},
        {"name": "old", "match": {"resources": {"kinds": ["Pod"], "operations": ["UPDATE"]}},
         "validate": {"deny": {"conditions": {"any": [{"key": "{{ request.oldObject.spec }}", "operator": "NotEquals", "value": "{{ request.object.spec }}"}]}}}},
    ]));
    let compiled = Policy::compile(&doc).expect("a policy");
    assert!(compiled.problems.is_empty(), "{:?}", compiled.problems);
    let needs = |i: usize| match &compiled.rules[i].body {
        RuleBody::NotDecidable { needs } => needs.clone(),
        other => panic!("{other:?}"),
    };
    assert!(needs(0).contains("mutate"));
    assert!(needs(1).contains("cel"));
    assert!(compiled.rules[2]
        .cluster_context
        .as_deref()
        .is_some_and(|c| c.contains("apiCall")));
    assert!(matches!(&compiled.rules[3].body, RuleBody::PodSecurity(p) if p.level == "baseline"));
    assert_eq!(compiled.rules[3].failure_action, FailureAction::Audit);
    assert_eq!(compiled.rules[4].failure_action, FailureAction::Enforce);
    assert!(compiled.rules[4].reads_old_object && compiled.rules[4].update_only);
}

#[test]
fn autogen_rules_point_at_their_source() {
    let mut doc = policy(json!([good_rule("labels")]));
    doc["metadata"]["annotations"] = json!({});
    let compiled = Policy::compile(&doc).expect("a policy");
    let rules: Vec<(&str, &str, Vec<PathSegment>)> = compiled
        .rules
        .iter()
        .map(|r| (r.name.as_str(), r.source_rule.as_str(), r.json_path.clone()))
        .collect();
    assert_eq!(
        rules,
        vec![
            ("labels", "labels", path("spec.rules.0")),
            ("autogen-labels", "labels", path("spec.rules.0")),
            ("autogen-cronjob-labels", "labels", path("spec.rules.0")),
        ]
    );
}

#[test]
fn not_a_policy() {
    assert!(Policy::compile(&json!({"apiVersion": "v1", "kind": "ConfigMap"})).is_err());
    assert!(Policy::compile(
        &json!({"apiVersion": "kyverno.io/v2beta1", "kind": "Policy",
        "metadata": {"name": "x", "namespace": "team"}, "spec": {"rules": [good_rule("a")]}})
    )
    .is_ok());
}
