//===- Plan.cpp - shared queries of the tiling and placement passes -------===//
#include "spikestack/Dialect/SNN/Transforms/Plan.h"
#include "spikestack/Dialect/SNN/IR/SNNOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace spikestack::snn {

int64_t elementBits(Type t) {
  if (auto f = dyn_cast<FixedType>(t))
    return f.getWidth();
  if (isa<SpikeType>(t))
    return 1;
  if (auto c = dyn_cast<CountType>(t))
    return llvm::Log2_64_Ceil(uint64_t(c.getMax()) + 1);
  return t.getIntOrFloatBitWidth();
}

bool isLayoutOp(Operation *op) {
  return isa<arith::ConstantOp, ConstantOp, tensor::ReshapeOp, tensor::EmptyOp,
             tensor::ConcatOp, tensor::ExpandShapeOp, tensor::CollapseShapeOp,
             tensor::ExtractSliceOp, linalg::TransposeOp, func::ReturnOp,
             YieldOp>(op);
}

bool isFusedNeuron(Operation *op) {
  if (!isa<LIFOp, IFOp>(op))
    return false;
  Operation *def = op->getOperand(0).getDefiningOp();
  return isa_and_nonnull<LinearOp, Conv2dOp>(def) && def->hasOneUse();
}

bool needsPlan(Operation *op) {
  return isa<func::FuncOp>(op->getParentOp()) && !isLayoutOp(op) &&
         !isFusedNeuron(op);
}

FailureOr<std::shared_ptr<const hw::Target>>
loadModuleTarget(ModuleOp module, StringRef fallback) {
  std::string name = fallback.str();
  if (auto attr = module->getAttrOfType<StringAttr>("snn.target"))
    name = attr.getValue().str();
  auto target = hw::loadTarget(name);
  if (!target.ok()) {
    mlir::emitError(module.getLoc()) << std::string(target.status().message());
    return failure();
  }
  return std::make_shared<const hw::Target>(*std::move(target));
}

int64_t taskColumns(TilingAttr t, int64_t task) {
  const int64_t block = task % t.nTiles();
  return std::min(t.getCols(), t.getOutputs() - block * t.getCols());
}

int64_t taskWeightBytes(TilingAttr t, int64_t task) {
  if (t.getKind() != TileKind::Synaptic)
    return 0;
  return (t.getReduction() * taskColumns(t, task) * t.getHeldBits() + 7) / 8;
}

TaskCost taskCost(TilingAttr t, int64_t columns, int64_t portBits) {
  TaskCost c;
  if (t.getKind() == TileKind::Vector) {
    c.cycles = t.getVectors();
    return c;
  }
  const int64_t kTiles = t.kTiles(), bundles = t.numBundles();
  // Held operand: every k block once per bundle (it is reloaded because
  // the scratchpad holds one bundle's partial sums, not all of them).
  const int64_t heldPerPass = t.getReduction() * columns * t.getHeldBits();
  c.heldBits = bundles * heldPerPass;
  c.heldBytes = t.getKind() == TileKind::Synaptic ? (heldPerPass + 7) / 8 : 0;
  int64_t loadCycles = 0;
  for (int64_t k = 0; k < kTiles; ++k) {
    const int64_t rows =
        std::min(t.getRows(), t.getReduction() - k * t.getRows());
    loadCycles += (rows * columns * t.getHeldBits() + portBits - 1) / portBits;
  }
  // Weight-stationary fill and drain per pass: rows + cols - 2 cycles
  // around the streamed vectors (SCALE-Sim's WS fold count).
  c.cycles = bundles * (loadCycles + kTiles * (t.getRows() + t.getCols() - 2)) +
             kTiles * t.getVectors();
  c.streamBits = t.getVectors() * t.getReduction();
  c.outputBits = t.getVectors() * columns;
  return c;
}

} // namespace spikestack::snn
