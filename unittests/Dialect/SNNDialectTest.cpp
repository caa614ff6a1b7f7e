//===- SNNDialectTest.cpp - snn dialect builders, interfaces, attributes --===//
//
// The declarations other code relies on: the discardable attribute names
// and their table-driven verifier, the neuron/attention/router builders,
// the neuron and synaptic interfaces, and #snn.tiling's arithmetic (that of
// rt::Tiling).
//
//===----------------------------------------------------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Runtime/Program.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spikestack::snn {
namespace {

using ::testing::HasSubstr;

class SNNDialectTest : public ::testing::Test {
protected:
  SNNDialectTest() {
    mlir::DialectRegistry registry;
    registry.insert<SNNDialect, mlir::func::FuncDialect,
                    mlir::arith::ArithDialect>();
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  /// Parses `src`; on failure returns null and the diagnostics in `errors`.
  mlir::OwningOpRef<mlir::ModuleOp> parse(llvm::StringRef src,
                                          std::string *errors = nullptr) {
    std::string sink;
    mlir::ScopedDiagnosticHandler handler(
        &context, [&](mlir::Diagnostic &d) {
          (errors ? *errors : sink) += d.str() + "\n";
          return mlir::success();
        });
    return mlir::parseSourceString<mlir::ModuleOp>(src, &context);
  }

  template <typename OpT> OpT first(mlir::ModuleOp m) {
    OpT found;
    m.walk([&](OpT op) {
      if (!found)
        found = op;
    });
    return found;
  }

  mlir::MLIRContext context;
};

TEST_F(SNNDialectTest, DiscardableAttributeNames) {
  EXPECT_EQ(kTilingAttr, "snn.tiling");
  EXPECT_EQ(kPlacementAttr, "snn.placement");
  EXPECT_EQ(kScheduleAttr, "snn.schedule");
  EXPECT_EQ(kOutputBufferAttr, "snn.output_buffer");
  EXPECT_EQ(kWeightOffsetsAttr, "snn.weight_offsets");
  EXPECT_EQ(kTargetAttr, "snn.target");
  EXPECT_EQ(kMakespanAttr, "snn.makespan");
  EXPECT_EQ(kOnnxNameAttr, "snn.onnx_name");
  EXPECT_EQ(kPinAttr, "snn.pin");
  EXPECT_EQ(kPinWeightsAttr, "snn.pin_weights");
  EXPECT_EQ(kPinOutputAttr, "snn.pin_output");
  EXPECT_EQ(kBarrierAttr, "snn.barrier");
  EXPECT_EQ(kWaitAttr, "snn.wait");
  EXPECT_EQ(kNameAttr, "snn.name");
  auto *dialect = context.getLoadedDialect<SNNDialect>();
  EXPECT_EQ(dialect->getTilingAttrHelper().getName().getValue(),
            "snn.tiling");
}

TEST_F(SNNDialectTest, VerifierRejectsUnknownAndMisplacedAttributes) {
  std::string errors;
  EXPECT_FALSE(parse(R"(module { func.func @f() { return { snn.bogus = 1 } } })",
                     &errors));
  EXPECT_THAT(errors,
              HasSubstr("unknown snn attribute 'snn.bogus' (ops may carry "
                        "snn.onnx_name, snn.pin, snn.pin_weights, "
                        "snn.pin_output, snn.tiling, snn.placement, "
                        "snn.schedule, snn.barrier, snn.wait, "
                        "snn.output_buffer, snn.weight_offsets, snn.streamed; modules "
                        "snn.target, snn.makespan)"));
  errors.clear();
  EXPECT_FALSE(parse(R"(module { func.func @f() { return { snn.target = "2d" } } })",
                     &errors));
  EXPECT_THAT(errors, HasSubstr("snn.target belongs on the module"));
  errors.clear();
  EXPECT_FALSE(parse(R"(module attributes { snn.makespan = -1 } {})", &errors));
  EXPECT_THAT(errors, HasSubstr("snn.makespan must be a non-negative integer "
                                "on the module"));
  EXPECT_TRUE(parse(R"(module attributes { snn.target = "2d", snn.makespan = 3 } {})"));
}

TEST_F(SNNDialectTest, TilingArithmeticIsRuntimeTilings) {
  auto t = TilingAttr::get(&context, TileKind::Synaptic, /*rows=*/32,
                           /*cols=*/16, /*reduction=*/100, /*outputs=*/40,
                           /*groups=*/3, /*vectors=*/70, /*bundle=*/32,
                           /*heldBits=*/8, Dataflow::WeightStationary,
                           /*row_tiles=*/1);
  rt::Tiling r = t.toRuntime();
  EXPECT_EQ(r.kind, rt::TileKind::Synaptic);
  EXPECT_EQ(t.kTiles(), 4);     // ceil(100 / 32)
  EXPECT_EQ(t.nTiles(), 3);     // ceil(40 / 16)
  EXPECT_EQ(t.numTasks(), 9);   // 3 groups x 3
  EXPECT_EQ(t.numBundles(), 3); // ceil(70 / 32)
  EXPECT_EQ(r.blockRows(3), 4); // 100 - 3 x 32
  EXPECT_EQ(r.bundleVectors(2), 6);
  EXPECT_EQ(r.taskColumns(2), 8); // 40 - 2 x 16
  EXPECT_EQ(r.taskColumns(4), 16);
}

TEST_F(SNNDialectTest, NeuronBuildersAndInterface) {
  mlir::OpBuilder b(&context);
  auto loc = b.getUnknownLoc();
  auto module = mlir::ModuleOp::create(loc);
  b.setInsertionPointToEnd(module.getBody());
  auto in = mlir::arith::ConstantOp::create(
      b, loc, mlir::DenseElementsAttr::get(
                  mlir::RankedTensorType::get({2, 3}, b.getF32Type()), 0.5f));
  auto spikes = mlir::RankedTensorType::get({2, 3}, SpikeType::get(&context));
  NeuronParams p;
  p.tau = 4.0;
  p.vThreshold = 0.5;
  p.reset = ResetMode::Soft;
  p.compare = CompareMode::GT;
  NeuronOpInterface lif = createNeuron(b, loc, spikes, in, true, p);
  NeuronOpInterface iff = createNeuron(b, loc, spikes, in, false, p);
  ASSERT_TRUE(mlir::isa<LIFOp>(lif.getOperation()));
  ASSERT_TRUE(mlir::isa<IFOp>(iff.getOperation()));
  EXPECT_TRUE(lif.isLeaky());
  EXPECT_FALSE(iff.isLeaky());
  EXPECT_FALSE(lif.hasChannelParams());
  EXPECT_FALSE(lif.isFixedPoint());
  EXPECT_EQ(lif.getNeuronInput(), in.getResult());
  NeuronParams back = NeuronParams::fromAttr(lif.getNeuronAttr());
  EXPECT_EQ(back.tau, 4.0);
  EXPECT_EQ(back.vThreshold, 0.5);
  EXPECT_EQ(back.reset, ResetMode::Soft);
  EXPECT_EQ(back.compare, CompareMode::GT);
  EXPECT_EQ(lif.getNeuronAttr(), p.toAttr(&context, true));
  EXPECT_TRUE(mlir::succeeded(mlir::verify(module)));
  module->erase();
}

TEST_F(SNNDialectTest, SynapticInterface) {
  auto m = parse(R"(
    func.func @f(%x: tensor<2x4x!snn.spike>, %w: tensor<5x4xf32>,
                 %i: tensor<1x6x8x8x!snn.spike>, %k: tensor<6x3x3x3xf32>)
        -> (tensor<2x5xf32>, tensor<1x6x6x6xf32>) {
      %y = snn.linear %x, %w : (tensor<2x4x!snn.spike>, tensor<5x4xf32>) -> tensor<2x5xf32>
      %c = snn.conv2d %i, %k {groups = 2 : i64} : (tensor<1x6x8x8x!snn.spike>, tensor<6x3x3x3xf32>) -> tensor<1x6x6x6xf32>
      return %y, %c : tensor<2x5xf32>, tensor<1x6x6x6xf32>
    })");
  ASSERT_TRUE(m);
  auto linear = mlir::cast<SynapticOpInterface>(
      first<LinearOp>(*m).getOperation());
  auto conv = mlir::cast<SynapticOpInterface>(
      first<Conv2dOp>(*m).getOperation());
  EXPECT_EQ(linear.getReductionSize(), 4);
  EXPECT_EQ(linear.getNumWeightGroups(), 1);
  EXPECT_EQ(linear.getOutputChannelDim(), 1);
  EXPECT_EQ(conv.getReductionSize(), 27);
  EXPECT_EQ(conv.getNumWeightGroups(), 2);
  EXPECT_EQ(conv.getOutputChannelDim(), 1);
}

TEST_F(SNNDialectTest, RouterBuilder) {
  mlir::OpBuilder b(&context);
  auto loc = b.getUnknownLoc();
  auto module = mlir::ModuleOp::create(loc);
  b.setInsertionPointToEnd(module.getBody());
  auto f32 = [&](llvm::ArrayRef<int64_t> shape) {
    return mlir::RankedTensorType::get(shape, b.getF32Type());
  };
  auto x = mlir::arith::ConstantOp::create(
      b, loc, mlir::DenseElementsAttr::get(f32({4, 2, 3, 8}), 0.0f));
  auto w = mlir::arith::ConstantOp::create(
      b, loc, mlir::DenseElementsAttr::get(f32({5, 8}), 0.0f));
  auto router = MoeRouterOp::create(b, loc, x, w, mlir::Value(), 2,
                                    std::nullopt, true, 0);
  EXPECT_EQ(router.getGate().getType(), f32({2, 3, 2}));
  EXPECT_EQ(router.getSlot().getType(),
            mlir::RankedTensorType::get({2, 3, 2}, b.getI32Type()));
  EXPECT_FALSE(router.getCapacity());
  EXPECT_EQ(router.getRouteTimeStep(), 0u);
  EXPECT_TRUE(router.getNormalizeGates());
  module->erase();
}

} // namespace
} // namespace spikestack::snn
