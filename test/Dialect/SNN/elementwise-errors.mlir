// RUN: snn-opt %s -split-input-file -verify-diagnostics

// Verifier errors of snn.constant, snn.cast, snn.quantize, snn.requantize,
// snn.add, snn.scale and snn.readout.

//===----------------------------------------------------------------------===//
// snn.constant
//===----------------------------------------------------------------------===//

func.func @constant_shape() {
  // expected-error @+1 {{'snn.constant' op value has shape [3] but the result has shape [4]}}
  %0 = snn.constant dense<[1, 0, 1]> : tensor<3xi8> -> tensor<4x!snn.spike>
  return
}

// -----

func.func @constant_rank() {
  // expected-error @+1 {{'snn.constant' op value has shape [2, 2] but the result has shape [4]}}
  %0 = snn.constant dense<0> : tensor<2x2xi8> -> tensor<4x!snn.count<2>>
  return
}

// -----

func.func @constant_float_value() {
  // expected-error @+1 {{'snn.constant' op value must hold signless integers of at most 64 bits (raw values), got 'f32'}}
  %0 = snn.constant dense<1.0> : tensor<4xf32> -> tensor<4x!snn.fixed<8, 0>>
  return
}

// -----

func.func @constant_unsigned_value() {
  // expected-error @+1 {{'snn.constant' op value must hold signless integers of at most 64 bits (raw values), got 'ui8'}}
  %0 = snn.constant dense<1> : tensor<4xui8> -> tensor<4x!snn.count<2>>
  return
}

// -----

func.func @constant_spike_range() {
  // expected-error @+1 {{'snn.constant' op raw value 2 at flat index 2 is outside [0, 1] of '!snn.spike'}}
  %0 = snn.constant dense<[0, 1, 2, 1]> : tensor<4xi8> -> tensor<4x!snn.spike>
  return
}

// -----

func.func @constant_spike_negative() {
  // expected-error @+1 {{'snn.constant' op raw value -1 at flat index 0 is outside [0, 1] of '!snn.spike'}}
  %0 = snn.constant dense<-1> : tensor<4xi32> -> tensor<4x!snn.spike>
  return
}

// -----

func.func @constant_count_range() {
  // expected-error @+1 {{'snn.constant' op raw value 4 at flat index 3 is outside [0, 3] of '!snn.count<3>'}}
  %0 = snn.constant dense<[[0, 3], [1, 4]]> : tensor<2x2xi32> -> tensor<2x2x!snn.count<3>>
  return
}

// -----

func.func @constant_fixed_range_high() {
  // expected-error @+1 {{'snn.constant' op raw value 8 at flat index 1 is outside [-8, 7] of '!snn.fixed<4, 2>'}}
  %0 = snn.constant dense<[7, 8]> : tensor<2xi32> -> tensor<2x!snn.fixed<4, 2>>
  return
}

// -----

func.func @constant_fixed_range_low() {
  // expected-error @+1 {{'snn.constant' op raw value -129 at flat index 0 is outside [-128, 127] of '!snn.fixed<8, 7>'}}
  %0 = snn.constant dense<[-129, 0]> : tensor<2xi16> -> tensor<2x!snn.fixed<8, 7>>
  return
}

// -----

