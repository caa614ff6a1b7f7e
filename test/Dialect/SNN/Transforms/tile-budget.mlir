// RUN: snn-opt %s --snn-tile="target=%S/Inputs/two-core.json" -split-input-file | FileCheck %s
//
// Row tiles replicate weights within 85 % of the weight banks' bytes, or,
// when the unsplit model exceeds that, where they pay for their DRAM time.
// Inputs/two-core.json: 2 cores, 4x4 arrays (R + C - 2 = 6), 64 B = 512
// bit scratchpads, weight-stationary only; 2 weight banks of 256 B with
// 32-bit ports: budget floor(0.85 x 512) = 435 B.
// K = 40 (10 k blocks of 4 rows, each 4 x 4 x 8 / 32 = 4 cycles: 40 a
// bundle), T = 2, 3 tokens: 6 vectors; 32-bit accumulator: 512 / (4 x 32
// x 2) = 2 tokens = 4 vectors a bundle, 2 bundles. Per column task of 4
// columns:
//   r = 1: 2 x 40 + 10 x (2 x 6 + 6) = 260
//   r = 2: 1 x 40 + 10 x (1 x 6 + 4) = 140 (the first row tile)

// N = 4: one column task of 40 x 4 = 160 B. r = 1: 1 round x 260; r = 2: 2
// tasks, 1 round x 140. The extra copy (160 B) fits: 320 <= 435.
// CHECK-LABEL: func @fits
// CHECK: snn.linear {{.*}}#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 40, outputs = 4, groups = 1, vectors = 6, bundle = 4, held_bits = 8, row_tiles = 2>]
func.func @fits(%x: tensor<2x3x40x!snn.spike>) -> tensor<2x3x4x!snn.fixed<32, 0>> {
  %w = snn.constant dense<1> : tensor<4x40xi8> -> tensor<4x40x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w : (tensor<2x3x40x!snn.spike>, tensor<4x40x!snn.fixed<8, 0>>) -> tensor<2x3x4x!snn.fixed<32, 0>>
  return %y : tensor<2x3x4x!snn.fixed<32, 0>>
}

// -----

// Over the budget the model streams weights from DRAM, so every row tile
// fetches its columns' weights: bytes x 8 / 204.8 DRAM bits per cycle
// (two-core.json: 12.8 GB/s at 500 MHz), during the layer; the layer takes
// the longer of its rounds and those fetches, and a split must shorten it
// by more than the DRAM time of its extra copies.
// N = 12: 3 column tasks, 480 B of weights > 435 B. r = 1: max(ceil(3 /
// 2) x 260, 480 x 8 / 204.8) = max(520, 18.75) = 520; r = 2: 6 tasks,
// max(ceil(6 / 2) x 140, 2 x 18.75) = 420: saves 100 > 18.75, 2 row tiles.
// CHECK-LABEL: func @over_budget
// CHECK: snn.linear {{.*}}#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 40, outputs = 12, groups = 1, vectors = 6, bundle = 4, held_bits = 8, row_tiles = 2>]
func.func @over_budget(%x: tensor<2x3x40x!snn.spike>) -> tensor<2x3x12x!snn.fixed<32, 0>> {
  %w = snn.constant dense<1> : tensor<12x40xi8> -> tensor<12x40x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w : (tensor<2x3x40x!snn.spike>, tensor<12x40x!snn.fixed<8, 0>>) -> tensor<2x3x12x!snn.fixed<32, 0>>
  return %y : tensor<2x3x12x!snn.fixed<32, 0>>
}

// -----

// N = 28: 7 column tasks, 1120 B. r = 1: max(ceil(7 / 2) x 260, 1120 x 8
// / 204.8) = max(1040, 43.75) = 1040; r = 2: 14 tasks, max(7 x 140, 87.5)
// = 980: saves 60, more than the extra copy's 43.75 DRAM cycles: 2 row
// tiles. (tile-stream.mlir: a DRAM too slow for it.)
// CHECK-LABEL: func @fetches_hidden
// CHECK: snn.linear {{.*}}#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 40, outputs = 28, groups = 1, vectors = 6, bundle = 4, held_bits = 8, row_tiles = 2>]
func.func @fetches_hidden(%x: tensor<2x3x40x!snn.spike>) -> tensor<2x3x28x!snn.fixed<32, 0>> {
  %w = snn.constant dense<1> : tensor<28x40xi8> -> tensor<28x40x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w : (tensor<2x3x40x!snn.spike>, tensor<28x40x!snn.fixed<8, 0>>) -> tensor<2x3x28x!snn.fixed<32, 0>>
  return %y : tensor<2x3x28x!snn.fixed<32, 0>>
}

// -----

// N = 36: 9 column tasks, 1440 B. r = 1: max(ceil(9 / 2) x 260, 56.25) =
// 1300; r = 2: 18 tasks, max(9 x 140, 112.5) = 1260. The layer gets 40
// cycles shorter, but its extra copy takes 1440 x 8 / 204.8 = 56.25 DRAM
// cycles from the channel every layer shares: unsplit.
// CHECK-LABEL: func @dram_eats_saving
// CHECK: snn.linear {{.*}}#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 40, outputs = 36, groups = 1, vectors = 6, bundle = 4, held_bits = 8>]
func.func @dram_eats_saving(%x: tensor<2x3x40x!snn.spike>) -> tensor<2x3x36x!snn.fixed<32, 0>> {
  %w = snn.constant dense<1> : tensor<36x40xi8> -> tensor<36x40x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w : (tensor<2x3x40x!snn.spike>, tensor<36x40x!snn.fixed<8, 0>>) -> tensor<2x3x36x!snn.fixed<32, 0>>
  return %y : tensor<2x3x36x!snn.fixed<32, 0>>
}
