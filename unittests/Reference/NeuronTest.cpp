//===- NeuronTest.cpp - Tests for ref::neuron (LIF / IF) ------------------===//
//
// Part of the SpikeStack project.
//
// Every expected spike train below is worked by hand from the LIF equations
// of docs/rationale.md / SNNOps.td (the derivation is the comment next to
// it). Float inputs are dyadic (k / 2^n) so that the hand arithmetic is
// exact in f32; where f32 rounding is the point of the test, the expected
// membrane value is computed in the test as an f32 expression.
//
//===----------------------------------------------------------------------===//

#include "spikestack/Reference/Kernels.h"

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

/// Runs one neuron (input [T, 1]) over `xs` and returns its spike train; an
/// error is a test failure and yields an empty train (so every ElementsAre
/// expectation fails too).
std::vector<double> run(const std::vector<double> &xs, const NeuronParams &p,
                        int inputFrac = 0) {
  Tensor in({static_cast<int64_t>(xs.size()), 1}, xs);
  auto out = neuron(in, p, inputFrac);
  if (!out.ok()) {
    ADD_FAILURE() << out.status();
    return {};
  }
  EXPECT_EQ(out->shape, in.shape);
  return out->data;
}

/// Expects `neuron` to reject the call with InvalidArgument whose message
/// contains `what`.
void expectInvalid(const Tensor &in, const NeuronParams &p,
                   const std::string &what, int inputFrac = 0) {
  auto out = neuron(in, p, inputFrac);
  ASSERT_FALSE(out.ok()) << "expected an error mentioning '" << what << "'";
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(out.status().message()), HasSubstr(what));
}

NeuronParams lif() { return NeuronParams(); }

NeuronParams ifNeuron() {
  NeuronParams p;
  p.leaky = false;
  return p;
}

NeuronParams withMembrane(NeuronParams p, int width, int frac,
                          Rounding mode = Rounding::NearestEven) {
  p.membrane = FixedFormat{width, frac};
  p.rounding = mode;
  return p;
}

/// In the fixed-point tests that mirror a float derivation, values are held
/// at 8 fractional bits: every hand-worked value below is a multiple of
/// 2^-8 and every leak term halves a multiple of 2^-7, so no rounding occurs
/// and the float derivation holds verbatim for the raw integers.
constexpr int kMirrorFrac = 8;

std::vector<double> toRaw(const std::vector<double> &xs, int frac) {
  std::vector<double> raw;
  for (double x : xs)
    raw.push_back(std::ldexp(x, frac)); // exact: dyadic inputs
  return raw;
}

/// Runs the float derivation `xs` in the fixed domain fixed<16, 8> (input
/// raw at frac 8) with every rounding mode, and checks that each mode
/// produces `expected` (no rounding happens, so the mode must not matter).
void expectMirrored(const std::vector<double> &xs, const NeuronParams &floatP,
                    const std::vector<double> &expected) {
  for (Rounding mode : {Rounding::NearestEven, Rounding::NearestAway,
                        Rounding::Floor, Rounding::TowardZero}) {
    NeuronParams p = withMembrane(floatP, 16, kMirrorFrac, mode);
    EXPECT_THAT(run(toRaw(xs, kMirrorFrac), p, kMirrorFrac),
                ElementsAreArray(expected))
        << "rounding mode " << static_cast<int>(mode);
  }
}

/// Pins the (integer) membrane value H of the last step of a fixed-point run:
/// with v_threshold = H the last step fires (compare ge), with H + 1 it does
/// not. All other steps of `xs` must stay silent under both thresholds.
void expectLastCharge(const std::vector<double> &xs, NeuronParams p,
                      int64_t expectedH, int inputFrac = 0) {
  ASSERT_TRUE(p.membrane.has_value());
  ASSERT_EQ(p.membrane->frac, 0) << "thresholds below are raw integers";
  p.compareGE = true;
  std::vector<double> fires(xs.size(), 0.0), silent(xs.size(), 0.0);
  fires.back() = 1.0;
  p.vThreshold = static_cast<double>(expectedH);
  EXPECT_THAT(run(xs, p, inputFrac), ElementsAreArray(fires))
      << "H should reach " << expectedH;
  p.vThreshold = static_cast<double>(expectedH + 1);
  EXPECT_THAT(run(xs, p, inputFrac), ElementsAreArray(silent))
      << "H should stay below " << expectedH + 1;
}

//===----------------------------------------------------------------------===//
// Float domain
//===----------------------------------------------------------------------===//

TEST(NeuronFloatTest, DefaultsAreSpikingJellyLif) {
  // workloads.md: tau 2.0, v_threshold 1.0, v_reset 0.0 (hard),
  // decay_input true, fire on H - th >= 0.
  NeuronParams p;
  EXPECT_TRUE(p.leaky);
  EXPECT_EQ(p.tau, 2.0);
  EXPECT_EQ(p.vThreshold, 1.0);
  EXPECT_EQ(p.vReset, 0.0);
  EXPECT_TRUE(p.hardReset);
  EXPECT_TRUE(p.decayInput);
  EXPECT_TRUE(p.compareGE);
  EXPECT_FALSE(p.vInit.has_value());
  EXPECT_FALSE(p.membrane.has_value());
}

