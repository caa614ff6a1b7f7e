//===- Placer.cpp - put tiles on cores and buffers in banks ---------------===//
//
// The placement algorithm of --snn-place: see Placer.h and Passes.td.
//
//===----------------------------------------------------------------------===//
#include "Placer.h"
#include "Residency.h"

#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/Transforms/Plan.h"
#include "spikestack/Hardware/PhysicalModel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/Hashing.h"

#include <climits>
#include <cmath>
#include <cstdio>

using namespace mlir;
using namespace spikestack;
using namespace spikestack::snn;

namespace {

/// The placer's running estimate of the cores' time: a list schedule in
/// program order with --snn-schedule's rule (Planning/Scheduler.cpp), so
/// that a task is not put on a core that is free early but would only wait
/// there for its inputs. A task of op X on core c starts at the latest of
/// c's free time, the finish of X's earlier product and, per producer P of
/// X, P's finish (+ 1 + the bond latency between the tiers when P ran on
/// another core than c or on several cores). A streamed task also waits
/// for its weights: the fetch issues when the core's previous streamed task
/// starts (two slots) or finishes (one slot), at 0 for its first, and takes
/// the DRAM channel that frees first (channels in placement order), its
/// serialization and the DRAM latency.
class ListEstimate {
public:
  /// Clears the estimate: every core free at cycle 0.
  void reset(const hw::Target &target, ArrayRef<hw::BlockRef> coreBlocks) {
    cores.assign(coreBlocks.begin(), coreBlocks.end());
    coreFree.assign(cores.size(), 0);
    done.clear();
    producers.clear();
    previousTiling = tilingFinish = 0;
    slots = 0;
    fetchIssue.assign(cores.size(), 0);
    // Link latency from tier 0 up to each tier (saturating).
    upTo.assign(target.tiers.size(), 0);
    for (size_t i = 1; i < upTo.size(); ++i) {
      const hw::VerticalLink *l = target.link(int(i) - 1, int(i));
      upTo[i] = add(upTo[i - 1], l ? std::max<int64_t>(0, l->latencyCycles)
                                   : 0);
    }
  }
  /// Weight streaming with `slotsPerCore` slots per core (0: none).
  void streaming(int slotsPerCore, double bitsPerCycle, int64_t latency,
                 int64_t channels) {
    slots = slotsPerCore;
    channelBits = std::max(1e-9, bitsPerCycle);
    dramLatency = latency;
    channelFree.assign(size_t(std::max<int64_t>(1, channels)), 0);
  }
  /// When the weights (`bytes`) of the next streamed task of `core` would
  /// be in its slot; with `reserve`, the DRAM channel is taken.
  int64_t fetched(size_t core, int64_t bytes, bool reserve = false) {
    if (slots == 0)
      return 0;
    auto ch = std::min_element(channelFree.begin(), channelFree.end());
    const int64_t end = add(
        std::max(fetchIssue[core], *ch),
        int64_t(std::ceil(double(bytes) * 8.0 / channelBits - 1e-9)));
    if (reserve)
      *ch = end;
    return add(end, dramLatency);
  }
  /// Records a streamed task of `core` from `start` to `finish` (after
  /// fetched(core, bytes, true)): the next fetch's issue time.
  void streamedRuns(size_t core, int64_t start, int64_t finish) {
    fetchIssue[core] = slots >= 2 ? start : finish;
  }
  /// Starts an op whose producers are `ps` (placed before it).
  void beginOp(ArrayRef<Operation *> ps) {
    producers.clear();
    for (Operation *p : ps)
      if (auto it = done.find(p); it != done.end())
        producers.push_back(it->second); // a copy: commit() may rehash
    previousTiling = tilingFinish = 0;
  }
  /// Starts the op's next product: it waits for the earlier ones.
  void beginTiling() { previousTiling = std::max(previousTiling, tilingFinish); }
  /// The earliest start of the op's next task on `core`.
  int64_t ready(size_t core) const {
    int64_t at = std::max(coreFree[core], previousTiling);
    const int tier = cores[core].tier;
    for (const Done &d : producers) {
      int64_t arrive = d.finish;
      if (d.cores.size() > 1 || !d.cores.contains(core))
        arrive = add(arrive, add(1, std::max(latency(d.lowTier, tier),
                                             latency(d.highTier, tier))));
      at = std::max(at, arrive);
    }
    return at;
  }
  /// Records the task of `op` on `core` finishing at `finish`.
  void commit(Operation *op, size_t core, int64_t finish) {
    coreFree[core] = finish;
    tilingFinish = std::max(tilingFinish, finish);
    Done &d = done[op];
    d.finish = std::max(d.finish, finish);
    d.cores.insert(core);
    d.lowTier = std::min(d.lowTier, cores[core].tier);
    d.highTier = std::max(d.highTier, cores[core].tier);
  }
  /// `a + b`, saturating at 2^62 (as the scheduler).
  static int64_t add(int64_t a, int64_t b) {
    constexpr int64_t kMax = int64_t(1) << 62;
    return a > kMax - b ? kMax : a + b;
  }

private:
  struct Done {
    int64_t finish = 0;
    llvm::SmallDenseSet<size_t> cores;
    int lowTier = INT_MAX, highTier = -1;
  };
  int64_t latency(int a, int b) const {
    return upTo[std::max(a, b)] - upTo[std::min(a, b)];
  }
  std::vector<hw::BlockRef> cores;
  std::vector<int64_t> coreFree, upTo;
  llvm::DenseMap<Operation *, Done> done;
  SmallVector<Done> producers;
  int64_t previousTiling = 0, tilingFinish = 0;
  int slots = 0;
  double channelBits = 1;
  int64_t dramLatency = 0;
  std::vector<int64_t> fetchIssue, channelFree;
};

} // namespace

