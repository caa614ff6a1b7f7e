//===- ElemType.h - snn element types as rt::ElemType -----------*- C++ -*-===//
//
// The one mapping from the element types of the IR to the MLIR-free
// element type of the program format and the executor (rt::ElemType):
// the program exporter writes it into the layer table, the interpreter
// converts .npy files by it and snn::elementBits takes its bits() from it.
// Header-only (rt::ElemType is a plain struct), so any MLIR library can
// use it without linking the runtime.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_INTERPRETER_ELEMTYPE_H
#define SPIKESTACK_INTERPRETER_ELEMTYPE_H

#include "spikestack/Dialect/SNN/IR/SNNTypes.h"
#include "spikestack/Runtime/Program.h"

#include "mlir/IR/BuiltinTypes.h"

#include <optional>

namespace spikestack::snn {

/// `t` as an rt::ElemType: f32, !snn.spike, !snn.count<N>, !snn.fixed<W, F>
/// and iN; std::nullopt for any other type.
inline std::optional<rt::ElemType> toElemType(mlir::Type t) {
  rt::ElemType e;
  if (t.isF32())
    return e;
  if (mlir::isa<SpikeType>(t)) {
    e.kind = rt::ElemKind::Spike;
    e.countMax = 1;
    return e;
  }
  if (auto max = getCountMax(t)) {
    e.kind = rt::ElemKind::Count;
    e.countMax = *max;
    return e;
  }
  if (auto f = mlir::dyn_cast<FixedType>(t)) {
    e.kind = rt::ElemKind::Fixed;
    e.width = f.getFormat().width;
    e.frac = f.getFormat().frac;
    return e;
  }
  if (auto i = mlir::dyn_cast<mlir::IntegerType>(t)) {
    e.kind = rt::ElemKind::Int;
    e.width = int32_t(i.getWidth());
    return e;
  }
  return std::nullopt;
}

} // namespace spikestack::snn

#endif // SPIKESTACK_INTERPRETER_ELEMTYPE_H
