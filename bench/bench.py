#!/usr/bin/env python3
"""yarrow vs yara, side by side, on real rules and real files.

One command builds the corpus (bench/corpus.py), drops the rules that need the cuckoo module
(yarrow has every other module) from the shared rulesets for both tools alike
(bench/filter_modules.py), warms the page cache, then runs every
workload with yara and yarrow alternately, several times each, and prints a Markdown table:
median MB/s of each, the ratio, peak RSS, compile time, and whether the outputs are identical.
It also measures single-core memory read bandwidth (bench/membw.cpp) in the same run.
Two more rows run yarrow with --low-memory on signature-base, against yara as usual.

usage: bench/bench.py [--yarrow build/yarrow] [--runs 3] [--mib 1024] [--quick] [--only NAME]
"""
import argparse
import hashlib
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections import namedtuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared", "bench", "rules"))
EXTERNALS = ["-d", "filename=x", "-d", "filepath=x", "-d", "extension=x", "-d", "filetype=x", "-d", "owner=x"]
RULESETS = {
    "signature-base": "signature-base/signature-base.yar",
    "yara-rules": "yara-rules/yara-rules.yar",
    "elastic": "elastic-protections-artifacts/elastic-protections-artifacts.yar",
}
# One workload's result; every field but name and same maps "yara" / "yarrow" to a figure:
# MB/s, peak RSS MiB, compile seconds (empty-file run), median wall seconds.
Row = namedtuple("Row", "name rate rss compile secs same")


# The peak RSS that wait4() reports for a child of this script is never below this script's
# own RSS (about 36 MiB: Linux counts the forked copy's pages until exec). GNU time's child is
# forked from a small process, so it reads the tool's own peak; without it the floor stays.
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_once(cmd):
    """Runs cmd; returns (seconds, peak_rss_kib, exit_status, stdout)."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        wrapped = [GNU_TIME, "-q", "-f", "%M", "-o", rss_file.name, *cmd] if GNU_TIME else cmd
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        peak = usage.ru_maxrss
        if GNU_TIME:
            text = rss_file.read().strip().splitlines()
            peak = int(text[-1]) if text and text[-1].isdigit() else peak
    return seconds, peak, os.waitstatus_to_exitcode(status), out


def warm(paths):
    for p in paths:
        try:
            with open(p, "rb") as f:
                while f.read(1 << 22):
                    pass
        except OSError:
            pass


def prepare(work, args):
    subprocess.run([sys.executable, os.path.join(HERE, "corpus.py"), work,
                    "--mib", str(args.mib), "--big-mib", str(args.big_mib)], check=True)
    rules = {"seed": os.path.join(ROOT, "rules", "nkminer_monero.yar")}
    notes = []
    if os.path.isdir(SHARED):
        for name, rel in RULESETS.items():
            out = os.path.join(work, name + ".yar")
            r = subprocess.run([sys.executable, os.path.join(HERE, "filter_modules.py"),
                                os.path.join(SHARED, rel), out, "--drop", "cuckoo", *EXTERNALS],
                               check=True, capture_output=True, text=True)
            rules[name] = out
            notes.append(f"{name}: {r.stdout.strip()}")
    else:
        notes.append(f"{SHARED} not found: only the seed rule is benchmarked")
    subprocess.run(["g++", "-O2", "-o", os.path.join(work, "membw"), os.path.join(HERE, "membw.cpp")], check=True)
    return rules, notes


def sub_corpus(work, mib):
    """A subset of the corpus list, up to `mib` MiB: for workloads where yara needs many
    minutes per GiB (Yara-Rules), so a full run stays within an hour. Returns the list's path."""
    path = os.path.join(work, f"corpus-{mib}.txt")
    total, keep = 0, []
    with open(os.path.join(work, "corpus.txt"), encoding="utf-8", errors="surrogateescape") as f:
        files = [p for p in f.read().split("\n") if p and os.path.exists(p)]
    # Hash order mixes the three roots, so the subset looks like the whole corpus.
    files.sort(key=lambda p: hashlib.sha256(p.encode("utf-8", "surrogateescape")).digest())
    for p in files:
        if total >= mib << 20:
            break
        keep.append(p)
        total += os.path.getsize(p)
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write("\n".join(keep) + "\n")
    return path


