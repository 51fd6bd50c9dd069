"""Checks of what `yarrow scan` adds to yara for deployment: the synthetic samples against the
reference yara, exclusion policies (text and JSON output), the JSON lines schema of
docs/output.md, process memory scans with process context, the progress line (silent off a
terminal, present on a pty), unreadable targets counted in the summary, and the optional
libraries (libcrypto, libmagic) opened only when a rule uses them.

usage: test_deploy.py --yarrow build/yarrow [--yara /usr/bin/yara] [-k NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACK_RULE = REPO / "rules" / "nkminer_monero.yar"
MAKE_SAMPLES = REPO / "tests" / "samples" / "make_samples.py"
TIMEOUT_S = 120

# The rule's $c: the only string a benign program might contain.
DOMAIN = b"barjuok.ryongnamsan.edu.kp"
WALLET = (b"4JUdGzvrMFDWrUUwY3toJATSeNwjn54LkCnKBPRzDuhzi5vSepHfUckJNxRL2gjkNrSqtCoRUrEDAgRwsQvVCj"
          b"ZbRy5YeFCqgoUMnzumvS")


class Failure(Exception):
    pass


def run(cmd, cwd=None, stdin=None, timeout=TIMEOUT_S):
    return subprocess.run([str(c) for c in cmd], cwd=cwd, input=stdin, capture_output=True,
                          timeout=timeout)


def expect(cond, message):
    if not cond:
        raise Failure(message)


def json_lines(stdout: bytes):
    lines = [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]
    expect(lines and lines[-1].get("type") == "summary", "last JSON line must be the summary")
    return [x for x in lines if x.get("type") == "finding"], lines[-1]


# ---------------------------------------------------------------------------------------------
# The JSON schema (docs/output.md): field -> allowed types. None in a tuple means "null allowed".

FINDING_SCHEMA = {
    "type": (str,), "@timestamp": (str,), "matched": (bool,), "strings": (list,),
    "rule": (dict,), "rule.name": (str,), "rule.namespace": (str,), "rule.tags": (list,),
    "rule.meta": (dict,),
    "file": (dict, None), "process": (dict, None), "user": (dict, None), "host": (dict,),
    "host.name": (str, None), "suppression": (dict, None),
}
FILE_SCHEMA = {"path": (str,), "size": (int, None), "owner": (str, None), "mtime": (str, None),
               "hash": (dict,), "hash.sha256": (str, None)}
PROCESS_SCHEMA = {"pid": (int,), "name": (str, None), "executable": (str, None),
                  "command_line": (str, None), "parent": (dict,), "parent.pid": (int, None),
                  "parent.name": (str, None), "parent.executable": (str, None)}
STRING_SCHEMA = {"id": (str,), "offset": (int,), "length": (int,), "data": (str,),
                 "encoding": (str,), "xor_key": (int, None)}
SUMMARY_SCHEMA = {"type": (str,), "@timestamp": (str,), "files_scanned": (int,),
                  "processes_scanned": (int,), "bytes_scanned": (int,), "errors": (int,),
                  "skipped": (int,), "findings": (int,), "suppressed": (int,),
                  "duration_seconds": (float, int), "exit_status": (int,)}


def check_schema(obj, schema, where):
    for key, types in schema.items():
        node = obj
        for part in key.split("."):
            expect(isinstance(node, dict) and part in node, f"{where}: field {key} missing")
            node = node[part]
        ok = (node is None and None in types) or any(
            t is not None and isinstance(node, t) and not (t is int and isinstance(node, bool))
            for t in types)
        expect(ok, f"{where}: field {key} has type {type(node).__name__}")


def check_finding_schema(f):
    check_schema(f, FINDING_SCHEMA, "finding")
    if f["file"] is not None:
        check_schema(f["file"], FILE_SCHEMA, "finding.file")
    if f["process"] is not None:
        check_schema(f["process"], PROCESS_SCHEMA, "finding.process")
    for s in f["strings"]:
        check_schema(s, STRING_SCHEMA, "finding.strings[]")
        expect(s["encoding"] in ("text", "base64"), "strings[].encoding is text or base64")
    if f["suppression"] is not None:
        check_schema(f["suppression"], {"id": (str,), "reason": (str,)}, "finding.suppression")


# ---------------------------------------------------------------------------------------------


class Ctx:
    def __init__(self, yarrow: str, yara: str, work: Path):
        self.yarrow = yarrow
        self.yara = yara
        self.work = work

    def scan(self, *args, **kw):
        return run([self.yarrow, "scan", *args], **kw)


def t_samples_match_yara(c: Ctx):
    out = c.work / "samples"
    r = run([sys.executable, MAKE_SAMPLES, out])
    expect(r.returncode == 0, f"make_samples.py failed: {r.stderr.decode()}")
    files = sorted(p for p in out.rglob("*.bin"))
    expect(len(files) > 10, "too few samples")
    for opts in ([], ["-s"]):
        for f in files:
            mine = c.scan(*opts, PACK_RULE, f)
            ref = run([c.yara, *opts, PACK_RULE, f])
            expect((mine.stdout, mine.returncode) == (ref.stdout, ref.returncode),
                   f"{' '.join(opts)} {f.name}: yarrow {mine.stdout!r}/{mine.returncode} vs yara "
                   f"{ref.stdout!r}/{ref.returncode}")
    # No rule file: the shipped pack, which is the same rule.
    for f in files[:5]:
        mine = c.scan(f)
        ref = run([c.yara, PACK_RULE, f])
        expect((mine.stdout, mine.returncode) == (ref.stdout, ref.returncode),
               f"pack on {f.name}: {mine.stdout!r} vs {ref.stdout!r}")
    mine = c.scan("-r", PACK_RULE, out)
    ref = run([c.yara, "-r", PACK_RULE, out])
    expect(sorted(mine.stdout.splitlines()) == sorted(ref.stdout.splitlines()),
           "recursive scan of the samples differs from yara")


def make_tree(c: Ctx) -> Path:
    """A fake install tree: a vendor file mentioning only the domain (benign by policy), the same
    file elsewhere (not covered), and a vendor file that also holds the wallet (the attack)."""
    root = c.work / "tree"
    (root / "opt" / "vendor").mkdir(parents=True, exist_ok=True)
    (root / "home" / "user").mkdir(parents=True, exist_ok=True)
    (root / "opt" / "vendor" / "license.dat").write_bytes(b"\x01\x02 server=" + DOMAIN + b"\n")
    (root / "home" / "user" / "license.dat").write_bytes(b"\x01\x02 server=" + DOMAIN + b"\n")
    (root / "opt" / "vendor" / "miner.cfg").write_bytes(DOMAIN + b"\n" + WALLET + b"\x00\xff")
    policy = c.work / "tree_policy.toml"
    policy.write_text(
        'version = 1\n'
        '[[exclusion]]\n'
        'id = "vendor-license"\n'
        'reason = "vendor licence file names the domain only"\n'
        'rule.name = "nkminer_monero"\n'
        'rule.strings_only = "$c"\n'
        'source = "file"\n'
        f'file.path_prefix = "{root}/opt/vendor"\n')
    return root


def t_policy_text(c: Ctx):
    root = make_tree(c)
    policy = c.work / "tree_policy.toml"
    plain = c.scan("-r", PACK_RULE, root)
    expect(plain.returncode == 0 and len(plain.stdout.splitlines()) == 3,
           f"without a policy all 3 files are reported: {plain.stdout!r}")
    r = c.scan("-r", "--policy", policy, PACK_RULE, root)
    lines = sorted(r.stdout.decode().splitlines())
    expect(r.returncode == 0, f"exit {r.returncode}: {r.stderr!r}")
    expect(lines == sorted([f"nkminer_monero {root}/home/user/license.dat",
                            f"nkminer_monero {root}/opt/vendor/miner.cfg"]),
           f"policy must hide only the vendor licence: {lines}")
    expect(b"1 finding suppressed by policy" in r.stderr, f"count line missing: {r.stderr!r}")
    r = c.scan("-r", f"--policy={policy}", "--show-suppressed", PACK_RULE, root)
    expect(b"vendor-license" in r.stderr and b"opt/vendor/license.dat" in r.stderr
           and b"names the domain only" in r.stderr,
           f"--show-suppressed must list id, path and reason: {r.stderr!r}")
    expect(b"license.dat" not in r.stdout.replace(b"home/user/license.dat", b""),
           "a suppressed finding never reaches stdout")
    # -c counts reported findings only.
    r = c.scan("-c", "--policy", policy, PACK_RULE, root / "opt" / "vendor" / "license.dat")
    expect(r.stdout == b"0\n", f"-c with the finding suppressed: {r.stdout!r}")


def t_policy_errors(c: Ctx):
    bad = c.work / "bad_policy.toml"
    bad.write_text('[[exclusion]]\nid = "x"\nrule.name = "a"\nbogus.key = 1\n')
    r = c.scan("--policy", bad, PACK_RULE, PACK_RULE)
    expect(r.returncode != 0 and r.stdout == b"", "an invalid policy stops the run")
    expect(f"{bad}:".encode() in r.stderr and b"error" in r.stderr,
           f"diagnostics as file:line:col: error: {r.stderr!r}")


def t_policy_json_and_schema(c: Ctx):
    root = make_tree(c)
    policy = c.work / "tree_policy.toml"
    r = c.scan("-r", "--output", "json", "--policy", policy, PACK_RULE, root)
    expect(r.returncode == 0, f"exit {r.returncode}: {r.stderr!r}")
    findings, summary = json_lines(r.stdout)
    check_schema(summary, SUMMARY_SCHEMA, "summary")
    expect(len(findings) == 3, f"every finding is in the JSON, suppressed or not: {len(findings)}")
    by_path = {f["file"]["path"]: f for f in findings}
    for f in findings:
        check_finding_schema(f)
    lic = by_path[f"{root}/opt/vendor/license.dat"]
    expect(lic["suppression"] == {"id": "vendor-license",
                                  "reason": "vendor licence file names the domain only"},
           f"suppression object: {lic['suppression']}")
    expect(by_path[f"{root}/home/user/license.dat"]["suppression"] is None, "not covered")
    cfg = by_path[f"{root}/opt/vendor/miner.cfg"]
    expect(cfg["suppression"] is None, "the wallet keeps the finding reported")
    data = (root / "opt" / "vendor" / "miner.cfg").read_bytes()
    import hashlib
    expect(cfg["file"]["hash"]["sha256"] == hashlib.sha256(data).hexdigest(), "sha256")
    expect(cfg["file"]["size"] == len(data), "size")
    expect(cfg["file"]["owner"] == __import__("pwd").getpwuid(os.getuid()).pw_name, "owner")
    expect(cfg["rule"]["meta"]["tlp"] == "white" and cfg["rule"]["namespace"] == "default",
           "rule meta and namespace")
    ids = {s["id"] for s in cfg["strings"]}
    expect({"$b", "$c"} <= ids, f"matched strings: {ids}")
    off = {s["id"]: s for s in cfg["strings"]}
    expect(off["$c"]["offset"] == 0 and off["$c"]["data"] == DOMAIN.decode()
           and off["$c"]["encoding"] == "text", f"$c entry: {off['$c']}")
    expect(summary["findings"] == 3 and summary["suppressed"] == 1
           and summary["files_scanned"] == 3 and summary["errors"] == 0
           and summary["exit_status"] == 0, f"summary: {summary}")
    # Binary match data goes out as base64.
    binrule = c.work / "bin.yar"
    binrule.write_text('rule b { strings: $h = { 00 FF 80 } condition: $h }\n')
    binfile = c.work / "bin.dat"
    binfile.write_bytes(b"ab\x00\xff\x80cd")
    findings, _ = json_lines(c.scan("--output=json", binrule, binfile).stdout)
    s = findings[0]["strings"][0]
    expect(s["encoding"] == "base64" and s["data"] == "AP+A" and s["offset"] == 2, f"{s}")


def t_unreadable_counted(c: Ctx):
    (c.work / "ok.txt").write_bytes(DOMAIN)
    lst = c.work / "list.txt"
    lst.write_text(f"{c.work}/ok.txt\n{c.work}/vanished.txt\n{c.work}/ok.txt\n")
    mine = c.scan("--scan-list", PACK_RULE, lst)
    ref = run([c.yara, "--scan-list", PACK_RULE, lst])
    expect((mine.stdout, mine.returncode) == (ref.stdout, ref.returncode), "scan list vs yara")
    expect(b"vanished.txt" in mine.stderr, "the unreadable file is reported on stderr")
    r = c.scan("--scan-list", "--output", "json", PACK_RULE, lst)
    findings, summary = json_lines(r.stdout)
    expect(summary["errors"] == 1 and summary["files_scanned"] == 2 and len(findings) == 2,
           f"summary counts the unreadable file: {summary}")
    # Without a policy too, the JSON lines carry the rule's metadata (kept for them).
    expect(all(f["rule"]["meta"].get("tlp") == "white" for f in findings),
           f"rule meta in the JSON lines: {[f['rule']['meta'] for f in findings]}")
    # -z: a too-large file is reported and counted as skipped.
    d = c.work / "big"
    d.mkdir(exist_ok=True)
    (d / "large.bin").write_bytes(DOMAIN * 100)
    r = c.scan("-z", "100", "--output", "json", PACK_RULE, d)
    findings, summary = json_lines(r.stdout)
    expect(summary["skipped"] == 1 and not findings and b"large.bin" in r.stderr,
           f"-z skip reported and counted: {summary} {r.stderr!r}")
    if os.geteuid() != 0:  # root reads anything
        locked = c.work / "locked.txt"
        locked.write_bytes(DOMAIN)
        locked.chmod(0)
        r = c.scan("--output", "json", PACK_RULE, locked)
        _, summary = json_lines(r.stdout)
        expect(r.returncode == 1 and summary["errors"] == 1, "permission denied counted")


HOLDER = ("import sys, time\n"
          "seed = bytes.fromhex(sys.argv[1])\n"   # built at run time: only in the heap
          "print('ready', flush=True)\n"
          "time.sleep(60)\n")


def start_holder(tag: str):
    seed = b"YARROW-SEED-" + os.urandom(8).hex().encode()
    p = subprocess.Popen([sys.executable, "-c", HOLDER, seed.hex(), tag], stdout=subprocess.PIPE)
    expect(p.stdout.readline().strip() == b"ready", "holder did not start")
    return p, seed


def t_process_scan(c: Ctx):
    p1, seed = start_holder("MARK-BENIGN-HOLDER")
    p2 = None
    try:
        rule = c.work / "seed.yar"
        rule.write_text(f'rule seed_holder {{ strings: $s = "{seed.decode()}" condition: $s }}\n')
        # yara's form, compared with yara itself.
        mine = c.scan("-s", rule, str(p1.pid))
        ref = run([c.yara, "-s", rule, str(p1.pid)])
        if ref.returncode != 0 and b"attach" in ref.stderr:
            # Not root under Yama ptrace_scope >= 1: nobody may read a sibling's memory.
            print(f"skip t_process_scan: yara cannot read pid {p1.pid} either: {ref.stderr!r}")
            return
        expect(mine.returncode == 0 and mine.stdout.startswith(f"seed_holder {p1.pid}\n".encode()),
               f"yarrow RULES PID: {mine.stdout!r} {mine.stderr!r}")
        expect((mine.stdout, mine.returncode) == (ref.stdout, ref.returncode),
               f"PID scan vs yara: {mine.stdout!r} vs {ref.stdout!r}")
        # --pid with JSON: process context.
        r = c.scan("--pid", str(p1.pid), "--output", "json", rule)
        findings, summary = json_lines(r.stdout)
        expect(len(findings) == 1 and summary["processes_scanned"] == 1, f"{r.stdout!r}")
        f = findings[0]
        check_finding_schema(f)
        proc = f["process"]
        expect(f["file"] is None and proc["pid"] == p1.pid, f"process: {proc}")
        expect("MARK-BENIGN-HOLDER" in (proc["command_line"] or ""), f"cmdline: {proc}")
        expect(proc["executable"] and Path(proc["executable"]).name.startswith("python"),
               f"exe: {proc}")
        expect(proc["parent"]["pid"] == os.getpid(), f"parent pid: {proc}")
        expect(f["user"]["name"] == __import__("pwd").getpwuid(os.getuid()).pw_name, "user")
        expect(f["strings"][0]["data"] == seed.decode() and f["strings"][0]["offset"] > 0x10000,
               "offsets are virtual addresses")
        # A policy over process context: the marked holder is suppressed, another one is not.
        p2, _ = start_holder("OTHER")
        policy = c.work / "proc_policy.toml"
        policy.write_text(
            '[[exclusion]]\nid = "benign-holder"\nreason = "the test\'s own holder"\n'
            'rule.name = "seed_holder"\nsource = "process"\n'
            'process.command_line_contains = "MARK-BENIGN-HOLDER"\n')
        # p2 holds a different seed: write a rule matching both.
        rule2 = c.work / "seed2.yar"
        rule2.write_text('rule seed_holder { strings: $s = "YARROW-SEED-" condition: $s }\n')
        for pid, hidden in ((p1.pid, True), (p2.pid, False)):
            r = c.scan("--policy", policy, "--pid", str(pid), rule2)
            expect(r.returncode == 0, f"exit {r.returncode}")
            shown = f"seed_holder {pid}\n".encode() in r.stdout
            expect(shown != hidden, f"pid {pid}: hidden={hidden} but stdout {r.stdout!r}")
            expect((b"suppressed by policy" in r.stderr) == hidden, f"count line: {r.stderr!r}")
        # Several processes: both found, an exited one reported without stopping the scan.
        r = c.scan("--pid", str(p1.pid), "--pid", str(p2.pid), "--pid", "999999999", rule2)
        expect(f"seed_holder {p1.pid}".encode() in r.stdout
               and f"seed_holder {p2.pid}".encode() in r.stdout, f"{r.stdout!r}")
        expect(b"999999999" in r.stderr and r.returncode == 0, f"{r.stderr!r}")
        r = c.scan("--pid", "999999999", rule2)
        expect(r.returncode == 1, "a single missing --pid fails like yara RULES PID")
        # --all-processes finds the holders (never yarrow itself).
        r = c.scan("--all-processes", "--output", "json", rule)
        findings, summary = json_lines(r.stdout)
        pids = {f["process"]["pid"] for f in findings}
        expect(p1.pid in pids and summary["processes_scanned"] >= 2, f"{pids} {summary}")
    finally:
        for p in (p1, p2):
            if p is not None:
                p.kill()
                p.wait()


def t_progress(c: Ctx):
    rule = c.work / "h.yar"
    rule.write_text('rule h { strings: $a = "hello" condition: $a }\n')
    hello = c.work / "hello.txt"
    hello.write_bytes(b"hello")
    fifo = c.work / "slow.fifo"

    def feed():
        # The scan list is a FIFO: the run waits ~0.6 s for this writer, long enough for the
        # progress line (redrawn every 100 ms) to show.
        time.sleep(0.6)
        with open(fifo, "w") as w:
            w.write(f"{hello}\n")

    # Not a terminal: nothing on stderr.
    os.mkfifo(fifo)
    t = threading.Thread(target=feed)
    t.start()
    r = c.scan("--scan-list", rule, fifo)
    t.join()
    expect(r.stdout == f"h {hello}\n".encode() and r.stderr == b"",
           f"no progress off a terminal: {r.stdout!r} {r.stderr!r}")

    # On a pty: the line appears, then is erased; --no-progress silences it.
    for extra, want in (([], True), (["--no-progress"], False)):
        master, slave = pty.openpty()
        t = threading.Thread(target=feed)
        t.start()
        p = subprocess.Popen([c.yarrow, "scan", "--scan-list", *extra, str(rule), str(fifo)],
                             stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        err = b""
        while True:
            ready, _, _ = select.select([master], [], [], 5)
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            err += chunk
            if p.poll() is not None and not select.select([master], [], [], 0.1)[0]:
                break
        out, _ = p.communicate(timeout=30)
        t.join()
        os.close(master)
        expect(out == f"h {hello}\n".encode(), f"stdout unchanged by progress: {out!r}")
        shown = b"target" in err and b"B/s" in err
        expect(shown == want, f"progress {'expected' if want else 'unexpected'}: {err!r}")
        if want:
            expect(err.endswith(b"\r\x1b[K"), f"line erased at the end: {err[-40:]!r}")


def loaded_libraries(c: Ctx, *args) -> tuple[subprocess.CompletedProcess, str]:
    """Runs `yarrow scan ARGS` with the dynamic linker's file log; returns the run and the log."""
    env = dict(os.environ, LD_DEBUG="files")
    r = subprocess.run([c.yarrow, "scan", *map(str, args)], capture_output=True, env=env,
                       timeout=TIMEOUT_S)
    return r, r.stderr.decode(errors="replace")


