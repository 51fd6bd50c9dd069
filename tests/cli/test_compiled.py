#!/usr/bin/env python3
"""`yarrow compile` and `yarrow scan -C`: precompiled rules give exactly what the rule text gives
(and what yara gives with yarac-compiled rules), and a damaged, truncated, foreign or crafted
file is refused with an error: exit status 1, never a crash.

usage: test_compiled.py --yarrow build/yarrow [--yara /usr/bin/yara] [--mutants N]
"""
import argparse
import ctypes
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

RULES = r'''
import "math"
global rule big_enough { condition: filesize > 16 }
private rule has_marker { strings: $m = "MARKER" condition: $m }
rule texts : tag1 tag2 {
  meta: author = "yarrow tests" score = 7 ok = true
  strings:
    $a = "alpha" nocase wide ascii
    $b = { 41 42 ?? 44 [2-4] 47 }
    $c = /be+ta[0-9]{2}/ fullword
    $d = "xor me" xor(1-5)
    $e = "base64 text" base64
  condition: 2 of ($a, $b, $c) or any of ($d, $e)
}
rule counts { strings: $a = "alpha" condition: #a >= 2 and @a[2] > @a[1] and !a[1] == 5 }
rule loops {
  strings: $x = "loop"
  condition: for any i in (1..#x) : (@x[i] % 2 == 0) and for all of ($x) : ($ at @x[1])
}
rule refs { condition: has_marker and ext_int > 3 and ext_str matches /^ab/ }
rule module_use { condition: math.entropy(0, filesize) > 1.0 and texts }
'''

DATA = [
    b"alpha ALPHA a\x00l\x00p\x00h\x00a\x00 beta12 ABxDzzG loop..loop MARKER " * 3,
    b"nothing to see here, just filler text of some length",
    bytes(x ^ 3 for x in b"xor me") + b" padding padding " + b"YmFzZTY0IHRleHQ",
    b"MARKER alpha then alpha again and loop",
]



class _XXH128(ctypes.Structure):
    _fields_ = [("low64", ctypes.c_uint64), ("high64", ctypes.c_uint64)]


def xxh3_128(data: bytes) -> bytes:
    """The files' checksum (XXH3-128, canonical big-endian), from the libxxhash yarrow uses."""
    lib = ctypes.CDLL("libxxhash.so.0")
    lib.XXH3_128bits.restype = _XXH128
    lib.XXH3_128bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    h = lib.XXH3_128bits(data, len(data))
    return struct.pack(">QQ", h.high64, h.low64)

def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, **kw)


