//===- ISATest.cpp - the instruction set described by ISA.def -------------===//
//
// The expected values are written out by hand from docs/isa.md's
// instruction table and container section, not derived from ISA.def: the
// opcodes, the assembly of each instruction, the field order, and the
// assembler's messages.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Runtime/Program.h"

#include "TestPrograms.h"

#include "gtest/gtest.h"

#include <string>

using namespace spikestack::rt;

namespace {

Instr make(Opcode op) {
  Instr in;
  in.op = op;
  in.layer = 1, in.tiling = 2, in.task = 3, in.bank = 4, in.offset = 5,
  in.bytes = 6, in.kTiles = 7, in.columns = 8, in.vectors = 9,
  in.bundle = 10, in.elements = 11, in.barrier = 12, in.count = 13;
  return in;
}

TEST(ISATest, OpcodesAndMnemonics) {
  const char *names[] = {"load",     "store",   "spike_acc", "and_acc",
                         "score_value", "lif",  "vector",    "route",
                         "dispatch", "combine", "signal",    "wait",
                         "halt",     "fetch"};
  ASSERT_EQ(kNumOpcodes, 14);
  for (int i = 0; i < kNumOpcodes; ++i) {
    EXPECT_EQ(opcodeName(Opcode(i)), names[i]);
    EXPECT_EQ(opcodeOf(names[i]), i);
  }
  EXPECT_EQ(opcodeOf("jump"), -1);
  EXPECT_EQ(opcodeName(Opcode(200)), "?");
  ASSERT_EQ(kNumVectorFns, 10);
  EXPECT_EQ(vectorFnName(VectorFn::Sdsa), "sdsa");
  EXPECT_EQ(int(VectorFn::Sdsa), 6);
  EXPECT_EQ(int(LoadKind::Input), 1);
}

TEST(ISATest, AssemblySyntaxOfEveryInstruction) {
  Instr load = make(Opcode::Load);
  load.sub = uint8_t(LoadKind::Input);
  EXPECT_EQ(formatInstr(load),
            "load input layer 1 task 3 bank 4 offset 5 bytes 6");
  EXPECT_EQ(formatInstr(make(Opcode::Store)),
            "store layer 1 task 3 bank 4 offset 5 bytes 6");
  Instr acc = make(Opcode::AndAcc);
  acc.dynamic = true;
  EXPECT_EQ(formatInstr(acc), "and_acc layer 1 tiling 2 task 3 k_tiles 7 "
                              "columns 8 vectors 9 bundle 10 dynamic");
  EXPECT_EQ(formatInstr(make(Opcode::Lif)), "lif layer 1 task 3 elements 11");
  Instr vec = make(Opcode::Vector);
  vec.sub = uint8_t(VectorFn::BatchNorm);
  EXPECT_EQ(formatInstr(vec), "vector batch_norm layer 1 task 3 elements 11");
  EXPECT_EQ(formatInstr(make(Opcode::Route)), "route layer 1 task 3 tokens 11");
  EXPECT_EQ(formatInstr(make(Opcode::Combine)),
            "combine layer 1 task 3 elements 11");
  EXPECT_EQ(formatInstr(make(Opcode::Signal)), "signal 12");
  EXPECT_EQ(formatInstr(make(Opcode::Wait)), "wait 12 count 13");
  EXPECT_EQ(formatInstr(make(Opcode::Halt)), "halt");
  EXPECT_EQ(formatInstr(make(Opcode::Fetch)),
            "fetch layer 1 task 3 bank 4 offset 5 bytes 6");
}

TEST(ISATest, FetchRoundTrips) {
  // docs/isa.md: opcode 13, format Mem, no sub-operation, no flag; the
  // binary instruction is 13, 0, 0 and the five fields as i64.
  EXPECT_EQ(opcodeOf("fetch"), 13);
  const InstrSpec &spec = instrSpec(Opcode::Fetch);
  EXPECT_EQ(spec.sub, SubKind::None);
  EXPECT_FALSE(spec.dynamic);
  EXPECT_EQ(spec.tile, TileKind::Vector);
  // The linear program of TestPrograms.h with task 0's 4 x 3 int8 = 12
  // bytes of weights fetched into bank 1 at 4096: binary and assembly
  // round trips give the same bytes and the same instruction.
  Program p = spikestack::rt::testing::linearProgram();
  Instr fetch;
  fetch.op = Opcode::Fetch;
  fetch.layer = 0, fetch.task = 0, fetch.bank = 1, fetch.offset = 4096,
  fetch.bytes = 12;
  Instr load = fetch;
  load.op = Opcode::Load;
  load.sub = uint8_t(LoadKind::Weights);
  p.streams[0].insert(p.streams[0].begin(), {fetch, load});
  const std::string bytes = encodeProgram(p);
  auto decoded = decodeProgram(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(decoded->streams[0][0] == fetch);
  const std::string text = disassemble(*decoded);
  EXPECT_NE(text.find("\n  fetch layer 0 task 0 bank 1 offset 4096 bytes 12\n"),
            std::string::npos);
  auto again = assemble(text);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(encodeProgram(*again), bytes);
  EXPECT_EQ(formatInstr(fetch),
            "fetch layer 0 task 0 bank 1 offset 4096 bytes 12");
  // In the binary: opcode 13, sub-operation 0, flags 0, then the fields.
  const std::string instr = std::string("\x0d\x00\x00", 3) +
                            std::string(8, '\0') + std::string(8, '\0') +
                            std::string("\x01\0\0\0\0\0\0\0", 8) +
                            std::string("\x00\x10\0\0\0\0\0\0", 8) +
                            std::string("\x0c\0\0\0\0\0\0\0", 8);
  EXPECT_NE(bytes.find(instr), std::string::npos);
  EXPECT_EQ(std::string(assemble(".stream core 0\n  fetch weights layer "
                                 "0\n.end\n")
                            .status()
                            .message()),
            "line 2: fetch expects 'layer' at word 2");
}

TEST(ISATest, FieldsInEncodingOrder) {
  // docs/isa.md: the fields follow the opcode, sub-operation and flags
  // bytes in the order of the assembly syntax.
  auto names = [](Opcode op) {
    std::string s;
    for (const FieldSpec &f : instrSpec(op).fields)
      s += (s.empty() ? "" : " ") + f.name;
    return s;
  };
  EXPECT_EQ(names(Opcode::Load), "layer task bank offset bytes");
  EXPECT_EQ(names(Opcode::SpikeAcc),
            "layer tiling task k_tiles columns vectors bundle");
  EXPECT_EQ(names(Opcode::Route), "layer task tokens");
  EXPECT_EQ(names(Opcode::Wait), "barrier count");
  EXPECT_EQ(names(Opcode::Halt), "");
  EXPECT_EQ(names(Opcode::Fetch), "layer task bank offset bytes");
  EXPECT_TRUE(instrSpec(Opcode::Route).has(&Instr::elements));
  EXPECT_FALSE(instrSpec(Opcode::Store).has(&Instr::elements));
  EXPECT_EQ(instrSpec(Opcode::ScoreValue).tile, TileKind::ScoreValue);
  EXPECT_TRUE(instrSpec(Opcode::SpikeAcc).dynamic);
  EXPECT_FALSE(instrSpec(Opcode::Lif).dynamic);
}

absl::Status assembleLine(const std::string &line) {
  return assemble(".stream core 0\n  " + line + "\n.end\n").status();
}

TEST(ISATest, AssemblerMessages) {
  auto message = [](const std::string &line) {
    return std::string(assembleLine(line).message());
  };
  EXPECT_EQ(message("load layer 0"),
            "line 2: load needs 'weights' or 'input'");
  EXPECT_EQ(message("vector layer 0"),
            "line 2: vector needs a function (add, max_pool, ...)");
  EXPECT_EQ(message("signal"), "line 2: signal needs a barrier number");
  EXPECT_EQ(message("wait 0"), "line 2: wait needs 'BARRIER count N'");
  EXPECT_EQ(message("spike_acc layer 0 task 0"),
            "line 2: spike_acc expects 'tiling' at word 4");
  EXPECT_EQ(message("route layer 0 task 0 tokens x"),
            "line 2: route: 'tokens' needs an integer");
  EXPECT_EQ(message("lif layer 0 task 0 elements 1 dynamic"),
            "line 2: unexpected 'dynamic'");
  EXPECT_EQ(message("jump"), "line 2: unknown instruction 'jump'");
}

TEST(ISATest, DocsTableHasARowPerInstruction) {
  const std::string table = isaTable();
  int rows = 0;
  for (char c : table)
    rows += c == '\n';
  EXPECT_EQ(rows, 2 + kNumOpcodes);
  EXPECT_NE(table.find("| 11 | `wait B count N` |"), std::string::npos);
  EXPECT_NE(
      table.find("| 13 | `fetch layer L task T bank B offset O bytes N` |"),
      std::string::npos);
  EXPECT_NE(table.find("| 7 | `route layer L task T tokens N` |"),
            std::string::npos);
}

} // namespace
