// RUN: snn-opt %s --snn-tile="target=%S/Inputs/two-core.json row-tiles=false" --snn-place --snn-schedule --snn-allocate -split-input-file | FileCheck %s
// RUN: snn-opt %s --snn-tile="target=%S/Inputs/two-core.json row-tiles=false" --snn-place --snn-schedule --snn-allocate="remarks=true" -split-input-file -o %t.discard 2>&1 | FileCheck %s --check-prefix=REMARK
//
// Inputs/two-core.json: weight banks w0, w1 (indices 0, 1; 256 B, 32-bit
// ports, so buffers are 4-byte aligned) and activation bank a0 (index 2,
// 1 KiB).
//
// Three chained layers (schedule.mlir's first two, then a third).
//   L1: 10 -> 6, tasks on c0 and c1; weights 10 x 4 x 8 bits = 40 B in w0
//       and 10 x 2 = 20 B in w1 (place.mlir). Result: 2 x 3 x 6 spikes =
//       36 bits -> 5 B, live [0, 99): L2 reads it until it finishes at 99.
//   L2: 6 -> 4 on c1 [59, 99); weights 6 x 4 = 24 B, nearest bank with room
//       (w0 and w1 equally near, w1 emptier) -> w1 at 20. Result 24 bits
//       -> 3 B, live [59, L3's finish): overlaps L1's buffer, so it goes
//       at the next aligned offset, 8.
//   L3: 4 -> 6, reads L2 only; starts after L2 (99 + 1 if across cores),
//       when L1's buffer is dead: its 5 B reuse offset 0.
// CHECK-LABEL: func.func @chain
// CHECK: snn.linear {{.*}}snn.output_buffer = #snn.buffer<bank = 2, offset = 0, bytes = 5>{{.*}}snn.weight_offsets = {{\[}}array<i64: 0, 0>]
// CHECK: snn.linear {{.*}}snn.output_buffer = #snn.buffer<bank = 2, offset = 8, bytes = 3>{{.*}}snn.weight_offsets = {{\[}}array<i64: 20>]
// CHECK: snn.linear {{.*}}snn.output_buffer = #snn.buffer<bank = 2, offset = 0, bytes = 5>
func.func @chain(%x: tensor<2x3x10x!snn.spike>) -> tensor<2x3x6x!snn.spike> {
  %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
  %s = snn.if %y {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x6x!snn.fixed<32, 0>> -> tensor<2x3x6x!snn.spike>
  %w2 = snn.constant dense<1> : tensor<4x6xi8> -> tensor<4x6x!snn.fixed<8, 0>>
  %y2 = snn.linear %s, %w2 : (tensor<2x3x6x!snn.spike>, tensor<4x6x!snn.fixed<8, 0>>) -> tensor<2x3x4x!snn.fixed<32, 0>>
  %s2 = snn.if %y2 {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x4x!snn.fixed<32, 0>> -> tensor<2x3x4x!snn.spike>
  %w3 = snn.constant dense<1> : tensor<6x4xi8> -> tensor<6x4x!snn.fixed<8, 0>>
  %y3 = snn.linear %s2, %w3 : (tensor<2x3x4x!snn.spike>, tensor<6x4x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
  %s3 = snn.if %y3 {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x6x!snn.fixed<32, 0>> -> tensor<2x3x6x!snn.spike>
  return %s3 : tensor<2x3x6x!snn.spike>
}

// -----

// A real-valued result of 2 x 40 x 6 f32 = 1920 B fits no activation bank
// (a0 holds 1 KiB) and is spilled to DRAM (bank -1).
// CHECK-LABEL: func.func @spill
// CHECK: snn.add {{.*}}snn.output_buffer = #snn.buffer<bank = -1, offset = 0, bytes = 1920>
// REMARK: remark: result (1.9 KiB) spilled to DRAM: needs 1.9 KiB; the activation banks of 'two-core' hold 1.0 KiB, 0 B of it live at that time, at most 1.0 KiB free in one bank
func.func @spill(%a: tensor<2x40x6xf32>, %b: tensor<2x40x6xf32>) -> tensor<2x40x6xf32> {
  %c = snn.add %a, %b : tensor<2x40x6xf32>, tensor<2x40x6xf32> -> tensor<2x40x6xf32>
  return %c : tensor<2x40x6xf32>
}
