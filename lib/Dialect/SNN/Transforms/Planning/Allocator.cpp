//===- Allocator.cpp - banks and offsets with liveness-based reuse --------===//
//
// The allocation algorithm of --snn-allocate: see Allocator.h and
// Passes.td.
//
//===----------------------------------------------------------------------===//
#include "Allocator.h"
#include "Residency.h"

#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/Transforms/Plan.h"
#include "spikestack/Hardware/PhysicalModel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

#include <map>
#include <optional>
#include <tuple>
#include <string>

using namespace mlir;
using namespace spikestack;
using namespace spikestack::snn;

namespace {

/// One activation buffer: a byte range live over [from, to) cycles,
/// holding `owner`'s result (null: weights).
struct Live {
  int64_t offset, bytes, from, to;
  Operation *owner = nullptr;
};

int64_t alignUp(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

} // namespace

struct Allocator::Impl {
  Impl(MLIRContext *ctx, bool spill, bool remarks)
      : ctx(ctx), spill(spill), remarks(remarks) {}

  MLIRContext *ctx;
  bool spill, remarks;
  std::shared_ptr<const hw::Target> target;
  std::optional<hw::PhysicalModel> model;
  std::vector<hw::BlockRef> cores, banks;
  std::vector<std::vector<Live>> live; // per bank
  int64_t dramTop = 0;
  /// First start and last finish of each planned op's tasks.
  llvm::DenseMap<Operation *, std::pair<int64_t, int64_t>> span;
  /// Last use of each planned op's result.
  llvm::DenseMap<Operation *, int64_t> lastUse;
  /// The planned ops reading each planned op's result.
  llvm::DenseMap<Operation *, SmallVector<Operation *>> consumers;
  /// dependsOn's answers: (later, earlier) -> whether later reaches
  /// earlier through its producers.
  mutable llvm::DenseMap<std::pair<Operation *, Operation *>, bool> reaches;

  LogicalResult run(ModuleOp module, std::shared_ptr<const hw::Target> t) {
    target = std::move(t);
    banks = target->blocksOfKind(hw::BlockKind::Sram);
    live.assign(banks.size(), {});
    dramTop = 0;
    auto m = buildModuleModel(module, *target);
    if (failed(m))
      return failure();
    model.emplace(*std::move(m));
    cores = target->blocksOfKind(hw::BlockKind::Core);

    SmallVector<Operation *> ops = plannedOps(module);
    if (failed(collectSpans(ops)))
      return failure();
    const int64_t end = moduleMakespan(module);
    if (failed(checkPlannedModule(module, "snn-allocate")))
      return failure();
    collectLastUses(module, ops, end);
    if (failed(allocateWeights(ops)))
      return failure();
    // Activations, in program order.
    for (Operation *op : ops)
      if (failed(allocateResult(op)))
        return failure();
    return success();
  }

  /// `span` of every planned op, from its snn.schedule (checked, with its
  /// snn.placement, first).
  LogicalResult collectSpans(ArrayRef<Operation *> ops) {
    span.clear();
    for (Operation *op : ops) {
      auto schedule = op->getAttrOfType<ArrayAttr>(kScheduleAttr);
      if (!schedule) {
        op->emitError() << "snn-allocate: op has no snn.schedule; run "
                           "--snn-schedule first";
        return failure();
      }
      if (failed(checkPlacements(op, *target, "snn-allocate")))
        return failure();
      int64_t from = INT64_MAX, to = 0;
      for (Attribute a : schedule) {
        auto s = cast<ScheduleAttr>(a);
        for (int64_t v : s.getStart().asArrayRef())
          from = std::min(from, v);
        for (int64_t v : s.getFinish().asArrayRef())
          to = std::max(to, v);
      }
      span[op] = {from == INT64_MAX ? 0 : from, to};
    }
    return success();
  }

