//===- SNNDialect.cpp - snn dialect registration --------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Dialect/SNN/IR/SNNAttrs.h"
#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/IR/SNNTypes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

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

/// Checks an `snn.name` on argument/result `index` of a function: a
/// non-empty file-name-safe string, unique among the function's arguments
/// (or results).
static LogicalResult verifyName(Operation *op, unsigned index,
                                NamedAttribute attr, bool isResult) {
  const char *what = isResult ? "result" : "argument";
  if (attr.getName() != "snn.name")
    return op->emitError() << "unknown snn attribute '"
                           << attr.getName().getValue()
                           << "' on " << what << " " << index
                           << " (only snn.name is defined)";
  auto name = dyn_cast<StringAttr>(attr.getValue());
  if (!name || name.getValue().empty())
    return op->emitError() << "snn.name of " << what << " " << index
                           << " must be a non-empty string";
  StringRef n = name.getValue();
  if (n.front() == '.' ||
      llvm::any_of(n, [](char c) {
        return !(llvm::isAlnum(c) || c == '_' || c == '-' || c == '.');
      }))
    return op->emitError() << "snn.name \"" << n << "\" of " << what << " "
                           << index
                           << " may only use letters, digits, '_', '-' and "
                              "'.' (not first): it names a file";
  auto func = dyn_cast<FunctionOpInterface>(op);
  if (!func)
    return success();
  unsigned count = isResult ? func.getNumResults() : func.getNumArguments();
  for (unsigned i = 0; i < index && i < count; ++i) {
    DictionaryAttr attrs =
        isResult ? func.getResultAttrDict(i) : func.getArgAttrDict(i);
    if (attrs && attrs.get("snn.name") == name)
      return op->emitError() << "snn.name \"" << n << "\" is used by " << what
                             << "s " << i << " and " << index;
  }
  return success();
}

LogicalResult SNNDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  if (attr.getName() != "snn.onnx_name")
    return op->emitError() << "unknown snn attribute '"
                           << attr.getName().getValue()
                           << "' (only snn.onnx_name is defined on ops)";
  auto name = dyn_cast<StringAttr>(attr.getValue());
  if (!name || name.getValue().empty())
    return op->emitError() << "snn.onnx_name must be a non-empty string";
  return success();
}

LogicalResult SNNDialect::verifyRegionArgAttribute(Operation *op, unsigned,
                                                   unsigned argIndex,
                                                   NamedAttribute attr) {
  return verifyName(op, argIndex, attr, /*isResult=*/false);
}

LogicalResult SNNDialect::verifyRegionResultAttribute(Operation *op, unsigned,
                                                      unsigned resultIndex,
                                                      NamedAttribute attr) {
  return verifyName(op, resultIndex, attr, /*isResult=*/true);
}
