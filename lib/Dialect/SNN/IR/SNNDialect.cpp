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
  if (attr.getName() != kNameAttr)
    return op->emitError() << "unknown snn attribute '"
                           << attr.getName().getValue() << "' on " << what
                           << " " << index << " (only snn.name is defined)";
  auto name = dyn_cast<StringAttr>(attr.getValue());
  if (!name || name.getValue().empty())
    return op->emitError() << kNameAttr << " of " << what << " " << index
                           << " must be a non-empty string";
  StringRef n = name.getValue();
  if (n.front() == '.' || llvm::any_of(n, [](char c) {
        return !(llvm::isAlnum(c) || c == '_' || c == '-' || c == '.');
      }))
    return op->emitError() << kNameAttr << " \"" << n << "\" of " << what << " "
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
    if (attrs && attrs.get(kNameAttr) == name)
      return op->emitError() << kNameAttr << " \"" << n << "\" is used by " << what
                             << "s " << i << " and " << index;
  }
  return success();
}

namespace {

/// Checks the value of one discardable attribute `key` on `op`.
using AttrCheck = LogicalResult (*)(Operation *op, StringRef key,
                                    Attribute value);

LogicalResult checkNonEmptyString(Operation *op, StringRef key,
                                  Attribute value) {
  auto name = dyn_cast<StringAttr>(value);
  if (!name || name.getValue().empty())
    return op->emitError() << key << " must be a non-empty string";
  return success();
}

LogicalResult checkTarget(Operation *op, StringRef key, Attribute value) {
  if (failed(checkNonEmptyString(op, key, value)))
    return failure();
  if (!isa<ModuleOp>(op))
    return op->emitError() << kTargetAttr << " belongs on the module";
  return success();
}

LogicalResult checkTiling(Operation *op, StringRef, Attribute value) {
  auto list = dyn_cast<ArrayAttr>(value);
  if (!list || list.empty() ||
      !llvm::all_of(list, [](Attribute a) { return isa<TilingAttr>(a); }))
    return op->emitError() << kTilingAttr
                           << " must be a non-empty array of #snn.tiling";
  return success();
}

LogicalResult checkPlacementEntry(Operation *op, size_t i, TilingAttr t,
                                  PlacementAttr p) {
  const int64_t tasks = t.numTasks();
  if (int64_t(p.getCores().asArrayRef().size()) != tasks)
    return op->emitError() << kPlacementAttr << "[" << i << "] places "
                           << p.getCores().asArrayRef().size()
                           << " task(s), the tiling has " << tasks;
  if (!p.getWeightBanks().asArrayRef().empty() &&
      int64_t(p.getWeightBanks().asArrayRef().size()) != tasks)
    return op->emitError() << kPlacementAttr << "[" << i << "] gives "
                           << p.getWeightBanks().asArrayRef().size()
                           << " weight bank(s) for " << tasks << " task(s)";
  if (llvm::any_of(p.getCores().asArrayRef(),
                   [](int64_t c) { return c < 0; }) ||
      llvm::any_of(p.getWeightBanks().asArrayRef(),
                   [](int64_t b) { return b < 0; }) ||
      p.getOutputBank() < -1)
    return op->emitError() << kPlacementAttr << "[" << i
                           << "] has a negative index";
  return success();
}

LogicalResult checkPlacement(Operation *op, StringRef, Attribute value) {
  auto list = dyn_cast<ArrayAttr>(value);
  auto tiling = op->getAttrOfType<ArrayAttr>(kTilingAttr);
  if (!list ||
      !llvm::all_of(list, [](Attribute a) { return isa<PlacementAttr>(a); }))
    return op->emitError() << kPlacementAttr
                           << " must be an array of #snn.placement";
  if (!tiling || tiling.size() != list.size())
    return op->emitError() << kPlacementAttr << " needs one entry per "
                           << kTilingAttr << " entry ("
                           << (tiling ? tiling.size() : 0) << "), got "
                           << list.size();
  for (auto [i, pair] : llvm::enumerate(llvm::zip(tiling, list))) {
    auto t = dyn_cast<TilingAttr>(std::get<0>(pair));
    if (!t)
      continue; // reported on snn.tiling
    if (failed(checkPlacementEntry(op, i, t,
                                   cast<PlacementAttr>(std::get<1>(pair)))))
      return failure();
  }
  return success();
}

LogicalResult checkSchedule(Operation *op, StringRef, Attribute value) {
  auto list = dyn_cast<ArrayAttr>(value);
  auto placement = op->getAttrOfType<ArrayAttr>(kPlacementAttr);
  if (!list ||
      !llvm::all_of(list, [](Attribute a) { return isa<ScheduleAttr>(a); }))
    return op->emitError() << kScheduleAttr
                           << " must be an array of #snn.schedule";
  if (!placement || placement.size() != list.size())
    return op->emitError() << kScheduleAttr << " needs one entry per "
                           << kPlacementAttr << " entry ("
                           << (placement ? placement.size() : 0) << "), got "
                           << list.size();
  for (auto [i, pair] : llvm::enumerate(llvm::zip(placement, list))) {
    auto p = dyn_cast<PlacementAttr>(std::get<0>(pair));
    auto s = cast<ScheduleAttr>(std::get<1>(pair));
    if (!p)
      continue;
    const size_t tasks = p.getCores().asArrayRef().size();
    if (s.getOrder().size() != tasks || s.getStart().size() != tasks ||
        s.getFinish().size() != tasks)
      return op->emitError()
             << kScheduleAttr << "[" << i << "] must give order, "
             << "start and finish for " << tasks << " task(s)";
    for (size_t k = 0; k < tasks; ++k)
      if (s.getOrder()[k] < 0 || s.getStart()[k] < 0 ||
          s.getFinish()[k] < s.getStart()[k])
        return op->emitError() << kScheduleAttr << "[" << i << "] task " << k
                               << ": order and start must be non-negative "
                                  "and finish >= start";
  }
  return success();
}

LogicalResult checkBarrier(Operation *op, StringRef, Attribute value) {
  auto b = dyn_cast<IntegerAttr>(value);
  if (!b || b.getInt() < 0)
    return op->emitError() << kBarrierAttr
                           << " must be a non-negative integer";
  return success();
}

LogicalResult checkWait(Operation *op, StringRef, Attribute value) {
  auto w = dyn_cast<DenseI64ArrayAttr>(value);
  if (!w || llvm::any_of(w.asArrayRef(), [](int64_t b) { return b < 0; }))
    return op->emitError() << kWaitAttr
                           << " must be an array<i64> of barrier indices";
  return success();
}

LogicalResult checkMakespan(Operation *op, StringRef, Attribute value) {
  auto m = dyn_cast<IntegerAttr>(value);
  if (!isa<ModuleOp>(op) || !m || m.getInt() < 0)
    return op->emitError() << kMakespanAttr
                           << " must be a non-negative integer on the module";
  return success();
}

LogicalResult checkOutputBuffer(Operation *op, StringRef, Attribute value) {
  if (!isa<BufferAttr>(value))
    return op->emitError() << kOutputBufferAttr << " must be a #snn.buffer";
  return success();
}

LogicalResult checkWeightOffsets(Operation *op, StringRef, Attribute value) {
  auto list = dyn_cast<ArrayAttr>(value);
  auto placement = op->getAttrOfType<ArrayAttr>(kPlacementAttr);
  if (!list || !placement || list.size() != placement.size())
    return op->emitError() << kWeightOffsetsAttr << " needs one array per "
                           << kPlacementAttr << " entry";
  for (auto [i, pair] : llvm::enumerate(llvm::zip(placement, list))) {
    auto p = dyn_cast<PlacementAttr>(std::get<0>(pair));
    auto o = dyn_cast<DenseI64ArrayAttr>(std::get<1>(pair));
    if (!o || (p && o.size() != p.getWeightBanks().size()))
      return op->emitError()
             << kWeightOffsetsAttr << "[" << i
             << "] must give one offset per "
             << "weight bank of " << kPlacementAttr << "[" << i << "]";
    for (int64_t v : o.asArrayRef())
      if (v < 0 || v > limits::kMaxAddress)
        return op->emitError()
               << kWeightOffsetsAttr << "[" << i << "] has offset " << v
               << "; offsets are 0 to 2^48";
  }
  return success();
}

/// snn.streamed (set by --snn-place): the op's weights stream from DRAM
/// into its cores' slots; only on ops with a synaptic tiling.
LogicalResult checkStreamed(Operation *op, StringRef, Attribute value) {
  auto tiling = op->getAttrOfType<ArrayAttr>(kTilingAttr);
  const bool synaptic =
      tiling && llvm::any_of(tiling, [](Attribute a) {
        auto t = dyn_cast<TilingAttr>(a);
        return t && t.getKind() == TileKind::Synaptic;
      });
  if (!isa<UnitAttr>(value) || !synaptic)
    return op->emitError() << kStreamedAttr
                           << " must be a unit attribute on an op with a "
                              "synaptic snn.tiling entry";
  return success();
}

/// The discardable attributes an operation may carry (all but snn.name,
/// which belongs on function arguments and results), with their checks.
struct OpAttrSpec {
  StringLiteral name;
  AttrCheck check;
  bool moduleOnly; ///< listed under "modules" in the unknown-key message
};
constexpr OpAttrSpec kOpAttrSpecs[] = {
    {kOnnxNameAttr, checkNonEmptyString, false},
    {kPinAttr, checkNonEmptyString, false},
    {kPinWeightsAttr, checkNonEmptyString, false},
    {kPinOutputAttr, checkNonEmptyString, false},
    {kTilingAttr, checkTiling, false},
    {kPlacementAttr, checkPlacement, false},
    {kScheduleAttr, checkSchedule, false},
    {kBarrierAttr, checkBarrier, false},
    {kWaitAttr, checkWait, false},
    {kOutputBufferAttr, checkOutputBuffer, false},
    {kWeightOffsetsAttr, checkWeightOffsets, false},
    {kStreamedAttr, checkStreamed, false},
    {kTargetAttr, checkTarget, true},
    {kMakespanAttr, checkMakespan, true},
};

/// "ops may carry A, B, ...; modules C, D", from kOpAttrSpecs.
std::string knownOpAttrs() {
  std::string ops, modules;
  for (const OpAttrSpec &spec : kOpAttrSpecs) {
    std::string &list = spec.moduleOnly ? modules : ops;
    if (!list.empty())
      list += ", ";
    list += spec.name.str();
  }
  return "ops may carry " + ops + "; modules " + modules;
}

} // namespace

LogicalResult SNNDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  StringRef key = attr.getName().getValue();
  for (const OpAttrSpec &spec : kOpAttrSpecs)
    if (key == spec.name)
      return spec.check(op, key, attr.getValue());
  return op->emitError() << "unknown snn attribute '" << key << "' ("
                         << knownOpAttrs() << ")";
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
