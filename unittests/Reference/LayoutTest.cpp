//===- LayoutTest.cpp - layout and f32 glue kernels -----------------------===//
//
// ref::binary, negate, concat, transpose, extractSlice and insertSlice
// (lib/Reference/Layout.cpp), shared by the interpreter and the executor.
// Expected values are worked out by hand on x = [[0,1,2],[3,4,5]].
//
//===----------------------------------------------------------------------===//
#include "spikestack/Reference/Kernels.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cmath>

namespace spikestack::ref {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

Tensor x23() { return Tensor({2, 3}, {0, 1, 2, 3, 4, 5}); }

TEST(LayoutTest, BinaryAndNegate) {
  Tensor a({3}, {1, 4, NAN}), b({3}, {2, 2, 0});
  auto add = binary(a, b, BinaryFn::Add);
  ASSERT_TRUE(add.ok());
  EXPECT_EQ(add->data[0], 3);
  EXPECT_EQ(add->data[1], 6);
  auto div = binary(a, b, BinaryFn::Div);
  ASSERT_TRUE(div.ok());
  EXPECT_EQ(div->data[1], 2);
  auto mx = binary(a, b, BinaryFn::Max);
  ASSERT_TRUE(mx.ok());
  EXPECT_EQ(mx->data[0], 2);
  EXPECT_TRUE(std::isnan(mx->data[2])); // NaN propagates
  auto bad = binary(a, Tensor({2}, {0, 0}), BinaryFn::Sub);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("operand shapes differ"));
  EXPECT_THAT(negate(Tensor({2}, {1, -2})).data,
              ElementsAreArray({-1, 2}));
}

TEST(LayoutTest, ConcatAndTranspose) {
  Tensor s({2, 2}, {1, 2, 4, 5});
  Tensor x = x23();
  auto joined = concat({&x, &s}, 1, {2, 5});
  ASSERT_TRUE(joined.ok());
  EXPECT_THAT(joined->data, ElementsAreArray({0, 1, 2, 1, 2, 3, 4, 5, 4, 5}));
  auto wrong = concat({&x, &s}, 1, {2, 6});
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(std::string(wrong.status().message()),
              HasSubstr("concat shape mismatch"));
  auto t = transpose(x, {1, 0}, {3, 2});
  ASSERT_TRUE(t.ok());
  EXPECT_THAT(t->data, ElementsAreArray({0, 3, 1, 4, 2, 5}));
  auto dup = transpose(x, {0, 0}, {2, 2});
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(std::string(dup.status().message()),
              HasSubstr("bad permutation"));
}

TEST(LayoutTest, Slices) {
  Tensor x = x23();
  // Columns 1..2 of both rows.
  auto s = extractSlice(x, {0, 1}, {2, 2}, {1, 1}, {2, 2});
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(s->data, ElementsAreArray({1, 2, 4, 5}));
  // Every other column of row 1: [3, 5].
  auto step = extractSlice(x, {1, 0}, {1, 2}, {1, 2}, {2});
  ASSERT_TRUE(step.ok());
  EXPECT_THAT(step->data, ElementsAreArray({3, 5}));
  auto out = extractSlice(x, {0, 2}, {2, 2}, {1, 1}, {2, 2});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(std::string(out.status().message()),
              HasSubstr("slice out of bounds"));
  auto in = insertSlice(Tensor({1, 2}, {9, 8}), x, {1, 1}, {1, 2}, {1, 1});
  ASSERT_TRUE(in.ok());
  EXPECT_THAT(in->data, ElementsAreArray({0, 1, 2, 3, 9, 8}));
  auto sizes = insertSlice(Tensor({1, 1}, {9}), x, {0, 0}, {1, 2}, {1, 1});
  ASSERT_FALSE(sizes.ok());
  EXPECT_THAT(std::string(sizes.status().message()),
              HasSubstr("slice sizes do not match"));
}

} // namespace
} // namespace spikestack::ref
