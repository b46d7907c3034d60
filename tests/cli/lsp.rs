//! The language server driven as an editor drives it: the real binary,
//! JSON-RPC over its stdin and stdout.

use std::collections::BTreeSet;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{copy_tree, json as json_output, root, run};

/// Generous: a debug build loads and compiles every policy at start.
const TIMEOUT: Duration = Duration::from_secs(120);

const PUBLISH: &str = "textDocument/publishDiagnostics";

/// A Kustomization without a service account (FLUX001), a privileged Pod
/// (PSS001 and others) and a HelmRelease without one (FLUX002).
const MANIFEST: &str = "\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: team-a
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: apps
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: team-a
spec:
  containers:
    - name: app
      image: ghcr.io/example/web:1.0.0
      securityContext:
        privileged: true
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: redis
  namespace: team-a
spec:
  interval: 10m
  chart:
    spec:
      chart: redis
";

fn file_uri(path: &Path) -> String {
    format!("file://{}", path.display().to_string().replace(' ', "%20"))
}

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    backlog: Vec<Value>,
    next_id: i64,
    root: PathBuf,
}

impl Client {
    /// Start `hubspoke-lint lsp` in `root` (not yet initialized).
    fn spawn(root: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hubspoke-lint"))
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Ok(Some(message)) = lsp_server::Message::read(&mut reader) {
                let message = serde_json::to_value(message).expect("JSON from the server");
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming,
            backlog: Vec::new(),
            next_id: 0,
            root: root.to_path_buf(),
        }
    }

    /// Start and initialize, as an editor opening `root` does.
    fn start(root: &Path) -> Client {
        let mut client = Client::spawn(root);
        let response = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": file_uri(root),
                "capabilities": {},
            }),
        );
        let capabilities = &response["result"]["capabilities"];
        assert_eq!(capabilities["hoverProvider"], json!(true));
        assert_eq!(capabilities["textDocumentSync"]["change"], json!(1));
        assert_eq!(response["result"]["serverInfo"]["name"], "hubspoke-lint");
        client.notify("initialized", json!({}));
        client
    }

    fn uri(&self, name: &str) -> String {
        file_uri(&self.root.join(name))
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("server reads");
        self.stdin.flush().expect("server reads");
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Send a request and wait for its response (error or result).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.next(&format!("the response to {method}"), |m| {
            m["id"] == json!(id) && m.get("method").is_none()
        })
    }

    fn open(&mut self, name: &str, text: &str) -> String {
        let uri = self.uri(name);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        );
        uri
    }

    fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": text}],
            }),
        );
    }

    /// The first message (kept back or new) that `wanted` accepts; others are kept back.
    fn next(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        self.next_within(TIMEOUT, wanted).unwrap_or_else(|| {
            let last: Vec<&Value> = self.backlog.iter().rev().take(5).collect();
            panic!(
                "no {what}; {} messages received, the last ones: {last:#?}",
                self.backlog.len()
            )
        })
    }

    /// Like `next`, `None` after `timeout`.
    fn next_within(&mut self, timeout: Duration, wanted: impl Fn(&Value) -> bool) -> Option<Value> {
        if let Some(at) = self.backlog.iter().position(&wanted) {
            return Some(self.backlog.remove(at));
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) if wanted(&message) => return Some(message),
                Ok(message) => self.backlog.push(message),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// The diagnostics published for `uri` at `version`.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let message = self.next(&format!("diagnostics for {uri} v{version}"), |m| {
            m["method"] == PUBLISH
                && m["params"]["uri"] == uri
                && m["params"]["version"] == json!(version)
        });
        message["params"]["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .clone()
    }

    /// The diagnostics of `uri` at `version` once they equal `expected` (the
    /// repository rules arrive after a pass over the tree), or the last ones
    /// published when that does not happen in time.
    fn diagnostics_reaching(
        &mut self,
        uri: &str,
        version: i64,
        expected: &BTreeSet<String>,
        skip: &BTreeSet<String>,
    ) -> BTreeSet<String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut last = BTreeSet::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Some(message) = self.next_within(left, |m| {
                m["method"] == PUBLISH
                    && m["params"]["uri"] == uri
                    && m["params"]["version"] == json!(version)
            }) else {
                return last;
            };
            last = lsp_findings(
                message["params"]["diagnostics"].as_array().expect("array"),
                skip,
            );
            if &last == expected {
                return last;
            }
        }
    }

    /// The next diagnostics published for `uri` that `wanted` accepts.
    fn diagnostics_until(&mut self, uri: &str, wanted: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let message = self.next(&format!("matching diagnostics for {uri}"), |m| {
            m["method"] == PUBLISH
                && m["params"]["uri"] == uri
                && wanted(
                    m["params"]["diagnostics"]
                        .as_array()
                        .map_or(&[], Vec::as_slice),
                )
        });
        message["params"]["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .clone()
    }

    /// `shutdown`, `exit`, and the exit status.
    fn exit(mut self) -> ExitStatus {
        let response = self.request("shutdown", Value::Null);
        assert_eq!(response["result"], Value::Null, "{response}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default())
        .collect()
}

fn with_code<'a>(diagnostics: &'a [Value], code: &str) -> &'a Value {
    diagnostics
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {diagnostics:#?}"))
}

fn range(start: (u32, u32), end: (u32, u32)) -> Value {
    json!({
        "start": {"line": start.0, "character": start.1},
        "end": {"line": end.0, "character": end.1},
    })
}

/// Repository rules: they run when a file is saved, over the saved tree.
fn repository_rules() -> BTreeSet<String> {
    let output = run(None, &["rules", "--format", "json"]);
    json_output(&output)
        .as_array()
        .expect("rules")
        .iter()
        .filter(|r| r["scope"] == "repository")
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect()
}

/// The CLI's JSON report on `dir`.
fn cli_report(dir: &Path) -> Value {
    json_output(&run(Some(dir), &[".", "--format", "json"]))
}

/// (code, range, severity, message) of the CLI's findings in `file`, as LSP values.
fn cli_findings(report: &Value, file: &str, skip: &BTreeSet<String>) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["file"] == file)
        .filter(|f| !skip.contains(f["rule"].as_str().unwrap_or_default()))
        .map(|f| {
            let at = |key: &str| f[key].as_u64().unwrap_or(1) as u32 - 1;
            let severity = match f["severity"].as_str() {
                Some("error") => 1,
                Some("warning") => 2,
                _ => 3,
            };
            json!([
                f["rule"],
                range(
                    (at("line"), at("column")),
                    (at("end_line"), at("end_column"))
                ),
                severity,
                with_clusters(f)
            ])
            .to_string()
        })
        .collect()
}

