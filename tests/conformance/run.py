#!/usr/bin/env python3
"""Differential conformance runner: yara 4.2.3 is the oracle, yarrow must match it.

Each case (see README.md for the format) is materialised in a fresh temporary directory and
run through `yara ARGS RULES TARGET` and `yarrow scan ARGS RULES TARGET` with the same relative
argument strings, so printed paths are identical. Stdout and exit status must be equal.
Expected output is never stored: the oracle runs every time.

The module is also imported by tests/random/gen.py (Case, run_case, Tools).
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import difflib
import functools
import os
import random
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES_ROOT = HERE / "cases"
TIMEOUT_S = 10.0
KNOWN_HEADERS = {"args", "sort", "expect", "yara-error", "yarrow-differs", "rulefiles", "target"}


# ---------------------------------------------------------------------------------------------
# Helpers visible to `--- data` and `--- files` expressions.

def wide(s) -> bytes:
    """UTF-16LE the way yara's `wide` modifier sees ASCII: each byte followed by a zero."""
    if isinstance(s, str):
        s = s.encode("latin-1")
    return b"".join(bytes([c, 0]) for c in s)


def rand(n: int, seed: int = 0) -> bytes:
    """Deterministic pseudo-random bytes (stable across Python versions >= 3.9)."""
    return random.Random(seed).randbytes(n)


def text(n: int, seed: int = 0) -> bytes:
    """Deterministic printable filler (letters, digits, spaces, punctuation, newlines)."""
    rng = random.Random(seed)
    alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:-_\n"
    return bytes(rng.choice(alphabet) for _ in range(n))


def xor(b, key: int) -> bytes:
    if isinstance(b, str):
        b = b.encode("latin-1")
    return bytes(c ^ key for c in b)


def b64(b, alphabet: str | None = None) -> bytes:
    """Standard base64 (padding kept), optionally re-mapped onto a custom 64-char alphabet."""
    if isinstance(b, str):
        b = b.encode("latin-1")
    out = base64.b64encode(b)
    if alphabet is not None:
        std = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        out = out.translate(bytes.maketrans(std, alphabet.encode("latin-1")))
    return out


def u8(v): return struct.pack("<B", v & 0xFF)
def u16(v): return struct.pack("<H", v & 0xFFFF)
def u32(v): return struct.pack("<I", v & 0xFFFFFFFF)
def u16be(v): return struct.pack(">H", v & 0xFFFF)
def u32be(v): return struct.pack(">I", v & 0xFFFFFFFF)


