// RUN: snn-opt %s --snn-to-hw -verify-diagnostics -split-input-file
// RUN: not snn-opt %s --snn-to-hw -split-input-file -o %t.out 2>&1 | FileCheck %s --check-prefix=QUIET --implicit-check-not="see current operation"
// RUN: not test -e %t.out

// Shapes --snn-to-hw does not take fail at once, on the op at fault, with
// the numbers and what is allowed (lib/Dialect/SNN/IR/SNNLimits.h): no
// SIGFPE in the cost model, no SIGSEGV in quantize, no abort in
// SmallVector, no minutes of scheduling. snn-opt prints no IR under the
// message and leaves no output file when a chunk fails.
// QUIET: hostile-ir.mlir:{{[0-9]+}}:{{[0-9]+}}: error: snn-quantize: the weight ('tensor<0x3xf32>') has size 0 in dimension 0; sizes must be at least 1
// QUIET-NEXT: %y = snn.linear

// A layer of no neurons (it crashed in --snn-quantize).
func.func @no_outputs(%x: tensor<2x3x!snn.spike>) -> tensor<2x0x!snn.spike> {
  %w = arith.constant dense<0.5> : tensor<0x3xf32>
  // expected-error @+1 {{snn-quantize: the weight ('tensor<0x3xf32>') has size 0 in dimension 0; sizes must be at least 1}}
  %y = snn.linear %x, %w : (tensor<2x3x!snn.spike>, tensor<0x3xf32>) -> tensor<2x0xf32>
  %s = snn.lif %y : tensor<2x0xf32> -> tensor<2x0x!snn.spike>
  return %s : tensor<2x0x!snn.spike>
}

// -----

// No input features.
func.func @no_inputs(%x: tensor<2x0x!snn.spike>) -> tensor<2x4x!snn.spike> {
  %w = arith.constant dense<0.5> : tensor<4x0xf32>
  // expected-error @+1 {{snn-quantize: the input ('tensor<2x0x!snn.spike>') has size 0 in dimension 1; sizes must be at least 1}}
  %y = snn.linear %x, %w : (tensor<2x0x!snn.spike>, tensor<4x0xf32>) -> tensor<2x4xf32>
  %s = snn.lif %y : tensor<2x4xf32> -> tensor<2x4x!snn.spike>
  return %s : tensor<2x4x!snn.spike>
}

// -----

// No time steps (it divided by zero in the cost model).
func.func @no_steps(%x: tensor<0x3x!snn.spike>) -> tensor<0x4x!snn.spike> {
  %w = arith.constant dense<0.5> : tensor<4x3xf32>
  // expected-error @+1 {{snn-quantize: the input ('tensor<0x3x!snn.spike>') has size 0 in dimension 0; sizes must be at least 1}}
  %y = snn.linear %x, %w : (tensor<0x3x!snn.spike>, tensor<4x3xf32>) -> tensor<0x4xf32>
  %s = snn.lif %y : tensor<0x4xf32> -> tensor<0x4x!snn.spike>
  return %s : tensor<0x4x!snn.spike>
}

// -----

// A 65536 x 65536 splat: 2^32 weights (it aborted in SmallVector).
func.func @huge_weight(%x: tensor<2x65536x!snn.spike>) -> tensor<2x65536x!snn.spike> {
  %w = arith.constant dense<0.5> : tensor<65536x65536xf32>
  // expected-error @+1 {{snn-quantize: the weight ('tensor<65536x65536xf32>') has 4294967296 elements; at most 268435456 (2^28) are supported}}
  %y = snn.linear %x, %w : (tensor<2x65536x!snn.spike>, tensor<65536x65536xf32>) -> tensor<2x65536xf32>
  %s = snn.lif %y : tensor<2x65536xf32> -> tensor<2x65536x!snn.spike>
  return %s : tensor<2x65536x!snn.spike>
}

// -----

// A batch of 2^40: 2 x 2^40 x 4 = 2^43 elements (it scheduled for minutes).
func.func @huge_batch(%x: tensor<2x1099511627776x4x!snn.spike>) -> tensor<2x1099511627776x4x!snn.spike> {
  %w = arith.constant dense<0.5> : tensor<4x4xf32>
  // expected-error @+1 {{snn-quantize: the input ('tensor<2x1099511627776x4x!snn.spike>') has 8796093022208 elements; at most 268435456 (2^28) are supported}}
  %y = snn.linear %x, %w : (tensor<2x1099511627776x4x!snn.spike>, tensor<4x4xf32>) -> tensor<2x1099511627776x4xf32>
  %s = snn.lif %y : tensor<2x1099511627776x4xf32> -> tensor<2x1099511627776x4x!snn.spike>
  return %s : tensor<2x1099511627776x4x!snn.spike>
}

