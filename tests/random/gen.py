#!/usr/bin/env python3
"""Randomized differential test: generated rules + planted data, yara 4.2.3 vs yarrow.

For each seed, grammar.generate(seed) builds a rule set (text/hex/regex strings with random
modifiers, conditions over them) and data with planted encodings of those strings (ascii,
wide, case-flipped, xored, base64, near misses, at start and end). Both tools run it the way
tests/conformance/run.py runs a case; stdout and exit status must be equal. A failing seed
is minimized (drop rules, strings, modifiers, condition parts, data) and printed as a ready
to paste `.cases` entry.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import copy
import os
import re
import shlex
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "conformance"))
sys.path.insert(0, str(HERE))

import run as conformance  # noqa: E402
import grammar  # noqa: E402


def to_case(g: grammar.Generated, seed: int) -> conformance.Case:
    c = conformance.Case(id=f"seed:{seed}")
    c.headers = {"args": shlex.join(g.args), "expect": "any"}
    c.rules = {"main.yar": g.rules_text()}
    c.data = g.data
    return c


def differs(g: grammar.Generated, seed: int, tools: conformance.Tools) -> conformance.Outcome:
    return conformance.run_case(to_case(g, seed), tools)


# ---------------------------------------------------------------------------------------------
# Minimizer: greedy, each step keeps a change only if the two tools still disagree.

def _still_fails(g, seed, tools) -> bool:
    return not differs(g, seed, tools).ok


def _drop_unreferenced(rule: grammar.RuleSpec) -> None:
    ids = [s.ident for s in rule.strings]
    refs = grammar.referenced(rule.cond, ids)
    rule.strings = [s for s in rule.strings if s.ident in refs]


def minimize(g: grammar.Generated, seed: int, tools: conformance.Tools, budget: int = 400):
    calls = [0]

    def check(cand) -> bool:
        if calls[0] >= budget:
            return False
        calls[0] += 1
        return _still_fails(cand, seed, tools)

    changed = True
    while changed and calls[0] < budget:
        changed = False
        # 1. drop whole rules
        for i in range(len(g.rules) - 1, -1, -1):
            if len(g.rules) == 1:
                break
            cand = copy.copy(g)
            cand.rules = g.rules[:i] + g.rules[i + 1:]
            if check(cand):
                g, changed = cand, True
        # 2. simplify conditions: replace any node by one of its parts, or by true / false
        for i in range(len(g.rules)):
            progress = True
            while progress and calls[0] < budget:
                progress = False
                for path, node in list(g.rules[i].cond.nodes()):
                    leaves = [grammar.Cond("true"), grammar.Cond("false")]
                    if node.render() in ("true", "false"):
                        continue
                    for repl in list(node.subs) + leaves:
                        cand = copy.deepcopy(g)
                        cand.rules[i].cond = cand.rules[i].cond.replaced(path, copy.deepcopy(repl))
                        _drop_unreferenced(cand.rules[i])
                        if check(cand):
                            g, changed, progress = cand, True, True
                            break
                    if progress:
                        break
        # 3. drop single strings that `them` alone references
        for i, rule in enumerate(g.rules):
            if "*" not in rule.cond.refs or len(rule.strings) <= 1:
                continue
            for j in range(len(rule.strings) - 1, -1, -1):
                if rule.strings[j].ident in rule.cond.refs or len(g.rules[i].strings) <= 1:
                    continue
                cand = copy.deepcopy(g)
                del cand.rules[i].strings[j]
                if j < len(cand.rules[i].strings) + 1 and check(cand):
                    g, changed = cand, True
        # 4. drop modifiers one at a time
        for i, rule in enumerate(g.rules):
            for j, s in enumerate(rule.strings):
                for m in list(s.mods):
                    cand = copy.deepcopy(g)
                    cand.rules[i].strings[j].mods = [x for x in s.mods if x != m]
                    if check(cand):
                        g, changed = cand, True
                        s = g.rules[i].strings[j]
        # 4b. drop tags and metas, and the global / private flags
        for i in range(len(g.rules)):
            for attr, empty in (("tags", []), ("meta", []), ("globl", False), ("private", False)):
                if getattr(g.rules[i], attr) != empty:
                    cand = copy.deepcopy(g)
                    setattr(cand.rules[i], attr, empty)
                    if check(cand):
                        g, changed = cand, True
        # 5. drop command-line options (a `-d NAME=VALUE` pair as one unit)
        i = 0
        while i < len(g.args):
            width = 2 if g.args[i] == "-d" else 1
            if g.args[i] != "-s":
                cand = copy.copy(g)
                cand.args = g.args[:i] + g.args[i + width:]
                if check(cand):
                    g, changed = cand, True
                    continue
            i += width
        # 6. shrink the data: remove chunks, halving the chunk size
        chunk = max(1, len(g.data) // 2)
        while chunk >= 1 and calls[0] < budget:
            pos = 0
            while pos < len(g.data) and calls[0] < budget:
                cand = copy.copy(g)
                cand.data = g.data[:pos] + g.data[pos + chunk:]
                if check(cand):
                    g, changed = cand, True
                else:
                    pos += chunk
            chunk //= 2
    return g


def as_case_text(g: grammar.Generated, seed: int, max_data: int = 1 << 30) -> str:
    data = repr(g.data) if len(g.data) <= max_data else \
        f"# {len(g.data)} bytes: python3 tests/random/gen.py --show {seed}"
    lines = [f"=== random_seed_{seed}", f"args: {shlex.join(g.args)}", "--- rules",
             g.rules_text().rstrip("\n"), "--- data", data]
    return "\n".join(lines)


def run_seed(seed: int, tools, do_minimize: bool, rerun: bool = False):
    g = grammar.generate(seed)
    out = differs(g, seed, tools)
    if out.ok:
        if rerun:
            return seed, (f"FLAKY seed {seed}: failed on the first run, passed on the re-run "
                          "(nondeterministic output, or the binary changed during the run)")
        return seed, None
    report = [f"FAIL seed {seed}: {out.problem}"]
    if out.detail:
        report.append(out.detail)
    if do_minimize:
        small = minimize(g, seed, tools)
        small_out = differs(small, seed, tools)
        report.append(f"  minimized ({len(small.data)} data bytes; {small_out.problem}):")
        report.append("\n".join("    " + x for x in as_case_text(small, seed).splitlines()))
    else:
        report.append("\n".join("    " + x for x in as_case_text(g, seed, 2000).splitlines()))
    return seed, "\n".join(report)


def parse_seeds(spec: str) -> list[int]:
    seeds: list[int] = []
    for part in spec.split(","):
        if "-" in part:
            a, b = part.split("-", 1)
            seeds.extend(range(int(a), int(b) + 1))
        elif part:
            seeds.append(int(part))
    return seeds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="0-99", help="e.g. 0-199 or 5,17,40-45")
    ap.add_argument("--yarrow", default=str(HERE.parent.parent / "build" / "yarrow"))
    ap.add_argument("--yara", default="/usr/bin/yara")
    ap.add_argument("--yarrow-is-yara", action="store_true")
    ap.add_argument("-j", type=int, default=1)
    ap.add_argument("--no-minimize", action="store_true")
    ap.add_argument("--max-failures", type=int, default=5,
                    help="stop minimizing/reporting after this many failing seeds")
    ap.add_argument("--skip-rules", metavar="REGEX",
                    help="skip seeds whose rule text matches REGEX (to look past a known bug)")
    ap.add_argument("--show", type=int, metavar="SEED", help="print one generated case and exit")
    opts = ap.parse_args(argv)

    if opts.show is not None:
        print(as_case_text(grammar.generate(opts.show), opts.show))
        return 0
    opts.yara, opts.yarrow = conformance.resolve_tool(opts.yara), conformance.resolve_tool(opts.yarrow)
    for path, what in ((opts.yara, "reference yara (Debian package 'yara' 4.2.3)"),
                       (opts.yarrow, "yarrow binary (build target yarrow_cli)")):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            print(f"error: {what} not found at {path}", file=sys.stderr)
            return 2
    tools = conformance.Tools(opts.yara, opts.yarrow, opts.yarrow_is_yara)
    seeds = parse_seeds(opts.seeds)
    skipped = 0
    if opts.skip_rules:
        pattern = re.compile(opts.skip_rules)
        kept = [s for s in seeds if not pattern.search(grammar.generate(s).rules_text())]
        skipped, seeds = len(seeds) - len(kept), kept

    failures: list[int] = []
    reported = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.j)) as pool:
        # First pass without minimizing, so a broken yarrow doesn't spend the budget on
        # minimizing hundreds of seeds; then minimize the first few failures.
        for seed, rep in pool.map(lambda s: run_seed(s, tools, False), seeds):
            if rep is not None:
                failures.append(seed)
    for seed in failures[:opts.max_failures]:
        _, rep = run_seed(seed, tools, not opts.no_minimize, rerun=True)
        print(rep, flush=True)
        reported += 1
    if len(failures) > reported:
        print(f"(+{len(failures) - reported} more failing seeds: "
              f"{','.join(map(str, failures[reported:reported + 50]))})")
    print(f"{len(seeds) - len(failures)} passed, {len(failures)} failed "
          f"(seeds {opts.seeds}" + (f", {skipped} skipped)" if skipped else ")"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
