#!/usr/bin/env python3
"""Bundle fixtures/flux-crds/*.yaml into crates/hubspoke-schema/schemas/flux-crds.yaml.gz.

The CRDs are stored unchanged (one multi-document YAML stream, files in name order, each
preceded by `---` and a `# source: <file>` comment), gzip-compressed with mtime 0 so that
the same input always gives the same bytes. The crate converts them to JSON Schema at run
time, with the code that converts a linted repository's own CRDs.

No network: see fixtures/flux-crds/README.md for where the files come from.
"""

import glob
import gzip
import io
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "fixtures", "flux-crds")
OUT = os.path.join(ROOT, "crates", "hubspoke-schema", "schemas", "flux-crds.yaml.gz")


def stream():
    parts = []
    for path in sorted(glob.glob(os.path.join(SRC, "*.yaml"))):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if text.startswith("---\n"):
            text = text[4:]
        if not text.endswith("\n"):
            text += "\n"
        parts.append(f"---\n# source: {os.path.basename(path)}\n{text}")
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
