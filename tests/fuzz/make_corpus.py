#!/usr/bin/env python3
"""Regenerates the seed corpora of tests/fuzz/corpus/ from the conformance cases and policies.

Picks a few cases per .cases file (round robin, so every area is represented), skipping
multi-file and include cases. Writes plain rule text for parse/compile, `rules NUL data` for
scan (data capped at 4 KiB), and the policy files for policy. Deterministic; rerun after the
cases change and commit the result. Usage: make_corpus.py [PER_FILE]
"""
import hashlib
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tests" / "conformance"))
import run  # noqa: E402  (the conformance harness: case parser and data helpers)


def name_for(case):
    return case.id.replace("/", "_").replace(".cases:", "_")


def main():
    per_file = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    out = {t: HERE / "corpus" / t for t in ("parse", "compile", "scan", "policy")}
    for d in out.values():
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)

    for path in sorted((ROOT / "tests" / "conformance" / "cases").glob("*/*.cases")):
        file_id = f"{path.parent.name}/{path.name}"
        cases = [c for c in run.parse_cases(path, file_id)
                 if list(c.rules) == ["main.yar"] and "include" not in c.rules["main.yar"]
                 and c.data is not None]
        # Spread picks over the file instead of taking its first cases.
        step = max(1, len(cases) // per_file)
        for case in cases[::step][:per_file]:
            rules = case.rules["main.yar"].encode()
            name = name_for(case)
            (out["parse"] / f"{name}.yar").write_bytes(rules)
            (out["compile"] / f"{name}.yar").write_bytes(rules)
            (out["scan"] / f"{name}.bin").write_bytes(rules + b"\0" + case.data[:4096])

    # Fixed-rule mode of scan_fuzzer (option byte 0x01): a few data shapes.
    shapes = {
        "fixed_pe_like": b"MZ\x90\x00PE\x00\x00" + bytes(range(256)),
        "fixed_text": b"abc a\0b\0c\0 xxpqp hello world aGVsbG8gd29ybGQ= word MZ key",
        "fixed_xor": bytes(c ^ 0x5a for c in b"key key pass") + b"p\0a\0s\0s\0",
    }
    for name, data in shapes.items():
        (out["scan"] / f"{name}.bin").write_bytes(b"\x01" + data)
        (out["scan"] / f"{name}_fast.bin").write_bytes(b"\x07" + data)

    policies = sorted((ROOT / "policies").glob("*.toml"))
    for p in policies:
        (out["policy"] / p.name).write_bytes(p.read_bytes())
    for p in sorted((HERE / "policy_seeds").glob("*.toml")):
        (out["policy"] / p.name).write_bytes(p.read_bytes())

    for t, d in out.items():
        print(f"{t}: {len(list(d.iterdir()))} files")


if __name__ == "__main__":
    main()
