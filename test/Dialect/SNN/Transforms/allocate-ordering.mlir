// RUN: snn-opt %s --snn-tile="target=%S/Inputs/two-core.json row-tiles=false" --snn-place --snn-schedule --snn-allocate | FileCheck %s
//
// A dead activation buffer is reused only when the new result's writer is
// ordered after every reader of the old one in every run (it depends on
// them, or both run on one core, in program order), not merely later in
// the estimated schedule: the estimate is not what a run does.
//
// Inputs/two-core.json: activation bank a0 (index 2), 32-bit ports, so
// buffers are 4-byte aligned. Every result is 2 x 3 x 6 spikes = 36 bits
// = 5 B, except Lbig's 2 x 3 x 64 = 384 bits = 48 B.
//   L1 (c0) reads x; L2 (c0) reads L1 and is returned (live to the end).
//   Lbig (c1) reads x, is read by nobody; its 640 B of weights make it
//   long (streamed through the 2 x 256 B weight banks), so
//   L3 (c1), after it on c1, starts long after L2 has finished.
//   L4 (c0) reads x, after L2 on c0.
// First fit, in program order:
//   L1 -> [0, 5); L2 -> 8 (the next aligned offset); Lbig -> 16, [16, 64).
//   L3: L1's bytes are dead in the estimate, but L3 (on c1, not reading
//   L2) is not ordered after L1's reader L2 (on c0): offset 0 stays busy
//   (a time-only rule would reuse it). 8 holds L2. Lbig's bytes are free:
//   same core, earlier in program order -> 16.
//   L4: on c0 after L2, L1's only reader -> reuses 0.
// CHECK-LABEL: func.func @ordering
// CHECK: snn.linear {{.*}}snn.output_buffer = #snn.buffer<bank = 2, offset = 0, bytes = 5>{{.*}}snn.pin = "c0"
// CHECK: snn.linear {{.*}}snn.output_buffer = #snn.buffer<bank = 2, offset = 8, bytes = 5>{{.*}}snn.pin = "c0"
// CHECK: snn.linear {{.*}}snn.output_buffer = #snn.buffer<bank = 2, offset = 16, bytes = 48>{{.*}}snn.pin = "c1"
// CHECK: snn.linear {{.*}}snn.output_buffer = #snn.buffer<bank = 2, offset = 16, bytes = 5>{{.*}}snn.pin = "c1"
// CHECK: snn.linear {{.*}}snn.output_buffer = #snn.buffer<bank = 2, offset = 0, bytes = 5>{{.*}}snn.pin = "c0"
func.func @ordering(%x: tensor<2x3x10x!snn.spike>) -> (tensor<2x3x6x!snn.spike>, tensor<2x3x6x!snn.spike>, tensor<2x3x6x!snn.spike>) {
  %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w {snn.pin = "c0"} : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
  %s = snn.if %y {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x6x!snn.fixed<32, 0>> -> tensor<2x3x6x!snn.spike>
  %w2 = snn.constant dense<1> : tensor<6x6xi8> -> tensor<6x6x!snn.fixed<8, 0>>
  %y2 = snn.linear %s, %w2 {snn.pin = "c0"} : (tensor<2x3x6x!snn.spike>, tensor<6x6x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
  %s2 = snn.if %y2 {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x6x!snn.fixed<32, 0>> -> tensor<2x3x6x!snn.spike>
  %wl = snn.constant dense<1> : tensor<64x10xi8> -> tensor<64x10x!snn.fixed<8, 0>>
  %yl = snn.linear %x, %wl {snn.pin = "c1"} : (tensor<2x3x10x!snn.spike>, tensor<64x10x!snn.fixed<8, 0>>) -> tensor<2x3x64x!snn.fixed<32, 0>>
  %sl = snn.if %yl {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x64x!snn.fixed<32, 0>> -> tensor<2x3x64x!snn.spike>
  %w3 = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
  %y3 = snn.linear %x, %w3 {snn.pin = "c1"} : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
  %s3 = snn.if %y3 {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x6x!snn.fixed<32, 0>> -> tensor<2x3x6x!snn.spike>
  %w4 = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
  %y4 = snn.linear %x, %w4 {snn.pin = "c0"} : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
  %s4 = snn.if %y4 {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<2x3x6x!snn.fixed<32, 0>> -> tensor<2x3x6x!snn.spike>
  return %s2, %s3, %s4 : tensor<2x3x6x!snn.spike>, tensor<2x3x6x!snn.spike>, tensor<2x3x6x!snn.spike>
}