  /// `lastUse` of every planned op's result: the latest finish of a
  /// consumer; function results stay live to `end`.
  void collectLastUses(ModuleOp module, ArrayRef<Operation *> ops,
                       int64_t end) {
    lastUse.clear();
    consumers.clear();
    reaches.clear();
    for (Operation *op : ops)
      for (Operation *p : plannedProducers(op)) {
        lastUse[p] = std::max(lastUse[p], span[op].second);
        consumers[p].push_back(op);
      }
    module.walk([&](func::ReturnOp ret) {
      for (Operation *p : plannedProducers(ret))
        lastUse[p] = std::max({lastUse[p], end, span[p].second});
    });
  }

  /// snn.output_buffer of `op`'s result: the placed bank, else the nearest
  /// activation bank with room for its live range, else DRAM (with spill).
  LogicalResult allocateResult(Operation *op) {
    const int64_t bits = storedBits(op);
    if (bits == 0)
      return success();
    const int64_t bytes = (bits + 7) / 8;
    const auto [from, opEnd] = span[op];
    const int64_t to = std::max(opEnd, lastUse.lookup(op));
    auto placements = op->getAttrOfType<ArrayAttr>(kPlacementAttr);
    int64_t preferred = cast<PlacementAttr>(placements[0]).getOutputBank();
    // Candidates: the placed bank, then the other activation banks by
    // path energy from the op's first core.
    SmallVector<int64_t> order;
    if (preferred >= 0 && preferred < int64_t(banks.size()))
      order.push_back(preferred);
    int64_t core = cast<PlacementAttr>(placements[0]).getCores()[0];
    SmallVector<int64_t> others;
    for (size_t b = 0; b < banks.size(); ++b)
      if (int64_t(b) != preferred &&
          target->block(banks[b]).sram.holds != hw::SramRole::Weights)
        others.push_back(int64_t(b));
    llvm::stable_sort(others, [&](int64_t a, int64_t b) {
      return model->path(cores[core], banks[a]).energyPjPerBit <
             model->path(cores[core], banks[b]).energyPjPerBit;
    });
    order.append(others);
    std::optional<std::pair<int64_t, int64_t>> where;
    for (int64_t b : order)
      if (auto off = firstFit(b, bytes, from, to, op)) {
        where = {b, *off};
        break;
      }
    if (!where) {
      if (!spill)
        return fail(op, noRoom(bytes, from, to));
      if (remarks)
        op->emitRemark() << "result (" << formatBytes(bytes)
                         << ") spilled to DRAM: " << noRoom(bytes, from, to);
      where = {-1, dramTop};
      dramTop = alignUp(dramTop + bytes, 64);
      if (dramTop > limits::kMaxAddress)
        return fail(op, "the results spilled to DRAM up to this op need " +
                            std::to_string(dramTop) + " B; at most " +
                            limits::formatLimit(limits::kMaxAddress) +
                            " B are addressable");
    } else {
      live[where->first].push_back({where->second, bytes, from, to, op});
    }
    op->setAttr(kOutputBufferAttr,
                BufferAttr::get(ctx, where->first, where->second, bytes));
    return success();
  }

  /// Offsets of the streamed tasks: slot (k mod slots) of their core, k
  /// counting the core's streamed tasks in stream (schedule) order.
  llvm::DenseMap<std::tuple<Operation *, int64_t, int64_t>, int64_t>
  slotOffsets(ArrayRef<Operation *> ops, const SlotLayout &layout) {
    // (core, order) -> (op, tiling, task)
    std::map<std::pair<int64_t, int64_t>,
             std::tuple<Operation *, int64_t, int64_t>>
        streamOrder;
    for (Operation *op : ops) {
      if (!op->hasAttr(kStreamedAttr))
        continue;
      auto tilings = op->getAttrOfType<ArrayAttr>(kTilingAttr);
      auto placements = op->getAttrOfType<ArrayAttr>(kPlacementAttr);
      auto schedules = op->getAttrOfType<ArrayAttr>(kScheduleAttr);
      for (size_t i = 0; i < tilings.size(); ++i) {
        if (cast<TilingAttr>(tilings[i]).getKind() != TileKind::Synaptic)
          continue;
        auto p = cast<PlacementAttr>(placements[i]);
        auto order = cast<ScheduleAttr>(schedules[i]).getOrder();
        for (size_t task = 0; task < p.getCores().size(); ++task)
          streamOrder[{p.getCores()[task], order[task]}] = {
              op, int64_t(i), int64_t(task)};
      }
    }
    llvm::DenseMap<std::tuple<Operation *, int64_t, int64_t>, int64_t> at;
    int64_t core = -1, k = 0;
    for (auto &[key, task] : streamOrder) {
      if (key.first != core)
        core = key.first, k = 0;
      at[task] = layout.slotOffset(*target, core, k++);
    }
    return at;
  }

