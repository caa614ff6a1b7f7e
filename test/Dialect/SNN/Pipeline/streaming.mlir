// Weight streaming (docs/pipeline.md, "Weight streaming"), worked by hand on
// Inputs/stream-tiny.json: one 32x32 core c0, one 16 KiB weight bank w0
// (256-bit port: buffers at multiples of 32 B), one activation bank a0, and
// a slow DRAM channel: 0.5 GB/s at 500 MHz = 8 bits per cycle, 100 ns = 50
// cycles of latency.
//
// RUN: snn-opt %s --snn-tile="target=%S/Inputs/stream-tiny.json" --snn-place --snn-schedule --snn-allocate --snn-plan-report=file=%t.json -o %t.planned.mlir
// RUN: FileCheck %s --check-prefix=PLAN < %t.planned.mlir
// RUN: snn-opt %t.planned.mlir --snn-lower-to-hw -o %t.hw.mlir
// RUN: FileCheck %s --check-prefix=HW < %t.hw.mlir
// RUN: FileCheck %s --check-prefix=REPORT < %t.json
// The program verifier accepts the fetches (each used by the load weights
// of the same task, bank, offset and bytes).
// RUN: snn-translate --emit-isa %t.hw.mlir -o %t.snnp
//
// Weights (int8): A (64 -> 128) 8 KiB in four column tasks of 64 x 32 =
// 2 KiB; B (128 -> 128) 16 KiB in four tasks of 4 KiB; C (128 -> 32) 4 KiB
// in one task. 28 KiB do not fit the 16 KiB bank.
//
// Residency, candidate slot sizes s = 2 KiB and 4 KiB (the layers' largest
// tasks). s = 2 KiB: B and C (20 KiB) would have to stay resident beside
// two 2 KiB slots: no. s = 4 KiB: two slots take 8 KiB, 8 KiB (two 4 KiB
// granules) are left; keeping A (8 KiB, two granules) saves more DRAM
// traffic than keeping C (4 KiB), B (four granules) does not fit. So A is
// resident after the slots (8192 + 2048 i), B and C stream: 20 KiB, i.e.
// 163840 DRAM bits per inference.
//
// Stream order on c0: A's tasks, B's, C's. The streamed tasks k = 0..4 (B0
// B1 B2 B3 C0) use slot k mod 2: offsets 0, 4096, 0, 4096, 0.
//
// Schedule: a 4 KiB fetch takes 32768 / 8 = 4096 cycles on the channel
// plus 50 of latency; A's tasks compute 158 cycles, B's and C's 284. The
// input loads and result stores: the 64-bit = 8 B input from DRAM (8
// cycles on the channel + 50), a 16 B result from a0 (256-bit port:
// 1 + 1 access + 1 bond = 3 cycles), and each task stores its share of its
// layer's result in a0 (4 B: 3 cycles; one core, so no signal: the core
// moves on one cycle after issuing the store, and a layer is done when its
// last store is).
//   Fetch 0 issues at 0 and holds the channel over [0, 4096): A's task 0
//   loads the input over [4096, 4104), + 50 = 4154, computes to 4312 and
//   finishes at 4313; tasks 1-3 follow every 159 cycles (158 + the store's
//   issue): finishes 4472, 4631, 4790; A is done when task 3's store
//   (from 4789) is, at 4792.
//   B0 starts at 4792, loads A's 16 B (4795), its weights arrived at
//   4146: it computes over [4795, 5079), finishes at 5080. Fetch k issues
//   when streamed task k-1 starts computing (two slots; the channel is
//   free by then) and completes 4146 later: B1 from 4795 + 4146 = 8941
//   (finish 8941 + 284 + 1 = 9226), B2 from 8941 + 4146 = 13087 (13372),
//   B3 from 17233 (17518, its store done at 17517 + 3 = 17520).
//   C0 starts at 17520, loads B's 16 B (17523) and waits for its weights,
//   17233 + 4146 = 21379: it computes to 21663, finishes at 21664, and its
//   4 B store ends the makespan at 21663 + 3 = 21666. The DRAM channel is
//   the bottleneck.
//
// PLAN: module attributes {snn.makespan = 21666 : i64
// PLAN-LABEL: func.func @three_layers
// PLAN: snn.linear %{{.*}}snn.placement = [#snn.placement<cores = [0, 0, 0, 0], weight_banks = [0, 0, 0, 0], output_bank = 1>], snn.schedule = [#snn.schedule<order = [0, 1, 2, 3], start = [0, 4313, 4472, 4631], finish = [4313, 4472, 4631, 4790], dynamic = false>], snn.tiling
// PLAN-SAME: snn.weight_offsets = [array<i64: 8192, 10240, 12288, 14336>]
// PLAN: snn.linear %{{.*}}snn.schedule = [#snn.schedule<order = [4, 5, 6, 7], start = [4792, 8941, 13087, 17233], finish = [5080, 9226, 13372, 17518], dynamic = false>], snn.streamed, snn.tiling
// PLAN-SAME: snn.weight_offsets = [array<i64: 0, 4096, 0, 4096>]
// PLAN: snn.linear %{{.*}}snn.schedule = [#snn.schedule<order = [8], start = [17520], finish = [21664], dynamic = false>], snn.streamed, snn.tiling
// PLAN-SAME: snn.weight_offsets = [array<i64: 0>]
//
// Fetch k is emitted right before the array instruction of streamed task
// k-1 (after that task's own load weights, which waits for fetch k-1);
// fetch 0 at the start of the stream. Its fields are those of the task's
// load weights.
// HW: snnhw.stream core 0 {
// HW-NEXT: snnhw.fetch layer 1 task 0 bank 0 offset 0 bytes 4096
// HW-NEXT: snnhw.load input layer 0 task 0 bank -1 offset 0 bytes 8
// HW-NEXT: snnhw.load weights layer 0 task 0 bank 0 offset 8192 bytes 2048
// HW-NOT: snnhw.fetch
// HW: snnhw.load weights layer 1 task 0 bank 0 offset 0 bytes 4096
// HW-NEXT: snnhw.fetch layer 1 task 1 bank 0 offset 4096 bytes 4096
// HW-NEXT: snnhw.spike_acc layer 1 tiling 0 task 0
// HW-NOT: snnhw.fetch
// HW: snnhw.load weights layer 1 task 1 bank 0 offset 4096 bytes 4096
// HW-NEXT: snnhw.fetch layer 1 task 2 bank 0 offset 0 bytes 4096
// HW-NEXT: snnhw.spike_acc layer 1 tiling 0 task 1
// HW-NOT: snnhw.fetch
// HW: snnhw.load weights layer 1 task 2 bank 0 offset 0 bytes 4096
// HW-NEXT: snnhw.fetch layer 1 task 3 bank 0 offset 4096 bytes 4096
// HW-NEXT: snnhw.spike_acc layer 1 tiling 0 task 2
// HW-NOT: snnhw.fetch
// HW: snnhw.load weights layer 1 task 3 bank 0 offset 4096 bytes 4096
// HW-NEXT: snnhw.fetch layer 2 task 0 bank 0 offset 0 bytes 4096
// HW-NEXT: snnhw.spike_acc layer 1 tiling 0 task 3
// HW-NOT: snnhw.fetch
// HW: snnhw.load weights layer 2 task 0 bank 0 offset 0 bytes 4096
// HW-NEXT: snnhw.spike_acc layer 2 tiling 0 task 0
// HW-NOT: snnhw.fetch
// HW: snnhw.halt
//
// The plan report: DRAM bits by purpose (weights: the streamed 20 KiB;
// inputs: the 64-spike input, 8 B = 64 bits, loaded once by c0, the one
// core of A's tasks) and per layer, and the residency.
// REPORT:      "dram": {
// REPORT-NEXT:   "bits": {
// REPORT-NEXT:     "inputs": 64,
// REPORT-NEXT:     "spills": 0,
// REPORT-NEXT:     "total": 163904,
// REPORT-NEXT:     "weights": 163840
// REPORT-NEXT:   },
// REPORT-NEXT:   "per_layer": [
// REPORT-NEXT:     {
// REPORT-NEXT:       "inputs": 64,
// REPORT-NEXT:       "layer": "snn.linear",
// REPORT-NEXT:       "spills": 0,
// REPORT-NEXT:       "weights": 0
// REPORT-NEXT:     },
// REPORT-NEXT:     {
// REPORT-NEXT:       "inputs": 0,
// REPORT-NEXT:       "layer": "snn.linear",
// REPORT-NEXT:       "spills": 0,
// REPORT-NEXT:       "weights": 131072
// REPORT-NEXT:     },
// REPORT-NEXT:     {
// REPORT-NEXT:       "inputs": 0,
// REPORT-NEXT:       "layer": "snn.linear",
// REPORT-NEXT:       "spills": 0,
// REPORT-NEXT:       "weights": 32768
// REPORT-NEXT:     }
// REPORT-NEXT:   ]
// REPORT-NEXT: },
// REPORT:      "makespan_cycles": 21666,
// REPORT-NEXT: "residency": {
// REPORT-NEXT:   "layers": [
// REPORT-NEXT:     {
// REPORT-NEXT:       "bytes": 8192,
// REPORT-NEXT:       "layer": 0,
// REPORT-NEXT:       "name": "",
// REPORT-NEXT:       "op": "snn.linear",
// REPORT-NEXT:       "residency": "resident"
// REPORT-NEXT:     },
// REPORT-NEXT:     {
// REPORT-NEXT:       "bytes": 16384,
// REPORT-NEXT:       "layer": 1,
// REPORT-NEXT:       "name": "",
// REPORT-NEXT:       "op": "snn.linear",
// REPORT-NEXT:       "residency": "streamed"
// REPORT-NEXT:     },
// REPORT-NEXT:     {
// REPORT-NEXT:       "bytes": 4096,
// REPORT-NEXT:       "layer": 2,
// REPORT-NEXT:       "name": "",
// REPORT-NEXT:       "op": "snn.linear",
// REPORT-NEXT:       "residency": "streamed"
// REPORT-NEXT:     }
// REPORT-NEXT:   ],
// REPORT-NEXT:   "resident_bytes": 8192,
// REPORT-NEXT:   "slot_banks": [
// REPORT-NEXT:     {
// REPORT-NEXT:       "bank": "w0",
// REPORT-NEXT:       "core": "c0",
// REPORT-NEXT:       "offset": 0
// REPORT-NEXT:     }
// REPORT-NEXT:   ],
// REPORT-NEXT:   "slot_bytes": 4096,
// REPORT-NEXT:   "slots_per_core": 2,
// REPORT-NEXT:   "streamed_bytes": 20480
// REPORT-NEXT: },
// REPORT:      "dram_bits": 163904,
func.func @three_layers(%x: tensor<1x1x64x!snn.spike>) -> tensor<1x1x32x!snn.spike> {
  %wa = snn.constant dense<1> : tensor<128x64xi8> -> tensor<128x64x!snn.fixed<8, 0>>
  %ya = snn.linear %x, %wa : (tensor<1x1x64x!snn.spike>, tensor<128x64x!snn.fixed<8, 0>>) -> tensor<1x1x128x!snn.fixed<32, 0>>
  %sa = snn.if %ya {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<1x1x128x!snn.fixed<32, 0>> -> tensor<1x1x128x!snn.spike>
  %wb = snn.constant dense<1> : tensor<128x128xi8> -> tensor<128x128x!snn.fixed<8, 0>>
  %yb = snn.linear %sa, %wb : (tensor<1x1x128x!snn.spike>, tensor<128x128x!snn.fixed<8, 0>>) -> tensor<1x1x128x!snn.fixed<32, 0>>
  %sb = snn.if %yb {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<1x1x128x!snn.fixed<32, 0>> -> tensor<1x1x128x!snn.spike>
  %wc = snn.constant dense<1> : tensor<32x128xi8> -> tensor<32x128x!snn.fixed<8, 0>>
  %yc = snn.linear %sb, %wc : (tensor<1x1x128x!snn.spike>, tensor<32x128x!snn.fixed<8, 0>>) -> tensor<1x1x32x!snn.fixed<32, 0>>
  %sc = snn.if %yc {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<1x1x32x!snn.fixed<32, 0>> -> tensor<1x1x32x!snn.spike>
  return %sc : tensor<1x1x32x!snn.spike>
}
