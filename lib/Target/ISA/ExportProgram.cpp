//===- ExportProgram.cpp - snnhw + layer table -> rt::Program -------------===//
#include "spikestack/Target/ISA/ExportProgram.h"

#include "spikestack/Dialect/SNN/IR/SNNDialect.h"
#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Dialect/SNN/Transforms/Plan.h"
#include "spikestack/Dialect/SNNHW/IR/SNNHW.h"
#include "spikestack/Interpreter/ElemType.h"
#include "spikestack/Interpreter/Interpreter.h"
#include "spikestack/Runtime/Executor.h"
#include "spikestack/Support/FileUtil.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cstring>
#include <iterator>

using namespace mlir;
using namespace spikestack;
using namespace spikestack::snn;
namespace hwd = spikestack::snnhw;

namespace {

using K = rt::NodeKind;

class Exporter {
public:
  explicit Exporter(rt::Program &p) : prog(p) {}

  /// Converts `block` (function body or expert body) into graph `gi`.
  LogicalResult convertBlock(Block &block, int32_t gi) {
    llvm::DenseMap<Value, int32_t> ids;
    auto idOf = [&](Value v) -> int32_t {
      auto it = ids.find(v);
      return it == ids.end() ? -1 : it->second;
    };
    auto define = [&](Value v) -> FailureOr<int32_t> {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!t || !t.hasStaticShape())
        return failure();
      auto elt = toElemType(t.getElementType());
      if (!elt)
        return failure();
      rt::Graph &g = prog.graphs[gi];
      g.values.push_back({{t.getShape().begin(), t.getShape().end()}, *elt});
      ids[v] = int32_t(g.values.size() - 1);
      return ids[v];
    };
    for (BlockArgument a : block.getArguments()) {
      auto id = define(a);
      if (failed(id))
        return emitError(a.getLoc())
               << "the program format needs statically shaped tensors of snn "
                  "element types; argument "
               << a.getArgNumber() << " is " << a.getType();
      prog.graphs[gi].inputs.push_back(*id);
    }
    for (Operation &op : block) {
      if (op.hasTrait<OpTrait::IsTerminator>()) {
        for (Value v : op.getOperands()) {
          if (idOf(v) < 0)
            return op.emitError() << "returns a value the exporter did not "
                                     "convert";
          prog.graphs[gi].outputs.push_back(idOf(v));
        }
        break;
      }
      rt::Node n;
      n.name = op.getName().getStringRef().str();
      if (auto tag = op.getAttrOfType<StringAttr>(snn::kOnnxNameAttr))
        n.name = tag.str();
      for (Value v : op.getOperands()) {
        if (idOf(v) < 0)
          return op.emitError() << "operand is not a value the exporter "
                                   "converted";
        n.operands.push_back(idOf(v));
      }
      if (failed(convertOp(op, n, gi)))
        return failure();
      for (Value r : op.getResults()) {
        auto id = define(r);
        if (failed(id))
          return op.emitError()
                 << "the program format needs statically shaped tensors of "
                    "snn element types, got "
                 << r.getType();
        n.results.push_back(*id);
      }
      nodeOf[&op] = {gi, int32_t(prog.graphs[gi].nodes.size())};
      prog.graphs[gi].nodes.push_back(std::move(n));
    }
    return success();
  }

  llvm::DenseMap<Operation *, std::pair<int32_t, int32_t>> nodeOf;

private:
  rt::Program &prog;

  static int64_t fracOf(Value v) {
    return getFracBits(cast<ShapedType>(v.getType()).getElementType());
  }

  static void pushIntDomain(rt::Node &n, Value result) {
    if (auto f = dyn_cast<FixedType>(
            cast<ShapedType>(result.getType()).getElementType())) {
      n.ints.insert(n.ints.end(),
                    {1, int64_t(f.getFormat().width), int64_t(f.getFormat().frac)});
    } else {
      n.ints.insert(n.ints.end(), {0, 0, 0});
    }
  }

