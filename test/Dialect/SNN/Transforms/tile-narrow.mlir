// RUN: snn-opt %s --snn-tile="target=%S/../Pipeline/Inputs/stream-tiny.json" | FileCheck %s
//
// Inputs/stream-tiny.json: 32x32 arrays and one 16 KiB weight bank. A column
// task holds reduction x columns x held bits: 544 x 32 x 8 bits = 17 KiB
// would not fit the bank even alone, so the task uses
// floor(16384 B / 544 B) = 30 of the 32 columns; 480 x 32 = 15 KiB fits and
// keeps all 32 (32 outputs: one task either way).

// CHECK-LABEL: func.func @narrow
func.func @narrow(%x: tensor<1x1x544x!snn.spike>, %z: tensor<1x1x480x!snn.spike>) -> (tensor<1x1x32x!snn.fixed<32, 0>>, tensor<1x1x32x!snn.fixed<32, 0>>) {
  %w = snn.constant dense<1> : tensor<32x544xi8> -> tensor<32x544x!snn.fixed<8, 0>>
  // CHECK: snn.linear {{.*}}#snn.tiling<kind = synaptic, rows = 32, cols = 30, reduction = 544, outputs = 32,
  %y = snn.linear %x, %w : (tensor<1x1x544x!snn.spike>, tensor<32x544x!snn.fixed<8, 0>>) -> tensor<1x1x32x!snn.fixed<32, 0>>
  %v = snn.constant dense<1> : tensor<32x480xi8> -> tensor<32x480x!snn.fixed<8, 0>>
  // CHECK: snn.linear {{.*}}#snn.tiling<kind = synaptic, rows = 32, cols = 32, reduction = 480, outputs = 32,
  %u = snn.linear %z, %v : (tensor<1x1x480x!snn.spike>, tensor<32x480x!snn.fixed<8, 0>>) -> tensor<1x1x32x!snn.fixed<32, 0>>
  return %y, %u : tensor<1x1x32x!snn.fixed<32, 0>>, tensor<1x1x32x!snn.fixed<32, 0>>
}
