//! The pipeline: discover → parse → model → (document rules ∥ repository
//! rules ∥ schema) → filter. [`lint`] runs all of it for the command line; the
//! language server runs the same stages through [`analyze`] (on the saved tree)
//! and [`lint_document`] + [`crate::filter::apply`] (on a buffer). A new stage
//! is added here, once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hubspoke_diagnostics::{
    canonical_order, count_by_severity, sort_findings, Finding, Note, RuleMeta, Scope, Severity,
    Summary,
};
use hubspoke_engine::{ContextIndex, EvalStats};
use hubspoke_manifest::{
    add_kustomize_listed_json, discover, file_problem_finding, parse_bytes, path_problem_finding,
    read_and_parse, DiscoveredFile, Discovery, ParsedFile, PathProblem, Profile, INTERNAL_ERROR,
};
use hubspoke_schema::Schemas;
use rayon::prelude::*;

use crate::error::WorkspaceError;
use crate::filter::{self, Baseline, Filtered, BASELINE_FILE_NAME};
use crate::settings::{Configuration, Settings};
use crate::stages::kyverno::KyvernoStage;
use crate::stages::rules::evaluate_roots;
use crate::stats::RunStats;

/// What a command-line run lints and how.
#[derive(Debug, Clone, Default)]
pub struct LintRequest {
    /// Files or directories (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Whether the baseline at the first path filters the findings.
    pub baseline: BaselineUse,
    /// `--changed-since`: report only findings in files git says changed since this revision.
    pub changed_since: Option<String>,
    /// Stop after parsing (the timing floor): only input problems are reported.
    pub parse_only: bool,
    /// Lint this text as one file instead of walking `paths` (`hubspoke-lint -`).
    pub stdin: Option<StdinInput>,
}

/// Standard input, linted as one file (`hubspoke-lint -`). The caller reads it; the
/// pipeline never touches the process's streams.
#[derive(Debug, Clone, Default)]
pub struct StdinInput {
    /// The path findings name (`--stdin-filename`): per-path settings (`overrides:`,
    /// suppressions' globs) apply as if the file were there. The include and exclude
    /// globs do not: the text is linted whatever its name.
    pub name: String,
    /// The bytes read.
    pub bytes: Vec<u8>,
}

/// The name findings on standard input carry without `--stdin-filename`.
pub const STDIN_NAME: &str = "<stdin>";

/// Whether the baseline file at the root filters the findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BaselineUse {
    /// Filter when `.hubspoke-lint-baseline.json` exists.
    #[default]
    IfPresent,
    /// Report everything (`baseline write`).
    Ignore,
}

/// Everything a run produced, ready to report.
pub struct LintRun {
    /// Findings after every filter, sorted.
    pub findings: Vec<Finding>,
    /// Counts.
    pub summary: Summary,
    /// Metadata of every rule.
    pub catalog: Vec<RuleMeta>,
    /// Source texts by display path (linted files and policies), for code frames.
    pub sources: BTreeMap<String, Arc<str>>,
    /// The first linted path (where the baseline lives).
    pub root: PathBuf,
    /// Findings at or above this severity fail the run.
    pub fail_on: Option<Severity>,
    /// Counts and stage times (`--stats`, `--timings`).
    pub stats: RunStats,
    /// What the run could not check, and why (remote bases, SOPS-encrypted objects,
    /// other repositories' sources): shown by every reporter, never a finding.
    pub notes: Vec<Note>,
    /// What the run built on the way and no longer needs, freed with the run.
    _leftovers: RunLeftovers,
}

/// What a run built on the way and no longer needs: the parsed files, the rules and
/// their compiled program, the models' context, the schemas, the walk, the Kyverno
/// policies. Freeing them is serial work (about 75 ms on the 10,000-file repository,
/// while the other threads wait), useless to a process about to exit: `hubspoke-lint`
/// forgets the whole [`LintRun`] after reporting, while a caller that lints again (a
/// bench, a test) drops it and gets the memory back.
struct RunLeftovers {
    _parsed: Vec<ParsedFile>,
    _discovery: Discovery,
    _analysis: Option<Box<AnalysisLeftovers>>,
}

/// The part of [`RunLeftovers`] a `--parse-only` run never builds.
struct AnalysisLeftovers {
    _settings: Settings,
    _context: ContextIndex,
    _schemas: Option<Arc<Schemas>>,
    _kyverno: KyvernoStage,
}

