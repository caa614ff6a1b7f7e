//===- MoeTest.cpp - Tests for moeRoute / moeDispatch / moeCombine --------===//
//
// Part of the SpikeStack project.
//
// Hand-worked routing cases. The gate weights pick one input feature per
// expert (W = w * I), so the spike rates of a token directly decide its
// logits and therefore its experts. Gates are checked against the
// documented softmax `exp(z - max z) * (1 / sum)` evaluated in f32 here
// (EXPECT_FLOAT_EQ: libm's expf may differ from any other exp in the last
// bit; indices and slots are exact).
//
//===----------------------------------------------------------------------===//

#include "spikestack/Reference/Kernels.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
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

/// w * identity [E, D] with E = D: expert e looks at feature e only.
Tensor scaledIdentity(int64_t n, double w) {
  Tensor t({n, n});
  for (int64_t i = 0; i < n; ++i)
    t.data[i * n + i] = w;
  return t;
}

/// The documented router softmax in f32: exp(z - max) * (1 / sum), the sum
/// taken in expert order.
std::vector<float> softmaxF32(const std::vector<float> &z) {
  float mx = z[0];
  for (float v : z)
    mx = std::max(mx, v);
  std::vector<float> e;
  float sum = 0.0f;
  for (float v : z) {
    e.push_back(std::exp(v - mx));
    sum += e.back();
  }
  const float inv = 1.0f / sum;
  for (float &v : e)
    v = v * inv;
  return e;
}

/// Routing [B, N, K] tensors from nested initializers.
Tensor bnk(int64_t B, int64_t N, int64_t K, std::vector<double> data) {
  return Tensor({B, N, K}, std::move(data));
}

void expectInvalid(const absl::Status &st, const std::string &what) {
  ASSERT_FALSE(st.ok()) << "expected an error mentioning '" << what << "'";
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), HasSubstr(what));
}

//===----------------------------------------------------------------------===//
// moeRoute
//===----------------------------------------------------------------------===//

/// [T=2, B=1, N=3, D=3] spikes:
///   n0: f0 fires at t0 and t1          -> rates [1, 0, 0]
///   n1: f2 fires at t0 and t1          -> rates [0, 0, 1]
///   n2: f1 fires at t0 only            -> rates [0, 0.5, 0]
Tensor threeTokens() {
  return Tensor({2, 1, 3, 3}, {1, 0, 0, 0, 0, 1, 0, 1, 0,   // t0: n0 n1 n2
                               1, 0, 0, 0, 0, 1, 0, 0, 0}); // t1
}

TEST(MoeRouteTest, Top1PicksTheExpertOfTheActiveFeature) {
  // W = 4 I: logits = 4 * rates:
  //   n0 [4, 0, 0] -> e0;  n1 [0, 0, 4] -> e2;  n2 [0, 2, 0] -> e1
  // No capacity (C = N = 3): every assignment gets slot 0 of its expert.
  RouterParams p;
  auto r = moeRoute(threeTokens(), scaledIdentity(3, 4.0), nullptr, p);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->expertIndex.shape, (std::vector<int64_t>{1, 3, 1}));
  EXPECT_EQ(r->gate.shape, (std::vector<int64_t>{1, 3, 1}));
  EXPECT_EQ(r->slot.shape, (std::vector<int64_t>{1, 3, 1}));
  EXPECT_THAT(r->expertIndex.data, ElementsAre(0, 2, 1));
  EXPECT_THAT(r->slot.data, ElementsAre(0, 0, 0));
  // Gates: the winning probability of each token.
  const float g0 = softmaxF32({4, 0, 0})[0]; // 1 / (1 + 2 e^-4) ~ 0.9647
  const float g1 = softmaxF32({0, 0, 4})[2];
  const float g2 = softmaxF32({0, 2, 0})[1]; // 1 / (1 + 2 e^-2) ~ 0.7870
  EXPECT_NEAR(g0, 0.9647, 1e-4); // sanity of the hand formula
  EXPECT_NEAR(g2, 0.7870, 1e-4);
  EXPECT_FLOAT_EQ(r->gate.data[0], g0);
  EXPECT_FLOAT_EQ(r->gate.data[1], g1);
  EXPECT_FLOAT_EQ(r->gate.data[2], g2);
}

