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
/// less their indentation, are exactly the scalar's text.
pub fn block_placement(fs: &RenderFs<'_>, scalar: &RNode, text: &str) -> Option<Placement> {
    let file = fs.file(scalar.span.file)?;
    let source: &str = &file.source.text;
    let lines: Vec<&str> = source
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let start = scalar.span.span.start;
    let header_line = lines.get(start.line.checked_sub(1)? as usize)?;
    let header: String = header_line.chars().skip(start.col as usize).collect();
    let header = header.trim_end();
    let indicator = header.chars().next()?;
    if indicator != '|' {
        return None;
    }
    let explicit: Option<u32> = header
        .chars()
        .skip(1)
        .take_while(|c| !c.is_whitespace())
        .find_map(|c| c.to_digit(10));
    let first_line = start.line + 1;
    let content = lines.get(first_line as usize - 1..)?;
    let indent = match explicit {
        Some(_) => None,
        None => content
            .iter()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.chars().take_while(|c| *c == ' ').count() as u32),
    };
    let indent = match (indent, explicit) {
        (Some(i), _) => i,
        // An explicit indentation indicator is relative to the parent's
        // indentation, which the header line does not say; measure the first
        // line and let the check below confirm it.
        (None, Some(_)) => content
            .iter()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.chars().take_while(|c| *c == ' ').count() as u32)?,
        (None, None) => return None,
    };
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
