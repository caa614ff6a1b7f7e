//===- Target.cpp - loading and validating target files -------------------===//
#include "spikestack/Hardware/Target.h"
#include "spikestack/Support/FileUtil.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

using json = nlohmann::json;
using absl::InvalidArgumentError;
using absl::StatusOr;

namespace spikestack::hw {

// The shipped presets and technology tables (lib/Hardware/presets/*.json),
// embedded at build time so tools work without the source tree.
#include "HardwarePresets.inc"

const std::vector<std::pair<std::string, std::string>> &technologyKeys() {
  static const std::vector<std::pair<std::string, std::string>> keys = {
      {"vdd_v", "V"},
      {"e_accumulate_pj", "pJ"},
      {"e_mac_pj", "pJ"},
      {"e_lif_update_pj", "pJ"},
      {"e_scratchpad_fj_per_bit", "fJ/bit"},
      {"e_sram_read_32k_fj_per_bit", "fJ/bit"},
      {"e_sram_write_32k_fj_per_bit", "fJ/bit"},
      {"e_sram_read_128k_fj_per_bit", "fJ/bit"},
      {"e_sram_read_512k_fj_per_bit", "fJ/bit"},
      {"sram_access_cycles", "cycles"},
      {"sram_leakage_mw_per_32k", "mW"},
      {"wire_energy_pj_per_bit_mm", "pJ/bit/mm"},
      {"wire_delay_ns_per_mm", "ns/mm"},
      {"wire_slack_ns", "ns"},
      {"bond_pitch_um", "um"},
      {"bond_signal_fraction", ""},
      {"bond_energy_pj_per_bit", "pJ/bit"},
      {"bond_latency_cycles", "cycles"},
      {"microbump_energy_pj_per_bit", "pJ/bit"},
      {"dram_energy_pj_per_bit", "pJ/bit"},
      {"dram_latency_ns", "ns"},
      {"yield_die_to_wafer", ""},
      {"yield_wafer_to_wafer", ""},
      {"paper_e_ac_pj", "pJ"},
      {"paper_e_mac_pj", "pJ"},
      {"pe_area_um2", "um^2"},
      {"lif_unit_area_um2", "um^2"},
      {"scratchpad_area_um2_per_byte", "um^2/B"},
      {"sram_area_mm2_per_mib", "mm^2/MiB"},
      {"core_overhead_fraction", ""},
  };
  return keys;
}

double Technology::operator[](const std::string &key) const {
  auto it = values.find(key);
  return it == values.end() ? std::nan("") : it->second.value;
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

std::vector<std::string> presetNames() { return {"2d", "3d-mol", "3d-lol"}; }

std::optional<std::string_view> builtinFile(std::string_view name) {
  for (const auto &[n, text] : kBuiltinFiles)
    if (n == name)
      return text;
  return std::nullopt;
}

namespace {

/// Walks a JSON document, turning every problem into an error that names
/// the file and the field's path.
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
      return error(path, absl::StrCat("must be an object, got ", kind(v)));
    for (const auto &[key, _] : v.items())
      if (!known.count(key))
        return error(path, absl::StrCat("unknown field '", key, "' (known: ",
                                        absl::StrJoin(known, ", "), ")"));
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
                   absl::StrCat("must be a string, got ", kind(**v)));
    return (*v)->get<std::string>();
  }

  StatusOr<double> number(const json &v, const std::string &path) const {
    if (!v.is_number())
      return error(path, absl::StrCat("must be a number, got ", kind(v)));
    const double d = v.get<double>();
    if (!std::isfinite(d))
      return error(path, "must be finite");
    return d;
  }

  /// A number > 0 (or >= 0 with `allowZero`).
  StatusOr<double> positive(const json &obj, const std::string &path,
                            const std::string &key,
                            bool allowZero = false) const {
    auto v = field(obj, path, key);
    if (!v.ok())
      return v.status();
    auto d = number(**v, join(path, key));
    if (!d.ok())
      return d.status();
    if (*d < 0 || (!allowZero && *d == 0))
      return error(join(path, key),
                   absl::StrCat("must be ",
                                allowZero ? "non-negative" : "positive",
                                ", got ", (*v)->dump()));
    return *d;
  }

