//===- ImportNIR.cpp - NIR graphs into the snn dialect --------------------===//
//
// The NIR primitives SpikeStack maps (docs/nir.md): Input, Output, Affine,
// Linear, Conv1d (a 2-D convolution of height 1), Conv2d, SumPool2d (a
// depthwise convolution with unit weights), AvgPool2d, Flatten, Scale, LIF
// and IF, on a chain from the Input node to the Output node.
// Tensors are time-major [T, 1, ...] (one sample); continuous-time neurons
// become snn.lif / snn.if with time step `dt`:
//   LIF  tau dv/dt = (v_leak - v) + r I, exact for an input held over a
//        step: v' = v e^(-dt/tau) + (1 - e^(-dt/tau)) (v_leak + r I), i.e.
//        snn.lif with tau_d = 1 / (1 - e^(-dt/tau)), decay_input, v_reset =
//        v_leak and X = r I;
//   IF   dv/dt = r I: v' = v + dt r I, snn.if with X = dt r I;
// both fire on v > v_threshold (compare = gt) and reset hard. A factor
// r (dt r) other than 1 becomes an snn.scale before the neuron.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Target/NIR/ImportNIR.h"
#include "NIRFile.h"

#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Dialect/SNN/IR/SNNOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/CommandLine.h"

#include <cmath>
#include <optional>
#include <set>

using namespace mlir;
using namespace spikestack;

namespace {

class NIRImporter {
public:
  NIRImporter(MLIRContext *ctx, const std::string &path, const nir::Graph &g,
              const NIRImportOptions &o)
      : ctx(ctx), b(ctx), fileLoc(FileLineColLoc::get(ctx, path, 0, 0)),
        g(g), opt(o) {}

  OwningOpRef<ModuleOp> run();

private:
  MLIRContext *ctx;
  OpBuilder b;
  Location fileLoc;
  const nir::Graph &g;
  NIRImportOptions opt;
  Value cur;                   ///< the value flowing along the chain
  SmallVector<int64_t> shape;  ///< its shape, [T, 1, ...]

  Location loc(const nir::Node &n) {
    return NameLoc::get(StringAttr::get(ctx, n.name), fileLoc);
  }
  InFlightDiagnostic error(const nir::Node &n) {
    return emitError(loc(n)) << "NIR node '" << n.name << "' (" << n.type
                             << "): ";
  }
  RankedTensorType f32(ArrayRef<int64_t> s) {
    return RankedTensorType::get(s, b.getF32Type());
  }

  const nir::Array *param(const nir::Node &n, const std::string &p,
                          bool required = true) {
    auto it = n.params.find(p);
    if (it != n.params.end())
      return &it->second;
    if (required)
      error(n) << "missing parameter '" << p << "'";
    return nullptr;
  }
  /// The single value of parameter `p` (all elements equal), if any.
  std::optional<double> uniform(const nir::Node &n, const std::string &p,
                                std::optional<double> absent = std::nullopt) {
    const nir::Array *a = param(n, p, !absent.has_value());
    if (!a)
      return absent;
    if (a->data.empty()) {
      error(n) << "parameter '" << p << "' is empty";
      return std::nullopt;
    }
    for (double v : a->data)
      if (v != a->data[0] || !std::isfinite(v)) {
        error(n) << "parameter '" << p << "' must be one finite value for "
                 << "all neurons (SpikeStack's neurons share it), got "
                 << a->data[0] << " and " << v;
        return std::nullopt;
      }
    return a->data[0];
  }
  /// Integer vector parameter of `count` entries (a scalar is repeated).
  std::optional<SmallVector<int64_t>> ints(const nir::Node &n,
                                           const std::string &p,
                                           size_t count, int64_t absent) {
    const nir::Array *a = param(n, p, false);
    if (!a)
      return SmallVector<int64_t>(count, absent);
    SmallVector<int64_t> out;
    for (double v : a->data) {
      if (v != std::floor(v) || v < 0 || v > 4096) {
        error(n) << "parameter '" << p << "' must hold integers in [0, "
                 << "4096], got " << v;
        return std::nullopt;
      }
      out.push_back(int64_t(v));
    }
    if (out.size() == 1)
      out.assign(count, out[0]);
    if (out.size() != count) {
      error(n) << "parameter '" << p << "' must have " << count
               << " values, got " << a->data.size();
      return std::nullopt;
    }
    return out;
  }
  Value constant(ArrayRef<int64_t> s, const std::vector<double> &data) {
    std::vector<float> f(data.begin(), data.end());
    return arith::ConstantOp::create(
        b, fileLoc, f32(s), DenseElementsAttr::get(f32(s), ArrayRef<float>(f)));
  }

