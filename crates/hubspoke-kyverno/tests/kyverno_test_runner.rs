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
