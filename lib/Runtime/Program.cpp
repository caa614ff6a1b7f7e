//===- Program.cpp - the program container: encoder, decoder, verifier ----===//
#include "spikestack/Runtime/Program.h"

#include "spikestack/Support/FileUtil.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <zlib.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <set>

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

std::string nodeKindName(NodeKind kind) {
  static constexpr std::string_view names[] = {
      "constant",   "neuron",      "cast_count",   "cast_f32",
      "cast_fixed", "quantize",    "requantize",   "linear",
      "conv2d",     "dequantize",  "batch_norm",   "max_pool",
      "avg_pool",   "add",         "scale",        "readout",
      "attention",  "moe_gates",   "moe_router",   "moe_dispatch",
      "moe_experts", "moe_combine", "reshape",     "empty",
      "extract_slice", "insert_slice", "concat",   "transpose",
      "binary",     "neg"};
  static_assert(sizeof(names) / sizeof(names[0]) == kNumNodeKinds);
  return unsigned(kind) < unsigned(kNumNodeKinds) ? std::string(names[int(kind)]) : "?";
}

std::string opcodeName(Opcode op) {
  static constexpr std::string_view names[] = {
      "load",   "store", "spike_acc", "and_acc", "score_value",
      "lif",    "vector", "route",    "dispatch", "combine",
      "signal", "wait",  "halt"};
  static_assert(sizeof(names) / sizeof(names[0]) == kNumOpcodes);
  return unsigned(op) < unsigned(kNumOpcodes) ? std::string(names[int(op)]) : "?";
}

std::string vectorFnName(VectorFn fn) {
  static constexpr std::string_view names[] = {
      "add",        "max_pool", "avg_pool", "readout", "neuron",
      "dequantize", "sdsa",     "scale",    "convert", "batch_norm"};
  static_assert(sizeof(names) / sizeof(names[0]) == kNumVectorFns);
  return unsigned(fn) < unsigned(kNumVectorFns) ? std::string(names[int(fn)]) : "?";
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
  const int64_t block = task % nTiles();
  return std::min(cols, outputs - block * cols);
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

/// Operand range and result count per node kind.
struct Arity {
  int minOperands, maxOperands, results;
};
Arity arityOf(NodeKind k) {
  switch (k) {
  case NodeKind::Constant:
  case NodeKind::Empty:
    return {0, 0, 1};
  case NodeKind::Neuron:
    return {1, 4, 1};
  case NodeKind::Linear:
  case NodeKind::Conv2d:
    return {2, 3, 1};
  case NodeKind::Dequantize:
    return {2, 3, 1};
  case NodeKind::BatchNorm:
    return {5, 5, 1};
  case NodeKind::Add:
  case NodeKind::Binary:
  case NodeKind::InsertSlice:
    return {2, 2, 1};
  case NodeKind::Attention:
    return {3, 4, 1};
  case NodeKind::MoeGates:
    return {2, 2, 1};
  case NodeKind::MoeRouter:
    return {2, 3, 3};
  case NodeKind::MoeDispatch:
    return {3, 3, 1};
  case NodeKind::MoeExperts:
    return {1, 64, 1};
  case NodeKind::MoeCombine:
    return {4, 4, 1};
  case NodeKind::Concat:
    return {1, 1024, 1};
  default:
    return {1, 1, 1};
  }
}

/// Number of ints a node kind needs (-1: checked separately).
int intsOf(NodeKind k) {
  switch (k) {
  case NodeKind::Constant:
  case NodeKind::CastCount:
  case NodeKind::CastF32:
  case NodeKind::BatchNorm:
  case NodeKind::MoeGates:
  case NodeKind::MoeExperts:
  case NodeKind::Concat:
  case NodeKind::Binary:
    return 1;
  case NodeKind::CastFixed:
  case NodeKind::Dequantize:
  case NodeKind::MoeDispatch:
    return 2;
  case NodeKind::Quantize:
  case NodeKind::Linear:
  case NodeKind::Add:
    return 3;
  case NodeKind::Requantize:
  case NodeKind::Attention:
    return 4;
  case NodeKind::MoeRouter:
    return 5;
  case NodeKind::Conv2d:
    return 12;
  case NodeKind::MaxPool:
    return 9;
  case NodeKind::AvgPool:
    return 10;
  case NodeKind::Scale:
  case NodeKind::MoeCombine:
  case NodeKind::Reshape:
  case NodeKind::Empty:
  case NodeKind::Neg:
  case NodeKind::Neuron:
    return 0;
  default:
    return -1;
  }
}

int realsOf(NodeKind k) {
  switch (k) {
  case NodeKind::BatchNorm:
  case NodeKind::Scale:
  case NodeKind::MoeGates:
    return 1;
  case NodeKind::Attention:
    return 2;
  default:
    return 0;
  }
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
    const Arity a = arityOf(n.kind);
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
    const int wantInts = intsOf(n.kind);
    if ((wantInts >= 0 && int(n.ints.size()) != wantInts) ||
        int(n.reals.size()) != realsOf(n.kind))
      return invalid(absl::StrCat(at, " (", nodeKindName(n.kind), "): ",
                                  n.ints.size(), " int and ", n.reals.size(),
                                  " real parameters"));
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
  }
  for (int32_t v : g.outputs)
    if (v < 0 || size_t(v) >= g.values.size() || !defined[v])
      return invalid(absl::StrCat(where, ": output value ", v,
                                  " is not defined"));
  return absl::OkStatus();
}

} // namespace