// -----

// 2 x 2^62 x 4 elements overflow int64: said, not computed.
func.func @overflowing_shape(%x: tensor<2x4611686018427387904x4x!snn.spike>) -> tensor<2x4611686018427387904x4xf32> {
  %w = arith.constant dense<0.5> : tensor<4x4xf32>
  // expected-error @+1 {{snn-quantize: the input ('tensor<2x4611686018427387904x4x!snn.spike>') has more than 2^63 elements; at most 268435456 (2^28) are supported}}
  %y = snn.linear %x, %w : (tensor<2x4611686018427387904x4x!snn.spike>, tensor<4x4xf32>) -> tensor<2x4611686018427387904x4xf32>
  return %y : tensor<2x4611686018427387904x4xf32>
}

// -----

// A 17-dimensional tensor: the program's layer table holds at most 16.
func.func @rank17(%a: tensor<1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x2xf32>) -> tensor<1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x2xf32> {
  // expected-error @+1 {{snn-quantize: operand 0 ('tensor<1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x2xf32>') has rank 17; at most 16 dimensions are supported}}
  %y = snn.add %a, %a : tensor<1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x2xf32>, tensor<1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x2xf32> -> tensor<1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x2xf32>
  return %y : tensor<1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x2xf32>
}

// -----

// Dynamic sizes quantize but cannot be planned.
// expected-error @+1 {{snn-tile: argument 0 ('tensor<?x3x!snn.spike>') has a dynamic size in dimension 0; the planner needs static sizes}}
func.func @dynamic(%x: tensor<?x3x!snn.spike>) -> tensor<?x4x!snn.spike> {
  %w = arith.constant dense<0.5> : tensor<4x3xf32>
  %y = snn.linear %x, %w : (tensor<?x3x!snn.spike>, tensor<4x3xf32>) -> tensor<?x4xf32>
  %s = snn.lif %y : tensor<?x4xf32> -> tensor<?x4x!snn.spike>
  return %s : tensor<?x4x!snn.spike>
}

// -----

// An empty graph input that no snn op reads still becomes a program value.
// expected-error @+1 {{snn-tile: argument 1 ('tensor<2x0xf32>') has size 0 in dimension 1; sizes must be at least 1}}
func.func @empty_argument(%x: tensor<2x3xf32>, %unused: tensor<2x0xf32>) -> tensor<2x3x!snn.spike> {
  %s = snn.lif %x : tensor<2x3xf32> -> tensor<2x3x!snn.spike>
  return %s : tensor<2x3x!snn.spike>
}

// -----

// A layout op too large for the layer table (2^29 elements).
func.func @huge_layout(%x: tensor<2x4xf32>) -> tensor<2x4x!snn.spike> {
  // expected-error @+1 {{snn-tile: the result ('tensor<536870912xf32>') has 536870912 elements; at most 268435456 (2^28) are supported}}
  %e = tensor.empty() : tensor<536870912xf32>
  %c = tensor.extract_slice %e[0] [8] [1] : tensor<536870912xf32> to tensor<8xf32>
  %r = tensor.expand_shape %c [[0, 1]] output_shape [2, 4] : tensor<8xf32> into tensor<2x4xf32>
  %y = snn.add %x, %r : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x4xf32>
  %s = snn.lif %y : tensor<2x4xf32> -> tensor<2x4x!snn.spike>
  return %s : tensor<2x4x!snn.spike>
}

// -----

// Fixed point with negative fractional bits: valid IR that the reference
// interpreter runs, but a program cannot hold it (it compiled, and the
// export failed with "internal error: ... bad element type").
func.func @negative_frac(%x: tensor<1x3x10x!snn.spike>) -> tensor<1x3x6x!snn.spike> {
  // expected-error @+1 {{snn-tile: the result ('tensor<6x10x!snn.fixed<8, -2>>') has -2 fractional bits; programs hold fixed-point values with 0 to 32 fractional bits}}
  %w = snn.constant dense<1> : tensor<6x10xi8> -> tensor<6x10x!snn.fixed<8, -2>>
  %y = snn.linear %x, %w : (tensor<1x3x10x!snn.spike>, tensor<6x10x!snn.fixed<8, -2>>) -> tensor<1x3x6x!snn.fixed<32, -2>>
  %s = snn.if %y {v_threshold = 64.0 : f64, membrane_type = !snn.fixed<16, -2>} : tensor<1x3x6x!snn.fixed<32, -2>> -> tensor<1x3x6x!snn.spike>
  return %s : tensor<1x3x6x!snn.spike>
}
