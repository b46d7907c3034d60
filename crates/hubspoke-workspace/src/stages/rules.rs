//! The rule stages: each root's repository model, then document rules next to
//! repository rules, every evaluation guarded so that an internal error on one file or
//! root is a finding and never hides the others. [`crate::pipeline`] orchestrates; the
//! render stage and the language server call these too.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use hubspoke_diagnostics::Finding;
use hubspoke_engine::{ContextIndex, Evaluator};
use hubspoke_manifest::{
    file_problem_finding, internal_error_finding, path_problem_finding, ModelOptions, ParsedFile,
    PathProblem, Profile, RepoModel,
};
use hubspoke_schema::Schemas;
use rayon::prelude::*;

use crate::pipeline::{RepositoryRoot, StageTimings};

/// What the rule stage found.
pub struct RuleFindings {
    /// Input problems and rule findings, unsorted.
    pub findings: Vec<Finding>,
    /// What the repository models say of each document.
    pub context: ContextIndex,
    /// Each modelled root's profile and why (configured, or what detection saw).
    pub profiles: Vec<(Profile, String)>,
    /// Wall time of the model and the two rule stages.
    pub timings: StageTimings,
}

/// The rule stage of [`analyze`](crate::analyze) with a given evaluator: each root's repository model,
/// then document rules (with the models' context; with `documents`, also every file's
/// input problems) next to repository rules. Tests and benches call it with evaluators
/// of their own options.
pub fn evaluate_roots(
    evaluator: &Evaluator<'_>,
    files: &[&ParsedFile],
    walk_problems: &[PathProblem],
    roots: &[RepositoryRoot<'_>],
    model_options: &ModelOptions,
    documents: bool,
) -> RuleFindings {
    let started = Instant::now();
    // Repository rules get the objects' bodies from the parsed documents.
    let slim = ModelOptions {
        slim_bodies: true,
        ..model_options.clone()
    };
    let mut failures = Vec::new();
    let mut models: Vec<Option<RepoModel>> = roots
        .iter()
        .map(|root| {
            guarded(root, "model", MODEL_FAILED, || {
                RepoModel::build(&root.files, root.path, &slim)
            })
            .map_err(|failure| failures.push(*failure))
            .ok()
        })
        .collect();
    let mut context = ContextIndex::default();
    for (root, model) in roots.iter().zip(&models) {
        if let Some(model) = model {
            context.add_model(model, &root.files);
        }
    }
    let profiles: Vec<Option<(Profile, String)>> = models
        .iter()
        .map(|m| m.as_ref().map(|m| (m.profile, m.profile_reason.clone())))
        .collect();
    let model_time = started.elapsed();
    // The repository rules are one long serial task: run them next to the document rules,
    // which keep the other cores busy meanwhile.
    let ((repository, repository_time), (documents, documents_time)) = rayon::join(
        || {
            let started = Instant::now();
            let mut findings = failures;
            for (root, model) in roots.iter().zip(models.iter_mut()) {
                let Some(model) = model.take() else {
                    continue;
                };
                findings.extend(
                    guarded(root, "repository", REPOSITORY_FAILED, || {
                        evaluator.evaluate_repository(model, &root.files, root.path, model_options)
                    })
                    .unwrap_or_else(|failure| vec![*failure]),
                );
            }
            (findings, started.elapsed())
        },
        || {
            let started = Instant::now();
            let findings = if documents {
                evaluate_files(evaluator, files, walk_problems, Some(&context))
            } else {
                Vec::new()
            };
            (findings, started.elapsed())
        },
    );
    let mut findings = documents;
    findings.extend(repository);
    // Files kustomize reads only as generator input are data (an application's config
    // with its own YAML tags): their input problems are not the repository's.
    context.drop_data_file_findings(&mut findings);
    drop_single_tenant_lockdown(evaluator, &context, &mut findings);
    context.fill_namespaces(&mut findings);
    RuleFindings {
        findings,
        profiles: profiles.into_iter().flatten().collect(),
        context,
        timings: StageTimings {
            model: model_time,
            render: Duration::ZERO,
            documents: documents_time,
            repository: repository_time,
            schema: Duration::ZERO,
            kyverno: Duration::ZERO,
        },
    }
}

/// The tag of the rules that enforce Flux's multi-tenancy lockdown (FLUX001–FLUX004).
pub const TENANCY_LOCKDOWN_TAG: &str = "tenancy-lockdown";

/// A single-tenant repository has no tenants to lock down: the findings of the rules
/// tagged [`TENANCY_LOCKDOWN_TAG`] on its files are dropped, unless the configuration
/// switches the rule on by name (`rules: {FLUX001: {enabled: true}}`). The command line
/// and the editor ([`lint_document`]) both drop them, by what the models say of each file.
pub(crate) fn drop_single_tenant_lockdown(
    evaluator: &Evaluator<'_>,
    context: &ContextIndex,
    findings: &mut Vec<Finding>,
) {
    let lockdown: BTreeSet<&str> = evaluator
        .rules()
        .rules
        .iter()
        .filter(|r| r.meta.tags.iter().any(|t| t == TENANCY_LOCKDOWN_TAG))
        .filter(|r| !evaluator.options().enabled.contains(&r.meta.id))
        .map(|r| r.meta.id.as_str())
        .collect();
    if lockdown.is_empty() {
        return;
    }
    findings.retain(|f| !(lockdown.contains(f.rule.as_str()) && context.is_single_tenant(&f.file)));
}

pub(crate) const MODEL_FAILED: &str =
    "building the repository model of this root (its repository rules did not run)";
pub(crate) const REPOSITORY_FAILED: &str =
    "running the repository rules on this root (their findings are missing)";

/// Every file's input problems and document rules' findings (with what the repository
/// models say of each document, when known), plus the walk's problems and the policies'
/// load errors; in parallel, unsorted.
pub fn evaluate_files(
    evaluator: &Evaluator<'_>,
    files: &[&ParsedFile],
    walk_problems: &[PathProblem],
    context: Option<&ContextIndex>,
) -> Vec<Finding> {
    evaluate_files_judging(evaluator, files, walk_problems, context, &|_| true)
}

/// [`evaluate_files`], evaluating document rules only on the files `judged` says are
/// judged as written (the render stage judges the others as the clusters receive
/// them); every file's input problems are reported.
pub(crate) fn evaluate_files_judging(
    evaluator: &Evaluator<'_>,
    files: &[&ParsedFile],
    walk_problems: &[PathProblem],
    context: Option<&ContextIndex>,
    judged: &(dyn Fn(&ParsedFile) -> bool + Sync),
) -> Vec<Finding> {
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
            if !judged(file) {
                return out;
            }
            out.extend(
                evaluate_guarded(evaluator, file, context).unwrap_or_else(|payload| {
                    vec![internal_error_finding(
                        &file.source.path,
                        "evaluating rules on this file",
                        payload.as_ref(),
                    )]
                }),
            );
            out
        })
        .collect();
    findings.extend(per_file.into_iter().flatten());
    findings
}

