// RUN: sed "s|TWO_CORE|%S/Inputs/two-core.json|" %s | snn-opt --snn-allocate="spill=false" -verify-diagnostics -split-input-file

// Not scheduled.
module attributes {snn.target = "3d-mol"} {
  func.func @unscheduled(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>) -> tensor<2x4xf32> {
    // expected-error @+1 {{snn-allocate: op has no snn.schedule; run --snn-schedule first}}
    %c = snn.add %a, %b {snn.tiling = [#snn.tiling<kind = vector, rows = 1, cols = 1, reduction = 1, outputs = 1, groups = 1, vectors = 1, bundle = 1, held_bits = 0>], snn.placement = [#snn.placement<cores = [0], weight_banks = [], output_bank = 8>]} : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x4xf32>
    return %c : tensor<2x4xf32>
  }
}

// -----

// Without spilling, a result larger than every activation bank is an error
// with the numbers: 2 x 40 x 6 f32 = 1920 B against a0's 1 KiB.
module attributes {snn.target = "TWO_CORE"} {
  func.func @too_big(%a: tensor<2x40x6xf32>, %b: tensor<2x40x6xf32>) -> tensor<2x40x6xf32> {
    // expected-error @+1 {{snn-allocate: needs 1.9 KiB; the activation banks of 'two-core' hold 1.0 KiB, 0 B of it live at that time, at most 1.0 KiB free in one bank}}
    %c = snn.add %a, %b {snn.tiling = [#snn.tiling<kind = vector, rows = 1, cols = 1, reduction = 1, outputs = 1, groups = 1, vectors = 240, bundle = 240, held_bits = 0>], snn.placement = [#snn.placement<cores = [0], weight_banks = [], output_bank = 2>], snn.schedule = [#snn.schedule<order = [0], start = [0], finish = [240], dynamic = false>]} : tensor<2x40x6xf32>, tensor<2x40x6xf32> -> tensor<2x40x6xf32>
    return %c : tensor<2x40x6xf32>
  }
}

// -----

// Weights that do not fit the bank the placement names (hand-written here;
// --snn-place checks the same): 100 x 3 x 8 bits = 300 B against w0's
// 256 B.
module attributes {snn.target = "TWO_CORE"} {
  func.func @heavy(%x: tensor<1x1x100x!snn.spike>) -> tensor<1x1x3x!snn.fixed<32, 0>> {
    %w = snn.constant dense<1> : tensor<3x100xi8> -> tensor<3x100x!snn.fixed<8, 0>>
    // expected-error @+1 {{snn-allocate: weight columns 0 need 300 B in bank 'w0', which has 256 B free of 256 B; try --snn-quantize=weight-bits=4 or a target with more SRAM}}
    %y = snn.linear %x, %w {snn.tiling = [#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 100, outputs = 3, groups = 1, vectors = 1, bundle = 1, held_bits = 8>], snn.placement = [#snn.placement<cores = [0], weight_banks = [0], output_bank = 2>], snn.schedule = [#snn.schedule<order = [0], start = [0], finish = [100], dynamic = false>]} : (tensor<1x1x100x!snn.spike>, tensor<3x100x!snn.fixed<8, 0>>) -> tensor<1x1x3x!snn.fixed<32, 0>>
    return %y : tensor<1x1x3x!snn.fixed<32, 0>>
  }
}

// -----

// A placement from a larger target: two-core has cores 0 and 1 (the
// allocator looked up core 9's paths out of bounds).
module attributes {snn.target = "TWO_CORE"} {
  func.func @foreign_core(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>) -> tensor<2x4xf32> {
    // expected-error @+1 {{snn-allocate: placement names core 9 but target 'two-core' has 2 cores}}
    %c = snn.add %a, %b {snn.tiling = [#snn.tiling<kind = vector, rows = 1, cols = 1, reduction = 1, outputs = 1, groups = 1, vectors = 1, bundle = 1, held_bits = 0>], snn.placement = [#snn.placement<cores = [9], weight_banks = [], output_bank = 2>], snn.schedule = [#snn.schedule<order = [0], start = [0], finish = [1], dynamic = false>]} : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x4xf32>
    return %c : tensor<2x4xf32>
  }
}
