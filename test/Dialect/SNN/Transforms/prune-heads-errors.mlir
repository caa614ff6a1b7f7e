// RUN: not snn-opt %s --snn-prune-heads="keep-ratio=0" 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not snn-opt %s --snn-prune-heads="keep-ratio=1.5" 2>&1 | FileCheck %s --check-prefix=OVER
// RUN: not snn-opt %s --snn-prune-heads="keep-ratio=-0.5" 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: snn-opt %s --snn-prune-heads="keep-ratio=0.5" -split-input-file -verify-diagnostics
//
// A keep ratio outside (0, 1] is refused on the module, before anything
// changes; a module without spiking attention gets a warning.

// ZERO: error: snn-prune-heads: keep-ratio must be in (0, 1], got 0.000000e+00
// OVER: error: snn-prune-heads: keep-ratio must be in (0, 1], got 1.500000e+00
// NEG: error: snn-prune-heads: keep-ratio must be in (0, 1], got -5.000000e-01

// expected-warning @+1 {{snn-prune-heads: keep-ratio=5.000000e-01 has no effect: the module has no snn.spiking_attention}}
module {
  func.func @no_attention(%x: tensor<2x1x4x8x!snn.spike>) -> tensor<2x1x4x8x!snn.spike> {
    return %x : tensor<2x1x4x8x!snn.spike>
  }
}
