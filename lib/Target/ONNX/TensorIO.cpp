//===- TensorIO.cpp - ONNX tensors: element types, decoding, loading -----===//
//
// Element types and attribute readers, the decoding of a TensorProto's bytes
// (raw, typed or external data) to doubles and the encoding back.
//
//===----------------------------------------------------------------------===//
#include "ONNXGraph.h"

#include "spikestack/Support/FileUtil.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

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

int64_t safeNumElements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d && n > (int64_t(1) << 62) / d))
      return -1;
    n *= d;
  }
  return n;
}

} // namespace spikestack::onnx_import
