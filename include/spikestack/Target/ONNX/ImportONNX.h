//===- ImportONNX.h - ONNX to the snn dialect -------------------*- C++ -*-===//
//
// Imports an ONNX model into a module with one function `@main` whose
// arguments and results carry the ONNX input/output names as `snn.name`.
// Traced neurons and spiking self-attention are raised to first-class snn
// ops; weights become dense_resource blobs. Errors are reported as MLIR
// diagnostics that name the ONNX node, op type, domain and opset.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_TARGET_ONNX_IMPORTONNX_H
#define SPIKESTACK_TARGET_ONNX_IMPORTONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <string>
#include <vector>

namespace spikestack {

struct ONNXImportOptions {
  /// Sizes for inputs with dynamic dimensions (--input-shape NAME=1x3x32x32).
  std::map<std::string, std::vector<int64_t>> inputShapes;
};

/// Imports the model at `path`; returns null after reporting an error.
mlir::OwningOpRef<mlir::ModuleOp> importONNX(const std::string &path,
                                             mlir::MLIRContext *context,
                                             const ONNXImportOptions &options);

/// Registers the `--import-onnx` translation (and `--input-shape`).
void registerONNXImportTranslation();

} // namespace spikestack

#endif
