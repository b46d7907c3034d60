//! One module per LSP method. Notifications change the session in order on
//! the main loop; the two requests only read the latest published outcome.

pub(crate) mod code_action;
pub(crate) mod did_change;
pub(crate) mod did_change_watched_files;
pub(crate) mod did_close;
pub(crate) mod did_open;
pub(crate) mod did_save;
pub(crate) mod hover;
pub(crate) mod initialized;

use lsp_server::ErrorCode;
use lsp_types::Uri;

/// A request that fails: the error response to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestError {
    pub code: i32,
    pub message: String,
}

impl RequestError {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        RequestError {
            code: code as i32,
            message: message.into(),
        }
    }

    /// A request about a document the client never opened.
    pub(crate) fn unknown_document(uri: &Uri) -> Self {
        RequestError::new(
            ErrorCode::RequestFailed,
            format!("unknown document {}: it is not open", uri.as_str()),
        )
    }
}
