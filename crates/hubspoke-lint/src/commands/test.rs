//! `hubspoke-lint test [DIR]`: a policy directory's rules load cleanly, its
//! Rego unit tests pass (`test_` rules in `*_test.rego`, like `opa test`) and
//! its fixtures meet their expectations, through the same engine a lint run
//! uses; and its Kyverno CLI tests (`kyverno-test.yaml`) give the verdicts
//! `kyverno test` gives, through the native Kyverno evaluator.
//!
//! Output: one `FAIL` line per failure, `file:line:` first so editors and CI
//! logs link to it (`--verbose` adds `PASS` and `SKIP` lines; Kyverno results
//! that cannot be decided offline, and those of policies Kyverno refuses, are
//! always listed as `SKIP`, with what they need or why), then the counts. Exit 0 when everything passed, 1 on any failure, 2
//! on a usage error.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};
use hubspoke_engine::rego_tests::{run_rego_tests, RegoTestOutcome};
use hubspoke_engine::{
    bundled_sources, load_policy_dir, load_policy_tests, EvalOptions, Evaluator, PolicySource,
    RuleSet,
};
use hubspoke_workspace::fixtures::run_fixtures;
use hubspoke_workspace::kyverno_tests::{run_kyverno_tests, KyvernoTestOutcome, KyvernoTestRun};

use crate::args::TestArgs;
use crate::exit::ExitStatus;

/// Passed and failed counts of one kind of check.
#[derive(Debug, Default)]
struct Tally {
    passed: usize,
    failed: usize,
    skipped: usize,
}

/// Run the tests of a policy directory.
pub fn run(args: &TestArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("policies"));
    if !dir.is_dir() {
        bail!("{} is not a directory of policies", dir.display());
    }
    // The directory's own files win over the bundled ones they are copies of (a
    // file whose path ends with a bundled one's, `lib/pods.rego`), so `test
    // policies` or `test policies/lib` tests the working copy, and user policies
    // can still import the bundled helpers (`data.hubspoke.lib.*`).
    let own = load_policy_dir(&dir)
        .with_context(|| format!("cannot read policies in {}", dir.display()))?;
    let tests = load_policy_tests(&dir)
        .with_context(|| format!("cannot read tests in {}", dir.display()))?;
    let kyverno = run_kyverno_tests(&dir);
    if own.is_empty() && tests.is_empty() && kyverno.files == 0 {
        bail!(
            "{} holds no Rego files (*.rego) and no Kyverno tests (kyverno-test.yaml) to run, in it or below it",
            dir.display()
        );
    }
    let mut kyverno_tally = Tally::default();
    report_kyverno(&kyverno, args.verbose, &mut kyverno_tally, out)?;
    if own.is_empty() && tests.is_empty() {
        // A directory of Kyverno policies and their tests only.
        write_kyverno_summary(&kyverno_tally, kyverno.files, out)?;
        return verdict(kyverno_tally.failed, out);
    }
    let own_paths: Vec<String> = own
        .iter()
        .map(|s| {
            std::fs::canonicalize(&s.path).map_or_else(
                |_| s.path.clone(),
                |p| p.to_string_lossy().replace('\\', "/"),
            )
        })
        .collect();
    let mut sources: Vec<PolicySource> = bundled_sources()
        .into_iter()
        .filter(|bundled| {
            let rel = bundled
                .path
                .strip_prefix("policies")
                .unwrap_or(&bundled.path);
            !own_paths.iter().any(|own| own.ends_with(rel))
        })
        .collect();
    sources.extend(own);
    let rules = RuleSet::load(sources);

    // Rules that do not load (syntax, metadata) are failures of the directory.
    let mut load = Tally::default();
    for finding in &rules.load_findings {
        let at = finding
            .region
            .map(|r| format!(":{}:{}", r.start.line, r.start.column))
            .unwrap_or_default();
        writeln!(out, "FAIL {}{at}: {}", finding.file, finding.message)?;
        load.failed += 1;
    }

    let mut unit = Tally::default();
    let report = run_rego_tests(&rules, &tests);
    for error in &report.errors {
        // regorus' message usually starts with the file's own `path:line:col`.
        if error.message.starts_with(&error.file) {
            writeln!(out, "FAIL {}", error.message)?;
        } else {
            writeln!(out, "FAIL {}: {}", error.file, error.message)?;
        }
        unit.failed += 1;
    }
    for case in &report.cases {
        let at = format!("{}:{}: {}", case.file, case.line, case.rule);
        match &case.outcome {
            RegoTestOutcome::Passed => {
                unit.passed += 1;
                if args.verbose {
                    writeln!(out, "PASS {at}")?;
                }
            }
            RegoTestOutcome::Skipped => {
                unit.skipped += 1;
                if args.verbose {
                    writeln!(out, "SKIP {at}")?;
                }
            }
            RegoTestOutcome::Failed(why) => {
                unit.failed += 1;
                writeln!(out, "FAIL {at}: {why}")?;
                for line in &case.prints {
                    writeln!(out, "     {line}")?;
                }
            }
        }
    }

    // Fixtures exercise every rule, including those off by default.
    let all_rules = EvalOptions {
        enabled: rules.rules.iter().map(|r| r.meta.id.clone()).collect(),
        ..EvalOptions::default()
    };
    let evaluator = Evaluator::new(&rules, all_rules);
    let fixtures = run_fixtures(&dir, &rules, &evaluator, false);
    let mut cases = Tally::default();
    for error in &fixtures.layout_errors {
        cases.failed += 1;
        writeln!(out, "FAIL layout: {error}")?;
    }
    for case in &fixtures.cases {
        if case.mismatches.is_empty() {
            cases.passed += 1;
            if args.verbose {
                writeln!(out, "PASS {} ({})", case.file, case.rule)?;
            }
        } else {
            cases.failed += 1;
            writeln!(out, "FAIL {} ({})", case.file, case.rule)?;
            for m in &case.mismatches {
                writeln!(out, "     {m}")?;
            }
        }
    }

    if load.failed > 0 {
        writeln!(out, "rules:      {} failed to load", load.failed)?;
    }
    writeln!(
        out,
        "Rego tests: {} passed, {} failed, {} skipped ({} {})",
        unit.passed,
        unit.failed,
        unit.skipped,
        tests.len(),
        if tests.len() == 1 { "file" } else { "files" }
    )?;
    writeln!(
        out,
        "fixtures:   {} passed, {} failed",
        cases.passed, cases.failed
    )?;
    if kyverno.files > 0 {
        write_kyverno_summary(&kyverno_tally, kyverno.files, out)?;
    }
    let failed = load.failed + unit.failed + cases.failed + kyverno_tally.failed;
    verdict(failed, out)
}