  LogicalResult constant(Operation *op, ElementsAttr attr, rt::Node &n) {
    auto values = constantValues(op, attr);
    if (failed(values))
      return failure();
    Type elt = attr.getElementType();
    rt::Constant c;
    c.shape.assign(attr.getShapedType().getShape().begin(),
                   attr.getShapedType().getShape().end());
    auto pack = [&](auto tag) {
      using T = decltype(tag);
      c.bytes.resize(values->size() * sizeof(T));
      for (size_t i = 0; i < values->size(); ++i) {
        T v = T((*values)[i]);
        std::memcpy(c.bytes.data() + i * sizeof(T), &v, sizeof(T));
      }
    };
    if (elt.isF32()) {
      c.storage = rt::Storage::F32;
      pack(float());
    } else if (elt.isF64()) {
      c.storage = rt::Storage::F64;
      pack(double());
    } else if (elt.isInteger(1) || elt.isInteger(8)) {
      c.storage = rt::Storage::I8;
      pack(int8_t());
    } else if (elt.isInteger(16)) {
      c.storage = rt::Storage::I16;
      pack(int16_t());
    } else if (elt.isInteger(32)) {
      c.storage = rt::Storage::I32;
      pack(int32_t());
    } else if (elt.isInteger(64)) {
      c.storage = rt::Storage::I64;
      pack(int64_t());
    } else {
      return op->emitError() << "constant element type " << elt
                             << " has no program storage";
    }
    n.kind = rt::NodeKind::Constant;
    n.ints = {int64_t(prog.constants.size())};
    prog.constants.push_back(std::move(c));
    return success();
  }

  static void pool(rt::Node &n, ArrayRef<int64_t> kernel,
                   ArrayRef<int64_t> strides, ArrayRef<int64_t> pad,
                   bool ceil) {
    n.ints = {kernel[0], kernel[1], strides[0], strides[1], pad[0],
              pad[1],    pad[2],    pad[3],     ceil};
  }

