#!/usr/bin/env python3
"""Differential test of the (partial) pe module: module_dump pe FILE vs `yara -D`, comparing
the top-level fields yarrow implements so far (all others are listed as pending in
docs/modules.md). PE files: the given directories (default: Python launcher stubs shipped
by pip/setuptools, found under /usr and /root/.pyenv), plus truncated/mutated copies."""
import argparse, os, random, subprocess, sys, tempfile

PENDING = {"signatures", "delay_import_details", "export_details", "export_timestamp",
           "dll_name"}


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
                if n.lower().endswith((".exe", ".dll", ".efi", ".sys")) and os.path.isfile(p):
                    found.append(p)
    return sorted(found)


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
        if not real:
            print("no PE files found under", args.roots, "- skipped (install e.g. ipxe)")
            return 77
        synth = []
        for i, p in enumerate(real[:10]):
            data = bytearray(open(p, "rb").read())
            for cut in (64, 100, 300, 400, len(data) // 2):
                q = os.path.join(tmp, f"t{i}_{cut}")
                open(q, "wb").write(data[:cut])
                synth.append(q)
            for k in range(10):
                m = bytearray(data)
                for _ in range(rng.randint(1, 4)):
                    m[rng.randrange(min(len(m), 1024))] = rng.randrange(256)
                q = os.path.join(tmp, f"m{i}_{k}")
                open(q, "wb").write(m)
                synth.append(q)
        same = differ = crash = 0
        for p in real + synth:
            ref = subprocess.run([args.yara, "-D", rule, p], capture_output=True)
            if ref.returncode != 0:
                continue
            got = subprocess.run([args.dump, "pe", p], capture_output=True)
            if got.returncode != 0:
                crash += 1
                print(f"CRASH {p} rc={got.returncode}")
                continue
            a = blocks(ref.stdout.decode("latin1"))
            b = blocks(got.stdout.decode("latin1"))
            bad = [k for k in a if k not in PENDING and a.get(k) != b.get(k)]
            bad += [k for k in b if k not in a]
            if bad:
                differ += 1
                k = bad[0]
                print(f"DIFF {p}: {k}: yara={a.get(k, ['-'])[:3]} yarrow={b.get(k, ['-'])[:3]}")
            else:
                same += 1
        print(f"pe (implemented fields): {same} same, {differ} differ, {crash} crashed "
              f"({len(real)} real, {len(synth)} synthetic)")
        return 1 if differ or crash else 0


if __name__ == "__main__":
    sys.exit(main())
