//===- FixedPointTest.cpp - Tests for the fixed-point helpers -------------===//
//
// Part of the SpikeStack project.
//
// roundDiv / roundShift / roundToInt / saturate and the conversions
// quantize / requantize / dequantize, against hand-worked values (the exact
// rational value is the comment next to each row).
//
//===----------------------------------------------------------------------===//

#include "spikestack/Reference/Kernels.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spikestack::ref {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr Rounding kModes[] = {Rounding::NearestEven, Rounding::NearestAway,
                               Rounding::Floor, Rounding::TowardZero};

const char *modeName(Rounding m) {
  switch (m) {
  case Rounding::NearestEven:
    return "nearest_even";
  case Rounding::NearestAway:
    return "nearest_away";
  case Rounding::Floor:
    return "floor";
  case Rounding::TowardZero:
    return "toward_zero";
  }
  return "?";
}

/// Expected results per mode, in kModes order.
struct PerMode {
  int64_t even, away, floor, towardZero;
  int64_t operator[](Rounding m) const {
    switch (m) {
    case Rounding::NearestEven:
      return even;
    case Rounding::NearestAway:
      return away;
    case Rounding::Floor:
      return floor;
    case Rounding::TowardZero:
      return towardZero;
    }
    return 0;
  }
};

Tensor vec(std::vector<double> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return Tensor({n}, std::move(v));
}

//===----------------------------------------------------------------------===//
// roundDiv
//===----------------------------------------------------------------------===//

struct DivCase {
  int64_t num, den;
  PerMode want; // nearest_even, nearest_away, floor, toward_zero
};

TEST(FixedPointTest, RoundDivEveryMode) {
  const DivCase cases[] = {
      {7, 2, {4, 4, 3, 3}},       // 3.5: tie, 4 is even
      {5, 2, {2, 3, 2, 2}},       // 2.5: tie, 2 is even
      {-5, 2, {-2, -3, -3, -2}},  // -2.5: tie
      {-7, 2, {-4, -4, -4, -3}},  // -3.5: tie
      {1, 2, {0, 1, 0, 0}},       // 0.5: tie
      {-1, 2, {0, -1, -1, 0}},    // -0.5: tie
      {3, 6, {0, 1, 0, 0}},       // 0.5 with an even non-power-of-two divisor
      {9, 6, {2, 2, 1, 1}},       // 1.5
      {-9, 6, {-2, -2, -2, -1}},  // -1.5
      {7, 4, {2, 2, 1, 1}},       // 1.75
      {-7, 4, {-2, -2, -2, -1}},  // -1.75
      {5, 4, {1, 1, 1, 1}},       // 1.25
      {-5, 4, {-1, -1, -2, -1}},  // -1.25
      {1, 3, {0, 0, 0, 0}},       // 0.333
      {-1, 3, {0, 0, -1, 0}},     // -0.333
      {2, 3, {1, 1, 0, 0}},       // 0.667
      {-2, 3, {-1, -1, -1, 0}},   // -0.667
      {6, 3, {2, 2, 2, 2}},       // exact
      {-6, 3, {-2, -2, -2, -2}},  // exact
      {0, 5, {0, 0, 0, 0}},       // zero
      {1000001, 1000000, {1, 1, 1, 1}}, // 1.000001
  };
  for (const DivCase &c : cases)
    for (Rounding m : kModes)
      EXPECT_EQ(roundDiv(c.num, c.den, m), c.want[m])
          << c.num << " / " << c.den << " with " << modeName(m);
}

//===----------------------------------------------------------------------===//
// roundShift
//===----------------------------------------------------------------------===//

struct ShiftCase {
  int64_t value;
  int shift;
  PerMode want;
};

