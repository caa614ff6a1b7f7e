//===- target-fuzzer.cpp - libFuzzer target for target files --------------===//
//
// Feeds arbitrary bytes to hw::parseTarget as the text of a target file
// (what `snn-target`, `snn-compile --target` and `snn-run` read, and what
// a program carries as its target document). Every input must end in a
// target or an error; crashes, hangs, leaks and sanitizer reports are
// bugs, and so is any broken invariant below (the fuzzer aborts):
//
// - an error message is at most 2 KiB of UTF-8 without control characters
//   (it quotes the file's strings only escaped and shortened);
// - every number of an accepted target lies in its kNumberRanges row, and
//   the shape limits hold (tiers, blocks, total SRAM);
// - the products consumers form from target numbers fit an int64
//   (rows * cols * cores, ports * width * banks, capacity * 8 summed,
//   link latencies summed);
// - the physical model builds or fails cleanly; when it builds, areas,
//   footprints, wires, path energies and the derated clock are finite and
//   positive where they must be, bond counts lie in [1, 2^53] and path
//   latencies in [0, 1000 * links].
//
// With TARGET_FUZZER_PROGRAM=PROGRAM.snnp in the environment (a program
// compiled for a preset; scripts/fuzz.sh passes a micro model's), every
// accepted target with enough cores and banks also runs that program on
// the executor (zero inputs, bounded budgets), whose cycles and energy
// must be non-negative and finite: the executor is the widest consumer of
// technology numbers.
//
// TARGET_FUZZER_VERBOSE=1 prints each executor run's outcome.
//
// Built with clang (-fsanitize=fuzzer) when SPIKESTACK_ENABLE_FUZZERS=ON;
// run by scripts/fuzz.sh (dictionary: target.dict). Links no MLIR.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Hardware/PhysicalModel.h"
#include "spikestack/Hardware/Target.h"
#include "spikestack/Runtime/Executor.h"
#include "spikestack/Runtime/Program.h"
#include "spikestack/Support/FileUtil.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

using namespace spikestack;
using namespace spikestack::hw;

