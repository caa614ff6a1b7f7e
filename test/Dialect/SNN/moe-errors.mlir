// RUN: snn-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect

// Verifier errors of snn.moe_router, snn.moe_dispatch, snn.moe_experts,
// snn.yield and snn.moe_combine.

//===----------------------------------------------------------------------===//
// snn.moe_router
//===----------------------------------------------------------------------===//

func.func @router_input_rank(%x: tensor<4x16x32x!snn.spike>, %w: tensor<4x32xf32>) {
  // expected-error @+1 {{'snn.moe_router' op input must be [T, B, N, D], got rank 3}}
  %i, %g, %s = snn.moe_router %x, %w {top_k = 2 : i64} : (tensor<4x16x32x!snn.spike>, tensor<4x32xf32>) -> (tensor<4x16x2xi32>, tensor<4x16x2xf32>, tensor<4x16x2xi32>)
  return
}

// -----

func.func @router_gate_features(%x: tensor<4x2x16x32x!snn.spike>, %w: tensor<4x16xf32>) {
  // expected-error @+1 {{'snn.moe_router' op gate_weight must be [E, 32], got [4, 16]}}
  %i, %g, %s = snn.moe_router %x, %w {top_k = 2 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<4x16xf32>) -> (tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>)
  return
}

// -----

func.func @router_gate_rank(%x: tensor<4x2x16x32x!snn.spike>, %w: tensor<4x32x1xf32>) {
  // expected-error @+1 {{'snn.moe_router' op gate_weight must be [E, 32], got [4, 32, 1]}}
  %i, %g, %s = snn.moe_router %x, %w {top_k = 2 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<4x32x1xf32>) -> (tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>)
  return
}

// -----

func.func @router_gate_bias(%x: tensor<4x2x16x32x!snn.spike>, %w: tensor<4x32xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'snn.moe_router' op gate_bias must be [4], got [3]}}
  %i, %g, %s = snn.moe_router %x, %w, %b {top_k = 2 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<4x32xf32>, tensor<3xf32>) -> (tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>)
  return
}

// -----

func.func @router_gate_bias_rank(%x: tensor<4x2x16x32x!snn.spike>, %w: tensor<4x32xf32>, %b: tensor<1x4xf32>) {
  // expected-error @+1 {{'snn.moe_router' op gate_bias must be [4], got [1, 4]}}
  %i, %g, %s = snn.moe_router %x, %w, %b {top_k = 2 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<4x32xf32>, tensor<1x4xf32>) -> (tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>)
  return
}

// -----

func.func @router_time_step(%x: tensor<4x2x16x32x!snn.spike>, %w: tensor<4x32xf32>) {
  // expected-error @+1 {{'snn.moe_router' op route_time_step 4 is outside the 4 time steps}}
  %i, %g, %s = snn.moe_router %x, %w {top_k = 2 : i64, route_time_step = 4 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<4x32xf32>) -> (tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>)
  return
}

// -----

func.func @router_top_k_experts(%x: tensor<4x2x16x32x!snn.spike>, %w: tensor<4x32xf32>) {
  // expected-error @+1 {{'snn.moe_router' op top_k 5 exceeds the 4 experts}}
  %i, %g, %s = snn.moe_router %x, %w {top_k = 5 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<4x32xf32>) -> (tensor<2x16x5xi32>, tensor<2x16x5xf32>, tensor<2x16x5xi32>)
  return
}

// -----

func.func @router_result_top_k(%x: tensor<4x2x16x32x!snn.spike>, %w: tensor<4x32xf32>) {
  // expected-error @+1 {{'snn.moe_router' op routing result has shape [2, 16, 1], expected [2, 16, 2]}}
  %i, %g, %s = snn.moe_router %x, %w {top_k = 2 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<4x32xf32>) -> (tensor<2x16x2xi32>, tensor<2x16x1xf32>, tensor<2x16x2xi32>)
  return
}

