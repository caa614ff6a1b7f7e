//===- ConstantFolding.cpp - the ONNX constant evaluator and folding -------===//
//
// Evaluates ONNX nodes on constant inputs, one small function per op kind
// found through a table from op_type (as onnx-mlir's OpBuildTable and the
// `@_op` registry of python/spikestack/onnx_eval.py), and folds the
// exporter's shape plumbing with it.
//
//===----------------------------------------------------------------------===//
#include "ConstantFolding.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>

namespace spikestack::onnx_import {

using absl::InvalidArgumentError;
using absl::Status;
using absl::StatusOr;
using onnx::TensorProto;
using ref::Tensor;

namespace {

using Inputs = std::vector<std::shared_ptr<const Constant>>;
using Folded = std::vector<std::shared_ptr<Constant>>;
/// An evaluation: the outputs, nullopt for a node that is not folded (it
/// stays in the graph), or an error for an invalid one.
using Result = StatusOr<std::optional<Folded>>;

//===----------------------------------------------------------------------===//
// Index arithmetic
//===----------------------------------------------------------------------===//

/// Numpy broadcasting of two shapes.
std::optional<std::vector<int64_t>> broadcastShape(std::vector<int64_t> a,
                                                   std::vector<int64_t> b) {
  if (a.size() < b.size())
    std::swap(a, b);
  b.insert(b.begin(), a.size() - b.size(), 1);
  std::vector<int64_t> out(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && a[i] != 1 && b[i] != 1)
      return std::nullopt;
    out[i] = a[i] == 1 ? b[i] : a[i];
  }
  return out;
}

/// Value of `t` at the multi-index of `out` broadcast from `t.shape`.
double broadcastAt(const Tensor &t, const std::vector<int64_t> &outShape,
                   int64_t flat) {
  const size_t r = outShape.size(), tr = t.shape.size();
  int64_t index = 0, stride = 1;
  for (size_t k = 0; k < r; ++k) {
    const size_t d = r - 1 - k;
    const int64_t coord = flat % outShape[d];
    flat /= outShape[d];
    if (k < tr) {
      const int64_t td = t.shape[tr - 1 - k];
      index += (td == 1 ? 0 : coord) * stride;
      stride *= td;
    }
  }
  return t.data[index];
}

double roundTo(int32_t elemType, double v) {
  switch (elemType) {
  case TensorProto::FLOAT:
    return static_cast<float>(v);
  case TensorProto::DOUBLE:
    return v;
  case TensorProto::BOOL:
    return v != 0.0;
  default:
    return std::trunc(v);
  }
}

int64_t normAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

/// `axis` normalized against `r`, nullopt when out of range.
std::optional<int64_t> axisOf(int64_t axis, int64_t r) {
  axis = normAxis(axis, r);
  if (axis < 0 || axis >= r)
    return std::nullopt;
  return axis;
}

/// The products of the dimensions before and after `axis`.
std::pair<int64_t, int64_t> splitAt(const std::vector<int64_t> &shape,
                                    int64_t axis) {
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (int64_t d = axis + 1; d < int64_t(shape.size()); ++d)
    inner *= shape[d];
  return {outer, inner};
}

//===----------------------------------------------------------------------===//
// The evaluator: one member function per op kind
//===----------------------------------------------------------------------===//

enum class Reduction { Sum, Max, Mean };

/// One node with all its inputs constant (and decoded). The op functions
/// may assume the inputs the op table requires are present.
class Evaluator {
public:
  Evaluator(const onnx::NodeProto &node, const Inputs &in)
      : node(node), in(in), op(node.op_type()) {}

  Result identity() const;
  Result cast() const;
  Result arith(double (*f)(double, double)) const;
  Result compare(bool (*f)(double, double)) const;
  Result div() const;
  Result where() const;
  Result unary(double (*f)(double)) const;
  Result shape() const;
  Result size() const;
  Result constantOfShape() const;
  Result unsqueeze() const;
  Result squeeze() const;
  Result reshape() const;
  Result concat() const;
  Result gather() const;
  Result slice() const;
  Result expand() const;
  Result tile() const;
  Result transpose() const;
  Result range() const;
  // Ops of MoE routing (Softmax, TopK, OneHot, CumSum, Pad, reductions,
  // scatters): folded on constants, and evaluated on test logits when the
  // importer verifies a router (RaiseMoE.cpp, matchMoE).
  Result softmax() const;
  Result topK() const;
  Result oneHot() const;
  Result cumSum() const;
  Result pad() const;
  Result reduce(Reduction kind) const;
  Result scatter(bool nd) const;

private:
  const Tensor &vals(size_t i) const { return *in[i]->values; }
  Status bad(const std::string &why) const {
    return InvalidArgumentError(absl::StrCat(op, ": ", why));
  }
  static Result one(std::shared_ptr<Constant> c) {
    return std::optional<Folded>(Folded{std::move(c)});
  }
  static Result notFolded() { return std::optional<Folded>(); }
  /// Input 0 with the shape `shape` (same element count).
  Result reshaped(std::vector<int64_t> shape) const {
    Tensor t = vals(0);
    t.shape = std::move(shape);
    return one(makeConstant(in[0]->elemType, std::move(t)));
  }
  /// The values of input `i` as integers (empty when the input is absent).
  std::vector<int64_t> ints(size_t i) const {
    std::vector<int64_t> out;
    if (in.size() > i && in[i])
      for (double v : vals(i).data)
        out.push_back(int64_t(v));
    return out;
  }
  /// Broadcasts the inputs and applies `f(a, b, flat, shape)` elementwise,
  /// rounding to `type`; `f` returns nullopt on integer division by zero.
  template <typename F> Result elementwise(int32_t type, F f) const;

