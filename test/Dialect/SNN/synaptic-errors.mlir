// RUN: snn-opt %s -split-input-file -verify-diagnostics

// Verifier errors of snn.linear, snn.conv2d and snn.batch_norm.

//===----------------------------------------------------------------------===//
// snn.linear
//===----------------------------------------------------------------------===//

func.func @linear_rank0(%x: tensor<f32>, %w: tensor<4x1xf32>) {
  // expected-error @+1 {{'snn.linear' op input must have rank >= 1}}
  %0 = snn.linear %x, %w : (tensor<f32>, tensor<4x1xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<2x8xf32>, %w: tensor<4x8x1xf32>) {
  // expected-error @+1 {{'snn.linear' op weight must be [out_features, in_features], got rank 3}}
  %0 = snn.linear %x, %w : (tensor<2x8xf32>, tensor<4x8x1xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_features(%x: tensor<2x8xf32>, %w: tensor<4x6xf32>) {
  // expected-error @+1 {{'snn.linear' op input has 8 features but the weight expects 6}}
  %0 = snn.linear %x, %w : (tensor<2x8xf32>, tensor<4x6xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_bias_len(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{'snn.linear' op bias has shape [5], expected [4]}}
  %0 = snn.linear %x, %w, %b : (tensor<2x8xf32>, tensor<4x8xf32>, tensor<5xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_bias_rank(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>, %b: tensor<1x4xf32>) {
  // expected-error @+1 {{'snn.linear' op bias has shape [1, 4], expected [4]}}
  %0 = snn.linear %x, %w, %b : (tensor<2x8xf32>, tensor<4x8xf32>, tensor<1x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_result_shape(%x: tensor<3x2x8xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{'snn.linear' op result has shape [3, 4], expected [3, 2, 4]}}
  %0 = snn.linear %x, %w : (tensor<3x2x8xf32>, tensor<4x8xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @linear_result_features(%x: tensor<2x8x!snn.spike>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{'snn.linear' op result has shape [2, 8], expected [2, 4]}}
  %0 = snn.linear %x, %w : (tensor<2x8x!snn.spike>, tensor<4x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @linear_fixed_input_f32_weight(%x: tensor<2x8x!snn.fixed<8, 4>>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{'snn.linear' op fixed-point input '!snn.fixed<8, 4>' needs fixed-point weights (the op is in the f32 domain because the weight is f32)}}
  %0 = snn.linear %x, %w : (tensor<2x8x!snn.fixed<8, 4>>, tensor<4x8xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_f32_weight_fixed_bias(%x: tensor<2x8x!snn.spike>, %w: tensor<4x8xf32>,
                                        %b: tensor<4x!snn.fixed<16, 0>>) {
  // expected-error @+1 {{'snn.linear' op f32 weights need an f32 bias, got '!snn.fixed<16, 0>'}}
  %0 = snn.linear %x, %w, %b : (tensor<2x8x!snn.spike>, tensor<4x8xf32>, tensor<4x!snn.fixed<16, 0>>) -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_f32_weight_fixed_result(%x: tensor<2x8x!snn.spike>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{'snn.linear' op f32 weights produce an f32 result, got '!snn.fixed<16, 0>'}}
  %0 = snn.linear %x, %w : (tensor<2x8x!snn.spike>, tensor<4x8xf32>) -> tensor<2x4x!snn.fixed<16, 0>>
  return
}

// -----

func.func @linear_fixed_weight_f32_input(%x: tensor<2x8xf32>, %w: tensor<4x8x!snn.fixed<8, 7>>) {
  // expected-error @+1 {{'snn.linear' op fixed-point weights '!snn.fixed<8, 7>' need a spike, count or fixed-point input, got f32; insert snn.quantize}}
  %0 = snn.linear %x, %w : (tensor<2x8xf32>, tensor<4x8x!snn.fixed<8, 7>>) -> tensor<2x4x!snn.fixed<16, 7>>
  return
}

// -----

func.func @linear_fixed_result_frac(%x: tensor<2x8x!snn.fixed<8, 4>>, %w: tensor<4x8x!snn.fixed<8, 7>>) {
  // expected-error @+1 {{'snn.linear' op result must be !snn.fixed<W, 11> (input fraction + weight fraction), got '!snn.fixed<32, 7>'}}
  %0 = snn.linear %x, %w : (tensor<2x8x!snn.fixed<8, 4>>, tensor<4x8x!snn.fixed<8, 7>>) -> tensor<2x4x!snn.fixed<32, 7>>
  return
}

// -----

func.func @linear_fixed_result_f32(%x: tensor<2x8x!snn.spike>, %w: tensor<4x8x!snn.fixed<8, 7>>) {
  // expected-error @+1 {{'snn.linear' op result must be !snn.fixed<W, 7> (input fraction + weight fraction), got 'f32'}}
  %0 = snn.linear %x, %w : (tensor<2x8x!snn.spike>, tensor<4x8x!snn.fixed<8, 7>>) -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_fixed_bias_frac(%x: tensor<2x8x!snn.count<3>>, %w: tensor<4x8x!snn.fixed<8, 7>>,
                                  %b: tensor<4x!snn.fixed<16, 0>>) {
  // expected-error @+1 {{'snn.linear' op bias must be !snn.fixed<W, 7> to add to the accumulator, got '!snn.fixed<16, 0>'}}
  %0 = snn.linear %x, %w, %b : (tensor<2x8x!snn.count<3>>, tensor<4x8x!snn.fixed<8, 7>>, tensor<4x!snn.fixed<16, 0>>) -> tensor<2x4x!snn.fixed<16, 7>>
  return
}

// -----

func.func @linear_fixed_bias_f32(%x: tensor<2x8x!snn.spike>, %w: tensor<4x8x!snn.fixed<8, 7>>,
                                 %b: tensor<4xf32>) {
  // expected-error @+1 {{'snn.linear' op bias must be !snn.fixed<W, 7> to add to the accumulator, got 'f32'}}
  %0 = snn.linear %x, %w, %b : (tensor<2x8x!snn.spike>, tensor<4x8x!snn.fixed<8, 7>>, tensor<4xf32>) -> tensor<2x4x!snn.fixed<16, 7>>
  return
}

// -----

func.func @linear_count_weight(%x: tensor<2x8x!snn.spike>, %w: tensor<4x8x!snn.count<1>>) {
  // expected-error @+1 {{'snn.linear' op operand #1 must be ranked tensor of 32-bit float or signed two's-complement fixed-point number values, but got 'tensor<4x8x!snn.count<1>>'}}
  %0 = snn.linear %x, %w : (tensor<2x8x!snn.spike>, tensor<4x8x!snn.count<1>>) -> tensor<2x4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// snn.conv2d
//===----------------------------------------------------------------------===//

func.func @conv_input_rank(%x: tensor<8x8xf32>, %w: tensor<4x1x3x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op input must be [..., C, H, W], got rank 2}}
  %0 = snn.conv2d %x, %w : (tensor<8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<4x6x6xf32>
  return
}

// -----

func.func @conv_weight_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op weight must be [O, C/groups, KH, KW], got rank 3}}
  %0 = snn.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_strides_size(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op kernel, strides and dilation must have 2 values (h, w)}}
  %0 = snn.conv2d %x, %w {strides = array<i64: 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_dilation_size(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op kernel, strides and dilation must have 2 values (h, w)}}
  %0 = snn.conv2d %x, %w {dilation = array<i64: 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_pad_size(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op pad must have 4 values [top, left, bottom, right], got 2}}
  %0 = snn.conv2d %x, %w {pad = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_zero_stride(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op kernel, strides and dilation must be positive}}
  %0 = snn.conv2d %x, %w {strides = array<i64: 1, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_zero_dilation(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op kernel, strides and dilation must be positive}}
  %0 = snn.conv2d %x, %w {dilation = array<i64: 0, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_empty_kernel(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x0x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op kernel, strides and dilation must be positive}}
  %0 = snn.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x0x3xf32>) -> tensor<1x4x9x6xf32>
  return
}

// -----

func.func @conv_negative_pad(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op pad must be non-negative, got -1}}
  %0 = snn.conv2d %x, %w {pad = array<i64: 0, 0, -1, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x5x6xf32>
  return
}

// -----

func.func @conv_groups_zero(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op groups must be positive, got 0}}
  %0 = snn.conv2d %x, %w {groups = 0 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_groups_input_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x1x3x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op input channels 3 are not divisible by groups 2}}
  %0 = snn.conv2d %x, %w {groups = 2 : i64} : (tensor<1x3x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_groups_output_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<6x1x3x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op output channels 6 are not divisible by groups 4}}
  %0 = snn.conv2d %x, %w {groups = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<6x1x3x3xf32>) -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @conv_weight_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<4x1x3x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op weight expects 2 input channels (1 x 2 groups), input has 4}}
  %0 = snn.conv2d %x, %w {groups = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_bias_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op bias has shape [3], expected [4]}}
  %0 = snn.conv2d %x, %w, %b : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

