//! The fixture harness: every rule's `fixtures/<slug>/{pass,fail}/*.yaml`
//! checked against `# expect: ID` markers. `cargo test` and
//! `hubspoke-lint test` both run it, so user policies get the same workflow.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use hubspoke_diagnostics::{Finding, Scope};
use hubspoke_engine::{Evaluator, RuleSet, POLICY_ERROR};
use hubspoke_manifest::{
    discover, file_problem_finding, parse_text, read_and_parse, DiscoverOptions, ModelOptions,
    ParseLimits, ParsedFile, RepoModel, DEFAULT_MAX_FILE_SIZE,
};

/// The verdict on one fixture file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseResult {
    /// Fixture path.
    pub file: String,
    /// Rule under test.
    pub rule: String,
    /// What disagreed; empty when the case passed.
    pub mismatches: Vec<String>,
    /// The findings of the rule under test, one line each: `file:line:column-line:column message`
    /// (markers only name lines; these let a snapshot pin columns and messages too).
    pub located: Vec<String>,
}

/// Everything the harness found.
#[derive(Debug, Clone, Default)]
pub struct FixtureReport {
    /// One entry per fixture file.
    pub cases: Vec<CaseResult>,
    /// Layout errors: folders naming no rule, rules without pass or fail cases, fail cases without markers.
    pub layout_errors: Vec<String>,
}

impl FixtureReport {
    /// Whether every case passed and the layout is sound.
    pub fn ok(&self) -> bool {
        self.layout_errors.is_empty() && self.cases.iter().all(|c| c.mismatches.is_empty())
    }

    /// A readable account of every failure.
    pub fn failures(&self) -> String {
        let mut out = String::new();
        for e in &self.layout_errors {
            out.push_str(&format!("layout: {e}\n"));
        }
        for case in self.cases.iter().filter(|c| !c.mismatches.is_empty()) {
            out.push_str(&format!("{} ({}):\n", case.file, case.rule));
            for m in &case.mismatches {
                out.push_str(&format!("  {m}\n"));
            }
        }
        out
    }
}

/// Expected `(rule, line)` pairs from `# expect: A, B` comments.
pub fn expected_markers(text: &str) -> BTreeSet<(String, u32)> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(at) = line.find("# expect:") {
            for id in line[at + "# expect:".len()..].split(',') {
                let id = id.trim();
                if !id.is_empty() {
                    out.insert((id.to_owned(), i as u32 + 1));
                }
            }
        }
    }
    out
}

/// Parameters a fixture sets for the rule under test: each `# params: {name: value}` line
/// (a YAML flow mapping after the marker), merged. Fixtures of rules whose defaults report
/// nothing (an empty allow-list) say so in the case itself, which `explain` shows.
/// A marker that is not a mapping, or a parameter set twice to different values, is an error.
pub fn fixture_params(text: &str) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let mut params = serde_json::Map::new();
    for (i, line) in text.lines().enumerate() {
        let Some(at) = line.find("# params:") else {
            continue;
        };
        let written = &line[at + "# params:".len()..];
        let parsed = parse_text("params", "params", written, ParseLimits::default());
        let value = parsed.documents.first().map(|d| d.root.to_json());
        let fields = match (parsed.problems.first(), value) {
            (None, Some(serde_json::Value::Object(fields))) => fields,
            (Some(problem), _) => {
                return Err(format!(
                    "line {}: `# params:` is not valid YAML: {}",
                    i + 1,
                    problem.message
                ))
            }
            _ => {
                return Err(format!(
                    "line {}: `# params:` must be a mapping of parameter names to values, such as `# params: {{allowed_registries: [ghcr.io]}}`",
                    i + 1
                ))
            }
        };
        for (name, value) in fields {
            match params.get(&name) {
                Some(previous) if previous != &value => {
                    return Err(format!(
                        "line {}: parameter `{name}` is set twice, to different values",
                        i + 1
                    ))
                }
                _ => {
                    params.insert(name, value);
                }
            }
        }
    }
    Ok(params)
}

