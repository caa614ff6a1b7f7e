//===- SNNOps.cpp - snn dialect operations --------------------------------===//
//
// Verifiers, interface implementations and folders of the snn ops. Every
// verifier message names the operand or attribute at fault and the numbers
// involved, so that a user can act on it.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/IR/SNNLimits.h"
#include "spikestack/Reference/Kernels.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace spikestack::snn;
namespace ref = spikestack::ref;

#include "spikestack/Dialect/SNN/IR/SNNInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "spikestack/Dialect/SNN/IR/SNNOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static RankedTensorType rankedType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ", ";
    s += ShapedType::isDynamic(d) ? "?" : std::to_string(d);
  }
  return s + "]";
}

/// Compares a result shape with the expected one; dynamic sizes match anything.
static LogicalResult checkShape(Operation *op, StringRef what,
                                ArrayRef<int64_t> actual,
                                ArrayRef<int64_t> expected) {
  bool ok = actual.size() == expected.size();
  for (size_t i = 0; ok && i < actual.size(); ++i)
    ok = ShapedType::isDynamic(actual[i]) ||
         ShapedType::isDynamic(expected[i]) || actual[i] == expected[i];
  if (ok)
    return success();
  return op->emitOpError() << what << " has shape " << shapeStr(actual)
                           << ", expected " << shapeStr(expected);
}

