//===- ProgramContainer.cpp - the binary program container ----------------===//
//
// Encoder and decoder of the container (docs/isa.md, "The container"). The
// decoder accepts exactly what the encoder writes: the sections in one
// order and contiguous, flags 0 or 1, the slots of absent values zero; so
// encodeProgram(*decodeProgram(x)) == x for every accepted x (the program
// fuzzer asserts it).
//
//===----------------------------------------------------------------------===//
#include "ProgramCodec.h"

#include "spikestack/Runtime/Program.h"

#include "absl/strings/str_cat.h"

#include <zlib.h>

#include <algorithm>
#include <set>
#include <tuple>

namespace spikestack::rt {
namespace detail {
namespace {

enum SectionKind : uint32_t {
  kMeta = 1,
  kGraph = 2,
  kConstants = 3,
  kLayers = 4,
  kStream = 5,
};

/// "GRAPH 2", "STREAM core 1", "META" (with its index when it is not 0:
/// "META index 1").
std::string sectionName(uint32_t kind, uint32_t index) {
  const std::string suffix = index ? absl::StrCat(" index ", index) : "";
  switch (kind) {
  case kMeta:
    return "META" + suffix;
  case kGraph:
    return absl::StrCat("GRAPH ", index);
  case kConstants:
    return "CONSTANTS" + suffix;
  case kLayers:
    return "LAYERS" + suffix;
  case kStream:
    return absl::StrCat("STREAM core ", index);
  }
  return absl::StrCat("unknown kind ", kind);
}

absl::Status invalid(const std::string &what) {
  return absl::InvalidArgumentError(what);
}

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
  n.leaky = r.flag("neuron flag 'leaky'");
  n.tau = r.f64();
  n.vThreshold = r.f64();
  n.vReset = r.f64();
  n.hardReset = r.flag("neuron flag 'hard reset'");
  n.decayInput = r.flag("neuron flag 'decay input'");
  n.compareGE = r.flag("neuron flag 'compare >='");
  if (r.flag("neuron flag 'has initial membrane'"))
    n.vInit = r.f64();
  else
    r.zeros(8, "the initial membrane of a neuron without one");
  if (r.flag("neuron flag 'has membrane format'")) {
    ref::FixedFormat f;
    f.width = r.i32();
    f.frac = r.i32();
    if (f.width < 2 || f.width > 62 || f.frac < 0 || f.frac > 60)
      r.fail("membrane format out of range");
    n.membrane = f;
  } else {
    r.zeros(8, "the membrane format of a neuron without one");
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

} // namespace

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
      w.u8(uint8_t(t.dataflow));
      w.i64(t.rowTiles);
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
    l.tilings.resize(r.count(1 + 8 * 8 + 1 + 8));
    for (Tiling &t : l.tilings) {
      const uint8_t k = r.u8();
      if (k > uint8_t(TileKind::Vector))
        r.fail(absl::StrCat("unknown tiling kind ", int(k)));
      t.kind = TileKind(k);
      for (int64_t *v : {&t.rows, &t.cols, &t.reduction, &t.outputs,
                         &t.groups, &t.vectors, &t.bundle, &t.heldBits})
        *v = r.i64();
      const uint8_t d = r.u8();
      if (d > uint8_t(Dataflow::OutputStationary))
        r.fail(absl::StrCat("unknown dataflow ", int(d)));
      t.dataflow = Dataflow(d);
      t.rowTiles = r.i64();
    }
    l.ownerGraph = r.i32();
    l.owners = r.ids();
    l.epilogues = r.ids();
    if (!r.ok())
      return;
  }
}

namespace {

std::string encodeStream(const std::vector<Instr> &s) {
  Writer w;
  w.u32(uint32_t(s.size()));
  for (const Instr &in : s) {
    w.u8(uint8_t(in.op));
    w.u8(in.sub);
    w.u8(in.dynamic ? 1 : 0);
    for (const FieldSpec &f : instrSpec(in.op).fields)
      w.i64(in.*f.member);
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
    for (const FieldSpec &f : instrSpec(in.op).fields)
      in.*f.member = r.i64();
    if (!r.ok())
      return;
  }
}

std::string encodeMeta(const Program &p) {
  Writer w;
  w.str(p.target);
  w.str(p.targetDocument);
  w.i64(p.makespan);
  w.i64(p.barriers);
  w.ints(p.inputOffsets);
  return w.out;
}

void decodeMeta(Reader &r, Program &p) {
  p.target = r.str();
  p.targetDocument = r.str();
  p.makespan = r.i64();
  p.barriers = r.i64();
  p.inputOffsets = r.ints();
}

constexpr size_t kHeaderBytes = 8 + 4 + 4 + 8;
constexpr size_t kEntryBytes = 4 + 4 + 8 + 8;

/// The payloads of a container's sections, in their one order.
struct Sections {
  std::string_view meta, constants, layers;
  std::vector<std::string_view> graphs, streams;
};

/// The section the canonical order puts next, given those seen so far:
/// META, GRAPH 0, GRAPH 1, ..., CONSTANTS, LAYERS, STREAM core 0, 1, ...
/// (`orConstants`: CONSTANTS may come instead, once there is a GRAPH).
struct Expected {
  uint32_t kind, index;
  bool orConstants;
};
Expected expectedSection(bool sawMeta, bool sawConstants, bool sawLayers,
                         const Sections &s) {
  if (!sawMeta)
    return {kMeta, 0, false};
  if (!sawConstants)
    return {kGraph, uint32_t(s.graphs.size()), !s.graphs.empty()};
  if (!sawLayers)
    return {kLayers, 0, false};
  return {kStream, uint32_t(s.streams.size()), false};
}

/// Reads the section table at `head` (positioned after the header) and
/// checks that it is the one the encoder writes: the canonical order, each
/// payload right after the previous one (the first right after the table),
/// the last one ending where the checksum starts.
absl::StatusOr<Sections> readSectionTable(Reader &head, uint32_t numSections,
                                          std::string_view body) {
  Sections out;
  bool sawMeta = false, sawConstants = false, sawLayers = false;
  std::set<std::pair<uint32_t, uint32_t>> seen;
  const uint64_t tableEnd = kHeaderBytes + kEntryBytes * numSections;
  uint64_t next = tableEnd;
  for (uint32_t s = 0; s < numSections; ++s) {
    const uint32_t kind = head.u32(), index = head.u32();
    const uint64_t offset = head.u64(), size = head.u64();
    if (!head.ok())
      return head.status;
    const std::string name = sectionName(kind, index);
    if (kind < kMeta || kind > kStream)
      return invalid(absl::StrCat("corrupt program: section ", s,
                                  " has unknown kind ", kind));
    if (offset < tableEnd || offset > body.size() ||
        size > body.size() - offset)
      return invalid(absl::StrCat("truncated program: section ", s, " (", name,
                                  ") spans bytes ", offset, "..",
                                  offset + size, " of ", body.size()));
    if (!seen.insert({kind, index}).second)
      return invalid(absl::StrCat("corrupt program: section ", name,
                                  " appears twice"));
    const Expected want =
        expectedSection(sawMeta, sawConstants, sawLayers, out);
    const bool asWanted = (kind == want.kind && index == want.index) ||
                          (want.orConstants && kind == kConstants &&
                           index == 0);
    if (!asWanted)
      return invalid(absl::StrCat(
          "corrupt program: section ", s, " is ", name, " where ",
          sectionName(want.kind, want.index),
          want.orConstants ? " or CONSTANTS" : "",
          " belongs (the order is META, GRAPH 0.., CONSTANTS, LAYERS, "
          "STREAM core 0..)"));
    if (offset != next)
      return invalid(absl::StrCat(
          "corrupt program: section ", s, " (", name, ") starts at byte ",
          offset, ", expected ", next,
          " (each payload follows the previous one, the first follows the "
          "section table)"));
    next = offset + size;
    const std::string_view payload = body.substr(offset, size);
    switch (kind) {
    case kMeta:
      out.meta = payload;
      sawMeta = true;
      break;
    case kGraph:
      out.graphs.push_back(payload);
      break;
    case kConstants:
      out.constants = payload;
      sawConstants = true;
      break;
    case kLayers:
      out.layers = payload;
      sawLayers = true;
      break;
    default:
      out.streams.push_back(payload);
    }
  }
  if (!sawMeta || !sawConstants || !sawLayers || out.graphs.empty())
    return invalid("corrupt program: a META, GRAPH, CONSTANTS or LAYERS "
                   "section is missing");
  if (next != body.size())
    return invalid(absl::StrCat("corrupt program: ", body.size() - next,
                                " bytes between the last section (ending at "
                                "byte ",
                                next, ") and the checksum"));
  return out;
}

/// Decodes one section with `fn`, which must consume all of it.
template <typename Fn>
absl::Status decodeSection(std::string_view payload, const std::string &name,
                           Fn fn) {
  Reader r(payload, "section " + name);
  fn(r);
  if (r.ok() && !r.atEnd())
    r.fail(absl::StrCat(r.remaining(), " bytes left over"));
  return r.status;
}

/// Every section's payload into `p`.
absl::Status decodeSections(const Sections &s, Program &p) {
  if (auto st = decodeSection(s.meta, "META",
                              [&](Reader &r) { decodeMeta(r, p); });
      !st.ok())
    return st;
  p.graphs.resize(s.graphs.size());
  for (size_t i = 0; i < s.graphs.size(); ++i)
    if (auto st = decodeSection(s.graphs[i], sectionName(kGraph, i),
                                [&](Reader &r) { decodeGraph(r, p.graphs[i]); });
        !st.ok())
      return st;
  if (auto st = decodeSection(s.constants, "CONSTANTS",
                              [&](Reader &r) { decodeConstants(r, p.constants); });
      !st.ok())
    return st;
  if (auto st = decodeSection(s.layers, "LAYERS",
                              [&](Reader &r) { decodeLayers(r, p.layers); });
      !st.ok())
    return st;
  p.streams.resize(s.streams.size());
  for (size_t c = 0; c < s.streams.size(); ++c)
    if (auto st = decodeSection(s.streams[c], sectionName(kStream, c),
                                [&](Reader &r) { decodeStream(r, p.streams[c]); });
        !st.ok())
      return st;
  return absl::OkStatus();
}

uint32_t crcOf(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes at most 4 GiB - 1 per call (uInt).
  for (size_t at = 0; at < bytes.size(); at += size_t(1) << 30) {
    const size_t n = std::min(bytes.size() - at, size_t(1) << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef *>(bytes.data() + at),
                uInt(n));
  }
  return uint32_t(crc);
}

} // namespace
} // namespace detail

