//===- onnx-import-fuzzer.cpp - libFuzzer target for the ONNX importer ----===//
//
// Feeds arbitrary bytes to the ONNX importer as if they were a model file
// (`snn-translate --import-onnx`): protobuf parsing, graph loading, shape
// folding and inference, raising and MLIR verification. Every input must end
// in either a module or a diagnostic; crashes, hangs, leaks and sanitizer
// reports are bugs. Built with clang (-fsanitize=fuzzer) when
// SPIKESTACK_ENABLE_FUZZERS=ON; run by scripts/fuzz.sh.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Target/ONNX/ImportONNX.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A fresh context per input: resource blobs and uniqued attributes of one
  // input must not accumulate across millions of runs.
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  // Diagnostics are the expected outcome for most inputs; drop them.
  mlir::ScopedDiagnosticHandler quiet(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  spikestack::ONNXImportOptions options;
  auto module = spikestack::importONNXFromBuffer(
      llvm::StringRef(reinterpret_cast<const char *>(data), size),
      "fuzz-input.onnx", &context, options);
  (void)module;
  return 0;
}
