//===- Coverage.cpp - the streams do all the work of the layer table ------===//
//
// The executor computes a run's outputs from the layer table and its timing
// and energy from the streams. A program is only meaningful if the two
// describe the same work, so verifyCoverage proves, without a target:
//
//  1. every node that computes (not constants and layout) in graph 0 and in
//     the expert bodies belongs to exactly one layer: as its node, as the
//     owner of one of its tilings or as a tiling's fused epilogue;
//  2. each layer has the tilings its node calls for (linear, conv2d: one
//     synaptic tiling; SSA attention: and_accumulate then score_value;
//     every other node kind: one vector tiling), and an array tiling's
//     reduction, outputs, groups, vectors and held bits are those the
//     node's shapes give (as --snn-tile computes them);
//  3. the streams issue every task of every tiling exactly once, with the
//     opcode its kind and owner call for and the element count the layer
//     table gives, plus the fused epilogue of each synaptic task and the
//     attention neuron of each score_value task, and nothing else.
//
// docs/isa.md ("Coverage") states the rules.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Runtime/Program.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

namespace spikestack::rt {

namespace {

/// Names from the program in messages: at most 60 characters, printable
/// ASCII only.
std::string clip(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 60))
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 60)
    out += "...";
  return out;
}

std::string layerName(const Program &p, size_t li) {
  return absl::StrCat("layer ", li, " (", clip(p.layers[li].op), ")");
}

std::string nodeName(const Graph &g, int64_t ni) {
  return absl::StrCat("node ", ni, " (", nodeKindName(g.nodes[ni].kind), ")");
}

/// Nodes that move or hold data but compute nothing: they need no
/// instruction.
bool isLayout(NodeKind k) {
  return unsigned(k) < unsigned(kNumNodeKinds) && nodeKindInfo(k).layout;
}

/// The instruction a vector tiling owned by a node of kind `k` issues per
/// task (--snn-lower-to-hw's choice; the `instr` column of NodeKinds.def);
/// none for kinds the LIF units do not compute.
struct VectorInstr {
  Opcode op;
  uint8_t sub = 0;
};
std::optional<VectorInstr> vectorInstrOf(NodeKind k) {
#define VEC(Fn) VectorInstr{Opcode::Vector, uint8_t(VectorFn::Fn)}
#define OP(Op) VectorInstr{Opcode::Op}
#define NONE std::nullopt
  static const std::optional<VectorInstr> table[] = {
#define NODE_KIND(Kind, Name, MinOps, MaxOps, Results, Ints, Reals, Kernel,    \
                  Layout, Instr)                                               \
  Instr,
#include "spikestack/Runtime/NodeKinds.def"
  };
#undef VEC
#undef OP
#undef NONE
  if (unsigned(k) >= unsigned(kNumNodeKinds))
    return std::nullopt;
  return table[int(k)];
}

/// The tiling kinds that compute a node of kind `n` (in graph 0; in an
/// expert body every node but linear and conv2d is one vector tiling).
std::vector<TileKind> tilingsFor(const Node &n, bool inBody) {
  if (n.kind == NodeKind::Linear || n.kind == NodeKind::Conv2d)
    return {TileKind::Synaptic};
  if (!inBody && n.kind == NodeKind::Attention && !n.ints.empty() &&
      n.ints[0] == 0)
    return {TileKind::AndAccumulate, TileKind::ScoreValue};
  return {TileKind::Vector};
}

/// a * b if both are in [0, 2^40] and so is the product.
std::optional<int64_t> mul(int64_t a, int64_t b) {
  constexpr int64_t kMax = int64_t(1) << 40;
  if (a < 0 || b < 0 || a > kMax || b > kMax || (a && b > kMax / a))
    return std::nullopt;
  return a * b;
}

/// The fields of an array tiling that the node's shapes determine.
struct ArrayShape {
  int64_t reduction = 0, outputs = 0, groups = 0, vectors = 0, heldBits = 0;
  std::string str() const {
    return absl::StrCat("reduction ", reduction, " outputs ", outputs,
                        " groups ", groups, " vectors ", vectors, " held ",
                        heldBits, " bits");
  }
  bool operator==(const ArrayShape &o) const {
    return reduction == o.reduction && outputs == o.outputs &&
           groups == o.groups && vectors == o.vectors &&
           heldBits == o.heldBits;
  }
};

