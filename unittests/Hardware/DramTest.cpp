//===- DramTest.cpp - the DRAM level, iso-footprint stacks, targetJson ----===//
//
// Expected numbers are worked by hand from docs/targets.md and tech-28nm
// (see TargetTest.cpp): a 32x32 core with 32 LIF units and 2 KiB of
// scratchpad covers (1024 * 300 + 32 * 1000 + 2048 * 2) um^2 * 1.2 =
// 0.4119552 mm^2 (side c), a 128 KiB bank 0.1875 mm^2 (side s), a 64 KiB
// bank 0.09375 mm^2 (side a).
//
//===----------------------------------------------------------------------===//
#include "spikestack/Hardware/PhysicalModel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

using namespace spikestack::hw;
using ::testing::HasSubstr;

namespace {

/// One 4x4 core (2 LIF units, 100 B scratchpad: 0.0084 mm^2) on tier L and
/// one 1 MiB bank (1.5 mm^2) on memory tier M above it, clock `mhz`;
/// `extra` is appended to the top-level object (", \"dram\": {...}").
std::string molTarget(const std::string &extra = "", int mhz = 500) {
  return R"({"format": "spikestack-target", "version": 1, "name": "tiny",
      "technology": "tech-28nm", "clock_mhz": )" +
         std::to_string(mhz) + R"(, "tiers": [
      {"name": "L", "kind": "logic", "blocks": [{"name": "c", "kind": "core",
        "array_rows": 4, "array_cols": 4, "lif_units": 2,
        "scratchpad_bytes": 100}]},
      {"name": "M", "kind": "memory", "blocks": [{"name": "m", "kind": "sram",
        "capacity_bytes": 1048576, "width_bits": 256, "ports": 1}]}],
      "vertical_links": [{"lower": "L", "upper": "M"}])" +
         extra + "}";
}

const double kCoreMm2 = 0.4119552;
const double c = std::sqrt(kCoreMm2), s = std::sqrt(0.1875),
             a = std::sqrt(0.09375);

} // namespace

TEST(Dram, DefaultsWhenAbsent) {
  auto t = parseTarget(molTarget(), "tiny.json");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->dram.channels, 1);
  EXPECT_DOUBLE_EQ(t->dram.bandwidthGBs, 12.8);
  EXPECT_DOUBLE_EQ(t->dram.latencyNs, 100);    // tech dram_latency_ns
  EXPECT_DOUBLE_EQ(t->dram.energyPjPerBit, 8); // tech dram_energy_pj_per_bit
  EXPECT_EQ(t->dram.tier, 0);
  // The technology's values are the defaults, overrides included.
  auto o = parseTarget(molTarget(R"(, "technology_overrides":
      {"dram_latency_ns": 30, "dram_energy_pj_per_bit": 14})"),
                       "tiny.json");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_DOUBLE_EQ(o->dram.latencyNs, 30);
  EXPECT_DOUBLE_EQ(o->dram.energyPjPerBit, 14);
  // A partial block: the rest defaults.
  auto p = parseTarget(molTarget(R"(, "dram": {"channels": 2})"), "t.json");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->dram.channels, 2);
  EXPECT_DOUBLE_EQ(p->dram.bandwidthGBs, 12.8);
  EXPECT_DOUBLE_EQ(p->dram.latencyNs, 100);
  EXPECT_EQ(p->dram.tier, 0);
}

TEST(Dram, Explicit) {
  auto t =
      parseTarget(molTarget(R"(, "dram": {"channels": 4, "bandwidth_gb_s": 25.6,
          "latency_ns": 80, "energy_pj_per_bit": 4, "tier": "M"})"),
                  "tiny.json");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->dram.channels, 4);
  EXPECT_DOUBLE_EQ(t->dram.bandwidthGBs, 25.6);
  EXPECT_DOUBLE_EQ(t->dram.latencyNs, 80);
  EXPECT_DOUBLE_EQ(t->dram.energyPjPerBit, 4);
  EXPECT_EQ(t->dram.tier, 1);
}

