//===- Functional.cpp - the layer table on the reference kernels ----------===//
//
// Runs a program's graphs node by node with spikestack::ref, the kernels
// the interpreter uses, and records what the timing model needs: per layer
// tiling, the non-zero elements of every streamed vector in every k block
// (event-driven skipping) and, per neuron, the spikes it fired.
//
//===----------------------------------------------------------------------===//
#include "Functional.h"

#include "absl/strings/str_cat.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace spikestack::rt {

using ref::Tensor;

namespace {

absl::Status fail(const Graph &g, const Node &n, size_t index,
                  const std::string &msg) {
  return absl::InvalidArgumentError(absl::StrCat(
      "node ", index, " (", n.name.empty() ? std::string(nodeKindName(n.kind))
                                           : n.name,
      "): ", msg));
}

std::optional<ref::IntDomain> intDomain(const std::vector<int64_t> &ints,
                                        size_t at) {
  if (!ints[at])
    return std::nullopt;
  ref::IntDomain d;
  d.output.width = int(ints[at + 1]);
  d.output.frac = int(ints[at + 2]);
  return d;
}

bool validFormat(int64_t width, int64_t frac) {
  return width >= 2 && width <= 62 && frac >= 0 && frac <= 60;
}

bool validRounding(int64_t r) {
  return r >= 0 && r <= int64_t(ref::Rounding::TowardZero);
}

/// Non-zero count of `x[base + i * stride]` for i in [0, n).
int32_t countNonZero(const std::vector<double> &x, int64_t base,
                     int64_t stride, int64_t n) {
  int32_t c = 0;
  for (int64_t i = 0; i < n; ++i)
    c += x[base + i * stride] != 0;
  return c;
}

/// Largest |v| of a tensor, or -1 if a value is not an integer.
double maxAbsInteger(const Tensor &t) {
  double m = 0;
  for (double v : t.data) {
    if (v != std::floor(v))
      return -1;
    m = std::max(m, std::abs(v));
  }
  return m;
}

/// Whether the integer-domain sums of an event-driven kernel stay exact in
/// int64 (the reference accumulates in 128 bits).
bool fitsInt64(const Tensor &x, const Tensor &w, const Tensor *bias,
               int64_t terms) {
  const double mx = maxAbsInteger(x), mw = maxAbsInteger(w);
  const double mb = bias ? maxAbsInteger(*bias) : 0;
  // Each bound on its own too: the kernels convert every value to int64.
  return mx >= 0 && mw >= 0 && mb >= 0 && mx < 4.0e18 && mw < 4.0e18 &&
         mb < 4.0e18 && mx * mw * double(terms) + mb < 4.0e18;
}

/// Event-driven integer linear: each non-zero input adds its weight row to
/// the outputs (what the PEs do), bit-exact with ref::linear's integer
/// domain whenever fitsInt64 holds.
absl::StatusOr<Tensor> eventLinear(const Tensor &x, const Tensor &w,
                                   const Tensor *bias,
                                   const ref::IntDomain &d) {
  if (x.rank() < 1 || w.rank() != 2 || x.shape.back() != w.dim(1) ||
      (bias && bias->numel() != w.dim(0)))
    return ref::linear(x, w, bias, d); // the reference reports the error
  const int64_t K = w.dim(1), N = w.dim(0);
  const int64_t rows = K ? x.numel() / K : 0;
  std::vector<int64_t> wt(size_t(K * N));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k)
      wt[size_t(k * N + n)] = int64_t(w.data[n * K + k]);
  std::vector<int64_t> shape = x.shape;
  shape.back() = N;
  Tensor out(shape);
  std::vector<int64_t> acc(static_cast<size_t>(N));
  for (int64_t r = 0; r < rows; ++r) {
    std::fill(acc.begin(), acc.end(), 0);
    for (int64_t k = 0; k < K; ++k) {
      const double v = x.data[r * K + k];
      if (v == 0)
        continue;
      const int64_t xv = int64_t(v);
      const int64_t *row = &wt[size_t(k * N)];
      if (xv == 1) // a spike: add the weights
        for (int64_t n = 0; n < N; ++n)
          acc[n] += row[n];
      else
        for (int64_t n = 0; n < N; ++n)
          acc[n] += xv * row[n];
    }
    for (int64_t n = 0; n < N; ++n)
      out.data[r * N + n] = double(ref::saturate(
          acc[n] + (bias ? int64_t(bias->data[n]) : 0), d.output));
  }
  return out;
}

