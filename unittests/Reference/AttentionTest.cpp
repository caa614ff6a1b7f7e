//===- AttentionTest.cpp - Tests for ref::spikingAttention / keptHeads ----===//
//
// Part of the SpikeStack project.
//
// SSA and SDSA are compared with naive loops written here straight from the
// SNNOps.td definitions (A = Q K^T per head, X = A V, X * scale; SDSA:
// kv = sum_n K * V) followed by a LIF written here as well (not
// ref::neuron). Head pruning is checked on hand-made Q tensors whose head
// scores are known.
//
//===----------------------------------------------------------------------===//

#include "spikestack/Reference/Kernels.h"

#include <cmath>
#include <cstdint>
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

/// Random 0/1 spikes (fixed seed, so the tests are deterministic).
Tensor randomSpikes(std::vector<int64_t> shape, uint32_t seed) {
  std::mt19937 rng(seed);
  Tensor t(std::move(shape));
  for (double &v : t.data)
    v = static_cast<double>(rng() & 1u);
  return t;
}

/// Index of element (t, b, n, c) of a [T, B, N, C] tensor.
struct Layout4 {
  int64_t T, B, N, C;
  int64_t operator()(int64_t t, int64_t b, int64_t n, int64_t c) const {
    return ((t * B + b) * N + n) * C + c;
  }
};

struct TestLif {
  float tau = 2.0f, threshold = 0.5f;
  bool hardReset = true;
};

/// A float LIF written for the tests (decay_input, v_reset = 0, compare ge,
/// V0 = 0), over dimension 0 of `x` viewed as [T, inner]:
///   H = V + (X - V) / tau;  S = H - th >= 0;  V = S ? (hard ? 0 : H - th) : H
std::vector<double> testLif(const std::vector<float> &x, int64_t T,
                            const TestLif &n) {
  const int64_t inner = static_cast<int64_t>(x.size()) / T;
  std::vector<double> s(x.size(), 0.0);
  for (int64_t i = 0; i < inner; ++i) {
    float v = 0.0f;
    for (int64_t t = 0; t < T; ++t) {
      const float h = v + (x[t * inner + i] - v) / n.tau;
      const bool spike = h - n.threshold >= 0.0f;
      v = spike ? (n.hardReset ? 0.0f : h - n.threshold) : h;
      s[t * inner + i] = spike ? 1.0 : 0.0;
    }
  }
  return s;
}

/// SSA pre-activation from the definition: for every (t, b, head h),
/// A[n][m] = sum_i Q[n][h d + i] K[m][h d + i], X[n][j] = sum_m A[n][m]
/// V[m][h d + j]; returned as the integer X.
std::vector<int64_t> naiveSsaX(const Tensor &q, const Tensor &k,
                               const Tensor &v, int64_t heads) {
  const Layout4 L{q.dim(0), q.dim(1), q.dim(2), q.dim(3)};
  const int64_t d = L.C / heads;
  std::vector<int64_t> X(q.numel(), 0);
  for (int64_t t = 0; t < L.T; ++t)
    for (int64_t b = 0; b < L.B; ++b)
      for (int64_t h = 0; h < heads; ++h)
        for (int64_t n = 0; n < L.N; ++n)
          for (int64_t j = 0; j < d; ++j) {
            int64_t x = 0;
            for (int64_t m = 0; m < L.N; ++m) {
              int64_t a = 0; // A[n][m]
              for (int64_t i = 0; i < d; ++i)
                a += static_cast<int64_t>(q.data[L(t, b, n, h * d + i)]) *
                     static_cast<int64_t>(k.data[L(t, b, m, h * d + i)]);
              x += a * static_cast<int64_t>(v.data[L(t, b, m, h * d + j)]);
            }
            X[L(t, b, n, h * d + j)] = x;
          }
  return X;
}

