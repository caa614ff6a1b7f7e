// RUN: snn-opt %s --snn-plan-report="file=%t.json" -verify-diagnostics -split-input-file
// RUN: not snn-opt %s --snn-plan-report -split-input-file 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: rm -rf %t.dir && mkdir -p %t.dir
// RUN: not snn-opt %S/plan-report.mlir --snn-tile="target=%S/Inputs/two-core.json" --snn-place --snn-schedule --snn-allocate --snn-plan-report="file=%t.dir/sub/r.json" -o %t.discard 2>&1 | FileCheck %s --check-prefix=UNWRITABLE
// RUN: not test -e %t.dir/sub/r.json
// NOFILE: error: snn-plan-report: needs file=PATH
// UNWRITABLE: error: snn-plan-report: {{.*}}r.json

module attributes {snn.target = "3d-mol"} {
  func.func @unallocated(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>) -> tensor<2x4xf32> {
    // expected-error @+1 {{snn-plan-report: op is not scheduled and allocated; run --snn-schedule and --snn-allocate first}}
    %c = snn.add %a, %b {snn.tiling = [#snn.tiling<kind = vector, rows = 1, cols = 1, reduction = 1, outputs = 1, groups = 1, vectors = 1, bundle = 1, held_bits = 0>], snn.placement = [#snn.placement<cores = [0], weight_banks = [], output_bank = 8>]} : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x4xf32>
    return %c : tensor<2x4xf32>
  }
}

// -----

// Banks the target does not have (3d-mol has 12): they used to be read
// and written out of bounds.
module attributes {snn.target = "3d-mol"} {
  func.func @foreign_weight_bank(%x: tensor<2x3x10x!snn.spike>) -> tensor<2x3x6x!snn.fixed<32, 0>> {
    %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
    // expected-error @+1 {{snn-plan-report: placement names bank 40 but target '3d-mol' has 12 banks}}
    %y = snn.linear %x, %w {snn.tiling = [#snn.tiling<kind = synaptic, rows = 32, cols = 32, reduction = 10, outputs = 6, groups = 1, vectors = 6, bundle = 6, held_bits = 8>], snn.placement = [#snn.placement<cores = [0], weight_banks = [40], output_bank = 8>], snn.schedule = [#snn.schedule<order = [0], start = [0], finish = [5], dynamic = false>], snn.weight_offsets = [array<i64: 0>], snn.output_buffer = #snn.buffer<bank = 8, offset = 0, bytes = 18>} : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
    return %y : tensor<2x3x6x!snn.fixed<32, 0>>
  }
}

// -----

module attributes {snn.target = "3d-mol"} {
  func.func @foreign_output_bank(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>) -> tensor<2x4xf32> {
    // expected-error @+1 {{snn-plan-report: a buffer names bank 99 but the target has 12 banks}}
    %c = snn.add %a, %b {snn.tiling = [#snn.tiling<kind = vector, rows = 1, cols = 1, reduction = 1, outputs = 1, groups = 1, vectors = 1, bundle = 1, held_bits = 0>], snn.placement = [#snn.placement<cores = [0], weight_banks = [], output_bank = 8>], snn.schedule = [#snn.schedule<order = [0], start = [0], finish = [1], dynamic = false>], snn.weight_offsets = [array<i64>], snn.output_buffer = #snn.buffer<bank = 99, offset = 0, bytes = 32>} : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x4xf32>
    return %c : tensor<2x4xf32>
  }
}