// -----

func.func @router_result_tokens(%x: tensor<4x2x16x32x!snn.spike>, %w: tensor<4x32xf32>) {
  // expected-error @+1 {{'snn.moe_router' op routing result has shape [4, 16, 2], expected [2, 16, 2]}}
  %i, %g, %s = snn.moe_router %x, %w {top_k = 2 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<4x32xf32>) -> (tensor<4x16x2xi32>, tensor<4x16x2xf32>, tensor<4x16x2xi32>)
  return
}

// -----

func.func @router_top_k_zero(%x: tensor<4x2x16x32x!snn.spike>, %w: tensor<4x32xf32>) {
  // expected-error @+1 {{'snn.moe_router' op attribute 'top_k' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %i, %g, %s = snn.moe_router %x, %w {top_k = 0 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<4x32xf32>) -> (tensor<2x16x0xi32>, tensor<2x16x0xf32>, tensor<2x16x0xi32>)
  return
}

// -----

func.func @router_capacity_zero(%x: tensor<4x2x16x32x!snn.spike>, %w: tensor<4x32xf32>) {
  // expected-error @+1 {{'snn.moe_router' op attribute 'capacity' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %i, %g, %s = snn.moe_router %x, %w {top_k = 2 : i64, capacity = 0 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<4x32xf32>) -> (tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>)
  return
}

// -----

func.func @router_time_step_negative(%x: tensor<4x2x16x32x!snn.spike>, %w: tensor<4x32xf32>) {
  // expected-error @+1 {{'snn.moe_router' op attribute 'route_time_step' failed to satisfy constraint: 64-bit signless integer attribute whose value is non-negative}}
  %i, %g, %s = snn.moe_router %x, %w {top_k = 2 : i64, route_time_step = -1 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<4x32xf32>) -> (tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>)
  return
}

// -----

func.func @router_fixed_gate(%x: tensor<4x2x16x32x!snn.spike>, %w: tensor<4x32x!snn.fixed<8, 7>>) {
  // expected-error @+1 {{'snn.moe_router' op operand #1 must be ranked tensor of 32-bit float values, but got 'tensor<4x32x!snn.fixed<8, 7>>'}}
  %i, %g, %s = snn.moe_router %x, %w {top_k = 2 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<4x32x!snn.fixed<8, 7>>) -> (tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>)
  return
}

// -----

func.func @router_i64_index(%x: tensor<4x2x16x32x!snn.spike>, %w: tensor<4x32xf32>) {
  // expected-error @+1 {{'snn.moe_router' op result #0 must be ranked tensor of 32-bit signless integer values, but got 'tensor<2x16x2xi64>'}}
  %i, %g, %s = snn.moe_router %x, %w {top_k = 2 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<4x32xf32>) -> (tensor<2x16x2xi64>, tensor<2x16x2xf32>, tensor<2x16x2xi32>)
  return
}

// -----

//===----------------------------------------------------------------------===//
// snn.moe_dispatch
//===----------------------------------------------------------------------===//

func.func @dispatch_input_rank(%x: tensor<2x16x32x!snn.spike>, %i: tensor<2x16x2xi32>) {
  // expected-error @+1 {{'snn.moe_dispatch' op input must be [T, B, N, D], got rank 3}}
  %0 = snn.moe_dispatch %x, %i, %i {num_experts = 4 : i64, capacity = 8 : i64} : (tensor<2x16x32x!snn.spike>, tensor<2x16x2xi32>, tensor<2x16x2xi32>) -> tensor<4x2x8x32x!snn.spike>
  return
}

// -----

func.func @dispatch_routing_rank(%x: tensor<4x2x16x32x!snn.spike>, %i: tensor<2x16xi32>) {
  // expected-error @+1 {{'snn.moe_dispatch' op routing tensors must be [B, N, top_k], got [2, 16]}}
  %0 = snn.moe_dispatch %x, %i, %i {num_experts = 4 : i64, capacity = 8 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<2x16xi32>, tensor<2x16xi32>) -> tensor<4x4x2x8x32x!snn.spike>
  return
}

