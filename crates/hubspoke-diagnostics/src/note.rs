//! Notes: what a run could not look at, and why. A note is never a finding: it
//! changes no exit code and no baseline, and no filter drops it.

use serde::Serialize;

use crate::position::Region;

/// Something a run could not check (a remote base, a SOPS-encrypted object, a
/// source outside the repository), and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Note {
    /// What was not checked and why, a sentence.
    pub message: String,
    /// Display path of the file that asked for it, when known.
    pub file: Option<String>,
    /// Where in that file, when known.
    pub region: Option<Region>,
}

impl Note {
    /// A note about `file` (and a place in it).
    pub fn new(message: impl Into<String>, file: Option<String>, region: Option<Region>) -> Note {
        Note {
            message: message.into(),
            file,
            region,
        }
    }
}

/// Sort notes by file, line, column and message, and drop exact duplicates (several
/// clusters meeting the same remote base say it once).
pub fn sort_notes(notes: &mut Vec<Note>) {
    notes.sort_by(|a, b| {
        let key = |n: &Note| {
            (
                n.file.clone(),
                n.region.map(|r| (r.start.line, r.start.column)),
            )
        };
        key(a).cmp(&key(b)).then_with(|| a.cmp(b))
    });
    notes.dedup();
}
