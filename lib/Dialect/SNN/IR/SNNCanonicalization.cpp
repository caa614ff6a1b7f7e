//===- SNNCanonicalization.cpp - snn canonicalization patterns ------------===//
//
// Folds that a compiler for spiking networks relies on:
//  * batch norm folded into the preceding linear/conv (exact in real
//    arithmetic; the f32 result may move by an ulp);
//  * constant scales merged or absorbed into weights or neuron parameters,
//    only when that is exact in f32 (a power-of-two factor);
//  * dead neurons (a zero input that can never reach the threshold) and
//    identity neurons (spike in, same spike out) removed, only when exact.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNLimits.h"
#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Reference/Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace spikestack::snn;
namespace ref = spikestack::ref;

std::optional<SmallVector<float>>
spikestack::snn::getConstantF32Values(Value v) {
  auto c = v ? v.getDefiningOp<arith::ConstantOp>() : nullptr;
  if (!c)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(c.getType());
  if (!type || !type.getElementType().isF32())
    return std::nullopt;
  // Larger constants are refused (the passes say why) rather than expanded:
  // a splat of 2^32 elements would not fit a SmallVector.
  if (!limits::boundedProduct(type.getShape(), limits::kMaxTensorElements))
    return std::nullopt;
  SmallVector<float> values;
  if (auto dense = dyn_cast<DenseElementsAttr>(c.getValue())) {
    values.reserve(dense.getNumElements());
    for (float f : dense.getValues<float>())
      values.push_back(f);
    return values;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(c.getValue())) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    ArrayRef<char> bytes = blob->getData();
    const int64_t n = type.getNumElements();
    if (int64_t(bytes.size()) != n * int64_t(sizeof(float)))
      return std::nullopt;
    values.resize(n);
    std::memcpy(values.data(), bytes.data(), bytes.size());
    return values;
  }
  return std::nullopt;
}

namespace {

/// Values of a constant f32 tensor (dense or dense_resource), or nullopt.
std::optional<SmallVector<float>> constantF32(Value v) {
  return getConstantF32Values(v);
}

Value makeF32Constant(PatternRewriter &rewriter, Location loc,
                      RankedTensorType type, ArrayRef<float> values) {
  auto attr = DenseElementsAttr::get(type, values);
  return arith::ConstantOp::create(rewriter, loc, type, attr);
}

/// Rebuilds a linear/conv op with new weight and bias operands.
Value rebuildSynaptic(PatternRewriter &rewriter, Operation *op, Value weight,
                      Value bias) {
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case([&](LinearOp linear) -> Value {
        return LinearOp::create(rewriter, op->getLoc(), linear.getType(),
                                linear.getInput(), weight, bias);
      })
      .Case([&](Conv2dOp conv) -> Value {
        return Conv2dOp::create(rewriter, op->getLoc(), conv.getType(),
                                conv.getInput(), weight, bias,
                                conv.getStrides(), conv.getPad(),
                                conv.getDilation(), conv.getGroups());
      })
      .Default([](Operation *) { return Value(); });
}

/// Constant f32 weights/bias of a single-use f32-domain linear/conv, with
/// the number of weights per output channel.
struct SynapticConstants {
  SynapticOpInterface op;
  SmallVector<float> weight, bias; // bias empty if the op has none
  int64_t perChannel;
};

std::optional<SynapticConstants> matchConstantSynaptic(Value v) {
  auto op = v.getDefiningOp<SynapticOpInterface>();
  if (!op || !v.hasOneUse())
    return std::nullopt;
  auto wType = cast<RankedTensorType>(op.getWeight().getType());
  auto elements =
      limits::boundedProduct(wType.getShape(), limits::kMaxTensorElements);
  if (!wType.getElementType().isF32() || !elements || *elements == 0)
    return std::nullopt;
  auto weight = constantF32(op.getWeight());
  if (!weight)
    return std::nullopt;
  SynapticConstants result{op, std::move(*weight), {}, 0};
  if (Value b = op.getBias()) {
    auto bias = constantF32(b);
    if (!bias)
      return std::nullopt;
    result.bias = std::move(*bias);
  }
  result.perChannel = *elements / wType.getDimSize(0);
  return result;
}

/// batch_norm(linear/conv(x, W, b)) -> linear/conv(x, W * a, b * a + beta').
struct FoldBatchNormIntoSynaptic : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    auto syn = matchConstantSynaptic(bn.getInput());
    if (!syn)
      return rewriter.notifyMatchFailure(bn, "input is not a single-use "
                                             "linear/conv with f32 constants");
    if (syn->op.getOutputChannelDim() != int64_t(bn.getChannelDim()))
      return rewriter.notifyMatchFailure(bn, "normalizes another dimension");
    auto gamma = constantF32(bn.getScale());
    auto beta = constantF32(bn.getOffset());
    auto mean = constantF32(bn.getMean());
    auto var = constantF32(bn.getVariance());
    if (!gamma || !beta || !mean || !var)
      return rewriter.notifyMatchFailure(bn, "non-constant parameters");
    size_t channels = gamma->size();
    float eps = float(bn.getEpsilon().convertToDouble());
    SmallVector<float> weight = syn->weight;
    SmallVector<float> bias(channels);
    for (size_t c = 0; c < channels; ++c) {
      // Same f32 steps as the batch_norm op itself.
      float a = (1.0f / std::sqrt((*var)[c] + eps)) * (*gamma)[c];
      float b = std::fma(-(*mean)[c], a, (*beta)[c]);
      for (int64_t i = 0; i < syn->perChannel; ++i)
        weight[c * syn->perChannel + i] *= a;
      bias[c] = syn->bias.empty() ? b : std::fma(syn->bias[c], a, b);
    }
    // The new constants and op replace the producer, so they go where it is.
    rewriter.setInsertionPoint(syn->op);
    Location loc = bn.getLoc();
    auto wType = cast<RankedTensorType>(syn->op.getWeight().getType());
    auto bType = RankedTensorType::get({int64_t(channels)},
                                       rewriter.getF32Type());
    Value newW = makeF32Constant(rewriter, loc, wType, weight);
    Value newB = makeF32Constant(rewriter, loc, bType, bias);
    Value replacement = rebuildSynaptic(rewriter, syn->op, newW, newB);
    rewriter.replaceOp(bn, replacement);
    rewriter.eraseOp(syn->op);
    return success();
  }
};

