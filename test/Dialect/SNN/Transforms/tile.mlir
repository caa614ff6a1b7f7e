// RUN: snn-opt %s --snn-tile="target=%S/Inputs/two-core.json" -split-input-file | FileCheck %s
// RUN: snn-opt %s --snn-tile -split-input-file | FileCheck %s --check-prefix=PRESET
//
// Inputs/two-core.json: 4x4 arrays, 64 B (512 bit) scratchpads, 2 LIF
// units. Every number below is worked from the #snn.tiling rules
// (Passes.td): bundle = all T steps of floor(512 / (cols x acc bits x T))
// tokens, capped at the vectors.

// K = 10, N = 6: 3 x 2 blocks, the last of each a remainder (2 rows, 2
// cols); 2 steps x 3 tokens = 6 vectors; accumulator 32 bit (the result
// type): 512 / (4 x 32 x 2) = 2 tokens = 4 vectors a bundle. The IF is
// fused (single-use synaptic input): no tiling of its own.
// CHECK-LABEL: func @linear
// CHECK: snn.linear {{.*}}snn.tiling = [#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 10, outputs = 6, groups = 1, vectors = 6, bundle = 4, held_bits = 8>]
// CHECK-NOT: snn.tiling
// CHECK: return
// PRESET: module attributes {snn.target = "3d-mol"}
// PRESET: snn.tiling = [#snn.tiling<kind = synaptic, rows = 32, cols = 32, reduction = 10, outputs = 6, groups = 1, vectors = 6, bundle = 6, held_bits = 8>]
func.func @linear(%x: tensor<2x3x10x!snn.spike>) -> tensor<2x3x6x!snn.spike> {
  %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
  %s = snn.if %y {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x6x!snn.fixed<32, 0>> -> tensor<2x3x6x!snn.spike>
  return %s : tensor<2x3x6x!snn.spike>
}

// -----

// im2col: K = 1 x 2 x 2 = 4, N = 5 (2 column blocks), 2 x 2 x 2 = 8
// output positions; f32 result: 16-bit accumulator, 512 / (4 x 16 x 2) =
// 4 tokens = 8 vectors. The add is LIF-unit work over its 40 elements,
// 2 units: 20 vectors, spread over the 2 cores as 2 row tiles of
// ceil(20 / 2) = 10. The layout op (reshape) gets nothing.
// CHECK-LABEL: func @conv_and_add
// CHECK: snn.conv2d {{.*}}snn.tiling = [#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 4, outputs = 5, groups = 1, vectors = 8, bundle = 8, held_bits = 32>]
// CHECK: snn.add {{.*}}snn.tiling = [#snn.tiling<kind = vector, rows = 1, cols = 1, reduction = 1, outputs = 1, groups = 1, vectors = 20, bundle = 10, held_bits = 0, row_tiles = 2>]
// CHECK-NOT: snn.tiling
func.func @conv_and_add(%x: tensor<2x1x3x3x!snn.spike>) -> tensor<2x20xf32> {
  %w = arith.constant dense<0.5> : tensor<5x1x2x2xf32>
  %shape = arith.constant dense<[2, 20]> : tensor<2xi64>
  %y = snn.conv2d %x, %w : (tensor<2x1x3x3x!snn.spike>, tensor<5x1x2x2xf32>) -> tensor<2x5x2x2xf32>
  %z = snn.add %y, %y : tensor<2x5x2x2xf32>, tensor<2x5x2x2xf32> -> tensor<2x5x2x2xf32>
  %r = tensor.reshape %z(%shape) : (tensor<2x5x2x2xf32>, tensor<2xi64>) -> tensor<2x20xf32>
  return %r : tensor<2x20xf32>
}

// -----

// A neuron on a function argument is not fused: 20 elements on 2 LIF
// units = 10 vectors, 2 row tiles of 5 (one per core).
// CHECK-LABEL: func @lone_neuron
// CHECK: snn.lif {{.*}}snn.tiling = [#snn.tiling<kind = vector, rows = 1, cols = 1, reduction = 1, outputs = 1, groups = 1, vectors = 10, bundle = 5, held_bits = 0, row_tiles = 2>]
func.func @lone_neuron(%x: tensor<4x5xf32>) -> tensor<4x5x!snn.spike> {
  %s = snn.lif %x : tensor<4x5xf32> -> tensor<4x5x!snn.spike>
  return %s : tensor<4x5x!snn.spike>
}

// -----

// SSA, T = 2, B = 1, N = 4 tokens, C = 4, 2 heads of d = 2: per head Q K^T
// holds K^T (2 x 4 spikes, held_bits 1) and streams T x N = 8 query rows
// (512 / (4 x 16 x 2) = 4 tokens = 8 vectors a bundle); A V holds the
// 4 x 4 scores (16 bit) and streams T x d = 4 value columns.
// CHECK-LABEL: func @attention
// CHECK: snn.spiking_attention <ssa> {{.*}}snn.tiling = [#snn.tiling<kind = and_accumulate, rows = 4, cols = 4, reduction = 2, outputs = 4, groups = 2, vectors = 8, bundle = 8, held_bits = 1>, #snn.tiling<kind = score_value, rows = 4, cols = 4, reduction = 4, outputs = 4, groups = 2, vectors = 4, bundle = 4, held_bits = 16>]
func.func @attention(%q: tensor<2x1x4x4x!snn.spike>, %k: tensor<2x1x4x4x!snn.spike>, %v: tensor<2x1x4x4x!snn.spike>) -> tensor<2x1x4x4x!snn.spike> {
  %a = snn.spiking_attention <ssa> %q, %k, %v {neuron = #snn.neuron<v_threshold = 0.5>, num_heads = 2 : i64} : tensor<2x1x4x4x!snn.spike>
  return %a : tensor<2x1x4x4x!snn.spike>
}