TEST(FixedPointTest, RoundShiftEveryMode) {
  const ShiftCase cases[] = {
      {3, 1, {2, 2, 1, 1}},         // 1.5
      {-3, 1, {-2, -2, -2, -1}},    // -1.5
      {5, 1, {2, 3, 2, 2}},         // 2.5
      {-5, 1, {-2, -3, -3, -2}},    // -2.5
      {12, 3, {2, 2, 1, 1}},        // 12/8 = 1.5
      {20, 3, {2, 3, 2, 2}},        // 20/8 = 2.5
      {-20, 3, {-2, -3, -3, -2}},   // -2.5
      {13, 3, {2, 2, 1, 1}},        // 13/8 = 1.625
      {-13, 3, {-2, -2, -2, -1}},   // -1.625
      {11, 3, {1, 1, 1, 1}},        // 11/8 = 1.375
      {-11, 3, {-1, -1, -2, -1}},   // -1.375
      {7, 0, {7, 7, 7, 7}},         // no shift
      {-7, 0, {-7, -7, -7, -7}},    // no shift
      {3, -2, {12, 12, 12, 12}},    // left shift: 3 * 4
      {-3, -4, {-48, -48, -48, -48}}, // left shift: -3 * 16
      {int64_t(1) << 40, 40, {1, 1, 1, 1}}, // wide values
      {(int64_t(3) << 39), 40, {2, 2, 1, 1}}, // 1.5 at a wide shift
  };
  for (const ShiftCase &c : cases)
    for (Rounding m : kModes)
      EXPECT_EQ(roundShift(c.value, c.shift, m), c.want[m])
          << c.value << " >> " << c.shift << " with " << modeName(m);
}

//===----------------------------------------------------------------------===//
// roundToInt
//===----------------------------------------------------------------------===//

struct ToIntCase {
  double value;
  PerMode want;
};

TEST(FixedPointTest, RoundToIntEveryMode) {
  const ToIntCase cases[] = {
      {2.5, {2, 3, 2, 2}},
      {-2.5, {-2, -3, -3, -2}},
      {1.5, {2, 2, 1, 1}},
      {-1.5, {-2, -2, -2, -1}},
      {0.5, {0, 1, 0, 0}},
      {-0.5, {0, -1, -1, 0}},
      {2.7, {3, 3, 2, 2}},
      {-2.7, {-3, -3, -3, -2}},
      {2.2, {2, 2, 2, 2}},
      {-2.2, {-2, -2, -3, -2}},
      {3.0, {3, 3, 3, 3}},
      {-3.0, {-3, -3, -3, -3}},
      {0.0, {0, 0, 0, 0}},
      {4503599627370495.5, {4503599627370496, 4503599627370496,
                            4503599627370495, 4503599627370495}}, // 2^52 - 0.5
  };
  for (const ToIntCase &c : cases)
    for (Rounding m : kModes)
      EXPECT_EQ(roundToInt(c.value, m), c.want[m])
          << c.value << " with " << modeName(m);
}

//===----------------------------------------------------------------------===//
// saturate and the format bounds
//===----------------------------------------------------------------------===//

TEST(FixedPointTest, FormatBounds) {
  FixedFormat f8{8, 0};
  EXPECT_EQ(f8.minRaw(), -128);
  EXPECT_EQ(f8.maxRaw(), 127);
  FixedFormat f16{16, 4}; // the fraction does not change the raw range
  EXPECT_EQ(f16.minRaw(), -32768);
  EXPECT_EQ(f16.maxRaw(), 32767);
  FixedFormat f4{4, 2};
  EXPECT_EQ(f4.minRaw(), -8);
  EXPECT_EQ(f4.maxRaw(), 7);
}

TEST(FixedPointTest, Saturate) {
  FixedFormat f8{8, 3};
  EXPECT_EQ(saturate(200, f8), 127);
  EXPECT_EQ(saturate(128, f8), 127);
  EXPECT_EQ(saturate(127, f8), 127);
  EXPECT_EQ(saturate(5, f8), 5);
  EXPECT_EQ(saturate(0, f8), 0);
  EXPECT_EQ(saturate(-128, f8), -128);
  EXPECT_EQ(saturate(-129, f8), -128);
  EXPECT_EQ(saturate(-200, f8), -128);
  FixedFormat f4{4, 0};
  EXPECT_EQ(saturate(8, f4), 7);
  EXPECT_EQ(saturate(-9, f4), -8);
  EXPECT_EQ(saturate(-8, f4), -8);
}

//===----------------------------------------------------------------------===//
// quantize
//===----------------------------------------------------------------------===//

