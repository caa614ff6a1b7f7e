//===- SynapticTest.cpp - Tests for linear/conv/BN/pool/add/readout -------===//
//
// Part of the SpikeStack project.
//
// Small cases are worked by hand (derivation in the comment next to the
// numbers). Convolutions are compared with a naive loop written here from
// the definition (explicitly zero-padded input, dilated window); their
// weights are multiples of 1/8 and their inputs small integers, so every
// float sum is exact and the comparison is bit for bit.
//
//===----------------------------------------------------------------------===//

#include "spikestack/Reference/Kernels.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spikestack::ref {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

Tensor vec(std::vector<double> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return Tensor({n}, std::move(v));
}

/// A tensor of `shape` with values drawn uniformly from `choices`.
Tensor randomTensor(std::vector<int64_t> shape, std::mt19937 &rng,
                    const std::vector<double> &choices) {
  Tensor t(std::move(shape));
  std::uniform_int_distribution<size_t> pick(0, choices.size() - 1);
  for (double &v : t.data)
    v = choices[pick(rng)];
  return t;
}

/// Multiples of 1/8 in [-1, 1]: products with small integers and their sums
/// are exact in f32.
const std::vector<double> kEighths = {-1.0,  -0.875, -0.75, -0.625, -0.5,
                                      -0.375, -0.25, -0.125, 0.0,   0.125,
                                      0.25,  0.375, 0.5,   0.625, 0.75,
                                      0.875, 1.0};
const std::vector<double> kSpikes = {0.0, 1.0};

void expectInvalid(const absl::Status &st, const std::string &what) {
  ASSERT_FALSE(st.ok()) << "expected an error mentioning '" << what << "'";
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), HasSubstr(what));
}

/// Naive 2-D convolution from the definition, over [L..., C, H, W]: the
/// input is first copied into an explicitly zero-padded buffer, then every
/// output is the sum over the dilated window of its group's channels. Float
/// domain when `sat` is unset (exact sum -> f32, then + f32 bias), else the
/// exact integer sum plus bias saturated to `sat`.
Tensor naiveConv2d(const Tensor &x, const Tensor &w, const Tensor *bias,
                   const Conv2dParams &p,
                   std::optional<FixedFormat> sat = std::nullopt) {
  const int64_t r = x.rank();
  const int64_t C = x.dim(r - 3), H = x.dim(r - 2), W = x.dim(r - 1);
  const int64_t O = w.dim(0), CG = w.dim(1), KH = w.dim(2), KW = w.dim(3);
  const int64_t HP = H + p.padTop + p.padBottom;
  const int64_t WP = W + p.padLeft + p.padRight;
  // The dilated kernel covers dilation * (K - 1) + 1 rows; the last window
  // must fit inside the padded input.
  const int64_t spanH = p.dilationH * (KH - 1) + 1;
  const int64_t spanW = p.dilationW * (KW - 1) + 1;
  const int64_t OH = (HP - spanH) / p.strideH + 1;
  const int64_t OW = (WP - spanW) / p.strideW + 1;
  std::vector<int64_t> shape(x.shape.begin(), x.shape.end() - 3);
  int64_t lead = 1;
  for (int64_t d : shape)
    lead *= d;
  shape.insert(shape.end(), {O, OH, OW});
  Tensor out(shape);
  const int64_t outPerGroup = O / p.groups;
  for (int64_t l = 0; l < lead; ++l) {
    std::vector<double> padded(C * HP * WP, 0.0);
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t ww = 0; ww < W; ++ww)
          padded[(c * HP + h + p.padTop) * WP + ww + p.padLeft] =
              x.data[((l * C + c) * H + h) * W + ww];
    for (int64_t o = 0; o < O; ++o) {
      const int64_t group = o / outPerGroup;
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double sum = 0.0;
          for (int64_t cg = 0; cg < CG; ++cg) {
            const int64_t c = group * CG + cg;
            for (int64_t kh = 0; kh < KH; ++kh)
              for (int64_t kw = 0; kw < KW; ++kw)
                sum += padded[(c * HP + oh * p.strideH + kh * p.dilationH) *
                                  WP +
                              ow * p.strideW + kw * p.dilationW] *
                       w.data[((o * CG + cg) * KH + kh) * KW + kw];
          }
          double &dst = out.data[((l * O + o) * OH + oh) * OW + ow];
          if (sat) {
            int64_t v = static_cast<int64_t>(sum);
            if (bias)
              v += static_cast<int64_t>(bias->data[o]);
            dst = static_cast<double>(
                std::clamp(v, sat->minRaw(), sat->maxRaw()));
          } else {
            float f = static_cast<float>(sum);
            if (bias)
              f = f + static_cast<float>(bias->data[o]);
            dst = f;
          }
        }
    }
  }
  return out;
}

