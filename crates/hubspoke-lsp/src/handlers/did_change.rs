//! `textDocument/didChange`: apply the changes and lint after the debounce.

use std::sync::Arc;

use lsp_types::DidChangeTextDocumentParams;

use crate::convert;
use crate::session::Session;

/// Returns `false` when the document is not open (the change is ignored).
pub(crate) fn handle(session: &mut Session, params: DidChangeTextDocumentParams) -> bool {
    let uri = params.text_document.uri;
    let Some(document) = session.documents.get(&uri) else {
        return false;
    };
    let mut changes = params.content_changes;
    // Full sync, what we ask for, sends the whole text: no copy of the old one.
    let text: Arc<str> = match changes.iter().rposition(|c| c.range.is_none()) {
        Some(full) => {
            let mut text = std::mem::take(&mut changes[full].text);
            for change in changes.drain(full + 1..) {
                convert::apply_change(&mut text, change);
            }
            Arc::from(text)
        }
        None => {
            let mut text = document.text.to_string();
            for change in changes {
                convert::apply_change(&mut text, change);
            }
            Arc::from(text)
        }
    };
    session.update(uri, params.text_document.version, text, None, true);
    true
}