TEST(Dram, Errors) {
  const std::pair<const char *, const char *> cases[] = {
      {R"("dram": {"bandwidth_gb_s": 0})",
       "tiny.json: dram.bandwidth_gb_s: must be in [0.01, 10000] GB/s, got 0"},
      {R"("dram": {"channels": 0})",
       "dram.channels: must be an integer in [1, 64], got 0"},
      {R"("dram": {"channels": 65})",
       "dram.channels: must be an integer in [1, 64], got 65"},
      {R"("dram": {"channels": 2.5})",
       "dram.channels: must be an integer in [1, 64], got 2.5"},
      {R"("dram": {"latency_ns": -1})",
       "dram.latency_ns: must be in [0, 1000000] ns, got -1"},
      {R"("dram": {"energy_pj_per_bit": "8"})",
       "dram.energy_pj_per_bit: must be in [0, 10000] pJ/bit, got \"8\""},
      {R"("dram": {"tier": "X"})", "dram.tier: unknown tier 'X'"},
      {R"("dram": {"tier": 1})", "dram.tier: must be a string, got 1"},
      {R"("dram": {"chanels": 1})",
       "dram: unknown field 'chanels' (known: bandwidth_gb_s, channels, "
       "energy_pj_per_bit, latency_ns, tier)"},
      {R"("dram": [])", "dram: must be an object, got an array"},
  };
  for (const auto &[dram, message] : cases) {
    auto t = parseTarget(molTarget(std::string(", ") + dram), "tiny.json");
    ASSERT_FALSE(t.ok()) << dram;
    EXPECT_THAT(std::string(t.status().message()), HasSubstr(message));
  }
}

TEST(Dram, PresetsCarryTheDefaultBlock) {
  const std::pair<const char *, const char *> tiers[] = {
      {"2d", "die"},
      {"3d-mol", "logic"},
      {"3d-lol", "logic0"},
      {"3d-mol-iso", "logic"}};
  for (const auto &[preset, tier] : tiers) {
    auto t = loadTarget(preset);
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(t->dram.channels, 1) << preset;
    EXPECT_DOUBLE_EQ(t->dram.bandwidthGBs, 12.8) << preset;
    EXPECT_DOUBLE_EQ(t->dram.latencyNs, 100) << preset;
    EXPECT_DOUBLE_EQ(t->dram.energyPjPerBit, 8) << preset;
    EXPECT_EQ(t->tiers.at(t->dram.tier).name, tier) << preset;
  }
}

TEST(Dram, BitsAndLatencyCycles) {
  // 3d-mol and 3d-lol keep 500 MHz: 12.8e9 B/s * 8 / 500e6 = 204.8 bits per
  // cycle; 100 ns * 500 MHz = 50 cycles.
  for (const char *preset : {"3d-mol", "3d-lol"}) {
    auto t = loadTarget(preset);
    ASSERT_TRUE(t.ok());
    auto m = PhysicalModel::build(*t);
    ASSERT_TRUE(m.ok());
    EXPECT_NEAR(m->dramBitsPerCycle(), 204.8, 1e-9) << preset;
    EXPECT_NEAR(m->dramChannelBitsPerCycle(), 204.8, 1e-9) << preset;
    EXPECT_EQ(m->dramLatencyCycles(), 50) << preset;
  }
  // A derated clock (TargetTest: 16 MiB beside the core, 0.2 * sqrt(24) ns
  // of wire, 0.5 ns slack) with 2 channels of 12.8 GB/s.
  auto t = parseTarget(
      R"({"format": "spikestack-target", "version": 1, "name": "flat",
      "technology": "tech-28nm", "clock_mhz": 500,
      "dram": {"channels": 2, "latency_ns": 45},
      "tiers": [{"name": "L", "kind": "logic", "blocks": [
        {"name": "c", "kind": "core", "array_rows": 4, "array_cols": 4,
         "lif_units": 2, "scratchpad_bytes": 100},
        {"name": "m", "kind": "sram", "capacity_bytes": 16777216,
         "width_bits": 256, "ports": 1}]}]})",
      "flat.json");
  ASSERT_TRUE(t.ok()) << t.status();
  auto m = PhysicalModel::build(*t);
  ASSERT_TRUE(m.ok());
  const double f = 1000 / (2 + 0.2 * std::sqrt(24.0) - 0.5); // 403.26 MHz
  EXPECT_NEAR(m->dramChannelBitsPerCycle(), 12.8 * 8000 / f, 1e-9);
  EXPECT_NEAR(m->dramBitsPerCycle(), 2 * 12.8 * 8000 / f, 1e-9); // 507.9
  // 45 ns / 2.4798 ns = 18.15 -> 19 cycles.
  EXPECT_EQ(m->dramLatencyCycles(), 19);
  // A channel slower than a bit per cycle counts as one; latency 0 is 0;
  // 3 ns at 500 MHz is 1.5 cycles -> 2.
  auto slow = parseTarget(molTarget(R"(, "dram": {"bandwidth_gb_s": 0.01,
      "latency_ns": 0})"),
                          "slow.json");
  ASSERT_TRUE(slow.ok());
  auto ms = PhysicalModel::build(*slow);
  ASSERT_TRUE(ms.ok());
  EXPECT_DOUBLE_EQ(ms->dramBitsPerCycle(), 1); // 0.16 -> 1
  EXPECT_DOUBLE_EQ(ms->dramChannelBitsPerCycle(), 1);
  EXPECT_EQ(ms->dramLatencyCycles(), 0);
  auto three = parseTarget(molTarget(R"(, "dram": {"latency_ns": 3})"), "t");
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(PhysicalModel::build(*three)->dramLatencyCycles(), 2);
}

