//===- TimingTest.cpp - the executor's cycle model, worked by hand --------===//
//
// Executor::run on the linear program of TestPrograms.h with 4 vectors of
// 40 spikes, 3 outputs, bundles of 2 vectors, on 3d-mol (32 x 32 arrays,
// 32 LIF units per core). The streams have no load or store, so the only
// timing is the array's and the LIF unit's (docs/isa.md, "Array passes"):
//
// * k_tiles = ceil(40 / 32) = 2 (blocks of 32 and 8 rows), bundles =
//   4 / 2 = 2: passes (b, k) = (0,0), (0,1), (1,0), (1,1);
// * the held block comes from the scratchpad (no `load weights` before
//   the instruction), one array row per cycle: 32 or 8 cycles, started
//   when the previous pass started computing (double buffering);
// * a pass computes R + C - 2 + n = 62 + n cycles for n streamed vectors,
//   starting when the previous pass has finished and its block arrived;
// * lif and vector add: ceil(12 elements / 32 units) = 1 cycle each.
//
// Every number below is worked out in the comments from these rules, not
// taken from the code.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Hardware/CostModel.h"
#include "spikestack/Hardware/Target.h"
#include "spikestack/Runtime/Executor.h"

#include "TestPrograms.h"

#include "gtest/gtest.h"
#include <nlohmann/json.hpp>

namespace spikestack::rt {
namespace {

using json = nlohmann::json;

class TimingTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto t = hw::loadTarget("3d-mol");
    ASSERT_TRUE(t.ok()) << t.status();
    target = *t;
  }

  /// Runs the 4 x 40 -> 3 program on `x` with a trace; fills `report`
  /// and `acc` (the args of the spike_acc trace event).
  RunResult run(const ref::Tensor &x) {
    Program p = testing::linearProgram(4, 40, 3, 2);
    p.fingerprint = targetFingerprint(target);
    auto e = Executor::create(std::move(p), target);
    EXPECT_TRUE(e.ok()) << e.status();
    if (!e.ok())
      return {};
    RunOptions o;
    o.trace = true;
    auto r = (*e)->run({x}, o);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok())
      return {};
    report = json::parse(r->reportJson);
    acc = json();
    const json trace = json::parse(r->traceJson);
    for (const json &ev : trace["traceEvents"])
      if (ev["name"].get<std::string>().rfind("spike_acc", 0) == 0)
        acc = ev["args"];
    EXPECT_FALSE(acc.is_null()) << "no spike_acc event in the trace";
    return *r;
  }

  /// x with the 8 inputs of the second k block (columns 32..39) of the
  /// listed vectors zero.
  static ref::Tensor input(std::vector<int> zeroSecondBlock) {
    ref::Tensor x({4, 40}, 1.0);
    for (int v : zeroSecondBlock)
      for (int i = 32; i < 40; ++i)
        x.data[size_t(v * 40 + i)] = 0;
    return x;
  }

  hw::Target target;
  json report, acc;
};

TEST(ArrayPassTest, FillAndDrainClosedForm) {
  // R + C - 2 cycles of fill and drain, one per streamed vector.
  EXPECT_EQ(hw::arrayPassCycles(32, 32, 2), 64);
  EXPECT_EQ(hw::arrayPassCycles(32, 32, 1), 63);
  EXPECT_EQ(hw::arrayPassCycles(128, 64, 100), 290);
  EXPECT_EQ(hw::arrayPassCycles(1, 1, 5), 5);
}