  /// Resident weights stay for the whole inference: each bank is filled in
  /// program order after its cores' streaming slots, every buffer aligned
  /// to the bank's port (as --snn-place counted them). Streamed weights go
  /// to their core's slots (slotOffsets).
  LogicalResult allocateWeights(ArrayRef<Operation *> ops) {
    auto layout = computeSlotLayout(ops, *target, "snn-allocate");
    if (failed(layout))
      return failure();
    if (layout->slotBytes > 0 && layout->slots < 2)
      mlir::emitRemark(ops.front()->getParentOfType<ModuleOp>().getLoc())
          << "snn-allocate: one streaming slot of "
          << formatBytes(layout->slotBytes)
          << " per core (two do not fit the weight banks beside the resident "
             "weights): each fetch waits for the previous streamed task";
    const auto streamedAt = slotOffsets(ops, *layout);
    std::vector<int64_t> weightTop = layout->reserved;
    for (Operation *op : ops) {
      auto tilings = op->getAttrOfType<ArrayAttr>(kTilingAttr);
      auto placements = op->getAttrOfType<ArrayAttr>(kPlacementAttr);
      SmallVector<Attribute> offsets;
      for (auto [ta, pa] : llvm::zip(tilings, placements)) {
        auto tiling = cast<TilingAttr>(ta);
        auto placement = cast<PlacementAttr>(pa);
        SmallVector<int64_t> offs;
        // (Banks are in range: checkPlacements.)
        const int64_t index = int64_t(offsets.size());
        for (auto [task, bank] :
             llvm::enumerate(placement.getWeightBanks().asArrayRef())) {
          if (auto it = streamedAt.find({op, index, int64_t(task)});
              it != streamedAt.end()) {
            offs.push_back(it->second);
            continue;
          }
          const hw::SramSpec &spec = target->block(banks[bank]).sram;
          const int64_t at = alignUp(weightTop[bank],
                                     std::max<int64_t>(1, spec.widthBits / 8));
          const int64_t bytes = taskWeightBytes(tiling, int64_t(task));
          if (at + bytes > spec.capacityBytes) {
            op->emitError()
                << "snn-allocate: weight columns " << task << " need "
                << formatBytes(bytes) << " in bank '"
                << target->block(banks[bank]).name << "', which has "
                << formatBytes(spec.capacityBytes -
                               std::min(spec.capacityBytes, at))
                << " free of " << formatBytes(spec.capacityBytes)
                << "; try --snn-quantize=weight-bits=4 or a target with more "
                   "SRAM";
            return failure();
          }
          offs.push_back(at);
          weightTop[bank] = at + bytes;
        }
        offsets.push_back(DenseI64ArrayAttr::get(ctx, offs));
      }
      op->setAttr(kWeightOffsetsAttr, ArrayAttr::get(ctx, offsets));
    }
    for (size_t b = 0; b < banks.size(); ++b)
      if (weightTop[b] > 0)
        live[b].push_back({0, weightTop[b], 0, INT64_MAX});
    return success();
  }

  /// Lowest aligned offset in bank `b` where `bytes` fit for [from, to).
  /// Whether `later` reads, through its producers (transitively),
  /// `earlier`'s result: then every task of `later` starts after every task
  /// of `earlier` has finished (barriers, or program order on one core).
  /// Gives up (false: not ordered) past 2^16 visited ops.
  bool dependsOn(Operation *later, Operation *earlier) const {
    if (auto it = reaches.find({later, earlier}); it != reaches.end())
      return it->second;
    llvm::SmallPtrSet<Operation *, 32> seen;
    SmallVector<Operation *> stack = {later};
    bool found = false;
    while (!stack.empty() && !found && seen.size() < (1u << 16)) {
      Operation *op = stack.pop_back_val();
      for (Operation *p : plannedProducers(op)) {
        if (p == earlier) {
          found = true;
          break;
        }
        if (seen.insert(p).second)
          stack.push_back(p);
      }
    }
    reaches[{later, earlier}] = found;
    return found;
  }

