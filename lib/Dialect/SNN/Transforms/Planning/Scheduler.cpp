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
#include "spikestack/Hardware/Calendar.h"
#include "spikestack/Runtime/Program.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>

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

/// The cores the tasks of `op` (all its tilings) run on.
llvm::SmallDenseSet<int64_t> placedCores(Operation *op) {
  llvm::SmallDenseSet<int64_t> cores;
  for (Attribute a : op->getAttrOfType<ArrayAttr>(kPlacementAttr))
    for (int64_t c : cast<PlacementAttr>(a).getCores().asArrayRef())
      cores.insert(c);
  return cores;
}

/// Whether a consumer on `consumer` cores reads a result produced on
/// `producer` cores through a barrier: the producer ran on several cores,
/// or on one the consumer does not run on.
bool readsAcrossCores(const llvm::SmallDenseSet<int64_t> &producer,
                      const llvm::SmallDenseSet<int64_t> &consumer) {
  return llvm::any_of(consumer, [&](int64_t c) {
    return producer.size() > 1 || !producer.contains(c);
  });
}

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
  std::vector<hw::BandwidthCalendar> channels;
  /// Calendar buckets the channels may still visit (a bound on the
  /// scheduler's time and memory).
  static constexpr int64_t kCalendarBuckets = int64_t(1) << 22;
  int64_t calendarBudget = 0;
  double channelBitsPerCycle = 1;
  int64_t dramLatency = 0;

  /// Input loads and result stores (as --snn-lower-to-hw emits them): the
  /// physical model (path latencies), the SRAM access cycles, per core
  /// when its DMA queue drains its stores, and the ops whose result
  /// crosses cores (their tasks signal a barrier, which waits for the
  /// store).
  std::optional<hw::PhysicalModel> model;
  int64_t sramCycles = 0;
  std::vector<int64_t> dmaFree;
  llvm::DenseSet<Operation *> signals;
  llvm::DenseMap<Operation *, SmallVector<Operation *>> producersOf;

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
    dmaFree.assign(cores.size(), 0);
    done.clear();
    barriers = makespan = 0;
    auto m = buildModuleModel(module, *target);
    if (failed(m))
      return failure();
    model = std::move(*m);
    channelBitsPerCycle = std::max(1e-9, model->dramChannelBitsPerCycle());
    dramLatency = model->dramLatencyCycles();
    sramCycles = std::max<int64_t>(
        0, int64_t(target->tech["sram_access_cycles"]));
    channelFree.assign(size_t(std::max<int64_t>(1, target->dram.channels)), 0);
    channels.assign(channelFree.size(),
                    hw::BandwidthCalendar(channelBitsPerCycle));
    calendarBudget = kCalendarBuckets;
    for (hw::BandwidthCalendar &c : channels)
      c.setBudget(&calendarBudget);
    findSignals(ops);
    if (failed(planFetches(module, ops)))
      return failure();
    for (Operation *op : ops) {
      ArrayRef<Operation *> producers = producersOf[op];
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

  /// A DRAM transfer (weight fetch, input load, spill store) of `bytes`
  /// issued at `issue`, as the executor times it: on the channel whose
  /// latest transfer ends first, a calendar of the channel's bandwidth
  /// (hw::BandwidthCalendar: a transfer claimed out of time order does not
  /// delay an earlier one), done after its serialization and the DRAM
  /// latency. Past kCalendarBuckets buckets in all, a channel serves its
  /// transfers one after the other from its latest end instead.
  int64_t fetch(int64_t issue, int64_t bytes) {
    const size_t ch = size_t(
        std::min_element(channelFree.begin(), channelFree.end()) -
        channelFree.begin());
    const double bits = 8.0 * double(bytes);
    const auto serial =
        int64_t(std::ceil(bits / channelBitsPerCycle - 1e-9));
    int64_t end = addCycles(std::max(issue, channelFree[ch]), serial);
    if (calendarBudget > serial / hw::BandwidthCalendar::kBucket + 2) {
      const int64_t booked = channels[ch].reserve(issue, bits);
      if (calendarBudget >= 0)
        end = booked;
    }
    channelFree[ch] = std::max(channelFree[ch], end);
    return addCycles(end, dramLatency);
  }

  /// A `load input` or `store` of `bytes` between `core` and bank `bank`
  /// requested at `issue`; returns when its last bit arrives. DRAM (bank
  /// -1): a fetch's channel serialization and latency; a bank: its port
  /// width per cycle, then the access and the path's latency (no port
  /// contention).
  int64_t transfer(int64_t core, int64_t bank, int64_t bytes, int64_t issue) {
    if (bank < 0 || bank >= int64_t(banks.size()))
      return fetch(issue, bytes);
    const hw::BlockRef b = banks[size_t(bank)];
    const int64_t width =
        std::max<int64_t>(1, target->block(b).sram.widthBits);
    const int64_t serial = (8 * bytes + width - 1) / width;
    const int64_t latency = addCycles(
        sramCycles, model->path(cores[size_t(core)], b).latencyCycles);
    return addCycles(addCycles(issue, serial), latency);
  }

  /// The ops whose tasks signal a barrier (--snn-lower-to-hw: a `signal`
  /// after the store, which waits for it): those a later op reads on
  /// another core (addWaits' condition, from the placements alone).
  void findSignals(ArrayRef<Operation *> ops) {
    signals.clear();
    producersOf.clear();
    llvm::DenseMap<Operation *, llvm::SmallDenseSet<int64_t>> coresOf;
    for (Operation *op : ops) {
      const auto &mine = coresOf[op] = placedCores(op);
      producersOf[op] = plannedProducers(op);
      for (Operation *p : producersOf[op])
        if (auto it = coresOf.find(p);
            it != coresOf.end() && readsAcrossCores(it->second, mine))
          signals.insert(p);
    }
  }

  /// The earliest start of `core`'s next streamed task (its fetch), and
  /// the bookkeeping once its array work starts at `start` and the core
  /// moves on at `finish`: the next fetch issues at that start with two
  /// slots, at that finish with one (it overwrites the slot in use).
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
    SmallVector<int64_t> waits;
    const llvm::SmallDenseSet<int64_t> mine = placedCores(op);
    for (Operation *p : producers) {
      Done &d = done[p];
      if (!readsAcrossCores(d.cores, mine))
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
    // The result's share each task of the last product stores, and where.
    const int64_t resultBytes = storedBytes(op);
    const int64_t resultBank =
        resultBytes > 0 ? expectedResultBank(op, *target) : -1;
    const bool signalled = signals.contains(op);
    const llvm::SmallDenseSet<int64_t> loading = inputLoadingTasks(op);
    SmallVector<Attribute> schedules;
    for (auto [index, ta, pa] : llvm::enumerate(tilings, placements)) {
      auto tiling = cast<TilingAttr>(ta);
      const bool firstTiling = index == 0;
      const bool lastTiling = index + 1 == tilings.size();
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
        int64_t port = widest;
        if (!placement.getWeightBanks().empty())
          port = target->block(banks[placement.getWeightBanks()[task]])
                     .sram.widthBits;
        const int64_t cycles =
            doubleBuffer ? overlappedTaskCycles(tiling, int64_t(task), port)
                         : taskCost(tiling, int64_t(task), port).cycles;
        // The blocking input loads of the first task of its row tile on
        // this core (first product only), one after the other.
        int64_t computeStart = ready;
        SmallVector<InputLoad> loads;
        if (firstTiling && loading.contains(int64_t(task)))
          loads = taskInputLoads(op, tiling, int64_t(task), *target);
        for (const InputLoad &l : loads)
          computeStart = transfer(core, l.bank, l.bytes, computeStart);
        // A streamed task's `load weights` waits for its fetch. The task
        // starts with its loads, else once its weights are there.
        if (streamed)
          computeStart = std::max(computeStart, streamedReady(core));
        const int64_t begin = loads.empty() ? computeStart : ready;
        const int64_t computeEnd = addCycles(computeStart, cycles);
        // The store of its result share: one cycle to issue, then on the
        // core's DMA queue after its earlier stores. The core moves on
        // (the task's finish) after the issue, or once the queue has
        // drained when a signal follows (the op's barrier, or the barrier
        // between the op's products); the op's result is complete (`end`)
        // when the store has drained.
        int64_t end = computeEnd, free = computeEnd;
        if (lastTiling && resultBytes > 0) {
          const int64_t share =
              tiling.toRuntime().resultShare(resultBytes, int64_t(task)).second;
          dmaFree[core] = transfer(core, resultBank, share,
                                   std::max(computeEnd, dmaFree[core]));
          free = addCycles(computeEnd, 1);
          end = std::max(free, dmaFree[core]);
        }
        if ((lastTiling && signalled) || (!lastTiling && !dynamic))
          free = end = std::max(free, dmaFree[core]);
        if (end >= kMaxCycles) {
          op->emitError()
              << "snn-schedule: task " << task << " of this op would finish "
              << "after 2^62 cycles (it starts at cycle " << begin
              << " and runs " << end - begin << "); check the target's "
              << "vertical link latencies";
          return failure();
        }
        if (streamed)
          streamedStarts(core, computeStart, free);
        order.push_back(nextOrder[core]++);
        start.push_back(begin);
        finish.push_back(free);
        coreFree[core] = free;
        self.cores.insert(core);
        self.lowTier = std::min(self.lowTier, tierOf(core));
        self.highTier = std::max(self.highTier, tierOf(core));
        last = std::max(last, free);
        self.finish = std::max(self.finish, end);
      }
      previousTiling = last;
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
