//===- PhysicalModel.cpp - areas, floorplan and links of a target ---------===//
#include "spikestack/Hardware/PhysicalModel.h"

#include "absl/strings/str_cat.h"

#include <algorithm>
#include <cmath>

namespace spikestack::hw {

double PhysicalModel::blockArea(BlockRef b) const { return areas.at(b); }
const Rect &PhysicalModel::placement(BlockRef b) const { return rects.at(b); }
double PhysicalModel::tierFootprint(int tier) const {
  return tierBoxes.at(tier).area();
}

double PhysicalModel::stackFootprint() const {
  double m = 0;
  for (const Rect &r : tierBoxes)
    m = std::max(m, r.area());
  return m;
}

double PhysicalModel::siliconArea() const {
  double s = 0;
  for (const Rect &r : tierBoxes)
    s += r.area();
  return s;
}

static double manhattan(const Rect &a, const Rect &b) {
  return std::abs(a.cx() - b.cx()) + std::abs(a.cy() - b.cy());
}

Path PhysicalModel::path(BlockRef from, BlockRef to) const {
  Path p;
  p.horizontalMm = manhattan(rects.at(from), rects.at(to));
  p.energyPjPerBit = p.horizontalMm * t->tech["wire_energy_pj_per_bit_mm"];
  const int lo = std::min(from.tier, to.tier),
            hi = std::max(from.tier, to.tier);
  for (int i = lo; i < hi; ++i) {
    const VerticalLink *l = t->link(i, i + 1);
    ++p.verticalHops;
    p.latencyCycles += l->latencyCycles;
    p.energyPjPerBit += l->energyPjPerBit;
  }
  return p;
}

/// `v` (>= 0) as an int64, at most 2^53: with the documented ranges (tiers
/// of at most kMaxTierAreaMm2, pitches of at least 0.1 um) counts stay
/// below 1e15; the clamp keeps a model built from unchecked numbers
/// defined.
static int64_t countOf(double v) {
  constexpr double kMax = double(int64_t(1) << 53);
  return !(v > 0) ? 0 : v >= kMax ? int64_t(1) << 53 : int64_t(std::floor(v));
}

int64_t PhysicalModel::bondCount(const VerticalLink &link) const {
  // Bonds cover the overlap of the two tiers (both floorplans are centred
  // on the same point): area / pitch^2.
  const Rect &a = tierBoxes[link.lower], &b = tierBoxes[link.upper];
  const double overlapMm2 = std::min(a.w, b.w) * std::min(a.h, b.h);
  const double pitchMm = link.bondPitchUm * 1e-3;
  return countOf(overlapMm2 / (pitchMm * pitchMm));
}

int64_t PhysicalModel::verticalBitsPerCycle(const VerticalLink &link) const {
  return countOf(double(bondCount(link)) * link.signalFraction);
}

double PhysicalModel::longestWireMm() const {
  double m = 0;
  for (BlockRef c : t->blocksOfKind(BlockKind::Core))
    for (BlockRef s : t->blocksOfKind(BlockKind::Sram))
      m = std::max(m, manhattan(rects.at(c), rects.at(s)));
  return m;
}

double PhysicalModel::effectiveClockMhz() const {
  const double period = 1000.0 / t->clockMhz; // ns
  const double wire = longestWireMm() * t->tech["wire_delay_ns_per_mm"];
  const double extra = std::max(0.0, wire - t->tech["wire_slack_ns"]);
  return 1000.0 / (period + extra);
}

// The DRAM level. Bits per cycle = channels * GB/s * 8e9 bit/s divided by
// the effective clock (Hz), i.e. GB/s * 8000 / MHz per channel; at least 1
// so that every transfer time is finite (only a channel slower than one bit
// per cycle, 0.01 GB/s at more than 80 MHz, is rounded up).
double PhysicalModel::dramChannelBitsPerCycle() const {
  return std::max(1.0, t->dram.bandwidthGBs * 8000.0 / effectiveClockMhz());
}

double PhysicalModel::dramBitsPerCycle() const {
  return std::max(1.0, double(t->dram.channels) * t->dram.bandwidthGBs *
                           8000.0 / effectiveClockMhz());
}

int64_t PhysicalModel::dramLatencyCycles() const {
  // latency_ns / cycle_ns, rounded up; the relative 1e-9 keeps an exact
  // quotient (100 ns at 500 MHz = 50 cycles) from becoming 51 by rounding.
  const double cycles = t->dram.latencyNs * effectiveClockMhz() / 1000.0;
  return int64_t(std::ceil(cycles - 1e-9 * std::max(1.0, cycles)));
}

Path PhysicalModel::dramPath(BlockRef b) const {
  // The interface (PHY) sits at the middle of the west edge of tier
  // dram.tier's bounding box, in the frame all tiers share.
  const Rect &box = tierBoxes.at(t->dram.tier);
  const Rect &r = rects.at(b);
  Path p;
  p.horizontalMm = std::abs(r.cx() - box.x) + std::abs(r.cy() - box.cy());
  p.energyPjPerBit = p.horizontalMm * t->tech["wire_energy_pj_per_bit_mm"];
  const int lo = std::min(t->dram.tier, b.tier),
            hi = std::max(t->dram.tier, b.tier);
  for (int i = lo; i < hi; ++i) {
    const VerticalLink *l = t->link(i, i + 1);
    ++p.verticalHops;
    p.latencyCycles += l->latencyCycles;
    p.energyPjPerBit += l->energyPjPerBit;
  }
  return p;
}

/// Area of a block, mm^2.
static double areaOf(const Block &b, const Technology &tech) {
  if (b.kind == BlockKind::Sram)
    return double(b.sram.capacityBytes) / double(1 << 20) *
           tech["sram_area_mm2_per_mib"];
  const double um2 =
      double(b.core.rows * b.core.cols) * tech["pe_area_um2"] +
      double(b.core.lifUnits) * tech["lif_unit_area_um2"] +
      double(b.core.scratchpadBytes) * tech["scratchpad_area_um2_per_byte"];
  return um2 * 1e-6 * (1 + tech["core_overhead_fraction"]);
}

absl::StatusOr<PhysicalModel> PhysicalModel::build(const Target &target) {
  PhysicalModel m;
  m.t = &target;
  // Floorplan: each tier's blocks, as squares, packed in file order into
  // shelves of width sqrt(tier area); the tier's bounding box is then
  // centred on the origin, the point all tiers share.
  for (int ti = 0; ti < int(target.tiers.size()); ++ti) {
    const Tier &tier = target.tiers[ti];
    double total = 0;
    for (int bi = 0; bi < int(tier.blocks.size()); ++bi) {
      const double a = areaOf(tier.blocks[bi], target.tech);
      if (!(a > 0) || !std::isfinite(a))
        return absl::InvalidArgumentError(
            absl::StrCat("block '", tier.blocks[bi].name, "' has area ", a,
                         " mm^2; check the technology's area figures"));
      m.areas[{ti, bi}] = a;
      total += a;
    }
    const double shelf = std::sqrt(total);
    double x = 0, y = 0, rowH = 0, maxX = 0;
    for (int bi = 0; bi < int(tier.blocks.size()); ++bi) {
      const double side = std::sqrt(m.areas[{ti, bi}]);
      if (x > 0 && x + side > shelf * (1 + 1e-9)) {
        y += rowH;
        x = 0;
        rowH = 0;
      }
      m.rects[{ti, bi}] = Rect{x, y, side, side};
      x += side;
      rowH = std::max(rowH, side);
      maxX = std::max(maxX, x);
    }
    Rect box{-maxX / 2, -(y + rowH) / 2, maxX, y + rowH};
    if (!(box.area() <= kMaxTierAreaMm2))
      return absl::InvalidArgumentError(absl::StrCat(
          "tier '", tier.name, "' covers ", box.area(),
          " mm^2 (its blocks' areas from the technology's area figures); at "
          "most ",
          kMaxTierAreaMm2, " mm^2"));
    for (int bi = 0; bi < int(tier.blocks.size()); ++bi) {
      Rect &r = m.rects[{ti, bi}];
      r.x += box.x;
      r.y += box.y;
    }
    m.tierBoxes.push_back(box);
  }
  for (const VerticalLink &l : target.links)
    if (m.verticalBitsPerCycle(l) < 1)
      return absl::InvalidArgumentError(absl::StrCat(
          "the link between tiers '", target.tiers[l.lower].name, "' and '",
          target.tiers[l.upper].name, "' has ", m.bondCount(l), " bonds at a ",
          l.bondPitchUm, " um pitch: no signal bond; use a finer pitch"));
  return m;
}

} // namespace spikestack::hw
