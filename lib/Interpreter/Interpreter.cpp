//===- Interpreter.cpp - reference interpreter for snn IR -----------------===//
#include "spikestack/Interpreter/Interpreter.h"

#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Interpreter/ElemType.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include "absl/strings/str_cat.h"

#include <cmath>

using namespace mlir;
using namespace spikestack;
using namespace spikestack::snn;
using ref::Tensor;

//===----------------------------------------------------------------------===//
// Names and .npy conversion
//===----------------------------------------------------------------------===//

std::string spikestack::argumentName(func::FuncOp func, unsigned i) {
  if (auto name = func.getArgAttrOfType<StringAttr>(i, snn::kNameAttr))
    return name.str();
  return "arg" + std::to_string(i);
}

std::string spikestack::resultName(func::FuncOp func, unsigned i) {
  if (auto name = func.getResultAttrOfType<StringAttr>(i, snn::kNameAttr))
    return name.str();
  return "result" + std::to_string(i);
}

static std::string typeString(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

/// Checks that every value of `t` is a value of `type`'s element type
/// (spikes 0/1, counts 0..N, fixed-point raw values and iN in range).
static absl::Status checkElementRange(const Tensor &t, RankedTensorType type,
                                      const std::string &what) {
  Type elt = type.getElementType();
  if (auto max = getCountMax(elt))
    return ref::checkCountRange(t, *max, what);
  double lo, hi;
  if (auto fixed = dyn_cast<FixedType>(elt)) {
    lo = double(fixed.getMinRaw());
    hi = double(fixed.getMaxRaw());
  } else if (auto i = dyn_cast<IntegerType>(elt)) {
    if (i.getWidth() > 53)
      return absl::OkStatus(); // held exactly only up to 2^53; not checked
    lo = i.getWidth() == 1 ? 0.0 : -std::ldexp(1.0, int(i.getWidth()) - 1);
    hi = i.getWidth() == 1 ? 1.0 : std::ldexp(1.0, int(i.getWidth()) - 1) - 1;
  } else {
    return absl::OkStatus();
  }
  for (int64_t i = 0; i < t.numel(); ++i)
    if (!(t.data[i] >= lo && t.data[i] <= hi))
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": value ", t.data[i], " at flat index ", i, " does not fit ",
          typeString(elt)));
  return absl::OkStatus();
}

/// How a tensor of element type `elt` is held in .npy (std::nullopt: it
/// cannot be).
static std::optional<NpyElementKind> npyKind(Type elt) {
  auto e = toElemType(elt);
  if (!e)
    return std::nullopt;
  switch (e->kind) {
  case rt::ElemKind::F32:
    return NpyElementKind::F32;
  case rt::ElemKind::Spike:
    return NpyElementKind::Spike;
  case rt::ElemKind::Count:
    return NpyElementKind::Count;
  case rt::ElemKind::Fixed:
    return NpyElementKind::Fixed;
  case rt::ElemKind::Int:
    return NpyElementKind::Int;
  }
  return std::nullopt;
}

absl::StatusOr<Tensor> spikestack::tensorFromNpy(const NpyArray &array,
                                                 RankedTensorType type) {
  std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
  if (auto st = matchNpyShape(
          array, shape,
          absl::StrCat(typeString(type), " needs ",
                       ref::shapeToString(std::vector<int64_t>(
                           type.getShape().begin(), type.getShape().end()))));
      !st.ok())
    return st;
  Type elt = type.getElementType();
  auto kind = npyKind(elt);
  if (!kind)
    return absl::InvalidArgumentError(
        absl::StrCat("element type ", typeString(elt), " cannot be an input"));
  if (auto st = checkNpyDType(array, *kind, typeString(elt),
                              isa<FixedType>(elt)
                                  ? "the raw integers (an integer dtype)"
                                  : "integers");
      !st.ok())
    return st;
  Tensor t(shape, array.toDoubles());
  if (auto st = checkElementRange(
          t, type,
          isa<SpikeType>(elt)  ? "spike input"
          : getCountMax(elt) ? "count input"
                               : "input");
      !st.ok())
    return st;
  return t;
}

absl::StatusOr<NpyArray> spikestack::tensorToNpy(const Tensor &tensor,
                                                 RankedTensorType type) {
  Type elt = type.getElementType();
  auto kind = npyKind(elt);
  if (!kind)
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot write element type ", typeString(elt), " to .npy"));
  return NpyArray::tryFromDoubles(
      npyDTypeFor(*kind, elt.isIntOrFloat() ? elt.getIntOrFloatBitWidth() : 0),
      tensor.shape, tensor.data);
}

