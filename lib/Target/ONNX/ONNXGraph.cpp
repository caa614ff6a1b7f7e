//===- ONNXGraph.cpp - a folded, shape-inferred view of an ONNX model -----===//
#include "ONNXGraph.h"

#include "spikestack/Support/FileUtil.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <fstream>
#include <functional>
#include <limits>
#include <numeric>
#include <set>

namespace spikestack::onnx_import {

using absl::InvalidArgumentError;
using absl::Status;
using absl::StatusOr;
using onnx::TensorProto;
using ref::Tensor;

//===----------------------------------------------------------------------===//
// Element types and tensors
//===----------------------------------------------------------------------===//

int64_t elementSize(int32_t t) {
  switch (t) {
  case TensorProto::FLOAT:
  case TensorProto::INT32:
    return 4;
  case TensorProto::DOUBLE:
  case TensorProto::INT64:
    return 8;
  case TensorProto::INT8:
  case TensorProto::UINT8:
  case TensorProto::BOOL:
    return 1;
  case TensorProto::INT16:
    return 2;
  default:
    return 0;
  }
}

std::string elemTypeName(int32_t t) {
  if (TensorProto::DataType_IsValid(t))
    return TensorProto::DataType_Name(static_cast<TensorProto::DataType>(t));
  return absl::StrCat("data type ", t);
}

const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                     const std::string &name) {
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t attrInt(const onnx::NodeProto &node, const std::string &name,
                int64_t fallback) {
  const onnx::AttributeProto *a = findAttr(node, name);
  return a ? a->i() : fallback;
}

float attrFloat(const onnx::NodeProto &node, const std::string &name,
                float fallback) {
  const onnx::AttributeProto *a = findAttr(node, name);
  return a ? a->f() : fallback;
}

std::optional<std::vector<int64_t>> attrInts(const onnx::NodeProto &node,
                                             const std::string &name) {
  if (const onnx::AttributeProto *a = findAttr(node, name))
    return std::vector<int64_t>(a->ints().begin(), a->ints().end());
  return std::nullopt;
}

std::string attrString(const onnx::NodeProto &node, const std::string &name) {
  const onnx::AttributeProto *a = findAttr(node, name);
  return a ? a->s() : std::string();
}

std::string describeNode(const onnx::NodeProto &node, const Graph &graph) {
  const std::string &domain = node.domain();
  const int64_t opset = domain == "snn" ? graph.snnOpset : graph.opset;
  return absl::StrCat("node '", node.name().empty() ? node.output(0) : node.name(),
                      "' (", node.op_type(), ", domain '",
                      domain.empty() ? "ai.onnx" : domain, "', opset ", opset,
                      ")");
}

static std::string shapeString(const std::vector<int64_t> &shape) {
  return absl::StrJoin(shape, "x");
}

/// Decodes the first `count` little-endian elements of `bytes` as doubles.
static Tensor decode(int32_t elemType, const std::vector<int64_t> &shape,
                     const std::string &bytes) {
  const int64_t n = ref::numElements(shape);
  std::vector<double> values(n);
  const char *p = bytes.data();
  for (int64_t i = 0; i < n; ++i) {
    switch (elemType) {
    case TensorProto::FLOAT: {
      float v;
      std::memcpy(&v, p + 4 * i, 4);
      values[i] = v;
      break;
    }
    case TensorProto::DOUBLE: {
      double v;
      std::memcpy(&v, p + 8 * i, 8);
      values[i] = v;
      break;
    }
    case TensorProto::INT64: {
      int64_t v;
      std::memcpy(&v, p + 8 * i, 8);
      values[i] = double(v);
      break;
    }
    case TensorProto::INT32: {
      int32_t v;
      std::memcpy(&v, p + 4 * i, 4);
      values[i] = v;
      break;
    }
    case TensorProto::INT16: {
      int16_t v;
      std::memcpy(&v, p + 2 * i, 2);
      values[i] = v;
      break;
    }
    case TensorProto::INT8:
      values[i] = static_cast<int8_t>(p[i]);
      break;
    default: // UINT8, BOOL
      values[i] = static_cast<uint8_t>(p[i]);
      break;
    }
  }
  return Tensor(shape, std::move(values));
}

/// Encodes doubles as little-endian elements of `elemType`.
static std::string encode(int32_t elemType, const Tensor &t) {
  const int64_t size = elementSize(elemType);
  std::string bytes(size * t.numel(), '\0');
  char *p = bytes.data();
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double v = t.data[i];
    switch (elemType) {
    case TensorProto::FLOAT: {
      float f = static_cast<float>(v);
      std::memcpy(p + 4 * i, &f, 4);
      break;
    }
    case TensorProto::DOUBLE:
      std::memcpy(p + 8 * i, &v, 8);
      break;
    case TensorProto::INT64: {
      int64_t x = static_cast<int64_t>(v);
      std::memcpy(p + 8 * i, &x, 8);
      break;
    }
    case TensorProto::INT32: {
      int32_t x = static_cast<int32_t>(v);
      std::memcpy(p + 4 * i, &x, 4);
      break;
    }
    case TensorProto::INT16: {
      int16_t x = static_cast<int16_t>(v);
      std::memcpy(p + 2 * i, &x, 2);
      break;
    }
    case TensorProto::INT8:
      p[i] = static_cast<char>(static_cast<int8_t>(v));
      break;
    default:
      p[i] = static_cast<char>(static_cast<uint8_t>(v));
      break;
    }
  }
  return bytes;
}

std::shared_ptr<Constant> makeConstant(int32_t elemType, Tensor values) {
  auto c = std::make_shared<Constant>();
  c->elemType = elemType;
  c->shape = values.shape;
  c->bytes = std::make_shared<const std::string>(encode(elemType, values));
  c->values = std::move(values);
  return c;
}

