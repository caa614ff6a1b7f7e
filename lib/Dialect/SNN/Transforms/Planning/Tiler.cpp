//===- Tiler.cpp - compute ops cut into array-sized tiles -----------------===//
#include "Tiler.h"
#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/Transforms/Plan.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;

namespace spikestack::snn {

namespace {

/// Accumulator bits of a product in the float domain.
constexpr int64_t kAccumulatorBits = 16;

int64_t accBitsOf(Value result) {
  auto e = cast<RankedTensorType>(result.getType()).getElementType();
  return isa<FixedType>(e) ? elementBits(e) : kAccumulatorBits;
}

/// A tiling entry of `op`, or an error on `op` when it exceeds the limits
/// of SNNLimits.h (the numbers are all positive here).
FailureOr<TilingAttr> makeTiling(Operation *op, TileKind kind, int64_t rows,
                                 int64_t cols, int64_t reduction,
                                 int64_t outputs, int64_t groups,
                                 int64_t vectors, int64_t bundle,
                                 int64_t heldBits) {
  auto emit = [&]() { return op->emitError() << "snn-tile: "; };
  if (failed(verifyTilingBounds(emit, rows, cols, reduction, outputs, groups,
                                vectors, bundle)))
    return failure();
  return TilingAttr::get(op->getContext(), kind, rows, cols, reduction,
                         outputs, groups, vectors, bundle, heldBits,
                         Dataflow::WeightStationary, /*row_tiles=*/1);
}

/// Fails (with the error on the module) unless every core of `target` has
/// the arrays, LIF units and scratchpad of the first; sets `core` to it.
LogicalResult uniformCore(ModuleOp module, const hw::Target &target,
                          hw::CoreSpec &core) {
  const auto cores = target.blocksOfKind(hw::BlockKind::Core);
  core = target.block(cores.front()).core;
  for (hw::BlockRef r : cores) {
    const hw::CoreSpec &c = target.block(r).core;
    if (c.rows != core.rows || c.cols != core.cols ||
        c.scratchpadBytes != core.scratchpadBytes ||
        c.lifUnits != core.lifUnits)
      return mlir::emitError(module.getLoc())
             << "snn-tile: the target's cores differ ('"
             << target.block(cores.front()).name << "' " << core.rows << "x"
             << core.cols << ", " << core.lifUnits << " LIF units, "
             << core.scratchpadBytes << " B scratchpad; '"
             << target.block(r).name << "' " << c.rows << "x" << c.cols
             << ", " << c.lifUnits << " LIF units, " << c.scratchpadBytes
             << " B scratchpad); heterogeneous cores are not supported";
  }
  return success();
}

} // namespace

LogicalResult Tiler::setCores(ModuleOp module, const hw::Target &target) {
  largestWeightBank = 0;
  for (hw::BlockRef b : target.blocksOfKind(hw::BlockKind::Sram))
    if (target.block(b).sram.holds != hw::SramRole::Activations)
      largestWeightBank =
          std::max(largestWeightBank, target.block(b).sram.capacityBytes);
  if (largestWeightBank == 0)
    largestWeightBank = INT64_MAX;
  return uniformCore(module, target, core);
}

/// Columns per task: the array's, unless a task's held weights (reduction
/// x columns x held bits) would not fit the largest weight bank even alone
/// (a 3x3 convolution over 512 channels: 4608 x 32 bytes = 144 KiB against
/// 128 KiB banks). Then the task uses only as many of the array's columns
/// as fit, so that the layer can still be placed (its weights streamed
/// from DRAM one column task at a time); the other columns idle for that
/// layer. (reduction <= 2^28 and heldBits <= 64 keep the product < 2^35.)
int64_t Tiler::columnsFor(TileKind kind, int64_t reduction,
                          int64_t heldBits) const {
  if (kind != TileKind::Synaptic || heldBits <= 0 ||
      largestWeightBank == INT64_MAX)
    return core.cols;
  const int64_t bitsPerColumn = reduction * heldBits;
  if (bitsPerColumn * core.cols <= largestWeightBank * 8)
    return core.cols;
  return std::max<int64_t>(1, largestWeightBank * 8 / bitsPerColumn);
}

LogicalResult Tiler::run(ModuleOp module) {
  // Every value of a function becomes a value of the program's layer
  // table: static, non-empty and bounded, before any size is multiplied.
  WalkResult shapes = module.walk([&](func::FuncOp f) {
    return failed(checkFunctionShapes(f, "snn-tile")) ? WalkResult::interrupt()
                                                      : WalkResult::advance();
  });
  if (shapes.wasInterrupted())
    return failure();
  WalkResult r = module.walk([&](Operation *op) {
    if (!isa_and_nonnull<func::FuncOp>(op->getParentOp()) || !needsPlan(op))
      return WalkResult::advance();
    SmallVector<Attribute> tilings;
    if (failed(tileOp(op, tilings)))
      return WalkResult::interrupt();
    op->setAttr(kTilingAttr, ArrayAttr::get(ctx, tilings));
    return WalkResult::advance();
  });
  if (r.wasInterrupted())
    return failure();
  return checkPlanWork(plannedOps(module), "snn-tile");
}

/// Vectors per bundle: all T steps of as many tokens as keep a bundle's
/// partial sums (cols x accumulator bits each) in the scratchpad.
/// (cols <= 4096, accBits <= 64 and steps <= vectors <= 2^28 keep every
/// product below 2^47; the scratchpad is at most 2^60 bits here.)
int64_t Tiler::bundleFor(int64_t vectors, int64_t steps,
                         int64_t accBits) const {
  steps = std::max<int64_t>(1, std::min(steps, vectors));
  const int64_t perVector = core.cols * accBits;
  const int64_t bits = std::min(core.scratchpadBytes, int64_t(1) << 57) * 8;
  const int64_t fit = std::max<int64_t>(1, bits / (perVector * steps));
  if (fit >= (vectors + steps - 1) / steps)
    return vectors;
  return std::min(vectors, fit * steps);
}

LogicalResult Tiler::product(Operation *op, SmallVectorImpl<Attribute> &out,
                             TileKind kind, int64_t reduction, int64_t outputs,
                             int64_t groups, int64_t vectors, int64_t steps,
                             int64_t accBits, int64_t heldBits) const {
  auto t = makeTiling(op, kind, core.rows,
                      columnsFor(kind, reduction, heldBits), reduction, outputs,
                      groups, vectors, bundleFor(vectors, steps, accBits),
                      heldBits);
  if (failed(t))
    return failure();
  out.push_back(*t);
  return success();
}

LogicalResult Tiler::vector(Operation *op, SmallVectorImpl<Attribute> &out,
                            int64_t elements, int64_t groups) const {
  const int64_t perGroup = std::max<int64_t>(1, elements / groups);
  const int64_t v =
      std::max<int64_t>(1, (perGroup + core.lifUnits - 1) / core.lifUnits);
  auto t = makeTiling(op, TileKind::Vector, 1, 1, 1, 1, groups, v, v, 0);
  if (failed(t))
    return failure();
  out.push_back(*t);
  return success();
}

/// One synaptic product per weight group (and expert): the group's weight
/// matrix held, output positions (leading dims x OH x OW for a
/// convolution: im2col rows) streamed.
LogicalResult Tiler::synaptic(Operation *op, int64_t experts,
                              SmallVectorImpl<Attribute> &out) {
  auto syn = cast<SynapticOpInterface>(op);
  auto in = cast<RankedTensorType>(syn.getInput().getType());
  auto w = cast<RankedTensorType>(syn.getWeight().getType());
  auto res = cast<RankedTensorType>(op->getResult(0).getType());
  const int64_t steps = in.getRank() >= 2 ? in.getDimSize(0) : 1;
  const int64_t g = syn.getNumWeightGroups();
  const int64_t o = w.getDimSize(0);
  return product(op, out, TileKind::Synaptic, syn.getReductionSize(), o / g,
                 experts * g, res.getNumElements() / o, steps,
                 accBitsOf(op->getResult(0)), elementBits(w.getElementType()));
}

LogicalResult Tiler::attention(Operation *op, SmallVectorImpl<Attribute> &out) {
  auto att = cast<SpikingAttentionOp>(op);
  auto q = cast<RankedTensorType>(att.getQ().getType());
  const int64_t steps = q.getDimSize(0), batch = q.getDimSize(1),
                tokens = q.getDimSize(2), channels = q.getDimSize(3);
  const int64_t heads = att.getNumHeads(), d = channels / heads;
  if (att.getVariant() == AttentionVariant::SSA) {
    // Q K^T: K^T of a head held (d x N spikes), the head's query rows
    // streamed per step; A V: the scores held (N x N), value columns
    // streamed.
    if (failed(product(op, out, TileKind::AndAccumulate, d, tokens,
                       batch * heads, steps * tokens, steps, kAccumulatorBits,
                       1)))
      return failure();
    return product(op, out, TileKind::ScoreValue, tokens, tokens,
                   batch * heads, steps * d, steps, kAccumulatorBits,
                   kAccumulatorBits);
  }
  // SDSA: Q * N(sum_tokens(K * V)), element-wise and column sums on the
  // LIF units, one group per head.
  return vector(op, out, 3 * q.getNumElements(), batch * heads);
}

LogicalResult Tiler::experts(Operation *op, SmallVectorImpl<Attribute> &out) {
  auto moe = cast<MoeExpertsOp>(op);
  const int64_t e =
      cast<RankedTensorType>(moe.getInput().getType()).getDimSize(0);
  for (Operation *inner : expertBodyOps(moe)) {
    if (isa<SynapticOpInterface>(inner)) {
      if (failed(synaptic(inner, e, out)))
        return failure();
      continue;
    }
    int64_t n = 0;
    for (Type t : inner->getResultTypes())
      if (auto s = dyn_cast<ShapedType>(t))
        n += s.getNumElements();
    if (failed(vector(op, out, n * e, e)))
      return failure();
  }
  return success();
}

LogicalResult Tiler::tileOp(Operation *op, SmallVectorImpl<Attribute> &out) {
  if (isa<SynapticOpInterface>(op))
    return synaptic(op, 1, out);
  if (isa<SpikingAttentionOp>(op))
    return attention(op, out);
  if (isa<MoeExpertsOp>(op))
    return experts(op, out);
  if (op->getDialect() && isa<SNNDialect>(op->getDialect())) {
    // Neurons not fused with a synaptic op, residual adds, pooling,
    // readout, routing, dispatch, combine: LIF-unit work over the
    // largest operand or result.
    int64_t n = 1;
    for (Type t :
         llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes()))
      if (auto s = dyn_cast<ShapedType>(t); s && s.hasStaticShape())
        n = std::max(n, s.getNumElements());
    return vector(op, out, n);
  }
  return op->emitError() << "snn-tile: '" << op->getName()
                         << "' has no mapping onto the cores (supported: "
                            "snn ops and layout ops)";
}

} // namespace spikestack::snn
