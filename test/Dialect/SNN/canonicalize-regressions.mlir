// Regressions for canonicalization bugs.
// RUN: snn-opt %s -canonicalize="max-iterations=1" -split-input-file | FileCheck %s

// The folded weights must be defined before the rebuilt linear, which sits
// where the old linear was (not where the batch norm was). A single
// iteration would leave a use before def if the constants were created at
// the batch norm.
// CHECK-LABEL: func.func @bn_fold_dominance(
// CHECK-DAG: %[[W:.+]] = arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00]]> : tensor<1x2xf32>
// CHECK-DAG: %[[B:.+]] = arith.constant dense<3.000000e+00> : tensor<1xf32>
// CHECK: snn.linear %{{.+}}, %[[W]], %[[B]]
// CHECK: snn.scale
func.func @bn_fold_dominance(%x: tensor<4x2xf32>, %y: tensor<4x1xf32>) -> (tensor<4x1xf32>, tensor<4x1xf32>) {
  %w = arith.constant dense<[[2.0, 4.0]]> : tensor<1x2xf32>
  %0 = snn.linear %x, %w : (tensor<4x2xf32>, tensor<1x2xf32>) -> tensor<4x1xf32>
  // An unrelated op between the linear and the batch norm.
  %1 = snn.scale %y by 3.0 : tensor<4x1xf32>
  // var + eps = 4 -> a = (1/2) * 1 = 0.5; b = -0 * 0.5 + 3 = 3.
  // W' = [2, 4] * 0.5 = [1, 2]; bias' = 3.
  %g = arith.constant dense<1.0> : tensor<1xf32>
  %beta = arith.constant dense<3.0> : tensor<1xf32>
  %m = arith.constant dense<0.0> : tensor<1xf32>
  %v = arith.constant dense<4.0> : tensor<1xf32>
  %2 = snn.batch_norm %0, %g, %beta, %m, %v {epsilon = 0.0 : f64, channel_dim = 1 : i64}
      : tensor<4x1xf32>, tensor<1xf32>
  return %2, %1 : tensor<4x1xf32>, tensor<4x1xf32>
}

// -----

// Same for a scale folded into a linear: W' = [2, 4] * 0.5.
// CHECK-LABEL: func.func @scale_fold_dominance(
// CHECK-DAG: %[[W:.+]] = arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00]]> : tensor<1x2xf32>
// CHECK: snn.linear %{{.+}}, %[[W]] :
func.func @scale_fold_dominance(%x: tensor<4x2xf32>, %y: tensor<4x1xf32>) -> (tensor<4x1xf32>, tensor<4x1xf32>) {
  %w = arith.constant dense<[[2.0, 4.0]]> : tensor<1x2xf32>
  %0 = snn.linear %x, %w : (tensor<4x2xf32>, tensor<1x2xf32>) -> tensor<4x1xf32>
  %1 = snn.scale %y by 3.0 : tensor<4x1xf32>
  %2 = snn.scale %0 by 0.5 : tensor<4x1xf32>
  return %2, %1 : tensor<4x1xf32>, tensor<4x1xf32>
}

// -----

// A weight with zero output channels must not crash the folds (it divided
// by the channel count).
// CHECK-LABEL: func.func @zero_channels(
// CHECK: snn.scale
// CHECK: snn.batch_norm
func.func @zero_channels(%x: tensor<4x2xf32>) -> (tensor<4x0xf32>, tensor<4x0xf32>) {
  %w = arith.constant dense<0.0> : tensor<0x2xf32>
  %0 = snn.linear %x, %w : (tensor<4x2xf32>, tensor<0x2xf32>) -> tensor<4x0xf32>
  %1 = snn.scale %0 by 0.5 : tensor<4x0xf32>
  %w2 = arith.constant dense<0.0> : tensor<0x2xf32>
  %2 = snn.linear %x, %w2 : (tensor<4x2xf32>, tensor<0x2xf32>) -> tensor<4x0xf32>
  %p = arith.constant dense<1.0> : tensor<0xf32>
  %3 = snn.batch_norm %2, %p, %p, %p, %p {channel_dim = 1 : i64} : tensor<4x0xf32>, tensor<0xf32>
  return %1, %3 : tensor<4x0xf32>, tensor<4x0xf32>
}
