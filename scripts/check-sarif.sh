#!/usr/bin/env bash
# Checks our SARIF with Microsoft's SARIF multitool and its GitHub (GHAS) rules:
# any error or warning fails. Uses the debug binary `cargo test` has built.
set -euo pipefail
cd "$(dirname "$0")/.."
exe="$(bash scripts/install-sarif-multitool.sh)"
bin="${HUBSPOKE_LINT_BIN:-target/debug/hubspoke-lint}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The broken example (every rule) and the bad-input corpus (whole-file problems,
# encodings, parse errors): both must pass without a single error or warning.
status=0
for fixture in hub-spoke-broken bad-input; do
  log="$work/$fixture.sarif"
  "$bin" "fixtures/$fixture" --format "sarif=$log" --sarif-category ci || [ $? -eq 1 ]
  DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$exe" validate "$log" -o "$work/$fixture.report.sarif" \
    --rule-kind "Sarif;Ghas" --level "Error;Warning" >"$work/log.txt" 2>&1 || { cat "$work/log.txt"; exit 1; }
  python3 - "$work/$fixture.report.sarif" "$fixture" <<'PY' || status=1
import json, sys
results = json.load(open(sys.argv[1]))["runs"][0].get("results", [])
for r in results:
    message = r["message"]
    text = message.get("text") or f"{message.get('id')} {', '.join(message.get('arguments', []))}"
    print(f"{r.get('level', 'warning')}: {r['ruleId']}: {text}")
print(f"SARIF multitool (Sarif;Ghas) on fixtures/{sys.argv[2]}: {len(results)} errors or warnings")
sys.exit(1 if results else 0)
PY
done
exit "$status"
