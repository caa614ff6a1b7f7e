//===- PlanReport.cpp - the static plan report ----------------------------===//
//
// --snn-plan-report: see Passes.td.
//
//===----------------------------------------------------------------------===//
#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/Transforms/Passes.h"
#include "spikestack/Dialect/SNN/Transforms/Plan.h"
#include "spikestack/Hardware/PhysicalModel.h"
#include "spikestack/Support/FileUtil.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
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

struct PlanReport : public snn::impl::SNNPlanReportBase<PlanReport> {
  using Base::Base;

  /// The op's result buffer and those it reads are in banks the target
  /// has (or DRAM). (Addresses are below 2^48: the dialect verifies them.)
  static LogicalResult checkBuffers(Operation *op, size_t numBanks) {
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
    const auto cores = target.blocksOfKind(hw::BlockKind::Core);
    const auto banks = target.blocksOfKind(hw::BlockKind::Sram);
    std::vector<int64_t> busy(cores.size(), 0), weights(banks.size(), 0),
        high(banks.size(), 0);
    double bitMm = 0, vertical = 0, dram = 0;
    auto move = [&](int64_t core, int64_t bank, double bits) {
      if (bank < 0) {
        dram += bits;
        return;
      }
      const hw::Path p = m->path(cores[core], banks[bank]);
      bitMm += bits * p.horizontalMm;
      vertical += bits * p.verticalHops;
    };

    for (Operation *op : plannedOps(module)) {
      auto tilings = op->getAttrOfType<ArrayAttr>(kTilingAttr);
      auto placements = op->getAttrOfType<ArrayAttr>(kPlacementAttr);
      auto schedules = op->getAttrOfType<ArrayAttr>(kScheduleAttr);
      auto offsets = op->getAttrOfType<ArrayAttr>(kWeightOffsetsAttr);
      auto out = op->getAttrOfType<BufferAttr>(kOutputBufferAttr);
      if (!tilings || !placements || !schedules || !offsets ||
          (storedBits(op) > 0 && !out)) {
        op->emitError() << "snn-plan-report: op is not scheduled and "
                           "allocated; run --snn-schedule and --snn-allocate "
                           "first";
        return signalPassFailure();
      }
      if (failed(checkPlacements(op, target, "snn-plan-report")) ||
          failed(checkBuffers(op, banks.size())))
        return signalPassFailure();
      SmallVector<BufferAttr> inputs;
      for (Operation *p : plannedProducers(op))
        if (auto b = p->getAttrOfType<BufferAttr>(kOutputBufferAttr))
          inputs.push_back(b);
      for (size_t i = 0; i < tilings.size(); ++i) {
        auto tiling = cast<TilingAttr>(tilings[i]);
        auto placement = cast<PlacementAttr>(placements[i]);
        auto schedule = cast<ScheduleAttr>(schedules[i]);
        auto offs = cast<DenseI64ArrayAttr>(offsets[i]);
        const int64_t tasks = tiling.numTasks();
        for (int64_t task = 0; task < tasks; ++task) {
          const int64_t core = placement.getCores()[task];
          if (core >= int64_t(cores.size())) {
            op->emitError() << "snn-plan-report: placement names core " << core
                            << " but the target has " << cores.size();
            return signalPassFailure();
          }
          const int64_t d =
              schedule.getFinish()[task] - schedule.getStart()[task];
          busy[core] = std::min(busy[core], INT64_MAX - d) + d;
          if (!placement.getWeightBanks().empty()) {
            const int64_t bank = placement.getWeightBanks()[task];
            const TaskCost c =
                taskCost(tiling, taskColumns(tiling, task),
                         target.block(banks[bank]).sram.widthBits);
            move(core, bank, double(c.heldBits));
            weights[bank] = std::max(
                weights[bank], offs[task] + taskWeightBytes(tiling, task));
          }
          if (i == 0)
            for (BufferAttr in : inputs)
              move(core, in.getBank(), 8.0 * double(in.getBytes()));
          if (out && i + 1 == tilings.size())
            move(core, out.getBank(), 8.0 * double(out.getBytes()) / tasks);
        }
      }
      if (out && out.getBank() >= 0)
        high[out.getBank()] =
            std::max(high[out.getBank()], out.getOffset() + out.getBytes());
    }
    // Graph inputs come from DRAM.
    module.walk([&](func::FuncOp f) {
      for (Type ty : f.getArgumentTypes())
        if (auto s = dyn_cast<ShapedType>(ty); s && s.hasStaticShape())
          dram += double(s.getNumElements() * elementBits(s.getElementType()));
    });

    const int64_t makespan = moduleMakespan(module);
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
    const double clock = m->effectiveClockMhz();
    llvm::json::Object report{
        {"target", target.name},
        {"clock_mhz", clock},
        {"makespan_cycles", makespan},
        {"latency_us", clock > 0 ? double(makespan) / clock : 0.0},
        {"tiers", std::move(tiers)},
        {"traffic", llvm::json::Object{{"vertical_bits", vertical},
                                       {"horizontal_bit_mm", bitMm},
                                       {"dram_bits", dram}}}};
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
