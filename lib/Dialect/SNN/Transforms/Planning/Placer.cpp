//===- Placer.cpp - put tiles on cores and buffers in banks ---------------===//
//
// The placement algorithm of --snn-place: see Placer.h and Passes.td.
//
//===----------------------------------------------------------------------===//
#include "Placer.h"

#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/Transforms/Plan.h"
#include "spikestack/Hardware/PhysicalModel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/Hashing.h"

#include <cstdio>

using namespace mlir;
using namespace spikestack;
using namespace spikestack::snn;

struct Placer::Impl {
  Impl(MLIRContext *ctx, int64_t seed) : ctx(ctx), seed(seed) {}

  MLIRContext *ctx;
  int64_t seed;

  std::shared_ptr<const hw::Target> target;
  std::optional<hw::PhysicalModel> model;
  std::vector<hw::BlockRef> cores, banks;
  std::vector<int64_t> load;      // estimated cycles per core
  std::vector<int64_t> weightTop; // per bank: end of its weights so far
  std::vector<int64_t> traffic;   // bits per bank (port pressure)
  std::vector<double> pj;         // pJ per bit, core x bank
  int64_t candidates = 0;         // (task, core, bank) choices weighed

  LogicalResult run(ModuleOp module, std::shared_ptr<const hw::Target> t) {
    target = std::move(t);
    auto m = buildModuleModel(module, *target);
    if (failed(m))
      return failure();
    model.emplace(*std::move(m));
    cores = target->blocksOfKind(hw::BlockKind::Core);
    banks = target->blocksOfKind(hw::BlockKind::Sram);
    load.assign(cores.size(), 0);
    traffic.assign(banks.size(), 0);
    weightTop.assign(banks.size(), 0);
    candidates = 0;

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
        failed(buildPathTable(module)) ||
        failed(checkTotalWeights(module, ops)))
      return failure();
    for (auto [index, op] : llvm::enumerate(ops))
      if (failed(placeOp(op, index)))
        return failure();
    return success();
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

  /// All weights must fit the weight-capable banks at once (they stay
  /// resident: every inference reads them).
  LogicalResult checkTotalWeights(ModuleOp module, ArrayRef<Operation *> ops) {
    int64_t need = 0, have = 0, largest = 0, wide = 0;
    Operation *largestOp = nullptr;
    for (Operation *op : ops) {
      int64_t bytes = 0;
      for (Attribute a : op->getAttrOfType<ArrayAttr>(kTilingAttr)) {
        auto t = cast<TilingAttr>(a);
        if (t.getKind() != TileKind::Synaptic)
          continue;
        int64_t tb = 0;
        for (int64_t i = 0; i < t.numTasks(); ++i)
          tb += taskWeightBytes(t, i);
        if (t.getHeldBits() > 8)
          wide += tb;
        bytes += tb;
      }
      need += bytes;
      if (bytes > largest)
        largest = bytes, largestOp = op;
    }
    for (size_t b = 0; b < banks.size(); ++b)
      if (holdsWeights(b))
        have += freeBytes(b);
    if (need <= have)
      return success();
    auto diag = mlir::emitError(module.getLoc())
                << "snn-place: the weights need " << formatBytes(need)
                << ", the "
                << "weight banks of target '" << target->name << "' hold "
                << formatBytes(have);
    if (wide)
      diag << " (" << formatBytes(wide)
           << " of it are weights wider than 8 bits "
           << "that --snn-quantize left in the float domain)";
    diag << "; try --snn-quantize=weight-bits=4 or a target with more SRAM";
    if (largestOp)
      diag.attachNote(largestOp->getLoc())
          << "the largest layer needs " << formatBytes(largest);
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

  LogicalResult placeOp(Operation *op, size_t index) {
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

    SmallVector<Attribute> placements;
    SmallVector<size_t> used;
    for (Attribute a : op->getAttrOfType<ArrayAttr>(kTilingAttr)) {
      auto t = cast<TilingAttr>(a);
      const bool weights = t.getKind() == TileKind::Synaptic;
      if (failed(countCandidates(op, t, corePool->size(),
                                 weights ? weightPool.size() : 1)))
        return failure();
      SmallVector<int64_t> coreOf, bankOf;
      for (int64_t task = 0; task < t.numTasks(); ++task) {
        // The core that finishes the task first (load balance); weight
        // traffic energy and the seed break ties.
        const int64_t cols = taskColumns(t, task);
        TaskCost c =
            taskCost(t, cols, portBits(weights ? weightPool : outputPool));
        size_t best = (*corePool)[0];
        double bestScore = 0;
        for (size_t k = 0; k < corePool->size(); ++k) {
          size_t cand = (*corePool)[k];
          double score = double(load[cand] + c.cycles);
          // Energy in cycle units: one cycle per pJ per held bit is a soft
          // preference, far below one task of imbalance.
          if (weights)
            if (auto b = nearestBank(cand, c.heldBytes, weightPool))
              score += pjPerBit(cand, *b);
          score += jitter(index, task, cand) * 1e-3;
          if (k == 0 || score < bestScore)
            best = cand, bestScore = score;
        }
        load[best] += c.cycles;
        coreOf.push_back(int64_t(best));
        used.push_back(best);
        if (!weights)
          continue;
        std::optional<size_t> bank = nearestBank(best, c.heldBytes, weightPool);
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
        traffic[*bank] += c.heldBits;
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

  /// The activation bank for the op's result: cheapest mean path from the
  /// op's cores, weighted by the traffic the bank already carries. -1 when
  /// the op has no tensor result.
  int64_t outputBank(Operation *op, ArrayRef<size_t> used,
                     ArrayRef<size_t> pool) {
    const int64_t bits = storedBits(op);
    if (bits == 0)
      return -1;
    std::optional<size_t> best;
    double bestScore = 0;
    for (size_t b : pool) {
      double e = 0;
      for (size_t c : used)
        e += pjPerBit(c, b);
      e /= double(std::max<size_t>(1, used.size()));
      // Port pressure: prefer banks with less traffic so far (1 % of the
      // energy per equal share of bits).
      double score = e * (1.0 + 0.01 * double(traffic[b]) /
                                    double(std::max<int64_t>(1, bits)));
      if (!best || score < bestScore)
        best = b, bestScore = score;
    }
    traffic[*best] += bits;
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
