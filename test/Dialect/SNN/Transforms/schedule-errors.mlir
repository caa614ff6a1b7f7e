// RUN: snn-opt %s --snn-schedule -verify-diagnostics -split-input-file

// Tiled but not placed.
module attributes {snn.target = "3d-mol"} {
  func.func @unplaced(%x: tensor<2x3x10x!snn.spike>) -> tensor<2x3x6x!snn.fixed<32, 0>> {
    %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
    // expected-error @+1 {{snn-schedule: op has no snn.placement; run --snn-place first}}
    %y = snn.linear %x, %w {snn.tiling = [#snn.tiling<kind = synaptic, rows = 32, cols = 32, reduction = 10, outputs = 6, groups = 1, vectors = 6, bundle = 6, held_bits = 8>]} : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
    return %y : tensor<2x3x6x!snn.fixed<32, 0>>
  }
}

// -----

// A placement from another target: 3d-mol has 8 cores.
module attributes {snn.target = "3d-mol"} {
  func.func @foreign(%x: tensor<2x3x10x!snn.spike>) -> tensor<2x3x6x!snn.fixed<32, 0>> {
    %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
    // expected-error @+1 {{snn-schedule: placement names core 11 but target '3d-mol' has 8 cores}}
    %y = snn.linear %x, %w {snn.tiling = [#snn.tiling<kind = synaptic, rows = 32, cols = 32, reduction = 10, outputs = 6, groups = 1, vectors = 6, bundle = 6, held_bits = 8>], snn.placement = [#snn.placement<cores = [11], weight_banks = [0], output_bank = 8>]} : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
    return %y : tensor<2x3x6x!snn.fixed<32, 0>>
  }
}

// -----

// The dialect checks a schedule against its placement.
func.func @short(%x: tensor<2x3x10x!snn.spike>) -> tensor<2x3x6x!snn.fixed<32, 0>> {
  %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
  // expected-error @+1 {{snn.schedule[0] must give order, start and finish for 1 task(s)}}
  %y = snn.linear %x, %w {snn.tiling = [#snn.tiling<kind = synaptic, rows = 32, cols = 32, reduction = 10, outputs = 6, groups = 1, vectors = 6, bundle = 6, held_bits = 8>], snn.placement = [#snn.placement<cores = [1], weight_banks = [0], output_bank = 8>], snn.schedule = [#snn.schedule<order = [0, 1], start = [0], finish = [5], dynamic = false>]} : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
  return %y : tensor<2x3x6x!snn.fixed<32, 0>>
}

// -----

func.func @backwards(%x: tensor<2x3x10x!snn.spike>) -> tensor<2x3x6x!snn.fixed<32, 0>> {
  %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
  // expected-error @+1 {{snn.schedule[0] task 0: order and start must be non-negative and finish >= start}}
  %y = snn.linear %x, %w {snn.tiling = [#snn.tiling<kind = synaptic, rows = 32, cols = 32, reduction = 10, outputs = 6, groups = 1, vectors = 6, bundle = 6, held_bits = 8>], snn.placement = [#snn.placement<cores = [1], weight_banks = [0], output_bank = 8>], snn.schedule = [#snn.schedule<order = [0], start = [9], finish = [5], dynamic = false>]} : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
  return %y : tensor<2x3x6x!snn.fixed<32, 0>>
}

// -----

// A weight bank the target does not have (3d-mol has 12 banks): its port
// width was read out of bounds.
module attributes {snn.target = "3d-mol"} {
  func.func @foreign_bank(%x: tensor<2x3x10x!snn.spike>) -> tensor<2x3x6x!snn.fixed<32, 0>> {
    %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, 0>>
    // expected-error @+1 {{snn-schedule: placement names bank 40 but target '3d-mol' has 12 banks}}
    %y = snn.linear %x, %w {snn.tiling = [#snn.tiling<kind = synaptic, rows = 32, cols = 32, reduction = 10, outputs = 6, groups = 1, vectors = 6, bundle = 6, held_bits = 8>], snn.placement = [#snn.placement<cores = [1], weight_banks = [40], output_bank = 8>]} : (tensor<2x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, 0>>) -> tensor<2x3x6x!snn.fixed<32, 0>>
    return %y : tensor<2x3x6x!snn.fixed<32, 0>>
  }
}