/// A CLI finding's message as an editor shows it: the clusters it applies to named.
fn with_clusters(finding: &Value) -> String {
    let message = finding["message"].as_str().unwrap_or_default();
    let clusters: Vec<&str> = finding["clusters"]
        .as_array()
        .map_or_else(Vec::new, |c| c.iter().filter_map(Value::as_str).collect());
    match clusters.len() {
        0 => message.to_owned(),
        1 => format!("{message} [cluster: {}]", clusters[0]),
        _ => format!("{message} [clusters: {}]", clusters.join(", ")),
    }
}

fn lsp_findings(diagnostics: &[Value], skip: &BTreeSet<String>) -> BTreeSet<String> {
    diagnostics
        .iter()
        .filter(|d| !skip.contains(d["code"].as_str().unwrap_or_default()))
        .map(|d| json!([d["code"], d["range"], d["severity"], d["message"]]).to_string())
        .collect()
}

fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

#[test]
fn lsp_publishes_the_cli_findings_and_keeps_them_through_half_typed_yaml() {
    // Multi-tenant, so that the lockdown rules (FLUX001, FLUX002) report on this one file;
    // BP006 checks nothing until its list is set: set one the Pod's image is not in.
    let dir = workspace(&[
        ("m.yaml", MANIFEST),
        (
            ".hubspoke-lint.yaml",
            "profile: multi-tenant\nrules:\n  BP006: {params: {allowed_registries: [registry.example.com]}}\n",
        ),
    ]);
    let mut client = Client::start(dir.path());
    let uri = client.open("m.yaml", MANIFEST);
    let opened = client.diagnostics(&uri, 1);

    // The exact diagnostics of two rules, with everything an editor shows.
    assert_eq!(
        with_code(&opened, "FLUX001"),
        &json!({
            "range": range((5, 0), (5, 4)),
            "severity": 1,
            "code": "FLUX001",
            "codeDescription": {"href": "https://github.com/hubspoke-lint/hubspoke-lint/blob/main/docs/rules.md#flux001--kustomization-without-service-account"},
            "source": "hubspoke-lint",
            "message": "Kustomization \"apps\" in namespace \"team-a\" has no spec.serviceAccountName, so it reconciles with the controller's cluster-admin rights",
        })
    );
    let privileged = with_code(&opened, "PSS001");
    assert_eq!(privileged["range"], range((23, 20), (23, 24)));
    assert_eq!(privileged["severity"], 1);
    assert_eq!(
        privileged["message"],
        "container \"app\" of Pod \"web\" runs privileged"
    );
    assert_eq!(
        with_code(&opened, "FLUX002")["range"],
        range((30, 0), (30, 4))
    );

    // Every finding is the CLI's finding, at the same range.
    let skip = repository_rules();
    assert_eq!(
        lsp_findings(&opened, &skip),
        cli_findings(&cli_report(dir.path()), "m.yaml", &skip)
    );

    // Half-typed: an unclosed quote in the Pod's image (line 21). The error
    // shows where the parser stopped; the documents before and after are
    // linted as they are, and the Pod keeps its last good findings on every
    // line but the one being typed on (the image's BP006 goes).
    let broken = MANIFEST.replace("image: ghcr.io", "image: \"ghcr.io");
    client.change(&uri, 2, &broken);
    let typing = client.diagnostics(&uri, 2);
    let error = with_code(&typing, "parse-error");
    assert_eq!(error["severity"], 1);
    assert_eq!(error["range"], range((21, 13), (21, 13)), "{error}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("invalid YAML: ")),
        "{error}"
    );
    let untouched: Vec<Value> = opened
        .iter()
        .filter(|d| {
            !(d["range"]["start"]["line"].as_u64() <= Some(21)
                && d["range"]["end"]["line"].as_u64() >= Some(21))
        })
        .cloned()
        .collect();
    let mut expected = lsp_findings(&untouched, &skip);
    expected.insert(
        json!([
            error["code"],
            error["range"],
            error["severity"],
            error["message"]
        ])
        .to_string(),
    );
    assert_eq!(lsp_findings(&typing, &skip), expected);
    for (code, line) in [
        ("FLUX001", 5),
        ("BP005", 15),
        ("BP003", 20),
        ("PSS001", 23),
        ("schema/invalid", 33),
    ] {
        assert_eq!(with_code(&typing, code), with_code(&opened, code));
        assert_eq!(
            with_code(&typing, code)["range"]["start"]["line"],
            line,
            "{code}"
        );
    }
    assert!(codes(&opened).contains(&"BP006"), "{opened:#?}");
    assert!(!codes(&typing).contains(&"BP006"), "{typing:#?}");

    // Fixed again: the same findings as before.
    client.change(&uri, 3, MANIFEST);
    assert_eq!(
        lsp_findings(&client.diagnostics(&uri, 3), &skip),
        lsp_findings(&opened, &skip)
    );

    // A one-character edit that moves later documents down a line.
    let moved = MANIFEST.replacen("  name: apps\n", "  name: apps\n  labels: {a: b}\n", 1);
    client.change(&uri, 4, &moved);
    let after = client.diagnostics(&uri, 4);
    assert_eq!(
        with_code(&after, "PSS001")["range"],
        range((24, 20), (24, 24))
    );
    std::fs::write(dir.path().join("m.yaml"), &moved).expect("write");
    assert_eq!(
        lsp_findings(&after, &skip),
        cli_findings(&cli_report(dir.path()), "m.yaml", &skip)
    );

    assert!(client.exit().success());
}