// -----

func.func @dispatch_routing_disagree(%x: tensor<4x2x16x32x!snn.spike>, %i: tensor<2x16x2xi32>, %s: tensor<2x16x1xi32>) {
  // expected-error @+1 {{'snn.moe_dispatch' op routing tensors disagree in shape: [2, 16, 1] vs [2, 16, 2]}}
  %0 = snn.moe_dispatch %x, %i, %s {num_experts = 4 : i64, capacity = 8 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<2x16x2xi32>, tensor<2x16x1xi32>) -> tensor<4x4x2x8x32x!snn.spike>
  return
}

// -----

func.func @dispatch_routing_tokens(%x: tensor<4x2x16x32x!snn.spike>, %i: tensor<2x8x2xi32>) {
  // expected-error @+1 {{'snn.moe_dispatch' op routing is for [B, N] = [2, 8] but the tokens are [2, 16]}}
  %0 = snn.moe_dispatch %x, %i, %i {num_experts = 4 : i64, capacity = 8 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<2x8x2xi32>, tensor<2x8x2xi32>) -> tensor<4x4x2x8x32x!snn.spike>
  return
}

// -----

func.func @dispatch_result_shape(%x: tensor<4x2x16x32x!snn.spike>, %i: tensor<2x16x2xi32>) {
  // expected-error @+1 {{'snn.moe_dispatch' op result has shape [4, 4, 2, 16, 32], expected [4, 4, 2, 8, 32]}}
  %0 = snn.moe_dispatch %x, %i, %i {num_experts = 4 : i64, capacity = 8 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<2x16x2xi32>, tensor<2x16x2xi32>) -> tensor<4x4x2x16x32x!snn.spike>
  return
}

// -----

func.func @dispatch_result_experts(%x: tensor<4x2x16x32x!snn.spike>, %i: tensor<2x16x2xi32>) {
  // expected-error @+1 {{'snn.moe_dispatch' op result has shape [3, 4, 2, 8, 32], expected [4, 4, 2, 8, 32]}}
  %0 = snn.moe_dispatch %x, %i, %i {num_experts = 4 : i64, capacity = 8 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<2x16x2xi32>, tensor<2x16x2xi32>) -> tensor<3x4x2x8x32x!snn.spike>
  return
}

// -----

func.func @dispatch_element_type(%x: tensor<4x2x16x32x!snn.spike>, %i: tensor<2x16x2xi32>) {
  // expected-error @+1 {{'snn.moe_dispatch' op dispatch keeps the element type '!snn.spike', got 'f32'}}
  %0 = snn.moe_dispatch %x, %i, %i {num_experts = 4 : i64, capacity = 8 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<2x16x2xi32>, tensor<2x16x2xi32>) -> tensor<4x4x2x8x32xf32>
  return
}

// -----

func.func @dispatch_num_experts_zero(%x: tensor<4x2x16x32x!snn.spike>, %i: tensor<2x16x2xi32>) {
  // expected-error @+1 {{'snn.moe_dispatch' op attribute 'num_experts' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = snn.moe_dispatch %x, %i, %i {num_experts = 0 : i64, capacity = 8 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<2x16x2xi32>, tensor<2x16x2xi32>) -> tensor<0x4x2x8x32x!snn.spike>
  return
}

// -----

func.func @dispatch_missing_capacity(%x: tensor<4x2x16x32x!snn.spike>, %i: tensor<2x16x2xi32>) {
  // expected-error @+1 {{'snn.moe_dispatch' op requires attribute 'capacity'}}
  %0 = snn.moe_dispatch %x, %i, %i {num_experts = 4 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<2x16x2xi32>, tensor<2x16x2xi32>) -> tensor<4x4x2x16x32x!snn.spike>
  return
}

