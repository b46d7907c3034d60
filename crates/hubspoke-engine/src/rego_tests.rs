//! Rego unit tests, run as `opa test` runs them: every rule named `test_…` in
//! a `*_test.rego` file is a test, and passes when it evaluates to `true`
//! (undefined, any other value or an error fails it); `todo_test_…` rules are
//! skipped. `cargo test` (policies/lib) and `hubspoke-lint test DIR` both call
//! [`run_rego_tests`], so helpers and user policies get the same runner.
//!
//! Tests are found in the parsed module (regorus' own parser), not by scanning
//! text, so each one carries the line of its rule head. A test name defined
//! twice in one package fails: Rego ORs the definitions, so a failing one would
//! hide behind a passing one (regal's `identically-named-tests`).

use std::collections::BTreeMap;

use regorus::unstable::{Parser, Rule, RuleHead};
use regorus::{Engine, Value};

use crate::policy::PolicySource;
use crate::ruleset::{add_source, RuleSet};

/// Prefix of a test rule.
const TEST_PREFIX: &str = "test_";
/// Prefix of a test written down but not run yet (OPA's convention).
const TODO_PREFIX: &str = "todo_test_";

/// How one test ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegoTestOutcome {
    /// The rule evaluated to `true`.
    Passed,
    /// Anything else: what it evaluated to, or the evaluation error.
    Failed(String),
    /// A `todo_test_` rule, not run.
    Skipped,
}

/// One test rule and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegoTestCase {
    /// The `_test.rego` file.
    pub file: String,
    /// 1-based line of the rule head.
    pub line: u32,
    /// The rule's full path, `data.<package>.<name>`.
    pub rule: String,
    /// How it ended.
    pub outcome: RegoTestOutcome,
    /// What the test printed (`print(...)`), shown with a failure.
    pub prints: Vec<String>,
}

/// A test file that could not be run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegoTestError {
    /// The `_test.rego` file.
    pub file: String,
    /// The first line of the parser's or compiler's message (it names file, line and column).
    pub message: String,
}

/// Every test of a run, in file and line order, and the files that did not compile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegoTestReport {
    /// One entry per test rule.
    pub cases: Vec<RegoTestCase>,
    /// Files whose tests could not run.
    pub errors: Vec<RegoTestError>,
}

impl RegoTestReport {
    /// Whether every file compiled and no test failed.
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
            && self
                .cases
                .iter()
                .all(|c| !matches!(c.outcome, RegoTestOutcome::Failed(_)))
    }

    /// A readable account of every failure (`file:line: rule: why`).
    pub fn failures(&self) -> String {
        let mut out = String::new();
        for error in &self.errors {
            out.push_str(&format!("{}: {}\n", error.file, error.message));
        }
        for case in &self.cases {
            if let RegoTestOutcome::Failed(why) = &case.outcome {
                out.push_str(&format!(
                    "{}:{}: {}: {why}\n",
                    case.file, case.line, case.rule
                ));
            }
        }
        out
    }
}

/// Run the `test_…` rules of `tests` against the policies of `rules` (which the
/// tests import). Files that do not parse or compile are reported in
/// [`RegoTestReport::errors`]; the other files' tests still run.
pub fn run_rego_tests(rules: &RuleSet, tests: &[PolicySource]) -> RegoTestReport {
    let mut report = RegoTestReport::default();
    if tests.is_empty() {
        return report;
    }
    let base = match rules.build_engine() {
        Ok(engine) => engine,
        Err(message) => {
            report.errors.extend(tests.iter().map(|t| RegoTestError {
                file: t.path.clone(),
                message: first_line(&message),
            }));
            return report;
        }
    };
    // All files in one engine, as `opa test` loads them (a test file may use
    // another's helpers); a file that does not parse is named and left out.
    let mut loaded: Vec<(&PolicySource, Vec<(String, u32)>)> = Vec::new();
    let mut engine = base.clone();
    for test in tests {
        match add_test_file(&mut engine, test) {
            Ok(found) => loaded.push((test, found)),
            Err(message) => report.errors.push(RegoTestError {
                file: test.path.clone(),
                message,
            }),
        }
    }
    if let Err(error) = prepare(&mut engine) {
        // Something does not compile: find the files that do not compile alone,
        // leave them out, and run the others.
        let mut kept = Vec::new();
        for (test, found) in loaded {
            let mut alone = base.clone();
            match add_test_file(&mut alone, test).and_then(|_| prepare(&mut alone)) {
                Ok(()) => kept.push((test, found)),
                Err(message) => report.errors.push(RegoTestError {
                    file: test.path.clone(),
                    message,
                }),
            }
        }
        engine = base;
        for (test, _) in &kept {
            // Each parsed a moment ago on a copy of this engine.
            let _ = add_test_file(&mut engine, test);
        }
        if let Err(still) = prepare(&mut engine) {
            // They compile alone but not together (two define one rule differently).
            let message = if kept.is_empty() { error } else { still };
            report
                .errors
                .extend(kept.iter().map(|(test, _)| RegoTestError {
                    file: test.path.clone(),
                    message: message.clone(),
                }));
            report.errors.sort_by(|a, b| a.file.cmp(&b.file));
            return report;
        }
        loaded = kept;
    }
    report.errors.sort_by(|a, b| a.file.cmp(&b.file));
    let mut by_rule: BTreeMap<String, Vec<(String, u32)>> = BTreeMap::new();
    let mut in_order = Vec::new();
    for (test, found) in &loaded {
        for (rule, line) in found {
            by_rule
                .entry(rule.clone())
                .or_default()
                .push((test.path.clone(), *line));
            in_order.push((test.path.clone(), *line, rule.clone()));
        }
    }
    engine.set_gather_prints(true);
    // `hubspoke.context` answers from the evaluating thread: start from an empty context.
    crate::context::set_current(None);
    for (file, line, rule) in in_order {
        let definitions = &by_rule[&rule];
        if definitions[0] != (file.clone(), line) {
            continue; // a name defined twice is reported once, on its first definition
        }
        let outcome = if rule_name(&rule).starts_with(TODO_PREFIX) {
            RegoTestOutcome::Skipped
        } else if definitions.len() > 1 {
            let places: Vec<String> = definitions
                .iter()
                .map(|(file, line)| format!("{file}:{line}"))
                .collect();
            RegoTestOutcome::Failed(format!(
                "defined {} times ({}); Rego ORs the definitions, so one failing is hidden: rename them",
                definitions.len(),
                places.join(", ")
            ))
        } else {
            evaluate(&mut engine, &rule)
        };
        let prints = engine.take_prints().unwrap_or_default();
        report.cases.push(RegoTestCase {
            file,
            line,
            rule,
            outcome,
            prints,
        });
    }
    report
}

