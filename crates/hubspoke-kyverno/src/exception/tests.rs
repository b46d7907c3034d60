use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;
use crate::context::{NoRepositoryData, ResourceVariables};
use crate::evaluate::{evaluate_policy_with, Options, Outcome, ResourceInput, RuleResult};

fn require_team() -> Policy {
    Policy::compile(&json!({
        "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
        "metadata": {"name": "require-team"},
        "spec": {"validationFailureAction": "Enforce", "rules": [
            {"name": "team-label",
             "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
             "validate": {"message": "a team label is required",
                          "pattern": {"metadata": {"labels": {"team": "?*"}}}}},
            {"name": "no-latest",
             "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
             "validate": {"message": "no latest tag",
                          "pattern": {"spec": {"containers": [{"image": "!*:latest"}]}}}}
        ]}
    }))
    .expect("a policy")
}

fn exception(spec: Value) -> PolicyException {
    PolicyException::compile(&json!({
        "apiVersion": "kyverno.io/v2", "kind": "PolicyException",
        "metadata": {"name": "legacy", "namespace": "kyverno"},
        "spec": spec
    }))
    .expect("a PolicyException")
}

fn pod(name: &str, namespace: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
           "spec": {"containers": [{"name": "c", "image": "nginx:latest"}]}})
}

fn deployment(name: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": name, "namespace": "apps"},
           "spec": {"template": {"metadata": {"labels": {}},
                    "spec": {"containers": [{"name": "c", "image": "nginx:latest"}]}}}})
}

/// `(rule, outcome kind, skip reason)` of every result.
fn outcomes(
    policy: &Policy,
    resource: &Value,
    exceptions: &[PolicyException],
) -> Vec<(String, &'static str, String)> {
    let labels = BTreeMap::from([("env".to_owned(), "legacy".to_owned())]);
    let input = ResourceInput {
        resource,
        namespace: None,
        namespace_labels: &labels,
        subresource: "",
        values: None,
    };
    let variables = ResourceVariables::new(resource);
    let results: Vec<RuleResult> = evaluate_policy_with(
        policy,
        &input,
        &variables,
        exceptions,
        &Options::default(),
        &NoRepositoryData,
    );
    results
        .into_iter()
        .map(|r| {
            let (kind, reason) = match r.outcome {
                Outcome::Pass => ("pass", String::new()),
                Outcome::Fail { .. } => ("fail", String::new()),
                Outcome::Skip { reason } => ("skip", reason),
                other => panic!("unexpected outcome {other:?}"),
            };
            (r.rule, kind, reason)
        })
        .collect()
}

