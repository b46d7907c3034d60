#!/usr/bin/env bash
# Check that vendor/regorus is exactly what scripts/vendor-regorus.sh builds from
# the published regorus crate (the version vendor/regorus/Cargo.toml names, with
# the sha256 vendor/README.md records) plus vendor/regorus-*.patch: no edit
# slips into the vendored sources without going through the patch.
#
# The crate comes from cargo's download cache when a build put it there, else
# from crates.io (the `[patch.crates-io]` entry means cargo itself never fetches
# it). Needs bash, tar, python3, patch, and curl or wget for the download.
# Exit 0 when identical, 1 with the differences, 2 when it cannot check.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' vendor/regorus/Cargo.toml | head -n 1)
SHA256=$(grep -o '[0-9a-f]\{64\}' vendor/README.md | head -n 1)
if [[ -z "$VERSION" || -z "$SHA256" ]]; then
    echo "check-vendor-regorus: no version in vendor/regorus/Cargo.toml or no sha256 in vendor/README.md" >&2
    exit 2
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
CRATE="$WORK/regorus-$VERSION.crate"
CACHED=$(find "${CARGO_HOME:-$HOME/.cargo}/registry/cache" -name "regorus-$VERSION.crate" -print -quit 2>/dev/null || true)
URL="https://static.crates.io/crates/regorus/regorus-$VERSION.crate"
if [[ -n "$CACHED" ]]; then
    cp "$CACHED" "$CRATE"
elif command -v curl >/dev/null; then
    curl --fail --silent --show-error --location --retry 3 --output "$CRATE" "$URL"
elif command -v wget >/dev/null; then
    wget --quiet --tries 3 --output-document "$CRATE" "$URL"
else
    echo "check-vendor-regorus: neither curl nor wget to download $URL" >&2
    exit 2
fi

ACTUAL=$(python3 -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$CRATE")
if [[ "$ACTUAL" != "$SHA256" ]]; then
    echo "check-vendor-regorus: regorus-$VERSION.crate has sha256 $ACTUAL, vendor/README.md records $SHA256" >&2
    exit 1
fi
tar -xzf "$CRATE" -C "$WORK"
# vendor-regorus.sh takes the files vendor/regorus holds: each must come from the crate.
EXTRA=$(cd vendor/regorus && find src -type f | sort | while read -r f; do
    [[ -e "$WORK/regorus-$VERSION/$f" ]] || echo "  vendor/regorus/$f"
done)
if [[ -n "$EXTRA" ]]; then
    echo "check-vendor-regorus: not in regorus $VERSION (new code goes into the patch):" >&2
    echo "$EXTRA" >&2
    exit 1
fi
scripts/vendor-regorus.sh "$WORK/regorus-$VERSION" "$WORK/rebuilt" >/dev/null

if ! diff -r "$WORK/rebuilt" vendor/regorus > "$WORK/diff"; then
    sed -e "s|$WORK/rebuilt|rebuilt|g" "$WORK/diff"
    echo "check-vendor-regorus: vendor/regorus differs from regorus $VERSION + vendor/regorus-*.patch" >&2
    echo "  (changes to the vendored sources go into the patch: vendor/README.md)" >&2
    exit 1
fi
echo "vendor/regorus is regorus $VERSION (sha256 $SHA256) + $(cd vendor && find . -maxdepth 1 -name 'regorus-*.patch' -printf '%f\n' | sort | tr '\n' ' ')"
