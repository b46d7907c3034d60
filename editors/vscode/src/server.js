// How the extension starts and initializes the hubspoke-lint language server. Kept free of the
// `vscode` module so that test/ runs exactly this code against the real server in Node.
"use strict";

const path = require("node:path");

/** The files the server lints; `.hubspoke-lint.yaml` and `*.rego` changes reach it through
 *  the file watchers it registers itself. */
const documentSelector = [{ scheme: "file", language: "yaml" }];

/**
 * The executable to start: `hubspoke-lint.path` as given when it is a bare name (looked up on
 * PATH) or absolute, else relative to the first workspace folder.
 * @param {string | undefined} configured
 * @param {string | undefined} workspaceFolder
 */
function resolveCommand(configured, workspaceFolder) {
  const command = (configured || "").trim() || "hubspoke-lint";
  const isBareName = !command.includes("/") && !command.includes("\\");
  if (isBareName || path.isAbsolute(command) || !workspaceFolder) {
    return command;
  }
  return path.resolve(workspaceFolder, command);
}

/**
 * The `ServerOptions` of vscode-languageclient: `hubspoke-lint lsp` over stdio.
 * @param {{ path?: string }} settings
 * @param {string | undefined} workspaceFolder
 */
function serverOptions(settings, workspaceFolder) {
  return {
    command: resolveCommand(settings.path, workspaceFolder),
    args: ["lsp"],
    options: workspaceFolder ? { cwd: workspaceFolder } : {},
  };
}

/**
 * The `initializationOptions` the server reads (crates/hubspoke-lsp, docs/editors.md): only
 * `debounceMs`, a non-negative integer; anything else is left to the server's default.
 * @param {{ debounceMs?: unknown }} settings
 */
function initializationOptions(settings) {
  const debounce = settings.debounceMs;
  if (Number.isInteger(debounce) && debounce >= 0) {
    return { debounceMs: debounce };
  }
  return {};
}

/** Settings whose change needs a new server (it reads them only when it starts). */
const restartSettings = ["hubspoke-lint.path", "hubspoke-lint.debounceMs"];

module.exports = {
  documentSelector,
  initializationOptions,
  resolveCommand,
  restartSettings,
  serverOptions,
};
