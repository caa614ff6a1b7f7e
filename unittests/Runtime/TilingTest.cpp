//===- TilingTest.cpp - rt::Tiling's task arithmetic, worked by hand ------===//
//
// Row tiles and the byte shares of a task (docs/isa.md, "Array passes";
// docs/pipeline.md, "Tiling"): the numbers below are worked out in the
// comments, not taken from the code.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Runtime/Program.h"

#include <gtest/gtest.h>

namespace spikestack::rt {
namespace {

/// 2 groups x 40 outputs in 16-column blocks (3 blocks: 16, 16, 8), 10
/// vectors in bundles of 4 (3 bundles: 4, 4, 2), 2 row tiles.
Tiling twoRowTiles() {
  Tiling t;
  t.kind = TileKind::Synaptic;
  t.rows = 32, t.cols = 16, t.reduction = 100, t.outputs = 40;
  t.groups = 2, t.vectors = 10, t.bundle = 4, t.heldBits = 8;
  t.rowTiles = 2;
  return t;
}

TEST(TilingTest, TasksAreColumnTasksTimesRowTiles) {
  const Tiling t = twoRowTiles();
  EXPECT_EQ(t.numColumnTasks(), 6); // 2 groups x 3 blocks
  EXPECT_EQ(t.numTasks(), 12);
  // Task 7 = row tile 1 of column task 3 = group 1, block 0.
  EXPECT_EQ(t.taskGroup(7), 1);
  EXPECT_EQ(t.taskBlock(7), 0);
  EXPECT_EQ(t.taskRowTile(7), 1);
  EXPECT_EQ(t.taskColumns(7), 16);
  // Task 5 = row tile 1 of column task 2 = group 0, block 2: 40 - 32 = 8.
  EXPECT_EQ(t.taskColumns(5), 8);
  // 3 bundles over 2 row tiles: ceil(3 / 2) = 2 bundles each, so row
  // tile 0 has vectors 0..7 and row tile 1 the last bundle, 8..9.
  EXPECT_EQ(t.bundlesPerRowTile(), 2);
  EXPECT_EQ(t.taskFirstVector(4), 0);
  EXPECT_EQ(t.taskVectors(4), 8);
  EXPECT_EQ(t.taskFirstVector(5), 8);
  EXPECT_EQ(t.taskVectors(5), 2);
  EXPECT_TRUE(t.rowTilesValid());
}

TEST(TilingTest, EveryRowTileNeedsVectors) {
  Tiling t = twoRowTiles();
  t.rowTiles = 3; // ceil(3 / 3) = 1 bundle each: 4, 4, 2
  EXPECT_TRUE(t.rowTilesValid());
  t.rowTiles = 4; // more row tiles than bundles
  EXPECT_FALSE(t.rowTilesValid());
  t.vectors = 20, t.rowTiles = 4; // 5 bundles: ceil(5 / 4) = 2 each,
  EXPECT_FALSE(t.rowTilesValid()); // so the 4th row tile gets none
  t.rowTiles = 3; // 2, 2, 1 bundles
  EXPECT_TRUE(t.rowTilesValid());
}

TEST(TilingTest, InputShareIsTheRowTilesVectors) {
  const Tiling t = twoRowTiles();
  // 25 bytes of input over 10 vectors. Row tile 0 (vectors 0..7):
  // [floor(25 x 0 / 10), + ceil(25 x 8 / 10) = 20) = [0, 20). Row tile 1
  // (vectors 8, 9): begin floor(25 x 8 / 10) = 20, ceil(25 x 2 / 10) = 5.
  EXPECT_EQ(t.inputShare(25, 0), Tiling::ByteRange(0, 20));
  EXPECT_EQ(t.inputShare(25, 1), Tiling::ByteRange(20, 5));
  // 3 bytes: row tile 1 needs ceil(3 x 2 / 10) = 1 byte at floor(2.4) = 2.
  EXPECT_EQ(t.inputShare(3, 1), Tiling::ByteRange(2, 1));
}

TEST(TilingTest, ResultSharesAreDisjointAndCoverTheBuffer) {
  const Tiling t = twoRowTiles();
  // 800 bytes = 2 x 40 x 10 elements, one byte each. Task 5 (group 0,
  // block 2, row tile 1): before = (0 x 40 + 2 x 16) x 10 + 8 x 8 = 384
  // elements, mine = 8 columns x 2 vectors = 16 -> [384, 400).
  EXPECT_EQ(t.resultShare(800, 5), Tiling::ByteRange(384, 16));
  // Task 7 (group 1, block 0, row tile 1): before = 40 x 10 + 16 x 8 =
  // 528, mine = 16 x 2 = 32.
  EXPECT_EQ(t.resultShare(800, 7), Tiling::ByteRange(528, 32));
  int64_t covered = 0;
  std::vector<bool> seen(800, false);
  for (int64_t task = 0; task < t.numTasks(); ++task) {
    const auto [begin, n] = t.resultShare(800, task);
    for (int64_t b = begin; b < begin + n; ++b) {
      EXPECT_FALSE(seen[size_t(b)]) << "byte " << b << " of task " << task;
      seen[size_t(b)] = true;
    }
    covered += n;
  }
  EXPECT_EQ(covered, 800);
}

TEST(TilingTest, VectorTilingsShareEqually) {
  Tiling t;
  t.kind = TileKind::Vector;
  t.vectors = 10, t.bundle = 4, t.rowTiles = 3; // 4, 4, 2 cycles
  // 10 bytes over 3 tasks: ceil(10 / 3) = 4 each, the last 2.
  EXPECT_EQ(t.resultShare(10, 0), Tiling::ByteRange(0, 4));
  EXPECT_EQ(t.resultShare(10, 2), Tiling::ByteRange(8, 2));
  EXPECT_EQ(t.taskVectors(2), 2);
}

} // namespace
} // namespace spikestack::rt
