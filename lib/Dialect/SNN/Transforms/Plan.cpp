//===- Plan.cpp - shared queries of the tiling and placement passes -------===//
#include "spikestack/Dialect/SNN/Transforms/Plan.h"
#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Hardware/CostModel.h"
#include "spikestack/Interpreter/ElemType.h"
#include "spikestack/Runtime/Program.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <cstdio>

using namespace mlir;

namespace spikestack::snn {

int64_t elementBits(Type t) {
  // The program format's element types count their bits once
  // (rt::ElemType::bits); other types (f16, f64...) have their own width.
  if (auto e = toElemType(t))
    return e->bits();
  return t.getIntOrFloatBitWidth();
}

bool isLayoutOp(Operation *op) {
  return isa<arith::ConstantOp, ConstantOp, tensor::ReshapeOp, tensor::EmptyOp,
             tensor::ConcatOp, tensor::ExpandShapeOp, tensor::CollapseShapeOp,
             tensor::ExtractSliceOp, linalg::TransposeOp, func::ReturnOp,
             YieldOp>(op);
}

bool isFusedEpilogue(Operation *op) {
  if (!isa<NeuronOpInterface, DequantizeOp>(op))
    return false;
  Operation *def = op->getOperand(0).getDefiningOp();
  return isa_and_nonnull<SynapticOpInterface>(def) && def->hasOneUse();
}

bool needsPlan(Operation *op) {
  return isa<func::FuncOp>(op->getParentOp()) && !isLayoutOp(op) &&
         !isFusedEpilogue(op);
}

namespace {

/// How messages name operand `i` of `op`.
std::string operandName(Operation *op, unsigned i) {
  if (isa<SynapticOpInterface>(op) && i < 3)
    return std::string("the ") +
           (i == 0 ? "input" : i == 1 ? "weight" : "bias");
  if (i == 0 && isa<NeuronOpInterface>(op))
    return "the input";
  if (op->getNumOperands() == 1)
    return "the operand";
  return "operand " + std::to_string(i);
}

std::string resultName(Operation *op, unsigned i) {
  return op->getNumResults() == 1 ? "the result"
                                  : "result " + std::to_string(i);
}

/// checkShapes for one value of `op`, named `name` in messages.
LogicalResult checkType(Operation *op, const std::string &name, Type type,
                        StringRef pass, bool requireStatic) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped)
    return success();
  auto fail = [&]() {
    return op->emitError() << pass << ": " << name << " (" << type << ") ";
  };
  if (!shaped.hasRank()) {
    if (!requireStatic)
      return success();
    return fail() << "is unranked; the planner needs static sizes";
  }
  if (shaped.getRank() > limits::kMaxRank)
    return fail() << "has rank " << shaped.getRank() << "; at most "
                  << limits::kMaxRank << " dimensions are supported";
  for (auto [d, size] : llvm::enumerate(shaped.getShape())) {
    if (size == 0)
      return fail() << "has size 0 in dimension " << d
                    << "; sizes must be at least 1";
    if (ShapedType::isDynamic(size) && requireStatic)
      return fail() << "has a dynamic size in dimension " << d
                    << "; the planner needs static sizes";
  }
  // Element types a program's layer table cannot hold (the interpreter
  // can): fixed point with negative fractional bits, integers wider than 64.
  Type elt = shaped.getElementType();
  if (auto f = dyn_cast<FixedType>(elt); f && f.getFrac() < 0 && requireStatic)
    return fail() << "has " << f.getFrac()
                  << " fractional bits; programs hold fixed-point values with "
                     "0 to 32 fractional bits";
  if (auto i = dyn_cast<IntegerType>(elt); i && i.getWidth() > 64)
    return fail() << "has " << i.getWidth()
                  << "-bit integers; at most 64 bits are supported";
  if (!shaped.hasStaticShape())
    return success();
  if (limits::boundedProduct(shaped.getShape(), limits::kMaxTensorElements))
    return success();
  auto exact = limits::boundedProduct(shaped.getShape(), INT64_MAX);
  return fail() << "has "
                << (exact ? std::to_string(*exact)
                          : std::string("more than 2^63"))
                << " elements; at most "
                << limits::formatLimit(limits::kMaxTensorElements)
                << " are supported";
}

