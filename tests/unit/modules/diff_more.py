#!/usr/bin/env python3
"""Differential test for the dex, macho and dotnet modules: `module_dump MODULE FILE` vs
`yara -D` (whole dump text) over synthetic files written at test time (make_dex.py,
make_macho.py, make_dotnet.py), optional real files found on the machine, and seeded
truncations / byte mutations of all of them (malformed inputs must give the same undefined
fields, never a crash). Exit 1 on any difference or crash; 77 (skip) when nothing to test."""
import argparse, base64, glob, os, random, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def decode_base64_samples(roots, outdir):
    """Go's debug/macho test binaries ship base64-encoded in Debian's golang-*-src."""
    out = []
    for root in roots:
        for d, _, names in os.walk(root):
            for n in sorted(names):
                if n.endswith(".base64"):
                    q = os.path.join(outdir, "b64_" + n[:-7])
                    try:
                        open(q, "wb").write(base64.b64decode(open(os.path.join(d, n), "rb").read()))
                        out.append(q)
                    except (OSError, ValueError):
                        pass
    return out


def real_files(module, roots, limit):
    """Real inputs: files whose first bytes look like the module's format."""
    magics = {
        "dex": (b"dex\n",),
        "macho": (b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe",
                  b"\xca\xfe\xba\xbe", b"\xbe\xba\xfe\xca"),
        "dotnet": (b"MZ",),
    }[module]
    found = []
    for root in roots:
        for d, _, names in os.walk(root):
            for n in names:
                p = os.path.join(d, n)
                try:
                    if os.path.islink(p) or not os.path.isfile(p) or os.path.getsize(p) > (32 << 20):
                        continue
                    with open(p, "rb") as f:
                        head = f.read(4)
                except OSError:
                    continue
                if module == "dotnet" and not n.lower().endswith((".dll", ".exe")):
                    continue
                if any(head.startswith(m) for m in magics):
                    # Java class files share 0xcafebabe with fat Mach-O: yara tells them apart
                    # by nfat_arch, keep them anyway (they exercise the fat path).
                    found.append(p)
    found.sort()
    random.Random(7).shuffle(found)
    return found[:limit]


