#!/usr/bin/env python3
"""Differential test of module functions: yara evaluates `expr == <value we computed>` (or
`not defined expr` when we say undefined) in one rule per case; every rule must match.
Our value comes from `module_dump --call MODULE FUNC ARGS... FILE`, which calls the function
directly, bypassing the (not yet connected) compiler.
"""
import argparse, os, random, subprocess, sys, tempfile

STRINGS = ["", "a", "abc", "hello world", "\\x00\\x01\\x02", "\\xff\\x80\\x7fzz", "\\xfe\\xfd\\xfc\\xfb\\xfa\\xf9",
           "AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "0123456789abcdef0123456789abcdef"]
RANGES = [(0, 0), (0, 1), (0, 10), (3, 100), (0, 1 << 40), (-1, 5), (5, -1), (1 << 40, 1),
          (100, 50), ("SIZE", 1), ("SIZE-1", 1), ("SIZE-7", 100)]


def cases():
    out = []
    for m, f in [("math", "entropy"), ("math", "mean"), ("math", "serial_correlation"),
                 ("math", "monte_carlo_pi"), ("hash", "md5"), ("hash", "sha1"),
                 ("hash", "sha256"), ("hash", "checksum32"), ("hash", "crc32"),
                 ("math", "mode")]:
        for o, l in RANGES:
            out.append((m, f, [("i", o), ("i", l)]))
        if f != "mode":
            for s in STRINGS:
                out.append((m, f, [("s", s)]))
    for o, l in RANGES:
        out.append(("math", "deviation", [("i", o), ("i", l), ("f", "127.5")]))
        for b in (0, 65, 255):
            out.append(("math", "count", [("i", b), ("i", o), ("i", l)]))
            out.append(("math", "percentage", [("i", b), ("i", o), ("i", l)]))
    for s in STRINGS:
        out.append(("math", "deviation", [("s", s), ("f", "64.0")]))
    for b in (0, 65, 255, 256 + 65):
        out.append(("math", "count", [("i", b)]))
        out.append(("math", "percentage", [("i", b)]))
    out.append(("math", "mode", []))
    for a, b in [(1, 2), (-1, 1), (5, 5), (-3, -7)]:
        out.append(("math", "min", [("i", a), ("i", b)]))
        out.append(("math", "max", [("i", a), ("i", b)]))
    for v in (0, 5, -5, -9223372036854775807):
        out.append(("math", "abs", [("i", v)]))
    for v, lo, hi in [("1.0", "0.0", "2.0"), ("3.0", "0.0", "2.0"), ("2.0", "2.0", "2.0")]:
        out.append(("math", "in_range", [("f", v), ("f", lo), ("f", hi)]))
    for f in ("is_dll", "is_32bit", "is_64bit"):
        out.append(("pe", f, []))
    for rva in (0, 100, 4096, 5000, 0x2000, 0x10000, 0x1a000, -1, 1 << 40, "SIZE"):
        out.append(("pe", "rva_to_offset", [("i", rva)]))
    for name in (".text", ".rsrc", ".data", "nope", ""):
        out.append(("pe", "section_index", [("s", name)]))
    for addr in (0, 1024, 5000, 0x8000, -5, "SIZE-1"):
        out.append(("pe", "section_index", [("i", addr)]))
    return out


def resolve(v, size):
    if isinstance(v, str) and v.startswith("SIZE"):
        return size + int(v[4:] or 0)
    return v


def yara_literal(kind, v):
    if kind == "s":
        return '"' + v + '"'
    if kind == "f":
        return v
    return str(v) if v >= 0 else f"({v})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--yara", default="yara")
    args = ap.parse_args()
    rng = random.Random(7)
    failures = total = 0
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        files["empty"] = b""
        files["text"] = b"The quick brown fox jumps over the lazy dog\n" * 20
        files["random"] = bytes(rng.randrange(256) for _ in range(5000))
        files["ls"] = open("/usr/bin/ls", "rb").read()
        for root in ("/usr/lib/ipxe", "/root/.pyenv"):  # a real PE when one is installed
            for d, _, names in os.walk(root):
                exe = [n for n in sorted(names) if n.endswith((".exe", ".efi"))]
                if exe and "pe" not in files:
                    files["pe"] = open(os.path.join(d, exe[0]), "rb").read()
        for name, data in files.items():
            path = os.path.join(tmp, name)
            open(path, "wb").write(data)
            rules, labels = [], []
            for i, (m, f, a) in enumerate(cases()):
                a = [(k, resolve(v, len(data))) for k, v in a]
                argv = [args.dump, "--call", m, f] + [f"{k}:{v}" for k, v in a] + [path]
                got = subprocess.run(argv, capture_output=True, text=True)
                if got.returncode != 0:
                    print(f"CALL FAILED {argv}: {got.stderr}")
                    failures += 1
                    continue
                value = got.stdout.strip()
                expr = f"{m}.{f}(" + ", ".join(yara_literal(k, v) for k, v in a) + ")"
                if value == "UNDEFINED":
                    cond = f"not defined {expr}"
                elif value in ("nan", "-nan"):
                    cond = f"not ({expr} == {expr}) and defined {expr}"
                elif value in ("inf", "-inf"):
                    cond = f"{expr} {'>' if value == 'inf' else '<'} 1.0e308"
                else:
                    cond = f"{expr} == {value}"
                rules.append(f'import "{m}"\nrule r{i} {{ condition: {cond} }}\n')
                labels.append((f"r{i}", expr, value))
            rule_path = os.path.join(tmp, name + ".yar")
            # Imports may repeat; yara accepts duplicate import statements.
            open(rule_path, "w").write("".join(rules))
            ref = subprocess.run([args.yara, rule_path, path], capture_output=True, text=True)
            if ref.returncode != 0:
                print(f"yara failed on {name}: {ref.stderr[:500]}")
                return 1
            matched = {line.split()[0] for line in ref.stdout.splitlines() if line.strip()}
            for rule, expr, value in labels:
                total += 1
                if rule not in matched:
                    failures += 1
                    print(f"DIFF [{name}] {expr}: yarrow={value}")
    print(f"functions: {total - failures}/{total} agree with yara")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
