//===- TargetTest.cpp - target files and the physical model ---------------===//
//
// Expected numbers are worked by hand from the formulas in docs/targets.md
// and the tech-28nm table (PE 300 um^2, LIF unit 1000 um^2, scratchpad
// 2 um^2/B, core overhead 20 %, SRAM 1.5 mm^2/MiB, wire 0.2 ns/mm with
// 0.5 ns slack and 0.1 pJ/bit/mm, bonds 0.05 pJ/bit, 1 cycle).
//
//===----------------------------------------------------------------------===//
#include "spikestack/Hardware/PhysicalModel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <vector>

using namespace spikestack::hw;
using ::testing::HasSubstr;

namespace {

/// A target with one 4x4 core (2 LIF units, 100 B scratchpad) and one SRAM
/// bank of `mib` MiB, on one tier or (mol) the bank on a memory tier above.
std::string tinyTarget(bool mol, int mib, const std::string &extra = "") {
  const std::string core = R"({"name": "c", "kind": "core", "array_rows": 4,
      "array_cols": 4, "lif_units": 2, "scratchpad_bytes": 100})";
  const std::string sram =
      R"({"name": "m", "kind": "sram", "capacity_bytes": )" +
      std::to_string(int64_t(mib) << 20) +
      R"(, "width_bits": 256, "ports": 1})";
  std::string tiers =
      mol ? R"([{"name": "L", "kind": "logic", "blocks": [)" + core +
                R"(]}, {"name": "M", "kind": "memory", "blocks": [)" + sram +
                "]}]"
          : R"([{"name": "L", "kind": "logic", "blocks": [)" + core + ", " +
                sram + "]}]";
  return R"({"format": "spikestack-target", "version": 1, "name": "tiny",
      "technology": "tech-28nm", "clock_mhz": 500, "tiers": )" +
         tiers +
         (mol ? R"(, "vertical_links": [{"lower": "L", "upper": "M"}])" : "") +
         extra + "}";
}

TEST(Target, PresetsLoadAndAreComparable) {
  // Same cores and the same SRAM in the three base presets: fair
  // comparisons (3d-mol-iso, the iso-footprint variant, has more SRAM by
  // design: DramTest.cpp). Every shipped preset loads.
  for (const std::string &name : presetNames()) {
    auto t = loadTarget(name);
    ASSERT_TRUE(t.ok()) << name << ": " << t.status();
    ASSERT_TRUE(PhysicalModel::build(*t).ok()) << name;
  }
  int64_t pes[3], sram[3], cores[3];
  int i = 0;
  for (const std::string name : {"2d", "3d-mol", "3d-lol"}) {
    auto t = loadTarget(name);
    ASSERT_TRUE(t.ok()) << t.status();
    pes[i] = sram[i] = cores[i] = 0;
    for (BlockRef b : t->blocksOfKind(BlockKind::Core)) {
      pes[i] += t->block(b).core.rows * t->block(b).core.cols;
      ++cores[i];
    }
    for (BlockRef b : t->blocksOfKind(BlockKind::Sram))
      sram[i] += t->block(b).sram.capacityBytes;
    ASSERT_TRUE(PhysicalModel::build(*t).ok());
    ++i;
  }
  EXPECT_EQ(pes[0], pes[1]);
  EXPECT_EQ(pes[0], pes[2]);
  EXPECT_EQ(sram[0], sram[1]);
  EXPECT_EQ(sram[0], sram[2]);
  EXPECT_EQ(cores[0], cores[2]);
  // Every technology number carries its source.
  auto t = loadTarget("3d-mol");
  ASSERT_TRUE(t.ok());
  for (const auto &[key, unit] : technologyKeys()) {
    ASSERT_TRUE(t->tech.values.count(key)) << key;
    EXPECT_FALSE(t->tech.values.at(key).source.empty()) << key;
    EXPECT_EQ(t->tech.values.at(key).unit, unit) << key;
  }
  EXPECT_DOUBLE_EQ(t->tech["e_accumulate_pj"], 0.03);
  EXPECT_DOUBLE_EQ(t->tech["bond_pitch_um"], 9);
}

TEST(PhysicalModel, AreasAndMemoryOnLogicLink) {
  auto t = parseTarget(tinyTarget(/*mol=*/true, 1), "tiny.json");
  ASSERT_TRUE(t.ok()) << t.status();
  auto m = PhysicalModel::build(*t);
  ASSERT_TRUE(m.ok()) << m.status();
  // Core: (16 * 300 + 2 * 1000 + 100 * 2) um^2 * 1.2 = 8400 um^2.
  EXPECT_NEAR(m->blockArea({0, 0}), 0.0084, 1e-12);
  // SRAM: 1 MiB * 1.5 mm^2/MiB.
  EXPECT_NEAR(m->blockArea({1, 0}), 1.5, 1e-12);
  // One block per tier: footprints are the blocks; the stack is the larger.
  EXPECT_NEAR(m->tierFootprint(0), 0.0084, 1e-12);
  EXPECT_NEAR(m->stackFootprint(), 1.5, 1e-12);
  EXPECT_NEAR(m->siliconArea(), 1.5084, 1e-12);
  // Bonds over the overlap (the core's 0.0084 mm^2) at 9 um:
  // 0.0084 / 81e-6 = 103.7 -> 103 bonds, half of them signals -> 51.
  const VerticalLink &l = t->links.at(0);
  EXPECT_EQ(m->bondCount(l), 103);
  EXPECT_EQ(m->verticalBitsPerCycle(l), 51);
  // Both centred on the origin: no wire, one registered bond crossing.
  Path p = m->path({0, 0}, {1, 0});
  EXPECT_NEAR(p.horizontalMm, 0, 1e-12);
  EXPECT_EQ(p.verticalHops, 1);
  EXPECT_EQ(p.latencyCycles, 1);
  EXPECT_NEAR(p.energyPjPerBit, 0.05, 1e-12);
  EXPECT_DOUBLE_EQ(m->effectiveClockMhz(), 500);
}

