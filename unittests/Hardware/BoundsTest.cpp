//===- BoundsTest.cpp - the bound analysis --------------------------------===//
//
// Expected numbers are worked by hand: two 4x4 cores (32 PEs) on tier L,
// under a 1 MiB bank with two 256-bit ports (512 bits per cycle) and a
// 1 MiB bank with one 64-bit port on tier M; DRAM 32 GB/s on one channel
// at 500 MHz = 32e9 * 8 / 500e6 = 512 bits per cycle.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Hardware/Bounds.h"

#include <gtest/gtest.h>

using namespace spikestack::hw;

namespace {

const char *kTarget = R"({"format": "spikestack-target", "version": 1,
    "name": "bounds", "technology": "tech-28nm", "clock_mhz": 500,
    "tiers": [
      {"name": "L", "kind": "logic", "blocks": [
        {"name": "c0", "kind": "core", "array_rows": 4, "array_cols": 4,
         "lif_units": 2, "scratchpad_bytes": 100},
        {"name": "c1", "kind": "core", "array_rows": 4, "array_cols": 4,
         "lif_units": 2, "scratchpad_bytes": 100}]},
      {"name": "M", "kind": "memory", "blocks": [
        {"name": "w", "kind": "sram", "capacity_bytes": 1048576,
         "width_bits": 256, "ports": 2},
        {"name": "a", "kind": "sram", "capacity_bytes": 1048576,
         "width_bits": 64, "ports": 1}]}],
    "vertical_links": [{"lower": "L", "upper": "M"}],
    "dram": {"channels": 1, "bandwidth_gb_s": 32}})";

PhysicalModel model() {
  static Target t = *parseTarget(kTarget, "bounds.json");
  auto m = PhysicalModel::build(t);
  EXPECT_TRUE(m.ok()) << m.status();
  return *m;
}

} // namespace

TEST(Bounds, DenseOpsAndCompute) {
  // A linear 40 -> 3 on 4 vectors: 40 * 3 * 4 = 480 PE operations.
  EXPECT_DOUBLE_EQ(denseSynapticOps(1, 4, 40, 3), 480);
  // Two groups (heads) double it.
  EXPECT_DOUBLE_EQ(denseSynapticOps(2, 4, 40, 3), 960);
  EXPECT_DOUBLE_EQ(computeBoundCycles(480, 32), 15);
  EXPECT_DOUBLE_EQ(computeBoundCycles(480, 0), 0);
  PhysicalModel m = model();
  EXPECT_DOUBLE_EQ(targetPEs(m.target()), 32);
}

TEST(Bounds, Ports) {
  PhysicalModel m = model();
  ASSERT_DOUBLE_EQ(m.effectiveClockMhz(), 500);
  // 5120 bits on w (512 per cycle): 10; 1280 bits on a (64 per cycle): 20.
  EXPECT_DOUBLE_EQ(sramPortBoundCycles(m.target(), {5120, 1280}), 20);
  EXPECT_DOUBLE_EQ(sramPortBoundCycles(m.target(), {5120}), 10);
  EXPECT_DOUBLE_EQ(dramBoundCycles(m, 5120), 10);
  // The L-M link: its bits per cycle from the physical model.
  const double rate = double(m.verticalBitsPerCycle(m.target().links[0]));
  EXPECT_DOUBLE_EQ(bondBoundCycles(m, {rate * 7}), 7);
}

TEST(Bounds, LargestAndEfficiency) {
  PhysicalModel m = model();
  BoundWork w;
  w.denseOps = 480;           // compute 15
  w.eventOps = 320;           // events 10
  w.bankBits = {5120, 640};   // 10, 10
  w.dramBits = 2560;          // 5
  Bounds b = evaluateBounds(m, w, 40);
  EXPECT_DOUBLE_EQ(b.compute, 15);
  EXPECT_DOUBLE_EQ(b.events, 10);
  EXPECT_TRUE(b.eventsMeasured);
  EXPECT_DOUBLE_EQ(b.sramPort, 10);
  EXPECT_DOUBLE_EQ(b.dram, 5);
  // events 10 ties the ports; the first of the largest names it.
  EXPECT_DOUBLE_EQ(b.largest, 10);
  EXPECT_EQ(b.binding, "events");
  EXPECT_DOUBLE_EQ(b.efficiency, 0.25);
  // Unknown events: the dense figure stands for them.
  w.eventOps = -1;
  b = evaluateBounds(m, w, 40);
  EXPECT_FALSE(b.eventsMeasured);
  EXPECT_DOUBLE_EQ(b.events, 15);
  EXPECT_EQ(b.binding, "compute");
  EXPECT_DOUBLE_EQ(b.efficiency, 15.0 / 40);
  // A port-bound layer; efficiency is capped at 1.
  w.bankBits = {0, 6400}; // 100
  b = evaluateBounds(m, w, 80);
  EXPECT_EQ(b.binding, "sram_port");
  EXPECT_DOUBLE_EQ(b.largest, 100);
  EXPECT_DOUBLE_EQ(b.efficiency, 1);
}

TEST(Bounds, AddWork) {
  BoundWork a, b;
  a.denseOps = 10, a.eventOps = 4, a.bankBits = {1}, a.dramBits = 2;
  b.denseOps = 5, b.eventOps = 3, b.bankBits = {1, 2}, b.linkBits = {8};
  a.add(b);
  EXPECT_DOUBLE_EQ(a.denseOps, 15);
  EXPECT_DOUBLE_EQ(a.eventOps, 7);
  ASSERT_EQ(a.bankBits.size(), 2u);
  EXPECT_DOUBLE_EQ(a.bankBits[0], 2);
  EXPECT_DOUBLE_EQ(a.bankBits[1], 2);
  EXPECT_DOUBLE_EQ(a.linkBits[0], 8);
  EXPECT_DOUBLE_EQ(a.dramBits, 2);
  b.eventOps = -1;
  a.add(b);
  EXPECT_LT(a.eventOps, 0);
}
