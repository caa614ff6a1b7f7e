// snn.readout: mean over tokens, then over time (or per step, keep_time).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([[[[1], [3]]], [[[0], [1]]]], np.int32))"
// RUN: snn-run --interpret %s --input x=%t/x.npy --output-dir %t
// RUN: %python -m spikestack.npyprint %t/both.npy %t/per_step.npy %t/fixed.npy | FileCheck %s

// x [T=2, B=1, N=2, C=1]: t0 tokens 1, 3 -> mean 2; t1 tokens 0, 1 -> 0.5.
// Over time: (2 + 0.5) / 2 = 1.25.
// CHECK: both float32 [1,1] = 1.25
// CHECK: per_step float32 [2,1,1] = 2.0 0.5
// Fixed point at 1 fractional bit: sum 5 / 4 = 1.25 -> raw 2.5 -> nearest
// even 2 (value 1.0).
// CHECK: fixed int32 [1,1] = 2
func.func @main(%x: tensor<2x1x2x1x!snn.count<3>> {snn.name = "x"})
    -> (tensor<1x1xf32> {snn.name = "both"},
        tensor<2x1x1xf32> {snn.name = "per_step"},
        tensor<1x1x!snn.fixed<8, 1>> {snn.name = "fixed"}) {
  %0 = snn.readout %x {token_dims = array<i64: 2>}
      : tensor<2x1x2x1x!snn.count<3>> -> tensor<1x1xf32>
  %1 = snn.readout %x {token_dims = array<i64: 2>, keep_time = true}
      : tensor<2x1x2x1x!snn.count<3>> -> tensor<2x1x1xf32>
  %2 = snn.readout %x {token_dims = array<i64: 2>}
      : tensor<2x1x2x1x!snn.count<3>> -> tensor<1x1x!snn.fixed<8, 1>>
  return %0, %1, %2 : tensor<1x1xf32>, tensor<2x1x1xf32>, tensor<1x1x!snn.fixed<8, 1>>
}
