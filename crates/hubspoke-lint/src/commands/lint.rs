//! `hubspoke-lint [PATH ...]`: discover, parse, evaluate, report.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use std::time::Instant;

use anyhow::{bail, Context};
use clap::CommandFactory;
use hubspoke_diagnostics::Severity;
use hubspoke_report::{Format, HumanOptions, Report};
use hubspoke_workspace::{
    BaselineUse, Configuration, Flags, LintRequest, LintRun, Outcome, StdinInput, STDIN_NAME,
};
use rayon::prelude::*;

use crate::args::{Cli, ColorChoice, FailOn, LintArgs, UnknownSchemaLevel};
use crate::commands::write_stdout;
use crate::exit::ExitStatus;

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
    reject_shared_files(specs, &out)?;
    Ok(out)
}

/// Two outputs to one file would leave only the last: an error, also when the paths are
/// spelled differently (`out.json`, `./out.json`, `dir/../out.json`, a symlink).
fn reject_shared_files(specs: &[String], outputs: &[OutputSpec]) -> anyhow::Result<()> {
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    let mut seen: Vec<(PathBuf, &str)> = Vec::new();
    for (spec, output) in specs.iter().zip(outputs) {
        let Some(path) = &output.path else { continue };
        let real = hubspoke_workspace::filter::real_path(&cwd.join(path));
        if let Some((_, first)) = seen.iter().find(|(other, _)| *other == real) {
            bail!(
                "--format {first} and --format {spec} write to the same file; give each output its own file"
            );
        }
        seen.push((real, spec.as_str()));
    }
    Ok(())
}

/// The workspace flags of a lint run: everything in `args` that changes what is linted
/// or reported, on top of the configuration file.
pub fn flags(args: &LintArgs) -> Flags {
    use hubspoke_schema::UnknownSchema;
    Flags {
        config: args.config.clone(),
        no_config: false,
        policies: args.policies.clone(),
        kyverno_policies: args.kyverno_policies.clone(),
        no_kyverno: args.no_kyverno,
        only_rules: args.only_rules.clone(),
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        max_file_size: args.max_file_size,
        max_documents: args.max_documents,
        max_depth: args.max_depth,
        max_alias_nodes: args.max_alias_nodes,
        rule_timeout_ms: args.rule_timeout_ms,
        no_schema: args.no_schema,
        strict: args.strict,
        kubernetes_version: args.kubernetes_version.clone(),
        unknown_schema: args.unknown_schema.map(|level| match level {
            UnknownSchemaLevel::Off => UnknownSchema::Off,
            UnknownSchemaLevel::Note => UnknownSchema::Note,
            UnknownSchemaLevel::Warning => UnknownSchema::Warning,
        }),
        no_suppress: args.no_suppress,
        no_render: args.no_render,
        fail_on: args.fail_on.map(|level| match level {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }),
        timings: args.timings,
        display_base: std::env::current_dir().ok(),
    }
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

/// Run the pipeline as `args` ask: everything but reporting.
pub fn collect(args: &LintArgs, baseline: BaselineUse) -> anyhow::Result<LintRun> {
    if reads_stdin(args)? {
        return collect_stdin(args, baseline);
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    if let Some(first) = args.paths.first() {
        suggest_subcommand(first)?;
    }
    // A missing path is a usage error before the configuration is looked for there.
    hubspoke_workspace::require_existing(&paths)?;
    let configuration = Configuration::load(&paths, flags(args))?;
    start_threads(args.threads)?;
    let request = LintRequest {
        paths,
        baseline,
        changed_since: args.changed_since.clone(),
        parse_only: args.parse_only,
        stdin: None,
    };
    Ok(hubspoke_workspace::lint(configuration, &request)?)
}

/// Whether the run lints standard input: `-` is the only path. `-` always means standard
/// input, so a file named `-` is given as `./-`.
fn reads_stdin(args: &LintArgs) -> anyhow::Result<bool> {
    let dash = args.paths.iter().any(|p| p.as_os_str() == "-");
    if dash && args.paths.len() > 1 {
        bail!(
            "`-` (standard input) cannot be combined with other paths; a file named `-` is `./-`"
        );
    }
    if !dash && args.stdin_filename.is_some() {
        bail!("--stdin-filename names standard input: give `-` as the path");
    }
    if dash && args.changed_since.is_some() {
        bail!("--changed-since needs files in a git repository, not standard input");
    }
    Ok(dash)
}

/// Lint standard input as one file named `--stdin-filename` (default `<stdin>`).
fn collect_stdin(args: &LintArgs, baseline: BaselineUse) -> anyhow::Result<LintRun> {
    let name = match &args.stdin_filename {
        Some(name) if name.trim().is_empty() => bail!("--stdin-filename is empty"),
        Some(name) => {
            let name = name.replace('\\', "/");
            name.strip_prefix("./").unwrap_or(&name).to_owned()
        }
        None => STDIN_NAME.to_owned(),
    };
    // The configuration of the directory the name places the text in, when there is one.
    let place = Path::new(&name)
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty() && dir.is_dir())
        .map_or_else(|| PathBuf::from("."), |_| PathBuf::from(&name));
    let configuration = Configuration::load(&[place], flags(args))?;
    let limit = configuration.discover.max_file_size;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .context("cannot read standard input")?;
    if bytes.len() as u64 > limit {
        bail!("standard input is larger than the file size limit ({limit} bytes; --max-file-size)");
    }
    start_threads(args.threads)?;
    let request = LintRequest {
        // The baseline, if any, is the working directory's.
        paths: vec![PathBuf::from(".")],
        baseline,
        changed_since: None,
        parse_only: args.parse_only,
        stdin: Some(StdinInput { name, bytes }),
    };
    Ok(hubspoke_workspace::lint(configuration, &request)?)
}

/// The first path is a path by default; when no such file exists and its name is close
/// to a subcommand's (`expalin`), the user most likely mistyped the subcommand.
fn suggest_subcommand(first: &Path) -> anyhow::Result<()> {
    if first.exists() {
        return Ok(());
    }
    let Some(typed) = first.to_str() else {
        return Ok(());
    };
    let command = Cli::command();
    let closest =
        hubspoke_workspace::closest(typed, command.get_subcommands().map(|sub| sub.get_name()));
    if let Some(name) = closest {
        bail!("`{typed}` is neither a file or directory nor a subcommand; did you mean `{name}`?");
    }
    Ok(())
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
        eprint!("{}", run.stats.render(&run.summary));
    }
    if args.timings {
        eprint!("{}", run.stats.render_timings(15));
    }
    let status = exit_status(&run);
    if status == ExitStatus::Error && run.outcome() == Outcome::NothingLinted {
        eprintln!("error: {}", nothing_linted(args));
    }
    // Exiting frees everything at once; dropping the findings and sources is wasted work.
    std::mem::forget(run);
    Ok(status)
}