/// Event-driven integer convolution: each non-zero input scatters into the
/// outputs its kernel taps reach.
absl::StatusOr<Tensor> eventConv2d(const Tensor &x, const Tensor &w,
                                   const Tensor *bias,
                                   const ref::Conv2dParams &p,
                                   const ref::IntDomain &d,
                                   const std::vector<int64_t> &outShape) {
  const int64_t r = x.rank();
  if (r < 3 || w.rank() != 4 || int64_t(outShape.size()) != r)
    return ref::conv2d(x, w, bias, p, d);
  const int64_t C = x.dim(r - 3), H = x.dim(r - 2), W = x.dim(r - 1);
  const int64_t O = w.dim(0), CG = w.dim(1), KH = w.dim(2), KW = w.dim(3);
  const int64_t OH = outShape[r - 2], OW = outShape[r - 1];
  if (p.groups < 1 || CG * p.groups != C || O % p.groups ||
      outShape[r - 3] != O || (bias && bias->numel() != O))
    return ref::conv2d(x, w, bias, p, d);
  // Check the output size the reference would compute.
  if (ref::pooledSize(H, p.padTop, p.padBottom, KH, p.strideH, p.dilationH,
                      false) != OH ||
      ref::pooledSize(W, p.padLeft, p.padRight, KW, p.strideW, p.dilationW,
                      false) != OW)
    return ref::conv2d(x, w, bias, p, d);
  const int64_t OG = O / p.groups;
  // Weights as [c][i][j][o within group].
  std::vector<int64_t> wt(size_t(C * KH * KW * OG));
  for (int64_t o = 0; o < O; ++o) {
    const int64_t g = o / OG;
    for (int64_t c = 0; c < CG; ++c)
      for (int64_t i = 0; i < KH; ++i)
        for (int64_t j = 0; j < KW; ++j)
          wt[size_t((((g * CG + c) * KH + i) * KW + j) * OG + o % OG)] =
              int64_t(w.data[((o * CG + c) * KH + i) * KW + j]);
  }
  const int64_t batch = x.numel() / std::max<int64_t>(1, C * H * W);
  Tensor out(outShape);
  std::vector<int64_t> acc(static_cast<size_t>(OH * OW * O)); // [oh][ow][o]
  for (int64_t b = 0; b < batch; ++b) {
    std::fill(acc.begin(), acc.end(), 0);
    const double *xb = &x.data[b * C * H * W];
    for (int64_t c = 0; c < C; ++c) {
      const int64_t g = c / CG;
      for (int64_t h = 0; h < H; ++h)
        for (int64_t ww = 0; ww < W; ++ww) {
          const double v = xb[(c * H + h) * W + ww];
          if (v == 0)
            continue;
          const int64_t xv = int64_t(v);
          for (int64_t i = 0; i < KH; ++i) {
            const int64_t ohs = h + p.padTop - i * p.dilationH;
            if (ohs < 0 || ohs % p.strideH)
              continue;
            const int64_t oh = ohs / p.strideH;
            if (oh >= OH)
              continue;
            for (int64_t j = 0; j < KW; ++j) {
              const int64_t ows = ww + p.padLeft - j * p.dilationW;
              if (ows < 0 || ows % p.strideW)
                continue;
              const int64_t ow = ows / p.strideW;
              if (ow >= OW)
                continue;
              const int64_t *wrow = &wt[size_t(((c * KH + i) * KW + j) * OG)];
              int64_t *a = &acc[size_t((oh * OW + ow) * O + g * OG)];
              if (xv == 1)
                for (int64_t o = 0; o < OG; ++o)
                  a[o] += wrow[o];
              else
                for (int64_t o = 0; o < OG; ++o)
                  a[o] += xv * wrow[o];
            }
          }
        }
    }
    double *ob = &out.data[b * O * OH * OW];
    for (int64_t o = 0; o < O; ++o)
      for (int64_t q = 0; q < OH * OW; ++q)
        ob[o * OH * OW + q] = double(ref::saturate(
            acc[size_t(q * O + o)] + (bias ? int64_t(bias->data[o]) : 0),
            d.output));
  }
  return out;
}

} // namespace

absl::Status checkRange(const Tensor &t, const ElemType &type,
                        const std::string &what) {
  double lo, hi;
  switch (type.kind) {
  case ElemKind::Spike:
    lo = 0, hi = 1;
    break;
  case ElemKind::Count:
    lo = 0, hi = double(type.countMax);
    break;
  case ElemKind::Fixed:
    lo = -std::ldexp(1.0, type.width - 1);
    hi = std::ldexp(1.0, type.width - 1) - 1;
    break;
  case ElemKind::Int:
    if (type.width > 53)
      return absl::OkStatus();
    lo = type.width == 1 ? 0.0 : -std::ldexp(1.0, type.width - 1);
    hi = type.width == 1 ? 1.0 : std::ldexp(1.0, type.width - 1) - 1;
    break;
  default:
    return absl::OkStatus();
  }
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double v = t.data[i];
    if (!(v >= lo && v <= hi) ||
        (type.kind != ElemKind::F32 && v != std::floor(v)))
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": value ", v, " at flat index ", i,
                       " does not fit ", type.str()));
  }
  return absl::OkStatus();
}

namespace {

/// Operations of node `n` of `g` alone (an expert body's are added by
/// estimateWork).
double nodeWork(const Graph &g, const Node &n) {
  auto shape = [&](size_t i) -> const std::vector<int64_t> & {
    static const std::vector<int64_t> none;
    return i < n.operands.size() && n.operands[i] >= 0
               ? g.values[n.operands[i]].shape
               : none;
  };
  double res = 0, base = 0;
  for (int32_t r : n.results)
    res += double(ref::numElements(g.values[r].shape));
  base = res;
  for (size_t i = 0; i < n.operands.size(); ++i)
    base += double(ref::numElements(shape(i)));
  const std::vector<int64_t> &x = shape(0), &w = shape(1);
  switch (n.kind) {
  case NodeKind::Linear:
    return base + (w.size() == 2 ? res * double(w[1]) : 0);
  case NodeKind::Conv2d:
    return base + (w.size() == 4 ? res * double(w[1]) * double(w[2]) *
                                       double(w[3])
                                 : 0);
  case NodeKind::MaxPool:
  case NodeKind::AvgPool: {
    // Each output reads its window, clipped to the input plane.
    if (x.size() < 2 || n.ints.size() < 2)
      return base;
    const double kh = double(std::clamp<int64_t>(n.ints[0], 1, x[x.size() - 2]));
    const double kw = double(std::clamp<int64_t>(n.ints[1], 1, x.back()));
    return base + res * kh * kw;
  }
  case NodeKind::Attention: {
    // SSA: per head 2 N d min(N, d) (ref::spikingAttention's cheaper
    // product); SDSA is element-wise.
    if (x.size() != 4 || n.ints.size() < 2 || n.ints[0] != 0)
      return base;
    const int64_t heads = std::max<int64_t>(1, n.ints[1]);
    const double d = double(std::max<int64_t>(1, x[3] / heads));
    return base + 2 * double(ref::numElements(x)) *
                      std::min(double(x[2]), d);
  }
  case NodeKind::MoeGates:
  case NodeKind::MoeRouter: {
    const double tokens =
        x.empty() || x.back() < 1 ? 1 : double(ref::numElements(x) / x.back());
    return base + tokens * double(ref::numElements(w));
  }
  default:
    return base;
  }
}

} // namespace