absl::Status verifyProgram(const Program &p) {
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
  for (size_t li = 0; li < p.layers.size(); ++li) {
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
          t.bundle > t.vectors)
        return invalid(absl::StrCat(at, ": bad tiling"));
      // groups x vectors x k blocks: the executor's per-tiling activity
      // table.
      if (t.numTasks() > (1 << 20) ||
          t.kTiles() * t.numBundles() > (int64_t(1) << 24) ||
          t.vectors * t.kTiles() > kMaxElements / t.groups)
        return invalid(absl::StrCat(at, ": tiling has too many tasks or "
                                    "passes"));
    }
  }
  for (size_t c = 0; c < p.streams.size(); ++c) {
    const auto &s = p.streams[c];
    if (s.empty() || s.back().op != Opcode::Halt)
      return invalid(absl::StrCat("stream of core ", c,
                                  " does not end with halt"));
    for (size_t i = 0; i < s.size(); ++i) {
      const Instr &in = s[i];
      const std::string at = absl::StrCat("core ", c, " instruction ", i, " (",
                                          opcodeName(in.op), ")");
      if (unsigned(in.op) >= unsigned(kNumOpcodes))
        return invalid(absl::StrCat(at, ": unknown opcode ", int(in.op)));
      if (in.op == Opcode::Halt && i + 1 != s.size())
        return invalid(at + ": halt before the end of the stream");
      // Only load and vector have a sub-operation, only array instructions
      // a dynamic flag (what the assembly can express).
      if (in.sub != 0 && in.op != Opcode::Load && in.op != Opcode::Vector)
        return invalid(absl::StrCat(at, ": sub-operation ", int(in.sub),
                                    " on an instruction without one"));
      if (in.dynamic && in.op != Opcode::SpikeAcc &&
          in.op != Opcode::AndAcc && in.op != Opcode::ScoreValue)
        return invalid(at + ": only array instructions can be dynamic");
      if (in.op == Opcode::Signal || in.op == Opcode::Wait) {
        if (in.barrier < 0 || in.barrier >= p.barriers)
          return invalid(absl::StrCat(at, ": barrier ", in.barrier,
                                      " out of range (program has ",
                                      p.barriers, ")"));
        if (in.op == Opcode::Wait && (in.count < 1 || in.count > (1 << 30)))
          return invalid(absl::StrCat(at, ": wait count ", in.count,
                                      " out of range"));
        continue;
      }
      if (in.op == Opcode::Halt)
        continue;
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
      switch (in.op) {
      case Opcode::Load:
      case Opcode::Store:
        if (in.op == Opcode::Load && in.sub > uint8_t(LoadKind::Input))
          return invalid(at + ": bad load kind");
        if (in.bank < -1 || in.bank > (1 << 20) || in.offset < 0 ||
            in.bytes < 1 || in.offset > kMaxField || in.bytes > kMaxField)
          return invalid(absl::StrCat(at, ": address bank ", in.bank,
                                      " offset ", in.offset, " bytes ",
                                      in.bytes, " out of range"));
        break;
      case Opcode::SpikeAcc:
      case Opcode::AndAcc:
      case Opcode::ScoreValue: {
        if (in.tiling < 0 || size_t(in.tiling) >= l.tilings.size())
          return invalid(absl::StrCat(at, ": tiling ", in.tiling,
                                      " out of range"));
        const Tiling &t = l.tilings[in.tiling];
        const TileKind want = in.op == Opcode::SpikeAcc ? TileKind::Synaptic
                              : in.op == Opcode::AndAcc
                                  ? TileKind::AndAccumulate
                                  : TileKind::ScoreValue;
        if (t.kind != want || in.task >= t.numTasks() ||
            in.kTiles != t.kTiles() || in.columns != t.taskColumns(in.task) ||
            in.vectors != t.vectors || in.bundle != t.bundle)
          return invalid(absl::StrCat(at, ": does not match tiling ",
                                      in.tiling, " of layer ", in.layer));
        break;
      }
      case Opcode::Vector:
        if (in.sub >= uint8_t(kNumVectorFns))
          return invalid(absl::StrCat(at, ": unknown vector function ",
                                      int(in.sub)));
        [[fallthrough]];
      default:
        if (in.elements < 0 || in.elements > kMaxElements * 64)
          return invalid(absl::StrCat(at, ": element count ", in.elements,
                                      " out of range"));
      }
    }
  }
  return absl::OkStatus();
}

//===----------------------------------------------------------------------===//
// Binary encoding
//===----------------------------------------------------------------------===//

namespace {

enum SectionKind : uint32_t {
  kMeta = 1,
  kGraph = 2,
  kConstants = 3,
  kLayers = 4,
  kStream = 5,
};

std::string sectionName(uint32_t kind, uint32_t index) {
  switch (kind) {
  case kMeta:
    return "META";
  case kGraph:
    return absl::StrCat("GRAPH ", index);
  case kConstants:
    return "CONSTANTS";
  case kLayers:
    return "LAYERS";
  case kStream:
    return absl::StrCat("STREAM core ", index);
  }
  return absl::StrCat("unknown kind ", kind);
}

class Writer {
public:
  std::string out;
  void u8(uint8_t v) { out.push_back(char(v)); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i)
      u8(uint8_t(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i)
      u8(uint8_t(v >> (8 * i)));
  }
  void i32(int32_t v) { u32(uint32_t(v)); }
  void i64(int64_t v) { u64(uint64_t(v)); }
  void f64(double v) {
    uint64_t b;
    std::memcpy(&b, &v, 8);
    u64(b);
  }
  void str(const std::string &s) {
    u32(uint32_t(s.size()));
    out += s;
  }
  void ints(const std::vector<int64_t> &v) {
    u32(uint32_t(v.size()));
    for (int64_t x : v)
      i64(x);
  }
  void ids(const std::vector<int32_t> &v) {
    u32(uint32_t(v.size()));
    for (int32_t x : v)
      i32(x);
  }
  void reals(const std::vector<double> &v) {
    u32(uint32_t(v.size()));
    for (double x : v)
      f64(x);
  }
};

class Reader {
public:
  Reader(std::string_view data, std::string what)
      : data(data), what(std::move(what)) {}
  absl::Status status;
  bool ok() const { return status.ok(); }
  bool atEnd() const { return pos == data.size(); }
  size_t remaining() const { return data.size() - pos; }

