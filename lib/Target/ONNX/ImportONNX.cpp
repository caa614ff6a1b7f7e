//===- ImportONNX.cpp - ONNX to the snn dialect ----------------------------===//
#include "spikestack/Target/ONNX/ImportONNX.h"

#include "Importer.h"

#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Support/FileUtil.h"

#include "llvm/Support/MemoryBuffer.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/SourceMgr.h"

#include <cstring>
#include <set>

using namespace mlir;
using namespace spikestack;
using namespace spikestack::onnx_import;
namespace snn = spikestack::snn;

FailureOr<ref::NeuronParams>
Importer::snnDomainNeuron(const onnx::NodeProto &n) {
  ref::NeuronParams p;
  p.leaky = n.op_type() == "LIF";
  const std::string reset = attrString(n, "reset").empty()
                                ? "hard"
                                : attrString(n, "reset");
  const std::string compare = attrString(n, "compare").empty()
                                  ? "ge"
                                  : attrString(n, "compare");
  if ((reset != "hard" && reset != "soft") ||
      (compare != "ge" && compare != "gt"))
    return error(n) << "reset must be \"hard\" or \"soft\" and compare "
                       "\"ge\" or \"gt\"";
  p.hardReset = reset == "hard";
  p.compareGE = compare == "ge";
  p.tau = attrFloat(n, "tau", 2.0f);
  p.decayInput = attrInt(n, "decay_input", 1) != 0;
  p.vThreshold = attrFloat(n, "v_threshold", 1.0f);
  p.vReset = attrFloat(n, "v_reset", 0.0f);
  // V * k + X with k computed by PyTorch in double from a Python tau: the
  // exporter writes k itself (docs/onnx.md); tau = 1 / (1 - k) reproduces
  // it in snn.lif, which computes k = f32(1 - 1/tau).
  for (const auto &a : n.attribute())
    if (a.name() == "leak_factor") {
      const double fromK = 1.0 / (1.0 - double(a.f()));
      if (!(a.f() > 0.0f && a.f() < 1.0f) ||
          float(1.0 - 1.0 / fromK) != a.f())
        return error(n) << "leak_factor " << a.f()
                        << " is not f32(1 - 1/tau) for any tau >= 1";
      p.tau = fromK;
    }
  if (p.leaky && !(p.tau >= 1.0))
    return error(n) << "tau must be >= 1, got " << p.tau;
  return p;
}

void Importer::index() {
  for (const onnx::NodeProto *n : g.nodes) {
    for (const std::string &o : n->output())
      producer[o] = n;
    for (const std::string &in : n->input())
      if (!in.empty())
        consumers[in].push_back(n);
  }
  for (const RaisedNeuron &r : neurons) {
    neuronAt[r.concat] = &r;
    absorbed.insert(r.absorbed.begin(), r.absorbed.end());
  }
}

bool Importer::headSplit(AttentionMatch &m, const std::string &name,
                         const std::vector<int64_t> &perm, std::string &x) {
  const onnx::NodeProto *t = producerOf(name, "Transpose");
  if (!t || attrInts(*t, "perm").value_or(std::vector<int64_t>{}) != perm)
    return false;
  const onnx::NodeProto *rs = producerOf(t->input(0), "Reshape");
  if (!rs)
    return false;
  auto in = shapeOf(rs->input(0)), out = shapeOf(rs->output(0));
  if (in.size() != 4 || out.size() != 5 || out[0] != in[0] ||
      out[1] != in[1] || out[2] != in[2] || out[3] * out[4] != in[3])
    return false;
  if (m.heads != 1 && m.heads != out[3])
    return false;
  m.heads = out[3];
  x = rs->input(0);
  m.absorbed.insert(t);
  m.absorbed.insert(rs);
  return true;
}