/// Run every fixture under `policies_dir`: a directory of `<family>/` folders, or
/// one family folder (it holds `fixtures/`).
///
/// `require_fixtures` makes a rule loaded from `policies_dir` without fixtures an error.
pub fn run_fixtures(
    policies_dir: &Path,
    rules: &RuleSet,
    evaluator: &Evaluator<'_>,
    require_fixtures: bool,
) -> FixtureReport {
    let mut report = FixtureReport::default();
    let mut covered = BTreeSet::new();
    let families = if policies_dir.join("fixtures").is_dir() {
        vec![policies_dir.to_path_buf()]
    } else {
        sorted_dirs(policies_dir)
    };
    for family in families {
        let fixtures_dir = family.join("fixtures");
        for case_dir in sorted_dirs(&fixtures_dir) {
            let slug = name(&case_dir);
            let rel = format!("{}/{}.rego", name(&family), slug);
            let Some(rule) = rules.rules.iter().find(|r| r.meta.source.ends_with(&rel)) else {
                report.layout_errors.push(format!(
                    "{} names no loaded rule (expected {rel})",
                    case_dir.display()
                ));
                continue;
            };
            covered.insert(rule.meta.id.clone());
            for verdict in ["pass", "fail"] {
                let must_fail = verdict == "fail";
                if rule.meta.scope == Scope::Repository {
                    // A repository rule needs a tree: each case is a folder.
                    let cases = sorted_dirs(&case_dir.join(verdict));
                    if cases.is_empty() {
                        report.layout_errors.push(format!(
                            "{} ({}) has no {verdict}/<case>/ folders",
                            case_dir.display(),
                            rule.meta.id
                        ));
                    }
                    for case in cases {
                        report.cases.push(check_repository_case(
                            &case,
                            &rule.meta.id,
                            must_fail,
                            evaluator,
                            &mut report.layout_errors,
                        ));
                    }
                    continue;
                }
                let files = yaml_files(&case_dir.join(verdict));
                if files.is_empty() {
                    report.layout_errors.push(format!(
                        "{} ({}) has no {verdict}/ cases",
                        case_dir.display(),
                        rule.meta.id
                    ));
                }
                for file in files {
                    report.cases.push(check_case(
                        &file,
                        &rule.meta.id,
                        must_fail,
                        evaluator,
                        &mut report.layout_errors,
                    ));
                }
            }
        }
    }
    if require_fixtures {
        for rule in &rules.rules {
            let from_here = Path::new(&rule.meta.source).starts_with(policies_dir)
                || rule.meta.source.starts_with("policies/");
            if from_here && !covered.contains(&rule.meta.id) {
                report.layout_errors.push(format!(
                    "rule {} ({}) has no fixtures",
                    rule.meta.id, rule.meta.source
                ));
            }
        }
    }
    report
}

fn check_case(
    file: &Path,
    rule: &str,
    must_fail: bool,
    evaluator: &Evaluator<'_>,
    layout_errors: &mut Vec<String>,
) -> CaseResult {
    let display = file.to_string_lossy().replace('\\', "/");
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let expected = expected_markers(&text);
    if must_fail && !expected.iter().any(|(id, _)| id == rule) {
        layout_errors.push(format!(
            "{display}: a fail/ case needs a `# expect: {rule}` marker"
        ));
    }
    let params = match fixture_params(&text) {
        Ok(params) => params,
        Err(error) => {
            layout_errors.push(format!("{display}: {error}"));
            serde_json::Map::new()
        }
    };
    let configured;
    let evaluator = if params.is_empty() {
        evaluator
    } else {
        configured = evaluator.with_params(rule, &params);
        &configured
    };
    let parsed = parse_text(&display, &display, text, ParseLimits::default());
    let mut findings: Vec<Finding> = parsed
        .problems
        .iter()
        .map(|p| file_problem_finding(&display, p))
        .collect();
    findings.extend(evaluator.evaluate_file(&parsed, None));
    let ids: BTreeSet<&str> = expected
        .iter()
        .map(|(id, _)| id.as_str())
        .chain([rule])
        .collect();
    let actual: BTreeSet<(String, u32)> = findings
        .iter()
        .filter(|f| ids.contains(f.rule.as_str()) || f.rule == POLICY_ERROR)
        .map(|f| (f.rule.clone(), f.region.map_or(0, |r| r.start.line)))
        .collect();
    let mut mismatches = Vec::new();
    for (id, line) in expected.difference(&actual) {
        mismatches.push(format!("expected {id} at line {line}, got none"));
    }
    for (id, line) in actual.difference(&expected) {
        let message = findings
            .iter()
            .find(|f| &f.rule == id && f.region.map_or(0, |r| r.start.line) == *line)
            .map(|f| f.message.as_str())
            .unwrap_or("");
        mismatches.push(format!("unexpected {id} at line {line}: {message}"));
    }
    CaseResult {
        located: located(&findings, rule, str::to_owned),
        file: display,
        rule: rule.to_owned(),
        mismatches,
    }
}

/// [`CaseResult::located`] of `rule` among `findings`, with files named by `file_name`.
fn located(findings: &[Finding], rule: &str, file_name: impl Fn(&str) -> String) -> Vec<String> {
    let mut out: Vec<String> = findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| {
            let at = f.region.map_or_else(String::new, |r| {
                format!(
                    ":{}:{}-{}:{}",
                    r.start.line, r.start.column, r.end.line, r.end.column
                )
            });
            format!("{}{at} {}", file_name(&f.file), f.message)
        })
        .collect();
    out.sort();
    out
}

