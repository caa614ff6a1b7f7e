//===- ConstantFolding.h - folding an ONNX graph's constants ---*- C++ -*-===//
//
// The folding step of loadGraph (ONNXGraph.cpp); the per-op evaluator
// itself is `evaluateNode` (ONNXGraph.h), defined in ConstantFolding.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_LIB_TARGET_ONNX_CONSTANTFOLDING_H
#define SPIKESTACK_LIB_TARGET_ONNX_CONSTANTFOLDING_H

#include "ONNXGraph.h"

namespace spikestack::onnx_import {

/// Folds every node whose inputs are all constants and that the evaluator
/// handles (and every Constant node); returns how many were folded.
absl::StatusOr<int> foldConstants(Graph &g);

} // namespace spikestack::onnx_import

#endif