func.func @constant_f32_result() {
  // expected-error @+1 {{'snn.constant' op result #0 must be ranked tensor of binary spike (0 or 1) or small unsigned spike count in 0..max or signed two's-complement fixed-point number values, but got 'tensor<4xf32>'}}
  %0 = snn.constant dense<1> : tensor<4xi32> -> tensor<4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// snn.cast
//===----------------------------------------------------------------------===//

func.func @cast_count_into_small_fixed(%x: tensor<4x!snn.count<3>>) {
  // expected-error @+1 {{'snn.cast' op count bound 3 does not fit in '!snn.fixed<2, 0>'}}
  %0 = snn.cast %x : tensor<4x!snn.count<3>> -> tensor<4x!snn.fixed<2, 0>>
  return
}

// -----

// 1 needs raw 2 in fixed<2, 1>, whose range is [-2, 1].
func.func @cast_spike_into_fractional_fixed(%x: tensor<4x!snn.spike>) {
  // expected-error @+1 {{'snn.cast' op count bound 1 does not fit in '!snn.fixed<2, 1>'}}
  %0 = snn.cast %x : tensor<4x!snn.spike> -> tensor<4x!snn.fixed<2, 1>>
  return
}

// -----

// fixed<8, -1> has an LSB of 2: 1 is not a multiple of it.
func.func @cast_spike_into_coarse_fixed(%x: tensor<4x!snn.spike>) {
  // expected-error @+1 {{'snn.cast' op spike/count values are integers; '!snn.fixed<8, -1>' cannot hold them all (negative fractional bits)}}
  %0 = snn.cast %x : tensor<4x!snn.spike> -> tensor<4x!snn.fixed<8, -1>>
  return
}

// -----

func.func @cast_fixed_to_fixed(%x: tensor<4x!snn.fixed<8, 4>>) {
  // expected-error @+1 {{'snn.cast' op cannot cast '!snn.fixed<8, 4>' to '!snn.fixed<16, 4>'; use snn.quantize (f32 -> fixed) or snn.requantize (fixed -> fixed)}}
  %0 = snn.cast %x : tensor<4x!snn.fixed<8, 4>> -> tensor<4x!snn.fixed<16, 4>>
  return
}

// -----

func.func @cast_f32_to_fixed(%x: tensor<4xf32>) {
  // expected-error @+1 {{'snn.cast' op cannot cast 'f32' to '!snn.fixed<8, 4>'; use snn.quantize}}
  %0 = snn.cast %x : tensor<4xf32> -> tensor<4x!snn.fixed<8, 4>>
  return
}

// -----

func.func @cast_fixed_to_count(%x: tensor<4x!snn.fixed<8, 0>>) {
  // expected-error @+1 {{'snn.cast' op cannot cast '!snn.fixed<8, 0>' to '!snn.count<3>'}}
  %0 = snn.cast %x : tensor<4x!snn.fixed<8, 0>> -> tensor<4x!snn.count<3>>
  return
}

// -----

func.func @cast_fixed_to_spike(%x: tensor<4x!snn.fixed<8, 0>>) {
  // expected-error @+1 {{'snn.cast' op cannot cast '!snn.fixed<8, 0>' to '!snn.spike'}}
  %0 = snn.cast %x : tensor<4x!snn.fixed<8, 0>> -> tensor<4x!snn.spike>
  return
}

// -----

func.func @cast_shape(%x: tensor<4x!snn.spike>) {
  // expected-error @+1 {{'snn.cast' op requires the same shape for all operands and results}}
  %0 = snn.cast %x : tensor<4x!snn.spike> -> tensor<2x2xf32>
  return
}

// -----

func.func @cast_integer(%x: tensor<4xi8>) {
  // expected-error @+1 {{'snn.cast' op operand #0 must be ranked tensor of 32-bit float or binary spike (0 or 1) or small unsigned spike count in 0..max or signed two's-complement fixed-point number values, but got 'tensor<4xi8>'}}
  %0 = snn.cast %x : tensor<4xi8> -> tensor<4x!snn.spike>
  return
}

// -----

//===----------------------------------------------------------------------===//
// snn.quantize, snn.requantize
//===----------------------------------------------------------------------===//

func.func @quantize_spike_input(%x: tensor<4x!snn.spike>) {
  // expected-error @+1 {{'snn.quantize' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<4x!snn.spike>'}}
  %0 = snn.quantize %x : tensor<4x!snn.spike> -> tensor<4x!snn.fixed<8, 0>>
  return
}

// -----

func.func @quantize_f32_result(%x: tensor<4xf32>) {
  // expected-error @+1 {{'snn.quantize' op result #0 must be ranked tensor of signed two's-complement fixed-point number values, but got 'tensor<4xf32>'}}
  %0 = snn.quantize %x : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @quantize_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{'snn.quantize' op requires the same shape for all operands and results}}
  %0 = snn.quantize %x : tensor<4xf32> -> tensor<8x!snn.fixed<8, 0>>
  return
}

// -----

