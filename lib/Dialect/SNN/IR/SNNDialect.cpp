//===- SNNDialect.cpp - snn dialect registration --------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Dialect/SNN/IR/SNNAttrs.h"
#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/IR/SNNTypes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace spikestack::snn;

#include "spikestack/Dialect/SNN/IR/SNNDialect.cpp.inc"

void SNNDialect::initialize() {
  registerTypes();
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "spikestack/Dialect/SNN/IR/SNNOps.cpp.inc"
      >();
}

Operation *SNNDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  auto tensorType = dyn_cast<RankedTensorType>(type);
  if (!elements || !tensorType)
    return nullptr;
  if (isa<FloatType>(tensorType.getElementType()))
    return arith::ConstantOp::create(builder, loc, tensorType,
                                     cast<TypedAttr>(value));
  return ConstantOp::create(builder, loc, tensorType, elements);
}
