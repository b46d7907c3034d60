#!/usr/bin/env python3
"""Regenerate the embedded Kubernetes schema bundles of crates/hubspoke-schema.

Source: PyPI `kubernetes-validate` (Apache-2.0, Will Thames; a fork of
garethr/kubernetes-json-schema), which ships JSON Schema (draft 2020-12) for
Kubernetes v1.25.0 to v1.37.0 in `-local` and `-local-strict` flavours.

For each shipped version this script takes `v<X>-local-strict/_definitions.json`,
keeps only the definitions reachable from a definition that declares a
group/version/kind, drops what validation never reads (descriptions, formats,
`x-kubernetes-*` annotations), turns the two type-union `oneOf`s into `anyOf`, records an index `apiVersion/Kind -> definition`,
and writes `crates/hubspoke-schema/schemas/kubernetes/v<X>.json.gz`
(gzip, mtime 0: identical input gives identical bytes).

The non-strict flavour is not stored: it equals the strict one with every
`additionalProperties: false` removed (checked below), and the crate derives it
at run time when `--strict` is off.

Usage:
    scripts/update-k8s-schemas.py                 # download the wheel with pip, write every version
    scripts/update-k8s-schemas.py --wheel FILE    # use a wheel already downloaded
    scripts/update-k8s-schemas.py --versions 1.36.0 1.37.0

Needs only Python 3.8+ and pip (for the download). Nothing else touches the network.
"""

import argparse
import glob
import gzip
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile

PACKAGE = "kubernetes-validate"
PACKAGE_VERSION = "1.37.0"
# Every Kubernetes version the wheel carries. Each bundle is ~25 KB compressed.
DEFAULT_VERSIONS = [f"1.{minor}.0" for minor in range(25, 38)]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "crates", "hubspoke-schema", "schemas", "kubernetes")

DROP_KEYS = {"description", "format", "default", "example", "title", "externalDocs"}
GVK_KEY = "x-kubernetes-group-version-kind"


def prune(node, in_properties=False):
    """Drop annotations; `in_properties` means keys are property names, kept as they are."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if in_properties:
                out[key] = prune(value)
                continue
            if key in DROP_KEYS or key.startswith("x-kubernetes-"):
                continue
            if key == "oneOf":
                # Only IntOrString and Quantity use it, as a union of nullable types: `null`
                # would match two branches and fail `oneOf`. `anyOf` says what is meant.
                key = "anyOf"
            out[key] = prune(value, in_properties=key in ("properties", "patternProperties", "$defs"))
        return out
    if isinstance(node, list):
        return [prune(v) for v in node]
    return node


def refs(node, in_properties=False):
    if isinstance(node, dict):
        for key, value in node.items():
            if not in_properties and key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value, in_properties=(not in_properties) and key in ("properties", "patternProperties"))
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


def strip_additional_false(node):
    if isinstance(node, dict):
        return {k: strip_additional_false(v) for k, v in node.items() if not (k == "additionalProperties" and v is False)}
    if isinstance(node, list):
        return [strip_additional_false(v) for v in node]
    return node


def api_version(gvk):
    return f"{gvk['group']}/{gvk['version']}" if gvk.get("group") else gvk["version"]


def build(strict_defs, version):
    defs = strict_defs["$defs"]
    kinds = {}
    for name, schema in defs.items():
        for gvk in schema.get(GVK_KEY, []):
            key = f"{api_version(gvk)}/{gvk['kind']}"
            # A few meta types (DeleteOptions, WatchEvent, ...) claim every group; keep the first.
            kinds.setdefault(key, name)
    keep = set()
    todo = sorted(set(kinds.values()))
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        for ref in refs(defs[name]):
            if not ref.startswith("#/$defs/"):
                sys.exit(f"unexpected $ref {ref} in {name}")
            todo.append(ref[len("#/$defs/"):])
    return {
        "kubernetes": version,
        "source": f"PyPI {PACKAGE} {PACKAGE_VERSION}: kubernetes-json-schema/v{version}-local-strict/_definitions.json",
        "kinds": dict(sorted(kinds.items())),
        "$defs": {name: prune(defs[name]) for name in sorted(keep)},
    }


def download(tmp):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, f"{PACKAGE}=={PACKAGE_VERSION}"],
        check=True,
    )
    wheels = glob.glob(os.path.join(tmp, "kubernetes_validate-*.whl"))
    if len(wheels) != 1:
        sys.exit(f"expected one wheel, found {wheels}")
    return wheels[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", help="a kubernetes_validate wheel already downloaded")
    parser.add_argument("--versions", nargs="+", default=DEFAULT_VERSIONS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download(tmp)
        os.makedirs(OUT_DIR, exist_ok=True)
        for old in glob.glob(os.path.join(OUT_DIR, "v*.json.gz")):
            os.remove(old)
        with zipfile.ZipFile(wheel) as zf:
            base = "kubernetes_validate/kubernetes-json-schema"
            for version in args.versions:
                strict = json.loads(zf.read(f"{base}/v{version}-local-strict/_definitions.json"))
                loose = json.loads(zf.read(f"{base}/v{version}-local/_definitions.json"))
                if strip_additional_false(strict) != loose:
                    sys.exit(f"v{version}: -local is not -local-strict minus additionalProperties:false; store both")
                bundle = build(strict, version)
                data = json.dumps(bundle, separators=(",", ":"), sort_keys=False).encode()
                buf = io.BytesIO()
                with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buf, mtime=0) as gz:
                    gz.write(data)
                path = os.path.join(OUT_DIR, f"v{version}.json.gz")
                with open(path, "wb") as f:
                    f.write(buf.getvalue())
                print(f"{os.path.relpath(path, ROOT)}: {len(bundle['kinds'])} kinds, "
                      f"{len(bundle['$defs'])} definitions, {len(data)} bytes -> {len(buf.getvalue())} gzipped")
            # The package's licence file is its Apache-2.0 notice; keep it beside the bundles.
            with open(os.path.join(OUT_DIR, "NOTICE.kubernetes-validate"), "wb") as f:
                f.write(zf.read(f"kubernetes_validate-{PACKAGE_VERSION}.dist-info/licenses/LICENSE"))


if __name__ == "__main__":
    main()