/// How a run ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above the failing severity.
    Clean,
    /// Findings at or above the failing severity.
    Findings,
    /// An internal error (a caught panic) was reported with the other results.
    InternalError,
    /// No file at all was linted (a wrong path or include glob): the run cannot have
    /// checked what it was asked to, so it must not pass.
    NothingLinted,
}

impl LintRun {
    /// How the run ended.
    pub fn outcome(&self) -> Outcome {
        // A crash on one file was reported with the others' results; the run still failed.
        if self.findings.iter().any(|f| f.rule == INTERNAL_ERROR) {
            return Outcome::InternalError;
        }
        if self.summary.files == 0 {
            return Outcome::NothingLinted;
        }
        let failing = self
            .fail_on
            .is_some_and(|threshold| self.findings.iter().any(|f| f.severity >= threshold));
        if failing {
            Outcome::Findings
        } else {
            Outcome::Clean
        }
    }
}

/// Wall time of the analysis stages (`hubspoke-lint --stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StageTimings {
    /// Building the repository models and the per-document context.
    pub model: Duration,
    /// Rendering what each cluster receives (zero without rendering).
    pub render: Duration,
    /// Document rules on every file, in parallel (plus sorting the findings).
    pub documents: Duration,
    /// Repository rules on each model, concurrently with the document rules.
    pub repository: Duration,
    /// Schema validation, concurrently with both.
    pub schema: Duration,
    /// The repository's Kyverno policies, after the model (they need its context); when
    /// rendering, concurrently with the rule stages.
    pub kyverno: Duration,
}

