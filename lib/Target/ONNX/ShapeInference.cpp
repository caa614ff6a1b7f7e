//===- ShapeInference.cpp - static shapes for an ONNX graph ---------------===//
//
// ONNX's own shape inference, run in a forked child process (its inference
// functions can crash or hang on malformed nodes), plus the shapes it does
// not give (the "snn" domain, OneHot with a constant depth, Einsum).
//
//===----------------------------------------------------------------------===//
#include "ShapeInference.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <chrono>
#include <csignal>
#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#include <map>
#include <set>

namespace spikestack::onnx_import {

using absl::InvalidArgumentError;
using absl::StatusOr;
using onnx::TensorProto;

/// Shapes ONNX's inference does not give: the custom "snn" domain (every
/// output has its input's type and shape) and OneHot with a constant depth
/// (ONNX 1.12 leaves the depth dimension unknown).
void inferMissingShapes(Graph &g) {
  for (const onnx::NodeProto *n : g.nodes) {
    if (n->output_size() == 0 || n->input_size() < 1)
      continue;
    ValueInfo &out = g.values[n->output(0)];
    if (out.shape)
      continue;
    const ValueInfo &in = g.values[n->input(0)];
    if (n->domain() == "snn") {
      for (const std::string &o : n->output())
        if (in.shape && !g.values[o].shape) {
          g.values[o].shape = in.shape;
          g.values[o].elemType = in.elemType;
        }
    } else if (n->op_type() == "OneHot" && n->input_size() == 3 && in.shape) {
      const ValueInfo &depth = g.values[n->input(1)];
      const ValueInfo &values = g.values[n->input(2)];
      if (!depth.constant || !depth.constant->values ||
          depth.constant->values->numel() != 1)
        continue;
      std::vector<int64_t> shape = *in.shape;
      const int64_t rank = int64_t(shape.size()) + 1;
      int64_t axis = attrInt(*n, "axis", -1);
      axis = axis < 0 ? axis + rank : axis;
      if (axis < 0 || axis >= rank)
        continue;
      shape.insert(shape.begin() + axis,
                   int64_t(depth.constant->values->data[0]));
      out.shape = shape;
      out.elemType = values.elemType;
    } else if (n->op_type() == "Einsum") {
      // Explicit equations "ab,bc->ac": each output letter takes the size
      // of that letter in an input (no ellipsis).
      const onnx::AttributeProto *eq = findAttr(*n, "equation");
      if (!eq)
        continue;
      std::string e;
      for (char c : eq->s())
        if (c != ' ')
          e += c;
      const size_t arrow = e.find("->");
      if (arrow == std::string::npos || e.find('.') != std::string::npos)
        continue;
      std::map<char, int64_t> size;
      std::string lhs = e.substr(0, arrow);
      bool ok = true;
      for (int i = 0, start = 0; ok && i < n->input_size(); ++i) {
        size_t comma = lhs.find(',', start);
        std::string term = lhs.substr(start, comma == std::string::npos
                                                 ? std::string::npos
                                                 : comma - start);
        start = comma == std::string::npos ? int(lhs.size()) : int(comma) + 1;
        const ValueInfo &v = g.values[n->input(i)];
        ok = v.shape && v.shape->size() == term.size();
        for (size_t k = 0; ok && k < term.size(); ++k)
          size[term[k]] = (*v.shape)[k];
      }
      std::vector<int64_t> shape;
      for (char c : e.substr(arrow + 2)) {
        ok = ok && size.count(c);
        if (ok)
          shape.push_back(size[c]);
      }
      if (ok) {
        out.shape = shape;
        out.elemType = in.elemType;
      }
    }
  }
}

/// Runs ONNX's shape inference in a child process and returns the graph's
/// inferred value_info. ONNX 1.12's inference functions can crash, hang or
/// exhaust memory on malformed nodes that pass its checker; isolated, such a
/// model is a clear error instead of a crash of the importer.
static StatusOr<onnx::GraphProto> inferShapesIsolated(onnx::ModelProto &m) {
  constexpr int kTimeoutSeconds = 30;
  int fds[2];
  if (pipe(fds) != 0)
    return absl::InternalError("pipe() failed");
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return absl::InternalError("fork() failed");
  }
  if (pid == 0) { // child: infer, send the value_info back, _exit.
    close(fds[0]);
    // The child only runs ONNX's code; its crash reports are not the
    // user's concern (the parent reports the outcome).
    if (int devnull = open("/dev/null", O_WRONLY); devnull >= 0)
      dup2(devnull, STDERR_FILENO);
    // A crash in ONNX's code must end the child with the signal the parent
    // reports, not run handlers inherited from the parent (sanitizers,
    // libFuzzer's crash reporter, LLVM's stack printer).
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT})
      std::signal(sig, SIG_DFL);
    int code = 0;
    try {
      onnx::ShapeInferenceOptions options{/*check_type=*/false,
                                          /*error_mode=*/0,
                                          /*enable_data_propagation=*/true};
      onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(),
                                         options);
      onnx::GraphProto result;
      *result.mutable_value_info() = m.graph().value_info();
      std::string bytes;
      result.SerializeToString(&bytes);
      for (size_t off = 0; off < bytes.size();) {
        const ssize_t n = write(fds[1], bytes.data() + off, bytes.size() - off);
        if (n <= 0) {
          code = 3;
          break;
        }
        off += size_t(n);
      }
    } catch (...) {
      code = 2;
    }
    close(fds[1]);
    _exit(code);
  }
  close(fds[1]);
  std::string bytes;
  char buffer[1 << 16];
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(kTimeoutSeconds);
  bool timedOut = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timedOut = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = poll(&p, 1, int(left.count()));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0) {
      timedOut = ready == 0;
      break;
    }
    const ssize_t n = read(fds[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    bytes.append(buffer, size_t(n));
  }
  close(fds[0]);
  if (timedOut)
    kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timedOut)
    return InvalidArgumentError(absl::StrCat(
        "ONNX shape inference did not finish within ", kTimeoutSeconds,
        " s on this model (a malformed node?)"));
  if (WIFSIGNALED(status))
    return InvalidArgumentError(absl::StrCat(
        "ONNX shape inference crashed on this model (signal ",
        WTERMSIG(status), "); a node is malformed"));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return InvalidArgumentError(
        "ONNX shape inference failed on this model; a node is malformed");
  onnx::GraphProto result;
  if (!result.ParseFromString(bytes))
    return absl::InternalError("cannot read ONNX shape inference results");
  return result;
}

