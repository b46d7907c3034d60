#!/usr/bin/env bash
# Checks our SARIF with Microsoft's SARIF multitool and its GitHub (GHAS) rules:
# any error or warning fails. Uses the debug binary `cargo test` has built.
set -euo pipefail
cd "$(dirname "$0")/.."
exe="$(bash scripts/install-sarif-multitool.sh)"
bin="${HUBSPOKE_LINT_BIN:-target/debug/hubspoke-lint}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" fixtures/hub-spoke-broken --format "sarif=$work/out.sarif" --sarif-category ci || [ $? -eq 1 ]
DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$exe" validate "$work/out.sarif" -o "$work/report.sarif" \
  --rule-kind "Sarif;Ghas" --level "Error;Warning" >"$work/log.txt" 2>&1 || { cat "$work/log.txt"; exit 1; }
python3 - "$work/report.sarif" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["runs"][0].get("results", [])
for r in results:
    print(f"{r.get('level', 'warning')}: {r['ruleId']}: {r['message'].get('text', r['message'])}")
print(f"SARIF multitool (Sarif;Ghas): {len(results)} errors or warnings")
sys.exit(1 if results else 0)
PY