/// SSA in the float domain: X * scale as one f32 multiply, then testLif.
std::vector<double> naiveSsa(const Tensor &q, const Tensor &k, const Tensor &v,
                             int64_t heads, float scale, const TestLif &n) {
  std::vector<int64_t> X = naiveSsaX(q, k, v, heads);
  std::vector<float> pre(X.size());
  for (size_t i = 0; i < X.size(); ++i)
    pre[i] = static_cast<float>(X[i]) * scale;
  return testLif(pre, q.dim(0), n);
}

/// SDSA from the definition: kv[t, b, c] = sum_n K V, x = kv * scale (f32),
/// s = testLif over time on [T, B, C], out[t, b, n, c] = Q[t, b, n, c] s.
std::vector<double> naiveSdsa(const Tensor &q, const Tensor &k,
                              const Tensor &v, float scale, const TestLif &n) {
  const Layout4 L{q.dim(0), q.dim(1), q.dim(2), q.dim(3)};
  std::vector<float> kv(L.T * L.B * L.C);
  for (int64_t t = 0; t < L.T; ++t)
    for (int64_t b = 0; b < L.B; ++b)
      for (int64_t c = 0; c < L.C; ++c) {
        int64_t sum = 0;
        for (int64_t m = 0; m < L.N; ++m)
          sum += static_cast<int64_t>(k.data[L(t, b, m, c)]) *
                 static_cast<int64_t>(v.data[L(t, b, m, c)]);
        kv[(t * L.B + b) * L.C + c] = static_cast<float>(sum) * scale;
      }
  std::vector<double> s = testLif(kv, L.T, n);
  std::vector<double> out(q.numel());
  for (int64_t t = 0; t < L.T; ++t)
    for (int64_t b = 0; b < L.B; ++b)
      for (int64_t m = 0; m < L.N; ++m)
        for (int64_t c = 0; c < L.C; ++c)
          out[L(t, b, m, c)] =
              q.data[L(t, b, m, c)] * s[(t * L.B + b) * L.C + c];
  return out;
}

NeuronParams toParams(const TestLif &n) {
  NeuronParams p;
  p.tau = n.tau;
  p.vThreshold = n.threshold;
  p.hardReset = n.hardReset;
  return p;
}

/// Expects a spike tensor with both zeros and ones (so that a comparison
/// against it can detect errors).
void expectMixed(const std::vector<double> &s) {
  int64_t ones = 0;
  for (double v : s)
    ones += v != 0.0;
  EXPECT_GT(ones, 0);
  EXPECT_LT(ones, static_cast<int64_t>(s.size()));
}

//===----------------------------------------------------------------------===//
// SSA
//===----------------------------------------------------------------------===//

TEST(AttentionTest, SsaHandWorkedTinyCase) {
  // T = B = 1, N = 2, C = 2, one head; Q = [[1, 0], [1, 1]],
  // K = [[1, 1], [0, 1]], V = [[1, 0], [0, 1]].
  // A = Q K^T = [[1, 0], [2, 1]]; X = A V = [[1, 0], [2, 1]];
  // X * 0.25 = [[0.25, 0], [0.5, 0.25]]; IF with th 0.5, one step:
  // spikes [[0, 0], [1, 0]].
  Tensor q({1, 1, 2, 2}, {1, 0, 1, 1});
  Tensor k({1, 1, 2, 2}, {1, 1, 0, 1});
  Tensor v({1, 1, 2, 2}, {1, 0, 0, 1});
  AttentionParams p;
  p.scale = 0.25;
  p.neuron.leaky = false;
  p.neuron.vThreshold = 0.5;
  auto out = spikingAttention(q, k, v, p);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->shape, q.shape);
  EXPECT_THAT(out->data, ElementsAre(0, 0, 1, 0));
}

