//===- NIRFile.cpp - a NIR graph read from HDF5 ---------------------------===//
//
// See NIRFile.h.
//
//===----------------------------------------------------------------------===//
#include "NIRFile.h"

#include "spikestack/Support/FileUtil.h"

#include "absl/strings/str_cat.h"

#include <hdf5.h>

#include <memory>

#include <unistd.h>

namespace spikestack::nir {

namespace {

/// An HDF5 identifier closed by `close` when it goes out of scope.
struct Id {
  hid_t id = H5I_INVALID_HID;
  herr_t (*close)(hid_t) = nullptr;
  Id(hid_t id, herr_t (*close)(hid_t)) : id(id), close(close) {}
  Id(const Id &) = delete;
  ~Id() {
    if (id >= 0 && close)
      close(id);
  }
  bool ok() const { return id >= 0; }
};

/// An error about the file (the caller's diagnostic names it).
absl::Status bad(const std::string &, const std::string &msg) {
  return absl::InvalidArgumentError(msg);
}

/// Names of the links in group `g`, refusing external and user links.
absl::StatusOr<std::vector<std::string>> members(hid_t g,
                                                 const std::string &where,
                                                 const std::string &file) {
  H5G_info_t info;
  if (H5Gget_info(g, &info) < 0)
    return bad(file, "cannot list " + where);
  if (info.nlinks > 100000)
    return bad(file, absl::StrCat(where, " has ", info.nlinks,
                                  " members (at most 100000)"));
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t n = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i,
                                   nullptr, 0, H5P_DEFAULT);
    if (n < 0 || n > 4096)
      return bad(file, "cannot read a member name of " + where);
    std::string name(size_t(n) + 1, '\0');
    H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(),
                       name.size(), H5P_DEFAULT);
    name.resize(size_t(n));
    H5L_info_t link;
    if (H5Lget_info(g, name.c_str(), &link, H5P_DEFAULT) < 0 ||
        link.type != H5L_TYPE_HARD)
      return bad(file, where + "/" + name +
                           " is an external or soft link; SpikeStack reads "
                           "only the file it is given");
    names.push_back(std::move(name));
  }
  return names;
}

bool isGroup(hid_t loc, const std::string &name) {
  H5O_info_t info;
  return H5Oget_info_by_name2(loc, name.c_str(), &info, H5O_INFO_BASIC,
                              H5P_DEFAULT) >= 0 &&
         info.type == H5O_TYPE_GROUP;
}

/// The dataset's shape, refusing external storage and huge sizes.
absl::StatusOr<std::vector<int64_t>> shapeOf(hid_t d, const std::string &where,
                                             const std::string &file) {
  Id dcpl(H5Dget_create_plist(d), H5Pclose);
  if (dcpl.ok() && H5Pget_external_count(dcpl.id) > 0)
    return bad(file, where + " keeps its data in an external file; "
                             "SpikeStack reads only the file it is given");
  Id space(H5Dget_space(d), H5Sclose);
  int rank = space.ok() ? H5Sget_simple_extent_ndims(space.id) : -1;
  if (rank < 0 || rank > 8)
    return bad(file, absl::StrCat(where, ": unsupported dataspace (rank ",
                                  rank, ")"));
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  std::vector<int64_t> shape;
  int64_t n = 1;
  for (hsize_t d : dims) {
    if (d > hsize_t(kMaxNIRElements) || n * int64_t(d) > kMaxNIRElements)
      return bad(file, absl::StrCat(where, " has more than ",
                                    kMaxNIRElements, " elements"));
    shape.push_back(int64_t(d));
    n *= int64_t(d);
  }
  return shape;
}

