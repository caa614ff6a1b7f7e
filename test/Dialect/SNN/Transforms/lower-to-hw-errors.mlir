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
