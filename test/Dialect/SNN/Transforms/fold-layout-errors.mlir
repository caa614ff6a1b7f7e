// RUN: snn-opt %s --snn-fold-layout="remarks=true" -verify-diagnostics -split-input-file

// snn-fold-layout has no failure mode of its own (every rewrite is exact
// and optional); what it cannot move it reports, so a user can see why a
// layer later stays in the float domain or is not tiled as one unit.

func.func @moves_time(%x: tensor<4x3xf32>) -> tensor<2x2x3x!snn.spike> {
  %shape = arith.constant dense<[2, 2, 3]> : tensor<3xi64>
  %r = tensor.reshape %x(%shape) : (tensor<4x3xf32>, tensor<3xi64>) -> tensor<2x2x3xf32>
  // expected-remark @+1 {{stays behind its 'tensor.reshape': the reshape moves time (4 -> 2 steps in dimension 0)}}
  %s = snn.if %r : tensor<2x2x3xf32> -> tensor<2x2x3x!snn.spike>
  return %s : tensor<2x2x3x!snn.spike>
}

// -----

func.func @transpose_moves_time(%x: tensor<3x2xf32>) -> tensor<2x3x!snn.spike> {
  %e = tensor.empty() : tensor<2x3xf32>
  %t = linalg.transpose ins(%x : tensor<3x2xf32>) outs(%e : tensor<2x3xf32>) permutation = [1, 0]
  // expected-remark @+1 {{stays behind its 'linalg.transpose': the transpose moves time (permutation[0] = 1)}}
  %s = snn.if %t : tensor<2x3xf32> -> tensor<2x3x!snn.spike>
  return %s : tensor<2x3x!snn.spike>
}

// -----

func.func @shared(%x: tensor<2x3xf32>) -> (tensor<2x1x3x!snn.spike>, tensor<2x1x3xf32>) {
  %shape = arith.constant dense<[2, 1, 3]> : tensor<3xi64>
  %r = tensor.reshape %x(%shape) : (tensor<2x3xf32>, tensor<3xi64>) -> tensor<2x1x3xf32>
  // expected-remark @+1 {{stays behind its 'tensor.reshape': the layout op has other users}}
  %s = snn.if %r : tensor<2x1x3xf32> -> tensor<2x1x3x!snn.spike>
  return %s, %r : tensor<2x1x3x!snn.spike>, tensor<2x1x3xf32>
}

// -----

func.func @per_channel(%x: tensor<2x3xf32>) -> tensor<2x1x3x!snn.spike> {
  %shape = arith.constant dense<[2, 1, 3]> : tensor<3xi64>
  %th = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %r = tensor.reshape %x(%shape) : (tensor<2x3xf32>, tensor<3xi64>) -> tensor<2x1x3xf32>
  // expected-remark @+1 {{stays behind its 'tensor.reshape': the neuron has per-channel parameters}}
  %s = snn.if %r channel_threshold(%th : tensor<3xf32>) {channel_dim = 2 : i64} : tensor<2x1x3xf32> -> tensor<2x1x3x!snn.spike>
  return %s : tensor<2x1x3x!snn.spike>
}
