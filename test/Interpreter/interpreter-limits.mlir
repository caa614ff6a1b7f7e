// Shapes the interpreter cannot or should not run are refused cleanly.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.zeros((1000, 2), np.float32)); np.save('%t/q.npy', np.ones((1, 1, 1, 100000), np.uint8))"

// A dynamic dimension filled from the .npy could disagree with the static
// shapes that ops declare downstream (a heap overflow before): refused.
// RUN: not snn-run --interpret %s --entry dynamic --input x=%t/x.npy 2>&1 | FileCheck %s --check-prefix=DYN
// DYN: error: the interpreter needs statically shaped tensor arguments; argument 0 is 'tensor<?x2xf32>'
func.func @dynamic(%x: tensor<?x2xf32> {snn.name = "x"}) -> tensor<2x2xf32> {
  %c = arith.constant dense<1.0> : tensor<1x2xf32>
  %0 = tensor.concat dim(0) %x, %c : (tensor<?x2xf32>, tensor<1x2xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// One token with 100000 channels in one head: the kernel multiplies via the
// 1 x 1 matrix Q K^T instead of a 100000 x 100000 K^T V. With all ones,
// X = (Q K^T) V = 100000 per channel; LIF: H = 100000 / 2 >= 1 fires.
// RUN: snn-run --interpret %s --entry wide_head --input q=%t/q.npy --output-dir %t
// RUN: %python -c "import numpy as np; a = np.load('%t/s.npy'); print(a.shape, a.min(), a.max())" | FileCheck %s --check-prefix=WIDE
// WIDE: (1, 1, 1, 100000) 1 1
func.func @wide_head(%q: tensor<1x1x1x100000x!snn.spike> {snn.name = "q"})
    -> (tensor<1x1x1x100000x!snn.spike> {snn.name = "s"}) {
  %0 = snn.spiking_attention <ssa> %q, %q, %q {num_heads = 1 : i64,
      neuron = #snn.neuron<>} : tensor<1x1x1x100000x!snn.spike>
  return %0 : tensor<1x1x1x100000x!snn.spike>
}

// A result beyond 2^28 elements is refused before anything is allocated.
// RUN: not snn-run --interpret %s --entry huge 2>&1 | FileCheck %s --check-prefix=HUGE
// HUGE: error: result 'tensor<100000x100000xf32>' has more than 2^28 elements, too large for the interpreter
func.func @huge() -> tensor<100000x100000xf32> {
  %0 = tensor.empty() : tensor<100000x100000xf32>
  return %0 : tensor<100000x100000xf32>
}
