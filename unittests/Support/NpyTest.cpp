//===- NpyTest.cpp - Tests for Npy.h and FileUtil.h -----------------------===//
//
// Part of the SpikeStack project.
//
//===----------------------------------------------------------------------===//

#include "spikestack/Support/Npy.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#include "spikestack/Support/FileUtil.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spikestack {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

//===----------------------------------------------------------------------===//
// Fixtures written by real NumPy. Each byte string was printed by the Python
// command in the comment above it (non-printable bytes as 3-digit octal
// escapes, so no escape can swallow the following character).
//===----------------------------------------------------------------------===//

// clang-format off
// kNumpyF32x2x3: 152 bytes, produced by numpy 1.24.2 with
//   /usr/bin/python3 -c "import numpy as np, io; f = io.BytesIO(); np.save(f, np.array([[0.5, -1.25, 100], [1024.5, -0.0, 7]], dtype='<f4')); print(f.getvalue())"
constexpr char kNumpyF32x2x3[] =
    "\223NUMPY\001\000v\000{'descr': '<f4', 'fortran_order': False, '"
    "shape': (2, 3), }                                               "
    "           \n\000\000\000?\000\000\240\277\000\000\310B\000\020\200"
    "D\000\000\000\200\000\000\340@";

// kNumpyI64x5: 168 bytes, produced by numpy 1.24.2 with
//   /usr/bin/python3 -c "import numpy as np, io; f = io.BytesIO(); np.save(f, np.array([-1, 0, 2**40, -2**62, 123], dtype='<i8')); print(f.getvalue())"
constexpr char kNumpyI64x5[] =
    "\223NUMPY\001\000v\000{'descr': '<i8', 'fortran_order': False, '"
    "shape': (5,), }                                                 "
    "           \n\377\377\377\377\377\377\377\377\000\000\000\000\000"
    "\000\000\000\000\000\000\000\000\001\000\000\000\000\000\000\000"
    "\000\000\300{\000\000\000\000\000\000\000";

// kNumpyBool4: 132 bytes, produced by numpy 1.24.2 with
//   /usr/bin/python3 -c "import numpy as np, io; f = io.BytesIO(); np.save(f, np.array([True, False, True, True])); print(f.getvalue())"
constexpr char kNumpyBool4[] =
    "\223NUMPY\001\000v\000{'descr': '|b1', 'fortran_order': False, '"
    "shape': (4,), }                                                 "
    "           \n\001\000\001\001";

// kNumpyU16V2: 136 bytes, produced by numpy 1.24.2 with
//   /usr/bin/python3 -c "import numpy as np, io; f = io.BytesIO(); np.lib.format.write_array(f, np.array([[1, 2], [65535, 0]], dtype='<u2'), version=(2, 0)); print(f.getvalue())"
constexpr char kNumpyU16V2[] =
    "\223NUMPY\002\000t\000\000\000{'descr': '<u2', 'fortran_order': "
    "False, 'shape': (2, 2), }                                       "
    "                 \n\001\000\002\000\377\377\000\000";

// kNumpyI16V3: 132 bytes, produced by numpy 1.24.2 with
//   /usr/bin/python3 -c "import numpy as np, io; f = io.BytesIO(); np.lib.format.write_array(f, np.array([-3, 4], dtype='<i2'), version=(3, 0)); print(f.getvalue())"
constexpr char kNumpyI16V3[] =
    "\223NUMPY\003\000t\000\000\000{'descr': '<i2', 'fortran_order': "
    "False, 'shape': (2,), }                                         "
    "                 \n\375\377\004\000";

// kNumpyF64Scalar: 136 bytes, produced by numpy 1.24.2 with
//   /usr/bin/python3 -c "import numpy as np, io; f = io.BytesIO(); np.save(f, np.array(3.5)); print(f.getvalue())"
constexpr char kNumpyF64Scalar[] =
    "\223NUMPY\001\000v\000{'descr': '<f8', 'fortran_order': False, '"
    "shape': (), }                                                   "
    "           \n\000\000\000\000\000\000\014@";

// kNumpyF64Empty0x3: 128 bytes, produced by numpy 1.24.2 with
//   /usr/bin/python3 -c "import numpy as np, io; f = io.BytesIO(); np.save(f, np.zeros((0, 3))); print(f.getvalue())"
constexpr char kNumpyF64Empty0x3[] =
    "\223NUMPY\001\000v\000{'descr': '<f8', 'fortran_order': False, '"
    "shape': (0, 3), }                                               "
    "           \n";

// kNumpyFortran: 152 bytes, produced by numpy 1.24.2 with
//   /usr/bin/python3 -c "import numpy as np, io; f = io.BytesIO(); np.save(f, np.asfortranarray(np.arange(6, dtype='<i4').reshape(2, 3))); print(f.getvalue())"
constexpr char kNumpyFortran[] =
    "\223NUMPY\001\000v\000{'descr': '<i4', 'fortran_order': True, 's"
    "hape': (2, 3), }                                                "
    "           \n\000\000\000\000\003\000\000\000\001\000\000\000\004"
    "\000\000\000\002\000\000\000\005\000\000\000";

// kNumpyBigEndian: 136 bytes, produced by numpy 1.24.2 with
//   /usr/bin/python3 -c "import numpy as np, io; f = io.BytesIO(); np.save(f, np.array([1, 2], dtype='>i4')); print(f.getvalue())"
constexpr char kNumpyBigEndian[] =
    "\223NUMPY\001\000v\000{'descr': '>i4', 'fortran_order': False, '"
    "shape': (2,), }                                                 "
    "           \n\000\000\000\001\000\000\000\002";

// kNumpyStructured: 136 bytes, produced by numpy 1.24.2 with
//   /usr/bin/python3 -c "import numpy as np, io; f = io.BytesIO(); np.save(f, np.zeros(1, dtype=[('a', '<f4'), ('b', '<i4')])); print(f.getvalue())"
constexpr char kNumpyStructured[] =
    "\223NUMPY\001\000v\000{'descr': [('a', '<f4'), ('b', '<i4')], 'f"
    "ortran_order': False, 'shape': (1,), }                          "
    "           \n\000\000\000\000\000\000\000\000";

// kNumpyF32ManyDims: 192 bytes, produced by numpy 1.24.2 with
//   /usr/bin/python3 -c "import numpy as np, io; f = io.BytesIO(); np.save(f, np.zeros((2,) + (1,) * 15 + (0,), dtype='<f4')); print(f.getvalue())"
// NumPy's spare "growth" spaces push this header into a third 64-byte block.
constexpr char kNumpyF32ManyDims[] =
    "\223NUMPY\001\000\266\000{'descr': '<f4', 'fortran_order': False"
    ", 'shape': (2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0), "
    "}                                                               "
    "              \n";

// clang-format on

/// Turns a string literal into a std::string that keeps embedded NULs.
template <size_t N> std::string bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

constexpr std::string_view kName = "fixture.npy";

/// Matches a non-OK absl::Status with the given code whose message names the
/// file ("fixture.npy: ...") and contains every string in `parts`.
MATCHER_P2(IsErrorImpl, code, parts, "") {
  const absl::Status &status = arg;
  if (status.ok()) {
    *result_listener << "status is OK";
    return false;
  }
  bool ok = true;
  if (status.code() != code) {
    *result_listener << "code is " << absl::StatusCodeToString(status.code())
                     << "; ";
    ok = false;
  }
  std::string message(status.message());
  if (message.rfind(std::string(kName) + ": ", 0) != 0) {
    *result_listener << "message does not start with the file name; ";
    ok = false;
  }
  for (const std::string &part : parts) {
    if (message.find(part) == std::string::npos) {
      *result_listener << "message lacks \"" << part << "\"; ";
      ok = false;
    }
  }
  return ok;
}