LogicalResult checkOpTypes(Operation *op, StringRef pass, bool requireStatic) {
  for (auto [i, v] : llvm::enumerate(op->getOperands()))
    if (failed(checkType(op, operandName(op, i), v.getType(), pass,
                         requireStatic)))
      return failure();
  for (auto [i, v] : llvm::enumerate(op->getResults()))
    if (failed(checkType(op, resultName(op, i), v.getType(), pass,
                         requireStatic)))
      return failure();
  return success();
}

int64_t addCapped(int64_t a, int64_t b) {
  return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/// The planner's limits on a target: arrays within the tiling limits, LIF
/// units and bank ports it can divide by.
LogicalResult checkTargetForPlan(ModuleOp module, const hw::Target &target) {
  auto fail = [&](const hw::BlockRef &r) {
    return mlir::emitError(module.getLoc())
           << "target '" << target.name << "': block '"
           << target.block(r).name << "' ";
  };
  for (hw::BlockRef r : target.blocksOfKind(hw::BlockKind::Core)) {
    const hw::CoreSpec &c = target.block(r).core;
    if (c.rows < 1 || c.cols < 1 || c.rows > limits::kMaxArrayDim ||
        c.cols > limits::kMaxArrayDim)
      return fail(r) << "has " << c.rows << "x" << c.cols
                     << " arrays; the compiler supports 1x1 to "
                     << limits::kMaxArrayDim << "x" << limits::kMaxArrayDim;
    if (c.lifUnits < 1 || c.scratchpadBytes < 0)
      return fail(r) << "has " << c.lifUnits << " LIF units and a "
                     << c.scratchpadBytes
                     << " B scratchpad; the compiler needs at least 1 LIF "
                        "unit and a scratchpad of at least 0 B";
  }
  for (hw::BlockRef r : target.blocksOfKind(hw::BlockKind::Sram)) {
    const hw::SramSpec &b = target.block(r).sram;
    if (b.widthBits < 8 || b.capacityBytes < 0)
      return fail(r) << "has a " << b.widthBits << "-bit port and "
                     << b.capacityBytes
                     << " B; the compiler needs ports of at least 8 bits";
  }
  if (target.blocksOfKind(hw::BlockKind::Core).empty())
    return mlir::emitError(module.getLoc())
           << "target '" << target.name << "' has no core";
  return success();
}

} // namespace

