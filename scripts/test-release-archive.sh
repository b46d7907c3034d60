#!/usr/bin/env bash
# Checks a release archive as a user gets it, unpacked far from the sources: exactly the
# documented files, a checksum file that matches, a binary that prints its version and lints a
# repository with its embedded policies.
#
# Usage: scripts/test-release-archive.sh [--profile release|dev]
#          builds the archive for the host (scripts/package-release.sh), then checks it;
#          release (default) is what is published, a release build (minutes from scratch);
#          dev checks the same layout with the debug binary `cargo test` has built (CI)
#        scripts/test-release-archive.sh --archive PATH
#          checks an archive built before (the release workflow, on each target's runner)
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
archive=
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile="$2"; shift 2 ;;
    --archive) archive="$2"; shift 2 ;;
    *) echo "test-release-archive.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "test-release-archive.sh: FAIL: $*" >&2; exit 1; }
sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi
}
version="$(cargo pkgid --quiet -p hubspoke-lint | sed 's/.*[#@]//')"

if [ -z "$archive" ]; then
  if [ "$profile" = dev ]; then
    # The binary `cargo test` built: building it alone would unify features differently
    # and compile dependencies again.
    built="target/debug/hubspoke-lint"
    [ -x "$built" ] || cargo test --locked -p hubspoke-lint --no-run
  else
    CARGO_PROFILE_RELEASE_STRIP=debuginfo cargo build --locked --release --bin hubspoke-lint
    built="target/release/hubspoke-lint"
  fi
  archive="$(bash scripts/package-release.sh --profile "$profile" --binary "$built" \
    --out "$work/dist")"
fi
archive="$(cd "$(dirname "$archive")" && pwd)/$(basename "$archive")"
file="$(basename "$archive")"
name="${file%.tar.gz}"
name="${name%.zip}"
case "$name" in
  "hubspoke-lint-$version-"*) ;;
  *) fail "archive $file is not named hubspoke-lint-$version-<target>.tar.gz|zip" ;;
esac

# The checksum file (sha256sum format) names the archive and matches it.
[ -f "$archive.sha256" ] || fail "no $file.sha256 beside the archive"
read -r want listed <"$archive.sha256"
[ "${listed#\*}" = "$file" ] || fail "$file.sha256 names '$listed', not $file"
read -r got _ < <(sha256 "$archive")
[ "$got" = "$want" ] || fail "$file has sha256 $got, its .sha256 file says $want"

mkdir "$work/unpacked"
case "$file" in
  *.zip)
    if command -v unzip >/dev/null; then
      (cd "$work/unpacked" && unzip -q "$archive")
    else
      (cd "$work/unpacked" && 7z x -bso0 "$archive")
    fi
    ;;
  *) tar -C "$work/unpacked" -xzf "$archive" ;;
esac
exe=
case "$name" in *-windows-*) exe=.exe ;; esac

# Exactly the documented files, all inside one folder named like the archive.
expected="$( {
  printf '%s\n' "$name/hubspoke-lint$exe" "$name/README.md" "$name/LICENSE"
  printf "$name/%s\n" completions/_hubspoke-lint completions/_hubspoke-lint.ps1 \
    completions/hubspoke-lint.bash completions/hubspoke-lint.fish man/hubspoke-lint.1
} | LC_ALL=C sort)"
actual="$(cd "$work/unpacked" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)"
[ "$expected" = "$actual" ] || fail "archive layout:
--- expected
$expected
--- actual
$actual"

bin="$work/unpacked/$name/hubspoke-lint$exe"
[ -x "$bin" ] || fail "$name/hubspoke-lint$exe is not executable"
printed="$("$bin" --version)"
printed="${printed%$'\r'}"
[ "$printed" = "hubspoke-lint $version" ] ||
  fail "--version printed '$printed', expected 'hubspoke-lint $version'"

# The policies are embedded: lint a small repository far from the sources. PSS001 flags the
# privileged field, line 11, column 21.
mkdir "$work/repo"
cat >"$work/repo/pod.yaml" <<'YAML'
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
code=0
(cd "$work/repo" && "$bin" . --rule PSS001 --format github >"$work/lint.out" 2>"$work/lint.err") ||
  code=$?
[ "$code" -eq 1 ] || { cat "$work/lint.err" >&2; fail "linting a privileged Pod exited $code, expected 1"; }
tr -d '\r' <"$work/lint.out" >"$work/lint.txt"
if ! grep -q '^::error file=pod.yaml,line=11,endLine=11,col=21,endColumn=25,title=PSS001 ' "$work/lint.txt" ||
  [ "$(grep -c '^::' "$work/lint.txt")" -ne 1 ]; then
  cat "$work/lint.txt" >&2
  fail "expected exactly one annotation, PSS001 at pod.yaml:11:21"
fi
grep -q '^\.TH hubspoke-lint 1 ' "$work/unpacked/$name/man/hubspoke-lint.1" ||
  fail "man/hubspoke-lint.1 is not the roff man page of hubspoke-lint (no .TH line)"
bash -n "$work/unpacked/$name/completions/hubspoke-lint.bash" ||
  fail "completions/hubspoke-lint.bash is not valid bash"
grep -q '^#compdef hubspoke-lint' "$work/unpacked/$name/completions/_hubspoke-lint" ||
  fail "completions/_hubspoke-lint is not a zsh completion (no #compdef line)"
echo "release archive $file ($profile profile): layout, checksum, --version, completions, the man page and a lint with the embedded policies OK"