/// Why a run that linted no file fails: CI with a wrong path or include glob must not pass.
pub fn nothing_linted(args: &LintArgs) -> String {
    let paths: Vec<String> = if args.paths.is_empty() {
        vec![".".to_owned()]
    } else {
        args.paths.iter().map(|p| p.display().to_string()).collect()
    };
    format!(
        "no YAML files found in {}: nothing was linted (check the paths and the include globs)",
        paths.join(", ")
    )
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
        findings: &run.findings,
        rules: &run.catalog,
        sources: &run.sources,
        summary: &run.summary,
        tool_version: version,
        sarif_category: args.sarif_category.as_deref(),
        notes: &run.notes,
    };
    let omitted = hubspoke_report::sarif_omitted(&report);
    if omitted > 0 && outputs.iter().any(|o| o.format == Format::Sarif) {
        eprintln!(
            "warning: SARIF output holds the {} most severe of {} findings (GitHub code scanning accepts {} per run); {omitted} were left out",
            hubspoke_report::SARIF_RESULT_LIMIT,
            run.findings.len(),
            hubspoke_report::GITHUB_RESULT_LIMIT,
        );
    }
    let stdout_color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    // Several outputs are rendered concurrently (each also renders its findings in
    // parallel). One going to a file is written to it as it is rendered: buffering the
    // whole report first (tens of MB on a findings-heavy repository) was a serial copy
    // after every other thread had finished. Standard output is written once every
    // output is rendered, so that a failing file output leaves it untouched.
    let rendered: Vec<anyhow::Result<Option<Vec<u8>>>> = outputs
        .par_iter()
        .map(|output| {
            let human = HumanOptions {
                color: output.path.is_none() && stdout_color,
                quiet: args.quiet,
                ..HumanOptions::default()
            };
            match &output.path {
                None => {
                    let mut buffer = Vec::new();
                    hubspoke_report::write(output.format, &report, &human, &mut buffer)?;
                    Ok(Some(buffer))
                }
                Some(path) => {
                    write_file(path, |out| {
                        hubspoke_report::write(output.format, &report, &human, out)
                    })?;
                    Ok(None)
                }
            }
        })
        .collect();
    for buffer in rendered {
        if let Some(buffer) = buffer? {
            write_stdout(stdout, &buffer)?;
        }
    }
    Ok(())
}

/// Create `path` and write one report to it through a buffer.
fn write_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), hubspoke_report::ReportError>,
) -> anyhow::Result<()> {
    let context = || format!("cannot write {}", path.display());
    let file = std::fs::File::create(path).with_context(context)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
    write(&mut out).with_context(context)?;
    out.flush().with_context(context)?;
    Ok(())
}

/// The exit status of a run.
pub fn exit_status(run: &LintRun) -> ExitStatus {
    match run.outcome() {
        Outcome::Clean => ExitStatus::Clean,
        Outcome::Findings => ExitStatus::Findings,
        Outcome::InternalError | Outcome::NothingLinted => ExitStatus::Error,
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
        let same = parse_formats(&["json=out.json".into(), "sarif=./out.json".into()]);
        assert_eq!(
            same.map_err(|e| e.to_string()).err().as_deref(),
            Some("--format json=out.json and --format sarif=./out.json write to the same file; give each output its own file")
        );
    }
}
