// Run-time errors are reported on the op at fault, with a non-zero exit and
// no output file.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/half.npy', np.array([0.0, 0.5], np.float32)); np.save('%t/two.npy', np.array([0, 2], np.uint8)); np.save('%t/i.npy', np.array([1, 2], np.int32)); np.save('%t/f64.npy', np.array([0.0, 1.0]))"
// RUN: not snn-run --interpret %s --entry cast --input x=%t/half.npy --output-dir %t/o1 2>&1 | FileCheck %s --check-prefix=CAST
// RUN: not ls %t/o1/y.npy
// CAST: runtime-errors.mlir:[[@LINE+3]]:{{[0-9]+}}: error: snn.cast to !snn.spike: value 0.5 at flat index 1 is not an integer in [0, 1]
func.func @cast(%x: tensor<2xf32> {snn.name = "x"})
    -> (tensor<2x!snn.spike> {snn.name = "y"}) {
  %y = snn.cast %x : tensor<2xf32> -> tensor<2x!snn.spike>
  return %y : tensor<2x!snn.spike>
}

// RUN: not snn-run --interpret %s --entry spikes --input x=%t/two.npy 2>&1 | FileCheck %s --check-prefix=SPIKE
// SPIKE: snn-run: error: input 'x' ({{.*}}two.npy) spike input: value 2 at flat index 1 is not an integer in [0, 1]
func.func @spikes(%x: tensor<2x!snn.spike> {snn.name = "x"}) -> tensor<2x!snn.spike> {
  return %x : tensor<2x!snn.spike>
}

// RUN: not snn-run --interpret %s --entry dtype --input x=%t/f64.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: snn-run: error: input 'x' ({{.*}}f64.npy) has dtype float64 but an f32 tensor needs float32
func.func @dtype(%x: tensor<2xf32> {snn.name = "x"}) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}

// RUN: not snn-run --interpret %s --entry unsupported --input x=%t/i.npy 2>&1 | FileCheck %s --check-prefix=UNSUP
// UNSUP: error: the reference interpreter does not support 'arith.addi'
func.func @unsupported(%x: tensor<2xi32> {snn.name = "x"}) -> tensor<2xi32> {
  %y = arith.addi %x, %x : tensor<2xi32>
  return %y : tensor<2xi32>
}

// RUN: not snn-run --interpret %s --entry tau 2>&1 | FileCheck %s --check-prefix=TAU
// TAU: error: neuron tau must be >= 1, channel 1 has 0.5
func.func @tau() -> tensor<2x2x!snn.spike> {
  %x = arith.constant dense<1.0> : tensor<2x2xf32>
  %tau = arith.constant dense<[2.0, 0.5]> : tensor<2xf32>
  %s = snn.lif %x channel_tau(%tau : tensor<2xf32>) {channel_dim = 1 : i64}
      : tensor<2x2xf32> -> tensor<2x2x!snn.spike>
  return %s : tensor<2x2x!snn.spike>
}

// RUN: not snn-run --interpret %s --entry nothere 2>&1 | FileCheck %s --check-prefix=ENTRY
// ENTRY: snn-run: error: no function @nothere in
// RUN: not snn-run --interpret %s --entry cast --input x=%t/half.npy --input zz=%t/half.npy 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: snn-run: error: unknown input 'zz'; @cast takes: x
// RUN: not snn-run --interpret %s --entry cast --input x 2>&1 | FileCheck %s --check-prefix=SPEC
// SPEC: snn-run: error: --input expects NAME=FILE.npy, got 'x'