def elf(bits: int = 64, big: bool = False, etype: int = 2) -> bytes:
    """A small complete ELF (sections, symtab, dynsym, dynamic) from tests/unit/modules/make_elf.py
    (modules cases)."""
    import importlib.util
    path = Path(__file__).resolve().parents[1] / "unit" / "modules" / "make_elf.py"
    spec = importlib.util.spec_from_file_location("make_elf", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.build(bits, big, etype)


def pe(dll: bool = False, **kw) -> bytes:
    """A small well-formed PE32 (imports, exports when dll, version info) from
    cases/modules/make_pe_min.py (modules cases)."""
    import importlib.util
    path = Path(__file__).resolve().parent / "cases" / "modules" / "make_pe_min.py"
    spec = importlib.util.spec_from_file_location("make_pe_min", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.build(dll=dll, **kw)


EVAL_SCOPE = {
    "wide": wide, "rand": rand, "text": text, "xor": xor, "b64": b64,
    "u8": u8, "u16": u16, "u32": u32, "u16be": u16be, "u32be": u32be,
    "bytes": bytes, "range": range, "len": len, "elf": elf, "pe": pe,
}


# ---------------------------------------------------------------------------------------------
# Case model and parser.

@dataclass
class Case:
    id: str
    headers: dict = field(default_factory=dict)
    rules: dict = field(default_factory=dict)   # file name -> text
    data: bytes | None = None                    # target.bin contents
    files: dict | None = None                    # relative path -> bytes (directory target)
    line: int = 0

    @property
    def args(self) -> list[str]:
        return shlex.split(self.headers.get("args", ""))

    @property
    def sort(self) -> bool:
        return self.headers.get("sort", "false").strip().lower() == "true"

    @property
    def expect(self) -> str:
        return self.headers.get("expect", "ok").strip()

    @property
    def rule_args(self) -> list[str]:
        if "rulefiles" in self.headers:
            return shlex.split(self.headers["rulefiles"])
        return ["main.yar"]

    @property
    def target(self) -> str:
        if "target" in self.headers:
            return self.headers["target"].strip()
        return "dir" if self.files is not None else "target.bin"


class CaseError(Exception):
    pass


def _eval_bytes(expr: str, where: str):
    try:
        return eval(compile(expr.strip() or "b''", where, "eval"), dict(EVAL_SCOPE))
    except Exception as exc:  # the case file is wrong: say where
        raise CaseError(f"{where}: cannot evaluate expression: {exc}") from exc


def parse_cases(path: Path, file_id: str) -> list[Case]:
    cases: list[Case] = []
    lines = path.read_text(encoding="utf-8").split("\n")
    cur: Case | None = None
    section: tuple[str, str] | None = None
    buf: list[str] = []
    seen: set[str] = set()

    def flush_section():
        nonlocal buf, section
        if cur is None or section is None:
            buf = []
            return
        kind, arg = section
        content = "\n".join(buf)
        where = f"{path}:{cur.id}"
        if kind == "rules":
            cur.rules[arg or "main.yar"] = content.rstrip("\n") + "\n"
        elif kind == "data":
            val = _eval_bytes(content, where)
            if isinstance(val, str):
                val = val.encode("latin-1")
            if not isinstance(val, (bytes, bytearray)):
                raise CaseError(f"{where}: data is {type(val).__name__}, not bytes")
            cur.data = bytes(val)
        elif kind == "files":
            val = _eval_bytes(content, where)
            if not isinstance(val, dict):
                raise CaseError(f"{where}: files is not a dict")
            cur.files = {str(k): (v.encode("latin-1") if isinstance(v, str) else bytes(v))
                         for k, v in val.items()}
        else:
            raise CaseError(f"{where}: unknown section '--- {kind}'")
        buf = []
        section = None

    for lineno, line in enumerate(lines, 1):
        if line.startswith("=== "):
            flush_section()
            name = line[4:].strip()
            if not name or any(ch.isspace() for ch in name):
                raise CaseError(f"{path}:{lineno}: bad case name '{name}'")
            if name in seen:
                raise CaseError(f"{path}:{lineno}: duplicate case name '{name}'")
            seen.add(name)
            cur = Case(id=f"{file_id}:{name}", line=lineno)
            cases.append(cur)
            continue
        if cur is None:
            continue  # file preamble: comments
        if line.startswith("--- "):
            flush_section()
            parts = line[4:].split(None, 1)
            section = (parts[0], parts[1].strip() if len(parts) > 1 else "")
            continue
        if section is None:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            key, sep, value = line.partition(":")
            key = key.strip()
            if not sep or key not in KNOWN_HEADERS:
                raise CaseError(f"{path}:{lineno}: unknown header line '{line}'")
            cur.headers[key] = value.strip()
        else:
            key = line.partition(":")[0].strip()
            if key in KNOWN_HEADERS and line.startswith(key + ":"):
                raise CaseError(f"{path}:{lineno}: header '{key}:' inside a section; "
                                "headers go before the first '--- ' line")
            buf.append(line)
    flush_section()
    for c in cases:
        if c.expect not in ("ok", "error", "any"):
            raise CaseError(f"{path}:{c.line}: expect must be ok, error or any")
        if not c.rules:
            raise CaseError(f"{path}:{c.line}: case {c.id} has no '--- rules'")
        if c.data is None and c.files is None and "target" not in c.headers:
            c.data = b""
    return cases


def collect(paths: list[str]) -> list[Case]:
    files: list[Path] = []
    for p in paths or [str(CASES_ROOT)]:
        pp = Path(p)
        if not pp.exists() and (HERE / p).exists():
            pp = HERE / p
        if pp.is_dir():
            files.extend(sorted(pp.rglob("*.cases")))
        elif pp.is_file():
            files.append(pp)
        else:
            raise CaseError(f"no such case file or folder: {p}")
    cases: list[Case] = []
    for f in files:
        rf = f.resolve()
        try:
            file_id = str(rf.relative_to(CASES_ROOT))
        except ValueError:
            file_id = f.name
        cases.extend(parse_cases(rf, file_id))
    return cases


# ---------------------------------------------------------------------------------------------
# Running.

@dataclass
class Tools:
    yara: str
    yarrow: str
    yarrow_is_yara: bool = False

    def yara_cmd(self, args, rules, target):
        return [self.yara, *args, *rules, target]

    def yarrow_cmd(self, args, rules, target):
        sub = [] if self.yarrow_is_yara else ["scan"]
        return [self.yarrow, *sub, *args, *rules, target]


@dataclass
class Run:
    rc: int | None          # None on timeout
    out: bytes
    err: bytes


@dataclass
class Outcome:
    case: Case
    ok: bool
    problem: str = ""       # short reason
    detail: str = ""        # diff and stderr, already indented
    broken_case: bool = False   # the case itself is wrong (yara disagrees with its header)


def run_tool(cmd: list[str], cwd: str, timeout: float = TIMEOUT_S) -> Run:
    try:
        p = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout)
        return Run(p.returncode, p.stdout, p.stderr)
    except subprocess.TimeoutExpired as exc:
        return Run(None, exc.stdout or b"", exc.stderr or b"")
    except OSError as exc:
        return Run(127, b"", str(exc).encode())


def materialise(case: Case, workdir: str) -> None:
    for name, content in case.rules.items():
        p = Path(workdir, name)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content, encoding="utf-8")
    if case.data is not None:
        Path(workdir, "target.bin").write_bytes(case.data)
    if case.files is not None:
        root = Path(workdir, "dir")
        root.mkdir(exist_ok=True)
        for rel, content in case.files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(content)