TEST(MoeRouteTest, SoftmaxSubtractsTheMaximum) {
  // W = 200 I: n0's logits are [200, 0, 0]. exp(200) overflows f32, so the
  // documented exp(z - max z) form is needed: p = [1, e^-200, e^-200] /
  // (1 + 2 e^-200) = [1, 0, 0] in f32 (e^-200 underflows to 0).
  RouterParams p;
  p.topK = 2;
  auto r = moeRoute(threeTokens(), scaledIdentity(3, 200.0), nullptr, p);
  ASSERT_TRUE(r.ok()) << r.status();
  // n0: experts (e0, then e1 over e2 by the tie rule), gates 1 and 0.
  EXPECT_EQ(r->expertIndex.data[0], 0);
  EXPECT_EQ(r->expertIndex.data[1], 1);
  EXPECT_EQ(r->gate.data[0], 1.0);
  EXPECT_EQ(r->gate.data[1], 0.0);
}

TEST(MoeRouteTest, Top2OrderAndGates) {
  // [T=2, B=1, N=1, D=3]: f0 fires twice, f1 once -> rates [1, 0.5, 0];
  // W = 2 I -> logits [2, 1, 0] -> experts (e0, e1), descending.
  Tensor x({2, 1, 1, 3}, {1, 1, 0, 1, 0, 0});
  RouterParams p;
  p.topK = 2;
  auto r = moeRoute(x, scaledIdentity(3, 2.0), nullptr, p);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->expertIndex.data, ElementsAre(0, 1));
  EXPECT_THAT(r->slot.data, ElementsAre(0, 0));
  // g_i = p_{e_i}: p = softmax([2, 1, 0]) = [1, e^-1, e^-2] / (1 + e^-1 +
  // e^-2) ~ [0.6652, 0.2447, 0.0900].
  const std::vector<float> prob = softmaxF32({2, 1, 0});
  EXPECT_NEAR(prob[0], 0.6652, 1e-4);
  EXPECT_NEAR(prob[1], 0.2447, 1e-4);
  EXPECT_FLOAT_EQ(r->gate.data[0], prob[0]);
  EXPECT_FLOAT_EQ(r->gate.data[1], prob[1]);

  // normalize_gates: g_i / (g_1 + g_2): 0.6652 / 0.9099 ~ 0.7311,
  // 0.2447 / 0.9099 ~ 0.2689 (= 1 / (1 + e^-1) and e^-1 / (1 + e^-1)).
  p.normalizeGates = true;
  r = moeRoute(x, scaledIdentity(3, 2.0), nullptr, p);
  ASSERT_TRUE(r.ok()) << r.status();
  const float kept = prob[0] + prob[1];
  EXPECT_FLOAT_EQ(r->gate.data[0], prob[0] / kept);
  EXPECT_FLOAT_EQ(r->gate.data[1], prob[1] / kept);
  EXPECT_NEAR(r->gate.data[0], 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
  EXPECT_NEAR(r->gate.data[1], std::exp(-1.0) / (1.0 + std::exp(-1.0)), 1e-6);
}

TEST(MoeRouteTest, NormalizedTop1GateIsOne) {
  // With top_k = 1, g / g = 1 exactly.
  RouterParams p;
  p.normalizeGates = true;
  auto r = moeRoute(threeTokens(), scaledIdentity(3, 4.0), nullptr, p);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->gate.data, ElementsAre(1.0, 1.0, 1.0));
}

TEST(MoeRouteTest, CapacityOverflowDropsLaterTokens) {
  // [T=1, B=2, N=3, D=2]: every token has f0 = 1, f1 = 0; W = I -> logits
  // [1, 0] -> all to e0. Capacity 2 per batch element: token order gives
  // slots 0, 1 and the third token is dropped (-1) -- in each batch
  // element separately.
  Tensor x({1, 2, 3, 2}, {1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0});
  RouterParams p;
  p.capacity = 2;
  auto r = moeRoute(x, scaledIdentity(2, 1.0), nullptr, p);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->expertIndex.data, ElementsAre(0, 0, 0, 0, 0, 0));
  EXPECT_THAT(r->slot.data, ElementsAre(0, 1, -1, 0, 1, -1));
  // The dropped token still reports its expert and gate (p = 1/(1 + e^-1)).
  const float g = softmaxF32({1, 0})[0];
  for (int i = 0; i < 6; ++i)
    EXPECT_FLOAT_EQ(r->gate.data[i], g) << i;
}