/// The editor's log counts rules as `hubspoke-lint rules` and the lint summary do.
#[test]
fn lsp_logs_the_rule_count_of_the_command_line() {
    let dir = workspace(&[("m.yaml", MANIFEST)]);
    let mut client = Client::start(dir.path());
    let log = client.next("the rules' log line", |m| {
        m["method"] == "window/logMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|s| s.contains(" rules enabled "))
    });
    let message = log["params"]["message"]
        .as_str()
        .expect("message")
        .to_owned();
    let summary = json_output(&run(Some(dir.path()), &[".", "--format", "json"]))["summary"]
        ["rules"]
        .as_u64()
        .expect("rules");
    let known = json_output(&run(None, &["rules", "--format", "json"]))
        .as_array()
        .map(Vec::len)
        .expect("catalogue");
    let expected = format!("hubspoke-lint: {summary} rules enabled ({known} known) in ");
    assert!(message.starts_with(&expected), "{message} / {expected}");
    assert!(client.exit().success());
}

#[test]
fn lsp_code_actions_fix_suppress_and_hover_explains() {
    // Multi-tenant, so that FLUX001 (whose quick fix is tested) reports.
    let dir = workspace(&[
        (".hubspoke-lint.yaml", "profile: multi-tenant\n"),
        ("tenant/m.yaml", MANIFEST),
        (
            "tenant/rbac.yaml",
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: reconciler\n  namespace: team-a\n",
        ),
    ]);
    let mut client = Client::start(dir.path());
    let uri = client.open("tenant/m.yaml", MANIFEST);
    let diagnostics = client.diagnostics(&uri, 1);
    let actions = |client: &mut Client, diagnostic: &Value| {
        let response = client.request(
            "textDocument/codeAction",
            json!({
                "textDocument": {"uri": uri},
                "range": diagnostic["range"],
                "context": {"diagnostics": [diagnostic]},
            }),
        );
        response["result"].as_array().expect("actions").clone()
    };
    let edit_of = |actions: &[Value], title: &str| {
        let action = actions
            .iter()
            .find(|a| a["title"] == title)
            .unwrap_or_else(|| panic!("no action {title:?} in {actions:#?}"));
        assert_eq!(action["kind"], "quickfix");
        action["edit"]["changes"][uri.as_str()].clone()
    };

    let privileged = with_code(&diagnostics, "PSS001").clone();
    let found = actions(&mut client, &privileged);
    assert_eq!(
        edit_of(&found, "Set securityContext.privileged: false"),
        json!([{"range": range((23, 20), (23, 24)), "newText": "false"}])
    );
    let suppress = edit_of(&found, "Suppress PSS001 on this line");
    assert_eq!(
        suppress,
        json!([{"range": range((23, 0), (23, 0)), "newText": "        # hubspoke-lint: ignore[PSS001] <reason>\n"}])
    );
    let preferred = found
        .iter()
        .find(|a| a["title"] == "Set securityContext.privileged: false")
        .expect("fix");
    assert_eq!(preferred["isPreferred"], true);
    // One fix for every rule flagging the field (the per-control rule and the profile rules).
    let fixed = preferred["diagnostics"].as_array().expect("diagnostics");
    assert!(fixed.contains(&privileged), "{fixed:#?}");

    // FLUX001: the service account of the namespace, found in rbac.yaml beside it.
    let flux = with_code(&diagnostics, "FLUX001").clone();
    assert_eq!(
        edit_of(
            &actions(&mut client, &flux),
            "Set spec.serviceAccountName: reconciler"
        ),
        json!([{"range": range((6, 0), (6, 0)), "newText": "  serviceAccountName: reconciler\n"}])
    );

    // The pod-security rules on allowPrivilegeEscalation and runAsNonRoot get
    // their field set too, when those rules are loaded.
    for (code, title, text) in [
        (
            "PSS014",
            "Set securityContext.allowPrivilegeEscalation: false",
            "        allowPrivilegeEscalation: false\n",
        ),
        (
            "PSS017",
            "Set securityContext.runAsNonRoot: true",
            "        runAsNonRoot: true\n",
        ),
    ] {
        if let Some(diagnostic) = diagnostics.iter().find(|d| d["code"] == code) {
            assert_eq!(
                edit_of(&actions(&mut client, diagnostic), title),
                json!([{"range": range((24, 0), (24, 0)), "newText": text}]),
                "{code}"
            );
        }
    }

    // Hover over the finding: the rule's title, description and help.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 23, "character": 21}}),
    );
    let text = hover["result"]["contents"]["value"]
        .as_str()
        .expect("markdown");
    assert_eq!(hover["result"]["contents"]["kind"], "markdown");
    assert!(text.contains("**PSS001** `privileged-container`"), "{text}");
    assert!(text.contains("A container runs privileged."), "{text}");
    assert!(text.contains("**Fix:** "), "{text}");
    assert!(
        text.contains("(https://github.com/hubspoke-lint/hubspoke-lint/blob/main/docs/rules.md#pss001--privileged-container)"),
        "{text}"
    );
    assert_eq!(hover["result"]["range"], privileged["range"]);
    let nothing = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 3}}),
    );
    assert_eq!(nothing["result"], Value::Null, "{nothing}");

    // Applied as is, the suppression keeps its placeholder: no reason, so the finding
    // stays and the placeholder is reported, as on the command line.
    let placeholder = MANIFEST.replace(
        "        privileged: true\n",
        "        # hubspoke-lint: ignore[PSS001] <reason>\n        privileged: true\n",
    );
    client.change(&uri, 2, &placeholder);
    let after = client.diagnostics(&uri, 2);
    assert_eq!(with_code(&after, "PSS001")["range"]["start"]["line"], 24);
    let without_reason = with_code(&after, "suppression-without-reason");
    assert_eq!(without_reason["range"], range((23, 8), (23, 48)));
    assert_eq!(
        without_reason["message"],
        "comment suppression of PSS001 still has the placeholder reason `<reason>`; replace it with why the finding is acceptable"
    );
    // With a reason, it silences the finding.
    let suppressed = placeholder.replace("<reason>", "the CNI agent needs it");
    client.change(&uri, 3, &suppressed);
    let after = client.diagnostics(&uri, 3);
    assert!(!codes(&after).contains(&"PSS001"), "{after:#?}");
    assert!(
        !codes(&after).contains(&"suppression-without-reason"),
        "{after:#?}"
    );
    assert!(codes(&after).contains(&"FLUX001"), "{after:#?}");
    assert!(client.exit().success());
}

