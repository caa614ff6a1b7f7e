//===- SNNOps.h - snn dialect operations ------------------------*- C++ -*-===//
#ifndef SPIKESTACK_DIALECT_SNN_IR_SNNOPS_H
#define SPIKESTACK_DIALECT_SNN_IR_SNNOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "spikestack/Dialect/SNN/IR/SNNAttrs.h"
#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Dialect/SNN/IR/SNNTypes.h"

namespace spikestack::snn {
class NeuronAttr;
} // namespace spikestack::snn

#include "spikestack/Dialect/SNN/IR/SNNInterfaces.h.inc"

#define GET_OP_CLASSES
#include "spikestack/Dialect/SNN/IR/SNNOps.h.inc"

namespace spikestack::snn {
/// The values of `v` if it is a constant f32 tensor, held either as a dense
/// attribute or as a `dense_resource` blob (what the ONNX importer emits);
/// nullopt otherwise (also for a blob whose size does not match its type).
std::optional<llvm::SmallVector<float>> getConstantF32Values(mlir::Value v);
} // namespace spikestack::snn

#endif
