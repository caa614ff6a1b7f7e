// RUN: sed "s|ONE_SPAD|%S/Inputs/one-by-one-spad.json|; s|ONE_BY_ONE|%S/Inputs/one-by-one.json|" %s | snn-opt --snn-tile -verify-diagnostics -split-input-file

// --snn-tile refuses plans beyond the limits of SNNLimits.h with the
// numbers, before any later pass spends time on them. Inputs/one-by-one.json
// has a 1x1 array (a task per output column, a k block per reduction row)
// and a 1 B scratchpad (a bundle per vector); one-by-one-spad.json has a
// 1 GiB scratchpad (one bundle).

// 2^21 outputs: 2^21 column tasks.
module attributes {snn.target = "ONE_BY_ONE"} {
  func.func @tasks(%x: tensor<1x1x1x!snn.spike>) -> tensor<1x1x2097152x!snn.fixed<32, 0>> {
    %w = snn.constant dense<1> : tensor<2097152x1xi8> -> tensor<2097152x1x!snn.fixed<8, 0>>
    // expected-error @+1 {{snn-tile: tiling needs 2097152 column tasks (1 group(s) x 2097152 blocks of 1 of 2097152 outputs); at most 1048576 (2^20) are supported}}
    %y = snn.linear %x, %w : (tensor<1x1x1x!snn.spike>, tensor<2097152x1x!snn.fixed<8, 0>>) -> tensor<1x1x2097152x!snn.fixed<32, 0>>
    return %y : tensor<1x1x2097152x!snn.fixed<32, 0>>
  }
}

// -----

// Two layers of 2^19 + 1 tasks: 2^20 + 2 in the plan.
module attributes {snn.target = "ONE_BY_ONE"} {
  func.func @plan_tasks(%x: tensor<1x1x1x!snn.spike>) -> (tensor<1x1x524289x!snn.fixed<32, 0>>, tensor<1x1x524289x!snn.fixed<32, 0>>) {
    %w = snn.constant dense<1> : tensor<524289x1xi8> -> tensor<524289x1x!snn.fixed<8, 0>>
    %y = snn.linear %x, %w : (tensor<1x1x1x!snn.spike>, tensor<524289x1x!snn.fixed<8, 0>>) -> tensor<1x1x524289x!snn.fixed<32, 0>>
    // expected-error @+1 {{snn-tile: with this op the plan has 1048578 column tasks (this op 524289); at most 1048576 (2^20) are supported}}
    %z = snn.linear %x, %w : (tensor<1x1x1x!snn.spike>, tensor<524289x1x!snn.fixed<8, 0>>) -> tensor<1x1x524289x!snn.fixed<32, 0>>
    return %y, %z : tensor<1x1x524289x!snn.fixed<32, 0>>, tensor<1x1x524289x!snn.fixed<32, 0>>
  }
}

// -----

// 8192 reduction rows x 4096 one-vector bundles: 2^25 passes per task.
module attributes {snn.target = "ONE_BY_ONE"} {
  func.func @passes(%x: tensor<1x4096x8192x!snn.spike>) -> tensor<1x4096x1x!snn.fixed<32, 0>> {
    %w = snn.constant dense<1> : tensor<1x8192xi8> -> tensor<1x8192x!snn.fixed<8, 0>>
    // expected-error @+1 {{snn-tile: tiling needs 33554432 passes per task (8192 blocks of 1 of 8192 reduction rows x 4096 bundles of 1 of 4096 vectors); at most 16777216 (2^24) are supported}}
    %y = snn.linear %x, %w : (tensor<1x4096x8192x!snn.spike>, tensor<1x8192x!snn.fixed<8, 0>>) -> tensor<1x4096x1x!snn.fixed<32, 0>>
    return %y : tensor<1x4096x1x!snn.fixed<32, 0>>
  }
}

// -----

// A 7x7 convolution over 2048 channels of 64x64: im2col streams 4096
// vectors through 2048 x 7 x 7 = 100352 k blocks, 411041792 in all.
module attributes {snn.target = "ONE_SPAD"} {
  func.func @streamed(%x: tensor<1x2048x64x64x!snn.spike>) -> tensor<1x1x64x64x!snn.fixed<32, 0>> {
    %w = snn.constant dense<1> : tensor<1x2048x7x7xi8> -> tensor<1x2048x7x7x!snn.fixed<8, 0>>
    // expected-error @+1 {{snn-tile: tiling streams 1 group(s) x 4096 vectors x 100352 blocks; at most 268435456 (2^28) are supported}}
    %y = snn.conv2d %x, %w {pad = array<i64: 3, 3, 3, 3>} : (tensor<1x2048x64x64x!snn.spike>, tensor<1x2048x7x7x!snn.fixed<8, 0>>) -> tensor<1x1x64x64x!snn.fixed<32, 0>>
    return %y : tensor<1x1x64x64x!snn.fixed<32, 0>>
  }
}

// -----

// Two layers of 1024 tasks x 1024 k blocks x 1024 bundles: 2^31 passes.
module attributes {snn.target = "ONE_BY_ONE"} {
  func.func @plan_passes(%x: tensor<1x1024x1024x!snn.spike>) -> (tensor<1x1024x1024x!snn.fixed<32, 0>>, tensor<1x1024x1024x!snn.fixed<32, 0>>) {
    %w = snn.constant dense<1> : tensor<1024x1024xi8> -> tensor<1024x1024x!snn.fixed<8, 0>>
    %y = snn.linear %x, %w : (tensor<1x1024x1024x!snn.spike>, tensor<1024x1024x!snn.fixed<8, 0>>) -> tensor<1x1024x1024x!snn.fixed<32, 0>>
    // expected-error @+1 {{snn-tile: with this op the plan has 2147483648 passes (column tasks x k blocks x bundles; this op 1073741824); at most 1073741824 (2^30) are supported}}
    %z = snn.linear %x, %w : (tensor<1x1024x1024x!snn.spike>, tensor<1024x1024x!snn.fixed<8, 0>>) -> tensor<1x1024x1024x!snn.fixed<32, 0>>
    return %y, %z : tensor<1x1024x1024x!snn.fixed<32, 0>>, tensor<1x1024x1024x!snn.fixed<32, 0>>
  }
}
