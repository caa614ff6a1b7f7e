//===- Quantize.cpp - integer synapses, fixed-point neurons ---------------===//
//
// --snn-quantize: see Passes.td for the rewrite and its arithmetic.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/Transforms/Passes.h"
#include "spikestack/Dialect/SNN/Transforms/Plan.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <string>

namespace spikestack::snn {
#define GEN_PASS_DEF_SNNQUANTIZE
#include "spikestack/Dialect/SNN/Transforms/Passes.h.inc"
} // namespace spikestack::snn

using namespace mlir;
using namespace spikestack::snn;

namespace {

/// What one layer becomes; computed before the IR is touched.
struct LayerPlan {
  Operation *neuron = nullptr, *pool = nullptr, *synaptic = nullptr;
  int64_t channelDim = 0;
  std::vector<int8_t> weights;         // raw q, the weight's shape
  std::vector<int64_t> bias;           // raw, per channel (empty: none)
  std::vector<float> threshold, reset; // raw, per channel (reset: if != 0)
};

int64_t roundHalfEven(double v) { return int64_t(std::nearbyint(v)); }

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

struct Quantize : public spikestack::snn::impl::SNNQuantizeBase<Quantize> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (weightBits < 2 || weightBits > 8)
      return fail(module, "weight-bits must be in 2..8, got " +
                              std::to_string(weightBits));
    if (membraneBits < 4 || membraneBits > 32)
      return fail(module, "membrane-bits must be in 4..32, got " +
                              std::to_string(membraneBits));
    if (accumulatorBits < membraneBits || accumulatorBits > 32)
      return fail(module, "accumulator-bits must be in membrane-bits.." +
                              std::string("32, got ") +
                              std::to_string(accumulatorBits));

    if (failed(checkInput(module)))
      return signalPassFailure();

    // Batch norm folds into the producing synaptic op first. (Only when
    // there is one: the rewrite driver also moves constants, and a second
    // run must leave quantized IR exactly as it is.)
    RewritePatternSet patterns(&getContext());
    BatchNormOp::getCanonicalizationPatterns(patterns, &getContext());
    if (module.walk([](BatchNormOp) { return WalkResult::interrupt(); })
            .wasInterrupted() &&
        failed(applyPatternsGreedily(module, std::move(patterns))))
      return fail(module, "batch-norm folding did not converge");

    SmallVector<Operation *> neurons;
    module.walk([&](Operation *op) {
      if (isa<NeuronOpInterface>(op))
        neurons.push_back(op);
    });
    for (Operation *n : neurons) {
      if (cast<NeuronOpInterface>(n).isFixedPoint())
        continue; // already fixed point
      std::string why;
      auto plan = planLayer(n, why);
      if (!plan) {
        ++numFloat;
        if (strict) {
          n->emitError() << "cannot quantize this neuron: " << why;
          return signalPassFailure();
        }
        if (remarks)
          n->emitRemark() << "stays in the float domain: " << why;
        continue;
      }
      rewrite(*plan);
      ++numQuantized;
    }