testing::Matcher<const absl::Status &> IsError(absl::StatusCode code,
                                               std::vector<std::string> parts) {
  return IsErrorImpl(code, std::move(parts));
}

/// Parses `bytes` as kName and returns the status only.
absl::Status parseStatus(std::string_view bytes) {
  return parseNpy(bytes, kName).status();
}

/// Builds a .npy file from a verbatim header text (no padding added).
std::string makeNpy(std::string_view header, std::string_view data,
                    int major = 1) {
  std::string out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  int lenBytes = major == 1 ? 2 : 4;
  for (int i = 0; i < lenBytes; ++i)
    out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xFF));
  out.append(header);
  out.append(data);
  return out;
}

std::string headerWith(std::string_view descr, std::string_view shape,
                       std::string_view fortran = "False") {
  return std::string("{'descr': '") + std::string(descr) +
         "', 'fortran_order': " + std::string(fortran) +
         ", 'shape': " + std::string(shape) + ", }\n";
}

/// Reads element `i` of a little-endian array of T.
template <typename T> T elementAt(const NpyArray &a, size_t i) {
  T v;
  EXPECT_LE((i + 1) * sizeof(T), a.data.size());
  std::memcpy(&v, a.data.data() + i * sizeof(T), sizeof(T));
  return v;
}

const std::vector<NpyDType> kAllDTypes = {
    NpyDType::Bool, NpyDType::U8,  NpyDType::I8,  NpyDType::I16,
    NpyDType::I32,  NpyDType::I64, NpyDType::U16, NpyDType::U32,
    NpyDType::U64,  NpyDType::F32, NpyDType::F64};

/// Six values that exercise the extremes each dtype can represent exactly.
std::vector<double> sampleValues(NpyDType dtype) {
  const double inf = std::numeric_limits<double>::infinity();
  switch (dtype) {
  case NpyDType::Bool:
    return {0, 1, 1, 0, 1, 0};
  case NpyDType::U8:
    return {0, 1, 127, 128, 254, 255};
  case NpyDType::I8:
    return {-128, -1, 0, 1, 100, 127};
  case NpyDType::I16:
    return {-32768, -1, 0, 1, 12345, 32767};
  case NpyDType::I32:
    return {-2147483648.0, -1, 0, 1, 123456789, 2147483647.0};
  case NpyDType::I64:
    return {-9223372036854775808.0, -1, 0, 1, 9007199254740993.0 - 1,
            4611686018427387904.0};
  case NpyDType::U16:
    return {0, 1, 255, 256, 40000, 65535};
  case NpyDType::U32:
    return {0, 1, 65536, 3000000000.0, 4294967294.0, 4294967295.0};
  case NpyDType::U64:
    return {0,
            1,
            4294967296.0,
            9007199254740992.0,
            9223372036854775808.0,
            18446744073709549568.0 /* 2^64 - 2048 */};
  case NpyDType::F32:
    return {0.5,
            -0.0,
            static_cast<double>(std::numeric_limits<float>::max()),
            -static_cast<double>(std::numeric_limits<float>::denorm_min()),
            inf,
            -inf};
  case NpyDType::F64:
    return {0.1,
            -0.0,
            std::numeric_limits<double>::max(),
            std::numeric_limits<double>::denorm_min(),
            inf,
            -1e-300};
  }
  return {};
}

//===----------------------------------------------------------------------===//
// DType table
//===----------------------------------------------------------------------===//

TEST(NpyDTypeTest, NamesSizesAndDescrs) {
  struct Row {
    NpyDType dtype;
    const char *name;
    int64_t size;
    const char *descr;
  };
  const Row rows[] = {
      {NpyDType::Bool, "bool", 1, "|b1"},
      {NpyDType::U8, "uint8", 1, "|u1"},
      {NpyDType::I8, "int8", 1, "|i1"},
      {NpyDType::I16, "int16", 2, "<i2"},
      {NpyDType::I32, "int32", 4, "<i4"},
      {NpyDType::I64, "int64", 8, "<i8"},
      {NpyDType::U16, "uint16", 2, "<u2"},
      {NpyDType::U32, "uint32", 4, "<u4"},
      {NpyDType::U64, "uint64", 8, "<u8"},
      {NpyDType::F32, "float32", 4, "<f4"},
      {NpyDType::F64, "float64", 8, "<f8"},
  };
  ASSERT_EQ(std::size(rows), kAllDTypes.size());
  for (const Row &row : rows) {
    EXPECT_EQ(npyDTypeName(row.dtype), row.name);
    EXPECT_EQ(npyDTypeSize(row.dtype), row.size) << row.name;
    EXPECT_EQ(npyDTypeDescr(row.dtype), row.descr) << row.name;
  }
}

TEST(NpyArrayTest, Numel) {
  NpyArray a;
  EXPECT_EQ(a.numel(), 1); // 0-d
  a.shape = {2, 3, 4};
  EXPECT_EQ(a.numel(), 24);
  a.shape = {5, 0, 7};
  EXPECT_EQ(a.numel(), 0);
}

//===----------------------------------------------------------------------===//
// Round trips
//===----------------------------------------------------------------------===//

/// Checks that `a` survives serializeNpy + parseNpy bit-exactly.
void expectRoundTrip(const NpyArray &a) {
  std::string bytes = serializeNpy(a);
  absl::StatusOr<NpyArray> b = parseNpy(bytes, kName);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->dtype, a.dtype);
  EXPECT_EQ(b->shape, a.shape);
  EXPECT_EQ(b->data, a.data);
}

TEST(NpyRoundTripTest, EveryDType) {
  for (NpyDType dtype : kAllDTypes) {
    SCOPED_TRACE(std::string(npyDTypeName(dtype)));
    std::vector<double> values = sampleValues(dtype);
    NpyArray a = NpyArray::fromDoubles(dtype, {2, 3}, values);
    EXPECT_EQ(a.data.size(), 6u * npyDTypeSize(dtype));
    expectRoundTrip(a);
    // The values themselves survive too (all samples are exact).
    absl::StatusOr<NpyArray> b = parseNpy(serializeNpy(a), kName);
    ASSERT_TRUE(b.ok()) << b.status();
    std::vector<double> back = b->toDoubles();
    ASSERT_EQ(back.size(), values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      EXPECT_EQ(back[i], values[i]) << "element " << i;
      EXPECT_EQ(std::signbit(back[i]), std::signbit(values[i]))
          << "element " << i;
    }
  }
}

TEST(NpyRoundTripTest, ZeroDimScalarEveryDType) {
  for (NpyDType dtype : kAllDTypes) {
    SCOPED_TRACE(std::string(npyDTypeName(dtype)));
    NpyArray a = NpyArray::fromDoubles(dtype, {}, {1});
    EXPECT_EQ(a.numel(), 1);
    EXPECT_EQ(a.data.size(), static_cast<size_t>(npyDTypeSize(dtype)));
    expectRoundTrip(a);
    EXPECT_THAT(serializeNpy(a), HasSubstr("'shape': (), }"));
  }
}

TEST(NpyRoundTripTest, ZeroSizeDimEveryDType) {
  for (NpyDType dtype : kAllDTypes) {
    SCOPED_TRACE(std::string(npyDTypeName(dtype)));
    for (std::vector<int64_t> shape :
         {std::vector<int64_t>{0}, std::vector<int64_t>{3, 0, 2}}) {
      NpyArray a = NpyArray::fromDoubles(dtype, shape, {});
      EXPECT_EQ(a.numel(), 0);
      EXPECT_THAT(a.data, IsEmpty());
      expectRoundTrip(a);
    }
  }
}

