#!/usr/bin/env python3
"""Differential test of the magic module: magic.type() / magic.mime_type() from
`module_dump --call magic ...` vs the values yara 4.2.3 logs through console.log, on a
deterministic sample of real files (same libmagic database on the machine) plus a few
synthetic ones (empty, one byte, text, truncated ELF). Exit 1 on any difference or crash."""
import argparse, os, random, subprocess, sys, tempfile

ROOTS = ["/usr/bin", "/usr/share/doc", "/usr/share/mime", "/etc", "/usr/lib/python3",
         "/usr/share/zoneinfo", "/usr/lib/x86_64-linux-gnu", "/usr/share/pixmaps",
         "/usr/share/icons", "/usr/include"]


def sample(limit, seed):
    found = []
    for root in ROOTS:
        for d, _, names in os.walk(root):
            for n in names:
                p = os.path.join(d, n)
                try:
                    if not os.path.islink(p) and os.path.isfile(p) and os.path.getsize(p) < (8 << 20) \
                            and os.access(p, os.R_OK):
                        found.append(p)
                except OSError:
                    pass
    found.sort()
    random.Random(seed).shuffle(found)
    # Favour variety: at most a few files per extension.
    per_ext, out = {}, []
    for p in found:
        ext = os.path.splitext(p)[1]
        if per_ext.get(ext, 0) >= 12:
            continue
        per_ext[ext] = per_ext.get(ext, 0) + 1
        out.append(p)
        if len(out) >= limit:
            break
    return out


def escape(s):
    return "".join(c if 0x20 <= ord(c) < 0x7f else "\\x%02x" % ord(c) for c in s)


def ours(dump, func, path):
    r = subprocess.run([dump, "--call", "magic", func, path], capture_output=True)
    if r.returncode != 0:
        return ("CRASH", r.returncode)
    out = r.stdout.decode("latin1").rstrip("\n")
    if out == "UNDEFINED":
        return None
    return escape(out[1:-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--yara", default="yara")
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rule = os.path.join(tmp, "r.yar")
        open(rule, "w").write(
            'import "magic"\nimport "console"\n'
            'rule t { condition: console.log("T:", magic.type()) }\n'
            'rule m { condition: console.log("M:", magic.mime_type()) }\n')
        synth = []
        for name, data in [("empty", b""), ("one", b"A"), ("zeros", b"\0" * 100),
                           ("text", b"hello world\n" * 10), ("elfcut", open("/bin/ls", "rb").read()[:70]),
                           ("html", b"<!DOCTYPE html><html><body>x</body></html>\n"),
                           ("high", bytes(range(256)) * 4)]:
            p = os.path.join(tmp, name)
            open(p, "wb").write(data)
            synth.append(p)
        files = sample(args.sample, args.seed) + synth
        same = differ = crash = 0
        for p in files:
            r = subprocess.run([args.yara, rule, p], capture_output=True)
            if r.returncode != 0:
                continue
            ref = {"type": None, "mime_type": None}
            for line in r.stdout.decode("latin1").splitlines():
                if line.startswith("T:"):
                    ref["type"] = line[2:]
                elif line.startswith("M:"):
                    ref["mime_type"] = line[2:]
            bad = False
            for func in ("type", "mime_type"):
                got = ours(args.dump, func, p)
                if isinstance(got, tuple):
                    crash += 1
                    bad = True
                    print(f"CRASH {p} {func} rc={got[1]}")
                elif got != ref[func]:
                    bad = True
                    print(f"DIFF {p} {func}: yara={ref[func]!r} yarrow={got!r}")
            if bad:
                differ += 1
            else:
                same += 1
        print(f"magic: {same} same, {differ} differ ({len(files)} files, {crash} crashes)")
        return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
