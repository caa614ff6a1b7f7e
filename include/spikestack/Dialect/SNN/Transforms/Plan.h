//===- Plan.h - shared queries of the tiling and placement passes -*- C++
//-*-===//
//
// What counts as a compute op, which neurons are fused into their synaptic
// op, the module's target, and the closed-form cost of one column task.
// Used by --snn-tile, --snn-place and every later pass, so they agree.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_DIALECT_SNN_TRANSFORMS_PLAN_H
#define SPIKESTACK_DIALECT_SNN_TRANSFORMS_PLAN_H

#include "spikestack/Dialect/SNN/IR/SNNAttrs.h"
#include "spikestack/Dialect/SNN/IR/SNNLimits.h"
#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Hardware/PhysicalModel.h"
#include "spikestack/Hardware/Target.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseSet.h"

#include <memory>
#include <string>

namespace spikestack::snn {

/// Bits of one element in the hardware: rt::ElemType::bits() of the type
/// (1 for a spike, enough for a count's range, the width of a fixed-point,
/// integer or f32 type), the width of any other float type.
int64_t elementBits(mlir::Type t);

/// Ops that only rename or re-address data (reshape, transpose, concat,
/// constants, empty tensors, terminators): no core runs them.
bool isLayoutOp(mlir::Operation *op);

/// A neuron or snn.dequantize whose input is the single-use result of a
/// synaptic op: it runs on the LIF units of the cores of that op's column
/// tasks, and the synaptic result never leaves the cores.
bool isFusedEpilogue(mlir::Operation *op);
/// The ops of an expert body that get a tiling entry of the experts op, in
/// entry order: synaptic ops and everything that is neither a layout op nor
/// a fused epilogue (directly in the body).
llvm::SmallVector<mlir::Operation *> expertBodyOps(MoeExpertsOp experts);
/// "1.40 MiB" or "56.0 KiB", for diagnostics.
std::string formatBytes(int64_t bytes);
/// Planned ops (needsPlan, in a function body), in program order.
llvm::SmallVector<mlir::Operation *> plannedOps(mlir::ModuleOp module);
/// The planned ops whose results `op` reads, through layout ops and fused
/// epilogues (and from inside `op`'s regions).
llvm::SmallVector<mlir::Operation *> plannedProducers(mlir::Operation *op);
/// The fused epilogue consuming `op`'s result, or null.
mlir::Operation *fusedEpilogue(mlir::Operation *op);
/// Bits of what a planned op stores in memory: the result of its fused
/// epilogue when it has one (spikes, dequantized values), else its own
/// results.
int64_t storedBits(mlir::Operation *op);

/// Ops that must carry snn.tiling (and, after --snn-place, snn.placement):
/// everything directly in a function body that is neither a layout op nor
/// a fused neuron. Ops inside an snn.moe_experts body are planned as part
/// of the experts op.
bool needsPlan(mlir::Operation *op);

/// Checks the tensors `op` reads and writes (and, with `nested`, those of
/// the ops in its regions): ranked, at most limits::kMaxRank dimensions,
/// every size at least 1 (and static when `requireStatic`), at most
/// limits::kMaxTensorElements elements. On failure emits on the op at fault
/// "<pass>: dimension 1 of the weight (tensor<4x0xf32>) is 0; sizes must be
/// at least 1" or the like.
mlir::LogicalResult checkShapes(mlir::Operation *op, llvm::StringRef pass,
                                bool requireStatic, bool nested);

/// checkShapes (static) for the arguments and results of `f` and every op
/// in it: each becomes a value of the program's layer table.
mlir::LogicalResult checkFunctionShapes(mlir::func::FuncOp f,
                                        llvm::StringRef pass);

/// The column tasks and passes (k blocks x bundles per task) of the tilings
/// of `ops`, summed in order: fails on the op that takes the plan past
/// limits::kMaxPlanTasks or limits::kMaxPlanPasses, with the numbers.
mlir::LogicalResult checkPlanWork(llvm::ArrayRef<mlir::Operation *> ops,
                                  llvm::StringRef pass);

/// What every pass after --snn-tile checks first on its input (which may
/// be hand-written): checkFunctionShapes for every function and
/// checkPlanWork for the planned ops.
mlir::LogicalResult checkPlannedModule(mlir::ModuleOp module,
                                       llvm::StringRef pass);

/// Every op of `ops` has an snn.placement whose cores and banks `target`
/// has ("<pass>: op has no snn.placement; run --snn-place first",
/// "<pass>: placement names core 11 but target '3d-mol' has 8 cores").
mlir::LogicalResult checkPlacements(llvm::ArrayRef<mlir::Operation *> ops,
                                    const hw::Target &target,
                                    llvm::StringRef pass);

/// The target named by the module's snn.target, or `fallback` when the
/// module has none. Emits the loader's error on the module on failure, and
/// an error when the target has cores or banks the planner cannot use
/// (arrays larger than limits::kMaxArrayDim, no LIF unit, a bank port
/// narrower than 8 bits).
mlir::FailureOr<std::shared_ptr<const hw::Target>>
loadModuleTarget(mlir::ModuleOp module, llvm::StringRef fallback);

/// The module's target, loaded once per module: an analysis the planning
/// passes query (`getAnalysis<ModuleTarget>().get(module)`) and preserve.
/// It loads the target snn.target names (else hw::kDefaultTarget) with
/// loadModuleTarget on the first query, and again only when snn.target
/// names another target by then (--snn-tile may set it); a failed load is
/// not kept (the next query emits its error again).
class ModuleTarget {
public:
  explicit ModuleTarget(mlir::Operation *) {}
  mlir::FailureOr<std::shared_ptr<const hw::Target>> get(mlir::ModuleOp module);

private:
  std::string name;
  std::shared_ptr<const hw::Target> target;
};

/// The physical model of `target`; emits the builder's error on the module
/// on failure.
mlir::FailureOr<hw::PhysicalModel> buildModuleModel(mlir::ModuleOp module,
                                                    const hw::Target &target);

/// The module's snn.makespan (written by --snn-schedule), or 0.
int64_t moduleMakespan(mlir::ModuleOp module);

/// Closed-form cost of one task of a tiling on a core (its columns, its
/// row tile's vectors, the tiling's dataflow): a dense upper bound (every
/// streamed vector processed; zero skipping is the executor's business).
struct TaskCost {
  int64_t cycles = 0;     ///< held loads + fill/drain + streaming
  int64_t heldBits = 0;   ///< bits of the held operand fetched (per reload)
  int64_t heldBytes = 0;  ///< bytes of the held operand stored once
  int64_t streamBits = 0; ///< input bits streamed into the array
  int64_t outputBits = 0; ///< result bits leaving the core
};
/// `portBits` is the width of the bank port the held operand comes
/// through. Weight-stationary: every k block reloaded per bundle, each pass
/// R + C - 2 + vectors. Output-stationary: per fold of `bundle` vectors,
/// max(2R + C + K - 2, the fold's K x columns weights through the port).
TaskCost taskCost(TilingAttr t, int64_t task, int64_t portBits);
/// Cycles of the same task when the held operand is double-buffered (the
/// next pass's weights load into shadow registers while the current pass
/// computes): the first load, then max(load, compute) per pass. An
/// output-stationary task costs what taskCost says.
int64_t overlappedTaskCycles(TilingAttr t, int64_t task, int64_t portBits);
/// Output columns of task `task` of `t`.
int64_t taskColumns(TilingAttr t, int64_t task);
/// Bytes of weights task `task` of a synaptic tiling keeps in its bank
/// (0 for the other kinds): its columns of every k block, stored once.
int64_t taskWeightBytes(TilingAttr t, int64_t task);

/// The name of the model node an op came from: its snn.onnx_name, else the
/// first name in its location (the importer names ops after their ONNX
/// nodes), else "".
std::string sourceName(mlir::Operation *op);

/// The graph inputs (function arguments) `op` reads, directly or through
/// layout ops (reshapes, transposes, concatenations), in first-use order:
/// what --snn-lower-to-hw loads from DRAM and the plan report counts.
llvm::SmallVector<mlir::Value> graphInputsOf(mlir::Operation *op);
/// Bytes of a static tensor value (elements x elementBits, rounded up);
/// 0 for anything else.
int64_t valueBytes(mlir::Value v);

/// Bytes of the buffer holding `op`'s stored result: ceil(storedBits / 8).
int64_t storedBytes(mlir::Operation *op);
/// The bank of `op`'s result buffer (an index among the target's banks, -1
/// for DRAM): its snn.output_buffer once --snn-allocate ran, else as
/// expected before allocation: DRAM when the result is larger than every
/// bank that may hold activations (it can only spill), else the placed
/// output bank. -1 as well for an op without a stored result.
int64_t expectedResultBank(mlir::Operation *op, const hw::Target &target);
/// One `load input` of a task: from bank `bank` (-1: DRAM), `bytes` bytes,
/// of a graph input (else of a producer's stored result).
struct InputLoad {
  int64_t bank = -1, bytes = 0;
  bool graphInput = false;
};
/// The tasks of `op`'s first tiling that carry its input loads: the first
/// task, in task order, of each (core, row tile) pair of its placement.
/// --snn-lower-to-hw loads a row tile's share once per core, with the
/// first of its tasks in that core's stream, which the schedule orders by
/// task.
llvm::SmallDenseSet<int64_t> inputLoadingTasks(mlir::Operation *op);
/// The input loads --snn-lower-to-hw emits for task `task` of `op`'s first
/// tiling `first` (once per row tile and core): its share
/// (rt::Tiling::inputShare) of each producer's stored result, in the
/// producer's expectedResultBank, then of each graph input it reads, from
/// DRAM.
llvm::SmallVector<InputLoad> taskInputLoads(mlir::Operation *op,
                                            TilingAttr first, int64_t task,
                                            const hw::Target &target);

} // namespace spikestack::snn

#endif
