// snn.dequantize on hand-worked values: y = f32(f32(raw * 2^-F) * s[c]) + b[c].
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/a.npy', np.array([[3, -5, 7], [1, 0, -2]], np.int32))"
// RUN: snn-run --interpret %s --input a=%t/a.npy --output-dir %t
// RUN: %python -m spikestack.npyprint %t/y.npy %t/z.npy | FileCheck %s

// a raw at 1 fractional bit: [[1.5, -2.5, 3.5], [0.5, 0, -1]]; scales
// [2, 0.5, 0.25] along dim 1, bias [1, 0, -1]:
//   row 0: 1.5*2+1 = 4, -2.5*0.5 = -1.25, 3.5*0.25-1 = -0.125
//   row 1: 0.5*2+1 = 2, 0, -1*0.25-1 = -1.25
// CHECK: y float32 [2,3] = 4.0 -1.25 -0.125 2.0 0.0 -1.25
// Without bias, the rounding of a product that is not exact in f32:
// f32(0.1) = 0.100000001490116..., times 1.5 = 0.150000002235...; the f32
// grid near 0.15 is 2^-26 (1.49e-8) apart, so it rounds to
// 0.15000000596046448; times 0.5 is exact (0.05000000074505806); times
// -2.5 = -0.2500000037... rounds to -0.25.
// CHECK: z float32 [2,3] = 0.15000000596046448 -0.25 0.875 0.05000000074505806 0.0 -0.25
func.func @main(%a: tensor<2x3x!snn.fixed<32, 1>> {snn.name = "a"})
    -> (tensor<2x3xf32> {snn.name = "y"}, tensor<2x3xf32> {snn.name = "z"}) {
  %s = arith.constant dense<[2.0, 0.5, 0.25]> : tensor<3xf32>
  %b = arith.constant dense<[1.0, 0.0, -1.0]> : tensor<3xf32>
  %y = snn.dequantize %a, %s, %b {channel_dim = 1 : i64}
         : tensor<2x3x!snn.fixed<32, 1>>, tensor<3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %s2 = arith.constant dense<[0.1, 0.1, 0.25]> : tensor<3xf32>
  %z = snn.dequantize %a, %s2 {channel_dim = 1 : i64}
         : tensor<2x3x!snn.fixed<32, 1>>, tensor<3xf32> -> tensor<2x3xf32>
  return %y, %z : tensor<2x3xf32>, tensor<2x3xf32>
}
