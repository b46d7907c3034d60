use std::collections::BTreeMap;

use hubspoke_manifest::PathSegment;
use serde_json::{json, Value};

use super::*;
use crate::context::NoRepositoryData;

fn path(text: &str) -> Vec<PathSegment> {
    if text.is_empty() {
        return Vec::new();
    }
    text.split('.')
        .map(|p| match p.parse::<usize>() {
            Ok(i) => PathSegment::Index(i),
            Err(_) => PathSegment::Key(p.to_owned()),
        })
        .collect()
}

fn policy(rules: Value) -> Policy {
    Policy::compile(&json!({
        "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "p"},
        "spec": {"validationFailureAction": "Enforce", "rules": rules}
    }))
    .expect("a policy")
}

fn run(policy: &Policy, resource: &Value) -> Vec<RuleResult> {
    run_with(policy, resource, &Options::default())
}

fn run_with(policy: &Policy, resource: &Value, options: &Options) -> Vec<RuleResult> {
    let labels = BTreeMap::new();
    let input = ResourceInput {
        resource,
        namespace: None,
        namespace_labels: &labels,
        subresource: "",
        values: None,
    };
    evaluate_policy(policy, &input, options, &NoRepositoryData)
}

fn pod(containers: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "prod"},
        "spec": {"containers": containers}})
}

fn violation_paths(result: &RuleResult) -> Vec<(Vec<PathSegment>, Option<String>)> {
    match &result.outcome {
        Outcome::Fail { violations } => violations
            .iter()
            .map(|v| (v.path.clone(), v.missing.clone()))
            .collect(),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn pattern_failures_name_every_field_and_substitute_the_message() {
    let p = policy(json!([{
        "name": "limits",
        "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
        "validate": {"message": "Pod {{ request.object.metadata.name }} needs memory limits",
            "pattern": {"spec": {"containers": [{"resources": {"limits": {"memory": "?*"}}}]}}}
    }]));
    let results = run(
        &p,
        &pod(json!([
            {"name": "a", "resources": {"limits": {}}},
            {"name": "b", "resources": {"limits": {"memory": "1Gi"}}},
            {"name": "c"}
        ])),
    );
    assert_eq!(results.len(), 1, "{results:?}");
    let result = &results[0];
    assert_eq!(result.rule, "limits");
    assert_eq!(
        violation_paths(result),
        vec![
            (
                path("spec.containers.0.resources.limits"),
                Some("memory".to_owned())
            ),
            (path("spec.containers.2"), Some("resources".to_owned())),
        ]
    );
    assert_eq!(
        result.message.as_deref(),
        Some("validation error: Pod web needs memory limits. rule limits failed at path /spec/containers/0/resources/limits/memory/")
    );
    assert_eq!(result.resource.name, "web");
    assert_eq!(result.resource.namespace, "prod");
}

#[test]
fn autogen_rules_check_pod_templates() {
    let p = policy(json!([{
        "name": "no-latest",
        "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
        "validate": {"message": "no latest", "pattern": {"spec": {"containers": [{"image": "!*:latest"}]}}}
    }]));
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "x"},
        "spec": {"template": {"spec": {"containers": [{"image": "a:1"}, {"image": "b:latest"}]}}}});
    let results = run(&p, &deployment);
    assert_eq!(
        results.iter().map(|r| r.rule.as_str()).collect::<Vec<_>>(),
        ["autogen-no-latest"]
    );
    assert_eq!(
        violation_paths(&results[0]),
        vec![(path("spec.template.spec.containers.1.image"), None)]
    );
    let cronjob = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c", "namespace": "x"},
        "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"image": "b:latest"}]}}}}}});
    let results = run(&p, &cronjob);
    assert_eq!(results[0].rule, "autogen-cronjob-no-latest");
    assert_eq!(
        violation_paths(&results[0]),
        vec![(
            path("spec.jobTemplate.spec.template.spec.containers.0.image"),
            None
        )]
    );
}

