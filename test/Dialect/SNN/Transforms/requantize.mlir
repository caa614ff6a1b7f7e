// A second --snn-quantize with the same bits changes nothing; with other
// bits it is an error on the first layer already quantized (it used to be
// a silent no-op that kept the first bits).
// RUN: snn-opt %s --snn-quantize -o %t.once.mlir
// RUN: snn-opt %t.once.mlir --snn-quantize -o %t.twice.mlir
// RUN: diff %t.once.mlir %t.twice.mlir
// RUN: snn-opt %s --snn-quantize="weight-bits=4" | snn-opt --snn-quantize="weight-bits=4" | FileCheck %s --check-prefix=FOUR
// RUN: not snn-opt %t.once.mlir --snn-quantize="weight-bits=4" 2>&1 | FileCheck %s --check-prefix=WEIGHTS
// RUN: not snn-opt %t.once.mlir --snn-quantize="accumulator-bits=24" 2>&1 | FileCheck %s --check-prefix=ACC
// RUN: not snn-opt %t.once.mlir --snn-quantize="membrane-bits=24" 2>&1 | FileCheck %s --check-prefix=MEMBRANE
// The pipeline quantizes too: already quantized IR goes through it only
// with the same bits.
// RUN: snn-opt %t.once.mlir --snn-to-hw -o %t.discard
// RUN: not snn-opt %t.once.mlir --snn-to-hw="weight-bits=4" -o %t.discard 2>&1 | FileCheck %s --check-prefix=WEIGHTS

// FOUR-COUNT-2: !snn.fixed<4, 0>
// FOUR-NOT: !snn.fixed<8, 0>
// WEIGHTS: error: snn-quantize: the weights of this op are already quantized to 8 bits ('!snn.fixed<8, 0>'); cannot requantize to weight-bits=4 (quantize the float IR once with the bits you want; a second run with the same bits changes nothing)
// ACC: error: snn-quantize: the accumulator of this op is already quantized to 32 bits ('!snn.fixed<32, 0>'); cannot requantize to accumulator-bits=24
// MEMBRANE: error: snn-quantize: the membrane of this neuron is already quantized to 16 bits ('!snn.fixed<16, 0>'); cannot requantize to membrane-bits=24

// A layer the neuron path takes (linear -> lif) and one it leaves to
// weight-only quantization (linear -> add).
func.func @two_layers(%x: tensor<2x3x!snn.spike>, %r: tensor<2x2xf32>) -> (tensor<2x2x!snn.spike>, tensor<2x2xf32>) {
  %w = arith.constant dense<[[0.5, -0.25, 1.0], [0.75, 0.5, -1.0]]> : tensor<2x3xf32>
  %y = snn.linear %x, %w : (tensor<2x3x!snn.spike>, tensor<2x3xf32>) -> tensor<2x2xf32>
  %s = snn.lif %y : tensor<2x2xf32> -> tensor<2x2x!snn.spike>
  %v = arith.constant dense<[[0.5, 0.25, 1.0], [-0.75, 0.5, 1.0]]> : tensor<2x3xf32>
  %z = snn.linear %x, %v : (tensor<2x3x!snn.spike>, tensor<2x3xf32>) -> tensor<2x2xf32>
  %a = snn.add %z, %r : tensor<2x2xf32>, tensor<2x2xf32> -> tensor<2x2xf32>
  return %s, %a : tensor<2x2x!snn.spike>, tensor<2x2xf32>
}
