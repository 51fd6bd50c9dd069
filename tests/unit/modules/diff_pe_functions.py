#!/usr/bin/env python3
"""Differential test of the pe module's functions: for each file, every call's result comes
from `module_dump --call pe FUNC ARGS... FILE`; one rule per call asks yara whether
`<call> == <our value>` (or `not defined <call>` when we say undefined) and every rule must
match. Files: make_pe.py's crafted PEs (exports, ordinal and delay-load imports, signatures),
a few real PEs, and mutated copies of the crafted ones. Regex arguments use patterns that mean
the same to yara and to module_dump's test regex engine.
Exit 1 on any disagreement or crash; 77 (skipped) when no PE file is available."""
import argparse, os, random, struct, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import diff_pe  # noqa: E402
import make_pe  # noqa: E402

EXPORT_NAMES = ["Alpha", "alpha", "BETA", "Fwd", "Zeta", "hidden", "nope", "", "Alpha\\x00"]
EXPORT_ORDINALS = [-1, 0, 1, 2, 3, 5, 7, 9, 12, 13, 14, 100]
EXPORT_REGEXES = ["Alpha", "^b", "a$", "x", ".", "^$", "e*"]
DLLS = ["kernel32.dll", "KERNEL32.DLL", "ws2_32.dll", "wsock32.dll", "oleaut32.dll",
        "user32.dll", "advapi32.dll", "msvcrt.dll", "comctl32.ocx", "nope.dll", ""]
FUNCS = [("kernel32.dll", "sleep"), ("kernel32.dll", "GetTickCount"), ("kernel32.dll", "nope"),
         ("ws2_32.dll", "recv"), ("ws2_32.dll", "WSAStartup"), ("ws2_32.dll", "ord400"),
         ("wsock32.dll", "closesocket"), ("oleaut32.dll", "SysAllocString"),
         ("oleaut32.dll", "ord1000"), ("msvcrt.dll", "ord7"), ("user32.dll", "CharUpperA"),
         ("user32.dll", "ord77"), ("advapi32.dll", "RegOpenKeyA"), ("user32.dll", "")]
ORDINALS = [("ws2_32.dll", 16), ("ws2_32.dll", 400), ("oleaut32.dll", 443), ("user32.dll", 77),
            ("advapi32.dll", 5), ("msvcrt.dll", 7), ("kernel32.dll", 0), ("ws2_32.dll", -1)]
REGEX_PAIRS = [("KERNEL32", "."), ("USER32", "A$"), ("^ws", "."), ("dll", "^ord"), (".", "x*"),
               ("^$", "."), ("ADVAPI", ".")]
FLAGS = [0, 1, 2, 3, -1]
TIMES = [-1, 0, 1000000000, 1795455950, 1800000000, 1830015949, 2000000000]


def rich_values(data):
    """(version, toolid) pairs present in the file's rich header, for meaningful arguments."""
    try:
        lfanew = struct.unpack_from("<I", data, 60)[0]
        at = data.rfind(b"Rich", 64, lfanew)
        if at < 0:
            return []
        key = struct.unpack_from("<I", data, at + 4)[0]
        start = at - 4
        while start >= 64 and struct.unpack_from("<I", data, start)[0] ^ key != 0x536E6144:
            start -= 4
        out = []
        for p in range(start + 16, at, 8):
            idv = struct.unpack_from("<I", data, p)[0] ^ key
            out.append((idv & 0xFFFF, idv >> 16))
        return out[:4]
    except struct.error:
        return []


