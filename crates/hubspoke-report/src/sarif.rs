//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning, as typed structs so
//! the output is exactly what we intend (serde-sarif does not build on its own).
//!
//! One run; `tool.driver.rules` from rule metadata; results with rule index,
//! level, message, a relative URI under `%SRCROOT%`, a region in UTF-16
//! columns (SARIF's default column kind), related locations and a fingerprint
//! that survives reformatting (rule + object + field path, not line numbers).

use std::collections::BTreeMap;
use std::io;

use hubspoke_diagnostics::Region;
use hubspoke_diagnostics::{Finding, RelatedLocation, RuleMeta, Severity};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::docs::rule_url;
use crate::{pretty, Report, ReportError};

/// The schema URI written into every log.
pub const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// GitHub code scanning's documented maximum of results per run.
pub const GITHUB_RESULT_LIMIT: usize = 25_000;

/// The most results one log carries: strictly below [`GITHUB_RESULT_LIMIT`], so that
/// an upload is never rejected at the boundary. Errors are kept first (see [`sarif_omitted`]).
pub const SARIF_RESULT_LIMIT: usize = GITHUB_RESULT_LIMIT - 1;

/// The base every result URI is relative to.
const SRCROOT: &str = "%SRCROOT%";

/// The log; `R` is the results array: [`SarifResult`]s, or the same already printed.
#[derive(Serialize)]
struct Log<'a, R> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a, R>>,
}

/// How deep a result is in the log: the log's fields, `runs`' elements, a run's fields,
/// `results`' elements.
const RESULT_DEPTH: usize = 4;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a, R> {
    tool: Tool<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    automation_details: Option<AutomationDetails<'a>>,
    invocations: Vec<Invocation>,
    original_uri_base_ids: BTreeMap<&'static str, BaseLocation>,
    column_kind: &'static str,
    results: R,
}

/// `%SRCROOT%` without a `uri`: the repository root is not known in a portable form,
/// and an absolute path of the machine that ran the linter must not leak into the log.
#[derive(Serialize)]
struct BaseLocation {
    description: Text,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    semantic_version: &'a str,
    information_uri: &'static str,
    rules: Vec<Descriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    short_description: Text,
    full_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    help: Help,
    default_configuration: Configuration,
    properties: DescriptorProperties<'a>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct DescriptorProperties<'a> {
    tags: &'a [String],
    precision: &'static str,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<String>,
}

#[derive(Serialize)]
struct AutomationDetails<'a> {
    id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties<'a>>,
}

/// Properties of a result: the clusters a finding on what they receive applies to.
#[derive(Serialize)]
struct ResultProperties<'a> {
    clusters: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: SarifRegion,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Text>,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn descriptor(meta: &RuleMeta) -> Descriptor<'_> {
    // User policies have no page in docs/rules.md; a link to nowhere is worse than none.
    let documented = meta.bundled;
    let mut markdown = format!(
        "**{}** ({})\n\n{}\n\n**Fix:** {}",
        meta.title, meta.id, meta.description, meta.help
    );
    if !meta.kyverno.is_empty() {
        let refs: Vec<String> = meta
            .kyverno
            .iter()
            .map(|k| format!("`{}/{}`", k.policy, k.rule))
            .collect();
        markdown.push_str(&format!("\n\nEquivalent Kyverno rule: {}", refs.join(", ")));
    }
    Descriptor {
        id: &meta.id,
        // SARIF1001: a name equal to the id must be omitted.
        name: Some(pascal_case(&meta.title))
            .filter(|n| !n.eq_ignore_ascii_case(&meta.id.replace('-', ""))),
        short_description: Text {
            text: meta.summary().to_owned(),
        },
        full_description: Text {
            text: meta.description.clone(),
        },
        help_uri: documented.then(|| rule_url(meta)),
        help: Help {
            text: meta.help.clone(),
            markdown,
        },
        default_configuration: Configuration {
            level: level(meta.severity),
        },
        properties: DescriptorProperties {
            tags: &meta.tags,
            precision: "very-high",
            problem_severity: match meta.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "recommendation",
            },
            security_severity: meta.security_severity.map(|s| format!("{s:.1}")),
        },
    }
}

fn pascal_case(title: &str) -> String {
    title
        .split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// SARIF URIs are relative references; encode what RFC 3986 does not allow raw.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A whole-file problem (empty, binary, too large...) has no place in the text; it
/// points at line 1, column 1, because viewers and the SARIF multitool expect a region.
const FILE_START: SarifRegion = SarifRegion {
    start_line: 1,
    start_column: 1,
    end_line: 1,
    end_column: 1,
    snippet: None,
};

fn region(region: Option<Region>, source: Option<&str>) -> SarifRegion {
    let Some(r) = region else {
        return FILE_START;
    };
    let snippet = source
        .and_then(|text| text.get(r.start.offset..r.end.offset))
        .filter(|s| !s.is_empty() && s.len() <= 200)
        .map(|s| Text { text: s.to_owned() });
    SarifRegion {
        start_line: r.start.line,
        start_column: r.start.column_utf16,
        end_line: r.end.line,
        end_column: r.end.column_utf16.max(if r.end.line == r.start.line {
            r.start.column_utf16
        } else {
            1
        }),
        snippet,
    }
}

fn location(file: &str, r: Option<Region>, report: &Report<'_>) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: uri(file),
            uri_base_id: SRCROOT,
        },
        region: region(r, report.sources.get(file).map(|s| &**s)),
    }
}

