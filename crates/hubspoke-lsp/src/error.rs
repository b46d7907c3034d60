//! Errors of the server's transport; problems with documents are diagnostics.

/// What can go wrong with the connection itself.
#[derive(Debug, thiserror::Error)]
pub enum LspError {
    /// A server thread could not be started.
    #[error("cannot start a language server thread: {0}")]
    Thread(std::io::Error),
    /// Reading from the client failed.
    #[error("cannot read from the client: {0}")]
    Read(std::io::Error),
    /// Writing to the client failed.
    #[error("cannot write to the client: {0}")]
    Write(std::io::Error),
    /// A server thread panicked.
    #[error("a language server thread panicked")]
    ThreadPanicked,
}
