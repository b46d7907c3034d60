#!/usr/bin/env bash
# Byte identity of two binaries' reports: JSON, SARIF and exit code of OLD (2 threads)
# against NEW with 1 and with 2 threads, on each directory given. Prints DIFF lines and
# exits 1 when anything differs. Performance work must leave every report unchanged.
#
#   benches/identical.sh /tmp/hl-main target/release/hubspoke-lint fixtures/* target/bench-repos/repo-10000-0
#   ARGS="--kyverno-policy fixtures/conformance/kyverno-policies/other" benches/identical.sh OLD NEW DIR...
#
# ARGS (split on spaces) are given to both binaries on every directory.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 OLD NEW DIR..." >&2; exit 2; }
old="$1" new="$2"
shift 2
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
fail=0
run() { # binary threads dir label
    local rc=0
    # shellcheck disable=SC2086
    "$1" "$3" ${ARGS:-} -f json="$out/$4.json" -f sarif="$out/$4.sarif" -j "$2" >/dev/null 2>&1 || rc=$?
    echo "$rc" >"$out/$4.rc"
}
for dir in "$@"; do
    run "$old" 2 "$dir" old
    for threads in 1 2; do
        run "$new" "$threads" "$dir" "new$threads"
        for ext in json sarif rc; do
            cmp -s "$out/old.$ext" "$out/new$threads.$ext" || { echo "DIFF $dir -j $threads $ext"; fail=1; }
        done
    done
    echo "checked $dir (exit $(cat "$out/old.rc"))"
done
exit "$fail"