TEST_F(TimingTest, DenseInputClosedForm) {
  RunResult r = run(input({}));
  ASSERT_FALSE(report.is_null());
  // Compute: k_tiles * bundles * (R + C - 2) + k_tiles * V
  //        = 2 * 2 * 62 + 2 * 4 = 256.
  EXPECT_EQ(acc["compute_cycles"], 256);
  // Held-block loads: 32 + 8 + 32 + 8 rows.
  EXPECT_EQ(acc["load_cycles"], 80);
  EXPECT_EQ(acc["passes"], 4);
  EXPECT_EQ(acc["skipped_passes"], 0);
  // Timeline (load end, compute start..end):
  //   (0,0): load 0..32,   compute 32..96
  //   (0,1): load 32..40,  compute 96..160
  //   (1,0): load 96..128, compute 160..224
  //   (1,1): load 160..168, compute 224..288
  // then lif 288..289, add 289..290, halt.
  EXPECT_EQ(r.cycles, 290);
  EXPECT_EQ(report["cycles"], 290);
  const json &c = report["counters"];
  EXPECT_EQ(c["array_passes"], 4);
  EXPECT_EQ(c["skipped_passes"], 0);
  EXPECT_EQ(c["vectors_streamed"], 8); // 2 per pass
  EXPECT_EQ(c["vectors_skipped"], 0);
  // One accumulate per input spike per output column: 4 * 40 * 3.
  EXPECT_EQ(c["synaptic_events"], 480);
  EXPECT_EQ(c["lif_updates"], 12);
  EXPECT_EQ(c["vector_ops"], 12);
  // Layer 0 is the spike_acc and its LIF (288 + 1), layer 1 the add.
  ASSERT_EQ(c["layers"].size(), 2u);
  EXPECT_EQ(c["layers"][0]["cycles"], 289);
  EXPECT_EQ(c["layers"][1]["cycles"], 1);
  // Busy: 256 array + 1 LIF + 1 vector cycles of 290.
  ASSERT_FALSE(report["utilization"].empty());
  EXPECT_DOUBLE_EQ(report["utilization"].begin()->get<double>(),
                   258.0 / 290.0);
}

TEST_F(TimingTest, ZeroVectorIsNotStreamed) {
  // Vector 0 is zero in k block 1: pass (0,1) streams 1 vector, 63 cycles.
  RunResult r = run(input({0}));
  ASSERT_FALSE(report.is_null());
  EXPECT_EQ(acc["compute_cycles"], 64 + 63 + 64 + 64);
  EXPECT_EQ(acc["passes"], 4);
  //   (0,0): load 0..32,   compute 32..96
  //   (0,1): load 32..40,  compute 96..159
  //   (1,0): load 96..128, compute 159..223
  //   (1,1): load 159..167, compute 223..287
  // + lif + add = 289.
  EXPECT_EQ(r.cycles, 289);
  const json &c = report["counters"];
  EXPECT_EQ(c["vectors_streamed"], 7);
  EXPECT_EQ(c["vectors_skipped"], 1);
  EXPECT_EQ(c["synaptic_events"], (4 * 40 - 8) * 3);
}

TEST_F(TimingTest, AllZeroPassIsSkipped) {
  // Vectors 0 and 1 (bundle 0) are zero in k block 1: pass (0,1) is
  // skipped whole: no held-block load and no fill or drain.
  RunResult r = run(input({0, 1}));
  ASSERT_FALSE(report.is_null());
  EXPECT_EQ(acc["compute_cycles"], 3 * 64);
  EXPECT_EQ(acc["load_cycles"], 32 + 32 + 8);
  EXPECT_EQ(acc["passes"], 3);
  EXPECT_EQ(acc["skipped_passes"], 1);
  //   (0,0): load 0..32,   compute 32..96
  //   (1,0): load 32..64,  compute 96..160
  //   (1,1): load 96..104, compute 160..224
  // + lif + add = 226.
  EXPECT_EQ(r.cycles, 226);
  const json &c = report["counters"];
  EXPECT_EQ(c["array_passes"], 3);
  EXPECT_EQ(c["skipped_passes"], 1);
  EXPECT_EQ(c["vectors_streamed"], 6);
  EXPECT_EQ(c["vectors_skipped"], 2);
  EXPECT_EQ(c["synaptic_events"], (4 * 40 - 16) * 3);
}

TEST_F(TimingTest, SpikeFreeInputStillRunsTheLifUnits) {
  // No spike anywhere: every pass is skipped (the instruction takes its
  // minimum of one cycle), the LIF units are dense: 1 + 1 + 1 = 3.
  RunResult r = run(ref::Tensor({4, 40}, 0.0));
  ASSERT_FALSE(report.is_null());
  EXPECT_EQ(acc["compute_cycles"], 0);
  EXPECT_EQ(acc["passes"], 0);
  EXPECT_EQ(acc["skipped_passes"], 4);
  EXPECT_EQ(r.cycles, 3);
  EXPECT_EQ(report["counters"]["synaptic_events"], 0);
  EXPECT_EQ(report["counters"]["lif_updates"], 12);
}

} // namespace
} // namespace spikestack::rt

