// RUN: snn-opt %s -split-input-file -verify-diagnostics

// Verifier errors of snn.spiking_attention.

func.func @rank3(%q: tensor<2x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op q, k, v must be [T, B, N, C], got rank 3}}
  %0 = snn.spiking_attention <ssa> %q, %q, %q {num_heads = 2 : i64, neuron = #snn.neuron<>} : tensor<2x4x8x!snn.spike>
  return
}

// -----

func.func @rank5(%q: tensor<2x1x1x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op q, k, v must be [T, B, N, C], got rank 5}}
  %0 = snn.spiking_attention <sdsa> %q, %q, %q {num_heads = 2 : i64, neuron = #snn.neuron<>} : tensor<2x1x1x4x8x!snn.spike>
  return
}

// -----

func.func @heads_divide_embedding(%q: tensor<2x1x4x10x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op embedding size 10 is not divisible by num_heads 4}}
  %0 = snn.spiking_attention <ssa> %q, %q, %q {num_heads = 4 : i64, neuron = #snn.neuron<>} : tensor<2x1x4x10x!snn.spike>
  return
}

// -----

func.func @scale_zero(%q: tensor<2x1x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op scale must be positive and finite, got 0.000000e+00}}
  %0 = snn.spiking_attention <ssa> %q, %q, %q {num_heads = 2 : i64, scale = 0.0, neuron = #snn.neuron<>} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @scale_negative(%q: tensor<2x1x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op scale must be positive and finite, got -1.250000e-01}}
  %0 = snn.spiking_attention <ssa> %q, %q, %q {num_heads = 2 : i64, scale = -0.125, neuron = #snn.neuron<>} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @scale_inf(%q: tensor<2x1x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op scale must be positive and finite, got INF}}
  %0 = snn.spiking_attention <sdsa> %q, %q, %q {num_heads = 2 : i64, scale = 0x7FF0000000000000 : f64, neuron = #snn.neuron<>} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @scale_nan(%q: tensor<2x1x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op scale must be positive and finite, got nan}}
  %0 = snn.spiking_attention <sdsa> %q, %q, %q {num_heads = 2 : i64, scale = 0x7FF8000000000000 : f64, neuron = #snn.neuron<>} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @keep_ratio_zero(%q: tensor<2x1x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op head_keep_ratio must be in (0, 1], got 0.000000e+00}}
  %0 = snn.spiking_attention <ssa> %q, %q, %q {num_heads = 2 : i64, head_keep_ratio = 0.0, neuron = #snn.neuron<>} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @keep_ratio_above_one(%q: tensor<2x1x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op head_keep_ratio must be in (0, 1], got 1.500000e+00}}
  %0 = snn.spiking_attention <sdsa> %q, %q, %q {num_heads = 2 : i64, head_keep_ratio = 1.5, neuron = #snn.neuron<>} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @keep_ratio_nan(%q: tensor<2x1x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op head_keep_ratio must be in (0, 1], got nan}}
  %0 = snn.spiking_attention <ssa> %q, %q, %q {num_heads = 2 : i64, head_keep_ratio = 0x7FF8000000000000 : f64, neuron = #snn.neuron<>} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @fixed_neuron_scale_not_pow2(%q: tensor<2x1x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op a fixed-point attention neuron ('!snn.fixed<16, 4>') needs a power-of-two scale representable in it, got 3.000000e+00}}
  %0 = snn.spiking_attention <ssa> %q, %q, %q {num_heads = 2 : i64, scale = 3.0, neuron = #snn.neuron<membrane_type = !snn.fixed<16, 4>>} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

// 2^-4 is a power of two but below the LSB 2^-2 of the membrane.
func.func @fixed_neuron_scale_below_lsb(%q: tensor<2x1x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op a fixed-point attention neuron ('!snn.fixed<8, 2>') needs a power-of-two scale representable in it, got 6.250000e-02}}
  %0 = snn.spiking_attention <sdsa> %q, %q, %q {num_heads = 2 : i64, scale = 0.0625, neuron = #snn.neuron<membrane_type = !snn.fixed<8, 2>>} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

// 2^6 = 64 is above the largest value 31.75 of fixed<8, 2>.
func.func @fixed_neuron_scale_above_range(%q: tensor<2x1x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op a fixed-point attention neuron ('!snn.fixed<8, 2>') needs a power-of-two scale representable in it, got 6.400000e+01}}
  %0 = snn.spiking_attention <ssa> %q, %q, %q {num_heads = 2 : i64, scale = 64.0, neuron = #snn.neuron<membrane_type = !snn.fixed<8, 2>>} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @q_not_spike(%q: tensor<2x1x4x8xf32>) {
  // expected-error @+1 {{'snn.spiking_attention' op operand #0 must be ranked tensor of binary spike (0 or 1) values, but got 'tensor<2x1x4x8xf32>'}}
  %0 = snn.spiking_attention <ssa> %q, %q, %q {num_heads = 2 : i64, neuron = #snn.neuron<>} : tensor<2x1x4x8xf32>
  return
}

// -----

func.func @v_not_spike(%q: tensor<2x1x4x8x!snn.spike>, %v: tensor<2x1x4x8x!snn.count<2>>) {
  // expected-error @+1 {{'snn.spiking_attention' op operand #2 must be ranked tensor of binary spike (0 or 1) values, but got 'tensor<2x1x4x8x!snn.count<2>>'}}
  %0 = "snn.spiking_attention"(%q, %q, %v) {variant = #snn.attention<ssa>, num_heads = 2 : i64, neuron = #snn.neuron<>}
         : (tensor<2x1x4x8x!snn.spike>, tensor<2x1x4x8x!snn.spike>, tensor<2x1x4x8x!snn.count<2>>) -> tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @k_shape_mismatch(%q: tensor<2x1x4x8x!snn.spike>, %k: tensor<2x1x5x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op failed to verify that all of {q, k, v, output} have same type}}
  %0 = "snn.spiking_attention"(%q, %k, %q) {variant = #snn.attention<ssa>, num_heads = 2 : i64, neuron = #snn.neuron<>}
         : (tensor<2x1x4x8x!snn.spike>, tensor<2x1x5x8x!snn.spike>, tensor<2x1x4x8x!snn.spike>) -> tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @num_heads_zero(%q: tensor<2x1x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op attribute 'num_heads' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = snn.spiking_attention <ssa> %q, %q, %q {num_heads = 0 : i64, neuron = #snn.neuron<>} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @num_heads_negative(%q: tensor<2x1x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op attribute 'num_heads' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = snn.spiking_attention <sdsa> %q, %q, %q {num_heads = -2 : i64, neuron = #snn.neuron<>} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @missing_neuron(%q: tensor<2x1x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op requires attribute 'neuron'}}
  %0 = snn.spiking_attention <ssa> %q, %q, %q {num_heads = 2 : i64} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @missing_num_heads(%q: tensor<2x1x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op requires attribute 'num_heads'}}
  %0 = snn.spiking_attention <ssa> %q, %q, %q {neuron = #snn.neuron<>} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @neuron_wrong_attr(%q: tensor<2x1x4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.spiking_attention' op attribute 'neuron' failed to satisfy constraint: scalar parameters of an embedded LIF/IF neuron}}
  %0 = snn.spiking_attention <ssa> %q, %q, %q {num_heads = 2 : i64, neuron = 0.5 : f64} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @unknown_variant(%q: tensor<2x1x4x8x!snn.spike>) {
  // expected-error @+2 {{expected ::spikestack::snn::AttentionVariant to be one of: ssa, sdsa}}
  // expected-error @+1 {{failed to parse SNN_AttentionVariantAttr parameter 'value'}}
  %0 = snn.spiking_attention <qkv> %q, %q, %q {num_heads = 2 : i64, neuron = #snn.neuron<>} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @neuron_invalid(%q: tensor<2x1x4x8x!snn.spike>) {
  // expected-error @+1 {{neuron tau must be finite and >= 1, got 5.000000e-01}}
  %0 = snn.spiking_attention <ssa> %q, %q, %q {num_heads = 2 : i64, neuron = #snn.neuron<tau = 0.5>} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @head_gate_shape(%q: tensor<2x1x4x8x!snn.spike>, %g: tensor<1x4x3xf32>) {
  // expected-error @+1 {{'snn.spiking_attention' op head_gate must be [B, N, H] = [1, 4, 2], got [1, 4, 3]}}
  %0 = snn.spiking_attention <ssa> %q, %q, %q head_gate(%g : tensor<1x4x3xf32>) {num_heads = 2 : i64, neuron = #snn.neuron<>} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @head_gate_sdsa(%q: tensor<2x1x4x8x!snn.spike>, %g: tensor<1x4x2xf32>) {
  // expected-error @+1 {{'snn.spiking_attention' op head_gate is defined for ssa only}}
  %0 = snn.spiking_attention <sdsa> %q, %q, %q head_gate(%g : tensor<1x4x2xf32>) {num_heads = 2 : i64, neuron = #snn.neuron<>} : tensor<2x1x4x8x!snn.spike>
  return
}

// -----

func.func @head_gate_fixed(%q: tensor<2x1x4x8x!snn.spike>, %g: tensor<1x4x2xf32>) {
  // expected-error @+1 {{'snn.spiking_attention' op head_gate needs a float-domain attention neuron (no membrane_type)}}
  %0 = snn.spiking_attention <ssa> %q, %q, %q head_gate(%g : tensor<1x4x2xf32>) {num_heads = 2 : i64, neuron = #snn.neuron<membrane_type = !snn.fixed<16, 4>>} : tensor<2x1x4x8x!snn.spike>
  return
}
