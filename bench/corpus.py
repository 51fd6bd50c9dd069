#!/usr/bin/env python3
"""Builds the benchmark corpus from real files on this machine, deterministically.

Selects regular files under /usr/bin, /usr/lib/x86_64-linux-gnu and /usr/share (one path per
inode, ordered by a hash of the path, up to a byte quota per root), writes the list to
OUT/corpus.txt, and writes OUT/big.bin: a single file of --big-mib MiB made by concatenating
corpus files in list order. Rerunning on the same machine gives the same selection.

usage: corpus.py OUT_DIR [--mib 1024] [--big-mib 1024]
"""
import argparse
import hashlib
import os
import stat

ROOTS = [("/usr/bin", 0.25), ("/usr/lib/x86_64-linux-gnu", 0.45), ("/usr/share", 0.30)]
MAX_FILE = 64 << 20  # one huge file should not dominate the corpus


def candidates(root):
    seen = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            path = os.path.join(dirpath, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode) or st.st_size == 0 or st.st_size > MAX_FILE:
                continue
            if (st.st_dev, st.st_ino) in seen or not os.access(path, os.R_OK):
                continue
            seen.add((st.st_dev, st.st_ino))
            yield hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest(), path, st.st_size


def select(total_bytes):
    chosen = []
    for root, share in ROOTS:
        quota = int(total_bytes * share)
        for _, path, size in sorted(candidates(root)):
            if size > quota:
                continue
            chosen.append((path, size))
            quota -= size
    return chosen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mib", type=int, default=1024)
    ap.add_argument("--big-mib", type=int, default=1024)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    chosen = select(args.mib << 20)
    with open(os.path.join(args.out, "corpus.txt"), "w", encoding="utf-8", errors="surrogateescape") as f:
        for path, _ in chosen:
            f.write(path + "\n")
    big = os.path.join(args.out, "big.bin")
    want = args.big_mib << 20
    if not (os.path.exists(big) and os.path.getsize(big) == want):
        with open(big, "wb") as out:
            left = want
            while left > 0:
                for path, _ in chosen:
                    with open(path, "rb") as f:
                        chunk = f.read(left)
                    out.write(chunk)
                    left -= len(chunk)
                    if left <= 0:
                        break
    print(f"{len(chosen)} files, {sum(s for _, s in chosen) / 2**20:.0f} MiB; big file {want >> 20} MiB")


if __name__ == "__main__":
    main()
