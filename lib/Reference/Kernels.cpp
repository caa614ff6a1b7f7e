//===- Kernels.cpp - reference numerics of the snn ops --------------------===//
#include "spikestack/Reference/Kernels.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace spikestack::ref {

using absl::InvalidArgumentError;

Tensor::Tensor(std::vector<int64_t> s, double fill)
    : shape(std::move(s)), data(numElements(shape), fill) {}
Tensor::Tensor(std::vector<int64_t> s, std::vector<double> d)
    : shape(std::move(s)), data(std::move(d)) {}

int64_t numElements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = int64_t(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

std::string shapeToString(const std::vector<int64_t> &shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

static inline float f32(double v) { return static_cast<float>(v); }

//===----------------------------------------------------------------------===//
// Fixed point
//===----------------------------------------------------------------------===//

// Fixed-point arithmetic is exact in 128 bits: raw values have at most 32
// bits and fractional bits are in [-32, 32] (so shifts are at most 64): every
// product, shift and sum the kernels form stays below 2^127 before it is
// rounded or saturated.
using Wide = __int128;

static Wide saturateWide(Wide value, const FixedFormat &format) {
  if (value < Wide(format.minRaw()))
    return format.minRaw();
  if (value > Wide(format.maxRaw()))
    return format.maxRaw();
  return value;
}

int64_t saturate(int64_t value, const FixedFormat &format) {
  return std::clamp(value, format.minRaw(), format.maxRaw());
}

/// num / den (den > 0) rounded to an integer with `mode`.
static Wide roundDivWide(Wide num, Wide den, Rounding mode) {
  // Floor division and remainder in [0, den).
  Wide q = num / den, r = num % den;
  if (r < 0) {
    q -= 1;
    r += den;
  }
  if (r == 0)
    return q;
  switch (mode) {
  case Rounding::Floor:
    return q;
  case Rounding::TowardZero:
    return num < 0 ? q + 1 : q;
  case Rounding::NearestAway:
    if (2 * r > den || (2 * r == den && num >= 0))
      return q + 1;
    return q;
  case Rounding::NearestEven:
    if (2 * r > den || (2 * r == den && (q & 1)))
      return q + 1;
    return q;
  }
  return q;
}

/// value * 2^-shift rounded with `mode`; a left shift when shift < 0
/// (callers keep |value| * 2^-shift below 2^127).
static Wide roundShiftWide(Wide value, int shift, Rounding mode) {
  if (shift <= 0)
    return value * (Wide(1) << -shift);
  if (shift >= 120) // |value| / 2^shift < 2^-20: rounds to 0 or -1
    return (mode == Rounding::Floor && value < 0) ? Wide(-1) : Wide(0);
  return roundDivWide(value, Wide(1) << shift, mode);
}

static int64_t clampToInt64(Wide v) {
  return static_cast<int64_t>(
      std::clamp<Wide>(v, Wide(std::numeric_limits<int64_t>::min()),
                       Wide(std::numeric_limits<int64_t>::max())));
}

int64_t roundDiv(int64_t num, int64_t den, Rounding mode) {
  return clampToInt64(roundDivWide(num, den, mode));
}

int64_t roundShift(int64_t value, int shift, Rounding mode) {
  if (shift < -62) // saturates any non-zero value
    return value == 0 ? 0
                      : (value < 0 ? std::numeric_limits<int64_t>::min()
                                   : std::numeric_limits<int64_t>::max());
  return clampToInt64(roundShiftWide(value, shift, mode));
}

std::optional<int64_t> exactRaw(double value, const FixedFormat &format) {
  const double raw = std::ldexp(value, format.frac);
  if (!std::isfinite(raw) || raw != std::nearbyint(raw) ||
      raw < double(format.minRaw()) || raw > double(format.maxRaw()))
    return std::nullopt;
  return static_cast<int64_t>(raw);
}

bool isPowerOfTwo(double value) {
  if (!(value > 0) || !std::isfinite(value))
    return false;
  int exp;
  return std::frexp(value, &exp) == 0.5;
}

int64_t roundToInt(double value, Rounding mode) {
  switch (mode) {
  case Rounding::Floor:
    return static_cast<int64_t>(std::floor(value));
  case Rounding::TowardZero:
    return static_cast<int64_t>(std::trunc(value));
  case Rounding::NearestAway:
    return static_cast<int64_t>(std::round(value));
  case Rounding::NearestEven:
    return static_cast<int64_t>(std::nearbyint(value)); // default FE mode
  }
  return 0;
}

int64_t leakMultiplier(double tau) {
  return static_cast<int64_t>(
      std::nearbyint(std::ldexp(1.0, kLeakShift) / tau));
}

//===----------------------------------------------------------------------===//
// Neurons
//===----------------------------------------------------------------------===//

namespace {
/// Per-element neuron constants after per-channel resolution.
struct ChannelParams {
  double tau, threshold, reset;
};
} // namespace

absl::StatusOr<Tensor> neuron(const Tensor &input, const NeuronParams &p,
                              int inputFrac) {
  if (input.rank() < 2)
    return InvalidArgumentError("neuron input must be [T, ...]");
  const int64_t T = input.dim(0);
  const int64_t inner = T ? input.numel() / T : 0;
  int64_t channels = 1, channelStride = 1;
  if (p.channelDim >= 0) {
    if (p.channelDim < 1 || p.channelDim >= input.rank())
      return InvalidArgumentError("neuron channel_dim out of range");
    channels = input.dim(p.channelDim);
    for (int64_t d = p.channelDim + 1; d < input.rank(); ++d)
      channelStride *= input.dim(d);
    for (const auto *v : {&p.channelThreshold, &p.channelReset, &p.channelTau})
      if (!v->empty() && int64_t(v->size()) != channels)
        return InvalidArgumentError(
            absl::StrCat("per-channel neuron parameter has ", v->size(),
                         " values for ", channels, " channels"));
  }
  std::vector<ChannelParams> perChannel(channels);
  for (int64_t c = 0; c < channels; ++c) {
    ChannelParams &cp = perChannel[c];
    cp.tau = p.channelTau.empty() ? p.tau : p.channelTau[c];
    cp.threshold =
        p.channelThreshold.empty() ? p.vThreshold : p.channelThreshold[c];
    cp.reset = p.channelReset.empty() ? p.vReset : p.channelReset[c];
    if (p.leaky && !(cp.tau >= 1.0))
      return InvalidArgumentError(absl::StrCat(
          "neuron tau must be >= 1, channel ", c, " has ", cp.tau));
  }
  auto channelOf = [&](int64_t i) {
    return p.channelDim >= 0 ? (i / channelStride) % channels : 0;
  };

  Tensor out(input.shape);
  if (!p.membrane) {
    // Float domain: SpikingJelly's f32 operations, in its order.
    for (int64_t i = 0; i < inner; ++i) {
      const ChannelParams &cp = perChannel[channelOf(i)];
      const float tau = f32(cp.tau), th = f32(cp.threshold), vr = f32(cp.reset);
      // (1 - 1/tau) is a Python double for a scalar tau, f32 for a tensor.
      const float keep =
          p.channelTau.empty() ? f32(1.0 - 1.0 / cp.tau) : 1.0f - 1.0f / tau;
      float v = p.vInit ? f32(*p.vInit) : (p.hardReset ? vr : 0.0f);
      for (int64_t t = 0; t < T; ++t) {
        const float x = f32(input.data[t * inner + i]);
        float h;
        if (!p.leaky)
          h = v + x;
        else if (p.decayInput)
          h = vr == 0.0f ? v + (x - v) / tau : v + (x - (v - vr)) / tau;
        else
          h = vr == 0.0f ? v * keep + x : v - (v - vr) / tau + x;
        const float d = h - th;
        const bool spike = p.compareGE ? d >= 0.0f : d > 0.0f;
        if (spike)
          v = p.hardReset ? vr : h - th;
        else
          v = h;
        out.data[t * inner + i] = spike ? 1.0 : 0.0;
      }
    }
    return out;
  }

  // Fixed-point domain on raw integers.
  const FixedFormat m = *p.membrane;
  if (inputFrac > m.frac)
    return InvalidArgumentError("neuron input has more fractional bits than "
                                "its membrane");
  auto toRaw = [&](double v, const char *what) -> absl::StatusOr<int64_t> {
    if (auto raw = exactRaw(v, m))
      return *raw;
    return InvalidArgumentError(absl::StrCat("neuron ", what, " = ", v,
                                             " is not representable in fixed<",
                                             m.width, ", ", m.frac, ">"));
  };
  struct RawParams {
    int64_t threshold, reset, leak;
  };
  std::vector<RawParams> raw(channels);
  for (int64_t c = 0; c < channels; ++c) {
    auto th = toRaw(perChannel[c].threshold, "v_threshold");
    auto vr = toRaw(perChannel[c].reset, "v_reset");
    if (!th.ok())
      return th.status();
    if (!vr.ok())
      return vr.status();
    raw[c] = {*th, *vr, p.leaky ? leakMultiplier(perChannel[c].tau) : 0};
  }
  std::optional<int64_t> vInitRaw;
  if (p.vInit) {
    auto v = toRaw(*p.vInit, "v_init");
    if (!v.ok())
      return v.status();
    vInitRaw = *v;
  }
  const int upShift = m.frac - inputFrac;
  for (int64_t i = 0; i < inner; ++i) {
    const RawParams &rp = raw[channelOf(i)];
    Wide v = vInitRaw ? *vInitRaw : (p.hardReset ? rp.reset : 0);
    for (int64_t t = 0; t < T; ++t) {
      const Wide x = Wide(static_cast<int64_t>(input.data[t * inner + i])) *
                     (Wide(1) << upShift);
      Wide h;
      if (!p.leaky)
        h = v + x;
      else if (p.decayInput)
        h = v + roundShiftWide((x - (v - rp.reset)) * rp.leak, kLeakShift,
                               p.rounding);
      else
        h = v -
            roundShiftWide((v - rp.reset) * rp.leak, kLeakShift, p.rounding) +
            x;
      h = saturateWide(h, m);
      const bool spike = p.compareGE ? h >= rp.threshold : h > rp.threshold;
      if (spike)
        v = p.hardReset ? Wide(rp.reset) : saturateWide(h - rp.threshold, m);
      else
        v = h;
      out.data[t * inner + i] = spike ? 1.0 : 0.0;
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Synaptic operators
//===----------------------------------------------------------------------===//

/// Accumulates sum_k x_k * w_k (skipping zero inputs: event-driven) and
/// finishes one output value. Float domain: the sum in double (exact for
/// spikes and dyadic weights), rounded to f32, plus the bias in f32. Integer
/// domain: the exact sum of raw products in 128 bits plus the bias,
/// saturated once to the output width.
struct Accumulator {
  const std::optional<IntDomain> &intDomain;
  double fsum = 0.0;
  Wide isum = 0;
  void add(double x, double w) {
    if (x == 0.0)
      return;
    if (intDomain)
      isum += Wide(static_cast<int64_t>(x)) * static_cast<int64_t>(w);
    else
      fsum += x * w;
  }
  double finish(const Tensor *bias, int64_t channel) {
    if (intDomain) {
      Wide v = isum;
      if (bias)
        v += static_cast<int64_t>(bias->data[channel]);
      return double(static_cast<int64_t>(saturateWide(v, intDomain->output)));
    }
    float r = f32(fsum);
    if (bias)
      r = r + f32(bias->data[channel]);
    return r;
  }
};

absl::StatusOr<Tensor> linear(const Tensor &x, const Tensor &w,
                              const Tensor *bias,
                              const std::optional<IntDomain> &intDomain) {
  if (x.rank() < 1 || w.rank() != 2 || x.shape.back() != w.dim(1))
    return InvalidArgumentError(
        absl::StrCat("linear: input ", shapeToString(x.shape),
                     " does not match weight ", shapeToString(w.shape)));
  const int64_t K = w.dim(1), N = w.dim(0);
  if (bias && bias->numel() != N)
    return InvalidArgumentError(absl::StrCat("linear: bias has ", bias->numel(),
                                             " values for ", N, " outputs"));
  const int64_t rows = K ? x.numel() / K : 0;
  std::vector<int64_t> shape = x.shape;
  shape.back() = N;
  Tensor out(shape);
  for (int64_t r = 0; r < rows; ++r) {
    const double *xr = &x.data[r * K];
    for (int64_t n = 0; n < N; ++n) {
      const double *wn = &w.data[n * K];
      Accumulator acc{intDomain};
      for (int64_t k = 0; k < K; ++k)
        acc.add(xr[k], wn[k]);
      out.data[r * N + n] = acc.finish(bias, n);
    }
  }
  return out;
}

int64_t pooledSize(int64_t in, int64_t padLo, int64_t padHi, int64_t kernel,
                   int64_t stride, int64_t dilation, bool ceilMode) {
  if (in < 0 || padLo < 0 || padHi < 0 || kernel < 1 || stride < 1 ||
      dilation < 1)
    return -1;
  const Wide span =
      Wide(in) + padLo + padHi - Wide(dilation) * (kernel - 1) - 1;
  if (span < 0)
    return -1;
  Wide out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  // PyTorch: the last window must start inside the input or left padding.
  if (ceilMode && (out - 1) * stride >= Wide(in) + padLo)
    --out;
  return out < 1 ? -1 : clampToInt64(out);
}

absl::StatusOr<Tensor> conv2d(const Tensor &x, const Tensor &w,
                              const Tensor *bias, const Conv2dParams &p,
                              const std::optional<IntDomain> &intDomain) {
  if (x.rank() < 3 || w.rank() != 4)
    return InvalidArgumentError("conv2d: bad ranks");
  const int64_t r = x.rank();
  const int64_t C = x.dim(r - 3), H = x.dim(r - 2), W = x.dim(r - 1);
  const int64_t O = w.dim(0), CG = w.dim(1), KH = w.dim(2), KW = w.dim(3);
  if (p.groups < 1 || CG * p.groups != C || O % p.groups)
    return InvalidArgumentError("conv2d: channels do not match groups");
  if (bias && bias->numel() != O)
    return InvalidArgumentError(absl::StrCat("conv2d: bias has ", bias->numel(),
                                             " values for ", O,
                                             " output channels"));
  if (p.strideH < 1 || p.strideW < 1 || p.dilationH < 1 || p.dilationW < 1)
    return InvalidArgumentError(
        "conv2d: strides and dilations must be positive");
  const int64_t OH =
      pooledSize(H, p.padTop, p.padBottom, KH, p.strideH, p.dilationH, false);
  const int64_t OW =
      pooledSize(W, p.padLeft, p.padRight, KW, p.strideW, p.dilationW, false);
  if (OH < 1 || OW < 1)
    return InvalidArgumentError("conv2d: kernel larger than padded input");
  std::vector<int64_t> shape(x.shape.begin(), x.shape.end() - 3);
  const int64_t batch = numElements(shape);
  shape.insert(shape.end(), {O, OH, OW});
  Tensor out(shape);
  const int64_t OG = O / p.groups;
  for (int64_t b = 0; b < batch; ++b) {
    const double *xb = &x.data[b * C * H * W];
    double *ob = &out.data[b * O * OH * OW];
    for (int64_t o = 0; o < O; ++o) {
      const int64_t g = o / OG;
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          Accumulator acc{intDomain};
          for (int64_t cg = 0; cg < CG; ++cg) {
            const int64_t c = g * CG + cg;
            for (int64_t kh = 0; kh < KH; ++kh) {
              const int64_t ih = oh * p.strideH - p.padTop + kh * p.dilationH;
              if (ih < 0 || ih >= H)
                continue;
              for (int64_t kw = 0; kw < KW; ++kw) {
                const int64_t iw =
                    ow * p.strideW - p.padLeft + kw * p.dilationW;
                if (iw < 0 || iw >= W)
                  continue;
                acc.add(xb[(c * H + ih) * W + iw],
                        w.data[((o * CG + cg) * KH + kh) * KW + kw]);
              }
            }
          }
          ob[(o * OH + oh) * OW + ow] = acc.finish(bias, o);
        }
    }
  }
  return out;
}

absl::StatusOr<Tensor> dequantizeChannels(const Tensor &x, int frac,
                                          const Tensor &scale,
                                          const Tensor *bias,
                                          int64_t channelDim) {
  if (channelDim < 0 || channelDim >= x.rank())
    return InvalidArgumentError("dequantize: channel_dim out of range");
  const int64_t C = x.dim(channelDim);
  if (scale.numel() != C || (bias && bias->numel() != C))
    return InvalidArgumentError(absl::StrCat("dequantize: ", scale.numel(),
                                             " scales for ", C, " channels"));
  int64_t stride = 1;
  for (int64_t d = channelDim + 1; d < x.rank(); ++d)
    stride *= x.dim(d);
  Tensor out(x.shape);
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t c = (i / stride) % C;
    float y = f32(std::ldexp(x.data[i], -frac)) * f32(scale.data[c]);
    if (bias)
      y = y + f32(bias->data[c]);
    out.data[i] = y;
  }
  return out;
}

absl::StatusOr<Tensor> batchNorm(const Tensor &x, const Tensor &scale,
                                 const Tensor &offset, const Tensor &mean,
                                 const Tensor &variance, double epsilon,
                                 int64_t channelDim) {
  if (channelDim < 0 || channelDim >= x.rank())
    return InvalidArgumentError("batch_norm: channel_dim out of range");
  const int64_t C = x.dim(channelDim);
  for (const Tensor *t : {&scale, &offset, &mean, &variance})
    if (t->numel() != C)
      return InvalidArgumentError(absl::StrCat("batch_norm: parameters have ",
                                               t->numel(), " values for ", C,
                                               " channels"));
  std::vector<float> a(C), b(C);
  const float eps = f32(epsilon);
  for (int64_t c = 0; c < C; ++c) {
    const float invstd = 1.0f / std::sqrt(f32(variance.data[c]) + eps);
    a[c] = invstd * f32(scale.data[c]);
    b[c] = std::fma(-f32(mean.data[c]), a[c], f32(offset.data[c]));
  }
  int64_t stride = 1;
  for (int64_t d = channelDim + 1; d < x.rank(); ++d)
    stride *= x.dim(d);
  Tensor out(x.shape);
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t c = (i / stride) % C;
    out.data[i] = std::fma(f32(x.data[i]), a[c], b[c]);
  }
  return out;
}

template <typename Reduce>
static absl::StatusOr<Tensor> pool2d(const Tensor &x, const PoolParams &p,
                                     Reduce reduce) {
  if (x.rank() < 3)
    return InvalidArgumentError("pool2d: input must be [..., C, H, W]");
  if (p.kernelH < 1 || p.kernelW < 1 || p.strideH < 1 || p.strideW < 1)
    return InvalidArgumentError("pool2d: kernel and strides must be positive");
  const int64_t r = x.rank();
  const int64_t H = x.dim(r - 2), W = x.dim(r - 1);
  const int64_t OH =
      pooledSize(H, p.padTop, p.padBottom, p.kernelH, p.strideH, 1, p.ceilMode);
  const int64_t OW =
      pooledSize(W, p.padLeft, p.padRight, p.kernelW, p.strideW, 1, p.ceilMode);
  if (OH < 1 || OW < 1)
    return InvalidArgumentError("pool2d: kernel larger than padded input");
  std::vector<int64_t> shape(x.shape.begin(), x.shape.end() - 2);
  const int64_t planes = numElements(shape);
  shape.insert(shape.end(), {OH, OW});
  Tensor out(shape);
  for (int64_t pl = 0; pl < planes; ++pl)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t h0 = oh * p.strideH - p.padTop;
        const int64_t w0 = ow * p.strideW - p.padLeft;
        out.data[(pl * OH + oh) * OW + ow] =
            reduce(&x.data[pl * H * W], H, W, h0, w0);
      }
  return out;
}

absl::StatusOr<Tensor> maxPool2d(const Tensor &x, const PoolParams &p) {
  return pool2d(
      x, p,
      [&](const double *plane, int64_t H, int64_t W, int64_t h0, int64_t w0) {
        double best = -std::numeric_limits<double>::infinity();
        for (int64_t h = std::max<int64_t>(h0, 0);
             h < std::min(h0 + p.kernelH, H); ++h)
          for (int64_t w = std::max<int64_t>(w0, 0);
               w < std::min(w0 + p.kernelW, W); ++w) {
            const double v = plane[h * W + w];
            if (std::isnan(v))
              return v; // PyTorch propagates NaN
            best = std::max(best, v);
          }
        return best;
      });
}

absl::StatusOr<Tensor> avgPool2d(const Tensor &x, const PoolParams &p) {
  return pool2d(
      x, p,
      [&](const double *plane, int64_t H, int64_t W, int64_t h0, int64_t w0) {
        // PyTorch: the divisor counts padding up to the padded border.
        const int64_t hEnd = std::min(h0 + p.kernelH, H + p.padBottom);
        const int64_t wEnd = std::min(w0 + p.kernelW, W + p.padRight);
        int64_t divisor = (hEnd - h0) * (wEnd - w0);
        const int64_t hs = std::max<int64_t>(h0, 0),
                      ws = std::max<int64_t>(w0, 0);
        const int64_t he = std::min(hEnd, H), we = std::min(wEnd, W);
        if (!p.countIncludePad)
          divisor = (he - hs) * (we - ws);
        double sum = 0.0;
        for (int64_t h = hs; h < he; ++h)
          for (int64_t w = ws; w < we; ++w)
            sum += plane[h * W + w];
        return double(f32(f32(sum) / f32(double(divisor))));
      });
}

//===----------------------------------------------------------------------===//
// Elementwise, conversions, readout
//===----------------------------------------------------------------------===//

absl::StatusOr<Tensor> add(const Tensor &a, const Tensor &b, AddKind kind,
                           const std::optional<FixedFormat> &fixed) {
  if (a.shape != b.shape)
    return InvalidArgumentError(
        absl::StrCat("add: shapes ", shapeToString(a.shape), " and ",
                     shapeToString(b.shape), " differ"));
  if (kind == AddKind::Fixed && !fixed)
    return InvalidArgumentError("add: a fixed-point add needs its format");
  Tensor out(a.shape);
  for (int64_t i = 0; i < a.numel(); ++i) {
    switch (kind) {
    case AddKind::Float:
      out.data[i] = f32(a.data[i]) + f32(b.data[i]);
      break;
    case AddKind::Exact:
      out.data[i] = a.data[i] + b.data[i];
      break;
    case AddKind::Fixed:
      out.data[i] =
          double(saturate(int64_t(a.data[i]) + int64_t(b.data[i]), *fixed));
      break;
    }
  }
  return out;
}

Tensor scale(const Tensor &x, double factor) {
  Tensor out(x.shape);
  const float f = f32(factor);
  for (int64_t i = 0; i < x.numel(); ++i)
    out.data[i] = f32(x.data[i]) * f;
  return out;
}

Tensor quantize(const Tensor &x, const FixedFormat &to, Rounding mode) {
  Tensor out(x.shape);
  for (int64_t i = 0; i < x.numel(); ++i) {
    double v = std::ldexp(x.data[i], to.frac);
    if (std::isnan(v))
      v = 0.0;
    v = std::clamp(v, double(to.minRaw()), double(to.maxRaw()));
    out.data[i] = double(saturate(roundToInt(v, mode), to));
  }
  return out;
}

Tensor requantize(const Tensor &x, int fromFrac, const FixedFormat &to,
                  Rounding mode) {
  Tensor out(x.shape);
  for (int64_t i = 0; i < x.numel(); ++i)
    out.data[i] = double(
        saturate(roundShift(int64_t(x.data[i]), fromFrac - to.frac, mode), to));
  return out;
}

Tensor dequantize(const Tensor &x, int frac) {
  Tensor out(x.shape);
  for (int64_t i = 0; i < x.numel(); ++i)
    out.data[i] = f32(std::ldexp(x.data[i], -frac));
  return out;
}

absl::Status checkCountRange(const Tensor &x, int64_t max,
                             const std::string &what) {
  for (int64_t i = 0; i < x.numel(); ++i) {
    const double v = x.data[i];
    if (!(v >= 0.0 && v <= double(max) && v == std::floor(v)))
      return InvalidArgumentError(
          absl::StrCat(what, ": value ", v, " at flat index ", i,
                       " is not an integer in [0, ", max, "]"));
  }
  return absl::OkStatus();
}

Tensor toF32(const Tensor &x) {
  Tensor out(x.shape);
  for (int64_t i = 0; i < x.numel(); ++i)
    out.data[i] = f32(x.data[i]);
  return out;
}

absl::StatusOr<Tensor> readout(const Tensor &x,
                               const std::vector<int64_t> &tokenDims,
                               const std::optional<FixedFormat> &fixed,
                               int inputFrac, Rounding mode, bool keepTime) {
  const int64_t r = x.rank();
  std::vector<bool> isToken(r, false);
  int64_t tokens = 1;
  for (int64_t d : tokenDims) {
    if (d < 1 || d >= r || isToken[d])
      return InvalidArgumentError("readout: bad token dimensions");
    isToken[d] = true;
    tokens *= x.dim(d);
  }
  std::vector<int64_t> outShape;
  for (int64_t d = 1; d < r; ++d)
    if (!isToken[d])
      outShape.push_back(x.dim(d));
  const int64_t T = x.dim(0);
  const int64_t outN = numElements(outShape);
  // Time steps are averaged in groups: all T together, or one by one when
  // the time dimension is kept.
  const int64_t groups = keepTime ? T : 1, stepsPerGroup = keepTime ? 1 : T;
  if (keepTime)
    outShape.insert(outShape.begin(), T);
  // Row-major strides of the input, and the output index of each element.
  const std::vector<int64_t> stride = rowMajorStrides(x.shape);
  const int64_t perStep = T ? x.numel() / T : 0;
  std::vector<int64_t> outIndex(perStep);
  for (int64_t i = 0; i < perStep; ++i) {
    int64_t rem = i, o = 0;
    for (int64_t d = 1; d < r; ++d) {
      const int64_t idx = rem / stride[d];
      rem %= stride[d];
      if (!isToken[d])
        o = o * x.dim(d) + idx;
    }
    outIndex[i] = o;
  }
  Tensor out(outShape);
  if (tokens * T == 0)
    return InvalidArgumentError("readout: no tokens or time steps to average");
  for (int64_t grp = 0; grp < groups; ++grp) {
    const int64_t t0 = grp * stepsPerGroup;
    double *dst = out.data.data() + grp * outN;
    if (fixed) {
      std::vector<Wide> sum(outN, 0);
      for (int64_t t = t0; t < t0 + stepsPerGroup; ++t)
        for (int64_t i = 0; i < perStep; ++i)
          sum[outIndex[i]] += static_cast<int64_t>(x.data[t * perStep + i]);
      // value = sum * 2^-inputFrac / count as raw at fixed->frac bits, i.e.
      // round(sum * 2^shift / count): |sum| < 2^62 and |shift| <= 64 keep
      // both sides below 2^127.
      const int shift = fixed->frac - inputFrac;
      const Wide count = Wide(tokens) * stepsPerGroup;
      for (int64_t o = 0; o < outN; ++o) {
        const Wide num = shift >= 0 ? sum[o] * (Wide(1) << shift) : sum[o];
        const Wide den = shift >= 0 ? count : count * (Wide(1) << -shift);
        dst[o] = double(static_cast<int64_t>(
            saturateWide(roundDivWide(num, den, mode), *fixed)));
      }
      continue;
    }
    // Float: mean over tokens per time step (f32), then mean over the group.
    std::vector<double> stepSum(outN), groupSum(outN, 0.0);
    for (int64_t t = t0; t < t0 + stepsPerGroup; ++t) {
      std::fill(stepSum.begin(), stepSum.end(), 0.0);
      for (int64_t i = 0; i < perStep; ++i)
        stepSum[outIndex[i]] += f32(x.data[t * perStep + i]);
      for (int64_t o = 0; o < outN; ++o)
        groupSum[o] += f32(f32(stepSum[o]) / f32(double(tokens)));
    }
    for (int64_t o = 0; o < outN; ++o)
      dst[o] = f32(f32(groupSum[o]) / f32(double(stepsPerGroup)));
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

int64_t keptHeadCount(double keepRatio, int64_t numHeads) {
  const int64_t keep =
      static_cast<int64_t>(std::ceil(keepRatio * double(numHeads) - 1e-9));
  return std::clamp<int64_t>(keep, 1, std::max<int64_t>(1, numHeads));
}

std::vector<std::vector<int64_t>> keptHeads(const Tensor &q, int64_t numHeads,
                                            double keepRatio) {
  if (q.rank() != 4 || numHeads < 1 || q.dim(3) % numHeads)
    return {};
  const int64_t T = q.dim(0), B = q.dim(1), N = q.dim(2), C = q.dim(3);
  const int64_t d = C / numHeads;
  const int64_t keep = keptHeadCount(keepRatio, numHeads);
  std::vector<std::vector<int64_t>> result(B);
  for (int64_t b = 0; b < B; ++b) {
    std::vector<int64_t> score(numHeads, 0);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
          score[c / d] += int64_t(q.data[((t * B + b) * N + n) * C + c]);
    std::vector<int64_t> order(numHeads);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t x, int64_t y) { return score[x] > score[y]; });
    order.resize(keep);
    std::sort(order.begin(), order.end());
    result[b] = order;
  }
  return result;
}

/// x * scale into the neuron's domain: f32, or raw at the membrane format
/// (which must be exact: a power-of-two scale representable there).
static absl::StatusOr<double> scaled(int64_t x, double scale,
                                     const NeuronParams &n) {
  if (n.membrane) {
    const double raw = std::ldexp(double(x) * scale, n.membrane->frac);
    if (raw != std::floor(raw))
      return InvalidArgumentError(
          absl::StrCat("attention: ", x, " * scale ", scale,
                       " is not exact in the membrane's ", n.membrane->frac,
                       " fractional bits"));
    return raw;
  }
  return f32(f32(double(x)) * f32(scale));
}

absl::StatusOr<Tensor> spikingAttention(const Tensor &q, const Tensor &k,
                                        const Tensor &v,
                                        const AttentionParams &p) {
  if (q.rank() != 4 || q.shape != k.shape || q.shape != v.shape)
    return InvalidArgumentError(
        "attention: q, k, v must be equal [T, B, N, C]");
  const int64_t T = q.dim(0), B = q.dim(1), N = q.dim(2), C = q.dim(3);
  const int64_t H = p.numHeads;
  if (H < 1 || C % H)
    return InvalidArgumentError("attention: C not divisible by heads");
  const int64_t d = C / H;
  if (p.headGate && (p.spikeDriven || p.neuron.membrane ||
                     p.headGate->shape != std::vector<int64_t>{B, N, H}))
    return InvalidArgumentError(
        "attention: a head gate needs SSA in the float domain and shape "
        "[B, N, H]");
  std::vector<std::vector<bool>> active(B, std::vector<bool>(H, true));
  if (p.headKeepRatio) {
    auto kept = keptHeads(q, H, *p.headKeepRatio);
    for (int64_t b = 0; b < B; ++b) {
      std::fill(active[b].begin(), active[b].end(), false);
      for (int64_t h : kept[b])
        active[b][h] = true;
    }
  }
  auto at = [&](const Tensor &t, int64_t ti, int64_t b, int64_t n,
                int64_t c) -> int64_t {
    return int64_t(t.data[((ti * B + b) * N + n) * C + c]);
  };
  Tensor out(q.shape);
  if (!p.spikeDriven) {
    // SSA: X_h = (Q_h K_h^T) V_h = Q_h (K_h^T V_h), exact in integers; use
    // whichever product needs the smaller scratch (N x N or d x d).
    const bool viaKV = d <= N;
    const int64_t side = viaKV ? d : N;
    if (side > (int64_t(1) << 13))
      return InvalidArgumentError(
          absl::StrCat("attention: ", N, " tokens and head size ", d,
                       " need a ", side, " x ", side,
                       " scratch matrix, more than the "
                       "reference kernel supports (8192 x 8192)"));
    Tensor pre(q.shape);
    std::vector<int64_t> scratch(side * side);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h) {
          if (!active[b][h])
            continue;
          std::fill(scratch.begin(), scratch.end(), 0);
          if (viaKV) { // scratch[i][j] = sum_m K[m, i] V[m, j]
            for (int64_t m = 0; m < N; ++m)
              for (int64_t i = 0; i < d; ++i) {
                if (!at(k, t, b, m, h * d + i))
                  continue;
                for (int64_t j = 0; j < d; ++j)
                  scratch[i * d + j] += at(v, t, b, m, h * d + j);
              }
          } else { // scratch[n][m] = sum_i Q[n, i] K[m, i]
            for (int64_t n = 0; n < N; ++n)
              for (int64_t m = 0; m < N; ++m)
                for (int64_t i = 0; i < d; ++i)
                  scratch[n * N + m] +=
                      at(q, t, b, n, h * d + i) * at(k, t, b, m, h * d + i);
          }
          for (int64_t n = 0; n < N; ++n)
            for (int64_t j = 0; j < d; ++j) {
              int64_t x = 0;
              if (viaKV) {
                for (int64_t i = 0; i < d; ++i)
                  if (at(q, t, b, n, h * d + i))
                    x += scratch[i * d + j];
              } else {
                for (int64_t m = 0; m < N; ++m)
                  x += scratch[n * N + m] * at(v, t, b, m, h * d + j);
              }
              auto value = scaled(x, p.scale, p.neuron);
              if (!value.ok())
                return value.status();
              if (p.headGate)
                *value = f32(f32(*value) *
                             f32(p.headGate->data[(b * N + n) * H + h]));
              pre.data[((t * B + b) * N + n) * C + h * d + j] = *value;
            }
        }
    auto spikes =
        neuron(pre, p.neuron, p.neuron.membrane ? p.neuron.membrane->frac : 0);
    if (!spikes.ok())
      return spikes.status();
    out = std::move(*spikes);
  } else {
    // SDSA: kv[t, b, c] = scale * sum_n K * V; s = neuron(kv); out = Q * s.
    Tensor pre({T, B, 1, C});
    for (int64_t t = 0; t < T; ++t)
      for (int64_t b = 0; b < B; ++b)
        for (int64_t c = 0; c < C; ++c) {
          int64_t x = 0;
          for (int64_t n = 0; n < N; ++n)
            x += at(k, t, b, n, c) * at(v, t, b, n, c);
          auto value = scaled(x, p.scale, p.neuron);
          if (!value.ok())
            return value.status();
          pre.data[(t * B + b) * C + c] = *value;
        }
    auto s =
        neuron(pre, p.neuron, p.neuron.membrane ? p.neuron.membrane->frac : 0);
    if (!s.ok())
      return s.status();
    for (int64_t t = 0; t < T; ++t)
      for (int64_t b = 0; b < B; ++b)
        for (int64_t n = 0; n < N; ++n)
          for (int64_t c = 0; c < C; ++c)
            out.data[((t * B + b) * N + n) * C + c] =
                double(at(q, t, b, n, c)) * s->data[(t * B + b) * C + c];
  }
  // Pruned heads produce no spikes.
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < H; ++h)
        if (!active[b][h])
          for (int64_t n = 0; n < N; ++n)
            for (int64_t j = 0; j < d; ++j)
              out.data[((t * B + b) * N + n) * C + h * d + j] = 0.0;
  return out;
}

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

