//===- InterpreterTest.cpp - the reference interpreter's dispatch ---------===//
//
// interpretFunction on small hand-written functions: each op family the
// interpreter dispatches (snn constants and neurons, synaptic ops and
// requantization, model ops, upstream tensor/linalg/arith glue, calls) and
// the error for an op it does not know. Expected values are worked out by
// hand in the comments.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Interpreter/Interpreter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spikestack {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

class InterpreterTest : public ::testing::Test {
protected:
  InterpreterTest() {
    mlir::DialectRegistry registry;
    registry.insert<snn::SNNDialect, mlir::func::FuncDialect,
                    mlir::arith::ArithDialect, mlir::tensor::TensorDialect,
                    mlir::linalg::LinalgDialect>();
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  /// Runs @main of `source` on `inputs`; on failure returns the
  /// diagnostics in `error`.
  mlir::FailureOr<std::vector<ref::Tensor>>
  run(const std::string &source, const std::vector<ref::Tensor> &inputs) {
    error.clear();
    mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
      error += d.str() + "\n";
      return mlir::success();
    });
    module = mlir::parseSourceString<mlir::ModuleOp>(source, &context);
    if (!module)
      return mlir::failure();
    auto main = module->lookupSymbol<mlir::func::FuncOp>("main");
    if (!main)
      return mlir::failure();
    return interpretFunction(main, inputs);
  }

  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::string error;
};

TEST_F(InterpreterTest, UpstreamGlue) {
  // x = [[0,1,2],[3,4,5]]
  auto r = run(R"mlir(
func.func @main(%x: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<2x2xf32>,
    tensor<2x5xf32>, tensor<6xf32>) {
  %e = tensor.empty() : tensor<3x2xf32>
  %t = linalg.transpose ins(%x : tensor<2x3xf32>) outs(%e : tensor<3x2xf32>)
         permutation = [1, 0]
  %s = tensor.extract_slice %x[0, 1] [2, 2] [1, 1]
      : tensor<2x3xf32> to tensor<2x2xf32>
  %c = tensor.concat dim(1) %x, %s
      : (tensor<2x3xf32>, tensor<2x2xf32>) -> tensor<2x5xf32>
  %r = tensor.collapse_shape %x [[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
  %half = arith.constant dense<2.5> : tensor<6xf32>
  %two = arith.constant dense<2.0> : tensor<6xf32>
  %mx = arith.maximumf %r, %half : tensor<6xf32>
  %m = arith.mulf %mx, %two : tensor<6xf32>
  %n = arith.negf %m : tensor<6xf32>
  return %t, %s, %c, %n : tensor<3x2xf32>, tensor<2x2xf32>, tensor<2x5xf32>,
      tensor<6xf32>
}
)mlir",
               {ref::Tensor({2, 3}, {0, 1, 2, 3, 4, 5})});
  ASSERT_TRUE(succeeded(r)) << error;
  ASSERT_EQ(r->size(), 4u);
  EXPECT_THAT((*r)[0].data, ElementsAreArray({0, 3, 1, 4, 2, 5}));
  EXPECT_THAT((*r)[1].data, ElementsAreArray({1, 2, 4, 5}));
  EXPECT_THAT((*r)[2].data,
              ElementsAreArray({0, 1, 2, 1, 2, 3, 4, 5, 4, 5}));
  // -(max(x, 2.5) * 2)
  EXPECT_THAT((*r)[3].data, ElementsAreArray({-5, -5, -5, -6, -8, -10}));
}

TEST_F(InterpreterTest, SynapticNeuronAndRequantize) {
  // Weights raw [[16, -8, 4], [2, 2, 2]] at 4 fraction bits, bias raw
  // [0, 8]: t0 x = [1,0,1]: 20, 12; t1 x = [1,1,1]: 12, 14. LIF tau 2,
  // threshold 0.5 (raw 8), hard reset: ch0 t0 H = 10 spikes, t1 H = 6;
  // ch1 t0 H = 6, t1 H = 6 + (14 - 6) / 2 = 10 spikes. Requantize to 2
  // fraction bits, floor: 20/4 = 5, 3, 3, 14/4 = 3.5 -> 3.
  auto r = run(R"mlir(
func.func @main(%x: tensor<2x1x3x!snn.spike>)
    -> (tensor<2x1x2x!snn.fixed<16, 4>>, tensor<2x1x2x!snn.spike>,
        tensor<2x1x2x!snn.fixed<8, 2>>) {
  %w = snn.constant dense<[[16, -8, 4], [2, 2, 2]]> : tensor<2x3xi8>
         -> tensor<2x3x!snn.fixed<8, 4>>
  %b = snn.constant dense<[0, 8]> : tensor<2xi16> -> tensor<2x!snn.fixed<16, 4>>
  %acc = snn.linear %x, %w, %b : (tensor<2x1x3x!snn.spike>,
      tensor<2x3x!snn.fixed<8, 4>>, tensor<2x!snn.fixed<16, 4>>)
      -> tensor<2x1x2x!snn.fixed<16, 4>>
  %s = snn.lif %acc {v_threshold = 0.5 : f64, membrane_type = !snn.fixed<16, 4>}
      : tensor<2x1x2x!snn.fixed<16, 4>> -> tensor<2x1x2x!snn.spike>
  %f = snn.requantize %acc {rounding = #snn.rounding<floor>}
      : tensor<2x1x2x!snn.fixed<16, 4>> -> tensor<2x1x2x!snn.fixed<8, 2>>
  return %acc, %s, %f : tensor<2x1x2x!snn.fixed<16, 4>>,
      tensor<2x1x2x!snn.spike>, tensor<2x1x2x!snn.fixed<8, 2>>
}
)mlir",
               {ref::Tensor({2, 1, 3}, {1, 0, 1, 1, 1, 1})});
  ASSERT_TRUE(succeeded(r)) << error;
  EXPECT_THAT((*r)[0].data, ElementsAreArray({20, 12, 12, 14}));
  EXPECT_THAT((*r)[1].data, ElementsAreArray({1, 0, 0, 1}));
  EXPECT_THAT((*r)[2].data, ElementsAreArray({5, 3, 3, 3}));
}

TEST_F(InterpreterTest, ModelOpsAndCalls) {
  // helper doubles its input (snn.scale); main adds it to x:
  // x + 2x = 3x.
  auto r = run(R"mlir(
func.func private @helper(%x: tensor<3xf32>) -> tensor<3xf32> {
  %d = snn.scale %x by 2.0 : tensor<3xf32>
  return %d : tensor<3xf32>
}
func.func @main(%x: tensor<3xf32>) -> tensor<3xf32> {
  %d = func.call @helper(%x) : (tensor<3xf32>) -> tensor<3xf32>
  %s = snn.add %x, %d : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return %s : tensor<3xf32>
}
)mlir",
               {ref::Tensor({3}, {1, -2, 0.5})});
  ASSERT_TRUE(succeeded(r)) << error;
  EXPECT_THAT((*r)[0].data, ElementsAreArray(std::vector<double>{3, -6, 1.5}));
}