/// Lint `request.paths` (or `request.stdin`) as the command line does: every stage, every
/// filter.
pub fn lint(
    configuration: Configuration,
    request: &LintRequest,
) -> Result<LintRun, WorkspaceError> {
    let paths = if request.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        request.paths.clone()
    };
    let stdin = request.stdin.as_ref();
    if stdin.is_none() {
        crate::resolve::require_existing(&paths)?;
    }
    let mut stats = RunStats::new(rayon::current_num_threads());
    let parse_only = request.parse_only;
    // Loading the rules and compiling their program is serial: do it while the (mostly
    // serial) walk runs and the other threads parse.
    let discover_options = configuration.discover.clone();
    let limits = configuration.limits;
    let fail_on = configuration.fail_on;
    let (loaded, (discovery, parsed)) = rayon::join(
        || {
            let started = Instant::now();
            if parse_only {
                return (Ok(None), started.elapsed());
            }
            let settings = configuration.load_rules().map(|settings| {
                settings.compile();
                Some(settings)
            });
            (settings, started.elapsed())
        },
        || {
            let started = Instant::now();
            let discovery = match stdin {
                Some(_) => Discovery::default(),
                None => discover(&paths, &discover_options),
            };
            stats.discover = started.elapsed();
            stats.mark("discover");
            let started = Instant::now();
            let parsed = match stdin {
                Some(input) => vec![parse_bytes(
                    &input.name,
                    &input.name,
                    input.bytes.clone(),
                    limits,
                )],
                None => read_and_parse(&discovery.files, limits),
            };
            let (discovery, parsed) =
                add_kustomize_listed_json(discovery, parsed, &discover_options, limits);
            stats.parse = started.elapsed();
            stats.mark("parse");
            (discovery, parsed)
        },
    );
    let (settings, load_time) = loaded;
    let Some(settings) = settings? else {
        return Ok(parse_only_run(&paths, discovery, parsed, fail_on, stats));
    };
    stats.load_rules = load_time;
    let roots = match stdin {
        // A file without a tree: the repository rules have nothing to run on.
        Some(_) => Vec::new(),
        None => repository_roots(&paths, &discovery.files, &parsed),
    };
    let file_refs: Vec<&ParsedFile> = parsed.iter().collect();
    let kyverno = KyvernoStage::prepare(&settings, &file_refs)?;
    let analysis = analyze(
        &settings,
        &file_refs,
        &discovery.problems,
        &roots,
        AnalyzeOptions {
            kyverno: Some(&kyverno),
            ..AnalyzeOptions::default()
        },
    );
    stats.lint = analysis.timings;
    stats.schema = analysis.timings.schema;
    stats.eval = analysis.eval;
    stats.kyverno = kyverno.stats();
    let mut summary = analysis.summary;
    if roots.is_empty() {
        summary.repository_rules_not_run = settings
            .rules
            .rules
            .iter()
            .filter(|rule| {
                rule.meta.scope == Scope::Repository
                    && settings.active_rules.contains(&rule.meta.id)
            })
            .count();
    }
    stats.rules = summary.rules;
    let mut findings = analysis.findings;
    stats.mark("evaluate repository");
    let started = Instant::now();

    let root = paths[0].clone();
    let baseline = match request.baseline {
        BaselineUse::IfPresent => {
            let path = if root.is_dir() {
                root.join(BASELINE_FILE_NAME)
            } else {
                PathBuf::from(BASELINE_FILE_NAME)
            };
            path.is_file().then(|| Baseline::read(&path)).transpose()?
        }
        BaselineUse::Ignore => None,
    };
    // The baseline's other entries are in files standard input does not show.
    let count_fixed = stdin.is_none();
    let changed = match &request.changed_since {
        Some(reference) => Some(filter::ChangedFiles::since(
            reference,
            &paths[0],
            &discovery.files,
        )?),
        None => None,
    };
    let filtered: Filtered = filter::apply(
        &settings,
        std::mem::take(&mut findings),
        &parsed,
        filter::FilterOptions {
            baseline: baseline.as_ref(),
            changed: changed.as_ref(),
            repository_rules_ran: !roots.is_empty(),
            dynamic: Some(kyverno.dynamic()),
        },
    );
    summary.suppressed = filtered.suppressed;
    summary.baselined = filtered.baselined;
    if count_fixed {
        summary.baseline_fixed = filtered.baseline_fixed;
        summary.baseline_unchecked = filtered.baseline_unchecked;
    }
    summary.unchanged = filtered.unchanged;
    summary.findings = count_by_severity(&filtered.findings);
    stats.suppress = started.elapsed();
    stats.mark("suppress");

    let sources: BTreeMap<String, Arc<str>> = parsed
        .iter()
        .map(|f| (f.source.path.clone(), Arc::clone(&f.source.text)))
        .chain(
            settings
                .rules
                .sources
                .iter()
                .map(|s| (s.path.clone(), Arc::from(s.text.as_str()))),
        )
        .chain(kyverno.sources().iter().cloned())
        .collect();
    let mut catalog = kyverno.dynamic().catalog(&settings.catalog);
    if !settings.configuration.render {
        // Without rendering, no render rule can report: the run describes only the rules
        // that ran, as before the render stage existed.
        catalog.retain(|meta| !meta.tags.iter().any(|t| t == hubspoke_render::RENDER_TAG));
    }
    let leftovers = RunLeftovers {
        _parsed: parsed,
        _discovery: discovery,
        _analysis: Some(Box::new(AnalysisLeftovers {
            _settings: settings,
            _context: analysis.context,
            _schemas: analysis.schemas,
            _kyverno: kyverno,
        })),
    };
    Ok(LintRun {
        findings: filtered.findings,
        summary,
        catalog,
        sources,
        root,
        fail_on,
        stats,
        notes: analysis.notes,
        _leftovers: leftovers,
    })
}

/// [`sort_findings`] on the pool's threads: the same order (the sort is stable and by
/// the same comparison), without a serial sort of every finding while the other
/// threads wait.
pub(crate) fn sort_findings_parallel(findings: &mut Vec<Finding>) {
    findings.par_sort_by(canonical_order);
    findings.dedup();
}

/// `--parse-only`: the run stops after parsing and reports input problems only.
fn parse_only_run(
    paths: &[PathBuf],
    discovery: Discovery,
    parsed: Vec<ParsedFile>,
    fail_on: Option<Severity>,
    stats: RunStats,
) -> LintRun {
    let mut findings: Vec<Finding> = discovery
        .problems
        .iter()
        .map(path_problem_finding)
        .collect();
    for file in &parsed {
        findings.extend(
            file.problems
                .iter()
                .map(|p| file_problem_finding(&file.source.path, p)),
        );
    }
    let mut summary = count_files(&parsed);
    // Only the input checks run.
    summary.rules = hubspoke_manifest::input_rules().len();
    sort_findings(&mut findings);
    summary.findings = count_by_severity(&findings);
    let sources = parsed
        .iter()
        .map(|f| (f.source.path.clone(), Arc::clone(&f.source.text)))
        .collect();
    let mut catalog = hubspoke_manifest::input_rules();
    catalog.push(hubspoke_engine::policy_error_rule());
    catalog.extend(crate::filter::suppression_rules());
    catalog.sort_by(|a, b| a.id.cmp(&b.id));
    LintRun {
        findings,
        summary,
        catalog,
        sources,
        root: paths[0].clone(),
        fail_on,
        stats,
        notes: Vec::new(),
        _leftovers: RunLeftovers {
            _parsed: parsed,
            _discovery: discovery,
            _analysis: None,
        },
    }
}

