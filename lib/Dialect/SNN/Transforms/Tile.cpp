//===- Tile.cpp - cut every compute op into array-sized tiles -------------===//
//
// --snn-tile: see Passes.td; the algorithm is Planning/Tiler.
//
//===----------------------------------------------------------------------===//
#include "Planning/Tiler.h"

#include "spikestack/Dialect/SNN/Transforms/Passes.h"
#include "spikestack/Dialect/SNN/Transforms/Plan.h"

namespace spikestack::snn {
#define GEN_PASS_DEF_SNNTILE
#include "spikestack/Dialect/SNN/Transforms/Passes.h.inc"
} // namespace spikestack::snn

using namespace mlir;
using namespace spikestack;
using namespace spikestack::snn;

namespace {

struct Tile : public snn::impl::SNNTileBase<Tile> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    if (!target.empty())
      module->setAttr(kTargetAttr, StringAttr::get(ctx, target));
    auto t = getAnalysis<ModuleTarget>().get(module);
    markAnalysesPreserved<ModuleTarget>();
    if (failed(t))
      return signalPassFailure();
    Tiler tiler(ctx);
    tiler.setOptions(dataflow, rowTiles);
    if (failed(tiler.setCores(module, **t)))
      return signalPassFailure();
    if (!module->getAttr(kTargetAttr))
      module->setAttr(kTargetAttr, StringAttr::get(ctx, hw::kDefaultTarget));
    if (failed(tiler.run(module)))
      signalPassFailure();
  }
};

} // namespace