TEST(NpyRoundTripTest, RawIntegerExtremesAreBitExact) {
  // These values are not representable as doubles, so build the bytes
  // directly: the reader/writer must never go through floating point.
  NpyArray i64{NpyDType::I64, {3}, {}};
  for (int64_t v :
       {std::numeric_limits<int64_t>::min(),
        std::numeric_limits<int64_t>::max(), int64_t{9007199254740993}}) {
    uint8_t buf[8];
    std::memcpy(buf, &v, 8);
    i64.data.insert(i64.data.end(), buf, buf + 8);
  }
  expectRoundTrip(i64);
  absl::StatusOr<NpyArray> back = parseNpy(serializeNpy(i64), kName);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(elementAt<int64_t>(*back, 1), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(elementAt<int64_t>(*back, 2), 9007199254740993);

  NpyArray u64{NpyDType::U64, {1}, std::vector<uint8_t>(8, 0xFF)};
  expectRoundTrip(u64);
}

TEST(NpyRoundTripTest, NaNPayloadPreserved) {
  NpyArray a{NpyDType::F32, {1}, {0x01, 0x00, 0xC0, 0x7F}}; // NaN, payload 1
  expectRoundTrip(a);
  EXPECT_TRUE(std::isnan(a.toDoubles()[0]));
}

TEST(NpyRoundTripTest, WriteAndReadFile) {
  fs::path dir = fs::path(testing::TempDir()) / "npy_rw_test";
  fs::remove_all(dir);
  ASSERT_TRUE(fs::create_directories(dir));
  std::string path = (dir / "a.npy").string();
  NpyArray a = NpyArray::fromDoubles(NpyDType::I32, {2, 2}, {1, -2, 3, -4});
  ASSERT_TRUE(writeNpy(path, a).ok());
  absl::StatusOr<NpyArray> b = readNpy(path);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->shape, a.shape);
  EXPECT_THAT(b->toDoubles(), ElementsAre(1, -2, 3, -4));
  // The file is exactly what serializeNpy produces.
  absl::StatusOr<std::string> raw = readFile(path);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, serializeNpy(a));
  fs::remove_all(dir);
}

TEST(NpyRoundTripTest, ReadNpyErrorsNameThePath) {
  fs::path dir = fs::path(testing::TempDir()) / "npy_readerr_test";
  fs::remove_all(dir);
  ASSERT_TRUE(fs::create_directories(dir));
  std::string missing = (dir / "missing.npy").string();
  absl::Status s = readNpy(missing).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr(missing));
  EXPECT_THAT(std::string(s.message()), HasSubstr("No such file"));

  std::string garbage = (dir / "garbage.npy").string();
  ASSERT_TRUE(writeOutputFile(garbage, "hello world").ok());
  s = readNpy(garbage).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr(garbage + ": "));
  EXPECT_THAT(std::string(s.message()), HasSubstr("magic"));
  fs::remove_all(dir);
}

// readNpy reads only regular files up to its bound, and says so before
// reading: /dev/zero would otherwise be read forever and a FIFO without a
// writer would block (issue 13).
TEST(NpyRoundTripTest, ReadNpyRefusesDevicesFifosAndOversizeFiles) {
  fs::path dir = fs::path(testing::TempDir()) / "npy_bound_test";
  fs::remove_all(dir);
  ASSERT_TRUE(fs::create_directories(dir));

  absl::Status s = readNpy("/dev/zero").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("cannot read .npy input '/dev/zero'"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("not a regular file"));

  std::string fifo = (dir / "fifo.npy").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  s = readNpy(fifo).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("not a regular file"));

  s = readNpy(dir.string()).status();
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr(dir.string()));

  // 10 float32 elements after a 128-byte header (np.save's layout: the
  // data starts at a multiple of 64): 168 bytes.
  std::string path = (dir / "a.npy").string();
  NpyArray a = NpyArray::fromDoubles(NpyDType::F32, {10}, std::vector<double>(10, 1.0));
  ASSERT_TRUE(writeNpy(path, a).ok());
  const int64_t size = int64_t(fs::file_size(path));
  ASSERT_EQ(size, 128 + 40);
  EXPECT_TRUE(readNpy(path, size).ok());
  s = readNpy(path, size - 1).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(path));
  EXPECT_THAT(std::string(s.message()), HasSubstr("the limit is 167 bytes"));
  // The default bound: 2 GiB of data plus 1 MiB of header.
  EXPECT_EQ(kMaxNpyBytes, 2147483648 + 1048576);
  fs::remove_all(dir);
}

TEST(NpyRoundTripTest, WriteNpyRejectsInconsistentArrayWithoutCreatingFile) {
  fs::path dir = fs::path(testing::TempDir()) / "npy_badwrite_test";
  fs::remove_all(dir);
  ASSERT_TRUE(fs::create_directories(dir));
  std::string path = (dir / "bad.npy").string();

  NpyArray wrongSize{NpyDType::F32, {2, 3}, std::vector<uint8_t>(23)};
  absl::Status s = writeNpy(path, wrongSize);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("needs 24 bytes"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("has 23"));

  NpyArray badBool{NpyDType::Bool, {2}, {1, 7}};
  s = writeNpy(path, badBool);
  EXPECT_THAT(std::string(s.message()), HasSubstr("invalid bool value 7"));

  NpyArray negative{NpyDType::U8, {-1}, {}};
  s = writeNpy(path, negative);
  EXPECT_THAT(std::string(s.message()), HasSubstr("negative dimension -1"));

  EXPECT_TRUE(fs::is_empty(dir));
  fs::remove_all(dir);
}

//===----------------------------------------------------------------------===//
// Header format of serializeNpy
//===----------------------------------------------------------------------===//

TEST(NpySerializeTest, HeaderLayout) {
  struct Case {
    NpyArray array;
    const char *descr;
    const char *shape;
  };
  const Case cases[] = {
      {NpyArray::fromDoubles(NpyDType::F32, {2, 3}, std::vector<double>(6)),
       "<f4", "(2, 3)"},
      {NpyArray::fromDoubles(NpyDType::I64, {5}, std::vector<double>(5)), "<i8",
       "(5,)"},
      {NpyArray::fromDoubles(NpyDType::Bool, {}, {1}), "|b1", "()"},
      {NpyArray::fromDoubles(NpyDType::U8, {1, 2, 3, 4},
                             std::vector<double>(24)),
       "|u1", "(1, 2, 3, 4)"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.descr);
    std::string bytes = serializeNpy(c.array);
    ASSERT_GE(bytes.size(), 10u);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    size_t headerLen =
        static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
    size_t dataOffset = 10 + headerLen;
    EXPECT_EQ(dataOffset % 64, 0u);
    ASSERT_EQ(bytes.size(), dataOffset + c.array.data.size());
    EXPECT_EQ(bytes[dataOffset - 1], '\n');
    std::string header = bytes.substr(10, headerLen);
    EXPECT_EQ(header.rfind(
                  std::string("{'descr': '") + c.descr +
                      "', 'fortran_order': False, 'shape': " + c.shape + ", }",
                  0),
              0u)
        << header;
    EXPECT_EQ(header.find('\n'), header.size() - 1);
    EXPECT_EQ(bytes.substr(dataOffset),
              std::string(c.array.data.begin(), c.array.data.end()));
  }
}