/// Files, documents, objects and non-Kubernetes documents of `files`.
pub(crate) fn count_files<F: std::borrow::Borrow<ParsedFile>>(files: &[F]) -> Summary {
    let mut summary = Summary {
        files: files.len(),
        ..Summary::default()
    };
    for file in files.iter().map(std::borrow::Borrow::borrow) {
        summary.documents += file.documents.len();
        summary.objects += file.objects().count();
        summary.non_kubernetes_documents += file
            .documents
            .iter()
            .filter(|d| {
                d.object.is_none()
                    && !matches!(d.root.value, hubspoke_manifest::yaml::NodeValue::Null)
            })
            .count();
    }
    summary
}

/// The files of one linted root, for the repository model and its rules.
#[derive(Debug, Clone)]
pub struct RepositoryRoot<'a> {
    /// The directory on disk (for existence checks of non-YAML files; never read).
    pub path: &'a Path,
    /// Its parsed files.
    pub files: Vec<&'a ParsedFile>,
}

/// Group parsed files by the directory they were found under; a file given directly is
/// linted without a repository.
pub fn repository_roots<'a>(
    paths: &'a [PathBuf],
    discovered: &[DiscoveredFile],
    parsed: &'a [ParsedFile],
) -> Vec<RepositoryRoot<'a>> {
    paths
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_dir())
        .map(|(index, path)| RepositoryRoot {
            path: path.as_path(),
            files: discovered
                .iter()
                .zip(parsed)
                .filter(|(d, _)| d.root == index)
                .map(|(_, p)| p)
                .collect(),
        })
        .collect()
}

/// Which analysis stages run, and what they keep.
#[derive(Clone, Copy)]
pub struct AnalyzeOptions<'a> {
    /// Report every file's input problems and evaluate its document rules (the editor
    /// does both for open buffers itself).
    pub documents: bool,
    /// Which schema findings to report.
    pub schema_findings: SchemaFindings,
    /// The repository's Kyverno policies, loaded with [`KyvernoStage::prepare`]; `None`
    /// runs none.
    pub kyverno: Option<&'a KyvernoStage>,
}

impl Default for AnalyzeOptions<'_> {
    fn default() -> Self {
        AnalyzeOptions {
            documents: true,
            schema_findings: SchemaFindings::All,
            kyverno: None,
        }
    }
}

/// Which schema findings [`analyze`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaFindings {
    /// Every file validated, every finding.
    All,
    /// Only the repository's CRDs that cannot be turned into schemas (the editor
    /// validates open buffers itself, against the schemas the analysis returns).
    InvalidCrds,
}

/// What the analysis stages found, before filtering.
pub struct Analysis {
    /// Input problems, rule findings and schema findings, sorted.
    pub findings: Vec<Finding>,
    /// Counts (findings per severity before filtering).
    pub summary: Summary,
    /// What the repository models say of each document (effective namespace, clusters).
    pub context: ContextIndex,
    /// The schemas, with the repository's CRDs; `None` when schema validation is off.
    pub schemas: Option<Arc<Schemas>>,
    /// Why the schemas could not be set up, when they could not.
    pub schema_error: Option<String>,
    /// Wall time of each stage.
    pub timings: StageTimings,
    /// Evaluation counters.
    pub eval: EvalStats,
    /// What the render stage could not render, and why (empty without rendering).
    pub notes: Vec<Note>,
    /// Display paths of the files whose objects were judged as the clusters receive
    /// them rather than as written (empty without rendering).
    pub rendered_files: std::collections::BTreeSet<String>,
}