fn owned(list: &[(&str, &'static str, &str)]) -> Vec<(String, &'static str, String)> {
    list.iter()
        .map(|(r, k, m)| ((*r).to_owned(), *k, (*m).to_owned()))
        .collect()
}

#[test]
fn a_matching_exception_skips_the_rules_it_names_and_only_those() {
    let policy = require_team();
    let legacy = exception(json!({
        "exceptions": [{"policyName": "require-team", "ruleNames": ["team-label"]}],
        "match": {"any": [{"resources": {"kinds": ["Pod"], "names": ["old-*"]}}]}
    }));
    assert!(legacy.problems.is_empty(), "{:?}", legacy.problems);
    assert_eq!(
        outcomes(
            &policy,
            &pod("old-web", "apps"),
            std::slice::from_ref(&legacy)
        ),
        owned(&[
            (
                "team-label",
                "skip",
                "rule is skipped due to policy exceptionskyverno/legacy"
            ),
            ("no-latest", "fail", ""),
        ])
    );
    // Another name: the exception does not match, both rules fail.
    assert_eq!(
        outcomes(&policy, &pod("web", "apps"), std::slice::from_ref(&legacy)),
        owned(&[("team-label", "fail", ""), ("no-latest", "fail", "")])
    );
}

#[test]
fn rule_names_are_wildcards_matched_against_the_reported_name() {
    let policy = require_team();
    // `team-label` alone does not exempt the auto-generated Deployment rule.
    let exact = exception(json!({
        "exceptions": [{"policyName": "require-team", "ruleNames": ["team-label"]}],
        "match": {"any": [{"resources": {"kinds": ["Deployment"]}}]}
    }));
    assert_eq!(
        outcomes(&policy, &deployment("web"), std::slice::from_ref(&exact)),
        owned(&[
            ("autogen-team-label", "fail", ""),
            ("autogen-no-latest", "fail", "")
        ])
    );
    let wildcard = exception(json!({
        "exceptions": [{"policyName": "require-team", "ruleNames": ["*team-label"]}],
        "match": {"any": [{"resources": {"kinds": ["Deployment"]}}]}
    }));
    assert_eq!(
        outcomes(&policy, &deployment("web"), std::slice::from_ref(&wildcard)),
        owned(&[
            (
                "autogen-team-label",
                "skip",
                "rule is skipped due to policy exceptionskyverno/legacy"
            ),
            ("autogen-no-latest", "fail", "")
        ])
    );
    // Another policy's name exempts nothing here.
    let other = exception(json!({
        "exceptions": [{"policyName": "other", "ruleNames": ["*"]}],
        "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}
    }));
    assert_eq!(
        outcomes(&policy, &pod("web", "apps"), &[other]),
        owned(&[("team-label", "fail", ""), ("no-latest", "fail", "")])
    );
}

#[test]
fn match_all_namespace_selector_and_conditions_must_hold() {
    let policy = require_team();
    let all = exception(json!({
        "exceptions": [{"policyName": "require-team", "ruleNames": ["no-latest"]}],
        "match": {"all": [
            {"resources": {"kinds": ["Pod"]}},
            {"resources": {"namespaceSelector": {"matchLabels": {"env": "legacy"}}}}
        ]},
        "conditions": {"any": [{"key": "{{ request.object.metadata.labels.app }}",
                                "operator": "Equals", "value": "batch"}]}
    }));
    assert!(all.problems.is_empty(), "{:?}", all.problems);
    assert_eq!(
        outcomes(&policy, &pod("batch", "apps"), std::slice::from_ref(&all)),
        owned(&[
            ("team-label", "fail", ""),
            (
                "no-latest",
                "skip",
                "rule is skipped due to policy exceptionskyverno/legacy"
            ),
        ])
    );
    // The condition does not hold for another app.
    assert_eq!(
        outcomes(&policy, &pod("web", "apps"), std::slice::from_ref(&all)),
        owned(&[("team-label", "fail", ""), ("no-latest", "fail", "")])
    );
}

#[test]
fn a_namespaced_policy_is_named_with_its_namespace() {
    let policy = Policy::compile(&json!({
        "apiVersion": "kyverno.io/v1", "kind": "Policy",
        "metadata": {"name": "require-team", "namespace": "apps"},
        "spec": {"rules": [{"name": "team-label",
             "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
             "validate": {"pattern": {"metadata": {"labels": {"team": "?*"}}}}}]}
    }))
    .expect("a policy");
    let bare = exception(json!({
        "exceptions": [{"policyName": "require-team", "ruleNames": ["team-label"]}],
        "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}
    }));
    assert_eq!(
        outcomes(&policy, &pod("web", "apps"), &[bare]),
        owned(&[("team-label", "fail", "")])
    );
    let qualified = exception(json!({
        "exceptions": [{"policyName": "apps/require-team", "ruleNames": ["team-label"]}],
        "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}
    }));
    assert_eq!(
        outcomes(&policy, &pod("web", "apps"), &[qualified]),
        owned(&[(
            "team-label",
            "skip",
            "rule is skipped due to policy exceptionskyverno/legacy"
        )])
    );
}

#[test]
fn malformed_exceptions_are_problems_and_exempt_nothing() {
    let policy = require_team();
    let legacy_form = exception(json!({
        "exceptions": [{"ruleNames": ["x"]}, {"policyName": "require-team", "ruleNames": ["*"]}],
        "match": {"resources": {"kinds": ["Pod"]}}
    }));
    let messages: Vec<(String, &str)> = legacy_form
        .problems
        .iter()
        .map(|p| {
            let path: Vec<String> = p.path.iter().map(ToString::to_string).collect();
            (path.join("."), p.message.as_str())
        })
        .collect();
    assert_eq!(
        messages,
        [
            (
                "spec.match".to_owned(),
                "an exception's match needs `any` or `all` (it matches nothing otherwise)"
            ),
            (
                "spec.exceptions.0".to_owned(),
                "an exception requires a policy name"
            ),
        ]
    );
    assert_eq!(
        outcomes(&policy, &pod("web", "apps"), &[legacy_form]),
        owned(&[("team-label", "fail", ""), ("no-latest", "fail", "")])
    );
    assert!(PolicyException::compile(&json!({
        "apiVersion": "kyverno.io/v2alpha9", "kind": "PolicyException"
    }))
    .is_none());
}

/// The `psa` policy of Kyverno's `test/cli/test-exceptions/exceptions-3`, with an
/// `exclude` of its own.
fn baseline_pod_security() -> Policy {
    Policy::compile(&json!({
        "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
        "metadata": {"name": "psa"},
        "spec": {"rules": [{"name": "baseline",
             "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
             "validate": {"failureAction": "Enforce", "podSecurity": {
                 "level": "baseline", "version": "latest",
                 "exclude": [{"controlName": "Sysctls"}]}}}]}
    }))
    .expect("a policy")
}

fn host_path_exception() -> PolicyException {
    exception(json!({
        "exceptions": [{"policyName": "psa", "ruleNames": ["baseline"]}],
        "match": {"any": [{"resources": {"namespaces": ["staging-ns"]}}]},
        "podSecurity": [{"controlName": "HostPath Volumes",
                         "restrictedField": "spec.volumes[*].hostPath",
                         "values": ["/var/lib1"]}]
    }))
}

/// The one result of `policy` on `resource`.
fn only_outcome(policy: &Policy, resource: &Value, exceptions: &[PolicyException]) -> Outcome {
    let labels = BTreeMap::new();
    let input = ResourceInput {
        resource,
        namespace: None,
        namespace_labels: &labels,
        subresource: "",
        values: None,
    };
    let variables = ResourceVariables::new(resource);
    let mut results = evaluate_policy_with(
        policy,
        &input,
        &variables,
        exceptions,
        &Options::default(),
        &NoRepositoryData,
    );
    assert_eq!(results.len(), 1, "{results:?}");
    results.remove(0).outcome
}

#[test]
fn pod_security_controls_go_with_the_rules_exclude_where_the_exception_applies() {
    let policy = baseline_pod_security();
    let controls = host_path_exception();
    assert!(controls.problems.is_empty(), "{:?}", controls.problems);
    let outcome = only_outcome(
        &policy,
        &pod("excluded-pod", "staging-ns"),
        std::slice::from_ref(&controls),
    );
    assert_eq!(
        outcome,
        Outcome::PodSecurity {
            level: "baseline".to_owned(),
            version: Some("latest".to_owned()),
            exclude: json!([{"controlName": "Sysctls"}]),
            exception_controls: vec![json!(
                {"controlName": "HostPath Volumes",
                 "restrictedField": "spec.volumes[*].hostPath", "values": ["/var/lib1"]}
            )],
            exceptions: vec!["kyverno/legacy".to_owned()],
        }
    );
    // Outside the exception's namespace the rule keeps its own exclude only.
    let outcome = only_outcome(
        &policy,
        &pod("bad-pod", "default"),
        std::slice::from_ref(&controls),
    );
    assert!(
        matches!(&outcome, Outcome::PodSecurity { exclude, .. }
            if *exclude == json!([{"controlName": "Sysctls"}])),
        "{outcome:?}"
    );
}

#[test]
fn an_applying_exception_without_controls_skips_a_pod_security_rule_whole() {
    let policy = baseline_pod_security();
    let whole = PolicyException::compile(&json!({
        "apiVersion": "kyverno.io/v2", "kind": "PolicyException",
        "metadata": {"name": "whole", "namespace": "kyverno"},
        "spec": {"exceptions": [{"policyName": "psa", "ruleNames": ["*"]}],
                 "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}}
    }))
    .expect("a PolicyException");
    // Kyverno's podSecurity text has a space and names the first such exception.
    assert_eq!(
        only_outcome(
            &policy,
            &pod("excluded-pod", "staging-ns"),
            &[host_path_exception(), whole]
        ),
        Outcome::Skip {
            reason: "rule is skipped due to policy exception kyverno/whole".to_owned()
        }
    );
    // Controls for a podSecurity rule do not exempt a pattern rule piecemeal: the
    // exception skips it, as Kyverno's validate handler does.
    let require = require_team();
    let controls_for_team = exception(json!({
        "exceptions": [{"policyName": "require-team", "ruleNames": ["team-label"]}],
        "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
        "podSecurity": [{"controlName": "Sysctls"}]
    }));
    assert_eq!(
        outcomes(&require, &pod("web", "apps"), &[controls_for_team]),
        owned(&[
            (
                "team-label",
                "skip",
                "rule is skipped due to policy exceptionskyverno/legacy"
            ),
            ("no-latest", "fail", ""),
        ])
    );
}

#[test]
fn malformed_pod_security_controls_are_problems() {
    let bad = exception(json!({
        "exceptions": [{"policyName": "psa", "ruleNames": ["baseline"]}],
        "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
        "podSecurity": [
            {"controlName": "Privileged Containers"},
            {"controlName": "HostPath Volumes", "images": ["nginx"]},
            {"controlName": "Seccomp", "restrictedField": "spec.securityContext.seccompProfile.type"},
            {"controlName": "SELinux", "values": ["spc_t"]},
            {"controlName": "Root"},
            "Sysctls"
        ]
    }));
    let messages: Vec<(String, &str)> = bad
        .problems
        .iter()
        .map(|p| {
            let path: Vec<String> = p.path.iter().map(ToString::to_string).collect();
            (path.join("."), p.message.as_str())
        })
        .collect();
    assert_eq!(
        messages,
        [
            ("spec.podSecurity.0.controlName".to_owned(), "exclude.images must be specified for the container level control"),
            ("spec.podSecurity.1.controlName".to_owned(), "exclude.images must not be specified for the pod level control"),
            ("spec.podSecurity.2.values".to_owned(), "values is required"),
            ("spec.podSecurity.3.restrictedField".to_owned(), "restrictedField is required"),
            ("spec.podSecurity.4.controlName".to_owned(), "controlName must be one of HostProcess, Host Namespaces, Privileged Containers, Capabilities, HostPath Volumes, Host Ports, AppArmor, SELinux, /proc Mount Type, Seccomp, Sysctls, Volume Types, Privilege Escalation, Running as Non-root, Running as Non-root user, not \"Root\""),
            ("spec.podSecurity.5".to_owned(), "an entry of podSecurity must be a mapping"),
        ]
    );
    // An exception with problems is not applied.
    let outcome = only_outcome(&baseline_pod_security(), &pod("p", "apps"), &[bad]);
    assert!(
        matches!(&outcome, Outcome::PodSecurity { exclude, .. }
            if *exclude == json!([{"controlName": "Sysctls"}])),
        "{outcome:?}"
    );
}
