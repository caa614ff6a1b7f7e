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

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace spikestack {

/// Reads the whole file at `path` into a string.
///
/// Errors: NotFound if the file does not exist, PermissionDenied if it cannot
/// be opened for reading, otherwise Internal/FailedPrecondition (e.g. when
/// `path` is a directory). Messages have the form
/// "cannot read '<path>': <strerror>".
absl::StatusOr<std::string> readFile(const std::string &path);

/// A file opened for reading (not a directory) and its size in bytes (-1
/// if it is not a regular file). The caller owns `fd` and closes it.
struct OpenedFile {
  int fd = -1;
  int64_t size = -1;
};
absl::StatusOr<OpenedFile> openForReading(const std::string &path);

/// Atomically replaces (or creates) the file at `path` with `contents`.
///
/// The data is written to a uniquely named temporary file in the same
/// directory ("<path>.tmp.XXXXXX", created with O_EXCL and mode 0666 minus
/// the umask), which is closed and then rename()d over `path`. Readers thus
/// see either the old file or the complete new one. On any failure the
/// temporary file is removed and an error naming the path and the system
/// error is returned; no partial output file is left behind. The data is not
/// fsync()ed, so atomicity holds against concurrent readers and process
/// crashes, but not necessarily against power loss. If `path` is a symbolic
/// link, the link itself is replaced.
absl::Status writeFileAtomically(const std::string &path,
                                 std::string_view contents);

/// As above, for output produced as a stream: `write` fills the temporary
/// file through `fd` (which it must not close; `tmpPath` names the file,
/// e.g. for signal-time cleanup). A non-OK status from `write` is returned
/// as is, after the temporary file is removed.
absl::Status writeFileAtomically(
    const std::string &path,
    const std::function<absl::Status(int fd, const std::string &tmpPath)>
        &write);

} // namespace spikestack

#endif // SPIKESTACK_SUPPORT_FILEUTIL_H