/// Runs conv2d and compares shape and data with the naive loop.
void expectConvMatchesNaive(const Tensor &x, const Tensor &w,
                            const Tensor *bias, const Conv2dParams &p,
                            const std::vector<int64_t> &expectedShape,
                            std::optional<FixedFormat> sat = std::nullopt) {
  std::optional<IntDomain> dom;
  if (sat)
    dom = IntDomain{*sat};
  auto out = conv2d(x, w, bias, p, dom);
  ASSERT_TRUE(out.ok()) << out.status();
  Tensor expected = naiveConv2d(x, w, bias, p, sat);
  ASSERT_EQ(expected.shape, expectedShape) << "naive output size";
  ASSERT_EQ(out->shape, expectedShape);
  EXPECT_THAT(out->data, ElementsAreArray(expected.data));
  // The comparison is meaningless on an all-zero result.
  EXPECT_TRUE(std::any_of(expected.data.begin(), expected.data.end(),
                          [](double v) { return v != 0.0; }));
}

//===----------------------------------------------------------------------===//
// linear
//===----------------------------------------------------------------------===//

TEST(LinearTest, FloatSpikesDyadicWeightsAndBias) {
  // x [2, 3] spikes, W [2, 3], b [2]:
  // W = [[0.5, -0.25, 2.0], [1.5, 0.125, -1.0]], b = [0.25, -0.5]
  // row 0, x = [1, 0, 1]: n0 = 0.5 + 2.0 + 0.25 = 2.75
  //                       n1 = 1.5 - 1.0 - 0.5  = 0.0
  // row 1, x = [0, 1, 1]: n0 = -0.25 + 2.0 + 0.25 = 2.0
  //                       n1 = 0.125 - 1.0 - 0.5 = -1.375
  Tensor x({2, 3}, {1, 0, 1, 0, 1, 1});
  Tensor w({2, 3}, {0.5, -0.25, 2.0, 1.5, 0.125, -1.0});
  Tensor b = vec({0.25, -0.5});
  auto y = linear(x, w, &b, std::nullopt);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{2, 2}));
  EXPECT_THAT(y->data, ElementsAre(2.75, 0.0, 2.0, -1.375));
  // Without bias: row 0 = [2.5, 0.5], row 1 = [1.75, -0.875].
  y = linear(x, w, nullptr, std::nullopt);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(y->data, ElementsAre(2.5, 0.5, 1.75, -0.875));
}

TEST(LinearTest, LeadingDimensionsAndCounts) {
  // x [T=2, B=1, N=2, K=2] (counts), W [3, 2]:
  // W = [[1, 0.5], [-2, 0.25], [0, 1]]
  // t0 n0 x = [1, 2]: [1 + 1, -2 + 0.5, 0 + 2] = [2, -1.5, 2]
  // t0 n1 x = [0, 0]: [0, 0, 0]
  // t1 n0 x = [2, 1]: [2 + 0.5, -4 + 0.25, 1]  = [2.5, -3.75, 1]
  // t1 n1 x = [3, 0]: [3, -6, 0]
  Tensor x({2, 1, 2, 2}, {1, 2, 0, 0, 2, 1, 3, 0});
  Tensor w({3, 2}, {1, 0.5, -2, 0.25, 0, 1});
  auto y = linear(x, w, nullptr, std::nullopt);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{2, 1, 2, 3}));
  EXPECT_THAT(y->data, ElementsAre(2, -1.5, 2, 0, 0, 0, 2.5, -3.75, 1, 3, -6,
                                   0));
}

TEST(LinearTest, FloatProductsAreSummedExactlyThenRoundedOnce) {
  // W = [1, 2^-24, 2^-24], x = [1, 1, 1]: the exact sum 1 + 2^-23 is an f32
  // value. Summing in f32 instead would give 1 + 2^-24 -> 1 (tie to even),
  // then + 2^-24 -> 1 again.
  const double e24 = std::ldexp(1.0, -24);
  auto y = linear(Tensor({1, 3}, {1, 1, 1}), Tensor({1, 3}, {1.0, e24, e24}),
                  nullptr, std::nullopt);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(y->data, ElementsAre(1.0 + std::ldexp(1.0, -23)));
}

TEST(LinearTest, FloatBiasIsAddedAfterRoundingTheSum) {
  // W = [2^-24, 2^-48], x = [1, 1], b = 1: the sum 2^-24 + 2^-48 rounds to
  // f32 2^-24; then 1 + 2^-24 is a tie -> 1.0 (even). Adding the bias to the
  // exact sum would give 1 + 2^-24 + 2^-48 -> 1 + 2^-23.
  Tensor b = vec({1.0});
  auto y = linear(Tensor({1, 2}, {1, 1}),
                  Tensor({1, 2}, {std::ldexp(1.0, -24), std::ldexp(1.0, -48)}),
                  &b, std::nullopt);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(y->data, ElementsAre(1.0));
}