/// scale(linear/conv(x, W, b), 2^k) -> linear/conv(x, W * 2^k, b * 2^k).
struct FoldScaleIntoSynaptic : OpRewritePattern<ScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScaleOp scale,
                                PatternRewriter &rewriter) const override {
    double factor = scale.getFactor().convertToDouble();
    if (!ref::isPowerOfTwo(factor))
      return rewriter.notifyMatchFailure(scale, "not exact: factor is not 2^k");
    auto syn = matchConstantSynaptic(scale.getInput());
    if (!syn)
      return rewriter.notifyMatchFailure(scale, "no constant linear/conv");
    // Exact only if no scaled weight overflows or loses bits to underflow.
    const float f = float(factor);
    auto scaleExactly = [f](SmallVector<float> &values) {
      for (float &v : values) {
        const float r = v * f;
        if (!std::isfinite(r) || r / f != v)
          return false;
        v = r;
      }
      return true;
    };
    if (!scaleExactly(syn->weight) || !scaleExactly(syn->bias))
      return rewriter.notifyMatchFailure(scale, "a scaled weight is not exact");
    rewriter.setInsertionPoint(syn->op);
    Location loc = scale.getLoc();
    auto wType = cast<RankedTensorType>(syn->op.getWeight().getType());
    Value newW = makeF32Constant(rewriter, loc, wType, syn->weight);
    Value newB;
    if (!syn->bias.empty())
      newB = makeF32Constant(
          rewriter, loc, cast<RankedTensorType>(syn->op.getBias().getType()),
          syn->bias);
    Value replacement = rebuildSynaptic(rewriter, syn->op, newW, newB);
    rewriter.replaceOp(scale, replacement);
    rewriter.eraseOp(syn->op);
    return success();
  }
};

/// scale(scale(x, a), b) -> scale(x, a * b) when one factor is 2^k.
struct MergeScales : OpRewritePattern<ScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScaleOp outer,
                                PatternRewriter &rewriter) const override {
    auto inner = outer.getInput().getDefiningOp<ScaleOp>();
    if (!inner)
      return failure();
    double a = inner.getFactor().convertToDouble();
    double b = outer.getFactor().convertToDouble();
    if (!ref::isPowerOfTwo(a) && !ref::isPowerOfTwo(b))
      return rewriter.notifyMatchFailure(outer, "not exact in f32");
    rewriter.replaceOpWithNewOp<ScaleOp>(outer, outer.getType(),
                                         inner.getInput(),
                                         rewriter.getF64FloatAttr(a * b));
    return success();
  }
};

/// Scalar parameters of a float-domain neuron without per-channel operands.
template <typename NeuronOp>
bool hasScalarFloatParams(NeuronOp op) {
  return !op.getMembraneType() && !op.getChannelThreshold() &&
         !op.getChannelReset() && !op.getChannelTau();
}

/// Initial membrane potential (SpikingJelly: v_reset for hard reset, 0 soft).
template <typename NeuronOp>
double initialPotential(NeuronOp op) {
  if (auto v = op.getVInit())
    return v->convertToDouble();
  return op.getReset() == ResetMode::Hard ? op.getVReset().convertToDouble()
                                          : 0.0;
}

bool fires(float h, float threshold, CompareMode compare) {
  float d = h - threshold;
  return compare == CompareMode::GE ? d >= 0.0f : d > 0.0f;
}