TEST(NpySerializeTest, MatchesNumpyByteForByte) {
  // NumPy's own output re-serializes to identical bytes, including its spare
  // "growth" spaces and 64-byte alignment.
  for (const std::string &fixture :
       {bytes(kNumpyF32x2x3), bytes(kNumpyI64x5), bytes(kNumpyBool4),
        bytes(kNumpyF64Scalar), bytes(kNumpyF64Empty0x3),
        bytes(kNumpyF32ManyDims)}) {
    absl::StatusOr<NpyArray> a = parseNpy(fixture, kName);
    ASSERT_TRUE(a.ok()) << a.status();
    EXPECT_EQ(serializeNpy(*a), fixture);
  }
}

TEST(NpySerializeTest, HugeHeaderFallsBackToVersion2) {
  NpyArray a{NpyDType::U8, std::vector<int64_t>(30000, 1), {42}};
  std::string bytes = serializeNpy(a);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x02\x00", 8));
  uint32_t headerLen;
  std::memcpy(&headerLen, bytes.data() + 8, 4);
  EXPECT_GT(headerLen, 65535u);
  EXPECT_EQ((12 + headerLen) % 64, 0u);
  EXPECT_EQ(bytes.back(), 42);
  // Our reader caps the rank, so this particular file is rejected.
  EXPECT_THAT(parseStatus(bytes), IsError(absl::StatusCode::kInvalidArgument,
                                          {"more than 64 dimensions"}));
}

//===----------------------------------------------------------------------===//
// Files written by NumPy
//===----------------------------------------------------------------------===//

TEST(NpyNumpyFixtureTest, Float32Matrix) {
  absl::StatusOr<NpyArray> a = parseNpy(bytes(kNumpyF32x2x3), kName);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->dtype, NpyDType::F32);
  EXPECT_THAT(a->shape, ElementsAre(2, 3));
  EXPECT_EQ(a->numel(), 6);
  std::vector<double> v = a->toDoubles();
  EXPECT_THAT(v, ElementsAre(0.5, -1.25, 100, 1024.5, 0.0, 7));
  EXPECT_TRUE(std::signbit(v[4])) << "-0.0 must keep its sign";
}

TEST(NpyNumpyFixtureTest, Int64Vector) {
  absl::StatusOr<NpyArray> a = parseNpy(bytes(kNumpyI64x5), kName);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->dtype, NpyDType::I64);
  EXPECT_THAT(a->shape, ElementsAre(5));
  EXPECT_EQ(elementAt<int64_t>(*a, 2), int64_t{1} << 40);
  EXPECT_EQ(elementAt<int64_t>(*a, 3), -(int64_t{1} << 62));
  EXPECT_THAT(a->toDoubles(),
              ElementsAre(-1, 0, 1099511627776.0, -4611686018427387904.0, 123));
}

TEST(NpyNumpyFixtureTest, Bool) {
  absl::StatusOr<NpyArray> a = parseNpy(bytes(kNumpyBool4), kName);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->dtype, NpyDType::Bool);
  EXPECT_THAT(a->shape, ElementsAre(4));
  EXPECT_THAT(a->data, ElementsAre(1, 0, 1, 1));
  EXPECT_THAT(a->toDoubles(), ElementsAre(1, 0, 1, 1));
}

TEST(NpyNumpyFixtureTest, Version2) {
  absl::StatusOr<NpyArray> a = parseNpy(bytes(kNumpyU16V2), kName);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->dtype, NpyDType::U16);
  EXPECT_THAT(a->shape, ElementsAre(2, 2));
  EXPECT_THAT(a->toDoubles(), ElementsAre(1, 2, 65535, 0));
}

TEST(NpyNumpyFixtureTest, Version3) {
  absl::StatusOr<NpyArray> a = parseNpy(bytes(kNumpyI16V3), kName);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->dtype, NpyDType::I16);
  EXPECT_THAT(a->shape, ElementsAre(2));
  EXPECT_THAT(a->toDoubles(), ElementsAre(-3, 4));
}

TEST(NpyNumpyFixtureTest, ScalarAndEmpty) {
  absl::StatusOr<NpyArray> s = parseNpy(bytes(kNumpyF64Scalar), kName);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->dtype, NpyDType::F64);
  EXPECT_THAT(s->shape, IsEmpty());
  EXPECT_THAT(s->toDoubles(), ElementsAre(3.5));

  absl::StatusOr<NpyArray> e = parseNpy(bytes(kNumpyF64Empty0x3), kName);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_THAT(e->shape, ElementsAre(0, 3));
  EXPECT_EQ(e->numel(), 0);
  EXPECT_THAT(e->toDoubles(), IsEmpty());
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
constexpr auto kUnimplemented = absl::StatusCode::kUnimplemented;

TEST(NpyErrorTest, BadMagic) {
  std::string file = bytes(kNumpyF32x2x3);
  file[1] = 'n';
  EXPECT_THAT(parseStatus(file),
              IsError(kInvalid, {"not a .npy file", "bad magic",
                                 "\"\\x93nUMPY\"", "expected \"\\x93NUMPY\""}));
  EXPECT_THAT(parseStatus("PK\x03\x04"), IsError(kInvalid, {"bad magic"}));
}

TEST(NpyErrorTest, TruncatedHeader) {
  std::string file = bytes(kNumpyF32x2x3);
  EXPECT_THAT(parseStatus(""),
              IsError(kInvalid, {"truncated header", "0 bytes"}));
  EXPECT_THAT(parseStatus(file.substr(0, 6)),
              IsError(kInvalid, {"truncated header", "6 bytes"}));
  EXPECT_THAT(parseStatus(file.substr(0, 9)),
              IsError(kInvalid, {"truncated header", "9 bytes", "needs 10"}));
  EXPECT_THAT(parseStatus(bytes(kNumpyU16V2).substr(0, 11)),
              IsError(kInvalid, {"truncated header", "needs 12"}));
  // The header length field says 118 (0x76) but the file ends early.
  EXPECT_THAT(
      parseStatus(file.substr(0, 50)),
      IsError(kInvalid, {"truncated header", "header length 118",
                         "beyond the end of the file", "only 40 bytes"}));
}

TEST(NpyErrorTest, HeaderLengthBeyondFile) {
  std::string v1 = bytes(kNumpyF32x2x3);
  v1[8] = '\xFF';
  v1[9] = '\xFF';
  EXPECT_THAT(parseStatus(v1),
              IsError(kInvalid, {"header length 65535", "beyond"}));
  // A 4 GiB header length in a tiny v2 file must not allocate or over-read.
  std::string v2 = bytes(kNumpyU16V2);
  std::memset(&v2[8], 0xFF, 4);
  EXPECT_THAT(parseStatus(v2),
              IsError(kInvalid, {"header length 4294967295", "beyond"}));
}

TEST(NpyErrorTest, UnsupportedVersion) {
  std::string file = bytes(kNumpyF32x2x3);
  file[6] = 4;
  EXPECT_THAT(parseStatus(file),
              IsError(kUnimplemented, {"unsupported .npy format version 4.0"}));
  file[6] = 1;
  file[7] = 1;
  EXPECT_THAT(parseStatus(file), IsError(kUnimplemented, {"version 1.1"}));
}

TEST(NpyErrorTest, TruncatedData) {
  std::string file = bytes(kNumpyF32x2x3);
  EXPECT_THAT(
      parseStatus(file.substr(0, file.size() - 1)),
      IsError(kInvalid, {"truncated: expected 24 bytes of data, found 23",
                         "float32", "(2, 3)"}));
  EXPECT_THAT(parseStatus(file.substr(0, 128)),
              IsError(kInvalid, {"expected 24 bytes of data, found 0"}));
}