  const onnx::NodeProto &node;
  const Inputs &in;
  const std::string &op;
};

Result Evaluator::identity() const {
  return one(std::make_shared<Constant>(*in[0]));
}

Result Evaluator::cast() const {
  const int32_t to = int32_t(attrInt(node, "to", TensorProto::FLOAT));
  if (!elementSize(to))
    return notFolded();
  Tensor t = vals(0);
  for (double &v : t.data)
    v = roundTo(to, v);
  return one(makeConstant(to, std::move(t)));
}

template <typename F>
Result Evaluator::elementwise(int32_t type, F f) const {
  std::vector<int64_t> shape = in[0]->shape;
  for (size_t i = 1; i < in.size(); ++i) {
    auto s = broadcastShape(shape, in[i]->shape);
    if (!s)
      return bad("operands do not broadcast");
    shape = *s;
  }
  Tensor out(shape);
  for (int64_t i = 0; i < out.numel(); ++i) {
    const double a = broadcastAt(vals(0), shape, i);
    const double b = broadcastAt(vals(1), shape, i);
    const std::optional<double> r = f(a, b, i, shape);
    if (!r)
      return bad("integer division by zero");
    out.data[i] = roundTo(type, *r);
  }
  return one(makeConstant(type, std::move(out)));
}

Result Evaluator::arith(double (*f)(double, double)) const {
  return elementwise(in[0]->elemType,
                     [f](double a, double b, int64_t,
                         const std::vector<int64_t> &) {
                       return std::optional<double>(f(a, b));
                     });
}

Result Evaluator::compare(bool (*f)(double, double)) const {
  return elementwise(TensorProto::BOOL,
                     [f](double a, double b, int64_t,
                         const std::vector<int64_t> &) {
                       return std::optional<double>(f(a, b));
                     });
}

Result Evaluator::div() const {
  const bool integer = in[0]->elemType != TensorProto::FLOAT &&
                       in[0]->elemType != TensorProto::DOUBLE;
  return elementwise(
      in[0]->elemType,
      [integer](double a, double b, int64_t,
                const std::vector<int64_t> &) -> std::optional<double> {
        if (!integer)
          return a / b;
        if (b == 0.0)
          return std::nullopt;
        return std::trunc(a / b);
      });
}

Result Evaluator::where() const {
  return elementwise(in[1]->elemType,
                     [this](double a, double b, int64_t i,
                            const std::vector<int64_t> &shape) {
                       return std::optional<double>(
                           a != 0.0 ? b : broadcastAt(vals(2), shape, i));
                     });
}

Result Evaluator::unary(double (*f)(double)) const {
  Tensor t = vals(0);
  for (double &v : t.data)
    v = f(v);
  return one(makeConstant(in[0]->elemType, std::move(t)));
}

Result Evaluator::shape() const {
  const int64_t r = int64_t(in[0]->shape.size());
  int64_t start = normAxis(attrInt(node, "start", 0), r);
  int64_t end = normAxis(attrInt(node, "end", r), r);
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, start, r);
  std::vector<double> dims(in[0]->shape.begin() + start,
                           in[0]->shape.begin() + end);
  return one(makeConstant(TensorProto::INT64,
                          Tensor({end - start}, std::move(dims))));
}

Result Evaluator::size() const {
  return one(makeConstant(TensorProto::INT64,
                          Tensor({}, {double(ref::numElements(in[0]->shape))})));
}

Result Evaluator::constantOfShape() const {
  std::vector<int64_t> shape = ints(0);
  const int64_t count = safeNumElements(shape);
  if (count < 0)
    return bad("invalid shape");
  if (count > kMaxFoldElements)
    return notFolded();
  int32_t type = TensorProto::FLOAT;
  double fill = 0.0;
  if (const auto *a = findAttr(node, "value")) {
    auto c = loadTensor(a->t(), "");
    if (!c.ok())
      return c.status();
    if (!(*c)->values || (*c)->values->numel() != 1)
      return bad("value must hold one element");
    type = (*c)->elemType;
    fill = (*c)->values->data[0];
  }
  return one(makeConstant(type, Tensor(shape, fill)));
}