/// The closing line and the exit status for `failed` failures.
fn verdict(failed: usize, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    writeln!(
        out,
        "{}",
        if failed == 0 {
            "ok".to_owned()
        } else {
            format!(
                "FAILED: {failed} {}",
                if failed == 1 { "failure" } else { "failures" }
            )
        }
    )?;
    Ok(if failed == 0 {
        ExitStatus::Clean
    } else {
        ExitStatus::Findings
    })
}

/// The lines of the Kyverno tests: failures and test files that could not run always,
/// results not decidable offline always (they were not checked), passes with `verbose`.
fn report_kyverno(
    run: &KyvernoTestRun,
    verbose: bool,
    tally: &mut Tally,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    for (file, error) in &run.errors {
        tally.failed += 1;
        writeln!(out, "FAIL {file}: {error}")?;
    }
    for case in &run.cases {
        let at = format!("{}:{}: {}", case.file, case.line, case.name);
        match &case.outcome {
            KyvernoTestOutcome::Passed => {
                tally.passed += 1;
                if verbose {
                    writeln!(out, "PASS {at}")?;
                }
            }
            KyvernoTestOutcome::Failed(why) => {
                tally.failed += 1;
                writeln!(out, "FAIL {at}: {why}")?;
            }
            KyvernoTestOutcome::Skipped(why) => {
                tally.skipped += 1;
                writeln!(out, "SKIP {at}: not decidable offline: {why}")?;
            }
            // Not a failure (`kyverno test` passes it), but never silent: the policy
            // the test means to check is not checked at all.
            KyvernoTestOutcome::Refused(why) => {
                tally.skipped += 1;
                writeln!(
                    out,
                    "SKIP {at}: the policy is refused, as Kyverno refuses it: {why}"
                )?;
            }
        }
    }
    Ok(())
}

/// The Kyverno tests' summary line, with or without Rego tests beside them.
fn write_kyverno_summary(tally: &Tally, files: usize, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "Kyverno tests: {} passed, {} failed, {} skipped ({files} {})",
        tally.passed,
        tally.failed,
        tally.skipped,
        if files == 1 { "file" } else { "files" }
    )?;
    Ok(())
}
