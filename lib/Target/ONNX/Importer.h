//===- Importer.h - ONNX graph to snn ops (private) -------------*- C++ -*-===//
//
// The importer's state, shared by ImportONNX.cpp (pattern matching of
// neurons and attention, the translation), EmitOps.cpp (Importer::emit and
// one emitter per ONNX op kind) and RaiseMoE.cpp (mixture-of-experts
// routing).
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_LIB_TARGET_ONNX_IMPORTER_H
#define SPIKESTACK_LIB_TARGET_ONNX_IMPORTER_H

#include "ONNXGraph.h"
#include "RaiseNeurons.h"

#include "spikestack/Dialect/SNN/IR/SNNOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>
#include <map>
#include <set>

namespace spikestack::onnx_import {
namespace snn = spikestack::snn;
// A private header of the importer: MLIR names unqualified, as in the
// .cpp files that include it.
using namespace mlir;

/// Spikformer's SSA as traced: attention neuron on
/// Reshape(Transpose(MatMul(Mul(MatMul(Qh, KhT), s), Vh))), where Qh, Vh =
/// Transpose(Reshape(q|v, [T,B,N,H,d]), [0,1,3,2,4]) and KhT =
/// Transpose(Reshape(k, ...), [0,1,3,4,2]).
struct AttentionMatch {
  bool spikeDriven = false; ///< SDSA (else SSA)
  std::string q, k, v;      ///< [T, B, N, C] spikes
  int64_t heads = 1;
  double scale = 1.0;
  const RaisedNeuron *neuron = nullptr;
  std::set<const onnx::NodeProto *> absorbed;
  /// Mixture of heads: the value [1, B, H, N, 1] that weights the head
  /// outputs, and the router it was verified to compute (RaiseMoE.cpp).
  std::string headGate;
  std::shared_ptr<struct MoEMatch> headRouter;
  double headGateScale = 1.0;
};

/// A GShard mixture-of-experts layer (RaiseMoE.cpp), emitted at `anchor`,
/// the combine Einsum.
struct MoEMatch {
  struct Expert {
    std::string input, output; ///< its buffer (a Gather) and its result
    std::vector<const onnx::NodeProto *> nodes; ///< empty: a zero expert
  };
  const onnx::NodeProto *anchor = nullptr;
  std::string routerInput, dispatchInput, gateWeight;
  std::optional<std::string> gateBias;
  std::optional<int64_t> timeStep;
  int64_t topK = 1, numExperts = 0;
  std::optional<int64_t> capacity; ///< GShard: the router's capacity
  bool normalize = false;
  /// Dense gates (every expert on every token, Sum_e gate_e * y_e): raised
  /// to the sparse form, which is equivalent for token-wise experts
  /// (checked on the emitted body).
  bool dense = false;
  int64_t stackAxis = 1; ///< the expert axis of the stacked outputs
  std::vector<Expert> experts;
};

enum class ExitKind { Dispatch, Combine, DenseGate };

/// What the routing cone of an MoE router feeds (RaiseMoE.cpp): its exits
/// and the nodes of the layer around them.
struct MoEExits {
  std::vector<std::pair<std::string, ExitKind>> exits;
  const onnx::NodeProto *dispatchE = nullptr, *combineE = nullptr,
                        *stack = nullptr, *anchor = nullptr;
  bool einsumFed = false; ///< some exit feeds an Einsum
};

/// Largest element count of any value the importer emits (2^31; the
/// interpreter's own limit is lower, 2^28).
inline constexpr int64_t kMaxImportElements = int64_t(1) << 31;

class Importer {
public:
  Importer(Graph &g, MLIRContext *ctx)
      : g(g), ctx(ctx), builder(ctx),
        fileLoc(FileLineColLoc::get(ctx, g.path, 0, 0)) {}

  OwningOpRef<ModuleOp> run();

private:
  Graph &g;
  MLIRContext *ctx;
  OpBuilder builder;
  Location fileLoc;
  std::map<std::string, Value> env;
  std::map<std::string, const onnx::NodeProto *> producer;
  std::map<std::string, std::vector<const onnx::NodeProto *>> consumers;
  std::vector<RaisedNeuron> neurons;
  std::map<const onnx::NodeProto *, const RaisedNeuron *> neuronAt;
  std::map<const onnx::NodeProto *, AttentionMatch> attentionAt;
  std::set<const onnx::NodeProto *> absorbed;
  /// Nodes folded into an op emitted earlier (a bias Add into its linear
  /// layer, the time mean into its readout) -> that earlier node.
  std::map<const onnx::NodeProto *, const onnx::NodeProto *> foldedInto;
  std::set<std::string> blobNames;