Result Evaluator::unsqueeze() const {
  std::vector<int64_t> shape = in[0]->shape;
  std::vector<int64_t> axes = ints(1);
  const int64_t outRank = int64_t(shape.size() + axes.size());
  for (int64_t &a : axes)
    a = normAxis(a, outRank);
  std::sort(axes.begin(), axes.end());
  for (int64_t a : axes) {
    if (a < 0 || a > int64_t(shape.size()))
      return bad("axis out of range");
    shape.insert(shape.begin() + a, 1);
  }
  return reshaped(std::move(shape));
}

Result Evaluator::squeeze() const {
  const std::vector<int64_t> &shape = in[0]->shape;
  std::vector<int64_t> axes = ints(1);
  std::vector<int64_t> out;
  const int64_t r = int64_t(shape.size());
  for (int64_t &a : axes)
    a = normAxis(a, r);
  for (int64_t d = 0; d < r; ++d) {
    const bool listed = std::find(axes.begin(), axes.end(), d) != axes.end();
    if ((axes.empty() && shape[d] == 1) || listed) {
      if (shape[d] != 1)
        return bad("cannot squeeze a dimension that is not 1");
      continue;
    }
    out.push_back(shape[d]);
  }
  return reshaped(std::move(out));
}

Result Evaluator::reshape() const {
  const bool allowZero = attrInt(node, "allowzero", 0) != 0;
  std::vector<int64_t> shape;
  int64_t inferred = -1, known = 1;
  for (size_t i = 0; i < vals(1).data.size(); ++i) {
    int64_t d = int64_t(vals(1).data[i]);
    if (d == 0 && !allowZero) {
      if (i >= in[0]->shape.size())
        return bad("0 refers to a missing input dimension");
      d = in[0]->shape[i];
    }
    if (d == -1) {
      if (inferred >= 0)
        return bad("more than one -1 in the shape");
      inferred = int64_t(i);
    } else if (d < 0) {
      return bad("negative dimension in the shape");
    } else {
      if (d && known > (int64_t(1) << 62) / d)
        return bad("shape overflows");
      known *= d;
    }
    shape.push_back(d);
  }
  const int64_t n = ref::numElements(in[0]->shape);
  if (inferred >= 0) {
    if (known <= 0 || n % known)
      return bad("cannot infer the -1 dimension");
    shape[inferred] = n / known;
  }
  if (safeNumElements(shape) != n)
    return bad("element count changes");
  return reshaped(std::move(shape));
}

Result Evaluator::concat() const {
  for (const auto &c : in)
    if (!c)
      return bad("an input is missing");
  const int64_t r = int64_t(in[0]->shape.size());
  const int64_t axis = normAxis(attrInt(node, "axis", 0), r);
  if (axis < 0 || axis >= r)
    return bad("axis out of range");
  std::vector<int64_t> shape = in[0]->shape;
  shape[axis] = 0;
  for (const auto &c : in) {
    if (int64_t(c->shape.size()) != r)
      return bad("inputs differ in rank");
    shape[axis] += c->shape[axis];
  }
  Tensor out(shape);
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  const int64_t rowOut = outer ? out.numel() / outer : 0;
  int64_t offset = 0;
  for (const auto &c : in) {
    const int64_t row = outer ? c->values->numel() / outer : 0;
    for (int64_t o = 0; o < outer; ++o)
      std::copy_n(c->values->data.begin() + o * row, row,
                  out.data.begin() + o * rowOut + offset);
    offset += row;
  }
  return one(makeConstant(in[0]->elemType, std::move(out)));
}

Result Evaluator::gather() const {
  if (vals(0).numel() == 0)
    return bad("empty operand");
  const Tensor &data = vals(0), &idx = vals(1);
  const int64_t r = data.rank();
  const int64_t axis = normAxis(attrInt(node, "axis", 0), r);
  if (axis < 0 || axis >= r)
    return bad("axis out of range");
  std::vector<int64_t> shape(data.shape.begin(), data.shape.begin() + axis);
  shape.insert(shape.end(), idx.shape.begin(), idx.shape.end());
  shape.insert(shape.end(), data.shape.begin() + axis + 1, data.shape.end());
  auto [outer, inner] = splitAt(data.shape, axis);
  const int64_t dim = data.shape[axis];
  Tensor out(shape);
  int64_t o = 0;
  for (int64_t a = 0; a < outer; ++a)
    for (double iv : idx.data) {
      int64_t i = int64_t(iv);
      if (i < 0)
        i += dim;
      if (i < 0 || i >= dim)
        return bad(absl::StrCat("index ", int64_t(iv), " out of range for ",
                                dim));
      std::copy_n(data.data.begin() + (a * dim + i) * inner, inner,
                  out.data.begin() + o);
      o += inner;
    }
  return one(makeConstant(in[0]->elemType, std::move(out)));
}

