// Upstream tensor glue in the interpreter.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.arange(6, dtype=np.float32).reshape(2, 3))"
// RUN: snn-run --interpret %s --input x=%t/x.npy --output-dir %t
// RUN: %python -m spikestack.npyprint %t/t.npy %t/s.npy %t/c.npy %t/r.npy %t/m.npy | FileCheck %s

// x = [[0,1,2],[3,4,5]]
// CHECK: t float32 [3,2] = 0.0 3.0 1.0 4.0 2.0 5.0
// CHECK: s float32 [2,2] = 1.0 2.0 4.0 5.0
// CHECK: c float32 [2,5] = 0.0 1.0 2.0 1.0 2.0 3.0 4.0 5.0 4.0 5.0
// CHECK: r float32 [6] = 0.0 1.0 2.0 3.0 4.0 5.0
// m = max(x, 2.5) * 2 = [5, 5, 5, 6, 8, 10]
// CHECK: m float32 [6] = 5.0 5.0 5.0 6.0 8.0 10.0

func.func @main(%x: tensor<2x3xf32> {snn.name = "x"})
    -> (tensor<3x2xf32> {snn.name = "t"}, tensor<2x2xf32> {snn.name = "s"},
        tensor<2x5xf32> {snn.name = "c"}, tensor<6xf32> {snn.name = "r"},
        tensor<6xf32> {snn.name = "m"}) {
  %e = tensor.empty() : tensor<3x2xf32>
  %t = linalg.transpose ins(%x : tensor<2x3xf32>) outs(%e : tensor<3x2xf32>)
         permutation = [1, 0]
  %s = tensor.extract_slice %x[0, 1] [2, 2] [1, 1] : tensor<2x3xf32> to tensor<2x2xf32>
  %c = tensor.concat dim(1) %x, %s : (tensor<2x3xf32>, tensor<2x2xf32>) -> tensor<2x5xf32>
  %r = tensor.collapse_shape %x [[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
  %half = arith.constant dense<2.5> : tensor<6xf32>
  %two = arith.constant dense<2.0> : tensor<6xf32>
  %mx = arith.maximumf %r, %half : tensor<6xf32>
  %m = arith.mulf %mx, %two : tensor<6xf32>
  return %t, %s, %c, %r, %m : tensor<3x2xf32>, tensor<2x2xf32>, tensor<2x5xf32>, tensor<6xf32>, tensor<6xf32>
}