#[test]
fn lsp_answers_bad_requests_with_errors_and_never_exits_on_bad_input() {
    let dir = workspace(&[]);
    let mut client = Client::spawn(dir.path());
    let early = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///x.yaml"}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(early["error"]["code"], -32002, "{early}");
    client.request(
        "initialize",
        json!({"processId": null, "rootUri": file_uri(dir.path()), "capabilities": {}}),
    );
    client.notify("initialized", json!({}));

    let unknown = client.uri("never-opened.yaml");
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": unknown}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(hover["error"]["code"], -32803, "{hover}");
    assert!(hover["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("unknown document")));
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": unknown}, "range": range((0, 0), (0, 0)), "context": {"diagnostics": []}}),
    );
    assert_eq!(actions["error"]["code"], -32803, "{actions}");
    let method = client.request("hubspoke/noSuchMethod", json!({}));
    assert_eq!(method["error"]["code"], -32601, "{method}");
    let params = client.request("textDocument/hover", json!({"textDocument": 7}));
    assert_eq!(params["error"]["code"], -32602, "{params}");

    // Garbage on the wire, changes to documents that are not open, binary and
    // broken YAML, an invalid URI: logged or diagnosed, never fatal.
    client.send_raw(b"Content-Length: 9\r\n\r\n{not json");
    client.send_raw(b"Content-Length: 12\r\n\r\n[1, 2, 3, 4]");
    client.change(&unknown, 2, "a: b\n");
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "::not a uri::"}}),
    );
    let binary = client.open("binary.yaml", "\u{0}\u{1}\u{2}");
    assert_eq!(codes(&client.diagnostics(&binary, 1)), vec!["binary-file"]);
    let broken = client.open("broken.yaml", "a: [1, 2\nb: {\n");
    let diagnostics = client.diagnostics(&broken, 1);
    assert_eq!(codes(&diagnostics), vec!["parse-error"]);
    let duplicate = client.open("duplicate.yaml", "a: 1\na: 2\n");
    let diagnostics = client.diagnostics(&duplicate, 1);
    assert_eq!(
        with_code(&diagnostics, "duplicate-key")["relatedInformation"],
        json!([{
            "location": {"uri": duplicate, "range": range((0, 0), (0, 1))},
            "message": "`a` first defined here",
        }])
    );
    let empty = client.open("empty.yaml", "");
    assert_eq!(codes(&client.diagnostics(&empty, 1)), vec!["empty-file"]);

    // Still serving.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": broken}, "position": {"line": 0, "character": 3}}),
    );
    assert!(hover.get("error").is_none(), "{hover}");
    let log = client.next("a log of the malformed message", |m| {
        m["method"] == "window/logMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|s| s.contains("malformed"))
    });
    assert_eq!(log["params"]["type"], 2);

    // Closing clears the diagnostics.
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": broken}}),
    );
    let cleared = client.next("cleared diagnostics", |m| {
        m["method"] == PUBLISH
            && m["params"]["uri"] == broken
            && m["params"]["diagnostics"] == json!([])
    });
    assert_eq!(cleared["params"]["diagnostics"], json!([]));

    let response = client.request("shutdown", Value::Null);
    assert_eq!(response["result"], Value::Null);
    let late = client.request("textDocument/hover", json!({}));
    assert_eq!(late["error"]["code"], -32600, "{late}");
    client.notify("exit", Value::Null);
    let status = client.child.wait().expect("exits");
    assert!(status.success(), "{status}");
}

