//===- Program.cpp - programs: names, the verifier, the carried target ----===//
//
// The container is in ProgramContainer.cpp, the assembly in
// ProgramAssembly.cpp.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Runtime/Program.h"

#include "spikestack/Runtime/Executor.h"
#include "spikestack/Support/FileUtil.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>

namespace spikestack::rt {

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

std::string ElemType::str() const {
  switch (kind) {
  case ElemKind::F32:
    return "f32";
  case ElemKind::Spike:
    return "spike";
  case ElemKind::Count:
    return absl::StrCat("count<", countMax, ">");
  case ElemKind::Fixed:
    return absl::StrCat("fixed<", width, ",", frac, ">");
  case ElemKind::Int:
    return absl::StrCat("i", width);
  }
  return "?";
}

int64_t ElemType::bits() const {
  switch (kind) {
  case ElemKind::Spike:
    return 1;
  case ElemKind::Count: {
    int64_t b = 1;
    while (b < 62 && (int64_t(1) << b) <= countMax)
      ++b;
    return b;
  }
  case ElemKind::F32:
    return 32;
  default:
    return width;
  }
}

const NodeKindInfo &nodeKindInfo(NodeKind kind) {
  static constexpr NodeKindInfo rows[] = {
#define NODE_KIND(Kind, Name, MinOps, MaxOps, Results, Ints, Reals, Kernel,    \
                  Layout, Instr)                                               \
  {NodeKind::Kind, Name, MinOps, MaxOps, Results, Ints, Reals, Kernel, Layout},
#include "spikestack/Runtime/NodeKinds.def"
  };
  static_assert(sizeof(rows) / sizeof(rows[0]) == kNumNodeKinds);
  return rows[int(kind)];
}

std::string tileKindName(TileKind k) {
  switch (k) {
  case TileKind::Synaptic:
    return "synaptic";
  case TileKind::AndAccumulate:
    return "and_accumulate";
  case TileKind::ScoreValue:
    return "score_value";
  case TileKind::Vector:
    return "vector";
  }
  return "?";
}

std::string nodeKindName(NodeKind kind) {
  return unsigned(kind) < unsigned(kNumNodeKinds) ? nodeKindInfo(kind).name
                                                   : "?";
}

int64_t storageBytes(Storage s) {
  switch (s) {
  case Storage::I8:
    return 1;
  case Storage::I16:
    return 2;
  case Storage::I32:
  case Storage::F32:
    return 4;
  case Storage::I64:
  case Storage::F64:
    return 8;
  }
  return 0;
}

std::vector<double> Constant::values() const {
  const int64_t size = storageBytes(storage);
  const int64_t n = size ? int64_t(bytes.size()) / size : 0;
  std::vector<double> out(n);
  auto read = [&](auto tag) {
    using T = decltype(tag);
    for (int64_t i = 0; i < n; ++i) {
      T v;
      std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
      out[i] = double(v);
    }
  };
  switch (storage) {
  case Storage::I8:
    read(int8_t());
    break;
  case Storage::I16:
    read(int16_t());
    break;
  case Storage::I32:
    read(int32_t());
    break;
  case Storage::I64:
    read(int64_t());
    break;
  case Storage::F32:
    read(float());
    break;
  case Storage::F64:
    read(double());
    break;
  }
  return out;
}

int64_t Tiling::taskColumns(int64_t task) const {
  return std::min(cols, outputs - taskBlock(task) * cols);
}

int64_t Tiling::taskFirstVector(int64_t task) const {
  return std::min(vectors, taskRowTile(task) * bundlesPerRowTile() * bundle);
}

int64_t Tiling::taskVectors(int64_t task) const {
  const int64_t first = taskFirstVector(task);
  return std::min(vectors - first, bundlesPerRowTile() * bundle);
}

namespace {
/// `part` / `whole` of `bytes`, rounded down or up (the product may exceed
/// 64 bits: bytes < 2^48, element counts < 2^62).
int64_t scaledBytes(int64_t bytes, int64_t part, int64_t whole, bool up) {
  const __int128 n = __int128(bytes) * part;
  return int64_t(up ? (n + whole - 1) / whole : n / whole);
}
} // namespace

Tiling::ByteRange Tiling::inputShare(int64_t bytes, int64_t task) const {
  bytes = std::max<int64_t>(1, bytes);
  const int64_t n = std::max<int64_t>(
      1, scaledBytes(bytes, taskVectors(task), vectors, /*up=*/true));
  const int64_t begin = std::min(
      bytes - n, scaledBytes(bytes, taskFirstVector(task), vectors, false));
  return {begin, n};
}