TEST(LinearTest, IntegerDomainRawValuesBiasAndSaturation) {
  // Raw integers, output fixed<8, _> ([-128, 127]).
  // W = [[2, 5, -1], [100, 100, 100]], b = [10, 0]
  // x0 = [3, -2, 1]:  n0 = 6 - 10 - 1 + 10 = 5;  n1 = 300 - 200 + 100 = 200
  //                   -> 127 (saturated)
  // x1 = [-2, 0, -1]: n0 = -4 + 0 + 1 + 10 = 7; n1 = -200 - 100 = -300 -> -128
  Tensor x({2, 3}, {3, -2, 1, -2, 0, -1});
  Tensor w({2, 3}, {2, 5, -1, 100, 100, 100});
  Tensor b = vec({10, 0});
  auto y = linear(x, w, &b, IntDomain{FixedFormat{8, 0}});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(y->data, ElementsAre(5, 127, 7, -128));
}

TEST(LinearTest, IntegerDomainSaturatesOnceAtTheEnd) {
  // W = [100, 100, -100], x = [1, 1, 1], fixed<8, _>: the exact sum 100
  // fits. Saturating the running sum would give 100, 200 -> 127, 27.
  auto y = linear(Tensor({1, 3}, {1, 1, 1}), Tensor({1, 3}, {100, 100, -100}),
                  nullptr, IntDomain{FixedFormat{8, 0}});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(y->data, ElementsAre(100));
  // The bias is added before the single saturation: 200 - 150 = 50.
  Tensor b = vec({-150});
  y = linear(Tensor({1, 3}, {1, 1, 0}), Tensor({1, 3}, {100, 100, -100}), &b,
             IntDomain{FixedFormat{8, 0}});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(y->data, ElementsAre(50));
}

TEST(LinearTest, ShapeMismatchIsAnError) {
  expectInvalid(linear(Tensor({2, 3}), Tensor({2, 4}), nullptr, std::nullopt)
                    .status(),
                "does not match weight");
  expectInvalid(linear(Tensor({2, 3}), Tensor({3}), nullptr, std::nullopt)
                    .status(),
                "linear");
}

//===----------------------------------------------------------------------===//
// conv2d
//===----------------------------------------------------------------------===//

TEST(Conv2dTest, HandWorkedSmallCase) {
  // x [1, 3, 3] = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], w [1, 1, 2, 2] =
  // [[1, 2], [0, 0]]: out[i][j] = x[i][j] + 2 x[i][j+1]
  //   = [[1 + 4, 2 + 6], [4 + 10, 5 + 12]] = [[5, 8], [14, 17]]
  Tensor x({1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Tensor w({1, 1, 2, 2}, {1, 2, 0, 0});
  auto y = conv2d(x, w, nullptr, Conv2dParams(), std::nullopt);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{1, 2, 2}));
  EXPECT_THAT(y->data, ElementsAre(5, 8, 14, 17));
  // pad = [top 1, left 0, bottom 0, right 0]: one more output row on top,
  // whose window covers the zero row and row 0 (weights of row 1 are zero)
  // -> [[0, 0], [5, 8], [14, 17]]; bias 0.5 is added everywhere.
  Conv2dParams p;
  p.padTop = 1;
  Tensor b = vec({0.5});
  y = conv2d(x, w, &b, p, std::nullopt);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{1, 3, 2}));
  EXPECT_THAT(y->data, ElementsAre(0.5, 0.5, 5.5, 8.5, 14.5, 17.5));
}

TEST(Conv2dTest, Stride2) {
  std::mt19937 rng(1);
  Tensor x = randomTensor({1, 2, 5, 6}, rng, kSpikes);
  Tensor w = randomTensor({3, 2, 3, 3}, rng, kEighths);
  Conv2dParams p;
  p.strideH = p.strideW = 2;
  // OH = (5 - 3) / 2 + 1 = 2, OW = (6 - 3) / 2 + 1 = 2 (floor of 1.5).
  expectConvMatchesNaive(x, w, nullptr, p, {1, 3, 2, 2});
}

TEST(Conv2dTest, AsymmetricPadding) {
  std::mt19937 rng(2);
  Tensor x = randomTensor({1, 2, 4, 4}, rng, kSpikes);
  Tensor w = randomTensor({2, 2, 3, 3}, rng, kEighths);
  Conv2dParams p;
  p.padTop = 1;    // pad = [1, 0, 1, 2]
  p.padLeft = 0;
  p.padBottom = 1;
  p.padRight = 2;
  // OH = (4 + 1 + 1 - 3) + 1 = 4, OW = (4 + 0 + 2 - 3) + 1 = 4.
  expectConvMatchesNaive(x, w, nullptr, p, {1, 2, 4, 4});
  // The padding is not symmetric: the same conv with left and right
  // swapped must give a different result.
  Conv2dParams swapped = p;
  std::swap(swapped.padLeft, swapped.padRight);
  auto a = conv2d(x, w, nullptr, p, std::nullopt);
  auto b = conv2d(x, w, nullptr, swapped, std::nullopt);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->data, b->data);
}