TEST(Dram, PathOnMemoryOnLogic) {
  // 3d-mol. Logic tier: 8 cores of side c, shelf sqrt(8) c = 2.83 c holds
  // two per row: box 2c x 4c centred, west edge x = -c, middle y = 0.
  // core0 sits at (-c/2, -1.5c): 2c of wire, no bond.
  // Memory tier: shelf sqrt(1.875) = 1.369 mm holds three 128 KiB banks
  // (3s = 1.299) per row; rows wglb0-2, wglb3-5, wglb6-7 + act0, act1-3:
  // box 3s x (3s + a), wglb0's centre (-s, -s - a/2). From (-c, 0): c - s +
  // s + a/2 = c + a/2 mm (0.795), then one bond (0.05 pJ/bit, 1 cycle).
  auto t = loadTarget("3d-mol");
  ASSERT_TRUE(t.ok());
  auto m = PhysicalModel::build(*t);
  ASSERT_TRUE(m.ok());
  Path core0 = m->dramPath(*t->findBlock("core0"));
  EXPECT_NEAR(core0.horizontalMm, 2 * c, 1e-9);
  EXPECT_EQ(core0.verticalHops, 0);
  EXPECT_EQ(core0.latencyCycles, 0);
  EXPECT_NEAR(core0.energyPjPerBit, 0.1 * 2 * c, 1e-9);
  Path wglb0 = m->dramPath(*t->findBlock("wglb0"));
  EXPECT_NEAR(wglb0.horizontalMm, c + a / 2, 1e-9);
  EXPECT_NEAR(wglb0.horizontalMm, 0.7949, 1e-4);
  EXPECT_EQ(wglb0.verticalHops, 1);
  EXPECT_EQ(wglb0.latencyCycles, 1);
  EXPECT_NEAR(wglb0.energyPjPerBit, 0.1 * (c + a / 2) + 0.05, 1e-9);
  // Interface on the memory tier of the tiny stack: both tiers are one
  // centred square; from the west edge of M (side sqrt(1.5)) to the core at
  // the origin is half that side, plus the bond down.
  auto tiny = parseTarget(molTarget(R"(, "dram": {"tier": "M"})"), "t");
  ASSERT_TRUE(tiny.ok());
  auto mt = PhysicalModel::build(*tiny);
  ASSERT_TRUE(mt.ok());
  Path p = mt->dramPath({0, 0});
  EXPECT_NEAR(p.horizontalMm, std::sqrt(1.5) / 2, 1e-9);
  EXPECT_EQ(p.verticalHops, 1);
  EXPECT_NEAR(p.energyPjPerBit, 0.1 * std::sqrt(1.5) / 2 + 0.05, 1e-9);
  Path q = mt->dramPath({1, 0});
  EXPECT_NEAR(q.horizontalMm, std::sqrt(1.5) / 2, 1e-9);
  EXPECT_EQ(q.verticalHops, 0);
}