Tiling::ByteRange Tiling::resultShare(int64_t bytes, int64_t task) const {
  int64_t before = 0, mine = 0, total = 0;
  if (kind == TileKind::Vector) {
    const int64_t share = (bytes + numTasks() - 1) / numTasks();
    before = std::min(bytes, task * share);
    mine = std::min(share, bytes - before);
    total = bytes;
  } else {
    before = (taskGroup(task) * outputs + taskBlock(task) * cols) * vectors +
             taskColumns(task) * taskFirstVector(task);
    mine = taskColumns(task) * taskVectors(task);
    total = groups * outputs * vectors;
  }
  const int64_t begin =
      std::min(bytes - 1, scaledBytes(bytes, before, total, false));
  const int64_t n = std::max<int64_t>(
      1, scaledBytes(bytes, before + mine, total, false) - begin);
  return {begin, n};
}

std::string dataflowName(Dataflow d) {
  return d == Dataflow::OutputStationary ? "output_stationary"
                                         : "weight_stationary";
}

bool Instr::operator==(const Instr &o) const {
  return op == o.op && sub == o.sub && dynamic == o.dynamic &&
         layer == o.layer && tiling == o.tiling && task == o.task &&
         bank == o.bank && offset == o.offset && bytes == o.bytes &&
         kTiles == o.kTiles && columns == o.columns && vectors == o.vectors &&
         bundle == o.bundle && elements == o.elements &&
         barrier == o.barrier && count == o.count;
}

//===----------------------------------------------------------------------===//
// Verification
//===----------------------------------------------------------------------===//