struct Placer::Impl {
  Impl(MLIRContext *ctx, int64_t seed) : ctx(ctx), seed(seed) {}

  MLIRContext *ctx;
  int64_t seed;

  std::shared_ptr<const hw::Target> target;
  std::optional<hw::PhysicalModel> model;
  std::vector<hw::BlockRef> cores, banks;
  std::vector<size_t> allBanks;   // 0 .. banks - 1
  ListEstimate estimate;          // the cores' time (list schedule)
  std::vector<int64_t> weightTop; // per bank: end of its weights so far
  std::vector<double> traffic;    // bits per bank (port pressure)
  /// How a resident task's weight bank is chosen: Spread (least port
  /// pressure) first; Nearest (the cheapest path, then the emptiest) when
  /// spreading leaves some task without a bank, before demoting a layer.
  enum class BankChoice { Spread, Nearest } bankChoice = BankChoice::Spread;
  /// The tiling being placed: its tasks' held bits per bank, and per
  /// (bank, core) (the bank's bits from the tasks on other cores run
  /// concurrently with a task on `core`).
  std::vector<int64_t> tilingBits;
  llvm::DenseMap<std::pair<size_t, size_t>, int64_t> tilingCoreBits;
  /// Per op: the tasks of its readers' first tilings. The result bank's
  /// pressure counts each of them loading the whole result, an upper
  /// bound: the readers are not placed yet, and --snn-lower-to-hw loads
  /// one row tile's share per core and row tile (inputLoadingTasks).
  llvm::DenseMap<Operation *, int64_t> readerTasks;
  std::vector<double> pj;         // pJ per bit, core x bank
  int64_t candidates = 0;         // (task, core, bank) choices weighed
  std::vector<bool> streamedOp;   // per planned op: weights from DRAM
  std::vector<int64_t> slotBank;  // per core: its streaming slot bank

  LogicalResult run(ModuleOp module, std::shared_ptr<const hw::Target> t) {
    target = std::move(t);
    auto m = buildModuleModel(module, *target);
    if (failed(m))
      return failure();
    model.emplace(*std::move(m));
    cores = target->blocksOfKind(hw::BlockKind::Core);
    banks = target->blocksOfKind(hw::BlockKind::Sram);
    allBanks.clear();
    for (size_t b = 0; b < banks.size(); ++b)
      allBanks.push_back(b);

    SmallVector<Operation *> ops;
    bool missing = false;
    module.walk([&](Operation *op) {
      if (!isa_and_nonnull<func::FuncOp>(op->getParentOp()) || !needsPlan(op))
        return;
      if (!op->getAttr(kTilingAttr)) {
        op->emitError() << "snn-place: op has no snn.tiling; run --snn-tile "
                           "first";
        missing = true;
      }
      ops.push_back(op);
    });
    if (missing || failed(checkPlannedModule(module, "snn-place")) ||
        failed(buildPathTable(module)))
      return failure();
    return placeAll(module, ops);
  }

