//! The render stage: judge what each cluster receives, not the files as written.
//!
//! After the repository model, every root is rendered as Flux would
//! ([`hubspoke_render::render`]: kustomize, Flux's kustomization, post-build
//! substitution, parents' patches of their children). Then:
//!
//! - document rules and schema validation run on the rendered objects
//!   ([`objects`]), once per distinct object however many clusters receive it, each
//!   finding on the line that made the offending value and naming its clusters;
//! - files no cluster renders (and files outside any root) are judged as written,
//!   as without rendering; a file that is rendered is not also judged as written;
//! - the repository rules see the model with the rendered objects ([`model`]);
//! - render problems are findings `render/<problem>` and what is unknown offline is a
//!   note ([`problems`]); one an established rule reports at the same place is not
//!   reported twice ([`duplicates`]).
//!
//! [`analyze_rendered`] is the pipeline's `analyze` with this stage; without it
//! (`--no-render`) the pipeline runs exactly as before.

pub(crate) mod duplicates;
mod model;
pub(crate) mod objects;
pub(crate) mod problems;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use hubspoke_diagnostics::{count_by_severity, sort_notes, Finding, Note, RenderSummary};
use hubspoke_engine::{ContextIndex, Evaluator, RenderedBodies};
use hubspoke_manifest::{ModelOptions, ParsedFile, PathProblem, Profile, RepoModel};
use hubspoke_render::{FileId, Render, RenderFs, RenderOptions};
use hubspoke_schema::Schemas;
use rayon::prelude::*;

use crate::pipeline::{
    count_files, enabled_rule_count, profile_summary, sort_findings_parallel, Analysis,
    AnalyzeOptions, RepositoryRoot, SchemaFindings, StageTimings,
};
use crate::settings::Settings;
use crate::stages::kyverno::{RenderedObjects, RenderedRoot};
use crate::stages::rules::{
    drop_single_tenant_lockdown, evaluate_files_judging, guarded, MODEL_FAILED, REPOSITORY_FAILED,
};
use objects::{groups, ObjectEvaluation, ObjectGroup, RootFiles};

const RENDER_FAILED: &str =
    "rendering what the clusters of this root receive (its files were judged as written)";

/// One root after the model and the render.
struct Prepared<'r, 'a> {
    root: &'r RepositoryRoot<'a>,
    /// `None` when building it panicked (reported).
    model: Option<RepoModel>,
    /// `None` when the model is missing or rendering panicked (reported): then the
    /// root's files are judged as written.
    render: Option<Render>,
}

/// The models and renders of every root, each stage guarded, and what the models say
/// of each document (`context`, for the rules: it does not depend on the render, so it
/// is indexed on another thread while the root renders).
fn prepare<'r, 'a>(
    roots: &'r [RepositoryRoot<'a>],
    model_options: &ModelOptions,
    render_options: &RenderOptions,
    failures: &mut Vec<Finding>,
    timings: &mut StageTimings,
    context: &mut ContextIndex,
) -> Vec<Prepared<'r, 'a>> {
    // Repository rules get the objects' bodies from the parsed documents (or the render).
    let slim = ModelOptions {
        slim_bodies: true,
        ..model_options.clone()
    };
    roots
        .iter()
        .map(|root| {
            let started = Instant::now();
            let model = guarded(root, "model", MODEL_FAILED, || {
                RepoModel::build(&root.files, root.path, &slim)
            })
            .map_err(|failure| failures.push(*failure))
            .ok();
            timings.model += started.elapsed();
            let started = Instant::now();
            let (render, ()) = rayon::join(
                || {
                    let model = model.as_ref()?;
                    guarded(root, "render", RENDER_FAILED, || {
                        let fs = RenderFs::with_root(root.files.iter().copied(), root.path);
                        hubspoke_render::render(&fs, model, render_options)
                    })
                    .map_err(|failure| failures.push(*failure))
                    .ok()
                },
                || {
                    if let Some(model) = &model {
                        context.add_model(model, &root.files);
                    }
                },
            );
            timings.render += started.elapsed();
            Prepared {
                root,
                model,
                render,
            }
        })
        .collect()
}

/// Whether a file declares objects (kustomize's own configuration aside).
fn declares_objects(file: &ParsedFile) -> bool {
    file.documents.iter().any(|d| {
        d.object
            .as_ref()
            .is_some_and(|o| o.group() != "kustomize.config.k8s.io")
    })
}

