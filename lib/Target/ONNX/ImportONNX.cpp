//===- ImportONNX.cpp - ONNX to the snn dialect ----------------------------===//
#include "spikestack/Target/ONNX/ImportONNX.h"

#include "Importer.h"

#include "spikestack/Dialect/SNN/IR/SNNOps.h"
#include "spikestack/Support/FileUtil.h"

#include "llvm/Support/MemoryBuffer.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/SourceMgr.h"

#include <cstring>
#include <set>

using namespace mlir;
using namespace spikestack;
using namespace spikestack::onnx_import;
namespace snn = spikestack::snn;

FailureOr<ref::NeuronParams>
Importer::snnDomainNeuron(const onnx::NodeProto &n) {
  ref::NeuronParams p;
  p.leaky = n.op_type() == "LIF";
  const std::string reset = attrString(n, "reset").empty()
                                ? "hard"
                                : attrString(n, "reset");
  const std::string compare = attrString(n, "compare").empty()
                                  ? "ge"
                                  : attrString(n, "compare");
  if ((reset != "hard" && reset != "soft") ||
      (compare != "ge" && compare != "gt"))
    return error(n) << "reset must be \"hard\" or \"soft\" and compare "
                       "\"ge\" or \"gt\"";
  p.hardReset = reset == "hard";
  p.compareGE = compare == "ge";
  p.tau = attrFloat(n, "tau", 2.0f);
  p.decayInput = attrInt(n, "decay_input", 1) != 0;
  p.vThreshold = attrFloat(n, "v_threshold", 1.0f);
  p.vReset = attrFloat(n, "v_reset", 0.0f);
  // V * k + X with k computed by PyTorch in double from a Python tau: the
  // exporter writes k itself (docs/onnx.md); tau = 1 / (1 - k) reproduces
  // it in snn.lif, which computes k = f32(1 - 1/tau).
  for (const auto &a : n.attribute())
    if (a.name() == "leak_factor") {
      const double fromK = 1.0 / (1.0 - double(a.f()));
      if (!(a.f() > 0.0f && a.f() < 1.0f) ||
          float(1.0 - 1.0 / fromK) != a.f())
        return error(n) << "leak_factor " << a.f()
                        << " is not f32(1 - 1/tau) for any tau >= 1";
      p.tau = fromK;
    }
  if (p.leaky && !(p.tau >= 1.0))
    return error(n) << "tau must be >= 1, got " << p.tau;
  return p;
}

void Importer::index() {
  for (const onnx::NodeProto *n : g.nodes) {
    for (const std::string &o : n->output())
      producer[o] = n;
    for (const std::string &in : n->input())
      if (!in.empty())
        consumers[in].push_back(n);
  }
  for (const RaisedNeuron &r : neurons) {
    neuronAt[r.concat] = &r;
    absorbed.insert(r.absorbed.begin(), r.absorbed.end());
  }
}

bool Importer::headSplit(AttentionMatch &m, const std::string &name,
                         const std::vector<int64_t> &perm, std::string &x) {
  const onnx::NodeProto *t = producerOf(name, "Transpose");
  if (!t || attrInts(*t, "perm").value_or(std::vector<int64_t>{}) != perm)
    return false;
  const onnx::NodeProto *rs = producerOf(t->input(0), "Reshape");
  if (!rs)
    return false;
  auto in = shapeOf(rs->input(0)), out = shapeOf(rs->output(0));
  if (in.size() != 4 || out.size() != 5 || out[0] != in[0] ||
      out[1] != in[1] || out[2] != in[2] || out[3] * out[4] != in[3])
    return false;
  if (m.heads != 1 && m.heads != out[3])
    return false;
  m.heads = out[3];
  x = rs->input(0);
  m.absorbed.insert(t);
  m.absorbed.insert(rs);
  return true;
}

