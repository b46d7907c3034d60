//! The main loop: messages in, applied to the session strictly in order;
//! debounced lints started when due. Nothing a client sends stops it but `exit`.

use crossbeam_channel::RecvTimeoutError;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Initialized, LogMessage, Notification as _,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, Initialize, Request as _, Shutdown};
use lsp_types::{LogMessageParams, MessageType};
use serde::de::DeserializeOwned;

use crate::handlers::{self, RequestError};
use crate::session::Session;

/// Serve until `exit` (returns whether `shutdown` came first) or until the
/// client goes away (returns `false`).
pub(crate) fn run(connection: &Connection, session: &mut Session) -> bool {
    loop {
        let message = match session.next_deadline() {
            Some(deadline) => match connection.receiver.recv_deadline(deadline) {
                Ok(message) => Some(message),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return false,
            },
            None => match connection.receiver.recv() {
                Ok(message) => Some(message),
                Err(_) => return false,
            },
        };
        match message {
            Some(Message::Notification(n)) if n.method == "exit" => return session.shutting_down,
            Some(Message::Request(request)) => {
                let id = request.id.clone();
                let method = request.method.clone();
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    handle_request(session, request)
                }))
                .unwrap_or_else(|_| {
                    Err(RequestError::new(
                        ErrorCode::InternalError,
                        format!("internal error while handling {method}; please report it"),
                    ))
                });
                let response = match outcome {
                    Ok(value) => Response::new_ok(id, value),
                    Err(error) => Response::new_err(id, error.code, error.message),
                };
                session.shared.send(response);
            }
            Some(Message::Notification(notification)) => {
                let method = notification.method.clone();
                let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    handle_notification(session, notification)
                }));
                match handled {
                    Ok(Ok(())) => {}
                    Ok(Err(problem)) => log(session, MessageType::WARNING, problem),
                    Err(_) => log(
                        session,
                        MessageType::ERROR,
                        format!("internal error while handling {method}; please report it"),
                    ),
                }
            }
            // Answers to our own requests (file watcher registration): nothing to do.
            Some(Message::Response(_)) | None => {}
        }
        session.flush_due();
    }
}

fn params<P: DeserializeOwned>(method: &str, value: serde_json::Value) -> Result<P, RequestError> {
    serde_json::from_value(value).map_err(|e| {
        RequestError::new(
            ErrorCode::InvalidParams,
            format!("invalid parameters for {method}: {e}"),
        )
    })
}

fn json<T: serde::Serialize>(value: T) -> Result<serde_json::Value, RequestError> {
    serde_json::to_value(value)
        .map_err(|e| RequestError::new(ErrorCode::InternalError, e.to_string()))
}

fn handle_request(
    session: &mut Session,
    request: Request,
) -> Result<serde_json::Value, RequestError> {
    let method = request.method.as_str();
    if session.shutting_down {
        return Err(RequestError::new(
            ErrorCode::InvalidRequest,
            format!("{method}: the server is shutting down"),
        ));
    }
    match method {
        Shutdown::METHOD => {
            session.shutting_down = true;
            Ok(serde_json::Value::Null)
        }
        HoverRequest::METHOD => json(handlers::hover::handle(
            session,
            params(method, request.params)?,
        )?),
        CodeActionRequest::METHOD => json(handlers::code_action::handle(
            session,
            params(method, request.params)?,
        )?),
        Initialize::METHOD => Err(RequestError::new(
            ErrorCode::InvalidRequest,
            "the server is already initialized",
        )),
        _ => Err(RequestError::new(
            ErrorCode::MethodNotFound,
            format!("method not found: {method}"),
        )),
    }
}

fn handle_notification(session: &mut Session, notification: Notification) -> Result<(), String> {
    let method = notification.method.as_str();
    let invalid = |e: RequestError| e.message;
    match method {
        DidOpenTextDocument::METHOD => {
            handlers::did_open::handle(
                session,
                params(method, notification.params).map_err(invalid)?,
            );
        }
        DidChangeTextDocument::METHOD => {
            let params: lsp_types::DidChangeTextDocumentParams =
                params(method, notification.params).map_err(invalid)?;
            let uri = params.text_document.uri.clone();
            if !handlers::did_change::handle(session, params) {
                return Err(format!(
                    "didChange for {}, which is not open: ignored",
                    uri.as_str()
                ));
            }
        }
        DidSaveTextDocument::METHOD => {
            handlers::did_save::handle(
                session,
                params(method, notification.params).map_err(invalid)?,
            );
        }
        DidCloseTextDocument::METHOD => {
            handlers::did_close::handle(
                session,
                params(method, notification.params).map_err(invalid)?,
            );
        }
        DidChangeWatchedFiles::METHOD => handlers::did_change_watched_files::handle(
            session,
            params(method, notification.params).map_err(invalid)?,
        ),
        Initialized::METHOD => handlers::initialized::handle(session),
        // `$/cancelRequest`, `$/setTrace`, configuration changes, ...: nothing to do.
        _ => {}
    }
    Ok(())
}

fn log(session: &Session, typ: MessageType, message: String) {
    session.shared.send(Notification::new(
        LogMessage::METHOD.to_owned(),
        LogMessageParams { typ, message },
    ));
}