TEST(MoeRouteTest, Top2CapacityFollowsGShardOrder) {
  // [T=2, B=1, N=3, D=2], W = 2 I, top 2, capacity 2.
  //   n0: f0 [1, 1], f1 [1, 0] -> rates [1, 0.5] -> logits [2, 1] -> (e0, e1)
  //   n1: f0 [1, 0], f1 [1, 1] -> rates [0.5, 1] -> logits [1, 2] -> (e1, e0)
  //   n2: f0 [1, 1], f1 [0, 0] -> rates [1, 0]   -> logits [2, 0] -> (e0, e1)
  // First choices in token order: n0->e0 slot 0, n1->e1 slot 0,
  // n2->e0 slot 1. Then second choices: n0->e1 slot 1, n1->e0 full -> -1,
  // n2->e1 full -> -1.
  // (Token-major order would instead give n0: 0, 0; n1: 1, 1; n2: -1, -1.)
  Tensor x({2, 1, 3, 2}, {1, 1, 1, 1, 1, 0,   // t0: n0 n1 n2
                          1, 0, 0, 1, 1, 0}); // t1
  RouterParams p;
  p.topK = 2;
  p.capacity = 2;
  auto r = moeRoute(x, scaledIdentity(2, 2.0), nullptr, p);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->expertIndex.data, ElementsAre(0, 1, 1, 0, 0, 1));
  EXPECT_THAT(r->slot.data, ElementsAre(0, 1, 0, -1, 1, -1));
}

TEST(MoeRouteTest, TiesGoToTheLowerExpertIndex) {
  // E = 3, D = 2; W rows: e0 = [2, 0], e1 = [0, 2], e2 = [0, 2] (e1 and e2
  // identical). [T=1, B=1, N=2]:
  //   n0 rates [0, 1] -> logits [0, 2, 2]: e1 and e2 tie -> e1 first
  //   n1 rates [0, 0] -> logits [0, 0, 0]: all tie -> e0, then e1
  Tensor x({1, 1, 2, 2}, {0, 1, 0, 0});
  Tensor w({3, 2}, {2, 0, 0, 2, 0, 2});
  RouterParams p;
  auto r = moeRoute(x, w, nullptr, p);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->expertIndex.data, ElementsAre(1, 0));
  p.topK = 2;
  r = moeRoute(x, w, nullptr, p);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->expertIndex.data, ElementsAre(1, 2, 0, 1));
  // Tied experts have equal gates: n0 p = e^0 / (e^-2 + 1 + 1) each;
  // n1 1/3 each.
  EXPECT_EQ(r->gate.data[0], r->gate.data[1]);
  EXPECT_FLOAT_EQ(r->gate.data[0], softmaxF32({0, 2, 2})[1]);
  EXPECT_FLOAT_EQ(r->gate.data[2], softmaxF32({0, 0, 0})[0]);
  EXPECT_NEAR(r->gate.data[2], 1.0 / 3.0, 1e-7);
}

TEST(MoeRouteTest, RouteTimeStepVersusMeanOverTime) {
  // [T=2, B=1, N=1, D=3], W = I:
  //   f0 [1, 0], f1 [0, 1], f2 [1, 1]
  // mean over T: rates [0.5, 0.5, 1] -> e2
  // step 0:      rates [1, 0, 1]     -> e0/e2 tie -> e0
  // step 1:      rates [0, 1, 1]     -> e1/e2 tie -> e1
  Tensor x({2, 1, 1, 3}, {1, 0, 1, 0, 1, 1});
  Tensor w = scaledIdentity(3, 1.0);
  RouterParams p;
  auto r = moeRoute(x, w, nullptr, p);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->expertIndex.data, ElementsAre(2));
  // Its gate: softmax of logits [0.5, 0.5, 1].
  EXPECT_FLOAT_EQ(r->gate.data[0], softmaxF32({0.5f, 0.5f, 1.0f})[2]);
  p.timeStep = 0;
  r = moeRoute(x, w, nullptr, p);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->expertIndex.data, ElementsAre(0));
  p.timeStep = 1;
  r = moeRoute(x, w, nullptr, p);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->expertIndex.data, ElementsAre(1));
}