#[test]
fn lsp_exits_with_1_without_shutdown() {
    let dir = workspace(&[]);
    let mut client = Client::start(dir.path());
    client.notify("exit", Value::Null);
    let status = client.child.wait().expect("exits");
    assert_eq!(status.code(), Some(1));
}

#[test]
fn lsp_picks_up_configuration_changes_without_restart() {
    let dir = workspace(&[("m.yaml", MANIFEST)]);
    let mut client = Client::start(dir.path());
    let uri = client.open("m.yaml", MANIFEST);
    assert!(codes(&client.diagnostics(&uri, 1)).contains(&"PSS001"));
    let config = client.uri(".hubspoke-lint.yaml");

    // A new configuration turns PSS001 off: the editor learns of it from its file watcher.
    std::fs::write(
        dir.path().join(".hubspoke-lint.yaml"),
        "rules:\n  PSS001:\n    enabled: false\n",
    )
    .expect("write");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": config, "type": 1}]}),
    );
    let relinted = client.diagnostics_until(&uri, |d| !d.iter().any(|d| d["code"] == "PSS001"));
    assert!(codes(&relinted).contains(&"FLUX001"));
    // Publishes of the first settings that `relinted` skipped (the repository
    // pass can finish after the reload) are still in the backlog: from here on
    // only what the server publishes next counts.
    client
        .backlog
        .retain(|m| m["params"]["uri"] != uri.as_str());

    // A broken configuration, saved in the editor: the error shows in the
    // file, at the bad key, and the last good settings stay in force.
    std::fs::write(
        dir.path().join(".hubspoke-lint.yaml"),
        "rules:\n  PSS001:\n    enabld: false\n",
    )
    .expect("write");
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": config}}),
    );
    let error = client.diagnostics_until(&config, |d| !d.is_empty());
    assert_eq!(error.len(), 1, "{error:#?}");
    assert_eq!(error[0]["code"], "config-error");
    assert_eq!(error[0]["range"], range((2, 4), (2, 4)));
    assert!(
        error[0]["message"]
            .as_str()
            .is_some_and(|m| m
                .starts_with("invalid configuration: rules.PSS001.enabld: unknown field `enabld`")),
        "{error:#?}"
    );
    let kept = client.diagnostics_until(&uri, |_| true);
    assert!(!codes(&kept).contains(&"PSS001"), "{kept:#?}");

    // Fixed: the error goes away.
    client
        .backlog
        .retain(|m| m["params"]["uri"] != config.as_str());
    std::fs::write(dir.path().join(".hubspoke-lint.yaml"), "rules: {}\n").expect("write");
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": config}}),
    );
    client.diagnostics_until(&config, <[Value]>::is_empty);
    let back = client.diagnostics_until(&uri, |d| d.iter().any(|d| d["code"] == "PSS001"));
    assert!(codes(&back).contains(&"PSS001"));
    assert!(client.exit().success());
}

