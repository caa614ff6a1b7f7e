//===- EvaluateTest.cpp - the ONNX node evaluator on routing ops ----------===//
//
// Expected values are worked by hand from the ONNX operator definitions
// (opset 13-17), so a wrong axis, offset or tie rule fails here.
//
//===----------------------------------------------------------------------===//
#include "ONNXGraph.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cmath>

using namespace spikestack;
using namespace spikestack::onnx_import;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

namespace {

using Inputs = std::vector<std::shared_ptr<const Constant>>;

std::shared_ptr<const Constant> f32(std::vector<int64_t> shape,
                                    std::vector<double> v) {
  for (double &x : v) // f32 data, as a model stores it
    x = static_cast<float>(x);
  return makeConstant(onnx::TensorProto::FLOAT, ref::Tensor(shape, v));
}
std::shared_ptr<const Constant> i64(std::vector<int64_t> shape,
                                    std::vector<double> v) {
  return makeConstant(onnx::TensorProto::INT64, ref::Tensor(shape, v));
}

onnx::NodeProto node(const std::string &op, int outputs = 1) {
  onnx::NodeProto n;
  n.set_op_type(op);
  n.set_name("n");
  for (int i = 0; i < outputs; ++i)
    n.add_output("o" + std::to_string(i));
  return n;
}
void setInt(onnx::NodeProto &n, const std::string &name, int64_t v) {
  auto *a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
void setInts(onnx::NodeProto &n, const std::string &name,
             std::vector<int64_t> v) {
  auto *a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v)
    a->add_ints(x);
}

/// The outputs of `n` on `in` (the test fails if it does not evaluate).
std::vector<std::shared_ptr<Constant>> run(const onnx::NodeProto &n,
                                           const Inputs &in) {
  auto r = evaluateNode(n, in);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok() || !*r) {
    ADD_FAILURE() << n.op_type() << " was not evaluated";
    return {};
  }
  return **r;
}

TEST(Evaluate, SoftmaxShiftsByTheMaximum) {
  auto n = node("Softmax");
  auto out = run(n, {f32({2, 2}, {0, std::log(3.0), 1000, 1000})});
  ASSERT_EQ(out.size(), 1u);
  // exp(0) = 1, exp(ln 3) = 3 -> 1/4, 3/4; equal logits of 1000 (whose
  // exp overflows f32 unless shifted by the maximum) -> 1/2 each.
  EXPECT_THAT(out[0]->values->data,
              ElementsAre(::testing::DoubleNear(0.25, 1e-7),
                          ::testing::DoubleNear(0.75, 1e-7), 0.5, 0.5));
  EXPECT_EQ(out[0]->shape, (std::vector<int64_t>{2, 2}));
}

TEST(Evaluate, TopKSortsDescendingAndBreaksTiesTowardTheLowerIndex) {
  auto n = node("TopK", 2);
  auto out = run(n, {f32({1, 4}, {0.2, 0.7, 0.2, 0.7}), i64({1}, {3})});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_THAT(out[0]->values->data, ElementsAre(0.7f, 0.7f, 0.2f));
  EXPECT_THAT(out[1]->values->data, ElementsAre(1, 3, 0));
  EXPECT_EQ(out[1]->elemType, onnx::TensorProto::INT64);
  EXPECT_EQ(out[1]->shape, (std::vector<int64_t>{1, 3}));
}

TEST(Evaluate, TopKSmallestAlongAxisZero) {
  auto n = node("TopK", 2);
  setInt(n, "axis", 0);
  setInt(n, "largest", 0);
  // Columns [5, 1, 3] and [0, 2, -1]: the smallest of each.
  auto out = run(n, {f32({3, 2}, {5, 0, 1, 2, 3, -1}), i64({1}, {1})});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_THAT(out[0]->values->data, ElementsAre(1, -1));
  EXPECT_THAT(out[1]->values->data, ElementsAre(1, 2));
}

TEST(Evaluate, TopKRejectsKLargerThanTheAxis) {
  auto n = node("TopK", 2);
  auto r = evaluateNode(n, {f32({1, 2}, {1, 2}), i64({1}, {3})});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("K = 3"));
}

TEST(Evaluate, OneHotWrapsNegativeIndicesAndZeroesOutOfRange) {
  auto n = node("OneHot");
  auto out = run(n, {i64({3}, {1, -1, 7}), i64({}, {3}), f32({2}, {0, 5})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]->shape, (std::vector<int64_t>{3, 3}));
  EXPECT_THAT(out[0]->values->data,
              ElementsAre(0, 5, 0, /*-1 = 2*/ 0, 0, 5, /*7*/ 0, 0, 0));
}

