use std::cell::RefCell;

use serde_json::{json, Value};

use super::*;
use crate::policy::Policy;

/// Pod Security checks for the runner's logic: one violation per `hostPath`
/// volume unless an `exclude` entry names `HostPath Volumes`, plus whatever
/// `extra` says; every call recorded.
struct HostPathOnly {
    calls: RefCell<Vec<(String, Value)>>,
    extra: Vec<String>,
}

impl HostPathOnly {
    fn new() -> HostPathOnly {
        HostPathOnly {
            calls: RefCell::new(Vec::new()),
            extra: Vec::new(),
        }
    }
}

impl PodSecurityStandards for HostPathOnly {
    fn violations(
        &self,
        level: &str,
        exclude: &Value,
        resource: &Value,
    ) -> Result<Vec<String>, String> {
        self.calls
            .borrow_mut()
            .push((level.to_owned(), exclude.clone()));
        if resource.pointer("/metadata/name") == Some(&json!("broken")) {
            return Err("the checks stopped".to_owned());
        }
        let exempt = exclude.as_array().is_some_and(|list| {
            list.iter()
                .any(|e| e.get("controlName") == Some(&json!("HostPath Volumes")))
        });
        let mut found: Vec<String> = resource
            .pointer("/spec/volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|v| v.get("hostPath").is_some() && !exempt)
            .map(|v| format!("hostPath volume {}", v["name"]))
            .collect();
        found.extend(self.extra.iter().cloned());
        Ok(found)
    }
}

fn pod(name: &str, kind: &str, host_path: bool) -> Value {
    let volumes = if host_path {
        json!([{"name": "host", "hostPath": {"path": "/var/lib1"}}])
    } else {
        json!([])
    };
    json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": name},
           "spec": {"volumes": volumes, "containers": [{"name": "c", "image": "nginx"}]}})
}

fn request<'a>(resource: &'a Value, exclude: &'a Value) -> Request<'a> {
    Request {
        rule: "baseline",
        level: "baseline",
        version: Some("latest"),
        exclude,
        exception_controls: &[],
        exceptions: &[],
        resource,
    }
}

#[test]
fn a_pod_without_violations_passes_and_one_with_them_fails_naming_them() {
    let checks = HostPathOnly::new();
    let none = Value::Null;
    let good = pod("good", "Pod", false);
    assert_eq!(
        verdict(&checks, &request(&good, &none)),
        (
            Outcome::Pass,
            "Validation rule 'baseline' passed.".to_owned()
        )
    );
    let bad = pod("bad", "Pod", true);
    assert_eq!(
        verdict(&checks, &request(&bad, &none)),
        (
            Outcome::Fail { violations: Vec::new() },
            "Validation rule 'baseline' failed. It violates PodSecurity \"baseline:latest\": hostPath volume \"host\"".to_owned()
        )
    );
    // The rule's own exclude exempts.
    let exclude = json!([{"controlName": "HostPath Volumes"}]);
    assert_eq!(verdict(&checks, &request(&bad, &exclude)).0, Outcome::Pass);
}

#[test]
fn exceptions_controls_turn_a_failure_into_a_skip_and_leave_a_pass_a_pass() {
    let checks = HostPathOnly::new();
    let none = Value::Null;
    let controls = [json!({"controlName": "HostPath Volumes"})];
    let keys = ["staging/host-path".to_owned()];
    let bad = pod("bad", "Pod", true);
    let exempted = Request {
        exception_controls: &controls,
        exceptions: &keys,
        ..request(&bad, &none)
    };
    assert_eq!(
        verdict(&checks, &exempted),
        (
            Outcome::Skip {
                reason: "rule is skipped due to policy exceptions staging/host-path".to_owned()
            },
            "rule is skipped due to policy exceptions staging/host-path".to_owned()
        )
    );
    // Kyverno checks the rule's own exclude first, then with the exceptions' controls.
    assert_eq!(
        *checks.calls.borrow(),
        [
            ("baseline".to_owned(), Value::Null),
            (
                "baseline".to_owned(),
                json!([{"controlName": "HostPath Volumes"}])
            )
        ]
    );
    let good = pod("good", "Pod", false);
    let passing = Request {
        exception_controls: &controls,
        exceptions: &keys,
        ..request(&good, &none)
    };
    assert_eq!(verdict(&checks, &passing).0, Outcome::Pass);
    // What the exceptions do not exempt still fails, naming what is left.
    let more = HostPathOnly {
        extra: vec!["privileged container".to_owned()],
        ..HostPathOnly::new()
    };
    let (outcome, message) = verdict(&more, &exempted);
    assert_eq!(
        outcome,
        Outcome::Fail {
            violations: Vec::new()
        }
    );
    assert!(
        message.ends_with("\"baseline:latest\": privileged container"),
        "{message}"
    );
}

