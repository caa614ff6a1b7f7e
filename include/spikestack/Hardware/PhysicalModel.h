//===- PhysicalModel.h - areas, floorplan and links of a target -*- C++ -*-===//
//
// The physical side of a Target: block areas from the technology table, a
// deterministic floorplan per tier (all tiers share one coordinate frame),
// tier and stack footprints, core-to-buffer paths (horizontal millimetres
// on the tiers plus vertical bond hops), bond counts and the vertical
// bandwidth bound, and the clock derating of long horizontal wires.
// Formulas: docs/targets.md.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_HARDWARE_PHYSICALMODEL_H
#define SPIKESTACK_HARDWARE_PHYSICALMODEL_H

#include "spikestack/Hardware/Target.h"

namespace spikestack::hw {

/// A placed rectangle, millimetres; (x, y) is the lower-left corner.
struct Rect {
  double x = 0, y = 0, w = 0, h = 0;
  double area() const { return w * h; }
  double cx() const { return x + w / 2; }
  double cy() const { return y + h / 2; }
};

/// The route of one bit from a block to another.
struct Path {
  double horizontalMm = 0; ///< on-die wire, summed over the tiers crossed
  int verticalHops = 0;    ///< bond crossings
  int64_t latencyCycles = 0;
  double energyPjPerBit = 0; ///< wire + bonds
};

class PhysicalModel {
public:
  /// Builds the model; fails if the target is not physically meaningful
  /// (a block without area, a tier larger than kMaxTierAreaMm2, a vertical
  /// link whose bonds cannot carry one bit per cycle).
  static absl::StatusOr<PhysicalModel> build(const Target &target);

  const Target &target() const { return *t; }

  /// Area of a block, mm^2 (cores: PEs, LIF units, scratchpad, overhead;
  /// SRAM: capacity times density).
  double blockArea(BlockRef b) const;
  const Rect &placement(BlockRef b) const;
  /// Bounding box area of a tier's floorplan, mm^2.
  double tierFootprint(int tier) const;
  /// The stack's footprint: its largest tier.
  double stackFootprint() const;
  /// Silicon area summed over tiers (what the dies cost).
  double siliconArea() const;

  /// Path from block `from` to block `to` (Manhattan distance between
  /// centres in the shared frame, plus one bond crossing per tier boundary).
  Path path(BlockRef from, BlockRef to) const;

  /// Bonds over the overlap of the two tiers a link joins (at most 2^53).
  int64_t bondCount(const VerticalLink &link) const;
  /// Signal bonds, i.e. bits per cycle the link can carry.
  int64_t verticalBitsPerCycle(const VerticalLink &link) const;

  /// The DRAM level (Target::dram): bits per cycle over all channels and
  /// per channel at the effective clock (at least 1), and the access
  /// latency in cycles (rounded up).
  double dramBitsPerCycle() const;
  double dramChannelBitsPerCycle() const;
  int64_t dramLatencyCycles() const;
  /// Path of a bit between the DRAM interface (the middle of the west edge
  /// of tier dram.tier) and bank `b`: the wire on the interface's tier to
  /// below the bank, then the bonds up or down to the bank's tier. Energy
  /// and latency exclude the DRAM access itself.
  Path dramPath(BlockRef b) const;

  /// Longest core-to-SRAM horizontal wire, mm.
  double longestWireMm() const;
  /// The clock after derating: the cycle must hold the nominal logic path
  /// plus the longest wire's delay beyond the slack the nominal clock
  /// already absorbs.
  double effectiveClockMhz() const;

private:
  const Target *t = nullptr;
  std::map<BlockRef, double> areas;
  std::map<BlockRef, Rect> rects;
  std::vector<Rect> tierBoxes;
};

} // namespace spikestack::hw

#endif
