//! `--stats`, `--timings` and `--parse-only` (issue 9): what they print and
//! that they leave the findings alone.

use crate::support::{findings, json, run};

#[test]
fn stats_name_every_stage_and_the_counts() {
    let out = run(
        None,
        &["fixtures/hub-spoke-broken", "--format", "json", "--stats"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in [
        "files",
        "documents",
        "rules",
        "discover",
        "parse",
        "load rules",
        "model",
        "evaluate documents",
        "evaluate repository",
        "schema",
        "suppress",
        "report",
        "total",
        "peak RSS",
    ] {
        assert!(stderr.contains(line), "--stats lacks {line}:\n{stderr}");
    }
    let plain = run(None, &["fixtures/hub-spoke-broken", "--format", "json"]);
    assert_eq!(findings(&json(&out)), findings(&json(&plain)));
}

#[test]
fn timings_list_the_slowest_rules_and_change_no_finding() {
    let out = run(
        None,
        &["fixtures/hub-spoke-broken", "--format", "json", "--timings"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("slowest rules"), "{stderr}");
    let rows = stderr
        .lines()
        .filter(|l| {
            l.trim_start().starts_with("PSS")
                || l.trim_start().starts_with("BP")
                || l.trim_start().starts_with("HUB")
                || l.trim_start().starts_with("FLUX")
                || l.trim_start().starts_with("SEC")
        })
        .count();
    assert!((1..=15).contains(&rows), "{rows} rule rows:\n{stderr}");
    let plain = run(None, &["fixtures/hub-spoke-broken", "--format", "json"]);
    assert_eq!(findings(&json(&out)), findings(&json(&plain)));
}

#[test]
fn parse_only_reports_input_problems_and_no_rule() {
    let out = run(
        None,
        &[
            "fixtures/hub-spoke-broken",
            "--format",
            "json",
            "--parse-only",
        ],
    );
    let report = json(&out);
    let rules: Vec<String> = findings(&report).into_iter().map(|f| f.0).collect();
    assert!(rules.iter().any(|r| r == "parse-error"), "{rules:?}");
    let builtin = hubspoke_manifest::input_rules();
    assert!(
        rules.iter().all(|r| builtin.iter().any(|b| &b.id == r)),
        "--parse-only ran rules: {rules:?}"
    );
    // Only the input checks ran, and the summary counts them as `rules` lists them.
    assert_eq!(report["summary"]["rules"], builtin.len());
}