  bool need(size_t n) {
    if (!status.ok())
      return false;
    if (n > remaining()) {
      status = absl::InvalidArgumentError(absl::StrCat(
          "truncated ", what, ": needs ", n, " more bytes at offset ", pos,
          " of ", data.size()));
      return false;
    }
    return true;
  }
  uint8_t u8() {
    if (!need(1))
      return 0;
    return uint8_t(data[pos++]);
  }
  uint32_t u32() {
    if (!need(4))
      return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v |= uint32_t(uint8_t(data[pos++])) << (8 * i);
    return v;
  }
  uint64_t u64() {
    if (!need(8))
      return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= uint64_t(uint8_t(data[pos++])) << (8 * i);
    return v;
  }
  int32_t i32() { return int32_t(u32()); }
  int64_t i64() { return int64_t(u64()); }
  double f64() {
    uint64_t b = u64();
    double v;
    std::memcpy(&v, &b, 8);
    return v;
  }
  /// A count of items of at least `itemBytes` bytes each.
  uint32_t count(size_t itemBytes) {
    uint32_t n = u32();
    if (ok() && itemBytes && n > remaining() / itemBytes) {
      status = absl::InvalidArgumentError(
          absl::StrCat("corrupt ", what, ": count ", n, " at offset ",
                       pos - 4, " exceeds the ", remaining(),
                       " bytes left"));
      return 0;
    }
    return ok() ? n : 0;
  }
  std::string str() {
    uint32_t n = count(1);
    if (!need(n))
      return {};
    std::string s(data.substr(pos, n));
    pos += n;
    return s;
  }
  std::vector<int64_t> ints() {
    std::vector<int64_t> v(count(8));
    for (int64_t &x : v)
      x = i64();
    return v;
  }
  std::vector<int32_t> ids() {
    std::vector<int32_t> v(count(4));
    for (int32_t &x : v)
      x = i32();
    return v;
  }
  std::vector<double> reals() {
    std::vector<double> v(count(8));
    for (double &x : v)
      x = f64();
    return v;
  }
  void fail(const std::string &msg) {
    if (status.ok())
      status = absl::InvalidArgumentError(
          absl::StrCat("corrupt ", what, ": ", msg));
  }

private:
  std::string_view data;
  size_t pos = 0;
  std::string what;
};

void writeNeuron(Writer &w, const ref::NeuronParams &n) {
  w.u8(n.leaky);
  w.f64(n.tau);
  w.f64(n.vThreshold);
  w.f64(n.vReset);
  w.u8(n.hardReset);
  w.u8(n.decayInput);
  w.u8(n.compareGE);
  w.u8(n.vInit.has_value());
  w.f64(n.vInit.value_or(0));
  w.u8(n.membrane.has_value());
  w.i32(n.membrane ? n.membrane->width : 0);
  w.i32(n.membrane ? n.membrane->frac : 0);
  w.u8(uint8_t(n.rounding));
  w.i64(n.channelDim);
}

ref::NeuronParams readNeuron(Reader &r) {
  ref::NeuronParams n;
  n.leaky = r.u8();
  n.tau = r.f64();
  n.vThreshold = r.f64();
  n.vReset = r.f64();
  n.hardReset = r.u8();
  n.decayInput = r.u8();
  n.compareGE = r.u8();
  const bool hasInit = r.u8();
  const double init = r.f64();
  if (hasInit)
    n.vInit = init;
  const bool hasMembrane = r.u8();
  ref::FixedFormat f;
  f.width = r.i32();
  f.frac = r.i32();
  if (hasMembrane) {
    if (f.width < 2 || f.width > 62 || f.frac < 0 || f.frac > 60)
      r.fail("membrane format out of range");
    n.membrane = f;
  }
  const uint8_t rounding = r.u8();
  if (rounding > uint8_t(ref::Rounding::TowardZero))
    r.fail("bad rounding mode");
  n.rounding = ref::Rounding(rounding);
  n.channelDim = r.i64();
  return n;
}

bool hasNeuron(NodeKind k) {
  return k == NodeKind::Neuron || k == NodeKind::Attention;
}

std::string encodeGraph(const Graph &g) {
  Writer w;
  w.u32(uint32_t(g.values.size()));
  for (const ValueInfo &v : g.values) {
    w.ints(v.shape);
    w.u8(uint8_t(v.type.kind));
    w.i32(v.type.width);
    w.i32(v.type.frac);
    w.i64(v.type.countMax);
  }
  w.u32(uint32_t(g.nodes.size()));
  for (const Node &n : g.nodes) {
    w.u8(uint8_t(n.kind));
    w.str(n.name);
    w.ids(n.operands);
    w.ids(n.results);
    w.ints(n.ints);
    w.reals(n.reals);
    if (hasNeuron(n.kind))
      writeNeuron(w, n.neuron);
    w.i32(n.layer);
  }
  w.ids(g.inputs);
  w.ids(g.outputs);
  w.u32(uint32_t(g.inputNames.size()));
  for (const std::string &s : g.inputNames)
    w.str(s);
  w.u32(uint32_t(g.outputNames.size()));
  for (const std::string &s : g.outputNames)
    w.str(s);
  return w.out;
}

void decodeGraph(Reader &r, Graph &g) {
  g.values.resize(r.count(4 + 1 + 4 + 4 + 8));
  for (ValueInfo &v : g.values) {
    v.shape = r.ints();
    const uint8_t kind = r.u8();
    if (kind > uint8_t(ElemKind::Int))
      r.fail(absl::StrCat("unknown element kind ", int(kind)));
    v.type.kind = ElemKind(kind);
    v.type.width = r.i32();
    v.type.frac = r.i32();
    v.type.countMax = r.i64();
  }
  g.nodes.resize(r.count(1 + 4 * 6 + 4));
  for (Node &n : g.nodes) {
    const uint8_t kind = r.u8();
    if (kind >= uint8_t(kNumNodeKinds))
      r.fail(absl::StrCat("unknown node kind ", int(kind)));
    n.kind = NodeKind(kind);
    n.name = r.str();
    n.operands = r.ids();
    n.results = r.ids();
    n.ints = r.ints();
    n.reals = r.reals();
    if (hasNeuron(n.kind))
      n.neuron = readNeuron(r);
    n.layer = r.i32();
    if (!r.ok())
      return;
  }
  g.inputs = r.ids();
  g.outputs = r.ids();
  g.inputNames.resize(r.count(4));
  for (std::string &s : g.inputNames)
    s = r.str();
  g.outputNames.resize(r.count(4));
  for (std::string &s : g.outputNames)
    s = r.str();
}

std::string encodeConstants(const std::vector<Constant> &cs) {
  Writer w;
  w.u32(uint32_t(cs.size()));
  for (const Constant &c : cs) {
    w.u8(uint8_t(c.storage));
    w.ints(c.shape);
    w.u64(c.bytes.size());
    w.out.append(reinterpret_cast<const char *>(c.bytes.data()),
                 c.bytes.size());
  }
  return w.out;
}

void decodeConstants(Reader &r, std::vector<Constant> &cs) {
  cs.resize(r.count(1 + 4 + 8));
  for (Constant &c : cs) {
    const uint8_t s = r.u8();
    if (s > uint8_t(Storage::F64))
      r.fail(absl::StrCat("unknown constant storage ", int(s)));
    c.storage = Storage(s);
    c.shape = r.ints();
    const uint64_t n = r.u64();
    if (!r.need(n))
      return;
    c.bytes.resize(n);
    for (uint64_t i = 0; i < n; ++i)
      c.bytes[i] = r.u8();
    if (!r.ok())
      return;
  }
}

std::string encodeLayers(const std::vector<Layer> &ls) {
  Writer w;
  w.u32(uint32_t(ls.size()));
  for (const Layer &l : ls) {
    w.i32(l.node);
    w.str(l.op);
    w.u32(uint32_t(l.tilings.size()));
    for (const Tiling &t : l.tilings) {
      w.u8(uint8_t(t.kind));
      for (int64_t v : {t.rows, t.cols, t.reduction, t.outputs, t.groups,
                        t.vectors, t.bundle, t.heldBits})
        w.i64(v);
    }
    w.i32(l.ownerGraph);
    w.ids(l.owners);
    w.ids(l.epilogues);
  }
  return w.out;
}

void decodeLayers(Reader &r, std::vector<Layer> &ls) {
  ls.resize(r.count(4 + 4 + 4 + 4 + 4 + 4));
  for (Layer &l : ls) {
    l.node = r.i32();
    l.op = r.str();
    l.tilings.resize(r.count(1 + 8 * 8));
    for (Tiling &t : l.tilings) {
      const uint8_t k = r.u8();
      if (k > uint8_t(TileKind::Vector))
        r.fail(absl::StrCat("unknown tiling kind ", int(k)));
      t.kind = TileKind(k);
      for (int64_t *v : {&t.rows, &t.cols, &t.reduction, &t.outputs,
                         &t.groups, &t.vectors, &t.bundle, &t.heldBits})
        *v = r.i64();
    }
    l.ownerGraph = r.i32();
    l.owners = r.ids();
    l.epilogues = r.ids();
    if (!r.ok())
      return;
  }
}

/// The fields an opcode carries, in encoding order.
std::vector<int64_t Instr::*> fieldsOf(Opcode op) {
  switch (op) {
  case Opcode::Load:
  case Opcode::Store:
    return {&Instr::layer, &Instr::task, &Instr::bank, &Instr::offset,
            &Instr::bytes};
  case Opcode::SpikeAcc:
  case Opcode::AndAcc:
  case Opcode::ScoreValue:
    return {&Instr::layer,   &Instr::tiling,  &Instr::task,  &Instr::kTiles,
            &Instr::columns, &Instr::vectors, &Instr::bundle};
  case Opcode::Lif:
  case Opcode::Vector:
  case Opcode::Dispatch:
  case Opcode::Combine:
  case Opcode::Route:
    return {&Instr::layer, &Instr::task, &Instr::elements};
  case Opcode::Signal:
    return {&Instr::barrier};
  case Opcode::Wait:
    return {&Instr::barrier, &Instr::count};
  case Opcode::Halt:
    return {};
  }
  return {};
}

std::string encodeStream(const std::vector<Instr> &s) {
  Writer w;
  w.u32(uint32_t(s.size()));
  for (const Instr &in : s) {
    w.u8(uint8_t(in.op));
    w.u8(in.sub);
    w.u8(in.dynamic ? 1 : 0);
    for (auto f : fieldsOf(in.op))
      w.i64(in.*f);
  }
  return w.out;
}

void decodeStream(Reader &r, std::vector<Instr> &s) {
  s.resize(r.count(3));
  for (size_t i = 0; i < s.size(); ++i) {
    Instr &in = s[i];
    const uint8_t op = r.u8();
    if (r.ok() && op >= uint8_t(kNumOpcodes)) {
      r.fail(absl::StrCat("unknown opcode ", int(op), " at instruction ", i));
      return;
    }
    in.op = Opcode(op);
    in.sub = r.u8();
    const uint8_t flags = r.u8();
    if (flags > 1)
      r.fail(absl::StrCat("unknown flags ", int(flags), " at instruction ",
                          i));
    in.dynamic = flags & 1;
    for (auto f : fieldsOf(in.op))
      in.*f = r.i64();
    if (!r.ok())
      return;
  }
}

std::string encodeMeta(const Program &p) {
  Writer w;
  w.str(p.target);
  w.i64(p.makespan);
  w.i64(p.barriers);
  w.ints(p.inputOffsets);
  return w.out;
}

constexpr size_t kHeaderBytes = 8 + 4 + 4 + 8;
constexpr size_t kEntryBytes = 4 + 4 + 8 + 8;

} // namespace

