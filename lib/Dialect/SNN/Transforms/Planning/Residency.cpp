//===- Residency.cpp - which weights stay in the banks, which stream ------===//
//
// See Residency.h.
//
//===----------------------------------------------------------------------===//
#include "Residency.h"

#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/Transforms/Plan.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <map>
#include <tuple>

using namespace mlir;
using namespace spikestack;
using namespace spikestack::snn;

namespace {

int64_t alignUp(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

/// Knapsack granule and the largest DP table (items x granules).
constexpr int64_t kGranule = 4096;
constexpr int64_t kMaxCells = int64_t(1) << 26;

} // namespace

int64_t ResidencyItem::largestTask() const {
  int64_t m = 0;
  for (int64_t b : taskBytes)
    m = std::max(m, b);
  return m;
}

int64_t ResidencyItem::total() const {
  int64_t t = 0;
  for (int64_t b : taskBytes)
    t += b;
  return t;
}

Residency::Residency(ResidencyBanks b) : banks(std::move(b)) {
  for (size_t i = 0; i < banks.capacity.size(); ++i)
    if (banks.capacity[i] > 0)
      maxAlign = std::max(maxAlign, banks.align[i]);
}

int64_t Residency::alignedTotal(const ResidencyItem &item) const {
  int64_t t = 0;
  for (int64_t b : item.taskBytes)
    t += alignUp(b, maxAlign);
  return t;
}

void Residency::reserve(int64_t slotBytes, int slots,
                        std::vector<int64_t> &reserved,
                        std::vector<int64_t> &slotBank) const {
  reserved.assign(banks.capacity.size(), 0);
  slotBank.assign(banks.preference.size(), -1);
  for (size_t c = 0; c < banks.preference.size(); ++c)
    for (size_t b : banks.preference[c]) {
      const int64_t start = alignUp(reserved[b], banks.align[b]);
      const int64_t need = slots * alignUp(slotBytes, banks.align[b]);
      if (start + need <= banks.capacity[b]) {
        reserved[b] = start + need;
        slotBank[c] = int64_t(b);
        break;
      }
    }
}

std::vector<bool> Residency::knapsack(ArrayRef<ResidencyItem> items,
                                      ArrayRef<size_t> optional,
                                      int64_t capacity) const {
  std::vector<bool> keep(items.size(), false);
  const int64_t cap = std::max<int64_t>(0, capacity) / kGranule;
  auto weight = [&](size_t i) {
    return (alignedTotal(items[i]) + kGranule - 1) / kGranule;
  };
  auto value = [&](size_t i) {
    return items[i].total() * std::max<int64_t>(1, items[i].timesStreamed);
  };
  const int64_t n = int64_t(optional.size());
  if (n == 0 || cap == 0)
    return keep;
  if (n * (cap + 1) > kMaxCells) {
    // Greedy by value density, the larger value first on ties.
    std::vector<size_t> order(optional.begin(), optional.end());
    llvm::stable_sort(order, [&](size_t a, size_t b) {
      const double da = double(value(a)) / double(std::max<int64_t>(1, weight(a)));
      const double db = double(value(b)) / double(std::max<int64_t>(1, weight(b)));
      return da != db ? da > db : value(a) > value(b);
    });
    int64_t left = cap;
    for (size_t i : order)
      if (weight(i) <= left)
        keep[i] = true, left -= weight(i);
    return keep;
  }
  // best[c]: the largest value within c granules; take[j][c]: item j taken.
  std::vector<int64_t> best(size_t(cap + 1), 0);
  std::vector<std::vector<bool>> take(size_t(n),
                                      std::vector<bool>(size_t(cap + 1)));
  for (int64_t j = 0; j < n; ++j) {
    const int64_t w = weight(optional[j]), v = value(optional[j]);
    for (int64_t c = cap; c >= w; --c)
      if (best[c - w] + v > best[c]) {
        best[c] = best[c - w] + v;
        take[j][c] = true;
      }
  }
  for (int64_t j = n - 1, c = cap; j >= 0; --j)
    if (take[j][c]) {
      keep[optional[j]] = true;
      c -= weight(optional[j]);
    }
  return keep;
}

std::optional<ResidencyPlan>
Residency::candidate(ArrayRef<ResidencyItem> items, int64_t s,
                     int slots) const {
  ResidencyPlan plan;
  plan.slotsPerCore = slots;
  reserve(s, slots, plan.reserved, plan.slotBank);
  if (llvm::all_of(plan.slotBank, [](int64_t b) { return b < 0; }))
    return std::nullopt;
  int64_t capacity = 0;
  for (size_t b = 0; b < banks.capacity.size(); ++b)
    capacity += std::max<int64_t>(0, banks.capacity[b] - plan.reserved[b]);
  SmallVector<size_t> optional;
  for (auto [i, item] : llvm::enumerate(items)) {
    const bool fitsSlot = item.largestTask() <= s;
    if (item.mustStream && (!fitsSlot || item.mustStayResident))
      return std::nullopt;
    if (item.mustStayResident || !fitsSlot)
      capacity -= alignedTotal(item); // mandatory resident
    else if (!item.mustStream)
      optional.push_back(i);
  }
  if (capacity < 0)
    return std::nullopt;
  std::vector<bool> keep = knapsack(items, optional, capacity);
  plan.streamed.assign(items.size(), false);
  int64_t actual = 0;
  for (auto [i, item] : llvm::enumerate(items)) {
    const bool resident =
        keep[i] || item.mustStayResident || item.largestTask() > s;
    plan.streamed[i] = !resident;
    if (resident) {
      plan.residentBytes += item.total();
      continue;
    }
    plan.streamedBytes += item.total() * item.timesStreamed;
    actual = std::max(actual, item.largestTask());
  }
  plan.slotBytes = actual;
  // The slots shrink to the largest streamed task.
  if (actual > 0 && actual < s)
    reserve(actual, slots, plan.reserved, plan.slotBank);
  return plan;
}

std::optional<ResidencyPlan>
Residency::choose(ArrayRef<ResidencyItem> items,
                  ResidencyFailure &failure) const {
  int64_t largestBank = 0, have = 0, need = 0;
  bool forced = false;
  for (size_t b = 0; b < banks.capacity.size(); ++b) {
    largestBank = std::max(largestBank, banks.capacity[b]);
    have += banks.capacity[b];
  }
  for (auto [i, item] : llvm::enumerate(items)) {
    need += item.total();
    forced |= item.mustStream;
    for (auto [t, bytes] : llvm::enumerate(item.taskBytes))
      if (alignUp(bytes, maxAlign) > largestBank) {
        failure = {i, int64_t(t), alignUp(bytes, maxAlign), largestBank};
        return std::nullopt;
      }
  }
  if (!forced && need <= have) {
    ResidencyPlan plan;
    plan.streamed.assign(items.size(), false);
    plan.reserved.assign(banks.capacity.size(), 0);
    plan.slotBank.assign(banks.preference.size(), -1);
    plan.residentBytes = need;
    return plan;
  }
  // Candidate slot sizes: every item's largest task.
  std::vector<int64_t> sizes;
  for (const ResidencyItem &item : items)
    if (!item.mustStayResident && item.largestTask() > 0)
      sizes.push_back(item.largestTask());
  llvm::sort(sizes);
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  std::optional<ResidencyPlan> best;
  auto key = [](const ResidencyPlan &p) {
    return std::make_tuple(-p.slotsPerCore, p.streamedBytes, p.slotBytes);
  };
  for (int64_t s : sizes)
    for (int slots : {2, 1})
      if (auto p = candidate(items, s, slots))
        if (!best || key(*p) < key(*best))
          best = std::move(p);
  if (best)
    return best;
  // Nothing fits with slots: stream all that may (the placer reports the
  // bank that overflows).
  ResidencyPlan plan;
  plan.streamed.assign(items.size(), false);
  for (auto [i, item] : llvm::enumerate(items))
    if (!item.mustStayResident) {
      plan.streamed[i] = true;
      plan.slotBytes = std::max(plan.slotBytes, item.largestTask());
      plan.streamedBytes += item.total();
    } else {
      plan.residentBytes += item.total();
    }
  plan.slotsPerCore = 1;
  reserve(plan.slotBytes, 1, plan.reserved, plan.slotBank);
  return plan;
}

//===----------------------------------------------------------------------===//
// The slots of a placed module
//===----------------------------------------------------------------------===//

int64_t SlotLayout::slotOffset(const hw::Target &target, int64_t core,
                               int64_t k) const {
  const auto banks = target.blocksOfKind(hw::BlockKind::Sram);
  const int64_t a =
      std::max<int64_t>(1, target.block(banks[bank[core]]).sram.widthBits / 8);
  return base[core] + (k % slots) * alignUp(slotBytes, a);
}

namespace {

/// One synaptic column task of a placed op.
struct WeightTask {
  Operation *op;
  int64_t task, bank, bytes;
};

/// The weight tasks of `ops` in program order, streamed and resident.
void collectWeightTasks(ArrayRef<Operation *> ops,
                        std::map<int64_t, std::vector<WeightTask>> &streamed,
                        std::vector<WeightTask> &resident) {
  for (Operation *op : ops) {
    auto tilings = op->getAttrOfType<ArrayAttr>(kTilingAttr);
    auto placements = op->getAttrOfType<ArrayAttr>(kPlacementAttr);
    if (!tilings || !placements)
      continue;
    const bool isStreamed = op->hasAttr(kStreamedAttr);
    for (auto [ta, pa] : llvm::zip(tilings, placements)) {
      auto tiling = cast<TilingAttr>(ta);
      auto placement = cast<PlacementAttr>(pa);
      for (auto [task, bank] :
           llvm::enumerate(placement.getWeightBanks().asArrayRef())) {
        WeightTask w{op, int64_t(task), bank,
                     taskWeightBytes(tiling, int64_t(task))};
        if (isStreamed)
          streamed[placement.getCores()[task]].push_back(w);
        else
          resident.push_back(w);
      }
    }
  }
}

} // namespace

FailureOr<SlotLayout> snn::computeSlotLayout(ArrayRef<Operation *> ops,
                                             const hw::Target &target,
                                             StringRef pass) {
  const auto banks = target.blocksOfKind(hw::BlockKind::Sram);
  const size_t numCores = target.blocksOfKind(hw::BlockKind::Core).size();
  std::map<int64_t, std::vector<WeightTask>> streamed;
  std::vector<WeightTask> resident;
  collectWeightTasks(ops, streamed, resident);
  SlotLayout layout;
  layout.bank.assign(numCores, -1);
  layout.base.assign(numCores, 0);
  layout.reserved.assign(banks.size(), 0);
  for (auto &[core, tasks] : streamed)
    for (const WeightTask &w : tasks) {
      layout.slotBytes = std::max(layout.slotBytes, w.bytes);
      if (layout.bank[core] < 0)
        layout.bank[core] = w.bank;
      else if (layout.bank[core] != w.bank)
        return w.op->emitError()
               << pass << ": weight columns " << w.task
               << " of this streamed op are in bank " << w.bank
               << " but core " << core << "'s earlier streamed weights are in "
               << "bank " << layout.bank[core]
               << "; a core streams into one slot bank";
    }
  if (streamed.empty())
    return layout;
  auto alignOf = [&](int64_t b) {
    return std::max<int64_t>(1, target.block(banks[b]).sram.widthBits / 8);
  };
  const WeightTask *overflow = nullptr;
  int64_t overflowAt = 0;
  for (int slots : {2, 1}) {
    std::vector<int64_t> top(banks.size(), 0);
    for (size_t c = 0; c < numCores; ++c)
      if (int64_t b = layout.bank[c]; b >= 0) {
        layout.base[c] = alignUp(top[b], alignOf(b));
        top[b] = layout.base[c] + slots * alignUp(layout.slotBytes, alignOf(b));
      }
    layout.reserved = top;
    overflow = nullptr;
    for (const WeightTask &w : resident) {
      const int64_t at = alignUp(top[w.bank], alignOf(w.bank));
      if (at + w.bytes > target.block(banks[w.bank]).sram.capacityBytes) {
        overflow = &w, overflowAt = at;
        break;
      }
      top[w.bank] = at + w.bytes;
    }
    for (size_t b = 0; b < banks.size() && !overflow; ++b)
      if (layout.reserved[b] > target.block(banks[b]).sram.capacityBytes)
        for (auto &[core, tasks] : streamed)
          if (layout.bank[core] == int64_t(b) && !overflow)
            overflow = &tasks.front(), overflowAt = layout.base[core];
    layout.slots = slots;
    if (!overflow)
      return layout;
  }
  const auto &spec = target.block(banks[overflow->bank]).sram;
  return overflow->op->emitError()
         << pass << ": weight columns " << overflow->task << " need "
         << formatBytes(overflow->bytes) << " in bank '"
         << target.block(banks[overflow->bank]).name << "' after one "
         << formatBytes(layout.slotBytes) << " streaming slot per core, "
         << "which leaves " << formatBytes(std::max<int64_t>(
                                   0, spec.capacityBytes - overflowAt))
         << " of " << formatBytes(spec.capacityBytes);
}