  Location loc(const onnx::NodeProto &n) {
    return NameLoc::get(
        StringAttr::get(ctx, n.name().empty() ? n.output(0) : n.name()),
        fileLoc);
  }
  InFlightDiagnostic error(const onnx::NodeProto &n) {
    return emitError(loc(n)) << describeNode(n, g) << ": ";
  }

  /// Records on the op defining `v` that it computes ONNX tensor `name`
  /// (`snn.onnx_name`, read by `snn-run --dump-tagged`).
  void tagONNX(Value v, const std::string &name) {
    if (Operation *op = v.getDefiningOp())
      op->setAttr(snn::kOnnxNameAttr, builder.getStringAttr(name));
  }

  const ValueInfo &info(const std::string &name) { return g.values[name]; }
  std::vector<int64_t> shapeOf(const std::string &name) {
    return *info(name).shape;
  }
  const Constant *constantOf(const std::string &name) {
    auto it = g.values.find(name);
    return it == g.values.end() ? nullptr : it->second.constant.get();
  }
  bool singleUse(const std::string &name) {
    auto it = consumers.find(name);
    return it != consumers.end() && it->second.size() == 1 &&
           std::find(g.outputs.begin(), g.outputs.end(), name) ==
               g.outputs.end();
  }
  /// True if every use of `name` is by a node of `allowed`.
  bool usedOnlyBy(const std::string &name,
                  const std::set<const onnx::NodeProto *> &allowed) {
    if (std::find(g.outputs.begin(), g.outputs.end(), name) != g.outputs.end())
      return false;
    auto it = consumers.find(name);
    if (it == consumers.end())
      return true;
    return llvm::all_of(it->second, [&](auto *u) { return allowed.count(u); });
  }
  const onnx::NodeProto *onlyUser(const std::string &name) {
    return singleUse(name) ? consumers[name].front() : nullptr;
  }

  RankedTensorType f32Type(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, builder.getF32Type());
  }

  /// An f32 constant: dense for small tensors, a dense_resource blob
  /// (not printed inline) for weights. The blob references `owner`'s bytes
  /// (no copy) and keeps them alive.
  Value f32Constant(const std::string &name, ArrayRef<int64_t> shape,
                    ArrayRef<float> data, std::shared_ptr<const void> owner) {
    auto type = f32Type(shape);
    if (data.size() <= 16)
      return arith::ConstantOp::create(builder, fileLoc, type,
                                       DenseElementsAttr::get(type, data));
    std::string key;
    for (char c : name)
      key += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    if (key.empty() || std::isdigit(static_cast<unsigned char>(key[0])))
      key = "w_" + key;
    std::string unique = key;
    for (int i = 1; blobNames.count(unique); ++i)
      unique = key + "_" + std::to_string(i);
    blobNames.insert(unique);
    auto blob = UnmanagedAsmResourceBlob::allocateInferAlign(
        data, [owner = std::move(owner)](void *, size_t, size_t) mutable {
          owner.reset();
        });
    auto attr = DenseResourceElementsAttr::get(type, unique, std::move(blob));
    return arith::ConstantOp::create(builder, fileLoc, type, attr);
  }
  Value f32Constant(const std::string &name, ArrayRef<int64_t> shape,
                    std::vector<float> data) {
    auto owned = std::make_shared<std::vector<float>>(std::move(data));
    ArrayRef<float> view(*owned);
    return f32Constant(name, shape, view, std::move(owned));
  }
  /// A constant of the model as f32, sharing its bytes when they are f32.
  Value f32Constant(const std::string &name, const Constant &c) {
    if (c.elemType == onnx::TensorProto::FLOAT) {
      ArrayRef<float> view(reinterpret_cast<const float *>(c.bytes->data()),
                           c.bytes->size() / sizeof(float));
      return f32Constant(name, c.shape, view, c.bytes);
    }
    return f32Constant(name, c.shape, floatsOf(c));
  }

  /// A 2-D constant [R, C] as f32 [C, R] (MatMul's [in, out] weights in
  /// the [out, in] layout of snn.linear and snn.moe_router).
  std::vector<float> transposed(const Constant &c) {
    const int64_t rows = c.shape[0], cols = c.shape[1];
    const std::vector<float> src = floatsOf(c);
    std::vector<float> out(src.size());
    for (int64_t i = 0; i < cols; ++i)
      for (int64_t j = 0; j < rows; ++j)
        out[i * rows + j] = src[j * cols + i];
    return out;
  }

