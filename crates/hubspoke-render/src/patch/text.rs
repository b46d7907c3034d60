//! Patches written inline in a kustomization (`patch: |`): their text is
//! parsed on its own, then every node's position is moved to where that text
//! sits inside the kustomization's block scalar, line by line, so a finding on
//! a patched value lands on the patch's line and column.

use hubspoke_manifest::yaml::{parse_stream, Node, NodeValue, ParseLimits};
use hubspoke_manifest::{Mark, Span};

use crate::fs::RenderFs;
use crate::origin::{Origin, RNode};

/// The documents of an inline patch (null documents dropped).
pub fn parse_inline(fs: &RenderFs<'_>, scalar: &RNode) -> Result<Vec<RNode>, String> {
    let text = scalar.as_str().unwrap_or_default();
    let stream = parse_stream(text, ParseLimits::default());
    if let Some(problem) = stream.problems.iter().find_map(|p| match p {
        hubspoke_manifest::yaml::YamlProblem::Syntax { message, .. } => Some(message.clone()),
        _ => None,
    }) {
        return Err(format!("invalid YAML in the patch: {problem}"));
    }
    let placement = block_placement(fs, scalar, text);
    Ok(stream
        .documents
        .iter()
        .filter(|d| !matches!(d.root.value, NodeValue::Null))
        .map(|d| place(&d.root, scalar.span, placement))
        .collect())
}

/// Where the scalar's text starts in its file: the first content line and the
/// indentation removed from every line. `None` when the text cannot be mapped
/// line by line (folded or quoted scalars, or a tree not read from a file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// 1-based line of the text's first line.
    pub first_line: u32,
    /// Characters of indentation removed from each line.
    pub indent: u32,
}

fn place(node: &Node, scalar: Origin, placement: Option<Placement>) -> RNode {
    node.map_positions(&mut |span: &Span| match placement {
        Some(p) => Origin {
            file: scalar.file,
            span: Span {
                start: shift(span.start, p),
                end: shift(span.end, p),
            },
        },
        None => scalar,
    })
}

fn shift(mark: Mark, p: Placement) -> Mark {
    Mark {
        line: mark.line.saturating_add(p.first_line).saturating_sub(1),
        col: mark.col.saturating_add(p.indent),
    }
}

/// Find the block scalar's content in its file and check that its lines,
/// less their indentation, are exactly the scalar's text. The parser's span
/// of a literal block scalar starts at its first content line.
pub fn block_placement(fs: &RenderFs<'_>, scalar: &RNode, text: &str) -> Option<Placement> {
    let file = fs.file(scalar.span.file)?;
    let source: &str = &file.source.text;
    let lines: Vec<&str> = source
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let start = scalar.span.span.start;
    let leading_blank = u32::try_from(text.chars().take_while(|c| *c == '\n').count()).ok()?;
    let first_line = start.line.checked_sub(leading_blank)?;
    let indent = start.col;
    // The header (`key: |-`) is the line before the content.
    let header = lines.get(first_line.checked_sub(2)? as usize)?;
    let header = header.split(" #").next().unwrap_or(header).trim_end();
    let indicator = header.rsplit([' ', '\t']).next().unwrap_or("");
    if !indicator.starts_with('|') {
        return None;
    }
    let content = lines.get(first_line as usize - 1..)?;
    let expected: Vec<&str> = text.split('\n').collect();
    for (i, want) in expected.iter().enumerate() {
        let Some(line) = content.get(i) else {
            // Trailing newlines kept by `|+` may run past the file's end.
            return if want.is_empty() {
                Some(Placement { first_line, indent })
            } else {
                None
            };
        };
        let stripped: String = line.chars().skip(indent as usize).collect();
        let matches = if want.is_empty() {
            line.trim().is_empty() || stripped.is_empty()
        } else {
            line.chars().take(indent as usize).all(|c| c == ' ') && stripped == *want
        };
        if !matches {
            return None;
        }
    }
    Some(Placement { first_line, indent })
}
