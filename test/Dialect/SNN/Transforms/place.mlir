// RUN: snn-opt %s --snn-tile="target=%S/Inputs/two-core.json" --snn-place -split-input-file | FileCheck %s
// Deterministic: the same input and seed give the same placement.
// RUN: snn-opt %s --snn-tile="target=%S/Inputs/two-core.json" --snn-place="seed=7" -split-input-file > %t.a
// RUN: snn-opt %s --snn-tile="target=%S/Inputs/two-core.json" --snn-place="seed=7" -split-input-file > %t.b
// RUN: diff %t.a %t.b
//
// Inputs/two-core.json: cores c0 (0, -0.046) and c1 (0, 0.046) on the logic
// tier; on the memory tier weight banks w0 (-0.010, -0.019) and w1 (0.010,
// -0.019), 256 B each, and activation bank a0 (index 2).
//
// Two column tasks (K = 10 on 4 rows: 3 blocks). Task 0 owns 4 columns:
// per bundle loads of 4x4x8 / 32 = 4, 4 and 2 cycles, 3 passes of
// 4 + 4 - 2 fill/drain, 2 bundles, 3 x 6 vectors streamed: 2 x (10 + 18)
// + 18 = 74 cycles; task 1 (2 columns): 2 x (5 + 18) + 18 = 64 cycles.
// Task 0: both cores idle; c0 is nearer the weight banks -> c0, and w0/w1
// are equally near -> the first, w0 (40 B). Task 1: c1 finishes it first
// (64 < 74 + 64) -> c1; w1 is as near and emptier -> w1. The result goes
// to a0, the only activation bank.
// CHECK: module attributes {snn.target = "{{.*}}two-core.json"}
// CHECK-LABEL: func @linear
// CHECK: snn.placement = [#snn.placement<cores = [0, 1], weight_banks = [0, 1], output_bank = 2>]
func.func @linear(%x: tensor<2x3x10x!snn.spike>) -> tensor<2x3x6x!snn.spike> {
  %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
  %s = snn.if %y {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x6x!snn.fixed<32, 0>> -> tensor<2x3x6x!snn.spike>
  return %s : tensor<2x3x6x!snn.spike>
}

// -----

// Pins: a core (or tier) for the tasks, a bank for the weights.
// CHECK-LABEL: func @pinned
// CHECK: snn.placement = [#snn.placement<cores = [1, 1], weight_banks = [0, 0], output_bank = 2>]
func.func @pinned(%x: tensor<2x3x10x!snn.spike>) -> tensor<2x3x6x!snn.spike> {
  %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w {snn.pin = "c1", snn.pin_weights = "w0"} : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
  %s = snn.if %y {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x6x!snn.fixed<32, 0>> -> tensor<2x3x6x!snn.spike>
  return %s : tensor<2x3x6x!snn.spike>
}

// -----

// Attention heads spread over the cores: 2 heads x 1 column block per
// product, equal cost, so each product's two tasks land on different
// cores. No weights.
// CHECK-LABEL: func @attention
// CHECK: snn.placement = [#snn.placement<cores = [{{0, 1|1, 0}}], weight_banks = [], output_bank = 2>, #snn.placement<cores = [{{0, 1|1, 0}}], weight_banks = [], output_bank = 2>]
func.func @attention(%q: tensor<2x1x4x4x!snn.spike>, %k: tensor<2x1x4x4x!snn.spike>, %v: tensor<2x1x4x4x!snn.spike>) -> tensor<2x1x4x4x!snn.spike> {
  %a = snn.spiking_attention <ssa> %q, %k, %v {neuron = #snn.neuron<v_threshold = 0.5>, num_heads = 2 : i64} : tensor<2x1x4x4x!snn.spike>
  return %a : tensor<2x1x4x4x!snn.spike>
}
