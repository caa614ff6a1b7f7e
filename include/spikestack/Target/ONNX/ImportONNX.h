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

/// Imports a model given in memory; `name` is the path used in diagnostics
/// and the directory for external data files.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXFromBuffer(llvm::StringRef contents, const std::string &name,
                     mlir::MLIRContext *context,
                     const ONNXImportOptions &options);

/// Parses `--input-shape` specs (NAME=DxDx...) into `options`; on a bad
/// spec returns false with `error` set.
bool parseInputShapeSpecs(const std::vector<std::string> &specs,
                          ONNXImportOptions &options, std::string &error);
/// The `--input-shape` values given on the command line.
std::vector<std::string> inputShapeSpecsFromCommandLine();

/// Registers the `--import-onnx` translation (and `--input-shape`) for
/// mlir-translate style drivers. (snn-translate
/// serves `--import-onnx` with its own driver, which parses the file as a
/// stream instead of holding a copy of it.)
void registerONNXImportTranslation();

} // namespace spikestack

#endif
