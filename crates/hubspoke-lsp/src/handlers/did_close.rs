//! `textDocument/didClose`: forget the buffer and clear its diagnostics.

use lsp_types::DidCloseTextDocumentParams;

use crate::session::Session;

pub(crate) fn handle(session: &mut Session, params: DidCloseTextDocumentParams) {
    session.close(&params.text_document.uri);
}
