//! The document-linting pipeline shared by the CLI and the language server:
//! input problems and rule findings for a set of parsed files, sorted.

use std::collections::BTreeMap;

use hubspoke_manifest::{ParsedFile, PathProblem};
use rayon::prelude::*;
use serde::Serialize;

use crate::builtin::{file_problem_finding, internal_error_finding, path_problem_finding};
use crate::evaluate::Evaluator;
use crate::finding::{sort_findings, Finding, Severity};
use crate::repository_input::{repository_input_from_files, Bodies, RepositoryInput};

/// Counts describing a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Files parsed.
    pub files: usize,
    /// YAML documents read.
    pub documents: usize,
    /// Documents that declare a Kubernetes object (the ones rules see).
    pub objects: usize,
    /// Documents without `apiVersion` and `kind`: counted, not linted.
    pub non_kubernetes_documents: usize,
    /// Rules that ran.
    pub rules: usize,
    /// Findings per severity.
    pub findings: BTreeMap<Severity, usize>,
    /// Findings hidden by suppressions.
    pub suppressed: usize,
    /// Findings hidden by the baseline.
    pub baselined: usize,
    /// Baseline entries no longer found.
    pub baseline_fixed: usize,
}

/// Findings and counts of a run.
#[derive(Debug, Clone, Default)]
pub struct LintOutcome {
    /// Sorted findings.
    pub findings: Vec<Finding>,
    /// Counts.
    pub summary: Summary,
    /// Wall time of the stages [`lint_roots`] ran (zero for the others).
    pub timings: StageTimings,
    /// What the repository models of [`lint_roots`] know of each document (empty for the
    /// others); findings added later take their effective namespace from it.
    pub context: crate::context::ContextIndex,
}

/// Wall time of the stages of [`lint_roots`] (`hubspoke-lint --stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StageTimings {
    /// Building the repository models and the per-document context.
    pub model: std::time::Duration,
    /// Document rules on every file, in parallel (plus sorting the findings).
    pub documents: std::time::Duration,
    /// Repository rules on each model, concurrently with the document rules.
    pub repository: std::time::Duration,
}

/// Lint parsed files: report their problems and evaluate every document rule.
///
/// A panic while evaluating one file is caught and reported on that file as an
/// `internal-error`; the other files' findings are kept.
pub fn lint_files(
    files: &[ParsedFile],
    walk_problems: &[PathProblem],
    evaluator: &Evaluator<'_>,
) -> LintOutcome {
    lint_files_in_context(files, walk_problems, evaluator, None)
}

/// [`lint_files`], with what the repository model knows of each document
/// (effective namespace, clusters) available to rules via `hubspoke.context`.
pub fn lint_files_in_context(
    files: &[ParsedFile],
    walk_problems: &[PathProblem],
    evaluator: &Evaluator<'_>,
    context: Option<&crate::context::ContextIndex>,
) -> LintOutcome {
    let mut findings: Vec<Finding> = walk_problems.iter().map(path_problem_finding).collect();
    findings.extend(evaluator.rules().load_findings.iter().cloned());
    let per_file: Vec<Vec<Finding>> = files
        .par_iter()
        .map(|file| {
            let mut out: Vec<Finding> = file
                .problems
                .iter()
                .map(|p| file_problem_finding(&file.source.path, p))
                .collect();
            let evaluated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                evaluator.evaluate_file_in_context(file, context)
            }));
            match evaluated {
                Ok(found) => out.extend(found),
                Err(payload) => {
                    evaluator.reset_thread_engine();
                    out.push(internal_error_finding(
                        &file.source.path,
                        "evaluating rules on this file",
                        payload.as_ref(),
                    ));
                }
            }
            out
        })
        .collect();
    findings.extend(per_file.into_iter().flatten());
    sort_findings(&mut findings);
    let mut summary = Summary {
        files: files.len(),
        rules: evaluator.active_rule_count(),
        ..Summary::default()
    };
    for file in files {
        summary.documents += file.documents.len();
        let objects = file.objects().count();
        summary.objects += objects;
        summary.non_kubernetes_documents += file
            .documents
            .iter()
            .filter(|d| {
                d.object.is_none()
                    && !matches!(d.root.value, hubspoke_manifest::yaml::NodeValue::Null)
            })
            .count();
    }
    summary.findings = count_by_severity(&findings);
    LintOutcome {
        findings,
        summary,
        timings: StageTimings::default(),
        context: crate::context::ContextIndex::default(),
    }
}

/// Findings per severity.
pub fn count_by_severity(findings: &[Finding]) -> BTreeMap<Severity, usize> {
    let mut counts = BTreeMap::new();
    for finding in findings {
        *counts.entry(finding.severity).or_insert(0) += 1;
    }
    counts
}

/// The files of one linted root, for repository rules.
#[derive(Debug, Clone)]
pub struct RepositoryRoot<'a> {
    /// The directory on disk (for existence checks of non-YAML files; never read).
    pub path: &'a std::path::Path,
    /// Its parsed files.
    pub files: Vec<&'a ParsedFile>,
}