def mutants(paths, outdir, seed, per_file, hot):
    rng = random.Random(seed)
    out = []
    for i, p in enumerate(paths):
        data = bytearray(open(p, "rb").read())
        n = len(data)
        if n == 0:
            continue
        for cut in sorted({4, 8, 27, 28, 31, 32, 0x6f, 0x70, 0x71, n // 3, n // 2, n - 1}):
            if 0 < cut < n:
                q = os.path.join(outdir, f"t{i}_{cut}")
                open(q, "wb").write(data[:cut])
                out.append(q)
        # .NET metadata ("BSJB" root, stream headers, #~ tables) is where dotnet mutations pay.
        meta = data.find(b"BSJB")
        for k in range(per_file):
            m = bytearray(data)
            limit = min(n, hot)
            for _ in range(rng.randint(1, 6)):
                r = rng.random()
                if meta >= 0 and r < 0.6:
                    at = min(n - 1, meta + rng.randrange(4096))
                else:
                    at = rng.randrange(limit) if r < 0.8 else rng.randrange(n)
                m[at] = rng.choice([0, 0xff, 0x7f, 0x80, 1, rng.randrange(256)])
            q = os.path.join(outdir, f"m{i}_{k}")
            open(q, "wb").write(m)
            out.append(q)
    return out


def synthetic(module, outdir):
    if module == "dex":
        import make_dex
        return make_dex.write_samples(outdir)
    if module == "macho":
        import make_macho
        return make_macho.write_samples(outdir)
    import make_dotnet
    return make_dotnet.write_samples(outdir)


# Function calls with literal arguments; yara's results are read back through console.log
# (an undefined result logs nothing).
CALLS = {
    "dex": [("has_method", ["m1"]), ("has_method", ["m0"]), ("has_method", ["nope"]),
            ("has_method", ["<init>"]), ("has_method", ["Lcom/gen/C0;", "m0"]),
            ("has_method", ["Lcom/gen/C1;", "m0"]), ("has_method", ["Lcom/gen/C0;", "zz"]),
            ("has_class", ["Lcom/gen/C0;"]), ("has_class", ["Lcom/gen/C2;"]), ("has_class", ["C0"])],
    "macho": [("file_index_for_arch", [7]), ("file_index_for_arch", [0x01000007]),
              ("file_index_for_arch", [18]), ("file_index_for_arch", [7, 3]),
              ("file_index_for_arch", [0x01000007, 3]), ("file_index_for_arch", [0x0100000C, 1]),
              ("entry_point_for_arch", [7]), ("entry_point_for_arch", [0x01000007]),
              ("entry_point_for_arch", [0x0100000C]), ("entry_point_for_arch", [18]),
              ("entry_point_for_arch", [7, 3]), ("entry_point_for_arch", [0x01000007, 3]),
              ("entry_point_for_arch", [18, 0]), ("entry_point_for_arch", [99])],
}


def yara_str(s):
    if isinstance(s, int):
        return str(s)
    return '"' + "".join(c if c.isalnum() or c in "<>/;_ " else "\\x%02x" % ord(c) for c in s) + '"'


def check_calls(args, files, tmp):
    calls = CALLS.get(args.module, [])
    if not calls:
        return 0, 0
    rule = os.path.join(tmp, "calls.yar")
    with open(rule, "w") as f:
        f.write(f'import "{args.module}"\nimport "console"\n')
        for i, (fn, a) in enumerate(calls):
            expr = f"{args.module}.{fn}({', '.join(yara_str(x) for x in a)})"
            f.write(f'rule c{i} {{ condition: console.log("C{i}=", {expr}) }}\n')
    same = differ = 0
    for p in files:
        ref = subprocess.run([args.yara, rule, p], capture_output=True)
        if ref.returncode != 0:
            continue
        logged = dict(line[1:].split("=", 1) for line in ref.stdout.decode("latin1").splitlines()
                      if line.startswith("C") and "=" in line)
        for i, (fn, a) in enumerate(calls):
            want = logged.get(str(i), "UNDEFINED")
            got = subprocess.run([args.dump, "--call", args.module, fn] + [("i:%d" % x if isinstance(x, int) else "s:" + x) for x in a] + [p],
                                 capture_output=True).stdout.decode().strip()
            if got == want:
                same += 1
            else:
                differ += 1
                print(f"CALL DIFF {p} {fn}{tuple(a)}: yara={want} yarrow={got}")
    return same, differ


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--yara", default="yara")
    ap.add_argument("--module", required=True, choices=["dex", "macho", "dotnet"])
    ap.add_argument("--roots", nargs="*", default=None,
                    help="where to look for real files (dotnet default: Debian's CLI library dirs)")
    ap.add_argument("--real", type=int, default=100, help="max real files")
    ap.add_argument("--mutate", type=int, default=12, help="mutants per base file")
    ap.add_argument("--hot", type=int, default=4096, help="most mutations land in the first N bytes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", help="write generated files here")
    ap.add_argument("--wrapper", default="", help="e.g. a sanitizer environment runner")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or scratch
        os.makedirs(tmp, exist_ok=True)
        rule = os.path.join(tmp, "r.yar")
        open(rule, "w").write(f'import "{args.module}" rule r {{ condition: false }}\n')
        base = synthetic(args.module, tmp)
        roots = args.roots
        if roots is None:
            roots = {"dotnet": ["/usr/lib/cli", "/usr/lib/mono"],
                     "macho": glob.glob("/usr/share/go-*/src/debug/macho/testdata")}.get(args.module, [])
        if args.module == "macho":
            decoded = os.path.join(tmp, "decoded")
            os.makedirs(decoded, exist_ok=True)
            decode_base64_samples(roots, decoded)
            roots = roots + [decoded]
        real = real_files(args.module, roots, args.real) if roots else []
        mut = mutants(base + real[:20], tmp, args.seed, args.mutate, args.hot)
        same = differ = crash = 0
        for p in base + real + mut:
            ref = subprocess.run([args.yara, "-D", rule, p], capture_output=True)
            if ref.returncode != 0:
                continue
            got = subprocess.run([args.dump, args.module, p], capture_output=True)
            if got.returncode != 0 or got.stderr:
                crash += 1
                print(f"CRASH {p} rc={got.returncode} {got.stderr[:300]!r}")
                continue
            if got.stdout != ref.stdout:
                differ += 1
                a = ref.stdout.decode("latin1").splitlines()
                b = got.stdout.decode("latin1").splitlines()
                k = next((j for j in range(min(len(a), len(b))) if a[j] != b[j]), min(len(a), len(b)))
                print(f"DIFF {p} line {k}: yara={a[k:k+2]} yarrow={b[k:k+2]}")
            else:
                same += 1
        csame, cdiff = check_calls(args, base + real[:20] + mut[:40], tmp)
        if CALLS.get(args.module):
            print(f"{args.module} calls: {csame} same, {cdiff} differ")
        differ += cdiff
        total = len(base) + len(real) + len(mut)
        print(f"{args.module}: {same} same, {differ} differ, {crash} crashed "
              f"({len(base)} synthetic, {len(real)} real, {len(mut)} mutants)")
        if total == 0:
            return 77
        return 1 if differ or crash else 0


if __name__ == "__main__":
    sys.exit(main())