#[test]
fn preconditions_deny_and_foreach_elements() {
    let p = policy(json!([
        {"name": "only-prod", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
         "preconditions": {"all": [{"key": "{{ request.namespace }}", "operator": "Equals", "value": "staging"}]},
         "validate": {"deny": {}}},
        {"name": "no-host-ports", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
         "validate": {"message": "container {{ element.name }} uses a host port",
            "foreach": [{"list": "request.object.spec.containers",
                "deny": {"conditions": {"any": [{"key": "{{ element.ports[].hostPort || `[]` | length(@) }}", "operator": "GreaterThan", "value": 0}]}}}]}}
    ]));
    let results = run(
        &p,
        &pod(json!([
            {"name": "a"},
            {"name": "b", "ports": [{"hostPort": 80}]}
        ])),
    );
    assert!(
        matches!(&results[0].outcome, Outcome::Skip { reason } if reason.starts_with("preconditions not met")),
        "{:?}",
        results[0]
    );
    assert_eq!(
        violation_paths(&results[1]),
        vec![(path("spec.containers.1"), None)]
    );
    assert_eq!(
        results[1].message.as_deref(),
        Some("validation failure: container b uses a host port")
    );
}

#[test]
fn a_jmespath_error_is_an_error_result_for_that_resource() {
    let p = policy(json!([{
        "name": "bad-call", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
        "validate": {"deny": {"conditions": {"any": [{"key": "{{ to_upper(request.object.spec) }}", "operator": "Equals", "value": "X"}]}}}
    }]));
    let results = run(&p, &pod(json!([{"name": "a"}])));
    assert!(
        matches!(&results[0].outcome, Outcome::Error { .. }),
        "{:?}",
        results[0]
    );
}

#[test]
fn rules_that_cannot_be_decided_offline_say_what_they_need() {
    let p = policy(json!([
        {"name": "mutate", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}, "mutate": {"patchStrategicMerge": {}}},
        {"name": "api", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
         "context": [{"name": "n", "apiCall": {"urlPath": "/api/v1/namespaces"}}], "validate": {"deny": {}}},
        {"name": "admins", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
         "exclude": {"any": [{"clusterRoles": ["cluster-admin"]}]}, "validate": {"deny": {}}},
        {"name": "pss", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
         "validate": {"podSecurity": {"level": "restricted", "version": "latest"}}},
        {"name": "other-kind", "match": {"any": [{"resources": {"kinds": ["Service"]}}]}, "validate": {"deny": {}}}
    ]));
    let results = run(&p, &pod(json!([{"name": "a"}])));
    let outcomes: Vec<(&str, &Outcome)> = results
        .iter()
        .map(|r| (r.rule.as_str(), &r.outcome))
        .collect();
    assert_eq!(outcomes.len(), 4, "{outcomes:?}");
    assert!(matches!(outcomes[0].1, Outcome::NotDecidable { needs } if needs.contains("mutate")));
    assert!(matches!(outcomes[1].1, Outcome::NotDecidable { needs } if needs.contains("apiCall")));
    assert!(
        matches!(outcomes[2].1, Outcome::NotDecidable { needs } if needs.contains("who sends the request"))
    );
    assert!(matches!(outcomes[3].1, Outcome::PodSecurity { level, .. } if level == "restricted"));
}

#[test]
fn namespaced_policies_apply_in_their_namespace_only() {
    let p = Policy::compile(&json!({
        "apiVersion": "kyverno.io/v1", "kind": "Policy", "metadata": {"name": "p", "namespace": "prod"},
        "spec": {"rules": [{"name": "r", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}, "validate": {"deny": {}}}]}
    }))
    .expect("a policy");
    assert_eq!(run(&p, &pod(json!([]))).len(), 1);
    let mut elsewhere = pod(json!([]));
    elsewhere["metadata"]["namespace"] = json!("dev");
    assert!(run(&p, &elsewhere).is_empty());
}