/// A fingerprint that survives moving lines: rule, file, object and field path.
fn fingerprint(f: &Finding) -> String {
    let mut hasher = Sha256::new();
    hasher.update(f.rule.as_bytes());
    hasher.update([0]);
    hasher.update(f.file.as_bytes());
    hasher.update([0]);
    if let Some(o) = &f.object {
        for part in [
            o.api_version.as_str(),
            o.kind.as_str(),
            o.namespace.as_deref().unwrap_or(""),
            o.name.as_deref().unwrap_or(""),
        ] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
    }
    hasher.update(f.path.to_string().as_bytes());
    if f.object.is_none() && f.path.is_empty() {
        // Input problems have no object; their message tells them apart.
        hasher.update(f.message.as_bytes());
    }
    let digest = hasher.finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn related(r: &RelatedLocation, id: usize, report: &Report<'_>) -> Location {
    Location {
        id: Some(id),
        physical_location: location(&r.file, r.region, report),
        message: Some(Text {
            text: r.message.clone(),
        }),
    }
}

/// The findings a log carries, with their rule index, in report order, and how many were
/// left out. Past [`SARIF_RESULT_LIMIT`] the most severe are kept (errors first, then in
/// report order), so a flood of notes never pushes an error out of the upload.
fn select<'a>(
    report: &Report<'a>,
    rule_index: &BTreeMap<&str, usize>,
) -> (Vec<(&'a Finding, usize)>, usize) {
    let mut kept: Vec<(usize, &'a Finding, usize)> = report
        .findings
        .iter()
        .enumerate()
        .filter_map(|(order, f)| Some((order, f, *rule_index.get(f.rule.as_str())?)))
        .collect();
    let omitted = kept.len().saturating_sub(SARIF_RESULT_LIMIT);
    if omitted > 0 {
        kept.sort_by(|a, b| b.1.severity.cmp(&a.1.severity).then(a.0.cmp(&b.0)));
        kept.truncate(SARIF_RESULT_LIMIT);
        kept.sort_by_key(|(order, _, _)| *order);
    }
    let kept = kept.into_iter().map(|(_, f, index)| (f, index)).collect();
    (kept, omitted)
}

/// How many findings `--format sarif` leaves out of this report (0 below the limit).
pub fn sarif_omitted(report: &Report<'_>) -> usize {
    // Counted on the pool's threads: on ~20,000 findings a serial count is a few ms
    // while the other threads wait for the report.
    let known = report
        .findings
        .par_iter()
        .filter(|f| crate::rule_meta(report, &f.rule).is_some())
        .count();
    known.saturating_sub(SARIF_RESULT_LIMIT)
}

fn result<'a>(f: &'a Finding, rule_index: usize, report: &Report<'_>) -> SarifResult<'a> {
    SarifResult {
        rule_id: &f.rule,
        rule_index,
        level: level(f.severity),
        message: Text {
            text: f.message.clone(),
        },
        locations: vec![Location {
            id: None,
            physical_location: location(&f.file, f.region, report),
            message: None,
        }],
        related_locations: f
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| related(r, i + 1, report))
            .collect(),
        partial_fingerprints: BTreeMap::from([("hubspokeFindingHash/v1", fingerprint(f))]),
        properties: (!f.clusters.is_empty()).then(|| ResultProperties {
            clusters: &f.clusters,
        }),
    }
}

/// The log around `results`, with a notification when `omitted` results were left out.
fn log<'a, R>(report: &Report<'a>, results: R, kept: usize, omitted: usize) -> Log<'a, R> {
    let mut notifications = Vec::new();
    if omitted > 0 {
        notifications.push(Notification {
            level: "warning",
            message: Text {
                text: format!(
                    "{} results exceed GitHub's limit of {GITHUB_RESULT_LIMIT} per run; the {SARIF_RESULT_LIMIT} most severe are included, {omitted} omitted",
                    kept + omitted
                ),
            },
            locations: Vec::new(),
        });
    }
    for note in report.notes {
        notifications.push(Notification {
            level: "note",
            message: Text {
                text: note.message.clone(),
            },
            locations: note
                .file
                .iter()
                .map(|file| Location {
                    id: None,
                    physical_location: location(file, note.region, report),
                    message: None,
                })
                .collect(),
        });
    }
    Log {
        schema: SARIF_SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "hubspoke-lint",
                    version: report.tool_version,
                    semantic_version: report.tool_version,
                    information_uri: "https://github.com/hubspoke-lint/hubspoke-lint",
                    rules: report.rules.iter().map(descriptor).collect(),
                },
            },
            automation_details: report.sarif_category.map(|id| AutomationDetails { id }),
            invocations: vec![Invocation {
                execution_successful: true,
                tool_execution_notifications: notifications,
            }],
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                BaseLocation {
                    description: Text {
                        text: "The directory hubspoke-lint ran in; result URIs are relative to it."
                            .to_owned(),
                    },
                },
            )]),
            column_kind: "utf16CodeUnits",
            results,
        }],
    }
}

