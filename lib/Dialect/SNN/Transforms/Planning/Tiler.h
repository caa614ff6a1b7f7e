//===- Tiler.h - compute ops cut into array-sized tiles -----*- C++ -*-===//
//
// The tiling algorithm of --snn-tile (Passes.td describes it): for every
// planned op, the products it runs on the core arrays (synaptic layers,
// the two products of spiking self-attention) and the work it runs on the
// LIF units, each cut to the target's array size and bundled so that a
// bundle's partial sums fit the scratchpad. Per synaptic product it picks
// the dataflow (among the cores' supported ones) and the row tiles by the
// estimate ceil(tasks / cores) x taskCost(task 0), in two phases: every
// product unsplit first, then row tiles granted from the weight banks'
// spare capacity or, when the unsplit model already exceeds the banks'
// budget (it streams weights from DRAM), where the split shortens the
// layer's time (the longer of its rounds and its weight fetches) by more
// than the DRAM time of its extra copies. Writes
// snn.tiling.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_LIB_DIALECT_SNN_TRANSFORMS_PLANNING_TILER_H
#define SPIKESTACK_LIB_DIALECT_SNN_TRANSFORMS_PLANNING_TILER_H

#include "spikestack/Dialect/SNN/IR/SNNAttrs.h"
#include "spikestack/Hardware/Target.h"

#include "mlir/IR/BuiltinOps.h"

#include <optional>

namespace spikestack::snn {

class Tiler {
public:
  explicit Tiler(mlir::MLIRContext *ctx) : ctx(ctx) {}

  /// The user's restrictions (--snn-tile options): `dataflow` "auto",
  /// "weight_stationary" or "output_stationary" for the synaptic products;
  /// `rowTiles` false: no product is row-split. Call before setCores.
  void setOptions(llvm::StringRef dataflow, bool rowTiles) {
    forcedDataflow = dataflow.str();
    allowRowTiles = rowTiles;
  }

  /// Takes the cores of `target`, which must all have the same arrays, LIF
  /// units and scratchpad and share a dataflow (else the error is on
  /// `module`), and its weight banks (ports, capacity).
  mlir::LogicalResult setCores(mlir::ModuleOp module,
                               const hw::Target &target);

  /// Tiles every planned op of `module` for those cores. Emits the error
  /// on the op or function at fault and fails when a shape cannot be
  /// planned, a tiling exceeds the limits of SNNLimits.h or the plan is
  /// too large.
  mlir::LogicalResult run(mlir::ModuleOp module);

private:
  /// One candidate tiling of a product and its estimated layer time.
  struct Choice {
    TilingAttr tiling;
    int64_t cycles = 0;
  };
  /// A synaptic product of phase one: its best choice per row-tile count
  /// (choices[r - 1]; choices[0] is the unsplit one written in phase one)
  /// and the one phase two settled on.
  struct Layer {
    mlir::Operation *op = nullptr; ///< the op carrying the snn.tiling
    unsigned index = 0;            ///< the entry in its snn.tiling
    int64_t weightBytes = 0;       ///< all tasks' weights, unsplit
    int64_t producers = 0;         ///< layers its op reads (plan limits)
    llvm::SmallVector<Choice> choices;
    unsigned current = 0;
  };

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
                              int64_t accBits, int64_t heldBits);
  mlir::LogicalResult vector(mlir::Operation *op,
                             llvm::SmallVectorImpl<mlir::Attribute> &out,
                             int64_t elements, int64_t groups = 1) const;
  /// Row tiles for the element-wise work of `op` (tiling `t`), see .cpp.
  TilingAttr elementwiseRowTiles(mlir::Operation *op, TilingAttr t) const;
  int64_t bundleFor(int64_t vectors, int64_t steps, int64_t accBits) const;
  int64_t foldFor(int64_t vectors, int64_t steps) const;
  int64_t columnsFor(TileKind kind, int64_t reduction, int64_t heldBits) const;

  /// `t` with dataflow `d`, `bundle` vectors per bundle / fold and `r` row
  /// tiles, or nothing when a row tile would be empty or the tiling has
  /// too many tasks.
  std::optional<TilingAttr> variant(TilingAttr t, Dataflow d, int64_t bundle,
                                    int64_t r) const;
  /// Estimated layer time: ceil(tasks / cores) x taskCost(task 0).
  int64_t estimate(TilingAttr t) const;
  /// The synaptic product `ws` (weight-stationary, unsplit) as a Layer:
  /// per row-tile count the fastest supported dataflow.
  Layer synapticChoices(TilingAttr ws, int64_t steps) const;
  /// An attention product's tiling: weight-stationary, row tiles when its
  /// column tasks leave cores idle.
  TilingAttr attentionRowTiles(TilingAttr ws) const;
  /// Phase two: row tiles within the weight budget, or by their DRAM cost
  /// when the model exceeds it (see Passes.td).
  mlir::LogicalResult grantRowTiles(mlir::ModuleOp module);
  /// The best upgrade of layer `l` within the plan limits: within the
  /// model's budget (`dramCyclesPerByte` 0), one whose extra weights fit
  /// `spareBytes`, keyed by cycles saved per extra byte; over it, one that
  /// shortens max(rounds, copies x bytes x `dramCyclesPerByte`) by more
  /// than the extra copies' DRAM time, keyed by that net saving. (key,
  /// choice index).
  std::optional<std::pair<double, unsigned>>
  bestUpgrade(const Layer &l, int64_t spareBytes,
              double dramCyclesPerByte) const;

  mlir::MLIRContext *ctx;
  hw::CoreSpec core;
  /// Dataflows every core supports.
  bool weightStationary = true, outputStationary = false;
  /// Of those, the ones the synaptic products may take (setOptions).
  bool synapticWS = true, synapticOS = false;
  std::string forcedDataflow = "auto";
  bool allowRowTiles = true;
  int64_t numCores = 1;
  /// The largest weight-capable bank: a column task's weights must fit it.
  int64_t largestWeightBank = INT64_MAX;
  /// Ports of the held operands: the widest weight-capable bank (synaptic
  /// products) and activation-capable bank (attention), as the placer.
  int64_t weightPort = 8, activationPort = 8;
  /// 85 % of the weight-capable banks' bytes: the row tiles' budget.
  int64_t weightBudget = 0;
  /// The target (setCores): its DRAM rate prices row tiles of a model
  /// over the budget.
  const hw::Target *target = nullptr;
  /// The synaptic products of phase one, in program order.
  llvm::SmallVector<Layer> layers;
  /// Plan totals as checkPlanWork counts them (row tiles must keep them
  /// within SNNLimits.h).
  int64_t planTasks = 0, planPasses = 0, planInputs = 0;
};

} // namespace spikestack::snn

#endif
