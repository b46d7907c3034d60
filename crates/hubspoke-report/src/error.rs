//! Errors while writing a report.

/// A report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Writing to the sink failed.
    #[error("cannot write report: {0}")]
    Io(#[from] std::io::Error),
    /// Serialising failed.
    #[error("cannot serialise report: {0}")]
    Json(#[from] serde_json::Error),
    /// Rendering a diagnostic failed.
    #[error("cannot render diagnostic: {0}")]
    Render(String),
}
