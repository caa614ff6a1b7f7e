//===- Scheduler.h - per-core order, double buffering, barriers -*- C++ -*-===//
//
// The scheduling algorithm of --snn-schedule (Passes.td describes it):
// list scheduling of the placed column tasks in program order, each core
// running its tasks in order, with barriers where a result crosses cores
// and the closed-form task costs of Plan.h (double-buffered or not).
// Writes snn.schedule, snn.wait, snn.barrier and the module's
// snn.makespan.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_LIB_DIALECT_SNN_TRANSFORMS_PLANNING_SCHEDULER_H
#define SPIKESTACK_LIB_DIALECT_SNN_TRANSFORMS_PLANNING_SCHEDULER_H

#include "spikestack/Hardware/Target.h"

#include "mlir/IR/BuiltinOps.h"

#include <memory>

namespace spikestack::snn {

class Scheduler {
public:
  /// With `doubleBuffer`, held-operand loads overlap the previous pass.
  Scheduler(mlir::MLIRContext *ctx, bool doubleBuffer);
  ~Scheduler();

  /// Schedules every planned op of `module` (which must carry snn.tiling
  /// and snn.placement for `target`). Emits the error on the op or module
  /// at fault and fails on a bad placement or a schedule past 2^62 cycles.
  mlir::LogicalResult run(mlir::ModuleOp module,
                          std::shared_ptr<const hw::Target> target);

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace spikestack::snn

#endif
