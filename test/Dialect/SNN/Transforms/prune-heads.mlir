// RUN: snn-opt %s --snn-prune-heads="keep-ratio=0.5" | FileCheck %s
// RUN: snn-opt %s --snn-prune-heads="keep-ratio=0.25" | FileCheck %s --check-prefix=QUARTER
//
// Every spiking attention, SSA and SDSA, gets head_keep_ratio = keep-ratio;
// a ratio it had is replaced. Nothing else changes.

// CHECK-LABEL: func @attention
// CHECK: snn.spiking_attention <ssa> %{{.*}} {head_keep_ratio = 5.000000e-01 : f64, neuron = #snn.neuron<v_threshold = 0.5>, num_heads = 2 : i64, scale = 1.250000e-01 : f64}
// CHECK: snn.spiking_attention <sdsa> %{{.*}} {head_keep_ratio = 5.000000e-01 : f64, neuron = #snn.neuron<>, num_heads = 4 : i64}
// CHECK: snn.spiking_attention <ssa> %{{.*}} {head_keep_ratio = 5.000000e-01 : f64, neuron = #snn.neuron<>, num_heads = 8 : i64}
// QUARTER-COUNT-3: head_keep_ratio = 2.500000e-01 : f64
// QUARTER-NOT: head_keep_ratio = 1.0
func.func @attention(%q: tensor<2x1x4x8x!snn.spike>, %k: tensor<2x1x4x8x!snn.spike>,
                     %v: tensor<2x1x4x8x!snn.spike>) -> tensor<2x1x4x8x!snn.spike> {
  %0 = snn.spiking_attention <ssa> %q, %k, %v
         {num_heads = 2 : i64, scale = 0.125,
          neuron = #snn.neuron<v_threshold = 0.5>} : tensor<2x1x4x8x!snn.spike>
  %1 = snn.spiking_attention <sdsa> %q, %k, %0
         {num_heads = 4 : i64, neuron = #snn.neuron<>} : tensor<2x1x4x8x!snn.spike>
  // Already pruned at 1.0: replaced.
  %2 = snn.spiking_attention <ssa> %q, %k, %1
         {num_heads = 8 : i64, head_keep_ratio = 1.0,
          neuron = #snn.neuron<>} : tensor<2x1x4x8x!snn.spike>
  return %2 : tensor<2x1x4x8x!snn.spike>
}
