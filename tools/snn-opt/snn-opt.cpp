//===- snn-opt.cpp - snn pass driver --------------------------------------===//
//
// mlir-opt for SpikeStack: registers only the dialects and passes the snn
// pipeline needs (snn, func, arith, tensor, linalg) plus the generic
// transforms (canonicalize, cse, ...). All of mlir-opt's flags work:
// --pass-pipeline, --mlir-print-ir-after-all, --verify-diagnostics,
// --split-input-file.
//
//===----------------------------------------------------------------------===//
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Dialect/SNN/Transforms/Passes.h"
#include "spikestack/Dialect/SNNHW/IR/SNNHW.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  spikestack::snn::registerSNNPasses();
  spikestack::snn::registerSNNPipelines();
  mlir::DialectRegistry registry;
  registry.insert<spikestack::snn::SNNDialect, spikestack::snnhw::SNNHWDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect,
                  mlir::linalg::LinalgDialect>();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "SpikeStack optimizer driver\n", registry));
}
