// RUN: snn-opt %s --snn-fold-layout -split-input-file | FileCheck %s
// The rewrites are exact: the interpreter gives the hand-worked spikes of
// @reshape_sandwich before and after.
// RUN: rm -rf %t && mkdir -p %t
// RUN: snn-opt %s --snn-fold-layout -o %t/folded.mlir
// RUN: snn-run --interpret %s --entry reshape_sandwich --input arg0=%S/Inputs/fold-layout-x.npy --output-dir %t/before
// RUN: snn-run --interpret %t/folded.mlir --entry reshape_sandwich --input arg0=%S/Inputs/fold-layout-x.npy --output-dir %t/after
// RUN: %python -m spikestack.npyprint %t/before/result0.npy | FileCheck %s --check-prefix=SPIKES
// RUN: %python -m spikestack.npyprint %t/after/result0.npy | FileCheck %s --check-prefix=SPIKES

// The exporter's pattern: time and batch (B = 1) merged for the synaptic
// op, split for the neuron, merged again. The neuron moves onto the
// linear's result, keeping its tag, and both reshapes cancel.
// Currents x W^T per step: [1 0 1] [0 1 1] [1 1 2] [0 0 0]; IF with
// threshold 1 and hard reset fires wherever the current is >= 1.
// SPIKES: result0 uint8 [4,3] = 1 0 1 0 1 1 1 1 1 0 0 0
// CHECK-LABEL: func @reshape_sandwich
// CHECK-NEXT: %[[W:.*]] = arith.constant
// CHECK-NEXT: %[[Y:.*]] = snn.linear %arg0, %[[W]]
// CHECK-NEXT: %[[S:.*]] = snn.if %[[Y]] {snn.onnx_name = "n0"} : tensor<4x3xf32> -> tensor<4x3x!snn.spike>
// CHECK-NEXT: return %[[S]]
func.func @reshape_sandwich(%x: tensor<4x2x!snn.spike>) -> tensor<4x3x!snn.spike> {
  %w = arith.constant dense<[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]> : tensor<3x2xf32>
  %split = arith.constant dense<[4, 1, 3]> : tensor<3xi64>
  %merge = arith.constant dense<[4, 3]> : tensor<2xi64>
  %y = snn.linear %x, %w : (tensor<4x2x!snn.spike>, tensor<3x2xf32>) -> tensor<4x3xf32>
  %r = tensor.reshape %y(%split) : (tensor<4x3xf32>, tensor<3xi64>) -> tensor<4x1x3xf32>
  %s = snn.if %r {snn.onnx_name = "n0"} : tensor<4x1x3xf32> -> tensor<4x1x3x!snn.spike>
  %m = tensor.reshape %s(%merge) : (tensor<4x1x3x!snn.spike>, tensor<2xi64>) -> tensor<4x3x!snn.spike>
  return %m : tensor<4x3x!snn.spike>
}

// -----

// A reshape that keeps time (dimension 0) lets the neuron through; the
// reshape after the neuron keeps the function's types.
// CHECK-LABEL: func @keeps_time
// CHECK-NEXT: %[[C:.*]] = arith.constant dense<[2, 1, 3]>
// CHECK-NEXT: %[[S:.*]] = snn.lif %arg0 {tau = 4.000000e+00 : f64} : tensor<2x3xf32> -> tensor<2x3x!snn.spike>
// CHECK-NEXT: %[[R:.*]] = tensor.reshape %[[S]](%[[C]]) : (tensor<2x3x!snn.spike>, tensor<3xi64>) -> tensor<2x1x3x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @keeps_time(%x: tensor<2x3xf32>) -> tensor<2x1x3x!snn.spike> {
  %shape = arith.constant dense<[2, 1, 3]> : tensor<3xi64>
  %r = tensor.reshape %x(%shape) : (tensor<2x3xf32>, tensor<3xi64>) -> tensor<2x1x3xf32>
  %s = snn.lif %r {tau = 4.0 : f64} : tensor<2x1x3xf32> -> tensor<2x1x3x!snn.spike>
  return %s : tensor<2x1x3x!snn.spike>
}

// -----

// A reshape that moves time stays in front of the neuron: with batch 2,
// the 4 merged rows are 2 steps of 2 samples, not 4 steps.
// CHECK-LABEL: func @moves_time
// CHECK: tensor.reshape %arg0
// CHECK-NEXT: snn.if
func.func @moves_time(%x: tensor<4x3xf32>) -> tensor<2x2x3x!snn.spike> {
  %shape = arith.constant dense<[2, 2, 3]> : tensor<3xi64>
  %r = tensor.reshape %x(%shape) : (tensor<4x3xf32>, tensor<3xi64>) -> tensor<2x2x3xf32>
  %s = snn.if %r : tensor<2x2x3xf32> -> tensor<2x2x3x!snn.spike>
  return %s : tensor<2x2x3x!snn.spike>
}

// -----

