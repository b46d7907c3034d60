//! `--format human`: miette diagnostics with the rule id, the message, a code
//! frame with the offending field underlined, and the rule's help; then a summary.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::sync::Arc;

use hubspoke_diagnostics::{Finding, Severity};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};

use rayon::prelude::*;

use crate::{count, rule_meta, Report, ReportError};

/// How to render for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanOptions {
    /// ANSI colours.
    pub color: bool,
    /// Wrap width.
    pub width: usize,
    /// The summary only (no diagnostics), and nothing at all when there is no finding.
    pub quiet: bool,
}

impl Default for HumanOptions {
    fn default() -> Self {
        HumanOptions {
            color: false,
            width: 100,
            quiet: false,
        }
    }
}

struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    help: Option<String>,
    source: Option<NamedSource<Arc<str>>>,
    labels: Vec<LabeledSpan>,
    headline: String,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline)
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.finding.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}

fn diagnostic<'a>(report: &Report<'a>, finding: &'a Finding) -> FindingDiagnostic<'a> {
    let source_text = report.sources.get(&finding.file).filter(|t| !t.is_empty());
    let mut labels = Vec::new();
    let mut notes = Vec::new();
    let mut source = None;
    let message = finding.message_with_clusters().into_owned();
    let headline = match (finding.region, source_text) {
        (Some(region), Some(text)) => {
            source = Some(NamedSource::new(&finding.file, Arc::clone(text)));
            labels.push(LabeledSpan::new_primary_with_span(
                Some(label(finding)),
                SourceSpan::new(region.start.offset.into(), region.len()),
            ));
            message
        }
        (Some(region), None) => format!(
            "{}:{}:{}: {message}",
            finding.file, region.start.line, region.start.column
        ),
        (None, _) => format!("{}: {message}", finding.file),
    };
    for related in &finding.related {
        match related.region {
            Some(r) if related.file == finding.file && source.is_some() => {
                labels.push(LabeledSpan::new_with_span(
                    Some(related.message.clone()),
                    SourceSpan::new(r.start.offset.into(), r.len()),
                ))
            }
            Some(r) => notes.push(format!(
                "{}:{}:{}: {}",
                related.file, r.start.line, r.start.column, related.message
            )),
            None => notes.push(format!("{}: {}", related.file, related.message)),
        }
    }
    let mut help = rule_meta(report, &finding.rule).map(|m| m.help.clone());
    if !notes.is_empty() {
        let joined = notes.join("\n");
        help = Some(match help {
            Some(h) => format!("{h}\n{joined}"),
            None => joined,
        });
    }
    FindingDiagnostic {
        finding,
        help,
        source,
        labels,
        headline,
    }
}

fn label(finding: &Finding) -> String {
    if finding.path.is_empty() {
        "here".to_owned()
    } else {
        finding.path.to_string()
    }
}

/// Findings rendered per parallel task: enough to amortise a task, few enough that
/// two threads share the last chunk's work.
const FINDINGS_PER_TASK: usize = 64;

/// Findings rendered before their text is written: bounds the memory the rendered text
/// holds on a run with hundreds of thousands of findings.
const FINDINGS_PER_BATCH: usize = 4096;

fn handler(options: &HumanOptions) -> GraphicalReportHandler {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_context_lines(1)
        .with_links(false)
}

/// Code frames are rendered in parallel and written in report order: the bytes do not
/// depend on the thread count.
pub(crate) fn write(
    report: &Report<'_>,
    options: &HumanOptions,
    out: &mut dyn io::Write,
) -> Result<(), ReportError> {
    write_findings_and_notes(report, options, out)?;
    if !(options.quiet && report.findings.is_empty()) {
        out.write_all(summary(report).as_bytes())?;
    }
    Ok(())
}

/// The code frames and the notes, without `lint`'s summary (for a command that
/// reports problems besides its own output, such as `render`).
pub fn write_diagnostics(
    report: &Report<'_>,
    options: &HumanOptions,
    out: &mut dyn io::Write,
) -> Result<(), ReportError> {
    write_findings_and_notes(report, options, out)
}

