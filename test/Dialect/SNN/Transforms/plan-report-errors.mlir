// RUN: snn-opt %s --snn-plan-report="file=%t.json" -verify-diagnostics -split-input-file
// RUN: not snn-opt %s --snn-plan-report -split-input-file 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: rm -rf %t.dir && mkdir -p %t.dir
// RUN: not snn-opt %S/plan-report.mlir --snn-tile="target=%S/Inputs/two-core.json" --snn-place --snn-schedule --snn-allocate --snn-plan-report="file=%t.dir/sub/r.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNWRITABLE
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