TEST(Evaluate, OneHotOnAxisZero) {
  auto n = node("OneHot");
  setInt(n, "axis", 0);
  auto out = run(n, {i64({2}, {0, 1}), i64({}, {2}), i64({2}, {0, 1})});
  ASSERT_EQ(out.size(), 1u);
  // out[depth][index]: column j is the one-hot of indices[j].
  EXPECT_THAT(out[0]->values->data, ElementsAre(1, 0, 0, 1));
}

TEST(Evaluate, CumSumInclusiveExclusiveAndReverse) {
  auto x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  auto n = node("CumSum");
  EXPECT_THAT(run(n, {x, i64({}, {1})})[0]->values->data,
              ElementsAre(1, 3, 6, 4, 9, 15));
  setInt(n, "exclusive", 1);
  EXPECT_THAT(run(n, {x, i64({}, {1})})[0]->values->data,
              ElementsAre(0, 1, 3, 0, 4, 9));
  auto r = node("CumSum");
  setInt(r, "reverse", 1);
  EXPECT_THAT(run(r, {x, i64({}, {-2})})[0]->values->data,
              ElementsAre(5, 7, 9, 4, 5, 6));
}

TEST(Evaluate, PadAddsAndCropsWithAConstant) {
  auto n = node("Pad");
  // [[1, 2], [3, 4]]: one row of 9 in front, drop the last column.
  auto out = run(
      n, {f32({2, 2}, {1, 2, 3, 4}), i64({4}, {1, 0, 0, -1}), f32({}, {9})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]->shape, (std::vector<int64_t>{3, 1}));
  EXPECT_THAT(out[0]->values->data, ElementsAre(9, 1, 3));
}

TEST(Evaluate, ReductionsWithAxesAndKeepdims) {
  auto x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  auto sum = node("ReduceSum");
  setInt(sum, "keepdims", 0);
  auto s = run(sum, {x, i64({1}, {-1})});
  EXPECT_EQ(s[0]->shape, (std::vector<int64_t>{2}));
  EXPECT_THAT(s[0]->values->data, ElementsAre(6, 15));
  auto all = node("ReduceSum"); // no axes: everything, keepdims = 1
  auto a = run(all, {x});
  EXPECT_EQ(a[0]->shape, (std::vector<int64_t>{1, 1}));
  EXPECT_THAT(a[0]->values->data, ElementsAre(21));
  auto mx = node("ReduceMax");
  setInts(mx, "axes", {0});
  EXPECT_THAT(run(mx, {x})[0]->values->data, ElementsAre(4, 5, 6));
  auto mean = node("ReduceMean");
  setInts(mean, "axes", {1});
  setInt(mean, "keepdims", 0);
  EXPECT_THAT(run(mean, {x})[0]->values->data, ElementsAre(2, 5));
}

TEST(Evaluate, ScatterNDWritesSlicesAndAccumulates) {
  auto n = node("ScatterND");
  // data [2, 2]; index tuples of length 1 address rows.
  auto out = run(
      n, {f32({2, 2}, {0, 0, 0, 0}), i64({1, 1}, {1}), f32({1, 2}, {7, 8})});
  EXPECT_THAT(out[0]->values->data, ElementsAre(0, 0, 7, 8));
  auto add = node("ScatterND");
  auto *a = add.add_attribute();
  a->set_name("reduction");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s("add");
  auto acc =
      run(add, {f32({3}, {1, 1, 1}), i64({2, 1}, {2, 2}), f32({2}, {10, 20})});
  EXPECT_THAT(acc[0]->values->data, ElementsAre(1, 1, 31));
}

TEST(Evaluate, ScatterElementsAlongTheLastAxis) {
  auto n = node("ScatterElements");
  setInt(n, "axis", -1);
  // The dense-gate pattern: zeros [1, 4], top-2 indices [3, 0].
  auto out = run(n, {f32({1, 4}, {0, 0, 0, 0}), i64({1, 2}, {3, 0}),
                     f32({1, 2}, {0.6, 0.4})});
  EXPECT_THAT(out[0]->values->data, ElementsAre(0.4f, 0, 0, 0.6f));
}

TEST(Evaluate, ScatterRejectsOutOfRangeIndices) {
  auto n = node("ScatterElements");
  auto r = evaluateNode(n, {f32({2}, {0, 0}), i64({1}, {2}), f32({1}, {1})});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("out of range"));
  auto nd = node("ScatterND");
  auto r2 =
      evaluateNode(nd, {f32({2}, {0, 0}), i64({1, 1}, {-3}), f32({1}, {1})});
  ASSERT_FALSE(r2.ok());
}

// The op table: dispatch, required inputs, and the elementwise and
// shape-plumbing entries (expected values by hand, numpy semantics).

