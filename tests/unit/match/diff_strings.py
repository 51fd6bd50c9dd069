#!/usr/bin/env python3
"""Differential test of the string matcher against the reference yara.

Generates random single-string rules (text with modifiers, hex, regex) together with data that
contains planted and near-miss occurrences, runs `yara -s` and `match_probe` on them and compares
the reported matches (offset, string, data) and the accept/reject decision. Warnings about slow
strings are compared too and reported separately.

Exit status 0 when the match parity is at least --min-parity (default 1.0)."""

import argparse
import base64
import os
import random
import re
import subprocess
import sys
import tempfile

ALPHA = b"abcAB01 _-.\x00\n\xff"


def rand_bytes(rng, n, alpha=ALPHA):
    return bytes(rng.choice(alpha) for _ in range(n))


def yara_text_literal(b):
    out = []
    for c in b:
        if c in (0x22, 0x5C) or c < 32 or c > 126:
            out.append("\\x%02x" % c)
        else:
            out.append(chr(c))
    return '"' + "".join(out) + '"'


# ---------------------------------------------------------------- generators


def gen_text(rng):
    n = rng.choice([1, 2, 3, 3, 4, 5, 6, 8])
    value = rand_bytes(rng, n, b"abcAB01 _-.\x00")
    mods, args = [], []
    kind = rng.random()
    if kind < 0.15:
        # base64 family: only with ascii/wide/private.
        which = rng.choice(["base64", "base64wide", "both"])
        if which in ("base64", "both"):
            mods.append("base64")
            args.append("--base64")
        if which in ("base64wide", "both"):
            mods.append("base64wide")
            args.append("--base64wide")
        if len(value) < 3:
            value = value + b"xyz"
        value = value.replace(b"\x00", b"z")
    elif kind < 0.35:
        lo = rng.randrange(0, 256)
        hi = rng.randrange(lo, min(256, lo + rng.choice([1, 3, 40, 256])))
        form = rng.choice(["xor", "range", "single"])
        if form == "xor":
            lo, hi = 0, 255
            mods.append("xor")
        elif form == "single":
            hi = lo
            mods.append("xor(%d)" % lo)
        else:
            mods.append("xor(%d-%d)" % (lo, hi))
        args += ["--xor", "%d-%d" % (lo, hi)]
        if rng.random() < 0.3:
            mods.append("fullword")
            args.append("--fullword")
    else:
        if rng.random() < 0.4:
            mods.append("nocase")
            args.append("--nocase")
        if rng.random() < 0.3:
            mods.append("fullword")
            args.append("--fullword")
    if "base64" not in mods and "base64wide" not in mods:
        r = rng.random()
        if r < 0.25:
            mods.append("wide")
            args.append("--wide")
        elif r < 0.4:
            mods += ["wide", "ascii"]
            args += ["--wide", "--ascii"]
    samples = plant_text(rng, value, mods)
    return yara_text_literal(value), mods, ["--kind", "text", "--value-hex", value.hex()] + args, samples


def plant_text(rng, value, mods):
    out = []
    v = value
    if any(m.startswith("xor") for m in mods):
        for _ in range(3):
            k = rng.randrange(256)
            out.append(bytes(c ^ k for c in v))
            out.append(bytes(c ^ k for c in b"".join(bytes([c, 0]) for c in v)))
    elif "base64" in mods or "base64wide" in mods:
        for pad in range(3):
            enc = base64.b64encode(rand_bytes(rng, pad, b"xy") + v + rand_bytes(rng, rng.randrange(3), b"xy"))
            out.append(enc)
            out.append(b"".join(bytes([c, 0]) for c in enc))
    else:
        out.append(v)
        out.append(v.swapcase() if hasattr(v, "swapcase") else v)
        out.append(b"".join(bytes([c, 0]) for c in v))
        out.append(b"a" + v + b"b")
    return out


def gen_hex(rng):
    """Returns (source, sample bytes)."""
    def byte_tok():
        r = rng.random()
        b = rng.choice(ALPHA)
        if r < 0.7:
            return "%02X" % b, bytes([b])
        if r < 0.8:
            return "??", bytes([rng.choice(ALPHA)])
        if r < 0.9:
            return "%X?" % (b >> 4), bytes([b])
        return "?%X" % (b & 15), bytes([b])

    def seq(depth, n):
        toks, sample = [], b""
        t, s = token(depth)
        toks.append(t)
        sample += s
        for i in range(n):
            if rng.random() < 0.2:
                a = rng.randrange(0, 4)
                r = rng.random()
                if r < 0.4:
                    j = "[%d]" % max(a, 1)
                    gap = max(a, 1)
                elif r < 0.8 or depth > 0:
                    b = a + rng.randrange(0, 4)
                    j = "[%d-%d]" % (a, b)
                    gap = rng.randint(a, b)
                else:
                    j = rng.choice(["[%d-]" % a, "[-]", "[%d-%d]" % (a, 250 + a)])
                    gap = a + rng.randrange(0, 3)
                toks.append(j)
                sample += rand_bytes(rng, gap)
            t, s = token(depth)
            toks.append(t)
            sample += s
        return " ".join(toks), sample

    def token(depth):
        if depth < 2 and rng.random() < 0.12:
            alts = []
            samples = []
            for _ in range(rng.randint(2, 3)):
                t, s = seq(depth + 1, rng.randrange(0, 3))
                alts.append(t)
                samples.append(s)
            return "( " + " | ".join(alts) + " )", rng.choice(samples)
        return byte_tok()

    src, sample = seq(0, rng.randrange(0, 7))
    return src, sample


