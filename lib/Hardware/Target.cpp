//===- Target.cpp - loading and validating target files -------------------===//
#include "spikestack/Hardware/Target.h"
#include "spikestack/Support/FileUtil.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>

using json = nlohmann::json;
using absl::InvalidArgumentError;
using absl::StatusOr;

namespace spikestack::hw {

// The shipped presets and technology tables (lib/Hardware/presets/*.json),
// embedded at build time so tools work without the source tree.
#include "HardwarePresets.inc"

const std::vector<std::pair<std::string, std::string>> &technologyKeys() {
  static const std::vector<std::pair<std::string, std::string>> keys = [] {
    std::vector<std::pair<std::string, std::string>> k;
    for (const NumberRange &r : kNumberRanges)
      if (r.scope == NumberScope::Technology)
        k.emplace_back(std::string(r.key), std::string(r.unit));
    return k;
  }();
  return keys;
}

const NumberRange *findNumberRange(NumberScope scope, std::string_view key) {
  for (const NumberRange &r : kNumberRanges)
    if (r.scope == scope && r.key == key)
      return &r;
  return nullptr;
}

namespace {

/// Shortest text that reads back as `v` ("0.1", "1099511627776", "1e+30");
/// whole numbers below 1e16 in full.
std::string formatNumber(double v) {
  if (std::isnan(v))
    return "nan";
  if (std::isinf(v))
    return v > 0 ? "inf" : "-inf";
  if (v == std::floor(v) && std::abs(v) < 1e16)
    return absl::StrCat(int64_t(v));
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : absl::StrCat(v);
}

/// "an integer in [1, 4096]", "in (0, 1]", "in [0.1, 1000] um".
std::string rangeText(const NumberRange &r) {
  return absl::StrCat(r.integer ? "an integer in " : "in ",
                      r.minExclusive ? "(" : "[", formatNumber(r.min), ", ",
                      formatNumber(r.max), "]", r.unit.empty() ? "" : " ",
                      std::string(r.unit));
}

bool inRange(const NumberRange &r, double v) {
  if (!(r.minExclusive ? v > r.min : v >= r.min) || !(v <= r.max))
    return false; // also NaN
  return !r.integer || v == std::floor(v);
}

/// Length of the valid UTF-8 sequence at the start of `s`, 0 if invalid.
size_t utf8Length(std::string_view s) {
  const auto b = [&](size_t i) { return uint8_t(s[i]); };
  const uint8_t c = b(0);
  if (c < 0x80)
    return 1;
  size_t n = c >= 0xc2 && c <= 0xdf   ? 2
             : c >= 0xe0 && c <= 0xef ? 3
             : c >= 0xf0 && c <= 0xf4 ? 4
                                      : 0;
  if (n == 0 || s.size() < n)
    return 0;
  for (size_t i = 1; i < n; ++i)
    if ((b(i) & 0xc0) != 0x80)
      return 0;
  // Overlong forms, surrogates and code points beyond U+10FFFF.
  if ((c == 0xe0 && b(1) < 0xa0) || (c == 0xed && b(1) > 0x9f) ||
      (c == 0xf0 && b(1) < 0x90) || (c == 0xf4 && b(1) > 0x8f))
    return 0;
  return n;
}

/// `s` fit for a one-line message: control characters and bytes that are
/// not UTF-8 escaped (\n, \x01), at most `limit` bytes of it kept.
std::string printable(std::string_view s, size_t limit = 64) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (out.size() >= limit) {
      out += "...";
      break;
    }
    const uint8_t c = uint8_t(s[i]);
    const size_t n = utf8Length(s.substr(i));
    // C0 controls, DEL and the C1 controls (U+0080..U+009F).
    const bool control =
        c < 0x20 || c == 0x7f || (n == 2 && c == 0xc2 && uint8_t(s[i + 1]) < 0xa0);
    if (n == 0 || control) {
      if (c == '\n')
        out += "\\n";
      else if (c == '\t')
        out += "\\t";
      else
        out += {'\\', 'x', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]};
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

std::string quote(std::string_view s) { return "'" + printable(s) + "'"; }

/// The problem with `name` as a tier, block, target or technology name, or
/// "" if there is none.
std::string badName(std::string_view name, size_t maxBytes) {
  if (name.empty())
    return "must not be empty";
  if (name.size() > maxBytes)
    return absl::StrCat("is ", name.size(), " bytes long; at most ", maxBytes);
  for (size_t i = 0; i < name.size();) {
    const uint8_t c = uint8_t(name[i]);
    const size_t n = utf8Length(name.substr(i));
    if (n == 0 || c < 0x20 || c == 0x7f ||
        (n == 2 && c == 0xc2 && uint8_t(name[i + 1]) < 0xa0))
      return absl::StrCat(quote(name), " contains a control character");
    i += n;
  }
  return "";
}

/// Line and column (1-based, columns in bytes) of byte `offset`.
std::string position(std::string_view text, size_t offset) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return absl::StrCat(line, ":", col);
}

} // namespace

absl::Status checkNumber(const NumberRange &range, double value) {
  if (inRange(range, value))
    return absl::OkStatus();
  return InvalidArgumentError(absl::StrCat("must be ", rangeText(range),
                                           ", got ", formatNumber(value)));
}