TEST(NeuronFloatTest, LifHardResetDefaultParameters) {
  // tau 2, th 1, v_reset 0, V0 = v_reset = 0, H = V + (X - V) / 2.
  // t0: H = 0 + (1.5 - 0)/2 = 0.75 -> no spike, V = 0.75
  // t1: H = 0.75 + (1.5 - 0.75)/2 = 1.125 -> spike, V = 0
  // t2: H = 0 + (1.0 - 0)/2 = 0.5 -> no spike, V = 0.5
  // t3: H = 0.5 + (2.0 - 0.5)/2 = 1.25 -> spike, V = 0
  // t4: H = 0 + (0.5 - 0)/2 = 0.25 -> no spike
  EXPECT_THAT(run({1.5, 1.5, 1.0, 2.0, 0.5}, lif()),
              ElementsAre(0, 1, 0, 1, 0));
}

TEST(NeuronFloatTest, HardVersusSoftReset) {
  const std::vector<double> xs = {4.0, 0.0, 1.5, 1.0};
  // Hard reset (V = 0 after a spike):
  // t0: H = 0 + (4 - 0)/2 = 2 -> spike, V = 0
  // t1: H = 0 + (0 - 0)/2 = 0 -> no spike, V = 0
  // t2: H = 0 + (1.5 - 0)/2 = 0.75 -> no spike, V = 0.75
  // t3: H = 0.75 + (1 - 0.75)/2 = 0.875 -> no spike
  EXPECT_THAT(run(xs, lif()), ElementsAre(1, 0, 0, 0));

  // Soft reset (V = H - th after a spike):
  // t0: H = 2 -> spike, V = 2 - 1 = 1
  // t1: H = 1 + (0 - 1)/2 = 0.5 -> no spike, V = 0.5
  // t2: H = 0.5 + (1.5 - 0.5)/2 = 1.0 -> spike (H == th), V = 0
  // t3: H = 0 + (1 - 0)/2 = 0.5 -> no spike
  NeuronParams soft = lif();
  soft.hardReset = false;
  EXPECT_THAT(run(xs, soft), ElementsAre(1, 0, 1, 0));
}

TEST(NeuronFloatTest, SoftResetKeepsTheOvershoot) {
  const std::vector<double> xs = {6.0, 0.0, 0.0};
  // Soft: t0: H = 0 + 6/2 = 3 -> spike, V = 3 - 1 = 2
  //       t1: H = 2 + (0 - 2)/2 = 1 -> spike, V = 0
  //       t2: H = 0 -> no spike
  NeuronParams soft = lif();
  soft.hardReset = false;
  EXPECT_THAT(run(xs, soft), ElementsAre(1, 1, 0));
  // Hard: t0: H = 3 -> spike, V = 0; t1, t2: H = 0 -> no spike.
  EXPECT_THAT(run(xs, lif()), ElementsAre(1, 0, 0));
}

TEST(NeuronFloatTest, DecayInputFalseVersusTrue) {
  const std::vector<double> xs = {0.75, 0.5, 0.25, 1.0};
  // decay_input = false, v_reset = 0: H = V * (1 - 1/2) + X = V/2 + X
  // t0: H = 0*0.5 + 0.75 = 0.75 -> no spike
  // t1: H = 0.75*0.5 + 0.5 = 0.875 -> no spike
  // t2: H = 0.875*0.5 + 0.25 = 0.6875 -> no spike
  // t3: H = 0.6875*0.5 + 1.0 = 1.34375 -> spike
  NeuronParams p = lif();
  p.decayInput = false;
  EXPECT_THAT(run(xs, p), ElementsAre(0, 0, 0, 1));
  // decay_input = true: H = V + (X - V)/2
  // t0: 0.375; t1: 0.375 + (0.5 - 0.375)/2 = 0.4375;
  // t2: 0.4375 + (0.25 - 0.4375)/2 = 0.34375;
  // t3: 0.34375 + (1 - 0.34375)/2 = 0.671875 -> never reaches 1
  EXPECT_THAT(run(xs, lif()), ElementsAre(0, 0, 0, 0));
}

TEST(NeuronFloatTest, DecayInputFalseWithZeroResetUsesVTimesKeep) {
  // v_reset = 0, decay_input = false: H = V * k + X with k = f32(1 - 1/tau)
  // computed in double (SpikingJelly's `v * (1. - 1. / tau) + x`), which
  // rounds differently from `V - V / tau + X`.
  const float k = static_cast<float>(1.0 - 1.0 / 3.0);
  // t0: H = 0 * k + 0.125 = 0.125 -> V = 0.125 (below the threshold below)
  // t1: H = 0.125 * k + 0.25, in f32:
  const float h1 = 0.125f * k + 0.25f;
  const float other = 0.125f - 0.125f / 3.0f + 0.25f; // the other form
  ASSERT_LT(other, h1) << "the two charge forms must differ for this test";
  ASSERT_LT(0.125f, h1);

  NeuronParams p = lif();
  p.tau = 3.0;
  p.decayInput = false;
  p.vThreshold = h1; // exactly representable in f32
  // ge: t1 has H == th exactly -> spike. The `V - V/tau + X` form would give
  // H < th and no spike.
  EXPECT_THAT(run({0.125, 0.25}, p), ElementsAre(0, 1));
  // gt: H == th does not fire.
  p.compareGE = false;
  EXPECT_THAT(run({0.125, 0.25}, p), ElementsAre(0, 0));
}

