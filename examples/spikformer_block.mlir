// One Spikformer encoder block (CIFAR code: SSA + MLP with spike shortcuts),
// written by hand with the snn ops. It is the program for the end-to-end
// test spikformer_block.test: gen_reference.py writes every argument as
// <snn.name>.npy and every result as <snn.name>.ref.npy from an independent
// PyTorch model (python/spikestack/reference.py), snn-run interprets this
// file, compare.py checks the results.
//
// Sizes: T = 4 time steps, B = 2, N = 16 tokens, C = 64 channels,
// 4 heads of d = 16, MLP hidden 4C = 256.
//
// PyTorch (Spikformer) this expresses, with x : [T, B, N, C]:
//   q, k, v = LIF(BN(Linear(x)))            (BN on [T*B, C, N] between transposes)
//   attn    = LIF_vth0.5(((q_h @ k_h^T) * 0.125) @ v_h), heads concatenated
//   x1      = x + LIF(BN(Linear(attn)))     (spike shortcut: counts)
//   y       = x1 + LIF(BN(Linear(LIF(BN(Linear(x1))))))
//   readout = y.mean(2).mean(0)             (Spikformer's classifier input)
// Every LIF is SpikingJelly's MultiStepLIFNode: tau 2, v_threshold 1 (0.5
// for the attention neuron), hard reset to 0, decay_input, fire on >=.
//
// Numerics: all weights and biases are multiples of 2^-6 with |w| < 4 and
// every linear input is a spike count, so every snn.linear result is exact
// in f32 and independent of the summation order. Everything else is fixed
// by the op descriptions, so the spike and count results must match the
// reference bit for bit; the f32 results (q_bn, readout) are compared with
// rtol 1e-5 (they are exact too, if snn.batch_norm uses the fmaf formula).
//
// Arguments, in order (snn.name):
//   x                                       !snn.count<2> [4, 2, 16, 64]
//   {q,k,v,proj}_weight [64, 64]  _bias [64]
//   {q,k,v,proj}_bn_{weight,bias,mean,var} [64]
//   fc1_weight [256, 64]  fc1_bias [256]  fc1_bn_{weight,bias,mean,var} [256]
//   fc2_weight [64, 256]  fc2_bias [64]   fc2_bn_{weight,bias,mean,var} [64]
// Results, in order (snn.name):
//   q_bn (f32, the input of q's LIF), the spikes q, k, v, attn, proj,
//   x1 (count<3>), the spikes fc1 [4, 2, 16, 256] and fc2, y (count<4>),
//   readout (f32 [2, 64]).


!counts2 = tensor<4x2x16x64x!snn.count<2>>  // block input: SPS stem spikes + RPE spikes
!counts3 = tensor<4x2x16x64x!snn.count<3>>  // after the attention shortcut
!counts4 = tensor<4x2x16x64x!snn.count<4>>  // after the MLP shortcut
!membrane = tensor<4x2x16x64xf32>           // synaptic current / BN output
!spikes = tensor<4x2x16x64x!snn.spike>
!membrane_h = tensor<4x2x16x256xf32>        // MLP hidden layer
!spikes_h = tensor<4x2x16x256x!snn.spike>
!w_cc = tensor<64x64xf32>                   // Linear weight [out, in] (PyTorch layout)
!w_hc = tensor<256x64xf32>
!w_ch = tensor<64x256xf32>
!chan = tensor<64xf32>                      // per-channel bias / BN parameter
!chan_h = tensor<256xf32>

