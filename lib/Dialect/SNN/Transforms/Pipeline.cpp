//===- Pipeline.cpp - the named --snn-to-hw pipeline ----------------------===//
//
// fold-layout, quantize, tile, place, schedule, allocate, lower-to-hw (and
// the plan report), as one snn-opt pipeline with its options.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Dialect/SNN/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace spikestack::snn {
namespace {

struct SNNToHWOptions : public PassPipelineOptions<SNNToHWOptions> {
  Option<std::string> target{*this, "target",
                             llvm::cl::desc("Target preset or file"),
                             llvm::cl::init("3d-mol")};
  Option<int64_t> weightBits{*this, "weight-bits",
                             llvm::cl::desc("Bits per weight, 2..8"),
                             llvm::cl::init(8)};
  Option<uint64_t> seed{*this, "seed",
                        llvm::cl::desc("Placement tie-break seed"),
                        llvm::cl::init(0)};
  Option<bool> doubleBuffer{
      *this, "double-buffer",
      llvm::cl::desc("Overlap held-operand loads with compute"),
      llvm::cl::init(true)};
  Option<bool> spill{*this, "spill",
                     llvm::cl::desc("Spill results that fit no activation "
                                    "bank to DRAM"),
                     llvm::cl::init(true)};
  Option<std::string> planReport{
      *this, "plan-report",
      llvm::cl::desc("Write the static plan report (JSON) to this file"),
      llvm::cl::init("")};
};

void buildSNNToHW(OpPassManager &pm, const SNNToHWOptions &o) {
  pm.addPass(createSNNFoldLayout());
  SNNQuantizeOptions q;
  q.weightBits = o.weightBits;
  pm.addPass(createSNNQuantize(q));
  SNNTileOptions t;
  t.target = o.target;
  pm.addPass(createSNNTile(t));
  SNNPlaceOptions p;
  p.seed = o.seed;
  pm.addPass(createSNNPlace(p));
  SNNScheduleOptions s;
  s.doubleBuffer = o.doubleBuffer;
  pm.addPass(createSNNSchedule(s));
  SNNAllocateOptions a;
  a.spill = o.spill;
  pm.addPass(createSNNAllocate(a));
  if (!o.planReport.empty()) {
    SNNPlanReportOptions r;
    r.file = o.planReport;
    pm.addPass(createSNNPlanReport(r));
  }
  pm.addPass(createSNNLowerToHW());
}

} // namespace

void registerSNNPipelines() {
  PassPipelineRegistration<SNNToHWOptions>(
      "snn-to-hw",
      "The whole lowering: fold-layout, quantize, tile, place, schedule, "
      "allocate (plan report), lower-to-hw",
      buildSNNToHW);
}

} // namespace spikestack::snn
