// RUN: snn-opt %s -split-input-file -verify-diagnostics

// Verifier errors of snn.lif and snn.if.

func.func @lif_rank1(%x: tensor<8xf32>) -> tensor<8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op expects a time-major input [T, ...] of rank >= 2, got rank 1}}
  %0 = snn.lif %x : tensor<8xf32> -> tensor<8x!snn.spike>
  return %0 : tensor<8x!snn.spike>
}

// -----

func.func @if_rank0(%x: tensor<f32>) -> tensor<!snn.spike> {
  // expected-error @+1 {{'snn.if' op expects a time-major input [T, ...] of rank >= 2, got rank 0}}
  %0 = snn.if %x : tensor<f32> -> tensor<!snn.spike>
  return %0 : tensor<!snn.spike>
}

// -----

func.func @lif_result_shape(%x: tensor<4x8xf32>) -> tensor<4x9x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op result has shape [4, 9], expected [4, 8]}}
  %0 = snn.lif %x : tensor<4x8xf32> -> tensor<4x9x!snn.spike>
  return %0 : tensor<4x9x!snn.spike>
}

// -----

func.func @if_result_rank(%x: tensor<4x8xf32>) -> tensor<4x8x1x!snn.spike> {
  // expected-error @+1 {{'snn.if' op result has shape [4, 8, 1], expected [4, 8]}}
  %0 = snn.if %x : tensor<4x8xf32> -> tensor<4x8x1x!snn.spike>
  return %0 : tensor<4x8x1x!snn.spike>
}

// -----

func.func @lif_result_not_spike(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'snn.lif' op result #0 must be ranked tensor of binary spike (0 or 1) values, but got 'tensor<4x8xf32>'}}
  %0 = snn.lif %x : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @lif_tau_below_one(%x: tensor<4x8xf32>) -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op tau must be finite and >= 1, got 5.000000e-01}}
  %0 = snn.lif %x {tau = 0.5} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

func.func @lif_tau_nan(%x: tensor<4x8xf32>) -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op tau must be finite and >= 1, got nan}}
  %0 = snn.lif %x {tau = 0x7FF8000000000000 : f64}
         : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

func.func @lif_tau_f32(%x: tensor<4x8xf32>) -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op attribute 'tau' failed to satisfy constraint: 64-bit float attribute}}
  %0 = snn.lif %x {tau = 2.0 : f32} : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

func.func @lif_threshold_inf(%x: tensor<4x8xf32>) -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op v_threshold, v_reset and v_init must be finite}}
  %0 = snn.lif %x {v_threshold = 0x7FF0000000000000 : f64}
         : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

func.func @lif_reset_nan(%x: tensor<4x8xf32>) -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op v_threshold, v_reset and v_init must be finite}}
  %0 = snn.lif %x {v_reset = 0x7FF8000000000000 : f64}
         : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

func.func @if_init_neg_inf(%x: tensor<4x8xf32>) -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.if' op v_threshold, v_reset and v_init must be finite}}
  %0 = snn.if %x {v_init = 0xFFF0000000000000 : f64}
         : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

func.func @lif_channel_without_dim(%x: tensor<4x2x8xf32>, %th: tensor<8xf32>)
    -> tensor<4x2x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op per-channel parameters need a 'channel_dim' attribute}}
  %0 = snn.lif %x channel_threshold(%th : tensor<8xf32>)
         : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  return %0 : tensor<4x2x8x!snn.spike>
}

// -----

func.func @if_reset_without_dim(%x: tensor<4x2x8xf32>, %vr: tensor<8xf32>)
    -> tensor<4x2x8x!snn.spike> {
  // expected-error @+1 {{'snn.if' op per-channel parameters need a 'channel_dim' attribute}}
  %0 = snn.if %x channel_reset(%vr : tensor<8xf32>)
         : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  return %0 : tensor<4x2x8x!snn.spike>
}

// -----

func.func @lif_channel_dim_time(%x: tensor<4x2x8xf32>, %th: tensor<4xf32>)
    -> tensor<4x2x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op channel_dim 0 must be in [1, 3) (dimension 0 is time)}}
  %0 = snn.lif %x channel_threshold(%th : tensor<4xf32>) {channel_dim = 0 : i64}
         : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  return %0 : tensor<4x2x8x!snn.spike>
}

// -----