func.func @main(
    %x: !counts2 {snn.name = "x"},
    // SSA: q, k, v and output projection (Linear + BatchNorm1d each).
    %q_w: !w_cc {snn.name = "q_weight"}, %q_b: !chan {snn.name = "q_bias"},
    %q_g: !chan {snn.name = "q_bn_weight"}, %q_beta: !chan {snn.name = "q_bn_bias"},
    %q_mean: !chan {snn.name = "q_bn_mean"}, %q_var: !chan {snn.name = "q_bn_var"},
    %k_w: !w_cc {snn.name = "k_weight"}, %k_b: !chan {snn.name = "k_bias"},
    %k_g: !chan {snn.name = "k_bn_weight"}, %k_beta: !chan {snn.name = "k_bn_bias"},
    %k_mean: !chan {snn.name = "k_bn_mean"}, %k_var: !chan {snn.name = "k_bn_var"},
    %v_w: !w_cc {snn.name = "v_weight"}, %v_b: !chan {snn.name = "v_bias"},
    %v_g: !chan {snn.name = "v_bn_weight"}, %v_beta: !chan {snn.name = "v_bn_bias"},
    %v_mean: !chan {snn.name = "v_bn_mean"}, %v_var: !chan {snn.name = "v_bn_var"},
    %p_w: !w_cc {snn.name = "proj_weight"}, %p_b: !chan {snn.name = "proj_bias"},
    %p_g: !chan {snn.name = "proj_bn_weight"}, %p_beta: !chan {snn.name = "proj_bn_bias"},
    %p_mean: !chan {snn.name = "proj_bn_mean"}, %p_var: !chan {snn.name = "proj_bn_var"},
    // MLP: fc1 (C -> 4C) and fc2 (4C -> C).
    %f1_w: !w_hc {snn.name = "fc1_weight"}, %f1_b: !chan_h {snn.name = "fc1_bias"},
    %f1_g: !chan_h {snn.name = "fc1_bn_weight"}, %f1_beta: !chan_h {snn.name = "fc1_bn_bias"},
    %f1_mean: !chan_h {snn.name = "fc1_bn_mean"}, %f1_var: !chan_h {snn.name = "fc1_bn_var"},
    %f2_w: !w_ch {snn.name = "fc2_weight"}, %f2_b: !chan {snn.name = "fc2_bias"},
    %f2_g: !chan {snn.name = "fc2_bn_weight"}, %f2_beta: !chan {snn.name = "fc2_bn_bias"},
    %f2_mean: !chan {snn.name = "fc2_bn_mean"}, %f2_var: !chan {snn.name = "fc2_bn_var"})
    // Results in data-flow order: every layer's spikes for per-layer
    // agreement, then the block output and its readout.
    -> (!membrane {snn.name = "q_bn"},
        !spikes {snn.name = "q"},
        !spikes {snn.name = "k"},
        !spikes {snn.name = "v"},
        !spikes {snn.name = "attn"},
        !spikes {snn.name = "proj"},
        !counts3 {snn.name = "x1"},
        !spikes_h {snn.name = "fc1"},
        !spikes {snn.name = "fc2"},
        !counts4 {snn.name = "y"},
        tensor<2x64xf32> {snn.name = "readout"}) {

  //===--- Spiking self-attention ---------------------------------------===//
  // q = LIF(BN(Linear(x))). snn.linear acts on the last dimension, so no
  // flatten to [T*B, N, C] is needed; BatchNorm1d's channels (dimension 1
  // of [T*B, C, N] after PyTorch's transpose) are the last dimension here.
  %q_lin = snn.linear %x, %q_w, %q_b : (!counts2, !w_cc, !chan) -> !membrane
  %q_bn = snn.batch_norm %q_lin, %q_g, %q_beta, %q_mean, %q_var
            {channel_dim = 3 : i64, epsilon = 1.0e-05 : f64} : !membrane, !chan
  %q = snn.lif %q_bn {tau = 2.0 : f64, v_threshold = 1.0 : f64, v_reset = 0.0 : f64}
         : !membrane -> !spikes

  %k_lin = snn.linear %x, %k_w, %k_b : (!counts2, !w_cc, !chan) -> !membrane
  %k_bn = snn.batch_norm %k_lin, %k_g, %k_beta, %k_mean, %k_var
            {channel_dim = 3 : i64, epsilon = 1.0e-05 : f64} : !membrane, !chan
  %k = snn.lif %k_bn {tau = 2.0 : f64, v_threshold = 1.0 : f64, v_reset = 0.0 : f64}
         : !membrane -> !spikes

  %v_lin = snn.linear %x, %v_w, %v_b : (!counts2, !w_cc, !chan) -> !membrane
  %v_bn = snn.batch_norm %v_lin, %v_g, %v_beta, %v_mean, %v_var
            {channel_dim = 3 : i64, epsilon = 1.0e-05 : f64} : !membrane, !chan
  %v = snn.lif %v_bn {tau = 2.0 : f64, v_threshold = 1.0 : f64, v_reset = 0.0 : f64}
         : !membrane -> !spikes

  // Per (t, b, head h): A = Q_h K_h^T (AND + popcount), X_h = (A V_h) * 0.125,
  // heads concatenated (channel c belongs to head c / 16, as Spikformer's
  // reshape(T, B, N, heads, C / heads)), then attn_lif (v_threshold 0.5).
  %attn = snn.spiking_attention <ssa> %q, %k, %v
            {num_heads = 4 : i64, scale = 0.125 : f64,
             neuron = #snn.neuron<v_threshold = 0.5>} : !spikes

  // Output projection: proj_lif(proj_bn(proj_linear(attn))).
  %p_lin = snn.linear %attn, %p_w, %p_b : (!spikes, !w_cc, !chan) -> !membrane
  %p_bn = snn.batch_norm %p_lin, %p_g, %p_beta, %p_mean, %p_var
            {channel_dim = 3 : i64, epsilon = 1.0e-05 : f64} : !membrane, !chan
  %proj = snn.lif %p_bn {tau = 2.0 : f64, v_threshold = 1.0 : f64, v_reset = 0.0 : f64}
            : !membrane -> !spikes

  // Spike shortcut: x (0..2) + spikes (0..1) -> counts 0..3.
  %x1 = snn.add %x, %proj : !counts2, !spikes -> !counts3

  //===--- MLP -----------------------------------------------------------===//
  %h_lin = snn.linear %x1, %f1_w, %f1_b : (!counts3, !w_hc, !chan_h) -> !membrane_h
  %h_bn = snn.batch_norm %h_lin, %f1_g, %f1_beta, %f1_mean, %f1_var
            {channel_dim = 3 : i64, epsilon = 1.0e-05 : f64} : !membrane_h, !chan_h
  %fc1 = snn.lif %h_bn {tau = 2.0 : f64, v_threshold = 1.0 : f64, v_reset = 0.0 : f64}
           : !membrane_h -> !spikes_h

  %o_lin = snn.linear %fc1, %f2_w, %f2_b : (!spikes_h, !w_ch, !chan) -> !membrane
  %o_bn = snn.batch_norm %o_lin, %f2_g, %f2_beta, %f2_mean, %f2_var
            {channel_dim = 3 : i64, epsilon = 1.0e-05 : f64} : !membrane, !chan
  %fc2 = snn.lif %o_bn {tau = 2.0 : f64, v_threshold = 1.0 : f64, v_reset = 0.0 : f64}
           : !membrane -> !spikes

  // Spike shortcut: counts 0..3 + spikes -> counts 0..4.
  %y = snn.add %x1, %fc2 : !counts3, !spikes -> !counts4

  // Classifier readout: mean over the tokens (dim 2), then over time.
  %readout = snn.readout %y {token_dims = array<i64: 2>} : !counts4 -> tensor<2x64xf32>

  return %q_bn, %q, %k, %v, %attn, %proj, %x1, %fc1, %fc2, %y, %readout
    : !membrane, !spikes, !spikes, !spikes, !spikes, !spikes, !counts3, !spikes_h,
      !spikes, !counts4, tensor<2x64xf32>
}
