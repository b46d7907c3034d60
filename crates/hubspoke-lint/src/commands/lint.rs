//! `hubspoke-lint [PATH ...]`: discover, parse, evaluate, report.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use hubspoke_engine::{
    lint_files, lint_repositories, EvalOptions, Evaluator, RepositoryRoot, Severity,
};
use hubspoke_manifest::{
    discover, read_and_parse, DiscoverOptions, DiscoveredFile, ModelOptions, ParseLimits,
    ParsedFile, DEFAULT_MAX_FILE_SIZE,
};
use hubspoke_report::{Format, HumanOptions, Report};

use crate::args::{ColorChoice, FailOn, LintArgs};
use crate::commands::load_rules;
use crate::config::{self, Config};
use crate::exit::ExitStatus;

/// Where one format goes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OutputSpec {
    format: Format,
    path: Option<PathBuf>,
}

fn parse_formats(specs: &[String]) -> anyhow::Result<Vec<OutputSpec>> {
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

fn eval_options(
    config: &Config,
    known_ids: &BTreeSet<String>,
    config_path: Option<&PathBuf>,
) -> anyhow::Result<EvalOptions> {
    let mut options = EvalOptions::default();
    let mut params = serde_json::Map::new();
    for (id, rule) in &config.rules {
        if !known_ids.contains(id) {
            let file = config_path
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            bail!("{file}: rules.{id}: no rule has this id; `hubspoke-lint rules` lists them");
        }
        if rule.enabled == Some(false) {
            options.disabled.insert(id.clone());
        }
        if let Some(severity) = rule.severity.as_deref().and_then(Severity::parse) {
            options.severity.insert(id.clone(), severity);
        }
        if let Some(p) = &rule.params {
            params.insert(id.clone(), p.clone());
        }
    }
    options.config = serde_json::json!({ "params": params });
    Ok(options)
}

/// Lint and report.
pub fn run(args: &LintArgs, stdout: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let outputs = parse_formats(&args.formats)?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let config_path = config::locate(args.config.as_deref(), &paths);
    let config = match &config_path {
        Some(path) => config::load(path)?,
        None => Config::default(),
    };
    if let Some(threads) = args.threads {
        if threads == 0 {
            bail!("--threads must be at least 1");
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .context("cannot start the worker threads")?;
    }
    let config_dir = config_path
        .as_ref()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .unwrap_or_default();
    let mut policy_dirs: Vec<PathBuf> =
        config.policies.iter().map(|p| config_dir.join(p)).collect();
    policy_dirs.extend(args.policies.iter().cloned());
    let rules = load_rules(&policy_dirs)?;
    let catalog = rules.catalog();
    let known_ids: BTreeSet<String> = catalog.iter().map(|r| r.id.clone()).collect();
    let mut options = eval_options(&config, &known_ids, config_path.as_ref())?;
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
    }

    let include = if args.include.is_empty() {
        config.include.clone()
    } else {
        args.include.clone()
    };
    let mut exclude = config.exclude.clone();
    exclude.extend(args.exclude.iter().cloned());
    let max_file_size = args
        .max_file_size
        .or(config.max_file_size)
        .unwrap_or(DEFAULT_MAX_FILE_SIZE);
    let base = std::env::current_dir().ok();
    let discover_options = DiscoverOptions::new(&include, &exclude, max_file_size, base)?;
    let discovery = discover(&paths, &discover_options);
    let parsed = read_and_parse(&discovery.files, ParseLimits::default());

    let evaluator = Evaluator::new(&rules, options);
    let mut outcome = lint_files(&parsed, &discovery.problems, &evaluator);
    let roots = repository_roots(&paths, &discovery.files, &parsed);
    outcome.extend(lint_repositories(
        &roots,
        &evaluator,
        &ModelOptions::default(),
    ));
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
    let version = env!("CARGO_PKG_VERSION");
    let report = Report {
        findings: &outcome.findings,
        rules: &catalog,
        sources: &sources,
        summary: &outcome.summary,
        tool_version: version,
        sarif_category: args.sarif_category.as_deref(),
    };
    for output in &outputs {
        match &output.path {
            None => {
                let color = match args.color {
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
                write_stdout(stdout, &buffer)?;
            }
            Some(path) => {
                let mut buffer = Vec::new();
                hubspoke_report::write(
                    output.format,
                    &report,
                    &HumanOptions::default(),
                    &mut buffer,
                )?;
                std::fs::write(path, buffer)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
    }
    let threshold = fail_threshold(args.fail_on, &config);
    let failing = threshold.is_some_and(|t| outcome.findings.iter().any(|f| f.severity >= t));
    Ok(if failing {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
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
