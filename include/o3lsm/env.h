// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Env is the engine's single boundary to the operating system's files and
// clock. The engine reads and writes every file (WAL, SST, MANIFEST, CURRENT,
// LOG) through it, so a test can wrap it to inject faults (see EnvWrapper)
// and an application can redirect storage.
//
// Thread safety: an Env is safe for concurrent use. A file object is used by
// one thread at a time unless its comment says otherwise.
//
// Every error names the file it concerns, e.g.
//   "IOError: /db/000012.sst: pread at offset 4096: Input/output error".

#ifndef O3LSM_INCLUDE_ENV_H_
#define O3LSM_INCLUDE_ENV_H_

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "o3lsm/slice.h"
#include "o3lsm/status.h"

namespace o3lsm {

// A file read from start to end (WAL and MANIFEST recovery).
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;

  // Reads up to n bytes. *result points into scratch (or into the file's own
  // storage) and is valid until the next call. A short read means end of
  // file. REQUIRES: scratch has room for n bytes.
  virtual Status Read(size_t n, Slice* result, char* scratch) = 0;

  // Skips n bytes.
  virtual Status Skip(uint64_t n) = 0;
};

// A file read at arbitrary offsets (SST files). Safe for concurrent use.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;

  // Reads up to n bytes from offset. *result may point into scratch; it is
  // valid while both scratch and this file live. A result shorter than n
  // means the file ended. REQUIRES: scratch has room for n bytes.
  virtual Status Read(uint64_t offset, size_t n, Slice* result,
                      char* scratch) const = 0;

  // True if Read returns slices into memory the file owns (a mapping) that
  // stay valid and unchanged as long as the file is open, so readers may use
  // the bytes in place. Default: false.
  virtual bool ReadsInPlace() const { return false; }
};

// A file written sequentially (WAL, SST, MANIFEST). Buffered: Append may
// keep data in memory until Flush, Sync or Close.
class WritableFile {
 public:
  virtual ~WritableFile() = default;

  virtual Status Append(const Slice& data) = 0;
  // Hands buffered data to the operating system.
  virtual Status Flush() = 0;
  // Makes appended data durable (fdatasync).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  // Bytes appended so far, buffered ones included.
  virtual uint64_t Size() const = 0;
};

// A lock on a file, held until UnlockFile.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

// Severity of a line of the human-readable LOG, lowest first (RocksDB's
// levels). A logger drops the lines below its level(); kHeader lines (what
// a LOG file starts with) are always written.
enum class InfoLogLevel : unsigned char {
  kDebug = 0,
  kInfo,
  kWarn,
  kError,
  kFatal,
  kHeader,
};

// "DEBUG", "INFO", "WARN", "ERROR", "FATAL" or "HEADER".
const char* InfoLogLevelName(InfoLogLevel level);

// A sink for the human-readable LOG file.
//
// Thread safety: every method may be called concurrently; a line is written
// whole (lines of concurrent callers do not interleave).
class Logger {
 public:
  explicit Logger(InfoLogLevel level = InfoLogLevel::kInfo)
      : level_(static_cast<unsigned char>(level)) {}
  virtual ~Logger() = default;

  // Writes one line at kInfo. What a minimal logger implements (with
  // `using Logger::Logv;` to keep the leveled overload visible).
  virtual void Logv(const char* format, va_list ap) = 0;
  // Writes one line at `level`, or nothing if level is below level().
  // Default: prefixes the message with "[LEVEL] " and calls Logv above; a
  // logger that writes its own timestamp and level (the POSIX one:
  // "2026/12/06-19:36:29.123456 140234 [WARN] message") overrides it.
  virtual void Logv(InfoLogLevel level, const char* format, va_list ap);

  // Bytes written to the current file, for loggers that roll it over by
  // size. Default: 0 (not a file).
  virtual uint64_t GetLogFileSize() const { return 0; }

