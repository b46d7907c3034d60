#!/usr/bin/env bash
# Builds hubspoke-lint for one target and packs the release archive that the GitHub release,
# the Action (scripts/action-install.sh), `cargo binstall` (package.metadata.binstall in
# Cargo.toml) and the container image (Dockerfile, target `release`) all expect:
#
#   hubspoke-lint-<version>-<target>.tar.gz       (.zip for Windows targets)
#     hubspoke-lint-<version>-<target>/
#       hubspoke-lint                              (hubspoke-lint.exe on Windows)
#       README.md  LICENSE
#       completions/hubspoke-lint.bash  completions/_hubspoke-lint  (zsh)
#       completions/hubspoke-lint.fish  completions/_hubspoke-lint.ps1
#       man/hubspoke-lint.1
#   hubspoke-lint-<version>-<target>.tar.gz.sha256 (sha256sum format; the release joins them
#                                                   into SHA256SUMS)
#
# Completions and the man page come from the binary itself (`hubspoke-lint completions SHELL`,
# `hubspoke-lint man`, both printing to stdout), so it must run on the build machine: the
# release workflow builds every target on a runner of that target.
#
# Usage: scripts/package-release.sh [--target TRIPLE] [--profile release|dev] [--out DIR]
#   --target     default: the host; the host target builds in target/<profile>, as cargo test
#                does, others in target/<triple>/<profile>
#   --profile    default: release (what is published); dev reuses the debug build of the tests
#   --out        default: dist
#   --binary     pack this already built binary of the target instead of building one
# Prints the archive's path on stdout; everything else goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

host="$(rustc -vV | sed -n 's/^host: //p')"
target="$host"
profile=release
out=dist
binary=
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target="$2"; shift 2 ;;
    --profile) profile="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    *) echo "package-release.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

version="$(cargo pkgid --quiet -p hubspoke-lint | sed 's/.*[#@]//')"
name="hubspoke-lint-$version-$target"
case "$target" in
  *-windows-*) exe=.exe; archive_ext=zip ;;
  *) exe=; archive_ext=tar.gz ;;
esac
profile_dir="$profile"
[ "$profile" = dev ] && profile_dir=debug

if [ -z "$binary" ]; then
  target_args=()
  bin_dir="target/$profile_dir"
  if [ "$target" != "$host" ]; then
    target_args=(--target "$target")
    bin_dir="target/$target/$profile_dir"
  fi
  # Debug info of the standard library makes up most of a release binary; symbol names stay
  # (backtraces keep function names).
  CARGO_PROFILE_RELEASE_STRIP="${CARGO_PROFILE_RELEASE_STRIP:-debuginfo}" \
    cargo build --locked --profile "$profile" --bin hubspoke-lint ${target_args[@]+"${target_args[@]}"} >&2
  binary="$bin_dir/hubspoke-lint$exe"
fi

mkdir -p "$out"
out="$(cd "$out" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
dir="$stage/$name"
mkdir -p "$dir"
cp "$binary" "$dir/"
cp README.md LICENSE "$dir/"
mkdir -p "$dir/completions" "$dir/man"
"$binary" completions bash >"$dir/completions/hubspoke-lint.bash"
"$binary" completions zsh >"$dir/completions/_hubspoke-lint"
"$binary" completions fish >"$dir/completions/hubspoke-lint.fish"
"$binary" completions powershell >"$dir/completions/_hubspoke-lint.ps1"
"$binary" man >"$dir/man/hubspoke-lint.1"
for generated in "$dir"/completions/* "$dir/man/hubspoke-lint.1"; do
  [ -s "$generated" ] || { echo "package-release.sh: $generated is empty" >&2; exit 1; }
done

archive="$out/$name.$archive_ext"
rm -f "$archive"
if [ "$archive_ext" = zip ]; then
  if command -v 7z >/dev/null; then
    (cd "$stage" && 7z a -tzip -bso0 "$archive" "$name" >&2)
  else
    (cd "$stage" && zip -qr "$archive" "$name")
  fi
else
  tar -C "$stage" -czf "$archive" "$name"
fi

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi
}
(cd "$out" && sha256 "$name.$archive_ext" >"$name.$archive_ext.sha256")
echo "$archive"