namespace {

constexpr int64_t kMaxElements = int64_t(1) << 28;
constexpr int64_t kMaxField = int64_t(1) << 48;

absl::Status invalid(const std::string &what) {
  return absl::InvalidArgumentError(what);
}

/// The parameters of node `n` of graph `gi` that the counts in
/// NodeKinds.def do not cover: constant and body references, slice and
/// permutation lengths, readout's token dims and rounding modes.
absl::Status verifyNodeParameters(const Program &p, size_t gi, const Node &n,
                                  const std::string &at) {
  const Graph &g = p.graphs[gi];
  const size_t rank = g.values[n.results[0]].shape.size();
  switch (n.kind) {
  case NodeKind::Constant: {
    const int64_t c = n.ints[0];
    if (c < 0 || size_t(c) >= p.constants.size())
      return invalid(absl::StrCat(at, ": constant ", c, " out of range"));
    const Constant &k = p.constants[c];
    int64_t numel = 1;
    for (int64_t d : g.values[n.results[0]].shape)
      numel *= d;
    if (numel * storageBytes(k.storage) != int64_t(k.bytes.size()))
      return invalid(absl::StrCat(at, ": constant ", c, " holds ",
                                  k.bytes.size(), " bytes, the value needs ",
                                  numel, " elements"));
    break;
  }
  case NodeKind::MoeExperts: {
    const int64_t b = n.ints[0];
    if (b <= int64_t(gi) || size_t(b) >= p.graphs.size())
      return invalid(absl::StrCat(at, ": body graph ", b,
                                  " must come after graph ", gi));
    if (p.graphs[b].inputs.size() != n.operands.size() ||
        p.graphs[b].outputs.size() != 1)
      return invalid(absl::StrCat(at, ": body graph ", b,
                                  " does not take the node's operands"));
    break;
  }
  case NodeKind::ExtractSlice:
  case NodeKind::InsertSlice: {
    const size_t r = g.values[n.operands[0]].shape.size();
    if (n.ints.size() != 3 * r)
      return invalid(absl::StrCat(at, ": slice parameters do not match "
                                  "the rank"));
    break;
  }
  case NodeKind::Transpose:
    if (n.ints.size() != rank)
      return invalid(at + ": permutation does not match the rank");
    break;
  case NodeKind::Readout:
    if (n.ints.size() < 6)
      return invalid(at + ": readout needs 6 parameters and token dims");
    break;
  default:
    break;
  }
  if ((n.kind == NodeKind::Neuron || n.kind == NodeKind::Attention) &&
      unsigned(n.neuron.rounding) > unsigned(ref::Rounding::TowardZero))
    return invalid(at + ": bad rounding mode");
  return absl::OkStatus();
}

absl::Status verifyGraph(const Program &p, size_t gi) {
  const Graph &g = p.graphs[gi];
  const std::string where = absl::StrCat("graph ", gi);
  for (size_t i = 0; i < g.values.size(); ++i) {
    const ValueInfo &v = g.values[i];
    int64_t n = 1;
    for (int64_t d : v.shape) {
      if (d < 0 || (d && n > kMaxElements / d))
        return invalid(absl::StrCat(where, " value ", i, ": shape has a "
                                    "negative dimension or more than 2^28 "
                                    "elements"));
      n *= d;
    }
    if (v.shape.size() > 16)
      return invalid(absl::StrCat(where, " value ", i, ": rank > 16"));
    const ElemType &t = v.type;
    if (unsigned(t.kind) > unsigned(ElemKind::Int) ||
        ((t.kind == ElemKind::Fixed || t.kind == ElemKind::Int) &&
         (t.width < 1 || t.width > 64)) ||
        (t.kind == ElemKind::Fixed && (t.frac < 0 || t.frac > 62)) ||
        (t.kind == ElemKind::Count &&
         (t.countMax < 1 || t.countMax > (int64_t(1) << 30))))
      return invalid(absl::StrCat(where, " value ", i,
                                  ": bad element type"));
  }
  std::vector<char> defined(g.values.size(), 0);
  auto define = [&](int32_t v, const std::string &what) -> absl::Status {
    if (v < 0 || size_t(v) >= g.values.size())
      return invalid(absl::StrCat(where, " ", what, ": value id ", v,
                                  " out of range (", g.values.size(),
                                  " values)"));
    if (defined[v])
      return invalid(absl::StrCat(where, " ", what, ": value ", v,
                                  " defined twice"));
    defined[v] = 1;
    return absl::OkStatus();
  };
  if (g.inputNames.size() != g.inputs.size() ||
      g.outputNames.size() != g.outputs.size())
    return invalid(where + ": names do not match inputs/outputs");
  for (int32_t v : g.inputs)
    if (auto st = define(v, "input"); !st.ok())
      return st;
  for (size_t ni = 0; ni < g.nodes.size(); ++ni) {
    const Node &n = g.nodes[ni];
    const std::string at = absl::StrCat(where, " node ", ni);
    if (unsigned(n.kind) >= unsigned(kNumNodeKinds))
      return invalid(absl::StrCat(at, ": unknown node kind ", int(n.kind)));
    const NodeKindInfo &a = nodeKindInfo(n.kind);
    if (int(n.operands.size()) < a.minOperands ||
        int(n.operands.size()) > a.maxOperands ||
        int(n.results.size()) != a.results)
      return invalid(absl::StrCat(at, " (", nodeKindName(n.kind), "): ",
                                  n.operands.size(), " operands and ",
                                  n.results.size(), " results"));
    for (size_t k = 0; k < n.operands.size(); ++k) {
      const int32_t v = n.operands[k];
      const bool optional = int(k) >= a.minOperands &&
                            n.kind != NodeKind::MoeExperts &&
                            n.kind != NodeKind::Concat;
      if (v == -1 && optional)
        continue;
      if (v < 0 || size_t(v) >= g.values.size() || !defined[v])
        return invalid(absl::StrCat(at, " (", nodeKindName(n.kind),
                                    "): operand ", k, " (value ", v,
                                    ") is not defined before it"));
    }
    for (int32_t r : n.results)
      if (auto st = define(r, at + " result"); !st.ok())
        return st;
    if ((a.ints >= 0 && int(n.ints.size()) != a.ints) ||
        int(n.reals.size()) != a.reals)
      return invalid(absl::StrCat(at, " (", nodeKindName(n.kind), "): ",
                                  n.ints.size(), " int and ", n.reals.size(),
                                  " real parameters"));
    if (auto st = verifyNodeParameters(p, gi, n, at); !st.ok())
      return st;
  }
  for (int32_t v : g.outputs)
    if (v < 0 || size_t(v) >= g.values.size() || !defined[v])
      return invalid(absl::StrCat(where, ": output value ", v,
                                  " is not defined"));
  return absl::OkStatus();
}

} // namespace