Result Evaluator::slice() const {
  const Tensor &data = vals(0);
  const int64_t r = data.rank();
  std::vector<int64_t> starts = ints(1), ends = ints(2), axes, steps;
  if (in.size() > 3 && in[3])
    for (double v : vals(3).data)
      axes.push_back(normAxis(int64_t(v), r));
  else
    for (int64_t i = 0; i < int64_t(starts.size()); ++i)
      axes.push_back(i);
  if (in.size() > 4 && in[4])
    steps = ints(4);
  else
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return bad("starts, ends, axes and steps differ in length");
  std::vector<int64_t> begin(r, 0), step(r, 1), count(data.shape);
  for (size_t k = 0; k < starts.size(); ++k) {
    const int64_t a = axes[k], s = steps[k];
    if (a < 0 || a >= r || s == 0)
      return bad("bad axis or zero step");
    const int64_t dim = data.shape[a];
    auto clampIndex = [&](int64_t v) {
      if (v < 0)
        v += dim;
      return s > 0 ? std::clamp<int64_t>(v, 0, dim)
                   : std::clamp<int64_t>(v, -1, dim - 1);
    };
    const int64_t b = clampIndex(starts[k]);
    const int64_t e = clampIndex(ends[k]);
    begin[a] = b;
    step[a] = s;
    count[a] = s > 0 ? std::max<int64_t>(0, (e - b + s - 1) / s)
                     : std::max<int64_t>(0, (b - e - s - 1) / -s);
  }
  Tensor out(count);
  ref::forEachStrided(count, begin, step, ref::rowMajorStrides(data.shape),
                      [&](int64_t i, int64_t flat) {
                        out.data[i] = data.data[flat];
                      });
  return one(makeConstant(in[0]->elemType, std::move(out)));
}

Result Evaluator::expand() const {
  const Tensor &data = vals(0);
  auto shape = broadcastShape(data.shape, ints(1));
  if (!shape)
    return bad("shape does not broadcast");
  const int64_t count = safeNumElements(*shape);
  if (count < 0)
    return bad("invalid shape");
  if (count > kMaxFoldElements)
    return notFolded();
  Tensor out(*shape);
  for (int64_t i = 0; i < out.numel(); ++i)
    out.data[i] = broadcastAt(data, *shape, i);
  return one(makeConstant(in[0]->elemType, std::move(out)));
}

Result Evaluator::tile() const {
  const Tensor &data = vals(0);
  const std::vector<int64_t> repeats = ints(1);
  if (repeats.size() != data.shape.size())
    return bad("repeats must have one value per dimension");
  std::vector<int64_t> shape;
  for (size_t d = 0; d < repeats.size(); ++d) {
    if (repeats[d] < 0 ||
        (repeats[d] && data.shape[d] > (int64_t(1) << 40) / repeats[d]))
      return bad("invalid repeat");
    shape.push_back(data.shape[d] * repeats[d]);
  }
  const int64_t count = safeNumElements(shape);
  if (count < 0)
    return bad("invalid shape");
  if (count > kMaxFoldElements)
    return notFolded();
  Tensor out(shape);
  const auto outStrides = ref::rowMajorStrides(shape);
  const auto inStrides = ref::rowMajorStrides(data.shape);
  for (int64_t i = 0; i < out.numel(); ++i) {
    int64_t rem = i, flat = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
      const int64_t c = rem / outStrides[d];
      rem %= outStrides[d];
      flat += (c % data.shape[d]) * inStrides[d];
    }
    out.data[i] = data.data[flat];
  }
  return one(makeConstant(in[0]->elemType, std::move(out)));
}

Result Evaluator::transpose() const {
  const Tensor &data = vals(0);
  const int64_t r = data.rank();
  std::vector<int64_t> perm;
  if (const auto *a = findAttr(node, "perm"))
    perm.assign(a->ints().begin(), a->ints().end());
  else
    for (int64_t d = r - 1; d >= 0; --d)
      perm.push_back(d);
  if (int64_t(perm.size()) != r)
    return bad("perm must list every dimension");
  std::vector<int64_t> shape(r);
  for (int64_t d = 0; d < r; ++d) {
    if (perm[d] < 0 || perm[d] >= r)
      return bad("perm out of range");
    shape[d] = data.shape[perm[d]];
  }
  Tensor out(shape);
  const auto inStrides = ref::rowMajorStrides(data.shape);
  std::vector<int64_t> permuted;
  for (int64_t p : perm)
    permuted.push_back(inStrides[p]);
  ref::forEachStrided(shape, std::vector<int64_t>(r, 0),
                      std::vector<int64_t>(r, 1), permuted,
                      [&](int64_t i, int64_t flat) {
                        out.data[i] = data.data[flat];
                      });
  return one(makeConstant(in[0]->elemType, std::move(out)));
}

Result Evaluator::range() const {
  if (vals(0).numel() == 0 || vals(1).numel() == 0 || vals(2).numel() == 0)
    return bad("empty operand");
  const double start = vals(0).data[0], limit = vals(1).data[0],
               delta = vals(2).data[0];
  if (delta == 0.0)
    return bad("delta is zero");
  const int64_t n =
      std::max<int64_t>(0, int64_t(std::ceil((limit - start) / delta)));
  if (n > kMaxFoldElements)
    return notFolded();
  Tensor out({n});
  for (int64_t i = 0; i < n; ++i)
    out.data[i] = roundTo(in[0]->elemType, start + double(i) * delta);
  return one(makeConstant(in[0]->elemType, std::move(out)));
}

