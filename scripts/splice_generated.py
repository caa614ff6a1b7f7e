#!/usr/bin/env python3
"""Checks or refreshes a generated section of a committed document.

    splice_generated.py --check  DOC NAME TABLE   exit 1 (with a diff) when
                                                  the section differs
    splice_generated.py --update DOC NAME TABLE   rewrite the section

The section is the text between the lines starting with
``<!-- BEGIN NAME`` and ``<!-- END NAME -->`` in DOC; TABLE is a file with
its new text ('-': standard input). docs/isa.md's instruction table is one
(NAME ISA-TABLE, TABLE from `snn-asm --print-isa-table`).
"""
import difflib
import sys


def split(doc, name, path):
    begin, end = f"<!-- BEGIN {name}", f"<!-- END {name} -->"
    lines = doc.splitlines(keepends=True)
    starts = [i for i, l in enumerate(lines) if l.startswith(begin)]
    ends = [i for i, l in enumerate(lines) if l.startswith(end)]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        sys.exit(f"{path}: needs one '{begin} ...' line and one '{end}' "
                 "line after it")
    return (''.join(lines[:starts[0] + 1]), ''.join(lines[starts[0] + 1:ends[0]]),
            ''.join(lines[ends[0]:]))


def main(argv):
    if len(argv) != 5 or argv[1] not in ("--check", "--update"):
        sys.exit(__doc__)
    mode, path, name, table = argv[1:]
    with open(path, encoding="utf-8") as f:
        doc = f.read()
    if table == "-":
        new = sys.stdin.read()
    else:
        with open(table, encoding="utf-8") as f:
            new = f.read()
    head, old, tail = split(doc, name, path)
    if mode == "--update":
        if old != new:
            with open(path, "w", encoding="utf-8") as f:
                f.write(head + new + tail)
        return 0
    if old == new:
        return 0
    sys.stdout.writelines(difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True),
        f"{path} ({name})", "generated"))
    print(f"{path}: the {name} section is stale; `ninja update-docs` "
          "refreshes it", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