WorkEstimate estimateWork(const Program &p) {
  // Expert bodies come after the graphs that use them (verifyGraph), so
  // graphs are summed from the last to the first.
  std::vector<double> graphWork(p.graphs.size(), 0);
  WorkEstimate w;
  for (size_t gi = p.graphs.size(); gi-- > 0;) {
    const Graph &g = p.graphs[gi];
    for (size_t ni = 0; ni < g.nodes.size(); ++ni) {
      const Node &n = g.nodes[ni];
      double work = nodeWork(g, n);
      if (n.kind == NodeKind::MoeExperts && !n.ints.empty() &&
          size_t(n.ints[0]) < p.graphs.size()) {
        const auto &x = g.values[n.operands[0]].shape;
        work += double(x.empty() ? 1 : std::max<int64_t>(1, x[0])) *
                graphWork[size_t(n.ints[0])];
      }
      graphWork[gi] += work;
      if (gi == 0 && work > w.largest) {
        w.largest = work;
        w.node = int32_t(ni);
      }
    }
  }
  w.total = graphWork.empty() ? 0 : graphWork[0];
  return w;
}

void recordKeptHeads(TilingActivity &a, int64_t heads,
                     std::vector<std::vector<int64_t>> kept) {
  a.prunedGroups.assign(kept.size() * size_t(heads), 1);
  for (size_t b = 0; b < kept.size(); ++b)
    for (int64_t h : kept[b])
      if (h >= 0 && h < heads)
        a.prunedGroups[b * size_t(heads) + size_t(h)] = 0;
  a.keptHeads = std::move(kept);
}