static void setTensorType(onnx::TypeProto *type, const ValueInfo &v) {
  auto *t = type->mutable_tensor_type();
  t->set_elem_type(v.elemType);
  auto *shape = t->mutable_shape();
  for (int64_t d : *v.shape)
    shape->add_dim()->set_dim_value(d);
}

/// Runs ONNX shape inference on the remaining nodes, with every known value
/// given as a typed input (small constants with their data), and records
/// the static shapes it finds. Returns how many new shapes were found.
StatusOr<int> runShapeInference(Graph &g) {
  onnx::ModelProto m;
  *m.mutable_opset_import() = g.model->opset_import();
  m.set_ir_version(g.model->ir_version());
  onnx::GraphProto *graph = m.mutable_graph();
  std::set<std::string> declared;
  for (const onnx::NodeProto *n : g.nodes) {
    onnx::NodeProto *copy = graph->add_node();
    *copy = *n;
    // ONNX 1.12's data propagation can crash on custom-domain nodes; an snn
    // neuron keeps its input's shape, which Identity states.
    if (n->domain() == "snn") {
      copy->clear_domain();
      copy->clear_attribute();
      copy->set_op_type("Identity");
      while (copy->input_size() > 1)
        copy->mutable_input()->RemoveLast();
    }
    for (const std::string &name : n->input()) {
      if (name.empty() || declared.count(name))
        continue;
      auto it = g.values.find(name);
      if (it == g.values.end() || !it->second.shape)
        continue;
      declared.insert(name);
      const ValueInfo &v = it->second;
      // ONNX's inference reads the data of shape-like inputs (Reshape's
      // shape, Slice's starts, Resize's scales ...): integer constants and
      // tiny float ones. Weights only need their declared type and shape,
      // which keeps them out of the copy sent to the inference process.
      const int64_t count =
          v.constant ? safeNumElements(v.constant->shape) : -1;
      const bool shapeLike =
          count >= 0 && count <= kMaxFoldElements &&
          (v.constant->elemType == TensorProto::INT64 ||
           v.constant->elemType == TensorProto::INT32 || count <= 16);
      if (shapeLike) {
        TensorProto *t = graph->add_initializer();
        t->set_name(name);
        t->set_data_type(v.constant->elemType);
        for (int64_t d : v.constant->shape)
          t->add_dims(d);
        t->set_raw_data(*v.constant->bytes);
      }
      onnx::ValueInfoProto *vi = graph->add_input();
      vi->set_name(name);
      setTensorType(vi->mutable_type(), v);
    }
    for (const std::string &name : n->output()) {
      auto it = g.values.find(name);
      if (it != g.values.end() && it->second.shape && !declared.count(name)) {
        declared.insert(name);
        onnx::ValueInfoProto *vi = graph->add_value_info();
        vi->set_name(name);
        setTensorType(vi->mutable_type(), it->second);
      }
    }
  }
  auto inferred = inferShapesIsolated(m);
  if (!inferred.ok())
    return inferred.status();
  int found = 0;
  for (const auto &vi : inferred->value_info()) {
    const auto &tt = vi.type().tensor_type();
    if (!tt.has_shape())
      continue;
    std::vector<int64_t> shape;
    bool full = true;
    for (const auto &d : tt.shape().dim()) {
      full = full && d.has_dim_value() && d.dim_value() >= 0;
      shape.push_back(d.dim_value());
    }
    ValueInfo &v = g.values[vi.name()];
    if (full && !v.shape) {
      v.shape = shape;
      if (tt.elem_type())
        v.elemType = tt.elem_type();
      ++found;
    }
  }
  return found;
}

} // namespace spikestack::onnx_import
