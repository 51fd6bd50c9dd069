#!/usr/bin/env python3
"""Builds synthetic samples for the nkminer_monero rule: no live malware, only the rule's
indicator strings planted in random bytes, in the encodings the rule looks for, plus near-misses
that must not match. Deterministic for a given seed.

usage: make_samples.py OUT_DIR [--seed N]
Writes OUT_DIR/hit/*.bin (each must match), OUT_DIR/miss/*.bin (none may match) and
OUT_DIR/MANIFEST.tsv (file, expected, description).
"""
import argparse
import os
import random
import struct

# The seven indicator strings of rules/nkminer_monero.yar, as bytes (YARA escapes resolved).
INDICATORS = {
    "a": b"82e999fb-a6e0-4094-aa1f-1a306069d1a5",
    "b": b"4JUdGzvrMFDWrUUwY3toJATSeNwjn54LkCnKBPRzDuhzi5vSepHfUckJNxRL2gjkNrSqtCoRUrEDAgRwsQvVCjZbRy5YeFCqgoUMnzumvS",
    "c": b"barjuok.ryongnamsan.edu.kp",
    "d": b"C:\\SoftwaresInstall\\soft",
    "e": b"C:\\Windows\\Sys64\\intelservice.exe",
    "f": b"C:\\Windows\\Sys64\\updater.exe",
    "g": b"C:\\Users\\Jawhar\\documents\\",
}


def utf16le(b):
    return b.decode("latin-1").encode("utf-16-le")


def utf16be(b):
    return b.decode("latin-1").encode("utf-16-be")


def random_case(b, rng):
    return bytes(c ^ 0x20 if chr(c).isalpha() and rng.random() < 0.5 else c for c in b)


def noise(rng, n):
    # Random bytes without letters, so no accidental indicator can appear.
    return bytes(rng.choice(b"\x00\x01\x02\x7f\x80\x90\xff-_.:;!#") for _ in range(n))


def fake_pe(payload, rng):
    """A minimal PE-looking installer: MZ header, e_lfanew, PE signature, one section, payload
    in the section data, plus a VB6-style runtime import name like the real installer's."""
    dos = bytearray(b"MZ" + bytes(58) + struct.pack("<I", 0x80))
    dos += noise(rng, 0x80 - len(dos))
    pe = b"PE\x00\x00" + struct.pack("<HHIIIHH", 0x14C, 1, 0x5A000000, 0, 0, 0xE0, 0x0102)
    optional = struct.pack("<H", 0x10B) + bytes(0xE0 - 2)
    section = b".text\x00\x00\x00" + struct.pack("<IIIIIIHHI", 0x1000, 0x1000, 0x1000, 0x200, 0, 0, 0, 0, 0x60000020)
    body = bytes(dos) + pe + optional + section
    body += bytes(0x200 - len(body) % 0x200)
    return body + noise(rng, 512) + b"MSVBVM60.DLL\x00" + noise(rng, 64) + payload + noise(rng, 1024)


def build(rng):
    hits, misses = [], []
    for key, s in INDICATORS.items():
        hits.append((f"{key}_ascii_middle", noise(rng, 3000) + s + noise(rng, 3000), f"${key} ASCII inside random bytes"))
        hits.append((f"{key}_wide", noise(rng, 1000) + utf16le(s) + noise(rng, 1000), f"${key} UTF-16LE"))
        hits.append((f"{key}_random_case", noise(rng, 500) + random_case(s, rng) + noise(rng, 500), f"${key} random case"))
        hits.append((f"{key}_wide_random_case", utf16le(random_case(s, rng)) + noise(rng, 100), f"${key} UTF-16LE, random case, at the start"))
        hits.append((f"{key}_at_start", s + noise(rng, 200), f"${key} at offset 0"))
        hits.append((f"{key}_at_end", noise(rng, 200) + s, f"${key} ending at the last byte"))
        mid = len(s) // 2
        changed = s[:mid] + bytes([s[mid] ^ 0x01 if s[mid] ^ 0x01 != s[mid] ^ 0x20 else s[mid] ^ 0x02]) + s[mid + 1:]
        misses.append((f"{key}_one_char_changed", noise(rng, 300) + changed + noise(rng, 300), f"${key} with one character changed"))
        misses.append((f"{key}_truncated", noise(rng, 300) + s[:-1] + noise(rng, 300), f"${key} missing its last character"))
        # Framed by non-NUL bytes: UTF-16BE read one byte later is UTF-16LE, which must match.
        misses.append((f"{key}_utf16be", noise(rng, 300) + b"\x01" + utf16be(s) + b"\x01" + noise(rng, 300), f"${key} in UTF-16BE"))
        misses.append((f"{key}_split_by_byte", noise(rng, 300) + s[:mid] + b"\x00" + s[mid:] + noise(rng, 300), f"${key} split by a NUL byte"))
    installer = b"".join(INDICATORS[k] + noise(rng, 50) for k in "cdef") + utf16le(INDICATORS["b"]) + b" -p KJU"
    hits.append(("fake_pe_installer", fake_pe(installer, rng), "fake PE installer holding the pool host, paths and the wallet (UTF-16LE)"))
    hits.append(("all_together", b"".join(noise(rng, 100) + v for v in INDICATORS.values()), "all seven indicators in one file"))
    misses.append(("fake_pe_clean", fake_pe(b"C:\\Program Files\\Vendor\\setup.exe pool.example.org", rng), "a fake PE with benign strings"))
    misses.append(("empty", b"", "an empty file"))
    return hits, misses


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    hits, misses = build(random.Random(args.seed))
    rows = []
    for folder, items, expected in (("hit", hits, "match"), ("miss", misses, "no-match")):
        os.makedirs(os.path.join(args.out, folder), exist_ok=True)
        for name, data, desc in items:
            path = os.path.join(folder, name + ".bin")
            with open(os.path.join(args.out, path), "wb") as f:
                f.write(data)
            rows.append(f"{path}\t{expected}\t{desc}")
    with open(os.path.join(args.out, "MANIFEST.tsv"), "w") as f:
        f.write("file\texpected\tdescription\n" + "\n".join(rows) + "\n")
    print(f"{len(hits)} samples that must match, {len(misses)} that must not, in {args.out}")


if __name__ == "__main__":
    main()
