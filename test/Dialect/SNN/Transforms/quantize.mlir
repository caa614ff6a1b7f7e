// RUN: snn-opt %s --snn-quantize --split-input-file | FileCheck %s
// RUN: snn-opt %s --snn-quantize="weight-bits=4" --split-input-file | FileCheck %s --check-prefix=INT4
// RUN: snn-opt %s --snn-quantize="remarks=true" --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK

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
