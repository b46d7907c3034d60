#!/usr/bin/env bash
# Regenerates crates/hubspoke-manifest/tests/data/scalars.json: how Kubernetes' API machinery
# (sigs.k8s.io/yaml over go-yaml v2, whose versions the table records) reads each scalar below, as a
# mapping value and as a mapping key, and how its JSON decoder reads numbers in a file that
# starts with `{`. Each row is decoded offline by the pinned kubectl
# (`kubectl label --local -f FILE k=v -o json`), one file per row so that a row kubectl rejects
# does not hide the others. tests/scalar_table.rs checks our resolution against every row.
# Deterministic: same kubectl, same table.
set -euo pipefail
cd "$(dirname "$0")/.."
kubectl=$(bash scripts/install-kubectl.sh)
out=crates/hubspoke-manifest/tests/data/scalars.json
mkdir -p "$(dirname "$out")"
python3 - "$kubectl" "$out" <<'PY'
import json, os, re, subprocess, sys, tempfile

kubectl, out = sys.argv[1], sys.argv[2]

# Scalars as written after `key: ` (and before `: x` as a key). Plain unless quoted or tagged.
YAML_INPUTS = [
    # the issue's list
    "0-0", "1-2", "10-20", "0-1", "1_000", "0x1F", "0o17", "017", "1:30", "2001-12-14", "+12",
    "1e3", ".5", "0.", "~", "Null", "NO", "y", "n", "on", "0777", ".inf", "-.Inf", ".NaN",
    "1.0e+3", "12e03",
    # signs, bases, underscores
    "-0", "+0", "-12", "+0x1F", "-0x1F", "0X1F", "0b101", "0B101", "-0b101", "0O17", "0o8", "08",
    "09", "00", "0", "0x", "0b", "0x_1F", "0_x1F", "1__0", "1_", "_1", "+_1", "+", "0xG",
    "0.1_0", "1_0.5", ".5_0", "._5", ".5_", "1_e3", "0x1p3",
    # sexagesimal and times (YAML 1.1 base 60: not supported by go-yaml)
    "190:20:30", "12:30:45.5", "-1:30", "08:30",
    # floats
    "1.5", "-.5", "+.5", "1.", "-1.", "1.e3", "1e", "1e+", "1E3", "1e-3", ".e3", ".", "-.", "1.0",
    "-0.0", "0.0", "1e20", "1e21", "1e-7", "1e-6", "1e-5", "1e-4", "1e6", "-1e6", "999999.5", "1e18", "1e39", "3.14159265358979", "0.1",
    "123456789.123", "9.2e18", "9.3e18", "4611686018427388905.0", "1e400", "-1e400", "1e-400",
    ".5e400", "1.7976931348623157e308",
    # special floats
    ".inf", ".Inf", ".INF", ".InF", "+.inf", "+.Inf", "-.inf", "-.INF", ".nan", ".NAN", ".nAn",
    "inf", "nan", "NaN", "Infinity",
    # null and booleans
    "", "null", "NULL", "nULL", "~~", "true", "True", "TRUE", "tRue", "false", "False", "FALSE",
    "yes", "Yes", "YES", "yEs", "no", "No", "Y", "N", "ON", "On", "oN", "off", "Off", "OFF",
    "t", "f", "<<",
    # integers at the limits
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "18446744073709551615", "18446744073709551616", "0xFFFFFFFFFFFFFFFF", "0x8000000000000000",
    "-0x8000000000000000", "0b1111111111111111111111111111111111111111111111111111111111111111",
    "123456789012345678901234567890",
    # dates
    "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10", "2001-13-14", "20011-12-14",
    # ordinary strings
    "nginx:1.25", "1.2.3", "e3", "0.0.0.0/0", "v1", "1h", "10Gi", "500m", "true-ish",
    # quoted scalars are strings unless tagged
    '"123"', "'true'", '"~"', '"0x1F"', "'<<'", '""',
    # standard tags
    "!!str 123", "!!str true", "!!str ~", "!!str", "!!int \"12\"", "!!int 0x_1F", "!!int 0b101",
    "!!int 1.5", "!!int abc", "!!int", "!!int 18446744073709551615", "!!float 1", "!!float \"1e3\"",
    "!!float 1.5", "!!float abc", "!!float .inf", "!!float", "!!float 18446744073709551615",
    "!!bool yes", "!!bool \"true\"", "!!bool 1", "!!bool", "!!null", "!!null ~", "!!null \"\"",
    "!!null x", "!!binary aGVsbG8=", "!!binary /w==", "!!binary 4oI=", "!!binary 7aCA",
    "!!binary aGVsbG9=", "!!binary aGVsbG8", "!!binary aGVs bG8=", "!!binary", "!!binary \"\"",
    "!!timestamp 2001-12-14", "!!timestamp \"2001-12-14T21:59:43.10-05:00\"",
    "!!timestamp 2001-12-14t21:59:43Z", "!!timestamp 2001-1-2", "!!timestamp 2001-12-14T21:59:43",
    "!!timestamp \"2001-12-14 21:59:43.10\"", "!!timestamp \"2001-12-14   1:2:3\"",
    "!!timestamp 2001-02-29", "!!timestamp 2000-02-29", "!!timestamp 2001-12-14T24:00:00Z",
    "!!timestamp 2001-12-14T23:59:60Z", "!!timestamp 2001-12-14T21:59:43.1234567891234Z",
    "!!timestamp 2001-12-14T21:59:43,5+01:00", "!!timestamp 2001-12-14T21:59:43+1:00",
    "!!timestamp 2001-12-14T21:59:43+25:00", "!!timestamp \"2001-12-14 21:59:43 \"",
    "!!timestamp x", "!!timestamp 12",
    "!!merge x", "!!merge <<", "!!map x", "!!seq x", "!!omap x", "!!set x", "!!pairs x",
    "!!value x", "!!yaml x", "!!foo 12", "!<tag:yaml.org,2002:str> 123",
    "!<tag:yaml.org,2002:int> \"7\"", "!<tag:yaml.org,2002:merge> x",
    # non-specific and custom tags
    "! 123", "! true", "!foo 123", "!foo true", "!foo ~", "!foo", "!env_var HOME", "!vault 12",
]