fn check_repository_case(
    case: &Path,
    rule: &str,
    must_fail: bool,
    evaluator: &Evaluator<'_>,
    layout_errors: &mut Vec<String>,
) -> CaseResult {
    let display = case.to_string_lossy().replace('\\', "/");
    let options = match DiscoverOptions::new(&[], &[], DEFAULT_MAX_FILE_SIZE, None) {
        Ok(options) => options,
        Err(error) => {
            return CaseResult {
                file: display,
                rule: rule.to_owned(),
                mismatches: vec![error.to_string()],
                located: Vec::new(),
            }
        }
    };
    let discovery = discover(&[case.to_path_buf()], &options);
    let parsed = read_and_parse(&discovery.files, ParseLimits::default());
    let mut expected = BTreeSet::new();
    let mut params = serde_json::Map::new();
    for file in &parsed {
        for (id, line) in expected_markers(&file.source.text) {
            expected.insert((id, file.source.repo_path.clone(), line));
        }
        match fixture_params(&file.source.text) {
            Ok(found) => params.extend(found),
            Err(error) => layout_errors.push(format!("{}: {error}", file.source.path)),
        }
    }
    let configured;
    let evaluator = if params.is_empty() {
        evaluator
    } else {
        configured = evaluator.with_params(rule, &params);
        &configured
    };
    if must_fail && !expected.iter().any(|(id, _, _)| id == rule) {
        layout_errors.push(format!(
            "{display}: a fail/ case needs a `# expect: {rule}` marker in one of its files"
        ));
    }
    let files: Vec<&ParsedFile> = parsed.iter().collect();
    let options = ModelOptions::default();
    let model = RepoModel::build(&files, case, &options);
    let findings = evaluator.evaluate_repository(model, &files, case, &options);
    let ids: BTreeSet<&str> = expected
        .iter()
        .map(|(id, _, _)| id.as_str())
        .chain([rule])
        .collect();
    let repo_path = |display_path: &str| {
        parsed
            .iter()
            .find(|f| f.source.path == display_path)
            .map_or_else(|| display_path.to_owned(), |f| f.source.repo_path.clone())
    };
    let actual: BTreeSet<(String, String, u32)> = findings
        .iter()
        .filter(|f| ids.contains(f.rule.as_str()) || f.rule == POLICY_ERROR)
        .map(|f| {
            (
                f.rule.clone(),
                repo_path(&f.file),
                f.region.map_or(0, |r| r.start.line),
            )
        })
        .collect();
    let mut mismatches = Vec::new();
    for (id, file, line) in expected.difference(&actual) {
        mismatches.push(format!("expected {id} at {file}:{line}, got none"));
    }
    for (id, file, line) in actual.difference(&expected) {
        let message = findings
            .iter()
            .find(|f| &f.rule == id && f.region.map_or(0, |r| r.start.line) == *line)
            .map(|f| f.message.as_str())
            .unwrap_or("");
        mismatches.push(format!("unexpected {id} at {file}:{line}: {message}"));
    }
    CaseResult {
        located: located(&findings, rule, str::to_owned),
        file: display,
        rule: rule.to_owned(),
        mismatches,
    }
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    out.sort();
    out
}

fn name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_read_from_their_markers() {
        let params = fixture_params(
            "# params: {allowed: [a.io, b.io]}\nkind: Pod # params: {limit: 3}\n# params: {limit: 3}\n",
        )
        .expect("valid markers");
        assert_eq!(
            serde_json::Value::Object(params),
            serde_json::json!({"allowed": ["a.io", "b.io"], "limit": 3})
        );
        assert_eq!(
            fixture_params("# a\n# params: [a.io]\n"),
            Err("line 2: `# params:` must be a mapping of parameter names to values, such as `# params: {allowed_registries: [ghcr.io]}`".to_owned())
        );
        assert_eq!(
            fixture_params("# params: {limit: 3}\n# params: {limit: 4}\n"),
            Err("line 2: parameter `limit` is set twice, to different values".to_owned())
        );
        let error = fixture_params("# params: {a: [}\n").expect_err("not YAML");
        assert!(
            error.starts_with("line 1: `# params:` is not valid YAML: invalid YAML: "),
            "{error}"
        );
    }

    #[test]
    fn markers_are_read_per_line() {
        let m = expected_markers("a: 1\nb: 2 # expect: X001, Y002\n");
        assert_eq!(
            m,
            BTreeSet::from([("X001".to_owned(), 2), ("Y002".to_owned(), 2)])
        );
    }
}