def gen_regex(rng):
    """Returns (source, sample bytes) for a random regex in yara's dialect."""
    lits = "abcAB01 _-"

    def atom(depth):
        r = rng.random()
        if r < 0.5:
            c = rng.choice(lits)
            return re.escape(c) if c in "-" else c, c.encode()
        if r < 0.58:
            return ".", rng.choice(b"abc0 ").to_bytes(1, "little")
        if r < 0.7:
            cls = rng.choice(["[ab]", "[^a]", "[a-c]", "[0-9A]", "\\d", "\\w", "\\s", "\\W", "[\\w-]"])
            sample = {"[ab]": b"b", "[^a]": b"c", "[a-c]": b"c", "[0-9A]": b"1", "\\d": b"0",
                      "\\w": b"_", "\\s": b" ", "\\W": b"-", "[\\w-]": b"-"}[cls]
            return cls, sample
        if r < 0.75:
            return "\\x%02x" % ord(rng.choice(lits)), b""  # sample fixed below
        if depth < 2 and r < 0.9:
            alts = [concat(depth + 1, rng.randint(1, 3)) for _ in range(rng.randint(1, 3))]
            pick = rng.choice(alts)
            return "(" + "|".join(a[0] for a in alts) + ")", pick[1]
        c = rng.choice("ab")
        return c, c.encode()

    def quant(src, sample):
        r = rng.random()
        lazy = "?" if rng.random() < 0.3 else ""
        if r < 0.6:
            return src, sample
        if r < 0.7:
            return src + "*" + lazy, sample * rng.randrange(0, 3)
        if r < 0.8:
            return src + "+" + lazy, sample * rng.randrange(1, 3)
        if r < 0.87:
            return src + "?" + lazy, sample * rng.randrange(0, 2)
        a = rng.randrange(0, 3)
        b = a + rng.randrange(0, 3)
        form = rng.random()
        if form < 0.6 and b > 0:
            return src + "{%d,%d}" % (a, b) + lazy, sample * rng.randint(a, b)
        if form < 0.8 and a > 0:
            return src + "{%d}" % a + lazy, sample * a
        return src + "{%d,}" % a + lazy, sample * a

    def concat(depth, n):
        parts, sample = [], b""
        for _ in range(n):
            s, smp = atom(depth)
            if s.startswith("\\x"):
                smp = bytes([int(s[2:], 16)])
            s, smp = quant(s, smp)
            parts.append(s)
            sample += smp
        return "".join(parts), sample

    src, sample = concat(0, rng.randint(1, 5))
    if rng.random() < 0.08:
        src = "^" + src
    if rng.random() < 0.08:
        src = src + "$"
    if rng.random() < 0.08:
        src = "\\b" + src
    return src, sample


# ---------------------------------------------------------------- one case


def make_case(rng):
    kind = rng.choice(["text", "text", "hex", "regex", "regex", "regex"])
    if kind == "text":
        literal, mods, args, samples = gen_text(rng)
    elif kind == "hex":
        src, sample = gen_hex(rng)
        literal, mods, args, samples = "{ " + src + " }", [], ["--kind", "hex", "--value-hex", src.encode().hex()], [sample]
    else:
        src, sample = gen_regex(rng)
        flags = ""
        args = ["--kind", "regex", "--value-hex", src.encode().hex()]
        if rng.random() < 0.2:
            flags += "i"
            args.append("--regex-nocase")
        if rng.random() < 0.2:
            flags += "s"
            args.append("--regex-dotall")
        mods = []
        r = rng.random()
        if r < 0.15:
            mods.append("nocase")
            args.append("--nocase")
        if rng.random() < 0.15:
            mods.append("fullword")
            args.append("--fullword")
        r = rng.random()
        wide_sample = False
        if r < 0.15:
            mods.append("wide")
            args.append("--wide")
            wide_sample = True
        elif r < 0.25:
            mods += ["wide", "ascii"]
            args += ["--wide", "--ascii"]
            wide_sample = True
        literal = "/" + src.replace("/", "\\/") + "/" + flags
        samples = [sample]
        if wide_sample:
            samples.append(b"".join(bytes([c, 0]) for c in sample))
    # Data: noise with planted samples and mutated near-misses.
    data = bytearray(rand_bytes(rng, rng.randrange(0, 40)))
    for _ in range(rng.randint(1, 6)):
        s = bytearray(rng.choice(samples))
        if s and rng.random() < 0.3:
            i = rng.randrange(len(s))
            s[i] = rng.choice(ALPHA)
        data += s
        data += rand_bytes(rng, rng.randrange(0, 8))
    if rng.random() < 0.08:
        # Long inputs exercise the 4096-byte verification limit and chained hex strings.
        data = data * rng.randint(20, 120)
    return kind, literal, mods, args, bytes(data)


