// RUN: snn-opt %s --snn-tile=target=3d-mol -split-input-file | FileCheck %s --check-prefix=MOL
// RUN: snn-opt %s --snn-tile="target=%S/Inputs/two-core.json" -split-input-file | FileCheck %s --check-prefix=WSONLY
// RUN: snn-opt %s --snn-tile="target=3d-mol dataflow=weight_stationary" -split-input-file | FileCheck %s --check-prefix=FORCEDWS
// RUN: snn-opt %s --snn-tile="target=3d-mol row-tiles=false" -split-input-file | FileCheck %s --check-prefix=NOSPLIT
//
// The dataflow and row-tile choice of --snn-tile (Passes.td): per synaptic
// product the estimate ceil(tasks / cores) x cost(task 0), per dataflow the
// cores support; row tiles from the spare weight capacity.
//
// 3d-mol: 8 cores, 32x32 arrays (R + C - 2 = 62, 2R + C - 2 = 94), 2048 B
// = 16384 bit scratchpads, both dataflows; weight banks 8 x 128 KiB, 256-bit
// ports (budget 85 % of 1 MiB). Per task:
//   WS = bundles x sum_k ceil(rows_k x cols x bits / 256)
//        + k_tiles x (bundles x 62 + vectors)
//   OS = folds x max(94 + K, ceil(K x cols x bits / 256))
// WS bundle: all T steps of floor(16384 / (32 x acc bits x T)) tokens; OS
// fold: the largest multiple of T <= 32.
// Inputs/two-core.json (weight-stationary only) never gets an
// output-stationary tiling.
// WSONLY-NOT: output_stationary
// The options: dataflow=weight_stationary keeps every synaptic product
// weight-stationary; row-tiles=false splits nothing.
// FORCEDWS-NOT: output_stationary
// NOSPLIT-NOT: row_tiles =

// OS beats WS. K = 256, N = 32, T = 3, 10 tokens: 30 vectors; 32-bit
// accumulator. WS: 16384 / (32 x 32 x 3) = 5 tokens = 15 vectors a bundle,
// 2 bundles, 8 k blocks of 32 x 32 x 8 / 256 = 32 cycles:
//   2 x 256 + 8 x (2 x 62 + 30) = 512 + 1232 = 1744;
// 2 row tiles (1 bundle each, 2 tasks, one round):
//   256 + 8 x (62 + 15) = 872.
// OS: fold = 32 / 3 x 3 = 30 (capped at 30 vectors): 1 fold of
//   max(94 + 256, 256 x 32 x 8 / 256 = 256) = 350 cycles;
// one fold cannot be row-split. 350 wins.
// MOL-LABEL: func @os_wins
// MOL: snn.linear {{.*}}snn.tiling = [#snn.tiling<kind = synaptic, rows = 32, cols = 32, reduction = 256, outputs = 32, groups = 1, vectors = 30, bundle = 30, held_bits = 8, dataflow = output_stationary>]
// WSONLY-LABEL: func @os_wins
// WSONLY: snn.linear {{.*}}held_bits = 8{{(, row_tiles = [0-9]+)?}}>]
func.func @os_wins(%x: tensor<3x10x256x!snn.spike>) -> tensor<3x10x32x!snn.fixed<32, 0>> {
  %w = snn.constant dense<1> : tensor<32x256xi8> -> tensor<32x256x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w : (tensor<3x10x256x!snn.spike>, tensor<32x256x!snn.fixed<8, 0>>) -> tensor<3x10x32x!snn.fixed<32, 0>>
  return %y : tensor<3x10x32x!snn.fixed<32, 0>>
}

// -----

// WS beats OS: small K and few vectors. K = 16, N = 10, T = 4, 1 token: 4
// vectors, one bundle and one fold of 4. WS: 1 x ceil(16 x 10 x 8 / 256)
// + 1 x (1 x 62 + 4) = 5 + 66 = 71. OS: 1 x max(94 + 16, 5) = 110.
// MOL-LABEL: func @ws_wins
// MOL: snn.linear {{.*}}snn.tiling = [#snn.tiling<kind = synaptic, rows = 32, cols = 32, reduction = 16, outputs = 10, groups = 1, vectors = 4, bundle = 4, held_bits = 8>]
func.func @ws_wins(%x: tensor<4x1x16x!snn.spike>) -> tensor<4x1x10x!snn.fixed<32, 0>> {
  %w = snn.constant dense<1> : tensor<10x16xi8> -> tensor<10x16x!snn.fixed<8, 0>>
  %y = snn.linear %x, %w : (tensor<4x1x16x!snn.spike>, tensor<10x16x!snn.fixed<8, 0>>) -> tensor<4x1x10x!snn.fixed<32, 0>>
  return %y : tensor<4x1x10x!snn.fixed<32, 0>>
}