#[test]
fn lsp_and_cli_agree_on_every_file_of_the_broken_example() {
    let dir = root().join("fixtures/hub-spoke-broken");
    // Every rule, repository rules included (the first pass runs at start).
    let skip = BTreeSet::new();
    let mut files = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(path);
            }
        }
    }
    files.sort();
    let report = cli_report(&dir);
    let mut client = Client::start(&dir);
    let mut compared = 0;
    for path in &files {
        let name = path
            .strip_prefix(&dir)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        if name == ".hubspoke-lint.yaml" {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("text");
        let uri = client.open(&name, &text);
        let expected = cli_findings(&report, &name, &skip);
        let actual = client.diagnostics_reaching(&uri, 1, &expected, &skip);
        assert_eq!(actual, expected, "{name}");
        compared += expected.len();
    }
    assert!(compared >= 30, "only {compared} findings compared");
    assert!(client.exit().success());
}

#[test]
fn lsp_runs_repository_rules_over_the_saved_tree() {
    let dir = workspace(&[("m.yaml", MANIFEST)]);
    let mut client = Client::start(dir.path());
    let uri = client.open("m.yaml", MANIFEST);
    // The GitRepository the Kustomization takes its source from is defined
    // nowhere: a repository rule says so once the first pass is done.
    let with = client.diagnostics_until(&uri, |d| d.iter().any(|d| d["code"] == "HUB003"));
    let expected = cli_findings(&cli_report(dir.path()), "m.yaml", &BTreeSet::new());
    assert_eq!(lsp_findings(&with, &BTreeSet::new()), expected);
    assert_eq!(
        with_code(&with, "HUB003")["range"],
        range((11, 10), (11, 14))
    );

    // The source is added in another file and saved: the next pass clears the finding.
    std::fs::write(
        dir.path().join("source.yaml"),
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: apps\n  namespace: team-a\nspec:\n  interval: 1m\n  url: https://github.com/example/apps\n  ref:\n    tag: v1.0.0\n",
    )
    .expect("write");
    let saved = client.uri("source.yaml");
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": saved}}),
    );
    let without = client.diagnostics_until(&uri, |d| !d.iter().any(|d| d["code"] == "HUB003"));
    assert!(codes(&without).contains(&"FLUX001"), "{without:#?}");
    assert!(client.exit().success());
}