/// What --snn-tile gives an array tiling of kind `kind` of node `n` in graph
/// `g`, run for `experts` experts; nullopt if the node's shapes are not
/// those of such a product (the reason in `why`).
std::optional<ArrayShape> arrayShapeOf(const Graph &g, const Node &n,
                                       TileKind kind, int64_t experts,
                                       std::string &why) {
  auto shape = [&](size_t i) -> const std::vector<int64_t> & {
    return g.values[n.operands[i]].shape;
  };
  const std::vector<int64_t> &res = g.values[n.results[0]].shape;
  const int64_t resElems = ref::numElements(res);
  if (n.kind == NodeKind::Linear) {
    const auto &w = shape(1);
    if (w.size() != 2 || w[0] < 1 || w[1] < 1) {
      why = absl::StrCat("its weight has shape ", ref::shapeToString(w),
                         ", not [outputs, inputs]");
      return std::nullopt;
    }
    auto groups = mul(experts, 1);
    if (!groups)
      return std::nullopt;
    return ArrayShape{w[1], w[0], *groups, resElems / w[0],
                      g.values[n.operands[1]].type.bits()};
  }
  if (n.kind == NodeKind::Conv2d) {
    const auto &w = shape(1);
    const int64_t groups = n.ints.size() > 8 ? n.ints[8] : 0;
    if (w.size() != 4 || w[0] < 1 || groups < 1 || groups > w[0] ||
        w[0] % groups != 0) {
      why = absl::StrCat("its weight has shape ", ref::shapeToString(w),
                         " for ", groups, " groups");
      return std::nullopt;
    }
    auto k = mul(w[1], w[2]);
    k = k ? mul(*k, w[3]) : k;
    auto gs = mul(experts, groups);
    if (!k || !gs) {
      why = "its weight and groups overflow";
      return std::nullopt;
    }
    return ArrayShape{*k, w[0] / groups, *gs, resElems / w[0],
                      g.values[n.operands[1]].type.bits()};
  }
  // SSA attention: q, k, v are [T, B, N, C], ints[1] heads.
  const auto &q = shape(0);
  const int64_t heads = n.ints.size() > 1 ? n.ints[1] : 0;
  if (n.kind != NodeKind::Attention || q.size() != 4 || heads < 1 ||
      heads > q[3] || q[3] % heads != 0) {
    why = absl::StrCat("it is not an attention with [T, B, N, C] queries "
                       "and a head count dividing C");
    return std::nullopt;
  }
  const int64_t T = q[0], B = q[1], N = q[2], d = q[3] / heads;
  auto groups = mul(B, heads);
  auto tokens = mul(T, N), values = mul(T, d);
  if (!groups || !tokens || !values)
    return std::nullopt;
  if (kind == TileKind::AndAccumulate)
    return ArrayShape{d, N, *groups, *tokens, 1};
  return ArrayShape{N, N, *groups, *values, 16};
}

/// Which layer claims each node of each graph that runs (-1: none).
using Claims = std::vector<std::vector<int32_t>>;

absl::Status claim(const Program &p, Claims &claims, size_t li, int32_t gi,
                   int32_t ni) {
  int32_t &c = claims[gi][ni];
  if (c == int32_t(li))
    return absl::OkStatus();
  if (c >= 0)
    return absl::InvalidArgumentError(absl::StrCat(
        "graph ", gi, " ", nodeName(p.graphs[gi], ni), " belongs to ",
        layerName(p, c), " and to ", layerName(p, li),
        "; each node is computed by one layer"));
  c = int32_t(li);
  return absl::OkStatus();
}