def large_set_checks(yarrow, tmp, check, rng, mutants):
    """A rule set whose pattern set is large enough to load on a second thread (256 KiB and
    more) while the rule tables load on the first: damage on either side is still refused, and
    a forged file never crashes."""
    lines = []
    planted = []
    for i in range(1500):
        token = f"tok{i}_{rng.getrandbits(40):010x}"
        hexes = " ".join(f"{rng.randrange(256):02X}" for _ in range(6))
        lines.append(f'rule big_{i} {{ strings: $t = "{token}" wide ascii $h = {{ {hexes} ?? '
                     f'[1-3] {rng.randrange(256):02X} }} $r = /q{i}x[0-9]{{2,4}}z/ '
                     "condition: any of them }")
        if i % 100 == 0:
            planted.append(token.encode())
    rules = os.path.join(tmp, "big.yar")
    with open(rules, "w") as f:
        f.write("\n".join(lines) + "\n")
    data = os.path.join(tmp, "big.bin")
    with open(data, "wb") as f:
        f.write(b"\x00".join(planted) + b"q7x123z")
    compiled = os.path.join(tmp, "big.yrc")
    r = run([yarrow, "compile", rules, "-o", compiled])
    check("big_compile", r.returncode == 0, r.stderr.decode(errors="replace"))
    blob = open(compiled, "rb").read()
    id_len = struct.unpack_from("<Q", blob, 12)[0]
    header = 8 + 4 + 8 + id_len + 8 + 16
    payload = blob[header:]
    at = 1
    while payload[at] & 0x80:
        at += 1
    count_end = at + 1
    set_size = struct.unpack_from("<Q", payload, count_end)[0]
    set_end = count_end + 8 + set_size
    check("big_set_is_large", payload[0] == 1 and set_size >= 256 << 10, f"{set_size} bytes")
    want = run([yarrow, "scan", "-s", rules, data])
    got = run([yarrow, "scan", "-s", "-C", compiled, data])
    check("big_same_as_source", got.returncode == 0 and got.stdout == want.stdout and
          got.stdout.count(b"big_") == 16, got.stderr.decode(errors="replace"))

    mutant = os.path.join(tmp, "big-m.yrc")

    def scan(bytes_):
        with open(mutant, "wb") as f:
            f.write(bytes_)
        return run([yarrow, "scan", "-C", mutant, data])

    def forge(p):
        return blob[:header - 16] + xxh3_128(bytes(p)) + bytes(p)

    # Unforged damage, in the pattern set (checksummed on the second thread) or in the tables
    # (decoded meanwhile on the first): the checksum verdict decides.
    for i in range(max(4, mutants // 10)):
        lo, hi = ((count_end + 8, set_end), (set_end, len(payload)))[i % 2]
        b = bytearray(blob)
        b[header + rng.randrange(lo, hi)] ^= 1 << rng.randrange(8)
        r = scan(bytes(b))
        check(f"big_bitflip_{i}", r.returncode == 1 and b"checksum mismatch" in r.stderr,
              r.stderr.decode(errors="replace"))
    for i in range(max(4, mutants // 5)):
        lo, hi = ((count_end + 8, set_end), (set_end, len(payload)))[i % 2]
        p = bytearray(payload)
        for _ in range(rng.choice((1, 2, 4))):
            p[rng.randrange(lo, hi)] = rng.choice((0, 1, 0xff, 0x7f, rng.randrange(256)))
        r = scan(forge(p))
        check(f"big_forged_{i}", 0 <= r.returncode <= 1, f"status {r.returncode}: {r.stderr[-300:]!r}")
    for n in (set_end - 1, set_end, set_end + 1, len(payload) - 1):
        r = scan(forge(payload[:n]))
        check(f"big_forged_truncated_{n}", r.returncode == 1 and b"error:" in r.stderr,
              r.stderr.decode(errors="replace"))
    count = 0
    for i, byte in enumerate(payload[1:count_end]):
        count |= (byte & 0x7f) << (7 * i)
    enc = bytearray(payload[1:count_end])
    enc[0] ^= 1  # count +-1, same length
    r = scan(forge(payload[:1] + bytes(enc) + payload[count_end:]))
    check("big_string_count", r.returncode == 1 and b"built for other strings" in r.stderr,
          r.stderr.decode(errors="replace"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--yarrow", required=True)
    ap.add_argument("--yara", default=shutil.which("yara") or "/usr/bin/yara")
    ap.add_argument("--mutants", type=int, default=300)
    opts = ap.parse_args()
    yarrow = os.path.abspath(opts.yarrow)
    yarac = os.path.join(os.path.dirname(opts.yara), "yarac")
    failures = []

    def check(name, ok, detail=""):
        if not ok:
            failures.append(f"{name}: {detail}")

    with tempfile.TemporaryDirectory(prefix="yarrow-compiled-") as tmp:
        rules = os.path.join(tmp, "r.yar")
        with open(rules, "w") as f:
            f.write(RULES)
        data_dir = os.path.join(tmp, "data")
        os.mkdir(data_dir)
        for i, d in enumerate(DATA):
            with open(os.path.join(data_dir, f"d{i}.bin"), "wb") as f:
                f.write(d)
        defines = ["-d", "ext_int=5", "-d", "ext_str=abc"]
        compiled = os.path.join(tmp, "r.yrc")

        r = run([yarrow, "compile", *defines, rules, "-o", compiled])
        check("compile", r.returncode == 0 and os.path.getsize(compiled) > 0, r.stderr.decode(errors="replace"))
        # yarac's form: output as the last positional argument.
        r = run([yarrow, "compile", *defines, rules, compiled + "2"])
        check("compile_yarac_form", r.returncode == 0, r.stderr.decode(errors="replace"))
        with open(compiled, "rb") as a, open(compiled + "2", "rb") as b:
            check("deterministic", a.read() == b.read(), "two compilations differ")

        yarac_out = os.path.join(tmp, "r.yarc")
        have_yara = os.path.exists(opts.yara) and os.path.exists(yarac)
        if have_yara:
            subprocess.run([yarac, *defines, rules, yarac_out], check=True)

        for flags in (["-s"], ["-s", "-g", "-m"], ["-c"], ["-n"], ["-s", "-d", "ext_int=1"],
                      ["-s", "-d", "ext_str=zz"]):
            # From source, an overriding -d replaces the compile-time one (yara keeps the
            # first of two -d for one name).
            overridden = {f.split("=")[0] for f in flags if "=" in f}
            base = [x for pair in zip(defines[::2], defines[1::2])
                    if pair[1].split("=")[0] not in overridden for x in pair]
            src = run([yarrow, "scan", "-r", *base, *flags, rules, data_dir])
            pre = run([yarrow, "scan", "-r", *flags, "-C", compiled, data_dir])
            want = sorted(src.stdout.splitlines())
            check(f"same_as_source {flags}", sorted(pre.stdout.splitlines()) == want and
                  pre.returncode == src.returncode, pre.stderr.decode(errors="replace"))
            if have_yara:
                y = run([opts.yara, "-r", *flags, "-C", yarac_out, data_dir])
                check(f"same_as_yara {flags}", sorted(y.stdout.splitlines()) == want,
                      f"yara={y.stdout!r} yarrow={pre.stdout!r}")
        check("has_matches", b"texts" in run([yarrow, "scan", "-C", compiled, data_dir + "/d0.bin"]).stdout)

        # -d with -C: the variable must exist and keep its type, as yara requires.
        for bad in (["-d", "nope=1"], ["-d", "ext_int=text"], ["-d", "ext_str=5"]):
            r = run([yarrow, "scan", *bad, "-C", compiled, data_dir])
            check(f"bad_define {bad}", r.returncode == 1 and r.stdout == b"", r.stderr.decode(errors="replace"))
        # Several rule files with -C; a rule text given to -C; a missing file.
        r = run([yarrow, "scan", "-C", compiled, compiled, data_dir])
        check("two_files", r.returncode == 1 and b"compiled form" in r.stderr)
        r = run([yarrow, "scan", "-C", rules, data_dir])
        check("text_as_compiled", r.returncode == 1 and b"not a yarrow compiled" in r.stderr)
        r = run([yarrow, "scan", "-C", os.path.join(tmp, "missing"), data_dir])
        check("missing_file", r.returncode == 1 and r.stdout == b"")
        if have_yara:
            r = run([yarrow, "scan", "-C", yarac_out, data_dir])
            check("yarac_file", r.returncode == 1 and b"not a yarrow compiled" in r.stderr)

        blob = open(compiled, "rb").read()
        mutant = os.path.join(tmp, "m.yrc")

        def scan_mutant(bytes_, name, expect_error):
            with open(mutant, "wb") as f:
                f.write(bytes_)
            r = run([yarrow, "scan", "-C", mutant, data_dir])
            if r.returncode < 0 or r.returncode > 1:
                check(name, False, f"crashed or odd status {r.returncode}: {r.stderr[-300:]!r}")
            elif expect_error:
                check(name, r.returncode == 1 and b"error:" in r.stderr, r.stderr.decode(errors="replace"))

        rng = random.Random(1)
        for n in sorted({0, 7, 8, 12, 20, 60, len(blob) // 2, len(blob) - 1} |
                        {rng.randrange(len(blob)) for _ in range(10)}):
            scan_mutant(blob[:n], f"truncated_{n}", True)
        scan_mutant(blob + b"\0", "padded", True)
        for version in (1, 999):  # 1: the format before the pattern set was stored
            version_changed = blob[:8] + struct.pack("<I", version) + blob[12:]
            with open(mutant, "wb") as f:
                f.write(version_changed)
            r = run([yarrow, "scan", "-C", mutant, data_dir])
            check(f"other_version_{version}", r.returncode == 1 and
                  b"another yarrow build" in r.stderr and b"recompile" in r.stderr,
                  r.stderr.decode(errors="replace"))
        for i in range(opts.mutants // 3):
            b = bytearray(blob)
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
            scan_mutant(bytes(b), f"bitflip_{i}", True)

        # Crafted payloads: damaged and re-checksummed, so only the index checks stand between
        # the bytes and the evaluator. Any outcome but a crash is fine.
        id_len = struct.unpack_from("<Q", blob, 12)[0]
        header = 8 + 4 + 8 + id_len + 8 + 16
        payload = blob[header:]

        def forge(p):
            return blob[:header - 16] + xxh3_128(bytes(p)) + bytes(p)

        # The payload starts with the built pattern set (u8 1, varint string count, u64 length,
        # bytes), which itself ends with the serialized Vectorscan database (u64 length, bytes);
        # the rule tables follow it.
        def varint_end(at):
            while payload[at] & 0x80:
                at += 1
            return at + 1

        count_end = varint_end(1)
        set_start = count_end + 8
        set_end = set_start + struct.unpack_from("<Q", payload, count_end)[0]
        db_ends_set = [k for k in range(set_end - 1, set_start + 8, -1)
                       if struct.unpack_from("<Q", payload, k - 8)[0] == set_end - k]
        check("sections_found", payload[0] == 1 and set_end < len(payload) and
              len(db_ends_set) >= 1, f"{set_start} {set_end} {db_ends_set[:4]}")
        db_start = (db_ends_set + [set_start])[0]
        regions = [(0, len(payload)), (set_start, db_start), (db_start, set_end)]
        for i in range(opts.mutants):
            lo, hi = regions[i % 3]  # the whole payload, the pattern set, the database
            p = bytearray(payload)
            for _ in range(rng.choice((1, 1, 2, 4))):
                pos = rng.randrange(lo, hi)
                p[pos] = rng.choice((0, 1, 0xff, 0x7f, rng.randrange(256)))
            scan_mutant(forge(p), f"forged_{i}", False)
        for n in sorted({1, count_end, set_start - 1, set_start, set_start + 1, db_start - 8,
                         db_start, set_end - 1, set_end, set_end + 1, len(payload) - 1}):
            scan_mutant(forge(payload[:n]), f"forged_truncated_{n}", True)
        # A pattern set stored for another number of strings than the rules have: refused,
        # whichever way the count is off (the set and the tables are decoded apart).
        count = 0
        for i, byte in enumerate(payload[1:count_end]):
            count |= (byte & 0x7f) << (7 * i)
        for other in (count - 1, count + 1):
            enc = bytearray()
            v = other
            while True:
                enc.append((v & 0x7f) | (0x80 if v > 0x7f else 0))
                v >>= 7
                if not enc[-1] & 0x80:
                    break
            if len(enc) != count_end - 1:
                continue  # keep the layout: only a count of the same encoded length
            with open(mutant, "wb") as f:
                f.write(forge(payload[:1] + bytes(enc) + payload[count_end:]))
            r = run([yarrow, "scan", "-C", mutant, data_dir])
            check(f"string_count_{other - count:+d}", r.returncode == 1 and
                  b"built for other strings" in r.stderr, r.stderr.decode(errors="replace"))

        # A database Vectorscan refuses (here: its CRC; in practice a file from a CPU with
        # features this one lacks) is not an error: the pattern set is rebuilt from the stored
        # strings and the results are the same.
        p = bytearray(payload)
        p[(db_start + set_end) // 2] ^= 0x10
        with open(mutant, "wb") as f:
            f.write(forge(p))
        want = run([yarrow, "scan", "-r", "-s", "-C", compiled, data_dir])
        got = run([yarrow, "scan", "-r", "-s", "-C", mutant, data_dir])
        check("refused_database_rebuilt", got.returncode == 0 and want.returncode == 0 and
              sorted(got.stdout.splitlines()) == sorted(want.stdout.splitlines()) and
              b"texts" in got.stdout, got.stderr.decode(errors="replace"))

        large_set_checks(yarrow, tmp, check, rng, opts.mutants)

    for f in failures:
        print("FAIL", f)
    total = "compiled-rules checks"
    print(f"{'FAILED' if failures else 'ok'}: {len(failures)} failures in {total}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
