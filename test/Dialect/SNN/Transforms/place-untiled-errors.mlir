// RUN: snn-opt %s --snn-place -verify-diagnostics -split-input-file

// Placement needs the tiling: a compute op without snn.tiling is rejected.
func.func @untiled(%x: tensor<4x2xf32>) -> tensor<4x2x!snn.spike> {
  // expected-error @+1 {{snn-place: op has no snn.tiling; run --snn-tile first}}
  %s = snn.lif %x : tensor<4x2xf32> -> tensor<4x2x!snn.spike>
  return %s : tensor<4x2x!snn.spike>
}

// -----

// A placement whose size does not match its tiling is malformed IR.
func.func @mismatch(%x: tensor<4x2xf32>) -> tensor<4x2x!snn.spike> {
  // expected-error @+1 {{snn.placement[0] places 2 task(s), the tiling has 1}}
  %s = snn.lif %x {snn.tiling = [#snn.tiling<kind = vector, rows = 1, cols = 1, reduction = 1, outputs = 1, groups = 1, vectors = 4, bundle = 4, held_bits = 0>], snn.placement = [#snn.placement<cores = [0, 1], weight_banks = [], output_bank = 0>]} : tensor<4x2xf32> -> tensor<4x2x!snn.spike>
  return %s : tensor<4x2x!snn.spike>
}

// -----

func.func @bad_tiling(%x: tensor<4x2xf32>) -> tensor<4x2x!snn.spike> {
  // expected-error @+1 {{tiling bundle must be positive, got 0}}
  %s = snn.lif %x {snn.tiling = [#snn.tiling<kind = vector, rows = 1, cols = 1, reduction = 1, outputs = 1, groups = 1, vectors = 4, bundle = 0, held_bits = 0>]} : tensor<4x2xf32> -> tensor<4x2x!snn.spike>
  return %s : tensor<4x2x!snn.spike>
}