  /// A node type the importer maps and the member that emits it.
  struct Primitive {
    const char *type;
    LogicalResult (*emit)(NIRImporter &, const nir::Node &);
  };
  static ArrayRef<Primitive> primitives();
  LogicalResult emit(const nir::Node &n);
  LogicalResult emitAffine(const nir::Node &n, bool bias);
  LogicalResult emitConv(const nir::Node &n);
  FailureOr<Value> convBias(const nir::Node &n, int64_t cout);
  LogicalResult emitSumPool(const nir::Node &n);
  LogicalResult emitAvgPool(const nir::Node &n);
  LogicalResult emitConv1d(const nir::Node &n);
  LogicalResult emitScale(const nir::Node &n);
  Value reshapeTo(Location l, ArrayRef<int64_t> to);
  LogicalResult emitFlatten(const nir::Node &n);
  LogicalResult emitNeuron(const nir::Node &n, bool leaky);
  LogicalResult conv(const nir::Node &n, Value w, Value bias, int64_t cout,
                     int64_t kh, int64_t kw, ArrayRef<int64_t> stride,
                     ArrayRef<int64_t> pad, ArrayRef<int64_t> dilation,
                     int64_t groups);
  FailureOr<SmallVector<const nir::Node *>> chain();
};

/// The nodes from Input to Output, each with one successor.
FailureOr<SmallVector<const nir::Node *>> NIRImporter::chain() {
  std::map<std::string, std::vector<std::string>> succ;
  std::map<std::string, int> preds;
  for (const auto &[from, to] : g.edges) {
    for (const std::string &name : {from, to})
      if (!g.nodes.count(name))
        return emitError(fileLoc)
               << "NIR edge " << from << " -> " << to
               << " names a node the graph does not have ('" << name << "')";
    succ[from].push_back(to);
    ++preds[to];
  }
  const nir::Node *input = nullptr;
  for (const auto &[name, n] : g.nodes)
    if (n.type == "Input") {
      if (input)
        return emitError(fileLoc) << "the NIR graph has more than one Input "
                                     "node ('" << input->name << "', '"
                                  << name << "'); SpikeStack imports one";
      input = &n;
    }
  if (!input)
    return emitError(fileLoc) << "the NIR graph has no Input node";
  SmallVector<const nir::Node *> order{input};
  std::set<std::string> seen{input->name};
  while (order.back()->type != "Output") {
    const nir::Node &n = *order.back();
    const auto &next = succ[n.name];
    if (next.size() != 1)
      return error(n) << "has " << next.size() << " successors; SpikeStack "
                      << "imports a chain from Input to Output (no branches)";
    const nir::Node &m = g.nodes.at(next[0]);
    if (preds[m.name] != 1 || seen.count(m.name))
      return error(m) << "has " << preds[m.name] << " incoming edges (a "
                      << "merge or a recurrent edge); SpikeStack imports a "
                      << "chain from Input to Output";
    seen.insert(m.name);
    order.push_back(&m);
  }
  for (const auto &[name, n] : g.nodes)
    if (!seen.count(name))
      return error(n) << "is not on the path from Input to Output";
  return order;
}

OwningOpRef<ModuleOp> NIRImporter::run() {
  auto nodes = chain();
  if (failed(nodes))
    return nullptr;
  const nir::Node &in = *nodes->front();
  const nir::Array *s = param(in, "shape");
  if (!s)
    return nullptr;
  shape = {opt.timeSteps, 1};
  for (double d : s->data) {
    if (d != std::floor(d) || d < 1 || d > (1 << 20)) {
      error(in) << "shape entries must be integers in [1, 2^20], got " << d;
      return nullptr;
    }
    shape.push_back(int64_t(d));
  }
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  b.setInsertionPointToEnd(module->getBody());
  const Type inputType = f32(shape);
  auto func = func::FuncOp::create(b, fileLoc, "main",
                                   b.getFunctionType({inputType}, {}));
  func.setArgAttr(0, snn::kNameAttr, b.getStringAttr(in.name));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToEnd(body);
  cur = body->getArgument(0);
  for (const nir::Node *n : ArrayRef(*nodes).drop_front())
    if (n->type != "Output" && failed(emit(*n)))
      return nullptr;
  func::ReturnOp::create(b, fileLoc, cur);
  func.setFunctionType(b.getFunctionType({inputType}, {cur.getType()}));
  func.setResultAttr(0, snn::kNameAttr,
                     b.getStringAttr(nodes->back()->name));
  return module;
}

/// The node types the importer maps between Input and Output, in the
/// order its messages list them (docs/nir.md).
ArrayRef<NIRImporter::Primitive> NIRImporter::primitives() {
  static const Primitive table[] = {
      {"Affine", [](NIRImporter &i, const nir::Node &n) {
         return i.emitAffine(n, true);
       }},
      {"Linear", [](NIRImporter &i, const nir::Node &n) {
         return i.emitAffine(n, false);
       }},
      {"Conv1d", [](NIRImporter &i, const nir::Node &n) {
         return i.emitConv1d(n);
       }},
      {"Conv2d", [](NIRImporter &i, const nir::Node &n) {
         return i.emitConv(n);
       }},
      {"SumPool2d", [](NIRImporter &i, const nir::Node &n) {
         return i.emitSumPool(n);
       }},
      {"AvgPool2d", [](NIRImporter &i, const nir::Node &n) {
         return i.emitAvgPool(n);
       }},
      {"Flatten", [](NIRImporter &i, const nir::Node &n) {
         return i.emitFlatten(n);
       }},
      {"Scale", [](NIRImporter &i, const nir::Node &n) {
         return i.emitScale(n);
       }},
      {"LIF", [](NIRImporter &i, const nir::Node &n) {
         return i.emitNeuron(n, true);
       }},
      {"IF", [](NIRImporter &i, const nir::Node &n) {
         return i.emitNeuron(n, false);
       }},
  };
  return table;
}

LogicalResult NIRImporter::emit(const nir::Node &n) {
  if (!n.unreadable.empty())
    return error(n) << "parameter '" << n.unreadable.front()
                    << "' is a group or a string (a nested graph?); "
                    << "SpikeStack imports flat graphs of numeric parameters";
  ArrayRef<Primitive> all = primitives();
  for (const Primitive &p : all)
    if (n.type == p.type)
      return p.emit(*this, n);
  auto diag = error(n) << "unsupported node type (SpikeStack imports Input, "
                          "Output";
  for (size_t i = 0; i < all.size(); ++i)
    diag << (i + 1 == all.size() ? " and " : ", ") << all[i].type;
  return diag << "; docs/nir.md)";
}

LogicalResult NIRImporter::emitAffine(const nir::Node &n, bool withBias) {
  const nir::Array *w = param(n, "weight");
  if (!w)
    return failure();
  if (w->shape.size() != 2)
    return error(n) << "weight must be 2-D [out, in], got rank "
                    << w->shape.size();
  const int64_t N = w->shape[0], K = w->shape[1];
  if (shape.size() != 3 || shape[2] != K)
    return error(n) << "takes " << K << " inputs but receives shape [T, 1"
                    << [&] {
                         std::string s;
                         for (size_t i = 2; i < shape.size(); ++i)
                           s += ", " + std::to_string(shape[i]);
                         return s;
                       }()
                    << "] (flatten it first)";
  Value bias;
  if (withBias) {
    const nir::Array *bv = param(n, "bias");
    if (!bv)
      return failure();
    if (bv->numel() != N)
      return error(n) << "bias has " << bv->numel() << " values for " << N
                      << " outputs";
    bias = constant({N}, bv->data);
  }
  SmallVector<int64_t> out{shape[0], shape[1], N};
  cur = snn::LinearOp::create(b, loc(n), f32(out), cur,
                              constant({N, K}, w->data), bias);
  shape = out;
  return success();
}

LogicalResult NIRImporter::conv(const nir::Node &n, Value w, Value bias,
                                int64_t cout, int64_t kh, int64_t kw,
                                ArrayRef<int64_t> stride, ArrayRef<int64_t> pad,
                                ArrayRef<int64_t> dilation, int64_t groups) {
  if (shape.size() != 5)
    return error(n) << "needs a [C, H, W] input per step, got rank "
                    << shape.size() - 2;
  auto outDim = [&](int64_t in, int64_t k, int i) {
    return (in + 2 * pad[i] - dilation[i] * (k - 1) - 1) / stride[i] + 1;
  };
  const int64_t oh = outDim(shape[3], kh, 0), ow = outDim(shape[4], kw, 1);
  if (oh < 1 || ow < 1 || stride[0] < 1 || stride[1] < 1 ||
      dilation[0] < 1 || dilation[1] < 1)
    return error(n) << "gives an empty output from a " << shape[3] << "x"
                    << shape[4] << " input";
  SmallVector<int64_t> out{shape[0], shape[1], cout, oh, ow};
  cur = snn::Conv2dOp::create(
      b, loc(n), f32(out), cur, w, bias, b.getDenseI64ArrayAttr(stride),
      b.getDenseI64ArrayAttr({pad[0], pad[1], pad[0], pad[1]}),
      b.getDenseI64ArrayAttr(dilation), b.getI64IntegerAttr(groups));
  shape = out;
  return success();
}

/// The optional `bias` of a convolution with `cout` outputs (a null Value
/// without one).
FailureOr<Value> NIRImporter::convBias(const nir::Node &n, int64_t cout) {
  const nir::Array *bv = param(n, "bias", false);
  if (!bv)
    return Value();
  if (bv->numel() != cout)
    return error(n) << "bias has " << bv->numel() << " values for " << cout
                    << " channels";
  return constant({cout}, bv->data);
}

LogicalResult NIRImporter::emitConv(const nir::Node &n) {
  const nir::Array *w = param(n, "weight");
  if (!w)
    return failure();
  if (w->shape.size() != 4)
    return error(n) << "weight must be 4-D [out, in / groups, kh, kw]";
  auto stride = ints(n, "stride", 2, 1), pad = ints(n, "padding", 2, 0),
       dil = ints(n, "dilation", 2, 1), groups = ints(n, "groups", 1, 1);
  if (!stride || !pad || !dil || !groups)
    return failure();
  const int64_t cout = w->shape[0], g0 = (*groups)[0];
  if (shape.size() == 5 && (g0 < 1 || shape[2] != w->shape[1] * g0))
    return error(n) << "weight takes " << w->shape[1] << " x " << g0
                    << " channels, the input has " << shape[2];
  auto bias = convBias(n, cout);
  if (failed(bias))
    return failure();
  return conv(n, constant(w->shape, w->data), *bias, cout, w->shape[2],
              w->shape[3], *stride, *pad, *dil, g0);
}

/// SumPool2d: a depthwise convolution with unit weights (exact sums).
LogicalResult NIRImporter::emitSumPool(const nir::Node &n) {
  auto k = ints(n, "kernel_size", 2, 1), stride = ints(n, "stride", 2, 1),
       pad = ints(n, "padding", 2, 0);
  if (!k || !stride || !pad)
    return failure();
  if (shape.size() != 5)
    return error(n) << "needs a [C, H, W] input per step";
  const int64_t c = shape[2];
  std::vector<double> ones(size_t(c * (*k)[0] * (*k)[1]), 1.0);
  return conv(n, constant({c, 1, (*k)[0], (*k)[1]}, ones), Value(), c,
              (*k)[0], (*k)[1], *stride, *pad, {1, 1}, c);
}

/// AvgPool2d: snn.avg_pool2d, zero padding counted (the window's area
/// divides).
LogicalResult NIRImporter::emitAvgPool(const nir::Node &n) {
  auto k = ints(n, "kernel_size", 2, 1), stride = ints(n, "stride", 2, 1),
       pad = ints(n, "padding", 2, 0);
  if (!k || !stride || !pad)
    return failure();
  if (shape.size() != 5)
    return error(n) << "needs a [C, H, W] input per step";
  const int64_t oh = (shape[3] + 2 * (*pad)[0] - (*k)[0]) / (*stride)[0] + 1,
                ow = (shape[4] + 2 * (*pad)[1] - (*k)[1]) / (*stride)[1] + 1;
  if ((*k)[0] < 1 || (*k)[1] < 1 || (*stride)[0] < 1 || (*stride)[1] < 1 ||
      oh < 1 || ow < 1)
    return error(n) << "gives an empty output from a " << shape[3] << "x"
                    << shape[4] << " input";
  SmallVector<int64_t> out{shape[0], shape[1], shape[2], oh, ow};
  cur = snn::AvgPool2dOp::create(
      b, loc(n), f32(out), cur, b.getDenseI64ArrayAttr(*k),
      b.getDenseI64ArrayAttr(*stride),
      b.getDenseI64ArrayAttr({(*pad)[0], (*pad)[1], (*pad)[0], (*pad)[1]}),
      b.getBoolAttr(false), b.getBoolAttr(true));
  shape = out;
  return success();
}

Value NIRImporter::reshapeTo(Location l, ArrayRef<int64_t> to) {
  auto shapeType = RankedTensorType::get({int64_t(to.size())}, b.getI64Type());
  Value s = arith::ConstantOp::create(b, l, shapeType,
                                      DenseElementsAttr::get(shapeType, to));
  auto t = cast<RankedTensorType>(cur.getType());
  return tensor::ReshapeOp::create(
      b, l, RankedTensorType::get(to, t.getElementType()), cur, s);
}

/// Conv1d over [C, L]: a 2-D convolution over [C, 1, L].
LogicalResult NIRImporter::emitConv1d(const nir::Node &n) {
  const nir::Array *w = param(n, "weight");
  if (!w)
    return failure();
  if (w->shape.size() != 3)
    return error(n) << "weight must be 3-D [out, in / groups, k]";
  if (shape.size() != 4)
    return error(n) << "needs a [C, L] input per step, got rank "
                    << shape.size() - 2;
  auto stride = ints(n, "stride", 1, 1), pad = ints(n, "padding", 1, 0),
       dil = ints(n, "dilation", 1, 1), groups = ints(n, "groups", 1, 1);
  if (!stride || !pad || !dil || !groups)
    return failure();
  const int64_t cout = w->shape[0], g0 = (*groups)[0];
  if (g0 < 1 || shape[2] != w->shape[1] * g0)
    return error(n) << "weight takes " << w->shape[1] << " x " << g0
                    << " channels, the input has " << shape[2];
  auto bias = convBias(n, cout);
  if (failed(bias))
    return failure();
  cur = reshapeTo(loc(n), {shape[0], shape[1], shape[2], 1, shape[3]});
  shape = {shape[0], shape[1], shape[2], 1, shape[3]};
  Value w2 = constant({cout, w->shape[1], 1, w->shape[2]}, w->data);
  if (failed(conv(n, w2, *bias, cout, 1, w->shape[2], {1, (*stride)[0]},
                  {0, (*pad)[0]}, {1, (*dil)[0]}, g0)))
    return failure();
  cur = reshapeTo(loc(n), {shape[0], shape[1], shape[2], shape[4]});
  shape = {shape[0], shape[1], shape[2], shape[4]};
  return success();
}

/// Scale (one factor for every element): snn.scale.
LogicalResult NIRImporter::emitScale(const nir::Node &n) {
  auto factor = uniform(n, "scale");
  if (!factor)
    return failure();
  if (cast<RankedTensorType>(cur.getType()).getElementType() !=
      b.getF32Type())
    cur = snn::CastOp::create(b, loc(n), f32(shape), cur);
  cur = snn::ScaleOp::create(b, loc(n), f32(shape), cur,
                             b.getF64FloatAttr(*factor));
  return success();
}

LogicalResult NIRImporter::emitFlatten(const nir::Node &n) {
  const int64_t rank = int64_t(shape.size()) - 2; // per-sample dimensions
  auto at = [&](const std::string &p, int64_t absent) -> std::optional<int64_t> {
    const nir::Array *a = param(n, p, false);
    if (!a)
      return absent;
    if (a->numel() != 1 || a->data[0] != std::floor(a->data[0]))
      return std::nullopt;
    int64_t v = int64_t(a->data[0]);
    return v < 0 ? v + rank : v;
  };
  auto start = at("start_dim", 0), end = at("end_dim", -1);
  if (!start || !end || *start < 0 || *end >= rank || *start > *end)
    return error(n) << "start_dim and end_dim must select dimensions of the "
                    << rank << "-D input";
  int64_t prod = 1;
  for (int64_t i = *start; i <= *end; ++i)
    prod *= shape[size_t(2 + i)];
  // [T, 1], the dimensions before start_dim, their product, the rest.
  SmallVector<int64_t> ordered{shape[0], shape[1]};
  for (int64_t i = 0; i < *start; ++i)
    ordered.push_back(shape[size_t(2 + i)]);
  ordered.push_back(prod);
  for (int64_t i = *end + 1; i < rank; ++i)
    ordered.push_back(shape[size_t(2 + i)]);
  cur = reshapeTo(loc(n), ordered);
  shape = ordered;
  return success();
}

LogicalResult NIRImporter::emitNeuron(const nir::Node &n, bool leaky) {
  auto r = uniform(n, "r", 1.0), th = uniform(n, "v_threshold");
  auto vReset = uniform(n, "v_reset", 0.0);
  if (!r || !th || !vReset)
    return failure();
  snn::NeuronParams p;
  p.vThreshold = *th;
  p.vReset = *vReset;
  p.compare = snn::CompareMode::GT;
  p.reset = snn::ResetMode::Hard;
  double factor = *r;
  if (leaky) {
    auto tau = uniform(n, "tau"), leak = uniform(n, "v_leak", 0.0);
    if (!tau || !leak)
      return failure();
    if (!(*tau > 0))
      return error(n) << "tau must be positive, got " << *tau;
    if (*leak != *vReset)
      return error(n) << "v_leak (" << *leak << ") differs from the reset "
                      << "potential (" << *vReset << "); SpikeStack's LIF "
                      << "decays towards its reset potential";
    const double keep = std::exp(-opt.dt / *tau);
    if (!(keep < 1))
      return error(n) << "dt = " << opt.dt << " is too small for tau = "
                      << *tau << " (the membrane would not decay in f64)";
    p.tau = 1.0 / (1.0 - keep);
    p.decayInput = true;
  } else {
    factor *= opt.dt;
  }
  Value x = cur;
  if (factor != 1.0) {
    if (cast<RankedTensorType>(x.getType()).getElementType() != b.getF32Type())
      x = snn::CastOp::create(b, loc(n), f32(shape), x);
    x = snn::ScaleOp::create(b, loc(n), f32(shape), x,
                             b.getF64FloatAttr(factor));
  }
  auto spikes = RankedTensorType::get(shape, snn::SpikeType::get(ctx));
  auto neuron = snn::createNeuron(b, loc(n), spikes, x, leaky, p);
  neuron->setAttr(snn::kOnnxNameAttr, b.getStringAttr(n.name));
  cur = neuron->getResult(0);
  return success();
}

} // namespace

