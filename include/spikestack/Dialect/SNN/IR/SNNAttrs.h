//===- SNNAttrs.h - snn dialect attributes ----------------------*- C++ -*-===//
#ifndef SPIKESTACK_DIALECT_SNN_IR_SNNATTRS_H
#define SPIKESTACK_DIALECT_SNN_IR_SNNATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"
#include "spikestack/Dialect/SNN/IR/SNNTypes.h"

#include "spikestack/Dialect/SNN/IR/SNNEnums.h.inc"

namespace spikestack::rt {
struct Tiling;
} // namespace spikestack::rt

namespace spikestack::snn {
// Parameter parsers/printers used by the generated attribute code.
mlir::FailureOr<llvm::APFloat> parseDoubleParam(mlir::AsmParser &parser);
mlir::FailureOr<std::optional<llvm::APFloat>>
parseOptDoubleParam(mlir::AsmParser &parser);
mlir::FailureOr<bool> parseBoolParam(mlir::AsmParser &parser);
void printDoubleParam(mlir::AsmPrinter &printer, const llvm::APFloat &value);
/// Shortest decimal string that reads back as exactly `value`.
std::string formatDouble(double value);
/// The checks shared by #snn.neuron and the neuron ops: tau finite and >= 1
/// (when leaky), finite potentials, and potentials representable in the
/// fixed-point membrane (when given). Messages start with `prefix`.
mlir::LogicalResult
verifyNeuronScalars(llvm::function_ref<mlir::InFlightDiagnostic()> emitError,
                    llvm::StringRef prefix, bool leaky, double tau,
                    double vThreshold, double vReset,
                    std::optional<double> vInit, FixedType membrane);
/// The size limits of a #snn.tiling (SNNLimits.h: arrays, sizes, groups,
/// column tasks, passes per task, streamed vectors), for positive
/// parameters; --snn-tile checks a new tiling with it before creating it.
mlir::LogicalResult
verifyTilingBounds(llvm::function_ref<mlir::InFlightDiagnostic()> emitError,
                   int64_t rows, int64_t cols, int64_t reduction,
                   int64_t outputs, int64_t groups, int64_t vectors,
                   int64_t bundle);
} // namespace spikestack::snn

#define GET_ATTRDEF_CLASSES
#include "spikestack/Dialect/SNN/IR/SNNAttrs.h.inc"

#endif