const TechValue &Technology::entry(const std::string &key) const {
  static const TechValue missing{std::nan(""), "", ""};
  if (auto c = corners.find(corner); c != corners.end())
    if (auto it = c->second.values.find(key); it != c->second.values.end())
      return it->second;
  auto it = values.find(key);
  return it == values.end() ? missing : it->second;
}

double Technology::operator[](const std::string &key) const {
  return entry(key).value;
}

std::vector<std::string> Technology::cornerNames() const {
  std::vector<std::string> names{kTypicalCorner};
  for (const auto &[name, _] : corners)
    names.push_back(name);
  return names;
}

bool isCornerKey(const std::string &key) {
  static const std::set<std::string> units = {"pJ", "fJ/bit", "pJ/bit",
                                              "pJ/bit/mm", "mW"};
  for (const auto &[k, unit] : technologyKeys())
    if (k == key)
      return units.count(unit) > 0;
  return false;
}

absl::Status selectCorner(Target &t, const std::string &name) {
  if (name != kTypicalCorner && !t.tech.corners.count(name))
    return absl::NotFoundError(absl::StrCat(
        "unknown corner ", quote(name), " of technology ",
        quote(t.tech.name), " (corners: ",
        absl::StrJoin(t.tech.cornerNames(), ", "), ")"));
  t.tech.corner = name;
  return absl::OkStatus();
}

std::vector<BlockRef> Target::blocksOfKind(BlockKind kind) const {
  std::vector<BlockRef> out;
  for (int t = 0; t < int(tiers.size()); ++t)
    for (int b = 0; b < int(tiers[t].blocks.size()); ++b)
      if (tiers[t].blocks[b].kind == kind)
        out.push_back({t, b});
  return out;
}

std::optional<BlockRef> Target::findBlock(std::string_view name) const {
  for (int t = 0; t < int(tiers.size()); ++t)
    for (int b = 0; b < int(tiers[t].blocks.size()); ++b)
      if (tiers[t].blocks[b].name == name)
        return BlockRef{t, b};
  return std::nullopt;
}

const VerticalLink *Target::link(int a, int b) const {
  for (const VerticalLink &l : links)
    if ((l.lower == a && l.upper == b) || (l.lower == b && l.upper == a))
      return &l;
  return nullptr;
}

std::vector<std::string> presetNames() {
  return {"2d", "3d-mol", "3d-lol", "3d-mol-iso"};
}

std::optional<std::string_view> builtinFile(std::string_view name) {
  for (const auto &[n, text] : kBuiltinFiles)
    if (n == name)
      return text;
  return std::nullopt;
}

namespace {

/// Walks a JSON document, turning every problem into an error that names
/// the file and the field's path as it appears in the file.
class Reader {
public:
  explicit Reader(std::string file) : file(std::move(file)) {}

  absl::Status error(const std::string &path, const std::string &msg) const {
    return InvalidArgumentError(
        absl::StrCat(file, ": ", path.empty() ? "" : path + ": ", msg));
  }

  /// `v` must be an object whose keys are all in `known`.
  absl::Status object(const json &v, const std::string &path,
                      const std::set<std::string> &known) const {
    if (!v.is_object())
      return error(path, absl::StrCat("must be an object, got ", describe(v)));
    for (const auto &[key, _] : v.items())
      if (!known.count(key))
        return error(path, absl::StrCat("unknown field ", quote(key),
                                        " (known: ", absl::StrJoin(known, ", "),
                                        ")"));
    return absl::OkStatus();
  }

  StatusOr<const json *> field(const json &obj, const std::string &path,
                               const std::string &key) const {
    auto it = obj.find(key);
    if (it == obj.end())
      return error(path, absl::StrCat("missing field '", key, "'"));
    return &*it;
  }

  StatusOr<std::string> string(const json &obj, const std::string &path,
                               const std::string &key) const {
    auto v = field(obj, path, key);
    if (!v.ok())
      return v.status();
    if (!(*v)->is_string())
      return error(join(path, key),
                   absl::StrCat("must be a string, got ", describe(**v)));
    return (*v)->get<std::string>();
  }

  /// A name: a string that badName() accepts.
  StatusOr<std::string> name(const json &obj, const std::string &path,
                             const std::string &key, size_t maxBytes) const {
    auto s = string(obj, path, key);
    if (!s.ok())
      return s.status();
    if (std::string bad = badName(*s, maxBytes); !bad.empty())
      return error(join(path, key), bad);
    return s;
  }

  /// The number `v` at `path`, checked against `range`. With
  /// `jsonInteger`, `v` must be written as an integer (array_rows: 32, not
  /// 32.0); otherwise integer ranges only need an integral value.
  StatusOr<double> number(const json &v, const std::string &path,
                          const NumberRange &range, bool jsonInteger) const {
    const bool ok = jsonInteger ? v.is_number_integer() : v.is_number();
    if (!ok)
      return error(path, absl::StrCat("must be ", rangeText(range), ", got ",
                                      describe(v)));
    const double d = v.is_number_unsigned() ? double(v.get<uint64_t>())
                     : v.is_number_integer() ? double(v.get<int64_t>())
                                             : v.get<double>();
    if (!inRange(range, d))
      return error(path, absl::StrCat("must be ", rangeText(range), ", got ",
                                      describe(v)));
    return d;
  }

