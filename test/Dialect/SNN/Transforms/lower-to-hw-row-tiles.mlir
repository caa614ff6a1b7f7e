// RUN: sed "s|TWO_CORE|%S/Inputs/two-core.json|" %s | snn-opt --snn-place --snn-schedule --snn-allocate --snn-lower-to-hw -split-input-file | FileCheck %s
//
// Row tiles and output-stationary tilings after --snn-place (the tilings
// are written by hand): every task (column block x row tile) gets its own
// vectors in its array instruction, its fused LIF, its input loads and its
// share of the result. Inputs/two-core.json: cores c0, c1 (4x4), weight
// banks w0, w1 (256 B, 32-bit ports), activation bank a0 (1 KiB).
//
// Layer 0: x (2 x 6 tokens = 12 vectors of K = 10) -> 6 outputs, weight-
// stationary, bundles of 4: 3 bundles, row_tiles = 2 -> ceil(3 / 2) = 2
// bundles per row tile: row tile 0 = vectors 0..7 (8), row tile 1 =
// vectors 8..11 (4). Column blocks of 4 and 2 columns. Task i = row tile
// i % 2 of block i / 2:
//   task 0: block 0 (4 cols), 8 vectors from 0 -> LIF 4 x 8 = 32
//   task 1: block 0 (4 cols), 4 vectors from 8 -> LIF 4 x 4 = 16
//   task 2: block 1 (2 cols), 8 vectors from 0 -> LIF 2 x 8 = 16
//   task 3: block 1 (2 cols), 4 vectors from 8 -> LIF 2 x 4 = 8
// Weights per task (each its own copy): 10 x cols x 8 bits = 40, 40, 20,
// 20 B.
// Input x: 2 x 6 x 10 spikes = 120 bits = 15 B at DRAM 0. Row tile 0
// loads ceil(15 x 8 / 12) = 10 B from floor(15 x 0 / 12) = 0; row tile 1
// ceil(15 x 4 / 12) = 5 B from floor(15 x 8 / 12) = 10.
// Result: 2 x 6 x 6 spikes = 72 bits = 9 B (a0 offset 0). Elements before
// a task (groups, then blocks of cols x 12 vectors, then its row tile's
// earlier vectors x its columns) out of 72, scaled to 9 B, rounded down:
//   task 0: [0, 9 x 32 / 72 = 4)            -> offset 0, 4 B
//   task 1: before 4 x 8 = 32: [4, 9 x 48 / 72 = 6)   -> offset 4, 2 B
//   task 2: before 4 x 12 = 48: [6, 9 x 64 / 72 = 8)  -> offset 6, 2 B
//   task 3: before 48 + 2 x 8 = 64: [8, 9)  -> offset 8, 1 B
// Layer 1: 6 -> 4 outputs, output-stationary (folds of 4 vectors), row
// tiles 8 and 4 vectors (one column block): task 0 LIF 4 x 8 = 32, task 1
// 4 x 4 = 16; weights 6 x 4 = 24 B each. It reads layer 0's 9 B: row tile
// 0 ceil(9 x 8 / 12) = 6 B from 0, row tile 1 ceil(9 x 4 / 12) = 3 B from
// floor(9 x 8 / 12) = 6. Its result, 2 x 6 x 4 = 48 bits = 6 B at a0 12
// (after layer 0's 9 B, 4-byte aligned): task 0 [0, 6 x 32 / 48 = 4), task
// 1 [4, 6). It waits for all 4 tasks of layer 0 (count 4).
//
// Placement (schedule-row-tiles.mlir): tasks 0, 3 of layer 0 on c0, 1, 2
// on c1; layer 1's task 0 on c0 (129 on either core, a tie that goes to
// c0, nearer to the weight banks), task 1 on c1. Which weight bank each task
// uses is the placer's choice (not checked here; the second case pins it).
// The makespan, with the loads and stores below, is schedule-row-tiles.mlir's:
// 244.
// CHECK-LABEL: snnhw.program attributes {barriers = 1 : i64, input_offsets = array<i64: 0>, makespan = 244 : i64
// CHECK-NEXT: snnhw.stream core 0 {
// CHECK-NEXT:   snnhw.load input layer 0 task 0 bank -1 offset 0 bytes 10
// CHECK-NEXT:   snnhw.load weights layer 0 task 0 bank {{[01]}} offset {{[0-9]+}} bytes 40
// CHECK-NEXT:   snnhw.spike_acc layer 0 tiling 0 task 0 k_tiles 3 columns 4 vectors 8 bundle 4
// CHECK-NEXT:   snnhw.lif layer 0 task 0 elements 32
// CHECK-NEXT:   snnhw.store layer 0 task 0 bank 2 offset 0 bytes 4
// CHECK-NEXT:   snnhw.signal 0
// CHECK-NEXT:   snnhw.load input layer 0 task 3 bank -1 offset 10 bytes 5
// CHECK-NEXT:   snnhw.load weights layer 0 task 3 bank {{[01]}} offset {{[0-9]+}} bytes 20
// CHECK-NEXT:   snnhw.spike_acc layer 0 tiling 0 task 3 k_tiles 3 columns 2 vectors 4 bundle 4
// CHECK-NEXT:   snnhw.lif layer 0 task 3 elements 8
// CHECK-NEXT:   snnhw.store layer 0 task 3 bank 2 offset 8 bytes 1
// CHECK-NEXT:   snnhw.signal 0
// CHECK-NEXT:   snnhw.wait 0 count 4
// CHECK-NEXT:   snnhw.load input layer 1 task 0 bank 2 offset 0 bytes 6
// CHECK-NEXT:   snnhw.load weights layer 1 task 0 bank {{[01]}} offset {{[0-9]+}} bytes 24
// CHECK-NEXT:   snnhw.spike_acc layer 1 tiling 0 task 0 k_tiles 2 columns 4 vectors 8 bundle 4
// CHECK-NEXT:   snnhw.lif layer 1 task 0 elements 32
// CHECK-NEXT:   snnhw.store layer 1 task 0 bank 2 offset 12 bytes 4
// CHECK-NEXT:   snnhw.halt
// CHECK-NEXT: }
// CHECK-NEXT: snnhw.stream core 1 {
// CHECK-NEXT:   snnhw.load input layer 0 task 1 bank -1 offset 10 bytes 5
// CHECK-NEXT:   snnhw.load weights layer 0 task 1 bank {{[01]}} offset {{[0-9]+}} bytes 40
// CHECK-NEXT:   snnhw.spike_acc layer 0 tiling 0 task 1 k_tiles 3 columns 4 vectors 4 bundle 4
// CHECK-NEXT:   snnhw.lif layer 0 task 1 elements 16
// CHECK-NEXT:   snnhw.store layer 0 task 1 bank 2 offset 4 bytes 2
// CHECK-NEXT:   snnhw.signal 0
// CHECK-NEXT:   snnhw.load input layer 0 task 2 bank -1 offset 0 bytes 10
// CHECK-NEXT:   snnhw.load weights layer 0 task 2 bank {{[01]}} offset {{[0-9]+}} bytes 20
// CHECK-NEXT:   snnhw.spike_acc layer 0 tiling 0 task 2 k_tiles 3 columns 2 vectors 8 bundle 4
// CHECK-NEXT:   snnhw.lif layer 0 task 2 elements 16
// CHECK-NEXT:   snnhw.store layer 0 task 2 bank 2 offset 6 bytes 2
// CHECK-NEXT:   snnhw.signal 0
// CHECK-NEXT:   snnhw.wait 0 count 4
// CHECK-NEXT:   snnhw.load input layer 1 task 1 bank 2 offset 6 bytes 3
// CHECK-NEXT:   snnhw.load weights layer 1 task 1 bank {{[01]}} offset {{[0-9]+}} bytes 24
// CHECK-NEXT:   snnhw.spike_acc layer 1 tiling 0 task 1 k_tiles 2 columns 4 vectors 4 bundle 4
// CHECK-NEXT:   snnhw.lif layer 1 task 1 elements 16
// CHECK-NEXT:   snnhw.store layer 1 task 1 bank 2 offset 16 bytes 2
// CHECK-NEXT:   snnhw.halt
module attributes {snn.target = "TWO_CORE"} {
func.func @row_tiles(%x: tensor<2x6x10x!snn.spike>) -> tensor<2x6x4x!snn.spike> {
  %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w {snn.tiling = [#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 10, outputs = 6, groups = 1, vectors = 12, bundle = 4, held_bits = 8, row_tiles = 2>]} : (tensor<2x6x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x6x6x!snn.fixed<32, 0>>
  %s = snn.if %y {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x6x6x!snn.fixed<32, 0>> -> tensor<2x6x6x!snn.spike>
  %w2 = snn.constant dense<1> : tensor<4x6xi8> -> tensor<4x6x!snn.fixed<8, 0>>
  %y2 = snn.linear %s, %w2 {snn.tiling = [#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 6, outputs = 4, groups = 1, vectors = 12, bundle = 4, held_bits = 8, dataflow = output_stationary, row_tiles = 2>]} : (tensor<2x6x6x!snn.spike>, tensor<4x6x!snn.fixed<8, 0>>) -> tensor<2x6x4x!snn.fixed<32, 0>>
  %s2 = snn.if %y2 {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x6x4x!snn.fixed<32, 0>> -> tensor<2x6x4x!snn.spike>
  return %s2 : tensor<2x6x4x!snn.spike>
}
}

// -----

// Layer 0 alone, pinned to c0 and w0: the core runs all four tasks in
// task order and loads each row tile's inputs once, before its first task
// (task 0: 10 B from 0; task 1: 5 B from 10); tasks 2 and 3 reuse them.
// Weights fill w0: 0 (40 B), 40 (40 B), 80 (20 B), 100 (20 B). No other
// core reads the result: no barrier, no signal.
// CHECK-LABEL: snnhw.program attributes {barriers = 0 : i64
// CHECK-NEXT: snnhw.stream core 0 {
// CHECK-NEXT:   snnhw.load input layer 0 task 0 bank -1 offset 0 bytes 10
// CHECK-NEXT:   snnhw.load weights layer 0 task 0 bank 0 offset 0 bytes 40
// CHECK-NEXT:   snnhw.spike_acc layer 0 tiling 0 task 0 k_tiles 3 columns 4 vectors 8 bundle 4
// CHECK-NEXT:   snnhw.lif layer 0 task 0 elements 32
// CHECK-NEXT:   snnhw.store layer 0 task 0 bank 2 offset 0 bytes 4
// CHECK-NEXT:   snnhw.load input layer 0 task 1 bank -1 offset 10 bytes 5
// CHECK-NEXT:   snnhw.load weights layer 0 task 1 bank 0 offset 40 bytes 40
// CHECK-NEXT:   snnhw.spike_acc layer 0 tiling 0 task 1 k_tiles 3 columns 4 vectors 4 bundle 4
// CHECK-NEXT:   snnhw.lif layer 0 task 1 elements 16
// CHECK-NEXT:   snnhw.store layer 0 task 1 bank 2 offset 4 bytes 2
// CHECK-NEXT:   snnhw.load weights layer 0 task 2 bank 0 offset 80 bytes 20
// CHECK-NEXT:   snnhw.spike_acc layer 0 tiling 0 task 2 k_tiles 3 columns 2 vectors 8 bundle 4
// CHECK-NEXT:   snnhw.lif layer 0 task 2 elements 16
// CHECK-NEXT:   snnhw.store layer 0 task 2 bank 2 offset 6 bytes 2
// CHECK-NEXT:   snnhw.load weights layer 0 task 3 bank 0 offset 100 bytes 20
// CHECK-NEXT:   snnhw.spike_acc layer 0 tiling 0 task 3 k_tiles 3 columns 2 vectors 4 bundle 4
// CHECK-NEXT:   snnhw.lif layer 0 task 3 elements 8
// CHECK-NEXT:   snnhw.store layer 0 task 3 bank 2 offset 8 bytes 1
// CHECK-NEXT:   snnhw.halt
// CHECK-NEXT: }
// CHECK-NEXT: snnhw.stream core 1 {
// CHECK-NEXT:   snnhw.halt
module attributes {snn.target = "TWO_CORE"} {
func.func @one_core(%x: tensor<2x6x10x!snn.spike>) -> tensor<2x6x6x!snn.spike> {
  %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w {snn.pin = "c0", snn.pin_weights = "w0", snn.tiling = [#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 10, outputs = 6, groups = 1, vectors = 12, bundle = 4, held_bits = 8, row_tiles = 2>]} : (tensor<2x6x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x6x6x!snn.fixed<32, 0>>
  %s = snn.if %y {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x6x6x!snn.fixed<32, 0>> -> tensor<2x6x6x!snn.spike>
  return %s : tensor<2x6x6x!snn.spike>
}
}
