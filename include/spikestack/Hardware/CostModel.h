//===- CostModel.h - closed-form cycle costs of a core ----------*- C++ -*-===//
//
// The closed-form pieces of a core's timing, shared by the compiler's
// estimates (lib/Dialect/SNN/Transforms/Plan.cpp: task costs, the
// schedule's makespan) and the executor (lib/Runtime/Executor.cpp). No
// MLIR.
//
// A pass of the weight-stationary rows x cols array: its held block is
// loaded (rows x columns x held bits through the bank port), then n input
// vectors stream through; the first result leaves rows + cols - 2 cycles
// after the first vector enters (SCALE-Sim's WS fold count: fill and
// drain), one per cycle after that. With double buffering the next pass's
// held block loads into shadow registers while the current pass computes.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_HARDWARE_COSTMODEL_H
#define SPIKESTACK_HARDWARE_COSTMODEL_H

#include <cstdint>

namespace spikestack::hw {

/// Fill and drain of a weight-stationary rows x cols array: rows + cols - 2.
int64_t arrayFillDrainCycles(int64_t rows, int64_t cols);

/// Compute cycles of one array pass over `vectors` streamed vectors:
/// fill and drain plus one cycle per vector (R + C - 2 + n).
int64_t arrayPassCycles(int64_t rows, int64_t cols, int64_t vectors);

/// Cycles of one output-stationary fold (SCALE-Sim's OS count): the rows x
/// cols PEs each integrate one output while `reduction` spike columns
/// stream in along the rows and as many weight rows along the columns:
/// 2R + C + K - 2 (skew in, K steps, drain out).
int64_t osFoldCycles(int64_t rows, int64_t cols, int64_t reduction);

/// Cycles to move `bits` through a port `portBits` wide (rounded up).
int64_t portTransferCycles(int64_t bits, int64_t portBits);

/// Cycles of a dense computation of `macs` multiply-accumulates spread
/// over the whole rows x cols array: one pass over ceil(macs / (rows *
/// cols)) vectors.
int64_t denseArrayCycles(int64_t rows, int64_t cols, int64_t macs);

/// A sequence of array passes whose held-operand loads are double-buffered:
/// the first load is exposed, each later one overlaps the previous pass's
/// compute (max(load, previous compute)), and the last compute ends it.
class DoubleBufferedPasses {
public:
  /// Appends a pass that loads for `loadCycles` and computes for
  /// `computeCycles`.
  void add(int64_t loadCycles, int64_t computeCycles);
  /// Cycles from the first load to the end of the last pass's compute.
  int64_t cycles() const { return total + prevCompute; }

private:
  bool first = true;
  int64_t total = 0, prevCompute = 0;
};

} // namespace spikestack::hw

#endif // SPIKESTACK_HARDWARE_COSTMODEL_H