Result Evaluator::softmax() const {
  // PyTorch's CPU kernel: exp(x - max) in f32, times 1 / (sequential sum).
  const Tensor &x = vals(0);
  if (in[0]->elemType != TensorProto::FLOAT)
    return notFolded();
  auto axis = axisOf(attrInt(node, "axis", -1), x.rank());
  if (!axis)
    return bad("axis out of range");
  auto [outer, inner] = splitAt(x.shape, *axis);
  const int64_t dim = x.shape[*axis];
  Tensor out(x.shape);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t k) { return (o * dim + k) * inner + i; };
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t k = 0; k < dim; ++k)
        mx = std::max(mx, float(x.data[at(k)]));
      float sum = 0.0f;
      for (int64_t k = 0; k < dim; ++k) {
        const float e = std::exp(float(x.data[at(k)]) - mx);
        out.data[at(k)] = e;
        sum += e;
      }
      const float inv = 1.0f / sum;
      for (int64_t k = 0; k < dim; ++k)
        out.data[at(k)] = float(out.data[at(k)]) * inv;
    }
  return one(makeConstant(in[0]->elemType, std::move(out)));
}

Result Evaluator::topK() const {
  // Sorted, ties to the lower index (the ONNX definition).
  const Tensor &x = vals(0);
  if (vals(1).numel() != 1)
    return bad("K must hold one value");
  auto axis = axisOf(attrInt(node, "axis", -1), x.rank());
  if (!axis)
    return bad("axis out of range");
  const int64_t dim = x.shape[*axis], k = int64_t(vals(1).data[0]);
  if (k < 0 || k > dim)
    return bad(absl::StrCat("K = ", k, " is out of range for ", dim));
  const bool largest = attrInt(node, "largest", 1) != 0;
  auto [outer, inner] = splitAt(x.shape, *axis);
  std::vector<int64_t> shape = x.shape;
  shape[*axis] = k;
  Tensor values(shape), indices(shape);
  std::vector<int64_t> order(dim);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t j) { return x.data[(o * dim + j) * inner + i]; };
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        return largest ? at(a) > at(b) : at(a) < at(b);
      });
      for (int64_t j = 0; j < k; ++j) {
        values.data[(o * k + j) * inner + i] = at(order[j]);
        indices.data[(o * k + j) * inner + i] = double(order[j]);
      }
    }
  return std::optional<Folded>(
      Folded{makeConstant(in[0]->elemType, std::move(values)),
             makeConstant(TensorProto::INT64, std::move(indices))});
}

Result Evaluator::oneHot() const {
  const Tensor &idx = vals(0);
  if (vals(1).numel() != 1 || vals(2).numel() != 2)
    return bad("depth must hold one value and values two");
  const int64_t depth = int64_t(vals(1).data[0]);
  if (depth < 1 || depth > kMaxFoldElements)
    return bad(absl::StrCat("depth ", depth, " is out of range"));
  const int64_t r = idx.rank() + 1;
  auto axis = axisOf(attrInt(node, "axis", -1), r);
  if (!axis)
    return bad("axis out of range");
  std::vector<int64_t> shape = idx.shape;
  shape.insert(shape.begin() + *axis, depth);
  if (safeNumElements(shape) < 0 || safeNumElements(shape) > kMaxFoldElements)
    return notFolded();
  auto [outer, inner] = splitAt(shape, *axis);
  Tensor out(shape, vals(2).data[0]);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t v = int64_t(idx.data[o * inner + i]);
      if (v < 0)
        v += depth;
      if (v >= 0 && v < depth)
        out.data[(o * depth + v) * inner + i] = vals(2).data[1];
    }
  return one(makeConstant(in[2]->elemType, std::move(out)));
}

Result Evaluator::cumSum() const {
  const Tensor &x = vals(0);
  if (vals(1).numel() != 1)
    return bad("axis must hold one value");
  auto axis = axisOf(int64_t(vals(1).data[0]), x.rank());
  if (!axis)
    return bad("axis out of range");
  const bool exclusive = attrInt(node, "exclusive", 0) != 0;
  const bool reverse = attrInt(node, "reverse", 0) != 0;
  auto [outer, inner] = splitAt(x.shape, *axis);
  const int64_t dim = x.shape[*axis];
  Tensor out(x.shape);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double sum = 0.0;
      for (int64_t s = 0; s < dim; ++s) {
        const int64_t j = reverse ? dim - 1 - s : s;
        const int64_t at = (o * dim + j) * inner + i;
        if (exclusive)
          out.data[at] = sum;
        sum = roundTo(in[0]->elemType, sum + x.data[at]);
        if (!exclusive)
          out.data[at] = sum;
      }
    }
  return one(makeConstant(in[0]->elemType, std::move(out)));
}

