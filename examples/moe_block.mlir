// A spiking mixture-of-experts block in the Spike-driven Transformer style
// (membrane shortcut), written by hand with the snn MoE ops. It is the
// program for the end-to-end test moe_block.test: gen_reference.py writes
// every argument as <snn.name>.npy and every result as <snn.name>.ref.npy
// from an independent PyTorch model (python/spikestack/reference.py,
// SpikingMoEBlock), snn-run interprets this file, compare.py checks.
//
// Sizes: T = 4, B = 2, N = 16 tokens, D = 64 channels, E = 4 experts,
// top-2 routing, capacity 8 slots per expert and batch element, expert
// hidden size 128. (E = T = 4: mind the order of [E, T, B, C, D].)
//
// PyTorch this expresses, with the real-valued residual x : [T, B, N, D]:
//   s        = LIF(x)                              shortcut LIF of the branch
//   p        = softmax(s.mean(0) @ W_gate^T)       [B, N, E], no bias
//   e_i, g_i = top-2 of p (descending), g_i = p_{e_i} / (p_{e_0} + p_{e_1})
//   slots    : per (b, expert) at most 8 assignments, in GShard order (all
//              first choices in token order, then all second choices);
//              the rest are dropped (slot -1)
//   expert e : BN(fc2(LIF(BN(fc1(tokens)))))      on its [T, B, 8, D] buffer
//   moe_out  = sum_i g_i * expert_out[e_i, :, b, slot_i]   (kept i only)
//   y        = x + moe_out
// LIFs: tau 2, v_threshold 1, hard reset to 0, decay_input, fire on >=.
//
// Numerics: spike inputs and spike rates (multiples of 1/4) times weights
// that are multiples of 2^-6 make every snn.linear (router logits included)
// exact in f32. The router's softmax uses exp, whose last bit depends on
// the implementation; the test data keep the probabilities of every token
// at least 1e-3 (relative) apart, so the routing (expert_index, slot) and
// every spike tensor must match exactly, and the f32 results (gate,
// expert_out, moe_out, y) are compared with rtol 1e-5 / atol 1e-6.
//
// Arguments, in order (snn.name):
//   x            f32 [4, 2, 16, 64]     (membrane-shortcut residual stream)
//   gate_weight  f32 [4, 64]            (router Linear, no bias)
//   fc1_weight [4, 128, 64]  fc1_bias [4, 128]  fc1_bn_{weight,bias,mean,var} [4, 128]
//   fc2_weight [4, 64, 128]  fc2_bias [4, 64]   fc2_bn_{weight,bias,mean,var} [4, 64]
//   (expert weights stacked along a leading expert dimension)
// Results, in order (snn.name):
//   s (spikes [4, 2, 16, 64]), expert_index (i32 [2, 16, 2]),
//   gate (f32 [2, 16, 2]; g_i also for dropped assignments),
//   slot (i32 [2, 16, 2], -1 = dropped),
//   dispatched (spikes [4, 4, 2, 8, 64] = [E, T, B, capacity, D], empty slots 0),
//   expert_out (f32 [E, T, B, capacity, D]; the rows of empty slots are the
//   experts applied to all-zero tokens),
//   moe_out, y (f32 [4, 2, 16, 64]).


!membrane = tensor<4x2x16x64xf32>                // [T, B, N, D]
!spikes = tensor<4x2x16x64x!snn.spike>
!route_i = tensor<2x16x2xi32>                    // [B, N, top_k]
!route_f = tensor<2x16x2xf32>
!buf_spikes = tensor<4x4x2x8x64x!snn.spike>      // [E, T, B, capacity, D]
!buf_out = tensor<4x4x2x8x64xf32>
// Stacked expert parameters [E, ...] and their per-expert slices.
!w1 = tensor<4x128x64xf32>
!w2 = tensor<4x64x128xf32>
!p_h = tensor<4x128xf32>
!p_d = tensor<4x64xf32>
!w1_e = tensor<128x64xf32>
!w2_e = tensor<64x128xf32>
!p_h_e = tensor<128xf32>
!p_d_e = tensor<64xf32>
// One expert's token buffer [T, B, capacity, D] and hidden layer.
!tok_spikes = tensor<4x2x8x64x!snn.spike>
!tok_out = tensor<4x2x8x64xf32>
!hid = tensor<4x2x8x128xf32>
!hid_spikes = tensor<4x2x8x128x!snn.spike>