TEST(AttentionTest, SsaScaleIsOneF32Multiply) {
  // T = B = 1, N = 3, C = 1 (d = 1), Q = K = V = 1 everywhere:
  // A[n][m] = 1, X[n] = sum_m A[n][m] V[m] = 3 for every token.
  // X * scale with scale 0.3 is f32(3) * f32(0.3) = 0.90000004 in f32,
  // while the double product 0.9 rounds to f32 0.89999998. IF with
  // v_threshold exactly the f32 product: ge fires on every token.
  const float x = 3.0f * 0.3f;
  ASSERT_NE(x, static_cast<float>(3.0 * 0.3));
  ASSERT_GT(x, static_cast<float>(3.0 * 0.3));
  Tensor ones({1, 1, 3, 1}, 1.0);
  AttentionParams p;
  p.scale = 0.3;
  p.neuron.leaky = false;
  p.neuron.vThreshold = x;
  auto out = spikingAttention(ones, ones, ones, p);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAre(1, 1, 1));
  // Same for SDSA: kv = sum_n K V = 3 per channel, then 3 * 0.3 in f32.
  p.spikeDriven = true;
  out = spikingAttention(ones, ones, ones, p);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAre(1, 1, 1));
}

TEST(AttentionTest, SsaMatchesNaiveLoop) {
  // Spikformer's attention: scale 0.125, LIF v_threshold 0.5, tau 2, hard.
  Tensor q = randomSpikes({3, 2, 5, 8}, 11);
  Tensor k = randomSpikes({3, 2, 5, 8}, 12);
  Tensor v = randomSpikes({3, 2, 5, 8}, 13);
  TestLif lif;
  std::vector<double> expected = naiveSsa(q, k, v, 2, 0.125f, lif);
  expectMixed(expected);

  AttentionParams p;
  p.numHeads = 2;
  p.scale = 0.125;
  p.neuron = toParams(lif);
  auto out = spikingAttention(q, k, v, p);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->shape, q.shape);
  EXPECT_THAT(out->data, ElementsAreArray(expected));
}

TEST(AttentionTest, SsaHeadsDoNotMix) {
  // The same tensors with one head (d = 8) give a different result than
  // with two heads (d = 4), and each matches its own naive loop.
  Tensor q = randomSpikes({3, 2, 5, 8}, 21);
  Tensor k = randomSpikes({3, 2, 5, 8}, 22);
  Tensor v = randomSpikes({3, 2, 5, 8}, 23);
  TestLif lif;
  lif.threshold = 1.0f;
  AttentionParams p;
  p.scale = 0.125;
  p.neuron = toParams(lif);
  std::vector<double> one = naiveSsa(q, k, v, 1, 0.125f, lif);
  std::vector<double> two = naiveSsa(q, k, v, 2, 0.125f, lif);
  ASSERT_NE(one, two);
  p.numHeads = 1;
  auto out = spikingAttention(q, k, v, p);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAreArray(one));
  p.numHeads = 2;
  out = spikingAttention(q, k, v, p);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAreArray(two));
}

TEST(AttentionTest, SsaSoftResetAndNonDyadicScale) {
  // Soft reset, scale 0.3 (one f32 multiply of f32(X) by f32(0.3)).
  Tensor q = randomSpikes({3, 2, 5, 8}, 31);
  Tensor k = randomSpikes({3, 2, 5, 8}, 32);
  Tensor v = randomSpikes({3, 2, 5, 8}, 33);
  TestLif lif;
  lif.hardReset = false;
  lif.threshold = 1.0f;
  std::vector<double> expected = naiveSsa(q, k, v, 2, 0.3f, lif);
  expectMixed(expected);
  AttentionParams p;
  p.numHeads = 2;
  p.scale = 0.3;
  p.neuron = toParams(lif);
  auto out = spikingAttention(q, k, v, p);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAreArray(expected));
}

