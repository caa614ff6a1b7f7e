//===- SNNDialect.h - snn dialect -------------------------------*- C++ -*-===//
#ifndef SPIKESTACK_DIALECT_SNN_IR_SNNDIALECT_H
#define SPIKESTACK_DIALECT_SNN_IR_SNNDIALECT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/Operation.h"

#include "spikestack/Dialect/SNN/IR/SNNDialect.h.inc"

namespace spikestack::snn {
/// The names of the discardable attributes declared in SNNBase.td
/// (`discardableAttrs`), e.g. kTilingAttr = "snn.tiling".
#define SPIKESTACK_SNN_ATTR_NAME(Const, Helper)                               \
  inline constexpr llvm::StringLiteral Const =                                \
      SNNDialect::Helper::getNameStr();
SPIKESTACK_SNN_ATTR_NAME(kOnnxNameAttr, OnnxNameAttrHelper)
SPIKESTACK_SNN_ATTR_NAME(kPinAttr, PinAttrHelper)
SPIKESTACK_SNN_ATTR_NAME(kPinWeightsAttr, PinWeightsAttrHelper)
SPIKESTACK_SNN_ATTR_NAME(kPinOutputAttr, PinOutputAttrHelper)
SPIKESTACK_SNN_ATTR_NAME(kTilingAttr, TilingAttrHelper)
SPIKESTACK_SNN_ATTR_NAME(kPlacementAttr, PlacementAttrHelper)
SPIKESTACK_SNN_ATTR_NAME(kScheduleAttr, ScheduleAttrHelper)
SPIKESTACK_SNN_ATTR_NAME(kBarrierAttr, BarrierAttrHelper)
SPIKESTACK_SNN_ATTR_NAME(kWaitAttr, WaitAttrHelper)
SPIKESTACK_SNN_ATTR_NAME(kOutputBufferAttr, OutputBufferAttrHelper)
SPIKESTACK_SNN_ATTR_NAME(kWeightOffsetsAttr, WeightOffsetsAttrHelper)
SPIKESTACK_SNN_ATTR_NAME(kStreamedAttr, StreamedAttrHelper)
SPIKESTACK_SNN_ATTR_NAME(kTargetAttr, TargetAttrHelper)
SPIKESTACK_SNN_ATTR_NAME(kMakespanAttr, MakespanAttrHelper)
SPIKESTACK_SNN_ATTR_NAME(kNameAttr, NameAttrHelper)
#undef SPIKESTACK_SNN_ATTR_NAME
} // namespace spikestack::snn

#endif
