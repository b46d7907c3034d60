#!/usr/bin/env bash
# The figures of benches/README.md: wall time and peak RSS of the release
# hubspoke-lint on generated repositories, each the median of RUNS runs (default 3)
# after one warm-up run (page cache).
#
#   benches/measure.sh            # 10,000 and 50,000 files, 1 % broken, 1 and 2 threads
#   ONLY_10K=1 benches/measure.sh # the 10,000-file rows only (floor, full, --no-render)
#
# The full run renders what each cluster receives (the render stage, issue 18); the
# `--no-render` row is the same run judging every file as written. Target: the full run
# stays at or below 3x the parse-only floor (printed as PASS or FAIL).
#
# Take the figures on an idle machine (`uptime` load below 1.5): the benches share
# the machine's two cores.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${RUNS:-3}"
BIN="${HUBSPOKE_LINT:-$ROOT/target/release/hubspoke-lint}"
OUT="$ROOT/target/bench-repos"
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --release -p hubspoke-lint)

gen() { # files broken-percent [violating-percent]
    local violating="${3:-10}"
    local dir="$OUT/repo-$1-$2"
    [ "$violating" = 10 ] || dir="$dir-v$violating"
    if [ ! -f "$dir/.hubspoke-gen-repo" ] || ! grep -q "files=$1 seed=1 broken-percent=$2.* violating-percent=$violating" "$dir/.hubspoke-gen-repo" 2>/dev/null; then
        python3 "$ROOT/benches/gen_repo.py" --files "$1" --broken-percent "$2" --violating-percent "$violating" --out "$dir" >&2
    fi
    echo "$dir"
}

# Median wall seconds and peak RSS (MB) of RUNS runs of hubspoke-lint with the given arguments.
measure() {
    local walls=() rsss=() out
    "$BIN" "$@" >/dev/null 2>&1 || true
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -o "$OUT/time.txt" -f "%e %M" "$BIN" "$@" >/dev/null 2>&1 || true
        out=$(tail -1 "$OUT/time.txt")
        walls+=("${out% *}")
        rsss+=("${out#* }")
    done
    local wall rss
    wall=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    rss=$(printf '%s\n' "${rsss[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]/1024}')
    echo "$wall $rss"
}

row() { # label, then hubspoke-lint arguments
    local label="$1"
    shift
    read -r wall rss < <(measure "$@")
    printf '| %s | %s | %s | `hubspoke-lint %s` |\n' "$label" "$wall" "$rss" "$*" >&2
    echo "$wall"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $RUNS runs each, median" >&2
echo "| run | wall s | peak RSS MB | command |" >&2
echo "|---|---|---|---|" >&2
R10=$(gen 10000 0)
FLOOR10=$(row "10k parse-only floor" "$R10" --parse-only --format sarif=/dev/null)
FULL10=$(row "10k full, 2 threads" "$R10" --format sarif=/dev/null)
NORENDER10=$(row "10k full without rendering, 2 threads" "$R10" --no-render --format sarif=/dev/null)
awk -v f="$FLOOR10" -v a="$FULL10" -v n="$NORENDER10" 'BEGIN {
    r = a / f
    printf "end-to-end / parse-only floor (10k): %.2fx (target <= 3x: %s)\n", r, (r <= 3 ? "PASS" : "FAIL")
    printf "without rendering / floor (10k): %.2fx; the render stage adds %+.1f %%\n", n / f, (a / n - 1) * 100
}' >&2
if [ -n "${ONLY_10K:-}" ]; then
    echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    exit 0
fi
R10B=$(gen 10000 1)
R50=$(gen 50000 0)
# Every workload file violates a rule (~55,000 findings): the report is no small serial tail.
RHEAVY=$(gen 10000 0 100)
RONE="$OUT/one-file"
mkdir -p "$RONE"
cp "$ROOT/fixtures/hub-spoke/apps/podinfo/base/deployment.yaml" "$RONE/"
ONE10=$(row "10k full, 1 thread" "$R10" --format sarif=/dev/null --threads 1)
BROKEN10=$(row "10k full, 1 % broken" "$R10B" --format sarif=/dev/null)
HEAVY2=$(row "10k findings-heavy, 2 threads" "$RHEAVY" --format sarif=/dev/null)
HEAVY1=$(row "10k findings-heavy, 1 thread" "$RHEAVY" --format sarif=/dev/null --threads 1)
START=$(row "one file (start-up)" "$RONE" --format sarif=/dev/null)
FLOOR50=$(row "50k parse-only floor" "$R50" --parse-only --format sarif=/dev/null)
FULL50=$(row "50k full, 2 threads" "$R50" --format sarif=/dev/null)
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
awk -v h2="$HEAVY2" -v h1="$HEAVY1" -v s="$START" -v f="$FLOOR10" -v a="$FULL10" -v o="$ONE10" -v b="$BROKEN10" -v f5="$FLOOR50" -v a5="$FULL50" 'BEGIN {
    printf "end-to-end / parse-only floor (10k): %.2fx\n", a / f
    printf "1 thread / 2 threads (10k): %.2fx\n", o / a
    printf "1 thread / 2 threads (10k findings-heavy): %.2fx\n", h1 / h2
    printf "start-up on one file: %.0f ms\n", s * 1000
    printf "1 %% broken files: %+.1f %%\n", (b / a - 1) * 100
    printf "10k -> 50k: files x5, wall x%.2f (floor x%.2f)\n", a5 / a, f5 / f
    printf "files/s (10k, 2 threads): %.0f\n", 10000 / a
}' >&2