fn rule_indices<'a>(report: &Report<'a>) -> BTreeMap<&'a str, usize> {
    report
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect()
}

/// The results (snippets, fingerprints, their JSON text) are built in parallel and
/// placed in report order: the bytes do not depend on the thread count.
pub(crate) fn write(report: &Report<'_>, out: &mut dyn io::Write) -> Result<(), ReportError> {
    let (kept, omitted) = select(report, &rule_indices(report));
    let results = pretty::elements(&kept, RESULT_DEPTH, |(f, index)| result(f, *index, report))?;
    serde_json::to_writer_pretty(&mut *out, &log(report, results, kept.len(), omitted))?;
    out.write_all(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            uri("apps/ünï code/a b.yaml"),
            "apps/%C3%BCn%C3%AF%20code/a%20b.yaml"
        );
    }

    fn finding(severity: Severity, line: usize) -> Finding {
        Finding {
            rule: "r".to_owned(),
            severity,
            message: format!("finding {line}"),
            file: "a.yaml".to_owned(),
            region: None,
            object: None,
            effective_namespace: None,
            clusters: Vec::new(),
            path: Default::default(),
            related: Vec::new(),
        }
    }

    #[test]
    fn past_the_limit_errors_are_kept_first_and_report_order_is_kept() {
        // Notes first in report order, then two errors, then a warning.
        let mut findings: Vec<Finding> = (0..SARIF_RESULT_LIMIT)
            .map(|i| finding(Severity::Note, i))
            .collect();
        findings.push(finding(Severity::Error, 1));
        findings.push(finding(Severity::Error, 2));
        findings.push(finding(Severity::Warning, 3));
        let rules = vec![RuleMeta::built_in(
            "r",
            "r",
            "input",
            Severity::Note,
            "A rule.",
            "Fix it.",
        )];
        let sources = BTreeMap::new();
        let summary = hubspoke_diagnostics::Summary::default();
        let report = Report {
            findings: &findings,
            rules: &rules,
            sources: &sources,
            summary: &summary,
            tool_version: "0.0.0",
            sarif_category: None,
            notes: &[],
        };
        let index = BTreeMap::from([("r", 0)]);
        let (kept, omitted) = select(&report, &index);
        assert_eq!(omitted, 3);
        assert_eq!(sarif_omitted(&report), 3);
        assert_eq!(kept.len(), SARIF_RESULT_LIMIT);
        let severities: Vec<Severity> = kept.iter().map(|(f, _)| f.severity).collect();
        // The last three notes make room; the rest keeps the report's order.
        assert_eq!(
            severities[..SARIF_RESULT_LIMIT - 3],
            vec![Severity::Note; SARIF_RESULT_LIMIT - 3]
        );
        assert_eq!(
            severities[SARIF_RESULT_LIMIT - 3..],
            [Severity::Error, Severity::Error, Severity::Warning]
        );
    }

    #[test]
    fn whole_file_problems_point_at_the_start_of_the_file() {
        let r = region(None, Some("a: 1\n"));
        assert_eq!(
            (r.start_line, r.start_column, r.end_line, r.end_column),
            (1, 1, 1, 1)
        );
    }

    /// The log as one serial `to_writer_pretty` of typed results writes it.
    fn write_serially(report: &Report<'_>) -> Vec<u8> {
        let (kept, omitted) = select(report, &rule_indices(report));
        let results: Vec<SarifResult<'_>> = kept
            .iter()
            .map(|(f, index)| result(f, *index, report))
            .collect();
        let mut out =
            serde_json::to_vec_pretty(&log(report, results, kept.len(), omitted)).expect("log");
        out.push(b'\n');
        out
    }

    #[test]
    fn the_log_is_the_same_bytes_as_a_serial_rendering_whatever_the_thread_count() {
        for count in [0, 1, 9, 300] {
            let sample = crate::sample::sample(count);
            let report = sample.report();
            let serial = write_serially(&report);
            crate::sample::assert_same_on_every_pool(&serial, || {
                let mut out = Vec::new();
                write(&report, &mut out).expect("write");
                out
            });
        }
    }

    #[test]
    fn titles_become_pascal_case_names() {
        assert_eq!(pascal_case("privileged-container"), "PrivilegedContainer");
    }
}