TEST(PhysicalModel, TwoDimensionalWireAndClockDerating) {
  // One tier: the core (side s1) starts the first shelf, the bank (side s2)
  // does not fit beside it (shelf width sqrt(s1^2 + s2^2)) and starts the
  // second: centres (s1/2, s1/2) and (s2/2, s1 + s2/2), so the wire is
  // |s2 - s1| / 2 + s2 / 2 + s1 / 2 = s2 mm.
  for (int mib : {1, 16}) {
    auto t = parseTarget(tinyTarget(/*mol=*/false, mib), "tiny.json");
    ASSERT_TRUE(t.ok()) << t.status();
    auto m = PhysicalModel::build(*t);
    ASSERT_TRUE(m.ok()) << m.status();
    const double s2 = std::sqrt(1.5 * mib);
    EXPECT_NEAR(m->longestWireMm(), s2, 1e-9);
    Path p = m->path({0, 0}, {0, 1});
    EXPECT_NEAR(p.horizontalMm, s2, 1e-9);
    EXPECT_EQ(p.verticalHops, 0);
    EXPECT_NEAR(p.energyPjPerBit, 0.1 * s2, 1e-9);
    // 1 MiB: 0.245 ns of wire fits the 0.5 ns slack -> 500 MHz.
    // 16 MiB: 0.2 * 4.899 = 0.980 ns, 0.480 ns beyond the slack:
    // 1000 / (2 + 0.480) = 403.3 MHz.
    const double extra = std::max(0.0, 0.2 * s2 - 0.5);
    EXPECT_NEAR(m->effectiveClockMhz(), 1000 / (2 + extra), 1e-9);
    if (mib == 16)
      EXPECT_NEAR(m->effectiveClockMhz(), 403.26, 0.01);
  }
}

TEST(PhysicalModel, ThreeDimensionalPresetsBeatTwoDimensional) {
  // What the published design claims in shape: a smaller footprint and a
  // clock that long 2D wires do not cap.
  auto m2 = loadTarget("2d"), mm = loadTarget("3d-mol"),
       ml = loadTarget("3d-lol");
  ASSERT_TRUE(m2.ok() && mm.ok() && ml.ok());
  auto p2 = PhysicalModel::build(*m2), pm = PhysicalModel::build(*mm),
       pl = PhysicalModel::build(*ml);
  ASSERT_TRUE(p2.ok() && pm.ok() && pl.ok());
  EXPECT_LT(pm->stackFootprint(), p2->stackFootprint());
  EXPECT_LT(pl->stackFootprint(), p2->stackFootprint());
  EXPECT_LT(pm->longestWireMm(), p2->longestWireMm());
  EXPECT_LT(p2->effectiveClockMhz(), pm->effectiveClockMhz());
  // The vertical bound is about 3 Tb/s per mm^2 of overlap at 9 um, 50 %
  // signals and 500 MHz: (1e6 / 81) * 0.5 * 500e6 = 3.09e12 b/s. The
  // overlap is at most the smaller tier, and the tiers (both near square)
  // overlap on most of it.
  const VerticalLink &l = mm->links.at(0);
  const double smaller = std::min(pm->tierFootprint(0), pm->tierFootprint(1));
  const double rate = double(pm->verticalBitsPerCycle(l)) * 500e6;
  EXPECT_LE(rate, smaller * 3.09e12);
  EXPECT_GT(rate, 0.8 * smaller * 3.09e12);
}

struct BadTarget {
  const char *what;
  std::string text;
  const char *message;
};
void PrintTo(const BadTarget &b, std::ostream *os) { *os << b.what; }

class TargetErrors : public ::testing::TestWithParam<BadTarget> {};

/// Test names from the cases' descriptions ("zero capacity" ->
/// "zero_capacity"), not from their bytes.
std::string caseName(const ::testing::TestParamInfo<BadTarget> &info) {
  std::string name;
  for (const char *c = info.param.what; *c; ++c)
    name += std::isalnum(static_cast<unsigned char>(*c)) ? *c : '_';
  return name + "_" + std::to_string(info.index);
}

TEST_P(TargetErrors, NameTheField) {
  auto t = parseTarget(GetParam().text, "bad.json");
  ASSERT_FALSE(t.ok()) << GetParam().what;
  EXPECT_THAT(std::string(t.status().message()), HasSubstr(GetParam().message))
      << GetParam().what;
}