Result Evaluator::pad() const {
  if (!attrString(node, "mode").empty() && attrString(node, "mode") != "constant")
    return notFolded();
  const Tensor &x = vals(0);
  const int64_t r = x.rank();
  if (vals(1).numel() != 2 * r)
    return bad(absl::StrCat("pads must hold ", 2 * r, " values"));
  const double fill = in.size() > 2 && in[2] && vals(2).numel() == 1
                          ? vals(2).data[0]
                          : 0.0;
  std::vector<int64_t> shape(r), before(r);
  for (int64_t d = 0; d < r; ++d) {
    before[d] = int64_t(vals(1).data[d]);
    shape[d] = x.shape[d] + before[d] + int64_t(vals(1).data[d + r]);
    if (shape[d] < 0)
      return bad("pads remove more than the dimension");
  }
  const int64_t count = safeNumElements(shape);
  if (count < 0 || count > kMaxFoldElements)
    return notFolded();
  Tensor out(shape, fill);
  const auto outStrides = ref::rowMajorStrides(shape);
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t rem = i, flat = 0;
    bool inside = true;
    for (int64_t d = r - 1; d >= 0; --d) {
      const int64_t c = rem % x.shape[d] + before[d];
      rem /= x.shape[d];
      inside = inside && c >= 0 && c < shape[d];
      flat += c * outStrides[d];
    }
    if (inside)
      out.data[flat] = x.data[i];
  }
  return one(makeConstant(in[0]->elemType, std::move(out)));
}

Result Evaluator::reduce(Reduction kind) const {
  const Tensor &x = vals(0);
  const int64_t r = x.rank();
  std::vector<int64_t> axes;
  if (kind == Reduction::Sum) {
    axes = ints(1);
    if (axes.empty() && attrInt(node, "noop_with_empty_axes", 0))
      return one(std::make_shared<Constant>(*in[0]));
  } else {
    axes = attrInts(node, "axes").value_or(std::vector<int64_t>{});
  }
  std::vector<bool> reduced(r, axes.empty());
  for (int64_t a : axes) {
    auto axis = axisOf(a, r);
    if (!axis)
      return bad("axis out of range");
    reduced[*axis] = true;
  }
  const bool keep = attrInt(node, "keepdims", 1) != 0;
  std::vector<int64_t> kept(r), shape;
  for (int64_t d = 0; d < r; ++d) {
    kept[d] = reduced[d] ? 1 : x.shape[d];
    if (!reduced[d] || keep)
      shape.push_back(kept[d]);
  }
  const int64_t count = ref::numElements(kept);
  if (x.numel() == 0 && kind == Reduction::Max)
    return bad("empty reduction");
  Tensor out(shape, kind == Reduction::Max
                        ? -std::numeric_limits<double>::infinity()
                        : 0.0);
  const auto keptStrides = ref::rowMajorStrides(kept);
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t rem = i, flat = 0;
    for (int64_t d = r - 1; d >= 0; --d) {
      const int64_t c = rem % x.shape[d];
      rem /= x.shape[d];
      flat += (reduced[d] ? 0 : c) * keptStrides[d];
    }
    double &acc = out.data[flat];
    acc = kind == Reduction::Max ? std::max(acc, x.data[i])
                                 : roundTo(in[0]->elemType, acc + x.data[i]);
  }
  if (kind == Reduction::Mean && count) {
    const double n = double(x.numel() / count);
    for (double &v : out.data)
      v = roundTo(in[0]->elemType, v / roundTo(in[0]->elemType, n));
  }
  return one(makeConstant(in[0]->elemType, std::move(out)));
}