  /// Residency (Planning/Residency), then placement; a resident op whose
  /// weights do not pack into the banks is demoted to streamed and
  /// everything is placed again.
  LogicalResult placeAll(ModuleOp module, ArrayRef<Operation *> ops) {
    std::vector<ResidencyItem> items;
    SmallVector<size_t> opOfItem;
    std::vector<int64_t> itemOf(ops.size(), -1);
    for (auto [index, op] : llvm::enumerate(ops)) {
      ResidencyItem item;
      for (Attribute a : op->getAttrOfType<ArrayAttr>(kTilingAttr))
        if (auto t = cast<TilingAttr>(a); t.getKind() == TileKind::Synaptic)
          for (int64_t i = 0; i < t.numTasks(); ++i)
            item.taskBytes.push_back(taskWeightBytes(t, i));
      if (item.taskBytes.empty())
        continue;
      item.mustStayResident = bool(op->getAttr(kPinWeightsAttr));
      itemOf[index] = int64_t(items.size());
      opOfItem.push_back(index);
      items.push_back(std::move(item));
    }
    readerTasks.clear();
    for (Operation *op : ops) {
      auto tilings = op->getAttrOfType<ArrayAttr>(kTilingAttr);
      const int64_t tasks = cast<TilingAttr>(tilings[0]).numTasks();
      for (Operation *p : plannedProducers(op))
        readerTasks[p] += tasks;
    }
    const Residency residency(residencyBanks());
    for (size_t attempt = 0; attempt <= items.size(); ++attempt) {
      ResidencyFailure f;
      std::optional<ResidencyPlan> plan = residency.choose(items, f);
      if (!plan)
        return tooLarge(module, ops, ops[opOfItem[f.item]], f);
      std::optional<size_t> demote;
      for (BankChoice choice : {BankChoice::Spread, BankChoice::Nearest}) {
        bankChoice = choice;
        demote.reset();
        if (succeeded(placeWith(ops, *plan, opOfItem, demote)))
          return success();
        if (!demote)
          return failure();
      }
      items[size_t(itemOf[*demote])].mustStream = true;
    }
    return failure();
  }

  /// One placement of every op under the residency `plan`; fails with
  /// `demote` set when a resident task finds no weight bank with room.
  LogicalResult placeWith(ArrayRef<Operation *> ops, const ResidencyPlan &plan,
                          ArrayRef<size_t> opOfItem,
                          std::optional<size_t> &demote) {
    estimate.reset(*target, cores);
    if (plan.slotBytes > 0)
      estimate.streaming(plan.slotsPerCore, model->dramChannelBitsPerCycle(),
                         model->dramLatencyCycles(), target->dram.channels);
    traffic.assign(banks.size(), 0);
    weightTop = plan.reserved;
    slotBank = plan.slotBank;
    candidates = 0;
    streamedOp.assign(ops.size(), false);
    for (auto [i, index] : llvm::enumerate(opOfItem))
      streamedOp[index] = plan.streamed[i];
    for (auto [index, op] : llvm::enumerate(ops))
      if (failed(placeOp(op, index, demote)))
        return failure();
    for (auto [index, op] : llvm::enumerate(ops))
      if (streamedOp[index])
        op->setAttr(kStreamedAttr, UnitAttr::get(ctx));
      else
        op->removeAttr(kStreamedAttr);
    return success();
  }

  /// The weight banks for the residency choice: capacities (0 for the
  /// activation-only banks), port words, and each core's banks nearest
  /// first.
  ResidencyBanks residencyBanks() const {
    ResidencyBanks r;
    for (size_t b = 0; b < banks.size(); ++b) {
      r.capacity.push_back(holdsWeights(b) ? capacity(b) : 0);
      r.align.push_back(
          std::max<int64_t>(1, target->block(banks[b]).sram.widthBits / 8));
    }
    for (size_t c = 0; c < cores.size(); ++c) {
      std::vector<size_t> order;
      for (size_t b = 0; b < banks.size(); ++b)
        if (holdsWeights(b))
          order.push_back(b);
      llvm::stable_sort(order, [&](size_t x, size_t y) {
        return pjPerBit(c, x) < pjPerBit(c, y);
      });
      r.preference.push_back(std::move(order));
    }
    return r;
  }

