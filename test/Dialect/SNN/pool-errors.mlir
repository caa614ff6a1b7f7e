// RUN: snn-opt %s -split-input-file -verify-diagnostics

// Verifier errors of snn.max_pool2d and snn.avg_pool2d.

func.func @max_rank(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'snn.max_pool2d' op input must be [..., C, H, W], got rank 2}}
  %0 = snn.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<8x8xf32> -> tensor<4x4xf32>
  return
}

// -----

func.func @avg_rank(%x: tensor<8xf32>) {
  // expected-error @+1 {{'snn.avg_pool2d' op input must be [..., C, H, W], got rank 1}}
  %0 = snn.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<8xf32> -> tensor<4xf32>
  return
}

// -----

func.func @max_kernel_size(%x: tensor<1x8x8xf32>) {
  // expected-error @+1 {{'snn.max_pool2d' op kernel, strides and dilation must have 2 values (h, w)}}
  %0 = snn.max_pool2d %x {kernel = array<i64: 2>, strides = array<i64: 2, 2>} : tensor<1x8x8xf32> -> tensor<1x4x4xf32>
  return
}

// -----

func.func @avg_strides_size(%x: tensor<1x8x8xf32>) {
  // expected-error @+1 {{'snn.avg_pool2d' op kernel, strides and dilation must have 2 values (h, w)}}
  %0 = snn.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2, 2>} : tensor<1x8x8xf32> -> tensor<1x4x4xf32>
  return
}

// -----

func.func @max_pad_size(%x: tensor<1x8x8xf32>) {
  // expected-error @+1 {{'snn.max_pool2d' op pad must have 4 values [top, left, bottom, right], got 2}}
  %0 = snn.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pad = array<i64: 1, 1>} : tensor<1x8x8xf32> -> tensor<1x5x5xf32>
  return
}

// -----

func.func @max_zero_kernel(%x: tensor<1x8x8xf32>) {
  // expected-error @+1 {{'snn.max_pool2d' op kernel, strides and dilation must be positive}}
  %0 = snn.max_pool2d %x {kernel = array<i64: 0, 2>, strides = array<i64: 2, 2>} : tensor<1x8x8xf32> -> tensor<1x4x4xf32>
  return
}

// -----

func.func @avg_negative_stride(%x: tensor<1x8x8xf32>) {
  // expected-error @+1 {{'snn.avg_pool2d' op kernel, strides and dilation must be positive}}
  %0 = snn.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, -1>} : tensor<1x8x8xf32> -> tensor<1x4x4xf32>
  return
}

// -----

func.func @avg_negative_pad(%x: tensor<1x8x8xf32>) {
  // expected-error @+1 {{'snn.avg_pool2d' op pad must be non-negative, got -1}}
  %0 = snn.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pad = array<i64: 0, -1, 0, 0>} : tensor<1x8x8xf32> -> tensor<1x4x4xf32>
  return
}

// -----

// PyTorch: pad should be at most half of the kernel size (3 / 2 = 1).
func.func @max_pad_over_half(%x: tensor<1x8x8xf32>) {
  // expected-error @+1 {{'snn.max_pool2d' op pad [0, 0, 2, 0] must be at most half the kernel [3, 3]}}
  %0 = snn.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pad = array<i64: 0, 0, 2, 0>} : tensor<1x8x8xf32> -> tensor<1x8x6xf32>
  return
}

// -----

func.func @avg_pad_over_half_width(%x: tensor<1x8x8xf32>) {
  // expected-error @+1 {{'snn.avg_pool2d' op pad [1, 2, 1, 1] must be at most half the kernel [2, 3]}}
  %0 = snn.avg_pool2d %x {kernel = array<i64: 2, 3>, strides = array<i64: 1, 1>, pad = array<i64: 1, 2, 1, 1>} : tensor<1x8x8xf32> -> tensor<1x9x9xf32>
  return
}

// -----