namespace spikestack::rt {
namespace {

/// Two cores fetch task 0's 4 x 3 int8 = 12 bytes = 96 bits at cycle 0
/// (core 0 into bank 0, core 1 into bank 1) on 3d-mol with a DRAM of
/// `channels` channels of 1 GB/s = 16 bits per cycle at 500 MHz. Returns
/// the report and the fetch-track events of core 1 (start, duration in
/// cycles).
json runTwoFetches(int64_t channels, std::vector<int64_t> &core1Fetch) {
  auto t = hw::loadTarget("3d-mol");
  EXPECT_TRUE(t.ok()) << t.status();
  hw::Target target = *t;
  target.dram.channels = channels;
  target.dram.bandwidthGBs = 1;
  Program p = testing::linearProgram(2, 4, 3, 2);
  Instr fetch;
  fetch.op = Opcode::Fetch;
  fetch.layer = 0, fetch.task = 0, fetch.bank = 0, fetch.offset = 0,
  fetch.bytes = 12;
  Instr load = fetch;
  load.op = Opcode::Load;
  load.sub = uint8_t(LoadKind::Weights);
  p.streams[0].insert(p.streams[0].begin(), {fetch, load});
  fetch.bank = load.bank = 1;
  p.streams.push_back({fetch, load, Instr{}});
  // The DRAM level is not part of the fingerprint.
  p.fingerprint = targetFingerprint(*t);
  EXPECT_EQ(targetFingerprint(target), p.fingerprint);
  auto e = Executor::create(std::move(p), target);
  EXPECT_TRUE(e.ok()) << e.status();
  if (!e.ok())
    return {};
  RunOptions o;
  o.trace = true;
  auto r = (*e)->run({ref::Tensor({2, 4}, 1.0)}, o);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok())
    return {};
  const json trace = json::parse(r->traceJson);
  int tid = -1;
  for (const json &ev : trace["traceEvents"])
    if (ev["name"] == "thread_name" &&
        ev["args"]["name"] ==
            target.block(target.blocksOfKind(hw::BlockKind::Core)[1]).name +
                " fetch")
      tid = ev["tid"];
  const double usPerCycle = 1.0 / 500.0;
  for (const json &ev : trace["traceEvents"])
    if (ev["ph"] == "X" && ev["tid"] == tid) {
      core1Fetch.push_back(std::llround(ev["ts"].get<double>() / usPerCycle));
      core1Fetch.push_back(std::llround(ev["dur"].get<double>() / usPerCycle));
    }
  return json::parse(r->reportJson);
}

TEST(DramChannelsTest, AFetchTakesTheChannelThatFreesFirst) {
  // One channel: core 0 (stepped first at equal times) serializes its 96
  // bits in [0, 6); core 1's follow in the same 16-cycle bucket, [6, 12).
  std::vector<int64_t> one, two;
  json r1 = runTwoFetches(1, one);
  EXPECT_EQ(one, (std::vector<int64_t>{0, 12}));
  EXPECT_EQ(r1["dram"]["channels"], 1);
  EXPECT_EQ(r1["dram"]["bandwidth_bits_per_cycle"], 16.0);
  // Two channels: channel 1 is free at 0 (channel 0 at 6), so core 1's
  // fetch is [0, 6) on it.
  json r2 = runTwoFetches(2, two);
  EXPECT_EQ(two, (std::vector<int64_t>{0, 6}));
  EXPECT_EQ(r2["dram"]["channels"], 2);
  EXPECT_EQ(r2["dram"]["bandwidth_bits_per_cycle"], 32.0);
  // Either way 2 x 96 weight bits, 2 x 6 channel-cycles of serialization.
  for (const json *r : {&r1, &r2}) {
    EXPECT_EQ((*r)["dram"]["bits"]["weights"], 192.0);
    EXPECT_EQ((*r)["dram"]["bits"]["total"], 192.0);
    EXPECT_EQ((*r)["dram"]["busy_cycles"], 12);
    EXPECT_EQ((*r)["dram"]["per_layer"][0]["weights"], 192.0);
    EXPECT_EQ((*r)["dram"]["per_layer"][1]["weights"], 0.0);
  }
}

} // namespace
} // namespace spikestack::rt