void Importer::matchSpikeDrivenAttention() {
  // out = Mul(Qh, S) with S = neuron(ReduceSum(Mul(Kh, Vh), tokens, keep)).
  for (const onnx::NodeProto *mul : g.nodes) {
    if (mul->op_type() != "Mul" || absorbed.count(mul) ||
        mul->input_size() != 2)
      continue;
    for (int qi = 0; qi < 2; ++qi) {
      AttentionMatch m;
      m.spikeDriven = true;
      auto np = producer.find(mul->input(1 - qi));
      if (np == producer.end() || !neuronAt.count(np->second))
        continue;
      const RaisedNeuron *neuron = neuronAt[np->second];
      const onnx::NodeProto *sum = producerOf(neuron->input, "ReduceSum");
      if (!sum || attrInt(*sum, "keepdims", 1) != 1 || sum->input_size() < 2)
        continue;
      const Constant *axes = constantOf(sum->input(1));
      if (!axes || !axes->values || axes->values->numel() != 1)
        continue;
      const int64_t axis = int64_t(axes->values->data[0]);
      if (axis != -2 && axis != 3)
        continue; // the token axis of [T, B, H, N, d]
      const onnx::NodeProto *kv = producerOf(sum->input(0), "Mul");
      if (!kv ||
          !headSplit(m, mul->input(qi), {0, 1, 3, 2, 4}, m.q) ||
          !headSplit(m, kv->input(0), {0, 1, 3, 2, 4}, m.k) ||
          !headSplit(m, kv->input(1), {0, 1, 3, 2, 4}, m.v))
        continue;
      m.neuron = neuron;
      m.absorbed.insert({kv, sum});
      std::set<const onnx::NodeProto *> inside = m.absorbed;
      inside.insert(neuron->absorbed.begin(), neuron->absorbed.end());
      inside.insert(np->second);
      inside.insert(mul);
      bool private_ = usedOnlyBy(np->second->output(0), inside);
      for (const onnx::NodeProto *n : m.absorbed)
        private_ = private_ && usedOnlyBy(n->output(0), inside);
      if (!private_)
        continue;
      // The neuron is part of the attention op now.
      m.absorbed.insert(np->second);
      absorbed.insert(m.absorbed.begin(), m.absorbed.end());
      neuronAt.erase(np->second);
      attentionAt[mul] = m;
      break;
    }
  }
}

LogicalResult Importer::matchAttention() {
  auto permOf = [&](const onnx::NodeProto *t) {
    return attrInts(*t, "perm").value_or(std::vector<int64_t>{});
  };
  for (const RaisedNeuron &r : neurons) {
    AttentionMatch m;
    m.neuron = &r;
    // X = Reshape(Transpose(AV, [0,1,3,2,4]), [T,B,N,C])
    const onnx::NodeProto *outReshape = producerOf(r.input, "Reshape");
    if (!outReshape)
      continue;
    const onnx::NodeProto *outT = producerOf(outReshape->input(0), "Transpose");
    if (!outT || permOf(outT) != std::vector<int64_t>{0, 1, 3, 2, 4})
      continue;
    const onnx::NodeProto *av = producerOf(outT->input(0), "MatMul");
    const onnx::NodeProto *gated = nullptr;
    if (!av) {
      // Mixture of heads: Mul(A V, gate [1, B, H, N, 1]).
      gated = producerOf(outT->input(0), "Mul");
      for (int i = 0; gated && i < 2 && !av; ++i)
        if ((av = producerOf(gated->input(i), "MatMul")))
          m.headGate = gated->input(1 - i);
      if (!av || constantOf(m.headGate))
        continue;
    }
    const onnx::NodeProto *scaled = producerOf(av->input(0), "Mul");
    const onnx::NodeProto *qk = nullptr;
    if (scaled) {
      for (int i = 0; i < 2 && !qk; ++i) {
        const Constant *s = constantOf(scaled->input(1 - i));
        if (s && s->values && s->values->numel() == 1) {
          qk = producerOf(scaled->input(i), "MatMul");
          m.scale = s->values->data[0];
        }
      }
    } else {
      qk = producerOf(av->input(0), "MatMul");
    }
    if (!qk)
      continue;
    if (!headSplit(m, qk->input(0), {0, 1, 3, 2, 4}, m.q) ||
        !headSplit(m, qk->input(1), {0, 1, 3, 4, 2}, m.k) ||
        !headSplit(m, av->input(1), {0, 1, 3, 2, 4}, m.v))
      continue;
    // Every intermediate must be used only inside the pattern (the last
    // one by the attention neuron's time-step reads).
    m.absorbed.insert({outReshape, outT, av, qk});
    if (scaled)
      m.absorbed.insert(scaled);
    if (gated) {
      m.absorbed.insert(gated);
      if (failed(matchHeadGate(m)))
        return failure();
    }
    std::set<const onnx::NodeProto *> inside = m.absorbed;
    inside.insert(r.absorbed.begin(), r.absorbed.end());
    inside.insert(r.concat); // the neuron itself (an snn::LIF node)
    bool private_ = true;
    for (const onnx::NodeProto *n : m.absorbed)
      private_ = private_ && usedOnlyBy(n->output(0), inside);
    if (!private_)
      continue;
    absorbed.insert(m.absorbed.begin(), m.absorbed.end());
    attentionAt[r.concat] = m;
  }
  return success();
}

