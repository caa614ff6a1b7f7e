// RUN: snn-opt %s | FileCheck %s
// RUN: snn-opt %s | snn-opt | FileCheck %s
// RUN: snn-opt %s --mlir-print-op-generic | snn-opt | FileCheck %s

// Round trip of every snn type, attribute and op. The first RUN line checks
// the custom printer, the second that its output parses back to the same
// thing, the third that the generic form (where every default-valued
// attribute is spelled out) comes back to the same custom form, i.e. that
// attributes equal to their default are elided.

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @types(
// CHECK-SAME: tensor<2x!snn.spike>,
// CHECK-SAME: tensor<2x!snn.count<1>>,
// CHECK-SAME: tensor<2x!snn.count<3>>,
// CHECK-SAME: tensor<2x!snn.count<1073741824>>,
// CHECK-SAME: tensor<2x!snn.fixed<8, 7>>,
// CHECK-SAME: tensor<2x!snn.fixed<16, -4>>,
// CHECK-SAME: tensor<2x!snn.fixed<2, -32>>,
// CHECK-SAME: tensor<2x!snn.fixed<32, 32>>,
// CHECK-SAME: tensor<2x!snn.fixed<4, 10>>)
func.func @types(%a: tensor<2x!snn.spike>, %b: tensor<2x!snn.count<1>>,
                 %c: tensor<2x!snn.count<3>>,
                 %d: tensor<2x!snn.count<1073741824>>,
                 %e: tensor<2x!snn.fixed<8, 7>>,
                 %f: tensor<2x!snn.fixed<16, -4>>,
                 %g: tensor<2x!snn.fixed<2, -32>>,
                 %h: tensor<2x!snn.fixed<32, 32>>,
                 %i: tensor<2x!snn.fixed<4, 10>>) {
  return
}

//===----------------------------------------------------------------------===//
// #snn.neuron
//===----------------------------------------------------------------------===//

// Fields equal to their default are omitted; the others are printed in
// declaration order whatever the order they were written in.
// CHECK-LABEL: func.func @neuron_attr()
// CHECK-SAME: all_default = #snn.neuron<>
// CHECK-SAME: custom = #snn.neuron<leaky = false, tau = 4.0, v_threshold = 0.75, v_reset = -0.5, reset = soft, decay_input = false, compare = gt, v_init = 0.25, membrane_type = <16, 4>, rounding = toward_zero>
// CHECK-SAME: explicit_default = #snn.neuron<>
// CHECK-SAME: fixed_neg_frac = #snn.neuron<tau = 1.0, v_threshold = 8.0, membrane_type = <8, -2>>
// CHECK-SAME: if_tau_ignored = #snn.neuron<leaky = false, tau = 0.5>
// CHECK-SAME: neg_zero_reset = #snn.neuron<v_reset = -0.0>
// CHECK-SAME: shortest_decimal = #snn.neuron<v_threshold = 0.1, rounding = nearest_away>
// CHECK-SAME: zero_init = #snn.neuron<v_init = 0.0>
func.func @neuron_attr() attributes {
  all_default = #snn.neuron<>,
  explicit_default = #snn.neuron<leaky = true, tau = 2.0, v_threshold = 1.0,
                                 v_reset = 0.0, reset = hard,
                                 decay_input = true, compare = ge,
                                 rounding = nearest_even>,
  custom = #snn.neuron<rounding = toward_zero, membrane_type = !snn.fixed<16, 4>,
                       v_init = 0.25, compare = gt, decay_input = false,
                       reset = soft, v_reset = -0.5, v_threshold = 0.75,
                       tau = 4.0, leaky = false>,
  fixed_neg_frac = #snn.neuron<v_threshold = 8.0, tau = 1.0,
                               membrane_type = !snn.fixed<8, -2>>,
  // tau is only checked (>= 1) for a leaky neuron.
  if_tau_ignored = #snn.neuron<leaky = false, tau = 0.5>,
  // -0.0 is not bitwise equal to the default 0.0, so it is printed.
  neg_zero_reset = #snn.neuron<v_reset = -0.0>,
  shortest_decimal = #snn.neuron<v_threshold = 0.1, rounding = nearest_away>,
  // An explicit v_init equal to v_reset is still printed (default: none).
  zero_init = #snn.neuron<v_init = 0.0>
} {
  return
}

//===----------------------------------------------------------------------===//
// Constants and conversions
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @constant()
// CHECK: snn.constant dense<{{\[}}[3, -2], [127, -128]]> : tensor<2x2xi8> -> tensor<2x2x!snn.fixed<8, 7>>
// CHECK: snn.constant dense<[true, false, true]> : tensor<3xi1> -> tensor<3x!snn.spike>
// CHECK: snn.constant dense<[0, 2]> : tensor<2xi32> -> tensor<2x!snn.count<2>>
// CHECK: snn.constant dense<false> : tensor<4xi1> -> tensor<4x!snn.spike>
// CHECK: snn.constant dense<-3> : tensor<2xi64> -> tensor<2x!snn.fixed<4, -2>>
func.func @constant() -> (tensor<2x2x!snn.fixed<8, 7>>, tensor<3x!snn.spike>,
                          tensor<2x!snn.count<2>>, tensor<4x!snn.spike>,
                          tensor<2x!snn.fixed<4, -2>>) {
  %0 = snn.constant dense<[[3, -2], [127, -128]]> : tensor<2x2xi8>
         -> tensor<2x2x!snn.fixed<8, 7>>
  %1 = snn.constant dense<[true, false, true]> : tensor<3xi1>
         -> tensor<3x!snn.spike>
  %2 = snn.constant dense<[0, 2]> : tensor<2xi32> -> tensor<2x!snn.count<2>>
  %3 = snn.constant dense<false> : tensor<4xi1> -> tensor<4x!snn.spike>
  %4 = snn.constant dense<-3> : tensor<2xi64> -> tensor<2x!snn.fixed<4, -2>>
  return %0, %1, %2, %3, %4 : tensor<2x2x!snn.fixed<8, 7>>, tensor<3x!snn.spike>,
                              tensor<2x!snn.count<2>>, tensor<4x!snn.spike>,
                              tensor<2x!snn.fixed<4, -2>>
}

// CHECK-LABEL: func.func @cast(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x!snn.spike>, %[[C:[a-zA-Z0-9_]+]]: tensor<4x!snn.count<3>>, %[[X:[a-zA-Z0-9_]+]]: tensor<4x!snn.fixed<8, 4>>, %[[F:[a-zA-Z0-9_]+]]: tensor<4xf32>)
// CHECK: snn.cast %[[S]] : tensor<4x!snn.spike> -> tensor<4x!snn.count<2>>
// CHECK: snn.cast %[[S]] : tensor<4x!snn.spike> -> tensor<4x!snn.fixed<2, 0>>
// CHECK: snn.cast %[[S]] : tensor<4x!snn.spike> -> tensor<4xf32>
// CHECK: snn.cast %[[C]] : tensor<4x!snn.count<3>> -> tensor<4x!snn.count<7>>
// CHECK: snn.cast %[[C]] : tensor<4x!snn.count<3>> -> tensor<4x!snn.fixed<8, 4>>
// CHECK: snn.cast %[[C]] : tensor<4x!snn.count<3>> -> tensor<4xf32>
// CHECK: snn.cast %[[X]] : tensor<4x!snn.fixed<8, 4>> -> tensor<4xf32>
// CHECK: snn.cast %[[F]] : tensor<4xf32> -> tensor<4x!snn.spike>
// CHECK: snn.cast %[[F]] : tensor<4xf32> -> tensor<4x!snn.count<7>>
// CHECK: snn.cast %[[C]] : tensor<4x!snn.count<3>> -> tensor<4x!snn.spike>
// CHECK: snn.cast %[[F]] : tensor<4xf32> -> tensor<4xf32>
func.func @cast(%s: tensor<4x!snn.spike>, %c: tensor<4x!snn.count<3>>,
                %x: tensor<4x!snn.fixed<8, 4>>, %f: tensor<4xf32>) {
  // Widening.
  %0 = snn.cast %s : tensor<4x!snn.spike> -> tensor<4x!snn.count<2>>
  %1 = snn.cast %s : tensor<4x!snn.spike> -> tensor<4x!snn.fixed<2, 0>>
  %2 = snn.cast %s : tensor<4x!snn.spike> -> tensor<4xf32>
  %3 = snn.cast %c : tensor<4x!snn.count<3>> -> tensor<4x!snn.count<7>>
  %4 = snn.cast %c : tensor<4x!snn.count<3>> -> tensor<4x!snn.fixed<8, 4>>
  %5 = snn.cast %c : tensor<4x!snn.count<3>> -> tensor<4xf32>
  %6 = snn.cast %x : tensor<4x!snn.fixed<8, 4>> -> tensor<4xf32>
  // Checked narrowing.
  %7 = snn.cast %f : tensor<4xf32> -> tensor<4x!snn.spike>
  %8 = snn.cast %f : tensor<4xf32> -> tensor<4x!snn.count<7>>
  %9 = snn.cast %c : tensor<4x!snn.count<3>> -> tensor<4x!snn.spike>
  // Same type (folds away under canonicalization, but is valid).
  %10 = snn.cast %f : tensor<4xf32> -> tensor<4xf32>
  return
}

// CHECK-LABEL: func.func @quantize(
// CHECK-SAME: %[[F:[a-zA-Z0-9_]+]]: tensor<4xf32>, %[[X:[a-zA-Z0-9_]+]]: tensor<4x!snn.fixed<8, 4>>)
// CHECK: snn.quantize %[[F]] : tensor<4xf32> -> tensor<4x!snn.fixed<8, 4>>
// CHECK: snn.quantize %[[F]] : tensor<4xf32> -> tensor<4x!snn.fixed<8, 4>>
// CHECK: snn.quantize %[[F]] {rounding = #snn.rounding<floor>} : tensor<4xf32> -> tensor<4x!snn.fixed<16, -2>>
// CHECK: snn.requantize %[[X]] : tensor<4x!snn.fixed<8, 4>> -> tensor<4x!snn.fixed<16, 8>>
// CHECK: snn.requantize %[[X]] {rounding = #snn.rounding<toward_zero>} : tensor<4x!snn.fixed<8, 4>> -> tensor<4x!snn.fixed<4, 1>>
// CHECK: snn.requantize %[[X]] {rounding = #snn.rounding<nearest_away>} : tensor<4x!snn.fixed<8, 4>> -> tensor<4x!snn.fixed<4, 1>>
// CHECK: snn.requantize %[[X]] : tensor<4x!snn.fixed<8, 4>> -> tensor<4x!snn.fixed<4, 1>>
func.func @quantize(%f: tensor<4xf32>, %x: tensor<4x!snn.fixed<8, 4>>) {
  %0 = snn.quantize %f : tensor<4xf32> -> tensor<4x!snn.fixed<8, 4>>
  // The default rounding is elided.
  %1 = snn.quantize %f {rounding = #snn.rounding<nearest_even>}
         : tensor<4xf32> -> tensor<4x!snn.fixed<8, 4>>
  %2 = snn.quantize %f {rounding = #snn.rounding<floor>}
         : tensor<4xf32> -> tensor<4x!snn.fixed<16, -2>>
  %3 = snn.requantize %x : tensor<4x!snn.fixed<8, 4>> -> tensor<4x!snn.fixed<16, 8>>
  %4 = snn.requantize %x {rounding = #snn.rounding<toward_zero>}
         : tensor<4x!snn.fixed<8, 4>> -> tensor<4x!snn.fixed<4, 1>>
  %5 = snn.requantize %x {rounding = #snn.rounding<nearest_away>}
         : tensor<4x!snn.fixed<8, 4>> -> tensor<4x!snn.fixed<4, 1>>
  %6 = snn.requantize %x {rounding = #snn.rounding<nearest_even>}
         : tensor<4x!snn.fixed<8, 4>> -> tensor<4x!snn.fixed<4, 1>>
  return
}

// CHECK-LABEL: func.func @dequantize(
// CHECK: snn.dequantize %{{.*}}, %{{.*}}, %{{.*}} {channel_dim = 1 : i64} : tensor<2x3x!snn.fixed<32, 0>>, tensor<3xf32>, tensor<3xf32> -> tensor<2x3xf32>
// CHECK: snn.dequantize %{{.*}}, %{{.*}} {channel_dim = 0 : i64} : tensor<3x2x!snn.fixed<16, 4>>, tensor<3xf32> -> tensor<3x2xf32>
func.func @dequantize(%a: tensor<2x3x!snn.fixed<32, 0>>, %b: tensor<3x2x!snn.fixed<16, 4>>, %s: tensor<3xf32>, %o: tensor<3xf32>) {
  %0 = snn.dequantize %a, %s, %o {channel_dim = 1 : i64}
         : tensor<2x3x!snn.fixed<32, 0>>, tensor<3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %1 = snn.dequantize %b, %s {channel_dim = 0 : i64}
         : tensor<3x2x!snn.fixed<16, 4>>, tensor<3xf32> -> tensor<3x2xf32>
  return
}

//===----------------------------------------------------------------------===//
// Neurons
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @lif(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x2x8xf32>, %[[S:[a-zA-Z0-9_]+]]: tensor<4x2x8x!snn.spike>, %[[TH:[a-zA-Z0-9_]+]]: tensor<8xf32>, %[[VR:[a-zA-Z0-9_]+]]: tensor<8xf32>, %[[TAU:[a-zA-Z0-9_]+]]: tensor<8xf32>, %[[FX:[a-zA-Z0-9_]+]]: tensor<4x2x8x!snn.fixed<16, 8>>)
// CHECK-NEXT: snn.lif %[[X]] : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
// CHECK-NEXT: snn.lif %[[X]] : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
// CHECK-NEXT: snn.lif %[[X]] {compare = #snn.compare<gt>, decay_input = false, reset = #snn.reset<soft>, tau = 4.000000e+00 : f64, v_init = 1.250000e-01 : f64, v_reset = -2.500000e-01 : f64, v_threshold = 5.000000e-01 : f64} : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
// CHECK-NEXT: snn.lif %[[S]] channel_threshold(%[[TH]] : tensor<8xf32>) channel_reset(%[[VR]] : tensor<8xf32>) channel_tau(%[[TAU]] : tensor<8xf32>) {channel_dim = 2 : i64} : tensor<4x2x8x!snn.spike> -> tensor<4x2x8x!snn.spike>
// CHECK-NEXT: snn.lif %[[S]] channel_tau(%[[TAU]] : tensor<8xf32>) {channel_dim = 2 : i64} : tensor<4x2x8x!snn.spike> -> tensor<4x2x8x!snn.spike>
// CHECK-NEXT: snn.lif %[[S]] channel_reset(%[[VR]] : tensor<8xf32>) {channel_dim = 2 : i64} : tensor<4x2x8x!snn.spike> -> tensor<4x2x8x!snn.spike>
// CHECK-NEXT: snn.lif %[[FX]] {membrane_type = !snn.fixed<16, 8>, rounding = #snn.rounding<floor>, v_init = -1.000000e+00 : f64, v_threshold = 2.500000e+00 : f64} : tensor<4x2x8x!snn.fixed<16, 8>> -> tensor<4x2x8x!snn.spike>
// CHECK-NEXT: snn.lif %[[S]] {channel_dim = 1 : i64, membrane_type = !snn.fixed<8, 0>, v_threshold = 4.000000e+00 : f64} : tensor<4x2x8x!snn.spike> -> tensor<4x2x8x!snn.spike>
// CHECK-NEXT: return
func.func @lif(%x: tensor<4x2x8xf32>, %s: tensor<4x2x8x!snn.spike>,
               %th: tensor<8xf32>, %vr: tensor<8xf32>, %tau: tensor<8xf32>,
               %fx: tensor<4x2x8x!snn.fixed<16, 8>>) {
  %0 = snn.lif %x : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  // Every attribute at its default value: printed like %0.
  %1 = snn.lif %x {tau = 2.0, v_threshold = 1.0, v_reset = 0.0,
                   reset = #snn.reset<hard>, decay_input = true,
                   compare = #snn.compare<ge>,
                   rounding = #snn.rounding<nearest_even>}
         : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  %2 = snn.lif %x {tau = 4.0, v_threshold = 0.5, v_reset = -0.25,
                   reset = #snn.reset<soft>, decay_input = false,
                   compare = #snn.compare<gt>, v_init = 0.125}
         : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  %3 = snn.lif %s channel_threshold(%th : tensor<8xf32>)
                  channel_reset(%vr : tensor<8xf32>)
                  channel_tau(%tau : tensor<8xf32>) {channel_dim = 2 : i64}
         : tensor<4x2x8x!snn.spike> -> tensor<4x2x8x!snn.spike>
  %4 = snn.lif %s channel_tau(%tau : tensor<8xf32>) {channel_dim = 2 : i64}
         : tensor<4x2x8x!snn.spike> -> tensor<4x2x8x!snn.spike>
  %5 = snn.lif %s channel_reset(%vr : tensor<8xf32>) {channel_dim = 2 : i64}
         : tensor<4x2x8x!snn.spike> -> tensor<4x2x8x!snn.spike>
  %6 = snn.lif %fx {membrane_type = !snn.fixed<16, 8>,
                    rounding = #snn.rounding<floor>, v_threshold = 2.5,
                    v_init = -1.0}
         : tensor<4x2x8x!snn.fixed<16, 8>> -> tensor<4x2x8x!snn.spike>
  // A channel_dim without per-channel operands is allowed; an integer
  // membrane (0 fractional bits) on spike input.
  %7 = snn.lif %s {channel_dim = 1 : i64, membrane_type = !snn.fixed<8, 0>,
                   v_threshold = 4.0}
         : tensor<4x2x8x!snn.spike> -> tensor<4x2x8x!snn.spike>
  return
}

// CHECK-LABEL: func.func @if(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x2x8xf32>, %[[C:[a-zA-Z0-9_]+]]: tensor<4x2x8x!snn.count<2>>, %[[TH:[a-zA-Z0-9_]+]]: tensor<8xf32>, %[[VR:[a-zA-Z0-9_]+]]: tensor<8xf32>, %[[D:[a-zA-Z0-9_]+]]: tensor<?x2x?xf32>, %[[DTH:[a-zA-Z0-9_]+]]: tensor<?xf32>)
// CHECK-NEXT: snn.if %[[X]] : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
// CHECK-NEXT: snn.if %[[X]] : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
// CHECK-NEXT: snn.if %[[X]] {compare = #snn.compare<gt>, reset = #snn.reset<soft>, v_init = 5.000000e-01 : f64, v_reset = -1.000000e+00 : f64, v_threshold = 7.500000e-01 : f64} : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
// CHECK-NEXT: snn.if %[[C]] channel_threshold(%[[TH]] : tensor<8xf32>) channel_reset(%[[VR]] : tensor<8xf32>) {channel_dim = 2 : i64} : tensor<4x2x8x!snn.count<2>> -> tensor<4x2x8x!snn.spike>
// CHECK-NEXT: snn.if %[[C]] {membrane_type = !snn.fixed<8, 0>, rounding = #snn.rounding<toward_zero>, v_threshold = 3.000000e+00 : f64} : tensor<4x2x8x!snn.count<2>> -> tensor<4x2x8x!snn.spike>
// CHECK-NEXT: snn.if %[[D]] channel_threshold(%[[DTH]] : tensor<?xf32>) {channel_dim = 2 : i64} : tensor<?x2x?xf32> -> tensor<?x2x?x!snn.spike>
// CHECK-NEXT: return
func.func @if(%x: tensor<4x2x8xf32>, %c: tensor<4x2x8x!snn.count<2>>,
              %th: tensor<8xf32>, %vr: tensor<8xf32>,
              %d: tensor<?x2x?xf32>, %dth: tensor<?xf32>) {
  %0 = snn.if %x : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  %1 = snn.if %x {v_threshold = 1.0, v_reset = 0.0, reset = #snn.reset<hard>,
                  compare = #snn.compare<ge>,
                  rounding = #snn.rounding<nearest_even>}
         : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  %2 = snn.if %x {v_threshold = 0.75, v_reset = -1.0, reset = #snn.reset<soft>,
                  compare = #snn.compare<gt>, v_init = 0.5}
         : tensor<4x2x8xf32> -> tensor<4x2x8x!snn.spike>
  %3 = snn.if %c channel_threshold(%th : tensor<8xf32>)
                 channel_reset(%vr : tensor<8xf32>) {channel_dim = 2 : i64}
         : tensor<4x2x8x!snn.count<2>> -> tensor<4x2x8x!snn.spike>
  %4 = snn.if %c {membrane_type = !snn.fixed<8, 0>, v_threshold = 3.0,
                  rounding = #snn.rounding<toward_zero>}
         : tensor<4x2x8x!snn.count<2>> -> tensor<4x2x8x!snn.spike>
  // Dynamic sizes.
  %5 = snn.if %d channel_threshold(%dth : tensor<?xf32>) {channel_dim = 2 : i64}
         : tensor<?x2x?xf32> -> tensor<?x2x?x!snn.spike>
  return
}

//===----------------------------------------------------------------------===//
// Synaptic operators
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @linear(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x2x16x32x!snn.spike>, %[[W:[a-zA-Z0-9_]+]]: tensor<8x32xf32>, %[[B:[a-zA-Z0-9_]+]]: tensor<8xf32>, %[[WQ:[a-zA-Z0-9_]+]]: tensor<8x32x!snn.fixed<8, 7>>, %[[BQ:[a-zA-Z0-9_]+]]: tensor<8x!snn.fixed<24, 7>>, %[[XQ:[a-zA-Z0-9_]+]]: tensor<4x32x!snn.fixed<8, 4>>, %[[XD:[a-zA-Z0-9_]+]]: tensor<?x32xf32>, %[[C:[a-zA-Z0-9_]+]]: tensor<3x32x!snn.count<4>>)
// CHECK-NEXT: snn.linear %[[S]], %[[W]], %[[B]] : (tensor<4x2x16x32x!snn.spike>, tensor<8x32xf32>, tensor<8xf32>) -> tensor<4x2x16x8xf32>
// CHECK-NEXT: snn.linear %[[S]], %[[WQ]], %[[BQ]] : (tensor<4x2x16x32x!snn.spike>, tensor<8x32x!snn.fixed<8, 7>>, tensor<8x!snn.fixed<24, 7>>) -> tensor<4x2x16x8x!snn.fixed<24, 7>>
// CHECK-NEXT: snn.linear %[[XQ]], %[[WQ]] : (tensor<4x32x!snn.fixed<8, 4>>, tensor<8x32x!snn.fixed<8, 7>>) -> tensor<4x8x!snn.fixed<32, 11>>
// CHECK-NEXT: snn.linear %[[XD]], %[[W]] : (tensor<?x32xf32>, tensor<8x32xf32>) -> tensor<?x8xf32>
// CHECK-NEXT: snn.linear %[[C]], %[[WQ]] : (tensor<3x32x!snn.count<4>>, tensor<8x32x!snn.fixed<8, 7>>) -> tensor<3x8x!snn.fixed<20, 7>>
// CHECK-NEXT: return
func.func @linear(%s: tensor<4x2x16x32x!snn.spike>, %w: tensor<8x32xf32>,
                  %b: tensor<8xf32>, %wq: tensor<8x32x!snn.fixed<8, 7>>,
                  %bq: tensor<8x!snn.fixed<24, 7>>,
                  %xq: tensor<4x32x!snn.fixed<8, 4>>, %xd: tensor<?x32xf32>,
                  %c: tensor<3x32x!snn.count<4>>) {
  // Float domain, spike input.
  %0 = snn.linear %s, %w, %b
         : (tensor<4x2x16x32x!snn.spike>, tensor<8x32xf32>, tensor<8xf32>)
           -> tensor<4x2x16x8xf32>
  // Integer domain: spikes (F = 0) times fixed<8, 7> gives F = 7.
  %1 = snn.linear %s, %wq, %bq
         : (tensor<4x2x16x32x!snn.spike>, tensor<8x32x!snn.fixed<8, 7>>,
            tensor<8x!snn.fixed<24, 7>>) -> tensor<4x2x16x8x!snn.fixed<24, 7>>
  // fixed<8, 4> input times fixed<8, 7> weight: F = 11.
  %2 = snn.linear %xq, %wq
         : (tensor<4x32x!snn.fixed<8, 4>>, tensor<8x32x!snn.fixed<8, 7>>)
           -> tensor<4x8x!snn.fixed<32, 11>>
  %3 = snn.linear %xd, %w : (tensor<?x32xf32>, tensor<8x32xf32>) -> tensor<?x8xf32>
  %4 = snn.linear %c, %wq
         : (tensor<3x32x!snn.count<4>>, tensor<8x32x!snn.fixed<8, 7>>)
           -> tensor<3x8x!snn.fixed<20, 7>>
  return
}

// CHECK-LABEL: func.func @conv2d(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x1x3x8x8x!snn.spike>, %[[W:[a-zA-Z0-9_]+]]: tensor<16x3x3x3xf32>, %[[B:[a-zA-Z0-9_]+]]: tensor<16xf32>, %[[WG:[a-zA-Z0-9_]+]]: tensor<16x1x3x3x!snn.fixed<8, 7>>, %[[C:[a-zA-Z0-9_]+]]: tensor<4x1x16x8x8x!snn.count<2>>)
// CHECK-NEXT: snn.conv2d %[[S]], %[[W]], %[[B]] : (tensor<4x1x3x8x8x!snn.spike>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<4x1x16x6x6xf32>
// CHECK-NEXT: snn.conv2d %[[S]], %[[W]] : (tensor<4x1x3x8x8x!snn.spike>, tensor<16x3x3x3xf32>) -> tensor<4x1x16x6x6xf32>
// CHECK-NEXT: snn.conv2d %[[S]], %[[W]], %[[B]] {pad = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<4x1x3x8x8x!snn.spike>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<4x1x16x4x4xf32>
// CHECK-NEXT: snn.conv2d %[[C]], %[[WG]] {dilation = array<i64: 2, 2>, groups = 16 : i64, pad = array<i64: 2, 1, 0, 3>} : (tensor<4x1x16x8x8x!snn.count<2>>, tensor<16x1x3x3x!snn.fixed<8, 7>>) -> tensor<4x1x16x6x8x!snn.fixed<16, 7>>
// CHECK-NEXT: return
func.func @conv2d(%s: tensor<4x1x3x8x8x!snn.spike>, %w: tensor<16x3x3x3xf32>,
                  %b: tensor<16xf32>, %wg: tensor<16x1x3x3x!snn.fixed<8, 7>>,
                  %c: tensor<4x1x16x8x8x!snn.count<2>>) {
  %0 = snn.conv2d %s, %w, %b
         : (tensor<4x1x3x8x8x!snn.spike>, tensor<16x3x3x3xf32>, tensor<16xf32>)
           -> tensor<4x1x16x6x6xf32>
  // Every attribute at its default value.
  %1 = snn.conv2d %s, %w {strides = array<i64: 1, 1>,
                          pad = array<i64: 0, 0, 0, 0>,
                          dilation = array<i64: 1, 1>, groups = 1 : i64}
         : (tensor<4x1x3x8x8x!snn.spike>, tensor<16x3x3x3xf32>)
           -> tensor<4x1x16x6x6xf32>
  // OH = (8 + 1 + 1 - 3) / 2 + 1 = 4.
  %2 = snn.conv2d %s, %w, %b {strides = array<i64: 2, 2>,
                              pad = array<i64: 1, 1, 1, 1>}
         : (tensor<4x1x3x8x8x!snn.spike>, tensor<16x3x3x3xf32>, tensor<16xf32>)
           -> tensor<4x1x16x4x4xf32>
  // Depthwise, dilated, asymmetric padding:
  // OH = 8 + 2 + 0 - 2 * 2 - 1 + 1 = 6, OW = 8 + 1 + 3 - 2 * 2 - 1 + 1 = 8.
  %3 = snn.conv2d %c, %wg {groups = 16 : i64, dilation = array<i64: 2, 2>,
                           pad = array<i64: 2, 1, 0, 3>}
         : (tensor<4x1x16x8x8x!snn.count<2>>, tensor<16x1x3x3x!snn.fixed<8, 7>>)
           -> tensor<4x1x16x6x8x!snn.fixed<16, 7>>
  return
}

// CHECK-LABEL: func.func @batch_norm(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x1x16x6x6xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<16xf32>, %[[B:[a-zA-Z0-9_]+]]: tensor<16xf32>, %[[M:[a-zA-Z0-9_]+]]: tensor<16xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<16xf32>, %[[P:[a-zA-Z0-9_]+]]: tensor<6xf32>, %[[PD:[a-zA-Z0-9_]+]]: tensor<?xf32>)
// CHECK-NEXT: snn.batch_norm %[[X]], %[[G]], %[[B]], %[[M]], %[[V]] {channel_dim = 2 : i64} : tensor<4x1x16x6x6xf32>, tensor<16xf32>
// CHECK-NEXT: snn.batch_norm %[[X]], %[[G]], %[[B]], %[[M]], %[[V]] {channel_dim = 2 : i64} : tensor<4x1x16x6x6xf32>, tensor<16xf32>
// CHECK-NEXT: snn.batch_norm %[[X]], %[[P]], %[[P]], %[[P]], %[[P]] {channel_dim = 4 : i64, epsilon = 1.000000e-03 : f64} : tensor<4x1x16x6x6xf32>, tensor<6xf32>
// CHECK-NEXT: snn.batch_norm %[[X]], %[[PD]], %[[PD]], %[[PD]], %[[PD]] {channel_dim = 0 : i64, epsilon = 0.000000e+00 : f64} : tensor<4x1x16x6x6xf32>, tensor<?xf32>
// CHECK-NEXT: return
func.func @batch_norm(%x: tensor<4x1x16x6x6xf32>, %g: tensor<16xf32>,
                      %b: tensor<16xf32>, %m: tensor<16xf32>,
                      %v: tensor<16xf32>, %p: tensor<6xf32>,
                      %pd: tensor<?xf32>) {
  %0 = snn.batch_norm %x, %g, %b, %m, %v {channel_dim = 2 : i64}
         : tensor<4x1x16x6x6xf32>, tensor<16xf32>
  // The default epsilon is elided.
  %1 = snn.batch_norm %x, %g, %b, %m, %v {channel_dim = 2 : i64, epsilon = 1.0e-5}
         : tensor<4x1x16x6x6xf32>, tensor<16xf32>
  %2 = snn.batch_norm %x, %p, %p, %p, %p {channel_dim = 4 : i64, epsilon = 1.0e-3}
         : tensor<4x1x16x6x6xf32>, tensor<6xf32>
  // channel_dim = 0 is allowed (dimension 0 of a [N, C, ...] tensor);
  // the dynamic channel count matches anything.
  %3 = snn.batch_norm %x, %pd, %pd, %pd, %pd {channel_dim = 0 : i64, epsilon = 0.0}
         : tensor<4x1x16x6x6xf32>, tensor<?xf32>
  return
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @pool(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x1x16x8x8x!snn.spike>, %[[X:[a-zA-Z0-9_]+]]: tensor<4x16x7x7xf32>, %[[Q:[a-zA-Z0-9_]+]]: tensor<2x3x4x4x!snn.fixed<8, 3>>, %[[C:[a-zA-Z0-9_]+]]: tensor<1x4x4x!snn.count<3>>)
// CHECK-NEXT: snn.max_pool2d %[[S]] {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<4x1x16x8x8x!snn.spike> -> tensor<4x1x16x4x4x!snn.spike>
// CHECK-NEXT: snn.max_pool2d %[[X]] {ceil_mode = true, kernel = array<i64: 3, 3>, pad = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<4x16x7x7xf32> -> tensor<4x16x4x4xf32>
// CHECK-NEXT: snn.max_pool2d %[[X]] {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : tensor<4x16x7x7xf32> -> tensor<4x16x3x3xf32>
// CHECK-NEXT: snn.max_pool2d %[[Q]] {kernel = array<i64: 2, 1>, strides = array<i64: 1, 2>} : tensor<2x3x4x4x!snn.fixed<8, 3>> -> tensor<2x3x3x2x!snn.fixed<8, 3>>
// CHECK-NEXT: snn.max_pool2d %[[C]] {ceil_mode = true, kernel = array<i64: 2, 2>, pad = array<i64: 1, 1, 1, 1>, strides = array<i64: 3, 3>} : tensor<1x4x4x!snn.count<3>> -> tensor<1x2x2x!snn.count<3>>
// CHECK-NEXT: snn.avg_pool2d %[[S]] {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<4x1x16x8x8x!snn.spike> -> tensor<4x1x16x4x4xf32>
// CHECK-NEXT: snn.avg_pool2d %[[X]] {ceil_mode = true, count_include_pad = false, kernel = array<i64: 3, 3>, pad = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<4x16x7x7xf32> -> tensor<4x16x4x4xf32>
// CHECK-NEXT: snn.avg_pool2d %[[X]] {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : tensor<4x16x7x7xf32> -> tensor<4x16x3x3xf32>
// CHECK-NEXT: return
func.func @pool(%s: tensor<4x1x16x8x8x!snn.spike>, %x: tensor<4x16x7x7xf32>,
                %q: tensor<2x3x4x4x!snn.fixed<8, 3>>,
                %c: tensor<1x4x4x!snn.count<3>>) {
  // Max pooling of spikes is an OR: the result stays spikes.
  %0 = snn.max_pool2d %s {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
         : tensor<4x1x16x8x8x!snn.spike> -> tensor<4x1x16x4x4x!snn.spike>
  // ceil_mode: ceil((7 + 2 - 3) / 2) + 1 = 4 (the last window starts at
  // input index 3 * 2 - 1 = 5, inside the input, so it is kept).
  %1 = snn.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>,
                          pad = array<i64: 1, 1, 1, 1>, ceil_mode = true}
         : tensor<4x16x7x7xf32> -> tensor<4x16x4x4xf32>
  // Defaults spelled out are elided.
  %2 = snn.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>,
                          pad = array<i64: 0, 0, 0, 0>, ceil_mode = false}
         : tensor<4x16x7x7xf32> -> tensor<4x16x3x3xf32>
  %3 = snn.max_pool2d %q {kernel = array<i64: 2, 1>, strides = array<i64: 1, 2>}
         : tensor<2x3x4x4x!snn.fixed<8, 3>> -> tensor<2x3x3x2x!snn.fixed<8, 3>>
  // ceil_mode where PyTorch drops the last window: ceil((4 + 2 - 2) / 3) + 1
  // = 3, but the third window would start at 6 - 1 = 5 >= 4, past the input.
  %7 = snn.max_pool2d %c {kernel = array<i64: 2, 2>, strides = array<i64: 3, 3>,
                          pad = array<i64: 1, 1, 1, 1>, ceil_mode = true}
         : tensor<1x4x4x!snn.count<3>> -> tensor<1x2x2x!snn.count<3>>
  // Average pooling of spikes gives f32.
  %4 = snn.avg_pool2d %s {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
         : tensor<4x1x16x8x8x!snn.spike> -> tensor<4x1x16x4x4xf32>
  %5 = snn.avg_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>,
                          pad = array<i64: 1, 1, 1, 1>, ceil_mode = true,
                          count_include_pad = false}
         : tensor<4x16x7x7xf32> -> tensor<4x16x4x4xf32>
  %6 = snn.avg_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>,
                          count_include_pad = true, ceil_mode = false,
                          pad = array<i64: 0, 0, 0, 0>}
         : tensor<4x16x7x7xf32> -> tensor<4x16x3x3xf32>
  return
}

//===----------------------------------------------------------------------===//
// add, scale, readout
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @add(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.spike>, %[[C:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.count<2>>, %[[F:[a-zA-Z0-9_]+]]: tensor<4x8xf32>, %[[X:[a-zA-Z0-9_]+]]: tensor<4x8x!snn.fixed<8, 4>>)
// CHECK-NEXT: snn.add %[[S]], %[[S]] : tensor<4x8x!snn.spike>, tensor<4x8x!snn.spike> -> tensor<4x8x!snn.count<2>>
// CHECK-NEXT: snn.add %[[C]], %[[S]] : tensor<4x8x!snn.count<2>>, tensor<4x8x!snn.spike> -> tensor<4x8x!snn.count<3>>
// CHECK-NEXT: snn.add %[[C]], %[[C]] : tensor<4x8x!snn.count<2>>, tensor<4x8x!snn.count<2>> -> tensor<4x8x!snn.count<100>>
// CHECK-NEXT: snn.add %[[F]], %[[S]] : tensor<4x8xf32>, tensor<4x8x!snn.spike> -> tensor<4x8xf32>
// CHECK-NEXT: snn.add %[[C]], %[[F]] : tensor<4x8x!snn.count<2>>, tensor<4x8xf32> -> tensor<4x8xf32>
// CHECK-NEXT: snn.add %[[F]], %[[F]] : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
// CHECK-NEXT: snn.add %[[X]], %[[X]] : tensor<4x8x!snn.fixed<8, 4>>, tensor<4x8x!snn.fixed<8, 4>> -> tensor<4x8x!snn.fixed<9, 4>>
// CHECK-NEXT: snn.add %[[X]], %[[X]] : tensor<4x8x!snn.fixed<8, 4>>, tensor<4x8x!snn.fixed<8, 4>> -> tensor<4x8x!snn.fixed<4, 4>>
// CHECK-NEXT: return
func.func @add(%s: tensor<4x8x!snn.spike>, %c: tensor<4x8x!snn.count<2>>,
               %f: tensor<4x8xf32>, %x: tensor<4x8x!snn.fixed<8, 4>>) {
  // Spike shortcuts: exact counts with a large enough bound.
  %0 = snn.add %s, %s : tensor<4x8x!snn.spike>, tensor<4x8x!snn.spike>
         -> tensor<4x8x!snn.count<2>>
  %1 = snn.add %c, %s : tensor<4x8x!snn.count<2>>, tensor<4x8x!snn.spike>
         -> tensor<4x8x!snn.count<3>>
  %2 = snn.add %c, %c : tensor<4x8x!snn.count<2>>, tensor<4x8x!snn.count<2>>
         -> tensor<4x8x!snn.count<100>>
  // Membrane shortcuts in f32.
  %3 = snn.add %f, %s : tensor<4x8xf32>, tensor<4x8x!snn.spike> -> tensor<4x8xf32>
  %4 = snn.add %c, %f : tensor<4x8x!snn.count<2>>, tensor<4x8xf32> -> tensor<4x8xf32>
  %5 = snn.add %f, %f : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  // Fixed point: equal fractional bits, any result width (saturating).
  %6 = snn.add %x, %x : tensor<4x8x!snn.fixed<8, 4>>, tensor<4x8x!snn.fixed<8, 4>>
         -> tensor<4x8x!snn.fixed<9, 4>>
  %7 = snn.add %x, %x : tensor<4x8x!snn.fixed<8, 4>>, tensor<4x8x!snn.fixed<8, 4>>
         -> tensor<4x8x!snn.fixed<4, 4>>
  return
}

// CHECK-LABEL: func.func @scale(
// CHECK-SAME: %[[F:[a-zA-Z0-9_]+]]: tensor<4x8xf32>)
// CHECK-NEXT: %[[A:.+]] = snn.scale %[[F]] by 1.250000e-01 : tensor<4x8xf32>
// CHECK-NEXT: %[[B:.+]] = snn.scale %[[A]] by 3.000000e+00 : tensor<4x8xf32>
// CHECK-NEXT: %[[C:.+]] = snn.scale %[[B]] by -2.500000e+00 : tensor<4x8xf32>
// CHECK-NEXT: %[[D:.+]] = snn.scale %[[C]] by 1.000000e+00 : tensor<4x8xf32>
// CHECK-NEXT: return %[[D]]
func.func @scale(%f: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = snn.scale %f by 0.125 : tensor<4x8xf32>
  %1 = snn.scale %0 by 3.0 : tensor<4x8xf32>
  %2 = snn.scale %1 by -2.5 : tensor<4x8xf32>
  %3 = snn.scale %2 by 1.0 : tensor<4x8xf32>
  return %3 : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @readout(
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: tensor<4x2x16x10x!snn.spike>, %[[X:[a-zA-Z0-9_]+]]: tensor<4x2x16x10x!snn.fixed<16, 8>>, %[[F:[a-zA-Z0-9_]+]]: tensor<4x2x3x5x10xf32>)
// CHECK-NEXT: snn.readout %[[S]] {token_dims = array<i64: 2>} : tensor<4x2x16x10x!snn.spike> -> tensor<2x10xf32>
// CHECK-NEXT: snn.readout %[[X]] {rounding = #snn.rounding<floor>, token_dims = array<i64: 2>} : tensor<4x2x16x10x!snn.fixed<16, 8>> -> tensor<2x10x!snn.fixed<16, 8>>
// CHECK-NEXT: snn.readout %[[X]] {token_dims = array<i64: 2>} : tensor<4x2x16x10x!snn.fixed<16, 8>> -> tensor<2x10x!snn.fixed<16, 8>>
// CHECK-NEXT: snn.readout %[[F]] {token_dims = array<i64: 3, 2>} : tensor<4x2x3x5x10xf32> -> tensor<2x10xf32>
// CHECK-NEXT: snn.readout %[[F]] {token_dims = array<i64>} : tensor<4x2x3x5x10xf32> -> tensor<2x3x5x10xf32>
// CHECK-NEXT: snn.readout %[[S]] {token_dims = array<i64: 2>} : tensor<4x2x16x10x!snn.spike> -> tensor<2x10x!snn.fixed<16, 8>>
// CHECK-NEXT: return
func.func @readout(%s: tensor<4x2x16x10x!snn.spike>,
                   %x: tensor<4x2x16x10x!snn.fixed<16, 8>>,
                   %f: tensor<4x2x3x5x10xf32>) {
  %0 = snn.readout %s {token_dims = array<i64: 2>}
         : tensor<4x2x16x10x!snn.spike> -> tensor<2x10xf32>
  %1 = snn.readout %x {token_dims = array<i64: 2>, rounding = #snn.rounding<floor>}
         : tensor<4x2x16x10x!snn.fixed<16, 8>> -> tensor<2x10x!snn.fixed<16, 8>>
  %2 = snn.readout %x {token_dims = array<i64: 2>,
                       rounding = #snn.rounding<nearest_even>}
         : tensor<4x2x16x10x!snn.fixed<16, 8>> -> tensor<2x10x!snn.fixed<16, 8>>
  // Several token dimensions, in any order; none at all.
  %3 = snn.readout %f {token_dims = array<i64: 3, 2>}
         : tensor<4x2x3x5x10xf32> -> tensor<2x10xf32>
  %4 = snn.readout %f {token_dims = array<i64>}
         : tensor<4x2x3x5x10xf32> -> tensor<2x3x5x10xf32>
  %5 = snn.readout %s {token_dims = array<i64: 2>}
         : tensor<4x2x16x10x!snn.spike> -> tensor<2x10x!snn.fixed<16, 8>>
  return
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @spiking_attention(
// CHECK-SAME: %[[Q:[a-zA-Z0-9_]+]]: tensor<2x1x4x8x!snn.spike>, %[[K:[a-zA-Z0-9_]+]]: tensor<2x1x4x8x!snn.spike>, %[[V:[a-zA-Z0-9_]+]]: tensor<2x1x4x8x!snn.spike>)
// CHECK-NEXT: %[[A:.+]] = snn.spiking_attention <ssa> %[[Q]], %[[K]], %[[V]] {neuron = #snn.neuron<v_threshold = 0.5>, num_heads = 2 : i64, scale = 1.250000e-01 : f64} : tensor<2x1x4x8x!snn.spike>
// CHECK-NEXT: %[[B:.+]] = snn.spiking_attention <ssa> %[[Q]], %[[K]], %[[A]] {head_keep_ratio = 5.000000e-01 : f64, neuron = #snn.neuron<>, num_heads = 4 : i64} : tensor<2x1x4x8x!snn.spike>
// CHECK-NEXT: %[[C:.+]] = snn.spiking_attention <sdsa> %[[Q]], %[[K]], %[[V]] {neuron = #snn.neuron<leaky = false, v_threshold = 0.25>, num_heads = 1 : i64, scale = 3.000000e+00 : f64} : tensor<2x1x4x8x!snn.spike>
// CHECK-NEXT: %[[D:.+]] = snn.spiking_attention <sdsa> %[[Q]], %[[C]], %[[B]] {head_keep_ratio = 1.000000e+00 : f64, neuron = #snn.neuron<leaky = false, tau = 4.0, v_threshold = 4.0, v_reset = -1.0, reset = soft, decay_input = false, compare = gt, v_init = 2.5, membrane_type = <16, 4>, rounding = floor>, num_heads = 2 : i64} : tensor<2x1x4x8x!snn.spike>
// CHECK-NEXT: %[[E:.+]] = snn.spiking_attention <ssa> %[[Q]], %[[K]], %[[D]] {head_keep_ratio = 2.500000e-01 : f64, neuron = #snn.neuron<v_threshold = 8.0, membrane_type = <8, -2>>, num_heads = 8 : i64, scale = 4.000000e+00 : f64} : tensor<2x1x4x8x!snn.spike>
// CHECK-NEXT: return %[[E]]
func.func @spiking_attention(%q: tensor<2x1x4x8x!snn.spike>,
                             %k: tensor<2x1x4x8x!snn.spike>,
                             %v: tensor<2x1x4x8x!snn.spike>)
    -> tensor<2x1x4x8x!snn.spike> {
  // Spikformer's SSA: scale 0.125, attention neuron threshold 0.5.
  %0 = snn.spiking_attention <ssa> %q, %k, %v
         {num_heads = 2 : i64, scale = 0.125,
          neuron = #snn.neuron<v_threshold = 0.5>} : tensor<2x1x4x8x!snn.spike>
  // With head pruning; the default scale 1.0 is elided.
  %1 = snn.spiking_attention <ssa> %q, %k, %0
         {num_heads = 4 : i64, scale = 1.0, head_keep_ratio = 0.5,
          neuron = #snn.neuron<>} : tensor<2x1x4x8x!snn.spike>
  // SDSA without pruning, float neuron (any positive scale).
  %2 = snn.spiking_attention <sdsa> %q, %k, %v
         {num_heads = 1 : i64, scale = 3.0,
          neuron = #snn.neuron<leaky = false, v_threshold = 0.25>}
         : tensor<2x1x4x8x!snn.spike>
  // SDSA with pruning and a fixed-point neuron (power-of-two scale 1.0).
  %3 = snn.spiking_attention <sdsa> %q, %2, %1
         {num_heads = 2 : i64, head_keep_ratio = 1.0,
          neuron = #snn.neuron<leaky = false, tau = 4.0, v_threshold = 4.0,
                               v_reset = -1.0, reset = soft,
                               decay_input = false, compare = gt, v_init = 2.5,
                               membrane_type = !snn.fixed<16, 4>,
                               rounding = floor>}
         : tensor<2x1x4x8x!snn.spike>
  // SSA with pruning and a fixed-point neuron of LSB 4: scale 4 = 2^2 is
  // representable.
  %4 = snn.spiking_attention <ssa> %q, %k, %3
         {num_heads = 8 : i64, scale = 4.0, head_keep_ratio = 0.25,
          neuron = #snn.neuron<v_threshold = 8.0,
                               membrane_type = !snn.fixed<8, -2>>}
         : tensor<2x1x4x8x!snn.spike>
  return %4 : tensor<2x1x4x8x!snn.spike>
}

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @moe_router(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x2x16x32x!snn.spike>, %[[W:[a-zA-Z0-9_]+]]: tensor<4x32xf32>, %[[B:[a-zA-Z0-9_]+]]: tensor<4xf32>, %[[F:[a-zA-Z0-9_]+]]: tensor<4x2x16x32xf32>)
// CHECK-NEXT: %{{.+}}, %{{.+}}, %{{.+}} = snn.moe_router %[[X]], %[[W]] {top_k = 2 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<4x32xf32>) -> (tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>)
// CHECK-NEXT: %{{.+}}, %{{.+}}, %{{.+}} = snn.moe_router %[[X]], %[[W]], %[[B]] {capacity = 8 : i64, normalize_gates = true, route_time_step = 3 : i64, top_k = 2 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<4x32xf32>, tensor<4xf32>) -> (tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>)
// CHECK-NEXT: %{{.+}}, %{{.+}}, %{{.+}} = snn.moe_router %[[F]], %[[W]] {top_k = 1 : i64} : (tensor<4x2x16x32xf32>, tensor<4x32xf32>) -> (tensor<2x16x1xi32>, tensor<2x16x1xf32>, tensor<2x16x1xi32>)
// CHECK-NEXT: %{{.+}}, %{{.+}}, %{{.+}} = snn.moe_router %[[X]], %[[W]], %[[B]] {capacity = 1 : i64, route_time_step = 0 : i64, top_k = 4 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<4x32xf32>, tensor<4xf32>) -> (tensor<2x16x4xi32>, tensor<2x16x4xf32>, tensor<2x16x4xi32>)
// CHECK-NEXT: return
func.func @moe_router(%x: tensor<4x2x16x32x!snn.spike>, %w: tensor<4x32xf32>,
                      %b: tensor<4xf32>, %f: tensor<4x2x16x32xf32>) {
  %i0, %g0, %s0 = snn.moe_router %x, %w {top_k = 2 : i64}
      : (tensor<4x2x16x32x!snn.spike>, tensor<4x32xf32>)
        -> (tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>)
  %i1, %g1, %s1 = snn.moe_router %x, %w, %b
      {top_k = 2 : i64, capacity = 8 : i64, normalize_gates = true,
       route_time_step = 3 : i64}
      : (tensor<4x2x16x32x!snn.spike>, tensor<4x32xf32>, tensor<4xf32>)
        -> (tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>)
  // normalize_gates = false is the default and is elided.
  %i2, %g2, %s2 = snn.moe_router %f, %w {top_k = 1 : i64, normalize_gates = false}
      : (tensor<4x2x16x32xf32>, tensor<4x32xf32>)
        -> (tensor<2x16x1xi32>, tensor<2x16x1xf32>, tensor<2x16x1xi32>)
  // top_k = E, capacity 1, routing on the first time step.
  %i3, %g3, %s3 = snn.moe_router %x, %w, %b
      {top_k = 4 : i64, capacity = 1 : i64, route_time_step = 0 : i64}
      : (tensor<4x2x16x32x!snn.spike>, tensor<4x32xf32>, tensor<4xf32>)
        -> (tensor<2x16x4xi32>, tensor<2x16x4xf32>, tensor<2x16x4xi32>)
  return
}

// CHECK-LABEL: func.func @moe(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x2x16x32x!snn.spike>, %[[W:[a-zA-Z0-9_]+]]: tensor<4x32xf32>, %[[W1:[a-zA-Z0-9_]+]]: tensor<4x64x32xf32>, %[[TH:[a-zA-Z0-9_]+]]: tensor<4x64xf32>)
// CHECK-NEXT: %[[I:.+]], %[[G:.+]], %[[S:.+]] = snn.moe_router %[[X]], %[[W]] {capacity = 8 : i64, top_k = 2 : i64}
// CHECK-NEXT: %[[D:.+]] = snn.moe_dispatch %[[X]], %[[I]], %[[S]] {capacity = 8 : i64, num_experts = 4 : i64} : (tensor<4x2x16x32x!snn.spike>, tensor<2x16x2xi32>, tensor<2x16x2xi32>) -> tensor<4x4x2x8x32x!snn.spike>
// CHECK-NEXT: %[[Y:.+]] = snn.moe_experts %[[D]] params(%[[W1]], %[[TH]] : tensor<4x64x32xf32>, tensor<4x64xf32>) : tensor<4x4x2x8x32x!snn.spike> -> tensor<4x4x2x8x64x!snn.spike> {
// CHECK-NEXT: ^bb0(%[[T:.+]]: tensor<4x2x8x32x!snn.spike>, %[[WE:.+]]: tensor<64x32xf32>, %[[TE:.+]]: tensor<64xf32>):
// CHECK-NEXT:   %[[H:.+]] = snn.linear %[[T]], %[[WE]] : (tensor<4x2x8x32x!snn.spike>, tensor<64x32xf32>) -> tensor<4x2x8x64xf32>
// CHECK-NEXT:   %[[O:.+]] = snn.lif %[[H]] channel_threshold(%[[TE]] : tensor<64xf32>) {channel_dim = 3 : i64} : tensor<4x2x8x64xf32> -> tensor<4x2x8x64x!snn.spike>
// CHECK-NEXT:   snn.yield %[[O]] : tensor<4x2x8x64x!snn.spike>
// CHECK-NEXT: }
// CHECK-NEXT: %[[Y2:.+]] = snn.moe_experts %[[D]] : tensor<4x4x2x8x32x!snn.spike> -> tensor<4x4x2x8x32x!snn.spike> {
// CHECK-NEXT: ^bb0(%[[T2:.+]]: tensor<4x2x8x32x!snn.spike>):
// CHECK-NEXT:   snn.yield %[[T2]] : tensor<4x2x8x32x!snn.spike>
// CHECK-NEXT: }
// CHECK-NEXT: %[[R:.+]] = snn.moe_combine %[[Y]], %[[I]], %[[G]], %[[S]] : (tensor<4x4x2x8x64x!snn.spike>, tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>) -> tensor<4x2x16x64xf32>
// CHECK-NEXT: %[[R2:.+]] = snn.moe_combine %[[Y2]], %[[I]], %[[G]], %[[S]] : (tensor<4x4x2x8x32x!snn.spike>, tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>) -> tensor<4x2x16x32xf32>
// CHECK-NEXT: return %[[R]], %[[R2]]
func.func @moe(%x: tensor<4x2x16x32x!snn.spike>, %w: tensor<4x32xf32>,
               %w1: tensor<4x64x32xf32>, %th: tensor<4x64xf32>)
    -> (tensor<4x2x16x64xf32>, tensor<4x2x16x32xf32>) {
  %i, %g, %s = snn.moe_router %x, %w {top_k = 2 : i64, capacity = 8 : i64}
      : (tensor<4x2x16x32x!snn.spike>, tensor<4x32xf32>)
        -> (tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<2x16x2xi32>)
  %d = snn.moe_dispatch %x, %i, %s {num_experts = 4 : i64, capacity = 8 : i64}
      : (tensor<4x2x16x32x!snn.spike>, tensor<2x16x2xi32>, tensor<2x16x2xi32>)
        -> tensor<4x4x2x8x32x!snn.spike>
  // Expert body with stacked per-expert weights and thresholds.
  %y = snn.moe_experts %d params(%w1, %th : tensor<4x64x32xf32>, tensor<4x64xf32>)
      : tensor<4x4x2x8x32x!snn.spike> -> tensor<4x4x2x8x64x!snn.spike> {
  ^bb0(%t: tensor<4x2x8x32x!snn.spike>, %we: tensor<64x32xf32>,
       %te: tensor<64xf32>):
    %h = snn.linear %t, %we
        : (tensor<4x2x8x32x!snn.spike>, tensor<64x32xf32>) -> tensor<4x2x8x64xf32>
    %o = snn.lif %h channel_threshold(%te : tensor<64xf32>) {channel_dim = 3 : i64}
        : tensor<4x2x8x64xf32> -> tensor<4x2x8x64x!snn.spike>
    snn.yield %o : tensor<4x2x8x64x!snn.spike>
  }
  // Expert body without params.
  %y2 = snn.moe_experts %d
      : tensor<4x4x2x8x32x!snn.spike> -> tensor<4x4x2x8x32x!snn.spike> {
  ^bb0(%t: tensor<4x2x8x32x!snn.spike>):
    snn.yield %t : tensor<4x2x8x32x!snn.spike>
  }
  %r = snn.moe_combine %y, %i, %g, %s
      : (tensor<4x4x2x8x64x!snn.spike>, tensor<2x16x2xi32>, tensor<2x16x2xf32>,
         tensor<2x16x2xi32>) -> tensor<4x2x16x64xf32>
  %r2 = snn.moe_combine %y2, %i, %g, %s
      : (tensor<4x4x2x8x32x!snn.spike>, tensor<2x16x2xi32>, tensor<2x16x2xf32>,
         tensor<2x16x2xi32>) -> tensor<4x2x16x32xf32>
  return %r, %r2 : tensor<4x2x16x64xf32>, tensor<4x2x16x32xf32>
}

// Dispatch without a router capacity (C = N), f32 tokens, f32 expert output.
// CHECK-LABEL: func.func @moe_f32(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<1x2x3x4xf32>, %[[I:[a-zA-Z0-9_]+]]: tensor<2x3x1xi32>, %[[G:[a-zA-Z0-9_]+]]: tensor<2x3x1xf32>, %[[S:[a-zA-Z0-9_]+]]: tensor<2x3x1xi32>)
// CHECK-NEXT: %[[D:.+]] = snn.moe_dispatch %[[X]], %[[I]], %[[S]] {capacity = 3 : i64, num_experts = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<2x3x1xi32>, tensor<2x3x1xi32>) -> tensor<2x1x2x3x4xf32>
// CHECK-NEXT: %[[Y:.+]] = snn.moe_experts %[[D]] : tensor<2x1x2x3x4xf32> -> tensor<2x1x2x3x4xf32> {
// CHECK-NEXT: ^bb0(%[[T:.+]]: tensor<1x2x3x4xf32>):
// CHECK-NEXT:   %[[U:.+]] = snn.scale %[[T]] by 2.000000e+00 : tensor<1x2x3x4xf32>
// CHECK-NEXT:   snn.yield %[[U]] : tensor<1x2x3x4xf32>
// CHECK-NEXT: }
// CHECK-NEXT: snn.moe_combine %[[Y]], %[[I]], %[[G]], %[[S]] : (tensor<2x1x2x3x4xf32>, tensor<2x3x1xi32>, tensor<2x3x1xf32>, tensor<2x3x1xi32>) -> tensor<1x2x3x4xf32>
func.func @moe_f32(%x: tensor<1x2x3x4xf32>, %i: tensor<2x3x1xi32>,
                   %g: tensor<2x3x1xf32>, %s: tensor<2x3x1xi32>)
    -> tensor<1x2x3x4xf32> {
  %d = snn.moe_dispatch %x, %i, %s {num_experts = 2 : i64, capacity = 3 : i64}
      : (tensor<1x2x3x4xf32>, tensor<2x3x1xi32>, tensor<2x3x1xi32>)
        -> tensor<2x1x2x3x4xf32>
  %y = snn.moe_experts %d : tensor<2x1x2x3x4xf32> -> tensor<2x1x2x3x4xf32> {
  ^bb0(%t: tensor<1x2x3x4xf32>):
    %u = snn.scale %t by 2.0 : tensor<1x2x3x4xf32>
    snn.yield %u : tensor<1x2x3x4xf32>
  }
  %r = snn.moe_combine %y, %i, %g, %s
      : (tensor<2x1x2x3x4xf32>, tensor<2x3x1xi32>, tensor<2x3x1xf32>,
         tensor<2x3x1xi32>) -> tensor<1x2x3x4xf32>
  return %r : tensor<1x2x3x4xf32>
}

// Mixture of heads: dense gates from a routing (scaled by K = 2) weight the
// SSA heads per token; zero_experts marks experts an export compiled out.
// CHECK-LABEL: func.func @mixture_of_heads(
// CHECK: %[[G:.+]] = snn.moe_gates %{{.+}}, %{{.+}} {num_experts = 2 : i64, scale = 2.000000e+00 : f64} : (tensor<1x4x1xi32>, tensor<1x4x1xf32>) -> tensor<1x4x2xf32>
// CHECK-NEXT: %[[U:.+]] = snn.moe_gates %{{.+}}, %{{.+}} {num_experts = 2 : i64} : (tensor<1x4x1xi32>, tensor<1x4x1xf32>) -> tensor<1x4x2xf32>
// CHECK-NEXT: snn.spiking_attention <ssa> %{{.+}}, %{{.+}}, %{{.+}} head_gate(%[[G]] : tensor<1x4x2xf32>) {neuron = #snn.neuron<v_threshold = 0.5>, num_heads = 2 : i64, scale = 1.250000e-01 : f64} : tensor<2x1x4x8x!snn.spike>
// CHECK: snn.moe_experts %{{.+}} {zero_experts = array<i64: 1>} : tensor<2x2x1x4x8x!snn.spike> -> tensor<2x2x1x4x8x!snn.spike>
func.func @mixture_of_heads(%q: tensor<2x1x4x8x!snn.spike>,
                            %i: tensor<1x4x1xi32>, %g: tensor<1x4x1xf32>,
                            %d: tensor<2x2x1x4x8x!snn.spike>)
    -> (tensor<2x1x4x8x!snn.spike>, tensor<1x4x2xf32>,
        tensor<2x2x1x4x8x!snn.spike>) {
  %gates = snn.moe_gates %i, %g {num_experts = 2 : i64, scale = 2.0}
      : (tensor<1x4x1xi32>, tensor<1x4x1xf32>) -> tensor<1x4x2xf32>
  %unit = snn.moe_gates %i, %g {num_experts = 2 : i64, scale = 1.0}
      : (tensor<1x4x1xi32>, tensor<1x4x1xf32>) -> tensor<1x4x2xf32>
  %a = snn.spiking_attention <ssa> %q, %q, %q head_gate(%gates : tensor<1x4x2xf32>)
         {num_heads = 2 : i64, scale = 0.125,
          neuron = #snn.neuron<v_threshold = 0.5>} : tensor<2x1x4x8x!snn.spike>
  %y = snn.moe_experts %d {zero_experts = array<i64: 1>}
      : tensor<2x2x1x4x8x!snn.spike> -> tensor<2x2x1x4x8x!snn.spike> {
  ^bb0(%t: tensor<2x1x4x8x!snn.spike>):
    snn.yield %t : tensor<2x1x4x8x!snn.spike>
  }
  return %a, %unit, %y : tensor<2x1x4x8x!snn.spike>, tensor<1x4x2xf32>,
                         tensor<2x2x1x4x8x!snn.spike>
}
