#!/usr/bin/env bash
# hubspoke-lint against checkov on the same generated repository.
#
#   benches/compare.sh [FILES]        (default 10000)
#
# 1. creates a venv in target/checkov-venv and `pip install checkov` (once);
# 2. generates the FILES-file repository into target/compare-repo-FILES (benches/gen_repo.py);
# 3. builds the release hubspoke-lint (unless HUBSPOKE_LINT points at a binary);
# 4. runs hubspoke-lint once to warm the page cache, then each tool RUNS times (default 3), and prints
#    the median wall time, files/second of each and the ratio.
#
# checkov runs offline: --skip-download (no Bridgecrew policy download), no API key,
# BC_SKIP_MAPPING / CHECKOV_SKIP_MAPPING, and its version check off. Only the
# Kubernetes framework is run, on the same YAML files.
set -euo pipefail

FILES="${1:-10000}"
RUNS="${RUNS:-3}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/target/checkov-venv"
REPO="$ROOT/target/compare-repo-$FILES"

if [ ! -x "$VENV/bin/checkov" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet checkov
fi

python3 "$ROOT/benches/gen_repo.py" --files "$FILES" --out "$REPO"

BIN="${HUBSPOKE_LINT:-$ROOT/target/release/hubspoke-lint}"
if [ -z "${HUBSPOKE_LINT:-}" ]; then
    (cd "$ROOT" && cargo build --release -p hubspoke-lint)
fi

export BC_SKIP_MAPPING=TRUE CHECKOV_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false \
    BC_API_KEY= PRISMA_API_URL= ANSI_COLORS_DISABLED=1 CKV_IGNORE_HIDDEN_DIRECTORIES=true
checkov_run() {
    # Exit code 1 means "checks failed", not an error.
    "$VENV/bin/checkov" -d "$REPO" --framework kubernetes --quiet --compact -o json \
        --skip-download >/dev/null 2>"$ROOT/target/checkov-stderr.log" || true
}
hubspoke_run() {
    "$BIN" "$REPO" --format sarif=/dev/null >/dev/null 2>&1 || true
}

# Median wall seconds of RUNS runs of a function, after one warm-up run unless $2 is "cold-ok"
# (checkov runs after hubspoke-lint, which already warmed the page cache).
median() {
    local fn="$1" times=()
    [ "${2:-}" = "cold-ok" ] || "$fn"
    for _ in $(seq "$RUNS"); do
        local start end
        start=$(date +%s.%N)
        "$fn"
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc -l)")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

echo "repository: $REPO ($FILES files); $RUNS runs each, median; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "hubspoke-lint $("$BIN" --version | awk '{print $2}')"
HUBSPOKE=$(median hubspoke_run)
echo "checkov $("$VENV/bin/checkov" --version 2>/dev/null | tail -1)"
CHECKOV=$(median checkov_run cold-ok)

awk -v f="$FILES" -v c="$CHECKOV" -v h="$HUBSPOKE" 'BEGIN {
    printf "%-14s %10s %12s\n", "tool", "wall s", "files/s"
    printf "%-14s %10.2f %12.0f\n", "checkov", c, f / c
    printf "%-14s %10.2f %12.0f\n", "hubspoke-lint", h, f / h
    printf "ratio (files/s, hubspoke-lint / checkov): %.0fx\n", c / h
}'
