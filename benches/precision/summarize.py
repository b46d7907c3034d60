#!/usr/bin/env python3
"""Summary tables of a precision run: findings per rule and severity per repository.

Reads <json-dir>/<owner>+<name>.json (hubspoke-lint --format json) for every repository of the
list and writes <out>/summary.tsv (repo, rule, severity, count) and <out>/summary.md (a table per
severity and an overall rule x repository table). Standard library only.
"""

import argparse
import collections
import json
import os
import sys

SEVERITIES = ("error", "warning", "note")


def read_list(path):
    repos = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            repos.append((fields[0], fields[1]))
    return repos


def load_findings(json_dir, repo):
    path = os.path.join(json_dir, repo.replace("/", "+", 1) + ".json")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)["findings"]
    except FileNotFoundError:
        # Not run this time (run.sh --only): left out of the tables.
        return None
    except (OSError, ValueError, KeyError) as err:
        print(f"summarize: {repo}: {err}", file=sys.stderr)
        return None


def column_names(repos):
    """The owner, or the repository name where one owner has several repositories."""
    owners = collections.Counter(repo.split("/", 1)[0] for repo in repos)
    return [
        repo.split("/", 1)[1] if owners[repo.split("/", 1)[0]] > 1 else repo.split("/", 1)[0]
        for repo in repos
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--list", required=True)
    parser.add_argument("--json-dir", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    repos = read_list(args.list)
    # counts[repo][(rule, severity)] = n
    counts = {}
    for repo, _commit in repos:
        findings = load_findings(args.json_dir, repo)
        if findings is None:
            continue
        counts[repo] = collections.Counter((f["rule"], f["severity"]) for f in findings)

    with open(os.path.join(args.out, "summary.tsv"), "w", encoding="utf-8") as f:
        f.write("repo\trule\tseverity\tcount\n")
        for repo, counter in counts.items():
            for (rule, severity), n in sorted(counter.items()):
                f.write(f"{repo}\t{rule}\t{severity}\t{n}\n")

    lines = ["# Precision run: findings per repository", ""]
    lines.append("| repository | findings | " + " | ".join(SEVERITIES) + " |")
    lines.append("|---|---:|" + "---:|" * len(SEVERITIES))
    totals = collections.Counter()
    for repo, counter in counts.items():
        per_severity = collections.Counter()
        for (_rule, severity), n in counter.items():
            per_severity[severity] += n
        totals.update(per_severity)
        cells = " | ".join(str(per_severity[s]) for s in SEVERITIES)
        lines.append(f"| {repo} | {sum(per_severity.values())} | {cells} |")
    cells = " | ".join(str(totals[s]) for s in SEVERITIES)
    lines.append(f"| **all** | {sum(totals.values())} | {cells} |")
    lines.append("")

    rules = sorted({key for counter in counts.values() for key in counter})
    short = column_names(list(counts))
    lines.append("## Findings per rule and severity (columns: repositories)")
    lines.append("")
    lines.append("| rule | severity | total | " + " | ".join(short) + " |")
    lines.append("|---|---|---:|" + "---:|" * len(short))
    for rule, severity in rules:
        row = [counts[repo][(rule, severity)] for repo in counts]
        cells = " | ".join(str(n) if n else "" for n in row)
        lines.append(f"| {rule} | {severity} | {sum(row)} | {cells} |")
    lines.append("")
    with open(os.path.join(args.out, "summary.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
