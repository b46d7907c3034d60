//! Places in a source text, in the three column flavours consumers need.

use serde::Serialize;

/// A point in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in Unicode scalar values (characters).
    pub column: u32,
    /// 1-based column, counted in UTF-16 code units (SARIF and LSP default).
    pub column_utf16: u32,
    /// 0-based byte offset into the file text.
    pub offset: usize,
}

/// A half-open region `[start, end)` of a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Region {
    /// First position of the region.
    pub start: Position,
    /// Position just past the region.
    pub end: Position,
}

impl Region {
    /// Length in bytes (never negative).
    pub fn len(&self) -> usize {
        self.end.offset.saturating_sub(self.start.offset)
    }

    /// Whether the region covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A place findings point at: a file (display path) and, when known, a region in it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Place {
    /// Display path of the file.
    pub file: String,
    /// Where in it; `None` when only the file is known.
    pub region: Option<Region>,
}
