#!/usr/bin/env python3
"""Writes a copy of a YARA rule file without the rules that need some modules.

Benchmarks and compatibility runs compare yara and yarrow on the same rules. yarrow has every
module of Debian's yara but `cuckoo` (it needs a sandbox report, see docs/modules.md), so the
benchmark drops the rules that use cuckoo, for both tools alike. A rule is dropped when it uses
one of the dropped modules (`cuckoo.`, ...) or, transitively, a dropped rule; those modules'
`import` lines go too. The result is checked with yarac, and the counts are printed as JSON.

usage: filter_modules.py IN.yar OUT.yar [--drop cuckoo,pe,...] [-d name=value ...]
       (without --drop, every module is dropped: the module-free subset)
"""
import json
import re
import subprocess
import sys
import tempfile

MODULES = ("pe", "elf", "math", "hash", "console", "cuckoo", "dotnet", "magic", "time", "macho", "dex")
RULE_START = re.compile(r"^[ \t]*((?:private|global)[ \t]+)*rule[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.M)
IMPORT_LINE = re.compile(r'^[ \t]*import[ \t]*"[^"]*"[ \t]*$', re.M)


def code_mask(text):
    """Marks which characters are rule code (not comment, string or regex literal), so that
    rule boundaries and identifiers are only looked for in code."""
    mask = bytearray(len(text))
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c == '"' or c == "/":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        else:
            mask[i] = 1
            i += 1
    return mask


def split_rules(text):
    """Returns (prelude, [(name, block)]) where blocks run up to the next rule start."""
    mask = code_mask(text)
    starts = [m for m in RULE_START.finditer(text) if mask[m.end() - 1]]
    if not starts:
        return text, []
    blocks = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        blocks.append((m.group(2), text[m.start():end]))
    return text[: starts[0].start()], blocks


def condition_identifiers(block):
    """Identifiers (with dotted module prefixes) used in a rule's condition."""
    mask = code_mask(block)
    code = "".join(ch if mask[i] else " " for i, ch in enumerate(block))
    at = code.find("condition")
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*\.?", code[at:] if at >= 0 else ""))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    src, dst, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    drop = MODULES
    if len(rest) >= 2 and rest[0] == "--drop":
        drop = tuple(m for m in rest[1].split(",") if m)
        rest = rest[2:]
    defines = rest
    text = open(src, encoding="utf-8", errors="surrogateescape").read()
    text = IMPORT_LINE.sub(lambda m: "" if re.search(r'"(%s)"' % "|".join(drop), m.group(0)) else m.group(0), text)
    prelude, blocks = split_rules(text)
    used = {name: condition_identifiers(block) for name, block in blocks}
    modules = {m + "." for m in drop}
    dropped = {name for name in used if used[name] & modules}
    while True:  # drop rules that reference dropped rules, until stable
        more = {name for name in used if name not in dropped and used[name] & dropped}
        if not more:
            break
        dropped |= more
    kept = [(n, b) for n, b in blocks if n not in dropped]
    with open(dst, "w", encoding="utf-8", errors="surrogateescape") as out:
        out.write(prelude)
        for _, block in kept:
            out.write(block)
    with tempfile.NamedTemporaryFile(suffix=".yarc") as compiled:
        r = subprocess.run(["yarac", "-w", *defines, dst, compiled.name], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("filtered ruleset does not compile with yarac:\n" + r.stderr[:2000])
    print(json.dumps({"source": src, "rules": len(blocks), "kept": len(kept), "dropped": len(dropped)}))


if __name__ == "__main__":
    main()