TEST(NeuronFloatTest, DecayInputFalseWithNonZeroReset) {
  // decay_input = false, v_reset = 0.5: H = V - (V - 0.5)/2 + X,
  // V0 = v_reset = 0.5 (hard reset).
  // t0: H = 0.5 - (0.5 - 0.5)/2 + 0.25 = 0.75 -> no spike, V = 0.75
  // t1: H = 0.75 - (0.75 - 0.5)/2 + 0.5 = 1.125 -> spike, V = 0.5
  // t2: H = 0.5 - 0 + 0 = 0.5 -> no spike, V = 0.5
  // t3: H = 0.5 - 0 + 0.5 = 1.0 -> spike
  // (The v_reset = 0 form V*0.5 + X would give 0.5, 0.75, 0.375, 0.6875:
  // no spikes.)
  NeuronParams p = lif();
  p.decayInput = false;
  p.vReset = 0.5;
  EXPECT_THAT(run({0.25, 0.5, 0.0, 0.5}, p), ElementsAre(0, 1, 0, 1));
}

TEST(NeuronFloatTest, DecayInputTrueDecaysTowardNonZeroReset) {
  // decay_input = true, v_reset = 0.5: H = V + (X - (V - 0.5))/2, V0 = 0.5.
  // t0: H = 0.5 + (0.75 - 0)/2 = 0.875 -> no spike, V = 0.875
  // t1: H = 0.875 + (0.75 - 0.375)/2 = 1.0625 -> spike, V = 0.5
  // t2: H = 0.875 -> no spike; t3: H = 1.0625 -> spike
  // (Decaying toward 0 instead, H = V + (X - V)/2 from V0 = 0.5, would
  // converge to 0.75 without ever firing.)
  NeuronParams p = lif();
  p.vReset = 0.5;
  EXPECT_THAT(run({0.75, 0.75, 0.75, 0.75}, p), ElementsAre(0, 1, 0, 1));
}

TEST(NeuronFloatTest, CompareGeVersusGtAtExactlyTheThreshold) {
  const std::vector<double> xs = {2.0, 2.0, 0.0};
  // ge: t0: H = 0 + (2 - 0)/2 = 1.0 == th -> spike, V = 0
  //     t1: H = 1.0 -> spike, V = 0;  t2: H = 0 -> no spike
  EXPECT_THAT(run(xs, lif()), ElementsAre(1, 1, 0));
  // gt: t0: H = 1.0, not > 1 -> no spike, V = 1
  //     t1: H = 1 + (2 - 1)/2 = 1.5 -> spike, V = 0;  t2: H = 0 -> no spike
  NeuronParams gt = lif();
  gt.compareGE = false;
  EXPECT_THAT(run(xs, gt), ElementsAre(0, 1, 0));
}

TEST(NeuronFloatTest, VInitSetsTheInitialMembrane) {
  const std::vector<double> xs = {1.5, 0.5, 1.5};
  // v_init = 0.5:
  // t0: H = 0.5 + (1.5 - 0.5)/2 = 1.0 -> spike, V = 0
  // t1: H = 0 + (0.5 - 0)/2 = 0.25 -> no spike
  // t2: H = 0.25 + (1.5 - 0.25)/2 = 0.875 -> no spike
  NeuronParams p = lif();
  p.vInit = 0.5;
  EXPECT_THAT(run(xs, p), ElementsAre(1, 0, 0));
  // Without v_init (V0 = 0):
  // t0: 0.75; t1: 0.75 + (0.5 - 0.75)/2 = 0.625;
  // t2: 0.625 + (1.5 - 0.625)/2 = 1.0625 -> spike
  EXPECT_THAT(run(xs, lif()), ElementsAre(0, 0, 1));
}

TEST(NeuronFloatTest, InitialMembraneIsResetForHardAndZeroForSoft) {
  const std::vector<double> xs = {1.0, 1.0};
  // v_reset = 0.5, H = V + (X - (V - 0.5))/2.
  // Hard, V0 = 0.5: t0: H = 0.5 + (1 - 0)/2 = 1.0 -> spike, V = 0.5;
  //                 t1: the same -> spike
  NeuronParams hard = lif();
  hard.vReset = 0.5;
  EXPECT_THAT(run(xs, hard), ElementsAre(1, 1));
  // Soft, V0 = 0: t0: H = 0 + (1 - (0 - 0.5))/2 = 0.75 -> no spike
  //               t1: H = 0.75 + (1 - 0.25)/2 = 1.125 -> spike
  NeuronParams soft = hard;
  soft.hardReset = false;
  EXPECT_THAT(run(xs, soft), ElementsAre(0, 1));
  // An explicit v_init overrides both: soft with v_init = 0.5 behaves like
  // the hard case at t0 (H = 1.0 -> spike, V = 1.0 - 1 = 0), then
  // t1: H = 0 + (1 - (0 - 0.5))/2 = 0.75 -> no spike.
  soft.vInit = 0.5;
  EXPECT_THAT(run(xs, soft), ElementsAre(1, 0));
}

TEST(NeuronFloatTest, TauThreeIsExactF32Arithmetic) {
  // tau = 3 is not dyadic: every step is one f32 operation, in order.
  const float h0 = 0.f + (1.5f - 0.f) / 3.f; // t0, V0 = 0
  const float h1 = h0 + (1.5f - h0) / 3.f;   // t1, no spike at t0
  // A kernel computing in double would get 0.5 + 1/3 at t1, which differs
  // from the f32 value, so with th = h1 either the ge or the gt run below
  // would change.
  ASSERT_NE(static_cast<double>(h1), 0.5 + 1.0 / 3.0);
  ASSERT_LT(h0, h1);

  NeuronParams p = lif();
  p.tau = 3.0;
  p.vThreshold = h1;
  // ge: t0: H = h0 < th -> no spike; t1: H = h1 == th -> spike, V = 0;
  //     t2: H = 0 + (0 - 0)/3 = 0 -> no spike
  EXPECT_THAT(run({1.5, 1.5, 0.0}, p), ElementsAre(0, 1, 0));
  // gt: t1: H == th -> no spike, V = h1; t2: H = h1 + (0 - h1)/3 < th.
  p.compareGE = false;
  EXPECT_THAT(run({1.5, 1.5, 0.0}, p), ElementsAre(0, 0, 0));
}