def _norm(out: bytes, sort: bool) -> list[str]:
    lines = out.decode("utf-8", errors="backslashreplace").splitlines()
    return sorted(lines) if sort else lines


def _diff(a: list[str], b: list[str], limit: int = 24) -> str:
    d = list(difflib.unified_diff(a, b, "yara", "yarrow", lineterm="", n=1))
    if len(d) > limit:
        d = d[:limit] + [f"... ({len(d) - limit} more diff lines)"]
    return "\n".join("    " + x for x in d)


def _first_lines(b: bytes, n: int = 3) -> str:
    ls = b.decode("utf-8", errors="backslashreplace").strip().splitlines()
    more = f" (+{len(ls) - n} lines)" if len(ls) > n else ""
    return " | ".join(ls[:n]) + more


def _rc(r: Run) -> str:
    if r.rc is None:
        return "timeout"
    return f"signal {-r.rc}" if r.rc < 0 else str(r.rc)


SANITIZER_MARKERS = (b"ERROR: AddressSanitizer", b"ERROR: LeakSanitizer",
                     b"runtime error: ", b"WARNING: ThreadSanitizer", b"ERROR: MemorySanitizer")
DIFFERENCES_MD = HERE.parent.parent / "docs" / "differences.md"


@functools.lru_cache(maxsize=1)
def documented_differences() -> frozenset:
    """The `## anchor` headings of docs/differences.md."""
    try:
        lines = DIFFERENCES_MD.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    return frozenset(l[3:].strip() for l in lines if l.startswith("## "))


