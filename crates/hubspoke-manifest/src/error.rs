//! Errors that stop a run (bad globs); problems with input files are
//! [`crate::FileProblem`]s instead.

/// An error in how the manifest layer was asked to work.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// A glob did not compile.
    #[error("invalid glob `{glob}`: {message}")]
    Glob {
        /// The glob as given.
        glob: String,
        /// Why it is invalid.
        message: String,
    },
}
