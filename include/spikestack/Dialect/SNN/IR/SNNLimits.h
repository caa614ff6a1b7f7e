//===- SNNLimits.h - sizes the snn compiler accepts -------------*- C++ -*-===//
//
// The lowering passes (--snn-quantize through --snn-lower-to-hw) reject IR
// beyond these limits with a diagnostic on the op at fault that gives the
// numbers and the limit, instead of overflowing int64, allocating without
// bound or running for hours. The per-program limits mirror what the
// program verifier (rt::verifyProgram, lib/Runtime/Program.cpp) accepts, so
// that every plan the passes produce can be exported; the per-module ones
// bound the passes' own work. docs/robustness.md lists them.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_DIALECT_SNN_IR_SNNLIMITS_H
#define SPIKESTACK_DIALECT_SNN_IR_SNNLIMITS_H

#include "mlir/IR/BuiltinTypes.h"

#include <cstdint>
#include <optional>
#include <string>

namespace spikestack::snn::limits {

/// Elements of one tensor (2^28) and its rank, as in a program's layer
/// table.
inline constexpr int64_t kMaxTensorElements = int64_t(1) << 28;
inline constexpr int64_t kMaxRank = 16;

/// A tiling (#snn.tiling): array rows and columns, the product's sizes, its
/// column tasks, passes per task (k blocks x bundles) and streamed vectors
/// (groups x vectors x k blocks).
inline constexpr int64_t kMaxArrayDim = 4096;
inline constexpr int64_t kMaxTilingSize = int64_t(1) << 28;
inline constexpr int64_t kMaxGroups = int64_t(1) << 20;
inline constexpr int64_t kMaxTasks = int64_t(1) << 20;
inline constexpr int64_t kMaxPassesPerTask = int64_t(1) << 24;
inline constexpr int64_t kMaxStreamed = int64_t(1) << 28;

/// A whole plan: column tasks and passes (one held-operand block of one
/// bundle) over all ops, bounding the placer's and scheduler's work (at the
/// limits, about 25 s for 2^20 tasks, most of it printing 300 MB of
/// instructions, and 4 s of scheduling for 2^30 passes); and the bytes a
/// program may address (DRAM offsets, spilled results). With these, every
/// cycle count and bit count of the cost model stays below 2^62.
inline constexpr int64_t kMaxPlanTasks = int64_t(1) << 20;
inline constexpr int64_t kMaxPlanPasses = int64_t(1) << 30;
/// Planned ops (layers), and tasks times the layers each task reads
/// (the scheduler orders every task after each of its producers); the
/// allocator's first fit is quadratic in the layers (2^16 results all
/// live to the end take about 5 s).
inline constexpr int64_t kMaxPlanOps = int64_t(1) << 16;
inline constexpr int64_t kMaxPlanTaskInputs = int64_t(1) << 30;
inline constexpr int64_t kMaxAddress = int64_t(1) << 48;

/// The product of `shape`, or nullopt when a size is negative (dynamic) or
/// the product exceeds `limit` (checked: no int64 overflow).
inline std::optional<int64_t> boundedProduct(llvm::ArrayRef<int64_t> shape,
                                             int64_t limit) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d != 0 && n > limit / d))
      return std::nullopt;
    n *= d;
  }
  return n;
}

/// "2^28" for a power of two, the decimal number otherwise (messages).
inline std::string formatLimit(int64_t v) {
  if (v > 0 && (v & (v - 1)) == 0 && v >= 1024)
    return std::to_string(v) + " (2^" +
           std::to_string(63 - __builtin_clzll(uint64_t(v))) + ")";
  return std::to_string(v);
}

} // namespace spikestack::snn::limits

#endif
