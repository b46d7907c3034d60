//! The reporters of hubspoke-lint: sorted findings and source texts in, bytes
//! out. Reporters never evaluate, filter or re-sort; every format renders the
//! same [`Report`].
#![warn(missing_docs)]
#![deny(clippy::unwrap_used)]

pub mod docs;
mod error;
mod github;
mod human;
mod json;
mod junit;
mod markdown;
mod pretty;
#[cfg(test)]
mod sample;
mod sarif;

use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;

use hubspoke_diagnostics::{Finding, Note, RuleMeta, Summary};

pub use error::ReportError;
pub use human::{write_diagnostics, HumanOptions};
pub use json::JSON_SCHEMA_VERSION;
pub use sarif::{sarif_omitted, GITHUB_RESULT_LIMIT, SARIF_RESULT_LIMIT, SARIF_SCHEMA_URI};

/// Everything a reporter needs.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// Findings, already sorted.
    pub findings: &'a [Finding],
    /// Metadata of every rule (for help texts and SARIF descriptors), sorted by id.
    pub rules: &'a [RuleMeta],
    /// Source text of each file by display path (for code frames and snippets).
    pub sources: &'a BTreeMap<String, Arc<str>>,
    /// Counts of the run.
    pub summary: &'a Summary,
    /// Version of hubspoke-lint.
    pub tool_version: &'a str,
    /// SARIF `automationDetails.id`, when given.
    pub sarif_category: Option<&'a str>,
    /// What the run could not check, and why (never findings), sorted.
    pub notes: &'a [Note],
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// miette diagnostics with code frames.
    Human,
    /// One JSON object (documented, versioned schema).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// JUnit XML.
    Junit,
    /// A Markdown summary (for `$GITHUB_STEP_SUMMARY`).
    Markdown,
}

impl Format {
    /// Parse a format name.
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "human" => Some(Format::Human),
            "json" => Some(Format::Json),
            "sarif" => Some(Format::Sarif),
            "github" => Some(Format::Github),
            "junit" => Some(Format::Junit),
            "markdown" => Some(Format::Markdown),
            _ => None,
        }
    }

    /// Every format name.
    pub const NAMES: [&'static str; 6] = ["human", "json", "sarif", "github", "junit", "markdown"];
}

/// Render a report in one format.
pub fn write(
    format: Format,
    report: &Report<'_>,
    human: &HumanOptions,
    out: &mut dyn io::Write,
) -> Result<(), ReportError> {
    match format {
        Format::Human => human::write(report, human, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Github => github::write(report, out),
        Format::Junit => junit::write(report, out),
        Format::Markdown => markdown::write(report, out),
    }
}

/// `n` and the noun, singular for exactly one: `count(1, "file", "files")` is `1 file`,
/// `count(0, "entry", "entries")` is `0 entries`. Every count shown to people goes
/// through it, so that none reads "1 rules".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The help text of a rule, if known.
fn rule_meta<'a>(report: &Report<'a>, id: &str) -> Option<&'a RuleMeta> {
    report
        .rules
        .binary_search_by(|r| r.id.as_str().cmp(id))
        .ok()
        .map(|i| &report.rules[i])
}

/// `file:line:col: ` (or `file: `) before a note's message, when it has a place.
fn note_place(note: &Note) -> String {
    match (&note.file, note.region) {
        (Some(file), Some(r)) => format!("{file}:{}:{}: ", r.start.line, r.start.column),
        (Some(file), None) => format!("{file}: "),
        (None, _) => String::new(),
    }
}