#[test]
fn lsp_reports_the_repositorys_kyverno_policies_with_the_repository_pass() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27\n";
    let policy = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: require-team\nspec:\n  validationFailureAction: Enforce\n  rules:\n    - name: team-label\n      match:\n        any:\n          - resources:\n              kinds: [Pod]\n      validate:\n        message: Pods name their team.\n        pattern:\n          metadata:\n            labels:\n              team: \"?*\"\n";
    let dir = workspace(&[("pod.yaml", pod), ("policies/require-team.yaml", policy)]);
    let mut client = Client::start(dir.path());
    let uri = client.open("pod.yaml", pod);
    let code = "kyverno/require-team/team-label";
    let with = client.diagnostics_until(&uri, |d| d.iter().any(|d| d["code"] == code));
    let expected = cli_findings(&cli_report(dir.path()), "pod.yaml", &BTreeSet::new());
    assert_eq!(lsp_findings(&with, &BTreeSet::new()), expected);
    let finding = with_code(&with, code);
    assert_eq!(finding["range"], range((2, 0), (2, 8)));
    assert_eq!(finding["severity"], 1);
    assert!(client.exit().success());
}

const WIDGET_CRD: &str = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names:
    kind: Widget
    plural: widgets
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size:
                  type: integer
";

/// A Deployment whose replica count is text and with a misspelt field, and
/// a Widget (a CRD of the workspace) whose size is text.
const SCHEMA_MANIFEST: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: team-a
spec:
  replicas: \"three\"
  replica: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: app
          image: ghcr.io/example/web:1.0.0
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: small
  namespace: team-a
spec:
  size: big
";

#[test]
fn lsp_validates_schemas_as_the_cli_does() {
    let dir = workspace(&[
        (".hubspoke-lint.yaml", "schema:\n  strict: true\n"),
        ("crd.yaml", WIDGET_CRD),
        ("app.yaml", SCHEMA_MANIFEST),
    ]);
    let report = cli_report(dir.path());
    let cli_schema = |report: &Value, line: u64| {
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["file"] == "app.yaml" && f["rule"] == "schema/invalid" && f["line"] == line)
            .unwrap_or_else(|| panic!("no schema/invalid on line {line} in {report:#}"))
            .clone()
    };
    // `replicas: "three"`: the value, line 7, columns 13 to 20.
    let replicas = cli_schema(&report, 7);
    assert_eq!(
        [
            &replicas["column"],
            &replicas["end_line"],
            &replicas["end_column"]
        ],
        [&json!(13), &json!(7), &json!(20)],
        "{replicas:#}"
    );
    let widget = cli_schema(&report, 27);

    let mut client = Client::start(dir.path());
    let uri = client.open("app.yaml", SCHEMA_MANIFEST);
    // Every finding of the CLI, schema findings of the workspace's CRD included
    // (they come with the first repository pass).
    let expected = cli_findings(&report, "app.yaml", &BTreeSet::new());
    assert_eq!(
        client.diagnostics_reaching(&uri, 1, &expected, &BTreeSet::new()),
        expected
    );
    let invalid = |at: Value, finding: &Value| {
        json!(["schema/invalid", at, 1, finding["message"]]).to_string()
    };
    assert!(
        expected.contains(&invalid(range((6, 12), (6, 19)), &replicas)),
        "{expected:#?}"
    );
    assert_eq!(
        replicas["message"],
        "Deployment `web`: `spec.replicas`: expected an integer, found the string \"three\""
    );
    // The Widget's size, checked against the workspace's CRD.
    assert!(
        expected.contains(&invalid(range((26, 8), (26, 11)), &widget)),
        "{expected:#?}"
    );
    assert!(
        expected
            .iter()
            .any(|f| f.starts_with("[\"schema/unknown-field\"")),
        "strict: true from the configuration: {expected:#?}"
    );

    // The CRD now says a size is text: the next pass rebuilds the schemas.
    std::fs::write(
        dir.path().join("crd.yaml"),
        WIDGET_CRD.replace("type: integer", "type: string"),
    )
    .expect("write");
    let saved = client.uri("crd.yaml");
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": saved}}),
    );
    let widget_message = widget["message"].clone();
    let after =
        client.diagnostics_until(&uri, |d| !d.iter().any(|d| d["message"] == widget_message));
    assert_eq!(
        lsp_findings(&after, &BTreeSet::new()),
        cli_findings(&cli_report(dir.path()), "app.yaml", &BTreeSet::new())
    );
    assert!(client.exit().success());
}

fn message(diagnostic: &Value) -> &str {
    diagnostic["message"].as_str().unwrap_or_default()
}

