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

#include "absl/strings/str_cat.h"

#include "TestPrograms.h"

#include "gtest/gtest.h"
#include <map>
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

namespace spikestack::rt {
namespace {

/// A target of `cores` cores with 4 x 4 arrays and 16 LIF units on the
/// logic tier (dataflows: weight-stationary and, if `os`, output-
/// stationary) under one 64 KiB bank of 2 ports `width` bits wide on the
/// memory tier (tests/Runtime/Inputs/streaming-1core.json's stack: SRAM
/// access 2 cycles, bond 3 cycles, so a weight read of b bits from an
/// idle port is ceil(b / width) + 5 cycles; one core reads at most one
/// port's width per cycle).
hw::Target smallTarget(int cores, int64_t width, bool os) {
  std::string blocks;
  for (int c = 0; c < cores; ++c)
    blocks += absl::StrCat(
        c ? "," : "", "{\"name\": \"c", c,
        "\", \"kind\": \"core\", \"array_rows\": 4, \"array_cols\": 4, "
        "\"lif_units\": 16, \"scratchpad_bytes\": 256, \"dataflows\": ",
        os ? "[\"weight_stationary\", \"output_stationary\"]"
           : "[\"weight_stationary\"]",
        "}");
  const std::string doc = absl::StrCat(
      "{\"format\": \"spikestack-target\", \"version\": 1, \"name\": "
      "\"os-test\", \"technology\": \"tech-28nm\", "
      "\"technology_overrides\": {\"sram_access_cycles\": 2}, "
      "\"clock_mhz\": 500, \"dram\": {\"channels\": 1, \"bandwidth_gb_s\": "
      "1, \"latency_ns\": 100, \"energy_pj_per_bit\": 8, \"tier\": "
      "\"logic\"}, \"tiers\": [{\"name\": \"logic\", \"kind\": \"logic\", "
      "\"blocks\": [",
      blocks,
      "]}, {\"name\": \"memory\", \"kind\": \"memory\", \"blocks\": "
      "[{\"name\": \"m0\", \"kind\": \"sram\", \"capacity_bytes\": 65536, "
      "\"width_bits\": ",
      width,
      ", \"ports\": 2, \"holds\": \"any\"}]}], \"vertical_links\": "
      "[{\"lower\": \"logic\", \"upper\": \"memory\", \"latency_cycles\": "
      "3}]}");
  auto t = hw::parseTarget(doc, "os-test.json");
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : hw::Target{};
}

/// The result of one run: the report and the spike_acc trace events' args
/// (with "start" and "dur" in cycles added), by task.
struct SmallRun {
  RunResult result;
  json report;
  std::map<int64_t, json> acc;
};

SmallRun runSmall(Program p, const hw::Target &target, const ref::Tensor &x) {
  SmallRun out;
  p.fingerprint = targetFingerprint(target);
  auto e = Executor::create(std::move(p), target);
  EXPECT_TRUE(e.ok()) << e.status();
  if (!e.ok())
    return out;
  RunOptions o;
  o.trace = true;
  auto r = (*e)->run({x}, o);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok())
    return out;
  out.result = *r;
  out.report = json::parse(r->reportJson);
  const double usPerCycle = 1.0 / out.report["clock_mhz"].get<double>();
  const json trace = json::parse(r->traceJson);
  for (const json &ev : trace["traceEvents"])
    if (ev["name"].get<std::string>().rfind("spike_acc", 0) == 0) {
      json a = ev["args"];
      a["start"] = std::llround(ev["ts"].get<double>() / usPerCycle);
      a["dur"] = std::llround(ev["dur"].get<double>() / usPerCycle);
      out.acc[a["task"].get<int64_t>()] = a;
    }
  return out;
}

// Output-stationary linear: 8 vectors of K = 10 spikes, N = 4 outputs (one
// column block of C = 4), folds of 4 vectors on 4 x 4 arrays, one core.
// docs/isa.md, "Array passes": a fold lasts
//   max(2R + C + K - 2, the fold's weights through the port)
// with 2R + C + K - 2 = 8 + 4 + 10 - 2 = 20; the fold's weights are
// K x C x 8 = 10 x 4 x 8 = 320 bits. LIF: 8 x 4 = 32 elements on 16
// units = 2 cycles; the add likewise 2 cycles; a `load weights` 1 cycle.
Program osProgram(bool fromBank, int64_t rowTiles = 1, int64_t cores = 1) {
  return testing::tiledLinearProgram(8, 10, 4, 4, 4, 4,
                                     Dataflow::OutputStationary, rowTiles,
                                     cores, fromBank);
}

TEST(OutputStationaryTest, FoldClosedForm) {
  EXPECT_EQ(hw::osFoldCycles(4, 4, 10), 20);
  EXPECT_EQ(hw::osFoldCycles(32, 32, 40), 134); // 64 + 32 + 40 - 2
}

TEST(OutputStationaryTest, DenseFoldsFromTheScratchpad) {
  // 8 non-zero vectors -> ceil(8 / 4) = 2 folds x 20 = 40 cycles of
  // spike_acc (no `load weights`: the held operand streams from the
  // scratchpad at the spikes' pace); + lif 2 + add 2 = 44.
  SmallRun r = runSmall(osProgram(false), smallTarget(1, 64, true),
                        ref::Tensor({8, 10}, 1.0));
  ASSERT_FALSE(r.report.is_null());
  const json &a = r.acc[0];
  EXPECT_EQ(a["dataflow"], "output_stationary");
  EXPECT_EQ(a["folds"], 2);
  EXPECT_EQ(a["passes"], 2);
  EXPECT_EQ(a["skipped_passes"], 0);
  EXPECT_EQ(a["compute_cycles"], 40);
  EXPECT_EQ(a["load_cycles"], 0);
  EXPECT_EQ(a["dur"], 40);
  EXPECT_EQ(r.result.cycles, 44);
  const json &c = r.report["counters"];
  EXPECT_EQ(c["array_passes"], 2);
  // Each packed vector streams its k_tiles = ceil(10 / 4) = 3 blocks.
  EXPECT_EQ(c["vectors_streamed"], 24);
  EXPECT_EQ(c["vectors_skipped"], 0);
  // One accumulate per spike per column: 8 x 10 x 4.
  EXPECT_EQ(c["synaptic_events"], 320);
  // The events bound counts the same operations as weight-stationary's
  // (per k block: non-zero vectors x block rows x columns = 8 x 10 x 4):
  // the same program, weight-stationary in bundles of 4, has the same
  // events bound.
  Program ws = testing::tiledLinearProgram(
      8, 10, 4, 4, 4, 4, Dataflow::WeightStationary, 1, 1, false);
  SmallRun w = runSmall(std::move(ws), smallTarget(1, 64, true),
                        ref::Tensor({8, 10}, 1.0));
  ASSERT_FALSE(w.report.is_null());
  EXPECT_EQ(w.report["counters"]["synaptic_events"], 320);
  EXPECT_EQ(r.report["bounds"]["total"]["events"],
            w.report["bounds"]["total"]["events"]);
  EXPECT_FALSE(w.acc[0].contains("dataflow")); // WS args as they were
}

TEST(OutputStationaryTest, ComputeBoundFoldsFromTheBank) {
  // Weights from bank 0 (64-bit ports): 320 bits = ceil(320 / 64) + 5 =
  // 10 cycles per fold, under the fold's 20: compute-bound.
  //   load weights 0..1
  //   fold 0: 1..21  (weights 1..11)
  //   fold 1: 21..41 (weights 21..31)
  // + lif 2 + add 2 = 45.
  SmallRun r = runSmall(osProgram(true), smallTarget(1, 64, true),
                        ref::Tensor({8, 10}, 1.0));
  ASSERT_FALSE(r.report.is_null());
  const json &a = r.acc[0];
  EXPECT_EQ(a["folds"], 2);
  EXPECT_EQ(a["compute_cycles"], 40);
  EXPECT_EQ(a["load_cycles"], 20);
  EXPECT_EQ(a["start"], 1);
  EXPECT_EQ(a["dur"], 40);
  EXPECT_EQ(r.result.cycles, 45);
  // The bank: 2 folds x 320 bits read, nothing written; its 2 ports of 64
  // bits are busy ceil(640 / 128) = 5 cycles of 45.
  const json &b = r.report["counters"]["banks"];
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0]["name"], "m0");
  EXPECT_EQ(b[0]["read_bits"], 640);
  EXPECT_EQ(b[0]["write_bits"], 0);
  EXPECT_EQ(b[0]["busy_cycles"], 5);
  EXPECT_DOUBLE_EQ(b[0]["utilization"].get<double>(), 5.0 / 45.0);
}

