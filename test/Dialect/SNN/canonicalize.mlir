// RUN: snn-opt %s -canonicalize -split-input-file | FileCheck %s

// Canonicalization patterns and folders of the snn dialect, each with the
// cases where it must not fire.

//===----------------------------------------------------------------------===//
// batch_norm folded into linear / conv2d
//===----------------------------------------------------------------------===//

// The op computes, in f32, a = (1 / sqrtf(var + eps)) * gamma,
// b = fma(-mean, a, beta); the fold gives W' = W * a (per output channel)
// and bias' = fma(bias, a, b).
// Here var + eps = 4 + 0, so 1/sqrtf(4) = 0.5 and every step is exact:
//   gamma = [2, 4, 6]      -> a = [1, 2, 3]
//   mean = [1, 0, 2], beta = [0.5, 0.25, -1]
//                          -> b = [-1 + 0.5, 0 + 0.25, -6 - 1] = [-0.5, 0.25, -7]
//   W = [[1, 2], [3, 4], [5, 6]] -> W' = [[1, 2], [6, 8], [15, 18]]
//   bias = [1, 2, 3]       -> bias' = [1 - 0.5, 4 + 0.25, 9 - 7] = [0.5, 4.25, 2]
// CHECK-LABEL: func.func @bn_into_linear(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x1x2x!snn.spike>)
// CHECK-DAG: %[[W:.+]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [6.000000e+00, 8.000000e+00], [1.500000e+01, 1.800000e+01]]> : tensor<3x2xf32>
// CHECK-DAG: %[[B:.+]] = arith.constant dense<[5.000000e-01, 4.250000e+00, 2.000000e+00]> : tensor<3xf32>
// CHECK-NOT: snn.batch_norm
// CHECK: %[[R:.+]] = snn.linear %[[X]], %[[W]], %[[B]] : (tensor<4x1x2x!snn.spike>, tensor<3x2xf32>, tensor<3xf32>) -> tensor<4x1x3xf32>
// CHECK-NOT: snn.batch_norm
// CHECK: return %[[R]]
func.func @bn_into_linear(%x: tensor<4x1x2x!snn.spike>) -> tensor<4x1x3xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %b = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %gamma = arith.constant dense<[2.0, 4.0, 6.0]> : tensor<3xf32>
  %beta = arith.constant dense<[0.5, 0.25, -1.0]> : tensor<3xf32>
  %mean = arith.constant dense<[1.0, 0.0, 2.0]> : tensor<3xf32>
  %var = arith.constant dense<4.0> : tensor<3xf32>
  %0 = snn.linear %x, %w, %b
         : (tensor<4x1x2x!snn.spike>, tensor<3x2xf32>, tensor<3xf32>) -> tensor<4x1x3xf32>
  %1 = snn.batch_norm %0, %gamma, %beta, %mean, %var {channel_dim = 2 : i64, epsilon = 0.0}
         : tensor<4x1x3xf32>, tensor<3xf32>
  return %1 : tensor<4x1x3xf32>
}

// -----

// Without a bias the folded bias is b itself. var + eps = 3.75 + 0.25 = 4
// (exact), a = 0.5 * gamma = [0.5, -1]; b = fma(-mean, a, beta):
//   b = [-2 * 0.5 + 0, -(-1) * -1 + 3] = [-1, 2]; W' = [[2, 4], [-3, 1]].
// CHECK-LABEL: func.func @bn_into_linear_no_bias(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<5x2xf32>)
// CHECK-DAG: %[[W:.+]] = arith.constant dense<{{\[}}[2.000000e+00, 4.000000e+00], [-3.000000e+00, 1.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[B:.+]] = arith.constant dense<[-1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: %[[R:.+]] = snn.linear %[[X]], %[[W]], %[[B]] : (tensor<5x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<5x2xf32>
// CHECK-NEXT: return %[[R]]
func.func @bn_into_linear_no_bias(%x: tensor<5x2xf32>) -> tensor<5x2xf32> {
  %w = arith.constant dense<[[4.0, 8.0], [3.0, -1.0]]> : tensor<2x2xf32>
  %gamma = arith.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %beta = arith.constant dense<[0.0, 3.0]> : tensor<2xf32>
  %mean = arith.constant dense<[2.0, -1.0]> : tensor<2xf32>
  %var = arith.constant dense<3.75> : tensor<2xf32>
  %0 = snn.linear %x, %w : (tensor<5x2xf32>, tensor<2x2xf32>) -> tensor<5x2xf32>
  %1 = snn.batch_norm %0, %gamma, %beta, %mean, %var {channel_dim = 1 : i64, epsilon = 0.25}
         : tensor<5x2xf32>, tensor<2xf32>
  return %1 : tensor<5x2xf32>
}

// -----

// Conv weight [O=2, C=1, KH=1, KW=2], output channels at dimension 2 of
// [T, B, O, H, W]. var + eps = [0 + 0.25, 3.75 + 0.25] = [0.25, 4], so
// 1/sqrtf = [2, 0.5]; gamma = [1, 8] -> a = [2, 4].
//   mean = [0.5, -1], beta = [0, 1] -> b = [-0.5 * 2 + 0, 1 * 4 + 1] = [-1, 5]
//   W = [[[[1, -2]]], [[[0.5, 3]]]] -> W' = [[[[2, -4]]], [[[2, 12]]]]
// CHECK-LABEL: func.func @bn_into_conv2d(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<2x1x1x3x4x!snn.spike>)
// CHECK-DAG: %[[W:.+]] = arith.constant dense<{{\[}}[{{\[}}[2.000000e+00, -4.000000e+00]]], [{{\[}}[2.000000e+00, 1.200000e+01]]]]> : tensor<2x1x1x2xf32>
// CHECK-DAG: %[[B:.+]] = arith.constant dense<[-1.000000e+00, 5.000000e+00]> : tensor<2xf32>
// CHECK-NOT: snn.batch_norm
// CHECK: %[[R:.+]] = snn.conv2d %[[X]], %[[W]], %[[B]] {pad = array<i64: 0, 1, 0, 0>} : (tensor<2x1x1x3x4x!snn.spike>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<2x1x2x3x4xf32>
// CHECK-NEXT: return %[[R]]
func.func @bn_into_conv2d(%x: tensor<2x1x1x3x4x!snn.spike>) -> tensor<2x1x2x3x4xf32> {
  %w = arith.constant dense<[[[[1.0, -2.0]]], [[[0.5, 3.0]]]]> : tensor<2x1x1x2xf32>
  %gamma = arith.constant dense<[1.0, 8.0]> : tensor<2xf32>
  %beta = arith.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %mean = arith.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %var = arith.constant dense<[0.0, 3.75]> : tensor<2xf32>
  %0 = snn.conv2d %x, %w {pad = array<i64: 0, 1, 0, 0>}
         : (tensor<2x1x1x3x4x!snn.spike>, tensor<2x1x1x2xf32>) -> tensor<2x1x2x3x4xf32>
  %1 = snn.batch_norm %0, %gamma, %beta, %mean, %var {channel_dim = 2 : i64, epsilon = 0.25}
         : tensor<2x1x2x3x4xf32>, tensor<2xf32>
  return %1 : tensor<2x1x2x3x4xf32>
}

