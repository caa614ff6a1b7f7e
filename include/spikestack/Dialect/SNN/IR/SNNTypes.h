//===- SNNTypes.h - snn dialect types ---------------------------*- C++ -*-===//
#ifndef SPIKESTACK_DIALECT_SNN_IR_SNNTYPES_H
#define SPIKESTACK_DIALECT_SNN_IR_SNNTYPES_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"
#include "spikestack/Reference/Kernels.h"

#define GET_TYPEDEF_CLASSES
#include "spikestack/Dialect/SNN/IR/SNNTypes.h.inc"

namespace spikestack::snn {

/// Fractional bits of an element type: F for !snn.fixed<W, F>, else 0
/// (spikes and counts are integers).
int64_t getFracBits(mlir::Type t);
/// Largest value an element of a spike/count type can hold (spike = 1).
std::optional<int64_t> getCountMax(mlir::Type t);
/// True if `value` is an exact multiple of the format's LSB inside its range.
bool isRepresentable(FixedType type, double value);

} // namespace spikestack::snn

#endif
