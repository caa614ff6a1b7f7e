//===- Calendar.h - bandwidth of a shared resource over time ----*- C++ -*-===//
//
// A bank's ports, a bond link or a DRAM channel as the executor
// (lib/Runtime/Executor.cpp) and the schedule's contention-aware estimate
// (lib/Dialect/SNN/Transforms/Planning/Scheduler.cpp) both see it: time in
// buckets of kBucket cycles, each able to carry rate x kBucket bits. A
// transfer takes what is left of the buckets from its request on, at most
// `perTransfer` bits per cycle, so concurrent transfers share the
// bandwidth and a transfer claimed out of time order does not block an
// earlier one. No MLIR.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_HARDWARE_CALENDAR_H
#define SPIKESTACK_HARDWARE_CALENDAR_H

#include <cstdint>
#include <map>

namespace spikestack::hw {

class BandwidthCalendar {
public:
  static constexpr int64_t kBucket = 16;
  explicit BandwidthCalendar(double bitsPerCycle = 1) : rate(bitsPerCycle) {}

  double bitsPerCycle() const { return rate; }
  void setBitsPerCycle(double r) { rate = r; }
  /// Buckets all calendars sharing `budget` may still visit; reserve()
  /// stops when it runs out (the caller checks *budget < 0). Without a
  /// budget, reserve() is unbounded.
  void setBudget(int64_t *b) { budget = b; }

  /// Reserves `bits` from cycle `start`, at most `perTransfer` bits per
  /// cycle (one port's width; <= 0: the whole rate). Returns the cycle
  /// after the last bit.
  int64_t reserve(int64_t start, double bits, double perTransfer = 0);

private:
  double rate = 1; ///< bits per cycle
  int64_t *budget = nullptr;
  std::map<int64_t, double> used; ///< bits taken per bucket
};

} // namespace spikestack::hw

#endif // SPIKESTACK_HARDWARE_CALENDAR_H
