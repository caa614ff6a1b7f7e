// RUN: sed "s|TWO_CORE|%S/Inputs/two-core.json|" %s | snn-opt --snn-place --snn-schedule --snn-allocate --snn-lower-to-hw | FileCheck %s
//
// The tilings are written by hand (one row tile, weight-stationary: what
// --snn-tile chose before it split rows), so that the test does not
// follow the tiler's policy; lower-to-hw-row-tiles.mlir has row tiles.
// schedule.mlir's two layers on Inputs/two-core.json, as instruction
// streams. Layer 0 (10 -> 6) runs task 0 (4 columns) on c0 and task 1 (2
// columns) on c1; layer 1 (6 -> 4) runs its one task on c0 (it would
// finish at 99 on either core, and ties go to c0, nearer to the weight
// banks: schedule.mlir) after waiting for both of layer 0's signals, its
// own core's included. The graph input x (2 x 3 x 10 spikes = 60
// bits -> 8 B) sits at DRAM offset 0; layer 0's 5 B of spikes at a0 (bank
// 2) offset 0, stored in shares of ceil(5 / 2) = 3 and 2 B; layer 1's 3 B
// at offset 8 (allocate.mlir). Weights: 10 x 4 = 40 B in w0 at 0, 10 x 2 =
// 20 B in w1 at 0, 6 x 4 = 24 B in w1 at 20 (the lesser port pressure:
// 20 B read there against w0's 40). A LIF instruction covers the
// task's columns x 6 vectors. The makespan, with these loads and stores,
// is schedule.mlir's: 160.
// CHECK: snnhw.program attributes {barriers = 1 : i64, input_offsets = array<i64: 0>, makespan = 160 : i64, target = "{{.*}}two-core.json"} {
// CHECK-NEXT: snnhw.stream core 0 {
// CHECK-NEXT:   snnhw.load input layer 0 task 0 bank -1 offset 0 bytes 8
// CHECK-NEXT:   snnhw.load weights layer 0 task 0 bank 0 offset 0 bytes 40
// CHECK-NEXT:   snnhw.spike_acc layer 0 tiling 0 task 0 k_tiles 3 columns 4 vectors 6 bundle 4
// CHECK-NEXT:   snnhw.lif layer 0 task 0 elements 24
// CHECK-NEXT:   snnhw.store layer 0 task 0 bank 2 offset 0 bytes 3
// CHECK-NEXT:   snnhw.signal 0
// CHECK-NEXT:   snnhw.wait 0 count 2
// CHECK-NEXT:   snnhw.load input layer 1 task 0 bank 2 offset 0 bytes 5
// CHECK-NEXT:   snnhw.load weights layer 1 task 0 bank 1 offset 20 bytes 24
// CHECK-NEXT:   snnhw.spike_acc layer 1 tiling 0 task 0 k_tiles 2 columns 4 vectors 6 bundle 4
// CHECK-NEXT:   snnhw.lif layer 1 task 0 elements 24
// CHECK-NEXT:   snnhw.store layer 1 task 0 bank 2 offset 8 bytes 3
// CHECK-NEXT:   snnhw.halt
// CHECK-NEXT: }
// CHECK-NEXT: snnhw.stream core 1 {
// CHECK-NEXT:   snnhw.load input layer 0 task 1 bank -1 offset 0 bytes 8
// CHECK-NEXT:   snnhw.load weights layer 0 task 1 bank 1 offset 0 bytes 20
// CHECK-NEXT:   snnhw.spike_acc layer 0 tiling 0 task 1 k_tiles 3 columns 2 vectors 6 bundle 4
// CHECK-NEXT:   snnhw.lif layer 0 task 1 elements 12
// CHECK-NEXT:   snnhw.store layer 0 task 1 bank 2 offset 3 bytes 2
// CHECK-NEXT:   snnhw.signal 0
// CHECK-NEXT:   snnhw.halt
module attributes {snn.target = "TWO_CORE"} {
func.func @two_layers(%x: tensor<2x3x10x!snn.spike>) -> tensor<2x3x4x!snn.spike> {
  %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w {snn.tiling = [#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 10, outputs = 6, groups = 1, vectors = 6, bundle = 4, held_bits = 8>]} : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
  %s = snn.if %y {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x6x!snn.fixed<32, 0>> -> tensor<2x3x6x!snn.spike>
  %w2 = snn.constant dense<1> : tensor<4x6xi8> -> tensor<4x6x!snn.fixed<8, 0>>
  %y2 = snn.linear %s, %w2 {snn.tiling = [#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 6, outputs = 4, groups = 1, vectors = 6, bundle = 4, held_bits = 8>]} : (tensor<2x3x6x!snn.spike>, tensor<4x6x!snn.fixed<8, 0>>) -> tensor<2x3x4x!snn.fixed<32, 0>>
  %s2 = snn.if %y2 {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x4x!snn.fixed<32, 0>> -> tensor<2x3x4x!snn.spike>
  return %s2 : tensor<2x3x4x!snn.spike>
}
}