TEST(FixedPointTest, QuantizeRoundsScaledValue) {
  // 0.3 at frac 4: 0.3 * 16 = 4.8 -> nearest 5, floor 4, toward_zero 4.
  // -0.3: -4.8 -> nearest -5, floor -5, toward_zero -4.
  FixedFormat f{16, 4};
  const Tensor x = vec({0.3, -0.3});
  EXPECT_THAT(quantize(x, f, Rounding::NearestEven).data, ElementsAre(5, -5));
  EXPECT_THAT(quantize(x, f, Rounding::NearestAway).data, ElementsAre(5, -5));
  EXPECT_THAT(quantize(x, f, Rounding::Floor).data, ElementsAre(4, -5));
  EXPECT_THAT(quantize(x, f, Rounding::TowardZero).data, ElementsAre(4, -4));
}

TEST(FixedPointTest, QuantizeTies) {
  // frac 0: -2.5 -> nearest_even -2, nearest_away -3, floor -3, toward 0: -2;
  //          2.5 -> 2, 3, 2, 2.
  FixedFormat f0{8, 0};
  const Tensor x = vec({-2.5, 2.5});
  EXPECT_THAT(quantize(x, f0, Rounding::NearestEven).data, ElementsAre(-2, 2));
  EXPECT_THAT(quantize(x, f0, Rounding::NearestAway).data, ElementsAre(-3, 3));
  EXPECT_THAT(quantize(x, f0, Rounding::Floor).data, ElementsAre(-3, 2));
  EXPECT_THAT(quantize(x, f0, Rounding::TowardZero).data, ElementsAre(-2, 2));
  // 2^-5 at frac 4 is 0.5 LSB: nearest_even 0, nearest_away 1.
  FixedFormat f4{8, 4};
  EXPECT_THAT(quantize(vec({0.03125}), f4, Rounding::NearestEven).data,
              ElementsAre(0));
  EXPECT_THAT(quantize(vec({0.03125}), f4, Rounding::NearestAway).data,
              ElementsAre(1));
  // Exact: 1.5 at frac 1 -> 3; -0.75 at frac 2 -> -3.
  EXPECT_THAT(quantize(vec({1.5}), FixedFormat{8, 1}, Rounding::Floor).data,
              ElementsAre(3));
  EXPECT_THAT(quantize(vec({-0.75}), FixedFormat{8, 2}, Rounding::Floor).data,
              ElementsAre(-3));
}

TEST(FixedPointTest, QuantizeSaturates) {
  // fixed<8, 0>: 1000 -> 127, -1000 -> -128; at frac 4 the range is
  // [-8, 7.9375]: 8.0 -> raw 128 -> 127; -8.0 -> raw -128 (fits);
  // -8.1 -> -129.6 -> -128.
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THAT(quantize(vec({1000, -1000, inf, -inf}), FixedFormat{8, 0},
                       Rounding::NearestEven)
                  .data,
              ElementsAre(127, -128, 127, -128));
  EXPECT_THAT(quantize(vec({8.0, -8.0, -8.1}), FixedFormat{8, 4},
                       Rounding::NearestEven)
                  .data,
              ElementsAre(127, -128, -128));
}

TEST(FixedPointTest, QuantizeKeepsShape) {
  Tensor x({2, 1, 2}, {0.5, 1.0, -0.5, 0.25});
  Tensor q = quantize(x, FixedFormat{8, 2}, Rounding::NearestEven);
  EXPECT_EQ(q.shape, x.shape);
  EXPECT_THAT(q.data, ElementsAre(2, 4, -2, 1)); // x * 4
}

//===----------------------------------------------------------------------===//
// requantize
//===----------------------------------------------------------------------===//

TEST(FixedPointTest, RequantizeNarrowsFractionWithRounding) {
  // frac 4 -> frac 2: raw / 4.
  //   6 -> 1.5  -> nearest 2, floor 1, toward_zero 1
  //  -6 -> -1.5 -> nearest -2, floor -2, toward_zero -1
  //  10 -> 2.5  -> nearest_even 2, nearest_away 3, floor 2, toward_zero 2
  //   7 -> 1.75 -> 2, 2, 1, 1
  //   8 -> 2 exactly
  const Tensor x = vec({6, -6, 10, 7, 8});
  FixedFormat to{8, 2};
  EXPECT_THAT(requantize(x, 4, to, Rounding::NearestEven).data,
              ElementsAre(2, -2, 2, 2, 2));
  EXPECT_THAT(requantize(x, 4, to, Rounding::NearestAway).data,
              ElementsAre(2, -2, 3, 2, 2));
  EXPECT_THAT(requantize(x, 4, to, Rounding::Floor).data,
              ElementsAre(1, -2, 2, 1, 2));
  EXPECT_THAT(requantize(x, 4, to, Rounding::TowardZero).data,
              ElementsAre(1, -1, 2, 1, 2));
}