// -----

func.func @dispatch_f32_slot(%x: tensor<4x2x16x32x!snn.spike>, %i: tensor<2x16x2xi32>, %s: tensor<2x16x2xf32>) {
  // expected-error @+1 {{'snn.moe_dispatch' op operand #2 must be ranked tensor of 32-bit signless integer values, but got 'tensor<2x16x2xf32>'}}
  %0 = snn.moe_dispatch %x, %i, %s {num_experts = 4 : i64, capacity = 8 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<2x16x2xi32>, tensor<2x16x2xf32>) -> tensor<4x4x2x8x32x!snn.spike>
  return
}

// -----

//===----------------------------------------------------------------------===//
// snn.moe_experts, snn.yield
//===----------------------------------------------------------------------===//

func.func @experts_input_rank(%d: tensor<4x2x8x32x!snn.spike>) {
  // expected-error @+1 {{'snn.moe_experts' op input must be [E, T, B, C, D], got rank 4}}
  %0 = snn.moe_experts %d : tensor<4x2x8x32x!snn.spike> -> tensor<4x2x8x32x!snn.spike> {
  ^bb0(%t: tensor<2x8x32x!snn.spike>):
    snn.yield %t : tensor<2x8x32x!snn.spike>
  }
  return
}

// -----

func.func @experts_arg_count(%d: tensor<4x4x2x8x32x!snn.spike>, %p: tensor<4x8xf32>) {
  // expected-error @+1 {{'snn.moe_experts' op body must take 2 arguments (tokens + one per param), has 1}}
  %0 = snn.moe_experts %d params(%p : tensor<4x8xf32>) : tensor<4x4x2x8x32x!snn.spike> -> tensor<4x4x2x8x32x!snn.spike> {
  ^bb0(%t: tensor<4x2x8x32x!snn.spike>):
    snn.yield %t : tensor<4x2x8x32x!snn.spike>
  }
  return
}

// -----

func.func @experts_arg0_type(%d: tensor<4x4x2x8x32x!snn.spike>) {
  // expected-error @+1 {{'snn.moe_experts' op body argument 0 must be 'tensor<4x2x8x32x!snn.spike>', got 'tensor<4x2x8x32xf32>'}}
  %0 = snn.moe_experts %d : tensor<4x4x2x8x32x!snn.spike> -> tensor<4x4x2x8x32xf32> {
  ^bb0(%t: tensor<4x2x8x32xf32>):
    snn.yield %t : tensor<4x2x8x32xf32>
  }
  return
}

// -----

func.func @experts_arg0_keeps_expert_dim(%d: tensor<4x4x2x8x32x!snn.spike>) {
  // expected-error @+1 {{'snn.moe_experts' op body argument 0 must be 'tensor<4x2x8x32x!snn.spike>', got 'tensor<4x4x2x8x32x!snn.spike>'}}
  %0 = snn.moe_experts %d : tensor<4x4x2x8x32x!snn.spike> -> tensor<4x4x2x8x32x!snn.spike> {
  ^bb0(%t: tensor<4x4x2x8x32x!snn.spike>):
    "test.use"(%t) : (tensor<4x4x2x8x32x!snn.spike>) -> ()
    %y = "test.make"() : () -> tensor<4x2x8x32x!snn.spike>
    snn.yield %y : tensor<4x2x8x32x!snn.spike>
  }
  return
}

// -----

func.func @experts_param_expert_dim(%d: tensor<4x4x2x8x32x!snn.spike>, %p: tensor<3x8xf32>) {
  // expected-error @+1 {{'snn.moe_experts' op param 0 must have a leading expert dimension of 4, got [3, 8]}}
  %0 = snn.moe_experts %d params(%p : tensor<3x8xf32>) : tensor<4x4x2x8x32x!snn.spike> -> tensor<4x4x2x8x32x!snn.spike> {
  ^bb0(%t: tensor<4x2x8x32x!snn.spike>, %q: tensor<8xf32>):
    snn.yield %t : tensor<4x2x8x32x!snn.spike>
  }
  return
}