  /// A positive integer below 2^40.
  StatusOr<int64_t> count(const json &obj, const std::string &path,
                          const std::string &key,
                          bool allowZero = false) const {
    auto v = field(obj, path, key);
    if (!v.ok())
      return v.status();
    if (!(*v)->is_number_integer())
      return error(join(path, key),
                   absl::StrCat("must be an integer, got ", (*v)->dump()));
    const int64_t n = (*v)->is_number_unsigned()
                          ? int64_t(std::min<uint64_t>((*v)->get<uint64_t>(),
                                                       uint64_t(1) << 41))
                          : (*v)->get<int64_t>();
    if (n < 0 || (!allowZero && n == 0))
      return error(join(path, key),
                   absl::StrCat("must be ",
                                allowZero ? "non-negative" : "positive",
                                ", got ", n));
    if (n > (int64_t(1) << 40))
      return error(join(path, key), absl::StrCat("is too large (", n, ")"));
    return n;
  }

  static std::string join(const std::string &path, const std::string &key) {
    return path.empty() ? key : path + "." + key;
  }
  static std::string index(const std::string &path, size_t i) {
    return absl::StrCat(path, "[", i, "]");
  }
  static std::string kind(const json &v) {
    return v.is_null()      ? "null"
           : v.is_boolean() ? "a boolean"
           : v.is_number()  ? "a number"
           : v.is_string()  ? "a string"
           : v.is_array()   ? "an array"
                            : "an object";
  }

private:
  std::string file;
};

StatusOr<json> parseJSON(std::string_view text, const std::string &file) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error &e) {
    // Line and column of the byte where parsing failed.
    size_t line = 1, col = 1;
    for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string what = e.what();
    if (auto p = what.find("syntax error"); p != std::string::npos)
      what = what.substr(p);
    return InvalidArgumentError(
        absl::StrCat(file, ":", line, ":", col, ": not valid JSON: ", what));
  }
}

absl::Status checkFormat(const Reader &r, const json &doc,
                         const std::string &format) {
  auto f = r.string(doc, "", "format");
  if (!f.ok())
    return f.status();
  if (*f != format)
    return r.error("format",
                   absl::StrCat("must be \"", format, "\", got \"", *f, "\""));
  auto v = r.count(doc, "", "version");
  if (!v.ok())
    return v.status();
  if (*v != kTargetFormatVersion)
    return r.error("version", absl::StrCat("version ", *v,
                                           " is not supported (this "
                                           "SpikeStack reads version ",
                                           kTargetFormatVersion, ")"));
  return absl::OkStatus();
}

StatusOr<Technology> parseTechnology(const json &doc, const Reader &r,
                                     const std::string &path) {
  if (auto st = r.object(
          doc, path, {"format", "version", "name", "description", "values"});
      !st.ok())
    return st;
  Technology tech;
  auto name = r.string(doc, path, "name");
  if (!name.ok())
    return name.status();
  tech.name = *name;
  auto values = r.field(doc, path, "values");
  if (!values.ok())
    return values.status();
  const std::string vpath = Reader::join(path, "values");
  std::set<std::string> known;
  for (const auto &[k, _] : technologyKeys())
    known.insert(k);
  if (auto st = r.object(**values, vpath, known); !st.ok())
    return st;
  for (const auto &[key, unit] : technologyKeys()) {
    auto entry = r.field(**values, vpath, key);
    if (!entry.ok())
      return entry.status();
    const std::string epath = Reader::join(vpath, key);
    if (auto st = r.object(**entry, epath, {"value", "unit", "source"});
        !st.ok())
      return st;
    auto value = r.positive(**entry, epath, "value", /*allowZero=*/true);
    if (!value.ok())
      return value.status();
    auto u = r.string(**entry, epath, "unit");
    if (!u.ok())
      return u.status();
    if (*u != unit)
      return r.error(Reader::join(epath, "unit"),
                     absl::StrCat("must be \"", unit, "\", got \"", *u, "\""));
    auto source = r.string(**entry, epath, "source");
    if (!source.ok())
      return source.status();
    if (source->empty())
      return r.error(Reader::join(epath, "source"),
                     "must say where the number comes from");
    tech.values[key] = {*value, unit, *source};
  }
  for (const char *fraction :
       {"bond_signal_fraction", "yield_die_to_wafer", "yield_wafer_to_wafer"})
    if (tech[fraction] > 1 || tech[fraction] == 0)
      return r.error(Reader::join(vpath, fraction),
                     absl::StrCat("must be in (0, 1], got ", tech[fraction]));
  return tech;
}

} // namespace