/// neuron(scale(x, 2^k)) -> neuron(x) with thresholds and potentials / 2^k.
template <typename NeuronOp>
struct FoldScaleIntoNeuron : OpRewritePattern<NeuronOp> {
  using OpRewritePattern<NeuronOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(NeuronOp op,
                                PatternRewriter &rewriter) const override {
    auto scale = op.getInput().template getDefiningOp<ScaleOp>();
    if (!scale || !hasScalarFloatParams(op))
      return failure();
    double a = scale.getFactor().convertToDouble();
    if (!ref::isPowerOfTwo(a))
      return rewriter.notifyMatchFailure(op, "not exact: factor is not 2^k");
    rewriter.modifyOpInPlace(op, [&] {
      op.getInputMutable().assign(scale.getInput());
      op.setVThreshold(APFloat(op.getVThreshold().convertToDouble() / a));
      op.setVReset(APFloat(op.getVReset().convertToDouble() / a));
      if (auto v = op.getVInit())
        op.setVInit(APFloat(v->convertToDouble() / a));
    });
    return success();
  }
};

/// A neuron whose input is all zeros and that cannot fire from its initial
/// state produces no spikes.
template <typename NeuronOp>
struct EraseDeadNeuron : OpRewritePattern<NeuronOp> {
  using OpRewritePattern<NeuronOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(NeuronOp op,
                                PatternRewriter &rewriter) const override {
    // Float domain only: the fixed-point membrane compares raw integers that
    // an f32 comparison here could not represent.
    if (!hasScalarFloatParams(op))
      return failure();
    Attribute value;
    if (!matchPattern(op.getInput(), m_Constant(&value)))
      return failure();
    auto dense = dyn_cast<DenseElementsAttr>(value);
    if (!dense || !dense.isSplat())
      return failure();
    bool zero = isa<FloatType>(dense.getElementType())
                    ? dense.getSplatValue<APFloat>().isZero()
                    : dense.getSplatValue<APInt>().isZero();
    if (!zero)
      return failure();
    // With X = 0 the membrane stays at V0 when V0 = v_reset (LIF) or always
    // (IF): it never fires iff V0 does not cross the threshold.
    double v0 = initialPotential(op);
    bool leaky = std::is_same_v<NeuronOp, LIFOp>;
    if (leaky && v0 != op.getVReset().convertToDouble())
      return rewriter.notifyMatchFailure(op, "membrane moves from v_init");
    if (fires(float(v0), float(op.getVThreshold().convertToDouble()),
              op.getCompare()))
      return rewriter.notifyMatchFailure(op, "fires on its initial state");
    auto type = op.getOutput().getType();
    auto raw = DenseElementsAttr::get(
        RankedTensorType::get(type.getShape(), rewriter.getI1Type()),
        rewriter.getBoolAttr(false));
    rewriter.replaceOpWithNewOp<ConstantOp>(op, type, raw);
    return success();
  }
};

/// A neuron on spike input that fires exactly when a spike arrives and
/// returns to 0 is the identity: hard reset to 0 from 0, a spike reaches
/// the threshold in one step and silence never does.
template <typename NeuronOp>
struct EraseIdentityNeuron : OpRewritePattern<NeuronOp> {
  using OpRewritePattern<NeuronOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(NeuronOp op,
                                PatternRewriter &rewriter) const override {
    if (!isa<SpikeType>(op.getInput().getType().getElementType()) ||
        !hasScalarFloatParams(op) || op.getReset() != ResetMode::Hard ||
        op.getVReset().convertToDouble() != 0.0 || initialPotential(op) != 0.0)
      return failure();
    float threshold = float(op.getVThreshold().convertToDouble());
    // Membrane after one step from V = 0 with a spike (X = 1).
    float h1 = 1.0f;
    if constexpr (std::is_same_v<NeuronOp, LIFOp>) {
      if (op.getDecayInput())
        h1 = 1.0f / float(op.getTau().convertToDouble());
    }
    if (!fires(h1, threshold, op.getCompare()) ||
        fires(0.0f, threshold, op.getCompare()))
      return rewriter.notifyMatchFailure(op, "not an identity");
    rewriter.replaceOp(op, op.getInput());
    return success();
  }
};

} // namespace

void LIFOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<FoldScaleIntoNeuron<LIFOp>, EraseDeadNeuron<LIFOp>,
              EraseIdentityNeuron<LIFOp>>(context);
}

void IFOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                       MLIRContext *context) {
  results.add<FoldScaleIntoNeuron<IFOp>, EraseDeadNeuron<IFOp>,
              EraseIdentityNeuron<IFOp>>(context);
}

void BatchNormOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<FoldBatchNormIntoSynaptic>(context);
}

void ScaleOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                          MLIRContext *context) {
  results.add<FoldScaleIntoSynaptic, MergeScales>(context);
}