// -----

func.func @experts_param_scalar(%d: tensor<4x4x2x8x32x!snn.spike>, %p: tensor<4x8xf32>, %c: tensor<f32>) {
  // expected-error @+1 {{'snn.moe_experts' op param 1 must have a leading expert dimension of 4, got []}}
  %0 = snn.moe_experts %d params(%p, %c : tensor<4x8xf32>, tensor<f32>) : tensor<4x4x2x8x32x!snn.spike> -> tensor<4x4x2x8x32x!snn.spike> {
  ^bb0(%t: tensor<4x2x8x32x!snn.spike>, %q: tensor<8xf32>, %r: tensor<f32>):
    snn.yield %t : tensor<4x2x8x32x!snn.spike>
  }
  return
}

// -----

func.func @experts_param_arg_type(%d: tensor<4x4x2x8x32x!snn.spike>, %p: tensor<4x16x32xf32>) {
  // expected-error @+1 {{'snn.moe_experts' op body argument 1 must be 'tensor<16x32xf32>', got 'tensor<4x16x32xf32>'}}
  %0 = snn.moe_experts %d params(%p : tensor<4x16x32xf32>) : tensor<4x4x2x8x32x!snn.spike> -> tensor<4x4x2x8x32x!snn.spike> {
  ^bb0(%t: tensor<4x2x8x32x!snn.spike>, %w: tensor<4x16x32xf32>):
    snn.yield %t : tensor<4x2x8x32x!snn.spike>
  }
  return
}

// -----

func.func @experts_no_yield(%d: tensor<4x4x2x8x32x!snn.spike>) {
  // expected-error @+1 {{'snn.moe_experts' op body must end with snn.yield}}
  %0 = snn.moe_experts %d : tensor<4x4x2x8x32x!snn.spike> -> tensor<4x4x2x8x32x!snn.spike> {
  ^bb0(%t: tensor<4x2x8x32x!snn.spike>):
    "test.terminator"(%t) : (tensor<4x2x8x32x!snn.spike>) -> ()
  }
  return
}

// -----

func.func @experts_yield_rank(%d: tensor<4x4x2x8x32x!snn.spike>) {
  // expected-error @+1 {{'snn.moe_experts' op body must yield [T, B, C, D'], got [4, 2, 8]}}
  %0 = snn.moe_experts %d : tensor<4x4x2x8x32x!snn.spike> -> tensor<4x4x2x8x!snn.spike> {
  ^bb0(%t: tensor<4x2x8x32x!snn.spike>):
    %y = "test.make"() : () -> tensor<4x2x8x!snn.spike>
    snn.yield %y : tensor<4x2x8x!snn.spike>
  }
  return
}

// -----

func.func @experts_yield_tokens(%d: tensor<4x4x2x8x32x!snn.spike>) {
  // expected-error @+1 {{'snn.moe_experts' op body must keep [T, B, C] = [4, 2, 8], yields [4, 2, 16, 32]}}
  %0 = snn.moe_experts %d : tensor<4x4x2x8x32x!snn.spike> -> tensor<4x4x2x16x32x!snn.spike> {
  ^bb0(%t: tensor<4x2x8x32x!snn.spike>):
    %y = "test.make"() : () -> tensor<4x2x16x32x!snn.spike>
    snn.yield %y : tensor<4x2x16x32x!snn.spike>
  }
  return
}

// -----

func.func @experts_result_shape(%d: tensor<4x4x2x8x32x!snn.spike>) {
  // expected-error @+1 {{'snn.moe_experts' op result has shape [4, 4, 2, 8, 32], expected [4, 4, 2, 8, 64]}}
  %0 = snn.moe_experts %d : tensor<4x4x2x8x32x!snn.spike> -> tensor<4x4x2x8x32x!snn.spike> {
  ^bb0(%t: tensor<4x2x8x32x!snn.spike>):
    %y = "test.make"() : () -> tensor<4x2x8x64x!snn.spike>
    snn.yield %y : tensor<4x2x8x64x!snn.spike>
  }
  return
}

