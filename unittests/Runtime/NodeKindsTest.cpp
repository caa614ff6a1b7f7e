//===- NodeKindsTest.cpp - the node-kind table and its consumers ----------===//
//
// NodeKinds.def is the one list of node kinds: the enum, the names, the
// verifier's arity and parameter checks and the functional runner's
// dispatch (one handler per row, so a row without a handler does not link)
// come from it. These tests walk the table and check that the verifier
// enforces each row, and compare a few rows with the layer-table
// description in docs/isa.md.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Runtime/Program.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <set>
#include <string>

namespace spikestack::rt {
namespace {

using ::testing::HasSubstr;

std::vector<NodeKind> allKinds() {
  std::vector<NodeKind> kinds;
#define NODE_KIND(Kind, ...) kinds.push_back(NodeKind::Kind);
#include "spikestack/Runtime/NodeKinds.def"
  return kinds;
}

TEST(NodeKindsTest, TableIsWellFormed) {
  const std::vector<NodeKind> kinds = allKinds();
  ASSERT_EQ(int(kinds.size()), kNumNodeKinds);
  std::set<std::string> names;
  for (int i = 0; i < kNumNodeKinds; ++i) {
    const NodeKindInfo &info = nodeKindInfo(NodeKind(i));
    // Rows are in encoding order.
    EXPECT_EQ(info.kind, kinds[i]);
    EXPECT_EQ(int(info.kind), i);
    const std::string name = info.name;
    EXPECT_EQ(nodeKindName(info.kind), name);
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
    EXPECT_FALSE(name.empty());
    for (char c : name)
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_')
          << name;
    EXPECT_GE(info.minOperands, 0) << name;
    EXPECT_LE(info.minOperands, info.maxOperands) << name;
    EXPECT_GE(info.results, 1) << name;
    EXPECT_GE(info.ints, -1) << name;
    EXPECT_GE(info.reals, 0) << name;
    ASSERT_NE(info.kernel, nullptr) << name;
    EXPECT_FALSE(std::string(info.kernel).empty()) << name;
  }
  EXPECT_EQ(nodeKindName(NodeKind(kNumNodeKinds)), "?");
}

// Rows checked against docs/isa.md ("Layer table"), written out here.
TEST(NodeKindsTest, RowsMatchTheFormatDescription) {
  const NodeKindInfo &linear = nodeKindInfo(NodeKind::Linear);
  EXPECT_STREQ(linear.name, "linear");
  EXPECT_EQ(linear.minOperands, 2); // input, weight, [bias]
  EXPECT_EQ(linear.maxOperands, 3);
  EXPECT_EQ(linear.ints, 3); // int domain?, width, frac
  const NodeKindInfo &conv = nodeKindInfo(NodeKind::Conv2d);
  EXPECT_EQ(conv.ints, 12); // stride 2, pad 4, dilation 2, groups, domain 3
  const NodeKindInfo &router = nodeKindInfo(NodeKind::MoeRouter);
  EXPECT_EQ(router.results, 3); // expert index, gate, slot
  EXPECT_EQ(router.ints, 5);
  const NodeKindInfo &attention = nodeKindInfo(NodeKind::Attention);
  EXPECT_EQ(attention.minOperands, 3); // q, k, v, [head gate]
  EXPECT_EQ(attention.maxOperands, 4);
  EXPECT_EQ(attention.reals, 2); // scale, keep ratio
  EXPECT_EQ(nodeKindInfo(NodeKind::BatchNorm).minOperands, 5);
  EXPECT_EQ(nodeKindInfo(NodeKind::Transpose).ints, -1); // the rank
  EXPECT_EQ(nodeKindInfo(NodeKind::AvgPool).ints, 10);
  EXPECT_EQ(nodeKindInfo(NodeKind::Neuron).maxOperands, 4);
  EXPECT_STREQ(nodeKindInfo(NodeKind::Neuron).kernel, "ref::neuron");
  // Layout nodes need no instruction; computing nodes do.
  for (NodeKind k : {NodeKind::Constant, NodeKind::Reshape, NodeKind::Empty,
                     NodeKind::ExtractSlice, NodeKind::InsertSlice,
                     NodeKind::Concat, NodeKind::Transpose})
    EXPECT_TRUE(nodeKindInfo(k).layout) << nodeKindName(k);
  for (NodeKind k : {NodeKind::Linear, NodeKind::Neuron, NodeKind::Add,
                     NodeKind::MoeRouter, NodeKind::Binary})
    EXPECT_FALSE(nodeKindInfo(k).layout) << nodeKindName(k);
}

/// A one-graph program whose only node is `n`, over `numValues` f32
/// scalars of which the first `numInputs` are graph inputs.
Program oneNode(const Node &n, int numInputs, int numValues) {
  Program p;
  p.target = "3d-mol";
  Graph g;
  for (int i = 0; i < numValues; ++i)
    g.values.push_back({{}, ElemType{}});
  for (int i = 0; i < numInputs; ++i) {
    g.inputs.push_back(i);
    g.inputNames.push_back("x" + std::to_string(i));
  }
  g.nodes = {n};
  p.graphs = {g};
  p.inputOffsets.assign(numInputs, 0);
  return p;
}

Node nodeWith(NodeKind kind, int operands, int results) {
  Node n;
  n.kind = kind;
  for (int i = 0; i < operands; ++i)
    n.operands.push_back(i);
  for (int i = 0; i < results; ++i)
    n.results.push_back(operands + i);
  return n;
}

// The verifier rejects, for every row, one operand too few and one too
// many, and a wrong result count.
TEST(NodeKindsTest, VerifierEnforcesEveryRowsArity) {
  for (int i = 0; i < kNumNodeKinds; ++i) {
    const NodeKindInfo &info = nodeKindInfo(NodeKind(i));
    SCOPED_TRACE(info.name);
    const std::string want =
        std::string("node 0 (") + info.name + "): ";
    auto check = [&](int operands, int results) {
      Program p = oneNode(nodeWith(info.kind, operands, results), operands,
                          operands + results);
      absl::Status st = verifyProgram(p);
      ASSERT_FALSE(st.ok());
      EXPECT_THAT(std::string(st.message()),
                  HasSubstr(want + std::to_string(operands) +
                            " operands and " + std::to_string(results) +
                            " results"));
    };
    if (info.minOperands > 0)
      check(info.minOperands - 1, info.results);
    check(info.maxOperands + 1, info.results);
    check(info.minOperands, info.results + 1);
  }
}

// With the row's operand and result counts, a wrong number of int or real
// parameters is rejected (rows with a fixed count).
TEST(NodeKindsTest, VerifierEnforcesEveryRowsParameterCounts) {
  for (int i = 0; i < kNumNodeKinds; ++i) {
    const NodeKindInfo &info = nodeKindInfo(NodeKind(i));
    SCOPED_TRACE(info.name);
    Node n = nodeWith(info.kind, info.minOperands, info.results);
    if (info.ints >= 0)
      n.ints.assign(info.ints + 1, 0);
    else
      n.ints.assign(64, 0);
    n.reals.assign(info.reals, 0.0);
    if (info.ints < 0 && info.kind != NodeKind::ExtractSlice &&
        info.kind != NodeKind::InsertSlice &&
        info.kind != NodeKind::Transpose)
      n.reals.push_back(0.0); // Readout: any ints count; wrong reals instead
    Program p = oneNode(n, info.minOperands,
                        info.minOperands + info.results);
    absl::Status st = verifyProgram(p);
    ASSERT_FALSE(st.ok());
    const std::string msg(st.message());
    if (info.ints >= 0 || info.kind == NodeKind::Readout)
      EXPECT_THAT(msg, HasSubstr(std::to_string(n.ints.size()) + " int and " +
                                 std::to_string(n.reals.size()) +
                                 " real parameters"));
    else
      EXPECT_THAT(msg, HasSubstr("rank")); // slices and transpose
  }
}

} // namespace
} // namespace spikestack::rt
