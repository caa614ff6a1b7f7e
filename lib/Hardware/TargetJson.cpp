//===- TargetJson.cpp - writing targets back; iso-footprint stacks --------===//
//
// targetJson: a Target as a target file (technology inline) that
// parseTarget reads back to the same Target. isoFootprint: a
// memory-on-logic stack whose memory tiers' SRAM grows to the logic
// tier's footprint (docs/targets.md, "Iso-footprint memory on logic").
//
//===----------------------------------------------------------------------===//
#include "spikestack/Hardware/PhysicalModel.h"
#include "spikestack/Hardware/Target.h"

#include "absl/strings/str_cat.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

using ojson = nlohmann::ordered_json;

namespace spikestack::hw {

namespace {

/// A number as the presets write it: whole numbers as JSON integers (so
/// integer fields read back as integers), others as the shortest decimal
/// that reads back as the same double.
ojson number(double v) {
  if (v == std::floor(v) && std::abs(v) < 9007199254740992.0)
    return ojson(int64_t(v));
  return ojson(v);
}

ojson technologyJson(const Technology &tech) {
  ojson values = ojson::object();
  for (const auto &[key, unit] : technologyKeys()) {
    auto it = tech.values.find(key);
    const TechValue tv = it == tech.values.end() ? TechValue{} : it->second;
    ojson e = ojson::object();
    e["value"] = number(tv.value);
    e["unit"] = unit;
    e["source"] = tv.source;
    values[key] = std::move(e);
  }
  ojson j = ojson::object();
  j["format"] = "spikestack-technology";
  j["version"] = kTargetFormatVersion;
  j["name"] = tech.name;
  j["values"] = std::move(values);
  if (!tech.corners.empty()) {
    ojson corners = ojson::object();
    for (const auto &[name, corner] : tech.corners) {
      ojson c = ojson::object();
      if (!corner.description.empty())
        c["description"] = corner.description;
      ojson cv = ojson::object();
      for (const auto &[key, tv] : corner.values)
        cv[key] = ojson{{"value", number(tv.value)},
                        {"unit", tv.unit},
                        {"source", tv.source}};
      c["values"] = std::move(cv);
      corners[name] = std::move(c);
    }
    j["corners"] = std::move(corners);
  }
  return j;
}

ojson blockJson(const Block &b) {
  ojson j = ojson::object();
  j["name"] = b.name;
  if (b.kind == BlockKind::Core) {
    j["kind"] = "core";
    j["array_rows"] = b.core.rows;
    j["array_cols"] = b.core.cols;
    j["lif_units"] = b.core.lifUnits;
    j["scratchpad_bytes"] = b.core.scratchpadBytes;
    if (!b.core.weightStationary || b.core.outputStationary) {
      ojson d = ojson::array();
      if (b.core.weightStationary)
        d.push_back("weight_stationary");
      if (b.core.outputStationary)
        d.push_back("output_stationary");
      j["dataflows"] = std::move(d);
    }
    return j;
  }
  j["kind"] = "sram";
  j["capacity_bytes"] = b.sram.capacityBytes;
  j["width_bits"] = b.sram.widthBits;
  j["ports"] = b.sram.ports;
  j["holds"] = b.sram.holds == SramRole::Weights       ? "weights"
               : b.sram.holds == SramRole::Activations ? "activations"
                                                       : "any";
  return j;
}

/// "%.*f" of `v`: fixed decimals, the same text on every platform.
std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

/// Memory tiers directly above or below a logic tier.
std::vector<int> memoryOnLogicTiers(const Target &t) {
  std::vector<int> out;
  const int n = int(t.tiers.size());
  for (int i = 0; i < n; ++i) {
    if (t.tiers[i].kind != TierKind::Memory)
      continue;
    const bool below = i > 0 && t.tiers[i - 1].kind == TierKind::Logic;
    const bool above = i + 1 < n && t.tiers[i + 1].kind == TierKind::Logic;
    if (below || above)
      out.push_back(i);
  }
  return out;
}

int64_t tierSramBytes(const Tier &tier) {
  int64_t s = 0;
  for (const Block &b : tier.blocks)
    if (b.kind == BlockKind::Sram)
      s += b.sram.capacityBytes;
  return s;
}

/// `t` with every SRAM bank of the tiers `mem` scaled by `factor`, rounded
/// down to 4 KiB (at least 4 KiB); fails if a bank would exceed the range
/// of capacity_bytes.
absl::StatusOr<Target> scaledBanks(const Target &t, const std::vector<int> &mem,
                                   double factor) {
  constexpr int64_t kGranule = 4 * kKiB;
  Target out = t;
  for (int i : mem)
    for (Block &b : out.tiers[i].blocks) {
      if (b.kind != BlockKind::Sram)
        continue;
      const double bytes = double(b.sram.capacityBytes) * factor;
      if (!(bytes <= double(kTiB)))
        return absl::InvalidArgumentError(absl::StrCat(
            "isoFootprint: bank '", b.name, "' of target '", t.name,
            "' would hold more than 1 TiB (scale factor ", factor, ")"));
      b.sram.capacityBytes =
          std::max(kGranule, int64_t(bytes) / kGranule * kGranule);
    }
  return out;
}

} // namespace

std::string targetJson(const Target &t) {
  ojson j = ojson::object();
  j["format"] = "spikestack-target";
  j["version"] = kTargetFormatVersion;
  j["name"] = t.name;
  if (!t.description.empty())
    j["description"] = t.description;
  j["technology"] = technologyJson(t.tech);
  if (t.tech.corner != kTypicalCorner)
    j["corner"] = t.tech.corner;
  j["clock_mhz"] = number(t.clockMhz);
  ojson dram = ojson::object();
  dram["channels"] = t.dram.channels;
  dram["bandwidth_gb_s"] = number(t.dram.bandwidthGBs);
  dram["latency_ns"] = number(t.dram.latencyNs);
  dram["energy_pj_per_bit"] = number(t.dram.energyPjPerBit);
  if (t.dram.tier >= 0 && t.dram.tier < int(t.tiers.size()))
    dram["tier"] = t.tiers[t.dram.tier].name;
  j["dram"] = std::move(dram);
  ojson tiers = ojson::array();
  for (const Tier &tier : t.tiers) {
    ojson tj = ojson::object();
    tj["name"] = tier.name;
    tj["kind"] = tier.kind == TierKind::Logic ? "logic" : "memory";
    ojson blocks = ojson::array();
    for (const Block &b : tier.blocks)
      blocks.push_back(blockJson(b));
    tj["blocks"] = std::move(blocks);
    tiers.push_back(std::move(tj));
  }
  j["tiers"] = std::move(tiers);
  if (!t.links.empty()) {
    ojson links = ojson::array();
    for (const VerticalLink &l : t.links) {
      ojson lj = ojson::object();
      lj["lower"] = t.tiers[l.lower].name;
      lj["upper"] = t.tiers[l.upper].name;
      lj["bond_pitch_um"] = number(l.bondPitchUm);
      lj["signal_fraction"] = number(l.signalFraction);
      lj["energy_pj_per_bit"] = number(l.energyPjPerBit);
      lj["latency_cycles"] = l.latencyCycles;
      links.push_back(std::move(lj));
    }
    j["vertical_links"] = std::move(links);
  }
  // One space of indentation, as the shipped presets (Python's json.dumps
  // with indent=1); text that is not UTF-8 (never, after parseTarget) would
  // be replaced rather than throw.
  return j.dump(1, ' ', false, ojson::error_handler_t::replace) + "\n";
}

absl::StatusOr<Target> isoFootprint(const Target &t) {
  auto base = PhysicalModel::build(t);
  if (!base.ok())
    return base.status();
  const std::vector<int> mem = memoryOnLogicTiers(t);
  if (mem.empty())
    return absl::InvalidArgumentError(
        absl::StrCat("isoFootprint: target '", t.name,
                     "' is not a memory-on-logic stack "
                     "(no memory tier directly above or below a logic tier)"));
  double logicMm2 = 0;
  for (int i = 0; i < int(t.tiers.size()); ++i)
    if (t.tiers[i].kind == TierKind::Logic)
      logicMm2 = std::max(logicMm2, base->tierFootprint(i));
  const double mm2PerMiB = t.tech["sram_area_mm2_per_mib"];
  // The common factor that makes the fullest memory tier's SRAM area equal
  // the logic footprint.
  double factor = std::numeric_limits<double>::infinity();
  int64_t oldBytes = 0;
  for (int i : mem) {
    const int64_t bytes = tierSramBytes(t.tiers[i]);
    oldBytes += bytes;
    factor = std::min(factor, logicMm2 / (double(bytes) / kMiB * mm2PerMiB));
  }
  const double areaFactor = factor;
  // The floorplan packs the banks as squares into shelves, so a memory
  // tier's bounding box is larger than its SRAM area; shrink the factor
  // until every memory tier's box fits the logic footprint (scaling every
  // bank by f scales the packed box by f, so one step usually suffices;
  // rounding to 4 KiB may need a few more).
  for (int iter = 0; iter < 200; ++iter) {
    auto iso = scaledBanks(t, mem, factor);
    if (!iso.ok())
      return iso.status();
    auto m = PhysicalModel::build(*iso);
    if (!m.ok())
      return m.status();
    double worst = 0, boxMm2 = 0;
    int64_t newBytes = 0;
    for (int i : mem) {
      worst = std::max(worst, m->tierFootprint(i) / logicMm2);
      boxMm2 = std::max(boxMm2, m->tierFootprint(i));
      newBytes += tierSramBytes(iso->tiers[i]);
    }
    if (worst > 1) {
      factor *= std::min(1 / worst, 1 - 1e-4);
      continue;
    }
    iso->name = t.name + "-iso";
    iso->description = absl::StrCat(
        "Iso-footprint memory on logic, generated from '", t.name,
        "' by snn-target --iso-footprint: the same cores, links and DRAM; "
        "every SRAM bank of the memory tier(s) keeps its role, width and "
        "ports, its capacity multiplied by ",
        fixed(factor, 4),
        " and rounded down to 4 KiB, so the memory SRAM grows "
        "from ",
        fixed(double(oldBytes) / kMiB, 3), " MiB to ",
        fixed(double(newBytes) / kMiB, 3), " MiB (",
        fixed(double(newBytes) / kMiB * mm2PerMiB, 3), " mm^2 at ",
        fixed(mm2PerMiB, 3),
        " mm^2/MiB; the area alone would "
        "allow x",
        fixed(areaFactor, 4),
        "); the memory tier's floorplan "
        "covers ",
        fixed(boxMm2, 3), " mm^2, at most the logic tier's ",
        fixed(logicMm2, 3), " mm^2 footprint.");
    // What the generator writes must load: check it the way a reader will.
    auto back = parseTarget(targetJson(*iso), iso->name);
    if (!back.ok())
      return back.status();
    return iso;
  }
  return absl::InternalError(
      absl::StrCat("isoFootprint: no scale factor fits the memory tier of '",
                   t.name, "' into the logic footprint"));
}

absl::StatusOr<Target> sameSram2d(const Target &t) {
  if (t.findBlock("die"))
    return absl::InvalidArgumentError(
        absl::StrCat("sameSram2d: target '", t.name,
                     "' has a block called 'die', the "
                     "name of the 2D tier"));
  Target out = t;
  out.name = t.name + "-2d";
  out.tiers.clear();
  out.links.clear();
  out.dram.tier = 0;
  Tier die;
  die.name = "die";
  die.kind = TierKind::Logic;
  int64_t bytes = 0;
  for (BlockRef b : t.blocksOfKind(BlockKind::Core))
    die.blocks.push_back(t.block(b));
  for (BlockRef b : t.blocksOfKind(BlockKind::Sram)) {
    die.blocks.push_back(t.block(b));
    bytes += t.block(b).sram.capacityBytes;
  }
  out.tiers.push_back(std::move(die));
  auto m = PhysicalModel::build(out);
  if (!m.ok())
    return m.status();
  out.description = absl::StrCat(
      "2D with the same SRAM beside the cores, generated from '", t.name,
      "' by snn-target --same-sram-2d: its ",
      t.blocksOfKind(BlockKind::Core).size(), " cores and ",
      t.blocksOfKind(BlockKind::Sram).size(), " SRAM banks (",
      fixed(double(bytes) / kMiB, 3), " MiB) side by side on one die of ",
      fixed(m->tierFootprint(0), 3),
      " mm^2; the same clock, technology and "
      "DRAM.");
  auto back = parseTarget(targetJson(out), out.name);
  if (!back.ok())
    return back.status();
  return out;
}

} // namespace spikestack::hw
