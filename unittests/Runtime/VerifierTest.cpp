//===- VerifierTest.cpp - verifyProgram on hand-built programs ------------===//
//
// The linear program of TestPrograms.h (x 2 x 4 spikes -> linear 3 x 4 ->
// LIF -> add, one core) verifies; each test breaks one field of it and
// checks that the error names that field (graph, value, node, layer, core
// and instruction, with the offending number and the range it is out of,
// counted by hand from the program).
//
//===----------------------------------------------------------------------===//
#include "spikestack/Runtime/Program.h"

#include "TestPrograms.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spikestack::rt {
namespace {

using ::testing::HasSubstr;
using testing::linearProgram;

std::string errorOf(const Program &p) {
  absl::Status st = verifyProgram(p);
  EXPECT_FALSE(st.ok());
  return std::string(st.message());
}

TEST(VerifierTest, ValidProgramPasses) {
  absl::Status st = verifyProgram(linearProgram());
  EXPECT_TRUE(st.ok()) << st;
  // 40 inputs in bundles of 2 of 4 vectors: k_tiles 2.
  st = verifyProgram(linearProgram(4, 40, 3, 2));
  EXPECT_TRUE(st.ok()) << st;
  // No streams at all and no layers: nothing to cover.
  Program p = linearProgram();
  p.graphs[0].nodes.resize(1);
  p.graphs[0].outputs = {1};
  p.layers.clear();
  p.streams.clear();
  st = verifyProgram(p);
  EXPECT_TRUE(st.ok()) << st;
}

TEST(VerifierTest, TargetFields) {
  Program p = linearProgram();
  p.target = "";
  EXPECT_THAT(errorOf(p), HasSubstr("target"));
  p.target = "3d mol"; // a space is not in [A-Za-z0-9._-]
  EXPECT_THAT(errorOf(p), HasSubstr("3d mol"));
}

TEST(VerifierTest, GraphsAndValues) {
  Program p = linearProgram();
  p.graphs.clear();
  EXPECT_EQ(errorOf(p), "program has no layer table (graph 0)");

  p = linearProgram();
  p.graphs[0].values[2].shape = {2, -3};
  EXPECT_THAT(errorOf(p), HasSubstr("graph 0 value 2: shape has a negative "
                                    "dimension"));
  p = linearProgram();
  p.graphs[0].values[1].shape = std::vector<int64_t>(17, 1);
  EXPECT_THAT(errorOf(p), HasSubstr("graph 0 value 1: rank > 16"));
  p = linearProgram();
  p.graphs[0].values[4].type.countMax = 0; // count<0>
  EXPECT_THAT(errorOf(p), HasSubstr("graph 0 value 4: bad element type"));
  p = linearProgram();
  p.graphs[0].values[1].type.width = 65; // i65
  EXPECT_THAT(errorOf(p), HasSubstr("graph 0 value 1: bad element type"));

  p = linearProgram();
  p.graphs[0].inputNames.clear();
  EXPECT_THAT(errorOf(p),
              HasSubstr("graph 0: names do not match inputs/outputs"));
  p = linearProgram();
  p.graphs[0].inputs = {5};
  EXPECT_THAT(errorOf(p), HasSubstr("graph 0 input: value id 5 out of range "
                                    "(5 values)"));
  p = linearProgram();
  p.graphs[0].outputs = {0};
  p.graphs[0].outputs[0] = 7;
  EXPECT_THAT(errorOf(p), HasSubstr("graph 0: output value 7 is not defined"));
}

TEST(VerifierTest, Nodes) {
  // The add reads value 4, its own result (not defined before it).
  Program p = linearProgram();
  p.graphs[0].nodes[3].operands = {3, 4};
  EXPECT_THAT(errorOf(p), HasSubstr("graph 0 node 3 (add): operand 1 (value "
                                    "4) is not defined before it"));
  // An add with one operand.
  p = linearProgram();
  p.graphs[0].nodes[3].operands = {3};
  EXPECT_THAT(errorOf(p),
              HasSubstr("graph 0 node 3 (add): 1 operands and 1 results"));
  // The LIF writes the linear's result again.
  p = linearProgram();
  p.graphs[0].nodes[2].results = {2};
  EXPECT_THAT(errorOf(p), HasSubstr("graph 0 node 2 result: value 2 defined "
                                    "twice"));
  // The linear with two int parameters instead of three.
  p = linearProgram();
  p.graphs[0].nodes[1].ints = {0, 0};
  EXPECT_THAT(errorOf(p), HasSubstr("graph 0 node 1 (linear): 2 int and 0 "
                                    "real parameters"));
  // Constant 1 of a pool of one.
  p = linearProgram();
  p.graphs[0].nodes[0].ints = {1};
  EXPECT_THAT(errorOf(p), HasSubstr("graph 0 node 0: constant 1 out of "
                                    "range"));
  // 3 x 4 int8 weights need 12 bytes.
  p = linearProgram();
  p.constants[0].bytes.pop_back();
  EXPECT_THAT(errorOf(p), HasSubstr("graph 0 node 0: constant 0 holds 11 "
                                    "bytes, the value needs 12 elements"));
}

TEST(VerifierTest, ProgramFields) {
  Program p = linearProgram();
  p.inputOffsets = {};
  EXPECT_EQ(errorOf(p), "program has 0 input offsets for 1 inputs");
  p.inputOffsets = {-8};
  EXPECT_EQ(errorOf(p), "input offset -8 out of range");
  p.inputOffsets = {int64_t(1) << 49}; // past 2^48
  EXPECT_THAT(errorOf(p), HasSubstr("input offset 562949953421312 out of "
                                    "range"));
  p = linearProgram();
  p.barriers = -1;
  EXPECT_EQ(errorOf(p), "bad barrier count or makespan");
  p = linearProgram();
  p.makespan = -1;
  EXPECT_EQ(errorOf(p), "bad barrier count or makespan");
}

TEST(VerifierTest, Layers) {
  Program p = linearProgram();
  p.layers[0].node = 4; // graph 0 has nodes 0..3
  EXPECT_THAT(errorOf(p), HasSubstr("layer 0: node 4 out of range"));
  p = linearProgram();
  p.layers[1].ownerGraph = 1;
  EXPECT_THAT(errorOf(p), HasSubstr("layer 1: owner graph out of range"));
  p = linearProgram();
  p.layers[1].owners = {};
  EXPECT_THAT(errorOf(p), HasSubstr("layer 1: tilings, owners and epilogues "
                                    "disagree"));
  p = linearProgram();
  p.layers[0].epilogues = {4};
  EXPECT_THAT(errorOf(p), HasSubstr("layer 0: owner or epilogue of tiling 0 "
                                    "out of range"));
  p = linearProgram();
  p.layers[0].tilings[0].bundle = 3; // more than its 2 vectors
  EXPECT_THAT(errorOf(p), HasSubstr("layer 0: bad tiling"));
  p = linearProgram();
  p.layers[0].tilings[0].heldBits = 65;
  EXPECT_THAT(errorOf(p), HasSubstr("layer 0: bad tiling"));
}

TEST(VerifierTest, Streams) {
  Program p = linearProgram();
  p.streams[0].pop_back();
  EXPECT_EQ(errorOf(p), "stream of core 0 does not end with halt");
  p = linearProgram();
  p.streams.push_back({});
  EXPECT_EQ(errorOf(p), "stream of core 1 does not end with halt");
  p = linearProgram();
  p.streams[0].insert(p.streams[0].begin(), Instr{});
  EXPECT_THAT(errorOf(p), HasSubstr("core 0 instruction 0 (halt): halt "
                                    "before the end of the stream"));
}

TEST(VerifierTest, InstructionFields) {
  // Instruction 0 spike_acc, 1 lif, 2 vector add, 3 halt.
  auto broken = [](auto edit) {
    Program p = linearProgram();
    edit(p.streams[0]);
    return errorOf(p);
  };
  EXPECT_THAT(broken([](auto &s) { s[2].layer = 2; }),
              HasSubstr("core 0 instruction 2 (vector): layer 2 out of range "
                        "(2 layers)"));
  EXPECT_THAT(broken([](auto &s) { s[1].task = 1; }),
              HasSubstr("core 0 instruction 1 (lif): task 1 out of range "
                        "(layer 0 has 1)"));
  EXPECT_THAT(broken([](auto &s) { s[0].tiling = 1; }),
              HasSubstr("core 0 instruction 0 (spike_acc): tiling 1 out of "
                        "range"));
  EXPECT_THAT(broken([](auto &s) { s[0].kTiles = 2; }),
              HasSubstr("core 0 instruction 0 (spike_acc): does not match "
                        "tiling 0 of layer 0"));
  EXPECT_THAT(broken([](auto &s) { s[0].columns = 4; }),
              HasSubstr("does not match tiling 0 of layer 0"));
  EXPECT_THAT(broken([](auto &s) { s[1].elements = -1; }),
              HasSubstr("core 0 instruction 1 (lif): element count -1 out of "
                        "range"));
  EXPECT_THAT(broken([](auto &s) { s[1].dynamic = true; }),
              HasSubstr("core 0 instruction 1 (lif): only array instructions "
                        "can be dynamic"));
  EXPECT_THAT(broken([](auto &s) { s[1].sub = 3; }),
              HasSubstr("core 0 instruction 1 (lif): sub-operation 3 on an "
                        "instruction without one"));
  EXPECT_THAT(broken([](auto &s) { s[2].sub = 10; }), // 10 functions: 0..9
              HasSubstr("core 0 instruction 2 (vector): unknown vector "
                        "function 10"));
  // Synchronisation: the program has no barriers.
  Instr signal;
  signal.op = Opcode::Signal;
  EXPECT_THAT(broken([&](auto &s) { s.insert(s.begin(), signal); }),
              HasSubstr("core 0 instruction 0 (signal): barrier 0 out of "
                        "range (program has 0)"));
  Program p = linearProgram();
  p.barriers = 1;
  Instr wait;
  wait.op = Opcode::Wait;
  p.streams[0].insert(p.streams[0].begin(), wait); // count 0
  EXPECT_THAT(errorOf(p), HasSubstr("core 0 instruction 0 (wait): wait "
                                    "count 0 out of range"));
  // A load with bank -2 (-1 is DRAM) and no bytes.
  Instr load;
  load.op = Opcode::Load;
  load.sub = uint8_t(LoadKind::Input);
  load.bank = -2;
  load.bytes = 8;
  EXPECT_THAT(broken([&](auto &s) { s.insert(s.begin(), load); }),
              HasSubstr("core 0 instruction 0 (load): address bank -2 offset "
                        "0 bytes 8 out of range"));
  load.bank = 0;
  load.bytes = 0;
  EXPECT_THAT(broken([&](auto &s) { s.insert(s.begin(), load); }),
              HasSubstr("address bank 0 offset 0 bytes 0 out of range"));
}

// Output-stationary tilings and row tiles (docs/isa.md, "Array passes"):
// the linear of TestPrograms.h on 4 x 4 arrays, 8 vectors of 10 inputs, 4
// outputs (tiledLinearProgram).
Program tiled(Dataflow d, int64_t bundle, int64_t rowTiles) {
  return testing::tiledLinearProgram(8, 10, 4, bundle, 4, 4, d, rowTiles,
                                     rowTiles, false);
}

TEST(VerifierTest, RowTilesAndOutputStationaryVerify) {
  // Folds of 4 (<= 4 rows), one row tile; folds of 4 in 2 row tiles of
  // one fold each; weight-stationary bundles of 2 (4 bundles) in 2 row
  // tiles of 2 bundles and in 4 row tiles of 1.
  for (Program p : {tiled(Dataflow::OutputStationary, 4, 1),
                    tiled(Dataflow::OutputStationary, 4, 2),
                    tiled(Dataflow::WeightStationary, 2, 2),
                    tiled(Dataflow::WeightStationary, 2, 4)}) {
    absl::Status st = verifyProgram(p);
    EXPECT_TRUE(st.ok()) << st;
  }
}

TEST(VerifierTest, OutputStationaryOnlyOnSynapticTilings) {
  // The add's vector tiling made output-stationary.
  Program p = tiled(Dataflow::OutputStationary, 4, 1);
  p.layers[1].tilings[0].dataflow = Dataflow::OutputStationary;
  EXPECT_THAT(errorOf(p), HasSubstr("layer 1: bad tiling"));
  // An and_accumulate tiling (the synaptic one relabelled) likewise.
  p = tiled(Dataflow::OutputStationary, 4, 1);
  p.layers[0].tilings[0].kind = TileKind::AndAccumulate;
  EXPECT_THAT(errorOf(p), HasSubstr("layer 0: bad tiling"));
}

TEST(VerifierTest, FoldLargerThanTheRowsIsRefused) {
  // A fold of 8 vectors on 4 array rows (each PE row holds one vector).
  Program p = tiled(Dataflow::OutputStationary, 8, 1);
  EXPECT_THAT(errorOf(p), HasSubstr("layer 0: bad tiling"));
  // The same bundle is fine weight-stationary.
  p = tiled(Dataflow::WeightStationary, 8, 1);
  absl::Status st = verifyProgram(p);
  EXPECT_TRUE(st.ok()) << st;
}

TEST(VerifierTest, EmptyRowTileIsRefused) {
  // 4 bundles of 2 in 3 row tiles: ceil(4 / 3) = 2 bundles per row tile,
  // so row tiles 0 and 1 take all 4 and row tile 2 is empty
  // ((3 - 1) x 2 = 4 >= 4 bundles).
  Program p = tiled(Dataflow::WeightStationary, 2, 2);
  p.layers[0].tilings[0].rowTiles = 3;
  EXPECT_THAT(errorOf(p), HasSubstr("layer 0: bad tiling"));
  // More row tiles than bundles, and none.
  p.layers[0].tilings[0].rowTiles = 5;
  EXPECT_THAT(errorOf(p), HasSubstr("layer 0: bad tiling"));
  p.layers[0].tilings[0].rowTiles = 0;
  EXPECT_THAT(errorOf(p), HasSubstr("layer 0: bad tiling"));
}

TEST(VerifierTest, ArrayInstructionStreamsItsRowTilesVectors) {
  // Row tile 0 of 2 streams vectors 0..3: `vectors 8` (the tiling's) is
  // refused, as is row tile 1's count on row tile 0.
  Program p = tiled(Dataflow::WeightStationary, 2, 2);
  ASSERT_EQ(p.streams[0][0].op, Opcode::SpikeAcc);
  p.streams[0][0].vectors = 8;
  EXPECT_THAT(errorOf(p), HasSubstr("core 0 instruction 0"));
  EXPECT_THAT(errorOf(p), HasSubstr("does not match tiling 0 of layer 0"));
  // 7 vectors in 2 row tiles of bundles of 2: 4 bundles, 2 per row tile:
  // vectors 0..3 and 4..6, so task 1 streams 3.
  Program q = testing::tiledLinearProgram(7, 10, 4, 2, 4, 4,
                                          Dataflow::WeightStationary, 2, 2,
                                          false);
  ASSERT_EQ(q.streams[1][0].vectors, 3);
  absl::Status st = verifyProgram(q);
  EXPECT_TRUE(st.ok()) << st;
  q.streams[1][0].vectors = 4;
  EXPECT_THAT(errorOf(q), HasSubstr("does not match tiling 0 of layer 0"));
}

TEST(VerifierTest, CoverageTakesEveryRowTileOnce) {
  // Row tile 1's spike_acc and lif missing: the coverage check names it.
  Program p = tiled(Dataflow::WeightStationary, 2, 2);
  p.streams[1].erase(p.streams[1].begin(), p.streams[1].begin() + 2);
  EXPECT_THAT(errorOf(p),
              HasSubstr("the array work of tiling 0 task 1 needs "
                        "'spike_acc layer 0 tiling 0 task 1 k_tiles 3 "
                        "columns 4 vectors 4 bundle 2'"));
  // Row tile 0's spike_acc twice.
  p = tiled(Dataflow::WeightStationary, 2, 2);
  p.streams[0].insert(p.streams[0].begin() + 1, p.streams[0][0]);
  EXPECT_THAT(errorOf(p), HasSubstr("repeats core 0 instruction 0"));
  // Its epilogue over the whole layer's vectors (8 x 4) instead of its
  // own (4 x 4 = 16).
  p = tiled(Dataflow::WeightStationary, 2, 2);
  ASSERT_EQ(p.streams[0][1].op, Opcode::Lif);
  p.streams[0][1].elements = 32;
  EXPECT_THAT(errorOf(p), HasSubstr("needs 'lif layer 0 task 0 elements "
                                    "16'"));
}

} // namespace
} // namespace spikestack::rt