def workloads(rules, work, slow_mib):
    corpus = ["--scan-list", os.path.join(work, "corpus.txt")]
    small = ["--scan-list", sub_corpus(work, slow_mib)]
    big = [os.path.join(work, "big.bin")]
    w = [("seed, big file", ["-p", "1"], [rules["seed"]], big),
         ("seed, corpus, -p 1", ["-p", "1"], [rules["seed"]], corpus),
         ("seed, corpus, -p 2", ["-p", "2"], [rules["seed"]], corpus)]
    for name in RULESETS:
        if name in rules:
            target, label = (small, f"corpus {slow_mib} MiB") if name == "yara-rules" else (corpus, "corpus")
            for p in ("1", "2"):
                w.append((f"{name}, {label}, -p {p}", ["-w", "-p", p, *EXTERNALS], [rules[name]], target))
    if all(n in rules for n in RULESETS):
        together = [f"{n.replace('-', '_')}:{rules[n]}" for n in RULESETS]
        for p in ("1", "2"):
            w.append((f"all three, corpus {slow_mib} MiB, -p {p}", ["-w", "-p", p, *EXTERNALS], together, small))
    # yarrow's --low-memory (docs/cli.md) against the same yara runs as above.
    if "signature-base" in rules:
        for p in ("1", "2"):
            w.append((f"signature-base, yarrow --low-memory, corpus, -p {p}", ["-w", "-p", p, *EXTERNALS],
                      [rules["signature-base"]], corpus, ["--low-memory"]))
    return [x if len(x) == 5 else (*x, []) for x in w]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--yarrow", default=os.path.join(ROOT, "build", "yarrow"))
    ap.add_argument("--yara", default="yara")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--mib", type=int, default=1024)
    ap.add_argument("--big-mib", type=int, default=1024)
    ap.add_argument("--slow-mib", type=int, default=128,
                    help="corpus size for the workloads with Yara-Rules (yara scans it at a few MB/s)")
    ap.add_argument("--quick", action="store_true", help="128 MiB corpus, 1 run: a smoke test")
    ap.add_argument("--only", default="", help="run workloads whose name contains this")
    ap.add_argument("--threads-runs", type=int, default=1,
                    help="runs of yarrow alone over the whole corpus at -p 1 and -p 2, for the "
                         "workloads whose comparison with yara uses a subset (a run takes a minute)")
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench"))
    args = ap.parse_args()
    if args.quick:
        args.mib, args.big_mib, args.runs, args.slow_mib = 128, 128, 1, min(args.slow_mib, 32)
    os.makedirs(args.work, exist_ok=True)
    rules, notes = prepare(args.work, args)
    corpus_files = open(os.path.join(args.work, "corpus.txt"), encoding="utf-8", errors="surrogateescape").read().split("\n")
    corpus_files = [p for p in corpus_files if p]
    corpus_bytes = sum(os.path.getsize(p) for p in corpus_files if os.path.exists(p))
    big_bytes = os.path.getsize(os.path.join(args.work, "big.bin"))
    warm(corpus_files + [os.path.join(args.work, "big.bin")])
    bandwidth = float(subprocess.run([os.path.join(args.work, "membw")], capture_output=True, text=True).stdout)

    empty = os.path.join(args.work, "empty.bin")
    open(empty, "wb").close()
    rows = []
    subset_workloads = []  # (name without "-p 1", options without -p, rules): for the threads check
    for name, opts, rule_args, target, yarrow_only in workloads(rules, args.work, args.slow_mib):
        if args.only not in name:
            continue
        if f"corpus {args.slow_mib} MiB" in name and name.endswith(", -p 1"):
            p_at = opts.index("-p")  # drop "-p 1" itself, not other options' values
            subset_workloads.append((name[:-len(", -p 1")], opts[:p_at] + opts[p_at + 2:], rule_args))
        if target[0].endswith("big.bin"):
            size = big_bytes
            files = list(target)
        else:
            with open(target[1], encoding="utf-8", errors="surrogateescape") as f:
                files = [p for p in f.read().split("\n") if p and os.path.exists(p)]
            size = sum(os.path.getsize(p) for p in files)
        # The page cache may not hold the corpus and the big file at once (this VM keeps about
        # 1.5 GB) and is reclaimed actively: files read 40 s ago by a slow yara run are gone
        # again. Each run of either tool starts with its target warmed.
        tools = {"yara": [args.yara, *opts, *rule_args, *target],
                 "yarrow": [args.yarrow, "scan", *yarrow_only, *opts, *rule_args, *target]}
        compile_cmd = {"yara": [args.yara, *opts, *rule_args, empty],
                       "yarrow": [args.yarrow, "scan", *yarrow_only, *opts, *rule_args, empty]}
        times = {"yara": [], "yarrow": []}
        rss = {"yara": 0, "yarrow": 0}
        outputs = {}
        for _ in range(args.runs):
            for tool in ("yara", "yarrow"):
                warm(files)
                secs, peak, status, out = run_once(tools[tool])
                times[tool].append(secs)
                rss[tool] = max(rss[tool], peak)
                outputs[tool] = (status, sorted(out.split(b"\n")))
        # The compiles alternate too: a two-thread compile of 0.1 s varies with what ran just
        # before it (bench/RESULTS.md, session 12).
        compile_runs = {t: [] for t in tools}
        for _ in range(args.runs):
            for tool in tools:
                compile_runs[tool].append(run_once(compile_cmd[tool])[0])
        compile_s = {t: statistics.median(compile_runs[t]) for t in tools}
        med = {t: statistics.median(times[t]) for t in tools}
        rate = {t: size / med[t] / 1e6 for t in tools}
        same = outputs["yara"] == outputs["yarrow"]
        rows.append(Row(name, rate, {t: rss[t] / 1024 for t in tools}, compile_s, med, same))
        print(f"{name}: yara {rate['yara']:.0f} MB/s, yarrow {rate['yarrow']:.0f} MB/s, "
              f"x{rate['yarrow'] / rate['yara']:.2f}, identical={same}", file=sys.stderr, flush=True)

    # The -p 2 target is about yarrow's own scaling over the corpus. Where yara is too slow for
    # the whole corpus, the comparison above uses a subset, over which the compile (the same at
    # -p 1 and -p 2) weighs far more: yarrow alone scans the whole corpus at both settings too.
    full_threads = []
    corpus_list = ["--scan-list", os.path.join(args.work, "corpus.txt")]
    for base, opts, rule_args in subset_workloads:
        secs = {"1": [], "2": []}
        outs = {}
        for _ in range(args.threads_runs):
            for p in ("1", "2"):
                warm(corpus_files)
                t, _, status, out = run_once([args.yarrow, "scan", "-p", p, *opts, *rule_args, *corpus_list])
                secs[p].append(t)
                outs[p] = (status, sorted(out.split(b"\n")))
        one, two = statistics.median(secs["1"]), statistics.median(secs["2"])
        name = base.replace(f"corpus {args.slow_mib} MiB", "whole corpus")
        full_threads.append((name, one, two, outs["1"] == outs["2"]))
        print(f"{name}: yarrow -p 1 {one:.1f} s, -p 2 {two:.1f} s, x{one / two:.2f}", file=sys.stderr, flush=True)

    # Compile from source vs load precompiled rules (yarac / yarrow compile), per ruleset.
    loads = []
    load_runs = max(args.runs, 11)
    sets = [(n, ["-w", *EXTERNALS], [rules[n]]) for n in ("seed", *RULESETS) if n in rules]
    if all(n in rules for n in RULESETS):
        sets.append(("all three", ["-w", *EXTERNALS], [f"{n.replace('-', '_')}:{rules[n]}" for n in RULESETS]))
    for name, opts, rule_args in sets:
        if args.only and args.only not in name:
            continue
        yc, rc = os.path.join(args.work, "rules.yarc"), os.path.join(args.work, "rules.yrc")
        subprocess.run(["yarac", *opts, *rule_args, yc], check=True, capture_output=True)
        subprocess.run([args.yarrow, "compile", *opts, *rule_args, "-o", rc], check=True, capture_output=True)
        cmds = ([args.yara, *opts, *rule_args, empty], [args.yarrow, "scan", *opts, *rule_args, empty],
                [args.yara, "-C", yc, empty], [args.yarrow, "scan", "-C", rc, empty])
        # Loads take tens of milliseconds and vary by a tenth from run to run on this VM: more
        # runs than the scans get, the four commands taking turns so that drift hits all alike.
        runs = [[] for _ in cmds]
        for _ in range(load_runs):
            for i, cmd in enumerate(cmds):
                runs[i].append(run_once(cmd))
        row = [name] + [(statistics.median(r[0] for r in rs), max(r[1] for r in rs) / 1024) for rs in runs]
        loads.append(row)
        print(f"{name}: compile yara {row[1][0]:.3f} s yarrow {row[2][0]:.3f} s; "
              f"load yara {row[3][0]:.3f} s yarrow {row[4][0]:.3f} s", file=sys.stderr, flush=True)

    cmd = "python3 bench/bench.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    print(f"# yarrow vs yara {subprocess.run([args.yara, '-v'], capture_output=True, text=True).stdout.strip()}\n")
    print(f"Command: `{cmd}`  ")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}  ")
    print(f"Corpus: {len(corpus_files)} files, {corpus_bytes / 2**20:.0f} MiB; big file {big_bytes / 2**20:.0f} MiB; "
          f"{args.runs} alternating runs per tool, medians  ")
    print(f"Single-core memory read bandwidth: {bandwidth / 1e9:.1f} GB/s  ")
    for n in notes:
        print(f"Rules: {n}  ")
    print()
    print("| workload | yara MB/s | yarrow MB/s | ratio | yara RSS MiB | yarrow RSS MiB | yara compile s | yarrow compile s | identical output |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r.name} | {r.rate['yara']:.0f} | {r.rate['yarrow']:.0f} | {r.rate['yarrow'] / r.rate['yara']:.2f}x | "
              f"{r.rss['yara']:.0f} | {r.rss['yarrow']:.0f} | {r.compile['yara']:.3f} | {r.compile['yarrow']:.3f} | "
              f"{'yes' if r.same else 'NO'} |")
    by_name = {r.name: r for r in rows}

    def scan_only(one, two, tool):
        # Wall time minus the rules' compile time (the empty-file run): the part threads share.
        a, b = one.secs[tool] - one.compile[tool], two.secs[tool] - two.compile[tool]
        return a / b if a > 0 and b > 0 else float("nan")

    scaling = []
    for n in by_name:
        if not n.endswith(", -p 1") or n[:-1] + "2" not in by_name:
            continue
        one, two = by_name[n], by_name[n[:-1] + "2"]
        scaling.append((n[:-len(", -p 1")], two.rate["yarrow"] / one.rate["yarrow"],
                        two.rate["yara"] / one.rate["yara"],
                        scan_only(one, two, "yarrow"), scan_only(one, two, "yara")))
    if scaling:
        print("\nThreads: throughput with -p 2 over -p 1 (2 cores). Compiling the rules takes the same")
        print("time whatever -p says, so the last two columns give the ratio for the scan alone (wall")
        print("time minus the compile time in the table above):\n")
        print("| workload | yarrow -p 2 / -p 1 | yara -p 2 / -p 1 | yarrow, scan alone | yara, scan alone |")
        print("|---|---:|---:|---:|---:|")
        for name, ours, theirs, ours_scan, theirs_scan in scaling:
            print(f"| {name} | {ours:.2f}x | {theirs:.2f}x | {ours_scan:.2f}x | {theirs_scan:.2f}x |")
    if full_threads:
        print(f"\nThreads over the whole corpus ({corpus_bytes / 2**20:.0f} MiB), yarrow alone "
              f"(median of {args.threads_runs} run(s) each), for the workloads compared with yara on "
              f"a {args.slow_mib} MiB subset above:\n")
        print("| workload | yarrow -p 1 s | yarrow -p 2 s | -p 2 / -p 1 | same output at -p 1 and -p 2 |")
        print("|---|---:|---:|---:|---|")
        for name, one, two, same in full_threads:
            print(f"| {name} | {one:.1f} | {two:.1f} | {one / two:.2f}x | {'yes' if same else 'NO'} |")
    if loads:
        print(f"\nRule loading (scan of an empty file; median of {load_runs} runs, the four commands in turn; peak RSS MiB):\n")
        print("| rules | yara compile s | yarrow compile s | yara -C load s | yarrow -C load s | RSS MiB yara / yarrow (source) | RSS MiB yara / yarrow (-C) |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in loads:
            print(f"| {r[0]} | {r[1][0]:.3f} | {r[2][0]:.3f} | {r[3][0]:.3f} | {r[4][0]:.3f} | "
                  f"{r[1][1]:.0f} / {r[2][1]:.0f} | {r[3][1]:.0f} / {r[4][1]:.0f} |")
    seed = [r for r in rows if r.name.startswith("seed, big file")]
    if seed:
        print(f"\nSeed rule on the big file: {seed[0].rate['yarrow'] * 1e6 / bandwidth * 100:.1f}% of memory bandwidth (yara: {seed[0].rate['yara'] * 1e6 / bandwidth * 100:.1f}%).")


if __name__ == "__main__":
    main()