func.func @lif_channel_dim_past_rank(%x: tensor<4x2x8xf32>)
    -> tensor<4x2x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op channel_dim 3 must be in [1, 3) (dimension 0 is time)}}
  %0 = snn.lif %x {channel_dim = 3 : i64}
         : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  return %0 : tensor<4x2x8x!snn.spike>
}

// -----

func.func @if_channel_dim_negative(%x: tensor<4x2x8xf32>)
    -> tensor<4x2x8x!snn.spike> {
  // expected-error @+1 {{'snn.if' op channel_dim -1 must be in [1, 3) (dimension 0 is time)}}
  %0 = snn.if %x {channel_dim = -1 : i64}
         : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  return %0 : tensor<4x2x8x!snn.spike>
}

// -----

func.func @lif_channel_threshold_len(%x: tensor<4x2x8xf32>, %th: tensor<7xf32>)
    -> tensor<4x2x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op channel_threshold has 7 values but input dimension 2 has 8 channels}}
  %0 = snn.lif %x channel_threshold(%th : tensor<7xf32>) {channel_dim = 2 : i64}
         : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  return %0 : tensor<4x2x8x!snn.spike>
}

// -----

func.func @lif_channel_reset_len(%x: tensor<4x2x8xf32>, %vr: tensor<8xf32>)
    -> tensor<4x2x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op channel_reset has 8 values but input dimension 1 has 2 channels}}
  %0 = snn.lif %x channel_reset(%vr : tensor<8xf32>) {channel_dim = 1 : i64}
         : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  return %0 : tensor<4x2x8x!snn.spike>
}

// -----

func.func @lif_channel_tau_len(%x: tensor<4x2x8xf32>, %th: tensor<8xf32>,
                               %tau: tensor<3xf32>) -> tensor<4x2x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op channel_tau has 3 values but input dimension 2 has 8 channels}}
  %0 = snn.lif %x channel_threshold(%th : tensor<8xf32>)
                  channel_tau(%tau : tensor<3xf32>) {channel_dim = 2 : i64}
         : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  return %0 : tensor<4x2x8x!snn.spike>
}

// -----

func.func @if_channel_threshold_len(%x: tensor<4x2x8xf32>, %th: tensor<4xf32>)
    -> tensor<4x2x8x!snn.spike> {
  // expected-error @+1 {{'snn.if' op channel_threshold has 4 values but input dimension 2 has 8 channels}}
  %0 = snn.if %x channel_threshold(%th : tensor<4xf32>) {channel_dim = 2 : i64}
         : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  return %0 : tensor<4x2x8x!snn.spike>
}

// -----

func.func @lif_channel_param_rank(%x: tensor<4x2x8xf32>, %th: tensor<2x8xf32>)
    -> tensor<4x2x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op operand #1 must be 1D tensor of 32-bit float values}}
  %0 = snn.lif %x channel_threshold(%th : tensor<2x8xf32>) {channel_dim = 2 : i64}
         : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  return %0 : tensor<4x2x8x!snn.spike>
}

// -----

func.func @if_channel_tau(%x: tensor<4x2x8xf32>, %tau: tensor<8xf32>)
    -> tensor<4x2x8x!snn.spike> {
  // expected-error @+1 {{'snn.if' op an IF neuron has no leak; 'channel_tau' is not allowed (use snn.lif)}}
  %0 = snn.if %x channel_tau(%tau : tensor<8xf32>) {channel_dim = 2 : i64}
         : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  return %0 : tensor<4x2x8x!snn.spike>
}

// -----

func.func @lif_fixed_without_membrane(%x: tensor<4x8x!snn.fixed<16, 8>>)
    -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op fixed-point input '!snn.fixed<16, 8>' needs a 'membrane_type' attribute}}
  %0 = snn.lif %x : tensor<4x8x!snn.fixed<16, 8>> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

func.func @if_fixed_without_membrane(%x: tensor<4x8x!snn.fixed<8, 0>>)
    -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.if' op fixed-point input '!snn.fixed<8, 0>' needs a 'membrane_type' attribute}}
  %0 = snn.if %x : tensor<4x8x!snn.fixed<8, 0>> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

func.func @lif_f32_fixed_membrane(%x: tensor<4x8xf32>) -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op f32 input cannot drive a fixed-point membrane '!snn.fixed<16, 8>'; insert snn.quantize first}}
  %0 = snn.lif %x {membrane_type = !snn.fixed<16, 8>}
         : tensor<4x8xf32> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

