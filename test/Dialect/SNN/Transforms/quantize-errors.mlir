// RUN: snn-opt %s --snn-quantize="strict=true" -verify-diagnostics -split-input-file
// RUN: not snn-opt %s --snn-quantize="weight-bits=9" -split-input-file 2>&1 | FileCheck %s --check-prefix=BITS
// Without strict, the same neurons stay float; remarks=true names each.
// RUN: snn-opt %s --snn-quantize="remarks=true" -split-input-file 2>&1 | FileCheck %s --check-prefix=REMARK

// BITS: error: snn-quantize: weight-bits must be in 2..8, got 9
// REMARK: remark: stays in the float domain: the synaptic input is real-valued (f32), e.g. the image stem, not spikes or counts
// REMARK: remark: stays in the float domain: channel 0: threshold 1 / weight scale 7.87402e-09

func.func @stem(%img: tensor<2x1x2x2xf32>) -> tensor<2x1x2x2x!snn.spike> {
  %k = arith.constant dense<0.5> : tensor<1x1x1x1xf32>
  %c = snn.conv2d %img, %k : (tensor<2x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<2x1x2x2xf32>
  // expected-error @+1 {{cannot quantize this neuron: the synaptic input is real-valued (f32), e.g. the image stem, not spikes or counts}}
  %s = snn.if %c : tensor<2x1x2x2xf32> -> tensor<2x1x2x2x!snn.spike>
  return %s : tensor<2x1x2x2x!snn.spike>
}

// -----

// Threshold 1 over a weight scale of 1e-6 / 127: 1.27e8 LSBs.
func.func @tiny_weights(%x: tensor<2x2x!snn.spike>) -> tensor<2x2x!snn.spike> {
  %w = arith.constant dense<[[1.0e-6, 0.0], [0.0, 1.0e-6]]> : tensor<2x2xf32>
  %y = snn.linear %x, %w : (tensor<2x2x!snn.spike>, tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-error @+1 {{cannot quantize this neuron: channel 0: threshold 1 / weight scale 7.87402e-09 = 1.27e+08 does not fit the 16-bit membrane (max 32767); try a larger membrane-bits}}
  %s = snn.lif %y : tensor<2x2xf32> -> tensor<2x2x!snn.spike>
  return %s : tensor<2x2x!snn.spike>
}

// -----

// No neuron here: the stem conv feeds a real-valued add, and weight-only
// quantization needs spike or count input.
func.func @stem_residual(%img: tensor<2x1x2x2xf32>) -> tensor<2x1x2x2xf32> {
  %k = arith.constant dense<0.5> : tensor<1x1x1x1xf32>
  // expected-error @+1 {{cannot quantize the weights of this op: its input is real-valued (f32), e.g. the image stem; that needs activation quantization, not spikes or counts}}
  %c = snn.conv2d %img, %k : (tensor<2x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<2x1x2x2xf32>
  %s = snn.add %c, %img : tensor<2x1x2x2xf32>, tensor<2x1x2x2xf32> -> tensor<2x1x2x2xf32>
  return %s : tensor<2x1x2x2xf32>
}

// -----

// Weights computed at run time cannot be quantized ahead of time.
func.func @runtime_weights(%x: tensor<2x2x!snn.spike>, %w: tensor<2x2xf32>, %r: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{cannot quantize the weights of this op: the weights are not a constant f32 tensor}}
  %y = snn.linear %x, %w : (tensor<2x2x!snn.spike>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %s = snn.add %y, %r : tensor<2x2xf32>, tensor<2x2xf32> -> tensor<2x2xf32>
  return %s : tensor<2x2xf32>
}
