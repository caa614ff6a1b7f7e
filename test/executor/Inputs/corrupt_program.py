#!/usr/bin/env python3
"""Makes broken SpikeStack programs for test/executor/bad-programs.test.

The container (lib/Runtime/Program.cpp): 8-byte magic "SNNPROG\\x1a", u32
version, u32 section count, u64 target fingerprint, a table of {u32 kind,
u32 index, u64 offset, u64 size} per section, the payloads, then the
little-endian CRC-32 (zlib) of all preceding bytes. Section kinds: 1 META,
2 GRAPH, 3 CONSTANTS, 4 LAYERS, 5 STREAM (index = core).

Binary edits (IN and OUT are program files):
  truncate IN OUT N        the first N bytes (N < 0: all but the last -N)
  truncate-section IN OUT  cut in the middle of the last section's payload
                           and append a fresh CRC, so the decoder gets past
                           the checksum and finds the section table wrong
  magic IN OUT             a different magic
  version IN OUT V         format version V (CRC recomputed)
  fingerprint IN OUT       another target fingerprint (CRC recomputed)
  flip IN OUT              one payload byte of the CONSTANTS section
                           inverted, the stored CRC left alone
  opcode IN OUT OP         the first instruction of STREAM core 0 gets
                           opcode OP (CRC recomputed)
  empty OUT                a zero-byte file
  garbage OUT N            N pseudo-random bytes (fixed seed)
  garbage-crc OUT N        the magic, version 1, N pseudo-random bytes and
                           their CRC: garbage that reaches the section table
  refit IN OUT REF         REF's target fingerprint (a program compiled for
                           the target IN names), CRC recomputed: keeps the
                           fuzz regressions runnable when a preset changes

Assembly edits (IN.s, OUT.s; each prints what it changed, for FileCheck
variables, as one line "edit: ..."):
  asm-address IN OUT MODE  the first `load input` line: MODE `past-end`
                           moves it to offset 131072 (past every bank of
                           3d-mol), `no-bank` names bank 999
  asm-deadlock IN OUT      the first `wait B count C` becomes count C+100
  asm-unknown IN OUT       the first instruction becomes `jump layer 0`
  asm-missing IN OUT       the first `load` line loses its `bytes N` field
  asm-badhex IN OUT        one hex digit of the first section becomes `g`
  asm-badint IN OUT        the first `load` line gets `offset 12x`
  asm-replace IN OUT RE S  the first line matching RE: re.sub(RE, S)

Checks:
  check-empty DIR          exit 1 (listing the files) if DIR holds anything
"""
import os
import random
import re
import struct
import sys
import zlib

HEADER = 8 + 4 + 4 + 8
ENTRY = 4 + 4 + 8 + 8


def read(path):
    with open(path, "rb") as f:
        return bytearray(f.read())


def write(path, data):
    with open(path, "wb") as f:
        f.write(bytes(data))


def with_crc(body):
    return bytes(body) + struct.pack("<I", zlib.crc32(bytes(body)) & 0xFFFFFFFF)


def sections(data):
    """[(kind, index, offset, size)] from the section table."""
    (count,) = struct.unpack_from("<I", data, 12)
    return [struct.unpack_from("<IIQQ", data, HEADER + ENTRY * i)
            for i in range(count)]


def find_section(data, kind, index=0):
    for k, i, off, size in sections(data):
        if k == kind and i == index:
            return off, size
    sys.exit(f"no section of kind {kind} index {index}")


def edit_lines(src, dst, pick, change):
    """Applies `change` to the first line `pick` accepts; prints the edit."""
    with open(src) as f:
        lines = f.read().split("\n")
    for n, line in enumerate(lines):
        if pick(line):
            new, what = change(line)
            lines[n] = new
            print(f"edit: line {n + 1}: {what}")
            break
    else:
        sys.exit("no line to edit")
    with open(dst, "w") as f:
        f.write("\n".join(lines))


def current_core(lines, n):
    for k in range(n, -1, -1):
        m = re.match(r"\.stream core (\d+)", lines[k])
        if m:
            return int(m.group(1))
    sys.exit("instruction outside a stream")