//===----------------------------------------------------------------------===//
// The interpreter
//===----------------------------------------------------------------------===//

namespace {

/// Reports a kernel error on `op` and fails.
LogicalResult fail(Operation *op, const absl::Status &status) {
  return op->emitError() << std::string(status.message());
}

int fracOf(Type elt) { return int(getFracBits(elt)); }

ref::Rounding roundingOf(RoundingMode m) {
  switch (m) {
  case RoundingMode::NearestEven:
    return ref::Rounding::NearestEven;
  case RoundingMode::NearestAway:
    return ref::Rounding::NearestAway;
  case RoundingMode::Floor:
    return ref::Rounding::Floor;
  case RoundingMode::TowardZero:
    return ref::Rounding::TowardZero;
  }
  return ref::Rounding::NearestEven;
}

ref::NeuronParams neuronParams(NeuronAttr n) {
  ref::NeuronParams p;
  p.leaky = n.getLeaky();
  p.tau = n.getTau().convertToDouble();
  p.vThreshold = n.getVThreshold().convertToDouble();
  p.vReset = n.getVReset().convertToDouble();
  p.hardReset = n.getReset() == ResetMode::Hard;
  p.decayInput = n.getDecayInput();
  p.compareGE = n.getCompare() == CompareMode::GE;
  if (n.getVInit())
    p.vInit = n.getVInit()->convertToDouble();
  if (n.getMembraneType())
    p.membrane = n.getMembraneType().getFormat();
  p.rounding = roundingOf(n.getRounding());
  return p;
}

/// Reads the elements of a constant attribute as doubles (raw integers for
/// integer element types).
FailureOr<std::vector<double>> attributeValues(Operation *op,
                                               ElementsAttr attr) {
  std::vector<double> values;
  values.reserve(attr.getNumElements());
  Type elt = attr.getElementType();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (isa<FloatType>(elt)) {
      for (APFloat v : dense.getValues<APFloat>())
        values.push_back(v.convertToDouble());
    } else if (auto intType = dyn_cast<IntegerType>(elt)) {
      for (APInt v : dense.getValues<APInt>())
        values.push_back(double(intType.getWidth() == 1 ? int64_t(v.getZExtValue())
                                                        : v.getSExtValue()));
    } else {
      return op->emitError() << "unsupported constant element type " << elt;
    }
    return values;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return op->emitError() << "dense_resource blob '"
                             << resource.getRawHandle().getKey()
                             << "' has no data";
    ArrayRef<char> bytes = blob->getData();
    const int64_t n = attr.getNumElements();
    auto read = [&](auto tag) -> LogicalResult {
      using T = decltype(tag);
      if (int64_t(bytes.size()) != n * int64_t(sizeof(T)))
        return op->emitError() << "dense_resource blob holds " << bytes.size()
                               << " bytes, expected " << n * sizeof(T);
      for (int64_t i = 0; i < n; ++i) {
        T v;
        std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
        values.push_back(double(v));
      }
      return success();
    };
    LogicalResult ok = failure();
    if (elt.isF32())
      ok = read(float());
    else if (elt.isF64())
      ok = read(double());
    else if (elt.isInteger(8))
      ok = read(int8_t());
    else if (elt.isInteger(16))
      ok = read(int16_t());
    else if (elt.isInteger(32))
      ok = read(int32_t());
    else if (elt.isInteger(64))
      ok = read(int64_t());
    else
      return op->emitError() << "unsupported dense_resource element type "
                             << elt;
    if (failed(ok))
      return failure();
    return values;
  }
  return op->emitError() << "unsupported constant attribute kind";
}

/// The interpreter holds tensors as doubles; it refuses any tensor of more
/// than 2^28 elements (2 GiB) rather than exhausting memory.
constexpr int64_t kMaxElements = int64_t(1) << 28;
bool withinElementLimit(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d && n > kMaxElements / d))
      return false;
    n *= d;
  }
  return true;
}

std::vector<int64_t> staticShape(Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  return {t.getShape().begin(), t.getShape().end()};
}

