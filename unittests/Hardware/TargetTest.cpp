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

#include <cmath>

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
  // Same cores and the same SRAM in every preset: fair comparisons.
  int64_t pes[3], sram[3], cores[3];
  int i = 0;
  for (const std::string &name : presetNames()) {
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

class TargetErrors : public ::testing::TestWithParam<BadTarget> {};

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
                  "bad.json: tiers[1].blocks[0].capacity_bytes: must be "
                  "positive, got 0"},
        BadTarget{"negative rows",
                  replace(tinyTarget(true, 1), R"("array_rows": 4)",
                          R"("array_rows": -4)"),
                  "tiers[0].blocks[0].array_rows: must be positive, got -4"},
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
            "tiers[1].blocks[0].ports: must be an integer, got \"1\""},
        BadTarget{
            "duplicate name",
            replace(tinyTarget(true, 1), R"("name": "m")", R"("name": "c")"),
            "tiers[1].blocks[0].name: 'c' is empty or not unique"},
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
                  "tiers: must be a non-empty array"}));

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
