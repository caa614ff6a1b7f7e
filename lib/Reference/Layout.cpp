//===- Layout.cpp - reference layout and f32 glue kernels -----------------===//
#include "spikestack/Reference/Kernels.h"

#include <algorithm>
#include <cmath>

namespace spikestack::ref {

using absl::InvalidArgumentError;

absl::StatusOr<Tensor> binary(const Tensor &a, const Tensor &b, BinaryFn fn) {
  if (a.shape != b.shape || int64_t(fn) < 0 || int64_t(fn) > 5)
    return InvalidArgumentError("operand shapes differ");
  Tensor t(a.shape);
  for (int64_t i = 0; i < a.numel(); ++i) {
    const float x = float(a.data[i]), y = float(b.data[i]);
    float r = 0;
    switch (fn) {
    case BinaryFn::Add:
      r = x + y;
      break;
    case BinaryFn::Sub:
      r = x - y;
      break;
    case BinaryFn::Mul:
      r = x * y;
      break;
    case BinaryFn::Div:
      r = x / y;
      break;
    case BinaryFn::Max:
      r = (std::isnan(x) || std::isnan(y)) ? NAN : std::max(x, y);
      break;
    case BinaryFn::Min:
      r = (std::isnan(x) || std::isnan(y)) ? NAN : std::min(x, y);
      break;
    }
    t.data[i] = r;
  }
  return t;
}

Tensor negate(const Tensor &x) {
  Tensor t = x;
  for (double &v : t.data)
    v = -v;
  return t;
}

absl::StatusOr<Tensor> concat(const std::vector<const Tensor *> &parts,
                              int64_t dim, const std::vector<int64_t> &shape) {
  if (dim < 0 || dim >= int64_t(shape.size()))
    return InvalidArgumentError("bad concat dimension");
  int64_t outer = 1;
  for (int64_t d = 0; d < dim; ++d)
    outer *= shape[d];
  Tensor t(shape);
  const int64_t rowOut = t.numel() / std::max<int64_t>(outer, 1);
  int64_t offset = 0;
  for (const Tensor *part : parts) {
    if (part->shape.size() != shape.size())
      return InvalidArgumentError("concat rank mismatch");
    const int64_t row = part->numel() / std::max<int64_t>(outer, 1);
    if (offset + row > rowOut || row * outer != part->numel())
      return InvalidArgumentError("concat shape mismatch");
    for (int64_t o = 0; o < outer; ++o)
      std::copy_n(part->data.begin() + o * row, row,
                  t.data.begin() + o * rowOut + offset);
    offset += row;
  }
  if (offset != rowOut)
    return InvalidArgumentError("concat shape mismatch");
  return t;
}

absl::StatusOr<Tensor> transpose(const Tensor &x,
                                 const std::vector<int64_t> &perm,
                                 const std::vector<int64_t> &shape) {
  if (x.rank() != int64_t(perm.size()) || shape.size() != perm.size())
    return InvalidArgumentError("permutation rank mismatch");
  std::vector<char> seen(perm.size(), 0);
  const auto strides = rowMajorStrides(x.shape);
  std::vector<int64_t> permuted;
  for (size_t d = 0; d < perm.size(); ++d) {
    const int64_t p = perm[d];
    if (p < 0 || p >= int64_t(perm.size()) || seen[p] ||
        x.shape[p] != shape[d])
      return InvalidArgumentError("bad permutation");
    seen[p] = 1;
    permuted.push_back(strides[p]);
  }
  Tensor t(shape);
  forEachStrided(shape, std::vector<int64_t>(perm.size(), 0),
                 std::vector<int64_t>(perm.size(), 1), permuted,
                 [&](int64_t i, int64_t flat) { t.data[i] = x.data[flat]; });
  return t;
}

namespace {
/// The window (offsets, sizes, strides) lies inside `shape`; for an insert
/// its sizes are `src`'s shape.
absl::Status checkWindow(const std::vector<int64_t> &shape,
                         const std::vector<int64_t> &off,
                         const std::vector<int64_t> &sizes,
                         const std::vector<int64_t> &strides,
                         const Tensor *src) {
  const size_t r = shape.size();
  if (off.size() != r || sizes.size() != r || strides.size() != r ||
      (src && src->shape.size() != r))
    return InvalidArgumentError("slice rank mismatch");
  for (size_t d = 0; d < r; ++d) {
    if (off[d] < 0 || sizes[d] < 0 || strides[d] < 1 ||
        (sizes[d] && off[d] + (sizes[d] - 1) * strides[d] >= shape[d]))
      return InvalidArgumentError("slice out of bounds");
    if (src && sizes[d] != src->shape[d])
      return InvalidArgumentError("slice sizes do not match");
  }
  return absl::OkStatus();
}
} // namespace

absl::StatusOr<Tensor> extractSlice(const Tensor &x,
                                    const std::vector<int64_t> &offsets,
                                    const std::vector<int64_t> &sizes,
                                    const std::vector<int64_t> &strides,
                                    const std::vector<int64_t> &shape) {
  if (auto st = checkWindow(x.shape, offsets, sizes, strides, nullptr);
      !st.ok())
    return st;
  if (numElements(sizes) != numElements(shape))
    return InvalidArgumentError("slice size mismatch");
  Tensor t(shape);
  forEachStrided(sizes, offsets, strides, rowMajorStrides(x.shape),
                 [&](int64_t i, int64_t flat) { t.data[i] = x.data[flat]; });
  return t;
}

absl::StatusOr<Tensor> insertSlice(const Tensor &src, const Tensor &dest,
                                   const std::vector<int64_t> &offsets,
                                   const std::vector<int64_t> &sizes,
                                   const std::vector<int64_t> &strides) {
  if (auto st = checkWindow(dest.shape, offsets, sizes, strides, &src);
      !st.ok())
    return st;
  Tensor t = dest;
  forEachStrided(sizes, offsets, strides, rowMajorStrides(t.shape),
                 [&](int64_t i, int64_t flat) { t.data[flat] = src.data[i]; });
  return t;
}

} // namespace spikestack::ref
