//===- FileUtil.cpp - Whole-file reading and atomic writing ---------------===//
//
// Part of the SpikeStack project.
//
//===----------------------------------------------------------------------===//

#include "spikestack/Support/FileUtil.h"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
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

/// What kind of file `mode` is, for messages.
const char *fileKind(mode_t mode) {
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISCHR(mode))
    return "a character device";
  if (S_ISBLK(mode))
    return "a block device";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISSOCK(mode))
    return "a socket";
  if (S_ISLNK(mode))
    return "a symbolic link";
  return "not a regular file";
}

/// write() of all of `data` to `fd`, retried on EINTR and short writes.
absl::Status writeAll(int fd, std::string_view data, const std::string &path) {
  const char *p = data.data();
  size_t remaining = data.size();
  while (remaining > 0) {
    ssize_t n = ::write(fd, p, remaining);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return errnoStatus(errno, "cannot write", path);
    }
    if (n == 0) // Should not happen; avoid spinning.
      return errnoStatus(EIO, "cannot write", path);
    p += n;
    remaining -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

/// How an output path is written.
enum class OutputKind { Replace, Direct, Stdout };
struct OutputPlan {
  OutputKind kind = OutputKind::Replace;
  std::string path; ///< what is replaced or opened (a symlink's target)
};

/// Decides how `path` is written (writeOutputFile's rules).
absl::StatusOr<OutputPlan> planOutput(const std::string &path) {
  if (path.empty())
    return absl::InvalidArgumentError("cannot write file: empty path");
  if (path == "-")
    return OutputPlan{OutputKind::Stdout, path};
  // Devices and FIFOs are recognised through the user's links first, so
  // that /dev/stdout (-> /proc/self/fd/1 -> "pipe:[N]") is written, not
  // resolved by name.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 &&
      (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)))
    return OutputPlan{OutputKind::Direct, path};
  // Follow the user's symbolic links to the file they name (a bounded
  // number of hops; a dangling link creates its target).
  std::string target = path;
  for (int hops = 0;; ++hops) {
    if (::lstat(target.c_str(), &st) != 0) {
      if (errno == ENOENT)
        return OutputPlan{OutputKind::Replace, target};
      return errnoStatus(errno, "cannot write", path);
    }
    if (!S_ISLNK(st.st_mode))
      break;
    if (hops == 32)
      return errnoStatus(ELOOP, "cannot write", path);
    char buf[4096];
    ssize_t n = ::readlink(target.c_str(), buf, sizeof(buf) - 1);
    if (n <= 0)
      return errnoStatus(n < 0 ? errno : ENOENT, "cannot write", path);
    std::string link(buf, size_t(n));
    if (link.front() != '/') {
      size_t slash = target.rfind('/');
      link = slash == std::string::npos
                 ? link
                 : absl::StrCat(target.substr(0, slash + 1), link);
    }
    target = link;
  }
  if (S_ISREG(st.st_mode))
    return OutputPlan{OutputKind::Replace, target};
  return absl::FailedPreconditionError(absl::StrCat(
      "cannot write '", path, "': it is ", fileKind(st.st_mode),
      " (an output must be a regular file, a character device, a FIFO or "
      "'-' for standard output)"));
}

/// Creates a fresh temporary beside `path` so that rename() stays within
/// one file system. Mode 0666 is reduced by the umask, giving the same
/// permissions as a plainly created file (unlike mkstemp's 0600).
absl::StatusOr<std::pair<int, std::string>>
createTemporary(const std::string &path, const std::string &shownPath) {
  std::string tmpPath;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmpPath = absl::StrCat(path, ".tmp.", randomSuffix());
    fd = ::open(tmpPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST && errno != EINTR)
      break;
  }
  if (fd < 0)
    return errnoStatus(errno, "cannot write", shownPath);
  return std::make_pair(fd, tmpPath);
}

/// Writes a Direct or Stdout output.
absl::Status writeDirect(const OutputPlan &plan, const std::string &path,
                         const std::function<absl::Status(int fd)> &write) {
  if (plan.kind == OutputKind::Stdout) {
    std::fflush(stdout);
    return write(STDOUT_FILENO);
  }
  int fd;
  do {
    fd = ::open(plan.path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return errnoStatus(errno, "cannot write", path);
  absl::Status st = write(fd);
  if (closeFd(fd) != 0 && st.ok())
    return errnoStatus(errno, "cannot write", path);
  return st;
}

} // namespace

absl::StatusOr<OpenedFile> openForReading(const std::string &path,
                                          const ReadOptions &options) {
  const std::string shown =
      absl::StrCat("cannot read ", options.what, " '", path, "'");
  if (path == "-" && options.allowStdin) {
    int fd = ::dup(STDIN_FILENO);
    if (fd < 0)
      return errnoStatus(errno, "cannot read", "standard input");
    return OpenedFile{fd, -1};
  }
  if (path.empty())
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", options.what, ": empty path"));
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the type is
  // checked before any read.
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return errnoStatus(errno, absl::StrCat("cannot read ", options.what).c_str(),
                       path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    closeFd(fd);
    return errnoStatus(err, "cannot read", path);
  }
  if (!S_ISREG(st.st_mode)) {
    closeFd(fd);
    return absl::FailedPreconditionError(
        absl::StrCat(shown, ": it is ", fileKind(st.st_mode),
                     ", not a regular file",
                     options.allowStdin ? " (use '-' for standard input)" : ""));
  }
  if (int64_t(st.st_size) > options.maxBytes) {
    closeFd(fd);
    return absl::ResourceExhaustedError(absl::StrCat(
        shown, ": it is ", int64_t(st.st_size), " bytes; the limit is ",
        options.maxBytes, " bytes"));
  }
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0)
    ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return OpenedFile{fd, int64_t(st.st_size)};
}

