#!/usr/bin/env bash
# The "Install" step of action.yml, kept in a script so tests run exactly it.
#
# A release of hubspoke-lint is downloaded, never built: when the action is used at a release
# tag (`uses: hubspoke-lint/hubspoke-lint@v0.1.0`, so `github.action_ref` is `v0.1.0`), or when
# the `version` input names one, the archive for the runner's OS and architecture is fetched
# from that GitHub release, checked against the release's SHA256SUMS, unpacked into
# $RUNNER_TEMP, and its path written to $GITHUB_ENV (HUBSPOKE_LINT_BIN) and $GITHUB_PATH.
# Any other ref (a branch, a commit) has no release: the script writes `mode=source` and a hash
# of the action's sources to $GITHUB_OUTPUT, and action.yml builds it with cargo, cached under
# that hash.
#
# Environment: HUBSPOKE_LINT_REF (github.action_ref), HUBSPOKE_LINT_VERSION (the `version`
# input), HUBSPOKE_LINT_REPOSITORY (github.action_repository), RUNNER_OS, RUNNER_ARCH,
# RUNNER_TEMP, GITHUB_ACTION_PATH, GITHUB_ENV, GITHUB_PATH, GITHUB_OUTPUT;
# HUBSPOKE_LINT_DOWNLOAD_URL replaces https://github.com/<repository>/releases/download (tests).
set -euo pipefail

die() {
  echo "::error title=hubspoke-lint::$*"
  exit 1
}
if command -v sha256sum >/dev/null; then hasher=(sha256sum); else hasher=(shasum -a 256); fi
output() { echo "$1" >>"${GITHUB_OUTPUT:-/dev/null}"; }

version="${HUBSPOKE_LINT_VERSION:-}"
ref="${HUBSPOKE_LINT_REF:-}"
if [ -z "$version" ] && [[ "$ref" =~ ^v[0-9]+\.[0-9]+\.[0-9]+([-+].*)?$ ]]; then
  version="$ref"
fi
version="${version#v}"

if [ -z "$version" ]; then
  # Not a release: hash what cargo would build, so that the build is cached per source tree
  # (a branch moves; the action's folder is a download, not a git checkout).
  cd "${GITHUB_ACTION_PATH:?}"
  sources=()
  for path in Cargo.toml Cargo.lock crates policies vendor; do
    [ -e "$path" ] && sources+=("$path")
  done
  hash="$(find "${sources[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0 "${hasher[@]}" |
    "${hasher[@]}" | cut -c1-40)"
  echo "hubspoke-lint: '${ref:-<local action>}' is not a release tag: building from source (cached)"
  output "mode=source"
  output "source-hash=$hash"
  exit 0
fi

case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  # Windows on Arm runs the x86_64 binary through its emulation.
  Windows/X64 | Windows/ARM64) target=x86_64-pc-windows-msvc ;;
  *) die "no hubspoke-lint release for runner ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}; use the action at a branch or commit to build it from source" ;;
esac
case "$target" in
  *-windows-*) ext=zip exe=.exe ;;
  *) ext=tar.gz exe= ;;
esac
name="hubspoke-lint-$version-$target"
file="$name.$ext"
base="${HUBSPOKE_LINT_DOWNLOAD_URL:-https://github.com/${HUBSPOKE_LINT_REPOSITORY:?}/releases/download}/v$version"
dest="${RUNNER_TEMP:?}/hubspoke-lint-$version"
rm -rf "$dest"
mkdir -p "$dest"

echo "hubspoke-lint: downloading $file (release v$version)"
curl -fsSL --retry 3 -o "$dest/$file" "$base/$file" || die "could not download $base/$file"
curl -fsSL --retry 3 -o "$dest/SHA256SUMS" "$base/SHA256SUMS" || die "could not download $base/SHA256SUMS"
want="$(awk -v f="$file" '{ n = $2; sub(/^\*/, "", n) } n == f { print $1 }' "$dest/SHA256SUMS")"
[ -n "$want" ] || die "SHA256SUMS of v$version lists no $file"
got="$(cd "$dest" && "${hasher[@]}" "$file" | cut -d' ' -f1)"
[ "$got" = "$want" ] || die "checksum mismatch for $file: got $got, SHA256SUMS says $want"
echo "hubspoke-lint: sha256 $got verified against SHA256SUMS"

if [ "$ext" = zip ]; then
  if command -v unzip >/dev/null; then
    (cd "$dest" && unzip -q "$file")
  else
    (cd "$dest" && 7z x -bso0 "$file")
  fi
else
  tar -C "$dest" -xzf "$dest/$file"
fi
bin="$dest/$name/hubspoke-lint$exe"
[ -x "$bin" ] || die "$file has no $name/hubspoke-lint$exe"
"$bin" --version
echo "HUBSPOKE_LINT_BIN=$bin" >>"${GITHUB_ENV:-/dev/null}"
echo "$dest/$name" >>"${GITHUB_PATH:-/dev/null}"
output "mode=release"