  /// The one core all tasks of `op` run on, or -1.
  static int64_t soleCore(Operation *op) {
    int64_t core = -1;
    for (Attribute a : op->getAttrOfType<ArrayAttr>(kPlacementAttr))
      for (int64_t c : cast<PlacementAttr>(a).getCores().asArrayRef()) {
        if (core >= 0 && c != core)
          return -1;
        core = c;
      }
    return core;
  }

  /// Whether every task of `earlier` finishes before any task of `later`
  /// starts in every run: `later` depends on it, or both run on one and
  /// the same core, `earlier` first in program (= stream) order.
  bool ordered(Operation *earlier, Operation *later) const {
    if (dependsOn(later, earlier))
      return true;
    const int64_t c = soleCore(earlier);
    return c >= 0 && c == soleCore(later) && earlier->isBeforeInBlock(later);
  }

  /// Whether `op` may write where `l` lived: `l`'s value is dead before
  /// `op` starts in every run, not only in the estimated schedule, i.e.
  /// every reader of it is ordered before `op` (and `op` reads it not
  /// itself, since one of its tasks could overwrite what another is
  /// still to load).
  bool safeToReuse(const Live &l, Operation *op) const {
    if (!l.owner || !op || l.owner->getBlock() != op->getBlock())
      return false;
    auto it = consumers.find(l.owner);
    if (it == consumers.end())
      return ordered(l.owner, op);
    for (Operation *reader : it->second)
      if (reader == op || reader->getBlock() != op->getBlock() ||
          !ordered(reader, op))
        return false;
    return true;
  }

  std::optional<int64_t> firstFit(int64_t b, int64_t bytes, int64_t from,
                                  int64_t to, Operation *op) const {
    const hw::SramSpec &spec = target->block(banks[b]).sram;
    if (spec.holds == hw::SramRole::Weights)
      return std::nullopt;
    const int64_t align = std::max<int64_t>(1, spec.widthBits / 8);
    // Busy: buffers live at the same time, and dead ones whose readers
    // are not ordered before `op` (the estimated times alone do not order
    // the tasks of a real run).
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (const Live &l : live[b])
      if ((l.from < to && from < l.to) || !safeToReuse(l, op))
        busy.push_back({l.offset, l.offset + l.bytes});
    llvm::sort(busy);
    int64_t at = 0;
    for (auto [lo, hi] : busy) {
      if (at + bytes <= lo)
        break;
      at = std::max(at, alignUp(hi, align));
    }
    if (at + bytes > spec.capacityBytes)
      return std::nullopt;
    return at;
  }

  std::string noRoom(int64_t bytes, int64_t from, int64_t to) const {
    int64_t total = 0, used = 0, largest = 0;
    for (size_t b = 0; b < banks.size(); ++b) {
      const hw::SramSpec &spec = target->block(banks[b]).sram;
      if (spec.holds == hw::SramRole::Weights)
        continue;
      int64_t busy = 0;
      for (const Live &l : live[b])
        if (l.from < to && from < l.to)
          busy += l.bytes;
      total += spec.capacityBytes;
      used += busy;
      largest = std::max(largest, spec.capacityBytes - busy);
    }
    return "needs " + formatBytes(bytes) + "; the activation banks of '" +
           target->name + "' hold " + formatBytes(total) + ", " +
           formatBytes(used) + " of it live at that time, at most " +
           formatBytes(largest) + " free in one bank";
  }

  LogicalResult fail(Operation *op, const std::string &msg) {
    op->emitError() << "snn-allocate: " << msg;
    return failure();
  }
};

Allocator::Allocator(MLIRContext *ctx, bool spill, bool remarks)
    : impl(std::make_unique<Impl>(ctx, spill, remarks)) {}
Allocator::~Allocator() = default;

LogicalResult Allocator::run(ModuleOp module,
                             std::shared_ptr<const hw::Target> target) {
  return impl->run(module, std::move(target));
}
