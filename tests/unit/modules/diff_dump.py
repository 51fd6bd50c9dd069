#!/usr/bin/env python3
"""Differential test: module_dump MODULE FILE vs `yara -D` over real and corrupted files.

Real files: a deterministic sample of ELF files from /usr/bin and /usr/lib/x86_64-linux-gnu.
Synthetic files: make_elf.py's 32/64-bit LE/BE ELFs, and truncations and seeded random byte mutations of some of them (headers,
section and program tables), written to a temporary directory at test time.
Exit status 1 when any output differs or module_dump crashes.
"""
import argparse, os, random, subprocess, sys, tempfile

ROOTS = ["/usr/bin", "/usr/lib/x86_64-linux-gnu"]


def elf_files(limit, seed):
    found = []
    for root in ROOTS:
        for dirpath, _, names in os.walk(root):
            for n in names:
                p = os.path.join(dirpath, n)
                try:
                    if os.path.islink(p) or not os.path.isfile(p) or os.path.getsize(p) > 64 << 20:
                        continue
                    with open(p, "rb") as f:
                        if f.read(4) == b"\x7fELF":
                            found.append(p)
                except OSError:
                    pass
    found.sort()
    random.Random(seed).shuffle(found)
    return found[:limit]


def mutants(paths, outdir, seed):
    rng = random.Random(seed)
    out = []
    for i, p in enumerate(paths):
        data = bytearray(open(p, "rb").read())
        n = len(data)
        for cut in sorted({16, 52, 63, 64, 65, 200, n // 3, n // 2, n - 1}):
            if 0 < cut < n:
                q = os.path.join(outdir, f"t{i}_{cut}")
                open(q, "wb").write(data[:cut])
                out.append(q)
        is64 = data[4] == 2
        shoff = int.from_bytes(data[40:48] if is64 else data[32:36], "little")
        phoff = int.from_bytes(data[32:40] if is64 else data[28:32], "little")
        for k in range(8):
            m = bytearray(data)
            region = rng.choice(["hdr", "sh", "ph", "any"])
            base = {"hdr": 16, "sh": shoff, "ph": phoff, "any": rng.randrange(n)}[region]
            for _ in range(rng.randint(1, 6)):
                at = min(n - 1, base + rng.randrange(256))
                m[at] = rng.choice([0, 0xff, 0x7f, 0x80, rng.randrange(256)])
            q = os.path.join(outdir, f"m{i}_{k}")
            open(q, "wb").write(m)
            out.append(q)
        # Reinterpret the same bytes as the other classes/encodings: exercises the 32-bit and
        # big-endian paths (and yara's raw-order section-count compare) on garbage values.
        for klass, enc in ((1, 1), (1, 2), (2, 2)):
            m = bytearray(data)
            m[4], m[5] = klass, enc
            q = os.path.join(outdir, f"c{i}_{klass}{enc}")
            open(q, "wb").write(m)
            out.append(q)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--yara", default="yara")
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--mutate", type=int, default=25, help="files to truncate/mutate")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--module", default="elf")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        rule = os.path.join(tmp, "r.yar")
        open(rule, "w").write(f'import "{args.module}" rule r {{ condition: false }}\n')
        real = elf_files(args.sample, args.seed)
        gen = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "make_elf.py"),
                              tmp], capture_output=True, text=True, check=True).stdout.split()
        synth = gen + mutants(gen + real[: args.mutate], tmp, args.seed)
        files = real + synth + [rule]
        same = differ = crash = 0
        for p in files:
            ref = subprocess.run([args.yara, "-D", rule, p], capture_output=True)
            if ref.returncode != 0:
                continue
            got = subprocess.run([args.dump, args.module, p], capture_output=True)
            if got.returncode != 0:
                crash += 1
                print(f"CRASH {p}: rc={got.returncode} {got.stderr[-300:]!r}")
            elif got.stdout != ref.stdout:
                differ += 1
                a, b = ref.stdout.decode("latin1").splitlines(), got.stdout.decode("latin1").splitlines()
                first = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
                print(f"DIFF {p} line {first + 1}: yara={a[first:first+1]} yarrow={b[first:first+1]}")
            else:
                same += 1
        print(f"{args.module}: {same} same, {differ} differ, {crash} crashed "
              f"({len(real)} real, {len(synth)} synthetic)")
        return 1 if differ or crash else 0


if __name__ == "__main__":
    sys.exit(main())