TEST(Conv2dTest, Dilation2) {
  std::mt19937 rng(3);
  Tensor x = randomTensor({1, 1, 7, 7}, rng, kSpikes);
  Tensor w = randomTensor({2, 1, 3, 3}, rng, kEighths);
  Conv2dParams p;
  p.dilationH = p.dilationW = 2;
  // The dilated 3x3 kernel spans 5: OH = OW = 7 - 5 + 1 = 3.
  expectConvMatchesNaive(x, w, nullptr, p, {1, 2, 3, 3});
}

TEST(Conv2dTest, Groups2) {
  std::mt19937 rng(4);
  Tensor x = randomTensor({1, 4, 4, 4}, rng, kSpikes);
  Tensor w = randomTensor({6, 2, 3, 3}, rng, kEighths);
  Conv2dParams p;
  p.groups = 2; // outputs 0..2 read channels 0..1, outputs 3..5 read 2..3
  expectConvMatchesNaive(x, w, nullptr, p, {1, 6, 2, 2});
  // Hand check of the grouping: zeroing input channels 2..3 leaves outputs
  // 3..5 all zero (their group sees only zeros).
  Tensor x01 = x;
  std::fill(x01.data.begin() + 2 * 16, x01.data.end(), 0.0);
  auto y = conv2d(x01, w, nullptr, p, std::nullopt);
  ASSERT_TRUE(y.ok()) << y.status();
  for (int64_t i = 3 * 4; i < 6 * 4; ++i)
    EXPECT_EQ(y->data[i], 0.0) << i;
}

TEST(Conv2dTest, EverythingWithLeadingTimeAndBatch) {
  // x [T=2, B=2, C=4, H=7, W=6], w [4, 2, 3, 2], groups 2, stride [2, 1],
  // pad [1, 0, 1, 2], dilation [2, 1], bias.
  std::mt19937 rng(5);
  Tensor x = randomTensor({2, 2, 4, 7, 6}, rng, {0.0, 1.0, 2.0});
  Tensor w = randomTensor({4, 2, 3, 2}, rng, kEighths);
  Tensor b = randomTensor({4}, rng, kEighths);
  Conv2dParams p;
  p.strideH = 2;
  p.padTop = 1;
  p.padLeft = 0;
  p.padBottom = 1;
  p.padRight = 2;
  p.dilationH = 2;
  p.groups = 2;
  // OH = (7 + 2 - 2*2 - 1) / 2 + 1 = 3, OW = (6 + 2 - 1 - 1) / 1 + 1 = 7.
  expectConvMatchesNaive(x, w, &b, p, {2, 2, 4, 3, 7});
}

TEST(Conv2dTest, IntegerDomainSaturation) {
  // Counts 0..3 times integer weights in [-8, 8], integer bias; output
  // fixed<6, _> ([-32, 31]) so that some sums saturate.
  std::mt19937 rng(6);
  Tensor x = randomTensor({2, 2, 5, 5}, rng, {0, 1, 2, 3});
  std::vector<double> ints;
  for (int v = -8; v <= 8; ++v)
    ints.push_back(v);
  Tensor w = randomTensor({2, 2, 3, 3}, rng, ints);
  Tensor b = vec({5, -7});
  Conv2dParams p;
  p.padTop = p.padLeft = p.padBottom = p.padRight = 1;
  FixedFormat f6{6, 0};
  expectConvMatchesNaive(x, w, &b, p, {2, 2, 5, 5}, f6);
  // The case must exercise saturation in both directions.
  Tensor wide = naiveConv2d(x, w, &b, p, FixedFormat{32, 0});
  EXPECT_TRUE(std::any_of(wide.data.begin(), wide.data.end(),
                          [](double v) { return v > 31; }));
  EXPECT_TRUE(std::any_of(wide.data.begin(), wide.data.end(),
                          [](double v) { return v < -32; }));
}

TEST(Conv2dTest, Errors) {
  Conv2dParams p;
  p.groups = 2;
  // 3 input channels are not divisible into 2 groups of w.dim(1) = 1.
  expectInvalid(conv2d(Tensor({3, 4, 4}), Tensor({2, 1, 3, 3}), nullptr, p,
                       std::nullopt)
                    .status(),
                "groups");
  expectInvalid(conv2d(Tensor({1, 2, 2}), Tensor({1, 1, 3, 3}), nullptr,
                       Conv2dParams(), std::nullopt)
                    .status(),
                "kernel larger");
  expectInvalid(conv2d(Tensor({4, 4}), Tensor({1, 1, 3, 3}), nullptr,
                       Conv2dParams(), std::nullopt)
                    .status(),
                "ranks");
}

//===----------------------------------------------------------------------===//
// batch_norm
//===----------------------------------------------------------------------===//