namespace {

/// parseTarget(targetJson(t)) == t, field by field.
void expectSameTarget(const Target &x, const Target &y) {
  EXPECT_EQ(x.name, y.name);
  EXPECT_EQ(x.description, y.description);
  EXPECT_EQ(x.clockMhz, y.clockMhz);
  EXPECT_EQ(x.dram.channels, y.dram.channels);
  EXPECT_EQ(x.dram.bandwidthGBs, y.dram.bandwidthGBs);
  EXPECT_EQ(x.dram.latencyNs, y.dram.latencyNs);
  EXPECT_EQ(x.dram.energyPjPerBit, y.dram.energyPjPerBit);
  EXPECT_EQ(x.dram.tier, y.dram.tier);
  EXPECT_EQ(x.tech.name, y.tech.name);
  ASSERT_EQ(x.tech.values.size(), y.tech.values.size());
  for (const auto &[key, v] : x.tech.values) {
    ASSERT_TRUE(y.tech.values.count(key)) << key;
    const TechValue &w = y.tech.values.at(key);
    EXPECT_EQ(v.value, w.value) << key;
    EXPECT_EQ(v.unit, w.unit) << key;
    EXPECT_EQ(v.source, w.source) << key;
  }
  ASSERT_EQ(x.tiers.size(), y.tiers.size());
  for (size_t i = 0; i < x.tiers.size(); ++i) {
    const Tier &p = x.tiers[i], &q = y.tiers[i];
    EXPECT_EQ(p.name, q.name);
    EXPECT_EQ(p.kind, q.kind);
    ASSERT_EQ(p.blocks.size(), q.blocks.size());
    for (size_t j = 0; j < p.blocks.size(); ++j) {
      const Block &b = p.blocks[j], &d = q.blocks[j];
      EXPECT_EQ(b.name, d.name);
      EXPECT_EQ(b.kind, d.kind);
      EXPECT_EQ(b.core.rows, d.core.rows);
      EXPECT_EQ(b.core.cols, d.core.cols);
      EXPECT_EQ(b.core.lifUnits, d.core.lifUnits);
      EXPECT_EQ(b.core.scratchpadBytes, d.core.scratchpadBytes);
      EXPECT_EQ(b.sram.capacityBytes, d.sram.capacityBytes);
      EXPECT_EQ(b.sram.widthBits, d.sram.widthBits);
      EXPECT_EQ(b.sram.ports, d.sram.ports);
      EXPECT_EQ(b.sram.holds, d.sram.holds);
    }
  }
  ASSERT_EQ(x.links.size(), y.links.size());
  for (size_t i = 0; i < x.links.size(); ++i) {
    EXPECT_EQ(x.links[i].lower, y.links[i].lower);
    EXPECT_EQ(x.links[i].upper, y.links[i].upper);
    EXPECT_EQ(x.links[i].bondPitchUm, y.links[i].bondPitchUm);
    EXPECT_EQ(x.links[i].signalFraction, y.links[i].signalFraction);
    EXPECT_EQ(x.links[i].energyPjPerBit, y.links[i].energyPjPerBit);
    EXPECT_EQ(x.links[i].latencyCycles, y.links[i].latencyCycles);
  }
}

} // namespace

TEST(TargetJson, RoundTripsEveryPresetAndOddValues) {
  std::vector<Target> targets;
  for (const std::string &name : presetNames()) {
    auto t = loadTarget(name);
    ASSERT_TRUE(t.ok()) << name;
    targets.push_back(*t);
  }
  // Overrides (their source names the file), an "any" bank, no
  // description, numbers that are not short decimals, a non-default DRAM.
  auto odd = parseTarget(
      molTarget(R"(, "technology_overrides": {"pe_area_um2": 0.1234567891234,
        "wire_slack_ns": 1e-7},
        "dram": {"channels": 3, "bandwidth_gb_s": 0.333333333333333,
                 "latency_ns": 1e6, "energy_pj_per_bit": 0, "tier": "M"})",
                /*mhz=*/333),
      "odd.json");
  ASSERT_TRUE(odd.ok()) << odd.status();
  targets.push_back(*odd);
  for (const Target &t : targets) {
    const std::string text = targetJson(t);
    auto back = parseTarget(text, t.name + " (written)");
    ASSERT_TRUE(back.ok()) << back.status();
    SCOPED_TRACE(t.name);
    expectSameTarget(t, *back);
    EXPECT_EQ(targetJson(*back), text); // a fixed point
  }
}

