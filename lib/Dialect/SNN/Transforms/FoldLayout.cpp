//===- FoldLayout.cpp - remove the exporter's layout plumbing -------------===//
//
// --snn-fold-layout: see Passes.td. Moves neurons and batch norms across
// the reshapes and transposes that ONNX exports put around every layer,
// then cancels the layout ops that meet.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace spikestack::snn {
#define GEN_PASS_DEF_SNNFOLDLAYOUT
#include "spikestack/Dialect/SNN/Transforms/Passes.h.inc"
} // namespace spikestack::snn

using namespace mlir;
using namespace spikestack::snn;

namespace {

/// A neuron whose parameters do not depend on the position of an element
/// (no per-channel operands): it commutes with any layout change that
/// keeps dimension 0 (time) in place.
bool isPositionFree(Operation *op) {
  if (op->getNumOperands() != 1 || op->getAttr("channel_dim"))
    return false;
  return isa<NeuronOpInterface>(op);
}

/// A copy of neuron `op` reading `input`, its spikes shaped like `input`.
Operation *cloneOnto(PatternRewriter &rewriter, Operation *op, Value input) {
  Type spike =
      cast<RankedTensorType>(op->getResult(0).getType()).getElementType();
  Operation *moved = rewriter.clone(*op);
  moved->setOperand(0, input);
  moved->getResult(0).setType(RankedTensorType::get(
      cast<RankedTensorType>(input.getType()).getShape(), spike));
  return moved;
}

/// neuron(reshape(x)) -> reshape(neuron(x)) when dimension 0 is kept.
struct NeuronOverReshape : RewritePattern {
  NeuronOverReshape(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isPositionFree(op))
      return failure();
    auto reshape = op->getOperand(0).getDefiningOp<tensor::ReshapeOp>();
    if (!reshape || !reshape->hasOneUse())
      return failure();
    auto src = dyn_cast<RankedTensorType>(reshape.getSource().getType());
    auto dst = cast<RankedTensorType>(reshape.getType());
    if (!src || !src.hasStaticShape() || src.getRank() == 0 ||
        src.getDimSize(0) != dst.getDimSize(0))
      return rewriter.notifyMatchFailure(op, "the reshape moves time");
    Operation *moved = cloneOnto(rewriter, op, reshape.getSource());
    rewriter.replaceOpWithNewOp<tensor::ReshapeOp>(
        op, op->getResult(0).getType(), moved->getResult(0),
        reshape.getShape());
    return success();
  }
};

/// neuron(transpose(x, p)) -> transpose(neuron(x), p) when p[0] = 0.
struct NeuronOverTranspose : RewritePattern {
  NeuronOverTranspose(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isPositionFree(op))
      return failure();
    auto tr = op->getOperand(0).getDefiningOp<linalg::TransposeOp>();
    if (!tr || !tr->hasOneUse() || tr.getPermutation().empty() ||
        tr.getPermutation()[0] != 0)
      return failure();
    Operation *moved = cloneOnto(rewriter, op, tr.getInput());
    auto outType = cast<RankedTensorType>(op->getResult(0).getType());
    Value init = tensor::EmptyOp::create(
        rewriter, op->getLoc(), outType.getShape(), outType.getElementType());
    rewriter.replaceOpWithNewOp<linalg::TransposeOp>(op, moved->getResult(0),
                                                     init, tr.getPermutation());
    return success();
  }
};