/// Document rules on one file; a panic is returned, and the thread's engine (which may
/// be left inconsistent) is dropped.
fn evaluate_guarded(
    evaluator: &Evaluator<'_>,
    file: &ParsedFile,
    context: Option<&ContextIndex>,
) -> Result<Vec<Finding>, Box<dyn std::any::Any + Send>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        evaluator.evaluate_file(file, context)
    }))
    .inspect_err(|_| evaluator.reset_thread_engine())
}

/// Run one stage on a root; a panic becomes an `internal-error` finding naming the root
/// and what was being done (`stage` names the test panic point).
pub(crate) fn guarded<T>(
    root: &RepositoryRoot<'_>,
    stage: &str,
    what: &str,
    run: impl FnOnce() -> T,
) -> Result<T, Box<Finding>> {
    let name = root.path.display().to_string();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        hubspoke_manifest::test_panic_point(stage, &name);
        run()
    }))
    .map_err(|payload| Box::new(internal_error_finding(&name, what, payload.as_ref())))
}

/// Document rules and schema validation on one document of a file, with what the last
/// analysis knows (its context and schemas): the editor's per-keystroke lint. `None`
/// when either panicked.
pub fn lint_document(
    evaluator: &Evaluator<'_>,
    file: &ParsedFile,
    index: usize,
    context: Option<&ContextIndex>,
    schemas: Option<&Schemas>,
) -> Option<Vec<Finding>> {
    // The engine finds a document's context by its file's path and its index, which a
    // file holding only this document keeps.
    let single = ParsedFile {
        source: file.source.clone(),
        documents: vec![file.documents.get(index)?.clone()],
        problems: Vec::new(),
    };
    let mut found = evaluate_guarded(evaluator, &single, context).ok()?;
    if let Some(context) = context {
        drop_single_tenant_lockdown(evaluator, context, &mut found);
    }
    if let Some(schemas) = schemas {
        let validated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            schemas.validate(&single.documents[0], &file.source)
        }))
        .ok()?;
        found.extend(validated);
    }
    Some(found)
}
