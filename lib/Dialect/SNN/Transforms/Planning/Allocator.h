//===- Allocator.h - banks and offsets with liveness-based reuse -*- C++ -*-===//
//
// The allocation algorithm of --snn-allocate (Passes.td describes it):
// weights resident in their placed banks, filled in program order; each
// result in the first activation bank with room over its live range (from
// its op's first task to its last consumer), reusing space whose live
// ranges do not overlap, or spilled to DRAM. Writes snn.weight_offsets
// and snn.output_buffer.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_LIB_DIALECT_SNN_TRANSFORMS_PLANNING_ALLOCATOR_H
#define SPIKESTACK_LIB_DIALECT_SNN_TRANSFORMS_PLANNING_ALLOCATOR_H

#include "spikestack/Hardware/Target.h"

#include "mlir/IR/BuiltinOps.h"

#include <memory>

namespace spikestack::snn {

class Allocator {
public:
  /// With `spill`, a result that fits no activation bank goes to DRAM (a
  /// remark with `remarks`); without it that is an error.
  Allocator(mlir::MLIRContext *ctx, bool spill, bool remarks);
  ~Allocator();

  /// Allocates the weights and results of every planned op of `module`
  /// (which must carry snn.placement and snn.schedule for `target`). Emits
  /// the error on the op or module at fault and fails when something does
  /// not fit.
  mlir::LogicalResult run(mlir::ModuleOp module,
                          std::shared_ptr<const hw::Target> target);

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace spikestack::snn

#endif