/// Model, document rules, repository rules and schema validation over parsed files.
///
/// A panic while evaluating one file is reported on that file as an `internal-error`, and
/// one while modelling a root on that root; everything else is still reported.
pub fn analyze(
    settings: &Settings,
    files: &[&ParsedFile],
    walk_problems: &[PathProblem],
    roots: &[RepositoryRoot<'_>],
    options: AnalyzeOptions<'_>,
) -> Analysis {
    if settings.configuration.render {
        return crate::stages::render::analyze_rendered(
            settings,
            files,
            walk_problems,
            roots,
            options,
        );
    }
    let mut evaluator = settings.evaluator();
    // Schema validation is independent of the rules: it fills the core the (serial) model
    // building leaves idle.
    let (
        (mut findings, context, mut timings),
        (schemas, schema_error, schema_findings, schema_time),
    ) = rayon::join(
        // On a worker thread: the model's object bodies are freed by the thread that
        // allocated them, so the allocator reuses that memory for the rules' input.
        || {
            let mut found = evaluate_roots(
                &evaluator,
                files,
                walk_problems,
                roots,
                &settings.configuration.model,
                options.documents,
            );
            if let Some(stage) = options.kyverno {
                let started = Instant::now();
                let kyverno = stage.evaluate(settings, files, &found.context);
                found.findings.extend(kyverno);
                found.timings.kyverno = started.elapsed();
            }
            (
                found.findings,
                (found.context, found.profiles),
                found.timings,
            )
        },
        || {
            let started = Instant::now();
            let (schemas, error, found) = validate_schemas(settings, files, options);
            (schemas, error, found, started.elapsed())
        },
    );
    let (context, profiles) = context;
    let mut schema_findings = schema_findings;
    // Validation ran next to the model, which says afterwards which files are only data.
    context.drop_data_file_findings(&mut schema_findings);
    context.fill_namespaces(&mut schema_findings);
    findings.extend(schema_findings);
    sort_findings_parallel(&mut findings);
    timings.schema = schema_time;
    let mut summary = count_files(files);
    // No render rule runs without rendering.
    summary.rules = enabled_rule_count(settings, &options, false);
    summary.findings = count_by_severity(&findings);
    (summary.profile, summary.profile_reason) = profile_summary(&profiles);
    Analysis {
        findings,
        summary,
        context,
        schemas,
        schema_error,
        timings,
        eval: evaluator.take_stats(),
        notes: Vec::new(),
        rendered_files: std::collections::BTreeSet::new(),
    }
}

/// The profile line of the summary: the profiles of the linted roots (each once, in
/// their order) and the first one's reason.
/// The rules a run counts as enabled, the same number everywhere (summary, `rules`, editor
/// log): the settings' active rules, the render problems only when rendering ran, and the
/// repository's Kyverno rules.
pub(crate) fn enabled_rule_count(
    settings: &Settings,
    options: &AnalyzeOptions<'_>,
    rendered: bool,
) -> usize {
    settings
        .active_rules
        .iter()
        .filter(|id| rendered || !id.starts_with("render/"))
        .count()
        + options
            .kyverno
            .map_or(0, |stage| stage.dynamic().active.len())
}

pub(crate) fn profile_summary(profiles: &[(Profile, String)]) -> (Option<String>, Option<String>) {
    let mut names: Vec<&str> = Vec::new();
    for (profile, _) in profiles {
        if !names.contains(&profile.as_str()) {
            names.push(profile.as_str());
        }
    }
    if names.is_empty() {
        return (None, None);
    }
    (
        Some(names.join(", ")),
        profiles.first().map(|(_, reason)| reason.clone()),
    )
}

/// The schemas of a run and their findings.
fn validate_schemas(
    settings: &Settings,
    files: &[&ParsedFile],
    options: AnalyzeOptions<'_>,
) -> (Option<Arc<Schemas>>, Option<String>, Vec<Finding>) {
    let Some(schema_options) = &settings.schema else {
        return (None, None, Vec::new());
    };
    let schemas = match Schemas::new(schema_options.clone(), files.iter().copied()) {
        Ok(schemas) => schemas,
        Err(error) => return (None, Some(error.to_string()), Vec::new()),
    };
    let findings = match options.schema_findings {
        SchemaFindings::All => schemas.validate_files(files),
        SchemaFindings::InvalidCrds => {
            // Those of reading each CRD, and those of CRD schemas that fail to compile
            // when an object of their kind is validated: that is why every file is
            // validated here (which also compiles, off the typing path, the validators
            // the editor's buffers need).
            let mut found: Vec<Finding> = files
                .par_iter()
                .flat_map_iter(|file| schemas.validate_file(file))
                .filter(|finding| finding.rule == hubspoke_schema::INVALID_CRD)
                .collect();
            found.extend(schemas.take_deferred());
            found
        }
    };
    (Some(Arc::new(schemas)), None, findings)
}