TEST(AttentionTest, SsaFixedPointMembrane) {
  // Membrane fixed<16, 3>, scale 0.125 (= one LSB): the raw neuron input is
  // X * 0.125 * 2^3 = X. LIF tau 2 (M = 16384, so the leak is an exact
  // halving rounded half to even), th 0.5 = raw 4, hard reset to 0:
  //   H = V + round_even((X - V) / 2); S = H >= 4; V = S ? 0 : H.
  Tensor q = randomSpikes({3, 2, 5, 8}, 41);
  Tensor k = randomSpikes({3, 2, 5, 8}, 42);
  Tensor v = randomSpikes({3, 2, 5, 8}, 43);
  std::vector<int64_t> X = naiveSsaX(q, k, v, 2);
  const int64_t T = 3, inner = static_cast<int64_t>(X.size()) / T;
  std::vector<double> expected(X.size());
  for (int64_t i = 0; i < inner; ++i) {
    int64_t V = 0;
    for (int64_t t = 0; t < T; ++t) {
      const int64_t d = X[t * inner + i] - V;
      const int64_t H = V + static_cast<int64_t>(std::nearbyint(d / 2.0));
      const bool s = H >= 4;
      V = s ? 0 : H;
      expected[t * inner + i] = s ? 1.0 : 0.0;
    }
  }
  expectMixed(expected);
  AttentionParams p;
  p.numHeads = 2;
  p.scale = 0.125;
  p.neuron.vThreshold = 0.5;
  p.neuron.membrane = FixedFormat{16, 3};
  auto out = spikingAttention(q, k, v, p);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAreArray(expected));
}

//===----------------------------------------------------------------------===//
// SDSA
//===----------------------------------------------------------------------===//

TEST(AttentionTest, SdsaHandWorkedTinyCase) {
  // T = B = 1, N = 2, C = 2: K = [[1, 1], [1, 0]], V = [[1, 0], [1, 1]]:
  // kv = [1*1 + 1*1, 1*0 + 0*1] = [2, 0]; IF th 1: s = [1, 0];
  // Q = [[1, 1], [0, 1]] -> out = Q * s = [[1, 0], [0, 0]].
  Tensor q({1, 1, 2, 2}, {1, 1, 0, 1});
  Tensor k({1, 1, 2, 2}, {1, 1, 1, 0});
  Tensor v({1, 1, 2, 2}, {1, 0, 1, 1});
  AttentionParams p;
  p.spikeDriven = true;
  p.neuron.leaky = false;
  auto out = spikingAttention(q, k, v, p);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAre(1, 0, 0, 0));
}

TEST(AttentionTest, SdsaMatchesNaiveLoop) {
  Tensor q = randomSpikes({3, 2, 5, 8}, 51);
  Tensor k = randomSpikes({3, 2, 5, 8}, 52);
  Tensor v = randomSpikes({3, 2, 5, 8}, 53);
  TestLif lif; // th 0.5, tau 2, hard
  std::vector<double> expected = naiveSdsa(q, k, v, 0.25f, lif);
  expectMixed(expected);
  AttentionParams p;
  p.spikeDriven = true;
  p.numHeads = 2;
  p.scale = 0.25;
  p.neuron = toParams(lif);
  auto out = spikingAttention(q, k, v, p);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->shape, q.shape);
  EXPECT_THAT(out->data, ElementsAreArray(expected));
  // Different from SSA on the same inputs.
  p.spikeDriven = false;
  auto ssa = spikingAttention(q, k, v, p);
  ASSERT_TRUE(ssa.ok()) << ssa.status();
  EXPECT_NE(ssa->data, expected);
}

TEST(AttentionTest, SdsaSoftResetScaleOne) {
  Tensor q = randomSpikes({3, 2, 5, 8}, 61);
  Tensor k = randomSpikes({3, 2, 5, 8}, 62);
  Tensor v = randomSpikes({3, 2, 5, 8}, 63);
  TestLif lif;
  lif.threshold = 1.0f;
  lif.hardReset = false;
  std::vector<double> expected = naiveSdsa(q, k, v, 1.0f, lif);
  expectMixed(expected);
  AttentionParams p;
  p.spikeDriven = true;
  p.numHeads = 2;
  p.neuron = toParams(lif);
  auto out = spikingAttention(q, k, v, p);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAreArray(expected));
}

//===----------------------------------------------------------------------===//
// Head pruning
//===----------------------------------------------------------------------===//