void FunctionalRunner::recordOccupancy(int32_t graph, int32_t nodeIndex,
                                       const std::vector<const Tensor *> &in,
                                       int64_t expert) {
  auto it = owners.find({graph, nodeIndex});
  if (it == owners.end())
    return;
  const Node &n = prog.graphs[graph].nodes[nodeIndex];
  // Dynamic head pruning decides once per run which heads each batch
  // element keeps; every product of the attention records it.
  std::vector<std::vector<int64_t>> kept;
  if (n.kind == NodeKind::Attention && n.ints.size() > 3 && n.ints[3] &&
      n.ints[1] > 0 && n.reals.size() > 1 && !in.empty() && in[0] &&
      in[0]->rank() == 4)
    kept = ref::keptHeads(*in[0], n.ints[1], n.reals[1]);
  for (auto [li, k] : it->second) {
    const Tiling &t = prog.layers[li].tilings[k];
    TilingActivity &a = activity.layers[li][k];
    if (t.kind == TileKind::Vector)
      continue;
    const int64_t E = prog.layers[li].ownerGraph == 0 ? 1 : experts[li];
    // An owner with no streamed operand, or a body run for more experts
    // than the layer was planned for: nothing to record (the timing model
    // then counts the tiling dense).
    if (in.empty() || !in[0] || expert >= E)
      continue;
    const int64_t groupsPer = t.groups / std::max<int64_t>(E, 1);
    const int64_t kT = t.kTiles();
    if (a.nonzero.empty()) {
      a.nonzero.assign(size_t(t.groups * t.vectors * kT), 0);
      a.vectorElems = t.reduction;
    }
    const Tensor &x = *in[0];
    const ElemType &xt = prog.graphs[graph].values[n.operands[0]].type;
    a.realValued = !xt.isSpikeLike();
    auto at = [&](int64_t g, int64_t v, int64_t k) -> int32_t & {
      return a.nonzero[size_t((g * t.vectors + v) * kT + k)];
    };
    const int64_t g0 = expert * groupsPer;
    bool matched = false;
    if (n.kind == NodeKind::Linear && groupsPer == 1) {
      const int64_t D = x.rank() ? x.shape.back() : 1;
      if (D == t.reduction && D > 0 && x.numel() / D == t.vectors) {
        matched = true;
        for (int64_t v = 0; v < t.vectors; ++v)
          for (int64_t k = 0; k < kT; ++k) {
            const int64_t r0 = k * t.rows,
                          rn = std::min(t.rows, t.reduction - r0);
            at(g0, v, k) = countNonZero(x.data, v * D + r0, 1, rn);
          }
      }
    } else if (n.kind == NodeKind::Conv2d && x.rank() == 4 &&
               in[1]->rank() == 4) {
      const Tensor &w = *in[1];
      const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
      const int64_t KH = w.dim(2), KW = w.dim(3), Cg = w.dim(1);
      const auto &p = n.ints;
      const int64_t sh = p[0], sw = p[1], pt = p[2], pl = p[3], dh = p[6],
                    dw = p[7], groups = p[8];
      const ValueInfo &out = prog.graphs[graph].values[n.results[0]];
      if (out.shape.size() == 4 && groups == groupsPer &&
          Cg * KH * KW == t.reduction && Cg * groups == C &&
          N * out.shape[2] * out.shape[3] == t.vectors) {
        matched = true;
        const int64_t OH = out.shape[2], OW = out.shape[3];
        std::vector<int32_t> rowCount(size_t(t.reduction));
        for (int64_t g = 0; g < groups; ++g)
          for (int64_t nn = 0; nn < N; ++nn)
            for (int64_t oh = 0; oh < OH; ++oh)
              for (int64_t ow = 0; ow < OW; ++ow) {
                const int64_t v = (nn * OH + oh) * OW + ow;
                int64_t r = 0;
                for (int64_t c = 0; c < Cg; ++c)
                  for (int64_t i = 0; i < KH; ++i)
                    for (int64_t j = 0; j < KW; ++j, ++r) {
                      const int64_t h = oh * sh - pt + i * dh,
                                    ww = ow * sw - pl + j * dw;
                      rowCount[r] =
                          h >= 0 && h < H && ww >= 0 && ww < W &&
                          x.data[((nn * C + g * Cg + c) * H + h) * W + ww] != 0;
                    }
                for (int64_t k = 0; k < kT; ++k) {
                  int32_t s = 0;
                  const int64_t r0 = k * t.rows,
                                rn = std::min(t.rows, t.reduction - r0);
                  for (int64_t q = 0; q < rn; ++q)
                    s += rowCount[r0 + q];
                  at(g0 + g, v, k) = s;
                }
              }
      }
    } else if (n.kind == NodeKind::Attention && x.rank() == 4) {
      // q, k, v: [T, B, N, C]; groups = B * heads.
      const int64_t T = x.dim(0), B = x.dim(1), Ntok = x.dim(2),
                    Ch = x.dim(3), heads = n.ints[1];
      const int64_t d = heads ? Ch / heads : 0;
      if (!kept.empty() && B * heads == t.groups && d > 0)
        recordKeptHeads(a, heads, kept);
      if (heads > 0 && B * heads == t.groups && d > 0) {
        if (t.kind == TileKind::AndAccumulate && t.reduction == d &&
            t.vectors == T * Ntok) {
          matched = true;
          for (int64_t b = 0; b < B; ++b)
            for (int64_t h = 0; h < heads; ++h)
              for (int64_t tt = 0; tt < T; ++tt)
                for (int64_t q = 0; q < Ntok; ++q)
                  for (int64_t k = 0; k < kT; ++k) {
                    const int64_t r0 = k * t.rows,
                                  rn = std::min(t.rows, d - r0);
                    at(b * heads + h, tt * Ntok + q, k) = countNonZero(
                        x.data, ((tt * B + b) * Ntok + q) * Ch + h * d + r0,
                        1, rn);
                  }
        } else if (t.kind == TileKind::ScoreValue && t.reduction == Ntok &&
                   t.vectors == T * d) {
          matched = true;
          const Tensor &v = *in[2];
          for (int64_t b = 0; b < B; ++b)
            for (int64_t h = 0; h < heads; ++h)
              for (int64_t tt = 0; tt < T; ++tt)
                for (int64_t j = 0; j < d; ++j)
                  for (int64_t k = 0; k < kT; ++k) {
                    const int64_t r0 = k * t.rows,
                                  rn = std::min(t.rows, Ntok - r0);
                    at(b * heads + h, tt * d + j, k) = countNonZero(
                        v.data, ((tt * B + b) * Ntok + r0) * Ch + h * d + j,
                        Ch, rn);
                  }
        }
      }
    }
    if (!matched) {
      // The layout is not one the skipping model knows: dense.
      a.dense = true;
      for (int64_t g = g0; g < g0 + groupsPer; ++g)
        for (int64_t v = 0; v < t.vectors; ++v)
          for (int64_t k = 0; k < kT; ++k)
            at(g, v, k) = int32_t(std::min(t.rows, t.reduction - k * t.rows));
    }
  }
}

FunctionalRunner::FunctionalRunner(const Program &p, const RunOptions &o)
    : prog(p), options(o) {
  activity.layers.resize(p.layers.size());
  experts.assign(p.layers.size(), 1);
  for (size_t li = 0; li < p.layers.size(); ++li) {
    const Layer &l = p.layers[li];
    activity.layers[li].resize(l.tilings.size());
    for (size_t k = 0; k < l.owners.size(); ++k)
      owners[{l.ownerGraph, l.owners[k]}].push_back({int32_t(li), int32_t(k)});
    const Node &n = p.graphs[0].nodes[l.node];
    if (n.kind == NodeKind::MoeExperts && !n.operands.empty()) {
      const auto &shape = p.graphs[0].values[n.operands[0]].shape;
      experts[li] = shape.empty() ? 1 : std::max<int64_t>(1, shape[0]);
    }
    for (size_t k = 0; k < l.epilogues.size(); ++k)
      if (l.epilogues[k] >= 0)
        epilogueOf[{l.ownerGraph, l.epilogues[k]}] = int32_t(li);
  }
}

