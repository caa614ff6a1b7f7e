//===- Npy.cpp - Reading and writing NumPy .npy files ---------------------===//
//
// Part of the SpikeStack project.
//
//===----------------------------------------------------------------------===//
//
// File layout (all integers little-endian):
//
//   "\x93NUMPY" major minor  header_len  header  data
//      6 bytes   1     1     2 bytes (v1.0) / 4 bytes (v2.0, v3.0)
//
// The header is the repr() of a Python dict with exactly the keys 'descr',
// 'fortran_order' and 'shape', padded with spaces and terminated by '\n'.
// Instead of evaluating it, a small strict tokenizer accepts the subset of
// Python literal syntax that NumPy produces, plus harmless variations: any key
// order, either quote style, optional trailing commas, arbitrary whitespace,
// and the Python 2 'L' suffix on integers found in very old files.
//
//===----------------------------------------------------------------------===//

#include "spikestack/Support/Npy.h"

#include <cassert>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "spikestack/Support/FileUtil.h"

namespace spikestack {
namespace {

//===----------------------------------------------------------------------===//
// DType table
//===----------------------------------------------------------------------===//

struct DTypeInfo {
  NpyDType dtype;
  std::string_view name;  // NumPy name, e.g. "float32".
  std::string_view descr; // Canonical descr written to files, e.g. "<f4".
  int64_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {NpyDType::Bool, "bool", "|b1", 1},   {NpyDType::U8, "uint8", "|u1", 1},
    {NpyDType::I8, "int8", "|i1", 1},     {NpyDType::I16, "int16", "<i2", 2},
    {NpyDType::I32, "int32", "<i4", 4},   {NpyDType::I64, "int64", "<i8", 8},
    {NpyDType::U16, "uint16", "<u2", 2},  {NpyDType::U32, "uint32", "<u4", 4},
    {NpyDType::U64, "uint64", "<u8", 8},  {NpyDType::F32, "float32", "<f4", 4},
    {NpyDType::F64, "float64", "<f8", 8},
};

const DTypeInfo &info(NpyDType dtype) {
  for (const DTypeInfo &i : kDTypes)
    if (i.dtype == dtype)
      return i;
  // Only reachable with an out-of-range enum value (e.g. a bad cast).
  std::fprintf(stderr, "spikestack: invalid NpyDType %d\n",
               static_cast<int>(dtype));
  std::abort();
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
static_assert(kMagic.size() == kMagicLen);

// Debian's Abseil is built with ABSL_OPTION_USE_STD_STRING_VIEW=0, so
// absl::string_view is a separate class that does not convert from
// std::string_view. `av` bridges the two; the template overload passes all
// other StrCat arguments through unchanged.
absl::string_view av(std::string_view s) { return {s.data(), s.size()}; }
template <typename T> const T &av(const T &v) { return v; }

/// Concatenates `args` (std::string_view allowed) with absl::StrCat.
template <typename... Args> std::string cat(const Args &...args) {
  return absl::StrCat(av(args)...);
}

/// Escapes non-printable bytes, backslashes and double quotes as \xNN / \\ /
/// \" so that untrusted bytes can be shown safely in messages. Unlike
/// absl::CHexEscape it leaves single quotes alone, keeping dict text readable.
std::string hexEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '\\' || c == '"')
      out += {'\\', c};
    else if (u >= 0x20 && u < 0x7F)
      out += c;
    else
      out += absl::StrFormat("\\x%02x", u);
  }
  return out;
}

template <typename... Args>
absl::Status invalidError(std::string_view name, const Args &...args) {
  return absl::InvalidArgumentError(cat(name, ": ", args...));
}

template <typename... Args>
absl::Status unimplementedError(std::string_view name, const Args &...args) {
  return absl::UnimplementedError(cat(name, ": ", args...));
}

