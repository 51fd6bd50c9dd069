#!/usr/bin/env python3
"""README.md opens with exactly two commands (install+build+scan, then the tests), and .ci/run
runs exactly the README's test command, followed only by the sanitizer pass (.ci/sanitize),
so the two cannot drift apart."""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SANITIZER_PASS = {".ci/sanitize"}


def commands(lines):
    return [l.strip() for l in lines if l.strip() and not l.strip().startswith("#")]


def apt_packages(text: str) -> set[str]:
    m = re.search(r"apt-get install -y ([^&\n]*)", text)
    return {p for p in m.group(1).split() if not p.startswith("-")} if m else set()


def main() -> int:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", readme, re.S)
    if not block or readme.index("```sh") > readme.index("\n", readme.index("# ")) + 2:
        print("README.md must open with a ```sh block")
        return 1
    cmds = commands(block.group(1).splitlines())
    if len(cmds) != 2:
        print(f"README.md's first block must hold exactly two commands, found {len(cmds)}")
        return 1
    if "apt-get install" not in cmds[0] or "yarrow scan" not in cmds[0]:
        print("the first README command must install the dependencies and run a scan")
        return 1
    if "ctest" not in cmds[1]:
        print("the second README command must run ctest")
        return 1
    ci = commands((ROOT / ".ci" / "run").read_text().splitlines())
    # The sanitizer pass may follow the README command; nothing else may.
    while ci and ci[-1] in SANITIZER_PASS:
        ci.pop()
    if not ci or ci[-1] != cmds[1]:
        print(f".ci/run must end with the README test command (then optionally .ci/sanitize):\n"
              f"  {cmds[1]}\nbut ends with:\n  {ci[-1] if ci else ''}")
        return 1
    if not (ROOT / ".ci" / "sanitize").exists():
        print(".ci/sanitize is missing")
        return 1
    readme_pkgs = apt_packages(cmds[0])
    ci_pkgs = apt_packages((ROOT / ".ci" / "run").read_text().replace("\\\n", " "))
    if readme_pkgs != ci_pkgs:
        print(f"README.md and .ci/run install different packages: only in README.md "
              f"{sorted(readme_pkgs - ci_pkgs)}, only in .ci/run {sorted(ci_pkgs - readme_pkgs)}")
        return 1
    print("README.md and .ci/run agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
