//! `--format markdown`: a summary for `$GITHUB_STEP_SUMMARY` or a PR comment:
//! counts, a findings table (the first 500) and the rules involved.

use std::collections::BTreeMap;
use std::io;

use hubspoke_diagnostics::Severity;

use crate::{Report, ReportError};

/// Rows shown before the table is cut.
const MAX_ROWS: usize = 500;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub(crate) fn write(report: &Report<'_>, out: &mut dyn io::Write) -> Result<(), ReportError> {
    let s = report.summary;
    let count = |sev: Severity| s.findings.get(&sev).copied().unwrap_or(0);
    writeln!(out, "## hubspoke-lint\n")?;
    if report.findings.is_empty() {
        writeln!(
            out,
            "✅ No findings in {} ({}, {} enabled).",
            crate::count(s.files, "file", "files"),
            crate::count(s.objects, "Kubernetes object", "Kubernetes objects"),
            crate::count(s.rules, "rule", "rules"),
        )?;
        return write_notes(report, out);
    }
    writeln!(
        out,
        "| errors | warnings | notes | files | objects | rules enabled |\n|---:|---:|---:|---:|---:|---:|\n| {} | {} | {} | {} | {} | {} |\n",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
        s.files,
        s.objects,
        s.rules
    )?;
    writeln!(
        out,
        "| severity | rule | location | message |\n|---|---|---|---|"
    )?;
    for f in report.findings.iter().take(MAX_ROWS) {
        let location = f.region.map_or_else(
            || f.file.clone(),
            |r| format!("{}:{}:{}", f.file, r.start.line, r.start.column),
        );
        let message = f.message_with_clusters();
        writeln!(
            out,
            "| {} | `{}` | `{}` | {} |",
            f.severity,
            f.rule,
            cell(&location),
            cell(&message)
        )?;
    }
    if report.findings.len() > MAX_ROWS {
        writeln!(
            out,
            "\n… and {} more (see the SARIF or JSON output).",
            report.findings.len() - MAX_ROWS
        )?;
    }
    let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
    for f in report.findings {
        *rules.entry(f.rule.as_str()).or_insert(0) += 1;
    }
    writeln!(out, "\n<details><summary>Rules</summary>\n")?;
    for (id, n) in rules {
        let title = crate::rule_meta(report, id).map_or("", |m| m.title.as_str());
        let help = crate::rule_meta(report, id).map_or("", |m| m.help.as_str());
        writeln!(out, "- **{id}** {title} ({n}): {}", cell(help))?;
    }
    writeln!(out, "\n</details>")?;
    write_notes(report, out)
}

/// What the run could not check, when there is anything.
fn write_notes(report: &Report<'_>, out: &mut dyn io::Write) -> Result<(), ReportError> {
    if report.notes.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n### Not checked\n")?;
    for note in report.notes {
        writeln!(
            out,
            "- {}{}",
            cell(&crate::note_place(note)),
            cell(&note.message)
        )?;
    }
    Ok(())
}