/// Formats a shape like Python's tuple repr: (), (5,), (2, 3).
std::string shapeRepr(const std::vector<int64_t> &shape) {
  if (shape.size() == 1)
    return cat("(", shape[0], ",)");
  return cat("(", absl::StrJoin(shape, ", "), ")");
}

/// Quotes `s` for an error message, escaping non-printable bytes and
/// truncating it to roughly `maxLen` characters.
std::string quoteForError(std::string_view s, size_t maxLen = 200) {
  bool truncated = s.size() > maxLen;
  std::string out =
      cat("\"", hexEscape(truncated ? s.substr(0, maxLen) : s), "\"");
  if (truncated)
    out += "...";
  return out;
}

std::string supportedDescrList() {
  std::string out;
  for (const DTypeInfo &i : kDTypes)
    out += cat(out.empty() ? "" : ", ", "'", i.descr, "'");
  return out;
}

uint64_t loadLE(const uint8_t *p, int64_t size) {
  uint64_t v = 0;
  for (int64_t i = 0; i < size; ++i)
    v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

void storeLE(uint8_t *p, uint64_t v, int64_t size) {
  for (int64_t i = 0; i < size; ++i)
    p[i] = static_cast<uint8_t>(v >> (8 * i));
}

/// Computes the number of elements and bytes of an array of `shape` with
/// elements of `itemSize` bytes. Fails if a dim is negative, if there are
/// more than kNpyMaxDims dims, or if the product of the non-zero dims times
/// the item size overflows int64/size_t (also for zero-size arrays, so that
/// consumers may compute strides without overflow checks).
absl::Status checkShape(const std::vector<int64_t> &shape, int64_t itemSize,
                        std::string_view name, int64_t &numelOut,
                        int64_t &byteSizeOut) {
  if (shape.size() > static_cast<size_t>(kNpyMaxDims))
    return invalidError(name, "shape has ", shape.size(),
                        " dimensions; at most ", kNpyMaxDims, " are supported");
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t product = 1; // Product of the non-zero dims.
  bool hasZero = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t d = shape[i];
    if (d < 0)
      return invalidError(name, "negative dimension ", d, " at index ", i,
                          " of shape ", shapeRepr(shape));
    if (d == 0) {
      hasZero = true;
      continue;
    }
    if (product > kMax / d)
      return invalidError(name, "shape ", shapeRepr(shape),
                          " is too large: the element count overflows a "
                          "64-bit integer");
    product *= d;
  }
  if (product > kMax / itemSize || static_cast<uint64_t>(product * itemSize) >
                                       std::numeric_limits<size_t>::max())
    return invalidError(name, "shape ", shapeRepr(shape), " with ", itemSize,
                        "-byte elements is too large: the byte size "
                        "overflows a 64-bit integer");
  numelOut = hasZero ? 0 : product;
  byteSizeOut = numelOut * itemSize;
  return absl::OkStatus();
}

//===----------------------------------------------------------------------===//
// Header dict parser
//===----------------------------------------------------------------------===//

struct ParsedHeader {
  std::optional<std::string_view> descr;
  std::optional<bool> fortranOrder;
  std::optional<std::vector<int64_t>> shape;
};

/// Strict recursive-descent parser for the header dict. Every method either
/// advances within `text_` or returns an error; nothing indexes past the end.
class HeaderParser {
public:
  HeaderParser(std::string_view text, std::string_view name)
      : text_(text), name_(name) {}