func.func @main(
    %x: !membrane {snn.name = "x"},
    %gate_w: tensor<4x64xf32> {snn.name = "gate_weight"},
    %fc1_w: !w1 {snn.name = "fc1_weight"}, %fc1_b: !p_h {snn.name = "fc1_bias"},
    %fc1_g: !p_h {snn.name = "fc1_bn_weight"}, %fc1_beta: !p_h {snn.name = "fc1_bn_bias"},
    %fc1_mean: !p_h {snn.name = "fc1_bn_mean"}, %fc1_var: !p_h {snn.name = "fc1_bn_var"},
    %fc2_w: !w2 {snn.name = "fc2_weight"}, %fc2_b: !p_d {snn.name = "fc2_bias"},
    %fc2_g: !p_d {snn.name = "fc2_bn_weight"}, %fc2_beta: !p_d {snn.name = "fc2_bn_bias"},
    %fc2_mean: !p_d {snn.name = "fc2_bn_mean"}, %fc2_var: !p_d {snn.name = "fc2_bn_var"})
    // Results in data-flow order (per-stage agreement), block output last.
    -> (!spikes {snn.name = "s"},
        !route_i {snn.name = "expert_index"},
        !route_f {snn.name = "gate"},
        !route_i {snn.name = "slot"},
        !buf_spikes {snn.name = "dispatched"},
        !buf_out {snn.name = "expert_out"},
        !membrane {snn.name = "moe_out"},
        !membrane {snn.name = "y"}) {

  // The branch starts with a LIF on the membrane stream (SDT style); its
  // spikes feed both the router and the experts.
  %s = snn.lif %x {tau = 2.0 : f64, v_threshold = 1.0 : f64, v_reset = 0.0 : f64}
         : !membrane -> !spikes

  // Router: rate = mean over T, logits = rate W^T, softmax, top-2 with
  // renormalised gates, capacity 8 per expert and batch element.
  %index, %gate, %slot = snn.moe_router %s, %gate_w
      {top_k = 2 : i64, capacity = 8 : i64, normalize_gates = true}
      : (!spikes, tensor<4x64xf32>) -> (!route_i, !route_f, !route_i)

  // Gather the routed tokens (all T steps of each) into expert buffers.
  %buf = snn.moe_dispatch %s, %index, %slot {num_experts = 4 : i64, capacity = 8 : i64}
      : (!spikes, !route_i, !route_i) -> !buf_spikes

  // Expert bodies: the region runs once per expert with that expert's
  // token buffer and weight slices as block arguments.
  %expert_out = snn.moe_experts %buf
      params(%fc1_w, %fc1_b, %fc1_g, %fc1_beta, %fc1_mean, %fc1_var,
             %fc2_w, %fc2_b, %fc2_g, %fc2_beta, %fc2_mean, %fc2_var
             : !w1, !p_h, !p_h, !p_h, !p_h, !p_h, !w2, !p_d, !p_d, !p_d, !p_d, !p_d)
      : !buf_spikes -> !buf_out {
  ^bb0(%tok: !tok_spikes,
       %w1: !w1_e, %b1: !p_h_e, %g1: !p_h_e, %beta1: !p_h_e, %mean1: !p_h_e, %var1: !p_h_e,
       %w2: !w2_e, %b2: !p_d_e, %g2: !p_d_e, %beta2: !p_d_e, %mean2: !p_d_e, %var2: !p_d_e):
    // fc1 (D -> H) -> BN -> LIF
    %h_lin = snn.linear %tok, %w1, %b1 : (!tok_spikes, !w1_e, !p_h_e) -> !hid
    %h_bn = snn.batch_norm %h_lin, %g1, %beta1, %mean1, %var1
              {channel_dim = 3 : i64, epsilon = 1.0e-05 : f64} : !hid, !p_h_e
    %h = snn.lif %h_bn {tau = 2.0 : f64, v_threshold = 1.0 : f64, v_reset = 0.0 : f64}
           : !hid -> !hid_spikes
    // fc2 (H -> D) -> BN; the membrane-shortcut branch ends without a LIF.
    %o_lin = snn.linear %h, %w2, %b2 : (!hid_spikes, !w2_e, !p_d_e) -> !tok_out
    %o_bn = snn.batch_norm %o_lin, %g2, %beta2, %mean2, %var2
              {channel_dim = 3 : i64, epsilon = 1.0e-05 : f64} : !tok_out, !p_d_e
    snn.yield %o_bn : !tok_out
  }

  // Gate-weighted merge back to token order: for each token, in the order
  // i = 0, 1 of its kept assignments, acc += gate_i * expert_out[e_i, :, b, slot_i].
  %moe_out = snn.moe_combine %expert_out, %index, %gate, %slot
      : (!buf_out, !route_i, !route_f, !route_i) -> !membrane

  // Membrane shortcut (real-valued residual).
  %y = snn.add %x, %moe_out : !membrane, !membrane -> !membrane

  return %s, %index, %gate, %slot, %buf, %expert_out, %moe_out, %y
    : !spikes, !route_i, !route_f, !route_i, !buf_spikes, !buf_out, !membrane, !membrane
}
