//===- Allocate.cpp - banks and offsets with liveness-based reuse ---------===//
//
// --snn-allocate: see Passes.td; the algorithm is Planning/Allocator.
//
//===----------------------------------------------------------------------===//
#include "Planning/Allocator.h"

#include "spikestack/Dialect/SNN/Transforms/Passes.h"
#include "spikestack/Dialect/SNN/Transforms/Plan.h"

namespace spikestack::snn {
#define GEN_PASS_DEF_SNNALLOCATE
#include "spikestack/Dialect/SNN/Transforms/Passes.h.inc"
} // namespace spikestack::snn

using namespace mlir;
using namespace spikestack;
using namespace spikestack::snn;

namespace {

struct Allocate : public snn::impl::SNNAllocateBase<Allocate> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto t = getAnalysis<ModuleTarget>().get(module);
    markAnalysesPreserved<ModuleTarget>();
    if (failed(t) ||
        failed(Allocator(&getContext(), spill, remarks).run(module, *t)))
      return signalPassFailure();
  }
};

} // namespace