/// ScatterND (`nd`) and ScatterElements.
Result Evaluator::scatter(bool nd) const {
  const std::string reduction = attrString(node, "reduction");
  if (!reduction.empty() && reduction != "none" && reduction != "add" &&
      reduction != "mul")
    return notFolded();
  Tensor out = vals(0);
  const Tensor &idx = vals(1), &upd = vals(2);
  const int64_t r = out.rank();
  auto apply = [&](int64_t flat, double u) {
    double &v = out.data[flat];
    v = reduction == "add"   ? roundTo(in[0]->elemType, v + u)
        : reduction == "mul" ? roundTo(in[0]->elemType, v * u)
                             : u;
  };
  const auto strides = ref::rowMajorStrides(out.shape);
  if (nd) {
    const int64_t q = idx.rank();
    if (q < 1)
      return bad("indices must have rank >= 1");
    const int64_t k = idx.shape[q - 1];
    if (k > r)
      return bad("index tuples are longer than the data rank");
    int64_t slice = 1;
    for (int64_t d = k; d < r; ++d)
      slice *= out.shape[d];
    const int64_t tuples = k ? idx.numel() / k : 0;
    if (upd.numel() != tuples * slice)
      return bad("updates do not match the indices");
    for (int64_t t = 0; t < tuples; ++t) {
      int64_t base = 0;
      for (int64_t d = 0; d < k; ++d) {
        int64_t c = int64_t(idx.data[t * k + d]);
        if (c < 0)
          c += out.shape[d];
        if (c < 0 || c >= out.shape[d])
          return bad("index out of range");
        base += c * strides[d];
      }
      for (int64_t s = 0; s < slice; ++s)
        apply(base + s, upd.data[t * slice + s]);
    }
  } else {
    auto axis = axisOf(attrInt(node, "axis", 0), r);
    if (!axis)
      return bad("axis out of range");
    if (idx.shape != upd.shape || idx.rank() != r)
      return bad("indices and updates must have the data's rank and one "
                 "shape");
    for (int64_t d = 0; d < r; ++d)
      if (d != *axis && idx.shape[d] > out.shape[d])
        return bad("indices exceed the data");
    for (int64_t i = 0; i < idx.numel(); ++i) {
      int64_t rem = i, flat = 0;
      for (int64_t d = r - 1; d >= 0; --d) {
        int64_t c = rem % idx.shape[d];
        rem /= idx.shape[d];
        if (d == *axis) {
          c = int64_t(idx.data[i]);
          if (c < 0)
            c += out.shape[d];
          if (c < 0 || c >= out.shape[d])
            return bad("index out of range");
        }
        flat += c * strides[d];
      }
      apply(flat, upd.data[i]);
    }
  }
  return one(makeConstant(in[0]->elemType, std::move(out)));
}

//===----------------------------------------------------------------------===//
// The op table
//===----------------------------------------------------------------------===//

/// What the evaluator knows of one op kind: the inputs it needs (opsets
/// 13-17; a malformed node is an error, not an out-of-bounds read) and the
/// function that evaluates it.
struct OpEntry {
  size_t requiredInputs;
  std::function<Result(const Evaluator &)> eval;
};

const std::map<std::string, OpEntry> &opTable() {
  using E = const Evaluator &;
  static const std::map<std::string, OpEntry> table = {
      {"Identity", {1, &Evaluator::identity}},
      {"Cast", {1, &Evaluator::cast}},
      {"Neg", {1, [](E e) { return e.unary([](double v) { return -v; }); }}},
      {"Abs",
       {1, [](E e) { return e.unary([](double v) { return std::abs(v); }); }}},
      {"Not",
       {1, [](E e) {
          return e.unary([](double v) { return double(v == 0.0); });
        }}},
      {"Add",
       {2, [](E e) { return e.arith([](double a, double b) { return a + b; }); }}},
      {"Sub",
       {2, [](E e) { return e.arith([](double a, double b) { return a - b; }); }}},
      {"Mul",
       {2, [](E e) { return e.arith([](double a, double b) { return a * b; }); }}},
      {"Div", {2, &Evaluator::div}},
      {"Max",
       {2, [](E e) {
          return e.arith([](double a, double b) { return std::max(a, b); });
        }}},
      {"Min",
       {2, [](E e) {
          return e.arith([](double a, double b) { return std::min(a, b); });
        }}},
      {"Equal",
       {2, [](E e) { return e.compare([](double a, double b) { return a == b; }); }}},
      {"Less",
       {2, [](E e) { return e.compare([](double a, double b) { return a < b; }); }}},
      {"Greater",
       {2, [](E e) { return e.compare([](double a, double b) { return a > b; }); }}},
      {"GreaterOrEqual",
       {2, [](E e) { return e.compare([](double a, double b) { return a >= b; }); }}},
      {"LessOrEqual",
       {2, [](E e) { return e.compare([](double a, double b) { return a <= b; }); }}},
      {"Where", {3, &Evaluator::where}},
      {"Shape", {1, &Evaluator::shape}},
      {"Size", {1, &Evaluator::size}},
      {"ConstantOfShape", {1, &Evaluator::constantOfShape}},
      {"Unsqueeze", {2, &Evaluator::unsqueeze}},
      {"Squeeze", {1, &Evaluator::squeeze}},
      {"Reshape", {2, &Evaluator::reshape}},
      {"Concat", {1, &Evaluator::concat}},
      {"Gather", {2, &Evaluator::gather}},
      {"Slice", {3, &Evaluator::slice}},
      {"Expand", {2, &Evaluator::expand}},
      {"Tile", {2, &Evaluator::tile}},
      {"Transpose", {1, &Evaluator::transpose}},
      {"Range", {3, &Evaluator::range}},
      {"Softmax", {1, &Evaluator::softmax}},
      {"TopK", {2, &Evaluator::topK}},
      {"OneHot", {3, &Evaluator::oneHot}},
      {"CumSum", {2, &Evaluator::cumSum}},
      {"Pad", {2, &Evaluator::pad}},
      {"ReduceSum", {1, [](E e) { return e.reduce(Reduction::Sum); }}},
      {"ReduceMax", {1, [](E e) { return e.reduce(Reduction::Max); }}},
      {"ReduceMean", {1, [](E e) { return e.reduce(Reduction::Mean); }}},
      {"ScatterND", {3, [](E e) { return e.scatter(/*nd=*/true); }}},
      {"ScatterElements", {3, [](E e) { return e.scatter(/*nd=*/false); }}},
  };
  return table;
}