// -----

// A 3x3 convolution, 4 -> 64 channels, T = 4 (the leading dim), 8 x 8
// output (pad 1): K = 36 (2 k blocks: 32 + 4 rows), 2 column tasks of 32,
// 256 vectors. Unsplit only 2 of the 8 cores work. 32-bit accumulator.
// WS: bundle 16384 / (32 x 32 x 4) = 4 tokens = 16 vectors, 16 bundles;
// loads 32 x 32 x 8 / 256 + 4 x 32 x 8 / 256 = 32 + 4 = 36:
//   r = 1: 16 x 36 + 2 x (16 x 62 + 256) = 3072.
// OS: fold 32 (8 folds), max(94 + 36, 36 x 32 x 8 / 256 = 36) = 130 a fold:
//   r = 1: 8 x 130 = 1040 (2 tasks, one round)
//   r = 2: 4 x 130 = 520   (4 tasks)
//   r = 3: 3 x 130 = 390   (6 tasks; 3 + 3 + 2 folds)
//   r = 4: 2 x 130 = 260   (8 tasks, one round: every core)
//   r = 8: 2 rounds x 130 = 260 (16 tasks; no better than r = 4)
// (WS stays slower: r = 4, 4 bundles: 144 + 2 x (248 + 64) = 768.)
// Weights 36 x 64 = 2304 B a copy, far below the budget. Greedy by cycles
// per extra byte (W = 2304): 1 -> 2 saves 520 / W; then 2 -> 3 (130 / W,
// ties 2 -> 4 and comes first); then 3 -> 4 (130 / W); 4 -> 8 saves
// nothing. row_tiles = 4: 2 x 4 = 8 tasks.
// MOL-LABEL: func @conv_row_tiles
// MOL: snn.conv2d {{.*}}snn.tiling = [#snn.tiling<kind = synaptic, rows = 32, cols = 32, reduction = 36, outputs = 64, groups = 1, vectors = 256, bundle = 32, held_bits = 8, dataflow = output_stationary, row_tiles = 4>]
func.func @conv_row_tiles(%x: tensor<4x4x8x8x!snn.spike>) -> tensor<4x64x8x8x!snn.fixed<32, 0>> {
  %w = snn.constant dense<1> : tensor<64x4x3x3xi8> -> tensor<64x4x3x3x!snn.fixed<8, 0>>
  %y = snn.conv2d %x, %w {pad = array<i64: 1, 1, 1, 1>} : (tensor<4x4x8x8x!snn.spike>, tensor<64x4x3x3x!snn.fixed<8, 0>>) -> tensor<4x64x8x8x!snn.fixed<32, 0>>
  return %y : tensor<4x64x8x8x!snn.fixed<32, 0>>
}

// -----

// SSA attention: no weights replicated, row tiles while groups x n-tiles <
// cores (1 x 1 < 8). T = 4, 16 tokens, 1 head of d = 32; 16-bit
// accumulators: bundles of 16384 / (32 x 16 x 4) = 8 tokens = 32 vectors;
// held operand through the activation banks' 256-bit port.
// Q K^T: K = 32, 64 vectors (2 bundles), load 32 x 16 x 1 / 256 = 2:
//   r = 1: 2 x 2 + (2 x 62 + 64) = 192; r = 2: 2 + 62 + 32 = 96.
// A V: K = 16, 128 vectors (4 bundles), load 16 x 16 x 16 / 256 = 16:
//   r = 1: 4 x 16 + (4 x 62 + 128) = 440; r = 2: 2 x 16 + 124 + 64 = 220;
//   r = 3 leaves a row tile empty (2 + 2 bundles); r = 4: 16 + 62 + 32 = 110.
// MOL-LABEL: func @attention_row_tiles
// MOL: snn.tiling = [#snn.tiling<kind = and_accumulate, rows = 32, cols = 32, reduction = 32, outputs = 16, groups = 1, vectors = 64, bundle = 32, held_bits = 1, row_tiles = 2>, #snn.tiling<kind = score_value, rows = 32, cols = 32, reduction = 16, outputs = 16, groups = 1, vectors = 128, bundle = 32, held_bits = 16, row_tiles = 4>]
func.func @attention_row_tiles(%q: tensor<4x1x16x32x!snn.spike>, %k: tensor<4x1x16x32x!snn.spike>, %v: tensor<4x1x16x32x!snn.spike>) -> tensor<4x1x16x32x!snn.spike> {
  %a = snn.spiking_attention <ssa> %q, %k, %v {neuron = #snn.neuron<v_threshold = 0.5>, num_heads = 1 : i64} : tensor<4x1x16x32x!snn.spike>
  return %a : tensor<4x1x16x32x!snn.spike>
}
