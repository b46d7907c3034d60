use serde_json::{json, Value};

use super::*;

fn names(rules: &[ComputedRule]) -> Vec<&str> {
    rules.iter().map(|r| rule_name(&r.rule)).collect()
}

// Kyverno pkg/autogen/v1/autogen_test.go, Test_CanAutoGen: whether rules are
// generated for pod controllers.
#[test]
fn can_autogen_like_kyverno() {
    let cases: &[(&str, &str, bool)] = &[
        (
            "rule-with-match-name",
            r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"test"},"spec":{"rules":[{"name":"test","match":{"resources":{"kinds":["Namespace"],"name":"*"}}}]}}"#,
            false,
        ),
        (
            "rule-with-match-selector",
            r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"test-getcontrollers"},"spec":{"background":false,"rules":[{"name":"test-getcontrollers","match":{"resources":{"kinds":["Pod"],"selector":{"matchLabels":{"foo":"bar"}}}}}]}}"#,
            false,
        ),
        (
            "rule-with-exclude-name",
            r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"test-getcontrollers"},"spec":{"background":false,"rules":[{"name":"test-getcontrollers","match":{"resources":{"kinds":["Pod"]}},"exclude":{"resources":{"name":"test"}}}]}}"#,
            false,
        ),
        (
            "rule-with-exclude-names",
            r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"test-getcontrollers"},"spec":{"background":false,"rules":[{"name":"test-getcontrollers","match":{"resources":{"kinds":["Pod"]}},"exclude":{"resources":{"names":["test"]}}}]}}"#,
            false,
        ),
        (
            "rule-with-exclude-selector",
            r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"test-getcontrollers"},"spec":{"background":false,"rules":[{"name":"test-getcontrollers","match":{"resources":{"kinds":["Pod"]}},"exclude":{"resources":{"selector":{"matchLabels":{"foo":"bar"}}}}}]}}"#,
            false,
        ),
        (
            "rule-with-deny",
            r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"test"},"spec":{"rules":[{"name":"require-network-policy","match":{"resources":{"kinds":["Pod"]}},"validate":{"message":"testpolicy","deny":{"conditions":[{"key":"{{request.object.metadata.labels.foo}}","operator":"Equals","value":"bar"}]}}}]}}"#,
            true,
        ),
        (
            "rule-with-match-mixed-kinds-pod-podcontrollers",
            r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"set-service-labels-env"},"spec":{"background":false,"rules":[{"name":"set-service-label","match":{"resources":{"kinds":["Pod","Deployment"]}},"preconditions":{"any":[{"key":"{{request.operation}}","operator":"Equals","value":"CREATE"}]},"mutate":{"patchStrategicMerge":{"metadata":{"labels":{"+(service)":"{{request.object.spec.template.metadata.labels.app}}"}}}}}]}}"#,
            false,
        ),
        (
            "rule-with-exclude-mixed-kinds-pod-podcontrollers",
            r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"set-service-labels-env"},"spec":{"background":false,"rules":[{"name":"set-service-label","match":{"resources":{"kinds":["Pod"]}},"exclude":{"resources":{"kinds":["Pod","Deployment"]}},"mutate":{"patchStrategicMerge":{"metadata":{"labels":{"+(service)":"{{request.object.spec.template.metadata.labels.app}}"}}}}}]}}"#,
            false,
        ),
        (
            "rule-with-match-kinds-pod-only",
            r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"test"},"spec":{"rules":[{"name":"require-network-policy","match":{"resources":{"kinds":["Pod"]}},"validate":{"message":"testpolicy","pattern":{"metadata":{"labels":{"foo":"bar"}}}}}]}}"#,
            true,
        ),
        (
            "rule-with-exclude-kinds-pod-only",
            r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"test"},"spec":{"rules":[{"name":"require-network-policy","match":{"resources":{"kinds":["Pod"]}},"exclude":{"resources":{"kinds":["Pod"],"namespaces":["test"]}},"validate":{"message":"testpolicy","pattern":{"metadata":{"labels":{"foo":"bar"}}}}}]}}"#,
            true,
        ),
        (
            "rule-with-mutate-patches",
            r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"test"},"spec":{"rules":[{"name":"test","match":{"resources":{"kinds":["Pod"]}},"mutate":{"patchesJson6902":"-op:add\npath:/spec/containers/0/env/-1\nvalue:{\"name\":\"SERVICE\",\"value\":{{request.object.spec.template.metadata.labels.app}}}"}}]}}"#,
            false,
        ),
        (
            "rule-with-generate",
            r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"add-networkpolicy"},"spec":{"rules":[{"name":"default-deny-ingress","match":{"resources":{"kinds":["Namespace"],"name":"*"}},"exclude":{"resources":{"namespaces":["kube-system","default","kube-public","kyverno"]}},"generate":{"kind":"NetworkPolicy","name":"default-deny-ingress","namespace":"{{request.object.metadata.name}}","synchronize":true,"data":{"spec":{"podSelector":{},"policyTypes":["Ingress"]}}}}]}}"#,
            false,
        ),
        (
            "rule-with-predefined-invalid-controllers",
            r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"set-service-labels-env"},"annotations":null,"pod-policies.kyverno.io/autogen-controllers":"DaemonSet,Deployment,StatefulSet","spec":{"background":false,"rules":[{"name":"set-service-label","match":{"resources":{"kinds":["Pod","Deployment"]}},"mutate":{"patchStrategicMerge":{"metadata":{"labels":{"+(service)":"{{request.object.spec.template.metadata.labels.app}}"}}}}}]}}"#,
            false,
        ),
        (
            "rule-with-predefined-valid-controllers",
            r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"set-service-labels-env"},"annotations":null,"pod-policies.kyverno.io/autogen-controllers":"none","spec":{"background":false,"rules":[{"name":"set-service-label","match":{"resources":{"kinds":["Pod","Deployment"]}},"mutate":{"patchStrategicMerge":{"metadata":{"labels":{"+(service)":"{{request.object.spec.template.metadata.labels.app}}"}}}}}]}}"#,
            false,
        ),
        (
            "rule-with-only-predefined-valid-controllers",
            r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"set-service-labels-env"},"annotations":null,"pod-policies.kyverno.io/autogen-controllers":"none","spec":{"background":false,"rules":[{"name":"set-service-label","match":{"resources":{"kinds":["Namespace"]}},"mutate":{"patchStrategicMerge":{"metadata":{"labels":{"+(service)":"{{request.object.spec.template.metadata.labels.app}}"}}}}}]}}"#,
            false,
        ),
        (
            "rule-with-match-kinds-pod-only-validate-exclude",
            r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"test"},"spec":{"rules":[{"name":"require-network-policy","match":{"resources":{"kinds":["Pod"]}},"validate":{"message":"testpolicy","podSecurity": {"level": "baseline","version":"v1.24","exclude":[{"controlName":"SELinux","restrictedField":"spec.containers[*].securityContext.seLinuxOptions.role","images":["nginx"],"values":["baz"]}, {"controlName":"SELinux","restrictedField":"spec.initContainers[*].securityContext.seLinuxOptions.role","images":["nodejs"],"values":["init-baz"]}]}}}]}}"#,
            true,
        ),
    ];
    for (name, policy, generates) in cases {
        let policy: Value = serde_json::from_str(policy).expect("JSON");
        let rules: Vec<&Value> = policy["spec"]["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .collect();
        assert_eq!(controllers(&policy, &rules).is_some(), *generates, "{name}");
    }
}

