#!/usr/bin/env bash
# Rendering 1,000 kustomizations: hubspoke-render (criterion bench, release
# build) against `kubectl kustomize` run over each directory (the same
# kubectl as the equivalence tests, scripts/install-kubectl.sh). Prints both
# wall times and the ratio. N=... for another size.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${N:-1000}"
repo="target/render-bench-repo-$n"
[ -f "$repo/kustomizations.txt" ] || python3 benches/gen_kustomize_repo.py --kustomizations "$n" --out "$repo" >&2
kubectl="${KUBECTL:-$(bash scripts/install-kubectl.sh)}"
start=$(date +%s.%N)
while IFS= read -r dir; do
  "$kubectl" kustomize "$repo/$dir" >/dev/null
done <"$repo/kustomizations.txt"
end=$(date +%s.%N)
kubectl_s=$(echo "$end - $start" | bc)
echo "kubectl kustomize over $n directories: ${kubectl_s} s" >&2
HUBSPOKE_RENDER_BENCH_KUSTOMIZATIONS="$n" cargo bench -p hubspoke-render --bench render -- --noplot 2>&1 | tee target/render-bench.log | grep -E "^render/|time:" >&2
python3 - "$kubectl_s" <<'PY'
import re, sys
log = open("target/render-bench.log").read()
units = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
kubectl = float(sys.argv[1])
for name, value, unit in re.findall(r"(render/\S+)\s+time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", log):
    seconds = float(value) * units[unit]
    print(f"{name}: {seconds:.3f} s, kubectl {kubectl:.1f} s, {kubectl / seconds:.0f}x faster")
PY