TEST(BatchNormTest, FusedF32FormAlongAMiddleChannelDim) {
  // x [2, C=3, 4], channel_dim 1. Expected per element, in f32:
  //   a = (1 / sqrtf(var + eps)) * gamma, b = fma(-mean, a, beta),
  //   y = fma(x, a, b).
  const int64_t N = 2, C = 3, K = 4;
  Tensor x({N, C, K});
  for (int64_t i = 0; i < x.numel(); ++i)
    x.data[i] = static_cast<float>(std::sin(0.7 * i) * 3.0);
  const std::vector<float> gamma = {0.9f, 1.3f, -0.7f},
                           beta = {0.1f, -0.2f, 0.05f},
                           mean = {0.3f, -1.1f, 2.0f},
                           var = {0.5f, 2.0f, 0.01f};
  const float eps = 1e-5f;
  auto toT = [](const std::vector<float> &v) {
    return vec(std::vector<double>(v.begin(), v.end()));
  };
  auto y = batchNorm(x, toT(gamma), toT(beta), toT(mean), toT(var), 1e-5, 1);
  ASSERT_TRUE(y.ok()) << y.status();
  ASSERT_EQ(y->shape, x.shape);
  int unfusedDiffers = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      const float a = (1.0f / std::sqrt(var[c] + eps)) * gamma[c];
      const float b = std::fma(-mean[c], a, beta[c]);
      for (int64_t k = 0; k < K; ++k) {
        const int64_t i = (n * C + c) * K + k;
        const float xf = static_cast<float>(x.data[i]);
        const float expected = std::fma(xf, a, b);
        EXPECT_EQ(y->data[i], static_cast<double>(expected))
            << "n=" << n << " c=" << c << " k=" << k;
        const float unfused = xf * a + b;
        unfusedDiffers += unfused != expected;
      }
    }
  // The data must be able to tell the fused form from the unfused one.
  EXPECT_GT(unfusedDiffers, 0);
}

TEST(BatchNormTest, HandWorkedDyadicCase) {
  // x [2, 2] channel_dim 1, var + eps = 4 (eps 0): invstd = 0.5.
  // c0: gamma 2, beta 1, mean 1 -> a = 1, b = -1 + 1 = 0: y = x
  // c1: gamma 1, beta 0, mean 3 -> a = 0.5, b = -1.5: y = x/2 - 1.5
  // x = [[5, 7], [-1, 3]] -> [[5, 2], [-1, 0]]
  auto y = batchNorm(Tensor({2, 2}, {5, 7, -1, 3}), vec({2, 1}), vec({1, 0}),
                     vec({1, 3}), vec({4, 4}), 0.0, 1);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(y->data, ElementsAre(5, 2, -1, 0));
}

TEST(BatchNormTest, Errors) {
  Tensor x({2, 3, 4});
  Tensor three = vec({1, 1, 1}), two = vec({1, 1});
  expectInvalid(batchNorm(x, three, three, three, two, 1e-5, 1).status(),
                "2 values for 3 channels");
  expectInvalid(batchNorm(x, three, three, three, three, 1e-5, 3).status(),
                "channel_dim");
}

//===----------------------------------------------------------------------===//
// pooledSize, max_pool2d, avg_pool2d
//===----------------------------------------------------------------------===//

TEST(PoolTest, PooledSize) {
  // H = 5, k 2, s 2: span 5 - 1 - 1 = 3; floor 3/2 + 1 = 2, ceil 2 + 1 = 3.
  EXPECT_EQ(pooledSize(5, 0, 0, 2, 2, 1, false), 2);
  EXPECT_EQ(pooledSize(5, 0, 0, 2, 2, 1, true), 3);
  // H = 4, k 2, s 2: span 2, exact: 2 either way.
  EXPECT_EQ(pooledSize(4, 0, 0, 2, 2, 1, true), 2);
  // PyTorch drops a last window that would start in the right padding:
  // H = 3, pad 1/1, k 2, s 2: span 3, ceil -> 3, but window 2 starts at
  // 2*2 - 1 = 3 >= H -> 2.
  EXPECT_EQ(pooledSize(3, 1, 1, 2, 2, 1, true), 2);
  EXPECT_EQ(pooledSize(3, 1, 1, 2, 2, 1, false), 2);
  // Dilation 2, k 3: span 7 - 4 - 1 = 2 -> 3.
  EXPECT_EQ(pooledSize(7, 0, 0, 3, 1, 2, false), 3);
  // Asymmetric padding counts both sides: 4 + 1 + 2 - 3 = 4 -> 5.
  EXPECT_EQ(pooledSize(4, 1, 2, 3, 1, 1, false), 5);
  // Kernel larger than the padded input: -1.
  EXPECT_EQ(pooledSize(2, 0, 0, 3, 1, 1, false), -1);
}