absl::StatusOr<std::string> readFile(const std::string &path,
                                     const ReadOptions &options) {
  auto file = openForReading(path, options);
  if (!file.ok())
    return file.status();
  const int fd = file->fd;
  const std::string shown = path == "-" ? "standard input" : path;
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
      return errnoStatus(err, "cannot read", shown);
    }
    if (n == 0)
      break;
    if (int64_t(contents.size()) + n > options.maxBytes) {
      closeFd(fd);
      return absl::ResourceExhaustedError(
          absl::StrCat("cannot read ", options.what, " '", shown,
                       "': it has more than the limit of ", options.maxBytes,
                       " bytes"));
    }
    contents.append(buf, static_cast<size_t>(n));
  }
  closeFd(fd);
  return contents;
}

absl::Status
writeOutputFile(const std::string &path,
                const std::function<absl::Status(int fd)> &write) {
  auto plan = planOutput(path);
  if (!plan.ok())
    return plan.status();
  if (plan->kind != OutputKind::Replace)
    return writeDirect(*plan, path, write);
  auto tmp = createTemporary(plan->path, path);
  if (!tmp.ok())
    return tmp.status();
  auto [fd, tmpPath] = *tmp;
  if (absl::Status st = write(fd); !st.ok()) {
    closeFd(fd);
    ::unlink(tmpPath.c_str());
    return st;
  }
  // Delayed write errors (e.g. on NFS or when out of quota) surface here.
  const int rc = closeFd(fd);
  if (rc != 0 || ::rename(tmpPath.c_str(), plan->path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmpPath.c_str());
    return errnoStatus(err, "cannot write", path);
  }
  return absl::OkStatus();
}

absl::Status writeOutputFile(const std::string &path,
                             std::string_view contents) {
  return writeOutputFile(path, [&](int fd) -> absl::Status {
    return writeAll(fd, contents, path);
  });
}

void OutputSet::add(std::string path, std::string contents) {
  files.emplace_back(std::move(path), std::move(contents));
}

void OutputSet::createDirectory(std::string dir) {
  directories.push_back(std::move(dir));
}

absl::Status OutputSet::commit() {
  std::vector<std::string> created; // directories made here, deepest last
  std::vector<std::pair<std::string, std::string>> renames; // tmp -> dest
  auto rollback = [&] {
    for (auto &[tmp, dest] : renames)
      ::unlink(tmp.c_str());
    for (auto it = created.rbegin(); it != created.rend(); ++it)
      ::rmdir(it->c_str());
  };
  for (const std::string &dir : directories) {
    // mkdir -p, remembering what did not exist.
    for (size_t pos = 1; pos <= dir.size(); ++pos) {
      if (pos != dir.size() && dir[pos] != '/')
        continue;
      std::string prefix = dir.substr(0, pos);
      if (::mkdir(prefix.c_str(), 0777) == 0) {
        created.push_back(prefix);
        continue;
      }
      struct stat st {};
      if (errno == EEXIST && ::stat(prefix.c_str(), &st) == 0 &&
          S_ISDIR(st.st_mode))
        continue;
      const int err = errno == EEXIST ? ENOTDIR : errno;
      rollback();
      return errnoStatus(err, "cannot create directory", prefix);
    }
  }
  // Plan every output first, then write all temporaries (and direct
  // outputs, which cannot be staged), then rename.
  std::vector<OutputPlan> plans;
  for (auto &[path, contents] : files) {
    auto plan = planOutput(path);
    if (!plan.ok()) {
      rollback();
      return plan.status();
    }
    for (size_t j = 0; j < plans.size(); ++j)
      if (plan->kind == OutputKind::Replace &&
          plans[j].kind == OutputKind::Replace && plans[j].path == plan->path) {
        rollback();
        return absl::InvalidArgumentError(absl::StrCat(
            "two outputs would be written to the same file '", plan->path,
            "' ('", files[j].first, "' and '", path, "')"));
      }
    plans.push_back(*plan);
  }
  for (size_t i = 0; i < files.size(); ++i) {
    const auto &[path, contents] = files[i];
    if (plans[i].kind != OutputKind::Replace)
      continue;
    auto tmp = createTemporary(plans[i].path, path);
    if (!tmp.ok()) {
      rollback();
      return tmp.status();
    }
    auto [fd, tmpPath] = *tmp;
    renames.emplace_back(tmpPath, plans[i].path);
    absl::Status st = writeAll(fd, contents, path);
    if (closeFd(fd) != 0 && st.ok())
      st = errnoStatus(errno, "cannot write", path);
    if (!st.ok()) {
      rollback();
      return st;
    }
  }
  for (size_t i = 0; i < files.size(); ++i) {
    if (plans[i].kind == OutputKind::Replace)
      continue;
    auto write = [&](int fd) { return writeAll(fd, files[i].second, files[i].first); };
    if (absl::Status st = writeDirect(plans[i], files[i].first, write);
        !st.ok()) {
      rollback();
      return st;
    }
  }
  for (size_t i = 0; i < renames.size(); ++i) {
    if (::rename(renames[i].first.c_str(), renames[i].second.c_str()) != 0) {
      const int err = errno;
      for (size_t j = i; j < renames.size(); ++j)
        ::unlink(renames[j].first.c_str());
      return errnoStatus(err, "cannot write", renames[i].second);
    }
  }
  return absl::OkStatus();
}

} // namespace spikestack