std::string encodeProgram(const Program &p) {
  std::vector<std::tuple<uint32_t, uint32_t, std::string>> sections;
  sections.emplace_back(kMeta, 0, encodeMeta(p));
  for (size_t i = 0; i < p.graphs.size(); ++i)
    sections.emplace_back(kGraph, uint32_t(i), encodeGraph(p.graphs[i]));
  sections.emplace_back(kConstants, 0, encodeConstants(p.constants));
  sections.emplace_back(kLayers, 0, encodeLayers(p.layers));
  for (size_t c = 0; c < p.streams.size(); ++c)
    sections.emplace_back(kStream, uint32_t(c), encodeStream(p.streams[c]));

  Writer w;
  w.out.append(kProgramMagic.data(), kProgramMagic.size());
  w.u32(kProgramVersion);
  w.u32(uint32_t(sections.size()));
  w.u64(p.fingerprint);
  uint64_t offset = kHeaderBytes + kEntryBytes * sections.size();
  for (auto &[kind, index, payload] : sections) {
    w.u32(kind);
    w.u32(index);
    w.u64(offset);
    w.u64(payload.size());
    offset += payload.size();
  }
  for (auto &[kind, index, payload] : sections)
    w.out += payload;
  const uLong crc = crc32(0L, reinterpret_cast<const Bytef *>(w.out.data()),
                          uInt(w.out.size()));
  w.u32(uint32_t(crc));
  return w.out;
}

