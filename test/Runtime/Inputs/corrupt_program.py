#!/usr/bin/env python3
"""Makes broken SpikeStack programs for test/Runtime/bad-programs.test.

The container (lib/Runtime/ProgramContainer.cpp, docs/isa.md): 8-byte
magic "SNNPROG\\x1a", u32 version (3), u32 section count, u64 target
fingerprint, a table of {u32 kind, u32 index, u64 offset, u64 size} per
section, the payloads (contiguous, in table order), then the little-endian
CRC-32 (zlib) of all preceding bytes. Section kinds, in this order: 1 META,
2 GRAPH (index 0, 1, ...), 3 CONSTANTS, 4 LAYERS, 5 STREAM (index = core).
META: str target (preset name, or the document's name), str target
document (empty for a preset), i64 makespan, i64 barriers, u32 n + n i64
input offsets; a str is a u32 length and its bytes.

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
  garbage-crc OUT N        the magic, version 3, N pseudo-random bytes and
                           their CRC: garbage that reaches the section table
  refit IN OUT REF         REF's target fingerprint (a program compiled for
                           the target IN names), CRC recomputed: keeps the
                           fuzz regressions runnable when a preset changes;
                           a version 2 IN is upgraded to version 3 (every
                           tiling gains dataflow 0 and row_tiles 1)
  meta IN OUT FIELD VALUE  META's FIELD (target, document) set to VALUE
                           (@FILE: the bytes of FILE; *N: N bytes 'x'),
                           the container rebuilt canonically
  layer-op IN OUT LITERAL  layer 0's op name set to the Python bytes
                           literal LITERAL (b'a\\nb'), rebuilt canonically
  noncanonical IN OUT MODE an encoding the encoder never writes, of the same
                           program (CRC recomputed). MODE: swap-streams
                           (table entries of STREAM core 0 and 1 swapped),
                           gap (8 zero bytes between two sections),
                           trailing (8 bytes after the last section),
                           meta-index (META numbered 1),
                           neuron-flag (the first set neuron flag stored as
                           2), neuron-init (the unused initial-membrane slot
                           of a neuron nonzero), neuron-membrane (the unused
                           membrane-format slot nonzero)

Assembly edits (IN.s, OUT.s; each prints what it changed, for FileCheck
variables, as one line "edit: ..."):
  asm-address IN OUT MODE  the first `load input` from a bank: `past-end`
                           moves it to offset 131072 (past every bank of
                           3d-mol), `no-bank` names bank 999
  asm-deadlock IN OUT      the first `wait B count C` becomes count C+100
  asm-unknown IN OUT       the first instruction becomes `jump layer 0`
  asm-missing IN OUT       the first `load` line loses its `bytes N` field
  asm-badhex IN OUT        one hex digit of the first section becomes `g`
  asm-badint IN OUT        the first `load` line gets `offset 12x`
  asm-replace IN OUT RE S  the first line matching RE: re.sub(RE, S)
  asm-insert IN OUT RE L   after the first line matching RE, the lines L
                           ("\\n" separates them); prints the line number
                           of the first inserted line
  asm-crlf IN OUT          every line ending LF becomes CRLF
  asm-long IN OUT RE N [P] the first line matching RE: re.sub(RE, P + 'x' * N)

Checks:
  check-empty DIR          exit 1 (listing the files) if DIR holds anything
"""
import ast
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


def parse(data):
    """(fingerprint, [(kind, index, payload)]) of a program."""
    (fp,) = struct.unpack_from("<Q", data, 16)
    return fp, [(k, i, bytes(data[off:off + size]))
                for k, i, off, size in sections(data)]


def build(fp, secs, version=3):
    """The canonical container of `secs` (contiguous, in the given order)."""
    out = bytearray(b"SNNPROG\x1a" + struct.pack("<IIQ", version, len(secs), fp))
    off = HEADER + ENTRY * len(secs)
    for k, i, p in secs:
        out += struct.pack("<IIQQ", k, i, off, len(p))
        off += len(p)
    for _, _, p in secs:
        out += p
    return with_crc(out)


def upgrade_layers(p):
    """A version 2 LAYERS payload in version 3: after each tiling's kind
    (u8) and eight i64 fields, dataflow 0 (u8) and row_tiles 1 (i64)."""
    out, at = bytearray(p[:4]), 4
    (layers,) = struct.unpack_from("<I", p, 0)
    for _ in range(layers):
        (n,) = struct.unpack_from("<I", p, at + 4)  # after the node (i32)
        at2 = at + 8 + n
        (tilings,) = struct.unpack_from("<I", p, at2)
        out += p[at:at2 + 4]
        at = at2 + 4
        for _ in range(tilings):
            out += p[at:at + 65] + struct.pack("<Bq", 0, 1)
            at += 65
        start = at
        at += 4  # owner graph
        for _ in range(2):  # owners, epilogues
            (m,) = struct.unpack_from("<I", p, at)
            at += 4 + 4 * m
        out += p[start:at]
    assert at == len(p), "LAYERS payload not fully parsed"
    return bytes(out)


def meta_fields(p):
    """META payload -> [target, document, rest]."""
    (n,) = struct.unpack_from("<I", p, 0)
    target, at = p[4:4 + n], 4 + n
    (m,) = struct.unpack_from("<I", p, at)
    return [target, p[at + 4:at + 4 + m], p[at + 4 + m:]]


def meta_payload(target, document, rest):
    return (struct.pack("<I", len(target)) + target +
            struct.pack("<I", len(document)) + document + rest)


