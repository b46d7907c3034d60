//! The `kyverno test` runner on small directories of our own.

use std::path::{Path, PathBuf};

use hubspoke_kyverno::kyverno_test::{run_test, Actual, TestError};

fn data(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dir)
        .join("kyverno-test.yaml")
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    match run_test(&data("runner-missing-file")) {
        Err(TestError::Read { path, .. }) => {
            assert!(path.ends_with("does-not-exist.yaml"), "{}", path.display())
        }
        other => panic!("expected a read error, got {other:?}"),
    }
}

#[test]
fn refused_policies_are_skipped_and_the_others_evaluated() {
    let report = run_test(&data("runner-rejected-policy")).expect("the test runs");
    let seen: Vec<(&str, &str, &str, &Actual)> = report
        .checks
        .iter()
        .map(|c| {
            (
                c.policy.as_str(),
                c.resource_key.as_str(),
                c.expected.as_str(),
                &c.actual,
            )
        })
        .collect();
    assert!(
        matches!(seen[0].3, Actual::PolicyRejected(m) if m.contains("+(team)")),
        "{seen:?}"
    );
    assert_eq!(
        seen[1],
        (
            "accepted",
            "v1,Pod,default,web",
            "fail",
            &Actual::Status("fail".to_owned())
        )
    );
    assert_eq!(
        seen[2],
        (
            "accepted",
            "v1,Pod,default,api",
            "pass",
            &Actual::Status("pass".to_owned())
        )
    );
    // A name matching no resource: Kyverno checks every resource.
    assert_eq!(
        seen[3],
        (
            "accepted",
            "v1,Pod,default,web",
            "pass",
            &Actual::Status("fail".to_owned())
        )
    );
    assert_eq!(
        seen[4],
        (
            "accepted",
            "v1,Pod,default,api",
            "pass",
            &Actual::Status("pass".to_owned())
        )
    );
    assert_eq!(report.checks[1].message.as_deref(), Some("validation error: web needs a team label. rule require-team failed at path /metadata/labels/"));
    assert!(report
        .checks
        .iter()
        .take(3)
        .all(|c| c.kyverno_test_passes()));
    assert!(!report.checks[3].kyverno_test_passes());
    assert_eq!(report.checks.len(), 5);
}

/// Kyverno's own `test/cli/test-exceptions` scenarios (copied into `fixtures/`).
fn exceptions_test(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/kyverno-exceptions")
        .join(dir)
        .join("kyverno-test.yaml")
}

/// `(resource, expected, actual, message)` of every check.
fn verdicts(dir: &str) -> Vec<(String, String, Actual, Option<String>)> {
    let report = run_test(&exceptions_test(dir)).expect("the test runs");
    report
        .checks
        .into_iter()
        .map(|c| (c.resource, c.expected, c.actual, c.message))
        .collect()
}

fn status(s: &str) -> Actual {
    Actual::Status(s.to_owned())
}

#[test]
fn the_exceptions_a_test_lists_skip_the_rules_they_name_as_kyverno_test_does() {
    for dir in ["exceptions-1", "exceptions-deprecated"] {
        let seen = verdicts(dir);
        assert_eq!(seen.len(), 3, "{dir}: {seen:?}");
        assert_eq!(
            (&seen[0].0, &seen[0].2),
            (&"bad-deployment".to_owned(), &status("fail"))
        );
        assert_eq!(
            (&seen[1].0, &seen[1].2),
            (&"good-deployment".to_owned(), &status("pass"))
        );
        // Only the exception turns this failure into the expected skip.
        assert_eq!(
            seen[2],
            (
                "important-tool".to_owned(),
                "skip".to_owned(),
                status("skip"),
                Some("rule is skipped due to policy exceptionsdelta/delta-exception".to_owned())
            ),
            "{dir}"
        );
    }
    // An exception whose conditions hold for the blue Deployment only.
    let seen = verdicts("exceptions-2");
    let actual: Vec<(&str, &Actual)> = seen.iter().map(|s| (s.0.as_str(), &s.2)).collect();
    assert_eq!(
        actual,
        [
            ("bad-deployment", &status("fail")),
            ("good-deployment", &status("pass")),
            ("excluded-deployment", &status("skip")),
        ]
    );
    assert_eq!(
        seen[2].3.as_deref(),
        Some("rule is skipped due to policy exceptionscontainer-exception")
    );
}

#[test]
fn without_pod_security_checks_pod_security_results_are_out_of_scope_naming_what_they_need() {
    // `run_test` alone has no Pod Security checks (this crate knows nothing of
    // Rego); `hubspoke-workspace`'s `BundledPodSecurity` decides them, see its
    // `kyverno_pod_security` test.
    let seen = verdicts("exceptions-3");
    assert_eq!(seen.len(), 3);
    for (resource, _, actual, _) in &seen {
        assert_eq!(
            actual,
            &Actual::OutOfScope(
                "podSecurity rules need the Pod Security checks (hubspoke-lint test runs the bundled ones)"
                    .to_owned()
            ),
            "{resource}"
        );
    }
}