    // Synaptic ops whose result stays real-valued (membrane shortcuts,
    // expert outputs, layers the neuron path could not take): weight-only
    // quantization with a snn.dequantize epilogue.
    SmallVector<Operation *> synaptic;
    module.walk([&](Operation *op) {
      if (isa<SynapticOpInterface>(op) &&
          cast<ShapedType>(op->getOperand(1).getType())
              .getElementType()
              .isF32())
        synaptic.push_back(op);
    });
    for (Operation *op : synaptic) {
      std::string why;
      if (succeeded(weightOnly(op, why))) {
        ++numWeightOnly;
        continue;
      }
      if (strict) {
        op->emitError() << "cannot quantize the weights of this op: " << why;
        return signalPassFailure();
      }
      if (remarks)
        op->emitRemark() << "weights stay in the float domain: " << why;
    }
  }

  /// Shapes the rewrite can take (every size at least 1, at most 2^28
  /// elements per tensor; SNNLimits.h), and no layer already quantized with
  /// other bits: its float weights are gone, so a second run with other
  /// bits could only leave it as it is. With the same bits a second run
  /// changes nothing.
  LogicalResult checkInput(ModuleOp module) {
    WalkResult r = module.walk([&](Operation *op) {
      if (!op->getDialect() || !isa<SNNDialect>(op->getDialect()))
        return WalkResult::advance();
      if (failed(checkShapes(op, "snn-quantize", /*requireStatic=*/false,
                             /*nested=*/false)) ||
          failed(checkBits(op)))
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    return failure(r.wasInterrupted());
  }

  LogicalResult checkBits(Operation *op) {
    auto mismatch = [&](StringRef what, FixedType has, StringRef option,
                        int64_t want) {
      return op->emitError()
             << "snn-quantize: " << what << " already quantized to "
             << has.getWidth() << " bits (" << has << "); cannot requantize to "
             << option << "=" << want
             << " (quantize the float IR once with the bits you want; a "
                "second run with the same bits changes nothing)";
    };
    if (isa<SynapticOpInterface>(op)) {
      auto elt = [&](Value v) {
        return dyn_cast<FixedType>(
            cast<ShapedType>(v.getType()).getElementType());
      };
      if (FixedType w = elt(op->getOperand(1));
          w && int64_t(w.getWidth()) != weightBits)
        return mismatch("the weights of this op are", w, "weight-bits",
                        weightBits);
      if (FixedType acc = elt(op->getResult(0));
          acc && int64_t(acc.getWidth()) != accumulatorBits)
        return mismatch("the accumulator of this op is", acc,
                        "accumulator-bits", accumulatorBits);
    }
    if (auto neuron = dyn_cast<NeuronOpInterface>(op))
      if (FixedType f = neuron.getNeuronAttr().getMembraneType();
          f && int64_t(f.getWidth()) != membraneBits)
        return mismatch("the membrane of this neuron is", f, "membrane-bits",
                        membraneBits);
    return success();
  }

  /// Per-output-channel symmetric quantization of `count` rows of `row`
  /// weights each: raw values into `q`, scales into `scale`.
  bool quantizeRows(ArrayRef<float> w, int64_t count, std::vector<int8_t> &q,
                    std::vector<float> &scale, std::string &why) const {
    const double qmax = double((int64_t(1) << (weightBits - 1)) - 1);
    const int64_t row = count ? int64_t(w.size()) / count : 0;
    q.resize(w.size());
    for (int64_t c = 0; c < count; ++c) {
      double m = 0;
      for (int64_t i = 0; i < row; ++i)
        m = std::max(m, double(std::fabs(w[c * row + i])));
      if (!std::isfinite(m)) {
        why = "row " + std::to_string(c) + " has a non-finite weight";
        return false;
      }
      // The scale is stored in f32; quantize with the stored value.
      const float sf = float(m > 0 ? m / qmax : 1.0);
      const double s = double(sf);
      for (int64_t i = 0; i < row; ++i)
        q[c * row + i] = int8_t(std::clamp<double>(
            double(roundHalfEven(w[c * row + i] / s)), -qmax, qmax));
      scale.push_back(sf);
    }
    return true;
  }

  /// Weight-only quantization of a synaptic op with spike or count input:
  /// integer weights, an exact integer accumulator, then snn.dequantize
  /// (per-channel f32 scale, the bias added in f32). Weights are either a
  /// constant or a parameter of the enclosing snn.moe_experts (one scale
  /// vector per expert, passed as an extra parameter).
  LogicalResult weightOnly(Operation *op, std::string &why) {
    MLIRContext *ctx = &getContext();
    auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
    if (!isa<SpikeType, CountType>(inType.getElementType())) {
      why = "its input is " +
            (isa<FixedType>(inType.getElementType())
                 ? std::string("fixed point")
                 : std::string("real-valued (f32), e.g. the image stem; that "
                               "needs activation quantization")) +
            ", not spikes or counts";
      return failure();
    }
    auto wType = cast<RankedTensorType>(op->getOperand(1).getType());
    const int64_t channels = wType.getDimSize(0);
    Value weight = op->getOperand(1);
    MoeExpertsOp experts;
    int64_t param = -1;
    std::optional<SmallVector<float>> values;
    if (auto arg = dyn_cast<BlockArgument>(weight);
        arg && isa<MoeExpertsOp>(arg.getOwner()->getParentOp())) {
      experts = cast<MoeExpertsOp>(arg.getOwner()->getParentOp());
      if (arg.getArgNumber() == 0 || !arg.hasOneUse()) {
        why = "the expert weights are used by more than one op";
        return failure();
      }
      param = int64_t(arg.getArgNumber()) - 1;
      values = getConstantF32Values(experts.getParams()[param]);
    } else {
      values = getConstantF32Values(weight);
    }
    if (!values) {
      why = "the weights are not a constant f32 tensor";
      return failure();
    }
    const int64_t groups =
        experts ? cast<ShapedType>(experts.getParams()[param].getType())
                      .getDimSize(0)
                : 1;
    std::vector<int8_t> q;
    std::vector<float> scale;
    if (!quantizeRows(*values, groups * channels, q, scale, why))
      return failure();

    auto accType = FixedType::get(ctx, accumulatorBits, 0);
    auto fixedW = FixedType::get(ctx, weightBits, 0);
    auto vecType = RankedTensorType::get({channels}, Float32Type::get(ctx));
    Value scaleValue;
    if (experts) {
      // Replace the stacked parameter and add the stacked scales.
      Value stacked = experts.getParams()[param];
      auto sType = cast<RankedTensorType>(stacked.getType());
      OpBuilder b(experts);
      auto newParam = ConstantOp::create(
          b, stacked.getLoc(), RankedTensorType::get(sType.getShape(), fixedW),
          DenseElementsAttr::get(
              RankedTensorType::get(sType.getShape(), b.getI8Type()),
              ArrayRef<int8_t>(q)));
      auto scalesType =
          RankedTensorType::get({groups, channels}, b.getF32Type());
      Value scales = arith::ConstantOp::create(
          b, stacked.getLoc(), scalesType,
          DenseElementsAttr::get(scalesType, ArrayRef<float>(scale)));
      experts->setOperand(1 + param, newParam);
      experts.getParamsMutable().append(scales);
      auto arg = cast<BlockArgument>(weight);
      arg.setType(RankedTensorType::get(wType.getShape(), fixedW));
      scaleValue =
          experts.getBody().front().addArgument(vecType, stacked.getLoc());
      if (Operation *d = stacked.getDefiningOp();
          d && d->use_empty() && isPure(d))
        d->erase();
    } else {
      OpBuilder b(op);
      auto raw = RankedTensorType::get(wType.getShape(), b.getI8Type());
      op->setOperand(1, ConstantOp::create(
                            b, op->getLoc(),
                            RankedTensorType::get(wType.getShape(), fixedW),
                            DenseElementsAttr::get(raw, ArrayRef<int8_t>(q))));
      scaleValue = arith::ConstantOp::create(
          b, op->getLoc(), vecType,
          DenseElementsAttr::get(vecType, ArrayRef<float>(scale)));
      if (Operation *d = weight.getDefiningOp();
          d && d->use_empty() && isPure(d))
        d->erase();
    }

    // The op now accumulates integers; its bias moves to the epilogue.
    OpBuilder b(op);
    Value bias = op->getNumOperands() > 2 ? op->getOperand(2) : Value();
    auto resType = cast<RankedTensorType>(op->getResult(0).getType());
    Operation *acc = b.clone(*op);
    if (bias)
      acc->eraseOperand(2);
    acc->getResult(0).setType(
        RankedTensorType::get(resType.getShape(), accType));
    b.setInsertionPointAfter(acc);
    const int64_t dim = cast<SynapticOpInterface>(op).getOutputChannelDim();
    auto deq = DequantizeOp::create(b, op->getLoc(), resType, acc->getResult(0),
                                    scaleValue, bias, b.getI64IntegerAttr(dim));
    op->replaceAllUsesWith(deq);
    op->erase();
    return success();
  }

  void fail(ModuleOp m, const std::string &msg) {
    mlir::emitError(m.getLoc()) << "snn-quantize: " << msg;
    signalPassFailure();
  }

  std::optional<LayerPlan> planLayer(Operation *n, std::string &why) {
    LayerPlan p;
    p.neuron = n;
    const NeuronParams scalars =
        NeuronParams::fromAttr(cast<NeuronOpInterface>(n).getNeuronAttr());
    if (cast<NeuronOpInterface>(n).hasChannelParams()) {
      why = "it already has per-channel parameters";
      return std::nullopt;
    }
    if (scalars.vInit) {
      why = "it sets v_init";
      return std::nullopt;
    }
    Value in = n->getOperand(0);
    Operation *def = in.getDefiningOp();
    if (auto mp = dyn_cast_or_null<MaxPool2dOp>(def)) {
      if (!mp->hasOneUse()) {
        why = "its max-pooled input has other users";
        return std::nullopt;
      }
      p.pool = mp;
      def = mp.getInput().getDefiningOp();
    }
    if (!isa_and_nonnull<SynapticOpInterface>(def)) {
      why = "its input is not an snn.linear or snn.conv2d result (e.g. a "
            "real-valued residual or shortcut)";
      return std::nullopt;
    }
    p.synaptic = def;
    if (!def->hasOneUse()) {
      why = "the synaptic op's result has other users";
      return std::nullopt;
    }
    auto inType = cast<RankedTensorType>(def->getOperand(0).getType());
    if (!isa<SpikeType, CountType>(inType.getElementType())) {
      why = "the synaptic input is " +
            (isa<FixedType>(inType.getElementType())
                 ? std::string("fixed point")
                 : std::string("real-valued (f32), e.g. the image stem")) +
            ", not spikes or counts";
      return std::nullopt;
    }
    auto w = getConstantF32Values(def->getOperand(1));
    if (!w) {
      why = "the weights are not a constant f32 tensor";
      return std::nullopt;
    }
    std::optional<SmallVector<float>> b;
    if (def->getNumOperands() > 2) {
      b = getConstantF32Values(def->getOperand(2));
      if (!b) {
        why = "the bias is not a constant f32 tensor";
        return std::nullopt;
      }
    }
    auto wType = cast<RankedTensorType>(def->getOperand(1).getType());
    const int64_t channels = wType.getDimSize(0);
    const int64_t row = channels ? int64_t(w->size()) / channels : 0;
    p.channelDim = cast<SynapticOpInterface>(def).getOutputChannelDim();

    const double qmax = double((int64_t(1) << (weightBits - 1)) - 1);
    const double memMax = double((int64_t(1) << (membraneBits - 1)) - 1);
    const double accMax = double((int64_t(1) << (accumulatorBits - 1)) - 1);
    const double th = scalars.vThreshold, vr = scalars.vReset;
    p.weights.resize(w->size());
    for (int64_t c = 0; c < channels; ++c) {
      double m = 0;
      for (int64_t i = 0; i < row; ++i)
        m = std::max(m, double(std::fabs((*w)[c * row + i])));
      if (!std::isfinite(m)) {
        why = "channel " + std::to_string(c) + " has a non-finite weight";
        return std::nullopt;
      }
      const double s = m > 0 ? m / qmax : 1.0;
      for (int64_t i = 0; i < row; ++i)
        p.weights[c * row + i] = int8_t(std::clamp<double>(
            double(roundHalfEven((*w)[c * row + i] / s)), -qmax, qmax));
      const double t = th / s;
      if (!(std::nearbyint(t) >= 1) || std::nearbyint(t) > memMax ||
          t > double(1 << 24)) {
        why = "channel " + std::to_string(c) + ": threshold " + fmt(th) +
              " / weight scale " + fmt(s) + " = " + fmt(t) +
              (std::nearbyint(t) < 1
                   ? " rounds to 0"
                   : " does not fit the " + std::to_string(membraneBits) +
                         "-bit membrane (max " + fmt(memMax) +
                         "); try a larger membrane-bits");
        return std::nullopt;
      }
      p.threshold.push_back(float(roundHalfEven(t)));
      if (vr != 0) {
        const double r = vr / s;
        if (std::fabs(std::nearbyint(r)) > memMax) {
          why = "channel " + std::to_string(c) + ": reset " + fmt(vr) +
                " / weight scale " + fmt(s) + " does not fit the membrane";
          return std::nullopt;
        }
        p.reset.push_back(float(roundHalfEven(r)));
      }
      if (b) {
        const double q = (*b)[c] / s;
        if (!std::isfinite(q) || std::fabs(std::nearbyint(q)) > accMax) {
          why = "channel " + std::to_string(c) + ": bias " + fmt((*b)[c]) +
                " / weight scale " + fmt(s) + " does not fit the " +
                std::to_string(accumulatorBits) + "-bit accumulator";
          return std::nullopt;
        }
        p.bias.push_back(roundHalfEven(q));
      }
    }
    return p;
  }

  void rewrite(const LayerPlan &p) {
    MLIRContext *ctx = &getContext();
    Operation *syn = p.synaptic;
    OpBuilder b(syn);
    Location loc = syn->getLoc();
    auto wType = cast<RankedTensorType>(syn->getOperand(1).getType());
    auto raw8 = RankedTensorType::get(wType.getShape(), b.getI8Type());
    auto weight = ConstantOp::create(
        b, loc,
        RankedTensorType::get(wType.getShape(),
                              FixedType::get(ctx, weightBits, 0)),
        DenseElementsAttr::get(raw8, ArrayRef<int8_t>(p.weights)));
    auto accType = FixedType::get(ctx, accumulatorBits, 0);
    Value bias;
    if (!p.bias.empty()) {
      const int64_t n = int64_t(p.bias.size());
      auto raw = RankedTensorType::get({n}, b.getI64Type());
      bias = ConstantOp::create(b, loc, RankedTensorType::get({n}, accType),
                                DenseElementsAttr::get(raw, ArrayRef(p.bias)));
    }
    auto retype = [&](Value v) {
      return RankedTensorType::get(
          cast<RankedTensorType>(v.getType()).getShape(), accType);
    };
    Operation *newSyn = b.clone(*syn);
    newSyn->setOperand(1, weight);
    if (bias)
      newSyn->setOperand(2, bias);
    newSyn->getResult(0).setType(retype(syn->getResult(0)));
    Value current = newSyn->getResult(0);
    if (p.pool) {
      b.setInsertionPoint(p.pool);
      Operation *newPool = b.clone(*p.pool);
      newPool->setOperand(0, current);
      newPool->getResult(0).setType(retype(p.pool->getResult(0)));
      current = newPool->getResult(0);
    }

    Operation *n = p.neuron;
    b.setInsertionPoint(n);
    const int64_t channels = int64_t(p.threshold.size());
    auto vecType = RankedTensorType::get({channels}, b.getF32Type());
    Value th = arith::ConstantOp::create(
        b, n->getLoc(), vecType,
        DenseElementsAttr::get(vecType, ArrayRef(p.threshold)));
    Value reset;
    if (!p.reset.empty())
      reset = arith::ConstantOp::create(
          b, n->getLoc(), vecType,
          DenseElementsAttr::get(vecType, ArrayRef(p.reset)));
    auto neuron = cast<NeuronOpInterface>(n);
    NeuronParams params = NeuronParams::fromAttr(neuron.getNeuronAttr());
    params.membrane = FixedType::get(ctx, membraneBits, 0);
    params.channelDim = p.channelDim;
    params.channelThreshold = th;
    params.channelReset = reset;
    params.vInit.reset();
    // Scalars stay representable in the membrane format; the per-channel
    // operands override them.
    params.vThreshold = p.threshold.front();
    params.vReset = p.reset.empty() ? 0.0 : p.reset.front();
    Operation *newNeuron =
        createNeuron(b, n->getLoc(), n->getResult(0).getType(), current,
                     neuron.isLeaky(), params)
            .getOperation();
    for (NamedAttribute a : n->getDiscardableAttrs())
      newNeuron->setAttr(a.getName(), a.getValue());
    n->replaceAllUsesWith(newNeuron);

    SmallVector<Value> maybeDead(syn->getOperands().begin() + 1,
                                 syn->getOperands().end());
    n->erase();
    if (p.pool)
      p.pool->erase();
    syn->erase();
    for (Value v : maybeDead)
      if (Operation *d = v.getDefiningOp(); d && d->use_empty() && isPure(d))
        d->erase();
  }
};

} // namespace