// -----

func.func @experts_result_element_type(%d: tensor<4x4x2x8x32x!snn.spike>, %w: tensor<4x64x32xf32>) {
  // expected-error @+1 {{'snn.moe_experts' op result element type '!snn.spike' differs from the yielded 'f32'}}
  %0 = snn.moe_experts %d params(%w : tensor<4x64x32xf32>) : tensor<4x4x2x8x32x!snn.spike> -> tensor<4x4x2x8x64x!snn.spike> {
  ^bb0(%t: tensor<4x2x8x32x!snn.spike>, %we: tensor<64x32xf32>):
    %h = snn.linear %t, %we : (tensor<4x2x8x32x!snn.spike>, tensor<64x32xf32>) -> tensor<4x2x8x64xf32>
    snn.yield %h : tensor<4x2x8x64xf32>
  }
  return
}

// -----

func.func @experts_isolated(%d: tensor<4x4x2x8x32x!snn.spike>, %w: tensor<64x32xf32>) {
  // expected-note @+1 {{required by region isolation constraints}}
  %0 = snn.moe_experts %d : tensor<4x4x2x8x32x!snn.spike> -> tensor<4x4x2x8x64xf32> {
  ^bb0(%t: tensor<4x2x8x32x!snn.spike>):
    // expected-error @+1 {{using value defined outside the region}}
    %h = snn.linear %t, %w : (tensor<4x2x8x32x!snn.spike>, tensor<64x32xf32>) -> tensor<4x2x8x64xf32>
    snn.yield %h : tensor<4x2x8x64xf32>
  }
  return
}

// -----

func.func @experts_two_blocks(%d: tensor<4x4x2x8x32x!snn.spike>) {
  // expected-error @+1 {{'snn.moe_experts' op expects region #0 to have 0 or 1 blocks}}
  %0 = "snn.moe_experts"(%d) ({
  ^bb0(%t: tensor<4x2x8x32x!snn.spike>):
    "test.br"() [^bb1] : () -> ()
  ^bb1:
    "test.terminator"() : () -> ()
  }) : (tensor<4x4x2x8x32x!snn.spike>) -> tensor<4x4x2x8x32x!snn.spike>
  return
}

// -----

func.func @experts_empty_region(%d: tensor<4x4x2x8x32x!snn.spike>) {
  // expected-error @+1 {{'snn.moe_experts' op region #0 ('body') failed to verify constraint: region with 1 blocks}}
  %0 = "snn.moe_experts"(%d) ({
  }) : (tensor<4x4x2x8x32x!snn.spike>) -> tensor<4x4x2x8x32x!snn.spike>
  return
}

// -----

func.func @yield_outside_experts(%x: tensor<4x2x8x32x!snn.spike>) {
  // expected-error @+1 {{'snn.yield' op expects parent op 'snn.moe_experts'}}
  snn.yield %x : tensor<4x2x8x32x!snn.spike>
}

// -----

//===----------------------------------------------------------------------===//
// snn.moe_combine
//===----------------------------------------------------------------------===//

func.func @combine_expert_output_rank(%y: tensor<4x2x8x64xf32>, %i: tensor<2x16x2xi32>, %g: tensor<2x16x2xf32>) {
  // expected-error @+1 {{'snn.moe_combine' op expert_output must be [E, T, B, C, D], got rank 4}}
  %0 = snn.moe_combine %y, %i, %g, %i : (tensor<4x2x8x64xf32>, tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>) -> tensor<4x2x16x64xf32>
  return
}

// -----

