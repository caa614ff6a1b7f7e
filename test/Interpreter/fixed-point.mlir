// A hand-worked quantized layer: integer linear + fixed-point LIF.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([[[1,0,1]],[[1,1,1]]], np.uint8))"
// RUN: snn-run --interpret %s --input x=%t/x.npy --output-dir %t
// RUN: %python -m spikestack.npyprint %t/acc.npy %t/spikes.npy %t/floor.npy %t/even.npy | FileCheck %s

// Weights raw [[16, -8, 4], [2, 2, 2]] at 4 fractional bits; bias raw [0, 8].
// acc = x W^T + b (raw, 4 fractional bits):
//   t0, x = [1,0,1]: ch0 = 16 + 4 = 20, ch1 = 2 + 2 + 8 = 12
//   t1, x = [1,1,1]: ch0 = 16 - 8 + 4 = 12, ch1 = 6 + 8 = 14
// CHECK: acc int32 [2,1,2] = 20 12 12 14

// LIF tau 2 (M = 16384, leak = (d * 16384) >> 15 = d / 2), threshold 0.5 =
// raw 8, hard reset to 0:
//   ch0: t0 H = 0 + 20/2 = 10 >= 8 spike, V = 0; t1 H = 0 + 12/2 = 6 no
//   ch1: t0 H = 12/2 = 6 no, V = 6; t1 d = 14 - 6 = 8, H = 6 + 4 = 10 spike
// CHECK: spikes uint8 [2,1,2] = 1 0 0 1

// Rounding of the leak on odd differences, threshold 2.0 (raw 32), tau 2:
//   ch0: t0 d = 20 - 0 -> 10, H = 10; t1 d = 12 - 10 = 2 -> 1, H = 11
//   ch1: t0 d = 12 -> 6, H = 6; t1 d = 14 - 6 = 8 -> 4, H = 10. No spikes,
// so use requantize to see rounding instead: acc (frac 4) -> frac 2 is
// acc / 4: 20/4 = 5, 12/4 = 3, 12/4 = 3, 14/4 = 3.5.
// floor: 5 3 3 3; nearest_even: 3.5 -> 4.
// CHECK: floor int32 [2,1,2] = 5 3 3 3
// CHECK: even int32 [2,1,2] = 5 3 3 4

func.func @main(%x: tensor<2x1x3x!snn.spike> {snn.name = "x"})
    -> (tensor<2x1x2x!snn.fixed<16, 4>> {snn.name = "acc"},
        tensor<2x1x2x!snn.spike> {snn.name = "spikes"},
        tensor<2x1x2x!snn.fixed<8, 2>> {snn.name = "floor"},
        tensor<2x1x2x!snn.fixed<8, 2>> {snn.name = "even"}) {
  %w = snn.constant dense<[[16, -8, 4], [2, 2, 2]]> : tensor<2x3xi8>
         -> tensor<2x3x!snn.fixed<8, 4>>
  %b = snn.constant dense<[0, 8]> : tensor<2xi16> -> tensor<2x!snn.fixed<16, 4>>
  %acc = snn.linear %x, %w, %b : (tensor<2x1x3x!snn.spike>,
      tensor<2x3x!snn.fixed<8, 4>>, tensor<2x!snn.fixed<16, 4>>)
      -> tensor<2x1x2x!snn.fixed<16, 4>>
  %s = snn.lif %acc {v_threshold = 0.5 : f64, membrane_type = !snn.fixed<16, 4>}
      : tensor<2x1x2x!snn.fixed<16, 4>> -> tensor<2x1x2x!snn.spike>
  %f = snn.requantize %acc {rounding = #snn.rounding<floor>}
      : tensor<2x1x2x!snn.fixed<16, 4>> -> tensor<2x1x2x!snn.fixed<8, 2>>
  %e = snn.requantize %acc
      : tensor<2x1x2x!snn.fixed<16, 4>> -> tensor<2x1x2x!snn.fixed<8, 2>>
  return %acc, %s, %f, %e : tensor<2x1x2x!snn.fixed<16, 4>>,
      tensor<2x1x2x!snn.spike>, tensor<2x1x2x!snn.fixed<8, 2>>,
      tensor<2x1x2x!snn.fixed<8, 2>>
}
