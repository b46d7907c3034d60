#!/usr/bin/env bash
# The cost of running Kyverno policies (issue 19): wall time of the release
# hubspoke-lint on the generated 10,000-file repository, each the median of RUNS
# runs (default 5) after one warm-up run, in three configurations:
#
#   bundled only      --no-kyverno (the bundled Rego rules; what main runs)
#   + repository's    the repository's own 3 ClusterPolicies (the default)
#   + other/ library  the same plus the 122 policies of
#                     fixtures/conformance/kyverno-policies/other (--kyverno-policy)
#
#   benches/kyverno.sh            # RUNS=5, HUBSPOKE_LINT=path to time another binary
#
# The target: the last row within +60 % of the first. Files/s are 10,000 over the
# wall time; Kyverno rules/s are the Kyverno rule evaluations of the run (rules times
# the objects their kinds match, from --stats) over the Kyverno stage's wall time.
# Take the figures on an idle machine: the benches share the machine's two cores.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${RUNS:-5}"
BIN="${HUBSPOKE_LINT:-$ROOT/target/release/hubspoke-lint}"
OUT="$ROOT/target/bench-repos"
OTHER="$ROOT/fixtures/conformance/kyverno-policies/other"
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --release -p hubspoke-lint)

R10="$OUT/repo-10000-0"
if [ ! -f "$R10/.hubspoke-gen-repo" ] || ! grep -q "files=10000 seed=1 broken-percent=0" "$R10/.hubspoke-gen-repo" 2>/dev/null; then
    python3 "$ROOT/benches/gen_repo.py" --files 10000 --broken-percent 0 --out "$R10" >&2
fi

# Median wall seconds of RUNS runs of hubspoke-lint with the given arguments.
measure() {
    local walls=()
    "$BIN" "$@" >/dev/null 2>&1 || true
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -o "$OUT/time.txt" -f "%e" "$BIN" "$@" >/dev/null 2>&1 || true
        walls+=("$(tail -1 "$OUT/time.txt")")
    done
    printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

row() { # label, then hubspoke-lint arguments
    local label="$1" wall
    shift
    wall=$(measure "$@")
    printf '| %s | %s | %.0f | `hubspoke-lint %s` |\n' "$label" "$wall" "$(awk -v w="$wall" 'BEGIN {print 10000 / w}')" "$*" >&2
    echo "$wall"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $RUNS runs each, median" >&2
echo "| run | wall s | files/s | command |" >&2
echo "|---|---|---|---|" >&2
BASE=$(row "bundled only" "$R10" --no-kyverno --format sarif=/dev/null)
OWN=$(row "+ the repository's 3 policies" "$R10" --format sarif=/dev/null)
ALL=$(row "+ 122 policies of other/" "$R10" --kyverno-policy "$OTHER" --format sarif=/dev/null)
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
awk -v b="$BASE" -v o="$OWN" -v a="$ALL" 'BEGIN {
    printf "repository policies: %+.1f %%; with other/: %+.1f %% (target: at most +60 %%)\n", (o / b - 1) * 100, (a / b - 1) * 100
}' >&2
# The Kyverno stage alone, from one --stats run with other/ loaded.
"$BIN" "$R10" --kyverno-policy "$OTHER" --format sarif=/dev/null --stats 2>&1 >/dev/null |
    grep -E "rules |kyverno" >&2 || true
