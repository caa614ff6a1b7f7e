// RUN: snn-opt %s --snn-tile="target=%S/Inputs/two-core.json" --snn-place --snn-schedule --snn-allocate --snn-plan-report=file=%t.json --snn-lower-to-hw -o %t.mlir 2> %t.err
// RUN: FileCheck %s --check-prefix=REMARK < %t.err
// RUN: FileCheck %s < %t.mlir
// RUN: FileCheck %s --check-prefix=REPORT < %t.json
//
// One streaming slot per core. Inputs/two-core.json: cores c0 and c1 (4x4
// arrays) under two 256 B weight banks w0 and w1 (32-bit ports), the
// default DRAM (one 12.8 GB/s channel = 204.8 bits per cycle at 500 MHz,
// 100 ns = 50 cycles).
//
// 40 x 40 int8 weights are 1600 B in ten column tasks of 40 x 4 = 160 B
// (they used to fail with "the weights need 1.6 KiB, the weight banks hold
// 512 B"). Two 160 B slots per core (320 B) fit no 256 B bank, one does:
// c0's slot in w0, c1's in w1, each at offset 0, which leaves 96 B per bank,
// no whole 4 KiB knapsack granule: the layer streams, every task into its
// core's one slot (offset 0).
//
// Schedule: a task costs 4 + 10 x 7 = 74 cycles (double-buffered, ten k
// blocks); a fetch 1280 bits / 204.8 = 7 cycles on the channel plus 50. The
// first fetches issue at 0 (c0's on the channel over [0, 7), c1's over
// [7, 14)): tasks 0 and 1 start at 57 and 64. With one slot the next fetch
// issues when the core's task finishes (131, 138) and completes 57 later:
// tasks 2 and 3 start at 188 and 195, then every 131 cycles.
//
// REMARK: remark: snn-allocate: one streaming slot of 160 B per core (two do not fit the weight banks beside the resident weights): each fetch waits for the previous streamed task
//
// CHECK: snn.placement = [#snn.placement<cores = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1], weight_banks = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1], output_bank = 2>]
// CHECK-SAME: snn.schedule = [#snn.schedule<order = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4], start = [57, 64, 188, 195, 319, 326, 450, 457, 581, 588], finish = [131, 138, 262, 269, 393, 400, 524, 531, 655, 662], dynamic = false>]
// CHECK-SAME: snn.streamed
// CHECK-SAME: snn.weight_offsets = [array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>]
//
// With one slot, the fetch of the core's next streamed task follows the
// whole previous task (its store), so it cannot overwrite weights in use.
// CHECK: snnhw.stream core 0 {
// CHECK-NEXT: snnhw.fetch layer 0 task 0 bank 0 offset 0 bytes 160
// CHECK-NEXT: snnhw.load input layer 0 task 0
// CHECK-NEXT: snnhw.load weights layer 0 task 0 bank 0 offset 0 bytes 160
// CHECK-NEXT: snnhw.spike_acc layer 0 tiling 0 task 0
// CHECK-NEXT: snnhw.store layer 0 task 0
// CHECK-NEXT: snnhw.fetch layer 0 task 2 bank 0 offset 0 bytes 160
// CHECK-NEXT: snnhw.load weights layer 0 task 2 bank 0 offset 0 bytes 160
// CHECK: snnhw.stream core 1 {
// CHECK-NEXT: snnhw.fetch layer 0 task 1 bank 1 offset 0 bytes 160
//
// REPORT: "makespan_cycles": 662,
// REPORT: "slot_bytes": 160,
// REPORT-NEXT: "slots_per_core": 1,
// REPORT-NEXT: "streamed_bytes": 1600
func.func @one_slot(%x: tensor<1x40x!snn.spike>) -> tensor<1x40x!snn.fixed<32, 0>> {
  %w = snn.constant dense<1> : tensor<40x40xi8> -> tensor<40x40x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w : (tensor<1x40x!snn.spike>, tensor<40x40x!snn.fixed<8, 0>>) -> tensor<1x40x!snn.fixed<32, 0>>
  return %y : tensor<1x40x!snn.fixed<32, 0>>
}