void Importer::matchSpikeDrivenAttention() {
  // out = Mul(Qh, S) with S = neuron(ReduceSum(Mul(Kh, Vh), tokens, keep)).
  for (const onnx::NodeProto *mul : g.nodes) {
    if (mul->op_type() != "Mul" || absorbed.count(mul) ||
        mul->input_size() != 2)
      continue;
    for (int qi = 0; qi < 2; ++qi) {
      AttentionMatch m;
      m.spikeDriven = true;
      auto np = producer.find(mul->input(1 - qi));
      if (np == producer.end() || !neuronAt.count(np->second))
        continue;
      const RaisedNeuron *neuron = neuronAt[np->second];
      const onnx::NodeProto *sum = producerOf(neuron->input, "ReduceSum");
      if (!sum || attrInt(*sum, "keepdims", 1) != 1 || sum->input_size() < 2)
        continue;
      const Constant *axes = constantOf(sum->input(1));
      if (!axes || !axes->values || axes->values->numel() != 1)
        continue;
      const int64_t axis = int64_t(axes->values->data[0]);
      if (axis != -2 && axis != 3)
        continue; // the token axis of [T, B, H, N, d]
      const onnx::NodeProto *kv = producerOf(sum->input(0), "Mul");
      if (!kv ||
          !headSplit(m, mul->input(qi), {0, 1, 3, 2, 4}, m.q) ||
          !headSplit(m, kv->input(0), {0, 1, 3, 2, 4}, m.k) ||
          !headSplit(m, kv->input(1), {0, 1, 3, 2, 4}, m.v))
        continue;
      m.neuron = neuron;
      m.absorbed.insert({kv, sum});
      std::set<const onnx::NodeProto *> inside = m.absorbed;
      inside.insert(neuron->absorbed.begin(), neuron->absorbed.end());
      inside.insert(np->second);
      inside.insert(mul);
      bool private_ = usedOnlyBy(np->second->output(0), inside);
      for (const onnx::NodeProto *n : m.absorbed)
        private_ = private_ && usedOnlyBy(n->output(0), inside);
      if (!private_)
        continue;
      // The neuron is part of the attention op now.
      m.absorbed.insert(np->second);
      absorbed.insert(m.absorbed.begin(), m.absorbed.end());
      neuronAt.erase(np->second);
      attentionAt[mul] = m;
      break;
    }
  }
}

LogicalResult Importer::matchAttention() {
  auto permOf = [&](const onnx::NodeProto *t) {
    return attrInts(*t, "perm").value_or(std::vector<int64_t>{});
  };
  for (const RaisedNeuron &r : neurons) {
    AttentionMatch m;
    m.neuron = &r;
    // X = Reshape(Transpose(AV, [0,1,3,2,4]), [T,B,N,C])
    const onnx::NodeProto *outReshape = producerOf(r.input, "Reshape");
    if (!outReshape)
      continue;
    const onnx::NodeProto *outT = producerOf(outReshape->input(0), "Transpose");
    if (!outT || permOf(outT) != std::vector<int64_t>{0, 1, 3, 2, 4})
      continue;
    const onnx::NodeProto *av = producerOf(outT->input(0), "MatMul");
    const onnx::NodeProto *gated = nullptr;
    if (!av) {
      // Mixture of heads: Mul(A V, gate [1, B, H, N, 1]).
      gated = producerOf(outT->input(0), "Mul");
      for (int i = 0; gated && i < 2 && !av; ++i)
        if ((av = producerOf(gated->input(i), "MatMul")))
          m.headGate = gated->input(1 - i);
      if (!av || constantOf(m.headGate))
        continue;
    }
    const onnx::NodeProto *scaled = producerOf(av->input(0), "Mul");
    const onnx::NodeProto *qk = nullptr;
    if (scaled) {
      for (int i = 0; i < 2 && !qk; ++i) {
        const Constant *s = constantOf(scaled->input(1 - i));
        if (s && s->values && s->values->numel() == 1) {
          qk = producerOf(scaled->input(i), "MatMul");
          m.scale = s->values->data[0];
        }
      }
    } else {
      qk = producerOf(av->input(0), "MatMul");
    }
    if (!qk)
      continue;
    if (!headSplit(m, qk->input(0), {0, 1, 3, 2, 4}, m.q) ||
        !headSplit(m, qk->input(1), {0, 1, 3, 4, 2}, m.k) ||
        !headSplit(m, av->input(1), {0, 1, 3, 2, 4}, m.v))
      continue;
    // Every intermediate must be used only inside the pattern (the last
    // one by the attention neuron's time-step reads).
    m.absorbed.insert({outReshape, outT, av, qk});
    if (scaled)
      m.absorbed.insert(scaled);
    if (gated) {
      m.absorbed.insert(gated);
      if (failed(matchHeadGate(m)))
        return failure();
    }
    std::set<const onnx::NodeProto *> inside = m.absorbed;
    inside.insert(r.absorbed.begin(), r.absorbed.end());
    inside.insert(r.concat); // the neuron itself (an snn::LIF node)
    bool private_ = true;
    for (const onnx::NodeProto *n : m.absorbed)
      private_ = private_ && usedOnlyBy(n->output(0), inside);
    if (!private_)
      continue;
    absorbed.insert(m.absorbed.begin(), m.absorbed.end());
    attentionAt[r.concat] = m;
  }
  return success();
}