LogicalResult Importer::emitLinear(const onnx::NodeProto &n, Value x,
                                   ArrayRef<int64_t> xShape,
                                   std::vector<float> weightNK, int64_t N,
                                   int64_t K, const std::string &weightName,
                                   std::optional<std::vector<float>> bias,
                                   const std::string &out) {
  Location l = loc(n);
  Value w = f32Constant(weightName, {N, K}, std::move(weightNK));
  Value b;
  if (bias)
    b = f32Constant(weightName + "_bias", {N}, std::move(*bias));
  SmallVector<int64_t> outShape(xShape);
  outShape.back() = N;
  env[out] = snn::LinearOp::create(builder, l, f32Type(outShape), x, w, b);
  return success();
}

LogicalResult Importer::emit(const onnx::NodeProto &n) {
  const std::string &op = n.op_type();
  Location l = loc(n);
  auto in = [&](int i) { return operand(n, n.input(i)); };
  const std::string out = n.output_size() ? n.output(0) : "";

  // No value the importer emits may be absurdly large: a malformed shape
  // constant must not make us allocate (or tile) billions of elements.
  for (const std::string &o : n.output()) {
    auto it = g.values.find(o);
    if (it == g.values.end() || !it->second.shape)
      continue;
    const int64_t count = safeNumElements(*it->second.shape);
    if (count < 0 || count > kMaxImportElements)
      return error(n) << "output '" << o << "' would have more than "
                      << kMaxImportElements << " elements (shape ["
                      << llvm::make_range(it->second.shape->begin(),
                                          it->second.shape->end())
                      << "]); the model's shapes are not plausible";
  }

  if (auto moe = moeAt.find(&n); moe != moeAt.end())
    return emitMoE(n, moe->second);
  // Raised neurons and attention.
  if (auto a = attentionAt.find(&n); a != attentionAt.end()) {
    const AttentionMatch &m = a->second;
    const ref::NeuronParams &p = m.neuron->params;
    auto neuron = snn::NeuronAttr::get(
        ctx, p.leaky, llvm::APFloat(p.tau), llvm::APFloat(p.vThreshold),
        llvm::APFloat(p.vReset),
        p.hardReset ? snn::ResetMode::Hard : snn::ResetMode::Soft,
        p.decayInput, p.compareGE ? snn::CompareMode::GE : snn::CompareMode::GT,
        std::nullopt, snn::FixedType(), snn::RoundingMode::NearestEven);
    auto qv = operand(n, m.q), kv = operand(n, m.k), vv = operand(n, m.v);
    if (failed(qv) || failed(kv) || failed(vv))
      return failure();
    Value q = *qv, k = *kv, v = *vv;
    for (Value x : {q, k, v})
      if (!isa<snn::SpikeType>(
              cast<RankedTensorType>(x.getType()).getElementType()))
        return error(n) << "spiking attention needs spike inputs, got "
                        << x.getType();
    Value headGate;
    if (m.headRouter) {
      auto gates = emitHeadGates(n, *m.headRouter, m.headGateScale, m.heads);
      if (failed(gates))
        return failure();
      headGate = *gates;
    }
    Value att = snn::SpikingAttentionOp::create(
        builder, l, q.getType(), q, k, v, headGate,
        snn::AttentionVariantAttr::get(ctx, m.spikeDriven
                                                ? snn::AttentionVariant::SDSA
                                                : snn::AttentionVariant::SSA),
        builder.getI64IntegerAttr(m.heads), builder.getF64FloatAttr(m.scale),
        neuron, FloatAttr());
    if (m.spikeDriven) {
      // The graph continues from Q_h * S in the head layout [T,B,H,N,d].
      auto t = cast<RankedTensorType>(att.getType());
      const int64_t C = t.getDimSize(3);
      Value split = reshape(l, att, {t.getDimSize(0), t.getDimSize(1),
                                     t.getDimSize(2), m.heads, C / m.heads});
      att = transpose(l, split, {0, 1, 3, 2, 4});
    }
    tagONNX(att, out);
    env[out] = att;
    return success();
  }
  if (auto r = neuronAt.find(&n); r != neuronAt.end()) {
    const ref::NeuronParams &p = r->second->params;
    auto x = operand(n, r->second->input);
    if (failed(x))
      return failure();
    auto shape = shapeOf(r->second->input);
    auto spikes = RankedTensorType::get(shape, snn::SpikeType::get(ctx));
    auto reset = snn::ResetModeAttr::get(
        ctx, p.hardReset ? snn::ResetMode::Hard : snn::ResetMode::Soft);
    auto compare = snn::CompareModeAttr::get(
        ctx, p.compareGE ? snn::CompareMode::GE : snn::CompareMode::GT);
    auto rounding =
        snn::RoundingModeAttr::get(ctx, snn::RoundingMode::NearestEven);
    Value s;
    if (p.leaky)
      s = snn::LIFOp::create(
          builder, l, spikes, asF32(*x), Value(), Value(), Value(),
          builder.getF64FloatAttr(p.tau), builder.getF64FloatAttr(p.vThreshold),
          builder.getF64FloatAttr(p.vReset), reset,
          builder.getBoolAttr(p.decayInput), compare, FloatAttr(), IntegerAttr(),
          TypeAttr(), rounding);
    else
      s = snn::IFOp::create(builder, l, spikes, asF32(*x), Value(), Value(), Value(),
                            builder.getF64FloatAttr(p.vThreshold),
                            builder.getF64FloatAttr(p.vReset), reset, compare,
                            FloatAttr(), IntegerAttr(), TypeAttr(), rounding);
    tagONNX(s, out);
    env[out] = s;
    return success();
  }
  if (foldedInto.count(&n))
    return success(); // emitted with the op it was folded into

  if (n.domain() == "snn")
    return error(n) << "is not an op of the snn domain (LIF, IF; "
                       "docs/onnx.md)";
  if (op == "Identity" || op == "Dropout") {
    auto x = in(0);
    if (failed(x))
      return failure();
    env[out] = *x;
    return success();
  }
  if (op == "Reshape" || op == "Flatten" || op == "Squeeze" ||
      op == "Unsqueeze") {
    auto x = in(0);
    if (failed(x))
      return failure();
    env[out] = reshape(l, *x, shapeOf(out));
    return success();
  }
  if (op == "Transpose") {
    auto x = in(0);
    if (failed(x))
      return failure();
    auto perm = attrInts(n, "perm");
    const int64_t r = int64_t(shapeOf(n.input(0)).size());
    std::vector<int64_t> p;
    if (perm)
      p = *perm;
    else
      for (int64_t d = r - 1; d >= 0; --d)
        p.push_back(d);
    env[out] = transpose(l, *x, p);
    return success();
  }
  if (op == "Slice") {
    // Static positive-step slices (constant starts, ends, axes, steps).
    auto x = in(0);
    if (failed(x))
      return failure();
    auto inShape = shapeOf(n.input(0));
    const int64_t r = int64_t(inShape.size());
    auto ints = [&](int i) -> std::optional<std::vector<int64_t>> {
      if (n.input_size() <= i || n.input(i).empty())
        return std::nullopt;
      const Constant *c = constantOf(n.input(i));
      if (!c || !c->values)
        return std::vector<int64_t>{};
      std::vector<int64_t> v;
      for (double d : c->values->data)
        v.push_back(int64_t(d));
      return v;
    };
    auto starts = ints(1), ends = ints(2), axes = ints(3), steps = ints(4);
    if (!starts || !ends || starts->empty() || starts->size() != ends->size() ||
        (axes && axes->size() != starts->size()) ||
        (steps && steps->size() != starts->size()))
      return error(n) << "needs constant starts, ends, axes and steps";
    SmallVector<int64_t> offsets(r, 0), sizes(inShape.begin(), inShape.end()),
        strides(r, 1);
    for (size_t k = 0; k < starts->size(); ++k) {
      int64_t a = axes ? (*axes)[k] : int64_t(k);
      a = a < 0 ? a + r : a;
      const int64_t s = steps ? (*steps)[k] : 1;
      if (a < 0 || a >= r || s <= 0)
        return error(n) << "only slices with positive steps on valid axes "
                           "are supported";
      const int64_t dim = inShape[a];
      auto clampIndex = [&](int64_t v) {
        return std::clamp<int64_t>(v < 0 ? v + dim : v, 0, dim);
      };
      const int64_t b = clampIndex((*starts)[k]), e = clampIndex((*ends)[k]);
      offsets[a] = b;
      strides[a] = s;
      sizes[a] = std::max<int64_t>(0, (e - b + s - 1) / s);
    }
    auto elt = cast<RankedTensorType>(x->getType()).getElementType();
    if (ArrayRef<int64_t>(sizes) == ArrayRef<int64_t>(inShape)) {
      env[out] = *x; // the whole tensor
      return success();
    }
    env[out] = tensor::ExtractSliceOp::create(
        builder, l, RankedTensorType::get(sizes, elt), *x, ValueRange{},
        ValueRange{}, ValueRange{}, builder.getDenseI64ArrayAttr(offsets),
        builder.getDenseI64ArrayAttr(sizes),
        builder.getDenseI64ArrayAttr(strides));
    return success();
  }
  if (op == "Tile" || op == "Expand") {
    auto x = in(0);
    if (failed(x))
      return failure();
    auto inShape = shapeOf(n.input(0)), outShape = shapeOf(out);
    if (inShape.size() > outShape.size())
      return error(n) << "cannot reduce the rank";
    std::vector<int64_t> padded(outShape.size() - inShape.size(), 1);
    padded.insert(padded.end(), inShape.begin(), inShape.end());
    for (size_t d = 0; d < padded.size(); ++d)
      if (padded[d] <= 0 || outShape[d] % padded[d])
        return error(n) << "output dimension " << outShape[d]
                        << " is not a multiple of " << padded[d];
    env[out] = repeatTo(l, reshape(l, *x, padded), outShape);
    return success();
  }
  if (op == "Conv") {
    if (!attrString(n, "auto_pad").empty() &&
        attrString(n, "auto_pad") != "NOTSET")
      return error(n) << "auto_pad '" << attrString(n, "auto_pad")
                      << "' is not supported; export with explicit pads";
    const Constant *w = constantOf(n.input(1));
    if (!w || w->shape.size() != 4)
      return error(n) << "needs constant 4-D weights (2-D convolution)";
    auto x = in(0);
    if (failed(x))
      return failure();
    auto pads = attrInts(n, "pads").value_or(std::vector<int64_t>{0, 0, 0, 0});
    auto strides = attrInts(n, "strides").value_or(std::vector<int64_t>{1, 1});
    auto dil = attrInts(n, "dilations").value_or(std::vector<int64_t>{1, 1});
    if (pads.size() != 4 || strides.size() != 2 || dil.size() != 2)
      return error(n) << "only 2-D convolutions are supported";
    Value wv = f32Constant(n.input(1), *w);
    Value bv;
    if (n.input_size() > 2 && !n.input(2).empty()) {
      const Constant *b = constantOf(n.input(2));
      if (!b)
        return error(n) << "needs a constant bias";
      bv = f32Constant(n.input(2), *b);
    }
    env[out] = snn::Conv2dOp::create(
        builder, l, f32Type(shapeOf(out)), *x, wv, bv,
        builder.getDenseI64ArrayAttr(strides), builder.getDenseI64ArrayAttr(pads),
        builder.getDenseI64ArrayAttr(dil),
        builder.getI64IntegerAttr(attrInt(n, "group", 1)));
    return success();
  }
  if (op == "BatchNormalization") {
    if (attrInt(n, "training_mode", 0) != 0 || n.output_size() > 1)
      return error(n) << "only inference batch normalization is supported "
                         "(export the model in eval() mode)";
    auto x = in(0);
    if (failed(x))
      return failure();
    SmallVector<Value> params;
    for (int i = 1; i <= 4; ++i) {
      const Constant *c = constantOf(n.input(i));
      if (!c)
        return error(n) << "needs constant parameters";
      params.push_back(f32Constant(n.input(i), *c));
    }
    env[out] = snn::BatchNormOp::create(
        builder, l, f32Type(shapeOf(out)), asF32(*x), params[0], params[1],
        params[2], params[3],
        builder.getF64FloatAttr(attrFloat(n, "epsilon", 1e-5f)),
        builder.getI64IntegerAttr(1));
    return success();
  }
  if (op == "MaxPool") {
    if (!attrString(n, "auto_pad").empty() &&
        attrString(n, "auto_pad") != "NOTSET")
      return error(n) << "auto_pad is not supported; export with explicit pads";
    if (n.output_size() > 1 && !n.output(1).empty())
      return error(n) << "the Indices output is not supported";
    auto dil = attrInts(n, "dilations").value_or(std::vector<int64_t>{1, 1});
    if (dil != std::vector<int64_t>{1, 1})
      return error(n) << "dilated max pooling is not supported";
    auto kernel = attrInts(n, "kernel_shape");
    if (!kernel || kernel->size() != 2)
      return error(n) << "only 2-D max pooling is supported";
    auto x = in(0);
    if (failed(x))
      return failure();
    auto strides = attrInts(n, "strides").value_or(std::vector<int64_t>{1, 1});
    auto pads = attrInts(n, "pads").value_or(std::vector<int64_t>{0, 0, 0, 0});
    auto elt = cast<RankedTensorType>(x->getType()).getElementType();
    env[out] = snn::MaxPool2dOp::create(
        builder, l, RankedTensorType::get(shapeOf(out), elt), *x,
        builder.getDenseI64ArrayAttr(*kernel),
        builder.getDenseI64ArrayAttr(strides), builder.getDenseI64ArrayAttr(pads),
        builder.getBoolAttr(attrInt(n, "ceil_mode", 0) != 0));
    return success();
  }
  if (op == "MatMul" || op == "Gemm") {
    const bool gemm = op == "Gemm";
    const Constant *b = constantOf(n.input(1));
    if (!b || b->shape.size() != 2)
      return error(n) << "needs a constant 2-D weight (a matrix product of "
                         "two activations is only supported inside spiking "
                         "self-attention)";
    if (gemm && (attrInt(n, "transA", 0) != 0 || attrFloat(n, "alpha", 1) != 1 ||
                 attrFloat(n, "beta", 1) != 1))
      return error(n) << "only Gemm with transA = 0, alpha = beta = 1 is "
                         "supported";
    auto x = in(0);
    if (failed(x))
      return failure();
    const bool transB = gemm && attrInt(n, "transB", 0) != 0;
    const int64_t K = transB ? b->shape[1] : b->shape[0];
    const int64_t N = transB ? b->shape[0] : b->shape[1];
    std::vector<float> w = transB ? floatsOf(*b) : transposed(*b);
    // The [N, K] copy replaces the weight: free the original now if nothing
    // else reads it (keeps peak memory near one copy of the weights).
    if (usedOnlyBy(n.input(1), {&n}))
      g.values[n.input(1)].constant.reset();
    std::optional<std::vector<float>> bias;
    std::string result = out;
    if (gemm && n.input_size() > 2 && !n.input(2).empty()) {
      const Constant *c = constantOf(n.input(2));
      if (!c || ref::numElements(c->shape) != N)
        return error(n) << "needs a constant bias of " << N << " values";
      bias = floatsOf(*c);
    } else if (const onnx::NodeProto *add = onlyUser(out);
               !gemm && add && add->op_type() == "Add") {
      // MatMul + Add(bias) is one linear layer.
      const std::string other = add->input(0) == out ? add->input(1)
                                                     : add->input(0);
      const Constant *c = constantOf(other);
      if (c && ref::numElements(c->shape) == N) {
        bias = floatsOf(*c);
        foldedInto[add] = &n;
        result = add->output(0);
      }
    }
    return emitLinear(n, *x, shapeOf(n.input(0)), std::move(w),
                      N, K, n.input(1), std::move(bias), result);
  }
  if (op == "Add") {
    auto a = in(0), b = in(1);
    if (failed(a) || failed(b))
      return failure();
    auto ta = cast<RankedTensorType>(a->getType()),
         tb = cast<RankedTensorType>(b->getType());
    if (ta.getShape() != tb.getShape())
      return error(n) << "broadcasting Add is not supported yet (operands "
                      << ta << " and " << tb << ")";
    Type elt = builder.getF32Type();
    auto ma = snn::getCountMax(ta.getElementType()),
         mb = snn::getCountMax(tb.getElementType());
    if (ma && mb)
      elt = snn::CountType::get(ctx, *ma + *mb); // spike shortcut
    env[out] = snn::AddOp::create(
        builder, l, RankedTensorType::get(ta.getShape(), elt), *a, *b);
    return success();
  }
  if (op == "ReduceMean") {
    // mean over tokens then over time, or over time alone: the readout.
    auto axes = attrInts(n, "axes");
    if (!axes || attrInt(n, "keepdims", 1) != 0)
      return error(n) << "only ReduceMean with explicit axes and keepdims = 0 "
                         "(a readout over tokens and/or time) is supported";
    const int64_t r = int64_t(shapeOf(n.input(0)).size());
    std::vector<int64_t> tokenDims;
    bool overTime = false;
    for (int64_t a : *axes) {
      a = a < 0 ? a + r : a;
      if (a == 0)
        overTime = true;
      else
        tokenDims.push_back(a);
    }
    std::string result = out;
    bool keepTime = false;
    if (!overTime) {
      // A mean over tokens followed by a mean over time is one readout;
      // alone it is a readout that keeps the time dimension.
      const onnx::NodeProto *next = onlyUser(out);
      auto nextAxes = next ? attrInts(*next, "axes") : std::nullopt;
      if (next && next->op_type() == "ReduceMean" && nextAxes &&
          *nextAxes == std::vector<int64_t>{0} &&
          attrInt(*next, "keepdims", 1) == 0) {
        foldedInto[next] = &n;
        result = next->output(0);
      } else {
        keepTime = true;
      }
    }
    auto x = in(0);
    if (failed(x))
      return failure();
    env[result] = snn::ReadoutOp::create(
        builder, l, f32Type(shapeOf(result)), *x,
        builder.getDenseI64ArrayAttr(tokenDims),
        snn::RoundingModeAttr::get(ctx, snn::RoundingMode::NearestEven),
        builder.getBoolAttr(keepTime));
    return success();
  }
  return error(n) << "is not supported by the importer yet (supported: the "
                     "traced LIF/IF pattern, spiking self-attention, Conv, "
                     "BatchNormalization, MaxPool, MatMul/Gemm with constant "
                     "weights, Add, ReduceMean readouts, GShard mixture-of-experts "
                     "layers, Reshape, Flatten, Squeeze, Unsqueeze, Transpose, "
                     "Slice, Tile, Expand, Identity)";
}

