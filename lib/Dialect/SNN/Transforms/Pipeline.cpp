//===- Pipeline.cpp - the named --snn-to-hw pipeline ----------------------===//
//
// (prune-heads,) fold-layout, quantize, tile, place, schedule, allocate,
// lower-to-hw (and the plan report): buildSNNToHWPipeline, which snn-compile calls, and the
// --snn-to-hw pipeline registered for snn-opt; the options are in Passes.h.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Dialect/SNN/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace spikestack::snn {

void buildSNNToHWPipeline(OpPassManager &pm, const SNNToHWOptions &o) {
  if (o.headKeepRatio != 0.0) {
    SNNPruneHeadsOptions h;
    h.keepRatio = o.headKeepRatio;
    pm.addPass(createSNNPruneHeads(h));
  }
  pm.addPass(createSNNFoldLayout());
  SNNQuantizeOptions q;
  q.weightBits = o.weightBits.getValue();
  pm.addPass(createSNNQuantize(q));
  SNNTileOptions t;
  t.target = o.target;
  t.dataflow = o.dataflow;
  t.rowTiles = o.rowTiles;
  pm.addPass(createSNNTile(t));
  SNNPlaceOptions p;
  p.seed = o.seed.getValue();
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

void registerSNNPipelines() {
  PassPipelineRegistration<SNNToHWOptions>(
      "snn-to-hw",
      "The whole lowering: fold-layout, quantize, tile, place, schedule, "
      "allocate (plan report), lower-to-hw",
      buildSNNToHWPipeline);
}

} // namespace spikestack::snn
