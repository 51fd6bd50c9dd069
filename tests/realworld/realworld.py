#!/usr/bin/env python3
"""Real rules no one here wrote, over real system files: yara and yarrow must print the same.

Compiles a shared public ruleset (../shared/bench/rules; skipped with exit 77 when absent) with
both tools, scans the same deterministic selection of system files with both, and compares the
sorted stdout and the exit status. Rulesets run UNFILTERED, modules included: the only rules
left out are those yarrow refuses to compile (e.g. `import "cuckoo"`, which yarrow lacks),
found by compiling, dropping the rule at each reported error line and repeating; yara then
gets the same reduced file. The counts (rules, compiled by yara, compiled by yarrow, which were
dropped and why) are printed and written to WORK/compat.json. PE files (ipxe's EFI images,
Windows launcher stubs shipped inside Python packages, tests/unit/modules/make_pe.py output
when clang/lld are present) are added to the corpus so pe rules get something to fire on, and
so are the three public rule files (text full of the strings the rules look for).
`--filtered` restores the old module-free comparison (bench/filter_modules.py).

usage: realworld.py --yarrow BUILD/yarrow --ruleset elastic|signature-base|yara-rules
                    [--mib 300] [--args "-s"] [--yarrow-args "--low-memory"] [--work DIR]
                    [--filtered]
"""
import glob
import json
import re
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