TEST(NeuronFloatTest, TauThreeSequence) {
  // th = 1, tau = 3, X = 1.5 each step, each H an f32 expression:
  const float x = 1.5f;
  float v = 0.f;
  std::vector<double> expected;
  for (int t = 0; t < 5; ++t) {
    const float h = v + (x - v) / 3.f;
    const bool s = h - 1.0f >= 0.f;
    v = s ? 0.f : h;
    expected.push_back(s ? 1.0 : 0.0);
  }
  // Worked: t0: 0.5; t1: 0.5 + 1/3 = 0.8333; t2: 0.8333 + 0.2222 = 1.0556
  // -> spike; t3: 0.5; t4: 0.8333.
  EXPECT_THAT(expected, ElementsAre(0, 0, 1, 0, 0));
  NeuronParams p = lif();
  p.tau = 3.0;
  EXPECT_THAT(run({1.5, 1.5, 1.5, 1.5, 1.5}, p), ElementsAreArray(expected));
}

TEST(NeuronFloatTest, IfHasNoLeak) {
  const std::vector<double> xs = {0.5, 0.25, 0.25, 0.75, 0.5};
  // IF: H = V + X.
  // t0: 0.5; t1: 0.75; t2: 1.0 -> spike, V = 0; t3: 0.75; t4: 1.25 -> spike
  EXPECT_THAT(run(xs, ifNeuron()), ElementsAre(0, 0, 1, 0, 1));
  // The LIF (tau 2) on the same input: 0.25, 0.25, 0.25, 0.5, 0.5 -> none.
  EXPECT_THAT(run(xs, lif()), ElementsAre(0, 0, 0, 0, 0));
}

TEST(NeuronFloatTest, IfSoftResetAndIgnoredTau) {
  const std::vector<double> xs = {0.75, 0.75, 0.75};
  // IF soft: t0: 0.75; t1: 1.5 -> spike, V = 0.5; t2: 1.25 -> spike
  NeuronParams p = ifNeuron();
  p.hardReset = false;
  p.tau = 0.5; // IF has no tau: a value < 1 is not an error
  EXPECT_THAT(run(xs, p), ElementsAre(0, 1, 1));
  // IF hard: t0: 0.75; t1: 1.5 -> spike, V = 0; t2: 0.75
  EXPECT_THAT(run(xs, ifNeuron()), ElementsAre(0, 1, 0));
}

// Per-channel parameters: input [T, 3] with channel_dim 1, X = 1.5 always.
// Output data is [t][c].
TEST(NeuronFloatTest, PerChannelThreshold) {
  NeuronParams p = lif();
  p.channelDim = 1;
  p.channelThreshold = {1.0, 0.5, 1.25};
  // H = V + (1.5 - V)/2:
  // c0 th 1:    t0 0.75; t1 1.125 spike; t2 0.75            -> 0 1 0
  // c1 th 0.5:  every step H = 0.75 >= 0.5 -> spike          -> 1 1 1
  // c2 th 1.25: t0 0.75; t1 1.125; t2 1.3125 spike           -> 0 0 1
  auto out = neuron(Tensor({3, 3}, 1.5), p);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAre(0, 1, 0,   // t0
                                     1, 1, 0,   // t1
                                     0, 1, 1)); // t2
}

TEST(NeuronFloatTest, PerChannelReset) {
  NeuronParams p = lif();
  p.channelDim = 1;
  p.channelReset = {0.0, 0.5, -0.25};
  // H = V + (1.5 - (V - vr))/2, V0 = vr (hard), reset to vr:
  // c0 vr 0:     0.75; 1.125 spike; 0.75                          -> 0 1 0
  // c1 vr 0.5:   H = 0.5 + (1.5 - 0)/2 = 1.25 spike, V = 0.5; ... -> 1 1 1
  // c2 vr -0.25: t0 H = -0.25 + (1.5 - 0)/2 = 0.5
  //              t1 H = 0.5 + (1.5 - 0.75)/2 = 0.875
  //              t2 H = 0.875 + (1.5 - 1.125)/2 = 1.0625 spike    -> 0 0 1
  auto out = neuron(Tensor({3, 3}, 1.5), p);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAre(0, 1, 0,   // t0
                                     1, 1, 0,   // t1
                                     0, 1, 1)); // t2
}

TEST(NeuronFloatTest, PerChannelTau) {
  NeuronParams p = lif();
  p.channelDim = 1;
  p.channelTau = {2.0, 4.0, 1.0};
  // c0 tau 2: 0.75; 1.125 spike; 0.75; 1.125 spike               -> 0 1 0 1
  // c1 tau 4: t0 1.5/4 = 0.375; t1 0.375 + 1.125/4 = 0.65625;
  //           t2 0.65625 + 0.84375/4 = 0.8671875;
  //           t3 0.8671875 + 0.6328125/4 = 1.025390625 spike      -> 0 0 0 1
  // c2 tau 1: H = V + (X - V) = 1.5 every step -> spike           -> 1 1 1 1
  auto out = neuron(Tensor({4, 3}, 1.5), p);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAre(0, 0, 1,   // t0
                                     1, 0, 1,   // t1
                                     0, 0, 1,   // t2
                                     1, 1, 1)); // t3
}