  /// The node for `op`: one handler per row of SNNNodeKinds.def.
  LogicalResult convertOp(Operation &op, rt::Node &n, int32_t) {
    return TypeSwitch<Operation *, LogicalResult>(&op)
#define SNN_NODE_KIND(Name, Kinds, ...)                                        \
  .Case<__VA_ARGS__>([&](auto x) { return export##Name(x, n); })
#include "spikestack/Interpreter/SNNNodeKinds.def"
        .Default([&](Operation *) -> LogicalResult {
          return op.emitError() << "the program format has no node for '"
                                << op.getName() << "' (inline calls and "
                                << "lower to snn ops first)";
        });
  }

  // ---- constants, neurons, casts and quantization -------------------------
  LogicalResult exportConstant(arith::ConstantOp c, rt::Node &n) {
    auto attr = dyn_cast<ElementsAttr>(c.getValue());
    if (!attr)
      return c.emitError() << "only tensor constants are supported";
    return constant(c, attr, n);
  }

  LogicalResult exportConstant(ConstantOp c, rt::Node &n) {
    return constant(c, c.getValue(), n);
  }

  template <typename Op> static LogicalResult exportNeuron(Op x, rt::Node &n) {
    n.kind = K::Neuron;
    n.neuron = toNeuronParams(x.getNeuronAttr());
    if (auto d = x.getChannelDim())
      n.neuron.channelDim = int64_t(*d);
    auto id = [&](Value v) {
      for (auto [i, o] : llvm::enumerate(x->getOperands()))
        if (o == v)
          return n.operands[i];
      return -1;
    };
    n.operands = {id(x.getInput()),
                  x.getChannelThreshold() ? id(x.getChannelThreshold()) : -1,
                  x.getChannelReset() ? id(x.getChannelReset()) : -1,
                  x.getChannelTau() ? id(x.getChannelTau()) : -1};
    while (n.operands.size() > 1 && n.operands.back() == -1)
      n.operands.pop_back();
    return success();
  }

  static LogicalResult exportCast(CastOp c, rt::Node &n) {
    Type from = c.getInput().getType().getElementType();
    Type to = c.getOutput().getType().getElementType();
    if (auto max = getCountMax(to)) {
      n.kind = K::CastCount;
      n.ints = {*max};
    } else if (to.isF32()) {
      n.kind = K::CastF32;
      n.ints = {isa<FixedType>(from) ? fracOf(c.getInput()) : 0};
    } else {
      auto f = cast<FixedType>(to);
      n.kind = K::CastFixed;
      n.ints = {int64_t(f.getFrac()), f.getMaxRaw()};
    }
    return success();
  }

  static LogicalResult exportQuantize(QuantizeOp q, rt::Node &n) {
    auto f =
        cast<FixedType>(q.getOutput().getType().getElementType()).getFormat();
    n.kind = K::Quantize;
    n.ints = {f.width, f.frac, int64_t(toRounding(q.getRounding()))};
    return success();
  }

  static LogicalResult exportRequantize(RequantizeOp q, rt::Node &n) {
    auto f =
        cast<FixedType>(q.getOutput().getType().getElementType()).getFormat();
    n.kind = K::Requantize;
    n.ints = {fracOf(q.getInput()), f.width, f.frac,
              int64_t(toRounding(q.getRounding()))};
    return success();
  }

  // ---- synaptic operators, normalization and pooling ----------------------
  static LogicalResult exportLinear(LinearOp l, rt::Node &n) {
    n.kind = K::Linear;
    pushIntDomain(n, l.getOutput());
    return success();
  }

  static LogicalResult exportConv2d(Conv2dOp c, rt::Node &n) {
    n.kind = K::Conv2d;
    n.ints = {c.getStrides()[0],  c.getStrides()[1], c.getPad()[0],
              c.getPad()[1],      c.getPad()[2],     c.getPad()[3],
              c.getDilation()[0], c.getDilation()[1], int64_t(c.getGroups())};
    pushIntDomain(n, c.getOutput());
    return success();
  }

  static LogicalResult exportDequantize(DequantizeOp d, rt::Node &n) {
    n.kind = K::Dequantize;
    n.ints = {fracOf(d.getInput()), int64_t(d.getChannelDim())};
    return success();
  }

  static LogicalResult exportBatchNorm(BatchNormOp b, rt::Node &n) {
    n.kind = K::BatchNorm;
    n.ints = {int64_t(b.getChannelDim())};
    n.reals = {b.getEpsilon().convertToDouble()};
    return success();
  }

  static LogicalResult exportMaxPool(MaxPool2dOp p, rt::Node &n) {
    n.kind = K::MaxPool;
    pool(n, p.getKernel(), p.getStrides(), p.getPad(), p.getCeilMode());
    return success();
  }

  static LogicalResult exportAvgPool(AvgPool2dOp p, rt::Node &n) {
    n.kind = K::AvgPool;
    pool(n, p.getKernel(), p.getStrides(), p.getPad(), p.getCeilMode());
    n.ints.push_back(p.getCountIncludePad());
    return success();
  }

  // ---- residual adds, scaling, readout and attention ----------------------
  static LogicalResult exportAdd(AddOp a, rt::Node &n) {
    Type out = a.getOutput().getType().getElementType();
    n.kind = K::Add;
    n.ints = {int64_t(ref::AddKind::Float), 0, 0};
    if (isa<CountType>(out))
      n.ints[0] = int64_t(ref::AddKind::Exact);
    if (auto f = dyn_cast<FixedType>(out))
      n.ints = {int64_t(ref::AddKind::Fixed), f.getFormat().width,
                f.getFormat().frac};
    return success();
  }

  static LogicalResult exportScale(ScaleOp s, rt::Node &n) {
    n.kind = K::Scale;
    n.reals = {s.getFactor().convertToDouble()};
    return success();
  }

  static LogicalResult exportReadout(ReadoutOp r, rt::Node &n) {
    n.kind = K::Readout;
    n.ints = {0, 0, 0};
    if (auto f = dyn_cast<FixedType>(r.getOutput().getType().getElementType()))
      n.ints = {1, f.getFormat().width, f.getFormat().frac};
    n.ints.push_back(fracOf(r.getInput()));
    n.ints.push_back(int64_t(toRounding(r.getRounding())));
    n.ints.push_back(r.getKeepTime());
    for (int64_t d : r.getTokenDims())
      n.ints.push_back(d);
    return success();
  }

  static LogicalResult exportAttention(SpikingAttentionOp a, rt::Node &n) {
    n.kind = K::Attention;
    const auto ratio = a.getHeadKeepRatio();
    n.ints = {a.getVariant() == AttentionVariant::SDSA,
              int64_t(a.getNumHeads()), a.getHeadGate() ? 1 : 0,
              ratio ? 1 : 0};
    n.reals = {a.getScale().convertToDouble(),
               ratio ? ratio->convertToDouble() : 0.0};
    n.neuron = toNeuronParams(a.getNeuron());
    return success();
  }

  // ---- mixture of experts -------------------------------------------------
  static LogicalResult exportMoeGates(MoeGatesOp m, rt::Node &n) {
    n.kind = K::MoeGates;
    n.ints = {int64_t(m.getNumExperts())};
    n.reals = {m.getScale().convertToDouble()};
    return success();
  }

  static LogicalResult exportMoeRouter(MoeRouterOp r, rt::Node &n) {
    n.kind = K::MoeRouter;
    Type elt = r.getInput().getType().getElementType();
    n.ints = {int64_t(r.getTopK()),
              r.getCapacity() ? int64_t(*r.getCapacity()) : -1,
              r.getNormalizeGates() ? 1 : 0,
              r.getRouteTimeStep() ? int64_t(*r.getRouteTimeStep()) : -1,
              isa<FixedType>(elt) ? fracOf(r.getInput()) : -1};
    return success();
  }

  static LogicalResult exportMoeDispatch(MoeDispatchOp d, rt::Node &n) {
    n.kind = K::MoeDispatch;
    n.ints = {int64_t(d.getNumExperts()), int64_t(d.getCapacity())};
    return success();
  }

  static LogicalResult exportMoeCombine(MoeCombineOp, rt::Node &n) {
    n.kind = K::MoeCombine;
    return success();
  }

  LogicalResult exportMoeExperts(MoeExpertsOp x, rt::Node &n) {
    n.kind = K::MoeExperts;
    const int32_t body = int32_t(prog.graphs.size());
    prog.graphs.emplace_back();
    n.ints = {body};
    if (failed(convertBlock(x.getBody().front(), body)))
      return failure();
    for (size_t i = 0; i < prog.graphs[body].inputs.size(); ++i)
      prog.graphs[body].inputNames.push_back("arg" + std::to_string(i));
    prog.graphs[body].outputNames.assign(prog.graphs[body].outputs.size(),
                                         "result");
    return success();
  }

  // ---- shape and element-wise glue (tensor, linalg, arith) ----------------
  template <typename Op> static LogicalResult exportReshape(Op, rt::Node &n) {
    n.kind = K::Reshape;
    n.operands.resize(1);
    return success();
  }

  static LogicalResult exportEmpty(tensor::EmptyOp, rt::Node &n) {
    n.kind = K::Empty;
    n.operands.clear();
    return success();
  }

  /// The static offsets, sizes and strides of slice `s` as the node's ints.
  template <typename Op> static LogicalResult sliceInts(Op s, rt::Node &n) {
    for (auto list :
         {s.getStaticOffsets(), s.getStaticSizes(), s.getStaticStrides()})
      for (int64_t v : list) {
        if (ShapedType::isDynamic(v))
          return s.emitError() << "dynamic slices are not supported";
        n.ints.push_back(v);
      }
    return success();
  }

  static LogicalResult exportExtractSlice(tensor::ExtractSliceOp s,
                                          rt::Node &n) {
    n.kind = K::ExtractSlice;
    if (failed(sliceInts(s, n)))
      return failure();
    n.operands.resize(1);
    return success();
  }

  static LogicalResult exportInsertSlice(tensor::InsertSliceOp s,
                                         rt::Node &n) {
    n.kind = K::InsertSlice;
    if (failed(sliceInts(s, n)))
      return failure();
    n.operands.resize(2);
    return success();
  }

  static LogicalResult exportConcat(tensor::ConcatOp c, rt::Node &n) {
    n.kind = K::Concat;
    n.ints = {int64_t(c.getDim())};
    return success();
  }

  static LogicalResult exportTranspose(linalg::TransposeOp t, rt::Node &n) {
    n.kind = K::Transpose;
    n.ints.assign(t.getPermutation().begin(), t.getPermutation().end());
    n.operands.resize(1);
    return success();
  }

  template <typename Op> static LogicalResult exportBinary(Op b, rt::Node &n) {
    n.kind = K::Binary;
    n.ints = {int64_t(*toBinaryFn(b.getOperation()))};
    return success();
  }

  static LogicalResult exportNeg(arith::NegFOp, rt::Node &n) {
    n.kind = K::Neg;
    return success();
  }
};

/// SNNNodeKinds.def lists every rt::NodeKind once, in the order of
/// NodeKinds.def: a kind without a row, or a row out of order, does not
/// compile.
#define SPIKESTACK_KINDS(...) __VA_ARGS__
constexpr rt::NodeKind kExportedKinds[] = {
#define SNN_NODE_KIND(Name, Kinds, ...) SPIKESTACK_KINDS Kinds,
#include "spikestack/Interpreter/SNNNodeKinds.def"
};
#undef SPIKESTACK_KINDS
constexpr bool listsEveryKindInOrder() {
  if (std::size(kExportedKinds) != size_t(rt::kNumNodeKinds))
    return false;
  for (size_t i = 0; i < std::size(kExportedKinds); ++i)
    if (kExportedKinds[i] != rt::NodeKind(i))
      return false;
  return true;
}
static_assert(listsEveryKindInOrder(),
              "SNNNodeKinds.def must list every row of NodeKinds.def once, "
              "in order");

/// The sub-operations of the snnhw enums in the ISA's numbering, mapped by
/// name: ISA.def and SNNHW.td declare the same enumerators (and strings,
/// test/Dialect/SNNHW/isa-ops.test), so a case one lacks does not compile.
rt::LoadKind loadKind(hwd::LoadKind k) {
  switch (k) {
#define SPIKESTACK_ISA_LOAD_KIND(Name, Mnemonic)                              \
  case hwd::LoadKind::Name:                                                  \
    return rt::LoadKind::Name;
#include "spikestack/Runtime/ISA.def"
  }
  return rt::LoadKind::Weights;
}

rt::VectorFn vectorFn(hwd::VectorFn f) {
  switch (f) {
#define SPIKESTACK_ISA_VECTOR_FN(Name, Mnemonic)                              \
  case hwd::VectorFn::Name:                                                  \
    return rt::VectorFn::Name;
#include "spikestack/Runtime/ISA.def"
  }
  return rt::VectorFn::Add;
}

/// `op` as an instruction (ISA.def): the opcode whose mnemonic is the op's
/// name, each field from the op's attribute of the field's name, the
/// sub-operation from its kind or function, the flag from `dynamic`.
FailureOr<rt::Instr> exportInstr(Operation &op) {
  const int opcode = op.getName().getDialectNamespace() ==
                             hwd::SNNHWDialect::getDialectNamespace()
                         ? rt::opcodeOf(op.getName().stripDialect().str())
                         : -1;
  if (opcode < 0)
    return op.emitError() << "is not an instruction";
  rt::Instr in;
  in.op = rt::Opcode(opcode);
  const rt::InstrSpec &spec = rt::instrSpec(in.op);
  for (const rt::FieldSpec &f : spec.fields) {
    auto value = dyn_cast_or_null<IntegerAttr>(op.getAttr(f.name));
    if (!value)
      return op.emitError() << "has no integer '" << f.name
                            << "' (the instruction's field)";
    in.*f.member = value.getInt();
  }
  if (auto load = dyn_cast<hwd::LoadOp>(op))
    in.sub = uint8_t(loadKind(load.getKind()));
  if (auto vector = dyn_cast<hwd::VectorOp>(op))
    in.sub = uint8_t(vectorFn(vector.getFn()));
  in.dynamic = spec.dynamic && op.getAttr("dynamic");
  return in;
}

/// The instruction streams of `hwProgram`, one per core.
LogicalResult exportStreams(hwd::ProgramOp hwProgram, rt::Program &prog) {
  for (auto stream : hwProgram.getBody().front().getOps<hwd::StreamOp>()) {
    const size_t core = size_t(stream.getCore());
    if (core >= 4096)
      return stream.emitError() << "core number out of range";
    if (prog.streams.size() <= core)
      prog.streams.resize(core + 1);
    auto &out = prog.streams[core];
    for (Operation &op : stream.getBody().front()) {
      auto in = exportInstr(op);
      if (failed(in))
        return failure();
      out.push_back(*in);
    }
  }
  return success();
}

/// The target the program carries: a shipped preset by name, any other
/// target as the text of the file the compiler read (never its path: the
/// executor builds the target from the program's own bytes).
LogicalResult embedTarget(hwd::ProgramOp hwProgram, rt::Program &prog) {
  const std::string nameOrPath = hwProgram.getTarget().str();
  absl::StatusOr<hw::Target> target;
  if (llvm::is_contained(hw::presetNames(), nameOrPath)) {
    prog.target = nameOrPath;
    target = hw::loadTarget(nameOrPath);
  } else {
    ReadOptions options;
    options.what = "target file";
    options.maxBytes = rt::kMaxTargetDocumentBytes;
    auto text = readFile(nameOrPath, options);
    if (!text.ok())
      return hwProgram.emitError() << std::string(text.status().message());
    prog.targetDocument = std::move(*text);
    target = hw::parseTarget(prog.targetDocument, nameOrPath);
    if (target.ok())
      prog.target = target->name;
  }
  if (!target.ok())
    return hwProgram.emitError() << std::string(target.status().message());
  prog.fingerprint = rt::targetFingerprint(*target);
  if (auto st = rt::verifyProgramTarget(prog); !st.ok())
    return hwProgram.emitError()
           << "target '" << nameOrPath << "' cannot be stored in a program: "
           << std::string(st.message());
  return success();
}

/// Programs larger than rt::kMaxProgramBytes could be written but not read
/// back: refuse them here (the constants are nearly all of a program).
LogicalResult checkProgramSize(hwd::ProgramOp hwProgram,
                               const rt::Program &prog) {
  int64_t bytes = int64_t(prog.targetDocument.size());
  for (const rt::Constant &c : prog.constants)
    bytes += int64_t(c.bytes.size());
  if (bytes > rt::kMaxProgramBytes)
    return hwProgram.emitError()
           << "the program's weights and constants take " << bytes
           << " bytes; a program file holds at most " << rt::kMaxProgramBytes
           << " bytes (docs/isa.md, \"Limits\")";
  return success();
}

} // namespace

FailureOr<rt::Program> spikestack::exportProgram(ModuleOp module) {
  auto programs = llvm::to_vector(module.getOps<hwd::ProgramOp>());
  if (programs.size() != 1)
    return emitError(module.getLoc())
           << "the module holds " << programs.size()
           << " snnhw.program ops; export needs exactly one (run "
              "--snn-to-hw first)";
  hwd::ProgramOp hwProgram = programs.front();
  SmallVector<Operation *> planned = plannedOps(module);
  func::FuncOp func;
  for (Operation *op : planned) {
    auto f = op->getParentOfType<func::FuncOp>();
    if (func && f != func)
      return op->emitError() << "planned ops in more than one function; the "
                                "program format has one layer table";
    func = f;
  }
  if (!func)
    for (auto f : module.getOps<func::FuncOp>())
      if (!f.isExternal())
        func = f;
  if (!func)
    return emitError(module.getLoc()) << "no function to export";

  rt::Program prog;
  if (failed(embedTarget(hwProgram, prog)))
    return failure();
  prog.makespan = int64_t(hwProgram.getMakespan());
  prog.barriers = int64_t(hwProgram.getBarriers());
  prog.inputOffsets.assign(hwProgram.getInputOffsets().begin(),
                           hwProgram.getInputOffsets().end());

  prog.graphs.emplace_back();
  Exporter ex(prog);
  if (failed(ex.convertBlock(func.getBody().front(), 0)))
    return failure();
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    prog.graphs[0].inputNames.push_back(argumentName(func, i));
  for (unsigned i = 0; i < func.getNumResults(); ++i)
    prog.graphs[0].outputNames.push_back(resultName(func, i));

  // Layers: the planned ops in program order (--snn-lower-to-hw's numbers).
  for (Operation *op : planned) {
    rt::Layer layer;
    auto [g, node] = ex.nodeOf.lookup(op);
    layer.node = node;
    layer.op = op->getName().getStringRef().str();
    prog.graphs[0].nodes[node].layer = int32_t(prog.layers.size());
    auto tilings = op->getAttrOfType<ArrayAttr>(snn::kTilingAttr);
    if (!tilings)
      return op->emitError() << "has no snn.tiling; run --snn-to-hw first";
    SmallVector<Operation *> owners;
    if (auto experts = dyn_cast<MoeExpertsOp>(op)) {
      owners = expertBodyOps(experts);
      if (owners.size() != tilings.size())
        return op->emitError() << "has " << tilings.size() << " tilings for "
                               << owners.size() << " expert body ops";
      layer.ownerGraph = ex.nodeOf.lookup(owners.front()).first;
    } else {
      owners.assign(tilings.size(), op);
    }
    for (auto [attr, owner] : llvm::zip(tilings, owners)) {
      auto t = cast<TilingAttr>(attr);
      layer.tilings.push_back(t.toRuntime());
      layer.owners.push_back(ex.nodeOf.lookup(owner).second);
      Operation *e = fusedEpilogue(owner);
      layer.epilogues.push_back(e ? ex.nodeOf.lookup(e).second : -1);
    }
    prog.layers.push_back(std::move(layer));
  }

  if (failed(exportStreams(hwProgram, prog)))
    return failure();
  if (failed(checkProgramSize(hwProgram, prog)))
    return failure();
  if (auto st = rt::verifyProgram(prog); !st.ok())
    return hwProgram.emitError()
           << "internal error: exported program does not verify: "
           << std::string(st.message());
  return prog;
}

void spikestack::registerProgramTranslations() {
  auto dialects = [](DialectRegistry &registry) {
    registry.insert<snn::SNNDialect, hwd::SNNHWDialect, func::FuncDialect,
                    arith::ArithDialect, tensor::TensorDialect,
                    linalg::LinalgDialect>();
  };
  // Exports the module and prints `render(program)`.
  auto translation = [](std::string (*render)(const rt::Program &)) {
    return [render](Operation *op, llvm::raw_ostream &os) -> LogicalResult {
      auto module = dyn_cast<ModuleOp>(op);
      if (!module)
        return op->emitError() << "expected a module";
      auto p = exportProgram(module);
      if (failed(p))
        return failure();
      os << render(*p);
      return success();
    };
  };
  TranslateFromMLIRRegistration isa(
      "emit-isa", "emit the binary program container of an snnhw program",
      translation(&rt::encodeProgram), dialects);
  TranslateFromMLIRRegistration asmText(
      "emit-asm", "emit the textual assembly of an snnhw program",
      translation(&rt::disassemble), dialects);
}
