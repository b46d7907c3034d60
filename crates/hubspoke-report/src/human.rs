//! `--format human`: miette diagnostics with the rule id, the message, a code
//! frame with the offending field underlined, and the rule's help; then a summary.

use std::fmt;
use std::io;
use std::sync::Arc;

use hubspoke_diagnostics::{Finding, Severity};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};

use rayon::prelude::*;

use crate::{rule_meta, Report, ReportError};

/// How to render for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanOptions {
    /// ANSI colours.
    pub color: bool,
    /// Wrap width.
    pub width: usize,
}

impl Default for HumanOptions {
    fn default() -> Self {
        HumanOptions {
            color: false,
            width: 100,
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
    let headline = match (finding.region, source_text) {
        (Some(region), Some(text)) => {
            source = Some(NamedSource::new(&finding.file, Arc::clone(text)));
            labels.push(LabeledSpan::new_primary_with_span(
                Some(label(finding)),
                SourceSpan::new(region.start.offset.into(), region.len()),
            ));
            finding.message.clone()
        }
        (Some(region), None) => format!(
            "{}:{}:{}: {}",
            finding.file, region.start.line, region.start.column, finding.message
        ),
        (None, _) => format!("{}: {}", finding.file, finding.message),
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
    let handler = handler(options);
    for batch in report.findings.chunks(FINDINGS_PER_BATCH) {
        let texts: Vec<String> = batch
            .par_chunks(FINDINGS_PER_TASK)
            .map(|findings| render(report, &handler, findings))
            .collect::<Result<_, _>>()?;
        for text in texts {
            out.write_all(text.as_bytes())?;
        }
    }
    out.write_all(summary_line(report).as_bytes())?;
    Ok(())
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
    let count = |sev: Severity| s.findings.get(&sev).copied().unwrap_or(0);
    let total: usize = s.findings.values().sum();
    let files = format!(
        "{} file{} ({} document{}, {} Kubernetes object{}, {} not Kubernetes), {} rules",
        s.files,
        plural(s.files),
        s.documents,
        plural(s.documents),
        s.objects,
        plural(s.objects),
        s.non_kubernetes_documents,
        s.rules
    );
    let mut hidden = Vec::new();
    if s.suppressed > 0 {
        hidden.push(format!("{} suppressed", s.suppressed));
    }
    if s.baselined > 0 {
        hidden.push(format!("{} in the baseline", s.baselined));
    }
    if s.baseline_fixed > 0 {
        hidden.push(format!(
            "{} baselined finding{} fixed",
            s.baseline_fixed,
            plural(s.baseline_fixed)
        ));
    }
    let mut trailer = if hidden.is_empty() {
        String::new()
    } else {
        format!(" Not shown: {}.", hidden.join(", "))
    };
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
            "{total} finding{} ({} error{}, {} warning{}, {} note{}) in {files}.{trailer}\n",
            plural(total),
            count(Severity::Error),
            plural(count(Severity::Error)),
            count(Severity::Warning),
            plural(count(Severity::Warning)),
            count(Severity::Note),
            plural(count(Severity::Note)),
        )
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        out.extend_from_slice(summary_line(report).as_bytes());
    }
}