def compare(case: Case, ya: Run, yr: Run, self_check: bool = False) -> Outcome:
    """Judge one case from the two runs. self_check: yara runs against itself (validating
    the cases), so a documented yarrow difference can only be checked on yara's side."""
    if ya.rc is None:
        return Outcome(case, False, "yara timed out (case is wrong)", broken_case=True)
    if ya.rc is not None and ya.rc < 0 and case.expect != "error":
        return Outcome(case, False, f"yara itself crashed ({_rc(ya)})", broken_case=True)
    if case.expect == "error" and ya.rc == 0:
        return Outcome(case, False, "case says 'expect: error' but yara exits 0",
                       "    yara stdout: " + _first_lines(ya.out), broken_case=True)
    if case.expect == "ok" and ya.rc != 0:
        return Outcome(case, False, f"yara exits {ya.rc} on a case expected to pass (case is wrong)",
                       "    yara stderr: " + _first_lines(ya.err), broken_case=True)
    want = case.headers.get("yara-error")
    if want and want not in ya.err.decode("utf-8", errors="replace"):
        return Outcome(case, False, f"yara stderr lacks '{want}' (case is wrong)",
                       "    yara stderr: " + _first_lines(ya.err), broken_case=True)

    anchor = case.headers.get("yarrow-differs")
    if anchor and anchor not in documented_differences():
        return Outcome(case, False, f"yarrow-differs: '{anchor}' is not a '## {anchor}' heading in "
                       "docs/differences.md", broken_case=True)
    if self_check and "yarrow-differs" in case.headers:
        return Outcome(case, True)
    if yr.rc is None:
        return Outcome(case, False, f"yarrow timed out after {TIMEOUT_S:.0f}s")
    if yr.rc < 0:
        return Outcome(case, False, f"yarrow crashed ({_rc(yr)})",
                       "    yarrow stderr: " + _first_lines(yr.err, 6))
    # A sanitizer build exits with an ordinary status (ASan: 1), which could pass for a
    # rejected rule: look for its report instead.
    for marker in SANITIZER_MARKERS:
        if marker in yr.err:
            report = yr.err[yr.err.index(marker):]
            return Outcome(case, False, "yarrow sanitizer report",
                           "    yarrow stderr: " + _first_lines(report, 6))

    a, b = _norm(ya.out, case.sort), _norm(yr.out, case.sort)
    same = a == b and ya.rc == yr.rc
    if "yarrow-differs" in case.headers:
        if same:
            return Outcome(case, False,
                           f"documented difference '{case.headers['yarrow-differs']}' is stale: "
                           "outputs are now identical")
        return Outcome(case, True)
    if same:
        return Outcome(case, True)
    problems = []
    if ya.rc != yr.rc:
        problems.append(f"exit yara={_rc(ya)} yarrow={_rc(yr)}")
    if a != b:
        problems.append("stdout differs")
    detail = []
    if a != b:
        detail.append(_diff(a, b))
    if yr.err.strip():
        detail.append("    yarrow stderr: " + _first_lines(yr.err))
    if ya.rc != 0 and ya.err.strip():
        detail.append("    yara stderr: " + _first_lines(ya.err))
    return Outcome(case, False, ", ".join(problems), "\n".join(detail))


def run_case(case: Case, tools: Tools, keep: str | None = None) -> Outcome:
    tmp = tempfile.mkdtemp(prefix="yarrow-case-")
    try:
        try:
            materialise(case, tmp)
        except OSError as exc:
            return Outcome(case, False, f"cannot materialise case: {exc}", broken_case=True)
        args, rules, target = case.args, case.rule_args, case.target
        ya = run_tool(tools.yara_cmd(args, rules, target), tmp)
        yr = run_tool(tools.yarrow_cmd(args, rules, target), tmp)
        out = compare(case, ya, yr, tools.yarrow_is_yara)
        if keep and not out.ok:
            dest = Path(keep, case.id.replace("/", "_").replace(":", "__"))
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(tmp, dest)
            out.detail += f"\n    kept in {dest}; reproduce: cd {dest} && " + \
                shlex.join(tools.yarrow_cmd(args, rules, target))
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def resolve_tool(path: str) -> str:
    if os.sep not in path:
        return shutil.which(path) or path
    return os.path.abspath(path)