std::string replace(std::string s, const std::string &from,
                    const std::string &to) {
  const size_t p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  if (p != std::string::npos)
    s.replace(p, from.size(), to);
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Validation, TargetErrors,
    ::testing::Values(
        BadTarget{"zero capacity", replace(tinyTarget(true, 1), "1048576", "0"),
                  "bad.json: tiers[1].blocks[0].capacity_bytes: must be an "
                  "integer in [1, 1099511627776] B, got 0"},
        BadTarget{"negative rows",
                  replace(tinyTarget(true, 1), R"("array_rows": 4)",
                          R"("array_rows": -4)"),
                  "tiers[0].blocks[0].array_rows: must be an integer in [1, "
                  "4096], got -4"},
        BadTarget{"missing field",
                  replace(tinyTarget(true, 1), R"("lif_units": 2, )", ""),
                  "tiers[0].blocks[0]: missing field 'lif_units'"},
        BadTarget{"typo",
                  replace(tinyTarget(true, 1), "\"ports\"", "\"prots\""),
                  "tiers[1].blocks[0]: unknown field 'prots'"},
        BadTarget{"no logic tier",
                  replace(tinyTarget(true, 1), R"("kind": "logic")",
                          R"("kind": "memory")"),
                  "tiers[0].blocks[0].kind: a core cannot sit on memory tier "
                  "'L'"},
        BadTarget{
            "unknown tier in a link",
            replace(tinyTarget(true, 1), R"("upper": "M")", R"("upper": "N")"),
            "vertical_links[0].upper: unknown tier 'N'"},
        BadTarget{"unlinked stack",
                  replace(tinyTarget(true, 1),
                          R"([{"lower": "L", "upper": "M"}])", "[]"),
                  "vertical_links: tiers 'L' and 'M' are stacked but not "
                  "linked"},
        BadTarget{
            "wrong version",
            replace(tinyTarget(true, 1), R"("version": 1)", R"("version": 2)"),
            "version: version 2 is not supported"},
        BadTarget{"bad signal fraction",
                  replace(tinyTarget(true, 1), R"("upper": "M")",
                          R"("upper": "M", "signal_fraction": 1.5)"),
                  "vertical_links[0].signal_fraction: must be in (0, 1], got "
                  "1.5"},
        BadTarget{"unknown technology",
                  replace(tinyTarget(true, 1), "tech-28nm", "tech-7nm"),
                  "technology: unknown technology table 'tech-7nm'"},
        BadTarget{
            "bad override",
            tinyTarget(true, 1, R"(, "technology_overrides": {"pe_area": 1})"),
            "technology_overrides: unknown field 'pe_area'"},
        BadTarget{
            "string size",
            replace(tinyTarget(true, 1), R"("ports": 1)", R"("ports": "1")"),
            "tiers[1].blocks[0].ports: must be an integer in [1, 64], got "
            "\"1\""},
        BadTarget{
            "duplicate name",
            replace(tinyTarget(true, 1), R"("name": "m")", R"("name": "c")"),
            "tiers[1].blocks[0].name: 'c' is not unique"},
        BadTarget{
            "unknown role",
            replace(tinyTarget(true, 1), R"("ports": 1)",
                    R"("ports": 1, "holds": "spikes")"),
            "tiers[1].blocks[0].holds: must be \"weights\", \"activations\" "
            "or \"any\", got \"spikes\""},
        BadTarget{"not JSON", "{\n  \"format\": \"spikestack-target\",\n  oops",
                  "bad.json:3:3: not valid JSON"},
        BadTarget{"no tiers",
                  R"({"format": "spikestack-target", "version": 1, "name": "x",
                      "technology": "tech-28nm", "clock_mhz": 500,
                      "tiers": []})",
                  "tiers: must be a non-empty array"}),
    caseName);

std::string overrides(const std::string &body) {
  return tinyTarget(true, 1, R"(, "technology_overrides": {)" + body + "}");
}

/// The tiny target with its link given `params`.
std::string linkWith(const std::string &params) {
  return replace(tinyTarget(true, 1), R"("upper": "M")",
                 R"("upper": "M", )" + params);
}

/// The tiny target with the shipped table inline, `from` replaced by `to`.
std::string inlineTech(const std::string &from, const std::string &to) {
  const std::string tech = replace(std::string(*builtinFile("tech-28nm")),
                                   from, to);
  return replace(tinyTarget(true, 1), R"("tech-28nm")", tech);
}

