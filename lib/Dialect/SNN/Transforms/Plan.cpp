//===- Plan.cpp - shared queries of the tiling and placement passes -------===//
#include "spikestack/Dialect/SNN/Transforms/Plan.h"
#include "spikestack/Dialect/SNN/IR/SNNOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <cstdio>

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

bool isFusedEpilogue(Operation *op) {
  if (!isa<LIFOp, IFOp, DequantizeOp>(op))
    return false;
  Operation *def = op->getOperand(0).getDefiningOp();
  return isa_and_nonnull<LinearOp, Conv2dOp>(def) && def->hasOneUse();
}

bool needsPlan(Operation *op) {
  return isa<func::FuncOp>(op->getParentOp()) && !isLayoutOp(op) &&
         !isFusedEpilogue(op);
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

FailureOr<hw::PhysicalModel> buildModuleModel(ModuleOp module,
                                              const hw::Target &target) {
  auto m = hw::PhysicalModel::build(target);
  if (!m.ok()) {
    mlir::emitError(module.getLoc()) << std::string(m.status().message());
    return failure();
  }
  return *std::move(m);
}

int64_t moduleMakespan(ModuleOp module) {
  auto m = module->getAttrOfType<IntegerAttr>("snn.makespan");
  return m ? m.getInt() : 0;
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

SmallVector<Operation *> expertBodyOps(MoeExpertsOp experts) {
  SmallVector<Operation *> out;
  for (Operation &inner : experts.getBody().front())
    if (isa<LinearOp, Conv2dOp>(inner) ||
        (!isLayoutOp(&inner) && !isFusedEpilogue(&inner)))
      out.push_back(&inner);
  return out;
}

std::string formatBytes(int64_t bytes) {
  char buf[48];
  if (bytes >= (int64_t(1) << 20))
    std::snprintf(buf, sizeof buf, "%.2f MiB", double(bytes) / (1 << 20));
  else if (bytes < 1024)
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  else
    std::snprintf(buf, sizeof buf, "%.1f KiB", double(bytes) / 1024);
  return buf;
}

SmallVector<Operation *> plannedProducers(Operation *op) {
  SmallVector<Operation *> out;
  SmallVector<Value> work(op->getOperands().begin(), op->getOperands().end());
  // Values used inside a region (experts' bodies) come from above too.
  op->walk([&](Operation *inner) {
    if (inner != op)
      for (Value v : inner->getOperands())
        if (v.getParentRegion() &&
            !op->isAncestor(v.getParentRegion()->getParentOp()))
          work.push_back(v);
  });
  llvm::SmallPtrSet<Operation *, 8> seen;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    Operation *def = v.getDefiningOp();
    if (!def || !seen.insert(def).second)
      continue;
    if (isa_and_nonnull<func::FuncOp>(def->getParentOp()) && needsPlan(def)) {
      out.push_back(def);
      continue;
    }
    // Layout ops and fused epilogues pass their producers through.
    work.append(def->getOperands().begin(), def->getOperands().end());
  }
  return out;
}

SmallVector<Operation *> plannedOps(ModuleOp module) {
  SmallVector<Operation *> ops;
  module.walk([&](Operation *op) {
    if (isa_and_nonnull<func::FuncOp>(op->getParentOp()) && needsPlan(op))
      ops.push_back(op);
  });
  return ops;
}

Operation *fusedEpilogue(Operation *op) {
  if (op->getNumResults() != 1 || !op->getResult(0).hasOneUse())
    return nullptr;
  Operation *user = *op->getResult(0).getUsers().begin();
  return isFusedEpilogue(user) ? user : nullptr;
}

int64_t storedBits(Operation *op) {
  if (Operation *e = fusedEpilogue(op))
    op = e;
  int64_t bits = 0;
  for (Type t : op->getResultTypes())
    if (auto s = dyn_cast<ShapedType>(t); s && s.hasStaticShape())
      bits += s.getNumElements() * elementBits(s.getElementType());
  return bits;
}

int64_t overlappedTaskCycles(TilingAttr t, int64_t columns, int64_t portBits) {
  if (t.getKind() == TileKind::Vector)
    return t.getVectors();
  // Passes: every k block of every bundle, in order. Pass i computes for
  // fill/drain plus its streamed vectors; its held operand loads into the
  // shadow registers while pass i - 1 computes.
  int64_t total = 0, prevCompute = 0;
  const int64_t bundles = t.numBundles(), kTiles = t.kTiles();
  for (int64_t b = 0; b < bundles; ++b) {
    const int64_t vecs =
        std::min(t.getBundle(), t.getVectors() - b * t.getBundle());
    for (int64_t k = 0; k < kTiles; ++k) {
      const int64_t rows =
          std::min(t.getRows(), t.getReduction() - k * t.getRows());
      const int64_t load =
          (rows * columns * t.getHeldBits() + portBits - 1) / portBits;
      const int64_t compute = t.getRows() + t.getCols() - 2 + vecs;
      total += (b == 0 && k == 0) ? load : std::max(load, prevCompute);
      prevCompute = compute;
    }
  }
  return total + prevCompute;
}

} // namespace spikestack::snn
