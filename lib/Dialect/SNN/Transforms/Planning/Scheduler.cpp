//===- Scheduler.cpp - per-core order, double buffering, barriers ---------===//
//
// The scheduling algorithm of --snn-schedule: see Scheduler.h and
// Passes.td.
//
//===----------------------------------------------------------------------===//
#include "Scheduler.h"
#include "Residency.h"

#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/Transforms/Plan.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"

#include <algorithm>
#include <climits>
#include <cmath>

using namespace mlir;
using namespace spikestack;
using namespace spikestack::snn;

namespace {

struct Done {
  int64_t finish = 0;                 ///< last task of the op
  llvm::SmallDenseSet<int64_t> cores; ///< cores its tasks ran on
  int lowTier = INT_MAX, highTier = -1; ///< tiers of those cores
  int64_t barrier = -1;
};

/// Schedules end before 2^62 cycles, so that no sum of times overflows.
constexpr int64_t kMaxCycles = int64_t(1) << 62;
int64_t addCycles(int64_t a, int64_t b) {
  return a > kMaxCycles - b ? kMaxCycles : a + b;
}

} // namespace

struct Scheduler::Impl {
  Impl(MLIRContext *ctx, bool doubleBuffer)
      : ctx(ctx), doubleBuffer(doubleBuffer) {}

  MLIRContext *ctx;
  bool doubleBuffer;
  std::shared_ptr<const hw::Target> target;
  std::vector<hw::BlockRef> cores, banks;
  int64_t widest = 8;        ///< the widest bank port
  std::vector<int64_t> upTo; ///< link latency from tier 0 to each tier
  std::vector<int64_t> coreFree, nextOrder;
  llvm::DenseMap<Operation *, Done> done;
  int64_t barriers = 0, makespan = 0;

  /// Weight streaming (Planning/Residency): per core the weight bytes of
  /// its streamed tasks in stream order, how many it has started, and when
  /// the fetch of the next one completes; the DRAM channels' calendars.
  int slots = 0;
  std::vector<std::vector<int64_t>> fetchBytes;
  std::vector<size_t> streamedStarted;
  std::vector<int64_t> fetchDone, channelFree;
  double channelBitsPerCycle = 1;
  int64_t dramLatency = 0;

  int tierOf(int64_t core) const { return cores[core].tier; }
  int64_t linkLatency(int a, int b) const {
    const int64_t lo = upTo[std::min(a, b)], hi = upTo[std::max(a, b)];
    return hi >= kMaxCycles ? kMaxCycles : hi - lo;
  }

  LogicalResult run(ModuleOp module, std::shared_ptr<const hw::Target> t) {
    target = std::move(t);
    cores = target->blocksOfKind(hw::BlockKind::Core);
    banks = target->blocksOfKind(hw::BlockKind::Sram);
    widest = 8;
    for (hw::BlockRef b : banks)
      widest = std::max(widest, target->block(b).sram.widthBits);
    // Link latency from tier 0 up to each tier (saturating), so that the
    // latency between two tiers costs no loop over the tiers between.
    upTo.assign(target->tiers.size(), 0);
    for (size_t i = 1; i < upTo.size(); ++i) {
      const hw::VerticalLink *l = target->link(int(i) - 1, int(i));
      upTo[i] = addCycles(upTo[i - 1],
                          l ? std::max<int64_t>(0, l->latencyCycles) : 0);
    }

    SmallVector<Operation *> ops = plannedOps(module);
    if (failed(checkPlacements(ops, *target, "snn-schedule")) ||
        failed(checkPlannedModule(module, "snn-schedule")))
      return failure();

    coreFree.assign(cores.size(), 0);
    nextOrder.assign(cores.size(), 0);
    done.clear();
    barriers = makespan = 0;
    if (failed(planFetches(module, ops)))
      return failure();
    for (Operation *op : ops) {
      SmallVector<Operation *> producers = plannedProducers(op);
      addWaits(op, producers);
      if (failed(scheduleTasks(op, producers)))
        return failure();
      makespan = std::max(makespan, done[op].finish);
    }
    module->setAttr(kMakespanAttr,
                    IntegerAttr::get(IntegerType::get(ctx, 64), makespan));
    return success();
  }