// Issue 13: hostile numbers, overrides, nesting and names. Each of these
// was accepted (or crashed) before the range table.
INSTANTIATE_TEST_SUITE_P(
    Hostile, TargetErrors,
    ::testing::Values(
        BadTarget{"override outside (0, 1]",
                  overrides(R"("yield_die_to_wafer": 0)"),
                  "bad.json: technology_overrides.yield_die_to_wafer: must be "
                  "in (0, 1], got 0"},
        BadTarget{"override latency 1e30",
                  overrides(R"("bond_latency_cycles": 1e30)"),
                  "technology_overrides.bond_latency_cycles: must be an "
                  "integer in [0, 1000] cycles, got 1e+30"},
        BadTarget{"override SRAM cycles 2e18",
                  overrides(R"("sram_access_cycles": 2e18)"),
                  "technology_overrides.sram_access_cycles: must be an "
                  "integer in [0, 1000] cycles, got 2e+18"},
        BadTarget{"fractional cycles", overrides(R"("sram_access_cycles": 1.5)"),
                  "technology_overrides.sram_access_cycles: must be an "
                  "integer in [0, 1000] cycles, got 1.5"},
        BadTarget{"zero read energy (divides the write energy)",
                  overrides(R"("e_sram_read_32k_fj_per_bit": 0)"),
                  "technology_overrides.e_sram_read_32k_fj_per_bit: must be "
                  "in (0, 1000000] fJ/bit, got 0"},
        BadTarget{"override as a string",
                  overrides(R"("pe_area_um2": "300")"),
                  "technology_overrides.pe_area_um2: must be in (0, 100000] "
                  "um^2, got \"300\""},
        BadTarget{"inline table", inlineTech(R"("value": 300,)", R"("value": -1,)"),
                  "bad.json: technology.values.pe_area_um2.value: must be in "
                  "(0, 100000] um^2, got -1"},
        BadTarget{"inline table, fraction",
                  inlineTech(R"("value": 0.95,)", R"("value": 0,)"),
                  "technology.values.yield_die_to_wafer.value: must be in (0, "
                  "1], got 0"},
        BadTarget{"unknown corner",
                  tinyTarget(true, 1, R"(, "corner": "cold")"),
                  "bad.json: corner: unknown corner 'cold' of technology "
                  "'tech-28nm' (corners: typical, hot, worst)"},
        BadTarget{"a corner that changes timing",
                  inlineTech(R"("values": {
        "sram_leakage_mw_per_32k": {"value": 0.5,)",
                             R"("values": {
        "sram_access_cycles": {"value": 2,)"),
                  "bad.json: technology.corners.hot.values: unknown field "
                  "'sram_access_cycles' (known: bond_energy_pj_per_bit, "},
        BadTarget{"typical listed as a corner",
                  inlineTech(R"("hot": {)", R"("typical": {)"),
                  "bad.json: technology.corners.typical: the table's own "
                  "values are the typical corner"},
        BadTarget{"a corner value out of range",
                  inlineTech(R"("value": 0.5, "unit": "mW")",
                             R"("value": -0.5, "unit": "mW")"),
                  "bad.json: technology.corners.hot.values."
                  "sram_leakage_mw_per_32k.value: must be in [0, 10000] mW, "
                  "got -0.5"},
        BadTarget{"tiny bond pitch", linkWith(R"("bond_pitch_um": 1e-9)"),
                  "vertical_links[0].bond_pitch_um: must be in [0.1, 1000] "
                  "um, got 1e-09"},
        BadTarget{"huge link latency",
                  linkWith(R"("latency_cycles": 4611686018427387904)"),
                  "vertical_links[0].latency_cycles: must be an integer in "
                  "[0, 1000] cycles, got 4611686018427387904"},
        BadTarget{"2^40 x 2^40 array",
                  replace(tinyTarget(true, 1), R"("array_rows": 4)",
                          R"("array_rows": 1099511627776)"),
                  "tiers[0].blocks[0].array_rows: must be an integer in [1, "
                  "4096], got 1099511627776"},
        BadTarget{"uint64 capacity",
                  replace(tinyTarget(true, 1), "1048576",
                          "18446744073709551615"),
                  "capacity_bytes: must be an integer in [1, 1099511627776] "
                  "B, got 18446744073709551615"},
        BadTarget{"int64 min",
                  replace(tinyTarget(true, 1), R"("lif_units": 2)",
                          R"("lif_units": -9223372036854775808)"),
                  "lif_units: must be an integer in [1, 65536], got "
                  "-9223372036854775808"},
        BadTarget{"beyond uint64 (a double in JSON)",
                  replace(tinyTarget(true, 1), "1048576",
                          "1180591620717411303424"),
                  "capacity_bytes: must be an integer in [1, 1099511627776] "
                  "B, got 1180591620717411303424"},
        BadTarget{"clock", replace(tinyTarget(true, 1), R"("clock_mhz": 500)",
                                   R"("clock_mhz": 1e-300)"),
                  "clock_mhz: must be in [0.001, 10000] MHz, got 1e-300"},
        BadTarget{"1e999", replace(tinyTarget(true, 1), R"("clock_mhz": 500)",
                                   R"("clock_mhz": 1e999)"),
                  "number 1e999 is out of range"},
        BadTarget{"-1e999 in a technology override",
                  overrides(R"("vdd_v": -1e999)"),
                  "number -1e999 is out of range"},
        BadTarget{"deep nesting",
                  replace(tinyTarget(true, 1), R"("array_rows": 4)",
                          R"("array_rows": )" + std::string(100000, '[') +
                              std::string(100000, ']')),
                  "arrays and objects nested deeper than 16 levels"},
        BadTarget{"duplicate key",
                  "{\"format\": \"spikestack-target\",\n \"format\": \"x\"}",
                  "bad.json:2:2: key 'format' appears twice in one object"},
        BadTarget{"duplicate key, escaped",
                  replace(tinyTarget(true, 1), R"("clock_mhz": 500)",
                          R"("clock_mhz": 500, "clock\u005fmhz": 400)"),
                  "key 'clock_mhz' appears twice in one object"},
        BadTarget{"empty tier name",
                  replace(tinyTarget(true, 1), R"("name": "L")",
                          R"("name": "")"),
                  "tiers[0].name: must not be empty"},
        BadTarget{"control character in a name",
                  replace(tinyTarget(true, 1), R"("name": "m")",
                          R"("name": "m\u001b[2J")"),
                  "tiers[1].blocks[0].name: 'm\\x1b[2J' contains a control "
                  "character"},
        BadTarget{"long name",
                  replace(tinyTarget(true, 1), R"("name": "m")",
                          R"("name": ")" + std::string(65, 'm') + "\""),
                  "tiers[1].blocks[0].name: is 65 bytes long; at most 64"},
        BadTarget{"empty target name",
                  replace(tinyTarget(true, 1), R"("name": "tiny")",
                          R"("name": "")"),
                  "bad.json: name: must not be empty"},
        BadTarget{"long unknown key is shortened",
                  replace(tinyTarget(true, 1), R"("ports": 1)",
                          R"("ports": 1, ")" + std::string(5000, 'k') +
                              R"(": 1)"),
                  "unknown field 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
                  "kkkkkkkkkkkkkkkkkkkk...' (known:"},
        BadTarget{"non-UTF-8",
                  replace(tinyTarget(true, 1), "tiny", "ti\xffny"),
                  "not valid JSON: syntax error while parsing value - invalid "
                  "string: ill-formed UTF-8 byte; last read: '\"ti\\xff'"}),
    caseName);

