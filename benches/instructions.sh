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
#   WITHOUT_RULES="RBAC001 SEC002" benches/instructions.sh
#       # the cost of some rules: the same binary with and without them (a copy of
#       # the repository whose .hubspoke-lint.yaml disables them), default run and
#       # `--no-render --no-kyverno`
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
# count BINARY [REPOSITORY [ARGS...]]
count() {
    local bin="$1" repo="${2:-$REPO}"
    shift $(($# < 2 ? $# : 2))
    { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$repo" \
        --format sarif=/dev/null --threads 1 "$@" 2>&1 >/dev/null || true; } |
        awk '/Collected/ {print $4}'
}

ratio() { awk -v n="$1" -v o="$2" 'BEGIN {printf "%.3f (%+.1f %%)", n / o, (n / o - 1) * 100}'; }

if [ -n "${WITHOUT_RULES:-}" ]; then
    # The generated configuration starts with `rules:`; the disabled rules go first under it.
    WITHOUT="$OUT/repo-1000-0-without-rules"
    rm -rf "$WITHOUT" && cp -r "$REPO" "$WITHOUT"
    read -ra disabled_rules <<<"$WITHOUT_RULES"
    python3 - "$WITHOUT/.hubspoke-lint.yaml" "${disabled_rules[@]}" <<'PY'
import sys
path, rules = sys.argv[1], sys.argv[2:]
text = open(path).read()
assert "\nrules:\n" in "\n" + text, "the generated configuration has no top-level rules: key"
disabled = "".join(f"  {rule}:\n    enabled: false\n" for rule in rules)
open(path, "w").write(text.replace("rules:\n", "rules:\n" + disabled, 1))
PY
    for args in "" "--no-render --no-kyverno"; do
        # shellcheck disable=SC2086 # $args is a list of flags
        WITH=$(count "$BIN" "$REPO" $args)
        # shellcheck disable=SC2086
        WITHOUT_COUNT=$(count "$BIN" "$WITHOUT" $args)
        printf 'run %-26s with %15s, without %15s instructions: with / without %s\n' \
            "'${args:-default}'" "$(printf "%'d" "$WITH")" "$(printf "%'d" "$WITHOUT_COUNT")" "$(ratio "$WITH" "$WITHOUT_COUNT")"
    done
    exit 0
fi

NEW=$(count "$BIN")
printf '%-60s %15s instructions\n' "$BIN" "$(printf "%'d" "$NEW")"
if [ $# -ge 1 ]; then
    OLD=$(count "$1")
    printf '%-60s %15s instructions\n' "$1" "$(printf "%'d" "$OLD")"
    echo "new / old: $(ratio "$NEW" "$OLD")"
fi