/// The fused epilogue of tiling `k` of layer `li`: a neuron or dequantize
/// node fed by the owner, after a synaptic tiling only.
absl::Status checkEpilogue(const Program &p, size_t li, size_t k) {
  const Layer &l = p.layers[li];
  const Graph &g = p.graphs[l.ownerGraph];
  const Node &e = g.nodes[l.epilogues[k]];
  const Node &owner = g.nodes[l.owners[k]];
  const std::string at = absl::StrCat(layerName(p, li), " tiling ", k);
  if (l.tilings[k].kind != TileKind::Synaptic)
    return absl::InvalidArgumentError(absl::StrCat(
        at, ": only a synaptic tiling has a fused epilogue, this one is ",
        tileKindName(l.tilings[k].kind)));
  if ((e.kind != NodeKind::Neuron && e.kind != NodeKind::Dequantize) ||
      e.operands.empty() || e.operands[0] != owner.results[0])
    return absl::InvalidArgumentError(absl::StrCat(
        at, ": its fused epilogue ", nodeName(g, l.epilogues[k]),
        " must be a neuron or dequantize node fed by the tiling's ",
        nodeName(g, l.owners[k])));
  return absl::OkStatus();
}

/// Rules 1 and 2 for layer `li`.
absl::Status checkLayer(const Program &p, size_t li, Claims &claims) {
  const Layer &l = p.layers[li];
  const Node &node = p.graphs[0].nodes[l.node];
  const bool experts = node.kind == NodeKind::MoeExperts;
  const std::string at = layerName(p, li);
  if (auto st = claim(p, claims, li, 0, l.node); !st.ok())
    return st;
  int64_t numExperts = 1;
  if (experts) {
    if (l.ownerGraph != node.ints[0])
      return absl::InvalidArgumentError(absl::StrCat(
          at, ": its tilings stand for nodes of graph ", l.ownerGraph,
          ", the expert body of its node is graph ", node.ints[0]));
    const auto &in = p.graphs[0].values[node.operands[0]].shape;
    numExperts = in.empty() ? 1 : std::max<int64_t>(1, in[0]);
  } else {
    std::vector<TileKind> want = tilingsFor(node, false), have;
    for (const Tiling &t : l.tilings)
      have.push_back(t.kind);
    if (want != have) {
      auto names = [](const std::vector<TileKind> &ks) {
        std::vector<std::string> s;
        for (TileKind k : ks)
          s.push_back(tileKindName(k));
        return absl::StrJoin(s, ", ");
      };
      return absl::InvalidArgumentError(absl::StrCat(
          at, ": ", nodeName(p.graphs[0], l.node), " is computed by tilings [",
          names(want), "], the layer has [", names(have), "]"));
    }
    for (size_t k = 0; k < l.owners.size(); ++k)
      if (l.ownerGraph != 0 || l.owners[k] != l.node)
        return absl::InvalidArgumentError(absl::StrCat(
            at, ": tiling ", k, " stands for graph ", l.ownerGraph, " node ",
            l.owners[k], ", not for the layer's node ", l.node));
  }
  const Graph &g = p.graphs[l.ownerGraph];
  for (size_t k = 0; k < l.tilings.size(); ++k) {
    const Tiling &t = l.tilings[k];
    const Node &owner = g.nodes[l.owners[k]];
    const std::string tiling = absl::StrCat(at, " tiling ", k);
    if (experts) {
      if (auto st = claim(p, claims, li, l.ownerGraph, l.owners[k]); !st.ok())
        return st;
      if (tilingsFor(owner, true) != std::vector<TileKind>{t.kind})
        return absl::InvalidArgumentError(absl::StrCat(
            tiling, ": a ", tileKindName(t.kind), " tiling cannot compute ",
            nodeName(g, l.owners[k])));
    }
    if (l.epilogues[k] >= 0) {
      if (auto st = checkEpilogue(p, li, k); !st.ok())
        return st;
      if (auto st = claim(p, claims, li, l.ownerGraph, l.epilogues[k]);
          !st.ok())
        return st;
    }
    if (t.kind == TileKind::Vector) {
      if (!vectorInstrOf(owner.kind))
        return absl::InvalidArgumentError(absl::StrCat(
            tiling, ": no instruction computes ", nodeName(g, l.owners[k]),
            " on the LIF units"));
      continue;
    }
    std::string why = "its shapes overflow";
    auto want = arrayShapeOf(g, owner, t.kind, numExperts, why);
    if (!want)
      return absl::InvalidArgumentError(absl::StrCat(
          tiling, ": ", nodeName(g, l.owners[k]), " cannot be computed by a ",
          tileKindName(t.kind), " tiling: ", why));
    const ArrayShape have{t.reduction, t.outputs, t.groups, t.vectors,
                          t.heldBits};
    if (!(have == *want))
      return absl::InvalidArgumentError(absl::StrCat(
          tiling, " (", tileKindName(t.kind), " ", have.str(),
          ") does not match ", nodeName(g, l.owners[k]), ", whose shapes give ",
          want->str()));
  }
  return absl::OkStatus();
}