def t_optional_libraries_load_on_use(c: Ctx):
    """libcrypto and libmagic are opened only when a rule (or the JSON sha256) needs them; every
    start of the CLI used to pay about 1.4 ms to link them."""
    data = c.work / "data.bin"
    data.write_bytes(b"MZ" + bytes(range(256)) * 8)
    plain = c.work / "plain.yar"
    plain.write_text('rule plain { strings: $a = "MZ" condition: $a }\n')
    r, log = loaded_libraries(c, plain, data)
    expect(r.returncode == 0 and r.stdout.startswith(b"plain "), f"plain scan: {r.stdout!r}")
    for lib in ("libcrypto", "libmagic"):
        expect(lib not in log, f"{lib} loaded by a scan that does not use it")
    md5 = __import__("hashlib").md5(data.read_bytes()).hexdigest()
    hashed = c.work / "hashed.yar"
    hashed.write_text(f'import "hash"\nimport "magic"\nrule hashed {{ condition: '
                      f'hash.md5(0, filesize) == "{md5}" and magic.type() != "" }}\n')
    r, log = loaded_libraries(c, hashed, data)
    ref = run([c.yara, hashed, data])
    expect(r.returncode == 0 and r.stdout == ref.stdout == f"hashed {data}\n".encode(),
           f"hash/magic scan: yarrow {r.stdout!r}, yara {ref.stdout!r}")
    for lib in ("libcrypto", "libmagic"):
        expect(lib in log, f"{lib} not opened although the rule calls it")


TESTS = [t_samples_match_yara, t_optional_libraries_load_on_use, t_policy_text, t_policy_errors, t_policy_json_and_schema,
         t_unreadable_counted, t_process_scan, t_progress]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--yarrow", required=True)
    ap.add_argument("--yara", default=shutil.which("yara") or "/usr/bin/yara")
    ap.add_argument("-k", dest="only")
    args = ap.parse_args()
    failed = 0
    ran = 0
    with tempfile.TemporaryDirectory(prefix="yarrow-deploy-") as tmp:
        for test in TESTS:
            if args.only and args.only not in test.__name__:
                continue
            ran += 1
            work = Path(tmp) / test.__name__
            work.mkdir()
            try:
                test(Ctx(os.path.abspath(args.yarrow), args.yara, work))
                print(f"ok   {test.__name__}")
            except Failure as e:
                failed += 1
                print(f"FAIL {test.__name__}: {e}")
            except Exception as e:  # noqa: BLE001 - a crash is a failure too
                failed += 1
                print(f"FAIL {test.__name__}: {type(e).__name__}: {e}")
    print(f"{ran - failed}/{ran} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
