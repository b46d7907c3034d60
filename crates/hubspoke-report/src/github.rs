//! `--format github`: GitHub Actions workflow commands, one annotation per finding.
//! GitHub caps how many annotations a step shows; SARIF stays the complete channel.

use std::io;

use hubspoke_diagnostics::Severity;

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

pub(crate) fn write(report: &Report<'_>, out: &mut dyn io::Write) -> Result<(), ReportError> {
    for f in report.findings {
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
        let message = if f.clusters.is_empty() {
            f.message.clone()
        } else {
            format!("{} [clusters: {}]", f.message, f.clusters.join(", "))
        };
        writeln!(
            out,
            "::{command} {}::{}",
            properties.join(","),
            escape_data(&message)
        )?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_values_are_escaped() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