  absl::StatusOr<ParsedHeader> parse() {
    ParsedHeader header;
    skipWhitespace();
    if (!consume('{'))
      return syntaxError("expected '{' at start of header dict");
    while (true) {
      skipWhitespace();
      if (consume('}'))
        break;
      size_t keyPos = pos_;
      absl::StatusOr<std::string_view> key = parseString("dict key");
      if (!key.ok())
        return key.status();
      skipWhitespace();
      if (!consume(':'))
        return syntaxError(cat("expected ':' after key '", *key, "'"));
      skipWhitespace();
      if (absl::Status s = parseValue(*key, keyPos, header); !s.ok())
        return s;
      skipWhitespace();
      if (consume(','))
        continue;
      if (consume('}'))
        break;
      return syntaxError("expected ',' or '}' after dict value");
    }
    skipWhitespace();
    if (pos_ != text_.size())
      return syntaxError("unexpected characters after header dict");

    for (std::string_view key : {"descr", "fortran_order", "shape"}) {
      bool present = key == "descr"           ? header.descr.has_value()
                     : key == "fortran_order" ? header.fortranOrder.has_value()
                                              : header.shape.has_value();
      if (!present)
        return invalidError(name_, "malformed .npy header: missing key '", key,
                            "' in header ", quoteForError(trimmedText()));
    }
    return header;
  }

private:
  absl::Status parseValue(std::string_view key, size_t keyPos,
                          ParsedHeader &header) {
    auto duplicate = [&]() {
      pos_ = keyPos;
      return syntaxError(cat("duplicate key '", key, "'"));
    };
    if (key == "descr") {
      if (header.descr)
        return duplicate();
      if (peek() == '[')
        return unimplementedError(
            name_, "structured dtypes are not supported (header ",
            quoteForError(trimmedText()), ")");
      absl::StatusOr<std::string_view> descr = parseString("'descr' value");
      if (!descr.ok())
        return descr.status();
      header.descr = *descr;
      return absl::OkStatus();
    }
    if (key == "fortran_order") {
      if (header.fortranOrder)
        return duplicate();
      if (consumeWord("True"))
        header.fortranOrder = true;
      else if (consumeWord("False"))
        header.fortranOrder = false;
      else
        return syntaxError("'fortran_order' must be True or False");
      return absl::OkStatus();
    }
    if (key == "shape") {
      if (header.shape)
        return duplicate();
      std::vector<int64_t> shape;
      if (absl::Status s = parseShape(shape); !s.ok())
        return s;
      header.shape = std::move(shape);
      return absl::OkStatus();
    }
    pos_ = keyPos;
    return syntaxError(
        cat("unexpected key '", hexEscape(key),
            "' (expected exactly 'descr', 'fortran_order' and 'shape')"));
  }