using namespace detail;

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
  w.u32(crcOf(w.out));
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
    return invalid(absl::StrCat(
        "unsupported program format version ", version,
        " (this executor reads version ", kProgramVersion,
        version < kProgramVersion ? "; recompile the program with this "
                                    "snn-compile"
                                  : "",
        ")"));
  if (bytes.size() < kHeaderBytes + 4)
    return invalid("truncated program: no checksum");
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  Reader tail(bytes.substr(bytes.size() - 4), "checksum");
  const uint32_t stored = tail.u32();
  const uint32_t actual = crcOf(body);
  if (stored != actual)
    return invalid(absl::StrCat(
        "checksum mismatch: the file says 0x", absl::Hex(stored),
        ", its contents hash to 0x", absl::Hex(actual),
        " (truncated or corrupted program)"));
  if (numSections > (body.size() - kHeaderBytes) / kEntryBytes)
    return invalid(absl::StrCat("corrupt program: ", numSections,
                                " sections do not fit in ", bytes.size(),
                                " bytes"));
  auto sections = readSectionTable(head, numSections, body);
  if (!sections.ok())
    return sections.status();
  Program p;
  p.fingerprint = fingerprint;
  if (auto st = decodeSections(*sections, p); !st.ok())
    return st;
  if (auto st = verifyProgram(p); !st.ok())
    return invalid("invalid program: " + std::string(st.message()));
  return p;
}

} // namespace spikestack::rt