absl::StatusOr<std::vector<Tensor>>
FunctionalRunner::runGraph(int32_t gi, const std::vector<Tensor> &args,
                           int64_t expert) {
  const Graph &g = prog.graphs[gi];
  if (args.size() != g.inputs.size())
    return absl::InvalidArgumentError(
        absl::StrCat("graph ", gi, " takes ", g.inputs.size(),
                     " inputs, got ", args.size()));
  std::vector<Tensor> env(g.values.size());
  for (size_t i = 0; i < args.size(); ++i) {
    const ValueInfo &vi = g.values[g.inputs[i]];
    if (args[i].shape != vi.shape)
      return absl::InvalidArgumentError(absl::StrCat(
          "input ", i, " of graph ", gi, " has shape ",
          ref::shapeToString(args[i].shape), ", expected ",
          ref::shapeToString(vi.shape)));
    env[g.inputs[i]] = args[i];
  }
  for (size_t ni = 0; ni < g.nodes.size(); ++ni) {
    const Node &n = g.nodes[ni];
    std::vector<const Tensor *> in;
    for (int32_t v : n.operands)
      in.push_back(v >= 0 ? &env[v] : nullptr);
    const ValueInfo &res = g.values[n.results[0]];
    int64_t numel = ref::numElements(res.shape);
    if (numel > options.maxElements)
      return fail(g, n, ni,
                  absl::StrCat("result has ", numel, " elements, more than "
                               "the executor's limit of ",
                               options.maxElements));
    std::vector<Tensor> out;
    if (auto st = runNode(gi, ni, in, out, expert); !st.ok())
      return fail(g, n, ni, std::string(st.message()));
    if (out.size() != n.results.size())
      return fail(g, n, ni, "internal error: wrong result count");
    for (size_t r = 0; r < out.size(); ++r) {
      const ValueInfo &vi = g.values[n.results[r]];
      if (out[r].shape != vi.shape ||
          out[r].numel() != ref::numElements(vi.shape))
        return fail(g, n, ni,
                    absl::StrCat("produced shape ",
                                 ref::shapeToString(out[r].shape),
                                 ", the layer table says ",
                                 ref::shapeToString(vi.shape)));
    }
    recordOccupancy(gi, int32_t(ni), in, expert);
    if (n.kind == NodeKind::Neuron ||
        (n.kind == NodeKind::Attention)) {
      NeuronActivity &na = activity.neurons[{gi, int32_t(ni)}];
      na.name = n.name;
      na.elements += out[0].numel();
      for (double v : out[0].data)
        na.spikes += v != 0;
    }
    for (size_t r = 0; r < out.size(); ++r)
      env[n.results[r]] = std::move(out[r]);
  }
  std::vector<Tensor> results;
  for (int32_t v : g.outputs)
    results.push_back(env[v]);
  return results;
}

absl::Status NodeCall::put(absl::StatusOr<Tensor> t) const {
  if (!t.ok())
    return t.status();
  out.push_back(std::move(*t));
  return absl::OkStatus();
}

// Kernels that size their result from operand shapes and parameters run
// only when that size is the layer table's result shape (bounded by
// RunOptions::maxElements), so that a corrupt program cannot make them
// allocate without bound.
absl::Status NodeCall::expect(const std::vector<int64_t> &shape) const {
  if (shape == res.shape)
    return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "operands and parameters give shape ", ref::shapeToString(shape),
      ", the layer table says ", ref::shapeToString(res.shape)));
}

namespace {
/// `t`'s shape without its last `drop` dimensions.
std::vector<int64_t> leading(const Tensor &t, size_t drop) {
  return std::vector<int64_t>(t.shape.begin(), t.shape.end() - drop);
}
} // namespace

absl::Status FunctionalRunner::runNode(int32_t gi, size_t ni,
                                       const std::vector<const Tensor *> &in,
                                       std::vector<Tensor> &out,
                                       int64_t expert) {
  const Graph &g = prog.graphs[gi];
  const Node &n = g.nodes[ni];
  const NodeCall c{g, n, g.values[n.results[0]], n.ints, in, out, expert};
  // One handler per row of NodeKinds.def.
  switch (n.kind) {
#define NODE_KIND(Kind, ...)                                                   \
  case NodeKind::Kind:                                                         \
    return run##Kind(c);
#include "spikestack/Runtime/NodeKinds.def"
  }
  return absl::InvalidArgumentError("unknown node kind");
}

absl::Status FunctionalRunner::runConstant(const NodeCall &c) {
  const Constant &k = prog.constants[c.p[0]];
  Tensor t(c.res.shape, k.values());
  if (auto st = checkRange(t, c.res.type, "constant"); !st.ok())
    return st;
  return c.put(std::move(t));
}

absl::Status FunctionalRunner::runNeuron(const NodeCall &c) {
  const auto &in = c.in;
  ref::NeuronParams np = c.n.neuron;
  if (np.membrane && !validFormat(np.membrane->width, np.membrane->frac))
    return absl::InvalidArgumentError("bad membrane format");
  if (in.size() > 1 && in[1])
    np.channelThreshold = in[1]->data;
  if (in.size() > 2 && in[2])
    np.channelReset = in[2]->data;
  if (in.size() > 3 && in[3])
    np.channelTau = in[3]->data;
  const int frac = c.typeOf(0).kind == ElemKind::Fixed ? c.typeOf(0).frac : 0;
  return c.put(ref::neuron(*in[0], np, frac));
}

absl::Status FunctionalRunner::runCastCount(const NodeCall &c) {
  if (auto st = ref::checkCountRange(*c.in[0], c.p[0], "snn.cast"); !st.ok())
    return st;
  return c.put(*c.in[0]);
}