/// Build each root's repository model once and run the repository rules on it.
/// A panic on one root becomes an `internal-error` finding on it; the other roots still run.
pub fn lint_repositories(
    roots: &[RepositoryRoot<'_>],
    evaluator: &Evaluator<'_>,
    options: &hubspoke_manifest::ModelOptions,
) -> Vec<Finding> {
    roots
        .iter()
        .flat_map(|root| match build_model(root, options) {
            Ok(model) => {
                run_repository_rules(root, || evaluator.evaluate_repository(&model, &root.files))
            }
            Err(failure) => vec![*failure],
        })
        .collect()
}

/// The display name of a root in findings about the root as a whole.
fn root_name(root: &RepositoryRoot<'_>) -> String {
    root.path.display().to_string()
}

/// Run one stage on a root; a panic becomes an `internal-error` finding naming
/// the root and `what` was being done (`stage` names the test panic point).
fn guarded<T>(
    root: &RepositoryRoot<'_>,
    stage: &str,
    what: &str,
    run: impl FnOnce() -> T,
) -> Result<T, Box<Finding>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        hubspoke_manifest::test_panic_point(stage, &root_name(root));
        run()
    }))
    .map_err(|payload| {
        Box::new(internal_error_finding(
            &root_name(root),
            what,
            payload.as_ref(),
        ))
    })
}

/// Build a root's model, or the `internal-error` finding naming the root when building panics.
fn build_model(
    root: &RepositoryRoot<'_>,
    options: &hubspoke_manifest::ModelOptions,
) -> Result<hubspoke_manifest::RepoModel, Box<Finding>> {
    guarded(
        root,
        "model",
        "building the repository model of this root (its repository rules did not run)",
        || hubspoke_manifest::RepoModel::build(&root.files, root.path, options),
    )
}

/// Run a root's repository rules; a panic becomes an `internal-error` finding naming the root.
fn run_repository_rules(
    root: &RepositoryRoot<'_>,
    run: impl FnOnce() -> Vec<Finding>,
) -> Vec<Finding> {
    guarded(
        root,
        "repository",
        "running the repository rules on this root (their findings are missing)",
        run,
    )
    .unwrap_or_else(|failure| vec![*failure])
}

impl LintOutcome {
    /// Add findings (e.g. of repository rules), keeping the canonical order and counts.
    pub fn extend(&mut self, findings: Vec<Finding>) {
        self.findings.extend(findings);
        sort_findings(&mut self.findings);
        self.summary.findings = count_by_severity(&self.findings);
    }
}

/// The full pipeline over roots: build each model once, evaluate document rules
/// with the model's context (effective namespaces), then repository rules.
pub fn lint_roots(
    files: &[ParsedFile],
    walk_problems: &[PathProblem],
    roots: &[RepositoryRoot<'_>],
    evaluator: &Evaluator<'_>,
    options: &hubspoke_manifest::ModelOptions,
) -> LintOutcome {
    // On a worker thread: the model's object bodies are freed by the thread that
    // allocated them, so the allocator reuses that memory for the rules' input.
    rayon::scope(|_| lint_roots_on_worker(files, walk_problems, roots, evaluator, options))
}

fn lint_roots_on_worker(
    files: &[ParsedFile],
    walk_problems: &[PathProblem],
    roots: &[RepositoryRoot<'_>],
    evaluator: &Evaluator<'_>,
    options: &hubspoke_manifest::ModelOptions,
) -> LintOutcome {
    let started = std::time::Instant::now();
    // Repository rules get the objects' bodies from the parsed documents.
    let slim = hubspoke_manifest::ModelOptions {
        slim_bodies: true,
        ..options.clone()
    };
    let mut model_failures = Vec::new();
    let mut models: Vec<Option<hubspoke_manifest::RepoModel>> = roots
        .iter()
        .map(|root| {
            build_model(root, &slim)
                .map_err(|failure| model_failures.push(*failure))
                .ok()
        })
        .collect();
    let mut context = crate::context::ContextIndex::default();
    for (root, model) in roots.iter().zip(&models) {
        if let Some(model) = model {
            context.add_model(model, &root.files);
        }
    }
    let model = started.elapsed();
    // The repository rules are one long serial task: run them next to the
    // document rules, which keep the other cores busy meanwhile.
    let ((repository, repository_time), (mut outcome, documents)) = rayon::join(
        || {
            let started = std::time::Instant::now();
            let bodies = if evaluator.repository_rules_are_bundled() {
                Bodies::ReadByBundledRules
            } else {
                Bodies::Whole
            };
            let mut findings = model_failures;
            for (root, model) in roots.iter().zip(models.iter_mut()) {
                let Some(model) = model.take() else {
                    continue;
                };
                if !evaluator.has_repository_rules() {
                    continue;
                }
                findings.extend(run_repository_rules(root, || {
                    let prepared = repository_input_from_files(model, &root.files, options, bodies)
                        .unwrap_or_else(|| {
                            RepositoryInput::of_whole_model(&hubspoke_manifest::RepoModel::build(
                                &root.files,
                                root.path,
                                options,
                            ))
                        });
                    let locations = prepared.locations();
                    evaluator.evaluate_repository_input(
                        prepared.input.clone(),
                        &locations,
                        &root.files,
                    )
                }));
            }
            (findings, started.elapsed())
        },
        || {
            let started = std::time::Instant::now();
            let outcome = lint_files_in_context(files, walk_problems, evaluator, Some(&context));
            (outcome, started.elapsed())
        },
    );
    outcome.extend(repository);
    context.fill_namespaces(&mut outcome.findings);
    outcome.context = context;
    outcome.timings = StageTimings {
        model,
        documents,
        repository: repository_time,
    };
    outcome
}
