//! `hubspoke-lint [PATH ...]`: discover, parse, evaluate, report.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use hubspoke_engine::{
    apply_overrides, apply_suppressions, lint_roots, Baseline, EvalOptions, Evaluator,
    RepositoryRoot, Severity, VmProgram, BASELINE_FILE_NAME,
};
use hubspoke_manifest::{discover, read_and_parse, DiscoveredFile, ParsedFile};
use hubspoke_report::{Format, HumanOptions, Report};

use crate::args::{ColorChoice, FailOn, LintArgs, UnknownSchemaLevel};
use crate::commands::load_rules;
use crate::config::{self, Config};
use crate::exit::ExitStatus;
use crate::settings;
use crate::stats::RunStats;

/// Where one format goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    format: Format,
    path: Option<PathBuf>,
}

pub fn parse_formats(specs: &[String]) -> anyhow::Result<Vec<OutputSpec>> {
    if specs.is_empty() {
        return Ok(vec![OutputSpec {
            format: Format::Human,
            path: None,
        }]);
    }
    let mut out = Vec::new();
    for spec in specs {
        let (name, path) = match spec.split_once('=') {
            Some((name, path)) if !path.is_empty() => (name, Some(PathBuf::from(path))),
            Some((_, _)) => bail!("--format {spec}: the file path after `=` is empty"),
            None => (spec.as_str(), None),
        };
        let Some(format) = Format::parse(name) else {
            bail!(
                "--format {spec}: unknown format `{name}` (expected one of: {})",
                Format::NAMES.join(", ")
            );
        };
        out.push(OutputSpec { format, path });
    }
    if out.iter().filter(|o| o.path.is_none()).count() > 1 {
        bail!(
            "only one --format may write to standard output; give the others a file (FORMAT=PATH)"
        );
    }
    Ok(out)
}

fn fail_threshold(flag: Option<FailOn>, config: &Config) -> Option<Severity> {
    let name = match flag {
        Some(FailOn::Error) => "error",
        Some(FailOn::Warning) => "warning",
        Some(FailOn::Note) => "note",
        Some(FailOn::Never) => "never",
        None => config.fail_on.as_deref().unwrap_or("error"),
    };
    Severity::parse(name)
}

/// Schema validation settings of a run: the flags over `schema:` (shared with the editor).
fn schema_options(
    args: &LintArgs,
    config: &Config,
    options: &mut EvalOptions,
) -> anyhow::Result<Option<hubspoke_schema::SchemaOptions>> {
    use hubspoke_schema::UnknownSchema;
    let flags = settings::SchemaFlags {
        no_schema: args.no_schema,
        strict: args.strict,
        kubernetes_version: args.kubernetes_version.as_deref(),
        unknown_schema: args.unknown_schema.map(|level| match level {
            UnknownSchemaLevel::Off => UnknownSchema::Off,
            UnknownSchemaLevel::Note => UnknownSchema::Note,
            UnknownSchemaLevel::Warning => UnknownSchema::Warning,
        }),
        only_rules: &args.only_rules,
    };
    settings::schema_options(&flags, config, options)
}

/// Everything a lint run produced, before it is reported.
pub struct LintRun {
    /// Findings after suppressions (and the baseline, when one applies), sorted.
    pub outcome: hubspoke_engine::LintOutcome,
    /// Metadata of every rule.
    pub catalog: Vec<hubspoke_engine::RuleMeta>,
    /// Source texts by display path.
    pub sources: BTreeMap<String, Arc<str>>,
    /// The configuration in force.
    pub config: Config,
    /// The first linted path (where the baseline lives).
    pub root: PathBuf,
    /// Counts and stage times (`--stats`, `--timings`).
    pub stats: RunStats,
}

/// Whether the baseline file at the root filters the findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaselineUse {
    /// Filter when `.hubspoke-lint-baseline.json` exists.
    IfPresent,
    /// Report everything (`baseline write`).
    Ignore,
}