// A 3x3 kernel with dilation 4 spans 9 pixels, more than the 8 of the input.
func.func @conv_kernel_too_big(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op kernel [3, 3] with dilation [4, 1] does not fit the padded input [8, 8]}}
  %0 = snn.conv2d %x, %w {dilation = array<i64: 4, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x6xf32>
  return
}

// -----

func.func @conv_result_shape(%x: tensor<2x1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op result has shape [2, 1, 4, 8, 8], expected [2, 1, 4, 6, 6]}}
  %0 = snn.conv2d %x, %w : (tensor<2x1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<2x1x4x8x8xf32>
  return
}

// -----

func.func @conv_result_strided(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op result has shape [1, 4, 4, 4], expected [1, 4, 3, 3]}}
  %0 = snn.conv2d %x, %w {strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

func.func @conv_fixed_input_f32_weight(%x: tensor<1x3x8x8x!snn.fixed<8, 0>>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op fixed-point input '!snn.fixed<8, 0>' needs fixed-point weights}}
  %0 = snn.conv2d %x, %w : (tensor<1x3x8x8x!snn.fixed<8, 0>>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_fixed_result_frac(%x: tensor<1x3x8x8x!snn.spike>, %w: tensor<4x3x3x3x!snn.fixed<8, 6>>) {
  // expected-error @+1 {{'snn.conv2d' op result must be !snn.fixed<W, 6> (input fraction + weight fraction), got '!snn.fixed<16, 7>'}}
  %0 = snn.conv2d %x, %w : (tensor<1x3x8x8x!snn.spike>, tensor<4x3x3x3x!snn.fixed<8, 6>>) -> tensor<1x4x6x6x!snn.fixed<16, 7>>
  return
}

// -----

func.func @conv_f32_weight_count_result(%x: tensor<1x3x8x8x!snn.spike>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'snn.conv2d' op f32 weights produce an f32 result, got '!snn.count<27>'}}
  %0 = snn.conv2d %x, %w : (tensor<1x3x8x8x!snn.spike>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6x!snn.count<27>>
  return
}

