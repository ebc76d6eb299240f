// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// The POSIX Env: buffered writes, pread or mmap reads, fcntl locks.

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <set>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>

#include "o3lsm/env.h"

#include "util/mutex.h"
#include "util/posix_logger.h"

namespace o3lsm {

namespace {

Status PosixError(const std::string& context, int err) {
  std::string msg = std::string(strerror(err));
  switch (err) {
    case ENOENT:
      return Status::NotFound(context, msg);
    case ENOSPC:
    case EDQUOT:
      return Status::NoSpace(context, msg);
    default:
      return Status::IOError(context, msg);
  }
}

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string fname, int fd)
      : fname_(std::move(fname)), fd_(fd) {}
  ~PosixSequentialFile() override { close(fd_); }

  Status Read(size_t n, Slice* result, char* scratch) override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::read(fd_, scratch + done, n - done);
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(fname_ + ": read", errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    *result = Slice(scratch, done);
    return Status::OK();
  }

  Status Skip(uint64_t n) override {
    if (lseek(fd_, static_cast<off_t>(n), SEEK_CUR) == static_cast<off_t>(-1)) {
      return PosixError(fname_ + ": lseek", errno);
    }
    return Status::OK();
  }

 private:
  const std::string fname_;
  const int fd_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string fname, int fd)
      : fname_(std::move(fname)), fd_(fd) {}
  ~PosixRandomAccessFile() override { close(fd_); }

  Status Read(uint64_t offset, size_t n, Slice* result,
              char* scratch) const override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, scratch + done, n - done,
                          static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(
            fname_ + ": pread at offset " + std::to_string(offset + done),
            errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    *result = Slice(scratch, done);
    return Status::OK();
  }

 private:
  const std::string fname_;
  const int fd_;
};

// Serves reads straight from a read-only mapping: no system call and no
// copy per block. SST files are immutable, so the mapping stays valid.
class PosixMmapReadableFile final : public RandomAccessFile {
 public:
  PosixMmapReadableFile(std::string fname, char* base, size_t length,
                        std::atomic<int>* mmap_budget)
      : fname_(std::move(fname)),
        base_(base),
        length_(length),
        mmap_budget_(mmap_budget) {}
  ~PosixMmapReadableFile() override {
    munmap(base_, length_);
    mmap_budget_->fetch_add(1, std::memory_order_relaxed);
  }

  bool ReadsInPlace() const override { return true; }

  Status Read(uint64_t offset, size_t n, Slice* result,
              char* /*scratch*/) const override {
    if (offset > length_) {
      *result = Slice();
      return Status::IOError(fname_, "read at offset " +
                                         std::to_string(offset) +
                                         " past end of file");
    }
    if (n > length_ - offset) n = length_ - offset;
    *result = Slice(base_ + offset, n);
    return Status::OK();
  }

 private:
  const std::string fname_;
  char* const base_;
  const size_t length_;
  std::atomic<int>* const mmap_budget_;
};

class PosixWritableFile final : public WritableFile {
 public:
  static constexpr size_t kBufferSize = 64 * 1024;

  PosixWritableFile(std::string fname, int fd, uint64_t initial_size)
      : fname_(std::move(fname)), fd_(fd), size_(initial_size) {
    buf_.reserve(kBufferSize);
  }
  ~PosixWritableFile() override {
    if (fd_ >= 0) Close().PermitUncheckedError();
  }

  Status Append(const Slice& data) override {
    size_ += data.size();
    if (buf_.size() + data.size() <= kBufferSize) {
      buf_.append(data.data(), data.size());
      return Status::OK();
    }
    Status s = FlushBuffer();
    if (!s.ok()) return s;
    if (data.size() <= kBufferSize) {
      buf_.append(data.data(), data.size());
      return Status::OK();
    }
    return WriteUnbuffered(data.data(), data.size());
  }

  Status Flush() override { return FlushBuffer(); }

  Status Sync() override {
    Status s = FlushBuffer();
    if (!s.ok()) return s;
    if (fdatasync(fd_) != 0) return PosixError(fname_ + ": fdatasync", errno);
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return Status::OK();
    Status s = FlushBuffer();
    if (close(fd_) != 0 && s.ok()) s = PosixError(fname_ + ": close", errno);
    fd_ = -1;
    return s;
  }

