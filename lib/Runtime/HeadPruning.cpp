//===- HeadPruning.cpp - what dynamic head pruning skips ------------------===//
//
// See HeadPruning.h.
//
//===----------------------------------------------------------------------===//
#include "HeadPruning.h"

#include <algorithm>
#include <map>

namespace spikestack::rt {

namespace {

/// A pruned SSA attention node (Attention, ints = {sdsa, heads, gate,
/// pruned}, reals = {scale, ratio}).
bool isPrunedSsa(const Node &n) {
  return n.kind == NodeKind::Attention && n.ints.size() >= 4 &&
         n.ints[0] == 0 && n.ints[1] >= 1 && n.ints[3] != 0 &&
         n.reals.size() >= 2 && n.operands.size() >= 3;
}

/// Graph 0's dataflow: each value's producing node and number of uses
/// (graph outputs count as uses), and the layer each node belongs to (its
/// own or the one it is fused into as an epilogue).
struct GraphFlow {
  std::vector<int32_t> producer, uses;
  std::map<int32_t, int32_t> layerOfNode;

  explicit GraphFlow(const Program &p) {
    const Graph &g = p.graphs[0];
    producer.assign(g.values.size(), -1);
    uses.assign(g.values.size(), 0);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      for (int32_t r : g.nodes[i].results)
        if (r >= 0 && size_t(r) < producer.size())
          producer[size_t(r)] = int32_t(i);
      for (int32_t o : g.nodes[i].operands)
        if (o >= 0 && size_t(o) < uses.size())
          ++uses[size_t(o)];
    }
    for (int32_t v : g.outputs)
      if (v >= 0 && size_t(v) < uses.size())
        ++uses[size_t(v)];
    for (size_t li = 0; li < p.layers.size(); ++li) {
      const Layer &l = p.layers[li];
      if (l.ownerGraph != 0)
        continue;
      layerOfNode[l.node] = int32_t(li);
      for (int32_t e : l.epilogues)
        if (e >= 0)
          layerOfNode[e] = int32_t(li);
    }
  }

  /// The layer whose result reaches value `v` through reshapes that keep
  /// the last dimension `channels`; with `exclusive`, every value on the
  /// way (the layer's own result included) has no other use. -1 if none.
  int32_t source(const Program &p, int32_t v, int64_t channels,
                 bool exclusive) const {
    const Graph &g = p.graphs[0];
    for (size_t hop = 0; hop <= g.nodes.size(); ++hop) {
      if (v < 0 || size_t(v) >= producer.size() ||
          (exclusive && uses[size_t(v)] != 1))
        return -1;
      const auto &shape = g.values[size_t(v)].shape;
      const int32_t n = producer[size_t(v)];
      if (shape.empty() || shape.back() != channels || n < 0)
        return -1;
      const Node &node = g.nodes[size_t(n)];
      if (node.kind == NodeKind::Reshape && !node.operands.empty()) {
        v = node.operands[0];
        continue;
      }
      auto it = layerOfNode.find(n);
      if (it == layerOfNode.end())
        return -1;
      const Layer &l = p.layers[size_t(it->second)];
      // A fused neuron's input is its layer's result: used by it alone.
      if (exclusive && n != l.node)
        for (int32_t r : g.nodes[size_t(l.node)].results)
          if (r < 0 || size_t(r) >= uses.size() || uses[size_t(r)] != 1)
            return -1;
      return it->second;
    }
    return -1;
  }
};

} // namespace

