//===- CoverageTest.cpp - the streams must do the layer table's work ------===//
//
// verifyCoverage (lib/Runtime/Coverage.cpp), through verifyProgram, on a
// hand-built program: x (2 x 4 spikes) -> linear (weight 3 x 4, int8) ->
// fused LIF -> add (the spikes to themselves) -> y. The expected tilings
// and element counts are worked out by hand below from the shapes (what
// --snn-tile and --snn-lower-to-hw would give), not taken from the code.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Hardware/Target.h"
#include "spikestack/Runtime/Executor.h"
#include "spikestack/Runtime/Program.h"

#include "TestPrograms.h"

#include "gmock/gmock.h"
#include <cmath>
#include "gtest/gtest.h"

namespace spikestack::rt {
namespace {

using ::testing::HasSubstr;

/// The program. Linear: reduction = 4 inputs, outputs = 3, one group,
/// vectors = 2 x 3 / 3 = 2 rows; on a 32 x 32 array k_tiles = ceil(4/32) =
/// 1, one column task of min(32, 3) = 3 columns; its fused LIF updates
/// 3 columns x 2 vectors = 6 neurons. Add: one vector task over its 2 x 3
/// = 6 result elements.
Program program() { return testing::linearProgram(); }

std::string errorOf(const Program &p) {
  absl::Status st = verifyProgram(p);
  EXPECT_FALSE(st.ok());
  return std::string(st.message());
}

TEST(CoverageTest, CompleteProgramVerifies) {
  absl::Status st = verifyProgram(program());
  EXPECT_TRUE(st.ok()) << st;
  // Split over two cores in another order: still every task once.
  Program p = program();
  p.streams = {{p.streams[0][2], Instr{}},
               {p.streams[0][0], p.streams[0][1], Instr{}}};
  st = verifyProgram(p);
  EXPECT_TRUE(st.ok()) << st;
}

TEST(CoverageTest, StreamsWithoutComputeAreRejected) {
  Program p = program();
  p.streams = {{Instr{}}};
  EXPECT_THAT(errorOf(p),
              HasSubstr("layer 0 (snn.linear) is not covered by the streams: "
                        "the array work of tiling 0 task 0 needs 'spike_acc "
                        "layer 0 tiling 0 task 0 k_tiles 1 columns 3 vectors "
                        "2 bundle 2'"));
  p.streams.clear();
  EXPECT_THAT(errorOf(p), HasSubstr("layer 0 (snn.linear) is not covered"));
}

TEST(CoverageTest, MissingEpilogueAndVectorWork) {
  Program p = program();
  p.streams[0].erase(p.streams[0].begin() + 1);
  EXPECT_THAT(errorOf(p),
              HasSubstr("layer 0 (snn.linear) is not covered by the streams: "
                        "the fused epilogue of tiling 0 task 0 needs 'lif "
                        "layer 0 task 0 elements 6'"));
  p = program();
  p.streams[0].erase(p.streams[0].begin() + 2);
  EXPECT_THAT(errorOf(p),
              HasSubstr("layer 1 (snn.add) is not covered by the streams: the "
                        "work of tiling 0 task 0 needs 'vector add layer 1 "
                        "task 0 elements 6'"));
  // The add as a max_pool: the add is missing and the pool is foreign.
  p = program();
  p.streams[0][2].sub = uint8_t(VectorFn::MaxPool);
  EXPECT_THAT(errorOf(p), HasSubstr("needs 'vector add layer 1 task 0 "
                                    "elements 6'"));
}

TEST(CoverageTest, DuplicateAndForeignInstructions) {
  Program p = program();
  p.streams[0].insert(p.streams[0].begin() + 3, p.streams[0][2]);
  EXPECT_THAT(errorOf(p),
              HasSubstr("core 0 instruction 3 (vector add layer 1 task 0 "
                        "elements 6) repeats core 0 instruction 2"));
  p = program();
  Instr extra = p.streams[0][1];
  extra.layer = 1; // a lif for the add layer
  p.streams[0].insert(p.streams[0].begin() + 3, extra);
  EXPECT_THAT(errorOf(p),
              HasSubstr("core 0 instruction 3 (lif layer 1 task 0 elements "
                        "6) is not part of the work of layer 1 (snn.add)"));
}

TEST(CoverageTest, EveryComputingNodeBelongsToALayer) {
  Program p = program();
  p.layers.pop_back();
  p.streams[0].erase(p.streams[0].begin() + 2);
  EXPECT_THAT(errorOf(p),
              HasSubstr("graph 0 node 3 (add) 'snn.add' computes, but no "
                        "layer of the layer table stands for it"));
  // No epilogue: the LIF node is left without a layer.
  p = program();
  p.layers[0].epilogues = {-1};
  p.streams[0].erase(p.streams[0].begin() + 1);
  EXPECT_THAT(errorOf(p), HasSubstr("graph 0 node 2 (neuron) 'snn.lif' "
                                    "computes, but no layer"));
  // Two layers for one node.
  p = program();
  p.layers[1].node = 1;
  p.layers[1].owners = {1};
  EXPECT_THAT(errorOf(p), HasSubstr("graph 0 node 1 (linear) belongs to "
                                    "layer 0 (snn.linear) and to layer 1"));
}

TEST(CoverageTest, TilingsMustFitTheNode) {
  // reduction 1 instead of the weight's 4 inputs (k_tiles stays 1).
  Program p = program();
  p.layers[0].tilings[0].reduction = 1;
  EXPECT_THAT(errorOf(p),
              HasSubstr("layer 0 (snn.linear) tiling 0 (synaptic reduction 1 "
                        "outputs 3 groups 1 vectors 2 held 8 bits) does not "
                        "match node 1 (linear), whose shapes give reduction 4 "
                        "outputs 3 groups 1 vectors 2 held 8 bits"));
  // Held bits of a 1-bit weight for the int8 weight.
  p = program();
  p.layers[0].tilings[0].heldBits = 1;
  EXPECT_THAT(errorOf(p), HasSubstr("whose shapes give reduction 4 outputs 3 "
                                    "groups 1 vectors 2 held 8 bits"));
  // An add on the array.
  p = program();
  p.layers[1].tilings[0].kind = TileKind::Synaptic;
  EXPECT_THAT(errorOf(p), HasSubstr("layer 1 (snn.add): node 3 (add) is "
                                    "computed by tilings [vector], the layer "
                                    "has [synaptic]"));
  // A tiling standing for another node than its layer's.
  p = program();
  p.layers[1].owners = {2};
  EXPECT_THAT(errorOf(p), HasSubstr("layer 1 (snn.add): tiling 0 stands for "
                                    "graph 0 node 2, not for the layer's node "
                                    "3"));
  // A layer for a constant: nothing computes it.
  p = program();
  p.layers[1].node = 0;
  p.layers[1].owners = {0};
  EXPECT_THAT(errorOf(p), HasSubstr("layer 1 (snn.add) tiling 0: no "
                                    "instruction computes node 0 (constant)"));
}

TEST(CoverageTest, EpiloguesAreNeuronsFedByTheirTiling) {
  Program p = program();
  p.layers[0].epilogues = {3};
  EXPECT_THAT(errorOf(p),
              HasSubstr("layer 0 (snn.linear) tiling 0: its fused epilogue "
                        "node 3 (add) must be a neuron or dequantize node fed "
                        "by the tiling's node 1 (linear)"));
  p = program();
  p.layers[1].epilogues = {2};
  EXPECT_THAT(errorOf(p), HasSubstr("layer 1 (snn.add) tiling 0: only a "
                                    "synaptic tiling has a fused epilogue"));
}

/// The program with task 0's weights fetched into bank `bank` at 1024 and
/// loaded from there: fetch, load weights, spike_acc, lif, add, halt.
/// Task 0 of the linear has 4 rows x 3 columns of int8 = 12 bytes.
Program fetched(int64_t bank = 0) {
  Program p = program();
  Instr fetch;
  fetch.op = Opcode::Fetch;
  fetch.layer = 0, fetch.task = 0, fetch.bank = bank, fetch.offset = 1024,
  fetch.bytes = 12;
  Instr load = fetch;
  load.op = Opcode::Load;
  load.sub = uint8_t(LoadKind::Weights);
  auto &s = p.streams[0];
  s.insert(s.begin(), {fetch, load});
  return p;
}

TEST(CoverageTest, FetchIsFollowedByItsLoad) {
  EXPECT_TRUE(verifyProgram(fetched()).ok()) << verifyProgram(fetched());
  // Into DRAM.
  Program p = fetched(-1);
  EXPECT_THAT(errorOf(p), HasSubstr("core 0 instruction 0 (fetch): fetch "
                                    "into bank -1: a fetch brings weights"));
  // Not the task's weight bytes.
  p = fetched();
  p.streams[0][0].bytes = 13;
  p.streams[0][1].bytes = 13;
  EXPECT_THAT(errorOf(p),
              HasSubstr("core 0 instruction 0 (fetch layer 0 task 0 bank 0 "
                        "offset 1024 bytes 13): fetches 13 bytes, task 0 of "
                        "layer 0 (snn.linear) has 12 bytes of weights"));
  // A layer without weights.
  p = fetched();
  p.streams[0][0].layer = 1;
  EXPECT_THAT(errorOf(p), HasSubstr("fetch layer 1 task 0 bank 0 offset 1024 "
                                    "bytes 12): layer 1 (snn.add) has no "
                                    "weights for task 0"));
  // Used at another offset: both instructions named.
  p = fetched();
  p.streams[0][1].offset = 0;
  EXPECT_THAT(errorOf(p),
              HasSubstr("core 0 instruction 1 (load weights layer 0 task 0 "
                        "bank 0 offset 0 bytes 12) uses the weights of core 0 "
                        "instruction 0 (fetch layer 0 task 0 bank 0 offset "
                        "1024 bytes 12) at another place"));
  // Never used: the load comes first, or on another core.
  p = fetched();
  std::swap(p.streams[0][0], p.streams[0][1]);
  EXPECT_THAT(errorOf(p), HasSubstr("core 0 instruction 1 (fetch layer 0 task "
                                    "0 bank 0 offset 1024 bytes 12) is never "
                                    "used"));
  p = fetched();
  p.streams.push_back({p.streams[0][0], Instr{}});
  EXPECT_THAT(errorOf(p), HasSubstr("core 1 instruction 0 (fetch layer 0 task "
                                    "0 bank 0 offset 1024 bytes 12) is never "
                                    "used"));
  // Fetched twice before the use: the first is never used.
  p = fetched();
  p.streams[0].insert(p.streams[0].begin(), p.streams[0][0]);
  EXPECT_THAT(errorOf(p), HasSubstr("core 0 instruction 0 (fetch layer 0 task "
                                    "0 bank 0 offset 1024 bytes 12) is never "
                                    "used"));
}

// The same program on 3d-mol (32 x 32 arrays): it runs, and the executor
// checks what needs the target and the inputs.
class ExecutorTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto t = hw::loadTarget("3d-mol");
    ASSERT_TRUE(t.ok()) << t.status();
    target = *t;
  }
  absl::StatusOr<std::unique_ptr<Executor>> create(Program p) {
    p.fingerprint = targetFingerprint(target);
    return Executor::create(std::move(p), target);
  }
  hw::Target target;
};