namespace {

/// Layer `li`: its node, owners, epilogues and tilings in range.
absl::Status verifyLayer(const Program &p, size_t li) {
  const Layer &l = p.layers[li];
  const std::string at = absl::StrCat("layer ", li);
  if (l.node < 0 || size_t(l.node) >= p.graphs[0].nodes.size())
    return invalid(absl::StrCat(at, ": node ", l.node, " out of range"));
  if (l.ownerGraph < 0 || size_t(l.ownerGraph) >= p.graphs.size())
    return invalid(absl::StrCat(at, ": owner graph out of range"));
  if (l.tilings.empty() || l.tilings.size() > 64 ||
      l.owners.size() != l.tilings.size() ||
      l.epilogues.size() != l.tilings.size())
    return invalid(absl::StrCat(at, ": tilings, owners and epilogues "
                                "disagree"));
  const Graph &og = p.graphs[l.ownerGraph];
  for (size_t k = 0; k < l.owners.size(); ++k) {
    if (l.owners[k] < 0 || size_t(l.owners[k]) >= og.nodes.size() ||
        l.epilogues[k] < -1 || l.epilogues[k] >= int64_t(og.nodes.size()))
      return invalid(absl::StrCat(at, ": owner or epilogue of tiling ", k,
                                  " out of range"));
  }
  for (const Tiling &t : l.tilings) {
    if (unsigned(t.kind) > unsigned(TileKind::Vector) || t.rows < 1 ||
        t.cols < 1 || t.reduction < 1 || t.outputs < 1 || t.groups < 1 ||
        t.vectors < 1 || t.bundle < 1 || t.heldBits < 0 ||
        t.heldBits > 64 || t.rows > 4096 || t.cols > 4096 ||
        t.reduction > kMaxElements || t.outputs > kMaxElements ||
        t.groups > (1 << 20) || t.vectors > kMaxElements ||
        t.bundle > t.vectors ||
        unsigned(t.dataflow) > unsigned(Dataflow::OutputStationary) ||
        (t.dataflow == Dataflow::OutputStationary &&
         (t.kind != TileKind::Synaptic || t.bundle > t.rows)) ||
        !t.rowTilesValid())
      return invalid(absl::StrCat(at, ": bad tiling"));
    // groups x vectors x k blocks: the executor's per-tiling activity
    // table.
    if (t.numTasks() > (1 << 20) ||
        t.kTiles() * t.numBundles() > (int64_t(1) << 24) ||
        t.vectors * t.kTiles() > kMaxElements / t.groups)
      return invalid(absl::StrCat(at, ": tiling has too many tasks or "
                                  "passes"));
  }
  return absl::OkStatus();
}

/// Instruction `i` of core `c`: opcode, sub-operation and flags, and
/// its fields against the layer table. Which checks apply follows the
/// instruction's spec (ISA.def): its sub-operation set, its flag and the
/// fields its format has.
absl::Status verifyInstr(const Program &p, size_t c, size_t i) {
  const Instr &in = p.streams[c][i];
  const std::string at = absl::StrCat("core ", c, " instruction ", i, " (",
                                      opcodeName(in.op), ")");
  if (unsigned(in.op) >= unsigned(kNumOpcodes))
    return invalid(absl::StrCat(at, ": unknown opcode ", int(in.op)));
  const InstrSpec &spec = instrSpec(in.op);
  if (in.op == Opcode::Halt && i + 1 != p.streams[c].size())
    return invalid(at + ": halt before the end of the stream");
  // Only instructions with a sub-operation set have one, only those with
  // the flag are dynamic (what the assembly can express).
  if (in.sub != 0 && spec.sub == SubKind::None)
    return invalid(absl::StrCat(at, ": sub-operation ", int(in.sub),
                                " on an instruction without one"));
  if (in.dynamic && !spec.dynamic)
    return invalid(at + ": only array instructions can be dynamic");
  if (spec.has(&Instr::barrier) &&
      (in.barrier < 0 || in.barrier >= p.barriers))
    return invalid(absl::StrCat(at, ": barrier ", in.barrier,
                                " out of range (program has ", p.barriers,
                                ")"));
  if (spec.has(&Instr::count) && (in.count < 1 || in.count > (1 << 30)))
    return invalid(absl::StrCat(at, ": wait count ", in.count,
                                " out of range"));
  if (!spec.has(&Instr::layer))
    return absl::OkStatus();
  if (in.layer < 0 || size_t(in.layer) >= p.layers.size())
    return invalid(absl::StrCat(at, ": layer ", in.layer,
                                " out of range (", p.layers.size(),
                                " layers)"));
  const Layer &l = p.layers[in.layer];
  int64_t maxTasks = 0;
  for (const Tiling &t : l.tilings)
    maxTasks = std::max(maxTasks, t.numTasks());
  if (in.task < 0 || in.task >= maxTasks)
    return invalid(absl::StrCat(at, ": task ", in.task,
                                " out of range (layer ", in.layer,
                                " has ", maxTasks, ")"));
  if (spec.sub == SubKind::LoadKind &&
      in.sub >= subNames(SubKind::LoadKind).size())
    return invalid(at + ": bad load kind");
  if (spec.sub == SubKind::VectorFn &&
      in.sub >= subNames(SubKind::VectorFn).size())
    return invalid(absl::StrCat(at, ": unknown vector function ",
                                int(in.sub)));
  if (spec.has(&Instr::bank) &&
      (in.bank < -1 || in.bank > (1 << 20) || in.offset < 0 ||
       in.bytes < 1 || in.offset > kMaxField || in.bytes > kMaxField))
    return invalid(absl::StrCat(at, ": address bank ", in.bank, " offset ",
                                in.offset, " bytes ", in.bytes,
                                " out of range"));
  if (in.op == Opcode::Fetch && in.bank < 0)
    return invalid(absl::StrCat(at, ": fetch into bank ", in.bank,
                                ": a fetch brings weights from DRAM into a "
                                "weight bank (bank >= 0)"));
  if (spec.has(&Instr::tiling)) {
    if (in.tiling < 0 || size_t(in.tiling) >= l.tilings.size())
      return invalid(absl::StrCat(at, ": tiling ", in.tiling,
                                  " out of range"));
    const Tiling &t = l.tilings[in.tiling];
    if (t.kind != spec.tile || in.task >= t.numTasks() ||
        in.kTiles != t.kTiles() || in.columns != t.taskColumns(in.task) ||
        in.vectors != t.taskVectors(in.task) || in.bundle != t.bundle)
      return invalid(absl::StrCat(at, ": does not match tiling ",
                                  in.tiling, " of layer ", in.layer));
  }
  if (spec.has(&Instr::elements) &&
      (in.elements < 0 || in.elements > kMaxElements * 64))
    return invalid(absl::StrCat(at, ": element count ", in.elements,
                                " out of range"));
  return absl::OkStatus();
}

} // namespace