  /// The streamed tasks of every core in the order this scheduler visits
  /// them (program order: its stream order), and the DRAM's rates.
  LogicalResult planFetches(ModuleOp module, ArrayRef<Operation *> ops) {
    fetchBytes.assign(cores.size(), {});
    streamedStarted.assign(cores.size(), 0);
    fetchDone.assign(cores.size(), 0);
    slots = 0;
    auto layout = computeSlotLayout(ops, *target, "snn-schedule");
    if (failed(layout))
      return failure();
    if (layout->slotBytes == 0)
      return success();
    slots = layout->slots;
    auto m = buildModuleModel(module, *target);
    if (failed(m))
      return failure();
    channelBitsPerCycle = std::max(1e-9, m->dramChannelBitsPerCycle());
    dramLatency = m->dramLatencyCycles();
    channelFree.assign(size_t(std::max<int64_t>(1, target->dram.channels)), 0);
    for (Operation *op : ops) {
      if (!op->hasAttr(kStreamedAttr))
        continue;
      auto placements = op->getAttrOfType<ArrayAttr>(kPlacementAttr);
      for (auto [ta, pa] :
           llvm::zip(op->getAttrOfType<ArrayAttr>(kTilingAttr), placements)) {
        auto tiling = cast<TilingAttr>(ta);
        if (tiling.getKind() != TileKind::Synaptic)
          continue;
        for (auto [task, core] :
             llvm::enumerate(cast<PlacementAttr>(pa).getCores().asArrayRef()))
          fetchBytes[core].push_back(taskWeightBytes(tiling, int64_t(task)));
      }
    }
    // Every core's first fetch issues at the start of its stream (time 0;
    // the channels take them in core order).
    for (size_t c = 0; c < cores.size(); ++c)
      if (!fetchBytes[c].empty())
        fetchDone[c] = fetch(0, fetchBytes[c][0]);
    return success();
  }

  /// Fetch of `bytes` issued at `issue`: on the DRAM channel that frees
  /// first (channels serve fetches in the order the schedule issues them),
  /// done after its serialization and the DRAM latency.
  int64_t fetch(int64_t issue, int64_t bytes) {
    auto ch = std::min_element(channelFree.begin(), channelFree.end());
    const int64_t begin = std::max(issue, *ch);
    const auto serial = int64_t(
        std::ceil(double(bytes) * 8.0 / channelBitsPerCycle - 1e-9));
    *ch = addCycles(begin, serial);
    return addCycles(*ch, dramLatency);
  }

  /// The earliest start of `core`'s next streamed task (its fetch), and
  /// the bookkeeping once it starts at `start` and finishes at `finish`:
  /// the next fetch issues at that start with two slots, at that finish
  /// with one (it overwrites the slot in use).
  int64_t streamedReady(int64_t core) const { return fetchDone[core]; }
  void streamedStarts(int64_t core, int64_t start, int64_t finish) {
    const size_t next = ++streamedStarted[core];
    if (next < fetchBytes[core].size())
      fetchDone[core] =
          fetch(slots >= 2 ? start : finish, fetchBytes[core][next]);
  }

  /// Barriers `op` waits on (snn.wait; the producers get snn.barrier):
  /// producers with a task on another core than some task of `op`.
  void addWaits(Operation *op, ArrayRef<Operation *> producers) {
    auto placements = op->getAttrOfType<ArrayAttr>(kPlacementAttr);
    SmallVector<int64_t> waits;
    llvm::SmallDenseSet<int64_t> mine;
    for (Attribute a : placements)
      for (int64_t c : cast<PlacementAttr>(a).getCores().asArrayRef())
        mine.insert(c);
    for (Operation *p : producers) {
      Done &d = done[p];
      bool crosses = false;
      for (int64_t c : mine)
        if (d.cores.size() > 1 || !d.cores.contains(c)) {
          crosses = true;
          break;
        }
      if (!crosses)
        continue;
      if (d.barrier < 0) {
        d.barrier = barriers++;
        p->setAttr(kBarrierAttr,
                   IntegerAttr::get(IntegerType::get(ctx, 64), d.barrier));
      }
      waits.push_back(d.barrier);
    }
    if (!waits.empty()) {
      llvm::sort(waits);
      op->setAttr(kWaitAttr, DenseI64ArrayAttr::get(ctx, waits));
    }
  }

