//===- CostModelTest.cpp - closed-form array costs ------------------------===//
//
// Expected numbers are worked by hand: a 32 x 32 weight-stationary array
// fills and drains in 32 + 32 - 2 = 62 cycles; a pass over n vectors
// computes for 62 + n.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Hardware/CostModel.h"

#include <gtest/gtest.h>

using namespace spikestack::hw;

TEST(CostModel, ArrayPass) {
  EXPECT_EQ(arrayFillDrainCycles(32, 32), 62);
  EXPECT_EQ(arrayFillDrainCycles(1, 1), 0);
  EXPECT_EQ(arrayPassCycles(32, 32, 10), 72);
  EXPECT_EQ(arrayPassCycles(16, 8, 0), 22);
}

TEST(CostModel, PortTransfer) {
  EXPECT_EQ(portTransferCycles(0, 64), 0);
  EXPECT_EQ(portTransferCycles(64, 64), 1);
  EXPECT_EQ(portTransferCycles(65, 64), 2);
  // 32 rows x 32 columns x 8 bits through a 128-bit port.
  EXPECT_EQ(portTransferCycles(32 * 32 * 8, 128), 64);
}

TEST(CostModel, DenseArray) {
  // 2048 MACs on 1024 PEs: two vectors' worth, plus fill and drain.
  EXPECT_EQ(denseArrayCycles(32, 32, 2048), 64);
  // 2049 MACs round up to a third vector.
  EXPECT_EQ(denseArrayCycles(32, 32, 2049), 65);
}

TEST(CostModel, DoubleBufferedPasses) {
  DoubleBufferedPasses none;
  EXPECT_EQ(none.cycles(), 0);
  // Loads 10, 50, 5; computes 30, 20, 40:
  // 10 (first load) + max(50, 30) + max(5, 20) + 40 (last compute) = 120.
  DoubleBufferedPasses p;
  p.add(10, 30);
  p.add(50, 20);
  p.add(5, 40);
  EXPECT_EQ(p.cycles(), 120);
  // One pass: its load, then its compute.
  DoubleBufferedPasses one;
  one.add(7, 9);
  EXPECT_EQ(one.cycles(), 16);
}
