#!/usr/bin/env bash
# `cargo publish --dry-run` of every crate of the workspace, in dependency order (cargo's
# `--workspace` publishing packs the unpublished local dependencies into a temporary registry,
# so a crate is verified against the packages of the crates it depends on, not their folders).
#
# A published build has no [patch.crates-io]: verification compiles each package against the
# upstream regorus from crates.io, not vendor/regorus.
#
# Then it checks what the packages must carry: the engine's bundled policies (read by its
# build.rs through the `policies` symlink), a LICENSE and README in every package, the binary's
# sources in the root package.
#
# Usage: scripts/publish-dry-run.sh [--no-verify]
#   --no-verify  package and resolve only, without compiling the packages (CI on the project's
#                machine: verification is a second full build of ~5 minutes); the GitHub CI
#                workflow runs the full verification in a job of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

verify=()
[ "${1:-}" = --no-verify ] && verify=(--no-verify)

# --allow-dirty: the check is about the packages, not about committed state (CI's tree has
# build outputs the .gitignore does not list, developers run it before committing).
cargo publish --workspace --dry-run --locked --allow-dirty ${verify[@]+"${verify[@]}"}

status=0
list() { cargo package --list --allow-dirty --locked -p "$1" 2>/dev/null; }
for package in $(cargo metadata --no-deps --format-version 1 |
  python3 -c 'import json, sys; print(" ".join(p["name"] for p in json.load(sys.stdin)["packages"]))'); do
  files="$(list "$package")"
  for required in LICENSE README.md Cargo.toml; do
    grep -qx "$required" <<<"$files" || { echo "publish-dry-run.sh: $package packs no $required" >&2; status=1; }
  done
done

# Every bundled policy (not tests, not fixtures) is in the engine's package.
engine="$(list hubspoke-engine)"
missing=0
while IFS= read -r policy; do
  grep -qx "$policy" <<<"$engine" || { echo "publish-dry-run.sh: hubspoke-engine packs no $policy" >&2; missing=$((missing + 1)); }
done < <(find policies -name '*.rego' ! -name '*_test.rego' ! -path '*/fixtures/*' | LC_ALL=C sort)
[ "$missing" -eq 0 ] || status=1

# The binary's sources, and nothing of the rest of the repository, in the root package.
lint="$(list hubspoke-lint)"
grep -qx 'crates/hubspoke-lint/src/main.rs' <<<"$lint" ||
  { echo "publish-dry-run.sh: hubspoke-lint packs no crates/hubspoke-lint/src/main.rs" >&2; status=1; }
if grep -E '^(fixtures|policies|vendor|tests|editors|crates/hubspoke-[a-z]+/(src|Cargo))' <<<"$lint" |
  grep -v '^crates/hubspoke-lint/src/'; then
  echo "publish-dry-run.sh: the hubspoke-lint package carries files of the repository (above)" >&2
  status=1
fi
[ "$status" -eq 0 ] && echo "publish-dry-run.sh: every crate packages${verify[*]:+ (not compiled: --no-verify)}; policies, licences, READMEs present"
exit "$status"
