//! `hubspoke-lint [PATH ...]`: discover, parse, evaluate, report.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use std::time::Instant;

use anyhow::{bail, Context};
use hubspoke_diagnostics::Severity;
use hubspoke_report::{Format, HumanOptions, Report};
use hubspoke_workspace::{BaselineUse, Configuration, Flags, LintRequest, LintRun, Outcome};
use rayon::prelude::*;

use crate::args::{ColorChoice, FailOn, LintArgs, UnknownSchemaLevel};
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
    Ok(out)
}

/// The workspace flags of a lint run: everything in `args` that changes what is linted
/// or reported, on top of the configuration file.
pub fn flags(args: &LintArgs) -> Flags {
    use hubspoke_schema::UnknownSchema;
    Flags {
        config: args.config.clone(),
        no_config: false,
        policies: args.policies.clone(),
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
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    // A missing path is a usage error before the configuration is looked for there.
    hubspoke_workspace::require_existing(&paths)?;
    let configuration = Configuration::load(&paths, flags(args))?;
    start_threads(args.threads)?;
    let request = LintRequest {
        paths,
        baseline,
        changed_since: args.changed_since.clone(),
        parse_only: args.parse_only,
    };
    Ok(hubspoke_workspace::lint(configuration, &request)?)
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
        findings: &run.findings,
        rules: &run.catalog,
        sources: &run.sources,
        summary: &run.summary,
        tool_version: version,
        sarif_category: args.sarif_category.as_deref(),
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
    // parallel), then written in the order given.
    let rendered: Vec<Result<Vec<u8>, hubspoke_report::ReportError>> = outputs
        .par_iter()
        .map(|output| {
            let human = HumanOptions {
                color: output.path.is_none() && stdout_color,
                ..HumanOptions::default()
            };
            let mut buffer = Vec::new();
            hubspoke_report::write(output.format, &report, &human, &mut buffer)?;
            Ok(buffer)
        })
        .collect();
    for (output, buffer) in outputs.iter().zip(rendered) {
        let buffer = buffer?;
        match &output.path {
            None => write_stdout(stdout, &buffer)?,
            Some(path) => std::fs::write(path, buffer)
                .with_context(|| format!("cannot write {}", path.display()))?,
        }
    }
    Ok(())
}

/// The exit status of a run.
pub fn exit_status(run: &LintRun) -> ExitStatus {
    match run.outcome() {
        Outcome::Clean => ExitStatus::Clean,
        Outcome::Findings => ExitStatus::Findings,
        Outcome::InternalError => ExitStatus::Error,
    }
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