  /// The energy of every core-to-bank path, computed once (the placer
  /// weighs it for every task, core and bank).
  LogicalResult buildPathTable(ModuleOp module) {
    if (cores.size() * banks.size() > size_t(1) << 24)
      return mlir::emitError(module.getLoc())
             << "snn-place: target '" << target->name << "' has "
             << cores.size() << " cores and " << banks.size()
             << " banks; at most 2^24 (core, bank) pairs are supported";
    pj.assign(cores.size() * banks.size(), 0);
    for (size_t c = 0; c < cores.size(); ++c)
      for (size_t b = 0; b < banks.size(); ++b)
        pj[c * banks.size() + b] =
            model->path(cores[c], banks[b]).energyPjPerBit;
    return success();
  }

  int64_t capacity(size_t b) const {
    return target->block(banks[b]).sram.capacityBytes;
  }
  int64_t freeBytes(size_t b) const { return capacity(b) - weightTop[b]; }
  /// Where `bytes` of weights would start in bank `b`: the bank's port
  /// aligns every buffer, as --snn-allocate lays them out (in the same
  /// order), so that what fits here fits there.
  int64_t weightStart(size_t b) const {
    const int64_t a =
        std::max<int64_t>(1, target->block(banks[b]).sram.widthBits / 8);
    return (weightTop[b] + a - 1) / a * a;
  }
  bool fits(size_t b, int64_t bytes) const {
    return weightStart(b) <= capacity(b) - bytes;
  }

  bool holdsWeights(size_t b) const {
    return target->block(banks[b]).sram.holds != hw::SramRole::Activations;
  }
  bool holdsActivations(size_t b) const {
    return target->block(banks[b]).sram.holds != hw::SramRole::Weights;
  }

  /// A task whose weights no weight bank holds, even alone (so that not
  /// even streaming them from DRAM places them): the error on its op with
  /// the model's totals and the task's numbers.
  LogicalResult tooLarge(ModuleOp module, ArrayRef<Operation *> ops,
                         Operation *op, const ResidencyFailure &f) {
    int64_t need = 0, have = 0, wide = 0;
    for (Operation *o : ops)
      for (Attribute a : o->getAttrOfType<ArrayAttr>(kTilingAttr)) {
        auto t = cast<TilingAttr>(a);
        if (t.getKind() != TileKind::Synaptic)
          continue;
        for (int64_t i = 0; i < t.numTasks(); ++i) {
          need += taskWeightBytes(t, i);
          if (t.getHeldBits() > 8)
            wide += taskWeightBytes(t, i);
        }
      }
    for (size_t b = 0; b < banks.size(); ++b)
      if (holdsWeights(b))
        have += capacity(b);
    auto diag = op->emitError()
                << "snn-place: the weights need " << formatBytes(need)
                << ", the weight banks of target '" << target->name
                << "' hold " << formatBytes(have);
    if (wide)
      diag << " (" << formatBytes(wide)
           << " of it are weights wider than 8 bits "
           << "that --snn-quantize left in the float domain)";
    diag << "; weight columns " << f.task << " of this op";
    if (std::string name = sourceName(op); !name.empty())
      diag << " (ONNX node '" << name << "')";
    diag << " need "
         << formatBytes(f.bytes) << " in one bank (aligned to the port), "
         << "more than the largest weight bank holds ("
         << formatBytes(f.largestBank)
         << "), so not even streaming them from DRAM places them; try "
            "--snn-quantize=weight-bits=4 or a target with larger banks";
    (void)module;
    return failure();
  }

  /// Resolve a pin: a block of `kind` or a tier; the matching indices.
  FailureOr<SmallVector<size_t>> resolvePin(Operation *op, StringRef key,
                                            ArrayRef<hw::BlockRef> pool,
                                            const char *what) {
    SmallVector<size_t> all;
    for (size_t i = 0; i < pool.size(); ++i)
      all.push_back(i);
    auto pin = op->getAttrOfType<StringAttr>(key);
    if (!pin)
      return all;
    SmallVector<size_t> chosen;
    std::string names;
    for (size_t i = 0; i < pool.size(); ++i) {
      const std::string &blockName = target->block(pool[i]).name;
      const std::string &tierName = target->tiers[pool[i].tier].name;
      if (blockName == pin.getValue() || tierName == pin.getValue())
        chosen.push_back(i);
      names += (names.empty() ? "" : ", ") + blockName;
    }
    if (chosen.empty()) {
      op->emitError() << key << " = \"" << pin.getValue() << "\" names no "
                      << what << " or tier of target '" << target->name << "' ("
                      << what << "s: " << names << ")";
      return failure();
    }
    return chosen;
  }

