//===- Tile.cpp - cut every compute op into array-sized tiles -------------===//
//
// --snn-tile: see Passes.td.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/Transforms/Passes.h"
#include "spikestack/Dialect/SNN/Transforms/Plan.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace spikestack::snn {
#define GEN_PASS_DEF_SNNTILE
#include "spikestack/Dialect/SNN/Transforms/Passes.h.inc"
} // namespace spikestack::snn

using namespace mlir;
using namespace spikestack;
using namespace spikestack::snn;

namespace {

struct Tile : public snn::impl::SNNTileBase<Tile> {
  using Base::Base;

  hw::CoreSpec core;
  MLIRContext *ctx = nullptr;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    ctx = &getContext();
    if (!target.empty())
      module->setAttr("snn.target", StringAttr::get(ctx, target));
    auto t = getAnalysis<ModuleTarget>().get(module);
    markAnalysesPreserved<ModuleTarget>();
    if (failed(t))
      return signalPassFailure();
    const auto cores = (*t)->blocksOfKind(hw::BlockKind::Core);
    core = (*t)->block(cores.front()).core;
    for (hw::BlockRef r : cores) {
      const hw::CoreSpec &c = (*t)->block(r).core;
      if (c.rows != core.rows || c.cols != core.cols ||
          c.scratchpadBytes != core.scratchpadBytes ||
          c.lifUnits != core.lifUnits) {
        mlir::emitError(module.getLoc())
            << "snn-tile: the target's cores differ ('"
            << (*t)->block(cores.front()).name << "' " << core.rows << "x"
            << core.cols << ", " << core.lifUnits << " LIF units, "
            << core.scratchpadBytes << " B scratchpad; '" << (*t)->block(r).name
            << "' " << c.rows << "x" << c.cols << ", " << c.lifUnits
            << " LIF units, " << c.scratchpadBytes
            << " B scratchpad); heterogeneous cores are not supported";
        return signalPassFailure();
      }
    }
    if (!module->getAttr("snn.target"))
      module->setAttr("snn.target", StringAttr::get(ctx, hw::kDefaultTarget));

    // Every value of a function becomes a value of the program's layer
    // table: static, non-empty and bounded, before any size is multiplied.
    WalkResult shapes = module.walk([&](func::FuncOp f) {
      return failed(checkFunctionShapes(f, "snn-tile"))
                 ? WalkResult::interrupt()
                 : WalkResult::advance();
    });
    if (shapes.wasInterrupted())
      return signalPassFailure();
    WalkResult r = module.walk([&](Operation *op) {
      if (!isa_and_nonnull<func::FuncOp>(op->getParentOp()) || !needsPlan(op))
        return WalkResult::advance();
      SmallVector<Attribute> tilings;
      if (failed(tileOp(op, tilings)))
        return WalkResult::interrupt();
      op->setAttr("snn.tiling", ArrayAttr::get(ctx, tilings));
      return WalkResult::advance();
    });
    if (r.wasInterrupted() ||
        failed(checkPlanWork(plannedOps(module), "snn-tile")))
      signalPassFailure();
  }

  /// Vectors per bundle: all T steps of as many tokens as keep a bundle's
  /// partial sums (cols x accumulator bits each) in the scratchpad.
  /// (cols <= 4096, accBits <= 64 and steps <= vectors <= 2^28 keep every
  /// product below 2^47; the scratchpad is at most 2^60 bits here.)
  int64_t bundleFor(int64_t vectors, int64_t steps, int64_t accBits) const {
    steps = std::max<int64_t>(1, std::min(steps, vectors));
    const int64_t perVector = core.cols * accBits;
    const int64_t bits = std::min(core.scratchpadBytes, int64_t(1) << 57) * 8;
    const int64_t fit = std::max<int64_t>(1, bits / (perVector * steps));
    if (fit >= (vectors + steps - 1) / steps)
      return vectors;
    return std::min(vectors, fit * steps);
  }

  /// A tiling entry of `op`, or an error on `op` when it exceeds the
  /// limits of SNNLimits.h (the numbers are all positive here).
  FailureOr<TilingAttr> make(Operation *op, TileKind kind, int64_t rows,
                             int64_t cols, int64_t reduction, int64_t outputs,
                             int64_t groups, int64_t vectors, int64_t bundle,
                             int64_t heldBits) const {
    auto emit = [&]() { return op->emitError() << "snn-tile: "; };
    if (failed(verifyTilingBounds(emit, rows, cols, reduction, outputs, groups,
                                  vectors, bundle)))
      return failure();
    return TilingAttr::get(ctx, kind, rows, cols, reduction, outputs, groups,
                           vectors, bundle, heldBits);
  }

