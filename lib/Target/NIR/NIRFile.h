//===- NIRFile.h - a NIR graph read from HDF5 (no MLIR) ---------*- C++ -*-===//
//
// NIR (neuromorphs/NIR) stores a graph in HDF5: /node/nodes/<name>/ holds a
// string dataset `type` and one dataset per parameter, /node/edges an n x 2
// array of node names. readNIRFile reads it with the HDF5 C library
// (Debian's libhdf5-dev), refusing what would read outside the named file
// (external links, external dataset storage) and anything too large.
//
//===----------------------------------------------------------------------===//
#ifndef SPIKESTACK_LIB_TARGET_NIR_NIRFILE_H
#define SPIKESTACK_LIB_TARGET_NIR_NIRFILE_H

#include "absl/status/statusor.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace spikestack::nir {

/// A numeric parameter: its shape and values (any stored numeric type,
/// converted to double).
struct Array {
  std::vector<int64_t> shape;
  std::vector<double> data;
  int64_t numel() const { return int64_t(data.size()); }
};

struct Node {
  std::string name, type;
  std::map<std::string, Array> params;
  /// A parameter that is a group (a nested graph) or a string, by name.
  std::vector<std::string> unreadable;
};

struct Graph {
  std::string version;
  std::map<std::string, Node> nodes;
  std::vector<std::pair<std::string, std::string>> edges;
};

/// Largest parameter the reader takes (elements).
inline constexpr int64_t kMaxNIRElements = int64_t(1) << 26;

absl::StatusOr<Graph> readNIRFile(const std::string &path);

} // namespace spikestack::nir

#endif
