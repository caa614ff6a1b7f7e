//===- FileUtil.cpp - Whole-file reading and atomic writing ---------------===//
//
// Part of the SpikeStack project.
//
//===----------------------------------------------------------------------===//

#include "spikestack/Support/FileUtil.h"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace spikestack {
namespace {

// strerror() is not thread-safe; strerror_r comes in a GNU flavour (returns
// char*) and an XSI flavour (returns int). These overloads accept either.
[[maybe_unused]] std::string strerrorResult(int rc, const char *buf, int err) {
  return rc == 0 ? std::string(buf) : absl::StrCat("errno ", err);
}
[[maybe_unused]] std::string strerrorResult(const char *msg, const char *,
                                            int err) {
  return msg ? std::string(msg) : absl::StrCat("errno ", err);
}

std::string errnoMessage(int err) {
  char buf[256] = {0};
  return strerrorResult(strerror_r(err, buf, sizeof(buf)), buf, err);
}

/// Builds a status for a failed system call; the code is derived from errno.
absl::Status errnoStatus(int err, const char *what, const std::string &path) {
  std::string msg = absl::StrCat(what, " '", path, "': ", errnoMessage(err));
  switch (err) {
  case ENOENT:
  case ENOTDIR:
    return absl::NotFoundError(msg);
  case EACCES:
  case EPERM:
  case EROFS:
    return absl::PermissionDeniedError(msg);
  case EISDIR:
    return absl::FailedPreconditionError(msg);
  case ENOSPC:
#ifdef EDQUOT
  case EDQUOT:
#endif
  case EFBIG:
    return absl::ResourceExhaustedError(msg);
  default:
    return absl::InternalError(msg);
  }
}

/// close() that is retried on EINTR only where that is safe (never on Linux,
/// where the descriptor is released even when EINTR is reported).
int closeFd(int fd) {
  int rc = ::close(fd);
  if (rc != 0 && errno == EINTR)
    return 0;
  return rc;
}

/// Returns 6 characters from [A-Za-z0-9] that are very unlikely to repeat
/// across processes and calls; uniqueness is enforced by O_EXCL anyway.
std::string randomSuffix() {
  static std::atomic<uint64_t> counter{0};
  struct timespec ts {};
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t x =
      static_cast<uint64_t>(ts.tv_nsec) ^
      (static_cast<uint64_t>(ts.tv_sec) << 30) ^
      (static_cast<uint64_t>(::getpid()) << 40) ^
      (counter.fetch_add(1, std::memory_order_relaxed) * 0x9E3779B97F4A7C15ULL);
  // splitmix64 finalizer.
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out(6, '\0');
  for (char &c : out) {
    c = kAlphabet[x % 62];
    x /= 62;
  }
  return out;
}

} // namespace

absl::StatusOr<OpenedFile> openForReading(const std::string &path) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return errnoStatus(errno, "cannot read", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    closeFd(fd);
    return errnoStatus(err, "cannot read", path);
  }
  if (S_ISDIR(st.st_mode)) {
    closeFd(fd);
    return errnoStatus(EISDIR, "cannot read", path);
  }
  return OpenedFile{fd, S_ISREG(st.st_mode) ? int64_t(st.st_size) : -1};
}

absl::StatusOr<std::string> readFile(const std::string &path) {
  auto file = openForReading(path);
  if (!file.ok())
    return file.status();
  const int fd = file->fd;
  std::string contents;
  // Only a hint: the file may change size while we read it.
  if (file->size > 0)
    contents.reserve(static_cast<size_t>(file->size));

  char buf[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR)
        continue;
      int err = errno;
      closeFd(fd);
      return errnoStatus(err, "cannot read", path);
    }
    if (n == 0)
      break;
    contents.append(buf, static_cast<size_t>(n));
  }
  closeFd(fd);
  return contents;
}

absl::Status writeFileAtomically(
    const std::string &path,
    const std::function<absl::Status(int fd, const std::string &tmpPath)>
        &write) {
  if (path.empty())
    return absl::InvalidArgumentError("cannot write file: empty path");

  // Create a fresh temporary next to the destination so that rename() stays
  // within one file system. Mode 0666 is reduced by the umask, giving the
  // same permissions as a plainly created file (unlike mkstemp's 0600).
  std::string tmpPath;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmpPath = absl::StrCat(path, ".tmp.", randomSuffix());
    fd = ::open(tmpPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST && errno != EINTR)
      break;
  }
  if (fd < 0)
    return errnoStatus(errno, "cannot write", path);

  auto cleanup = [&] {
    if (fd >= 0)
      closeFd(fd);
    ::unlink(tmpPath.c_str());
  };
  if (absl::Status st = write(fd, tmpPath); !st.ok()) {
    cleanup();
    return st;
  }
  // Delayed write errors (e.g. on NFS or when out of quota) surface here.
  int rc = closeFd(fd);
  fd = -1;
  if (rc != 0 || ::rename(tmpPath.c_str(), path.c_str()) != 0) {
    const int err = errno;
    cleanup();
    return errnoStatus(err, "cannot write", path);
  }
  return absl::OkStatus();
}

absl::Status writeFileAtomically(const std::string &path,
                                 std::string_view contents) {
  return writeFileAtomically(
      path, [&](int fd, const std::string &) -> absl::Status {
        const char *p = contents.data();
        size_t remaining = contents.size();
        while (remaining > 0) {
          ssize_t n = ::write(fd, p, remaining);
          if (n < 0) {
            if (errno == EINTR)
              continue;
            return errnoStatus(errno, "cannot write", path);
          }
          if (n == 0) // Should not happen for regular files; avoid spinning.
            return errnoStatus(EIO, "cannot write", path);
          p += n;
          remaining -= static_cast<size_t>(n);
        }
        return absl::OkStatus();
      });
}

} // namespace spikestack
