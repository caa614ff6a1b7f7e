// snn.name on function arguments and results names .npy files.
// RUN: snn-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{snn.name "x" is used by arguments 0 and 1}}
func.func private @dup(tensor<2xf32> {snn.name = "x"}, tensor<2xf32> {snn.name = "x"})

// -----

// expected-error @+1 {{snn.name "y" is used by results 0 and 1}}
func.func private @dup_results() -> (tensor<2xf32> {snn.name = "y"}, tensor<2xf32> {snn.name = "y"})

// -----

// expected-error @+1 {{snn.name "../etc/x" of argument 0 may only use letters, digits, '_', '-' and '.' (not first): it names a file}}
func.func private @path(tensor<2xf32> {snn.name = "../etc/x"})

// -----

// expected-error @+1 {{snn.name of result 0 must be a non-empty string}}
func.func private @empty() -> (tensor<2xf32> {snn.name = ""})

// -----

// expected-error @+1 {{snn.name of argument 0 must be a non-empty string}}
func.func private @not_string(tensor<2xf32> {snn.name = 3 : i64})

// -----

// expected-error @+1 {{unknown snn attribute 'snn.nmae' on argument 0 (only snn.name is defined)}}
func.func private @typo(tensor<2xf32> {snn.nmae = "x"})

// -----

// snn.onnx_name on an op records the ONNX tensor the op computes.
func.func @onnx_name(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{snn.onnx_name must be a non-empty string}}
  %y = snn.scale %x by 2.0 {snn.onnx_name = 7 : i64} : tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @op_typo(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{unknown snn attribute 'snn.onnx' (ops may carry snn.onnx_name, snn.pin, snn.pin_weights, snn.pin_output, snn.tiling, snn.placement, snn.schedule, snn.barrier, snn.wait, snn.output_buffer, snn.weight_offsets, snn.streamed; modules snn.target, snn.makespan)}}
  %y = snn.scale %x by 2.0 {snn.onnx = "y"} : tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

// snn.streamed (set by --snn-place) marks an op whose weights stream from
// DRAM: only ops with a synaptic tiling have weights.
func.func @streamed_without_weights(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{snn.streamed must be a unit attribute on an op with a synaptic snn.tiling entry}}
  %y = snn.scale %x by 2.0 {snn.streamed} : tensor<2xf32>
  return %y : tensor<2xf32>
}
