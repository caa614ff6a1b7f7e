//===- Residency.h - which weights stay in the banks, which stream -*- C++ -*-===//
//
// Weight residency (issue 15): every planned op with a synaptic tiling
// either keeps its weights resident in the weight banks for the whole
// inference or streams them from DRAM into per-core *slots* just before
// its tasks run.
//
// The choice (Residency::choose, called by the placer) is a 0/1 knapsack:
// the value of keeping a layer resident is the DRAM traffic it saves, its
// weight bytes times the times per inference it would be streamed. That
// count is 1 for every layer today: a streamed layer's weights are fetched
// once and reused in the bank across tokens, time steps and bundles (an
// expert is streamed once too). The capacity is the weight banks' bytes
// minus the streaming slots: s = the largest task (column block) weight
// bytes among the streamed layers, two slots per core (double buffering:
// the next streamed task's weights arrive while the current one computes),
// one slot per core when two do not fit, each aligned to its bank's port,
// in the nearest weight bank with room (chosen once per core). The
// knapsack is a dynamic programme over the capacity in 4 KiB granules
// (item weights rounded up), or greedy by value density when the table
// would exceed 2^26 cells; every candidate slot size (the layers' largest
// task sizes) and the plan with the least streamed bytes wins among those
// with two slots per core (then the smaller slot); one slot per core only
// when no candidate fits two. When all weights fit
// nothing is streamed and no slot is reserved.
//
// computeSlotLayout derives the slots from the placed IR (snn.streamed and
// snn.placement), so that --snn-schedule, --snn-allocate, --snn-lower-to-hw
// and --snn-plan-report agree without further attributes.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_LIB_DIALECT_SNN_TRANSFORMS_PLANNING_RESIDENCY_H
#define SPIKESTACK_LIB_DIALECT_SNN_TRANSFORMS_PLANNING_RESIDENCY_H

#include "spikestack/Hardware/Target.h"

#include "mlir/IR/Operation.h"
#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace spikestack::snn {

/// One planned op with synaptic weights, as the residency choice sees it.
struct ResidencyItem {
  std::vector<int64_t> taskBytes; ///< weight bytes of each column task
  bool mustStayResident = false;  ///< e.g. its weights are pinned
  bool mustStream = false;        ///< demoted after a packing failure
  int64_t timesStreamed = 1;      ///< fetches per inference if streamed

  int64_t largestTask() const;
  int64_t total() const;
};

/// The weight banks as the residency choice sees them.
struct ResidencyBanks {
  std::vector<int64_t> capacity; ///< per bank (0 for activation-only ones)
  std::vector<int64_t> align;    ///< bytes per port word, per bank
  /// Per core: the weight banks in order of preference (nearest first).
  std::vector<std::vector<size_t>> preference;
};

/// The outcome: which items stream, the slots, the bytes.
struct ResidencyPlan {
  std::vector<bool> streamed;   ///< per item
  int64_t slotBytes = 0;        ///< s (0: nothing streamed)
  int slotsPerCore = 0;         ///< 2, or 1 when two do not fit
  std::vector<int64_t> slotBank; ///< per core: its slot bank or -1
  std::vector<int64_t> reserved; ///< per bank: bytes of slots
  int64_t streamedBytes = 0, residentBytes = 0;
};

/// A task that no bank can hold even alone: item, task and the numbers.
struct ResidencyFailure {
  size_t item = 0;
  int64_t task = 0, bytes = 0, largestBank = 0;
};

class Residency {
public:
  explicit Residency(ResidencyBanks banks);

  /// The residency of `items`. Nothing streams when no item must and the
  /// total (unaligned) fits the weight banks. Fails when a single task's
  /// weights (aligned to the port) exceed the largest weight bank.
  std::optional<ResidencyPlan> choose(llvm::ArrayRef<ResidencyItem> items,
                                      ResidencyFailure &failure) const;

  /// Slots of `slots` x `slotBytes` for every core, in core order, each in
  /// the first bank of its preference with room; bytes reserved per bank
  /// and the slot bank per core (-1: none had room).
  void reserve(int64_t slotBytes, int slots, std::vector<int64_t> &reserved,
               std::vector<int64_t> &slotBank) const;

private:
  /// The best plan with slot size at most `s` and `slots` per core, or
  /// none when the mandatory weights do not fit.
  std::optional<ResidencyPlan>
  candidate(llvm::ArrayRef<ResidencyItem> items, int64_t s, int slots) const;
  /// Which of `optional` (indices into items) stay resident within
  /// `capacity` bytes: knapsack over 4 KiB granules.
  std::vector<bool> knapsack(llvm::ArrayRef<ResidencyItem> items,
                             llvm::ArrayRef<size_t> optional,
                             int64_t capacity) const;
  int64_t alignedTotal(const ResidencyItem &item) const;

  ResidencyBanks banks;
  int64_t maxAlign = 1;
};

/// The streaming slots of a placed module, derived from snn.streamed and
/// snn.placement: s = the largest streamed task's weight bytes; per core
/// with streamed tasks its slot bank (the weight bank its streamed tasks
/// name) and the offset of its first slot; two slots per core when they
/// and the resident weights (laid out after all slots, in program order,
/// aligned to the port) fit every bank, else one.
struct SlotLayout {
  int64_t slotBytes = 0; ///< 0: nothing streamed
  int slots = 0;
  std::vector<int64_t> bank, base; ///< per core (-1 / 0: no streamed task)
  std::vector<int64_t> reserved;   ///< per bank: end of its slots
  /// Offset of slot `k mod slots` of `core` (aligned to its bank's port).
  int64_t slotOffset(const hw::Target &target, int64_t core, int64_t k) const;
};

/// computeSlotLayout for the planned `ops` on `target`; emits "<pass>: ..."
/// on the op at fault and fails when a core's streamed tasks name two
/// banks or even one slot per core leaves no room for the resident weights.
mlir::FailureOr<SlotLayout>
computeSlotLayout(llvm::ArrayRef<mlir::Operation *> ops,
                  const hw::Target &target, llvm::StringRef pass);

} // namespace spikestack::snn

#endif