// NOTE (documentation gap, see the report): rationale.md documents the
// decay_input = false, v_reset = 0 charge as `H = V * k + X` with
// `k = f32(1 - 1/tau)` computed in double, without distinguishing scalar and
// per-channel tau. The kernel (Kernels.cpp:146-149, with a comment) computes
// k in f32 (`1.0f - 1.0f / tau`) when tau comes from `channel_tau`, as PyTorch
// does for a tensor tau. This test pins that behaviour and shows that it is
// observable.
TEST(NeuronFloatTest, PerChannelTauKeepFactorIsComputedInF32) {
  const float kDouble = static_cast<float>(1.0 - 1.0 / 3.0);
  const float kFloat = 1.0f - 1.0f / 3.0f;
  // t0: H = 0 * k + 0.796875 = 0.796875 -> no spike, V = 0.796875
  // t1: H = 0.796875 * k + 0.46875:
  const float hScalar = 0.796875f * kDouble + 0.46875f;  // == 1.0f -> spike
  const float hChannel = 0.796875f * kFloat + 0.46875f;  // < 1.0f -> no spike
  ASSERT_EQ(hScalar, 1.0f);
  ASSERT_LT(hChannel, 1.0f);

  NeuronParams scalar = lif();
  scalar.tau = 3.0;
  scalar.decayInput = false;
  EXPECT_THAT(run({0.796875, 0.46875}, scalar), ElementsAre(0, 1));

  NeuronParams perChannel = scalar;
  perChannel.channelDim = 1;
  perChannel.channelTau = {3.0};
  EXPECT_THAT(run({0.796875, 0.46875}, perChannel), ElementsAre(0, 0));
}

/// Hand-derived trains for X = 1.5 with thresholds {1.0, 0.5, 1.25}
/// (see PerChannelThreshold): kTrain[channel][t].
const double kTrain[3][3] = {{0, 1, 0}, {1, 1, 1}, {0, 0, 1}};

TEST(NeuronFloatTest, FourDimensionalInputChannelDim3) {
  // [T=3, B=2, N=2, C=3], channel_dim 3; batch 0 gets X = 1.5 everywhere
  // (trains kTrain[c]), batch 1 gets X = 0 (never fires).
  const int64_t T = 3, B = 2, N = 2, C = 3;
  Tensor in({T, B, N, C});
  for (int64_t t = 0; t < T; ++t)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c)
        in.data[((t * B + 0) * N + n) * C + c] = 1.5;
  NeuronParams p = lif();
  p.channelDim = 3;
  p.channelThreshold = {1.0, 0.5, 1.25};
  auto out = neuron(in, p);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->shape, in.shape);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
          EXPECT_EQ(out->data[((t * B + b) * N + n) * C + c],
                    b == 0 ? kTrain[c][t] : 0.0)
              << "t=" << t << " b=" << b << " n=" << n << " c=" << c;
}

TEST(NeuronFloatTest, FourDimensionalInputChannelDim2) {
  // [T=3, B=2, N=3, C=2], channel_dim 2 (the token dimension); X = 1.5
  // everywhere, so element (t, b, n, c) follows kTrain[n][t].
  const int64_t T = 3, B = 2, N = 3, C = 2;
  NeuronParams p = lif();
  p.channelDim = 2;
  p.channelThreshold = {1.0, 0.5, 1.25};
  auto out = neuron(Tensor({T, B, N, C}, 1.5), p);
  ASSERT_TRUE(out.ok()) << out.status();
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
          EXPECT_EQ(out->data[((t * B + b) * N + n) * C + c], kTrain[n][t])
              << "t=" << t << " b=" << b << " n=" << n << " c=" << c;
}

TEST(NeuronFloatTest, Errors) {
  Tensor in({2, 3}, 1.0);
  NeuronParams p = lif();
  p.tau = 0.5; // tau < 1
  expectInvalid(in, p, "tau must be >= 1");

  p = lif();
  p.channelDim = 1;
  p.channelTau = {2.0, 0.5, 2.0};
  expectInvalid(in, p, "channel 1");

  p = lif();
  p.channelDim = 1;
  p.channelThreshold = {1.0, 1.0}; // 2 values for 3 channels
  expectInvalid(in, p, "2 values for 3 channels");

  p = lif();
  p.channelDim = 1;
  p.channelReset = {0.0, 0.0, 0.0, 0.0};
  expectInvalid(in, p, "4 values for 3 channels");

  p = lif();
  p.channelDim = 2; // rank 2: dims 0 (time) and 1 only
  expectInvalid(in, p, "channel_dim");

  expectInvalid(Tensor({4}, 1.0), lif(), "[T, ...]");
}

//===----------------------------------------------------------------------===//
// Fixed-point domain
//===----------------------------------------------------------------------===//

TEST(NeuronFixedTest, LeakMultiplier) {
  EXPECT_EQ(kLeakShift, 15);
  EXPECT_EQ(leakMultiplier(3.0), 10923); // 32768/3 = 10922.67 -> 10923
  EXPECT_EQ(leakMultiplier(2.0), 16384); // 32768/2
  EXPECT_EQ(leakMultiplier(4.0), 8192);
  EXPECT_EQ(leakMultiplier(1.0), 32768);
  EXPECT_EQ(leakMultiplier(65536.0), 0); // 0.5 -> half to even -> 0
}