absl::StatusOr<Program> decodeProgram(std::string_view bytes) {
  if (bytes.size() < kProgramMagic.size() ||
      bytes.substr(0, kProgramMagic.size()) != kProgramMagic)
    return invalid("not a SpikeStack program (bad magic; expected \"SNNPROG\" "
                   "followed by 0x1a)");
  Reader head(bytes, "program header");
  for (size_t i = 0; i < kProgramMagic.size(); ++i)
    head.u8();
  const uint32_t version = head.u32();
  const uint32_t numSections = head.u32();
  const uint64_t fingerprint = head.u64();
  if (!head.ok())
    return head.status;
  if (version != kProgramVersion)
    return invalid(absl::StrCat("unsupported program format version ", version,
                                " (this executor reads version ",
                                kProgramVersion, ")"));
  if (bytes.size() < kHeaderBytes + 4)
    return invalid("truncated program: no checksum");
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  Reader tail(bytes.substr(bytes.size() - 4), "checksum");
  const uint32_t stored = tail.u32();
  const uint32_t actual = uint32_t(crc32(
      0L, reinterpret_cast<const Bytef *>(body.data()), uInt(body.size())));
  if (stored != actual)
    return invalid(absl::StrCat(
        "checksum mismatch: the file says 0x", absl::Hex(stored),
        ", its contents hash to 0x", absl::Hex(actual),
        " (truncated or corrupted program)"));
  if (numSections > (body.size() - kHeaderBytes) / kEntryBytes)
    return invalid(absl::StrCat("corrupt program: ", numSections,
                                " sections do not fit in ", bytes.size(),
                                " bytes"));

  Program p;
  p.fingerprint = fingerprint;
  bool sawMeta = false, sawConstants = false, sawLayers = false;
  std::set<std::pair<uint32_t, uint32_t>> seen;
  std::vector<std::pair<uint32_t, std::string_view>> graphs, streams;
  std::string_view meta, constants, layers;
  for (uint32_t s = 0; s < numSections; ++s) {
    const uint32_t kind = head.u32(), index = head.u32();
    const uint64_t offset = head.u64(), size = head.u64();
    if (!head.ok())
      return head.status;
    const std::string name = sectionName(kind, index);
    if (offset < kHeaderBytes + kEntryBytes * numSections ||
        offset > body.size() || size > body.size() - offset)
      return invalid(absl::StrCat("truncated program: section ", s, " (", name,
                                  ") spans bytes ", offset, "..",
                                  offset + size, " of ", body.size()));
    if (!seen.insert({kind, index}).second)
      return invalid(absl::StrCat("corrupt program: section ", name,
                                  " appears twice"));
    const std::string_view payload = body.substr(offset, size);
    switch (kind) {
    case kMeta:
      meta = payload;
      sawMeta = true;
      break;
    case kGraph:
      graphs.emplace_back(index, payload);
      break;
    case kConstants:
      constants = payload;
      sawConstants = true;
      break;
    case kLayers:
      layers = payload;
      sawLayers = true;
      break;
    case kStream:
      streams.emplace_back(index, payload);
      break;
    default:
      return invalid(absl::StrCat("corrupt program: section ", s,
                                  " has unknown kind ", kind));
    }
  }
  if (!sawMeta || !sawConstants || !sawLayers || graphs.empty())
    return invalid("corrupt program: a META, GRAPH, CONSTANTS or LAYERS "
                   "section is missing");
  auto decodeSection = [](std::string_view payload, const std::string &name,
                          auto fn) -> absl::Status {
    Reader r(payload, "section " + name);
    fn(r);
    if (r.ok() && !r.atEnd())
      r.fail(absl::StrCat(r.remaining(), " bytes left over"));
    return r.status;
  };
  if (auto st = decodeSection(meta, "META",
                              [&](Reader &r) {
                                p.target = r.str();
                                p.makespan = r.i64();
                                p.barriers = r.i64();
                                p.inputOffsets = r.ints();
                              });
      !st.ok())
    return st;
  p.graphs.resize(graphs.size());
  for (auto &[index, payload] : graphs) {
    if (index >= graphs.size())
      return invalid(absl::StrCat("corrupt program: GRAPH ", index,
                                  " but only ", graphs.size(), " graphs"));
    if (auto st = decodeSection(payload, sectionName(kGraph, index),
                                [&](Reader &r) { decodeGraph(r, p.graphs[index]); });
        !st.ok())
      return st;
  }
  if (auto st = decodeSection(constants, "CONSTANTS",
                              [&](Reader &r) { decodeConstants(r, p.constants); });
      !st.ok())
    return st;
  if (auto st = decodeSection(layers, "LAYERS",
                              [&](Reader &r) { decodeLayers(r, p.layers); });
      !st.ok())
    return st;
  p.streams.resize(streams.size());
  for (auto &[index, payload] : streams) {
    if (index >= streams.size())
      return invalid(absl::StrCat("corrupt program: STREAM core ", index,
                                  " but only ", streams.size(), " streams"));
    if (auto st = decodeSection(payload, sectionName(kStream, index),
                                [&](Reader &r) { decodeStream(r, p.streams[index]); });
        !st.ok())
      return st;
  }
  if (auto st = verifyProgram(p); !st.ok())
    return invalid("invalid program: " + std::string(st.message()));
  return p;
}