TEST_F(ExecutorTest, RunsTheHandBuiltProgram) {
  auto e = create(program());
  ASSERT_TRUE(e.ok()) << e.status();
  // x all ones, weight all ones: the linear gives 4 per output; the LIF
  // (tau 2, threshold 1, hard reset to 0) integrates H = 4 / 2 = 2 >= 1
  // and fires at both time steps; the add doubles the spikes: y = 2.
  auto r = (*e)->run({ref::Tensor({2, 4}, 1.0)});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->outputs.size(), 1u);
  EXPECT_EQ(r->outputs[0].data, std::vector<double>(6, 2.0));
  EXPECT_GT(r->cycles, 0);
}

TEST_F(ExecutorTest, FetchNeedsAWeightBankAndRoom) {
  // 3d-mol: banks 0-7 hold weights (128 KiB), 8-11 activations (64 KiB).
  auto e = create(fetched(0));
  ASSERT_TRUE(e.ok()) << e.status();
  auto r = (*e)->run({ref::Tensor({2, 4}, 1.0)});
  ASSERT_TRUE(r.ok()) << r.status();
  // The fetch changes the timing, never the outputs.
  EXPECT_EQ(r->outputs[0].data, std::vector<double>(6, 2.0));
  e = create(fetched(8));
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(std::string(e.status().message()),
              HasSubstr("core 0 instruction 0 (fetch layer 0 task 0 bank 8 "
                        "offset 1024 bytes 12): bank 8 ('act0') holds "
                        "activations only"));
  Program p = fetched(0);
  p.streams[0][0].offset = p.streams[0][1].offset = 131072 - 11;
  e = create(p);
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(std::string(e.status().message()),
              HasSubstr("fetch layer 0 task 0 bank 0 offset 131061 bytes 12): "
                        "bytes 131061..131073 are outside bank 0"));
}

