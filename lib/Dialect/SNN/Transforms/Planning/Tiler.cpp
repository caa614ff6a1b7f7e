//===- Tiler.cpp - compute ops cut into array-sized tiles -----------------===//
#include "Tiler.h"
#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/IR/SNNLimits.h"
#include "spikestack/Dialect/SNN/Transforms/Plan.h"
#include "spikestack/Runtime/Program.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <queue>

using namespace mlir;

namespace spikestack::snn {

namespace {

/// Accumulator bits of a product in the float domain.
constexpr int64_t kAccumulatorBits = 16;

int64_t accBitsOf(Value result) {
  auto e = cast<RankedTensorType>(result.getType()).getElementType();
  return isa<FixedType>(e) ? elementBits(e) : kAccumulatorBits;
}

/// A tiling entry of `op`, or an error on `op` when it exceeds the limits
/// of SNNLimits.h (the numbers are all positive here).
FailureOr<TilingAttr> makeTiling(Operation *op, TileKind kind, int64_t rows,
                                 int64_t cols, int64_t reduction,
                                 int64_t outputs, int64_t groups,
                                 int64_t vectors, int64_t bundle,
                                 int64_t heldBits) {
  auto emit = [&]() { return op->emitError() << "snn-tile: "; };
  if (failed(verifyTilingBounds(emit, rows, cols, reduction, outputs, groups,
                                vectors, bundle)))
    return failure();
  return TilingAttr::get(op->getContext(), kind, rows, cols, reduction,
                         outputs, groups, vectors, bundle, heldBits,
                         Dataflow::WeightStationary, /*row_tiles=*/1);
}

/// Fails (with the error on the module) unless every core of `target` has
/// the arrays, LIF units and scratchpad of the first; sets `core` to it.
LogicalResult uniformCore(ModuleOp module, const hw::Target &target,
                          hw::CoreSpec &core) {
  const auto cores = target.blocksOfKind(hw::BlockKind::Core);
  core = target.block(cores.front()).core;
  for (hw::BlockRef r : cores) {
    const hw::CoreSpec &c = target.block(r).core;
    if (c.rows != core.rows || c.cols != core.cols ||
        c.scratchpadBytes != core.scratchpadBytes ||
        c.lifUnits != core.lifUnits)
      return mlir::emitError(module.getLoc())
             << "snn-tile: the target's cores differ ('"
             << target.block(cores.front()).name << "' " << core.rows << "x"
             << core.cols << ", " << core.lifUnits << " LIF units, "
             << core.scratchpadBytes << " B scratchpad; '"
             << target.block(r).name << "' " << c.rows << "x" << c.cols
             << ", " << c.lifUnits << " LIF units, " << c.scratchpadBytes
             << " B scratchpad); heterogeneous cores are not supported";
  }
  return success();
}

/// Passes of a tiling as checkPlanWork counts them.
int64_t countedPasses(TilingAttr t) {
  const rt::Tiling r = t.toRuntime();
  return r.numTasks() * r.kTiles() * r.numBundles();
}

/// The widest port among the banks `keep` accepts (at least 8 bits).
template <typename Pred>
int64_t widestPort(const hw::Target &target, Pred keep) {
  int64_t w = 8;
  for (hw::BlockRef b : target.blocksOfKind(hw::BlockKind::Sram))
    if (keep(target.block(b).sram))
      w = std::max(w, target.block(b).sram.widthBits);
  return w;
}

} // namespace

LogicalResult Tiler::setCores(ModuleOp module, const hw::Target &target) {
  this->target = &target;
  largestWeightBank = 0;
  int64_t weightBytes = 0;
  for (hw::BlockRef b : target.blocksOfKind(hw::BlockKind::Sram))
    if (target.block(b).sram.holds != hw::SramRole::Activations) {
      const int64_t cap = target.block(b).sram.capacityBytes;
      largestWeightBank = std::max(largestWeightBank, cap);
      weightBytes = std::min<int64_t>(weightBytes + cap, int64_t(1) << 60);
    }
  if (largestWeightBank == 0)
    largestWeightBank = INT64_MAX;
  weightBudget = weightBytes / 100 * 85 + weightBytes % 100 * 85 / 100;
  weightPort = widestPort(target, [](const hw::SramSpec &s) {
    return s.holds != hw::SramRole::Activations;
  });
  activationPort = widestPort(target, [](const hw::SramSpec &s) {
    return s.holds != hw::SramRole::Weights;
  });
  const auto cores = target.blocksOfKind(hw::BlockKind::Core);
  numCores = std::max<int64_t>(1, cores.size());
  weightStationary = outputStationary = true;
  for (hw::BlockRef r : cores) {
    weightStationary &= target.block(r).core.weightStationary;
    outputStationary &= target.block(r).core.outputStationary;
  }
  if (!weightStationary && !outputStationary)
    return mlir::emitError(module.getLoc())
           << "snn-tile: the target's cores share no dataflow (some are "
              "weight-stationary only, some output-stationary only)";
  synapticWS = weightStationary, synapticOS = outputStationary;
  if (forcedDataflow == "weight_stationary")
    synapticOS = false;
  else if (forcedDataflow == "output_stationary")
    synapticWS = false;
  else if (forcedDataflow != "auto")
    return mlir::emitError(module.getLoc())
           << "snn-tile: dataflow must be auto, weight_stationary or "
              "output_stationary, got '"
           << forcedDataflow << "'";
  if (!synapticWS && !synapticOS)
    return mlir::emitError(module.getLoc())
           << "snn-tile: dataflow=" << forcedDataflow
           << " but the cores of target '" << target.name
           << "' do not support it (their `dataflows`)";
  return uniformCore(module, target, core);
}

/// Columns per task: the array's, unless a task's held weights (reduction
/// x columns x held bits) would not fit the largest weight bank even alone
/// (a 3x3 convolution over 512 channels: 4608 x 32 bytes = 144 KiB against
/// 128 KiB banks). Then the task uses only as many of the array's columns
/// as fit, so that the layer can still be placed (its weights streamed
/// from DRAM one column task at a time); the other columns idle for that
/// layer. (reduction <= 2^28 and heldBits <= 64 keep the product < 2^35.)
int64_t Tiler::columnsFor(TileKind kind, int64_t reduction,
                          int64_t heldBits) const {
  if (kind != TileKind::Synaptic || heldBits <= 0 ||
      largestWeightBank == INT64_MAX)
    return core.cols;
  const int64_t bitsPerColumn = reduction * heldBits;
  if (bitsPerColumn * core.cols <= largestWeightBank * 8)
    return core.cols;
  return std::max<int64_t>(1, largestWeightBank * 8 / bitsPerColumn);
}

LogicalResult Tiler::run(ModuleOp module) {
  // Every value of a function becomes a value of the program's layer
  // table: static, non-empty and bounded, before any size is multiplied.
  WalkResult shapes = module.walk([&](func::FuncOp f) {
    return failed(checkFunctionShapes(f, "snn-tile")) ? WalkResult::interrupt()
                                                      : WalkResult::advance();
  });
  if (shapes.wasInterrupted())
    return failure();
  // Phase one: every op tiled, synaptic products unsplit.
  layers.clear();
  WalkResult r = module.walk([&](Operation *op) {
    if (!isa_and_nonnull<func::FuncOp>(op->getParentOp()) || !needsPlan(op))
      return WalkResult::advance();
    SmallVector<Attribute> tilings;
    const size_t first = layers.size();
    if (failed(tileOp(op, tilings)))
      return WalkResult::interrupt();
    for (size_t i = first; i < layers.size(); ++i) {
      layers[i].op = op;
      layers[i].producers = int64_t(plannedProducers(op).size());
    }
    op->setAttr(kTilingAttr, ArrayAttr::get(ctx, tilings));
    return WalkResult::advance();
  });
  if (r.wasInterrupted())
    return failure();
  if (failed(checkPlanWork(plannedOps(module), "snn-tile")))
    return failure();
  // Phase two: row tiles from the spare weight capacity.
  if (failed(grantRowTiles(module)))
    return failure();
  return checkPlanWork(plannedOps(module), "snn-tile");
}

/// Vectors per bundle: all T steps of as many tokens as keep a bundle's
/// partial sums (cols x accumulator bits each) in the scratchpad.
/// (cols <= 4096, accBits <= 64 and steps <= vectors <= 2^28 keep every
/// product below 2^47; the scratchpad is at most 2^60 bits here.)
int64_t Tiler::bundleFor(int64_t vectors, int64_t steps,
                         int64_t accBits) const {
  steps = std::max<int64_t>(1, std::min(steps, vectors));
  const int64_t perVector = core.cols * accBits;
  const int64_t bits = std::min(core.scratchpadBytes, int64_t(1) << 57) * 8;
  const int64_t fit = std::max<int64_t>(1, bits / (perVector * steps));
  if (fit >= (vectors + steps - 1) / steps)
    return vectors;
  return std::min(vectors, fit * steps);
}

/// Vectors per output-stationary fold: one per array row, whole tokens
/// (all T steps) when T <= rows: the largest multiple of T <= rows (rows
/// when T > rows), capped at the vectors.
int64_t Tiler::foldFor(int64_t vectors, int64_t steps) const {
  steps = std::max<int64_t>(1, std::min(steps, vectors));
  const int64_t fold = steps > core.rows ? core.rows : core.rows / steps * steps;
  return std::min(vectors, fold);
}

std::optional<TilingAttr> Tiler::variant(TilingAttr t, Dataflow d,
                                         int64_t bundle, int64_t r) const {
  rt::Tiling shape = t.toRuntime();
  shape.dataflow = static_cast<rt::Dataflow>(d);
  shape.bundle = bundle;
  shape.rowTiles = r;
  if (!shape.rowTilesValid() || shape.numTasks() > limits::kMaxTasks ||
      (d == Dataflow::OutputStationary && bundle > shape.rows))
    return std::nullopt;
  return TilingAttr::get(ctx, t.getKind(), t.getRows(), t.getCols(),
                         t.getReduction(), t.getOutputs(), t.getGroups(),
                         t.getVectors(), bundle, t.getHeldBits(), d, r);
}

int64_t Tiler::estimate(TilingAttr t) const {
  const int64_t port =
      t.getKind() == TileKind::Synaptic ? weightPort : activationPort;
  const int64_t rounds = (t.numTasks() + numCores - 1) / numCores;
  return rounds * taskCost(t, 0, port).cycles;
}

/// Row tiles r = 1 .. min(units, cores): beyond one row tile per core a
/// split only shortens the last round.
Tiler::Layer Tiler::synapticChoices(TilingAttr ws, int64_t steps) const {
  Layer l;
  for (int64_t task = 0; task < ws.numTasks(); ++task)
    l.weightBytes += taskWeightBytes(ws, task);
  const int64_t fold = foldFor(ws.getVectors(), steps);
  const int64_t maxUnits =
      std::max(ws.toRuntime().numBundles(), (ws.getVectors() + fold - 1) / fold);
  const int64_t maxRowTiles = allowRowTiles ? std::min(maxUnits, numCores) : 1;
  for (int64_t r = 1; r <= maxRowTiles; ++r) {
    std::optional<Choice> best;
    auto consider = [&](std::optional<TilingAttr> t) {
      if (!t)
        return;
      const int64_t c = estimate(*t);
      // Ties (the same tasks): output-stationary, considered last.
      if (!best || c <= best->cycles)
        best = Choice{*t, c};
    };
    if (synapticWS)
      consider(variant(ws, Dataflow::WeightStationary, ws.getBundle(), r));
    if (synapticOS)
      consider(variant(ws, Dataflow::OutputStationary, fold, r));
    if (!best && r == 1) // unreachable: r = 1 is always valid
      best = Choice{ws, estimate(ws)};
    // A row-tile count with no valid candidate keeps its slot, never
    // chosen: its time is the unsplit one.
    l.choices.push_back(best ? *best : l.choices.front());
  }
  return l;
}

TilingAttr Tiler::attentionRowTiles(TilingAttr ws) const {
  const int64_t columnTasks = ws.toRuntime().numColumnTasks();
  if (columnTasks >= numCores || !allowRowTiles)
    return ws;
  Choice best{ws, estimate(ws)};
  const int64_t units = ws.toRuntime().numBundles();
  for (int64_t r = 2; r <= std::min(units, numCores); ++r)
    if (auto t = variant(ws, Dataflow::WeightStationary, ws.getBundle(), r))
      if (const int64_t c = estimate(*t); c < best.cycles)
        best = Choice{*t, c};
  return best.tiling;
}

std::optional<std::pair<double, unsigned>>
Tiler::bestUpgrade(const Layer &l, int64_t spareBytes,
                   double dramCyclesPerByte) const {
  std::optional<std::pair<double, unsigned>> best;
  const Choice &cur = l.choices[l.current];
  const int64_t curTasks = cur.tiling.numTasks();
  const int64_t curPasses = countedPasses(cur.tiling);
  for (unsigned j = l.current + 1; j < l.choices.size(); ++j) {
    const Choice &c = l.choices[j];
    const int64_t extra = int64_t(j - l.current) * l.weightBytes;
    if (c.cycles >= cur.cycles ||
        (dramCyclesPerByte == 0 && extra > spareBytes))
      continue;
    // Over the budget: every row tile fetches its columns' weights from
    // DRAM while the layer computes, so the layer takes the longer of its
    // tasks and its fetches; the split must shorten that by more than the
    // DRAM time of its extra copies, which the one DRAM shared by all
    // layers (and by spills) pays whether or not this layer hides it.
    double saved = double(cur.cycles - c.cycles);
    if (dramCyclesPerByte > 0) {
      auto layerTime = [&](const Choice &x, unsigned copies) {
        return std::max(double(x.cycles), double(copies) *
                                              double(l.weightBytes) *
                                              dramCyclesPerByte);
      };
      saved = layerTime(cur, l.current + 1) - layerTime(c, j + 1) -
              double(extra) * dramCyclesPerByte;
      if (!(saved > 0))
        continue;
    }
    const int64_t moreTasks = c.tiling.numTasks() - curTasks;
    if (planTasks + moreTasks > limits::kMaxPlanTasks ||
        planPasses + countedPasses(c.tiling) - curPasses >
            limits::kMaxPlanPasses ||
        planInputs + moreTasks * l.producers > limits::kMaxPlanTaskInputs)
      continue;
    const double key =
        dramCyclesPerByte > 0 ? saved : saved / double(extra);
    if (!best || key > best->first)
      best = {key, j};
  }
  return best;
}

/// Within the budget: greedy by cycles saved per extra weight byte until
/// the budget is spent. Over it (the model streams weights from DRAM, and
/// any layer may be among the streamed ones): every layer is priced as
/// streamed, the layer taking the longer of its tasks' rounds and its
/// weight fetches (each row tile fetches its columns' weights: bytes x 8 /
/// the DRAM's bits per cycle), and a split is granted when it shortens
/// that by more than its extra copies' DRAM time, greedy by the net saving
/// (the order matters only for the plan limits).
/// A lazy max-heap: an entry's key only drops as the spare bytes and the
/// plan limits' headroom shrink, so a popped entry is re-evaluated and
/// applied only when still current.
LogicalResult Tiler::grantRowTiles(ModuleOp module) {
  int64_t used = 0;
  bool splittable = false;
  for (const Layer &l : layers) {
    used = std::min<int64_t>(used + l.weightBytes, int64_t(1) << 60);
    splittable |= l.choices.size() > 1;
  }
  if (!splittable)
    return success();
  double dramCyclesPerByte = 0;
  if (used > weightBudget) {
    auto model = buildModuleModel(module, *target);
    if (failed(model))
      return failure();
    dramCyclesPerByte = 8.0 / model->dramBitsPerCycle();
  }
  planTasks = planPasses = planInputs = 0;
  for (Operation *op : plannedOps(module)) {
    int64_t opTasks = 0;
    for (Attribute a : op->getAttrOfType<ArrayAttr>(kTilingAttr)) {
      opTasks += cast<TilingAttr>(a).numTasks();
      planPasses += countedPasses(cast<TilingAttr>(a));
    }
    planTasks += opTasks;
    planInputs += opTasks * int64_t(plannedProducers(op).size());
  }
  int64_t spare = std::max<int64_t>(0, weightBudget - used);
  // (ratio, -layer index): the best ratio first, then program order.
  std::priority_queue<std::pair<double, int64_t>> heap;
  for (size_t i = 0; i < layers.size(); ++i)
    if (auto u = bestUpgrade(layers[i], spare, dramCyclesPerByte))
      heap.push({u->first, -int64_t(i)});
  while (!heap.empty()) {
    auto [ratio, negIndex] = heap.top();
    heap.pop();
    Layer &l = layers[size_t(-negIndex)];
    auto u = bestUpgrade(l, spare, dramCyclesPerByte);
    if (!u)
      continue;
    if (u->first < ratio) {
      heap.push({u->first, negIndex});
      continue;
    }
    const Choice &from = l.choices[l.current], &to = l.choices[u->second];
    const int64_t moreTasks = to.tiling.numTasks() - from.tiling.numTasks();
    planTasks += moreTasks;
    planPasses += countedPasses(to.tiling) - countedPasses(from.tiling);
    planInputs += moreTasks * l.producers;
    if (dramCyclesPerByte == 0)
      spare -= int64_t(u->second - l.current) * l.weightBytes;
    l.current = u->second;
    if (auto next = bestUpgrade(l, spare, dramCyclesPerByte))
      heap.push({next->first, negIndex});
  }
  for (const Layer &l : layers) {
    if (l.current == 0)
      continue;
    SmallVector<Attribute> tilings(
        l.op->getAttrOfType<ArrayAttr>(kTilingAttr).getValue());
    tilings[l.index] = l.choices[l.current].tiling;
    l.op->setAttr(kTilingAttr, ArrayAttr::get(ctx, tilings));
  }
  return success();
}

LogicalResult Tiler::product(Operation *op, SmallVectorImpl<Attribute> &out,
                             TileKind kind, int64_t reduction, int64_t outputs,
                             int64_t groups, int64_t vectors, int64_t steps,
                             int64_t accBits, int64_t heldBits) {
  auto t = makeTiling(op, kind, core.rows,
                      columnsFor(kind, reduction, heldBits), reduction, outputs,
                      groups, vectors, bundleFor(vectors, steps, accBits),
                      heldBits);
  if (failed(t))
    return failure();
  if (kind != TileKind::Synaptic) {
    // The held operand comes from the scratchpad: no weights replicated.
    if (!weightStationary)
      return op->emitError()
             << "snn-tile: the " << stringifyTileKind(kind)
             << " product of attention needs weight-stationary cores; the "
                "target's are output-stationary only";
    out.push_back(attentionRowTiles(*t));
    return success();
  }
  Layer l = synapticChoices(*t, steps);
  l.index = out.size();
  out.push_back(l.choices.front().tiling);
  layers.push_back(std::move(l));
  return success();
}

LogicalResult Tiler::vector(Operation *op, SmallVectorImpl<Attribute> &out,
                            int64_t elements, int64_t groups) const {
  const int64_t perGroup = std::max<int64_t>(1, elements / groups);
  const int64_t v =
      std::max<int64_t>(1, (perGroup + core.lifUnits - 1) / core.lifUnits);
  auto t = makeTiling(op, TileKind::Vector, 1, 1, 1, 1, groups, v, v, 0);
  if (failed(t))
    return failure();
  out.push_back(elementwiseRowTiles(op, *t));
  return success();
}

/// Element-wise and pooling work (adds, standalone neurons, pooling,
/// conversions, batch norm) of one group is spread over the cores: row
/// tiles of ceil(v / cores) LIF-unit cycles each (no weights involved).
/// Readout, routing, dispatch, combine and SDSA keep their groups.
TilingAttr Tiler::elementwiseRowTiles(Operation *op, TilingAttr t) const {
  const bool elementwise =
      isa<AddOp, MaxPool2dOp, AvgPool2dOp, NeuronOpInterface, DequantizeOp,
          ScaleOp, CastOp, QuantizeOp, RequantizeOp, BatchNormOp>(op);
  const int64_t v = t.getVectors();
  if (!elementwise || !allowRowTiles || t.getGroups() >= numCores || v < 2)
    return t;
  const int64_t parts = std::min(v, numCores / t.getGroups());
  const int64_t bundle = (v + parts - 1) / parts;
  const int64_t r = (v + bundle - 1) / bundle;
  if (r < 2)
    return t;
  return TilingAttr::get(ctx, TileKind::Vector, 1, 1, 1, 1, t.getGroups(), v,
                         bundle, 0, Dataflow::WeightStationary, r);
}

/// One synaptic product per weight group (and expert): the group's weight
/// matrix held, output positions (leading dims x OH x OW for a
/// convolution: im2col rows) streamed.
LogicalResult Tiler::synaptic(Operation *op, int64_t experts,
                              SmallVectorImpl<Attribute> &out) {
  auto syn = cast<SynapticOpInterface>(op);
  auto in = cast<RankedTensorType>(syn.getInput().getType());
  auto w = cast<RankedTensorType>(syn.getWeight().getType());
  auto res = cast<RankedTensorType>(op->getResult(0).getType());
  const int64_t steps = in.getRank() >= 2 ? in.getDimSize(0) : 1;
  const int64_t g = syn.getNumWeightGroups();
  const int64_t o = w.getDimSize(0);
  return product(op, out, TileKind::Synaptic, syn.getReductionSize(), o / g,
                 experts * g, res.getNumElements() / o, steps,
                 accBitsOf(op->getResult(0)), elementBits(w.getElementType()));
}

LogicalResult Tiler::attention(Operation *op, SmallVectorImpl<Attribute> &out) {
  auto att = cast<SpikingAttentionOp>(op);
  auto q = cast<RankedTensorType>(att.getQ().getType());
  const int64_t steps = q.getDimSize(0), batch = q.getDimSize(1),
                tokens = q.getDimSize(2), channels = q.getDimSize(3);
  const int64_t heads = att.getNumHeads(), d = channels / heads;
  if (att.getVariant() == AttentionVariant::SSA) {
    // Q K^T: K^T of a head held (d x N spikes), the head's query rows
    // streamed per step; A V: the scores held (N x N), value columns
    // streamed.
    if (failed(product(op, out, TileKind::AndAccumulate, d, tokens,
                       batch * heads, steps * tokens, steps, kAccumulatorBits,
                       1)))
      return failure();
    return product(op, out, TileKind::ScoreValue, tokens, tokens,
                   batch * heads, steps * d, steps, kAccumulatorBits,
                   kAccumulatorBits);
  }
  // SDSA: Q * N(sum_tokens(K * V)), element-wise and column sums on the
  // LIF units, one group per head.
  return vector(op, out, 3 * q.getNumElements(), batch * heads);
}

LogicalResult Tiler::experts(Operation *op, SmallVectorImpl<Attribute> &out) {
  auto moe = cast<MoeExpertsOp>(op);
  const int64_t e =
      cast<RankedTensorType>(moe.getInput().getType()).getDimSize(0);
  for (Operation *inner : expertBodyOps(moe)) {
    if (isa<SynapticOpInterface>(inner)) {
      if (failed(synaptic(inner, e, out)))
        return failure();
      continue;
    }
    int64_t n = 0;
    for (Type t : inner->getResultTypes())
      if (auto s = dyn_cast<ShapedType>(t))
        n += s.getNumElements();
    if (failed(vector(op, out, n * e, e)))
      return failure();
  }
  return success();
}

LogicalResult Tiler::tileOp(Operation *op, SmallVectorImpl<Attribute> &out) {
  if (isa<SynapticOpInterface>(op))
    return synaptic(op, 1, out);
  if (isa<SpikingAttentionOp>(op))
    return attention(op, out);
  if (isa<MoeExpertsOp>(op))
    return experts(op, out);
  if (op->getDialect() && isa<SNNDialect>(op->getDialect())) {
    // Neurons not fused with a synaptic op, residual adds, pooling,
    // readout, routing, dispatch, combine: LIF-unit work over the
    // largest operand or result.
    int64_t n = 1;
    for (Type t :
         llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes()))
      if (auto s = dyn_cast<ShapedType>(t); s && s.hasStaticShape())
        n = std::max(n, s.getNumElements());
    return vector(op, out, n);
  }
  return op->emitError() << "snn-tile: '" << op->getName()
                         << "' has no mapping onto the cores (supported: "
                            "snn ops and layout ops)";
}

} // namespace spikestack::snn