TEST(OutputStationaryTest, NarrowPortMakesTheFoldPortBound) {
  // 8-bit ports: a fold's 320 weight bits take 320 / 8 = 40 cycles + 5 of
  // latency = 45 > 20: the fold lasts as long as its weights.
  //   load weights 0..1
  //   fold 0: 1..46  (weights 1..41 on the port, + 5)
  //   fold 1: 46..91
  // + lif 2 + add 2 = 95.
  SmallRun r = runSmall(osProgram(true), smallTarget(1, 8, true),
                        ref::Tensor({8, 10}, 1.0));
  ASSERT_FALSE(r.report.is_null());
  const json &a = r.acc[0];
  EXPECT_EQ(a["folds"], 2);
  EXPECT_EQ(a["compute_cycles"], 40);
  EXPECT_EQ(a["load_cycles"], 90);
  EXPECT_EQ(a["dur"], 90);
  EXPECT_EQ(r.result.cycles, 95);
  // 640 bits on 2 x 8 bits per cycle: 40 busy cycles of 95.
  const json &b = r.report["counters"]["banks"];
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0]["busy_cycles"], 40);
  EXPECT_DOUBLE_EQ(b[0]["utilization"].get<double>(), 40.0 / 95.0);
}

TEST(OutputStationaryTest, ZeroVectorsArePackedIntoFewerFolds) {
  // Vectors 0, 2, 5 and 7 are all zero; vector 1 is zero in k block 0
  // only (inputs 0..3), so it is still non-zero. In place, vectors 0..3
  // and 4..7 would each need a fold; packed, the 4 non-zero vectors
  // (1, 3, 4, 6) fill one fold: 20 cycles; + lif 2 + add 2 = 24.
  ref::Tensor x({8, 10}, 1.0);
  for (int v : {0, 2, 5, 7})
    for (int i = 0; i < 10; ++i)
      x.data[size_t(v * 10 + i)] = 0;
  for (int i = 0; i < 4; ++i)
    x.data[size_t(1 * 10 + i)] = 0;
  SmallRun r = runSmall(osProgram(false), smallTarget(1, 64, true), x);
  ASSERT_FALSE(r.report.is_null());
  const json &a = r.acc[0];
  EXPECT_EQ(a["folds"], 1);
  EXPECT_EQ(a["passes"], 1);
  EXPECT_EQ(a["skipped_passes"], 1); // ceil(8 / 4) - 1
  EXPECT_EQ(a["compute_cycles"], 20);
  EXPECT_EQ(a["dur"], 20);
  EXPECT_EQ(r.result.cycles, 24);
  const json &c = r.report["counters"];
  // 4 packed vectors x 3 k blocks streamed, 4 zero ones x 3 skipped.
  EXPECT_EQ(c["vectors_streamed"], 12);
  EXPECT_EQ(c["vectors_skipped"], 12);
  // Spikes x columns: (4 x 10 - 4) x 4.
  EXPECT_EQ(c["synaptic_events"], 144);
}