/// Strings of a string dataset (scalar or any shape), in order.
absl::StatusOr<std::vector<std::string>> readStrings(hid_t d,
                                                     const std::string &where,
                                                     const std::string &file) {
  auto shape = shapeOf(d, where, file);
  if (!shape.ok())
    return shape.status();
  int64_t n = 1;
  for (int64_t s : *shape)
    n *= s;
  Id ftype(H5Dget_type(d), H5Tclose);
  if (!ftype.ok() || H5Tget_class(ftype.id) != H5T_STRING)
    return bad(file, where + " is not a string");
  std::vector<std::string> out;
  if (H5Tis_variable_str(ftype.id) > 0) {
    Id mtype(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mtype.id, H5T_VARIABLE);
    H5Tset_cset(mtype.id, H5Tget_cset(ftype.id));
    std::vector<char *> buf(size_t(n), nullptr);
    if (H5Dread(d, mtype.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
      return bad(file, "cannot read " + where);
    for (char *s : buf)
      out.emplace_back(s ? s : "");
    Id space(H5Dget_space(d), H5Sclose);
    H5Dvlen_reclaim(mtype.id, space.id, H5P_DEFAULT, buf.data());
  } else {
    const size_t size = H5Tget_size(ftype.id);
    if (size == 0 || size > 65536)
      return bad(file, where + ": unsupported string size");
    Id mtype(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mtype.id, size);
    std::vector<char> buf(size * size_t(n), '\0');
    if (H5Dread(d, mtype.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
      return bad(file, "cannot read " + where);
    for (int64_t i = 0; i < n; ++i) {
      std::string s(buf.data() + size_t(i) * size, size);
      s.resize(s.find('\0') == std::string::npos ? s.size() : s.find('\0'));
      out.push_back(std::move(s));
    }
  }
  return out;
}

absl::StatusOr<std::string> readString(hid_t loc, const std::string &name,
                                       const std::string &where,
                                       const std::string &file) {
  Id d(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!d.ok())
    return bad(file, "missing " + where);
  auto s = readStrings(d.id, where, file);
  if (!s.ok())
    return s.status();
  if (s->size() != 1)
    return bad(file, where + " must be one string");
  return (*s)[0];
}

/// A numeric dataset as doubles; absl::NotFound if it is not numeric.
absl::StatusOr<Array> readArray(hid_t d, const std::string &where,
                                const std::string &file) {
  Id ftype(H5Dget_type(d), H5Tclose);
  const H5T_class_t cls = ftype.ok() ? H5Tget_class(ftype.id) : H5T_NO_CLASS;
  if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    return absl::NotFoundError(where + " is not numeric");
  auto shape = shapeOf(d, where, file);
  if (!shape.ok())
    return shape.status();
  Array a;
  a.shape = *shape;
  int64_t n = 1;
  for (int64_t s : a.shape)
    n *= s;
  a.data.assign(size_t(n), 0.0);
  if (n > 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                       a.data.data()) < 0)
    return bad(file, "cannot read " + where);
  return a;
}

absl::StatusOr<Node> readNode(hid_t nodes, const std::string &name,
                              const std::string &file) {
  const std::string where = "node/nodes/" + name;
  Id g(H5Gopen2(nodes, name.c_str(), H5P_DEFAULT), H5Gclose);
  if (!g.ok())
    return bad(file, where + " is not a group");
  Node node;
  node.name = name;
  auto type = readString(g.id, "type", where + "/type", file);
  if (!type.ok())
    return type.status();
  node.type = *type;
  auto names = members(g.id, where, file);
  if (!names.ok())
    return names.status();
  for (const std::string &p : *names) {
    if (p == "type")
      continue;
    if (isGroup(g.id, p)) {
      node.unreadable.push_back(p);
      continue;
    }
    Id d(H5Dopen2(g.id, p.c_str(), H5P_DEFAULT), H5Dclose);
    if (!d.ok())
      return bad(file, "cannot open " + where + "/" + p);
    auto a = readArray(d.id, where + "/" + p, file);
    if (absl::IsNotFound(a.status())) {
      node.unreadable.push_back(p);
      continue;
    }
    if (!a.ok())
      return a.status();
    node.params[p] = std::move(*a);
  }
  return node;
}

} // namespace

absl::StatusOr<Graph> readNIRFile(const std::string &path) {
  // The same refusals as every reader (FIFOs, devices, directories) before
  // HDF5 opens the file.
  auto opened = openForReading(path, ReadOptions{"NIR file", int64_t(1) << 30});
  if (!opened.ok())
    return opened.status();
  ::close(opened->fd);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  Id f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.id), H5Fclose);
  if (!f.ok())
    return bad(path, "not an HDF5 file (a NIR graph is HDF5)");
  Graph graph;
  if (H5Lexists(f.id, "version", H5P_DEFAULT) > 0) {
    auto v = readString(f.id, "version", "version", path);
    if (v.ok())
      graph.version = *v;
  }
  if (H5Lexists(f.id, "node", H5P_DEFAULT) <= 0)
    return bad(path, "no group 'node' (not a NIR graph)");
  Id top(H5Gopen2(f.id, "node", H5P_DEFAULT), H5Gclose);
  if (!top.ok() || H5Lexists(top.id, "nodes", H5P_DEFAULT) <= 0)
    return bad(path, "no group 'node/nodes' (not a NIR graph)");
  Id nodes(H5Gopen2(top.id, "nodes", H5P_DEFAULT), H5Gclose);
  auto names = members(nodes.id, "node/nodes", path);
  if (!names.ok())
    return names.status();
  for (const std::string &n : *names) {
    auto node = readNode(nodes.id, n, path);
    if (!node.ok())
      return node.status();
    graph.nodes[n] = std::move(*node);
  }
  if (H5Lexists(top.id, "edges", H5P_DEFAULT) <= 0)
    return bad(path, "no dataset 'node/edges'");
  Id edges(H5Dopen2(top.id, "edges", H5P_DEFAULT), H5Dclose);
  auto shape = shapeOf(edges.id, "node/edges", path);
  if (!shape.ok())
    return shape.status();
  auto strings = readStrings(edges.id, "node/edges", path);
  if (!strings.ok())
    return strings.status();
  if (!strings->empty() && (shape->size() != 2 || (*shape)[1] != 2))
    return bad(path, "node/edges must be an n x 2 array of node names");
  for (size_t i = 0; i + 1 < strings->size(); i += 2)
    graph.edges.push_back({(*strings)[i], (*strings)[i + 1]});
  return graph;
}

} // namespace spikestack::nir
