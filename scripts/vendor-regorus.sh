#!/usr/bin/env bash
# Rebuild vendor/regorus from the published regorus crate and vendor/*.patch
# (see vendor/README.md): the crate's sources that our feature set compiles
# (the files vendor/regorus already holds), its licence and manifest, with
# the test, bench and example targets left out of the manifest (their files
# are not vendored), then the patch.
#
#   scripts/vendor-regorus.sh ~/.cargo/registry/src/*/regorus-0.14.1
#   scripts/vendor-regorus.sh <unpacked crate> <elsewhere>   # build a copy there instead
#                                                            # (scripts/check-vendor-regorus.sh)
set -euo pipefail
SRC="${1:?usage: vendor-regorus.sh <unpacked regorus crate> [destination, default vendor/regorus]}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="${2:-$ROOT/vendor/regorus}"
# Which files to take is always what vendor/regorus holds today.
FILES=$(cd "$ROOT/vendor/regorus" && find src -type f | sort)
PATCHES=("$ROOT"/vendor/regorus-*.patch)
rm -rf "$DEST.new" && mkdir -p "$DEST.new"
for f in $FILES README.md LICENSE build.rs; do
    mkdir -p "$DEST.new/$(dirname "$f")"
    cp "$SRC/$f" "$DEST.new/$f"
done
python3 - "$SRC/Cargo.toml" "$DEST.new/Cargo.toml" <<'PY'
import re, sys
out, skip = [], False
for line in open(sys.argv[1]):
    if re.match(r'^\[\[?[a-zA-Z]', line):
        skip = bool(re.match(r'^\[\[(test|bench|example)\]\]', line))
    if not skip:
        out.append(line)
open(sys.argv[2], 'w').write(''.join(out))
PY
for p in "${PATCHES[@]}"; do
    (cd "$DEST.new" && patch -p1 -s --no-backup-if-mismatch < "$p")
done
rm -rf "$DEST" && mv "$DEST.new" "$DEST"
echo "$DEST rebuilt from $SRC"