TEST(OutputStationaryTest, CoresWithoutOutputStationaryRefuseIt) {
  Program p = osProgram(false);
  const hw::Target t = smallTarget(1, 64, false);
  p.fingerprint = targetFingerprint(t);
  auto e = Executor::create(std::move(p), t);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find(
                "layer 0 tiling 0 is output_stationary, which the cores of "
                "target 'os-test' do not support"),
            std::string::npos)
      << e.status();
}

// Row tiles: the same linear (8 vectors, K = 10, N = 4 on 4 x 4 arrays),
// weight-stationary in bundles of 2, cut into 2 row tiles of 2 bundles
// (vectors 0..3 and 4..7), task i on core i; the held operand from the
// scratchpad (one array row per cycle: 4, 4, 2 for k blocks of 4, 4, 2
// rows). A task: 2 bundles x 3 k blocks = 6 passes of R + C - 2 + 2 = 8
// cycles; each load after the first (<= 4 cycles) hides under the
// previous pass's 8:
//   (b0,k0) load 0..4, compute 4..12; (b0,k1) load 4..8, compute 12..20;
//   (b0,k2) load 12..14, compute 20..28; (b1,k0) load 20..24, 28..36;
//   (b1,k1) load 28..32, 36..44; (b1,k2) load 36..38, 44..52.
// So 4 + 6 x 8 = 52 cycles per task; lif 4 x 4 = 16 elements = 1 cycle.
// Core 0: 52 + 1 + add (32 elements) 2 = 55; core 1: 52 + 1 = 53.
TEST(RowTileTest, TwoRowTilesOnTwoCores) {
  Program p = testing::tiledLinearProgram(8, 10, 4, 2, 4, 4,
                                          Dataflow::WeightStationary, 2, 2,
                                          false);
  SmallRun r = runSmall(std::move(p), smallTarget(2, 64, false),
                        ref::Tensor({8, 10}, 1.0));
  ASSERT_FALSE(r.report.is_null());
  ASSERT_EQ(r.acc.size(), 2u);
  for (int64_t task : {0, 1}) {
    const json &a = r.acc[task];
    EXPECT_EQ(a["dataflow"], "weight_stationary");
    EXPECT_EQ(a["first_vector"], 4 * task);
    EXPECT_EQ(a["vectors"], 4);
    EXPECT_EQ(a["passes"], 6);
    EXPECT_EQ(a["compute_cycles"], 48);
    EXPECT_EQ(a["load_cycles"], 4 + 4 + 2 + 4 + 4 + 2);
    EXPECT_EQ(a["start"], 0);
    EXPECT_EQ(a["dur"], 52);
    // 4 vectors x 10 spikes x 4 columns.
    EXPECT_EQ(a["synaptic_events"], 160);
  }
  EXPECT_EQ(r.result.cycles, 55);
  EXPECT_EQ(r.report["counters"]["array_passes"], 12);
  EXPECT_EQ(r.report["counters"]["synaptic_events"], 320);
  // One task over all 8 vectors on one core: 4 bundles x 3 = 12 passes,
  // 4 + 12 x 8 = 100, + lif (32 elements) 2 + add 2 = 104.
  Program one = testing::tiledLinearProgram(
      8, 10, 4, 2, 4, 4, Dataflow::WeightStationary, 1, 1, false);
  SmallRun o = runSmall(std::move(one), smallTarget(2, 64, false),
                        ref::Tensor({8, 10}, 1.0));
  EXPECT_EQ(o.result.cycles, 104);
}