/// Rule 1: every node that computes, in every graph that runs, is claimed.
absl::Status checkClaims(const Program &p, Claims &claims) {
  std::vector<int32_t> running = {0};
  for (const Node &n : p.graphs[0].nodes)
    if (n.kind == NodeKind::MoeExperts)
      running.push_back(int32_t(n.ints[0]));
  for (int32_t gi : running) {
    const Graph &g = p.graphs[gi];
    for (size_t ni = 0; ni < g.nodes.size(); ++ni)
      if (!isLayout(g.nodes[ni].kind) && claims[gi][ni] < 0)
        return absl::InvalidArgumentError(absl::StrCat(
            "graph ", gi, " ", nodeName(g, int64_t(ni)), " '",
            clip(g.nodes[ni].name),
            "' computes, but no layer of the layer table stands for it, so "
            "no instruction does its work"));
  }
  return absl::OkStatus();
}

//===----------------------------------------------------------------------===//
// Rule 3: the streams against the tasks
//===----------------------------------------------------------------------===//

/// An instruction's identity: layer, tiling (-1 but for array
/// instructions), task, opcode, sub-operation, elements.
using Key = std::tuple<int64_t, int64_t, int64_t, int, int, int64_t>;

Key keyOf(const Instr &in) {
  const bool array = in.op == Opcode::SpikeAcc || in.op == Opcode::AndAcc ||
                     in.op == Opcode::ScoreValue;
  return {in.layer, array ? in.tiling : -1, in.task, int(in.op), int(in.sub),
          array ? 0 : in.elements};
}

struct Issued {
  std::vector<std::pair<size_t, size_t>> at; ///< (core, index), in order
  size_t used = 0;
};
using IssuedMap = std::map<Key, Issued>;

std::string where(const Program &p, std::pair<size_t, size_t> at) {
  return absl::StrCat("core ", at.first, " instruction ", at.second, " (",
                      formatInstr(p.streams[at.first][at.second]), ")");
}

/// Takes one issued instruction equal to `want` for task `task` of tiling
/// `k` of layer `li`, or says which is missing.
absl::Status take(const Program &p, IssuedMap &issued, size_t li, size_t k,
                  const Instr &want, const std::string &what) {
  auto it = issued.find(keyOf(want));
  if (it != issued.end() && it->second.used < it->second.at.size()) {
    ++it->second.used;
    return absl::OkStatus();
  }
  std::string msg = absl::StrCat(
      layerName(p, li), " is not covered by the streams: ", what, " of tiling ",
      k, " task ", want.task, " needs '", formatInstr(want),
      "' (every task of every tiling is issued exactly once)");
  // The same instruction with another element count, if there is one.
  auto near = issued.lower_bound(Key{want.layer, -1, want.task, int(want.op),
                                     int(want.sub), INT64_MIN});
  if (want.op != Opcode::SpikeAcc && want.op != Opcode::AndAcc &&
      want.op != Opcode::ScoreValue && near != issued.end() &&
      std::get<0>(near->first) == want.layer &&
      std::get<2>(near->first) == want.task &&
      std::get<3>(near->first) == int(want.op) &&
      std::get<4>(near->first) == int(want.sub))
    absl::StrAppend(&msg, "; ", where(p, near->second.at.front()),
                    " has another element count");
  return absl::InvalidArgumentError(msg);
}

