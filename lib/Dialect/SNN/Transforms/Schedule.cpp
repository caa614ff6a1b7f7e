//===- Schedule.cpp - per-core order, double buffering, barriers ----------===//
//
// --snn-schedule: see Passes.td; the algorithm is Planning/Scheduler.
//
//===----------------------------------------------------------------------===//
#include "Planning/Scheduler.h"

#include "spikestack/Dialect/SNN/Transforms/Passes.h"
#include "spikestack/Dialect/SNN/Transforms/Plan.h"

namespace spikestack::snn {
#define GEN_PASS_DEF_SNNSCHEDULE
#include "spikestack/Dialect/SNN/Transforms/Passes.h.inc"
} // namespace spikestack::snn

using namespace mlir;
using namespace spikestack;
using namespace spikestack::snn;

namespace {

struct Schedule : public snn::impl::SNNScheduleBase<Schedule> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto t = getAnalysis<ModuleTarget>().get(module);
    markAnalysesPreserved<ModuleTarget>();
    if (failed(t) ||
        failed(Scheduler(&getContext(), doubleBuffer).run(module, *t)))
      return signalPassFailure();
  }
};

} // namespace