/// A target of `tiers` (JSON texts of tier objects), linked bottom to top,
/// with `overrides` (the body of technology_overrides).
std::string stack(const std::vector<std::string> &tiers,
                  const std::string &overrides = "") {
  std::string t = R"({"format": "spikestack-target", "version": 1,
      "name": "stack", "technology": "tech-28nm", "clock_mhz": 500, )";
  if (!overrides.empty())
    t += R"("technology_overrides": {)" + overrides + "}, ";
  t += R"("tiers": [)";
  for (size_t i = 0; i < tiers.size(); ++i)
    t += (i ? ", " : "") + tiers[i];
  t += R"(], "vertical_links": [)";
  for (size_t i = 0; i + 1 < tiers.size(); ++i)
    t += (i ? ", " : "") + std::string(R"({"lower": "t)") + std::to_string(i) +
         R"(", "upper": "t)" + std::to_string(i + 1) + "\"}";
  return t + "]}";
}

std::string core(const std::string &name, int64_t rows = 4,
                 int64_t lif = 2, int64_t spad = 100) {
  return R"({"name": ")" + name + R"(", "kind": "core", "array_rows": )" +
         std::to_string(rows) + R"(, "array_cols": )" + std::to_string(rows) +
         R"(, "lif_units": )" + std::to_string(lif) +
         R"(, "scratchpad_bytes": )" + std::to_string(spad) + "}";
}

std::string bank(const std::string &name, int64_t bytes) {
  return R"({"name": ")" + name + R"(", "kind": "sram", "capacity_bytes": )" +
         std::to_string(bytes) + R"(, "width_bits": 256, "ports": 1})";
}

std::string tier(int i, const std::string &kind,
                 const std::vector<std::string> &blocks) {
  std::string t = R"({"name": "t)" + std::to_string(i) + R"(", "kind": ")" +
                  kind + R"(", "blocks": [)";
  for (size_t b = 0; b < blocks.size(); ++b)
    t += (b ? ", " : "") + blocks[b];
  return t + "]}";
}

std::string errorOf(const std::string &text) {
  auto t = parseTarget(text, "s.json");
  return t.ok() ? "(accepted)" : std::string(t.status().message());
}

TEST(Target, ShapeLimits) {
  // 64 tiers load; 65 do not.
  std::vector<std::string> tiers = {tier(0, "logic", {core("c"), bank("m", 1024)})};
  for (int i = 1; i < kMaxTiers; ++i)
    tiers.push_back(tier(i, "memory", {bank("m" + std::to_string(i), 1024)}));
  ASSERT_TRUE(parseTarget(stack(tiers), "s.json").ok()) << errorOf(stack(tiers));
  tiers.push_back(tier(kMaxTiers, "memory", {bank("extra", 1024)}));
  EXPECT_THAT(errorOf(stack(tiers)),
              HasSubstr("s.json: tiers: 65 tiers; a stack has at most 64"));

  // 4096 blocks load; 4097 do not.
  std::vector<std::string> blocks = {core("c")};
  for (int i = 1; i < kMaxBlocks; ++i)
    blocks.push_back(bank("m" + std::to_string(i), 1024));
  ASSERT_TRUE(parseTarget(stack({tier(0, "logic", blocks)}), "s.json").ok());
  blocks.push_back(bank("extra", 1024));
  EXPECT_THAT(errorOf(stack({tier(0, "logic", blocks)})),
              HasSubstr("tiers[0].blocks: the stack has more than 4096 blocks"));

  // 1 TiB of SRAM in total loads; one byte more does not.
  const std::string full =
      stack({tier(0, "logic", {core("c"), bank("a", kTiB / 2)}),
             tier(1, "memory", {bank("b", kTiB / 2)})});
  ASSERT_TRUE(parseTarget(full, "s.json").ok()) << errorOf(full);
  EXPECT_THAT(errorOf(stack({tier(0, "logic", {core("c"), bank("a", kTiB / 2)}),
                             tier(1, "memory", {bank("b", kTiB / 2 + 1)})})),
              HasSubstr("tiers[1].blocks[0].capacity_bytes: the banks hold "
                        "1099511627777 bytes in total up to here; at most "
                        "1099511627776 (1 TiB)"));

  // More links than adjacent pairs.
  std::string twoTiers = stack({tier(0, "logic", {core("c")}),
                                tier(1, "memory", {bank("m", 1024)})});
  std::string link = R"({"lower": "t0", "upper": "t1"})";
  std::string links = link;
  for (int i = 0; i < 1000; ++i)
    links += ", " + link;
  EXPECT_THAT(errorOf(replace(twoTiers, link, links)),
              HasSubstr("vertical_links: 1001 links for 2 tier(s)"));
}