fn start_threads(threads: Option<usize>) -> anyhow::Result<()> {
    if let Some(threads) = threads {
        if threads == 0 {
            bail!("--threads must be at least 1");
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .context("cannot start the worker threads")?;
    }
    Ok(())
}

/// What the configuration and flags make of the loaded rules.
struct RulesInForce {
    catalog: Vec<hubspoke_engine::RuleMeta>,
    options: EvalOptions,
    schema_options: Option<hubspoke_schema::SchemaOptions>,
    /// Ids of the rules that run.
    active_rules: BTreeSet<String>,
}

fn rules_in_force(
    args: &LintArgs,
    config: &Config,
    rules: &hubspoke_engine::RuleSet,
) -> anyhow::Result<RulesInForce> {
    let catalog = super::catalog(rules);
    let known_ids: BTreeSet<String> = catalog.iter().map(|r| r.id.clone()).collect();
    let mut options = settings::eval_options(config, &catalog, rules, args.rule_timeout_ms)?;
    if !args.only_rules.is_empty() {
        if let Some(unknown) = args.only_rules.iter().find(|id| !known_ids.contains(*id)) {
            bail!("--rule {unknown}: no rule has this id; `hubspoke-lint rules` lists them");
        }
        options.disabled.extend(
            rules
                .rules
                .iter()
                .map(|r| r.meta.id.clone())
                .filter(|id| !args.only_rules.contains(id)),
        );
        // Naming a rule runs it, even one that is off by default.
        options.enabled.extend(args.only_rules.iter().cloned());
    }
    let schema_options = schema_options(args, config, &mut options)?;
    let active_rules: BTreeSet<String> = catalog
        .iter()
        .filter(|meta| options.is_active(meta))
        .map(|meta| meta.id.clone())
        .collect();
    options.collect_timings = args.timings;
    Ok(RulesInForce {
        catalog,
        options,
        schema_options,
        active_rules,
    })
}

/// Discover, parse, evaluate, suppress: everything but reporting.
pub fn collect(args: &LintArgs, baseline: BaselineUse) -> anyhow::Result<LintRun> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    settings::require_existing(&paths)?;
    let config_path = config::locate(args.config.as_deref(), &paths);
    let config = match &config_path {
        Some(path) => config::load(path)?,
        None => Config::default(),
    };
    start_threads(args.threads)?;
    let mut stats = RunStats::new(rayon::current_num_threads());
    let config_dir = config_path
        .as_ref()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .unwrap_or_default();
    let mut policy_dirs: Vec<PathBuf> =
        config.policies.iter().map(|p| config_dir.join(p)).collect();
    policy_dirs.extend(args.policies.iter().cloned());
    let discover_options = settings::discover_options(
        &config,
        &args.include,
        &args.exclude,
        args.max_file_size,
        std::env::current_dir().ok(),
    )?;
    let limits = settings::parse_limits(
        &config,
        args.max_documents,
        args.max_depth,
        args.max_alias_nodes,
    );
    // Compiling the policies and the VM program is serial: do it while the
    // (mostly serial) walk runs and the other threads parse.
    let (loaded, (discovery, parsed)) = rayon::join(
        || {
            let started = Instant::now();
            (!args.parse_only).then(|| {
                let prepared = load_rules(&policy_dirs).and_then(|rules| {
                    let settings = rules_in_force(args, &config, &rules)?;
                    let program = VmProgram::compile(&rules, &settings.options);
                    Ok((rules, settings, program))
                });
                (prepared, started.elapsed())
            })
        },
        || {
            let started = Instant::now();
            let discovery = discover(&paths, &discover_options);
            stats.discover = started.elapsed();
            stats.mark("discover");
            let started = Instant::now();
            let parsed = read_and_parse(&discovery.files, limits);
            stats.parse = started.elapsed();
            stats.mark("parse");
            (discovery, parsed)
        },
    );
    let Some((prepared, load_time)) = loaded else {
        return Ok(parse_only(&paths, discovery, parsed, config, stats));
    };
    let (rules, settings, program) = prepared?;
    stats.load_rules = load_time;
    let RulesInForce {
        catalog,
        options,
        schema_options,
        active_rules,
    } = settings;
    let mut evaluator = Evaluator::with_program(&rules, options, program);
    let roots = repository_roots(&paths, &discovery.files, &parsed);
    // Schema validation is independent of the rules: it fills the core the
    // (serial) model building leaves idle.
    let (mut outcome, (schema_findings, schema_time)) = rayon::join(
        || {
            lint_roots(
                &parsed,
                &discovery.problems,
                &roots,
                &evaluator,
                &config.model.options(),
            )
        },
        || {
            let started = Instant::now();
            let findings = schema_options
                .map(|options| {
                    hubspoke_schema::Schemas::new(options, &parsed)
                        .map(|s| s.validate_files(&parsed))
                })
                .transpose();
            (findings, started.elapsed())
        },
    );
    stats.lint = outcome.timings;
    stats.eval = evaluator.take_stats();
    stats.rules = outcome.summary.rules;
    stats.schema = schema_time;
    if let Some(mut findings) = schema_findings? {
        outcome.context.fill_namespaces(&mut findings);
        outcome.extend(findings);
    }
    let overridden = apply_overrides(
        std::mem::take(&mut outcome.findings),
        &evaluator.options().overrides,
    );
    outcome.extend(overridden);
    stats.mark("evaluate repository");
    let started = Instant::now();

    let suppress = settings::suppress_options(&config, &catalog, !args.no_suppress, active_rules)?;
    let suppressed = apply_suppressions(std::mem::take(&mut outcome.findings), &parsed, &suppress);
    outcome.summary.suppressed = suppressed.suppressed;
    outcome.extend(suppressed.findings);

    let root = paths[0].clone();
    if baseline == BaselineUse::IfPresent {
        let baseline_path = if root.is_dir() {
            root.join(BASELINE_FILE_NAME)
        } else {
            PathBuf::from(BASELINE_FILE_NAME)
        };
        if baseline_path.is_file() {
            let baseline = read_baseline(&baseline_path)?;
            let filtered = baseline.filter(std::mem::take(&mut outcome.findings));
            outcome.summary.baselined = filtered.baselined;
            outcome.summary.baseline_fixed = filtered.fixed;
            outcome.extend(filtered.new);
        }
    }

    if let Some(reference) = &args.changed_since {
        let changed = changed_files(reference, &paths[0])?;
        let cwd = std::env::current_dir().context("cannot read the working directory")?;
        // Display paths are relative to the working directory or, for a root outside it or
        // above it (`..`), to the root: only the walk knows which file each one is.
        let on_disk: BTreeMap<&str, &Path> = discovery
            .files
            .iter()
            .map(|f| (f.display_path.as_str(), f.fs_path.as_path()))
            .collect();
        // One file-system lookup per file, not per finding.
        let mut file_changed: BTreeMap<String, bool> = BTreeMap::new();
        let findings = std::mem::take(&mut outcome.findings)
            .into_iter()
            .filter(|f| {
                f.rule == hubspoke_engine::POLICY_ERROR
                    || *file_changed.entry(f.file.clone()).or_insert_with(|| {
                        let file = match on_disk.get(f.file.as_str()) {
                            Some(path) => real_path(&cwd.join(path)),
                            None => real_path(&cwd.join(&f.file)),
                        };
                        changed.contains(&file)
                    })
            })
            .collect();
        outcome.extend(findings);
    }

    stats.suppress = started.elapsed();
    stats.mark("suppress");
    let sources: BTreeMap<String, Arc<str>> = parsed
        .iter()
        .map(|f| (f.source.path.clone(), Arc::clone(&f.source.text)))
        .chain(
            rules
                .sources
                .iter()
                .map(|s| (s.path.clone(), Arc::from(s.text.as_str()))),
        )
        .collect();
    // The process ends after reporting: freeing every parsed tree (~60 ms on the
    // 10,000-file repository) would be wasted work.
    std::mem::forget(parsed);
    Ok(LintRun {
        outcome,
        catalog,
        sources,
        config,
        root,
        stats,
    })
}