TEST_F(InterpreterTest, UnknownOpIsAnError) {
  auto r = run(R"mlir(
func.func @main(%x: tensor<3xf32>) -> tensor<3xf32> {
  %e = math.exp %x : tensor<3xf32>
  return %e : tensor<3xf32>
}
)mlir",
               {ref::Tensor({3}, {0, 0, 0})});
  EXPECT_TRUE(failed(r));
  // math is not loaded: the parser rejects it; an op the interpreter
  // does not know is rejected by the dispatch instead:
  r = run(R"mlir(
func.func @main(%x: tensor<3xf32>) -> tensor<3xf32> {
  %e = arith.remf %x, %x : tensor<3xf32>
  return %e : tensor<3xf32>
}
)mlir",
          {ref::Tensor({3}, {1, 1, 1})});
  ASSERT_TRUE(failed(r));
  EXPECT_THAT(error, HasSubstr("the reference interpreter does not support "
                               "'arith.remf'"));
}

TEST_F(InterpreterTest, LifOverThreeSteps) {
  // LIF, tau 2, threshold 1, hard reset to 0, decay_input:
  // H = V + (X - V) / 2, spike when H >= 1, then V = 0 (else V = H).
  // Dimension 0 is time. Three neurons:
  //   a: X = 1.6, 1.6, 1.6: H = 0.8 | 0.8 + 0.4 = 1.2 fires | 0.8
  //   b: X = 2, 0, 4:       H = 1.0 fires (>=) | 0 | 2 fires
  //   c: X = 1, 1, 1:       H = 0.5 | 0.75 | 0.875, never fires
  auto r = run(R"mlir(
func.func @main(%x: tensor<3x3xf32>) -> tensor<3x3x!snn.spike> {
  %s = snn.lif %x {v_threshold = 1.0 : f64, tau = 2.0 : f64}
      : tensor<3x3xf32> -> tensor<3x3x!snn.spike>
  return %s : tensor<3x3x!snn.spike>
}
)mlir",
               {ref::Tensor({3, 3}, {1.6, 2, 1, 1.6, 0, 1, 1.6, 4, 1})});
  ASSERT_TRUE(succeeded(r)) << error;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_THAT((*r)[0].shape, ElementsAreArray({3, 3}));
  EXPECT_THAT((*r)[0].data, ElementsAreArray({0, 1, 0, 1, 0, 0, 0, 1, 0}));
}

TEST_F(InterpreterTest, IfSoftResetKeepsTheResidue) {
  // IF (no leak), threshold 1, soft reset (V = H - S * 1):
  //   a: X = 0.5, 0.75, 0.5: H = 0.5 | 1.25 fires, V = 0.25 | 0.75
  //   b: X = 2.5, 0, 0:      H = 2.5 fires, V = 1.5 | 1.5 fires, V = 0.5 |
  //                          0.5
  // With a hard reset b would fire once only (V = 0 after t0).
  auto r = run(R"mlir(
func.func @main(%x: tensor<3x2xf32>) -> (tensor<3x2x!snn.spike>,
                                          tensor<3x2x!snn.spike>) {
  %s = snn.if %x {reset = #snn.reset<soft>}
      : tensor<3x2xf32> -> tensor<3x2x!snn.spike>
  %h = snn.if %x : tensor<3x2xf32> -> tensor<3x2x!snn.spike>
  return %s, %h : tensor<3x2x!snn.spike>, tensor<3x2x!snn.spike>
}
)mlir",
               {ref::Tensor({3, 2}, {0.5, 2.5, 0.75, 0, 0.5, 0})});
  ASSERT_TRUE(succeeded(r)) << error;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_THAT((*r)[0].data, ElementsAreArray({0, 1, 1, 1, 0, 0}));
  // Hard reset: a: 0.5 | 1.25 fires, V = 0 | 0.5; b: 2.5 fires | 0 | 0.
  EXPECT_THAT((*r)[1].data, ElementsAreArray({0, 1, 1, 0, 0, 0}));
}

} // namespace
} // namespace spikestack
