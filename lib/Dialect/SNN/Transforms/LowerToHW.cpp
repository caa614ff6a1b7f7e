//===- LowerToHW.cpp - scheduled snn IR to per-core instruction streams ---===//
//
// --snn-lower-to-hw: see Passes.td.
//
//===----------------------------------------------------------------------===//
#include "Planning/Residency.h"

#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/Transforms/Passes.h"
#include "spikestack/Dialect/SNN/Transforms/Plan.h"
#include "spikestack/Dialect/SNNHW/IR/SNNHW.h"
#include "spikestack/Runtime/Program.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <map>

namespace spikestack::snn {
#define GEN_PASS_DEF_SNNLOWERTOHW
#include "spikestack/Dialect/SNN/Transforms/Passes.h.inc"
} // namespace spikestack::snn

using namespace mlir;
using namespace spikestack;
using namespace spikestack::snn;
namespace hwd = spikestack::snnhw;

namespace {

/// One task (column task x row tile) of one tiling of a layer.
struct Task {
  Operation *op;
  int64_t layer, tiling, task, order;
};

int64_t elementsOf(Operation *op) {
  int64_t n = 0;
  for (Type t : op->getResultTypes())
    if (auto s = dyn_cast<ShapedType>(t); s && s.hasStaticShape())
      n += s.getNumElements();
  return n;
}

struct LowerToHW : public snn::impl::SNNLowerToHWBase<LowerToHW> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto t = getAnalysis<ModuleTarget>().get(module);
    markAnalysesPreserved<ModuleTarget>();
    if (failed(t))
      return signalPassFailure();
    const size_t numCores = (*t)->blocksOfKind(hw::BlockKind::Core).size();
    MLIRContext *ctx = &getContext();
    for (auto old : llvm::make_early_inc_range(module.getOps<hwd::ProgramOp>()))
      old->erase();
    bodyOps.clear();

    SmallVector<Operation *> ops = plannedOps(module);
    if (failed(checkPlannedModule(module, "snn-lower-to-hw")))
      return signalPassFailure();
    llvm::DenseMap<Operation *, int64_t> layerOf;
    int64_t barriers = 0, dramTop = 0;
    for (auto [i, op] : llvm::enumerate(ops)) {
      layerOf[op] = int64_t(i);
      if (!op->getAttr(kScheduleAttr) || !op->getAttr(kWeightOffsetsAttr) ||
          (storedBits(op) > 0 && !op->getAttr(kOutputBufferAttr))) {
        op->emitError() << "snn-lower-to-hw: op is not allocated; run "
                           "--snn-allocate first";
        return signalPassFailure();
      }
      if (auto b = op->getAttrOfType<IntegerAttr>(kBarrierAttr))
        barriers = std::max(barriers, b.getInt() + 1);
      // (Buffers end before byte 2^48: BufferAttr::verify.)
      if (auto buf = op->getAttrOfType<BufferAttr>(kOutputBufferAttr);
          buf && buf.getBank() < 0)
        dramTop = std::max(dramTop, buf.getOffset() + buf.getBytes());
      for (Attribute a : op->getAttrOfType<ArrayAttr>(kPlacementAttr))
        for (int64_t c : cast<PlacementAttr>(a).getCores().asArrayRef())
          if (c >= int64_t(numCores)) {
            op->emitError() << "snn-lower-to-hw: placement names core " << c
                            << " but the target has " << numCores;
            return signalPassFailure();
          }
    }

    // Graph inputs go to DRAM after the spilled results.
    SmallVector<int64_t> inputOffsets;
    llvm::DenseMap<Value, std::pair<int64_t, int64_t>> inputBuffer;
    dramTop = (dramTop + 63) / 64 * 64;
    module.walk([&](func::FuncOp f) {
      for (BlockArgument a : f.getArguments()) {
        const int64_t bytes = valueBytes(a);
        inputOffsets.push_back(dramTop);
        inputBuffer[a] = {dramTop, bytes};
        dramTop = (dramTop + bytes + 63) / 64 * 64;
      }
    });
    // (Each input is at most 2^34 bits: checkPlannedModule.)
    if (dramTop > limits::kMaxAddress) {
      mlir::emitError(module.getLoc())
          << "snn-lower-to-hw: the graph inputs after the spilled results "
          << "end at DRAM byte " << dramTop << "; at most "
          << limits::formatLimit(limits::kMaxAddress) << " B are addressable";
      return signalPassFailure();
    }

    // Barriers between the products of one layer (Q K^T before A V).
    llvm::DenseMap<std::pair<Operation *, int64_t>, int64_t> innerBarrier;
    for (Operation *op : ops) {
      auto tilings = op->getAttrOfType<ArrayAttr>(kTilingAttr);
      for (int64_t i = 0; i + 1 < int64_t(tilings.size()); ++i)
        if (!isa<MoeExpertsOp>(op))
          innerBarrier[{op, i}] = barriers++;
    }

