//! `podSecurity` rules in Kyverno CLI tests, decided by the bundled Pod Security
//! profile rules (PSS021, PSS022) with Kyverno's verdicts: Kyverno's own
//! `test-exceptions/exceptions-3`, and what a malformed rule gives.

use std::path::{Path, PathBuf};

use hubspoke_engine::{bundled_sources, EvalOptions, RuleSet};
use hubspoke_kyverno::kyverno_test::{run_test_with, Actual, TestReport};
use hubspoke_workspace::kyverno_tests::BundledPodSecurity;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn run(test: &Path) -> TestReport {
    let rules = RuleSet::load(bundled_sources());
    let checks = BundledPodSecurity::new(&rules, EvalOptions::default().rule_timeout);
    run_test_with(test, Some(&checks)).expect("the test runs")
}

/// `(resource, expected, actual, message)` of every check.
fn verdicts(test: &Path) -> Vec<(String, String, Actual, Option<String>)> {
    run(test)
        .checks
        .into_iter()
        .map(|c| (c.resource, c.expected, c.actual, c.message))
        .collect()
}

fn status(s: &str) -> Actual {
    Actual::Status(s.to_owned())
}

#[test]
fn pod_security_rules_get_kyverno_verdicts_and_exception_controls_skip() {
    let seen = verdicts(&fixtures().join("kyverno-exceptions/exceptions-3/kyverno-test.yaml"));
    assert_eq!(
        seen,
        [
            (
                "bad-pod".to_owned(),
                "fail".to_owned(),
                status("fail"),
                Some(
                    "Validation rule 'baseline' failed. It violates PodSecurity \"baseline:latest\": \
                     Pod \"bad-pod\": the pod must not use the hostPath volume \"host\" (baseline profile, HostPath Volumes)"
                        .to_owned()
                )
            ),
            (
                "good-pod".to_owned(),
                "pass".to_owned(),
                status("pass"),
                Some("Validation rule 'baseline' passed.".to_owned())
            ),
            // The same hostPath, exempted by the exception's control in staging-ns:
            // Kyverno skips the rule rather than passing it.
            (
                "excluded-pod".to_owned(),
                "skip".to_owned(),
                status("skip"),
                Some(
                    "rule is skipped due to policy exceptions policy-exception-ns/pod-security-exception"
                        .to_owned()
                )
            ),
        ]
    );
}

/// Copy `exceptions-3` into a temporary directory with its policy's
/// `podSecurity` replaced.
fn with_pod_security(pod_security: &str) -> (tempfile::TempDir, PathBuf) {
    let source = fixtures().join("kyverno-exceptions/exceptions-3");
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["exception.yaml", "kyverno-test.yaml", "resources.yaml"] {
        std::fs::copy(source.join(name), dir.path().join(name)).expect("copy");
    }
    let policy = std::fs::read_to_string(source.join("policy.yaml")).expect("read");
    let original = "      podSecurity:\n        level: baseline\n        version: latest\n";
    assert!(policy.contains(original));
    let policy = policy.replace(original, pod_security);
    std::fs::write(dir.path().join("policy.yaml"), policy).expect("write");
    let test = dir.path().join("kyverno-test.yaml");
    (dir, test)
}

#[test]
fn an_unreadable_version_is_an_error_on_every_resource_as_in_kyverno() {
    let (_dir, test) = with_pod_security(
        "      podSecurity:\n        level: baseline\n        version: \"1.29\"\n",
    );
    let seen = verdicts(&test);
    assert_eq!(seen.len(), 3);
    for (resource, _, actual, message) in &seen {
        // The exception names the rule but its control does not apply before the checks run.
        assert_eq!(actual, &status("error"), "{resource}");
        assert_eq!(
            message.as_deref(),
            Some("failed to parse pod security api version: must be \"latest\" or \"v1.x\""),
            "{resource}"
        );
    }
}

#[test]
fn a_malformed_exclude_or_an_unknown_level_refuses_the_policy_as_kyverno_does() {
    for pod_security in [
        "      podSecurity:\n        level: baseline\n        exclude: HostPath Volumes\n",
        "      podSecurity:\n        level: baseline\n        exclude:\n        - controlName: Running as Non-root\n",
        "      podSecurity:\n        level: strict\n",
    ] {
        let (_dir, test) = with_pod_security(pod_security);
        let seen = verdicts(&test);
        assert_eq!(seen.len(), 3, "{pod_security}");
        for (resource, _, actual, _) in &seen {
            assert!(
                matches!(actual, Actual::PolicyRejected(_)),
                "{pod_security} {resource}: {actual:?}"
            );
        }
    }
}