  /// Parses a single- or double-quoted string without escape sequences.
  absl::StatusOr<std::string_view> parseString(std::string_view what) {
    char quote = peek();
    if (quote != '\'' && quote != '"')
      return syntaxError(cat("expected a quoted string as ", what));
    size_t start = ++pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == quote) {
        std::string_view s = text_.substr(start, pos_ - start);
        ++pos_;
        return s;
      }
      if (c == '\\')
        return syntaxError("escape sequences in strings are not supported");
      if (c == '\n' || c == '\r')
        return syntaxError("unterminated string");
      ++pos_;
    }
    return syntaxError("unterminated string");
  }

  /// Parses a tuple of non-negative integers: (), (5,), (2, 3), (2, 3,).
  absl::Status parseShape(std::vector<int64_t> &shape) {
    if (!consume('('))
      return syntaxError("'shape' must be a tuple such as (2, 3)");
    skipWhitespace();
    if (consume(')'))
      return absl::OkStatus();
    while (true) {
      if (shape.size() >= static_cast<size_t>(kNpyMaxDims))
        return invalidError(name_, "shape has more than ", kNpyMaxDims,
                            " dimensions");
      int64_t dim = 0;
      if (absl::Status s = parseDim(shape.size(), dim); !s.ok())
        return s;
      shape.push_back(dim);
      skipWhitespace();
      if (consume(',')) {
        skipWhitespace();
        if (consume(')'))
          return absl::OkStatus();
        continue;
      }
      if (consume(')')) {
        if (shape.size() == 1)
          return syntaxError(cat("'shape' must be a tuple; write (", shape[0],
                                 ",) instead of (", shape[0], ")"));
        return absl::OkStatus();
      }
      return syntaxError("expected ',' or ')' in 'shape' tuple");
    }
  }

  /// Parses one dimension: an optionally negative decimal integer with an
  /// optional Python 2 long suffix. Negative values are rejected.
  absl::Status parseDim(size_t index, int64_t &out) {
    size_t start = pos_;
    bool negative = consume('-');
    if (pos_ >= text_.size() || !isDigit(text_[pos_]))
      return syntaxError("expected an integer in 'shape' tuple");
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    int64_t value = 0;
    bool overflow = false;
    while (pos_ < text_.size() && isDigit(text_[pos_])) {
      int digit = text_[pos_] - '0';
      if (value > (kMax - digit) / 10)
        overflow = true;
      else
        value = value * 10 + digit;
      ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'L' || text_[pos_] == 'l'))
      ++pos_;
    std::string_view literal = text_.substr(start, pos_ - start);
    if (overflow)
      return invalidError(name_, "dimension ", literal, " at index ", index,
                          " of 'shape' does not fit in a 64-bit integer");
    if (negative && value != 0)
      return invalidError(name_, "negative dimension ", literal, " at index ",
                          index, " of 'shape'");
    out = value;
    return absl::OkStatus();
  }

  static bool isDigit(char c) { return c >= '0' && c <= '9'; }
  static bool isIdentChar(char c) {
    return isDigit(c) || c == '_' || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
  }

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  bool consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  /// Consumes `word` if it appears at the current position as a whole word.
  bool consumeWord(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word)
      return false;
    size_t end = pos_ + word.size();
    if (end < text_.size() && isIdentChar(text_[end]))
      return false;
    pos_ = end;
    return true;
  }

  void skipWhitespace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
            text_[pos_] == '\r' || text_[pos_] == '\f'))
      ++pos_;
  }

  /// The header without its trailing padding, for error messages.
  std::string_view trimmedText() const {
    std::string_view t = text_;
    while (!t.empty() && (t.back() == ' ' || t.back() == '\n'))
      t.remove_suffix(1);
    return t;
  }

  absl::Status syntaxError(std::string_view what) const {
    return invalidError(name_, "malformed .npy header: ", what, " at offset ",
                        pos_, " of header ", quoteForError(trimmedText()));
  }

  std::string_view text_;
  std::string_view name_;
  size_t pos_ = 0;
};

/// Maps a descr string to a supported dtype.
absl::StatusOr<NpyDType> parseDescr(std::string_view descr,
                                    std::string_view name) {
  std::string quoted = cat("'", hexEscape(descr), "'");
  if (descr.size() < 2)
    return invalidError(name, "invalid dtype descr ", quoted);
  char order = descr[0];
  std::string_view body = descr.substr(1);
  if (order != '<' && order != '>' && order != '=' && order != '|')
    return invalidError(name, "invalid dtype descr ", quoted,
                        " (expected a byte order character '<', '>', '=' or "
                        "'|' followed by a type code)");
  if (body[0] == 'O')
    return unimplementedError(name, "object arrays (descr ", quoted,
                              ") are not supported; they contain pickled "
                              "Python objects");
  for (const DTypeInfo &i : kDTypes) {
    if (i.descr.substr(1) != body)
      continue;
    // Byte order is irrelevant for single-byte types. Multi-byte types must
    // be little-endian; '=' (native) is taken to mean little-endian, since
    // NumPy itself always writes an explicit '<' or '>'.
    if (i.size == 1 || order == '<' || order == '=')
      return i.dtype;
    if (order == '>')
      return unimplementedError(
          name, "big-endian data (descr ", quoted,
          ") is not supported; convert it in NumPy with arr.astype('<", body,
          "') before saving");
    return invalidError(name, "invalid dtype descr ", quoted,
                        ": byte order '|' is only valid for 1-byte types");
  }
  return unimplementedError(name, "unsupported dtype descr ", quoted,
                            "; supported descrs are ", supportedDescrList());
}

