//===- SNNDialect.cpp - snn dialect registration --------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Dialect/SNN/IR/SNNLimits.h"
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
                           << attr.getName().getValue() << "' on " << what
                           << " " << index << " (only snn.name is defined)";
  auto name = dyn_cast<StringAttr>(attr.getValue());
  if (!name || name.getValue().empty())
    return op->emitError() << "snn.name of " << what << " " << index
                           << " must be a non-empty string";
  StringRef n = name.getValue();
  if (n.front() == '.' || llvm::any_of(n, [](char c) {
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
  StringRef key = attr.getName().getValue();
  if (key == "snn.onnx_name" || key == "snn.pin" || key == "snn.pin_weights" ||
      key == "snn.pin_output" || key == "snn.target") {
    auto name = dyn_cast<StringAttr>(attr.getValue());
    if (!name || name.getValue().empty())
      return op->emitError() << key << " must be a non-empty string";
    if (key == "snn.target" && !isa<ModuleOp>(op))
      return op->emitError() << "snn.target belongs on the module";
    return success();
  }
  if (key == "snn.tiling") {
    auto list = dyn_cast<ArrayAttr>(attr.getValue());
    if (!list || list.empty() ||
        !llvm::all_of(list, [](Attribute a) { return isa<TilingAttr>(a); }))
      return op->emitError()
             << "snn.tiling must be a non-empty array of #snn.tiling";
    return success();
  }
  if (key == "snn.placement") {
    auto list = dyn_cast<ArrayAttr>(attr.getValue());
    auto tiling = op->getAttrOfType<ArrayAttr>("snn.tiling");
    if (!list ||
        !llvm::all_of(list, [](Attribute a) { return isa<PlacementAttr>(a); }))
      return op->emitError()
             << "snn.placement must be an array of #snn.placement";
    if (!tiling || tiling.size() != list.size())
      return op->emitError()
             << "snn.placement needs one entry per "
                "snn.tiling entry ("
             << (tiling ? tiling.size() : 0) << "), got " << list.size();
    for (auto [i, pair] : llvm::enumerate(llvm::zip(tiling, list))) {
      auto t = dyn_cast<TilingAttr>(std::get<0>(pair));
      auto p = cast<PlacementAttr>(std::get<1>(pair));
      if (!t)
        continue; // reported on snn.tiling
      const int64_t tasks = t.numTasks();
      if (int64_t(p.getCores().asArrayRef().size()) != tasks)
        return op->emitError() << "snn.placement[" << i << "] places "
                               << p.getCores().asArrayRef().size()
                               << " task(s), the tiling has " << tasks;
      if (!p.getWeightBanks().asArrayRef().empty() &&
          int64_t(p.getWeightBanks().asArrayRef().size()) != tasks)
        return op->emitError() << "snn.placement[" << i << "] gives "
                               << p.getWeightBanks().asArrayRef().size()
                               << " weight bank(s) for " << tasks << " task(s)";
      if (llvm::any_of(p.getCores().asArrayRef(),
                       [](int64_t c) { return c < 0; }) ||
          llvm::any_of(p.getWeightBanks().asArrayRef(),
                       [](int64_t b) { return b < 0; }) ||
          p.getOutputBank() < -1)
        return op->emitError()
               << "snn.placement[" << i << "] has a negative index";
    }
    return success();
  }
  if (key == "snn.schedule") {
    auto list = dyn_cast<ArrayAttr>(attr.getValue());
    auto placement = op->getAttrOfType<ArrayAttr>("snn.placement");
    if (!list ||
        !llvm::all_of(list, [](Attribute a) { return isa<ScheduleAttr>(a); }))
      return op->emitError()
             << "snn.schedule must be an array of #snn.schedule";
    if (!placement || placement.size() != list.size())
      return op->emitError()
             << "snn.schedule needs one entry per "
                "snn.placement entry ("
             << (placement ? placement.size() : 0) << "), got " << list.size();
    for (auto [i, pair] : llvm::enumerate(llvm::zip(placement, list))) {
      auto p = dyn_cast<PlacementAttr>(std::get<0>(pair));
      auto s = cast<ScheduleAttr>(std::get<1>(pair));
      if (!p)
        continue;
      const size_t tasks = p.getCores().asArrayRef().size();
      if (s.getOrder().size() != tasks || s.getStart().size() != tasks ||
          s.getFinish().size() != tasks)
        return op->emitError()
               << "snn.schedule[" << i << "] must give order, "
               << "start and finish for " << tasks << " task(s)";
      for (size_t k = 0; k < tasks; ++k)
        if (s.getOrder()[k] < 0 || s.getStart()[k] < 0 ||
            s.getFinish()[k] < s.getStart()[k])
          return op->emitError() << "snn.schedule[" << i << "] task " << k
                                 << ": order and start must be non-negative "
                                    "and finish >= start";
    }
    return success();
  }
  if (key == "snn.barrier") {
    auto b = dyn_cast<IntegerAttr>(attr.getValue());
    if (!b || b.getInt() < 0)
      return op->emitError() << "snn.barrier must be a non-negative integer";
    return success();
  }
  if (key == "snn.wait") {
    auto w = dyn_cast<DenseI64ArrayAttr>(attr.getValue());
    if (!w || llvm::any_of(w.asArrayRef(), [](int64_t b) { return b < 0; }))
      return op->emitError()
             << "snn.wait must be an array<i64> of barrier indices";
    return success();
  }
  if (key == "snn.makespan") {
    auto m = dyn_cast<IntegerAttr>(attr.getValue());
    if (!isa<ModuleOp>(op) || !m || m.getInt() < 0)
      return op->emitError()
             << "snn.makespan must be a non-negative integer on the module";
    return success();
  }
  if (key == "snn.output_buffer") {
    if (!isa<BufferAttr>(attr.getValue()))
      return op->emitError() << "snn.output_buffer must be a #snn.buffer";
    return success();
  }
  if (key == "snn.weight_offsets") {
    auto list = dyn_cast<ArrayAttr>(attr.getValue());
    auto placement = op->getAttrOfType<ArrayAttr>("snn.placement");
    if (!list || !placement || list.size() != placement.size())
      return op->emitError() << "snn.weight_offsets needs one array per "
                                "snn.placement entry";
    for (auto [i, pair] : llvm::enumerate(llvm::zip(placement, list))) {
      auto p = dyn_cast<PlacementAttr>(std::get<0>(pair));
      auto o = dyn_cast<DenseI64ArrayAttr>(std::get<1>(pair));
      if (!o || (p && o.size() != p.getWeightBanks().size()))
        return op->emitError()
               << "snn.weight_offsets[" << i << "] must give one offset per "
               << "weight bank of snn.placement[" << i << "]";
      for (int64_t v : o.asArrayRef())
        if (v < 0 || v > limits::kMaxAddress)
          return op->emitError()
                 << "snn.weight_offsets[" << i << "] has offset " << v
                 << "; offsets are 0 to 2^48";
    }
    return success();
  }
  return op->emitError() << "unknown snn attribute '" << key
                         << "' (ops may carry snn.onnx_name, snn.pin, "
                            "snn.pin_weights, snn.pin_output, snn.tiling, "
                            "snn.placement, snn.schedule, snn.barrier, "
                            "snn.wait, snn.output_buffer, snn.weight_offsets; "
                            "modules snn.target, snn.makespan)";
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
