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

#include "absl/status/status.h"
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

/// A named operating corner of a technology table (temperature, threshold
/// flavour): values that replace the table's at that corner. Only energy
/// and power values (isCornerKey), so a corner changes no instruction of
/// a compiled program.
struct TechCorner {
  std::string description;
  std::map<std::string, TechValue> values;
};

/// The corner a table's own values describe.
inline constexpr const char *kTypicalCorner = "typical";

/// The technology table (accelerator.md's defaults for 28 nm, F2F hybrid
/// bonding). Every key of `technologyKeys()` is present after loading.
struct Technology {
  std::string name;
  std::map<std::string, TechValue> values; ///< the typical corner
  /// The other corners (never kTypicalCorner), by name.
  std::map<std::string, TechCorner> corners;
  std::string corner = kTypicalCorner; ///< the corner in effect
  /// Value of `key` at the corner in effect (the corner's value where it
  /// sets one, else the table's); `key` must be one of technologyKeys().
  double operator[](const std::string &key) const;
  /// The entry behind operator[] (value, unit and source).
  const TechValue &entry(const std::string &key) const;
  /// kTypicalCorner, then the other corners' names.
  std::vector<std::string> cornerNames() const;
};

/// Whether a corner may set `key`: the energy and power values (units pJ,
/// fJ/bit, pJ/bit, pJ/bit/mm, mW), which no compiler decision reads.
bool isCornerKey(const std::string &key);

struct Target;
/// Puts `t`'s technology at corner `name` (kTypicalCorner or one of its
/// table's corners); an unknown name is an error that lists the corners.
absl::Status selectCorner(Target &t, const std::string &name);

/// The keys a technology table must define, with their units (the
/// Technology rows of kNumberRanges, in order).
const std::vector<std::pair<std::string, std::string>> &technologyKeys();

//===----------------------------------------------------------------------===//
// Accepted ranges (docs/targets.md, docs/robustness.md)
//===----------------------------------------------------------------------===//

/// Where a number sits in a target file.
enum class NumberScope {
  Target,     ///< top level ("clock_mhz")
  Core,       ///< a core block ("tiers[i].blocks[j].array_rows")
  Sram,       ///< an SRAM block ("tiers[i].blocks[j].capacity_bytes")
  Link,       ///< a vertical link ("vertical_links[i].latency_cycles")
  Dram,       ///< the DRAM level ("dram.bandwidth_gb_s")
  Technology, ///< a technology value, inline ("technology.values.K.value"),
              ///< shipped ("values.K.value") or overridden
              ///< ("technology_overrides.K")
};

/// The accepted range of one number of a target or technology file. Every
/// number the loader reads is checked against this one table (checkNumber),
/// whether it comes from a shipped table, an inline table or an override.
/// The bounds are generous for real chips and small enough that every
/// product the placer, the cost model and the executor form from target
/// numbers (rows * cols * cores, capacity * banks, ports * width, summed
/// link latencies, cycle conversions) fits an int64 with room to spare and
/// every energy, area and time stays finite.
struct NumberRange {
  NumberScope scope;
  std::string_view key;  ///< the key in the file
  std::string_view unit; ///< "" when unitless
  double min, max;
  bool minExclusive; ///< (min, max] rather than [min, max]
  bool integer;      ///< a whole number (block and link fields: a JSON
                     ///< integer; technology values: an integral value)
};

inline constexpr int64_t kKiB = int64_t(1) << 10, kMiB = int64_t(1) << 20,
                         kGiB = int64_t(1) << 30, kTiB = int64_t(1) << 40;