  /// Field `key` of `obj`, a number of kNumberRanges' row (scope, key).
  StatusOr<double> number(const json &obj, const std::string &path,
                          NumberScope scope, const std::string &key) const {
    const NumberRange *range = findNumberRange(scope, key);
    if (!range) // every number the loader reads has a row
      return absl::InternalError(absl::StrCat("no range for '", key, "'"));
    auto v = field(obj, path, key);
    if (!v.ok())
      return v.status();
    return number(**v, join(path, key), *range,
                  /*jsonInteger=*/scope != NumberScope::Technology &&
                      range->integer);
  }

  /// As number(), for an integer field (exact: every integer range lies
  /// within +-2^53).
  StatusOr<int64_t> integer(const json &obj, const std::string &path,
                            NumberScope scope, const std::string &key) const {
    auto d = number(obj, path, scope, key);
    if (!d.ok())
      return d.status();
    return int64_t(*d);
  }

  static std::string join(const std::string &path, const std::string &key) {
    return path.empty() ? key : path + "." + key;
  }
  static std::string index(const std::string &path, size_t i) {
    return absl::StrCat(path, "[", i, "]");
  }
  /// What `v` is, for messages: a number or a short string as written,
  /// otherwise its kind (never the whole value: it may be huge).
  static std::string describe(const json &v) {
    if (v.is_number_unsigned())
      return absl::StrCat(v.get<uint64_t>());
    if (v.is_number_integer())
      return absl::StrCat(v.get<int64_t>());
    if (v.is_number())
      return formatNumber(v.get<double>());
    if (v.is_string())
      return "\"" + printable(v.get_ref<const std::string &>()) + "\"";
    return v.is_null()      ? "null"
           : v.is_boolean() ? (v.get<bool>() ? "true" : "false")
           : v.is_array()   ? "an array"
                            : "an object";
  }

private:
  std::string file;
};

/// A problem of the JSON text itself, at a byte offset.
struct TextProblem {
  size_t offset;
  std::string message;
};

/// Screens the text before nlohmann::json parses it, for what the parser
/// either accepts silently or cannot locate: arrays and objects nested
/// deeper than kMaxJsonNesting (nothing later recurses into a deep value),
/// numbers beyond the double range (nlohmann throws out_of_range without a
/// position) and a key twice in one object (nlohmann keeps the last one).
/// Anything else malformed is left to the parser, which reports it.
std::optional<TextProblem> screenJSON(std::string_view text) {
  struct Frame {
    bool object;
    std::set<std::string> keys;
  };
  std::vector<Frame> stack;
  char prev = 0; // the last structural character, '"' for a string
  const size_t n = text.size();
  for (size_t i = 0; i < n; ++i) {
    const char c = text[i];
    switch (c) {
    case '"': {
      size_t j = i + 1;
      while (j < n && text[j] != '"')
        j += text[j] == '\\' ? 2 : 1;
      if (j >= n)
        return std::nullopt; // unterminated: the parser says where
      if (!stack.empty() && stack.back().object &&
          (prev == '{' || prev == ',')) {
        std::string_view raw = text.substr(i + 1, j - i - 1);
        std::string key(raw);
        if (raw.find('\\') != std::string_view::npos) {
          try {
            const std::string_view quoted = text.substr(i, j - i + 1);
            key = json::parse(quoted.begin(), quoted.end()).get<std::string>();
          } catch (const json::exception &) {
            return std::nullopt; // a bad escape: the parser says where
          }
        }
        if (!stack.back().keys.insert(key).second)
          return TextProblem{i, absl::StrCat("key ", quote(key),
                                             " appears twice in one object")};
      }
      prev = '"';
      i = j;
      break;
    }
    case '{':
    case '[':
      if (stack.size() >= size_t(kMaxJsonNesting))
        return TextProblem{
            i, absl::StrCat("arrays and objects nested deeper than ",
                            kMaxJsonNesting,
                            " levels (a target file needs 5)")};
      stack.push_back({c == '{', {}});
      prev = c;
      break;
    case '}':
    case ']':
      if (!stack.empty())
        stack.pop_back();
      prev = c;
      break;
    case ',':
    case ':':
      prev = c;
      break;
    case ' ':
    case '\t':
    case '\n':
    case '\r':
      break;
    default:
      if (c == '-' || (c >= '0' && c <= '9')) {
        size_t j = i;
        while (j < n && ((text[j] >= '0' && text[j] <= '9') ||
                         text[j] == '-' || text[j] == '+' || text[j] == '.' ||
                         text[j] == 'e' || text[j] == 'E'))
          ++j;
        const std::string token(text.substr(i, j - i));
        if (std::isinf(std::strtod(token.c_str(), nullptr)))
          return TextProblem{
              i, absl::StrCat("number ", printable(token, 32),
                              " is out of range (magnitude above 1.8e308)")};
        i = j - 1;
      }
      prev = 'v';
      break;
    }
  }
  return std::nullopt;
}

StatusOr<json> parseJSON(std::string_view text, const std::string &file) {
  if (text.size() > size_t(kMaxTargetFileBytes))
    return InvalidArgumentError(
        absl::StrCat(file, ": ", text.size(), " bytes; a target file has at "
                     "most ", kMaxTargetFileBytes));
  if (auto problem = screenJSON(text))
    return InvalidArgumentError(absl::StrCat(
        file, ":", position(text, problem->offset), ": ", problem->message));
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error &e) {
    // e.byte: 1-based offset of the byte where parsing failed.
    std::string what = e.what();
    if (auto p = what.find("syntax error"); p != std::string::npos)
      what = what.substr(p);
    return InvalidArgumentError(
        absl::StrCat(file, ":", position(text, e.byte ? e.byte - 1 : 0),
                     ": not valid JSON: ", printable(what, 200)));
  } catch (const json::exception &e) {
    // screenJSON catches what nlohmann reports this way (number overflow);
    // never let one escape.
    return InvalidArgumentError(absl::StrCat(file, ": not valid JSON: ",
                                             printable(e.what(), 200)));
  }
}