// Per-channel parameters depend on the position: the neuron stays.
// CHECK-LABEL: func @per_channel
// CHECK: tensor.reshape %arg0
// CHECK-NEXT: snn.if
func.func @per_channel(%x: tensor<2x3xf32>) -> tensor<2x1x3x!snn.spike> {
  %shape = arith.constant dense<[2, 1, 3]> : tensor<3xi64>
  %th = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %r = tensor.reshape %x(%shape) : (tensor<2x3xf32>, tensor<3xi64>) -> tensor<2x1x3xf32>
  %s = snn.if %r channel_threshold(%th : tensor<3xf32>) {channel_dim = 2 : i64} : tensor<2x1x3xf32> -> tensor<2x1x3x!snn.spike>
  return %s : tensor<2x1x3x!snn.spike>
}

// -----

// BatchNorm1d over tokens: transpose, norm over channel dim 1, transpose
// back. The norm moves to channel dim 2 (= permutation[1]) of the linear's
// result, the transposes cancel and the norm folds into the linear.
// CHECK-LABEL: func @batch_norm_sandwich
// CHECK-NOT: linalg.transpose
// CHECK-NOT: snn.batch_norm
// CHECK: snn.linear %arg0, %{{.*}}, %{{.*}} : (tensor<2x5x3x!snn.spike>, tensor<3x3xf32>, tensor<3xf32>) -> tensor<2x5x3xf32>
// CHECK-NEXT: snn.lif
func.func @batch_norm_sandwich(%x: tensor<2x5x3x!snn.spike>) -> tensor<2x5x3x!snn.spike> {
  %w = arith.constant dense<[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]> : tensor<3x3xf32>
  %g = arith.constant dense<[2.0, 1.0, 0.5]> : tensor<3xf32>
  %b = arith.constant dense<[0.0, 1.0, 0.0]> : tensor<3xf32>
  %m = arith.constant dense<0.0> : tensor<3xf32>
  %v = arith.constant dense<1.0> : tensor<3xf32>
  %y = snn.linear %x, %w : (tensor<2x5x3x!snn.spike>, tensor<3x3xf32>) -> tensor<2x5x3xf32>
  %e0 = tensor.empty() : tensor<2x3x5xf32>
  %t0 = linalg.transpose ins(%y : tensor<2x5x3xf32>) outs(%e0 : tensor<2x3x5xf32>) permutation = [0, 2, 1]
  %n = snn.batch_norm %t0, %g, %b, %m, %v {channel_dim = 1 : i64} : tensor<2x3x5xf32>, tensor<3xf32>
  %e1 = tensor.empty() : tensor<2x5x3xf32>
  %t1 = linalg.transpose ins(%n : tensor<2x3x5xf32>) outs(%e1 : tensor<2x5x3xf32>) permutation = [0, 2, 1]
  %s = snn.lif %t1 : tensor<2x5x3xf32> -> tensor<2x5x3x!snn.spike>
  return %s : tensor<2x5x3x!snn.spike>
}

// -----

// A neuron moves over a transpose that keeps time; the two transposes
// compose to one: r[i] = p[q[i]] with p = [0, 2, 3, 1], q = [0, 2, 1, 3].
// CHECK-LABEL: func @transposes
// CHECK: %[[S:.*]] = snn.if %arg0 : tensor<2x3x4x5xf32> -> tensor<2x3x4x5x!snn.spike>
// CHECK: linalg.transpose ins(%[[S]] : {{.*}}) outs({{.*}} : tensor<2x5x4x3x!snn.spike>) permutation = [0, 3, 2, 1]
// CHECK-NOT: linalg.transpose
func.func @transposes(%x: tensor<2x3x4x5xf32>) -> tensor<2x5x4x3x!snn.spike> {
  %e0 = tensor.empty() : tensor<2x4x5x3xf32>
  %t0 = linalg.transpose ins(%x : tensor<2x3x4x5xf32>) outs(%e0 : tensor<2x4x5x3xf32>) permutation = [0, 2, 3, 1]
  %s = snn.if %t0 : tensor<2x4x5x3xf32> -> tensor<2x4x5x3x!snn.spike>
  %e1 = tensor.empty() : tensor<2x5x4x3x!snn.spike>
  %t1 = linalg.transpose ins(%s : tensor<2x4x5x3x!snn.spike>) outs(%e1 : tensor<2x5x4x3x!snn.spike>) permutation = [0, 2, 1, 3]
  return %t1 : tensor<2x5x4x3x!snn.spike>
}

// -----

// Transposes that compose to the identity disappear.
// CHECK-LABEL: func @inverse_transposes
// CHECK-NEXT: return %arg0
func.func @inverse_transposes(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %e0 = tensor.empty() : tensor<2x4x3xf32>
  %t0 = linalg.transpose ins(%x : tensor<2x3x4xf32>) outs(%e0 : tensor<2x4x3xf32>) permutation = [0, 2, 1]
  %e1 = tensor.empty() : tensor<2x3x4xf32>
  %t1 = linalg.transpose ins(%t0 : tensor<2x4x3xf32>) outs(%e1 : tensor<2x3x4xf32>) permutation = [0, 2, 1]
  return %t1 : tensor<2x3x4xf32>
}