/// Display paths of the files of a rendered root whose objects the clusters receive
/// (judged as rendered, not as written).
fn rendered_files(files: &[&ParsedFile], render: &Render) -> BTreeSet<String> {
    files
        .iter()
        .enumerate()
        .filter(|(i, file)| {
            !render
                .unrendered_files
                .contains(&FileId(u32::try_from(*i).unwrap_or(u32::MAX)))
                && declares_objects(file)
        })
        .map(|(_, file)| file.source.path.clone())
        .collect()
}

/// The schemas of a run, without validating anything yet.
fn setup_schemas(
    settings: &Settings,
    files: &[&ParsedFile],
) -> (Option<Arc<Schemas>>, Option<String>) {
    let Some(schema_options) = &settings.schema else {
        return (None, None);
    };
    match Schemas::new(schema_options.clone(), files.iter().copied()) {
        Ok(schemas) => (Some(Arc::new(schemas)), None),
        Err(error) => (None, Some(error.to_string())),
    }
}

/// The pipeline's analysis with the render stage: models and renders, then document
/// rules on the files judged as written and on the rendered objects, repository rules
/// on the rendered models and schema validation, concurrently.
pub(crate) fn analyze_rendered(
    settings: &Settings,
    files: &[&ParsedFile],
    walk_problems: &[PathProblem],
    roots: &[RepositoryRoot<'_>],
    options: AnalyzeOptions<'_>,
) -> Analysis {
    let mut evaluator = settings.evaluator();
    let model_options = &settings.configuration.model;
    let render_options = settings.configuration.render_options();
    let mut timings = StageTimings::default();
    let mut failures = Vec::new();
    let mut context = ContextIndex::default();
    // The models and renders are mostly serial: set the schemas up meanwhile.
    let (prepared, (schemas, schema_error, schema_setup)) = rayon::join(
        || {
            prepare(
                roots,
                model_options,
                &render_options,
                &mut failures,
                &mut timings,
                &mut context,
            )
        },
        || {
            let started = Instant::now();
            let (schemas, error) = setup_schemas(settings, files);
            (schemas, error, started.elapsed())
        },
    );
    let mut rendered: BTreeSet<String> = BTreeSet::new();
    for item in &prepared {
        if let Some(render) = &item.render {
            rendered.extend(rendered_files(&item.root.files, render));
        }
    }
    let profiles: Vec<(Profile, String)> = prepared
        .iter()
        .filter_map(|p| p.model.as_ref())
        .map(|m| (m.profile, m.profile_reason.clone()))
        .collect();
    let judged_as_written = |file: &ParsedFile| !rendered.contains(&file.source.path);
    let schemas_ref = schemas.as_deref();
    let evaluator_ref = &evaluator;
    let context_ref = &context;
    let item_roots: Vec<&RepositoryRoot<'_>> = prepared.iter().map(|p| p.root).collect();
    let (models, renders): (Vec<Option<RepoModel>>, Vec<Option<Render>>) =
        prepared.into_iter().map(|p| (p.model, p.render)).unzip();
    let group_started = Instant::now();
    let grouped: Vec<Vec<ObjectGroup<'_>>> = renders
        .iter()
        .map(|render| render.as_ref().map(groups).unwrap_or_default())
        .collect();
    timings.render += group_started.elapsed();
    // The repository's Kyverno policies judge what the clusters receive, as the
    // bundled document rules do, and the files no cluster renders as written. They
    // need only the context and the renders, so they run beside the rule stages and
    // fill the core the (serial) repository rules leave idle.
    let rendered_objects = RenderedObjects {
        judged_as_written: &judged_as_written,
        rendered_files: &rendered,
        roots: item_roots
            .iter()
            .zip(&renders)
            .zip(&grouped)
            .filter(|((_, render), _)| render.is_some())
            .map(|((root, _), groups)| RenderedRoot {
                files: RootFiles { files: &root.files },
                groups,
            })
            .collect(),
    };
    let rendered_objects_ref = &rendered_objects;
    let kyverno_stage = || {
        let started = Instant::now();
        let found = options.kyverno.map(|stage| {
            stage.evaluate_with_render(settings, files, context_ref, Some(rendered_objects_ref))
        });
        (found, started.elapsed())
    };
    let renders_ref = &renders;
    let item_roots_ref = &item_roots;
    let grouped_ref = &grouped;
    let repository_stage = || {
        let started = Instant::now();
        let mut found = std::mem::take(&mut failures);
        for (((root, model), render), groups) in item_roots_ref
            .iter()
            .zip(models)
            .zip(renders_ref)
            .zip(grouped_ref)
        {
            let Some(model) = model else {
                continue;
            };
            let render = render.as_ref().map(|render| (render, groups.as_slice()));
            found.extend(
                guarded(root, "repository", REPOSITORY_FAILED, || {
                    repository_rules(evaluator_ref, root, model, render, model_options)
                })
                .unwrap_or_else(|failure| vec![*failure]),
            );
        }
        // Finished here, beside the other stages, rather than after the join while the
        // other threads wait.
        let mut found = merge_variants(found);
        context_ref.fill_namespaces(&mut found);
        (found, started.elapsed())
    };
    let documents_stage = || {
        let started = Instant::now();
        let mut found = if options.documents {
            evaluate_files_judging(
                evaluator_ref,
                files,
                walk_problems,
                Some(context_ref),
                &judged_as_written,
            )
        } else {
            Vec::new()
        };
        // Judged as written: what parents' patches set there is unknown.
        context_ref.drop_parent_patched(&mut found);
        let mut rendered_found = Vec::new();
        for ((root, render), groups) in item_roots_ref.iter().zip(renders_ref).zip(&grouped) {
            let Some(render) = render else {
                continue;
            };
            let root_files = RootFiles { files: &root.files };
            let evaluation = ObjectEvaluation {
                evaluator: evaluator_ref,
                schemas: schemas_ref,
                context: context_ref,
                files: root_files,
            };
            rendered_found.extend(evaluation.evaluate(groups));
            found.extend(problems::problem_findings(
                &render.clusters,
                root_files,
                evaluator_ref.options(),
            ));
        }
        fill_namespaces_parallel(context_ref, &mut found);
        found.extend(objects::merge(rendered_found));
        (found, started.elapsed())
    };
    let schema_stage = || {
        let started = Instant::now();
        let mut found = schemas_ref.map_or_else(Vec::new, |schemas| {
            validate_as_written(schemas, files, &judged_as_written, options)
        });
        // Validation ran next to the model, which says afterwards which files are only
        // data and which fields of the files judged as written parents' patches may set.
        context_ref.drop_data_file_findings(&mut found);
        context_ref.drop_parent_patched(&mut found);
        context_ref.fill_namespaces(&mut found);
        (found, started.elapsed())
    };
    let (
        (repository, repository_time),
        (((documents, documents_time), (schema_found, schema_time)), (kyverno, kyverno_time)),
    ) = rayon::join(repository_stage, || {
        rayon::join(|| rayon::join(documents_stage, schema_stage), kyverno_stage)
    });
    let mut findings = documents;
    findings.extend(repository);
    if let Some(kyverno) = kyverno {
        findings.extend(kyverno);
        timings.kyverno = kyverno_time;
    }
    findings.extend(schema_found);
    // As without rendering: files kustomize reads only as generator input are data,
    // and a single-tenant root is not held to the lockdown.
    context.drop_data_file_findings(&mut findings);
    drop_single_tenant_lockdown(&evaluator, &context, &mut findings);
    duplicates::drop_reported_twice(&mut findings);
    sort_findings_parallel(&mut findings);
    timings.documents = documents_time;
    timings.repository = repository_time;
    timings.schema = schema_setup + schema_time;
    let mut notes: Vec<Note> = Vec::new();
    let mut render_summary = RenderSummary::default();
    for ((root, render), groups) in item_roots.iter().zip(&renders).zip(&grouped) {
        let Some(render) = render else {
            continue;
        };
        notes.extend(problems::unknown_notes(
            &render.clusters,
            RootFiles { files: &root.files },
        ));
        render_summary.clusters += render.clusters.len();
        render_summary.objects += render
            .clusters
            .iter()
            .map(|c| c.objects.len())
            .sum::<usize>();
        render_summary.evaluated += groups.len();
    }
    sort_notes(&mut notes);
    render_summary.rendered_files = rendered.len();
    render_summary.unrendered_files = files
        .iter()
        .filter(|f| judged_as_written(f) && declares_objects(f))
        .count();
    let mut summary = count_files(files);
    summary.rules = enabled_rule_count(settings, &options, true);
    summary.findings = count_by_severity(&findings);
    summary.render = Some(render_summary);
    (summary.profile, summary.profile_reason) = profile_summary(&profiles);
    // Freeing every rendered tree (~30 ms on the generated 10,000-file repository) is
    // done on another thread, beside filtering and reporting.
    drop(grouped);
    rayon::spawn(move || drop(renders));
    Analysis {
        findings,
        summary,
        context,
        schemas,
        schema_error,
        timings,
        eval: evaluator.take_stats(),
        notes,
        rendered_files: rendered,
    }
}

/// [`ContextIndex::fill_namespaces`] over the pool's threads (each finding is filled
/// on its own, so the result does not depend on the split).
fn fill_namespaces_parallel(context: &ContextIndex, findings: &mut [Finding]) {
    findings
        .par_chunks_mut(1024)
        .for_each(|chunk| context.fill_namespaces(chunk));
}

/// A repository finding about an object rendered several ways (a base in two
/// overlays, one model object per variant) is raised once per variant, at the same
/// place and saying the same: report it once, naming every variant's clusters.
fn merge_variants(findings: Vec<Finding>) -> Vec<Finding> {
    type Key = (
        String,
        String,
        Option<hubspoke_diagnostics::Region>,
        String,
        String,
    );
    let mut merged: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut index: std::collections::BTreeMap<Key, usize> = std::collections::BTreeMap::new();
    for finding in findings {
        let key = (
            finding.rule.clone(),
            finding.file.clone(),
            finding.region,
            finding.path.to_string(),
            finding.message.clone(),
        );
        match index.get(&key) {
            Some(&i) => {
                let kept = &mut merged[i];
                kept.clusters.extend(finding.clusters);
                kept.clusters.sort();
                kept.clusters.dedup();
                for related in finding.related {
                    if !kept.related.contains(&related) {
                        kept.related.push(related);
                    }
                }
            }
            None => {
                index.insert(key, merged.len());
                merged.push(finding);
            }
        }
    }
    merged
}

/// Repository rules on a root's model, given the objects the clusters receive.
fn repository_rules(
    evaluator: &Evaluator<'_>,
    root: &RepositoryRoot<'_>,
    model: RepoModel,
    render: Option<(&Render, &[ObjectGroup<'_>])>,
    model_options: &ModelOptions,
) -> Vec<Finding> {
    let slim = ModelOptions {
        slim_bodies: true,
        ..model_options.clone()
    };
    let Some((_, groups)) = render else {
        return evaluator.evaluate_repository(model, &root.files, root.path, &slim);
    };
    let files = RootFiles { files: &root.files };
    let rendered = model::rendered_model(model, groups, files, &slim);
    let locate = |tree: &hubspoke_manifest::yaml::Node<hubspoke_render::Origin>,
                  path: &[hubspoke_manifest::PathSegment]| {
        Some(files.place(hubspoke_render::locate(tree, path).span))
    };
    evaluator.evaluate_repository_rendered(
        rendered.model,
        &root.files,
        root.path,
        &slim,
        &RenderedBodies {
            bodies: &rendered.bodies,
            locate: &locate,
        },
    )
}

/// Schema findings of the files judged as written; of the others (whose objects
/// were validated as rendered), the findings of the CustomResourceDefinitions they
/// declare. For the editor's pass, only `schema/invalid-crd` findings, of every file.
fn validate_as_written(
    schemas: &Schemas,
    files: &[&ParsedFile],
    judged_as_written: &(dyn Fn(&ParsedFile) -> bool + Sync),
    options: AnalyzeOptions<'_>,
) -> Vec<Finding> {
    let mut found: Vec<Finding> = files
        .par_iter()
        .flat_map_iter(|file| {
            let findings = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                hubspoke_manifest::test_panic_point("schema", &file.source.path);
                match options.schema_findings {
                    SchemaFindings::All if judged_as_written(file) => schemas.validate_file(file),
                    SchemaFindings::All => schemas.crd_findings(file),
                    // Every file is validated, as without rendering: this compiles, off the
                    // typing path, the validators the editor's buffers need.
                    SchemaFindings::InvalidCrds => {
                        let mut found = schemas.validate_file(file);
                        found.retain(|f| f.rule == hubspoke_schema::INVALID_CRD);
                        found
                    }
                }
            }));
            findings.unwrap_or_else(|payload| {
                vec![hubspoke_manifest::internal_error_finding(
                    &file.source.path,
                    "validating this file against the schemas",
                    payload.as_ref(),
                )]
            })
        })
        .collect();
    found.extend(schemas.take_deferred());
    found
}