func.func @combine_result_rank(%y: tensor<4x4x2x8x64xf32>, %i: tensor<2x16x2xi32>, %g: tensor<2x16x2xf32>) {
  // expected-error @+1 {{'snn.moe_combine' op result must be [T, B, N, D], got rank 3}}
  %0 = snn.moe_combine %y, %i, %g, %i : (tensor<4x4x2x8x64xf32>, tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>) -> tensor<2x16x64xf32>
  return
}

// -----

func.func @combine_gate_shape(%y: tensor<4x4x2x8x64xf32>, %i: tensor<2x16x2xi32>, %g: tensor<2x16x1xf32>) {
  // expected-error @+1 {{'snn.moe_combine' op routing tensors disagree in shape: [2, 16, 1] vs [2, 16, 2]}}
  %0 = snn.moe_combine %y, %i, %g, %i : (tensor<4x4x2x8x64xf32>, tensor<2x16x2xi32>, tensor<2x16x1xf32>, tensor<2x16x2xi32>) -> tensor<4x2x16x64xf32>
  return
}

// -----

func.func @combine_routing_rank(%y: tensor<4x4x2x8x64xf32>, %i: tensor<32x2xi32>, %g: tensor<32x2xf32>) {
  // expected-error @+1 {{'snn.moe_combine' op routing tensors must be [B, N, top_k], got [32, 2]}}
  %0 = snn.moe_combine %y, %i, %g, %i : (tensor<4x4x2x8x64xf32>, tensor<32x2xi32>, tensor<32x2xf32>, tensor<32x2xi32>) -> tensor<4x2x16x64xf32>
  return
}

// -----

func.func @combine_routing_tokens(%y: tensor<4x4x2x8x64xf32>, %i: tensor<2x16x2xi32>, %g: tensor<2x16x2xf32>) {
  // expected-error @+1 {{'snn.moe_combine' op routing is for [B, N] = [2, 16] but the tokens are [2, 12]}}
  %0 = snn.moe_combine %y, %i, %g, %i : (tensor<4x4x2x8x64xf32>, tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>) -> tensor<4x2x12x64xf32>
  return
}

// -----

func.func @combine_time(%y: tensor<4x4x2x8x64xf32>, %i: tensor<2x16x2xi32>, %g: tensor<2x16x2xf32>) {
  // expected-error @+1 {{'snn.moe_combine' op result [3, 2, 16, 64] does not match expert_output [4, 4, 2, 8, 64] in T, B or D}}
  %0 = snn.moe_combine %y, %i, %g, %i : (tensor<4x4x2x8x64xf32>, tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>) -> tensor<3x2x16x64xf32>
  return
}

// -----

func.func @combine_batch(%y: tensor<4x4x1x8x64xf32>, %i: tensor<2x16x2xi32>, %g: tensor<2x16x2xf32>) {
  // expected-error @+1 {{'snn.moe_combine' op result [4, 2, 16, 64] does not match expert_output [4, 4, 1, 8, 64] in T, B or D}}
  %0 = snn.moe_combine %y, %i, %g, %i : (tensor<4x4x1x8x64xf32>, tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>) -> tensor<4x2x16x64xf32>
  return
}

// -----

func.func @combine_features(%y: tensor<4x4x2x8x64xf32>, %i: tensor<2x16x2xi32>, %g: tensor<2x16x2xf32>) {
  // expected-error @+1 {{'snn.moe_combine' op result [4, 2, 16, 32] does not match expert_output [4, 4, 2, 8, 64] in T, B or D}}
  %0 = snn.moe_combine %y, %i, %g, %i : (tensor<4x4x2x8x64xf32>, tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>) -> tensor<4x2x16x32xf32>
  return
}

// -----

