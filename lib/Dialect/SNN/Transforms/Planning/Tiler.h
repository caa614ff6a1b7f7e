//===- Tiler.h - compute ops cut into array-sized tiles -----*- C++ -*-===//
//
// The tiling algorithm of --snn-tile (Passes.td describes it): for every
// planned op, the products it runs on the core arrays (synaptic layers,
// the two products of spiking self-attention) and the work it runs on the
// LIF units, each cut to the target's array size and bundled so that a
// bundle's partial sums fit the scratchpad. Writes snn.tiling.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_LIB_DIALECT_SNN_TRANSFORMS_PLANNING_TILER_H
#define SPIKESTACK_LIB_DIALECT_SNN_TRANSFORMS_PLANNING_TILER_H

#include "spikestack/Dialect/SNN/IR/SNNAttrs.h"
#include "spikestack/Hardware/Target.h"

#include "mlir/IR/BuiltinOps.h"

namespace spikestack::snn {

class Tiler {
public:
  explicit Tiler(mlir::MLIRContext *ctx) : ctx(ctx) {}

  /// Takes the cores of `target`, which must all have the same arrays, LIF
  /// units and scratchpad (else the error is on `module`).
  mlir::LogicalResult setCores(mlir::ModuleOp module,
                               const hw::Target &target);

  /// Tiles every planned op of `module` for those cores. Emits the error
  /// on the op or function at fault and fails when a shape cannot be
  /// planned, a tiling exceeds the limits of SNNLimits.h or the plan is
  /// too large.
  mlir::LogicalResult run(mlir::ModuleOp module);

private:
  mlir::LogicalResult tileOp(mlir::Operation *op,
                             llvm::SmallVectorImpl<mlir::Attribute> &out);
  mlir::LogicalResult synaptic(mlir::Operation *op, int64_t experts,
                               llvm::SmallVectorImpl<mlir::Attribute> &out);
  mlir::LogicalResult attention(mlir::Operation *op,
                                llvm::SmallVectorImpl<mlir::Attribute> &out);
  mlir::LogicalResult experts(mlir::Operation *op,
                              llvm::SmallVectorImpl<mlir::Attribute> &out);
  mlir::LogicalResult product(mlir::Operation *op,
                              llvm::SmallVectorImpl<mlir::Attribute> &out,
                              TileKind kind, int64_t reduction, int64_t outputs,
                              int64_t groups, int64_t vectors, int64_t steps,
                              int64_t accBits, int64_t heldBits) const;
  mlir::LogicalResult vector(mlir::Operation *op,
                             llvm::SmallVectorImpl<mlir::Attribute> &out,
                             int64_t elements, int64_t groups = 1) const;
  int64_t bundleFor(int64_t vectors, int64_t steps, int64_t accBits) const;

  int64_t columnsFor(TileKind kind, int64_t reduction, int64_t heldBits) const;

  mlir::MLIRContext *ctx;
  hw::CoreSpec core;
  /// The largest weight-capable bank: a column task's weights must fit it.
  int64_t largestWeightBank = INT64_MAX;
};

} // namespace spikestack::snn

#endif
