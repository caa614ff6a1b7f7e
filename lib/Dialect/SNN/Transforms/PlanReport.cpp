//===- PlanReport.cpp - the static plan report ----------------------------===//
//
// --snn-plan-report: see Passes.td.
//
//===----------------------------------------------------------------------===//
#include "Planning/Residency.h"

#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/Transforms/Passes.h"
#include "spikestack/Dialect/SNN/Transforms/Plan.h"
#include "spikestack/Hardware/Bounds.h"
#include "spikestack/Hardware/PhysicalModel.h"
#include "spikestack/Runtime/Program.h"
#include "spikestack/Support/FileUtil.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace spikestack::snn {
#define GEN_PASS_DEF_SNNPLANREPORT
#include "spikestack/Dialect/SNN/Transforms/Passes.h.inc"
} // namespace spikestack::snn

using namespace mlir;
using namespace spikestack;
using namespace spikestack::snn;

namespace {

/// DRAM bits of one layer by purpose, counted as the executor counts the
/// instructions --snn-lower-to-hw emits: fetched weights (streamed
/// layers), loads of graph inputs (each core loads its row tiles' shares
/// once), and spilled results (loads of spilled producers, stores).
struct DramBits {
  double weights = 0, inputs = 0, spills = 0;
};

DramBits layerDramBits(Operation *op, const hw::Target &target) {
  DramBits d;
  auto tilings = op->getAttrOfType<ArrayAttr>(kTilingAttr);
  const bool streamed = op->hasAttr(kStreamedAttr);
  for (Attribute a : tilings) {
    auto t = cast<TilingAttr>(a);
    if (streamed && t.getKind() == TileKind::Synaptic)
      for (int64_t task = 0; task < t.numTasks(); ++task)
        d.weights += 8.0 * double(std::max<int64_t>(1, taskWeightBytes(t, task)));
  }
  // The inputs are loaded once per (core, row tile) of the first product,
  // each its row tile's share (inputLoadingTasks, taskInputLoads).
  auto t0 = cast<TilingAttr>(tilings[0]);
  SmallVector<int64_t> loading = llvm::to_vector(inputLoadingTasks(op));
  llvm::sort(loading);
  for (int64_t task : loading)
    for (const InputLoad &l : taskInputLoads(op, t0, task, target))
      if (l.bank < 0)
        (l.graphInput ? d.inputs : d.spills) += 8.0 * double(l.bytes);
  if (auto b = op->getAttrOfType<BufferAttr>(kOutputBufferAttr);
      b && b.getBank() < 0) {
    const rt::Tiling last =
        cast<TilingAttr>(tilings[tilings.size() - 1]).toRuntime();
    for (int64_t task = 0; task < last.numTasks(); ++task)
      d.spills += 8.0 * double(last.resultShare(b.getBytes(), task).second);
  }
  return d;
}

/// The report's "dram" (bits by purpose and per layer) and "residency"
/// sections (every layer resident and no slots when everything fits).
LogicalResult addStreamingSections(ModuleOp module, ArrayRef<Operation *> ops,
                                   const hw::Target &target,
                                   llvm::json::Object &report) {
  auto layout = computeSlotLayout(ops, target, "snn-plan-report");
  if (failed(layout))
    return failure();
  DramBits total;
  int64_t streamedBytes = 0, residentBytes = 0;
  llvm::json::Array perLayer, layers;
  for (auto [i, op] : llvm::enumerate(ops)) {
    const DramBits d = layerDramBits(op, target);
    total.weights += d.weights, total.inputs += d.inputs,
        total.spills += d.spills;
    const std::string name = op->getName().getStringRef().str();
    perLayer.push_back(llvm::json::Object{{"layer", name},
                                          {"weights", d.weights},
                                          {"inputs", d.inputs},
                                          {"spills", d.spills}});
    int64_t bytes = 0;
    for (Attribute a : op->getAttrOfType<ArrayAttr>(kTilingAttr))
      for (int64_t t = 0; t < cast<TilingAttr>(a).numTasks(); ++t)
        bytes += taskWeightBytes(cast<TilingAttr>(a), t);
    if (bytes == 0)
      continue;
    const bool streamed = op->hasAttr(kStreamedAttr);
    (streamed ? streamedBytes : residentBytes) += bytes;
    layers.push_back(llvm::json::Object{
        {"layer", int64_t(i)},
        {"op", name},
        {"name", sourceName(op)},
        {"residency", streamed ? "streamed" : "resident"},
        {"bytes", bytes}});
  }
  const auto cores = target.blocksOfKind(hw::BlockKind::Core);
  const auto banks = target.blocksOfKind(hw::BlockKind::Sram);
  llvm::json::Array slotBanks;
  for (size_t c = 0; c < cores.size(); ++c)
    if (layout->bank[c] >= 0)
      slotBanks.push_back(llvm::json::Object{
          {"core", target.block(cores[c]).name},
          {"bank", target.block(banks[layout->bank[c]]).name},
          {"offset", layout->base[c]}});
  report["dram"] = llvm::json::Object{
      {"bits",
       llvm::json::Object{{"weights", total.weights},
                          {"inputs", total.inputs},
                          {"spills", total.spills},
                          {"total", total.weights + total.inputs +
                                        total.spills}}},
      {"per_layer", std::move(perLayer)}};
  report["residency"] = llvm::json::Object{
      {"layers", std::move(layers)},
      {"slot_bytes", layout->slotBytes},
      {"slots_per_core", int64_t(layout->slots)},
      {"slot_banks", std::move(slotBanks)},
      {"streamed_bytes", streamedBytes},
      {"resident_bytes", residentBytes}};
  (void)module;
  return success();
}

/// One Bounds as the report's object (docs/pipeline.md, "Bounds").
/// `base` holds the keys before the bounds (a layer's name).
llvm::json::Object boundsJson(const hw::Bounds &b,
                              llvm::json::Object base = {}) {
  llvm::json::Object o{{"compute", b.compute},
                            {"events", b.events},
                            {"events_measured", b.eventsMeasured},
                            {"sram_port", b.sramPort},
                            {"bond", b.bond},
                            {"dram", b.dram},
                            {"largest", b.largest},
                            {"binding", b.binding},
                            {"achieved", b.achieved},
                            {"efficiency", b.efficiency}};
  for (auto &kv : o)
    base[kv.first] = std::move(kv.second);
  return base;
}

/// The plan's bound work of one op: dense PE operations of its array
/// tilings, DRAM bits as the executor counts them (layerDramBits); the
/// bank and link bits are added by the report's traffic walk.
hw::BoundWork planBoundWork(Operation *op, const hw::Target &target) {
  hw::BoundWork w;
  w.bankBits.assign(target.blocksOfKind(hw::BlockKind::Sram).size(), 0);
  w.linkBits.assign(target.tiers.empty() ? 0 : target.tiers.size() - 1, 0);
  for (Attribute a : op->getAttrOfType<ArrayAttr>(kTilingAttr)) {
    const rt::Tiling t = cast<TilingAttr>(a).toRuntime();
    if (t.kind != rt::TileKind::Vector)
      w.denseOps += hw::denseSynapticOps(t.groups, t.vectors, t.reduction,
                                         t.outputs);
  }
  const DramBits d = layerDramBits(op, target);
  w.dramBits = d.weights + d.inputs + d.spills;
  return w;
}

/// The schedule's span of an op: its first task's start to its last
/// task's finish.
int64_t scheduleSpan(Operation *op) {
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (Attribute a : op->getAttrOfType<ArrayAttr>(kScheduleAttr)) {
    auto s = cast<ScheduleAttr>(a);
    for (int64_t v : s.getStart().asArrayRef())
      first = std::min(first, v);
    for (int64_t v : s.getFinish().asArrayRef())
      last = std::max(last, v);
  }
  return last > first ? last - first : 0;
}

/// The report's "tiers": per tier its cores' busy cycles and its banks'
/// weight bytes and activation high-water marks.
llvm::json::Array tiersJson(const hw::Target &target,
                            const std::vector<int64_t> &busy,
                            const std::vector<int64_t> &weights,
                            const std::vector<int64_t> &high) {
  const auto cores = target.blocksOfKind(hw::BlockKind::Core);
  const auto banks = target.blocksOfKind(hw::BlockKind::Sram);
  llvm::json::Array tiers;
  for (size_t ti = 0; ti < target.tiers.size(); ++ti) {
    const hw::Tier &tier = target.tiers[ti];
    llvm::json::Object coreObj;
    llvm::json::Array bankArr;
    for (size_t c = 0; c < cores.size(); ++c)
      if (cores[c].tier == int(ti) && busy[c] > 0)
        coreObj[target.block(cores[c]).name] = busy[c];
    for (size_t b = 0; b < banks.size(); ++b)
      if (banks[b].tier == int(ti))
        bankArr.push_back(llvm::json::Object{
            {"name", target.block(banks[b]).name},
            {"capacity_bytes", target.block(banks[b]).sram.capacityBytes},
            {"weight_bytes", weights[b]},
            {"activation_high_water_bytes", high[b]}});
    tiers.push_back(llvm::json::Object{
        {"name", tier.name},
        {"kind", tier.kind == hw::TierKind::Logic ? "logic" : "memory"},
        {"cores_used", int64_t(coreObj.size())},
        {"busy_cycles_per_core", std::move(coreObj)},
        {"banks", std::move(bankArr)}});
  }
  return tiers;
}

/// The report's "banks": per SRAM bank (target order) its name, tier, the
/// bits read and written (the bounds' per-bank bits, split), busy cycles =
/// bits / (ports x width) (the bank's sram_port term) and utilization =
/// busy / makespan (0 without a makespan).
llvm::json::Array banksJson(const hw::Target &target,
                            const std::vector<double> &readBits,
                            const std::vector<double> &writeBits,
                            int64_t makespan) {
  const auto banks = target.blocksOfKind(hw::BlockKind::Sram);
  llvm::json::Array out;
  for (size_t b = 0; b < banks.size(); ++b) {
    const hw::SramSpec &s = target.block(banks[b]).sram;
    const double rate = double(std::max<int64_t>(1, s.ports)) *
                        double(std::max<int64_t>(1, s.widthBits));
    const double busy = (readBits[b] + writeBits[b]) / rate;
    out.push_back(llvm::json::Object{
        {"name", target.block(banks[b]).name},
        {"tier", target.tiers[banks[b].tier].name},
        {"read_bits", readBits[b]},
        {"write_bits", writeBits[b]},
        {"busy_cycles", busy},
        {"utilization", makespan > 0 ? busy / double(makespan) : 0.0}});
  }
  return out;
}


/// What the plan report sums over the planned ops: busy cycles per core,
/// weight and activation high-water marks per bank, the traffic (bit-mm,
/// vertical bits, bank reads and writes) as --snn-lower-to-hw's
/// instructions move it, and the bounds' work per layer.
struct Tally {
  Tally(const hw::Target &target, const hw::PhysicalModel &m)
      : target(target), m(m),
        cores(target.blocksOfKind(hw::BlockKind::Core)),
        banks(target.blocksOfKind(hw::BlockKind::Sram)),
        dramTier(std::clamp(target.dram.tier, 0,
                            std::max(0, int(target.tiers.size()) - 1))) {
    out.busy.assign(cores.size(), 0);
    out.weights.assign(banks.size(), 0);
    out.high.assign(banks.size(), 0);
    out.readBits.assign(banks.size(), 0);
    out.writeBits.assign(banks.size(), 0);
  }