  /// Deterministic tie-break in [0, 1): depends on the seed, the op, the
  /// task and the candidate only.
  double jitter(size_t op, int64_t task, size_t candidate) const {
    const uint64_t h = llvm::hash_combine(uint64_t(seed), op, task, candidate);
    return double(h % 1024) / 1024.0;
  }

  /// The held operand's port: the widest bank it may come from.
  int64_t portBits(ArrayRef<size_t> pool) const {
    int64_t w = 8;
    for (size_t b : pool)
      w = std::max(w, target->block(banks[b]).sram.widthBits);
    return w;
  }

  double pjPerBit(size_t core, size_t bank) const {
    return pj[core * banks.size() + bank];
  }

  /// Bits bank `b` moves per cycle: ports x width.
  double bankRate(size_t b) const {
    const hw::SramSpec &s = target->block(banks[b]).sram;
    return double(std::max<int64_t>(1, s.ports)) *
           double(std::max<int64_t>(1, s.widthBits));
  }

  /// The held bits of the tiling being placed in bank `b` from tasks on
  /// cores other than `core` (they run at the same time as a task on
  /// `core`; the core's own tasks run one after another).
  int64_t concurrentBits(size_t b, size_t core) const {
    auto it = tilingCoreBits.find({b, core});
    return tilingBits[b] - (it == tilingCoreBits.end() ? 0 : it->second);
  }

  /// The weight bank for task `task` of op `index` on `core` (`bytes` of
  /// weights, `bits` read): Nearest mode as nearestBank; Spread mode the
  /// bank with room whose port pressure after the task, (its traffic +
  /// bits + the tiling's bits there from other cores) / (ports x width), is
  /// least; then the cheapest path from `core`, the emptiest, the first
  /// (the seed acts through the core choice).
  std::optional<size_t> weightBank(size_t core,
                                   int64_t bytes, int64_t bits,
                                   ArrayRef<size_t> pool) const {
    if (bankChoice == BankChoice::Nearest)
      return nearestBank(core, bytes, pool);
    std::optional<size_t> bank;
    double bestPressure = 0, bestPj = 0;
    for (size_t b : pool) {
      if (!fits(b, bytes))
        continue;
      const double pressure =
          (traffic[b] + double(bits) + double(concurrentBits(b, core))) /
          bankRate(b);
      const double e = pjPerBit(core, b);
      if (!bank || pressure < bestPressure ||
          (pressure == bestPressure &&
           (e < bestPj ||
            (e == bestPj && freeBytes(b) > freeBytes(*bank)))))
        bank = b, bestPressure = pressure, bestPj = e;
    }
    return bank;
  }

  /// Records `bits` of the tiling being placed on bank `b` from `core`.
  void addTilingBits(size_t b, size_t core, int64_t bits) {
    tilingBits[b] += bits;
    tilingCoreBits[{b, core}] += bits;
  }

  /// The bank of `pool` with room for `bytes` on the cheapest path from
  /// `core`; among equally near ones the emptiest, then the first.
  std::optional<size_t> nearestBank(size_t core, int64_t bytes,
                                    ArrayRef<size_t> pool) const {
    std::optional<size_t> bank;
    for (size_t b : pool) {
      if (!fits(b, bytes))
        continue;
      if (!bank || pjPerBit(core, b) < pjPerBit(core, *bank) ||
          (pjPerBit(core, b) == pjPerBit(core, *bank) &&
           freeBytes(b) > freeBytes(*bank)))
        bank = b;
    }
    return bank;
  }