#[test]
fn problems_keep_a_rule_out_when_linting_only() {
    let p = policy(json!([
        {"name": "broken", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
         "validate": {"pattern": {"spec": {"(name": "x"}}}},
        {"name": "fine", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}, "validate": {"deny": {}}}
    ]));
    let lint = run(&p, &pod(json!([])));
    assert_eq!(
        lint.iter().map(|r| r.rule.as_str()).collect::<Vec<_>>(),
        ["fine"]
    );
    let cli = Options {
        cli_semantics: true,
        ..Options::default()
    };
    assert_eq!(run_with(&p, &pod(json!([])), &cli).len(), 2);
}

#[test]
fn failures_carry_the_rule_message_without_kyverno_framing() {
    let p = policy(json!([
        {"name": "limits", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
         "validate": {"message": "Pod {{ request.object.metadata.name }} needs limits",
            "pattern": {"spec": {"containers": [{"resources": {"limits": {"memory": "?*"}}}]}}}},
        {"name": "host-ports", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
         "validate": {"message": "container {{ element.name }} uses a host port",
            "foreach": [{"list": "request.object.spec.containers",
                "deny": {"conditions": {"any": [{"key": "{{ element.ports[].hostPort || `[]` | length(@) }}", "operator": "GreaterThan", "value": 0}]}}}]}},
        {"name": "silent", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
         "validate": {"pattern": {"spec": {"hostNetwork": true}}}}
    ]));
    let results = run(
        &p,
        &pod(json!([{"name": "b", "ports": [{"hostPort": 80}]}])),
    );
    let messages: Vec<Option<&str>> = results.iter().map(|r| r.rule_message.as_deref()).collect();
    // The element's own variables are substituted where the element failed.
    assert_eq!(
        messages,
        [
            Some("Pod web needs limits"),
            Some("container b uses a host port"),
            None
        ]
    );
}

#[test]
fn a_rule_past_its_time_limit_stops_with_an_error() {
    // A nested foreach over 2,000 containers: four million elements, far more than a
    // millisecond's work.
    let p = policy(json!([{
        "name": "pairs", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
        "validate": {"foreach": [{"list": "request.object.spec.containers",
            "foreach": [{"list": "request.object.spec.containers",
                "deny": {"conditions": {"any": [{"key": "{{ element.name }}", "operator": "Equals", "value": "never"}]}}}]}]}
    }]));
    let containers: Vec<Value> = (0..2000)
        .map(|i| json!({"name": format!("c{i}")}))
        .collect();
    let limited = Options {
        time_limit: Some(std::time::Duration::from_millis(1)),
        ..Options::default()
    };
    let started = std::time::Instant::now();
    let results = run_with(&p, &pod(Value::Array(containers)), &limited);
    assert!(
        matches!(&results[0].outcome, Outcome::Error { message } if message.contains("time limit of 1 ms")),
        "{:?}",
        results[0].outcome
    );
    // Stopped soon after the limit, not after four million elements.
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn rules_not_decidable_offline_are_known_without_a_resource() {
    let p = policy(json!([
        {"name": "mutate", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}, "mutate": {"patchStrategicMerge": {}}},
        {"name": "old", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
         "validate": {"deny": {"conditions": {"any": [{"key": "{{ request.oldObject.metadata.name }}", "operator": "Equals", "value": "x"}]}}}},
        {"name": "pss", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
         "validate": {"podSecurity": {"level": "baseline"}}},
        {"name": "fine", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}, "validate": {"deny": {}}}
    ]));
    let needs: Vec<Option<String>> = p.rules.iter().map(undecidable_offline).collect();
    assert!(
        needs[0].as_deref().is_some_and(|n| n.contains("mutate")),
        "{needs:?}"
    );
    assert!(
        needs[1].as_deref().is_some_and(|n| n.contains("oldObject")),
        "{needs:?}"
    );
    assert_eq!(needs[2], None);
    assert_eq!(needs[3], None);
}
