//! Re-lint latency as an editor sees it: the release `hubspoke-lint lsp`
//! process, spoken to over its stdin and stdout. A workspace holds the
//! 1,000-line manifest of `hubspoke-lsp`'s `relint` bench (25 Deployment +
//! Service pairs); it is opened, then each iteration changes one character
//! (one Deployment's replica count, a different one each time), sends the
//! whole text in `didChange` (the sync the server asks for) and measures the
//! time until the `publishDiagnostics` of that version has been read. The
//! client asks for no debounce (`initializationOptions.debounceMs: 0`), so
//! the figure is the server's work plus the pipe; editors add their 150 ms
//! debounce on top.
//!
//! `cargo bench -p hubspoke-lint --bench lsp_stdio` prints p50/p95/p99.
//! `RELINT_ITERATIONS=50` runs fewer iterations.

use std::io::{BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[path = "../../hubspoke-lsp/benches/support/manifest.rs"]
mod manifest;
use manifest::manifest;

#[path = "../../hubspoke-lsp/benches/support/latency.rs"]
mod latency;
use latency::{iterations, percentile};

/// Iterations not measured: the engines of every thread warm up, and the
/// first repository pass lints the buffer once more.
const WARM_UP: usize = 20;

struct Client {
    stdin: std::process::ChildStdin,
    /// Messages from the server, each with the time it was read.
    incoming: Receiver<(Instant, Value)>,
}

impl Client {
    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("server reads");
        self.stdin.flush().expect("server reads");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// When the diagnostics of `version` were read, and how many there were.
    fn diagnostics(&self, version: i64) -> (Instant, usize) {
        loop {
            let (at, message) = self
                .incoming
                .recv_timeout(Duration::from_secs(300))
                .expect("diagnostics in time");
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["version"] == json!(version)
            {
                let count = message["params"]["diagnostics"]
                    .as_array()
                    .map_or(0, Vec::len);
                return (at, count);
            }
        }
    }

    fn response(&self, id: i64) -> Value {
        loop {
            let (_, message) = self
                .incoming
                .recv_timeout(Duration::from_secs(300))
                .expect("a response in time");
            if message["id"] == json!(id) && message.get("method").is_none() {
                return message;
            }
        }
    }
}

/// Read framed JSON-RPC messages until the server closes its stdout.
fn read_messages(stdout: impl Read, sender: std::sync::mpsc::Sender<(Instant, Value)>) {
    let mut reader = BufReader::new(stdout);
    while let Ok(Some(message)) = lsp_server::Message::read(&mut reader) {
        let message = serde_json::to_value(message).expect("JSON from the server");
        if sender.send((Instant::now(), message)).is_err() {
            return;
        }
    }
}

fn main() {
    let iterations = iterations();
    let documents = 25;
    let mut replicas = vec![2u32; documents];
    let text = manifest(&replicas);
    let lines = text.lines().count();
    let workspace = tempfile::tempdir().expect("tempdir");
    let path = workspace.path().join("manifest.yaml");
    std::fs::write(&path, &text).expect("write the manifest");

    let mut child = Command::new(env!("CARGO_BIN_EXE_hubspoke-lint"))
        .arg("lsp")
        .current_dir(workspace.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary starts");
    let (sender, incoming) = channel();
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || read_messages(stdout, sender));
    let mut client = Client {
        stdin: child.stdin.take().expect("stdin"),
        incoming,
    };
    let root = format!("file://{}", workspace.path().display());
    let uri = format!("file://{}", path.display());
    client.send(&json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "processId": null,
            "rootUri": root,
            "capabilities": {},
            "initializationOptions": {"debounceMs": 0},
        },
    }));
    client.response(1);
    client.notify("initialized", json!({}));
    let started = Instant::now();
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    );
    let (at, count) = client.diagnostics(1);
    let cold = at - started;

    let mut times = Vec::with_capacity(iterations);
    let mut settled = None;
    for i in 0..WARM_UP + iterations {
        let version = i as i64 + 2;
        let document = (i * 7) % documents;
        replicas[document] = replicas[document] % 9 + 1;
        let text = manifest(&replicas);
        let change = json!({
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": text}],
            },
        });
        let started = Instant::now();
        client.send(&change);
        let (at, found) = client.diagnostics(version);
        if i >= WARM_UP {
            times.push(at - started);
            // The opened text was the saved one and may show repository findings too.
            let measured = *settled.get_or_insert(found);
            assert_eq!(found, measured, "a replica count changes no finding");
        }
    }
    times.sort();
    println!(
        "lsp_stdio: {lines} lines, {} documents, {} diagnostics ({count} on open); open to first diagnostics (settings load, warm-up) {:.1} ms",
        documents * 2,
        settled.unwrap_or_default(),
        cold.as_secs_f64() * 1e3
    );
    println!(
        "didChange to publishDiagnostics over stdio after a one-character change, {iterations} iterations (after {WARM_UP} unmeasured): p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.95).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        percentile(&times, 1.0).as_secs_f64() * 1e3,
    );
    client.send(&json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": null}));
    client.response(2);
    client.notify("exit", Value::Null);
    let status = child.wait().expect("the server exits");
    assert!(status.success(), "{status}");
}