/// `--parse-only`: the run stops after parsing and reports input problems only.
fn parse_only(
    paths: &[PathBuf],
    discovery: hubspoke_manifest::Discovery,
    parsed: Vec<ParsedFile>,
    config: Config,
    stats: RunStats,
) -> LintRun {
    let mut findings: Vec<hubspoke_engine::Finding> = discovery
        .problems
        .iter()
        .map(hubspoke_engine::path_problem_finding)
        .collect();
    let mut summary = hubspoke_engine::Summary {
        files: parsed.len(),
        ..Default::default()
    };
    for file in &parsed {
        findings.extend(
            file.problems
                .iter()
                .map(|p| hubspoke_engine::file_problem_finding(&file.source.path, p)),
        );
        summary.documents += file.documents.len();
        summary.objects += file.objects().count();
    }
    summary.non_kubernetes_documents = summary.documents - summary.objects;
    hubspoke_engine::sort_findings(&mut findings);
    summary.findings = hubspoke_engine::count_by_severity(&findings);
    let sources = parsed
        .iter()
        .map(|f| (f.source.path.clone(), Arc::clone(&f.source.text)))
        .collect();
    // As in `collect`: the process ends soon, freeing the trees is wasted work.
    std::mem::forget(parsed);
    LintRun {
        outcome: hubspoke_engine::LintOutcome {
            findings,
            summary,
            ..Default::default()
        },
        catalog: hubspoke_engine::builtin_rules(),
        sources,
        config,
        root: paths[0].clone(),
        stats,
    }
}