struct LeakCase {
  int64_t x;
  Rounding mode;
  int64_t h;
};

TEST(NeuronFixedTest, LeakRoundsExactHalvesWithEachMode) {
  // fixed<16, 0>, tau 2 (M = 16384), V0 = 0, v_reset = 0, one step:
  // H = 0 + round((X - 0) * 16384 >> 15) = round(X / 2).
  const LeakCase cases[] = {
      // X = 3: 1.5 -> nearest_even 2, nearest_away 2, floor 1, toward_zero 1
      {3, Rounding::NearestEven, 2},
      {3, Rounding::NearestAway, 2},
      {3, Rounding::Floor, 1},
      {3, Rounding::TowardZero, 1},
      // X = -3: -1.5 -> -2, -2, -2, -1
      {-3, Rounding::NearestEven, -2},
      {-3, Rounding::NearestAway, -2},
      {-3, Rounding::Floor, -2},
      {-3, Rounding::TowardZero, -1},
      // X = 5: 2.5 -> 2, 3, 2, 2
      {5, Rounding::NearestEven, 2},
      {5, Rounding::NearestAway, 3},
      {5, Rounding::Floor, 2},
      {5, Rounding::TowardZero, 2},
      // X = -5: -2.5 -> -2, -3, -3, -2
      {-5, Rounding::NearestEven, -2},
      {-5, Rounding::NearestAway, -3},
      {-5, Rounding::Floor, -3},
      {-5, Rounding::TowardZero, -2},
  };
  for (const LeakCase &c : cases) {
    SCOPED_TRACE(testing::Message() << "X = " << c.x << ", mode "
                                    << static_cast<int>(c.mode));
    expectLastCharge({static_cast<double>(c.x)},
                     withMembrane(lif(), 16, 0, c.mode), c.h);
  }
}

TEST(NeuronFixedTest, LeakUsesTheRoundedMultiplier) {
  // tau 3: M = 10923 (not 1/3). fixed<32, 0>, X = 49152, V0 = 0:
  // 49152 * 10923 / 2^15 = 1.5 * 10923 = 16384.5 (with the exact 1/3 it
  // would be 16384 exactly; with M = 10922 it would be 16383).
  // nearest_even 16384, nearest_away 16385, floor 16384, toward_zero 16384.
  NeuronParams p = lif();
  p.tau = 3.0;
  expectLastCharge({49152}, withMembrane(p, 32, 0, Rounding::NearestEven),
                   16384);
  expectLastCharge({49152}, withMembrane(p, 32, 0, Rounding::NearestAway),
                   16385);
  expectLastCharge({49152}, withMembrane(p, 32, 0, Rounding::Floor), 16384);
  expectLastCharge({49152}, withMembrane(p, 32, 0, Rounding::TowardZero),
                   16384);
}

TEST(NeuronFixedTest, DecayInputFalseLeakRounding) {
  // fixed<16, 0>, tau 2, decay_input = false, v_init 5, X = 0:
  // H = 5 - round(5 * 16384 >> 15) + 0 = 5 - round(2.5)
  //   nearest_even 5 - 2 = 3, nearest_away 5 - 3 = 2, floor 3, toward_zero 3
  NeuronParams p = lif();
  p.decayInput = false;
  p.vInit = 5.0;
  expectLastCharge({0}, withMembrane(p, 16, 0, Rounding::NearestEven), 3);
  expectLastCharge({0}, withMembrane(p, 16, 0, Rounding::NearestAway), 2);
  expectLastCharge({0}, withMembrane(p, 16, 0, Rounding::Floor), 3);
  expectLastCharge({0}, withMembrane(p, 16, 0, Rounding::TowardZero), 3);
  // With v_reset 1 and v_init 6 the leak acts on V - Vr = 5:
  // H = 6 - round(2.5): nearest_even 4, nearest_away 3.
  p.vReset = 1.0;
  p.vInit = 6.0;
  expectLastCharge({0}, withMembrane(p, 16, 0, Rounding::NearestEven), 4);
  expectLastCharge({0}, withMembrane(p, 16, 0, Rounding::NearestAway), 3);
}

TEST(NeuronFixedTest, DecayInputTrueWithNonZeroReset) {
  // fixed<16, 0>, tau 2, v_reset 1, v_init 6, X = 0:
  // H = 6 + round((0 - (6 - 1)) / 2) = 6 + round(-2.5)
  //   nearest_even 6 - 2 = 4, nearest_away 6 - 3 = 3, floor 3, toward_zero 4
  NeuronParams p = lif();
  p.vReset = 1.0;
  p.vInit = 6.0;
  expectLastCharge({0}, withMembrane(p, 16, 0, Rounding::NearestEven), 4);
  expectLastCharge({0}, withMembrane(p, 16, 0, Rounding::NearestAway), 3);
  expectLastCharge({0}, withMembrane(p, 16, 0, Rounding::Floor), 3);
  expectLastCharge({0}, withMembrane(p, 16, 0, Rounding::TowardZero), 4);
}

TEST(NeuronFixedTest, DifferencesInsideTheChargeAreWide) {
  // rationale.md: "Differences inside the expression are exact (wide); H
  // saturates to W bits". fixed<8, 0> ([-128, 127]), tau 2, v_reset -100,
  // v_init 100, X = 0:
  // H = 100 + round((0 - (100 - (-100))) / 2) = 100 + (-200 / 2) = 0.
  // (Saturating V - Vr = 200 to 127 first would give 100 + round(-63.5) = 36.)
  NeuronParams p = lif();
  p.vReset = -100.0;
  p.vInit = 100.0;
  expectLastCharge({0}, withMembrane(p, 8, 0), 0);
}