  const hw::Target &target;
  const hw::PhysicalModel &m;
  std::vector<hw::BlockRef> cores, banks;
  int dramTier;
  struct Out {
    std::vector<int64_t> busy, weights, high;
    double bitMm = 0, vertical = 0;
    /// Per bank, the bounds' bits split into reads and writes.
    std::vector<double> readBits, writeBits;
    llvm::json::Array boundsPerLayer;
    hw::BoundWork boundsTotal;
  } out;
  /// The bounds' work of the op being added (bank and link bits).
  hw::BoundWork *work = nullptr;

  void countBits(int fromTier, int64_t bank, double bits, bool write) {
    if (!work || bank < 0)
      return;
    work->bankBits[size_t(bank)] += bits;
    (write ? out.writeBits : out.readBits)[size_t(bank)] += bits;
    const int lo = std::min(fromTier, banks[bank].tier),
              hi = std::max(fromTier, banks[bank].tier);
    for (int i = lo; i < hi; ++i)
      work->linkBits[size_t(i)] += bits;
  }
  void move(int64_t core, int64_t bank, double bits, bool write) {
    if (bank < 0) // DRAM: the "dram" section counts it
      return;
    const hw::Path p = m.path(cores[core], banks[bank]);
    out.bitMm += bits * p.horizontalMm;
    out.vertical += bits * p.verticalHops;
    countBits(cores[core].tier, bank, bits, write);
  }

