//===- ONNXGraph.cpp - loading a folded, shape-inferred ONNX model --------===//
//
// Parses and validates the model, loads its initializers and runtime inputs,
// then folds constants (ConstantFolding.cpp) and infers shapes
// (ShapeInference.cpp) to a fixpoint. Tensor decoding is in TensorIO.cpp.
//
//===----------------------------------------------------------------------===//
#include "ONNXGraph.h"
#include "ConstantFolding.h"
#include "ShapeInference.h"

#include "spikestack/Support/FileUtil.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>

#include <algorithm>
#include <set>
#include <unordered_map>

namespace spikestack::onnx_import {

using absl::InvalidArgumentError;
using absl::Status;
using absl::StatusOr;
using onnx::TensorProto;

static std::string shapeString(const std::vector<int64_t> &shape) {
  return absl::StrJoin(shape, "x");
}

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

/// Parses `contents` (the model given in memory) or, without it, the file
/// at `path` as a stream, so that the file's bytes are never held in memory
/// next to the parsed model.
static StatusOr<std::unique_ptr<onnx::ModelProto>>
parseModel(const std::string &path, std::optional<std::string_view> given) {
  constexpr int64_t kLimit = INT32_MAX; // protobuf's hard message limit
  auto tooLarge = [&] {
    return InvalidArgumentError(absl::StrCat(
        "'", path,
        "' is larger than 2 GiB; keep the weights in external data "
        "files (onnx.save(..., save_as_external_data=True))"));
  };
  auto model = std::make_unique<onnx::ModelProto>();
  int64_t size = 0;
  bool parsed = false;
  if (given) {
    size = int64_t(given->size());
    if (size > kLimit)
      return tooLarge();
    google::protobuf::io::CodedInputStream stream(
        reinterpret_cast<const uint8_t *>(given->data()), int(size));
    stream.SetTotalBytesLimit(int(kLimit));
    parsed = model->ParseFromCodedStream(&stream) &&
             stream.ConsumedEntireMessage();
  } else {
    auto file = openForReading(
        path, ReadOptions{"ONNX model", int64_t(1) << 40, false});
    if (!file.ok())
      return file.status();
    google::protobuf::io::FileInputStream raw(file->fd);
    raw.SetCloseOnDelete(true);
    size = file->size;
    if (size > kLimit)
      return tooLarge();
    google::protobuf::io::CodedInputStream stream(&raw);
    stream.SetTotalBytesLimit(int(kLimit));
    parsed = model->ParseFromCodedStream(&stream) &&
             stream.ConsumedEntireMessage() && raw.GetErrno() == 0;
    if (size < 0) // not a regular file: report what was read
      size = stream.CurrentPosition();
  }
  if (!parsed)
    return InvalidArgumentError(absl::StrCat(
        "cannot parse '", path, "' (", size,
        " bytes) as an ONNX model: the protobuf is truncated or corrupt"));
  if (!model->has_graph() || model->ir_version() <= 0)
    return InvalidArgumentError(absl::StrCat(
        "'", path, "' is not an ONNX model (no ir_version or graph)"));
  return model;
}

/// Reads the default-domain and "snn" opsets and checks them and the IR
/// version against what the importer supports.
static Status checkVersions(Graph &g) {
  const onnx::ModelProto &m = *g.model;
  const std::string &path = g.path;
  if (m.ir_version() > kMaxIRVersion)
    return absl::UnimplementedError(absl::StrCat(
        "'", path, "' has ONNX IR version ", m.ir_version(),
        "; SpikeStack reads IR versions up to ", kMaxIRVersion,
        " (re-export with onnx <= 1.14, or convert the model)"));
  for (const auto &o : m.opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx")
      g.opset = o.version();
    else if (o.domain() == "snn")
      g.snnOpset = o.version();
  }
  if (g.snnOpset != 0 && g.snnOpset != 1)
    return absl::UnimplementedError(absl::StrCat(
        "'", path, "' imports the 'snn' domain version ", g.snnOpset,
        "; SpikeStack reads version 1 only (docs/onnx.md)"));
  if (g.opset < kMinOpset || g.opset > kMaxOpset)
    return absl::UnimplementedError(absl::StrCat(
        "'", path, "' uses default-domain opset ", g.opset,
        "; SpikeStack supports opsets ", kMinOpset, "-", kMaxOpset,
        " (torch.onnx.export(..., opset_version=17))"));
  return absl::OkStatus();
}

/// Rejects what cannot be imported, with specific messages, then runs
/// ONNX's checker on every node.
static Status checkNodes(const Graph &g) {
  const onnx::ModelProto &m = *g.model;
  const std::string &path = g.path;
  const onnx::GraphProto &graph = m.graph();
  if (graph.node_size() == 0 || graph.output_size() == 0)
    return InvalidArgumentError(absl::StrCat(
        "'", path, "' has an empty graph (", graph.node_size(), " nodes, ",
        graph.output_size(), " outputs)"));
  for (const onnx::NodeProto &n : graph.node()) {
    const std::string &domain = n.domain();
    if (n.op_type() == "Loop" || n.op_type() == "Scan" || n.op_type() == "If")
      return absl::UnimplementedError(absl::StrCat(
          describeNode(n, g),
          ": control flow is not supported; it comes from a scripted export. "
          "Export with tracing (torch.onnx.export of the module, not of "
          "torch.jit.script) or with the snn exporter "
          "(python -m spikestack.export)"));
    if (!domain.empty() && domain != "ai.onnx" && domain != "snn")
      return absl::UnimplementedError(absl::StrCat(
          describeNode(n, g), ": unknown domain '", domain,
          "'; supported are the default domain (opsets ", kMinOpset, "-",
          kMaxOpset, ") and 'snn' (docs/onnx.md)"));
  }

  // ONNX's checker first: its shape inference is not robust to malformed
  // graphs (wrong arity, unknown ops, bad attribute types).
  try {
    onnx::checker::CheckerContext ctx;
    ctx.set_ir_version(int(m.ir_version()));
    std::unordered_map<std::string, int> opsets;
    for (const auto &o : m.opset_import())
      opsets[o.domain()] = int(o.version());
    ctx.set_opset_imports(opsets);
    ctx.set_schema_registry(onnx::OpSchemaRegistry::Instance());
    // Per node (schema, arity, attribute types); initializers and external
    // data get the importer's own, more specific checks.
    onnx::checker::LexicalScopeContext scope;
    for (const onnx::NodeProto &n : graph.node())
      onnx::checker::check_node(n, ctx, scope);
  } catch (const std::exception &e) {
    std::string what = e.what();
    if (what.size() > 600)
      what = what.substr(0, 600) + "...";
    return InvalidArgumentError(
        absl::StrCat("'", path, "' is not a valid ONNX model: ", what));
  }
  if (graph.node_size() == 0 || graph.output_size() == 0)
    return InvalidArgumentError(absl::StrCat(
        "'", path, "' has an empty graph (", graph.node_size(), " nodes, ",
        graph.output_size(), " outputs)"));
  return absl::OkStatus();
}

/// Loads the initializers (moving their bytes out of the proto) and returns
/// their names in `initializers`.
static Status loadInitializers(Graph &g, const std::string &dir,
                               std::set<std::string> &initializers) {
  for (TensorProto &t : *g.model->mutable_graph()->mutable_initializer()) {
    // Move the weights out of the proto instead of copying them.
    std::shared_ptr<std::string> raw;
    if (t.has_raw_data()) {
      raw = std::make_shared<std::string>();
      raw->swap(*t.mutable_raw_data());
    }
    auto c = loadTensor(t, dir, std::move(raw));
    if (!c.ok())
      return c.status();
    ValueInfo &v = g.values[t.name()];
    v.constant = *c;
    v.elemType = (*c)->elemType;
    v.shape = (*c)->shape;
    initializers.insert(t.name());
  }
  return absl::OkStatus();
}

/// Runtime inputs: static shapes, from the model or --input-shape.
static Status loadInputs(Graph &g, const InputShapes &inputShapes,
                         const std::set<std::string> &initializers) {
  const onnx::GraphProto &graph = g.model->graph();
  const std::string &path = g.path;
  for (const auto &[name, shape] : inputShapes) {
    bool found = false;
    for (const auto &in : graph.input())
      found = found || in.name() == name;
    if (!found)
      return InvalidArgumentError(absl::StrCat(
          "--input-shape names '", name, "', which is not an input of '",
          path, "'"));
  }
  for (const auto &in : graph.input()) {
    if (initializers.count(in.name()))
      continue;
    const auto &tt = in.type().tensor_type();
    if (!elementSize(tt.elem_type()))
      return absl::UnimplementedError(absl::StrCat(
          "input '", in.name(), "' has element type ",
          elemTypeName(tt.elem_type()), ", which is not supported"));
    std::vector<int64_t> shape;
    std::string dynamic;
    for (const auto &d : tt.shape().dim()) {
      if (d.has_dim_value() && d.dim_value() > 0) {
        shape.push_back(d.dim_value());
      } else {
        shape.push_back(-1);
        dynamic = d.has_dim_param() ? d.dim_param() : "?";
      }
    }
    auto given = inputShapes.find(in.name());
    if (given != inputShapes.end()) {
      bool ok = given->second.size() == shape.size();
      for (size_t i = 0; ok && i < shape.size(); ++i)
        ok = shape[i] == -1 || shape[i] == given->second[i];
      if (!ok)
        return InvalidArgumentError(absl::StrCat(
            "--input-shape ", in.name(), "=", shapeString(given->second),
            " does not match the model's shape ",
            absl::StrJoin(shape, "x", [](std::string *out, int64_t d) {
              absl::StrAppend(out, d < 0 ? std::string("?") : std::to_string(d));
            })));
      shape = given->second;
    } else if (!dynamic.empty()) {
      return InvalidArgumentError(absl::StrCat(
          "input '", in.name(), "' has a dynamic dimension ('", dynamic,
          "'); give its size with --input-shape ", in.name(), "=",
          absl::StrJoin(shape, "x", [](std::string *out, int64_t d) {
            absl::StrAppend(out, d < 0 ? std::string("N") : std::to_string(d));
          })));
    }
    ValueInfo &v = g.values[in.name()];
    v.elemType = tt.elem_type();
    v.shape = shape;
    g.inputs.push_back(in.name());
  }
  return absl::OkStatus();
}

/// Folds constants and infers shapes to a fixpoint.
static Status foldAndInfer(Graph &g) {
  for (int iteration = 0; iteration < 32; ++iteration) {
    auto folded = foldConstants(g);
    if (!folded.ok())
      return folded.status();
    inferMissingShapes(g);
    auto inferred = runShapeInference(g);
    if (!inferred.ok())
      return inferred.status();
    inferMissingShapes(g);
    if (*folded == 0 && *inferred == 0)
      break;
  }
  return absl::OkStatus();
}

/// Drops dead nodes (e.g. a traced neuron's reset after its last step).
static void dropDeadNodes(Graph &g) {
  for (bool changed = true; changed;) {
    std::set<std::string> used(g.outputs.begin(), g.outputs.end());
    for (const onnx::NodeProto *n : g.nodes)
      for (const std::string &in : n->input())
        used.insert(in);
    std::vector<const onnx::NodeProto *> live;
    for (const onnx::NodeProto *n : g.nodes)
      if (std::any_of(n->output().begin(), n->output().end(),
                      [&](const std::string &o) { return used.count(o); }))
        live.push_back(n);
    changed = live.size() != g.nodes.size();
    g.nodes = std::move(live);
  }
}

/// Every value a remaining node touches must now have a static shape.
static Status checkStaticShapes(Graph &g) {
  for (const onnx::NodeProto *n : g.nodes)
    for (const std::string &name : n->output()) {
      if (name.empty())
        continue;
      if (!g.values[name].shape)
        return InvalidArgumentError(absl::StrCat(
            describeNode(*n, g), ": could not infer a static shape for its "
                                 "output '",
            name, "'"));
    }
  for (const std::string &name : g.outputs)
    if (!g.values[name].shape)
      return InvalidArgumentError(absl::StrCat(
          "could not infer a static shape for the graph output '", name, "'"));
  return absl::OkStatus();
}

StatusOr<Graph> loadGraph(const std::string &path,
                          const InputShapes &inputShapes,
                          std::optional<std::string_view> contents) {
  Graph g;
  g.path = path;
  auto model = parseModel(path, contents);
  if (!model.ok())
    return model.status();
  g.model = std::move(*model);
  const std::string dir = path.find('/') == std::string::npos
                              ? std::string()
                              : path.substr(0, path.rfind('/'));
  if (Status s = checkVersions(g); !s.ok())
    return s;
  if (Status s = checkNodes(g); !s.ok())
    return s;
  std::set<std::string> initializers;
  if (Status s = loadInitializers(g, dir, initializers); !s.ok())
    return s;
  if (Status s = loadInputs(g, inputShapes, initializers); !s.ok())
    return s;
  const onnx::GraphProto &graph = g.model->graph();
  for (const auto &out : graph.output())
    g.outputs.push_back(out.name());

  for (const onnx::NodeProto &n : graph.node())
    g.nodes.push_back(&n);

  if (Status s = foldAndInfer(g); !s.ok())
    return s;
  dropDeadNodes(g);
  if (Status s = checkStaticShapes(g); !s.ok())
    return s;
  return g;
}

} // namespace spikestack::onnx_import