RULE_START = re.compile(r"^[ \t]*((?:private|global)[ \t]+)*rule[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.M)
IMPORT_LINE = re.compile(r'^[ \t]*import[ \t]*"([^"]*)"[ \t]*$', re.M)
# yarrow: "PATH:LINE:COL: error[E201]: message"; yara: "PATH(LINE): error: ..." or
# "error: rule "x" in PATH(LINE): ...".
YARROW_ERROR = re.compile(r":(\d+):\d+: error\[\w+\]: (.*)")
YARA_ERROR = re.compile(r"\((\d+)\): (?:error: )?(.*)")


def rule_spans(text):
    """(name, first line, last line) of each rule, 1-based, by rule starts in code."""
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    from filter_modules import code_mask
    mask = code_mask(text)
    starts = [m for m in RULE_START.finditer(text) if mask[m.end() - 1]]
    spans = []
    line, pos = 1, 0
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        line += text.count("\n", pos, m.start())
        pos = m.start()
        spans.append((m.group(2), line, line + text.count("\n", m.start(), end) - 1, m.start(), end))
    return spans


def compile_errors(tool, path, is_yara):
    cmd = [tool, "-w", *EXTERNALS, path, "/dev/null"] if is_yara else [tool, "scan", "-w", *EXTERNALS, path, "/dev/null"]
    r = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if r.returncode == 0:
        return []
    pattern = YARA_ERROR if is_yara else YARROW_ERROR
    errors = [(int(m.group(1)), m.group(2)) for m in pattern.finditer(r.stderr)]
    return errors or [(0, r.stderr.strip()[:200])]


def reduce_for(tool, is_yara, text, path):
    """Drops the rules (or import lines) at the error lines until `tool` compiles the file.
    Returns the reduced text and {rule name: first error message}."""
    dropped = {}
    for _ in range(200):
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
        errors = compile_errors(tool, path, is_yara)
        if not errors:
            return text, dropped
        spans = rule_spans(text)
        lines = text.split("\n")
        cut = []  # (begin, end) character ranges to remove
        for line, message in errors:
            hit = next((s for s in spans if s[1] <= line <= s[2]), None)
            if 0 < line <= len(lines) and IMPORT_LINE.match(lines[line - 1]):
                # Import lines between rules fall inside the previous rule's span.
                begin = sum(len(l) + 1 for l in lines[:line - 1])
                dropped.setdefault("import " + IMPORT_LINE.match(lines[line - 1]).group(1), message)
                cut.append((begin, begin + len(lines[line - 1])))
            elif hit is not None:
                dropped.setdefault(hit[0], message)
                cut.append((hit[3], hit[4]))
        if not cut:
            raise RuntimeError(f"cannot locate the errors of {tool}: {errors[:3]}")
        for begin, end in sorted(set(cut), reverse=True):
            text = text[:begin] + text[end:]
    raise RuntimeError("too many reduction rounds")


def reduce_ruleset(source, out_path, yara, yarrow):
    text = open(source, encoding="utf-8", errors="surrogateescape").read()
    total = len(rule_spans(text))
    _, yara_dropped = reduce_for(yara, True, text, out_path + ".yara-check")
    reduced, yarrow_dropped = reduce_for(yarrow, False, text, out_path)
    _, yara_on_reduced = reduce_for(yara, True, reduced, out_path + ".yara-check")
    if yara_on_reduced:
        raise RuntimeError(f"yara rejects the yarrow-compilable subset: {yara_on_reduced}")
    from filter_modules import condition_identifiers
    idents = [condition_identifiers(text[s[3]:s[4]]) for s in rule_spans(text)]
    uses = lambda m: sum(1 for i in idents if m + "." in i)
    return {"rules": total, "yara_compiles": total - len([k for k in yara_dropped if not k.startswith("import ")]),
            "yarrow_compiles": len(rule_spans(reduced)),
            "rules_using_modules": {m: uses(m) for m in ("pe", "elf", "math", "hash", "cuckoo", "dotnet", "magic", "time", "console")},
            "dropped": yarrow_dropped}


def add_pe_files(corpus_list, work):
    """Appends PE files to the scan list: they are what the pe rules are about."""
    found = set(glob.glob("/boot/*.efi") + glob.glob("/usr/lib/ipxe/*"))
    for pattern in ("/root/.pyenv/versions/*/lib/python*/site-packages/*/_vendor/distlib/*.exe",
                    "/root/.pyenv/versions/*/lib/python*/site-packages/setuptools/*.exe",
                    "/usr/lib/python3/dist-packages/*/_vendor/distlib/*.exe",
                    "/usr/lib/python3/dist-packages/setuptools/*.exe",
                    "/usr/lib/wine/*/*.dll", "/usr/lib/x86_64-linux-gnu/wine/*/*.dll",
                    "/usr/share/win32/*", "/usr/lib/gcc/x86_64-w64-mingw32/*/*.dll"):
        found.update(glob.glob(pattern))
    os.makedirs(work, exist_ok=True)
    made = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "unit", "modules", "make_pe.py"), work],
                          capture_output=True, text=True)
    if made.returncode == 0:
        found.update(p for p in made.stdout.split() if os.path.isfile(p))
    files = sorted(p for p in found if os.path.isfile(p) and not os.path.islink(p))[:400]
    # The public rule files themselves: full of the strings the rules look for, so rulesets
    # aimed at Windows malware also produce -s output to compare on a Linux machine.
    files += [p for p in (os.path.join(SHARED, r) for r in sorted(RULESETS.values())) if os.path.isfile(p)]
    with open(corpus_list, "a") as f:
        for p in files:
            f.write(p + "\n")
    print(f"pe files and rule files added to the corpus: {len(files)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--yarrow", required=True)
    ap.add_argument("--yara", default="/usr/bin/yara")
    ap.add_argument("--ruleset", required=True, choices=sorted(RULESETS))
    ap.add_argument("--mib", type=int, default=300)
    ap.add_argument("--args", default="", help="extra options for both tools, e.g. -s")
    ap.add_argument("--yarrow-args", default="", help="extra options for yarrow only, e.g. --low-memory")
    ap.add_argument("--work", default=None)
    ap.add_argument("--filtered", action="store_true", help="module-free subset (old behaviour)")
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
    if args.filtered:
        filtered = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "filter_modules.py"), source, rules, *EXTERNALS],
                                  capture_output=True, text=True)
        if filtered.returncode != 0:
            print(filtered.stderr)
            return 1
        print("rules:", filtered.stdout.strip())
    else:
        compat = reduce_ruleset(source, rules, args.yara, args.yarrow)
        with open(os.path.join(work, "compat.json"), "w") as f:
            json.dump(compat, f, indent=1)
        print("compat:", json.dumps({k: v for k, v in compat.items() if k != "dropped"}))
        for name, why in sorted(compat["dropped"].items()):
            print(f"  not compiled by yarrow: {name}: {why}")
    corpus_dir = os.path.join(work, "corpus")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "corpus.py"), corpus_dir,
                    "--mib", str(args.mib), "--big-mib", "1"], check=True)
    if not args.filtered:
        add_pe_files(os.path.join(corpus_dir, "corpus.txt"), os.path.join(work, "pe"))
    scan_list = os.path.join(corpus_dir, "corpus.txt")
    common = ["-w", "-p", "2", *EXTERNALS, *shlex.split(args.args), "--scan-list", rules, scan_list]
    results = {}
    for name, cmd in (("yara", [args.yara, *common]),
                      ("yarrow", [args.yarrow, "scan", *shlex.split(args.yarrow_args), *common])):
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
