//! Problems with the input itself (not with what it declares): files that
//! cannot be read or parsed. They become findings with a built-in rule id.

use serde::Serialize;

use crate::position::Region;

/// The kind of an input problem; its [`ProblemCode::id`] is the rule id users see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ProblemCode {
    /// Not valid YAML.
    ParseError,
    /// A mapping repeats a key.
    DuplicateKey,
    /// A YAML tag outside the core schema.
    UnknownTag,
    /// A parser limit was hit (nesting depth, alias expansion, documents per file).
    YamlLimit,
    /// The bytes are not UTF-8 text.
    Encoding,
    /// The file is UTF-16; it was converted for linting.
    Utf16,
    /// The file looks binary.
    BinaryFile,
    /// The file holds no YAML document.
    EmptyFile,
    /// The file is larger than the size limit.
    FileTooLarge,
    /// The file or directory could not be read.
    Unreadable,
    /// A symlink points outside the linted root and was not followed.
    SymlinkOutsideRoot,
    /// A symlink loop was found and not followed.
    SymlinkLoop,
    /// A path given on the command line holds no YAML file.
    NoFiles,
    /// A Helm/Go template that is not valid YAML before rendering.
    HelmTemplate,
    /// An anchor name defined a second time in one document.
    DuplicateAnchor,
    /// hubspoke-lint itself failed (a caught panic) on this file or root.
    Internal,
}

impl ProblemCode {
    /// Every code, in id order.
    pub const ALL: [ProblemCode; 16] = [
        ProblemCode::BinaryFile,
        ProblemCode::DuplicateAnchor,
        ProblemCode::DuplicateKey,
        ProblemCode::EmptyFile,
        ProblemCode::Encoding,
        ProblemCode::FileTooLarge,
        ProblemCode::HelmTemplate,
        ProblemCode::Internal,
        ProblemCode::NoFiles,
        ProblemCode::ParseError,
        ProblemCode::SymlinkLoop,
        ProblemCode::SymlinkOutsideRoot,
        ProblemCode::UnknownTag,
        ProblemCode::Unreadable,
        ProblemCode::Utf16,
        ProblemCode::YamlLimit,
    ];

    /// The stable rule id of this problem.
    pub const fn id(self) -> &'static str {
        match self {
            ProblemCode::ParseError => "parse-error",
            ProblemCode::DuplicateKey => "duplicate-key",
            ProblemCode::UnknownTag => "unknown-tag",
            ProblemCode::YamlLimit => "yaml-limit",
            ProblemCode::Encoding => "encoding",
            ProblemCode::Utf16 => "utf16-file",
            ProblemCode::BinaryFile => "binary-file",
            ProblemCode::EmptyFile => "empty-file",
            ProblemCode::FileTooLarge => "file-too-large",
            ProblemCode::Unreadable => "unreadable-file",
            ProblemCode::SymlinkOutsideRoot => "symlink-outside-root",
            ProblemCode::SymlinkLoop => "symlink-loop",
            ProblemCode::NoFiles => "no-files",
            ProblemCode::HelmTemplate => "helm-template",
            ProblemCode::DuplicateAnchor => "duplicate-anchor",
            ProblemCode::Internal => "internal-error",
        }
    }
}

/// One problem with one input file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileProblem {
    /// What kind of problem.
    pub code: ProblemCode,
    /// A sentence saying what is wrong.
    pub message: String,
    /// Where, when the problem has a place in the text.
    pub region: Option<Region>,
    /// Other places that explain it (e.g. the first of two duplicate keys).
    pub related: Vec<(Region, String)>,
}

impl FileProblem {
    /// A problem with no place in the text.
    pub fn whole_file(code: ProblemCode, message: impl Into<String>) -> Self {
        FileProblem {
            code,
            message: message.into(),
            region: None,
            related: Vec::new(),
        }
    }
}

/// A problem found before a file could be opened, tied to its display path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathProblem {
    /// Display path of the file or directory.
    pub path: String,
    /// The problem.
    pub problem: FileProblem,
}
