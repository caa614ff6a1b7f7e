// RUN: snn-opt %s --snn-lower-to-hw -verify-diagnostics -split-input-file

// Scheduled but not allocated.
module attributes {snn.target = "3d-mol"} {
  func.func @unallocated(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>) -> tensor<2x4xf32> {
    // expected-error @+1 {{snn-lower-to-hw: op is not allocated; run --snn-allocate first}}
    %c = snn.add %a, %b {snn.tiling = [#snn.tiling<kind = vector, rows = 1, cols = 1, reduction = 1, outputs = 1, groups = 1, vectors = 1, bundle = 1, held_bits = 0>], snn.placement = [#snn.placement<cores = [0], weight_banks = [], output_bank = 8>], snn.schedule = [#snn.schedule<order = [0], start = [0], finish = [1], dynamic = false>]} : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x4xf32>
    return %c : tensor<2x4xf32>
  }
}

// -----

// A placement naming a core the target does not have.
module attributes {snn.target = "3d-mol"} {
  func.func @foreign(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>) -> tensor<2x4xf32> {
    // expected-error @+1 {{snn-lower-to-hw: placement names core 9 but the target has 8}}
    %c = snn.add %a, %b {snn.tiling = [#snn.tiling<kind = vector, rows = 1, cols = 1, reduction = 1, outputs = 1, groups = 1, vectors = 1, bundle = 1, held_bits = 0>], snn.placement = [#snn.placement<cores = [9], weight_banks = [], output_bank = 8>], snn.schedule = [#snn.schedule<order = [0], start = [0], finish = [1], dynamic = false>], snn.weight_offsets = [array<i64>], snn.output_buffer = #snn.buffer<bank = 8, offset = 0, bytes = 32>} : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x4xf32>
    return %c : tensor<2x4xf32>
  }
}

// -----

// Addresses past 2^48 bytes do not fit an instruction (they used to reach
// the program verifier at export as an internal error).
module attributes {snn.target = "3d-mol"} {
  func.func @far(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>) -> tensor<2x4xf32> {
    // expected-error @+1 {{buffer of 32 bytes at offset 281474976710650 ends after byte 2^48 (the addressable memory of a program)}}
    %c = snn.add %a, %b {snn.output_buffer = #snn.buffer<bank = -1, offset = 281474976710650, bytes = 32>} : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x4xf32>
    return %c : tensor<2x4xf32>
  }
}

// -----

module attributes {snn.target = "3d-mol"} {
  func.func @far_weights(%x: tensor<2x3x10x!snn.spike>) -> tensor<2x3x6x!snn.fixed<32, 0>> {
    %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
    // expected-error @+1 {{snn.weight_offsets[0] has offset -5; offsets are 0 to 2^48}}
    %y = snn.linear %x, %w {snn.tiling = [#snn.tiling<kind = synaptic, rows = 32, cols = 32, reduction = 10, outputs = 6, groups = 1, vectors = 6, bundle = 6, held_bits = 8>], snn.placement = [#snn.placement<cores = [1], weight_banks = [0], output_bank = 8>], snn.schedule = [#snn.schedule<order = [0], start = [0], finish = [5], dynamic = false>], snn.weight_offsets = [array<i64: -5>]} : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
    return %y : tensor<2x3x6x!snn.fixed<32, 0>>
  }
}
