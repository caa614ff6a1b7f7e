//===- Npy.h - Reading and writing NumPy .npy files ------------*- C++ -*-===//
//
// Part of the SpikeStack project.
//
//===----------------------------------------------------------------------===//
//
// A small, dependency-light (Abseil only, no MLIR/LLVM) reader and writer for
// the NumPy .npy format, see
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
//
// Supported: format versions 1.0, 2.0 and 3.0 on input (1.0 on output, 2.0
// only when the header would not fit, which requires thousands of dims), C
// order, little-endian (or byte-order-free) boolean, integer and float32/64
// element types.
//
// Not supported (rejected with a descriptive error): big-endian data,
// fortran_order=True, structured, object, string, complex, float16 and
// datetime dtypes.
//
// The parser is written for untrusted input: it never reads outside the given
// buffer, validates every header field, checks all size arithmetic for
// overflow, and never allocates more than the input size (plus a few small
// bookkeeping vectors whose size is capped).
//
//===----------------------------------------------------------------------===//

#ifndef SPIKESTACK_SUPPORT_NPY_H
#define SPIKESTACK_SUPPORT_NPY_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace spikestack {

/// Element types that can be stored in an NpyArray.
enum class NpyDType { Bool, U8, I8, I16, I32, I64, U16, U32, U64, F32, F64 };

/// Maximum number of dimensions accepted by the parser (NumPy 2 allows 64).
inline constexpr int kNpyMaxDims = 64;

/// Returns the NumPy name of `dtype`, e.g. "float32", "int64", "bool".
std::string_view npyDTypeName(NpyDType dtype);

/// Returns the size in bytes of one element of `dtype` (1, 2, 4 or 8).
int64_t npyDTypeSize(NpyDType dtype);

/// Returns the .npy `descr` string written for `dtype`, e.g. "<f4", "|b1".
std::string_view npyDTypeDescr(NpyDType dtype);

/// An n-dimensional array as stored in a .npy file.
///
/// Invariant (established by parseNpy/fromDoubles, expected by
/// serializeNpy/writeNpy/toDoubles): every dimension is >= 0 and
/// `data.size() == numel() * npyDTypeSize(dtype)`.
struct NpyArray {
  NpyDType dtype = NpyDType::F32;
  /// Dimensions in C (row-major) order. Empty means a 0-d scalar (1 element).
  std::vector<int64_t> shape;
  /// Raw element bytes: little-endian, C order, numel()*itemsize bytes.
  /// Booleans are stored as one byte each, 0 or 1.
  std::vector<uint8_t> data;

  /// Number of elements: the product of `shape` (1 for a 0-d array).
  int64_t numel() const;

  /// Converts every element to double, in C order.
  ///
  /// The conversion is exact for all dtypes except int64/uint64 values whose
  /// magnitude exceeds 2^53; those are rounded to the nearest double. Bools
  /// convert to 0.0 / 1.0. If the invariant above is violated only the
  /// complete elements present in `data` are converted (never over-reads).
  std::vector<double> toDoubles() const;

  /// Builds an array of `dtype` and `shape` from `values` (C order).
  ///
  /// Preconditions: all dims >= 0, `values.size() == product(shape)`, and
  /// every value is representable in `dtype`: for integer dtypes it must be a
  /// finite integer within range (converted exactly), for Bool 0 or 1, for
  /// F32 any NaN/infinity or a finite value within the float range (rounded
  /// to nearest). A violated precondition aborts the process with a message;
  /// use tryFromDoubles() when the values are not known to be valid.
  static NpyArray fromDoubles(NpyDType dtype, std::vector<int64_t> shape,
                              const std::vector<double> &values);

  /// Like fromDoubles() but reports violated preconditions as an
  /// InvalidArgument status naming the offending element.
  static absl::StatusOr<NpyArray>
  tryFromDoubles(NpyDType dtype, std::vector<int64_t> shape,
                 const std::vector<double> &values);
};

/// Parses the complete contents of a .npy file.
///
/// `nameForErrors` (usually the file path) is prefixed to every error
/// message. Errors are InvalidArgument for malformed input and Unimplemented
/// for valid .npy files using features this library does not support
/// (big-endian data, fortran_order=True, unsupported dtypes).
absl::StatusOr<NpyArray> parseNpy(std::string_view bytes,
                                  std::string_view nameForErrors);

/// Largest .npy file readNpy accepts by default: 2 GiB of data (2^28
/// eight-byte elements, the largest tensor the executor and interpreter
/// take) plus 1 MiB of header.
inline constexpr int64_t kMaxNpyBytes = (int64_t(1) << 31) + (int64_t(1) << 20);

/// Reads and parses the .npy file at `path`: a regular file of at most
/// `maxBytes` bytes (readFile with ReadOptions{".npy input", maxBytes}), so
/// a FIFO, a device such as /dev/zero, a directory or a larger file is
/// refused with a message before anything is read.
absl::StatusOr<NpyArray> readNpy(const std::string &path,
                                 int64_t maxBytes = kMaxNpyBytes);

/// Serializes `array` in .npy format version 1.0 (2.0 if the header exceeds
/// 65535 bytes). The header is byte-for-byte what NumPy's np.save writes:
/// padded with spaces so that the data starts at a multiple of 64 bytes and
/// terminated by '\n'. `array` must satisfy the NpyArray invariant.
std::string serializeNpy(const NpyArray &array);

/// Validates `array` against the NpyArray invariant, serializes it and writes
/// it to `path` via writeOutputFile (so no partial file is ever visible).
absl::Status writeNpy(const std::string &path, const NpyArray &array);

//===----------------------------------------------------------------------===//
// Tensors as .npy arrays
//===----------------------------------------------------------------------===//
//
// The one .npy <-> tensor convention of the reference interpreter (MLIR
// element types) and the executor (rt::ElemType): each maps its element
// type to an NpyElementKind and uses the functions below; the values are
// NpyArray::toDoubles() / NpyArray::tryFromDoubles(), and each side checks
// the value range of its element type.

/// The element kinds a tensor can have in .npy.
enum class NpyElementKind { F32, Spike, Count, Fixed, Int };

/// The dtype a tensor is written with: spike -> uint8, count -> int32,
/// f32 -> float32, fixed -> int32 (raw), iN -> int32/int64 (`width` bits),
/// i1 -> bool.
NpyDType npyDTypeFor(NpyElementKind kind, int64_t width);

/// Checks that `array` has `shape`, where a negative (dynamic) dimension
/// matches any size and is replaced by the array's; the error is "has
/// shape [..] but " followed by `needs`.
absl::Status matchNpyShape(const NpyArray &array, std::vector<int64_t> &shape,
                           const std::string &needs);

/// Checks that `array`'s dtype can hold the elements: an f32 tensor needs
/// float32, spikes and counts any numeric dtype (the values are checked),
/// fixed (raw values) and iN an integer dtype. `typeName` names the
/// element type and `integers` what fixed and iN need in the message.
absl::Status checkNpyDType(const NpyArray &array, NpyElementKind kind,
                           const std::string &typeName,
                           const std::string &integers = "integers");

} // namespace spikestack

#endif // SPIKESTACK_SUPPORT_NPY_H