def load_known(path: str | None) -> set[str]:
    if not path:
        return set()
    p = Path(path)
    if not p.exists() and (HERE / path).exists():
        p = HERE / path
    known = set()
    for line in p.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            known.add(line)
    return known


def area_of(case_id: str) -> str:
    f = case_id.split(":", 1)[0]
    return f.split("/", 1)[0] if "/" in f else f


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", help="case files or folders (default: cases/)")
    ap.add_argument("--yarrow", default=str(HERE.parent.parent / "build" / "yarrow"))
    ap.add_argument("--yara", default="/usr/bin/yara")
    ap.add_argument("--yarrow-is-yara", action="store_true",
                    help="the --yarrow binary takes yara's command line (no 'scan' subcommand); "
                         "used to validate the cases with yara against itself")
    ap.add_argument("--filter", default="", help="only case ids containing this substring")
    ap.add_argument("-j", type=int, default=1, help="cases run in parallel")
    ap.add_argument("--list", action="store_true", help="list case ids and exit")
    ap.add_argument("--known-failures", help="file of case ids allowed to fail")
    ap.add_argument("--keep", metavar="DIR", help="copy each failing case's files into DIR")
    ap.add_argument("--by-area", action="store_true", help="print pass counts per area")
    ap.add_argument("-q", "--quiet", action="store_true", help="no diff details")
    opts = ap.parse_args(argv)

    try:
        cases = collect(opts.paths)
    except CaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if opts.filter:
        cases = [c for c in cases if opts.filter in c.id]
    if opts.list:
        for c in cases:
            print(c.id)
        return 0

    # Both tools run with a temporary working directory: make the paths absolute.
    opts.yara, opts.yarrow = resolve_tool(opts.yara), resolve_tool(opts.yarrow)
    if not (os.path.isfile(opts.yara) and os.access(opts.yara, os.X_OK)):
        print(f"error: reference yara not found at {opts.yara}: install the Debian package "
              "'yara' (4.2.3); the conformance suite needs it as its oracle", file=sys.stderr)
        return 2
    if not (os.path.isfile(opts.yarrow) and os.access(opts.yarrow, os.X_OK)):
        print(f"error: yarrow binary not found at {opts.yarrow} (build target yarrow_cli)",
              file=sys.stderr)
        return 2
    known = load_known(opts.known_failures)
    tools = Tools(opts.yara, opts.yarrow, opts.yarrow_is_yara)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.j)) as pool:
        outcomes = list(pool.map(lambda c: run_case(c, tools, opts.keep), cases))

    failed = [o for o in outcomes if not o.ok]
    unexpected = [o for o in failed if o.case.id not in known or o.broken_case]
    tolerated = [o for o in failed if o.case.id in known and not o.broken_case]
    now_pass = [o for o in outcomes if o.ok and o.case.id in known]
    for o in unexpected:
        print(f"FAIL {o.case.id}: {o.problem}")
        if o.detail and not opts.quiet:
            print(o.detail)
    for o in now_pass:
        print(f"FIXED {o.case.id}: listed in known failures but passes now; remove it")

    if opts.by_area:
        areas: dict[str, list[int]] = {}
        for o in outcomes:
            a = areas.setdefault(area_of(o.case.id), [0, 0])
            a[0 if o.ok else 1] += 1
        for name, (p, f) in sorted(areas.items()):
            print(f"  {name:<14} {p:4d} passed {f:4d} failed")
    broken = sum(1 for o in failed if o.broken_case)
    summary = f"{len(outcomes) - len(failed)} passed, {len(failed)} failed"
    if known:
        summary += f" ({len(tolerated)} known failures, {len(now_pass)} known failures now pass)"
    if broken:
        summary += f"; {broken} cases disagree with yara itself (fix the case)"
    print(summary)
    return 1 if unexpected or now_pass else 0


if __name__ == "__main__":
    sys.exit(main())