/// Q [T=1, B=2, N=2, C=8], 4 heads of d = 2. Head scores (spikes of Q per
/// head over tokens and channels):
///   b0: h0 = 1, h1 = 3, h2 = 3, h3 = 0
///   b1: h0 = 2, h1 = 1, h2 = 2, h3 = 2
Tensor handMadeQ() {
  return Tensor({1, 2, 2, 8},
                {// b0, token 0: h0 [1,0] h1 [1,1] h2 [1,1] h3 [0,0]
                 1, 0, 1, 1, 1, 1, 0, 0,
                 // b0, token 1: h0 [0,0] h1 [1,0] h2 [0,1] h3 [0,0]
                 0, 0, 1, 0, 0, 1, 0, 0,
                 // b1, token 0: h0 [1,1] h1 [1,0] h2 [1,0] h3 [0,1]
                 1, 1, 1, 0, 1, 0, 0, 1,
                 // b1, token 1: h0 [0,0] h1 [0,0] h2 [0,1] h3 [1,0]
                 0, 0, 0, 0, 0, 1, 1, 0});
}

using Kept = std::vector<std::vector<int64_t>>;

TEST(HeadPruningTest, KeptHeadsOnKnownScores) {
  Tensor q = handMadeQ();
  // p = 0.5: ceil(0.5 * 4) = 2 heads.
  //   b0: h1 = h2 = 3 -> {1, 2}
  //   b1: h0, h2, h3 tie at 2 -> the lower indices 0 and 2 -> {0, 2}
  EXPECT_EQ(keptHeads(q, 4, 0.5), (Kept{{1, 2}, {0, 2}}));
  // p = 0.25: 1 head. b0: tie h1/h2 -> 1. b1: tie h0/h2/h3 -> 0.
  EXPECT_EQ(keptHeads(q, 4, 0.25), (Kept{{1}, {0}}));
  // p = 0.75: 3 heads. b0: h1, h2, then h0 (1) over h3 (0) -> {0, 1, 2}
  //   (sorted); b1: h0, h2, h3 (all 2) -> {0, 2, 3}.
  EXPECT_EQ(keptHeads(q, 4, 0.75), (Kept{{0, 1, 2}, {0, 2, 3}}));
  // p = 1.0: every head.
  EXPECT_EQ(keptHeads(q, 4, 1.0), (Kept{{0, 1, 2, 3}, {0, 1, 2, 3}}));
}

TEST(HeadPruningTest, ScoresSumOverTime) {
  // T = 3, B = 1, N = 1, C = 2, 2 heads of d = 1:
  // t0 [1, 0], t1 [0, 1], t2 [0, 1] -> h0 = 1, h1 = 2 -> keep {1}.
  // (Scoring t0 alone would keep {0}.)
  Tensor q({3, 1, 1, 2}, {1, 0, 0, 1, 0, 1});
  EXPECT_EQ(keptHeads(q, 2, 0.5), (Kept{{1}}));
}

/// Q [1, 1, N = H, C = H] with d = 1: channel c spikes at tokens n < c, so
/// head c scores exactly c.
Tensor rampQ(int64_t heads) {
  Tensor q({1, 1, heads, heads});
  for (int64_t n = 0; n < heads; ++n)
    for (int64_t c = 0; c < heads; ++c)
      q.data[n * heads + c] = n < c ? 1.0 : 0.0;
  return q;
}