/// Reads `length` bytes at `offset` of an external data file.
static StatusOr<std::string> readExternal(const TensorProto &tensor,
                                          const std::string &modelDir,
                                          int64_t expected) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &kv : tensor.external_data()) {
    if (kv.key() == "location")
      location = kv.value();
    else if (kv.key() == "offset")
      offset = std::atoll(kv.value().c_str());
    else if (kv.key() == "length")
      length = std::atoll(kv.value().c_str());
  }
  if (location.empty())
    return InvalidArgumentError(absl::StrCat(
        "initializer '", tensor.name(), "' uses external data without a location"));
  if (location.front() == '/' || location.find("..") != std::string::npos)
    return InvalidArgumentError(absl::StrCat(
        "initializer '", tensor.name(), "': external data location '", location,
        "' must be a relative path inside the model's directory"));
  const std::string path = modelDir.empty() ? location : modelDir + "/" + location;
  // The check above looks at the text only; a symbolic link (the file or a
  // folder on the way) could still lead outside the model's folder.
  auto real = [](const std::string &p) -> std::optional<std::string> {
    char *r = ::realpath(p.c_str(), nullptr);
    if (!r)
      return std::nullopt;
    std::string out(r);
    std::free(r);
    return out;
  };
  const auto realDir = real(modelDir.empty() ? "." : modelDir);
  const auto realPath = real(path);
  if (!realPath)
    return absl::NotFoundError(absl::StrCat(
        "missing external data file '", location, "' for initializer '",
        tensor.name(), "' (looked for ", path, ")"));
  if (!realDir || realPath->rfind(*realDir + "/", 0) != 0)
    return InvalidArgumentError(absl::StrCat(
        "initializer '", tensor.name(), "': external data location '",
        location, "' resolves to '", *realPath,
        "', outside the model's directory '", realDir ? *realDir : modelDir,
        "' (symbolic links may not lead out of it)"));
  auto file = openForReading(
      *realPath, ReadOptions{"external data file", int64_t(1) << 40, false});
  if (!file.ok())
    return file.status();
  const int fd = file->fd;
  const int64_t fileSize = file->size;
  if (length < 0)
    length = fileSize - offset;
  if (offset < 0 || length != expected || offset > fileSize ||
      length > fileSize - offset) {
    ::close(fd);
    return InvalidArgumentError(absl::StrCat(
        "initializer '", tensor.name(), "': external data in '", location,
        "' has ", fileSize, " bytes; offset ", offset, " and length ", length,
        " do not give the ", expected, " bytes its shape needs"));
  }
  std::string bytes(length, '\0');
  int64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, bytes.data() + done, size_t(length - done),
                        off_t(offset + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ::close(fd);
      return InvalidArgumentError(absl::StrCat("cannot read ", path));
    }
    done += n;
  }
  ::close(fd);
  return bytes;
}

StatusOr<std::shared_ptr<Constant>>
loadTensor(const TensorProto &tensor, const std::string &modelDir,
           std::shared_ptr<const std::string> takenRaw) {
  const int32_t type = tensor.data_type();
  const int64_t size = elementSize(type);
  if (size == 0)
    return absl::UnimplementedError(absl::StrCat(
        "tensor '", tensor.name(), "' has unsupported element type ",
        elemTypeName(type),
        " (supported: FLOAT, DOUBLE, INT8/16/32/64, UINT8, BOOL)"));
  std::vector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d && n > (std::numeric_limits<int64_t>::max() / size) / d))
      return InvalidArgumentError(absl::StrCat(
          "tensor '", tensor.name(), "' has an invalid shape [",
          absl::StrJoin(shape, ", "), "]"));
    n *= d;
  }
  auto c = std::make_shared<Constant>();
  c->elemType = type;
  c->shape = shape;
  const int64_t expected = n * size;
  if (tensor.data_location() == TensorProto::EXTERNAL) {
    auto bytes = readExternal(tensor, modelDir, expected);
    if (!bytes.ok())
      return bytes.status();
    c->bytes = std::make_shared<const std::string>(std::move(*bytes));
  } else if (takenRaw || tensor.has_raw_data()) {
    const std::string &raw = takenRaw ? *takenRaw : tensor.raw_data();
    if (int64_t(raw.size()) != expected)
      return InvalidArgumentError(absl::StrCat(
          "tensor '", tensor.name(), "' holds ", raw.size(),
          " bytes of raw data, its shape [", absl::StrJoin(shape, ", "),
          "] of ", elemTypeName(type), " needs ", expected));
    c->bytes = takenRaw ? std::move(takenRaw)
                        : std::make_shared<const std::string>(raw);
  } else {
    // Typed fields: float_data, double_data, int32_data (also for 8/16-bit
    // and bool), int64_data.
    std::vector<double> values;
    switch (type) {
    case TensorProto::FLOAT:
      values.assign(tensor.float_data().begin(), tensor.float_data().end());
      break;
    case TensorProto::DOUBLE:
      values.assign(tensor.double_data().begin(), tensor.double_data().end());
      break;
    case TensorProto::INT64:
      for (int64_t v : tensor.int64_data())
        values.push_back(double(v));
      break;
    default:
      values.assign(tensor.int32_data().begin(), tensor.int32_data().end());
      break;
    }
    if (int64_t(values.size()) != n)
      return InvalidArgumentError(absl::StrCat(
          "tensor '", tensor.name(), "' holds ", values.size(),
          " typed values, its shape needs ", n));
    Tensor t(shape, std::move(values));
    c->bytes = std::make_shared<const std::string>(encode(type, t));
  }
  if (n <= kMaxFoldElements)
    c->values.defer([type, shape, bytes = c->bytes] {
      return decode(type, shape, *bytes);
    });
  return c;
}

//===----------------------------------------------------------------------===//
// Folding the exporter's shape plumbing
//===----------------------------------------------------------------------===//

int64_t safeNumElements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d && n > (int64_t(1) << 62) / d))
      return -1;
    n *= d;
  }
  return n;
}

namespace {

/// Numpy broadcasting of two shapes.
std::optional<std::vector<int64_t>> broadcastShape(std::vector<int64_t> a,
                                                   std::vector<int64_t> b) {
  if (a.size() < b.size())
    std::swap(a, b);
  b.insert(b.begin(), a.size() - b.size(), 1);
  std::vector<int64_t> out(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && a[i] != 1 && b[i] != 1)
      return std::nullopt;
    out[i] = a[i] == 1 ? b[i] : a[i];
  }
  return out;
}