def neurons(graph):
    """Offsets of the neuron parameter blocks of a GRAPH payload."""
    at = 0

    def u32():
        nonlocal at
        (v,) = struct.unpack_from("<I", graph, at)
        at += 4
        return v
    for _ in range(u32()):  # values: shape, kind, width, frac, count max
        rank = u32()
        at += 8 * rank + 1 + 4 + 4 + 8
    found = []
    for _ in range(u32()):
        kind = graph[at]
        at += 1
        for item in (1, 4, 4, 8, 8):  # name, operands, results, ints, reals
            n = u32()
            at += item * n
        if kind in (1, 16):  # neuron, attention
            found.append(at)
            at += 1 + 24 + 4 + 8 + 1 + 8 + 1 + 8
        at += 4  # layer
    return found


# Neuron block layout: u8 leaky, f64 tau, f64 threshold, f64 reset, u8 hard
# reset, u8 decay input, u8 compare >=, u8 has init, f64 init, u8 has
# membrane, i32 width, i32 frac, u8 rounding, i64 channel dim.
LEAKY, HARD, HAS_INIT, INIT, HAS_MEMBRANE, MEMBRANE = 0, 25, 28, 29, 37, 38


def noncanonical(data, mode):
    fp, secs = parse(data)
    if mode == "swap-streams":
        out = bytearray(build(fp, secs))
        s = [n for n, (k, _, _) in enumerate(secs) if k == 5]
        a, b = HEADER + ENTRY * s[0], HEADER + ENTRY * s[1]
        out[a:a + ENTRY], out[b:b + ENTRY] = out[b:b + ENTRY], out[a:a + ENTRY]
        return with_crc(out[:-4])
    if mode in ("gap", "trailing"):
        out = bytearray(build(fp, secs))
        where = 1 if mode == "gap" else len(secs)
        (off,) = struct.unpack_from("<Q", out, HEADER + ENTRY * where + 8) \
            if where < len(secs) else (len(out) - 4,)
        for n in range(where, len(secs)):
            e = HEADER + ENTRY * n + 8
            struct.pack_into("<Q", out, e, struct.unpack_from("<Q", out, e)[0] + 8)
        out[off:off] = bytes(8)
        return with_crc(out[:-4])
    if mode == "meta-index":
        out = bytearray(build(fp, secs))
        struct.pack_into("<I", out, HEADER + 4, 1)
        return with_crc(out[:-4])
    g = [n for n, (k, _, _) in enumerate(secs) if k == 2][0]
    graph = bytearray(secs[g][2])
    blocks = neurons(graph)
    if mode == "neuron-flag":
        at = next(b + f for b in blocks for f in (LEAKY, HARD, HARD + 1, HARD + 2)
                  if graph[b + f] == 1)
        graph[at] = 2
    elif mode == "neuron-init":
        at = next(b for b in blocks if graph[b + HAS_INIT] == 0)
        graph[at + INIT + 7] = 0x80  # -0.0 where +0.0 is written
    elif mode == "neuron-membrane":
        at = next(b for b in blocks if graph[b + HAS_MEMBRANE] == 0)
        graph[at + MEMBRANE] = 16
    else:
        sys.exit(f"unknown mode {mode}")
    secs[g] = (secs[g][0], secs[g][1], bytes(graph))
    return build(fp, secs)


def value_of(spec):
    if spec.startswith("@"):
        with open(spec[1:], "rb") as f:
            return f.read()
    if spec.startswith("*"):
        return b"x" * int(spec[1:])
    return spec.encode()


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
        (version,) = struct.unpack_from("<I", data, 8)
        if version == 2:
            fp, secs = parse(data)
            secs = [(k, i, upgrade_layers(p) if k == 4 else p)
                    for k, i, p in secs]
            data = bytearray(build(fp, secs))
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
        body = b"SNNPROG\x1a" + struct.pack("<I", 3) + bytes(
            rng.randrange(256) for _ in range(int(argv[3])))
        write(argv[2], with_crc(body))
    elif cmd == "meta":
        fp, secs = parse(read(argv[2]))
        fields = meta_fields(secs[0][2])
        fields[["target", "document"].index(argv[4])] = value_of(argv[5])
        secs[0] = (1, 0, meta_payload(*fields))
        write(argv[3], build(fp, secs))
    elif cmd == "layer-op":
        fp, secs = parse(read(argv[2]))
        n = next(n for n, (k, _, _) in enumerate(secs) if k == 4)
        p = secs[n][2]
        (size,) = struct.unpack_from("<I", p, 8)  # after count and node
        op = ast.literal_eval(argv[4])
        p = p[:8] + struct.pack("<I", len(op)) + op + p[12 + size:]
        secs[n] = (4, 0, p)
        write(argv[3], build(fp, secs))
    elif cmd == "noncanonical":
        write(argv[3], noncanonical(read(argv[2]), argv[4]))
    elif cmd == "asm-insert":
        with open(argv[2]) as f:
            lines = f.read().split("\n")
        n = next(n for n, l in enumerate(lines) if re.search(argv[4], l))
        new = argv[5].split("\\n")
        lines[n + 1:n + 1] = new
        print(f"edit: line {n + 2}: {new[0]}")
        with open(argv[3], "w") as f:
            f.write("\n".join(lines))
    elif cmd == "asm-crlf":
        with open(argv[2], "rb") as f:
            text = f.read()
        write(argv[3], text.replace(b"\n", b"\r\n"))
    elif cmd == "asm-long":
        token = (argv[6] if len(argv) > 6 else "") + "x" * int(argv[5])
        edit_lines(argv[2], argv[3], lambda l: re.search(argv[4], l),
                   lambda l: (re.sub(argv[4], lambda m: token, l, count=1),
                              f"{int(argv[5])} x"))
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
                   lambda l: l.strip().startswith("load input") and
                   "bank -1 " not in l, change)
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