StatusOr<Target> parseTarget(std::string_view text, const std::string &file) {
  auto doc = parseJSON(text, file);
  if (!doc.ok())
    return doc.status();
  Reader r(file);
  if (auto st = r.object(*doc, "",
                         {"format", "version", "name", "description",
                          "technology", "technology_overrides", "clock_mhz",
                          "tiers", "vertical_links"});
      !st.ok())
    return st;
  if (auto st = checkFormat(r, *doc, "spikestack-target"); !st.ok())
    return st;
  Target t;
  auto name = r.string(*doc, "", "name");
  if (!name.ok())
    return name.status();
  t.name = *name;
  if (doc->contains("description")) {
    auto d = r.string(*doc, "", "description");
    if (!d.ok())
      return d.status();
    t.description = *d;
  }

  // Technology: a shipped table by name, or an inline table.
  auto techField = r.field(*doc, "", "technology");
  if (!techField.ok())
    return techField.status();
  if ((*techField)->is_string()) {
    const std::string techName = (*techField)->get<std::string>();
    auto builtin = builtinFile(techName);
    if (!builtin || techName.rfind("tech-", 0) != 0)
      return r.error("technology",
                     absl::StrCat("unknown technology table '", techName,
                                  "' (shipped: tech-28nm; or give the table "
                                  "inline as an object)"));
    auto techDoc = parseJSON(*builtin, techName);
    if (!techDoc.ok())
      return techDoc.status();
    Reader tr(techName + ".json");
    if (auto st = checkFormat(tr, *techDoc, "spikestack-technology"); !st.ok())
      return st;
    auto tech = parseTechnology(*techDoc, tr, "");
    if (!tech.ok())
      return tech.status();
    t.tech = std::move(*tech);
  } else {
    if ((*techField)->is_object()) {
      if (auto st = checkFormat(Reader(file + ": technology"), **techField,
                                "spikestack-technology");
          !st.ok())
        return st;
    }
    auto tech = parseTechnology(**techField, r, "technology");
    if (!tech.ok())
      return tech.status();
    t.tech = std::move(*tech);
  }
  // Overrides: "key": number (the source becomes "target file").
  if (auto it = doc->find("technology_overrides"); it != doc->end()) {
    std::set<std::string> known;
    for (const auto &[k, _] : technologyKeys())
      known.insert(k);
    if (auto st = r.object(*it, "technology_overrides", known); !st.ok())
      return st;
    for (const auto &[key, value] : it->items()) {
      auto d = r.positive(*it, "technology_overrides", key, true);
      if (!d.ok())
        return d.status();
      TechValue &tv = t.tech.values[key];
      tv.value = *d;
      tv.source = absl::StrCat("override in ", file);
    }
  }

  auto clock = r.positive(*doc, "", "clock_mhz");
  if (!clock.ok())
    return clock.status();
  if (*clock > 10000)
    return r.error("clock_mhz",
                   absl::StrCat("must be at most 10000 MHz, got ", *clock));
  t.clockMhz = *clock;

  // Tiers, bottom to top.
  auto tiers = r.field(*doc, "", "tiers");
  if (!tiers.ok())
    return tiers.status();
  if (!(*tiers)->is_array() || (*tiers)->empty())
    return r.error("tiers", "must be a non-empty array of tiers");
  std::set<std::string> names;
  for (size_t i = 0; i < (*tiers)->size(); ++i) {
    const json &tj = (**tiers)[i];
    const std::string tpath = Reader::index("tiers", i);
    if (auto st = r.object(tj, tpath, {"name", "kind", "blocks"}); !st.ok())
      return st;
    Tier tier;
    auto tn = r.string(tj, tpath, "name");
    if (!tn.ok())
      return tn.status();
    if (tn->empty() || !names.insert(*tn).second)
      return r.error(Reader::join(tpath, "name"),
                     absl::StrCat("'", *tn, "' is empty or not unique"));
    tier.name = *tn;
    auto kind = r.string(tj, tpath, "kind");
    if (!kind.ok())
      return kind.status();
    if (*kind == "logic")
      tier.kind = TierKind::Logic;
    else if (*kind == "memory")
      tier.kind = TierKind::Memory;
    else
      return r.error(
          Reader::join(tpath, "kind"),
          absl::StrCat("must be \"logic\" or \"memory\", got \"", *kind, "\""));
    auto blocks = r.field(tj, tpath, "blocks");
    if (!blocks.ok())
      return blocks.status();
    if (!(*blocks)->is_array() || (*blocks)->empty())
      return r.error(Reader::join(tpath, "blocks"),
                     "must be a non-empty array of blocks");
    for (size_t j = 0; j < (*blocks)->size(); ++j) {
      const json &bj = (**blocks)[j];
      const std::string bpath = Reader::index(Reader::join(tpath, "blocks"), j);
      if (!bj.is_object())
        return r.error(bpath, "must be an object");
      Block b;
      auto bk = r.string(bj, bpath, "kind");
      if (!bk.ok())
        return bk.status();
      if (*bk == "core") {
        if (auto st = r.object(bj, bpath,
                               {"name", "kind", "array_rows", "array_cols",
                                "lif_units", "scratchpad_bytes"});
            !st.ok())
          return st;
        b.kind = BlockKind::Core;
        if (tier.kind == TierKind::Memory)
          return r.error(Reader::join(bpath, "kind"),
                         absl::StrCat("a core cannot sit on memory tier '",
                                      tier.name, "'"));
        auto rows = r.count(bj, bpath, "array_rows");
        auto cols = r.count(bj, bpath, "array_cols");
        auto lif = r.count(bj, bpath, "lif_units");
        auto spad = r.count(bj, bpath, "scratchpad_bytes", true);
        for (auto *s : {&rows, &cols, &lif, &spad})
          if (!s->ok())
            return s->status();
        b.core = {*rows, *cols, *lif, *spad};
      } else if (*bk == "sram") {
        if (auto st = r.object(bj, bpath,
                               {"name", "kind", "capacity_bytes", "width_bits",
                                "ports", "holds"});
            !st.ok())
          return st;
        b.kind = BlockKind::Sram;
        auto cap = r.count(bj, bpath, "capacity_bytes");
        auto width = r.count(bj, bpath, "width_bits");
        auto ports = r.count(bj, bpath, "ports");
        for (auto *s : {&cap, &width, &ports})
          if (!s->ok())
            return s->status();
        if (*width % 8)
          return r.error(Reader::join(bpath, "width_bits"),
                         absl::StrCat("must be a multiple of 8, got ", *width));
        b.sram = {*cap, *width, *ports, SramRole::Any};
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
                           absl::StrCat("must be \"weights\", "
                                        "\"activations\" or \"any\", got \"",
                                        *holds, "\""));
        }
      } else {
        return r.error(
            Reader::join(bpath, "kind"),
            absl::StrCat("must be \"core\" or \"sram\", got \"", *bk, "\""));
      }
      auto bn = r.string(bj, bpath, "name");
      if (!bn.ok())
        return bn.status();
      if (bn->empty() || !names.insert(*bn).second)
        return r.error(Reader::join(bpath, "name"),
                       absl::StrCat("'", *bn,
                                    "' is empty or not unique (tier and block "
                                    "names share one namespace)"));
      b.name = *bn;
      tier.blocks.push_back(std::move(b));
    }
    t.tiers.push_back(std::move(tier));
  }
  if (t.blocksOfKind(BlockKind::Core).empty())
    return r.error("tiers", "the stack has no core (a target needs at least "
                            "one logic tier with a core)");
  if (t.blocksOfKind(BlockKind::Sram).empty())
    return r.error("tiers", "the stack has no SRAM bank");

  // Vertical links between adjacent tiers.
  auto tierIndex = [&](const std::string &n) {
    for (int i = 0; i < int(t.tiers.size()); ++i)
      if (t.tiers[i].name == n)
        return i;
    return -1;
  };
  if (auto it = doc->find("vertical_links"); it != doc->end()) {
    if (!it->is_array())
      return r.error("vertical_links", "must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const json &lj = (*it)[i];
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
                         absl::StrCat("unknown tier '", *n, "'"));
      }
      if (l.upper != l.lower + 1)
        return r.error(lpath,
                       absl::StrCat("links tiers ", l.lower, " and ", l.upper,
                                    "; a link joins a tier and the one "
                                    "directly above it (upper = lower + 1)"));
      if (t.link(l.lower, l.upper))
        return r.error(lpath, "duplicates an earlier link");
      auto get = [&](const char *key, const char *tech,
                     bool allowZero) -> StatusOr<double> {
        if (!lj.contains(key))
          return t.tech[tech];
        return r.positive(lj, lpath, key, allowZero);
      };
      auto pitch = get("bond_pitch_um", "bond_pitch_um", false);
      auto frac = get("signal_fraction", "bond_signal_fraction", false);
      auto energy = get("energy_pj_per_bit", "bond_energy_pj_per_bit", true);
      if (!pitch.ok())
        return pitch.status();
      if (!frac.ok())
        return frac.status();
      if (!energy.ok())
        return energy.status();
      if (*frac > 1)
        return r.error(Reader::join(lpath, "signal_fraction"),
                       absl::StrCat("must be in (0, 1], got ", *frac));
      l.bondPitchUm = *pitch;
      l.signalFraction = *frac;
      l.energyPjPerBit = *energy;
      if (lj.contains("latency_cycles")) {
        auto lat = r.count(lj, lpath, "latency_cycles", true);
        if (!lat.ok())
          return lat.status();
        l.latencyCycles = *lat;
      } else {
        l.latencyCycles = int64_t(std::llround(t.tech["bond_latency_cycles"]));
      }
      t.links.push_back(l);
    }
  }
  for (int i = 0; i + 1 < int(t.tiers.size()); ++i)
    if (!t.link(i, i + 1))
      return r.error("vertical_links",
                     absl::StrCat("tiers '", t.tiers[i].name, "' and '",
                                  t.tiers[i + 1].name,
                                  "' are stacked but not linked"));
  return t;
}

StatusOr<Target> loadTarget(const std::string &nameOrPath) {
  if (auto builtin = builtinFile(nameOrPath);
      builtin && nameOrPath.rfind("tech-", 0) != 0)
    return parseTarget(*builtin, nameOrPath + ".json (preset)");
  if (nameOrPath.find('/') == std::string::npos &&
      nameOrPath.find('.') == std::string::npos)
    return absl::NotFoundError(
        absl::StrCat("unknown target preset '", nameOrPath,
                     "' (presets: ", absl::StrJoin(presetNames(), ", "),
                     "; or give the path of a target file)"));
  auto text = readFile(nameOrPath);
  if (!text.ok())
    return text.status();
  return parseTarget(*text, nameOrPath);
}

} // namespace spikestack::hw
