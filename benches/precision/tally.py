#!/usr/bin/env python3
"""Judged precision of a run: which findings to judge, and the counts of the judgements.

  tally.py queue  --json-dir DIR [--list repos.tsv]        # the findings to judge, one per line
  tally.py report --json-dir DIR --judgements FILE [--list repos.tsv] [--markdown]

A finding's id is the first 12 hex digits of sha1("rule|file|line|column|message"): stable across
runs of the same binary on the same commit, and changed when any of those change.

Sampling: a (repository, rule) group of more than GROUP_LIMIT findings is read on a random
sample of SAMPLE_SIZE findings: the group sorted by (file, line, column, message), shuffled by
random.Random(f"{SEED}:{repo}:{rule}"), the first SAMPLE_SIZE kept. Smaller groups are read in
full. When judgements.tsv holds a verdict for every finding of a group (the rest classified by
the rule that the sample's reading established, basis "rule"), the group is counted exactly;
otherwise the sample's verdict shares are extrapolated to the whole group (largest-remainder
rounding, so each group's counts add up to its size).

judgements.tsv columns: id, repo, rule, severity, file, line, verdict, cause, note, basis
(basis: "read", the finding was read at its line; "rule", classified by a rule established by
reading the sample of its group).
verdict is TRUE, FALSE, OPINION or INFO (a note about the linter's own coverage, such as "no
schema for kind X", which says nothing right or wrong about the repository; counted apart).
Standard library only.
"""

import argparse
import collections
import hashlib
import json
import os
import random
import sys

SEED = 17
GROUP_LIMIT = 40
SAMPLE_SIZE = 20
VERDICTS = ("TRUE", "FALSE", "OPINION", "INFO")
NOTES = {}
EXTRA = collections.Counter()
BASIS = {}
SEVERITIES = ("error", "warning", "note")


def finding_id(f):
    key = f"{f['rule']}|{f['file']}|{f['line']}|{f['column']}|{f['message']}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def read_list(path):
    repos = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            repos.append((fields[0], fields[1]))
    return repos


def load(json_dir, repo):
    path = os.path.join(json_dir, repo.replace("/", "+", 1) + ".json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)["findings"]


def groups(findings):
    """(rule -> findings sorted by location) for one repository."""
    by_rule = collections.defaultdict(list)
    for f in findings:
        by_rule[f["rule"]].append(f)
    for rule in by_rule:
        by_rule[rule].sort(key=lambda f: (f["file"], f["line"] or 0, f["column"] or 0, f["message"]))
    return dict(sorted(by_rule.items()))


def to_judge(repo, rule, group):
    if len(group) <= GROUP_LIMIT:
        return list(group), False
    shuffled = list(group)
    random.Random(f"{SEED}:{repo}:{rule}").shuffle(shuffled)
    return shuffled[:SAMPLE_SIZE], True


def cmd_queue(args):
    for repo, _commit in read_list(args.list):
        for rule, group in groups(load(args.json_dir, repo)).items():
            chosen, sampled = to_judge(repo, rule, group)
            for f in chosen:
                mark = f"sample of {len(group)}" if sampled else "all"
                print("\t".join([finding_id(f), repo, rule, f["severity"], f["file"],
                                 str(f["line"]), mark, f["message"]]))


def read_judgements(path):
    verdicts = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 7 or fields[6] not in VERDICTS:
                sys.exit(f"{path}:{number}: expected id, repo, rule, severity, file, line, verdict, cause, note")
            cause = fields[7] if len(fields) > 7 else ""
            verdicts[(fields[1], fields[0])] = (fields[6], cause)
            NOTES[(fields[1], fields[0])] = fields[8] if len(fields) > 8 else ""
            BASIS[(fields[1], fields[0])] = fields[9] if len(fields) > 9 else "read"
    return verdicts


def apportion(total, shares):
    """Split total in proportion to shares (a Counter), largest remainders first."""
    weight = sum(shares.values())
    exact = {k: total * v / weight for k, v in shares.items()}
    counts = {k: int(v) for k, v in exact.items()}
    left = total - sum(counts.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - counts[k]), str(k)))[:left]:
        counts[k] += 1
    return counts


