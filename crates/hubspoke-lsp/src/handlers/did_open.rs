//! `textDocument/didOpen`: remember the buffer and lint it at once.

use std::sync::Arc;

use lsp_types::DidOpenTextDocumentParams;

use crate::session::Session;

pub(crate) fn handle(session: &mut Session, params: DidOpenTextDocumentParams) {
    let document = params.text_document;
    session.update(
        document.uri,
        document.version,
        Arc::from(document.text),
        Some(document.language_id),
        false,
    );
}
