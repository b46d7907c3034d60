#!/usr/bin/env bash
# Records what `kubectl kustomize` (kustomize built into kubectl, pinned in
# scripts/install-kubectl.sh) renders for every kustomization directory under
# fixtures/, as fixtures/render/expected/<path with / as __>.yaml, or .error
# with kubectl's message when kustomize refuses the directory. The equivalence
# test (crates/hubspoke-render/tests/kustomize_equivalence.rs) compares our
# renderer with these files, and with kubectl itself when KUBECTL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
kubectl="${KUBECTL:-$(bash scripts/install-kubectl.sh)}"
out=fixtures/render/expected
rm -rf "$out"
mkdir -p "$out"
count=0
while IFS= read -r file; do
  dir="$(dirname "$file")"
  name="${dir#fixtures/}"
  name="${name//\//__}"
  # Flux builds with kustomize's LoadRestrictionsNone (fluxcd/pkg kustomize.Build) inside a
  # filesystem confined to the source root, so a resource file outside the kustomization's own
  # directory is fine for Flux; record what Flux renders, not kubectl's stricter default.
  if "$kubectl" kustomize --load-restrictor LoadRestrictionsNone "$dir" >"$out/$name.yaml" 2>"$out/$name.stderr"; then
    rm -f "$out/$name.stderr"
  else
    rm -f "$out/$name.yaml"
    # Only the first line: later ones hold absolute paths of this checkout.
    head -n 1 "$out/$name.stderr" | sed "s#$PWD/##g" >"$out/$name.error"
    rm -f "$out/$name.stderr"
  fi
  count=$((count + 1))
done < <(find fixtures -path fixtures/render/expected -prune -o \
  \( -name kustomization.yaml -o -name kustomization.yml -o -name Kustomization \) -print | LC_ALL=C sort)
echo "$count kustomization directories rendered with $("$kubectl" version --client | tr '\n' ' ')" >&2
