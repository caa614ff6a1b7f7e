// snn-run --dump-tagged DIR writes the value of every op of the entry
// function that carries snn.onnx_name, in execution order, and lists them in
// DIR/tagged.tsv. Ops of called functions are not dumped (they may run many
// times), nor are untagged ops.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([[[0.5, 1.25]], [[0.5, 0.25]], [[0.0, 0.75]]], dtype=np.float32))"
// RUN: snn-run --interpret %s --input x=%t/x.npy --output-dir %t/out --dump-tagged %t/taps
// RUN: FileCheck %s --check-prefix=TSV < %t/taps/tagged.tsv
// RUN: %python -m spikestack.npyprint %t/taps/tap0.npy %t/taps/tap1.npy | FileCheck %s
// RUN: not ls %t/taps/tap2.npy
//
// TSV: # file{{.}}onnx tensor{{.}}op
// TSV-NEXT: tap0.npy{{.}}/lif/Concat_output_0{{.}}snn.if
// TSV-NEXT: tap1.npy{{.}}doubled{{.}}snn.scale
// TSV-EMPTY:
//
// Hand-worked IF (threshold 1, hard reset to 0, v >= threshold fires):
//   t0: v = [0.5, 1.25] -> spikes [0, 1], v = [0.5, 0]
//   t1: v = [1.0, 0.25] -> spikes [1, 0] (1.0 >= 1 fires), v = [0, 0.25]
//   t2: v = [0.0, 1.0]  -> spikes [0, 1]
// CHECK: tap0 uint8 [3,1,2] = 0 1 1 0 0 1
// CHECK: tap1 float32 [3,1,2] = 1.0 2.5 1.0 0.5 0.0 1.5
//
// Without the option nothing but the outputs is written.
// RUN: snn-run --interpret %s --input x=%t/x.npy --output-dir %t/plain
// RUN: ls %t/plain | FileCheck %s --check-prefix=PLAIN
// PLAIN: y.npy
// PLAIN-NOT: tagged

func.func private @helper(%x: tensor<3x1x2xf32>) -> tensor<3x1x2xf32> {
  %h = snn.scale %x by 1.0 {snn.onnx_name = "inside_call"} : tensor<3x1x2xf32>
  return %h : tensor<3x1x2xf32>
}

func.func @main(%x: tensor<3x1x2xf32> {snn.name = "x"})
    -> (tensor<3x1x2x!snn.spike> {snn.name = "y"}) {
  %s = snn.if %x {v_threshold = 1.0 : f64, snn.onnx_name = "/lif/Concat_output_0"} : tensor<3x1x2xf32> -> tensor<3x1x2x!snn.spike>
  %c = func.call @helper(%x) : (tensor<3x1x2xf32>) -> tensor<3x1x2xf32>
  %d = snn.scale %c by 2.0 {snn.onnx_name = "doubled"} : tensor<3x1x2xf32>
  %u = snn.if %d : tensor<3x1x2xf32> -> tensor<3x1x2x!snn.spike>
  return %s : tensor<3x1x2x!snn.spike>
}