#[test]
fn generated_rules_wrap_the_pattern_and_rename() {
    let policy = json!({
        "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "p"},
        "spec": {"rules": [{
            "name": "check-labels",
            "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
            "exclude": {"any": [{"resources": {"kinds": ["Pod"], "namespaces": ["kube-system"]}}]},
            "preconditions": {"all": [{"key": "{{ request.object.metadata.labels.app || '' }}", "operator": "NotEquals", "value": ""}]},
            "validate": {"message": "m {{request.object.spec.x}}", "pattern": {"metadata": {"labels": {"team": "?*"}}}}
        }]}
    });
    let rules = compute_rules(&policy);
    assert_eq!(
        names(&rules),
        [
            "check-labels",
            "autogen-check-labels",
            "autogen-cronjob-check-labels"
        ]
    );
    let controllers = &rules[1].rule;
    assert_eq!(
        controllers["match"]["any"][0]["resources"]["kinds"],
        json!([
            "apps/v1/DaemonSet",
            "apps/v1/Deployment",
            "batch/v1/Job",
            "apps/v1/ReplicaSet",
            "v1/ReplicationController",
            "apps/v1/StatefulSet"
        ])
    );
    assert_eq!(
        controllers["exclude"]["any"][0]["resources"]["namespaces"],
        json!(["kube-system"])
    );
    assert_eq!(
        controllers["validate"]["pattern"],
        json!({"spec": {"template": {"metadata": {"labels": {"team": "?*"}}}}})
    );
    assert_eq!(
        controllers["validate"]["message"],
        json!("m {{request.object.spec.template.spec.x}}")
    );
    assert_eq!(
        controllers["preconditions"]["all"][0]["key"],
        json!("{{ request.object.spec.template.metadata.labels.app || '' }}")
    );
    let cronjob = &rules[2].rule;
    assert_eq!(
        cronjob["match"]["any"][0]["resources"]["kinds"],
        json!(["batch/v1/CronJob"])
    );
    assert_eq!(
        cronjob["validate"]["pattern"],
        json!({"spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"team": "?*"}}}}}}})
    );
    assert_eq!(
        cronjob["validate"]["message"],
        json!("m {{request.object.spec.jobTemplate.spec.template.spec.x}}")
    );
    assert_eq!(rules[2].source_index, 0);
    assert_eq!(rules[2].generated, Some(Generated::CronJob));
}

#[test]
fn annotation_picks_controllers() {
    let mut policy = json!({
        "metadata": {"name": "p", "annotations": {CONTROLLERS_ANNOTATION: "Deployment,StatefulSet"}},
        "spec": {"rules": [{"name": "r", "match": {"resources": {"kinds": ["Pod"]}},
            "validate": {"anyPattern": [{"spec": {"a": 1}}, {"spec": {"b": 2}}]}}]}
    });
    let rules = compute_rules(&policy);
    assert_eq!(names(&rules), ["r", "autogen-r"]);
    assert_eq!(
        rules[1].rule["match"]["resources"]["kinds"],
        json!(["apps/v1/Deployment", "apps/v1/StatefulSet"])
    );
    assert_eq!(
        rules[1].rule["validate"]["anyPattern"][1],
        json!({"spec": {"template": {"spec": {"b": 2}}}})
    );
    policy["metadata"]["annotations"][CONTROLLERS_ANNOTATION] = json!("none");
    assert_eq!(names(&compute_rules(&policy)), ["r"]);
    policy["metadata"]["annotations"][CONTROLLERS_ANNOTATION] = json!("CronJob");
    assert_eq!(names(&compute_rules(&policy)), ["r", "autogen-cronjob-r"]);
}

#[test]
fn long_names_are_cut_at_63() {
    assert_eq!(autogen_name("autogen-cronjob", &"x".repeat(60)).len(), 63);
    assert_eq!(autogen_name("autogen", "short"), "autogen-short");
}