  LogicalResult addOp(Operation *op);
  LogicalResult addTask(Operation *op, unsigned i, int64_t task,
                        const llvm::SmallDenseSet<int64_t> &loading);
};

/// The op's result buffer and those it reads are in banks the target
/// has (or DRAM). (Addresses are below 2^48: the dialect verifies them.)
LogicalResult checkBuffers(Operation *op, size_t numBanks) {
  SmallVector<Operation *> ops = plannedProducers(op);
  ops.push_back(op);
  for (Operation *o : ops)
    if (auto b = o->getAttrOfType<BufferAttr>(kOutputBufferAttr);
        b && b.getBank() >= int64_t(numBanks))
      return op->emitError() << "snn-plan-report: a buffer names bank "
                             << b.getBank() << " but the target has "
                             << numBanks << " banks";
  return success();
}

LogicalResult Tally::addOp(Operation *op) {
  auto tilings = op->getAttrOfType<ArrayAttr>(kTilingAttr);
  auto placements = op->getAttrOfType<ArrayAttr>(kPlacementAttr);
  auto schedules = op->getAttrOfType<ArrayAttr>(kScheduleAttr);
  auto offsets = op->getAttrOfType<ArrayAttr>(kWeightOffsetsAttr);
  auto result = op->getAttrOfType<BufferAttr>(kOutputBufferAttr);
  if (!tilings || !placements || !schedules || !offsets ||
      (storedBits(op) > 0 && !result))
    return op->emitError() << "snn-plan-report: op is not scheduled and "
                              "allocated; run --snn-schedule and "
                              "--snn-allocate first";
  if (failed(checkPlacements(op, target, "snn-plan-report")) ||
      failed(checkBuffers(op, banks.size())))
    return failure();
  hw::BoundWork opWork = planBoundWork(op, target);
  work = &opWork;
  // The first product's inputs are loaded once per (core, row tile), each
  // its row tile's share, as --snn-lower-to-hw emits them.
  const llvm::SmallDenseSet<int64_t> loading = inputLoadingTasks(op);
  for (unsigned i = 0; i < tilings.size(); ++i)
    for (int64_t task = 0; task < cast<TilingAttr>(tilings[i]).numTasks();
         ++task)
      if (failed(addTask(op, i, task, loading)))
        return failure();
  if (result && result.getBank() >= 0)
    out.high[result.getBank()] = std::max(
        out.high[result.getBank()], result.getOffset() + result.getBytes());
  work = nullptr;
  out.boundsPerLayer.push_back(boundsJson(
      hw::evaluateBounds(m, opWork, double(scheduleSpan(op))),
      llvm::json::Object{{"layer", op->getName().getStringRef().str()}}));
  out.boundsTotal.add(opWork);
  return success();
}

/// Task `task` of tiling `i` of `op`: its core's busy cycles, its weight
/// reads (and fetch), its input loads (tiling 0, once per core and row
/// tile) and its result share's store (the last tiling).
LogicalResult Tally::addTask(Operation *op, unsigned i, int64_t task,
                             const llvm::SmallDenseSet<int64_t> &loading) {
  auto tilings = op->getAttrOfType<ArrayAttr>(kTilingAttr);
  auto tiling = cast<TilingAttr>(tilings[i]);
  const rt::Tiling rtTiling = tiling.toRuntime();
  auto placement =
      cast<PlacementAttr>(op->getAttrOfType<ArrayAttr>(kPlacementAttr)[i]);
  auto schedule =
      cast<ScheduleAttr>(op->getAttrOfType<ArrayAttr>(kScheduleAttr)[i]);
  auto offs =
      cast<DenseI64ArrayAttr>(op->getAttrOfType<ArrayAttr>(kWeightOffsetsAttr)[i]);
  auto result = op->getAttrOfType<BufferAttr>(kOutputBufferAttr);
  const int64_t core = placement.getCores()[task];
  if (core >= int64_t(cores.size()))
    return op->emitError() << "snn-plan-report: placement names core " << core
                           << " but the target has " << cores.size();
  const int64_t d = schedule.getFinish()[task] - schedule.getStart()[task];
  out.busy[core] = std::min(out.busy[core], INT64_MAX - d) + d;
  if (!placement.getWeightBanks().empty()) {
    const int64_t bank = placement.getWeightBanks()[task];
    if (op->hasAttr(kStreamedAttr))
      // The fetch writes the bank through the DRAM interface's bonds.
      countBits(dramTier, bank,
                8.0 * double(std::max<int64_t>(
                          1, taskWeightBytes(tiling, task))),
                /*write=*/true);
    const TaskCost c =
        taskCost(tiling, task, target.block(banks[bank]).sram.widthBits);
    move(core, bank, double(c.heldBits), /*write=*/false);
    out.weights[bank] = std::max(out.weights[bank],
                                 offs[task] + taskWeightBytes(tiling, task));
  }
  if (i == 0 && loading.contains(task))
    for (const InputLoad &l : taskInputLoads(op, tiling, task, target))
      move(core, l.bank, 8.0 * double(l.bytes), /*write=*/false);
  if (result && i + 1 == tilings.size())
    move(core, result.getBank(),
         8.0 * double(rtTiling.resultShare(result.getBytes(), task).second),
         /*write=*/true);
  return success();
}

struct PlanReport : public snn::impl::SNNPlanReportBase<PlanReport> {
  using Base::Base;