TEST(NpyErrorTest, TrailingData) {
  EXPECT_THAT(parseStatus(bytes(kNumpyF32x2x3) + "x"),
              IsError(kInvalid, {"trailing data",
                                 "expected 24 bytes of data, found 25"}));
}

TEST(NpyErrorTest, HugeShapeWithoutDataDoesNotAllocate) {
  // 4 TB of claimed data: must be reported, not allocated (ASan would abort).
  EXPECT_THAT(parseStatus(makeNpy(headerWith("<f4", "(1000000, 1000000)"), "")),
              IsError(kInvalid, {"truncated: expected 4000000000000 bytes of "
                                 "data, found 0"}));
}

TEST(NpyErrorTest, BigEndian) {
  EXPECT_THAT(
      parseStatus(bytes(kNumpyBigEndian)),
      IsError(kUnimplemented, {"big-endian", "'>i4'", "astype('<i4')"}));
  EXPECT_THAT(parseStatus(makeNpy(headerWith(">f8", "(1,)"), "12345678")),
              IsError(kUnimplemented, {"big-endian", "'>f8'"}));
}

TEST(NpyErrorTest, FortranOrder) {
  EXPECT_THAT(
      parseStatus(bytes(kNumpyFortran)),
      IsError(kUnimplemented, {"fortran_order=True is not supported; save with "
                               "np.ascontiguousarray"}));
}

TEST(NpyErrorTest, UnsupportedDescr) {
  for (const char *descr : {"<c8", "<f2", "|S3", "<U5", "<M8[ns]", "|V4"}) {
    SCOPED_TRACE(descr);
    EXPECT_THAT(parseStatus(makeNpy(headerWith(descr, "(1,)"), "12345678")),
                IsError(kUnimplemented,
                        {"unsupported dtype descr '" + std::string(descr) + "'",
                         "'<f4'"}));
  }
  EXPECT_THAT(parseStatus(makeNpy(headerWith("|O", "(1,)"), "12345678")),
              IsError(kUnimplemented, {"object arrays", "'|O'"}));
  EXPECT_THAT(parseStatus(bytes(kNumpyStructured)),
              IsError(kUnimplemented, {"structured dtypes are not supported"}));
  EXPECT_THAT(parseStatus(makeNpy(headerWith("f", "(1,)"), "1")),
              IsError(kInvalid, {"invalid dtype descr 'f'"}));
  EXPECT_THAT(parseStatus(makeNpy(headerWith("xf4", "(1,)"), "1234")),
              IsError(kInvalid, {"invalid dtype descr 'xf4'", "byte order"}));
  EXPECT_THAT(parseStatus(makeNpy(headerWith("|f4", "(1,)"), "1234")),
              IsError(kInvalid, {"'|f4'", "only valid for 1-byte types"}));
  EXPECT_THAT(parseStatus(makeNpy(headerWith("", "(1,)"), "1234")),
              IsError(kInvalid, {"invalid dtype descr ''"}));
}

TEST(NpyErrorTest, MalformedDict) {
  struct Case {
    std::string header;
    std::string expected;
  };
  const std::string ok = "'fortran_order': False, 'shape': (2,)";
  const Case cases[] = {
      {"", "expected '{' at start of header dict"},
      {"   \n", "expected '{'"},
      {"['descr', '<f4']", "expected '{'"},
      {"{'descr': '<f4', 'fortran_order': False}", "missing key 'shape'"},
      {"{'shape': (2,), 'fortran_order': False}", "missing key 'descr'"},
      {"{'descr': '<f4', 'shape': (2,)}", "missing key 'fortran_order'"},
      {"{'descr' '<f4', " + ok + "}", "expected ':' after key 'descr'"},
      {"{descr: '<f4', " + ok + "}", "expected a quoted string as dict key"},
      {"{'descr': '<f4', " + ok + ", 'extra': 1}", "unexpected key 'extra'"},
      {"{'descr': '<f4', " + ok + ", 'shape': (2,)}", "duplicate key 'shape'"},
      {"{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}",
       "'fortran_order' must be True or False"},
      {"{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2,)}",
       "'fortran_order' must be True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': [2]}",
       "'shape' must be a tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2)}",
       "write (2,) instead of (2)"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,, 3)}",
       "expected an integer in 'shape' tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (True,)}",
       "expected an integer in 'shape' tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2 3)}",
       "expected ',' or ')' in 'shape' tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,",
       "expected an integer in 'shape' tuple"},
      {"{'descr': '<f4", "unterminated string"},
      {"{'descr': '<f4\n', " + ok + "}", "unterminated string"},
      {"{'descr': 5, " + ok + "}", "expected a quoted string as 'descr' value"},
      {"{'descr': '<\\x66\x34', " + ok + "}", "escape sequences"},
      {"{'descr': '<f4' " + ok + "}", "expected ',' or '}' after dict value"},
      {"{'descr': '<f4', " + ok + "} x", "unexpected characters after header"},
      {"{'descr': '<f4', " + ok + "}}", "unexpected characters after header"},
      {"{'descr': '<f4', " + ok + ",", "expected a quoted string as dict key"},
      {std::string("{'descr': '<f4', \0", 18) + ok + "}",
       "expected a quoted string as dict key"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.header);
    EXPECT_THAT(parseStatus(makeNpy(c.header, "12345678")),
                IsError(kInvalid, {"malformed .npy header", c.expected}));
  }
}

TEST(NpyErrorTest, MalformedHeaderMessageShowsOffsetAndHeader) {
  absl::Status s =
      parseStatus(makeNpy("{'descr': '<f4' 'fortran_order': False}", ""));
  EXPECT_THAT(s, IsError(kInvalid, {"at offset 16 of header",
                                    "\"{'descr': '<f4' 'fortran_order'"}));
}

TEST(NpyErrorTest, NegativeDim) {
  EXPECT_THAT(parseStatus(makeNpy(headerWith("<f4", "(2, -3)"), "")),
              IsError(kInvalid, {"negative dimension -3 at index 1"}));
  // -0 is just 0.
  EXPECT_TRUE(parseNpy(makeNpy(headerWith("<f4", "(-0,)"), ""), kName).ok());
}

TEST(NpyErrorTest, HugeDimsOverflow) {
  EXPECT_THAT(
      parseStatus(makeNpy(headerWith("<f4", "(4294967296, 4294967296)"), "")),
      IsError(kInvalid,
              {"(4294967296, 4294967296)", "element count overflows"}));
  // numel = 2^60 fits, but 2^60 * 8 bytes does not.
  EXPECT_THAT(
      parseStatus(makeNpy(headerWith("<f8", "(1152921504606846976,)"), "")),
      IsError(kInvalid, {"8-byte elements", "byte size overflows"}));
  EXPECT_THAT(
      parseStatus(makeNpy(headerWith("|u1", "(99999999999999999999,)"), "")),
      IsError(kInvalid,
              {"dimension 99999999999999999999 at index 0", "64-bit"}));
  // INT64_MAX itself parses, and then needs that many bytes.
  EXPECT_THAT(
      parseStatus(makeNpy(headerWith("|u1", "(9223372036854775807,)"), "")),
      IsError(kInvalid,
              {"expected 9223372036854775807 bytes of data, found 0"}));
  // Even a zero-size array may not have an overflowing product of the other
  // dims (consumers computing strides would overflow).
  EXPECT_THAT(parseStatus(makeNpy(
                  headerWith("<f4", "(0, 4294967296, 4294967296)"), "")),
              IsError(kInvalid, {"element count overflows"}));
}