namespace {

[[noreturn]] void fail(const std::string &what) {
  std::fprintf(stderr, "target-fuzzer: invariant broken: %s\n", what.c_str());
  std::abort();
}

void require(bool ok, const std::string &what) {
  if (!ok)
    fail(what);
}

/// Messages: bounded, valid UTF-8, no control characters.
void checkMessage(std::string_view m) {
  require(!m.empty() && m.size() <= 2048,
          "error message of " + std::to_string(m.size()) + " bytes");
  for (size_t i = 0; i < m.size();) {
    const uint8_t c = uint8_t(m[i]);
    size_t n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2
                          : c >= 0xe0 && c <= 0xef   ? 3
                          : c >= 0xf0 && c <= 0xf4   ? 4
                                                     : 0;
    require(n && i + n <= m.size() && c >= 0x20 && c != 0x7f,
            "error message with a control character or non-UTF-8 byte at " +
                std::to_string(i) + ": " + std::string(m));
    for (size_t k = 1; k < n; ++k)
      require((uint8_t(m[i + k]) & 0xc0) == 0x80,
              "error message with broken UTF-8: " + std::string(m));
    i += n;
  }
}

void checkRange(NumberScope scope, std::string_view key, double v) {
  const NumberRange *r = findNumberRange(scope, key);
  require(r, "no range row for " + std::string(key));
  require(checkNumber(*r, v).ok(),
          std::string(key) + " = " + std::to_string(v) + " out of its range");
}

int64_t mul(int64_t a, int64_t b, const char *what) {
  int64_t p;
  require(!__builtin_mul_overflow(a, b, &p), std::string(what) + " overflows");
  return p;
}

int64_t add(int64_t a, int64_t b, const char *what) {
  int64_t s;
  require(!__builtin_add_overflow(a, b, &s), std::string(what) + " overflows");
  return s;
}

void checkTarget(const Target &t) {
  checkRange(NumberScope::Target, "clock_mhz", t.clockMhz);
  require(!t.tiers.empty() && t.tiers.size() <= size_t(kMaxTiers), "tiers");
  require(!t.name.empty() && t.name.size() <= kMaxTitleBytes, "target name");
  for (const auto &[key, unit] : technologyKeys()) {
    auto it = t.tech.values.find(key);
    require(it != t.tech.values.end(), "technology key " + key + " missing");
    checkRange(NumberScope::Technology, key, it->second.value);
  }
  int64_t blocks = 0, cores = 0, banks = 0, sram = 0, pes = 0, portBits = 0;
  for (const Tier &tier : t.tiers) {
    require(!tier.name.empty() && tier.name.size() <= kMaxNameBytes, "name");
    for (const Block &b : tier.blocks) {
      ++blocks;
      require(!b.name.empty() && b.name.size() <= kMaxNameBytes, "name");
      if (b.kind == BlockKind::Core) {
        ++cores;
        checkRange(NumberScope::Core, "array_rows", double(b.core.rows));
        checkRange(NumberScope::Core, "array_cols", double(b.core.cols));
        checkRange(NumberScope::Core, "lif_units", double(b.core.lifUnits));
        checkRange(NumberScope::Core, "scratchpad_bytes",
                   double(b.core.scratchpadBytes));
        pes = add(pes, mul(b.core.rows, b.core.cols, "rows * cols"), "PEs");
        // What snn-tile forms: scratchpad bits, cols x accumulator bits.
        mul(b.core.scratchpadBytes, 8, "scratchpad bits");
        mul(b.core.cols, 64, "cols * accumulator bits");
      } else {
        ++banks;
        checkRange(NumberScope::Sram, "capacity_bytes",
                   double(b.sram.capacityBytes));
        checkRange(NumberScope::Sram, "width_bits", double(b.sram.widthBits));
        checkRange(NumberScope::Sram, "ports", double(b.sram.ports));
        require(b.sram.widthBits % 8 == 0, "width not a multiple of 8");
        sram = add(sram, b.sram.capacityBytes, "total SRAM");
        portBits = add(portBits, mul(b.sram.ports, b.sram.widthBits,
                                     "ports * width"),
                       "port bits");
      }
    }
  }
  require(blocks <= kMaxBlocks, "blocks");
  require(cores >= 1 && banks >= 1, "no core or no bank");
  require(sram <= kMaxTotalSramBytes, "total SRAM above the limit");
  mul(sram, 8, "total SRAM bits");
  mul(pes, 1, "PEs");
  require(t.links.size() + 1 == t.tiers.size(), "links");
  int64_t latency = 0;
  for (const VerticalLink &l : t.links) {
    require(l.lower >= 0 && l.upper == l.lower + 1 &&
                l.upper < int(t.tiers.size()),
            "link tiers");
    checkRange(NumberScope::Link, "bond_pitch_um", l.bondPitchUm);
    checkRange(NumberScope::Link, "signal_fraction", l.signalFraction);
    checkRange(NumberScope::Link, "energy_pj_per_bit", l.energyPjPerBit);
    checkRange(NumberScope::Link, "latency_cycles", double(l.latencyCycles));
    latency = add(latency, l.latencyCycles, "summed link latency");
  }
  // The executor's per-access latency: SRAM cycles plus every crossing.
  add(latency, int64_t(t.tech["sram_access_cycles"]), "access latency");
}

bool finiteNonNegative(double v) { return std::isfinite(v) && v >= 0; }

void checkModel(const Target &t, const PhysicalModel &m) {
  const auto cores = t.blocksOfKind(BlockKind::Core);
  const auto banks = t.blocksOfKind(BlockKind::Sram);
  for (int ti = 0; ti < int(t.tiers.size()); ++ti) {
    require(finiteNonNegative(m.tierFootprint(ti)) &&
                m.tierFootprint(ti) <= kMaxTierAreaMm2,
            "tier footprint");
    for (int bi = 0; bi < int(t.tiers[ti].blocks.size()); ++bi) {
      const double a = m.blockArea({ti, bi});
      require(std::isfinite(a) && a > 0, "block area");
      const Rect &r = m.placement({ti, bi});
      require(std::isfinite(r.x) && std::isfinite(r.y) &&
                  finiteNonNegative(r.w) && finiteNonNegative(r.h),
              "placement");
    }
  }
  require(finiteNonNegative(m.stackFootprint()), "stack footprint");
  require(finiteNonNegative(m.siliconArea()), "silicon area");
  require(finiteNonNegative(m.longestWireMm()), "longest wire");
  const double f = m.effectiveClockMhz();
  require(std::isfinite(f) && f > 0 && f <= t.clockMhz * (1 + 1e-12),
          "effective clock " + std::to_string(f));
  require(std::isfinite(1000.0 / f), "cycle time");
  for (const VerticalLink &l : t.links) {
    const int64_t bonds = m.bondCount(l), bits = m.verticalBitsPerCycle(l);
    require(bonds >= 1 && bonds <= (int64_t(1) << 53),
            "bond count " + std::to_string(bonds));
    require(bits >= 1 && bits <= bonds, "signal bits " + std::to_string(bits));
  }
  // Every core-bank path, at most 2^16 of them (a sample beyond).
  const size_t pairs = cores.size() * banks.size();
  const size_t step = pairs > 65536 ? pairs / 65536 + 1 : 1;
  for (size_t i = 0; i < pairs; i += step) {
    const Path p = m.path(cores[i / banks.size()], banks[i % banks.size()]);
    require(finiteNonNegative(p.horizontalMm), "path wire");
    require(finiteNonNegative(p.energyPjPerBit), "path energy");
    require(p.latencyCycles >= 0 &&
                p.latencyCycles <= 1000 * int64_t(t.links.size()),
            "path latency " + std::to_string(p.latencyCycles));
    require(p.verticalHops >= 0 && p.verticalHops < int(t.tiers.size()),
            "path hops");
  }
}

/// TARGET_FUZZER_PROGRAM, decoded once (null without it).
const rt::Program *program() {
  static const rt::Program *p = []() -> const rt::Program * {
    const char *path = std::getenv("TARGET_FUZZER_PROGRAM");
    if (!path || !*path)
      return nullptr;
    auto bytes = readFile(path, ReadOptions{"program", rt::kMaxProgramBytes});
    if (!bytes.ok()) {
      std::fprintf(stderr, "target-fuzzer: %s\n",
                   std::string(bytes.status().message()).c_str());
      std::exit(2);
    }
    auto decoded = rt::decodeProgram(*bytes);
    if (!decoded.ok()) {
      std::fprintf(stderr, "target-fuzzer: %s: %s\n", path,
                   std::string(decoded.status().message()).c_str());
      std::exit(2);
    }
    return new rt::Program(std::move(*decoded));
  }();
  return p;
}

void runProgram(const Target &t) {
  const rt::Program *p = program();
  if (!p)
    return;
  rt::Program copy = *p;
  copy.fingerprint = rt::targetFingerprint(t);
  static const bool verbose = std::getenv("TARGET_FUZZER_VERBOSE") != nullptr;
  auto exec = rt::Executor::create(std::move(copy), t);
  if (!exec.ok()) {
    // e.g. fewer cores or banks than the program names
    if (verbose)
      std::fprintf(stderr, "target-fuzzer: executor: %s\n",
                   std::string(exec.status().message()).c_str());
    return;
  }
  const rt::Graph &g = p->graphs[0];
  std::vector<ref::Tensor> inputs;
  for (int32_t v : g.inputs)
    inputs.emplace_back(g.values[v].shape);
  rt::RunOptions options;
  options.maxElements = int64_t(1) << 20;
  options.maxCalendarBuckets = int64_t(1) << 20;
  auto result = (*exec)->run(inputs, options);
  if (verbose)
    std::fprintf(stderr, "target-fuzzer: run: %s\n",
                 result.ok() ? (std::to_string(result->cycles) + " cycles, " +
                                std::to_string(result->energyPj) + " pJ")
                                   .c_str()
                             : std::string(result.status().message()).c_str());
  if (!result.ok())
    return; // a budget, for instance
  require(result->cycles >= 0, "cycles " + std::to_string(result->cycles));
  require(finiteNonNegative(result->energyPj),
          "energy " + std::to_string(result->energyPj));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  (void)program(); // fail at start, not on the first input
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  auto target = parseTarget(text, "fuzz.json");
  if (!target.ok()) {
    checkMessage(std::string(target.status().message()));
    return 0;
  }
  checkTarget(*target);
  auto model = PhysicalModel::build(*target);
  if (!model.ok()) {
    checkMessage(std::string(model.status().message()));
    return 0;
  }
  checkModel(*target, *model);
  runProgram(*target);
  return 0;
}