absl::Status FunctionalRunner::runCastF32(const NodeCall &c) {
  if (c.p[0] < 0 || c.p[0] > 62)
    return absl::InvalidArgumentError("bad fraction bits");
  return c.put(c.typeOf(0).kind == ElemKind::Fixed
                   ? ref::dequantize(*c.in[0], int(c.p[0]))
                   : ref::toF32(*c.in[0]));
}

absl::Status FunctionalRunner::runCastFixed(const NodeCall &c) {
  const auto &p = c.p;
  if (p[0] < 0 || p[0] > 60)
    return absl::InvalidArgumentError("bad fraction bits");
  const Tensor &x = *c.in[0];
  Tensor t(x.shape);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double raw = std::ldexp(x.data[i], int(p[0]));
    if (raw != std::floor(raw) || raw > double(p[1]))
      return absl::InvalidArgumentError(
          absl::StrCat("value ", x.data[i], " at flat index ", i,
                       " is not representable in ", c.res.type.str()));
    t.data[i] = raw;
  }
  return c.put(std::move(t));
}

absl::Status FunctionalRunner::runQuantize(const NodeCall &c) {
  const auto &p = c.p;
  if (!validFormat(p[0], p[1]) || !validRounding(p[2]))
    return absl::InvalidArgumentError("bad quantize parameters");
  return c.put(ref::quantize(*c.in[0], {int(p[0]), int(p[1])},
                             ref::Rounding(p[2])));
}

absl::Status FunctionalRunner::runRequantize(const NodeCall &c) {
  const auto &p = c.p;
  if (p[0] < 0 || p[0] > 60 || !validFormat(p[1], p[2]) ||
      !validRounding(p[3]))
    return absl::InvalidArgumentError("bad requantize parameters");
  return c.put(ref::requantize(*c.in[0], int(p[0]), {int(p[1]), int(p[2])},
                               ref::Rounding(p[3])));
}

absl::Status FunctionalRunner::runLinear(const NodeCall &c) {
  const auto &p = c.p;
  const auto &in = c.in;
  if (p[0] && !validFormat(p[1], p[2]))
    return absl::InvalidArgumentError("bad accumulator format");
  if (in[0]->rank() >= 1 && in[1]->rank() == 2) {
    std::vector<int64_t> shape = leading(*in[0], 1);
    shape.push_back(in[1]->dim(0));
    if (auto st = c.expect(shape); !st.ok())
      return st;
  }
  const Tensor *bias = in.size() > 2 ? in[2] : nullptr;
  if (auto d = intDomain(p, 0);
      d && c.typeOf(0).isSpikeLike() &&
      fitsInt64(*in[0], *in[1], bias, in[1]->rank() == 2 ? in[1]->dim(1) : 0))
    return c.put(eventLinear(*in[0], *in[1], bias, *d));
  return c.put(ref::linear(*in[0], *in[1], bias, intDomain(p, 0)));
}

absl::Status FunctionalRunner::runConv2d(const NodeCall &c) {
  const auto &p = c.p;
  const auto &in = c.in;
  if (p[9] && !validFormat(p[10], p[11]))
    return absl::InvalidArgumentError("bad accumulator format");
  ref::Conv2dParams q;
  q.strideH = p[0];
  q.strideW = p[1];
  q.padTop = p[2];
  q.padLeft = p[3];
  q.padBottom = p[4];
  q.padRight = p[5];
  q.dilationH = p[6];
  q.dilationW = p[7];
  q.groups = p[8];
  for (int64_t v : {q.strideH, q.strideW, q.dilationH, q.dilationW, q.groups})
    if (v < 1 || v > 4096)
      return absl::InvalidArgumentError("bad convolution parameters");
  for (int64_t v : {q.padTop, q.padLeft, q.padBottom, q.padRight})
    if (v < 0 || v > 4096)
      return absl::InvalidArgumentError("bad convolution padding");
  if (const Tensor &x = *in[0], &w = *in[1]; x.rank() >= 3 && w.rank() == 4) {
    std::vector<int64_t> shape = leading(x, 3);
    shape.insert(shape.end(),
                 {w.dim(0),
                  ref::pooledSize(x.dim(x.rank() - 2), q.padTop, q.padBottom,
                                  w.dim(2), q.strideH, q.dilationH, false),
                  ref::pooledSize(x.dim(x.rank() - 1), q.padLeft, q.padRight,
                                  w.dim(3), q.strideW, q.dilationW, false)});
    if (auto st = c.expect(shape); !st.ok())
      return st;
  }
  const Tensor *bias = in.size() > 2 ? in[2] : nullptr;
  if (auto d = intDomain(p, 9);
      d && c.typeOf(0).isSpikeLike() && in[1]->rank() == 4 &&
      fitsInt64(*in[0], *in[1], bias,
                in[1]->dim(1) * in[1]->dim(2) * in[1]->dim(3)))
    return c.put(eventConv2d(*in[0], *in[1], bias, q, *d, c.res.shape));
  return c.put(ref::conv2d(*in[0], *in[1], bias, q, intDomain(p, 9)));
}

absl::Status FunctionalRunner::runDequantize(const NodeCall &c) {
  const auto &p = c.p;
  if (p[0] < 0 || p[0] > 60)
    return absl::InvalidArgumentError("bad fraction bits");
  return c.put(ref::dequantizeChannels(
      *c.in[0], int(p[0]), *c.in[1], c.in.size() > 2 ? c.in[2] : nullptr,
      p[1]));
}

