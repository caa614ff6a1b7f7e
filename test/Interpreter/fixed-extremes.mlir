// Fixed-point arithmetic at the edges of the formats is exact (128-bit
// intermediates), never undefined behaviour.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; m = 2**31 - 1; np.save('%t/big.npy', np.array([[m, m, m, m], [m, m, 1, 0]], np.int32)); np.save('%t/w.npy', np.array([[m, m, m, m], [m, -m, 1, 0]], np.int32)); np.save('%t/r.npy', np.array([1000, -1000], np.int32)); np.save('%t/c.npy', np.full((3, 1, 2), 1000, np.int32))"
// RUN: snn-run --interpret %s --input x=%t/big.npy --input w=%t/w.npy --input r=%t/r.npy --input c=%t/c.npy --output-dir %t
// RUN: %python -m spikestack.npyprint %t/acc.npy %t/even.npy %t/floor.npy %t/spikes.npy | FileCheck %s

// m = 2^31 - 1, x = [[m, m, m, m], [m, m, 1, 0]], w = [[m, m, m, m],
// [m, -m, 1, 0]]; acc = x w^T saturated to 32 bits:
//   [0][0] = 4 m^2 ~ 2^64 -> saturates to m
//   [0][1] = m^2 - m^2 + m = m
//   [1][0] = 2 m^2 + m -> saturates to m
//   [1][1] = m^2 - m^2 + 1 = 1 exactly (a double accumulator loses the 1)
// CHECK: acc int32 [2,2] = 2147483647 2147483647 2147483647 1

// 1000 and -1000 at 32 fractional bits to -32 fractional bits: a shift by 64,
// i.e. +-1000 * 2^-64: nearest rounds both to 0; floor gives 0 and -1.
// CHECK: even int32 [2] = 0 0
// CHECK: floor int32 [2] = 0 -1

// Counts of 1000 into a membrane with 32 fractional bits: X = 1000 * 2^32
// saturates H to 2^31 - 1 >= the threshold raw 1 (2^-32): fires every step.
// CHECK: spikes uint8 [3,1,2] = 1 1 1 1 1 1

func.func @main(%x: tensor<2x4x!snn.fixed<32, 0>> {snn.name = "x"},
                %w: tensor<2x4x!snn.fixed<32, 0>> {snn.name = "w"},
                %r: tensor<2x!snn.fixed<32, 32>> {snn.name = "r"},
                %c: tensor<3x1x2x!snn.count<1000>> {snn.name = "c"})
    -> (tensor<2x2x!snn.fixed<32, 0>> {snn.name = "acc"},
        tensor<2x!snn.fixed<32, -32>> {snn.name = "even"},
        tensor<2x!snn.fixed<32, -32>> {snn.name = "floor"},
        tensor<3x1x2x!snn.spike> {snn.name = "spikes"}) {
  %acc = snn.linear %x, %w : (tensor<2x4x!snn.fixed<32, 0>>,
      tensor<2x4x!snn.fixed<32, 0>>) -> tensor<2x2x!snn.fixed<32, 0>>
  %e = snn.requantize %r : tensor<2x!snn.fixed<32, 32>> -> tensor<2x!snn.fixed<32, -32>>
  %f = snn.requantize %r {rounding = #snn.rounding<floor>}
      : tensor<2x!snn.fixed<32, 32>> -> tensor<2x!snn.fixed<32, -32>>
  %s = snn.if %c {membrane_type = !snn.fixed<32, 32>, v_threshold = 2.3283064365386963e-10}
      : tensor<3x1x2x!snn.count<1000>> -> tensor<3x1x2x!snn.spike>
  return %acc, %e, %f, %s : tensor<2x2x!snn.fixed<32, 0>>, tensor<2x!snn.fixed<32, -32>>,
      tensor<2x!snn.fixed<32, -32>>, tensor<3x1x2x!snn.spike>
}
