//===- ImportNIR.h - NIR graphs into the snn dialect ------------*- C++ -*-===//
//
// snn-translate --import-nir FILE.nir: a NIR graph (HDF5; docs/nir.md) as a
// func @main over time-major tensors [T, 1, ...], its continuous-time
// neurons discretised with time step `dt`.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_TARGET_NIR_IMPORTNIR_H
#define SPIKESTACK_TARGET_NIR_IMPORTNIR_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>

namespace spikestack {

struct NIRImportOptions {
  double dt = 1.0;        ///< time step (the unit of the graph's tau)
  int64_t timeSteps = 1;  ///< T of the imported function's input
};

/// The options of the tools' command lines (--nir-dt, --nir-time-steps,
/// registered by this library for every tool that links it; the tools
/// list them with cl::getRegisteredOptions().lookup).
NIRImportOptions nirImportOptionsFromCommandLine();

/// Imports the NIR file at `path`; on failure emits the error (naming the
/// NIR node at fault) and returns null.
mlir::OwningOpRef<mlir::ModuleOp> importNIR(const std::string &path,
                                            mlir::MLIRContext *context,
                                            const NIRImportOptions &options);

} // namespace spikestack

#endif