static llvm::cl::opt<double> nirDtOption(
    "nir-dt",
    llvm::cl::desc("A NIR graph: the time step, in the unit of its tau "
                   "(seconds for most frameworks; default 1; docs/nir.md)"),
    llvm::cl::init(1.0));
static llvm::cl::opt<int64_t> nirTimeStepsOption(
    "nir-time-steps",
    llvm::cl::desc("A NIR graph: time steps T of the imported function's "
                   "input [T, 1, ...] (default 1)"),
    llvm::cl::init(1));

NIRImportOptions spikestack::nirImportOptionsFromCommandLine() {
  NIRImportOptions options;
  options.dt = nirDtOption;
  options.timeSteps = nirTimeStepsOption;
  return options;
}

OwningOpRef<ModuleOp> spikestack::importNIR(const std::string &path,
                                            MLIRContext *context,
                                            const NIRImportOptions &options) {
  context->loadDialect<snn::SNNDialect, func::FuncDialect, arith::ArithDialect,
                       tensor::TensorDialect>();
  Location fileLoc = FileLineColLoc::get(context, path, 0, 0);
  if (!(options.dt > 0) || !std::isfinite(options.dt)) {
    emitError(fileLoc) << "--nir-dt must be a positive time step, got "
                       << options.dt;
    return nullptr;
  }
  if (options.timeSteps < 1 || options.timeSteps > (1 << 20)) {
    emitError(fileLoc) << "--nir-time-steps must be in [1, 2^20], got "
                       << options.timeSteps;
    return nullptr;
  }
  auto graph = nir::readNIRFile(path);
  if (!graph.ok()) {
    emitError(fileLoc) << std::string(graph.status().message());
    return nullptr;
  }
  return NIRImporter(context, path, *graph, options).run();
}
