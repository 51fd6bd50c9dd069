#!/usr/bin/env python3
"""yarrow scan vs yara: how findings are printed. Escaping of match data (-s) and metadata (-m),
yara's 512-byte match-data limit (-s, -L), hex strings (64 bytes then "..."), private strings
and rules, -S statistics, and scan warnings (too many matches, -w, --fail-on-warnings)."""

from pathlib import Path

from harness import Suite, status_is, write

FORMAT_RULES = r'''
rule texts {
  meta:
    plain = "hello"
    escapes = "q\" b\\ t\t n\n r\r x\x01 hi\xff del\x7f"
    single = "it's"
    utf8 = "caf\xc3\xa9"
    empty = ""
    number = 42
    negative = -0x10
    yes = true
    no = false
  strings:
    $t = "abc"
    $w = "abc" wide
    $n = "ABC" nocase
    $r = /a[^z]{0,3}c/
    $bin = { 00 01 7F 80 FF 22 5C }
    $long_text = /Q+/
    $long_hex = { 51 51 51 51 [0-700] 21 }
  condition: any of them
}
rule with_private_string {
  strings: $visible = "abc" private $hidden = "xxa"
  condition: all of them
}
private rule hidden_rule { condition: true }
rule uses_hidden { condition: hidden_rule }
rule anonymous { strings: $ = "abc" $ = "xx" condition: all of them }
'''

XOR_RULES = r'''
rule xored { strings: $x = "This program" xor(1-255) condition: $x }
'''
XOR_KEY = 0x21


def setup(work: Path) -> None:
    write(work / "fmt.yar", FORMAT_RULES)
    data = (b"xxabc a\x00\x01c ABC aBc a\x00b\x00c\x00 \x00\x01\x7f\x80\xff\"\\ "
            + b"Q" * 700 + b"!" + b"\t\n\r\x1b\x9a end")
    write(work / "fmt.bin", data)
    write(work / "many.yar", 'rule many { strings: $a = "ab" condition: $a }\n'
                             'rule other { condition: filesize > 0 }\n')
    write(work / "many.bin", b"ab" * 1_100_000)
    write(work / "many_dir" / "many.bin", b"ab" * 1_100_000)
    write(work / "many_dir" / "few.bin", b"ab")
    # No hex jumps over 200 bytes here: yara counts the pieces it splits those into as strings.
    write(work / "stats.yar", FORMAT_RULES.replace("[0-700]", "[0-100]"))
    write(work / "xor.yar", XOR_RULES)
    write(work / "xor.bin", b"\0\0" + bytes(c ^ XOR_KEY for c in b"This program") + b"\0")


suite = Suite(__doc__, setup)
add = suite.add

add("plain", "fmt.yar", "fmt.bin")
add("strings", "-s", "fmt.yar", "fmt.bin")
add("lengths", "-L", "fmt.yar", "fmt.bin")
add("strings_lengths", "-s", "-L", "fmt.yar", "fmt.bin")
add("meta", "-m", "fmt.yar", "fmt.bin")
add("everything", "-s", "-L", "-m", "-g", "-e", "fmt.yar", "fmt.bin")
add("negate_meta", "-n", "-m", "-g", "fmt.yar", "fmt.bin")
add("namespaced", "-e", "-s", "my_ns:fmt.yar", "fmt.bin")

add("too_many_matches", "many.yar", "many.bin")
add("too_many_matches_count", "-c", "many.yar", "many.bin")
add("too_many_matches_no_warnings", "-w", "many.yar", "many.bin")
add("too_many_matches_fail", "--fail-on-warnings", "many.yar", "many.bin", extra=status_is(1))
add("too_many_matches_fail_dir_count", "-c", "--fail-on-warnings", "many.yar", "many_dir",
    sort=True)
add("too_many_matches_fail_silenced", "-w", "--fail-on-warnings", "many.yar", "many.bin")


def stats_lines(ref, mine):
    # yara also prints figures of its Aho-Corasick automaton, which yarrow does not have; the
    # rule and string counts must agree.
    want = [l for l in ref.stdout.splitlines() if l.startswith((b"number of rules", b"number of strings"))]
    got = [l for l in mine.stdout.splitlines() if l.startswith((b"number of rules", b"number of strings"))]
    if want != got or len(want) != 2:
        return f"statistics differ: yara {want!r}, yarrow {got!r}"
    stats_prefixes = (b"size of AC", b"average length of AC", b"number of", b"match list", b" ")
    rest = lambda out: [l for l in out.splitlines() if not l.startswith(stats_prefixes)]
    if rest(ref.stdout) != rest(mine.stdout):
        return "scan output after the statistics differs"
    return None


add("stats", "-S", "stats.yar", "fmt.bin", extra=stats_lines, compare_stdout=False)
add("stats_count", "-S", "-c", "stats.yar", "fmt.bin", extra=stats_lines, compare_stdout=False)



# -X comes from yara 4.3 (4.2.3 rejects it), so it is checked against 4.3's format directly.
def xor_line(mine, _):
    shown = "".join(chr(c) if 32 <= c <= 126 else f"\\x{c:02X}"
                    for c in bytes(c ^ XOR_KEY for c in b"This program"))
    want = (f"xored xor.bin\n0x2:$x:xor(0x{XOR_KEY:02x},This program): {shown}\n").encode()
    if mine.status != 0 or mine.stdout != want:
        return f"-X output: want {want!r}, got {mine.stdout!r} (status {mine.status})"
    return None


add("xor_key", "-X", "-s", "xor.yar", "xor.bin", extra=xor_line, yarrow_only=True)

if __name__ == "__main__":
    raise SystemExit(suite.main())
