#!/usr/bin/env bash
# Tests scripts/action-install.sh, the Action's install step, against a release served from a
# local folder (file:// URLs): the archive picked per runner OS and architecture, the checksum
# check, the source fallback for a ref that is not a release tag. The "binaries" are small shell
# scripts: what is tested is the download, not hubspoke-lint.
set -euo pipefail
cd "$(dirname "$0")/.."
script="$PWD/scripts/action-install.sh"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() { # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    printf 'FAIL: %s\n--- expected\n%s\n--- actual\n%s\n' "$1" "$2" "$3" >&2
  fi
}

# A release v9.9.9 with a Linux x86_64, a macOS arm64 and a Windows archive.
release="$work/releases/v9.9.9"
mkdir -p "$release" "$work/stage"
for target in x86_64-unknown-linux-musl aarch64-apple-darwin x86_64-pc-windows-msvc; do
  name="hubspoke-lint-9.9.9-$target"
  exe=
  [ "$target" = x86_64-pc-windows-msvc ] && exe=.exe
  mkdir -p "$work/stage/$name"
  printf '#!/bin/sh\necho "hubspoke-lint 9.9.9 (%s)"\n' "$target" >"$work/stage/$name/hubspoke-lint$exe"
  chmod +x "$work/stage/$name/hubspoke-lint$exe"
  if [ -n "$exe" ]; then
    (cd "$work/stage" && zip -qr "$release/$name.zip" "$name")
  else
    tar -C "$work/stage" -czf "$release/$name.tar.gz" "$name"
  fi
