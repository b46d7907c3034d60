//! `textDocument/didSave`: lint at once and run the repository rules on the
//! saved tree; a saved configuration or policy reloads the settings (and so
//! lints every buffer again).

use lsp_types::DidSaveTextDocumentParams;

use crate::session::Session;
use crate::uri;

pub(crate) fn handle(session: &mut Session, params: DidSaveTextDocumentParams) {
    let uri = params.text_document.uri;
    if uri::to_path(&uri).is_some_and(|p| changes_settings(session, &p)) {
        session.reload();
    } else {
        session.relint(&uri);
        session.repository_pass();
    }
}

/// Whether a file's change affects the settings: the configuration file or a Rego policy.
pub(crate) fn changes_settings(session: &Session, path: &std::path::Path) -> bool {
    session.shared.is_config(path) || path.extension().is_some_and(|e| e == "rego")
}