#[test]
fn privileged_runs_every_check_as_kyverno_does_and_baseline_its_own() {
    let checks = HostPathOnly::new();
    let none = Value::Null;
    let good = pod("good", "Pod", false);
    for level in ["privileged", "restricted", "baseline"] {
        let _ = verdict(
            &checks,
            &Request {
                level,
                ..request(&good, &none)
            },
        );
    }
    let levels: Vec<String> = checks.calls.borrow().iter().map(|c| c.0.clone()).collect();
    assert_eq!(levels, ["restricted", "restricted", "baseline"]);
}

#[test]
fn kinds_without_a_pod_spec_unreadable_versions_and_failed_checks_are_errors() {
    let checks = HostPathOnly::new();
    let none = Value::Null;
    let namespace = pod("ns", "Namespace", false);
    assert_eq!(
        verdict(&checks, &request(&namespace, &none)).1,
        "Error while getting new resource: could not find correct resource type"
    );
    let good = pod("good", "Deployment", false);
    for version in ["1.29", "v1.029", "v2.1", "v1.", "newest"] {
        let (outcome, message) = verdict(
            &checks,
            &Request {
                version: Some(version),
                ..request(&good, &none)
            },
        );
        assert!(matches!(outcome, Outcome::Error { .. }), "{version}");
        assert_eq!(
            message,
            "failed to parse pod security api version: must be \"latest\" or \"v1.x\""
        );
    }
    assert!(checks.calls.borrow().is_empty());
    let broken = pod("broken", "Pod", false);
    assert_eq!(
        verdict(&checks, &request(&broken, &none)),
        (
            Outcome::Error {
                message: "the checks stopped".to_owned()
            },
            "the checks stopped".to_owned()
        )
    );
}

#[test]
fn versions_are_read_as_kyverno_reads_them() {
    for good in [None, Some(""), Some("latest"), Some("v1.0"), Some("v1.29")] {
        assert!(version_is_valid(good), "{good:?}");
    }
    for bad in ["v1.01", "1.29", "v1.x", "v1", "Latest"] {
        assert!(!version_is_valid(Some(bad)), "{bad}");
    }
}

#[test]
fn exception_controls_follow_the_rules_exclude() {
    let controls = [json!({"controlName": "Sysctls"})];
    assert_eq!(
        with_exception_controls(&json!([{"controlName": "AppArmor"}]), &controls),
        json!([{"controlName": "AppArmor"}, {"controlName": "Sysctls"}])
    );
    assert_eq!(
        with_exception_controls(&Value::Null, &controls),
        json!([{"controlName": "Sysctls"}])
    );
    assert_eq!(
        with_exception_controls(&json!("bad"), &controls),
        json!("bad")
    );
}

/// `(path, message, kyverno_rejects)` of a policy with one podSecurity rule.
fn rule_problems(pod_security: Value) -> Vec<(String, String, bool)> {
    let policy = Policy::compile(&json!({
        "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
        "metadata": {"name": "psa"},
        "spec": {"rules": [{"name": "baseline",
            "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
            "validate": {"podSecurity": pod_security}}]}
    }))
    .expect("a policy");
    policy
        .problems
        .iter()
        .filter(|p| p.rule.as_deref() == Some("baseline"))
        .map(|p| {
            let path: Vec<String> = p.path.iter().map(ToString::to_string).collect();
            (path.join("."), p.message.clone(), p.kyverno_rejects)
        })
        .collect()
}

#[test]
fn a_malformed_exclude_or_level_is_refused_and_an_unreadable_version_is_a_problem() {
    let at = "spec.rules.0.validate.podSecurity";
    assert_eq!(
        rule_problems(json!({"level": "baseline", "exclude": "HostPath Volumes"})),
        [(
            format!("{at}.exclude"),
            "exclude must be a list of controls".to_owned(),
            true
        )]
    );
    assert_eq!(
        rule_problems(json!({"level": "baseline", "exclude": [
            "Sysctls",
            {"controlName": "Seccomp", "restrictedField": 7, "values": ["x"]},
            {"controlName": "Running as Non-root"},
            {"controlName": "Capabilities", "images": ["*"]}
        ]})),
        [
            (
                format!("{at}.exclude.0"),
                "an entry of exclude must be a mapping".to_owned(),
                true
            ),
            (
                format!("{at}.exclude.1.restrictedField"),
                "restrictedField must be a string".to_owned(),
                true
            ),
            (
                format!("{at}.exclude.2.controlName"),
                "Invalid control name defined at the given level: \"Running as Non-root\" is checked by the restricted level only".to_owned(),
                true
            ),
        ]
    );
    assert_eq!(
        rule_problems(json!({"level": "strict"})),
        [(
            format!("{at}.level"),
            "podSecurity.level must be privileged, baseline or restricted, not \"strict\""
                .to_owned(),
            true
        )]
    );
    // Kyverno accepts the policy and errors on each resource.
    assert_eq!(
        rule_problems(json!({"level": "restricted", "version": "1.29"})),
        [(
            format!("{at}.version"),
            "podSecurity.version must be \"latest\" or \"v1.x\", not \"1.29\"".to_owned(),
            false
        )]
    );
    assert!(rule_problems(json!({"level": "restricted", "version": "v1.29"})).is_empty());
}