  /// The core for task `task` of tiling `t` of op `op` (index `index`):
  /// the one where the task finishes first under the list estimate, its
  /// cycles as --snn-schedule counts them (double-buffered, through the
  /// port of the weight bank it would read: its slot bank when streamed,
  /// else weightBank's choice; the widest bank for a tiling without
  /// weights, `weightPool` empty); the path energy to that bank (one cycle
  /// per pJ per bit, a soft preference far below one task of imbalance)
  /// and the seed break ties. Records the task in the estimate.
  size_t chooseCore(Operation *op, size_t index, TilingAttr t, int64_t task,
                    const TaskCost &c, bool streamed,
                    ArrayRef<size_t> corePool, ArrayRef<size_t> weightPool) {
    size_t best = corePool[0];
    double bestScore = 0;
    int64_t bestStart = 0, bestFinish = 0;
    for (size_t k = 0; k < corePool.size(); ++k) {
      const size_t cand = corePool[k];
      std::optional<size_t> bank;
      if (streamed)
        bank = size_t(slotBank[cand]);
      else if (!weightPool.empty())
        bank = weightBank(cand, c.heldBytes, c.heldBits, weightPool);
      const int64_t port = bank ? target->block(banks[*bank]).sram.widthBits
                                : portBits(weightPool.empty()
                                               ? ArrayRef<size_t>(allBanks)
                                               : weightPool);
      int64_t start = estimate.ready(cand);
      if (streamed)
        start = std::max(start,
                         estimate.fetched(cand, taskWeightBytes(t, task)));
      const int64_t finish =
          ListEstimate::add(start, overlappedTaskCycles(t, task, port));
      double score = double(finish);
      if (bank)
        score += pjPerBit(cand, *bank);
      score += jitter(index, task, cand) * 1e-3;
      if (k == 0 || score < bestScore)
        best = cand, bestScore = score, bestStart = start, bestFinish = finish;
    }
    if (streamed) {
      estimate.fetched(best, taskWeightBytes(t, task), /*reserve=*/true);
      estimate.streamedRuns(best, bestStart, bestFinish);
    }
    estimate.commit(op, best, bestFinish);
    return best;
  }

  LogicalResult placeOp(Operation *op, size_t index,
                        std::optional<size_t> &demote) {
    auto corePool = resolvePin(op, kPinAttr, cores, "core");
    if (failed(corePool))
      return failure();
    SmallVector<size_t> weightPool, outputPool;
    {
      auto w = resolvePin(op, kPinWeightsAttr, banks, "bank");
      auto o = resolvePin(op, kPinOutputAttr, banks, "bank");
      if (failed(w) || failed(o))
        return failure();
      for (size_t b : *w)
        if (holdsWeights(b))
          weightPool.push_back(b);
      for (size_t b : *o)
        if (holdsActivations(b))
          outputPool.push_back(b);
      if (weightPool.empty() || outputPool.empty())
        return op->emitError()
               << "snn-place: no bank that holds "
               << (weightPool.empty() ? "weights" : "activations")
               << " among the pinned ones";
    }

    // A streamed op's tasks run on cores with a streaming slot.
    if (streamedOp[index]) {
      SmallVector<size_t> withSlot;
      for (size_t c : *corePool)
        if (slotBank[c] >= 0)
          withSlot.push_back(c);
      if (withSlot.empty())
        return op->emitError()
               << "snn-place: this op's weights stream from DRAM but none of "
                  "its cores has room for a streaming slot";
      *corePool = std::move(withSlot);
    }
    estimate.beginOp(plannedProducers(op));
    SmallVector<Attribute> placements;
    SmallVector<size_t> used;
    for (Attribute a : op->getAttrOfType<ArrayAttr>(kTilingAttr)) {
      auto t = cast<TilingAttr>(a);
      const bool weights = t.getKind() == TileKind::Synaptic;
      const bool streamed = weights && streamedOp[index];
      if (failed(countCandidates(op, t, corePool->size(),
                                 weights ? weightPool.size() : 1)))
        return failure();
      SmallVector<int64_t> coreOf, bankOf;
      tilingBits.assign(banks.size(), 0);
      tilingCoreBits.clear();
      estimate.beginTiling();
      for (int64_t task = 0; task < t.numTasks(); ++task) {
        TaskCost c =
            taskCost(t, task, portBits(weights ? weightPool : outputPool));
        const size_t best = chooseCore(op, index, t, task, c, streamed,
                                       *corePool,
                                       weights ? ArrayRef<size_t>(weightPool)
                                               : ArrayRef<size_t>());
        coreOf.push_back(int64_t(best));
        used.push_back(best);
        if (!weights)
          continue;
        if (streamed) {
          // Its reads, and the fetch writing its weights into the slot.
          const size_t slot = size_t(slotBank[best]);
          const int64_t bits =
              c.heldBits + 8 * std::max<int64_t>(1, taskWeightBytes(t, task));
          traffic[slot] += double(bits);
          addTilingBits(slot, best, c.heldBits);
          bankOf.push_back(slotBank[best]);
          continue;
        }
        std::optional<size_t> bank =
            weightBank(best, c.heldBytes, c.heldBits, weightPool);
        if (!bank && !op->getAttr(kPinWeightsAttr)) {
          demote = index; // stream it instead, and place everything again
          return failure();
        }
        if (!bank) {
          int64_t free = 0;
          for (size_t b : weightPool)
            free += freeBytes(b);
          return op->emitError()
                 << "snn-place: weight columns " << task << " need "
                 << formatBytes(c.heldBytes) << " in one bank; the "
                 << (op->getAttr(kPinWeightsAttr) ? "pinned " : "")
                 << "weight banks have " << formatBytes(free)
                 << " free in total but no bank has that much (each buffer "
                    "starts at a multiple of its bank's port width); try "
                    "--snn-quantize=weight-bits=4, a target with larger "
                    "banks, or another snn.pin_weights";
        }
        weightTop[*bank] = weightStart(*bank) + c.heldBytes;
        traffic[*bank] += double(c.heldBits);
        addTilingBits(*bank, best, c.heldBits);
        bankOf.push_back(int64_t(*bank));
      }
      placements.push_back(PlacementAttr::get(
          ctx, DenseI64ArrayAttr::get(ctx, coreOf),
          DenseI64ArrayAttr::get(ctx, bankOf),
          outputBank(op, used, outputPool)));
    }
    op->setAttr(kPlacementAttr, ArrayAttr::get(ctx, placements));
    return success();
  }

