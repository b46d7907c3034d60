// The VS Code side of hubspoke-lint: starts `hubspoke-lint lsp` with vscode-languageclient, and
// restarts it when its settings change (the server reads them only at start).
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");
const {
  documentSelector,
  initializationOptions,
  restartSettings,
  serverOptions,
} = require("./server");

/** @type {LanguageClient | undefined} */
let client;

function createClient() {
  const settings = vscode.workspace.getConfiguration("hubspoke-lint");
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const options = {
    path: settings.get("path"),
    debounceMs: settings.get("debounceMs"),
  };
  return new LanguageClient(
    "hubspoke-lint",
    "hubspoke-lint",
    serverOptions(options, folder),
    {
      documentSelector,
      initializationOptions: initializationOptions(options),
    },
  );
}

async function start() {
  client = createClient();
  try {
    await client.start();
  } catch (error) {
    const command = serverOptions(
      { path: vscode.workspace.getConfiguration("hubspoke-lint").get("path") },
      vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    ).command;
    void vscode.window.showErrorMessage(
      `hubspoke-lint: could not start '${command} lsp' (${error}). ` +
        "Install hubspoke-lint or set 'hubspoke-lint.path'.",
    );
  }
}

async function stop() {
  const running = client;
  client = undefined;
  if (running) {
    await running.stop().catch(() => undefined);
  }
}

/** @param {import("vscode").ExtensionContext} context */
async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("hubspoke-lint.restart", async () => {
      await stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (restartSettings.some((setting) => event.affectsConfiguration(setting))) {
        await stop();
        await start();
      }
    }),
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