MATCH_RE = re.compile(r"^0x[0-9a-f]+:\$a: ")


def run_case(probe, yara, tmp, case):
    kind, literal, mods, args, data = case
    rule = "rule r { strings: $a = %s %s condition: $a or true }\n" % (literal, " ".join(mods))
    rpath = os.path.join(tmp, "r.yar")
    dpath = os.path.join(tmp, "d.bin")
    with open(rpath, "w") as f:
        f.write(rule)
    with open(dpath, "wb") as f:
        f.write(data)
    y = subprocess.run([yara, "-s", rpath, dpath], capture_output=True)
    yout = y.stdout.decode("latin-1")
    yerr = y.stderr.decode("latin-1")
    y_error = None
    if y.returncode != 0:
        m = re.search(r'error: rule "r" in [^:]*: (.*)', yerr) or re.search(r"error: (.*)", yerr)
        y_error = m.group(1) if m else yerr.strip()
    y_matches = [l for l in yout.splitlines() if MATCH_RE.match(l)]
    y_warn = sorted(set(
        "slow" if "may slow down" in l else "dotstar" if "contains .*" in l else l
        for l in yerr.splitlines() if l.startswith("warning")))

    p = subprocess.run([probe] + args + [dpath], capture_output=True)
    pout = p.stdout.decode("latin-1")
    p_error = None
    if p.returncode != 0:
        p_error = pout.strip()
    p_matches = [l for l in pout.splitlines() if MATCH_RE.match(l)]
    c = subprocess.run([probe] + args + ["--check", dpath], capture_output=True)
    p_warn = sorted(set(
        "slow" if "may slow down" in l else "dotstar" if "contains .*" in l else l
        for l in c.stdout.decode("latin-1").splitlines() if l.startswith("warning")))

    if y_error is not None or p_error is not None:
        ok = y_error is not None and p_error is not None
        if ok and p_error.startswith("error: "):
            ok = y_error.endswith(p_error[len("error: "):])
        detail = "yara error: %s | probe error: %s" % (y_error, p_error)
    else:
        ok = y_matches == p_matches
        detail = "yara:\n  %s\nprobe:\n  %s" % ("\n  ".join(y_matches), "\n  ".join(p_matches))
    return ok, y_warn == p_warn, rule, detail, (y_warn, p_warn)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--probe", required=True)
    ap.add_argument("--yara", default="yara")
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kind", choices=["text", "hex", "regex"])
    ap.add_argument("--show", type=int, default=5, help="failures to print")
    ap.add_argument("--min-parity", type=float, default=1.0)
    ap.add_argument("--save", help="directory where failing cases are written")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    stats = {}
    shown = 0
    warn_bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        done = 0
        while done < a.cases:
            case = make_case(rng)
            if a.kind and case[0] != a.kind:
                continue
            done += 1
            ok, warn_ok, rule, detail, warns = run_case(a.probe, a.yara, tmp, case)
            s = stats.setdefault(case[0], [0, 0])
            s[0] += ok
            s[1] += 1
            if not warn_ok:
                warn_bad += 1
            if not ok:
                if shown < a.show:
                    shown += 1
                    print("MISMATCH", rule.strip())
                    print("  data:", case[4])
                    print("  " + detail.replace("\n", "\n  "))
                if a.save:
                    os.makedirs(a.save, exist_ok=True)
                    n = len(os.listdir(a.save)) // 2
                    with open(os.path.join(a.save, "case%d.yar" % n), "w") as f:
                        f.write(rule)
                    with open(os.path.join(a.save, "case%d.bin" % n), "wb") as f:
                        f.write(case[4])
            elif not warn_ok and shown < a.show:
                shown += 1
                print("WARNING MISMATCH", rule.strip(), warns)
    total_ok = sum(s[0] for s in stats.values())
    total = sum(s[1] for s in stats.values())
    for k, (ok, n) in sorted(stats.items()):
        print("%-6s %d/%d" % (k, ok, n))
    print("total  %d/%d match parity; warnings differ in %d" % (total_ok, total, warn_bad))
    return 0 if total and total_ok / total >= a.min_parity else 1


if __name__ == "__main__":
    sys.exit(main())
