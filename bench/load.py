#!/usr/bin/env python3
"""Load test: (1) a tree of many small files scanned with `-r` by yarrow and yara, (2) a
multi-GB event log hunted by `yarrow hunt`. Reports wall time and peak RSS of each run
(GNU time's %M) and writes a markdown table for bench/RESULTS.md ("Load").

Disk: the tree takes about (files x 4 KiB) of blocks plus inodes (1M files: ~4 GiB, 1M inodes);
the log takes --log-gb. Both are written under --dir (default: /dev/shm, a tmpfs, when it
exists: creating a million files on a disk is 10x slower; else /tmp) and removed afterwards
unless --keep. Free space and inodes are checked first.

Usage: bench/load.py --yarrow build/yarrow [--yara /usr/bin/yara] [--files 1000000]
                     [--log-gb 2] [--threads 2] [--dir DIR] [--keep] [--skip-tree|--skip-log]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULE = ROOT / "rules" / "nkminer_monero.yar"
POLICY = ROOT / "policies" / "nkminer_monero.toml"
FILES_PER_DIR = 1000


def free_ok(path: Path, need_bytes: int, need_inodes: int) -> str | None:
    st = os.statvfs(path)
    free = st.f_bavail * st.f_frsize
    if free < need_bytes * 1.2:
        return f"{path}: {free >> 30} GiB free, need about {need_bytes >> 30} GiB"
    if st.f_favail and st.f_favail < need_inodes * 1.2:
        return f"{path}: {st.f_favail} inodes free, need about {need_inodes}"
    return None


def make_tree(root: Path, files: int) -> None:
    """Small files (64..2048 bytes) in directories of FILES_PER_DIR; 1 in 10000 holds the pool
    domain so there is something to find."""
    rng = random.Random(1)
    payloads = [bytes(rng.getrandbits(8) for _ in range(2048)) for _ in range(16)]
    marker = b"barjuok.ryongnamsan.edu.kp"
    for i in range(files):
        d = root / f"d{i // FILES_PER_DIR:05d}"
        if i % FILES_PER_DIR == 0:
            d.mkdir(parents=True)
        data = payloads[i % 16][: 64 + (i * 37) % 1985]
        if i % 10000 == 0:
            data = data[:32] + marker + data[32:]
        fd = os.open(d / f"f{i:07d}.bin", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, data)
        os.close(fd)


def make_log(path: Path, gib: float, tmp: Path) -> int:
    """Concatenates the JSON-lines test log (events with the attack and benign scenarios) up to
    `gib` GiB; returns the number of lines."""
    logs = tmp / "seed-logs"
    subprocess.run([sys.executable, str(ROOT / "tests" / "logs" / "gen_logs.py"), str(logs)],
                   check=True, stdout=subprocess.DEVNULL)
    chunk = (logs / "sentinel_defender.jsonl").read_bytes()
    if not chunk.endswith(b"\n"):
        chunk += b"\n"
    shutil.rmtree(logs)
    target = int(gib * (1 << 30))
    lines = 0
    block = chunk * max(1, (64 << 20) // len(chunk))
    block_lines = block.count(b"\n")
    with open(path, "wb") as f:
        written = 0
        while written < target:
            f.write(block)
            written += len(block)
            lines += block_lines
    return lines


def timed(cmd: list[str], cwd: Path | None = None) -> dict:
    """Runs cmd under GNU time; wall seconds, peak RSS (MiB), exit status, stdout line count."""
    start = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M", *cmd], cwd=cwd,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.monotonic() - start
    m = re.search(rb"TIME ([\d.]+) (\d+)", p.stderr)
    rss = int(m.group(2)) / 1024 if m else float("nan")
    return {"wall": wall, "rss_mib": rss, "status": p.returncode,
            "lines": p.stdout.count(b"\n"), "stderr": p.stderr[-300:]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--yarrow", required=True)
    ap.add_argument("--yara", default=shutil.which("yara") or "/usr/bin/yara")
    ap.add_argument("--files", type=int, default=1_000_000)
    ap.add_argument("--log-gb", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dir", type=Path)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--skip-tree", action="store_true")
    ap.add_argument("--skip-log", action="store_true")
    opts = ap.parse_args()
    yarrow = str(Path(opts.yarrow).resolve())

    if opts.dir is None and os.access("/dev/shm", os.W_OK):
        opts.dir = Path("/dev/shm")
    base = Path(tempfile.mkdtemp(prefix="yarrow-load-", dir=opts.dir))
    rows = []
    try:
        if not opts.skip_tree:
            problem = free_ok(base, opts.files * 4096, opts.files + opts.files // FILES_PER_DIR)
            if problem:
                print(f"tree skipped: {problem}", file=sys.stderr)
            else:
                tree = base / "tree"
                t0 = time.monotonic()
                make_tree(tree, opts.files)
                print(f"tree: {opts.files} files written in {time.monotonic() - t0:.0f} s",
                      flush=True)
                subprocess.run(["sync"])
                # Warm the dentry/inode caches the same way for both tools: one walk first.
                subprocess.run(["find", str(tree), "-type", "f", "-name", "x"],
                               stdout=subprocess.DEVNULL)
                for tool, cmd in [
                    ("yarrow", [yarrow, "scan", "-r", "-p", str(opts.threads), str(RULE), str(tree)]),
                    ("yara", [opts.yara, "-r", "-p", str(opts.threads), str(RULE), str(tree)]),
                ]:
                    r = timed(cmd)
                    print(f"tree {tool}: {r['wall']:.1f} s, {r['rss_mib']:.0f} MiB, "
                          f"status {r['status']}, {r['lines']} matches", flush=True)
                    rows.append((f"`-r -p {opts.threads}` over {opts.files:,} small files", tool, r))
                shutil.rmtree(tree)
        if not opts.skip_log:
            need = int(opts.log_gb * (1 << 30))
            problem = free_ok(base, need, 10)
            if problem:
                print(f"log skipped: {problem}", file=sys.stderr)
            else:
                log = base / "big.jsonl"
                lines = make_log(log, opts.log_gb, base)
                size = log.stat().st_size
                print(f"log: {size / (1 << 30):.2f} GiB, {lines:,} events", flush=True)
                subprocess.run(["cat", str(log)], stdout=subprocess.DEVNULL)  # page cache, once
                r = timed([yarrow, "hunt", "-r", str(RULE), "-p", str(POLICY), "-o", "json",
                           str(log)])
                print(f"hunt: {r['wall']:.1f} s, {r['rss_mib']:.0f} MiB, status {r['status']}, "
                      f"{r['lines']} output lines", flush=True)
                rows.append((f"`hunt` of a {size / (1 << 30):.1f} GiB JSON-lines log "
                             f"({lines:,} events)", "yarrow", r))
                log.unlink()
    finally:
        if not opts.keep:
            shutil.rmtree(base, ignore_errors=True)

    print("\n| workload | tool | wall (s) | peak RSS (MiB) | exit | output lines |")
    print("|---|---|---|---|---|---|")
    for what, tool, r in rows:
        print(f"| {what} | {tool} | {r['wall']:.1f} | {r['rss_mib']:.0f} | {r['status']} | "
              f"{r['lines']} |")
    return 0 if all(r["status"] == 0 for _, _, r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