LogicalResult Importer::emitLinear(const onnx::NodeProto &n, Value x,
                                   ArrayRef<int64_t> xShape,
                                   std::vector<float> weightNK, int64_t N,
                                   int64_t K, const std::string &weightName,
                                   std::optional<std::vector<float>> bias,
                                   const std::string &out) {
  Location l = loc(n);
  Value w = f32Constant(weightName, {N, K}, std::move(weightNK));
  Value b;
  if (bias)
    b = f32Constant(weightName + "_bias", {N}, std::move(*bias));
  SmallVector<int64_t> outShape(xShape);
  outShape.back() = N;
  env[out] = snn::LinearOp::create(builder, l, f32Type(outShape), x, w, b);
  return success();
}

OwningOpRef<ModuleOp> Importer::run() {
  auto raised = raiseNeurons(g);
  if (!raised.ok()) {
    emitError(fileLoc) << std::string(raised.status().message());
    return nullptr;
  }
  neurons = std::move(*raised);
  // Neurons exported as one snn::LIF / snn::IF node are raised already.
  for (const onnx::NodeProto *n : g.nodes) {
    if (n->domain() != "snn" || (n->op_type() != "LIF" && n->op_type() != "IF"))
      continue;
    auto params = snnDomainNeuron(*n);
    if (failed(params))
      return nullptr;
    neurons.push_back({n, n->input(0), *params, {}});
  }
  index();
  if (failed(matchAttention()))
    return nullptr;
  matchSpikeDrivenAttention();
  if (failed(matchMoE()))
    return nullptr;

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  builder.setInsertionPointToEnd(module->getBody());
  SmallVector<Type> argTypes, resultTypes;
  for (const std::string &name : g.inputs) {
    if (info(name).elemType != onnx::TensorProto::FLOAT) {
      emitError(fileLoc) << "input '" << name << "' has element type "
                         << elemTypeName(info(name).elemType)
                         << "; only FLOAT inputs are supported";
      return nullptr;
    }
    argTypes.push_back(f32Type(shapeOf(name)));
  }
  for (const std::string &name : g.outputs)
    resultTypes.push_back(f32Type(shapeOf(name)));
  auto func = func::FuncOp::create(builder, fileLoc, "main",
                                   builder.getFunctionType(argTypes, resultTypes));
  Block *body = func.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(g.inputs)) {
    func.setArgAttr(i, snn::kNameAttr, builder.getStringAttr(name));
    env[name] = body->getArgument(i);
  }
  for (auto [i, name] : llvm::enumerate(g.outputs))
    func.setResultAttr(i, snn::kNameAttr, builder.getStringAttr(name));
  builder.setInsertionPointToEnd(body);

  for (const onnx::NodeProto *n : g.nodes) {
    if (moeAbsorbed.count(n) || (absorbed.count(n) && !neuronAt.count(n)))
      continue;
    if (failed(emit(*n)))
      return nullptr;
  }
  SmallVector<Value> results;
  for (const std::string &name : g.outputs) {
    auto it = env.find(name);
    if (it == env.end()) {
      emitError(fileLoc) << "graph output '" << name << "' was not produced";
      return nullptr;
    }
    results.push_back(asF32(it->second));
  }
  func::ReturnOp::create(builder, fileLoc, results);
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