  void runOnOperation() override {
    markAllAnalysesPreserved();
    ModuleOp module = getOperation();
    if (file.empty()) {
      mlir::emitError(module.getLoc()) << "snn-plan-report: needs file=PATH";
      return signalPassFailure();
    }
    auto t = getAnalysis<ModuleTarget>().get(module);
    markAnalysesPreserved<ModuleTarget>();
    if (failed(t))
      return signalPassFailure();
    const hw::Target &target = **t;
    auto m = buildModuleModel(module, target);
    if (failed(m) || failed(checkPlannedModule(module, "snn-plan-report")))
      return signalPassFailure();
    Tally tally(target, *m);
    for (Operation *op : plannedOps(module))
      if (failed(tally.addOp(op)))
        return signalPassFailure();
    auto &[busy, weights, high, bitMm, vertical, readBits, writeBits,
           boundsPerLayer, boundsTotal] = tally.out;
    const int64_t makespan = moduleMakespan(module);
    llvm::json::Array tiers = tiersJson(target, busy, weights, high);
    const double clock = m->effectiveClockMhz();
    llvm::json::Object report{
        {"target", target.name},
        {"clock_mhz", clock},
        {"makespan_cycles", makespan},
        {"latency_us", clock > 0 ? double(makespan) / clock : 0.0},
        {"tiers", std::move(tiers)},
        {"traffic", llvm::json::Object{{"vertical_bits", vertical},
                                       {"horizontal_bit_mm", bitMm},
                                       {"dram_bits", 0.0}}}};
    report["bounds"] = llvm::json::Object{
        {"total", boundsJson(hw::evaluateBounds(*m, boundsTotal,
                                                double(makespan)))},
        {"per_layer", std::move(boundsPerLayer)}};
    report["banks"] = banksJson(target, readBits, writeBits, makespan);
    if (failed(addStreamingSections(module, plannedOps(module), target,
                                    report)))
      return signalPassFailure();
    // The DRAM bits of the "dram" section (one count of the loads, stores
    // and fetches the lowering emits).
    (*report.getObject("traffic"))["dram_bits"] =
        *report.getObject("dram")->getObject("bits")->get("total");
    std::string text;
    llvm::raw_string_ostream os(text);
    os << llvm::formatv("{0:2}", llvm::json::Value(std::move(report))) << "\n";
    if (absl::Status s = writeOutputFile(file, text); !s.ok()) {
      mlir::emitError(module.getLoc())
          << "snn-plan-report: " << std::string(s.message());
      return signalPassFailure();
    }
  }
};

} // namespace