TEST(Target, TextLimits) {
  // Exactly 16 levels of nesting parse (as far as the structure goes).
  std::string nested16 = std::string(16, '[') + std::string(16, ']');
  EXPECT_THAT(errorOf(nested16), HasSubstr("must be an object, got an array"));
  std::string nested17 = std::string(17, '[') + std::string(17, ']');
  EXPECT_THAT(errorOf(nested17),
              HasSubstr("s.json:1:17: arrays and objects nested deeper than 16 "
                        "levels (a target file needs 5)"));
  // Deep objects too, and brackets inside strings do not count.
  std::string objects;
  for (int i = 0; i < 100000; ++i)
    objects += "{\"a\": ";
  EXPECT_THAT(errorOf(objects), HasSubstr("nested deeper than 16 levels"));
  EXPECT_TRUE(parseTarget(replace(tinyTarget(true, 1), R"("name": "tiny")",
                                 R"("name": "[[[[[[[[[[[[[[[[[[[[[[[{{\"{")"),
                         "s.json")
                  .ok());
  // Text above the file limit is refused before parsing.
  EXPECT_THAT(errorOf(std::string(size_t(kMaxTargetFileBytes) + 1, ' ')),
              HasSubstr("s.json: 16777217 bytes; a target file has at most "
                        "16777216"));
  // Empty and NUL-only texts are syntax errors, not crashes.
  EXPECT_THAT(errorOf(""), HasSubstr("not valid JSON"));
  EXPECT_THAT(errorOf(std::string(3, '\0')), HasSubstr("not valid JSON"));
  // A long string in a message is shortened.
  const std::string longHolds =
      replace(tinyTarget(true, 1), R"("ports": 1)",
              R"("ports": 1, "holds": ")" + std::string(100000, 'x') + "\"");
  EXPECT_LT(errorOf(longHolds).size(), 400u);
  EXPECT_THAT(errorOf(longHolds), HasSubstr("xxx...\""));
}

TEST(Target, RangeTable) {
  // Every technology key has exactly one row, and the link parameters
  // (which default to technology values) have the same ranges.
  for (const auto &[key, unit] : technologyKeys()) {
    const NumberRange *r = findNumberRange(NumberScope::Technology, key);
    ASSERT_NE(r, nullptr) << key;
    EXPECT_EQ(r->unit, unit) << key;
  }
  for (auto [link, tech] :
       {std::pair{"bond_pitch_um", "bond_pitch_um"},
        std::pair{"signal_fraction", "bond_signal_fraction"},
        std::pair{"energy_pj_per_bit", "bond_energy_pj_per_bit"},
        std::pair{"latency_cycles", "bond_latency_cycles"}}) {
    const NumberRange *l = findNumberRange(NumberScope::Link, link);
    const NumberRange *t = findNumberRange(NumberScope::Technology, tech);
    ASSERT_TRUE(l && t) << link;
    EXPECT_EQ(l->min, t->min) << link;
    EXPECT_EQ(l->max, t->max) << link;
    EXPECT_EQ(l->minExclusive, t->minExclusive) << link;
    EXPECT_EQ(l->integer, t->integer) << link;
  }
  for (const NumberRange &r : kNumberRanges) {
    EXPECT_LT(r.min, r.max) << r.key;
    EXPECT_TRUE(std::isfinite(r.max)) << r.key;
    // Integers stay exact in a double.
    if (r.integer)
      EXPECT_LE(r.max, double(int64_t(1) << 53)) << r.key;
    EXPECT_EQ(
        std::count_if(std::begin(kNumberRanges), std::end(kNumberRanges),
                      [&](const NumberRange &o) {
                        return o.scope == r.scope && o.key == r.key;
                      }),
        1)
        << r.key;
  }
  // The shipped values lie inside (loading them checks it too).
  auto t = loadTarget("3d-mol");
  ASSERT_TRUE(t.ok()) << t.status();
  for (const auto &[key, v] : t->tech.values)
    EXPECT_TRUE(
        checkNumber(*findNumberRange(NumberScope::Technology, key), v.value)
            .ok())
        << key;

  // checkNumber at the edges.
  const NumberRange &frac =
      *findNumberRange(NumberScope::Technology, "yield_die_to_wafer");
  EXPECT_FALSE(checkNumber(frac, 0).ok());
  EXPECT_TRUE(checkNumber(frac, 1e-300).ok());
  EXPECT_TRUE(checkNumber(frac, 1).ok());
  EXPECT_FALSE(checkNumber(frac, std::nextafter(1.0, 2.0)).ok());
  EXPECT_FALSE(checkNumber(frac, std::nan("")).ok());
  EXPECT_FALSE(checkNumber(frac, INFINITY).ok());
  const NumberRange &rows = *findNumberRange(NumberScope::Core, "array_rows");
  EXPECT_TRUE(checkNumber(rows, 1).ok());
  EXPECT_TRUE(checkNumber(rows, 4096).ok());
  EXPECT_FALSE(checkNumber(rows, 4097).ok());
  EXPECT_FALSE(checkNumber(rows, 0).ok());
  EXPECT_FALSE(checkNumber(rows, 2.5).ok());
  EXPECT_EQ(checkNumber(rows, 4097).message(),
            "must be an integer in [1, 4096], got 4097");
  EXPECT_EQ(checkNumber(frac, 0).message(), "must be in (0, 1], got 0");
}

/// The largest value of a row, as an int64.
int64_t maxOf(NumberScope scope, const char *key) {
  return int64_t(findNumberRange(scope, key)->max);
}

TEST(Target, RangesBoundEveryProduct) {
  // What the placer, snn-tile, the cost model and the executor multiply,
  // at the extremes of the table: all far below 2^63.
  auto fits = [](std::initializer_list<int64_t> factors) {
    int64_t p = 1;
    for (int64_t f : factors)
      if (__builtin_mul_overflow(p, f, &p))
        return false;
    return p < (int64_t(1) << 62);
  };
  const int64_t rows = maxOf(NumberScope::Core, "array_rows"),
                cols = maxOf(NumberScope::Core, "array_cols"),
                spad = maxOf(NumberScope::Core, "scratchpad_bytes"),
                lif = maxOf(NumberScope::Core, "lif_units"),
                width = maxOf(NumberScope::Sram, "width_bits"),
                ports = maxOf(NumberScope::Sram, "ports"),
                link = maxOf(NumberScope::Link, "latency_cycles"),
                sram = maxOf(NumberScope::Technology, "sram_access_cycles");
  EXPECT_TRUE(fits({rows, cols, kMaxBlocks}));     // PEs of the stack
  EXPECT_TRUE(fits({rows, cols, 64, kMaxBlocks})); // a pass's held bits
  EXPECT_TRUE(fits({spad, 8, kMaxBlocks}));        // scratchpad bits
  EXPECT_TRUE(fits({lif, kMaxBlocks}));
  EXPECT_TRUE(fits({ports, width, kMaxBlocks}));   // port bits per cycle
  EXPECT_TRUE(fits({kMaxTotalSramBytes, 8}));      // SRAM bits
  EXPECT_TRUE(fits({link, kMaxTiers}));            // a path's latency
  EXPECT_LE(link * kMaxTiers + sram, 1 << 20);
  // Bonds: the largest tier at the finest pitch stays exact in a double.
  const double pitchMm = findNumberRange(NumberScope::Link, "bond_pitch_um")->min *
                         1e-3;
  EXPECT_LE(kMaxTierAreaMm2 / (pitchMm * pitchMm), double(int64_t(1) << 53));
  // The slowest clock and the longest wire keep the cycle finite:
  // DRAM latency in cycles and report times stay far from overflow.
  const double slowest = findNumberRange(NumberScope::Target, "clock_mhz")->min;
  const double wireNs = 2 * std::sqrt(kMaxTierAreaMm2) *
                        findNumberRange(NumberScope::Technology,
                                        "wire_delay_ns_per_mm")
                            ->max;
  EXPECT_LT(1000 / slowest + wireNs, 1e8); // ns per cycle
}

TEST(PhysicalModel, HugeButValidTargets) {
  // The largest core the table allows, on the largest PE, LIF unit and
  // scratchpad figures, with the most overhead: one core covers 3.1e7 mm^2,
  // more than kMaxTierAreaMm2; the model says so instead of overflowing.
  const std::string big =
      stack({tier(0, "logic", {core("c", 4096, 65536, kGiB), bank("m", 1024)})},
            R"("pe_area_um2": 1e5, "lif_unit_area_um2": 1e6,
               "scratchpad_area_um2_per_byte": 1000,
               "core_overhead_fraction": 10)");
  auto t = parseTarget(big, "big.json");
  ASSERT_TRUE(t.ok()) << t.status();
  auto m = PhysicalModel::build(*t);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()),
              HasSubstr("tier 't0' covers 3.09872e+07 mm^2"));
  EXPECT_THAT(std::string(m.status().message()),
              HasSubstr("at most 1e+07 mm^2"));

  // Two tiers of 512 GiB each (768 k mm^2 at 1.5 mm^2/MiB) at the finest
  // pitch: about 7.9e13 bonds, positive and exact.
  const std::string wide =
      replace(stack({tier(0, "logic", {core("c"), bank("a", kTiB / 2)}),
                     tier(1, "memory", {bank("b", kTiB / 2)})}),
              R"("upper": "t1")", R"("upper": "t1", "bond_pitch_um": 0.1)");
  auto tw = parseTarget(wide, "wide.json");
  ASSERT_TRUE(tw.ok()) << tw.status();
  auto mw = PhysicalModel::build(*tw);
  ASSERT_TRUE(mw.ok()) << mw.status();
  const int64_t bonds = mw->bondCount(tw->links.at(0));
  EXPECT_GT(bonds, int64_t(7e13));
  EXPECT_LT(bonds, int64_t(8e13));
  EXPECT_EQ(mw->verticalBitsPerCycle(tw->links.at(0)), bonds / 2);
  EXPECT_TRUE(std::isfinite(mw->effectiveClockMhz()));
  EXPECT_GT(mw->effectiveClockMhz(), 0);
}

TEST(Target, LoadRefusesWhatIsNotARegularFile) {
  for (const char *path : {"/dev/zero", "/dev/null", "/"}) {
    auto t = loadTarget(path);
    ASSERT_FALSE(t.ok()) << path;
    EXPECT_THAT(std::string(t.status().message()), HasSubstr(path));
  }
}

TEST(Target, BankRoles) {
  auto t = loadTarget("3d-mol");
  ASSERT_TRUE(t.ok()) << t.status();
  int weights = 0, activations = 0;
  for (BlockRef r : t->blocksOfKind(BlockKind::Sram))
    (t->block(r).sram.holds == SramRole::Weights ? weights : activations)++;
  EXPECT_EQ(weights, 8);
  EXPECT_EQ(activations, 4);
  auto tiny = parseTarget(tinyTarget(true, 1), "tiny.json");
  ASSERT_TRUE(tiny.ok()) << tiny.status();
  EXPECT_EQ(tiny->block(tiny->blocksOfKind(BlockKind::Sram)[0]).sram.holds,
            SramRole::Any);
}

TEST(Target, OverridesCarryTheirSource) {
  auto t = parseTarget(
      tinyTarget(true, 1, R"(, "technology_overrides": {"pe_area_um2": 150})"),
      "tiny.json");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_DOUBLE_EQ(t->tech["pe_area_um2"], 150);
  EXPECT_THAT(t->tech.values.at("pe_area_um2").source, HasSubstr("tiny.json"));
  auto m = PhysicalModel::build(*t);
  ASSERT_TRUE(m.ok());
  // (16 * 150 + 2000 + 200) * 1.2 um^2.
  EXPECT_NEAR(m->blockArea({0, 0}), 0.00552, 1e-12);
}

// Issue 17: SRAM leakage is 0.1 mW per 32 KB at the typical corner (0.9 V,
// 25-60 C), 0.5 hot and 4 (the old default) at the worst corner; a corner
// replaces only energy and power values.
TEST(Target, CornersReplaceLeakage) {
  auto t = loadTarget("3d-mol");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->tech.corner, "typical");
  EXPECT_THAT(t->tech.cornerNames(),
              ::testing::ElementsAre("typical", "hot", "worst"));
  EXPECT_DOUBLE_EQ(t->tech["sram_leakage_mw_per_32k"], 0.1);
  const double lif = t->tech["e_lif_update_pj"];
  for (auto [name, mw] : {std::pair<const char *, double>{"hot", 0.5},
                          {"worst", 4.0},
                          {"typical", 0.1}}) {
    ASSERT_TRUE(selectCorner(*t, name).ok()) << name;
    EXPECT_EQ(t->tech.corner, name);
    EXPECT_DOUBLE_EQ(t->tech["sram_leakage_mw_per_32k"], mw) << name;
    EXPECT_DOUBLE_EQ(t->tech["e_lif_update_pj"], lif) << name;
  }
  ASSERT_TRUE(selectCorner(*t, "worst").ok());
  EXPECT_THAT(t->tech.entry("sram_leakage_mw_per_32k").source,
              HasSubstr("worst-case corner"));
  // The table itself keeps the typical value.
  EXPECT_DOUBLE_EQ(t->tech.values.at("sram_leakage_mw_per_32k").value, 0.1);
  auto bad = selectCorner(*t, "Hot");
  EXPECT_EQ(bad.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(bad.message()),
              HasSubstr("unknown corner 'Hot' of technology 'tech-28nm' "
                        "(corners: typical, hot, worst)"));
  EXPECT_EQ(t->tech.corner, "worst");

  EXPECT_TRUE(isCornerKey("sram_leakage_mw_per_32k"));
  EXPECT_TRUE(isCornerKey("e_lif_update_pj"));
  EXPECT_TRUE(isCornerKey("wire_energy_pj_per_bit_mm"));
  EXPECT_FALSE(isCornerKey("sram_access_cycles"));
  EXPECT_FALSE(isCornerKey("pe_area_um2"));
  EXPECT_FALSE(isCornerKey("no_such_key"));
}

TEST(Target, CornerInTheTargetFileRoundTrips) {
  auto t = parseTarget(tinyTarget(true, 1, R"(, "corner": "hot")"),
                       "tiny.json");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->tech.corner, "hot");
  EXPECT_DOUBLE_EQ(t->tech["sram_leakage_mw_per_32k"], 0.5);
  const std::string text = targetJson(*t);
  EXPECT_THAT(text, HasSubstr(R"("corner": "hot")"));
  auto back = parseTarget(text, "back.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->tech.corner, "hot");
  EXPECT_EQ(back->tech.cornerNames(), t->tech.cornerNames());
  EXPECT_DOUBLE_EQ(back->tech["sram_leakage_mw_per_32k"], 0.5);
  ASSERT_TRUE(selectCorner(*back, "worst").ok());
  EXPECT_DOUBLE_EQ(back->tech["sram_leakage_mw_per_32k"], 4);
  EXPECT_EQ(targetJson(*back), replace(text, R"("corner": "hot")",
                                       R"("corner": "worst")"));
}

TEST(Target, UnknownPresetAndMissingFile) {
  auto a = loadTarget("3d-mok");
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(std::string(a.status().message()),
              HasSubstr("unknown target preset '3d-mok' (presets: 2d, 3d-mol, "
                        "3d-lol"));
  auto b = loadTarget("/nonexistent/t.json");
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(std::string(b.status().message()), HasSubstr("t.json"));
}

TEST(PhysicalModel, TooCoarseBondsAreRejected) {
  // 0.0084 mm^2 of overlap at a 100 um pitch holds no bond.
  auto t = parseTarget(replace(tinyTarget(true, 1), R"("upper": "M")",
                               R"("upper": "M", "bond_pitch_um": 100)"),
                       "tiny.json");
  ASSERT_TRUE(t.ok()) << t.status();
  auto m = PhysicalModel::build(*t);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("no signal bond"));
}

} // namespace