def calls(data):
    out = [("imphash", []), ("calculate_checksum", [])]
    for f in ("exports", "exports_index"):
        out += [(f, [("s", n)]) for n in EXPORT_NAMES]
        out += [(f, [("i", o)]) for o in EXPORT_ORDINALS]
        out += [(f, [("r", r)]) for r in EXPORT_REGEXES]
    out += [("imports", [("s", d)]) for d in DLLS]
    out += [("imports", [("s", d), ("s", f)]) for d, f in FUNCS]
    out += [("imports", [("s", d), ("i", o)]) for d, o in ORDINALS]
    out += [("imports", [("r", d), ("r", f)]) for d, f in REGEX_PAIRS]
    for flags in FLAGS:
        out += [("imports", [("i", flags), ("s", d)]) for d in DLLS[::2]]
        out += [("imports", [("i", flags), ("s", d), ("s", f)]) for d, f in FUNCS[::2]]
        out += [("imports", [("i", flags), ("s", d), ("i", o)]) for d, o in ORDINALS[::2]]
        out += [("imports", [("i", flags), ("r", d), ("r", f)]) for d, f in REGEX_PAIRS]
    for v in (0, 0x409, 0x809, 0xFAFF, -1):
        out.append(("locale", [("i", v)]))
    for v in (0, 9, 0x11, 0xFF, 256):
        out.append(("language", [("i", v)]))
    pairs = rich_values(data) + [(0, 0), (30729, 147), (65535, 65535)]
    for version, toolid in pairs:
        out.append(("rich_signature.version", [("i", version)]))
        out.append(("rich_signature.toolid", [("i", toolid)]))
        out.append(("rich_signature.version", [("i", version), ("i", toolid)]))
        out.append(("rich_signature.toolid", [("i", toolid), ("i", version)]))
    for i in range(3):
        out += [(f"signatures[{i}].valid_on", [("i", t)]) for t in TIMES]
    return out


def yara_arg(kind, value):
    if kind == "i":
        return str(value)
    if kind == "r":
        return "/" + value + "/"
    return '"' + value.replace('"', '\\"') + '"'


def yara_value(text):
    if text.startswith('"'):
        body = text[1:-1]
        return '"' + "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "\\x%02x" % ord(c)
                             for c in body) + '"'
    return text


def check_file(args, path, tmp):
    data = open(path, "rb").read()
    rules, total, bad = [], 0, 0
    for n, (func, fargs) in enumerate(calls(data)):
        cli = [args.dump, "--call", "pe", func] + [f"{k}:{v}" for k, v in fargs] + [path]
        got = subprocess.run(cli, capture_output=True)
        if got.returncode != 0:
            print(f"CRASH {path}: {func} {fargs} rc={got.returncode}")
            bad += 1
            continue
        result = got.stdout.decode("latin1").rstrip("\n")
        expr = f"pe.{func}(" + ", ".join(yara_arg(k, v) for k, v in fargs) + ")"
        cond = f"not defined {expr}" if result == "UNDEFINED" else f"{expr} == {yara_value(result)}"
        rules.append((f"c{n}", cond, f"{func}{fargs} -> {result}"))
        total += 1
    rule_file = os.path.join(tmp, "calls.yar")
    with open(rule_file, "w") as f:
        f.write('import "pe"\n')
        for name, cond, _ in rules:
            f.write(f"rule {name} {{ condition: {cond} }}\n")
    ref = subprocess.run([args.yara, rule_file, path], capture_output=True)
    if ref.returncode != 0:
        print(f"YARA ERROR {path}: {ref.stderr.decode('latin1')[:300]}")
        return total, total
    matched = {line.split(" ")[0] for line in ref.stdout.decode("latin1").splitlines()}
    for name, _, what in rules:
        if name not in matched:
            bad += 1
            print(f"DIFF {path}: {what}")
    return total, bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--yara", default="yara")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mutants", type=int, default=24)
    ap.add_argument("--extra", nargs="*", default=[], help="more PE files to include")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        crafted = make_pe.make_all(os.path.join(tmp, "crafted"))
        real = diff_pe.pe_files(["/usr/lib/ipxe", "/root/.pyenv/versions"])[:6]
        real += diff_pe.pe_files(["/usr/lib/shim", "/usr/lib/grub"])[:3] + args.extra
        files = crafted + real
        if not files:
            print("no PE files (install clang, lld, llvm or ipxe) - skipped")
            return 77
        for k in range(args.mutants if crafted else 0):
            src = crafted[k % len(crafted)]
            data = open(src, "rb").read()
            span = diff_pe.directory_span(data, diff_pe.DIRECTORIES[k % 4])
            q = os.path.join(tmp, f"mut{k}_{os.path.basename(src)}")
            open(q, "wb").write(diff_pe.mutate(data, rng, span))
            files.append(q)
        total = bad = 0
        for p in files:
            t, b = check_file(args, p, tmp)
            total += t
            bad += b
        print(f"pe functions: {total - bad}/{total} calls agree over {len(files)} files "
              f"({len(crafted)} crafted, {len(real)} real, {len(files) - len(crafted) - len(real)} mutated)")
        return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