# Numbers in a document written as JSON (kubectl then decodes with encoding/json).
JSON_INPUTS = [
    "1", "-0", "1.0", "-0.0", "0.1", "1E3", "1e21", "1e-7", "1e-400", "1e400", "-1e400",
    "1.5e300", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
    "18446744073709551616", "123456789012345678901234567890", "4611686018427388905.0",
]

def run(path):
    p = subprocess.run([kubectl, "label", "--local", "-f", path, "k=v", "-o", "json"],
                       capture_output=True, text=True)
    if p.returncode == 0:
        return json.loads(p.stdout)["data"], None
    message = p.stderr.strip()
    # Keep what the decoder said, not where kubectl wrapped it (the file name is temporary).
    message = re.sub(r"^error: (error parsing|unable to decode) \S+?:? ", "", message)
    message = message.replace("error converting YAML to JSON: ", "")
    return None, message

def decode(tmp, text):
    path = os.path.join(tmp, "row.yaml")
    with open(path, "w") as f:
        f.write(text)
    return run(path)

HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: row\ndata:\n"

rows = []
with tempfile.TemporaryDirectory() as tmp:
    for text in YAML_INPUTS:
        row = {"input": text}
        data, error = decode(tmp, HEAD + "  v: " + text + "\n")
        if error is None:
            row["value"] = data["v"]
        else:
            row["value_error"] = error
        data, error = decode(tmp, HEAD + "  " + text + " : x\n")
        if error is None:
            [(key, _)] = data.items()
            row["key"] = key
        else:
            row["key_error"] = error
        rows.append(row)
    json_rows = []
    for text in JSON_INPUTS:
        row = {"input": text}
        doc = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "row"}, "data": {"v": %s}}\n' % text
        data, error = decode(tmp, doc)
        if error is None:
            row["value"] = data["v"]
        else:
            row["value_error"] = error
        json_rows.append(row)

version = json.loads(subprocess.run([kubectl, "version", "--client", "-o", "json"],
                                    capture_output=True, text=True, check=True).stdout)
# The decoder's own versions, from the Go build information kubectl carries.
with open(os.path.realpath(kubectl), "rb") as f:
    binary = f.read()
decoder = ", ".join(
    "%s %s" % (module, m.group(1).decode())
    for module in ("sigs.k8s.io/yaml", "go.yaml.in/yaml/v2")
    for m in [re.search(rb"dep\t" + re.escape(module.encode()) + rb"\t(v[^\t\n]+)", binary)]
    if m
)
with open(out, "w") as f:
    f.write("{\n")
    f.write('"generated_by": "scripts/update-scalar-table.sh",\n')
    f.write('"kubectl": %s,\n' % json.dumps(version["clientVersion"]["gitVersion"]))
    f.write('"decoder": %s,\n' % json.dumps(decoder))
    f.write('"yaml": [\n')
    f.write(",\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
    f.write('\n],\n"json": [\n')
    f.write(",\n".join(json.dumps(r, ensure_ascii=False) for r in json_rows))
    f.write("\n]\n}\n")
print(out)
PY
