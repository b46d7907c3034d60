//! What the main loop asks of the lint worker.

use std::sync::Arc;

use lsp_types::Uri;

/// Work for the worker, in the order the main loop decided it.
pub(crate) enum Job {
    /// Lint a snapshot of a buffer.
    Lint(LintJob),
    /// Load the settings again (the configuration or a policy changed).
    Reload,
    /// A buffer was closed.
    Forget(Uri),
    /// Run the repository rules on the saved tree (a file was saved).
    Repository,
}

/// An immutable snapshot of one buffer.
#[derive(Clone)]
pub(crate) struct LintJob {
    pub uri: Uri,
    pub version: i32,
    pub generation: u64,
    pub text: Arc<str>,
    pub language_id: String,
}
