#!/usr/bin/env python3
"""yarrow scan vs yara on a sparse 5 GiB file (label slow: yara reads the 5 GiB of zeros in
about a minute). Strings past 4 GiB must be found as yara finds them, conditions that read
there must agree, and -z must skip the file without reading it. yarrow must not be much slower
than yara, nor crash. Needs a filesystem with sparse files (the work directory is in /tmp).
Usage: test_odd_files_big.py --yarrow build/yarrow [--yara /usr/bin/yara]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RULES = """
rule string_past_4g { strings: $a = "abc" condition: $a }
rule byte_past_4g { condition: uint8(4294967300) == 0x61 }
rule size_past_4g { condition: filesize > 4294967296 }
rule tail_string { strings: $t = "tail" condition: $t at filesize - 4 }
"""
SIZE = 5 << 30


def run(cmd, cwd):
    t0 = time.monotonic()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=1200)
    return p, time.monotonic() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--yarrow", required=True)
    ap.add_argument("--yara", default=shutil.which("yara") or "/usr/bin/yara")
    opts = ap.parse_args()
    yarrow = str(Path(opts.yarrow).resolve())
    failures = []
    with tempfile.TemporaryDirectory(prefix="yarrow-sparse-") as tmp:
        work = Path(tmp)
        (work / "r.yar").write_text(RULES)
        big = work / "sparse.bin"
        with open(big, "wb") as f:
            f.truncate(SIZE)
            f.seek(4294967300)
            f.write(b"abc")
            f.seek(SIZE - 4)
            f.write(b"tail")
        if os.stat(big).st_blocks * 512 > (64 << 20):
            print("skip: this filesystem does not keep the file sparse")
            return 0
        ref, t_ref = run([opts.yara, "-s", "r.yar", "sparse.bin"], work)
        mine, t_mine = run([yarrow, "scan", "-s", "r.yar", "sparse.bin"], work)
        print(f"yara {t_ref:.1f} s, yarrow {t_mine:.1f} s")
        if mine.returncode != ref.returncode:
            failures.append(f"exit status: yara {ref.returncode}, yarrow {mine.returncode}: "
                            f"{mine.stderr[-400:]!r}")
        if sorted(mine.stdout.splitlines()) != sorted(ref.stdout.splitlines()):
            failures.append(f"stdout differs:\nyara:\n{ref.stdout.decode()}\n"
                            f"yarrow:\n{mine.stdout.decode()}")
        if t_mine > 2 * t_ref + 10:
            failures.append(f"yarrow took {t_mine:.0f} s, yara {t_ref:.0f} s")
        # -z over a directory: skipped from its size, not read.
        ref, _ = run([opts.yara, "-z", "1048576", "-r", "r.yar", "."], work)
        mine, t_skip = run([yarrow, "scan", "-z", "1048576", "-r", "r.yar", "."], work)
        if (mine.stdout, mine.stderr, mine.returncode) != (ref.stdout, ref.stderr, ref.returncode):
            failures.append(f"-z: yara {ref.stdout!r} {ref.stderr!r} {ref.returncode}, "
                            f"yarrow {mine.stdout!r} {mine.stderr!r} {mine.returncode}")
        if t_skip > 5:
            failures.append(f"-z took {t_skip:.1f} s: the file was read")
    for f in failures:
        print("FAIL " + f)
    print(f"{'FAILED' if failures else 'ok'}: sparse 5 GiB file")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