TEST(MoeRouteTest, GateBiasShiftsTheLogits) {
  // Silent token (rates 0): logits = bias = [0, 1, 0.5] -> top 2 (e1, e2).
  Tensor x({1, 1, 1, 2});
  Tensor w({3, 2}, {1, 1, 1, 1, 1, 1});
  Tensor bias({3}, {0, 1, 0.5});
  RouterParams p;
  p.topK = 2;
  auto r = moeRoute(x, w, &bias, p);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->expertIndex.data, ElementsAre(1, 2));
  const std::vector<float> prob = softmaxF32({0.0f, 1.0f, 0.5f});
  EXPECT_FLOAT_EQ(r->gate.data[0], prob[1]);
  EXPECT_FLOAT_EQ(r->gate.data[1], prob[2]);
}

TEST(MoeRouteTest, Errors) {
  Tensor x({2, 1, 3, 3});
  Tensor w = scaledIdentity(3, 1.0);
  RouterParams p;
  p.topK = 4; // > E = 3
  expectInvalid(moeRoute(x, w, nullptr, p).status(), "top_k");
  p.topK = 0;
  expectInvalid(moeRoute(x, w, nullptr, p).status(), "top_k");
  p.topK = 1;
  p.timeStep = 2; // T = 2
  expectInvalid(moeRoute(x, w, nullptr, p).status(), "time step");
  p.timeStep = -1;
  expectInvalid(moeRoute(x, w, nullptr, p).status(), "time step");
  p.timeStep.reset();
  expectInvalid(moeRoute(x, Tensor({3, 2}), nullptr, p).status(),
                "shapes do not match");
  expectInvalid(moeRoute(Tensor({2, 3, 3}), w, nullptr, p).status(),
                "shapes do not match");
}

//===----------------------------------------------------------------------===//
// moeDispatch
//===----------------------------------------------------------------------===//

/// Input [T=2, B=1, N=3, D=2] with distinct values 100 t + 10 n + d + 1.
Tensor distinctInput() {
  Tensor x({2, 1, 3, 2});
  for (int64_t t = 0; t < 2; ++t)
    for (int64_t n = 0; n < 3; ++n)
      for (int64_t d = 0; d < 2; ++d)
        x.data[(t * 3 + n) * 2 + d] = 100 * t + 10 * n + d + 1;
  return x;
}

TEST(MoeDispatchTest, PlacesTokensAtExpertTimeBatchSlot) {
  // Routing (top 1): n0 -> e0 slot 1, n1 -> e1 slot 0, n2 -> e0 dropped.
  // Output [E=2, T=2, B=1, C=2, D=2]:
  //   out[0, t, 0, 1] = x[t, 0, 0]; out[1, t, 0, 0] = x[t, 0, 1];
  //   out[0, t, 0, 0] and out[1, t, 0, 1] are empty (zero); n2 nowhere.
  Tensor x = distinctInput();
  auto y = moeDispatch(x, bnk(1, 3, 1, {0, 1, 0}), bnk(1, 3, 1, {1, 0, -1}),
                       2, 2);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{2, 2, 1, 2, 2}));
  EXPECT_THAT(y->data, ElementsAre(
                           // e0, t0: slot 0 empty, slot 1 = x[0,0,0] = [1, 2]
                           0, 0, 1, 2,
                           // e0, t1: slot 1 = x[1,0,0] = [101, 102]
                           0, 0, 101, 102,
                           // e1, t0: slot 0 = x[0,0,1] = [11, 12], slot 1 empty
                           11, 12, 0, 0,
                           // e1, t1: slot 0 = x[1,0,1] = [111, 112]
                           111, 112, 0, 0));
}

TEST(MoeDispatchTest, Top2AndBatches) {
  // [T=1, B=2, N=2, D=1] with x[0, b, n] = 10 b + n + 1 (1, 2, 11, 12).
  // b0: n0 -> (e1 s0, e0 s0); n1 -> (e1 s1, e0 dropped)
  // b1: n0 -> (e0 s1, e1 dropped); n1 -> (e0 s0, e1 s0)
  // Output [E=2, T=1, B=2, C=2, D=1]:
  //   e0: b0 [x(b0,n0), 0]        = [1, 0];   b1 [x(b1,n1), x(b1,n0)] = [12, 11]
  //   e1: b0 [x(b0,n0), x(b0,n1)] = [1, 2];   b1 [x(b1,n1), 0]        = [12, 0]
  Tensor x({1, 2, 2, 1}, {1, 2, 11, 12});
  Tensor index = bnk(2, 2, 2, {1, 0, 1, 0, 0, 1, 0, 1});
  Tensor slot = bnk(2, 2, 2, {0, 0, 1, -1, 1, -1, 0, 0});
  auto y = moeDispatch(x, index, slot, 2, 2);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{2, 1, 2, 2, 1}));
  EXPECT_THAT(y->data, ElementsAre(1, 0, 12, 11, 1, 2, 12, 0));
}

