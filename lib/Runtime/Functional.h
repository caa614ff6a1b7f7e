//===- Functional.h - the executor's functional side (internal) -*- C++ -*-===//
#ifndef SPIKESTACK_LIB_RUNTIME_FUNCTIONAL_H
#define SPIKESTACK_LIB_RUNTIME_FUNCTIONAL_H

#include "spikestack/Runtime/Executor.h"

#include <map>

namespace spikestack::rt {

/// What one tiling of a layer streamed through the arrays.
struct TilingActivity {
  /// Non-zero elements of vector v's k block in group g, at
  /// [(g * vectors + v) * kTiles + k]; empty if the layer never ran.
  std::vector<int32_t> nonzero;
  int64_t vectorElems = 0;
  bool realValued = false; ///< multi-bit inputs: dense multiply-accumulate
  bool dense = false;      ///< layout unknown to the skipping model
  /// Dynamic head pruning (SSA attention with head_keep_ratio): per group
  /// (batch x head), 1 if the head was pruned and its tasks do not run;
  /// the heads kept per batch element. Empty without pruning.
  std::vector<uint8_t> prunedGroups;
  std::vector<std::vector<int64_t>> keptHeads;
  /// A K or V projection of a pruned attention (HeadPruning.h): per column
  /// task, 1 if all its columns belong to pruned heads. Empty otherwise.
  std::vector<uint8_t> prunedColumnTasks;
};

/// Marks the groups (b * heads + h) of `a` whose head `h` is not in
/// `kept[b]` as pruned, and keeps `kept` for the report.
void recordKeptHeads(TilingActivity &a, int64_t heads,
                     std::vector<std::vector<int64_t>> kept);

struct NeuronActivity {
  std::string name;
  int64_t spikes = 0, elements = 0;
};

struct Activity {
  std::vector<std::vector<TilingActivity>> layers;
  /// Per neuron (graph, node), in first-run order of the map's key.
  std::map<std::pair<int32_t, int32_t>, NeuronActivity> neurons;
};

absl::Status checkRange(const ref::Tensor &t, const ElemType &type,
                        const std::string &what);

/// Operations a run of the layer table needs, from the shapes alone:
/// multiply-accumulates of linear, conv2d, SSA attention and router gates,
/// window reads of pooling, and one per element read or written by every
/// node; expert bodies count once per expert. `largest` is the node of graph 0 that needs the most (an expert layer with its bodies).
struct WorkEstimate {
  double total = 0, largest = 0;
  int32_t node = -1;
};
WorkEstimate estimateWork(const Program &p);

/// One node's run: its graph, node, result, parameters, operands (null for
/// an absent one) and where its results go.
struct NodeCall {
  const Graph &g;
  const Node &n;
  const ValueInfo &res; ///< the first result
  const std::vector<int64_t> &p; ///< n.ints
  const std::vector<const ref::Tensor *> &in;
  std::vector<ref::Tensor> &out;
  int64_t expert;
  const ElemType &typeOf(size_t k) const { return g.values[n.operands[k]].type; }
  /// Appends `t` to `out`, or returns its error.
  absl::Status put(absl::StatusOr<ref::Tensor> t) const;
  /// OK if `shape` is the result's shape in the layer table.
  absl::Status expect(const std::vector<int64_t> &shape) const;
};

class FunctionalRunner {
public:
  FunctionalRunner(const Program &p, const RunOptions &o);
  absl::StatusOr<std::vector<ref::Tensor>>
  runGraph(int32_t graph, const std::vector<ref::Tensor> &args,
           int64_t expert = 0);
  Activity activity;
  /// Layer whose fused epilogue is (graph, node), if any.
  std::map<std::pair<int32_t, int32_t>, int32_t> epilogueOf;

private:
  absl::Status runNode(int32_t graph, size_t node,
                       const std::vector<const ref::Tensor *> &in,
                       std::vector<ref::Tensor> &out, int64_t expert);
  // One handler per node kind (NodeKinds.def).
#define NODE_KIND(Kind, ...) absl::Status run##Kind(const NodeCall &c);
#include "spikestack/Runtime/NodeKinds.def"
  absl::Status runPool(const NodeCall &c, bool average);
  absl::Status runSlice(const NodeCall &c, bool extract);
  void recordOccupancy(int32_t graph, int32_t node,
                       const std::vector<const ref::Tensor *> &in,
                       int64_t expert);
  const Program &prog;
  const RunOptions &options;
  std::map<std::pair<int32_t, int32_t>, std::vector<std::pair<int32_t, int32_t>>>
      owners;
  std::vector<int64_t> experts;
  int depth = 0;
};

} // namespace spikestack::rt

#endif
