//===- Place.cpp - put tiles on cores and buffers in banks ----------------===//
//
// --snn-place: see Passes.td; the algorithm is Planning/Placer.
//
//===----------------------------------------------------------------------===//
#include "Planning/Placer.h"

#include "spikestack/Dialect/SNN/Transforms/Passes.h"
#include "spikestack/Dialect/SNN/Transforms/Plan.h"

namespace spikestack::snn {
#define GEN_PASS_DEF_SNNPLACE
#include "spikestack/Dialect/SNN/Transforms/Passes.h.inc"
} // namespace spikestack::snn

using namespace mlir;
using namespace spikestack;
using namespace spikestack::snn;

namespace {

struct Place : public snn::impl::SNNPlaceBase<Place> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (seed < 0) {
      mlir::emitError(module.getLoc())
          << "snn-place: seed must be a non-negative integer, got "
          << int64_t(seed);
      return signalPassFailure();
    }
    auto t = getAnalysis<ModuleTarget>().get(module);
    markAnalysesPreserved<ModuleTarget>();
    if (failed(t) || failed(Placer(&getContext(), seed).run(module, *t)))
      return signalPassFailure();
  }
};

} // namespace
