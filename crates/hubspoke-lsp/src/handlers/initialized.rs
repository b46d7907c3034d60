//! `initialized`: ask the client to watch the configuration and policy files
//! for us, when it can (dynamic registration).

use lsp_server::Request;
use lsp_types::request::{RegisterCapability, Request as _};
use lsp_types::{
    DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher, GlobPattern, Registration,
    RegistrationParams,
};

use crate::session::Session;

pub(crate) fn handle(session: &mut Session) {
    if !session.can_watch_files {
        return;
    }
    let watchers = [
        format!("**/{}", session.shared.config_file_name),
        "**/*.rego".to_owned(),
    ]
    .into_iter()
    .map(|glob| FileSystemWatcher {
        glob_pattern: GlobPattern::String(glob),
        kind: None,
    })
    .collect();
    let options = DidChangeWatchedFilesRegistrationOptions { watchers };
    let params = RegistrationParams {
        registrations: vec![Registration {
            id: "hubspoke-lint-watch-settings".to_owned(),
            method: "workspace/didChangeWatchedFiles".to_owned(),
            register_options: serde_json::to_value(options).ok(),
        }],
    };
    let id = session.next_request_id();
    session.shared.send(Request::new(
        id.into(),
        RegisterCapability::METHOD.to_owned(),
        params,
    ));
}