TEST(MoeDispatchTest, RoutingErrors) {
  Tensor x = distinctInput(); // B = 1, N = 3
  // Expert index 2 with 2 experts; -1.
  expectInvalid(moeDispatch(x, bnk(1, 3, 1, {0, 2, 0}),
                            bnk(1, 3, 1, {0, 0, 1}), 2, 2)
                    .status(),
                "expert index 2");
  expectInvalid(moeDispatch(x, bnk(1, 3, 1, {0, -1, 0}),
                            bnk(1, 3, 1, {0, 0, 1}), 2, 2)
                    .status(),
                "expert index -1");
  // Slot 2 with capacity 2; slot -2.
  expectInvalid(moeDispatch(x, bnk(1, 3, 1, {0, 1, 0}),
                            bnk(1, 3, 1, {0, 0, 2}), 2, 2)
                    .status(),
                "slot 2");
  expectInvalid(moeDispatch(x, bnk(1, 3, 1, {0, 1, 0}),
                            bnk(1, 3, 1, {0, -2, 1}), 2, 2)
                    .status(),
                "slot -2");
  // Routing for 2 tokens while the input has 3.
  expectInvalid(moeDispatch(x, bnk(1, 2, 1, {0, 1}), bnk(1, 2, 1, {0, 0}), 2,
                            2)
                    .status(),
                "do not match");
}

//===----------------------------------------------------------------------===//
// moeCombine
//===----------------------------------------------------------------------===//

/// Expert output [E=2, T=2, B=1, C=2, D=2]:
///   y[e, t, 0, s] = base(e, s) + 10 t with base e0 s0 [1, 2], e0 s1 [3, 4],
///   e1 s0 [5, 6], e1 s1 [7, 8].
Tensor expertOutput() {
  return Tensor({2, 2, 1, 2, 2}, {1, 2, 3, 4,       // e0, t0
                                  11, 12, 13, 14,   // e0, t1
                                  5, 6, 7, 8,       // e1, t0
                                  15, 16, 17, 18}); // e1, t1
}

TEST(MoeCombineTest, GateWeightedSumSkipsDroppedAssignments) {
  // N = 2, top 2:
  //   n0: (e0, slot 1, gate 0.75), (e1, slot 0, gate 0.25)
  //   n1: (e1, slot 1, gate 0.5),  (e0, dropped, gate 0.5)
  // t0: n0 = 0.75 [3, 4] + 0.25 [5, 6] = [2.25 + 1.25, 3 + 1.5] = [3.5, 4.5]
  //     n1 = 0.5 [7, 8] = [3.5, 4]
  // t1: n0 = 0.75 [13, 14] + 0.25 [15, 16] = [9.75 + 3.75, 10.5 + 4]
  //        = [13.5, 14.5]
  //     n1 = 0.5 [17, 18] = [8.5, 9]
  Tensor index = bnk(1, 2, 2, {0, 1, 1, 0});
  Tensor gate = bnk(1, 2, 2, {0.75, 0.25, 0.5, 0.5});
  Tensor slot = bnk(1, 2, 2, {1, 0, 1, -1});
  auto out = moeCombine(expertOutput(), index, gate, slot);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->shape, (std::vector<int64_t>{2, 1, 2, 2}));
  EXPECT_THAT(out->data, ElementsAre(3.5, 4.5, 3.5, 4, 13.5, 14.5, 8.5, 9));
  // Had n1's second assignment not been dropped (slot 0 of e0), it would add
  // 0.5 [1, 2] at t0 -> [4, 5]: the drop is what removes it.
  Tensor kept = bnk(1, 2, 2, {1, 0, 1, 0});
  out = moeCombine(expertOutput(), index, gate, kept);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAre(3.5, 4.5, 4, 5, 13.5, 14.5, 14, 15));
}

TEST(MoeCombineTest, AllDroppedGivesZero) {
  Tensor index = bnk(1, 2, 1, {0, 1});
  Tensor gate = bnk(1, 2, 1, {0.9, 0.8});
  Tensor slot = bnk(1, 2, 1, {-1, -1});
  auto out = moeCombine(expertOutput(), index, gate, slot);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAre(0, 0, 0, 0, 0, 0, 0, 0));
}