TEST(NpyErrorTest, TooManyDims) {
  std::string shape = "(";
  for (int i = 0; i < 65; ++i)
    shape += "1, ";
  shape += ")";
  EXPECT_THAT(parseStatus(makeNpy(headerWith("|u1", shape), "x")),
              IsError(kInvalid, {"more than 64 dimensions"}));
  shape = "(";
  for (int i = 0; i < 64; ++i)
    shape += "1, ";
  shape += ")";
  absl::StatusOr<NpyArray> a =
      parseNpy(makeNpy(headerWith("|u1", shape), "x"), kName);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->shape.size(), 64u);
}

TEST(NpyErrorTest, BoolValueTwo) {
  std::string file = bytes(kNumpyBool4);
  file[file.size() - 3] = 2; // element 1
  EXPECT_THAT(parseStatus(file),
              IsError(kInvalid,
                      {"invalid bool value 2 at element 1", "must be 0 or 1"}));
  file[file.size() - 3] = '\xFF';
  EXPECT_THAT(parseStatus(file), IsError(kInvalid, {"invalid bool value 255"}));
}

TEST(NpyErrorTest, EveryTruncationFailsCleanly) {
  for (const std::string &file :
       {bytes(kNumpyF32x2x3), bytes(kNumpyU16V2), bytes(kNumpyI16V3)}) {
    for (size_t n = 0; n < file.size(); ++n) {
      // Copy into an exactly sized heap buffer so ASan flags any over-read.
      std::vector<char> buf(file.begin(), file.begin() + n);
      absl::Status s = parseStatus(std::string_view(buf.data(), n));
      EXPECT_FALSE(s.ok()) << "prefix of " << n << " bytes";
      EXPECT_THAT(std::string(s.message()), HasSubstr("fixture.npy: "));
    }
  }
}