  LogicalResult product(Operation *op, SmallVectorImpl<Attribute> &out,
                        TileKind kind, int64_t reduction, int64_t outputs,
                        int64_t groups, int64_t vectors, int64_t steps,
                        int64_t accBits, int64_t heldBits) const {
    auto t = make(op, kind, core.rows, core.cols, reduction, outputs, groups,
                  vectors, bundleFor(vectors, steps, accBits), heldBits);
    if (failed(t))
      return failure();
    out.push_back(*t);
    return success();
  }

  LogicalResult vector(Operation *op, SmallVectorImpl<Attribute> &out,
                       int64_t elements, int64_t groups = 1) const {
    const int64_t perGroup = std::max<int64_t>(1, elements / groups);
    const int64_t v =
        std::max<int64_t>(1, (perGroup + core.lifUnits - 1) / core.lifUnits);
    auto t = make(op, TileKind::Vector, 1, 1, 1, 1, groups, v, v, 0);
    if (failed(t))
      return failure();
    out.push_back(*t);
    return success();
  }

  static int64_t accBitsOf(Value result) {
    auto e = cast<RankedTensorType>(result.getType()).getElementType();
    return isa<FixedType>(e) ? elementBits(e) : int64_t(accumulatorBits);
  }
  static constexpr int64_t accumulatorBits = 16;

  LogicalResult synaptic(Operation *op, int64_t experts,
                         SmallVectorImpl<Attribute> &out) {
    auto in = cast<RankedTensorType>(op->getOperand(0).getType());
    auto w = cast<RankedTensorType>(op->getOperand(1).getType());
    auto res = cast<RankedTensorType>(op->getResult(0).getType());
    const int64_t steps = in.getRank() >= 2 ? in.getDimSize(0) : 1;
    const int64_t heldBits = elementBits(w.getElementType());
    const int64_t acc = accBitsOf(op->getResult(0));
    if (isa<LinearOp>(op)) {
      const int64_t k = w.getDimSize(1), n = w.getDimSize(0);
      return product(op, out, TileKind::Synaptic, k, n, experts,
                     res.getNumElements() / n, steps, acc, heldBits);
    }
    auto conv = cast<Conv2dOp>(op);
    const int64_t g = conv.getGroups();
    const int64_t o = w.getDimSize(0);
    const int64_t k = w.getDimSize(1) * w.getDimSize(2) * w.getDimSize(3);
    // Output positions (leading dims x OH x OW) are the streamed vectors
    // (im2col rows).
    const int64_t vectors = res.getNumElements() / o;
    return product(op, out, TileKind::Synaptic, k, o / g, experts * g,
                   vectors, steps, acc, heldBits);
  }

  LogicalResult tileOp(Operation *op, SmallVectorImpl<Attribute> &out) {
    if (isa<LinearOp, Conv2dOp>(op))
      return synaptic(op, 1, out);
    if (auto att = dyn_cast<SpikingAttentionOp>(op)) {
      auto q = cast<RankedTensorType>(att.getQ().getType());
      const int64_t steps = q.getDimSize(0), batch = q.getDimSize(1),
                    tokens = q.getDimSize(2), channels = q.getDimSize(3);
      const int64_t heads = att.getNumHeads(), d = channels / heads;
      if (att.getVariant() == AttentionVariant::SSA) {
        // Q K^T: K^T of a head held (d x N spikes), the head's query rows
        // streamed per step; A V: the scores held (N x N), value columns
        // streamed.
        if (failed(product(op, out, TileKind::AndAccumulate, d, tokens,
                           batch * heads, steps * tokens, steps,
                           accumulatorBits, 1)))
          return failure();
        return product(op, out, TileKind::ScoreValue, tokens, tokens,
                       batch * heads, steps * d, steps, accumulatorBits,
                       accumulatorBits);
      }
      // SDSA: Q * N(sum_tokens(K * V)), element-wise and column sums on the
      // LIF units, one group per head.
      return vector(op, out, 3 * q.getNumElements(), batch * heads);
    }
    if (auto experts = dyn_cast<MoeExpertsOp>(op)) {
      const int64_t e =
          cast<RankedTensorType>(experts.getInput().getType()).getDimSize(0);
      for (Operation *inner : expertBodyOps(experts)) {
        if (isa<LinearOp, Conv2dOp>(inner)) {
          if (failed(synaptic(inner, e, out)))
            return failure();
        } else {
          int64_t n = 0;
          for (Type t : inner->getResultTypes())
            if (auto s = dyn_cast<ShapedType>(t))
              n += s.getNumElements();
          if (failed(vector(op, out, n * e, e)))
            return failure();
        }
      }
      return success();
    }
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
};

} // namespace
