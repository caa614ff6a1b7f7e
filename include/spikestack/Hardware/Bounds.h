//===- Bounds.h - lower bounds on a layer's cycles --------------*- C++ -*-===//
//
// The bound analysis of docs/isa.md ("Bounds"), shared by the plan report
// (lib/Dialect/SNN/Transforms/PlanReport.cpp, from the static plan) and the
// executor report (lib/Runtime/Executor.cpp, from the run's counters). No
// MLIR. Every bound is a number of cycles no schedule can beat on the
// target, given the work:
//
//   compute   = dense PE operations / PEs of all cores (sum of R x C)
//   events    = PE operations of the vectors actually streamed / PEs
//   sram_port = max over banks of bits / (ports x width)
//   bond      = max over vertical links of bits / verticalBitsPerCycle
//   dram      = DRAM bits / PhysicalModel::dramBitsPerCycle()
//   largest   = max(events, sram_port, bond, dram)
//   efficiency = min(1, largest / achieved)
//
// The events bound stands for compute in `largest`: it is never above the
// dense one, and a run that skips all-zero vectors may beat the dense one.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_HARDWARE_BOUNDS_H
#define SPIKESTACK_HARDWARE_BOUNDS_H

#include "spikestack/Hardware/PhysicalModel.h"

#include <cstdint>
#include <string>
#include <vector>

namespace spikestack::hw {

/// The work of one layer (or of a whole run) as the bounds see it.
struct BoundWork {
  /// PE operations if no input were zero: reduction x outputs x vectors.
  double denseOps = 0;
  /// PE operations of the non-zero vectors actually streamed; negative:
  /// not known (the plan), the dense figure stands for it.
  double eventOps = -1;
  /// Bits read plus written, per SRAM bank (Target::blocksOfKind(Sram)
  /// order; shorter vectors mean zero for the missing banks).
  std::vector<double> bankBits;
  /// Bits crossing the vertical link between tier i and tier i + 1.
  std::vector<double> linkBits;
  double dramBits = 0;
  /// Adds `o` to this (event operations stay unknown if either is).
  void add(const BoundWork &o);
};

/// The bounds of one layer or of the whole run, cycles.
struct Bounds {
  double compute = 0, events = 0, sramPort = 0, bond = 0, dram = 0;
  bool eventsMeasured = false;
  double largest = 0;
  /// "compute" (the events bound, equal to the dense one), "events" (the
  /// events bound, below the dense one), "sram_port", "bond" or "dram".
  std::string binding = "compute";
  double achieved = 0, efficiency = 0;
};

/// Dense synaptic (PE) operations of an array tiling: every input of
/// every vector meets every output column once.
double denseSynapticOps(int64_t groups, int64_t vectors, int64_t reduction,
                        int64_t outputs);
/// PEs of all the target's cores: the sum of rows x cols.
double targetPEs(const Target &t);
/// `ops` PE operations on `pes` PEs, cycles (0 if there are no PEs).
double computeBoundCycles(double ops, double pes);
/// The busiest bank: max over banks of bits / (ports x width).
double sramPortBoundCycles(const Target &t, const std::vector<double> &bankBits);
/// The busiest vertical link: max over links of bits / bits per cycle (a
/// tier pair without a link carries one bit per cycle, as in the executor).
double bondBoundCycles(const PhysicalModel &m,
                       const std::vector<double> &linkBits);
/// DRAM bits over the bits per cycle of all channels.
double dramBoundCycles(const PhysicalModel &m, double bits);
/// All bounds of `work` against `achieved` cycles.
Bounds evaluateBounds(const PhysicalModel &m, const BoundWork &work,
                      double achieved);

} // namespace spikestack::hw

#endif // SPIKESTACK_HARDWARE_BOUNDS_H
