//===- snn-target.cpp - load, validate and describe a hardware target -----===//
//
//   snn-target TARGET            describe a preset (snn-target --list) or file
//   snn-target --list            list the presets
//   snn-target --print TARGET    print the target file (presets: their JSON)
//   snn-target --iso-footprint TARGET [-o FILE]
//                                write the iso-footprint memory-on-logic
//                                variant of TARGET (hw::isoFootprint) as a
//                                target file (standard output without -o)
//   snn-target --same-sram-2d TARGET [-o FILE]
//                                write the 2D counterpart of TARGET: its
//                                cores and SRAM banks on one die
//                                (hw::sameSram2d)
//
// The description is what the placer and the cost model see: per tier the
// blocks with their areas and positions, footprints, core-to-buffer paths,
// bonds and the vertical bandwidth bound, and the derated clock. Exit
// status 1 on any error (the message names the file and the field).
//
//===----------------------------------------------------------------------===//
#include "spikestack/Hardware/PhysicalModel.h"
#include "spikestack/Support/FileUtil.h"

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

using namespace spikestack::hw;

static int usage() {
  std::fprintf(stderr,
               "usage: snn-target TARGET | --list | --print TARGET | "
               "--iso-footprint TARGET [-o FILE] | --same-sram-2d TARGET "
               "[-o FILE]\n"
               "  TARGET is a preset (see --list) or a target file\n");
  return 2;
}

static void describe(const PhysicalModel &m) {
  const Target &t = m.target();
  std::printf("target %s: %zu tier(s), clock %.1f MHz nominal, %.1f MHz "
              "effective, technology %s\n",
              t.name.c_str(), t.tiers.size(), t.clockMhz, m.effectiveClockMhz(),
              t.tech.name.c_str());
  for (int ti = 0; ti < int(t.tiers.size()); ++ti) {
    const Tier &tier = t.tiers[ti];
    int64_t cores = 0, pes = 0, lifs = 0, sramBytes = 0;
    for (const Block &b : tier.blocks) {
      if (b.kind == BlockKind::Core) {
        ++cores;
        pes += b.core.rows * b.core.cols;
        lifs += b.core.lifUnits;
      } else {
        sramBytes += b.sram.capacityBytes;
      }
    }
    std::printf("tier %d %s (%s): %lld core(s), %lld PEs, %lld LIF units, "
                "%lld KiB SRAM, footprint %.4f mm^2\n",
                ti, tier.name.c_str(),
                tier.kind == TierKind::Logic ? "logic" : "memory",
                (long long)cores, (long long)pes, (long long)lifs,
                (long long)(sramBytes / 1024), m.tierFootprint(ti));
    for (int bi = 0; bi < int(tier.blocks.size()); ++bi) {
      const Block &b = tier.blocks[bi];
      const Rect &r = m.placement({ti, bi});
      if (b.kind == BlockKind::Core)
        std::printf("  core %-8s %lldx%lld array, %lld LIF, %lld B scratchpad",
                    b.name.c_str(), (long long)b.core.rows,
                    (long long)b.core.cols, (long long)b.core.lifUnits,
                    (long long)b.core.scratchpadBytes);
      else
        std::printf("  sram %-8s %lld KiB, %lld-bit x %lld port(s), %s",
                    b.name.c_str(), (long long)(b.sram.capacityBytes / 1024),
                    (long long)b.sram.widthBits, (long long)b.sram.ports,
                    b.sram.holds == SramRole::Weights       ? "weights"
                    : b.sram.holds == SramRole::Activations ? "activations"
                                                            : "any data");
      std::printf("  area %.4f mm^2 at (%.3f, %.3f)\n", m.blockArea({ti, bi}),
                  r.cx(), r.cy());
    }
  }
  for (const VerticalLink &l : t.links)
    std::printf("link %s-%s: %lld bonds at %.2f um pitch, %lld signal bits "
                "per cycle (%.1f Gb/s), %.3f pJ/bit, %lld cycle(s)\n",
                t.tiers[l.lower].name.c_str(), t.tiers[l.upper].name.c_str(),
                (long long)m.bondCount(l), l.bondPitchUm,
                (long long)m.verticalBitsPerCycle(l),
                double(m.verticalBitsPerCycle(l)) * m.effectiveClockMhz() / 1e3,
                l.energyPjPerBit, (long long)l.latencyCycles);
  const DramSpec &d = t.dram;
  std::printf("dram: %lld channel(s) x %.2f GB/s, %.1f bits per cycle (%.1f "
              "per channel), latency %.1f ns = %lld cycle(s), %.2f pJ/bit, "
              "interface on tier %s\n",
              (long long)d.channels, d.bandwidthGBs, m.dramBitsPerCycle(),
              m.dramChannelBitsPerCycle(), d.latencyNs,
              (long long)m.dramLatencyCycles(), d.energyPjPerBit,
              t.tiers[d.tier].name.c_str());
  std::printf("stack footprint %.4f mm^2, silicon %.4f mm^2, longest "
              "core-buffer wire %.3f mm\n",
              m.stackFootprint(), m.siliconArea(), m.longestWireMm());
  // Mean core-to-buffer path: what a weight fetch costs on average.
  double mm = 0, pj = 0, hops = 0;
  int n = 0;
  for (BlockRef c : t.blocksOfKind(BlockKind::Core))
    for (BlockRef s : t.blocksOfKind(BlockKind::Sram)) {
      Path p = m.path(c, s);
      mm += p.horizontalMm;
      pj += p.energyPjPerBit;
      hops += p.verticalHops;
      ++n;
    }
  std::printf("mean core-buffer path: %.3f mm of wire, %.2f bond hop(s), "
              "%.4f pJ/bit\n",
              mm / n, hops / n, pj / n);
}

