// RUN: snn-opt %s --snn-quantize --split-input-file | FileCheck %s
// RUN: snn-opt %s --snn-quantize="weight-bits=4" --split-input-file | FileCheck %s --check-prefix=INT4
// RUN: snn-opt %s --snn-quantize="remarks=true" --split-input-file -o %t.discard 2>&1 | FileCheck %s --check-prefix=REMARK

// Hand-worked, weight-bits = 8 (qmax = 127):
//   channel 0: W = [0.5, -0.25], s = 0.5/127; q = [127, -63.5 -> -64 (half
//     even)]; bias 0.25/s = 63.5 -> 64; threshold 1/s = 254.
//   channel 1: W = [1.0, 0.125], s = 1/127; q = [127, 15.875 -> 16];
//     bias 0; threshold 127.
// weight-bits = 4 (qmax = 7): channel 0 s = 0.5/7, q = [7, -3.5 -> -4],
//   threshold 14; channel 1 s = 1/7, q = [7, 0.875 -> 1], threshold 7.
// CHECK-LABEL: func.func @linear_lif
// CHECK-DAG: %[[W:.+]] = snn.constant dense<{{\[}}[127, -64], [127, 16]]> : tensor<2x2xi8> -> tensor<2x2x!snn.fixed<8, 0>>
// CHECK-DAG: %[[B:.+]] = snn.constant dense<[64, 0]> : tensor<2xi64> -> tensor<2x!snn.fixed<32, 0>>
// CHECK: %[[Y:.+]] = snn.linear %arg0, %[[W]], %[[B]] : (tensor<4x3x2x!snn.spike>, tensor<2x2x!snn.fixed<8, 0>>, tensor<2x!snn.fixed<32, 0>>) -> tensor<4x3x2x!snn.fixed<32, 0>>
// CHECK: %[[TH:.+]] = arith.constant dense<[2.540000e+02, 1.270000e+02]> : tensor<2xf32>
// CHECK: snn.lif %[[Y]] channel_threshold(%[[TH]] : tensor<2xf32>) {channel_dim = 2 : i64, membrane_type = !snn.fixed<16, 0>, snn.onnx_name = "fc_lif", v_threshold = 2.540000e+02 : f64} : tensor<4x3x2x!snn.fixed<32, 0>> -> tensor<4x3x2x!snn.spike>
// INT4-LABEL: func.func @linear_lif
// INT4-DAG: snn.constant dense<{{\[}}[7, -4], [7, 1]]> : tensor<2x2xi8> -> tensor<2x2x!snn.fixed<4, 0>>
// INT4-DAG: arith.constant dense<[1.400000e+01, 7.000000e+00]> : tensor<2xf32>
func.func @linear_lif(%x: tensor<4x3x2x!snn.spike>) -> tensor<4x3x2x!snn.spike> {
  %w = arith.constant dense<[[0.5, -0.25], [1.0, 0.125]]> : tensor<2x2xf32>
  %b = arith.constant dense<[0.25, 0.0]> : tensor<2xf32>
  %y = snn.linear %x, %w, %b : (tensor<4x3x2x!snn.spike>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<4x3x2xf32>
  %s = snn.lif %y {snn.onnx_name = "fc_lif"} : tensor<4x3x2xf32> -> tensor<4x3x2x!snn.spike>
  return %s : tensor<4x3x2x!snn.spike>
}

// -----

// A batch norm on the synaptic op is folded first; a real-valued input
// (the image stem) stays float, and only it gets a remark.
// CHECK-LABEL: func.func @stem_and_bn
// CHECK: snn.conv2d %arg0, {{.*}} -> tensor<2x1x2x2xf32>
// CHECK: snn.if {{.*}} : tensor<2x1x2x2xf32> -> tensor<2x1x2x2x!snn.spike>
// CHECK: snn.linear {{.*}} -> tensor<2x3x!snn.fixed<32, 0>>
// CHECK-NOT: snn.batch_norm
// CHECK: snn.if {{.*}}membrane_type = !snn.fixed<16, 0>
// REMARK-COUNT-1: remark: stays in the float domain: the synaptic input is real-valued (f32)
// REMARK: remark: weights stay in the float domain: its input is real-valued (f32), e.g. the image stem; that needs activation quantization, not spikes or counts
// REMARK-NOT: remark
func.func @stem_and_bn(%img: tensor<2x1x2x2xf32>, %s: tensor<2x3x!snn.spike>)
    -> (tensor<2x1x2x2x!snn.spike>, tensor<2x3x!snn.spike>) {
  %k = arith.constant dense<0.5> : tensor<1x1x1x1xf32>
  %c = snn.conv2d %img, %k : (tensor<2x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<2x1x2x2xf32>
  %sc = snn.if %c : tensor<2x1x2x2xf32> -> tensor<2x1x2x2x!snn.spike>
  %w = arith.constant dense<[[0.5, 0.25, -0.5], [0.125, 1.0, 0.0], [0.0, 0.0, 0.25]]> : tensor<3x3xf32>
  %y = snn.linear %s, %w : (tensor<2x3x!snn.spike>, tensor<3x3xf32>) -> tensor<2x3xf32>
  %g = arith.constant dense<[1.0, 2.0, 0.5]> : tensor<3xf32>
  %be = arith.constant dense<[0.0, 0.5, 0.0]> : tensor<3xf32>
  %m = arith.constant dense<[0.0, 0.0, 0.25]> : tensor<3xf32>
  %v = arith.constant dense<[1.0, 1.0, 1.0]> : tensor<3xf32>
  %n = snn.batch_norm %y, %g, %be, %m, %v {channel_dim = 1 : i64, epsilon = 0.0 : f64} : tensor<2x3xf32>, tensor<3xf32>
  %o = snn.if %n : tensor<2x3xf32> -> tensor<2x3x!snn.spike>
  return %sc, %o : tensor<2x1x2x2x!snn.spike>, tensor<2x3x!snn.spike>
}

// -----

// Weight-only: the linear feeds a real-valued residual add, so no neuron
// can take the scale. Scales are max|row| / 127 in f32 (0.5 / 127 and
// 1 / 127); raw weights round W / scale half to even (-0.25 / (0.5 / 127)
// = -63.5 -> -64); the bias moves into the f32 epilogue unchanged.
// CHECK-LABEL: func.func @residual
// CHECK-DAG: %[[W:.+]] = snn.constant dense<{{\[}}[127, -64], [127, 16]]> : tensor<2x2xi8> -> tensor<2x2x!snn.fixed<8, 0>>
// CHECK-DAG: %[[S:.+]] = arith.constant dense<[0.00393700786, 0.00787401571]> : tensor<2xf32>
// CHECK-DAG: %[[B:.+]] = arith.constant dense<[2.500000e-01, 0.000000e+00]> : tensor<2xf32>
// CHECK: %[[A:.+]] = snn.linear %arg0, %[[W]] : (tensor<4x3x2x!snn.spike>, tensor<2x2x!snn.fixed<8, 0>>) -> tensor<4x3x2x!snn.fixed<32, 0>>
// CHECK: %[[D:.+]] = snn.dequantize %[[A]], %[[S]], %[[B]] {channel_dim = 2 : i64} : tensor<4x3x2x!snn.fixed<32, 0>>, tensor<2xf32>, tensor<2xf32> -> tensor<4x3x2xf32>
// CHECK: snn.add %[[D]], %arg1
// The weights are divided by the scale as stored: f32(0.5 / 7) is a little
// above 0.5 / 7, so -0.25 / scale is just above -3.5 and rounds to -3.
// INT4-LABEL: func.func @residual
// INT4-DAG: snn.constant dense<{{\[}}[7, -3], [7, 1]]> : tensor<2x2xi8> -> tensor<2x2x!snn.fixed<4, 0>>
// INT4: snn.dequantize
func.func @residual(%x: tensor<4x3x2x!snn.spike>, %r: tensor<4x3x2xf32>) -> tensor<4x3x2xf32> {
  %w = arith.constant dense<[[0.5, -0.25], [1.0, 0.125]]> : tensor<2x2xf32>
  %b = arith.constant dense<[0.25, 0.0]> : tensor<2xf32>
  %y = snn.linear %x, %w, %b : (tensor<4x3x2x!snn.spike>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<4x3x2xf32>
  %s = snn.add %y, %r : tensor<4x3x2xf32>, tensor<4x3x2xf32> -> tensor<4x3x2xf32>
  return %s : tensor<4x3x2xf32>
}

// -----

// Expert weights are parameters of snn.moe_experts: they become integer
// (one scale per expert and channel: expert 0 rows max 1 and 0.5, expert
// 1 rows max 0.25 and 2), the scales an extra parameter, and the body
// gets the matching argument for its epilogue.
// CHECK-LABEL: func.func @experts
// CHECK-DAG: %[[W:.+]] = snn.constant dense<{{\[}}{{\[}}[127, -64], [127, 0]], {{\[}}[127, 0], [-32, 127]]]> : tensor<2x2x2xi8> -> tensor<2x2x2x!snn.fixed<8, 0>>
// CHECK-DAG: %[[S:.+]] = arith.constant dense<{{\[}}[0.00787401571, 0.00393700786], [0.00196850393, 0.0157480314]]> : tensor<2x2xf32>
// CHECK: snn.moe_experts %arg0 params(%[[W]], %[[S]] : tensor<2x2x2x!snn.fixed<8, 0>>, tensor<2x2xf32>)
// CHECK: ^bb0(%{{.*}}: tensor<1x1x1x2x!snn.spike>, %[[WE:.+]]: tensor<2x2x!snn.fixed<8, 0>>, %[[SE:.+]]: tensor<2xf32>):
// CHECK: %[[A:.+]] = snn.linear %{{.*}}, %[[WE]] : {{.*}} -> tensor<1x1x1x2x!snn.fixed<32, 0>>
// CHECK: %[[D:.+]] = snn.dequantize %[[A]], %[[SE]] {channel_dim = 3 : i64}
// CHECK: snn.yield %[[D]]
func.func @experts(%d: tensor<2x1x1x1x2x!snn.spike>) -> tensor<2x1x1x1x2xf32> {
  %w = arith.constant dense<[[[1.0, -0.5], [0.5, 0.0]], [[0.25, 0.0], [-0.5, 2.0]]]> : tensor<2x2x2xf32>
  %e = snn.moe_experts %d params(%w : tensor<2x2x2xf32>)
      : tensor<2x1x1x1x2x!snn.spike> -> tensor<2x1x1x1x2xf32> {
  ^bb0(%tok: tensor<1x1x1x2x!snn.spike>, %we: tensor<2x2xf32>):
    %h = snn.linear %tok, %we : (tensor<1x1x1x2x!snn.spike>, tensor<2x2xf32>)
        -> tensor<1x1x1x2xf32>
    snn.yield %h : tensor<1x1x1x2xf32>
  }
  return %e : tensor<2x1x1x1x2xf32>
}