done
(cd "$release" && sha256sum ./*.tar.gz ./*.zip | sed 's| \./| |' >SHA256SUMS)

# run CASE [VAR=VALUE...]: runs the script in a fresh runner environment; sets $code, $stdout
# and the files it wrote ($env_file, $path_file, $output_file).
run() {
  local case="$1"
  shift
  local dir="$work/run-$case"
  mkdir -p "$dir/temp"
  env_file="$dir/env" path_file="$dir/path" output_file="$dir/output"
  : >"$env_file"
  : >"$path_file"
  : >"$output_file"
  code=0
  stdout="$(env -i PATH="$PATH" HOME="$HOME" RUNNER_TEMP="$dir/temp" \
    GITHUB_ENV="$env_file" GITHUB_PATH="$path_file" GITHUB_OUTPUT="$output_file" \
    GITHUB_ACTION_PATH="$PWD" HUBSPOKE_LINT_REPOSITORY=hubspoke-lint/hubspoke-lint \
    HUBSPOKE_LINT_DOWNLOAD_URL="file://$work/releases" "$@" bash "$script" 2>&1)" || code=$?
}

# A release tag on Linux x86_64: the musl archive, verified, unpacked, on PATH.
run linux HUBSPOKE_LINT_REF=v9.9.9 RUNNER_OS=Linux RUNNER_ARCH=X64
check "linux: exit code" 0 "$code"
dir="$work/run-linux/temp/hubspoke-lint-9.9.9/hubspoke-lint-9.9.9-x86_64-unknown-linux-musl"
check "linux: GITHUB_ENV" "HUBSPOKE_LINT_BIN=$dir/hubspoke-lint" "$(cat "$env_file")"
check "linux: GITHUB_PATH" "$dir" "$(cat "$path_file")"
check "linux: GITHUB_OUTPUT" "mode=release" "$(cat "$output_file")"
want="$(cd "$release" && sha256sum hubspoke-lint-9.9.9-x86_64-unknown-linux-musl.tar.gz | cut -d' ' -f1)"
check "linux: log" "hubspoke-lint: downloading hubspoke-lint-9.9.9-x86_64-unknown-linux-musl.tar.gz (release v9.9.9)
hubspoke-lint: sha256 $want verified against SHA256SUMS
hubspoke-lint 9.9.9 (x86_64-unknown-linux-musl)" "$stdout"

# macOS on Apple silicon gets the aarch64-apple-darwin archive.
run macos HUBSPOKE_LINT_REF=v9.9.9 RUNNER_OS=macOS RUNNER_ARCH=ARM64
check "macos: exit code" 0 "$code"
check "macos: binary" "hubspoke-lint 9.9.9 (aarch64-apple-darwin)" "$(tail -n 1 <<<"$stdout")"

# Windows (also on Arm, through emulation) gets the zip of x86_64-pc-windows-msvc.
run windows HUBSPOKE_LINT_REF=v9.9.9 RUNNER_OS=Windows RUNNER_ARCH=ARM64
check "windows: exit code" 0 "$code"
dir="$work/run-windows/temp/hubspoke-lint-9.9.9/hubspoke-lint-9.9.9-x86_64-pc-windows-msvc"
check "windows: GITHUB_ENV" "HUBSPOKE_LINT_BIN=$dir/hubspoke-lint.exe" "$(cat "$env_file")"

# The `version` input wins over a branch ref, with or without its "v".
run version HUBSPOKE_LINT_REF=main HUBSPOKE_LINT_VERSION=9.9.9 RUNNER_OS=Linux RUNNER_ARCH=X64
check "version input: GITHUB_OUTPUT" "mode=release" "$(cat "$output_file")"

# A tampered archive fails the step before anything is installed.
cp -r "$work/releases" "$work/releases.good"
printf 'tampered' >>"$release/hubspoke-lint-9.9.9-x86_64-unknown-linux-musl.tar.gz"
run tampered HUBSPOKE_LINT_REF=v9.9.9 RUNNER_OS=Linux RUNNER_ARCH=X64
check "tampered: exit code" 1 "$code"
got="$(cd "$release" && sha256sum hubspoke-lint-9.9.9-x86_64-unknown-linux-musl.tar.gz | cut -d' ' -f1)"
check "tampered: error" "::error title=hubspoke-lint::checksum mismatch for hubspoke-lint-9.9.9-x86_64-unknown-linux-musl.tar.gz: got $got, SHA256SUMS says $want" "$(tail -n 1 <<<"$stdout")"
check "tampered: nothing installed" "" "$(cat "$env_file" "$path_file" "$output_file")"
rm -rf "$work/releases"
mv "$work/releases.good" "$work/releases"

# An archive SHA256SUMS does not list is refused too.
grep -v linux-musl "$release/SHA256SUMS" >"$work/sums" && mv "$work/sums" "$release/SHA256SUMS"
run unlisted HUBSPOKE_LINT_REF=v9.9.9 RUNNER_OS=Linux RUNNER_ARCH=X64
check "unlisted: exit code" 1 "$code"
check "unlisted: error" "::error title=hubspoke-lint::SHA256SUMS of v9.9.9 lists no hubspoke-lint-9.9.9-x86_64-unknown-linux-musl.tar.gz" "$(tail -n 1 <<<"$stdout")"

# A release that does not exist.
run missing HUBSPOKE_LINT_REF=v1.2.3 RUNNER_OS=Linux RUNNER_ARCH=X64
check "missing: exit code" 1 "$code"
check "missing: error" "::error title=hubspoke-lint::could not download file://$work/releases/v1.2.3/hubspoke-lint-1.2.3-x86_64-unknown-linux-musl.tar.gz" "$(tail -n 1 <<<"$stdout")"

# A runner with no release archive.
run unknown HUBSPOKE_LINT_REF=v9.9.9 RUNNER_OS=FreeBSD RUNNER_ARCH=X64
check "unknown runner: exit code" 1 "$code"

# A branch, a commit or a local action (no ref) is built from source, cached by a hash of the
# sources: the same tree gives the same hash, a changed file another.
src="$work/source"
mkdir -p "$src/crates/a/src" "$src/policies" "$src/docs"
echo '[workspace]' >"$src/Cargo.toml"
echo '# lock' >"$src/Cargo.lock"
echo 'fn main() {}' >"$src/crates/a/src/main.rs"
echo 'package p' >"$src/policies/p.rego"
echo 'not compiled' >"$src/docs/guide.md"
run branch GITHUB_ACTION_PATH="$src" HUBSPOKE_LINT_REF=main RUNNER_OS=Linux RUNNER_ARCH=X64
check "branch: exit code" 0 "$code"
hash="$(sed -n 's/^source-hash=//p' "$output_file")"
check "branch: GITHUB_OUTPUT" "mode=source
source-hash=$hash" "$(cat "$output_file")"
check "branch: hash is 40 hex digits" 1 "$(grep -cE '^[0-9a-f]{40}$' <<<"$hash")"
check "branch: nothing installed" "" "$(cat "$env_file" "$path_file")"
run commit GITHUB_ACTION_PATH="$src" HUBSPOKE_LINT_REF=0123456789abcdef0123456789abcdef01234567 \
  RUNNER_OS=Linux RUNNER_ARCH=X64
check "commit: same sources, same hash" "mode=source
source-hash=$hash" "$(cat "$output_file")"
echo 'changed' >"$src/docs/guide.md"
run docs GITHUB_ACTION_PATH="$src" HUBSPOKE_LINT_REF=main RUNNER_OS=Linux RUNNER_ARCH=X64
check "a file cargo does not build: same hash" "source-hash=$hash" "$(grep hash "$output_file")"
echo 'package q' >"$src/policies/p.rego"
run policy GITHUB_ACTION_PATH="$src" HUBSPOKE_LINT_REF=main RUNNER_OS=Linux RUNNER_ARCH=X64
check "a changed policy: another hash" 1 "$(grep -c '^source-hash=' "$output_file")"
check "a changed policy: another hash" "" "$(grep "source-hash=$hash" "$output_file")"
run local RUNNER_OS=Linux RUNNER_ARCH=X64
check "local action: log" "hubspoke-lint: '<local action>' is not a release tag: building from source (cached)" "$stdout"

echo "action-install.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
