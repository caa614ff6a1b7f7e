"""Every snnhw instruction op has its instruction in ISA.def and the reverse.

    check_isa_ops.py SNNHWDialect.md ISA_TABLE

SNNHWDialect.md is the dialect reference generated from SNNHW.td (kept
fresh by the docs-up-to-date test); ISA_TABLE is `snn-asm
--print-isa-table` (rendered from ISA.def). For each instruction: the same
mnemonic, the op's integer attributes are the instruction's fields in
order (by name where the assembly writes a keyword), an enum attribute
where the instruction has a sub-operation (same cases and strings, in
order), a `dynamic` unit attribute where it takes the flag. Prints one
line per instruction checked; exits 1 listing the mismatches.
"""
import re
import sys

NOT_INSTRUCTIONS = {"program", "stream"}


def dialect_ops(text):
    ops, enums = {}, {}
    for block in re.split(r"\n### ", text)[1:]:
        head = block.splitlines()[0]
        m = re.match(r"`snnhw\.(\w+)`", head)
        if m:
            attrs = re.findall(r"<tr><td><code>(\w+)</code></td><td>([^<]+)</td>",
                               block)
            ops[m.group(1)] = attrs
        elif re.match(r"\w+$", head):
            enums[head] = re.findall(r"^\| \w+ \| `(\d+)` \| (\w+) \|$", block,
                                     re.M)
    return ops, enums


def isa_instructions(text):
    isa = {}
    for line in text.splitlines():
        m = re.match(r"\| (\d+) \| `([^`]+)` \| (.*)$", line)
        if not m:
            continue
        words = m.group(2).split()
        mnemonic, rest = words[0], words[1:]
        sub = None
        if rest and rest[0] in ("KIND", "FN"):
            sub = re.search(r"`%s` = ((?:`\w+`(?:, )?)+)" % rest[0],
                            m.group(3))
            sub = re.findall(r"`(\w+)`", sub.group(1))
            rest = rest[1:]
        dynamic = rest[-1:] == ["[dynamic]"]
        if dynamic:
            rest = rest[:-1]
        fields, i = [], 0
        while i < len(rest):
            if rest[i].islower():  # keyword, then its placeholder
                fields.append(rest[i])
                i += 2
            else:  # positional
                fields.append(None)
                i += 1
        isa[mnemonic] = (int(m.group(1)), fields, sub, dynamic)
    return isa


def main(dialect_md, table):
    ops, enums = dialect_ops(open(dialect_md).read())
    isa = isa_instructions(open(table).read())
    errors = []
    for name in sorted(set(ops) - NOT_INSTRUCTIONS - set(isa)):
        errors.append(f"snnhw.{name} has no instruction in ISA.def")
    for name in sorted(set(isa) - set(ops)):
        errors.append(f"instruction '{name}' has no snnhw op")
    for name, (opcode, fields, sub, dynamic) in sorted(isa.items(),
                                                        key=lambda x: x[1]):
        if name not in ops:
            continue
        attrs = ops[name]
        ints = [a for a, t in attrs if t == "::mlir::IntegerAttr"]
        kinds = [t for a, t in attrs if t.endswith("Attr") and
                 t.startswith("::spikestack::snnhw::")]
        units = [a for a, t in attrs if t == "::mlir::UnitAttr"]
        if len(ints) != len(fields) or any(
                f is not None and f != a for f, a in zip(fields, ints)):
            errors.append(f"{name}: op attributes {ints}, instruction fields "
                          f"{fields}")
        if (units == ["dynamic"]) != dynamic:
            errors.append(f"{name}: 'dynamic' on one side only")
        if bool(kinds) != (sub is not None):
            errors.append(f"{name}: sub-operation on one side only")
        elif kinds:
            enum = kinds[0].split("::")[-1][:-len("Attr")]
            cases = enums.get(enum, [])
            want = [(str(i), s) for i, s in enumerate(sub)]
            if cases != want:
                errors.append(f"{name}: {enum} cases {cases}, ISA {want}")
        print(f"{opcode} {name}: {len(fields)} fields"
              + (f", {len(sub)} sub-operations" if sub else "")
              + (", dynamic" if dynamic else ""))
    for e in errors:
        print("error: " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
