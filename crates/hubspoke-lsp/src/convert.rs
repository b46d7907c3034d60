//! Between our findings and the protocol's types. This is the only module that
//! knows LSP positions are 0-based lines and UTF-16 code units, while ours are
//! 1-based (`Region::start.column_utf16` already counts UTF-16 units).

use std::path::Path;
use std::str::FromStr;

use hubspoke_engine::{Finding, RuleMeta, Severity};
use hubspoke_manifest::{Position as SourcePosition, Region};
use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, Range, TextDocumentContentChangeEvent, Uri,
};

use crate::uri;

/// The `source` of every diagnostic we publish.
pub const SOURCE: &str = "hubspoke-lint";

/// Where a rule's documentation lives: its section of `docs/rules.md`, whose
/// anchor is made from the rule's title (see `catalog`, sorted by id); the
/// page itself for a rule the catalog does not know.
pub fn rule_docs_url(catalog: &[RuleMeta], rule: &str) -> String {
    match catalog.binary_search_by(|meta| meta.id.as_str().cmp(rule)) {
        Ok(found) => hubspoke_report::docs::rule_url(&catalog[found]),
        Err(_) => hubspoke_report::docs::RULES_DOCUMENT_URL.to_owned(),
    }
}

/// A source position as an LSP position.
pub fn position(at: &SourcePosition) -> Position {
    Position {
        line: at.line.saturating_sub(1),
        character: at.column_utf16.saturating_sub(1),
    }
}

/// A source region as an LSP range; a whole-file finding gets the file's start.
pub fn range(region: Option<&Region>) -> Range {
    region.map_or_else(Range::default, |r| Range {
        start: position(&r.start),
        end: position(&r.end),
    })
}

/// Whether `at` lies in `range` (both ends included, so that an empty range
/// such as a parse error's point can be hovered).
pub fn contains(range: &Range, at: Position) -> bool {
    range.start <= at && at <= range.end
}

/// Whether two ranges share a position (ends included).
pub fn overlaps(a: &Range, b: &Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Note => DiagnosticSeverity::INFORMATION,
    }
}

/// Where a document is, for resolving the files findings name.
#[derive(Debug, Clone, Copy)]
pub struct DocumentPlace<'a> {
    /// The document's URI.
    pub uri: &'a Uri,
    /// The path findings in it carry as `file`.
    pub display_path: &'a str,
    /// The workspace root other display paths are relative to.
    pub root: Option<&'a Path>,
}

impl DocumentPlace<'_> {
    fn uri_of(&self, file: &str) -> Uri {
        if file == self.display_path {
            return self.uri.clone();
        }
        let path = Path::new(file);
        let absolute = match self.root {
            Some(root) if path.is_relative() => root.join(path),
            _ => path.to_path_buf(),
        };
        uri::from_path(&absolute)
            .or_else(|| Uri::from_str(file).ok())
            .unwrap_or_else(|| self.uri.clone())
    }
}

/// A finding as an LSP diagnostic; `catalog` (sorted by id) gives its documentation link.
pub fn diagnostic(
    finding: &Finding,
    place: &DocumentPlace<'_>,
    catalog: &[RuleMeta],
) -> Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = finding
        .related
        .iter()
        .map(|r| DiagnosticRelatedInformation {
            location: Location {
                uri: place.uri_of(&r.file),
                range: range(r.region.as_ref()),
            },
            message: r.message.clone(),
        })
        .collect();
    Diagnostic {
        range: range(finding.region.as_ref()),
        severity: Some(severity(finding.severity)),
        code: Some(NumberOrString::String(finding.rule.clone())),
        code_description: Uri::from_str(&rule_docs_url(catalog, &finding.rule))
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_owned()),
        message: finding.message_with_clusters().into_owned(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// The byte offset of an LSP position in `text`, clamped to the line's end
/// (and to the text's end for lines past it).
pub fn offset(text: &str, at: Position) -> usize {
    let mut line_start = 0usize;
    for _ in 0..at.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let mut units = 0u32;
    for (i, ch) in text[line_start..line_end].char_indices() {
        if units >= at.character {
            return line_start + i;
        }
        units += ch.len_utf16() as u32;
    }
    line_end
}

/// Apply one `didChange` content change: a whole new text, or a range replaced.
pub fn apply_change(text: &mut String, change: TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let start = offset(text, range.start);
            let end = offset(text, range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hubspoke_manifest::SourceFile;

    #[test]
    fn positions_are_zero_based_utf16() {
        let file = SourceFile::new("a.yaml", "a.yaml", "a: 1\nimage: \"ü😀x\"\n");
        let start = file.region_of_offsets(19, 20).start; // the `x`
        assert_eq!((start.line, start.column, start.column_utf16), (2, 11, 12));
        assert_eq!(
            position(&start),
            Position {
                line: 1,
                character: 11
            }
        );
        assert_eq!(offset(&file.text, position(&start)), 19);
    }

    #[test]
    fn documentation_links_land_on_the_rules_heading() {
        let catalog = hubspoke_workspace::Settings::bundled().catalog;
        assert_eq!(
            rule_docs_url(&catalog, "BP005"),
            "https://github.com/hubspoke-lint/hubspoke-lint/blob/main/docs/rules.md#bp005--pod-without-required-labels"
        );
        assert_eq!(
            rule_docs_url(&catalog, "schema/invalid"),
            "https://github.com/hubspoke-lint/hubspoke-lint/blob/main/docs/rules.md#schemainvalid--schema-violation"
        );
        assert_eq!(
            rule_docs_url(&catalog, "config-error"),
            "https://github.com/hubspoke-lint/hubspoke-lint/blob/main/docs/rules.md"
        );
    }

    #[test]
    fn range_changes_apply_in_utf16_units() {
        let mut text = "a: ü😀x\nb: 2\n".to_owned();
        apply_change(
            &mut text,
            TextDocumentContentChangeEvent {
                range: Some(Range {
                    start: Position {
                        line: 0,
                        character: 6,
                    },
                    end: Position {
                        line: 0,
                        character: 7,
                    },
                }),
                range_length: None,
                text: "y".to_owned(),
            },
        );
        assert_eq!(text, "a: ü😀y\nb: 2\n");
        assert_eq!(
            offset(
                &text,
                Position {
                    line: 9,
                    character: 0
                }
            ),
            text.len()
        );
    }
}
