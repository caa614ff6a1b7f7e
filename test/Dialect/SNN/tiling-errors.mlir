// RUN: snn-opt %s -verify-diagnostics -split-input-file

// #snn.tiling holds only what a program can hold (the executor's program
// verifier, lib/Runtime/Program.cpp, has the same limits), so that no later
// pass multiplies its numbers past int64 and every plan exports.

// expected-error @+1 {{tiling for 8192x32 arrays; at most 4096x4096 are supported}}
func.func @big_array() attributes {t = #snn.tiling<kind = synaptic, rows = 8192, cols = 32, reduction = 8, outputs = 8, groups = 1, vectors = 8, bundle = 8, held_bits = 8>} {
  return
}

// -----

// expected-error @+1 {{tiling reduction = 268435457; at most 268435456 (2^28) are supported}}
func.func @big_reduction() attributes {t = #snn.tiling<kind = synaptic, rows = 32, cols = 32, reduction = 268435457, outputs = 8, groups = 1, vectors = 8, bundle = 8, held_bits = 8>} {
  return
}

// -----

// expected-error @+1 {{tiling groups = 1048577; at most 1048576 (2^20) are supported}}
func.func @many_groups() attributes {t = #snn.tiling<kind = vector, rows = 1, cols = 1, reduction = 1, outputs = 1, groups = 1048577, vectors = 1, bundle = 1, held_bits = 0>} {
  return
}

// -----

// expected-error @+1 {{tiling bundle 9 exceeds its vectors 8}}
func.func @big_bundle() attributes {t = #snn.tiling<kind = synaptic, rows = 32, cols = 32, reduction = 8, outputs = 8, groups = 1, vectors = 8, bundle = 9, held_bits = 8>} {
  return
}

// -----

// 2 groups x 2^20 one-column blocks.
// expected-error @+1 {{tiling needs 2097152 column tasks (2 group(s) x 1048576 blocks of 1 of 1048576 outputs); at most 1048576 (2^20) are supported}}
func.func @many_tasks() attributes {t = #snn.tiling<kind = synaptic, rows = 1, cols = 1, reduction = 1, outputs = 1048576, groups = 2, vectors = 1, bundle = 1, held_bits = 8>} {
  return
}

// -----

// 8192 k blocks x 4096 bundles = 2^25 passes per task.
// expected-error @+1 {{tiling needs 33554432 passes per task (8192 blocks of 1 of 8192 reduction rows x 4096 bundles of 1 of 4096 vectors); at most 16777216 (2^24) are supported}}
func.func @many_passes() attributes {t = #snn.tiling<kind = synaptic, rows = 1, cols = 1, reduction = 8192, outputs = 1, groups = 1, vectors = 4096, bundle = 1, held_bits = 8>} {
  return
}

// -----

// 4 groups x 2^20 vectors x 2^7 k blocks = 2^29 streamed.
// expected-error @+1 {{tiling streams 4 group(s) x 1048576 vectors x 128 blocks; at most 268435456 (2^28) are supported}}
func.func @many_streamed() attributes {t = #snn.tiling<kind = synaptic, rows = 1, cols = 1, reduction = 128, outputs = 1, groups = 4, vectors = 1048576, bundle = 1048576, held_bits = 8>} {
  return
}

// -----

// At every limit at once: accepted.
func.func @at_the_limits() attributes {t = #snn.tiling<kind = synaptic, rows = 4096, cols = 4096, reduction = 4096, outputs = 268435456, groups = 16, vectors = 16777216, bundle = 16777216, held_bits = 64>} {
  return
}