/// Value of `t` at the multi-index of `out` broadcast from `t.shape`.
double broadcastAt(const Tensor &t, const std::vector<int64_t> &outShape,
                   int64_t flat) {
  const size_t r = outShape.size(), tr = t.shape.size();
  int64_t index = 0, stride = 1;
  for (size_t k = 0; k < r; ++k) {
    const size_t d = r - 1 - k;
    const int64_t coord = flat % outShape[d];
    flat /= outShape[d];
    if (k < tr) {
      const int64_t td = t.shape[tr - 1 - k];
      index += (td == 1 ? 0 : coord) * stride;
      stride *= td;
    }
  }
  return t.data[index];
}

double roundTo(int32_t elemType, double v) {
  switch (elemType) {
  case TensorProto::FLOAT:
    return static_cast<float>(v);
  case TensorProto::DOUBLE:
    return v;
  case TensorProto::BOOL:
    return v != 0.0;
  default:
    return std::trunc(v);
  }
}

int64_t normAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

/// Evaluates one node whose inputs are all constants. Returns nullopt for
/// ops it does not fold (they stay in the graph), an error for invalid ones.
using Inputs = std::vector<std::shared_ptr<const Constant>>;
using Folded = std::vector<std::shared_ptr<Constant>>;

StatusOr<std::optional<Folded>> evaluate(const onnx::NodeProto &node,
                                         const Inputs &in, int32_t outType) {
  const std::string &op = node.op_type();
  auto one = [](std::shared_ptr<Constant> c) {
    return std::optional<Folded>(Folded{std::move(c)});
  };
  auto vals = [&](size_t i) -> const Tensor & { return *in[i]->values; };
  auto bad = [&](const std::string &why) {
    return InvalidArgumentError(absl::StrCat(op, ": ", why));
  };
  for (const auto &c : in)
    if (c && !c->values)
      return std::optional<Folded>(); // too large to fold
  // Inputs each op needs (opsets 13-17); a malformed node is an error, not
  // an out-of-bounds read.
  static const std::map<std::string, size_t> required = {
      {"Identity", 1}, {"Cast", 1}, {"Neg", 1}, {"Not", 1}, {"Abs", 1},
      {"Shape", 1}, {"Size", 1}, {"ConstantOfShape", 1}, {"Squeeze", 1},
      {"Transpose", 1}, {"Unsqueeze", 2}, {"Reshape", 2}, {"Concat", 1},
      {"Gather", 2}, {"Slice", 3}, {"Expand", 2}, {"Tile", 2}, {"Range", 3},
      {"Where", 3}, {"Add", 2}, {"Sub", 2}, {"Mul", 2}, {"Div", 2},
      {"Equal", 2}, {"Less", 2}, {"Greater", 2}, {"GreaterOrEqual", 2},
      {"LessOrEqual", 2}, {"Max", 2}, {"Min", 2}, {"Softmax", 1}, {"TopK", 2},
      {"OneHot", 3}, {"CumSum", 2}, {"Pad", 2}, {"ReduceSum", 1},
      {"ReduceMax", 1}, {"ReduceMean", 1}, {"ScatterND", 3},
      {"ScatterElements", 3}};
  auto need = required.find(op);
  if (need == required.end())
    return std::optional<Folded>();
  if (in.size() < need->second)
    return bad(absl::StrCat("needs ", need->second, " inputs, has ",
                            in.size()));
  for (size_t i = 0; i < need->second; ++i)
    if (!in[i])
      return bad(absl::StrCat("input ", i, " is missing"));
  if (op == "Concat")
    for (const auto &c : in)
      if (!c)
        return bad("an input is missing");
  if ((op == "Range" || op == "Gather") &&
      (vals(0).numel() == 0 || (op == "Range" && (vals(1).numel() == 0 ||
                                                  vals(2).numel() == 0))))
    return bad("empty operand");

  if (op == "Identity")
    return one(std::make_shared<Constant>(*in[0]));
  if (op == "Cast") {
    const int32_t to = int32_t(attrInt(node, "to", TensorProto::FLOAT));
    if (!elementSize(to))
      return std::optional<Folded>();
    Tensor t = vals(0);
    for (double &v : t.data)
      v = roundTo(to, v);
    return one(makeConstant(to, std::move(t)));
  }
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" ||
      op == "Equal" || op == "Less" || op == "Greater" || op == "Max" ||
      op == "Min" || op == "Where" || op == "GreaterOrEqual" ||
      op == "LessOrEqual") {
    const bool where = op == "Where";
    std::vector<int64_t> shape = in[0]->shape;
    for (size_t i = 1; i < in.size(); ++i) {
      auto s = broadcastShape(shape, in[i]->shape);
      if (!s)
        return bad("operands do not broadcast");
      shape = *s;
    }
    const bool compare = op == "Equal" || op == "Less" || op == "Greater" ||
                         op == "GreaterOrEqual" || op == "LessOrEqual";
    const int32_t type = where     ? in[1]->elemType
                         : compare ? int32_t(TensorProto::BOOL)
                                   : in[0]->elemType;
    Tensor out(shape);
    for (int64_t i = 0; i < out.numel(); ++i) {
      const double a = broadcastAt(vals(0), shape, i);
      const double b = broadcastAt(vals(1), shape, i);
      double r;
      if (where)
        r = a != 0.0 ? b : broadcastAt(vals(2), shape, i);
      else if (op == "Add")
        r = a + b;
      else if (op == "Sub")
        r = a - b;
      else if (op == "Mul")
        r = a * b;
      else if (op == "Div") {
        if (in[0]->elemType != TensorProto::FLOAT &&
            in[0]->elemType != TensorProto::DOUBLE) {
          if (b == 0.0)
            return bad("integer division by zero");
          r = std::trunc(a / b);
        } else {
          r = a / b;
        }
      } else if (op == "Equal")
        r = a == b;
      else if (op == "Less")
        r = a < b;
      else if (op == "Greater")
        r = a > b;
      else if (op == "GreaterOrEqual")
        r = a >= b;
      else if (op == "LessOrEqual")
        r = a <= b;
      else if (op == "Max")
        r = std::max(a, b);
      else
        r = std::min(a, b);
      out.data[i] = roundTo(type, r);
    }
    return one(makeConstant(type, std::move(out)));
  }
  if (op == "Neg" || op == "Not" || op == "Abs") {
    Tensor t = vals(0);
    for (double &v : t.data)
      v = op == "Neg" ? -v : op == "Abs" ? std::abs(v) : double(v == 0.0);
    return one(makeConstant(in[0]->elemType, std::move(t)));
  }
  if (op == "Shape") {
    const int64_t r = int64_t(in[0]->shape.size());
    int64_t start = normAxis(attrInt(node, "start", 0), r);
    int64_t end = normAxis(attrInt(node, "end", r), r);
    start = std::clamp<int64_t>(start, 0, r);
    end = std::clamp<int64_t>(end, start, r);
    std::vector<double> dims(in[0]->shape.begin() + start,
                             in[0]->shape.begin() + end);
    return one(makeConstant(TensorProto::INT64,
                            Tensor({end - start}, std::move(dims))));
  }
  if (op == "Size")
    return one(makeConstant(TensorProto::INT64,
                            Tensor({}, {double(ref::numElements(in[0]->shape))})));
  if (op == "ConstantOfShape") {
    std::vector<int64_t> shape;
    for (double d : vals(0).data)
      shape.push_back(int64_t(d));
    const int64_t count = safeNumElements(shape);
    if (count < 0)
      return bad("invalid shape");
    if (count > kMaxFoldElements)
      return std::optional<Folded>();
    int32_t type = TensorProto::FLOAT;
    double fill = 0.0;
    if (const auto *a = findAttr(node, "value")) {
      auto c = loadTensor(a->t(), "");
      if (!c.ok())
        return c.status();
      if (!(*c)->values || (*c)->values->numel() != 1)
        return bad("value must hold one element");
      type = (*c)->elemType;
      fill = (*c)->values->data[0];
    }
    return one(makeConstant(type, Tensor(shape, fill)));
  }
  if (op == "Unsqueeze" || op == "Squeeze") {
    std::vector<int64_t> shape = in[0]->shape;
    std::vector<int64_t> axes;
    if (in.size() > 1 && in[1])
      for (double a : vals(1).data)
        axes.push_back(int64_t(a));
    if (op == "Unsqueeze") {
      const int64_t outRank = int64_t(shape.size() + axes.size());
      for (int64_t &a : axes)
        a = normAxis(a, outRank);
      std::sort(axes.begin(), axes.end());
      for (int64_t a : axes) {
        if (a < 0 || a > int64_t(shape.size()))
          return bad("axis out of range");
        shape.insert(shape.begin() + a, 1);
      }
    } else {
      std::vector<int64_t> out;
      const int64_t r = int64_t(shape.size());
      for (int64_t &a : axes)
        a = normAxis(a, r);
      for (int64_t d = 0; d < r; ++d) {
        const bool listed = std::find(axes.begin(), axes.end(), d) != axes.end();
        if ((axes.empty() && shape[d] == 1) || listed) {
          if (shape[d] != 1)
            return bad("cannot squeeze a dimension that is not 1");
          continue;
        }
        out.push_back(shape[d]);
      }
      shape = out;
    }
    Tensor t = vals(0);
    t.shape = shape;
    return one(makeConstant(in[0]->elemType, std::move(t)));
  }
  if (op == "Reshape") {
    const bool allowZero = attrInt(node, "allowzero", 0) != 0;
    std::vector<int64_t> shape;
    int64_t inferred = -1, known = 1;
    for (size_t i = 0; i < vals(1).data.size(); ++i) {
      int64_t d = int64_t(vals(1).data[i]);
      if (d == 0 && !allowZero) {
        if (i >= in[0]->shape.size())
          return bad("0 refers to a missing input dimension");
        d = in[0]->shape[i];
      }
      if (d == -1) {
        if (inferred >= 0)
          return bad("more than one -1 in the shape");
        inferred = int64_t(i);
      } else if (d < 0) {
        return bad("negative dimension in the shape");
      } else {
        if (d && known > (int64_t(1) << 62) / d)
          return bad("shape overflows");
        known *= d;
      }
      shape.push_back(d);
    }
    const int64_t n = ref::numElements(in[0]->shape);
    if (inferred >= 0) {
      if (known <= 0 || n % known)
        return bad("cannot infer the -1 dimension");
      shape[inferred] = n / known;
    }
    if (safeNumElements(shape) != n)
      return bad("element count changes");
    Tensor t = vals(0);
    t.shape = shape;
    return one(makeConstant(in[0]->elemType, std::move(t)));
  }
  if (op == "Concat") {
    const int64_t r = int64_t(in[0]->shape.size());
    const int64_t axis = normAxis(attrInt(node, "axis", 0), r);
    if (axis < 0 || axis >= r)
      return bad("axis out of range");
    std::vector<int64_t> shape = in[0]->shape;
    shape[axis] = 0;
    for (const auto &c : in) {
      if (int64_t(c->shape.size()) != r)
        return bad("inputs differ in rank");
      shape[axis] += c->shape[axis];
    }
    Tensor out(shape);
    int64_t outer = 1;
    for (int64_t d = 0; d < axis; ++d)
      outer *= shape[d];
    const int64_t rowOut = outer ? out.numel() / outer : 0;
    int64_t offset = 0;
    for (const auto &c : in) {
      const int64_t row = outer ? c->values->numel() / outer : 0;
      for (int64_t o = 0; o < outer; ++o)
        std::copy_n(c->values->data.begin() + o * row, row,
                    out.data.begin() + o * rowOut + offset);
      offset += row;
    }
    return one(makeConstant(in[0]->elemType, std::move(out)));
  }
  if (op == "Gather") {
    const Tensor &data = vals(0), &idx = vals(1);
    const int64_t r = data.rank();
    const int64_t axis = normAxis(attrInt(node, "axis", 0), r);
    if (axis < 0 || axis >= r)
      return bad("axis out of range");
    std::vector<int64_t> shape(data.shape.begin(), data.shape.begin() + axis);
    shape.insert(shape.end(), idx.shape.begin(), idx.shape.end());
    shape.insert(shape.end(), data.shape.begin() + axis + 1, data.shape.end());
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d)
      outer *= data.shape[d];
    for (int64_t d = axis + 1; d < r; ++d)
      inner *= data.shape[d];
    const int64_t dim = data.shape[axis];
    Tensor out(shape);
    int64_t o = 0;
    for (int64_t a = 0; a < outer; ++a)
      for (double iv : idx.data) {
        int64_t i = int64_t(iv);
        if (i < 0)
          i += dim;
        if (i < 0 || i >= dim)
          return bad(absl::StrCat("index ", int64_t(iv), " out of range for ",
                                  dim));
        std::copy_n(data.data.begin() + (a * dim + i) * inner, inner,
                    out.data.begin() + o);
        o += inner;
      }
    return one(makeConstant(in[0]->elemType, std::move(out)));
  }
  if (op == "Slice") {
    const Tensor &data = vals(0);
    const int64_t r = data.rank();
    std::vector<int64_t> starts, ends, axes, steps;
    for (double v : vals(1).data)
      starts.push_back(int64_t(v));
    for (double v : vals(2).data)
      ends.push_back(int64_t(v));
    if (in.size() > 3 && in[3])
      for (double v : vals(3).data)
        axes.push_back(normAxis(int64_t(v), r));
    else
      for (int64_t i = 0; i < int64_t(starts.size()); ++i)
        axes.push_back(i);
    if (in.size() > 4 && in[4])
      for (double v : vals(4).data)
        steps.push_back(int64_t(v));
    else
      steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() ||
        steps.size() != starts.size())
      return bad("starts, ends, axes and steps differ in length");
    std::vector<int64_t> begin(r, 0), step(r, 1), count(data.shape);
    for (size_t k = 0; k < starts.size(); ++k) {
      const int64_t a = axes[k], s = steps[k];
      if (a < 0 || a >= r || s == 0)
        return bad("bad axis or zero step");
      const int64_t dim = data.shape[a];
      auto clampIndex = [&](int64_t v) {
        if (v < 0)
          v += dim;
        return s > 0 ? std::clamp<int64_t>(v, 0, dim)
                     : std::clamp<int64_t>(v, -1, dim - 1);
      };
      const int64_t b = clampIndex(starts[k]);
      const int64_t e = clampIndex(ends[k]);
      begin[a] = b;
      step[a] = s;
      count[a] = s > 0 ? std::max<int64_t>(0, (e - b + s - 1) / s)
                       : std::max<int64_t>(0, (b - e - s - 1) / -s);
    }
    Tensor out(count);
    ref::forEachStrided(count, begin, step, ref::rowMajorStrides(data.shape),
                        [&](int64_t i, int64_t flat) {
                          out.data[i] = data.data[flat];
                        });
    return one(makeConstant(in[0]->elemType, std::move(out)));
  }
  if (op == "Expand" || op == "Tile") {
    const Tensor &data = vals(0);
    std::vector<int64_t> arg;
    for (double v : vals(1).data)
      arg.push_back(int64_t(v));
    std::vector<int64_t> shape;
    if (op == "Expand") {
      auto s = broadcastShape(data.shape, arg);
      if (!s)
        return bad("shape does not broadcast");
      shape = *s;
    } else {
      if (arg.size() != data.shape.size())
        return bad("repeats must have one value per dimension");
      for (size_t d = 0; d < arg.size(); ++d) {
        if (arg[d] < 0 || (arg[d] && data.shape[d] > (int64_t(1) << 40) / arg[d]))
          return bad("invalid repeat");
        shape.push_back(data.shape[d] * arg[d]);
      }
    }
    const int64_t count = safeNumElements(shape);
    if (count < 0)
      return bad("invalid shape");
    if (count > kMaxFoldElements)
      return std::optional<Folded>();
    for (size_t d = 0; d < shape.size() && op == "Tile"; ++d)
      if (arg[d] < 0)
        return bad("negative repeat");
    Tensor out(shape);
    if (op == "Expand") {
      for (int64_t i = 0; i < out.numel(); ++i)
        out.data[i] = broadcastAt(data, shape, i);
    } else {
      const auto outStrides = ref::rowMajorStrides(shape);
      const auto inStrides = ref::rowMajorStrides(data.shape);
      for (int64_t i = 0; i < out.numel(); ++i) {
        int64_t rem = i, flat = 0;
        for (size_t d = 0; d < shape.size(); ++d) {
          const int64_t c = rem / outStrides[d];
          rem %= outStrides[d];
          flat += (c % data.shape[d]) * inStrides[d];
        }
        out.data[i] = data.data[flat];
      }
    }
    return one(makeConstant(in[0]->elemType, std::move(out)));
  }
  if (op == "Transpose") {
    const Tensor &data = vals(0);
    const int64_t r = data.rank();
    std::vector<int64_t> perm;
    if (const auto *a = findAttr(node, "perm"))
      perm.assign(a->ints().begin(), a->ints().end());
    else
      for (int64_t d = r - 1; d >= 0; --d)
        perm.push_back(d);
    if (int64_t(perm.size()) != r)
      return bad("perm must list every dimension");
    std::vector<int64_t> shape(r);
    for (int64_t d = 0; d < r; ++d) {
      if (perm[d] < 0 || perm[d] >= r)
        return bad("perm out of range");
      shape[d] = data.shape[perm[d]];
    }
    Tensor out(shape);
    const auto inStrides = ref::rowMajorStrides(data.shape);
    std::vector<int64_t> permuted;
    for (int64_t p : perm)
      permuted.push_back(inStrides[p]);
    ref::forEachStrided(shape, std::vector<int64_t>(r, 0),
                        std::vector<int64_t>(r, 1), permuted,
                        [&](int64_t i, int64_t flat) {
                          out.data[i] = data.data[flat];
                        });
    return one(makeConstant(in[0]->elemType, std::move(out)));
  }
  if (op == "Range") {
    const double start = vals(0).data[0], limit = vals(1).data[0],
                 delta = vals(2).data[0];
    if (delta == 0.0)
      return bad("delta is zero");
    const int64_t n = std::max<int64_t>(
        0, int64_t(std::ceil((limit - start) / delta)));
    if (n > kMaxFoldElements)
      return std::optional<Folded>();
    Tensor out({n});
    for (int64_t i = 0; i < n; ++i)
      out.data[i] = roundTo(in[0]->elemType, start + double(i) * delta);
    return one(makeConstant(in[0]->elemType, std::move(out)));
  }
  // Ops of MoE routing (Softmax, TopK, OneHot, CumSum, Pad, reductions,
  // scatters): folded on constants, and evaluated on test logits when the
  // importer verifies a router (ImportONNX.cpp, matchMoE).
  auto axisOf = [&](int64_t axis, int64_t r) -> std::optional<int64_t> {
    axis = normAxis(axis, r);
    if (axis < 0 || axis >= r)
      return std::nullopt;
    return axis;
  };
  auto split = [](const std::vector<int64_t> &shape, int64_t axis) {
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d)
      outer *= shape[d];
    for (int64_t d = axis + 1; d < int64_t(shape.size()); ++d)
      inner *= shape[d];
    return std::pair<int64_t, int64_t>(outer, inner);
  };
  if (op == "Softmax") {
    // PyTorch's CPU kernel: exp(x - max) in f32, times 1 / (sequential sum).
    const Tensor &x = vals(0);
    if (in[0]->elemType != TensorProto::FLOAT)
      return std::optional<Folded>();
    auto axis = axisOf(attrInt(node, "axis", -1), x.rank());
    if (!axis)
      return bad("axis out of range");
    auto [outer, inner] = split(x.shape, *axis);
    const int64_t dim = x.shape[*axis];
    Tensor out(x.shape);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        auto at = [&](int64_t k) { return (o * dim + k) * inner + i; };
        float mx = -std::numeric_limits<float>::infinity();
        for (int64_t k = 0; k < dim; ++k)
          mx = std::max(mx, float(x.data[at(k)]));
        float sum = 0.0f;
        for (int64_t k = 0; k < dim; ++k) {
          const float e = std::exp(float(x.data[at(k)]) - mx);
          out.data[at(k)] = e;
          sum += e;
        }
        const float inv = 1.0f / sum;
        for (int64_t k = 0; k < dim; ++k)
          out.data[at(k)] = float(out.data[at(k)]) * inv;
      }
    return one(makeConstant(in[0]->elemType, std::move(out)));
  }
  if (op == "TopK") {
    // Sorted, ties to the lower index (the ONNX definition).
    const Tensor &x = vals(0);
    if (vals(1).numel() != 1)
      return bad("K must hold one value");
    auto axis = axisOf(attrInt(node, "axis", -1), x.rank());
    if (!axis)
      return bad("axis out of range");
    const int64_t dim = x.shape[*axis], k = int64_t(vals(1).data[0]);
    if (k < 0 || k > dim)
      return bad(absl::StrCat("K = ", k, " is out of range for ", dim));
    const bool largest = attrInt(node, "largest", 1) != 0;
    auto [outer, inner] = split(x.shape, *axis);
    std::vector<int64_t> shape = x.shape;
    shape[*axis] = k;
    Tensor values(shape), indices(shape);
    std::vector<int64_t> order(dim);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        auto at = [&](int64_t j) { return x.data[(o * dim + j) * inner + i]; };
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
          return largest ? at(a) > at(b) : at(a) < at(b);
        });
        for (int64_t j = 0; j < k; ++j) {
          values.data[(o * k + j) * inner + i] = at(order[j]);
          indices.data[(o * k + j) * inner + i] = double(order[j]);
        }
      }
    return std::optional<Folded>(
        Folded{makeConstant(in[0]->elemType, std::move(values)),
               makeConstant(TensorProto::INT64, std::move(indices))});
  }
  if (op == "OneHot") {
    const Tensor &idx = vals(0);
    if (vals(1).numel() != 1 || vals(2).numel() != 2)
      return bad("depth must hold one value and values two");
    const int64_t depth = int64_t(vals(1).data[0]);
    if (depth < 1 || depth > kMaxFoldElements)
      return bad(absl::StrCat("depth ", depth, " is out of range"));
    const int64_t r = idx.rank() + 1;
    auto axis = axisOf(attrInt(node, "axis", -1), r);
    if (!axis)
      return bad("axis out of range");
    std::vector<int64_t> shape = idx.shape;
    shape.insert(shape.begin() + *axis, depth);
    if (safeNumElements(shape) < 0 || safeNumElements(shape) > kMaxFoldElements)
      return std::optional<Folded>();
    auto [outer, inner] = split(shape, *axis);
    Tensor out(shape, vals(2).data[0]);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        int64_t v = int64_t(idx.data[o * inner + i]);
        if (v < 0)
          v += depth;
        if (v >= 0 && v < depth)
          out.data[(o * depth + v) * inner + i] = vals(2).data[1];
      }
    return one(makeConstant(in[2]->elemType, std::move(out)));
  }
  if (op == "CumSum") {
    const Tensor &x = vals(0);
    if (vals(1).numel() != 1)
      return bad("axis must hold one value");
    auto axis = axisOf(int64_t(vals(1).data[0]), x.rank());
    if (!axis)
      return bad("axis out of range");
    const bool exclusive = attrInt(node, "exclusive", 0) != 0;
    const bool reverse = attrInt(node, "reverse", 0) != 0;
    auto [outer, inner] = split(x.shape, *axis);
    const int64_t dim = x.shape[*axis];
    Tensor out(x.shape);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        double sum = 0.0;
        for (int64_t s = 0; s < dim; ++s) {
          const int64_t j = reverse ? dim - 1 - s : s;
          const int64_t at = (o * dim + j) * inner + i;
          if (exclusive)
            out.data[at] = sum;
          sum = roundTo(in[0]->elemType, sum + x.data[at]);
          if (!exclusive)
            out.data[at] = sum;
        }
      }
    return one(makeConstant(in[0]->elemType, std::move(out)));
  }
  if (op == "Pad") {
    if (!attrString(node, "mode").empty() && attrString(node, "mode") != "constant")
      return std::optional<Folded>();
    const Tensor &x = vals(0);
    const int64_t r = x.rank();
    if (vals(1).numel() != 2 * r)
      return bad(absl::StrCat("pads must hold ", 2 * r, " values"));
    const double fill = in.size() > 2 && in[2] && vals(2).numel() == 1
                            ? vals(2).data[0]
                            : 0.0;
    std::vector<int64_t> shape(r), before(r);
    for (int64_t d = 0; d < r; ++d) {
      before[d] = int64_t(vals(1).data[d]);
      shape[d] = x.shape[d] + before[d] + int64_t(vals(1).data[d + r]);
      if (shape[d] < 0)
        return bad("pads remove more than the dimension");
    }
    const int64_t count = safeNumElements(shape);
    if (count < 0 || count > kMaxFoldElements)
      return std::optional<Folded>();
    Tensor out(shape, fill);
    const auto outStrides = ref::rowMajorStrides(shape);
    for (int64_t i = 0; i < x.numel(); ++i) {
      int64_t rem = i, flat = 0;
      bool inside = true;
      for (int64_t d = r - 1; d >= 0; --d) {
        const int64_t c = rem % x.shape[d] + before[d];
        rem /= x.shape[d];
        inside = inside && c >= 0 && c < shape[d];
        flat += c * outStrides[d];
      }
      if (inside)
        out.data[flat] = x.data[i];
    }
    return one(makeConstant(in[0]->elemType, std::move(out)));
  }
  if (op == "ReduceSum" || op == "ReduceMax" || op == "ReduceMean") {
    const Tensor &x = vals(0);
    const int64_t r = x.rank();
    std::vector<int64_t> axes;
    if (op == "ReduceSum") {
      if (in.size() > 1 && in[1])
        for (double a : vals(1).data)
          axes.push_back(int64_t(a));
      if (axes.empty() && attrInt(node, "noop_with_empty_axes", 0))
        return one(std::make_shared<Constant>(*in[0]));
    } else {
      axes = attrInts(node, "axes").value_or(std::vector<int64_t>{});
    }
    std::vector<bool> reduced(r, axes.empty());
    for (int64_t a : axes) {
      auto axis = axisOf(a, r);
      if (!axis)
        return bad("axis out of range");
      reduced[*axis] = true;
    }
    const bool keep = attrInt(node, "keepdims", 1) != 0;
    std::vector<int64_t> kept(r), shape;
    for (int64_t d = 0; d < r; ++d) {
      kept[d] = reduced[d] ? 1 : x.shape[d];
      if (!reduced[d] || keep)
        shape.push_back(kept[d]);
    }
    const int64_t count = ref::numElements(kept);
    if (x.numel() == 0 && op == "ReduceMax")
      return bad("empty reduction");
    Tensor out(shape, op == "ReduceMax"
                          ? -std::numeric_limits<double>::infinity()
                          : 0.0);
    const auto keptStrides = ref::rowMajorStrides(kept);
    for (int64_t i = 0; i < x.numel(); ++i) {
      int64_t rem = i, flat = 0;
      for (int64_t d = r - 1; d >= 0; --d) {
        const int64_t c = rem % x.shape[d];
        rem /= x.shape[d];
        flat += (reduced[d] ? 0 : c) * keptStrides[d];
      }
      double &acc = out.data[flat];
      acc = op == "ReduceMax" ? std::max(acc, x.data[i])
                              : roundTo(in[0]->elemType, acc + x.data[i]);
    }
    if (op == "ReduceMean" && count) {
      const double n = double(x.numel() / count);
      for (double &v : out.data)
        v = roundTo(in[0]->elemType, v / roundTo(in[0]->elemType, n));
    }
    return one(makeConstant(in[0]->elemType, std::move(out)));
  }
  if (op == "ScatterND" || op == "ScatterElements") {
    const std::string reduction = attrString(node, "reduction");
    if (!reduction.empty() && reduction != "none" && reduction != "add" &&
        reduction != "mul")
      return std::optional<Folded>();
    Tensor out = vals(0);
    const Tensor &idx = vals(1), &upd = vals(2);
    const int64_t r = out.rank();
    auto apply = [&](int64_t flat, double u) {
      double &v = out.data[flat];
      v = reduction == "add"   ? roundTo(in[0]->elemType, v + u)
          : reduction == "mul" ? roundTo(in[0]->elemType, v * u)
                               : u;
    };
    const auto strides = ref::rowMajorStrides(out.shape);
    if (op == "ScatterND") {
      const int64_t q = idx.rank();
      if (q < 1)
        return bad("indices must have rank >= 1");
      const int64_t k = idx.shape[q - 1];
      if (k > r)
        return bad("index tuples are longer than the data rank");
      int64_t slice = 1;
      for (int64_t d = k; d < r; ++d)
        slice *= out.shape[d];
      const int64_t tuples = k ? idx.numel() / k : 0;
      if (upd.numel() != tuples * slice)
        return bad("updates do not match the indices");
      for (int64_t t = 0; t < tuples; ++t) {
        int64_t base = 0;
        for (int64_t d = 0; d < k; ++d) {
          int64_t c = int64_t(idx.data[t * k + d]);
          if (c < 0)
            c += out.shape[d];
          if (c < 0 || c >= out.shape[d])
            return bad("index out of range");
          base += c * strides[d];
        }
        for (int64_t s = 0; s < slice; ++s)
          apply(base + s, upd.data[t * slice + s]);
      }
    } else {
      auto axis = axisOf(attrInt(node, "axis", 0), r);
      if (!axis)
        return bad("axis out of range");
      if (idx.shape != upd.shape || idx.rank() != r)
        return bad("indices and updates must have the data's rank and one "
                   "shape");
      for (int64_t d = 0; d < r; ++d)
        if (d != *axis && idx.shape[d] > out.shape[d])
          return bad("indices exceed the data");
      for (int64_t i = 0; i < idx.numel(); ++i) {
        int64_t rem = i, flat = 0;
        for (int64_t d = r - 1; d >= 0; --d) {
          int64_t c = rem % idx.shape[d];
          rem /= idx.shape[d];
          if (d == *axis) {
            c = int64_t(idx.data[i]);
            if (c < 0)
              c += out.shape[d];
            if (c < 0 || c >= out.shape[d])
              return bad("index out of range");
          }
          flat += c * strides[d];
        }
        apply(flat, upd.data[i]);
      }
    }
    return one(makeConstant(in[0]->elemType, std::move(out)));
  }
  (void)outType;
  return std::optional<Folded>();
}

} // namespace

