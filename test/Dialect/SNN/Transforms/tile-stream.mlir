// RUN: snn-opt %s --snn-tile="target=%S/Inputs/two-core-slow-dram.json" | FileCheck %s
//
// A model over the row tiles' weight budget (it will stream weights from
// DRAM) row-splits a layer whose fetches hide behind its compute, but not
// one whose extra copy would lengthen the layer: the layer takes the
// longer of its rounds and its weight fetches (every row tile fetches its
// columns' weights), and the split must save more than its extra copies'
// DRAM time.
// Inputs/two-core-slow-dram.json: 2 cores, 4x4 arrays (R + C - 2 = 6), 64
// B = 512 bit scratchpads, weight-stationary only; 2 weight banks of 256 B
// with 32-bit ports: budget floor(0.85 x 512) = 435 B; DRAM 0.1 GB/s at
// 500 MHz = 1.6 bits, so 5 cycles, per byte. 32-bit accumulators, T = 2:
// 512 / (4 x 32 x 2) = 2 tokens = 4 vectors a bundle. Weights: 4 x 4 + 28
// x 40 = 1136 B > 435 B, so every layer is priced as streamed.
//
// @long: K = 4 (one k block, loaded in 4 x 4 x 8 / 32 = 4 cycles), N = 4
// (one column task, 16 B: 80 DRAM cycles a copy), 64 tokens: 128 vectors,
// 32 bundles.
//   r = 1: max(32 x 4 + (32 x 6 + 128), 80) = 448
//   r = 2: 2 tasks of 16 bundles, 1 round: max(16 x 4 + (16 x 6 + 64),
//          2 x 80) = 224: saves 224 > 80 for the extra copy, 2 row tiles
//          (r <= 2 cores).
// @wide: K = 40 (10 k blocks of 4 cycles: 40 a bundle), N = 28 (7 column
// tasks, 1120 B: 5600 DRAM cycles a copy), 3 tokens: 6 vectors, 2 bundles.
//   r = 1: max(ceil(7 / 2) x (2 x 40 + 10 x (2 x 6 + 6)), 5600) =
//          max(1040, 5600) = 5600
//   r = 2: max(7 x (1 x 40 + 10 x (1 x 6 + 4)), 2 x 5600) = 11200: unsplit
//          (on the fast DRAM of two-core.json it splits: tile-budget.mlir).
// CHECK-LABEL: func @stream
// CHECK: snn.linear {{.*}}#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 4, outputs = 4, groups = 1, vectors = 128, bundle = 4, held_bits = 8, row_tiles = 2>]
// CHECK: snn.linear {{.*}}#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 40, outputs = 28, groups = 1, vectors = 6, bundle = 4, held_bits = 8>]
func.func @stream(%x: tensor<2x64x4x!snn.spike>, %y: tensor<2x3x40x!snn.spike>) -> (tensor<2x64x4x!snn.fixed<32, 0>>, tensor<2x3x28x!snn.fixed<32, 0>>) {
  %w1 = snn.constant dense<1> : tensor<4x4xi8> -> tensor<4x4x!snn.fixed<8, 0>>
  %a = snn.linear %x, %w1 : (tensor<2x64x4x!snn.spike>, tensor<4x4x!snn.fixed<8, 0>>) -> tensor<2x64x4x!snn.fixed<32, 0>>
  %w2 = snn.constant dense<1> : tensor<28x40xi8> -> tensor<28x40x!snn.fixed<8, 0>>
  %b = snn.linear %y, %w2 : (tensor<2x3x40x!snn.spike>, tensor<28x40x!snn.fixed<8, 0>>) -> tensor<2x3x28x!snn.fixed<32, 0>>
  return %a, %b : tensor<2x64x4x!snn.fixed<32, 0>>, tensor<2x3x28x!snn.fixed<32, 0>>
}