absl::Status verifyProgram(const Program &p) {
  if (auto st = verifyProgramTarget(p); !st.ok())
    return st;
  if (p.graphs.empty())
    return invalid("program has no layer table (graph 0)");
  if (p.graphs.size() > 4096 || p.layers.size() > (1u << 20))
    return invalid("program has too many graphs or layers");
  for (size_t i = 0; i < p.graphs.size(); ++i)
    if (auto st = verifyGraph(p, i); !st.ok())
      return st;
  if (p.inputOffsets.size() != p.graphs[0].inputs.size())
    return invalid(absl::StrCat("program has ", p.inputOffsets.size(),
                                " input offsets for ",
                                p.graphs[0].inputs.size(), " inputs"));
  for (int64_t o : p.inputOffsets)
    if (o < 0 || o > kMaxField)
      return invalid(absl::StrCat("input offset ", o, " out of range"));
  if (p.barriers < 0 || p.barriers > (1 << 24) || p.makespan < 0)
    return invalid("bad barrier count or makespan");
  for (size_t li = 0; li < p.layers.size(); ++li)
    if (auto st = verifyLayer(p, li); !st.ok())
      return st;
  for (size_t c = 0; c < p.streams.size(); ++c) {
    const auto &s = p.streams[c];
    if (s.empty() || s.back().op != Opcode::Halt)
      return invalid(absl::StrCat("stream of core ", c,
                                  " does not end with halt"));
    for (size_t i = 0; i < s.size(); ++i)
      if (auto st = verifyInstr(p, c, i); !st.ok())
        return st;
  }
  // Last: it relies on the checks above (Coverage.cpp).
  return verifyCoverage(p);
}

//===----------------------------------------------------------------------===//
// The target a program carries
//===----------------------------------------------------------------------===//

std::string quoteForMessage(std::string_view s, size_t max) {
  const bool clipped = s.size() > max;
  std::string out = "'";
  for (unsigned char c : clipped ? s.substr(0, max) : s) {
    if (c >= 0x20 && c < 0x7f)
      out += char(c);
    else
      absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
  }
  if (clipped)
    absl::StrAppend(&out, "...' (", s.size(), " bytes)");
  else
    out += "'";
  return out;
}

