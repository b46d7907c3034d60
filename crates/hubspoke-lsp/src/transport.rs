//! JSON-RPC framing over any pair of byte streams (the binary passes stdin
//! and its stdout). Unlike `lsp_server::Connection::stdio`, a malformed
//! message is skipped and logged to the client instead of ending the session.

use std::io::{self, BufRead, Read, Write};

use crossbeam_channel::Sender;
use lsp_server::{Connection, Message, Notification};
use lsp_types::notification::{LogMessage, Notification as _};
use lsp_types::{LogMessageParams, MessageType};

use crate::error::LspError;
use crate::server::{run, Outcome, ServerOptions};

/// Messages larger than this are skipped (an editor sends a few MiB at most).
const MAX_MESSAGE: usize = 256 * 1024 * 1024;

/// Serve a client speaking on `input` and listening on `output` until it
/// exits or goes away. The server runs on its own threads; the calling
/// thread writes `output` (so a host may pass its locked stdout).
pub fn serve<R>(
    input: R,
    output: &mut dyn Write,
    options: ServerOptions,
) -> Result<Outcome, LspError>
where
    R: BufRead + Send + 'static,
{
    let (to_client, outgoing) = crossbeam_channel::unbounded::<Message>();
    let (incoming, from_client) = crossbeam_channel::unbounded::<Message>();
    let log = to_client.clone();
    let reader = std::thread::Builder::new()
        .name("hubspoke-lint-lsp-reader".to_owned())
        .spawn(move || read_loop(input, &incoming, &log))
        .map_err(LspError::Thread)?;
    let connection = Connection {
        sender: to_client,
        receiver: from_client,
    };
    let server = std::thread::Builder::new()
        .name("hubspoke-lint-lsp".to_owned())
        .spawn(move || run(connection, options))
        .map_err(LspError::Thread)?;
    // Ends once the server and the reader dropped their senders.
    for message in outgoing {
        // The client is gone if this fails; the threads end at end of input.
        message.write(&mut &mut *output).map_err(LspError::Write)?;
    }
    let outcome = server.join().map_err(|_| LspError::ThreadPanicked)?;
    reader
        .join()
        .map_err(|_| LspError::ThreadPanicked)?
        .map_err(LspError::Read)?;
    Ok(outcome)
}

fn read_loop(
    mut input: impl BufRead,
    incoming: &Sender<Message>,
    log: &Sender<Message>,
) -> io::Result<()> {
    loop {
        match read_frame(&mut input)? {
            Frame::End => return Ok(()),
            Frame::Malformed(why) => {
                let _ = log.send(
                    Notification::new(
                        LogMessage::METHOD.to_owned(),
                        LogMessageParams {
                            typ: MessageType::WARNING,
                            message: format!("hubspoke-lint: ignored a malformed message: {why}"),
                        },
                    )
                    .into(),
                );
            }
            Frame::Message(message) => {
                let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if incoming.send(message).is_err() || exit {
                    return Ok(());
                }
            }
        }
    }
}

enum Frame {
    Message(Message),
    Malformed(String),
    End,
}

fn read_frame(input: &mut impl BufRead) -> io::Result<Frame> {
    let mut length: Option<usize> = None;
    let mut bad_header: Option<String> = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(Frame::End);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if length.is_some() || bad_header.is_some() {
                break;
            }
            continue; // stray blank line between messages
        }
        match text.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => bad_header = Some(format!("bad Content-Length {:?}", value.trim())),
                }
            }
            Some(_) => {} // Content-Type and other headers
            None => bad_header = Some(format!("malformed header {text:?}")),
        }
    }
    let Some(length) = length else {
        return Ok(Frame::Malformed(
            bad_header.unwrap_or_else(|| "no Content-Length header".to_owned()),
        ));
    };
    if length > MAX_MESSAGE {
        io::copy(&mut input.take(length as u64), &mut io::sink())?;
        return Ok(Frame::Malformed(format!(
            "a message of {length} bytes is over the {MAX_MESSAGE}-byte limit"
        )));
    }
    let mut body = vec![0; length];
    match input.read_exact(&mut body) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(Frame::End),
        Err(e) => return Err(e),
    }
    Ok(match serde_json::from_slice::<Message>(&body) {
        Ok(message) => Frame::Message(message),
        Err(error) => Frame::Malformed(format!("not a JSON-RPC message ({error})")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn malformed_messages_are_skipped() {
        let input = format!(
            "{}{}garbage\r\n\r\n{}",
            frame("{not json"),
            frame(r#"{"jsonrpc":"2.0","method":"x"}"#),
            frame(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#),
        );
        let mut input = io::Cursor::new(input.into_bytes());
        assert!(matches!(read_frame(&mut input), Ok(Frame::Malformed(_))));
        assert!(matches!(
            read_frame(&mut input),
            Ok(Frame::Message(Message::Notification(_)))
        ));
        assert!(matches!(read_frame(&mut input), Ok(Frame::Malformed(_))));
        assert!(matches!(
            read_frame(&mut input),
            Ok(Frame::Message(Message::Request(_)))
        ));
        assert!(matches!(read_frame(&mut input), Ok(Frame::End)));
    }
}
