#!/usr/bin/env python3
"""yarrow scan vs yara on odd targets: unreadable files and directories (run as an unprivileged
user through setpriv when the tests run as root, since root reads everything), FIFOs, sockets
and devices (directly, in a directory with and without -r, in a scan list), symlink loops,
file names that are not UTF-8 (text output byte for byte, JSON escaped and lossless), a file
that shrinks while it is scanned, and processes that exit while they are scanned.

Where yara hangs (a FIFO given directly or in a scan list: its open() blocks forever), yarrow
must not: those checks judge yarrow alone (an error for that target, exit status as for an
unopenable file). Usage: test_odd_files.py --yarrow build/yarrow [--yara /usr/bin/yara] [-k NAME]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Run, diff, execute, write  # noqa: E402

RULES = """
rule has_abc { strings: $a = "abc" condition: $a }
rule empty { condition: filesize == 0 }
"""
# Touches every byte through a condition loop: slow enough to truncate the file meanwhile.
SLOW_RULES = """
rule slow { strings: $a = "abc" condition: $a or for all i in (0..filesize - 1) : (uint8(i) < 0x100) }
"""

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
HANG_S = 60.0  # generous: ASan builds on a loaded machine start slowly


class Checks:
    def __init__(self, yara: str, yarrow: str, work: Path, only: str | None, verbose: bool):
        self.yara, self.yarrow, self.work = yara, yarrow, work
        self.only, self.verbose = only, verbose
        self.ran = self.failed = self.skipped = 0

    def want(self, name: str) -> bool:
        return not self.only or self.only in name

    def report(self, name: str, problem: str | None) -> None:
        self.ran += 1
        if problem:
            self.failed += 1
            print(f"FAIL {name}\n{problem}\n")
        elif self.verbose:
            print(f"ok   {name}")

    def skip(self, name: str, why: str) -> None:
        if self.want(name):
            self.skipped += 1
            print(f"skip {name}: {why}")

    def run(self, prefix: list[str], args: list[str], timeout: float = 60.0) -> tuple[Run, Run]:
        ref = self.run_one(prefix + [self.yara, *args], timeout)
        mine = self.run_one(prefix + [self.yarrow, "scan", *args], timeout)
        return ref, mine

    def run_one(self, cmd: list[str], timeout: float = 60.0) -> Run:
        try:
            p = subprocess.run(cmd, cwd=self.work, input=b"", capture_output=True, timeout=timeout)
            return Run(p.stdout, p.stderr, p.returncode)
        except subprocess.TimeoutExpired as e:
            return Run(e.stdout or b"", b"TIMEOUT", -999)

    def compare(self, name: str, *args: str, prefix: list[str] | None = None, sort: bool = True,
                extra=None) -> None:
        """Same stdout (sorted lines: thread order) and exit status as yara."""
        if not self.want(name):
            return
        ref, mine = self.run(prefix or [], list(args))
        problems = []
        if mine.status < 0 or mine.status >= 128:
            problems.append(f"yarrow crashed or hung (status {mine.status})")
        if ref.status != mine.status:
            problems.append(f"exit status: yara {ref.status}, yarrow {mine.status}")
        a = sorted(ref.stdout.split(b"\n")) if sort else ref.stdout.split(b"\n")
        b = sorted(mine.stdout.split(b"\n")) if sort else mine.stdout.split(b"\n")
        if a != b:
            problems.append("stdout differs:\n" + diff(ref.stdout, mine.stdout, sort))
        if extra:
            msg = extra(ref, mine)
            if msg:
                problems.append(msg)
        if problems:
            problems.append(f"yara stderr: {ref.stderr[-400:]!r}\nyarrow stderr: {mine.stderr[-400:]!r}")
        self.report(name, "\n".join(problems) or None)

    def alone(self, name: str, args: list[str], judge, prefix: list[str] | None = None,
              timeout: float = HANG_S) -> None:
        """yarrow only (yara has no usable behaviour here): `judge(run)` says what is wrong."""
        if not self.want(name):
            return
        mine = self.run_one((prefix or []) + [self.yarrow, "scan", *args], timeout)
        if mine.status == -999:
            self.report(name, f"yarrow hung (> {timeout} s)")
        elif mine.status < 0 or mine.status >= 128:
            self.report(name, f"yarrow crashed (status {mine.status}): {mine.stderr[-600:]!r}")
        else:
            self.report(name, judge(mine))


def stderr_has(text: bytes):
    def judge(ref: Run, mine: Run) -> str | None:
        return None if text in mine.stderr else f"yarrow stderr lacks {text!r}: {mine.stderr[-400:]!r}"
    return judge


def error_for(path: str, status: int):
    def judge(run: Run) -> str | None:
        if run.status != status:
            return f"exit status {run.status}, expected {status}; stderr {run.stderr[-400:]!r}"
        want = f"error scanning {path}: could not open file".encode()
        if want not in run.stderr:
            return f"stderr lacks {want!r}: {run.stderr[-400:]!r}"
        return None
    return judge


def setup(work: Path) -> None:
    write(work / "r.yar", RULES)
    write(work / "slow.yar", SLOW_RULES)
    d = work / "d"
    write(d / "plain.bin", b"xxabcxx")
    write(d / "locked.bin", b"xxabcxx")
    write(d / "noexec" / "inner.bin", b"abc")
    write(d / "noread" / "inner.bin", b"abc")
    os.mkfifo(d / "fifo")
    os.symlink("fifo", d / "link_to_fifo")
    os.symlink("/dev/zero", d / "link_to_zero")
    os.symlink("/dev/null", d / "link_to_null")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(d / "sock"))  # the file stays after close: a socket inode nobody listens on
    sock.close()
    # Symlink loops: to itself, between two links, and a directory loop.
    os.symlink("self", d / "self")
    os.symlink("pong", d / "ping")
    os.symlink("ping", d / "pong")
    write(work / "loopdir" / "a" / "x.bin", b"abc")
    os.symlink("..", work / "loopdir" / "a" / "up")
    # Names that are not UTF-8, and ones full of characters that need escaping.
    n = work / "names"
    for raw in [b"latin1-\xe9t\xe9.bin", b"bad-\xff\xfe.bin", b"truncated-\xe2\x82.bin",
                b"tab\tnl\nquote\"back\\.bin", b"ok-\xc3\xa9.bin"]:
        write(Path(os.fsdecode(os.fsencode(n) + b"/" + raw)), b"abc")
    write(work / "list_odd", "d/plain.bin\nd/fifo\nd/sock\n/dev/null\nmissing\n")
    for size in (6, 7, 8):
        write(work / "zdir" / f"s{size}.bin", b"abc".ljust(size, b"."))
    write(work / "zdir" / "empty.bin", b"")
    write(work / "zlist", "zdir/s8.bin\nzdir\n")
    # Unreadable by an unprivileged user (root ignores modes: see the setpriv prefix).
    os.chmod(d / "locked.bin", 0)
    os.chmod(d / "noexec", 0o644)
    os.chmod(d / "noread", 0o311)
    # The work tree must be reachable by that user.
    for p in [work, d, n, work / "loopdir"]:
        os.chmod(p, 0o755)
    for p in [work / "r.yar", work / "list_odd"]:
        os.chmod(p, 0o644)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--yarrow", required=True)
    parser.add_argument("--yara", default=shutil.which("yara") or "/usr/bin/yara")
    parser.add_argument("-k", dest="only")
    parser.add_argument("-v", dest="verbose", action="store_true")
    opts = parser.parse_args()
    yarrow = str(Path(opts.yarrow).resolve())
    if not Path(opts.yara).exists():
        print(f"yara not found at {opts.yara}", file=sys.stderr)
        return 1

    with tempfile.TemporaryDirectory(prefix="yarrow-odd-") as tmp:
        work = Path(tmp)
        setup(work)
        c = Checks(opts.yara, yarrow, work, opts.only, opts.verbose)

        # --- Unreadable files and directories.
        if os.geteuid() == 0 and shutil.which("setpriv"):
            unpriv = NOBODY
        elif os.geteuid() == 0:
            unpriv = None
        else:
            unpriv = []  # modes already apply to us
        if unpriv is None:
            for name in ["unreadable_file", "unreadable_tree", "unreadable_list"]:
                c.skip(name, "running as root without setpriv: permissions can't be denied")
        else:
            c.compare("unreadable_file", "r.yar", "d/locked.bin", prefix=unpriv,
                      extra=stderr_has(b"could not open file"))
            c.compare("unreadable_file_in_noexec_dir", "r.yar", "d/noexec/inner.bin", prefix=unpriv)
            c.compare("unreadable_tree", "-r", "r.yar", "d", prefix=unpriv)
            c.compare("unreadable_tree_p1", "-r", "-p", "1", "r.yar", "d", prefix=unpriv)
            c.compare("unreadable_dir_target", "-r", "r.yar", "d/noread", prefix=unpriv)
            c.compare("unreadable_noexec_dir_target", "-r", "r.yar", "d/noexec", prefix=unpriv)

        # --- FIFOs, sockets, devices. yara skips non-regular files in a directory walk.
        c.compare("fifo_in_dir", "r.yar", "d")
        c.compare("fifo_in_dir_recursive", "-r", "r.yar", "d")
        c.compare("fifo_in_dir_no_follow", "-r", "-N", "r.yar", "d")
        # yara blocks forever in open() on a FIFO target; yarrow reports it unopenable.
        c.alone("fifo_target", ["r.yar", "d/fifo"], error_for("d/fifo", 1))
        c.alone("fifo_symlink_target", ["r.yar", "d/link_to_fifo"], error_for("d/link_to_fifo", 1))
        c.alone("fifo_in_scan_list", ["--scan-list", "r.yar", "list_odd"],
                lambda r: error_for("d/fifo", 0)(r) or
                (None if b"has_abc d/plain.bin" in r.stdout and b"empty /dev/null" in r.stdout
                 else f"other list entries not scanned: {r.stdout!r}"))
        c.alone("fifo_json", ["--output", "json", "r.yar", "d/fifo"],
                lambda r: None if json.loads(r.stdout.splitlines()[-1])["errors"] == 1
                else f"summary should count 1 error: {r.stdout!r}")
        c.compare("socket_target", "r.yar", "d/sock")
        c.compare("dev_null_target", "r.yar", "/dev/null")
        c.compare("dev_zero_target", "r.yar", "/dev/zero")
        c.compare("dev_symlinks_in_dir", "-r", "r.yar", "d")

        # --- -z: directories (and directories named in a scan list) only; >= is "larger".
        for z in ["0", "1", "6", "7", "8", "0x7", "-1", "99999999999999999999"]:
            c.compare(f"skip_larger_{z}", "-z", z, "-r", "r.yar", "zdir",
                      extra=lambda ref, mine: None if sorted(ref.stderr.splitlines()) ==
                      sorted(mine.stderr.splitlines()) else "the skip notes (stderr) differ")
        c.compare("skip_larger_single_file", "-z", "1", "r.yar", "zdir/s8.bin")
        c.compare("skip_larger_scan_list", "-z", "7", "--scan-list", "r.yar", "zlist")
        c.compare("skip_larger_bad_number", "-z", "5k", "-r", "r.yar", "zdir")

        # --- Symlink loops (the directory loop is also in test_targets.py).
        c.compare("self_symlink_target", "r.yar", "d/self")
        c.compare("mutual_symlink_target", "r.yar", "d/ping")
        c.compare("dir_loop_follow", "-r", "r.yar", "loopdir")
        c.compare("dir_loop_no_follow", "-r", "-N", "r.yar", "loopdir")

        # --- Names that are not UTF-8: text output byte for byte as yara prints them.
        c.compare("odd_names_recursive", "-r", "-s", "r.yar", "names")
        raw_name = os.fsdecode(b"names/bad-\xff\xfe.bin")
        c.compare("odd_name_target", "-s", "r.yar", raw_name, sort=False)

        def json_lossless(run: Run) -> str | None:
            want = {b"latin1-\xe9t\xe9.bin", b"bad-\xff\xfe.bin", b"truncated-\xe2\x82.bin",
                    b"tab\tnl\nquote\"back\\.bin", b"ok-\xc3\xa9.bin"}
            got = set()
            for line in run.stdout.decode("utf-8").splitlines():  # must be UTF-8 throughout
                obj = json.loads(line)
                if obj["type"] != "finding":
                    continue
                f = obj["file"]
                if f.get("path_base64") is None:
                    raw = f["path"].encode("utf-8")
                else:
                    raw = base64.b64decode(f["path_base64"])
                    if raw.decode("utf-8", "replace") != f["path"]:
                        return f"path and path_base64 disagree: {f!r}"
                got.add(raw.rsplit(b"/", 1)[-1])
            return None if got == want else f"names: want {sorted(want)}, got {sorted(got)}"
        c.alone("odd_names_json", ["-r", "--output", "json", "r.yar", "names"], json_lossless)

        # --- A file that shrinks while it is scanned: yara reports an error for it ("error: 4")
        # and goes on; yarrow must not die of SIGBUS (src/scan's fault guard; fuzz-findings #5).
        name = "file_shrinks_mid_scan"
        if c.want(name):
            big = work / "shrink.bin"
            with open(big, "wb") as f:
                f.write(os.urandom(1 << 20) * 64)
            p = subprocess.Popen([yarrow, "scan", "slow.yar", str(big)], cwd=work,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(0.5)
            os.truncate(big, 1000)
            try:
                out, err = p.communicate(timeout=600)
            except subprocess.TimeoutExpired:
                p.kill()
                out, err = p.communicate()
            # Under ASan the fault is reported by ASan's handler, which then aborts.
            if p.returncode == -signal.SIGBUS or b"AddressSanitizer: BUS" in err:
                c.report(name, "yarrow died of SIGBUS (no fault guard around mapped data)")
            elif p.returncode < 0:
                c.report(name, f"yarrow died of signal {-p.returncode}")
            else:
                # 1 with an error for the file, as yara; 0 if the scan won the race.
                c.report(name, None if p.returncode in (0, 1)
                         else f"exit status {p.returncode}: {err[-400:]!r}")
                if c.verbose:
                    print(f"     status {p.returncode}, stderr {err[-200:]!r}")

        # --- --max-process-memory: bytes read per process are capped, with a warning.
        name = "process_memory_cap"
        if c.want(name):
            child = subprocess.Popen([sys.executable, "-c",
                                      "import sys, time; x = bytearray(b'q' * (32 << 20)); "
                                      "print('ready', flush=True); time.sleep(60)"],
                                     stdout=subprocess.PIPE)
            try:
                child.stdout.readline()
                base = ["--no-progress", "--output", "json", "--pid", str(child.pid), "r.yar"]
                capped = c.run_one([yarrow, "scan", "--max-process-memory", "65536", *base], 120)
                whole = c.run_one([yarrow, "scan", *base], 120)
            finally:
                child.kill()
                child.wait()
            problems = []

            def scanned(r: Run) -> int:
                return json.loads(r.stdout.splitlines()[-1])["bytes_scanned"] if r.stdout else -1
            if capped.status != 0 or not 0 < scanned(capped) <= 65536:
                problems.append(f"capped: status {capped.status}, bytes {scanned(capped)}")
            if b"--max-process-memory reached" not in capped.stderr:
                problems.append(f"capped: no warning: {capped.stderr[-300:]!r}")
            if whole.status != 0 or scanned(whole) < (32 << 20):
                problems.append(f"whole: status {whole.status}, bytes {scanned(whole)}")
            if b"--max-process-memory" in whole.stderr:
                problems.append("whole: cap warning without a cap")
            c.report(name, "\n".join(problems) or None)
        c.alone("process_memory_cap_bad_number", ["--max-process-memory", "lots", "r.yar", "1"],
                lambda r: None if r.status == 1 else f"exit status {r.status}")

        # --- Processes that exit while they are scanned (the /proc race).
        name = "process_exits_mid_scan"
        if c.want(name):
            churn = subprocess.Popen(
                ["sh", "-c", "while :; do sleep 0.01 & done"], start_new_session=True)
            try:
                short = [subprocess.Popen([sys.executable, "-c",
                                           "import time; x = bytearray(64 << 20); time.sleep(0.3)"])
                         for _ in range(4)]
                time.sleep(0.1)
                args = ["--no-progress", "--max-process-memory", str(16 << 20)]
                for s in short:
                    args += ["--pid", str(s.pid)]
                mine = c.run_one([yarrow, "scan", *args, "r.yar"], timeout=120)
                all_mine = c.run_one([yarrow, "scan", "--all-processes", "--max-process-memory",
                                      str(1 << 20), "-p", "2", "r.yar"], timeout=300)
            finally:
                os.killpg(churn.pid, signal.SIGKILL)
                churn.wait()
            problems = []
            for label, r in [("--pid", mine), ("--all-processes", all_mine)]:
                if r.status != 0:
                    problems.append(f"{label}: exit status {r.status}: {r.stderr[-400:]!r}")
            c.report(name, "\n".join(problems) or None)

        print(f"{c.ran - c.failed}/{c.ran} checks passed, {c.skipped} skipped")
        return 1 if c.failed or c.ran == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