TEST(PoolTest, MaxPoolPaddingNeverWins) {
  // All-negative 3x3 input, k 2, s 2, pad 1 on every side:
  // OH = OW = (3 + 2 - 2)/2 + 1 = 2; windows rows {-1, 0} and {1, 2}.
  //   out[0][0] = max(x[0][0])           = -1
  //   out[0][1] = max(x[0][1..2])        = -2
  //   out[1][0] = max(x[1..2][0])        = -4
  //   out[1][1] = max(x[1..2][1..2])     = -5
  // (A zero padding value would win every window.)
  Tensor x({1, 3, 3}, {-1, -2, -3, -4, -5, -6, -7, -8, -9});
  PoolParams p;
  p.kernelH = p.kernelW = 2;
  p.strideH = p.strideW = 2;
  p.padTop = p.padLeft = p.padBottom = p.padRight = 1;
  auto y = maxPool2d(x, p);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{1, 2, 2}));
  EXPECT_THAT(y->data, ElementsAre(-1, -2, -4, -5));
}

TEST(PoolTest, MaxPoolCeilMode) {
  // 5x5 input x[h][w] = 5h + w + 1, k 2, s 2.
  Tensor x({1, 1, 5, 5});
  for (int64_t i = 0; i < 25; ++i)
    x.data[i] = i + 1;
  PoolParams p;
  p.kernelH = p.kernelW = 2;
  p.strideH = p.strideW = 2;
  // floor: 2x2 windows at rows/cols {0,1}, {2,3}: maxima at the bottom-right
  // of each window: [[7, 9], [17, 19]].
  auto y = maxPool2d(x, p);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{1, 1, 2, 2}));
  EXPECT_THAT(y->data, ElementsAre(7, 9, 17, 19));
  // ceil: a third, partial window at row/col 4:
  // [[7, 9, 10], [17, 19, 20], [22, 24, 25]].
  p.ceilMode = true;
  y = maxPool2d(x, p);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{1, 1, 3, 3}));
  EXPECT_THAT(y->data, ElementsAre(7, 9, 10, 17, 19, 20, 22, 24, 25));
}

TEST(PoolTest, MaxPoolSpikformerStemOnSpikes) {
  // MaxPool(3, s2, p1) over [T=1, B=1, C=1, 4, 4] spikes (an OR):
  // OH = (4 + 2 - 3)/2 + 1 = 2; windows rows {-1..1} and {1..3}.
  // Only x[3][3] = 1: window (1, 1) covers rows 1..3, cols 1..3 -> 1;
  // the others -> 0.
  Tensor x({1, 1, 1, 4, 4});
  x.data[15] = 1;
  PoolParams p;
  p.kernelH = p.kernelW = 3;
  p.strideH = p.strideW = 2;
  p.padTop = p.padLeft = p.padBottom = p.padRight = 1;
  auto y = maxPool2d(x, p);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{1, 1, 1, 2, 2}));
  EXPECT_THAT(y->data, ElementsAre(0, 0, 0, 1));
}

TEST(PoolTest, AvgPoolCountIncludePad) {
  // x = [[1, 2], [3, 4]], k 2, s 1, pad 1 on every side: OH = OW = 3.
  // Window sums (rows/cols clipped to the input):
  //   (0,0): x00 = 1        (0,1): x00 + x01 = 3      (0,2): x01 = 2
  //   (1,0): x00 + x10 = 4  (1,1): 10                 (1,2): x01 + x11 = 6
  //   (2,0): x10 = 3        (2,1): x10 + x11 = 7      (2,2): x11 = 4
  // count_include_pad = true: every window counts 4 -> sum / 4.
  // count_include_pad = false: divide by the number of input elements.
  Tensor x({1, 2, 2}, {1, 2, 3, 4});
  PoolParams p;
  p.kernelH = p.kernelW = 2;
  p.padTop = p.padLeft = p.padBottom = p.padRight = 1;
  auto y = avgPool2d(x, p);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{1, 3, 3}));
  EXPECT_THAT(y->data,
              ElementsAre(0.25, 0.75, 0.5, 1.0, 2.5, 1.5, 0.75, 1.75, 1.0));
  p.countIncludePad = false;
  y = avgPool2d(x, p);
  ASSERT_TRUE(y.ok()) << y.status();
  // (0,0) 1/1, (0,1) 3/2, (0,2) 2/1, (1,0) 4/2, (1,1) 10/4, (1,2) 6/2,
  // (2,0) 3/1, (2,1) 7/2, (2,2) 4/1
  EXPECT_THAT(y->data, ElementsAre(1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4));
}

