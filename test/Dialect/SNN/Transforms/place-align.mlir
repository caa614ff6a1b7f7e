// RUN: sed "s|ALIGNED|%S/Inputs/aligned-banks.json|" %s | snn-opt --snn-tile --snn-place --snn-schedule --snn-allocate -verify-diagnostics -split-input-file | FileCheck %s

// The placer lays weights out as --snn-allocate does: every buffer starts
// at a multiple of its bank's port width. Inputs/aligned-banks.json has one
// 64 B weight bank with a 256-bit (32 B) port and 1x1 arrays, so each
// output column of an f32-weight linear is one task of reduction x 4 B.

// Two tasks of 3 x 4 = 12 B: at offsets 0 and 32 (44 <= 64).
// CHECK-LABEL: func.func @two_fit
// CHECK: snn.placement = [#snn.placement<cores = [0, 0], weight_banks = [0, 0], output_bank = 1>]
// CHECK-SAME: snn.weight_offsets = [array<i64: 0, 32>]
module attributes {snn.target = "ALIGNED"} {
  func.func @two_fit(%x: tensor<1x1x3xf32>) -> tensor<1x1x2xf32> {
    %w = arith.constant dense<0.5> : tensor<2x3xf32>
    %y = snn.linear %x, %w : (tensor<1x1x3xf32>, tensor<2x3xf32>) -> tensor<1x1x2xf32>
    return %y : tensor<1x1x2xf32>
  }
}

// -----

// A third task would start at 64: 36 B of weights, 20 B free, but no room
// at an aligned offset. The placer used to fail here; now it demotes the
// op to streamed (Planning/Residency): slot size s = 12 B, aligned to the
// 32 B port = 32 B; two slots for the one core fill the 64 B bank (offsets
// 0 and 32), and the three tasks, in stream order, alternate between them.
// CHECK-LABEL: func.func @third_does_not_fit
// CHECK: snn.placement = [#snn.placement<cores = [0, 0, 0], weight_banks = [0, 0, 0], output_bank = 1>]
// CHECK-SAME: snn.streamed
// CHECK-SAME: snn.weight_offsets = [array<i64: 0, 32, 0>]
module attributes {snn.target = "ALIGNED"} {
  func.func @third_does_not_fit(%x: tensor<1x1x3xf32>) -> tensor<1x1x3xf32> {
    %w = arith.constant dense<0.5> : tensor<3x3xf32>
    %y = snn.linear %x, %w : (tensor<1x1x3xf32>, tensor<3x3xf32>) -> tensor<1x1x3xf32>
    return %y : tensor<1x1x3xf32>
  }
}