TEST(NpyErrorTest, EverySingleByteMutationIsHandled) {
  // A tiny deterministic fuzz: every byte position of two fixtures set to
  // every value. The parser must never crash and any accepted result must be
  // self-consistent.
  for (const std::string &original :
       {bytes(kNumpyF32x2x3), bytes(kNumpyBool4)}) {
    for (size_t pos = 0; pos < original.size(); ++pos) {
      for (int value = 0; value < 256; ++value) {
        std::vector<char> buf(original.begin(), original.end());
        buf[pos] = static_cast<char>(value);
        absl::StatusOr<NpyArray> a =
            parseNpy(std::string_view(buf.data(), buf.size()), kName);
        if (!a.ok()) {
          ASSERT_EQ(std::string(a.status().message()).rfind("fixture.npy: ", 0),
                    0u);
          continue;
        }
        ASSERT_EQ(a->data.size(),
                  static_cast<size_t>(a->numel() * npyDTypeSize(a->dtype)));
        ASSERT_EQ(a->toDoubles().size(), static_cast<size_t>(a->numel()));
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// Lenient-but-valid headers
//===----------------------------------------------------------------------===//

TEST(NpyParseTest, AcceptsHeaderVariations) {
  struct Case {
    std::string header;
    NpyDType dtype;
    std::vector<int64_t> shape;
  };
  const Case cases[] = {
      // Double quotes, other key order, no trailing comma, no newline.
      {R"({"shape": (2, 2), "fortran_order": False, "descr": "<i2"})",
       NpyDType::I16,
       {2, 2}},
      // Whitespace everywhere, trailing comma inside the tuple.
      {"\t{ 'descr' :'<u4' ,\n 'fortran_order':False,'shape':( 2 , )\t,}  \n",
       NpyDType::U32,
       {2}},
      // Python 2 long suffix as in very old files.
      {"{'descr': '<i4', 'fortran_order': False, 'shape': (1L, 2L), }",
       NpyDType::I32,
       {1, 2}},
      // Byte order is irrelevant for 1-byte types; '=' is little-endian.
      {headerWith("<u1", "(8,)"), NpyDType::U8, {8}},
      {headerWith(">i1", "(8,)"), NpyDType::I8, {8}},
      {headerWith("=i8", "(1,)"), NpyDType::I64, {1}},
      {headerWith("=f4", "(2,)"), NpyDType::F32, {2}},
      {headerWith("<b1", "(2, 2, 2)"), NpyDType::Bool, {2, 2, 2}},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.header);
    std::string data(8, '\0');
    absl::StatusOr<NpyArray> a = parseNpy(makeNpy(c.header, data), kName);
    ASSERT_TRUE(a.ok()) << a.status();
    EXPECT_EQ(a->dtype, c.dtype);
    EXPECT_EQ(a->shape, c.shape);
  }
}

//===----------------------------------------------------------------------===//
// toDoubles / fromDoubles
//===----------------------------------------------------------------------===//

TEST(NpyConversionTest, ToDoublesRoundsLargeInt64) {
  // 2^53 + 1 is not a double; toDoubles() rounds it (documented).
  NpyArray a{NpyDType::I64, {1}, {}};
  int64_t v = (int64_t{1} << 53) + 1;
  a.data.resize(8);
  std::memcpy(a.data.data(), &v, 8);
  EXPECT_THAT(a.toDoubles(), ElementsAre(9007199254740992.0));
}

TEST(NpyConversionTest, FromDoublesEncodesLittleEndian) {
  NpyArray a = NpyArray::fromDoubles(NpyDType::I32, {2}, {1, -2});
  EXPECT_THAT(a.data, ElementsAre(1, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF));
  NpyArray f = NpyArray::fromDoubles(NpyDType::F32, {1}, {1.0});
  EXPECT_THAT(f.data, ElementsAre(0x00, 0x00, 0x80, 0x3F));
  // F32 rounds to nearest.
  NpyArray r = NpyArray::fromDoubles(NpyDType::F32, {1}, {0.1});
  EXPECT_EQ(r.toDoubles()[0], static_cast<double>(0.1f));
  NpyArray n = NpyArray::fromDoubles(
      NpyDType::F32, {1}, {std::numeric_limits<double>::quiet_NaN()});
  EXPECT_TRUE(std::isnan(n.toDoubles()[0]));
}

TEST(NpyConversionTest, TryFromDoublesRejectsUnrepresentable) {
  struct Case {
    NpyDType dtype;
    double value;
    std::string expected;
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const Case cases[] = {
      {NpyDType::Bool, 2, "value 2 at index 0 is not representable as bool"},
      {NpyDType::Bool, 0.5, "as bool"},
      {NpyDType::U8, 256, "value 256 at index 0 is not representable as uint8"},
      {NpyDType::U8, -1, "value -1 at"},
      {NpyDType::I8, 128, "value 128 at"},
      {NpyDType::I8, -129, "value -129 at"},
      {NpyDType::I16, 32768, "as int16"},
      {NpyDType::U16, 65536, "as uint16"},
      {NpyDType::I32, 1.5, "value 1.5 at"},
      {NpyDType::I32, 2147483648.0, "as int32"},
      {NpyDType::U32, 4294967296.0, "as uint32"},
      {NpyDType::I64, 9223372036854775808.0, "as int64"},
      {NpyDType::U64, 18446744073709551616.0, "as uint64"},
      {NpyDType::U64, -1, "as uint64"},
      {NpyDType::I64, nan, "value nan at"},
      {NpyDType::I32, inf, "value inf at"},
      {NpyDType::F32, 1e39, "as float32"},
      {NpyDType::F32, -1e39, "as float32"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.expected);
    absl::StatusOr<NpyArray> a =
        NpyArray::tryFromDoubles(c.dtype, {1}, {c.value});
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.status().code(), kInvalid);
    EXPECT_THAT(std::string(a.status().message()), HasSubstr(c.expected));
  }
  absl::StatusOr<NpyArray> a =
      NpyArray::tryFromDoubles(NpyDType::F32, {2, 2}, {1, 2, 3});
  EXPECT_THAT(std::string(a.status().message()),
              HasSubstr("shape (2, 2) has 4 elements but 3 values were given"));
  a = NpyArray::tryFromDoubles(NpyDType::F32, {2, -2}, {});
  EXPECT_THAT(std::string(a.status().message()),
              HasSubstr("negative dimension -2"));
}

TEST(NpyConversionDeathTest, FromDoublesAbortsOnUnrepresentable) {
  EXPECT_DEATH(NpyArray::fromDoubles(NpyDType::I8, {1}, {300}),
               "value 300 at index 0 is not representable as int8");
}

//===----------------------------------------------------------------------===//
// FileUtil
//===----------------------------------------------------------------------===//

class FileUtilTest : public testing::Test {
protected:
  void SetUp() override {
    std::string tmpl =
        (fs::path(testing::TempDir()) / "fileutil.XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::vector<std::string> listDir() const {
    std::vector<std::string> names;
    for (const fs::directory_entry &e : fs::directory_iterator(dir_))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

TEST_F(FileUtilTest, WritesAndReadsBinaryContent) {
  std::string path = (dir_ / "out.bin").string();
  std::string content("a\0b\n\xFF", 5);
  ASSERT_TRUE(writeOutputFile(path, content).ok());
  absl::StatusOr<std::string> read = readFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content);
  EXPECT_THAT(listDir(), ElementsAre("out.bin")); // no *.tmp.* left behind
}

TEST_F(FileUtilTest, ReplacesExistingFileAndLeavesNoTemporaries) {
  std::string path = (dir_ / "out.txt").string();
  ASSERT_TRUE(writeOutputFile(path, std::string(100000, 'x')).ok());
  ASSERT_TRUE(writeOutputFile(path, "short").ok());
  ASSERT_TRUE(writeOutputFile(path, "").ok());
  ASSERT_TRUE(writeOutputFile(path, "final").ok());
  EXPECT_EQ(*readFile(path), "final");
  EXPECT_THAT(listDir(), ElementsAre("out.txt"));
}

TEST_F(FileUtilTest, LargeContent) {
  std::string path = (dir_ / "big.bin").string();
  std::string content(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < content.size(); ++i)
    content[i] = static_cast<char>(i * 131);
  ASSERT_TRUE(writeOutputFile(path, content).ok());
  EXPECT_EQ(*readFile(path), content);
}

TEST_F(FileUtilTest, RespectsUmask) {
  mode_t old = ::umask(022);
  std::string path = (dir_ / "mode.txt").string();
  absl::Status s = writeOutputFile(path, "x");
  ::umask(old);
  ASSERT_TRUE(s.ok()) << s;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(FileUtilTest, NonexistentDirectoryFailsAndLeavesNothing) {
  std::string path = (dir_ / "no" / "such" / "dir" / "out.npy").string();
  absl::Status s = writeOutputFile(path, "data");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr(path));
  EXPECT_THAT(std::string(s.message()), HasSubstr("No such file or directory"));
  EXPECT_FALSE(fs::exists(dir_ / "no"));
  EXPECT_THAT(listDir(), IsEmpty());
}

TEST_F(FileUtilTest, FailedRenameRemovesTemporary) {
  // The temporary can be created and written, but renaming a file over a
  // non-empty directory fails: the temporary must be cleaned up.
  fs::create_directories(dir_ / "target" / "child");
  std::string path = (dir_ / "target").string();
  absl::Status s = writeOutputFile(path, "data");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("cannot write '" + path + "'"));
  EXPECT_THAT(listDir(), ElementsAre("target"));
  EXPECT_TRUE(fs::is_directory(dir_ / "target" / "child"));
}

TEST_F(FileUtilTest, EmptyPathIsRejected) {
  absl::Status s = writeOutputFile("", "data");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(FileUtilTest, ReadFileErrors) {
  std::string missing = (dir_ / "missing").string();
  absl::Status s = readFile(missing).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("cannot read file '" + missing + "': No such file"));

  s = readFile(dir_.string()).status();
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("it is a directory, not a regular file"));
}

// --- The one output writer: what it replaces and what it writes into ---

TEST_F(FileUtilTest, CharacterDeviceIsWrittenNotReplaced) {
  // A private twin of /dev/null (needs root, as CI runs; skipped otherwise).
  const std::string dev = (dir_ / "null").string();
  if (::mknod(dev.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0)
    GTEST_SKIP() << "mknod needs root";
  ASSERT_TRUE(writeOutputFile(dev, "data").ok());
  struct stat st {};
  ASSERT_EQ(::lstat(dev.c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)); // still the device
  EXPECT_THAT(listDir(), ElementsAre("null"));
}

TEST_F(FileUtilTest, DevFullReportsNoSpace) {
  absl::Status s = writeOutputFile("/dev/full", "data");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("cannot write '/dev/full': No space left"));
}

TEST_F(FileUtilTest, FifoIsWrittenDirectly) {
  const std::string fifo = (dir_ / "pipe").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] {
    std::ifstream in(fifo, std::ios::binary);
    got.assign(std::istreambuf_iterator<char>(in), {});
  });
  absl::Status s = writeOutputFile(fifo, "through the pipe");
  reader.join();
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(got, "through the pipe");
  struct stat st {};
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST_F(FileUtilTest, SymlinkIsFollowedAndKept) {
  const std::string real = (dir_ / "real.txt").string();
  const std::string link = (dir_ / "link.txt").string();
  ASSERT_TRUE(writeOutputFile(real, "old").ok());
  ASSERT_EQ(::symlink("real.txt", link.c_str()), 0); // relative link
  ASSERT_TRUE(writeOutputFile(link, "new").ok());
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(*readFile(real), "new");
  EXPECT_THAT(listDir(), ElementsAre("link.txt", "real.txt"));
}

TEST_F(FileUtilTest, DanglingSymlinkCreatesItsTarget) {
  fs::create_directories(dir_ / "sub");
  const std::string link = (dir_ / "link").string();
  ASSERT_EQ(::symlink("sub/made.txt", link.c_str()), 0);
  ASSERT_TRUE(writeOutputFile(link, "made").ok());
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(*readFile((dir_ / "sub" / "made.txt").string()), "made");
}

TEST_F(FileUtilTest, SymlinkLoopIsAnError) {
  const std::string a = (dir_ / "a").string(), b = (dir_ / "b").string();
  ASSERT_EQ(::symlink("b", a.c_str()), 0);
  ASSERT_EQ(::symlink("a", b.c_str()), 0);
  absl::Status s = writeOutputFile(a, "x");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("symbolic links"));
}

TEST_F(FileUtilTest, DirectoryIsRefusedWithAClearMessage) {
  fs::create_directories(dir_ / "d");
  const std::string d = (dir_ / "d").string();
  absl::Status s = writeOutputFile(d, "x");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("cannot write '" + d + "': it is a directory"));
  EXPECT_TRUE(fs::is_directory(d));
}