TEST(RowTileTest, ARowTileReadsItsOwnVectorsActivity) {
  // Vector 5 (row tile 1's second) is all zero: task 1's passes of bundle
  // 0 (vectors 4, 5) stream 1 vector, 7 cycles each:
  //   (b0,k0) 4..11, (b0,k1) 11..18, (b0,k2) 18..25, (b1,k0) 25..33,
  //   (b1,k1) 33..41, (b1,k2) 41..49 (loads hidden as before) = 49.
  // Task 0 is unchanged (52).
  ref::Tensor x({8, 10}, 1.0);
  for (int i = 0; i < 10; ++i)
    x.data[size_t(5 * 10 + i)] = 0;
  Program p = testing::tiledLinearProgram(8, 10, 4, 2, 4, 4,
                                          Dataflow::WeightStationary, 2, 2,
                                          false);
  SmallRun r = runSmall(std::move(p), smallTarget(2, 64, false), x);
  ASSERT_FALSE(r.report.is_null());
  EXPECT_EQ(r.acc[0]["dur"], 52);
  EXPECT_EQ(r.acc[1]["dur"], 49);
  EXPECT_EQ(r.acc[1]["compute_cycles"], 3 * 7 + 3 * 8);
  EXPECT_EQ(r.acc[1]["synaptic_events"], 3 * 10 * 4);
  EXPECT_EQ(r.report["counters"]["vectors_skipped"], 3);
}

