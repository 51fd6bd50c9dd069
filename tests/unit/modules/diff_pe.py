#!/usr/bin/env python3
"""Differential test of the pe module: module_dump pe FILE vs `yara -D`, every top-level field
compared (a field's block includes its whole subtree: sections, imports, exports,
signatures...).

Files: PE files under the given roots (Debian's ipxe ships ipxe.efi/snponly.efi; shim-signed
and grub-efi-amd64-signed ship signed *.efi.signed; pip/setuptools launcher stubs add more
locally), the PEs make_pe.py builds and signs at test time (exports,
ordinal and delay-load imports, Authenticode), and truncated/mutated copies: random bytes in the
headers, random bytes inside the export, import, delay-import and security directories, and
NumberOfRvaAndSizes values around the directory indices.
Exit status 1 when any field differs or module_dump crashes; 77 (skipped) without PE files.
"""
import argparse, os, random, struct, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_pe  # noqa: E402

DIRECTORIES = (0, 1, 4, 13)  # export, import, security, delay import


def blocks(text):
    out, name = {}, None
    for line in text.splitlines()[1:]:
        if line.startswith("\t") and not line.startswith("\t\t"):
            name = line[1:].split(" = ")[0]
            out[name] = [line]
        elif name:
            out[name].append(line)
    return out


def pe_files(roots):
    found = []
    for root in roots:
        for d, _, names in os.walk(root):
            for n in names:
                p = os.path.join(d, n)
                # *.efi.signed: Authenticode-signed EFI binaries (Debian shim-signed,
                # grub-efi-amd64-signed) when installed.
                if n.lower().endswith((".exe", ".dll", ".efi", ".sys", ".signed")) and os.path.isfile(p):
                    found.append(p)
    return sorted(found)


def directory_span(data, index):
    """File range [start, end) of data directory `index`, or None (best effort, for mutating)."""
    try:
        nt = struct.unpack_from("<I", data, 60)[0]
        opt = nt + 24
        pe64 = struct.unpack_from("<H", data, opt)[0] == 0x20B
        rva, size = struct.unpack_from("<II", data, opt + (112 if pe64 else 96) + 8 * index)
        if not rva:
            return None
        if index == 4:  # the security directory holds a file offset
            return (rva, rva + size)
        nsec = struct.unpack_from("<H", data, nt + 6)[0]
        sec = opt + struct.unpack_from("<H", data, nt + 20)[0]
        for i in range(min(nsec, 96)):
            vsize, va, _, raw = struct.unpack_from("<IIII", data, sec + 40 * i + 8)
            if va <= rva < va + max(vsize, 1):
                start = raw + rva - va
                return (start, start + max(size, 64))
    except struct.error:
        pass
    return None


def mutate(data, rng, span=None):
    m = bytearray(data)
    lo, hi = span if span else (0, min(len(m), 1024))
    hi = min(hi, len(m))
    if lo >= hi:
        lo, hi = 0, min(len(m), 1024)
    for _ in range(rng.randint(1, 4)):
        m[rng.randrange(lo, hi)] = rng.randrange(256)
    return m


def synthesize(originals, crafted, tmp, rng):
    synth = []
    for i, p in enumerate(originals[:10] + crafted):
        data = bytearray(open(p, "rb").read())
        tag = f"{i}_{os.path.basename(p)}"
        for cut in (64, 100, 300, 400, len(data) // 2, len(data) - 9):
            q = os.path.join(tmp, f"t{tag}_{cut}")
            open(q, "wb").write(data[:cut])
            synth.append(q)
        for k in range(10):
            q = os.path.join(tmp, f"m{tag}_{k}")
            open(q, "wb").write(mutate(data, rng))
            synth.append(q)
        if p in crafted:
            # NumberOfRvaAndSizes around the directory indices (4.2.3 reads entry N itself).
            nt = struct.unpack_from("<I", data, 60)[0]
            pe64 = struct.unpack_from("<H", data, nt + 24)[0] == 0x20B
            for n in (0, 1, 2, 4, 5, 12, 13, 14, 0xFFFFFFFF):
                m = bytearray(data)
                struct.pack_into("<I", m, nt + 24 + (108 if pe64 else 92), n)
                q = os.path.join(tmp, f"n{tag}_{n}")
                open(q, "wb").write(m)
                synth.append(q)
            for d in DIRECTORIES:
                span = directory_span(data, d)
                if not span:
                    continue
                for k in range(8):
                    q = os.path.join(tmp, f"d{tag}_{d}_{k}")
                    open(q, "wb").write(mutate(data, rng, span))
                    synth.append(q)
    return synth


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--yara", default="yara")
    ap.add_argument("--roots", nargs="*", default=["/usr/lib", "/usr/share", "/root/.pyenv"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", help="write synthetic files here instead of a temporary dir")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or scratch
        os.makedirs(tmp, exist_ok=True)
        rule = os.path.join(tmp, "r.yar")
        open(rule, "w").write('import "pe" rule r { condition: false }\n')
        real = pe_files(args.roots)
        crafted = make_pe.make_all(os.path.join(tmp, "crafted"))
        if not real and not crafted:
            print("no PE files found under", args.roots, "and clang/lld missing - skipped")
            return 77
        synth = synthesize(real, crafted, tmp, rng)
        same = differ = crash = fields = fields_equal = 0
        for p in real + crafted + synth:
            ref = subprocess.run([args.yara, "-D", rule, p], capture_output=True)
            if ref.returncode != 0:
                continue
            got = subprocess.run([args.dump, "pe", p], capture_output=True)
            if got.returncode != 0:
                crash += 1
                print(f"CRASH {p} rc={got.returncode} {got.stderr.decode('latin1')[:300]}")
                continue
            a = blocks(ref.stdout.decode("latin1"))
            b = blocks(got.stdout.decode("latin1"))
            bad = [k for k in a if a.get(k) != b.get(k)] + [k for k in b if k not in a]
            fields += len(a)
            fields_equal += len(a) - len([k for k in bad if k in a])
            if bad:
                differ += 1
                k = bad[0]
                print(f"DIFF {p}: {k}: yara={a.get(k, ['-'])[:3]} yarrow={b.get(k, ['-'])[:3]}")
            else:
                same += 1
        print(f"pe dumps: {same} same, {differ} differ, {crash} crashed ({len(real)} real, "
              f"{len(crafted)} crafted, {len(synth)} synthetic); top-level fields "
              f"{fields_equal}/{fields} equal")
        return 1 if differ or crash else 0


if __name__ == "__main__":
    sys.exit(main())