absl::Status checkFormat(const Reader &r, const json &doc,
                         const std::string &path, const std::string &format) {
  if (!doc.is_object())
    return r.error(path, absl::StrCat("must be an object, got ",
                                      Reader::describe(doc)));
  auto f = r.string(doc, path, "format");
  if (!f.ok())
    return f.status();
  if (*f != format)
    return r.error(Reader::join(path, "format"),
                   absl::StrCat("must be \"", format, "\", got \"",
                                printable(*f), "\""));
  auto v = r.field(doc, path, "version");
  if (!v.ok())
    return v.status();
  if (!(*v)->is_number_integer() ||
      (*v)->get<int64_t>() != kTargetFormatVersion)
    return r.error(Reader::join(path, "version"),
                   absl::StrCat("version ", Reader::describe(**v),
                                " is not supported (this SpikeStack reads "
                                "version ",
                                kTargetFormatVersion, ")"));
  return absl::OkStatus();
}

/// Every technology number, inline, shipped or overridden, goes through
/// here (the Technology rows of kNumberRanges).
StatusOr<double> technologyValue(const Reader &r, const json &v,
                                 const std::string &path,
                                 const std::string &key) {
  const NumberRange *range = findNumberRange(NumberScope::Technology, key);
  if (!range) // technologyKeys() are the Technology rows
    return absl::InternalError(absl::StrCat("no range for '", key, "'"));
  return r.number(v, path, *range, /*jsonInteger=*/false);
}

std::set<std::string> technologyKeySet() {
  std::set<std::string> known;
  for (const auto &[k, _] : technologyKeys())
    known.insert(k);
  return known;
}

/// One entry of a table's or corner's "values": {"value", "unit",
/// "source"}, the value in `key`'s range, the unit `key`'s, the source
/// not empty.
StatusOr<TechValue> parseTechEntry(const Reader &r, const json &values,
                                   const std::string &vpath,
                                   const std::string &key,
                                   const std::string &unit) {
  auto entry = r.field(values, vpath, key);
  if (!entry.ok())
    return entry.status();
  const std::string epath = Reader::join(vpath, key);
  if (auto st = r.object(**entry, epath, {"value", "unit", "source"});
      !st.ok())
    return st;
  auto v = r.field(**entry, epath, "value");
  if (!v.ok())
    return v.status();
  auto value = technologyValue(r, **v, Reader::join(epath, "value"), key);
  if (!value.ok())
    return value.status();
  auto u = r.string(**entry, epath, "unit");
  if (!u.ok())
    return u.status();
  if (*u != unit)
    return r.error(Reader::join(epath, "unit"),
                   absl::StrCat("must be \"", unit, "\", got \"",
                                printable(*u), "\""));
  auto source = r.string(**entry, epath, "source");
  if (!source.ok())
    return source.status();
  if (source->empty())
    return r.error(Reader::join(epath, "source"),
                   "must say where the number comes from");
  return TechValue{*value, unit, *source};
}

/// A table's "corners": name -> {"description", "values"}, the values
/// energy and power keys only (isCornerKey), each an entry as in the
/// table. "typical" is the table's own values, not a corner to list.
absl::Status parseCorners(const Reader &r, const json &doc,
                          const std::string &path, Technology &tech) {
  const std::string cpath = Reader::join(path, "corners");
  const json &corners = doc["corners"];
  if (!corners.is_object())
    return r.error(cpath, absl::StrCat("must be an object, got ",
                                       Reader::describe(corners)));
  std::set<std::string> cornerKeys;
  for (const auto &[k, _] : technologyKeys())
    if (isCornerKey(k))
      cornerKeys.insert(k);
  for (const auto &[name, cj] : corners.items()) {
    const std::string npath = Reader::join(cpath, name);
    if (std::string bad = badName(name, kMaxTitleBytes); !bad.empty())
      return r.error(cpath, bad);
    if (name == kTypicalCorner)
      return r.error(npath, "the table's own values are the typical corner; "
                            "list only the other corners");
    if (auto st = r.object(cj, npath, {"description", "values"}); !st.ok())
      return st;
    TechCorner corner;
    if (cj.contains("description")) {
      auto d = r.string(cj, npath, "description");
      if (!d.ok())
        return d.status();
      corner.description = *d;
    }
    auto values = r.field(cj, npath, "values");
    if (!values.ok())
      return values.status();
    const std::string vpath = Reader::join(npath, "values");
    if (auto st = r.object(**values, vpath, cornerKeys); !st.ok())
      return st;
    for (const auto &[key, unit] : technologyKeys()) {
      if (!(*values)->contains(key))
        continue;
      auto e = parseTechEntry(r, **values, vpath, key, unit);
      if (!e.ok())
        return e.status();
      corner.values[key] = *e;
    }
    tech.corners[name] = std::move(corner);
  }
  return absl::OkStatus();
}