//===----------------------------------------------------------------------===//
// Assembly
//===----------------------------------------------------------------------===//

namespace {

/// Keyword of each field in assembly order, per opcode.
std::vector<std::pair<std::string_view, int64_t Instr::*>>
keywordsOf(Opcode op) {
  switch (op) {
  case Opcode::Load:
  case Opcode::Store:
    return {{"layer", &Instr::layer},   {"task", &Instr::task},
            {"bank", &Instr::bank},     {"offset", &Instr::offset},
            {"bytes", &Instr::bytes}};
  case Opcode::SpikeAcc:
  case Opcode::AndAcc:
  case Opcode::ScoreValue:
    return {{"layer", &Instr::layer},     {"tiling", &Instr::tiling},
            {"task", &Instr::task},       {"k_tiles", &Instr::kTiles},
            {"columns", &Instr::columns}, {"vectors", &Instr::vectors},
            {"bundle", &Instr::bundle}};
  case Opcode::Route:
    return {{"layer", &Instr::layer},
            {"task", &Instr::task},
            {"tokens", &Instr::elements}};
  case Opcode::Lif:
  case Opcode::Vector:
  case Opcode::Dispatch:
  case Opcode::Combine:
    return {{"layer", &Instr::layer},
            {"task", &Instr::task},
            {"elements", &Instr::elements}};
  case Opcode::Signal:
  case Opcode::Wait:
  case Opcode::Halt:
    return {};
  }
  return {};
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

void appendHex(std::string &out, std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i % 32 == 0)
      out += "  ";
    const uint8_t b = uint8_t(bytes[i]);
    out += digits[b >> 4];
    out += digits[b & 15];
    if (i % 32 == 31 || i + 1 == bytes.size())
      out += "\n";
  }
}

} // namespace

std::string formatInstr(const Instr &in) {
  std::string s(opcodeName(in.op));
  if (in.op == Opcode::Load)
    absl::StrAppend(&s, in.sub == uint8_t(LoadKind::Weights) ? " weights"
                                                             : " input");
  if (in.op == Opcode::Vector)
    absl::StrAppend(&s, " ", vectorFnName(VectorFn(in.sub)));
  if (in.op == Opcode::Signal)
    absl::StrAppend(&s, " ", in.barrier);
  if (in.op == Opcode::Wait)
    absl::StrAppend(&s, " ", in.barrier, " count ", in.count);
  for (auto [key, field] : keywordsOf(in.op))
    absl::StrAppend(&s, " ", std::string(key), " ", in.*field);
  if (in.dynamic)
    s += " dynamic";
  return s;
}

