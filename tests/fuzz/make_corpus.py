#!/usr/bin/env python3
"""Regenerates the seed corpora of tests/fuzz/corpus/ from the conformance cases and policies.

Picks a few cases per .cases file (round robin, so every area is represented), skipping
multi-file and include cases. Writes plain rule text for parse/compile, `rules NUL data` for
scan (data capped at 4 KiB), and the policy files for policy. Deterministic; rerun after the
cases change and commit the result. Usage: make_corpus.py [PER_FILE]

`make_corpus.py --logs-modules` (re)writes only the hunt and module corpora: slices of the test
logs of tests/logs/gen_logs.py (a few records of every format, gzip and UTF-16 variants) and the
ELF files of tests/unit/modules/make_elf.py plus the first 32 KiB of the ipxe PE files
(/usr/lib/ipxe, Debian package ipxe) and a few damaged variants of each.

`make_corpus.py --rulesfile YARROW` (re)writes only the rulesfile corpus: the payloads (the bytes
after the header) of `YARROW compile` run on the shipped rules and on the scan corpus's rule
texts. Rerun it when the compiled-rules format changes.
"""
import gzip
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tests" / "conformance"))
import run  # noqa: E402  (the conformance harness: case parser and data helpers)


def name_for(case):
    return case.id.replace("/", "_").replace(".cases:", "_")


def log_slice(text: str, name: str, records: int) -> str:
    """The first `records` records of a log, still well formed."""
    if name.endswith(".xml"):
        parts = text.split("</Event>")
        head = "</Event>".join(parts[:records]) + "</Event>\n"
        return head + ("</Events>\n" if "<Events>" in head else "")
    if name.endswith(".json") and text.lstrip().startswith("["):
        objs, depth, start, out = 0, 0, None, []
        for i, ch in enumerate(text):  # naive: the test logs have no braces inside strings
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    objs += 1
                    if objs == records:
                        return text[: i + 1] + "]\n"
        return text
    return "".join(text.splitlines(keepends=True)[: records + 1])


def logs_and_modules():
    out = {t: HERE / "corpus" / t for t in ("hunt", "module")}
    for d in out.values():
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp) / "logs"
        subprocess.run([sys.executable, str(ROOT / "tests" / "logs" / "gen_logs.py"), str(logs)],
                       check=True, stdout=subprocess.DEVNULL)
        for path in sorted(logs.iterdir()):
            if path.name == "expected.json":
                continue
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            if data.startswith(b"\xff\xfe"):
                text = data[2:].decode("utf-16-le")
                small = log_slice(text, path.name, 2)
                (out["hunt"] / f"{path.stem}.bin").write_bytes(b"\xff\xfe" + small.encode("utf-16-le"))
                continue
            text = data.decode("utf-8")
            stem = path.name.replace(".", "_")
            small = log_slice(text, path.name.removesuffix(".gz"), 6).encode()
            (out["hunt"] / f"{stem}").write_bytes(small)
            if path.suffix == ".gz":
                # Option byte 0x04: read through a file, so zlib sees the gzip stream.
                (out["hunt"] / f"{stem}_gzip").write_bytes(b"\x04" + gzip.compress(small, mtime=0))
                (out["hunt"] / f"{stem}_gzip_cut").write_bytes(
                    b"\x04" + gzip.compress(small, mtime=0)[:-20])
        # Forced formats on the wrong input, and degenerate records.
        shapes = {
            "csv_quotes": b"\x01a,b,\"c\"\"d\"\n1,\"2\n3\",4\n\"open,5\n",
            "json_nested": b"\x02{\"a\":{\"b\":[1,2,{\"c\":null}]},\"EventID\":1}\n{bad}\n[]\n",
            "xml_cdata": b"\x03<Events><Event><System><EventID>1</EventID></System><EventData>"
                         b"<Data Name=\"Image\"><![CDATA[C:\\x.exe]]></Data>&amp;&#x41;&bogus;"
                         b"</EventData></Event></Events>",
        }
        for name, data in shapes.items():
            (out["hunt"] / name).write_bytes(data)

        elfs = Path(tmp) / "elf"
        elfs.mkdir()
        subprocess.run([sys.executable, str(ROOT / "tests" / "unit" / "modules" / "make_elf.py"),
                        str(elfs)], check=True, stdout=subprocess.DEVNULL)
        for path in sorted(elfs.iterdir()):
            data = path.read_bytes()
            (out["module"] / path.name).write_bytes(data)
            (out["module"] / f"{path.stem}_cut.elf").write_bytes(data[: len(data) // 2])
    for name in ("ipxe.efi", "snponly.efi"):
        path = Path("/usr/lib/ipxe") / name
        if not path.exists():
            print(f"warning: {path} missing (apt-get install ipxe): no PE seeds from it")
            continue
        data = path.read_bytes()[: 32 * 1024]
        stem = name.replace(".", "_")
        (out["module"] / f"{stem}_32k.bin").write_bytes(data)
        # Option byte 0x05: pe only (the 6th module), its functions called.
        (out["module"] / f"{stem}_pe_only.bin").write_bytes(b"\x05" + data[:8192])
    (out["module"] / "text.bin").write_bytes(b"hello, world\n" * 20)
    (out["module"] / "mz_only.bin").write_bytes(b"MZ" + b"\0" * 58 + b"\x40\0\0\0PE\0\0")
    for t, d in out.items():
        print(f"{t}: {len(list(d.iterdir()))} files")


def rulesfile(yarrow):
    out = HERE / "corpus" / "rulesfile"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    sources = sorted((ROOT / "rules").glob("*.yar"))
    sources += sorted((HERE / "corpus" / "scan").glob("*.bin"))[::6]
    with tempfile.TemporaryDirectory() as tmp:
        for src in sources:
            text = src.read_bytes()
            if src.suffix == ".bin":
                if text[:1] == b"\x01" or text[:1] == b"\x07":
                    continue  # fixed-rule mode: data only
                text = text.split(b"\0", 1)[0]
            rules = Path(tmp) / "r.yar"
            rules.write_bytes(text)
            compiled = Path(tmp) / "r.yrc"
            if subprocess.run([yarrow, "compile", str(rules), "-o", str(compiled)],
                              capture_output=True).returncode != 0:
                continue
            blob = compiled.read_bytes()
            id_len = int.from_bytes(blob[12:20], "little")
            payload = blob[8 + 4 + 8 + id_len + 8 + 16:]
            if len(payload) <= 256 * 1024:
                (out / f"{src.stem}.payload").write_bytes(payload)
    print(f"rulesfile: {len(list(out.iterdir()))} files")


def main():
    if sys.argv[1:] == ["--logs-modules"]:
        logs_and_modules()
        return
    if sys.argv[1:2] == ["--rulesfile"] and len(sys.argv) == 3:
        rulesfile(sys.argv[2])
        return
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
