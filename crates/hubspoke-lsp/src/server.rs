//! Starting and stopping the server: the `initialize` handshake, the worker
//! thread, the main loop, and an orderly teardown.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lsp_server::{Connection, ErrorCode, Message, Response};
use lsp_types::request::{Initialize, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, HoverProviderCapability,
    InitializeParams, InitializeResult, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions,
};

use crate::session::{Session, Shared};
use crate::{main_loop, uri, worker};

/// How the server is set up by its host (the `hubspoke-lint lsp` command, tests, benches).
/// The settings come from the workspace root's `.hubspoke-lint.yaml`, read as the command
/// line reads it.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// How long after the last keystroke a buffer is linted.
    pub debounce: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            debounce: DEFAULT_DEBOUNCE,
        }
    }
}

/// How the session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// `exit` came after `shutdown`, as the protocol asks (exit code 0; else 1).
    pub clean_exit: bool,
}

/// The default debounce after a change.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(150);

/// Serve one client over `connection` until it exits or goes away.
pub fn run(connection: Connection, options: ServerOptions) -> Outcome {
    let Some(params) = initialize(&connection) else {
        return Outcome { clean_exit: false };
    };
    #[allow(deprecated)] // `root_uri` and `root_path` are the only root of older clients
    let root: Option<PathBuf> = params
        .workspace_folders
        .as_ref()
        .and_then(|folders| folders.first())
        .and_then(|folder| uri::to_path(&folder.uri))
        .or_else(|| params.root_uri.as_ref().and_then(uri::to_path))
        .or_else(|| params.root_path.as_ref().map(PathBuf::from));
    let can_watch_files = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|d| d.dynamic_registration)
        .unwrap_or(false);
    let shared = Arc::new(Shared::new(
        root,
        hubspoke_workspace::CONFIG_FILE_NAME.to_owned(),
        connection.sender.clone(),
    ));
    let (jobs, job_receiver) = crossbeam_channel::unbounded();
    let worker = match worker::spawn(Arc::clone(&shared), job_receiver) {
        Ok(worker) => worker,
        Err(_) => return Outcome { clean_exit: false },
    };
    let debounce =
        requested_debounce(params.initialization_options.as_ref()).unwrap_or(options.debounce);
    let mut session = Session::new(shared, jobs, debounce, can_watch_files);
    let clean_exit = main_loop::run(&connection, &mut session);
    drop(session); // closes the job channel: the worker stops
    let _ = worker.join();
    Outcome { clean_exit }
}

/// The debounce a client asks for in `initializationOptions`
/// (`{"debounceMs": 0}`: lint on every change, as benches and tests want).
fn requested_debounce(options: Option<&serde_json::Value>) -> Option<Duration> {
    options?
        .get("debounceMs")?
        .as_u64()
        .map(Duration::from_millis)
}

/// Wait for `initialize` and answer it. Requests before it get
/// `ServerNotInitialized`; `None` when the client leaves first.
fn initialize(connection: &Connection) -> Option<InitializeParams> {
    loop {
        match connection.receiver.recv().ok()? {
            Message::Request(request) if request.method == Initialize::METHOD => {
                match serde_json::from_value::<InitializeParams>(request.params) {
                    Ok(params) => {
                        let result = InitializeResult {
                            capabilities: capabilities(),
                            server_info: Some(ServerInfo {
                                name: "hubspoke-lint".to_owned(),
                                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
                            }),
                        };
                        let _ = connection
                            .sender
                            .send(Response::new_ok(request.id, result).into());
                        return Some(params);
                    }
                    Err(error) => {
                        let _ = connection.sender.send(
                            Response::new_err(
                                request.id,
                                ErrorCode::InvalidParams as i32,
                                format!("invalid initialize parameters: {error}"),
                            )
                            .into(),
                        );
                    }
                }
            }
            Message::Request(request) => {
                let _ = connection.sender.send(
                    Response::new_err(
                        request.id,
                        ErrorCode::ServerNotInitialized as i32,
                        format!("{}: the server is not initialized yet", request.method),
                    )
                    .into(),
                );
            }
            Message::Notification(n) if n.method == "exit" => return None,
            Message::Notification(_) | Message::Response(_) => {}
        }
    }
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            resolve_provider: Some(false),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_may_set_the_debounce() {
        let asked = serde_json::json!({"debounceMs": 0});
        assert_eq!(requested_debounce(Some(&asked)), Some(Duration::ZERO));
        let other = serde_json::json!({"debounceMs": "fast"});
        assert_eq!(requested_debounce(Some(&other)), None);
        assert_eq!(requested_debounce(None), None);
    }
}
