#!/usr/bin/env python3
"""yarrow scan vs yara: argument parsing quirks, exit statuses, -d typing, rule arguments
(namespaces, stdin), compiler errors and warnings, and the rule filters (-t -i -n -c -l)."""

from pathlib import Path

from harness import Suite, status_is, write

RULES = r'''
rule a : t1 t2 {
  meta: s = "x\"y\tz\\" i = -5 b = true
  strings: $x = "abc" $h = { 61 62 }
  condition: $x and $h
}
rule b { condition: false }
rule c : t2 { condition: true }
private rule p { condition: true }
rule d { condition: p and filesize > 0 }
'''

EXTERNALS = r'''
rule is_one { condition: v == 1 }
rule is_float { condition: f == 1.5 }
rule is_true { condition: flag }
rule is_text { condition: s == "1x" }
'''


def setup(work: Path) -> None:
    write(work / "r.yar", RULES)
    write(work / "ext_int.yar", "rule e { condition: v == 1 }\n")
    write(work / "ext_neg.yar", "rule e { condition: v == -7 }\n")
    write(work / "ext_float.yar", "rule e { condition: v == 2.5 }\n")
    write(work / "ext_bool.yar", "rule e { condition: v }\n")
    write(work / "ext_str.yar", 'rule e { condition: v == "1x" }\n')
    write(work / "ext_two.yar", "rule e { condition: v == 1 and w == 3 }\n")
    write(work / "bad.yar", "rule broken { condition: nonexistent }\n")
    write(work / "dup.yar", "rule a { condition: true }\n")
    write(work / "warn.yar", 'rule w { strings: $a = { 00 ?? } condition: $a }\n')
    write(work / "t.bin", b"xxabcxxabc\x01\xff")
    write(work / "123", b"abc")
    write(work / "sub" / "x.yar", "rule x { condition: true }\n")


suite = Suite(__doc__, setup)
add = suite.add

# Argument counts and unknown options.
add("no_args", extra=status_is(1))
add("only_rules_file_no_target", "-i", "x", "--", extra=status_is(1))
add("unknown_long", "--foo", "r.yar", "t.bin", extra=status_is(1))
add("unknown_short", "-Q", "r.yar", "t.bin", extra=status_is(1))
add("unknown_in_cluster", "-sQ", "r.yar", "t.bin", extra=status_is(1))
add("option_after_positionals", "r.yar", "t.bin", "-s")
add("flag_given_twice", "-c", "-c", "r.yar", "t.bin", extra=status_is(1))
add("flag_twice_in_cluster", "-NN", "r.yar", "t.bin", extra=status_is(1))
add("flag_ignores_value", "--count=yes", "r.yar", "t.bin")
add("cluster", "-sgme", "r.yar", "t.bin")
add("long_forms", "--print-strings", "--print-tags", "--print-meta", "--print-namespace",
    "--print-string-length", "r.yar", "t.bin")
add("double_dash_is_positional", "--", "r.yar", "t.bin", extra=status_is(1))

# Integer options.
add("int_missing", "r.yar", "t.bin", "-l", extra=status_is(1))
add("int_garbage", "-l", "abc", "r.yar", "t.bin", extra=status_is(1))
add("int_glued", "-l1", "r.yar", "t.bin", extra=status_is(1))
add("int_long_without_equals", "--max-rules", "1", "r.yar", "t.bin", extra=status_is(1))
add("int_long_equals", "--max-rules=1", "r.yar", "t.bin")
add("int_hex", "-l", "0x1", "r.yar", "t.bin")
add("int_octal", "-l", "010", "r.yar", "t.bin")
add("int_empty", "-l", "", "r.yar", "t.bin")
add("int_negative", "-l", "-1", "r.yar", "t.bin")
add("int_huge", "-l", "4294967297", "r.yar", "t.bin")
add("int_not_last_in_cluster", "-ls", "1", "r.yar", "t.bin", extra=status_is(1))
add("int_last_in_cluster", "-sl", "1", "r.yar", "t.bin")
add("too_many_threads", "-p", "33", "r.yar", "t.bin", extra=status_is(1))
add("max_threads", "-p", "32", "r.yar", "t.bin")
add("timeout_zero_single", "-a", "0", "r.yar", "t.bin")
add("string_option_missing", "r.yar", "t.bin", "-i", extra=status_is(1))

# -d typing and its error handling.
add("define_int", "-d", "v=1", "ext_int.yar", "t.bin")
add("define_int_wraps_32_bits", "-d", "v=4294967297", "ext_int.yar", "t.bin")
add("define_negative", "-d", "v=-7", "ext_neg.yar", "t.bin")
add("define_float", "-d", "v=2.5", "ext_float.yar", "t.bin")
add("define_bool", "-d", "v=true", "ext_bool.yar", "t.bin")
add("define_bool_false", "-d", "v=false", "ext_bool.yar", "t.bin")
add("define_string", "-d", "v=1x", "ext_str.yar", "t.bin")
add("define_type_mismatch", "-d", "v=1x", "ext_int.yar", "t.bin", extra=status_is(1))
add("define_long_form", "--define=v=1", "ext_int.yar", "t.bin")
add("define_no_equals", "-d", "v", "ext_int.yar", "t.bin", extra=status_is(1))
add("define_duplicate_last", "-d", "v=1", "-d", "v=2", "ext_int.yar", "t.bin",
    extra=status_is(1))
