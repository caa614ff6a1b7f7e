//===- EmitOps.cpp - one emitter per ONNX op kind --------------------------===//
//
// Importer::emit and the per-op emitters it finds through a table from
// op_type: each turns one ONNX node (or a raised neuron or attention
// pattern) into snn dialect ops.
//
//===----------------------------------------------------------------------===//
#include "Importer.h"

#include "spikestack/Dialect/SNN/IR/SNNOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

#include <algorithm>
#include <map>

using namespace mlir;
using namespace spikestack;
using namespace spikestack::onnx_import;
namespace snn = spikestack::snn;

LogicalResult Importer::emit(const onnx::NodeProto &n) {
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
  if (auto a = attentionAt.find(&n); a != attentionAt.end())
    return emitAttention(n, a->second);
  if (auto r = neuronAt.find(&n); r != neuronAt.end())
    return emitNeuron(n, *r->second);
  if (foldedInto.count(&n))
    return success(); // emitted with the op it was folded into

  if (n.domain() == "snn")
    return error(n) << "is not an op of the snn domain (LIF, IF; "
                       "docs/onnx.md)";
  // The emitter of each supported ONNX op kind.
  using Emitter = LogicalResult (Importer::*)(const onnx::NodeProto &);
  static const std::map<std::string, Emitter> emitters = {
      {"Identity", &Importer::emitIdentity},
      {"Dropout", &Importer::emitIdentity},
      {"Reshape", &Importer::emitReshape},
      {"Flatten", &Importer::emitReshape},
      {"Squeeze", &Importer::emitReshape},
      {"Unsqueeze", &Importer::emitReshape},
      {"Transpose", &Importer::emitTranspose},
      {"Slice", &Importer::emitSlice},
      {"Tile", &Importer::emitRepeat},
      {"Expand", &Importer::emitRepeat},
      {"Conv", &Importer::emitConv},
      {"BatchNormalization", &Importer::emitBatchNorm},
      {"MaxPool", &Importer::emitMaxPool},
      {"MatMul", &Importer::emitMatMul},
      {"Gemm", &Importer::emitMatMul},
      {"Add", &Importer::emitAdd},
      {"ReduceMean", &Importer::emitReduceMean},
  };
  if (auto e = emitters.find(n.op_type()); e != emitters.end())
    return (this->*(e->second))(n);
  return error(n) << "is not supported by the importer yet (supported: the "
                     "traced LIF/IF pattern, spiking self-attention, Conv, "
                     "BatchNormalization, MaxPool, MatMul/Gemm with constant "
                     "weights, Add, ReduceMean readouts, GShard mixture-of-experts "
                     "layers, Reshape, Flatten, Squeeze, Unsqueeze, Transpose, "
                     "Slice, Tile, Expand, Identity)";
}

/// Spiking self-attention (SSA or spike-driven): snn.spiking_attention.
/// The scalar parameters the importer raises (leak, threshold, reset,
/// charge form, comparison) for the snn neuron builders; the rest keep the
/// ops' defaults (float domain, no initial value).
static snn::NeuronParams raisedNeuronParams(const ref::NeuronParams &p) {
  snn::NeuronParams s;
  s.tau = p.tau;
  s.vThreshold = p.vThreshold;
  s.vReset = p.vReset;
  s.reset = p.hardReset ? snn::ResetMode::Hard : snn::ResetMode::Soft;
  s.decayInput = p.decayInput;
  s.compare = p.compareGE ? snn::CompareMode::GE : snn::CompareMode::GT;
  return s;
}

LogicalResult Importer::emitAttention(const onnx::NodeProto &n,
                                      const AttentionMatch &m) {
  Location l = loc(n);
  const std::string out = outputName(n);
  const ref::NeuronParams &p = m.neuron->params;
  snn::NeuronAttr neuron = raisedNeuronParams(p).toAttr(ctx, p.leaky);
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
      builder, l, q, k, v,
      m.spikeDriven ? snn::AttentionVariant::SDSA : snn::AttentionVariant::SSA,
      m.heads, m.scale, neuron, headGate);
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

