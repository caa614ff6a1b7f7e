//===- ISA.cpp - the instruction specs built from ISA.def -----------------===//
//
// The tables the encoder, decoder, assembler, disassembler and verifier
// walk, and the docs' instruction table (`snn-asm --print-isa-table`).
//
//===----------------------------------------------------------------------===//
#include "spikestack/Runtime/Program.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace spikestack::rt {

namespace {

/// The fields of a format (ISA.def).
std::vector<FieldSpec> formatFields(std::string_view format) {
  std::vector<FieldSpec> fields;
#define SPIKESTACK_ISA_FIELD(Format, Member, Name, Positional, Placeholder)  \
  if (format == #Format)                                                     \
    fields.push_back({&Instr::Member, Name, Positional != 0, Placeholder});
#include "spikestack/Runtime/ISA.def"
  return fields;
}

std::vector<InstrSpec> buildSpecs() {
  std::vector<InstrSpec> specs;
#define SPIKESTACK_ISA_INSTR(Name, Mnemonic, Format, Sub, Dynamic, Tile,      \
                             Summary, Cycles)                                \
  specs.push_back({Opcode::Name, Mnemonic, SubKind::Sub, Dynamic != 0,       \
                   TileKind::Tile, formatFields(#Format), Summary, Cycles});
#include "spikestack/Runtime/ISA.def"
  return specs;
}

const std::vector<InstrSpec> &specs() {
  static const std::vector<InstrSpec> all = buildSpecs();
  return all;
}

} // namespace

bool InstrSpec::has(int64_t Instr::*member) const {
  for (const FieldSpec &f : fields)
    if (f.member == member)
      return true;
  return false;
}

const InstrSpec &instrSpec(Opcode op) { return specs()[size_t(op)]; }

int opcodeOf(std::string_view mnemonic) {
  for (const InstrSpec &s : specs())
    if (s.mnemonic == mnemonic)
      return int(s.op);
  return -1;
}

const std::vector<std::string> &subNames(SubKind kind) {
  static const std::vector<std::string> none;
  static const std::vector<std::string> loadKinds = {
#define SPIKESTACK_ISA_LOAD_KIND(Name, Mnemonic) Mnemonic,
#include "spikestack/Runtime/ISA.def"
  };
  static const std::vector<std::string> vectorFns = {
#define SPIKESTACK_ISA_VECTOR_FN(Name, Mnemonic) Mnemonic,
#include "spikestack/Runtime/ISA.def"
  };
  switch (kind) {
  case SubKind::LoadKind:
    return loadKinds;
  case SubKind::VectorFn:
    return vectorFns;
  case SubKind::None:
    break;
  }
  return none;
}

std::string opcodeName(Opcode op) {
  return unsigned(op) < unsigned(kNumOpcodes)
             ? std::string(instrSpec(op).mnemonic)
             : "?";
}

std::string vectorFnName(VectorFn fn) {
  const auto &names = subNames(SubKind::VectorFn);
  return size_t(fn) < names.size() ? std::string(names[size_t(fn)]) : "?";
}

std::string isaTable() {
  std::string out =
      "| opcode | assembly | what it does | cycles (executor) |\n"
      "|---|---|---|---|\n";
  for (const InstrSpec &s : specs()) {
    std::string syntax(s.mnemonic);
    if (s.sub == SubKind::LoadKind)
      syntax += " KIND";
    if (s.sub == SubKind::VectorFn)
      syntax += " FN";
    for (const FieldSpec &f : s.fields)
      absl::StrAppend(&syntax, " ",
                      f.positional ? "" : absl::StrCat(f.name, " "),
                      f.placeholder);
    if (s.dynamic)
      syntax += " [dynamic]";
    std::string what(s.summary);
    std::vector<std::string> subs;
    for (const std::string &n : subNames(s.sub))
      subs.push_back(absl::StrCat("`", n, "`"));
    if (s.sub == SubKind::LoadKind)
      what = absl::StrCat("`KIND` = ", absl::StrJoin(subs, ", "), ". ", what);
    if (s.sub == SubKind::VectorFn)
      what = absl::StrCat(what, "; `FN` = ", absl::StrJoin(subs, ", "));
    absl::StrAppend(&out, "| ", int(s.op), " | `", syntax, "` | ", what, " |",
                    s.cycles.empty() ? "" : " ", s.cycles, " |\n");
  }
  return out;
}

} // namespace spikestack::rt