  InfoLogLevel level() const {
    return static_cast<InfoLogLevel>(level_.load(std::memory_order_relaxed));
  }
  void set_level(InfoLogLevel level) {
    level_.store(static_cast<unsigned char>(level), std::memory_order_relaxed);
  }
  // True if a line at `level` would be written.
  bool Enabled(InfoLogLevel level) const {
    return level == InfoLogLevel::kHeader || level >= this->level();
  }

 private:
  std::atomic<unsigned char> level_;
};

class Env {
 public:
  Env() = default;
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  virtual ~Env() = default;

  // The POSIX environment. Belongs to o3lsm; never delete it.
  static Env* Default();

  virtual Status NewSequentialFile(const std::string& fname,
                                   std::unique_ptr<SequentialFile>* result) = 0;
  virtual Status NewRandomAccessFile(
      const std::string& fname, std::unique_ptr<RandomAccessFile>* result) = 0;
  // Like NewRandomAccessFile, but never maps the file: reads copy into the
  // caller's scratch (pread). Default: NewRandomAccessFile, for an Env that
  // never maps files anyway.
  virtual Status NewUnmappedRandomAccessFile(
      const std::string& fname, std::unique_ptr<RandomAccessFile>* result) {
    return NewRandomAccessFile(fname, result);
  }
  // Creates or truncates fname.
  virtual Status NewWritableFile(const std::string& fname,
                                 std::unique_ptr<WritableFile>* result) = 0;
  // Opens fname for appending, creating it if missing.
  virtual Status NewAppendableFile(const std::string& fname,
                                   std::unique_ptr<WritableFile>* result) = 0;

  virtual bool FileExists(const std::string& fname) = 0;
  // Names (not paths) of the entries of dir.
  virtual Status GetChildren(const std::string& dir,
                             std::vector<std::string>* result) = 0;
  virtual Status RemoveFile(const std::string& fname) = 0;
  virtual Status CreateDir(const std::string& dirname) = 0;
  virtual Status RemoveDir(const std::string& dirname) = 0;
  virtual Status GetFileSize(const std::string& fname, uint64_t* size) = 0;
  // Atomically replaces target with src.
  virtual Status RenameFile(const std::string& src,
                            const std::string& target) = 0;
  // Shrinks fname to size bytes (cuts a torn WAL tail).
  virtual Status TruncateFile(const std::string& fname, uint64_t size) = 0;
  // Makes the directory's entries (creations, renames) durable.
  virtual Status SyncDir(const std::string& dirname) = 0;

  // Takes an exclusive lock that keeps other processes from opening the same
  // database. Fails with Busy if another process (or this one) holds it.
  virtual Status LockFile(const std::string& fname,
                          std::unique_ptr<FileLock>* lock) = 0;
  virtual Status UnlockFile(std::unique_ptr<FileLock> lock) = 0;

  virtual Status NewLogger(const std::string& fname,
                           std::shared_ptr<Logger>* result) = 0;

  virtual uint64_t NowMicros() = 0;
  virtual void SleepForMicroseconds(int micros) = 0;
};

// Forwards every call to another Env. Subclass it and override one method to
// inject a fault or count calls.
class EnvWrapper : public Env {
 public:
  // REQUIRES: target outlives this wrapper.
  explicit EnvWrapper(Env* target) : target_(target) {}
  Env* target() const { return target_; }