func.func @quantize_bad_rounding(%x: tensor<4xf32>) {
  // expected-error @+2 {{expected ::spikestack::snn::RoundingMode to be one of: nearest_even, nearest_away, floor, toward_zero}}
  // expected-error @+1 {{failed to parse SNN_RoundingModeAttr parameter 'value'}}
  %0 = snn.quantize %x {rounding = #snn.rounding<up>} : tensor<4xf32> -> tensor<4x!snn.fixed<8, 0>>
  return
}

// -----

func.func @requantize_f32_input(%x: tensor<4xf32>) {
  // expected-error @+1 {{'snn.requantize' op operand #0 must be ranked tensor of signed two's-complement fixed-point number values, but got 'tensor<4xf32>'}}
  %0 = snn.requantize %x : tensor<4xf32> -> tensor<4x!snn.fixed<8, 0>>
  return
}

// -----

func.func @requantize_count_result(%x: tensor<4x!snn.fixed<8, 0>>) {
  // expected-error @+1 {{'snn.requantize' op result #0 must be ranked tensor of signed two's-complement fixed-point number values, but got 'tensor<4x!snn.count<3>>'}}
  %0 = snn.requantize %x : tensor<4x!snn.fixed<8, 0>> -> tensor<4x!snn.count<3>>
  return
}

// -----

func.func @requantize_shape(%x: tensor<4x!snn.fixed<8, 0>>) {
  // expected-error @+1 {{'snn.requantize' op requires the same shape for all operands and results}}
  %0 = snn.requantize %x : tensor<4x!snn.fixed<8, 0>> -> tensor<4x1x!snn.fixed<8, 2>>
  return
}

// -----

//===----------------------------------------------------------------------===//
// snn.add
//===----------------------------------------------------------------------===//

func.func @add_spikes_to_f32(%x: tensor<4x!snn.spike>) {
  // expected-error @+1 {{'snn.add' op spike/count operands add to !snn.count<2>, got 'f32'}}
  %0 = snn.add %x, %x : tensor<4x!snn.spike>, tensor<4x!snn.spike> -> tensor<4xf32>
  return
}

// -----

func.func @add_spikes_to_spike(%x: tensor<4x!snn.spike>) {
  // expected-error @+1 {{'snn.add' op spike/count operands add to !snn.count<2>, got '!snn.spike'}}
  %0 = snn.add %x, %x : tensor<4x!snn.spike>, tensor<4x!snn.spike> -> tensor<4x!snn.spike>
  return
}

// -----

func.func @add_count_bound(%x: tensor<4x!snn.count<2>>, %y: tensor<4x!snn.spike>) {
  // expected-error @+1 {{'snn.add' op result bound 2 is too small: operands reach 2 + 1 = 3}}
  %0 = snn.add %x, %y : tensor<4x!snn.count<2>>, tensor<4x!snn.spike> -> tensor<4x!snn.count<2>>
  return
}

// -----

func.func @add_fixed_and_f32(%x: tensor<4x!snn.fixed<8, 4>>, %y: tensor<4xf32>) {
  // expected-error @+1 {{'snn.add' op fixed-point add needs fixed-point operands and result, got '!snn.fixed<8, 4>' + 'f32' -> 'f32'}}
  %0 = snn.add %x, %y : tensor<4x!snn.fixed<8, 4>>, tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @add_spike_and_fixed(%x: tensor<4x!snn.spike>, %y: tensor<4x!snn.fixed<8, 0>>) {
  // expected-error @+1 {{'snn.add' op fixed-point add needs fixed-point operands and result, got '!snn.spike' + '!snn.fixed<8, 0>' -> '!snn.fixed<8, 0>'}}
  %0 = snn.add %x, %y : tensor<4x!snn.spike>, tensor<4x!snn.fixed<8, 0>> -> tensor<4x!snn.fixed<8, 0>>
  return
}

// -----

func.func @add_fixed_to_f32(%x: tensor<4x!snn.fixed<8, 4>>) {
  // expected-error @+1 {{'snn.add' op fixed-point add needs fixed-point operands and result, got '!snn.fixed<8, 4>' + '!snn.fixed<8, 4>' -> 'f32'}}
  %0 = snn.add %x, %x : tensor<4x!snn.fixed<8, 4>>, tensor<4x!snn.fixed<8, 4>> -> tensor<4xf32>
  return
}

// -----

func.func @add_fixed_operand_frac(%x: tensor<4x!snn.fixed<8, 4>>, %y: tensor<4x!snn.fixed<8, 3>>) {
  // expected-error @+1 {{'snn.add' op fixed-point add needs equal fractional bits, got '!snn.fixed<8, 4>' + '!snn.fixed<8, 3>' -> '!snn.fixed<9, 4>'}}
  %0 = snn.add %x, %y : tensor<4x!snn.fixed<8, 4>>, tensor<4x!snn.fixed<8, 3>> -> tensor<4x!snn.fixed<9, 4>>
  return
}

// -----

func.func @add_fixed_result_frac(%x: tensor<4x!snn.fixed<8, 4>>) {
  // expected-error @+1 {{'snn.add' op fixed-point add needs equal fractional bits, got '!snn.fixed<8, 4>' + '!snn.fixed<8, 4>' -> '!snn.fixed<9, 3>'}}
  %0 = snn.add %x, %x : tensor<4x!snn.fixed<8, 4>>, tensor<4x!snn.fixed<8, 4>> -> tensor<4x!snn.fixed<9, 3>>
  return
}

// -----

func.func @add_f32_to_count(%x: tensor<4xf32>, %y: tensor<4x!snn.spike>) {
  // expected-error @+1 {{'snn.add' op an add with an f32 operand produces f32, got '!snn.count<2>'}}
  %0 = snn.add %x, %y : tensor<4xf32>, tensor<4x!snn.spike> -> tensor<4x!snn.count<2>>
  return
}

// -----

func.func @add_shape(%x: tensor<4xf32>, %y: tensor<2xf32>) {
  // expected-error @+1 {{'snn.add' op requires the same shape for all operands and results}}
  %0 = snn.add %x, %y : tensor<4xf32>, tensor<2xf32> -> tensor<4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// snn.scale
//===----------------------------------------------------------------------===//

func.func @scale_spike(%x: tensor<4x!snn.spike>) {
  // expected-error @+1 {{'snn.scale' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<4x!snn.spike>'}}
  %0 = snn.scale %x by 2.0 : tensor<4x!snn.spike>
  return
}

// -----

func.func @scale_result_type(%x: tensor<4xf32>) {
  // expected-error @+1 {{'snn.scale' op requires the same type for all operands and results}}
  %0 = "snn.scale"(%x) {factor = 2.0 : f64} : (tensor<4xf32>) -> tensor<2x2xf32>
  return
}

// -----

func.func @scale_missing_factor(%x: tensor<4xf32>) {
  // expected-error @+1 {{'snn.scale' op requires attribute 'factor'}}
  %0 = "snn.scale"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @scale_f32_factor(%x: tensor<4xf32>) {
  // expected-error @+1 {{'snn.scale' op attribute 'factor' failed to satisfy constraint: 64-bit float attribute}}
  %0 = "snn.scale"(%x) {factor = 2.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// snn.readout
//===----------------------------------------------------------------------===//

func.func @readout_rank(%x: tensor<10xf32>) {
  // expected-error @+1 {{'snn.readout' op input must be time-major [T, ...], got rank 1}}
  %0 = snn.readout %x {token_dims = array<i64>} : tensor<10xf32> -> tensor<f32>
  return
}

// -----

func.func @readout_token_dim_time(%x: tensor<4x2x16x10xf32>) {
  // expected-error @+1 {{'snn.readout' op token dimension 0 must be in [1, 4) (dimension 0 is time)}}
  %0 = snn.readout %x {token_dims = array<i64: 0>} : tensor<4x2x16x10xf32> -> tensor<2x16x10xf32>
  return
}

// -----

func.func @readout_token_dim_range(%x: tensor<4x2x16x10xf32>) {
  // expected-error @+1 {{'snn.readout' op token dimension 4 must be in [1, 4) (dimension 0 is time)}}
  %0 = snn.readout %x {token_dims = array<i64: 2, 4>} : tensor<4x2x16x10xf32> -> tensor<2x10xf32>
  return
}

// -----

func.func @readout_token_dim_repeated(%x: tensor<4x2x16x10xf32>) {
  // expected-error @+1 {{'snn.readout' op token dimension 2 is repeated}}
  %0 = snn.readout %x {token_dims = array<i64: 2, 2>} : tensor<4x2x16x10xf32> -> tensor<2x10xf32>
  return
}

// -----

func.func @readout_result_shape(%x: tensor<4x2x16x10xf32>) {
  // expected-error @+1 {{'snn.readout' op result has shape [2, 16], expected [2, 10]}}
  %0 = snn.readout %x {token_dims = array<i64: 2>} : tensor<4x2x16x10xf32> -> tensor<2x16xf32>
  return
}

// -----

func.func @readout_keeps_time(%x: tensor<4x2x16x10xf32>) {
  // expected-error @+1 {{'snn.readout' op result has shape [4, 2, 10], expected [2, 10]}}
  %0 = snn.readout %x {token_dims = array<i64: 2>} : tensor<4x2x16x10xf32> -> tensor<4x2x10xf32>
  return
}

// -----

func.func @readout_fixed_to_f32(%x: tensor<4x2x16x10x!snn.fixed<16, 8>>) {
  // expected-error @+1 {{'snn.readout' op a fixed-point input gives a fixed-point readout}}
  %0 = snn.readout %x {token_dims = array<i64: 2>} : tensor<4x2x16x10x!snn.fixed<16, 8>> -> tensor<2x10xf32>
  return
}

// -----

func.func @readout_spike_result(%x: tensor<4x2x16x10x!snn.spike>) {
  // expected-error @+1 {{'snn.readout' op result #0 must be ranked tensor of 32-bit float or signed two's-complement fixed-point number values, but got 'tensor<2x10x!snn.spike>'}}
  %0 = snn.readout %x {token_dims = array<i64: 2>} : tensor<4x2x16x10x!snn.spike> -> tensor<2x10x!snn.spike>
  return
}

// -----

func.func @readout_missing_token_dims(%x: tensor<4x2x16x10xf32>) {
  // expected-error @+1 {{'snn.readout' op requires attribute 'token_dims'}}
  %0 = snn.readout %x : tensor<4x2x16x10xf32> -> tensor<2x16x10xf32>
  return
}

// -----

func.func @constant_too_wide() {
  // expected-error @+1 {{'snn.constant' op value must hold signless integers of at most 64 bits (raw values), got 'i129'}}
  %0 = snn.constant dense<1> : tensor<1xi129> -> tensor<1x!snn.fixed<8, 0>>
  return
}

// -----

func.func @scale_underflows_f32(%x: tensor<4xf32>) {
  // expected-error @+1 {{'snn.scale' op factor 1.000000e-50 must be a finite, non-zero, normal f32 value}}
  %0 = snn.scale %x by 1.0e-50 : tensor<4xf32>
  return
}

// -----

func.func @scale_overflows_f32(%x: tensor<4xf32>) {
  // expected-error @+1 {{'snn.scale' op factor 1.000000e+50 must be a finite, non-zero, normal f32 value}}
  %0 = snn.scale %x by 1.0e50 : tensor<4xf32>
  return
}

// -----

func.func @readout_keep_time_shape(%x: tensor<4x2x8x16xf32>) {
  // expected-error @+1 {{'snn.readout' op result has shape [2, 16], expected [4, 2, 16]}}
  %0 = snn.readout %x {token_dims = array<i64: 2>, keep_time = true} : tensor<4x2x8x16xf32> -> tensor<2x16xf32>
  return
}

// -----

func.func @readout_keep_time_nothing(%x: tensor<4x2x8x16xf32>) {
  // expected-error @+1 {{'snn.readout' op keep_time with no token dimensions averages nothing}}
  %0 = snn.readout %x {token_dims = array<i64>, keep_time = true} : tensor<4x2x8x16xf32> -> tensor<4x2x8x16xf32>
  return
}
