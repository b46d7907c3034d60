#!/usr/bin/env bash
# Installs Microsoft's SARIF multitool (npm @microsoft/sarif-multitool-linux, MIT)
# into .tools/ for checking our SARIF against the SARIF and GitHub (GHAS) rules.
# Prints the path of the executable.
set -euo pipefail
cd "$(dirname "$0")/.."
version=5.7.0
dest=.tools/sarif-multitool
exe="$dest/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [ ! -x "$exe" ]; then
  npm install --silent --no-audit --no-fund --no-save --prefix "$dest" "@microsoft/sarif-multitool-linux@$version" >&2
  chmod +x "$exe"
fi
echo "$exe"