  /// Start and finish of every task of `op` (snn.schedule): each core runs
  /// its tasks in order, a task starts once its core is free, the op's
  /// earlier product has finished and its producers' results have arrived.
  LogicalResult scheduleTasks(Operation *op, ArrayRef<Operation *> producers) {
    auto tilings = op->getAttrOfType<ArrayAttr>(kTilingAttr);
    auto placements = op->getAttrOfType<ArrayAttr>(kPlacementAttr);
    const bool dynamic = isa<MoeExpertsOp>(op);
    const bool streamedOp = slots > 0 && op->hasAttr(kStreamedAttr);
    Done &self = done[op];
    int64_t previousTiling = 0; // the op's earlier product must finish
    SmallVector<Attribute> schedules;
    for (auto [ta, pa] : llvm::zip(tilings, placements)) {
      auto tiling = cast<TilingAttr>(ta);
      auto placement = cast<PlacementAttr>(pa);
      const bool streamed =
          streamedOp && tiling.getKind() == TileKind::Synaptic;
      SmallVector<int64_t> order, start, finish;
      int64_t last = 0;
      for (auto [task, core] :
           llvm::enumerate(placement.getCores().asArrayRef())) {
        int64_t ready = std::max(coreFree[core], previousTiling);
        for (Operation *p : producers) {
          const Done &d = done[p];
          int64_t at = d.finish;
          if (d.cores.size() > 1 || !d.cores.contains(core)) {
            // The farthest of the producer's cores is on its lowest or
            // highest tier.
            const int tier = tierOf(core);
            const int64_t hop = std::max(linkLatency(d.lowTier, tier),
                                         linkLatency(d.highTier, tier));
            at = addCycles(at, addCycles(1, hop));
          }
          ready = std::max(ready, at);
        }
        if (streamed)
          ready = std::max(ready, streamedReady(core));
        int64_t port = widest;
        if (!placement.getWeightBanks().empty())
          port = target->block(banks[placement.getWeightBanks()[task]])
                     .sram.widthBits;
        const int64_t cycles =
            doubleBuffer ? overlappedTaskCycles(tiling, int64_t(task), port)
                         : taskCost(tiling, int64_t(task), port).cycles;
        if (addCycles(ready, cycles) >= kMaxCycles) {
          op->emitError()
              << "snn-schedule: task " << task << " of this op would finish "
              << "after 2^62 cycles (it starts at cycle " << ready
              << " and runs " << cycles << "); check the target's "
              << "vertical link latencies";
          return failure();
        }
        if (streamed)
          streamedStarts(core, ready, ready + cycles);
        order.push_back(nextOrder[core]++);
        start.push_back(ready);
        finish.push_back(ready + cycles);
        coreFree[core] = ready + cycles;
        self.cores.insert(core);
        self.lowTier = std::min(self.lowTier, tierOf(core));
        self.highTier = std::max(self.highTier, tierOf(core));
        last = std::max(last, ready + cycles);
      }
      previousTiling = last;
      self.finish = std::max(self.finish, last);
      schedules.push_back(
          ScheduleAttr::get(ctx, DenseI64ArrayAttr::get(ctx, order),
                            DenseI64ArrayAttr::get(ctx, start),
                            DenseI64ArrayAttr::get(ctx, finish), dynamic));
    }
    op->setAttr(kScheduleAttr, ArrayAttr::get(ctx, schedules));
    return success();
  }
};

Scheduler::Scheduler(MLIRContext *ctx, bool doubleBuffer)
    : impl(std::make_unique<Impl>(ctx, doubleBuffer)) {}
Scheduler::~Scheduler() = default;

LogicalResult Scheduler::run(ModuleOp module,
                             std::shared_ptr<const hw::Target> target) {
  return impl->run(module, std::move(target));
}
