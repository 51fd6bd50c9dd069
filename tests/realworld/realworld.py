#!/usr/bin/env python3
"""Real rules no one here wrote, over real system files: yara and yarrow must print the same.

Compiles a shared public ruleset (../shared/bench/rules; skipped with exit 77 when absent) with
both tools, scans the same deterministic selection of system files with both, and compares the
sorted stdout and the exit status. Rulesets that use modules are reduced to their module-free
subset for both tools alike (bench/filter_modules.py) until yarrow has modules.

usage: realworld.py --yarrow BUILD/yarrow --ruleset elastic|signature-base|yara-rules
                    [--mib 300] [--args "-s"] [--work DIR]
"""
import argparse
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared", "bench", "rules"))
RULESETS = {
    "elastic": "elastic-protections-artifacts/elastic-protections-artifacts.yar",
    "signature-base": "signature-base/signature-base.yar",
    "yara-rules": "yara-rules/yara-rules.yar",
}
EXTERNALS = ["-d", "filename=x", "-d", "filepath=x", "-d", "extension=x", "-d", "filetype=x", "-d", "owner=x"]
SKIP = 77


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--yarrow", required=True)
    ap.add_argument("--yara", default="/usr/bin/yara")
    ap.add_argument("--ruleset", required=True, choices=sorted(RULESETS))
    ap.add_argument("--mib", type=int, default=300)
    ap.add_argument("--args", default="", help="extra options for both tools, e.g. -s")
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    source = os.path.join(SHARED, RULESETS[args.ruleset])
    if not os.path.exists(source):
        print(f"SKIP: {source} not found (the shared rulesets are not on this machine)")
        return SKIP
    if not os.path.exists(args.yara):
        print(f"FAIL: the reference {args.yara} is missing (apt-get install yara)")
        return 1
    work = args.work or tempfile.mkdtemp(prefix="yarrow-realworld-")
    os.makedirs(work, exist_ok=True)
    rules = os.path.join(work, args.ruleset + ".yar")
    filtered = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "filter_modules.py"), source, rules, *EXTERNALS],
                              capture_output=True, text=True)
    if filtered.returncode != 0:
        print(filtered.stderr)
        return 1
    print("rules:", filtered.stdout.strip())
    corpus_dir = os.path.join(work, "corpus")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "corpus.py"), corpus_dir,
                    "--mib", str(args.mib), "--big-mib", "1"], check=True)
    scan_list = os.path.join(corpus_dir, "corpus.txt")
    common = ["-w", "-p", "2", *EXTERNALS, *shlex.split(args.args), "--scan-list", rules, scan_list]
    results = {}
    for name, cmd in (("yara", [args.yara, *common]), ("yarrow", [args.yarrow, "scan", *common])):
        r = subprocess.run(cmd, capture_output=True)
        results[name] = (r.returncode, sorted(r.stdout.split(b"\n")))
        print(f"{name}: exit {r.returncode}, {len(r.stdout.splitlines())} output lines")
    if results["yara"] == results["yarrow"]:
        print("PASS: identical sorted output and exit status")
        return 0
    ya, yw = set(results["yara"][1]), set(results["yarrow"][1])
    for line in sorted(ya - yw)[:20]:
        print("only yara:  ", line.decode(errors="replace")[:200])
    for line in sorted(yw - ya)[:20]:
        print("only yarrow:", line.decode(errors="replace")[:200])
    print(f"FAIL: exit {results['yara'][0]} vs {results['yarrow'][0]}; {len(ya - yw)} lines only in yara, {len(yw - ya)} only in yarrow")
    return 1


if __name__ == "__main__":
    sys.exit(main())