  Status NewSequentialFile(const std::string& f,
                           std::unique_ptr<SequentialFile>* r) override {
    return target_->NewSequentialFile(f, r);
  }
  // Both open the target's file and hand it to WrapRandomAccessFile.
  Status NewRandomAccessFile(const std::string& f,
                             std::unique_ptr<RandomAccessFile>* r) override {
    return Wrapped(f, target_->NewRandomAccessFile(f, r), r);
  }
  Status NewUnmappedRandomAccessFile(
      const std::string& f, std::unique_ptr<RandomAccessFile>* r) override {
    return Wrapped(f, target_->NewUnmappedRandomAccessFile(f, r), r);
  }
  Status NewWritableFile(const std::string& f,
                         std::unique_ptr<WritableFile>* r) override {
    return target_->NewWritableFile(f, r);
  }
  Status NewAppendableFile(const std::string& f,
                           std::unique_ptr<WritableFile>* r) override {
    return target_->NewAppendableFile(f, r);
  }
  bool FileExists(const std::string& f) override {
    return target_->FileExists(f);
  }
  Status GetChildren(const std::string& dir,
                     std::vector<std::string>* r) override {
    return target_->GetChildren(dir, r);
  }
  Status RemoveFile(const std::string& f) override {
    return target_->RemoveFile(f);
  }
  Status CreateDir(const std::string& d) override {
    return target_->CreateDir(d);
  }
  Status RemoveDir(const std::string& d) override {
    return target_->RemoveDir(d);
  }
  Status GetFileSize(const std::string& f, uint64_t* s) override {
    return target_->GetFileSize(f, s);
  }
  Status RenameFile(const std::string& s, const std::string& t) override {
    return target_->RenameFile(s, t);
  }
  Status TruncateFile(const std::string& f, uint64_t size) override {
    return target_->TruncateFile(f, size);
  }
  Status SyncDir(const std::string& d) override { return target_->SyncDir(d); }
  Status LockFile(const std::string& f,
                  std::unique_ptr<FileLock>* l) override {
    return target_->LockFile(f, l);
  }
  Status UnlockFile(std::unique_ptr<FileLock> l) override {
    return target_->UnlockFile(std::move(l));
  }
  Status NewLogger(const std::string& f,
                   std::shared_ptr<Logger>* r) override {
    return target_->NewLogger(f, r);
  }
  uint64_t NowMicros() override { return target_->NowMicros(); }
  void SleepForMicroseconds(int micros) override {
    target_->SleepForMicroseconds(micros);
  }

 protected:
  // Wraps every random-access file the target opens, mapped or not (to
  // inject faults or charge a cost, say). Default: the file as it is.
  virtual std::unique_ptr<RandomAccessFile> WrapRandomAccessFile(
      const std::string& /*fname*/, std::unique_ptr<RandomAccessFile> file) {
    return file;
  }

 private:
  Status Wrapped(const std::string& f, Status opened,
                 std::unique_ptr<RandomAccessFile>* r) {
    if (opened.ok()) *r = WrapRandomAccessFile(f, std::move(*r));
    return opened;
  }
  Env* target_;
};

// Writes a printf-style line to info_log if it is not null, at kInfo.
void Log(Logger* info_log, const char* format, ...)
    __attribute__((__format__(__printf__, 2, 3)));
// The same at `level`: dropped if info_log's level is above it.
void Log(InfoLogLevel level, Logger* info_log, const char* format, ...)
    __attribute__((__format__(__printf__, 3, 4)));
// Shorthands: LogWarn(l, ...) is Log(InfoLogLevel::kWarn, l, ...).
void LogDebug(Logger* info_log, const char* format, ...)
    __attribute__((__format__(__printf__, 2, 3)));
void LogInfo(Logger* info_log, const char* format, ...)
    __attribute__((__format__(__printf__, 2, 3)));
void LogWarn(Logger* info_log, const char* format, ...)
    __attribute__((__format__(__printf__, 2, 3)));
void LogError(Logger* info_log, const char* format, ...)
    __attribute__((__format__(__printf__, 2, 3)));
void LogFatal(Logger* info_log, const char* format, ...)
    __attribute__((__format__(__printf__, 2, 3)));
void LogHeader(Logger* info_log, const char* format, ...)
    __attribute__((__format__(__printf__, 2, 3)));

// Helpers on top of Env.
Status WriteStringToFile(Env* env, const Slice& data, const std::string& fname,
                         bool sync);
Status ReadFileToString(Env* env, const std::string& fname, std::string* data);

}  // namespace o3lsm

#endif  // O3LSM_INCLUDE_ENV_H_
