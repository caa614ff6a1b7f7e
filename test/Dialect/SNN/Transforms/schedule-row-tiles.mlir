// RUN: sed "s|TWO_CORE|%S/Inputs/two-core.json|" %s | snn-opt --snn-place --snn-schedule | FileCheck %s
// RUN: sed "s|TWO_CORE|%S/Inputs/two-core.json|" %s | snn-opt --snn-place --snn-schedule="double-buffer=false" | FileCheck %s --check-prefix=SERIAL
//
// lower-to-hw-row-tiles.mlir's two layers (hand-written tilings) on
// Inputs/two-core.json (4x4 arrays, 32-bit weight ports): the estimate of
// every task covers its own vectors.
//
// Layer 0, weight-stationary, K = 10 (k blocks of 4, 4, 2 rows), bundles
// of 4, row tiles of 8 and 4 vectors; a pass computes 4 + 4 - 2 = 6 fill
// and drain cycles + 4 vectors = 10.
//   Task 0 (4 columns, 8 vectors = 2 bundles): loads 4x4x8 / 32 = 4, 4, 2
//     per bundle. Double-buffered: the first load, then max(load, previous
//     compute) for the 5 later passes and the last compute:
//     4 + 5 x 10 + 10 = 64. Serial: 2 x (4 + 4 + 2) + 3 x (2 x 6 + 8) = 80.
//   Task 1 (4 columns, 1 bundle): 4 + 2 x 10 + 10 = 34; serial
//     10 + 3 x (6 + 4) = 40.
//   Task 2 (2 columns, 2 bundles): loads 2, 2, 1: 2 + 5 x 10 + 10 = 62;
//     serial 2 x 5 + 3 x (12 + 8) = 70.
//   Task 3 (2 columns, 1 bundle): 2 + 30 = 32; serial 5 + 30 = 35.
// The placer puts each task on the core where its list estimate (double-
// buffered, whichever --snn-schedule option) finishes it first; both
// weight banks have 32-bit ports, so a task costs the same on either core,
// and an exact tie goes to c0, nearer to the weight banks (schedule.mlir):
// task 0 -> c0 (64 on either idle core, a tie), task 1 -> c1 (34 < 64 +
// 34), task 2 -> c1 (34 + 62 = 96 < 64 + 62), task 3 -> c0 (64 + 32 = 96 <
// 96 + 32).
// The scheduler adds the blocking input loads and the result stores
// (schedule.mlir: DRAM ceil(bits / 204.8) + 50 cycles, a0 ceil(bits / 32)
// + 2). Every task is the first of its row tile on its core, so each loads
// its row tile's share of the 120-bit = 15 B input, ceil(15 x 8 / 12) =
// 10 B = 80 bits (row tile 0) or ceil(15 x 4 / 12) = 5 B = 40 bits (row
// tile 1): 1 + 50 = 51 cycles (the two loads at cycle 0 share the
// channel's first cycle, 120 <= 204.8 bits). The 72-bit = 9 B result is
// stored in shares of columns x vectors out of 6 x 12 = 72: task 0 bytes
// [0, 4), task 1 [4, 6), task 2 [6, 8), task 3 [8, 9): 1 + 2 = 3 cycles
// each; layer 1 reads them on another core, so the signal (and the core)
// waits for the store.
// Double-buffered: c0 runs task 0 [0, 51 + 64 + 3 = 118), task 3
// [118, 118 + 51 + 32 + 3 = 204); c1 task 1 [0, 51 + 34 + 3 = 88), task 2
// [88, 88 + 51 + 62 + 3 = 204).
// Serial: c0 [0, 51 + 80 + 3 = 134), [134, 134 + 51 + 35 + 3 = 223); c1
// [0, 51 + 40 + 3 = 94), [94, 94 + 51 + 70 + 3 = 218).
//
// Layer 1, output-stationary, K = 6, folds of 4 vectors, 4 columns: a fold
// takes max(2 x 4 + 4 + 6 - 2 = 16, 6 x 4 x 8 / 32 = 6 cycles of weights) =
// 16 cycles; task 0 (8 vectors, 2 folds) 32, task 1 (4 vectors) 16, with
// or without double buffering. Layer 0 ran on both cores, so in the
// placer's estimate a task of layer 1 starts at 96 + 1 = 97 on either core
// (both free at 96): task 0 -> c0 (97 + 32 = 129 on either, a tie), task
// 1 -> c1 (97 + 16 = 113 < 129 + 16). Both wait for the barrier of layer
// 0's four tasks and start one cycle after it: 205 (serially 224). Each
// loads its row tile's share of layer 0's 9 B from a0, ceil(9 x 8 / 12) =
// 6 B (48 bits: 2 + 2 = 4 cycles) or ceil(9 x 4 / 12) = 3 B (24 bits:
// 1 + 2 = 3), and stores its share of the 48-bit = 6 B result, [0, 4) or
// [4, 6) (3 cycles; no signal follows: the task finishes one cycle after
// its compute): finish 205 + 4 + 32 + 1 = 242 and 205 + 3 + 16 + 1 = 225,
// serially 224 + 37 = 261 and 224 + 20 = 244; the makespan is task 0's
// store, 205 + 4 + 32 + 3 = 244 (serially 224 + 39 = 263).
// CHECK-LABEL: module attributes {snn.makespan = 244 : i64
// CHECK: snn.linear {{.*}}snn.barrier = 0 : i64, snn.placement = [#snn.placement<cores = [0, 1, 1, 0]{{.*}}snn.schedule = [#snn.schedule<order = [0, 0, 1, 1], start = [0, 0, 88, 118], finish = [118, 88, 204, 204], dynamic = false>]
// CHECK: snn.linear {{.*}}snn.placement = [#snn.placement<cores = [0, 1]{{.*}}snn.schedule = [#snn.schedule<order = [2, 2], start = [205, 205], finish = [242, 225], dynamic = false>], {{.*}}snn.wait = array<i64: 0>
// SERIAL-LABEL: module attributes {snn.makespan = 263 : i64
// SERIAL: snn.schedule = [#snn.schedule<order = [0, 0, 1, 1], start = [0, 0, 94, 134], finish = [134, 94, 218, 223], dynamic = false>]
// SERIAL: snn.schedule = [#snn.schedule<order = [2, 2], start = [224, 224], finish = [261, 244], dynamic = false>]
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
