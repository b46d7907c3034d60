//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning, as typed structs so
//! the output is exactly what we intend (serde-sarif does not build on its own).
//!
//! One run; `tool.driver.rules` from rule metadata; results with rule index,
//! level, message, a relative URI under `%SRCROOT%`, a region in UTF-16
//! columns (SARIF's default column kind), related locations and a fingerprint
//! that survives reformatting (rule + object + field path, not line numbers).

use std::collections::BTreeMap;
use std::io;

use hubspoke_engine::{Finding, RelatedLocation, RuleMeta, Severity};
use hubspoke_manifest::Region;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::json::dotted;
use crate::{Report, ReportError};

/// The schema URI written into every log.
pub const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// GitHub code scanning accepts at most this many results per run.
pub const GITHUB_RESULT_LIMIT: usize = 25_000;

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    automation_details: Option<AutomationDetails<'a>>,
    invocations: Vec<Invocation>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<SarifRegion>,
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

fn region(region: Option<Region>, source: Option<&str>) -> Option<SarifRegion> {
    let r = region?;
    let snippet = source
        .and_then(|text| text.get(r.start.offset..r.end.offset))
        .filter(|s| !s.is_empty() && s.len() <= 200)
        .map(|s| Text { text: s.to_owned() });
    Some(SarifRegion {
        start_line: r.start.line,
        start_column: r.start.column_utf16,
        end_line: r.end.line,
        end_column: r.end.column_utf16.max(if r.end.line == r.start.line {
            r.start.column_utf16
        } else {
            1
        }),
        snippet,
    })
}

fn location(file: &str, r: Option<Region>, report: &Report<'_>) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: uri(file),
            uri_base_id: "%SRCROOT%",
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
    hasher.update(dotted(&f.path).as_bytes());
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

pub(crate) fn write(report: &Report<'_>, out: &mut dyn io::Write) -> Result<(), ReportError> {
    let rule_index: BTreeMap<&str, usize> = report
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut notifications = Vec::new();
    let kept = if report.findings.len() > GITHUB_RESULT_LIMIT {
        notifications.push(Notification {
            level: "warning",
            message: Text {
                text: format!(
                    "{} results exceed GitHub's limit of {GITHUB_RESULT_LIMIT} per run; only the first {GITHUB_RESULT_LIMIT} are included",
                    report.findings.len()
                ),
            },
        });
        &report.findings[..GITHUB_RESULT_LIMIT]
    } else {
        report.findings
    };
    let results = kept
        .iter()
        .filter_map(|f| {
            let index = *rule_index.get(f.rule.as_str())?;
            Some(SarifResult {
                rule_id: &f.rule,
                rule_index: index,
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
            })
        })
        .collect();
    let log = Log {
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
            column_kind: "utf16CodeUnits",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
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

    #[test]
    fn titles_become_pascal_case_names() {
        assert_eq!(pascal_case("privileged-container"), "PrivilegedContainer");
    }
}
