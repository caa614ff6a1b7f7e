//===- FileUtil.h - Whole-file reading and atomic writing ------*- C++ -*-===//
//
// Part of the SpikeStack project.
//
//===----------------------------------------------------------------------===//
//
// Small POSIX file helpers that report failures as absl::Status values whose
// messages name the path and the system error (strerror).
//
//===----------------------------------------------------------------------===//

#ifndef SPIKESTACK_SUPPORT_FILEUTIL_H
#define SPIKESTACK_SUPPORT_FILEUTIL_H

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace spikestack {

/// What a reader accepts. Every file a tool reads goes through
/// openForReading/readFile with limits like these: only regular files (a
/// FIFO, device or directory is refused before anything blocks), at most
/// `maxBytes` bytes (checked before reading), and standard input only where
/// the tool allows "-".
struct ReadOptions {
  /// Names the kind of file in messages ("target file", "program").
  std::string what = "file";
  /// Largest accepted size in bytes.
  int64_t maxBytes = int64_t(4) << 30;
  /// "-" reads standard input (still bounded by maxBytes).
  bool allowStdin = false;
};

/// Reads the whole file at `path` into a string.
///
/// Errors: NotFound if the file does not exist, PermissionDenied if it cannot
/// be opened for reading, FailedPrecondition when `path` is not a regular
/// file (directory, FIFO, device, socket), ResourceExhausted when it is
/// larger than `options.maxBytes`. Messages name the path and say what is
/// allowed, e.g. "cannot read target file '/dev/zero': not a regular file
/// (a character device)".
absl::StatusOr<std::string> readFile(const std::string &path,
                                     const ReadOptions &options = {});

/// A file opened for reading and its size in bytes (-1 for standard input).
/// The caller owns `fd` and closes it.
struct OpenedFile {
  int fd = -1;
  int64_t size = -1;
};
/// Opens `path` under the same rules as readFile (regular file, size bound,
/// "-" only when allowed) without reading it.
absl::StatusOr<OpenedFile> openForReading(const std::string &path,
                                          const ReadOptions &options = {});

/// The one output writer of every tool. It writes `contents` to `path`:
/// - a missing path or a regular file: to a uniquely named temporary file
///   beside it ("<path>.tmp.XXXXXX", O_EXCL, mode 0666 minus the umask),
///   closed and then rename()d over `path`, so readers see the old file or
///   the complete new one and a failure leaves no partial output;
/// - a symbolic link: the same, applied to the file the link points to (the
///   link stays a link);
/// - "-": standard output;
/// - a character device or FIFO (/dev/null, /dev/stdout, a pipe): written
///   directly, never replaced;
/// - a directory, block device or socket: refused with a clear error.
/// The data is not fsync()ed.
absl::Status writeOutputFile(const std::string &path,
                             std::string_view contents);

/// As above, for output produced as a stream: `write` fills the output
/// through `fd` (which it must not close). A non-OK status from `write` is
/// returned as is, after any temporary file is removed.
absl::Status writeOutputFile(
    const std::string &path,
    const std::function<absl::Status(int fd)> &write);

/// Several outputs that appear together or not at all (a run's .npy files,
/// report and trace): `add` records them, `commit` writes every regular
/// file to a temporary first and renames them only once all are written;
/// on any failure the temporaries (and directories that `commit` created)
/// are removed and nothing is left behind.
class OutputSet {
public:
  /// Adds an output; `path` follows writeOutputFile's rules.
  void add(std::string path, std::string contents);
  /// Creates `dir` (and its parents) at commit time if it does not exist.
  void createDirectory(std::string dir);
  absl::Status commit();

private:
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<std::string> directories;
};

} // namespace spikestack

#endif // SPIKESTACK_SUPPORT_FILEUTIL_H