def main(argv):
    cmd = argv[1]
    if cmd == "truncate":
        data, n = read(argv[2]), int(argv[4])
        write(argv[3], data[:n] if n >= 0 else data[:n])
    elif cmd == "truncate-section":
        data = read(argv[2])
        off, size = max((s[2], s[3]) for s in sections(data))
        write(argv[3], with_crc(data[: off + size // 2]))
    elif cmd == "magic":
        data = read(argv[2])
        data[0:8] = b"SNNPROX\x1a"
        write(argv[3], data)
    elif cmd == "version":
        data = read(argv[2])
        struct.pack_into("<I", data, 8, int(argv[4]))
        write(argv[3], with_crc(data[:-4]))
    elif cmd == "fingerprint":
        data = read(argv[2])
        (fp,) = struct.unpack_from("<Q", data, 16)
        struct.pack_into("<Q", data, 16, fp ^ 0x5A5A5A5A5A5A5A5A)
        write(argv[3], with_crc(data[:-4]))
    elif cmd == "refit":
        data, ref = read(argv[2]), read(argv[4])
        data[16:24] = ref[16:24]
        write(argv[3], with_crc(data[:-4]))
    elif cmd == "flip":
        data = read(argv[2])
        off, size = find_section(data, 3)
        data[off + size // 2] ^= 0xFF
        write(argv[3], data)
    elif cmd == "opcode":
        data = read(argv[2])
        off, size = find_section(data, 5, 0)
        # u32 instruction count, then per instruction u8 opcode, u8 sub,
        # u8 flags, the operands.
        data[off + 4] = int(argv[4])
        write(argv[3], with_crc(data[:-4]))
    elif cmd == "empty":
        write(argv[2], b"")
    elif cmd == "garbage":
        rng = random.Random(1)
        write(argv[2], bytes(rng.randrange(256) for _ in range(int(argv[3]))))
    elif cmd == "garbage-crc":
        rng = random.Random(2)
        body = b"SNNPROG\x1a" + struct.pack("<I", 1) + bytes(
            rng.randrange(256) for _ in range(int(argv[3])))
        write(argv[2], with_crc(body))
    elif cmd == "asm-replace":
        edit_lines(argv[2], argv[3], lambda l: re.search(argv[4], l),
                   lambda l: (re.sub(argv[4], argv[5], l, count=1),
                              re.sub(argv[4], argv[5], l, count=1).strip()))
    elif cmd == "asm-address":
        mode = argv[4]

        def change(line):
            if mode == "past-end":
                new = re.sub(r"offset \d+", "offset 131072", line)
            else:
                new = re.sub(r"bank \d+", "bank 999", line)
            return new, new.strip()

        edit_lines(argv[2], argv[3],
                   lambda l: l.strip().startswith("load input"), change)
    elif cmd == "asm-deadlock":
        with open(argv[2]) as f:
            lines = f.read().split("\n")
        for n, line in enumerate(lines):
            m = re.match(r"(\s*)wait (\d+) count (\d+)\s*$", line)
            if m:
                core, b, c = current_core(lines, n), m.group(2), int(m.group(3))
                lines[n] = f"{m.group(1)}wait {b} count {c + 100}"
                print(f"edit: line {n + 1}: core {core} barrier {b} "
                      f"count {c + 100} (was {c})")
                break
        else:
            sys.exit("no wait to edit")
        with open(argv[3], "w") as f:
            f.write("\n".join(lines))
    elif cmd == "asm-unknown":
        edit_lines(argv[2], argv[3],
                   lambda l: l.startswith("  ") and l.strip()[:1].isalpha()
                   and not re.fullmatch(r"\s*[0-9a-f]+", l),
                   lambda l: ("  jump layer 0", "jump"))
    elif cmd == "asm-missing":
        edit_lines(argv[2], argv[3], lambda l: l.strip().startswith("load "),
                   lambda l: (re.sub(r" bytes \d+", "", l), "no bytes"))
    elif cmd == "asm-badhex":
        edit_lines(argv[2], argv[3],
                   lambda l: re.fullmatch(r"  [0-9a-f]{8,}", l) is not None,
                   lambda l: ("  g" + l[3:], "hex g"))
    elif cmd == "asm-badint":
        edit_lines(argv[2], argv[3], lambda l: l.strip().startswith("load "),
                   lambda l: (re.sub(r"offset \d+", "offset 12x", l),
                              "offset 12x"))
    elif cmd == "check-empty":
        left = sorted(os.listdir(argv[2])) if os.path.isdir(argv[2]) else []
        if left:
            sys.exit(f"{argv[2]} is not empty: {', '.join(left)}")
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