TEST_F(FileUtilTest, StreamingWriterFailureLeavesNothing) {
  const std::string path = (dir_ / "out").string();
  absl::Status s = writeOutputFile(path, [](int fd) -> absl::Status {
    if (::write(fd, "partial", 7) != 7)
      return absl::InternalError("write");
    return absl::InternalError("the producer failed");
  });
  EXPECT_EQ(s.message(), "the producer failed");
  EXPECT_THAT(listDir(), IsEmpty());
}

// --- Readers: regular files only, bounded ---

TEST_F(FileUtilTest, ReadRefusesDevicesBeforeReading) {
  absl::Status s =
      readFile("/dev/zero", ReadOptions{"target file", 1 << 20, false})
          .status();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("cannot read target file '/dev/zero': it is a "
                        "character device, not a regular file"));
}

TEST_F(FileUtilTest, ReadRefusesFifoWithoutBlocking) {
  const std::string fifo = (dir_ / "pipe").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // No writer: a blocking open would hang here.
  absl::Status s = readFile(fifo).status();
  EXPECT_THAT(std::string(s.message()), HasSubstr("it is a FIFO"));
}

TEST_F(FileUtilTest, ReadRefusesOversizeFilesBeforeReading) {
  const std::string path = (dir_ / "big").string();
  {
    std::ofstream f(path, std::ios::binary);
    f.seekp((int64_t(1) << 32) - 1); // sparse 4 GiB: nothing is read
    f.put('x');
  }
  absl::Status s = readFile(path, ReadOptions{"program", 1000, false}).status();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("cannot read program '" + path +
                        "': it is 4294967296 bytes; the limit is 1000 bytes"));
}

TEST_F(FileUtilTest, StdinOnlyWhereAllowed) {
  absl::Status s = readFile("-").status();
  EXPECT_THAT(std::string(s.message()), HasSubstr("No such file"));
}

// --- OutputSet: all or nothing ---

TEST_F(FileUtilTest, OutputSetWritesEverythingOnCommit) {
  OutputSet out;
  out.createDirectory((dir_ / "o" / "p").string());
  out.add((dir_ / "o" / "p" / "a.npy").string(), "A");
  out.add((dir_ / "report.json").string(), "{}");
  ASSERT_TRUE(out.commit().ok());
  EXPECT_EQ(*readFile((dir_ / "o" / "p" / "a.npy").string()), "A");
  EXPECT_EQ(*readFile((dir_ / "report.json").string()), "{}");
  EXPECT_THAT(listDir(), ElementsAre("o", "report.json"));
}

TEST_F(FileUtilTest, OutputSetFailureLeavesNothingBehind) {
  OutputSet out;
  out.createDirectory((dir_ / "outs").string());
  out.add((dir_ / "outs" / "a.npy").string(), "A");
  out.add((dir_ / "no" / "such" / "report.json").string(), "{}");
  absl::Status s = out.commit();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("report.json"));
  EXPECT_THAT(listDir(), IsEmpty()); // not even the directory it created
}

TEST_F(FileUtilTest, OutputSetDeviceFailureRemovesTemporaries) {
  OutputSet out;
  out.add((dir_ / "a.npy").string(), "A");
  out.add("/dev/full", "trace");
  ASSERT_FALSE(out.commit().ok());
  EXPECT_THAT(listDir(), IsEmpty());
}

TEST_F(FileUtilTest, OutputSetRefusesTwoOutputsToOneFile) {
  OutputSet out;
  out.add((dir_ / "a.npy").string(), "A");
  out.add((dir_ / "a.npy").string(), "B");
  absl::Status s = out.commit();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("two outputs"));
  EXPECT_THAT(listDir(), IsEmpty());
  // Devices may take several outputs.
  OutputSet dev;
  dev.add("/dev/null", "report");
  dev.add("/dev/null", "trace");
  EXPECT_TRUE(dev.commit().ok());
}

TEST_F(FileUtilTest, DevStdoutThroughAPipeIsWritten) {
  // /dev/stdout -> /proc/self/fd/1 -> "pipe:[N]": written, not resolved.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string path = "/proc/self/fd/" + std::to_string(fds[1]);
  absl::Status s = writeOutputFile(path, "piped");
  ::close(fds[1]);
  ASSERT_TRUE(s.ok()) << s;
  char buf[16] = {0};
  EXPECT_EQ(::read(fds[0], buf, sizeof(buf)), 5);
  ::close(fds[0]);
  EXPECT_EQ(std::string(buf), "piped");
}

TEST_F(FileUtilTest, OutputSetKeepsExistingFilesOnFailure) {
  const std::string a = (dir_ / "a.npy").string();
  ASSERT_TRUE(writeOutputFile(a, "old").ok());
  OutputSet out;
  out.add(a, "new");
  out.add((dir_ / "missing" / "b").string(), "B");
  ASSERT_FALSE(out.commit().ok());
  EXPECT_EQ(*readFile(a), "old");
  EXPECT_THAT(listDir(), ElementsAre("a.npy"));
}

//===----------------------------------------------------------------------===//
// Tensors as .npy arrays (the interpreter's and the executor's convention)
//===----------------------------------------------------------------------===//

TEST(NpyTensorTest, DTypeForEachElementKind) {
  EXPECT_EQ(npyDTypeFor(NpyElementKind::F32, 32), NpyDType::F32);
  EXPECT_EQ(npyDTypeFor(NpyElementKind::Spike, 1), NpyDType::U8);
  EXPECT_EQ(npyDTypeFor(NpyElementKind::Count, 3), NpyDType::I32);
  EXPECT_EQ(npyDTypeFor(NpyElementKind::Fixed, 16), NpyDType::I32);
  EXPECT_EQ(npyDTypeFor(NpyElementKind::Int, 1), NpyDType::Bool);
  EXPECT_EQ(npyDTypeFor(NpyElementKind::Int, 32), NpyDType::I32);
  EXPECT_EQ(npyDTypeFor(NpyElementKind::Int, 64), NpyDType::I64);
}

TEST(NpyTensorTest, ShapeMatchesWithDynamicDimensions) {
  NpyArray a = NpyArray::fromDoubles(NpyDType::F32, {2, 3}, {0, 1, 2, 3, 4, 5});
  std::vector<int64_t> shape = {-1, 3};
  EXPECT_TRUE(matchNpyShape(a, shape, "x").ok());
  EXPECT_THAT(shape, ElementsAre(2, 3));
  shape = {3, 2};
  absl::Status st = matchNpyShape(a, shape, "the program needs [3, 2]xf32");
  EXPECT_EQ(st.message(),
            "has shape [2, 3] but the program needs [3, 2]xf32");
}

TEST(NpyTensorTest, DTypeMustHoldTheElements) {
  NpyArray f64 = NpyArray::fromDoubles(NpyDType::F64, {1}, {1});
  NpyArray u8 = NpyArray::fromDoubles(NpyDType::U8, {1}, {1});
  EXPECT_EQ(checkNpyDType(f64, NpyElementKind::F32, "f32").message(),
            "has dtype float64 but an f32 tensor needs float32");
  EXPECT_TRUE(checkNpyDType(f64, NpyElementKind::Spike, "spike").ok());
  EXPECT_TRUE(checkNpyDType(u8, NpyElementKind::Fixed, "fixed<8,4>").ok());
  EXPECT_EQ(checkNpyDType(f64, NpyElementKind::Fixed, "fixed<8,4>").message(),
            "has dtype float64 but fixed<8,4> needs integers");
  EXPECT_EQ(checkNpyDType(f64, NpyElementKind::Int, "i8", "whole numbers")
                .message(),
            "has dtype float64 but i8 needs whole numbers");
}

} // namespace
} // namespace spikestack
