// RUN: sed "s|TWO_CORE|%S/Inputs/two-core.json|" %s | snn-opt --snn-place | FileCheck %s
//
// Weight banks by port pressure. Inputs/two-core.json: weight banks w0 and
// w1 (256 B, one 32-bit port: 32 bits per cycle) are equally near both
// cores, so path energy never decides here. Three independent layers with
// hand-written tilings, one task each (4x4 arrays, 8-bit weights):
//   A: K = 4, 4 columns, 12 vectors in 3 bundles of 4: 4 x 4 x 8 = 128
//      bits = 16 B of weights, read once per bundle: 384 bits.
//   B: K = 8, 4 columns, 4 vectors (1 bundle): 256 bits = 32 B, read once:
//      256 bits.
//   C: K = 4, 4 columns, 4 vectors (1 bundle): 16 B, 128 bits read.
// A: both banks empty, pressure 384 / 32 = 12 on either; equal path, equal
//    room -> the first, w0 (traffic 384).
// B: w0 (384 + 256) / 32 = 20, w1 256 / 32 = 8 -> w1 (traffic 256).
// C: w0 (384 + 128) / 32 = 16, w1 (256 + 128) / 32 = 12 -> w1, although w0
//    has more room (240 B free against 224 B): nearest-then-emptiest would
//    have put C in w0.
// The results go to a0 (index 2), the only activation bank.
// CHECK: %[[A:.*]] = snn.linear %arg0{{.*}}weight_banks = [0], output_bank = 2>]
// CHECK: %[[B:.*]] = snn.linear %arg1{{.*}}weight_banks = [1], output_bank = 2>]
// CHECK: %[[C:.*]] = snn.linear %arg2{{.*}}weight_banks = [1], output_bank = 2>]
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