StatusOr<Technology> parseTechnology(const json &doc, const Reader &r,
                                     const std::string &path) {
  if (auto st = r.object(doc, path,
                         {"format", "version", "name", "description", "values",
                          "corners"});
      !st.ok())
    return st;
  Technology tech;
  auto name = r.name(doc, path, "name", kMaxTitleBytes);
  if (!name.ok())
    return name.status();
  tech.name = *name;
  if (doc.contains("description"))
    if (auto d = r.string(doc, path, "description"); !d.ok())
      return d.status();
  auto values = r.field(doc, path, "values");
  if (!values.ok())
    return values.status();
  const std::string vpath = Reader::join(path, "values");
  if (auto st = r.object(**values, vpath, technologyKeySet()); !st.ok())
    return st;
  for (const auto &[key, unit] : technologyKeys()) {
    auto e = parseTechEntry(r, **values, vpath, key, unit);
    if (!e.ok())
      return e.status();
    tech.values[key] = *e;
  }
  if (doc.contains("corners"))
    if (auto st = parseCorners(r, doc, path, tech); !st.ok())
      return st;
  return tech;
}

/// A core's "dataflows": a non-empty array of distinct
/// "weight_stationary" / "output_stationary".
absl::Status parseDataflows(const Reader &r, const json &bj,
                            const std::string &bpath, CoreSpec &core) {
  const std::string path = Reader::join(bpath, "dataflows");
  const json &d = bj["dataflows"];
  if (!d.is_array() || d.empty() || d.size() > 2)
    return r.error(path, absl::StrCat("must be an array of one or two of "
                                      "\"weight_stationary\" and "
                                      "\"output_stationary\", got ",
                                      Reader::describe(d)));
  core.weightStationary = core.outputStationary = false;
  for (size_t i = 0; i < d.size(); ++i) {
    const std::string at = absl::StrCat(path, "[", i, "]");
    bool *flag = nullptr;
    if (d[i].is_string() && d[i].get<std::string>() == "weight_stationary")
      flag = &core.weightStationary;
    else if (d[i].is_string() &&
             d[i].get<std::string>() == "output_stationary")
      flag = &core.outputStationary;
    if (!flag)
      return r.error(at, absl::StrCat("must be \"weight_stationary\" or "
                                      "\"output_stationary\", got ",
                                      Reader::describe(d[i])));
    if (*flag)
      return r.error(at, "is listed twice");
    *flag = true;
  }
  return absl::OkStatus();
}

StatusOr<Block> parseBlock(const Reader &r, const json &bj,
                           const std::string &bpath, const Tier &tier) {
  if (!bj.is_object())
    return r.error(bpath, absl::StrCat("must be an object, got ",
                                       Reader::describe(bj)));
  Block b;
  auto bk = r.string(bj, bpath, "kind");
  if (!bk.ok())
    return bk.status();
  if (*bk == "core") {
    if (auto st = r.object(bj, bpath,
                           {"name", "kind", "array_rows", "array_cols",
                            "lif_units", "scratchpad_bytes", "dataflows"});
        !st.ok())
      return st;
    b.kind = BlockKind::Core;
    if (tier.kind == TierKind::Memory)
      return r.error(Reader::join(bpath, "kind"),
                     absl::StrCat("a core cannot sit on memory tier ",
                                  quote(tier.name)));
    int64_t *slots[] = {&b.core.rows, &b.core.cols, &b.core.lifUnits,
                        &b.core.scratchpadBytes};
    const char *keys[] = {"array_rows", "array_cols", "lif_units",
                          "scratchpad_bytes"};
    for (int i = 0; i < 4; ++i) {
      auto n = r.integer(bj, bpath, NumberScope::Core, keys[i]);
      if (!n.ok())
        return n.status();
      *slots[i] = *n;
    }
    if (bj.contains("dataflows"))
      if (auto st = parseDataflows(r, bj, bpath, b.core); !st.ok())
        return st;
  } else if (*bk == "sram") {
    if (auto st = r.object(bj, bpath,
                           {"name", "kind", "capacity_bytes", "width_bits",
                            "ports", "holds"});
        !st.ok())
      return st;
    b.kind = BlockKind::Sram;
    int64_t *slots[] = {&b.sram.capacityBytes, &b.sram.widthBits,
                        &b.sram.ports};
    const char *keys[] = {"capacity_bytes", "width_bits", "ports"};
    for (int i = 0; i < 3; ++i) {
      auto n = r.integer(bj, bpath, NumberScope::Sram, keys[i]);
      if (!n.ok())
        return n.status();
      *slots[i] = *n;
    }
    if (b.sram.widthBits % 8)
      return r.error(Reader::join(bpath, "width_bits"),
                     absl::StrCat("must be a multiple of 8, got ",
                                  b.sram.widthBits));
    if (bj.contains("holds")) {
      auto holds = r.string(bj, bpath, "holds");
      if (!holds.ok())
        return holds.status();
      if (*holds == "weights")
        b.sram.holds = SramRole::Weights;
      else if (*holds == "activations")
        b.sram.holds = SramRole::Activations;
      else if (*holds != "any")
        return r.error(Reader::join(bpath, "holds"),
                       absl::StrCat("must be \"weights\", \"activations\" or "
                                    "\"any\", got \"",
                                    printable(*holds), "\""));
    }
  } else {
    return r.error(Reader::join(bpath, "kind"),
                   absl::StrCat("must be \"core\" or \"sram\", got \"",
                                printable(*bk), "\""));
  }
  auto bn = r.name(bj, bpath, "name", kMaxNameBytes);
  if (!bn.ok())
    return bn.status();
  b.name = *bn;
  return b;
}

