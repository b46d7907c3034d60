//! `workspace/didChangeWatchedFiles`: the configuration or a policy changed
//! on disk (edited elsewhere, created, deleted): reload the settings.

use lsp_types::DidChangeWatchedFilesParams;

use crate::handlers::did_save::changes_settings;
use crate::session::Session;
use crate::uri;

pub(crate) fn handle(session: &mut Session, params: DidChangeWatchedFilesParams) {
    let relevant = params
        .changes
        .iter()
        .filter_map(|c| uri::to_path(&c.uri))
        .any(|p| changes_settings(session, &p));
    if relevant {
        session.reload();
    }
}