  uint64_t Size() const override { return size_; }

 private:
  Status FlushBuffer() {
    Status s = WriteUnbuffered(buf_.data(), buf_.size());
    buf_.clear();
    return s;
  }

  Status WriteUnbuffered(const char* data, size_t n) {
    while (n > 0) {
      ssize_t r = ::write(fd_, data, n);
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(fname_ + ": write", errno);
      }
      data += r;
      n -= static_cast<size_t>(r);
    }
    return Status::OK();
  }

  const std::string fname_;
  int fd_;
  uint64_t size_;
  std::string buf_;
};

class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(int fd, std::string fname) : fd(fd), fname(std::move(fname)) {}
  const int fd;
  const std::string fname;
};

class PosixEnv final : public Env {
 public:
  // leveldb's choice: mapping many files costs address space, not memory,
  // but keep a bound so a huge database falls back to pread.
  static constexpr int kMaxMmaps = 4096;

  PosixEnv() : mmap_budget_(kMaxMmaps) {}

  Status NewSequentialFile(const std::string& fname,
                           std::unique_ptr<SequentialFile>* result) override {
    int fd = ::open(fname.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(fname, errno);
    *result = std::make_unique<PosixSequentialFile>(fname, fd);
    return Status::OK();
  }

  Status NewRandomAccessFile(
      const std::string& fname,
      std::unique_ptr<RandomAccessFile>* result) override {
    return OpenRandomAccess(fname, /*allow_mmap=*/true, result);
  }

  Status NewUnmappedRandomAccessFile(
      const std::string& fname,
      std::unique_ptr<RandomAccessFile>* result) override {
    return OpenRandomAccess(fname, /*allow_mmap=*/false, result);
  }

  Status NewWritableFile(const std::string& fname,
                         std::unique_ptr<WritableFile>* result) override {
    int fd = ::open(fname.c_str(), O_TRUNC | O_WRONLY | O_CREAT | O_CLOEXEC,
                    0644);
    if (fd < 0) return PosixError(fname, errno);
    *result = std::make_unique<PosixWritableFile>(fname, fd, 0);
    return Status::OK();
  }

  Status NewAppendableFile(const std::string& fname,
                           std::unique_ptr<WritableFile>* result) override {
    int fd = ::open(fname.c_str(), O_APPEND | O_WRONLY | O_CREAT | O_CLOEXEC,
                    0644);
    if (fd < 0) return PosixError(fname, errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
      Status s = PosixError(fname, errno);
      close(fd);
      return s;
    }
    *result = std::make_unique<PosixWritableFile>(
        fname, fd, static_cast<uint64_t>(st.st_size));
    return Status::OK();
  }

  bool FileExists(const std::string& fname) override {
    return access(fname.c_str(), F_OK) == 0;
  }

  Status GetChildren(const std::string& dir,
                     std::vector<std::string>* result) override {
    result->clear();
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) return PosixError(dir, errno);
    struct dirent* entry;
    while ((entry = readdir(d)) != nullptr) {
      if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
        continue;
      result->emplace_back(entry->d_name);
    }
    closedir(d);
    return Status::OK();
  }

  Status RemoveFile(const std::string& fname) override {
    if (unlink(fname.c_str()) != 0) return PosixError(fname, errno);
    return Status::OK();
  }

  Status CreateDir(const std::string& dirname) override {
    if (mkdir(dirname.c_str(), 0755) != 0 && errno != EEXIST) {
      return PosixError(dirname, errno);
    }
    return Status::OK();
  }

  Status RemoveDir(const std::string& dirname) override {
    if (rmdir(dirname.c_str()) != 0) return PosixError(dirname, errno);
    return Status::OK();
  }

  Status GetFileSize(const std::string& fname, uint64_t* size) override {
    struct stat st;
    if (stat(fname.c_str(), &st) != 0) {
      *size = 0;
      return PosixError(fname, errno);
    }
    *size = static_cast<uint64_t>(st.st_size);
    return Status::OK();
  }