static int fail(const std::string &what, const absl::Status &st) {
  std::fprintf(stderr, "snn-target: error: %s%s\n", what.c_str(),
               std::string(st.message()).c_str());
  return 1;
}

/// --iso-footprint / --same-sram-2d TARGET [-o FILE]: the derived target,
/// written through the project's output writer ("-": standard output).
static int deriveMain(const char *what, const std::string &name,
                      const std::string &out) {
  auto target = loadTarget(name);
  if (!target.ok())
    return fail("", target.status());
  auto derived = !std::strcmp(what, "--iso-footprint") ? isoFootprint(*target)
                                                       : sameSram2d(*target);
  if (!derived.ok())
    return fail(name + ": ", derived.status());
  if (auto st = spikestack::writeOutputFile(out, targetJson(*derived));
      !st.ok())
    return fail("", st);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && !std::strcmp(argv[1], "--list")) {
    for (const std::string &p : presetNames()) {
      auto t = loadTarget(p);
      std::printf("%-8s %s\n", p.c_str(),
                  t.ok() ? t->description.c_str() : "(invalid)");
    }
    return 0;
  }
  if (argc >= 3 && (!std::strcmp(argv[1], "--iso-footprint") ||
                    !std::strcmp(argv[1], "--same-sram-2d"))) {
    if (argc == 3)
      return deriveMain(argv[1], argv[2], "-");
    if (argc == 5 && !std::strcmp(argv[3], "-o"))
      return deriveMain(argv[1], argv[2], argv[4]);
    return usage();
  }
  bool print = false;
  std::string name;
  if (argc == 3 && !std::strcmp(argv[1], "--print")) {
    print = true;
    name = argv[2];
  } else if (argc == 2 && argv[1][0] != '-') {
    name = argv[1];
  } else {
    return usage();
  }
  auto target = loadTarget(name);
  if (!target.ok())
    return fail("", target.status());
  if (print) {
    if (auto text = builtinFile(name))
      std::cout << *text;
    else
      std::cout << "(" << name << " is a file; see it directly)\n";
    return 0;
  }
  auto model = PhysicalModel::build(*target);
  if (!model.ok())
    return fail(name + ": ", model.status());
  describe(*model);
  return 0;
}