/// Compile everything the engine holds (regorus does it before the first evaluation).
fn prepare(engine: &mut Engine) -> Result<(), String> {
    engine
        .eval_query("true".to_owned(), false)
        .map(|_| ())
        .map_err(|e| first_line(&e.to_string()))
}

/// Add a test file (Rego v1, or v0 as policies may be) and list its tests:
/// `(data.<package>.<name>, line)` in file order.
fn add_test_file(engine: &mut Engine, test: &PolicySource) -> Result<Vec<(String, u32)>, String> {
    let mut test = test.clone();
    let package = add_source(engine, &mut test).map_err(|e| first_line(&e))?;
    let module = engine
        .get_modules()
        .iter()
        .rev()
        .find(|m| m.package.span.source.file() == &test.path)
        .cloned()
        .ok_or_else(|| format!("{}: not loaded", test.path))?;
    let mut found = Vec::new();
    for rule in &module.policy {
        let Rule::Spec { span, head, .. } = rule.as_ref() else {
            continue; // `default test_x := ...` is a default, not a test
        };
        let refr = match head {
            RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. } => refr,
            RuleHead::Func { .. } => continue, // a helper taking arguments
        };
        let Some(name) = Parser::get_path_ref_components(refr)
            .ok()
            .and_then(|parts| parts.first().map(|p| p.text().to_owned()))
        else {
            continue;
        };
        if name.starts_with(TEST_PREFIX) || name.starts_with(TODO_PREFIX) {
            // Every definition, so that a name defined twice is caught.
            found.push((format!("{package}.{name}"), span.line));
        }
    }
    Ok(found)
}

fn evaluate(engine: &mut Engine, rule: &str) -> RegoTestOutcome {
    match engine.eval_rule(rule.to_owned()) {
        Ok(Value::Bool(true)) => RegoTestOutcome::Passed,
        Ok(Value::Undefined) => RegoTestOutcome::Failed("undefined".to_owned()),
        Ok(other) => RegoTestOutcome::Failed(format!(
            "got {}",
            serde_json::to_string(&other).unwrap_or_else(|_| "a value that is not JSON".to_owned())
        )),
        Err(error) => RegoTestOutcome::Failed(first_line(&error.to_string())),
    }
}

fn rule_name(rule: &str) -> &str {
    rule.rsplit('.').next().unwrap_or(rule)
}