absl::Status verifyProgramTarget(const Program &p) {
  if (p.targetDocument.empty()) {
    const bool wellFormed =
        !p.target.empty() && p.target.size() <= 64 &&
        std::all_of(p.target.begin(), p.target.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                 c == '_' || c == '-';
        });
    if (!wellFormed)
      return invalid(absl::StrCat(
          "target preset name ", quoteForMessage(p.target),
          " is not a preset name (1 to 64 characters of A-Z a-z 0-9 . _ -); "
          "a program names a shipped preset or carries its target document"));
    return absl::OkStatus();
  }
  if (int64_t(p.targetDocument.size()) > kMaxTargetDocumentBytes)
    return invalid(absl::StrCat("the target document holds ",
                                p.targetDocument.size(),
                                " bytes, more than the ",
                                kMaxTargetDocumentBytes, " a target file may"));
  const bool printable = std::none_of(
      p.target.begin(), p.target.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
      });
  if (p.target.empty() || int64_t(p.target.size()) > kMaxTargetNameBytes ||
      !printable)
    return invalid(absl::StrCat(
        "target name ", quoteForMessage(p.target), " (", p.target.size(),
        " bytes) is not 1 to ", kMaxTargetNameBytes,
        " bytes without control characters"));
  return absl::OkStatus();
}

absl::StatusOr<hw::Target> programTarget(const Program &p) {
  if (auto st = verifyProgramTarget(p); !st.ok())
    return st;
  const bool isPreset = p.targetDocument.empty();
  absl::StatusOr<hw::Target> target;
  if (isPreset) {
    const std::vector<std::string> presets = hw::presetNames();
    auto text = hw::builtinFile(p.target);
    if (!text ||
        std::find(presets.begin(), presets.end(), p.target) == presets.end())
      return absl::NotFoundError(absl::StrCat(
          "the program was compiled for target preset ",
          quoteForMessage(p.target), ", which this executor does not ship "
          "(presets: ", absl::StrJoin(presets, ", "),
          "); run it with --target FILE"));
    target = hw::parseTarget(*text, p.target + ".json (preset)");
  } else {
    target = hw::parseTarget(p.targetDocument,
                             "the program's target document");
    if (target.ok() && target->name != p.target)
      return invalid(absl::StrCat(
          "the program's target document names the target ",
          quoteForMessage(target->name), ", the program says ",
          quoteForMessage(p.target), " (corrupt program)"));
  }
  if (!target.ok())
    return target.status();
  const uint64_t fp = targetFingerprint(*target);
  if (fp == p.fingerprint)
    return target;
  if (isPreset)
    return absl::FailedPreconditionError(absl::StrCat(
        "the program was compiled for target preset '", p.target,
        "' with fingerprint ", absl::Hex(p.fingerprint, absl::kZeroPad16),
        ", but this executor's '", p.target, "' has fingerprint ",
        absl::Hex(fp, absl::kZeroPad16),
        " (the preset changed since); recompile the program, or run it with "
        "--target FILE naming the target it was compiled for"));
  return invalid(absl::StrCat(
      "the program's target document (", quoteForMessage(p.target),
      ") has fingerprint ", absl::Hex(fp, absl::kZeroPad16),
      ", but the program says ", absl::Hex(p.fingerprint, absl::kZeroPad16),
      " (corrupt program)"));
}

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

absl::StatusOr<Program> readProgram(const std::string &path,
                                    bool allowStdin) {
  ReadOptions options;
  options.what = "program";
  options.maxBytes = kMaxProgramBytes;
  options.allowStdin = allowStdin;
  auto text = readFile(path, options);
  if (!text.ok())
    return text.status();
  auto p = decodeProgram(*text);
  if (!p.ok())
    return absl::InvalidArgumentError(path + ": " +
                                      std::string(p.status().message()));
  return p;
}

absl::Status writeProgram(const std::string &path, const Program &p) {
  const std::string bytes = encodeProgram(p);
  if (int64_t(bytes.size()) > kMaxProgramBytes)
    return absl::ResourceExhaustedError(absl::StrCat(
        "cannot write program '", path, "': it takes ", bytes.size(),
        " bytes, more than the ", kMaxProgramBytes,
        " a program file may hold (docs/isa.md, \"Limits\")"));
  return writeOutputFile(path, bytes);
}

} // namespace spikestack::rt
