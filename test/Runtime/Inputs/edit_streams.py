#!/usr/bin/env python3
"""Edits the instruction streams of a SpikeStack assembly file (snn-asm -d)
for test/Runtime/hostile-coverage.test. Every edit keeps the file well
formed (the sections, `.stream` / `.end` and the final `halt` of each
stream stay), so `snn-asm` gets to the verifier.

  delete-all IN OUT RE        deletes every instruction line matching RE
  delete-first IN OUT RE [AFTER]
                              deletes the first instruction line matching
                              RE (if AFTER is given: the first one right
                              after a line matching AFTER)
  duplicate-first IN OUT RE   writes the first instruction line matching RE
                              twice
  replace-first IN OUT RE S   the first instruction line matching RE:
                              re.sub(RE, S)
  rename IN OUT OLD NEW       in the hex of `.section graph 0`, the first
                              string OLD (u32 length and bytes: an input or
                              output name) becomes NEW
  set-stream IN OUT CORE FILE the body of `.stream core CORE` becomes the
                              lines of FILE (a hand-written stream, `;`
                              comments allowed)

Each prints one line "edit: core C instruction I: TEXT" (the stream, the
instruction's index in it and its text before the edit; for delete-all,
"edit: deleted N"), so that FileCheck can match the verifier's message
against the instruction that was removed.
"""
import re
import struct
import sys


def instructions(lines):
    """(line number, core, index in the stream) of every instruction."""
    core, index = None, 0
    for n, line in enumerate(lines):
        m = re.match(r"\.stream core (\d+)", line)
        if m:
            core, index = int(m.group(1)), 0
            continue
        if line.startswith(".end"):
            core = None
            continue
        if core is not None and line.startswith("  ") and line.strip():
            yield n, core, index
            index += 1


def rename(lines, old, new):
    """The graph 0 section with the string `old` replaced by `new`."""
    start = lines.index(".section graph 0") + 1
    end = lines.index(".end", start)
    data = bytes.fromhex("".join(l.strip() for l in lines[start:end]))
    pack = lambda s: struct.pack("<I", len(s)) + s.encode()
    if pack(old) not in data:
        sys.exit(f"no string {old!r} in graph 0")
    data = data.replace(pack(old), pack(new), 1)
    hexed = data.hex()
    body = ["  " + hexed[i:i + 64] for i in range(0, len(hexed), 64)]
    print(f"edit: graph 0 string {old!r} -> {new!r}")
    return lines[:start] + body + lines[end:]


def main(argv):
    mode, src, dst = argv[1], argv[2], argv[3]
    lines = open(src).read().split("\n")
    if mode == "rename":
        open(dst, "w").write("\n".join(rename(lines, argv[4], argv[5])))
        return
    if mode == "set-stream":
        start = lines.index(f".stream core {argv[4]}") + 1
        end = lines.index(".end", start)
        body = ["  " + l.strip() for l in open(argv[5]).read().split("\n")
                if l.strip()]
        print(f"edit: core {argv[4]}: {len(body)} lines")
        open(dst, "w").write("\n".join(lines[:start] + body + lines[end:]))
        return
    found = [(n, c, i) for n, c, i in instructions(lines)
             if re.search(argv[4], lines[n])]
    if mode == "delete-all":
        drop = {n for n, _, _ in found}
        if not drop:
            sys.exit("no line matches")
        out = [l for n, l in enumerate(lines) if n not in drop]
        print(f"edit: deleted {len(drop)}")
    else:
        if mode == "delete-first" and len(argv) > 5:
            found = [(n, c, i) for n, c, i in found
                     if n > 0 and re.search(argv[5], lines[n - 1])]
        if not found:
            sys.exit("no line matches")
        n, c, i = found[0]
        print(f"edit: core {c} instruction {i}: {lines[n].strip()}")
        out = list(lines)
        if mode == "delete-first":
            del out[n]
        elif mode == "duplicate-first":
            out.insert(n, lines[n])
        elif mode == "replace-first":
            out[n] = re.sub(argv[4], argv[5], lines[n], count=1)
        else:
            sys.exit(f"unknown mode {mode}")
    open(dst, "w").write("\n".join(out))


if __name__ == "__main__":
    main(sys.argv)