TEST_F(ExecutorTest, FetchOverwritingWeightsInUseIsAnError) {
  // load weights of task 0 at bank 0 offset 1024; a fetch of the same
  // bytes issued before the spike_acc that reads them (any fetch of a
  // task with the same 12 bytes: task 0 itself, so the verifier's
  // "followed by its load" holds through a second load).
  Program p = fetched(0);
  auto &s = p.streams[0];
  // fetch, load, fetch, spike_acc, load, lif, add, halt
  s.insert(s.begin() + 2, s[0]);
  Instr reload = s[1];
  s.insert(s.begin() + 4, reload);
  ASSERT_TRUE(verifyProgram(p).ok()) << verifyProgram(p);
  auto e = create(p);
  ASSERT_TRUE(e.ok()) << e.status();
  auto r = (*e)->run({ref::Tensor({2, 4}, 1.0)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(std::string(r.status().message()),
            "core 0 instruction 2 (fetch layer 0 task 0 bank 0 offset 1024 "
            "bytes 12): fetch overwrites weights in use: bank 0 bytes "
            "1024..1036 loaded by core 0 instruction 1 (load weights layer 0 "
            "task 0 bank 0 offset 1024 bytes 12) are still to be read by "
            "core 0 instruction 3 (spike_acc layer 0 tiling 0 task 0 k_tiles "
            "1 columns 3 vectors 2 bundle 2)");
}

TEST_F(ExecutorTest, ArrayTilingsAreTheTargetsArrays) {
  // 16 rows: still k_tiles ceil(4 / 16) = 1, so the program verifies.
  Program p = program();
  p.layers[0].tilings[0].rows = 16;
  ASSERT_TRUE(verifyProgram(p).ok());
  auto e = create(p);
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(std::string(e.status().message()),
              HasSubstr("layer 0 tiling 0 is for a 16x32 array (rows equal, columns at most), but the "
                        "cores of target '3d-mol' have 32x32 arrays"));
}

TEST_F(ExecutorTest, NonFiniteInputsAreRejected) {
  auto e = create(program());
  ASSERT_TRUE(e.ok()) << e.status();
  ref::Tensor x({2, 4}, 1.0);
  x.data[3] = std::nan("");
  x.data[6] = -INFINITY;
  auto r = (*e)->run({x});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(std::string(r.status().message()),
            "input 'x': 2 of 8 elements are not finite, the first at flat "
            "index 3 (nan); inputs must be finite (no NaN or infinity)");
  x.data[3] = 1;
  EXPECT_THAT(std::string(checkFinite(x, "x").message()),
              HasSubstr("1 of 8 elements are not finite, the first at flat "
                        "index 6 (-inf)"));
  x.data[6] = 0;
  EXPECT_TRUE(checkFinite(x, "x").ok());
}

TEST_F(ExecutorTest, WorkIsBoundedBeforeTheRun) {
  // Operations, one per element read or written plus the linear's
  // multiply-accumulates: constant 12; linear 6 + 8 + 12 + 6 x 4 = 50;
  // LIF 6 + 6 = 12; add 6 + 6 + 6 = 18; in all 92.
  auto e = create(program());
  ASSERT_TRUE(e.ok()) << e.status();
  RunOptions o;
  o.maxOperations = 91;
  auto r = (*e)->run({ref::Tensor({2, 4}, 1.0)}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(std::string(r.status().message()),
            "the layer table needs about 92 operations (multiply-accumulates, "
            "pooling window reads and element operations), more than the "
            "executor's limit of 91 (RunOptions::maxOperations, snn-run "
            "--max-operations); node 1 (linear) alone needs 50");
  o.maxOperations = 92;
  EXPECT_TRUE((*e)->run({ref::Tensor({2, 4}, 1.0)}, o).ok());
}

TEST_F(ExecutorTest, HugePoolingWindowIsRefusedNotRun) {
  // zeros [1, 4096, 4096] -> max_pool 4096 x 4096, stride 1, padding 2047
  // (top, left) and 2048 (bottom, right): (4096 + 4095 - 4096) + 1 = 4096
  // rows and columns, each output reading a 4096 x 4096 window clipped to
  // the plane: 2^24 * 2^24 = 2^48 reads, hours of work from a program of
  // a few hundred bytes. Operations: 2^24 (empty) + 2^24 + 2^24 + 2^48.
  Program p;
  p.target = "3d-mol";
  Graph g;
  const ElemType spike{ElemKind::Spike, 1, 0, 1};
  g.values = {{{1, 4096, 4096}, spike}, {{1, 4096, 4096}, spike}};
  g.outputs = {1};
  g.outputNames = {"y"};
  g.nodes = {testing::makeNode(NodeKind::Empty, "tensor.empty", {}, 0, {}),
             testing::makeNode(NodeKind::MaxPool, "snn.max_pool2d", {0}, 1,
                  {4096, 4096, 1, 1, 2047, 2047, 2048, 2048, 0})};
  p.graphs = {g};
  Layer pool;
  pool.node = 1;
  pool.op = "snn.max_pool2d";
  pool.tilings = {{TileKind::Vector, 1, 1, 1, 1, 1, 1, 1, 0}};
  pool.owners = {1};
  pool.epilogues = {-1};
  p.layers = {pool};
  Instr vec;
  vec.op = Opcode::Vector;
  vec.sub = uint8_t(VectorFn::MaxPool);
  vec.layer = 0, vec.task = 0, vec.elements = 4096 * 4096;
  p.streams = {{vec, Instr{}}};
  auto e = create(p);
  ASSERT_TRUE(e.ok()) << e.status();
  auto r = (*e)->run({});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("the layer table needs about 2.81e+14 operations"));
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("limit of 274877906944 (RunOptions::maxOperations, "
                        "snn-run --max-operations); node 1 (max_pool) alone "
                        "needs 2.81e+14"));
}

} // namespace
} // namespace spikestack::rt