TEST(FixedPointTest, RequantizeWidensFractionByShiftingLeft) {
  // frac 2 -> frac 4: raw * 4 (exact, the mode does not matter).
  const Tensor x = vec({3, -3, 0});
  for (Rounding m : kModes)
    EXPECT_THAT(requantize(x, 2, FixedFormat{16, 4}, m).data,
                ElementsAre(12, -12, 0))
        << modeName(m);
}

TEST(FixedPointTest, RequantizeSaturates) {
  // frac 0 -> fixed<8, 4>: 10 -> 160 -> 127; -10 -> -160 -> -128; 7 -> 112.
  EXPECT_THAT(
      requantize(vec({10, -10, 7}), 0, FixedFormat{8, 4}, Rounding::Floor)
          .data,
      ElementsAre(127, -128, 112));
  // fixed<16, 4> -> fixed<8, 0>: 4000 / 16 = 250 -> 127; -4000 -> -128;
  // 40 / 16 = 2.5 -> 2 (nearest_even).
  EXPECT_THAT(requantize(vec({4000, -4000, 40}), 4, FixedFormat{8, 0},
                         Rounding::NearestEven)
                  .data,
              ElementsAre(127, -128, 2));
}

//===----------------------------------------------------------------------===//
// dequantize, toF32, scale, checkCountRange
//===----------------------------------------------------------------------===//

TEST(FixedPointTest, Dequantize) {
  // 5 * 2^-4 = 0.3125; -3 * 2^-1 = -1.5; 7 * 2^0 = 7.
  EXPECT_THAT(dequantize(vec({5, -16, 1}), 4).data,
              ElementsAre(0.3125, -1.0, 0.0625));
  EXPECT_THAT(dequantize(vec({-3}), 1).data, ElementsAre(-1.5));
  EXPECT_THAT(dequantize(vec({7}), 0).data, ElementsAre(7.0));
  // The result is f32: past 2^24 integers round to nearest even.
  // 2^24 + 1 is a tie between 2^24 and 2^24 + 2 -> 2^24 (even mantissa);
  // 2^24 + 3 is a tie between 2^24 + 2 and 2^24 + 4 -> 2^24 + 4.
  EXPECT_THAT(dequantize(vec({16777217, 16777219}), 0).data,
              ElementsAre(16777216.0, 16777220.0));
}

TEST(FixedPointTest, ToF32RoundsToFloat) {
  Tensor x = toF32(vec({0.1, 1.0, 16777217.0}));
  EXPECT_EQ(x.data[0], static_cast<double>(0.1f));
  EXPECT_NE(x.data[0], 0.1);
  EXPECT_EQ(x.data[1], 1.0);
  EXPECT_EQ(x.data[2], 16777216.0);
}

TEST(FixedPointTest, ScaleIsOneF32Multiply) {
  // y = f32(x) * f32(factor): 3 * 0.1f, not 3 * 0.1 in double.
  Tensor y = scale(vec({3.0, -2.0, 0.0}), 0.1);
  EXPECT_EQ(y.data[0], static_cast<double>(3.0f * 0.1f));
  EXPECT_NE(y.data[0], 3.0 * 0.1);
  EXPECT_EQ(y.data[1], static_cast<double>(-2.0f * 0.1f));
  EXPECT_EQ(y.data[2], 0.0);
}

TEST(FixedPointTest, CheckCountRange) {
  EXPECT_TRUE(checkCountRange(vec({0, 1, 2}), 2, "x").ok());
  auto tooBig = checkCountRange(vec({0, 3}), 2, "count");
  ASSERT_FALSE(tooBig.ok());
  EXPECT_EQ(tooBig.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(tooBig.message()), HasSubstr("count"));
  EXPECT_THAT(std::string(tooBig.message()), HasSubstr("flat index 1"));
  EXPECT_FALSE(checkCountRange(vec({0.5}), 2, "x").ok());
  EXPECT_FALSE(checkCountRange(vec({-1}), 2, "x").ok());
}

} // namespace
} // namespace spikestack::ref