/// The tasks of layer `li` take their instructions from `issued`.
absl::Status takeLayer(const Program &p, size_t li, IssuedMap &issued) {
  const Layer &l = p.layers[li];
  const Graph &g = p.graphs[l.ownerGraph];
  for (size_t k = 0; k < l.tilings.size(); ++k) {
    const Tiling &t = l.tilings[k];
    const Node &owner = g.nodes[l.owners[k]];
    for (int64_t task = 0; task < t.numTasks(); ++task) {
      Instr in;
      in.layer = int64_t(li);
      in.task = task;
      const int64_t columns = t.taskColumns(task);
      if (t.kind == TileKind::Vector) {
        const VectorInstr vi = *vectorInstrOf(owner.kind);
        in.op = vi.op;
        in.sub = vi.sub;
        if (vi.op == Opcode::Route) {
          const auto &x = g.values[owner.operands[0]].shape;
          const int64_t n = ref::numElements(x);
          in.elements = x.size() >= 2 && x.back() > 0 ? n / x.back() : 1;
          in.elements = std::max<int64_t>(1, in.elements);
        } else {
          int64_t n = 0;
          for (int32_t r : owner.results)
            n += ref::numElements(g.values[r].shape);
          in.elements =
              std::max<int64_t>(1, (n + t.numTasks() - 1) / t.numTasks());
        }
        if (auto st = take(p, issued, li, k, in, "the work"); !st.ok())
          return st;
        continue;
      }
      in.op = t.kind == TileKind::Synaptic        ? Opcode::SpikeAcc
              : t.kind == TileKind::AndAccumulate ? Opcode::AndAcc
                                                  : Opcode::ScoreValue;
      in.tiling = int64_t(k);
      in.kTiles = t.kTiles();
      in.columns = columns;
      // A row tile streams its own vectors (every (group, column block,
      // vector range) once: the tasks enumerate them).
      in.vectors = t.taskVectors(task);
      in.bundle = t.bundle;
      if (auto st = take(p, issued, li, k, in, "the array work"); !st.ok())
        return st;
      // The attention neuron after A V; a synaptic tiling's epilogue.
      const bool neuron = t.kind == TileKind::ScoreValue ||
                          (t.kind == TileKind::Synaptic && l.epilogues[k] >= 0);
      if (!neuron)
        continue;
      Instr after;
      after.layer = int64_t(li);
      after.task = task;
      after.elements = columns * t.taskVectors(task);
      after.op = Opcode::Lif;
      if (t.kind == TileKind::Synaptic &&
          g.nodes[l.epilogues[k]].kind == NodeKind::Dequantize) {
        after.op = Opcode::Vector;
        after.sub = uint8_t(VectorFn::Dequantize);
      }
      if (auto st = take(p, issued, li, k, after,
                         t.kind == TileKind::ScoreValue ? "the attention neuron"
                                                        : "the fused epilogue");
          !st.ok())
        return st;
    }
  }
  return absl::OkStatus();
}

/// Compute instructions that no task took: duplicates or foreign work.
absl::Status checkLeftovers(const Program &p, const IssuedMap &issued) {
  std::optional<std::pair<size_t, size_t>> first;
  const Issued *of = nullptr;
  for (const auto &[key, is] : issued)
    if (is.used < is.at.size() && (!first || is.at[is.used] < *first)) {
      first = is.at[is.used];
      of = &is;
    }
  if (!first)
    return absl::OkStatus();
  const Instr &in = p.streams[first->first][first->second];
  if (of->used > 0)
    return absl::InvalidArgumentError(absl::StrCat(
        where(p, *first), " repeats ", where(p, of->at.front()),
        ": every task of every tiling is issued exactly once"));
  return absl::InvalidArgumentError(absl::StrCat(
      where(p, *first), " is not part of the work of ",
      layerName(p, size_t(in.layer)),
      " as the layer table gives it (its tilings, their tasks and their "
      "element counts)"));
}

//===----------------------------------------------------------------------===//
// Fetches: each brings one task's weights, used later on its stream
//===----------------------------------------------------------------------===//