//===----------------------------------------------------------------------===//
// Element conversion
//===----------------------------------------------------------------------===//

double elementToDouble(NpyDType dtype, const uint8_t *p) {
  switch (dtype) {
  case NpyDType::Bool:
  case NpyDType::U8:
    return p[0];
  case NpyDType::I8:
    return static_cast<int8_t>(p[0]);
  case NpyDType::I16:
    return static_cast<int16_t>(loadLE(p, 2));
  case NpyDType::I32:
    return static_cast<int32_t>(loadLE(p, 4));
  case NpyDType::I64:
    return static_cast<double>(static_cast<int64_t>(loadLE(p, 8)));
  case NpyDType::U16:
    return static_cast<double>(loadLE(p, 2));
  case NpyDType::U32:
    return static_cast<double>(loadLE(p, 4));
  case NpyDType::U64:
    return static_cast<double>(loadLE(p, 8));
  case NpyDType::F32: {
    uint32_t bits = static_cast<uint32_t>(loadLE(p, 4));
    float f;
    std::memcpy(&f, &bits, sizeof(f));
    return f;
  }
  case NpyDType::F64: {
    uint64_t bits = loadLE(p, 8);
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    return d;
  }
  }
  return 0.0; // Unreachable for valid enum values.
}

/// Checks that `v` is an integer in [lo, hiExclusive) and returns it.
std::optional<int64_t> toIntegerInRange(double v, double lo,
                                        double hiExclusive) {
  if (!std::isfinite(v) || std::trunc(v) != v || v < lo || v >= hiExclusive)
    return std::nullopt;
  return static_cast<int64_t>(v);
}

/// Encodes `v` as one element of `dtype` at `p`. Returns false if `v` is not
/// representable.
bool doubleToElement(NpyDType dtype, double v, uint8_t *p) {
  auto storeSigned = [&](int bits) {
    std::optional<int64_t> i = toIntegerInRange(v, -std::ldexp(1.0, bits - 1),
                                                std::ldexp(1.0, bits - 1));
    if (!i)
      return false;
    storeLE(p, static_cast<uint64_t>(*i), bits / 8);
    return true;
  };
  auto storeUnsigned = [&](int bits) {
    if (!std::isfinite(v) || std::trunc(v) != v || v < 0 ||
        v >= std::ldexp(1.0, bits))
      return false;
    storeLE(p, static_cast<uint64_t>(v), bits / 8);
    return true;
  };
  switch (dtype) {
  case NpyDType::Bool:
    if (v != 0.0 && v != 1.0)
      return false;
    p[0] = v == 1.0 ? 1 : 0;
    return true;
  case NpyDType::U8:
    return storeUnsigned(8);
  case NpyDType::U16:
    return storeUnsigned(16);
  case NpyDType::U32:
    return storeUnsigned(32);
  case NpyDType::U64:
    return storeUnsigned(64);
  case NpyDType::I8:
    return storeSigned(8);
  case NpyDType::I16:
    return storeSigned(16);
  case NpyDType::I32:
    return storeSigned(32);
  case NpyDType::I64:
    return storeSigned(64);
  case NpyDType::F32: {
    if (std::isfinite(v) && std::fabs(v) > static_cast<double>(FLT_MAX))
      return false;
    float f = static_cast<float>(v);
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof(bits));
    storeLE(p, bits, 4);
    return true;
  }
  case NpyDType::F64: {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    storeLE(p, bits, 8);
    return true;
  }
  }
  return false;
}

