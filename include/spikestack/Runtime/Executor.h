//===- Executor.h - reference cycle-level executor --------------*- C++ -*-===//
//
// Runs a compiled Program on a Target: the layer table functionally, with
// the reference kernels (bit-exact with the interpreter on the quantized
// IR), then the per-core instruction streams through a cycle-level model
// of the cores, SRAM bank ports, vertical links, wires, DRAM and barriers,
// charging every action its energy from the target's technology table.
// Semantics and cost formulas: docs/isa.md. No MLIR.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_RUNTIME_EXECUTOR_H
#define SPIKESTACK_RUNTIME_EXECUTOR_H

#include "spikestack/Hardware/PhysicalModel.h"
#include "spikestack/Hardware/Target.h"
#include "spikestack/Runtime/Program.h"
#include "spikestack/Support/Npy.h"

#include "absl/status/statusor.h"

#include <memory>
#include <string>
#include <vector>

namespace spikestack::rt {

/// A stable hash of everything in a target that the compiled program depends
/// on (tiers, blocks, links, clock, technology values); not the DRAM level
/// (Target::dram, the dram_* technology values), which changes no
/// instruction: a program runs on targets that differ only in their DRAM.
uint64_t targetFingerprint(const hw::Target &target);

struct RunOptions {
  bool trace = false;            ///< record Chrome trace events
  int64_t maxTraceEvents = 2000000;
  int64_t maxElements = int64_t(1) << 28; ///< per tensor
  /// Bandwidth-calendar buckets (16 cycles of one bank, link or the DRAM
  /// channel) the timing model may visit in one run: bounds its time and
  /// memory (2^25: ~2 GB, ~13 s). The shipped models need ~10^5,
  /// spikformer-4-384 ~1.3 * 10^6.
  int64_t maxCalendarBuckets = int64_t(1) << 25;
  /// Operations the layer table may need (multiply-accumulates, pooling
  /// window reads and element operations, estimated from the shapes before
  /// the run): bounds the functional run's time (2^38: a few minutes; the
  /// shipped models need ~3 * 10^8, an ImageNet-size Spikformer ~10^11).
  int64_t maxOperations = int64_t(1) << 38;
};

struct RunResult {
  std::vector<ref::Tensor> outputs; ///< one per graph output
  std::string reportJson;           ///< docs/isa.md, "Report"
  std::string summary;              ///< human-readable table
  std::string traceJson;            ///< when RunOptions::trace
  int64_t cycles = 0;
  double energyPj = 0;
};

class Executor {
public:
  /// Checks that `program` was compiled for `target` (fingerprint) and that
  /// every core, bank and address it names exists on it.
  static absl::StatusOr<std::unique_ptr<Executor>>
  create(Program program, hw::Target target);

  const Program &program() const { return prog; }
  const hw::Target &target() const { return tgt; }

  /// Runs one inference. `inputs` match the main graph's inputs in order
  /// (shapes, element ranges and finiteness are checked).
  absl::StatusOr<RunResult> run(const std::vector<ref::Tensor> &inputs,
                                const RunOptions &options = {}) const;

  /// The static estimate of the program: the same timing model with no
  /// inputs and no functional evaluation, as if every streamed vector had
  /// a spike in every k block and every expert task had routed tokens
  /// (the dense case the compiler plans for). `outputs` stay empty; the
  /// report says `"dense": true` and has no firing rates.
  absl::StatusOr<RunResult> estimate(const RunOptions &options = {}) const;

private:
  Executor(Program p, hw::Target t) : prog(std::move(p)), tgt(std::move(t)) {}
  Program prog;
  hw::Target tgt;
  std::unique_ptr<hw::PhysicalModel> model;
};

/// .npy <-> tensor conversion for a value of the layer table (the same
/// rules as the interpreter: spike -> uint8, count and fixed -> int32 raw,
/// f32 -> float32, iN -> int32/int64, i1 -> bool).
absl::StatusOr<ref::Tensor> tensorFromNpy(const NpyArray &array,
                                          const ValueInfo &type);
absl::StatusOr<NpyArray> tensorToNpy(const ref::Tensor &tensor,
                                     const ElemType &type);

/// Fails when `t` holds a NaN or an infinity, naming `what`, the flat index
/// and value of the first such element and how many there are. No layer
/// takes them (a quantizer would saturate an infinity silently and a NaN
/// has no fixed-point value), so every input of Executor::run and of the
/// interpreter (snn-run --interpret) must be finite.
absl::Status checkFinite(const ref::Tensor &t, const std::string &what);

} // namespace spikestack::rt

#endif
