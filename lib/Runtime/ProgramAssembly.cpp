//===- ProgramAssembly.cpp - the textual assembly of programs -------------===//
//
// `disassemble` and `assemble` (docs/isa.md, "Assembly"). The binary
// sections (graphs, constants, layers) are hex of their container
// encoding; the target document is a run of string literals. Errors name
// the line and quote input through quoteForMessage (clipped, escaped).
//
//===----------------------------------------------------------------------===//
#include "ProgramCodec.h"

#include "spikestack/Runtime/Program.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <cerrno>
#include <cstdlib>
#include <map>

namespace spikestack::rt {

using detail::Reader;
using detail::encodeConstants;
using detail::encodeGraph;
using detail::encodeLayers;

namespace {

absl::Status invalid(const std::string &what) {
  return absl::InvalidArgumentError(what);
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


//===----------------------------------------------------------------------===//
// String literals: "..." with \\ \" \n \t \r and \xHH; every other byte
// outside printable ASCII is written as \xHH, so a literal is one line.
//===----------------------------------------------------------------------===//

std::string stringLiteral(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : bytes) {
    switch (c) {
    case '\\':
      out += "\\\\";
      break;
    case '"':
      out += "\\\"";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (c >= 0x20 && c < 0x7f) {
        out += char(c);
      } else {
        out += "\\x";
        out += digits[c >> 4];
        out += digits[c & 15];
      }
    }
  }
  out += '"';
  return out;
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

/// Parses the string literal at the start of `s` (after blanks) into `out`
/// and drops it from `s`.
absl::Status parseStringLiteral(std::string_view &s, std::string &out) {
  size_t i = s.find_first_not_of(" \t");
  if (i == std::string_view::npos || s[i] != '"')
    return invalid(absl::StrCat("expected a string literal (\"...\"), got ",
                                quoteForMessage(s.substr(std::min(i, s.size())))));
  for (++i; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      s.remove_prefix(i + 1);
      return absl::OkStatus();
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i == s.size())
      break;
    switch (s[i]) {
    case '\\':
    case '"':
      out += s[i];
      break;
    case 'n':
      out += '\n';
      break;
    case 't':
      out += '\t';
      break;
    case 'r':
      out += '\r';
      break;
    case 'x': {
      const int hi = i + 1 < s.size() ? hexDigit(s[i + 1]) : -1;
      const int lo = i + 2 < s.size() ? hexDigit(s[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        return invalid("\\x in a string literal needs two hex digits");
      out += char(hi * 16 + lo);
      i += 2;
      break;
    }
    default:
      return invalid(absl::StrCat(
          "unknown escape ", quoteForMessage(s.substr(i - 1, 2)),
          " in a string literal (allowed: \\\\ \\\" \\n \\t \\r \\xHH)"));
    }
  }
  return invalid("unterminated string literal (a literal ends on its line)");
}

/// `line` up to its comment: the first ';' outside a string literal.
std::string_view stripComment(std::string_view line) {
  bool inString = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (inString && c == '\\')
      ++i;
    else if (c == '"')
      inString = !inString;
    else if (c == ';' && !inString)
      return line.substr(0, i);
  }
  return line;
}

/// Names in comments: printable ASCII (other bytes as \xHH, so that a name
/// cannot end the comment's line), at most 200 bytes.
std::string commentText(std::string_view s) {
  constexpr size_t kMax = 200;
  std::string out;
  for (unsigned char c : s.substr(0, kMax)) {
    if (c >= 0x20 && c < 0x7f)
      out += char(c);
    else
      absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
  }
  if (s.size() > kMax)
    absl::StrAppend(&out, "... (", s.size(), " bytes)");
  return out;
}

/// The target directive and, for a document, its literals: one per line
/// of the document (longer lines in pieces of at most 256 bytes).
void appendTarget(std::string &out, const Program &p) {
  if (p.targetDocument.empty()) {
    absl::StrAppend(&out, ".target preset ", stringLiteral(p.target), "\n");
    return;
  }
  absl::StrAppend(&out, ".target document ", stringLiteral(p.target),
                  "   ; the target file the program was compiled for\n");
  std::string_view doc = p.targetDocument;
  while (!doc.empty()) {
    size_t n = std::min(doc.find('\n'), doc.size() - 1) + 1;
    n = std::min<size_t>(n, 256);
    absl::StrAppend(&out, "  ", stringLiteral(doc.substr(0, n)), "\n");
    doc.remove_prefix(n);
  }
  out += ".end\n";
}

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

} // namespace

std::string formatInstr(const Instr &in) {
  if (unsigned(in.op) >= unsigned(kNumOpcodes))
    return "?";
  const InstrSpec &spec = instrSpec(in.op);
  std::string s(spec.mnemonic);
  const auto &subs = subNames(spec.sub);
  if (!subs.empty())
    absl::StrAppend(&s, " ", in.sub < subs.size() ? subs[in.sub] : "?");
  for (const FieldSpec &f : spec.fields) {
    if (!f.positional)
      absl::StrAppend(&s, " ", f.name);
    absl::StrAppend(&s, " ", in.*f.member);
  }
  if (in.dynamic)
    s += " dynamic";
  return s;
}

std::string disassemble(const Program &p) {
  std::string out = "; SpikeStack program (docs/isa.md)\n";
  absl::StrAppend(&out, ".version ", kProgramVersion, "\n");
  appendTarget(out, p);
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
    absl::StrAppend(&out, "; layer ", li, ": ", commentText(l.op), "\n");
    for (size_t k = 0; k < l.tilings.size(); ++k) {
      const Tiling &t = l.tilings[k];
      absl::StrAppend(&out, ";   tiling ", k, ": ", tileKindName(t.kind),
                      " ", t.rows, "x", t.cols, " reduction ", t.reduction,
                      " outputs ", t.outputs, " groups ", t.groups,
                      " vectors ", t.vectors, " bundle ", t.bundle, " held ",
                      t.heldBits, " bits");
      if (t.dataflow != Dataflow::WeightStationary)
        absl::StrAppend(&out, " ", dataflowName(t.dataflow));
      if (t.rowTiles != 1)
        absl::StrAppend(&out, " row_tiles ", t.rowTiles);
      out += "\n";
    }
  }
  for (size_t gi = 0; gi < p.graphs.size(); ++gi) {
    const Graph &g = p.graphs[gi];
    absl::StrAppend(&out, "; graph ", gi, ": ", g.values.size(), " values, ",
                    g.nodes.size(), " nodes; inputs ",
                    commentText(absl::StrJoin(g.inputNames, ", ")),
                    "; outputs ",
                    commentText(absl::StrJoin(g.outputNames, ", ")), "\n");
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

/// What the assembler says when a sub-operation is missing.
std::string subNeeded(SubKind kind) {
  const auto &names = subNames(kind);
  if (names.size() == 2)
    return absl::StrCat("'", names[0], "' or '", names[1], "'");
  return absl::StrCat("a function (", names[0], ", ", names[1], ", ...)");
}

/// The syntax of a field run starting with a positional one, for its
/// error message ("wait needs 'BARRIER count N'").
std::string positionalSyntax(const InstrSpec &spec) {
  std::string s;
  for (const FieldSpec &f : spec.fields)
    absl::StrAppend(&s, s.empty() ? "" : " ",
                    f.positional ? absl::AsciiStrToUpper(f.name)
                                 : absl::StrCat(f.name, " ", f.placeholder));
  return spec.fields.size() == 1
             ? absl::StrCat("a ", spec.fields[0].name, " number")
             : absl::StrCat("'", s, "'");
}

absl::StatusOr<Instr> parseInstr(const std::vector<std::string_view> &w) {
  Instr in;
  const int op = opcodeOf(w[0]);
  if (op < 0)
    return invalid(absl::StrCat("unknown instruction ", quoteForMessage(w[0])));
  in.op = Opcode(op);
  const InstrSpec &spec = instrSpec(in.op);
  size_t i = 1;
  auto number = [&](int64_t &v) -> bool {
    return i < w.size() && parseInt(w[i++], v);
  };
  const auto &subs = subNames(spec.sub);
  if (!subs.empty()) {
    int sub = -1;
    for (size_t k = 0; i < w.size() && k < subs.size(); ++k)
      if (subs[k] == w[i])
        sub = int(k);
    if (sub < 0)
      return invalid(absl::StrCat(spec.mnemonic, " needs ",
                                  subNeeded(spec.sub)));
    in.sub = uint8_t(sub);
    ++i;
  }
  // A format that starts with a positional field (signal, wait) is
  // checked as one phrase.
  if (!spec.fields.empty() && spec.fields[0].positional) {
    bool ok = true;
    for (const FieldSpec &f : spec.fields)
      ok = ok && (f.positional || (i < w.size() && w[i++] == f.name)) &&
           number(in.*f.member);
    if (!ok)
      return invalid(absl::StrCat(spec.mnemonic, " needs ",
                                  positionalSyntax(spec)));
  } else {
    for (const FieldSpec &f : spec.fields) {
      if (i >= w.size() || w[i] != f.name)
        return invalid(absl::StrCat(spec.mnemonic, " expects '", f.name,
                                    "' at word ", i + 1));
      ++i;
      if (!number(in.*f.member))
        return invalid(absl::StrCat(spec.mnemonic, ": '", f.name,
                                    "' needs an integer"));
    }
  }
  if (i < w.size() && w[i] == "dynamic" && spec.dynamic) {
    in.dynamic = true;
    ++i;
  }
  if (i != w.size())
    return invalid(absl::StrCat("unexpected ", quoteForMessage(w[i])));
  return in;
}

/// The assembler: one pass over the lines, a mode per kind of block.
class Assembler {
public:
  absl::StatusOr<Program> run(std::string_view text);

private:
  enum class Mode { None, Section, Stream, TargetDocument };

  absl::Status line(std::string_view text);
  absl::Status directive(const std::vector<std::string_view> &w,
                         std::string_view text);
  absl::Status header(const std::vector<std::string_view> &w);
  absl::Status target(std::string_view rest);
  absl::Status documentLine(std::string_view text);
  absl::Status section(const std::vector<std::string_view> &w);
  absl::Status stream(const std::vector<std::string_view> &w);
  absl::Status end();
  absl::Status finishSection();
  /// Records that `what` appears on this line; an error if it did before.
  absl::Status once(const std::string &what);
  absl::Status error(const std::string &msg) const {
    return invalid(absl::StrCat("line ", lineNo, ": ", msg));
  }

  Program p;
  Mode mode = Mode::None;
  size_t lineNo = 0, blockLine = 0;
  std::string blockName; ///< the open block, for messages
  std::string hex, sectionKind;
  int64_t sectionIndex = 0;
  std::map<std::string, size_t> seen; ///< directive or block -> first line
};

absl::Status Assembler::once(const std::string &what) {
  auto [it, fresh] = seen.emplace(what, lineNo);
  if (!fresh)
    return error(absl::StrCat("duplicate ", what, " (first at line ",
                              it->second, ")"));
  return absl::OkStatus();
}

absl::StatusOr<Program> Assembler::run(std::string_view text) {
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos)
      nl = text.size();
    std::string_view l = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineNo;
    if (!l.empty() && l.back() == '\r') // CRLF line ends
      l.remove_suffix(1);
    if (auto st = line(l); !st.ok())
      return st;
  }
  if (mode != Mode::None)
    return invalid(absl::StrCat(
        "unterminated section or stream at the end of the input (",
        blockName, " opened at line ", blockLine, " has no .end)"));
  for (const char *required : {".version", ".target", ".fingerprint"})
    if (!seen.count(required))
      return invalid(absl::StrCat("missing ", required));
  if (auto st = verifyProgram(p); !st.ok())
    return invalid("invalid program: " + std::string(st.message()));
  return std::move(p);
}

absl::Status Assembler::line(std::string_view text) {
  text = stripComment(text);
  if (mode == Mode::TargetDocument)
    return documentLine(text);
  const auto w = splitWords(text);
  if (w.empty())
    return absl::OkStatus();
  if (w[0] == ".end")
    return end();
  if (mode == Mode::Section) {
    for (std::string_view word : w)
      for (char ch : word) {
        if (hexDigit(ch) < 0)
          return error(absl::StrCat("bad hex digit ",
                                    quoteForMessage(std::string_view(&ch, 1))));
        hex.push_back(ch);
      }
    return absl::OkStatus();
  }
  if (mode == Mode::Stream) {
    auto in = parseInstr(w);
    if (!in.ok())
      return error(std::string(in.status().message()));
    p.streams.back().push_back(*in);
    return absl::OkStatus();
  }
  return directive(w, text);
}

absl::Status Assembler::directive(const std::vector<std::string_view> &w,
                                  std::string_view text) {
  if (w[0] == ".target") {
    if (auto st = once(".target"); !st.ok())
      return st;
    return target(text.substr(text.find(".target") + 7));
  }
  if (w[0] == ".section")
    return section(w);
  if (w[0] == ".stream")
    return stream(w);
  if (w[0] == ".version" || w[0] == ".fingerprint" || w[0] == ".makespan" ||
      w[0] == ".barriers" || w[0] == ".input_offsets") {
    if (auto st = once(std::string(w[0])); !st.ok())
      return st;
    return header(w);
  }
  return error(absl::StrCat("unknown directive ", quoteForMessage(w[0])));
}

absl::Status Assembler::header(const std::vector<std::string_view> &w) {
  int64_t v = 0;
  if (w[0] == ".version") {
    if (w.size() != 2 || !parseInt(w[1], v))
      return error(".version needs a number");
    if (v != kProgramVersion)
      return error(absl::StrCat("unsupported version ", v,
                                " (this assembler reads version ",
                                kProgramVersion, ")"));
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
  } else {
    for (size_t i = 1; i < w.size(); ++i) {
      if (!parseInt(w[i], v))
        return error(absl::StrCat(".input_offsets needs numbers, got ",
                                  quoteForMessage(w[i])));
      p.inputOffsets.push_back(v);
    }
  }
  return absl::OkStatus();
}

/// `.target preset "NAME"` or `.target document "NAME"` followed by the
/// document's literals and `.end`.
absl::Status Assembler::target(std::string_view rest) {
  const auto w = splitWords(rest);
  const bool preset = !w.empty() && w[0] == "preset";
  if (w.empty() || (!preset && w[0] != "document"))
    return error(absl::StrCat(
        ".target needs 'preset \"NAME\"' or 'document \"NAME\"' (then the "
        "document's string literals and .end), got ",
        quoteForMessage(w.empty() ? std::string_view() : w[0])));
  rest.remove_prefix(rest.find(w[0]) + w[0].size());
  if (auto st = parseStringLiteral(rest, p.target); !st.ok())
    return error(absl::StrCat(".target: ", st.message()));
  if (rest.find_first_not_of(" \t") != std::string_view::npos)
    return error(absl::StrCat(".target: unexpected ", quoteForMessage(rest)));
  if (!preset) {
    mode = Mode::TargetDocument;
    blockLine = lineNo;
    blockName = ".target document";
  }
  return absl::OkStatus();
}

absl::Status Assembler::documentLine(std::string_view text) {
  const auto w = splitWords(text);
  if (!w.empty() && w[0] == ".end" && w.size() == 1)
    return end();
  while (text.find_first_not_of(" \t") != std::string_view::npos) {
    if (auto st = parseStringLiteral(text, p.targetDocument); !st.ok())
      return error(absl::StrCat("in the target document: ", st.message()));
    if (p.targetDocument.size() > size_t(kMaxTargetDocumentBytes))
      return error(absl::StrCat("the target document exceeds ",
                                kMaxTargetDocumentBytes, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status Assembler::section(const std::vector<std::string_view> &w) {
  if (w.size() < 2 ||
      (w[1] != "graph" && w[1] != "constants" && w[1] != "layers"))
    return error(".section needs graph N, constants or layers");
  sectionKind = std::string(w[1]);
  sectionIndex = 0;
  if (sectionKind == "graph" &&
      (w.size() != 3 || !parseInt(w[2], sectionIndex)))
    return error(".section graph needs an index");
  if (sectionKind != "graph" && w.size() != 2)
    return error(absl::StrCat("unexpected ", quoteForMessage(w[2])));
  blockName = sectionKind == "graph"
                  ? absl::StrCat(".section graph ", sectionIndex)
                  : ".section " + sectionKind;
  if (auto st = once(blockName); !st.ok())
    return st;
  if (sectionKind == "graph" && sectionIndex != int64_t(p.graphs.size()))
    return error(absl::StrCat("graph sections must come in order (expected "
                              "graph ",
                              p.graphs.size(), ")"));
  hex.clear();
  mode = Mode::Section;
  blockLine = lineNo;
  return absl::OkStatus();
}

absl::Status Assembler::stream(const std::vector<std::string_view> &w) {
  int64_t v = 0;
  if (w.size() != 3 || w[1] != "core" || !parseInt(w[2], v))
    return error(".stream needs 'core N'");
  blockName = absl::StrCat(".stream core ", v);
  if (auto st = once(blockName); !st.ok())
    return st;
  if (v != int64_t(p.streams.size()))
    return error(absl::StrCat(".stream core N must number the streams "
                              "0, 1, ... in order (expected core ",
                              p.streams.size(), ")"));
  p.streams.emplace_back();
  mode = Mode::Stream;
  blockLine = lineNo;
  return absl::OkStatus();
}

absl::Status Assembler::end() {
  const Mode was = mode;
  mode = Mode::None;
  switch (was) {
  case Mode::None:
    return error(".end outside a section, stream or target document");
  case Mode::Section:
    return finishSection();
  case Mode::TargetDocument:
    if (p.targetDocument.empty())
      return error(absl::StrCat("empty target document (.target document "
                                "at line ",
                                blockLine, ")"));
    return absl::OkStatus();
  case Mode::Stream:
    return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status Assembler::finishSection() {
  if (hex.size() % 2)
    return error("odd number of hex digits");
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes.push_back(char(hexDigit(hex[i]) * 16 + hexDigit(hex[i + 1])));
  hex.clear();
  Reader r(bytes, "section " + sectionKind);
  if (sectionKind == "graph") {
    p.graphs.emplace_back();
    detail::decodeGraph(r, p.graphs.back());
  } else if (sectionKind == "constants") {
    detail::decodeConstants(r, p.constants);
  } else {
    detail::decodeLayers(r, p.layers);
  }
  if (r.ok() && !r.atEnd())
    r.fail("bytes left over");
  if (!r.ok())
    return error(std::string(r.status.message()));
  return absl::OkStatus();
}

} // namespace

absl::StatusOr<Program> assemble(std::string_view text) {
  return Assembler().run(text);
}

} // namespace spikestack::rt
