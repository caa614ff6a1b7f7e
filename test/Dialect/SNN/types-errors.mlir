// RUN: snn-opt %s -split-input-file -verify-diagnostics

// Verifier errors of the snn types and of the #snn.neuron attribute.

//===----------------------------------------------------------------------===//
// !snn.count
//===----------------------------------------------------------------------===//

// expected-error @+1 {{!snn.count bound must be in [1, 2^30], got 0}}
func.func @count_zero(%x: tensor<4x!snn.count<0>>)

// -----

// expected-error @+1 {{!snn.count bound must be in [1, 2^30], got -3}}
func.func @count_negative(%x: tensor<4x!snn.count<-3>>)

// -----

// 2^30 + 1
// expected-error @+1 {{!snn.count bound must be in [1, 2^30], got 1073741825}}
func.func @count_too_large(%x: tensor<4x!snn.count<1073741825>>)

// -----

//===----------------------------------------------------------------------===//
// !snn.fixed
//===----------------------------------------------------------------------===//

// expected-error @+1 {{!snn.fixed width must be in [2, 32] bits, got 1}}
func.func @fixed_width_one(%x: tensor<4x!snn.fixed<1, 0>>)

// -----

// expected-error @+1 {{!snn.fixed width must be in [2, 32] bits, got 0}}
func.func @fixed_width_zero(%x: tensor<4x!snn.fixed<0, 0>>)

// -----

// expected-error @+1 {{!snn.fixed width must be in [2, 32] bits, got 33}}
func.func @fixed_width_33(%x: tensor<4x!snn.fixed<33, 0>>)

// -----

// expected-error @+1 {{!snn.fixed fractional bits must be in [-32, 32], got -33}}
func.func @fixed_frac_low(%x: tensor<4x!snn.fixed<8, -33>>)

// -----

// expected-error @+1 {{!snn.fixed fractional bits must be in [-32, 32], got 33}}
func.func @fixed_frac_high(%x: tensor<4x!snn.fixed<8, 33>>)

// -----

// The width is unsigned: -8 is read modulo 2^32 and then rejected as too
// wide (the number in the message is not checked).
// expected-error @+1 {{!snn.fixed width must be in [2, 32] bits, got}}
func.func @fixed_width_negative(%x: tensor<4x!snn.fixed<-8, 0>>)

// -----

// expected-error @+1 {{!snn.fixed width must be in [2, 32] bits, got 64}}
func.func @fixed_in_op(%x: tensor<4xf32>) -> tensor<4x!snn.fixed<64, 0>>

// -----

//===----------------------------------------------------------------------===//
// #snn.neuron
//===----------------------------------------------------------------------===//

// expected-error @+1 {{neuron tau must be finite and >= 1, got 5.000000e-01}}
func.func @neuron_tau() attributes {n = #snn.neuron<tau = 0.5>}

// -----

// expected-error @+1 {{neuron tau must be finite and >= 1, got 0.000000e+00}}
func.func @neuron_tau_zero() attributes {n = #snn.neuron<tau = 0.0, v_threshold = 0.5>}

// -----

// expected-error @+1 {{neuron tau must be finite and >= 1, got -2.000000e+00}}
func.func @neuron_tau_negative() attributes {n = #snn.neuron<tau = -2.0>}

// -----

// expected-error @+1 {{neuron v_threshold, v_reset and v_init must be finite}}
func.func @neuron_threshold_inf() attributes {n = #snn.neuron<v_threshold = 0x7FF0000000000000>}

// -----

// expected-error @+1 {{neuron v_threshold, v_reset and v_init must be finite}}
func.func @neuron_reset_nan() attributes {n = #snn.neuron<v_reset = 0x7FF8000000000000>}

// -----

// expected-error @+1 {{neuron v_threshold, v_reset and v_init must be finite}}
func.func @neuron_init_inf() attributes {n = #snn.neuron<leaky = false, v_init = 0xFFF0000000000000>}

// -----

// 0.3 is not a multiple of 2^-4.
// expected-error @+1 {{neuron v_threshold = 3.000000e-01 is not representable in membrane type '!snn.fixed<16, 4>'}}
func.func @neuron_threshold_fraction() attributes {n = #snn.neuron<v_threshold = 0.3, membrane_type = !snn.fixed<16, 4>>}

// -----

// The default threshold 1.0 is above the largest value 127/128 of fixed<8, 7>.
// expected-error @+1 {{neuron v_threshold = 1.000000e+00 is not representable in membrane type '!snn.fixed<8, 7>'}}
func.func @neuron_default_threshold_range() attributes {n = #snn.neuron<membrane_type = !snn.fixed<8, 7>>}

// -----

// LSB 4 with a negative fraction.
// expected-error @+1 {{neuron v_threshold = 6.000000e+00 is not representable in membrane type '!snn.fixed<8, -2>'}}
func.func @neuron_threshold_coarse() attributes {n = #snn.neuron<v_threshold = 6.0, membrane_type = !snn.fixed<8, -2>>}

// -----

// expected-error @+1 {{neuron v_reset = -9.000000e+00 is not representable in membrane type '!snn.fixed<8, 4>'}}
func.func @neuron_reset_range() attributes {n = #snn.neuron<v_reset = -9.0, membrane_type = !snn.fixed<8, 4>>}

// -----

// expected-error @+1 {{neuron v_init = 1.250000e-01 is not representable in membrane type '!snn.fixed<16, 0>'}}
func.func @neuron_init_fraction() attributes {n = #snn.neuron<v_init = 0.125, membrane_type = !snn.fixed<16, 0>>}

// -----

// expected-error @+2 {{expected 'true' or 'false'}}
// expected-error @+1 {{failed to parse SNN_NeuronAttr parameter 'leaky'}}
func.func @neuron_bool() attributes {n = #snn.neuron<leaky = 0>}

// -----

// expected-error @+1 {{duplicate or unknown struct parameter name: v_th}}
func.func @neuron_unknown_field() attributes {n = #snn.neuron<v_th = 0.5>}

// -----

// expected-error @+2 {{expected one of [hard, soft] for membrane reset after a spike, got: subtract}}
// expected-error @+1 {{failed to parse SNN_NeuronAttr parameter 'reset'}}
func.func @neuron_reset_mode() attributes {n = #snn.neuron<reset = subtract>}

// -----

// An infinite tau is rejected (it would also not print back).
// expected-error @+1 {{neuron tau must be finite and >= 1, got INF}}
func.func private @tau_inf() -> tensor<1xf32> attributes {n = #snn.neuron<tau = 0x7FF0000000000000>}
