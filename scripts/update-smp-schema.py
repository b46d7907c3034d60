#!/usr/bin/env python3
"""Regenerate crates/hubspoke-render/data/smp-schema.json: the strategic-merge
patch strategies and merge keys of Kubernetes' built-in types.

kustomize merges patches into built-in kinds with the `x-kubernetes-patch-strategy`
and `x-kubernetes-patch-merge-key` (or `x-kubernetes-list-map-keys`) annotations
of the Kubernetes OpenAPI schema; every other list is replaced by the patch's.
This keeps just what that merge reads: for each definition, the properties that
are merge lists (strategy and keys) or lead to one (the definition of a nested
object, of a list's items, of a map's values). Definitions that lead to no
merge list are dropped: without them the merge behaves the same.

Source: PyPI `kubernetes-validate` (Apache-2.0), the JSON Schema of Kubernetes
v1.25.0 (the oldest it ships; kustomize's own schema is v1.21.2, and patch
strategies of existing fields do not change between versions).

Usage: scripts/update-smp-schema.py [--wheel FILE]
Needs Python 3.8+ and pip (for the download).
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import zipfile

PACKAGE = "kubernetes-validate==1.37.0"
VERSION = "v1.25.0"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates", "hubspoke-render", "data", "smp-schema.json")


def load_definitions(wheel):
    with zipfile.ZipFile(wheel) as z:
        name = f"kubernetes_validate/kubernetes-json-schema/{VERSION}-local-strict/_definitions.json"
        return json.loads(z.read(name))["$defs"]


def ref_name(node):
    ref = node.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else None


def child_ref(prop):
    """The definition a property leads to: itself, its items' or its values'."""
    name = ref_name(prop)
    if name:
        return ("ref", name)
    items = prop.get("items")
    if isinstance(items, dict) and ref_name(items):
        return ("items", ref_name(items))
    values = prop.get("additionalProperties")
    if isinstance(values, dict) and ref_name(values):
        return ("values", ref_name(values))
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wheel")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel
        if not wheel:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, PACKAGE], check=True)
            wheel = glob.glob(os.path.join(tmp, "*.whl"))[0]
        defs = load_definitions(wheel)

    table = {}
    for name, schema in defs.items():
        props = {}
        for prop_name, prop in (schema.get("properties") or {}).items():
            entry = {}
            strategy = prop.get("x-kubernetes-patch-strategy")
            if strategy and "merge" in strategy.split(","):
                keys = prop.get("x-kubernetes-list-map-keys")
                if not keys:
                    key = prop.get("x-kubernetes-patch-merge-key")
                    keys = [key] if key else []
                entry["keys"] = keys
            child = child_ref(prop)
            if child:
                entry[child[0]] = child[1]
            if entry:
                props[prop_name] = entry
        values = schema.get("additionalProperties")
        table[name] = {"properties": props}
        if isinstance(values, dict) and ref_name(values):
            table[name]["values"] = ref_name(values)

    # Keep the definitions from which a merge list can be reached.
    useful = {n for n, d in table.items() if any("keys" in p for p in d["properties"].values())}
    changed = True
    while changed:
        changed = False
        for n, d in table.items():
            if n in useful:
                continue
            targets = [p.get("ref") or p.get("items") or p.get("values") for p in d["properties"].values()]
            targets.append(d.get("values"))
            if any(t in useful for t in targets if t):
                useful.add(n)
                changed = True

    out_defs = {}
    for n in sorted(useful):
        props = {}
        for p, e in sorted(table[n]["properties"].items()):
            target = e.get("ref") or e.get("items") or e.get("values")
            if "keys" in e or target in useful:
                kept = {k: v for k, v in e.items() if k == "keys" or v in useful}
                props[p] = kept
        out_defs[n] = {"properties": props}
        if table[n].get("values") in useful:
            out_defs[n]["values"] = table[n]["values"]

    kinds = {}
    for n, schema in defs.items():
        for gvk in schema.get("x-kubernetes-group-version-kind") or []:
            if n not in useful:
                continue
            api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            kinds[f"{api_version} {gvk['kind']}"] = n

    with open(OUT, "w") as f:
        json.dump({"source": f"{PACKAGE} {VERSION}", "kinds": dict(sorted(kinds.items())), "definitions": out_defs},
                  f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"{OUT}: {len(kinds)} kinds, {len(out_defs)} definitions")


if __name__ == "__main__":
    main()