/// Real paths of files changed since `reference`: committed since, uncommitted, or untracked.
/// git runs in the repository of the first linted path (which need not be the working
/// directory's), and lists paths relative to its top level.
fn changed_files(reference: &str, first: &Path) -> anyhow::Result<BTreeSet<PathBuf>> {
    let dir = if first.is_dir() {
        first
    } else {
        first
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    };
    let git = |args: &[&str]| -> anyhow::Result<String> {
        let output = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .context("--changed-since needs git on the PATH")?;
        if !output.status.success() {
            bail!(
                "--changed-since {reference}: git {} failed in {}: {}",
                args.join(" "),
                dir.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?.trim());
    let mut files = BTreeSet::new();
    for list in [
        // Without --relative, diff names files relative to the top level, wherever it runs.
        git(&["diff", "--name-only", "--no-renames", reference, "--"])?,
        // `:/` is the whole repository, not only the directory git runs in.
        git(&[
            "ls-files",
            "--others",
            "--exclude-standard",
            "--full-name",
            "--",
            ":/",
        ])?,
    ] {
        for line in list.lines().filter(|l| !l.is_empty()) {
            files.insert(real_path(&top.join(line)));
        }
    }
    Ok(files)
}

/// The path with symlinks resolved (/tmp and /private/tmp compare equal), or for a file that
/// no longer exists, with `.` and `..` resolved and its existing parent's symlinks.
fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    match (
        out.parent().and_then(|p| p.canonicalize().ok()),
        out.file_name(),
    ) {
        (Some(parent), Some(name)) => parent.join(name),
        _ => out,
    }
}

/// Read and validate a baseline file.
pub fn read_baseline(path: &std::path::Path) -> anyhow::Result<Baseline> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read baseline {}", path.display()))?;
    let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: invalid baseline: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    if let Some(problem) = baseline.problem() {
        bail!("{}: {problem}", path.display());
    }
    Ok(baseline)
}

/// Lint and report.
pub fn run(args: &LintArgs, stdout: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let outputs = parse_formats(&args.formats)?;
    let mut run = collect(args, BaselineUse::IfPresent)?;
    let started = Instant::now();
    report(args, &outputs, &run, stdout)?;
    run.stats.report = started.elapsed();
    run.stats.mark("report");
    if args.stats {
        eprint!("{}", run.stats.render(&run.outcome.summary));
    }
    if args.timings {
        eprint!("{}", run.stats.render_timings(15));
    }
    let status = exit_status(&run, args.fail_on);
    // Exiting frees everything at once; dropping the findings and sources is wasted work.
    std::mem::forget(run);
    Ok(status)
}

/// Write every requested output of a run.
pub fn report(
    args: &LintArgs,
    outputs: &[OutputSpec],
    run: &LintRun,
    stdout: &mut dyn Write,
) -> anyhow::Result<()> {
    let version = env!("CARGO_PKG_VERSION");
    let report = Report {
        findings: &run.outcome.findings,
        rules: &run.catalog,
        sources: &run.sources,
        summary: &run.outcome.summary,
        tool_version: version,
        sarif_category: args.sarif_category.as_deref(),
    };
    let omitted = hubspoke_report::sarif_omitted(&report);
    if omitted > 0 && outputs.iter().any(|o| o.format == Format::Sarif) {
        eprintln!(
            "warning: SARIF output holds the {} most severe of {} findings (GitHub code scanning accepts {} per run); {omitted} were left out",
            hubspoke_report::SARIF_RESULT_LIMIT,
            run.outcome.findings.len(),
            hubspoke_report::GITHUB_RESULT_LIMIT,
        );
    }
    for output in outputs {
        let color = output.path.is_none()
            && match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
        let human = HumanOptions {
            color,
            ..HumanOptions::default()
        };
        let mut buffer = Vec::new();
        hubspoke_report::write(output.format, &report, &human, &mut buffer)?;
        match &output.path {
            None => write_stdout(stdout, &buffer)?,
            Some(path) => std::fs::write(path, buffer)
                .with_context(|| format!("cannot write {}", path.display()))?,
        }
    }
    Ok(())
}

/// Exit status of a run given the failing severity.
pub fn exit_status(run: &LintRun, fail_on: Option<FailOn>) -> ExitStatus {
    // A crash on one file was reported with the others' results; the run still failed.
    if run
        .outcome
        .findings
        .iter()
        .any(|f| f.rule == hubspoke_engine::INTERNAL_ERROR)
    {
        return ExitStatus::Error;
    }
    let threshold = fail_threshold(fail_on, &run.config);
    let failing = threshold.is_some_and(|t| run.outcome.findings.iter().any(|f| f.severity >= t));
    if failing {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    }
}

/// Group parsed files by the directory they were found under; a file given
/// directly is a repository of its own.
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

/// A closed pipe (`| head`) is not an error.
fn write_stdout(stdout: &mut dyn Write, bytes: &[u8]) -> anyhow::Result<()> {
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_with_and_without_paths() {
        let specs = parse_formats(&["human".into(), "sarif=out.sarif".into()]).expect("valid");
        assert_eq!(
            specs[1],
            OutputSpec {
                format: Format::Sarif,
                path: Some(PathBuf::from("out.sarif"))
            }
        );
        assert!(parse_formats(&["json".into(), "sarif".into()]).is_err());
        assert!(parse_formats(&["xml".into()]).is_err());
    }
}