absl::StatusOr<Routing> moeRoute(const Tensor &input, const Tensor &gateWeight,
                                 const Tensor *gateBias,
                                 const RouterParams &p) {
  if (input.rank() != 4 || gateWeight.rank() != 2 ||
      gateWeight.dim(1) != input.dim(3))
    return InvalidArgumentError("moe_router: shapes do not match");
  const int64_t T = input.dim(0), B = input.dim(1), N = input.dim(2),
                D = input.dim(3), E = gateWeight.dim(0), K = p.topK;
  if (K < 1 || K > E)
    return InvalidArgumentError("moe_router: top_k out of range");
  if (gateBias && gateBias->numel() != E)
    return InvalidArgumentError(absl::StrCat("moe_router: gate bias has ",
                                             gateBias->numel(), " values for ",
                                             E, " experts"));
  if (p.timeStep && (*p.timeStep < 0 || *p.timeStep >= T))
    return InvalidArgumentError("moe_router: time step out of range");
  // 1. Rates [B, N, D].
  Tensor rate({B, N, D});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t dd = 0; dd < D; ++dd) {
        auto at = [&](int64_t t) {
          return f32(input.data[((t * B + b) * N + n) * D + dd]);
        };
        double r;
        if (p.timeStep) {
          r = at(*p.timeStep);
        } else {
          double sum = 0.0;
          for (int64_t t = 0; t < T; ++t)
            sum += at(t);
          r = f32(f32(sum) / f32(double(T)));
        }
        rate.data[(b * N + n) * D + dd] = r;
      }
  // 2. Logits.
  auto logits = linear(rate, gateWeight, gateBias, std::nullopt);
  if (!logits.ok())
    return logits.status();
  return routeLogits(*logits, p);
}