/// batch_norm(transpose(x, p)) -> transpose(batch_norm'(x), p), the
/// channel dimension mapped through p.
struct BatchNormOverTranspose : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    auto tr = bn.getInput().getDefiningOp<linalg::TransposeOp>();
    if (!tr || !tr->hasOneUse())
      return failure();
    ArrayRef<int64_t> perm = tr.getPermutation();
    const int64_t dim = bn.getChannelDim();
    if (dim < 0 || dim >= int64_t(perm.size()))
      return failure();
    auto moved = BatchNormOp::create(
        rewriter, bn.getLoc(), tr.getInput().getType(), tr.getInput(),
        bn.getScale(), bn.getOffset(), bn.getMean(), bn.getVariance(),
        bn.getEpsilonAttr(), rewriter.getI64IntegerAttr(perm[dim]));
    moved->setDiscardableAttrs(bn->getDiscardableAttrDictionary());
    auto outType = cast<RankedTensorType>(bn.getType());
    Value init = tensor::EmptyOp::create(
        rewriter, bn.getLoc(), outType.getShape(), outType.getElementType());
    rewriter.replaceOpWithNewOp<linalg::TransposeOp>(bn, moved, init, perm);
    return success();
  }
};

/// transpose(transpose(x, p), q) -> transpose(x, p o q), or x.
struct TransposeOfTranspose : OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::TransposeOp outer,
                                PatternRewriter &rewriter) const override {
    auto inner = outer.getInput().getDefiningOp<linalg::TransposeOp>();
    if (!inner || !outer.hasPureTensorSemantics() ||
        !inner.hasPureTensorSemantics())
      return failure();
    ArrayRef<int64_t> p = inner.getPermutation(), q = outer.getPermutation();
    SmallVector<int64_t> r(q.size());
    bool identity = true;
    for (size_t i = 0; i < q.size(); ++i) {
      r[i] = p[q[i]];
      identity &= r[i] == int64_t(i);
    }
    if (identity) {
      rewriter.replaceOp(outer, inner.getInput());
      return success();
    }
    rewriter.replaceOpWithNewOp<linalg::TransposeOp>(outer, inner.getInput(),
                                                     outer.getInit(), r);
    return success();
  }
};

/// reshape(reshape(x)) -> reshape(x); a reshape to its source type -> x.
struct ReshapeOfReshape : OpRewritePattern<tensor::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getSource().getType() == op.getType()) {
      rewriter.replaceOp(op, op.getSource());
      return success();
    }
    auto inner = op.getSource().getDefiningOp<tensor::ReshapeOp>();
    if (!inner)
      return failure();
    rewriter.modifyOpInPlace(
        op, [&] { op.getSourceMutable().assign(inner.getSource()); });
    return success();
  }
};

struct FoldLayout
    : public spikestack::snn::impl::SNNFoldLayoutBase<FoldLayout> {
  using Base::Base;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<NeuronOverReshape, NeuronOverTranspose, BatchNormOverTranspose,
                 TransposeOfTranspose, ReshapeOfReshape>(ctx);
    BatchNormOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) {
      getOperation()->emitError()
          << "snn-fold-layout: the rewrite did not converge";
      return signalPassFailure();
    }
    if (!remarks)
      return;
    // Say why a neuron is still behind a layout op.
    getOperation().walk([](Operation *op) {
      if (!isa<NeuronOpInterface>(op))
        return;
      Operation *def = op->getOperand(0).getDefiningOp();
      if (!isa_and_nonnull<tensor::ReshapeOp, linalg::TransposeOp>(def))
        return;
      auto diag = op->emitRemark() << "stays behind its '"
                                   << def->getName().getStringRef() << "': ";
      if (!isPositionFree(op))
        diag << "the neuron has per-channel parameters";
      else if (!def->hasOneUse())
        diag << "the layout op has other users";
      else if (auto tr = dyn_cast<linalg::TransposeOp>(def))
        diag << "the transpose moves time (permutation[0] = "
             << (tr.getPermutation().empty() ? -1 : tr.getPermutation()[0])
             << ")";
      else
        diag
            << "the reshape moves time ("
            << cast<RankedTensorType>(def->getOperand(0).getType())
                   .getDimSize(0)
            << " -> "
            << cast<RankedTensorType>(def->getResult(0).getType()).getDimSize(0)
            << " steps in dimension 0)";
    });
  }
};

} // namespace
