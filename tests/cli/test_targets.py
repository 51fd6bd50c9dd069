#!/usr/bin/env python3
"""yarrow scan vs yara: directory targets (-r, symlinks, -N, -z), scan lists, many files over
several threads (-p), -c and -l across files, and output formats over many files. Output order
over several files is not defined (threads), so those checks compare sorted lines."""

import random
from pathlib import Path

from harness import Suite, status_is, symlink, write

RULES = r'''
rule has_abc : tagged { meta: kind = "abc" strings: $a = "abc" condition: $a }
rule has_hex { strings: $h = { 01 02 ?? 04 } condition: $h }
rule empty_file { condition: filesize == 0 }
rule always { condition: true }
'''


def setup(work: Path) -> None:
    write(work / "r.yar", RULES)
    d = work / "d"
    write(d / "one.bin", b"..abc..")
    write(d / "two.bin", b"\x01\x02\x03\x04abc")
    write(d / "empty.bin", b"")
    write(d / "big.bin", b"abc" + b"\0" * 5000)
    write(d / "sub" / "deep.bin", b"abc\x01\x02\xff\x04")
    write(d / "sub" / "deeper" / "deepest.bin", b"zzz")
    write(d / ".hidden", b"abc")
    symlink(d / "link_file", "one.bin")
    symlink(d / "link_dir", "sub")
    symlink(d / "link_dot", ".")
    symlink(d / "link_dangling", "nowhere")
    # A symlink loop: yara ends it where the growing path hits its length cap.
    write(work / "loop" / "x.bin", b"abc")
    symlink(work / "loop" / "again", "../loop")

    # Many files for -p.
    rng = random.Random(7)
    many = work / "many"
    for i in range(300):
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
        if i % 3 == 0:
            body += b"abc"
        if i % 7 == 0:
            body += b"\x01\x02\x09\x04"
        write(many / f"f{i:03d}.bin", body)

    write(work / "list.txt", "d/one.bin\nmissing.bin\nd/sub\n\nd/two.bin\r\nd/big.bin")
    write(work / "list_ok.txt", "d/one.bin\nd/two.bin\nd/sub\n")
    write(work / "empty_list.txt", "")
    # Directories among the lines: the scanning threads walk them (the walker does not stat).
    write(work / "list_dir_only.txt", "d\n")
    # By the time a scanning thread reaches `d`, the lines after it are long queued: the files
    # its walk finds must still come before them at -p 1.
    listed = "".join(f"many/f{i:03d}.bin\n" for i in range(0, 300, 5))
    write(work / "list_dirs.txt", "d/one.bin\n" + listed + "d\n" + listed +
          "many\nmissing\nd/sub\nd/link_dir\nd/two.bin\n")


suite = Suite(__doc__, setup)
add = suite.add

# Directories.
add("dir", "r.yar", "d", sort=True)
add("dir_trailing_slash", "r.yar", "d/", sort=True)
add("dir_recursive", "-r", "r.yar", "d", sort=True)
add("dir_no_follow", "-N", "r.yar", "d", sort=True)
add("dir_recursive_no_follow", "-r", "-N", "r.yar", "d", sort=True)
add("dir_recursive_strings", "-r", "-s", "-g", "-m", "-e", "-L", "r.yar", "d", sort=True)
add("dir_count", "-c", "r.yar", "d", sort=True)
add("dir_count_recursive", "-r", "-c", "-n", "r.yar", "d", sort=True)
add("dir_negate", "-n", "r.yar", "d", sort=True)
add("dir_skip_larger", "-z", "100", "r.yar", "d", sort=True)
add("dir_skip_larger_zero", "-z", "0", "r.yar", "d", sort=True)
add("dir_single_thread_limit", "-p", "1", "-l", "2", "r.yar", "d", sort=True)
add("dir_no_threads", "-p", "0", "r.yar", "d", sort=True)
add("dir_negative_threads", "-p", "-1", "r.yar", "d", sort=True)
add("dir_negative_timeout", "-a", "-5", "r.yar", "d", sort=True)
add("single_negative_timeout", "-a", "-5", "r.yar", "d/one.bin")
add("dir_timeout_zero", "-a", "0", "r.yar", "d", sort=True)
add("dir_identifier", "-r", "-i", "has_hex", "r.yar", "d", sort=True)
add("dir_tag", "-r", "-t", "tagged", "r.yar", "d", sort=True)
add("dir_symlink_loop", "-r", "r.yar", "loop", sort=True)
add("dir_symlink_loop_no_follow", "-r", "-N", "r.yar", "loop", sort=True)
add("file_symlink_target", "r.yar", "d/link_file")
add("dir_symlink_target", "r.yar", "d/link_dir", sort=True)
add("dangling_symlink_target", "r.yar", "d/link_dangling", extra=status_is(1))

# Many files, several threads.
for threads in ("1", "2", "4", "8", "32"):
    add(f"many_p{threads}", "-p", threads, "r.yar", "many", sort=True)
add("many_default_threads", "-s", "r.yar", "many", sort=True)
add("many_count", "-c", "r.yar", "many", sort=True)
add("many_negate_tags", "-n", "-g", "-p", "3", "r.yar", "many", sort=True)

# Scan lists.
add("scan_list", "--scan-list", "r.yar", "list.txt", sort=True)
add("scan_list_recursive", "--scan-list", "-r", "r.yar", "list_ok.txt", sort=True)
add("scan_list_count", "--scan-list", "-c", "r.yar", "list_ok.txt", sort=True)
add("scan_list_empty", "--scan-list", "r.yar", "empty_list.txt")
add("scan_list_missing", "--scan-list", "r.yar", "nolist.txt", extra=status_is(1))
add("scan_list_is_dir", "--scan-list", "r.yar", "d", extra=status_is(1))
add("scan_list_threads", "--scan-list", "-p", "2", "r.yar", "list_ok.txt", sort=True)
# One scanning thread: yara's order exactly, a listed directory's files where the line is.
add("scan_list_dirs_p1_order", "--scan-list", "-p", "1", "r.yar", "list_dirs.txt",
    extra=status_is(0))
add("scan_list_dirs_p1_recursive_order", "--scan-list", "-p", "1", "-r", "-s", "r.yar",
    "list_dirs.txt")
for threads in ("2", "3", "32"):
    add(f"scan_list_dirs_p{threads}", "--scan-list", "-p", threads, "-r", "r.yar",
        "list_dirs.txt", sort=True)
add("scan_list_dirs_skip_larger", "--scan-list", "-z", "100", "-p", "2", "r.yar",
    "list_dirs.txt", sort=True)
# (Not with `many`: yara with no scanning thread hangs once its queue is full.)
add("scan_list_dirs_no_threads_skip_larger", "--scan-list", "-z", "100", "-p", "0", "r.yar",
    "list_ok.txt", sort=True)
add("scan_list_dir_no_threads_skip_larger", "--scan-list", "-z", "100", "-p", "0", "r.yar",
    "list_dir_only.txt", sort=True)
add("scan_list_dirs_count", "--scan-list", "-c", "-r", "-n", "r.yar", "list_dirs.txt", sort=True)

if __name__ == "__main__":
    raise SystemExit(suite.main())
