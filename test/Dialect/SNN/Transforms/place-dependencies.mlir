// RUN: sed "s|TWO_CORE|%S/Inputs/two-core.json|" %s | snn-opt --snn-place --snn-schedule | FileCheck %s
//
// The placer's estimate is a list schedule that respects dependencies.
// Inputs/two-core.json: cores c0, c1 on one tier (a barrier between them
// costs 1 cycle, no bond latency), 32-bit weight-bank ports, 4x4 arrays,
// 8-bit weights. Hand-written tilings:
//   A: K = 8 (2 k blocks of 4 rows), 4 outputs (one column task), 24
//      vectors in 6 bundles of 4, pinned to c0. 12 passes, each loading
//      4 x 4 x 8 / 32 = 4 cycles and computing rows + cols - 2 + 4 = 10;
//      double-buffered: 4 + 12 x 10 = 124 cycles.
//   C: reads A's spikes; K = 4, 8 outputs: two column tasks of 4 columns,
//      6 passes each: 4 + 6 x 10 = 64 cycles.
// A dependency-blind balance (running load per core: c0 124, c1 0) puts
// C's task 0 on c1 (0 + 64 < 124 + 64) and task 1 on c1 again
// (64 + 64 = 128 < 188), although C cannot start before A ends: C would
// end at 124 + 1 + 2 x 64 = 253.
// With dependencies, task 0: c0 starts at 124 (A ran there), ends 188; c1
// starts at 124 + 1 = 125, ends 189 -> c0. Task 1: c0 ends 188 + 64 = 252,
// c1 125 + 64 = 189 -> c1.
// The scheduler adds the input loads and result stores (schedule.mlir:
// DRAM ceil(bits / 204.8) + 50 cycles, the activation bank a0 ceil(bits /
// 32) + 2): A loads the 192-bit input (1 + 50 = 51) and stores its 96
// spike bits (3 + 2 = 5; its barrier's signal waits for the store):
// 51 + 124 + 5 = 180. C's tasks load A's 12 B
// (96 bits: 5 cycles), task 0 on c0 from 180, task 1 on c1 from 180 + 1,
// and store their halves of the 192-bit result (5 each; the cores move on
// one cycle after issuing them): finish 180 + 5 + 64 + 1 = 250 and 181 +
// 70 = 251; the makespan is task 1's store, 181 + 5 + 64 + 5 = 255.
// CHECK-LABEL: module attributes {snn.makespan = 255 : i64
// CHECK: snn.linear %arg0{{.*}}snn.placement = [#snn.placement<cores = [0],
// CHECK-SAME: snn.schedule = [#snn.schedule<order = [0], start = [0], finish = [180],
// CHECK: snn.linear %{{.*}}snn.placement = [#snn.placement<cores = [0, 1],
// CHECK-SAME: snn.schedule = [#snn.schedule<order = [1, 0], start = [180, 181], finish = [250, 251],
module attributes {snn.target = "TWO_CORE"} {
func.func @dependencies(%a: tensor<2x12x8x!snn.spike>) -> tensor<2x12x8x!snn.spike> {
  %wa = snn.constant dense<1> : tensor<4x8xi8> -> tensor<4x8x!snn.fixed<8, 0>>
  %ya = snn.linear %a, %wa {snn.pin = "c0", snn.tiling = [#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 8, outputs = 4, groups = 1, vectors = 24, bundle = 4, held_bits = 8>]} : (tensor<2x12x8x!snn.spike>, tensor<4x8x!snn.fixed<8, 0>>) -> tensor<2x12x4x!snn.fixed<32, 0>>
  %sa = snn.if %ya {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x12x4x!snn.fixed<32, 0>> -> tensor<2x12x4x!snn.spike>
  %wc = snn.constant dense<1> : tensor<8x4xi8> -> tensor<8x4x!snn.fixed<8, 0>>
  %yc = snn.linear %sa, %wc {snn.tiling = [#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 4, outputs = 8, groups = 1, vectors = 24, bundle = 4, held_bits = 8>]} : (tensor<2x12x4x!snn.spike>, tensor<8x4x!snn.fixed<8, 0>>) -> tensor<2x12x8x!snn.fixed<32, 0>>
  %sc = snn.if %yc {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x12x8x!snn.fixed<32, 0>> -> tensor<2x12x8x!snn.spike>
  return %sc : tensor<2x12x8x!snn.spike>
}
}