absl::StatusOr<Routing> routeLogits(const Tensor &logitsIn,
                                    const RouterParams &p) {
  if (logitsIn.rank() != 3)
    return InvalidArgumentError("moe_router: logits must be [B, N, E]");
  const Tensor *logits = &logitsIn;
  const int64_t B = logits->dim(0), N = logits->dim(1), E = logits->dim(2),
                K = p.topK;
  if (K < 1 || K > E)
    return InvalidArgumentError("moe_router: top_k out of range");
  // 3. Softmax.
  const int64_t capacity = p.capacity.value_or(N);
  Routing routing{Tensor({B, N, K}), Tensor({B, N, K}), Tensor({B, N, K})};
  std::vector<float> prob(E);
  std::vector<int64_t> order(E);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t n = 0; n < N; ++n) {
      const double *z = &logits->data[(b * N + n) * E];
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t e = 0; e < E; ++e)
        mx = std::max(mx, f32(z[e]));
      float sum = 0.0f;
      for (int64_t e = 0; e < E; ++e) {
        prob[e] = std::exp(f32(z[e]) - mx);
        sum += prob[e];
      }
      const float inv = 1.0f / sum;
      for (int64_t e = 0; e < E; ++e)
        prob[e] = prob[e] * inv;
      // 4. Top-k, ties to the lower expert index; gates.
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(),
                       [&](int64_t x, int64_t y) { return prob[x] > prob[y]; });
      float kept = 0.0f;
      for (int64_t i = 0; i < K; ++i)
        kept += prob[order[i]];
      for (int64_t i = 0; i < K; ++i) {
        const int64_t o = (b * N + n) * K + i;
        routing.expertIndex.data[o] = double(order[i]);
        const float g = prob[order[i]];
        routing.gate.data[o] = p.normalizeGates ? g / kept : g;
      }
    }
  // 5. Capacity slots in GShard order: choice i for all tokens, then i + 1.
  for (int64_t b = 0; b < B; ++b) {
    std::vector<int64_t> fill(E, 0);
    for (int64_t i = 0; i < K; ++i)
      for (int64_t n = 0; n < N; ++n) {
        const int64_t o = (b * N + n) * K + i;
        const int64_t e = int64_t(routing.expertIndex.data[o]);
        routing.slot.data[o] = fill[e] < capacity ? double(fill[e]++) : -1.0;
      }
  }
  return routing;
}