add("define_duplicate_not_last", "-d", "v=1", "-d", "v=2", "-d", "w=3", "ext_two.yar", "t.bin")
add("define_undefined", "ext_int.yar", "t.bin", extra=status_is(1))

# Rule arguments.
add("missing_rules_file", "missing.yar", "t.bin", extra=status_is(1))
add("rules_file_is_directory", "sub", "t.bin", extra=status_is(1))
add("missing_target", "r.yar", "missing.bin", extra=status_is(1))
add("namespace", "-e", "ns1:r.yar", "t.bin")
add("two_namespaces", "-e", "ns1:r.yar", "ns2:r.yar", "t.bin")
add("same_file_twice", "r.yar", "r.yar", "t.bin", extra=status_is(1))
add("several_files", "-e", "r.yar", "ext_bool.yar", "-d", "v=true", "t.bin")
add("rules_from_stdin", "-", "t.bin", stdin=RULES.encode())
add("rules_from_stdin_ns", "-e", "ns:-", "t.bin", stdin=RULES.encode())
add("compile_error", "bad.yar", "t.bin", extra=status_is(1))
add("compile_error_second_file", "r.yar", "bad.yar", "t.bin", extra=status_is(1))
add("duplicate_rule_across_files", "r.yar", "dup.yar", "t.bin", extra=status_is(1))
add("warning_ok", "warn.yar", "t.bin")
add("warning_no_warnings", "-w", "warn.yar", "t.bin")
add("fail_on_warnings", "--fail-on-warnings", "warn.yar", "t.bin", extra=status_is(1))
add("fail_on_warnings_silenced", "-w", "--fail-on-warnings", "warn.yar", "t.bin")
add("target_is_rules_file", "r.yar", "r.yar")
add("digit_target_that_exists", "r.yar", "123")

# Filters and counters.
add("negate", "-n", "r.yar", "t.bin")
add("count", "-c", "r.yar", "t.bin")
add("count_negate", "-c", "-n", "r.yar", "t.bin")
add("count_missing_target", "-c", "r.yar", "missing.bin", extra=status_is(1))
add("tag", "-t", "t2", "r.yar", "t.bin")
add("tags_or", "-t", "t1", "-t", "zz", "r.yar", "t.bin")
add("tag_none", "-t", "zz", "r.yar", "t.bin")
add("identifier", "-i", "c", "-i", "b", "r.yar", "t.bin")
add("identifier_overrides_tag", "-i", "b", "-n", "-t", "t1", "r.yar", "t.bin")
add("count_ignores_filters", "-c", "-t", "zz", "r.yar", "t.bin")
add("count_identifier", "-c", "-i", "c", "r.yar", "t.bin")
add("identifier_namespaced", "-e", "-i", "a", "ns1:r.yar", "ns2:ext_bool.yar", "-d", "v=false",
    "t.bin")
add("identifier_private", "-i", "p", "r.yar", "t.bin")
add("limit_1", "-l", "1", "r.yar", "t.bin")
add("limit_2", "-l", "2", "r.yar", "t.bin")
add("limit_negate", "-n", "-l", "1", "r.yar", "t.bin")
add("limit_negate_2", "-n", "-l", "2", "r.yar", "t.bin")
add("limit_count", "-c", "-l", "1", "r.yar", "t.bin")
add("limit_with_tag", "-t", "t2", "-l", "2", "r.yar", "t.bin")
add("fast", "-f", "-s", "r.yar", "t.bin")
add("list_too_many_identifiers", *sum((["-i", f"x{i}"] for i in range(33)), []),
    "r.yar", "t.bin", extra=status_is(1))


def help_and_version(mine, _):
    return None if mine.status == 0 and mine.stdout else "help/version must print and exit 0"


add("help", "--help", extra=help_and_version, yarrow_only=True)
add("help_short_wins_over_error", "-h", "r.yar", extra=help_and_version, yarrow_only=True)
add("version", "-v", extra=help_and_version, yarrow_only=True)
add("top_help", "--help", extra=help_and_version, yarrow_only=True, subcommand=None)
add("top_version", "--version", extra=help_and_version, yarrow_only=True, subcommand=None)
add("top_no_command", extra=status_is(1), yarrow_only=True, subcommand=None)
add("top_unknown_command", "frobnicate", extra=status_is(1), yarrow_only=True, subcommand=None)


# Modules are wired in: -x and -D behave as in yara (compared with it).
add("modules_data", "-x", "pe=t.bin", "r.yar", "t.bin")
# A rule text given to -C is refused by both (exit 1, nothing on stdout); test_compiled.py
# covers yarrow's own compiled files.
add("compiled_rules_text_file", "-C", "r.yar", "t.bin")
add("print_module_data", "-D", "r.yar", "t.bin")
# yarrow's own convenience: a target and no rule file scans with the shipped rule pack (yara
# needs a rule file and exits 1).
add("default_rule_pack", "t.bin", extra=status_is(0), yarrow_only=True)
# --low-memory changes how the rules are held, never what a scan finds.
add("low_memory", "-s", "-m", "r.yar", "t.bin", yarrow_args=["--low-memory"])
add("low_memory_threads", "-s", "-p", "2", "-r", "r.yar", ".", sort=True,
    yarrow_args=["--low-memory"])
# A number that names no file is a process id, as in yara; no such process: error, exit 1.
add("pid_missing", "r.yar", "99999999")

if __name__ == "__main__":
    raise SystemExit(suite.main())