LogicalResult checkShapes(Operation *op, StringRef pass, bool requireStatic,
                          bool nested) {
  if (failed(checkOpTypes(op, pass, requireStatic)))
    return failure();
  if (!nested)
    return success();
  WalkResult r = op->walk([&](Operation *inner) {
    if (inner != op && failed(checkOpTypes(inner, pass, requireStatic)))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return failure(r.wasInterrupted());
}

LogicalResult checkFunctionShapes(func::FuncOp f, StringRef pass) {
  for (auto [i, t] : llvm::enumerate(f.getArgumentTypes()))
    if (failed(checkType(f, "argument " + std::to_string(i), t, pass,
                         /*requireStatic=*/true)))
      return failure();
  for (auto [i, t] : llvm::enumerate(f.getResultTypes()))
    if (failed(checkType(f, "function result " + std::to_string(i), t, pass,
                         /*requireStatic=*/true)))
      return failure();
  WalkResult r = f.walk([&](Operation *op) {
    if (op != f.getOperation() &&
        failed(checkOpTypes(op, pass, /*requireStatic=*/true)))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return failure(r.wasInterrupted());
}

LogicalResult checkPlanWork(ArrayRef<Operation *> ops, StringRef pass) {
  if (int64_t(ops.size()) > limits::kMaxPlanOps)
    return ops[limits::kMaxPlanOps]->emitError()
           << pass << ": the plan has " << ops.size()
           << " layers (ops that run on the cores); this one is past the "
           << limits::formatLimit(limits::kMaxPlanOps) << " supported";
  int64_t tasks = 0, passes = 0, inputs = 0;
  for (Operation *op : ops) {
    auto tilings = op->getAttrOfType<ArrayAttr>(kTilingAttr);
    if (!tilings)
      continue;
    // Each tiling has at most 2^20 tasks of at most 2^24 passes (verified).
    int64_t opTasks = 0, opPasses = 0;
    for (Attribute a : tilings)
      if (auto attr = dyn_cast<TilingAttr>(a)) {
        const rt::Tiling t = attr.toRuntime();
        opTasks = addCapped(opTasks, t.numTasks());
        // The row tiles of a column task share its bundles.
        opPasses = addCapped(opPasses, t.numColumnTasks() * t.kTiles() *
                                           (t.numBundles() + t.rowTiles - 1));
      }
    tasks = addCapped(tasks, opTasks);
    passes = addCapped(passes, opPasses);

    if (tasks > limits::kMaxPlanTasks)
      return op->emitError()
             << pass << ": with this op the plan has " << tasks
             << " column tasks (this op " << opTasks << "); at most "
             << limits::formatLimit(limits::kMaxPlanTasks)
             << " are supported";
    if (passes > limits::kMaxPlanPasses)
      return op->emitError()
             << pass << ": with this op the plan has " << passes
             << " passes (column tasks x k blocks x bundles; this op "
             << opPasses << "); at most "
             << limits::formatLimit(limits::kMaxPlanPasses)
             << " are supported";
    // opTasks <= 2^20 here and an op reads fewer than 2^16 layers.
    const int64_t opInputs = opTasks * int64_t(plannedProducers(op).size());
    inputs = addCapped(inputs, opInputs);
    if (inputs > limits::kMaxPlanTaskInputs)
      return op->emitError()
             << pass << ": with this op the plan's tasks read " << inputs
             << " layer results in all (each task every layer its op reads; "
                "this op "
             << opInputs << "); at most "
             << limits::formatLimit(limits::kMaxPlanTaskInputs)
             << " are supported";
  }
  return success();
}

LogicalResult checkPlannedModule(ModuleOp module, StringRef pass) {
  WalkResult r = module.walk([&](func::FuncOp f) {
    return failed(checkFunctionShapes(f, pass)) ? WalkResult::interrupt()
                                                : WalkResult::advance();
  });
  if (r.wasInterrupted())
    return failure();
  return checkPlanWork(plannedOps(module), pass);
}

LogicalResult checkPlacements(ArrayRef<Operation *> ops,
                              const hw::Target &target, StringRef pass) {
  const size_t numCores = target.blocksOfKind(hw::BlockKind::Core).size();
  const size_t numBanks = target.blocksOfKind(hw::BlockKind::Sram).size();
  for (Operation *op : ops) {
    auto placement = op->getAttrOfType<ArrayAttr>(kPlacementAttr);
    if (!placement)
      return op->emitError() << pass << ": op has no snn.placement; run "
                                        "--snn-place first";
    for (Attribute a : placement) {
      auto p = cast<PlacementAttr>(a);
      for (int64_t c : p.getCores().asArrayRef())
        if (c >= int64_t(numCores))
          return op->emitError()
                 << pass << ": placement names core " << c << " but target '"
                 << target.name << "' has " << numCores << " cores";
      for (int64_t b : p.getWeightBanks().asArrayRef())
        if (b >= int64_t(numBanks))
          return op->emitError()
                 << pass << ": placement names bank " << b << " but target '"
                 << target.name << "' has " << numBanks << " banks";
      if (p.getOutputBank() >= int64_t(numBanks))
        return op->emitError()
               << pass << ": placement names output bank "
               << p.getOutputBank() << " but target '" << target.name
               << "' has " << numBanks << " banks";
    }
  }
  return success();
}

FailureOr<std::shared_ptr<const hw::Target>>
loadModuleTarget(ModuleOp module, StringRef fallback) {
  std::string name = fallback.str();
  if (auto attr = module->getAttrOfType<StringAttr>(kTargetAttr))
    name = attr.getValue().str();
  auto target = hw::loadTarget(name);
  if (!target.ok()) {
    mlir::emitError(module.getLoc()) << std::string(target.status().message());
    return failure();
  }
  if (failed(checkTargetForPlan(module, *target)))
    return failure();
  return std::make_shared<const hw::Target>(*std::move(target));
}

FailureOr<std::shared_ptr<const hw::Target>>
ModuleTarget::get(ModuleOp module) {
  std::string wanted = hw::kDefaultTarget;
  if (auto attr = module->getAttrOfType<StringAttr>(kTargetAttr))
    wanted = attr.getValue().str();
  if (target && wanted == name)
    return target;
  target.reset();
  auto t = loadModuleTarget(module, hw::kDefaultTarget);
  if (failed(t))
    return failure();
  name = std::move(wanted);
  target = *t;
  return target;
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
  auto m = module->getAttrOfType<IntegerAttr>(kMakespanAttr);
  return m ? m.getInt() : 0;
}

int64_t taskColumns(TilingAttr t, int64_t task) {
  return t.toRuntime().taskColumns(task);
}

int64_t taskWeightBytes(TilingAttr t, int64_t task) {
  if (t.getKind() != TileKind::Synaptic)
    return 0;
  return (t.getReduction() * taskColumns(t, task) * t.getHeldBits() + 7) / 8;
}

namespace {
/// Output-stationary folds of task `task`: (folds, cycles per fold, weight
/// bits streamed per fold).
struct OsFolds {
  int64_t folds = 0, foldCycles = 0, weightBits = 0;
};
OsFolds osFolds(const rt::Tiling &t, int64_t task, int64_t portBits) {
  OsFolds f;
  f.folds = (t.taskVectors(task) + t.bundle - 1) / t.bundle;
  f.weightBits = t.reduction * t.taskColumns(task) * t.heldBits;
  // The weights stream along the columns as the spikes stream along the
  // rows: a fold lasts its compute unless the port cannot keep up.
  f.foldCycles =
      std::max(hw::osFoldCycles(t.rows, t.cols, t.reduction),
               hw::portTransferCycles(f.weightBits, portBits));
  return f;
}
} // namespace

TaskCost taskCost(TilingAttr t, int64_t task, int64_t portBits) {
  TaskCost c;
  const rt::Tiling tiling = t.toRuntime();
  if (t.getKind() == TileKind::Vector) {
    c.cycles = tiling.taskVectors(task);
    return c;
  }
  const int64_t columns = tiling.taskColumns(task);
  const int64_t vectors = tiling.taskVectors(task);
  const int64_t heldPerPass = t.getReduction() * columns * t.getHeldBits();
  c.heldBytes = t.getKind() == TileKind::Synaptic ? (heldPerPass + 7) / 8 : 0;
  c.streamBits = vectors * t.getReduction();
  c.outputBits = vectors * columns;
  if (tiling.dataflow == rt::Dataflow::OutputStationary) {
    const OsFolds f = osFolds(tiling, task, portBits);
    c.heldBits = f.folds * f.weightBits;
    c.cycles = f.folds * f.foldCycles;
    return c;
  }
  const int64_t kTiles = tiling.kTiles();
  const int64_t bundles = (vectors + t.getBundle() - 1) / t.getBundle();
  // Held operand: every k block once per bundle (it is reloaded because
  // the scratchpad holds one bundle's partial sums, not all of them).
  c.heldBits = bundles * heldPerPass;
  int64_t loadCycles = 0;
  for (int64_t k = 0; k < kTiles; ++k)
    loadCycles += hw::portTransferCycles(
        tiling.blockRows(k) * columns * t.getHeldBits(), portBits);
  // Every pass (k block x bundle) computes for fill/drain plus its
  // streamed vectors; the bundles' vectors add up to the task's.
  c.cycles = bundles * loadCycles +
             kTiles * (bundles * hw::arrayFillDrainCycles(t.getRows(),
                                                          t.getCols()) +
                       vectors);
  return c;
}

SmallVector<Operation *> expertBodyOps(MoeExpertsOp experts) {
  SmallVector<Operation *> out;
  for (Operation &inner : experts.getBody().front())
    if (isa<SynapticOpInterface>(inner) ||
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

int64_t overlappedTaskCycles(TilingAttr t, int64_t task, int64_t portBits) {
  const rt::Tiling tiling = t.toRuntime();
  if (t.getKind() == TileKind::Vector)
    return tiling.taskVectors(task);
  // Output-stationary folds stream their weights while they compute:
  // there is no held load to hide.
  if (tiling.dataflow == rt::Dataflow::OutputStationary) {
    const OsFolds f = osFolds(tiling, task, portBits);
    return f.folds * f.foldCycles;
  }
  // Passes: every k block of every bundle of the task's vectors, in
  // order. Pass i computes for fill/drain plus its streamed vectors; its
  // held operand loads into the shadow registers while pass i - 1
  // computes.
  hw::DoubleBufferedPasses passes;
  const int64_t columns = tiling.taskColumns(task);
  const int64_t first = tiling.taskFirstVector(task);
  const int64_t last = first + tiling.taskVectors(task);
  const int64_t kTiles = tiling.kTiles();
  for (int64_t v = first; v < last; v += tiling.bundle) {
    const int64_t vecs = std::min(tiling.bundle, last - v);
    for (int64_t k = 0; k < kTiles; ++k)
      passes.add(hw::portTransferCycles(
                     tiling.blockRows(k) * columns * t.getHeldBits(), portBits),
                 hw::arrayPassCycles(t.getRows(), t.getCols(), vecs));
  }
  return passes.cycles();
}

/// The name of the model node an op came from: its snn.onnx_name, else the
/// first name in its location (the importer names ops after their ONNX
/// nodes), else "".
std::string sourceName(Operation *op) {
  if (auto onnx = op->getAttrOfType<StringAttr>(kOnnxNameAttr))
    return onnx.str();
  std::string found;
  op->getLoc()->walk([&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l)) {
      found = n.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return found;
}

SmallVector<Value> graphInputsOf(Operation *op) {
  SmallVector<Value> found, work(op->getOperands().begin(),
                                 op->getOperands().end());
  llvm::DenseSet<Value> seen;
  for (size_t next = 0; next < work.size(); ++next) {
    Value v = work[next];
    if (!seen.insert(v).second)
      continue;
    if (isa<BlockArgument>(v)) {
      found.push_back(v);
      continue;
    }
    if (Operation *def = v.getDefiningOp(); def && isLayoutOp(def))
      work.append(def->getOperands().begin(), def->getOperands().end());
  }
  return found;
}

int64_t valueBytes(Value v) {
  auto s = dyn_cast<ShapedType>(v.getType());
  if (!s || !s.hasStaticShape())
    return 0;
  return (s.getNumElements() * elementBits(s.getElementType()) + 7) / 8;
}

int64_t storedBytes(Operation *op) { return (storedBits(op) + 7) / 8; }

int64_t expectedResultBank(Operation *op, const hw::Target &target) {
  if (auto buf = op->getAttrOfType<BufferAttr>(kOutputBufferAttr))
    return buf.getBank();
  const int64_t bytes = storedBytes(op);
  auto placements = op->getAttrOfType<ArrayAttr>(kPlacementAttr);
  if (bytes == 0 || !placements || placements.empty())
    return -1;
  int64_t largest = 0;
  for (hw::BlockRef b : target.blocksOfKind(hw::BlockKind::Sram))
    if (target.block(b).sram.holds != hw::SramRole::Weights)
      largest = std::max(largest, target.block(b).sram.capacityBytes);
  if (bytes > largest)
    return -1;
  return cast<PlacementAttr>(placements[0]).getOutputBank();
}

SmallVector<InputLoad> taskInputLoads(Operation *op, TilingAttr first,
                                      int64_t task,
                                      const hw::Target &target) {
  const rt::Tiling t = first.toRuntime();
  SmallVector<InputLoad> loads;
  for (Operation *p : plannedProducers(op))
    if (const int64_t bytes = storedBytes(p); bytes > 0)
      loads.push_back({expectedResultBank(p, target),
                       t.inputShare(bytes, task).second});
  for (Value v : graphInputsOf(op))
    loads.push_back({-1, t.inputShare(valueBytes(v), task).second,
                     /*graphInput=*/true});
  return loads;
}

llvm::SmallDenseSet<int64_t> inputLoadingTasks(Operation *op) {
  auto tilings = op->getAttrOfType<ArrayAttr>(kTilingAttr);
  auto placements = op->getAttrOfType<ArrayAttr>(kPlacementAttr);
  llvm::SmallDenseSet<int64_t> tasks;
  if (!tilings || tilings.empty() || !placements || placements.empty())
    return tasks;
  const rt::Tiling first = cast<TilingAttr>(tilings[0]).toRuntime();
  llvm::SmallDenseSet<std::pair<int64_t, int64_t>> seen;
  for (auto [task, core] : llvm::enumerate(
           cast<PlacementAttr>(placements[0]).getCores().asArrayRef()))
    if (seen.insert({core, first.taskRowTile(int64_t(task))}).second)
      tasks.insert(int64_t(task));
  return tasks;
}

} // namespace spikestack::snn