std::vector<PrunedProjection> prunedProjections(const Program &p) {
  std::vector<PrunedProjection> out;
  if (p.graphs.empty())
    return out;
  const Graph &g = p.graphs[0];
  const GraphFlow flow(p);
  for (size_t li = 0; li < p.layers.size(); ++li) {
    const Layer &l = p.layers[li];
    if (l.ownerGraph != 0 || l.node < 0 || size_t(l.node) >= g.nodes.size() ||
        !isPrunedSsa(g.nodes[size_t(l.node)]))
      continue;
    const Node &a = g.nodes[size_t(l.node)];
    const auto &qShape = g.values[size_t(a.operands[0])].shape;
    if (qShape.empty() || qShape.back() % a.ints[1])
      continue;
    const int64_t channels = qShape.back();
    const int32_t q = flow.source(p, a.operands[0], channels, false);
    for (int k : {1, 2}) {
      const int32_t x = flow.source(p, a.operands[size_t(k)], channels, true);
      if (q < 0 || x <= q)
        continue;
      const Layer &proj = p.layers[size_t(x)];
      if (g.nodes[size_t(proj.node)].kind != NodeKind::Linear ||
          proj.tilings.empty() || proj.tilings[0].kind != TileKind::Synaptic ||
          proj.tilings[0].groups != 1 || proj.tilings[0].outputs != channels)
        continue;
      out.push_back({x, int32_t(li), a.ints[1], channels});
    }
  }
  return out;
}

std::vector<std::vector<int64_t>> denseKeptHeads(const Program &p, size_t l) {
  const Layer &layer = p.layers[l];
  const Graph &g = p.graphs[size_t(layer.ownerGraph)];
  if (layer.node < 0 || size_t(layer.node) >= g.nodes.size() ||
      !isPrunedSsa(g.nodes[size_t(layer.node)]))
    return {};
  const Node &n = g.nodes[size_t(layer.node)];
  const int64_t heads = n.ints[1];
  const int64_t keep = ref::keptHeadCount(n.reals[1], heads);
  const auto &q = g.values[size_t(n.operands[0])].shape;
  const int64_t batch = q.size() == 4 ? q[1] : 1;
  std::vector<int64_t> first(static_cast<size_t>(keep));
  for (int64_t h = 0; h < keep; ++h)
    first[size_t(h)] = h;
  return std::vector<std::vector<int64_t>>(size_t(std::max<int64_t>(1, batch)),
                                           first);
}

void markPrunedHeads(const Program &p, size_t l,
                     std::vector<TilingActivity> &tilings,
                     const std::vector<std::vector<int64_t>> &kept) {
  const Layer &layer = p.layers[l];
  const Node &n = p.graphs[size_t(layer.ownerGraph)].nodes[size_t(layer.node)];
  const int64_t heads = n.ints[1];
  for (size_t k = 0; k < tilings.size() && k < layer.tilings.size(); ++k) {
    const Tiling &t = layer.tilings[k];
    if (t.kind != TileKind::Vector &&
        t.groups == heads * int64_t(kept.size()))
      recordKeptHeads(tilings[k], heads, kept);
  }
}

void markPrunedProjections(const Program &p,
                           const std::vector<PrunedProjection> &projections,
                           Activity &activity) {
  for (const PrunedProjection &pp : projections) {
    const std::vector<std::vector<int64_t>> *kept = nullptr;
    for (const TilingActivity &t : activity.layers[size_t(pp.attention)])
      if (!t.keptHeads.empty())
        kept = &t.keptHeads;
    if (!kept)
      continue;
    std::vector<uint8_t> used(size_t(pp.heads), 0);
    for (const auto &heads : *kept)
      for (int64_t h : heads)
        if (h >= 0 && h < pp.heads)
          used[size_t(h)] = 1;
    const int64_t d = pp.channels / pp.heads;
    const Tiling &t = p.layers[size_t(pp.layer)].tilings[0];
    TilingActivity &a = activity.layers[size_t(pp.layer)][0];
    a.prunedColumnTasks.assign(size_t(t.numColumnTasks()), 0);
    for (int64_t ct = 0; ct < t.numColumnTasks(); ++ct) {
      const int64_t c0 = (ct % t.nTiles()) * t.cols,
                    c1 = std::min(t.outputs, c0 + t.cols);
      bool pruned = true;
      for (int64_t c = c0; c < c1 && pruned; ++c)
        pruned = !used[size_t(c / d)];
      a.prunedColumnTasks[size_t(ct)] = pruned;
    }
  }
}

} // namespace spikestack::rt