/// The target's technology (a shipped table by name, or an inline table)
/// and its technology_overrides.
absl::Status parseTargetTechnology(const Reader &r, const json &doc,
                                   const std::string &file, Target &t) {
  auto techField = r.field(doc, "", "technology");
  if (!techField.ok())
    return techField.status();
  if ((*techField)->is_string()) {
    const std::string techName = (*techField)->get<std::string>();
    auto builtin = builtinFile(techName);
    if (!builtin || techName.rfind("tech-", 0) != 0)
      return r.error("technology",
                     absl::StrCat("unknown technology table ", quote(techName),
                                  " (shipped: tech-28nm; or give the table "
                                  "inline as an object)"));
    auto techDoc = parseJSON(*builtin, techName + ".json");
    if (!techDoc.ok())
      return techDoc.status();
    Reader tr(techName + ".json");
    if (auto st = checkFormat(tr, *techDoc, "", "spikestack-technology");
        !st.ok())
      return st;
    auto tech = parseTechnology(*techDoc, tr, "");
    if (!tech.ok())
      return tech.status();
    t.tech = std::move(*tech);
  } else {
    if (auto st = checkFormat(r, **techField, "technology",
                              "spikestack-technology");
        !st.ok())
      return st;
    auto tech = parseTechnology(**techField, r, "technology");
    if (!tech.ok())
      return tech.status();
    t.tech = std::move(*tech);
  }
  // Overrides: "key": number (the source becomes "override in FILE"),
  // checked against the same ranges as the tables.
  if (auto it = doc.find("technology_overrides"); it != doc.end()) {
    if (auto st = r.object(*it, "technology_overrides", technologyKeySet());
        !st.ok())
      return st;
    for (const auto &[key, value] : it->items()) {
      auto d = technologyValue(r, value,
                               Reader::join("technology_overrides", key), key);
      if (!d.ok())
        return d.status();
      TechValue &tv = t.tech.values[key];
      tv.value = *d;
      tv.source = absl::StrCat("override in ", file);
    }
  }
  return absl::OkStatus();
}

/// Tier `i` (`tj`) of the stack, appended to `t.tiers`. `names`,
/// `numBlocks` and `sramBytes` accumulate over the tiers: one namespace
/// for tiers and blocks, the stack's block count and SRAM bytes.
absl::Status parseTier(const Reader &r, const json &tj, size_t i,
                       std::set<std::string> &names, size_t &numBlocks,
                       int64_t &sramBytes, Target &t) {
  const std::string tpath = Reader::index("tiers", i);
  if (auto st = r.object(tj, tpath, {"name", "kind", "blocks"}); !st.ok())
    return st;
  Tier tier;
  auto tn = r.name(tj, tpath, "name", kMaxNameBytes);
  if (!tn.ok())
    return tn.status();
  if (!names.insert(*tn).second)
    return r.error(Reader::join(tpath, "name"),
                   absl::StrCat(quote(*tn), " is not unique (tier and block "
                                            "names share one namespace)"));
  tier.name = *tn;
  auto kind = r.string(tj, tpath, "kind");
  if (!kind.ok())
    return kind.status();
  if (*kind == "logic")
    tier.kind = TierKind::Logic;
  else if (*kind == "memory")
    tier.kind = TierKind::Memory;
  else
    return r.error(Reader::join(tpath, "kind"),
                   absl::StrCat("must be \"logic\" or \"memory\", got \"",
                                printable(*kind), "\""));
  auto blocks = r.field(tj, tpath, "blocks");
  if (!blocks.ok())
    return blocks.status();
  if (!(*blocks)->is_array() || (*blocks)->empty())
    return r.error(Reader::join(tpath, "blocks"),
                   "must be a non-empty array of blocks");
  numBlocks += (*blocks)->size();
  if (numBlocks > size_t(kMaxBlocks))
    return r.error(Reader::join(tpath, "blocks"),
                   absl::StrCat("the stack has more than ", kMaxBlocks,
                                " blocks"));
  for (size_t j = 0; j < (*blocks)->size(); ++j) {
    const std::string bpath = Reader::index(Reader::join(tpath, "blocks"), j);
    auto b = parseBlock(r, (**blocks)[j], bpath, tier);
    if (!b.ok())
      return b.status();
    if (!names.insert(b->name).second)
      return r.error(Reader::join(bpath, "name"),
                     absl::StrCat(quote(b->name),
                                  " is not unique (tier and block names "
                                  "share one namespace)"));
    if (b->kind == BlockKind::Sram) {
      // Each bank is at most kTiB and there are at most kMaxBlocks: no
      // overflow.
      sramBytes += b->sram.capacityBytes;
      if (sramBytes > kMaxTotalSramBytes)
        return r.error(Reader::join(bpath, "capacity_bytes"),
                       absl::StrCat("the banks hold ", sramBytes,
                                    " bytes in total up to here; at most ",
                                    kMaxTotalSramBytes, " (1 TiB)"));
    }
    tier.blocks.push_back(std::move(*b));
  }
  t.tiers.push_back(std::move(tier));
  return absl::OkStatus();
}