/// A raised LIF/IF pattern: snn.lif or snn.if.
LogicalResult Importer::emitNeuron(const onnx::NodeProto &n,
                                   const RaisedNeuron &r) {
  Location l = loc(n);
  const std::string out = outputName(n);
  const ref::NeuronParams &p = r.params;
  auto x = operand(n, r.input);
  if (failed(x))
    return failure();
  auto shape = shapeOf(r.input);
  auto spikes = RankedTensorType::get(shape, snn::SpikeType::get(ctx));
  Value s = snn::createNeuron(builder, l, spikes, asF32(*x), p.leaky,
                              raisedNeuronParams(p))
                ->getResult(0);
  tagONNX(s, out);
  env[out] = s;
  return success();
}

/// Identity, Dropout: the input itself.
LogicalResult Importer::emitIdentity(const onnx::NodeProto &n) {
  const std::string out = outputName(n);
  auto x = nodeInput(n, 0);
  if (failed(x))
    return failure();
  env[out] = *x;
  return success();
}

/// Reshape, Flatten, Squeeze, Unsqueeze: a reshape to the inferred shape.
LogicalResult Importer::emitReshape(const onnx::NodeProto &n) {
  Location l = loc(n);
  const std::string out = outputName(n);
  auto x = nodeInput(n, 0);
  if (failed(x))
    return failure();
  env[out] = reshape(l, *x, shapeOf(out));
  return success();
}

/// Transpose (default: reversed dimensions).
LogicalResult Importer::emitTranspose(const onnx::NodeProto &n) {
  Location l = loc(n);
  const std::string out = outputName(n);
  auto x = nodeInput(n, 0);
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

/// Slice with constant starts, ends, axes and positive steps.
LogicalResult Importer::emitSlice(const onnx::NodeProto &n) {
  Location l = loc(n);
  const std::string out = outputName(n);
  // Static positive-step slices (constant starts, ends, axes, steps).
  auto x = nodeInput(n, 0);
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

/// Tile, Expand: a repeat to the output shape.
LogicalResult Importer::emitRepeat(const onnx::NodeProto &n) {
  Location l = loc(n);
  const std::string out = outputName(n);
  auto x = nodeInput(n, 0);
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

/// Conv (2-D, constant weights): snn.conv2d.
LogicalResult Importer::emitConv(const onnx::NodeProto &n) {
  Location l = loc(n);
  const std::string out = outputName(n);
  if (!attrString(n, "auto_pad").empty() &&
      attrString(n, "auto_pad") != "NOTSET")
    return error(n) << "auto_pad '" << attrString(n, "auto_pad")
                    << "' is not supported; export with explicit pads";
  const Constant *w = constantOf(n.input(1));
  if (!w || w->shape.size() != 4)
    return error(n) << "needs constant 4-D weights (2-D convolution)";
  auto x = nodeInput(n, 0);
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

/// BatchNormalization (inference): snn.batch_norm.
LogicalResult Importer::emitBatchNorm(const onnx::NodeProto &n) {
  Location l = loc(n);
  const std::string out = outputName(n);
  if (attrInt(n, "training_mode", 0) != 0 || n.output_size() > 1)
    return error(n) << "only inference batch normalization is supported "
                       "(export the model in eval() mode)";
  auto x = nodeInput(n, 0);
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

/// MaxPool (2-D): snn.max_pool2d.
LogicalResult Importer::emitMaxPool(const onnx::NodeProto &n) {
  Location l = loc(n);
  const std::string out = outputName(n);
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
  auto x = nodeInput(n, 0);
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

/// MatMul, Gemm with a constant weight (and a following bias Add): snn.linear.
LogicalResult Importer::emitMatMul(const onnx::NodeProto &n) {
  const std::string &op = n.op_type();
  const std::string out = outputName(n);
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
  auto x = nodeInput(n, 0);
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

/// Add of two same-shape operands: snn.add.
LogicalResult Importer::emitAdd(const onnx::NodeProto &n) {
  Location l = loc(n);
  const std::string out = outputName(n);
  auto a = nodeInput(n, 0), b = nodeInput(n, 1);
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

/// ReduceMean over tokens and/or time: snn.readout.
LogicalResult Importer::emitReduceMean(const onnx::NodeProto &n) {
  Location l = loc(n);
  const std::string out = outputName(n);
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
  auto x = nodeInput(n, 0);
  if (failed(x))
    return failure();
  env[result] = snn::ReadoutOp::create(
      builder, l, f32Type(shapeOf(result)), *x,
      builder.getDenseI64ArrayAttr(tokenDims),
      snn::RoundingModeAttr::get(ctx, snn::RoundingMode::NearestEven),
      builder.getBoolAttr(keepTime));
  return success();
}