  std::vector<float> floatsOf(const Constant &c) {
    std::vector<float> out(ref::numElements(c.shape));
    if (c.elemType == onnx::TensorProto::FLOAT) {
      std::memcpy(out.data(), c.bytes->data(), out.size() * sizeof(float));
    } else if (c.values) {
      for (size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<float>(c.values->data[i]);
    }
    return out;
  }

  /// The value of input `i` of node `n` (see operand).
  FailureOr<Value> nodeInput(const onnx::NodeProto &n, int i) {
    return operand(n, n.input(i));
  }
  /// The name of the first output of `n` ("" if it has none): what the
  /// node's emitter defines in `env` and tags the op with.
  static std::string outputName(const onnx::NodeProto &n) {
    return n.output_size() ? n.output(0) : "";
  }

  /// The value of `name`: an emitted value, or a materialized f32 constant.
  FailureOr<Value> operand(const onnx::NodeProto &n, const std::string &name) {
    auto it = env.find(name);
    if (it != env.end())
      return it->second;
    const Constant *c = constantOf(name);
    if (c && (c->elemType == onnx::TensorProto::FLOAT ||
              c->elemType == onnx::TensorProto::DOUBLE)) {
      Value v = f32Constant(name, *c);
      env[name] = v;
      return v;
    }
    return error(n) << "input '" << name
                    << "' is not a value the importer can use here";
  }

  Value asF32(Value v) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getElementType().isF32())
      return v;
    return snn::CastOp::create(builder, v.getLoc(), f32Type(t.getShape()), v);
  }

  Value reshape(Location l, Value v, ArrayRef<int64_t> shape) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getShape() == shape)
      return v;
    auto shapeType =
        RankedTensorType::get({int64_t(shape.size())}, builder.getI64Type());
    Value s = arith::ConstantOp::create(
        builder, l, shapeType, DenseElementsAttr::get(shapeType, shape));
    return tensor::ReshapeOp::create(
        builder, l, RankedTensorType::get(shape, t.getElementType()), v, s);
  }

  Value transpose(Location l, Value v, ArrayRef<int64_t> perm) {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> shape;
    for (int64_t p : perm)
      shape.push_back(t.getDimSize(p));
    Value init = tensor::EmptyOp::create(builder, l, shape, t.getElementType());
    return linalg::TransposeOp::create(builder, l, v, init, perm)->getResult(0);
  }

  /// Repeats `v` along dimensions to reach `shape` (Tile and Expand).
  Value repeatTo(Location l, Value v, ArrayRef<int64_t> shape) {
    auto t = cast<RankedTensorType>(v.getType());
    for (int64_t d = 0; d < int64_t(shape.size()); ++d) {
      const int64_t have = cast<RankedTensorType>(v.getType()).getDimSize(d);
      if (have == shape[d])
        continue;
      SmallVector<Value> copies(shape[d] / have, v);
      SmallVector<int64_t> outShape(
          cast<RankedTensorType>(v.getType()).getShape());
      outShape[d] = shape[d];
      v = tensor::ConcatOp::create(
          builder, l, RankedTensorType::get(outShape, t.getElementType()), d,
          copies);
    }
    return v;
  }

  FailureOr<ref::NeuronParams> snnDomainNeuron(const onnx::NodeProto &n);
  void index();
  LogicalResult matchAttention();
  void matchSpikeDrivenAttention();
  /// name = Transpose(Reshape(x [T,B,N,C], [T,B,N,H,d]), perm): records x
  /// and H in `m`, and the two nodes in m.absorbed.
  bool headSplit(AttentionMatch &m, const std::string &name,
                 const std::vector<int64_t> &perm, std::string &x);
  const onnx::NodeProto *producerOf(const std::string &name, const char *op) {
    auto it = producer.find(name);
    if (it == producer.end() || it->second->op_type() != op ||
        absorbed.count(it->second))
      return nullptr;
    return it->second;
  }
  /// Emits node `n` (EmitOps.cpp): its raised pattern, or the emitter of
  /// its op kind from a table keyed by op_type.
  LogicalResult emit(const onnx::NodeProto &n);
  LogicalResult emitAttention(const onnx::NodeProto &n,
                              const AttentionMatch &m);
  LogicalResult emitNeuron(const onnx::NodeProto &n, const RaisedNeuron &r);
  /// One emitter per ONNX op kind (the table in emit).
  LogicalResult emitIdentity(const onnx::NodeProto &n);
  LogicalResult emitReshape(const onnx::NodeProto &n);
  LogicalResult emitTranspose(const onnx::NodeProto &n);
  LogicalResult emitSlice(const onnx::NodeProto &n);
  LogicalResult emitRepeat(const onnx::NodeProto &n);
  LogicalResult emitConv(const onnx::NodeProto &n);
  LogicalResult emitBatchNorm(const onnx::NodeProto &n);
  LogicalResult emitMaxPool(const onnx::NodeProto &n);
  LogicalResult emitMatMul(const onnx::NodeProto &n);
  LogicalResult emitAdd(const onnx::NodeProto &n);
  LogicalResult emitReduceMean(const onnx::NodeProto &n);
  /// Finds GShard MoE layers; an error when a router is recognised but
  /// does not compute snn.moe_router's routing.
  LogicalResult matchMoE();
  void findMoEExits(const std::vector<const onnx::NodeProto *> &cone,
                    const std::set<const onnx::NodeProto *> &coneSet,
                    int64_t E, MoEMatch &m, MoEExits &x,
                    std::set<const onnx::NodeProto *> &moeNodes);
  LogicalResult matchExperts(MoEMatch &m, const MoEExits &x,
                             std::set<const onnx::NodeProto *> &moeNodes);
  LogicalResult verifyRouting(const onnx::NodeProto &sm,
                              const std::vector<const onnx::NodeProto *> &cone,
                              const std::string &logits, const MoEExits &x,
                              int64_t B, int64_t N, int64_t C, MoEMatch &m);
  /// Verifies that `m.headGate` is a top-k router's dense gates (times 1 or
  /// K) and records the router; adds its nodes to m.absorbed.
  LogicalResult matchHeadGate(AttentionMatch &m);
  /// snn.moe_router on `x` [T, B, N, D] for the router `r`.
  snn::MoeRouterOp emitRouter(Location l, const MoEMatch &r, Value x);
  /// snn.moe_router + snn.moe_gates for a mixture-of-heads router: the
  /// dense gates [B, N, H].
  FailureOr<Value> emitHeadGates(const onnx::NodeProto &n, const MoEMatch &r,
                                 double scale, int64_t heads);
  /// The routing cone of `logits`: nodes whose non-constant inputs all
  /// come from it, in graph order.
  void routingCone(const std::string &logits,
                   std::vector<const onnx::NodeProto *> &cone,
                   std::set<const onnx::NodeProto *> &coneSet);
  /// Finds what Softmax `sm`'s logits are computed from (MatMul with
  /// constant weights, optional bias, on one time step or the time mean)
  /// and records it in `m`, adding the nodes to `nodes`.
  LogicalResult traceRouter(const onnx::NodeProto &sm, MoEMatch &m,
                            std::set<const onnx::NodeProto *> &nodes);
  /// Evaluates `cone` with the logits set to `L`; false (and why) when a
  /// node cannot be evaluated.
  bool
  evaluateCone(const std::vector<const onnx::NodeProto *> &cone,
               const std::string &logits, const ref::Tensor &L,
               std::map<std::string, std::shared_ptr<const Constant>> &vals,
               std::string &why);
  LogicalResult emitMoE(const onnx::NodeProto &n, const MoEMatch &m);
  LogicalResult emitExpertBody(const onnx::NodeProto &n, const MoEMatch &m,
                               int64_t e, Block &block,
                               RankedTensorType argType, int64_t T, int64_t B,
                               int64_t C);
  /// Runs an expert body on shifted tokens: an error unless each token's
  /// output depends on that token alone.
  LogicalResult checkTokenWise(const onnx::NodeProto &n, Block &body,
                               int64_t expert);
  std::map<const onnx::NodeProto *, MoEMatch> moeAt;
  std::set<const onnx::NodeProto *> moeAbsorbed;
  LogicalResult emitLinear(const onnx::NodeProto &n, Value x,
                           ArrayRef<int64_t> xShape,
                           std::vector<float> weightNK, int64_t N, int64_t K,
                           const std::string &weightName,
                           std::optional<std::vector<float>> bias,
                           const std::string &out);
};

} // namespace spikestack::onnx_import

#endif
