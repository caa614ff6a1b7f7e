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
// blocks); the first task on each core first loads the 40-bit = 5 B
// input from DRAM, and every task stores its 16 B share of the 160 B
// result in a0 (128 bits: 4 + 1 access + 1 bond = 6 cycles; no signal
// follows, so the core moves on one cycle after issuing it). The DRAM
// channel is the executor's calendar (hw::BandwidthCalendar): 16-cycle
// buckets of 16 x 204.8 = 3276.8 bits; a transfer from cycle t takes what
// its bucket has left and ends at t + ceil((the bucket's earlier bits not
// yet moved at t + its own) / 204.8), continuing into the next buckets;
// then 50 cycles of latency. A fetch is 1280 bits (6.25 cycles).
//   At 0: c0's first fetch ends at ceil(1280 / 204.8) = 7 (+ 50 = 57),
//   c1's at ceil(2560 / 204.8) = 13 (63), c0's input load at
//   ceil(2600 / 204.8) = 13 (63), c1's at ceil(2640 / 204.8) = 13 (63).
//   Tasks 0 and 1 start at 0 (their loads), compute over [63, 137) and
//   finish at 138.
//   With one slot the next fetch issues when the core moves on: both at
//   138 in bucket [128, 144): c0's takes 6 x 204.8 = 1228.8 bits there
//   (ending 144) and 51.2 in the next (145); c1's likewise (the bucket
//   has room: 2457.6 bits in all), 145: tasks 2 and 3 run [195, 269),
//   finish 270.
//   Fetches at 270 (bucket [256, 272), 409.6 bits left of its window):
//   c0's ends 272 + ceil(870.4 / 204.8) = 277, c1's 272 +
//   ceil(1740.8 / 204.8) = 281: tasks 4 and 5 run from 327 and 331,
//   finish 402 and 406.
//   Fetches at 402 (bucket [400, 416)): 402 + 7 = 409; at 406: 406 +
//   ceil((1280 - 6 x 204.8 + 1280) / 204.8) = 413: tasks 6 and 7 from
//   459 and 463, finish 534 and 538.
//   Fetches at 534 (bucket [528, 544)): 541; at 538: 1228.8 bits by 544,
//   51.2 more: 545: tasks 8 and 9 from 591 and 595, finish 666 and 670;
//   task 9's store ends 669 + 6 = 675, the makespan.
//
// REMARK: remark: snn-allocate: one streaming slot of 160 B per core (two do not fit the weight banks beside the resident weights): each fetch waits for the previous streamed task
//
// CHECK: snn.placement = [#snn.placement<cores = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1], weight_banks = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1], output_bank = 2>]
// CHECK-SAME: snn.schedule = [#snn.schedule<order = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4], start = [0, 0, 195, 195, 327, 331, 459, 463, 591, 595], finish = [138, 138, 270, 270, 402, 406, 534, 538, 666, 670], dynamic = false>]
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
// REPORT: "makespan_cycles": 675,
// REPORT: "slot_bytes": 160,
// REPORT-NEXT: "slots_per_core": 1,
// REPORT-NEXT: "streamed_bytes": 1600
func.func @one_slot(%x: tensor<1x40x!snn.spike>) -> tensor<1x40x!snn.fixed<32, 0>> {
  %w = snn.constant dense<1> : tensor<40x40xi8> -> tensor<40x40x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w : (tensor<1x40x!snn.spike>, tensor<40x40x!snn.fixed<8, 0>>) -> tensor<1x40x!snn.fixed<32, 0>>
  return %y : tensor<1x40x!snn.fixed<32, 0>>
}
