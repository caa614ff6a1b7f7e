// RUN: snn-opt %s --snn-tile="target=%S/Inputs/two-core.json" --snn-place -verify-diagnostics -split-input-file

// Inputs/two-core.json: two 256 B weight banks (0.5 KiB).

// 40 x 40 int8 weights are 1600 B.
// expected-error @+1 {{snn-place: the weights need 1.6 KiB, the weight banks of target 'two-core' hold 512 B; try --snn-quantize=weight-bits=4 or a target with more SRAM}}
module {
func.func @too_big(%x: tensor<1x40x!snn.spike>) -> tensor<1x40x!snn.fixed<32, 0>> {
  %w = snn.constant dense<1> : tensor<40x40xi8> -> tensor<40x40x!snn.fixed<8, 0>>
  // expected-note @+1 {{the largest layer needs 1.6 KiB}}
  %y = snn.linear %x, %w : (tensor<1x40x!snn.spike>, tensor<40x40x!snn.fixed<8, 0>>) -> tensor<1x40x!snn.fixed<32, 0>>
  return %y : tensor<1x40x!snn.fixed<32, 0>>
}
}

// -----

// 75 x 4 int8 weights: one column task of 300 B; 512 B free in total but
// each bank has 256 B.
func.func @one_bank_too_small(%x: tensor<1x75x!snn.spike>) -> tensor<1x4x!snn.fixed<32, 0>> {
  %w = snn.constant dense<1> : tensor<4x75xi8> -> tensor<4x75x!snn.fixed<8, 0>>
  // expected-error @+1 {{snn-place: weight columns 0 need 300 B in one bank; the weight banks have 512 B free in total but no bank has that much (each buffer starts at a multiple of its bank's port width); try --snn-quantize=weight-bits=4, a target with larger banks, or another snn.pin_weights}}
  %y = snn.linear %x, %w : (tensor<1x75x!snn.spike>, tensor<4x75x!snn.fixed<8, 0>>) -> tensor<1x4x!snn.fixed<32, 0>>
  return %y : tensor<1x4x!snn.fixed<32, 0>>
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