/// Returns an error if `array` violates the NpyArray invariant.
absl::Status validateArray(const NpyArray &array, std::string_view name) {
  const DTypeInfo &dt = info(array.dtype);
  int64_t numel = 0, byteSize = 0;
  if (absl::Status s = checkShape(array.shape, dt.size, name, numel, byteSize);
      !s.ok())
    return s;
  if (array.data.size() != static_cast<uint64_t>(byteSize))
    return invalidError(name, "array of dtype ", dt.name, " and shape ",
                        shapeRepr(array.shape), " needs ", byteSize,
                        " bytes of data but has ", array.data.size());
  if (array.dtype == NpyDType::Bool) {
    for (size_t i = 0; i < array.data.size(); ++i)
      if (array.data[i] > 1)
        return invalidError(name, "invalid bool value ",
                            static_cast<int>(array.data[i]), " at element ", i,
                            " (bool elements must be 0 or 1)");
  }
  return absl::OkStatus();
}

} // namespace

//===----------------------------------------------------------------------===//
// Public API
//===----------------------------------------------------------------------===//

std::string_view npyDTypeName(NpyDType dtype) { return info(dtype).name; }
int64_t npyDTypeSize(NpyDType dtype) { return info(dtype).size; }
std::string_view npyDTypeDescr(NpyDType dtype) { return info(dtype).descr; }

int64_t NpyArray::numel() const {
  // Unsigned arithmetic: well-defined even for shapes violating the invariant.
  uint64_t n = 1;
  for (int64_t d : shape)
    n *= static_cast<uint64_t>(d);
  return static_cast<int64_t>(n);
}

std::vector<double> NpyArray::toDoubles() const {
  const int64_t itemSize = npyDTypeSize(dtype);
  assert(data.size() == static_cast<uint64_t>(numel() * itemSize) &&
         "NpyArray data size does not match its shape");
  uint64_t count = data.size() / static_cast<uint64_t>(itemSize);
  int64_t n = numel();
  if (n >= 0 && static_cast<uint64_t>(n) < count)
    count = static_cast<uint64_t>(n);
  std::vector<double> out;
  out.reserve(count);
  for (uint64_t i = 0; i < count; ++i)
    out.push_back(elementToDouble(dtype, data.data() + i * itemSize));
  return out;
}

absl::StatusOr<NpyArray>
NpyArray::tryFromDoubles(NpyDType dtype, std::vector<int64_t> shape,
                         const std::vector<double> &values) {
  constexpr std::string_view kName = "NpyArray::fromDoubles";
  const DTypeInfo &dt = info(dtype);
  int64_t numel = 0, byteSize = 0;
  if (absl::Status s = checkShape(shape, dt.size, kName, numel, byteSize);
      !s.ok())
    return s;
  if (values.size() != static_cast<uint64_t>(numel))
    return invalidError(kName, "shape ", shapeRepr(shape), " has ", numel,
                        " elements but ", values.size(), " values were given");
  NpyArray array;
  array.dtype = dtype;
  array.shape = std::move(shape);
  array.data.resize(static_cast<size_t>(byteSize));
  for (size_t i = 0; i < values.size(); ++i) {
    if (!doubleToElement(dtype, values[i], array.data.data() + i * dt.size))
      return invalidError(kName, "value ", absl::StrFormat("%.17g", values[i]),
                          " at index ", i, " is not representable as ",
                          dt.name);
  }
  return array;
}

NpyArray NpyArray::fromDoubles(NpyDType dtype, std::vector<int64_t> shape,
                               const std::vector<double> &values) {
  absl::StatusOr<NpyArray> array =
      tryFromDoubles(dtype, std::move(shape), values);
  if (!array.ok()) {
    std::fprintf(stderr, "spikestack: fatal: %s\n",
                 std::string(array.status().message()).c_str());
    std::abort();
  }
  return *std::move(array);
}