/// regorus' messages run over several lines: `--> file:line:col`, an excerpt of
/// the source, then `error: what`. One line, `file:line:col: what`, says it all.
fn first_line(message: &str) -> String {
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let place = lines.iter().find_map(|l| l.strip_prefix("--> "));
    let what = lines.iter().find_map(|l| l.strip_prefix("error: "));
    match (place, what) {
        (Some(place), Some(what)) => format!("{place}: {what}"),
        (None, Some(what)) => what.to_owned(),
        _ => lines.first().map_or_else(String::new, |l| (*l).to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(path: &str, text: &str) -> PolicySource {
        PolicySource {
            path: path.to_owned(),
            text: text.to_owned(),
            bundled: false,
            rego_v0: false,
        }
    }

    fn run(tests: &[PolicySource]) -> RegoTestReport {
        let rules = RuleSet::load(vec![source(
            "p/lib.rego",
            "package team.lib\n\ndouble(x) := 2 * x\n",
        )]);
        run_rego_tests(&rules, tests)
    }

    /// `(line, rule, outcome)` of each case, for compact assertions.
    fn summary(report: &RegoTestReport) -> Vec<(u32, &str, RegoTestOutcome)> {
        report
            .cases
            .iter()
            .map(|c| (c.line, c.rule.as_str(), c.outcome.clone()))
            .collect()
    }

    #[test]
    fn each_test_rule_is_run_with_the_line_of_its_head() {
        let report = run(&[source(
            "p/lib_test.rego",
            "package team.lib_test\n\nimport data.team.lib\n\ntest_doubles if lib.double(2) == 4\n\ntest_wrong if {\n\tlib.double(2) == 5\n}\n\ntest_value := {\"a b\": [1]}\n\ntodo_test_later if false\n\nhelper if true\n\ntest_function(x) := x\n",
        )]);
        assert_eq!(
            summary(&report),
            vec![
                (
                    5,
                    "data.team.lib_test.test_doubles",
                    RegoTestOutcome::Passed
                ),
                (
                    7,
                    "data.team.lib_test.test_wrong",
                    RegoTestOutcome::Failed("undefined".to_owned())
                ),
                (
                    11,
                    "data.team.lib_test.test_value",
                    RegoTestOutcome::Failed(r#"got {"a b":[1]}"#.to_owned())
                ),
                (
                    13,
                    "data.team.lib_test.todo_test_later",
                    RegoTestOutcome::Skipped
                ),
            ]
        );
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert!(!report.ok());
        assert_eq!(
            report.failures(),
            "p/lib_test.rego:7: data.team.lib_test.test_wrong: undefined\np/lib_test.rego:11: data.team.lib_test.test_value: got {\"a b\":[1]}\n"
        );
    }

    #[test]
    fn a_name_defined_twice_fails_on_its_first_definition() {
        let report = run(&[source(
            "p/twice_test.rego",
            "package twice_test\n\ntest_a if true\n\ntest_b if true\n\ntest_a if false\n",
        )]);
        assert_eq!(
            summary(&report),
            vec![
                (
                    3,
                    "data.twice_test.test_a",
                    RegoTestOutcome::Failed(
                        "defined 2 times (p/twice_test.rego:3, p/twice_test.rego:7); Rego ORs the definitions, so one failing is hidden: rename them".to_owned()
                    )
                ),
                (5, "data.twice_test.test_b", RegoTestOutcome::Passed),
            ]
        );
    }

    #[test]
    fn a_broken_file_is_named_and_the_others_still_run() {
        let report = run(&[
            source("p/bad_test.rego", "package bad_test\n\ntest_x if {\n"),
            source(
                "p/unsafe_test.rego",
                "package unsafe_test\n\ntest_y if {\n\tx == 1\n}\n",
            ),
            source("p/good_test.rego", "package good_test\n\ntest_ok if true\n"),
        ]);
        assert_eq!(
            summary(&report),
            vec![(3, "data.good_test.test_ok", RegoTestOutcome::Passed)]
        );
        let errors: Vec<(&str, &str)> = report
            .errors
            .iter()
            .map(|e| (e.file.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].0, "p/bad_test.rego");
        assert!(errors[0].1.starts_with("p/bad_test.rego:"), "{errors:?}");
        assert_eq!(errors[1].0, "p/unsafe_test.rego");
        assert!(
            errors[1].1.starts_with("p/unsafe_test.rego:4:"),
            "{errors:?}"
        );
    }

    #[test]
    fn what_a_failing_test_prints_is_kept() {
        let report = run(&[source(
            "p/print_test.rego",
            "package print_test\n\ntest_prints if {\n\tprint(\"got\", 1 + 1)\n\tfalse\n}\n",
        )]);
        assert_eq!(report.cases.len(), 1);
        assert_eq!(report.cases[0].prints, vec!["p/print_test.rego:4: got 2"]);
    }

    #[test]
    fn test_files_see_each_others_helpers() {
        let report = run(&[
            source(
                "p/a_test.rego",
                "package a_test\n\nimport data.shared_test\n\ntest_uses_helper if shared_test.answer == 42\n",
            ),
            source(
                "p/shared_test.rego",
                "package shared_test\n\nanswer := half(84)\n\nhalf(x) := x / 2\n",
            ),
            source(
                "p/b_test.rego",
                "package b_test\n\nimport data.shared_test\n\ntest_calls_helper if shared_test.half(4) == 2\n",
            ),
        ]);
        assert_eq!(
            summary(&report),
            vec![
                (5, "data.a_test.test_uses_helper", RegoTestOutcome::Passed),
                (5, "data.b_test.test_calls_helper", RegoTestOutcome::Passed),
            ]
        );
        assert!(report.errors.is_empty(), "{:?}", report.errors);
    }

    #[test]
    fn messages_are_one_line_with_their_place() {
        assert_eq!(
            first_line("\n--> p/x.rego:4:2\n  |\n4 | x\n  | ^\nerror: var `x` is unsafe"),
            "p/x.rego:4:2: var `x` is unsafe"
        );
        assert_eq!(first_line("plain message\nmore"), "plain message");
    }
}