/// The weight bytes of task `task` of the synaptic tilings of layer `li`
/// (--snn-allocate's: reduction x the task's columns x held bits, rounded
/// up to bytes), one entry per synaptic tiling that has the task.
std::vector<int64_t> taskWeightBytes(const Program &p, size_t li,
                                     int64_t task) {
  std::vector<int64_t> out;
  for (const Tiling &t : p.layers[li].tilings)
    if (t.kind == TileKind::Synaptic && task >= 0 && task < t.numTasks()) {
      auto bits = mul(t.reduction, t.taskColumns(task));
      bits = bits ? mul(*bits, t.heldBits) : bits;
      if (bits)
        out.push_back((*bits + 7) / 8);
    }
  return out;
}

/// The fetch at instruction `i` of core `c` brings exactly its task's
/// weights, and the next `load weights` of its layer and task on the
/// stream (before another fetch of them) points at the same region.
absl::Status checkFetch(const Program &p, size_t c, size_t i) {
  const Instr &f = p.streams[c][i];
  const std::vector<int64_t> want =
      taskWeightBytes(p, size_t(f.layer), f.task);
  if (want.empty())
    return absl::InvalidArgumentError(absl::StrCat(
        where(p, {c, i}), ": ", layerName(p, size_t(f.layer)),
        " has no weights for task ", f.task,
        " (no synaptic tiling with that task)"));
  if (std::find(want.begin(), want.end(), f.bytes) == want.end())
    return absl::InvalidArgumentError(absl::StrCat(
        where(p, {c, i}), ": fetches ", f.bytes, " bytes, task ", f.task,
        " of ", layerName(p, size_t(f.layer)), " has ", want.front(),
        " bytes of weights"));
  const auto &s = p.streams[c];
  for (size_t j = i + 1; j < s.size(); ++j) {
    const Instr &u = s[j];
    if (u.layer != f.layer || u.task != f.task)
      continue;
    if (u.op == Opcode::Fetch)
      break; // fetched again before any use
    if (u.op != Opcode::Load || u.sub != uint8_t(LoadKind::Weights))
      continue;
    if (u.bank != f.bank || u.offset != f.offset || u.bytes != f.bytes)
      return absl::InvalidArgumentError(absl::StrCat(
          where(p, {c, j}), " uses the weights of ", where(p, {c, i}),
          " at another place (bank ", u.bank, " offset ", u.offset,
          " bytes ", u.bytes, ", fetched to bank ", f.bank, " offset ",
          f.offset, " bytes ", f.bytes, ")"));
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      where(p, {c, i}), " is never used: no later 'load weights layer ",
      f.layer, " task ", f.task, "' on core ", c,
      " before the stream ends or fetches them again"));
}

} // namespace

absl::Status verifyCoverage(const Program &p) {
  Claims claims(p.graphs.size());
  for (size_t gi = 0; gi < p.graphs.size(); ++gi)
    claims[gi].assign(p.graphs[gi].nodes.size(), -1);
  for (size_t li = 0; li < p.layers.size(); ++li)
    if (auto st = checkLayer(p, li, claims); !st.ok())
      return st;
  if (auto st = checkClaims(p, claims); !st.ok())
    return st;
  IssuedMap issued;
  for (size_t c = 0; c < p.streams.size(); ++c)
    for (size_t i = 0; i < p.streams[c].size(); ++i) {
      const Instr &in = p.streams[c][i];
      if (in.op == Opcode::Load || in.op == Opcode::Store ||
          in.op == Opcode::Fetch ||
          in.op == Opcode::Signal || in.op == Opcode::Wait ||
          in.op == Opcode::Halt)
        continue;
      issued[keyOf(in)].at.push_back({c, i});
    }
  for (size_t li = 0; li < p.layers.size(); ++li)
    if (auto st = takeLayer(p, li, issued); !st.ok())
      return st;
  if (auto st = checkLeftovers(p, issued); !st.ok())
    return st;
  for (size_t c = 0; c < p.streams.size(); ++c)
    for (size_t i = 0; i < p.streams[c].size(); ++i)
      if (p.streams[c][i].op == Opcode::Fetch)
        if (auto st = checkFetch(p, c, i); !st.ok())
          return st;
  return absl::OkStatus();
}

} // namespace spikestack::rt
