//===- Placer.h - tiles on cores, weights in banks ----------*- C++ -*-===//
//
// The placement algorithm of --snn-place (Passes.td describes it): for
// every task of every planned op, the core that finishes it first under a
// dependency-aware list schedule (--snn-schedule's start rule), the weight
// bank with room under the least port pressure
// (bits already assigned to it plus the task's, over ports x width; the
// layer's tasks on other cores count twice there so that they spread),
// and the activation bank of the op's result, also by port pressure;
// path energy from the target's physical model, then the seed, break
// ties. When spreading leaves a task without a bank, the placement is
// redone nearest bank first before a layer is demoted to streamed.
// Writes snn.placement.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_LIB_DIALECT_SNN_TRANSFORMS_PLANNING_PLACER_H
#define SPIKESTACK_LIB_DIALECT_SNN_TRANSFORMS_PLANNING_PLACER_H

#include "spikestack/Hardware/Target.h"

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <memory>

namespace spikestack::snn {

class Placer {
public:
  /// `seed` (non-negative) breaks ties between equally good choices.
  Placer(mlir::MLIRContext *ctx, int64_t seed);
  ~Placer();

  /// Places every planned op of `module` (which must carry snn.tiling) on
  /// `target`. Emits the error on the op or module at fault and fails when
  /// the weights do not fit, a pin names nothing, or the plan is too large
  /// to weigh.
  mlir::LogicalResult run(mlir::ModuleOp module,
                          std::shared_ptr<const hw::Target> target);

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace spikestack::snn

#endif