  /// The placer weighs every core (and weight bank) for every task: at
  /// most 2^32 such choices in all.
  LogicalResult countCandidates(Operation *op, TilingAttr t, size_t coreCount,
                                size_t bankCount) {
    constexpr int64_t kMax = int64_t(1) << 32;
    // tasks <= 2^20 and cores x banks <= 2^24: no overflow.
    candidates += t.numTasks() * int64_t(coreCount) * int64_t(bankCount);
    if (candidates <= kMax)
      return success();
    return op->emitError()
           << "snn-place: placing the plan up to this op weighs " << candidates
           << " (task, core, bank) choices (this tiling: " << t.numTasks()
           << " tasks x " << coreCount << " cores x " << bankCount
           << " banks); at most " << limits::formatLimit(kMax)
           << " are supported; pin the op to fewer cores (snn.pin) or use a "
              "target with fewer cores or banks";
  }

  /// The activation bank for the op's result: the least port pressure
  /// after it, (the bank's traffic + the result's bits written once and
  /// read by every task of its readers' first tilings) / (ports x width);
  /// then the cheapest mean path from the op's cores; then the first. -1
  /// when the op has no tensor result.
  int64_t outputBank(Operation *op, ArrayRef<size_t> used,
                     ArrayRef<size_t> pool) {
    const int64_t bits = storedBits(op);
    if (bits == 0)
      return -1;
    auto readers = readerTasks.find(op);
    const double moved =
        double(bits) *
        double(1 + (readers == readerTasks.end() ? 0 : readers->second));
    std::optional<size_t> best;
    double bestPressure = 0, bestPj = 0;
    for (size_t b : pool) {
      double e = 0;
      for (size_t c : used)
        e += pjPerBit(c, b);
      e /= double(std::max<size_t>(1, used.size()));
      const double pressure = (traffic[b] + moved) / bankRate(b);
      if (!best || pressure < bestPressure ||
          (pressure == bestPressure && e < bestPj))
        best = b, bestPressure = pressure, bestPj = e;
    }
    traffic[*best] += moved;
    return int64_t(*best);
  }
};

Placer::Placer(MLIRContext *ctx, int64_t seed)
    : impl(std::make_unique<Impl>(ctx, seed)) {}
Placer::~Placer() = default;

LogicalResult Placer::run(ModuleOp module,
                          std::shared_ptr<const hw::Target> target) {
  return impl->run(module, std::move(target));
}
