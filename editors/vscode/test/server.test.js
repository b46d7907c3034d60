// The extension's server start and initialization (src/server.js), run against the real
// `hubspoke-lint lsp` over stdio with the protocol library vscode-languageclient is built on.
// VS Code itself is not needed: src/extension.js only hands these options to LanguageClient.
//
// The binary: $HUBSPOKE_LINT_BIN, else the workspace's target/debug/hubspoke-lint (`cargo build`).
"use strict";

const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { test } = require("node:test");
const { pathToFileURL } = require("node:url");
const {
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
} = require("vscode-languageserver-protocol/node");

const {
  documentSelector,
  initializationOptions,
  resolveCommand,
  serverOptions,
} = require("../src/server");

const binary =
  process.env.HUBSPOKE_LINT_BIN ||
  path.resolve(__dirname, "../../../target/debug/hubspoke-lint");

test("hubspoke-lint.path: a bare name, an absolute path, a workspace-relative path", () => {
  assert.equal(resolveCommand(undefined, "/work"), "hubspoke-lint");
  assert.equal(resolveCommand("  ", "/work"), "hubspoke-lint");
  assert.equal(resolveCommand("hubspoke-lint", "/work"), "hubspoke-lint");
  assert.equal(resolveCommand("/opt/bin/hubspoke-lint", "/work"), "/opt/bin/hubspoke-lint");
  assert.equal(resolveCommand("target/debug/hubspoke-lint", "/work"), "/work/target/debug/hubspoke-lint");
  assert.equal(resolveCommand("./bin/hubspoke-lint", undefined), "./bin/hubspoke-lint");
});

test("initializationOptions: debounceMs only when it is a non-negative integer", () => {
  assert.deepEqual(initializationOptions({ debounceMs: 0 }), { debounceMs: 0 });
  assert.deepEqual(initializationOptions({ debounceMs: 150 }), { debounceMs: 150 });
  assert.deepEqual(initializationOptions({ debounceMs: -1 }), {});
  assert.deepEqual(initializationOptions({ debounceMs: 1.5 }), {});
  assert.deepEqual(initializationOptions({ debounceMs: "150" }), {});
  assert.deepEqual(initializationOptions({}), {});
});

test("serverOptions: `<path> lsp` in the workspace folder", () => {
  assert.deepEqual(serverOptions({ path: "/opt/hubspoke-lint" }, "/work"), {
    command: "/opt/hubspoke-lint",
    args: ["lsp"],
    options: { cwd: "/work" },
  });
  assert.deepEqual(documentSelector, [{ scheme: "file", language: "yaml" }]);
});

/**
 * Starts the server as the extension does (serverOptions, initializationOptions) on a copy of
 * test/fixture, initializes it and opens pod.yaml. Returns what the tests drive and observe.
 */
async function openFixture(t, settings) {
  assert.ok(
    fs.existsSync(binary),
    `no hubspoke-lint at ${binary}: run cargo build or set HUBSPOKE_LINT_BIN`,
  );
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "hubspoke-vscode-"));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.cpSync(path.join(__dirname, "fixture"), root, { recursive: true });

  const { command, args, options } = serverOptions(settings, root);
  const server = spawn(command, args, { ...options, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  server.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => server.on("exit", (code) => resolve(code)));
  t.after(() => server.kill());

  const connection = createProtocolConnection(
    new StreamMessageReader(server.stdout),
    new StreamMessageWriter(server.stdin),
  );
  const registrations = [];
  connection.onRequest(RegistrationRequest.type, (params) => {
    registrations.push(...params.registrations.map((r) => r.method));
    return null;
  });
  const published = [];
  let onPublish = () => {};
  connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
    published.push(params);
    onPublish();
  });
  connection.listen();
  t.after(() => connection.dispose());
  /** The first publication for `uri` from index `from` on that satisfies `accept`. */
  const nextDiagnostics = (uri, from, accept, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no diagnostics for ${uri} in ${timeoutMs} ms; stderr: ${stderr}`)),
        timeoutMs,
      );
      onPublish = () => {
        const found = published.slice(from).find((p) => p.uri === uri && accept(p));
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      };
      onPublish();
    });

  const rootUri = pathToFileURL(root).href;
  const result = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri,
    workspaceFolders: [{ uri: rootUri, name: "fixture" }],
    capabilities: {
      workspace: { didChangeWatchedFiles: { dynamicRegistration: true } },
      textDocument: { publishDiagnostics: { relatedInformation: true } },
    },
    initializationOptions: initializationOptions(settings),
  });
  connection.sendNotification(InitializedNotification.type, {});

  const uri = pathToFileURL(path.join(root, "pod.yaml")).href;
  const text = fs.readFileSync(path.join(root, "pod.yaml"), "utf8");
  connection.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri, languageId: "yaml", version: 1, text },
  });
  const fix = () =>
    connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: text.replace("privileged: true", "privileged: false") }],
    });
  const shutdown = async () => {
    await connection.sendRequest(ShutdownRequest.type);
    connection.sendNotification(ExitNotification.type);
    return exited;
  };
  return { result, uri, published, nextDiagnostics, registrations, fix, shutdown };
}

test("the server started and initialized as the extension does publishes PSS001, then clears it", async (t) => {
  const session = await openFixture(t, { path: binary, debounceMs: 0 });
  assert.equal(session.result.serverInfo.name, "hubspoke-lint");
  const { uri } = session;
  const broken = await session.nextDiagnostics(uri, 0, (p) => p.diagnostics.length > 0);
  assert.deepEqual(
    broken.diagnostics.map((d) => ({ code: d.code, source: d.source, severity: d.severity, range: d.range })),
    [
      {
        code: "PSS001",
        source: "hubspoke-lint",
        severity: 1,
        range: { start: { line: 10, character: 20 }, end: { line: 10, character: 24 } },
      },
    ],
  );
  assert.match(broken.diagnostics[0].message, /runs privileged/);

  const from = session.published.length;
  session.fix();
  const fixed = await session.nextDiagnostics(uri, from, (p) => p.version === 2 || p.diagnostics.length === 0);
  assert.deepEqual(fixed.diagnostics, []);

  // The server watches its configuration through the client's file watcher.
  assert.ok(
    session.registrations.includes("workspace/didChangeWatchedFiles"),
    `registrations: ${session.registrations}`,
  );
  assert.equal(await session.shutdown(), 0);
});

test("hubspoke-lint.debounceMs reaches the server: a 4 s debounce holds the re-lint back", async (t) => {
  const session = await openFixture(t, { path: binary, debounceMs: 4000 });
  const { uri } = session;
  await session.nextDiagnostics(uri, 0, (p) => p.diagnostics.length > 0);
  const from = session.published.length;
  const sent = Date.now();
  session.fix();
  // The server's default (150 ms) would have published the fix long before a second.
  await assert.rejects(session.nextDiagnostics(uri, from, () => true, 1000), /no diagnostics/);
  const fixed = await session.nextDiagnostics(uri, from, () => true, 60_000);
  assert.deepEqual(fixed.diagnostics, []);
  assert.ok(Date.now() - sent >= 3500, `re-linted after ${Date.now() - sent} ms`);
  assert.equal(await session.shutdown(), 0);
});
