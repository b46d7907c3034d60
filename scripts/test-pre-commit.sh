#!/usr/bin/env bash
# The `hubspoke-lint` pre-commit hook as a new user meets it: pre-commit (from PyPI, in a venv)
# runs `pre-commit try-repo <this repository> hubspoke-lint --all-files` in a scratch git
# repository, with no hubspoke-lint on PATH and an empty pre-commit cache, so pre-commit itself
# builds the hook (`language: rust`: `cargo install --path .` at this repository's root).
# A privileged Pod must fail the hook with PSS001 at its line; fixed, the hook must pass.
#
# Compiling takes minutes (a release build of the whole tool). CARGO_TARGET_DIR, if set, is
# passed through to pre-commit's cargo (a warm cache); nothing else is reused.
#
# Usage: scripts/test-pre-commit.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
pre_commit_version=4.7.0

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "test-pre-commit.sh: FAIL: $*" >&2; exit 1; }

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "pre-commit==$pre_commit_version"

# PATH without any hubspoke-lint on it (cargo stays: pre-commit's rust language needs it).
clean_path=
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  [ -n "$d" ] && [ ! -e "$d/hubspoke-lint" ] && clean_path="${clean_path:+$clean_path:}$d"
done
export PATH="$work/venv/bin:$clean_path"
if command -v hubspoke-lint >/dev/null; then fail "hubspoke-lint is still on PATH"; fi
export PRE_COMMIT_HOME="$work/pre-commit-cache"
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.invalid
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.invalid

scratch="$work/scratch"
mkdir -p "$scratch/apps"
cat >"$scratch/apps/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
    - name: web
      image: nginx:1.27.3
      securityContext:
        privileged: true
YAML
git -C "$scratch" init --quiet
git -C "$scratch" add apps/pod.yaml

echo "test-pre-commit.sh: pre-commit $pre_commit_version try-repo (builds hubspoke-lint; minutes)" >&2
start=$SECONDS
code=0
(cd "$scratch" && pre-commit try-repo "$repo" hubspoke-lint --all-files --color never) \
  >"$work/broken.log" 2>&1 || code=$?
echo "test-pre-commit.sh: first run (install and lint) took $((SECONDS - start)) s" >&2
[ "$code" -eq 1 ] || { cat "$work/broken.log" >&2; fail "the hook on a privileged Pod: pre-commit exited $code, expected 1"; }
for expected in '^hubspoke-lint\.*Failed$' '^- exit code: 1$' 'PSS001' 'apps/pod.yaml:11:21'; do
  grep -q "$expected" "$work/broken.log" ||
    { cat "$work/broken.log" >&2; fail "no line matching '$expected' in the hook's output"; }
done

sed -i.bak 's/privileged: true/privileged: false/' "$scratch/apps/pod.yaml"
rm "$scratch/apps/pod.yaml.bak"
git -C "$scratch" add apps/pod.yaml
code=0
(cd "$scratch" && pre-commit try-repo "$repo" hubspoke-lint --all-files --color never) \
  >"$work/fixed.log" 2>&1 || code=$?
if [ "$code" -ne 0 ] || ! grep -q '^hubspoke-lint\.*Passed$' "$work/fixed.log"; then
  cat "$work/fixed.log" >&2
  fail "the hook on the fixed Pod: pre-commit exited $code, expected 0 and Passed"
fi
echo "test-pre-commit.sh: OK: language: rust hook built by pre-commit $pre_commit_version; failed on PSS001, passed once fixed"