  Status RenameFile(const std::string& src,
                    const std::string& target) override {
    if (rename(src.c_str(), target.c_str()) != 0) {
      return PosixError(src + " -> " + target, errno);
    }
    return Status::OK();
  }

  Status TruncateFile(const std::string& fname, uint64_t size) override {
    if (truncate(fname.c_str(), static_cast<off_t>(size)) != 0) {
      return PosixError(fname + ": truncate", errno);
    }
    return Status::OK();
  }

  Status SyncDir(const std::string& dirname) override {
    int fd = ::open(dirname.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(dirname, errno);
    Status s;
    if (fsync(fd) != 0) s = PosixError(dirname + ": fsync", errno);
    close(fd);
    return s;
  }

  Status LockFile(const std::string& fname,
                  std::unique_ptr<FileLock>* lock) override {
    {
      // fcntl locks do not conflict within one process; track our own.
      MutexLock l(&locks_mu_);
      if (!locked_files_.insert(fname).second) {
        return Status::Busy(fname, "already opened by this process");
      }
    }
    int fd = ::open(fname.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      ForgetLock(fname);
      return PosixError(fname, errno);
    }
    struct flock f;
    memset(&f, 0, sizeof(f));
    f.l_type = F_WRLCK;
    f.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &f) == -1) {
      int err = errno;
      close(fd);
      ForgetLock(fname);
      if (err == EACCES || err == EAGAIN) {
        return Status::Busy(fname, "locked by another process");
      }
      return PosixError(fname + ": lock", err);
    }
    *lock = std::make_unique<PosixFileLock>(fd, fname);
    return Status::OK();
  }

  Status UnlockFile(std::unique_ptr<FileLock> lock) override {
    auto* l = static_cast<PosixFileLock*>(lock.get());
    struct flock f;
    memset(&f, 0, sizeof(f));
    f.l_type = F_UNLCK;
    f.l_whence = SEEK_SET;
    Status s;
    if (fcntl(l->fd, F_SETLK, &f) == -1) s = PosixError(l->fname, errno);
    close(l->fd);
    ForgetLock(l->fname);
    return s;
  }

  Status NewLogger(const std::string& fname,
                   std::shared_ptr<Logger>* result) override {
    FILE* fp = fopen(fname.c_str(), "ae");
    if (fp == nullptr) return PosixError(fname, errno);
    struct stat st;
    const uint64_t size = fstat(fileno(fp), &st) == 0 ? st.st_size : 0;
    *result = std::make_shared<PosixLogger>(fp, /*owns_fp=*/true, "", size);
    return Status::OK();
  }

  uint64_t NowMicros() override {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000 +
           static_cast<uint64_t>(ts.tv_nsec) / 1000;
  }

  void SleepForMicroseconds(int micros) override {
    std::this_thread::sleep_for(std::chrono::microseconds(micros));
  }

 private:
  Status OpenRandomAccess(const std::string& fname, bool allow_mmap,
                          std::unique_ptr<RandomAccessFile>* result) {
    int fd = ::open(fname.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(fname, errno);
    if (allow_mmap &&
        mmap_budget_.fetch_sub(1, std::memory_order_relaxed) > 0) {
      struct stat st;
      if (fstat(fd, &st) == 0 && st.st_size > 0) {
        void* base = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ,
                          MAP_SHARED, fd, 0);
        if (base != MAP_FAILED) {
          close(fd);
          *result = std::make_unique<PosixMmapReadableFile>(
              fname, static_cast<char*>(base), static_cast<size_t>(st.st_size),
              &mmap_budget_);
          return Status::OK();
        }
      }
    }
    if (allow_mmap) mmap_budget_.fetch_add(1, std::memory_order_relaxed);
    *result = std::make_unique<PosixRandomAccessFile>(fname, fd);
    return Status::OK();
  }

  void ForgetLock(const std::string& fname) {
    MutexLock l(&locks_mu_);
    locked_files_.erase(fname);
  }

  std::atomic<int> mmap_budget_;
  Mutex locks_mu_;
  std::set<std::string> locked_files_ GUARDED_BY(locks_mu_);
};

}  // namespace

Env* Env::Default() {
  static PosixEnv* env = new PosixEnv();  // never destroyed: files may outlive
  return env;
}

}  // namespace o3lsm