    // Tasks per core, in stream order.
    std::map<int64_t, std::vector<Task>> perCore;
    for (Operation *op : ops) {
      auto placements = op->getAttrOfType<ArrayAttr>(kPlacementAttr);
      auto schedules = op->getAttrOfType<ArrayAttr>(kScheduleAttr);
      for (int64_t i = 0; i < int64_t(placements.size()); ++i) {
        auto p = cast<PlacementAttr>(placements[i]);
        auto s = cast<ScheduleAttr>(schedules[i]);
        for (auto [task, core] : llvm::enumerate(p.getCores().asArrayRef()))
          perCore[core].push_back(
              {op, layerOf[op], i, int64_t(task), s.getOrder()[task]});
      }
    }

    auto layout = computeSlotLayout(ops, **t, "snn-lower-to-hw");
    if (failed(layout))
      return signalPassFailure();

    OpBuilder b(ctx);
    b.setInsertionPointToEnd(module.getBody());
    std::string target = hw::kDefaultTarget;
    if (auto name = module->getAttrOfType<StringAttr>(kTargetAttr))
      target = name.str();
    auto program =
        hwd::ProgramOp::create(b, module.getLoc(), target,
                               moduleMakespan(module), barriers, inputOffsets);
    program.getBody().emplaceBlock();
    for (size_t core = 0; core < numCores; ++core) {
      b.setInsertionPointToEnd(&program.getBody().front());
      auto stream = hwd::StreamOp::create(b, module.getLoc(), int64_t(core));
      stream.getBody().emplaceBlock();
      b.setInsertionPointToEnd(&stream.getBody().front());
      std::vector<Task> &tasks = perCore[int64_t(core)];
      llvm::stable_sort(tasks, [](const Task &x, const Task &y) {
        return x.order < y.order;
      });
      llvm::DenseSet<std::pair<Operation *, int64_t>> started;
      loadedRows.clear();
      // Streamed tasks: the fetch of the core's k-th one is emitted right
      // before the array instruction of its (k-1)-th (with two slots), or
      // after that task (with one); the first at the start of the stream.
      SmallVector<const Task *> streamed;
      for (const Task &task : tasks)
        if (isStreamedTask(task))
          streamed.push_back(&task);
      if (!streamed.empty())
        emitFetch(b, *streamed.front());
      size_t k = 0;
      for (const Task &task : tasks) {
        const Task *next = nullptr;
        if (isStreamedTask(task) && ++k < streamed.size())
          next = streamed[k];
        const bool before = next && layout->slots >= 2;
        if (failed(emitTask(b, task, started, innerBarrier, inputBuffer,
                            before ? next : nullptr)))
          return signalPassFailure();
        if (next && !before)
          emitFetch(b, *next);
      }
      hwd::HaltOp::create(b, module.getLoc());
    }
  }

  /// Which op a tiling entry of `op` stands for: the op itself, or for
  /// snn.moe_experts the inner op in the order --snn-tile emitted them
  /// (listed once per experts op, not once per task).
  Operation *tilingOwner(Operation *op, int64_t index) {
    auto experts = dyn_cast<MoeExpertsOp>(op);
    if (!experts)
      return op;
    auto it = bodyOps.find(op);
    if (it == bodyOps.end())
      it = bodyOps.try_emplace(op, expertBodyOps(experts)).first;
    return index < int64_t(it->second.size()) ? it->second[index] : op;
  }
  llvm::DenseMap<Operation *, SmallVector<Operation *>> bodyOps;
  /// (op, row tile) pairs whose inputs the current core has loaded.
  llvm::DenseSet<std::pair<Operation *, int64_t>> loadedRows;

  static bool isStreamedTask(const Task &t) {
    return t.op->hasAttr(kStreamedAttr) &&
           cast<TilingAttr>(t.op->getAttrOfType<ArrayAttr>(kTilingAttr)[t.tiling])
                   .getKind() == TileKind::Synaptic;
  }

  /// snn.fetch of task `t`'s weights: the fields of its `load weights`.
  static void emitFetch(OpBuilder &b, const Task &t) {
    auto tiling = cast<TilingAttr>(
        t.op->getAttrOfType<ArrayAttr>(kTilingAttr)[t.tiling]);
    auto placement = cast<PlacementAttr>(
        t.op->getAttrOfType<ArrayAttr>(kPlacementAttr)[t.tiling]);
    auto offsets = cast<DenseI64ArrayAttr>(
        t.op->getAttrOfType<ArrayAttr>(kWeightOffsetsAttr)[t.tiling]);
    hwd::FetchOp::create(b, t.op->getLoc(), t.layer, t.task,
                         placement.getWeightBanks()[t.task], offsets[t.task],
                         std::max<int64_t>(1, taskWeightBytes(tiling, t.task)));
  }

  /// The number of tasks in the last tiling of `op` (signals per barrier).
  static int64_t lastTilingTasks(Operation *op) {
    auto tilings = op->getAttrOfType<ArrayAttr>(kTilingAttr);
    return cast<TilingAttr>(tilings[tilings.size() - 1]).numTasks();
  }

  LogicalResult
  emitTask(OpBuilder &b, const Task &t,
           llvm::DenseSet<std::pair<Operation *, int64_t>> &started,
           const llvm::DenseMap<std::pair<Operation *, int64_t>, int64_t>
               &innerBarrier,
           const llvm::DenseMap<Value, std::pair<int64_t, int64_t>> &inputs,
           const Task *prefetch) {
    Operation *op = t.op;
    Location loc = op->getLoc();
    auto tiling =
        cast<TilingAttr>(op->getAttrOfType<ArrayAttr>(kTilingAttr)[t.tiling]);
    auto placement = cast<PlacementAttr>(
        op->getAttrOfType<ArrayAttr>(kPlacementAttr)[t.tiling]);
    auto schedule = cast<ScheduleAttr>(
        op->getAttrOfType<ArrayAttr>(kScheduleAttr)[t.tiling]);
    auto weightOffsets = cast<DenseI64ArrayAttr>(
        op->getAttrOfType<ArrayAttr>(kWeightOffsetsAttr)[t.tiling]);
    const int64_t numTasks = tiling.numTasks();

    const rt::Tiling rtTiling = tiling.toRuntime();
    const int64_t vectors = rtTiling.taskVectors(t.task);

    // 1. Synchronisation, once per layer product on this core; the inputs
    // of the first product once per row tile on this core: a row tile
    // reads its vectors' share of every input, [B x first / vectors,
    // + ceil(B x taskVectors / vectors)) (the halos of convolutions are
    // not added), which all column tasks of that row tile share.
    const bool first = started.insert({op, t.tiling}).second;
    if (first || t.tiling == 0) {
      if (t.tiling == 0) {
        const SmallVector<Operation *> producers = plannedProducers(op);
        llvm::DenseMap<int64_t, Operation *> producerOf;
        for (Operation *p : producers)
          if (auto pb = p->getAttrOfType<IntegerAttr>(kBarrierAttr))
            producerOf[pb.getInt()] = p;
        auto loadShare = [&](int64_t bank, int64_t offset, int64_t bytes) {
          const auto [begin, n] = rtTiling.inputShare(bytes, t.task);
          hwd::LoadOp::create(b, loc, hwd::LoadKind::Input, t.layer, t.task,
                              bank, offset + begin, n);
        };
        const bool newRows =
            loadedRows.insert({op, rtTiling.taskRowTile(t.task)}).second;
        if (auto waits = op->getAttrOfType<DenseI64ArrayAttr>(kWaitAttr);
            waits && first)
          for (int64_t barrier : waits.asArrayRef()) {
            Operation *producer = producerOf.lookup(barrier);
            hwd::WaitOp::create(b, loc, barrier,
                                producer ? lastTilingTasks(producer) : 1);
          }
        if (newRows) {
          for (Operation *p : producers)
            if (auto buf = p->getAttrOfType<BufferAttr>(kOutputBufferAttr))
              loadShare(buf.getBank(), buf.getOffset(), buf.getBytes());
          for (Value v : graphInputsOf(op))
            if (auto it = inputs.find(v); it != inputs.end())
              loadShare(-1, it->second.first, it->second.second);
        }
      } else if (auto it = innerBarrier.find({op, t.tiling - 1});
                 it != innerBarrier.end() && first) {
        auto prev = cast<TilingAttr>(
            op->getAttrOfType<ArrayAttr>(kTilingAttr)[t.tiling - 1]);
        hwd::WaitOp::create(b, loc, it->second, prev.numTasks());
      }
    }

    // 2. Weights.
    if (!placement.getWeightBanks().empty())
      hwd::LoadOp::create(
          b, loc, hwd::LoadKind::Weights, t.layer, t.task,
          placement.getWeightBanks()[t.task], weightOffsets[t.task],
          std::max<int64_t>(1, taskWeightBytes(tiling, t.task)));

    // 3. The next streamed task's fetch, compute, 4. epilogue.
    if (prefetch)
      emitFetch(b, *prefetch);
    const int64_t columns = taskColumns(tiling, t.task);
    Operation *owner = tilingOwner(op, t.tiling);
    const int64_t perTask =
        std::max<int64_t>(1, (elementsOf(owner) + numTasks - 1) / numTasks);
    auto array = [&](auto tag) {
      using Op = decltype(tag);
      auto created =
          Op::create(b, loc, t.layer, t.tiling, t.task, tiling.kTiles(),
                     columns, vectors, tiling.getBundle());
      if (schedule.getDynamic())
        created.setDynamic(true);
    };
    switch (tiling.getKind()) {
    case TileKind::Synaptic:
      array(hwd::SpikeAccOp());
      break;
    case TileKind::AndAccumulate:
      array(hwd::AndAccOp());
      break;
    case TileKind::ScoreValue:
      array(hwd::ScoreValueOp());
      // The attention neuron fires on the A V result.
      hwd::LifOp::create(b, loc, t.layer, t.task, columns * vectors);
      break;
    case TileKind::Vector:
      if (failed(emitVector(b, owner, t, perTask)))
        return failure();
      break;
    }
    if (tiling.getKind() == TileKind::Synaptic)
      if (Operation *e = fusedEpilogue(owner)) {
        const int64_t n = columns * vectors;
        if (isa<DequantizeOp>(e))
          hwd::VectorOp::create(b, loc, hwd::VectorFn::Dequantize, t.layer,
                                t.task, n);
        else
          hwd::LifOp::create(b, loc, t.layer, t.task, n);
      }

    // 5. Result and signal, after the layer's last product.
    auto tilings = op->getAttrOfType<ArrayAttr>(kTilingAttr);
    const bool last = t.tiling + 1 == int64_t(tilings.size());
    if (last)
      if (auto buf = op->getAttrOfType<BufferAttr>(kOutputBufferAttr)) {
        // The task's share of the result (rt::Tiling::resultShare).
        const auto [begin, bytes] =
            rtTiling.resultShare(buf.getBytes(), t.task);
        hwd::StoreOp::create(b, loc, t.layer, t.task, buf.getBank(),
                             buf.getOffset() + begin, bytes);
      }
    if (auto it = innerBarrier.find({op, t.tiling}); it != innerBarrier.end())
      hwd::SignalOp::create(b, loc, it->second);
    if (last)
      if (auto barrier = op->getAttrOfType<IntegerAttr>(kBarrierAttr))
        hwd::SignalOp::create(b, loc, barrier.getInt());
    return success();
  }

  LogicalResult emitVector(OpBuilder &b, Operation *owner, const Task &t,
                           int64_t elements) {
    Location loc = owner->getLoc();
    std::optional<hwd::VectorFn> fn =
        TypeSwitch<Operation *, std::optional<hwd::VectorFn>>(owner)
            .Case<AddOp>([](auto) { return hwd::VectorFn::Add; })
            .Case<MaxPool2dOp>([](auto) { return hwd::VectorFn::MaxPool; })
            .Case<AvgPool2dOp>([](auto) { return hwd::VectorFn::AvgPool; })
            .Case<ReadoutOp>([](auto) { return hwd::VectorFn::Readout; })
            .Case<NeuronOpInterface>(
                [](auto) { return hwd::VectorFn::Neuron; })
            .Case<DequantizeOp>([](auto) { return hwd::VectorFn::Dequantize; })
            .Case<SpikingAttentionOp>(
                [](auto) { return hwd::VectorFn::Sdsa; })
            .Case<ScaleOp>([](auto) { return hwd::VectorFn::Scale; })
            .Case<CastOp, QuantizeOp, RequantizeOp>(
                [](auto) { return hwd::VectorFn::Convert; })
            .Case<BatchNormOp>([](auto) { return hwd::VectorFn::BatchNorm; })
            .Default([](Operation *) { return std::nullopt; });
    if (fn) {
      hwd::VectorOp::create(b, loc, *fn, t.layer, t.task, elements);
      return success();
    }
    if (isa<MoeRouterOp, MoeGatesOp>(owner)) {
      auto in = cast<ShapedType>(owner->getOperand(0).getType());
      const int64_t tokens =
          in.getRank() >= 2 ? in.getNumElements() / in.getShape().back() : 1;
      hwd::RouteOp::create(b, loc, t.layer, t.task,
                           std::max<int64_t>(1, tokens));
      return success();
    }
    if (isa<MoeDispatchOp>(owner)) {
      hwd::DispatchOp::create(b, loc, t.layer, t.task, elements);
      return success();
    }
    if (isa<MoeCombineOp>(owner)) {
      hwd::CombineOp::create(b, loc, t.layer, t.task, elements);
      return success();
    }
    return owner->emitError() << "snn-lower-to-hw: '" << owner->getName()
                              << "' has no hardware instruction";
  }
};

} // namespace