func.func @combine_fixed(%y: tensor<4x4x2x8x64x!snn.fixed<16, 8>>, %i: tensor<2x16x2xi32>, %g: tensor<2x16x2xf32>) {
  // expected-error @+1 {{'snn.moe_combine' op combine of fixed-point expert outputs is not supported; snn.cast them to f32}}
  %0 = snn.moe_combine %y, %i, %g, %i : (tensor<4x4x2x8x64x!snn.fixed<16, 8>>, tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>) -> tensor<4x2x16x64xf32>
  return
}

// -----

func.func @combine_spike_result(%y: tensor<4x4x2x8x64x!snn.spike>, %i: tensor<2x16x2xi32>, %g: tensor<2x16x2xf32>) {
  // expected-error @+1 {{'snn.moe_combine' op result #0 must be ranked tensor of 32-bit float values, but got 'tensor<4x2x16x64x!snn.spike>'}}
  %0 = snn.moe_combine %y, %i, %g, %i : (tensor<4x4x2x8x64x!snn.spike>, tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>) -> tensor<4x2x16x64x!snn.spike>
  return
}

// -----

// A dynamic number of experts is not compared with top_k (it used to be
// read as -2^63 and reported as "exceeds").
func.func @router_dynamic_experts(%x: tensor<4x1x8x4x!snn.spike>, %w: tensor<?x4xf32>) {
  %i, %g, %s = snn.moe_router %x, %w {top_k = 1 : i64}
      : (tensor<4x1x8x4x!snn.spike>, tensor<?x4xf32>)
      -> (tensor<1x8x1xi32>, tensor<1x8x1xf32>, tensor<1x8x1xi32>)
  return
}

// -----

// snn.moe_gates and zero_experts

func.func @gates_shape(%i: tensor<1x4x2xi32>, %g: tensor<1x4x1xf32>) {
  // expected-error @+1 {{'snn.moe_gates' op expert_index and gate must be one [B, N, K] shape, got [1, 4, 2] and [1, 4, 1]}}
  %0 = snn.moe_gates %i, %g {num_experts = 4 : i64} : (tensor<1x4x2xi32>, tensor<1x4x1xf32>) -> tensor<1x4x4xf32>
  return
}

// -----

func.func @gates_result(%i: tensor<1x4x2xi32>, %g: tensor<1x4x2xf32>) {
  // expected-error @+1 {{'snn.moe_gates' op result must be [B, N, num_experts] = [1, 4, 4], got [1, 4, 3]}}
  %0 = snn.moe_gates %i, %g {num_experts = 4 : i64} : (tensor<1x4x2xi32>, tensor<1x4x2xf32>) -> tensor<1x4x3xf32>
  return
}

// -----

func.func @gates_too_many_choices(%i: tensor<1x4x3xi32>, %g: tensor<1x4x3xf32>) {
  // expected-error @+1 {{'snn.moe_gates' op K = 3 choices exceed num_experts = 2}}
  %0 = snn.moe_gates %i, %g {num_experts = 2 : i64} : (tensor<1x4x3xi32>, tensor<1x4x3xf32>) -> tensor<1x4x2xf32>
  return
}

// -----

func.func @gates_scale(%i: tensor<1x4x2xi32>, %g: tensor<1x4x2xf32>) {
  // expected-error @+1 {{'snn.moe_gates' op scale must be positive and finite, got -1.000000e+00}}
  %0 = snn.moe_gates %i, %g {num_experts = 4 : i64, scale = -1.0} : (tensor<1x4x2xi32>, tensor<1x4x2xf32>) -> tensor<1x4x4xf32>
  return
}

// -----

func.func @zero_experts_order(%d: tensor<2x2x1x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.moe_experts' op zero_experts must be increasing expert indices below 2, got 2}}
  %y = snn.moe_experts %d {zero_experts = array<i64: 0, 2>}
      : tensor<2x2x1x4x8x!snn.spike> -> tensor<2x2x1x4x8x!snn.spike> {
  ^bb0(%t: tensor<2x1x4x8x!snn.spike>):
    snn.yield %t : tensor<2x1x4x8x!snn.spike>
  }
  return
}