TEST(HeadPruningTest, KeepCountIsCeilOfRatioTimesHeads) {
  // H = 10, scores 0..9: the kept heads are the top ceil(p * 10).
  Tensor q = rampQ(10);
  // p = 0.3 -> 3 -> {7, 8, 9}
  EXPECT_EQ(keptHeads(q, 10, 0.3), (Kept{{7, 8, 9}}));
  // p = 0.35 -> ceil(3.5) = 4 -> {6, 7, 8, 9}
  EXPECT_EQ(keptHeads(q, 10, 0.35), (Kept{{6, 7, 8, 9}}));
  // p = 0.5 -> 5 -> {5, ..., 9}
  EXPECT_EQ(keptHeads(q, 10, 0.5), (Kept{{5, 6, 7, 8, 9}}));
  // p = 1.0 -> all 10
  EXPECT_EQ(keptHeads(q, 10, 1.0), (Kept{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}));
  // p = 0.01 -> ceil(0.1) = 1 -> {9}
  EXPECT_EQ(keptHeads(q, 10, 0.01), (Kept{{9}}));
  // p = 1e-12 -> ceil(1e-11) = 1 (the 1e-9 tolerance must not drop the
  // count to 0) -> {9}
  EXPECT_EQ(keptHeads(q, 10, 1e-12), (Kept{{9}}));
}

TEST(HeadPruningTest, CeilToleratesDecimalRatios) {
  // 0.28 * 25 is 7.000000000000001 in double; the documented ceiling
  // tolerates 1e-9, so 7 heads are kept (not 8): scores 0..24 -> {18..24}.
  ASSERT_GT(0.28 * 25, 7.0);
  Tensor q = rampQ(25);
  EXPECT_EQ(keptHeads(q, 25, 0.28), (Kept{{18, 19, 20, 21, 22, 23, 24}}));
}

/// Q, K, V [3, 2, 5, 8] random, except that Q's head 0 (channels 0..3) is
/// all ones in batch 0 and head 1 (channels 4..7) all ones in batch 1: with
/// 2 heads and p = 0.5, batch 0 keeps head 0 and batch 1 keeps head 1
/// (score 3 * 5 * 4 = 60, the maximum possible).
struct PruningCase {
  Tensor q, k, v;
};
PruningCase pruningCase(uint32_t seed) {
  PruningCase c{randomSpikes({3, 2, 5, 8}, seed),
                randomSpikes({3, 2, 5, 8}, seed + 1),
                randomSpikes({3, 2, 5, 8}, seed + 2)};
  const Layout4 L{3, 2, 5, 8};
  for (int64_t t = 0; t < 3; ++t)
    for (int64_t n = 0; n < 5; ++n)
      for (int64_t j = 0; j < 4; ++j) {
        c.q.data[L(t, 0, n, j)] = 1.0;
        c.q.data[L(t, 1, n, 4 + j)] = 1.0;
      }
  return c;
}

void expectPrunedHeadsZeroKeptHeadsUnchanged(bool spikeDriven) {
  PruningCase c = pruningCase(spikeDriven ? 81 : 71);
  ASSERT_EQ(keptHeads(c.q, 2, 0.5), (Kept{{0}, {1}}));
  AttentionParams p;
  p.spikeDriven = spikeDriven;
  p.numHeads = 2;
  // SDSA's kv is at most N = 5: with 0.125 it would never fire.
  p.scale = spikeDriven ? 0.5 : 0.125;
  p.neuron.vThreshold = 0.5;
  auto full = spikingAttention(c.q, c.k, c.v, p);
  ASSERT_TRUE(full.ok()) << full.status();
  p.headKeepRatio = 0.5;
  auto pruned = spikingAttention(c.q, c.k, c.v, p);
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  const Layout4 L{3, 2, 5, 8};
  int64_t prunedSpikesInFull = 0, keptSpikes = 0;
  for (int64_t t = 0; t < 3; ++t)
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t n = 0; n < 5; ++n)
        for (int64_t c8 = 0; c8 < 8; ++c8) {
          const int64_t head = c8 / 4;
          const bool kept = head == b; // b0 keeps head 0, b1 keeps head 1
          const int64_t i = L(t, b, n, c8);
          if (kept) {
            EXPECT_EQ(pruned->data[i], full->data[i]) << "kept, index " << i;
            keptSpikes += full->data[i] != 0.0;
          } else {
            EXPECT_EQ(pruned->data[i], 0.0) << "pruned, index " << i;
            prunedSpikesInFull += full->data[i] != 0.0;
          }
        }
  // Meaningful only if the pruned heads did fire without pruning and the
  // kept heads fire at all.
  EXPECT_GT(prunedSpikesInFull, 0);
  EXPECT_GT(keptSpikes, 0);
}