TEST(IsoFootprint, ThreeDMol) {
  // 3d-mol: the logic tier's footprint is 8 cores packed 2 x 4 without a
  // gap, 8 * 0.4119552 = 3.2956 mm^2; the memory tier's SRAM is 1.25 MiB =
  // 1.875 mm^2, so the area alone allows x1.7577. The shelves pack the
  // banks into a box of 3s * (3s + a) = 2.0853 mm^2 whatever the common
  // factor f (every side scales by sqrt(f)), so the box fits while f <=
  // 3.2956 / 2.0853 = 1.5804: 128 KiB -> 202.3 KiB and 64 KiB -> 101.1
  // KiB, rounded down to 4 KiB: 200 KiB and 100 KiB (1.953 MiB, 2.930
  // mm^2 of SRAM in a 3.258 mm^2 box).
  auto t = loadTarget("3d-mol");
  ASSERT_TRUE(t.ok());
  auto iso = isoFootprint(*t);
  ASSERT_TRUE(iso.ok()) << iso.status();
  EXPECT_EQ(iso->name, "3d-mol-iso");
  EXPECT_THAT(iso->description, HasSubstr("1.953 MiB"));
  ASSERT_EQ(iso->tiers.size(), t->tiers.size());
  int64_t bytes = 0;
  for (size_t i = 0; i < t->tiers.size(); ++i) {
    ASSERT_EQ(iso->tiers[i].blocks.size(), t->tiers[i].blocks.size());
    for (size_t j = 0; j < t->tiers[i].blocks.size(); ++j) {
      const Block &b = t->tiers[i].blocks[j], &n = iso->tiers[i].blocks[j];
      EXPECT_EQ(n.name, b.name);
      EXPECT_EQ(n.kind, b.kind);
      EXPECT_EQ(n.core.rows, b.core.rows);
      EXPECT_EQ(n.sram.holds, b.sram.holds);
      EXPECT_EQ(n.sram.widthBits, b.sram.widthBits);
      EXPECT_EQ(n.sram.ports, b.sram.ports);
      if (b.kind != BlockKind::Sram)
        continue;
      EXPECT_EQ(n.sram.capacityBytes % 4096, 0) << n.name;
      EXPECT_GT(n.sram.capacityBytes, b.sram.capacityBytes) << n.name;
      EXPECT_EQ(n.sram.capacityBytes,
                b.sram.capacityBytes == 128 * 1024 ? 200 * 1024 : 100 * 1024)
          << n.name;
      bytes += n.sram.capacityBytes;
    }
  }
  EXPECT_EQ(bytes, 2000 * 1024);
  auto m = PhysicalModel::build(*iso);
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(m->tierFootprint(0), 8 * kCoreMm2, 1e-9); // logic unchanged
  const double s2 = std::sqrt(200.0 / 1024 * 1.5),
               a2 = std::sqrt(100.0 / 1024 * 1.5);
  EXPECT_NEAR(m->tierFootprint(1), 3 * s2 * (3 * s2 + a2), 1e-9); // 3.258
  EXPECT_LE(m->tierFootprint(1), m->tierFootprint(0));
  EXPECT_LE(double(bytes) / (1 << 20) * 1.5, m->tierFootprint(0));
  EXPECT_NEAR(m->stackFootprint(), 8 * kCoreMm2, 1e-9); // same footprint
  // The shipped preset is the generator's output.
  auto shipped = loadTarget("3d-mol-iso");
  ASSERT_TRUE(shipped.ok());
  expectSameTarget(*iso, *shipped);
}

TEST(IsoFootprint, ShrinksAnOversizedMemoryTierAndRefusesOtherStacks) {
  // The tiny stack's core covers 0.0084 mm^2, its bank 1.5 mm^2: the factor
  // 0.0084 / 1.5 = 0.0056 leaves 5872 B, rounded down to 4096.
  auto t = parseTarget(molTarget(), "tiny.json");
  ASSERT_TRUE(t.ok());
  auto iso = isoFootprint(*t);
  ASSERT_TRUE(iso.ok()) << iso.status();
  EXPECT_EQ(iso->tiers[1].blocks[0].sram.capacityBytes, 4096);
  for (const char *flat : {"2d", "3d-lol"}) {
    auto f = loadTarget(flat);
    ASSERT_TRUE(f.ok());
    auto r = isoFootprint(*f);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(std::string(r.status().message()),
                HasSubstr("is not a memory-on-logic stack"));
  }
}

TEST(SameSram2d, ThreeDMolFlattensToTwoD) {
  // 3d-mol's cores then its banks on one die "die": the 2d preset, up to
  // name and description.
  auto mol = loadTarget("3d-mol"), two = loadTarget("2d");
  ASSERT_TRUE(mol.ok() && two.ok());
  auto flat = sameSram2d(*mol);
  ASSERT_TRUE(flat.ok()) << flat.status();
  EXPECT_EQ(flat->name, "3d-mol-2d");
  Target expected = *two;
  expected.name = flat->name;
  expected.description = flat->description;
  expectSameTarget(expected, *flat);
  // The iso stack's 2000 KiB beside the cores.
  auto iso = loadTarget("3d-mol-iso");
  ASSERT_TRUE(iso.ok());
  auto flatIso = sameSram2d(*iso);
  ASSERT_TRUE(flatIso.ok()) << flatIso.status();
  ASSERT_EQ(flatIso->tiers.size(), 1u);
  int64_t bytes = 0;
  for (BlockRef b : flatIso->blocksOfKind(BlockKind::Sram))
    bytes += flatIso->block(b).sram.capacityBytes;
  EXPECT_EQ(bytes, 2000 * 1024);
  EXPECT_EQ(flatIso->blocksOfKind(BlockKind::Core).size(), 8u);
  EXPECT_TRUE(flatIso->links.empty());
}
