// RUN: snn-opt %s --snn-tile="target=%S/Inputs/stream-tiny.json" --snn-place -verify-diagnostics -split-input-file
//
// Inputs/stream-tiny.json has one 16 KiB weight bank. A model fails only
// when a single column task's weights exceed the largest weight bank:
// then not even streaming them from DRAM places them.

// 17408 -> 32 int8: one column alone holds 17408 B = 17 KiB, so the tiler
// cannot narrow the column task enough (1 column) and it fails to place:
// 32 x 17408 B = 544 KiB in all.
func.func @task_too_large(%x: tensor<1x1x17408x!snn.spike>) -> tensor<1x1x32x!snn.fixed<32, 0>> {
  %w = snn.constant dense<1> : tensor<32x17408xi8> -> tensor<32x17408x!snn.fixed<8, 0>>
  // expected-error @+1 {{snn-place: the weights need 544.0 KiB, the weight banks of target 'stream-tiny' hold 16.0 KiB; weight columns 0 of this op need 17.0 KiB in one bank (aligned to the port), more than the largest weight bank holds (16.0 KiB), so not even streaming them from DRAM places them; try --snn-quantize=weight-bits=4 or a target with larger banks}}
  %y = snn.linear %x, %w : (tensor<1x1x17408x!snn.spike>, tensor<32x17408x!snn.fixed<8, 0>>) -> tensor<1x1x32x!snn.fixed<32, 0>>
  return %y : tensor<1x1x32x!snn.fixed<32, 0>>
}

// -----

// The second layer's tasks fit (480 x 32 = 15 KiB, aligned to the 32 B
// port: 15360 B) and stream; the third's would not at 32 columns (544 x 32
// = 17 KiB), so the tiler gives it tasks of 30 columns (16320 B): no error
// (Transforms/tile-narrow.mlir checks the tiling).
func.func @wide_task_narrowed(%x: tensor<1x1x480x!snn.spike>) -> tensor<1x1x32x!snn.fixed<32, 0>> {
  %w1 = snn.constant dense<1> : tensor<544x480xi8> -> tensor<544x480x!snn.fixed<8, 0>>
  %y1 = snn.linear %x, %w1 : (tensor<1x1x480x!snn.spike>, tensor<544x480x!snn.fixed<8, 0>>) -> tensor<1x1x544x!snn.fixed<32, 0>>
  %s1 = snn.if %y1 {v_threshold = 4.0 : f64, membrane_type = !snn.fixed<16, 0>} : tensor<1x1x544x!snn.fixed<32, 0>> -> tensor<1x1x544x!snn.spike>
  %w2 = snn.constant dense<1> : tensor<32x544xi8> -> tensor<32x544x!snn.fixed<8, 0>>
  %y2 = snn.linear %s1, %w2 : (tensor<1x1x544x!snn.spike>, tensor<32x544x!snn.fixed<8, 0>>) -> tensor<1x1x32x!snn.fixed<32, 0>>
  return %y2 : tensor<1x1x32x!snn.fixed<32, 0>>
}