OwningOpRef<ModuleOp> Importer::run() {
  auto raised = raiseNeurons(g);
  if (!raised.ok()) {
    emitError(fileLoc) << std::string(raised.status().message());
    return nullptr;
  }
  neurons = std::move(*raised);
  // Neurons exported as one snn::LIF / snn::IF node are raised already.
  for (const onnx::NodeProto *n : g.nodes) {
    if (n->domain() != "snn" || (n->op_type() != "LIF" && n->op_type() != "IF"))
      continue;
    auto params = snnDomainNeuron(*n);
    if (failed(params))
      return nullptr;
    neurons.push_back({n, n->input(0), *params, {}});
  }
  index();
  if (failed(matchAttention()))
    return nullptr;
  matchSpikeDrivenAttention();
  if (failed(matchMoE()))
    return nullptr;

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  builder.setInsertionPointToEnd(module->getBody());
  SmallVector<Type> argTypes, resultTypes;
  for (const std::string &name : g.inputs) {
    if (info(name).elemType != onnx::TensorProto::FLOAT) {
      emitError(fileLoc) << "input '" << name << "' has element type "
                         << elemTypeName(info(name).elemType)
                         << "; only FLOAT inputs are supported";
      return nullptr;
    }
    argTypes.push_back(f32Type(shapeOf(name)));
  }
  for (const std::string &name : g.outputs)
    resultTypes.push_back(f32Type(shapeOf(name)));
  auto func = func::FuncOp::create(builder, fileLoc, "main",
                                   builder.getFunctionType(argTypes, resultTypes));
  Block *body = func.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(g.inputs)) {
    func.setArgAttr(i, "snn.name", builder.getStringAttr(name));
    env[name] = body->getArgument(i);
  }
  for (auto [i, name] : llvm::enumerate(g.outputs))
    func.setResultAttr(i, "snn.name", builder.getStringAttr(name));
  builder.setInsertionPointToEnd(body);

  for (const onnx::NodeProto *n : g.nodes) {
    if (moeAbsorbed.count(n) || (absorbed.count(n) && !neuronAt.count(n)))
      continue;
    if (failed(emit(*n)))
      return nullptr;
  }
  SmallVector<Value> results;
  for (const std::string &name : g.outputs) {
    auto it = env.find(name);
    if (it == env.end()) {
      emitError(fileLoc) << "graph output '" << name << "' was not produced";
      return nullptr;
    }
    results.push_back(asF32(it->second));
  }
  func::ReturnOp::create(builder, fileLoc, results);
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