absl::Status FunctionalRunner::runBatchNorm(const NodeCall &c) {
  const auto &in = c.in;
  return c.put(ref::batchNorm(*in[0], *in[1], *in[2], *in[3], *in[4],
                              c.n.reals[0], c.p[0]));
}

absl::Status FunctionalRunner::runPool(const NodeCall &c, bool average) {
  const auto &p = c.p;
  ref::PoolParams q;
  q.kernelH = p[0];
  q.kernelW = p[1];
  q.strideH = p[2];
  q.strideW = p[3];
  q.padTop = p[4];
  q.padLeft = p[5];
  q.padBottom = p[6];
  q.padRight = p[7];
  q.ceilMode = p[8];
  for (int64_t v : {q.kernelH, q.kernelW, q.strideH, q.strideW})
    if (v < 1 || v > 4096)
      return absl::InvalidArgumentError("bad pooling parameters");
  for (int64_t v : {q.padTop, q.padLeft, q.padBottom, q.padRight})
    if (v < 0 || v > 4096)
      return absl::InvalidArgumentError("bad pooling padding");
  if (const Tensor &x = *c.in[0]; x.rank() >= 3) {
    std::vector<int64_t> shape = leading(x, 2);
    shape.insert(shape.end(),
                 {ref::pooledSize(x.dim(x.rank() - 2), q.padTop, q.padBottom,
                                  q.kernelH, q.strideH, 1, q.ceilMode),
                  ref::pooledSize(x.dim(x.rank() - 1), q.padLeft, q.padRight,
                                  q.kernelW, q.strideW, 1, q.ceilMode)});
    if (auto st = c.expect(shape); !st.ok())
      return st;
  }
  if (average) {
    q.countIncludePad = p[9];
    return c.put(ref::avgPool2d(*c.in[0], q));
  }
  return c.put(ref::maxPool2d(*c.in[0], q));
}

absl::Status FunctionalRunner::runMaxPool(const NodeCall &c) {
  return runPool(c, /*average=*/false);
}

absl::Status FunctionalRunner::runAvgPool(const NodeCall &c) {
  return runPool(c, /*average=*/true);
}

absl::Status FunctionalRunner::runAdd(const NodeCall &c) {
  const auto &p = c.p;
  if (p[0] < 0 || p[0] > 2 || (p[0] == 2 && !validFormat(p[1], p[2])))
    return absl::InvalidArgumentError("bad add parameters");
  std::optional<ref::FixedFormat> f;
  if (p[0] == int64_t(ref::AddKind::Fixed))
    f = ref::FixedFormat{int(p[1]), int(p[2])};
  return c.put(ref::add(*c.in[0], *c.in[1], ref::AddKind(p[0]), f));
}

absl::Status FunctionalRunner::runScale(const NodeCall &c) {
  return c.put(ref::scale(*c.in[0], c.n.reals[0]));
}

absl::Status FunctionalRunner::runReadout(const NodeCall &c) {
  const auto &p = c.p;
  if ((p[0] && !validFormat(p[1], p[2])) || p[3] < 0 || p[3] > 60 ||
      !validRounding(p[4]))
    return absl::InvalidArgumentError("bad readout parameters");
  std::optional<ref::FixedFormat> f;
  if (p[0])
    f = ref::FixedFormat{int(p[1]), int(p[2])};
  std::vector<int64_t> dims(p.begin() + 6, p.end());
  for (int64_t d : dims)
    if (d < 0 || d >= c.in[0]->rank())
      return absl::InvalidArgumentError("bad readout token dimension");
  return c.put(ref::readout(*c.in[0], dims, f, int(p[3]), ref::Rounding(p[4]),
                            p[5]));
}

absl::Status FunctionalRunner::runAttention(const NodeCall &c) {
  const auto &p = c.p;
  const auto &in = c.in;
  ref::AttentionParams a;
  a.spikeDriven = p[0];
  a.numHeads = p[1];
  a.scale = c.n.reals[0];
  a.neuron = c.n.neuron;
  if (p[3])
    a.headKeepRatio = c.n.reals[1];
  if (p[2]) {
    if (in.size() < 4 || !in[3])
      return absl::InvalidArgumentError("head gate operand missing");
    a.headGate = in[3];
  }
  if (a.numHeads < 1)
    return absl::InvalidArgumentError("bad head count");
  return c.put(ref::spikingAttention(*in[0], *in[1], *in[2], a));
}

absl::Status FunctionalRunner::runMoeGates(const NodeCall &c) {
  const Tensor &x = *c.in[0];
  if (x.rank() == 3)
    if (auto st = c.expect({x.dim(0), x.dim(1), c.p[0]}); !st.ok())
      return st;
  return c.put(ref::moeGates(x, *c.in[1], c.p[0], c.n.reals[0]));
}

