"""Differential CLI checks: run `yara ARGS` and `yarrow scan ARGS` in the same directory and
compare stdout (optionally as sorted lines) and exit status. yara 4.2.3 is the oracle; nothing
expected is stored. stderr is never compared (yarrow's wording differs), only shown on failure.

A test script builds a Suite, adds checks, and calls suite.main(); the exit status says whether
every check passed. Usage: python3 SCRIPT --yarrow build/yarrow [--yara /usr/bin/yara] [-k NAME]
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

TIMEOUT_S = 60.0


@dataclass
class Run:
    stdout: bytes
    stderr: bytes
    status: int


@dataclass
class Check:
    name: str
    args: list[str]
    sort: bool = False
    stdin: bytes | None = None
    # Extra assertion on both runs (e.g. exact status), message on failure or None.
    extra: Callable[[Run, Run], str | None] | None = None
    yarrow_only: bool = False  # no oracle: `extra` judges the yarrow run alone
    compare_stdout: bool = True  # False: `extra` compares what is comparable
    subcommand: str | None = "scan"  # None: run `yarrow ARGS` (top-level options)
    # Options of yarrow's own given to yarrow only, before `args` (e.g. --low-memory): the
    # output must still be yara's.
    yarrow_args: list[str] | None = None


@dataclass
class Suite:
    description: str
    setup: Callable[[Path], None]  # writes the fixture files into the work directory
    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, *args: str, sort: bool = False, stdin: bytes | None = None,
            extra=None, yarrow_only: bool = False, compare_stdout: bool = True,
            subcommand: str | None = "scan", yarrow_args: list[str] | None = None) -> None:
        self.checks.append(Check(name, list(args), sort, stdin, extra, yarrow_only,
                                 compare_stdout, subcommand, yarrow_args))

    def main(self) -> int:
        parser = argparse.ArgumentParser(description=self.description)
        parser.add_argument("--yarrow", required=True)
        parser.add_argument("--yara", default=shutil.which("yara") or "/usr/bin/yara")
        parser.add_argument("-k", dest="only", help="run only checks whose name contains this")
        parser.add_argument("-v", dest="verbose", action="store_true")
        opts = parser.parse_args()
        yarrow = str(Path(opts.yarrow).resolve())
        if not Path(opts.yara).exists():
            print(f"yara not found at {opts.yara}", file=sys.stderr)
            return 1

        failures = 0
        ran = 0
        with tempfile.TemporaryDirectory(prefix="yarrow-cli-") as tmp:
            work = Path(tmp)
            self.setup(work)
            for check in self.checks:
                if opts.only and opts.only not in check.name:
                    continue
                ran += 1
                problem = run_check(check, work, opts.yara, yarrow)
                if problem:
                    failures += 1
                    print(f"FAIL {check.name}: {' '.join(check.args)}\n{problem}\n")
                elif opts.verbose:
                    print(f"ok   {check.name}")
        print(f"{ran - failures}/{ran} checks passed")
        return 1 if failures or ran == 0 else 0


def execute(cmd: list[str], cwd: Path, stdin: bytes | None) -> Run:
    try:
        p = subprocess.run(cmd, cwd=cwd, input=stdin if stdin is not None else b"",
                           capture_output=True, timeout=TIMEOUT_S)
        return Run(p.stdout, p.stderr, p.returncode)
    except subprocess.TimeoutExpired as e:
        return Run(e.stdout or b"", b"TIMEOUT", -999)


def normalise(out: bytes, sort: bool) -> list[bytes]:
    lines = out.split(b"\n")
    return sorted(lines) if sort else lines


def diff(a: bytes, b: bytes, sort: bool) -> str:
    la = [l.decode("latin-1") for l in normalise(a, sort)]
    lb = [l.decode("latin-1") for l in normalise(b, sort)]
    d = list(difflib.unified_diff(la, lb, "yara", "yarrow", lineterm="", n=2))
    return "\n".join(d[:60])


def run_check(check: Check, work: Path, yara: str, yarrow: str) -> str | None:
    sub = [check.subcommand] if check.subcommand else []
    mine = execute([yarrow, *sub, *(check.yarrow_args or []), *check.args], work, check.stdin)
    if mine.status < 0 or mine.status >= 128:
        return f"yarrow crashed or hung (status {mine.status})\nstderr: {mine.stderr[-2000:]!r}"
    if check.yarrow_only:
        return check.extra(mine, mine) if check.extra else None
    ref = execute([yara, *check.args], work, check.stdin)
    problems = []
    if ref.status != mine.status:
        problems.append(f"exit status: yara {ref.status}, yarrow {mine.status}")
    if check.compare_stdout and normalise(ref.stdout, check.sort) != normalise(mine.stdout,
                                                                                check.sort):
        problems.append("stdout differs:\n" + diff(ref.stdout, mine.stdout, check.sort))
    if check.extra:
        msg = check.extra(ref, mine)
        if msg:
            problems.append(msg)
    if problems:
        problems.append(f"yara stderr: {ref.stderr[-600:]!r}")
        problems.append(f"yarrow stderr: {mine.stderr[-600:]!r}")
        return "\n".join(problems)
    return None


def status_is(expected: int):
    def judge(ref: Run, mine: Run) -> str | None:
        if mine.status != expected:
            return f"expected exit status {expected}, yarrow gave {mine.status}"
        return None
    return judge


def write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)


def symlink(path: Path, target: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, path)