func.func @max_kernel_too_big(%x: tensor<1x2x8xf32>) {
  // expected-error @+1 {{'snn.max_pool2d' op kernel [3, 3] does not fit the padded input [2, 8]}}
  %0 = snn.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>} : tensor<1x2x8xf32> -> tensor<1x1x6xf32>
  return
}

// -----

func.func @max_result_shape(%x: tensor<1x8x8xf32>) {
  // expected-error @+1 {{'snn.max_pool2d' op result has shape [1, 4, 4], expected [1, 3, 3]}}
  %0 = snn.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : tensor<1x8x8xf32> -> tensor<1x4x4xf32>
  return
}

// -----

// ceil_mode: ceil((4 + 1 + 1 - 2) / 3) + 1 = 3 windows, but the third one
// would start at 3 * 2 - 1 = 5, past the input (and its left padding), so
// PyTorch drops it: 2 x 2, not 3 x 3.
func.func @max_result_ceil_mode(%x: tensor<1x4x4xf32>) {
  // expected-error @+1 {{'snn.max_pool2d' op result has shape [1, 3, 3], expected [1, 2, 2]}}
  %0 = snn.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 3, 3>, pad = array<i64: 1, 1, 1, 1>, ceil_mode = true} : tensor<1x4x4xf32> -> tensor<1x3x3xf32>
  return
}

// -----

func.func @avg_result_shape(%x: tensor<2x1x8x8x!snn.spike>) {
  // expected-error @+1 {{'snn.avg_pool2d' op result has shape [2, 4, 4], expected [2, 1, 4, 4]}}
  %0 = snn.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<2x1x8x8x!snn.spike> -> tensor<2x4x4xf32>
  return
}

// -----

func.func @max_changes_type(%x: tensor<1x8x8x!snn.spike>) {
  // expected-error @+1 {{'snn.max_pool2d' op max pooling keeps the element type '!snn.spike', got 'f32'}}
  %0 = snn.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x8x8x!snn.spike> -> tensor<1x4x4xf32>
  return
}

// -----

func.func @max_changes_fixed(%x: tensor<1x8x8x!snn.fixed<8, 2>>) {
  // expected-error @+1 {{'snn.max_pool2d' op max pooling keeps the element type '!snn.fixed<8, 2>', got '!snn.fixed<8, 3>'}}
  %0 = snn.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x8x8x!snn.fixed<8, 2>> -> tensor<1x4x4x!snn.fixed<8, 3>>
  return
}

// -----

func.func @avg_fixed_input(%x: tensor<1x8x8x!snn.fixed<8, 2>>) {
  // expected-error @+1 {{'snn.avg_pool2d' op average pooling of fixed-point values is not supported}}
  %0 = snn.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x8x8x!snn.fixed<8, 2>> -> tensor<1x4x4xf32>
  return
}

// -----

func.func @avg_spike_result(%x: tensor<1x8x8x!snn.spike>) {
  // expected-error @+1 {{'snn.avg_pool2d' op average pooling produces f32, got '!snn.spike'}}
  %0 = snn.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x8x8x!snn.spike> -> tensor<1x4x4x!snn.spike>
  return
}

// -----

func.func @avg_count_result(%x: tensor<1x8x8x!snn.count<3>>) {
  // expected-error @+1 {{'snn.avg_pool2d' op average pooling produces f32, got '!snn.count<3>'}}
  %0 = snn.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x8x8x!snn.count<3>> -> tensor<1x4x4x!snn.count<3>>
  return
}

// -----

func.func @max_missing_strides(%x: tensor<1x8x8xf32>) {
  // expected-error @+1 {{'snn.max_pool2d' op requires attribute 'strides'}}
  %0 = snn.max_pool2d %x {kernel = array<i64: 2, 2>} : tensor<1x8x8xf32> -> tensor<1x4x4xf32>
  return
}

// -----

func.func @avg_missing_kernel(%x: tensor<1x8x8xf32>) {
  // expected-error @+1 {{'snn.avg_pool2d' op requires attribute 'kernel'}}
  %0 = snn.avg_pool2d %x {strides = array<i64: 2, 2>} : tensor<1x8x8xf32> -> tensor<1x4x4xf32>
  return
}
