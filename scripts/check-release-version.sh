#!/usr/bin/env bash
# The release workflow's first check: the pushed tag is v<version of Cargo.toml>, and the
# `hubspoke-lint-docker` pre-commit hook names the image of that version. Prints
# `version=<version>` for $GITHUB_OUTPUT. Without an argument, checks only the hook (CI).
#
# Usage: scripts/check-release-version.sh [TAG]
set -euo pipefail
cd "$(dirname "$0")/.."

version="$(cargo pkgid --quiet -p hubspoke-lint | sed 's/.*[#@]//')"
status=0
if [ $# -gt 0 ] && [ "$1" != "v$version" ]; then
  echo "check-release-version.sh: tag $1 is not v$version, the version in Cargo.toml" >&2
  status=1
fi
image="$(sed -n 's|^ *entry: *\(ghcr\.io/hubspoke-lint/hubspoke-lint:[^ ]*\).*|\1|p' .pre-commit-hooks.yaml)"
if [ "$image" != "ghcr.io/hubspoke-lint/hubspoke-lint:$version" ]; then
  echo "check-release-version.sh: .pre-commit-hooks.yaml runs image '$image'," \
    "expected ghcr.io/hubspoke-lint/hubspoke-lint:$version" >&2
  status=1
fi
[ "$status" -eq 0 ] && echo "version=$version"
exit "$status"