absl::StatusOr<NpyArray> parseNpy(std::string_view bytes,
                                  std::string_view nameForErrors) {
  const std::string_view name = nameForErrors;
  const size_t size = bytes.size();

  // Magic string.
  if (bytes.substr(0, kMagicLen) != kMagic.substr(0, std::min(size, kMagicLen)))
    return invalidError(name, "not a .npy file: bad magic string ",
                        quoteForError(bytes.substr(0, kMagicLen)),
                        " (expected \"\\x93NUMPY\")");
  if (size < kMagicLen + 2)
    return invalidError(name, "truncated header: file is only ", size,
                        " bytes long");

  // Version and header length.
  const int major = static_cast<uint8_t>(bytes[6]);
  const int minor = static_cast<uint8_t>(bytes[7]);
  size_t lenBytes;
  if (major == 1 && minor == 0)
    lenBytes = 2;
  else if ((major == 2 || major == 3) && minor == 0)
    lenBytes = 4;
  else
    return unimplementedError(name, "unsupported .npy format version ", major,
                              ".", minor, " (supported: 1.0, 2.0, 3.0)");
  const size_t preambleLen = kMagicLen + 2 + lenBytes;
  if (size < preambleLen)
    return invalidError(name, "truncated header: file is only ", size,
                        " bytes long but the version ", major, ".", minor,
                        " preamble needs ", preambleLen);
  const uint64_t headerLen =
      loadLE(reinterpret_cast<const uint8_t *>(bytes.data()) + kMagicLen + 2,
             static_cast<int64_t>(lenBytes));
  if (headerLen > size - preambleLen)
    return invalidError(name, "truncated header: header length ", headerLen,
                        " extends beyond the end of the file (only ",
                        size - preambleLen, " bytes follow the ", preambleLen,
                        "-byte preamble)");

  // Header dict.
  const std::string_view headerText =
      bytes.substr(preambleLen, static_cast<size_t>(headerLen));
  absl::StatusOr<ParsedHeader> header = HeaderParser(headerText, name).parse();
  if (!header.ok())
    return header.status();
  absl::StatusOr<NpyDType> dtype = parseDescr(*header->descr, name);
  if (!dtype.ok())
    return dtype.status();
  if (*header->fortranOrder)
    return unimplementedError(name, "fortran_order=True is not supported; "
                                    "save with np.ascontiguousarray");
  const int64_t itemSize = npyDTypeSize(*dtype);
  int64_t numel = 0, byteSize = 0;
  if (absl::Status s =
          checkShape(*header->shape, itemSize, name, numel, byteSize);
      !s.ok())
    return s;

  // Data section: must be exactly numel * itemsize bytes.
  const size_t dataOffset = preambleLen + static_cast<size_t>(headerLen);
  const size_t dataLen = size - dataOffset;
  if (dataLen < static_cast<uint64_t>(byteSize))
    return invalidError(name, "truncated: expected ", byteSize,
                        " bytes of data, found ", dataLen, " (dtype ",
                        npyDTypeName(*dtype), ", shape ",
                        shapeRepr(*header->shape), ")");
  if (dataLen > static_cast<uint64_t>(byteSize))
    return invalidError(name, "unexpected trailing data: expected ", byteSize,
                        " bytes of data, found ", dataLen, " (dtype ",
                        npyDTypeName(*dtype), ", shape ",
                        shapeRepr(*header->shape), ")");

  NpyArray array;
  array.dtype = *dtype;
  array.shape = std::move(*header->shape);
  const uint8_t *data = reinterpret_cast<const uint8_t *>(bytes.data());
  array.data.assign(data + dataOffset, data + size);
  if (absl::Status s = validateArray(array, name); !s.ok())
    return s;
  return array;
}

absl::StatusOr<NpyArray> readNpy(const std::string &path, int64_t maxBytes) {
  ReadOptions options;
  options.what = ".npy input";
  options.maxBytes = maxBytes;
  absl::StatusOr<std::string> contents = readFile(path, options);
  if (!contents.ok())
    return contents.status();
  return parseNpy(*contents, path);
}