// -----

//===----------------------------------------------------------------------===//
// snn.batch_norm
//===----------------------------------------------------------------------===//

func.func @bn_channel_dim_range(%x: tensor<2x4xf32>, %p: tensor<4xf32>) {
  // expected-error @+1 {{'snn.batch_norm' op channel_dim 2 is out of range for rank 2}}
  %0 = snn.batch_norm %x, %p, %p, %p, %p {channel_dim = 2 : i64} : tensor<2x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @bn_channel_dim_negative(%x: tensor<2x4xf32>, %p: tensor<4xf32>) {
  // expected-error @+1 {{'snn.batch_norm' op channel_dim -1 is out of range for rank 2}}
  %0 = snn.batch_norm %x, %p, %p, %p, %p {channel_dim = -1 : i64} : tensor<2x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @bn_channels(%x: tensor<2x4xf32>, %p: tensor<4xf32>) {
  // expected-error @+1 {{'snn.batch_norm' op parameters have 4 channels but input dimension 0 has 2}}
  %0 = snn.batch_norm %x, %p, %p, %p, %p {channel_dim = 0 : i64} : tensor<2x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @bn_negative_epsilon(%x: tensor<2x4xf32>, %p: tensor<4xf32>) {
  // expected-error @+1 {{'snn.batch_norm' op epsilon must be non-negative}}
  %0 = snn.batch_norm %x, %p, %p, %p, %p {channel_dim = 1 : i64, epsilon = -1.0e-5} : tensor<2x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @bn_nan_epsilon(%x: tensor<2x4xf32>, %p: tensor<4xf32>) {
  // expected-error @+1 {{'snn.batch_norm' op epsilon must be non-negative}}
  %0 = snn.batch_norm %x, %p, %p, %p, %p {channel_dim = 1 : i64, epsilon = 0x7FF8000000000000 : f64} : tensor<2x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @bn_missing_channel_dim(%x: tensor<2x4xf32>, %p: tensor<4xf32>) {
  // expected-error @+1 {{'snn.batch_norm' op requires attribute 'channel_dim'}}
  %0 = snn.batch_norm %x, %p, %p, %p, %p : tensor<2x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @bn_param_types(%x: tensor<2x4xf32>, %p: tensor<4xf32>, %q: tensor<?xf32>) {
  // expected-error @+1 {{'snn.batch_norm' op failed to verify that all of {scale, offset, mean, variance} have same type}}
  %0 = "snn.batch_norm"(%x, %p, %p, %q, %p) {channel_dim = 1 : i64}
         : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<?xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @bn_result_type(%x: tensor<2x4xf32>, %p: tensor<4xf32>) {
  // expected-error @+1 {{'snn.batch_norm' op failed to verify that all of {input, output} have same type}}
  %0 = "snn.batch_norm"(%x, %p, %p, %p, %p) {channel_dim = 1 : i64}
         : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @bn_spike_input(%x: tensor<2x4x!snn.spike>, %p: tensor<4xf32>) {
  // expected-error @+1 {{'snn.batch_norm' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<2x4x!snn.spike>'}}
  %0 = snn.batch_norm %x, %p, %p, %p, %p {channel_dim = 1 : i64} : tensor<2x4x!snn.spike>, tensor<4xf32>
  return
}

// -----

func.func @conv_dynamic_weight(%x: tensor<1x6x8x8xf32>, %w: tensor<?x2x3x3xf32>) -> tensor<1x6x6x6xf32> {
  // expected-error @+1 {{weight must have a static shape, got [?, 2, 3, 3]}}
  %0 = snn.conv2d %x, %w {groups = 3 : i64} : (tensor<1x6x8x8xf32>, tensor<?x2x3x3xf32>) -> tensor<1x6x6x6xf32>
  return %0 : tensor<1x6x6x6xf32>
}

// -----

// Window arithmetic that would overflow 64 bits is a clean error.
func.func @conv_huge_dilation(%x: tensor<1x1x8x8xf32>, %w: tensor<1x1x3x3xf32>) {
  // expected-error @+1 {{does not fit the padded input}}
  %0 = snn.conv2d %x, %w {dilation = array<i64: 4611686018427387904, 1>}
      : (tensor<1x1x8x8xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x1x6xf32>
  return
}

// -----

func.func @dequantize_channels(%a: tensor<2x3x!snn.fixed<32, 0>>, %s: tensor<2xf32>) {
  // expected-error @+1 {{'snn.dequantize' op scale has 2 channels but input dimension 1 has 3}}
  %0 = snn.dequantize %a, %s {channel_dim = 1 : i64}
         : tensor<2x3x!snn.fixed<32, 0>>, tensor<2xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @dequantize_dim(%a: tensor<2x3x!snn.fixed<32, 0>>, %s: tensor<3xf32>) {
  // expected-error @+1 {{'snn.dequantize' op channel_dim 2 is out of range for rank 2}}
  %0 = snn.dequantize %a, %s {channel_dim = 2 : i64}
         : tensor<2x3x!snn.fixed<32, 0>>, tensor<3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @dequantize_bias(%a: tensor<2x3x!snn.fixed<32, 0>>, %s: tensor<3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{'snn.dequantize' op bias type 'tensor<2xf32>' differs from the scale type 'tensor<3xf32>'}}
  %0 = snn.dequantize %a, %s, %b {channel_dim = 1 : i64}
         : tensor<2x3x!snn.fixed<32, 0>>, tensor<3xf32>, tensor<2xf32> -> tensor<2x3xf32>
  return
}
