//===- Executor.cpp - the cycle-level model of the streams ----------------===//
//
// Timing, traffic and energy of one run (docs/isa.md, "Execution model").
// Cores execute their streams in order; the simulation always advances the
// runnable core with the smallest local time, so shared resources (bank
// ports, vertical links, the DRAM channel) are claimed in time order.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Runtime/Executor.h"
#include "spikestack/Hardware/Calendar.h"
#include "spikestack/Hardware/Bounds.h"
#include "spikestack/Hardware/CostModel.h"

#include "Functional.h"
#include "HeadPruning.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>

namespace spikestack::rt {

using json = nlohmann::ordered_json;
using ref::Tensor;

//===----------------------------------------------------------------------===//
// Target fingerprint and .npy conversion
//===----------------------------------------------------------------------===//

uint64_t targetFingerprint(const hw::Target &t) {
  // FNV-1a over a canonical text of the target.
  std::string s = absl::StrCat("clock ", t.clockMhz, ";");
  for (const hw::Tier &tier : t.tiers) {
    absl::StrAppend(&s, "tier ", tier.name, " ", int(tier.kind), ";");
    for (const hw::Block &b : tier.blocks)
      absl::StrAppend(&s, "block ", b.name, " ", int(b.kind), " ", b.core.rows,
                      " ", b.core.cols, " ", b.core.lifUnits, " ",
                      b.core.scratchpadBytes, " ", b.sram.capacityBytes, " ",
                      b.sram.widthBits, " ", b.sram.ports, " ",
                      int(b.sram.holds), ";");
    for (const hw::Block &b : tier.blocks)
      if (b.kind == hw::BlockKind::Core &&
          (!b.core.weightStationary || b.core.outputStationary))
        absl::StrAppend(&s, "dataflows ", b.name, " ",
                        int(b.core.weightStationary), " ",
                        int(b.core.outputStationary), ";");
  }
  for (const hw::VerticalLink &l : t.links)
    absl::StrAppend(&s, "link ", l.lower, " ", l.upper, " ", l.bondPitchUm,
                    " ", l.signalFraction, " ", l.energyPjPerBit, " ",
                    l.latencyCycles, ";");
  // The DRAM level (Target::dram and the technology defaults it falls
  // back to, dram_*) is left out: it changes no instruction of a program,
  // so a program runs on targets that differ only in their DRAM (a
  // bandwidth sweep needs no recompilation).
  for (const auto &[key, v] : t.tech.values)
    if (key.rfind("dram_", 0) != 0)
      absl::StrAppend(&s, key, "=", v.value, ";");
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// The element kinds of the program format in .npy (Support/Npy.h).
static_assert(int(NpyElementKind::F32) == int(ElemKind::F32) &&
              int(NpyElementKind::Spike) == int(ElemKind::Spike) &&
              int(NpyElementKind::Count) == int(ElemKind::Count) &&
              int(NpyElementKind::Fixed) == int(ElemKind::Fixed) &&
              int(NpyElementKind::Int) == int(ElemKind::Int));

absl::StatusOr<Tensor> tensorFromNpy(const NpyArray &array,
                                     const ValueInfo &type) {
  std::vector<int64_t> shape = type.shape;
  if (auto st = matchNpyShape(array, shape,
                              absl::StrCat("the program needs ",
                                           ref::shapeToString(type.shape), "x",
                                           type.type.str()));
      !st.ok())
    return st;
  if (type.type.kind > ElemKind::Int)
    return absl::InvalidArgumentError("unsupported element type");
  if (auto st =
          checkNpyDType(array, NpyElementKind(type.type.kind), type.type.str());
      !st.ok())
    return st;
  Tensor t(type.shape, array.toDoubles());
  if (auto st = checkRange(t, type.type,
                           type.type.kind == ElemKind::Spike   ? "spike input"
                           : type.type.kind == ElemKind::Count ? "count input"
                                                               : "input");
      !st.ok())
    return st;
  return t;
}

absl::Status checkFinite(const Tensor &t, const std::string &what) {
  int64_t bad = 0, first = -1;
  for (size_t i = 0; i < t.data.size(); ++i)
    if (!std::isfinite(t.data[i])) {
      if (bad++ == 0)
        first = int64_t(i);
    }
  if (bad == 0)
    return absl::OkStatus();
  const double v = t.data[size_t(first)];
  return absl::InvalidArgumentError(absl::StrCat(
      what, ": ", bad, " of ", t.data.size(),
      " elements are not finite, the first at flat index ", first, " (",
      std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf",
      "); inputs must be finite (no NaN or infinity)"));
}

absl::StatusOr<NpyArray> tensorToNpy(const Tensor &tensor,
                                     const ElemType &type) {
  return NpyArray::tryFromDoubles(
      npyDTypeFor(NpyElementKind(type.kind), type.width), tensor.shape,
      tensor.data);
}

//===----------------------------------------------------------------------===//
// Executor::create
//===----------------------------------------------------------------------===//

absl::StatusOr<std::unique_ptr<Executor>> Executor::create(Program program,
                                                           hw::Target target) {
  const uint64_t fp = targetFingerprint(target);
  if (program.fingerprint != fp)
    return absl::FailedPreconditionError(absl::StrFormat(
        "the program was compiled for target '%s' (fingerprint %016x), but "
        "target '%s' has fingerprint %016x; recompile for this target or "
        "run it on the one it was built for",
        program.target, program.fingerprint, target.name, fp));
  if (auto st = verifyProgram(program); !st.ok())
    return st;
  const auto cores = target.blocksOfKind(hw::BlockKind::Core);
  const auto banks = target.blocksOfKind(hw::BlockKind::Sram);
  if (program.streams.size() > cores.size())
    return absl::InvalidArgumentError(
        absl::StrCat("the program has ", program.streams.size(),
                     " streams but target '", target.name, "' has ",
                     cores.size(), " cores"));
  // Array tilings are for the target's arrays (every core has the same
  // R x C array, as --snn-tile requires): their passes and weight blocks
  // are counted in the target's rows and in at most its columns (a layer
  // whose column task would not fit a weight bank uses fewer).
  for (size_t li = 0; li < program.layers.size() && !cores.empty(); ++li)
    for (size_t k = 0; k < program.layers[li].tilings.size(); ++k) {
      const Tiling &t = program.layers[li].tilings[k];
      const hw::CoreSpec &core = target.block(cores.front()).core;
      if (t.kind != TileKind::Vector &&
          (t.rows != core.rows || t.cols > core.cols))
        return absl::InvalidArgumentError(absl::StrCat(
            "layer ", li, " tiling ", k, " is for a ", t.rows, "x", t.cols,
            " array (rows equal, columns at most), but the cores of target '",
            target.name, "' have ",
            core.rows, "x", core.cols, " arrays"));
      const bool os = t.dataflow == Dataflow::OutputStationary;
      if (t.kind != TileKind::Vector &&
          !(os ? core.outputStationary : core.weightStationary))
        return absl::InvalidArgumentError(absl::StrCat(
            "layer ", li, " tiling ", k, " is ", dataflowName(t.dataflow),
            ", which the cores of target '", target.name,
            "' do not support (their `dataflows`)"));
    }
  for (size_t c = 0; c < program.streams.size(); ++c)
    for (size_t i = 0; i < program.streams[c].size(); ++i) {
      const Instr &in = program.streams[c][i];
      if (in.op != Opcode::Load && in.op != Opcode::Store &&
          in.op != Opcode::Fetch)
        continue;
      const std::string at = absl::StrCat("core ", c, " instruction ", i, " (",
                                          formatInstr(in), ")");
      if (in.bank >= int64_t(banks.size()))
        return absl::InvalidArgumentError(
            absl::StrCat(at, ": bank ", in.bank, " does not exist (target '",
                         target.name, "' has ", banks.size(), " banks)"));
      if (in.op == Opcode::Fetch && in.bank >= 0 &&
          target.block(banks[in.bank]).sram.holds == hw::SramRole::Activations)
        return absl::InvalidArgumentError(absl::StrCat(
            at, ": bank ", in.bank, " ('", target.block(banks[in.bank]).name,
            "') holds activations only; a fetch brings weights into a "
            "weight bank"));
      if (in.bank >= 0) {
        const int64_t cap = target.block(banks[in.bank]).sram.capacityBytes;
        if (in.offset + in.bytes > cap)
          return absl::InvalidArgumentError(absl::StrCat(
              at, ": bytes ", in.offset, "..", in.offset + in.bytes,
              " are outside bank ", in.bank, " ('",
              target.block(banks[in.bank]).name, "', ", cap, " bytes)"));
      }
    }
  std::unique_ptr<Executor> e(new Executor(std::move(program), std::move(target)));
  auto model = hw::PhysicalModel::build(e->tgt);
  if (!model.ok())
    return model.status();
  e->model = std::make_unique<hw::PhysicalModel>(std::move(*model));
  return e;
}

//===----------------------------------------------------------------------===//
// The timing model
//===----------------------------------------------------------------------===//

namespace {

/// The membrane width of the neurons layer `l` updates: its fused
/// epilogue's, else its own node's (a neuron or attention node); 32 bits
/// for a membrane not in fixed point (f32).
int membraneBits(const Program &p, const Layer &l) {
  const Graph &g = p.graphs[size_t(l.ownerGraph)];
  int32_t node = l.node;
  for (int32_t e : l.epilogues)
    if (e >= 0) {
      node = e;
      break;
    }
  if (node < 0 || size_t(node) >= g.nodes.size())
    return 32;
  const auto &membrane = g.nodes[size_t(node)].neuron.membrane;
  return membrane ? membrane->width : 32;
}

enum Kind { kCompute, kLif, kSram, kWire, kBond, kDram, kLeakage, kNumKinds };
constexpr const char *kKindNames[kNumKinds] = {
    "compute", "lif", "sram", "wire", "bond", "dram", "leakage"};

struct TraceEvent {
  std::string name;
  int tid;
  int64_t start, dur;
  json args;
};

/// Bank ports, bond links and DRAM channels (hw::BandwidthCalendar).
using Calendar = hw::BandwidthCalendar;

/// A `fetch` on a core's fetch queue: where it writes and when it is done.
struct PendingFetch {
  size_t pc = 0; ///< the fetch's index in the stream
  int64_t bank = 0, offset = 0, bytes = 0;
  int64_t done = 0; ///< the last byte is in the bank
};

/// What DRAM traffic is for (the report's "dram" bits by purpose).
enum Purpose { kWeights, kInputs, kSpills, kNumPurposes };
constexpr const char *kPurposeNames[kNumPurposes] = {"weights", "inputs",
                                                     "spills"};

struct CoreState {
  size_t pc = 0;
  int64_t time = 0;
  int64_t dmaFree = 0; ///< stores drain by then
  /// The fetch queue (FIFO): the next fetch starts when the previous one
  /// has left the DRAM channel (fetchFree); all are done by fetchDone.
  int64_t fetchFree = 0, fetchDone = 0;
  /// The most recent fetch per (layer, task), until its `load weights`.
  std::map<std::pair<int64_t, int64_t>, PendingFetch> fetches;
  /// The region of the last `load weights` while the array instruction
  /// that reads it has not finished (loadPc: the load's index).
  bool weightsInUse = false;
  int64_t useBank = 0, useOffset = 0, useBytes = 0;
  size_t usePc = 0;
  bool halted = false;
  bool blocked = false;
  int64_t busy = 0; ///< array + LIF-unit cycles
  int64_t weightBank = -2, weightOffset = 0;
  int64_t stallSync = 0, stallMemory = 0;
};

class Timing {
public:
  Timing(const Program &p, const hw::Target &t, const hw::PhysicalModel &m,
         const Activity &a, const RunOptions &o)
      : prog(p), tgt(t), model(m), act(a), opts(o) {
    cores = t.blocksOfKind(hw::BlockKind::Core);
    banks = t.blocksOfKind(hw::BlockKind::Sram);
    clockMhz = m.effectiveClockMhz();
    cycleNs = 1000.0 / clockMhz;
    bankCalendars.resize(banks.size());
    linkCalendars.resize(t.tiers.size());
    calendarBudget = o.maxCalendarBuckets;
    for (Calendar &cal : bankCalendars)
      cal.setBudget(&calendarBudget);
    for (Calendar &cal : linkCalendars)
      cal.setBudget(&calendarBudget);
    dramChannels.resize(size_t(std::max<int64_t>(1, t.dram.channels)));
    dramChannelFree.assign(dramChannels.size(), 0);
    for (Calendar &cal : dramChannels) {
      cal.setBudget(&calendarBudget);
      cal.setBitsPerCycle(m.dramChannelBitsPerCycle());
    }
    for (size_t b = 0; b < banks.size(); ++b)
      bankCalendars[b].setBitsPerCycle(
          double(std::max<int64_t>(1, t.block(banks[b]).sram.ports) *
                 std::max<int64_t>(1, t.block(banks[b]).sram.widthBits)));
    for (size_t i = 0; i + 1 < t.tiers.size(); ++i)
      if (const hw::VerticalLink *l = t.link(int(i), int(i) + 1))
        linkCalendars[i].setBitsPerCycle(
            double(std::max<int64_t>(1, m.verticalBitsPerCycle(*l))));
    energyTier.assign(t.tiers.size() + 1, std::vector<double>(kNumKinds, 0));
    bankReadBits.assign(banks.size(), 0);
    bankWriteBits.assign(banks.size(), 0);
    // Read energy per bit by bank size: the table's 32/128/512 KiB points,
    // interpolated; writes scaled by the 32 KiB write/read ratio.
    const double r32 = t.tech["e_sram_read_32k_fj_per_bit"],
                 r128 = t.tech["e_sram_read_128k_fj_per_bit"],
                 r512 = t.tech["e_sram_read_512k_fj_per_bit"],
                 w32 = t.tech["e_sram_write_32k_fj_per_bit"];
    for (hw::BlockRef b : banks) {
      const double kb = double(t.block(b).sram.capacityBytes) / 1024.0;
      double readFj = r32;
      if (kb > 32 && kb <= 128)
        readFj = r32 + (r128 - r32) * (kb - 32) / 96;
      else if (kb > 128)
        readFj = r128 + (r512 - r128) * std::min(1.0, (kb - 128) / 384);
      bankReadFj.push_back(readFj);
      bankWriteFj.push_back(readFj * w32 / r32);
    }
    eWire = t.tech["wire_energy_pj_per_bit_mm"];
    eAcc = t.tech["e_accumulate_pj"];
    eMac = t.tech["e_mac_pj"];
    eLif = t.tech["e_lif_update_pj"];
    eScratch = t.tech["e_scratchpad_fj_per_bit"] * 1e-3;
    for (const Layer &l : p.layers)
      lifUpdatePj.push_back(eLif + 2.0 * double(membraneBits(p, l)) * eScratch);
    eDram = t.dram.energyPjPerBit;
    sramCycles = int64_t(t.tech["sram_access_cycles"]);
    dramLatency = m.dramLatencyCycles();
    // Each graph input's DRAM bytes: a load from them is an input load
    // (a row tile loads its share, from inside the input).
    const Graph &g0 = p.graphs[0];
    for (size_t i = 0; i < p.inputOffsets.size() && i < g0.inputs.size(); ++i) {
      const ValueInfo &v = g0.values[size_t(g0.inputs[i])];
      const int64_t bits = ref::numElements(v.shape) * v.type.bits();
      inputRanges.emplace_back(p.inputOffsets[i],
                               std::max<int64_t>(1, (bits + 7) / 8));
    }
    dramLayerBits.assign(p.layers.size(), {0, 0, 0});
    state.resize(p.streams.size());
    layerCycles.assign(p.layers.size(), 0);
    layerEvents.assign(p.layers.size(), 0);
    layerPruned.assign(p.layers.size(), 0);
    layerWork.assign(p.layers.size(), hw::BoundWork{});
    for (size_t l = 0; l < p.layers.size(); ++l) {
      hw::BoundWork &w = layerWork[l];
      w.bankBits.assign(banks.size(), 0);
      w.linkBits.assign(t.tiers.size() > 0 ? t.tiers.size() - 1 : 0, 0);
      w.eventOps = 0;
      for (const Tiling &til : p.layers[l].tilings)
        if (til.kind != TileKind::Vector)
          w.denseOps += hw::denseSynapticOps(til.groups, til.vectors,
                                             til.reduction, til.outputs);
    }
    layerSpan.assign(p.layers.size(), {INT64_MAX, INT64_MIN});
  }

  absl::Status run();
  json report(const Activity &a) const;
  json dramReport() const;
  json boundsReport() const;
  std::string summary(const json &r) const;
  std::string trace() const;
  int64_t totalCycles = 0;
  double totalEnergy = 0;

private:
  const Program &prog;
  const hw::Target &tgt;
  const hw::PhysicalModel &model;
  const Activity &act;
  const RunOptions &opts;
  std::vector<hw::BlockRef> cores, banks;
  double clockMhz, cycleNs;
  double eAcc, eMac, eLif, eScratch, eDram, eWire;
  /// Per layer, one neuron update: the arithmetic (e_lif_update_pj) and
  /// the membrane's read and write at the scratchpad rate.
  std::vector<double> lifUpdatePj;
  std::vector<double> bankReadFj, bankWriteFj; ///< per bank, fJ/bit
  int64_t sramCycles, dramLatency;
  /// Calendar buckets the run may still visit (RunOptions).
  int64_t calendarBudget = 0;
  std::vector<Calendar> bankCalendars;
  std::vector<Calendar> linkCalendars; ///< link between tier i and i + 1
  /// One calendar per DRAM channel; a transfer takes the channel that
  /// frees first (dramChannelFree: the end of its latest transfer).
  std::vector<Calendar> dramChannels;
  std::vector<int64_t> dramChannelFree;
  /// DRAM (offset, bytes) of the graph inputs.
  std::vector<std::pair<int64_t, int64_t>> inputRanges;
  bool isInputLoad(int64_t offset) const {
    for (const auto &[o, n] : inputRanges)
      if (offset >= o && offset - o < n)
        return true;
    return false;
  }
  std::array<double, kNumPurposes> dramPurposeBits = {0, 0, 0};
  std::vector<std::array<double, kNumPurposes>> dramLayerBits;
  int64_t dramBusyCycles = 0; ///< channel-cycles spent serializing
  std::vector<CoreState> state;
  std::vector<int64_t> barrierCount;
  std::vector<std::vector<int64_t>> barrierTimes;
  /// [tier or tiers.size() for off-chip][kind], pJ.
  std::vector<std::vector<double>> energyTier;
  std::vector<int64_t> bankReadBits, bankWriteBits;
  double verticalBits = 0, horizontalBitMm = 0, dramBits = 0;
  double accessLatencySum = 0, unloadedLatencySum = 0;
  int64_t accesses = 0, bankConflicts = 0, conflictCycles = 0;
  int64_t synapticEvents = 0, macs = 0, lifUpdates = 0, vectorOps = 0;
  int64_t passes = 0, skippedPasses = 0, vectorsStreamed = 0,
          vectorsSkipped = 0, skippedTasks = 0, skippedHeadTasks = 0;
  std::vector<int64_t> layerCycles, layerEvents, layerPruned;
  /// Per layer: the work the bounds see (bank, link and DRAM bits, dense
  /// and streamed PE operations) and the span [first, last) of its
  /// instructions and transfers (the bounds' achieved cycles).
  std::vector<hw::BoundWork> layerWork;
  std::vector<std::pair<int64_t, int64_t>> layerSpan;
  void touch(int64_t layer, int64_t from, int64_t to) {
    if (layer < 0 || size_t(layer) >= layerSpan.size())
      return;
    auto &[first, last] = layerSpan[size_t(layer)];
    first = std::min(first, from);
    last = std::max(last, std::max(from, to));
  }
  /// Counts `bits` on bank `bank` and on the links between tiers lo and hi
  /// for layer `layer`'s bounds.
  void countBoundBits(int64_t layer, int64_t bank, int lo, int hi,
                      double bits) {
    if (layer < 0 || size_t(layer) >= layerWork.size())
      return;
    hw::BoundWork &w = layerWork[size_t(layer)];
    if (bank >= 0)
      w.bankBits[size_t(bank)] += bits;
    for (int i = lo; i < hi; ++i)
      w.linkBits[size_t(i)] += bits;
  }
  std::vector<TraceEvent> events;
  bool traceFull = false;

  int tierOfCore(size_t c) const { return cores[c].tier; }
  void charge(int tier, Kind k, double pj) {
    energyTier[size_t(tier)][k] += pj;
  }
  void record(const std::string &name, int tid, int64_t start, int64_t dur,
              json args = json::object()) {
    if (!opts.trace || dur <= 0)
      return;
    if (int64_t(events.size()) >= opts.maxTraceEvents) {
      traceFull = true;
      return;
    }
    events.push_back({name, tid, start, dur, std::move(args)});
  }
  // Track ids: core c = 3c, its DMA queue 3c + 1, its fetch queue 3c + 2;
  // links and the DRAM channels after.
  int coreTrack(size_t c) const { return int(3 * c); }
  int dmaTrack(size_t c) const { return int(3 * c + 1); }
  int fetchTrack(size_t c) const { return int(3 * c + 2); }
  int linkTrack(int lower) const { return int(3 * cores.size()) + lower; }
  int dramTrack(size_t channel) const {
    return int(3 * cores.size() + tgt.tiers.size() + channel);
  }

  /// Moves `bits` between core `c` and bank `bank` (-1: DRAM, for
  /// `purpose` of layer `layer`), requested at `request`; returns the
  /// cycle the last bit arrives.
  int64_t transfer(size_t c, int64_t bank, int64_t bits, bool write,
                   int64_t request, const std::string &what, int64_t layer,
                   Purpose purpose);
  /// Serializes `bits` on the DRAM channel that frees first, from
  /// `request`; counts and charges them; returns the serialization's end.
  int64_t dramTransfer(size_t c, int64_t bits, int64_t request,
                       const std::string &what, int64_t layer,
                       Purpose purpose);
  /// The `fetch` at the core's pc: queues its transfer (DRAM channel, bonds,
  /// bank write port) and records it as pending.
  absl::Status fetch(size_t c, const Instr &in);
  /// `load weights` at the core's pc: waits for its fetch, checks that no
  /// other pending fetch overwrites the region, marks the region in use.
  absl::Status loadWeights(size_t c, const Instr &in);
  /// "core C instruction I (TEXT)".
  std::string at(size_t c, size_t i) const {
    return absl::StrCat("core ", c, " instruction ", i, " (",
                        formatInstr(prog.streams[c][i]), ")");
  }
  absl::Status step(size_t c);
  int64_t arrayOp(size_t c, const Instr &in);
  /// One array instruction being timed (arrayOp): the task, its vectors
  /// [first, last), where its held operand comes from, and what it did.
  struct ArrayRun {
    size_t c;
    const Instr &in;
    const Tiling &t;
    const TilingActivity &a;
    int64_t group, first, last, columns, kT;
    int coreTier;
    bool weightsFromBank, ran;
    int64_t t0 = 0, end = 0, computeCycles = 0, loadCycles = 0, passes = 0,
            skipped = 0, events = 0;
    int32_t nonzero(int64_t v, int64_t k) const {
      return a.nonzero[size_t((group * t.vectors + v) * kT + k)];
    }
  };
  /// Events (or MACs), their energy and the bounds' event operations of
  /// `nzVectors` vectors with `nzElems` non-zero inputs in a k block of
  /// `rows` rows: the same for either dataflow.
  void countEvents(ArrayRun &r, int64_t nzVectors, int64_t nzElems,
                   int64_t rows);
  /// The output-stationary folds / weight-stationary passes of `r`.
  void outputStationary(ArrayRun &r);
  void weightStationary(ArrayRun &r);
  absl::Status deadlock() const;
};

int64_t Timing::dramTransfer(size_t c, int64_t bits, int64_t request,
                             const std::string &what, int64_t layer,
                             Purpose purpose) {
  size_t ch = 0;
  for (size_t i = 1; i < dramChannels.size(); ++i)
    if (dramChannelFree[i] < dramChannelFree[ch])
      ch = i;
  Calendar &cal = dramChannels[ch];
  const int64_t ideal = int64_t(std::ceil(double(bits) / cal.bitsPerCycle()));
  const int64_t end = cal.reserve(request, double(bits));
  dramChannelFree[ch] = std::max(dramChannelFree[ch], end);
  dramBusyCycles += ideal;
  dramBits += double(bits);
  dramPurposeBits[purpose] += double(bits);
  if (layer >= 0 && size_t(layer) < dramLayerBits.size())
    dramLayerBits[size_t(layer)][purpose] += double(bits);
  charge(int(tgt.tiers.size()), kDram, double(bits) * eDram);
  record(what, dramTrack(ch), end - ideal, ideal,
         {{"bits", bits}, {"core", c}, {"purpose", kPurposeNames[purpose]}});
  return end;
}

int64_t Timing::transfer(size_t c, int64_t bank, int64_t bits, bool write,
                         int64_t request, const std::string &what,
                         int64_t layer, Purpose purpose) {
  const int coreTier = tierOfCore(c);
  int64_t latency = 0, serialEnd = request, ideal = 0;
  if (bank < 0) {
    latency = dramLatency;
    ideal = int64_t(std::ceil(double(bits) / dramChannels.front().bitsPerCycle()));
    serialEnd = dramTransfer(c, bits, request, what, layer, purpose);
  } else {
    const hw::BlockRef b = banks[bank];
    const hw::SramSpec &s = tgt.block(b).sram;
    const hw::Path path = model.path(cores[c], b);
    const int lo = std::min(coreTier, b.tier), hi = std::max(coreTier, b.tier);
    // Port bandwidth of the bank and of every bond link crossed: calendars
    // of bits per cycle, so that claims made out of time order (a task's
    // later passes) do not block earlier requests of other cores.
    Calendar &port = bankCalendars[bank];
    double narrowest = port.bitsPerCycle() / double(std::max<int64_t>(1, s.ports));
    serialEnd = port.reserve(request, double(bits),
                             double(std::max<int64_t>(1, s.widthBits)));
    for (int i = lo; i < hi; ++i) {
      narrowest = std::min(narrowest, linkCalendars[i].bitsPerCycle());
      const int64_t end = linkCalendars[i].reserve(request, double(bits));
      record(what, linkTrack(i), request, std::max<int64_t>(1, end - request),
             {{"bits", bits}, {"core", c}, {"bank", bank}});
      serialEnd = std::max(serialEnd, end);
    }
    ideal = int64_t(std::ceil(double(bits) / narrowest));
    if (serialEnd - request > ideal) {
      ++bankConflicts;
      conflictCycles += serialEnd - request - ideal;
    }
    // The repeated wire's delay fits in the (derated) cycle: that is what
    // the physical model's clock derating guarantees (docs/targets.md), so
    // wires add no cycles of their own; bonds are registered crossings.
    latency = sramCycles + path.latencyCycles;
    // Energy: the bank access, the wire (half to each end's tier), bonds.
    charge(b.tier, kSram,
           double(bits) * (write ? bankWriteFj : bankReadFj)[bank] * 1e-3);
    (write ? bankWriteBits : bankReadBits)[bank] += bits;
    countBoundBits(layer, bank, lo, hi, double(bits));
    const double wirePj =
        double(bits) * path.horizontalMm * eWire;
    charge(coreTier, kWire, wirePj / 2);
    charge(b.tier, kWire, wirePj / 2);
    horizontalBitMm += double(bits) * path.horizontalMm;
    for (int i = lo; i < hi; ++i)
      if (const hw::VerticalLink *l = tgt.link(i, i + 1)) {
        charge(i, kBond, double(bits) * l->energyPjPerBit);
        verticalBits += double(bits);
      }
  }
  const int64_t queueing = std::max<int64_t>(0, serialEnd - request - ideal);
  ++accesses;
  accessLatencySum += double(queueing + latency);
  unloadedLatencySum += double(latency);
  state[c].stallMemory += queueing;
  return serialEnd + latency;
}

/// Whether [o1, o1 + n1) and [o2, o2 + n2) of the same bank overlap.
bool overlaps(int64_t b1, int64_t o1, int64_t n1, int64_t b2, int64_t o2,
              int64_t n2) {
  return b1 == b2 && o1 < o2 + n2 && o2 < o1 + n1;
}

absl::Status Timing::fetch(size_t c, const Instr &in) {
  CoreState &st = state[c];
  // Hazard: the weights of the last `load weights` are still to be read by
  // the array instruction after it.
  if (st.weightsInUse && overlaps(in.bank, in.offset, in.bytes, st.useBank,
                                  st.useOffset, st.useBytes)) {
    size_t reader = st.pc;
    while (reader < prog.streams[c].size() &&
           prog.streams[c][reader].op != Opcode::SpikeAcc)
      ++reader;
    return absl::FailedPreconditionError(absl::StrCat(
        at(c, st.pc), ": fetch overwrites weights in use: bank ", in.bank,
        " bytes ", st.useOffset, "..", st.useOffset + st.useBytes,
        " loaded by ", at(c, st.usePc), " are still to be read by ",
        reader < prog.streams[c].size() ? at(c, reader)
                                        : std::string("the array")));
  }
  const int64_t bits = in.bytes * 8;
  const int64_t begin = std::max(st.time, st.fetchFree);
  const std::string what = absl::StrCat("fetch L", in.layer, " t", in.task);
  // DRAM channel, then the bonds from the DRAM interface's tier to the
  // bank's tier and the bank's write port, all claimed from `begin`; the
  // bits arrive at most at the channel's rate (and one port's width).
  int64_t serialEnd = dramTransfer(c, bits, begin, what, in.layer, kWeights);
  const double rate = dramChannels.front().bitsPerCycle();
  const hw::BlockRef b = banks[size_t(in.bank)];
  const hw::SramSpec &sram = tgt.block(b).sram;
  serialEnd = std::max(
      serialEnd,
      bankCalendars[size_t(in.bank)].reserve(
          begin, double(bits),
          std::min(rate, double(std::max<int64_t>(1, sram.widthBits)))));
  const int dramTier = std::clamp(tgt.dram.tier, 0, int(tgt.tiers.size()) - 1);
  const int lo = std::min(dramTier, b.tier), hi = std::max(dramTier, b.tier);
  for (int i = lo; i < hi; ++i) {
    const int64_t end =
        linkCalendars[size_t(i)].reserve(begin, double(bits), rate);
    record(what, linkTrack(i), begin, std::max<int64_t>(1, end - begin),
           {{"bits", bits}, {"core", c}, {"bank", in.bank}});
    serialEnd = std::max(serialEnd, end);
  }
  const hw::Path path = model.dramPath(b);
  const int64_t done = serialEnd + dramLatency + path.latencyCycles;
  // Energy: DRAM (off chip, in dramTransfer), the bank write, the wire on
  // the interface's tier, the bonds crossed.
  charge(b.tier, kSram, double(bits) * bankWriteFj[size_t(in.bank)] * 1e-3);
  bankWriteBits[size_t(in.bank)] += bits;
  countBoundBits(in.layer, in.bank, lo, hi, double(bits));
  touch(in.layer, begin, done);
  charge(dramTier, kWire, double(bits) * path.horizontalMm * eWire);
  horizontalBitMm += double(bits) * path.horizontalMm;
  for (int i = lo; i < hi; ++i)
    if (const hw::VerticalLink *l = tgt.link(i, i + 1)) {
      charge(i, kBond, double(bits) * l->energyPjPerBit);
      verticalBits += double(bits);
    }
  // The fetch track shows the transfers, one after the other (FIFO); the
  // latency tail is in "done" (the next transfer may start in it).
  record(what, fetchTrack(c), begin, serialEnd - begin,
         {{"layer", in.layer}, {"task", in.task}, {"bank", in.bank},
          {"offset", in.offset}, {"bytes", in.bytes}, {"done", done}});
  st.fetchFree = serialEnd;
  st.fetchDone = std::max(st.fetchDone, done);
  st.fetches[{in.layer, in.task}] =
      PendingFetch{st.pc, in.bank, in.offset, in.bytes, done};
  st.time += 1;
  return absl::OkStatus();
}

absl::Status Timing::loadWeights(size_t c, const Instr &in) {
  CoreState &st = state[c];
  // Another task's fetch still to be used writes the region this load
  // points the array at.
  for (const auto &[key, f] : st.fetches)
    if (key != std::make_pair(in.layer, in.task) && in.bank >= 0 &&
        overlaps(in.bank, in.offset, in.bytes, f.bank, f.offset, f.bytes))
      return absl::FailedPreconditionError(absl::StrCat(
          at(c, st.pc), ": reads bank ", in.bank, " bytes ", in.offset, "..",
          in.offset + in.bytes, ", which ", at(c, f.pc),
          " overwrites (fetch overwrites weights in use)"));
  if (auto it = st.fetches.find({in.layer, in.task}); it != st.fetches.end()) {
    const int64_t done = it->second.done;
    if (done > st.time) {
      st.stallMemory += done - st.time;
      // On the core's track: the core stalls (its slices never overlap,
      // while a wait may overlap the fetch track's next transfer).
      record(absl::StrCat("wait fetch L", in.layer, " t", in.task),
             coreTrack(c), st.time, done - st.time,
             {{"layer", in.layer}, {"task", in.task}, {"stall", true}});
      st.time = done;
    }
    st.fetches.erase(it);
  }
  st.weightBank = in.bank;
  st.weightOffset = in.offset;
  st.weightsInUse = true;
  st.useBank = in.bank;
  st.useOffset = in.offset;
  st.useBytes = in.bytes;
  st.usePc = st.pc;
  st.time += 1;
  return absl::OkStatus();
}

void Timing::countEvents(ArrayRun &r, int64_t nzVectors, int64_t nzElems,
                         int64_t rows) {
  layerWork[size_t(r.in.layer)].eventOps +=
      double(nzVectors) * double(rows) * double(r.columns);
  // Energy: spikes gate the PEs (one accumulate per non-zero input per
  // column); multi-bit inputs multiply-accumulate densely.
  if (r.a.realValued) {
    macs += nzElems * r.columns;
    charge(r.coreTier, kCompute, double(nzElems * r.columns) * eMac);
  } else {
    synapticEvents += nzElems * r.columns;
    r.events += nzElems * r.columns;
    charge(r.coreTier, kCompute, double(nzElems * r.columns) * eAcc);
  }
}

// Output-stationary (docs/isa.md, "Array passes"): the non-zero vectors of
// the range (any k block with a spike; real-valued input: all) are packed
// into folds of `bundle` vectors; each fold streams all `reduction` spike
// columns and the task's weights through the array.
void Timing::outputStationary(ArrayRun &r) {
  const Tiling &t = r.t;
  int64_t nz = 0;
  for (int64_t v = r.first; v < r.last; ++v) {
    int64_t nzBlocks = 0;
    for (int64_t k = 0; k < r.kT; ++k) {
      const int64_t rows = t.blockRows(k);
      const int64_t elems = r.ran && !r.a.realValued ? r.nonzero(v, k) : rows;
      nzBlocks += elems != 0;
      if (elems != 0)
        countEvents(r, 1, elems, rows);
    }
    // A packed vector streams all its k blocks (its zero ones too); a
    // zero vector none.
    (nzBlocks != 0 ? vectorsStreamed : vectorsSkipped) += r.kT;
    nz += nzBlocks != 0;
  }
  const int64_t folds = (nz + t.bundle - 1) / t.bundle;
  const int64_t foldCompute = hw::osFoldCycles(t.rows, t.cols, t.reduction);
  const int64_t foldBits = t.reduction * r.columns * t.heldBits;
  int64_t foldStart = r.t0;
  for (int64_t f = 0; f < folds; ++f) {
    int64_t foldEnd = foldStart + foldCompute;
    if (r.weightsFromBank) {
      const std::string what =
          absl::StrCat("weights L", r.in.layer, " t", r.in.task);
      const int64_t loadEnd =
          transfer(r.c, state[r.c].weightBank, foldBits, false, foldStart,
                   what, r.in.layer, kWeights);
      record(what, dmaTrack(r.c), foldStart, loadEnd - foldStart,
             {{"bank", state[r.c].weightBank}, {"bits", foldBits}, {"fold", f}});
      r.loadCycles += loadEnd - foldStart;
      foldEnd = std::max(foldEnd, loadEnd);
    } else {
      // K^T / scores would come from the scratchpad; the stream keeps
      // pace with the spikes.
      charge(r.coreTier, kSram, double(foldBits) * eScratch);
    }
    r.computeCycles += foldCompute;
    foldStart = foldEnd;
  }
  const int64_t units = (r.last - r.first + t.bundle - 1) / t.bundle;
  r.passes = folds;
  r.skipped = units - folds;
  r.end = foldStart;
  // Inputs read once per non-zero vector, outputs written once.
  charge(r.coreTier, kSram,
         double(nz * t.reduction + nz * r.columns * 16) * eScratch);
}

// Weight-stationary: per bundle of the range and k block, the held block
// (double-buffered) then the bundle's non-zero vectors.
void Timing::weightStationary(ArrayRun &r) {
  const Tiling &t = r.t;
  int64_t prevComputeStart = r.t0, prevComputeEnd = r.t0;
  for (int64_t v0 = r.first; v0 < r.last; v0 += t.bundle) {
    const int64_t vn = std::min(t.bundle, r.last - v0);
    for (int64_t k = 0; k < r.kT; ++k) {
      const int64_t rows = t.blockRows(k);
      int64_t nzVectors = vn, nzElems = vn * rows;
      if (r.ran && !r.a.realValued) {
        nzVectors = nzElems = 0;
        for (int64_t v = v0; v < v0 + vn; ++v) {
          const int32_t nz = r.nonzero(v, k);
          nzVectors += nz != 0;
          nzElems += nz;
        }
      }
      vectorsStreamed += nzVectors;
      vectorsSkipped += vn - nzVectors;
      if (nzVectors == 0) {
        ++r.skipped;
        continue;
      }
      ++r.passes;
      // Held block: weights from their bank (double-buffered: the load
      // may start once the previous pass started computing), or K^T /
      // scores from the scratchpad, one array row per cycle.
      const int64_t heldBits = rows * r.columns * t.heldBits;
      int64_t loadEnd;
      if (r.weightsFromBank) {
        const int64_t bank = state[r.c].weightBank;
        loadEnd = transfer(r.c, bank, heldBits, false, prevComputeStart,
                           absl::StrCat("weights L", r.in.layer, " t",
                                        r.in.task),
                           r.in.layer, kWeights);
        record(absl::StrCat("weights L", r.in.layer, " t", r.in.task),
               dmaTrack(r.c), prevComputeStart, loadEnd - prevComputeStart,
               {{"bank", bank}, {"bits", heldBits}});
      } else {
        loadEnd = prevComputeStart + rows;
        charge(r.coreTier, kSram, double(heldBits) * eScratch);
      }
      r.loadCycles += loadEnd - prevComputeStart;
      const int64_t start = std::max(prevComputeEnd, loadEnd);
      const int64_t compute = hw::arrayPassCycles(t.rows, t.cols, nzVectors);
      r.computeCycles += compute;
      countEvents(r, nzVectors, nzElems, rows);
      prevComputeStart = start;
      prevComputeEnd = start + compute;
      // Input vectors read from, partial sums written to the scratchpad.
      charge(r.coreTier, kSram,
             double(nzVectors * rows + nzVectors * r.columns * 16) * eScratch);
    }
  }
  r.end = prevComputeEnd;
}

/// Whether dynamic head pruning drops task `task` (of group `group`) of a
/// tiling with activity `a` (HeadPruning.h).
static bool prunedTask(const TilingActivity &a, const Tiling &t,
                       int64_t task, int64_t group) {
  if (group >= 0 && size_t(group) < a.prunedGroups.size() &&
      a.prunedGroups[size_t(group)])
    return true;
  const int64_t ct = task / std::max<int64_t>(1, t.rowTiles);
  return ct >= 0 && size_t(ct) < a.prunedColumnTasks.size() &&
         a.prunedColumnTasks[size_t(ct)];
}

int64_t Timing::arrayOp(size_t c, const Instr &in) {
  CoreState &st = state[c];
  const Layer &layer = prog.layers[in.layer];
  const Tiling &t = layer.tilings[in.tiling];
  const TilingActivity &a = act.layers[in.layer][in.tiling];
  // The task's vectors: [first, last) of the tiling's (its row tile).
  const int64_t first = t.taskFirstVector(in.task);
  ArrayRun r{c,
             in,
             t,
             a,
             t.taskGroup(in.task),
             first,
             first + t.taskVectors(in.task),
             in.columns,
             t.kTiles(),
             tierOfCore(c),
             in.op == Opcode::SpikeAcc && st.weightBank >= -1 && t.heldBits > 0,
             !a.nonzero.empty()};
  const bool os = t.dataflow == Dataflow::OutputStationary;
  // A task of a head that dynamic head pruning dropped does not run (the
  // head's scores decided it: one cycle), nor a K or V projection task
  // whose columns all belong to dropped heads.
  if (prunedTask(a, t, in.task, r.group)) {
    ++skippedHeadTasks;
    ++layerPruned[in.layer];
    record(absl::StrCat(opcodeName(in.op), " L", in.layer, " t", in.task,
                        " (pruned head)"),
           coreTrack(c), st.time, 1,
           {{"layer", in.layer}, {"task", in.task}, {"pruned", true}});
    return st.time + 1;
  }
  // A dynamic task whose group received nothing in its range is skipped
  // whole.
  if (r.ran && in.dynamic && !a.realValued) {
    bool any = false;
    for (int64_t v = r.first; v < r.last && !any; ++v)
      for (int64_t k = 0; k < r.kT && !any; ++k)
        any = r.nonzero(v, k) != 0;
    if (!any) {
      const int64_t units = (r.last - r.first + t.bundle - 1) / t.bundle;
      ++skippedTasks;
      vectorsSkipped += (r.last - r.first) * r.kT;
      skippedPasses += os ? units : units * r.kT;
      record(absl::StrCat(opcodeName(in.op), " L", in.layer, " t", in.task,
                          " (no tokens)"),
             coreTrack(c), st.time, 1,
             {{"layer", in.layer}, {"task", in.task}, {"skipped", true}});
      return st.time + 1;
    }
  }
  r.t0 = r.end = st.time;
  if (os)
    outputStationary(r);
  else
    weightStationary(r);
  passes += r.passes;
  skippedPasses += r.skipped;
  st.busy += r.computeCycles;
  layerEvents[in.layer] += r.events;
  const int64_t end = std::max(r.end, r.t0 + 1);
  json args = {{"layer", in.layer},
               {"op", layer.op},
               {"task", in.task},
               {"compute_cycles", r.computeCycles},
               {"load_cycles", r.loadCycles},
               {"passes", r.passes},
               {"skipped_passes", r.skipped},
               {"synaptic_events", r.events}};
  // Weight-stationary single-row-tile tasks keep the args they always had.
  if (os || t.rowTiles != 1) {
    args["dataflow"] = dataflowName(t.dataflow);
    args["first_vector"] = r.first;
    args["vectors"] = r.last - r.first;
  }
  if (os)
    args["folds"] = r.passes;
  record(absl::StrCat(opcodeName(in.op), " L", in.layer, " t", in.task),
         coreTrack(c), r.t0, end - r.t0, std::move(args));
  return end;
}

absl::Status Timing::step(size_t c) {
  CoreState &st = state[c];
  const Instr &in = prog.streams[c][st.pc];
  const hw::CoreSpec &core = tgt.block(cores[c]).core;
  const int coreTier = tierOfCore(c);
  const int64_t lanes = std::max<int64_t>(1, core.lifUnits);
  const int64_t start = st.time;
  switch (in.op) {
  case Opcode::Load:
    if (in.sub == uint8_t(LoadKind::Weights)) {
      if (auto s = loadWeights(c, in); !s.ok())
        return s;
    } else {
      const bool input = in.bank < 0 && isInputLoad(in.offset);
      st.time = transfer(c, in.bank, in.bytes * 8, false, st.time,
                         absl::StrCat("load L", in.layer), in.layer,
                         input ? kInputs : kSpills);
      charge(coreTier, kSram, double(in.bytes * 8) * eScratch);
      record(absl::StrCat("load input L", in.layer), dmaTrack(c), start,
             st.time - start, {{"bank", in.bank}, {"bytes", in.bytes}});
    }
    break;
  case Opcode::Store: {
    const int64_t begin = std::max(st.time, st.dmaFree);
    st.dmaFree = transfer(c, in.bank, in.bytes * 8, true, begin,
                          absl::StrCat("store L", in.layer), in.layer,
                          kSpills);
    touch(in.layer, begin, st.dmaFree);
    record(absl::StrCat("store L", in.layer), dmaTrack(c), begin,
           st.dmaFree - begin, {{"bank", in.bank}, {"bytes", in.bytes}});
    st.time += 1;
    break;
  }
  case Opcode::Fetch:
    if (auto s = fetch(c, in); !s.ok())
      return s;
    break;
  case Opcode::SpikeAcc:
  case Opcode::AndAcc:
  case Opcode::ScoreValue:
    st.time = arrayOp(c, in);
    // The weights it read are free again (a later fetch may overwrite them).
    if (in.op == Opcode::SpikeAcc)
      st.weightsInUse = false;
    break;
  case Opcode::Lif:
  case Opcode::Vector:
  case Opcode::Dispatch:
  case Opcode::Combine: {
    // The fused neurons of a K or V projection task that head pruning
    // dropped do not run either.
    if (in.op == Opcode::Lif && !act.layers[in.layer].empty() &&
        prunedTask(act.layers[in.layer][0], prog.layers[in.layer].tilings[0],
                   in.task, -1)) {
      record(absl::StrCat("lif L", in.layer, " t", in.task, " (pruned head)"),
             coreTrack(c), st.time, 1,
             {{"layer", in.layer}, {"task", in.task}, {"pruned", true}});
      st.time += 1;
      break;
    }
    const int64_t cycles = (in.elements + lanes - 1) / lanes;
    const bool neuron = in.op == Opcode::Lif ||
                        (in.op == Opcode::Vector &&
                         (in.sub == uint8_t(VectorFn::Neuron) ||
                          in.sub == uint8_t(VectorFn::Sdsa)));
    if (neuron) {
      lifUpdates += in.elements;
      charge(coreTier, kLif, double(in.elements) * lifUpdatePj[in.layer]);
    } else {
      vectorOps += in.elements;
      charge(coreTier, kCompute, double(in.elements) * eAcc);
    }
    st.time += std::max<int64_t>(1, cycles);
    st.busy += cycles;
    record(in.op == Opcode::Vector
               ? absl::StrCat("vector ", vectorFnName(VectorFn(in.sub)), " L",
                              in.layer)
               : absl::StrCat(opcodeName(in.op), " L", in.layer),
           coreTrack(c), start, st.time - start,
           {{"layer", in.layer}, {"elements", in.elements}});
    break;
  }
  case Opcode::Route: {
    // Gate scores: tokens x D x E multiply-accumulates on the array.
    const Node &n = prog.graphs[0].nodes[prog.layers[in.layer].node];
    int64_t gateMacs = in.elements;
    if (n.kind == NodeKind::MoeRouter && n.operands.size() >= 2) {
      const auto &w = prog.graphs[0].values[n.operands[1]].shape;
      gateMacs = in.elements * ref::numElements(w);
    }
    const int64_t cycles = hw::denseArrayCycles(core.rows, core.cols, gateMacs);
    macs += gateMacs;
    charge(coreTier, kCompute, double(gateMacs) * eMac);
    st.time += cycles;
    st.busy += cycles;
    record(absl::StrCat("route L", in.layer), coreTrack(c), start, cycles,
           {{"layer", in.layer}, {"tokens", in.elements}});
    break;
  }
  case Opcode::Signal: {
    st.time = std::max(st.time, st.dmaFree) + 1;
    ++barrierCount[in.barrier];
    barrierTimes[in.barrier].push_back(st.time);
    break;
  }
  case Opcode::Wait: {
    if (barrierCount[in.barrier] < in.count) {
      st.blocked = true;
      return absl::OkStatus(); // retried when the barrier moves
    }
    // Signals arrive in time order: the count-th one released the wait.
    const int64_t ready = barrierTimes[in.barrier][in.count - 1];
    if (ready > st.time) {
      st.stallSync += ready - st.time;
      record(absl::StrCat("wait b", in.barrier), coreTrack(c), st.time,
             ready - st.time, {{"barrier", in.barrier}, {"count", in.count}});
      st.time = ready;
    }
    break;
  }
  case Opcode::Halt:
    st.time = std::max({st.time, st.dmaFree, st.fetchDone});
    st.halted = true;
    return absl::OkStatus();
  }
  if (in.op != Opcode::Signal && in.op != Opcode::Wait &&
      in.op != Opcode::Load && in.op != Opcode::Store &&
      in.op != Opcode::Fetch)
    layerCycles[in.layer] += st.time - start;
  if (in.op != Opcode::Signal && in.op != Opcode::Wait &&
      in.op != Opcode::Store && in.op != Opcode::Fetch)
    touch(in.layer, start, st.time);
  ++st.pc;
  return absl::OkStatus();
}

absl::Status Timing::deadlock() const {
  std::vector<std::string> parts;
  for (size_t c = 0; c < state.size(); ++c)
    if (!state[c].halted) {
      const Instr &in = prog.streams[c][state[c].pc];
      parts.push_back(absl::StrCat("core ", c, " waits for barrier ",
                                   in.barrier, " to reach ", in.count,
                                   " (it has ", barrierCount[in.barrier],
                                   ")"));
    }
  return absl::FailedPreconditionError(
      absl::StrCat("deadlock: every unfinished core waits on a barrier no "
                   "core can signal any more: ",
                   absl::StrJoin(parts, "; ")));
}

absl::Status Timing::run() {
  barrierCount.assign(size_t(prog.barriers), 0);
  barrierTimes.assign(size_t(prog.barriers), {});
  while (true) {
    // The runnable core with the smallest time.
    size_t best = state.size();
    bool anyLeft = false;
    for (size_t c = 0; c < state.size(); ++c) {
      CoreState &st = state[c];
      if (st.halted)
        continue;
      anyLeft = true;
      if (st.blocked) {
        const Instr &in = prog.streams[c][st.pc];
        if (barrierCount[in.barrier] >= in.count)
          st.blocked = false;
        else
          continue;
      }
      if (best == state.size() || st.time < state[best].time)
        best = c;
    }
    if (!anyLeft)
      break;
    if (best == state.size())
      return deadlock();
    if (auto s = step(best); !s.ok())
      return s;
    if (calendarBudget < 0)
      return absl::ResourceExhaustedError(absl::StrCat(
          "the program's memory transfers need more than ",
          opts.maxCalendarBuckets, " bandwidth-calendar buckets, the "
          "executor's limit (RunOptions::maxCalendarBuckets, snn-run "
          "--max-calendar-buckets)"));
  }
  for (const CoreState &st : state)
    totalCycles = std::max(totalCycles, st.time);
  // Leakage of every bank over the run.
  const double seconds = double(totalCycles) * cycleNs * 1e-9;
  for (hw::BlockRef b : banks) {
    const double mw = tgt.tech["sram_leakage_mw_per_32k"] *
                      double(tgt.block(b).sram.capacityBytes) / 32768.0;
    charge(b.tier, kLeakage, mw * 1e-3 * seconds * 1e12);
  }
  for (const auto &tier : energyTier)
    for (double e : tier)
      totalEnergy += e;
  return absl::OkStatus();
}

json Timing::report(const Activity &a) const {
  json r;
  r["target"] = tgt.name;
  r["corner"] = tgt.tech.corner;
  r["cycles"] = totalCycles;
  r["clock_mhz"] = clockMhz;
  r["latency_us"] = double(totalCycles) * cycleNs * 1e-3;
  r["schedule_estimate_cycles"] = prog.makespan;
  json byTier = json::object(), byKind = json::object();
  for (int k = 0; k < kNumKinds; ++k)
    byKind[kKindNames[k]] = 0.0;
  for (size_t i = 0; i <= tgt.tiers.size(); ++i) {
    json kinds = json::object();
    double sum = 0;
    for (int k = 0; k < kNumKinds; ++k) {
      kinds[kKindNames[k]] = energyTier[i][k];
      sum += energyTier[i][k];
      byKind[kKindNames[k]] = byKind[kKindNames[k]].get<double>() +
                              energyTier[i][k];
    }
    const std::string name =
        i < tgt.tiers.size() ? tgt.tiers[i].name : std::string("off-chip");
    if (i == tgt.tiers.size() && sum == 0)
      continue;
    byTier[name] = {{"total", sum}, {"by_kind", kinds}};
  }
  r["energy_pj"] = {{"total", totalEnergy}, {"by_tier", byTier},
                    {"by_kind", byKind}};
  json area = json::object();
  for (size_t i = 0; i < tgt.tiers.size(); ++i)
    area[tgt.tiers[i].name] = model.tierFootprint(int(i));
  r["area_mm2"] = {{"by_tier", area}, {"silicon", model.siliconArea()}};
  r["footprint_mm2"] = model.stackFootprint();
  r["traffic_bits"] = {{"vertical", verticalBits},
                       {"horizontal_bit_mm", horizontalBitMm},
                       {"dram", dramBits}};
  r["dram"] = dramReport();
  const double meanLat = accesses ? accessLatencySum / double(accesses) : 0;
  const double unloaded = accesses ? unloadedLatencySum / double(accesses) : 0;
  // mean: request to first bit, queueing for ports and links included;
  // unloaded: the path alone (bank access, wires, bonds or DRAM).
  r["memory_access_latency_cycles"] = {
      {"mean", meanLat}, {"unloaded_mean", unloaded}, {"accesses", accesses}};
  r["memory_access_latency_ns"] = {{"mean", meanLat * cycleNs},
                                   {"unloaded_mean", unloaded * cycleNs}};
  json util = json::object();
  for (size_t c = 0; c < state.size(); ++c)
    util[tgt.block(cores[c]).name] =
        totalCycles ? double(state[c].busy) / double(totalCycles) : 0.0;
  r["utilization"] = util;
  json fr = json::object();
  for (const auto &[key, n] : a.neurons) {
    std::string name = n.name;
    if (fr.contains(name))
      name = absl::StrCat(name, "#", key.first, ".", key.second);
    fr[name] = n.elements ? double(n.spikes) / double(n.elements) : 0.0;
  }
  r["firing_rate"] = fr;
  // Per bank: the bits read and written, the cycles its ports were busy
  // moving them (bits / (ports x width), rounded up) and that as a share
  // of the run.
  json banksJ = json::array();
  for (size_t b = 0; b < banks.size(); ++b) {
    const hw::SramSpec &s = tgt.block(banks[b]).sram;
    const int64_t perCycle = std::max<int64_t>(1, s.ports) *
                             std::max<int64_t>(1, s.widthBits);
    const int64_t busy =
        (bankReadBits[b] + bankWriteBits[b] + perCycle - 1) / perCycle;
    banksJ.push_back(
        {{"name", tgt.block(banks[b]).name},
         {"tier", tgt.tiers[banks[b].tier].name},
         {"read_bits", bankReadBits[b]},
         {"write_bits", bankWriteBits[b]},
         {"busy_cycles", busy},
         {"utilization",
          totalCycles ? double(busy) / double(totalCycles) : 0.0}});
  }
  json stalls = json::object();
  for (size_t c = 0; c < state.size(); ++c)
    stalls[tgt.block(cores[c]).name] = {{"sync", state[c].stallSync},
                                        {"memory", state[c].stallMemory}};
  json layers = json::array();
  for (size_t l = 0; l < prog.layers.size(); ++l) {
    bool dense = false, real = false;
    const std::vector<std::vector<int64_t>> *kept = nullptr;
    for (const TilingActivity &t : a.layers[l]) {
      dense |= t.dense;
      real |= t.realValued;
      if (!t.keptHeads.empty())
        kept = &t.keptHeads;
    }
    json entry = {{"op", prog.layers[l].op},
                  {"cycles", layerCycles[l]},
                  {"synaptic_events", layerEvents[l]},
                  {"multi_bit_input", real},
                  {"dense_fallback", dense}};
    if (kept)
      entry["heads_kept"] = *kept; // per batch element
    if (layerPruned[l])
      entry["pruned_head_tasks"] = layerPruned[l];
    layers.push_back(std::move(entry));
  }
  r["counters"] = {{"synaptic_events", synapticEvents},
                   {"macs", macs},
                   {"lif_updates", lifUpdates},
                   {"vector_ops", vectorOps},
                   {"array_passes", passes},
                   {"skipped_passes", skippedPasses},
                   {"vectors_streamed", vectorsStreamed},
                   {"vectors_skipped", vectorsSkipped},
                   {"skipped_expert_tasks", skippedTasks},
                   {"skipped_head_tasks", skippedHeadTasks},
                   {"bank_conflicts", bankConflicts},
                   {"bank_conflict_cycles", conflictCycles},
                   {"banks", banksJ},
                   {"stall_cycles", stalls},
                   {"layers", layers}};
  r["sparsity"] = {
      {"pe", "gated: a zero input spike costs no accumulate energy, its "
             "vector still streams"},
      {"array", "skipped: a vector that is zero in a k block is not "
                "streamed; a pass with no non-zero vector is skipped (no "
                "weight load, no fill or drain)"},
      {"lif", "dense: every neuron updates every time step"}};
  r["bounds"] = boundsReport();
  if (traceFull)
    r["trace_truncated"] = true;
  return r;
}

/// One Bounds as the report's object (docs/isa.md, "Bounds").
json boundsJson(const hw::Bounds &b) {
  return {{"compute", b.compute},     {"events", b.events},
          {"events_measured", b.eventsMeasured},
          {"sram_port", b.sramPort},  {"bond", b.bond},
          {"dram", b.dram},           {"largest", b.largest},
          {"binding", b.binding},     {"achieved", b.achieved},
          {"efficiency", b.efficiency}};
}

/// The bound analysis per layer (achieved: the layer's span, from its
/// first instruction or transfer to its last) and in total (achieved: the
/// makespan).
json Timing::boundsReport() const {
  hw::BoundWork total;
  total.eventOps = 0;
  json perLayer = json::array();
  for (size_t l = 0; l < prog.layers.size(); ++l) {
    hw::BoundWork w = layerWork[l];
    const auto &d = dramLayerBits[l];
    w.dramBits = d[kWeights] + d[kInputs] + d[kSpills];
    total.add(w);
    const auto [first, last] = layerSpan[l];
    const double span = last > first ? double(last - first) : 0.0;
    json j = {{"layer", prog.layers[l].op}};
    j.update(boundsJson(hw::evaluateBounds(model, w, span)));
    perLayer.push_back(std::move(j));
  }
  return {{"total",
           boundsJson(hw::evaluateBounds(model, total, double(totalCycles)))},
          {"per_layer", perLayer}};
}

/// DRAM traffic by purpose and per layer, the channels and their use.
json Timing::dramReport() const {
  auto bits = [](const std::array<double, kNumPurposes> &b) {
    json j = json::object();
    for (int k = 0; k < kNumPurposes; ++k)
      j[kPurposeNames[k]] = b[size_t(k)];
    return j;
  };
  json byPurpose = bits(dramPurposeBits);
  byPurpose["total"] = dramBits;
  json perLayer = json::array();
  for (size_t l = 0; l < prog.layers.size(); ++l) {
    json j = {{"layer", prog.layers[l].op}};
    j.update(bits(dramLayerBits[l]));
    perLayer.push_back(std::move(j));
  }
  return {{"bits", byPurpose},
          {"per_layer", perLayer},
          {"channels", int64_t(dramChannels.size())},
          {"bandwidth_bits_per_cycle", model.dramBitsPerCycle()},
          {"busy_cycles", dramBusyCycles}};
}

/// `rows` as text lines indented by two spaces: the first column left
/// aligned, the others right aligned, each as wide as its widest entry,
/// columns two spaces apart.
std::string formatTable(const std::vector<std::vector<std::string>> &rows) {
  std::vector<size_t> width;
  for (const auto &row : rows)
    for (size_t c = 0; c < row.size(); ++c) {
      if (width.size() <= c)
        width.push_back(0);
      width[c] = std::max(width[c], row[c].size());
    }
  std::string out;
  for (const auto &row : rows) {
    std::string line = "  ";
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - row[c].size(), ' ');
      if (c > 0)
        line += "  ";
      line += c == 0 ? row[c] + pad : pad + row[c];
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
  }
  return out;
}

/// `n` with commas between groups of three digits (580,803).
std::string withThousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string Timing::summary(const json &r) const {
  std::string s;
  absl::StrAppendFormat(&s, "SpikeStack executor%s: target %s, %d cores\n",
                        r.value("dense", false)
                            ? " (dense estimate: every vector, every expert)"
                            : "",
                        tgt.name, int(cores.size()));
  absl::StrAppendFormat(&s, "  cycles        %12d  (schedule estimate %d)\n",
                        totalCycles, prog.makespan);
  absl::StrAppendFormat(&s, "  clock         %12.1f MHz\n", clockMhz);
  absl::StrAppendFormat(&s, "  latency       %12.2f us\n",
                        r["latency_us"].get<double>());
  absl::StrAppendFormat(&s, "  energy        %12.1f nJ  (%s corner, leakage %.3g mW per 32 KiB)\n",
                        totalEnergy * 1e-3, tgt.tech.corner,
                        tgt.tech["sram_leakage_mw_per_32k"]);
  absl::StrAppendFormat(&s, "  footprint     %12.3f mm^2 (silicon %.3f)\n",
                        model.stackFootprint(), model.siliconArea());
  absl::StrAppendFormat(&s, "  vertical      %12.3g bits\n", verticalBits);
  absl::StrAppendFormat(&s, "  horizontal    %12.3g bit-mm\n", horizontalBitMm);
  absl::StrAppendFormat(
      &s, "  DRAM          %12.3g bits (weights %.3g, inputs %.3g, spills %.3g)\n",
      dramBits, dramPurposeBits[kWeights], dramPurposeBits[kInputs],
      dramPurposeBits[kSpills]);
  absl::StrAppendFormat(
      &s, "  mem latency   %12.2f cycles (%.2f ns) mean over %d accesses\n",
      r["memory_access_latency_cycles"]["mean"].get<double>(),
      r["memory_access_latency_ns"]["mean"].get<double>(), accesses);
  absl::StrAppendFormat(&s, "  synaptic ev.  %12d  (%d vectors streamed, %d "
                            "skipped)\n",
                        synapticEvents, vectorsStreamed, vectorsSkipped);
  if (r.contains("bounds")) {
    const json &b = r["bounds"]["total"];
    absl::StrAppendFormat(
        &s, "  efficiency    %12.1f %% of the %s bound (%s of %s cycles)\n",
        100.0 * b["efficiency"].get<double>(),
        b["binding"].get<std::string>(),
        withThousands(int64_t(std::ceil(b["largest"].get<double>()))),
        withThousands(int64_t(b["achieved"].get<double>())));
  }
  // Energy by tier and kind, then utilization by core: tables whose
  // columns are as wide as their widest entry and two spaces apart, so
  // that no value runs into the next one whatever its size.
  std::vector<std::vector<std::string>> energy = {{"energy (nJ)"}};
  for (int k = 0; k < kNumKinds; ++k)
    energy[0].push_back(kKindNames[k]);
  energy[0].push_back("total");
  for (size_t i = 0; i <= tgt.tiers.size(); ++i) {
    double sum = 0;
    for (double e : energyTier[i])
      sum += e;
    if (i == tgt.tiers.size() && sum == 0)
      continue;
    std::vector<std::string> row = {
        i < tgt.tiers.size() ? tgt.tiers[i].name : std::string("off-chip")};
    for (int k = 0; k < kNumKinds; ++k)
      row.push_back(absl::StrFormat("%.2f", energyTier[i][k] * 1e-3));
    row.push_back(absl::StrFormat("%.2f", sum * 1e-3));
    energy.push_back(std::move(row));
  }
  s += "\n" + formatTable(energy);
  std::vector<std::vector<std::string>> util = {{"core", "utilization"}};
  for (size_t c = 0; c < state.size(); ++c)
    util.push_back({tgt.block(cores[c]).name,
                    absl::StrFormat("%.1f %%", totalCycles
                                                   ? 100.0 * double(state[c].busy) /
                                                         double(totalCycles)
                                                   : 0.0)});
  s += "\n" + formatTable(util);
  return s;
}

std::string Timing::trace() const {
  json ev = json::array();
  auto meta = [&](int tid, const std::string &name) {
    ev.push_back({{"name", "thread_name"},
                  {"ph", "M"},
                  {"pid", 0},
                  {"tid", tid},
                  {"args", {{"name", name}}}});
    ev.push_back({{"name", "thread_sort_index"},
                  {"ph", "M"},
                  {"pid", 0},
                  {"tid", tid},
                  {"args", {{"sort_index", tid}}}});
  };
  ev.push_back({{"name", "process_name"},
                {"ph", "M"},
                {"pid", 0},
                {"args", {{"name", "SpikeStack " + tgt.name}}}});
  for (size_t c = 0; c < cores.size(); ++c) {
    meta(coreTrack(c), tgt.block(cores[c]).name);
    meta(dmaTrack(c), tgt.block(cores[c]).name + " DMA");
    meta(fetchTrack(c), tgt.block(cores[c]).name + " fetch");
  }
  for (size_t i = 0; i + 1 < tgt.tiers.size(); ++i)
    meta(linkTrack(int(i)), "bonds " + tgt.tiers[i].name + "-" +
                                tgt.tiers[i + 1].name);
  for (size_t ch = 0; ch < dramChannels.size(); ++ch)
    meta(dramTrack(ch), dramChannels.size() == 1
                            ? std::string("DRAM")
                            : absl::StrCat("DRAM channel ", ch));
  const double usPerCycle = cycleNs * 1e-3;
  for (const TraceEvent &e : events)
    ev.push_back({{"name", e.name},
                  {"ph", "X"},
                  {"pid", 0},
                  {"tid", e.tid},
                  {"ts", double(e.start) * usPerCycle},
                  {"dur", double(e.dur) * usPerCycle},
                  {"args", e.args}});
  json doc = {{"traceEvents", ev}, {"displayTimeUnit", "ns"}};
  // Names come from the program: invalid UTF-8 becomes U+FFFD (a strict
  // dump would throw).
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace

//===----------------------------------------------------------------------===//
// Executor::run
//===----------------------------------------------------------------------===//

namespace {
/// The timing model over `activity`: the report (marked `"dense"` for the
/// static estimate), summary, trace, cycles and energy of a RunResult.
absl::StatusOr<RunResult> timeRun(const Program &prog, const hw::Target &tgt,
                                  const hw::PhysicalModel &model,
                                  const Activity &activity,
                                  const RunOptions &options, bool dense) {
  Timing timing(prog, tgt, model, activity, options);
  if (auto st = timing.run(); !st.ok())
    return st;
  RunResult r;
  json report = timing.report(activity);
  if (dense)
    report["dense"] = true;
  r.reportJson = report.dump(2, ' ', false, json::error_handler_t::replace);
  r.summary = timing.summary(report);
  if (options.trace)
    r.traceJson = timing.trace();
  r.cycles = timing.totalCycles;
  r.energyPj = timing.totalEnergy;
  return r;
}
} // namespace

absl::StatusOr<RunResult> Executor::run(const std::vector<Tensor> &inputs,
                                        const RunOptions &options) const {
  const Graph &g = prog.graphs[0];
  if (inputs.size() != g.inputs.size())
    return absl::InvalidArgumentError(absl::StrCat(
        "the program takes ", g.inputs.size(), " inputs, got ", inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string what = "input " + quoteForMessage(g.inputNames[i]);
    if (auto st = checkFinite(inputs[i], what); !st.ok())
      return st;
    if (auto st = checkRange(inputs[i], g.values[g.inputs[i]].type, what);
        !st.ok())
      return st;
  }
  // A small program can ask for astronomic work (a 2^14 x 2^14 linear of
  // all-ones spikes, a pooling window of 2^28 elements per output): refuse
  // it with the numbers before anything runs.
  if (const WorkEstimate w = estimateWork(prog);
      w.node >= 0 && w.total > double(options.maxOperations)) {
    const Node &n = g.nodes[size_t(w.node)];
    return absl::ResourceExhaustedError(absl::StrFormat(
        "the layer table needs about %.3g operations (multiply-accumulates, "
        "pooling window reads and element operations), more than the "
        "executor's limit of %d (RunOptions::maxOperations, snn-run "
        "--max-operations); node %d (%s) alone needs %.3g",
        w.total, options.maxOperations, w.node, nodeKindName(n.kind),
        w.largest));
  }
  FunctionalRunner f(prog, options);
  auto outputs = f.runGraph(0, inputs);
  if (!outputs.ok())
    return outputs.status();
  markPrunedProjections(prog, prunedProjections(prog), f.activity);
  auto r = timeRun(prog, tgt, *model, f.activity, options, /*dense=*/false);
  if (r.ok())
    r->outputs = std::move(*outputs);
  return r;
}

absl::StatusOr<RunResult> Executor::estimate(const RunOptions &options) const {
  // An empty activity per tiling is the timing model's dense case (every
  // vector streamed, no expert task skipped).
  Activity dense;
  dense.layers.resize(prog.layers.size());
  for (size_t l = 0; l < prog.layers.size(); ++l) {
    dense.layers[l].resize(prog.layers[l].tilings.size());
    if (auto kept = denseKeptHeads(prog, l); !kept.empty())
      markPrunedHeads(prog, l, dense.layers[l], kept);
  }
  markPrunedProjections(prog, prunedProjections(prog), dense);
  return timeRun(prog, tgt, *model, dense, options, /*dense=*/true);
}

} // namespace spikestack::rt