std::string serializeNpy(const NpyArray &array) {
  // Mirror numpy.lib.format._write_array_header exactly: sorted keys, Python
  // reprs, spare spaces so the first dim can grow in place, then padding so
  // that the data starts at a multiple of 64 bytes.
  std::string header = cat(
      "{'descr': '", npyDTypeDescr(array.dtype),
      "', 'fortran_order': False, 'shape': ", shapeRepr(array.shape), ", }");
  if (!array.shape.empty()) {
    constexpr size_t kGrowthAxisMaxDigits = 21;
    size_t digits = cat(array.shape[0]).size();
    if (digits < kGrowthAxisMaxDigits)
      header.append(kGrowthAxisMaxDigits - digits, ' ');
  }
  constexpr size_t kAlign = 64;
  const size_t hlen = header.size() + 1; // + '\n'
  size_t lenBytes = 2;
  size_t padLen = kAlign - (kMagicLen + 2 + lenBytes + hlen) % kAlign;
  if (hlen + padLen > 0xFFFF) {
    lenBytes = 4;
    padLen = kAlign - (kMagicLen + 2 + lenBytes + hlen) % kAlign;
  }
  const size_t totalHeader = hlen + padLen;

  std::string out;
  out.reserve(kMagicLen + 2 + lenBytes + totalHeader + array.data.size());
  out.append(kMagic);
  out.push_back(static_cast<char>(lenBytes == 2 ? 1 : 2)); // major
  out.push_back(0);                                        // minor
  for (size_t i = 0; i < lenBytes; ++i)
    out.push_back(static_cast<char>((totalHeader >> (8 * i)) & 0xFF));
  out.append(header);
  out.append(padLen, ' ');
  out.push_back('\n');
  out.append(reinterpret_cast<const char *>(array.data.data()),
             array.data.size());
  return out;
}

absl::Status writeNpy(const std::string &path, const NpyArray &array) {
  if (absl::Status s = validateArray(array, path); !s.ok())
    return s;
  return writeOutputFile(path, serializeNpy(array));
}

//===----------------------------------------------------------------------===//
// Tensors as .npy arrays
//===----------------------------------------------------------------------===//

NpyDType npyDTypeFor(NpyElementKind kind, int64_t width) {
  switch (kind) {
  case NpyElementKind::F32:
    return NpyDType::F32;
  case NpyElementKind::Spike:
    return NpyDType::U8;
  case NpyElementKind::Count:
  case NpyElementKind::Fixed:
    return NpyDType::I32;
  case NpyElementKind::Int:
    return width == 1 ? NpyDType::Bool
           : width <= 32 ? NpyDType::I32
                         : NpyDType::I64;
  }
  return NpyDType::F32;
}

absl::Status matchNpyShape(const NpyArray &array, std::vector<int64_t> &shape,
                           const std::string &needs) {
  bool matches = shape.size() == array.shape.size();
  for (size_t i = 0; matches && i < shape.size(); ++i) {
    if (shape[i] < 0)
      shape[i] = array.shape[i];
    matches = shape[i] == array.shape[i];
  }
  if (matches)
    return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("has shape [", absl::StrJoin(array.shape, ", "), "] but ",
                   needs));
}

absl::Status checkNpyDType(const NpyArray &array, NpyElementKind kind,
                           const std::string &typeName,
                           const std::string &integers) {
  switch (kind) {
  case NpyElementKind::F32:
    if (array.dtype != NpyDType::F32)
      return absl::InvalidArgumentError(
          absl::StrCat("has dtype ", std::string(npyDTypeName(array.dtype)),
                       " but an f32 tensor needs float32"));
    return absl::OkStatus();
  case NpyElementKind::Spike:
  case NpyElementKind::Count:
    // Any numeric dtype holding the integers (bool, uint8, float32 0/1...).
    return absl::OkStatus();
  case NpyElementKind::Fixed:
  case NpyElementKind::Int:
    if (array.dtype == NpyDType::F32 || array.dtype == NpyDType::F64)
      return absl::InvalidArgumentError(
          absl::StrCat("has dtype ", std::string(npyDTypeName(array.dtype)), " but ",
                       typeName, " needs ", integers));
    return absl::OkStatus();
  }
  return absl::OkStatus();
}

} // namespace spikestack
