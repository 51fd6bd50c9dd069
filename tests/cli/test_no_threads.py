"""yarrow without threads: every pthread_create fails (an LD_PRELOAD shim, as under a thread
limit), and a scan that would use them (a large rule file parsed on a second thread, MZ-gated
strings whose databases compile side by side, -p 3 over a directory and a scan list) must
still give yara's answer, on one thread, instead of dying on an uncaught std::system_error.

usage: test_no_threads.py --yarrow build/yarrow --shim build/.../libno_threads_shim.so [--yara yara]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

TIMEOUT_S = 300


def make_rules(path: Path, rng: random.Random) -> None:
    """More than 256 KiB of rules (the parser then gets a thread of its own), 750 of them gated
    by an MZ header (500 strings or more make a database of their own)."""
    out = []
    for i in range(3000):
        token = f"tok{i:05d}"
        if i % 4 == 0:
            out.append(f'rule mz_{i} {{ strings: $a = "{token}mz" $b = {{ 4D 5A ?? ?? {i % 256:02X} }}'
                       f" condition: uint16(0) == 0x5a4d and ($a or #b > 2) }}")
        elif i % 4 == 1:
            out.append(f'rule re_{i} {{ strings: $r = /{token}[0-9]{{2,4}}z/ wide ascii'
                       f" condition: $r }}")
        else:
            out.append(f'rule tx_{i} {{ meta: n = {i} strings: $t = "{token}" nocase'
                       f' $u = "{token}-long-tail-text" condition: any of them }}')
    text = "\n".join(out) + "\n"
    assert len(text) > 256 * 1024, len(text)
    path.write_text(text)


def make_targets(folder: Path, rng: random.Random) -> list[Path]:
    folder.mkdir()
    files = []
    for k in range(40):
        data = bytearray(rng.randbytes(rng.randrange(2000, 60000)))
        if k % 3 == 0:
            data[0:2] = b"MZ"
        for _ in range(rng.randrange(1, 6)):
            i = rng.randrange(3000)
            planted = rng.choice([f"tok{i:05d}mz", f"TOK{i:05d}", f"tok{i:05d}123z",
                                  f"tok{i:05d}-long-tail-text"]).encode()
            if rng.random() < 0.3:
                planted = b"".join(bytes([c, 0]) for c in planted)
            at = rng.randrange(2, len(data) - len(planted))
            data[at:at + len(planted)] = planted
        p = folder / f"t{k:02d}.bin"
        p.write_bytes(bytes(data))
        files.append(p)
    return files


def run(cmd, env=None):
    return subprocess.run([str(c) for c in cmd], capture_output=True, timeout=TIMEOUT_S, env=env)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--yarrow", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--yara", default="yara")
    args = ap.parse_args()
    no_threads = dict(os.environ, LD_PRELOAD=str(Path(args.shim).resolve()))

    # The shim works: a program that starts a thread is refused one.
    probe = run([sys.executable, "-c", "import threading; threading.Thread(target=print).start()"],
                env=no_threads)
    if probe.returncode == 0 or b"can't start new thread" not in probe.stderr:
        print("FAIL: the shim does not stop threads:", probe.stderr.decode()[-300:])
        return 1

    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        rng = random.Random(20261124)
        rules = tmp / "rules.yar"
        make_rules(rules, rng)
        files = make_targets(tmp / "targets", rng)
        listing = tmp / "list.txt"
        listing.write_text("".join(f"{p}\n" for p in files))
        reference = run([args.yara, "-p", "3", "-r", rules, tmp / "targets"])
        expected = sorted(reference.stdout.decode().splitlines())
        if reference.returncode != 0 or len(expected) < 20:
            print("FAIL: the reference yara run:", reference.returncode, len(expected),
                  reference.stderr.decode()[-300:])
            return 1
        cases = [["-p", "3", "-r", rules, tmp / "targets"],
                 ["-p", "3", "--scan-list", rules, listing],
                 ["-p", "1", "-r", rules, tmp / "targets"]]
        for extra in cases:
            for label, env in (("threads", None), ("no threads", no_threads)):
                got = run([args.yarrow, "scan", *extra], env=env)
                lines = sorted(got.stdout.decode().splitlines())
                if got.returncode != 0 or lines != expected or got.stderr:
                    failures += 1
                    print(f"FAIL ({label}) yarrow scan {' '.join(map(str, extra[:-2]))}: "
                          f"exit {got.returncode}, {len(lines)} lines vs {len(expected)}; "
                          f"stderr: {got.stderr.decode()[-300:]}")
    print(f"{'FAIL' if failures else 'ok'}: {len(cases) * 2} runs, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