/// The op being run: its operands' values and where its results go.
struct OpRun {
  Operation &op;
  llvm::DenseMap<Value, Tensor> &env;
  std::vector<Tensor> &results;
  const Tensor &in(Value v) const { return env.find(v)->second; }
  const Tensor *opt(Value v) const {
    return v ? &env.find(v)->second : nullptr;
  }
  LogicalResult put(absl::StatusOr<Tensor> t) const {
    if (!t.ok())
      return fail(&op, t.status());
    results.push_back(std::move(*t));
    return success();
  }
};

class Interpreter {
public:
  explicit Interpreter(ModuleOp module, InterpretObserver observe = {})
      : symbols(module), observe(std::move(observe)) {}

  FailureOr<std::vector<Tensor>> runFunction(func::FuncOp func,
                                             const std::vector<Tensor> &args) {
    if (func.isExternal())
      return func.emitError() << "cannot interpret an external function";
    for (auto [i, type] : llvm::enumerate(func.getArgumentTypes())) {
      auto rt = dyn_cast<RankedTensorType>(type);
      if (!rt || !rt.hasStaticShape())
        return func.emitError() << "the interpreter needs statically shaped "
                                   "tensor arguments; argument "
                                << i << " is " << type;
      if (i >= args.size() ||
          ArrayRef<int64_t>(args[i].shape) != rt.getShape())
        return func.emitError() << "argument " << i << " does not have the "
                                << "shape of " << type;
    }
    if (args.size() != func.getNumArguments())
      return func.emitError() << "expects " << func.getNumArguments()
                              << " arguments, got " << args.size();
    if (++depth > 64)
      return func.emitError() << "call depth exceeds 64 (recursion?)";
    auto result = runBlock(func.getBody().front(), args);
    --depth;
    return result;
  }

private:
  SymbolTable symbols;
  InterpretObserver observe;
  int depth = 0;

  /// Runs `block` with its arguments bound to `args`; returns the values of
  /// the terminator's operands.
  FailureOr<std::vector<Tensor>> runBlock(Block &block,
                                          const std::vector<Tensor> &args) {
    llvm::DenseMap<Value, Tensor> env;
    if (args.size() != block.getNumArguments())
      return failure();
    for (auto [arg, t] : llvm::zip(block.getArguments(), args))
      env[arg] = t;
    for (Operation &op : block) {
      if (op.hasTrait<OpTrait::IsTerminator>()) {
        std::vector<Tensor> results;
        for (Value v : op.getOperands())
          results.push_back(env.lookup(v));
        return results;
      }
      for (Value operand : op.getOperands())
        if (!env.count(operand))
          return op.emitError() << "operand is not a value the interpreter "
                                   "computed (used across regions?)";
      std::vector<Tensor> results;
      if (failed(runOp(op, env, results)))
        return failure();
      if (results.size() != op.getNumResults())
        return op.emitError() << "internal error: produced " << results.size()
                              << " results";
      // Every value must have exactly the shape of its (static) type, so
      // that no later op can index past a tensor.
      for (auto [value, t] : llvm::zip(op.getResults(), results)) {
        auto type = cast<RankedTensorType>(value.getType());
        if (ArrayRef<int64_t>(t.shape) != type.getShape() ||
            t.numel() != ref::numElements(t.shape))
          return op.emitError() << "internal error: produced shape "
                                << ref::shapeToString(t.shape) << " for "
                                << type;
      }
      if (observe)
        observe(op, results);
      for (auto [value, t] : llvm::zip(op.getResults(), results))
        env[value] = std::move(t);
    }
    return block.getParentOp()->emitError() << "block has no terminator";
  }

  LogicalResult runOp(Operation &op, llvm::DenseMap<Value, Tensor> &env,
                      std::vector<Tensor> &results) {
    for (Type t : op.getResultTypes()) {
      auto rt = dyn_cast<RankedTensorType>(t);
      if (!rt)
        return op.emitError() << "the interpreter handles tensor results only";
      if (!rt.hasStaticShape())
        return op.emitError() << "the interpreter needs static shapes, got "
                              << t;
      if (!withinElementLimit(rt.getShape()))
        return op.emitError() << "result " << t << " has more than 2^28 "
                              << "elements, too large for the interpreter";
    }
    return runNodeOp(OpRun{op, env, results});
  }