TEST(Evaluate, UnknownOpsAreNotFoldedAndMissingInputsAreErrors) {
  auto r = evaluateNode(node("Conv"), {f32({1}, {1}), f32({1}, {1})});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  auto few = evaluateNode(node("Add"), {f32({1}, {1})});
  ASSERT_FALSE(few.ok());
  EXPECT_THAT(std::string(few.status().message()),
              HasSubstr("Add: needs 2 inputs, has 1"));
  auto missing = evaluateNode(node("Where"), {i64({1}, {1}), nullptr,
                                              f32({1}, {2})});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("input 1 is missing"));
}

TEST(Evaluate, ElementwiseOpsBroadcastAndRoundToTheirType) {
  // [2, 1] + [3] -> [2, 3].
  auto sum = run(node("Add"), {f32({2, 1}, {1, 2}), f32({3}, {10, 20, 30})});
  EXPECT_EQ(sum[0]->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_THAT(sum[0]->values->data, ElementsAre(11, 21, 31, 12, 22, 32));
  // Integer division truncates toward zero; by zero it is an error.
  auto q = run(node("Div"), {i64({2}, {7, -7}), i64({1}, {2})});
  EXPECT_THAT(q[0]->values->data, ElementsAre(3, -3));
  EXPECT_FALSE(evaluateNode(node("Div"), {i64({1}, {1}), i64({1}, {0})}).ok());
  auto f = run(node("Div"), {f32({1}, {1}), f32({1}, {4})});
  EXPECT_THAT(f[0]->values->data, ElementsAre(0.25));
  // Comparisons give booleans.
  auto ge = run(node("GreaterOrEqual"), {i64({3}, {1, 2, 3}), i64({}, {2})});
  EXPECT_EQ(ge[0]->elemType, onnx::TensorProto::BOOL);
  EXPECT_THAT(ge[0]->values->data, ElementsAre(0, 1, 1));
  auto mx = run(node("Max"), {i64({2}, {1, 5}), i64({2}, {4, 2})});
  EXPECT_THAT(mx[0]->values->data, ElementsAre(4, 5));
  // Where takes the type of its second input.
  auto w = run(node("Where"), {makeConstant(onnx::TensorProto::BOOL,
                                            ref::Tensor({2}, {1, 0})),
                               i64({2}, {1, 2}), i64({1}, {9})});
  EXPECT_EQ(w[0]->elemType, onnx::TensorProto::INT64);
  EXPECT_THAT(w[0]->values->data, ElementsAre(1, 9));
  auto neg = run(node("Neg"), {i64({2}, {1, -2})});
  EXPECT_THAT(neg[0]->values->data, ElementsAre(-1, 2));
  auto abs = run(node("Abs"), {i64({2}, {1, -2})});
  EXPECT_THAT(abs[0]->values->data, ElementsAre(1, 2));
  auto no = run(node("Not"), {i64({2}, {0, 3})});
  EXPECT_THAT(no[0]->values->data, ElementsAre(1, 0));
}

TEST(Evaluate, ShapePlumbing) {
  auto u = run(node("Unsqueeze"), {i64({2}, {1, 2}), i64({2}, {0, -1})});
  EXPECT_EQ(u[0]->shape, (std::vector<int64_t>{1, 2, 1}));
  auto s = run(node("Squeeze"), {u[0]});
  EXPECT_EQ(s[0]->shape, (std::vector<int64_t>{2}));
  auto t = run(node("Tile"), {i64({2}, {1, 2}), i64({1}, {2})});
  EXPECT_THAT(t[0]->values->data, ElementsAre(1, 2, 1, 2));
  auto e = run(node("Expand"), {i64({2, 1}, {1, 2}), i64({2}, {2, 2})});
  EXPECT_THAT(e[0]->values->data, ElementsAre(1, 1, 2, 2));
  auto g = run(node("Gather"), {i64({3}, {5, 6, 7}), i64({2}, {-1, 0})});
  EXPECT_THAT(g[0]->values->data, ElementsAre(7, 5));
  // Slice [3, 0) with step -2 of [0, 1, 2, 3, 4] -> [3, 1].
  auto sl = run(node("Slice"), {i64({5}, {0, 1, 2, 3, 4}), i64({1}, {3}),
                                i64({1}, {0}), i64({1}, {0}), i64({1}, {-2})});
  EXPECT_THAT(sl[0]->values->data, ElementsAre(3, 1));
  auto rg = run(node("Range"), {i64({}, {1}), i64({}, {7}), i64({}, {3})});
  EXPECT_THAT(rg[0]->values->data, ElementsAre(1, 4));
  auto empty = evaluateNode(node("Range"),
                            {i64({0}, {}), i64({}, {7}), i64({}, {3})});
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(std::string(empty.status().message()),
              HasSubstr("empty operand"));
}

} // namespace
