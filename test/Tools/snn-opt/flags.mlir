// The usual mlir-opt flags work in snn-opt.
// RUN: snn-opt %s --pass-pipeline="builtin.module(func.func(canonicalize))" | FileCheck %s --check-prefix=PIPE
// RUN: snn-opt %s -canonicalize --mlir-print-ir-after-all -o %t.discard 2>&1 | FileCheck %s --check-prefix=AFTER
// RUN: snn-opt --help | FileCheck %s --check-prefix=HELP

// An identity neuron (tau 2, threshold 0.5: one spike reaches 0.5 and
// fires, silence never does) disappears under canonicalize.
// PIPE-LABEL: func.func @identity(
// PIPE-SAME: %[[X:.+]]: tensor<4x8x!snn.spike>)
// PIPE-NEXT: return %[[X]]
// AFTER: // -----// IR Dump After Canonicalizer (canonicalize) //----- //
// AFTER: func.func @identity
// HELP-DAG: --canonicalize
// HELP-DAG: --cse
// HELP-DAG: --split-input-file
// HELP-DAG: --verify-diagnostics
// HELP-DAG: --mlir-print-ir-after-all
func.func @identity(%x: tensor<4x8x!snn.spike>) -> tensor<4x8x!snn.spike> {
  %s = snn.lif %x {v_threshold = 0.5 : f64} : tensor<4x8x!snn.spike> -> tensor<4x8x!snn.spike>
  return %s : tensor<4x8x!snn.spike>
}
