#!/usr/bin/env python3
"""Every conformance case through `yarrow compile` and `yarrow scan -C`: the compiled file must
load (the loader's checks of a real file never refuse it) and print exactly what the rule text
prints with -s. Cases with several files, includes or no data are skipped, and so are those
whose rules do not compile (error cases).

Usage: test_compiled_cases.py --yarrow BUILD/yarrow
"""
import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "conformance"))
import run  # noqa: E402  (the conformance harness: case parser)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--yarrow", required=True)
    yarrow = os.path.abspath(ap.parse_args().yarrow)
    failures = []
    checked = 0
    with tempfile.TemporaryDirectory(prefix="yarrow-compiled-cases-") as tmp:
        rules, data, compiled = (os.path.join(tmp, n) for n in ("r.yar", "d.bin", "r.yrc"))
        for path in sorted((HERE.parent / "conformance" / "cases").glob("*/*.cases")):
            for case in run.parse_cases(path, f"{path.parent.name}/{path.name}"):
                if list(case.rules) != ["main.yar"] or case.data is None:
                    continue
                if "include" in case.rules["main.yar"]:
                    continue
                with open(rules, "w") as f:
                    f.write(case.rules["main.yar"])
                with open(data, "wb") as f:
                    f.write(case.data)
                if subprocess.run([yarrow, "compile", rules, "-o", compiled],
                                  capture_output=True).returncode != 0:
                    continue
                checked += 1
                src = subprocess.run([yarrow, "scan", "-s", rules, data], capture_output=True)
                pre = subprocess.run([yarrow, "scan", "-s", "-C", compiled, data],
                                     capture_output=True)
                if pre.returncode != src.returncode or pre.stdout != src.stdout:
                    failures.append(f"{case.id}: {pre.stderr.decode(errors='replace')[:200]}")
    for f in failures:
        print("FAIL", f)
    if checked < 500:
        failures.append(f"only {checked} cases compiled")
        print("FAIL", failures[-1])
    print(f"{'FAILED' if failures else 'ok'}: {checked} cases compiled and loaded, "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
