#!/usr/bin/env bash
# Deterministic CPU cost: instructions executed by a whole hubspoke-lint run on
# the generated 1,000-file repository, one thread, counted by valgrind's
# callgrind. Wall time on a shared two-core box varies by ±10 % from run to
# run; this count varies by well under 1 %, so it shows a 2 % change that wall
# time cannot. It does not see cache misses, page faults or lock waits: confirm
# a change with benches/measure.sh.
#
#   benches/instructions.sh                      # the release binary
#   benches/instructions.sh OLD_BINARY           # and the ratio against another binary
#
# Needs valgrind (`apt-get install valgrind`); ~20 s per binary.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${HUBSPOKE_LINT:-$ROOT/target/release/hubspoke-lint}"
OUT="$ROOT/target/bench-repos"
REPO="$OUT/repo-1000-0"
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --release -p hubspoke-lint)
if [ ! -f "$REPO/.hubspoke-gen-repo" ]; then
    python3 "$ROOT/benches/gen_repo.py" --files 1000 --out "$REPO" >&2
fi

# The run exits 1 (the repository has findings): only valgrind's count matters.
count() {
    { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" "$REPO" \
        --format sarif=/dev/null --threads 1 2>&1 >/dev/null || true; } |
        awk '/Collected/ {print $4}'
}

NEW=$(count "$BIN")
printf '%-60s %15s instructions\n' "$BIN" "$(printf "%'d" "$NEW")"
if [ $# -ge 1 ]; then
    OLD=$(count "$1")
    printf '%-60s %15s instructions\n' "$1" "$(printf "%'d" "$OLD")"
    awk -v n="$NEW" -v o="$OLD" 'BEGIN {printf "new / old: %.3f (%+.1f %%)\n", n / o, (n / o - 1) * 100}'
fi