/// The tiers, bottom to top, appended to `t.tiers`.
absl::Status parseTiers(const Reader &r, const json &doc, Target &t) {
  auto tiers = r.field(doc, "", "tiers");
  if (!tiers.ok())
    return tiers.status();
  if (!(*tiers)->is_array() || (*tiers)->empty())
    return r.error("tiers", "must be a non-empty array of tiers");
  if ((*tiers)->size() > size_t(kMaxTiers))
    return r.error("tiers", absl::StrCat((*tiers)->size(),
                                         " tiers; a stack has at most ",
                                         kMaxTiers));
  std::set<std::string> names;
  size_t numBlocks = 0;
  int64_t sramBytes = 0;
  for (size_t i = 0; i < (*tiers)->size(); ++i)
    if (auto st =
            parseTier(r, (**tiers)[i], i, names, numBlocks, sramBytes, t);
        !st.ok())
      return st;
  if (t.blocksOfKind(BlockKind::Core).empty())
    return r.error("tiers", "the stack has no core (a target needs at least "
                            "one logic tier with a core)");
  if (t.blocksOfKind(BlockKind::Sram).empty())
    return r.error("tiers", "the stack has no SRAM bank");
  return absl::OkStatus();
}

/// Vertical link `i` (`lj`), appended to `t.links`; `tierIndex` maps a
/// tier name to its index (-1 when unknown).
template <typename TierIndex>
absl::Status parseLink(const Reader &r, const json &lj, size_t i,
                       const TierIndex &tierIndex, Target &t) {
  const std::string lpath = Reader::index("vertical_links", i);
  if (auto st =
          r.object(lj, lpath,
                   {"lower", "upper", "bond_pitch_um", "signal_fraction",
                    "energy_pj_per_bit", "latency_cycles"});
      !st.ok())
    return st;
  VerticalLink l;
  for (auto [key, slot] :
       {std::pair{"lower", &l.lower}, std::pair{"upper", &l.upper}}) {
    auto n = r.string(lj, lpath, key);
    if (!n.ok())
      return n.status();
    *slot = tierIndex(*n);
    if (*slot < 0)
      return r.error(Reader::join(lpath, key),
                     absl::StrCat("unknown tier ", quote(*n)));
  }
  if (l.upper != l.lower + 1)
    return r.error(lpath,
                   absl::StrCat("links tiers ", l.lower, " and ", l.upper,
                                "; a link joins a tier and the one "
                                "directly above it (upper = lower + 1)"));
  if (t.link(l.lower, l.upper))
    return r.error(lpath, "duplicates an earlier link");
  // Absent parameters default to the technology's (same ranges).
  auto get = [&](const char *key, const char *tech) -> StatusOr<double> {
    if (!lj.contains(key))
      return t.tech[tech];
    return r.number(lj, lpath, NumberScope::Link, key);
  };
  auto pitch = get("bond_pitch_um", "bond_pitch_um");
  if (!pitch.ok())
    return pitch.status();
  auto frac = get("signal_fraction", "bond_signal_fraction");
  if (!frac.ok())
    return frac.status();
  auto energy = get("energy_pj_per_bit", "bond_energy_pj_per_bit");
  if (!energy.ok())
    return energy.status();
  auto latency = get("latency_cycles", "bond_latency_cycles");
  if (!latency.ok())
    return latency.status();
  l.bondPitchUm = *pitch;
  l.signalFraction = *frac;
  l.energyPjPerBit = *energy;
  l.latencyCycles = int64_t(*latency); // integral, in [0, 1000]
  t.links.push_back(l);
  return absl::OkStatus();
}