absl::Status FunctionalRunner::runMoeRouter(const NodeCall &c) {
  const auto &p = c.p;
  const auto &in = c.in;
  ref::RouterParams r;
  r.topK = p[0];
  if (p[1] >= 0)
    r.capacity = p[1];
  r.normalizeGates = p[2];
  if (p[3] >= 0)
    r.timeStep = p[3];
  if (p[4] > 60)
    return absl::InvalidArgumentError("bad fraction bits");
  if (const Tensor &x = *in[0], &w = *in[1]; x.rank() == 4 && w.rank() == 2) {
    if (auto st = c.expect({x.dim(1), x.dim(2), p[0]}); !st.ok())
      return st;
    // The router's logits [B, N, E] are not a result: bound them here.
    if (x.dim(1) * x.dim(2) * w.dim(0) > options.maxElements)
      return absl::InvalidArgumentError("router logits exceed the "
                                        "executor's element limit");
  }
  Tensor x = p[4] >= 0 ? ref::dequantize(*in[0], int(p[4])) : *in[0];
  auto routing = ref::moeRoute(x, *in[1], in.size() > 2 ? in[2] : nullptr, r);
  if (!routing.ok())
    return routing.status();
  c.out.push_back(std::move(routing->expertIndex));
  c.out.push_back(std::move(routing->gate));
  c.out.push_back(std::move(routing->slot));
  return absl::OkStatus();
}

absl::Status FunctionalRunner::runMoeDispatch(const NodeCall &c) {
  const auto &p = c.p;
  if (const Tensor &x = *c.in[0]; x.rank() == 4)
    if (auto st = c.expect({p[0], x.dim(0), x.dim(1), p[1], x.dim(3)});
        !st.ok())
      return st;
  return c.put(ref::moeDispatch(*c.in[0], *c.in[1], *c.in[2], p[0], p[1]));
}

absl::Status FunctionalRunner::runMoeCombine(const NodeCall &c) {
  const auto &in = c.in;
  if (const Tensor &y = *in[0], &index = *in[1];
      y.rank() == 5 && index.rank() == 3)
    if (auto st = c.expect({y.dim(1), y.dim(2), index.dim(1), y.dim(4)});
        !st.ok())
      return st;
  return c.put(ref::moeCombine(*in[0], *in[1], *in[2], *in[3]));
}

absl::Status FunctionalRunner::runMoeExperts(const NodeCall &c) {
  if (++depth > 8)
    return absl::InvalidArgumentError("expert bodies nest too deep");
  const Tensor &x = *c.in[0];
  if (x.rank() < 1)
    return absl::InvalidArgumentError("expert input has rank 0");
  const int64_t E = x.dim(0);
  auto slice = [](const Tensor &t, int64_t e) -> absl::StatusOr<Tensor> {
    if (t.rank() < 1 || e >= t.dim(0))
      return absl::InvalidArgumentError(
          "an expert parameter has fewer entries than experts");
    std::vector<int64_t> shape(t.shape.begin() + 1, t.shape.end());
    const int64_t m = ref::numElements(shape);
    return Tensor(shape, std::vector<double>(t.data.begin() + e * m,
                                             t.data.begin() + (e + 1) * m));
  };
  Tensor result(c.res.shape);
  const int64_t per = E ? result.numel() / E : 0;
  for (int64_t e = 0; e < E; ++e) {
    std::vector<Tensor> args;
    for (const Tensor *t : c.in) {
      auto s = slice(*t, e);
      if (!s.ok())
        return s.status();
      args.push_back(std::move(*s));
    }
    auto r = runGraph(int32_t(c.p[0]), args, e);
    if (!r.ok())
      return absl::InvalidArgumentError(absl::StrCat(
          "expert ", e, ": ", std::string(r.status().message())));
    if ((*r)[0].numel() != per)
      return absl::InvalidArgumentError(
          absl::StrCat("expert ", e, " yielded ", (*r)[0].numel(),
                       " values, expected ", per));
    std::copy((*r)[0].data.begin(), (*r)[0].data.end(),
              result.data.begin() + e * per);
  }
  --depth;
  return c.put(std::move(result));
}

absl::Status FunctionalRunner::runReshape(const NodeCall &c) {
  if (c.in[0]->numel() != ref::numElements(c.res.shape))
    return absl::InvalidArgumentError("reshape changes the element count");
  Tensor t = *c.in[0];
  t.shape = c.res.shape;
  return c.put(std::move(t));
}

absl::Status FunctionalRunner::runEmpty(const NodeCall &c) {
  return c.put(Tensor(c.res.shape));
}

absl::Status FunctionalRunner::runSlice(const NodeCall &c, bool extract) {
  const auto &p = c.p;
  const size_t r = c.in[0]->shape.size();
  std::vector<int64_t> off(p.begin(), p.begin() + r),
      sizes(p.begin() + r, p.begin() + 2 * r),
      strides(p.begin() + 2 * r, p.end());
  if (extract)
    return c.put(ref::extractSlice(*c.in[0], off, sizes, strides, c.res.shape));
  return c.put(ref::insertSlice(*c.in[0], *c.in[1], off, sizes, strides));
}

absl::Status FunctionalRunner::runExtractSlice(const NodeCall &c) {
  return runSlice(c, /*extract=*/true);
}

absl::Status FunctionalRunner::runInsertSlice(const NodeCall &c) {
  return runSlice(c, /*extract=*/false);
}

absl::Status FunctionalRunner::runConcat(const NodeCall &c) {
  return c.put(ref::concat(c.in, c.p[0], c.res.shape));
}

absl::Status FunctionalRunner::runTranspose(const NodeCall &c) {
  return c.put(ref::transpose(*c.in[0], c.p, c.res.shape));
}

absl::Status FunctionalRunner::runBinary(const NodeCall &c) {
  return c.put(ref::binary(*c.in[0], *c.in[1], ref::BinaryFn(c.p[0])));
}

absl::Status FunctionalRunner::runNeg(const NodeCall &c) {
  return c.put(ref::negate(*c.in[0]));
}

} // namespace spikestack::rt
