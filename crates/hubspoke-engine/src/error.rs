//! Errors that stop a run at the engine layer.

use std::path::PathBuf;

/// An error loading policies that the run cannot go on without.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A policy directory could not be read.
    #[error("cannot read policy directory {path}: {source}")]
    PolicyDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The bundled library itself is broken (a build defect, caught by tests).
    #[error("bundled policy {path} is broken: {message}")]
    Bundled {
        /// Policy file.
        path: String,
        /// What is wrong.
        message: String,
    },
}