TEST(PoolTest, AvgPoolCeilModeWindowPastTheBorder) {
  // 3x3 input 1..9, k 2, s 2, no padding, ceil: OH = OW = 2. The windows at
  // index 1 start at row/col 2 and are cut at the input border; PyTorch
  // divides by the part inside (input + padding), even when counting pad:
  //   (0,0): (1 + 2 + 4 + 5)/4 = 3     (0,1): (3 + 6)/2 = 4.5
  //   (1,0): (7 + 8)/2 = 7.5           (1,1): 9/1 = 9
  Tensor x({1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  PoolParams p;
  p.kernelH = p.kernelW = 2;
  p.strideH = p.strideW = 2;
  p.ceilMode = true;
  for (bool include : {true, false}) {
    p.countIncludePad = include;
    auto y = avgPool2d(x, p);
    ASSERT_TRUE(y.ok()) << y.status();
    EXPECT_EQ(y->shape, (std::vector<int64_t>{1, 2, 2}));
    EXPECT_THAT(y->data, ElementsAre(3, 4.5, 7.5, 9))
        << "count_include_pad " << include;
  }
}

TEST(PoolTest, AvgPoolDividesInF32) {
  // 1x3 row [1, 0, 0], k [1, 3]: the mean 1/3 is the f32 quotient.
  Tensor x({1, 1, 3}, {1, 0, 0});
  PoolParams p;
  p.kernelW = 3;
  auto y = avgPool2d(x, p);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(y->data, ElementsAre(static_cast<double>(1.0f / 3.0f)));
}

TEST(PoolTest, Errors) {
  PoolParams p;
  p.kernelH = p.kernelW = 3;
  expectInvalid(maxPool2d(Tensor({1, 2, 2}), p).status(), "kernel larger");
  expectInvalid(avgPool2d(Tensor({2, 2}), p).status(), "[..., C, H, W]");
}

//===----------------------------------------------------------------------===//
// add
//===----------------------------------------------------------------------===//

TEST(AddTest, ExactFloatAndFixed) {
  // Exact (spikes + counts): [1, 2, 0] + [1, 0, 2] = [2, 2, 2].
  auto y = add(vec({1, 2, 0}), vec({1, 0, 2}), AddKind::Exact, std::nullopt);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(y->data, ElementsAre(2, 2, 2));

  // Float: one f32 add of the f32-rounded operands: 0.1f + 0.2f, which is
  // not the double sum 0.1 + 0.2.
  y = add(vec({0.1, 1.0}), vec({0.2, 0.5}), AddKind::Float, std::nullopt);
  ASSERT_TRUE(y.ok()) << y.status();
  ASSERT_NE(static_cast<double>(0.1f + 0.2f), 0.1 + 0.2);
  EXPECT_THAT(y->data, ElementsAre(static_cast<double>(0.1f + 0.2f), 1.5));

  // Fixed, fixed<8, 3>: exact raw sum, saturated: 100 + 100 = 200 -> 127;
  // -100 - 100 = -200 -> -128; 3 - 5 = -2.
  y = add(vec({100, -100, 3}), vec({100, -100, -5}), AddKind::Fixed,
          FixedFormat{8, 3});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(y->data, ElementsAre(127, -128, -2));
}

TEST(AddTest, ShapeMismatchIsAnError) {
  expectInvalid(add(Tensor({2, 3}), Tensor({3, 2}), AddKind::Exact,
                    std::nullopt)
                    .status(),
                "differ");
}

//===----------------------------------------------------------------------===//
// readout
//===----------------------------------------------------------------------===//

TEST(ReadoutTest, FloatMeanOverTokensThenTime) {
  // x [T=2, B=1, N=3, C=2], token_dims {2}; per step, mean over the 3 tokens
  // (f32), then mean over the 2 steps (f32):
  // c0: t0 tokens [1, 0, 1] -> 2/3; t1 [1, 1, 1] -> 1;  (2/3 + 1) / 2
  // c1: t0 tokens [0, 0, 1] -> 1/3; t1 [0, 1, 1] -> 2/3; (1/3 + 2/3) / 2
  Tensor x({2, 1, 3, 2}, {1, 0, 0, 0, 1, 1,   // t0: n0, n1, n2
                          1, 0, 1, 1, 1, 1}); // t1
  const float c0 = (2.0f / 3.0f + 1.0f) / 2.0f;
  const float c1 = (1.0f / 3.0f + 2.0f / 3.0f) / 2.0f;
  // One mean over all 6 values (5/6) rounds differently from c0.
  ASSERT_NE(c0, 5.0f / 6.0f);
  auto y = readout(x, {2}, std::nullopt, 0, Rounding::NearestEven);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{1, 2}));
  EXPECT_THAT(y->data,
              ElementsAre(static_cast<double>(c0), static_cast<double>(c1)));
}

TEST(ReadoutTest, FloatSeveralTokenDimsAtOnce) {
  // x [T=1, B=2, H=2, W=2], token_dims {2, 3}: mean over 4 tokens per b.
  // b0: [1, 0, 0, 1] -> 0.5; b1: [1, 1, 1, 0] -> 0.75.
  Tensor x({1, 2, 2, 2}, {1, 0, 0, 1, 1, 1, 1, 0});
  auto y = readout(x, {2, 3}, std::nullopt, 0, Rounding::NearestEven);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{2}));
  EXPECT_THAT(y->data, ElementsAre(0.5, 0.75));
}

