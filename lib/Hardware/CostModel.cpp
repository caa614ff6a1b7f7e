//===- CostModel.cpp - closed-form cycle costs of a core ------------------===//
#include "spikestack/Hardware/CostModel.h"

#include <algorithm>

namespace spikestack::hw {

int64_t arrayFillDrainCycles(int64_t rows, int64_t cols) {
  return rows + cols - 2;
}

int64_t arrayPassCycles(int64_t rows, int64_t cols, int64_t vectors) {
  return arrayFillDrainCycles(rows, cols) + vectors;
}

int64_t osFoldCycles(int64_t rows, int64_t cols, int64_t reduction) {
  return 2 * rows + cols + reduction - 2;
}

int64_t portTransferCycles(int64_t bits, int64_t portBits) {
  return (bits + portBits - 1) / portBits;
}

int64_t denseArrayCycles(int64_t rows, int64_t cols, int64_t macs) {
  return arrayPassCycles(rows, cols, (macs + rows * cols - 1) / (rows * cols));
}

void DoubleBufferedPasses::add(int64_t loadCycles, int64_t computeCycles) {
  total += first ? loadCycles : std::max(loadCycles, prevCompute);
  first = false;
  prevCompute = computeCycles;
}

} // namespace spikestack::hw