// clang-format off
inline constexpr NumberRange kNumberRanges[] = {
    // scope, key, unit, min, max, min exclusive, integer
    {NumberScope::Target, "clock_mhz", "MHz", 0.001, 10000, false, false},
    {NumberScope::Core, "array_rows", "", 1, 4096, false, true},
    {NumberScope::Core, "array_cols", "", 1, 4096, false, true},
    {NumberScope::Core, "lif_units", "", 1, 65536, false, true},
    {NumberScope::Core, "scratchpad_bytes", "B", 0, double(kGiB), false, true},
    {NumberScope::Sram, "capacity_bytes", "B", 1, double(kTiB), false, true},
    {NumberScope::Sram, "width_bits", "bit", 8, 65536, false, true},
    {NumberScope::Sram, "ports", "", 1, 64, false, true},
    {NumberScope::Link, "bond_pitch_um", "um", 0.1, 1000, false, false},
    {NumberScope::Link, "signal_fraction", "", 0, 1, true, false},
    {NumberScope::Link, "energy_pj_per_bit", "pJ/bit", 0, 1000, false, false},
    {NumberScope::Link, "latency_cycles", "cycles", 0, 1000, false, true},
    {NumberScope::Dram, "channels", "", 1, 64, false, true},
    {NumberScope::Dram, "bandwidth_gb_s", "GB/s", 0.01, 10000, false, false},
    {NumberScope::Dram, "latency_ns", "ns", 0, 1e6, false, false},
    {NumberScope::Dram, "energy_pj_per_bit", "pJ/bit", 0, 1e4, false, false},
    {NumberScope::Technology, "vdd_v", "V", 0, 10, true, false},
    {NumberScope::Technology, "e_accumulate_pj", "pJ", 0, 1e4, false, false},
    {NumberScope::Technology, "e_mac_pj", "pJ", 0, 1e4, false, false},
    {NumberScope::Technology, "e_lif_update_pj", "pJ", 0, 1e4, false, false},
    {NumberScope::Technology, "e_scratchpad_fj_per_bit", "fJ/bit", 0, 1e6, false, false},
    // Write energies are scaled by write_32k / read_32k: read_32k > 0.
    {NumberScope::Technology, "e_sram_read_32k_fj_per_bit", "fJ/bit", 0, 1e6, true, false},
    {NumberScope::Technology, "e_sram_write_32k_fj_per_bit", "fJ/bit", 0, 1e6, false, false},
    {NumberScope::Technology, "e_sram_read_128k_fj_per_bit", "fJ/bit", 0, 1e6, false, false},
    {NumberScope::Technology, "e_sram_read_512k_fj_per_bit", "fJ/bit", 0, 1e6, false, false},
    {NumberScope::Technology, "sram_access_cycles", "cycles", 0, 1000, false, true},
    {NumberScope::Technology, "sram_leakage_mw_per_32k", "mW", 0, 1e4, false, false},
    {NumberScope::Technology, "wire_energy_pj_per_bit_mm", "pJ/bit/mm", 0, 1000, false, false},
    {NumberScope::Technology, "wire_delay_ns_per_mm", "ns/mm", 0, 1000, false, false},
    {NumberScope::Technology, "wire_slack_ns", "ns", 0, 1e6, false, false},
    {NumberScope::Technology, "bond_pitch_um", "um", 0.1, 1000, false, false},
    {NumberScope::Technology, "bond_signal_fraction", "", 0, 1, true, false},
    {NumberScope::Technology, "bond_energy_pj_per_bit", "pJ/bit", 0, 1000, false, false},
    {NumberScope::Technology, "bond_latency_cycles", "cycles", 0, 1000, false, true},
    {NumberScope::Technology, "microbump_energy_pj_per_bit", "pJ/bit", 0, 1000, false, false},
    {NumberScope::Technology, "dram_energy_pj_per_bit", "pJ/bit", 0, 1e4, false, false},
    {NumberScope::Technology, "dram_latency_ns", "ns", 0, 1e6, false, false},
    {NumberScope::Technology, "yield_die_to_wafer", "", 0, 1, true, false},
    {NumberScope::Technology, "yield_wafer_to_wafer", "", 0, 1, true, false},
    {NumberScope::Technology, "paper_e_ac_pj", "pJ", 0, 1e4, false, false},
    {NumberScope::Technology, "paper_e_mac_pj", "pJ", 0, 1e4, false, false},
    {NumberScope::Technology, "pe_area_um2", "um^2", 0, 1e5, true, false},
    {NumberScope::Technology, "lif_unit_area_um2", "um^2", 0, 1e6, false, false},
    {NumberScope::Technology, "scratchpad_area_um2_per_byte", "um^2/B", 0, 1000, false, false},
    {NumberScope::Technology, "sram_area_mm2_per_mib", "mm^2/MiB", 0, 1000, true, false},
    {NumberScope::Technology, "core_overhead_fraction", "", 0, 10, false, false},
};
// clang-format on

/// The row of kNumberRanges for `key` in `scope`, or null.
const NumberRange *findNumberRange(NumberScope scope, std::string_view key);

/// OK if `value` lies in `range` (and is whole where the range wants an
/// integer); otherwise InvalidArgument "must be in [min, max] unit, got
/// value" (without a field path: the caller prefixes it).
absl::Status checkNumber(const NumberRange &range, double value);

