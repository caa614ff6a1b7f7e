//===- HeadPruning.h - what dynamic head pruning skips ----------*- C++ -*-===//
//
// Dynamic head pruning (head_keep_ratio, docs/isa.md "Head pruning") in
// the timing model: which groups of a pruned SSA attention's products and
// which column tasks of its K and V projections do not run, from the heads
// each batch element keeps. MLIR-free, like the rest of the executor.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_LIB_RUNTIME_HEADPRUNING_H
#define SPIKESTACK_LIB_RUNTIME_HEADPRUNING_H

#include "Functional.h"

#include "spikestack/Runtime/Program.h"

#include <vector>

namespace spikestack::rt {

/// A K or V projection whose column tasks a pruned attention decides: the
/// synaptic layer `layer` whose result (through its fused neuron and
/// reshapes that keep the channel dimension, used by nothing else) is
/// operand 1 or 2 of the SSA attention of layer `attention`, computed
/// after the layer of its queries (the scores must exist first).
struct PrunedProjection {
  int32_t layer = -1, attention = -1;
  int64_t heads = 0, channels = 0;
};
std::vector<PrunedProjection> prunedProjections(const Program &p);

/// The heads kept per batch element of SSA attention layer `l`, as the
/// dense estimate assumes them: heads 0 .. ceil(p x heads) - 1 (how many
/// run is static, which ones depends on the input). Empty if `l` is not a
/// pruned SSA attention.
std::vector<std::vector<int64_t>> denseKeptHeads(const Program &p, size_t l);

/// Marks the pruned groups of every tiling of attention layer `l` and
/// keeps `kept` for the report.
void markPrunedHeads(const Program &p, size_t l,
                     std::vector<TilingActivity> &tilings,
                     const std::vector<std::vector<int64_t>> &kept);

/// Marks the column tasks of each projection in `projections` whose
/// columns all belong to heads its attention pruned in every batch
/// element (from the attention's recorded keptHeads).
void markPrunedProjections(const Program &p,
                           const std::vector<PrunedProjection> &projections,
                           Activity &activity);

} // namespace spikestack::rt

#endif