TEST(RowTileTest, OutputStationaryRowTiles) {
  // Output-stationary folds of 4 in 2 row tiles of one fold each (vectors
  // 0..3, 4..7) on 2 cores: 20 cycles each; core 0: 20 + lif (16
  // elements) 1 + add 2 = 23; core 1: 21.
  SmallRun r = runSmall(osProgram(false, 2, 2), smallTarget(2, 64, true),
                        ref::Tensor({8, 10}, 1.0));
  ASSERT_FALSE(r.report.is_null());
  ASSERT_EQ(r.acc.size(), 2u);
  EXPECT_EQ(r.acc[0]["folds"], 1);
  EXPECT_EQ(r.acc[1]["folds"], 1);
  EXPECT_EQ(r.acc[1]["first_vector"], 4);
  EXPECT_EQ(r.acc[1]["dur"], 20);
  EXPECT_EQ(r.result.cycles, 23);
}

// Executor::estimate (snn-run --dense) is the timing of a run in which
// every vector has a spike in every k block. Independent check: a run on
// an all-ones input is exactly that case, so its cycles must equal the
// estimate's (104 and 55 cycles, worked out in TwoRowTilesOnTwoCores);
// a run on a sparser input is never slower. Both dataflows.
TEST(DenseEstimateTest, EqualsAnAllOnesRunAndBoundsASparseOne) {
  for (Dataflow d : {Dataflow::WeightStationary, Dataflow::OutputStationary})
    for (int64_t tiles : {int64_t(1), int64_t(2)}) {
      const hw::Target target =
          smallTarget(2, 64, d == Dataflow::OutputStationary);
      auto make = [&] {
        Program p = testing::tiledLinearProgram(8, 10, 4, 2, 4, 4, d, tiles,
                                                tiles, false);
        p.fingerprint = targetFingerprint(target);
        return p;
      };
      auto e = Executor::create(make(), target);
      ASSERT_TRUE(e.ok()) << e.status();
      auto est = (*e)->estimate();
      ASSERT_TRUE(est.ok()) << est.status();
      EXPECT_TRUE(est->outputs.empty());
      EXPECT_TRUE(json::parse(est->reportJson)["dense"].get<bool>());
      SmallRun full = runSmall(make(), target, ref::Tensor({8, 10}, 1.0));
      EXPECT_EQ(est->cycles, full.result.cycles)
          << dataflowName(d) << " row tiles " << tiles;
      if (d == Dataflow::WeightStationary)
        EXPECT_EQ(est->cycles, tiles == 1 ? 104 : 55);
      // Vectors 4..7 all zero: one task runs them alone; it gets faster
      // (the other row tile's core may still set the total).
      ref::Tensor sparse({8, 10}, 1.0);
      for (int i = 40; i < 80; ++i)
        sparse.data[size_t(i)] = 0.0;
      SmallRun part = runSmall(make(), target, sparse);
      if (tiles == 1)
        EXPECT_LT(part.result.cycles, est->cycles) << dataflowName(d);
      else
        EXPECT_LE(part.result.cycles, est->cycles) << dataflowName(d);
    }
}

} // namespace
} // namespace spikestack::rt
