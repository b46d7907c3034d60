//! `--format json`: one object, `{"version", "tool", "findings", "summary"}`.
//!
//! Schema version 1. A finding is `{rule, severity, message, file, line,
//! column, end_line, end_column, object, path, related}`: positions are
//! 1-based, columns count Unicode characters, `line`… are `null` for problems
//! with a whole file, `object` is `{apiVersion, kind, namespace, name}` or
//! `null`, `path` is the field path as a dotted string (`spec.containers[0].image`),
//! `related` lists `{file, line, column, end_line, end_column, message}`, and
//! `clusters` (present when not empty) the clusters a finding on what the clusters
//! receive applies to. `notes` (present when not empty) lists what the run could not
//! check: `{message, file, line, column, end_line, end_column}`; `summary.render`
//! (present when rendering ran) counts clusters, objects and files.
//! Fields are only ever added within a schema version.

use std::io;

use hubspoke_diagnostics::Region;
use hubspoke_diagnostics::{Finding, RelatedLocation};
use serde::Serialize;

use crate::{pretty, Report, ReportError};

/// The schema version of the JSON output.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// The document; `F` is the findings array: [`JsonFinding`]s, or the same already printed.
#[derive(Serialize)]
struct JsonReport<'a, F> {
    version: u32,
    tool: Tool<'a>,
    findings: F,
    summary: &'a hubspoke_diagnostics::Summary,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<JsonNote<'a>>,
}

#[derive(Serialize)]
struct JsonNote<'a> {
    message: &'a str,
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    end_line: Option<u32>,
    end_column: Option<u32>,
}

/// How deep a finding is in the document: its fields, then `findings`' elements.
const FINDING_DEPTH: usize = 2;

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'static str,
    message: &'a str,
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    end_line: Option<u32>,
    end_column: Option<u32>,
    object: Option<&'a hubspoke_diagnostics::ObjectMeta>,
    path: String,
    related: Vec<JsonRelated<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    clusters: &'a [String],
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    end_line: Option<u32>,
    end_column: Option<u32>,
    message: &'a str,
}

fn positions(region: Option<Region>) -> [Option<u32>; 4] {
    match region {
        Some(r) => [
            Some(r.start.line),
            Some(r.start.column),
            Some(r.end.line),
            Some(r.end.column),
        ],
        None => [None; 4],
    }
}

fn finding(f: &Finding) -> JsonFinding<'_> {
    let [line, column, end_line, end_column] = positions(f.region);
    JsonFinding {
        rule: &f.rule,
        severity: f.severity.as_str(),
        message: &f.message,
        file: &f.file,
        line,
        column,
        end_line,
        end_column,
        object: f.object.as_ref(),
        path: f.path.to_string(),
        related: f.related.iter().map(related).collect(),
        clusters: &f.clusters,
    }
}

fn related(r: &RelatedLocation) -> JsonRelated<'_> {
    let [line, column, end_line, end_column] = positions(r.region);
    JsonRelated {
        file: &r.file,
        line,
        column,
        end_line,
        end_column,
        message: &r.message,
    }
}

fn document<'a, F>(report: &Report<'a>, findings: F) -> JsonReport<'a, F> {
    JsonReport {
        version: JSON_SCHEMA_VERSION,
        tool: Tool {
            name: "hubspoke-lint",
            version: report.tool_version,
        },
        findings,
        summary: report.summary,
        notes: report
            .notes
            .iter()
            .map(|n| {
                let [line, column, end_line, end_column] = positions(n.region);
                JsonNote {
                    message: &n.message,
                    file: n.file.as_deref(),
                    line,
                    column,
                    end_line,
                    end_column,
                }
            })
            .collect(),
    }
}

/// The findings are printed in parallel and placed in report order: the bytes do not
/// depend on the thread count.
pub(crate) fn write(report: &Report<'_>, out: &mut dyn io::Write) -> Result<(), ReportError> {
    let findings = pretty::elements(report.findings, FINDING_DEPTH, finding)?;
    serde_json::to_writer_pretty(&mut *out, &document(report, findings))?;
    out.write_all(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_the_same_bytes_as_a_serial_rendering_whatever_the_thread_count() {
        for count in [0, 1, 9, 300] {
            let sample = crate::sample::sample(count);
            let report = sample.report();
            let findings: Vec<JsonFinding<'_>> = report.findings.iter().map(finding).collect();
            let mut serial = serde_json::to_vec_pretty(&document(&report, findings)).expect("json");
            serial.push(b'\n');
            crate::sample::assert_same_on_every_pool(&serial, || {
                let mut out = Vec::new();
                write(&report, &mut out).expect("write");
                out
            });
        }
    }
}
