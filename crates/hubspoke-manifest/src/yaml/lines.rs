//! Reading the source text beside the parser's events, which carry positions but
//! not everything the tree needs (anchor names, where a quoted scalar ends).

use crate::position::{Mark, Span};

/// A forward-only cursor over the lines of the source: nodes arrive in text order, so
/// looking up their lines stays linear in the file size.
pub(super) struct LineCursor<'t> {
    text: &'t str,
    /// Line (1-based) whose first byte is at `line_start`.
    line: u32,
    line_start: usize,
}

impl<'t> LineCursor<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        LineCursor {
            text,
            line: 1,
            line_start: 0,
        }
    }

    /// The text from the start of `line` to the end of the source.
    pub(super) fn rest_from_line(&mut self, line: u32) -> Option<&'t str> {
        if line < self.line {
            self.line = 1;
            self.line_start = 0;
        }
        while self.line < line {
            let next = self.text.get(self.line_start..)?.find('\n')?;
            self.line_start += next + 1;
            self.line += 1;
        }
        self.text.get(self.line_start..)
    }
}

/// Reads anchor names from the source: saphyr's events carry only anchor ids, and a
/// redefined name silently gets a fresh id.
pub(super) struct AnchorNames<'t> {
    lines: LineCursor<'t>,
}

impl<'t> AnchorNames<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        AnchorNames {
            lines: LineCursor::new(text),
        }
    }

    /// The name and span of the `&name` token of a node whose properties start at `start`
    /// (an anchor, or a tag followed by an anchor). `None` when the text there is not one,
    /// which only a disagreement about line breaks with the parser could cause.
    pub(super) fn at(&mut self, start: Mark) -> Option<(String, Span)> {
        let line_text = self.lines.rest_from_line(start.line)?;
        let line_text = &line_text[..line_text.find('\n').unwrap_or(line_text.len())];
        let mut chars = line_text.chars().skip(start.col as usize).peekable();
        let mut col = start.col;
        if chars.peek() == Some(&'!') {
            while chars.next_if(|c| !c.is_whitespace()).is_some() {
                col += 1;
            }
            while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {
                col += 1;
            }
        }
        if chars.next() != Some('&') {
            return None;
        }
        let name: String = chars
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
            .collect();
        let length = u32::try_from(name.chars().count()).unwrap_or(u32::MAX);
        let span = Span {
            start: Mark {
                line: start.line,
                col,
            },
            end: Mark {
                line: start.line,
                col: col.saturating_add(1).saturating_add(length),
            },
        };
        (!name.is_empty()).then_some((name, span))
    }
}
