//===- Passes.h - snn lowering passes ---------------------------*- C++ -*-===//
#ifndef SPIKESTACK_DIALECT_SNN_TRANSFORMS_PASSES_H
#define SPIKESTACK_DIALECT_SNN_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"
#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Dialect/SNNHW/IR/SNNHW.h"
#include "spikestack/Hardware/Target.h"

#include <cstdint>
#include <memory>
#include <string>

namespace spikestack::snn {

/// An integer option in [Lo, Hi]: its own type, so that its parser (below)
/// can say what is allowed.
template <int64_t Lo, int64_t Hi>
struct BoundedInt {
  int64_t value = 0;
  operator int64_t() const { return value; }
};

} // namespace spikestack::snn

/// Parses a BoundedInt: "-1", "abc" or "99999999999999999999" for --seed
/// give "for the --seed option: must be an integer from 0 to
/// 9223372036854775807, got '-1'" instead of llvm::cl's "'-1' value invalid
/// for ulong argument!".
template <int64_t Lo, int64_t Hi>
class llvm::cl::parser<spikestack::snn::BoundedInt<Lo, Hi>>
    : public llvm::cl::basic_parser<spikestack::snn::BoundedInt<Lo, Hi>> {
public:
  using Value = spikestack::snn::BoundedInt<Lo, Hi>;
  parser(Option &o) : basic_parser<Value>(o) {}
  bool parse(Option &o, StringRef, StringRef arg, Value &v) {
    if (!arg.trim().getAsInteger(10, v.value) && v.value >= Lo && v.value <= Hi)
      return false;
    return o.error("must be an integer from " + llvm::Twine(Lo) + " to " +
                   llvm::Twine(Hi) + ", got '" + arg + "'");
  }
  StringRef getValueName() const override { return "int"; }
  void printOptionDiff(const Option &o, const Value &,
                       const OptionValue<Value> &, size_t width) const {
    this->printOptionNoValue(o, width);
  }
};

namespace spikestack::snn {

#define GEN_PASS_DECL
#include "spikestack/Dialect/SNN/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "spikestack/Dialect/SNN/Transforms/Passes.h.inc"

/// Options of the --snn-to-hw pipeline.
struct SNNToHWOptions : public mlir::PassPipelineOptions<SNNToHWOptions> {
  Option<std::string> target{*this, "target",
                             llvm::cl::desc("Target preset or file"),
                             llvm::cl::init(hw::kDefaultTarget)};
  Option<BoundedInt<2, 8>> weightBits{
      *this, "weight-bits", llvm::cl::desc("Bits per weight, 2..8"),
      llvm::cl::init(BoundedInt<2, 8>{8})};
  Option<BoundedInt<0, INT64_MAX>> seed{
      *this, "seed",
      llvm::cl::desc("Placement tie-break seed, a non-negative integer"),
      llvm::cl::init(BoundedInt<0, INT64_MAX>{0})};
  Option<std::string> dataflow{
      *this, "dataflow",
      llvm::cl::desc("Dataflow of the synaptic products: auto, "
                     "weight_stationary or output_stationary"),
      llvm::cl::init("auto")};
  Option<double> headKeepRatio{
      *this, "head-keep-ratio",
      llvm::cl::desc("Dynamic head pruning: share of the heads each "
                     "attention keeps, in (0, 1] (--snn-prune-heads); 0: "
                     "no pruning"),
      llvm::cl::init(0.0)};
  Option<bool> rowTiles{
      *this, "row-tiles",
      llvm::cl::desc("Split products along their streamed vectors"),
      llvm::cl::init(true)};
  Option<bool> doubleBuffer{
      *this, "double-buffer",
      llvm::cl::desc("Overlap held-operand loads with compute"),
      llvm::cl::init(true)};
  Option<bool> spill{
      *this, "spill",
      llvm::cl::desc("Spill results that fit no activation bank to DRAM"),
      llvm::cl::init(true)};
  Option<std::string> planReport{
      *this, "plan-report",
      llvm::cl::desc("Write the static plan report (JSON) to this file"),
      llvm::cl::init("")};
};

/// Adds the whole lowering to `pm`: fold-layout, quantize, tile, place,
/// schedule, allocate, (plan report when `options.planReport` is set),
/// lower-to-hw. Used by --snn-to-hw and by snn-compile.
void buildSNNToHWPipeline(mlir::OpPassManager &pm,
                          const SNNToHWOptions &options);

/// Registers --snn-to-hw="target=... weight-bits=... plan-report=FILE".
void registerSNNPipelines();

} // namespace spikestack::snn

#endif