  /// One handler per row of SNNNodeKinds.def, plus calls.
  LogicalResult runNodeOp(const OpRun &r) {
    Operation &op = r.op;
    return llvm::TypeSwitch<Operation *, LogicalResult>(&op)
#define SNN_NODE_KIND(Name, Kinds, ...)                                        \
  .Case<__VA_ARGS__>([&](auto x) { return run##Name(r, x); })
#include "spikestack/Interpreter/SNNNodeKinds.def"
        .Case([&](func::CallOp call) { return runCall(r, call); })
        .Default([&](Operation *) -> LogicalResult {
          return op.emitError() << "the reference interpreter does not support '"
                                << op.getName() << "'";
        });
  }

  // ---- constants and calls ----------------------------------------------
  LogicalResult runConstant(const OpRun &r, arith::ConstantOp c) {
    auto attr = dyn_cast<ElementsAttr>(c.getValue());
    if (!attr)
      return r.op.emitError() << "only tensor constants are supported";
    auto values = attributeValues(&r.op, attr);
    if (failed(values))
      return failure();
    return r.put(Tensor(staticShape(c.getResult()), std::move(*values)));
  }

  LogicalResult runConstant(const OpRun &r, ConstantOp c) {
    auto values = attributeValues(&r.op, c.getValue());
    if (failed(values))
      return failure();
    Tensor t(staticShape(c.getOutput()), std::move(*values));
    // dense_resource blobs are not range-checked by the verifier.
    if (auto st = checkElementRange(t, c.getOutput().getType(), "snn.constant");
        !st.ok())
      return fail(&r.op, st);
    return r.put(std::move(t));
  }

  LogicalResult runCall(const OpRun &r, func::CallOp call) {
    auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
    if (!callee)
      return r.op.emitError() << "unknown callee @" << call.getCallee();
    std::vector<Tensor> args;
    for (Value v : call.getOperands())
      args.push_back(r.in(v));
    auto res = runFunction(callee, args);
    if (failed(res))
      return failure();
    r.results = std::move(*res);
    return success();
  }

  // ---- neurons ------------------------------------------------------------
  template <typename Op> LogicalResult runNeuron(const OpRun &r, Op n) {
    ref::NeuronParams p = neuronParams(n.getNeuronAttr());
    if (auto d = n.getChannelDim())
      p.channelDim = *d;
    if (n.getChannelThreshold())
      p.channelThreshold = r.in(n.getChannelThreshold()).data;
    if (n.getChannelReset())
      p.channelReset = r.in(n.getChannelReset()).data;
    if (n.getChannelTau())
      p.channelTau = r.in(n.getChannelTau()).data;
    return r.put(ref::neuron(r.in(n.getInput()), p,
                             fracOf(n.getInput().getType().getElementType())));
  }

  // ---- conversions --------------------------------------------------------
  LogicalResult runCast(const OpRun &r, CastOp c) {
    Type from = c.getInput().getType().getElementType();
    Type to = c.getOutput().getType().getElementType();
    const Tensor &x = r.in(c.getInput());
    if (auto max = getCountMax(to)) {
      if (auto st =
              ref::checkCountRange(x, *max, "snn.cast to " + typeString(to));
          !st.ok())
        return fail(&r.op, st);
      return r.put(x);
    }
    if (to.isF32())
      return r.put(isa<FixedType>(from) ? ref::dequantize(x, fracOf(from))
                                        : ref::toF32(x));
    // spike/count -> fixed: raw = v * 2^F exactly.
    auto f = cast<FixedType>(to);
    Tensor out(x.shape);
    for (int64_t i = 0; i < x.numel(); ++i) {
      double raw = std::ldexp(x.data[i], int(f.getFrac()));
      if (raw != std::floor(raw) || raw > double(f.getMaxRaw()))
        return r.op.emitError() << "value " << x.data[i] << " at flat index "
                                << i << " is not representable in " << f;
      out.data[i] = raw;
    }
    return r.put(std::move(out));
  }

  LogicalResult runQuantize(const OpRun &r, QuantizeOp q) {
    return r.put(ref::quantize(
        r.in(q.getInput()),
        cast<FixedType>(q.getOutput().getType().getElementType()).getFormat(),
        roundingOf(q.getRounding())));
  }

  LogicalResult runRequantize(const OpRun &r, RequantizeOp q) {
    return r.put(ref::requantize(
        r.in(q.getInput()), fracOf(q.getInput().getType().getElementType()),
        cast<FixedType>(q.getOutput().getType().getElementType()).getFormat(),
        roundingOf(q.getRounding())));
  }

  // ---- synaptic operators, normalization and pooling ----------------------
  LogicalResult runLinear(const OpRun &r, LinearOp l) {
    return r.put(ref::linear(r.in(l.getInput()), r.in(l.getWeight()),
                             r.opt(l.getBias()),
                             intDomainOf(l.getOutput().getType())));
  }

  LogicalResult runConv2d(const OpRun &r, Conv2dOp c) {
    ref::Conv2dParams p;
    p.strideH = c.getStrides()[0];
    p.strideW = c.getStrides()[1];
    p.padTop = c.getPad()[0];
    p.padLeft = c.getPad()[1];
    p.padBottom = c.getPad()[2];
    p.padRight = c.getPad()[3];
    p.dilationH = c.getDilation()[0];
    p.dilationW = c.getDilation()[1];
    p.groups = c.getGroups();
    return r.put(ref::conv2d(r.in(c.getInput()), r.in(c.getWeight()),
                             r.opt(c.getBias()), p,
                             intDomainOf(c.getOutput().getType())));
  }

  LogicalResult runDequantize(const OpRun &r, DequantizeOp d) {
    return r.put(ref::dequantizeChannels(
        r.in(d.getInput()), fracOf(d.getInput().getType().getElementType()),
        r.in(d.getScale()), r.opt(d.getBias()), d.getChannelDim()));
  }

  LogicalResult runBatchNorm(const OpRun &r, BatchNormOp b) {
    return r.put(ref::batchNorm(r.in(b.getInput()), r.in(b.getScale()),
                                r.in(b.getOffset()), r.in(b.getMean()),
                                r.in(b.getVariance()),
                                b.getEpsilon().convertToDouble(),
                                b.getChannelDim()));
  }

  template <typename Op> static ref::PoolParams poolParams(Op pool) {
    ref::PoolParams p;
    p.kernelH = pool.getKernel()[0];
    p.kernelW = pool.getKernel()[1];
    p.strideH = pool.getStrides()[0];
    p.strideW = pool.getStrides()[1];
    p.padTop = pool.getPad()[0];
    p.padLeft = pool.getPad()[1];
    p.padBottom = pool.getPad()[2];
    p.padRight = pool.getPad()[3];
    p.ceilMode = pool.getCeilMode();
    return p;
  }

  LogicalResult runMaxPool(const OpRun &r, MaxPool2dOp pool) {
    return r.put(ref::maxPool2d(r.in(pool.getInput()), poolParams(pool)));
  }

  LogicalResult runAvgPool(const OpRun &r, AvgPool2dOp pool) {
    ref::PoolParams p = poolParams(pool);
    p.countIncludePad = pool.getCountIncludePad();
    return r.put(ref::avgPool2d(r.in(pool.getInput()), p));
  }

  // ---- residual adds, scaling and readout ---------------------------------
  LogicalResult runAdd(const OpRun &r, AddOp a) {
    Type out = a.getOutput().getType().getElementType();
    ref::AddKind kind = ref::AddKind::Float;
    std::optional<ref::FixedFormat> fixed;
    if (isa<CountType>(out))
      kind = ref::AddKind::Exact;
    if (auto f = dyn_cast<FixedType>(out)) {
      kind = ref::AddKind::Fixed;
      fixed = f.getFormat();
    }
    return r.put(ref::add(r.in(a.getLhs()), r.in(a.getRhs()), kind, fixed));
  }

  LogicalResult runScale(const OpRun &r, ScaleOp s) {
    return r.put(
        ref::scale(r.in(s.getInput()), s.getFactor().convertToDouble()));
  }

  LogicalResult runReadout(const OpRun &r, ReadoutOp ro) {
    std::optional<ref::FixedFormat> fixed;
    if (auto f =
            dyn_cast<FixedType>(ro.getOutput().getType().getElementType()))
      fixed = f.getFormat();
    std::vector<int64_t> dims(ro.getTokenDims().begin(),
                              ro.getTokenDims().end());
    return r.put(ref::readout(r.in(ro.getInput()), dims, fixed,
                              fracOf(ro.getInput().getType().getElementType()),
                              roundingOf(ro.getRounding()), ro.getKeepTime()));
  }

  // ---- attention and MoE --------------------------------------------------
  LogicalResult runAttention(const OpRun &r, SpikingAttentionOp a) {
    ref::AttentionParams p;
    p.spikeDriven = a.getVariant() == AttentionVariant::SDSA;
    p.numHeads = a.getNumHeads();
    p.scale = a.getScale().convertToDouble();
    p.neuron = neuronParams(a.getNeuron());
    if (auto ratio = a.getHeadKeepRatio())
      p.headKeepRatio = ratio->convertToDouble();
    Tensor gate;
    if (a.getHeadGate()) {
      gate = r.in(a.getHeadGate());
      p.headGate = &gate;
    }
    return r.put(ref::spikingAttention(r.in(a.getQ()), r.in(a.getK()),
                                       r.in(a.getV()), p));
  }

  LogicalResult runMoeGates(const OpRun &r, MoeGatesOp m) {
    return r.put(ref::moeGates(r.in(m.getExpertIndex()), r.in(m.getGate()),
                               m.getNumExperts(),
                               m.getScale().convertToDouble()));
  }

  LogicalResult runMoeRouter(const OpRun &r, MoeRouterOp router) {
    ref::RouterParams p;
    p.topK = router.getTopK();
    p.capacity = router.getCapacity();
    p.normalizeGates = router.getNormalizeGates();
    p.timeStep = router.getRouteTimeStep();
    Type elt = router.getInput().getType().getElementType();
    Tensor x = isa<FixedType>(elt)
                   ? ref::dequantize(r.in(router.getInput()), fracOf(elt))
                   : r.in(router.getInput());
    auto routing = ref::moeRoute(x, r.in(router.getGateWeight()),
                                 r.opt(router.getGateBias()), p);
    if (!routing.ok())
      return fail(&r.op, routing.status());
    r.results = {std::move(routing->expertIndex), std::move(routing->gate),
                 std::move(routing->slot)};
    return success();
  }

  LogicalResult runMoeDispatch(const OpRun &r, MoeDispatchOp d) {
    return r.put(ref::moeDispatch(r.in(d.getInput()), r.in(d.getExpertIndex()),
                                  r.in(d.getSlot()), d.getNumExperts(),
                                  d.getCapacity()));
  }

  LogicalResult runMoeExperts(const OpRun &r, MoeExpertsOp x) {
    return runExperts(x, r.env, r.results);
  }

  LogicalResult runMoeCombine(const OpRun &r, MoeCombineOp c) {
    return r.put(ref::moeCombine(r.in(c.getExpertOutput()),
                                 r.in(c.getExpertIndex()), r.in(c.getGate()),
                                 r.in(c.getSlot())));
  }

  // ---- upstream tensor, linalg and arith glue -----------------------------
  template <typename Op> LogicalResult runReshape(const OpRun &r, Op reshape) {
    Tensor t = r.in(reshape->getOperand(0));
    t.shape = staticShape(reshape->getResult(0));
    if (ref::numElements(t.shape) != t.numel())
      return r.op.emitError() << "reshape changes the element count";
    return r.put(std::move(t));
  }

  LogicalResult runEmpty(const OpRun &r, tensor::EmptyOp e) {
    return r.put(Tensor(staticShape(e.getResult())));
  }

  /// Fails unless the offsets, sizes and strides of slice `s` are static.
  template <typename Op>
  static LogicalResult checkStaticSlice(Operation &op, Op s) {
    for (auto list :
         {s.getStaticOffsets(), s.getStaticSizes(), s.getStaticStrides()})
      for (int64_t v : list)
        if (ShapedType::isDynamic(v))
          return op.emitError() << "dynamic slices are not supported";
    return success();
  }

  static std::vector<int64_t> vec(ArrayRef<int64_t> a) {
    return std::vector<int64_t>(a.begin(), a.end());
  }

  LogicalResult runExtractSlice(const OpRun &r, tensor::ExtractSliceOp s) {
    if (failed(checkStaticSlice(r.op, s)))
      return failure();
    return r.put(ref::extractSlice(
        r.in(s.getSource()), vec(s.getStaticOffsets()),
        vec(s.getStaticSizes()), vec(s.getStaticStrides()),
        staticShape(s.getResult())));
  }

  LogicalResult runInsertSlice(const OpRun &r, tensor::InsertSliceOp s) {
    if (failed(checkStaticSlice(r.op, s)))
      return failure();
    return r.put(ref::insertSlice(
        r.in(s.getSource()), r.in(s.getDest()), vec(s.getStaticOffsets()),
        vec(s.getStaticSizes()), vec(s.getStaticStrides())));
  }

  LogicalResult runConcat(const OpRun &r, tensor::ConcatOp c) {
    std::vector<const Tensor *> parts;
    for (Value v : c.getInputs())
      parts.push_back(&r.in(v));
    return r.put(ref::concat(parts, c.getDim(), staticShape(c.getResult())));
  }

  LogicalResult runTranspose(const OpRun &r, linalg::TransposeOp t) {
    return r.put(ref::transpose(
        r.in(t.getInput()),
        {t.getPermutation().begin(), t.getPermutation().end()},
        staticShape(t->getResult(0))));
  }

  template <typename Op> LogicalResult runBinary(const OpRun &r, Op bin) {
    return r.put(ref::binary(r.in(bin.getLhs()), r.in(bin.getRhs()),
                             *toBinaryFn(&r.op)));
  }

  LogicalResult runNeg(const OpRun &r, arith::NegFOp neg) {
    return r.put(ref::negate(r.in(neg.getOperand())));
  }

  static std::optional<ref::IntDomain> intDomainOf(RankedTensorType result) {
    if (auto f = dyn_cast<FixedType>(result.getElementType()))
      return ref::IntDomain{f.getFormat()};
    return std::nullopt;
  }

  LogicalResult runExperts(MoeExpertsOp x, llvm::DenseMap<Value, Tensor> &env,
                           std::vector<Tensor> &results) {
    const Tensor &input = env.find(x.getInput())->second;
    const int64_t E = input.dim(0);
    auto slice = [](const Tensor &t, int64_t e) {
      std::vector<int64_t> shape(t.shape.begin() + 1, t.shape.end());
      const int64_t n = ref::numElements(shape);
      return Tensor(shape, std::vector<double>(t.data.begin() + e * n,
                                               t.data.begin() + (e + 1) * n));
    };
    Tensor out(staticShape(x.getOutput()));
    const int64_t per = E ? out.numel() / E : 0;
    for (int64_t e = 0; e < E; ++e) {
      std::vector<Tensor> args = {slice(input, e)};
      for (Value p : x.getParams())
        args.push_back(slice(env.find(p)->second, e));
      auto r = runBlock(x.getBody().front(), args);
      if (failed(r))
        return x.emitError() << "while running expert " << e;
      if ((*r)[0].numel() != per)
        return x.emitError() << "expert " << e << " yielded "
                             << (*r)[0].numel() << " values, expected " << per;
      std::copy((*r)[0].data.begin(), (*r)[0].data.end(),
                out.data.begin() + e * per);
    }
    results.push_back(std::move(out));
    return success();
  }
};

} // namespace

FailureOr<std::vector<Tensor>>
spikestack::interpretFunction(func::FuncOp func,
                              const std::vector<Tensor> &inputs) {
  return interpretFunction(func, inputs, InterpretObserver());
}

FailureOr<std::vector<Tensor>>
spikestack::interpretFunction(func::FuncOp func,
                              const std::vector<Tensor> &inputs,
                              const InterpretObserver &observe) {
  auto module = func->getParentOfType<ModuleOp>();
  if (!module)
    return func.emitError() << "function is not inside a module";
  Interpreter interpreter(module, observe);
  return interpreter.runFunction(func, inputs);
}

ref::NeuronParams spikestack::toNeuronParams(NeuronAttr neuron) {
  return neuronParams(neuron);
}

ref::Rounding spikestack::toRounding(RoundingMode mode) {
  return roundingOf(mode);
}

std::optional<ref::BinaryFn> spikestack::toBinaryFn(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<ref::BinaryFn>>(op)
      .Case([](arith::AddFOp) { return ref::BinaryFn::Add; })
      .Case([](arith::SubFOp) { return ref::BinaryFn::Sub; })
      .Case([](arith::MulFOp) { return ref::BinaryFn::Mul; })
      .Case([](arith::DivFOp) { return ref::BinaryFn::Div; })
      .Case([](arith::MaximumFOp) { return ref::BinaryFn::Max; })
      .Case([](arith::MinimumFOp) { return ref::BinaryFn::Min; })
      .Default([](Operation *) { return std::nullopt; });
}

FailureOr<std::vector<double>> spikestack::constantValues(Operation *op,
                                                          ElementsAttr attr) {
  return attributeValues(op, attr);
}
