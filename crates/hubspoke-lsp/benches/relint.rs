//! Re-lint latency while typing: a 1,000-line manifest of 50 documents is
//! open; each iteration changes one character of one document (a different
//! one each time) and measures the time from `didChange` to the matching
//! `publishDiagnostics`, as an editor sees it (debounce set to zero, so the
//! figure is the server's work; an editor adds its 150 ms debounce on top).
//!
//! `cargo bench -p hubspoke-lsp --bench relint` prints p50/p95/p99.
//! `RELINT_ITERATIONS=50` runs fewer iterations. `hubspoke-lint`'s bench
//! `lsp_stdio` measures the same through the binary and its stdio.

use std::time::{Duration, Instant};

use hubspoke_lsp::{run, ServerOptions};
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};

// As in the `hubspoke-lint` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/manifest.rs"]
mod manifest;
use manifest::manifest;

#[path = "support/latency.rs"]
mod latency;
use latency::{iterations, percentile};

struct Client {
    connection: Connection,
}

impl Client {
    fn notify(&self, method: &str, params: Value) {
        self.connection
            .sender
            .send(Notification::new(method.to_owned(), params).into())
            .expect("server alive");
    }

    /// Wait for the diagnostics of `version`; returns how many there were.
    fn diagnostics(&self, version: i32) -> usize {
        loop {
            let message = self
                .connection
                .receiver
                .recv_timeout(Duration::from_secs(300))
                .expect("diagnostics in time");
            if let Message::Notification(n) = &message {
                if n.method == "textDocument/publishDiagnostics"
                    && n.params["version"] == json!(version)
                {
                    // What the stdio transport does with it: serialize.
                    let text = serde_json::to_string(&message).expect("serializable");
                    assert!(!text.is_empty());
                    return n.params["diagnostics"].as_array().map_or(0, Vec::len);
                }
            }
        }
    }
}

fn main() {
    // As the binary does: regorus' anyhow errors must not capture backtraces.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    let iterations = iterations();
    let documents = 25;
    let mut replicas = vec![2u32; documents];
    let text = manifest(&replicas);
    let lines = text.lines().count();

    let (server, client) = Connection::memory();
    let options = ServerOptions {
        debounce: Duration::ZERO,
    };
    let server = std::thread::spawn(move || run(server, options));
    let client = Client { connection: client };
    client
        .connection
        .sender
        .send(
            Request::new(
                RequestId::from(1),
                "initialize".to_owned(),
                json!({"processId": null, "rootUri": "file:///bench", "capabilities": {}}),
            )
            .into(),
        )
        .expect("server alive");
    client.notify("initialized", json!({}));
    let uri = "file:///bench/manifest.yaml";
    let started = Instant::now();
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    );
    let count = client.diagnostics(1);
    let cold = started.elapsed();

    let mut times = Vec::with_capacity(iterations);
    for i in 0..iterations {
        let version = i as i32 + 2;
        let document = (i * 7) % documents;
        replicas[document] = replicas[document] % 9 + 1;
        let text = manifest(&replicas);
        let started = Instant::now();
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
        let found = client.diagnostics(version);
        times.push(started.elapsed());
        assert_eq!(found, count, "a replica count changes no finding");
    }
    times.sort();
    println!(
        "relint: {lines} lines, {} documents, {count} diagnostics; first lint (settings load, warm-up) {:.1} ms",
        documents * 2,
        cold.as_secs_f64() * 1e3
    );
    println!(
        "relint after a one-character change, {iterations} iterations: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.95).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        percentile(&times, 1.0).as_secs_f64() * 1e3,
    );
    client
        .connection
        .sender
        .send(Request::new(RequestId::from(2), "shutdown".to_owned(), Value::Null).into())
        .expect("server alive");
    client.notify("exit", Value::Null);
    let outcome = server.join().expect("server thread");
    assert!(outcome.clean_exit);
}
