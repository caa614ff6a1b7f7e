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

/// The parameters of an snn.lif / snn.if for their builders: the scalar
/// attributes (defaults are the ops' defaults; `tau` and `decayInput` are
/// ignored by snn.if) and the optional per-channel operands.
struct NeuronParams {
  double tau = 2.0, vThreshold = 1.0, vReset = 0.0;
  ResetMode reset = ResetMode::Hard;
  bool decayInput = true;
  CompareMode compare = CompareMode::GE;
  std::optional<double> vInit;
  FixedType membrane; ///< null: float domain
  RoundingMode rounding = RoundingMode::NearestEven;
  mlir::Value channelThreshold, channelReset, channelTau;
  std::optional<int64_t> channelDim;

  /// The scalar parameters of `neuron` (no per-channel operands).
  static NeuronParams fromAttr(NeuronAttr neuron);
  /// The scalar parameters as a #snn.neuron (`leaky`: LIF, else IF).
  NeuronAttr toAttr(mlir::MLIRContext *ctx, bool leaky) const;
};
} // namespace spikestack::snn

#include "spikestack/Dialect/SNN/IR/SNNInterfaces.h.inc"

#define GET_OP_CLASSES
#include "spikestack/Dialect/SNN/IR/SNNOps.h.inc"

namespace spikestack::snn {
/// The values of `v` if it is a constant f32 tensor, held either as a dense
/// attribute or as a `dense_resource` blob (what the ONNX importer emits);
/// nullopt otherwise (also for a blob whose size does not match its type).
std::optional<llvm::SmallVector<float>> getConstantF32Values(mlir::Value v);

/// A neuron layer over `input` giving spikes of type `output`: snn.lif when
/// `leaky`, else snn.if.
NeuronOpInterface createNeuron(mlir::OpBuilder &builder, mlir::Location loc,
                               mlir::Type output, mlir::Value input,
                               bool leaky, const NeuronParams &params);
} // namespace spikestack::snn

#endif