TEST(NeuronFixedTest, MirrorsFloatHardAndSoftReset) {
  // Same derivation as NeuronFloatTest.HardVersusSoftReset.
  expectMirrored({4.0, 0.0, 1.5, 1.0}, lif(), {1, 0, 0, 0});
  NeuronParams soft = lif();
  soft.hardReset = false;
  expectMirrored({4.0, 0.0, 1.5, 1.0}, soft, {1, 0, 1, 0});
  expectMirrored({6.0, 0.0, 0.0}, soft, {1, 1, 0});
}

TEST(NeuronFixedTest, MirrorsFloatDecayInputAndReset) {
  // NeuronFloatTest.LifHardResetDefaultParameters:
  expectMirrored({1.5, 1.5, 1.0, 2.0, 0.5}, lif(), {0, 1, 0, 1, 0});
  // NeuronFloatTest.DecayInputFalseVersusTrue (values multiples of 2^-6):
  NeuronParams noDecay = lif();
  noDecay.decayInput = false;
  expectMirrored({0.75, 0.5, 0.25, 1.0}, noDecay, {0, 0, 0, 1});
  // NeuronFloatTest.DecayInputFalseWithNonZeroReset:
  noDecay.vReset = 0.5;
  expectMirrored({0.25, 0.5, 0.0, 0.5}, noDecay, {0, 1, 0, 1});
  // NeuronFloatTest.DecayInputTrueDecaysTowardNonZeroReset:
  NeuronParams towardReset = lif();
  towardReset.vReset = 0.5;
  expectMirrored({0.75, 0.75, 0.75, 0.75}, towardReset, {0, 1, 0, 1});
}

TEST(NeuronFixedTest, MirrorsFloatCompareVInitAndIf) {
  // NeuronFloatTest.CompareGeVersusGtAtExactlyTheThreshold:
  expectMirrored({2.0, 2.0, 0.0}, lif(), {1, 1, 0});
  NeuronParams gt = lif();
  gt.compareGE = false;
  expectMirrored({2.0, 2.0, 0.0}, gt, {0, 1, 0});
  // NeuronFloatTest.VInitSetsTheInitialMembrane:
  NeuronParams init = lif();
  init.vInit = 0.5;
  expectMirrored({1.5, 0.5, 1.5}, init, {1, 0, 0});
  // NeuronFloatTest.InitialMembraneIsResetForHardAndZeroForSoft:
  NeuronParams soft = lif();
  soft.vReset = 0.5;
  soft.hardReset = false;
  expectMirrored({1.0, 1.0}, soft, {0, 1});
  // NeuronFloatTest.IfHasNoLeak / IfSoftResetAndIgnoredTau:
  expectMirrored({0.5, 0.25, 0.25, 0.75, 0.5}, ifNeuron(), {0, 0, 1, 0, 1});
  NeuronParams ifSoft = ifNeuron();
  ifSoft.hardReset = false;
  expectMirrored({0.75, 0.75, 0.75}, ifSoft, {0, 1, 1});
}

TEST(NeuronFixedTest, CompareGeVersusGtOnRawIntegers) {
  // fixed<16, 0> IF, th 2: X = 2 -> H = 2: ge fires, gt does not;
  // X = 3 -> H = 3: both fire.
  NeuronParams ge = withMembrane(ifNeuron(), 16, 0);
  ge.vThreshold = 2.0;
  NeuronParams gt = ge;
  gt.compareGE = false;
  EXPECT_THAT(run({2}, ge), ElementsAre(1));
  EXPECT_THAT(run({2}, gt), ElementsAre(0));
  EXPECT_THAT(run({3}, ge), ElementsAre(1));
  EXPECT_THAT(run({3}, gt), ElementsAre(1));
}

TEST(NeuronFixedTest, SaturatesHAtTheWidth) {
  // fixed<8, 0> ([-128, 127]) IF, th 100.
  // Soft reset, X = 90, 90, 30:
  // t0: H = 90 -> no spike
  // t1: H = sat(180) = 127 -> spike, V = sat(127 - 100) = 27
  // t2: H = 27 + 30 = 57 -> no spike
  // (Without saturation: V = 80 after t1, t2: H = 110 -> spike.)
  NeuronParams soft = withMembrane(ifNeuron(), 8, 0);
  soft.vThreshold = 100.0;
  soft.hardReset = false;
  EXPECT_THAT(run({90, 90, 30}, soft), ElementsAre(0, 1, 0));

  // Hard reset, X = -100, -100, 100, 127, 1 (negative saturation):
  // t0: -100; t1: sat(-200) = -128; t2: -28; t3: 99; t4: 100 -> spike
  // (Without saturation: -100, -200, -100, 27, 28 -> no spike.)
  NeuronParams hard = withMembrane(ifNeuron(), 8, 0);
  hard.vThreshold = 100.0;
  EXPECT_THAT(run({-100, -100, 100, 127, 1}, hard),
              ElementsAre(0, 0, 0, 0, 1));

  // LIF, tau 2, soft reset, th 100, count input X = 300, 150:
  // t0: H = sat(0 + 300/2 = 150) = 127 -> spike, V = 27
  // t1: H = 27 + round((150 - 27)/2 = 61.5) = 27 + 62 = 89 -> no spike
  // (Without saturation: V = 50, t1: H = 50 + 50 = 100 -> spike.)
  NeuronParams lifSoft = withMembrane(lif(), 8, 0);
  lifSoft.vThreshold = 100.0;
  lifSoft.hardReset = false;
  EXPECT_THAT(run({300, 150}, lifSoft), ElementsAre(1, 0));
}