TEST(MoeCombineTest, RoutingErrors) {
  Tensor y = expertOutput(); // E = 2, capacity 2, B = 1
  Tensor gate = bnk(1, 2, 1, {1, 1});
  expectInvalid(moeCombine(y, bnk(1, 2, 1, {0, 2}), gate,
                           bnk(1, 2, 1, {0, 0}))
                    .status(),
                "expert index 2");
  expectInvalid(moeCombine(y, bnk(1, 2, 1, {0, 1}), gate,
                           bnk(1, 2, 1, {2, 0}))
                    .status(),
                "slot 2");
  expectInvalid(moeCombine(y, bnk(1, 2, 1, {0, 1}), bnk(1, 2, 2, {1, 1, 1, 1}),
                           bnk(1, 2, 1, {0, 0}))
                    .status(),
                "gate shape");
  expectInvalid(moeCombine(Tensor({2, 2, 1, 2}), bnk(1, 2, 1, {0, 1}), gate,
                           bnk(1, 2, 1, {0, 0}))
                    .status(),
                "bad ranks");
}

//===----------------------------------------------------------------------===//
// Route -> dispatch -> combine
//===----------------------------------------------------------------------===//

TEST(MoeRoundTripTest, IdentityExpertsGiveGateTimesInput) {
  // With identity experts and no drops, combine(dispatch(x)) = gate * x per
  // token (top 1): threeTokens() routes n0 -> e0, n1 -> e2, n2 -> e1.
  Tensor x = threeTokens();
  RouterParams p;
  auto r = moeRoute(x, scaledIdentity(3, 4.0), nullptr, p);
  ASSERT_TRUE(r.ok()) << r.status();
  auto buffers = moeDispatch(x, r->expertIndex, r->slot, 3, 3);
  ASSERT_TRUE(buffers.ok()) << buffers.status();
  auto out = moeCombine(*buffers, r->expertIndex, r->gate, r->slot);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->shape, x.shape);
  for (int64_t t = 0; t < 2; ++t)
    for (int64_t n = 0; n < 3; ++n)
      for (int64_t d = 0; d < 3; ++d) {
        const int64_t i = (t * 3 + n) * 3 + d;
        EXPECT_EQ(out->data[i],
                  static_cast<double>(static_cast<float>(r->gate.data[n]) *
                                      static_cast<float>(x.data[i])))
            << "t=" << t << " n=" << n << " d=" << d;
      }
}


TEST(MoeGatesTest, ScatterScaledGatesToTheirExperts) {
  // Token 0 chose experts 2 then 0 with gates 0.75, 0.25; token 1 chose
  // 1 then 2 with 0.5, 0.5. Scale 2 (mixture of heads: K = 2).
  Tensor index({1, 2, 2}, {2, 0, 1, 2});
  Tensor gate({1, 2, 2}, {0.75, 0.25, 0.5, 0.5});
  auto out = moeGates(index, gate, 3, 2.0);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->shape, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_THAT(out->data, ElementsAre(0.5, 0, 1.5, 0, 1, 1));
  Tensor bad({1, 2, 2}, {3, 0, 1, 2});
  EXPECT_FALSE(moeGates(bad, gate, 3, 1.0).ok());
}

TEST(MoeRouteTest, RouteLogitsMatchesMoeRouteOnItsLogits) {
  // moeRoute = rates -> linear -> routeLogits: with identity weights and
  // one time step the logits are the input, so both agree exactly.
  Tensor x({1, 1, 3, 2}, {0.0, 1.0, 2.0, 0.0, 1.0, 1.0});
  Tensor w({2, 2}, {1, 0, 0, 1});
  RouterParams p;
  p.topK = 1;
  p.capacity = 1;
  auto a = moeRoute(x, w, nullptr, p);
  auto b = routeLogits(Tensor({1, 3, 2}, x.data), p);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->expertIndex.data, b->expertIndex.data);
  EXPECT_EQ(a->gate.data, b->gate.data);
  EXPECT_EQ(a->slot.data, b->slot.data);
  // Token 0 -> expert 1 (slot 0), token 1 -> expert 0 (slot 0), token 2
  // ties -> expert 0, over the capacity of 1: dropped.
  EXPECT_THAT(b->expertIndex.data, ElementsAre(1, 0, 0));
  EXPECT_THAT(b->slot.data, ElementsAre(0, 0, -1));
}

} // namespace
} // namespace spikestack::ref
