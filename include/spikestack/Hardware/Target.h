//===- Target.h - hardware target description (data, no MLIR) --*- C++ -*-===//
//
// A SpikeStack target is data: a versioned JSON file (docs/targets.md)
// describing the tiers of a (possibly 3D-stacked) spiking-transformer
// accelerator, the blocks on each tier (spiking-engine cores and SRAM
// banks), the vertical links between tiers and the technology table of
// energies, latencies and areas, each number with its source. The placer,
// the cost model, the encoder and the executor all query the same
// `Target` and its `PhysicalModel`. This library does not link MLIR.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_HARDWARE_TARGET_H
#define SPIKESTACK_HARDWARE_TARGET_H

#include "absl/status/statusor.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spikestack::hw {

/// Version of the target file format this library reads.
inline constexpr int kTargetFormatVersion = 1;

/// One number of the technology table: value, unit and where it comes from.
struct TechValue {
  double value = 0;
  std::string unit;
  std::string source;
};

/// The technology table (accelerator.md's defaults for 28 nm, F2F hybrid
/// bonding). Every key of `technologyKeys()` is present after loading.
struct Technology {
  std::string name;
  std::map<std::string, TechValue> values;
  /// Value of `key`; `key` must be one of technologyKeys().
  double operator[](const std::string &key) const;
};

/// The keys a technology table must define, with their units.
const std::vector<std::pair<std::string, std::string>> &technologyKeys();

enum class TierKind { Logic, Memory };
enum class BlockKind { Core, Sram };

/// A spiking-engine core: an R x C systolic array (spikes flow along the
/// rows, multi-bit weights are held in the columns), LIF units next to it
/// and a local scratchpad.
struct CoreSpec {
  int64_t rows = 0, cols = 0;
  int64_t lifUnits = 0;
  int64_t scratchpadBytes = 0;
};

/// An SRAM bank (weight / activation global buffer).
/// What a bank may hold: the placer puts weights only in `Weights` or
/// `Any` banks and activations (spikes, attention scores, router state)
/// only in `Activations` or `Any` banks.
enum class SramRole { Any, Weights, Activations };

struct SramSpec {
  int64_t capacityBytes = 0;
  int64_t widthBits = 0; ///< port width
  int64_t ports = 0;
  SramRole holds = SramRole::Any;
};

struct Block {
  std::string name; ///< unique in the target
  BlockKind kind = BlockKind::Core;
  CoreSpec core;
  SramSpec sram;
};

struct Tier {
  std::string name; ///< unique in the target
  TierKind kind = TierKind::Logic;
  std::vector<Block> blocks;
};

/// Face-to-face hybrid bonds between two adjacent tiers.
struct VerticalLink {
  int lower = 0, upper = 0; ///< tier indices, upper == lower + 1
  double bondPitchUm = 0;
  double signalFraction = 0; ///< share of the bonds that carry signals
  double energyPjPerBit = 0;
  int64_t latencyCycles = 0;
};

/// Where a block is: tier index and block index within the tier.
struct BlockRef {
  int tier = -1, block = -1;
  bool operator==(const BlockRef &o) const {
    return tier == o.tier && block == o.block;
  }
  bool operator<(const BlockRef &o) const {
    return tier != o.tier ? tier < o.tier : block < o.block;
  }
};

struct Target {
  std::string name, description;
  double clockMhz = 0;
  std::vector<Tier> tiers; ///< bottom (index 0) to top
  std::vector<VerticalLink> links;
  Technology tech;

  /// Blocks of a kind over all tiers, in tier then block order.
  std::vector<BlockRef> blocksOfKind(BlockKind kind) const;
  const Block &block(BlockRef r) const { return tiers[r.tier].blocks[r.block]; }
  /// The block called `name`, if any.
  std::optional<BlockRef> findBlock(std::string_view name) const;
  /// The link between tiers `a` and `b` (adjacent), if any.
  const VerticalLink *link(int a, int b) const;
};

/// Parses and validates a target file's text. Errors name the file and the
/// field ("tiers[1].blocks[0].capacity_bytes: must be positive, got 0").
absl::StatusOr<Target> parseTarget(std::string_view json,
                                   const std::string &fileName);
/// Loads `nameOrPath`: a shipped preset ("2d", "3d-mol", "3d-lol") or a
/// target file.
absl::StatusOr<Target> loadTarget(const std::string &nameOrPath);
/// Names of the shipped presets.
std::vector<std::string> presetNames();
/// Text of a shipped preset or technology table ("tech-28nm"), if any.
std::optional<std::string_view> builtinFile(std::string_view name);

} // namespace spikestack::hw

#endif
