// Neuron attribute values print in a form the parser reads back exactly.
// RUN: snn-opt %s | FileCheck %s
// RUN: snn-opt %s | snn-opt | FileCheck %s

// CHECK-LABEL: func.func @values(
// CHECK: #snn.neuron<tau = 1.0e+02, v_threshold = 1.0e+01, v_reset = 1.0e-05, v_init = 1.0e+20>
// CHECK: #snn.neuron<tau = 1.5, v_threshold = 0.1, v_reset = -2.5>
func.func @values(%q: tensor<2x1x4x8x!snn.spike>) -> (tensor<2x1x4x8x!snn.spike>, tensor<2x1x4x8x!snn.spike>) {
  %0 = snn.spiking_attention <ssa> %q, %q, %q {num_heads = 2 : i64,
      neuron = #snn.neuron<tau = 100.0, v_threshold = 10.0, v_reset = 1.0e-5, v_init = 1.0e20>}
      : tensor<2x1x4x8x!snn.spike>
  %1 = snn.spiking_attention <sdsa> %q, %q, %q {num_heads = 2 : i64,
      neuron = #snn.neuron<tau = 1.5, v_threshold = 0.1, v_reset = -2.5>}
      : tensor<2x1x4x8x!snn.spike>
  return %0, %1 : tensor<2x1x4x8x!snn.spike>, tensor<2x1x4x8x!snn.spike>
}
