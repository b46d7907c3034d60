//! `--format github`: GitHub Actions workflow commands, one annotation per finding.
//! GitHub caps how many annotations a step shows; SARIF stays the complete channel.

use std::fmt::Write as _;
use std::io;

use hubspoke_diagnostics::{Finding, Severity};
use rayon::prelude::*;

use crate::{Report, ReportError};

/// Escape a message (`%`, CR, LF).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (also `:` and `,`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Annotations built per parallel task.
const FINDINGS_PER_TASK: usize = 256;

/// Annotations are built in parallel and written in report order: the bytes do not
/// depend on the thread count.
pub(crate) fn write(report: &Report<'_>, out: &mut dyn io::Write) -> Result<(), ReportError> {
    let texts: Vec<String> = report
        .findings
        .par_chunks(FINDINGS_PER_TASK)
        .map(|findings| {
            let mut text = String::new();
            for f in findings {
                annotation(report, f, &mut text);
            }
            text
        })
        .collect();
    for text in texts {
        out.write_all(text.as_bytes())?;
    }
    for note in report.notes {
        let mut properties = Vec::new();
        if let Some(file) = &note.file {
            properties.push(format!("file={}", escape_property(file)));
            if let Some(r) = note.region {
                properties.push(format!("line={}", r.start.line));
                properties.push(format!("col={}", r.start.column));
            }
        }
        properties.push("title=not checked".to_owned());
        writeln!(
            out,
            "::notice {}::{}",
            properties.join(","),
            escape_data(&note.message)
        )?;
    }
    Ok(())
}

/// One workflow command line.
fn annotation(report: &Report<'_>, f: &Finding, out: &mut String) {
    let command = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let mut properties = vec![format!("file={}", escape_property(&f.file))];
    if let Some(r) = f.region {
        properties.push(format!("line={}", r.start.line));
        properties.push(format!("endLine={}", r.end.line));
        properties.push(format!("col={}", r.start.column));
        if r.end.line == r.start.line {
            properties.push(format!("endColumn={}", r.end.column));
        }
    }
    let title = match crate::rule_meta(report, &f.rule) {
        Some(meta) if meta.title != f.rule => format!("{} {}", f.rule, meta.title),
        Some(_) => f.rule.clone(),
        None => f.rule.clone(),
    };
    properties.push(format!("title={}", escape_property(&title)));
    let message = f.message_with_clusters();
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "::{command} {}::{}",
        properties.join(","),
        escape_data(&message)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_values_are_escaped() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }

    #[test]
    fn annotations_are_the_same_bytes_as_a_serial_rendering_whatever_the_thread_count() {
        let sample = crate::sample::sample(1000);
        let report = sample.report();
        let mut serial = String::new();
        for f in report.findings {
            annotation(&report, f, &mut serial);
        }
        assert_eq!(serial.lines().count(), 1000);
        crate::sample::assert_same_on_every_pool(serial.as_bytes(), || {
            let mut out = Vec::new();
            write(&report, &mut out).expect("write");
            out
        });
    }
}
