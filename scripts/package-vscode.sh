#!/usr/bin/env bash
# Builds the VS Code extension (editors/vscode): installs its locked npm dependencies, runs its
# tests against the real language server, and packs editors/vscode/hubspoke-lint-<version>.vsix
# with `npx @vscode/vsce package` (vsce is a locked dev dependency).
#
# The tests need a hubspoke-lint binary: $HUBSPOKE_LINT_BIN, else target/debug/hubspoke-lint
# (built here when missing).
# Usage: scripts/package-vscode.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

bin="${HUBSPOKE_LINT_BIN:-$root/target/debug/hubspoke-lint}"
if [ ! -x "$bin" ]; then
  cargo build --locked --bin hubspoke-lint
fi

cd editors/vscode
npm ci --no-audit --no-fund --loglevel=error
HUBSPOKE_LINT_BIN="$bin" npm test
version="$(node -p 'require("./package.json").version')"
vsix="hubspoke-lint-$version.vsix"
rm -f "$vsix"
npx --no-install @vscode/vsce package --out "$vsix"

# The package holds the extension's code and its runtime dependency, not the tests.
listing="$(unzip -Z1 "$vsix")"
for entry in extension/package.json extension/src/extension.js extension/src/server.js \
  extension/readme.md extension/LICENSE.txt extension/node_modules/vscode-languageclient/package.json; do
  grep -qx "$entry" <<<"$listing" || { echo "package-vscode.sh: $vsix has no $entry" >&2; exit 1; }
done
if grep -q '^extension/test/' <<<"$listing"; then
  echo "package-vscode.sh: $vsix contains the tests" >&2
  exit 1
fi
echo "package-vscode.sh: editors/vscode/$vsix ($(wc -c <"$vsix") bytes)"
