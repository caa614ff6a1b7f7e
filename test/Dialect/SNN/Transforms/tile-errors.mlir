// RUN: snn-opt %s --snn-tile -verify-diagnostics -split-input-file
// RUN: not snn-opt %s --snn-tile="target=%S/Inputs/hetero.json" -split-input-file 2>&1 | FileCheck %s --check-prefix=HETERO
// RUN: not snn-opt %s --snn-tile="target=nosuch" -split-input-file 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not snn-opt %s --snn-tile="target=3d-mol dataflow=row" -split-input-file 2>&1 | FileCheck %s --check-prefix=BADFLOW
// RUN: not snn-opt %s --snn-tile="target=%S/Inputs/two-core.json dataflow=output_stationary" -split-input-file 2>&1 | FileCheck %s --check-prefix=NOOS
// BADFLOW: error: snn-tile: dataflow must be auto, weight_stationary or output_stationary, got 'row'
// NOOS: error: snn-tile: dataflow=output_stationary but the cores of target 'two-core' do not support it (their `dataflows`)

// HETERO: error: snn-tile: the target's cores differ ('c0' 4x4, 2 LIF units, 64 B scratchpad; 'c1' 8x8, 2 LIF units, 64 B scratchpad); heterogeneous cores are not supported
// UNKNOWN: error: unknown target preset 'nosuch' (presets: 2d, 3d-mol, 3d-lol{{(, [a-z0-9-]+)*}}; or give the path of a target file)

func.func @not_snn(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{snn-tile: 'arith.addf' has no mapping onto the cores (supported: snn ops and layout ops)}}
  %y = arith.addf %x, %x : tensor<4xf32>
  return %y : tensor<4xf32>
}
