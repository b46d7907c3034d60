//! `hubspoke-lint test [DIR]`: a policy directory's Rego unit tests (`test_`
//! rules in `*_test.rego`, like `opa test`) and fixture expectations (like
//! `kyverno test`), through the same engine a lint run uses.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};
use hubspoke_workspace::fixtures::run_fixtures;
use std::collections::BTreeSet;

use hubspoke_engine::{
    bundled_sources, load_policy_dir, load_policy_tests, EvalOptions, Evaluator, PolicySource,
    RuleSet,
};

use crate::args::TestArgs;
use crate::exit::ExitStatus;

/// Names of the `test_…` rules a Rego file declares (rule heads start a line).
fn test_rule_names(text: &str) -> Vec<String> {
    hubspoke_engine::rule_heads(text)
        .into_iter()
        .filter(|name| name.starts_with("test_"))
        .map(str::to_owned)
        .collect()
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
    // The directory's own files win over bundled ones at the same relative path,
    // so `hubspoke-lint test policies` tests the working copy, and user policies
    // can still import the bundled helpers (`data.hubspoke.lib.*`).
    let own = load_policy_dir(&dir)
        .with_context(|| format!("cannot read policies in {}", dir.display()))?;
    let prefix = format!("{}/", dir.to_string_lossy().trim_end_matches('/'));
    let own_relative: BTreeSet<String> = own
        .iter()
        .map(|s| s.path.strip_prefix(&prefix).unwrap_or(&s.path).to_owned())
        .collect();
    let mut sources: Vec<PolicySource> = bundled_sources()
        .into_iter()
        .filter(|s| !own_relative.contains(s.path.strip_prefix("policies/").unwrap_or(&s.path)))
        .collect();
    sources.extend(own);
    let rules = RuleSet::load(sources);
    let mut failures = 0usize;
    let mut passes = 0usize;
    for finding in &rules.load_findings {
        let at = finding
            .region
            .map(|r| format!(":{}:{}", r.start.line, r.start.column))
            .unwrap_or_default();
        writeln!(out, "FAIL {}{at}: {}", finding.file, finding.message)?;
        failures += 1;
    }
    let tests = load_policy_tests(&dir)
        .with_context(|| format!("cannot read tests in {}", dir.display()))?;
    if !tests.is_empty() {
        let mut engine = rules.build_engine().map_err(|e| anyhow::anyhow!(e))?;
        for test in &tests {
            let package = match engine.add_policy(test.path.clone(), test.text.clone()) {
                Ok(package) => package,
                Err(error) => {
                    let first = error
                        .to_string()
                        .lines()
                        .find(|l| l.trim_start().starts_with("error:"))
                        .unwrap_or("does not compile")
                        .trim()
                        .to_owned();
                    writeln!(out, "FAIL {}: {first}", test.path)?;
                    failures += 1;
                    continue;
                }
            };
            for name in test_rule_names(&test.text) {
                let outcome = engine.eval_rule(format!("{package}.{name}"));
                match outcome {
                    Ok(regorus::Value::Bool(true)) => {
                        passes += 1;
                        writeln!(out, "PASS {package}.{name}")?;
                    }
                    Ok(other) => {
                        failures += 1;
                        let got = if other == regorus::Value::Undefined {
                            "undefined".to_owned()
                        } else {
                            other.to_json_str().unwrap_or_default()
                        };
                        writeln!(out, "FAIL {package}.{name} ({}): got {got}", test.path)?;
                    }
                    Err(error) => {
                        failures += 1;
                        writeln!(
                            out,
                            "FAIL {package}.{name} ({}): {}",
                            test.path,
                            error.to_string().lines().next().unwrap_or("")
                        )?;
                    }
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
    let report = run_fixtures(&dir, &rules, &evaluator, false);
    for error in &report.layout_errors {
        failures += 1;
        writeln!(out, "FAIL layout: {error}")?;
    }
    for case in &report.cases {
        if case.mismatches.is_empty() {
            passes += 1;
            writeln!(out, "PASS {} ({})", case.file, case.rule)?;
        } else {
            failures += 1;
            writeln!(out, "FAIL {} ({})", case.file, case.rule)?;
            for m in &case.mismatches {
                writeln!(out, "     {m}")?;
            }
        }
    }
    writeln!(out, "{passes} passed, {failures} failed")?;
    Ok(if failures == 0 {
        ExitStatus::Clean
    } else {
        ExitStatus::Findings
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_rules_are_found_by_their_heads() {
        let text = "package x_test\n\ntest_denies if {\n  true\n}\ntest_allows := true\nnot_a_test if true\n";
        assert_eq!(test_rule_names(text), ["test_denies", "test_allows"]);
    }
}