TEST(ReadoutTest, KeepsBatchAndChannelApart) {
  // x [T=1, B=2, N=2, C=3], token_dims {2} -> [B=2, C=3], mean over n:
  // b0: n0 [1, 0, 1], n1 [1, 1, 0] -> [1, 0.5, 0.5]
  // b1: n0 [0, 0, 1], n1 [0, 0, 2] -> [0, 0, 1.5]
  Tensor x({1, 2, 2, 3}, {1, 0, 1, 1, 1, 0,   // b0
                          0, 0, 1, 0, 0, 2}); // b1
  auto y = readout(x, {2}, std::nullopt, 0, Rounding::NearestEven);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_THAT(y->data, ElementsAre(1, 0.5, 0.5, 0, 0, 1.5));
  // Fixed point (frac 1): raw = sum * 2 / 2 = sum:
  // b0 [2, 1, 1], b1 [0, 0, 3].
  y = readout(x, {2}, FixedFormat{8, 1}, 0, Rounding::NearestEven);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(y->data, ElementsAre(2, 1, 1, 0, 0, 3));
  // Token dimension 1 (batch) instead: [T=1, B=2, N=2, C=3] -> [N=2, C=3],
  // mean over b: n0 ([1,0,1] + [0,0,1])/2 = [0.5, 0, 1];
  //              n1 ([1,1,0] + [0,0,2])/2 = [0.5, 0.5, 1].
  y = readout(x, {1}, std::nullopt, 0, Rounding::NearestEven);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_THAT(y->data, ElementsAre(0.5, 0, 1, 0.5, 0.5, 1));
}

TEST(ReadoutTest, FixedSumsThenDividesOnce) {
  // x [T=2, B=1, N=3, C=1] spikes, fixed<8, 0>, nearest_even:
  // t0 [1, 1, 1], t1 [1, 0, 0]: sum 4 over 6 values -> 0.667 -> 1.
  // (Rounding per step would give round(1) = 1, round(1/3) = 0, then
  // round(0.5) = 0.)
  Tensor x({2, 1, 3, 1}, {1, 1, 1, 1, 0, 0});
  auto y = readout(x, {2}, FixedFormat{8, 0}, 0, Rounding::NearestEven);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{1, 1}));
  EXPECT_THAT(y->data, ElementsAre(1));
}

TEST(ReadoutTest, FixedRoundingModesOnTies) {
  // x [T=2, B=1, N=2, C=2], output frac 1: raw = sum * 2 / (2 * 2) = sum / 2.
  // c0: t0 [1, 1], t1 [1, 0] -> sum 3 -> 1.5
  // c1: t0 [0, 1], t1 [0, 0] -> sum 1 -> 0.5
  Tensor x({2, 1, 2, 2}, {1, 0, 1, 1,   // t0: n0 [c0, c1], n1 [c0, c1]
                          1, 0, 0, 0}); // t1
  FixedFormat f{8, 1};
  auto run = [&](Rounding m) {
    auto y = readout(x, {2}, f, 0, m);
    EXPECT_TRUE(y.ok()) << y.status();
    return y.ok() ? y->data : std::vector<double>();
  };
  EXPECT_THAT(run(Rounding::NearestEven), ElementsAre(2, 0));
  EXPECT_THAT(run(Rounding::NearestAway), ElementsAre(2, 1));
  EXPECT_THAT(run(Rounding::Floor), ElementsAre(1, 0));
  EXPECT_THAT(run(Rounding::TowardZero), ElementsAre(1, 0));
}

TEST(ReadoutTest, FixedInputFractionAndSaturation) {
  // Input raw at frac 2, output frac 0: [T=1, B=1, N=2] raw [5, 2] ->
  // (5 + 2) / (2 * 2^2) = 0.875 -> nearest_even 1, floor 0.
  Tensor x({1, 1, 2}, {5, 2});
  auto y = readout(x, {2}, FixedFormat{8, 0}, 2, Rounding::NearestEven);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(y->data, ElementsAre(1));
  y = readout(x, {2}, FixedFormat{8, 0}, 2, Rounding::Floor);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(y->data, ElementsAre(0));
  // Output frac 4 > input frac 0: [3] -> 3 * 16 = 48.
  y = readout(Tensor({1, 1, 1}, {3}), {2}, FixedFormat{8, 4}, 0,
              Rounding::NearestEven);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(y->data, ElementsAre(48));
  // fixed<4, 0> ([-8, 7]): mean 100 -> 7, mean -100 -> -8.
  y = readout(Tensor({1, 2, 2}, {100, 100, -100, -100}), {2},
              FixedFormat{4, 0}, 0, Rounding::NearestEven);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(y->data, ElementsAre(7, -8));
}

TEST(ReadoutTest, BadTokenDims) {
  Tensor x({2, 1, 3, 2});
  expectInvalid(readout(x, {0}, std::nullopt, 0, Rounding::NearestEven)
                    .status(),
                "token dimensions");
  expectInvalid(readout(x, {2, 2}, std::nullopt, 0, Rounding::NearestEven)
                    .status(),
                "token dimensions");
  expectInvalid(readout(x, {4}, std::nullopt, 0, Rounding::NearestEven)
                    .status(),
                "token dimensions");
}

} // namespace
} // namespace spikestack::ref