static bool dimsMatch(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  auto type = getOutput().getType();
  auto valueType = cast<ShapedType>(getValue().getType());
  if (valueType.getShape() != type.getShape())
    return emitOpError() << "value has shape " << shapeStr(valueType.getShape())
                         << " but the result has shape "
                         << shapeStr(type.getShape());
  if (!valueType.getElementType().isSignlessInteger() ||
      valueType.getElementType().getIntOrFloatBitWidth() > 64)
    return emitOpError() << "value must hold signless integers of at most 64 "
                            "bits (raw values), got "
                         << valueType.getElementType();
  int64_t lo = 0, hi = 1;
  Type elt = type.getElementType();
  if (auto c = dyn_cast<CountType>(elt))
    hi = c.getMax();
  if (auto f = dyn_cast<FixedType>(elt)) {
    lo = f.getMinRaw();
    hi = f.getMaxRaw();
  }
  if (auto dense = dyn_cast<DenseIntElementsAttr>(getValue())) {
    int64_t index = 0;
    for (const APInt &v : dense.getValues<APInt>()) {
      int64_t x = v.getBitWidth() == 1 ? int64_t(v.getZExtValue())
                                       : v.getSExtValue();
      if (x < lo || x > hi)
        return emitOpError() << "raw value " << x << " at flat index " << index
                             << " is outside [" << lo << ", " << hi
                             << "] of " << elt;
      ++index;
      if (dense.isSplat())
        break;
    }
  }
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// CastOp
//===----------------------------------------------------------------------===//

LogicalResult CastOp::verify() {
  Type in = getInput().getType().getElementType();
  Type out = getOutput().getType().getElementType();
  if (in == out)
    return success();
  auto inMax = getCountMax(in), outMax = getCountMax(out);
  if (inMax && outMax)
    return success(); // widening is exact, narrowing is checked at run time
  if (inMax && isa<FixedType, Float32Type>(out)) {
    if (auto f = dyn_cast<FixedType>(out)) {
      if (f.getFrac() < 0)
        return emitOpError() << "spike/count values are integers; " << out
                             << " cannot hold them all (negative fractional "
                                "bits)";
      if (!isRepresentable(f, double(*inMax)))
        return emitOpError() << "count bound " << *inMax
                             << " does not fit in " << out;
    }
    return success();
  }
  if (isa<FixedType>(in) && isa<Float32Type>(out))
    return success();
  if (isa<Float32Type>(in) && outMax)
    return success(); // checked at run time
  return emitOpError() << "cannot cast " << in << " to " << out
                       << "; use snn.quantize (f32 -> fixed) or "
                          "snn.requantize (fixed -> fixed)";
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getOutput().getType())
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Neurons
//===----------------------------------------------------------------------===//

namespace {
/// The parts of snn.lif / snn.if that the shared verifier needs.
struct NeuronView {
  Operation *op;
  Value input, channelThreshold, channelReset, channelTau;
  std::optional<int64_t> channelDim;
  std::optional<FixedType> membrane;
  bool leaky;
  double tau, vThreshold, vReset;
  std::optional<double> vInit;
};
} // namespace

static LogicalResult verifyNeuron(const NeuronView &n) {
  Operation *op = n.op;
  auto inType = rankedType(n.input);
  auto outType = rankedType(op->getResult(0));
  if (inType.getRank() < 2)
    return op->emitOpError()
           << "expects a time-major input [T, ...] of rank >= 2, got rank "
           << inType.getRank();
  if (failed(checkShape(op, "result", outType.getShape(), inType.getShape())))
    return failure();
  if (failed(verifyNeuronScalars([&] { return op->emitOpError(); }, "",
                                 n.leaky, n.tau, n.vThreshold, n.vReset,
                                 n.vInit, n.membrane.value_or(FixedType()))))
    return failure();

  bool anyChannel = n.channelThreshold || n.channelReset || n.channelTau;
  if (anyChannel && !n.channelDim)
    return op->emitOpError()
           << "per-channel parameters need a 'channel_dim' attribute";
  if (n.channelDim) {
    int64_t d = *n.channelDim;
    if (d < 1 || d >= inType.getRank())
      return op->emitOpError()
             << "channel_dim " << d << " must be in [1, " << inType.getRank()
             << ") (dimension 0 is time)";
    int64_t channels = inType.getDimSize(d);
    for (auto [name, v] :
         {std::pair<const char *, Value>{"channel_threshold", n.channelThreshold},
          {"channel_reset", n.channelReset},
          {"channel_tau", n.channelTau}}) {
      if (!v)
        continue;
      int64_t len = rankedType(v).getDimSize(0);
      if (!dimsMatch(len, channels))
        return op->emitOpError()
               << name << " has " << len << " values but input dimension " << d
               << " has " << channels << " channels";
    }
  }

  Type inElt = inType.getElementType();
  if (isa<FixedType>(inElt) && !n.membrane)
    return op->emitOpError() << "fixed-point input " << inElt
                             << " needs a 'membrane_type' attribute";
  if (n.membrane) {
    FixedType m = *n.membrane;
    if (isa<Float32Type>(inElt))
      return op->emitOpError()
             << "f32 input cannot drive a fixed-point membrane " << m
             << "; insert snn.quantize first";
    if (auto f = dyn_cast<FixedType>(inElt))
      if (f.getFrac() != m.getFrac())
        return op->emitOpError()
               << "input " << inElt << " and membrane " << m
               << " have different fractional bits (" << f.getFrac() << " vs "
               << m.getFrac() << "); insert snn.requantize";
    if (isa<SpikeType, CountType>(inElt) && m.getFrac() < 0)
      return op->emitOpError()
             << "spike/count input needs a membrane with non-negative "
                "fractional bits to hold integers, got "
             << m;
  }
  return success();
}

LogicalResult LIFOp::verify() {
  return verifyNeuron({*this, getInput(), getChannelThreshold(),
                       getChannelReset(), getChannelTau(), getChannelDim(),
                       getMembraneType(), /*leaky=*/true,
                       getTau().convertToDouble(),
                       getVThreshold().convertToDouble(),
                       getVReset().convertToDouble(),
                       getVInit() ? std::optional<double>(
                                        getVInit()->convertToDouble())
                                  : std::nullopt});
}

LogicalResult IFOp::verify() {
  if (getChannelTau())
    return emitOpError() << "an IF neuron has no leak; 'channel_tau' is not "
                            "allowed (use snn.lif)";
  return verifyNeuron({*this, getInput(), getChannelThreshold(),
                       getChannelReset(), Value(), getChannelDim(),
                       getMembraneType(), /*leaky=*/false, 1.0,
                       getVThreshold().convertToDouble(),
                       getVReset().convertToDouble(),
                       getVInit() ? std::optional<double>(
                                        getVInit()->convertToDouble())
                                  : std::nullopt});
}

NeuronAttr LIFOp::getNeuronAttr() {
  return NeuronAttr::get(getContext(), /*leaky=*/true, getTau(),
                         getVThreshold(), getVReset(), getReset(),
                         getDecayInput(), getCompare(), getVInit(),
                         getMembraneType().value_or(FixedType()),
                         getRounding());
}

NeuronAttr IFOp::getNeuronAttr() {
  return NeuronAttr::get(getContext(), /*leaky=*/false,
                         /*tau=*/llvm::APFloat(2.0), getVThreshold(),
                         getVReset(), getReset(),
                         /*decay_input=*/true, getCompare(), getVInit(),
                         getMembraneType().value_or(FixedType()),
                         getRounding());
}

//===----------------------------------------------------------------------===//
// Synaptic operators
//===----------------------------------------------------------------------===//

/// Element-type rules shared by snn.linear and snn.conv2d.
static LogicalResult verifySynapticTypes(Operation *op, Type in, Type weight,
                                         Type bias, Type out) {
  if (isa<Float32Type>(weight)) {
    if (isa<FixedType>(in))
      return op->emitOpError()
             << "fixed-point input " << in
             << " needs fixed-point weights (the op is in the f32 domain "
                "because the weight is f32)";
    if (bias && !isa<Float32Type>(bias))
      return op->emitOpError() << "f32 weights need an f32 bias, got " << bias;
    if (!isa<Float32Type>(out))
      return op->emitOpError() << "f32 weights produce an f32 result, got "
                               << out;
    return success();
  }
  auto w = cast<FixedType>(weight);
  if (isa<Float32Type>(in))
    return op->emitOpError() << "fixed-point weights " << weight
                             << " need a spike, count or fixed-point input, "
                                "got f32; insert snn.quantize";
  auto o = dyn_cast<FixedType>(out);
  int64_t frac = getFracBits(in) + w.getFrac();
  if (!o || o.getFrac() != frac)
    return op->emitOpError()
           << "result must be !snn.fixed<W, " << frac
           << "> (input fraction + weight fraction), got " << out;
  if (bias) {
    auto b = dyn_cast<FixedType>(bias);
    if (!b || b.getFrac() != frac)
      return op->emitOpError() << "bias must be !snn.fixed<W, " << frac
                               << "> to add to the accumulator, got " << bias;
  }
  return success();
}

LogicalResult LinearOp::verify() {
  auto in = getInput().getType();
  auto w = getWeight().getType();
  auto out = getOutput().getType();
  if (in.getRank() < 1)
    return emitOpError() << "input must have rank >= 1";
  if (w.getRank() != 2)
    return emitOpError() << "weight must be [out_features, in_features], got rank "
                         << w.getRank();
  int64_t k = in.getDimSize(in.getRank() - 1);
  if (!dimsMatch(k, w.getDimSize(1)))
    return emitOpError() << "input has " << k
                         << " features but the weight expects "
                         << w.getDimSize(1);
  int64_t n = w.getDimSize(0);
  if (getBias()) {
    auto b = rankedType(getBias());
    if (b.getRank() != 1 || !dimsMatch(b.getDimSize(0), n))
      return emitOpError() << "bias has shape " << shapeStr(b.getShape())
                           << ", expected [" << n << "]";
  }
  SmallVector<int64_t> expected(in.getShape());
  expected.back() = n;
  if (failed(checkShape(*this, "result", out.getShape(), expected)))
    return failure();
  return verifySynapticTypes(
      *this, in.getElementType(), w.getElementType(),
      getBias() ? rankedType(getBias()).getElementType() : Type(),
      out.getElementType());
}

int64_t LinearOp::getOutputChannelDim() {
  return getOutput().getType().getRank() - 1;
}
int64_t LinearOp::getReductionSize() {
  return getWeight().getType().getDimSize(1);
}
int64_t LinearOp::getNumWeightGroups() { return 1; }
int64_t LinearOp::getDenseSynapticOps() {
  // -1 also when the count does not fit int64.
  SmallVector<int64_t> dims(getOutput().getType().getShape());
  dims.push_back(getWeight().getType().getDimSize(1));
  return spikestack::snn::limits::boundedProduct(dims, INT64_MAX).value_or(-1);
}

/// Output size of one spatial dimension (PyTorch convention, the same
/// formula as the kernels), or -1 when the window does not fit.
static int64_t convOutSize(int64_t in, int64_t padLo, int64_t padHi,
                           int64_t kernel, int64_t stride, int64_t dilation,
                           bool ceilMode = false) {
  if (ShapedType::isDynamic(in))
    return ShapedType::kDynamic;
  return ref::pooledSize(in, padLo, padHi, kernel, stride, dilation, ceilMode);
}

static LogicalResult verifyWindowAttrs(Operation *op, ArrayRef<int64_t> kernel,
                                       ArrayRef<int64_t> strides,
                                       ArrayRef<int64_t> pad,
                                       ArrayRef<int64_t> dilation) {
  if (kernel.size() != 2 || strides.size() != 2 || dilation.size() != 2)
    return op->emitOpError()
           << "kernel, strides and dilation must have 2 values (h, w)";
  if (pad.size() != 4)
    return op->emitOpError()
           << "pad must have 4 values [top, left, bottom, right], got "
           << pad.size();
  for (int i = 0; i < 2; ++i) {
    if (kernel[i] < 1 || strides[i] < 1 || dilation[i] < 1)
      return op->emitOpError()
             << "kernel, strides and dilation must be positive";
  }
  for (int64_t p : pad)
    if (p < 0)
      return op->emitOpError() << "pad must be non-negative, got " << p;
  return success();
}

LogicalResult Conv2dOp::verify() {
  auto in = getInput().getType();
  auto w = getWeight().getType();
  auto out = getOutput().getType();
  if (in.getRank() < 3)
    return emitOpError() << "input must be [..., C, H, W], got rank "
                         << in.getRank();
  if (w.getRank() != 4)
    return emitOpError() << "weight must be [O, C/groups, KH, KW], got rank "
                         << w.getRank();
  if (!w.hasStaticShape())
    return emitOpError() << "weight must have a static shape, got "
                         << shapeStr(w.getShape());
  if (failed(verifyWindowAttrs(*this, w.getShape().drop_front(2), getStrides(),
                               getPad(), getDilation())))
    return failure();
  int64_t groups = getGroups();
  int64_t r = in.getRank();
  int64_t c = in.getDimSize(r - 3), o = w.getDimSize(0);
  if (groups < 1)
    return emitOpError() << "groups must be positive, got " << groups;
  if (!ShapedType::isDynamic(c) && c % groups != 0)
    return emitOpError() << "input channels " << c
                         << " are not divisible by groups " << groups;
  if (o % groups != 0)
    return emitOpError() << "output channels " << o
                         << " are not divisible by groups " << groups;
  // (c is a multiple of groups here: compare without multiplying.)
  if (!ShapedType::isDynamic(c) && w.getDimSize(1) != c / groups) {
    int64_t expects = 0;
    auto diag = emitOpError() << "weight expects ";
    if (llvm::MulOverflow(w.getDimSize(1), groups, expects))
      diag << "more than 2^63";
    else
      diag << expects;
    return diag << " input channels (" << w.getDimSize(1) << " x " << groups
                << " groups), input has " << c;
  }
  if (getBias()) {
    auto b = rankedType(getBias());
    if (b.getRank() != 1 || !dimsMatch(b.getDimSize(0), o))
      return emitOpError() << "bias has shape " << shapeStr(b.getShape())
                           << ", expected [" << o << "]";
  }
  auto pad = getPad();
  int64_t oh = convOutSize(in.getDimSize(r - 2), pad[0], pad[2],
                           w.getDimSize(2), getStrides()[0], getDilation()[0]);
  int64_t ow = convOutSize(in.getDimSize(r - 1), pad[1], pad[3],
                           w.getDimSize(3), getStrides()[1], getDilation()[1]);
  if (oh == -1 || ow == -1)
    return emitOpError() << "kernel " << shapeStr(w.getShape().drop_front(2))
                         << " with dilation " << shapeStr(getDilation())
                         << " does not fit the padded input "
                         << shapeStr(in.getShape().take_back(2));
  SmallVector<int64_t> expected(in.getShape().drop_back(3));
  expected.append({o, oh, ow});
  if (failed(checkShape(*this, "result", out.getShape(), expected)))
    return failure();
  return verifySynapticTypes(
      *this, in.getElementType(), w.getElementType(),
      getBias() ? rankedType(getBias()).getElementType() : Type(),
      out.getElementType());
}

int64_t Conv2dOp::getOutputChannelDim() {
  return getOutput().getType().getRank() - 3;
}
int64_t Conv2dOp::getReductionSize() {
  auto w = getWeight().getType();
  return w.getDimSize(1) * w.getDimSize(2) * w.getDimSize(3);
}
int64_t Conv2dOp::getNumWeightGroups() { return getGroups(); }
int64_t Conv2dOp::getDenseSynapticOps() {
  // -1 also when the count does not fit int64.
  SmallVector<int64_t> dims(getOutput().getType().getShape());
  llvm::append_range(dims, getWeight().getType().getShape().drop_front());
  return spikestack::snn::limits::boundedProduct(dims, INT64_MAX).value_or(-1);
}

/// `channel_dim` is a dimension of `in` whose size matches the per-channel
/// parameter vector of `len` values (`what` names it in the message).
static LogicalResult verifyChannelParams(Operation *op, RankedTensorType in,
                                         int64_t d, int64_t len,
                                         StringRef what) {
  if (d < 0 || d >= in.getRank())
    return op->emitOpError() << "channel_dim " << d
                             << " is out of range for rank " << in.getRank();
  if (!dimsMatch(len, in.getDimSize(d)))
    return op->emitOpError() << what << " " << len
                             << " channels but input dimension " << d
                             << " has " << in.getDimSize(d);
  return success();
}

LogicalResult BatchNormOp::verify() {
  if (failed(verifyChannelParams(*this, getInput().getType(), getChannelDim(),
                                 getScale().getType().getDimSize(0),
                                 "parameters have")))
    return failure();
  if (!(getEpsilon().convertToDouble() >= 0))
    return emitOpError() << "epsilon must be non-negative";
  return success();
}

LogicalResult DequantizeOp::verify() {
  if (failed(verifyChannelParams(*this, getInput().getType(), getChannelDim(),
                                 getScale().getType().getDimSize(0),
                                 "scale has")))
    return failure();
  if (getBias() && getBias().getType() != getScale().getType())
    return emitOpError() << "bias type " << getBias().getType()
                         << " differs from the scale type "
                         << getScale().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

template <typename PoolOp>
static LogicalResult verifyPool(PoolOp op, bool isMax) {
  auto in = op.getInput().getType();
  auto out = op.getOutput().getType();
  if (in.getRank() < 3)
    return op.emitOpError() << "input must be [..., C, H, W], got rank "
                            << in.getRank();
  SmallVector<int64_t, 2> one = {1, 1};
  if (failed(verifyWindowAttrs(op, op.getKernel(), op.getStrides(),
                               op.getPad(), one)))
    return failure();
  auto k = op.getKernel();
  auto pad = op.getPad();
  if (pad[0] > k[0] / 2 || pad[2] > k[0] / 2 || pad[1] > k[1] / 2 ||
      pad[3] > k[1] / 2)
    return op.emitOpError() << "pad " << shapeStr(pad)
                            << " must be at most half the kernel "
                            << shapeStr(k);
  int64_t r = in.getRank();
  int64_t oh = convOutSize(in.getDimSize(r - 2), pad[0], pad[2], k[0],
                           op.getStrides()[0], 1, op.getCeilMode());
  int64_t ow = convOutSize(in.getDimSize(r - 1), pad[1], pad[3], k[1],
                           op.getStrides()[1], 1, op.getCeilMode());
  if (oh == -1 || ow == -1)
    return op.emitOpError() << "kernel " << shapeStr(k)
                            << " does not fit the padded input "
                            << shapeStr(in.getShape().take_back(2));
  SmallVector<int64_t> expected(in.getShape().drop_back(2));
  expected.append({oh, ow});
  if (failed(checkShape(op, "result", out.getShape(), expected)))
    return failure();
  Type inElt = in.getElementType(), outElt = out.getElementType();
  if (isMax) {
    if (inElt != outElt)
      return op.emitOpError() << "max pooling keeps the element type " << inElt
                              << ", got " << outElt;
  } else {
    if (isa<FixedType>(inElt))
      return op.emitOpError()
             << "average pooling of fixed-point values is not supported";
    if (!isa<Float32Type>(outElt))
      return op.emitOpError() << "average pooling produces f32, got " << outElt;
  }
  return success();
}

LogicalResult MaxPool2dOp::verify() { return verifyPool(*this, true); }
LogicalResult AvgPool2dOp::verify() { return verifyPool(*this, false); }

//===----------------------------------------------------------------------===//
// AddOp, ScaleOp, ReadoutOp
//===----------------------------------------------------------------------===//

LogicalResult AddOp::verify() {
  Type l = getLhs().getType().getElementType();
  Type r = getRhs().getType().getElementType();
  Type o = getOutput().getType().getElementType();
  auto lm = getCountMax(l), rm = getCountMax(r);
  if (lm && rm) {
    auto c = dyn_cast<CountType>(o);
    if (!c)
      return emitOpError() << "spike/count operands add to !snn.count<"
                           << *lm + *rm << ">, got " << o;
    if (c.getMax() < *lm + *rm)
      return emitOpError() << "result bound " << c.getMax()
                           << " is too small: operands reach " << *lm << " + "
                           << *rm << " = " << *lm + *rm;
    return success();
  }
  if (isa<FixedType>(l) || isa<FixedType>(r)) {
    auto lf = dyn_cast<FixedType>(l), rf = dyn_cast<FixedType>(r);
    auto of = dyn_cast<FixedType>(o);
    if (!lf || !rf || !of)
      return emitOpError() << "fixed-point add needs fixed-point operands and "
                              "result, got "
                           << l << " + " << r << " -> " << o;
    if (lf.getFrac() != rf.getFrac() || of.getFrac() != lf.getFrac())
      return emitOpError() << "fixed-point add needs equal fractional bits, got "
                           << l << " + " << r << " -> " << o;
    return success();
  }
  if (!isa<Float32Type>(o))
    return emitOpError() << "an add with an f32 operand produces f32, got " << o;
  return success();
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  // x + 0 -> x when that does not change the type. In f32 only -0.0 is an
  // exact identity (-0.0 + +0.0 is +0.0).
  // Likewise an integer zero added in f32 turns -0.0 into +0.0.
  bool floatResult = isa<Float32Type>(getType().getElementType());
  auto isZero = [&](Attribute a) {
    auto dense = dyn_cast_or_null<DenseElementsAttr>(a);
    if (!dense || !dense.isSplat())
      return false;
    if (isa<FloatType>(dense.getElementType())) {
      APFloat v = dense.getSplatValue<APFloat>();
      return v.isZero() && v.isNegative();
    }
    return !floatResult && dense.getSplatValue<APInt>().isZero();
  };
  if (isZero(adaptor.getRhs()) && getLhs().getType() == getType())
    return getLhs();
  if (isZero(adaptor.getLhs()) && getRhs().getType() == getType())
    return getRhs();
  return {};
}

LogicalResult ScaleOp::verify() {
  const double factor = getFactor().convertToDouble();
  const float f = float(factor);
  if (!std::isnormal(f))
    return emitOpError() << "factor " << factor
                         << " must be a finite, non-zero, normal f32 value";
  return success();
}

OpFoldResult ScaleOp::fold(FoldAdaptor) {
  if (getFactor().convertToDouble() == 1.0)
    return getInput();
  return {};
}

LogicalResult ReadoutOp::verify() {
  auto in = getInput().getType();
  auto out = getOutput().getType();
  if (in.getRank() < 2)
    return emitOpError() << "input must be time-major [T, ...], got rank "
                         << in.getRank();
  llvm::SmallSet<int64_t, 4> seen;
  for (int64_t d : getTokenDims()) {
    if (d < 1 || d >= in.getRank())
      return emitOpError() << "token dimension " << d << " must be in [1, "
                           << in.getRank() << ") (dimension 0 is time)";
    if (!seen.insert(d).second)
      return emitOpError() << "token dimension " << d << " is repeated";
  }
  SmallVector<int64_t> expected;
  if (getKeepTime())
    expected.push_back(in.getDimSize(0));
  for (int64_t d = 1; d < in.getRank(); ++d)
    if (!seen.contains(d))
      expected.push_back(in.getDimSize(d));
  if (failed(checkShape(*this, "result", out.getShape(), expected)))
    return failure();
  if (getKeepTime() && getTokenDims().empty())
    return emitOpError() << "keep_time with no token dimensions averages "
                            "nothing";
  if (isa<FixedType>(in.getElementType()) &&
      !isa<FixedType>(out.getElementType()))
    return emitOpError() << "a fixed-point input gives a fixed-point readout";
  if (isa<FixedType>(out.getElementType()) &&
      isa<Float32Type>(in.getElementType()))
    return emitOpError() << "a fixed-point readout needs spike, count or "
                            "fixed-point input; snn.quantize the f32 input";
  return success();
}

//===----------------------------------------------------------------------===//
// SpikingAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult SpikingAttentionOp::verify() {
  auto type = getQ().getType();
  if (type.getRank() != 4)
    return emitOpError() << "q, k, v must be [T, B, N, C], got rank "
                         << type.getRank();
  int64_t c = type.getDimSize(3), h = getNumHeads();
  if (!ShapedType::isDynamic(c) && c % h != 0)
    return emitOpError() << "embedding size " << c
                         << " is not divisible by num_heads " << h;
  double scale = getScale().convertToDouble();
  if (!(scale > 0) || !std::isfinite(scale))
    return emitOpError() << "scale must be positive and finite, got " << scale;
  if (auto p = getHeadKeepRatio()) {
    double ratio = p->convertToDouble();
    if (!(ratio > 0.0 && ratio <= 1.0))
      return emitOpError() << "head_keep_ratio must be in (0, 1], got "
                           << ratio;
  }
  if (Value gate = getHeadGate()) {
    auto g = rankedType(gate);
    if (getVariant() != AttentionVariant::SSA)
      return emitOpError() << "head_gate is defined for ssa only";
    if (getNeuron().getMembraneType())
      return emitOpError() << "head_gate needs a float-domain attention "
                              "neuron (no membrane_type)";
    if (g.getRank() != 3 || !dimsMatch(g.getDimSize(0), type.getDimSize(1)) ||
        !dimsMatch(g.getDimSize(1), type.getDimSize(2)) ||
        !dimsMatch(g.getDimSize(2), h))
      return emitOpError() << "head_gate must be [B, N, H] = ["
                           << type.getDimSize(1) << ", " << type.getDimSize(2)
                           << ", " << h << "], got " << shapeStr(g.getShape());
  }
  if (FixedType m = getNeuron().getMembraneType()) {
    // Power-of-two scales keep (A V) * scale exact in the membrane format.
    if (!ref::isPowerOfTwo(scale) ||
        !isRepresentable(m, scale))
      return emitOpError() << "a fixed-point attention neuron (" << m
                           << ") needs a power-of-two scale representable in "
                              "it, got "
                           << scale;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

/// Checks that `index`, `gate`, `slot` are routing tensors [B, N, K].
static LogicalResult verifyRouting(Operation *op, ArrayRef<Value> routing,
                                   int64_t b, int64_t n) {
  auto first = rankedType(routing.front());
  for (Value v : routing) {
    auto t = rankedType(v);
    if (t.getRank() != 3)
      return op->emitOpError() << "routing tensors must be [B, N, top_k], got "
                               << shapeStr(t.getShape());
    if (t.getShape() != first.getShape())
      return op->emitOpError() << "routing tensors disagree in shape: "
                               << shapeStr(t.getShape()) << " vs "
                               << shapeStr(first.getShape());
  }
  if (!dimsMatch(first.getDimSize(0), b) || !dimsMatch(first.getDimSize(1), n))
    return op->emitOpError() << "routing is for [B, N] = "
                             << shapeStr(first.getShape().take_front(2))
                             << " but the tokens are [" << b << ", " << n
                             << "]";
  return success();
}

LogicalResult MoeRouterOp::verify() {
  auto in = getInput().getType();
  auto w = getGateWeight().getType();
  if (in.getRank() != 4)
    return emitOpError() << "input must be [T, B, N, D], got rank "
                         << in.getRank();
  if (w.getRank() != 2 || !dimsMatch(w.getDimSize(1), in.getDimSize(3)))
    return emitOpError() << "gate_weight must be [E, " << in.getDimSize(3)
                         << "], got " << shapeStr(w.getShape());
  int64_t e = w.getDimSize(0);
  if (getGateBias()) {
    auto b = rankedType(getGateBias());
    if (b.getRank() != 1 || !dimsMatch(b.getDimSize(0), e))
      return emitOpError() << "gate_bias must be [" << e << "], got "
                           << shapeStr(b.getShape());
  }
  if (auto step = getRouteTimeStep())
    if (!ShapedType::isDynamic(in.getDimSize(0)) && int64_t(*step) >= in.getDimSize(0))
      return emitOpError() << "route_time_step " << *step
                           << " is outside the " << in.getDimSize(0)
                           << " time steps";
  if (!ShapedType::isDynamic(e) && int64_t(getTopK()) > e)
    return emitOpError() << "top_k " << getTopK() << " exceeds the " << e
                         << " experts";
  SmallVector<int64_t> expected = {in.getDimSize(1), in.getDimSize(2),
                                   int64_t(getTopK())};
  for (Value v : getResults())
    if (failed(checkShape(*this, "routing result", rankedType(v).getShape(),
                          expected)))
      return failure();
  return success();
}

LogicalResult MoeGatesOp::verify() {
  auto idx = getExpertIndex().getType(), gate = getGate().getType(),
       out = getOutput().getType();
  if (idx.getRank() != 3 || gate.getRank() != 3 ||
      failed(verifyCompatibleShape(idx.getShape(), gate.getShape())))
    return emitOpError() << "expert_index and gate must be one [B, N, K] "
                            "shape, got "
                         << shapeStr(idx.getShape()) << " and "
                         << shapeStr(gate.getShape());
  const int64_t e = getNumExperts();
  if (out.getRank() != 3 || !dimsMatch(out.getDimSize(0), idx.getDimSize(0)) ||
      !dimsMatch(out.getDimSize(1), idx.getDimSize(1)) ||
      !dimsMatch(out.getDimSize(2), e))
    return emitOpError() << "result must be [B, N, num_experts] = ["
                         << idx.getDimSize(0) << ", " << idx.getDimSize(1)
                         << ", " << e << "], got " << shapeStr(out.getShape());
  if (!ShapedType::isDynamic(idx.getDimSize(2)) && idx.getDimSize(2) > e)
    return emitOpError() << "K = " << idx.getDimSize(2)
                         << " choices exceed num_experts = " << e;
  double scale = getScale().convertToDouble();
  if (!(scale > 0) || !std::isfinite(scale))
    return emitOpError() << "scale must be positive and finite, got " << scale;
  return success();
}

LogicalResult MoeDispatchOp::verify() {
  auto in = getInput().getType();
  auto out = getOutput().getType();
  if (in.getRank() != 4)
    return emitOpError() << "input must be [T, B, N, D], got rank "
                         << in.getRank();
  if (failed(verifyRouting(*this, {getExpertIndex(), getSlot()},
                           in.getDimSize(1), in.getDimSize(2))))
    return failure();
  SmallVector<int64_t> expected = {int64_t(getNumExperts()),
                                   in.getDimSize(0), in.getDimSize(1),
                                   int64_t(getCapacity()),
                                   in.getDimSize(3)};
  if (failed(checkShape(*this, "result", out.getShape(), expected)))
    return failure();
  if (in.getElementType() != out.getElementType())
    return emitOpError() << "dispatch keeps the element type "
                         << in.getElementType() << ", got "
                         << out.getElementType();
  return success();
}

LogicalResult MoeExpertsOp::verifyRegions() {
  auto in = getInput().getType();
  if (in.getRank() != 5)
    return emitOpError() << "input must be [E, T, B, C, D], got rank "
                         << in.getRank();
  int64_t e = in.getDimSize(0);
  Block &body = getBody().front();
  if (body.getNumArguments() != 1 + getParams().size())
    return emitOpError() << "body must take " << 1 + getParams().size()
                         << " arguments (tokens + one per param), has "
                         << body.getNumArguments();
  auto sliced = [](RankedTensorType t) {
    return RankedTensorType::get(t.getShape().drop_front(), t.getElementType());
  };
  if (body.getArgument(0).getType() != sliced(in))
    return emitOpError() << "body argument 0 must be " << sliced(in)
                         << ", got " << body.getArgument(0).getType();
  for (auto [i, p] : llvm::enumerate(getParams())) {
    auto t = rankedType(p);
    if (t.getRank() < 1 || !dimsMatch(t.getDimSize(0), e))
      return emitOpError() << "param " << i << " must have a leading expert "
                           << "dimension of " << e << ", got "
                           << shapeStr(t.getShape());
    if (body.getArgument(i + 1).getType() != sliced(t))
      return emitOpError() << "body argument " << i + 1 << " must be "
                           << sliced(t) << ", got "
                           << body.getArgument(i + 1).getType();
  }
  if (auto zero = getZeroExperts()) {
    for (auto [i, z] : llvm::enumerate(*zero))
      if (z < 0 || (e != ShapedType::kDynamic && z >= e) ||
          (i > 0 && z <= (*zero)[i - 1]))
        return emitOpError() << "zero_experts must be increasing expert "
                             << "indices below " << e << ", got " << z;
  }
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError() << "body must end with snn.yield";
  auto yt = rankedType(yield.getValue());
  auto out = getOutput().getType();
  SmallVector<int64_t> expected = {e};
  llvm::append_range(expected, yt.getShape());
  if (yt.getRank() != 4)
    return emitOpError() << "body must yield [T, B, C, D'], got "
                         << shapeStr(yt.getShape());
  if (!dimsMatch(yt.getDimSize(0), in.getDimSize(1)) ||
      !dimsMatch(yt.getDimSize(1), in.getDimSize(2)) ||
      !dimsMatch(yt.getDimSize(2), in.getDimSize(3)))
    return emitOpError() << "body must keep [T, B, C] = "
                         << shapeStr(in.getShape().slice(1, 3)) << ", yields "
                         << shapeStr(yt.getShape());
  if (failed(checkShape(*this, "result", out.getShape(), expected)))
    return failure();
  if (out.getElementType() != yt.getElementType())
    return emitOpError() << "result element type " << out.getElementType()
                         << " differs from the yielded "
                         << yt.getElementType();
  return success();
}

LogicalResult MoeCombineOp::verify() {
  auto y = getExpertOutput().getType();
  auto out = getOutput().getType();
  if (y.getRank() != 5)
    return emitOpError() << "expert_output must be [E, T, B, C, D], got rank "
                         << y.getRank();
  if (out.getRank() != 4)
    return emitOpError() << "result must be [T, B, N, D], got rank "
                         << out.getRank();
  if (failed(verifyRouting(*this, {getExpertIndex(), getGate(), getSlot()},
                           out.getDimSize(1), out.getDimSize(2))))
    return failure();
  if (!dimsMatch(out.getDimSize(0), y.getDimSize(1)) ||
      !dimsMatch(out.getDimSize(1), y.getDimSize(2)) ||
      !dimsMatch(out.getDimSize(3), y.getDimSize(4)))
    return emitOpError() << "result " << shapeStr(out.getShape())
                         << " does not match expert_output "
                         << shapeStr(y.getShape()) << " in T, B or D";
  if (isa<FixedType>(y.getElementType()))
    return emitOpError() << "combine of fixed-point expert outputs is not "
                            "supported; snn.cast them to f32";
  return success();
}

//===----------------------------------------------------------------------===//
// Builders
//===----------------------------------------------------------------------===//

NeuronParams NeuronParams::fromAttr(NeuronAttr neuron) {
  NeuronParams p;
  p.tau = neuron.getTau().convertToDouble();
  p.vThreshold = neuron.getVThreshold().convertToDouble();
  p.vReset = neuron.getVReset().convertToDouble();
  p.reset = neuron.getReset();
  p.decayInput = neuron.getDecayInput();
  p.compare = neuron.getCompare();
  if (neuron.getVInit())
    p.vInit = neuron.getVInit()->convertToDouble();
  p.membrane = neuron.getMembraneType();
  p.rounding = neuron.getRounding();
  return p;
}

NeuronAttr NeuronParams::toAttr(MLIRContext *ctx, bool leaky) const {
  return NeuronAttr::get(
      ctx, leaky, llvm::APFloat(tau), llvm::APFloat(vThreshold),
      llvm::APFloat(vReset), reset, decayInput, compare,
      vInit ? std::optional<llvm::APFloat>(llvm::APFloat(*vInit))
            : std::nullopt,
      membrane, rounding);
}

namespace {
/// The attributes both neuron ops take from `p`, as their builders want
/// them (null for an absent optional attribute).
struct NeuronAttrs {
  FloatAttr vThreshold, vReset, vInit;
  ResetModeAttr reset;
  CompareModeAttr compare;
  IntegerAttr channelDim;
  TypeAttr membrane;
  RoundingModeAttr rounding;

  NeuronAttrs(OpBuilder &b, const NeuronParams &p)
      : vThreshold(b.getF64FloatAttr(p.vThreshold)),
        vReset(b.getF64FloatAttr(p.vReset)),
        vInit(p.vInit ? b.getF64FloatAttr(*p.vInit) : FloatAttr()),
        reset(ResetModeAttr::get(b.getContext(), p.reset)),
        compare(CompareModeAttr::get(b.getContext(), p.compare)),
        channelDim(p.channelDim ? b.getI64IntegerAttr(*p.channelDim)
                                : IntegerAttr()),
        membrane(p.membrane ? TypeAttr::get(p.membrane) : TypeAttr()),
        rounding(RoundingModeAttr::get(b.getContext(), p.rounding)) {}
};
} // namespace

void LIFOp::build(OpBuilder &builder, OperationState &state, Type output,
                  Value input, const NeuronParams &p) {
  NeuronAttrs a(builder, p);
  build(builder, state, output, input, p.channelThreshold, p.channelReset,
        p.channelTau, builder.getF64FloatAttr(p.tau), a.vThreshold, a.vReset,
        a.reset, builder.getBoolAttr(p.decayInput), a.compare, a.vInit,
        a.channelDim, a.membrane, a.rounding);
}

void IFOp::build(OpBuilder &builder, OperationState &state, Type output,
                 Value input, const NeuronParams &p) {
  NeuronAttrs a(builder, p);
  build(builder, state, output, input, p.channelThreshold, p.channelReset,
        p.channelTau, a.vThreshold, a.vReset, a.reset, a.compare, a.vInit,
        a.channelDim, a.membrane, a.rounding);
}

NeuronOpInterface spikestack::snn::createNeuron(OpBuilder &builder,
                                                Location loc, Type output,
                                                Value input, bool leaky,
                                                const NeuronParams &params) {
  if (leaky)
    return LIFOp::create(builder, loc, output, input, params);
  return IFOp::create(builder, loc, output, input, params);
}

void MoeRouterOp::build(OpBuilder &builder, OperationState &state, Value input,
                        Value gateWeight, Value gateBias, int64_t topK,
                        std::optional<int64_t> capacity, bool normalizeGates,
                        std::optional<int64_t> routeTimeStep) {
  auto in = cast<RankedTensorType>(input.getType());
  const SmallVector<int64_t> shape = {in.getDimSize(1), in.getDimSize(2),
                                      topK};
  auto i32 = RankedTensorType::get(shape, builder.getI32Type());
  build(builder, state, i32, RankedTensorType::get(shape, builder.getF32Type()),
        i32, input, gateWeight, gateBias, builder.getI64IntegerAttr(topK),
        capacity ? builder.getI64IntegerAttr(*capacity) : IntegerAttr(),
        builder.getBoolAttr(normalizeGates),
        routeTimeStep ? builder.getI64IntegerAttr(*routeTimeStep)
                      : IntegerAttr());
}