absl::StatusOr<Tensor> moeGates(const Tensor &index, const Tensor &gate,
                                int64_t numExperts, double scale) {
  if (index.rank() != 3 || index.shape != gate.shape)
    return InvalidArgumentError("moe_gates: index and gate must be [B, N, K]");
  const int64_t B = index.dim(0), N = index.dim(1), K = index.dim(2);
  Tensor out({B, N, numExperts});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < K; ++i) {
        const int64_t o = (b * N + n) * K + i;
        const int64_t e = int64_t(index.data[o]);
        if (e < 0 || e >= numExperts)
          return InvalidArgumentError(absl::StrCat("moe_gates: expert index ",
                                                   e, " is out of range for ",
                                                   numExperts, " experts"));
        out.data[(b * N + n) * numExperts + e] =
            f32(f32(gate.data[o]) * f32(scale));
      }
  return out;
}

static absl::Status checkRouting(const Tensor &index, const Tensor &slot,
                                 int64_t B, int64_t N, int64_t E,
                                 int64_t capacity) {
  if (index.rank() != 3 || index.shape != slot.shape || index.dim(0) != B ||
      index.dim(1) != N)
    return InvalidArgumentError("moe: routing tensors do not match the tokens");
  for (int64_t i = 0; i < index.numel(); ++i) {
    const int64_t e = int64_t(index.data[i]), s = int64_t(slot.data[i]);
    if (e < 0 || e >= E)
      return InvalidArgumentError(absl::StrCat("moe: expert index ", e,
                                               " at flat index ", i,
                                               " is outside [0, ", E, ")"));
    if (s < -1 || s >= capacity)
      return InvalidArgumentError(
          absl::StrCat("moe: slot ", s, " at flat index ", i,
                       " is outside [-1, ", capacity, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Tensor> moeDispatch(const Tensor &input, const Tensor &index,
                                   const Tensor &slot, int64_t numExperts,
                                   int64_t capacity) {
  if (input.rank() != 4)
    return InvalidArgumentError("moe_dispatch: input must be [T, B, N, D]");
  const int64_t T = input.dim(0), B = input.dim(1), N = input.dim(2),
                D = input.dim(3);
  if (auto st = checkRouting(index, slot, B, N, numExperts, capacity); !st.ok())
    return st;
  const int64_t K = index.dim(2);
  Tensor out({numExperts, T, B, capacity, D});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < K; ++i) {
        const int64_t o = (b * N + n) * K + i;
        const int64_t e = int64_t(index.data[o]), s = int64_t(slot.data[o]);
        if (s < 0)
          continue;
        for (int64_t t = 0; t < T; ++t)
          std::copy_n(&input.data[((t * B + b) * N + n) * D], D,
                      &out.data[(((e * T + t) * B + b) * capacity + s) * D]);
      }
  return out;
}

absl::StatusOr<Tensor> moeCombine(const Tensor &y, const Tensor &index,
                                  const Tensor &gate, const Tensor &slot) {
  if (y.rank() != 5 || index.rank() != 3)
    return InvalidArgumentError("moe_combine: bad ranks");
  const int64_t E = y.dim(0), T = y.dim(1), B = y.dim(2), C = y.dim(3),
                D = y.dim(4), N = index.dim(1), K = index.dim(2);
  if (auto st = checkRouting(index, slot, B, N, E, C); !st.ok())
    return st;
  if (gate.shape != index.shape)
    return InvalidArgumentError("moe_combine: gate shape differs from routing");
  Tensor out({T, B, N, D});
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t n = 0; n < N; ++n)
        for (int64_t dd = 0; dd < D; ++dd) {
          float acc = 0.0f;
          for (int64_t i = 0; i < K; ++i) {
            const int64_t o = (b * N + n) * K + i;
            const int64_t s = int64_t(slot.data[o]);
            if (s < 0)
              continue;
            const int64_t e = int64_t(index.data[o]);
            acc += f32(gate.data[o]) *
                   f32(y.data[(((e * T + t) * B + b) * C + s) * D + dd]);
          }
          out.data[((t * B + b) * N + n) * D + dd] = acc;
        }
  return out;
}

} // namespace spikestack::ref
