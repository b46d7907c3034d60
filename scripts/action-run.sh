#!/usr/bin/env bash
# The "Lint" step of action.yml, kept in a script so tests run exactly it.
# Writes annotations to stdout, SARIF to $INPUT_SARIF_FILE, a Markdown summary
# to $GITHUB_STEP_SUMMARY, and the exit code to $GITHUB_OUTPUT; always exits 0
# so that the SARIF upload runs before the action fails the job.
set -uo pipefail

bin="${HUBSPOKE_LINT_BIN:-hubspoke-lint}"
path="${INPUT_PATH:-.}"
sarif="${INPUT_SARIF_FILE:-hubspoke-lint.sarif}"
summary="$(mktemp)"
# shellcheck disable=SC2206 # word splitting of extra arguments is intended
extra=(${INPUT_ARGS:-})

"$bin" "$path" \
  --fail-on "${INPUT_FAIL_ON:-error}" \
  --color never \
  --format github \
  --format "sarif=$sarif" \
  --format "markdown=$summary" \
  --sarif-category "${INPUT_CATEGORY:-hubspoke-lint}" \
  "${extra[@]}"
code=$?

if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -s "$summary" ]; then
  cat "$summary" >> "$GITHUB_STEP_SUMMARY"
fi
rm -f "$summary"
echo "exit-code=$code" >> "${GITHUB_OUTPUT:-/dev/null}"
if [ "$code" -eq 2 ]; then
  echo "::error title=hubspoke-lint::hubspoke-lint could not run (exit code 2); see the log above"
fi
exit 0