StatusOr<std::optional<std::vector<std::shared_ptr<Constant>>>>
evaluateNode(const onnx::NodeProto &node,
             const std::vector<std::shared_ptr<const Constant>> &inputs) {
  return evaluate(node, inputs, 0);
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

/// Shapes ONNX's inference does not give: the custom "snn" domain (every
/// output has its input's type and shape) and OneHot with a constant depth
/// (ONNX 1.12 leaves the depth dimension unknown).
static void inferMissingShapes(Graph &g) {
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
static StatusOr<int> runShapeInference(Graph &g) {
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

/// Folds every node whose inputs are all constants and that the evaluator
/// handles; returns how many were folded.
static StatusOr<int> foldConstants(Graph &g) {
  int folded = 0;
  std::vector<const onnx::NodeProto *> kept;
  for (const onnx::NodeProto *n : g.nodes) {
    Inputs inputs;
    bool allConstant = n->domain().empty() || n->domain() == "ai.onnx";
    for (const std::string &name : n->input()) {
      if (name.empty()) {
        inputs.push_back(nullptr);
        continue;
      }
      const ValueInfo &v = g.values[name];
      // Shape only needs the input's shape.
      if (n->op_type() == "Shape" || n->op_type() == "Size") {
        if (!v.shape) {
          allConstant = false;
          break;
        }
        auto shapeOnly = std::make_shared<Constant>();
        shapeOnly->shape = *v.shape;
        shapeOnly->values = Tensor(); // only the shape is read
        inputs.push_back(std::move(shapeOnly));
        continue;
      }
      if (!v.constant) {
        allConstant = false;
        break;
      }
      inputs.push_back(v.constant);
    }
    if (n->op_type() == "Constant") {
      const onnx::AttributeProto *a = nullptr;
      for (const auto &attr : n->attribute())
        a = &attr;
      std::shared_ptr<Constant> c;
      if (a && a->name() == "value") {
        auto t = loadTensor(a->t(), "");
        if (!t.ok())
          return InvalidArgumentError(
              absl::StrCat(describeNode(*n, g), ": ", t.status().message()));
        c = *t;
      } else if (a && a->name() == "value_float") {
        c = makeConstant(TensorProto::FLOAT, Tensor({}, {a->f()}));
      } else if (a && a->name() == "value_int") {
        c = makeConstant(TensorProto::INT64, Tensor({}, {double(a->i())}));
      } else if (a && a->name() == "value_floats") {
        std::vector<double> v(a->floats().begin(), a->floats().end());
        c = makeConstant(TensorProto::FLOAT,
                         Tensor({int64_t(v.size())}, std::move(v)));
      } else if (a && a->name() == "value_ints") {
        std::vector<double> v;
        for (int64_t x : a->ints())
          v.push_back(double(x));
        c = makeConstant(TensorProto::INT64,
                         Tensor({int64_t(v.size())}, std::move(v)));
      } else {
        return absl::UnimplementedError(absl::StrCat(
            describeNode(*n, g),
            ": only tensor, float(s) and int(s) Constant values are supported"));
      }
      ValueInfo &out = g.values[n->output(0)];
      out.constant = c;
      out.elemType = c->elemType;
      out.shape = c->shape;
      ++folded;
      continue;
    }
    if (!allConstant || n->output_size() == 0) {
      kept.push_back(n);
      continue;
    }
    auto result = evaluate(*n, inputs, 0);
    if (!result.ok())
      return InvalidArgumentError(
          absl::StrCat(describeNode(*n, g), ": ", result.status().message()));
    if (!*result || (*result)->size() != size_t(n->output_size())) {
      kept.push_back(n);
      continue;
    }
    for (int i = 0; i < n->output_size(); ++i) {
      ValueInfo &out = g.values[n->output(i)];
      out.constant = (**result)[i];
      out.elemType = out.constant->elemType;
      out.shape = out.constant->shape;
    }
    ++folded;
  }
  g.nodes = std::move(kept);
  return folded;
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
  const onnx::ModelProto &m = *g.model;
  const std::string dir = path.find('/') == std::string::npos
                              ? std::string()
                              : path.substr(0, path.rfind('/'));

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
  const onnx::GraphProto &graph = m.graph();
  if (graph.node_size() == 0 || graph.output_size() == 0)
    return InvalidArgumentError(absl::StrCat(
        "'", path, "' has an empty graph (", graph.node_size(), " nodes, ",
        graph.output_size(), " outputs)"));
  // Reject what cannot be imported, with specific messages, before the
  // generic checker.
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

  // Initializers.
  std::set<std::string> initializers;
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

  // Runtime inputs: static shapes, from the model or --input-shape.
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
  for (const auto &out : graph.output())
    g.outputs.push_back(out.name());

  for (const onnx::NodeProto &n : graph.node())
    g.nodes.push_back(&n);

  // Fold and infer to a fixpoint.
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

  // Drop dead nodes (e.g. a traced neuron's reset after its last step).
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

  // Every value a remaining node touches must now have a static shape.
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
  return g;
}

} // namespace spikestack::onnx_import