fn write_findings_and_notes(
    report: &Report<'_>,
    options: &HumanOptions,
    out: &mut dyn io::Write,
) -> Result<(), ReportError> {
    let handler = handler(options);
    // `--quiet` keeps the summary only.
    let shown = if options.quiet {
        &[][..]
    } else {
        report.findings
    };
    for batch in shown.chunks(FINDINGS_PER_BATCH) {
        let texts: Vec<String> = batch
            .par_chunks(FINDINGS_PER_TASK)
            .map(|findings| render(report, &handler, findings))
            .collect::<Result<_, _>>()?;
        for text in texts {
            out.write_all(text.as_bytes())?;
        }
    }
    // What could not be checked comes before the summary, which stays the last block
    // (`--quiet` prints it alone).
    if !options.quiet && !report.notes.is_empty() {
        out.write_all(b"Not checked:\n")?;
        for note in report.notes {
            writeln!(out, "  note: {}{}", crate::note_place(note), note.message)?;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The closing summary: the totals, then the rules with the most findings.
fn summary(report: &Report<'_>) -> String {
    let mut text = summary_line(report);
    text.push_str(&findings_by_rule(report));
    text
}

/// The code frames of `findings`, each followed by an empty line.
fn render(
    report: &Report<'_>,
    handler: &GraphicalReportHandler,
    findings: &[Finding],
) -> Result<String, ReportError> {
    let mut text = String::new();
    for finding in findings {
        let diag = diagnostic(report, finding);
        handler
            .render_report(&mut text, &diag)
            .map_err(|e| ReportError::Render(e.to_string()))?;
        text.push('\n');
    }
    Ok(text)
}

fn summary_line(report: &Report<'_>) -> String {
    let s = report.summary;
    let severity = |sev: Severity, one: &str, many: &str| {
        count(s.findings.get(&sev).copied().unwrap_or(0), one, many)
    };
    let total: usize = s.findings.values().sum();
    let mut rules = format!("{} enabled", count(s.rules, "rule", "rules"));
    if s.repository_rules_not_run > 0 {
        rules.push_str(&format!(
            " ({} did not run: {} a directory)",
            count(
                s.repository_rules_not_run,
                "repository rule",
                "repository rules"
            ),
            if s.repository_rules_not_run == 1 {
                "it needs"
            } else {
                "they need"
            }
        ));
    }
    let files = format!(
        "{} ({}, {}, {} not Kubernetes), {rules}",
        count(s.files, "file", "files"),
        count(s.documents, "document", "documents"),
        count(s.objects, "Kubernetes object", "Kubernetes objects"),
        s.non_kubernetes_documents,
    );
    let mut hidden = Vec::new();
    if s.suppressed > 0 {
        hidden.push(format!("{} suppressed", s.suppressed));
    }
    if s.baselined > 0 {
        hidden.push(format!("{} in the baseline", s.baselined));
    }
    if s.unchanged > 0 {
        hidden.push(format!(
            "{} in unchanged files (--changed-since)",
            s.unchanged
        ));
    }
    if s.baseline_fixed > 0 {
        hidden.push(format!(
            "{} fixed",
            count(s.baseline_fixed, "baselined finding", "baselined findings")
        ));
    }
    if s.baseline_unchecked > 0 {
        hidden.push(format!(
            "{} not checked (a file failed to parse or could not be read)",
            count(
                s.baseline_unchecked,
                "baselined finding",
                "baselined findings"
            )
        ));
    }
    let mut trailer = if hidden.is_empty() {
        String::new()
    } else {
        format!(" Not shown: {}.", hidden.join(", "))
    };
    // Nothing to say when no cluster was found to render.
    let rendered = s
        .render
        .as_ref()
        .filter(|r| r.clusters > 0)
        .map_or_else(String::new, |r| {
            format!(
                " Rendered {} ({}, {} evaluated); {} no cluster renders judged as written.",
                count(r.clusters, "cluster", "clusters"),
                count(r.objects, "object", "objects"),
                r.evaluated,
                count(r.unrendered_files, "file", "files"),
            )
        });
    trailer.insert_str(0, &rendered);
    // The profile explains which conventions were checked (a single-tenant repository
    // is not held to the multi-tenancy lockdown).
    if let Some(profile) = &s.profile {
        let reason = s.profile_reason.as_deref().unwrap_or("");
        let how = if reason == "configured" {
            "configured".to_owned()
        } else {
            format!("detected: {reason}")
        };
        trailer.push_str(&format!(" Profile: {profile} ({how})."));
    }
    if total == 0 {
        format!("No findings in {files}.{trailer}\n")
    } else {
        format!(
            "{} ({}, {}, {}) in {files}.{trailer}\n",
            count(total, "finding", "findings"),
            severity(Severity::Error, "error", "errors"),
            severity(Severity::Warning, "warning", "warnings"),
            severity(Severity::Note, "note", "notes"),
        )
    }
}

/// Rules listed by the summary before "and N more".
const TOP_RULES: usize = 10;

/// The rules with the most findings, most first (ties by id), up to [`TOP_RULES`];
/// empty when there is no finding.
fn findings_by_rule(report: &Report<'_>) -> String {
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for finding in report.findings {
        *per_rule.entry(finding.rule.as_str()).or_insert(0) += 1;
    }
    if per_rule.is_empty() {
        return String::new();
    }
    let mut ranked: Vec<(&str, usize)> = per_rule.into_iter().collect();
    // Stable: ids stay in order among equal counts.
    ranked.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    let shown = &ranked[..ranked.len().min(TOP_RULES)];
    let count_width = shown
        .iter()
        .map(|(_, n)| n.to_string().len())
        .max()
        .unwrap_or(1);
    let id_width = shown.iter().map(|(id, _)| id.len()).max().unwrap_or(0);
    let mut text = String::from("Findings by rule:\n");
    for (id, n) in shown {
        let title = rule_meta(report, id).map_or("", |meta| meta.title.as_str());
        let line = format!("  {n:>count_width$}  {id:<id_width$}  {title}");
        text.push_str(line.trim_end());
        text.push('\n');
    }
    let rest = &ranked[shown.len()..];
    if !rest.is_empty() {
        let findings: usize = rest.iter().map(|(_, n)| n).sum();
        let rules = if rest.len() == 1 { "rule" } else { "rules" };
        text.push_str(&format!(
            "  and {} more {rules} with {}\n",
            rest.len(),
            count(findings, "finding", "findings")
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use hubspoke_diagnostics::{count_by_severity, Finding, RuleMeta, Severity, Summary};

    use super::*;

    fn render(findings: &[Finding], summary: &Summary, rules: &[RuleMeta], quiet: bool) -> String {
        let sources = BTreeMap::new();
        let report = Report {
            findings,
            rules,
            sources: &sources,
            summary,
            tool_version: "0",
            sarif_category: None,
            notes: &[],
        };
        let mut out = Vec::new();
        let options = HumanOptions {
            quiet,
            ..HumanOptions::default()
        };
        write(&report, &options, &mut out).expect("renders");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn one_of_each_is_singular() {
        let findings = [Finding::new("R1", Severity::Warning, "m", "a.yaml")];
        let summary = Summary {
            files: 1,
            documents: 1,
            objects: 1,
            rules: 1,
            repository_rules_not_run: 1,
            findings: count_by_severity(&findings),
            suppressed: 1,
            baselined: 1,
            baseline_fixed: 1,
            baseline_unchecked: 1,
            unchanged: 1,
            ..Summary::default()
        };
        let rules = [RuleMeta::built_in(
            "R1",
            "one-rule",
            "t",
            Severity::Warning,
            "d.",
            "h",
        )];
        assert_eq!(
            render(&findings, &summary, &rules, true),
            "1 finding (0 errors, 1 warning, 0 notes) in 1 file (1 document, 1 Kubernetes object, 0 not Kubernetes), 1 rule enabled (1 repository rule did not run: it needs a directory). Not shown: 1 suppressed, 1 in the baseline, 1 in unchanged files (--changed-since), 1 baselined finding fixed, 1 baselined finding not checked (a file failed to parse or could not be read).\nFindings by rule:\n  1  R1  one-rule\n"
        );
    }

    #[test]
    fn the_ten_rules_with_most_findings_are_listed_then_the_rest_counted() {
        // Rule Rn has n findings, for n in 1..=12.
        let findings: Vec<Finding> = (1..=12)
            .flat_map(|n| {
                (0..n)
                    .map(move |_| Finding::new(format!("R{n:02}"), Severity::Error, "m", "a.yaml"))
            })
            .collect();
        let summary = Summary {
            files: 2,
            documents: 3,
            objects: 3,
            rules: 12,
            findings: count_by_severity(&findings),
            ..Summary::default()
        };
        let text = render(&findings, &summary, &[], true);
        assert_eq!(
            text,
            "78 findings (78 errors, 0 warnings, 0 notes) in 2 files (3 documents, 3 Kubernetes objects, 0 not Kubernetes), 12 rules enabled.\nFindings by rule:\n  12  R12\n  11  R11\n  10  R10\n   9  R09\n   8  R08\n   7  R07\n   6  R06\n   5  R05\n   4  R04\n   3  R03\n  and 2 more rules with 3 findings\n"
        );
    }

    #[test]
    fn quiet_prints_nothing_without_findings() {
        let summary = Summary {
            files: 3,
            suppressed: 2,
            ..Summary::default()
        };
        assert_eq!(render(&[], &summary, &[], true), "");
        assert_eq!(
            render(&[], &summary, &[], false),
            "No findings in 3 files (0 documents, 0 Kubernetes objects, 0 not Kubernetes), 0 rules enabled. Not shown: 2 suppressed.\n"
        );
    }

    #[test]
    fn the_text_is_the_same_bytes_as_a_serial_rendering_whatever_the_thread_count() {
        for count in [0, 1, 9, 300] {
            let sample = crate::sample::sample(count);
            let report = sample.report();
            for options in [
                HumanOptions::default(),
                HumanOptions {
                    color: true,
                    width: 60,
                    quiet: false,
                },
            ] {
                let mut serial = Vec::new();
                write_serially(&report, &options, &mut serial);
                crate::sample::assert_same_on_every_pool(&serial, || {
                    let mut out = Vec::new();
                    write(&report, &options, &mut out).expect("write");
                    out
                });
            }
        }
    }

    /// One finding after the other on this thread, as the reporter used to.
    fn write_serially(report: &Report<'_>, options: &HumanOptions, out: &mut Vec<u8>) {
        let handler = handler(options);
        for finding in report.findings {
            let mut text = String::new();
            handler
                .render_report(&mut text, &diagnostic(report, finding))
                .expect("render");
            out.extend_from_slice(text.as_bytes());
            out.push(b'\n');
        }
        out.extend_from_slice(summary(report).as_bytes());
    }
}
