//===- PruneHeads.cpp - dynamic head pruning (D3) -------------------------===//
//
// --snn-prune-heads: sets head_keep_ratio on every snn.spiking_attention
// (Passes.td describes the pass, SNNOps.td the run-time semantics).
//
//===----------------------------------------------------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

#include <cmath>

namespace spikestack::snn {
#define GEN_PASS_DEF_SNNPRUNEHEADS
#include "spikestack/Dialect/SNN/Transforms/Passes.h.inc"
} // namespace spikestack::snn

using namespace mlir;
using namespace spikestack::snn;

namespace {

struct SNNPruneHeadsPass
    : public spikestack::snn::impl::SNNPruneHeadsBase<SNNPruneHeadsPass> {
  using SNNPruneHeadsBase::SNNPruneHeadsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    const double ratio = keepRatio;
    if (!(ratio > 0.0 && ratio <= 1.0)) {
      module.emitError() << "snn-prune-heads: keep-ratio must be in (0, 1], "
                            "got "
                         << ratio;
      return signalPassFailure();
    }
    Builder b(&getContext());
    int64_t pruned = 0;
    module.walk([&](SpikingAttentionOp op) {
      op.setHeadKeepRatioAttr(b.getF64FloatAttr(ratio));
      ++pruned;
    });
    if (pruned == 0)
      module.emitWarning()
          << "snn-prune-heads: keep-ratio=" << ratio
          << " has no effect: the module has no snn.spiking_attention";
  }
};

} // namespace
