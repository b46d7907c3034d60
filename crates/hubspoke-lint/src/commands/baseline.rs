//! `hubspoke-lint baseline write|check`: adopt the linter in an existing repository.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};
use hubspoke_report::count;
use hubspoke_workspace::filter::{Baseline, BASELINE_FILE_NAME};
use hubspoke_workspace::{BaselineUse, Outcome};

use crate::args::{BaselineAction, BaselineArgs};
use crate::commands::lint::{collect, nothing_linted, parse_formats, report};
use crate::exit::ExitStatus;

fn baseline_path(root: &std::path::Path) -> PathBuf {
    if root.is_dir() {
        root.join(BASELINE_FILE_NAME)
    } else {
        PathBuf::from(BASELINE_FILE_NAME)
    }
}

/// Write or check the baseline.
pub fn run(args: &BaselineArgs, stdout: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    match args.action {
        BaselineAction::Write => {
            // One file's findings would replace the whole repository's baseline.
            if args.lint.paths.iter().any(|path| path.as_os_str() == "-") {
                bail!("baseline write records a repository's findings: give it paths, not `-` (standard input)");
            }
            let run = collect(&args.lint, BaselineUse::Ignore)?;
            if run.outcome() == Outcome::NothingLinted {
                bail!("{}", nothing_linted(&args.lint));
            }
            let baseline = Baseline::from_findings(&run.findings);
            let path = baseline_path(&run.root);
            let mut text = serde_json::to_string_pretty(&baseline)?;
            text.push('\n');
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(
                stdout,
                "Wrote {} ({} in {}).",
                path.display(),
                count(run.findings.len(), "finding", "findings"),
                count(baseline.entries.len(), "entry", "entries")
            )?;
            Ok(ExitStatus::Clean)
        }
        BaselineAction::Check => {
            let outputs = parse_formats(&args.lint.formats)?;
            let root = args
                .lint
                .paths
                .first()
                .cloned()
                .unwrap_or_else(|| PathBuf::from("."));
            if !baseline_path(&root).is_file() {
                bail!(
                    "no baseline at {}; create one with `hubspoke-lint baseline write`",
                    baseline_path(&root).display()
                );
            }
            let run = collect(&args.lint, BaselineUse::IfPresent)?;
            report(&args.lint, &outputs, &run, stdout)?;
            if run.outcome() == Outcome::NothingLinted {
                eprintln!("error: {}", nothing_linted(&args.lint));
                return Ok(ExitStatus::Error);
            }
            Ok(if run.findings.is_empty() {
                ExitStatus::Clean
            } else {
                ExitStatus::Findings
            })
        }
    }
}