TEST(HeadPruningTest, SsaPrunedHeadsAreZeroKeptHeadsUnchanged) {
  expectPrunedHeadsZeroKeptHeadsUnchanged(/*spikeDriven=*/false);
}

TEST(HeadPruningTest, SdsaPrunedHeadsAreZeroKeptHeadsUnchanged) {
  expectPrunedHeadsZeroKeptHeadsUnchanged(/*spikeDriven=*/true);
}

TEST(HeadPruningTest, RatioOneChangesNothing) {
  PruningCase c = pruningCase(91);
  AttentionParams p;
  p.numHeads = 2;
  p.scale = 0.125;
  p.neuron.vThreshold = 0.5;
  auto full = spikingAttention(c.q, c.k, c.v, p);
  p.headKeepRatio = 1.0;
  auto all = spikingAttention(c.q, c.k, c.v, p);
  ASSERT_TRUE(full.ok() && all.ok());
  expectMixed(full->data);
  EXPECT_EQ(all->data, full->data);
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

TEST(AttentionTest, Errors) {
  AttentionParams p;
  p.numHeads = 3; // 8 channels are not divisible into 3 heads
  Tensor q({1, 1, 2, 8});
  auto out = spikingAttention(q, q, q, p);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("heads"));

  p.numHeads = 2;
  out = spikingAttention(q, Tensor({1, 1, 3, 8}), q, p);
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("[T, B, N, C]"));

  // An invalid neuron (tau < 1) is reported.
  p.neuron.tau = 0.5;
  out = spikingAttention(q, q, q, p);
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("tau"));
}

TEST(AttentionTest, SsaHeadGateWeightsEachHeadPerToken) {
  // T = B = 1, N = 2, C = 2, two heads of d = 1; Q = K = V = 1: each head
  // gives X = sum_m 1 * 1 = 2 for every token. Gates [B, N, H] =
  // [[0.5, 0.25], [0, 1]] give pre-activations [[1, 0.5], [0, 2]]; IF with
  // threshold 0.75 fires on (n0, h0) and (n1, h1) only. Without the gate
  // every head fires.
  Tensor ones({1, 1, 2, 2}, 1.0);
  Tensor gate({1, 2, 2}, {0.5, 0.25, 0.0, 1.0});
  AttentionParams p;
  p.numHeads = 2;
  p.neuron.leaky = false;
  p.neuron.vThreshold = 0.75;
  auto plain = spikingAttention(ones, ones, ones, p);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_THAT(plain->data, ElementsAre(1, 1, 1, 1));
  p.headGate = &gate;
  auto out = spikingAttention(ones, ones, ones, p);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAre(1, 0, 0, 1));
  // The gate is one f32 multiply after the scale: 2 * 0.25 * 0.3 with the
  // threshold at exactly f32(f32(2 * 0.25) * f32(0.3)) fires (ge).
  p.scale = 0.25;
  Tensor third({1, 2, 2}, {0.3, 0.3, 0.3, 0.3});
  p.headGate = &third;
  p.neuron.vThreshold = static_cast<float>(0.5f * 0.3f);
  out = spikingAttention(ones, ones, ones, p);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAre(1, 1, 1, 1));
}

TEST(AttentionTest, HeadGateNeedsSsaAndShapeBNH) {
  Tensor ones({1, 1, 2, 2}, 1.0);
  Tensor gate({1, 2, 3}, 1.0);
  AttentionParams p;
  p.numHeads = 2;
  p.headGate = &gate;
  EXPECT_FALSE(spikingAttention(ones, ones, ones, p).ok());
  Tensor good({1, 2, 2}, 1.0);
  p.headGate = &good;
  p.spikeDriven = true;
  EXPECT_FALSE(spikingAttention(ones, ones, ones, p).ok());
}

} // namespace
} // namespace spikestack::ref
