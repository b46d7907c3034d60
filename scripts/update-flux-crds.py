#!/usr/bin/env python3
"""Bundle fixtures/flux-crds/ into crates/hubspoke-schema/schemas/flux-crds.yaml.gz.

The CRDs are stored unchanged (one multi-document YAML stream, each file preceded by `---`
and a `# source: <path>` comment), gzip-compressed with mtime 0 so that the same input
always gives the same bytes. The crate converts them to JSON Schema at run time, with the
code that converts a linted repository's own CRDs.

Order matters, because the loader keeps the first definition of each group/version/kind:
the files of `fixtures/flux-crds/` itself (each controller's current `main`) come first,
in name order; then those of `flux-operator/` (the Flux Operator's APIs, written for
hubspoke-lint: see the README); then the directories `<controller>-v<X.Y.Z>/` (older releases, kept for
the API versions `main` no longer serves), per controller newest release first, each
directory's files in name order. A version that an older release also carries is thus
taken from the newest file that has it.

No network: see fixtures/flux-crds/README.md for where the files come from.
"""

import gzip
import io
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "fixtures", "flux-crds")
OUT = os.path.join(ROOT, "crates", "hubspoke-schema", "schemas", "flux-crds.yaml.gz")
RELEASE_DIR = re.compile(r"^(?P<controller>[a-z-]+)-v(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)$")


# Current APIs kept apart from the controllers' files (not a `<controller>-vX.Y.Z/` release).
CURRENT_DIRS = ["flux-operator"]


def release_dirs():
    found = []
    for name in os.listdir(SRC):
        if not os.path.isdir(os.path.join(SRC, name)) or name in CURRENT_DIRS:
            continue
        m = RELEASE_DIR.match(name)
        if not m:
            raise SystemExit(f"fixtures/flux-crds/{name}: not a <controller>-vX.Y.Z directory")
        version = tuple(int(m[p]) for p in ("major", "minor", "patch"))
        found.append((m["controller"], tuple(-v for v in version), name))
    return [name for _, _, name in sorted(found)]


def yaml_files(rel_dir):
    directory = os.path.join(SRC, rel_dir)
    names = sorted(n for n in os.listdir(directory) if n.endswith(".yaml"))
    return [os.path.join(rel_dir, n) if rel_dir else n for n in names]


def stream():
    files = yaml_files("")
    for directory in CURRENT_DIRS + release_dirs():
        files.extend(yaml_files(directory))
    parts = []
    for rel in files:
        with open(os.path.join(SRC, rel), encoding="utf-8") as f:
            text = f.read()
        if text.startswith("---\n"):
            text = text[4:]
        if not text.endswith("\n"):
            text += "\n"
        parts.append(f"---\n# source: {rel.replace(os.sep, '/')}\n{text}")
    return "".join(parts).encode()


def main():
    data = stream()
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buf, mtime=0) as gz:
        gz.write(data)
    with open(OUT, "wb") as f:
        f.write(buf.getvalue())
    print(f"{os.path.relpath(OUT, ROOT)}: {len(data)} bytes -> {len(buf.getvalue())} gzipped")


if __name__ == "__main__":
    main()