static OwningOpRef<ModuleOp>
importONNXImpl(const std::string &path, std::optional<llvm::StringRef> contents,
               MLIRContext *context, const ONNXImportOptions &options) {
  context->loadDialect<snn::SNNDialect, func::FuncDialect, arith::ArithDialect,
                       tensor::TensorDialect, linalg::LinalgDialect>();
  auto graph = contents ? loadGraph(path, options.inputShapes,
                                    std::string_view(contents->data(),
                                                     contents->size()))
                        : loadGraph(path, options.inputShapes);
  if (!graph.ok()) {
    emitError(FileLineColLoc::get(context, path, 0, 0))
        << std::string(graph.status().message());
    return nullptr;
  }
  return Importer(*graph, context).run();
}

OwningOpRef<ModuleOp>
spikestack::importONNX(const std::string &path, MLIRContext *context,
                       const ONNXImportOptions &options) {
  if (path == "-") {
    // protobuf's hard message limit.
    auto in = spikestack::readFile(
        "-", spikestack::ReadOptions{"ONNX model", INT32_MAX, true});
    if (!in.ok()) {
      emitError(UnknownLoc::get(context)) << std::string(in.status().message());
      return nullptr;
    }
    return importONNXImpl("<stdin>", llvm::StringRef(*in), context, options);
  }
  return importONNXImpl(path, std::nullopt, context, options);
}

OwningOpRef<ModuleOp>
spikestack::importONNXFromBuffer(llvm::StringRef contents,
                                 const std::string &name, MLIRContext *context,
                                 const ONNXImportOptions &options) {
  return importONNXImpl(name, contents, context, options);
}

//===----------------------------------------------------------------------===//
// Translation registration
//===----------------------------------------------------------------------===//

static llvm::cl::list<std::string> inputShapeOption(
    "input-shape",
    llvm::cl::desc("Static shape of a dynamic ONNX input, NAME=1x3x32x32"),
    llvm::cl::value_desc("NAME=DxDx..."));

bool spikestack::parseInputShapeSpecs(const std::vector<std::string> &specs,
                                      ONNXImportOptions &options,
                                      std::string &error) {
  for (const std::string &spec : specs) {
    const size_t eq = spec.find('=');
    std::vector<int64_t> dims;
    bool ok = eq != std::string::npos && eq > 0;
    for (size_t pos = eq + 1; ok && pos <= spec.size();) {
      size_t x = spec.find('x', pos);
      if (x == std::string::npos)
        x = spec.size();
      const std::string d = spec.substr(pos, x - pos);
      ok = !d.empty() && d.size() < 12 &&
           d.find_first_not_of("0123456789") == std::string::npos &&
           std::stoll(d) > 0;
      if (ok)
        dims.push_back(std::stoll(d));
      pos = x + 1;
    }
    if (!ok) {
      error = "--input-shape expects NAME=DxDx... with positive sizes, got '" +
              spec + "'";
      return false;
    }
    options.inputShapes[spec.substr(0, eq)] = dims;
  }
  return true;
}

std::vector<std::string> spikestack::inputShapeSpecsFromCommandLine() {
  return std::vector<std::string>(inputShapeOption.begin(),
                                  inputShapeOption.end());
}

void spikestack::registerONNXImportTranslation() {
  TranslateToMLIRRegistration registration(
      "import-onnx", "import an ONNX model into the snn dialect",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        const auto *buffer = sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        const std::string path = buffer->getBufferIdentifier().str();
        ONNXImportOptions options;
        std::string error;
        if (!parseInputShapeSpecs(inputShapeSpecsFromCommandLine(), options,
                                  error)) {
          emitError(UnknownLoc::get(context)) << error;
          return nullptr;
        }
        auto module =
            importONNXImpl(path, buffer->getBuffer(), context, options);
        if (!module)
          return nullptr;
        return OwningOpRef<Operation *>(module.release());
      },
      [](DialectRegistry &registry) {
        registry.insert<snn::SNNDialect, func::FuncDialect, arith::ArithDialect,
                        tensor::TensorDialect, linalg::LinalgDialect>();
      });
}
