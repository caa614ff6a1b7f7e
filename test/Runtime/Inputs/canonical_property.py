#!/usr/bin/env python3
"""decode -> encode is the identity: every mutant of a program that the
decoder accepts must come back byte for byte.

  canonical_property.py SNN_ASM PROGRAM WORKDIR [RANDOM]

Mutants of PROGRAM (each with its CRC-32 recomputed, so the decoder reads
past the checksum), values from a fixed-seed generator: every byte of the
header and the section table; the first 48 and last 32 bytes of META and
48 bytes of the target document it holds; every byte of every neuron
parameter block of GRAPH 0 (a flag set to 2, any other byte, such as the
slots of absent values, to 0x80); and RANDOM (default 100) single-byte
changes anywhere. For each,
`snn-asm -d` must either fail with exit status 1 (a clean error) or
succeed; when it succeeds, `snn-asm` of its output must give exactly the
mutant's bytes: the decoder accepted only the encoder's own encoding, and
the assembly (string literals of the target document included)
round-trips. Prints a summary; exits 1 listing the mutants that break
either rule.

The expected bytes are the mutant itself, not anything computed by the
code under test; the container layout comes from corrupt_program.py.
"""
import os
import random
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import corrupt_program as cp  # noqa: E402  (the script's own folder)


def mutants(data, count):
    rng = random.Random(13)
    fp, secs = cp.parse(data)
    meta_off, meta_size = cp.find_section(data, 1)
    meta_end = meta_off + meta_size
    where = list(range(8, cp.HEADER + cp.ENTRY * len(secs)))
    where += list(range(meta_off, min(meta_off + 48, meta_end)))
    where += sorted(rng.sample(range(meta_off, meta_end), min(48, meta_size)))
    where += list(range(max(meta_off, meta_end - 32), meta_end))
    for at in where:
        yield f"byte {at}", at, rng.choice([v for v in range(256)
                                            if v != data[at]])
    g_off, _ = cp.find_section(data, 2, 0)
    graph = bytes(data[g_off:g_off + len(secs[1][2])])
    flags = (cp.LEAKY, cp.HARD, cp.HARD + 1, cp.HARD + 2, cp.HAS_INIT,
             cp.HAS_MEMBRANE)
    for block in cp.neurons(graph):
        for k in range(60):
            at, v = g_off + block + k, 2 if k in flags else 0x80
            if data[at] != v:
                yield f"neuron byte {at}", at, v
    for _ in range(count):
        at = rng.randrange(8, len(data) - 4)
        yield f"random byte {at}", at, rng.randrange(256)


def main(argv):
    asm, program, work = argv[1], argv[2], argv[3]
    count = int(argv[4]) if len(argv) > 4 else 100
    os.makedirs(work, exist_ok=True)
    data = cp.read(program)
    bad, accepted, rejected = [], 0, 0
    m, s, back = (os.path.join(work, n) for n in ("m.snnp", "m.s", "m.re"))
    for what, at, value in mutants(data, count):
        mutant = bytearray(data)
        mutant[at] = value
        mutant = cp.with_crc(mutant[:-4])
        cp.write(m, mutant)
        d = subprocess.run([asm, "-d", m, "-o", s], capture_output=True)
        if d.returncode == 1:
            rejected += 1
            continue
        if d.returncode != 0:
            bad.append(f"{what} = {value}: snn-asm -d exit {d.returncode}")
            continue
        accepted += 1
        a = subprocess.run([asm, s, "-o", back], capture_output=True)
        if a.returncode != 0:
            bad.append(f"{what} = {value}: accepted, but its assembly does "
                       f"not assemble: {a.stderr.decode(errors='replace')}")
        elif cp.read(back) != mutant:
            bad.append(f"{what} = {value}: accepted, re-encodes differently")
    print(f"accepted {accepted}, rejected {rejected}, broken {len(bad)}")
    for b in bad[:20]:
        print("broken:", b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
