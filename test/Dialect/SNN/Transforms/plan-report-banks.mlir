// RUN: rm -f %t.json
// RUN: sed "s|TWO_CORE|%S/Inputs/two-core.json|" %s | snn-opt --snn-place --snn-schedule --snn-allocate --snn-plan-report="file=%t.json" -o %t.discard
// RUN: FileCheck %s < %t.json
//
// The report's "banks": place-pressure.mlir's three layers on
// Inputs/two-core.json (every bank one 32-bit port: 32 bits per cycle).
// Weights: A (384 bits read, 3 bundles x 128) in w0, B (256) and C (128)
// in w1: 384 read bits each, busy 384 / 32 = 12 cycles. The results, all
// spikes, written once to a0: A 2 x 6 x 4 = 48 bits, B and C 4 x 4 = 16
// each: 80 write bits, busy 80 / 32 = 2.5; no planned op reads them, and
// the graph inputs come from DRAM (not a bank).
// Makespan: A runs alone on one core, 4 + 2 x 10 + 10 = 34 cycles (first
// weight load of 4, then max(4, pass of 4 + 4 - 2 + 4 = 10) per later
// bundle, the last pass); the other core runs B (4 + max(4, 10) + 10 = 24)
// then C (4 + 10 = 14) (serial estimates, A 42 and B 28, put B on the
// other core and C after B: 28 + 14 < 42 + 14). The schedule adds each
// op's load of its graph input from DRAM (one channel of 204.8 bits per
// cycle, 50 cycles of latency) and the store of its result to a0
// (ceil(bits / 32) + 1 access + 1 bond): A loads 48 bits (1 + 50 = 51),
// computes 34 and stores 48 bits (2 + 2 = 4): done at 51 + 34 + 4 = 89.
// B loads 32 bits (1 + 50; 48 + 32 bits fit the channel's first cycle),
// computes 24 and issues its store (one cycle): its core moves on at 51 +
// 24 + 1 = 76. C then loads 16 bits (77 + 50 = 127), computes 14 and
// stores 16 bits (1 + 2 = 3): the makespan is 127 + 14 + 3 = 144.
// Utilization = busy / 144: w0 and w1 12 / 144 = 0.083333, a0 2.5 / 144 =
// 0.017361.
// CHECK: "banks": [
// CHECK-NEXT: {
// CHECK-NEXT: "busy_cycles": 12,
// CHECK-NEXT: "name": "w0",
// CHECK-NEXT: "read_bits": 384,
// CHECK-NEXT: "tier": "memory",
// CHECK-NEXT: "utilization": 0.08333{{[0-9]*}},
// CHECK-NEXT: "write_bits": 0
// CHECK-NEXT: },
// CHECK-NEXT: {
// CHECK-NEXT: "busy_cycles": 12,
// CHECK-NEXT: "name": "w1",
// CHECK-NEXT: "read_bits": 384,
// CHECK-NEXT: "tier": "memory",
// CHECK-NEXT: "utilization": 0.08333{{[0-9]*}},
// CHECK-NEXT: "write_bits": 0
// CHECK-NEXT: },
// CHECK-NEXT: {
// CHECK-NEXT: "busy_cycles": 2.5,
// CHECK-NEXT: "name": "a0",
// CHECK-NEXT: "read_bits": 0,
// CHECK-NEXT: "tier": "memory",
// CHECK-NEXT: "utilization": 0.01736{{[0-9]*}},
// CHECK-NEXT: "write_bits": 80
// CHECK-NEXT: }
// CHECK-NEXT: ],
// The sram_port bound is the busiest bank's busy cycles.
// CHECK: "total": {
// CHECK: "sram_port": 12
// CHECK: "makespan_cycles": 144
module attributes {snn.target = "TWO_CORE"} {
func.func @pressure(%a: tensor<2x6x4x!snn.spike>, %b: tensor<1x4x8x!snn.spike>, %c: tensor<1x4x4x!snn.spike>) -> (tensor<2x6x4x!snn.spike>, tensor<1x4x4x!snn.spike>, tensor<1x4x4x!snn.spike>) {
  %wa = snn.constant dense<1> : tensor<4x4xi8> -> tensor<4x4x!snn.fixed<8, 0>>
  %ya = snn.linear %a, %wa {snn.tiling = [#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 4, outputs = 4, groups = 1, vectors = 12, bundle = 4, held_bits = 8>]} : (tensor<2x6x4x!snn.spike>, tensor<4x4x!snn.fixed<8, 0>>) -> tensor<2x6x4x!snn.fixed<32, 0>>
  %sa = snn.if %ya {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x6x4x!snn.fixed<32, 0>> -> tensor<2x6x4x!snn.spike>
  %wb = snn.constant dense<1> : tensor<4x8xi8> -> tensor<4x8x!snn.fixed<8, 0>>
  %yb = snn.linear %b, %wb {snn.tiling = [#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 8, outputs = 4, groups = 1, vectors = 4, bundle = 4, held_bits = 8>]} : (tensor<1x4x8x!snn.spike>, tensor<4x8x!snn.fixed<8, 0>>) -> tensor<1x4x4x!snn.fixed<32, 0>>
  %sb = snn.if %yb {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<1x4x4x!snn.fixed<32, 0>> -> tensor<1x4x4x!snn.spike>
  %wc = snn.constant dense<1> : tensor<4x4xi8> -> tensor<4x4x!snn.fixed<8, 0>>
  %yc = snn.linear %c, %wc {snn.tiling = [#snn.tiling<kind = synaptic, rows = 4, cols = 4, reduction = 4, outputs = 4, groups = 1, vectors = 4, bundle = 4, held_bits = 8>]} : (tensor<1x4x4x!snn.spike>, tensor<4x4x!snn.fixed<8, 0>>) -> tensor<1x4x4x!snn.fixed<32, 0>>
  %sc = snn.if %yc {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<1x4x4x!snn.fixed<32, 0>> -> tensor<1x4x4x!snn.spike>
  return %sa, %sb, %sc : tensor<2x6x4x!snn.spike>, tensor<1x4x4x!snn.spike>, tensor<1x4x4x!snn.spike>
}
}
