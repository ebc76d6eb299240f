// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.

#include "interconnect/pool_file.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <thread>
#include <unistd.h>

namespace o3lsm::fabric {

Status PosixPoolError(const std::string& path, const std::string& what,
                      int err) {
  const std::string context = path + ": " + what;
  switch (err) {
    case ENOENT:
      return Status::NotFound(context, strerror(err));
    case ENOSPC:
    case EDQUOT:
      return Status::NoSpace(context, strerror(err));
    default:
      return Status::IOError(context, strerror(err));
  }
}

namespace {

std::string MiB(uint64_t bytes) {
  return std::to_string(bytes >> 20) + " MiB";
}

// Sizes the pool file to size bytes and reserves its blocks now. A sparse
// file on a file system too small for it (a container's 64 MiB /dev/shm)
// would otherwise open fine and kill the process with SIGBUS at the first
// touch of a page that has no room; reserving turns that into NoSpace here,
// naming the free space. A file system that cannot reserve (fallocate
// unsupported) is sized sparse, as before.
Status SizePoolFile(int fd, const std::string& path, uint64_t size) {
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
    return PosixPoolError(path, "ftruncate to " + std::to_string(size), errno);
  }
  if (fallocate(fd, 0, 0, static_cast<off_t>(size)) == 0) return Status::OK();
  const int err = errno;
  if (err == EOPNOTSUPP || err == ENOSYS) return Status::OK();
  std::string what = "reserving " + MiB(size) + " for the pool";
  struct statvfs fs;
  if ((err == ENOSPC || err == EDQUOT) && fstatvfs(fd, &fs) == 0) {
    const uint64_t total = uint64_t{fs.f_blocks} * fs.f_frsize;
    const uint64_t avail = uint64_t{fs.f_bavail} * fs.f_frsize;
    what += " (its file system has " + MiB(avail) + " free of " +
            MiB(total) +
            "; choose a smaller pool size, or a pool path on a larger file "
            "system, e.g. a bigger /dev/shm: docker run --shm-size)";
  }
  return PosixPoolError(path, what, err);
}

}  // namespace

PoolFile::~PoolFile() { Close(); }

void PoolFile::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

Status PoolFile::OpenAnonymous(const FabricOptions& options) {
  fd_ = memfd_create("o3lsm-pool", MFD_CLOEXEC);
  if (fd_ < 0) return PosixPoolError("memfd", "memfd_create", errno);
  // Sparse: a memfd is backed by memory, not by a file system that can be
  // full, and an anonymous pool commits pages as they are used.
  if (ftruncate(fd_, static_cast<off_t>(options.size)) != 0) {
    return PosixPoolError(
        "memfd", "ftruncate to " + std::to_string(options.size), errno);
  }
  size_ = options.size;
  must_format_ = true;
  fresh_ = true;
  return Status::OK();
}

Status PoolFile::Open(const std::string& path, const FabricOptions& options) {
  struct stat st;
  bool exists = stat(path.c_str(), &st) == 0;
  if (!exists && errno != ENOENT) return PosixPoolError(path, "stat", errno);
  if (exists && options.error_if_exists) {
    return Status::InvalidArgument(path, "pool exists (error_if_exists)");
  }
  if (exists && S_ISCHR(st.st_mode)) {
    fd_ = open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0) return PosixPoolError(path, "open", errno);
    is_device_ = true;
    must_format_ = options.format;
    return Status::OK();
  }
  if (exists && !S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(
        path, "not a regular file or character device (a directory?)");
  }
  if (!exists) {
    if (!options.create_if_missing && !options.format) {
      return Status::NotFound(path,
                              "pool does not exist (create_if_missing is "
                              "off)");
    }
    fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ >= 0) {
      Status s = SizePoolFile(fd_, path, options.size);
      if (!s.ok()) {
        unlink(path.c_str());
        return s;
      }
      size_ = options.size;
      must_format_ = true;
      fresh_ = true;
      return Status::OK();
    }
    if (errno != EEXIST) return PosixPoolError(path, "create", errno);
    maybe_formatting_ = true;  // lost the race to another creator
  }
  fd_ = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd_ < 0) return PosixPoolError(path, "open", errno);
  if (fstat(fd_, &st) != 0) return PosixPoolError(path, "fstat", errno);
  size_ = static_cast<uint64_t>(st.st_size);
  if (options.format) {
    Status s = SizePoolFile(fd_, path, options.size);
    if (!s.ok()) return s;
    size_ = options.size;
    must_format_ = true;
    return Status::OK();
  }
  if (size_ == 0 && (options.create_if_missing || maybe_formatting_)) {
    // Created by a concurrent opener that has not sized it yet.
    maybe_formatting_ = true;
    const auto deadline = std::chrono::steady_clock::now() + options.timeout;
    while (size_ == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      if (fstat(fd_, &st) != 0) return PosixPoolError(path, "fstat", errno);
      size_ = static_cast<uint64_t>(st.st_size);
    }
  }
  if (size_ == 0) {
    return Status::Corruption(path,
                              "empty file: not a pool (truncated to 0 bytes; "
                              "open with format to re-create it)");
  }
  return Status::OK();
}

}  // namespace o3lsm::fabric