// -----

// Conv with a bias and non-default strides/dilation/groups: the attributes
// are kept. var = 4, eps = 0: a = 0.5 * gamma = [1, 0.5],
// b = fma(-mean, a, beta) = [-1 * 1 + 1, -2 * 0.5 + 0] = [0, -1],
// bias' = fma(bias, a, b) = [2 * 1 + 0, 4 * 0.5 - 1] = [2, 1],
// W' = [[[[1]]], [[[-1.5]]]].
// CHECK-LABEL: func.func @bn_into_conv2d_bias(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<2x5x5xf32>)
// CHECK-DAG: %[[W:.+]] = arith.constant dense<{{\[}}[{{\[}}[1.000000e+00]]], [{{\[}}[-1.500000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.+]] = arith.constant dense<[2.000000e+00, 1.000000e+00]> : tensor<2xf32>
// CHECK: %[[R:.+]] = snn.conv2d %[[X]], %[[W]], %[[B]] {dilation = array<i64: 2, 2>, groups = 2 : i64, strides = array<i64: 2, 2>} : (tensor<2x5x5xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<2x3x3xf32>
// CHECK-NEXT: return %[[R]]
func.func @bn_into_conv2d_bias(%x: tensor<2x5x5xf32>) -> tensor<2x3x3xf32> {
  %w = arith.constant dense<[[[[1.0]]], [[[-3.0]]]]> : tensor<2x1x1x1xf32>
  %b = arith.constant dense<[2.0, 4.0]> : tensor<2xf32>
  %gamma = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = arith.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %mean = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %var = arith.constant dense<4.0> : tensor<2xf32>
  %0 = snn.conv2d %x, %w, %b {strides = array<i64: 2, 2>, dilation = array<i64: 2, 2>, groups = 2 : i64}
         : (tensor<2x5x5xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<2x3x3xf32>
  %1 = snn.batch_norm %0, %gamma, %beta, %mean, %var {channel_dim = 0 : i64, epsilon = 0.0}
         : tensor<2x3x3xf32>, tensor<2xf32>
  return %1 : tensor<2x3x3xf32>
}

// -----

// The batch norm normalizes dimension 0, not the output channels (dimension
// 1) of the linear: no fold.
// CHECK-LABEL: func.func @bn_other_dim(
// CHECK: %[[L:.+]] = snn.linear
// CHECK-NEXT: %[[R:.+]] = snn.batch_norm %[[L]], {{.*}} {channel_dim = 0 : i64, epsilon = 0.000000e+00 : f64} : tensor<3x3xf32>, tensor<3xf32>
// CHECK-NEXT: return %[[R]]
func.func @bn_other_dim(%x: tensor<3x2xf32>) -> tensor<3x3xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %p = arith.constant dense<4.0> : tensor<3xf32>
  %0 = snn.linear %x, %w : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<3x3xf32>
  %1 = snn.batch_norm %0, %p, %p, %p, %p {channel_dim = 0 : i64, epsilon = 0.0}
         : tensor<3x3xf32>, tensor<3xf32>
  return %1 : tensor<3x3xf32>
}

// -----

