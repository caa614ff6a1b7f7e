//===- ONNXGraph.h - a folded, shape-inferred view of an ONNX model -*- C++ -*-===//
//
// Loads an ONNX ModelProto (with external data), validates what the importer
// supports, folds the exporter's shape plumbing (Shape/Gather/Concat/
// Reshape/... chains on constants) and runs ONNX's own shape inference to a
// fixpoint, so that every value the importer emits has a static shape.
// Weights stay as the bytes of the file (no conversion), so memory is
// proportional to the model size.
//
// One concept per file: TensorIO.cpp (element types, attributes, tensor
// decoding), ConstantFolding.cpp (the per-op evaluator and folding),
// ShapeInference.cpp (ONNX's inference in a child process and the shapes
// it misses), ONNXGraph.cpp (parsing, validation and loadGraph).
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_LIB_TARGET_ONNX_ONNXGRAPH_H
#define SPIKESTACK_LIB_TARGET_ONNX_ONNXGRAPH_H

#include "spikestack/Reference/Kernels.h"

#include "absl/status/statusor.h"

#include <onnx/onnx_pb.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace spikestack::onnx_import {

/// Opsets of the default domain the importer understands.
inline constexpr int64_t kMinOpset = 13, kMaxOpset = 17, kMaxIRVersion = 8;

/// A tensor of doubles that may be decoded from bytes on first use: the
/// weights of a model are decoded only if folding or raising reads them
/// (doubles take twice the memory of float32 weights).
class LazyTensor {
public:
  LazyTensor &operator=(ref::Tensor t) {
    value = std::move(t);
    decoder = nullptr;
    return *this;
  }
  /// Defers `decode` until the value is first read.
  void defer(std::function<ref::Tensor()> decode) {
    value.reset();
    decoder = std::move(decode);
  }
  explicit operator bool() const { return force().has_value(); }
  const ref::Tensor &operator*() const { return *force(); }
  const ref::Tensor *operator->() const { return &*force(); }
  ref::Tensor *operator->() {
    force();
    return &*value;
  }

private:
  const std::optional<ref::Tensor> &force() const {
    if (decoder) {
      value = decoder();
      decoder = nullptr;
    }
    return value;
  }
  mutable std::optional<ref::Tensor> value;
  mutable std::function<ref::Tensor()> decoder;
};

/// A constant tensor: raw little-endian bytes as stored in the model (or an
/// external file), plus a numeric copy for small tensors that folding uses.
struct Constant {
  int32_t elemType = 0; ///< onnx::TensorProto_DataType
  std::vector<int64_t> shape;
  std::shared_ptr<const std::string> bytes; ///< element data, C order
  /// Values as doubles, present for tensors of at most kMaxFoldElements.
  LazyTensor values;
};
inline constexpr int64_t kMaxFoldElements = int64_t(1) << 20;

/// Product of `shape`, or -1 on a negative dimension or overflow past
/// 2^62 (shapes come from untrusted models).
int64_t safeNumElements(const std::vector<int64_t> &shape);

/// What is known about one value of the graph.
struct ValueInfo {
  int32_t elemType = 0;
  std::optional<std::vector<int64_t>> shape; ///< set when fully static
  std::shared_ptr<Constant> constant;        ///< set when known at import
};

struct Graph {
  std::unique_ptr<onnx::ModelProto> model;
  std::string path;    ///< the model file
  int64_t opset = 0;   ///< default-domain opset
  int64_t snnOpset = 0; ///< opset of the custom "snn" domain (0 if absent)
  std::map<std::string, ValueInfo> values;
  /// Nodes still to import (constant-folded nodes removed), in order.
  std::vector<const onnx::NodeProto *> nodes;
  std::vector<std::string> inputs, outputs; ///< runtime inputs and outputs
};

/// Shapes given on the command line for inputs with dynamic dimensions.
using InputShapes = std::map<std::string, std::vector<int64_t>>;

/// Attribute readers: the named attribute's value, or `fallback` / nullopt.
const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                     const std::string &name);
int64_t attrInt(const onnx::NodeProto &node, const std::string &name,
                int64_t fallback);
float attrFloat(const onnx::NodeProto &node, const std::string &name,
                float fallback);
std::optional<std::vector<int64_t>> attrInts(const onnx::NodeProto &node,
                                             const std::string &name);
std::string attrString(const onnx::NodeProto &node, const std::string &name);

/// Describes a node for error messages: node 'n' (Op, domain 'd', opset k).
std::string describeNode(const onnx::NodeProto &node, const Graph &graph);

/// Loads, validates, folds and shape-infers the model at `path` (external
/// data is looked up next to it). With `contents`, the model's bytes are
/// taken from there instead of reading `path`.
absl::StatusOr<Graph>
loadGraph(const std::string &path, const InputShapes &inputShapes,
          std::optional<std::string_view> contents = std::nullopt);

/// Loads a TensorProto's data (raw, typed or external relative to
/// `modelDir`), checking sizes.
/// With `takenRaw` (the raw_data already moved out of the proto), its
/// bytes are used without a copy.
absl::StatusOr<std::shared_ptr<Constant>>
loadTensor(const onnx::TensorProto &tensor, const std::string &modelDir,
           std::shared_ptr<const std::string> takenRaw = nullptr);

/// A constant holding `values` (and their encoding as `elemType`).
std::shared_ptr<Constant> makeConstant(int32_t elemType, ref::Tensor values);

/// Evaluates an ONNX node on constant inputs (elementwise arithmetic and
/// comparisons, Cast, the shape-plumbing ops and those of MoE routing),
/// through a table from op_type to one function per op kind
/// (ConstantFolding.cpp). Returns nullopt when the op is not one the
/// evaluator knows or an input is too large.
absl::StatusOr<std::optional<std::vector<std::shared_ptr<Constant>>>>
evaluateNode(const onnx::NodeProto &node,
             const std::vector<std::shared_ptr<const Constant>> &inputs);

/// Size in bytes of one element of an ONNX data type, 0 if unsupported.
int64_t elementSize(int32_t elemType);
std::string elemTypeName(int32_t elemType);

} // namespace spikestack::onnx_import

#endif