std::string disassemble(const Program &p) {
  std::string out = "; SpikeStack program (docs/isa.md)\n";
  absl::StrAppend(&out, ".version ", kProgramVersion, "\n");
  absl::StrAppend(&out, ".target \"", p.target, "\"\n");
  absl::StrAppend(&out, ".fingerprint 0x",
                  absl::Hex(p.fingerprint, absl::kZeroPad16), "\n");
  absl::StrAppend(&out, ".makespan ", p.makespan, "\n");
  absl::StrAppend(&out, ".barriers ", p.barriers, "\n");
  absl::StrAppend(&out, ".input_offsets");
  for (int64_t o : p.inputOffsets)
    absl::StrAppend(&out, " ", o);
  out += "\n";
  for (size_t li = 0; li < p.layers.size(); ++li) {
    const Layer &l = p.layers[li];
    absl::StrAppend(&out, "; layer ", li, ": ", l.op, "\n");
    for (size_t k = 0; k < l.tilings.size(); ++k) {
      const Tiling &t = l.tilings[k];
      absl::StrAppend(&out, ";   tiling ", k, ": ", tileKindName(t.kind),
                      " ", t.rows, "x", t.cols, " reduction ", t.reduction,
                      " outputs ", t.outputs, " groups ", t.groups,
                      " vectors ", t.vectors, " bundle ", t.bundle, " held ",
                      t.heldBits, " bits\n");
    }
  }
  for (size_t gi = 0; gi < p.graphs.size(); ++gi) {
    const Graph &g = p.graphs[gi];
    absl::StrAppend(&out, "; graph ", gi, ": ", g.values.size(), " values, ",
                    g.nodes.size(), " nodes; inputs ",
                    absl::StrJoin(g.inputNames, ", "), "; outputs ",
                    absl::StrJoin(g.outputNames, ", "), "\n");
    absl::StrAppend(&out, ".section graph ", gi, "\n");
    appendHex(out, encodeGraph(g));
    out += ".end\n";
  }
  int64_t constBytes = 0;
  for (const Constant &c : p.constants)
    constBytes += int64_t(c.bytes.size());
  absl::StrAppend(&out, "; ", p.constants.size(), " constants, ", constBytes,
                  " bytes of data\n.section constants\n");
  appendHex(out, encodeConstants(p.constants));
  out += ".end\n.section layers\n";
  appendHex(out, encodeLayers(p.layers));
  out += ".end\n";
  for (size_t c = 0; c < p.streams.size(); ++c) {
    absl::StrAppend(&out, ".stream core ", c, "\n");
    for (const Instr &in : p.streams[c])
      absl::StrAppend(&out, "  ", formatInstr(in), "\n");
    out += ".end\n";
  }
  return out;
}

namespace {

bool parseInt(std::string_view s, int64_t &v) {
  if (s.empty() || s.size() > 24)
    return false;
  std::string str(s);
  char *end = nullptr;
  errno = 0;
  const bool hex = str.size() > 2 && str[0] == '0' && (str[1] == 'x');
  const long long x = hex ? (long long)std::strtoull(str.c_str(), &end, 16)
                          : std::strtoll(str.c_str(), &end, 10);
  if (errno || end != str.c_str() + str.size())
    return false;
  v = x;
  return true;
}

std::vector<std::string_view> splitWords(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
      ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t')
      ++j;
    if (j > i)
      words.push_back(line.substr(i, j - i));
    i = j;
  }
  return words;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

absl::StatusOr<Instr> parseInstr(const std::vector<std::string_view> &w) {
  Instr in;
  int op = -1;
  for (int k = 0; k < kNumOpcodes; ++k)
    if (opcodeName(Opcode(k)) == w[0])
      op = k;
  if (op < 0)
    return invalid(absl::StrCat("unknown instruction '", std::string(w[0]), "'"));
  in.op = Opcode(op);
  size_t i = 1;
  auto number = [&](int64_t &v) -> bool {
    return i < w.size() && parseInt(w[i++], v);
  };
  if (in.op == Opcode::Load) {
    if (i < w.size() && (w[i] == "weights" || w[i] == "input"))
      in.sub = uint8_t(w[i++] == "weights" ? LoadKind::Weights
                                           : LoadKind::Input);
    else
      return invalid("load needs 'weights' or 'input'");
  }
  if (in.op == Opcode::Vector) {
    int fn = -1;
    for (int k = 0; i < w.size() && k < kNumVectorFns; ++k)
      if (vectorFnName(VectorFn(k)) == w[i])
        fn = k;
    if (fn < 0)
      return invalid("vector needs a function (add, max_pool, ...)");
    in.sub = uint8_t(fn);
    ++i;
  }
  if (in.op == Opcode::Signal && !number(in.barrier))
    return invalid("signal needs a barrier number");
  if (in.op == Opcode::Wait &&
      !(number(in.barrier) && i < w.size() && w[i++] == "count" &&
        number(in.count)))
    return invalid("wait needs 'BARRIER count N'");
  for (auto [key, field] : keywordsOf(in.op)) {
    if (i >= w.size() || w[i] != key)
      return invalid(absl::StrCat(std::string(w[0]), " expects '", std::string(key), "' at word ",
                                  i + 1));
    ++i;
    if (!number(in.*field))
      return invalid(absl::StrCat(std::string(w[0]), ": '", std::string(key), "' needs an integer"));
  }
  if (i < w.size() && w[i] == "dynamic" &&
      (in.op == Opcode::SpikeAcc || in.op == Opcode::AndAcc ||
       in.op == Opcode::ScoreValue)) {
    in.dynamic = true;
    ++i;
  }
  if (i != w.size())
    return invalid(absl::StrCat("unexpected '", std::string(w[i]), "'"));
  return in;
}

} // namespace

