//===- ShapeInference.h - static shapes for an ONNX graph ------*- C++ -*-===//
//
// The shape-inference steps of loadGraph (ONNXGraph.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_LIB_TARGET_ONNX_SHAPEINFERENCE_H
#define SPIKESTACK_LIB_TARGET_ONNX_SHAPEINFERENCE_H

#include "ONNXGraph.h"

namespace spikestack::onnx_import {

/// Shapes ONNX's inference does not give: the custom "snn" domain (every
/// output has its input's type and shape), OneHot with a constant depth
/// (ONNX 1.12 leaves the depth dimension unknown) and explicit Einsum
/// equations.
void inferMissingShapes(Graph &g);

/// Runs ONNX shape inference (in a child process) on the remaining nodes,
/// with every known value given as a typed input (small constants with their
/// data), and records the static shapes it finds. Returns how many new
/// shapes were found.
absl::StatusOr<int> runShapeInference(Graph &g);

} // namespace spikestack::onnx_import

#endif