static OwningOpRef<ModuleOp>
importONNXImpl(const std::string &path, std::optional<llvm::StringRef> contents,
               MLIRContext *context, const ONNXImportOptions &options) {
  context->loadDialect<snn::SNNDialect, func::FuncDialect, arith::ArithDialect,
                       tensor::TensorDialect, linalg::LinalgDialect>();
  auto graph = contents ? loadGraph(path, options.inputShapes,
                                    std::string_view(contents->data(),
                                                     contents->size()))
                        : loadGraph(path, options.inputShapes);
  if (!graph.ok()) {
    emitError(FileLineColLoc::get(context, path, 0, 0))
        << std::string(graph.status().message());
    return nullptr;
  }
  return Importer(*graph, context).run();
}

OwningOpRef<ModuleOp>
spikestack::importONNX(const std::string &path, MLIRContext *context,
                       const ONNXImportOptions &options) {
  if (path == "-") {
    // protobuf's hard message limit.
    auto in = spikestack::readFile(
        "-", spikestack::ReadOptions{"ONNX model", INT32_MAX, true});
    if (!in.ok()) {
      emitError(UnknownLoc::get(context)) << std::string(in.status().message());
      return nullptr;
    }
    return importONNXImpl("<stdin>", llvm::StringRef(*in), context, options);
  }
  return importONNXImpl(path, std::nullopt, context, options);
}

