// RUN: snn-opt %s --snn-tile="target=%S/Inputs/two-core.json" --snn-place -verify-diagnostics -split-input-file

// Inputs/two-core.json: two 256 B weight banks (0.5 KiB).

// 300 x 4 int8 weights: one column alone holds 300 B, more than a 256 B
// bank, so the tiler cannot narrow the task to fit (it would for 75 x 4:
// three columns of 75 B, Transforms/tile-narrow.mlir) and not even
// streaming it from DRAM places it. (40 x 40 int8 weights, 1600 B in ten
// 160 B tasks, used to fail here too; they now stream:
// place-streamed.mlir.)
func.func @one_bank_too_small(%x: tensor<1x300x!snn.spike>) -> tensor<1x4x!snn.fixed<32, 0>> {
  %w = snn.constant dense<1> : tensor<4x300xi8> -> tensor<4x300x!snn.fixed<8, 0>>
  // expected-error @+1 {{snn-place: the weights need 1.2 KiB, the weight banks of target 'two-core' hold 512 B; weight columns 0 of this op need 300 B in one bank (aligned to the port), more than the largest weight bank holds (256 B), so not even streaming them from DRAM places them; try --snn-quantize=weight-bits=4 or a target with larger banks}}
  %y = snn.linear %x, %w : (tensor<1x300x!snn.spike>, tensor<4x300x!snn.fixed<8, 0>>) -> tensor<1x4x!snn.fixed<32, 0>>
  return %y : tensor<1x4x!snn.fixed<32, 0>>
}

// -----

// Weights pinned to w0 stay resident (they are never streamed): 40 x 8
// int8 weights are two column tasks of 160 B; the second finds 96 B left.
func.func @pinned_does_not_fit(%x: tensor<1x40x!snn.spike>) -> tensor<1x8x!snn.fixed<32, 0>> {
  %w = snn.constant dense<1> : tensor<8x40xi8> -> tensor<8x40x!snn.fixed<8, 0>>
  // expected-error @+1 {{snn-place: weight columns 1 need 160 B in one bank; the pinned weight banks have 96 B free in total but no bank has that much (each buffer starts at a multiple of its bank's port width); try --snn-quantize=weight-bits=4, a target with larger banks, or another snn.pin_weights}}
  %y = snn.linear %x, %w {snn.pin_weights = "w0"} : (tensor<1x40x!snn.spike>, tensor<8x40x!snn.fixed<8, 0>>) -> tensor<1x8x!snn.fixed<32, 0>>
  return %y : tensor<1x8x!snn.fixed<32, 0>>
}

// -----

func.func @unknown_pin(%x: tensor<4x5xf32>) -> tensor<4x5x!snn.spike> {
  // expected-error @+1 {{snn.pin = "c9" names no core or tier of target 'two-core' (cores: c0, c1)}}
  %s = snn.lif %x {snn.pin = "c9"} : tensor<4x5xf32> -> tensor<4x5x!snn.spike>
  return %s : tensor<4x5x!snn.spike>
}

// -----

// Weights pinned to the activation-only bank.
func.func @wrong_bank_kind(%x: tensor<1x4x!snn.spike>) -> tensor<1x4x!snn.fixed<32, 0>> {
  %w = snn.constant dense<1> : tensor<4x4xi8> -> tensor<4x4x!snn.fixed<8, 0>>
  // expected-error @+1 {{snn-place: no bank that holds weights among the pinned ones}}
  %y = snn.linear %x, %w {snn.pin_weights = "a0"} : (tensor<1x4x!snn.spike>, tensor<4x4x!snn.fixed<8, 0>>) -> tensor<1x4x!snn.fixed<32, 0>>
  return %y : tensor<1x4x!snn.fixed<32, 0>>
}