// The linear result has a second use: no fold.
// CHECK-LABEL: func.func @bn_producer_two_uses(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x2xf32>)
// CHECK: %[[W:.+]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK: %[[L:.+]] = snn.linear %[[X]], %[[W]] :
// CHECK-NEXT: %[[R:.+]] = snn.batch_norm %[[L]], {{.*}} {channel_dim = 1 : i64, epsilon = 0.000000e+00 : f64}
// CHECK-NEXT: return %[[R]], %[[L]]
func.func @bn_producer_two_uses(%x: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %p = arith.constant dense<4.0> : tensor<2xf32>
  %0 = snn.linear %x, %w : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %1 = snn.batch_norm %0, %p, %p, %p, %p {channel_dim = 1 : i64, epsilon = 0.0}
         : tensor<4x2xf32>, tensor<2xf32>
  return %1, %0 : tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// Non-constant weights: no fold.
// CHECK-LABEL: func.func @bn_weight_not_constant(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x2xf32>, %[[W:[a-zA-Z0-9_]+]]: tensor<2x2xf32>)
// CHECK: %[[L:.+]] = snn.linear %[[X]], %[[W]] :
// CHECK-NEXT: %[[R:.+]] = snn.batch_norm %[[L]],
// CHECK-NEXT: return %[[R]]
func.func @bn_weight_not_constant(%x: tensor<4x2xf32>, %w: tensor<2x2xf32>) -> tensor<4x2xf32> {
  %p = arith.constant dense<4.0> : tensor<2xf32>
  %0 = snn.linear %x, %w : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %1 = snn.batch_norm %0, %p, %p, %p, %p {channel_dim = 1 : i64, epsilon = 0.0}
         : tensor<4x2xf32>, tensor<2xf32>
  return %1 : tensor<4x2xf32>
}

// -----

// Non-constant bias: no fold.
// CHECK-LABEL: func.func @bn_bias_not_constant(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x2xf32>, %[[B:[a-zA-Z0-9_]+]]: tensor<2xf32>)
// CHECK: %[[L:.+]] = snn.linear %[[X]], %{{.+}}, %[[B]] :
// CHECK-NEXT: %[[R:.+]] = snn.batch_norm %[[L]],
// CHECK-NEXT: return %[[R]]
func.func @bn_bias_not_constant(%x: tensor<4x2xf32>, %b: tensor<2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %p = arith.constant dense<4.0> : tensor<2xf32>
  %0 = snn.linear %x, %w, %b : (tensor<4x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %1 = snn.batch_norm %0, %p, %p, %p, %p {channel_dim = 1 : i64, epsilon = 0.0}
         : tensor<4x2xf32>, tensor<2xf32>
  return %1 : tensor<4x2xf32>
}

// -----

// Non-constant batch-norm statistics: no fold.
// CHECK-LABEL: func.func @bn_params_not_constant(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x2xf32>, %[[M:[a-zA-Z0-9_]+]]: tensor<2xf32>)
// CHECK: %[[L:.+]] = snn.linear %[[X]],
// CHECK-NEXT: %[[R:.+]] = snn.batch_norm %[[L]], %{{.+}}, %{{.+}}, %[[M]], %{{.+}} {channel_dim = 1 : i64, epsilon = 0.000000e+00 : f64}
// CHECK-NEXT: return %[[R]]
func.func @bn_params_not_constant(%x: tensor<4x2xf32>, %mean: tensor<2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %p = arith.constant dense<4.0> : tensor<2xf32>
  %0 = snn.linear %x, %w : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %1 = snn.batch_norm %0, %p, %p, %mean, %p {channel_dim = 1 : i64, epsilon = 0.0}
         : tensor<4x2xf32>, tensor<2xf32>
  return %1 : tensor<4x2xf32>
}

// -----

// The input is not produced by a linear/conv: no fold.
// CHECK-LABEL: func.func @bn_of_argument(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x2xf32>)
// CHECK: %[[R:.+]] = snn.batch_norm %[[X]],
// CHECK-NEXT: return %[[R]]
func.func @bn_of_argument(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %p = arith.constant dense<4.0> : tensor<2xf32>
  %1 = snn.batch_norm %x, %p, %p, %p, %p {channel_dim = 1 : i64}
         : tensor<4x2xf32>, tensor<2xf32>
  return %1 : tensor<4x2xf32>
}

// -----

//===----------------------------------------------------------------------===//
// scale folded into linear / conv2d
//===----------------------------------------------------------------------===//

// scale by 2^-2: W' = W / 4 = [[0.25, 0.5], [0.75, 1]], bias' = [0.25, -2].
// CHECK-LABEL: func.func @scale_into_linear(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x2x!snn.count<2>>)
// CHECK-DAG: %[[W:.+]] = arith.constant dense<{{\[}}[2.500000e-01, 5.000000e-01], [7.500000e-01, 1.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[B:.+]] = arith.constant dense<[2.500000e-01, -2.000000e+00]> : tensor<2xf32>
// CHECK-NOT: snn.scale
// CHECK: %[[R:.+]] = snn.linear %[[X]], %[[W]], %[[B]] : (tensor<4x2x!snn.count<2>>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
// CHECK-NEXT: return %[[R]]
func.func @scale_into_linear(%x: tensor<4x2x!snn.count<2>>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = arith.constant dense<[1.0, -8.0]> : tensor<2xf32>
  %0 = snn.linear %x, %w, %b
         : (tensor<4x2x!snn.count<2>>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %1 = snn.scale %0 by 0.25 : tensor<4x2xf32>
  return %1 : tensor<4x2xf32>
}

// -----

// scale by 2 into a conv without bias: W' = 2 W, still no bias.
// CHECK-LABEL: func.func @scale_into_conv2d(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<1x1x3x4xf32>)
// CHECK: %[[W:.+]] = arith.constant dense<{{\[}}[{{\[}}[2.000000e+00, -4.000000e+00]]], [{{\[}}[1.000000e+00, 6.000000e+00]]]]> : tensor<2x1x1x2xf32>
// CHECK-NOT: snn.scale
// CHECK: %[[R:.+]] = snn.conv2d %[[X]], %[[W]] : (tensor<1x1x3x4xf32>, tensor<2x1x1x2xf32>) -> tensor<1x2x3x3xf32>
// CHECK-NEXT: return %[[R]]
func.func @scale_into_conv2d(%x: tensor<1x1x3x4xf32>) -> tensor<1x2x3x3xf32> {
  %w = arith.constant dense<[[[[1.0, -2.0]]], [[[0.5, 3.0]]]]> : tensor<2x1x1x2xf32>
  %0 = snn.conv2d %x, %w : (tensor<1x1x3x4xf32>, tensor<2x1x1x2xf32>) -> tensor<1x2x3x3xf32>
  %1 = snn.scale %0 by 2.0 : tensor<1x2x3x3xf32>
  return %1 : tensor<1x2x3x3xf32>
}

// -----

// Multiplying by 3 is not exact in f32: no fold.
// CHECK-LABEL: func.func @scale_not_into_linear_factor_3(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x2xf32>)
// CHECK: %[[W:.+]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK: %[[L:.+]] = snn.linear %[[X]], %[[W]] :
// CHECK-NEXT: %[[R:.+]] = snn.scale %[[L]] by 3.000000e+00 : tensor<4x2xf32>
// CHECK-NEXT: return %[[R]]
func.func @scale_not_into_linear_factor_3(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %0 = snn.linear %x, %w : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %1 = snn.scale %0 by 3.0 : tensor<4x2xf32>
  return %1 : tensor<4x2xf32>
}

// -----

// A negative power of two is not folded either.
// CHECK-LABEL: func.func @scale_not_into_linear_negative(
// CHECK: %[[L:.+]] = snn.linear
// CHECK-NEXT: %[[R:.+]] = snn.scale %[[L]] by -2.000000e+00 : tensor<4x2xf32>
// CHECK-NEXT: return %[[R]]
func.func @scale_not_into_linear_negative(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %0 = snn.linear %x, %w : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %1 = snn.scale %0 by -2.0 : tensor<4x2xf32>
  return %1 : tensor<4x2xf32>
}

// -----

// The linear has another use: no fold.
// CHECK-LABEL: func.func @scale_not_into_shared_linear(
// CHECK: %[[L:.+]] = snn.linear
// CHECK-NEXT: %[[R:.+]] = snn.scale %[[L]] by 5.000000e-01 : tensor<4x2xf32>
// CHECK-NEXT: return %[[R]], %[[L]]
func.func @scale_not_into_shared_linear(%x: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %0 = snn.linear %x, %w : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %1 = snn.scale %0 by 0.5 : tensor<4x2xf32>
  return %1, %0 : tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// Non-constant weights: no fold.
// CHECK-LABEL: func.func @scale_not_into_linear_weight_arg(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x2xf32>, %[[W:[a-zA-Z0-9_]+]]: tensor<2x2xf32>)
// CHECK: %[[L:.+]] = snn.linear %[[X]], %[[W]] :
// CHECK-NEXT: %[[R:.+]] = snn.scale %[[L]] by 5.000000e-01 : tensor<4x2xf32>
// CHECK-NEXT: return %[[R]]
func.func @scale_not_into_linear_weight_arg(%x: tensor<4x2xf32>, %w: tensor<2x2xf32>) -> tensor<4x2xf32> {
  %0 = snn.linear %x, %w : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %1 = snn.scale %0 by 0.5 : tensor<4x2xf32>
  return %1 : tensor<4x2xf32>
}

// -----

//===----------------------------------------------------------------------===//
// scale(scale) and scale by 1
//===----------------------------------------------------------------------===//

// Outer factor 2^-1: 3 * 0.5 = 1.5.
// CHECK-LABEL: func.func @merge_scales_outer_pow2(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = snn.scale %[[X]] by 1.500000e+00 : tensor<4xf32>
// CHECK-NEXT: return %[[R]]
func.func @merge_scales_outer_pow2(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = snn.scale %x by 3.0 : tensor<4xf32>
  %1 = snn.scale %0 by 0.5 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// Inner factor 2^-2: 0.25 * 3 = 0.75.
// CHECK-LABEL: func.func @merge_scales_inner_pow2(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = snn.scale %[[X]] by 7.500000e-01 : tensor<4xf32>
// CHECK-NEXT: return %[[R]]
func.func @merge_scales_inner_pow2(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = snn.scale %x by 0.25 : tensor<4xf32>
  %1 = snn.scale %0 by 3.0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// A chain of three collapses into one.
// CHECK-LABEL: func.func @merge_scales_chain(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = snn.scale %[[X]] by 1.200000e+01 : tensor<4xf32>
// CHECK-NEXT: return %[[R]]
func.func @merge_scales_chain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = snn.scale %x by 2.0 : tensor<4xf32>
  %1 = snn.scale %0 by 3.0 : tensor<4xf32>
  %2 = snn.scale %1 by 2.0 : tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// 4 * 0.25 = 1: merged, then the scale by 1 folds away.
// CHECK-LABEL: func.func @merge_scales_to_one(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4xf32>)
// CHECK-NOT: snn.scale
// CHECK: return %[[X]]
func.func @merge_scales_to_one(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = snn.scale %x by 4.0 : tensor<4xf32>
  %1 = snn.scale %0 by 0.25 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// Neither 3 nor 5 is a power of two: (x * 3) * 5 may differ from x * 15.
// CHECK-LABEL: func.func @no_merge_scales_3_5(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4xf32>)
// CHECK-NEXT: %[[A:.+]] = snn.scale %[[X]] by 3.000000e+00 : tensor<4xf32>
// CHECK-NEXT: %[[B:.+]] = snn.scale %[[A]] by 5.000000e+00 : tensor<4xf32>
// CHECK-NEXT: return %[[B]]
func.func @no_merge_scales_3_5(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = snn.scale %x by 3.0 : tensor<4xf32>
  %1 = snn.scale %0 by 5.0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// The inner scale keeps its other use.
// CHECK-LABEL: func.func @merge_scales_shared_inner(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4xf32>)
// CHECK-DAG: %[[A:.+]] = snn.scale %[[X]] by 3.000000e+00 : tensor<4xf32>
// CHECK-DAG: %[[B:.+]] = snn.scale %[[X]] by 6.000000e+00 : tensor<4xf32>
// CHECK: return %[[B]], %[[A]]
func.func @merge_scales_shared_inner(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = snn.scale %x by 3.0 : tensor<4xf32>
  %1 = snn.scale %0 by 2.0 : tensor<4xf32>
  return %1, %0 : tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @scale_by_one(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @scale_by_one(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = snn.scale %x by 1.0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @scale_by_minus_one(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.+]] = snn.scale %[[X]] by -1.000000e+00 : tensor<4xf32>
// CHECK-NEXT: return %[[R]]
func.func @scale_by_minus_one(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = snn.scale %x by -1.0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// scale folded into neurons
//===----------------------------------------------------------------------===//

// x * 4 against threshold 2 is x against 0.5; v_reset and v_init scale
// alike; tau, decay_input and the reset mode are untouched.
// CHECK-LABEL: func.func @scale_into_lif(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>)
// CHECK-NEXT: %[[R:.+]] = snn.lif %[[X]] {decay_input = false, tau = 4.000000e+00 : f64, v_init = 1.250000e-01 : f64, v_reset = -2.500000e-01 : f64, v_threshold = 5.000000e-01 : f64} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @scale_into_lif(%x: tensor<4x8xf32>) -> tensor<4x8x!snn.spike> {
  %0 = snn.scale %x by 4.0 : tensor<4x8xf32>
  %1 = snn.lif %0 {tau = 4.0, decay_input = false, v_threshold = 2.0, v_reset = -1.0, v_init = 0.5}
         : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %1 : tensor<4x8x!snn.spike>
}

// -----

// x * 0.5 against the default threshold 1 is x against 2.
// CHECK-LABEL: func.func @scale_into_if(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>)
// CHECK-NEXT: %[[R:.+]] = snn.if %[[X]] {compare = #snn.compare<gt>, reset = #snn.reset<soft>, v_threshold = 2.000000e+00 : f64} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @scale_into_if(%x: tensor<4x8xf32>) -> tensor<4x8x!snn.spike> {
  %0 = snn.scale %x by 0.5 : tensor<4x8xf32>
  %1 = snn.if %0 {reset = #snn.reset<soft>, compare = #snn.compare<gt>}
         : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %1 : tensor<4x8x!snn.spike>
}

// -----

// The scale has another use: the neuron reads x directly, the scale stays
// for the other user.
// CHECK-LABEL: func.func @scale_into_lif_shared(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>)
// CHECK-DAG: %[[S:.+]] = snn.scale %[[X]] by 2.000000e+00 : tensor<4x8xf32>
// CHECK-DAG: %[[N:.+]] = snn.lif %[[X]] {v_threshold = 5.000000e-01 : f64} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
// CHECK: return %[[N]], %[[S]]
func.func @scale_into_lif_shared(%x: tensor<4x8xf32>) -> (tensor<4x8x!snn.spike>, tensor<4x8xf32>) {
  %0 = snn.scale %x by 2.0 : tensor<4x8xf32>
  %1 = snn.lif %0 : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %1, %0 : tensor<4x8x!snn.spike>, tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @scale_not_into_lif_factor_3(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>)
// CHECK-NEXT: %[[S:.+]] = snn.scale %[[X]] by 3.000000e+00 : tensor<4x8xf32>
// CHECK-NEXT: %[[R:.+]] = snn.lif %[[S]] {v_threshold = 2.000000e+00 : f64} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @scale_not_into_lif_factor_3(%x: tensor<4x8xf32>) -> tensor<4x8x!snn.spike> {
  %0 = snn.scale %x by 3.0 : tensor<4x8xf32>
  %1 = snn.lif %0 {v_threshold = 2.0} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %1 : tensor<4x8x!snn.spike>
}

// -----

// CHECK-LABEL: func.func @scale_not_into_if_factor_3(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>)
// CHECK-NEXT: %[[S:.+]] = snn.scale %[[X]] by 3.000000e+00 : tensor<4x8xf32>
// CHECK-NEXT: %[[R:.+]] = snn.if %[[S]] : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @scale_not_into_if_factor_3(%x: tensor<4x8xf32>) -> tensor<4x8x!snn.spike> {
  %0 = snn.scale %x by 3.0 : tensor<4x8xf32>
  %1 = snn.if %0 : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %1 : tensor<4x8x!snn.spike>
}

// -----

// Per-channel thresholds would have to be divided too: no fold.
// CHECK-LABEL: func.func @scale_not_into_lif_channel_threshold(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>, %[[TH:[a-zA-Z0-9_]+]]: tensor<8xf32>)
// CHECK-NEXT: %[[S:.+]] = snn.scale %[[X]] by 2.000000e+00 : tensor<4x8xf32>
// CHECK-NEXT: %[[R:.+]] = snn.lif %[[S]] channel_threshold(%[[TH]] : tensor<8xf32>) {channel_dim = 1 : i64} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @scale_not_into_lif_channel_threshold(%x: tensor<4x8xf32>, %th: tensor<8xf32>) -> tensor<4x8x!snn.spike> {
  %0 = snn.scale %x by 2.0 : tensor<4x8xf32>
  %1 = snn.lif %0 channel_threshold(%th : tensor<8xf32>) {channel_dim = 1 : i64}
         : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %1 : tensor<4x8x!snn.spike>
}

// -----

// CHECK-LABEL: func.func @scale_not_into_lif_channel_tau(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>, %[[TAU:[a-zA-Z0-9_]+]]: tensor<8xf32>)
// CHECK-NEXT: %[[S:.+]] = snn.scale %[[X]] by 2.000000e+00 : tensor<4x8xf32>
// CHECK-NEXT: %[[R:.+]] = snn.lif %[[S]] channel_tau(%[[TAU]] : tensor<8xf32>) {channel_dim = 1 : i64} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @scale_not_into_lif_channel_tau(%x: tensor<4x8xf32>, %tau: tensor<8xf32>) -> tensor<4x8x!snn.spike> {
  %0 = snn.scale %x by 2.0 : tensor<4x8xf32>
  %1 = snn.lif %0 channel_tau(%tau : tensor<8xf32>) {channel_dim = 1 : i64}
         : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %1 : tensor<4x8x!snn.spike>
}

// -----

// CHECK-LABEL: func.func @scale_not_into_if_channel_reset(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>, %[[VR:[a-zA-Z0-9_]+]]: tensor<8xf32>)
// CHECK-NEXT: %[[S:.+]] = snn.scale %[[X]] by 5.000000e-01 : tensor<4x8xf32>
// CHECK-NEXT: %[[R:.+]] = snn.if %[[S]] channel_reset(%[[VR]] : tensor<8xf32>) {channel_dim = 1 : i64} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @scale_not_into_if_channel_reset(%x: tensor<4x8xf32>, %vr: tensor<8xf32>) -> tensor<4x8x!snn.spike> {
  %0 = snn.scale %x by 0.5 : tensor<4x8xf32>
  %1 = snn.if %0 channel_reset(%vr : tensor<8xf32>) {channel_dim = 1 : i64}
         : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %1 : tensor<4x8x!snn.spike>
}

// -----

//===----------------------------------------------------------------------===//
// Dead neurons
//===----------------------------------------------------------------------===//

// Zero input, membrane at v_reset = 0 < 1: never fires.
// CHECK-LABEL: func.func @dead_lif_f32()
// CHECK-NEXT: %[[C:.+]] = snn.constant dense<false> : tensor<4x2x8xi1> -> tensor<4x2x8x!snn.spike>
// CHECK-NEXT: return %[[C]]
func.func @dead_lif_f32() -> tensor<4x2x8x!snn.spike> {
  %z = arith.constant dense<0.0> : tensor<4x2x8xf32>
  %0 = snn.lif %z : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  return %0 : tensor<4x2x8x!snn.spike>
}

// -----

// CHECK-LABEL: func.func @dead_if_spikes()
// CHECK-NEXT: %[[C:.+]] = snn.constant dense<false> : tensor<4x8xi1> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[C]]
func.func @dead_if_spikes() -> tensor<4x8x!snn.spike> {
  %z = snn.constant dense<false> : tensor<4x8xi1> -> tensor<4x8x!snn.spike>
  %0 = snn.if %z {v_threshold = 0.5} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// CHECK-LABEL: func.func @dead_lif_spikes()
// CHECK-NEXT: %[[C:.+]] = snn.constant dense<false> : tensor<4x8xi1> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[C]]
func.func @dead_lif_spikes() -> tensor<4x8x!snn.spike> {
  %z = snn.constant dense<false> : tensor<4x8xi1> -> tensor<4x8x!snn.spike>
  %0 = snn.lif %z {tau = 3.0} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// Zero counts into a fixed-point membrane: not folded. The rule reasons in
// f32, which cannot represent every raw membrane value (a 32-bit v_init of
// 16777217 against a threshold of 16777216 fires, but not in f32).
// CHECK-LABEL: func.func @dead_lif_fixed_counts()
// CHECK: %[[S:.+]] = snn.lif
// CHECK-NEXT: return %[[S]]
func.func @dead_lif_fixed_counts() -> tensor<4x8x!snn.spike> {
  %z = snn.constant dense<0> : tensor<4x8xi32> -> tensor<4x8x!snn.count<2>>
  %0 = snn.lif %z {membrane_type = !snn.fixed<16, 8>}
         : tensor<4x8x!snn.count<2>> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// 0 > 0 is false: with compare = gt a zero threshold never fires on 0.
// CHECK-LABEL: func.func @dead_lif_gt_zero_threshold()
// CHECK-NEXT: %[[C:.+]] = snn.constant dense<false> : tensor<4x8xi1> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[C]]
func.func @dead_lif_gt_zero_threshold() -> tensor<4x8x!snn.spike> {
  %z = arith.constant dense<0.0> : tensor<4x8xf32>
  %0 = snn.lif %z {v_threshold = 0.0, compare = #snn.compare<gt>}
         : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// Soft reset starts at 0 = v_reset: stays there.
// CHECK-LABEL: func.func @dead_lif_soft_reset()
// CHECK-NEXT: %[[C:.+]] = snn.constant dense<false> : tensor<4x8xi1> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[C]]
func.func @dead_lif_soft_reset() -> tensor<4x8x!snn.spike> {
  %z = arith.constant dense<0.0> : tensor<4x8xf32>
  %0 = snn.lif %z {reset = #snn.reset<soft>} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// Hard reset to -1 with threshold -0.5: the membrane rests at -1.
// CHECK-LABEL: func.func @dead_lif_negative_rest()
// CHECK-NEXT: %[[C:.+]] = snn.constant dense<false> : tensor<4x8xi1> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[C]]
func.func @dead_lif_negative_rest() -> tensor<4x8x!snn.spike> {
  %z = arith.constant dense<0.0> : tensor<4x8xf32>
  %0 = snn.lif %z {v_reset = -1.0, v_threshold = -0.5} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// An IF membrane does not move with zero input: v_init = 0.5 < 1 never fires.
// CHECK-LABEL: func.func @dead_if_v_init()
// CHECK-NEXT: %[[C:.+]] = snn.constant dense<false> : tensor<4x8xi1> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[C]]
func.func @dead_if_v_init() -> tensor<4x8x!snn.spike> {
  %z = arith.constant dense<0.0> : tensor<4x8xf32>
  %0 = snn.if %z {v_init = 0.5} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// v_threshold = 0 with compare = ge fires on the resting potential 0.
// CHECK-LABEL: func.func @not_dead_lif_zero_threshold()
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<4x8xf32>
// CHECK-NEXT: %[[R:.+]] = snn.lif %[[Z]] {v_threshold = 0.000000e+00 : f64} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @not_dead_lif_zero_threshold() -> tensor<4x8x!snn.spike> {
  %z = arith.constant dense<0.0> : tensor<4x8xf32>
  %0 = snn.lif %z {v_threshold = 0.0} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// The threshold is below the resting potential: fires at once.
// CHECK-LABEL: func.func @not_dead_if_negative_threshold()
// CHECK-NEXT: %[[Z:.+]] = snn.constant dense<false> : tensor<4x8xi1> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: %[[R:.+]] = snn.if %[[Z]] {v_threshold = -1.000000e+00 : f64} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @not_dead_if_negative_threshold() -> tensor<4x8x!snn.spike> {
  %z = snn.constant dense<false> : tensor<4x8xi1> -> tensor<4x8x!snn.spike>
  %0 = snn.if %z {v_threshold = -1.0} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// Hard reset to -1 with threshold -1 (ge): fires on the resting potential.
// CHECK-LABEL: func.func @not_dead_lif_rest_at_threshold()
// CHECK: snn.lif %{{.+}} {v_reset = -1.000000e+00 : f64, v_threshold = -1.000000e+00 : f64}
func.func @not_dead_lif_rest_at_threshold() -> tensor<4x8x!snn.spike> {
  %z = arith.constant dense<0.0> : tensor<4x8xf32>
  %0 = snn.lif %z {v_reset = -1.0, v_threshold = -1.0} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// A LIF membrane starting at v_init = 0.5 != v_reset = 0 decays (it could
// reach a threshold when v_reset is above it): not folded.
// CHECK-LABEL: func.func @not_dead_lif_v_init()
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<4x8xf32>
// CHECK-NEXT: %[[R:.+]] = snn.lif %[[Z]] {v_init = 5.000000e-01 : f64} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @not_dead_lif_v_init() -> tensor<4x8x!snn.spike> {
  %z = arith.constant dense<0.0> : tensor<4x8xf32>
  %0 = snn.lif %z {v_init = 0.5} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// Soft reset starts at 0 but leaks towards v_reset = -0.5: not folded.
// CHECK-LABEL: func.func @not_dead_lif_soft_reset_moves()
// CHECK: snn.lif %{{.+}} {reset = #snn.reset<soft>, v_reset = -5.000000e-01 : f64}
func.func @not_dead_lif_soft_reset_moves() -> tensor<4x8x!snn.spike> {
  %z = arith.constant dense<0.0> : tensor<4x8xf32>
  %0 = snn.lif %z {reset = #snn.reset<soft>, v_reset = -0.5} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// An IF neuron starting at v_init = 1 fires on its initial state.
// CHECK-LABEL: func.func @not_dead_if_v_init_at_threshold()
// CHECK: snn.if %{{.+}} {v_init = 1.000000e+00 : f64} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
func.func @not_dead_if_v_init_at_threshold() -> tensor<4x8x!snn.spike> {
  %z = arith.constant dense<0.0> : tensor<4x8xf32>
  %0 = snn.if %z {v_init = 1.0} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// CHECK-LABEL: func.func @not_dead_nonzero_input()
// CHECK-NEXT: %[[Z:.+]] = arith.constant dense<1.000000e+00> : tensor<4x8xf32>
// CHECK-NEXT: %[[R:.+]] = snn.lif %[[Z]] : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @not_dead_nonzero_input() -> tensor<4x8x!snn.spike> {
  %z = arith.constant dense<1.0> : tensor<4x8xf32>
  %0 = snn.lif %z : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// Per-channel thresholds: not folded.
// CHECK-LABEL: func.func @not_dead_channel_threshold(
// CHECK-SAME: %[[TH:[a-zA-Z0-9_]+]]: tensor<8xf32>)
// CHECK: snn.lif %{{.+}} channel_threshold(%[[TH]] : tensor<8xf32>) {channel_dim = 1 : i64}
func.func @not_dead_channel_threshold(%th: tensor<8xf32>) -> tensor<4x8x!snn.spike> {
  %z = arith.constant dense<0.0> : tensor<4x8xf32>
  %0 = snn.lif %z channel_threshold(%th : tensor<8xf32>) {channel_dim = 1 : i64}
         : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

//===----------------------------------------------------------------------===//
// Identity neurons
//===----------------------------------------------------------------------===//

// Default LIF (tau = 2, threshold 1): one spike charges 1/2 < 1, so an
// isolated spike is not passed on. Not an identity.
// CHECK-LABEL: func.func @lif_default_not_identity(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.spike>)
// CHECK-NEXT: %[[R:.+]] = snn.lif %[[S]] : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @lif_default_not_identity(%s: tensor<4x8x!snn.spike>) -> tensor<4x8x!snn.spike> {
  %0 = snn.lif %s : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// tau = 2, threshold 0.5: one spike charges 0.5 >= 0.5 and fires, then
// hard-resets to 0; silence stays at 0. The identity.
// CHECK-LABEL: func.func @lif_identity(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.spike>)
// CHECK-NEXT: return %[[S]]
func.func @lif_identity(%s: tensor<4x8x!snn.spike>) -> tensor<4x8x!snn.spike> {
  %0 = snn.lif %s {tau = 2.0, v_threshold = 0.5} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// decay_input = false: a spike charges the full 1 whatever tau.
// CHECK-LABEL: func.func @lif_identity_no_decay_input(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.spike>)
// CHECK-NEXT: return %[[S]]
func.func @lif_identity_no_decay_input(%s: tensor<4x8x!snn.spike>) -> tensor<4x8x!snn.spike> {
  %0 = snn.lif %s {tau = 10.0, decay_input = false} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// compare = gt with threshold 0.5: 0.5 > 0.5 is false. Not an identity.
// CHECK-LABEL: func.func @lif_gt_not_identity(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.spike>)
// CHECK-NEXT: %[[R:.+]] = snn.lif %[[S]] {compare = #snn.compare<gt>, v_threshold = 5.000000e-01 : f64} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @lif_gt_not_identity(%s: tensor<4x8x!snn.spike>) -> tensor<4x8x!snn.spike> {
  %0 = snn.lif %s {v_threshold = 0.5, compare = #snn.compare<gt>} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// IF with threshold 1: a spike charges 1 >= 1. The identity.
// CHECK-LABEL: func.func @if_identity(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.spike>)
// CHECK-NEXT: return %[[S]]
func.func @if_identity(%s: tensor<4x8x!snn.spike>) -> tensor<4x8x!snn.spike> {
  %0 = snn.if %s {v_threshold = 1.0} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// IF with compare = gt and threshold 1: 1 > 1 is false. Not an identity.
// CHECK-LABEL: func.func @if_gt_not_identity(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.spike>)
// CHECK-NEXT: %[[R:.+]] = snn.if %[[S]] {compare = #snn.compare<gt>} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @if_gt_not_identity(%s: tensor<4x8x!snn.spike>) -> tensor<4x8x!snn.spike> {
  %0 = snn.if %s {v_threshold = 1.0, compare = #snn.compare<gt>} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// IF with compare = gt and threshold 0: 1 > 0 fires, 0 > 0 does not. The
// identity.
// CHECK-LABEL: func.func @if_gt_zero_identity(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.spike>)
// CHECK-NEXT: return %[[S]]
func.func @if_gt_zero_identity(%s: tensor<4x8x!snn.spike>) -> tensor<4x8x!snn.spike> {
  %0 = snn.if %s {v_threshold = 0.0, compare = #snn.compare<gt>} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// Soft reset keeps the excess charge: not an identity (and not folded).
// CHECK-LABEL: func.func @if_soft_reset_not_identity(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.spike>)
// CHECK-NEXT: %[[R:.+]] = snn.if %[[S]] {reset = #snn.reset<soft>, v_threshold = 5.000000e-01 : f64} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @if_soft_reset_not_identity(%s: tensor<4x8x!snn.spike>) -> tensor<4x8x!snn.spike> {
  %0 = snn.if %s {reset = #snn.reset<soft>, v_threshold = 0.5} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// CHECK-LABEL: func.func @lif_soft_reset_not_identity(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.spike>)
// CHECK-NEXT: %[[R:.+]] = snn.lif %[[S]] {reset = #snn.reset<soft>, v_threshold = 5.000000e-01 : f64} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @lif_soft_reset_not_identity(%s: tensor<4x8x!snn.spike>) -> tensor<4x8x!snn.spike> {
  %0 = snn.lif %s {reset = #snn.reset<soft>, v_threshold = 0.5} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// Reset to -1 (not 0): not an identity.
// CHECK-LABEL: func.func @if_nonzero_reset_not_identity(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.spike>)
// CHECK-NEXT: %[[R:.+]] = snn.if %[[S]] {v_reset = -1.000000e+00 : f64} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @if_nonzero_reset_not_identity(%s: tensor<4x8x!snn.spike>) -> tensor<4x8x!snn.spike> {
  %0 = snn.if %s {v_reset = -1.0} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// Starting above rest: not an identity.
// CHECK-LABEL: func.func @if_v_init_not_identity(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.spike>)
// CHECK-NEXT: %[[R:.+]] = snn.if %[[S]] {v_init = 5.000000e-01 : f64} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @if_v_init_not_identity(%s: tensor<4x8x!snn.spike>) -> tensor<4x8x!snn.spike> {
  %0 = snn.if %s {v_init = 0.5} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// Count input (a 2 is not a spike): not an identity.
// CHECK-LABEL: func.func @if_count_input_not_identity(
// CHECK-SAME: %[[C:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.count<2>>)
// CHECK-NEXT: %[[R:.+]] = snn.if %[[C]] : tensor<4x8x!snn.count<2>> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @if_count_input_not_identity(%c: tensor<4x8x!snn.count<2>>) -> tensor<4x8x!snn.spike> {
  %0 = snn.if %c : tensor<4x8x!snn.count<2>> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// A fixed-point membrane is left alone.
// CHECK-LABEL: func.func @if_fixed_not_identity(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.spike>)
// CHECK-NEXT: %[[R:.+]] = snn.if %[[S]] {membrane_type = !snn.fixed<8, 0>} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
// CHECK-NEXT: return %[[R]]
func.func @if_fixed_not_identity(%s: tensor<4x8x!snn.spike>) -> tensor<4x8x!snn.spike> {
  %0 = snn.if %s {membrane_type = !snn.fixed<8, 0>} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

//===----------------------------------------------------------------------===//
// add with zero, cast to the same type
//===----------------------------------------------------------------------===//

// In f32 only -0.0 is an exact additive identity (x = -0.0 plus +0.0 is
// +0.0), so only x + -0.0 folds.
// CHECK-LABEL: func.func @add_zero_f32(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>)
// CHECK-NEXT: return %[[X]], %[[X]]
func.func @add_zero_f32(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %z = arith.constant dense<-0.0> : tensor<4x8xf32>
  %0 = snn.add %x, %z : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  %1 = snn.add %z, %x : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  return %0, %1 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// +0.0, and zero spikes added in f32, are not exact identities: not folded.
// CHECK-LABEL: func.func @add_plus_zero_f32_not_folded(
// CHECK: %[[R:.+]] = snn.add
// CHECK-NEXT: return %[[R]]
func.func @add_plus_zero_f32_not_folded(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %z = arith.constant dense<0.0> : tensor<4x8xf32>
  %0 = snn.add %x, %z : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @add_zero_spikes_to_f32(
// CHECK: %[[R:.+]] = snn.add
// CHECK-NEXT: return %[[R]]
func.func @add_zero_spikes_to_f32(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %z = snn.constant dense<false> : tensor<4x8xi1> -> tensor<4x8x!snn.spike>
  %0 = snn.add %x, %z : tensor<4x8xf32>, tensor<4x8x!snn.spike> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @add_zero_fixed(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.fixed<8, 4>>)
// CHECK-NEXT: return %[[X]]
func.func @add_zero_fixed(%x: tensor<4x8x!snn.fixed<8, 4>>) -> tensor<4x8x!snn.fixed<8, 4>> {
  %z = snn.constant dense<0> : tensor<4x8xi8> -> tensor<4x8x!snn.fixed<8, 4>>
  %0 = snn.add %z, %x : tensor<4x8x!snn.fixed<8, 4>>, tensor<4x8x!snn.fixed<8, 4>> -> tensor<4x8x!snn.fixed<8, 4>>
  return %0 : tensor<4x8x!snn.fixed<8, 4>>
}

// -----

// The result type differs from x's (spikes -> count, fixed<8, 4> ->
// fixed<9, 4>): not folded.
// CHECK-LABEL: func.func @add_zero_type_change(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.spike>, %[[X:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.fixed<8, 4>>)
// CHECK-DAG: %[[ZS:.+]] = snn.constant dense<false> : tensor<4x8xi1> -> tensor<4x8x!snn.spike>
// CHECK-DAG: %[[ZX:.+]] = snn.constant dense<0> : tensor<4x8xi8> -> tensor<4x8x!snn.fixed<8, 4>>
// CHECK-DAG: %[[A:.+]] = snn.add %[[S]], %[[ZS]] : tensor<4x8x!snn.spike>, tensor<4x8x!snn.spike> -> tensor<4x8x!snn.count<2>>
// CHECK-DAG: %[[B:.+]] = snn.add %[[X]], %[[ZX]] : tensor<4x8x!snn.fixed<8, 4>>, tensor<4x8x!snn.fixed<8, 4>> -> tensor<4x8x!snn.fixed<9, 4>>
// CHECK: return %[[A]], %[[B]]
func.func @add_zero_type_change(%s: tensor<4x8x!snn.spike>, %x: tensor<4x8x!snn.fixed<8, 4>>)
    -> (tensor<4x8x!snn.count<2>>, tensor<4x8x!snn.fixed<9, 4>>) {
  %zs = snn.constant dense<false> : tensor<4x8xi1> -> tensor<4x8x!snn.spike>
  %zx = snn.constant dense<0> : tensor<4x8xi8> -> tensor<4x8x!snn.fixed<8, 4>>
  %0 = snn.add %s, %zs : tensor<4x8x!snn.spike>, tensor<4x8x!snn.spike> -> tensor<4x8x!snn.count<2>>
  %1 = snn.add %x, %zx : tensor<4x8x!snn.fixed<8, 4>>, tensor<4x8x!snn.fixed<8, 4>> -> tensor<4x8x!snn.fixed<9, 4>>
  return %0, %1 : tensor<4x8x!snn.count<2>>, tensor<4x8x!snn.fixed<9, 4>>
}

// -----

// CHECK-LABEL: func.func @add_nonzero_not_folded(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>)
// CHECK-NEXT: %[[C:.+]] = arith.constant dense<5.000000e-01> : tensor<4x8xf32>
// CHECK-NEXT: %[[R:.+]] = snn.add %[[X]], %[[C]] : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
// CHECK-NEXT: return %[[R]]
func.func @add_nonzero_not_folded(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %c = arith.constant dense<0.5> : tensor<4x8xf32>
  %0 = snn.add %x, %c : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @cast_same_type(
// CHECK-SAME: %[[F:[a-zA-Z0-9_]+]]: tensor<4xf32>, %[[C:[a-zA-Z0-9_]+]]: tensor<4x!snn.count<2>>)
// CHECK-NEXT: return %[[F]], %[[C]]
func.func @cast_same_type(%f: tensor<4xf32>, %c: tensor<4x!snn.count<2>>)
    -> (tensor<4xf32>, tensor<4x!snn.count<2>>) {
  %0 = snn.cast %f : tensor<4xf32> -> tensor<4xf32>
  %1 = snn.cast %c : tensor<4x!snn.count<2>> -> tensor<4x!snn.count<2>>
  return %0, %1 : tensor<4xf32>, tensor<4x!snn.count<2>>
}

// -----

// CHECK-LABEL: func.func @cast_other_type(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x!snn.spike>)
// CHECK-NEXT: %[[R:.+]] = snn.cast %[[S]] : tensor<4x!snn.spike> -> tensor<4x!snn.count<1>>
// CHECK-NEXT: return %[[R]]
func.func @cast_other_type(%s: tensor<4x!snn.spike>) -> tensor<4x!snn.count<1>> {
  %0 = snn.cast %s : tensor<4x!snn.spike> -> tensor<4x!snn.count<1>>
  return %0 : tensor<4x!snn.count<1>>
}

// -----

// A power-of-two scale is folded into weights only if every scaled weight
// stays exact: 2^100 * 1e30 overflows f32, so nothing is folded.
// CHECK-LABEL: func.func @scale_fold_would_overflow(
// CHECK: snn.linear
// CHECK: snn.scale
func.func @scale_fold_would_overflow(%x: tensor<4x2xf32>) -> tensor<4x1xf32> {
  %w = arith.constant dense<[[1.0e30, 1.0]]> : tensor<1x2xf32>
  %0 = snn.linear %x, %w : (tensor<4x2xf32>, tensor<1x2xf32>) -> tensor<4x1xf32>
  %1 = snn.scale %0 by 1.2676506002282294e30 : tensor<4x1xf32>
  return %1 : tensor<4x1xf32>
}