OwningOpRef<ModuleOp>
spikestack::importONNXFromBuffer(llvm::StringRef contents,
                                 const std::string &name, MLIRContext *context,
                                 const ONNXImportOptions &options) {
  return importONNXImpl(name, contents, context, options);
}

//===----------------------------------------------------------------------===//
// Translation registration
//===----------------------------------------------------------------------===//

static llvm::cl::list<std::string> inputShapeOption(
    "input-shape",
    llvm::cl::desc("Static shape of a dynamic ONNX input, NAME=1x3x32x32"),
    llvm::cl::value_desc("NAME=DxDx..."));

bool spikestack::parseInputShapeSpecs(const std::vector<std::string> &specs,
                                      ONNXImportOptions &options,
                                      std::string &error) {
  for (const std::string &spec : specs) {
    const size_t eq = spec.find('=');
    std::vector<int64_t> dims;
    bool ok = eq != std::string::npos && eq > 0;
    for (size_t pos = eq + 1; ok && pos <= spec.size();) {
      size_t x = spec.find('x', pos);
      if (x == std::string::npos)
        x = spec.size();
      const std::string d = spec.substr(pos, x - pos);
      ok = !d.empty() && d.size() < 12 &&
           d.find_first_not_of("0123456789") == std::string::npos &&
           std::stoll(d) > 0;
      if (ok)
        dims.push_back(std::stoll(d));
      pos = x + 1;
    }
    if (!ok) {
      error = "--input-shape expects NAME=DxDx... with positive sizes, got '" +
              spec + "'";
      return false;
    }
    options.inputShapes[spec.substr(0, eq)] = dims;
  }
  return true;
}

std::vector<std::string> spikestack::inputShapeSpecsFromCommandLine() {
  return std::vector<std::string>(inputShapeOption.begin(),
                                  inputShapeOption.end());
}

void spikestack::registerONNXImportTranslation() {
  TranslateToMLIRRegistration registration(
      "import-onnx", "import an ONNX model into the snn dialect",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        const auto *buffer = sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        const std::string path = buffer->getBufferIdentifier().str();
        ONNXImportOptions options;
        std::string error;
        if (!parseInputShapeSpecs(inputShapeSpecsFromCommandLine(), options,
                                  error)) {
          emitError(UnknownLoc::get(context)) << error;
          return nullptr;
        }
        auto module =
            importONNXImpl(path, buffer->getBuffer(), context, options);
        if (!module)
          return nullptr;
        return OwningOpRef<Operation *>(module.release());
      },
      [](DialectRegistry &registry) {
        registry.insert<snn::SNNDialect, func::FuncDialect, arith::ArithDialect,
                        tensor::TensorDialect, linalg::LinalgDialect>();
      });
}