/// Editing a base shows what the overlays including it make of it, clusters named:
/// the registry only staging's `${cluster_env}` leaves disallowed, with the variable's
/// definition related, and no "missing resources" the overlays add; once the base pulls
/// from a registry no environment allows, both clusters.
#[test]
fn lsp_shows_on_a_base_the_findings_of_the_overlays_that_include_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&root().join("fixtures/hub-spoke-render"), dir.path());
    let mut client = Client::start(dir.path());
    let base = "apps/podinfo/base/deployment.yaml";
    let text = std::fs::read_to_string(dir.path().join(base)).expect("read");
    let uri = client.open(base, &text);
    // Until the first pass over the tree the buffer is judged as written; then as rendered.
    let found = client.diagnostics_until(&uri, |d| {
        d.iter().any(|d| message(d).ends_with("[cluster: staging]"))
    });
    assert_eq!(codes(&found), vec!["BP006"], "{found:#?}");
    let registry = with_code(&found, "BP006");
    assert_eq!(registry["range"], range((26, 26), (26, 40)));
    assert!(
        message(registry).ends_with("[cluster: staging]"),
        "{registry:#?}"
    );
    let related = &registry["relatedInformation"][0];
    assert_eq!(
        related["location"]["uri"],
        client.uri("hub/spokes/staging.yaml")
    );
    assert_eq!(related["location"]["range"]["start"]["line"], 15);
    assert_eq!(related["message"], "`cluster_env` is defined here");

    let edited = text.replace("registry-${cluster_env}.example.com/", "docker.io/");
    std::fs::write(dir.path().join(base), &edited).expect("write");
    client.change(&uri, 2, &edited);
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}}),
    );
    let found = client.diagnostics_until(&uri, |d| {
        d.iter()
            .any(|d| message(d).ends_with("[clusters: production, staging]"))
    });
    assert_eq!(codes(&found), vec!["BP006"], "{found:#?}");
    assert_eq!(
        with_code(&found, "BP006")["range"],
        range((26, 17), (26, 40))
    );
    assert!(client.exit().success());
}

/// A repository Kyverno policy requiring production's registry, auto-generated for the
/// Deployment's pod template; it is in no kustomization, so it applies everywhere.
const TRUSTED_REGISTRY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: trusted-registry
spec:
  validationFailureAction: Enforce
  rules:
    - name: production-registry
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: Images come from the production registry.
        pattern:
          spec:
            containers:
              - image: \"registry-production.example.com/*\"
";

/// Editing a base shows the repository's Kyverno policy violations on the objects the
/// overlays render from it, clusters named: only staging's `${cluster_env}` makes the
/// registry untrusted (the variable's definition related); once the base pulls from a
/// registry no environment allows, both clusters.
#[test]
fn lsp_shows_on_a_base_the_kyverno_violations_of_the_overlays_that_include_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&root().join("fixtures/hub-spoke-render"), dir.path());
    std::fs::create_dir_all(dir.path().join("policies")).expect("mkdir");
    std::fs::write(
        dir.path().join("policies/trusted-registry.yaml"),
        TRUSTED_REGISTRY,
    )
    .expect("write");
    let mut client = Client::start(dir.path());
    let base = "apps/podinfo/base/deployment.yaml";
    let code = "kyverno/trusted-registry/production-registry";
    let text = std::fs::read_to_string(dir.path().join(base)).expect("read");
    let uri = client.open(base, &text);
    let found = client.diagnostics_until(&uri, |d| {
        d.iter()
            .any(|d| d["code"] == code && message(d).ends_with("[cluster: staging]"))
    });
    assert_eq!(codes(&found), vec!["BP006", code], "{found:#?}");
    let violation = with_code(&found, code);
    assert_eq!(violation["range"], range((26, 26), (26, 40)));
    assert_eq!(violation["severity"], 1);
    assert_eq!(
        message(violation),
        "Images come from the production registry: value \"registry-staging.example.com/podinfo:6.7.1\" does not match \"registry-production.example.com/*\" [cluster: staging]"
    );
    let related: Vec<(String, u64, String)> = violation["relatedInformation"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| {
            (
                r["location"]["uri"].as_str().unwrap_or_default().to_owned(),
                r["location"]["range"]["start"]["line"]
                    .as_u64()
                    .unwrap_or(0),
                r["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        related,
        vec![
            (
                client.uri("policies/trusted-registry.yaml"),
                7,
                "rule `production-registry` of Kyverno policy `trusted-registry` (applied to the pod template as `autogen-production-registry`)".to_owned()
            ),
            (
                client.uri("hub/spokes/staging.yaml"),
                15,
                "`cluster_env` is defined here".to_owned()
            ),
        ]
    );

    let edited = text.replace("registry-${cluster_env}.example.com/", "docker.io/");
    std::fs::write(dir.path().join(base), &edited).expect("write");
    client.change(&uri, 2, &edited);
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}}),
    );
    let found = client.diagnostics_until(&uri, |d| {
        d.iter()
            .any(|d| d["code"] == code && message(d).ends_with("[clusters: production, staging]"))
    });
    assert_eq!(codes(&found), vec!["BP006", code], "{found:#?}");
    assert_eq!(with_code(&found, code)["range"], range((26, 17), (26, 40)));
    assert!(client.exit().success());
}
