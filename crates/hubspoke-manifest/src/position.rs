//! Positions in a source text, and the conversion from the parser's character
//! markers to the byte offsets and column flavours each consumer needs.
//!
//! saphyr reports positions in *characters* (`index`, `col`); miette needs byte
//! offsets, our CLI and JSON print 1-based character columns, and SARIF and LSP
//! default to UTF-16 code units. One [`LineTable`] per file converts between them.

pub use hubspoke_diagnostics::{Position, Region};

/// A parser marker as saphyr gives it: 1-based line, 0-based character column.
/// Kept raw in the tree so that only located nodes pay for conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Mark {
    /// 1-based line.
    pub line: u32,
    /// 0-based column in characters.
    pub col: u32,
}

/// Raw start and end marks of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Start mark (inclusive).
    pub start: Mark,
    /// End mark (exclusive).
    pub end: Mark,
}

/// Byte offsets of line starts, for converting marks into [`Position`]s.
#[derive(Debug, Clone)]
pub struct LineTable {
    line_starts: Vec<usize>,
    ascii: bool,
}

impl LineTable {
    /// Index the line starts of `text`. Lines end at `\n`; a preceding `\r` stays
    /// part of the line's text, which keeps columns right for CRLF files.
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr_newlines(text.as_bytes()));
        LineTable {
            line_starts,
            ascii: text.is_ascii(),
        }
    }

    /// Number of lines (at least 1).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Convert a parser mark into a full position, clamping marks that fall past
    /// the end of their line or of the text.
    pub fn position(&self, text: &str, mark: Mark) -> Position {
        let line = (mark.line.max(1) as usize).min(self.line_starts.len());
        let line_start = self.line_starts[line - 1];
        let line_end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(text.len())
            .min(text.len());
        let line_text = text.get(line_start..line_end).unwrap_or("");
        if self.ascii {
            let col = (mark.col as usize).min(line_text.len());
            return Position {
                line: line as u32,
                column: col as u32 + 1,
                column_utf16: col as u32 + 1,
                offset: line_start + col,
            };
        }
        let mut bytes = 0usize;
        let mut utf16 = 0u32;
        let mut chars = 0u32;
        for ch in line_text.chars() {
            if chars == mark.col {
                break;
            }
            bytes += ch.len_utf8();
            utf16 += ch.len_utf16() as u32;
            chars += 1;
        }
        Position {
            line: line as u32,
            column: chars + 1,
            column_utf16: utf16 + 1,
            offset: line_start + bytes,
        }
    }

    /// The position of a byte offset (clamped to the text and to a char boundary).
    pub fn position_of_offset(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_text = &text[self.line_starts[line]..offset];
        Position {
            line: line as u32 + 1,
            column: line_text.chars().count() as u32 + 1,
            column_utf16: line_text.encode_utf16().count() as u32 + 1,
            offset,
        }
    }

    /// Convert a raw span into a region.
    pub fn region(&self, text: &str, span: Span) -> Region {
        let start = self.position(text, span.start);
        let end = self.position(text, span.end);
        if end.offset < start.offset {
            Region { start, end: start }
        } else {
            Region { start, end }
        }
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_columns_count_characters_and_utf16_units() {
        let text = "a: 1\nimage: \"ü😀:latest\"\n";
        let table = LineTable::new(text);
        // Column 13 (0-based char 12) is after `image: "ü😀`.
        let pos = table.position(text, Mark { line: 2, col: 10 });
        assert_eq!(pos.line, 2);
        assert_eq!(pos.column, 11);
        // 😀 is two UTF-16 units.
        assert_eq!(pos.column_utf16, 12);
        assert_eq!(&text[pos.offset..pos.offset + 7], ":latest");
    }

    #[test]
    fn offsets_round_trip() {
        let text = "x: ä\r\ny: b\n";
        let table = LineTable::new(text);
        let pos = table.position(text, Mark { line: 2, col: 3 });
        assert_eq!(pos, table.position_of_offset(text, pos.offset));
        assert_eq!(&text[pos.offset..pos.offset + 1], "b");
    }

    #[test]
    fn marks_past_the_end_are_clamped() {
        let text = "a: b";
        let table = LineTable::new(text);
        let pos = table.position(text, Mark { line: 9, col: 99 });
        assert_eq!(pos.offset, 4);
    }
}