/// The vertical links between adjacent tiers (every pair of stacked tiers
/// needs one).
absl::Status parseVerticalLinks(const Reader &r, const json &doc, Target &t) {
  auto tierIndex = [&](const std::string &n) {
    for (int i = 0; i < int(t.tiers.size()); ++i)
      if (t.tiers[i].name == n)
        return i;
    return -1;
  };
  if (auto it = doc.find("vertical_links"); it != doc.end()) {
    if (!it->is_array())
      return r.error("vertical_links", "must be an array");
    if (it->size() > t.tiers.size() - 1)
      return r.error("vertical_links",
                     absl::StrCat(it->size(), " links for ", t.tiers.size(),
                                  " tier(s); a link joins a tier and the one "
                                  "directly above it"));
    for (size_t i = 0; i < it->size(); ++i)
      if (auto st = parseLink(r, (*it)[i], i, tierIndex, t); !st.ok())
        return st;
  }
  for (int i = 0; i + 1 < int(t.tiers.size()); ++i)
    if (!t.link(i, i + 1))
      return r.error("vertical_links",
                     absl::StrCat("tiers ", quote(t.tiers[i].name), " and ",
                                  quote(t.tiers[i + 1].name),
                                  " are stacked but not linked"));
  return absl::OkStatus();
}

/// The optional "dram" object: the off-chip DRAM level. Absent fields take
/// the defaults of DramSpec, latency and energy those of the technology
/// (dram_latency_ns, dram_energy_pj_per_bit, so technology_overrides
/// apply); the interface tier defaults to tier 0. Needs the tiers and the
/// technology parsed.
absl::Status parseDram(const Reader &r, const json &doc, Target &t) {
  t.dram = DramSpec();
  t.dram.latencyNs = t.tech["dram_latency_ns"];
  t.dram.energyPjPerBit = t.tech["dram_energy_pj_per_bit"];
  auto it = doc.find("dram");
  if (it == doc.end())
    return absl::OkStatus();
  const json &dj = *it;
  if (auto st = r.object(dj, "dram",
                         {"channels", "bandwidth_gb_s", "latency_ns",
                          "energy_pj_per_bit", "tier"});
      !st.ok())
    return st;
  if (dj.contains("channels")) {
    auto n = r.integer(dj, "dram", NumberScope::Dram, "channels");
    if (!n.ok())
      return n.status();
    t.dram.channels = *n;
  }
  for (auto [key, slot] :
       {std::pair{"bandwidth_gb_s", &t.dram.bandwidthGBs},
        std::pair{"latency_ns", &t.dram.latencyNs},
        std::pair{"energy_pj_per_bit", &t.dram.energyPjPerBit}}) {
    if (!dj.contains(key))
      continue;
    auto d = r.number(dj, "dram", NumberScope::Dram, key);
    if (!d.ok())
      return d.status();
    *slot = *d;
  }
  if (dj.contains("tier")) {
    auto name = r.string(dj, "dram", "tier");
    if (!name.ok())
      return name.status();
    t.dram.tier = -1;
    for (int i = 0; i < int(t.tiers.size()); ++i)
      if (t.tiers[i].name == *name)
        t.dram.tier = i;
    if (t.dram.tier < 0)
      return r.error("dram.tier", absl::StrCat("unknown tier ", quote(*name)));
  }
  return absl::OkStatus();
}

} // namespace

StatusOr<Target> parseTarget(std::string_view text, const std::string &file) {
  auto doc = parseJSON(text, file);
  if (!doc.ok())
    return doc.status();
  Reader r(file);
  if (auto st = r.object(*doc, "",
                         {"format", "version", "name", "description",
                          "technology", "technology_overrides", "corner",
                          "clock_mhz", "dram", "tiers", "vertical_links"});
      !st.ok())
    return st;
  if (auto st = checkFormat(r, *doc, "", "spikestack-target"); !st.ok())
    return st;
  Target t;
  auto name = r.name(*doc, "", "name", kMaxTitleBytes);
  if (!name.ok())
    return name.status();
  t.name = *name;
  if (doc->contains("description")) {
    auto d = r.string(*doc, "", "description");
    if (!d.ok())
      return d.status();
    t.description = *d;
  }
  if (auto st = parseTargetTechnology(r, *doc, file, t); !st.ok())
    return st;
  if (doc->contains("corner")) {
    auto corner = r.string(*doc, "", "corner");
    if (!corner.ok())
      return corner.status();
    if (auto st = selectCorner(t, *corner); !st.ok())
      return r.error("corner", std::string(st.message()));
  }
  auto clock = r.number(*doc, "", NumberScope::Target, "clock_mhz");
  if (!clock.ok())
    return clock.status();
  t.clockMhz = *clock;
  if (auto st = parseTiers(r, *doc, t); !st.ok())
    return st;
  if (auto st = parseVerticalLinks(r, *doc, t); !st.ok())
    return st;
  if (auto st = parseDram(r, *doc, t); !st.ok())
    return st;
  return t;
}

StatusOr<Target> loadTarget(const std::string &nameOrPath) {
  if (auto builtin = builtinFile(nameOrPath);
      builtin && nameOrPath.rfind("tech-", 0) != 0)
    return parseTarget(*builtin, nameOrPath + ".json (preset)");
  if (nameOrPath.find('/') == std::string::npos &&
      nameOrPath.find('.') == std::string::npos)
    return absl::NotFoundError(
        absl::StrCat("unknown target preset ", quote(nameOrPath),
                     " (presets: ", absl::StrJoin(presetNames(), ", "),
                     "; or give the path of a target file)"));
  auto text =
      readFile(nameOrPath, ReadOptions{"target file", kMaxTargetFileBytes});
  if (!text.ok())
    return text.status();
  return parseTarget(*text, nameOrPath);
}

} // namespace spikestack::hw
