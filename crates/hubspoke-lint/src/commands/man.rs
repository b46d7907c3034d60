//! `hubspoke-lint man`: the man page (roff), generated from the clap definitions
//! (`clap_mangen`); the release archives ship it as `man/hubspoke-lint.1`
//! (scripts/package-release.sh).
//!
//! One page: clap_mangen's SUBCOMMANDS section refers to a page per subcommand
//! (`hubspoke-lint-explain(1)`), which is not shipped, so that section is replaced by one
//! giving each subcommand's usage and purpose.

use std::io::Write;

use anyhow::Context;
use clap::CommandFactory;
use roff::{bold, roman, Roff};

use crate::args::Cli;
use crate::commands::write_stdout;
use crate::exit::ExitStatus;

/// The heading clap_mangen gives the subcommands.
const SUBCOMMANDS: &str = ".SH SUBCOMMANDS\n";

/// Print the man page.
pub fn run(stdout: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    write_stdout(stdout, page()?.as_bytes())?;
    Ok(ExitStatus::Clean)
}

/// The whole page.
fn page() -> anyhow::Result<String> {
    let mut rendered = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut rendered)?;
    let page = String::from_utf8(rendered).context("clap_mangen rendered invalid UTF-8")?;
    let start = page
        .find(SUBCOMMANDS)
        .context("clap_mangen rendered no SUBCOMMANDS section")?
        + SUBCOMMANDS.len();
    // Text lines never start with `.` in roff (clap_mangen escapes them), so the next
    // heading is the next line starting `.SH`.
    let end = page[start..]
        .find("\n.SH ")
        .map_or(page.len(), |at| start + at + 1);
    Ok(format!(
        "{}{}{}",
        &page[..start],
        subcommands(),
        &page[end..]
    ))
}

/// Each subcommand's usage and purpose, and where its options are.
fn subcommands() -> String {
    let mut command = Cli::command();
    // Built, the subcommands' usage lines carry the binary's name.
    command.build();
    let mut roff = Roff::new();
    for sub in command.get_subcommands_mut() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        let usage = sub.render_usage().to_string();
        roff.control("TP", []);
        for (n, line) in usage.lines().enumerate() {
            let line = line.trim().trim_start_matches("Usage:").trim();
            if n > 0 {
                roff.control("br", []);
            }
            roff.text([bold(line)]);
        }
        roff.text([roman(about)]);
    }
    roff.control("PP", []);
    roff.text([
        roman("A subcommand's options: "),
        bold("hubspoke-lint help SUBCOMMAND"),
        roman("."),
    ]);
    roff.to_roff()
}