/// Limits on the shape of a target file (checked by parseTarget and
/// loadTarget; see also kNumberRanges).
inline constexpr int64_t kMaxTargetFileBytes = 16 * kMiB; ///< file size
inline constexpr int kMaxJsonNesting = 16; ///< arrays/objects (files need 5)
inline constexpr int kMaxTiers = 64;
inline constexpr int kMaxBlocks = 4096; ///< over all tiers
inline constexpr int64_t kMaxTotalSramBytes = kTiB; ///< over all banks
inline constexpr size_t kMaxNameBytes = 64; ///< tier and block names
inline constexpr size_t kMaxTitleBytes = 256; ///< target and technology names
/// PhysicalModel::build rejects a tier whose bounding box is larger (10 m^2;
/// a 300 mm wafer is 0.07 m^2), so bond counts stay below 2^53 (exact in a
/// double) at the finest pitch.
inline constexpr double kMaxTierAreaMm2 = 1e7;

enum class TierKind { Logic, Memory };
enum class BlockKind { Core, Sram };

/// A spiking-engine core: an R x C systolic array (spikes flow along the
/// rows, multi-bit weights are held in the columns), LIF units next to it
/// and a local scratchpad.
struct CoreSpec {
  int64_t rows = 0, cols = 0;
  int64_t lifUnits = 0;
  int64_t scratchpadBytes = 0;
  /// The array dataflows the core supports (the target file's `dataflows`:
  /// "weight_stationary", "output_stationary"; weight-stationary only when
  /// absent). docs/isa.md, "Array passes", times each.
  bool weightStationary = true, outputStationary = false;
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

/// The off-chip DRAM the chip streams weights from and spills activations
/// to: `channels` independent channels of `bandwidthGBs` each (GB/s, 1e9
/// bytes per second), an access latency, an energy per bit moved, and the
/// tier whose west edge holds the DRAM interface (docs/targets.md). The
/// default is one LPDDR4-class x32 channel.
struct DramSpec {
  int64_t channels = 1;
  double bandwidthGBs = 12.8;
  double latencyNs = 100;
  double energyPjPerBit = 8;
  int tier = 0;
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
  DramSpec dram;
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
/// field as it appears in the file
/// ("tiers[1].blocks[0].capacity_bytes: must be an integer in [1,
/// 1099511627776] B, got 0"), or the line and column for problems of the
/// JSON text itself (syntax, nesting deeper than kMaxJsonNesting, a number
/// out of the double range, a key twice in one object). Every number is
/// checked against kNumberRanges; text larger than kMaxTargetFileBytes is
/// refused.
absl::StatusOr<Target> parseTarget(std::string_view json,
                                   const std::string &fileName);
/// Loads `nameOrPath`: a shipped preset ("2d", "3d-mol", "3d-lol") or a
/// target file (a regular file of at most kMaxTargetFileBytes; FIFOs,
/// devices and larger files are refused before anything is read).
absl::StatusOr<Target> loadTarget(const std::string &nameOrPath);
/// The target a tool or pass uses when none is named: the 3D-stacked
/// memory-on-logic preset.
inline constexpr const char *kDefaultTarget = "3d-mol";
/// The memory-on-logic stack `t` with its memory tiers' SRAM grown to the
/// logic tiers' footprint: every bank of a memory tier keeps its role,
/// width and ports, and all their capacities are multiplied by one factor
/// (each rounded down to 4 KiB) chosen so that the memory tiers' SRAM area
/// (sram_area_mm2_per_mib) fills, but does not exceed, the largest logic
/// tier's floorplan. Fails if `t` has no memory tier above a logic tier or
/// its physical model cannot be built. Named "<t.name>-iso".
absl::StatusOr<Target> isoFootprint(const Target &t);
/// The 2D counterpart of `t` with the same SRAM beside the cores: one
/// logic tier "die" holding all of `t`'s cores and then all of its SRAM
/// banks (tier order, then file order, as the 2d preset lists them); the
/// same clock, technology and DRAM (interface on the die); no links.
/// Named "<t.name>-2d" (sameSram2d of 3d-mol is 2d up to name and
/// description). Fails if a block of `t` is called "die" or the die's
/// physical model cannot be built.
absl::StatusOr<Target> sameSram2d(const Target &t);
/// The target as a target file (format version kTargetFormatVersion),
/// technology inline; parseTarget(targetJson(t)) reproduces `t`.
std::string targetJson(const Target &t);
/// Names of the shipped presets.
std::vector<std::string> presetNames();
/// Text of a shipped preset or technology table ("tech-28nm"), if any.
std::optional<std::string_view> builtinFile(std::string_view name);

} // namespace spikestack::hw

#endif