absl::StatusOr<Program> assemble(std::string_view text) {
  Program p;
  enum { None, Section, Stream } mode = None;
  std::string hex, sectionKind;
  int64_t sectionIndex = 0;
  std::vector<Instr> *stream = nullptr;
  size_t lineNo = 0;
  bool sawVersion = false;
  auto error = [&](const std::string &msg) {
    return invalid(absl::StrCat("line ", lineNo, ": ", msg));
  };
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos)
      nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineNo;
    if (size_t c = line.find(';'); c != std::string_view::npos)
      line = line.substr(0, c);
    auto w = splitWords(line);
    if (w.empty())
      continue;
    if (w[0] == ".end") {
      if (mode == Section) {
        if (hex.size() % 2)
          return error("odd number of hex digits");
        std::string bytes;
        for (size_t i = 0; i + 1 < hex.size(); i += 2)
          bytes.push_back(char(hexDigit(hex[i]) * 16 + hexDigit(hex[i + 1])));
        Reader r(bytes, "section " + sectionKind);
        if (sectionKind == "graph") {
          if (sectionIndex != int64_t(p.graphs.size()))
            return error("graph sections must come in order");
          p.graphs.emplace_back();
          decodeGraph(r, p.graphs.back());
        } else if (sectionKind == "constants") {
          decodeConstants(r, p.constants);
        } else {
          decodeLayers(r, p.layers);
        }
        if (r.ok() && !r.atEnd())
          r.fail("bytes left over");
        if (!r.ok())
          return error(std::string(r.status.message()));
      } else if (mode == None) {
        return error(".end outside a section or stream");
      }
      mode = None;
      continue;
    }
    if (mode == Section) {
      for (std::string_view word : w)
        for (char ch : word) {
          if (hexDigit(ch) < 0)
            return error(absl::StrCat("bad hex digit '", std::string(1, ch),
                                      "'"));
          hex.push_back(ch);
        }
      continue;
    }
    if (mode == Stream) {
      auto in = parseInstr(w);
      if (!in.ok())
        return error(std::string(in.status().message()));
      stream->push_back(*in);
      continue;
    }
    int64_t v = 0;
    if (w[0] == ".version") {
      if (w.size() != 2 || !parseInt(w[1], v))
        return error(".version needs a number");
      if (v != kProgramVersion)
        return error(absl::StrCat("unsupported version ", v));
      sawVersion = true;
    } else if (w[0] == ".target") {
      std::string_view rest = line.substr(line.find(".target") + 7);
      const size_t a = rest.find('"'), b = rest.rfind('"');
      if (a == std::string_view::npos || b == a)
        return error(".target needs a quoted name");
      p.target = std::string(rest.substr(a + 1, b - a - 1));
    } else if (w[0] == ".fingerprint") {
      if (w.size() != 2 || !parseInt(w[1], v))
        return error(".fingerprint needs a hex number");
      p.fingerprint = uint64_t(v);
    } else if (w[0] == ".makespan") {
      if (w.size() != 2 || !parseInt(w[1], p.makespan))
        return error(".makespan needs a number");
    } else if (w[0] == ".barriers") {
      if (w.size() != 2 || !parseInt(w[1], p.barriers))
        return error(".barriers needs a number");
    } else if (w[0] == ".input_offsets") {
      for (size_t i = 1; i < w.size(); ++i) {
        if (!parseInt(w[i], v))
          return error(".input_offsets needs numbers");
        p.inputOffsets.push_back(v);
      }
    } else if (w[0] == ".section") {
      if (w.size() < 2 || (w[1] != "graph" && w[1] != "constants" &&
                           w[1] != "layers"))
        return error(".section needs graph N, constants or layers");
      sectionKind = std::string(w[1]);
      sectionIndex = 0;
      if (sectionKind == "graph" &&
          (w.size() != 3 || !parseInt(w[2], sectionIndex)))
        return error(".section graph needs an index");
      hex.clear();
      mode = Section;
    } else if (w[0] == ".stream") {
      if (w.size() != 3 || w[1] != "core" || !parseInt(w[2], v) ||
          v != int64_t(p.streams.size()))
        return error(absl::StrCat(".stream core N must number the streams "
                                  "0, 1, ... in order (expected core ",
                                  p.streams.size(), ")"));
      p.streams.emplace_back();
      stream = &p.streams.back();
      mode = Stream;
    } else {
      return error(absl::StrCat("unknown directive '", std::string(w[0]), "'"));
    }
  }
  if (mode != None)
    return invalid("unterminated section or stream at the end of the input");
  if (!sawVersion)
    return invalid("missing .version");
  if (auto st = verifyProgram(p); !st.ok())
    return invalid("invalid program: " + std::string(st.message()));
  return p;
}

absl::StatusOr<Program> readProgram(const std::string &path) {
  auto text = readFile(path);
  if (!text.ok())
    return text.status();
  auto p = decodeProgram(*text);
  if (!p.ok())
    return absl::InvalidArgumentError(path + ": " +
                                      std::string(p.status().message()));
  return p;
}

absl::Status writeProgram(const std::string &path, const Program &p) {
  return writeFileAtomically(path, encodeProgram(p));
}

} // namespace spikestack::rt