def tally(args):
    """rows: (repo, rule, severity, verdict, cause) -> estimated count; plus unjudged ids."""
    verdicts = read_judgements(args.judgements)
    rows = collections.Counter()
    judged = collections.Counter()
    missing = []
    for repo, _commit in read_list(args.list):
        for rule, group in groups(load(args.json_dir, repo)).items():
            chosen, sampled = to_judge(repo, rule, group)
            if sampled and all((repo, finding_id(f)) in verdicts for f in group):
                chosen, sampled = group, False
            # Severity is per rule (config may change it, but not in these runs); keep it per finding.
            shares = collections.Counter()
            for f in chosen:
                key = (repo, finding_id(f))
                if key not in verdicts:
                    missing.append((repo, rule, finding_id(f), f["file"], f["line"]))
                    continue
                verdict, cause = verdicts[key]
                shares[(f["severity"], verdict, cause)] += 1
                judged[repo] += 1
                EXTRA["basis " + BASIS[key]] += 1
                if "[message: cause 11" in NOTES[key]:
                    EXTRA["message names the wrong namespace (cause 11)"] += 1
                if "[unapplied" in NOTES[key]:
                    EXTRA[f"{verdict} on a file no kustomization applies"] += 1
            if not shares:
                continue
            if sampled:
                for (severity, verdict, cause), n in apportion(len(group), shares).items():
                    rows[(repo, rule, severity, verdict, cause)] += n
            else:
                for (severity, verdict, cause), n in shares.items():
                    rows[(repo, rule, severity, verdict, cause)] += n
    return rows, judged, missing


def pct(n, d):
    return f"{100 * n / d:.1f} %" if d else "–"


def cmd_report(args):
    rows, judged, missing = tally(args)
    repos = [repo for repo, _ in read_list(args.list)]
    out = []

    def table(title, select):
        out.append(f"### {title}")
        out.append("")
        out.append("| repository | judged | findings (excl. INFO) | TRUE | FALSE | OPINION | FALSE % | INFO |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        total = collections.Counter()
        for repo in repos:
            c = collections.Counter()
            for (r, rule, severity, verdict, cause), n in rows.items():
                if r == repo and select(rule, severity):
                    c[verdict] += n
            counted = c["TRUE"] + c["FALSE"] + c["OPINION"]
            total.update(c)
            out.append(f"| {repo} | {judged[repo]} | {counted} | {c['TRUE']} ({pct(c['TRUE'], counted)}) | "
                       f"{c['FALSE']} ({pct(c['FALSE'], counted)}) | {c['OPINION']} ({pct(c['OPINION'], counted)}) | "
                       f"{pct(c['FALSE'], counted)} | {c['INFO']} |")
        counted = total["TRUE"] + total["FALSE"] + total["OPINION"]
        out.append(f"| **all** | {sum(judged.values())} | {counted} | {total['TRUE']} ({pct(total['TRUE'], counted)}) | "
                   f"{total['FALSE']} ({pct(total['FALSE'], counted)}) | {total['OPINION']} ({pct(total['OPINION'], counted)}) | "
                   f"**{pct(total['FALSE'], counted)}** | {total['INFO']} |")
        out.append("")

    table("All findings", lambda rule, severity: True)
    table("Errors only", lambda rule, severity: severity == "error")
    table("Warnings only", lambda rule, severity: severity == "warning")
    table("Notes only", lambda rule, severity: severity == "note")

    out.append("### FALSE findings by cause")
    out.append("")
    out.append("| cause | FALSE | of which errors | rules |")
    out.append("|---|---:|---:|---|")
    causes = collections.Counter()
    cause_errors = collections.Counter()
    cause_rules = collections.defaultdict(collections.Counter)
    for (repo, rule, severity, verdict, cause), n in rows.items():
        if verdict == "FALSE":
            causes[cause] += n
            cause_rules[cause][rule] += n
            if severity == "error":
                cause_errors[cause] += n
    for cause, n in causes.most_common():
        rules = ", ".join(f"{r} {k}" for r, k in cause_rules[cause].most_common())
        out.append(f"| {cause} | {n} | {cause_errors[cause]} | {rules} |")
    out.append("")

    out.append("### Verdicts per rule (all repositories)")
    out.append("")
    out.append("| rule | severity | TRUE | FALSE | OPINION | INFO |")
    out.append("|---|---|---:|---:|---:|---:|")
    per_rule = collections.defaultdict(collections.Counter)
    for (repo, rule, severity, verdict, cause), n in rows.items():
        per_rule[(rule, severity)][verdict] += n
    for (rule, severity), c in sorted(per_rule.items()):
        out.append(f"| {rule} | {severity} | {c['TRUE']} | {c['FALSE']} | {c['OPINION']} | {c['INFO']} |")
    out.append("")

    out.append("### Annotations (counted findings)")
    out.append("")
    for key, n in sorted(EXTRA.items()):
        out.append(f"- {key}: {n}")
    out.append("")

    if missing:
        out.append(f"### Not judged yet: {len(missing)}")
        out.append("")
        for repo, rule, fid, file, line in missing[:50]:
            out.append(f"- {repo} {rule} {fid} {file}:{line}")
        out.append("")
    print("\n".join(out))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("queue", "report"):
        p = sub.add_parser(name)
        p.add_argument("--json-dir", required=True)
        p.add_argument("--list", default=os.path.join(here, "repos.tsv"))
        if name == "report":
            p.add_argument("--judgements", default=os.path.join(here, "judgements.tsv"))
    args = parser.parse_args()
    {"queue": cmd_queue, "report": cmd_report}[args.command](args)


if __name__ == "__main__":
    main()