TEST(NeuronFixedTest, SoftResetSaturatesTheNewMembrane) {
  // Soft reset V = sat(H - Th) can only leave the range with a negative
  // threshold. fixed<8, 0> IF, soft, th -100, X = 127, -300:
  // t0: H = 127 >= -100 -> spike, V = sat(127 + 100 = 227) = 127
  // t1: H = sat(127 - 300 = -173) = -128 < -100 -> no spike
  // (Without saturating V: V = 227, t1: H = -73 -> spike.)
  NeuronParams p = withMembrane(ifNeuron(), 8, 0);
  p.hardReset = false;
  p.vThreshold = -100.0;
  EXPECT_THAT(run({127, -300}, p), ElementsAre(1, 0));
}

TEST(NeuronFixedTest, SpikeInputIsScaledToTheMembraneFormat) {
  // fixed<16, 4> IF, th 1.5 (raw 24); spikes (input frac 0) are scaled by
  // 2^4 = 16: t0: H = 16; t1: H = 32 -> spike, V = 0; t2: 0; t3: 16.
  // (Unscaled, H would be 1, 2, 2, 3 and never reach 24.)
  NeuronParams p = withMembrane(ifNeuron(), 16, 4);
  p.vThreshold = 1.5;
  EXPECT_THAT(run({1, 1, 0, 1}, p, /*inputFrac=*/0), ElementsAre(0, 1, 0, 0));
  // Input frac 2: raw 6 = 1.5 is scaled by 2^(4-2) = 4 -> 24 -> spike;
  // raw 5 = 1.25 -> 20 -> no spike.
  EXPECT_THAT(run({6}, p, /*inputFrac=*/2), ElementsAre(1));
  EXPECT_THAT(run({5}, p, /*inputFrac=*/2), ElementsAre(0));
  // More input fractional bits than the membrane has is an error.
  expectInvalid(Tensor({1, 1}, 1.0), p, "fractional bits", /*inputFrac=*/5);
}

TEST(NeuronFixedTest, VInitInRawUnits) {
  // fixed<16, 4> IF, th 1.0 (raw 16), input frac 4, X = raw 8 (0.5):
  // v_init 0.5 (raw 8): H = 8 + 8 = 16 -> spike; without: H = 8 -> none.
  NeuronParams p = withMembrane(ifNeuron(), 16, 4);
  EXPECT_THAT(run({8}, p, 4), ElementsAre(0));
  p.vInit = 0.5;
  EXPECT_THAT(run({8}, p, 4), ElementsAre(1));
}

TEST(NeuronFixedTest, PerChannelThresholdAndTau) {
  // fixed<16, 0> IF, [T=4, C=2], X = 1 every step, thresholds {2, 3}:
  // c0: H 1, 2 spike, 1, 2 spike -> 0 1 0 1
  // c1: H 1, 2, 3 spike, 1        -> 0 0 1 0
  NeuronParams p = withMembrane(ifNeuron(), 16, 0);
  p.channelDim = 1;
  p.channelThreshold = {2.0, 3.0};
  auto out = neuron(Tensor({4, 2}, 1.0), p);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAre(0, 0, 1, 0, 0, 1, 1, 0));

  // fixed<16, 0> LIF, [T=1, C=2], X = 8, taus {2, 4} (M = 16384, 8192):
  // c0: H = 8 * 16384 >> 15 = 4; c1: H = 8 * 8192 >> 15 = 2.
  // Thresholds {4, 2}: both fire; {5, 3}: neither (pins H = {4, 2}).
  NeuronParams q = withMembrane(lif(), 16, 0);
  q.channelDim = 1;
  q.channelTau = {2.0, 4.0};
  q.channelThreshold = {4.0, 2.0};
  out = neuron(Tensor({1, 2}, 8.0), q);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAre(1, 1));
  q.channelThreshold = {5.0, 3.0};
  out = neuron(Tensor({1, 2}, 8.0), q);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(out->data, ElementsAre(0, 0));
}

TEST(NeuronFixedTest, NonRepresentableParametersAreErrors) {
  Tensor in({1, 1}, 1.0);
  // fixed<16, 4>: LSB 1/16, range [-2048, 2047.9375].
  NeuronParams p = withMembrane(lif(), 16, 4);
  p.vThreshold = 0.3; // 4.8 LSBs
  expectInvalid(in, p, "v_threshold");
  p.vThreshold = 4096.0; // raw 65536 > 32767
  expectInvalid(in, p, "v_threshold");
  p.vThreshold = 0.0625; // exactly one LSB: fine
  EXPECT_TRUE(neuron(in, p).ok());

  p = withMembrane(lif(), 16, 4);
  p.vReset = 0.03;
  expectInvalid(in, p, "v_reset");

  p = withMembrane(lif(), 16, 4);
  p.vInit = 0.01;
  expectInvalid(in, p, "v_init");

  p = withMembrane(lif(), 16, 4);
  p.channelDim = 1;
  p.channelThreshold = {0.1};
  expectInvalid(in, p, "v_threshold");
}

} // namespace
} // namespace spikestack::ref