/// Evaluates one node whose inputs are all constants: nullopt for ops it
/// does not fold, an error for invalid ones.
Result evaluate(const onnx::NodeProto &node, const Inputs &in) {
  for (const auto &c : in)
    if (c && !c->values)
      return std::optional<Folded>(); // too large to fold
  const auto &table = opTable();
  auto entry = table.find(node.op_type());
  if (entry == table.end())
    return std::optional<Folded>();
  const size_t need = entry->second.requiredInputs;
  auto bad = [&](const std::string &why) {
    return InvalidArgumentError(absl::StrCat(node.op_type(), ": ", why));
  };
  if (in.size() < need)
    return bad(absl::StrCat("needs ", need, " inputs, has ", in.size()));
  for (size_t i = 0; i < need; ++i)
    if (!in[i])
      return bad(absl::StrCat("input ", i, " is missing"));
  return entry->second.eval(Evaluator(node, in));
}

} // namespace

StatusOr<std::optional<std::vector<std::shared_ptr<Constant>>>>
evaluateNode(const onnx::NodeProto &node,
             const std::vector<std::shared_ptr<const Constant>> &inputs) {
  return evaluate(node, inputs);
}

//===----------------------------------------------------------------------===//
// Folding
//===----------------------------------------------------------------------===//

/// Folds every node whose inputs are all constants and that the evaluator
/// handles; returns how many were folded.
StatusOr<int> foldConstants(Graph &g) {
  int folded = 0;
  std::vector<const onnx::NodeProto *> kept;
  for (const onnx::NodeProto *n : g.nodes) {
    Inputs inputs;
    bool allConstant = n->domain().empty() || n->domain() == "ai.onnx";
    for (const std::string &name : n->input()) {
      if (name.empty()) {
        inputs.push_back(nullptr);
        continue;
      }
      const ValueInfo &v = g.values[name];
      // Shape only needs the input's shape.
      if (n->op_type() == "Shape" || n->op_type() == "Size") {
        if (!v.shape) {
          allConstant = false;
          break;
        }
        auto shapeOnly = std::make_shared<Constant>();
        shapeOnly->shape = *v.shape;
        shapeOnly->values = Tensor(); // only the shape is read
        inputs.push_back(std::move(shapeOnly));
        continue;
      }
      if (!v.constant) {
        allConstant = false;
        break;
      }
      inputs.push_back(v.constant);
    }
    if (n->op_type() == "Constant") {
      const onnx::AttributeProto *a = nullptr;
      for (const auto &attr : n->attribute())
        a = &attr;
      std::shared_ptr<Constant> c;
      if (a && a->name() == "value") {
        auto t = loadTensor(a->t(), "");
        if (!t.ok())
          return InvalidArgumentError(
              absl::StrCat(describeNode(*n, g), ": ", t.status().message()));
        c = *t;
      } else if (a && a->name() == "value_float") {
        c = makeConstant(TensorProto::FLOAT, Tensor({}, {a->f()}));
      } else if (a && a->name() == "value_int") {
        c = makeConstant(TensorProto::INT64, Tensor({}, {double(a->i())}));
      } else if (a && a->name() == "value_floats") {
        std::vector<double> v(a->floats().begin(), a->floats().end());
        c = makeConstant(TensorProto::FLOAT,
                         Tensor({int64_t(v.size())}, std::move(v)));
      } else if (a && a->name() == "value_ints") {
        std::vector<double> v;
        for (int64_t x : a->ints())
          v.push_back(double(x));
        c = makeConstant(TensorProto::INT64,
                         Tensor({int64_t(v.size())}, std::move(v)));
      } else {
        return absl::UnimplementedError(absl::StrCat(
            describeNode(*n, g),
            ": only tensor, float(s) and int(s) Constant values are supported"));
      }
      ValueInfo &out = g.values[n->output(0)];
      out.constant = c;
      out.elemType = c->elemType;
      out.shape = c->shape;
      ++folded;
      continue;
    }
    if (!allConstant || n->output_size() == 0) {
      kept.push_back(n);
      continue;
    }
    auto result = evaluate(*n, inputs);
    if (!result.ok())
      return InvalidArgumentError(
          absl::StrCat(describeNode(*n, g), ": ", result.status().message()));
    if (!*result || (*result)->size() != size_t(n->output_size())) {
      kept.push_back(n);
      continue;
    }
    for (int i = 0; i < n->output_size(); ++i) {
      ValueInfo &out = g.values[n->output(i)];
      out.constant = (**result)[i];
      out.elemType = out.constant->elemType;
      out.shape = out.constant->shape;
    }
    ++folded;
  }
  g.nodes = std::move(kept);
  return folded;
}

} // namespace spikestack::onnx_import
