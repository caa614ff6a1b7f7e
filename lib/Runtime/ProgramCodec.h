//===- ProgramCodec.h - byte-level pieces of the program container -*- C++ -*-===//
//
// Internal to lib/Runtime: the little-endian writer and the bounds-checked
// reader of the container (ProgramContainer.cpp), and the section codecs
// the assembler shares with it (its hex sections are container sections).
// Decoders accept only what the encoders write (docs/isa.md, "The
// container"): encode(decode(x)) == x for every accepted x.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_LIB_RUNTIME_PROGRAMCODEC_H
#define SPIKESTACK_LIB_RUNTIME_PROGRAMCODEC_H

#include "spikestack/Runtime/Program.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace spikestack::rt::detail {

/// Appends little-endian fields to `out`.
class Writer {
public:
  std::string out;
  void u8(uint8_t v) { out.push_back(char(v)); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i)
      u8(uint8_t(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i)
      u8(uint8_t(v >> (8 * i)));
  }
  void i32(int32_t v) { u32(uint32_t(v)); }
  void i64(int64_t v) { u64(uint64_t(v)); }
  void f64(double v) {
    uint64_t b;
    std::memcpy(&b, &v, 8);
    u64(b);
  }
  void str(const std::string &s) {
    u32(uint32_t(s.size()));
    out += s;
  }
  void ints(const std::vector<int64_t> &v) {
    u32(uint32_t(v.size()));
    for (int64_t x : v)
      i64(x);
  }
  void ids(const std::vector<int32_t> &v) {
    u32(uint32_t(v.size()));
    for (int32_t x : v)
      i32(x);
  }
  void reals(const std::vector<double> &v) {
    u32(uint32_t(v.size()));
    for (double x : v)
      f64(x);
  }
};

/// Reads little-endian fields of one section (`what`, for messages). The
/// first problem is kept in `status`; later reads return zeros.
class Reader {
public:
  Reader(std::string_view data, std::string what)
      : data(data), what(std::move(what)) {}
  absl::Status status;
  bool ok() const { return status.ok(); }
  bool atEnd() const { return pos == data.size(); }
  size_t remaining() const { return data.size() - pos; }

  bool need(size_t n) {
    if (!status.ok())
      return false;
    if (n > remaining()) {
      status = absl::InvalidArgumentError(absl::StrCat(
          "truncated ", what, ": needs ", n, " more bytes at offset ", pos,
          " of ", data.size()));
      return false;
    }
    return true;
  }
  uint8_t u8() {
    if (!need(1))
      return 0;
    return uint8_t(data[pos++]);
  }
  uint32_t u32() {
    if (!need(4))
      return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v |= uint32_t(uint8_t(data[pos++])) << (8 * i);
    return v;
  }
  uint64_t u64() {
    if (!need(8))
      return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= uint64_t(uint8_t(data[pos++])) << (8 * i);
    return v;
  }
  int32_t i32() { return int32_t(u32()); }
  int64_t i64() { return int64_t(u64()); }
  double f64() {
    uint64_t b = u64();
    double v;
    std::memcpy(&v, &b, 8);
    return v;
  }
  /// A count of items of at least `itemBytes` bytes each.
  uint32_t count(size_t itemBytes) {
    uint32_t n = u32();
    if (ok() && itemBytes && n > remaining() / itemBytes) {
      status = absl::InvalidArgumentError(
          absl::StrCat("corrupt ", what, ": count ", n, " at offset ",
                       pos - 4, " exceeds the ", remaining(),
                       " bytes left"));
      return 0;
    }
    return ok() ? n : 0;
  }
  std::string str() {
    uint32_t n = count(1);
    if (!need(n))
      return {};
    std::string s(data.substr(pos, n));
    pos += n;
    return s;
  }
  std::vector<int64_t> ints() {
    std::vector<int64_t> v(count(8));
    for (int64_t &x : v)
      x = i64();
    return v;
  }
  std::vector<int32_t> ids() {
    std::vector<int32_t> v(count(4));
    for (int32_t &x : v)
      x = i32();
    return v;
  }
  std::vector<double> reals() {
    std::vector<double> v(count(8));
    for (double &x : v)
      x = f64();
    return v;
  }
  /// A flag byte: 0 or 1, the only values the writer produces (any other
  /// value would decode to the same program as 1).
  bool flag(std::string_view field) {
    const size_t at = pos;
    const uint8_t v = u8();
    if (v > 1)
      fail(absl::StrCat(std::string(field), " at offset ", at, " is ", int(v),
                        "; a flag is 0 or 1"));
    return v == 1;
  }
  /// `n` bytes the writer leaves zero (the slot of an absent value).
  void zeros(size_t n, std::string_view field) {
    const size_t at = pos;
    if (!need(n))
      return;
    for (size_t i = 0; i < n; ++i)
      if (data[pos + i] != 0) {
        fail(absl::StrCat(std::string(field), " at offset ", at,
                          " is not zero (the value is absent)"));
        return;
      }
    pos += n;
  }
  size_t offset() const { return pos; }
  void fail(const std::string &msg) {
    if (status.ok())
      status = absl::InvalidArgumentError(
          absl::StrCat("corrupt ", what, ": ", msg));
  }

private:
  std::string_view data;
  size_t pos = 0;
  std::string what;
};

std::string encodeGraph(const Graph &g);
void decodeGraph(Reader &r, Graph &g);
std::string encodeConstants(const std::vector<Constant> &cs);
void decodeConstants(Reader &r, std::vector<Constant> &cs);
std::string encodeLayers(const std::vector<Layer> &ls);
void decodeLayers(Reader &r, std::vector<Layer> &ls);

} // namespace spikestack::rt::detail

#endif
