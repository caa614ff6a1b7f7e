// RUN: rm -f %t.json
// RUN: snn-opt %s --snn-tile="target=%S/Inputs/two-core.json row-tiles=false" --snn-place --snn-schedule --snn-allocate --snn-plan-report="file=%t.json" -o %t.discard
// RUN: FileCheck %s < %t.json
//
// lower-to-hw.mlir's two layers on Inputs/two-core.json (cores on the logic
// tier, every bank one bond hop above on the memory tier).
// The placer: layer 1 would finish at 99 on either core (its producer ran
// on both: it starts at max(58, 56) + 1 = 59); the tie goes to c0, the
// cheaper path to the weight banks (schedule.mlir). The schedule with the
// input loads and result stores (schedule.mlir, second function): layer 0
// task 0 [0, 51 + 58 + 3 = 112) on c0, task 1 [0, 51 + 56 + 3 = 110) on
// c1 (the signal waits for the stores), layer 1 [113, 113 + 4 + 40 + 1 =
// 158) on c0, its store done at 113 + 4 + 40 + 3 = 160, the makespan.
// Busy cycles (finish - start): c0 112 + 45 = 157, c1 110.
// Vertical bits, all through one bond: weights reloaded once per bundle (2
// bundles): 2 x 40 x 8 = 640, 2 x 20 x 8 = 320 and 2 x 24 x 8 = 384;
// layer 0's 5 B result stored in two shares (40 bits); layer 1 loads it
// (40) and stores its 3 B (24): 1448. DRAM (the "dram" section's total):
// the 60-bit graph input, 8 B = 64 bits, loaded by both of layer 0's
// cores: 128.
// Banks: w0 holds 40 B, w1 20 + 24 = 44 B; a0's high water is layer 1's
// buffer end, 8 + 3 = 11.
// CHECK: "makespan_cycles": 160
// CHECK: "busy_cycles_per_core": {
// CHECK-NEXT: "c0": 157,
// CHECK-NEXT: "c1": 110
// CHECK: "name": "w0",
// CHECK-NEXT: "weight_bytes": 40
// CHECK: "name": "w1",
// CHECK-NEXT: "weight_bytes": 44
// CHECK: "activation_high_water_bytes": 11,
// CHECK-NEXT: "capacity_bytes": 1024,
// CHECK-NEXT: "name": "a0",
// CHECK: "dram_bits": 128,
// CHECK-NEXT: "horizontal_bit_mm": {{.*}},
// CHECK-NEXT: "vertical_bits": 1448
func.func @two_layers(%x: tensor<2x3x10x!snn.spike>) -> tensor<2x3x4x!snn.spike> {
  %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
  %s = snn.if %y {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x6x!snn.fixed<32, 0>> -> tensor<2x3x6x!snn.spike>
  %w2 = snn.constant dense<1> : tensor<4x6xi8> -> tensor<4x6x!snn.fixed<8, 0>>
  %y2 = snn.linear %s, %w2 : (tensor<2x3x6x!snn.spike>, tensor<4x6x!snn.fixed<8, 0>>) -> tensor<2x3x4x!snn.fixed<32, 0>>
  %s2 = snn.if %y2 {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x4x!snn.fixed<32, 0>> -> tensor<2x3x4x!snn.spike>
  return %s2 : tensor<2x3x4x!snn.spike>
}
