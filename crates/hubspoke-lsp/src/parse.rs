//! Parsing an open buffer. A clean buffer is parsed exactly as the CLI parses
//! a file. A broken one (the normal state while typing) is parsed again with
//! the broken document blanked out, so the documents after it keep their
//! findings: the parser stops at the first syntax error, and without this one
//! unclosed quote would hide every finding below it.

use hubspoke_manifest::{
    parse_bytes, parse_text, FileProblem, ParseLimits, ParsedFile, ProblemCode,
};

/// At most this many broken documents are skipped in one buffer.
const MAX_PASSES: usize = 32;

/// A parsed buffer and where it is broken.
pub(crate) struct ParsedBuffer {
    pub file: ParsedFile,
    /// The 1-based lines `[from, to)` of each document blanked out for a
    /// syntax error; empty when the buffer parsed.
    pub broken: Vec<(u32, u32)>,
}

/// Parse `text` as the file `path` (relative to the workspace root).
pub(crate) fn parse_buffer(path: &str, text: &str, limits: ParseLimits) -> ParsedBuffer {
    let first = parse_bytes(path, path, text.as_bytes().to_vec(), limits);
    if syntax_error_line(&first).is_none() {
        return ParsedBuffer {
            file: first,
            broken: Vec::new(),
        };
    }
    let mut broken = Vec::new();
    let separators = separator_lines(text);
    let mut masked = text.to_owned();
    let mut earlier: Vec<FileProblem> = Vec::new();
    let source = first.source.clone(); // Arcs: no copy of the text
    let mut current = first;
    for _ in 0..MAX_PASSES {
        let Some(error_line) = syntax_error_line(&current) else {
            break;
        };
        let (from, to) = broken_document(&separators, error_line);
        if !mask_lines(&mut masked, from, to) {
            break;
        }
        broken.push((from, to));
        earlier.extend(
            current
                .problems
                .iter()
                .filter(|p| p.code == ProblemCode::ParseError)
                .cloned(),
        );
        current = parse_text(path, path, masked.as_str(), limits);
    }
    let mut problems = earlier;
    problems.extend(
        current
            .problems
            .into_iter()
            .filter(|p| p.code != ProblemCode::EmptyFile),
    );
    // Marks of the blanked parse are valid in the original text: blanking
    // keeps every line break and every byte offset.
    ParsedBuffer {
        file: ParsedFile {
            source,
            documents: current.documents,
            problems,
        },
        broken,
    }
}

fn syntax_error_line(file: &ParsedFile) -> Option<u32> {
    file.problems
        .iter()
        .find(|p| p.code == ProblemCode::ParseError)
        .and_then(|p| p.region)
        .map(|r| r.start.line)
}

/// 1-based numbers of the lines that start a document (`---`).
fn separator_lines(text: &str) -> Vec<u32> {
    text.split('\n')
        .enumerate()
        .filter(|(_, line)| {
            line.strip_prefix("---")
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']))
        })
        .map(|(i, _)| i as u32 + 1)
        .collect()
}

/// The lines `[from, to)` of the document a syntax error at `line` belongs to.
/// An error reported on a `---` line belongs to the document before it: the
/// parser only noticed there that something was left open.
fn broken_document(separators: &[u32], line: u32) -> (u32, u32) {
    let from = separators
        .iter()
        .rev()
        .find(|s| **s < line)
        .map_or(1, |s| s + 1);
    let to = separators
        .iter()
        .find(|s| **s >= line)
        .copied()
        .unwrap_or(u32::MAX);
    (from, to)
}

/// Replace every character of lines `[from, to)` with spaces of the same byte
/// length. Returns whether anything was blanked.
fn mask_lines(text: &mut String, from: u32, to: u32) -> bool {
    let mut changed = false;
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let number = i as u32 + 1;
        if number < from || number >= to {
            out.push_str(line);
            continue;
        }
        for ch in line.chars() {
            if ch == '\n' || ch == '\r' {
                out.push(ch);
            } else {
                if ch != ' ' {
                    changed = true;
                }
                out.extend(std::iter::repeat_n(' ', ch.len_utf8()));
            }
        }
    }
    *text = out;
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n";

    #[test]
    fn documents_after_a_broken_one_are_still_read() {
        let text = format!(
            "{GOOD}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: \"b\n  x: 1\n---\n{}",
            GOOD.replace("name: a", "name: ü")
        );
        let ParsedBuffer { file, broken } = parse_buffer("a.yaml", &text, ParseLimits::default());
        assert_eq!(broken, vec![(6, 11)]);
        let names: Vec<Option<String>> = file
            .documents
            .iter()
            .map(|d| d.object.as_ref().and_then(|o| o.name.clone()))
            .collect();
        assert_eq!(
            names,
            vec![Some("a".to_owned()), None, Some("ü".to_owned())]
        );
        assert_eq!(file.problems.len(), 1);
        assert_eq!(file.problems[0].code, ProblemCode::ParseError);
        assert_eq!(&*file.source.text, text.as_str());
        // Positions in the third document are those of the original text.
        let third = &file.documents[2];
        let name = third
            .root
            .get("metadata")
            .and_then(|m| m.get("name"))
            .expect("name");
        let region = file.source.region(name.span);
        assert_eq!(
            &file.source.text[region.start.offset..region.end.offset],
            "ü"
        );
        assert_eq!(region.start.line, 15);
    }

    #[test]
    fn every_broken_document_is_reported() {
        let text = format!("{GOOD}---\na: [\n---\n{GOOD}---\nb: {{\n---\n{GOOD}");
        let ParsedBuffer { file, broken } = parse_buffer("a.yaml", &text, ParseLimits::default());
        assert_eq!(broken, vec![(6, 7), (13, 14)]);
        let lines: Vec<u32> = file
            .problems
            .iter()
            .filter_map(|p| p.region.map(|r| r.start.line))
            .collect();
        assert_eq!(file.problems.len(), 2, "{:?}", file.problems);
        assert!(lines[0] <= 7 && lines[1] > 7, "{lines:?}");
        assert_eq!(file.objects().count(), 3);
    }

    #[test]
    fn clean_buffers_parse_as_files_do() {
        let ParsedBuffer { file, broken } = parse_buffer("a.yaml", GOOD, ParseLimits::default());
        assert!(broken.is_empty());
        assert!(file.problems.is_empty());
        assert_eq!(file.documents.len(), 1);
    }
}