func.func @lif_membrane_frac(%x: tensor<4x8x!snn.fixed<16, 4>>)
    -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op input '!snn.fixed<16, 4>' and membrane '!snn.fixed<16, 8>' have different fractional bits (4 vs 8); insert snn.requantize}}
  %0 = snn.lif %x {membrane_type = !snn.fixed<16, 8>}
         : tensor<4x8x!snn.fixed<16, 4>> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

func.func @if_membrane_frac(%x: tensor<4x8x!snn.fixed<8, 0>>)
    -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.if' op input '!snn.fixed<8, 0>' and membrane '!snn.fixed<8, -1>' have different fractional bits (0 vs -1)}}
  %0 = snn.if %x {membrane_type = !snn.fixed<8, -1>, v_threshold = 2.0}
         : tensor<4x8x!snn.fixed<8, 0>> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

func.func @lif_membrane_not_fixed(%x: tensor<4x8x!snn.spike>)
    -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op attribute 'membrane_type' failed to satisfy constraint: type attribute of signed two's-complement fixed-point number}}
  %0 = snn.lif %x {membrane_type = i16}
         : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// 0.3 is not a multiple of the LSB 2^-8.
func.func @lif_threshold_not_representable(%x: tensor<4x8x!snn.spike>)
    -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op v_threshold = 3.000000e-01 is not representable in membrane type '!snn.fixed<16, 8>' (LSB 3.906250e-03, range [-1.280000e+02, 1.279961e+02])}}
  %0 = snn.lif %x {membrane_type = !snn.fixed<16, 8>, v_threshold = 0.3}
         : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// The default threshold 1.0 is above the range [-1, 0.875] of fixed<4, 3>.
func.func @lif_default_threshold_out_of_range(%x: tensor<4x8x!snn.spike>)
    -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op v_threshold = 1.000000e+00 is not representable in membrane type '!snn.fixed<4, 3>' (LSB 1.250000e-01, range [-1.000000e+00, 8.750000e-01])}}
  %0 = snn.lif %x {membrane_type = !snn.fixed<4, 3>}
         : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

// With a negative fraction the LSB is 2: an odd threshold does not fit.
func.func @if_threshold_negative_frac(%x: tensor<4x8x!snn.count<3>>)
    -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.if' op v_threshold = 3.000000e+00 is not representable in membrane type '!snn.fixed<8, -1>' (LSB 2.000000e+00, range [-2.560000e+02, 2.540000e+02])}}
  %0 = snn.if %x {membrane_type = !snn.fixed<8, -1>, v_threshold = 3.0}
         : tensor<4x8x!snn.count<3>> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

func.func @lif_reset_not_representable(%x: tensor<4x8x!snn.spike>)
    -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op v_reset = -2.000000e+02 is not representable in membrane type '!snn.fixed<16, 8>'}}
  %0 = snn.lif %x {membrane_type = !snn.fixed<16, 8>, v_reset = -200.0}
         : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

func.func @if_init_not_representable(%x: tensor<4x8x!snn.spike>)
    -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.if' op v_init = 5.000000e-01 is not representable in membrane type '!snn.fixed<8, 0>' (LSB 1.000000e+00, range [-1.280000e+02, 1.270000e+02])}}
  %0 = snn.if %x {membrane_type = !snn.fixed<8, 0>, v_init = 0.5}
         : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

func.func @lif_input_unranked(%x: tensor<*xf32>) -> tensor<4x8x!snn.spike> {
  // expected-error @+1 {{'snn.lif' op operand #0 must be ranked tensor of 32-bit float or binary spike (0 or 1) or small unsigned spike count in 0..max or signed two's-complement fixed-point number values, but got 'tensor<*xf32>'}}
  %0 = "snn.lif"(%x) {operandSegmentSizes = array<i32: 1, 0, 0, 0>}
         : (tensor<*xf32>) -> tensor<4x8x!snn.spike>
  return %0 : tensor<4x8x!snn.spike>
}

// -----

func.func @lif_spikes_into_negative_frac(%s: tensor<4x8x!snn.spike>) {
  // expected-error @+1 {{'snn.lif' op spike/count input needs a membrane with non-negative fractional bits to hold integers, got '!snn.fixed<8, -1>'}}
  %0 = snn.lif %s {membrane_type = !snn.fixed<8, -1>, v_threshold = 4.0}
      : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return
}
