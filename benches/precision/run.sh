#!/usr/bin/env bash
# Precision measurement on real Flux repositories (issue 17): runs a hubspoke-lint binary on
# each checkout listed in repos.tsv and writes per-repository JSON plus a summary table.
#
#   benches/precision/run.sh --fetch                 # print what to fetch (no network is used)
#   benches/precision/run.sh --checkout              # extract each listed commit from local mirrors
#   benches/precision/run.sh [--bin BIN] [--out DIR] # lint every checkout, write JSON + summary
#
# Step 1, fetching, is done outside this script: in an agent session with the `fetch` tool
# (`fetch github:<owner>/<name>` brings a mirror to /work/.mirror/<owner>+<name>/repo), or by hand
# with `git clone --mirror https://github.com/<owner>/<name> $MIRRORS/<owner>+<name>/repo`.
# This script itself never touches the network.
#
# Environment / flags:
#   --list FILE     the repository list (default: repos.tsv beside this script)
#   --mirrors DIR   where the git mirrors are (default /work/.mirror; $PRECISION_MIRRORS)
#   --repos DIR     where the checkouts are (default /work/realrepos; $PRECISION_REPOS)
#   --bin BIN       the hubspoke-lint binary (default target/release/hubspoke-lint)
#   --out DIR       output directory (default target/precision)
#   --only OWNER/NAME  restrict to one repository (repeatable)
#   --arg ARG       pass ARG to every hubspoke-lint run (repeatable), e.g. --arg --no-render to
#                   measure what rendering changes with the same binary
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
list="$here/repos.tsv"
mirrors="${PRECISION_MIRRORS:-/work/.mirror}"
repos="${PRECISION_REPOS:-/work/realrepos}"
bin="$root/target/release/hubspoke-lint"
out="$root/target/precision"
mode=run
only=()
extra=()

while [ $# -gt 0 ]; do
    case "$1" in
        --fetch) mode=fetch ;;
        --checkout) mode=checkout ;;
        --list) list="$2"; shift ;;
        --mirrors) mirrors="$2"; shift ;;
        --repos) repos="$2"; shift ;;
        --bin) bin="$2"; shift ;;
        --out) out="$2"; shift ;;
        --only) only+=("$2"); shift ;;
        --arg) extra+=("$2"); shift ;;
        -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

# Prints "repo commit" for every listed repository (comments and blank lines skipped).
entries() {
    awk -F'\t' '!/^#/ && NF >= 2 { print $1, $2 }' "$list" | while read -r repo commit; do
        if [ ${#only[@]} -gt 0 ]; then
            local keep=0
            for o in "${only[@]}"; do [ "$o" = "$repo" ] && keep=1; done
            [ $keep = 1 ] || continue
        fi
        echo "$repo $commit"
    done
}

slug() { echo "${1/\//+}"; }

case "$mode" in
fetch)
    echo "# Fetch each repository below (tool: fetch github:<repo>; or git clone --mirror), then run"
    echo "# benches/precision/run.sh --checkout. The commit must be present in the mirror."
    entries | while read -r repo commit; do
        printf 'github:%s\t%s\t-> %s/%s/repo\n' "$repo" "$commit" "$mirrors" "$(slug "$repo")"
    done
    ;;
checkout)
    mkdir -p "$repos"
    entries | while read -r repo commit; do
        s="$(slug "$repo")"
        git_dir="$mirrors/$s/repo"
        dest="$repos/$s"
        if ! git --git-dir="$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null; then
            echo "$repo: commit $commit is not in $git_dir (fetch it first: run.sh --fetch)" >&2
            exit 1
        fi
        rm -rf "$dest"
        mkdir -p "$dest"
        missing=0
        if git --git-dir="$git_dir" archive "$commit" 2>/dev/null | tar -x -C "$dest" 2>/dev/null; then
            echo "$commit" >"$repos/$s.commit"
            echo "$repo @ ${commit:0:12}: $(find "$dest" -type f | wc -l) files -> $dest"
            continue
        fi
        # Snapshots may lack their largest blobs (over 4 MiB, Git LFS), which makes git archive
        # fail: extract blob by blob instead and list what is missing.
        rm -rf "$dest"
        mkdir -p "$dest"
        while IFS=$'\t' read -r meta path; do
            read -r mode type object <<<"$meta"
            [ "$type" = blob ] || continue
            mkdir -p "$dest/$(dirname "$path")"
            if ! git --git-dir="$git_dir" cat-file -e "$object" 2>/dev/null; then
                echo "$repo: missing blob for $path (not in the snapshot)" >&2
                missing=$((missing + 1))
                continue
            fi
            if [ "$mode" = 120000 ]; then
                ln -s "$(git --git-dir="$git_dir" cat-file blob "$object")" "$dest/$path"
            else
                git --git-dir="$git_dir" cat-file blob "$object" >"$dest/$path"
            fi
        done < <(git --git-dir="$git_dir" ls-tree -r --full-tree "$commit")
        echo "$commit" >"$repos/$s.commit"
        echo "$repo @ ${commit:0:12}: $(find "$dest" -type f | wc -l) files, $missing missing -> $dest"
    done
    ;;
run)
    [ -x "$bin" ] || { echo "run.sh: no binary at $bin (cargo build --release -p hubspoke-lint)" >&2; exit 2; }
    mkdir -p "$out/json"
    # Each run changes into the checkout: relative --bin and --out must not follow it there.
    bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
    out="$(cd "$out" && pwd)"
    version="$("$bin" --version)"
    {
        echo "binary: $bin"
        echo "version: $version"
        echo "list: $list"
        echo "args: ${extra[*]-}"
        echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    } >"$out/run-info.txt"
    printf 'repo\tcommit\texit\tseconds\tfindings\n' >"$out/runs.tsv"
    entries | while read -r repo commit; do
        s="$(slug "$repo")"
        dir="$repos/$s"
        if [ ! -d "$dir" ]; then
            echo "$repo: no checkout at $dir (run.sh --checkout)" >&2
            exit 1
        fi
        if [ -f "$repos/$s.commit" ] && [ "$(cat "$repos/$s.commit")" != "$commit" ]; then
            echo "$repo: checkout is at $(cat "$repos/$s.commit"), repos.tsv says $commit (run.sh --checkout)" >&2
            exit 1
        fi
        start=$(date +%s.%N)
        # Exit 1 means "findings at or above --fail-on": expected here. 2 is a tool error.
        set +e
        (cd "$dir" && "$bin" . ${extra[@]+"${extra[@]}"} --format "json=$out/json/$s.json" --color never >/dev/null 2>"$out/json/$s.stderr")
        rc=$?
        set -e
        end=$(date +%s.%N)
        if [ $rc -ge 2 ] || [ ! -s "$out/json/$s.json" ]; then
            echo "$repo: hubspoke-lint exited $rc (see $out/json/$s.stderr)" >&2
        fi
        n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$out/json/$s.json" 2>/dev/null || echo "?")
        printf '%s\t%s\t%s\t%.2f\t%s\n' "$repo" "$commit" "$rc" "$(echo "$end - $start" | bc)" "$n" >>"$out/runs.tsv"
        echo "$repo: exit $rc, $n findings"
    done
    python3 "$here/summarize.py" --list "$list" --json-dir "$out/json" --out "$out"
    echo "summary: $out/summary.md ($out/summary.tsv)"
    ;;
esac
