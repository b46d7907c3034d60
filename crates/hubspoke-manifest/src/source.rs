//! Turning a file's bytes into text: BOMs, UTF-16, binary and non-UTF-8 files.

use crate::position::{Position, Region};
use crate::problem::{FileProblem, ProblemCode};

/// Decoded text plus any problem met while decoding.
#[derive(Debug)]
pub enum Decoded {
    /// Text to parse; `note` is set when it had to be converted (UTF-16).
    Text {
        /// The text, BOM removed.
        text: String,
        /// A note to report about the conversion.
        note: Option<FileProblem>,
    },
    /// Not text we can lint.
    Rejected(FileProblem),
}

/// Decode file bytes. UTF-8 (BOM stripped) is the norm; UTF-16 with a BOM is
/// converted with a warning; anything with NUL bytes is binary; invalid UTF-8
/// is rejected with the line and column of the first bad byte.
pub fn decode(bytes: Vec<u8>) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return decode_utf8(rest.to_vec());
    }
    let utf16 = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => Some(false),
        Some([0xFE, 0xFF]) => Some(true),
        _ => None,
    };
    if let Some(big_endian) = utf16 {
        let units = bytes[2..].chunks(2).map(|pair| match pair {
            [a, b] if big_endian => u16::from_be_bytes([*a, *b]),
            [a, b] => u16::from_le_bytes([*a, *b]),
            [a] => u16::from(*a),
            _ => 0,
        });
        return match char::decode_utf16(units).collect::<Result<String, _>>() {
            Ok(text) => Decoded::Text {
                text,
                note: Some(FileProblem::whole_file(
                    ProblemCode::Utf16,
                    format!(
                        "file is UTF-16 ({}); Kubernetes tools expect UTF-8 — it was converted for linting",
                        if big_endian { "big-endian" } else { "little-endian" }
                    ),
                )),
            },
            Err(_) => Decoded::Rejected(FileProblem::whole_file(
                ProblemCode::Encoding,
                "file starts with a UTF-16 byte-order mark but is not valid UTF-16",
            )),
        };
    }
    if bytes.contains(&0) {
        return Decoded::Rejected(FileProblem::whole_file(
            ProblemCode::BinaryFile,
            "file contains NUL bytes and looks binary, not YAML",
        ));
    }
    decode_utf8(bytes)
}

fn decode_utf8(bytes: Vec<u8>) -> Decoded {
    match String::from_utf8(bytes) {
        Ok(text) => Decoded::Text { text, note: None },
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let bytes = error.as_bytes();
            let bad = bytes.get(valid).copied().unwrap_or(0);
            Decoded::Rejected(FileProblem {
                region: Some(bad_byte_region(bytes, valid)),
                ..FileProblem::whole_file(
                    ProblemCode::Encoding,
                    format!("file is not valid UTF-8: invalid byte 0x{bad:02X}"),
                )
            })
        }
    }
}

/// The region of the one bad byte at `valid` (everything before it is valid UTF-8):
/// columns in characters and UTF-16 units, offsets into the file's bytes.
fn bad_byte_region(bytes: &[u8], valid: usize) -> Region {
    let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or("");
    let start = crate::LineTable::new(prefix).position_of_offset(prefix, valid);
    let end = Position {
        column: start.column + 1,
        column_utf16: start.column_utf16 + 1,
        offset: (valid + 1).min(bytes.len()),
        ..start
    };
    Region { start, end }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_bom_is_stripped() {
        match decode(b"\xEF\xBB\xBFa: 1\n".to_vec()) {
            Decoded::Text { text, note } => {
                assert_eq!(text, "a: 1\n");
                assert!(note.is_none());
            }
            Decoded::Rejected(p) => panic!("{p:?}"),
        }
    }

    #[test]
    fn utf16_is_converted_with_a_note() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend("a: ü\n".encode_utf16().flat_map(u16::to_le_bytes));
        match decode(bytes) {
            Decoded::Text { text, note } => {
                assert_eq!(text, "a: ü\n");
                assert_eq!(note.map(|n| n.code), Some(ProblemCode::Utf16));
            }
            Decoded::Rejected(p) => panic!("{p:?}"),
        }
    }

    #[test]
    fn invalid_utf8_names_the_place() {
        match decode(b"a: 1\nb: \xFF\n".to_vec()) {
            Decoded::Rejected(p) => {
                assert_eq!(p.code, ProblemCode::Encoding);
                assert_eq!(p.message, "file is not valid UTF-8: invalid byte 0xFF");
                let region = p.region.expect("the bad byte has a place");
                assert_eq!(
                    (region.start.line, region.start.column, region.start.offset),
                    (2, 4, 8)
                );
                assert_eq!(
                    (region.end.line, region.end.column, region.end.offset),
                    (2, 5, 9)
                );
            }
            Decoded::Text { .. } => panic!("accepted invalid UTF-8"),
        }
    }

    #[test]
    fn invalid_utf8_after_non_ascii_counts_characters_and_utf16_units() {
        match decode("é😀 ".bytes().chain([0xFF]).collect()) {
            Decoded::Rejected(p) => {
                let start = p.region.expect("region").start;
                assert_eq!((start.line, start.column, start.column_utf16), (1, 4, 5));
            }
            Decoded::Text { .. } => panic!("accepted invalid UTF-8"),
        }
    }

    #[test]
    fn nul_bytes_mean_binary() {
        assert!(matches!(
            decode(b"\x00\x01\x02".to_vec()),
            Decoded::Rejected(FileProblem {
                code: ProblemCode::BinaryFile,
                ..
            })
        ));
    }
}
